import Foundation
import Testing
@testable import Lumen

/// A module using every kind of member reflection finds.
private final class Block: Module {
    @Parameter var scale: Tensor
    @Parameter var shift: Tensor?
    @Parameter var absent: Tensor?
    @Buffer(key: "running_total") var runningTotal: Tensor
    @Buffer(key: "scratch", persistent: false) var scratch: Tensor
    let inner = Linear(inFeatures: 3, outFeatures: 2)
    let optionalInner: Linear? = Linear(inFeatures: 2, outFeatures: 2, bias: false)
    let missingInner: Linear? = nil
    let layers = [Linear(inFeatures: 2, outFeatures: 2), Linear(inFeatures: 2, outFeatures: 1)]
    let heads: [String: Module] = ["b": Linear(inFeatures: 1, outFeatures: 1), "a": Tanh()]
    var notAParameter = Tensor.zeros([5])

    override init() {
        self.scale = Tensor.ones([3])
        self.shift = Tensor.zeros([3])
        self.absent = nil
        super.init()
        self.runningTotal = Tensor.zeros([1])
        self.scratch = Tensor.zeros([2])
    }

    override func forward(_ x: Tensor) -> Tensor {
        layers[1](layers[0](optionalInner!(inner(x * scale + shift!))))
    }
}

