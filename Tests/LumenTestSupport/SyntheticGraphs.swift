import LumenEvents

/// GraphDefs made up for tests and benchmarks of the board's graph view.
public enum SyntheticGraphs {
    /// A deterministic synthetic model graph of exactly `operations` ops, for benchmarks and tests
    /// of the graph view.
    ///
    /// Scoped (the default): an input, then blocks `block_<k>/` of a dense layer (variables with
    /// `Read/` ops, MatMul, BiasAdd), a normalization, a ReLU and a dropout, alternating between
    /// two devices; then their gradients under `gradients/block_<k>/…` with `tuple/group_deps`
    /// control dependencies, and update ops under `train/`, then summaries of the activations
    /// until there are `operations` ops. Every op has `T` and `_output_shapes` attrs. Flat (`scoped: false`): ops `op_<i>` without
    /// scopes in rows of 50, each fed by two pseudo-random ops of the row before and every seventh
    /// also by a control input from two rows up: the hard case for the layout, 5,000 boxes with
    /// many crossings in one layered graph.
    public static func graphDef(operations: Int, scoped: Bool = true) -> GraphDef {
        var graph = GraphDef()
        let count = max(0, operations)
        graph.node.reserveCapacity(count)
        func add(_ name: String, _ op: String, _ inputs: [String], _ shape: [Int64], device: String = "") {
            guard graph.node.count < count else { return }
            var node = NodeDef()
            node.name = name
            node.op = op
            node.input = inputs
            node.device = device
            var type = AttrValue()
            type.type = .dtFloat
            var dims = TensorShapeProto()
            dims.dim = shape.map { size in
                var d = TensorShapeProto.Dim()
                d.size = size
                return d
            }
            var shapes = AttrValue()
            shapes.list.shape = [dims]
            node.attr = ["T": type, "_output_shapes": shapes]
            graph.node.append(node)
        }
        guard scoped else {
            // Rows of 50 ops; each op reads two pseudo-random ops of the row before.
            let row = 50
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            func random(_ bound: Int) -> Int {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int(state >> 33) % bound
            }
            for i in 0..<count {
                let r = i / row
                var inputs: [String] = []
                if r > 0 {
                    inputs.append("op_\((r - 1) * row + random(row))")
                    inputs.append("op_\((r - 1) * row + random(row))")
                }
                if r > 1 && i % 7 == 0 { inputs.append("^op_\((r - 2) * row + random(row))") }
                add("op_\(i)", i % 3 == 0 ? "MatMul" : "Add", inputs, [-1, 64])
            }
            return graph
        }
        add("input/x", "Placeholder", [], [-1, 256])
        var previous = "input/x"
        var blocks: [(name: String, input: String, kernel: String)] = []
        var k = 0
        while graph.node.count < count * 3 / 5 {
            let b = "block_\(k)"
            let device = k % 2 == 0 ? "/device:CPU:0" : "/device:GPU:0"
            add("\(b)/dense/kernel", "VarHandleOp", [], [], device: device)
            add(
                "\(b)/dense/kernel/Read/ReadVariableOp", "ReadVariableOp", ["\(b)/dense/kernel"], [256, 256],
                device: device)
            add("\(b)/dense/bias", "VarHandleOp", [], [], device: device)
            add("\(b)/dense/bias/Read/ReadVariableOp", "ReadVariableOp", ["\(b)/dense/bias"], [256], device: device)
            add(
                "\(b)/dense/MatMul", "MatMul", [previous, "\(b)/dense/kernel/Read/ReadVariableOp"], [-1, 256],
                device: device)
            add(
                "\(b)/dense/BiasAdd", "BiasAdd", ["\(b)/dense/MatMul", "\(b)/dense/bias/Read/ReadVariableOp"],
                [-1, 256], device: device)
            add("\(b)/norm/axes", "Const", [], [1], device: device)
            add("\(b)/norm/mean", "Mean", ["\(b)/dense/BiasAdd", "\(b)/norm/axes"], [-1, 1], device: device)
            add("\(b)/norm/sub", "Sub", ["\(b)/dense/BiasAdd", "\(b)/norm/mean"], [-1, 256], device: device)
            add("\(b)/norm/square", "Square", ["\(b)/norm/sub"], [-1, 256], device: device)
            add("\(b)/norm/variance", "Mean", ["\(b)/norm/square", "\(b)/norm/axes"], [-1, 1], device: device)
            add("\(b)/norm/rsqrt", "Rsqrt", ["\(b)/norm/variance"], [-1, 1], device: device)
            add("\(b)/norm/output", "Mul", ["\(b)/norm/sub", "\(b)/norm/rsqrt"], [-1, 256], device: device)
            add("\(b)/relu", "Relu", ["\(b)/norm/output"], [-1, 256], device: device)
            add("\(b)/dropout/mask", "RandomUniform", ["\(b)/norm/axes"], [-1, 256], device: device)
            add("\(b)/dropout/mul", "Mul", ["\(b)/relu", "\(b)/dropout/mask"], [-1, 256], device: device)
            blocks.append((b, previous, "\(b)/dense/kernel"))
            previous = "\(b)/dropout/mul"
            k += 1
        }
        add("loss/value", "Mean", [previous], [])
        var gradient = "loss/value"
        add("train/learning_rate", "Const", [], [])
        for block in blocks.reversed() {
            let g = "gradients/\(block.name)"
            add("\(g)/dropout/mul_grad/Mul", "Mul", [gradient, "\(block.name)/dropout/mask"], [-1, 256])
            add("\(g)/relu_grad/ReluGrad", "ReluGrad", ["\(g)/dropout/mul_grad/Mul", "\(block.name)/relu"], [-1, 256])
            add(
                "\(g)/norm/output_grad/Mul", "Mul", ["\(g)/relu_grad/ReluGrad", "\(block.name)/norm/rsqrt"], [-1, 256])
            add("\(g)/dense/BiasAdd_grad/BiasAddGrad", "BiasAddGrad", ["\(g)/norm/output_grad/Mul"], [256])
            add(
                "\(g)/dense/MatMul_grad/MatMul", "MatMul",
                ["\(g)/norm/output_grad/Mul", "\(block.name)/dense/kernel/Read/ReadVariableOp"], [-1, 256])
            add("\(g)/dense/MatMul_grad/MatMul_1", "MatMul", [block.input, "\(g)/norm/output_grad/Mul"], [256, 256])
            add(
                "\(g)/dense/MatMul_grad/tuple/group_deps", "NoOp",
                ["^\(g)/dense/MatMul_grad/MatMul", "^\(g)/dense/MatMul_grad/MatMul_1"], [])
            add(
                "train/update_\(block.name)/kernel/ResourceApplyGradientDescent", "ResourceApplyGradientDescent",
                [
                    block.kernel, "train/learning_rate", "\(g)/dense/MatMul_grad/MatMul_1",
                    "^\(g)/dense/MatMul_grad/tuple/group_deps",
                ], [])
            add(
                "train/update_\(block.name)/bias/ResourceApplyGradientDescent", "ResourceApplyGradientDescent",
                ["\(block.name)/dense/bias", "train/learning_rate", "\(g)/dense/BiasAdd_grad/BiasAddGrad"], [])
            gradient = "\(g)/dense/MatMul_grad/MatMul"
        }
        // The rest: summaries of the blocks' activations.
        var i = 0
        while graph.node.count < count {
            let source = blocks.isEmpty ? "input/x" : "\(blocks[i % blocks.count].name)/relu"
            add("summaries/\(i)/ScalarSummary", "ScalarSummary", [source], [])
            i += 1
        }
        return graph
    }
}
