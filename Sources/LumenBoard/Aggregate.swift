import Foundation
import LumenEvents
import SwiftProtobuf

/// A run-name pattern given in a query (`runs=`, `tags=`, `group=`): a regular expression searched
/// anywhere in the name (as Python's `re.search`).
public struct NamePattern: @unchecked Sendable {
    // `Regex<AnyRegexOutput>` isn't `Sendable`; a pattern is only read once built.
    let regex: Regex<AnyRegexOutput>
    /// The pattern's text.
    public let text: String
    /// The names a pattern of the form `^(?:name|name|…)$` over escaped literal names matches
    /// (what the UI sends to select runs by name), looked up instead of running the regex: a
    /// backtracking match tries each alternative in turn, so choosing 1,000 runs among 1,000
    /// took a million attempts.
    private let literals: Set<String>?

    /// - Throws: ``BoardAPIError`` (400) naming `parameter` when `text` isn't a regular expression.
    public init(_ text: String, parameter: String) throws(BoardAPIError) {
        do {
            regex = try Regex(text)
        } catch {
            throw BoardAPIError(400, "parameter '\(parameter)' is not a valid regular expression: '\(text)' (\(error))")
        }
        self.text = text
        literals = Self.literalAlternatives(text)
    }

    /// Whether the pattern occurs in `name`.
    public func matches(_ name: String) -> Bool {
        // `$` also matches before a final newline: such names take the regex.
        if let literals, !name.hasSuffix("\n") { return literals.contains(name) }
        return (try? regex.firstMatch(in: name)) != nil
    }

    /// The alternatives of `^(?:a|b|…)$` when each is a literal (characters other than the
    /// regex's special ones, which appear only escaped by a backslash), unescaped; else `nil`.
    static func literalAlternatives(_ text: String) -> Set<String>? {
        guard text.hasPrefix("^(?:"), text.hasSuffix(")$") else { return nil }
        let special: Set<Character> = [".", "*", "+", "?", "^", "$", "{", "}", "(", ")", "|", "[", "]", "\\"]
        var names = Set<String>()
        var current = ""
        var escaped = false
        for character in text.dropFirst(4).dropLast(2) {
            if escaped {
                guard special.contains(character) else { return nil }
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "|" {
                names.insert(current)
                current = ""
            } else if special.contains(character) {
                return nil
            } else {
                current.append(character)
            }
        }
        guard !escaped else { return nil }
        names.insert(current)
        return names
    }

    /// The key `name` groups under: the first capture group's text when the pattern has one (empty
    /// if it took no part in the match), else the matched text; `nil` when it doesn't match.
    public func groupKey(_ name: String) -> String? {
        guard let match = try? regex.firstMatch(in: name) else { return nil }
        if match.output.count > 1 {
            return match.output[1].substring.map(String.init) ?? ""
        }
        return String(name[match.range])
    }
}

/// How `/api/aggregate` groups runs (`group=`): by a pattern's capture, or by an hparam's value.
public enum RunGrouping: Sendable {
    /// Runs whose names give the same ``NamePattern/groupKey(_:)`` form one group; a run the
    /// pattern doesn't match is a group of its own, named after it.
    case pattern(NamePattern)
    /// Runs with the same value of the hparam form one group, named by the value as `/api/hparams`
    /// writes it (`0.001`, `32`, `adam`, `true`); runs without that hparam are left out.
    case hparam(String)

    /// Parses `group=regex` or `group=hparam:NAME`.
    public init(parameter text: String) throws(BoardAPIError) {
        if text.hasPrefix("hparam:") {
            let name = String(text.dropFirst("hparam:".count))
            guard !name.isEmpty else { throw BoardAPIError(400, "parameter 'group': 'hparam:' needs an hparam name") }
            self = .hparam(name)
        } else {
            self = .pattern(try NamePattern(text, parameter: "group"))
        }
    }

    /// The group of run `name`, `nil` if it is left out.
    public func group(of name: String, _ run: RunData) -> String? {
        switch self {
        case .pattern(let pattern): return pattern.groupKey(name) ?? name
        case .hparam(let hparam): return Self.hparamValues(run)[hparam].map(Self.text)
        }
    }

