/// Multiplies the learning rate by `gamma` at each milestone epoch (PyTorch's `MultiStepLR`):
/// `base · gamma^(milestones ≤ epoch)`. A milestone listed twice applies `gamma` twice.
public final class MultiStepLR: LearningRateScheduler {
    public let optimizer: any Optimizer
    public let baseLearningRate: Double
    public private(set) var epoch = 0
    /// The epochs at which the rate decays, sorted.
    public let milestones: [Int]
    /// The factor applied at each milestone.
    public let gamma: Double

    /// Schedules `optimizer`'s learning rate, starting from its current value.
    public init(_ optimizer: any Optimizer, milestones: [Int], gamma: Double = 0.1) {
        self.optimizer = optimizer
        self.milestones = milestones.sorted()
        self.gamma = gamma
        baseLearningRate = optimizer.learningRate
        applyLearningRate()
    }

    public func learningRate(atEpoch epoch: Int, baseLearningRate: Double) -> Double {
        baseLearningRate * Double.power(gamma, Double(milestones.count { $0 <= epoch }))
    }

    public func step() {
        epoch += 1
        applyLearningRate()
    }
}
