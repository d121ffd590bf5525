import COpenBLAS
import Foundation

/// Principal component analysis of an embedding, on LAPACK through OpenBLAS.
///
/// The matrix is centred (each column's mean subtracted, in double precision). Then either
/// (``Method``) it is decomposed by `dgesdd` (the routine NumPy's `svd` calls), and the components
/// are `U Σ` restricted to the first K columns; or the d × d covariance `XᵀX` is accumulated block
/// by block with `dsyrk` and decomposed by `dsyevd`, and the components are `X V` (the same
/// values: `X V = U Σ`), which costs O(n·d²) time and O(d²) extra memory. The covariance is taken
/// for tall matrices (at least ``tallRatio`` rows per column: there it is several times faster
/// than the SVD, which also forms the n × d factor U) and for those above ``exactLimit`` values.
/// Either way the result equals NumPy's SVD of the centred matrix up to each component's sign;
/// signs are fixed so that each component's largest-magnitude value is positive.
public enum PCA {
    /// The result: n rows of K component values, and the variance each component explains.
    public struct Result: Sendable {
        public var rows: Int
        public var components: Int
        /// Row-major n × K.
        public var projected: [Double]
        /// σᵢ² / (n − 1) per component (scikit-learn's `explained_variance_`).
        public var explainedVariance: [Double]
        /// Each component's share of the total variance.
        public var explainedVarianceRatio: [Double]
    }

    /// How the decomposition is computed.
    public enum Method: Sendable {
        /// ``covariance`` for matrices above ``exactLimit`` values or with at least ``tallRatio``
        /// rows per column, else ``exact``.
        case automatic
        /// The SVD of the centred matrix (`dgesdd`).
        case exact
        /// The eigenvectors of the covariance (`dsyrk`, `dsyevd`).
        case covariance
    }

    /// Matrices with more values than this never use the exact SVD.
    public static let exactLimit = 8 << 20
    /// Matrices with at least this many rows per column use the covariance.
    public static let tallRatio = 10

    public enum Failure: Error, CustomStringConvertible {
        case tooManyComponents(requested: Int, available: Int)
        case lapack(routine: String, info: Int32)
        public var description: String {
            switch self {
            case .tooManyComponents(let k, let available):
                "components must be at most \(available) (min(n, d)), not \(k)"
            case .lapack(let routine, let info): "LAPACK \(routine) failed (info \(info))"
            }
        }
    }

    /// The first `components` principal components of `matrix`'s rows.
    public static func compute(_ matrix: EmbeddingMatrix, components k: Int, method: Method = .automatic)
        throws(Failure) -> Result
    {
        let n = matrix.rows, d = matrix.columns
        guard k >= 1, k <= min(n, d) else { throw .tooManyComponents(requested: k, available: min(n, d)) }
        var mean = [Double](repeating: 0, count: d)
        matrix.values.withUnsafeBufferPointer { v in
            mean.withUnsafeMutableBufferPointer { mean in
                for i in 0..<n { for j in 0..<d { mean[j] += Double(v[i * d + j]) } }
                for j in 0..<d { mean[j] /= Double(n) }
            }
        }
        var result: Result
        let useCovariance =
            switch method {
            case .automatic: n * d > exactLimit || n >= tallRatio * d
            case .exact: false
            case .covariance: true
            }
        if useCovariance {
            result = try covariance(matrix, mean: mean, k: k)
        } else {
            result = try exact(matrix, mean: mean, k: k)
        }
        // Sign convention: the largest-magnitude entry of each component is positive.
        for c in 0..<k {
            var best = 0.0
            for i in 0..<n where abs(result.projected[i * k + c]) > abs(best) { best = result.projected[i * k + c] }
            if best < 0 { for i in 0..<n { result.projected[i * k + c] = -result.projected[i * k + c] } }
        }
        return result
    }

    /// Centred rows `lo..<hi` as doubles, row-major.
    private static func centred(_ matrix: EmbeddingMatrix, _ mean: [Double], rows: Range<Int>) -> [Double] {
        var out = [Double](repeating: 0, count: rows.count * matrix.columns)
        centre(matrix, mean, rows: rows, into: &out)
        return out
    }

    /// Writes the centred rows `rows` as doubles, row-major, to the start of `out`.
    private static func centre(_ matrix: EmbeddingMatrix, _ mean: [Double], rows: Range<Int>, into out: inout [Double])
    {
        let d = matrix.columns
        matrix.values.withUnsafeBufferPointer { v in
            mean.withUnsafeBufferPointer { mean in
                out.withUnsafeMutableBufferPointer { out in
                    for (r, i) in rows.enumerated() {
                        for j in 0..<d { out[r * d + j] = Double(v[i * d + j]) - mean[j] }
                    }
                }
            }
        }
    }

