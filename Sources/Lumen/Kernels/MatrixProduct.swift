import COpenBLAS

/// One row-major matrix operand of a product: where it starts, its leading dimension (elements
/// between the starts of consecutive stored rows) and whether the product reads it transposed.
struct MatrixOperand<T: FloatElement> {
    var pointer: UnsafePointer<T>
    var leadingDimension: Int
    var isTransposed = false
}

/// Every matrix product in Lumen, row-major: the one gateway to OpenBLAS (`cblas_sgemm`,
/// `cblas_dgemm`); integer products use a plain loop.
///
/// - ``batched(_:_:transposeA:transposeB:shape:)``: a product of tensors with broadcast batch
///   dimensions.
/// - ``multiply(_:_:_:_:_:_:_:_:_:)``: one product of any numeric dtype through raw pointers.
/// - ``multiply(m:n:k:_:_:into:leadingDimension:accumulate:)``: one floating-point product with
///   leading dimensions, split across Lumen's workers when large.
/// - ``multiplyOnCallingThread(m:n:k:_:_:into:leadingDimension:accumulate:)``: the same on the
///   calling thread, for kernels that already run inside a parallel region.
///
/// OpenBLAS's own threads spin on `sched_yield` for a while after each call, competing with Lumen's
/// workers for the same cores, and its threading of a small product costs more than it saves. So
/// every call here runs OpenBLAS single-threaded: small products on the calling thread, large ones
/// split into column (or row) blocks across Lumen's workers.
enum MatrixProduct {
    /// Multiply-adds below which a product is not split across workers.
    static let parallelThreshold = 1 << 21

    /// `C[m×n] = op(A)[m×k] · op(B)[k×n]`, plus the old `C` when `accumulate`.
    static func multiply<T: FloatElement>(
        m: Int, n: Int, k: Int, _ a: MatrixOperand<T>, _ b: MatrixOperand<T>,
        into c: UnsafeMutablePointer<T>, leadingDimension ldc: Int, accumulate: Bool = false
    ) {
        if m == 0 || n == 0 || k == 0 {
            multiplyOnCallingThread(m: m, n: n, k: k, a, b, into: c, leadingDimension: ldc, accumulate: accumulate)
            return
        }
        let workers = Swift.min(Threading.intraOpThreads, (m * n * k) / parallelThreshold + 1)
        Threading.withSingleThreadedBLAS {
            if workers <= 1 {
                call(m, n, k, a, b, c, ldc, accumulate)
            } else if n >= m {
                // Column blocks: B's columns and C's columns.
                let block = (n + workers - 1) / workers
                Threading.parallelFor(workers, minimumChunk: 1) { range in
                    for w in range where w * block < n {
                        let j = w * block, width = Swift.min(block, n - j)
                        var bj = b
                        bj.pointer += b.isTransposed ? j * b.leadingDimension : j
                        call(m, width, k, a, bj, c + j, ldc, accumulate)
                    }
                }
            } else {
                // Row blocks: A's rows and C's rows.
                let block = (m + workers - 1) / workers
                Threading.parallelFor(workers, minimumChunk: 1) { range in
                    for w in range where w * block < m {
                        let i = w * block, height = Swift.min(block, m - i)
                        var ai = a
                        ai.pointer += a.isTransposed ? i : i * a.leadingDimension
                        call(height, n, k, ai, b, c + i * ldc, ldc, accumulate)
                    }
                }
            }
        }
    }

    /// ``multiply(m:n:k:_:_:into:leadingDimension:accumulate:)`` as one BLAS call on the calling
    /// thread, for kernels that already split their work across Lumen's workers.
    static func multiplyOnCallingThread<T: FloatElement>(
        m: Int, n: Int, k: Int, _ a: MatrixOperand<T>, _ b: MatrixOperand<T>,
        into c: UnsafeMutablePointer<T>, leadingDimension ldc: Int, accumulate: Bool = false
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        call(m, n, k, a, b, c, ldc, accumulate)
    }

    /// `op(a) · op(b)` into a tensor of `shape` (the batch dimensions broadcast, then `[m, n]`).
    static func batched(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool, shape: [Int]) -> Tensor {
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
            multiply(a.dtype, transposeA, transposeB, m, n, k, pa, pb, pc)
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

    /// `C[m×n] = op(A) · op(B)`, packed row-major, for one matrix pair of `dtype`. Small float32
    /// products run single-threaded; larger ones and float64 use OpenBLAS's own threads.
    static func multiply(
        _ dtype: DType, _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ c: UnsafeMutableRawPointer
    ) {
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        switch dtype {
        case .float32 where m * n * k < parallelThreshold:
            // Small products single-threaded: OpenBLAS's threads cost more than they save here.
            multiply(
                m: m, n: n, k: k,
                MatrixOperand(
                    pointer: a.assumingMemoryBound(to: Float.self), leadingDimension: lda, isTransposed: transposeA),
                MatrixOperand(
                    pointer: b.assumingMemoryBound(to: Float.self), leadingDimension: ldb, isTransposed: transposeB),
                into: c.assumingMemoryBound(to: Float.self), leadingDimension: n)
        case .float32:
            if k == 0 { c.initializeMemory(as: Float.self, repeating: 0, count: m * n); return }
            call(
                m, n, k,
                MatrixOperand(
                    pointer: a.assumingMemoryBound(to: Float.self), leadingDimension: lda, isTransposed: transposeA),
                MatrixOperand(
                    pointer: b.assumingMemoryBound(to: Float.self), leadingDimension: ldb, isTransposed: transposeB),
                c.assumingMemoryBound(to: Float.self), n, false)
        case .float64:
            if k == 0 { c.initializeMemory(as: Double.self, repeating: 0, count: m * n); return }
            call(
                m, n, k,
                MatrixOperand(
                    pointer: a.assumingMemoryBound(to: Double.self), leadingDimension: lda, isTransposed: transposeA),
                MatrixOperand(
                    pointer: b.assumingMemoryBound(to: Double.self), leadingDimension: ldb, isTransposed: transposeB),
                c.assumingMemoryBound(to: Double.self), n, false)
        case .int32: integerGemm(Int32.self, transposeA, transposeB, m, n, k, a, b, c)
        case .int64: integerGemm(Int64.self, transposeA, transposeB, m, n, k, a, b, c)
        case .uint8: integerGemm(UInt8.self, transposeA, transposeB, m, n, k, a, b, c)
        case .bool: preconditionFailure("matmul of bool")
        }
    }

    private static func integerGemm<T: NumericElement>(
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

    @inline(__always)
    private static func call<T: FloatElement>(
        _ m: Int, _ n: Int, _ k: Int, _ a: MatrixOperand<T>, _ b: MatrixOperand<T>,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int, _ accumulate: Bool
    ) {
        let ta = a.isTransposed ? CblasTrans : CblasNoTrans, tb = b.isTransposed ? CblasTrans : CblasNoTrans
        let (lda, ldb) = (Int32(a.leadingDimension), Int32(b.leadingDimension))
        if T.self == Float.self {
            cblas_sgemm(
                CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Float.self), lda,
                UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Float.self), ldb,
                accumulate ? 1 : 0, UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
        } else {
            cblas_dgemm(
                CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Double.self), lda,
                UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Double.self), ldb,
                accumulate ? 1 : 0, UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
        }
    }
}
