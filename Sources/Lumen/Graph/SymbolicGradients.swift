/// Graph mode's ``GradientBuilder``: each op a gradient function asks for is added to the graph, in
/// the name scope the caller set (`gradients/<op>_grad/`). The gradient functions are the same ones
/// eager autograd calls (docs/ARCHITECTURE.md, "One op, two modes").
struct GraphGradientBuilder: GradientBuilder {
    let graph: Graph

    func apply(_ type: String, _ inputs: [GraphTensor], _ attributes: Attributes) throws -> [GraphTensor] {
        try graph.applyAll(type, inputs, attributes: attributes)
    }

    func spec(of value: GraphTensor) -> TensorSpec { value.spec }

    func constant(_ tensor: Tensor) -> GraphTensor {
        trappingGraphBuild { try graph.constant(tensor) }
    }
}

extension Graph {
    /// The symbolic gradients of the sum of `ys` with respect to each of `xs` (`tf.gradients`).
    ///
    /// Gradient ops are added under `gradients/` (`gradients_1/` for the next call, …), each op's in
    /// `gradients/<op name>_grad/` (`gradients/layer1/MatMul_grad/MatMul`), by the gradient functions
    /// of the op registry. Gradients reaching one tensor along several paths are summed with `AddN`.
    /// `gradYs` are the gradients flowing into `ys` (ones when `nil`). An `x` that `ys` do not depend
    /// on gets `nil`. Only floating-point tensors carry gradients.
    public func gradients(
        ys: [GraphTensor], xs: [GraphTensor], gradYs: [GraphTensor]? = nil,
        name: String = "gradients"
    ) throws -> [GraphTensor?] {
        for t in ys + xs + (gradYs ?? []) where t.graph !== self {
            throw GraphError.differentGraph(tensor: t.name, opName: name)
        }
        if let gradYs, gradYs.count != ys.count {
            throw GraphError.invalidArgument("gradients: \(gradYs.count) gradYs for \(ys.count) ys")
        }
        let all = operations
        // Ops reachable forward from xs, then those of them that reach ys.
        var consumers: [[Int]] = Array(repeating: [], count: all.count)
        for op in all { for input in op.inputs { consumers[input.op.id].append(op.id) } }
        var reached = Set<Int>()
        var stack = xs.map(\.op.id)
        while let id = stack.popLast() {
            guard reached.insert(id).inserted else { continue }
            stack.append(contentsOf: consumers[id])
        }
        var between = Set<Int>()
        stack = ys.map(\.op.id)
        while let id = stack.popLast() {
            guard reached.contains(id), between.insert(id).inserted else { continue }
            stack.append(contentsOf: all[id].inputs.map(\.op.id))
        }
        // Each op waits for the gradients of its consumers inside `between`.
        var pending = [Int](repeating: 0, count: all.count)
        for id in between {
            for input in all[id].inputs where between.contains(input.op.id) { pending[input.op.id] += 1 }
        }

        return try nameScope(name) { _ in
            let builder = GraphGradientBuilder(graph: self)
            var collected: [GraphTensor: [GraphTensor]] = [:]
            for (i, y) in ys.enumerated() {
                let seed: GraphTensor
                if let gradYs {
                    seed = gradYs[i]
                } else if Shape.isFullyDefined(y.shape) {
                    seed = try constant(Tensor.ones(y.shape, dtype: y.dtype), name: "grad_ys_\(i)")
                } else {
                    seed = try apply("OnesLike", [y], name: "grad_ys_\(i)")
                }
                collected[y, default: []].append(seed)
            }
            func aggregated(_ t: GraphTensor) throws -> GraphTensor? {
                guard let list = collected[t], !list.isEmpty else { return nil }
                if list.count == 1 { return list[0] }
                let sum = try apply("AddN", list)
                collected[t] = [sum]
                return sum
            }

            var ready = Array(Set(ys.map(\.op.id)).filter { between.contains($0) && pending[$0] == 0 }.sorted())
            while let id = ready.popLast() {
                let op = all[id]
                let outputGradients = try op.outputs.map { try aggregated($0) }
                if outputGradients.contains(where: { $0 != nil }) && !op.inputs.isEmpty {
                    guard let function = OpRegistry.shared[op.type]?.gradient else {
                        throw GraphError.noGradient(opName: op.name, opType: op.type)
                    }
                    let inputGradients = try nameScope(op.name + "_grad") { _ in
                        try withDevice(op.device.isEmpty ? currentScope.device : op.device) {
                            try function.gradients(
                                builder,
                                GradientInput(
                                    opType: op.type, attributes: op.attributes, inputs: op.inputs, outputs: op.outputs,
                                    outputGradients: outputGradients))
                        }
                    }
                    for (index, input) in op.inputs.enumerated() {
                        guard between.contains(input.op.id), index < inputGradients.count,
                            let g = inputGradients[index],
                            input.dtype.isFloatingPoint
                        else { continue }
                        collected[input, default: []].append(g)
                    }
                }
                for input in op.inputs where between.contains(input.op.id) {
                    pending[input.op.id] -= 1
                    if pending[input.op.id] == 0 { ready.append(input.op.id) }
                }
            }
            return try xs.map { try aggregated($0) }
        }
    }
}

/// The symbolic gradients of the sum of `ys` with respect to `xs`, in their graph (`tf.gradients`).
/// See ``Graph/gradients(ys:xs:gradYs:name:)``.
public func gradients(ys: [GraphTensor], xs: [GraphTensor], gradYs: [GraphTensor]? = nil) throws -> [GraphTensor?] {
    guard let graph = ys.first?.graph else { return xs.map { _ in nil } }
    return try graph.gradients(ys: ys, xs: xs, gradYs: gradYs)
}
