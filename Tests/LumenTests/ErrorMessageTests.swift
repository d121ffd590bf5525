import Foundation
import Testing
@testable import Lumen

/// Invalid shapes, dtypes, feeds and state-dict keys give errors that name what was wrong: the op
/// and its node, the tensor or key, and the shapes and dtypes involved. Each message is checked
/// exactly. (The op registry's eager messages are in `OpErrorTests`, the first feed errors in
/// `SessionRunTests.runTimeErrorsReadLikeTensorFlows`; this suite covers the rest.)
@Suite struct ErrorMessageTests {
    // MARK: Shapes and dtypes while building a graph

    /// Builds `body` in a fresh graph and returns the message of the `OpError` it throws.
    func buildError(_ body: (Graph) throws -> Void) -> String? {
        let graph = Graph()
        do {
            try graph.asDefault { try body(graph) }
            return nil
        } catch let error as OpError {
            return error.message
        } catch {
            return "unexpected error type: \(error)"
        }
    }

    @Test func aGraphShapeErrorNamesTheNodeAndShowsUnknownDimensions() {
        let message = buildError { graph in
            let x = try placeholder(.float32, shape: [-1, 64], name: "x")
            let w = try constant(Tensor.zeros([32, 10]), name: "w")
            _ = try graph.withNameScope("layer1") { try graph.apply("MatMul", [x, w]) }
        }
        #expect(
            message
                == "Dimensions must be equal, but are 64 and 32 for 'layer1/MatMul' (op: 'MatMul') with input shapes: [?,64], [32,10]"
        )
    }

    @Test func aGraphDTypeErrorNamesTheNodeAndBothDTypes() {
        let mismatch = buildError { graph in
            let x = try placeholder(.float32, shape: [2], name: "x")
            let n = try constant(Tensor([1, 2] as [Int32]), name: "n")
            _ = try graph.withNameScope("scale") { try graph.apply("Mul", [x, n]) }
        }
        #expect(mismatch == "Mul: input dtypes float32 and int32 do not match for 'scale/Mul'")

        let unsupported = buildError { graph in
            let counts = try placeholder(.int32, shape: [-1], name: "counts")
            _ = try graph.withNameScope("activation") { try graph.apply("Exp", [counts]) }
        }
        #expect(unsupported == "Exp: dtype int32 is not supported (expected float32 or float64) for 'activation/Exp'")
    }

    @Test func aGraphAxisErrorNamesTheNodeAndTheShape() {
        let message = buildError { graph in
            let x = try placeholder(.float32, shape: [-1, 3], name: "x")
            _ = try graph.apply("Sum", [x], attributes: ["axes": .ints([2])], name: "total")
        }
        #expect(message == "axis 2 is out of range for rank 2 for 'total' (op: 'Sum') with input shapes: [?,3]")
    }

    // MARK: Feeds

    @Test func aMissingFeedNamesTheScopedPlaceholderItsDTypeAndShape() throws {
        let graph = Graph()
        let (a, sum) = try graph.asDefault { () throws -> (GraphTensor, GraphTensor) in
            try graph.withNameScope("inputs") {
                let a = try placeholder(.float32, shape: [3], name: "a")
                let b = try placeholder(.int64, shape: [], name: "b")
                return (a, a + (try graph.apply("Cast", [b], attributes: ["DstT": .dtype(.float32)])))
            }
        }
        let error = #expect(throws: SessionError.self) {
            try Session(graph: graph).run(sum, feeds: [a: Tensor.zeros([3])])
        }
        #expect(
            error?.description
                == "You must feed a value for placeholder tensor 'inputs/b' with dtype int64 and shape []")
    }

    @Test func aFeedOfTheWrongDTypeOrShapeNamesTheTensorAndBoth() throws {
        let graph = Graph()
        let (x, hidden, out) = try graph.asDefault { () throws -> (GraphTensor, GraphTensor, GraphTensor) in
            let x = try placeholder(.float32, shape: [-1, 4], name: "x")
            let hidden = try graph.apply("Relu", [x], name: "hidden")
            return (x, hidden, hidden.sum(axes: [1]))
        }
        let session = Session(graph: graph)
        let dtype = #expect(throws: SessionError.self) {
            try session.run(out, feeds: [x: Tensor.zeros([2, 4], dtype: .int64)])
        }
        #expect(dtype?.description == "Cannot feed value of dtype int64 for Tensor 'x:0', which has dtype float")
        // Any tensor can be fed, and a feed of an intermediate tensor is checked against its shape.
        let shape = #expect(throws: SessionError.self) { try session.run(out, feeds: [hidden: Tensor.zeros([4])]) }
        #expect(shape?.description == "Cannot feed value of shape (4,) for Tensor 'hidden:0', which has shape '(?, 4)'")
        let double = #expect(throws: SessionError.self) {
            try session.run(out, feeds: [hidden: Tensor.zeros([1, 4], dtype: .float64)])
        }
        #expect(double?.description == "Cannot feed value of dtype double for Tensor 'hidden:0', which has dtype float")
    }

    @Test func aFeedKeyFromAnotherGraphCannotBeFed() throws {
        let graph = Graph(), other = Graph()
        let y = try graph.asDefault { try placeholder(.float32, shape: [], name: "y") * 2 }
        let foreign = try other.asDefault { try placeholder(.float32, shape: [], name: "x") }
        let error = #expect(throws: SessionError.self) {
            try Session(graph: graph).run(y, feeds: [foreign: Tensor(1 as Float)])
        }
        #expect(error == .feedNotInGraph(tensor: "x:0"))
        #expect(
            error?.description
                == "Cannot interpret feed_dict key as Tensor: Tensor x:0 is not an element of this graph.")
    }

    @Test func anAssignOfTheWrongShapeNamesTheVariableAndBothShapes() throws {
        let graph = Graph()
        let (value, assign) = try graph.asDefault { () throws -> (GraphTensor, GraphTensor) in
            let w = try Variable(Tensor.zeros([2]), name: "w")
            let value = try placeholder(.float32, shape: [-1], name: "value")
            return (value, try w.assign(value))
        }
        let error = #expect(throws: SessionError.self) {
            try Session(graph: graph).run(assign, feeds: [value: Tensor.zeros([3])])
        }
        #expect(
            error?.description
                == "Assign requires shapes of both tensors to match. lhs shape= [2] rhs shape= [3] for variable 'w'")
    }

    // MARK: State dicts

    @Test func aShapeMismatchInALoadNamesTheDottedKeyAndBothShapes() {
        let model = Sequential(Linear(inFeatures: 3, outFeatures: 2), ReLU(), Linear(inFeatures: 2, outFeatures: 1))
        var state = model.stateDict()
        state["2.weight"] = Tensor.zeros([1, 3])
        let error = #expect(throws: ModuleError.self) { try model.load(stateDict: state) }
        #expect(
            error?.description
                == "size mismatch for 2.weight: copying a tensor of shape [1,3] from the state dict, the shape in the current module is [1,2]"
        )
    }

    @Test func aStrictLoadListsEveryMissingAndUnexpectedKeySorted() {
        let model = Sequential(Linear(inFeatures: 3, outFeatures: 2), Linear(inFeatures: 2, outFeatures: 1))
        var state = model.stateDict()
        state["1.weight"] = nil
        state["0.bias"] = nil
        state["head.weight"] = Tensor.zeros([1])
        state["body.weight"] = Tensor.zeros([1])
        let error = #expect(throws: ModuleError.self) { try model.load(stateDict: state) }
        #expect(
            error?.description == """
                error loading state dict: missing key(s) in state dict: "0.bias", "1.weight"; \
                unexpected key(s) in state dict: "body.weight", "head.weight"
                """)
        let onlyMissing = #expect(throws: ModuleError.self) { try model.load(stateDict: [:]) }
        #expect(
            onlyMissing?.description
                == #"error loading state dict: missing key(s) in state dict: "0.bias", "0.weight", "1.bias", "1.weight""#
        )
    }

    @Test func aSafetensorsFileWithOtherKeysFailsToLoadNamingThem() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lumen-errors-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Sequential(Linear(inFeatures: 2, outFeatures: 2)).save(to: url)
        let error = #expect(throws: ModuleError.self) { try Linear(inFeatures: 2, outFeatures: 2).load(from: url) }
        #expect(
            error?.description == """
                error loading state dict: missing key(s) in state dict: "bias", "weight"; \
                unexpected key(s) in state dict: "0.bias", "0.weight"
                """)
    }

    // MARK: The eager API traps with the message (a programming error, like an index out of range)

    /// The standard error of a child process that ran `body` and trapped.
    static func trapMessage(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func tooFewValuesForAShapeTrapNamingTheCountAndTheShape() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([1, 2, 3] as [Float], shape: [2, 2])
        }
        #expect(Self.trapMessage(result).contains("3 values cannot fill shape [2,2] (4 elements)"))
    }

    @Test func aLinearLayerGivenTheWrongFeaturesTrapsNamingTheShape() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Linear(inFeatures: 5, outFeatures: 2)(Tensor.zeros([4, 3]))
        }
        #expect(Self.trapMessage(result).contains("Linear: input of shape [4,3] does not end in inFeatures = 5"))
    }

    @Test func anIntegerTensorCannotRequireAGradientAndTheTrapNamesItsDType() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([1, 2] as [Int32]).requiringGrad()
        }
        #expect(Self.trapMessage(result).contains("only floating-point tensors can require gradients, not int32"))
    }

    @Test func assigningAParameterOfAnotherShapeTrapsNamingItAndBothShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let layer = Linear(inFeatures: 3, outFeatures: 2)
            layer.weight = Tensor.zeros([2, 4])
        }
        #expect(
            Self.trapMessage(result).contains(
                "cannot assign a tensor of shape [2,4] to a parameter of shape [2,3]: parameters are updated in place"))
    }
}
