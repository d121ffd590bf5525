import RealModule

/// Reductions over any set of axes: `Sum`, `Mean`, `Max`, `Min`, `Prod`, `Variance`, `LogSumExp`
/// (attributes `axes`, absent for all axes, and `keep_dims`), and `ArgMax`/`ArgMin` (attribute
/// `axis`, absent for the flattened tensor; int64 output).
public enum Reduction: String, Sendable, CaseIterable {
    case sum = "Sum", mean = "Mean", max = "Max", min = "Min", product = "Prod"
    case variance = "Variance", logSumExp = "LogSumExp"

    var floatOnly: Bool { self == .mean || self == .variance || self == .logSumExp }

    /// TensorFlow's reductions take the axes as a constant `reduction_indices` input (all axes when
    /// Lumen's has none) and default `keep_dims` to false; `Variance` and `LogSumExp` are Lumen's own.
    var interop: TensorFlowInterop {
        switch self {
        case .sum, .mean, .max, .min, .product:
            TensorFlowInterop(
                constantInputs: [
                    .init(attribute: "axes", input: "reduction_indices", kind: .ints, exportDefault: .allAxes)
                ],
                importDefaults: ["keep_dims": .bool(false)])
        case .variance, .logSumExp:
            TensorFlowInterop()
        }
    }

    /// The gradient: the output gradient spread back over the reduced axes.
    var gradient: any GradientFunction {
        switch self {
        case .sum: SumGradient()
        case .mean: MeanGradient()
        case .max, .min: ExtremumReductionGradient()
        case .product: ProductGradient()
        case .variance: VarianceGradient()
        case .logSumExp: LogSumExpGradient()
        }
    }
}

enum ReductionOps {
    static let definitions: [OpDefinition] =
        Reduction.allCases.map { r in
            OpDefinition(
                r.rawValue,
                infer: { ctx, attrs in
                    let (spec, _) = try inferReduction(r, ctx, attrs)
                    return [spec]
                },
                compute: { call in
                    let (_, axes) = try inferReduction(r, call.context, call.attributes)
                    return [
                        reduce(
                            r, call.inputs[0], axes: axes, outputShape: call.outputs[0].shape,
                            correction: try call.attributes.int("correction", default: 0, call.context))
                    ]
                }
            )
            .gradient(r.gradient)
            .tensorFlow(r.interop)
        }
        + ["ArgMax", "ArgMin"].map { name in
            OpDefinition(
                name,
                infer: { ctx, attrs in
                    try ctx.expectInputs(1)
                    let x = ctx.inputs[0]
                    guard x.dtype.isNumeric else { throw ctx.unsupported(x.dtype, expected: "a numeric dtype") }
                    guard let axisValue = attrs["axis"] else { return [TensorSpec(dtype: .int64, shape: [])] }
                    guard case .int(let a) = axisValue else { throw ctx.error("attribute 'axis' must be an int") }
                    let axis = try ctx.axis(a, rank: x.shape.count)
                    var shape = x.shape
                    if shape[axis] == 0 { throw ctx.shapeError("cannot take \(name) over an empty axis") }
                    if try attrs.bool("keep_dims", default: false, ctx) {
                        shape[axis] = 1
                    } else {
                        shape.remove(at: axis)
                    }
                    return [TensorSpec(dtype: .int64, shape: shape)]
                },
                compute: { call in
                    let x = call.inputs[0]
                    let axis: Int? =
                        call.attributes["axis"] == nil
                        ? nil
                        : try call.context.axis(try call.attributes.int("axis", call.context), rank: x.rank)
                    if x.count == 0 { throw call.context.shapeError("cannot take \(name) of an empty tensor") }
                    return [argReduce(x, axis: axis, largest: name == "ArgMax", outputShape: call.outputs[0].shape)]
                }
            )
            .notDifferentiable()
            .tensorFlow(
                TensorFlowInterop(
                    typeAttributes: ["T": .input(0), "output_type": .output(0)],
                    constantInputs: [.init(attribute: "axis", input: "dimension", kind: .int)]))
        }

    /// The output spec and the normalized, sorted axes.
    static func inferReduction(_ r: Reduction, _ ctx: OpContext, _ attrs: Attributes) throws -> (TensorSpec, [Int]) {
        try ctx.expectInputs(1)
        let x = ctx.inputs[0]
        if r.floatOnly {
            guard x.dtype.isFloatingPoint else { throw ctx.unsupported(x.dtype, expected: "float32 or float64") }
        } else {
            guard x.dtype.isNumeric else { throw ctx.unsupported(x.dtype, expected: "a numeric dtype") }
        }
        let rank = x.shape.count
        var axes: [Int]
        if attrs["axes"] == nil {
            axes = Array(0..<rank)
        } else {
            axes = try attrs.ints("axes", ctx).map { try ctx.axis($0, rank: rank) }
        }
        axes = Array(Set(axes)).sorted()
        if r == .max || r == .min {
            for a in axes where x.shape[a] == 0 {
                throw ctx.shapeError("cannot reduce an empty axis \(a) with \(r.rawValue), which has no identity")
            }
        }
        let keep = try attrs.bool("keep_dims", default: false, ctx)
        var shape: [Int] = []
        for (i, d) in x.shape.enumerated() {
            if axes.contains(i) { if keep { shape.append(1) } } else { shape.append(d) }
        }
        return (TensorSpec(dtype: x.dtype, shape: shape), axes)
    }

