import Foundation
import Testing
@testable import Lumen

/// TensorFlow 1's optimizers in graph mode: each step against the update formulas computed by hand,
/// the slot and op names, the global step, and an MLP trained until its loss is small.
@Suite struct GraphTrainingTests {
    /// loss = Σ (w − t)², whose gradient is 2(w − t).
    private func quadratic(_ g: Graph) throws -> (w: Variable, loss: GraphTensor) {
        try g.asDefault {
            let w = try Variable(Tensor([1, -2, 3] as [Double]), name: "w")
            let t = try constant(Tensor([0.5, 0.5, 0.5] as [Double]), name: "t")
            return (w, (w.value - t).square().sum())
        }
    }

    private let start: [Double] = [1, -2, 3], target = 0.5

    private func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
    }

    @Test func gradientDescentStepsAndGlobalStep() throws {
        let g = Graph()
        let (w, loss) = try quadratic(g)
        let step = try Variable(Tensor(0 as Int64), name: "global_step", trainable: false, graph: g)
        let train = try GradientDescentOptimizer(learningRate: 0.1).minimize(loss, globalStep: step)
        #expect(train.name == "GradientDescent" && train.type == "AssignAdd")
        #expect(g.operation(named: "GradientDescent/update_w/ApplyGradientDescent")?.type == "ApplyGradientDescent")
        #expect(g.operation(named: "GradientDescent/update")?.type == "NoOp")
        #expect(g.operation(named: "GradientDescent/learning_rate")?.type == "Const")
        let session = Session(graph: g)
        try session.run(g.globalVariablesInitializer())
        var expected = start
        for _ in 0..<3 {
            try session.run(train)
            expected = expected.map { $0 - 0.1 * 2 * ($0 - target) }
        }
        #expect(close(try session.run(w).scalars(as: Double.self), expected))
        #expect(try session.run(step).item(as: Int64.self) == 3)
    }

    @Test(arguments: [ExecutionMode.sequential, .parallel])
    func gradientDescentStepRoundsAsTheTwoOpsOfItsFormula(mode: ExecutionMode) throws {
        // `var - alpha * delta` in one pass equals `Sub(var, Mul(alpha, delta))` bit for bit, on a
        // variable large enough to be split across workers.
        var generator = RandomGenerator(seed: 7)
        let initial = Tensor.normal([300, 200], using: &generator)
        let slope = Tensor.normal([300, 200], using: &generator)
        let g = Graph()
        let (w, loss) = try g.asDefault {
            let w = try Variable(initial, name: "w")
            return (w, (w.value * (try constant(slope, name: "slope"))).sum())
        }
        let train = try GradientDescentOptimizer(learningRate: 0.1).minimize(loss)
        let session = Session(graph: g, options: SessionOptions(execution: mode))
        try session.run(g.globalVariablesInitializer())
        var expected = initial
        for _ in 0..<2 {
            try session.run(train)
            expected = expected - slope * 0.1
        }
        #expect(try session.run(w).scalars(as: Float.self) == expected.scalars(as: Float.self))
    }

    @Test(arguments: [false, true])
    func momentumStepsMatchTheFormula(nesterov: Bool) throws {
        let g = Graph()
        let (w, loss) = try quadratic(g)
        let optimizer = MomentumOptimizer(learningRate: 0.1, momentum: 0.9, useNesterov: nesterov)
        let train = try optimizer.minimize(loss)
        #expect(train.name == "Momentum" && train.type == "NoOp")
        let slot = try #require(optimizer.slot("Momentum", for: w))
        #expect(slot.name == "w/Momentum" && !g.trainableVariables.contains(slot))
        #expect(g.operation(named: "Momentum/update_w/ApplyMomentum")?.type == "ApplyMomentum")
        let session = Session(graph: g)
        try session.run(g.globalVariablesInitializer())
        var value = start, accumulator = [Double](repeating: 0, count: 3)
        for _ in 0..<4 {
            try session.run(train)
            for i in 0..<3 {
                let gradient = 2 * (value[i] - target)
                accumulator[i] = accumulator[i] * 0.9 + gradient
                value[i] -= nesterov ? 0.1 * gradient + 0.1 * 0.9 * accumulator[i] : 0.1 * accumulator[i]
            }
        }
        #expect(close(try session.run(w).scalars(as: Double.self), value))
        #expect(close(try session.run(slot).scalars(as: Double.self), accumulator))
    }

    @Test func adamStepsMatchTheFormula() throws {
        let g = Graph()
        let (w, loss) = try quadratic(g)
        let optimizer = AdamOptimizer(learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        let train = try optimizer.minimize(loss)
        let m = try #require(optimizer.slot("Adam", for: w)), v = try #require(optimizer.slot("Adam_1", for: w))
        let (beta1Power, beta2Power) = try #require(optimizer.betaPowerVariables)
        #expect(
            m.name == "w/Adam" && v.name == "w/Adam_1" && beta1Power.name == "beta1_power"
                && beta2Power.name == "beta2_power")
        #expect(g.operation(named: "Adam/update_w/ApplyAdam")?.type == "ApplyAdam" && train.name == "Adam")
        let session = Session(graph: g)
        try session.run(g.globalVariablesInitializer())
        var value = start, first = [0.0, 0, 0], second = [0.0, 0, 0]
        for t in 1...5 {
            try session.run(train)
            let alpha = 0.1 * (1 - pow(0.999, Double(t))).squareRoot() / (1 - pow(0.9, Double(t)))
            for i in 0..<3 {
                let gradient = 2 * (value[i] - target)
                first[i] += (gradient - first[i]) * (1 - 0.9)
                second[i] += (gradient * gradient - second[i]) * (1 - 0.999)
                value[i] -= first[i] * alpha / (second[i].squareRoot() + 1e-8)
            }
        }
        #expect(close(try session.run(w).scalars(as: Double.self), value))
        #expect(close(try session.run(m).scalars(as: Double.self), first))
        #expect(close(try session.run(v).scalars(as: Double.self), second))
        #expect(close([try session.run(beta1Power).item(as: Double.self)], [pow(0.9, 6)]))
        #expect(close([try session.run(beta2Power).item(as: Double.self)], [pow(0.999, 6)]))
    }

    @Test func graphTrainingMatchesEagerGradientDescent() throws {
        // One GradientDescent step on the MLP equals w − lr·∇w from eager autograd.
        let (xValue, labelValue, parameters) = GraphGradientTests.problem(5, batch: 12, dtype: .float64)
        let g = Graph()
        let mlp = try GraphGradientTests.buildMLP(in: g, parameters, dtype: .float64)
        let train = try GradientDescentOptimizer(learningRate: 0.5).minimize(mlp.loss)
        let session = Session(graph: g)
        try session.run(g.globalVariablesInitializer())
        try session.run(train, feeds: [mlp.x: xValue, mlp.labels: labelValue])
        let leaves = parameters.map { $0.requiringGrad() }
        let logits = (xValue.matmul(leaves[0]) + leaves[1]).tanh().matmul(leaves[2]) + leaves[3]
        try (-((labelValue * logSoftmax(logits)).sum(axes: [1])).mean()).backward()
        for (variable, leaf) in zip(mlp.variables, leaves) {
            let expected = (leaf.detached - leaf.grad! * 0.5).scalars(as: Double.self)
            #expect(close(try session.run(variable).scalars(as: Double.self), expected))
        }
    }

    @Test func trainingInParallelGivesExactlyTheSequentialWeights() throws {
        let (xValue, labelValue, parameters) = GraphGradientTests.problem(8, batch: 16, dtype: .float32)
        let g = Graph()
        let mlp = try GraphGradientTests.buildMLP(in: g, parameters, dtype: .float32)
        let train = try AdamOptimizer(learningRate: 0.01).minimize(mlp.loss)
        let initializer = try g.globalVariablesInitializer()
        let weights = try [ExecutionMode.sequential, .parallel(interOpThreads: 4)].map { mode in
            let session = Session(graph: g, options: SessionOptions(execution: mode))
            try session.run(initializer)
            for _ in 0..<20 { try session.run(train, feeds: [mlp.x: xValue, mlp.labels: labelValue]) }
            return try session.run(mlp.variables).map { $0.scalars(as: Float.self) }
        }
        #expect(weights[0] == weights[1])
    }

    @Test func twoLayerMLPLearnsASyntheticProblem() throws {
        // Points in the plane, labelled by quadrant parity (XOR), which needs the hidden layer.
        var generator = RandomGenerator(seed: 42)
        let count = 200
        let points = Tensor.uniform([count, 2], low: -1, high: 1, using: &generator)
        let coordinates = points.scalars(as: Float.self)
        let classes = (0..<count).map { Int64(coordinates[2 * $0] * coordinates[2 * $0 + 1] > 0 ? 1 : 0) }
        let labels = Tensor.oneHot(Tensor(classes, shape: [count]), depth: 2)

        let g = Graph()
        let (x, y, loss, accuracy, train) = try g.asDefault {
            let x = try placeholder(.float32, shape: [-1, 2], name: "x")
            let y = try placeholder(.float32, shape: [-1, 2], name: "y")
            let hidden = try withNameScope("hidden") {
                let w = try Variable(Tensor.normal([2, 16], std: 1, using: &generator), name: "w")
                let b = try Variable(Tensor.zeros([16]), name: "b")
                return (x.matmul(w.value) + b.value).tanh()
            }
            let logits = try withNameScope("output") {
                let w = try Variable(Tensor.normal([16, 2], std: 0.5, using: &generator), name: "w")
                let b = try Variable(Tensor.zeros([2]), name: "b")
                return hidden.matmul(w.value) + b.value
            }
            let loss = -((y * logits.logSoftmax()).sum(axes: [1])).mean(name: "loss")
            let accuracy = (logits.argmax(axis: 1) .== y.argmax(axis: 1)).cast(.float32).mean(name: "accuracy")
            let step = try Variable(Tensor(0 as Int64), name: "global_step", trainable: false)
            let train = try AdamOptimizer(learningRate: 0.05).minimize(loss, globalStep: step)
            return (x, y, loss, accuracy, train)
        }
        let session = Session(graph: g)
        try session.run(globalVariablesInitializerOf(g))
        let feeds = [x: points, y: labels]
        let initial = try session.run(loss, feeds: feeds).item(as: Float.self)
        for _ in 0..<300 { try session.run(train, feeds: feeds) }
        let final = try session.run(["loss": loss, "accuracy": accuracy], feeds: feeds)
        let finalLoss = final["loss"]!.item(as: Float.self)
        #expect(initial > 0.6)
        #expect(finalLoss < 0.15)
        #expect(final["accuracy"]!.item(as: Float.self) > 0.95)
        #expect(try session.run(g.operation(named: "global_step")!.output(0)).item(as: Int64.self) == 300)
    }

    private func globalVariablesInitializerOf(_ g: Graph) throws -> GraphOperation {
        try g.globalVariablesInitializer()
    }
}
