/* Hinge-loss ERM (support vector machines) by dual coordinate descent.
 *
 * Hsieh, Chang, Lin, Keerthi, Sundararajan, "A dual coordinate descent method for large-scale
 * linear SVM", ICML 2008, Algorithm 1 (without shrinking). Dividing J(w) = sum_mu max(0, 1 -
 * y_mu a_mu.w) + (lambda/2)||w||^2 by lambda gives the standard form with C = 1/lambda:
 *   P(w) = ||w||^2/2 + C sum_mu max(0, 1 - y_mu a_mu.w),
 *   D(alpha) = sum_mu alpha_mu - ||w(alpha)||^2/2,  w(alpha) = sum_mu alpha_mu y_mu a_mu,
 *   0 <= alpha <= C.
 * One coordinate step is the exact 1-D maximisation of D: with G = y_i a_i.w - 1 (the partial
 * derivative of -D), alpha_i <- clip(alpha_i - G / Q_ii, 0, C), Q_ii = ||a_i||^2, and w (or the
 * kernel fields) follows. Weak duality P >= D gives the stopping rule (P - D)/P <= tol at
 * (w(alpha), alpha). The same iteration works on any Gram operator (linear: a_i = x_i/sqrt(d);
 * kernel: Q = diag(y) K diag(y)), hence the small operator table sim_dcd_ops.
 *
 * Hard margin (lambda = 0): min ||w||^2/2 s.t. y_mu a_mu.w >= 1. If the data are separable its
 * dual optimum alpha* is finite and, for every C >= max alpha*, the box problem has the same
 * solution (the box is inactive; all slacks vanish). So we solve box problems with C = 1, 100,
 * ... up to C_max (warm-started) until no alpha sits at C, then drop the box. If alpha still
 * reaches C_max the data are declared non-separable (for separable data this would need
 * max alpha* = O(||w_opt||^2) >= C_max, i.e. a margin below 1/sqrt(C_max)). The hard-margin
 * gap uses the feasible point w/m, m = min_mu y_mu a_mu.w > 0: P_h = ||w||^2/(2 m^2) >=
 * ||w_opt||^2/2 >= D(alpha). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/rng.h"
#include "core/la.h"
#include "sim/internal.h"

/* Relative gap at the current alpha; h: fields (scratch, length n). */
static double rel_gap(const sim_dcd_ops *ops, const double *y, double C, const double *alpha,
                      double *beta, double *h, double *ff_out)
{
    size_t n = ops->n;
    for (size_t i = 0; i < n; i++)
        beta[i] = alpha[i] * y[i];
    double ff = ops->refresh(ops->ctx, beta, h);
    *ff_out = ff;
    double sa = 0.0;
    for (size_t i = 0; i < n; i++)
        sa += alpha[i];
    double D = sa - 0.5 * ff;
    double P;
    if (isinf(C)) {
        double m = INFINITY;
        for (size_t i = 0; i < n; i++)
            if (y[i] * h[i] < m) m = y[i] * h[i];
        if (!(m > 0)) return INFINITY;
        P = ff / (2.0 * m * m);
    } else {
        double hs = 0.0;
        for (size_t i = 0; i < n; i++) {
            double v = 1.0 - y[i] * h[i];
            if (v > 0) hs += v;
        }
        P = 0.5 * ff + C * hs;
    }
    if (!(P > 0)) return P == 0 && D == 0 ? 0.0 : INFINITY;
    return (P - D) / P;
}

/* Epochs of CD at box C until rel gap <= tol or the epoch budget runs out. */
static int dcd_run(const sim_dcd_ops *ops, const double *y, double C, double tol, long max_epochs,
                   cav_rng *rng, double *alpha, size_t *perm, double *qd, double *beta, double *h,
                   cav_sim_fit *fit, double *gap, double *ff, int stop_at_bound)
{
    size_t n = ops->n;
    *gap = rel_gap(ops, y, C, alpha, beta, h, ff);
    for (long ep = 0; ep < max_epochs && !(*gap <= tol); ep++) {
        for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
            size_t j = (size_t)(cav_rng_u64(rng) % i);
            size_t t = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = t;
        }
        for (size_t k = 0; k < n; k++) {
            size_t i = perm[k];
            if (!(qd[i] > 0)) continue;
            double G = y[i] * ops->field(ops->ctx, i) - 1.0;
            double PG = G;
            if (alpha[i] <= 0.0)
                PG = G < 0 ? G : 0.0;
            else if (alpha[i] >= C)
                PG = G > 0 ? G : 0.0;
            if (PG == 0.0) continue;
            double a = alpha[i] - G / qd[i];
            if (a < 0.0) a = 0.0;
            if (a > C) a = C;
            double delta = a - alpha[i];
            if (delta != 0.0) {
                ops->update(ops->ctx, i, delta * y[i]);
                alpha[i] = a;
                fit->inner++;
            }
        }
        fit->iterations++;
        *gap = rel_gap(ops, y, C, alpha, beta, h, ff);
        if (stop_at_bound)
            for (size_t i = 0; i < n; i++)
                if (alpha[i] >= C) return CAV_CONTINUE;
    }
    return *gap <= tol ? CAV_OK : CAV_EMAXITER;
}

