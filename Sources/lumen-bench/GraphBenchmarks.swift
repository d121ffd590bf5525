import Foundation
import Lumen

/// Graph-mode figures against TensorFlow 1 graph mode (`bench/tf_reference.py`, same session):
/// `session-run`, the overhead of one `Session.run` on a tiny fed graph (two placeholders added, the
/// sum fetched, two 4-element tensors fed), and `graph-mlp-steps`, graph-mode training steps per second
/// of a 784→256→10 MLP, batch 64, with `GradientDescentOptimizer`.
enum GraphBenchmarks {
    static func runAll(reference: [String: Double]) {
        sessionRun(reference: reference["session-run"])
        mlpSteps(reference: reference["graph-mlp-step"])
    }

    static func sessionRun(reference: Double?) {
        let graph = Graph()
        let (a, b, sum) = trappingBench {
            try graph.asDefault {
                let a = try placeholder(.float32, shape: [4], name: "a")
                let b = try placeholder(.float32, shape: [4], name: "b")
                return (a, b, a + b)
            }
        }
        let session = Session(graph: graph)
        let feeds = [a: Tensor([1, 2, 3, 4] as [Float]), b: Tensor([5, 6, 7, 8] as [Float])]
        let seconds = Measure.secondsPerIteration(
            iterations: Measure.iterations { _ = try? session.run(sum, feeds: feeds) }
        ) {
            _ = try? session.run(sum, feeds: feeds)
        }
        let ours = format(seconds * 1e6, " µs", digits: 1)
        if let reference {
            report(
                "session-run", ours: ours, reference: format(reference * 1e6, " µs (TensorFlow 1 graph)", digits: 1),
                ratio: reference / seconds, aim: ">=10")
        } else {
            print("session-run: ours=\(ours) ref=unmeasured (run bench/run to measure TensorFlow) aim=>=10")
        }
    }

    static func mlpSteps(reference: Double?) {
        var generator = RandomGenerator(seed: 0)
        let graph = Graph()
        let (x, y, train) = trappingBench {
            try graph.asDefault {
                let x = try placeholder(.float32, shape: [-1, 784], name: "x")
                let y = try placeholder(.int64, shape: [-1], name: "y")
                let w1 = try Variable(Tensor.normal([784, 256], std: 0.05, using: &generator), name: "w1")
                let b1 = try Variable(Tensor.zeros([256]), name: "b1")
                let w2 = try Variable(Tensor.normal([256, 10], std: 0.05, using: &generator), name: "w2")
                let b2 = try Variable(Tensor.zeros([10]), name: "b2")
                let logits = (x.matmul(w1.value) + b1.value).relu().matmul(w2.value) + b2.value
                let onehot = try graph.apply("OneHot", [y], attributes: ["depth": 10, "dtype": .dtype(.float32)])
                let loss = -((onehot * logits.logSoftmax()).sum(axes: [1])).mean(name: "loss")
                return (x, y, try GradientDescentOptimizer(learningRate: 0.01).minimize(loss))
            }
        }
        let session = Session(graph: graph)
        trappingBench { try session.run(graph.globalVariablesInitializer()) }
        let feeds = [
            x: Tensor.normal([64, 784], using: &generator), y: Tensor((0..<64).map { Int64($0 % 10) }, shape: [64]),
        ]
        let seconds = Measure.secondsPerIteration(iterations: 200) { _ = try? session.run(train, feeds: feeds) }
        let ours = format(1 / seconds, " steps/s", digits: 0)
        if let reference {
            report(
                "graph-mlp-steps", ours: ours,
                reference: format(1 / reference, " steps/s (TensorFlow 1 graph)", digits: 0),
                ratio: reference / seconds, aim: ">=1.5")
        } else {
            print("graph-mlp-steps: ours=\(ours) ref=unmeasured (run bench/run to measure TensorFlow) aim=>=1.5")
        }
    }

    private static func trappingBench<T>(_ body: () throws -> T) -> T {
        do { return try body() } catch { fatalError("graph benchmark setup failed: \(error)") }
    }
}
