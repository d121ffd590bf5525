import RealModule

/// Ops that gradient functions are built from, beyond the forward ops: `SumToShapeOf` (sums a
/// broadcast gradient back to an input's shape, at run time, so it works with unknown dimensions),
/// `ZerosLike`, `OnesLike`, `AddN`, `ReluGrad`, `GeluGrad`.
enum GradientSupportOps {
    static let definitions: [OpDefinition] = [
        OpDefinition(
            "SumToShapeOf",
            infer: { ctx, _ in
                try ctx.expectInputs(2)
                let (g, x) = (ctx.inputs[0], ctx.inputs[1])
                guard g.dtype == x.dtype else { throw ctx.dtypeMismatch(g.dtype, x.dtype) }
                return [x]
            },
            compute: { call in
                [try sumToShape(call.inputs[0], call.inputs[1].shape, call.context)]
            }
        )
        .notDifferentiable(),
        OpDefinition(
            "ZerosLike",
            infer: { ctx, _ in
                try ctx.expectInputs(1); return ctx.inputs
            },
            compute: { call in
                [Tensor.zeros(like: call.inputs[0])]
            }
        )
        .notDifferentiable(),
        OpDefinition(
            "OnesLike",
            infer: { ctx, _ in
                try ctx.expectInputs(1); return ctx.inputs
            },
            compute: { call in
                [Tensor.ones(like: call.inputs[0])]
            }
        )
        .notDifferentiable(),
        OpDefinition(
            "AddN",
            infer: { ctx, _ in
                guard let first = ctx.inputs.first else { throw ctx.error("expected at least one input") }
                _ = try ctx.commonDType()
                for s in ctx.inputs where s.shape != first.shape {
                    throw ctx.shapeError(
                        "AddN inputs must have one shape: \(Shape.describe(first.shape)) != \(Shape.describe(s.shape))")
                }
                return [first]
            },
            compute: { call in
                [call.inputs.dropFirst().reduce(call.inputs[0]) { ElementwiseOps.binary(.add, $0, $1) }]
            }
        )
        .gradient(AddNGradient())
        .output(.elementwise)
        .tensorFlow(TensorFlowInterop(countsInputs: true)),
        OpDefinition(
            "ReluGrad",
            infer: { ctx, _ in
                try ctx.expectInputs(2)
                guard ctx.inputs[0].dtype == ctx.inputs[1].dtype else {
                    throw ctx.dtypeMismatch(ctx.inputs[0].dtype, ctx.inputs[1].dtype)
                }
                return [ctx.inputs[0]]
            },
            compute: { call in
                let (g, x) = (call.inputs[0], call.inputs[1])
                var out = Tensor(uninitializedShape: g.shape, dtype: g.dtype)
                func run<T: NumericElement>(_: T.Type) {
                    broadcastMap2(g, x, into: &out, Elementwise.ReluGradient<T>())
                }
                switch g.dtype {
                case .float32: run(Float.self)
                case .float64: run(Double.self)
                default: throw call.context.unsupported(g.dtype, expected: "float32 or float64")
                }
                return [out]
            }
        )
        .notDifferentiable()
        .output(.elementwise),
        OpDefinition(
            "GeluGrad",
            infer: { ctx, _ in
                try ctx.expectInputs(2)
                guard ctx.inputs[0].dtype == ctx.inputs[1].dtype else {
                    throw ctx.dtypeMismatch(ctx.inputs[0].dtype, ctx.inputs[1].dtype)
                }
                guard ctx.inputs[0].dtype.isFloatingPoint else {
                    throw ctx.unsupported(ctx.inputs[0].dtype, expected: "float32 or float64")
                }
                return [ctx.inputs[0]]
            },
            compute: { call in
                let (g, x) = (call.inputs[0], call.inputs[1])
                let approximate = try call.attributes.bool("approximate", default: false, call.context)
                var out = Tensor(uninitializedShape: g.shape, dtype: g.dtype)
                func run<T: FloatElement>(_: T.Type) {
                    if approximate {
                        broadcastMap2(g, x, into: &out, Elementwise.GeluTanhGradient<T>())
                    } else {
                        broadcastMap2(g, x, into: &out, Elementwise.GeluExactGradient<T>())
                    }
                }
                if g.dtype == .float32 { run(Float.self) } else { run(Double.self) }
                return [out]
            }
        )
        .notDifferentiable()
        .output(.elementwise),
    ]

    /// Sums `g` over the leading dimensions and the size-1 dimensions of `shape` that broadcasting
    /// expanded, giving a tensor of `shape`.
    static func sumToShape(_ g: Tensor, _ shape: [Int], _ ctx: OpContext) throws -> Tensor {
        if g.shape == shape { return g }
        let lead = g.rank - shape.count
        guard lead >= 0 else {
            throw ctx.shapeError("cannot sum \(Shape.describe(g.shape)) to the larger rank of \(Shape.describe(shape))")
        }
        var axes = Array(0..<lead)
        for (i, d) in shape.enumerated() {
            let gd = g.shape[lead + i]
            if d == 1 && gd != 1 {
                axes.append(lead + i)
            } else if d != gd {
                throw ctx.shapeError("cannot sum \(Shape.describe(g.shape)) to \(Shape.describe(shape))")
            }
        }
        var reducedShape = g.shape
        for a in axes.reversed() { reducedShape.remove(at: a) }
        let summed = ReductionOps.reduce(.sum, g, axes: axes, outputShape: reducedShape)
        return summed.reshapedUnchecked(shape)
    }
}

extension Elementwise {
    /// `g` where `x > 0`, else 0.
    struct ReluGradient<T: NumericElement>: BinaryKernel {
        @inline(__always) func callAsFunction(_ g: T, _ x: T) -> T { x > 0 ? g : 0 }
    }
    /// `g · (Φ(x) + x·φ(x))`.
    struct GeluExactGradient<T: FloatElement>: BinaryKernel {
        let scale = 1 / T.sqrt(2), density = 1 / T.sqrt(2 * T.pi)
        @inline(__always) func callAsFunction(_ g: T, _ x: T) -> T {
            let cdf = T(0.5) * (1 + T.erf(x * scale))
            return g * (cdf + x * density * T.exp(-T(0.5) * x * x))
        }
    }
    /// The derivative of the tanh approximation.
    struct GeluTanhGradient<T: FloatElement>: BinaryKernel {
        let c = T.sqrt(2 / T.pi)
        @inline(__always) func callAsFunction(_ g: T, _ x: T) -> T {
            let inner = c * (x + T(0.044715) * x * x * x)
            let t = T.tanh(inner)
            let derivative = c * (1 + 3 * T(0.044715) * x * x)
            return g * (T(0.5) * (1 + t) + T(0.5) * x * (1 - t * t) * derivative)
        }
    }
}

/// `AddN`: g to every input.
struct AddNGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        op.inputs.map { _ in g }
    }
}
