import Foundation
import LumenEvents
import Testing
@testable import LumenBoard

/// The wire-format fast path must give exactly what the SwiftProtobuf path gives.
@Suite struct FastPathTests {
    /// Loads `records` twice, with and without the fast path.
    static func both(_ records: [[UInt8]]) -> (fast: RunData, slow: RunData) {
        var fast = RunData()
        var slow = RunData()
        slow.usesFastPath = false
        for record in records {
            fast.add(serializedEvent: record)
            slow.add(serializedEvent: record)
        }
        return (fast, slow)
    }

    static func expectSame(_ a: RunData, _ b: RunData, _ label: String = "") {
        #expect(a.events == b.events, "\(label)")
        #expect(a.corruptRecords == b.corruptRecords, "\(label)")
        #expect(a.lastEventTime?.bitPattern == b.lastEventTime?.bitPattern, "\(label)")
        #expect(a.pluginByTag == b.pluginByTag, "\(label)")
        #expect(a.scalars.keys.sorted() == b.scalars.keys.sorted(), "\(label)")
        for (tag, x) in a.scalars {
            guard let y = b.scalars[tag] else { continue }
            #expect(x.steps == y.steps, "\(label) \(tag)")
            #expect(x.wallTimes.map(\.bitPattern) == y.wallTimes.map(\.bitPattern), "\(label) \(tag)")
            #expect(x.values.map(\.bitPattern) == y.values.map(\.bitPattern), "\(label) \(tag)")
        }
        #expect(a.histograms.mapValues { $0.items } == b.histograms.mapValues { $0.items }, "\(label)")
        #expect(a.images.mapValues { $0.items } == b.images.mapValues { $0.items }, "\(label)")
        #expect(a.text.mapValues { $0.items } == b.text.mapValues { $0.items }, "\(label)")
        #expect(a.hparams == b.hparams && a.graph == b.graph, "\(label)")
    }

    @Test func interopFixturesDecodeTheSame() throws {
        var fastEvents = 0
        for run in RunDiscovery.discover(logdir: FixtureStoreTests.logdir) {
            var records: [[UInt8]] = []
            for file in run.value {
                var reader = try TFRecordReader(path: file)
                records += try reader.readAvailable().records.map(\.data)
            }
            let (fast, slow) = Self.both(records)
            Self.expectSame(fast, slow, run.key)
            #expect(slow.fastPathEvents == 0)
            fastEvents += fast.fastPathEvents
        }
        // The tensorboardX scalars (simple_value) and the TF2 scalars (tensors) take the fast path.
        #expect(fastEvents >= 100)
    }

    // MARK: - Generated events

    static func event(step: Int64, wallTime: Double, _ values: [Summary.Value]) -> [UInt8] {
        var event = Event()
        event.step = step
        event.wallTime = wallTime
        var summary = Summary()
        summary.value = values
        event.summary = summary
        return try! event.serializedBytes()
    }

    static func simple(_ tag: String, _ x: Float) -> Summary.Value {
        var v = Summary.Value()
        v.tag = tag
        v.simpleValue = x
        return v
    }

    static func tensor(
        _ tag: String, dtype: DataType, floats: [Float] = [], doubles: [Double] = [], ints: [Int32] = [],
        content: [UInt8] = [], shape: [Int64] = [], plugin: String? = "scalars", displayName: String = ""
    ) -> Summary.Value {
        var t = TensorProto()
        t.dtype = dtype
        t.floatVal = floats
        t.doubleVal = doubles
        t.intVal = ints
        t.tensorContent = Data(content)
        var s = TensorShapeProto()
        s.dim = shape.map { size in
            var d = TensorShapeProto.Dim()
            d.size = size
            return d
        }
        t.tensorShape = s
        var v = Summary.Value()
        v.tag = tag
        v.tensor = t
        if let plugin {
            var m = SummaryMetadata()
            m.pluginData.pluginName = plugin
            m.displayName = displayName
            v.metadata = m
        }
        return v
    }