    /// The hparams of a run's `_hparams_/session_start_info`, empty if it has none.
    static func hparamValues(_ run: RunData) -> [String: Google_Protobuf_Value] {
        guard let bytes = run.hparams[HParamsSummaries.sessionStartInfoTag],
            let data = try? HParamsHParamsPluginData(serializedBytes: bytes)
        else { return [:] }
        return data.sessionStartInfo.hparams
    }

    /// An hparam value as text, numbers as the API's JSON writes them.
    static func text(_ value: Google_Protobuf_Value) -> String {
        switch value.kind {
        case .numberValue(let v):
            var out: [UInt8] = []
            BoardJSON.writeNumber(v, into: &out)
            return String(decoding: out, as: UTF8.self)
        case .stringValue(let v): return v
        case .boolValue(let v): return v ? "true" : "false"
        default: return ""
        }
    }
}

/// `GET /api/aggregate?runs=regex&group=regex|hparam:NAME&tag=&stat=mean_std|min_max&points=N`
/// (also `start=`, `end=`, `smoothing=`): for each group of the runs that have the scalar `tag`,
/// the mean and a band over the union of the group's steps inside the window.
///
/// At each step of the union, every run of the group whose steps span it gives a value: its point
/// there, or the linear interpolation between its points around it (as `numpy.interp`); a run
/// doesn't count before its first or after its last step, and NaNs don't count. The band is mean ±
/// the population standard deviation (`mean_std`) or the minimum and maximum (`min_max`). With a
/// smoothing, each run is smoothed (over its whole series) before it is interpolated. With
/// `points=N` the steps are downsampled by the mean as `/api/scalars` does.
public struct BoardAggregate: Sendable {
    public enum Statistic: String, Sendable { case meanStd = "mean_std", minMax = "min_max" }

    /// One group's answer.
    public struct Group: Sendable {
        public var name: String
        public var runs: [String]
        public var steps: [Int64] = []
        public var mean: [Double] = []
        public var low: [Double] = []
        public var high: [Double] = []

        /// The mean of each row of `table` (NaN values don't count), NaN where no run gives a
        /// value. The values of a row are added in the order of the runs.
        static func means(_ table: ValueTable) -> [Double] {
            var sums = [Double](repeating: 0, count: table.rowCount)
            var counts = [Int](repeating: 0, count: table.rowCount)
            // Run by run over all the rows: each run's values are read in order, and each row's
            // sum still takes its runs' values in their order.
            sums.withUnsafeMutableBufferPointer { sums in
                counts.withUnsafeMutableBufferPointer { counts in
                    for k in 0..<table.width {
                        table.forEachValue(ofRun: k) { i, v in
                            if !v.isNaN {
                                sums[i] += v
                                counts[i] += 1
                            }
                        }
                    }
                }
            }
            return (0..<table.rowCount).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : .nan }
        }

        /// Sets the band (`low`, `high`) at the rows `indices` of `table`, whose means are already
        /// in `mean`, in the same order: mean ± the population standard deviation or the minimum
        /// and maximum of the row's values, NaNs left out; NaN where every value is NaN.
        mutating func setBands(_ table: ValueTable, at indices: [Int], stat: Statistic) {
            low = [Double](repeating: .nan, count: indices.count)
            high = low
            for (j, i) in indices.enumerated() where !mean[j].isNaN {
                let average = mean[j]
                switch stat {
                case .meanStd:
                    var n = 0
                    var squares = 0.0
                    for k in 0..<table.width {
                        let v = table.value(row: i, run: k)
                        if v.isNaN { continue }
                        n += 1
                        squares += (v - average) * (v - average)
                    }
                    let std = (squares / Double(n)).squareRoot()
                    low[j] = average - std
                    high[j] = average + std
                case .minMax:
                    var smallest = Double.infinity, largest = -Double.infinity
                    for k in 0..<table.width {
                        let v = table.value(row: i, run: k)
                        if v.isNaN { continue }
                        smallest = v < smallest ? v : smallest
                        largest = v >= largest ? v : largest  // on a tie the later one, as Swift.max
                    }
                    low[j] = smallest
                    high[j] = largest
                }
            }
        }
    }

