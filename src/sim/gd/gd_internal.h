/* sim/gd_internal.h — kernels shared by the dynamics simulations (gd.c, amp_*.c); not public. */
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

#endif
