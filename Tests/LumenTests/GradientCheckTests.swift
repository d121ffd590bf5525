import Foundation
import Testing
@testable import Lumen

// Every differentiable op checked against central finite differences in float64.
//
// A case runs one op through `OpRegistry.shared.execute`; the loss is Σₖ sum(outputₖ · Wₖ) with fixed
// random weights Wₖ (seeded by the case name), so every output element matters with its own weight.
// The autograd gradient of that loss (the op recorded on the tape, then `backward()`) must match
// (L(x + ε) − L(x − ε)) / 2ε for every element of every floating-point input, within
// `atol + rtol · |numeric|`. Inputs are chosen away from kinks (Relu, Abs, Max, Clip, pools).

@Suite("Gradient check") struct GradientCheckTests {
    @Test("every op with a gradient has a finite-difference case")
    func everyDifferentiableOpIsChecked() {
        let covered = Set(GradientCheckCases.all.map(\.op))
        let differentiable = OpRegistry.shared.opTypes.filter { OpRegistry.shared[$0]?.gradient != nil }
        #expect(differentiable.count > 40, "only \(differentiable.count) ops have gradients")
        for op in differentiable where !covered.contains(op) {
            Issue.record("op \(op) has a gradient but no finite-difference case in GradientCheckTests.swift")
        }
        for op in covered.sorted() where OpRegistry.shared[op]?.gradient == nil {
            Issue.record("finite-difference cases name op \(op), which has no gradient")
        }
        #expect(GradientCheckCases.byName.count == GradientCheckCases.all.count, "case names must be unique")
    }

    @Test("gradient matches finite differences", arguments: GradientCheckCases.names)
    func finiteDifferences(_ name: String) throws {
        let c = try #require(GradientCheckCases.byName[name])
        for problem in try GradientChecker.check(c) { Issue.record("\(name): \(problem)") }
    }

    @Test("softmax cross-entropy composite matches finite differences")
    func softmaxCrossEntropy() throws {
        let logits = GradientInputs.uniform([4, 5], seed: 11, low: -2, high: 2)
        let targets = Tensor([1, 0, 4, 2] as [Int])
        let flat = Tensor([0 * 5 + 1, 1 * 5 + 0, 2 * 5 + 4, 3 * 5 + 2] as [Int])
        func loss(_ x: Tensor) -> Tensor { -(logSoftmax(x).reshaped([-1]).gathered(flat).mean()) }
        let leaf = logits.requiringGrad()
        try loss(leaf).backward()
        let analytic = try #require(leaf.grad).doubles
        let numeric = GradientChecker.numericGradient(of: logits, eps: 1e-6) { loss($0).item(as: Double.self) }
        for problem in GradientChecker.compare(analytic, numeric, rtol: 1e-6, atol: 1e-6) {
            Issue.record("cross-entropy: \(problem)")
        }
        // And the closed form: (softmax(x) − onehot(target)) / N.
        let expected = (softmax(logits) - Tensor.oneHot(targets, depth: 5, dtype: .float64)) / 4
        for problem in GradientChecker.compare(analytic, expected.doubles, rtol: 1e-12, atol: 1e-12) {
            Issue.record("cross-entropy closed form: \(problem)")
        }
    }

    @Test("an output that gets no gradient contributes zeros (Split)")
    func unusedOutputs() throws {
        let x = GradientInputs.uniform([2, 6], seed: 5).requiringGrad()
        let parts = x.split(3, axis: 1)
        try (parts[1] * parts[1]).sum().backward()
        let grad = try #require(x.grad).doubles
        let values = x.doubles
        for (i, g) in grad.enumerated() {
            let column = i % 6
            #expect(g == ((2...3).contains(column) ? 2 * values[i] : 0), "element \(i)")
        }
    }

    @Test("GatherV2 accumulates repeated indices and gives integer indices no gradient")
    func gatherRepeats() throws {
        let params = Tensor([[1, 2], [3, 4], [5, 6]] as [[Double]]).requiringGrad()
        let indices = Tensor([2, 0, 2, 2] as [Int])
        try params.gathered(indices).sum().backward()
        #expect(try #require(params.grad).scalars(as: Double.self) == [1, 1, 0, 0, 3, 3])
    }
}

// MARK: The checker

/// One finite-difference case: an op, its inputs and attributes.
struct GradientCheckCase: Sendable {
    var name: String
    var op: String
    var inputs: [Tensor]
    var attributes: Attributes = [:]
    /// The outputs that enter the loss (all when `nil`), to exercise outputs without a gradient.
    var lossOutputs: [Int]? = nil
    var eps = 1e-6
    var rtol = 1e-6
    var atol = 1e-6
}

