import Testing
@testable import Lumen

/// Optimizers whose learning rate is a fed scalar tensor (how TensorFlow 1 code feeds a schedule).
@Suite struct GraphLearningRateTensorTests {
    @Test func fedLearningRatesDriveGradientDescentAndMomentum() throws {
        let g = Graph()
        let (w, v, lr, trainGD, trainMomentum) = try g.asDefault {
            let lr = try placeholder(.float64, shape: [], name: "lr")
            let w = try Variable(Tensor([1, -2, 3] as [Double]), name: "w")
            let v = try Variable(Tensor([2, 0] as [Double]), name: "v")
            let target = try constant(Tensor([0.5, 0.5, 0.5] as [Double]))
            let gd = try GradientDescentOptimizer(learningRate: lr).minimize(
                (w.value - target).square().sum(), varList: [w])
            let momentum = try MomentumOptimizer(learningRate: lr.cast(.float32).cast(.float64), momentum: 0.9)
                .minimize(v.value.square().sum(), varList: [v])
            return (w, v, lr, gd, momentum)
        }
        #expect(g.operation(named: "GradientDescent/learning_rate") == nil)
        let session = Session(graph: g)
        try session.run(g.globalVariablesInitializer())
        var expectedW: [Double] = [1, -2, 3], expectedV: [Double] = [2, 0], accum: [Double] = [0, 0]
        for rate in [0.1, 0.05, 0.025] {
            try session.run(trainGD, feeds: [lr: Tensor(rate)])
            expectedW = expectedW.map { $0 - rate * 2 * ($0 - 0.5) }
            try session.run(trainMomentum, feeds: [lr: Tensor(rate)])
            accum = zip(accum, expectedV).map { 0.9 * $0 + 2 * $1 }
            // This learning rate went through float32.
            expectedV = zip(expectedV, accum).map { $0 - Double(Float(rate)) * $1 }
        }
        for (a, b) in zip(try session.run(w).scalars(as: Double.self), expectedW) { #expect(Swift.abs(a - b) < 1e-12) }
        for (a, b) in zip(try session.run(v).scalars(as: Double.self), expectedV) { #expect(Swift.abs(a - b) < 1e-12) }
        // A learning rate that is not a scalar is refused when the train op is built.
        let bad = try g.asDefault { try placeholder(.float64, shape: [2], name: "bad") }
        #expect(throws: GraphError.self) {
            try GradientDescentOptimizer(learningRate: bad).minimize(g.asDefault { w.value.sum() }, varList: [w])
        }
    }
}
