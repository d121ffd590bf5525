/// The ops that exist for graph mode: sources (`Placeholder`, `Const`, `VariableV2`), variable
/// updates (`Assign`, `AssignAdd`, `AssignSub`), TensorFlow 1's optimizer updates
/// (`ApplyGradientDescent`, `ApplyMomentum`, `ApplyAdam`) and `NoOp`.
///
/// They register in ``OpRegistry`` like every other op, marked graph-only (and stateful, with their
/// variable inputs, where they hold or change state: the graph optimizer leaves those alone). Their
/// definitions give shape and dtype inference like every other op's. Their kernels need a
/// ``Session`` (fed values, the constant of the node, variable storage), so the session's executor
/// runs them; calling one eagerly throws. The variable updates' kernels are here, beside their
/// definitions, with TensorFlow's formulas; each update is atomic and its output is the variable's
/// new value.
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
        .graphOnly(stateful: true, referenceInputs: [.init(0, "ref")])
        .updatingVariables { call in
            let value = call.inputs[0], variable = call.variables[0]
            let validate = try call.attributes.bool("validate_shape", default: true, call.context)
            if validate && !Shape.matches(variable.spec.shape, value.shape) {
                throw SessionError.assignShapeMismatch(
                    variable: variable.name, variableShape: variable.spec.shape, valueShape: value.shape)
            }
            call.store.write(variable.name, value)
            return [value]
        },
        OpDefinition("AssignAdd", infer: assignUpdateInfer, compute: sessionOnly("AssignAdd"))
            .graphOnly(stateful: true, referenceInputs: [.init(0, "ref")])
            .updatingVariables { call in [try assignUpdate(call, by: "Add")] },
        OpDefinition("AssignSub", infer: assignUpdateInfer, compute: sessionOnly("AssignSub"))
            .graphOnly(stateful: true, referenceInputs: [.init(0, "ref")])
            .updatingVariables { call in [try assignUpdate(call, by: "Sub")] },
        OpDefinition(
            "ApplyGradientDescent",
            infer: { ctx, _ in
                // var, alpha, delta
                try applyInfer(ctx, count: 3, scalars: [1], likeVariable: [2])
            }, compute: sessionOnly("ApplyGradientDescent")
        )
        .graphOnly(stateful: true, referenceInputs: [.init(0, "var")])
        .updatingVariables { call in
            // var -= alpha * delta
            let (alpha, delta) = (call.inputs[0], call.inputs[1])
            return [
                try call.store.update(call.variables.map(\.name)) { current in
                    try checkUpdateShape(current[0], delta, call.context)
                    let updated =
                        try OptimizerKernels.gradientDescentStep(variable: current[0], alpha: alpha, delta: delta)
                        ?? op("Sub", current[0], try op("Mul", alpha, delta))
                    return ([updated], updated)
                }
            ]
        },
        OpDefinition(
            "ApplyMomentum",
            infer: { ctx, _ in
                // var, accum, lr, grad, momentum
                try applyInfer(ctx, count: 5, scalars: [2, 4], likeVariable: [1, 3])
            }, compute: sessionOnly("ApplyMomentum")
        )
        .graphOnly(stateful: true, referenceInputs: [.init(0, "var"), .init(1, "accum")])
        .updatingVariables { call in
            // accum = accum * momentum + grad; var -= lr * accum (Nesterov: var -= lr * grad + lr * momentum * accum)
            let (lr, grad, momentum) = (call.inputs[0], call.inputs[1], call.inputs[2])
            let nesterov = try call.attributes.bool("use_nesterov", default: false, call.context)
            return [
                try call.store.update(call.variables.map(\.name)) { current in
                    try checkUpdateShape(current[0], grad, call.context)
                    let accum = try op("Add", try op("Mul", current[1], momentum), grad)
                    let step =
                        nesterov
                        ? try op("Add", try op("Mul", grad, lr), try op("Mul", try op("Mul", accum, momentum), lr))
                        : try op("Mul", accum, lr)
                    let updated = try op("Sub", current[0], step)
                    return ([updated, accum], updated)
                }
            ]
        },
        OpDefinition(
            "ApplyAdam",
            infer: { ctx, _ in
                // var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad
                try applyInfer(ctx, count: 10, scalars: [3, 4, 5, 6, 7, 8], likeVariable: [1, 2, 9])
            }, compute: sessionOnly("ApplyAdam")
        )
        .graphOnly(stateful: true, referenceInputs: [.init(0, "var"), .init(1, "m"), .init(2, "v")])
        .updatingVariables { call in
            // TensorFlow's kernel: alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power);
            // m += (g - m) * (1 - beta1); v += (g² - v) * (1 - beta2);
            // var -= m * alpha / (sqrt(v) + epsilon)   (Nesterov: (g * (1 - beta1) + beta1 * m) in place of m)
            let (beta1Power, beta2Power, lr, beta1, beta2, epsilon, grad) = (
                call.inputs[0], call.inputs[1], call.inputs[2], call.inputs[3], call.inputs[4], call.inputs[5],
                call.inputs[6]
            )
            let nesterov = try call.attributes.bool("use_nesterov", default: false, call.context)
            let one = Tensor.full([], 1, dtype: grad.dtype)
            return [
                try call.store.update(call.variables.map(\.name)) { current in
                    try checkUpdateShape(current[0], grad, call.context)
                    let alpha = try op(
                        "RealDiv", try op("Mul", lr, try op("Sqrt", try op("Sub", one, beta2Power))),
                        try op("Sub", one, beta1Power))
                    let m = try op(
                        "Add", current[1], try op("Mul", try op("Sub", grad, current[1]), try op("Sub", one, beta1)))
                    let v = try op(
                        "Add", current[2],
                        try op("Mul", try op("Sub", try op("Square", grad), current[2]), try op("Sub", one, beta2)))
                    let numerator =
                        nesterov
                        ? try op("Add", try op("Mul", grad, try op("Sub", one, beta1)), try op("Mul", beta1, m)) : m
                    let step = try op(
                        "RealDiv", try op("Mul", numerator, alpha), try op("Add", try op("Sqrt", v), epsilon))
                    let updated = try op("Sub", current[0], step)
                    return ([updated, m, v], updated)
                }
            ]
        },
    ]

    /// One eager op of the update formulas.
    private static func op(_ type: String, _ operands: Tensor...) throws -> Tensor {
        try OpRegistry.shared.execute(type, inputs: operands, attributes: [:])[0]
    }

    /// `AssignAdd` and `AssignSub`: the variable combined with the value by `combine`.
    private static func assignUpdate(_ call: VariableUpdateInvocation, by combine: String) throws -> Tensor {
        try call.store.update(call.variables.map(\.name)) { current in
            guard current[0].shape == call.inputs[0].shape else {
                throw call.context.shapeError(
                    "Cannot update variable with shape \(Shape.describe(current[0].shape)) "
                        + "using a Tensor with shape \(Shape.describe(call.inputs[0].shape)), shapes must be equal.")
            }
            let updated = try op(combine, current[0], call.inputs[0])
            return ([updated], updated)
        }
    }

    /// TensorFlow's check that an optimizer update has the variable's shape.
    private static func checkUpdateShape(_ variable: Tensor, _ update: Tensor, _ context: OpContext) throws {
        guard variable.shape == update.shape else {
            throw context.shapeError(
                "var and grad do not have the same shape \(Shape.describe(variable.shape)) \(Shape.describe(update.shape))"
            )
        }
    }

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
