import Testing

@testable import Lumen

/// The float32 products that bypass OpenBLAS (`MatrixProduct.Unpacked`, CLumenGEMM's
/// `lumen_sgemm_unpacked`) against the same sums taken in double precision: every shape class the
/// kernel has a path for (row blocks of six and the rest, 16-column panels and a partial last one,
/// depth blocks of 256 and a shorter last one, A plain or transposed, accumulating into C).
@Suite struct UnpackedProductTests {
    struct Case: CustomStringConvertible, Sendable {
        let m: Int, n: Int, k: Int, transposeA: Bool, accumulate: Bool
        var description: String { "\(m)x\(n)x\(k)\(transposeA ? " Aᵀ" : "")\(accumulate ? " +C" : "")" }
    }

    static let cases: [Case] = [
        Case(m: 64, n: 256, k: 784, transposeA: false, accumulate: false),  // a layer's forward pass
        Case(m: 784, n: 256, k: 64, transposeA: true, accumulate: false),  // its weight gradient
        Case(m: 7, n: 17, k: 300, transposeA: false, accumulate: false),
        Case(m: 13, n: 40, k: 257, transposeA: true, accumulate: true),
        Case(m: 1, n: 16, k: 1, transposeA: false, accumulate: false),
        Case(m: 5, n: 23, k: 1024, transposeA: false, accumulate: true),
        Case(m: 100, n: 31, k: 64, transposeA: false, accumulate: false),
        Case(m: 3, n: 255, k: 9, transposeA: true, accumulate: false),
    ]

    @Test(arguments: cases)
    func matchesTheProductInDoublePrecision(_ c: Case) {
        #expect(MatrixProduct.Unpacked.isFaster(m: c.m, n: c.n, k: c.k) == MatrixProduct.Unpacked.isAvailable)
        var generator = RandomGenerator(seed: UInt64(c.m * 1_000_003 + c.n * 1_009 + c.k))
        // A stored m × k (or k × m when transposed) with two spare columns; B and C with spare ones
        // too, which the product must leave as they were.
        let (aRows, aColumns) = c.transposeA ? (c.k, c.m) : (c.m, c.k)
        let lda = aColumns + 2, ldb = c.n + 3, ldc = c.n + 5
        let a = Tensor.normal([aRows * lda], using: &generator).scalars(as: Float.self)
        let b = Tensor.normal([c.k * ldb], using: &generator).scalars(as: Float.self)
        let c0 = Tensor.normal([c.m * ldc], using: &generator).scalars(as: Float.self)
        var out = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    MatrixProduct.multiplyOnCallingThread(
                        m: c.m, n: c.n, k: c.k,
                        MatrixOperand(pointer: pa.baseAddress!, leadingDimension: lda, isTransposed: c.transposeA),
                        MatrixOperand(pointer: pb.baseAddress!, leadingDimension: ldb),
                        into: pc.baseAddress!, leadingDimension: ldc, accumulate: c.accumulate)
                }
            }
        }
        var worst = 0.0
        for i in 0..<c.m {
            for j in 0..<ldc {
                let got = Double(out[i * ldc + j])
                guard j < c.n else {
                    #expect(out[i * ldc + j] == c0[i * ldc + j], "column \(j) past the product was written")
                    continue
                }
                var sum = c.accumulate ? Double(c0[i * ldc + j]) : 0, magnitude = abs(sum)
                for p in 0..<c.k {
                    let x = Double(c.transposeA ? a[p * lda + i] : a[i * lda + p]), y = Double(b[p * ldb + j])
                    sum += x * y
                    magnitude += abs(x * y)
                }
                // float32 rounding of a k-term sum: relative to the sum of magnitudes.
                worst = max(worst, abs(got - sum) / (magnitude * Double(c.k + 1) * 0x1p-24 + 1e-30))
            }
        }
        #expect(worst <= 1, "error \(worst) times the float32 bound for \(c)")
    }
}
