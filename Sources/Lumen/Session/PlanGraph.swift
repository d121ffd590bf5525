/// Output `output` of node `node` of a ``PlanGraph``.
struct Endpoint: Hashable, Sendable {
    var node: Int
    var output: Int
}

/// A variable an update op writes, resolved from its reference input when the plan is made.
struct VariableReference: Sendable {
    let name: String
    let spec: TensorSpec
}

/// How the executor runs a node.
enum NodeKind: Sendable {
    /// Gives fed value number `n`.
    case feed(Int)
    /// Gives these values (a `Const`, or a folded op).
    case constant([Tensor])
    /// An unfed placeholder: running it is an error.
    case placeholder
    /// A `VariableV2`: gives a reference that each consumer reads when it runs, as TensorFlow 1's
    /// reference variables do.
    case variable(String)
    /// A variable update: its definition's ``OpDefinition/updateVariables`` kernel.
    case variableUpdate(@Sendable (VariableUpdateInvocation) throws -> [Tensor])
    /// Nothing to compute.
    case noOp
    /// A registered op's kernel.
    case kernel(OpDefinition)
}

/// One node of the graph a session runs, in the executor's own form: the graph optimizer rewrites
/// these, never the user's ``Graph``.
struct PlanNode: Sendable {
    var name: String
    var type: String
    var kind: NodeKind
    var inputs: [Endpoint]
    var controlInputs: [Int]
    var attributes: Attributes
    var device: String
    var outputSpecs: [TensorSpec]
    /// The variables an update op writes (its reference inputs, which are not in ``inputs``).
    var variables: [VariableReference] = []
    var isLive = true

    var isConstant: Bool { if case .constant = kind { true } else { false } }
    var constantValues: [Tensor]? { if case .constant(let values) = kind { values } else { nil } }
    var isVariable: Bool { if case .variable = kind { true } else { false } }
}

/// The subgraph one kind of run needs (these fetches, targets and fed tensors), as the optimizer
/// passes see it. Nodes stay in a topological order: every pass only points edges at earlier nodes.
struct PlanGraph: Sendable {
    var nodes: [PlanNode]
    var fetches: [Endpoint]
    var targets: [Int]
    /// The fed tensors, in the order of the feed nodes at the front of ``nodes``.
    let feeds: [GraphTensor]

    /// The graph's ops with every fed tensor replaced by a feed node.
    init(operations: [GraphOperation], fetches: [GraphTensor], targets: [GraphOperation], feeds: [GraphTensor]) {
        self.feeds = feeds
        let offset = feeds.count
        var fed: [GraphTensor: Int] = [:]
        for (i, t) in feeds.enumerated() { fed[t] = i }
        func endpoint(_ t: GraphTensor) -> Endpoint {
            if let i = fed[t] { return Endpoint(node: i, output: 0) }
            return Endpoint(node: offset + t.op.id, output: t.index)
        }
        var nodes = feeds.enumerated().map { i, t in
            PlanNode(
                name: t.name, type: "_Feed", kind: .feed(i), inputs: [], controlInputs: [], attributes: [:],
                device: "", outputSpecs: [t.spec])
        }
        for op in operations {
            let definition = OpRegistry.shared[op.type]
            let references = Set(definition?.referenceInputs.map(\.index) ?? [])
            let kind: NodeKind
            // The session's own source nodes; every other op runs the kernel its definition gives.
            switch (op.type, definition) {
            case ("Const", _): kind = .constant([op.value ?? Tensor.zeros([])])
            case ("Placeholder", _): kind = .placeholder
            case ("VariableV2", _): kind = .variable(op.name)
            case ("NoOp", _): kind = .noOp
            case (_, let definition?):
                kind = definition.updateVariables.map { .variableUpdate($0) } ?? .kernel(definition)
            case (_, nil):
                // A graph is built (or imported) from registered ops only.
                preconditionFailure("the graph's op \(op.name) has the unregistered type \(op.type)")
            }
            var node = PlanNode(
                name: op.name, type: op.type, kind: kind,
                inputs: op.inputs.enumerated().filter { !references.contains($0.offset) }.map { endpoint($0.element) },
                controlInputs: op.controlInputs.map { offset + $0.id }, attributes: op.attributes, device: op.device,
                outputSpecs: op.outputSpecs)
            node.variables = references.sorted().map {
                VariableReference(name: op.inputs[$0].op.name, spec: op.inputs[$0].spec)
            }
            // A placeholder whose value is fed has nothing left to do.
            if op.type == "Placeholder" && op.outputs.allSatisfy({ fed[$0] != nil }) { node.isLive = false }
            nodes.append(node)
        }
        let live = nodes.map(\.isLive)
        for i in nodes.indices { nodes[i].controlInputs.removeAll { !live[$0] } }
        self.nodes = nodes
        self.fetches = fetches.map(endpoint)
        self.targets = targets.map { offset + $0.id }
    }

    var liveCount: Int { nodes.lazy.filter(\.isLive).count }

    /// Rewrites every edge, fetch and target through `endpoints` and `nodeMap` (for control edges).
    mutating func remap(_ endpoints: [Endpoint: Endpoint], _ nodeMap: [Int: Int]) {
        guard !endpoints.isEmpty || !nodeMap.isEmpty else { return }
        for i in nodes.indices where nodes[i].isLive {
            nodes[i].inputs = nodes[i].inputs.map { endpoints[$0] ?? $0 }
            var controls: [Int] = []
            for c in nodes[i].controlInputs {
                let target = nodeMap[c] ?? c
                if !controls.contains(target) && target != i { controls.append(target) }
            }
            nodes[i].controlInputs = controls
        }
        fetches = fetches.map { endpoints[$0] ?? $0 }
        var newTargets: [Int] = []
        for t in targets.map({ nodeMap[$0] ?? $0 }) where !newTargets.contains(t) { newTargets.append(t) }
        targets = newTargets
    }
}
