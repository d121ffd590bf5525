/// Gradients of `Mean` and `Variance` for graph mode when a reduced dimension is unknown until run
/// time (a `[?, 64]` batch): the shared ``ReductionGradient`` divides by the element count of the
/// static shape, which is then unknown, so these divide by a count computed in the graph
/// (`Sum(OnesLike(x))` over the reduced axes). Written against ``GradientBuilder`` like every
/// gradient, so it serves both modes; ``Graph/gradients(ys:xs:gradYs:name:)`` uses it only for
/// those ops with unknown reduced dimensions.
struct UnknownDimensionReductionGradient: GradientFunction {
    /// This gradient when `op` needs it, else `nil`.
    static func replacing(_ op: GraphOperation) -> (any GradientFunction)? {
        guard op.type == "Mean" || op.type == "Variance", let x = op.inputs.first else { return nil }
        let rank = x.rank
        var axes = Array(0..<rank)
        if case .ints(let a) = op.attributes["axes"] { axes = a.map { $0 < 0 ? $0 + rank : $0 } }
        return axes.contains { x.shape.indices.contains($0) && x.shape[$0] < 0 }
            ? UnknownDimensionReductionGradient() : nil
    }

    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>) throws -> [B.Value?] {
        let x = op.inputs[0]
        guard let g = op.outputGradients[0] else { return [nil] }
        var keep: Attributes = ["keep_dims": .bool(true)]
        if let axes = op.attributes["axes"] { keep["axes"] = axes }
        let expanded = try b.expandReduced(g, input: x, attributes: op.attributes)
        let ones = try b.onesLike(x)
        let count = try b.op("Sum", ones, attributes: keep)
        switch op.opType {
        case "Mean":
            return [try b.divide(b.multiply(expanded, ones), count)]
        case "Variance":
            var correction = 0.0
            if case .int(let c) = op.attributes["correction"] { correction = Double(c) }
            let mean = try b.op("Mean", x, attributes: keep)
            let denominator = try b.subtract(count, b.scalar(correction, like: x))
            let scaled = try b.multiply(b.scalar(2, like: x), b.subtract(x, mean))
            return [try b.divide(b.multiply(expanded, scaled), denominator)]
        default:
            throw AutogradError.noGradientFunction(opType: op.opType)
        }
    }
}
