import Foundation
import Testing
@testable import LumenBoard
import LumenTestSupport

/// The compressed scalar store gives back every point bit for bit, and queries answer as they
/// would over the plain columns.
@Suite struct CompressedStoreTests {
    /// Values no encoder may bend: NaNs with payloads (quiet, signalling, negative, from a
    /// `Float`), infinities, signed zeros, subnormals, extremes.
    static let awkwardValues: [Double] = [
        Double(bitPattern: 0x7FF0_0000_0000_0001), Double(bitPattern: 0x7FF8_DEAD_BEEF_0001),
        Double(bitPattern: 0xFFF8_0000_0000_0000), Double(Float(bitPattern: 0x7FC0_1234)),
        Double(Float(bitPattern: 0xFF80_0001)), .infinity, -.infinity, 0.0, -0.0,
        Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, Double(Float.leastNonzeroMagnitude),
        Double.leastNormalMagnitude.nextDown, Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude,
        Double(Float.greatestFiniteMagnitude), Double.leastNormalMagnitude / 3, 0.1, 1.0 / 3.0, 42,
    ]

    /// Appends to a series and to a plain model of it (a step at or before the last drops every
    /// point from that step on), then checks every column bit for bit.
    struct Model {
        var series = ScalarSeries()
        var points: [ScalarPoint] = []

        mutating func append(_ step: Int64, _ wallTime: Double, _ value: Double) {
            series.append(step: step, wallTime: wallTime, value: value)
            if let last = points.last, step <= last.step { points.removeAll { $0.step >= step } }
            points.append(ScalarPoint(step: step, wallTime: wallTime, value: value))
        }