enum GradientChecker {
    /// Every mismatch between the autograd and the finite-difference gradients of the case's loss.
    static func check(_ c: GradientCheckCase) throws -> [String] {
        let reference = try OpRegistry.shared.execute(c.op, inputs: c.inputs, attributes: c.attributes)
        var random = GradientCheckRandom(seed: stableHash(c.name))
        let weights: [Tensor?] = reference.enumerated().map { index, output in
            guard output.dtype.isFloatingPoint, c.lossOutputs?.contains(index) ?? true else { return nil }
            let values = (0..<output.count).map { _ in random.uniform(-1, 1) }
            return Tensor(values, shape: output.shape).cast(to: output.dtype)
        }

        // Autograd: the op recorded on the tape, then backward from the weighted sum.
        let leaves = c.inputs.map { $0.dtype.isFloatingPoint ? $0.requiringGrad() : $0 }
        let outputs = Tensor.runAll(c.op, leaves, c.attributes)
        var loss: Tensor?
        for (output, weight) in zip(outputs, weights) {
            guard let weight else { continue }
            let term = (output * weight).sum().cast(.float64)
            loss = loss.map { $0 + term } ?? term
        }
        guard let loss else { return ["no output enters the loss"] }
        try loss.backward()

        // Finite differences through the registry.
        func lossValue(_ inputs: [Tensor]) throws -> Double {
            let outs = try OpRegistry.shared.execute(c.op, inputs: inputs, attributes: c.attributes)
            var total = 0.0
            for (output, weight) in zip(outs, weights) {
                guard let weight else { continue }
                total += zip(output.doubles, weight.doubles).reduce(0) { $0 + $1.0 * $1.1 }
            }
            return total
        }
        var problems: [String] = []
        for (k, input) in c.inputs.enumerated() where input.dtype.isFloatingPoint {
            let numeric = try numericGradient(of: input, eps: c.eps) { perturbed in
                var inputs = c.inputs
                inputs[k] = perturbed
                return try lossValue(inputs)
            }
            guard let grad = leaves[k].grad else {
                if numeric.contains(where: { abs($0) > c.atol }) { problems.append("input \(k) got no gradient") }
                continue
            }
            guard grad.shape == input.shape else {
                problems.append("input \(k): gradient shape \(grad.shape), expected \(input.shape)")
                continue
            }
            problems += compare(grad.doubles, numeric, rtol: c.rtol, atol: c.atol).map { "input \(k) \($0)" }
        }
        return problems
    }

    /// (f(x + ε·eᵢ) − f(x − ε·eᵢ)) / 2ε for every element i of `x`.
    static func numericGradient(of x: Tensor, eps: Double, _ f: (Tensor) throws -> Double) rethrows -> [Double] {
        let values = x.doubles
        var result: [Double] = []
        result.reserveCapacity(values.count)
        for i in values.indices {
            var plus = values, minus = values
            plus[i] += eps
            minus[i] -= eps
            let up = try f(Tensor(plus, shape: x.shape).cast(to: x.dtype))
            let down = try f(Tensor(minus, shape: x.shape).cast(to: x.dtype))
            result.append((up - down) / (2 * eps))
        }
        return result
    }

    static func compare(_ analytic: [Double], _ numeric: [Double], rtol: Double, atol: Double) -> [String] {
        guard analytic.count == numeric.count else {
            return ["\(analytic.count) gradient values, expected \(numeric.count)"]
        }
        var problems: [String] = []
        var count = 0
        for (i, (a, n)) in zip(analytic, numeric).enumerated() where !(abs(a - n) <= atol + rtol * abs(n)) {
            count += 1
            if problems.count < 5 { problems.append("[\(i)]: autograd \(a), finite difference \(n)") }
        }
        if count > problems.count { problems.append("… \(count) of \(analytic.count) elements differ") }
        return problems
    }

    /// FNV-1a: a seed that is the same in every run (`hashValue` is not).
    static func stableHash(_ s: String) -> UInt64 {
        s.utf8.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

/// A small deterministic generator for test inputs.
struct GradientCheckRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(next() >> 11) * 0x1.0p-53
    }
}

/// Float64 inputs for the cases.
enum GradientInputs {
    static func uniform(_ shape: [Int], seed: UInt64, low: Double = -1, high: Double = 1) -> Tensor {
        var random = GradientCheckRandom(seed: seed)
        return Tensor((0..<Shape.elementCount(shape)).map { _ in random.uniform(low, high) }, shape: shape)
    }

