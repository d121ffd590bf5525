import Foundation
import Lumen

/// Eager training steps (forward, backward, SGD step) against PyTorch's, measured by
/// `bench/torch_reference.py` in the same session with the same thread count.
enum TrainingBenchmarks {
    /// One benchmarked training problem: a model, a batch and its targets.
    struct Problem {
        let name: String
        let model: Module
        let input: Tensor
        let targets: Tensor
        let aim: String
    }

    /// The MLP 64→256→256→10 and the digits CNN, batch 64, seeded.
    static func problems() -> [Problem] {
        var generator = RandomGenerator(seed: 0)
        let mlp = Sequential(
            Linear(inFeatures: 64, outFeatures: 256, generator: &generator), ReLU(),
            Linear(inFeatures: 256, outFeatures: 256, generator: &generator), ReLU(),
            Linear(inFeatures: 256, outFeatures: 10, generator: &generator))
        let x = Tensor.normal([64, 64], using: &generator)
        let y = Tensor((0..<64).map { Int64($0 % 10) }, shape: [64])
        let cnn = Sequential(
            Conv2d(
                inChannels: 1, outChannels: 16, kernelSize: (3, 3), padding: .symmetric(1, 1), generator: &generator),
            ReLU(),
            Conv2d(
                inChannels: 16, outChannels: 32, kernelSize: (3, 3), padding: .symmetric(1, 1), generator: &generator),
            ReLU(),
            MaxPool2d(kernelSize: (2, 2)), Flatten(),
            Linear(inFeatures: 512, outFeatures: 10, generator: &generator))
        let images = Tensor.normal([64, 1, 8, 8], using: &generator)
        return [
            Problem(name: "mlp-step", model: mlp, input: x, targets: y, aim: ">=1.5"),
            Problem(name: "cnn-step", model: cnn, input: images, targets: y, aim: ">=0.7"),
        ]
    }

    static func runAll(reference: [String: Double]) {
        for problem in problems() {
            report(
                problem.name, model: problem.model, input: problem.input, targets: problem.targets,
                reference: reference[problem.name], aim: problem.aim)
        }
    }

    /// Runs `steps` untimed training steps of the problem `name`, for profilers (`--profile`).
    static func profile(_ name: String, steps: Int) {
        guard let problem = problems().first(where: { $0.name == name }) else { fail("no training problem \(name)") }
        let optimizer = SGD(problem.model.parameters(), learningRate: 0.01)
        for _ in 0..<steps { step(problem.model, optimizer, problem.input, problem.targets) }
    }

    /// One training step: forward, backward, SGD step.
    static func step(_ model: Module, _ optimizer: SGD, _ input: Tensor, _ targets: Tensor) {
        optimizer.zeroGrad()
        let loss = crossEntropy(logits: model(input), targets: targets)
        try? loss.backward()
        optimizer.step()
    }

    static func report(_ name: String, model: Module, input: Tensor, targets: Tensor, reference: Double?, aim: String) {
        let optimizer = SGD(model.parameters(), learningRate: 0.01)
        let seconds = Measure.secondsPerIteration(iterations: 200) { step(model, optimizer, input, targets) }
        let ours = format(seconds * 1e3, " ms", digits: 3)
        if let reference {
            lumen_bench.report(
                name, ours: ours, reference: format(reference * 1e3, " ms (PyTorch eager)", digits: 3),
                ratio: reference / seconds, aim: aim)
        } else {
            print("\(name): ours=\(ours) ref=unmeasured (run bench/run to measure PyTorch) aim=\(aim)")
        }
    }
}