        func check(sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(series.count == points.count, sourceLocation: sourceLocation)
            #expect(series.steps == points.map(\.step), sourceLocation: sourceLocation)
            #expect(
                series.wallTimes.map(\.bitPattern) == points.map(\.wallTime.bitPattern), sourceLocation: sourceLocation)
            #expect(series.values.map(\.bitPattern) == points.map(\.value.bitPattern), sourceLocation: sourceLocation)
            #expect(series.lastStep == points.last?.step, sourceLocation: sourceLocation)
            let every = series.points
            #expect(every.map(\.step) == points.map(\.step), sourceLocation: sourceLocation)
            for index in stride(from: 0, to: points.count, by: 997) {
                #expect(
                    series.point(at: index).value.bitPattern == points[index].value.bitPattern,
                    sourceLocation: sourceLocation)
                #expect(series.step(at: index) == points[index].step, sourceLocation: sourceLocation)
                #expect(
                    series.wallTime(at: index).bitPattern == points[index].wallTime.bitPattern,
                    sourceLocation: sourceLocation)
            }
        }
    }

    @Test func awkwardValuesRoundTripExactly() {
        var model = Model()
        var random = SplitMix64(seed: 3)
        for i in 0..<5_000 {
            let value: Double
            switch i / 1024 {
            case 0:  // every float, NaNs too
                value = Double(Float(bitPattern: UInt32(truncatingIfNeeded: random.next())))
            case 1: value = Double(bitPattern: random.next())  // every double
            case 2: value = Self.awkwardValues[Int(random.next() % UInt64(Self.awkwardValues.count))]
            default: value = i % 7 == 0 ? Self.awkwardValues[i % Self.awkwardValues.count] : Double(Float(i) * 0.25)
            }
            model.append(Int64(i), 1_764_400_000 + Double(i), value)
        }
        model.check()
        #expect(!model.series.storesFloats)
    }

    /// Both value codes at both widths decode to the values coded (each has its own loop).
    @Test func everyValueCodeRoundTripsAtBothWidths() {
        var random = SplitMix64(seed: 41)
        let steps = (0..<1024).map { Int64($0) }
        let times = (0..<1024).map { Int64(bitPattern: (1_764_400_000 + Double($0)).bitPattern) }
        for wide in [false, true] {
            for xor in [false, true] {
                // Long runs of one value favour the XOR code; noise across powers of two doesn't.
                let values: [Double] = (0..<1024).map { i in
                    let noise = Double(random.next() >> 11) / Double(1 << 53) * 3 - 1.5
                    let value = xor ? Double(i / 100) * 0.3 : noise
                    return wide ? value : Double(Float(value))  // 0.3 k and the noise are not floats
                }
                let patterns = values.map { wide ? $0.bitPattern : UInt64(Float($0).bitPattern) }
                let chunk = steps.withUnsafeBufferPointer { s in
                    times.withUnsafeBufferPointer { t in
                        patterns.withUnsafeBufferPointer { p in
                            CompressedScalarChunk(steps: s, wallTimePatterns: t, valuePatterns: p, wideValues: wide)
                        }
                    }
                }
                #expect(chunk.valuesUseXOR == xor, "wide \(wide), XOR \(xor)")
                #expect(chunk.values().map(\.bitPattern) == values.map(\.bitPattern), "wide \(wide), XOR \(xor)")
            }
        }
    }

    @Test func awkwardStepsAndWallTimesRoundTripExactly() {
        var model = Model()
        var random = SplitMix64(seed: 5)
        var step = Int64.min + 1
        for i in 0..<4_500 {
            // Huge gaps (up to 2^62), gaps of one, and steps near both ends of Int64.
            switch i % 5 {
            case 0: step = step &+ Int64(random.next() >> 2)
            case 1: step = step &+ 1
            default: step = step &+ Int64(random.next() % 1_000 + 1)
            }
            if step < (model.points.last?.step ?? .min) { step = Int64.max - Int64(4_500 - i) }
            let wallTime: Double
            switch (i / 700) % 5 {
            case 0: wallTime = 1_764_400_000  // all equal
            case 1: wallTime = Double(bitPattern: random.next())  // any bit pattern: NaNs, infinities, subnormals
            case 2: wallTime = Self.awkwardValues[i % Self.awkwardValues.count]
            case 3: wallTime = 1_764_400_000 + Double(i) * 0.02 + Double(random.next() % 1_000) * 1e-6
            default: wallTime = -Double(i) * 1e300
            }
            model.append(step, wallTime, Double(i))
        }
        model.check()
        #expect(model.series.lastStep == model.points.last?.step)
    }

    /// Out-of-order steps purge as before, also back into compressed chunks and to the very start.
    @Test func restartsPurgeAcrossCompressedChunks() {
        var model = Model()
        var random = SplitMix64(seed: 9)
        var step: Int64 = 0
        for i in 0..<12_000 {
            if i % 2_900 == 2_899, let back = model.points.dropLast(1_500).last?.step {
                model.append(back, 5, -1)  // back into an earlier, compressed chunk
                step = back
                model.check()
                continue
            }
            step += Int64(random.next() % 3 + 1)
            model.append(step, 1_764_400_000 + Double(i) * 0.5, Double(Float(Double(i).squareRoot())))
        }
        model.check()
        // Exactly at a chunk boundary, then everything.
        let boundary = model.points[ScalarSeries.chunkCapacity * 3].step
        model.append(boundary, 7, 7)
        model.check()
        model.series.purge(fromStep: .min)
        model.points.removeAll()
        model.check()
        model.append(3, 4, 5)
        model.check()
    }

    /// The downsampled query answers what the same algorithm gives over plain arrays.
    @Test func queriesAnswerAsOverPlainColumns() {
        var model = Model()
        var random = SplitMix64(seed: 13)
        for i in 0..<50_000 {
            let noise = Double(random.next() % 10_000) / 10_000
            let value = i % 10_000 == 5 ? Double.nan : Double(Float(exp(-Double(i) / 5_000) + 0.05 * noise))
            model.append(Int64(i), 1_700_000_000 + Double(i) * 0.02 + noise * 0.001, value)
        }
        for maxPoints in [1, 3, 4, 10, 1_000, 49_999, 50_000, 60_000] {
            let values = model.points.map(\.value)
            let expected = BoardQueries.downsampleIndices(count: values.count, maxPoints: maxPoints) { values[$0] }
                .map { model.points[$0] }
            let answer = BoardQueries.scalars(model.series, maxPoints: maxPoints)
            #expect(answer.map(\.step) == expected.map(\.step))
            #expect(answer.map(\.wallTime.bitPattern) == expected.map(\.wallTime.bitPattern))
            #expect(answer.map(\.value.bitPattern) == expected.map(\.value.bitPattern))
        }
        #expect(BoardQueries.scalars(model.series).count == 50_000)
    }

    /// Series like the board benchmark's (tag t: t + a decay + noisy float32 values, a clock
    /// that jitters by up to a millisecond around 20 ms a step) take at most 5 bytes a point.
    @Test func benchmarkLikeSeriesTakeAtMostFiveBytesAPoint() {
        var random = SplitMix64(seed: 17)
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        var bytes = 0
        for t in 0..<10 {
            var series = ScalarSeries()
            for step in 0..<50_000 {
                let normal = (uniform() + uniform() + uniform() + uniform() - 2) * 1.7
                let value = Float(exp(-Double(step) / Double(5_000 * (t + 1))) + 0.05 * normal + Double(t))
                series.append(
                    step: Int64(step), wallTime: 1_700_000_000 + Double(step) * 0.02 + uniform() * 0.001,
                    value: Double(value))
            }
            bytes += series.columnBytes
        }
        let perPoint = Double(bytes) / 500_000
        #expect(perPoint <= 5, "\(perPoint) bytes a point")
    }

    /// The XOR code's sizing counts the bits its fields take, on runs of repeats, of noise in the
    /// low bits and of random patterns, so every case follows every other.
    @Test func xorSizingCountsTheBitsWritten() {
        var random = SplitMix64(seed: 34)
        for width in [32, 64] {
            let mask: UInt64 = width == 64 ? ~0 : 0xFFFF_FFFF
            var patterns: [UInt64] = []
            for block in 0..<600 {
                let base = random.next() & mask
                for _ in 0..<(1 + block % 7) {
                    switch block % 3 {
                    case 0: patterns.append(base)
                    case 1: patterns.append(base ^ (random.next() & 0xFFF))
                    default: patterns.append(random.next() & mask)
                    }
                }
            }
            var sizing = XORCode.State(width: width, first: patterns[0])
            var writing = sizing
            var sized = 0
            var written = 0
            for pattern in patterns.dropFirst() {
                sized += sizing.bits(of: pattern)
                writing.fields(of: pattern) { written += $1 }
            }
            #expect(sized == written, "width \(width)")
        }
    }

    /// Both integer codes take any `Int64` sequence back exactly, in the bits planned for them.
    @Test func integerSequencesRoundTrip() {
        var random = SplitMix64(seed: 21)
        let sequences: [[Int64]] = [
            [7], [Int64.min, Int64.max], [Int64.max, Int64.min, 0, -1, 1],
            (0..<1024).map { Int64($0) * 3 - 5 },
            (0..<1024).map { _ in Int64(bitPattern: random.next()) },
            (0..<1024).map { Int64($0) * 83_886 + Int64(random.next() % 4_200) },
            (0..<1024).map { Int64($0) &* (Int64.max / 700) },
            // Deltas-of-deltas of every width class, so the delta-of-delta code wins.
            (0..<1024).reduce(into: (elements: [Int64](), delta: Int64(0))) { state, i in
                state.delta &+= Int64(bitPattern: random.next()) >> Int64(4 + i % 60)
                state.elements.append((state.elements.last ?? 0) &+ state.delta)
            }.elements,
        ]
        for elements in sequences {
            // `words(bits:)` stops the program if the code writes other than the planned bits.
            let words = elements.withUnsafeBufferPointer { elements in
                let plan = IntegerSequenceCode.Plan(elements)
                return BitWriter.words(bits: plan.bits) { IntegerSequenceCode.encode(elements, plan: plan, into: &$0) }
            }
            let decoded = words.withUnsafeBufferPointer { buffer in
                var reader = BitReader(words: buffer, position: 0)
                return IntegerSequenceCode.decode(count: elements.count, from: &reader)
            }
            #expect(decoded == elements)
        }
    }
}

