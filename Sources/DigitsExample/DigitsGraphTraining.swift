import Foundation
import Lumen

/// Trains the digits MLP the TensorFlow 1 way: a ``Graph`` with placeholders `x` `[?,64]` and `y`
/// `[?]`, variables, a cross-entropy loss, `MomentumOptimizer.minimize`, and a ``Session`` fed batch
/// by batch.
///
/// The weights start from the same PyTorch-style initialization as eager mode (the eager network built
/// from the same seed gives the Variables' initial values), the batches come in the same order, and
/// the learning rate follows the same cosine schedule (fed to the `learning_rate` placeholder each
/// epoch), so both modes train the same model.
public final class DigitsGraphTrainer {
    public let configuration: TrainingConfiguration
    public let data: DigitsData
    /// The graph: `x`, `y`, `layer{1,2,3}/{w,b}`, `loss`, `accuracy`, `Momentum`, summaries.
    public let graph = Graph()
    public let session: Session
    /// Inputs `[?,64]` float32 and labels `[?]` int64.
    public let x: GraphTensor, y: GraphTensor
    /// The learning rate, fed at every step.
    public let learningRate: GraphTensor
    public let loss: GraphTensor, accuracy: GraphTensor
    /// The `Momentum` train op.
    public let trainOp: GraphOperation
    /// `Merge/MergeSummary`: the loss scalar and the weight histograms, serialized `Summary` bytes.
    public let summaries: GraphTensor?
    public let variables: [Variable]
    private let loader: DataLoader<TensorDataset>

    public enum GraphModeError: Error, CustomStringConvertible {
        case unsupportedModel(DigitsModel)
        public var description: String {
            switch self {
            case .unsupportedModel(let model): "graph mode trains the mlp model, not \(model.rawValue)"
            }
        }
    }

    public init(configuration: TrainingConfiguration, data: DigitsData) throws {
        guard configuration.model == .mlp else { throw GraphModeError.unsupportedModel(configuration.model) }
        self.configuration = configuration
        self.data = data
        var generator = RandomGenerator(seed: configuration.seed)
        // Linear layers keep weight [out, in] and bias [out]; the graph multiplies x [?, in] by wᵀ.
        let initial = configuration.model.make(generator: &generator).parameters().map(\.detached)
        let graph = self.graph
        let built = try graph.asDefault {
            let x = try placeholder(.float32, shape: [-1, 64], name: "x")
            let y = try placeholder(.int64, shape: [-1], name: "y")
            let learningRate = try placeholder(.float32, shape: [], name: "learning_rate")
            var h = x
            var variables: [Variable] = []
            for layer in 0..<3 {
                h = try withNameScope("layer\(layer + 1)") {
                    let w = try Variable(initial[2 * layer].transposed(), name: "w")
                    let b = try Variable(initial[2 * layer + 1], name: "b")
                    variables += [w, b]
                    let z = h.matmul(w.value) + b.value
                    return layer < 2 ? z.relu() : z
                }
            }
            let logits = h
            let loss = try withNameScope("loss") {
                let onehot = try graph.apply("OneHot", [y], attributes: ["depth": 10, "dtype": .dtype(.float32)])
                return -((onehot * logits.logSoftmax()).sum(axes: [1])).mean(name: "loss")
            }
            let accuracy = withNameScope("accuracy") {
                (logits.argmax(axis: 1) .== y).cast(.float32).mean(name: "accuracy")
            }
            let trainOp = try MomentumOptimizer(learningRate: learningRate, momentum: configuration.momentum).minimize(
                loss)
            try graph.summary.scalar("loss", loss)
            for v in variables where v.name.hasSuffix("/w") { try graph.summary.histogram(v.name, v.value) }
            return (x, y, learningRate, loss, accuracy, trainOp, variables)
        }
        (x, y, learningRate, loss, accuracy, trainOp, variables) = built
        summaries = try graph.summary.mergeAll()
        session = Session(graph: graph)
        try session.run(graph.globalVariablesInitializer())
        loader = DataLoader(
            data.train, batchSize: configuration.batchSize, shuffle: true, seed: configuration.seed &+ 1)
    }

    /// The learning rate of `epoch` (1-based): cosine annealing from the configured rate to 0, as
    /// eager mode's `CosineAnnealingLR` stepped per epoch.
    public func learningRate(epoch: Int) -> Double {
        let tMax = Double(max(configuration.epochs, 1))
        return configuration.learningRate * (1 + Foundation.cos(Double.pi * Double(epoch - 1) / tMax)) / 2
    }

    /// One training step on a batch; returns the loss before the step.
    @discardableResult
    public func step(inputs: Tensor, targets: Tensor, learningRate rate: Double) throws -> Double {
        let feeds = [x: inputs, y: targets, learningRate: Tensor(Float(rate))]
        let values = try session.run([loss], feeds: feeds, targets: [trainOp])
        return values[0].item(as: Double.self)
    }

    /// Trains for the configured epochs, reporting as eager mode's ``DigitsTrainer/train(_:)`` does.
    public func train(_ report: (TrainingEvent) -> Void) throws {
        let batches = loader.count
        for epoch in 1...max(configuration.epochs, 1) where configuration.epochs > 0 {
            let start = Date()
            let rate = learningRate(epoch: epoch)
            var total = 0.0, seen = 0
            for (index, batch) in loader.enumerated() {
                let loss = try step(inputs: batch.inputs, targets: batch.targets, learningRate: rate)
                total += loss * Double(batch.inputs.shape[0])
                seen += batch.inputs.shape[0]
                let elapsed = max(Date().timeIntervalSince(start), 1e-9)
                report(
                    .step(
                        epoch: epoch, batch: index + 1, batches: batches, loss: loss,
                        examplesPerSecond: Double(seen) / elapsed))
            }
            report(
                .epoch(
                    epoch: epoch, meanLoss: total / Double(max(seen, 1)), testAccuracy: try accuracy(on: data.test),
                    seconds: Date().timeIntervalSince(start)))
        }
    }

    /// The fraction of `dataset` classified correctly.
    public func accuracy(on dataset: TensorDataset) throws -> Double {
        try session.run(accuracy, feeds: [x: dataset.inputs, y: dataset.targets]).item(as: Double.self)
    }

    /// The serialized summaries (loss, weight histograms) for a batch, for a summary writer.
    public func summaryBytes(inputs: Tensor, targets: Tensor) throws -> Data? {
        guard let summaries else { return nil }
        return try session.run(summaries, feeds: [x: inputs, y: targets]).summaryBytes
    }

    /// The number of trained parameters.
    public var parameterCount: Int { variables.reduce(0) { $0 + $1.shape.reduce(1, *) } }
}
