#ifndef LUMEN_GEMM_H
#define LUMEN_GEMM_H

/// Whether this CPU has the AVX2 and FMA instructions lumen_sgemm_unpacked needs (x86-64 only).
int lumen_gemm_has_avx2_fma(void);

/// A float32 matrix product for shapes with a small dimension, where packing both operands (as
/// OpenBLAS does) costs as much as the arithmetic: A is read in place, B one 16-column panel at a time:
/// `C[i][j] = sum over p of A(i, p) * B(p, j)` for i < m, j < n, p < k, plus the old `C[i][j]` when
/// `accumulate` is nonzero. A(i, p) is `a[i * aRowStride + p * aDepthStride]` (so either layout of A,
/// plain or transposed, is read without a copy); B is row-major with `ldb` floats between rows; C is
/// row-major with `ldc` floats between rows. Each C element is one fused multiply-add chain over p
/// in increasing order, so the result depends only on the operands and the shape. Requires n >= 1,
/// m >= 1, k >= 1, and lumen_gemm_has_avx2_fma() nonzero.
void lumen_sgemm_unpacked(long m, long n, long k, const float *a, long aRowStride, long aDepthStride,
                          const float *b, long ldb, float *c, long ldc, int accumulate);

#endif
