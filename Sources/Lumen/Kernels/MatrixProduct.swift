import CLumenGEMM
import COpenBLAS

/// One row-major matrix operand of a product: where it starts, its leading dimension (elements
/// between the starts of consecutive stored rows) and whether the product reads it transposed.
struct MatrixOperand<T: FloatElement> {
    var pointer: UnsafePointer<T>
    var leadingDimension: Int
    var isTransposed = false
}

/// Every matrix product in Lumen, row-major: the one gateway to OpenBLAS (`cblas_sgemm`,
/// `cblas_dgemm`) and to CLumenGEMM's unpacked float32 kernel for shapes with a small dimension
/// (``Unpacked``); integer products use a plain loop.
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

    /// `C[m×n] = op(A) · op(B)`, packed row-major, for one matrix pair of `dtype`. A large product
    /// that OpenBLAS does best, called outside a parallel region, runs on OpenBLAS's own threads;
    /// every other floating-point product goes through
    /// ``multiply(m:n:k:_:_:into:leadingDimension:accumulate:)`` (single-threaded BLAS or
    /// ``Unpacked``, split across Lumen's workers in a fixed partition when large), so that inside
    /// a graph run, where OpenBLAS is held at one thread, a large product still uses every core.
    static func multiply(
        _ dtype: DType, _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ c: UnsafeMutableRawPointer
    ) {
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        func product<T: FloatElement>(_: T.Type, unpacked: Bool) {
            let pa = MatrixOperand(
                pointer: a.assumingMemoryBound(to: T.self), leadingDimension: lda, isTransposed: transposeA)
            let pb = MatrixOperand(
                pointer: b.assumingMemoryBound(to: T.self), leadingDimension: ldb, isTransposed: transposeB)
            let pc = c.assumingMemoryBound(to: T.self)
            if m * n * k >= parallelThreshold && !unpacked && Threading.blasSnapshot.openRegions == 0 {
                call(m, n, k, pa, pb, pc, n, false)
            } else {
                multiply(m: m, n: n, k: k, pa, pb, into: pc, leadingDimension: n)
            }
        }
        switch dtype {
        case .float32: product(Float.self, unpacked: !transposeB && Unpacked.isFaster(m: m, n: n, k: k))
        case .float64: product(Double.self, unpacked: false)
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

    /// When a float32 product goes to `lumen_sgemm_unpacked` (CLumenGEMM) instead of OpenBLAS.
    ///
    /// OpenBLAS packs blocks of both operands before multiplying and tunes its blocking for large
    /// matrices; with few rows of A (a layer's forward pass over a small batch) its packed copy of B
    /// serves few rows. On one thread (as in a graph run) on the 2-core benchmark machine, OpenBLAS
    /// 0.3.21 ran the 64 × 784 × 256 product at 11–16 GFLOP/s and this kernel at 31–36 (a C loop
    /// over both on the same buffers). The unpacked product copies only a 256 × 16
    /// panel of B at a time and reads A in place. It is chosen from the shape alone, so a product's
    /// result never depends on timing: B at most 256 columns wide (and at least 16), and either at
    /// most 64 rows with a shared dimension up to 1,024, or a shared dimension of at most 64 (a
    /// weight gradient over a batch of 64). `lumen-bench --only core` compares the two on such shapes
    /// (`matmul-64x784x256`, `matmul-784x64x256-transposed`).
    enum Unpacked {
        static let isAvailable = lumen_gemm_has_avx2_fma() != 0

        @inline(__always)
        static func isFaster(m: Int, n: Int, k: Int) -> Bool {
            isAvailable && n >= 16 && n <= 256 && ((m <= 64 && k <= 1024) || k <= 64)
        }
    }

    @inline(__always)
    private static func call<T: FloatElement>(
        _ m: Int, _ n: Int, _ k: Int, _ a: MatrixOperand<T>, _ b: MatrixOperand<T>,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int, _ accumulate: Bool
    ) {
        let ta = a.isTransposed ? CblasTrans : CblasNoTrans, tb = b.isTransposed ? CblasTrans : CblasNoTrans
        let (lda, ldb) = (Int32(a.leadingDimension), Int32(b.leadingDimension))
        if T.self == Float.self, !b.isTransposed, Unpacked.isFaster(m: m, n: n, k: k) {
            lumen_sgemm_unpacked(
                m, n, k, UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Float.self),
                a.isTransposed ? 1 : a.leadingDimension, a.isTransposed ? a.leadingDimension : 1,
                UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Float.self), b.leadingDimension,
                UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc, accumulate ? 1 : 0)
        } else if T.self == Float.self {
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
