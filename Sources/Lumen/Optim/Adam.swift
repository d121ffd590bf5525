/// Adam, with optional L2 weight decay and AMSGrad (PyTorch's `torch.optim.Adam`).
///
/// For each parameter `p` with gradient `g`, at its step `t` (counting from 1), one ``step()`` computes
///
/// ```
/// g ← g + weightDecay · p                          (when weightDecay ≠ 0)
/// m ← β₁ · m + (1 − β₁) · g
/// v ← β₂ · v + (1 − β₂) · g²
/// v̂ ← amsgrad ? max(v̂, v) : v
/// p ← p − learningRate / (1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + eps)
/// ```
///
/// in one fused pass over the parameter's elements. For decoupled weight decay use ``AdamW``.
public final class Adam: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    /// The decay rates of the running averages of the gradient and its square.
    public var betas: (Double, Double)
    /// Added to the denominator for numerical stability.
    public var eps: Double
    /// The L2 penalty added to the gradient as `weightDecay · p`.
    public var weightDecay: Double
    /// Whether to use the AMSGrad variant (the maximum of the second moments so far).
    public var amsgrad: Bool
    private var update: AdamUpdate

    /// An optimizer for `parameters` (tensors that require gradients; those without a gradient at
    /// a step are skipped).
    public init(
        _ parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false
    ) {
        OptimizerValidation.checkParameters(parameters, optimizer: "Adam")
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        update = AdamUpdate(name: "Adam", parameterCount: parameters.count)
        AdamUpdate.validate("Adam", learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay)
    }

    /// Per parameter, its state: `nil` until the parameter's first step.
    public var states: [AdamParameterState?] { update.states }

    public func step() {
        AdamUpdate.validate("Adam", learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay)
        update.step(
            parameters,
            options: .init(
                learningRate: learningRate, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay,
                decoupledWeightDecay: false, amsgrad: amsgrad))
    }
}
