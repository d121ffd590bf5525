import Foundation
import LumenEvents
import Synchronization

/// One answer of the JSON API, independent of the HTTP server.
public struct BoardAPIResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public static func json(_ value: BoardJSON, status: Int = 200) -> BoardAPIResponse {
        BoardAPIResponse(
            status: status, contentType: "application/json; charset=utf-8", body: value.bytes)
    }

    public static func error(_ status: Int, _ message: String) -> BoardAPIResponse {
        .json(.object([("error", .string(message))]), status: status)
    }

    /// The body as text (for tests and logging).
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// The board's JSON API over one snapshot: `/api/runs`, `/api/tags`, `/api/scalars`,
/// `/api/histograms`, `/api/distributions`, `/api/images`, `/api/image`, `/api/text`,
/// `/api/prcurves`, `/api/audio`, `/api/audioclip`, `/api/customscalars` and `/api/status`.
/// Every NaN or infinite number is the string `"NaN"`, `"Infinity"` or `"-Infinity"`. Run and tag names are only ever dictionary keys. Every failure is a 4xx with a
/// JSON `{"error": ...}` body: 404 for an unknown endpoint, run, tag or image, 400 for a missing
/// or malformed parameter.
public enum BoardAPI {
    public static let endpoints = [
        "runs", "tags", "scalars", "histograms", "distributions", "images", "image", "text", "status", "hparams",
        "live", "graph",
        "prcurves", "audio", "audioclip", "customscalars",
        "projector", "meshes",
        "aggregate", "export",
    ]

    struct Failure: Error {
        var status: Int
        var message: String
    }

    /// Answers `GET /api/<endpoint>` with the (percent-decoded) query `parameters`.
    public static func respond(endpoint: String, parameters: [String: String], snapshot: BoardSnapshot)
        -> BoardAPIResponse
    {
        do {
            return try answer(endpoint: endpoint, parameters, snapshot)
        } catch let failure as Failure {
            return .error(failure.status, failure.message)
        } catch let failure as BoardAPIError {
            return .error(failure.status, failure.message)
        } catch {
            return .error(400, "\(error)")
        }
    }

    private static func answer(endpoint: String, _ q: [String: String], _ snapshot: BoardSnapshot) throws
        -> BoardAPIResponse
    {
        switch endpoint {
        case "runs": return .json(runs(snapshot))
        case "tags": return .json(tags(snapshot))
        case "status": return .json(status(snapshot))
        case "hparams": return .json(hparams(snapshot, value: try HParamsValueMode(parameter: q["value"])))
        case "aggregate": return .json(try BoardAggregate(parameters: q, snapshot: snapshot).json)
        case "export": return try BoardExport(parameters: q, snapshot: snapshot).response()
        case "scalars": return try scalars(q, snapshot)
        case "graph": return GraphView.respond(q, snapshot: snapshot)
        case "projector": return ProjectorAPI.respond("", parameters: q, snapshot: snapshot)
        case "meshes": return ProjectorAPI.meshes(q, snapshot: snapshot)
        case "histograms":
            let (_, reservoir) = try lookup(q, snapshot, kind: "histogram") { $0.histograms }
            return .json(.array(reservoir.items.map(histogram)))
        case "distributions":
            let (_, reservoir) = try lookup(q, snapshot, kind: "histogram") { $0.histograms }
            return .json(.array(reservoir.items.map(distribution)))
        case "images":
            let (_, reservoir) = try lookup(q, snapshot, kind: "image") { $0.images }
            var out: [BoardJSON] = []
            for item in reservoir.items {
                for _ in item.images {
                    out.append(
                        .object([
                            ("wallTime", .number(item.wallTime)), ("step", .integer(item.step)),
                            ("width", .integer(Int64(item.width))), ("height", .integer(Int64(item.height))),
                            ("index", .integer(Int64(out.count))),
                        ]))
                }
            }
            return .json(.array(out))
        case "image":
            let image = try indexed(q, snapshot, kind: "image", { $0.images }, items: \.images)
            return BoardAPIResponse(status: 200, contentType: "image/png", body: [UInt8](image))
        case "prcurves", "audio", "audioclip", "customscalars":
            return try pluginAnswer(endpoint: endpoint, q, snapshot)
        case "text":
            let (_, reservoir) = try lookup(q, snapshot, kind: "text") { $0.text }
            return .json(
                .array(
                    reservoir.items.map { item in
                        .object([
                            ("wallTime", .number(item.wallTime)), ("step", .integer(item.step)),
                            ("text", .string(item.strings.joined(separator: "\n"))),
                        ])
                    }))
        default:
            throw Failure(status: 404, message: "no such endpoint: /api/\(endpoint)")
        }
    }

