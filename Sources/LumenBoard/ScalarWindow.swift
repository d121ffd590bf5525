/// Step windows and server-side smoothing of scalar series (`/api/scalars?start=&end=&smoothing=`,
/// used by `/api/aggregate` and `/api/export` too).
extension ScalarSeries {
    /// The indices of the points with `start ≤ step ≤ end` (either bound may be absent).
    public func indices(fromStep start: Int64?, toStep end: Int64?) -> Range<Int> {
        let lower = start.map(firstIndex(atOrAfterStep:)) ?? 0
        var upper = count
        if let end { upper = end == .max ? count : firstIndex(atOrAfterStep: end + 1) }
        return lower..<Swift.max(lower, upper)
    }

    /// The values at the indices of `range`.
    public func values(in range: Range<Int>) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(range.count)
        forEachValueBlock(in: range) { _, block in out.append(contentsOf: block) }
        return out
    }

    /// The steps at the indices of `range`.
    public func steps(in range: Range<Int>) -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(range.count)
        forEachStepBlock(in: range) { _, block in out.append(contentsOf: block) }
        return out
    }
}

/// TensorBoard's scalar smoothing: an exponential moving average debiased so the first points are
/// not pulled towards zero. With weight `w`, `last = last·w + (1-w)·v` over the finite values in
/// order, and each finite value becomes `last / (1 - w^k)` (`k` the finite values so far);
/// non-finite values pass through unchanged and don't count; a constant series (every value `==`
/// the first) is left as it is.
public enum ScalarSmoothing {
    /// Whether `weight` is a smoothing weight: `0 ≤ weight < 1`.
    public static func isValid(_ weight: Double) -> Bool { weight >= 0 && weight < 1 }

    /// The running state of the average over one series, fed its values in order.
    public struct Smoother: Sendable {
        public let weight: Double
        /// Whether values pass through unchanged (no weight, or a constant series).
        public let passesThrough: Bool
        var last = 0.0
        var power = 1.0

        /// A smoother for `series` from its first point on.
        public init(weight: Double, series: ScalarSeries) {
            self.weight = weight
            passesThrough = weight <= 0 || series.isConstant
        }

        /// Takes in the next value without computing its smoothed value.
        @inline(__always)
        public mutating func skip(_ v: Double) {
            guard v.isFinite else { return }
            last = last * weight + (1 - weight) * v
            power *= weight
        }

        /// The smoothed value of the value last taken in (`v`).
        @inline(__always)
        public func current(_ v: Double) -> Double {
            passesThrough || !v.isFinite ? v : last / (1 - power)
        }

        /// Takes in the next value and gives its smoothed value.
        @inline(__always)
        public mutating func next(_ v: Double) -> Double {
            if passesThrough { return v }
            skip(v)
            return current(v)
        }
    }

    /// The smoothed value of each point of `series` in `range`, computed over every point from the
    /// series' first (the state before `range` remembered by the chunks where it can be), as the
    /// chunks are decoded.
    public static func smoothed(_ series: ScalarSeries, weight: Double, in range: Range<Int>) -> [Double] {
        var smoother = series.smoother(weight: weight, before: range.lowerBound)
        var out: [Double] = []
        out.reserveCapacity(range.count)
        series.forEachValueBlock(in: range) { _, block in
            for v in block { out.append(smoother.next(v)) }
        }
        return out
    }
}

/// What `/api/scalars` and `/api/aggregate` read from their query besides the run and tag:
/// `start=`/`end=` (a step range, inclusive), `points=N` and `smoothing=W`.
public struct ScalarWindowQuery: Sendable, Equatable {
    public var start: Int64?
    public var end: Int64?
    public var maxPoints: Int?
    public var smoothing: Double?

    public init(start: Int64? = nil, end: Int64? = nil, maxPoints: Int? = nil, smoothing: Double? = nil) {
        self.start = start
        self.end = end
        self.maxPoints = maxPoints
        self.smoothing = smoothing
    }

