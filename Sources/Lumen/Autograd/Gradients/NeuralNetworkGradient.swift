/// Gradients of the neural-network ops.
struct NeuralNetworkGradient: GradientFunction {
    static let opTypes = ["Softmax", "LogSoftmax", "Conv2D", "MaxPool", "AvgPool"]

    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>) throws -> [B.Value?] {
        guard let g = op.outputGradients[0] else { return op.inputs.map { _ in nil } }
        let y = op.outputs[0]
        switch op.opType {
        case "Softmax":
            // y · (g − Σ g·y)
            let dot = try b.op("Sum", b.multiply(g, y), attributes: sumAttributes(op))
            return [try b.multiply(y, b.subtract(g, dot))]
        case "LogSoftmax":
            // g − exp(y) · Σ g
            let total = try b.op("Sum", g, attributes: sumAttributes(op))
            return [try b.subtract(g, b.multiply(b.op("Exp", y), total))]
        case "Conv2D":
            // The backprop ops take the forward attributes and read only the shapes of x and w.
            let (x, w) = (op.inputs[0], op.inputs[1])
            return [op.needsGradient(0) ? try b.op("Conv2DBackpropInput", x, w, g, attributes: op.attributes) : nil,
                    op.needsGradient(1) ? try b.op("Conv2DBackpropFilter", x, w, g, attributes: op.attributes) : nil]
        case "MaxPool":
            return [try b.op("MaxPoolGrad", op.inputs[0], y, g, attributes: op.attributes)]
        case "AvgPool":
            return [try b.op("AvgPoolGrad", op.inputs[0], g, attributes: op.attributes)]
        default:
            throw AutogradError.noGradientFunction(opType: op.opType)
        }
    }

    private func sumAttributes<V>(_ op: GradientInput<V>) -> Attributes {
        var axis = -1
        if case .int(let a) = op.attributes["axis"] { axis = a }
        return ["axes": .ints([axis]), "keep_dims": .bool(true)]
    }
}
