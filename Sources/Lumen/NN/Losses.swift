/// How a loss combines the per-element losses.
public enum LossReduction: Sendable {
    /// The mean (for weighted or ignoring losses, the weighted mean over the targets that count).
    case mean
    /// The sum.
    case sum
    /// No reduction: one loss per element.
    case none
}

/// Cross-entropy between `logits` and `targets` (PyTorch's `F.cross_entropy`): log-softmax over the
/// class axis followed by ``nllLoss(logProbabilities:targets:classWeights:ignoreIndex:reduction:)``.
///
/// - Parameters:
///   - logits: `[N, C]`, `[N, C, d1, …]` or `[C]`; the class axis is 1 (0 for rank 1).
///   - targets: Integer class indices of the logits' shape without the class axis; or, as floating
///     point, class probabilities of the logits' shape.
///   - classWeights: A `[C]` weight per class, if any.
///   - ignoreIndex: Targets equal to it contribute neither loss nor gradient and are left out of the
///     mean (index targets only).
///   - labelSmoothing: ε in [0, 1]: the target distribution becomes `(1 − ε)·onehot + ε / C`
///     (PyTorch 1.10+ semantics; with index targets the smoothing term is weighted and averaged the
///     way PyTorch does).
///   - reduction: ``LossReduction/mean`` divides by the number of counted targets (the sum of their
///     class weights when weighted).
public func crossEntropy(
    logits: Tensor, targets: Tensor, classWeights: Tensor? = nil, ignoreIndex: Int = -100,
    labelSmoothing: Double = 0, reduction: LossReduction = .mean
) -> Tensor {
    precondition(logits.dtype.isFloatingPoint, "crossEntropy: logits must be floating point, not \(logits.dtype)")
    precondition(
        (0...1).contains(labelSmoothing), "crossEntropy: labelSmoothing must be in [0, 1], got \(labelSmoothing)")
    let classAxis = logits.rank == 1 ? 0 : 1
    let classes = logits.shape[classAxis]
    let logProbabilities = logSoftmax(logits, axis: classAxis)
    let weights = classWeights.map {
        classWeightsBroadcast($0, like: logits, classAxis: classAxis, loss: "crossEntropy")
    }

    if targets.dtype.isFloatingPoint {
        precondition(
            targets.shape == logits.shape,
            "crossEntropy: probability targets must have the logits' shape \(Shape.describe(logits.shape)), got \(Shape.describe(targets.shape))"
        )
        var distribution = targets.cast(logits.dtype)
        if labelSmoothing > 0 { distribution = distribution * (1 - labelSmoothing) + labelSmoothing / Double(classes) }
        var terms = logProbabilities * distribution
        if let weights { terms = terms * weights }
        let losses = -terms.sum(axis: classAxis)
        switch reduction {
        case .none: return losses
        case .sum: return losses.sum()
        case .mean: return losses.sum() / Double(Swift.max(logits.count / Swift.max(classes, 1), 1))
        }
    }

    let nll = nllLoss(
        logProbabilities: logProbabilities, targets: targets, classWeights: classWeights,
        ignoreIndex: ignoreIndex, reduction: reduction)
    guard labelSmoothing > 0 else { return nll }

    // PyTorch's smoothing term: −Σ_c w_c·log p_c per element, zero where ignored.
    let counted = countedMask(targets, ignoreIndex: ignoreIndex, dtype: logits.dtype)
    var terms = logProbabilities
    if let weights { terms = terms * weights }
    let smooth = -terms.sum(axis: classAxis) * counted
    let reducedSmooth: Tensor
    switch reduction {
    case .none: reducedSmooth = smooth
    case .sum: reducedSmooth = smooth.sum()
    case .mean:
        let denominator: Tensor
        if let weights {
            let oneHot = targetOneHot(targets, classes: classes, classAxis: classAxis, dtype: logits.dtype)
            denominator = ((oneHot * weights).sum(axis: classAxis) * counted).sum()
        } else {
            denominator = counted.sum()
        }
        reducedSmooth = smooth.sum() / denominator
    }
    return nll * (1 - labelSmoothing) + reducedSmooth * (labelSmoothing / Double(classes))
}

