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
        // Each product only when its gradient is used (a network's input batch needs none).
        let (needX, needY) = (op.needsGradient(0), op.needsGradient(1))
        let dx: B.Value?, dy: B.Value?
        switch (ta, tb) {
        case (false, false):
            dx = needX ? try mm(g, y, false, true) : nil; dy = needY ? try mm(x, g, true, false) : nil
        case (true, false):
            dx = needX ? try mm(y, g, false, true) : nil; dy = needY ? try mm(x, g, false, false) : nil
        case (false, true):
            dx = needX ? try mm(g, y, false, false) : nil; dy = needY ? try mm(g, x, true, false) : nil
        case (true, true):
            dx = needX ? try mm(y, g, true, true) : nil; dy = needY ? try mm(g, x, true, true) : nil
        }
        if !batched { return [dx, dy] }
        return [try dx.map { try b.unbroadcast($0, to: x) }, try dy.map { try b.unbroadcast($0, to: y) }]
    }
}
