import Foundation
import LumenEvents
import SwiftProtobuf
import Testing
@testable import Lumen
import LumenTestSupport

/// GraphDef export (TensorFlow's NodeDef fields, attributes and shapes), import of a GraphDef frozen
/// by TensorFlow (reproducing TensorFlow's outputs from `fixtures/tf_frozen_mlp`), and round trips.
@Suite struct GraphDefTests {
    static let fixtureDirectory = Repository.root.appendingPathComponent("fixtures/tf_frozen_mlp")

    struct Expected: Decodable {
        let input_shape: [Int]
        let input: [Float]
        let output_shape: [Int]
        let output: [Float]
        let logits: [Float]
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(
            Expected.self, from: Data(contentsOf: fixtureDirectory.appendingPathComponent("expected.json")))
    }

    /// x [?,3] → MatMul(w) → Add(b) → Relu → Reshape [-1,2,2]... a graph using most export features.
    private func sampleGraph() throws -> (Graph, GraphTensor, GraphTensor) {
        let g = Graph()
        let (x, y) = try g.asDefault {
            let x = try placeholder(.float32, shape: [-1, 3], name: "x")
            let w = try constant(Tensor([[1, -2, 0, 1], [0.5, 1, -1, 2], [0, 0, 3, -1]] as [[Float]]), name: "w")
            let b = try constant(Tensor([0.1, 0.2, -0.3, 0.4] as [Float]), name: "b")
            let h = withDevice("/cpu:0") { (x.matmul(w) + b).relu() }
            let r = h.reshaped([-1, 2, 2]).permuted([0, 2, 1]).sum(axes: [2]).softmax()
            let z = try controlDependencies([h.op]) { try identity(r, name: "out") }
            return (x, z)
        }
        return (g, x, y)
    }

