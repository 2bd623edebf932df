/* Generic smooth-loss ERM J(w) = sum_mu l(y_mu, a_mu.w) + (lambda/2)||w||^2, a_mu = x_mu/sqrt(d),
 * by limited-memory BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., Alg. 7.4 two-loop
 * recursion with H0 = (s.y / y.y) I, Alg. 7.5), globalised by Armijo backtracking along the ray
 * (J(w + s p) is O(n) per trial given z = A w and A p). Curvature pairs with s.y <= 1e-12 |s||y|
 * are skipped, which keeps the inverse-Hessian model positive definite without a Wolfe search.
 * Stopping rule: ||grad J(w)|| <= tol ||grad J(0)||. Also holds the ERM dispatcher. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "sim/internal.h"

typedef void (*sim_lossfn)(void *ctx, size_t n, const double *y, const double *h, double *l,
                           double *dl);

int sim_lbfgs_core(size_t n, size_t d, const double *X, const double *y, double lambda,
                   sim_lossfn lossfn, void *ctx, const cav_sim_opts *opts, double *w,
                   cav_sim_fit *fit, cav_err *err);

static double sum(size_t n, const double *v)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

int sim_lbfgs_core(size_t n, size_t d, const double *X, const double *y, double lambda,
                   sim_lossfn lossfn, void *ctx, const cav_sim_opts *opts, double *w,
                   cav_sim_fit *fit, cav_err *err)
{
    cav_sim_opts o = sim_opts(opts);
    const size_t m = o.lbfgs_m > 0 ? (size_t)o.lbfgs_m : 10;
    const double sc = 1.0 / sqrt((double)d);
    memset(fit, 0, sizeof *fit);
    fit->separable = -1;
    fit->nsv = -1;
    double *buf = malloc((5 * n + 4 * d + 2 * m * d + 2 * m) * sizeof *buf);
    if (!buf) return fit->status = cav_err_set(err, CAV_ENOMEM, "lbfgs: n = %zu, d = %zu", n, d);
    double *z = buf, *zp = z + n, *l = zp + n, *dl = l + n, *h = dl + n;
    double *g = h + n, *gnew = g + d, *p = gnew + d, *wnew = p + d;
    double *S = wnew + d, *Yv = S + m * d, *rho = Yv + m * d, *al = rho + m;
    size_t nstored = 0, head = 0;
    memset(w, 0, d * sizeof *w);
    memset(z, 0, n * sizeof *z);
    lossfn(ctx, n, y, z, l, dl);
    double J = sum(n, l);
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)d, sc, X, (blasint)d, dl, 1, 0.0, g,
                1);
    double gn = cav_la_nrm2(d, g), g0 = gn > 0 ? gn : 1.0;
    int st = CAV_EMAXITER;
    long it = 0;
    for (;; it++) {
        if (!isfinite(J) || !isfinite(gn)) {
            st = cav_err_set(err, CAV_ENUMERIC, "lbfgs: non-finite objective at step %ld", it);
            break;
        }
        if (gn <= o.tol * g0) {
            st = CAV_OK;
            break;
        }
        if (it >= o.max_iter) break;
        /* Two-loop recursion: p = -H g. */
        for (size_t j = 0; j < d; j++)
            p[j] = -g[j];
        for (size_t c = 0; c < nstored; c++) {
            size_t k = (head + m - 1 - c) % m;
            al[k] = rho[k] * cav_la_dot(d, S + k * d, p);
            cblas_daxpy((blasint)d, -al[k], Yv + k * d, 1, p, 1);
        }
        if (nstored > 0) {
            size_t k = (head + m - 1) % m;
            double yy = cav_la_dot(d, Yv + k * d, Yv + k * d);
            cblas_dscal((blasint)d, 1.0 / (rho[k] * yy), p, 1);
        } else {
            cblas_dscal((blasint)d, 1.0 / gn, p, 1); /* first step of unit length */
        }
        for (size_t c = nstored; c-- > 0;) {
            size_t k = (head + m - 1 - c) % m;
            double b = rho[k] * cav_la_dot(d, Yv + k * d, p);
            cblas_daxpy((blasint)d, al[k] - b, S + k * d, 1, p, 1);
        }
        double gp = cav_la_dot(d, g, p);
        if (!(gp < 0)) {
            for (size_t j = 0; j < d; j++)
                p[j] = -g[j] / gn;
            gp = -gn;
            nstored = 0;
        }
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)d, sc, X, (blasint)d, p, 1,
                    0.0, zp, 1);
        double ww = cav_la_dot(d, w, w), wp = cav_la_dot(d, w, p), pp = cav_la_dot(d, p, p);
        double step = 1.0, Jnew = J;
        int ok = 0;
        for (int ls = 0; ls < 60; ls++) {
            for (size_t i = 0; i < n; i++)
                h[i] = z[i] + step * zp[i];
            lossfn(ctx, n, y, h, l, dl);
            Jnew = sum(n, l) + 0.5 * lambda * (ww + 2 * step * wp + step * step * pp);
            if (Jnew <= J + 1e-4 * step * gp) {
                ok = 1;
                break;
            }
            step *= 0.5;
        }
        if (!ok) break; /* no decrease: rounding floor; report the residual reached */
        for (size_t j = 0; j < d; j++)
            wnew[j] = w[j] + step * p[j];
        memcpy(z, h, n * sizeof *z);
        if ((it + 1) % 10 == 0) { /* refresh z = A w against drift */
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)d, sc, X, (blasint)d,
                        wnew, 1, 0.0, z, 1);
            lossfn(ctx, n, y, z, l, dl);
            Jnew = sum(n, l) + 0.5 * lambda * cav_la_dot(d, wnew, wnew);
        }
        cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)d, sc, X, (blasint)d, dl, 1,
                    0.0, gnew, 1);
        cblas_daxpy((blasint)d, lambda, wnew, 1, gnew, 1);
        double *sk = S + head * d, *yk = Yv + head * d;
        for (size_t j = 0; j < d; j++) {
            sk[j] = wnew[j] - w[j];
            yk[j] = gnew[j] - g[j];
        }
        double sy = cav_la_dot(d, sk, yk);
        if (sy > 1e-12 * cav_la_nrm2(d, sk) * cav_la_nrm2(d, yk)) {
            rho[head] = 1.0 / sy;
            head = (head + 1) % m;
            if (nstored < m) nstored++;
        }
        memcpy(w, wnew, d * sizeof *w);
        memcpy(g, gnew, d * sizeof *g);
        J = Jnew;
        gn = cav_la_nrm2(d, g);
    }
    fit->iterations = it;
    fit->objective = J;
    fit->residual = gn / g0;
    if (st == CAV_EMAXITER)
        cav_err_set(err, CAV_EMAXITER, "lbfgs: relative gradient %.3g > tol %.3g after %ld steps",
                    gn / g0, o.tol, it);
    free(buf);
    return fit->status = st;
}

