/* Kernel learners with a real dot-product kernel k(x, x') = mu1^2 x.x'/d + mustar^2 c^3 (c the
 * cosine of x and x'), chosen so that by El Karoui (Ann. Stat. 38, 2010, Thm 2.1) the Gram
 * matrix is K ~ mu1^2 XX^T/d + mustar^2 I in the proportional limit: the Gaussian-equivalent
 * kernel of the replica theory (docs/raf.md, "Kernel learner") with mu0 = 0. Why the
 * cosine: see cav_sim_kernel in sim.h.
 *
 * ERM over the RKHS, sum_mu l(y_mu, f(x_mu)) + (lambda/2)||f||_H^2, reduces by the representer
 * theorem to f = sum_i a_i k(x_i, .), ||f||_H^2 = a^T K a, f(train) = K a:
 *   square  : K(K a - y) + lambda K a = 0  =>  a = (K + lambda I)^{-1} y (Cholesky);
 *   hinge   : the SVM dual in alpha with Q = diag(y) K diag(y), a = alpha o y (svm.c);
 *   logistic: gradient K r, r = l'(y, K a) + lambda a; Hessian K (D K + lambda I), so the
 *             Newton step solves (D K + lambda I) da = -r. With S = D^{1/2}, B = lambda I +
 *             S K S (SPD), the Woodbury identity gives
 *                 da = -(1/lambda) (r - S B^{-1} S K r),
 *             one n x n Cholesky per step, no inverse of K and no division by small D. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "sim/internal.h"

void cav_sim_kernel_map(const cav_sim_kernel *k, size_t n, double *t)
{
    const double a = k->mu1 * k->mu1, b = k->mustar * k->mustar;
    for (size_t i = 0; i < n; i++) {
        double x = t[i];
        t[i] = x * (a + b * x * x);
    }
}

/* Squared norms |x_i|^2/d of the rows of X. */
static void row_norms(size_t n, size_t d, const double *X, double *tau)
{
    for (size_t i = 0; i < n; i++)
        tau[i] = cav_la_dot(d, X + i * d, X + i * d) / (double)d;
}

/* t <- mu1^2 t + mustar^2 (t / sqrt(ta tb))^3 for one row of inner products t = x.x'/d. sqrt and
 * division are correctly rounded in every instruction set and nothing is contracted, so the
 * vector clones give the same bits as the scalar code (the map cost as much as a tenth of a
 * kernel ridge fit when it ran two doubles at a time). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) &&                             \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void
map_row(const cav_sim_kernel *k, size_t n, double ta, const double *tb, double *t)
{
    const double a = k->mu1 * k->mu1, b = k->mustar * k->mustar;
    for (size_t j = 0; j < n; j++) {
        double c = t[j] / sqrt(ta * tb[j]);
        t[j] = a * t[j] + b * c * c * c;
    }
}

/* Upper triangle of the n x n row-major K from its lower one, in 64 x 64 tiles (a plain
 * column-order copy touched one cache line per element). */
static void mirror_lower(size_t n, double *K)
{
    const size_t B = 64;
    for (size_t i0 = 0; i0 < n; i0 += B)
        for (size_t j0 = 0; j0 <= i0; j0 += B) {
            size_t i1 = i0 + B < n ? i0 + B : n, j1 = j0 + B < n ? j0 + B : n;
            for (size_t i = i0; i < i1; i++)
                for (size_t j = j0; j < j1 && j < i; j++)
                    K[j * n + i] = K[i * n + j];
        }
}

int cav_sim_kernel_gram(const cav_sim_kernel *k, size_t n, size_t d, const double *X, double *K,
                        cav_err *err)
{
    if (!k || n == 0 || d == 0 || !X || !K)
        return cav_err_set(err, CAV_EINVAL, "cav_sim_kernel_gram: n = %zu, d = %zu", n, d);
    double *tau = malloc(n * sizeof *tau);
    if (!tau) return cav_err_set(err, CAV_ENOMEM, "cav_sim_kernel_gram: n = %zu", n);
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (blasint)n, (blasint)d, 1.0 / (double)d, X,
                (blasint)d, 0.0, K, (blasint)n);
    for (size_t i = 0; i < n; i++)
        tau[i] = K[i * n + i];
    for (size_t i = 0; i < n; i++) /* lower triangle of row i, diagonal included */
        map_row(k, i + 1, tau[i], tau, K + i * n);
    mirror_lower(n, K);
    free(tau);
    return CAV_OK;
}

