/// Multiplies the learning rate by `gamma` every epoch (PyTorch's `ExponentialLR`):
/// `base · gamma^epoch`.
public final class ExponentialLR: LearningRateScheduler {
    public let optimizer: any Optimizer
    public let baseLearningRate: Double
    public private(set) var epoch = 0
    /// The factor applied each epoch.
    public let gamma: Double

    /// Schedules `optimizer`'s learning rate, starting from its current value.
    public init(_ optimizer: any Optimizer, gamma: Double) {
        self.optimizer = optimizer
        self.gamma = gamma
        baseLearningRate = optimizer.learningRate
        applyLearningRate()
    }

    public func learningRate(atEpoch epoch: Int, baseLearningRate: Double) -> Double {
        baseLearningRate * Double.power(gamma, Double(epoch))
    }

    public func step() {
        epoch += 1
        applyLearningRate()
    }
}
