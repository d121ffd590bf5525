import COpenBLAS

/// `MatMul` (rank 2, attributes `transpose_a`, `transpose_b`) and `BatchMatMulV2` (rank ≥ 2 with
/// broadcast batch dimensions, attributes `adj_x`, `adj_y`). Floating point goes through
/// `cblas_sgemm`/`cblas_dgemm`; integers use a plain loop.
enum LinearAlgebraOps {
    static let definitions: [OpDefinition] = [
        OpDefinition("MatMul", infer: { ctx, attrs in
            [try inferMatMul(ctx, batched: false, transposeA: try attrs.bool("transpose_a", default: false, ctx),
                             transposeB: try attrs.bool("transpose_b", default: false, ctx))]
        }, compute: { call in
            let a = call.attributes, c = call.context
            return [matmul(call.inputs[0], call.inputs[1], transposeA: try a.bool("transpose_a", default: false, c),
                           transposeB: try a.bool("transpose_b", default: false, c), shape: call.outputs[0].shape)]
        }),
        OpDefinition("BatchMatMulV2", infer: { ctx, attrs in
            [try inferMatMul(ctx, batched: true, transposeA: try attrs.bool("adj_x", default: false, ctx),
                             transposeB: try attrs.bool("adj_y", default: false, ctx))]
        }, compute: { call in
            let a = call.attributes, c = call.context
            return [matmul(call.inputs[0], call.inputs[1], transposeA: try a.bool("adj_x", default: false, c),
                           transposeB: try a.bool("adj_y", default: false, c), shape: call.outputs[0].shape)]
        }),
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

    static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool, shape: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: a.dtype)
        let m = shape[shape.count - 2], n = shape[shape.count - 1]
        let k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let batchShape = Array(shape.dropLast(2))
        let batches = Shape.elementCount(batchShape)
        if out.count == 0 { return out }
        let size = a.dtype.byteSize
        let aMatrix = a.shape[a.rank - 2] * a.shape[a.rank - 1], bMatrix = b.shape[b.rank - 2] * b.shape[b.rank - 1]
        // Offsets of each batch's matrices, honouring broadcast batch dimensions.
        let aOffsets: [Int], bOffsets: [Int]
        if batches == 1 {
            aOffsets = [0]; bOffsets = [0]
        } else {
            aOffsets = batchOffsets(Array(a.shape.dropLast(2)), batchShape).map { $0 * aMatrix }
            bOffsets = batchOffsets(Array(b.shape.dropLast(2)), batchShape).map { $0 * bMatrix }
        }
        for i in 0..<batches {
            let pa = a.storage.bytes + aOffsets[i] * size, pb = b.storage.bytes + bOffsets[i] * size
            let pc = out.storage.bytes + i * m * n * size
            gemm(a.dtype, transposeA, transposeB, m, n, k, pa, pb, pc)
        }
        return out
    }

    /// For every position of `batchShape`, the index of the matching matrix in an operand whose batch
    /// shape `own` broadcasts to it.
    static func batchOffsets(_ own: [Int], _ batchShape: [Int]) -> [Int] {
        let offset = batchShape.count - own.count
        let ownStrides = Shape.strides(own)
        let count = Shape.elementCount(batchShape)
        return (0..<count).map { flat in
            var r = flat, index = 0
            for d in stride(from: batchShape.count - 1, through: 0, by: -1) {
                let i = r % batchShape[d]
                r /= batchShape[d]
                if d >= offset, own[d - offset] != 1 { index += i * ownStrides[d - offset] }
            }
            return index
        }
    }

    /// C[m×n] = op(A) · op(B), row-major, for one matrix pair.
    static func gemm(
        _ dtype: DType, _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ c: UnsafeMutableRawPointer
    ) {
        let ta = transposeA ? CblasTrans : CblasNoTrans, tb = transposeB ? CblasTrans : CblasNoTrans
        let lda = Int32(transposeA ? m : k), ldb = Int32(transposeB ? k : n)
        switch dtype {
        case .float32 where m * n * k < MatrixProduct.parallelThreshold:
            // Small products single-threaded: OpenBLAS's threads cost more than they save here.
            MatrixProduct.multiply(
                m: m, n: n, k: k,
                MatrixOperand(pointer: a.assumingMemoryBound(to: Float.self), leadingDimension: Int(lda), isTransposed: transposeA),
                MatrixOperand(pointer: b.assumingMemoryBound(to: Float.self), leadingDimension: Int(ldb), isTransposed: transposeB),
                into: c.assumingMemoryBound(to: Float.self), leadingDimension: n)
        case .float32:
            if k == 0 { c.initializeMemory(as: Float.self, repeating: 0, count: m * n); return }
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                        a.assumingMemoryBound(to: Float.self), lda, b.assumingMemoryBound(to: Float.self), ldb,
                        0, c.assumingMemoryBound(to: Float.self), Int32(n))
        case .float64:
            if k == 0 { c.initializeMemory(as: Double.self, repeating: 0, count: m * n); return }
            cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                        a.assumingMemoryBound(to: Double.self), lda, b.assumingMemoryBound(to: Double.self), ldb,
                        0, c.assumingMemoryBound(to: Double.self), Int32(n))
        case .int32: integerGemm(Int32.self, transposeA, transposeB, m, n, k, a, b, c)
        case .int64: integerGemm(Int64.self, transposeA, transposeB, m, n, k, a, b, c)
        case .uint8: integerGemm(UInt8.self, transposeA, transposeB, m, n, k, a, b, c)
        case .bool: preconditionFailure("matmul of bool")
        }
    }

    static func integerGemm<T: NumericElement>(
        _: T.Type, _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ c: UnsafeMutableRawPointer
    ) {
        let pa = a.assumingMemoryBound(to: T.self), pb = b.assumingMemoryBound(to: T.self)
        let pc = c.assumingMemoryBound(to: T.self)
        for i in 0..<m {
            for j in 0..<n {
                var acc: T = 0
                for p in 0..<k {
                    let x = transposeA ? pa[p * m + i] : pa[i * k + p]
                    let y = transposeB ? pb[j * k + p] : pb[p * n + j]
                    acc = T.add(acc, T.multiply(x, y))
                }
                pc[i * n + j] = acc
            }
        }
    }
}