/* Kt (nt x n) from the squared norms tau (training rows) and taut (test rows). */
static void cross_norms(const cav_sim_kernel *k, size_t nt, size_t n, size_t d, const double *Xt,
                        const double *X, const double *tau, const double *taut, double *Kt)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)nt, (blasint)n, (blasint)d,
                1.0 / (double)d, Xt, (blasint)d, X, (blasint)d, 0.0, Kt, (blasint)n);
    for (size_t i = 0; i < nt; i++)
        map_row(k, n, taut[i], tau, Kt + i * n);
}

int cav_sim_kernel_cross(const cav_sim_kernel *k, size_t nt, size_t n, size_t d, const double *Xt,
                         const double *X, double *Kt, cav_err *err)
{
    if (!k || nt == 0 || n == 0 || d == 0 || !Xt || !X || !Kt)
        return cav_err_set(err, CAV_EINVAL, "cav_sim_kernel_cross: nt = %zu, n = %zu, d = %zu", nt,
                           n, d);
    double *tau = malloc((n + nt) * sizeof *tau);
    if (!tau) return cav_err_set(err, CAV_ENOMEM, "cav_sim_kernel_cross: n = %zu", n);
    row_norms(n, d, X, tau);
    row_norms(nt, d, Xt, tau + n);
    cross_norms(k, nt, n, d, Xt, X, tau, tau + n, Kt);
    free(tau);
    return CAV_OK;
}

int cav_sim_kernel_predict(const cav_sim_kernel *k, size_t n, size_t d, const double *X,
                           const double *a, size_t nt, const double *Xt, double *f, cav_err *err)
{
    if (!k || n == 0 || d == 0 || !X || !a || (nt && (!Xt || !f)))
        return cav_err_set(err, CAV_EINVAL, "cav_sim_kernel_predict: nt = %zu, n = %zu, d = %zu",
                           nt, n, d);
    const size_t blk = 512;
    double *Kt = malloc(blk * n * sizeof *Kt), *tau = malloc((n + blk) * sizeof *tau);
    if (!Kt || !tau) {
        free(Kt), free(tau);
        return cav_err_set(err, CAV_ENOMEM, "cav_sim_kernel_predict: n = %zu", n);
    }
    row_norms(n, d, X, tau); /* once, not once per block */
    for (size_t i0 = 0; i0 < nt; i0 += blk) {
        size_t nb = i0 + blk < nt ? blk : nt - i0;
        row_norms(nb, d, Xt + i0 * d, tau + n);
        cross_norms(k, nb, n, d, Xt + i0 * d, X, tau, tau + n, Kt);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)nb, (blasint)n, 1.0, Kt, (blasint)n, a, 1,
                    0.0, f + i0, 1);
    }
    free(Kt), free(tau);
    return CAV_OK;
}

/* ---- hinge: Gram operator for dual CD; state f = K beta ---- */
typedef struct ker_ctx {
    size_t n;
    const double *K;
    double *f;
} ker_ctx;

static double ker_field(void *c, size_t i)
{
    return ((ker_ctx *)c)->f[i];
}

static void ker_update(void *c, size_t i, double delta)
{
    ker_ctx *k = c;
    cblas_daxpy((blasint)k->n, delta, k->K + i * k->n, 1, k->f, 1);
}

static double ker_qdiag(void *c, size_t i)
{
    ker_ctx *k = c;
    return k->K[i * k->n + i];
}

static double ker_refresh(void *c, const double *beta, double *h)
{
    ker_ctx *k = c;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)k->n, (blasint)k->n, 1.0, k->K, (blasint)k->n,
                beta, 1, 0.0, k->f, 1);
    memcpy(h, k->f, k->n * sizeof *h);
    return cav_la_dot(k->n, beta, k->f);
}

