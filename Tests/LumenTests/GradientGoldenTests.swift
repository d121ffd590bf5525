import Foundation
import Testing
import Lumen

// Gradients checked against PyTorch.
//
// Goldens/gradients.json is written by `.venv/bin/python scripts/make_grad_goldens.py`: per case, the
// inputs, the names of those that require a gradient, PyTorch's loss and its gradients (float64).
// Each case is rebuilt here with Lumen's eager API (`GradientGoldens.losses`, same names), then
// `backward()` runs and every gradient is compared: in float64 within 1e-9 relative + 1e-10 absolute,
// and again with the inputs cast to float32, within 1e-4 relative + 1e-4 absolute.

@Suite("Gradient goldens") struct GradientGoldenTests {
    @Test("golden file loads and every case has a Lumen loss")
    func everyCaseHasALoss() {
        #expect(GradientGoldens.loadError == nil, "\(GradientGoldens.loadError ?? "")")
        #expect(GradientGoldens.cases.count >= 20, "only \(GradientGoldens.cases.count) golden cases")
        for c in GradientGoldens.cases where GradientGoldens.losses[c.name] == nil {
            Issue.record("golden case \(c.name) has no loss in GradientGoldens.losses")
        }
        for name in GradientGoldens.losses.keys.sorted() where GradientGoldens.byName[name] == nil {
            Issue.record(
                "GradientGoldens.losses names \(name), which is not in gradients.json (rerun scripts/make_grad_goldens.py)"
            )
        }
    }

    @Test("gradient matches PyTorch", arguments: GradientGoldens.names, [DType.float64, .float32])
    func matchesPyTorch(_ name: String, _ dtype: DType) throws {
        let golden = try #require(GradientGoldens.byName[name])
        let build = try #require(GradientGoldens.losses[name], "no Lumen loss for \(name)")
        let (rtol, atol) = dtype == .float64 ? (1e-9, 1e-10) : (1e-4, 1e-4)
        var tensors: [String: Tensor] = [:]
        for (key, value) in golden.inputs {
            var t = value.tensor
            if t.dtype.isFloatingPoint { t = t.cast(to: dtype) }
            tensors[key] = golden.requiresGrad.contains(key) ? t.requiringGrad() : t
        }
        let loss = build(tensors)
        #expect(loss.shape == [], "\(name): the loss must be a scalar, got shape \(loss.shape)")
        let value = loss.doubles[0]
        #expect(
            abs(value - golden.loss) <= atol + rtol * abs(golden.loss), "\(name): loss \(value), PyTorch \(golden.loss)"
        )
        try loss.backward()
        for key in golden.requiresGrad.sorted() {
            let expected = try #require(golden.grads[key])
            guard let grad = tensors[key]?.grad else {
                Issue.record("\(name): \(key) got no gradient")
                continue
            }
            #expect(grad.dtype == dtype, "\(name): grad of \(key) has dtype \(grad.dtype)")
            guard grad.shape == expected.shape else {
                Issue.record("\(name): grad of \(key) has shape \(grad.shape), PyTorch \(expected.shape)")
                continue
            }
            var mismatches = 0
            for (i, (a, e)) in zip(grad.doubles, expected.data).enumerated() where !(abs(a - e) <= atol + rtol * abs(e))
            {
                mismatches += 1
                if mismatches <= 5 { Issue.record("\(name) [\(dtype)]: d\(key)[\(i)] = \(a), PyTorch \(e)") }
            }
            if mismatches > 5 {
                Issue.record("\(name) [\(dtype)]: \(mismatches) of \(grad.count) elements of d\(key) differ")
            }
        }
    }
}

// MARK: The Lumen side of each case

/// PyTorch's `F.cross_entropy(logits, target)` with class indices: −mean of the log-probabilities
/// of the target classes, gathered from the flattened log-softmax.
private func manualCrossEntropy(_ logits: Tensor, _ target: Tensor) -> Tensor {
    let (n, classes) = (logits.shape[0], logits.shape[1])
    let targets = target.scalars(as: Int64.self)
    let flat = Tensor((0..<n).map { Int64($0 * classes) + targets[$0] }, shape: [n])
    return -(logSoftmax(logits).reshaped([-1]).gathered(flat).mean())
}