    @Test func generatedEventsDecodeTheSame() {
        var random = SplitMix64(seed: 7)
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        let specialFloats: [Float] = [
            .nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1.5,
        ]
        let tags = ["loss", "acc", "", "ünïcødé/タグ", "a/b/c", "lr"]
        var records: [[UInt8]] = []
        var wall = 1_764_400_000.123_456
        for i in 0..<3000 {
            let tag = tags[Int(random.next() % UInt64(tags.count))]
            // Mostly increasing steps, sometimes backwards (a restart) or huge.
            var step = Int64(i)
            switch random.next() % 40 {
            case 0: step = Int64(i) - 500
            case 1: step = Int64(1) << 40 + Int64(i)
            case 2: step = -3
            default: break
            }
            wall += random.next() % 50 == 0 ? 5000 : uniform() * 0.1
            let wallTime: Double =
                switch random.next() % 100 {
                case 0: .nan
                case 1: -wall
                case 2: 0
                default: wall
                }
            let x =
                random.next() % 10 == 0
                ? specialFloats[Int(random.next() % UInt64(specialFloats.count))] : Float(uniform() * 10 - 5)
            var value: Summary.Value
            switch random.next() % 16 {
            case 0: value = Self.tensor(tag, dtype: .dtFloat, floats: [x])
            case 1: value = Self.tensor(tag, dtype: .dtDouble, doubles: [uniform()], shape: [1])
            case 2:
                value = Self.tensor(
                    tag, dtype: .dtFloat, content: withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) })
            case 3:
                value = Self.tensor(
                    tag, dtype: .dtDouble, content: withUnsafeBytes(of: uniform().bitPattern.littleEndian) { Array($0) }
                )
            case 4: value = Self.tensor(tag, dtype: .dtInt32, ints: [3])
            case 5: value = Self.tensor(tag, dtype: .dtFloat, floats: [x, x])
            case 6: value = Self.tensor(tag, dtype: .dtFloat, floats: [x], plugin: nil)
            case 7: value = Self.tensor(tag, dtype: .dtFloat, floats: [x], plugin: "histograms")
            case 8: value = Self.tensor(tag, dtype: .dtFloat, floats: [x], displayName: "shown")
            case 9:  // tensorboardX with a display name: metadata without a plugin
                value = Self.simple(tag, x)
                value.metadata.displayName = "shown"
                value.metadata.summaryDescription = "about"
            case 10:  // TensorFlow 2: tensor_content, the scalars plugin and its data class
                value = Self.tensor(
                    tag, dtype: .dtFloat, content: withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) })
                value.metadata.dataClass = .scalar
                value.metadata.summaryDescription = random.next() % 2 == 0 ? "" : "about"
            case 11:  // plugin data without a plugin name
                value = Self.simple(tag, x)
                value.metadata.pluginData.content = Data([1])
            default: value = Self.simple(tag, x)
            }
            var values = [value]
            if random.next() % 8 == 0 { values.append(Self.simple(tags[Int(random.next() % UInt64(tags.count))], x)) }
            var record = Self.event(step: step, wallTime: wallTime, values)
            switch random.next() % 60 {
            case 0: record.removeLast(Int(random.next() % UInt64(record.count)))  // cut short
            case 1: record[Int(random.next() % UInt64(record.count))] ^= 0xFF  // damaged
            case 2: record = EventBytes.histogram(tag, step: step)
            case 3: record = EventBytes.sessionStart(step: step / 2)
            default: break
            }
            records.append(record)
        }
        // A tag that isn't UTF-8, built by hand: Event{step=1, summary{value{tag="\xFF", simple_value=1}}}.
        records.append([0x10, 0x01, 0x2A, 0x0A, 0x0A, 0x08, 0x0A, 0x01, 0xFF, 0x15, 0x00, 0x00, 0x80, 0x3F])
        // The same with a valid tag, and an event with an unknown field.
        records.append([0x10, 0x02, 0x2A, 0x0A, 0x0A, 0x08, 0x0A, 0x01, 0x41, 0x15, 0x00, 0x00, 0x80, 0x3F])
        records.append([0x10, 0x03, 0x58, 0x01])
        let (fast, slow) = Self.both(records)
        Self.expectSame(fast, slow)
        #expect(fast.fastPathEvents > 1500)
        #expect(fast.corruptRecords > 0)
    }
}

