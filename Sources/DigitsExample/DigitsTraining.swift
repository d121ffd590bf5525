import Foundation
import Lumen

/// Settings of one training run.
public struct TrainingConfiguration: Sendable {
    public var model: DigitsModel
    public var epochs: Int
    public var seed: UInt64
    public var batchSize: Int
    public var learningRate: Double
    public var momentum: Double

    public init(
        model: DigitsModel, epochs: Int = 20, seed: UInt64 = 0, batchSize: Int = 64,
        learningRate: Double = 0.05, momentum: Double = 0.9
    ) {
        self.model = model
        self.epochs = epochs
        self.seed = seed
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.momentum = momentum
    }
}

/// What the trainer reports as it goes.
public enum TrainingEvent {
    /// After each optimizer step.
    case step(epoch: Int, batch: Int, batches: Int, loss: Double, examplesPerSecond: Double)
    /// After each epoch, with the test accuracy.
    case epoch(epoch: Int, meanLoss: Double, testAccuracy: Double, seconds: Double)
}

/// Trains a digits model with SGD on cross-entropy: the example's whole training loop.
public final class DigitsTrainer {
    public let configuration: TrainingConfiguration
    public let data: DigitsData
    public let network: Sequential
    public let optimizer: SGD
    /// Cosine annealing from the configured learning rate to 0 over the run, stepped per epoch.
    public let scheduler: CosineAnnealingLR
    private let loader: DataLoader<TensorDataset>

    public init(configuration: TrainingConfiguration, data: DigitsData) {
        self.configuration = configuration
        self.data = data
        var generator = RandomGenerator(seed: configuration.seed)
        network = configuration.model.make(generator: &generator)
        optimizer = SGD(
            network.parameters(), learningRate: configuration.learningRate, momentum: configuration.momentum)
        scheduler = CosineAnnealingLR(optimizer, tMax: max(configuration.epochs, 1))
        loader = DataLoader(
            data.train, batchSize: configuration.batchSize, shuffle: true, seed: configuration.seed &+ 1)
    }

    /// One optimizer step on a batch; returns the loss before the step.
    @discardableResult
    public func step(inputs: Tensor, targets: Tensor) throws -> Double {
        let logits = network(configuration.model.prepare(inputs))
        let loss = crossEntropy(logits: logits, targets: targets)
        optimizer.zeroGrad()
        try loss.backward()
        optimizer.step()
        return loss.item(as: Double.self)
    }

    /// Trains for the configured epochs, reporting progress to `report`.
    public func train(_ report: (TrainingEvent) -> Void) throws {
        let batches = loader.count
        for epoch in 1...max(configuration.epochs, 1) where configuration.epochs > 0 {
            network.train()
            let start = Date()
            var total = 0.0, seen = 0
            for (index, batch) in loader.enumerated() {
                let loss = try step(inputs: batch.inputs, targets: batch.targets)
                total += loss * Double(batch.inputs.shape[0])
                seen += batch.inputs.shape[0]
                let elapsed = max(Date().timeIntervalSince(start), 1e-9)
                report(
                    .step(
                        epoch: epoch, batch: index + 1, batches: batches, loss: loss,
                        examplesPerSecond: Double(seen) / elapsed))
            }
            scheduler.step()
            report(
                .epoch(
                    epoch: epoch, meanLoss: total / Double(max(seen, 1)), testAccuracy: accuracy(on: data.test),
                    seconds: Date().timeIntervalSince(start)))
        }
    }

    /// The fraction of `dataset` classified correctly, in eval mode without gradients.
    public func accuracy(on dataset: TensorDataset) -> Double {
        network.eval()
        defer { network.train() }
        return noGrad {
            let logits = network(configuration.model.prepare(dataset.inputs))
            let predictions = logits.argmax(axis: 1)
            let correct = (predictions .== dataset.targets).cast(.float64).sum().item(as: Double.self)
            return correct / Double(dataset.count)
        }
    }
}