    @Test func exportWritesTensorFlowsNodeDefFields() throws {
        let (g, _, _) = try sampleGraph()
        let def = g.graphDef()
        #expect(def.versions.producer == Graph.graphDefProducerVersion)
        let nodes = Dictionary(uniqueKeysWithValues: def.node.map { ($0.name, $0) })
        let x = try #require(nodes["x"])
        #expect(x.op == "Placeholder" && x.attr["dtype"]?.type == .dtFloat)
        #expect(x.attr["shape"]?.shape.dimensions == [-1, 3])
        #expect(x.attr["_output_shapes"]?.list.shape.map(\.dimensions) == [[-1, 3]])
        let w = try #require(nodes["w"])
        #expect(w.op == "Const" && w.attr["dtype"]?.type == .dtFloat)
        let value = try #require(w.attr["value"]?.tensor)
        #expect(value.tensorContent.count == 12 * 4 && value.tensorShape.dimensions == [3, 4])
        #expect(try Tensor(value).scalars(as: Float.self) == [1, -2, 0, 1, 0.5, 1, -1, 2, 0, 0, 3, -1])
        let matmul = try #require(nodes["MatMul"])
        #expect(matmul.input == ["x", "w"] && matmul.device == "/cpu:0")
        #expect(matmul.attr["T"]?.type == .dtFloat && matmul.attr["transpose_a"]?.b == false)
        #expect(matmul.attr["_output_shapes"]?.list.shape.map(\.dimensions) == [[-1, 4]])
        // TensorFlow-compatible: Reshape's shape becomes a Const input, the attribute is kept as `_shape`.
        let reshape = try #require(nodes["Reshape"])
        #expect(reshape.input == ["Relu", "Reshape/shape"])
        #expect(reshape.attr["_shape"]?.list.i == [-1, 2, 2] && reshape.attr["shape"] == nil)
        let shapeConst = try #require(nodes["Reshape/shape"])
        #expect(shapeConst.attr["dtype"]?.type == .dtInt32)
        #expect(try Tensor(try #require(shapeConst.attr["value"]?.tensor)).scalars(as: Int32.self) == [-1, 2, 2])
        #expect(nodes["transpose"]?.input == ["Reshape", "transpose/perm"])
        #expect(
            nodes["Sum"]?.input == ["transpose", "Sum/reduction_indices"] && nodes["Sum"]?.attr["keep_dims"]?.b == false
        )
        #expect(nodes["Softmax"]?.attr["_axis"]?.i == -1 && nodes["Softmax"]?.attr["axis"] == nil)
        #expect(nodes["out"]?.input == ["Softmax", "^Relu"])
        // Without TensorFlow compatibility: plain attributes, no added nodes.
        let plain = g.graphDef(options: GraphDefExportOptions(tensorFlowCompatible: false))
        #expect(plain.node.count == g.operationCount)
        let plainReshape = try #require(plain.node.first { $0.name == "Reshape" })
        #expect(plainReshape.input == ["Relu"] && plainReshape.attr["shape"]?.list.i == [-1, 2, 2])
        // Later outputs are `name:index`.
        let g2 = Graph()
        let parts = try g2.asDefault {
            try g2.applyAll(
                "Split", [try constant(Tensor([1, 2, 3, 4] as [Float]))], attributes: ["axis": 0, "num_split": 2])
        }
        _ = g2.asDefault { parts[0] + parts[1] }
        #expect(g2.graphDef().node.last?.input == ["Split", "Split:1"])
    }

    @Test(arguments: [true, false])
    func exportedGraphsImportBackAndComputeTheSame(tensorFlowCompatible: Bool) throws {
        let (g, x, y) = try sampleGraph()
        let data = g.serializedGraphDef(options: GraphDefExportOptions(tensorFlowCompatible: tensorFlowCompatible))
        let imported = Graph()
        try imported.importGraphDef(serialized: data, prefix: "import")
        let feed = Tensor([[1, 2, 3], [-1, 0.5, 2]] as [[Float]])
        let expected = try Session(graph: g).run(y, feeds: [x: feed])
        let importedX = try #require(imported.tensor(named: "import/x:0"))
        let importedY = try #require(imported.tensor(named: "import/out:0"))
        #expect(importedY.shape == y.shape && importedY.dtype == .float32)
        #expect(imported.operation(named: "import/out")?.controlInputs.map(\.name) == ["import/Relu"])
        #expect(imported.operation(named: "import/MatMul")?.device == "/cpu:0")
        let got = try Session(graph: imported).run(importedY, feeds: [importedX: feed])
        #expect(got.scalars(as: Float.self) == expected.scalars(as: Float.self))
        // The second export of the imported graph (without prefix) gives the same nodes.
        let again = Graph()
        try again.importGraphDef(g.graphDef(options: GraphDefExportOptions(tensorFlowCompatible: tensorFlowCompatible)))
        #expect(
            again.graphDef(options: GraphDefExportOptions(tensorFlowCompatible: tensorFlowCompatible)).node.map(\.name)
                == g.graphDef(options: GraphDefExportOptions(tensorFlowCompatible: tensorFlowCompatible)).node.map(
                    \.name))
    }

    @Test func importsAnMLPFrozenByTensorFlowAndReproducesItsOutputs() throws {
        let expected = try Self.expected()
        let data = try Data(contentsOf: Self.fixtureDirectory.appendingPathComponent("frozen_mlp.pb"))
        let g = Graph()
        let ops = try g.importGraphDef(serialized: data)
        // BiasAdd is lowered to Add; Reshape's shape Const is folded into its attribute.
        #expect(g.operation(named: "layer1/BiasAdd")?.type == "Add")
        #expect(g.operation(named: "Reshape")?.attributes["shape"] == .ints([-1, 4]))
        #expect(g.operation(named: "Reshape")?.inputs.count == 1)
        #expect(ops.count == 17 && g.operation(named: "Reshape/shape") == nil)
        let x = try #require(g.tensor(named: "x:0"))
        let probs = try #require(g.tensor(named: "probs:0"))
        let logits = try #require(g.tensor(named: "layer2/logits:0"))
        #expect(x.shape == [-1, 8] && probs.shape == [-1, 4])
        let input = Tensor(expected.input, shape: expected.input_shape)
        let values = try Session(graph: g).run([probs, logits], feeds: [x: input])
        #expect(values[0].shape == expected.output_shape)
        for (a, b) in zip(values[0].scalars(as: Float.self), expected.output) { #expect(Swift.abs(a - b) <= 1e-5) }
        for (a, b) in zip(values[1].scalars(as: Float.self), expected.logits) { #expect(Swift.abs(a - b) <= 1e-5) }
        #expect(values[0].count == expected.output.count && values[1].count == expected.logits.count)
    }

    @Test func importLowersNCHWBiasAddAndFoldsConstInputs() throws {
        func node(_ name: String, _ op: String, _ inputs: [String] = [], _ attrs: [String: AttrValue] = [:]) -> NodeDef
        {
            var n = NodeDef()
            n.name = name
            n.op = op
            n.input = inputs
            n.attr = attrs
            return n
        }
        func tensorAttr(_ t: Tensor) -> AttrValue { var a = AttrValue(); a.tensor = TensorProto(t); return a }
        func typeAttr(_ t: DataType) -> AttrValue { var a = AttrValue(); a.type = t; return a }
        var shape = AttrValue()
        shape.shape = TensorShapeProto(dimensions: [-1, 2, 2, 2])
        var nchw = AttrValue()
        nchw.s = Data("NCHW".utf8)
        var keep = AttrValue()
        keep.b = true
        var def = GraphDef()
        // Nodes deliberately out of order: import sorts them.
        def.node = [
            node("mean", "Mean", ["bias", "axes"], ["T": typeAttr(.dtFloat), "keep_dims": keep]),
            node("x", "Placeholder", [], ["dtype": typeAttr(.dtFloat), "shape": shape]),
            node("b", "Const", [], ["value": tensorAttr(Tensor([10, 20] as [Float])), "dtype": typeAttr(.dtFloat)]),
            node(
                "axes", "Const", [],
                ["value": tensorAttr(Tensor([Int32(2), 3], shape: [2])), "dtype": typeAttr(.dtInt32)]),
            node("bias", "BiasAdd", ["x", "b"], ["T": typeAttr(.dtFloat), "data_format": nchw]),
            node("am", "ArgMax", ["mean:0", "dim"], ["T": typeAttr(.dtFloat)]),
            node(
                "dim", "Const", [], ["value": tensorAttr(Tensor([Int32(1)], shape: [])), "dtype": typeAttr(.dtInt32)]),
        ]
        let g = Graph()
        try g.importGraphDef(def)
        let x = try #require(g.tensor(named: "x:0")), mean = try #require(g.tensor(named: "mean:0"))
        let argmax = try #require(g.tensor(named: "am:0"))
        #expect(g.operation(named: "mean")?.attributes["axes"] == .ints([2, 3]))
        #expect(g.operation(named: "am")?.attributes["axis"] == .int(1))
        let input = Tensor((0..<16).map { Float($0) }, shape: [2, 2, 2, 2])
        let values = try Session(graph: g).run([mean, argmax], feeds: [x: input])
        // Eager reference: bias over channel axis 1, then the mean over H and W.
        let reference = (input + Tensor([10, 20] as [Float]).reshaped([2, 1, 1])).mean(axes: [2, 3], keepDims: true)
        #expect(values[0].shape == [2, 2, 1, 1])
        #expect(values[0].scalars(as: Float.self) == reference.scalars(as: Float.self))
        #expect(
            values[1].shape == [2, 1, 1]
                && values[1].scalars(as: Int64.self) == reference.argmax(axis: 1).scalars(as: Int64.self))
        // A non-constant shape input, an unknown op and a missing input are errors naming the node.
        var bad = GraphDef()
        bad.node = [
            node("x", "Placeholder", [], ["dtype": typeAttr(.dtFloat), "shape": shape]),
            node("r", "Reshape", ["x", "x"], ["T": typeAttr(.dtFloat)]),
        ]
        #expect(
            throws: GraphDefError.unsupportedNode(
                node: "r", reason: "its shape input must be an integer Const to import")
        ) {
            try Graph().importGraphDef(bad)
        }
        bad.node = [node("q", "QueueDequeueV2")]
        #expect(throws: GraphDefError.unsupportedOp(node: "q", op: "QueueDequeueV2")) {
            try Graph().importGraphDef(bad)
        }
        bad.node = [node("i", "Identity", ["nowhere"])]
        #expect(throws: GraphDefError.missingInput(node: "i", input: "nowhere")) { try Graph().importGraphDef(bad) }
    }
}
