/* BLAS/LAPACK boundary helpers (see core/la.h). */
#include "core/la.h"

#include <pthread.h>

int openblas_get_num_threads(void);
void openblas_set_num_threads(int);

int cav_la_posv(size_t n, size_t nrhs, double *A, double *b)
{
    lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, (lapack_int)nrhs, A,
                                    (lapack_int)n, b, (lapack_int)nrhs);
    return (int)info;
}

int cav_la_posv_sym(size_t n, double *A, double *b)
{
    /* A holds both triangles, so its row-major and column-major readings are the same matrix:
     * this is LAPACKE_dposv(ROW_MAJOR, 'L', ...) without the two n x n transpositions and the
     * NaN scan of the row-major wrapper, and the same Fortran call on the same numbers. */
    lapack_int info = LAPACKE_dposv_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, 1, A, (lapack_int)n,
                                         b, (lapack_int)n);
    return (int)info;
}

double cav_la_nrm2(size_t n, const double *x)
{
    return cblas_dnrm2((blasint)n, x, 1);
}

double cav_la_dot(size_t n, const double *x, const double *y)
{
    return cblas_ddot((blasint)n, x, 1, y, 1);
}

int cav_la_set_threads(int n)
{
    int old = openblas_get_num_threads();
    openblas_set_num_threads(n);
    return old;
}

/* Sweeps holding BLAS to one thread, and the count to restore when the last one ends. */
static pthread_mutex_t serial_mu = PTHREAD_MUTEX_INITIALIZER;
static int serial_holds, serial_saved;

void cav_la_serial_begin(void)
{
    pthread_mutex_lock(&serial_mu);
    if (serial_holds++ == 0) serial_saved = cav_la_set_threads(1);
    pthread_mutex_unlock(&serial_mu);
}

void cav_la_serial_end(void)
{
    pthread_mutex_lock(&serial_mu);
    if (serial_holds > 0 && --serial_holds == 0) cav_la_set_threads(serial_saved);
    pthread_mutex_unlock(&serial_mu);
}
