import DigitsExample
import Foundation
import Lumen
import LumenTestSupport
import Testing

/// Graph mode (TensorFlow 1 style) trains the same model as eager mode: from the same seed, on the same
/// batches, the losses of 20 momentum steps agree with eager mode's (whose losses match PyTorch's, see
/// DigitsParityTests), and the exported GraphDef names the example's ops.
@Suite struct DigitsGraphModeTests {
    @Test func graphModeStepsMatchEagerMode() throws {
        let data = try DigitsData(url: Repository.root.appendingPathComponent("fixtures/digits/digits.u8"))
        let configuration = TrainingConfiguration(model: .mlp, seed: 3)
        let eager = DigitsTrainer(configuration: configuration, data: data)
        let graph = try DigitsGraphTrainer(configuration: configuration, data: data)
        let loader = DataLoader(data.train, batchSize: 64, shuffle: true, dropLast: true, seed: 11)
        var eagerLosses: [Double] = [], graphLosses: [Double] = []
        for batch in loader.prefix(20) {
            eagerLosses.append(try eager.step(inputs: batch.inputs, targets: batch.targets))
            graphLosses.append(
                try graph.step(inputs: batch.inputs, targets: batch.targets, learningRate: configuration.learningRate))
        }
        for (i, (a, b)) in zip(graphLosses, eagerLosses).enumerated() {
            #expect(abs(a - b) <= 1e-5 * abs(b), "step \(i): graph \(a), eager \(b)")
        }
        #expect(graphLosses.count == 20 && graphLosses.last! < graphLosses.first! * 0.95)
        // The same accuracy on the test set after those steps, up to an image on a decision boundary
        // (the two modes sum in different orders, so logits differ in the last bits).
        let graphAccuracy = try graph.accuracy(on: data.test), eagerAccuracy = eager.accuracy(on: data.test)
        #expect(
            abs(graphAccuracy - eagerAccuracy) <= 1.5 / Double(data.test.count),
            "graph \(graphAccuracy), eager \(eagerAccuracy)")
        // The learning-rate schedule is eager mode's cosine annealing.
        #expect(graph.learningRate(epoch: 1) == configuration.learningRate)
        #expect(abs(graph.learningRate(epoch: 11) - configuration.learningRate / 2) < 1e-12)
        // The GraphDef has the placeholders, the optimizer and the summaries.
        let def = graph.graph.graphDef()
        let ops = Dictionary(def.node.map { ($0.name, $0.op) }, uniquingKeysWith: { a, _ in a })
        #expect(ops["x"] == "Placeholder" && ops["y"] == "Placeholder" && ops["layer1/w"] == "VariableV2")
        #expect(ops["Momentum/update_layer1/w/ApplyMomentum"] == "ApplyMomentum")
        #expect(ops["Merge/MergeSummary"] == "MergeSummary")
        let batch = try #require(loader.prefix(1).first { _ in true })
        let summary = try #require(try graph.summaryBytes(inputs: batch.inputs, targets: batch.targets))
        #expect(summary.count > 100)
    }
}