    /// Magnitudes in [0.2, 1.2] with random signs: away from the kink at zero.
    static func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
        var random = GradientCheckRandom(seed: seed)
        return Tensor(
            (0..<Shape.elementCount(shape)).map { _ in
                (random.next() & 1 == 0 ? 1 : -1) * random.uniform(0.2, 1.2)
            }, shape: shape)
    }

    /// Shuffled values 0.1 apart (plus `offset`), centred on zero: no ties, no near-ties.
    static func distinct(_ shape: [Int], seed: UInt64, offset: Double = 0.013) -> Tensor {
        var random = GradientCheckRandom(seed: seed)
        let n = Shape.elementCount(shape)
        var values = (0..<n).map { Double($0) * 0.1 - Double(n) * 0.05 + offset }
        for i in stride(from: n - 1, to: 0, by: -1) { values.swapAt(i, Int(random.next() % UInt64(i + 1))) }
        return Tensor(values, shape: shape)
    }
}

// MARK: The cases

enum GradientCheckCases {
    static let byName: [String: GradientCheckCase] = Dictionary(
        all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    static var names: [String] { all.map(\.name) }

    private static func u(_ shape: [Int], _ seed: UInt64, _ low: Double = -1, _ high: Double = 1) -> Tensor {
        GradientInputs.uniform(shape, seed: seed, low: low, high: high)
    }
    private static func away(_ shape: [Int], _ seed: UInt64) -> Tensor {
        GradientInputs.awayFromZero(shape, seed: seed)
    }
    private static func distinct(_ shape: [Int], _ seed: UInt64, offset: Double = 0.013) -> Tensor {
        GradientInputs.distinct(shape, seed: seed, offset: offset)
    }
    private static func c(_ name: String, _ op: String, _ inputs: [Tensor], _ attributes: Attributes = [:])
        -> GradientCheckCase
    {
        GradientCheckCase(name: "\(op)/\(name)", op: op, inputs: inputs, attributes: attributes)
    }

    static let all: [GradientCheckCase] = elementwise + reductions + linearAlgebra + shape + neuralNetwork

    static let elementwise: [GradientCheckCase] = {
        var cases: [GradientCheckCase] = []
        for op in ["Add", "AddV2", "Sub", "Mul", "SquaredDifference"] {
            cases.append(c("broadcast_3x1_1x4", op, [u([3, 1], 1), u([1, 4], 2)]))
            cases.append(c("rank_mismatch", op, [u([2, 3, 4], 3), u([4], 4)]))
            cases.append(c("rank_mismatch_left", op, [u([3, 1], 5), u([2, 3, 4], 6)]))
        }
        cases.append(c("scalar", "Mul", [u([2, 3], 7), u([], 8)]))
        cases.append(c("broadcast_3x1_1x4", "RealDiv", [u([3, 1], 9), away([1, 4], 10)]))
        cases.append(c("rank_mismatch", "RealDiv", [u([2, 3, 4], 11), away([4], 12)]))
        cases.append(c("broadcast", "Pow", [u([3, 1], 13, 0.5, 2), u([1, 4], 14, -1.5, 1.5)]))
        cases.append(c("same_shape", "Pow", [u([2, 3], 15, 0.5, 2), u([2, 3], 16, -2, 2)]))
        // Maximum/Minimum: grids offset by 0.05, so no pair is within 0.05 of a tie.
        for op in ["Maximum", "Minimum"] {
            cases.append(c("broadcast", op, [distinct([3, 4], 17), distinct([4], 18, offset: 0.063)]))
            cases.append(c("same_shape", op, [distinct([2, 5], 19), distinct([2, 5], 20, offset: 0.063)]))
        }
        for (op, seed) in [
            ("Neg", 21), ("Square", 22), ("Exp", 23), ("Tanh", 24), ("Sigmoid", 25), ("Softplus", 26), ("Identity", 27),
        ] {
            cases.append(c("2x3", op, [u([2, 3], UInt64(seed), -2, 2)]))
        }
        for (op, seed) in [("Log", 28), ("Sqrt", 29), ("Rsqrt", 30)] {
            cases.append(c("positive", op, [u([2, 3], UInt64(seed), 0.3, 2)]))
        }
        for (op, seed) in [("Abs", 31), ("Sign", 32), ("Relu", 33)] {
            cases.append(c("away_from_zero", op, [away([3, 4], UInt64(seed))]))
        }
        cases.append(c("exact", "Gelu", [u([3, 4], 34, -3, 3)], ["approximate": .bool(false)]))
        cases.append(c("tanh_approximation", "Gelu", [u([3, 4], 35, -3, 3)], ["approximate": .bool(true)]))
        // Grid points sit at least 0.037 from the bounds.
        cases.append(
            c("inside_and_outside", "ClipByValue", [distinct([4, 5], 36)], ["min": .float(-0.3), "max": .float(0.4)]))
        let condition = Tensor([[true], [false], [true]])
        cases.append(c("broadcast", "SelectV2", [condition, u([3, 4], 37), u([4], 38)]))
        cases.append(c("to_float64", "Cast", [u([2, 3], 39)], ["DstT": .dtype(.float64)]))
        var toFloat32 = c("to_float32", "Cast", [u([2, 3], 40)], ["DstT": .dtype(.float32)])
        (toFloat32.eps, toFloat32.rtol, toFloat32.atol) = (1e-3, 1e-4, 1e-4)  // the loss is a float32 sum
        cases.append(toFloat32)
        cases.append(c("three_inputs", "AddN", [u([2, 3], 41), u([2, 3], 42), u([2, 3], 43)]))
        return cases
    }()

    static let reductions: [GradientCheckCase] = {
        func r(_ keep: Bool, _ axes: [Int]?) -> Attributes {
            var a: Attributes = ["keep_dims": .bool(keep)]
            if let axes { a["axes"] = .ints(axes) }
            return a
        }
        var cases: [GradientCheckCase] = []
        for (op, seed) in [("Sum", 50), ("Mean", 51), ("LogSumExp", 52)] {
            let x = u([2, 3, 4], UInt64(seed))
            cases.append(c("all", op, [x], r(false, nil)))
            cases.append(c("axis1_keep_dims", op, [x], r(true, [1])))
            cases.append(c("axes_0_2", op, [x], r(false, [0, 2])))
            cases.append(c("axes_0_neg1_keep_dims", op, [x], r(true, [0, -1])))
        }
        for (op, seed) in [("Max", 53), ("Min", 54)] {
            let x = distinct([2, 3, 4], UInt64(seed))
            cases.append(c("all", op, [x], r(false, nil)))
            cases.append(c("axis1_keep_dims", op, [x], r(true, [1])))
            cases.append(c("axes_0_2", op, [x], r(false, [0, 2])))
        }
        let positive = u([2, 3, 4], 55, 0.5, 1.5)
        cases.append(c("axis1_keep_dims", "Prod", [positive], r(true, [1])))
        cases.append(c("axes_0_2", "Prod", [away([2, 3, 4], 56)], r(false, [0, 2])))
        var variance = r(true, [1])
        variance["correction"] = .int(1)
        cases.append(c("axis1_correction1_keep_dims", "Variance", [u([2, 3, 4], 57)], variance))
        cases.append(c("axes_0_2", "Variance", [u([2, 3, 4], 58)], r(false, [0, 2])))
        cases.append(c("all", "Variance", [u([3, 4], 59)], r(false, nil)))
        return cases
    }()

    static let linearAlgebra: [GradientCheckCase] = {
        var cases: [GradientCheckCase] = []
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = u(ta ? [4, 3] : [3, 4], 60), b = u(tb ? [5, 4] : [4, 5], 61)
            cases.append(
                c("transpose_a_\(ta)_b_\(tb)", "MatMul", [a, b], ["transpose_a": .bool(ta), "transpose_b": .bool(tb)]))
        }
        cases.append(c("batch_broadcast", "BatchMatMulV2", [u([2, 1, 3, 4], 62), u([3, 4, 5], 63)]))
        cases.append(
            c(
                "batch_broadcast_adjoints", "BatchMatMulV2", [u([2, 1, 4, 3], 64), u([3, 5, 4], 65)],
                ["adj_x": .bool(true), "adj_y": .bool(true)]))
        cases.append(c("adj_x", "BatchMatMulV2", [u([2, 4, 3], 66), u([2, 4, 5], 67)], ["adj_x": .bool(true)]))
        cases.append(
            c("adj_y_rank2_rhs", "BatchMatMulV2", [u([2, 3, 4], 68), u([5, 4], 69)], ["adj_y": .bool(true)]))
        return cases
    }()

