import RealModule

/// Anneals the learning rate from its base to `etaMin` along half a cosine over `tMax` epochs
/// (PyTorch's `CosineAnnealingLR`, without restarts):
/// `etaMin + (base − etaMin) · (1 + cos(π · epoch / tMax)) / 2`.
///
/// Past `tMax` the cosine continues, so the rate rises again, as PyTorch's does.
public final class CosineAnnealingLR: LearningRateScheduler {
    public let optimizer: any Optimizer
    public let baseLearningRate: Double
    public private(set) var epoch = 0
    /// The number of epochs from the base rate to the minimum.
    public let tMax: Int
    /// The minimum learning rate.
    public let etaMin: Double

    /// Schedules `optimizer`'s learning rate, starting from its current value.
    public init(_ optimizer: any Optimizer, tMax: Int, etaMin: Double = 0) {
        precondition(tMax > 0, "CosineAnnealingLR: tMax must be positive, got \(tMax)")
        self.optimizer = optimizer
        self.tMax = tMax
        self.etaMin = etaMin
        baseLearningRate = optimizer.learningRate
        applyLearningRate()
    }

    public func learningRate(atEpoch epoch: Int, baseLearningRate: Double) -> Double {
        etaMin + (baseLearningRate - etaMin) * (1 + Double.cos(Double.pi * Double(epoch) / Double(tMax))) / 2
    }

    public func step() {
        epoch += 1
        applyLearningRate()
    }
}