    static func reduce(_ r: Reduction, _ x: Tensor, axes: [Int], outputShape: [Int], correction: Int = 0) -> Tensor {
        switch r {
        case .variance:
            let mean = reduce(.mean, x, axes: axes, outputShape: keptShape(x.shape, axes))
            let deviation = ElementwiseOps.binary(.squaredDifference, x, mean)
            let n = axes.reduce(1) { $0 * x.shape[$1] }
            let total = reduce(.sum, deviation, axes: axes, outputShape: outputShape)
            return ElementwiseOps.binary(.divide, total, Tensor(Double(n - correction)).cast(to: x.dtype))
        case .logSumExp:
            var peak = reduce(.max, x, axes: axes, outputShape: keptShape(x.shape, axes))
            replaceNonFinite(&peak)
            let shifted = ElementwiseOps.unary(.exp, ElementwiseOps.binary(.subtract, x, peak))
            let sum = reduce(.sum, shifted, axes: axes, outputShape: outputShape)
            return ElementwiseOps.binary(.add, ElementwiseOps.unary(.log, sum), peak.reshaped(outputShape))
        default:
            break
        }
        let out = Tensor(uninitializedShape: outputShape, dtype: x.dtype)
        let layout = ReductionLayout(x, axes: axes)
        func run<T: NumericElement>(_: T.Type) {
            let o = out.pointer(T.self)
            switch r {
            case .sum, .mean:
                if T.self == Float.self, layout.outer == 1, layout.inner == 1 {
                    let total = ReduceKernels.sum(layout.input.pointer(Float.self), count: layout.reduced)
                    o[0] = T(converting: r == .mean ? total / Double(layout.reduced) : total)
                    return
                }
                ReduceKernels.fold(layout, into: o, initial: 0, Elementwise.Add<T>())
                if r == .mean {
                    let n = Double(layout.reduced)
                    for i in 0..<out.count { o[i] = T(converting: o[i].doubleValue / n) }
                }
            case .product: ReduceKernels.fold(layout, into: o, initial: 1, Elementwise.Multiply<T>())
            case .max: ReduceKernels.fold(layout, into: o, initial: T.lowest, Elementwise.Maximum<T>())
            case .min: ReduceKernels.fold(layout, into: o, initial: T.highest, Elementwise.Minimum<T>())
            case .variance, .logSumExp: break
            }
        }
        switch x.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int32: run(Int32.self)
        case .int64: run(Int64.self)
        case .uint8: run(UInt8.self)
        case .bool: preconditionFailure("reduction of bool")
        }
        return out
    }

    /// `shape` with the reduced axes kept as size 1.
    static func keptShape(_ shape: [Int], _ axes: [Int]) -> [Int] {
        shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
    }

    /// Infinite maxima are replaced by 0 so `x - max` stays finite (as PyTorch's logsumexp does).
    static func replaceNonFinite(_ t: inout Tensor) {
        switch t.dtype {
        case .float32:
            t.withUnsafeMutableBufferPointer(as: Float.self) { b in for i in b.indices where !b[i].isFinite { b[i] = 0 }
            }
        case .float64:
            t.withUnsafeMutableBufferPointer(as: Double.self) { b in
                for i in b.indices where !b[i].isFinite { b[i] = 0 }
            }
        default: break
        }
    }

    static func argReduce(_ x: Tensor, axis: Int?, largest: Bool, outputShape: [Int]) -> Tensor {
        let source: Tensor
        let outer: Int, n: Int
        if let axis {
            var perm = Array(0..<x.rank)
            perm.remove(at: axis)
            perm.append(axis)
            source = axis == x.rank - 1 ? x : x.permuted(perm)
            n = x.shape[axis]
            outer = x.count / max(n, 1)
        } else {
            source = x
            n = x.count
            outer = 1
        }
        let out = Tensor(uninitializedShape: outputShape, dtype: .int64)
        let o = out.pointer(Int64.self)
        func run<T: NumericElement>(_: T.Type) {
            let p = source.pointer(T.self)
            for row in 0..<outer {
                let base = p + row * n
                var best = 0
                var value = base[0]
                if value == value {
                    for i in 1..<max(n, 1) {
                        let v = base[i]
                        if v != v { best = i; break }
                        if largest ? v > value : v < value { best = i; value = v }
                    }
                }
                o[row] = Int64(best)
            }
        }
        switch x.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int32: run(Int32.self)
        case .int64: run(Int64.self)
        case .uint8: run(UInt8.self)
        case .bool: preconditionFailure("argmax of bool")
        }
        return out
    }
}

