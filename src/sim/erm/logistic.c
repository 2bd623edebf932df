/* L2-regularised logistic regression J(w) = sum_mu log(1 + exp(-y_mu a_mu.w)) + (lambda/2)||w||^2,
 * a_mu = x_mu / sqrt(d), by Newton's method.
 *
 * With z = A w, sigma(t) = 1/(1+e^{-t}):
 *   grad J = A^T l' + lambda w,  l'_mu = -y_mu sigma(-y_mu z_mu),
 *   Hess J = A^T D A + lambda I, D_mu = sigma(y z) sigma(-y z).
 * Newton-CG (truncated Newton; Nocedal & Wright, Numerical Optimization, 2nd ed., Alg. 7.1):
 * the step p solves Hess p = -grad by preconditioned conjugate gradients (Jacobi preconditioner
 * diag Hess = sum_mu D_mu a_mu^2 + lambda) to the forcing tolerance
 * ||r|| <= min(0.5, sqrt(||grad||/||grad_0||)) ||grad|| (superlinear local convergence, N&W
 * Thm 7.2), each Hessian-vector product costing two dgemv. Newton-Cholesky forms the d x d
 * Hessian with dsyrk on row blocks of D^{1/2} A (the method of liblinear's primal Newton for
 * small d, and of scikit-learn's "newton-cholesky"). Both globalise with Armijo backtracking on
 * J along p; J along the ray is O(n) per trial since z(w + s p) = z + s A p.
 * Stopping rule (stated in cavity/sim.h): ||grad J(w)|| <= tol ||grad J(0)||. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "sim/internal.h"

int sim_lbfgs_core(size_t n, size_t d, const double *X, const double *y, double lambda,
                   void (*lossfn)(void *ctx, size_t n, const double *y, const double *h, double *l,
                                  double *dl),
                   void *ctx, const cav_sim_opts *opts, double *w, cav_sim_fit *fit, cav_err *err);

/* sum_mu l(y_mu, z_mu), with l' and D into dl, D (either may be NULL). */
static double logit_eval(size_t n, const double *y, const double *z, double *dl, double *D)
{
    double L = 0.0;
    for (size_t i = 0; i < n; i++) {
        double m = y[i] * z[i];
        L += sim_log1pexp_neg(m);
        double sneg = sim_sigmoid_neg(m); /* sigma(-y z) */
        if (dl) dl[i] = -y[i] * sneg;
        if (D) D[i] = sneg * (1.0 - sneg);
    }
    return L;
}

static void logit_lossfn(void *ctx, size_t n, const double *y, const double *h, double *l,
                         double *dl)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        double m = y[i] * h[i];
        l[i] = sim_log1pexp_neg(m);
        dl[i] = -y[i] * sim_sigmoid_neg(m);
    }
}

typedef struct work {
    size_t n, d;
    const double *X;
    double s, lambda;
    double *D, *t; /* n */
} work;

/* out = (A^T D A + lambda I) v */
static void hessvec(const work *k, const double *v, double *out)
{
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)k->n, (blasint)k->d, k->s, k->X,
                (blasint)k->d, v, 1, 0.0, k->t, 1);
    for (size_t i = 0; i < k->n; i++)
        k->t[i] *= k->D[i];
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)k->n, (blasint)k->d, k->s, k->X, (blasint)k->d,
                k->t, 1, 0.0, out, 1);
    cblas_daxpy((blasint)k->d, k->lambda, v, 1, out, 1);
}

/* Preconditioned CG for H p = -g from p = 0. Returns the iterations; *capped = 1 if it stopped
 * at cg_max before reaching ||r|| <= rtol. */
static long pcg(const work *k, const double *g, const double *Minv, double rtol, long cg_max,
                double *p, double *r, double *zz, double *q, double *Hq, int *capped)
{
    size_t d = k->d;
    for (size_t j = 0; j < d; j++) {
        p[j] = 0.0;
        r[j] = -g[j];
        zz[j] = Minv[j] * r[j];
        q[j] = zz[j];
    }
    double rz = cav_la_dot(d, r, zz);
    long it = 0;
    *capped = 0;
    while (cav_la_nrm2(d, r) > rtol) {
        if (it >= cg_max) {
            *capped = 1;
            break;
        }
        hessvec(k, q, Hq);
        double qHq = cav_la_dot(d, q, Hq);
        if (!(qHq > 0)) break;
        double a = rz / qHq;
        cblas_daxpy((blasint)d, a, q, 1, p, 1);
        cblas_daxpy((blasint)d, -a, Hq, 1, r, 1);
        for (size_t j = 0; j < d; j++)
            zz[j] = Minv[j] * r[j];
        double rz1 = cav_la_dot(d, r, zz);
        double b = rz1 / rz;
        rz = rz1;
        for (size_t j = 0; j < d; j++)
            q[j] = zz[j] + b * q[j];
        it++;
    }
    return it;
}