    static let shape: [GradientCheckCase] = {
        var cases: [GradientCheckCase] = []
        let x = u([2, 3, 4], 70)
        cases.append(c("to_6x4", "Reshape", [x], ["shape": .ints([6, -1])]))
        cases.append(c("axis1", "ExpandDims", [x], ["axis": .int(1)]))
        cases.append(c("dims_0_2", "Squeeze", [u([1, 3, 1, 2], 71)], ["squeeze_dims": .ints([0, 2])]))
        cases.append(c("all_ones", "Squeeze", [u([1, 3, 1], 72)]))
        cases.append(c("perm_2_0_1", "Transpose", [x], ["perm": .ints([2, 0, 1])]))
        cases.append(c("reverse", "Transpose", [u([3, 4], 73)]))
        cases.append(c("3x1_to_2x3x4", "BroadcastTo", [u([3, 1], 74)], ["shape": .ints([2, 3, 4])]))
        cases.append(
            c(
                "axis1_three_inputs", "ConcatV2", [u([2, 1, 4], 75), u([2, 3, 4], 76), u([2, 2, 4], 77)],
                ["axis": .int(1)]))
        cases.append(c("axis_neg1", "ConcatV2", [u([2, 3], 78), u([2, 2], 79)], ["axis": .int(-1)]))
        cases.append(c("axis0", "Pack", [u([2, 3], 80), u([2, 3], 81), u([2, 3], 82)], ["axis": .int(0)]))
        cases.append(c("axis_neg1", "Pack", [u([2, 3], 83), u([2, 3], 84)], ["axis": .int(-1)]))
        cases.append(c("axis1_three", "Split", [u([2, 6, 2], 85)], ["axis": .int(1), "num_split": .int(3)]))
        var partial = c("only_last_output_used", "Split", [u([4, 3], 86)], ["axis": .int(0), "num_split": .int(2)])
        partial.lossOutputs = [1]
        cases.append(partial)
        cases.append(
            c("sizes_1_rest_2", "SplitV", [u([2, 6], 87)], ["axis": .int(1), "size_splits": .ints([1, -1, 2])]))
        var partialV = c(
            "middle_output_unused", "SplitV", [u([5, 2], 88)], ["axis": .int(0), "size_splits": .ints([2, 1, 2])])
        partialV.lossOutputs = [0, 2]
        cases.append(partialV)
        cases.append(
            c(
                "steps_and_masks", "StridedSlice", [u([4, 5, 3], 89)],
                [
                    "begin": .ints([1, 0, 0]), "end": .ints([4, 5, 2]), "strides": .ints([2, 2, 1]),
                    "begin_mask": .int(2),
                ]))
        cases.append(
            c(
                "negative_step_and_shrink", "StridedSlice", [u([4, 5], 90)],
                [
                    "begin": .ints([2, -1]), "end": .ints([3, 0]), "strides": .ints([1, -2]),
                    "shrink_axis_mask": .int(1),
                    "end_mask": .int(2),
                ]))
        cases.append(c("axis0_repeated", "GatherV2", [u([4, 3], 91), Tensor([2, 0, 2, 3, 2] as [Int])]))
        cases.append(
            c(
                "axis1_matrix_indices", "GatherV2",
                [u([2, 4, 3], 92), Tensor([[1, 3], [1, 0], [3, 3]] as [[Int32]])],
                ["axis": .int(1)]))
        cases.append(
            c("axis_neg1_scalar_index", "GatherV2", [u([2, 3, 4], 93), Tensor(2 as Int)], ["axis": .int(-1)]))
        cases.append(c("asymmetric", "Pad", [u([2, 3], 94)], ["paddings": .ints([1, 0, 2, 3])]))
        cases.append(
            c(
                "rank3_with_value", "Pad", [u([2, 1, 3], 95)],
                ["paddings": .ints([0, 1, 1, 1, 0, 2]), "constant_value": .float(0.5)]))
        cases.append(c("2_1_3", "Tile", [u([2, 3, 2], 96)], ["multiples": .ints([2, 1, 3])]))
        cases.append(c("rank1", "Tile", [u([3], 97)], ["multiples": .ints([4])]))
        return cases
    }()