@Suite("NN modules") struct NNModuleTests {
    @Test func reflectionFindsParametersBuffersAndSubmodulesWithDottedNames() {
        let block = Block()
        #expect(
            block.namedParameters().map(\.0) == [
                "scale", "shift", "inner.weight", "inner.bias", "optionalInner.weight",
                "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "heads.b.weight",
                "heads.b.bias",
            ])
        #expect(block.namedBuffers().map(\.0) == ["running_total", "scratch"])
        #expect(
            block.namedChildren().map(\.0) == ["inner", "optionalInner", "layers.0", "layers.1", "heads.a", "heads.b"])
        #expect(
            block.namedModules().map(\.0) == [
                "", "inner", "optionalInner", "layers.0", "layers.1", "heads.a", "heads.b",
            ])
        // Non-persistent buffers stay out of the state dict; everything else is in it.
        let keys = Set(block.stateDict().keys)
        #expect(keys == Set(block.namedParameters().map(\.0) + ["running_total"]))
        #expect(block.parameters().count == 11)
        #expect(block.buffers().count == 2)
    }

    @Test func sequentialNamesChildrenByPosition() {
        let model = Sequential(
            Linear(inFeatures: 4, outFeatures: 3), ReLU(), Sequential(Linear(inFeatures: 3, outFeatures: 2)))
        #expect(model.namedParameters().map(\.0) == ["0.weight", "0.bias", "2.0.weight", "2.0.bias"])
        #expect(model.count == 3)
        model.append(Linear(inFeatures: 2, outFeatures: 1, bias: false))
        #expect(model.namedParameters().last?.0 == "3.weight")
        #expect(model(Tensor.ones([5, 4])).shape == [5, 1])
    }

    @Test func parametersAreLeavesRequiringGradientsAndBuffersAreNot() {
        let block = Block()
        for (name, p) in block.namedParameters() {
            #expect(p.requiresGrad && p.isLeaf, "\(name)")
        }
        for (name, b) in block.namedBuffers() {
            #expect(!b.requiresGrad, "\(name)")
        }
    }

    @Test func sharedModulesAndParametersAreListedOnce() {
        let shared = Linear(inFeatures: 2, outFeatures: 2)
        let model = Sequential(shared, ReLU(), shared)
        #expect(model.parameters().count == 2)
        #expect(model.namedParameters().map(\.0) == ["0.weight", "0.bias"])
        #expect(model.namedModules().count == 3)
        // The state dict names every path, like PyTorch's.
        #expect(Set(model.stateDict().keys) == ["0.weight", "0.bias", "2.weight", "2.bias"])
    }

    @Test func trainAndEvalReachEverySubmodule() {
        let block = Block()
        #expect(block.modules().allSatisfy { $0.isTraining })
        block.eval()
        #expect(block.modules().allSatisfy { !$0.isTraining })
        block.layers[0].train()
        #expect(block.layers[0].isTraining && !block.isTraining)
        block.train()
        #expect(block.modules().allSatisfy { $0.isTraining })
    }

    @Test func backwardReachesEveryParameterAndZeroGradClearsThem() throws {
        let block = Block()
        try block(Tensor.uniform([4, 3])).sum().backward()
        for (name, p) in block.namedParameters() where !name.hasPrefix("heads") {
            #expect(p.grad?.shape == p.shape, "\(name)")
        }
        block.zeroGrad()
        #expect(block.parameters().allSatisfy { $0.grad == nil })
    }

    @Test func loadingWritesInPlaceSoHeldParametersSeeTheValues() throws {
        let source = Sequential(Linear(inFeatures: 3, outFeatures: 2), BatchNorm1d(numFeatures: 2))
        let target = Sequential(Linear(inFeatures: 3, outFeatures: 2), BatchNorm1d(numFeatures: 2))
        source.train()
        _ = source(Tensor.normal([8, 3]))  // moves the running statistics
        let held = target.parameters() + target.buffers()  // what an optimizer would keep
        let result = try target.load(stateDict: source.stateDict())
        #expect(result.missingKeys.isEmpty && result.unexpectedKeys.isEmpty)
        let expected = source.parameters() + source.buffers()
        for (a, b) in zip(held, expected) {
            #expect(a.doubles == b.doubles)
            #expect(!a.sharesStorage(with: b))
        }
        #expect(target.parameters().allSatisfy { $0.requiresGrad && $0.isLeaf })
        #expect(target.stateDict()["1.num_batches_tracked"]?.item(as: Int64.self) == 1)
        #expect(target.stateDict()["1.num_batches_tracked"]?.dtype == .int64)
    }

    @Test func strictLoadingListsMissingAndUnexpectedKeysAndWritesNothing() throws {
        let model = Sequential(Linear(inFeatures: 2, outFeatures: 2), Linear(inFeatures: 2, outFeatures: 1))
        let before = model.parameters().map(\.doubles)
        var state = model.stateDict().mapValues { Tensor.zeros(like: $0) }
        state["1.bias"] = nil
        state["extra.weight"] = Tensor.ones([1])
        #expect(throws: ModuleError.keyMismatch(missingKeys: ["1.bias"], unexpectedKeys: ["extra.weight"])) {
            try model.load(stateDict: state)
        }
        #expect(model.parameters().map(\.doubles) == before)
        let message = ModuleError.keyMismatch(missingKeys: ["1.bias"], unexpectedKeys: ["extra.weight"]).description
        #expect(message.contains("missing key(s) in state dict: \"1.bias\""))
        #expect(message.contains("unexpected key(s) in state dict: \"extra.weight\""))

        let result = try model.load(stateDict: state, strict: false)
        #expect(result.missingKeys == ["1.bias"] && result.unexpectedKeys == ["extra.weight"])
        #expect(model.namedParameters().filter { $0.0 != "1.bias" }.allSatisfy { $0.1.doubles.allSatisfy { $0 == 0 } })
        #expect(model.namedParameters().first { $0.0 == "1.bias" }?.1.doubles == before[3])
    }

    @Test func aShapeMismatchAlwaysThrowsNamingTheKeyAndBothShapes() {
        let model = Sequential(Linear(inFeatures: 3, outFeatures: 2))
        var state = model.stateDict()
        state["0.weight"] = Tensor.zeros([2, 4])
        for strict in [true, false] {
            #expect(throws: ModuleError.shapeMismatch(key: "0.weight", expected: [2, 3], got: [2, 4])) {
                try model.load(stateDict: state, strict: strict)
            }
        }
        let message = ModuleError.shapeMismatch(key: "0.weight", expected: [2, 3], got: [2, 4]).description
        #expect(message.contains("0.weight") && message.contains("[2,3]") && message.contains("[2,4]"))
    }

    @Test func assigningToAParameterWritesInPlace() {
        let layer = Linear(inFeatures: 2, outFeatures: 2)
        let held = layer.weight
        layer.weight = Tensor([[1, 2], [3, 4]] as [[Float]])
        #expect(held.scalars(as: Float.self) == [1, 2, 3, 4])
        #expect(layer.weight.sharesStorage(with: held) && layer.weight.requiresGrad)
    }

    @Test func dtypesAreConvertedOnLoad() throws {
        let layer = Linear(inFeatures: 2, outFeatures: 1)
        try layer.load(stateDict: ["weight": Tensor([[0.5, 0.25]] as [[Double]]), "bias": Tensor([1] as [Double])])
        #expect(layer.weight.dtype == .float32)
        #expect(layer.weight.scalars(as: Float.self) == [0.5, 0.25])
    }

    @Test func descriptionShowsTheTree() {
        let model = Sequential(Linear(inFeatures: 4, outFeatures: 3), ReLU())
        #expect(
            model.description == """
                Sequential(
                  (0): Linear(inFeatures: 4, outFeatures: 3, bias: true)
                  (1): ReLU()
                )
                """)
    }
}
