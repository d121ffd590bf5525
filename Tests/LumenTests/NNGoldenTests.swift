import Foundation
import Testing
@testable import Lumen

// Layers, batch normalization in training, losses and a nested model against PyTorch
// (Goldens/nn.json, written by scripts/make_nn_goldens.py). PyTorch's state dicts are loaded into
// Lumen's modules by name, so these tests also check that the names match PyTorch's.

@Suite("NN goldens") struct NNGoldenTests {
    @Test("golden file loads")
    func goldenFileLoads() throws {
        let file = try NNGoldens.loaded.get()
        #expect(!file.layers.isEmpty && !file.losses.isEmpty && !file.batchnormTraining.isEmpty)
    }

    @Test("layer matches PyTorch", arguments: NNGoldens.layerNames)
    func layer(_ name: String) throws {
        let golden = try #require(NNGoldens.file?.layers.first { $0.name == name })
        let module = try makeLayer(golden.kind, golden.args)
        try module.load(stateDict: nnTensors(golden.state))
        module.eval()
        var input = golden.input.tensor
        let tracksInput = golden.grads?["input"] != nil
        if tracksInput { input = input.requiringGrad() }
        let output = module(input)
        expectClose(output, golden.output, "\(name) output")

        guard let grads = golden.grads, let gradOutput = golden.gradOutput else { return }
        try (output * gradOutput.tensor).sum().backward()
        if let expected = grads["input"] { expectClose(input.grad, expected, "\(name) input gradient") }
        let parameters = Dictionary(uniqueKeysWithValues: module.namedParameters())
        for (key, expected) in grads where key != "input" {
            expectClose(parameters[key]?.grad, expected, "\(name) gradient of \(key)")
        }
        #expect(Set(parameters.keys) == Set(grads.keys.filter { $0 != "input" }), "\(name): parameter names")
    }

    @Test("batch norm training steps match PyTorch", arguments: NNGoldens.batchNormNames)
    func batchNormTraining(_ name: String) throws {
        let golden = try #require(NNGoldens.file?.batchnormTraining.first { $0.name == name })
        let module = try makeLayer(golden.kind, golden.args)
        try module.load(stateDict: nnTensors(golden.state))
        module.train()
        // zip stops at the shorter list: a golden with fewer outputs than inputs would skip steps.
        try #require(!golden.inputs.isEmpty, "\(name): the golden has no steps")
        try #require(
            golden.inputs.count == golden.outputs.count,
            "\(name): \(golden.inputs.count) inputs but \(golden.outputs.count) expected outputs")
        for (step, (input, expected)) in zip(golden.inputs, golden.outputs).enumerated() {
            let x = input.tensor.requiringGrad()
            let y = module(x)
            expectClose(y, expected, "\(name) step \(step + 1) output")
            if step == 0 {
                try (y * golden.gradOutput.tensor).sum().backward()
                expectClose(x.grad, try #require(golden.grads["input"]), "\(name) input gradient")
                for (key, parameter) in module.namedParameters() {
                    expectClose(
                        parameter.grad, try #require(golden.grads[key], "\(name): no gradient of \(key)"),
                        "\(name) gradient of \(key)")
                }
            }
        }
        let state = module.stateDict()
        #expect(Set(state.keys) == Set(golden.finalState.keys))
        for (key, expected) in golden.finalState {
            expectClose(state[key], expected, rtol: 1e-5, atol: 1e-6, "\(name) final \(key)")
        }
    }

    @Test("loss matches PyTorch", arguments: NNGoldens.lossNames)
    func loss(_ name: String) throws {
        let golden = try #require(NNGoldens.file?.losses.first { $0.name == name })
        let input = golden.input.tensor.requiringGrad()
        let target = golden.target.tensor
        let config = golden.config
        let reduction: LossReduction =
            switch config["reduction"]?.string ?? "mean" {
            case "sum": .sum
            case "none": .none
            default: .mean
            }
        let weight = config["weight"]?.tensor
        let value: Tensor
        switch golden.loss {
        case "cross_entropy":
            value = crossEntropy(
                logits: input, targets: target, classWeights: weight,
                ignoreIndex: config["ignore_index"]?.int ?? -100,
                labelSmoothing: config["label_smoothing"]?.double ?? 0, reduction: reduction)
        case "nll":
            value = nllLoss(
                logProbabilities: input, targets: target, classWeights: weight,
                ignoreIndex: config["ignore_index"]?.int ?? -100, reduction: reduction)
        case "mse":
            value = mseLoss(input, target, reduction: reduction)
        case "bce_with_logits":
            value = binaryCrossEntropyWithLogits(
                logits: input, targets: target, weight: weight,
                positiveWeight: config["pos_weight"]?.tensor, reduction: reduction)
        default:
            Issue.record("unknown loss \(golden.loss)")
            return
        }
        expectClose(value, golden.value, "\(name) value")
        try value.sum().backward()
        expectClose(input.grad, golden.grad, "\(name) gradient")
    }

