/// Which value of each metric `/api/hparams` reports per run (`value=`).
public enum HParamsValueMode: Sendable, Equatable {
    /// The last point's value (the default).
    case last
    /// The smallest value (NaNs ignored).
    case min
    /// The largest value (NaNs ignored).
    case max
    /// Each metric's value at the step where `tag` is best: its smallest value when `minimize`,
    /// else its largest (the first such point; NaNs ignored). A metric without a point at that
    /// step gives its value at the last step before it.
    case atBest(tag: String, minimize: Bool)

    /// Parses `last`, `min`, `max` or `at_best:TAG:min|max` (the tag may hold colons); `last`
    /// when absent.
    ///
    /// - Throws: ``BoardAPIError`` (400) naming what is wrong.
    public init(parameter: String?) throws(BoardAPIError) {
        guard let text = parameter else {
            self = .last
            return
        }
        switch text {
        case "last": self = .last
        case "min": self = .min
        case "max": self = .max
        default:
            let prefix = "at_best:"
            guard text.hasPrefix(prefix), let colon = text.lastIndex(of: ":"),
                colon >= text.index(text.startIndex, offsetBy: prefix.count)
            else {
                throw BoardAPIError(
                    400, "parameter 'value' must be last, min, max or at_best:TAG:min|max, not '\(text)'")
            }
            let tag = String(text[text.index(text.startIndex, offsetBy: prefix.count)..<colon])
            let direction = text[text.index(after: colon)...]
            guard !tag.isEmpty, direction == "min" || direction == "max" else {
                throw BoardAPIError(
                    400, "parameter 'value': '\(text)' must be at_best:TAG:min or at_best:TAG:max with a non-empty TAG")
            }
            self = .atBest(tag: tag, minimize: direction == "min")
        }
    }

    /// The index of the (first) smallest or largest non-NaN value of `series`, `nil` if none.
    static func extremeIndex(_ series: ScalarSeries, minimize: Bool) -> Int? {
        var best: Int?
        var bestValue = 0.0
        series.forEachValue(in: 0..<series.count) { i, v in
            guard !v.isNaN else { return }
            if best == nil || (minimize ? v < bestValue : v > bestValue) {
                best = i
                bestValue = v
            }
        }
        return best
    }

    /// The value of each of `tags` that `run` has points for, and (for ``atBest(tag:minimize:)``)
    /// the best step, `nil` when the run has no non-NaN point of that tag (then no metric has a
    /// value).
    func metrics(_ tags: [String], of run: RunData) -> (metrics: [(String, BoardJSON)], bestStep: Int64?) {
        var bestStep: Int64?
        if case .atBest(let tag, let minimize) = self {
            guard let series = run.scalarSeries(tag), let index = Self.extremeIndex(series, minimize: minimize) else {
                return ([], nil)
            }
            bestStep = series.step(at: index)
        }
        let metrics: [(String, BoardJSON)] = tags.compactMap { tag in
            guard let series = run.scalarSeries(tag), !series.isEmpty else { return nil }
            switch self {
            case .last:
                return (tag, .number(series.value(at: series.count - 1)))
            case .min, .max:
                guard let index = Self.extremeIndex(series, minimize: self == .min) else { return (tag, .number(.nan)) }
                return (tag, .number(series.value(at: index)))
            case .atBest:
                guard let bestStep else { return nil }
                let index = series.indices(fromStep: nil, toStep: bestStep).upperBound - 1
                guard index >= 0 else { return nil }
                return (tag, .number(series.value(at: index)))
            }
        }
        return (metrics, bestStep)
    }
}
