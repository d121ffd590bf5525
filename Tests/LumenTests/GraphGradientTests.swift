import Testing
@testable import Lumen

/// Symbolic gradients: the registry's gradient functions, called through graph mode's builder,
/// against eager autograd and hand-derived values.
@Suite struct GraphGradientTests {
    /// A two-layer MLP with a softmax cross-entropy loss, built in `graph` with an unknown batch size.
    struct MLP {
        let x: GraphTensor, labels: GraphTensor, loss: GraphTensor
        let variables: [Variable]
    }

    static func buildMLP(in graph: Graph, _ parameters: [Tensor], dtype: DType) throws -> MLP {
        try graph.asDefault {
            let x = try placeholder(dtype, shape: [-1, parameters[0].shape[0]], name: "x")
            let labels = try placeholder(dtype, shape: [-1, parameters[2].shape[1]], name: "labels")
            let (h, w1, b1) = try withNameScope("layer1") {
                let w = try Variable(parameters[0], name: "w"), b = try Variable(parameters[1], name: "b")
                return ((x.matmul(w.value) + b.value).tanh(), w, b)
            }
            let (logits, w2, b2) = try withNameScope("layer2") {
                let w = try Variable(parameters[2], name: "w"), b = try Variable(parameters[3], name: "b")
                return (h.matmul(w.value) + b.value, w, b)
            }
            let loss = -((labels * logits.logSoftmax()).sum(axes: [1])).mean()
            return MLP(x: x, labels: labels, loss: loss, variables: [w1, b1, w2, b2])
        }
    }

    static func problem(_ seed: UInt64, batch: Int, dtype: DType) -> (x: Tensor, labels: Tensor, parameters: [Tensor]) {
        var generator = RandomGenerator(seed: seed)
        let x = Tensor.normal([batch, 4], dtype: dtype, using: &generator)
        let classes = (0..<batch).map { Int64($0 % 3) }
        let labels = Tensor.oneHot(Tensor(classes, shape: [batch]), depth: 3).cast(to: dtype)
        let parameters = [
            Tensor.normal([4, 6], std: 0.5, dtype: dtype, using: &generator),
            Tensor.normal([6], std: 0.1, dtype: dtype, using: &generator),
            Tensor.normal([6, 3], std: 0.5, dtype: dtype, using: &generator),
            Tensor.normal([3], std: 0.1, dtype: dtype, using: &generator),
        ]
        return (x, labels, parameters)
    }

    @Test func mlpGradientsMatchEagerAutograd() throws {
        let (xValue, labelValue, parameters) = Self.problem(21, batch: 8, dtype: .float64)
        let g = Graph()
        let mlp = try Self.buildMLP(in: g, parameters, dtype: .float64)
        let grads = try gradients(ys: [mlp.loss], xs: mlp.variables.map(\.reference))
        let session = Session(graph: g)
        try session.run(g.globalVariablesInitializer())
        let values = try session.run(grads.map { $0! }, feeds: [mlp.x: xValue, mlp.labels: labelValue])

        // The same model, eagerly.
        let leaves = parameters.map { $0.requiringGrad() }
        let h = (xValue.matmul(leaves[0]) + leaves[1]).tanh()
        let logits = h.matmul(leaves[2]) + leaves[3]
        let loss = -((labelValue * logSoftmax(logits)).sum(axes: [1])).mean()
        try loss.backward()
        #expect(
            Swift.abs(
                try session.run(mlp.loss, feeds: [mlp.x: xValue, mlp.labels: labelValue]).item(as: Double.self)
                    - loss.item(as: Double.self)) < 1e-12)
        for (value, leaf) in zip(values, leaves) {
            let expected = leaf.grad!.scalars(as: Double.self)
            #expect(value.shape == leaf.shape)
            #expect(zip(value.scalars(as: Double.self), expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        }
        // Gradient ops live under gradients/<op>_grad/.
        #expect(g.operation(named: "gradients/layer1/MatMul_grad/MatMul")?.type == "MatMul")
        #expect(g.operation(named: "gradients/layer1/MatMul_grad/MatMul_1")?.type == "MatMul")
        #expect(g.operation(named: "gradients/layer2/Tanh_grad/Mul") == nil)
        #expect(g.operations.contains { $0.name.hasPrefix("gradients/layer1/Tanh_grad/") })
        #expect(
            grads[0]!.op.name.hasPrefix("gradients/layer1/w/read_grad/")
                || grads[0]!.op.name.hasPrefix("gradients/layer1/MatMul_grad/"))
    }

    @Test func severalPathsAreSummedWithAddNAndUnconnectedInputsGetNil() throws {
        let g = Graph()
        let (x, y, z, unrelated) = try g.asDefault {
            let x = try placeholder(.float64, shape: [3], name: "x")
            let z = try placeholder(.float64, shape: [3], name: "z")
            let unrelated = try placeholder(.float64, shape: [3], name: "unrelated")
            // y = Σ (x·x + 3x + x·z)
            return (x, (x * x + x * 3.0 + x * z).sum(), z, unrelated)
        }
        let grads = try gradients(ys: [y], xs: [x, z, unrelated])
        #expect(grads[2] == nil)
        let dx = try #require(grads[0])
        #expect(dx.op.type == "AddN" && dx.op.name == "gradients/AddN")
        let session = Session(graph: g)
        let values = try session.run(
            [dx, grads[1]!], feeds: [x: Tensor([1, 2, 3] as [Double]), z: Tensor([10, 20, 30] as [Double])])
        #expect(values[0].scalars(as: Double.self) == [15, 27, 39])  // 2x + 3 + z
        #expect(values[1].scalars(as: Double.self) == [1, 2, 3])  // x
        // A second call gets its own scope; gradYs weight the outputs.
        let weighted = try g.gradients(
            ys: [x * 2.0], xs: [x], gradYs: [try g.constant(Tensor([1, 10, 100] as [Double]))])
        #expect(weighted[0]!.op.name.hasPrefix("gradients_1/"))
        #expect(
            try session.run(weighted[0]!, feeds: [x: Tensor([0, 0, 0] as [Double])]).scalars(as: Double.self) == [
                2, 20, 200,
            ])
        // y with respect to itself is the seed.
        #expect(try session.run(try g.gradients(ys: [y], xs: [y])[0]!).item(as: Double.self) == 1)
    }

    @Test func meanOverAnUnknownBatchDividesByTheRunTimeCount() throws {
        let g = Graph()
        let (x, grad) = try g.asDefault {
            let x = try placeholder(.float32, shape: [-1, 2], name: "x")
            let loss = x.square().mean()
            return (x, try gradients(ys: [loss], xs: [x])[0]!)
        }
        let value = Tensor([[1, 2], [3, 4]] as [[Float]])
        // d/dx mean(x²) = 2x / 4
        #expect(try Session(graph: g).run(grad, feeds: [x: value]).scalars(as: Float.self) == [0.5, 1, 1.5, 2])
    }

    @Test func anOpWithoutAGradientOnThePathIsAnError() throws {
        let g = Graph()
        let (x, y) = try g.asDefault {
            let x = try placeholder(.float32, shape: [3], name: "x")
            return (x, try g.apply("FloorDiv", [x, try constant(Tensor(2 as Float))]).sum())
        }
        #expect(throws: GraphError.noGradient(opName: "FloorDiv", opType: "FloorDiv")) {
            try gradients(ys: [y], xs: [x])
        }
        #expect(
            GraphError.noGradient(opName: "FloorDiv", opType: "FloorDiv").description
                == "No gradient defined for operation 'FloorDiv' (op type: FloorDiv)")
    }
}