extension FastPathTests {
    /// Runs of events that repeat one tensor layout and one metadata (which the decoder compares
    /// with the last ones instead of parsing again), each run in another layout, and layouts that
    /// differ from the last only in the bytes before the number: the same as SwiftProtobuf.
    @Test func repeatedLayoutsDecodeTheSame() {
        var random = SplitMix64(seed: 12)
        func number() -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: random.next())) }
        func bytes<T>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
        let layouts: [(Float) -> Summary.Value] = [
            { Self.tensor("loss", dtype: .dtFloat, content: bytes($0.bitPattern.littleEndian)) },
            { Self.tensor("loss", dtype: .dtFloat, floats: [$0]) },
            { Self.tensor("loss", dtype: .dtFloat, floats: [$0], shape: [1]) },
            { Self.tensor("loss", dtype: .dtDouble, content: bytes(Double($0).bitPattern.littleEndian)) },
            { Self.tensor("loss", dtype: .dtDouble, doubles: [Double($0)], shape: [1, 1]) },
            // The number's bytes are not the last: another field follows.
            { Self.tensor("loss", dtype: .dtFloat, content: bytes($0.bitPattern.littleEndian) + [0]) },
            { Self.tensor("loss", dtype: .dtFloat, floats: [$0], plugin: "histograms") },
            { Self.tensor("loss", dtype: .dtInt32, content: bytes($0.bitPattern.littleEndian)) },
            { value in
                var v = Self.tensor("loss", dtype: .dtFloat, content: bytes(value.bitPattern.littleEndian))
                v.metadata.dataClass = .scalar
                return v
            },
        ]
        var records: [[UInt8]] = []
        for i in 0..<2_000 {
            let layout = layouts[(i / 50 + (random.next() % 5 == 0 ? 1 : 0)) % layouts.count]
            let tag = random.next() % 3 == 0 ? "acc" : "loss"
            var value = layout(number())
            value.tag = tag
            records.append(Self.event(step: Int64(i), wallTime: Double(i), [value]))
        }
        let (fast, slow) = Self.both(records)
        Self.expectSame(fast, slow)
        #expect(fast.fastPathEvents > 1_000)
        #expect(fast.shapedEvents > 100)
    }

    /// Events read by the shape of the last one of their tag: TensorFlow 2's layout (the metadata
    /// after the number) and the one-value layout, tags in turn, steps whose varint grows (127 →
    /// 128, 16,383 → 16,384) or is negative, and events that differ from the shape in one byte
    /// outside the numbers (metadata, dtype, tag, a field added, the step or wall time repeated after
    /// the summary), and events too long to keep a shape of: the same as SwiftProtobuf, and most
    /// events by their shape.
    @Test func eventShapesReadTheSame() {
        var random = SplitMix64(seed: 31)
        func number() -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: random.next())) }
        // The last tag makes events longer than the longest shape kept.
        let tags = ["loss", "accuracy", "lr", String(repeating: "t", count: 600)]
        var records: [[UInt8]] = []
        var steps = Array(0..<40) + Array(120..<140) + Array(16_370..<16_400) + [-5, -4, 1 << 40, (1 << 40) + 1]
        steps += Array(200..<260)
        for step in steps {
            for (t, tag) in tags.enumerated() {
                let wallTime = 1_764_900_000 + Double(step) * 0.25 + Double(random.next() % 1000) / 7
                var value =
                    t == 2
                    ? Self.simple(tag, number())
                    : Self.tensor(
                        tag, dtype: t == 0 ? .dtFloat : .dtDouble, floats: t == 0 ? [number()] : [],
                        doubles: t == 0 ? [] : [Double(number())])
                switch random.next() % 40 {
                case 0: value.metadata.pluginData.content = Data([1])
                case 1: value.tensor.dtype = .dtInt32
                case 2: value.tag = tag + "x"
                case 3: value.metadata.displayName = "d"
                default: break
                }
                var record = Self.event(step: Int64(step), wallTime: wallTime, [value])
                switch random.next() % 50 {
                case 0: record += [0x78, 0x01]  // an unknown field (15) after the summary
                case 1: record += [0x10, 0x07]  // the step again after the summary: the last one counts
                case 2: record += [0x09] + withUnsafeBytes(of: (2.5).bitPattern.littleEndian) { Array($0) }
                default: break
                }
                // Whole stretches of one tag's events with the step or the wall time again after
                // the summary, each event the same bytes as the last but for the first step and time.
                if t == 2, (200..<230).contains(step) { record += [0x10, 0x07] }
                if t == 1, (230..<260).contains(step) {
                    record += [0x09] + withUnsafeBytes(of: (3.5).bitPattern.littleEndian) { Array($0) }
                }
                records.append(record)
            }
        }
        let (fast, slow) = Self.both(records)
        Self.expectSame(fast, slow)
        // Three tags in four can take a shape; a changed or extended event misses, and so does the
        // next one of its tag (the shape kept is the changed one), as does the first after the
        // step's varint grows: about 60% of the three tags' events are read by their shape.
        #expect(fast.shapedEvents > records.count * 2 / 5, "\(fast.shapedEvents) of \(records.count)")
    }

    /// The inline compare of short byte runs agrees with comparing the arrays, for every length up
    /// to 40 and a difference at every position.
    @Test func shortByteRunsCompareAsArrays() {
        var random = SplitMix64(seed: 5)
        for count in 0...40 {
            let a = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            for at in -1..<count {
                var b = a
                if at >= 0 { b[at] ^= UInt8(truncatingIfNeeded: random.next() | 1) }
                let same = a.withUnsafeBytes { x in
                    b.withUnsafeBytes { y in
                        guard let x = x.baseAddress, let y = y.baseAddress else { return count == 0 }
                        return WireBytes.equal(x, y, count: count)
                    }
                }
                #expect(same == (a == b), "length \(count), difference at \(at)")
            }
        }
    }

    /// A value whose metadata is present but empty names no plugin: the fast path takes it from the
    /// first event on, as SwiftProtobuf reads it.
    @Test func emptyMetadataTakesTheFastPath() {
        // Event{step=i, summary{value{tag="a", metadata{}, simple_value=i/4}}}, built by hand.
        let records: [[UInt8]] = (0..<20).map { i in
            let value = withUnsafeBytes(of: (Float(i) / 4).bitPattern.littleEndian) { Array($0) }
            return [0x10, UInt8(i), 0x2A, 0x0C, 0x0A, 0x0A, 0x0A, 0x01, 0x61, 0x4A, 0x00, 0x15] + value
        }
        let (fast, slow) = Self.both(records)
        Self.expectSame(fast, slow)
        #expect(fast.fastPathEvents == records.count)
    }

    /// Mutated events (bytes flipped, dropped, inserted, lengths broken): the fast path either
    /// declines or agrees with SwiftProtobuf, and never reads out of bounds.
    @Test func mutatedEventsDecodeTheSame() {
        var random = SplitMix64(seed: 99)
        let seeds: [[UInt8]] = [
            Self.event(step: 5, wallTime: 1_764_400_000.25, [Self.simple("loss", 0.5)]),
            Self.event(step: 70_000, wallTime: 2, [Self.simple("a", 1), Self.simple("bb", 2)]),
            // Tags of 120 and 127 bytes (the value's length then takes two bytes) and of 130 (the
            // tag's length does): the shortcut for a tag and a simple_value takes only the first two.
            Self.event(
                step: 6, wallTime: 6,
                [
                    Self.simple(String(repeating: "t", count: 120), 1),
                    Self.simple(String(repeating: "u", count: 127), 2),
                    Self.simple(String(repeating: "v", count: 130), 3),
                ]),
            Self.event(step: 3, wallTime: 3, [Self.tensor("t", dtype: .dtFloat, floats: [4])]),
            Self.event(
                step: 4, wallTime: 4,
                [Self.tensor("d", dtype: .dtDouble, content: [0, 0, 0, 0, 0, 0, 0xF0, 0x3F], shape: [1, 1])]),
        ]
        var records: [[UInt8]] = []
        for _ in 0..<20_000 {
            var record = seeds[Int(random.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let at = Int(random.next() % UInt64(record.count))
                switch random.next() % 4 {
                case 0: record[at] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                case 1: record.remove(at: at)
                case 2: record.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
                default: record[at] = [0x00, 0x7F, 0x80, 0xFF][Int(random.next() % 4)]
                }
                if record.isEmpty { break }
            }
            records.append(record)
        }
        let (fast, slow) = Self.both(records)
        Self.expectSame(fast, slow)
        #expect(fast.fastPathEvents > 1000 && fast.corruptRecords > 1000)
    }
}