    static let neuralNetwork: [GradientCheckCase] = {
        var cases: [GradientCheckCase] = []
        cases.append(c("last_axis", "Softmax", [u([3, 5], 100, -2, 2)]))
        cases.append(c("axis0", "Softmax", [u([4, 3], 101, -2, 2)], ["axis": .int(0)]))
        cases.append(c("last_axis", "LogSoftmax", [u([3, 5], 102, -2, 2)]))
        cases.append(c("axis1_rank3", "LogSoftmax", [u([2, 4, 3], 103, -2, 2)], ["axis": .int(1)]))

        func conv(_ name: String, input: [Int], filter: [Int], _ attributes: Attributes, seed: UInt64)
            -> GradientCheckCase
        {
            c(name, "Conv2D", [u(input, seed), u(filter, seed + 1)], attributes)
        }
        cases.append(conv("valid", input: [2, 3, 5, 5], filter: [4, 3, 3, 3], ["padding": "VALID"], seed: 110))
        cases.append(
            conv(
                "stride2_valid", input: [2, 2, 7, 6], filter: [3, 2, 3, 2],
                ["strides": .ints([2, 2]), "padding": "VALID"], seed: 112))
        cases.append(conv("same_stride1", input: [1, 2, 5, 5], filter: [3, 2, 3, 3], ["padding": "SAME"], seed: 114))
        cases.append(
            conv(
                "same_stride2_even_kernel", input: [2, 2, 6, 5], filter: [2, 2, 2, 4],
                ["strides": .ints([2, 2]), "padding": "SAME"], seed: 116))
        cases.append(
            conv(
                "explicit_padding", input: [1, 2, 4, 5], filter: [3, 2, 3, 3],
                ["padding": "EXPLICIT", "explicit_paddings": .ints([1, 2, 0, 1])], seed: 118))
        cases.append(
            conv(
                "dilation2", input: [2, 2, 7, 7], filter: [3, 2, 3, 3],
                ["dilations": .ints([2, 2]), "padding": "VALID"], seed: 120))
        cases.append(
            conv(
                "groups2", input: [2, 4, 5, 5], filter: [6, 2, 3, 3], ["groups": .int(2), "padding": "SAME"], seed: 122)
        )
        cases.append(
            conv(
                "batch3_stride2_same", input: [3, 2, 5, 6], filter: [2, 2, 3, 3],
                ["strides": .ints([2, 2]), "padding": "SAME"], seed: 128))
        cases.append(conv("pointwise", input: [2, 3, 4, 4], filter: [5, 3, 1, 1], ["padding": "VALID"], seed: 124))
        cases.append(
            conv(
                "stride2_dilation2_groups2_explicit", input: [2, 4, 8, 7], filter: [4, 2, 3, 2],
                [
                    "strides": .ints([2, 1]), "dilations": .ints([2, 2]), "groups": .int(2), "padding": "EXPLICIT",
                    "explicit_paddings": .ints([1, 1, 2, 0]),
                ], seed: 126))

        func pool(_ op: String, _ name: String, input: [Int], _ attributes: Attributes, seed: UInt64)
            -> GradientCheckCase
        {
            // Distinct values keep every window's maximum unique.
            c(name, op, [distinct(input, seed)], attributes)
        }
        cases.append(
            pool(
                "MaxPool", "2x2_stride2_valid", input: [2, 2, 4, 6],
                ["ksize": .ints([2, 2]), "strides": .ints([2, 2])], seed: 130))
        cases.append(
            pool(
                "MaxPool", "3x3_stride2_same", input: [1, 2, 5, 6],
                ["ksize": .ints([3, 3]), "strides": .ints([2, 2]), "padding": "SAME"], seed: 131))
        cases.append(
            pool(
                "MaxPool", "3x3_stride1_explicit_overlapping", input: [1, 2, 4, 5],
                [
                    "ksize": .ints([3, 3]), "strides": .ints([1, 1]), "padding": "EXPLICIT",
                    "explicit_paddings": .ints([1, 1, 1, 1]),
                ], seed: 132))
        for include in [false, true] {
            cases.append(
                pool(
                    "AvgPool", "3x3_stride2_explicit_include_pad_\(include)", input: [2, 2, 5, 6],
                    [
                        "ksize": .ints([3, 3]), "strides": .ints([2, 2]), "padding": "EXPLICIT",
                        "explicit_paddings": .ints([1, 1, 1, 1]), "count_include_pad": .bool(include),
                    ], seed: 133))
        }
        cases.append(
            pool(
                "AvgPool", "2x3_stride_1x2_same", input: [1, 3, 5, 7],
                ["ksize": .ints([2, 3]), "strides": .ints([1, 2]), "padding": "SAME"], seed: 134))
        cases.append(
            pool(
                "AvgPool", "2x2_valid", input: [2, 1, 4, 4], ["ksize": .ints([2, 2]), "strides": .ints([2, 2])],
                seed: 135))
        return cases
    }()
}
