/// The kernels of the variable-update ops, which read and write a session's ``VariableStore``:
/// `Assign`, `AssignAdd`, `AssignSub` and TensorFlow 1's `ApplyGradientDescent`, `ApplyMomentum`,
/// `ApplyAdam`, with TensorFlow's formulas. Each update is atomic; its output is the variable's new
/// value.
enum StatefulKernels {
    /// Runs `node`: `variables` are its reference inputs (resolved to variable names), `inputs` its
    /// other inputs, in order.
    static func run(_ node: PlanNode, inputs: [Tensor], store: VariableStore) throws -> [Tensor] {
        let context = OpContext(opType: node.type, nodeName: node.name, inputs: inputs.map(\.spec))
        let names = node.variables.map(\.name)
        func op(_ type: String, _ operands: Tensor...) throws -> Tensor {
            try OpRegistry.shared.execute(type, inputs: operands, attributes: [:])[0]
        }
        switch node.type {
        case "Assign":
            let value = inputs[0], variable = node.variables[0]
            let validate = try node.attributes.bool("validate_shape", default: true, context)
            if validate && !shapesMatch(variable.spec.shape, value.shape) {
                throw SessionError.assignShapeMismatch(
                    variable: variable.name, variableShape: variable.spec.shape, valueShape: value.shape)
            }
            store.write(variable.name, value)
            return [value]
        case "AssignAdd", "AssignSub":
            return [
                try store.update(names) { current in
                    guard current[0].shape == inputs[0].shape else {
                        throw context.shapeError(
                            "Cannot update variable with shape \(Shape.describe(current[0].shape)) "
                                + "using a Tensor with shape \(Shape.describe(inputs[0].shape)), shapes must be equal.")
                    }
                    let updated = try op(node.type == "AssignAdd" ? "Add" : "Sub", current[0], inputs[0])
                    return ([updated], updated)
                }
            ]
        case "ApplyGradientDescent":
            // var -= alpha * delta
            let (alpha, delta) = (inputs[0], inputs[1])
            return [
                try store.update(names) { current in
                    try checkShape(current[0], delta, context)
                    let updated = try op("Sub", current[0], try op("Mul", alpha, delta))
                    return ([updated], updated)
                }
            ]
        case "ApplyMomentum":
            // accum = accum * momentum + grad; var -= lr * accum (Nesterov: var -= lr * grad + lr * momentum * accum)
            let (lr, grad, momentum) = (inputs[0], inputs[1], inputs[2])
            let nesterov = try node.attributes.bool("use_nesterov", default: false, context)
            return [
                try store.update(names) { current in
                    try checkShape(current[0], grad, context)
                    let accum = try op("Add", try op("Mul", current[1], momentum), grad)
                    let step =
                        nesterov
                        ? try op("Add", try op("Mul", grad, lr), try op("Mul", try op("Mul", accum, momentum), lr))
                        : try op("Mul", accum, lr)
                    let updated = try op("Sub", current[0], step)
                    return ([updated, accum], updated)
                }
            ]
        case "ApplyAdam":
            // TensorFlow's kernel: alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power);
            // m += (g - m) * (1 - beta1); v += (g² - v) * (1 - beta2);
            // var -= m * alpha / (sqrt(v) + epsilon)   (Nesterov: (g * (1 - beta1) + beta1 * m) in place of m)
            let (beta1Power, beta2Power, lr, beta1, beta2, epsilon, grad) =
                (inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], inputs[5], inputs[6])
            let nesterov = try node.attributes.bool("use_nesterov", default: false, context)
            let one = Tensor.full([], 1, dtype: grad.dtype)
            return [
                try store.update(names) { current in
                    try checkShape(current[0], grad, context)
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
        default:
            throw context.error("no stateful kernel for \(node.type)")
        }
    }

    /// A static shape (unknown dimensions allowed) against a concrete one.
    static func shapesMatch(_ spec: [Int], _ shape: [Int]) -> Bool {
        spec.count == shape.count && zip(spec, shape).allSatisfy { $0 < 0 || $0 == $1 }
    }

    private static func checkShape(_ variable: Tensor, _ update: Tensor, _ context: OpContext) throws {
        guard variable.shape == update.shape else {
            throw context.shapeError(
                "var and grad do not have the same shape \(Shape.describe(variable.shape)) \(Shape.describe(update.shape))"
            )
        }
    }
}