extension GradientGoldens {
    typealias Loss = @Sendable ([String: Tensor]) -> Tensor

    /// The loss of every golden case, built from the case's named inputs.
    static let losses: [String: Loss] = [
        "broadcast/3x1_1x4": { t in
            let (a, b, c) = (t["a"]!, t["b"]!, t["c"]!)
            return ((a + b) * c - a / (b * b + 1)).square().sum()
        },
        "broadcast/rank_mismatch": { t in
            let (a, b, c) = (t["a"]!, t["b"]!, t["c"]!)
            return ((a * b - c).tanh() * (a + c)).mean()
        },
        "broadcast/scalar_and_unary": { t in
            let (a, b, s) = (t["a"]!, t["b"]!, t["s"]!)
            return (a.log() * (b * s).exp() + a.sqrt() * b.sigmoid() - s * a.pow(1.5)).sum()
        },
        "reductions/keepdim": { t in
            let x = t["x"]!
            return (x.sum(axes: [1], keepDims: true) * x).sum()
                + x.mean(axes: [0, 2], keepDims: true).square().sum()
                + (x.max(axes: [2], keepDims: true) * x).sum()
                + x.logSumExp(axes: [0, 1], keepDims: true).sum()
                + x.variance(axes: [1], correction: 1, keepDims: true).sum()
                + x.product(axes: [2]).sum()
        },
        "reductions/no_keepdim": { t in
            let (x, w) = (t["x"]!, t["w"]!)
            return (x.sum(axes: [0, 2]) * w).sum() + x.min(axes: [1]).sum() * 0.5 + x.mean() * 3
                + x.variance(axes: [0, 2], correction: 0).sum()
        },
        "matmul/transposes": { t in
            let (a, b, at, bt, w) = (t["a"]!, t["b"]!, t["at"]!, t["bt"]!, t["w"]!)
            return (a.matmul(b) * w).sum() + (at.matmul(b, transposeSelf: true) * w).sum()
                + (a.matmul(bt, transposeOther: true) * w).sum()
                + (at.matmul(bt, transposeSelf: true, transposeOther: true) * w).sum()
        },
        "matmul/batch_broadcast": { t in (t["a"]!.matmul(t["b"]!) * t["w"]!).sum() },
        "matmul/batch_broadcast_transposes": { t in
            (t["a"]!.matmul(t["b"]!, transposeSelf: true, transposeOther: true) * t["w"]!).sum()
        },
        "conv2d/stride2_padding1_bias": { t in
            (conv2d(t["x"]!, t["w"]!, bias: t["b"]!, stride: (2, 2), padding: .symmetric(1, 1)) * t["gw"]!).sum()
        },
        "conv2d/dilation2_padding_2_1": { t in
            (conv2d(t["x"]!, t["w"]!, padding: .symmetric(2, 1), dilation: (2, 2)) * t["gw"]!).sum()
        },
        "conv2d/groups2_stride_1_2_padding1": { t in
            (conv2d(t["x"]!, t["w"]!, stride: (1, 2), padding: .symmetric(1, 1), groups: 2) * t["gw"]!).sum()
        },
        "conv2d/same_stride1": { t in (conv2d(t["x"]!, t["w"]!, padding: .same) * t["gw"]!).sum() },
        "conv2d/valid_5x5_kernel": { t in (conv2d(t["x"]!, t["w"]!) * t["gw"]!).sum() },
        "conv2d/stride2_dilation2_groups2": { t in
            (conv2d(t["x"]!, t["w"]!, stride: (2, 2), dilation: (2, 2), groups: 2) * t["gw"]!).sum()
        },
        "pool/max_3x3_stride2_padding1": { t in
            (maxPool2d(t["x"]!, kernel: (3, 3), stride: (2, 2), padding: .symmetric(1, 1)) * t["gw"]!).sum()
        },
        "pool/max_2x2_valid": { t in (maxPool2d(t["x"]!, kernel: (2, 2)) * t["gw"]!).sum() },
        "pool/max_3x3_stride1_overlapping": { t in (maxPool2d(t["x"]!, kernel: (3, 3), stride: (1, 1)) * t["gw"]!).sum()
        },
        "pool/avg_3x3_stride2_padding1_include_pad": { t in
            (avgPool2d(t["x"]!, kernel: (3, 3), stride: (2, 2), padding: .symmetric(1, 1), countIncludePad: true) * t[
                "gw"]!).sum()
        },
        "pool/avg_3x3_stride2_padding1_exclude_pad": { t in
            (avgPool2d(t["x"]!, kernel: (3, 3), stride: (2, 2), padding: .symmetric(1, 1), countIncludePad: false) * t[
                "gw"]!).sum()
        },
        "pool/avg_2x2_valid": { t in (avgPool2d(t["x"]!, kernel: (2, 2)) * t["gw"]!).sum() },
        "softmax/axes": { t in
            let x = t["x"]!
            return (softmax(x, axis: 0) * t["w0"]!).sum() + (logSoftmax(x, axis: 1) * t["w1"]!).sum()
        },
        "cross_entropy/logits": { t in manualCrossEntropy(t["logits"]!, t["target"]!) },
        "cross_entropy/mlp": { t in
            let hidden = (t["x"]!.matmul(t["w1"]!) + t["b1"]!).relu()
            return manualCrossEntropy(hidden.matmul(t["w2"]!) + t["b2"]!, t["target"]!)
        },
        "cross_entropy/convnet": { t in
            let features = conv2d(t["x"]!, t["k"]!, bias: t["kb"]!, padding: .symmetric(1, 1)).relu()
            let pooled = maxPool2d(features, kernel: (3, 3), stride: (2, 2), padding: .symmetric(1, 1))
            let flat = pooled.reshaped([2, 64])[.all, .range(0..<36)]
            return manualCrossEntropy(flat.matmul(t["w"]!), t["target"]!)
        },
    ]
}

