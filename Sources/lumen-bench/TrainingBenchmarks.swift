import Foundation
import Lumen

/// Eager training steps (forward, backward, SGD step) against PyTorch's, measured by
/// `bench/torch_reference.py` in the same session with the same thread count.
enum TrainingBenchmarks {
    static func runAll(reference: [String: Double]) {
        var generator = RandomGenerator(seed: 0)
        let mlp = Sequential(
            Linear(inFeatures: 64, outFeatures: 256, generator: &generator), ReLU(),
            Linear(inFeatures: 256, outFeatures: 256, generator: &generator), ReLU(),
            Linear(inFeatures: 256, outFeatures: 10, generator: &generator))
        let x = Tensor.normal([64, 64], using: &generator)
        let y = Tensor((0..<64).map { Int64($0 % 10) }, shape: [64])
        report("mlp-step", model: mlp, input: x, targets: y, reference: reference["mlp-step"], aim: ">=1.5")

        let cnn = Sequential(
            Conv2d(inChannels: 1, outChannels: 16, kernelSize: (3, 3), padding: .symmetric(1, 1), generator: &generator), ReLU(),
            Conv2d(inChannels: 16, outChannels: 32, kernelSize: (3, 3), padding: .symmetric(1, 1), generator: &generator), ReLU(),
            MaxPool2d(kernelSize: (2, 2)), Flatten(),
            Linear(inFeatures: 512, outFeatures: 10, generator: &generator))
        let images = Tensor.normal([64, 1, 8, 8], using: &generator)
        report("cnn-step", model: cnn, input: images, targets: y, reference: reference["cnn-step"], aim: ">=0.7")
    }

    static func report(_ name: String, model: Module, input: Tensor, targets: Tensor, reference: Double?, aim: String) {
        let optimizer = SGD(model.parameters(), learningRate: 0.01)
        let seconds = Measure.secondsPerIteration(iterations: 200) {
            optimizer.zeroGrad()
            let loss = crossEntropy(logits: model(input), targets: targets)
            try? loss.backward()
            optimizer.step()
        }
        let ours = format(seconds * 1e3, " ms", digits: 3)
        if let reference {
            lumen_bench.report(name, ours: ours, reference: format(reference * 1e3, " ms (PyTorch eager)", digits: 3),
                               ratio: reference / seconds, aim: aim)
        } else {
            print("\(name): ours=\(ours) ref=unmeasured (run bench/run to measure PyTorch) aim=\(aim)")
        }
    }
}
