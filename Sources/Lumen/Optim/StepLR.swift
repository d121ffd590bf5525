/// Multiplies the learning rate by `gamma` every `stepSize` epochs (PyTorch's `StepLR`):
/// `base · gamma^⌊epoch / stepSize⌋`.
public final class StepLR: LearningRateScheduler {
    public let optimizer: any Optimizer
    public let baseLearningRate: Double
    public private(set) var epoch = 0
    /// The number of epochs between decays.
    public let stepSize: Int
    /// The factor applied at each decay.
    public let gamma: Double

    /// Schedules `optimizer`'s learning rate, starting from its current value.
    public init(_ optimizer: any Optimizer, stepSize: Int, gamma: Double = 0.1) {
        precondition(stepSize > 0, "StepLR: stepSize must be positive, got \(stepSize)")
        self.optimizer = optimizer
        self.stepSize = stepSize
        self.gamma = gamma
        baseLearningRate = optimizer.learningRate
        applyLearningRate()
    }

    public func learningRate(atEpoch epoch: Int, baseLearningRate: Double) -> Double {
        baseLearningRate * Double.power(gamma, Double(epoch / stepSize))
    }

    public func step() {
        epoch += 1
        applyLearningRate()
    }
}
