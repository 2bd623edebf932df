/* core/la.h — the BLAS/LAPACK boundary (internal).
 * All dense linear algebra in cavity goes through CBLAS and LAPACKE from OpenBLAS; this header
 * is the one place that includes them, and adds the few helpers that the solvers share.
 * Matrices are row-major unless a comment says otherwise. */
#ifndef CAVITY_CORE_LA_H
#define CAVITY_CORE_LA_H

#include <cblas.h>
#include <lapacke.h>
#include <stddef.h>

/* Solve the symmetric positive-definite system A x = b in place by Cholesky (A overwritten by its
 * factor, b by x); A is n x n row-major, b has nrhs columns (row-major n x nrhs).
 * Returns 0 on success, LAPACK's info otherwise (>0: not positive definite). */
int cav_la_posv(size_t n, size_t nrhs, double *A, double *b);

/* The same for one right-hand side and a symmetric A stored in full (both triangles): the same
 * result bit for bit without copying A to column-major and back. A's upper triangle (row-major)
 * receives the factor. */
int cav_la_posv_sym(size_t n, double *A, double *b);

/* Euclidean norm and dot product (wrappers that take size_t). */
double cav_la_nrm2(size_t n, const double *x);
double cav_la_dot(size_t n, const double *x, const double *y);

/* Limit BLAS to one thread inside parallel regions that already use all cores; returns the old
 * count so it can be restored. */
int cav_la_set_threads(int n);
/* BLAS on one thread from begin to end, for sweeps that run several at once in one process
 * (BLAS's thread count is process-wide): the first begin saves the count and sets 1, the last
 * end restores it. Thread-safe; pairs may overlap. */
void cav_la_serial_begin(void);
void cav_la_serial_end(void);

#endif