    /// The runs' values at each step of a group's union: one row a step, one value a run, NaN
    /// where a run gives none. Either rows of the union filled from each run (`rows`), or, when
    /// every run has the union's steps, a range of each run's own values (`columns`), which needs
    /// no copy.
    enum ValueTable {
        case rows([Double], width: Int)
        case columns([[Double]], range: Range<Int>)

        var width: Int {
            switch self {
            case .rows(_, let width): width
            case .columns(let columns, _): columns.count
            }
        }

        var rowCount: Int {
            switch self {
            case .rows(let rows, let width): width > 0 ? rows.count / width : 0
            case .columns(_, let range): range.count
            }
        }

        func value(row i: Int, run k: Int) -> Double {
            switch self {
            case .rows(let rows, let width): rows[i * width + k]
            case .columns(let columns, let range): columns[k][range.lowerBound + i]
            }
        }

        /// Calls `body` with each row's index and run `k`'s value in it, in order.
        @inline(__always)
        func forEachValue(ofRun k: Int, _ body: (Int, Double) -> Void) {
            switch self {
            case .rows(let rows, let width):
                rows.withUnsafeBufferPointer { rows in
                    for i in 0..<rowCount { body(i, rows[i * width + k]) }
                }
            case .columns(let columns, let range):
                columns[k].withUnsafeBufferPointer { values in
                    for i in range { body(i - range.lowerBound, values[i]) }
                }
            }
        }
    }

    public var groups: [Group]

    /// Reads the query and computes every group.
    ///
    /// - Throws: ``BoardAPIError``: 400 for a missing `group` or `tag`, a bad pattern, `stat`,
    ///   step or smoothing.
    public init(parameters q: [String: String], snapshot: BoardSnapshot) throws(BoardAPIError) {
        guard let tag = q["tag"], !tag.isEmpty else { throw BoardAPIError(400, "missing parameter 'tag'") }
        guard let groupText = q["group"], !groupText.isEmpty else {
            throw BoardAPIError(400, "missing parameter 'group' (a regex with a capture, or hparam:NAME)")
        }
        let grouping = try RunGrouping(parameter: groupText)
        let runs = try q["runs"].map { text throws(BoardAPIError) in try NamePattern(text, parameter: "runs") }
        let statText = q["stat"] ?? "mean_std"
        guard let stat = Statistic(rawValue: statText) else {
            throw BoardAPIError(400, "parameter 'stat' must be mean_std or min_max, not '\(statText)'")
        }
        let window = try ScalarWindowQuery(parameters: q)
        var members: [String: [String]] = [:]
        for name in snapshot.runs.keys.sorted() {
            guard let run = snapshot.runs[name], run.scalarSeries(tag) != nil else { continue }
            if let runs, !runs.matches(name) { continue }
            guard let group = grouping.group(of: name, run) else { continue }
            members[group, default: []].append(name)
        }
        groups = members.keys.sorted().map { name in
            let names = members[name] ?? []
            let series = names.compactMap { snapshot.runs[$0]?.scalarSeries(tag) }
            return Self.aggregate(name: name, runs: names, series: series, stat: stat, window: window)
        }
    }

    /// One run's points around the window: steps and (smoothed) values.
    struct Track {
        var steps: [Int64]
        var values: [Double]
        /// Index of the first step ≥ the step being computed.
        var next = 0

        init(_ series: ScalarSeries, window: ScalarWindowQuery) {
            let inside = series.indices(fromStep: window.start, toStep: window.end)
            let range = Swift.max(0, inside.lowerBound - 1)..<Swift.min(series.count, inside.upperBound + 1)
            steps = series.steps(in: range)
            values =
                window.smoothing.map { ScalarSmoothing.smoothed(series, weight: $0, in: range) }
                ?? series.values(in: range)
        }

