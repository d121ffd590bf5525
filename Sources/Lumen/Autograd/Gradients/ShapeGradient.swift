/// Gradients of the shape ops that move elements without arithmetic.
struct ShapeGradient: GradientFunction {
    static let opTypes = [
        "Reshape", "ExpandDims", "Squeeze", "Transpose", "BroadcastTo", "ConcatV2", "Pack", "Split", "SplitV",
        "StridedSlice", "GatherV2", "Pad", "Tile",
    ]

    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>) throws -> [B.Value?] {
        let x = op.inputs[0]
        switch op.opType {
        case "Split", "SplitV":
            // Outputs that got no gradient contribute zeros; the pieces are joined back.
            guard op.outputGradients.contains(where: { $0 != nil }) else { return [nil] }
            let pieces = try zip(op.outputs, op.outputGradients).map { output, g in try g ?? b.zerosLike(output) }
            return [try b.apply("ConcatV2", pieces, ["axis": .int(try intAttribute(op, "axis"))])[0]]
        default:
            break
        }
        guard let g = op.outputGradients[0] else { return op.inputs.map { _ in nil } }
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
        case "ConcatV2":
            // Each input gets its own extent of the gradient along the axis.
            let rank = b.shape(of: x).count
            let axis = try normalized(try intAttribute(op, "axis"), rank: rank, op)
            let sizes = op.inputs.map { b.shape(of: $0)[axis] }
            if sizes.count == 1 { return [g] }
            return try b.apply("SplitV", [g], ["axis": .int(axis), "size_splits": .ints(sizes.map { $0 < 0 ? -1 : $0 })])
        case "Pack":
            let rank = b.shape(of: x).count + 1
            let axis = try normalized(try intAttribute(op, "axis", default: 0), rank: rank, op)
            let pieces = try b.apply("Split", [g], ["axis": .int(axis), "num_split": .int(op.inputs.count)])
            return try pieces.map { try b.op("Squeeze", $0, attributes: ["squeeze_dims": .ints([axis])]) }
        case "StridedSlice":
            return [try b.op("StridedSliceGrad", x, g, attributes: op.attributes)]
        case "GatherV2":
            return [try gatherGradient(b, op, g), nil]
        case "Pad":
            // The slice of the gradient the input was copied to; negative ends count from the end,
            // so unknown dimensions work.
            guard case .ints(let paddings) = op.attributes["paddings"] else {
                throw OpError(opType: op.opType, message: "Pad: attribute 'paddings' must be a list of ints")
            }
            let rank = paddings.count / 2
            let begin = (0..<rank).map { paddings[2 * $0] }
            let end = (0..<rank).map { -paddings[2 * $0 + 1] }
            let endMask = (0..<rank).reduce(0) { paddings[2 * $1 + 1] == 0 ? $0 | (1 << $1) : $0 }
            return [try b.op("StridedSlice", g, attributes: [
                "begin": .ints(begin), "end": .ints(end), "strides": .ints(Array(repeating: 1, count: rank)),
                "end_mask": .int(endMask),
            ])]
        case "Tile":
            // View the gradient as [m0, d0, m1, d1, …] and sum over the copies.
            guard case .ints(let multiples) = op.attributes["multiples"] else {
                throw OpError(opType: op.opType, message: "Tile: attribute 'multiples' must be a list of ints")
            }
            if multiples.allSatisfy({ $0 == 1 }) { return [g] }
            let xs = b.shape(of: x)
            let view = zip(multiples, xs).flatMap { [$0, $1 < 0 ? -1 : $1] }
            let summed = try b.op("Sum", b.reshape(g, view), attributes: [
                "axes": .ints((0..<xs.count).map { 2 * $0 }), "keep_dims": .bool(false),
            ])
            return [summed]
        default:
            throw AutogradError.noGradientFunction(opType: op.opType)
        }
    }

    /// The gradient of the params of `GatherV2`: the slices summed back to the rows they were
    /// gathered from (`UnsortedSegmentSum`, so repeated indices accumulate), with the gathered
    /// dimensions moved to the front and back again when `axis` is not 0.
    private func gatherGradient<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> B.Value {
        let (params, indices) = (op.inputs[0], op.inputs[1])
        let ps = b.shape(of: params), indexRank = b.shape(of: indices).count
        let axis = try normalized(try intAttribute(op, "axis", default: 0), rank: ps.count, op)
        guard ps[axis] >= 0 else {
            throw OpError(opType: op.opType, message: "GatherV2: the gradient needs the size of dimension \(axis) of params, which is unknown")
        }
        var moved = g
        if axis != 0 {
            let gRank = ps.count + indexRank - 1
            let perm = Array(axis..<(axis + indexRank)) + Array(0..<axis) + Array((axis + indexRank)..<gRank)
            moved = try b.op("Transpose", g, attributes: ["perm": .ints(perm)])
        }
        let summed = try b.op("UnsortedSegmentSum", moved, indices, attributes: ["num_segments": .int(ps[axis])])
        if axis == 0 { return summed }
        let back = Array(1...axis) + [0] + Array((axis + 1)..<ps.count)
        return try b.op("Transpose", summed, attributes: ["perm": .ints(back)])
    }

    private func intAttribute<V>(_ op: GradientInput<V>, _ name: String, default value: Int? = nil) throws -> Int {
        switch op.attributes[name] {
        case .int(let v): return v
        case nil: if let value { return value }
        default: break
        }
        throw OpError(opType: op.opType, message: "\(op.opType): attribute '\(name)' must be an int")
    }

    private func normalized<V>(_ axis: Int, rank: Int, _ op: GradientInput<V>) throws -> Int {
        guard let a = Shape.normalize(axis: axis, rank: rank) else {
            throw OpError(opType: op.opType, message: "\(op.opType): axis \(axis) is out of range for rank \(rank)")
        }
        return a
    }
}
