/* Newton's method with a forward-difference Jacobian and backtracking on the residual, for the
 * small systems of the saddle-point engines (see cavity/newton.h). */
#include "cavity/newton.h"

#include <math.h>
#include <string.h>

/* Solve J d = -g in place (J n x (n+1) augmented, row stride CAV_NEWTON_MAXN + 1). */
static int gauss_solve(size_t n, double J[][CAV_NEWTON_MAXN + 1], double *d)
{
    for (size_t k = 0; k < n; k++) {
        size_t piv = k;
        for (size_t i = k + 1; i < n; i++)
            if (fabs(J[i][k]) > fabs(J[piv][k])) piv = i;
        if (piv != k)
            for (size_t j = 0; j <= n; j++) {
                double t = J[k][j];
                J[k][j] = J[piv][j];
                J[piv][j] = t;
            }
        if (J[k][k] == 0) return CAV_ENUMERIC;
        for (size_t i = k + 1; i < n; i++) {
            double f = J[i][k] / J[k][k];
            for (size_t j = k; j <= n; j++)
                J[i][j] -= f * J[k][j];
        }
    }
    for (size_t k = n; k-- > 0;) {
        double s = J[k][n];
        for (size_t j = k + 1; j < n; j++)
            s -= J[k][j] * d[j];
        d[k] = s / J[k][k];
    }
    return CAV_OK;
}

int cav_newton_solve(cav_newton_fn f, void *ctx, size_t n, double *y, double tol, int maxit,
                     cav_newton_info *info, cav_err *err)
{
    cav_newton_info dummy;
    if (!info) info = &dummy;
    memset(info, 0, sizeof *info);
    info->residual = INFINITY;
    if (n == 0 || n > CAV_NEWTON_MAXN)
        return cav_err_set(err, CAV_EINVAL, "newton: n = %zu outside [1, %d]", n, CAV_NEWTON_MAXN);
    double g[CAV_NEWTON_MAXN], r;
    int st = f(ctx, y, g, &r, err);
    info->evaluations++;
    if (st) return st;
    for (int it = 0; it < maxit && r > tol; it++) {
        double J[CAV_NEWTON_MAXN][CAV_NEWTON_MAXN + 1], d[CAV_NEWTON_MAXN];
        for (size_t j = 0; j < n; j++) {
            double yh[CAV_NEWTON_MAXN], gh[CAV_NEWTON_MAXN], rh, h = 1e-7 * (1.0 + fabs(y[j]));
            memcpy(yh, y, n * sizeof *y);
            yh[j] += h;
            st = f(ctx, yh, gh, &rh, err);
            info->evaluations++;
            if (st) {
                info->residual = r;
                return st;
            }
            for (size_t i = 0; i < n; i++)
                J[i][j] = (gh[i] - g[i]) / h;
        }
        for (size_t i = 0; i < n; i++)
            J[i][n] = -g[i];
        if (gauss_solve(n, J, d)) {
            info->residual = r;
            return cav_err_set(err, CAV_ENUMERIC, "newton: singular Jacobian");
        }
        int ok = 0;
        for (double t = 1.0; t > 1e-8; t *= 0.5) {
            double yt[CAV_NEWTON_MAXN], gt[CAV_NEWTON_MAXN], rt;
            for (size_t i = 0; i < n; i++)
                yt[i] = y[i] + t * d[i];
            cav_err e2;
            cav_err_clear(&e2);
            int s2 = f(ctx, yt, gt, &rt, &e2);
            info->evaluations++;
            if (s2 == CAV_OK && rt < r) {
                memcpy(y, yt, n * sizeof *y);
                memcpy(g, gt, n * sizeof *g);
                r = rt;
                ok = 1;
                break;
            }
        }
        info->iterations++;
        if (!ok) break;
    }
    info->residual = r;
    return r <= tol
               ? CAV_OK
               : cav_err_set(err, CAV_EMAXITER, "newton: residual %.3g > tol %.3g after %ld steps",
                             r, tol, info->iterations);
}
