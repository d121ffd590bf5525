/// An optimized subgraph ready to run: its live nodes renumbered in a topological order, with the
/// edges the executor counts down. Immutable, so concurrent runs share it.
struct ExecutionPlan: Sendable {
    let nodes: [PlanNode]
    /// For each node, the nodes that wait for it (data or control), without repeats.
    let successors: [[Int]]
    /// For each node, how many distinct nodes it waits for.
    let predecessorCounts: [Int]
    /// For each node and output, how many data inputs read it.
    let uses: [[Int]]
    let fetches: [Endpoint]
    let targets: [Int]
    let fetched: Set<Endpoint>
    /// The fed tensors, in feed-node order.
    let feeds: [GraphTensor]
    let report: GraphOptimizer.Report

    /// Compacts `graph`'s live nodes; throws for a placeholder left unfed.
    init(_ graph: PlanGraph, report: GraphOptimizer.Report) throws {
        var renumbered = [Int](repeating: -1, count: graph.nodes.count)
        var nodes: [PlanNode] = []
        for (i, node) in graph.nodes.enumerated() where node.isLive {
            if case .placeholder = node.kind {
                let spec = node.outputSpecs[0]
                throw SessionError.placeholderNotFed(name: node.name, dtype: spec.dtype, shape: spec.shape)
            }
            renumbered[i] = nodes.count
            nodes.append(node)
        }
        func map(_ e: Endpoint) -> Endpoint { Endpoint(node: renumbered[e.node], output: e.output) }
        for i in nodes.indices {
            nodes[i].inputs = nodes[i].inputs.map(map)
            nodes[i].controlInputs = nodes[i].controlInputs.map { renumbered[$0] }
            precondition(
                nodes[i].inputs.allSatisfy { $0.node >= 0 && $0.node < i }
                    && nodes[i].controlInputs.allSatisfy { $0 >= 0 && $0 < i },
                "plan for '\(nodes[i].name)' reads a removed or later node")
        }
        var successors = [[Int]](repeating: [], count: nodes.count)
        var predecessorCounts = [Int](repeating: 0, count: nodes.count)
        var uses = nodes.map { [Int](repeating: 0, count: $0.outputSpecs.count) }
        for (i, node) in nodes.enumerated() {
            let predecessors = Set(node.inputs.map(\.node) + node.controlInputs)
            predecessorCounts[i] = predecessors.count
            for p in predecessors.sorted() { successors[p].append(i) }
            for e in node.inputs { uses[e.node][e.output] += 1 }
        }
        self.nodes = nodes
        self.successors = successors
        self.predecessorCounts = predecessorCounts
        self.uses = uses
        self.fetches = graph.fetches.map(map)
        self.targets = graph.targets.map { renumbered[$0] }
        self.fetched = Set(fetches)
        self.feeds = graph.feeds
        self.report = report
    }
}

/// The graph a session runs for given fetches and feeds, after optimization: for inspecting what
/// the optimizer did (``Session/optimizedGraph(for:feeds:targets:)``).
public struct OptimizedGraph: Sendable, CustomStringConvertible {
    /// One node: its name, op type (`Const` for a folded op, `_Feed` for a fed tensor) and inputs.
    public struct Node: Sendable, Equatable {
        public let name: String
        public let type: String
        public let inputs: [String]
    }

    public let nodes: [Node]
    /// Ops removed by pruning, folded into constants, merged as duplicates, identities bypassed.
    public let prunedCount: Int, foldedCount: Int, mergedCount: Int, identitiesRemovedCount: Int

    init(_ plan: ExecutionPlan) {
        nodes = plan.nodes.map { node in
            Node(
                name: node.name, type: node.type,
                inputs: node.inputs.map { e in
                    let source = plan.nodes[e.node]
                    return source.type == "_Feed" ? source.name : "\(source.name):\(e.output)"
                }
                    + node.controlInputs.map { "^" + plan.nodes[$0].name })
        }
        prunedCount = plan.report.pruned
        foldedCount = plan.report.folded
        mergedCount = plan.report.merged
        identitiesRemovedCount = plan.report.identitiesRemoved
    }

    /// The number of nodes that run.
    public var nodeCount: Int { nodes.count }
    /// The number of nodes of type `type`.
    public func count(ofType type: String) -> Int { nodes.filter { $0.type == type }.count }
    /// The node named `name`, if it runs.
    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }

    public var description: String {
        nodes.map { "\($0.name) = \($0.type)(\($0.inputs.joined(separator: ", ")))" }.joined(separator: "\n")
    }
}
