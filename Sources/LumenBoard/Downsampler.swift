/// A value computed over a series' values in order, one at a time, read only at the points a
/// ``Downsampler`` keeps: TensorBoard's smoothing (``ScalarSmoothing/Smoother``), or the value
/// itself (``PlainValues``).
protocol RunningValue {
    /// Takes in the next value.
    mutating func skip(_ v: Double)
    /// What this gives for `v`, the value last taken in.
    func current(_ v: Double) -> Double
}

/// The values themselves.
struct PlainValues: RunningValue {
    @inline(__always) func skip(_ v: Double) {}
    @inline(__always) func current(_ v: Double) -> Double { v }
}

extension ScalarSmoothing.Smoother: RunningValue {}

/// ``BoardQueries/downsampleIndices(count:maxPoints:value:)`` fed a window's values in order, a
/// block at a time, in one pass: the global extremes come from the buckets' (the first of equal
/// extremes is the first bucket's), so nothing is held but the current bucket and the points
/// kept. A ``RunningValue`` fed the same values on the way (the smoothing, say) is read at the
/// points kept, so a smoothed, downsampled window needs no copy of its values; its state is kept
/// with each candidate and read only for the points kept in the end (a division a point, with the
/// smoothing, where a rising curve makes nearly every point a candidate).
struct Downsampler<Running: RunningValue> {
    /// A candidate: its index, its value and the running value's state after it.
    struct Point {
        var index: Int
        var value: Double
        var state: Running
    }

    let count: Int
    let maxPoints: Int
    /// The buckets whose extremes are kept, `(maxPoints - 4) / 2`.
    let bucketCount: Int
    /// The buckets scanned: at least one, for the global extremes.
    private let scannedBuckets: Int
    /// The next index to take.
    private var index = 0
    /// The bucket being scanned, and the index it ends before.
    private var bucket = 0
    private var bucketEnd: Int
    /// The current bucket's extremes (`nil` while it has seen only NaNs).
    private var low: Point?
    private var high: Point?
    /// The global extremes and the endpoints.
    private var globalLow: Point?
    private var globalHigh: Point?
    private var first: Point?
    private var last: Point?
    /// The buckets' extremes, in order.
    private var bucketPoints: [Point] = []
    /// The running value, fed every value taken.
    private var running: Running

    /// A downsampler of `count` values to at most `maxPoints` (`count > maxPoints > 0`), feeding
    /// them to `running` on the way.
    init(count: Int, maxPoints: Int, running: Running) {
        precondition(count > maxPoints && maxPoints > 0)
        self.running = running
        self.count = count
        self.maxPoints = maxPoints
        bucketCount = Swift.max(0, (maxPoints - 4) / 2)
        scannedBuckets = Swift.max(1, bucketCount)
        bucketEnd = 1 + (count - 2) / scannedBuckets
        bucketPoints.reserveCapacity(2 * bucketCount)
    }

    /// Takes the next `values`.
    mutating func take(_ values: UnsafeBufferPointer<Double>) {
        guard let base = values.baseAddress else { return }
        var k = 0
        while k < values.count {
            if index == 0 || index == count - 1 {
                let v = base[k]
                running.skip(v)
                let point = Point(index: index, value: v, state: running)
                if index == 0 { first = point } else { last = point }
                if !v.isNaN { fold(point, point) }
                index += 1
                k += 1
                continue
            }
            let n = Swift.min(bucketEnd - index, values.count - k)
            scan(base + k, n)
            index += n
            k += n
            if index == bucketEnd { endBucket() }
        }
    }

    /// The scan of `n` values of the current bucket, in a tight loop (over local copies, which stay
    /// in registers).
    @inline(__always)
    private mutating func scan(_ p: UnsafePointer<Double>, _ n: Int) {
        var running = running
        defer { self.running = running }
        var j = 0
        if low == nil {
            while j < n {
                let v = p[j]
                running.skip(v)
                j += 1
                if !v.isNaN {
                    let point = Point(index: index + j - 1, value: v, state: running)
                    low = point
                    high = point
                    break
                }
            }
        }
        guard var low, var high else { return }
        var lowValue = low.value, highValue = high.value
        while j < n {
            let v = p[j]
            running.skip(v)
            // A NaN compares false both ways, so it is never chosen.
            if v < lowValue {
                lowValue = v
                low = Point(index: index + j, value: v, state: running)
            }
            if v > highValue {
                highValue = v
                high = Point(index: index + j, value: v, state: running)
            }
            j += 1
        }
        self.low = low
        self.high = high
    }

    private mutating func endBucket() {
        if let low, let high {
            if bucketCount > 0 {
                bucketPoints.append(low)
                if high.index != low.index { bucketPoints.append(high) }
            }
            fold(low, high)
        }
        low = nil
        high = nil
        bucket += 1
        bucketEnd = 1 + (bucket + 1) * (count - 2) / scannedBuckets
    }

    /// Folds extremes into the global ones; earlier ones win ties, so they must come in order of
    /// index, the last point after every bucket.
    private mutating func fold(_ low: Point, _ high: Point) {
        if globalLow.map({ low.value < $0.value }) ?? true { globalLow = low }
        if globalHigh.map({ high.value > $0.value }) ?? true { globalHigh = high }
    }

    /// The points kept, ascending by index, and the running value at each, once every value was
    /// taken.
    func kept() -> (indices: [Int], running: [Double]) {
        precondition(index == count, "the downsampler took \(index) of \(count) values")
        var unique: [Point] = []
        for point in [first, last, globalLow, globalHigh] {
            if let point, !unique.contains(where: { $0.index == point.index }) { unique.append(point) }
        }
        var points = unique.count >= maxPoints ? Array(unique.prefix(maxPoints)) : unique + bucketPoints
        points.sort { $0.index < $1.index }
        var indices: [Int] = []
        var running: [Double] = []
        indices.reserveCapacity(points.count)
        running.reserveCapacity(points.count)
        for point in points where indices.last != point.index {
            indices.append(point.index)
            running.append(point.state.current(point.value))
        }
        return (indices, running)
    }
}
