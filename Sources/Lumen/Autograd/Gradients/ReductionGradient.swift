/// Gradients of the reductions: the output gradient spread back over the reduced axes.
struct ReductionGradient: GradientFunction {
    static let opTypes = ["Sum", "Mean", "Max", "Min", "Prod", "Variance", "LogSumExp"]

    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>) throws -> [B.Value?] {
        let x = op.inputs[0]
        guard let g = op.outputGradients[0] else { return [nil] }
        let expanded = try b.expandReduced(g, input: x, attributes: op.attributes)
        let ones = try b.onesLike(x)
        switch op.opType {
        case "Sum":
            return [try b.multiply(expanded, ones)]
        case "Mean":
            let n = b.reducedCount(input: x, attributes: op.attributes)
            return [try b.multiply(b.divide(expanded, b.scalar(n, like: x)), ones)]
        case "Max", "Min":
            // Split evenly between ties, as TensorFlow does.
            let y = try b.expandReduced(op.outputs[0], input: x, attributes: op.attributes)
            let mask = try b.cast(b.op("Equal", x, y), to: b.dtype(of: x))
            let count = try b.op("Sum", mask, attributes: reduceAttributes(op, keepDims: true))
            return [try b.multiply(b.divide(mask, count), expanded)]
        case "Prod":
            // d/dx_i = prod / x_i, valid where no reduced element is zero.
            let y = try b.expandReduced(op.outputs[0], input: x, attributes: op.attributes)
            return [try b.multiply(expanded, b.divide(y, x))]
        case "Variance":
            let n = b.reducedCount(input: x, attributes: op.attributes)
            var correction = 0.0
            if case .int(let c) = op.attributes["correction"] { correction = Double(c) }
            let mean = try b.op("Mean", x, attributes: reduceAttributes(op, keepDims: true))
            let scale = b.scalar(2 / (n - correction), like: x)
            return [try b.multiply(expanded, b.multiply(scale, b.subtract(x, mean)))]
        case "LogSumExp":
            let y = try b.expandReduced(op.outputs[0], input: x, attributes: op.attributes)
            return [try b.multiply(expanded, b.op("Exp", b.subtract(x, y)))]
        default:
            throw AutogradError.noGradientFunction(opType: op.opType)
        }
    }

    private func reduceAttributes<V>(_ op: GradientInput<V>, keepDims: Bool) -> Attributes {
        var attributes: Attributes = ["keep_dims": .bool(keepDims)]
        if let axes = op.attributes["axes"] { attributes["axes"] = axes }
        return attributes
    }
}