// MARK: Gradients

struct SumGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let (expanded, ones) = try b.reductionGradientBasis(g, op)
        return [try b.multiply(expanded, ones)]
    }
}

/// Divides by the reduced element count: a constant when the reduced dimensions are known, else
/// (graph mode, a `[?, 64]` batch) a count computed in the graph, `Sum(OnesLike(x))`.
struct MeanGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let x = op.inputs[0]
        let (expanded, ones) = try b.reductionGradientBasis(g, op)
        if b.reducesUnknownDimension(op) {
            let count = try b.op("Sum", ones, attributes: b.reduceAttributes(op, keepDims: true))
            return [try b.divide(b.multiply(expanded, ones), count)]
        }
        let n = b.reducedCount(input: x, attributes: op.attributes)
        return [try b.multiply(b.divide(expanded, b.scalar(n, like: x)), ones)]
    }
}

/// `Max`, `Min`: split evenly between ties, as TensorFlow does.
struct ExtremumReductionGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let x = op.inputs[0]
        let (expanded, _) = try b.reductionGradientBasis(g, op)
        let y = try b.expandReduced(op.outputs[0], input: x, attributes: op.attributes)
        let mask = try b.cast(b.op("Equal", x, y), to: b.dtype(of: x))
        let count = try b.op("Sum", mask, attributes: b.reduceAttributes(op, keepDims: true))
        return [try b.multiply(b.divide(mask, count), expanded)]
    }
}

/// d/dx_i = prod / x_i, valid where no reduced element is zero.
struct ProductGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let x = op.inputs[0]
        let (expanded, _) = try b.reductionGradientBasis(g, op)
        let y = try b.expandReduced(op.outputs[0], input: x, attributes: op.attributes)
        return [try b.multiply(expanded, b.divide(y, x))]
    }
}

/// `2 (x − mean) / (n − correction)`, with the count computed in the graph when a reduced dimension
/// is unknown (as ``MeanGradient``).
struct VarianceGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let x = op.inputs[0]
        let (expanded, ones) = try b.reductionGradientBasis(g, op)
        var correction = 0.0
        if case .int(let c) = op.attributes["correction"] { correction = Double(c) }
        if b.reducesUnknownDimension(op) {
            let keep = b.reduceAttributes(op, keepDims: true)
            let count = try b.op("Sum", ones, attributes: keep)
            let mean = try b.op("Mean", x, attributes: keep)
            let denominator = try b.subtract(count, b.scalar(correction, like: x))
            let scaled = try b.multiply(b.scalar(2, like: x), b.subtract(x, mean))
            return [try b.divide(b.multiply(expanded, scaled), denominator)]
        }
        let n = b.reducedCount(input: x, attributes: op.attributes)
        let mean = try b.op("Mean", x, attributes: b.reduceAttributes(op, keepDims: true))
        let scale = b.scalar(2 / (n - correction), like: x)
        return [try b.multiply(expanded, b.multiply(scale, b.subtract(x, mean)))]
    }
}

struct LogSumExpGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let x = op.inputs[0]
        let (expanded, _) = try b.reductionGradientBasis(g, op)
        let y = try b.expandReduced(op.outputs[0], input: x, attributes: op.attributes)
        return [try b.multiply(expanded, b.op("Exp", b.subtract(x, y)))]
    }
}

extension GradientBuilder {
    /// What every reduction's gradient starts from: `g` reshaped to the input's rank (reduced axes as
    /// size 1) and ones shaped like the input.
    func reductionGradientBasis(_ g: Value, _ op: GradientInput<Value>) throws -> (expanded: Value, ones: Value) {
        let x = op.inputs[0]
        return (try expandReduced(g, input: x, attributes: op.attributes), try onesLike(x))
    }

    /// Whether a dimension `op` reduces is unknown until run time (graph mode only).
    func reducesUnknownDimension(_ op: GradientInput<Value>) -> Bool {
        let shape = shape(of: op.inputs[0])
        var axes = Array(shape.indices)
        if case .ints(let given) = op.attributes["axes"] { axes = given.map { $0 < 0 ? $0 + shape.count : $0 } }
        return axes.contains { shape.indices.contains($0) && shape[$0] < 0 }
    }

    /// The attributes of a reduction over the same axes as `op`'s, keeping dimensions or not.
    func reduceAttributes<V>(_ op: GradientInput<V>, keepDims: Bool) -> Attributes {
        var attributes: Attributes = ["keep_dims": .bool(keepDims)]
        if let axes = op.attributes["axes"] { attributes["axes"] = axes }
        return attributes
    }
}
