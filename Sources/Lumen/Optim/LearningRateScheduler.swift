/// Sets an optimizer's learning rate epoch by epoch (PyTorch's `torch.optim.lr_scheduler`).
///
/// A scheduler takes the optimizer's learning rate when it is made as its base, sets the rate for
/// epoch 0 at once, and sets the next epoch's rate at each ``step()``:
///
/// ```swift
/// let optimizer = SGD(model.parameters(), learningRate: 0.1, momentum: 0.9)
/// let scheduler = CosineAnnealingLR(optimizer, tMax: 100)
/// for epoch in 0..<100 {
///     train(epoch)          // optimizer.step() per batch
///     scheduler.step()
/// }
/// ```
///
/// Every schedule is computed in PyTorch's closed form from the base rate and the epoch, which
/// equals the recursive form PyTorch's `step()` uses for an undisturbed schedule. One consequence:
/// two schedulers on one optimizer don't multiply (PyTorch's chaining); the last to step sets the
/// rate. Combine schedules over time with ``SequentialLR``.
public protocol LearningRateScheduler: AnyObject {
    /// The optimizer whose learning rate this scheduler sets.
    var optimizer: any Optimizer { get }

    /// The rate the schedule starts from: the optimizer's learning rate when the scheduler was made
    /// (PyTorch's `base_lrs`).
    var baseLearningRate: Double { get }

    /// The number of ``step()`` calls so far (PyTorch's `last_epoch`).
    var epoch: Int { get }

    /// The learning rate this schedule gives at `epoch` when it starts from `baseLearningRate`.
    func learningRate(atEpoch epoch: Int, baseLearningRate: Double) -> Double

    /// Advances one epoch and sets the optimizer's learning rate to the new epoch's.
    func step()
}

extension LearningRateScheduler {
    /// The learning rate of the current epoch: the one this scheduler last gave the optimizer
    /// (PyTorch's `get_last_lr()`).
    public var learningRate: Double { learningRate(atEpoch: epoch, baseLearningRate: baseLearningRate) }

    /// The learning rate this schedule gives at `epoch`, from ``baseLearningRate``.
    public func learningRate(atEpoch epoch: Int) -> Double {
        learningRate(atEpoch: epoch, baseLearningRate: baseLearningRate)
    }

    /// Gives the optimizer the current epoch's rate.
    func applyLearningRate() {
        optimizer.learningRate = learningRate
    }
}
