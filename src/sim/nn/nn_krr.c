/* sim/nn/nn_krr.c — kernel ridge regression with a polynomial dot-product kernel
 * K(x, x') = sum_j c_j (x.x'/scale)^j (cavity/nn.h): Gram matrix by a tiled product, the system
 * (K + lambda n I) A = Y by the engine's tiled Cholesky, predictions in blocks of test rows. All
 * thread-count invariant (nn_la.h). Memory: the n x n Gram matrix (8 n^2 bytes). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/nn.h"
#include "sim/nn/nn_la.h"

#define KRR_NMAX 60000
#define KRR_BLOCK 512

static int check_kernel(const cav_nn_kernel *ker, const char *who, cav_err *err)
{
    if (!ker) return cav_err_set(err, CAV_EINVAL, "%s: kernel is NULL", who);
    if (ker->degree < 0 || ker->degree > 4)
        return cav_err_set(err, CAV_EINVAL, "%s: kernel degree %d outside 0..4", who, ker->degree);
    if (!(ker->scale > 0.0) || !isfinite(ker->scale))
        return cav_err_set(err, CAV_EINVAL, "%s: kernel scale %g must be finite and > 0", who,
                           ker->scale);
    for (int j = 0; j <= ker->degree; j++)
        if (!isfinite(ker->c[j]))
            return cav_err_set(err, CAV_EINVAL, "%s: kernel coefficient c[%d] is not finite", who,
                               j);
    return CAV_OK;
}

/* t <- sum_j c_j t^j (Horner) for m entries. */
static void poly(const cav_nn_kernel *ker, size_t m, double *t)
{
    for (size_t i = 0; i < m; i++) {
        double x = t[i], v = ker->c[ker->degree];
        for (int j = ker->degree - 1; j >= 0; j--)
            v = v * x + ker->c[j];
        t[i] = v;
    }
}

int cav_nn_krr_fit(const cav_nn_kernel *ker, size_t n, size_t d, const double *X, size_t k,
                   const double *Y, double lambda, double *A, cav_err *err)
{
    int st = check_kernel(ker, "nn_krr_fit", err);
    if (st) return st;
    if (n < 1 || n > KRR_NMAX || d < 1 || k < 1 || !X || !Y || !A)
        return cav_err_set(err, CAV_EINVAL,
                           "nn_krr_fit: needs 1 <= n <= %d (n = %zu), d >= 1, k >= 1 and arrays",
                           KRR_NMAX, n);
    if (!(lambda >= 0.0) || !isfinite(lambda))
        return cav_err_set(err, CAV_EINVAL, "nn_krr_fit: lambda = %g must be finite and >= 0",
                           lambda);
    double *K = malloc(n * n * sizeof *K);
    if (!K)
        return cav_err_set(err, CAV_ENOMEM,
                           "nn_krr_fit: cannot allocate the %zu x %zu Gram "
                           "matrix",
                           n, n);
    int saved = nn_blas_enter();
    nn_gemm(0, 1, n, n, d, 1.0 / ker->scale, X, d, X, d, 0.0, K, n);
#pragma omp parallel for schedule(static) if (n > 256)
    for (long i = 0; i < (long)n; i++) {
        poly(ker, (size_t)i + 1, K + (size_t)i * n);
        K[(size_t)i * n + (size_t)i] += lambda * (double)n;
    }
    int bad = nn_potrf(n, K);
    if (bad) {
        st = cav_err_set(err, CAV_ENUMERIC,
                         "nn_krr_fit: K + lambda n I is not positive definite (minor %d, lambda = "
                         "%g)",
                         bad, lambda);
    } else {
        memcpy(A, Y, n * k * sizeof *A);
        nn_potrs(n, k, K, A);
    }
    nn_blas_leave(saved);
    free(K);
    return st;
}

int cav_nn_krr_predict(const cav_nn_kernel *ker, size_t n, size_t d, const double *X, size_t k,
                       const double *A, size_t nt, const double *Xt, double *F, cav_err *err)
{
    int st = check_kernel(ker, "nn_krr_predict", err);
    if (st) return st;
    if (n < 1 || d < 1 || k < 1 || !X || !A || (nt && (!Xt || !F)))
        return cav_err_set(err, CAV_EINVAL, "nn_krr_predict: needs n, d, k >= 1 and arrays");
    double *Kt = malloc(KRR_BLOCK * n * sizeof *Kt);
    if (!Kt) return cav_err_set(err, CAV_ENOMEM, "nn_krr_predict: cannot allocate the workspace");
    int saved = nn_blas_enter();
    for (size_t i0 = 0; i0 < nt; i0 += KRR_BLOCK) {
        size_t nb = i0 + KRR_BLOCK < nt ? KRR_BLOCK : nt - i0;
        nn_gemm(0, 1, nb, n, d, 1.0 / ker->scale, Xt + i0 * d, d, X, d, 0.0, Kt, n);
#pragma omp parallel for schedule(static) if (nb * n > 100000)
        for (long i = 0; i < (long)nb; i++)
            poly(ker, n, Kt + (size_t)i * n);
        nn_gemm(0, 0, nb, k, n, 1.0, Kt, n, A, k, 0.0, F + i0 * k, k);
    }
    nn_blas_leave(saved);
    free(Kt);
    return CAV_OK;
}
