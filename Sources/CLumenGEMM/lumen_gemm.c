#include "lumen_gemm.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int lumen_gemm_has_avx2_fma(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    int fma = (ecx & bit_FMA) != 0, osxsave = (ecx & bit_OSXSAVE) != 0, avx = (ecx & bit_AVX) != 0;
    if (!fma || !osxsave || !avx) return 0;
    // The OS must save the YMM registers (XCR0 bits 1 and 2).
    unsigned int xcr0_low, xcr0_high;
    __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 6) != 6) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & bit_AVX2) != 0;
}

#define LUMEN_AVX2 __attribute__((target("avx2,fma")))

/// Lane masks for the last, partial panel: lanes [0, width) of each 8-float half are set.
LUMEN_AVX2 static inline void panel_masks(long width, __m256i *low, __m256i *high) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    *low = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)width), lanes);
    *high = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)width - 8), lanes);
}

/// Rows of B copied into one contiguous panel at a time: 256 x 16 floats, 16 KiB, stay in L1.
#define LUMEN_DEPTH_BLOCK 256

/// One row block of ROWS rows (1 to 6) against one packed panel of 16 columns (`panel`, `k` rows
/// of 16 floats): 2 * ROWS accumulators, the panel's two vectors loaded once per p and shared by
/// every row. The accumulators start from C when `load` (accumulating, or a later depth block);
/// `masked` stores only the lanes the masks select.
#define LUMEN_BLOCK(ROWS)                                                                                    \
    LUMEN_AVX2 static inline __attribute__((always_inline)) void block##ROWS(                                \
        long k, const float *a, long ars, long aks, const float *panel, float *c, long ldc, int load,       \
        int masked, __m256i m0, __m256i m1) {                                                                \
        __m256 lo[6], hi[6];                                                                                 \
        for (int r = 0; r < ROWS; r++) {                                                                     \
            if (load) {                                                                                      \
                lo[r] = masked ? _mm256_maskload_ps(c + r * ldc, m0) : _mm256_loadu_ps(c + r * ldc);         \
                hi[r] = masked ? _mm256_maskload_ps(c + r * ldc + 8, m1) : _mm256_loadu_ps(c + r * ldc + 8); \
            } else {                                                                                         \
                lo[r] = _mm256_setzero_ps();                                                                 \
                hi[r] = _mm256_setzero_ps();                                                                 \
            }                                                                                                \
        }                                                                                                    \
        for (long p = 0; p < k; p++) {                                                                       \
            __m256 b0 = _mm256_load_ps(panel), b1 = _mm256_load_ps(panel + 8);                               \
            panel += 16;                                                                                     \
            for (int r = 0; r < ROWS; r++) {                                                                 \
                __m256 x = _mm256_broadcast_ss(a + r * ars);                                                 \
                lo[r] = _mm256_fmadd_ps(x, b0, lo[r]);                                                       \
                hi[r] = _mm256_fmadd_ps(x, b1, hi[r]);                                                       \
            }                                                                                                \
            a += aks;                                                                                        \
        }                                                                                                    \
        for (int r = 0; r < ROWS; r++) {                                                                     \
            if (masked) {                                                                                    \
                _mm256_maskstore_ps(c + r * ldc, m0, lo[r]);                                                 \
                _mm256_maskstore_ps(c + r * ldc + 8, m1, hi[r]);                                             \
            } else {                                                                                         \
                _mm256_storeu_ps(c + r * ldc, lo[r]);                                                        \
                _mm256_storeu_ps(c + r * ldc + 8, hi[r]);                                                    \
            }                                                                                                \
        }                                                                                                    \
    }

LUMEN_BLOCK(1)
LUMEN_BLOCK(2)
LUMEN_BLOCK(3)
LUMEN_BLOCK(4)
LUMEN_BLOCK(5)
LUMEN_BLOCK(6)

/// Every row against one packed panel: blocks of six rows, then the rest in one smaller block.
LUMEN_AVX2 static inline __attribute__((always_inline)) void rows(
    long m, long k, const float *a, long ars, long aks, const float *panel, float *c, long ldc, int load,
    int masked, __m256i m0, __m256i m1) {
    long i = 0;
    for (; i + 6 <= m; i += 6) block6(k, a + i * ars, ars, aks, panel, c + i * ldc, ldc, load, masked, m0, m1);
    const float *ai = a + i * ars;
    float *ci = c + i * ldc;
    switch (m - i) {
    case 5: block5(k, ai, ars, aks, panel, ci, ldc, load, masked, m0, m1); break;
    case 4: block4(k, ai, ars, aks, panel, ci, ldc, load, masked, m0, m1); break;
    case 3: block3(k, ai, ars, aks, panel, ci, ldc, load, masked, m0, m1); break;
    case 2: block2(k, ai, ars, aks, panel, ci, ldc, load, masked, m0, m1); break;
    case 1: block1(k, ai, ars, aks, panel, ci, ldc, load, masked, m0, m1); break;
    default: break;
    }
}

LUMEN_AVX2 void lumen_sgemm_unpacked(long m, long n, long k, const float *a, long aRowStride, long aDepthStride,
                                     const float *b, long ldb, float *c, long ldc, int accumulate) {
    // B's rows are strided by ldb, often a multiple of 1 KiB, which maps a column panel onto a few
    // cache sets; so each depth block of a 16-column panel is copied into contiguous, aligned
    // memory first (zero-padded past the last column), and every row block reads that copy.
    float panel[LUMEN_DEPTH_BLOCK * 16] __attribute__((aligned(32)));
    const __m256i all = _mm256_set1_epi32(-1);
    for (long j = 0; j < n; j += 16) {
        long width = n - j < 16 ? n - j : 16;
        int masked = width < 16;
        __m256i m0 = all, m1 = all;
        if (masked) panel_masks(width, &m0, &m1);
        for (long p0 = 0; p0 < k; p0 += LUMEN_DEPTH_BLOCK) {
            long depth = k - p0 < LUMEN_DEPTH_BLOCK ? k - p0 : LUMEN_DEPTH_BLOCK;
            const float *source = b + p0 * ldb + j;
            for (long p = 0; p < depth; p++, source += ldb) {
                if (masked) {
                    _mm256_store_ps(panel + 16 * p, _mm256_maskload_ps(source, m0));
                    _mm256_store_ps(panel + 16 * p + 8, _mm256_maskload_ps(source + 8, m1));
                } else {
                    _mm256_store_ps(panel + 16 * p, _mm256_loadu_ps(source));
                    _mm256_store_ps(panel + 16 * p + 8, _mm256_loadu_ps(source + 8));
                }
            }
            rows(m, depth, a + p0 * aDepthStride, aRowStride, aDepthStride, panel, c + j, ldc,
                 accumulate || p0 > 0, masked, m0, m1);
        }
    }
}

#else

#include <math.h>

int lumen_gemm_has_avx2_fma(void) { return 0; }

void lumen_sgemm_unpacked(long m, long n, long k, const float *a, long aRowStride, long aDepthStride,
                          const float *b, long ldb, float *c, long ldc, int accumulate) {
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) {
            float sum = accumulate ? c[i * ldc + j] : 0;
            for (long p = 0; p < k; p++) sum = fmaf(a[i * aRowStride + p * aDepthStride], b[p * ldb + j], sum);
            c[i * ldc + j] = sum;
        }
}

#endif