    private static func exact(_ matrix: EmbeddingMatrix, mean: [Double], k: Int) throws(Failure) -> Result {
        let n = matrix.rows, d = matrix.columns
        // Row-major n×d is column-major d×n: the SVD of Xᵀ = V Σ Uᵀ, so `vt` holds Uᵀ (m×n, m = min).
        var a = centred(matrix, mean, rows: 0..<n)
        let m = min(n, d)
        var s = [Double](repeating: 0, count: m)
        var u = [Double](repeating: 0, count: d * m)
        var vt = [Double](repeating: 0, count: m * n)
        var jobz = CChar(UInt8(ascii: "S"))
        var rowsA = blasint(d), colsA = blasint(n), lda = blasint(d), ldu = blasint(d), ldvt = blasint(m)
        var info: blasint = 0
        var iwork = [blasint](repeating: 0, count: 8 * m)
        var query = 0.0
        var lwork: blasint = -1
        dgesdd_(&jobz, &rowsA, &colsA, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &query, &lwork, &iwork, &info)
        guard info == 0 else { throw .lapack(routine: "dgesdd", info: info) }
        lwork = blasint(query)
        var work = [Double](repeating: 0, count: Int(lwork))
        dgesdd_(&jobz, &rowsA, &colsA, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &work, &lwork, &iwork, &info)
        guard info == 0 else { throw .lapack(routine: "dgesdd", info: info) }
        var projected = [Double](repeating: 0, count: n * k)
        // vt is column-major m×n: element (c, i) at c + i·m.
        for i in 0..<n { for c in 0..<k { projected[i * k + c] = vt[c + i * m] * s[c] } }
        return finish(rows: n, k: k, projected: projected, squares: s.map { $0 * $0 })
    }

    private static func covariance(_ matrix: EmbeddingMatrix, mean: [Double], k: Int) throws(Failure) -> Result {
        let n = matrix.rows, d = matrix.columns
        let block = max(1, (1 << 20) / d)
        var c = [Double](repeating: 0, count: d * d)
        // One block of centred rows at a time, in one buffer.
        var x = [Double](repeating: 0, count: min(n, block) * d)
        var lo = 0
        while lo < n {
            let hi = min(n, lo + block)
            centre(matrix, mean, rows: lo..<hi, into: &x)
            // C += Xᵀ X (upper triangle, row-major).
            cblas_dsyrk(
                CblasRowMajor, CblasUpper, CblasTrans, blasint(d), blasint(hi - lo), 1, x, blasint(d), 1, &c, blasint(d)
            )
            lo = hi
        }
        // Row-major upper is column-major lower.
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "L"))
        var order = blasint(d), lda = blasint(d), info: blasint = 0
        var w = [Double](repeating: 0, count: d)
        var query = 0.0, iquery: blasint = 0
        var lwork: blasint = -1, liwork: blasint = -1
        dsyevd_(&jobz, &uplo, &order, &c, &lda, &w, &query, &lwork, &iquery, &liwork, &info)
        guard info == 0 else { throw .lapack(routine: "dsyevd", info: info) }
        lwork = blasint(query)
        liwork = iquery
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [blasint](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &order, &c, &lda, &w, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else { throw .lapack(routine: "dsyevd", info: info) }
        // Eigenvalues ascend; column j of the column-major result is eigenvector j. Take the top k as a d×k row-major V.
        var v = [Double](repeating: 0, count: d * k)
        for cIndex in 0..<k {
            let j = d - 1 - cIndex
            for r in 0..<d { v[r * k + cIndex] = c[j * d + r] }
        }
        var projected = [Double](repeating: 0, count: n * k)
        lo = 0
        while lo < n {
            let hi = min(n, lo + block)
            centre(matrix, mean, rows: lo..<hi, into: &x)
            projected.withUnsafeMutableBufferPointer { out in
                cblas_dgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(hi - lo), blasint(k), blasint(d), 1, x,
                    blasint(d),
                    v, blasint(k), 0, out.baseAddress! + lo * k, blasint(k))
            }
            lo = hi
        }
        return finish(rows: n, k: k, projected: projected, squares: w.reversed().map { max(0, $0) })
    }

    private static func finish(rows n: Int, k: Int, projected: [Double], squares: [Double]) -> Result {
        let denominator = Double(max(1, n - 1))
        let total = squares.reduce(0, +)
        return Result(
            rows: n, components: k, projected: projected,
            explainedVariance: squares.prefix(k).map { $0 / denominator },
            explainedVarianceRatio: squares.prefix(k).map { total > 0 ? $0 / total : 0 })
    }
}
