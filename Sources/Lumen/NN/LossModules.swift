/// ``crossEntropy(logits:targets:classWeights:ignoreIndex:labelSmoothing:reduction:)`` with its
/// settings kept (PyTorch's `nn.CrossEntropyLoss`): `CrossEntropyLoss(labelSmoothing: 0.1)(logits, targets)`.
public struct CrossEntropyLoss: Sendable {
    /// A `[C]` weight per class, if any.
    public var classWeights: Tensor?
    /// The target value that contributes no loss.
    public var ignoreIndex: Int
    /// The label-smoothing ε in [0, 1].
    public var labelSmoothing: Double
    /// How the elementwise losses are combined.
    public var reduction: LossReduction

    /// A loss with these settings.
    public init(
        classWeights: Tensor? = nil, ignoreIndex: Int = -100, labelSmoothing: Double = 0,
        reduction: LossReduction = .mean
    ) {
        self.classWeights = classWeights
        self.ignoreIndex = ignoreIndex
        self.labelSmoothing = labelSmoothing
        self.reduction = reduction
    }

    /// The loss of the given inputs.
    public func callAsFunction(_ logits: Tensor, _ targets: Tensor) -> Tensor {
        crossEntropy(
            logits: logits, targets: targets, classWeights: classWeights, ignoreIndex: ignoreIndex,
            labelSmoothing: labelSmoothing, reduction: reduction)
    }
}

/// ``nllLoss(logProbabilities:targets:classWeights:ignoreIndex:reduction:)`` with its settings kept
/// (PyTorch's `nn.NLLLoss`).
public struct NLLLoss: Sendable {
    /// A `[C]` weight per class, if any.
    public var classWeights: Tensor?
    /// The target value that contributes no loss.
    public var ignoreIndex: Int
    /// How the elementwise losses are combined.
    public var reduction: LossReduction

    /// A loss with these settings.
    public init(classWeights: Tensor? = nil, ignoreIndex: Int = -100, reduction: LossReduction = .mean) {
        self.classWeights = classWeights
        self.ignoreIndex = ignoreIndex
        self.reduction = reduction
    }

    /// The loss of the given inputs.
    public func callAsFunction(_ logProbabilities: Tensor, _ targets: Tensor) -> Tensor {
        nllLoss(
            logProbabilities: logProbabilities, targets: targets, classWeights: classWeights,
            ignoreIndex: ignoreIndex, reduction: reduction)
    }
}

/// ``mseLoss(_:_:reduction:)`` with its reduction kept (PyTorch's `nn.MSELoss`).
public struct MSELoss: Sendable {
    /// How the elementwise losses are combined.
    public var reduction: LossReduction

    /// A loss with these settings.
    public init(reduction: LossReduction = .mean) { self.reduction = reduction }

    /// The loss of the given inputs.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        mseLoss(input, target, reduction: reduction)
    }
}

/// ``binaryCrossEntropyWithLogits(logits:targets:weight:positiveWeight:reduction:)`` with its settings
/// kept (PyTorch's `nn.BCEWithLogitsLoss`).
public struct BCEWithLogitsLoss: Sendable {
    /// A rescaling weight broadcast against the elementwise loss, if any.
    public var weight: Tensor?
    /// A weight of the positive term, if any.
    public var positiveWeight: Tensor?
    /// How the elementwise losses are combined.
    public var reduction: LossReduction

    /// A loss with these settings.
    public init(weight: Tensor? = nil, positiveWeight: Tensor? = nil, reduction: LossReduction = .mean) {
        self.weight = weight
        self.positiveWeight = positiveWeight
        self.reduction = reduction
    }

    /// The loss of the given inputs.
    public func callAsFunction(_ logits: Tensor, _ targets: Tensor) -> Tensor {
        binaryCrossEntropyWithLogits(
            logits: logits, targets: targets, weight: weight, positiveWeight: positiveWeight,
            reduction: reduction)
    }
}