@Suite struct ScalarColumnTests {
    /// Every column form gives back exactly what was appended, across chunk boundaries and purges.
    @Test func roundTripsExactly() {
        var random = SplitMix64(seed: 11)
        var series = ScalarSeries()
        var expected: [ScalarPoint] = []
        var step: Int64 = 0
        var wall = 1_764_400_000.5
        for i in 0..<20_000 {
            let segment = i / 2500
            switch segment % 4 {
            case 0: step += 10  // arithmetic
            case 1: step += Int64(random.next() % 7 + 1)  // offsets
            case 2: step += Int64(random.next() % 3 == 0 ? 1 << 33 : 1)  // wide
            default: step += 1
            }
            switch segment % 3 {
            case 0: wall += Double(random.next() % 1000) * wall.ulp
            case 1: wall += Double(random.next() % 100) / 7  // not on the first's grid
            default: wall += random.next() % 500 == 0 ? 3000 : 0.25
            }
            let value = segment % 2 == 0 ? Double(Float(Double(i) / 3)) : Double(i) / 3
            series.append(step: step, wallTime: wall, value: value)
            expected.append(ScalarPoint(step: step, wallTime: wall, value: value))
            if i % 4999 == 4998 {
                // A restart part-way back.
                let back = expected[expected.count - 1500].step
                series.append(step: back, wallTime: wall, value: -1)
                expected.removeAll { $0.step >= back }
                expected.append(ScalarPoint(step: back, wallTime: wall, value: -1))
            }
        }
        #expect(series.count == expected.count)
        #expect(series.steps == expected.map(\.step))
        #expect(series.wallTimes.map(\.bitPattern) == expected.map(\.wallTime.bitPattern))
        #expect(series.values.map(\.bitPattern) == expected.map(\.value.bitPattern))
        #expect(series.lastStep == expected.last?.step)
    }