        /// The run's value at `step` (interpolated), `nil` outside its steps; `step` must not go
        /// down between calls.
        mutating func value(at step: Int64) -> Double? {
            while next < steps.count, steps[next] < step { next += 1 }
            if next == steps.count { return nil }
            if steps[next] == step { return values[next] }
            if next == 0 { return nil }
            let x0 = Double(steps[next - 1]), x1 = Double(steps[next])
            let y0 = values[next - 1], y1 = values[next]
            return (y1 - y0) / (x1 - x0) * (Double(step) - x0) + y0
        }
    }

    static func aggregate(
        name: String, runs: [String], series: [ScalarSeries], stat: Statistic, window: ScalarWindowQuery
    ) -> Group {
        var tracks = series.map { Track($0, window: window) }
        let lower = window.start ?? .min, upper = window.end ?? .max
        var group = Group(name: name, runs: runs)
        let width = tracks.count
        let table: ValueTable
        if let first = tracks.first, tracks.dropFirst().allSatisfy({ Self.same($0.steps, first.steps) }) {
            // Every run has the same steps (seeds logged together): the union is those steps and
            // each run's value is its own point, with no merge or interpolation.
            let inside = (first.steps.firstIndex { $0 >= lower } ?? first.steps.count)
            let end = first.steps[inside...].firstIndex { $0 > upper } ?? first.steps.count
            group.steps = Array(first.steps[inside..<end])
            table = .columns(tracks.map(\.values), range: inside..<end)
        } else {
            // The union of the steps inside the window: a k-way merge.
            var union: [Int64] = []
            union.reserveCapacity(tracks.map(\.steps.count).max() ?? 0)
            var heads = tracks.map { track in track.steps.firstIndex { $0 >= lower } ?? track.steps.count }
            while true {
                var smallest = Int64.max
                var found = false
                for k in tracks.indices where heads[k] < tracks[k].steps.count {
                    let s = tracks[k].steps[heads[k]]
                    if s <= upper, !found || s < smallest {
                        smallest = s
                        found = true
                    }
                }
                guard found else { break }
                union.append(smallest)
                for k in tracks.indices
                where heads[k] < tracks[k].steps.count && tracks[k].steps[heads[k]] == smallest {
                    heads[k] += 1
                }
            }
            group.steps = union
            var rows = [Double](repeating: .nan, count: union.count * width)
            for (i, step) in union.enumerated() {
                for k in tracks.indices {
                    if let v = tracks[k].value(at: step) { rows[i * width + k] = v }
                }
            }
            table = .rows(rows, width: width)
        }
        // The mean at every step picks the steps kept; the band is needed only at those.
        let means = Group.means(table)
        if let maxPoints = window.maxPoints, means.count > maxPoints {
            let keep = means.withUnsafeBufferPointer { BoardQueries.downsampleIndices($0, maxPoints: maxPoints) }
            group.steps = keep.map { group.steps[$0] }
            group.mean = keep.map { means[$0] }
            group.setBands(table, at: keep, stat: stat)
        } else {
            group.mean = means
            group.setBands(table, at: Array(means.indices), stat: stat)
        }
        return group
    }

    /// Whether two runs have the same steps (compared as memory).
    static func same(_ a: [Int64], _ b: [Int64]) -> Bool {
        a.count == b.count
            && a.withUnsafeBytes { a in
                b.withUnsafeBytes { b in
                    guard let x = a.baseAddress, let y = b.baseAddress else { return true }
                    return memcmp(x, y, a.count) == 0
                }
            }
    }

    /// `[{"group", "runs", "points": [[step, mean, low, high], ...]}]`.
    public var json: BoardJSON {
        .array(
            groups.map { group in
                .object([
                    ("group", .string(group.name)),
                    ("runs", .array(group.runs.map(BoardJSON.string))),
                    (
                        "points",
                        .array(
                            group.steps.indices.map { i in
                                .array([
                                    .integer(group.steps[i]), .number(group.mean[i]), .number(group.low[i]),
                                    .number(group.high[i]),
                                ])
                            })
                    ),
                ])
            })
    }
}
