import COpenBLAS

/// One row-major matrix operand of a product: where it starts, its leading dimension (elements
/// between the starts of consecutive stored rows) and whether the product reads it transposed.
struct MatrixOperand<T: FloatElement> {
    var pointer: UnsafePointer<T>
    var leadingDimension: Int
    var isTransposed = false
}

/// `C = A·B` (or `C += A·B`) through OpenBLAS, row-major, for the kernels that lower convolutions
/// to matrix products.
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
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
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

    @inline(__always)
    private static func call<T: FloatElement>(
        _ m: Int, _ n: Int, _ k: Int, _ a: MatrixOperand<T>, _ b: MatrixOperand<T>,
        _ c: UnsafeMutablePointer<T>, _ ldc: Int, _ accumulate: Bool
    ) {
        let ta = a.isTransposed ? CblasTrans : CblasNoTrans, tb = b.isTransposed ? CblasTrans : CblasNoTrans
        let (lda, ldb) = (Int32(a.leadingDimension), Int32(b.leadingDimension))
        if T.self == Float.self {
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                        UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Float.self), lda,
                        UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Float.self), ldb,
                        accumulate ? 1 : 0, UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
        } else {
            cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                        UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Double.self), lda,
                        UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Double.self), ldb,
                        accumulate ? 1 : 0, UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
        }
    }
}