// MARK: The golden file

/// The decoded gradient goldens, loaded once.
enum GradientGoldens {
    private static let loaded: (cases: [GradientGoldenCase], error: String?) = load()

    static var cases: [GradientGoldenCase] { loaded.cases }
    static var loadError: String? { loaded.error }
    static let byName: [String: GradientGoldenCase] = Dictionary(
        cases.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    static var names: [String] { cases.map(\.name) }

    private static func load() -> ([GradientGoldenCase], String?) {
        guard let base = Bundle.module.resourceURL else { return ([], "the test bundle has no resources") }
        let url = base.appendingPathComponent("Goldens/gradients.json")
        do {
            let file = try JSONDecoder().decode(GradientGoldenFile.self, from: Data(contentsOf: url))
            return (file.cases, nil)
        } catch {
            return ([], "cannot load \(url.path): \(error) — run .venv/bin/python scripts/make_grad_goldens.py")
        }
    }
}

struct GradientGoldenFile: Decodable {
    let format: Int
    let cases: [GradientGoldenCase]
}

struct GradientGoldenCase: Decodable, Sendable {
    let name: String
    let inputs: [String: GradientGoldenTensor]
    let requiresGrad: [String]
    let loss: Double
    let grads: [String: GradientGoldenTensor]

    private enum CodingKeys: String, CodingKey {
        case name, inputs, loss, grads
        case requiresGrad = "requires_grad"
    }
}

struct GradientGoldenTensor: Decodable, Sendable {
    let dtype: String
    let shape: [Int]
    let data: [Double]

    var tensor: Tensor {
        dtype == "int64" ? Tensor(data.map { Int64($0) }, shape: shape) : Tensor(data, shape: shape)
    }
}
