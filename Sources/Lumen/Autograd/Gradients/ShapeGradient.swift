/// Gradients of the shape ops that move elements without arithmetic.
struct ShapeGradient: GradientFunction {
    static let opTypes = ["Reshape", "ExpandDims", "Squeeze", "Transpose", "BroadcastTo"]

    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>) throws -> [B.Value?] {
        let x = op.inputs[0]
        guard let g = op.outputGradients[0] else { return [nil] }
        switch op.opType {
        case "Reshape", "ExpandDims", "Squeeze":
            return [try b.reshape(g, b.reshapeTarget(b.shape(of: x)))]
        case "Transpose":
            let rank = b.shape(of: x).count
            var perm = Array((0..<rank).reversed())
            if case .ints(let p) = op.attributes["perm"] { perm = p }
            var inverse = [Int](repeating: 0, count: perm.count)
            for (i, p) in perm.enumerated() { inverse[p] = i }
            return [try b.op("Transpose", g, attributes: ["perm": .ints(inverse)])]
        case "BroadcastTo":
            return [try b.unbroadcast(g, to: x)]
        default:
            throw AutogradError.noGradientFunction(opType: op.opType)
        }
    }
}
