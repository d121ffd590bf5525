/// Gradients of `MatMul` and `BatchMatMulV2` for every combination of transpose flags.
struct LinearAlgebraGradient: GradientFunction {
    static let opTypes = ["MatMul", "BatchMatMulV2"]

    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>) throws -> [B.Value?] {
        let (x, y) = (op.inputs[0], op.inputs[1])
        guard let g = op.outputGradients[0] else { return [nil, nil] }
        let batched = op.opType == "BatchMatMulV2"
        let (nameA, nameB) = batched ? ("adj_x", "adj_y") : ("transpose_a", "transpose_b")
        let ta = op.attributes[nameA] == .bool(true), tb = op.attributes[nameB] == .bool(true)
        func mm(_ p: B.Value, _ q: B.Value, _ tp: Bool, _ tq: Bool) throws -> B.Value {
            try b.op(op.opType, p, q, attributes: [nameA: .bool(tp), nameB: .bool(tq)])
        }
        let dx: B.Value, dy: B.Value
        switch (ta, tb) {
        case (false, false): dx = try mm(g, y, false, true); dy = try mm(x, g, true, false)
        case (true, false): dx = try mm(y, g, false, true); dy = try mm(x, g, false, false)
        case (false, true): dx = try mm(g, y, false, false); dy = try mm(g, x, true, false)
        case (true, true): dx = try mm(y, g, true, true); dy = try mm(g, x, true, true)
        }
        if !batched { return [dx, dy] }
        return [try b.unbroadcast(dx, to: x), try b.unbroadcast(dy, to: y)]
    }
}
