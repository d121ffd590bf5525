/// Autograd state shared by every copy of one tensor value: whether it requires a gradient, the
/// gradient accumulated into it (leaves), and the tape node that produced it (results of ops).
final class AutogradState: @unchecked Sendable {
    var requiresGrad: Bool
    var grad: Tensor?
    let node: TapeNode?
    let outputIndex: Int

    init(requiresGrad: Bool, node: TapeNode? = nil, outputIndex: Int = 0) {
        self.requiresGrad = requiresGrad
        self.node = node
        self.outputIndex = outputIndex
    }

    var isLeaf: Bool { node == nil }
}

/// One recorded op application: what backward needs to call the op's gradient function.
final class TapeNode: @unchecked Sendable {
    let definition: OpDefinition
    let attributes: Attributes
    private(set) var inputs: [Tensor]
    private(set) var outputs: [Tensor]
    let inputStates: [AutogradState?]
    private(set) var isReleased = false

    init(definition: OpDefinition, attributes: Attributes, inputs: [Tensor], outputs: [Tensor]) {
        self.definition = definition
        self.attributes = attributes
        self.inputStates = inputs.map { $0.autograd?.requiresGrad == true ? $0.autograd : nil }
        self.inputs = inputs.map(\.detached)
        self.outputs = outputs.map(\.detached)
    }

    /// Frees the saved tensors after a backward pass that did not keep the graph.
    func release() {
        inputs = []
        outputs = []
        isReleased = true
    }
}

/// Errors of the backward pass, with PyTorch's wording where PyTorch has one.
public enum AutogradError: Error, Equatable, CustomStringConvertible {
    case doesNotRequireGrad
    case implicitGradientForNonScalar(shape: [Int])
    case gradientShapeMismatch(expected: [Int], got: [Int])
    case graphAlreadyFreed(opType: String)
    case noGradientFunction(opType: String)
    case notALeaf

    public var description: String {
        switch self {
        case .doesNotRequireGrad:
            "element 0 of tensors does not require grad and does not have a grad_fn"
        case .implicitGradientForNonScalar(let shape):
            "grad can be implicitly created only for scalar outputs; this output has shape \(Shape.describe(shape)), pass backward(gradient:)"
        case .gradientShapeMismatch(let expected, let got):
            "backward(gradient:) got shape \(Shape.describe(got)) for an output of shape \(Shape.describe(expected))"
        case .graphAlreadyFreed(let opType):
            "Trying to backward through the graph a second time (through \(opType)): the saved tensors were freed after the first backward. Pass retainGraph: true to the first backward if you need to backward twice."
        case .noGradientFunction(let opType):
            "op \(opType) has no gradient function"
        case .notALeaf:
            "you can only change requiresGrad of leaf tensors; use detach() first"
        }
    }
}

/// Gradient recording switches and the backward pass.
public enum Autograd {
    @TaskLocal static var isRecording = true

    /// `true` unless inside ``noGrad(_:)``.
    public static var isGradEnabled: Bool { isRecording }

    /// Records `outputs` of the op `type` on the tape when an input requires a gradient and gradients
    /// are enabled; returns the outputs, carrying their autograd state.
    @inline(__always)
    static func record(_ type: String, _ inputs: [Tensor], _ attributes: Attributes, _ outputs: [Tensor]) -> [Tensor] {
        guard inputs.contains(where: { $0.autograd?.requiresGrad == true }), isRecording,
            let definition = OpRegistry.shared[type], definition.gradient != nil
        else { return outputs }
        let node = TapeNode(definition: definition, attributes: attributes, inputs: inputs, outputs: outputs)
        return outputs.enumerated().map { index, output in
            var result = output
            if output.dtype.isFloatingPoint {
                result.autograd = AutogradState(requiresGrad: true, node: node, outputIndex: index)
            }
            return result
        }
    }

    /// Runs backward from `root` with `gradient` (ones for a scalar when `nil`).
    static func backward(_ root: Tensor, gradient: Tensor?, retainGraph: Bool) throws {
        guard let rootState = root.autograd, rootState.requiresGrad else { throw AutogradError.doesNotRequireGrad }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == root.shape else {
                throw AutogradError.gradientShapeMismatch(expected: root.shape, got: gradient.shape)
            }
            seed = gradient.detached.cast(to: root.dtype)
        } else {
            guard root.count == 1 else { throw AutogradError.implicitGradientForNonScalar(shape: root.shape) }
            seed = Tensor.ones(root.shape, dtype: root.dtype)
        }
        try noGrad {
            guard let rootNode = rootState.node else {
                accumulate(seed, into: rootState)
                return
            }
            let order = topologicalOrder(from: rootNode)
            var pending: [ObjectIdentifier: [Tensor?]] = [:]
            pending[ObjectIdentifier(rootNode)] = slots(rootNode, setting: rootState.outputIndex, to: seed)
            let builder = EagerGradientBuilder()
            for node in order.reversed() {
                guard let outputGradients = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                if node.isReleased { throw AutogradError.graphAlreadyFreed(opType: node.definition.type) }
                guard let function = node.definition.gradient else {
                    throw AutogradError.noGradientFunction(opType: node.definition.type)
                }
                let input = GradientInput(
                    opType: node.definition.type, attributes: node.attributes,
                    inputs: node.inputs, outputs: node.outputs, outputGradients: outputGradients,
                    needsGradient: node.inputStates.map { $0 != nil })
                let inputGradients = try function.gradients(builder, input)
                for (index, state) in node.inputStates.enumerated() {
                    guard let state, index < inputGradients.count, let g = inputGradients[index] else { continue }
                    if let producer = state.node {
                        let key = ObjectIdentifier(producer)
                        var current = pending[key] ?? slots(producer, setting: nil, to: nil)
                        current[state.outputIndex] = current[state.outputIndex].map { $0 + g } ?? g
                        pending[key] = current
                    } else {
                        accumulate(g, into: state)
                    }
                }
                if !retainGraph { node.release() }
            }
        }
    }

    private static func slots(_ node: TapeNode, setting index: Int?, to value: Tensor?) -> [Tensor?] {
        var result = [Tensor?](repeating: nil, count: max(node.outputs.count, 1))
        if let index, index < result.count { result[index] = value }
        return result
    }

    private static func accumulate(_ gradient: Tensor, into state: AutogradState) {
        let g = gradient.detached
        state.grad = state.grad.map { $0 + g } ?? g
    }

    /// Nodes reachable from `root`, each after every node it depends on.
    private static func topologicalOrder(from root: TapeNode) -> [TapeNode] {
        var order: [TapeNode] = []
        var visited: Set<ObjectIdentifier> = []
        var stack: [(TapeNode, Bool)] = [(root, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for state in node.inputStates {
                if let producer = state?.node, !visited.contains(ObjectIdentifier(producer)) {
                    stack.append((producer, false))
                }
            }
        }
        return order
    }
}

/// Runs `body` without recording operations for autograd (PyTorch's `torch.no_grad()`).
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try Autograd.$isRecording.withValue(false, operation: body)
}

/// The eager implementation of ``GradientBuilder``: every op runs at once.
struct EagerGradientBuilder: GradientBuilder {
    func apply(_ type: String, _ inputs: [Tensor], _ attributes: Attributes) throws -> [Tensor] {
        try OpRegistry.shared.execute(type, inputs: inputs, attributes: attributes)
    }
    func spec(of value: Tensor) -> TensorSpec { value.spec }
    func constant(_ tensor: Tensor) -> Tensor { tensor }
}