    @Test("nested model: names, state, output and gradients match PyTorch")
    func nestedModel() throws {
        let golden = try #require(NNGoldens.file?.model)
        let model = GoldenNet()
        #expect(model.namedParameters().map(\.0) == golden.namedParameters)
        #expect(model.namedBuffers().map(\.0) == golden.namedBuffers)
        #expect(model.stateEntries().map(\.0) == golden.stateDictKeys)
        #expect(model.stateDict().keys.sorted() == golden.stateDictKeys.sorted())

        try model.load(stateDict: nnTensors(golden.state))
        model.eval()
        let output = model(golden.input.tensor)
        expectClose(output, golden.output, "model output")
        try crossEntropy(logits: output, targets: golden.target.tensor).backward()
        for (key, parameter) in model.namedParameters() {
            expectClose(parameter.grad, golden.grads[key]!, "model gradient of \(key)")
        }
    }
}

/// PyTorch's `Net` in scripts/make_nn_goldens.py.
final class GoldenNet: Module {
    let features = Sequential(
        Conv2d(inChannels: 1, outChannels: 4, kernelSize: (3, 3), padding: .symmetric(1, 1)),
        BatchNorm2d(numFeatures: 4), ReLU(), MaxPool2d(kernelSize: (2, 2)))
    let blocks = [Linear(inFeatures: 64, outFeatures: 16), Linear(inFeatures: 16, outFeatures: 16)]
    let norm = LayerNorm(normalizedShape: [16])
    let head = Sequential(Dropout(p: 0.2), Linear(inFeatures: 16, outFeatures: 10))

    override func forward(_ x: Tensor) -> Tensor {
        var h = Flatten()(features(x))
        for block in blocks { h = block(h).gelu() }
        return head(norm(h))
    }
}

struct NNGoldenArgumentError: Error, CustomStringConvertible {
    let description: String
}

/// The Lumen module for PyTorch class `kind` built with PyTorch constructor arguments `args`.
func makeLayer(_ kind: String, _ args: [String: NNGoldenValue]) throws -> Module {
    func int(_ key: String) throws -> Int {
        guard let value = args[key]?.int else { throw NNGoldenArgumentError(description: "\(kind): missing \(key)") }
        return value
    }
    func pair(_ key: String, default fallback: (Int, Int)? = nil) throws -> (Int, Int) {
        if let value = args[key]?.pair { return value }
        if let value = args[key]?.int { return (value, value) }
        guard let fallback else { throw NNGoldenArgumentError(description: "\(kind): missing \(key)") }
        return fallback
    }
    func padding() throws -> Padding {
        if args["padding"]?.string == "same" { return .same }
        let (h, w) = try pair("padding", default: (0, 0))
        return h == 0 && w == 0 ? .valid : .symmetric(h, w)
    }
    switch kind {
    case "Linear":
        return Linear(
            inFeatures: try int("in_features"), outFeatures: try int("out_features"), bias: args["bias"]?.bool ?? true)
    case "Conv2d":
        return Conv2d(
            inChannels: try int("in_channels"), outChannels: try int("out_channels"),
            kernelSize: try pair("kernel_size"), stride: try pair("stride", default: (1, 1)), padding: try padding(),
            dilation: try pair("dilation", default: (1, 1)), groups: args["groups"]?.int ?? 1,
            bias: args["bias"]?.bool ?? true)
    case "MaxPool2d":
        return MaxPool2d(kernelSize: try pair("kernel_size"), stride: args["stride"]?.pair, padding: try padding())
    case "AvgPool2d":
        return AvgPool2d(
            kernelSize: try pair("kernel_size"), stride: args["stride"]?.pair, padding: try padding(),
            countIncludePad: args["count_include_pad"]?.bool ?? true)
    case "BatchNorm1d", "BatchNorm2d":
        let momentum: Double? =
            if case .null = args["momentum"] ?? .number(0.1) { nil } else { args["momentum"]?.double ?? 0.1 }
        let features = try int("num_features"), eps = args["eps"]?.double ?? 1e-5, affine = args["affine"]?.bool ?? true
        return kind == "BatchNorm1d"
            ? BatchNorm1d(numFeatures: features, eps: eps, momentum: momentum, affine: affine)
            : BatchNorm2d(numFeatures: features, eps: eps, momentum: momentum, affine: affine)
    case "LayerNorm":
        return LayerNorm(
            normalizedShape: args["normalized_shape"]?.ints ?? [], eps: args["eps"]?.double ?? 1e-5,
            elementwiseAffine: args["elementwise_affine"]?.bool ?? true)
    case "Embedding":
        return Embedding(
            numEmbeddings: try int("num_embeddings"), embeddingDim: try int("embedding_dim"),
            paddingIndex: args["padding_idx"]?.int)
    case "Flatten":
        return Flatten(startAxis: args["start_dim"]?.int ?? 1, endAxis: args["end_dim"]?.int ?? -1)
    case "Dropout": return Dropout(p: args["p"]?.double ?? 0.5)
    case "ReLU": return ReLU()
    case "GELU": return GELU(approximate: args["approximate"]?.string == "tanh" ? .tanh : .none)
    case "Tanh": return Tanh()
    case "Sigmoid": return Sigmoid()
    case "Softmax": return Softmax(axis: try int("dim"))
    case "LogSoftmax": return LogSoftmax(axis: try int("dim"))
    case "Sequential":
        // The golden script's Sequential(Linear(4, 6), Tanh(), Linear(6, 2)).
        return Sequential(Linear(inFeatures: 4, outFeatures: 6), Tanh(), Linear(inFeatures: 6, outFeatures: 2))
    default:
        throw NNGoldenArgumentError(description: "no Lumen layer for \(kind)")
    }
}
