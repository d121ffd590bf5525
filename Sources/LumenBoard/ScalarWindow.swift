/// Step windows and server-side smoothing of scalar series (`/api/scalars?start=&end=&smoothing=`,
/// used by `/api/aggregate` and `/api/export` too).
extension ScalarSeries {
    /// The index of the first point whose step is `step` or later (`count` if none).
    public func firstIndex(atOrAfterStep step: Int64) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if self.step(at: mid) < step { low = mid + 1 } else { high = mid }
        }
        return low
    }

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
        forEachValue(in: range) { _, v in out.append(v) }
        return out
    }

    /// The steps at the indices of `range`.
    public func steps(in range: Range<Int>) -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(range.count)
        forEachStep(in: range) { _, s in out.append(s) }
        return out
    }

    /// Whether every value equals the first (with `==`, so a NaN first value never does).
    var isConstant: Bool {
        guard count > 0 else { return true }
        let first = value(at: 0)
        var constant = true
        forEachValue(in: 1..<count) { _, v in if v != first { constant = false } }
        if !constant { return false }
        return true
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

    /// The smoothed values of `series` at `indices` (ascending), computed over every point from
    /// the first, so a value doesn't depend on which others are asked for.
    public static func smoothed(_ series: ScalarSeries, weight: Double, at indices: [Int]) -> [Double] {
        guard let lastIndex = indices.last else { return [] }
        if weight <= 0 || series.isConstant { return indices.map(series.value(at:)) }
        var out = [Double](repeating: 0, count: indices.count)
        var next = 0
        var last = 0.0
        var power = 1.0
        series.forEachValue(in: 0..<(lastIndex + 1)) { i, v in
            var result = v
            if v.isFinite {
                last = last * weight + (1 - weight) * v
                power *= weight
                result = last / (1 - power)
            }
            if i == indices[next] {
                out[next] = result
                next += 1
            }
        }
        return out
    }

    /// Every value of `series` smoothed (see ``smoothed(_:weight:at:)``).
    public static func smoothed(_ series: ScalarSeries, weight: Double) -> [Double] {
        var values = series.values(in: 0..<series.count)
        if weight <= 0 || series.isConstant { return values }
        var last = 0.0
        var power = 1.0
        for i in values.indices where values[i].isFinite {
            last = last * weight + (1 - weight) * values[i]
            power *= weight
            values[i] = last / (1 - power)
        }
        return values
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
    /// with their smoothed values computed over the whole series when it asks for smoothing.
    public static func select(_ series: ScalarSeries, _ query: ScalarWindowQuery) -> ScalarSelection {
        let window = series.indices(fromStep: query.start, toStep: query.end)
        let base = window.lowerBound
        var indices: [Int]
        if let maxPoints = query.maxPoints, window.count > maxPoints {
            let values = series.values(in: window)
            indices = downsampleIndices(count: window.count, maxPoints: maxPoints) { values[$0] }
            for i in indices.indices { indices[i] += base }
        } else {
            indices = Array(window)
        }
        let smoothed = query.smoothing.map { ScalarSmoothing.smoothed(series, weight: $0, at: indices) }
        return ScalarSelection(indices: indices, smoothed: smoothed, windowCount: window.count)
    }
}
