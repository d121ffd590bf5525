/// Queries over the store for the screen.
public enum BoardQueries {
    /// TensorBoard's nine distribution percentiles, in basis points.
    public static let normalHistogramBasisPoints: [Int] = [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000]

    /// The indices of at most `maxPoints` points of `values` that keep the curve's shape: always
    /// the first and the last point and the (first) global minimum and maximum, then the minimum and
    /// the maximum of each of `(maxPoints - 4) / 2` equal buckets of the points between. NaNs are
    /// never chosen as a minimum or maximum. All indices when `values.count ≤ maxPoints`. With
    /// `maxPoints < 4`, the first `maxPoints` of first, last, minimum, maximum.
    public static func downsampleIndices(count n: Int, maxPoints: Int, value: (Int) -> Double) -> [Int] {
        guard n > maxPoints else { return Array(0..<n) }
        let values = (0..<n).map(value)
        return values.withUnsafeBufferPointer { downsampleIndices($0, maxPoints: maxPoints) }
    }

    /// ``downsampleIndices(count:maxPoints:value:)`` over values in memory, in tight loops.
    public static func downsampleIndices(_ values: UnsafeBufferPointer<Double>, maxPoints: Int) -> [Int] {
        guard values.count > maxPoints else { return Array(0..<values.count) }
        guard maxPoints > 0 else { return [] }
        var downsampler = Downsampler(count: values.count, maxPoints: maxPoints, running: PlainValues())
        downsampler.take(values)
        return downsampler.kept().indices
    }

    /// At most `maxPoints` points of `series` (see ``downsampleIndices(count:maxPoints:value:)``);
    /// every point without a limit.
    public static func scalars(_ series: ScalarSeries, maxPoints: Int? = nil) -> [ScalarPoint] {
        guard let maxPoints else { return series.points }
        guard series.count > maxPoints else { return series.points }
        let values = series.values
        return series.points(at: values.withUnsafeBufferPointer { downsampleIndices($0, maxPoints: maxPoints) })
    }

    /// The values at TensorBoard's nine percentiles of a histogram given as `[left, right, count]`
    /// buckets, as TensorBoard's `compress_histogram` computes them: the cumulative counts are
    /// scaled to 10,000 basis points; for each basis point `bp`, the first bucket whose cumulative
    /// weight exceeds `bp` (skipping empty buckets) is found, and the value is interpolated linearly
    /// between that bucket's left edge (the histogram's minimum for the first bucket or when no
    /// weight precedes it) and its right edge (at most the histogram's maximum); basis points past
    /// the last bucket take the maximum. An empty histogram gives zeros.
    public static func percentiles(
        buckets: HistogramBuckets, basisPoints: [Int] = normalHistogramBasisPoints
    ) -> [Double] {
        guard !buckets.isEmpty else { return basisPoints.map { _ in 0 } }
        let minmin = buckets[0].left
        let maxmax = buckets[buckets.count - 1].right
        let total = buckets.reduce(0) { $0 + $1.count }
        let scale = Double(basisPoints.last ?? 10000) / (total == 0 ? 1 : total)
        var weights: [Double] = []
        var running = 0.0
        for b in buckets {
            running += b.count * scale
            weights.append(running)
        }
        var result: [Double] = []
        var index = 0
        outer: while index < basisPoints.count {
            let bp = Double(basisPoints[index])
            // numpy.searchsorted(weights, bp, side="right"): the first i with weights[i] > bp.
            var i = weights.firstIndex { $0 > bp } ?? weights.count
            while i < weights.count {
                let cumsum = weights[i]
                let previous = i > 0 ? weights[i - 1] : 0
                if cumsum == previous {
                    i += 1
                    continue
                }
                let lhs = (i == 0 || previous == 0) ? minmin : Swift.max(buckets[i - 1].right, minmin)
                let rhs = Swift.min(buckets[i].right, maxmax)
                result.append(lhs + (bp - previous) * (rhs - lhs) / (cumsum - previous))
                index += 1
                continue outer
            }
            break
        }
        while index < basisPoints.count {
            result.append(maxmax)
            index += 1
        }
        return result
    }
}