static double logit_sum(size_t n, const double *y, const double *f, double *dl, double *D)
{
    double L = 0.0;
    for (size_t i = 0; i < n; i++) {
        double m = y[i] * f[i], sn = sim_sigmoid_neg(m);
        L += sim_log1pexp_neg(m);
        if (dl) dl[i] = -y[i] * sn;
        if (D) D[i] = sn * (1.0 - sn);
    }
    return L;
}

static int kernel_logistic(size_t n, const double *K, const double *y, double lambda,
                           const cav_sim_opts *o, double *a, cav_sim_fit *fit, cav_err *err)
{
    double *B = malloc(n * n * sizeof *B);
    double *buf = malloc(8 * n * sizeof *buf);
    if (!B || !buf) {
        free(B), free(buf);
        return cav_err_set(err, CAV_ENOMEM, "kernel logistic: n = %zu", n);
    }
    double *f = buf, *dl = f + n, *D = dl + n, *r = D + n, *S = r + n, *t = S + n, *da = t + n,
           *Kda = da + n;
    memset(a, 0, n * sizeof *a);
    double r0 = 0.5 * cav_la_nrm2(n, y), rn = r0, J = 0.0; /* l'(y, 0) = -y/2 */
    if (!(r0 > 0)) r0 = 1.0;
    int st = CAV_EMAXITER;
    long it;
    for (it = 0;; it++) {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)n, 1.0, K, (blasint)n, a, 1,
                    0.0, f, 1);
        double af = cav_la_dot(n, a, f);
        J = logit_sum(n, y, f, dl, D) + 0.5 * lambda * af;
        for (size_t i = 0; i < n; i++)
            r[i] = dl[i] + lambda * a[i];
        rn = cav_la_nrm2(n, r);
        if (!isfinite(J) || !isfinite(rn)) {
            st = cav_err_set(err, CAV_ENUMERIC, "kernel logistic: non-finite at step %ld", it);
            break;
        }
        if (rn <= o->tol * r0) {
            st = CAV_OK;
            break;
        }
        if (it >= o->max_iter) break;
        /* B = lambda I + S K S (lower triangle suffices for posv), t = S K r. */
        for (size_t i = 0; i < n; i++)
            S[i] = sqrt(D[i]);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j <= i; j++)
                B[i * n + j] = S[i] * K[i * n + j] * S[j];
            B[i * n + i] += lambda;
        }
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)n, 1.0, K, (blasint)n, r, 1,
                    0.0, t, 1);
        for (size_t i = 0; i < n; i++)
            t[i] *= S[i];
        int info = cav_la_posv(n, 1, B, t);
        if (info != 0) {
            st = cav_err_set(err, CAV_ENUMERIC, "kernel logistic: Cholesky info %d", info);
            break;
        }
        for (size_t i = 0; i < n; i++)
            da[i] = -(r[i] - S[i] * t[i]) / lambda;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)n, 1.0, K, (blasint)n, da, 1,
                    0.0, Kda, 1);
        double slope = cav_la_dot(n, r, Kda); /* grad_a J . da = (K r).da */
        double c1 = cav_la_dot(n, da, f) + cav_la_dot(n, a, Kda), c2 = cav_la_dot(n, da, Kda);
        if (!(slope < 0)) break; /* at the rounding floor */
        double step = 1.0, Jn = J;
        for (int ls = 0; ls < 60; ls++) {
            double L = 0.0;
            for (size_t i = 0; i < n; i++)
                L += sim_log1pexp_neg(y[i] * (f[i] + step * Kda[i]));
            Jn = L + 0.5 * lambda * (af + step * c1 + step * step * c2);
            if (Jn <= J + 1e-4 * step * slope) break;
            step *= 0.5;
        }
        if (!(Jn <= J)) break;
        cblas_daxpy((blasint)n, step, da, 1, a, 1);
    }
    fit->iterations = it;
    fit->objective = J;
    fit->residual = rn / r0;
    if (st == CAV_EMAXITER)
        cav_err_set(err, st, "kernel logistic: relative gradient %.3g > tol %.3g after %ld steps",
                    rn / r0, o->tol, it);
    free(B), free(buf);
    return st;
}

