/// Scales the learning rate by a factor that moves linearly from `startFactor` to `endFactor`
/// over `totalIters` epochs and then stays there (PyTorch's `LinearLR`): a linear warm-up with
/// the defaults, or a linear decay with `endFactor < startFactor`.
/// The rate is `base · (startFactor + (endFactor − startFactor) · min(epoch, totalIters) / totalIters)`.
public final class LinearLR: LearningRateScheduler {
    public let optimizer: any Optimizer
    public let baseLearningRate: Double
    public private(set) var epoch = 0
    /// The factor at epoch 0, in (0, 1].
    public let startFactor: Double
    /// The factor from epoch `totalIters` on, in [0, 1].
    public let endFactor: Double
    /// The number of epochs the factor takes to reach `endFactor`.
    public let totalIters: Int

    /// Schedules `optimizer`'s learning rate, starting from its current value.
    public init(_ optimizer: any Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1, totalIters: Int = 5) {
        precondition(
            startFactor > 0 && startFactor <= 1,
            "LinearLR: startFactor must be greater than 0 and at most 1, got \(startFactor)")
        precondition(endFactor >= 0 && endFactor <= 1, "LinearLR: endFactor must be in [0, 1], got \(endFactor)")
        precondition(totalIters > 0, "LinearLR: totalIters must be positive, got \(totalIters)")
        self.optimizer = optimizer
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.totalIters = totalIters
        baseLearningRate = optimizer.learningRate
        applyLearningRate()
    }

    public func learningRate(atEpoch epoch: Int, baseLearningRate: Double) -> Double {
        baseLearningRate
            * (startFactor + (endFactor - startFactor) * Double(min(totalIters, epoch)) / Double(totalIters))
    }

    public func step() {
        epoch += 1
        applyLearningRate()
    }
}
