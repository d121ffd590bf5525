import LumenEvents

/// The steps of ``GraphView/view(_:expanding:run:)``, over the state they share: which nodes are
/// visible (ops, and collapsed scopes standing for everything inside them), the clusters (the
/// root and every expanded scope) holding them, the edges between visible nodes, and the layout.
struct GraphViewBuilder {
    typealias Metrics = GraphView.Metrics

    /// A visible node: an op, or a collapsed scope.
    enum Visible {
        case op(Int)
        case scope(Int)
    }

    /// An expanded scope (or the root) and its members, in layout order.
    struct Cluster {
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

    enum Item {
        case node(Int)
        case cluster(Int)
    }

    struct Edge {
        var source: Int
        var target: Int
        var control: Bool
        var count: Int
        var shape: String?
        var shapesAgree: Bool
    }

    let graph: OpGraph
    var visible: [Visible] = []
    /// The cluster holding each visible node, and the node's index among its items.
    var nodeCluster: [Int] = [], nodeItem: [Int] = []
    /// The visible node that shows each op and each scope (itself, or the collapsed scope around it).
    var opNode: [Int], scopeNode: [Int]
    var clusters: [Cluster]
    var edges: [Edge] = []
    /// The visible nodes each visible node takes input from, each once, in GraphDef order.
    var inputs: [[Int]] = []
    var nodeX: [Double] = [], nodeY: [Double] = []
    var nodeWidth: [Double] = [], nodeHeight: [Double] = []

    /// Chooses the visible nodes: the scopes named in `expand` and their ancestors are expanded
    /// (clusters, breadth first, so a cluster's parent comes before it); every other scope is one
    /// collapsed node standing for all it holds.
    init(_ graph: OpGraph, expanding expand: [String]) {
        self.graph = graph
        let scopes = graph.scopes
        var expanded = [Bool](repeating: false, count: scopes.count)
        expanded[0] = true
        for name in expand {
            guard var s = graph.scopeIndex[name] else { continue }
            while s > 0 && !expanded[s] {
                expanded[s] = true
                s = scopes[s].parent
            }
        }
        opNode = [Int](repeating: -1, count: graph.ops.count)
        scopeNode = [Int](repeating: -1, count: scopes.count)
        clusters = [Cluster(scope: 0, parent: -1, itemInParent: -1, depth: 0)]
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
    }

    /// Finds the edges between visible nodes (one per pair and kind, counting the GraphDef inputs
    /// it stands for) and the inputs of each visible node.
    mutating func collectEdges() {
        var edgeIndex: [UInt64: Int] = [:]
        var inputSeen = Set<UInt64>()
        inputs = [[Int]](repeating: [], count: visible.count)
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
                    edges.append(
                        Edge(
                            source: source, target: target, control: input.control, count: 1, shape: shape,
                            shapesAgree: true))
                }
            }
        }
    }

    /// Gives each edge to the innermost cluster holding both its ends, between the two items
    /// holding them.
    mutating func assignEdgesToClusters() {
        for edge in edges {
            var (ca, ia) = (nodeCluster[edge.source], nodeItem[edge.source])
            var (cb, ib) = (nodeCluster[edge.target], nodeItem[edge.target])
            while clusters[ca].depth > clusters[cb].depth {
                (ca, ia) = (clusters[ca].parent, clusters[ca].itemInParent)
            }
            while clusters[cb].depth > clusters[ca].depth {
                (cb, ib) = (clusters[cb].parent, clusters[cb].itemInParent)
            }
            while ca != cb {
                (ca, ia) = (clusters[ca].parent, clusters[ca].itemInParent)
                (cb, ib) = (clusters[cb].parent, clusters[cb].itemInParent)
            }
            if ia != ib { clusters[ca].edges.append((ia, ib)) }
        }
    }

    /// Sizes every visible node, then lays out the clusters inner first: each is laid out with
    /// ``LayeredLayout`` and then sized as one box for its parent.
    mutating func layOutClusters() {
        let scopes = graph.scopes
        nodeWidth = [Double](repeating: 0, count: visible.count)
        nodeHeight = [Double](repeating: 0, count: visible.count)
        for (v, node) in visible.enumerated() {
            switch node {
            case .op(let i):
                nodeWidth[v] = Metrics.opWidth(GraphView.label(graph.ops[i].name))
                nodeHeight[v] = Metrics.opHeight
            case .scope(let s):
                nodeWidth[v] = Metrics.scopeWidth(scopes[s].label, ops: scopes[s].totalOps)
                nodeHeight[v] = Metrics.scopeHeight
            }
        }
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
            let scope = scopes[clusters[c].scope]
            let labelWidth = Metrics.scopeWidth(scope.label, ops: scope.totalOps)
            clusters[c].boxWidth = max(layout.width + 2 * Metrics.clusterPadding, labelWidth)
            clusters[c].boxHeight = layout.height + Metrics.clusterHeader + Metrics.clusterPadding
        }
    }

    /// Absolute positions, outer clusters first; a cluster's content is centred in a box its label
    /// widened.
    mutating func placeClusters() {
        nodeX = [Double](repeating: 0, count: visible.count)
        nodeY = [Double](repeating: 0, count: visible.count)
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
    }

    /// Each collapsed scope's device: its ops' common one, or `""` if they differ.
    func scopeDevices() -> [String?] {
        var scopeDevice = [String?](repeating: nil, count: visible.count)
        for (i, op) in graph.ops.enumerated() {
            let v = opNode[i]
            guard v >= 0, case .scope = visible[v] else { continue }
            if scopeDevice[v] == nil {
                scopeDevice[v] = op.device
            } else if scopeDevice[v] != op.device {
                scopeDevice[v] = ""
            }
        }
        return scopeDevice
    }

    /// The name of visible node `v`.
    func name(_ v: Int) -> String {
        switch visible[v] {
        case .op(let i): graph.ops[i].name
        case .scope(let s): graph.scopes[s].name
        }
    }

    /// The answer's JSON: the run, the op count, what was expanded, the size, the nodes, the
    /// expanded scopes' boxes and the edges.
    func json(run: String?) -> BoardJSON {
        let scopes = graph.scopes
        let rounded = GraphView.rounded
        func box(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> [(String, BoardJSON)] {
            [
                ("x", .number(rounded(x))), ("y", .number(rounded(y))), ("width", .number(rounded(w))),
                ("height", .number(rounded(h))),
            ]
        }
        let scopeDevice = scopeDevices()
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
                    ("children", .integer(Int64(scopes[s].children.count))),
                    ("ops", .integer(Int64(scopes[s].totalOps))),
                ]
            }
            fields += box(nodeX[v], nodeY[v], nodeWidth[v], nodeHeight[v])
            nodes.append(.object(fields))
        }
        let scopeBoxes: [BoardJSON] = clusters.dropFirst().map { cluster in
            let scope = scopes[cluster.scope]
            return .object(
                [
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
}
