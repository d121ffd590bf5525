import Testing
@testable import Lumen

/// Graph building: TensorFlow 1's naming rules, scopes, devices, control dependencies, and
/// build-time errors worded as TensorFlow words them.
@Suite struct GraphBuildingTests {
    @Test func namesAreUniqueAndFollowTensorFlowsRules() throws {
        let g = Graph()
        try g.asDefault {
            let a = try constant(Tensor([1, 2] as [Float]))
            let b = try constant(Tensor([3, 4] as [Float]))
            #expect(a.op.name == "Const" && b.op.name == "Const_1")
            #expect((a + b).name == "add:0")
            #expect((a + b).name == "add_1:0")
            #expect((a * b).op.name == "mul" && (a - b).op.name == "sub" && (a / b).op.name == "truediv")
            // A scalar operand becomes `add_2/y` and the op takes the scope's name, as in TensorFlow.
            let c = a + 1.0
            #expect(c.op.name == "add_2" && c.op.inputs[1].op.name == "add_2/y")
            // Explicit names are made unique too; names compare case-insensitively.
            #expect(try placeholder(.float32, shape: [2], name: "x").op.name == "x")
            #expect(try placeholder(.float32, shape: [2], name: "x").op.name == "x_1")
            #expect(try identity(a, name: "X").op.name == "X_2")
            // Taking `add_3` explicitly pushes the next generated name past it.
            #expect(try identity(a, name: "add_3").op.name == "add_3")
            #expect((a + b).op.name == "add_4")
            #expect(throws: GraphError.invalidName("bad name")) { try identity(a, name: "bad name") }
            #expect(GraphError.invalidName("bad name").description == "'bad name' is not a valid node name")
        }
        #expect(g.operation(named: "add_1")?.type == "Add")
        #expect(g.tensor(named: "add_1:0")?.shape == [2])
        #expect(g.tensor(named: "add_1:1") == nil)
    }