/* Newton step by Cholesky of the explicit Hessian; B is a (blk x d) scratch, H d x d. */
static int chol_step(const work *k, const double *g, double *H, double *B, size_t blk, double *p)
{
    size_t n = k->n, d = k->d;
    for (size_t i0 = 0; i0 < n; i0 += blk) {
        size_t nb = i0 + blk < n ? blk : n - i0;
        for (size_t i = 0; i < nb; i++) {
            double c = sqrt(k->D[i0 + i]) * k->s;
            const double *xi = k->X + (i0 + i) * d;
            double *bi = B + i * d;
            for (size_t j = 0; j < d; j++)
                bi[j] = c * xi[j];
        }
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (blasint)d, (blasint)nb, 1.0, B,
                    (blasint)d, i0 == 0 ? 0.0 : 1.0, H, (blasint)d);
    }
    for (size_t j = 0; j < d; j++) {
        H[j * d + j] += k->lambda;
        p[j] = -g[j];
    }
    return cav_la_posv(d, 1, H, p);
}

int cav_sim_logistic(size_t n, size_t d, const double *X, const double *y, double lambda,
                     const cav_sim_opts *opts_in, double *w, cav_sim_fit *fit, cav_err *err)
{
    cav_sim_fit dummy;
    if (!fit) fit = &dummy;
    memset(fit, 0, sizeof *fit);
    fit->separable = -1;
    fit->nsv = -1;
    fit->objective = fit->residual = NAN;
    if (n == 0 || d == 0 || !X || !y || !w)
        return fit->status = cav_err_set(
                   err, CAV_EINVAL, "cav_sim_logistic: n = %zu, d = %zu, X, y, w non-NULL", n, d);
    if (!(lambda > 0.0) || !isfinite(lambda))
        return fit->status = cav_err_set(err, CAV_EINVAL,
                                         "cav_sim_logistic: lambda = %g must be > 0 (the "
                                         "unregularised minimiser need not exist)",
                                         lambda);
    cav_sim_opts o = sim_opts(opts_in);
    if (o.method == CAV_SIM_LBFGS)
        return sim_lbfgs_core(n, d, X, y, lambda, logit_lossfn, NULL, &o, w, fit, err);

    int use_chol = o.method == CAV_SIM_NEWTON_CHOL;
    const long cg_max = o.method == CAV_SIM_AUTO ? (long)(d < 200 ? d : 200) : (long)d;
    /* Row block of D^{1/2} A for dsyrk: about 2^21 doubles (16 MiB), at least 256 rows. */
    const size_t blk = ((size_t)1 << 21) / d > 256 ? ((size_t)1 << 21) / d : 256;
    work k = {n, d, X, 1.0 / sqrt((double)d), lambda, NULL, NULL};
    double *buf = malloc((3 * n + 8 * d) * sizeof *buf);
    double *H = NULL, *B = NULL;
    if (!buf)
        return fit->status =
                   cav_err_set(err, CAV_ENOMEM, "cav_sim_logistic: n = %zu, d = %zu", n, d);
    double *z = buf, *dl = z + n, *zp = dl + n;
    double *g = buf + 3 * n, *p = g + d, *r = p + d, *zz = r + d, *q = zz + d, *Hq = q + d,
           *Minv = Hq + d;
    k.D = malloc(2 * n * sizeof(double));
    if (!k.D) {
        free(buf);
        return fit->status = cav_err_set(err, CAV_ENOMEM, "cav_sim_logistic: n = %zu", n);
    }
    k.t = k.D + n;
    memset(w, 0, d * sizeof *w);
    double g0 = -1.0, gn = 0.0, J = 0.0;
    int st = CAV_EMAXITER;
    long it;
    for (it = 0;; it++) {
        /* z = A w, exactly (no drift from the incremental updates of the line search). */
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)d, k.s, X, (blasint)d, w, 1,
                    0.0, z, 1);
        double ww = cav_la_dot(d, w, w);
        J = logit_eval(n, y, z, dl, k.D) + 0.5 * lambda * ww;
        cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)d, k.s, X, (blasint)d, dl, 1,
                    0.0, g, 1);
        cblas_daxpy((blasint)d, lambda, w, 1, g, 1);
        gn = cav_la_nrm2(d, g);
        if (g0 < 0) g0 = gn > 0 ? gn : 1.0;
        if (!isfinite(J) || !isfinite(gn)) {
            st = cav_err_set(err, CAV_ENUMERIC,
                             "cav_sim_logistic: non-finite objective at "
                             "iteration %ld",
                             it);
            break;
        }
        if (gn <= o.tol * g0) {
            st = CAV_OK;
            break;
        }
        if (it >= o.max_iter) break;
        /* Newton direction. */
        int capped = 0;
        if (!use_chol) {
            for (size_t j = 0; j < d; j++)
                Minv[j] = 0.0;
            for (size_t i = 0; i < n; i++) {
                const double *xi = X + i * d;
                double c = k.D[i] * k.s * k.s;
                for (size_t j = 0; j < d; j++)
                    Minv[j] += c * xi[j] * xi[j];
            }
            for (size_t j = 0; j < d; j++)
                Minv[j] = 1.0 / (Minv[j] + lambda);
            double eta = sqrt(gn / g0);
            if (eta > 0.5) eta = 0.5;
            fit->inner += pcg(&k, g, Minv, eta * gn, cg_max, p, r, zz, q, Hq, &capped);
            if (capped && o.method == CAV_SIM_AUTO)
                use_chol = 1; /* this and later steps by Cholesky */
        }
        if (use_chol) {
            if (!H) {
                H = malloc(d * d * sizeof *H);
                B = malloc(blk * d * sizeof *B);
                if (!H || !B) {
                    st = cav_err_set(err, CAV_ENOMEM, "cav_sim_logistic: Hessian d = %zu", d);
                    break;
                }
            }
            int info = chol_step(&k, g, H, B, blk, p);
            if (info != 0) {
                st = cav_err_set(err, CAV_ENUMERIC, "cav_sim_logistic: Cholesky info %d", info);
                break;
            }
        }
        /* Armijo backtracking on J(w + s p). */
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)d, k.s, X, (blasint)d, p, 1,
                    0.0, zp, 1);
        double gp = cav_la_dot(d, g, p), wp = cav_la_dot(d, w, p), pp = cav_la_dot(d, p, p);
        if (!(gp < 0)) {
            /* Not a descent direction (CG breakdown in floating point): steepest descent. */
            for (size_t j = 0; j < d; j++)
                p[j] = -g[j];
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)d, k.s, X, (blasint)d, p,
                        1, 0.0, zp, 1);
            gp = -gn * gn;
            wp = cav_la_dot(d, w, p);
            pp = gn * gn;
        }
        double step = 1.0, Jnew = J;
        for (int ls = 0; ls < 60; ls++) {
            double L = 0.0;
            for (size_t i = 0; i < n; i++)
                L += sim_log1pexp_neg(y[i] * (z[i] + step * zp[i]));
            Jnew = L + 0.5 * lambda * (ww + 2 * step * wp + step * step * pp);
            if (Jnew <= J + 1e-4 * step * gp) break;
            step *= 0.5;
        }
        if (!(Jnew <= J)) {
            /* No decrease at any representable step: we are at the rounding floor of J. */
            st = gn <= o.tol * g0 ? CAV_OK : CAV_EMAXITER;
            break;
        }
        cblas_daxpy((blasint)d, step, p, 1, w, 1);
    }
    fit->iterations = it;
    fit->objective = J;
    fit->residual = gn / g0;
    if (st == CAV_EMAXITER)
        cav_err_set(err, CAV_EMAXITER,
                    "cav_sim_logistic: relative gradient %.3g > tol %.3g after %ld Newton steps",
                    gn / g0, o.tol, it);
    free(buf), free(k.D), free(H), free(B);
    return fit->status = st;
}
