import Foundation
import LumenEvents
import Testing
@testable import LumenBoard

struct Item: Stepped, Sendable, Equatable {
    var step: Int64
}

@Suite struct ReservoirTests {
    @Test func keepsAtMostNAndAlwaysTheNewest() {
        var reservoir = Reservoir<Item>(capacity: 10, seed: 42)
        for step in 0..<1000 {
            reservoir.add(Item(step: Int64(step)))
            #expect(reservoir.items.count == min(step + 1, 10))
            #expect(reservoir.items.last?.step == Int64(step))
        }
        let steps = reservoir.items.map(\.step)
        #expect(steps == steps.sorted())
        #expect(Set(steps).count == 10)
        // A uniform sample: not just the last ten.
        #expect(steps.first! < 990)
    }

    @Test func underCapacityKeepsEverything() {
        var reservoir = Reservoir<Item>(capacity: 100)
        for step in 0..<50 { reservoir.add(Item(step: Int64(step))) }
        #expect(reservoir.items.map(\.step) == (0..<50).map(Int64.init))
    }
}

@Suite struct PurgeTests {
    @Test func stepBackwardsDropsLaterPoints() {
        var run = RunData()
        for step in 0..<10 {
            run.add(serializedEvent: EventBytes.scalar("loss", step: Int64(step), value: Float(step)))
            run.add(serializedEvent: EventBytes.histogram("w", step: Int64(step)))
        }
        run.add(serializedEvent: EventBytes.scalar("other", step: 9, value: 0))
        // The job restarts from step 5.
        run.add(serializedEvent: EventBytes.scalar("loss", step: 5, value: -1))
        #expect(run.scalars["loss"]?.steps == [0, 1, 2, 3, 4, 5])
        #expect(run.scalars["loss"]?.values.last == -1)
        // Other tags are untouched until their own step goes back.
        #expect(run.histograms["w"]?.items.count == 10)
        run.add(serializedEvent: EventBytes.histogram("w", step: 7))
        #expect(run.histograms["w"]?.items.map(\.step) == [0, 1, 2, 3, 4, 5, 6, 7])
        // A repeated step replaces the point.
        run.add(serializedEvent: EventBytes.scalar("loss", step: 5, value: -2))
        #expect(run.scalars["loss"]?.steps == [0, 1, 2, 3, 4, 5])
        #expect(run.scalars["loss"]?.values.last == -2)
        // A SessionLog START purges every tag from its step.
        run.add(serializedEvent: EventBytes.sessionStart(step: 3))
        #expect(run.scalars["loss"]?.steps == [0, 1, 2])
        #expect(run.scalars["other"]?.steps == [])
        #expect(run.histograms["w"]?.items.map(\.step) == [0, 1, 2])
    }

    @Test func doubleValuesWidenStorage() {
        var series = ScalarSeries()
        series.append(step: 0, wallTime: 0, value: 0.5)
        #expect(series.storesFloats)
        series.append(step: 1, wallTime: 0, value: 0.1)
        #expect(!series.storesFloats)
        #expect(series.values == [0.5, 0.1])
    }
}

@Suite struct QueryTests {
    @Test func downsamplingKeepsShape() {
        var series = ScalarSeries()
        for step in 0..<10_000 {
            var value = sin(Double(step) / 300)
            if step == 4321 { value = 50 }
            if step == 7777 { value = -60 }
            series.append(
                step: Int64(step), wallTime: Double(step), value: Float(value).isFinite ? Double(Float(value)) : 0)
        }
        for limit in [4, 5, 100, 1000] {
            let points = BoardQueries.scalars(series, maxPoints: limit)
            #expect(points.count <= limit, "\(limit)")
            #expect(points.first?.step == 0 && points.last?.step == 9999, "\(limit)")
            #expect(points.contains { $0.step == 4321 } && points.contains { $0.step == 7777 }, "\(limit)")
            #expect(points.map(\.step) == points.map(\.step).sorted())
        }
        #expect(BoardQueries.scalars(series, maxPoints: 1000).count >= 990)
        #expect(BoardQueries.scalars(series).count == 10_000)
        #expect(BoardQueries.scalars(series, maxPoints: 20_000).count == 10_000)
        #expect(BoardQueries.scalars(series, maxPoints: 2).map(\.step) == [0, 9999])
    }

