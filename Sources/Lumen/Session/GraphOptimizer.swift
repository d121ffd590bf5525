import Foundation

/// The graph optimizer's passes over a ``PlanGraph`` (TensorFlow's Grappler, in small): pruning,
/// constant folding, common-subexpression elimination and identity removal. Each is switched by
/// ``GraphOptimizerOptions`` and each leaves the values of fetches unchanged.
enum GraphOptimizer {
    /// What the passes did, for tests and for ``OptimizedGraph``.
    struct Report: Sendable, Equatable {
        var pruned = 0
        var folded = 0
        var merged = 0
        var identitiesRemoved = 0
    }

    /// Applies the passes `options` selects, in TensorFlow's order.
    static func optimize(_ graph: inout PlanGraph, _ options: GraphOptimizerOptions) -> Report {
        var report = Report()
        if options.pruning { report.pruned += prune(&graph) }
        if options.constantFolding { report.folded = foldConstants(&graph) }
        if options.commonSubexpressionElimination { report.merged = eliminateCommonSubexpressions(&graph) }
        if options.identityRemoval { report.identitiesRemoved = removeIdentities(&graph) }
        // Constants consumed only by folded ops, merged duplicates' inputs and so on are now dead.
        if options.pruning { report.pruned += prune(&graph) }
        return report
    }

    // MARK: Pruning

    /// Keeps the nodes the fetches and targets need, through data and control edges; returns the
    /// number removed. Fed tensors were already cut from their producers.
    @discardableResult
    static func prune(_ graph: inout PlanGraph) -> Int {
        var needed = [Bool](repeating: false, count: graph.nodes.count)
        var stack = graph.fetches.map(\.node) + graph.targets
        while let i = stack.popLast() {
            guard !needed[i] else { continue }
            needed[i] = true
            stack.append(contentsOf: graph.nodes[i].inputs.map(\.node))
            stack.append(contentsOf: graph.nodes[i].controlInputs)
        }
        var removed = 0
        for i in graph.nodes.indices where graph.nodes[i].isLive && !needed[i] {
            graph.nodes[i].isLive = false
            removed += 1
        }
        return removed
    }

    // MARK: Constant folding

    /// Replaces every op whose inputs are all constants by the constants it computes, evaluated
    /// once now. Placeholders, variables, stateful ops and ops with control inputs are never folded;
    /// an op whose kernel fails is left to fail at run time. Returns the number folded.
    static func foldConstants(_ graph: inout PlanGraph) -> Int {
        var folded = 0
        for i in graph.nodes.indices where graph.nodes[i].isLive {
            let node = graph.nodes[i]
            guard case .kernel(let definition) = node.kind, node.controlInputs.isEmpty, !node.inputs.isEmpty else {
                continue
            }
            var inputs: [Tensor] = []
            for e in node.inputs {
                guard let values = graph.nodes[e.node].constantValues else { break }
                inputs.append(values[e.output])
            }
            guard inputs.count == node.inputs.count else { continue }
            let context = OpContext(opType: node.type, nodeName: node.name, inputs: inputs.map(\.spec))
            guard let specs = try? definition.inferOutputs(context, node.attributes),
                let outputs = try? definition.compute(
                    KernelInvocation(
                        context: context, inputs: inputs,
                        attributes: node.attributes, outputs: specs)),
                outputs.count == node.outputSpecs.count
            else { continue }
            graph.nodes[i].kind = .constant(outputs.map(\.detached))
            graph.nodes[i].type = "Const"
            graph.nodes[i].attributes = outputs.count == 1 ? ["dtype": .dtype(outputs[0].dtype)] : [:]
            graph.nodes[i].inputs = []
            folded += 1
        }
        return folded
    }

    // MARK: Common-subexpression elimination

