// OpenBLAS's CBLAS interface plus its threading controls (openblas_set_num_threads).
#include <cblas.h>

// LAPACK routines OpenBLAS exports (Fortran calling convention: every argument by pointer,
// integers as blasint). Debian's OpenBLAS ships no LAPACKE header, so the two used are
// declared here with their reference-LAPACK signatures.

/// Eigenvalues (ascending) and, with jobz 'V', eigenvectors of a symmetric matrix, divide and conquer.
void dsyevd_(const char *jobz, const char *uplo, const blasint *n, double *a, const blasint *lda,
             double *w, double *work, const blasint *lwork, blasint *iwork, const blasint *liwork,
             blasint *info);

/// Singular value decomposition, divide and conquer.
void dgesdd_(const char *jobz, const blasint *m, const blasint *n, double *a, const blasint *lda,
             double *s, double *u, const blasint *ldu, double *vt, const blasint *ldvt,
             double *work, const blasint *lwork, blasint *iwork, blasint *info);

/// Ends OpenBLAS's worker threads (OpenBLAS's own fork handler calls it too); the next
/// multi-threaded BLAS call starts them again. Call it only while no BLAS call is running.
int blas_thread_shutdown_(void);