    /// Each bucket keeps the first index of its smallest and of its largest value, NaNs left out
    /// (NumPy's `nanargmin` / `nanargmax`, written out here), over values with NaN runs, ties,
    /// signed zeros and infinities, every bucket length and offset against the four-lane pass.
    @Test func downsamplingPicksTheFirstExtremes() {
        func firstExtremes(_ v: ArraySlice<Double>) -> (Int, Int)? {
            var low: Int?, high: Int?
            for i in v.indices where !v[i].isNaN {
                if low.map({ v[i] < v[$0] }) ?? true { low = i }
                if high.map({ v[i] > v[$0] }) ?? true { high = i }
            }
            guard let low, let high else { return nil }
            return (low, high)
        }
        var state: UInt64 = 12_345
        let pool: [Double] = [.nan, .nan, 0.0, -0.0, 1, -1, 2, .infinity, -.infinity, 0.5, 0.5]
        for n in [7, 64, 1_001, 5_003] {
            let values = (0..<n).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return pool[Int(state >> 33) % pool.count]
            }
            for maxPoints in [4, 10, 33, 200] where n > maxPoints {
                let kept = values.withUnsafeBufferPointer { BoardQueries.downsampleIndices($0, maxPoints: maxPoints) }
                var expected: Set<Int> = [0, n - 1]
                if let global = firstExtremes(values[...]) { expected.formUnion([global.0, global.1]) }
                let buckets = (maxPoints - 4) / 2
                for b in 0..<max(0, buckets) {
                    let start = 1 + b * (n - 2) / buckets, end = 1 + (b + 1) * (n - 2) / buckets
                    if start < end, let e = firstExtremes(values[start..<end]) { expected.formUnion([e.0, e.1]) }
                }
                #expect(kept == expected.sorted(), "n \(n), maxPoints \(maxPoints)")
            }
        }
    }

    /// A window of a stored series, downsampled and smoothed in one pass as its chunks are
    /// decoded, keeps the points the downsampling of the window's values in one array keeps, with
    /// the smoothed values of the whole series at them; and feeding the values in blocks of any
    /// size gives the same points as one block.
    @Test func windowsDownsampledAsTheyAreDecodedMatchOnePassOverAnArray() {
        var random = SplitMix64(seed: 21)
        var series = ScalarSeries()
        var values: [Double] = []
        for i in 0..<20_000 {
            let noise = Double(random.next() % 1_000) / 1_000
            let value = i % 997 == 3 ? Double.nan : Double(Float(sin(Double(i) / 700) + noise))
            series.append(step: Int64(i), wallTime: Double(i), value: value)
            values.append(value)
        }
        let smoothedAll = ScalarSmoothing.smoothed(series, weight: 0.8, in: 0..<series.count)
        for (start, end) in [(0, 19_999), (1_500, 7_777), (4_095, 4_200), (10_001, 19_999)] {
            let window = Array(values[start...end])
            for maxPoints in [3, 4, 7, 100, 1_000] where window.count > maxPoints {
                let expected = window.withUnsafeBufferPointer {
                    BoardQueries.downsampleIndices($0, maxPoints: maxPoints)
                }
                let query = ScalarWindowQuery(
                    start: Int64(start), end: Int64(end), maxPoints: maxPoints, smoothing: 0.8)
                let selection = BoardQueries.select(series, query)
                #expect(selection.indices == expected.map { $0 + start }, "\(start)...\(end), \(maxPoints)")
                let smoothed = try? #require(selection.smoothed)
                #expect(
                    smoothed?.map(\.bitPattern) == selection.indices.map { smoothedAll[$0].bitPattern },
                    "\(start)...\(end), \(maxPoints)")
                for block in [1, 2, 5, 333] {
                    var downsampler = Downsampler(count: window.count, maxPoints: maxPoints, running: PlainValues())
                    var k = 0
                    window.withUnsafeBufferPointer { all in
                        while k < all.count {
                            let n = min(block, all.count - k)
                            downsampler.take(UnsafeBufferPointer(rebasing: all[k..<k + n]))
                            k += n
                        }
                    }
                    #expect(downsampler.kept().indices == expected, "blocks of \(block)")
                }
            }
        }
    }

    /// One or two points of a window keep what the downsampling of its values keeps (its first and
    /// last, also when they are NaN), with and without smoothing.
    @Test func oneOrTwoPointsKeepWhatTheDownsamplingKeeps() {
        var series = ScalarSeries()
        var values: [Double] = []
        for i in 0..<5_000 {
            let value = i == 0 || i == 4_999 ? Double.nan : Double((i * 37) % 101)
            series.append(step: Int64(i), wallTime: Double(i), value: value)
            values.append(value)
        }
        for (start, end) in [(0, 4_999), (100, 2_000)] {
            let expected = Array(values[start...end]).withUnsafeBufferPointer { window in
                [1, 2].map { BoardQueries.downsampleIndices(window, maxPoints: $0).map { $0 + start } }
            }
            for (k, maxPoints) in [1, 2].enumerated() {
                for smoothing in [nil, 0.6] {
                    let query = ScalarWindowQuery(
                        start: Int64(start), end: Int64(end), maxPoints: maxPoints, smoothing: smoothing)
                    #expect(BoardQueries.select(series, query).indices == expected[k], "\(start), \(maxPoints)")
                }
            }
        }
    }

    @Test func histogramBucketsKeepEveryNumberToTheBit() {
        // float32 numbers stay float32; one that isn't moves every number to doubles, unchanged.
        let rows: [[Double]] = [[-1.5, 0.25, 3], [0.25, 0x1p100, 0], [0x1p100, .infinity, 7]]
        #expect(HistogramBuckets(rows: rows).numberBytes == 9 * 4)
        #expect(HistogramBuckets(rows: rows + [[.infinity, .infinity, -0.0]]).numberBytes == 12 * 4)
        let expected = rows + [[.infinity, .infinity, -0.0], [0.1, 0.2, 1]]
        let buckets = HistogramBuckets(rows: expected)
        #expect(buckets.numberBytes == 15 * 8)
        #expect(
            buckets.map { [$0.left, $0.right, $0.count].map(\.bitPattern) } == expected.map { $0.map(\.bitPattern) })
        let narrow = HistogramBuckets(rows: rows)
        #expect(narrow.map { [$0.left, $0.right, $0.count].map(\.bitPattern) } == rows.map { $0.map(\.bitPattern) })
        // Equal however given.
        #expect(HistogramBuckets(triples: expected.flatMap { $0 }) == buckets)
        #expect(HistogramBuckets(rows: rows) != buckets)
    }

    @Test func percentilesByHand() {
        // Counts 1, 1, 2 over [0,1], [1,2], [2,3]: cumulative weights 2500, 5000, 10000 basis points.
        let values = BoardQueries.percentiles(buckets: HistogramBuckets(rows: [[0, 1, 1], [1, 2, 1], [2, 3, 2]]))
        let expected = [
            0,  // bp 0: first bucket, at its left edge
            0.2672,  // 668 / 2500
            0.6348,  // 1587 / 2500
            1.234,  // 1 + (3085 - 2500) / 2500
            2,  // bp 5000: weights[1] == 5000 is not > 5000, so the third bucket, at its left edge
            2.383,  // 2 + 1915 / 5000
            2.6826,  // 2 + 3413 / 5000
            2.8664,  // 2 + 4332 / 5000
            3,  // bp 10000: past every bucket, the maximum
        ]
        #expect(values.count == 9)
        for (a, e) in zip(values, expected) { #expect(abs(a - e) < 1e-12, "\(a) vs \(e)") }
    }

    @Test func percentilesOfEmptyAndSparseHistograms() {
        #expect(BoardQueries.percentiles(buckets: HistogramBuckets()) == Array(repeating: 0, count: 9))
        // Empty buckets are skipped; the left edge after empty leading buckets is the minimum.
        let values = BoardQueries.percentiles(buckets: HistogramBuckets(rows: [[-1, 0, 0], [0, 1, 0], [1, 2, 4]]))
        #expect(values.first == -1)
        #expect(abs(values[4] - 0.5) < 1e-12)  // -1 + 5000 * 3 / 10000
        #expect(values.last == 2)
    }
}
