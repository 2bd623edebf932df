/* sim/nn/nn_la.h — thread-count-invariant dense products for the network engine (internal).
 *
 * OpenBLAS splits a product over its threads in a way that depends on their number, and the
 * last bits of the result change with it. The engine therefore never lets BLAS thread: every
 * product is cut into tiles of its OUTPUT whose boundaries depend on the matrix sizes only, each
 * tile is one single-threaded cblas call (the full inner dimension, never split), and the tiles
 * are spread over OpenMP threads. Every output element is then computed by the same sequence of
 * operations whatever the thread count. nn_blas_enter/leave bracket the public entry points: they
 * set OpenBLAS to one thread and restore the previous count (a no-op when it is already one, as
 * inside the sweep runner).
 *
 * With CAVITY_CUDA the large products may run on the GPU instead (nn_cuda.h); they are then
 * deterministic for a given device but not bit-identical to the CPU path. */
#ifndef CAVITY_SIM_NN_LA_H
#define CAVITY_SIM_NN_LA_H

#include <stddef.h>

/* Save OpenBLAS's thread count and set it to 1; nn_blas_leave restores it. */
int nn_blas_enter(void);
void nn_blas_leave(int saved);

/* C (M x N, row stride ldc) <- alpha op(A) op(B) + beta C, row-major; op(A) is M x K, op(B) is
 * K x N; ta/tb: 0 no transpose, 1 transpose. beta = 0 ignores the old C (NaN included). */
void nn_gemm(int ta, int tb, size_t M, size_t N, size_t K, double alpha, const double *A,
             size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc);

/* Lower Cholesky factor of the SPD n x n row-major matrix A in place (upper triangle untouched):
 * right-looking blocked algorithm with tiled trsm/gemm updates. Returns 0, or j + 1 when the
 * leading minor of order j + 1 is not positive definite. */
int nn_potrf(size_t n, double *A);

/* Solve L L^T X = B for the n x k row-major B in place, L from nn_potrf. */
void nn_potrs(size_t n, size_t k, const double *L, double *B);

/* Sum of the rows of the n x m matrix G (row stride ldg) times alpha, into s (beta s + ...), in
 * row order for every column. */
void nn_colsum(size_t n, size_t m, double alpha, const double *G, size_t ldg, double beta,
               double *s);

#endif