    @Test func nameScopesNestAndReenterLikeTensorFlow() throws {
        let g = Graph()
        try g.asDefault {
            let x = try placeholder(.float32, shape: [-1, 3], name: "x")
            let w = try constant(Tensor.ones([3, 3]), name: "w")
            let first = withNameScope("layer1") { x.matmul(w) }
            #expect(first.op.name == "layer1/MatMul")
            let second = withNameScope("layer1") { x.matmul(w) }
            #expect(second.op.name == "layer1_1/MatMul")
            let nested = withNameScope("outer") {
                withNameScope("inner") { (x.matmul(w).relu(), x.matmul(w)) }
            }
            #expect(nested.0.op.name == "outer/inner/Relu" && nested.0.op.inputs[0].op.name == "outer/inner/MatMul")
            #expect(nested.1.op.name == "outer/inner/MatMul_1")
            // A scope ending in "/" re-enters exactly; "" returns to the root.
            let again = withNameScope("layer1/") { x.matmul(w) }
            #expect(again.op.name == "layer1/MatMul_1")
            let root = withNameScope("outer") { withNameScope("") { x.matmul(w) } }
            #expect(root.op.name == "MatMul")
            g.withNameScope("scope") { (name: String) in #expect(name == "scope") }
            #expect(g.currentNameScope == "")
            // The scope belongs to this graph only.
            let other = Graph()
            withNameScope("mine") {
                let c = other.asDefault { try! constant(Tensor(1 as Float)) }
                #expect(c.op.name == "Const")
            }
        }
    }

    @Test func devicesAndControlDependenciesAreRecorded() throws {
        let g = Graph()
        try g.asDefault {
            let x = try placeholder(.float32, shape: [2], name: "x")
            let (y, z) = withDevice("/cpu:0") { (x * x, withDevice(nil) { x + x }) }
            #expect(y.op.device == "/cpu:0" && z.op.device == "")
            let a = try noOp(name: "a")
            let b = try noOp()
            let guarded = try controlDependencies([a]) {
                try controlDependencies([b]) { try identity(x) }
            }
            #expect(guarded.op.controlInputs == [a, b])
            let cleared = try controlDependencies([a]) {
                try controlDependencies(nil as [GraphOperation]?) { try identity(x) }
            }
            #expect(cleared.op.controlInputs.isEmpty)
            let grouped = try group([y.op, z.op])
            #expect(grouped.name == "group_deps" && grouped.type == "NoOp" && grouped.controlInputs == [y.op, z.op])
            #expect(b.name == "NoOp")
        }
    }

    @Test func tensorsCarryStaticShapesWithUnknownDimensions() throws {
        let g = Graph()
        let (x, h) = try g.asDefault {
            let x = try placeholder(.float32, shape: [-1, 64], name: "x")
            return (x, x.matmul(try constant(Tensor.zeros([64, 10]))).sum(axes: [1], keepDims: true))
        }
        #expect(x.description == "GraphTensor(\"x:0\", shape=[?,64], dtype=float32)")
        #expect(h.shape == [-1, 1] && h.dtype == .float32)
        #expect(x.op.outputs == [x])
    }

    @Test func buildTimeErrorsNameTheNodeTypeAndShapes() throws {
        let g = Graph()
        try g.asDefault {
            let x = try placeholder(.float32, shape: [-1, 256], name: "x")
            let w1 = try constant(Tensor.zeros([256, 128]))
            let w2 = try constant(Tensor.zeros([128, 10]))
            _ = try g.apply("MatMul", [x, w1])
            #expect(
                throws: OpError(
                    opType: "MatMul",
                    message:
                        "Dimensions must be equal, but are 256 and 128 for 'MatMul_1' (op: 'MatMul') with input shapes: [?,256], [128,10]"
                )
            ) {
                try g.apply("MatMul", [x, w2])
            }
            // A failed op does not take its name; the message inside a scope names the scoped node.
            let ok = try g.apply("MatMul", [x, w1])
            #expect(ok.op.name == "MatMul_1")
            let error = #expect(throws: OpError.self) {
                try withNameScope("layer2") { try g.apply("MatMul", [x, w2]) }
            }
            #expect(error?.message.contains("for 'layer2/MatMul' (op: 'MatMul')") == true)

            let i = try constant(Tensor([1, 2] as [Int32]))
            #expect(
                throws: OpError(opType: "Add", message: "Add: input dtypes float32 and int32 do not match for 'add'")
            ) {
                try g.apply("Add", [x, i], name: "add")
            }
            let a = try placeholder(.float32, shape: [2, 3])
            let b = try placeholder(.float32, shape: [4])
            #expect(throws: OpError(opType: "Add", message: "Incompatible shapes: [2,3] vs. [4] for 'add' (op: 'Add')"))
            {
                try g.apply("Add", [a, b], name: "add")
            }
            #expect(throws: GraphError.unknownOpType("Frobnicate")) { try g.apply("Frobnicate", [a]) }
            #expect(throws: GraphError.requiresLValue(argument: "ref", opType: "Assign")) {
                try g.apply("Assign", [a, a])
            }
            #expect(
                GraphError.requiresLValue(argument: "ref", opType: "Assign").description
                    == "Input 'ref' of 'Assign' Op requires l-value input")

            let w = try Variable(Tensor([1, 2] as [Float]), name: "w")
            #expect(
                throws: OpError(
                    opType: "Assign",
                    message:
                        "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2] and [3]. for 'Assign' (op: 'Assign') with input shapes: [2], [3]"
                )
            ) {
                try w.assign(Tensor([1, 2, 3] as [Float]))
            }
            // Inputs from another graph are refused.
            let otherGraph = Graph()
            let foreign = try otherGraph.constant(Tensor(1 as Float), name: "c")
            #expect(throws: GraphError.differentGraph(tensor: "c:0", opName: "Add")) {
                try g.apply("Add", [a, foreign])
            }
        }
    }

    @Test func variablesCreateTensorFlowsOps() throws {
        let g = Graph()
        let w = try g.asDefault { try withNameScope("layer1") { try Variable(Tensor.zeros([3, 2]), name: "w") } }
        #expect(w.name == "layer1/w" && w.shape == [3, 2] && w.dtype == .float32)
        #expect(w.op.type == "VariableV2" && w.initializer.name == "layer1/w/Assign" && w.initializer.type == "Assign")
        #expect(w.value.name == "layer1/w/read:0" && w.initialValue.op.name == "layer1/w/initial_value")
        #expect(g.globalVariables == [w] && g.trainableVariables == [w])
        let counter = try Variable(Tensor(0 as Int64), name: "counter", trainable: false, graph: g)
        #expect(g.globalVariables.count == 2 && g.trainableVariables == [w] && counter.dtype == .int64)
        let initOp = try g.globalVariablesInitializer()
        #expect(initOp.name == "init" && initOp.controlInputs == [w.initializer, counter.initializer])
    }

    @Test func describeListsEveryOpWithShapesDtypesAndDevices() throws {
        let g = Graph()
        try g.asDefault {
            let x = try placeholder(.float32, shape: [-1, 64], name: "x")
            try withDevice("/cpu:0") {
                let w = try Variable(Tensor.zeros([64, 10]), name: "w")
                _ = withNameScope("layer1") { x.matmul(w.value) }
            }
        }
        let text = g.describe()
        #expect(text.contains("x = Placeholder() {dtype=float32, shape=[?,64]} -> float32[?,64]"))
        #expect(
            text.contains(
                "layer1/MatMul = MatMul(x:0, w/read:0) {transpose_a=false, transpose_b=false} -> float32[?,10] @ /cpu:0"
            ))
        #expect(
            text.contains(
                "w = VariableV2() {container=\"\", dtype=float32, shape=[64,10], shared_name=\"\"} -> float32[64,10] @ /cpu:0"
            ))
        #expect(
            text.contains(
                "w/initial_value = Const() {value=<float32[64,10]>, dtype=float32} -> float32[64,10] @ /cpu:0"))
        #expect(text.split(separator: "\n").count == g.operationCount)
    }

    @Test func buildingFromSeveralThreadsKeepsNamesUnique() throws {
        let g = Graph()
        let x = try g.placeholder(.float32, shape: [2], name: "x")
        DispatchQueueConcurrent.run(iterations: 4) { _ in
            for _ in 0..<50 { _ = x + x }
        }
        let names = g.operations.map(\.name)
        #expect(Set(names).count == names.count && names.count == 201)
    }
}

import Dispatch

private enum DispatchQueueConcurrent {
    static func run(iterations: Int, _ body: @Sendable (Int) -> Void) {
        DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
    }
}
