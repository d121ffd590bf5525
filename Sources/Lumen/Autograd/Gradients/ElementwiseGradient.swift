/// Gradients of the elementwise ops. Inputs that were broadcast get their gradient summed back to
/// their own shape.
struct ElementwiseGradient: GradientFunction {
    static let opTypes = [
        "Add", "AddV2", "Sub", "Mul", "RealDiv", "Neg", "Abs", "Sign", "Square", "Exp", "Log", "Sqrt", "Rsqrt",
        "Tanh", "Sigmoid", "Relu", "Softplus", "Gelu", "Pow", "Maximum", "Minimum", "SquaredDifference",
        "ClipByValue", "SelectV2", "Cast", "Identity", "AddN",
    ]

    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>) throws -> [B.Value?] {
        let x = op.inputs[0]
        guard let g = op.outputGradients[0] else { return op.inputs.map { _ in nil } }
        switch op.opType {
        case "Add", "AddV2":
            return [try b.unbroadcast(g, to: x), try b.unbroadcast(g, to: op.inputs[1])]
        case "Sub":
            return [try b.unbroadcast(g, to: x), try b.unbroadcast(b.negate(g), to: op.inputs[1])]
        case "Mul":
            let y = op.inputs[1]
            return [try b.unbroadcast(b.multiply(g, y), to: x), try b.unbroadcast(b.multiply(g, x), to: y)]
        case "RealDiv":
            let y = op.inputs[1]
            let dx = try b.divide(g, y)
            let dy = try b.negate(b.divide(b.multiply(g, op.outputs[0]), y))
            return [try b.unbroadcast(dx, to: x), try b.unbroadcast(dy, to: y)]
        case "Neg":
            return [try b.negate(g)]
        case "Abs":
            return [try b.multiply(g, b.op("Sign", x))]
        case "Sign":
            return [try b.zerosLike(x)]
        case "Square":
            return [try b.multiply(g, b.multiply(x, b.scalar(2, like: x)))]
        case "Exp":
            return [try b.multiply(g, op.outputs[0])]
        case "Log":
            return [try b.divide(g, x)]
        case "Sqrt":
            return [try b.divide(b.multiply(g, b.scalar(0.5, like: x)), op.outputs[0])]
        case "Rsqrt":
            let y = op.outputs[0]
            return [try b.multiply(g, b.multiply(b.scalar(-0.5, like: x), b.multiply(y, b.multiply(y, y))))]
        case "Tanh":
            let y = op.outputs[0]
            return [try b.multiply(g, b.subtract(b.scalar(1, like: y), b.multiply(y, y)))]
        case "Sigmoid":
            let y = op.outputs[0]
            return [try b.multiply(g, b.multiply(y, b.subtract(b.scalar(1, like: y), y)))]
        case "Relu":
            return [try b.op("ReluGrad", g, x)]
        case "Softplus":
            return [try b.multiply(g, b.op("Sigmoid", x))]
        case "Gelu":
            return [try b.op("GeluGrad", g, x, attributes: ["approximate": op.attributes["approximate"] ?? .bool(false)])]
        case "Pow":
            let y = op.inputs[1], z = op.outputs[0]
            // d/dx = y·x^(y−1); d/dy = x^y·log(x), taken as 0 where x ≤ 0 (as TensorFlow does).
            let dx = try b.multiply(g, b.multiply(y, b.op("Pow", x, b.subtract(y, b.scalar(1, like: y)))))
            let positive = try b.op("Greater", x, b.scalar(0, like: x))
            let safeX = try b.select(positive, x, b.onesLike(x))
            let logX = try b.select(positive, b.op("Log", safeX), b.zerosLike(x))
            let dy = try b.multiply(g, b.multiply(z, logX))
            return [try b.unbroadcast(dx, to: x), try b.unbroadcast(dy, to: y)]
        case "Maximum", "Minimum":
            let y = op.inputs[1]
            let pick = try b.op(op.opType == "Maximum" ? "GreaterEqual" : "LessEqual", x, y)
            let zeros = try b.zerosLike(g)
            return [try b.unbroadcast(b.select(pick, g, zeros), to: x),
                    try b.unbroadcast(b.select(pick, zeros, g), to: y)]
        case "SquaredDifference":
            let y = op.inputs[1]
            let d = try b.multiply(b.scalar(2, like: x), b.multiply(g, b.subtract(x, y)))
            return [try b.unbroadcast(d, to: x), try b.unbroadcast(b.negate(d), to: y)]
        case "ClipByValue":
            let low = b.scalar(try doubleAttribute(op, "min"), like: x), high = b.scalar(try doubleAttribute(op, "max"), like: x)
            let inside = try b.op("LogicalAnd", b.op("GreaterEqual", x, low), b.op("LessEqual", x, high))
            return [try b.select(inside, g, b.zerosLike(g))]
        case "SelectV2":
            let (c, a, y) = (op.inputs[0], op.inputs[1], op.inputs[2])
            let zeros = try b.zerosLike(g)
            return [nil, try b.unbroadcast(b.select(c, g, zeros), to: a), try b.unbroadcast(b.select(c, zeros, g), to: y)]
        case "Cast":
            let source = b.dtype(of: x)
            return [source.isFloatingPoint ? try b.cast(g, to: source) : nil]
        case "Identity":
            return [g]
        case "AddN":
            return op.inputs.map { _ in g }
        default:
            throw AutogradError.noGradientFunction(opType: op.opType)
        }
    }

    private func doubleAttribute<V>(_ op: GradientInput<V>, _ name: String) throws -> Double {
        switch op.attributes[name] {
        case .float(let v): return v
        case .int(let v): return Double(v)
        default: throw OpError(opType: op.opType, message: "\(op.opType): attribute '\(name)' must be a number")
        }
    }
}
