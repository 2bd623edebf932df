/* sim/gd_internal.h — kernels shared by the dynamics simulations (gd.c, amp_*.c); not public. */
#ifndef CAVITY_SIM_GD_INTERNAL_H
#define CAVITY_SIM_GD_INTERNAL_H

#include <stddef.h>

/* v <- beta v + alpha X^T g for a row-major n x d matrix X, summing every output entry over the
 * rows in the same fixed order whatever the number of OpenMP threads (threads split the columns),
 * so the result is bit-identical for any thread count. OpenBLAS's dgemv for this product splits
 * the rows across threads and reduces, which changes the last bits with the thread count.
 * One pass over X. */
void sim_gemv_t(size_t n, size_t d, double alpha, const double *X, const double *g, double beta,
                double *v);

/* h <- beta h + alpha X w (row-major n x d), each entry a dot product over the full row in a
 * fixed order, rows split over OpenMP threads: bit-identical for any thread count. (OpenBLAS's
 * dgemv for this shape also changes bits with the thread count when n ~ d.) One pass over X. */
void sim_gemv_n(size_t n, size_t d, double alpha, const double *X, const double *w, double beta,
                double *h);

#endif
