/// The ops that exist for graph mode: sources (`Placeholder`, `Const`, `VariableV2`), variable
/// updates (`Assign`, `AssignAdd`, `AssignSub`), TensorFlow 1's optimizer updates
/// (`ApplyGradientDescent`, `ApplyMomentum`, `ApplyAdam`) and `NoOp`.
///
/// They register in ``OpRegistry`` like every other op, marked graph-only (and stateful, with their
/// variable inputs, where they hold or change state: the graph optimizer leaves those alone). Their
/// definitions give shape and dtype inference like every other op's. Their kernels need a
/// ``Session`` (fed values, the constant of the node, variable storage), so the session's executor
/// runs them; calling one eagerly throws.
enum GraphOps {
    static let definitions: [OpDefinition] = [
        OpDefinition(
            "Placeholder",
            infer: { ctx, attrs in
                try ctx.expectInputs(0)
                return [TensorSpec(dtype: try attrs.dtype("dtype", ctx), shape: try attrs.ints("shape", ctx))]
            }, compute: sessionOnly("Placeholder")
        )
        .graphOnly(stateful: true)
        .tensorFlow(TensorFlowInterop(typeAttributes: [:])),
        OpDefinition(
            "Const",
            infer: { ctx, _ in
                throw ctx.error("a Const is created with its value by constant(_:name:)")
            }, compute: sessionOnly("Const")
        )
        .graphOnly()
        .tensorFlow(TensorFlowInterop(typeAttributes: [:])),
        OpDefinition(
            "VariableV2",
            infer: { ctx, attrs in
                try ctx.expectInputs(0)
                return [TensorSpec(dtype: try attrs.dtype("dtype", ctx), shape: try attrs.ints("shape", ctx))]
            }, compute: sessionOnly("VariableV2")
        )
        .graphOnly(stateful: true)
        .tensorFlow(TensorFlowInterop(typeAttributes: [:])),
        OpDefinition(
            "NoOp",
            infer: { ctx, _ in
                try ctx.expectInputs(0)
                return []
            }, compute: { _ in [] }
        )
        .graphOnly(stateful: true)
        .tensorFlow(TensorFlowInterop(typeAttributes: [:])),
        OpDefinition(
            "Assign",
            infer: { ctx, attrs in
                try ctx.expectInputs(2)
                let dtype = try ctx.commonDType()
                if try attrs.bool("validate_shape", default: true, ctx) {
                    return [TensorSpec(dtype: dtype, shape: try merge(ctx, ctx.inputs[0].shape, ctx.inputs[1].shape))]
                }
                return [ctx.inputs[1]]
            }, compute: sessionOnly("Assign")
        )
        .graphOnly(stateful: true, referenceInputs: [.init(0, "ref")]),
        OpDefinition("AssignAdd", infer: assignUpdateInfer, compute: sessionOnly("AssignAdd"))
            .graphOnly(stateful: true, referenceInputs: [.init(0, "ref")]),
        OpDefinition("AssignSub", infer: assignUpdateInfer, compute: sessionOnly("AssignSub"))
            .graphOnly(stateful: true, referenceInputs: [.init(0, "ref")]),
        OpDefinition(
            "ApplyGradientDescent",
            infer: { ctx, _ in
                // var, alpha, delta
                try applyInfer(ctx, count: 3, scalars: [1], likeVariable: [2])
            }, compute: sessionOnly("ApplyGradientDescent")
        )
        .graphOnly(stateful: true, referenceInputs: [.init(0, "var")]),
        OpDefinition(
            "ApplyMomentum",
            infer: { ctx, _ in
                // var, accum, lr, grad, momentum
                try applyInfer(ctx, count: 5, scalars: [2, 4], likeVariable: [1, 3])
            }, compute: sessionOnly("ApplyMomentum")
        )
        .graphOnly(stateful: true, referenceInputs: [.init(0, "var"), .init(1, "accum")]),
        OpDefinition(
            "ApplyAdam",
            infer: { ctx, _ in
                // var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad
                try applyInfer(ctx, count: 10, scalars: [3, 4, 5, 6, 7, 8], likeVariable: [1, 2, 9])
            }, compute: sessionOnly("ApplyAdam")
        )
        .graphOnly(stateful: true, referenceInputs: [.init(0, "var"), .init(1, "m"), .init(2, "v")]),
    ]

    private static func sessionOnly(_ type: String) -> @Sendable (KernelInvocation) throws -> [Tensor] {
        { call in throw call.context.error("\(type) runs only inside a Session") }
    }

    static let assignUpdateInfer: @Sendable (OpContext, Attributes) throws -> [TensorSpec] = { ctx, _ in
        try ctx.expectInputs(2)
        let dtype = try ctx.commonDType()
        guard dtype.isNumeric else { throw ctx.unsupported(dtype, expected: "a numeric dtype") }
        return [TensorSpec(dtype: dtype, shape: try merge(ctx, ctx.inputs[0].shape, ctx.inputs[1].shape))]
    }

    /// The inference of the `Apply*` ops: one dtype, scalar hyperparameters, and tensors of the
    /// variable's shape.
    static func applyInfer(_ ctx: OpContext, count: Int, scalars: [Int], likeVariable: [Int]) throws -> [TensorSpec] {
        try ctx.expectInputs(count)
        let dtype = try ctx.commonDType()
        guard dtype.isFloatingPoint else { throw ctx.unsupported(dtype, expected: "float32 or float64") }
        for i in scalars where !ctx.inputs[i].shape.isEmpty {
            throw ctx.shapeError("Shape must be rank 0 but is rank \(ctx.inputs[i].shape.count)")
        }
        var shape = ctx.inputs[0].shape
        for i in likeVariable { shape = try merge(ctx, shape, ctx.inputs[i].shape) }
        return [TensorSpec(dtype: dtype, shape: shape)]
    }

    /// TensorFlow's `Merge` of two static shapes, with its messages.
    static func merge(_ ctx: OpContext, _ a: [Int], _ b: [Int]) throws -> [Int] {
        guard a.count == b.count else {
            throw ctx.shapeError("Shapes must be equal rank, but are \(a.count) and \(b.count)")
        }
        return try zip(a, b).enumerated().map { i, pair in
            let (x, y) = pair
            if x >= 0 && y >= 0 && x != y {
                throw ctx.shapeError(
                    "Dimension \(i) in both shapes must be equal, but are \(x) and \(y). "
                        + "Shapes are \(Shape.describe(a)) and \(Shape.describe(b)).")
            }
            return x >= 0 ? x : y
        }
    }
}