    // MARK: - Endpoints

    static func runs(_ snapshot: BoardSnapshot) -> BoardJSON {
        .array(
            snapshot.runs.keys.sorted().map { name in
                let run = snapshot.runs[name]!
                return .object([
                    ("name", .string(name)),
                    ("lastEventTime", run.lastEventTime.map(BoardJSON.number) ?? .null),
                    ("events", .integer(Int64(run.events))),
                    ("corruptRecords", .integer(Int64(run.corruptRecords))),
                ])
            })
    }

    static func tags(_ snapshot: BoardSnapshot) -> BoardJSON {
        .object(
            snapshot.runs.keys.sorted().map { name in
                let run = snapshot.runs[name]!
                func list(_ keys: Dictionary<String, some Any>.Keys) -> BoardJSON {
                    .array(keys.sorted().map(BoardJSON.string))
                }
                return (
                    name,
                    .object([
                        ("scalars", list(run.scalars.keys)),
                        ("histograms", list(run.histograms.keys)),
                        ("images", list(run.images.keys)),
                        ("text", list(run.text.keys)),
                        ("graph", .bool(run.graph != nil || run.metaGraph != nil)),
                        ("hparams", .bool(!run.hparams.isEmpty)),
                        ("prCurves", list(run.prCurves.keys)),
                        ("audio", list(run.audio.keys)),
                        ("customScalars", .bool(run.customScalarsLayout != nil)),
                        ("conceptualGraphs", list(run.kerasModels.keys)),
                        ("runMetadata", list(run.runMetadata.keys)),
                        ("meshes", .array(run.meshes.names.map(BoardJSON.string))),
                        ("projector", .bool(snapshot.projectors[name]?.hasEmbeddings ?? false)),
                    ])
                )
            })
    }

    /// One row per run with a `_hparams_/session_start_info`: its hyperparameters and, for every
    /// metric tag any run's `_hparams_/experiment` names, the last value of that run's scalar series.
    static func hparams(_ snapshot: BoardSnapshot, value mode: HParamsValueMode = .last) -> BoardJSON {
        var metricTags = Set<String>()
        for run in snapshot.runs.values {
            guard let bytes = run.hparams[HParamsSummaries.experimentTag],
                let data = try? HParamsHParamsPluginData(serializedBytes: bytes)
            else { continue }
            for info in data.experiment.metricInfos { metricTags.insert(info.name.tag) }
        }
        var rows: [BoardJSON] = []
        for name in snapshot.runs.keys.sorted() {
            let run = snapshot.runs[name]!
            guard let bytes = run.hparams[HParamsSummaries.sessionStartInfoTag],
                let data = try? HParamsHParamsPluginData(serializedBytes: bytes)
            else { continue }
            let values = data.sessionStartInfo.hparams
            let hparams: [(String, BoardJSON)] = values.keys.sorted().map { key in
                switch values[key]!.kind {
                case .numberValue(let v): (key, .number(v))
                case .stringValue(let v): (key, .string(v))
                case .boolValue(let v): (key, .bool(v))
                default: (key, .null)
                }
            }
            let chosen = mode.metrics(metricTags.sorted(), of: run)
            var row: [(String, BoardJSON)] = [
                ("run", .string(name)), ("hparams", .object(hparams)), ("metrics", .object(chosen.metrics)),
            ]
            if case .atBest = mode { row.append(("bestStep", chosen.bestStep.map(BoardJSON.integer) ?? .null)) }
            rows.append(.object(row))
        }
        return .array(rows)
    }

    static func problemJSON(_ problem: BoardProblem) -> BoardJSON {
        .object([("run", .string(problem.run)), ("file", .string(problem.file)), ("message", .string(problem.message))])
    }

    static func status(_ snapshot: BoardSnapshot) -> BoardJSON {
        let status = snapshot.status
        return .object([
            ("files", .integer(Int64(status.files))),
            ("bytes", .integer(status.bytes)),
            ("events", .integer(Int64(status.events))),
            ("corruptRecords", .integer(Int64(status.corruptRecords))),
            ("slowPathEvents", .integer(Int64(status.slowPathEvents))),
            ("points", .integer(Int64(status.points))),
            ("storeBytes", .integer(Int64(status.storeBytes))),
            ("firstLoadDone", .bool(status.firstLoadDone)),
            ("reloads", .integer(Int64(status.reloads))),
            ("problems", .array(status.problems.map(problemJSON))),
            ("rereads", .array(status.rereads.map(problemJSON))),
            ("ignored", ignored(snapshot)),
        ])
    }

