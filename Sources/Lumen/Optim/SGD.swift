/// Stochastic gradient descent, with optional momentum, dampening, Nesterov momentum and L2 weight
/// decay (PyTorch's `torch.optim.SGD`).
///
/// For each parameter `p` with gradient `g`, one ``step()`` computes
///
/// ```
/// g ← g + weightDecay · p                          (when weightDecay ≠ 0)
/// b ← g                                            (first step with momentum)
/// b ← momentum · b + (1 − dampening) · g           (later steps)
/// g ← nesterov ? g + momentum · b : b              (when momentum ≠ 0)
/// p ← p − learningRate · g
/// ```
///
/// in one fused pass over the parameter's elements.
public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    /// The momentum factor; 0 turns momentum off.
    public var momentum: Double
    /// The share of the gradient held back from the momentum buffer after the first step.
    public var dampening: Double
    /// The L2 penalty added to the gradient as `weightDecay · p`.
    public var weightDecay: Double
    /// Whether to use Nesterov momentum (needs a non-zero momentum and no dampening).
    public var nesterov: Bool
    /// Per parameter, its momentum buffer: `nil` until the parameter's first step with momentum
    /// (PyTorch's `state[p]["momentum_buffer"]`).
    public private(set) var momentumBuffers: [Tensor?]

    /// An optimizer for `parameters` (tensors that require gradients; those without a gradient at
    /// a step are skipped).
    public init(
        _ parameters: [Tensor], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
        weightDecay: Double = 0, nesterov: Bool = false
    ) {
        OptimizerValidation.checkParameters(parameters, optimizer: "SGD")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        momentumBuffers = Array(repeating: nil, count: parameters.count)
        validate()
    }

    private func validate() {
        OptimizerValidation.check(learningRate >= 0, "SGD", "invalid learning rate: \(learningRate)")
        OptimizerValidation.check(momentum >= 0, "SGD", "invalid momentum value: \(momentum)")
        OptimizerValidation.check(weightDecay >= 0, "SGD", "invalid weightDecay value: \(weightDecay)")
        OptimizerValidation.check(
            !nesterov || (momentum > 0 && dampening == 0), "SGD",
            "Nesterov momentum requires a momentum and zero dampening")
    }

    public func step() {
        validate()
        let options = OptimizerKernels.SGDOptions(
            learningRate: learningRate, momentum: momentum, dampening: dampening, weightDecay: weightDecay,
            nesterov: nesterov)
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = OptimizerValidation.gradient(of: parameter, index: index, optimizer: "SGD") else {
                continue
            }
            if momentum == 0 {
                OptimizerKernels.sgd(
                    parameter: parameter, gradient: gradient, buffer: nil, phase: .none, options: options)
            } else if momentumBuffers[index] == nil {
                let buffer = Tensor(uninitializedShape: parameter.shape, dtype: parameter.dtype)
                OptimizerKernels.sgd(
                    parameter: parameter, gradient: gradient, buffer: buffer, phase: .first, options: options)
                momentumBuffers[index] = buffer
            } else {
                // The buffer is written in place: give it storage of its own if a caller holds a copy.
                momentumBuffers[index]!.makeUnique()
                OptimizerKernels.sgd(
                    parameter: parameter, gradient: gradient, buffer: momentumBuffers[index],
                    phase: .running, options: options)
            }
        }
    }
}
