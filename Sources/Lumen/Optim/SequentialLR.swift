/// Runs schedules one after another, switching at milestone epochs (PyTorch's `SequentialLR`):
/// a warm-up followed by a decay, for example.
///
/// ```swift
/// let warmUp = LinearLR(optimizer, startFactor: 0.1, totalIters: 5)
/// let decay = CosineAnnealingLR(optimizer, tMax: 95)
/// let scheduler = SequentialLR(optimizer, schedulers: [warmUp, decay], milestones: [5])
/// ```
///
/// Schedule `i` runs from milestone `i − 1` (epoch 0 for the first), restarted at its own epoch 0
/// there, and every schedule starts from the first one's base rate. Step only the `SequentialLR`.
public final class SequentialLR: LearningRateScheduler {
    public let optimizer: any Optimizer
    public let baseLearningRate: Double
    public private(set) var epoch = 0
    /// The schedules, in the order they run.
    public let schedulers: [any LearningRateScheduler]
    /// The epochs at which each schedule after the first takes over.
    public let milestones: [Int]

    /// Runs `schedulers` on `optimizer` (which they must all schedule), switching at `milestones`
    /// (one fewer than the schedulers, in increasing order).
    public init(_ optimizer: any Optimizer, schedulers: [any LearningRateScheduler], milestones: [Int]) {
        precondition(!schedulers.isEmpty, "SequentialLR: needs at least one scheduler")
        precondition(
            milestones.count == schedulers.count - 1,
            "SequentialLR: needs one milestone fewer than schedulers, got \(schedulers.count) schedulers and \(milestones.count) milestones"
        )
        precondition(
            zip(milestones, milestones.dropFirst()).allSatisfy { $0 <= $1 },
            "SequentialLR: milestones must be in increasing order, got \(milestones)")
        for (index, scheduler) in schedulers.enumerated() {
            precondition(
                scheduler.optimizer === optimizer,
                "SequentialLR: scheduler \(index) (\(type(of: scheduler))) schedules a different optimizer")
        }
        self.optimizer = optimizer
        self.schedulers = schedulers
        self.milestones = milestones
        baseLearningRate = schedulers[0].baseLearningRate
        applyLearningRate()
    }

    public func learningRate(atEpoch epoch: Int, baseLearningRate: Double) -> Double {
        let index = milestones.count { $0 <= epoch }
        let start = index == 0 ? 0 : milestones[index - 1]
        return schedulers[index].learningRate(atEpoch: epoch - start, baseLearningRate: baseLearningRate)
    }

    public func step() {
        epoch += 1
        applyLearningRate()
    }
}
