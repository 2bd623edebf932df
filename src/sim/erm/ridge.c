/* Square-loss ERM in closed form: ridge regression, OLS and the minimum-norm interpolator.
 *
 * J(w) = (1/2) sum_mu (y_mu - a_mu.w)^2 + (lambda/2)||w||^2, a_mu = x_mu/sqrt(d), A = X/sqrt(d).
 * Stationarity A^T (A w - y) + lambda w = 0 gives the primal form w = (A^T A + lambda I)^{-1} A^T y
 * and, by the push-through identity (A^T A + lambda I)^{-1} A^T = A^T (A A^T + lambda I)^{-1},
 * the dual form w = A^T c with (A A^T + lambda I) c = y. We factor whichever Gram matrix is
 * smaller (d x d or n x n) by Cholesky. At lambda = 0 the dual form is the limit lambda -> 0+ for
 * n < d: the minimum-norm interpolator w = A^T (A A^T)^{-1} y = sqrt(d) X^T (X X^T)^{-1} y,
 * and the primal form is OLS for n >= d. */
#include <math.h>
#include <stdlib.h>

#include "core/la.h"
#include "sim/internal.h"

/* Objective and relative gradient norm of J at w; scratch h has length n, g length d. */
static void ridge_check(size_t n, size_t d, const double *X, const double *y, double lambda,
                        const double *w, double *h, double *g, cav_sim_fit *fit)
{
    const double s = 1.0 / sqrt((double)d);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)d, s, X, (blasint)d, w, 1, 0.0, h,
                1);
    double loss = 0.0;
    for (size_t i = 0; i < n; i++) {
        h[i] -= y[i];
        loss += 0.5 * h[i] * h[i];
    }
    double ww = cav_la_dot(d, w, w);
    fit->objective = loss + 0.5 * lambda * ww;
    /* grad J(0) = -A^T y */
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)d, s, X, (blasint)d, y, 1, 0.0, g,
                1);
    double g0 = cav_la_nrm2(d, g);
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)d, s, X, (blasint)d, h, 1, 0.0, g,
                1);
    cblas_daxpy((blasint)d, lambda, w, 1, g, 1);
    double gn = cav_la_nrm2(d, g);
    fit->residual = g0 > 0 ? gn / g0 : gn;
}

int cav_sim_ridge(size_t n, size_t d, const double *X, const double *y, double lambda, double *w,
                  cav_sim_fit *fit, cav_err *err)
{
    cav_sim_fit dummy;
    if (!fit) fit = &dummy;
    fit->status = CAV_OK;
    fit->iterations = 0;
    fit->inner = 0;
    fit->separable = -1;
    fit->nsv = -1;
    fit->objective = fit->residual = NAN;
    if (n == 0 || d == 0 || !X || !y || !w)
        return fit->status = cav_err_set(err, CAV_EINVAL,
                                         "cav_sim_ridge: n = %zu, d = %zu, X, y, w non-NULL", n, d);
    if (!(lambda >= 0.0) || !isfinite(lambda))
        return fit->status = cav_err_set(err, CAV_EINVAL, "cav_sim_ridge: lambda = %g < 0", lambda);
    const double s = 1.0 / sqrt((double)d);
    const int primal = d <= n;
    const size_t m = primal ? d : n;
    double *G = malloc(m * m * sizeof *G);
    double *rhs = malloc((n > d ? n : d) * sizeof *rhs);
    double *h = malloc(n * sizeof *h);
    if (!G || !rhs || !h) {
        free(G), free(rhs), free(h);
        return fit->status = cav_err_set(err, CAV_ENOMEM, "cav_sim_ridge: n = %zu, d = %zu", n, d);
    }
    int info;
    if (primal) {
        /* (X^T X / d + lambda I) w = X^T y / sqrt(d) */
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (blasint)d, (blasint)n, s * s, X,
                    (blasint)d, 0.0, G, (blasint)d);
        for (size_t i = 0; i < d; i++)
            G[i * d + i] += lambda;
        cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)d, s, X, (blasint)d, y, 1, 0.0,
                    w, 1);
        info = cav_la_posv(d, 1, G, w);
    } else {
        /* (X X^T / d + lambda I) c = y, w = X^T c / sqrt(d) */
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (blasint)n, (blasint)d, s * s, X,
                    (blasint)d, 0.0, G, (blasint)n);
        for (size_t i = 0; i < n; i++) {
            G[i * n + i] += lambda;
            rhs[i] = y[i];
        }
        info = cav_la_posv(n, 1, G, rhs);
        if (info == 0)
            cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)d, s, X, (blasint)d, rhs, 1,
                        0.0, w, 1);
    }
    int st = CAV_OK;
    if (info != 0) {
        st = cav_err_set(err, CAV_ENUMERIC,
                         "cav_sim_ridge: %s Gram matrix (%zu x %zu) not positive definite "
                         "(LAPACK info %d) at lambda = %g",
                         primal ? "primal" : "dual", m, m, info, lambda);
    } else {
        ridge_check(n, d, X, y, lambda, w, h, rhs, fit);
        if (!isfinite(fit->objective))
            st = cav_err_set(err, CAV_ENUMERIC, "cav_sim_ridge: non-finite objective");
    }
    free(G), free(rhs), free(h);
    return fit->status = st;
}
