import Foundation
import LumenEvents
import Synchronization

/// `GET /api/graph?run=[&expand=SCOPE,...]`: a run's op graph grouped by name scope and laid out.
///
/// The graph is the run's last `graph_def` event, or the `graph_def` of its last meta graph when
/// it has none (as TensorBoard's `EventAccumulator.Graph()` does). Every scope is one collapsed
/// node unless it is listed in `expand`; expanding a scope also expands its ancestors, and names
/// that aren't scopes of the graph are ignored (the answer's `expanded` lists what was applied).
/// A collapsed scope's node has op `"scope"`, `children` (its direct members: scopes and ops) and
/// `ops` (every op inside, at any depth). An expanded scope is a container box in `scopes`
/// around its members, laid out inside it.
///
/// The answer:
/// `{"run", "ops", "expanded", "width", "height", "nodes", "scopes", "edges"}` with
/// - `nodes`: `[{"name", "op", "parent", "inputs", "attrs", "outputShapes", "device", ["children",
///   "ops",] "x", "y", "width", "height"}]`, every visible op and collapsed scope; `parent` is the
///   expanded scope it sits in (`""` at the top); `inputs` the visible nodes it takes input from
///   (data or control, each once, in GraphDef order); a collapsed scope's `device` is its ops'
///   common device or `""`;
/// - `scopes`: `[{"name", "parent", "children", "ops", "x", "y", "width", "height"}]`, the
///   expanded scopes, outer before inner;
/// - `edges`: `[{"source", "target", "shape", "control", "count"}]`, one per visible pair and
///   kind: `count` GraphDef inputs collapsed into it, `shape` the tensor's shape (`"?×784"`,
///   `"scalar"`) when all of them agree and it is known, else `null`.
///
/// With `conceptual=true[&tag=]` the graph is the run's Keras model instead (see ``KerasGraph``),
/// and the answer adds `"conceptual": tag`; with `stats=TAG` every node with figures in the run's
/// RunMetadata `TAG` gains `computeMicros` and `memoryBytes` (see ``StepStatistics``) and the
/// answer adds `"stats": TAG`.
///
/// Boxes are top-left `x`, `y` plus `width`, `height` in pixels; data flows downward (see
/// ``LayeredLayout``), each expanded scope laid out on its own and then placed as one box.
public enum GraphView {
    /// Box sizes, in pixels.
    enum Metrics {
        static let characterWidth = 7.0
        static let opHeight = 26.0
        static let scopeHeight = 34.0
        static let clusterPadding = 14.0
        static let clusterHeader = 26.0
        static let margin = 16.0

        static func opWidth(_ label: Substring) -> Double {
            min(max(Double(label.count) * characterWidth + 20, 44), 240)
        }

        static func scopeWidth(_ label: Substring, ops: Int) -> Double {
            let text = label.count + String(ops).count + 3  // "label (N)"
            return min(max(Double(text) * characterWidth + 28, 64), 280)
        }
    }

    /// Answers `/api/graph` with the (percent-decoded) query `parameters`: a 400 for a missing
    /// `run` or a malformed `expand`, a 404 for an unknown run, a run without a graph or one whose
    /// graph doesn't decode.
    public static func respond(_ parameters: [String: String], snapshot: BoardSnapshot) -> BoardAPIResponse {
        guard let name = parameters["run"], !name.isEmpty else { return .error(400, "missing parameter 'run'") }
        let expand: [String]
        do {
            expand = try expandParameter(parameters["expand"])
        } catch {
            return .error(400, "\(error)")
        }
        guard let run = snapshot.runs[name] else { return .error(404, "no run named '\(name)'") }
        if let conceptual = parameters["conceptual"], conceptual != "false" {
            return conceptualGraph(parameters, run: run, named: name, expanding: expand)
        }
        guard run.graph != nil || run.metaGraph != nil else { return .error(404, "run '\(name)' has no graph") }
        let graph: OpGraph
        do {
            graph = try self.graph(of: run, named: name)
        } catch {
            return .error(404, "run '\(name)' has no readable graph: \(error)")
        }
        if let query = parameters["search"] {
            return search(graph, for: query, run: name)
        }
        return withStatistics(
            view(graph, expanding: expand, run: name), graph: graph, parameters, run: run, named: name)
    }

    /// `conceptual=true[&tag=]`: the Keras model of the `graph_keras_model` summary `tag` (the
    /// run's first such tag when absent), laid out as an op graph (see ``KerasGraph``).
    private static func conceptualGraph(
        _ parameters: [String: String], run: RunData, named name: String, expanding expand: [String]
    ) -> BoardAPIResponse {
        guard parameters["conceptual"] == "true" else {
            return .error(400, "parameter 'conceptual' must be 'true' or 'false'")
        }
        guard let tag = parameters["tag"] ?? run.kerasModels.keys.sorted().first else {
            return .error(404, "run '\(name)' has no Keras model (graph_keras_model summary)")
        }
        guard let json = run.kerasModels[tag] else {
            return .error(404, "run '\(name)' has no Keras model tag '\(tag)'")
        }
        do {
            let graph = OpGraph(graphDef: try KerasGraph.graphDef(json: json))
            if let query = parameters["search"] { return search(graph, for: query, run: name) }
            guard case .object(var fields) = view(graph, expanding: expand, run: name) else {
                return .error(500, "no view")
            }
            fields.append(("conceptual", .string(tag)))
            return .json(.object(fields))
        } catch {
            return .error(404, "run '\(name)' has no readable Keras model '\(tag)': \(error)")
        }
    }

