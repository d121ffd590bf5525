/// `MatMul` (rank 2, attributes `transpose_a`, `transpose_b`) and `BatchMatMulV2` (rank ≥ 2 with
/// broadcast batch dimensions, attributes `adj_x`, `adj_y`) and their gradient; the kernel is
/// ``MatrixProduct``.
enum LinearAlgebraOps {
    static let definitions: [OpDefinition] = [
        OpDefinition(
            "MatMul",
            infer: { ctx, attrs in
                [
                    try inferMatMul(
                        ctx, batched: false, transposeA: try attrs.bool("transpose_a", default: false, ctx),
                        transposeB: try attrs.bool("transpose_b", default: false, ctx))
                ]
            },
            compute: { call in
                let a = call.attributes, c = call.context
                return [
                    MatrixProduct.batched(
                        call.inputs[0], call.inputs[1], transposeA: try a.bool("transpose_a", default: false, c),
                        transposeB: try a.bool("transpose_b", default: false, c), shape: call.outputs[0].shape)
                ]
            }
        ).gradient(MatMulGradient(batched: false)),
        OpDefinition(
            "BatchMatMulV2",
            infer: { ctx, attrs in
                [
                    try inferMatMul(
                        ctx, batched: true, transposeA: try attrs.bool("adj_x", default: false, ctx),
                        transposeB: try attrs.bool("adj_y", default: false, ctx))
                ]
            },
            compute: { call in
                let a = call.attributes, c = call.context
                return [
                    MatrixProduct.batched(
                        call.inputs[0], call.inputs[1], transposeA: try a.bool("adj_x", default: false, c),
                        transposeB: try a.bool("adj_y", default: false, c), shape: call.outputs[0].shape)
                ]
            }
        ).gradient(MatMulGradient(batched: true)),
    ]

    static func inferMatMul(_ ctx: OpContext, batched: Bool, transposeA: Bool, transposeB: Bool) throws -> TensorSpec {
        try ctx.expectInputs(2)
        let a = ctx.inputs[0], b = ctx.inputs[1]
        guard a.dtype == b.dtype else { throw ctx.dtypeMismatch(a.dtype, b.dtype) }
        guard a.dtype.isNumeric else { throw ctx.unsupported(a.dtype, expected: "a numeric dtype") }
        if batched {
            guard a.shape.count >= 2, b.shape.count >= 2 else { throw ctx.shapeError("Shapes must be at least rank 2") }
        } else {
            guard a.shape.count == 2 else { throw ctx.shapeError("Shape must be rank 2 but is rank \(a.shape.count)") }
            guard b.shape.count == 2 else { throw ctx.shapeError("Shape must be rank 2 but is rank \(b.shape.count)") }
        }
        let (ra, ca) = (a.shape[a.shape.count - 2], a.shape[a.shape.count - 1])
        let (rb, cb) = (b.shape[b.shape.count - 2], b.shape[b.shape.count - 1])
        let (m, ka) = transposeA ? (ca, ra) : (ra, ca)
        let (kb, n) = transposeB ? (cb, rb) : (rb, cb)
        if ka >= 0 && kb >= 0 && ka != kb { throw ctx.dimensionsMustBeEqual(ka, kb) }
        guard let batch = Shape.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else {
            throw ctx.shapeError("Incompatible batch dimensions")
        }
        return TensorSpec(dtype: a.dtype, shape: batch + [m, n])
    }
}

// MARK: Gradient

/// The gradient of `MatMul` and (`batched`) `BatchMatMulV2` for every combination of transpose
/// flags: products of the same op.
struct MatMulGradient: OutputGradientFunction {
    let batched: Bool

    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let (x, y) = (op.inputs[0], op.inputs[1])
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