/// The negative log-likelihood of integer `targets` under `logProbabilities` (PyTorch's
/// `F.nll_loss`): `−w[t]·logProbabilities[…, t, …]` per element, 0 where the target is `ignoreIndex`.
///
/// - Parameters:
///   - logProbabilities: `[N, C]`, `[N, C, d1, …]` or `[C]` log-probabilities; the class axis is 1
///     (0 for rank 1).
///   - targets: Class indices in `0..<C` (or `ignoreIndex`), of the input's shape without the class axis.
///   - reduction: ``LossReduction/mean`` divides the sum by the total weight of the counted targets
///     (their number without `classWeights`); it is NaN when every target is ignored, as in PyTorch.
public func nllLoss(
    logProbabilities: Tensor, targets: Tensor, classWeights: Tensor? = nil, ignoreIndex: Int = -100,
    reduction: LossReduction = .mean
) -> Tensor {
    let input = logProbabilities
    precondition(input.rank >= 1, "nllLoss: input must have a class axis, got shape \(Shape.describe(input.shape))")
    precondition(targets.dtype.isInteger, "nllLoss: targets must be integer class indices, not \(targets.dtype)")
    let classAxis = input.rank == 1 ? 0 : 1
    let classes = input.shape[classAxis]
    var expectedShape = input.shape
    expectedShape.remove(at: classAxis)
    precondition(
        targets.shape == expectedShape,
        "nllLoss: expected targets of shape \(Shape.describe(expectedShape)) for input of shape \(Shape.describe(input.shape)), got \(Shape.describe(targets.shape))"
    )
    for target in targets.doubles where target != Double(ignoreIndex) {
        precondition(
            target >= 0 && target < Double(classes),
            "nllLoss: target \(Int(target)) is out of bounds for \(classes) classes")
    }
    let counted = countedMask(targets, ignoreIndex: ignoreIndex, dtype: input.dtype)
    let oneHot = targetOneHot(targets, classes: classes, classAxis: classAxis, dtype: input.dtype)
    var elementWeights = counted
    if let classWeights {
        let weights = classWeightsBroadcast(classWeights, like: input, classAxis: classAxis, loss: "nllLoss")
        elementWeights = (oneHot * weights).sum(axis: classAxis) * counted
    }
    let losses = -(input * oneHot).sum(axis: classAxis) * elementWeights
    switch reduction {
    case .none: return losses
    case .sum: return losses.sum()
    case .mean: return losses.sum() / elementWeights.sum()
    }
}

/// The mean squared error `(input − target)²` (PyTorch's `F.mse_loss`); shapes broadcast.
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: LossReduction = .mean) -> Tensor {
    reduceLoss((input - target.cast(input.dtype)).square(), reduction)
}

/// Binary cross-entropy of `targets` in [0, 1] against `sigmoid(logits)`, computed stably from the
/// logits (PyTorch's `F.binary_cross_entropy_with_logits`):
/// `(1 − y)·x + (1 + (posWeight − 1)·y)·softplus(−x)`, times `weight`.
///
/// - Parameters:
///   - weight: A rescaling weight broadcast against the elementwise loss, if any.
///   - positiveWeight: A weight of the positive term, broadcast along the last (class) axis, if any.
public func binaryCrossEntropyWithLogits(
    logits: Tensor, targets: Tensor, weight: Tensor? = nil, positiveWeight: Tensor? = nil,
    reduction: LossReduction = .mean
) -> Tensor {
    precondition(
        logits.dtype.isFloatingPoint, "binaryCrossEntropyWithLogits: logits must be floating point, not \(logits.dtype)"
    )
    let y = targets.cast(logits.dtype)
    let negativeLogSigmoid = (-logits).softplus()
    var losses: Tensor
    if let positiveWeight {
        losses = (1 - y) * logits + (1 + (positiveWeight.cast(logits.dtype) - 1) * y) * negativeLogSigmoid
    } else {
        losses = (1 - y) * logits + negativeLogSigmoid
    }
    if let weight { losses = losses * weight.cast(logits.dtype) }
    return reduceLoss(losses, reduction)
}

// MARK: Helpers

func reduceLoss(_ losses: Tensor, _ reduction: LossReduction) -> Tensor {
    switch reduction {
    case .none: losses
    case .sum: losses.sum()
    case .mean: losses.mean()
    }
}

/// 1 where `targets` counts, 0 where it is `ignoreIndex`, in `dtype`.
private func countedMask(_ targets: Tensor, ignoreIndex: Int, dtype: DType) -> Tensor {
    (targets .!= Tensor.full([], Double(ignoreIndex), dtype: targets.dtype)).cast(to: dtype)
}

/// One-hot rows of the targets along the class axis; an out-of-range target (an ignored one) gives zeros.
private func targetOneHot(_ targets: Tensor, classes: Int, classAxis: Int, dtype: DType) -> Tensor {
    Tensor.oneHot(targets, depth: classes, axis: classAxis, dtype: dtype)
}

/// `[C]` class weights shaped to broadcast along the class axis of `like`.
private func classWeightsBroadcast(_ weights: Tensor, like input: Tensor, classAxis: Int, loss: String) -> Tensor {
    let classes = input.shape[classAxis]
    precondition(
        weights.shape == [classes],
        "\(loss): classWeights must have shape [\(classes)], got \(Shape.describe(weights.shape))")
    var shape = [Int](repeating: 1, count: input.rank)
    shape[classAxis] = classes
    return weights.cast(input.dtype).reshaped(shape)
}