int cav_sim_kernel_fit(const cav_loss *loss, size_t n, const double *K, const double *y,
                       double lambda, const cav_sim_opts *opts, double *a, cav_sim_fit *fit,
                       cav_err *err)
{
    cav_sim_fit dummy;
    if (!fit) fit = &dummy;
    memset(fit, 0, sizeof *fit);
    fit->separable = -1;
    fit->nsv = -1;
    fit->objective = fit->residual = NAN;
    if (n == 0 || !K || !y || !a)
        return fit->status = cav_err_set(err, CAV_EINVAL, "cav_sim_kernel_fit: n = %zu", n);
    if (!(lambda >= 0.0) || !isfinite(lambda))
        return fit->status =
                   cav_err_set(err, CAV_EINVAL, "cav_sim_kernel_fit: lambda = %g < 0", lambda);
    cav_sim_opts o = sim_opts(opts);
    int kind = sim_loss_kind(loss);
    if (kind == SIM_LOSS_SQUARE) {
        double *G = malloc(n * n * sizeof *G), *f = malloc(n * sizeof *f);
        if (!G || !f) {
            free(G), free(f);
            return fit->status = cav_err_set(err, CAV_ENOMEM, "cav_sim_kernel_fit: n = %zu", n);
        }
        memcpy(G, K, n * n * sizeof *G);
        for (size_t i = 0; i < n; i++) {
            G[i * n + i] += lambda;
            a[i] = y[i];
        }
        int info = cav_la_posv_sym(n, G, a);
        int st = CAV_OK;
        if (info != 0) {
            st = cav_err_set(err, CAV_ENUMERIC,
                             "cav_sim_kernel_fit: K + lambda I not positive definite (info %d, "
                             "lambda = %g)",
                             info, lambda);
        } else {
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)n, 1.0, K, (blasint)n, a,
                        1, 0.0, f, 1);
            double L = 0.0, rr = 0.0;
            for (size_t i = 0; i < n; i++) {
                double e = f[i] - y[i];
                L += 0.5 * e * e;
                rr += (e + lambda * a[i]) * (e + lambda * a[i]);
            }
            fit->objective = L + 0.5 * lambda * cav_la_dot(n, a, f);
            fit->residual = sqrt(rr) / fmax(cav_la_nrm2(n, y), 1e-300);
        }
        free(G), free(f);
        return fit->status = st;
    }
    if (kind == SIM_LOSS_HINGE) {
        double *f = malloc(n * sizeof *f);
        if (!f) return fit->status = cav_err_set(err, CAV_ENOMEM, "cav_sim_kernel_fit: n = %zu", n);
        memset(f, 0, n * sizeof *f);
        memset(a, 0, n * sizeof *a);
        ker_ctx k = {n, K, f};
        sim_dcd_ops ops = {&k, n, ker_field, ker_update, ker_qdiag, ker_refresh};
        int st = sim_dcd_solve(&ops, y, lambda, &o, a, fit, err); /* a holds alpha */
        for (size_t i = 0; i < n; i++)
            a[i] *= y[i];
        free(f);
        return st;
    }
    if (kind == SIM_LOSS_LOGISTIC) {
        if (!(lambda > 0))
            return fit->status = cav_err_set(err, CAV_EINVAL,
                                             "cav_sim_kernel_fit: logistic needs lambda > 0 "
                                             "(got %g)",
                                             lambda);
        return fit->status = kernel_logistic(n, K, y, lambda, &o, a, fit, err);
    }
    return fit->status = cav_err_set(err, CAV_EUNSUP,
                                     "cav_sim_kernel_fit: loss '%s' not supported (square, "
                                     "hinge, logistic)",
                                     loss && loss->type ? loss->type->name : "(null)");
}
