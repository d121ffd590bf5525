/// Gradients of the neural-network ops.
struct NeuralNetworkGradient: GradientFunction {
    static let opTypes = ["Softmax", "LogSoftmax"]

    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>) throws -> [B.Value?] {
        guard let g = op.outputGradients[0] else { return [nil] }
        let y = op.outputs[0]
        let axis = op.attributes["axis"] ?? .int(-1)
        let sumAttributes: Attributes = ["axes": .ints([axisValue(axis)]), "keep_dims": .bool(true)]
        switch op.opType {
        case "Softmax":
            // y · (g − Σ g·y)
            let dot = try b.op("Sum", b.multiply(g, y), attributes: sumAttributes)
            return [try b.multiply(y, b.subtract(g, dot))]
        case "LogSoftmax":
            // g − exp(y) · Σ g
            let total = try b.op("Sum", g, attributes: sumAttributes)
            return [try b.subtract(g, b.multiply(b.op("Exp", y), total))]
        default:
            throw AutogradError.noGradientFunction(opType: op.opType)
        }
    }

    private func axisValue(_ value: AttributeValue) -> Int {
        if case .int(let a) = value { return a }
        return -1
    }
}
