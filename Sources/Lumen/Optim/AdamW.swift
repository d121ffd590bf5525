/// Adam with decoupled weight decay (PyTorch's `torch.optim.AdamW`).
///
/// Each ``step()`` first shrinks every parameter that has a gradient, `p ← p · (1 − learningRate ·
/// weightDecay)`, and then applies the ``Adam`` update without any weight-decay term in the
/// gradient, all in one fused pass over the parameter's elements.
public final class AdamW: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    /// The decay rates of the running averages of the gradient and its square.
    public var betas: (Double, Double)
    /// Added to the denominator for numerical stability.
    public var eps: Double
    /// The decoupled weight-decay coefficient.
    public var weightDecay: Double
    /// Whether to use the AMSGrad variant (the maximum of the second moments so far).
    public var amsgrad: Bool
    private var update: AdamUpdate

    /// An optimizer for `parameters` (tensors that require gradients; those without a gradient at
    /// a step are skipped).
    public init(
        _ parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false
    ) {
        OptimizerValidation.checkParameters(parameters, optimizer: "AdamW")
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        update = AdamUpdate(name: "AdamW", parameterCount: parameters.count)
        AdamUpdate.validate("AdamW", learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay)
    }

    /// Per parameter, its state: `nil` until the parameter's first step.
    public var states: [AdamParameterState?] { update.states }

    public func step() {
        AdamUpdate.validate("AdamW", learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay)
        update.step(
            parameters,
            options: .init(
                learningRate: learningRate, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay,
                decoupledWeightDecay: true, amsgrad: amsgrad))
    }
}