    /// Reads `start`, `end`, `points` and `smoothing` from `parameters`.
    ///
    /// - Throws: ``BoardAPIError`` (400) naming the parameter: a step that isn't an integer,
    ///   `start` after `end`, `points` below 1, a smoothing outside `0 ≤ W < 1`.
    public init(parameters q: [String: String]) throws(BoardAPIError) {
        func step(_ name: String) throws(BoardAPIError) -> Int64? {
            guard let text = q[name] else { return nil }
            guard let value = Int64(text) else {
                throw BoardAPIError(400, "parameter '\(name)' must be an integer step, not '\(text)'")
            }
            return value
        }
        start = try step("start")
        end = try step("end")
        if let start, let end, start > end {
            throw BoardAPIError(400, "parameter 'start' (\(start)) is after 'end' (\(end))")
        }
        if let text = q["points"] {
            guard let value = Int(text), value >= 1 else {
                throw BoardAPIError(400, "parameter 'points' must be an integer ≥ 1, not '\(text)'")
            }
            maxPoints = value
        }
        if let text = q["smoothing"] {
            guard let value = Double(text), ScalarSmoothing.isValid(value) else {
                throw BoardAPIError(400, "parameter 'smoothing' must be a number with 0 ≤ W < 1, not '\(text)'")
            }
            smoothing = value
        }
    }

    /// Whether a step window was asked for.
    public var hasWindow: Bool { start != nil || end != nil }
}

/// A 4xx answer of the API: its status and the message naming what was wrong.
public struct BoardAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String

    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}

/// The points `/api/scalars` answers with.
public struct ScalarSelection: Sendable {
    /// The indices of the chosen points, ascending.
    public var indices: [Int]
    /// The smoothed value at each of ``indices``, when a smoothing was asked for.
    public var smoothed: [Double]?
    /// The points inside the step window (before downsampling).
    public var windowCount: Int
}

extension BoardQueries {
    /// The points of `series` inside `query`'s step window, downsampled to its `maxPoints` (first,
    /// last and extremes of the window kept; see ``downsampleIndices(count:maxPoints:value:)``),
    /// with their smoothed values computed over the whole series when it asks for smoothing: one
    /// pass over the window's values as each chunk is decoded, the smoothing fed on the way and
    /// read at the points kept.
    public static func select(_ series: ScalarSeries, _ query: ScalarWindowQuery) -> ScalarSelection {
        let window = series.indices(fromStep: query.start, toStep: query.end)
        let base = window.lowerBound
        guard let maxPoints = query.maxPoints, window.count > maxPoints else {
            let smoothed = query.smoothing.map { ScalarSmoothing.smoothed(series, weight: $0, in: window) }
            return ScalarSelection(indices: Array(window), smoothed: smoothed, windowCount: window.count)
        }
        var smoothed: [Double]?
        var indices: [Int]
        if query.smoothing == nil, maxPoints <= 2 {
            // One or two points keep the window's first and last (the extremes come after them
            // in ``Downsampler/kept()``): no value needs decoding.
            let ends = [base, window.upperBound - 1]
            return ScalarSelection(indices: Array(ends.prefix(maxPoints)), smoothed: nil, windowCount: window.count)
        }
        if let weight = query.smoothing {
            var downsampler = Downsampler(
                count: window.count, maxPoints: maxPoints, running: series.smoother(weight: weight, before: base))
            series.forEachValueBlock(in: window) { _, block in downsampler.take(block) }
            (indices, smoothed) = downsampler.kept()
        } else {
            var downsampler = Downsampler(count: window.count, maxPoints: maxPoints, running: PlainValues())
            series.forEachValueBlock(in: window) { _, block in downsampler.take(block) }
            indices = downsampler.kept().indices
        }
        for i in indices.indices { indices[i] += base }
        return ScalarSelection(indices: indices, smoothed: smoothed, windowCount: window.count)
    }
}
