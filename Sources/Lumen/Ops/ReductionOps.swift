import RealModule

/// Reductions over any set of axes: `Sum`, `Mean`, `Max`, `Min`, `Prod`, `Variance`, `LogSumExp`
/// (attributes `axes`, absent for all axes, and `keep_dims`), and `ArgMax`/`ArgMin` (attribute
/// `axis`, absent for the flattened tensor; int64 output).
public enum Reduction: String, Sendable, CaseIterable {
    case sum = "Sum", mean = "Mean", max = "Max", min = "Min", product = "Prod"
    case variance = "Variance", logSumExp = "LogSumExp"

    var floatOnly: Bool { self == .mean || self == .variance || self == .logSumExp }
}

enum ReductionOps {
    static let definitions: [OpDefinition] = Reduction.allCases.map { r in
        OpDefinition(r.rawValue, infer: { ctx, attrs in
            let (spec, _) = try inferReduction(r, ctx, attrs)
            return [spec]
        }, compute: { call in
            let (_, axes) = try inferReduction(r, call.context, call.attributes)
            return [reduce(r, call.inputs[0], axes: axes, outputShape: call.outputs[0].shape,
                           correction: try call.attributes.int("correction", default: 0, call.context))]
        })
    } + ["ArgMax", "ArgMin"].map { name in
        OpDefinition(name, infer: { ctx, attrs in
            try ctx.expectInputs(1)
            let x = ctx.inputs[0]
            guard x.dtype.isNumeric else { throw ctx.unsupported(x.dtype, expected: "a numeric dtype") }
            guard let axisValue = attrs["axis"] else { return [TensorSpec(dtype: .int64, shape: [])] }
            guard case .int(let a) = axisValue else { throw ctx.error("attribute 'axis' must be an int") }
            let axis = try ctx.axis(a, rank: x.shape.count)
            var shape = x.shape
            if shape[axis] == 0 { throw ctx.shapeError("cannot take \(name) over an empty axis") }
            if try attrs.bool("keep_dims", default: false, ctx) { shape[axis] = 1 } else { shape.remove(at: axis) }
            return [TensorSpec(dtype: .int64, shape: shape)]
        }, compute: { call in
            let x = call.inputs[0]
            let axis: Int? = call.attributes["axis"] == nil ? nil
                : try call.context.axis(try call.attributes.int("axis", call.context), rank: x.rank)
            if x.count == 0 { throw call.context.shapeError("cannot take \(name) of an empty tensor") }
            return [argReduce(x, axis: axis, largest: name == "ArgMax", outputShape: call.outputs[0].shape)]
        })
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
        if attrs["axes"] == nil { axes = Array(0..<rank) } else {
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
        var out = Tensor(uninitializedShape: outputShape, dtype: x.dtype)
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
        case .float32: t.withUnsafeMutableBufferPointer(as: Float.self) { b in for i in b.indices where !b[i].isFinite { b[i] = 0 } }
        case .float64: t.withUnsafeMutableBufferPointer(as: Double.self) { b in for i in b.indices where !b[i].isFinite { b[i] = 0 } }
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
        var out = Tensor(uninitializedShape: outputShape, dtype: .int64)
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