    /// The view, with `stats=TAG`: every node's compute time and memory from the run's RunMetadata
    /// `TAG` (see ``StepStatistics``).
    private static func withStatistics(
        _ view: BoardJSON, graph: OpGraph, _ parameters: [String: String], run: RunData, named name: String
    ) -> BoardAPIResponse {
        guard let tag = parameters["stats"] else { return .json(view) }
        guard let bytes = run.runMetadata[tag] else {
            return .error(404, "run '\(name)' has no run metadata tag '\(tag)'")
        }
        do {
            return .json(try StepStatistics(serializedRunMetadata: bytes).annotate(view, graph: graph, tag: tag))
        } catch {
            return .error(404, "run '\(name)': \(error)")
        }
    }

    /// The ops whose name contains `query` (ignoring case), at most 100, in GraphDef order:
    /// `{"run", "search", "total", "matches": [{"name", "op", "scope"}]}`, `scope` being the
    /// innermost scope to expand to show the op (`""` at the top level). An empty query is a 400.
    static func search(_ graph: OpGraph, for query: String, run: String) -> BoardAPIResponse {
        guard !query.isEmpty, query.utf8.count <= 1024 else {
            return .error(400, "parameter 'search' must be 1 to 1024 bytes")
        }
        var matches: [BoardJSON] = []
        var total = 0
        for op in graph.ops where op.name.range(of: query, options: .caseInsensitive) != nil {
            total += 1
            guard matches.count < 100 else { continue }
            matches.append(
                .object([
                    ("name", .string(op.name)), ("op", .string(op.type)),
                    ("scope", .string(graph.scopes[op.scope].name)),
                ]))
        }
        return .json(
            .object([
                ("run", .string(run)), ("search", .string(query)), ("total", .integer(Int64(total))),
                ("matches", .array(matches)),
            ]))
    }

    /// The scope names of an `expand` parameter: comma-separated, none empty, longer than 1,024
    /// bytes or holding a control character, at most 100,000 of them.
    static func expandParameter(_ text: String?) throws -> [String] {
        guard let text, !text.isEmpty else { return [] }
        let entries = text.split(separator: ",", omittingEmptySubsequences: false)
        guard entries.count <= 100_000 else {
            throw GraphDecodingError(description: "parameter 'expand' lists \(entries.count) scopes (at most 100000)")
        }
        for (i, entry) in entries.enumerated() {
            if entry.isEmpty {
                throw GraphDecodingError(
                    description:
                        "parameter 'expand' has an empty scope name at position \(i + 1) (expected comma-separated scope names)"
                )
            }
            if entry.utf8.count > 1024 {
                throw GraphDecodingError(
                    description: "parameter 'expand' has a scope name of \(entry.utf8.count) bytes (at most 1024)")
            }
            if entry.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                throw GraphDecodingError(description: "parameter 'expand' has a scope name with a control character")
            }
        }
        return entries.map(String.init)
    }

    // MARK: - Parsed graphs, cached

    private struct CacheEntry: Sendable {
        var run: String
        var meta: Bool
        var bytes: Data
        var graph: OpGraph
    }

    /// The last few parsed graphs, so that expanding and collapsing doesn't parse again.
    private static let cache = Mutex<[CacheEntry]>([])
    private static let cacheSize = 4

    /// The parsed graph of `run`: its GraphDef, else (or if that doesn't decode) its meta graph's.
    static func graph(of run: RunData, named name: String) throws -> OpGraph {
        var firstError: (any Error)?
        for (bytes, meta) in [(run.graph, false), (run.metaGraph, true)] {
            guard let bytes else { continue }
            let cached = cache.withLock { entries in
                entries.first { $0.run == name && $0.meta == meta && $0.bytes == bytes }?.graph
            }
            if let cached { return cached }
            do {
                let graph = meta ? try OpGraph(serializedMetaGraphDef: bytes) : try OpGraph(serializedGraphDef: bytes)
                cache.withLock { entries in
                    entries.removeAll { $0.run == name && $0.meta == meta }
                    entries.insert(CacheEntry(run: name, meta: meta, bytes: bytes, graph: graph), at: 0)
                    if entries.count > cacheSize { entries.removeLast() }
                }
                return graph
            } catch {
                firstError = firstError ?? error
            }
        }
        throw firstError ?? GraphDecodingError(description: "no graph")
    }

    /// The view of `graph` with the scopes named in `expand` and their ancestors expanded, as the
    /// JSON `/api/graph` answers (see ``GraphView``): the visible nodes are chosen, their edges
    /// found, every expanded scope laid out inside out and placed outside in, then encoded.
    public static func view(_ graph: OpGraph, expanding expand: [String], run: String? = nil) -> BoardJSON {
        var view = GraphViewBuilder(graph, expanding: expand)
        view.collectEdges()
        view.assignEdgesToClusters()
        view.layOutClusters()
        view.placeClusters()
        return view.json(run: run)
    }

    /// The last path component of a name.
    static func label(_ name: String) -> Substring {
        name.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(name)
    }

    static func rounded(_ x: Double) -> Double { (x * 10).rounded() / 10 }
}