/// `/api/status` counts the points kept, the bytes they take and the events the fast path left
/// to the general decoder.
@Suite struct StoreStatusTests {
    @Test func statusCountsPointsBytesAndSlowPathEvents() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var records = (0..<3_000).map { EventBytes.scalar("loss", step: Int64($0), value: Float($0) / 7) }
        records += (0..<5).map { EventBytes.histogram("w", step: Int64($0)) }
        records += [EventBytes.sessionStart(step: 2_500)]
        try dir.write("a/events.out.tfevents.1.host", EventBytes.framed(records))
        try dir.write(
            "b/events.out.tfevents.1.host",
            EventBytes.framed((0..<10).map { EventBytes.scalar("x", step: Int64($0), value: 1) }))
        let snapshot = await BoardLoader(logdir: dir.path).reload()
        let status = BoardAPI.respond(endpoint: "status", parameters: [:], snapshot: snapshot)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any])
        // The restart at step 2,500 keeps steps 0..<2,500 of "loss".
        #expect(json["points"] as? Int == 2_500 + 10)
        #expect(json["slowPathEvents"] as? Int == 5 + 1)
        let expectedBytes =
            (snapshot.runs["a"]?.scalarSeries("loss")?.columnBytes ?? -1)
            + (snapshot.runs["b"]?.scalarSeries("x")?.columnBytes ?? -1)
        #expect(json["storeBytes"] as? Int == expectedBytes)
        #expect(expectedBytes > 0 && expectedBytes < 2_510 * 8)
    }
}