static void vtable_lossfn(void *ctx, size_t n, const double *y, const double *h, double *l,
                          double *dl)
{
    const cav_loss *loss = ctx;
    loss->type->value(loss, n, y, h, l, dl, NULL);
}

int cav_sim_lbfgs(const cav_loss *loss, size_t n, size_t d, const double *X, const double *y,
                  double lambda, const cav_sim_opts *opts, double *w, cav_sim_fit *fit,
                  cav_err *err)
{
    cav_sim_fit dummy;
    if (!fit) fit = &dummy;
    memset(fit, 0, sizeof *fit);
    if (!loss || !loss->type || !loss->type->value)
        return fit->status = cav_err_set(err, CAV_EINVAL, "cav_sim_lbfgs: loss without value()");
    if (n == 0 || d == 0 || !X || !y || !w)
        return fit->status = cav_err_set(err, CAV_EINVAL,
                                         "cav_sim_lbfgs: n = %zu, d = %zu, X, y, w non-NULL", n, d);
    if (!(lambda > 0.0) || !isfinite(lambda))
        return fit->status =
                   cav_err_set(err, CAV_EINVAL, "cav_sim_lbfgs: lambda = %g must be > 0", lambda);
    return sim_lbfgs_core(n, d, X, y, lambda, vtable_lossfn, (void *)loss, opts, w, fit, err);
}

int cav_sim_erm(const cav_loss *loss, size_t n, size_t d, const double *X, const double *y,
                double lambda, const cav_sim_opts *opts, double *w, cav_sim_fit *fit, cav_err *err)
{
    switch (sim_loss_kind(loss)) {
    case SIM_LOSS_SQUARE:
        return cav_sim_ridge(n, d, X, y, lambda, w, fit, err);
    case SIM_LOSS_LOGISTIC:
        return cav_sim_logistic(n, d, X, y, lambda, opts, w, fit, err);
    case SIM_LOSS_HINGE:
        return cav_sim_svm(n, d, X, y, lambda, opts, w, NULL, fit, err);
    default:
        return cav_sim_lbfgs(loss, n, d, X, y, lambda, opts, w, fit, err);
    }
}
