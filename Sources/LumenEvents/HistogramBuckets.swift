/// How a histogram summary divides the real line into buckets.
public enum HistogramBuckets: Sendable, Hashable {
    /// TensorFlow's default buckets: edges `±1e-12·1.1^k` up to `1e20`, `0`, and `±Double.greatestFiniteMagnitude`
    /// at the ends. Empty buckets are merged into their next neighbour, as TensorFlow writes them.
    case exponential
    /// `n + 1` increasing edges defining `n` buckets, as NumPy's `histogram(bins:)` takes them.
    /// Values outside `[edges.first, edges.last]` are left out of the buckets (but not out of `min`,
    /// `max`, `num`, `sum` and `sumSquares`).
    case edges([Double])
    /// `n` equal-width buckets between the smallest and the largest value.
    case count(Int)

    /// TensorFlow's default bucket limits (right edges), from `-Double.greatestFiniteMagnitude`
    /// to `Double.greatestFiniteMagnitude`: 1,549 limits.
    public static let exponentialLimits: [Double] = {
        var positive: [Double] = []
        var value = 1e-12
        while value < 1e20 {
            positive.append(value)
            value *= 1.1
        }
        positive.append(Double.greatestFiniteMagnitude)
        return positive.reversed().map { -$0 } + [0] + positive
    }()
}

extension HistogramProto {
    /// A histogram of `values` with exact `min`, `max`, `num`, `sum` and `sumSquares`.
    ///
    /// With ``HistogramBuckets/exponential`` a bucket with limit `limits[i]` counts the values in
    /// `[limits[i - 1], limits[i])`, TensorFlow's rule (`histogram.cc`: the first limit above the value),
    /// so zeros fall in the bucket ending at 1e-12. With explicit edges or a count, bucket `i` counts
    /// `[edges[i], edges[i + 1])` and the last bucket also takes values equal to the last edge, as
    /// NumPy's `histogram` does. NaNs are left out entirely; infinities fall in the outermost buckets.
    public init(values: UnsafeBufferPointer<Float>, buckets: HistogramBuckets = .exponential) {
        self = Self.make(values, buckets: buckets)
    }

    /// A histogram of `values`; see the `Float` overload.
    public init(values: UnsafeBufferPointer<Double>, buckets: HistogramBuckets = .exponential) {
        self = Self.make(values, buckets: buckets)
    }

    /// A histogram of `values`; see the `Float` overload.
    public init(values: [Double], buckets: HistogramBuckets = .exponential) {
        self = values.withUnsafeBufferPointer { Self.make($0, buckets: buckets) }
    }

    private static func make<Element: BinaryFloatingPoint>(
        _ values: UnsafeBufferPointer<Element>, buckets: HistogramBuckets
    ) -> HistogramProto {
        var minimum = Double.infinity, maximum = -Double.infinity
        var sum = 0.0, sumSquares = 0.0, num = 0
        for element in values where !element.isNaN {
            let value = Double(element)
            minimum = Swift.min(minimum, value)
            maximum = Swift.max(maximum, value)
            sum += value
            sumSquares += value * value
            num += 1
        }
        var proto = HistogramProto()
        proto.num = Double(num)
        proto.sum = sum
        proto.sumSquares = sumSquares
        proto.min = num > 0 ? minimum : 0
        proto.max = num > 0 ? maximum : 0

        switch buckets {
        case .exponential:
            let limits = HistogramBuckets.exponentialLimits
            var counts = [Double](repeating: 0, count: limits.count)
            limits.withUnsafeBufferPointer { limits in
                for element in values where !element.isNaN {
                    counts[firstIndex(above: Double(element), limits: limits)] += 1
                }
            }
            // Merge runs of empty buckets into one (TensorFlow's EncodeToProto without zero buckets).
            var index = 0
            while index < counts.count {
                var limit = limits[index], count = counts[index]
                index += 1
                if count <= 0 {
                    while index < counts.count && counts[index] <= 0 {
                        limit = limits[index]
                        count = counts[index]
                        index += 1
                    }
                }
                proto.bucketLimit.append(limit)
                proto.bucket.append(count)
            }
        case let .edges(edges):
            precondition(edges.count >= 2, "histogram edges define at least one bucket: give at least 2 edges")
            precondition(zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 }, "histogram edges must increase")
            proto.bucketLimit = Array(edges.dropFirst())
            proto.bucket = countBuckets(values, edges: edges)
        case let .count(count):
            precondition(count > 0, "a histogram needs at least one bucket, not \(count)")
            var low = num > 0 ? minimum : 0, high = num > 0 ? maximum : 1
            if !low.isFinite || !high.isFinite {
                // The range of the finite values (a loop: a closure here would capture the generic
                // element type, which is not Sendable).
                var finiteLow = Double.infinity, finiteHigh = -Double.infinity
                for element in values {
                    let value = Double(element)
                    if value.isFinite {
                        finiteLow = Swift.min(finiteLow, value)
                        finiteHigh = Swift.max(finiteHigh, value)
                    }
                }
                low = finiteLow.isFinite ? finiteLow : 0
                high = finiteHigh.isFinite ? finiteHigh : 1
            }
            if low == high {
                low -= 0.5
                high += 0.5
            }
            let width = (high - low) / Double(count)
            var edges = (0...count).map { low + Double($0) * width }
            edges[count] = high
            proto.bucketLimit = Array(edges.dropFirst())
            proto.bucket = countBuckets(values, edges: edges)
        }
        return proto
    }

    /// The index of the first limit `> value`, or the last index.
    private static func firstIndex(above value: Double, limits: UnsafeBufferPointer<Double>) -> Int {
        var low = 0, high = limits.count - 1
        while low < high {
            let middle = (low + high) / 2
            if limits[middle] > value { high = middle } else { low = middle + 1 }
        }
        return low
    }

    private static func countBuckets<Element: BinaryFloatingPoint>(
        _ values: UnsafeBufferPointer<Element>, edges: [Double]
    ) -> [Double] {
        var counts = [Double](repeating: 0, count: edges.count - 1)
        guard let first = edges.first, let last = edges.last else { return counts }
        let limits = Array(edges.dropFirst())
        limits.withUnsafeBufferPointer { limits in
            for element in values {
                let value = Double(element)
                guard value >= first && value <= last else { continue }
                counts[firstIndex(above: value, limits: limits)] += 1
            }
        }
        return counts
    }
}
