import Foundation
import Testing
@testable import Lumen

// Decoding of Goldens/nn.json (written by scripts/make_nn_goldens.py) and tensor comparison helpers
// shared by the NN test suites.

/// A tensor in the golden file.
struct NNGoldenTensor: Decodable, Sendable {
    let dtype: String
    let shape: [Int]
    let numbers: [Double]
    let bools: [Bool]

    private enum CodingKeys: String, CodingKey { case dtype, shape, data }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dtype = try c.decode(String.self, forKey: .dtype)
        shape = try c.decode([Int].self, forKey: .shape)
        if dtype == "bool" {
            bools = try c.decode([Bool].self, forKey: .data)
            numbers = []
        } else {
            numbers = try c.decode([Double].self, forKey: .data)
            bools = []
        }
    }

    var tensor: Tensor {
        switch dtype {
        case "float32": Tensor(numbers.map { Float($0) }, shape: shape)
        case "float64": Tensor(numbers, shape: shape)
        case "int64": Tensor(numbers.map { Int64($0) }, shape: shape)
        case "int32": Tensor(numbers.map { Int32($0) }, shape: shape)
        case "uint8": Tensor(numbers.map { UInt8($0) }, shape: shape)
        case "bool": Tensor(bools, shape: shape)
        default: preconditionFailure("unknown golden dtype \(dtype)")
        }
    }
}

/// A JSON value of a layer's constructor arguments or a loss's configuration.
enum NNGoldenValue: Decodable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([NNGoldenValue]), tensor(NNGoldenTensor)

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([NNGoldenValue].self) {
            self = .array(a)
        } else {
            self = .tensor(try c.decode(NNGoldenTensor.self))
        }
    }

    var int: Int? { if case .number(let n) = self { Int(n) } else { nil } }
    var double: Double? { if case .number(let n) = self { n } else { nil } }
    var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var string: String? { if case .string(let s) = self { s } else { nil } }
    var pair: (Int, Int)? {
        if case .array(let a) = self, a.count == 2, let x = a[0].int, let y = a[1].int { (x, y) } else { nil }
    }
    var ints: [Int]? { if case .array(let a) = self { a.compactMap(\.int) } else { nil } }
    var tensor: Tensor? { if case .tensor(let t) = self { t.tensor } else { nil } }
}

struct NNLayerCase: Decodable, Sendable {
    let name: String
    let kind: String
    let args: [String: NNGoldenValue]
    let state: [String: NNGoldenTensor]
    let input: NNGoldenTensor
    let output: NNGoldenTensor
    let gradOutput: NNGoldenTensor?
    let grads: [String: NNGoldenTensor]?

    private enum CodingKeys: String, CodingKey {
        case name, kind, args, state, input, output, grads
        case gradOutput = "grad_output"
    }
}

struct NNBatchNormTrainingCase: Decodable, Sendable {
    let name: String
    let kind: String
    let args: [String: NNGoldenValue]
    let state: [String: NNGoldenTensor]
    let inputs: [NNGoldenTensor]
    let outputs: [NNGoldenTensor]
    let gradOutput: NNGoldenTensor
    let grads: [String: NNGoldenTensor]
    let finalState: [String: NNGoldenTensor]

    private enum CodingKeys: String, CodingKey {
        case name, kind, args, state, inputs, outputs, grads
        case gradOutput = "grad_output"
        case finalState = "final_state"
    }
}

struct NNLossCase: Decodable, Sendable {
    let name: String
    let loss: String
    let config: [String: NNGoldenValue]
    let input: NNGoldenTensor
    let target: NNGoldenTensor
    let value: NNGoldenTensor
    let grad: NNGoldenTensor
}

struct NNModelCase: Decodable, Sendable {
    let namedParameters: [String]
    let namedBuffers: [String]
    let stateDictKeys: [String]
    let state: [String: NNGoldenTensor]
    let input: NNGoldenTensor
    let output: NNGoldenTensor
    let target: NNGoldenTensor
    let grads: [String: NNGoldenTensor]

    private enum CodingKeys: String, CodingKey {
        case state, input, output, target, grads
        case namedParameters = "named_parameters"
        case namedBuffers = "named_buffers"
        case stateDictKeys = "state_dict_keys"
    }
}

struct NNGoldenFile: Decodable, Sendable {
    let format: Int
    let torch: String
    let layers: [NNLayerCase]
    let batchnormTraining: [NNBatchNormTrainingCase]
    let losses: [NNLossCase]
    let model: NNModelCase

    private enum CodingKeys: String, CodingKey {
        case format, torch, layers, losses, model
        case batchnormTraining = "batchnorm_training"
    }
}

/// The golden file, loaded once.
enum NNGoldens {
    static let loaded: Result<NNGoldenFile, NNGoldenLoadError> = {
        guard let directory = Bundle.module.resourceURL else {
            return .failure(NNGoldenLoadError(message: "no resource directory"))
        }
        let url = directory.appendingPathComponent("Goldens/nn.json")
        do {
            return .success(try JSONDecoder().decode(NNGoldenFile.self, from: Data(contentsOf: url)))
        } catch {
            return .failure(
                NNGoldenLoadError(
                    message: "cannot load \(url.path): \(error) — run .venv/bin/python scripts/make_nn_goldens.py"))
        }
    }()

    static var file: NNGoldenFile? { try? loaded.get() }
    static var layerNames: [String] { file?.layers.map(\.name) ?? [] }
    static var batchNormNames: [String] { file?.batchnormTraining.map(\.name) ?? [] }
    static var lossNames: [String] { file?.losses.map(\.name) ?? [] }
}

struct NNGoldenLoadError: Error, Sendable { let message: String }

/// The state dictionary of a golden case as tensors.
func nnTensors(_ state: [String: NNGoldenTensor]) -> [String: Tensor] { state.mapValues(\.tensor) }

/// Records an issue for every way `actual` differs from `expected`: dtype, shape, or values beyond
/// `atol + rtol·|expected|` (float32 values compared as float32).
func expectClose(
    _ actual: Tensor?, _ expected: NNGoldenTensor, rtol: Double = 1e-4, atol: Double = 1e-5,
    _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let actual else {
        Issue.record("\(label): missing (nil)", sourceLocation: sourceLocation)
        return
    }
    let expectedTensor = expected.tensor
    guard actual.shape == expectedTensor.shape else {
        Issue.record(
            "\(label): shape \(actual.shape), expected \(expectedTensor.shape)", sourceLocation: sourceLocation)
        return
    }
    guard actual.dtype == expectedTensor.dtype else {
        Issue.record(
            "\(label): dtype \(actual.dtype), expected \(expectedTensor.dtype)", sourceLocation: sourceLocation)
        return
    }
    let a = actual.doubles, e = expectedTensor.doubles
    var problems: [String] = []
    var count = 0
    for (i, (x, y)) in zip(a, e).enumerated() {
        let bad = y.isNaN ? !x.isNaN : (y.isInfinite ? x != y : !(abs(x - y) <= atol + rtol * abs(y)))
        if bad {
            count += 1
            if problems.count < 5 { problems.append("[\(i)] = \(x), expected \(y)") }
        }
    }
    if count > 0 {
        Issue.record(
            "\(label): \(count) of \(a.count) elements differ: \(problems.joined(separator: "; "))",
            sourceLocation: sourceLocation)
    }
}