    /// Merges nodes with the same type, inputs, control inputs, attributes, device and (for
    /// constants) value into the first of them. Returns the number merged.
    static func eliminateCommonSubexpressions(_ graph: inout PlanGraph) -> Int {
        var endpoints: [Endpoint: Endpoint] = [:], nodeMap: [Int: Int] = [:]
        var seen: [String: [Int]] = [:]
        var merged = 0
        for i in graph.nodes.indices where graph.nodes[i].isLive {
            rewriteEdges(&graph.nodes[i], i, endpoints, nodeMap)
            let node = graph.nodes[i]
            switch node.kind {
            case .kernel, .constant: break
            default: continue
            }
            let key = signature(node)
            if let j = seen[key]?.first(where: { equivalent(graph.nodes[$0], node) }) {
                for output in node.outputSpecs.indices {
                    endpoints[Endpoint(node: i, output: output)] = Endpoint(node: j, output: output)
                }
                nodeMap[i] = j
                graph.nodes[i].isLive = false
                merged += 1
            } else {
                seen[key, default: []].append(i)
            }
        }
        graph.remap(endpoints, nodeMap)
        return merged
    }

    private static func signature(_ node: PlanNode) -> String {
        var key = "\(node.type)|\(node.device)|"
        key += node.inputs.map { "\($0.node):\($0.output)" }.joined(separator: ",")
        key += "|^" + node.controlInputs.sorted().map(String.init).joined(separator: ",")
        if let values = node.constantValues {
            var hasher = Hasher()
            for v in values { v.hashContents(into: &hasher) }
            key += "|" + values.map(\.spec.description).joined(separator: ",") + "#\(hasher.finalize())"
        } else {
            key +=
                "|"
                + node.attributes.values.keys.sorted().map { "\($0)=\(node.attributes.values[$0]!)" }.joined(
                    separator: ",")
        }
        return key
    }

    private static func equivalent(_ a: PlanNode, _ b: PlanNode) -> Bool {
        guard a.type == b.type, a.device == b.device, a.inputs == b.inputs,
            Set(a.controlInputs) == Set(b.controlInputs),
            a.isConstant || a.attributes == b.attributes
        else { return false }
        switch (a.constantValues, b.constantValues) {
        case (nil, nil): return true
        case (let x?, let y?): return x.count == y.count && zip(x, y).allSatisfy { $0.hasSameContents(as: $1) }
        default: return false
        }
    }

    // MARK: Identity removal

    /// Bypasses `Identity` nodes: their consumers read the identity's input directly. An identity
    /// that reads a variable (a snapshot such as `w/read`) or waits on control inputs is kept, since
    /// it fixes when a value is read. Returns the number removed.
    static func removeIdentities(_ graph: inout PlanGraph) -> Int {
        var endpoints: [Endpoint: Endpoint] = [:], nodeMap: [Int: Int] = [:]
        var removed = 0
        for i in graph.nodes.indices where graph.nodes[i].isLive {
            rewriteEdges(&graph.nodes[i], i, endpoints, nodeMap)
            let node = graph.nodes[i]
            guard node.type == "Identity", case .kernel = node.kind, node.controlInputs.isEmpty, node.inputs.count == 1,
                !graph.nodes[node.inputs[0].node].isVariable
            else { continue }
            endpoints[Endpoint(node: i, output: 0)] = node.inputs[0]
            nodeMap[i] = node.inputs[0].node
            graph.nodes[i].isLive = false
            removed += 1
        }
        graph.remap(endpoints, nodeMap)
        return removed
    }

    /// Points a node's edges at the replacements chosen for earlier nodes.
    private static func rewriteEdges(
        _ node: inout PlanNode, _ index: Int, _ endpoints: [Endpoint: Endpoint], _ nodeMap: [Int: Int]
    ) {
        guard !endpoints.isEmpty || !nodeMap.isEmpty else { return }
        node.inputs = node.inputs.map { endpoints[$0] ?? $0 }
        var controls: [Int] = []
        for c in node.controlInputs {
            let target = nodeMap[c] ?? c
            if !controls.contains(target) && target != index { controls.append(target) }
        }
        node.controlInputs = controls
    }
}

extension Tensor {
    /// Feeds the dtype, shape and bytes into `hasher`.
    func hashContents(into hasher: inout Hasher) {
        hasher.combine(dtype)
        hasher.combine(shape)
        hasher.combine(bytes: UnsafeRawBufferPointer(start: storage.bytes, count: byteCount))
    }

    /// `true` when both tensors have the same dtype, shape and bytes.
    func hasSameContents(as other: Tensor) -> Bool {
        dtype == other.dtype && shape == other.shape
            && (storage === other.storage || memcmp(storage.bytes, other.storage.bytes, byteCount) == 0)
    }
}
