/* sim/gd_internal.h — the matrix-vector kernels of the simulations (src/sim/gd/gemv.c), shared by
 * GD (gd.c), GAMP (amp_*.c) and the ERM solvers (src/sim/erm); not public. Every kernel gives the
 * same bits for any number of OpenMP threads (see gemv.c for the fixed summation orders). */
#ifndef CAVITY_SIM_GD_INTERNAL_H
#define CAVITY_SIM_GD_INTERNAL_H

#include <stddef.h>

/* Fixed number of row chunks of sim_gemv_t (its workspace is SIM_GEMV_T_CHUNKS * d doubles). */
#define SIM_GEMV_T_CHUNKS 16

/* v <- beta v + alpha X^T g for a row-major n x d matrix X, bit-identical for any number of
 * OpenMP threads: the rows are cut into SIM_GEMV_T_CHUNKS chunks fixed by n, each chunk's partial
 * product is formed in work (SIM_GEMV_T_CHUNKS * d doubles, caller-allocated) and the partials
 * are added in chunk order. OpenBLAS's dgemv for this product splits the rows by thread count,
 * which changes the last bits. One pass over X plus 16 d. */
void sim_gemv_t(size_t n, size_t d, double alpha, const double *X, const double *g, double beta,
                double *v, double *work);

/* h <- beta h + alpha X w (row-major n x d), each entry a dot product over the full row in a
 * fixed order, rows split over OpenMP threads: bit-identical for any thread count. (OpenBLAS's
 * dgemv for this shape also changes bits with the thread count when n ~ d.) One pass over X. */
void sim_gemv_n(size_t n, size_t d, double alpha, const double *X, const double *w, double beta,
                double *h);

/* Pointwise map of the fused pass: fill g[0..m) (rows i0..i0+m of the caller's vectors) from the
 * fields h[0..m). Called concurrently on disjoint row blocks: it must only touch rows
 * i0..i0+m of anything it writes. */
typedef void (*sim_rowfn)(void *ctx, size_t i0, size_t m, const double *h, double *g);

/* One pass over X for both products of a gradient:
 *   h <- bn h + an X w;   g = fn(h) row block by row block;   work <- chunk partials of X^T g,
 * then sim_gemv_t_reduce(n, d, at, bt, v, work) gives v <- bt v + at X^T g. The results are
 * bitwise those of sim_gemv_n, fn on all rows, then sim_gemv_t, for any thread count. Between
 * the two calls the caller may inspect h and g (a divergence test, a line search) before it
 * decides to form v. work: SIM_GEMV_T_CHUNKS * d doubles. */
void sim_gemv_fused(size_t n, size_t d, const double *X, double an, const double *w, double bn,
                    double *h, sim_rowfn fn, void *ctx, double *g, double *work);

/* v <- beta v + alpha sum_k work[k d ..] (the chunk partials, in chunk order); threads only when
 * d > 65536. n is unused (kept for the call sites' symmetry with sim_gemv_t). */
void sim_gemv_t_reduce(size_t n, size_t d, double alpha, double beta, double *v,
                       const double *work);

/* 1 when the kernels above take their wide path (x86-64 with AVX2), 0 for the baseline one.
 * Both give the same bits (the same operations in the same order); the _path variants force one
 * (wide = 1 on a CPU without AVX2 is not allowed), for the test that compares them. */
int sim_gemv_wide(void);
void sim_gemv_n_path(int wide, size_t n, size_t d, double alpha, const double *X, const double *w,
                     double beta, double *h);
void sim_gemv_t_path(int wide, size_t n, size_t d, double alpha, const double *X, const double *g,
                     double beta, double *v, double *work);
void sim_gemv_fused_path(int wide, size_t n, size_t d, const double *X, double an, const double *w,
                         double bn, double *h, sim_rowfn fn, void *ctx, double *g, double *work);

#endif