    @Test func regularSeriesTakeAFewBytesAPoint() {
        var series = ScalarSeries()
        for i in 0..<50_000 {
            series.append(step: Int64(i), wallTime: 1_764_400_000 + Double(i) * 0.05, value: Double(Float(i)))
        }
        // Compressed chunks: steps and wall times on a line (0 and 2 bits), small XORs of the values.
        #expect(series.columnBytes < 50_000 * 3)
        #expect(
            series.point(at: 12_345)
                == ScalarPoint(step: 12_345, wallTime: 1_764_400_000 + 12_345 * 0.05, value: 12_345))
    }

    @Test func purgeToTheStartAndAcrossChunks() {
        var series = ScalarSeries()
        for i in 0..<3000 { series.append(step: Int64(i), wallTime: 100, value: 1) }
        series.purge(fromStep: 2048)
        #expect(series.count == 2048 && series.lastStep == 2047)
        series.append(step: 5000, wallTime: 101, value: 2)
        #expect(series.count == 2049 && series.step(at: 2048) == 5000 && series.wallTime(at: 2048) == 101)
        series.purge(fromStep: 0)
        #expect(series.isEmpty && series.lastStep == nil)
        series.append(step: 7, wallTime: 9, value: 3)
        #expect(series.points == [ScalarPoint(step: 7, wallTime: 9, value: 3)])
    }

    /// A snapshot keeps its points while the loader appends to and purges its own copy.
    @Test func copiesAreIndependent() {
        var series = ScalarSeries()
        for i in 0..<1500 { series.append(step: Int64(i), wallTime: 1, value: Double(i)) }
        let snapshot = series
        for i in 1500..<2500 { series.append(step: Int64(i), wallTime: 1, value: Double(i)) }
        series.purge(fromStep: 100)
        #expect(snapshot.count == 1500 && snapshot.steps == (0..<1500).map(Int64.init))
        #expect(snapshot.values == (0..<1500).map(Double.init))
        #expect(series.count == 100)
    }
}