    /// `/api/scalars`: one run's series (`run=`), or with `runs=REGEX` instead of `run=`, the answer
    /// for every run the pattern matches that has the tag, in run order, as one JSON array (one
    /// request instead of one a run, for a card of many runs).
    private static func scalars(_ q: [String: String], _ snapshot: BoardSnapshot) throws -> BoardAPIResponse {
        let window = try ScalarWindowQuery(parameters: q)
        let restarts = try flag(q, "restarts")
        let format = q["format"] ?? "json"
        guard format == "json" || format == "csv" || format == "binary" else {
            throw Failure(status: 400, message: "format must be 'json', 'csv' or 'binary', not '\(format)'")
        }
        if q["run"] == nil, let pattern = q["runs"] {
            guard format != "csv" else {
                throw Failure(status: 400, message: "format=csv takes one run (run=), not runs=")
            }
            let runs = try NamePattern(pattern, parameter: "runs")
            let tag = try required(q, "tag")
            let matched = snapshot.runs.keys.sorted().compactMap { name in
                runs.matches(name) ? snapshot.runs[name]?.scalars[tag].map { (name, $0) } : nil
            }
            if format == "binary" {
                return ScalarColumns.response(for: matched, tag: tag, window, restarts: restarts, many: true)
            }
            let parts = eachRun(matched.count) { i in
                var bytes: [UInt8] = []
                writeScalars(run: matched[i].0, tag: tag, matched[i].1, window, restarts: restarts, into: &bytes)
                return bytes
            }
            var out: [UInt8] = [UInt8(ascii: "[")]
            out.reserveCapacity(2 + parts.reduce(parts.count) { $0 + $1.count })
            for (i, part) in parts.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: part)
            }
            out.append(UInt8(ascii: "]"))
            return BoardAPIResponse(status: 200, contentType: "application/json; charset=utf-8", body: out)
        }
        let (names, series) = try lookup(q, snapshot, kind: "scalar") { $0.scalars }
        if format == "binary" {
            return ScalarColumns.response(
                for: [(names.run, series)], tag: names.tag, window, restarts: restarts, many: false)
        }
        if format == "csv" {
            let selection = BoardQueries.select(series, window)
            let points = series.points(at: selection.indices)
            var out = Array(
                (selection.smoothed == nil ? "wall_time,step,value\n" : "wall_time,step,value,smoothed\n").utf8)
            for (i, p) in points.enumerated() {
                CSVText.number(p.wallTime, into: &out)
                out.append(UInt8(ascii: ","))
                BoardJSON.writeInteger(p.step, into: &out)
                out.append(UInt8(ascii: ","))
                CSVText.number(p.value, into: &out)
                if let smoothed = selection.smoothed {
                    out.append(UInt8(ascii: ","))
                    CSVText.number(smoothed[i], into: &out)
                }
                out.append(UInt8(ascii: "\n"))
            }
            return BoardAPIResponse(status: 200, contentType: "text/csv; charset=utf-8", body: out)
        }
        var out: [UInt8] = []
        out.reserveCapacity(64 + Swift.min(series.count, window.maxPoints ?? series.count) * 36)
        writeScalars(run: names.run, tag: names.tag, series, window, restarts: restarts, into: &out)
        return BoardAPIResponse(status: 200, contentType: "application/json; charset=utf-8", body: out)
    }

    /// Each run's answer of a `runs=` request, `answer(i)` for the `i`-th of `count`, computed on
    /// every core and given back in order.
    static func eachRun<Answer: Sendable>(_ count: Int, _ answer: @Sendable (Int) -> Answer) -> [Answer] {
        let answers = Mutex([Answer?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let one = answer(i)
            answers.withLock { $0[i] = one }
        }
        return answers.withLock { $0.map { $0! } }
    }

    /// `"run":…,"tag":…,"total":…` and, with a step window, `"inWindow":…`: how each form of a
    /// series' `/api/scalars` answer begins, after its `{`.
    static func writeSeriesFields(
        run: String, tag: String, _ series: ScalarSeries, _ selection: ScalarSelection, _ window: ScalarWindowQuery,
        into out: inout [UInt8]
    ) {
        out.append(contentsOf: #""run":"#.utf8)
        BoardJSON.writeString(run, into: &out)
        out.append(contentsOf: #","tag":"#.utf8)
        BoardJSON.writeString(tag, into: &out)
        out.append(contentsOf: #","total":"#.utf8)
        BoardJSON.writeInteger(Int64(series.count), into: &out)
        if window.hasWindow {
            out.append(contentsOf: #","inWindow":"#.utf8)
            BoardJSON.writeInteger(Int64(selection.windowCount), into: &out)
        }
    }

    /// Appends one series' `/api/scalars` JSON object to `out`. Written straight to bytes, not through
    /// a `BoardJSON` tree: a series of every point can be millions of them, and a tree of that many
    /// values costs far more memory than the text.
    private static func writeScalars(
        run: String, tag: String, _ series: ScalarSeries, _ window: ScalarWindowQuery, restarts: Bool,
        into out: inout [UInt8]
    ) {
        let selection = BoardQueries.select(series, window)
        let points = series.points(at: selection.indices)
        out.append(UInt8(ascii: "{"))
        writeSeriesFields(run: run, tag: tag, series, selection, window, into: &out)
        out.append(contentsOf: #","points":["#.utf8)
        for (i, p) in points.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            BoardJSON.writeNumber(p.wallTime, into: &out)
            out.append(UInt8(ascii: ","))
            BoardJSON.writeInteger(p.step, into: &out)
            out.append(UInt8(ascii: ","))
            BoardJSON.writeNumber(p.value, into: &out)
            if let smoothed = selection.smoothed {
                out.append(UInt8(ascii: ","))
                BoardJSON.writeNumber(smoothed[i], into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "]"))
        if restarts {
            out.append(contentsOf: #","restarts":"#.utf8)
            restartsJSON(series).write(into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    static func histogram(_ h: HistogramValue) -> BoardJSON {
        .object([
            ("wallTime", .number(h.wallTime)), ("step", .integer(h.step)),
            ("min", .number(h.min)), ("max", .number(h.max)), ("num", .number(h.num)),
            ("sum", .number(h.sum)), ("sumSquares", .number(h.sumSquares)),
            ("buckets", .array(h.buckets.map { .array([.number($0.left), .number($0.right), .number($0.count)]) })),
        ])
    }

    static func distribution(_ h: HistogramValue) -> BoardJSON {
        .object([
            ("wallTime", .number(h.wallTime)), ("step", .integer(h.step)),
            ("percentiles", .array(BoardQueries.percentiles(buckets: h.buckets).map(BoardJSON.number))),
        ])
    }

    // MARK: - Parameters

    static func required(_ q: [String: String], _ name: String) throws -> String {
        guard let value = q[name], !value.isEmpty else {
            throw Failure(status: 400, message: "missing parameter '\(name)'")
        }
        return value
    }

    /// The integer parameter `name`, `nil` if absent; a 400 if it isn't an integer ≥ `minimum`.
    static func integer(_ q: [String: String], _ name: String, minimum: Int) throws -> Int? {
        guard let text = q[name] else { return nil }
        guard let value = Int(text), value >= minimum else {
            throw Failure(status: 400, message: "parameter '\(name)' must be an integer ≥ \(minimum), not '\(text)'")
        }
        return value
    }

    /// The `index`-th of all the `items` of the values of the tag `lookup` finds (`/api/image`,
    /// `/api/audioclip`): a 400 without a valid `index`, a 404 past the last.
    static func indexed<Value: Stepped, Item>(
        _ q: [String: String], _ snapshot: BoardSnapshot, kind: String,
        _ collection: (RunData) -> [String: Reservoir<Value>], items: (Value) -> [Item]
    ) throws -> Item {
        guard let index = try integer(q, "index", minimum: 0) else {
            throw Failure(status: 400, message: "missing parameter 'index'")
        }
        let (_, reservoir) = try lookup(q, snapshot, kind: kind, collection)
        let all = reservoir.items.flatMap(items)
        guard index < all.count else {
            throw Failure(status: 404, message: "no \(kind) at index \(index) (there are \(all.count))")
        }
        return all[index]
    }

    /// The boolean parameter `name`: `true`/`1` or `false`/`0`, `false` if absent; a 400 otherwise.
    static func flag(_ q: [String: String], _ name: String) throws -> Bool {
        switch q[name] {
        case nil, "false", "0": return false
        case "true", "1", "": return true
        case let text?: throw Failure(status: 400, message: "parameter '\(name)' must be true or false, not '\(text)'")
        }
    }

    /// The value of tag `tag` of run `run` in the collection `collection` picks.
    static func lookup<Value>(
        _ q: [String: String], _ snapshot: BoardSnapshot, kind: String, _ collection: (RunData) -> [String: Value]
    ) throws -> ((run: String, tag: String), Value) {
        let runName = try required(q, "run")
        let tag = try required(q, "tag")
        guard let run = snapshot.runs[runName] else { throw Failure(status: 404, message: "no run named '\(runName)'") }
        guard let value = collection(run)[tag] else {
            throw Failure(status: 404, message: "run '\(runName)' has no \(kind) tag '\(tag)'")
        }
        return ((runName, tag), value)
    }
}