int sim_dcd_solve(const sim_dcd_ops *ops, const double *y, double lambda, const cav_sim_opts *opts,
                  double *alpha, cav_sim_fit *fit, cav_err *err)
{
    cav_sim_opts o = sim_opts(opts);
    size_t n = ops->n;
    long budget = 20 * o.max_iter;
    size_t *perm = malloc(n * sizeof *perm);
    double *buf = malloc(3 * n * sizeof *buf);
    if (!perm || !buf) {
        free(perm), free(buf);
        return fit->status = cav_err_set(err, CAV_ENOMEM, "svm: n = %zu", n);
    }
    double *qd = buf, *beta = qd + n, *h = beta + n;
    for (size_t i = 0; i < n; i++) {
        perm[i] = i;
        qd[i] = ops->qdiag(ops->ctx, i);
    }
    cav_rng rng;
    cav_rng_init(&rng, o.seed, 0x737663ULL /* "svc" */, 0);
    fit->iterations = fit->inner = 0;
    double gap = INFINITY, ff = 0.0;
    int st;
    if (lambda > 0) {
        double C = 1.0 / lambda;
        st = dcd_run(ops, y, C, o.tol, budget, &rng, alpha, perm, qd, beta, h, fit, &gap, &ff, 0);
        double hs = 0.0;
        for (size_t i = 0; i < n; i++)
            hs += fmax(0.0, 1.0 - y[i] * h[i]);
        fit->objective = hs + 0.5 * lambda * ff;
        fit->separable = -1;
    } else {
        st = CAV_EDIVERGE;
        fit->separable = -1;
        /* A box stage ends as soon as some alpha reaches C (then C is too small: go on to
         * 100 C), or when it converges with the box inactive, which is the hard-margin solution:
         * then the box is dropped and the hard-margin gap is driven to tol. */
        for (double C = 1.0; C <= o.C_max * (1 + 1e-12); C *= 100.0) {
            st = dcd_run(ops, y, C, o.tol, budget - fit->iterations, &rng, alpha, perm, qd, beta, h,
                         fit, &gap, &ff, 1);
            if (st == CAV_CONTINUE) {
                st = CAV_EDIVERGE;
                continue;
            }
            if (st == CAV_OK) {
                fit->separable = 1;
                st = dcd_run(ops, y, INFINITY, o.tol, budget - fit->iterations, &rng, alpha, perm,
                             qd, beta, h, fit, &gap, &ff, 0);
            }
            break;
        }
        if (st == CAV_EDIVERGE) fit->separable = 0;
        fit->objective = 0.5 * ff;
    }
    fit->residual = gap;
    fit->nsv = 0;
    for (size_t i = 0; i < n; i++)
        fit->nsv += alpha[i] > 0;
    if (st == CAV_EMAXITER)
        cav_err_set(err, st, "svm: relative duality gap %.3g > tol %.3g after %ld epochs", gap,
                    o.tol, fit->iterations);
    else if (st == CAV_EDIVERGE)
        cav_err_set(err, st,
                    "svm: hard margin (lambda = 0) but the data are not separable: dual "
                    "variables reach C_max = %g",
                    o.C_max);
    free(perm), free(buf);
    return fit->status = st;
}

/* ---- linear operator: a_i = x_i / sqrt(d), state w ---- */
typedef struct lin_ctx {
    size_t n, d;
    const double *X;
    double s;
    double *w;
} lin_ctx;

static double lin_field(void *c, size_t i)
{
    lin_ctx *k = c;
    return k->s * cav_la_dot(k->d, k->X + i * k->d, k->w);
}

static void lin_update(void *c, size_t i, double delta)
{
    lin_ctx *k = c;
    cblas_daxpy((blasint)k->d, delta * k->s, k->X + i * k->d, 1, k->w, 1);
}

static double lin_qdiag(void *c, size_t i)
{
    lin_ctx *k = c;
    const double *x = k->X + i * k->d;
    return k->s * k->s * cav_la_dot(k->d, x, x);
}

static double lin_refresh(void *c, const double *beta, double *h)
{
    lin_ctx *k = c;
    cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)k->n, (blasint)k->d, k->s, k->X, (blasint)k->d,
                beta, 1, 0.0, k->w, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)k->n, (blasint)k->d, k->s, k->X,
                (blasint)k->d, k->w, 1, 0.0, h, 1);
    return cav_la_dot(k->d, k->w, k->w);
}

int cav_sim_svm(size_t n, size_t d, const double *X, const double *y, double lambda,
                const cav_sim_opts *opts, double *w, double *alpha, cav_sim_fit *fit, cav_err *err)
{
    cav_sim_fit dummy;
    if (!fit) fit = &dummy;
    memset(fit, 0, sizeof *fit);
    fit->objective = fit->residual = NAN;
    if (n == 0 || d == 0 || !X || !y || !w)
        return fit->status = cav_err_set(err, CAV_EINVAL,
                                         "cav_sim_svm: n = %zu, d = %zu, X, y, w non-NULL", n, d);
    if (!(lambda >= 0.0) || !isfinite(lambda))
        return fit->status = cav_err_set(err, CAV_EINVAL, "cav_sim_svm: lambda = %g < 0", lambda);
    double *al = alpha ? alpha : malloc(n * sizeof *al);
    if (!al) return fit->status = cav_err_set(err, CAV_ENOMEM, "cav_sim_svm: n = %zu", n);
    memset(al, 0, n * sizeof *al);
    memset(w, 0, d * sizeof *w);
    lin_ctx k = {n, d, X, 1.0 / sqrt((double)d), w};
    sim_dcd_ops ops = {&k, n, lin_field, lin_update, lin_qdiag, lin_refresh};
    int st = sim_dcd_solve(&ops, y, lambda, opts, al, fit, err);
    if (!alpha) free(al);
    return st;
}
