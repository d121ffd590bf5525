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
        return withStatistics(view(graph, expanding: expand, run: name), graph: graph, parameters, run: run, named: name)
    }

    /// `conceptual=true[&tag=]`: the Keras model of the `graph_keras_model` summary `tag` (the
    /// run's first such tag when absent), laid out as an op graph (see ``KerasGraph``).
    private static func conceptualGraph(
        _ parameters: [String: String], run: RunData, named name: String, expanding expand: [String]
    ) -> BoardAPIResponse {
        guard parameters["conceptual"] == "true" else { return .error(400, "parameter 'conceptual' must be 'true' or 'false'") }
        guard let tag = parameters["tag"] ?? run.kerasModels.keys.sorted().first else {
            return .error(404, "run '\(name)' has no Keras model (graph_keras_model summary)")
        }
        guard let json = run.kerasModels[tag] else { return .error(404, "run '\(name)' has no Keras model tag '\(tag)'") }
        do {
            let graph = OpGraph(graphDef: try KerasGraph.graphDef(json: json))
            if let query = parameters["search"] { return search(graph, for: query, run: name) }
            guard case .object(var fields) = view(graph, expanding: expand, run: name) else { return .error(500, "no view") }
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
        guard let bytes = run.runMetadata[tag] else { return .error(404, "run '\(name)' has no run metadata tag '\(tag)'") }
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
            matches.append(.object([
                ("name", .string(op.name)), ("op", .string(op.type)), ("scope", .string(graph.scopes[op.scope].name)),
            ]))
        }
        return .json(.object([
            ("run", .string(run)), ("search", .string(query)), ("total", .integer(Int64(total))), ("matches", .array(matches)),
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
                    description: "parameter 'expand' has an empty scope name at position \(i + 1) (expected comma-separated scope names)")
            }
            if entry.utf8.count > 1024 {
                throw GraphDecodingError(description: "parameter 'expand' has a scope name of \(entry.utf8.count) bytes (at most 1024)")
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

    // MARK: - The view

    /// A visible node: an op, or a collapsed scope.
    private enum Visible {
        case op(Int)
        case scope(Int)
    }

    /// An expanded scope (or the root) and its members, in layout order.
    private struct Cluster {
        var scope: Int
        var parent: Int
        /// This cluster's index among its parent's items.
        var itemInParent: Int
        var depth: Int
        var items: [Item] = []
        var edges: [(source: Int, target: Int)] = []
        // Layout, relative to the content's origin, then absolute.
        var itemX: [Double] = []
        var itemY: [Double] = []
        var contentWidth = 0.0
        var contentHeight = 0.0
        var boxWidth = 0.0
        var boxHeight = 0.0
        var x = 0.0
        var y = 0.0
    }

    private enum Item {
        case node(Int)
        case cluster(Int)
    }

    private struct Edge {
        var source: Int
        var target: Int
        var control: Bool
        var count: Int
        var shape: String?
        var shapesAgree: Bool
    }

    /// The view of `graph` with the scopes named in `expand` and their ancestors expanded, as the
    /// JSON `/api/graph` answers (see ``GraphView``).
    public static func view(_ graph: OpGraph, expanding expand: [String], run: String? = nil) -> BoardJSON {
        let scopes = graph.scopes
        // Expanded scopes: those named and their ancestors; `open` also needs every ancestor open.
        var expanded = [Bool](repeating: false, count: scopes.count)
        expanded[0] = true
        for name in expand {
            guard var s = graph.scopeIndex[name] else { continue }
            while s > 0 && !expanded[s] {
                expanded[s] = true
                s = scopes[s].parent
            }
        }

        // Visible nodes and clusters, breadth first (a cluster's parent comes before it).
        var visible: [Visible] = []
        var nodeCluster: [Int] = [], nodeItem: [Int] = []
        var opNode = [Int](repeating: -1, count: graph.ops.count)
        var scopeNode = [Int](repeating: -1, count: scopes.count)
        var clusters = [Cluster(scope: 0, parent: -1, itemInParent: -1, depth: 0)]
        var c = 0
        while c < clusters.count {
            for child in scopes[clusters[c].scope].children {
                let item = clusters[c].items.count
                switch child {
                case .op(let i):
                    opNode[i] = visible.count
                    clusters[c].items.append(.node(visible.count))
                    visible.append(.op(i))
                    nodeCluster.append(c)
                    nodeItem.append(item)
                case .scope(let s) where expanded[s]:
                    clusters[c].items.append(.cluster(clusters.count))
                    clusters.append(Cluster(scope: s, parent: c, itemInParent: item, depth: clusters[c].depth + 1))
                case .scope(let s):
                    scopeNode[s] = visible.count
                    clusters[c].items.append(.node(visible.count))
                    visible.append(.scope(s))
                    nodeCluster.append(c)
                    nodeItem.append(item)
                }
            }
            c += 1
        }
        // Scopes inside a collapsed one are represented by it (parents have lower indices).
        for s in 1..<scopes.count where scopeNode[s] < 0 && !expanded[s] {
            scopeNode[s] = scopeNode[scopes[s].parent]
        }
        for i in graph.ops.indices where opNode[i] < 0 {
            opNode[i] = scopeNode[graph.ops[i].scope]
        }

        // Edges between visible nodes; the inputs of each visible node.
        var edges: [Edge] = []
        var edgeIndex: [UInt64: Int] = [:]
        var inputs = [[Int]](repeating: [], count: visible.count)
        var inputSeen = Set<UInt64>()
        for (t, op) in graph.ops.enumerated() {
            let target = opNode[t]
            for input in op.inputs {
                let source = opNode[input.source]
                guard source != target, source >= 0, target >= 0 else { continue }
                let pair = UInt64(source) << 32 | UInt64(target)
                if inputSeen.insert(pair).inserted { inputs[target].append(source) }
                let labels = graph.ops[input.source].shapeLabels
                let shape = input.control || input.output >= labels.count ? nil : labels[input.output]
                let key = pair << 1 | (input.control ? 1 : 0)
                if let e = edgeIndex[key] {
                    edges[e].count += 1
                    if edges[e].shape != shape { edges[e].shapesAgree = false }
                } else {
                    edgeIndex[key] = edges.count
                    edges.append(Edge(
                        source: source, target: target, control: input.control, count: 1, shape: shape, shapesAgree: true))
                }
            }
        }

        // Each edge joins, in the innermost cluster holding both ends, the two items holding them.
        for edge in edges {
            var (ca, ia) = (nodeCluster[edge.source], nodeItem[edge.source])
            var (cb, ib) = (nodeCluster[edge.target], nodeItem[edge.target])
            while clusters[ca].depth > clusters[cb].depth { (ca, ia) = (clusters[ca].parent, clusters[ca].itemInParent) }
            while clusters[cb].depth > clusters[ca].depth { (cb, ib) = (clusters[cb].parent, clusters[cb].itemInParent) }
            while ca != cb {
                (ca, ia) = (clusters[ca].parent, clusters[ca].itemInParent)
                (cb, ib) = (clusters[cb].parent, clusters[cb].itemInParent)
            }
            if ia != ib { clusters[ca].edges.append((ia, ib)) }
        }

        // Box sizes of the visible nodes.
        var nodeWidth = [Double](repeating: 0, count: visible.count)
        var nodeHeight = [Double](repeating: 0, count: visible.count)
        for (v, node) in visible.enumerated() {
            switch node {
            case .op(let i):
                nodeWidth[v] = Metrics.opWidth(label(graph.ops[i].name))
                nodeHeight[v] = Metrics.opHeight
            case .scope(let s):
                nodeWidth[v] = Metrics.scopeWidth(scopes[s].label, ops: scopes[s].totalOps)
                nodeHeight[v] = Metrics.scopeHeight
            }
        }

        // Inner clusters first: each is laid out, then sized as one box for its parent.
        for c in clusters.indices.reversed() {
            var widths: [Double] = [], heights: [Double] = []
            for item in clusters[c].items {
                switch item {
                case .node(let v):
                    widths.append(nodeWidth[v])
                    heights.append(nodeHeight[v])
                case .cluster(let k):
                    widths.append(clusters[k].boxWidth)
                    heights.append(clusters[k].boxHeight)
                }
            }
            let layout = LayeredLayout.compute(widths: widths, heights: heights, edges: clusters[c].edges)
            clusters[c].itemX = layout.x
            clusters[c].itemY = layout.y
            clusters[c].contentWidth = layout.width
            clusters[c].contentHeight = layout.height
            let labelWidth = Metrics.scopeWidth(scopes[clusters[c].scope].label, ops: scopes[clusters[c].scope].totalOps)
            clusters[c].boxWidth = max(layout.width + 2 * Metrics.clusterPadding, labelWidth)
            clusters[c].boxHeight = layout.height + Metrics.clusterHeader + Metrics.clusterPadding
        }

        // Absolute positions, outer clusters first; content is centred in a box its label widened.
        var nodeX = [Double](repeating: 0, count: visible.count)
        var nodeY = [Double](repeating: 0, count: visible.count)
        for c in clusters.indices {
            let originX: Double, originY: Double
            if c == 0 {
                (originX, originY) = (Metrics.margin, Metrics.margin)
            } else {
                originX = clusters[c].x + (clusters[c].boxWidth - clusters[c].contentWidth) / 2
                originY = clusters[c].y + Metrics.clusterHeader
            }
            for (k, item) in clusters[c].items.enumerated() {
                let x = originX + clusters[c].itemX[k], y = originY + clusters[c].itemY[k]
                switch item {
                case .node(let v): (nodeX[v], nodeY[v]) = (x, y)
                case .cluster(let child): (clusters[child].x, clusters[child].y) = (x, y)
                }
            }
        }

        // A collapsed scope's device: its ops' common one, or "" if they differ.
        var scopeDevice = [String?](repeating: nil, count: visible.count)
        for (i, op) in graph.ops.enumerated() {
            let v = opNode[i]
            guard v >= 0, case .scope = visible[v] else { continue }
            if scopeDevice[v] == nil { scopeDevice[v] = op.device } else if scopeDevice[v] != op.device { scopeDevice[v] = "" }
        }

        func name(_ v: Int) -> String {
            switch visible[v] {
            case .op(let i): graph.ops[i].name
            case .scope(let s): scopes[s].name
            }
        }
        func box(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> [(String, BoardJSON)] {
            [("x", .number(rounded(x))), ("y", .number(rounded(y))), ("width", .number(rounded(w))), ("height", .number(rounded(h)))]
        }
        var nodes: [BoardJSON] = []
        nodes.reserveCapacity(visible.count)
        for (v, node) in visible.enumerated() {
            var fields: [(String, BoardJSON)] = [("name", .string(name(v)))]
            let parent = BoardJSON.string(scopes[clusters[nodeCluster[v]].scope].name)
            let inputNames = BoardJSON.array(inputs[v].map { .string(name($0)) })
            switch node {
            case .op(let i):
                let op = graph.ops[i]
                fields += [
                    ("op", .string(op.type)), ("parent", parent), ("inputs", inputNames), ("attrs", op.attrs),
                    ("outputShapes", op.outputShapesJSON),
                    ("device", .string(op.device)),
                ]
            case .scope(let s):
                fields += [
                    ("op", .string("scope")), ("parent", parent), ("inputs", inputNames), ("attrs", .object([])),
                    ("outputShapes", .array([])), ("device", .string(scopeDevice[v] ?? "")),
                    ("children", .integer(Int64(scopes[s].children.count))), ("ops", .integer(Int64(scopes[s].totalOps))),
                ]
            }
            fields += box(nodeX[v], nodeY[v], nodeWidth[v], nodeHeight[v])
            nodes.append(.object(fields))
        }
        let scopeBoxes: [BoardJSON] = clusters.dropFirst().map { cluster in
            let scope = scopes[cluster.scope]
            return .object([
                ("name", .string(scope.name)), ("parent", .string(scopes[clusters[cluster.parent].scope].name)),
                ("children", .integer(Int64(scope.children.count))), ("ops", .integer(Int64(scope.totalOps))),
            ] + box(cluster.x, cluster.y, cluster.boxWidth, cluster.boxHeight))
        }
        let edgeList: [BoardJSON] = edges.map { edge in
            .object([
                ("source", .string(name(edge.source))), ("target", .string(name(edge.target))),
                ("shape", edge.shapesAgree ? edge.shape.map(BoardJSON.string) ?? .null : .null),
                ("control", .bool(edge.control)), ("count", .integer(Int64(edge.count))),
            ])
        }
        let root = clusters[0]
        var fields: [(String, BoardJSON)] = []
        if let run { fields.append(("run", .string(run))) }
        fields += [
            ("ops", .integer(Int64(graph.ops.count))),
            ("expanded", .array(clusters.dropFirst().map { scopes[$0.scope].name }.sorted().map(BoardJSON.string))),
            ("width", .number(rounded(root.contentWidth + 2 * Metrics.margin))),
            ("height", .number(rounded(root.contentHeight + 2 * Metrics.margin))),
            ("nodes", .array(nodes)), ("scopes", .array(scopeBoxes)), ("edges", .array(edgeList)),
        ]
        return .object(fields)
    }

    /// The last path component of a name.
    static func label(_ name: String) -> Substring {
        name.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(name)
    }

    private static func rounded(_ x: Double) -> Double { (x * 10).rounded() / 10 }
}
