/* theory/mi/rbm.c — RBM on spiked-covariance data (cavity/rbm.h, docs/rbm.md): the reduced
 * likelihood pieces eta, psi by enumeration of the 2^k hidden states, the PCA formula, the
 * Bayes-optimal (Lesieur-Krzakala-Zdeborová) state evolution as a model of the multi-index
 * engine, and the weak-recovery threshold of each spike from the engine's linear stability.
 *
 * BO state evolution as engine sides (docs/rbm.md, eq. LKZ): with Q = M_u the overlap of the
 * spike estimate (unit-variance spikes Ubar), Qhat = alpha G(Q),
 *     G(Q) = Lambda^{1/2} f_c(Lambda^{1/2} Q Lambda^{1/2}) Lambda^{1/2},   Q = f_u(Qhat),
 * f the prior map of cavity/multi_index.h (Rademacher: enumeration; Gaussian: X (I + X)^{-1}),
 * and the free entropy psi_out(Q) = psi_c(Lambda^{1/2} Q Lambda^{1/2}), psi_prior = psi_u. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cavity/rbm.h"
#include "cavity/roots.h"
#include "theory/mi/mi_internal.h"

cav_rbm cav_rbm_default(void)
{
    cav_rbm p;
    p.k = 2, p.r = 2;
    p.hidden = p.spike_prior = p.latent_prior = CAV_RBM_RADEMACHER;
    p.lambda = 1.4, p.ratio = 0.5, p.alpha = 2.0;
    return p;
}

int cav_rbm_check(const cav_rbm *p, cav_err *err)
{
    if (!p) return cav_err_set(err, CAV_EINVAL, "rbm: NULL parameters");
    if (p->k < 1 || p->k > CAV_RBM_MAXK)
        return cav_err_set(err, CAV_EINVAL, "rbm: k = %d hidden units must be in [1, %d]", p->k,
                           CAV_RBM_MAXK);
    if (p->r < 1 || p->r > CAV_RBM_MAXK)
        return cav_err_set(err, CAV_EINVAL, "rbm: r = %d spikes must be in [1, %d]", p->r,
                           CAV_RBM_MAXK);
    if (p->hidden != CAV_RBM_RADEMACHER && p->hidden != CAV_RBM_GAUSSIAN)
        return cav_err_set(err, CAV_EINVAL, "rbm: hidden = %d must be rademacher or gaussian",
                           p->hidden);
    if ((p->spike_prior != CAV_RBM_RADEMACHER && p->spike_prior != CAV_RBM_GAUSSIAN) ||
        (p->latent_prior != CAV_RBM_RADEMACHER && p->latent_prior != CAV_RBM_GAUSSIAN))
        return cav_err_set(err, CAV_EINVAL,
                           "rbm: spike and latent priors must be rademacher or "
                           "gaussian");
    if (!(p->lambda >= 0) || !isfinite(p->lambda))
        return cav_err_set(err, CAV_EINVAL, "rbm: lambda = %g must be >= 0", p->lambda);
    if (!(p->ratio >= 0) || !isfinite(p->ratio))
        return cav_err_set(err, CAV_EINVAL, "rbm: ratio = %g must be >= 0", p->ratio);
    if (!(p->alpha > 0) || !isfinite(p->alpha))
        return cav_err_set(err, CAV_EINVAL, "rbm: alpha = %g must be > 0", p->alpha);
    return CAV_OK;
}

double cav_rbm_lambda(const cav_rbm *p, int j)
{
    return p->lambda * pow(p->ratio, (double)j);
}

static double logcosh(double x)
{
    double a = fabs(x);
    return a + log1p(exp(-2 * a)) - M_LN2;
}

double cav_rbm_eta(int k, int hidden, const double *z, double *grad, double *hess)
{
    double e = 0;
    if (hess) memset(hess, 0, sizeof(double) * (size_t)(k * k));
    for (int j = 0; j < k; j++) {
        if (hidden == CAV_RBM_GAUSSIAN) {
            e += 0.5 * z[j] * z[j];
            if (grad) grad[j] = z[j];
            if (hess) hess[j * k + j] = 1.0;
        } else {
            double t = tanh(z[j]);
            e += logcosh(z[j]);
            if (grad) grad[j] = t;
            if (hess) hess[j * k + j] = 1.0 - t * t;
        }
    }
    return e;
}

int cav_rbm_psi(int k, int hidden, const double *Q, double *psi, double *grad, cav_err *err)
{
    if (k < 1 || k > CAV_RBM_MAXK) return cav_err_set(err, CAV_EINVAL, "rbm psi: k = %d", k);
    if (hidden == CAV_RBM_GAUSSIAN) {
        double A[CAV_MI_MAXP * CAV_MI_MAXP], Ai[CAV_MI_MAXP * CAV_MI_MAXP];
        for (int i = 0; i < k * k; i++)
            A[i] = (i / k == i % k) - Q[i];
        mi_symmetrise(k, A);
        if (mi_spd_inv(k, A, Ai))
            return cav_err_set(err, CAV_EINVAL,
                               "rbm psi: I - Q must be positive definite (Gaussian hidden units)");
        double L[CAV_MI_MAXP * CAV_MI_MAXP];
        memcpy(L, A, sizeof L);
        mi_chol(k, L);
        if (psi) *psi = -0.5 * mi_chol_logdet(k, L);
        if (grad)
            for (int i = 0; i < k * k; i++)
                grad[i] = 0.5 * Ai[i];
        return CAV_OK;
    }
    /* Rademacher: log 2^{-k} sum_h exp(h^T Q h/2), tilted second moments */
    int S = 1 << k;
    double lw[8], mx = -INFINITY;
    for (int s = 0; s < S; s++) {
        double e = 0;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                e += ((s >> i & 1) ? 1 : -1) * Q[i * k + j] * ((s >> j & 1) ? 1 : -1);
        lw[s] = 0.5 * e;
        if (lw[s] > mx) mx = lw[s];
    }
    double Z = 0, H[CAV_MI_MAXP * CAV_MI_MAXP] = {0};
    for (int s = 0; s < S; s++) {
        double w = exp(lw[s] - mx);
        Z += w;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                H[i * k + j] += w * ((s >> i & 1) ? 1 : -1) * ((s >> j & 1) ? 1 : -1);
    }
    if (psi) *psi = mx + log(Z) - k * M_LN2;
    if (grad)
        for (int i = 0; i < k * k; i++)
            grad[i] = 0.5 * H[i] / Z;
    return CAV_OK;
}

double cav_rbm_pca_cos2(double alpha, double lambda)
{
    double a = alpha * lambda * lambda;
    if (!(a > 1)) return 0.0;
    return (1 - 1 / a) / (1 + 1 / (alpha * lambda));
}

/* ------------------------------------------------------------------ BO sides ------------ */

static int prior_of(int type, int r, const double *X, double *Y, cav_err *err)
{
    return type == CAV_RBM_GAUSSIAN ? cav_mi_prior_gaussian(&r, X, Y, err)
                                    : cav_mi_prior_rademacher(&r, X, Y, err);
}

static int psi_of(int type, int r, const double *X, double *v, cav_err *err)
{
    return type == CAV_RBM_GAUSSIAN ? cav_mi_psi_gaussian(&r, X, v, err)
                                    : cav_mi_psi_rademacher(&r, X, v, err);
}

static void scale(int r, const double *sl, const double *X, double *Y)
{
    for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++)
            Y[i * r + j] = sl[i] * X[i * r + j] * sl[j];
}

static int bo_output(void *ctx, const double *Q, double *G, double *se, cav_err *err)
{
    cav_rbm_bo *c = ctx;
    int r = c->r;
    double X[CAV_MI_MAXP * CAV_MI_MAXP], Y[CAV_MI_MAXP * CAV_MI_MAXP];
    scale(r, c->sl, Q, X);
    int st = prior_of(c->p.latent_prior, r, X, Y, err);
    if (st) return st;
    scale(r, c->sl, Y, G);
    if (se) memset(se, 0, sizeof(double) * (size_t)(r * r));
    return CAV_OK;
}

static int bo_prior(void *ctx, const double *Qhat, double *Q, cav_err *err)
{
    cav_rbm_bo *c = ctx;
    return prior_of(c->p.spike_prior, c->r, Qhat, Q, err);
}

static int bo_psi_out(void *ctx, const double *Q, double *val, double *se, cav_err *err)
{
    cav_rbm_bo *c = ctx;
    double X[CAV_MI_MAXP * CAV_MI_MAXP];
    scale(c->r, c->sl, Q, X);
    if (se) *se = 0;
    return psi_of(c->p.latent_prior, c->r, X, val, err);
}

static int bo_psi_prior(void *ctx, const double *Qhat, double *val, cav_err *err)
{
    cav_rbm_bo *c = ctx;
    return psi_of(c->p.spike_prior, c->r, Qhat, val, err);
}

int cav_rbm_bo_model(const cav_rbm *p, cav_rbm_bo *ctx, cav_mi_model *m, cav_err *err)
{
    int st = cav_rbm_check(p, err);
    if (st) return st;
    memset(ctx, 0, sizeof *ctx);
    ctx->p = *p;
    ctx->r = p->r;
    for (int j = 0; j < p->r; j++)
        ctx->sl[j] = sqrt(cav_rbm_lambda(p, j));
    memset(m, 0, sizeof *m);
    m->P = p->r;
    m->out_ctx = ctx;
    m->prior_ctx = ctx;
    m->output = bo_output;
    m->prior = bo_prior;
    m->psi_out = bo_psi_out;
    m->psi_prior = bo_psi_prior;
    return CAV_OK;
}

int cav_rbm_bo_solve(const cav_rbm *p, cav_rbm_bo_result *out)
{
    cav_err err = {0};
    if (!out) return CAV_EINVAL;
    memset(out, 0, sizeof *out);
    cav_rbm_bo ctx;
    cav_mi_model m;
    int st = cav_rbm_bo_model(p, &ctx, &m, &err);
    if (st) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "%s", err.msg);
        return st;
    }
    int r = p->r;
    double best = -INFINITY;
    for (int start = 0; start < 2; start++) {
        cav_mi_se_opts o = cav_mi_se_opts_default();
        o.start = start ? CAV_MI_START_INFORMED : CAV_MI_START_UNINFORMED;
        o.eps = 1e-4;
        o.want_se = 0;
        o.fixpt.tol = 1e-12;
        o.fixpt.max_iter = 20000;
        cav_mi_se_result res;
        st = cav_mi_se_solve(&m, p->alpha, &o, &res);
        if (st) {
            out->status = st;
            snprintf(out->msg, sizeof out->msg, "%s", res.msg);
            return st;
        }
        double phi;
        st = cav_mi_free_entropy(&m, p->alpha, res.Q, &phi, NULL, &err);
        if (st) {
            out->status = st;
            snprintf(out->msg, sizeof out->msg, "%s", err.msg);
            return st;
        }
        out->iterations += res.iterations;
        if (phi > best + 1e-12) {
            best = phi;
            memcpy(out->Mu, res.Q, sizeof(double) * (size_t)(r * r));
        }
    }
    out->phi = best;
    for (int j = 0; j < r; j++)
        out->cos[j] = sqrt(fmax(out->Mu[j * r + j], 0.0));
    return CAV_OK;
}

/* ------------------------------------------------------------------ thresholds ---------- */

typedef struct th_ctx {
    cav_rbm p;
    int j, st;
    cav_err err;
} th_ctx;

/* alpha lambda_max - 1 for spike j at strength lambda (spikes < j learned, >= j frozen at 0). */
static double th_f(void *vc, double lambda)
{
    th_ctx *c = vc;
    cav_rbm p = c->p;
    p.lambda = lambda;
    cav_rbm_bo ctx;
    cav_mi_model m;
    if ((c->st = cav_rbm_bo_model(&p, &ctx, &m, &c->err))) return NAN;
    int r = p.r, frozen[CAV_MI_MAXP] = {0}, un[1] = {c->j};
    double Q[CAV_MI_MAXP * CAV_MI_MAXP] = {0};
    if (c->j > 0) {
        for (int i = c->j; i < r; i++)
            frozen[i] = 1;
        double Q0[CAV_MI_MAXP * CAV_MI_MAXP] = {0};
        for (int i = 0; i < c->j; i++)
            Q0[i * r + i] = 0.999;
        cav_mi_se_opts o = cav_mi_se_opts_default();
        o.start = CAV_MI_START_GIVEN;
        o.Q0 = Q0;
        o.frozen = frozen;
        o.want_se = 0;
        o.fixpt.tol = 1e-13;
        o.fixpt.max_iter = 20000;
        cav_mi_se_result res;
        if ((c->st = cav_mi_se_solve(&m, p.alpha, &o, &res))) {
            cav_err_set(&c->err, c->st, "rbm threshold: %s", res.msg);
            return NAN;
        }
        memcpy(Q, res.Q, sizeof Q);
    }
    cav_mi_stab s;
    if ((c->st = cav_mi_stability(&m, p.alpha, Q, un, 1, 0, &s, &c->err))) return NAN;
    return p.alpha * s.lambda_max - 1.0;
}

int cav_rbm_threshold(const cav_rbm *p, int j, double xtol, double *lambda_c, cav_err *err)
{
    int st = cav_rbm_check(p, err);
    if (st) return st;
    if (j < 0 || j >= p->r)
        return cav_err_set(err, CAV_EINVAL, "rbm threshold: spike j = %d must be in [0, %d)", j,
                           p->r);
    if (!lambda_c) return cav_err_set(err, CAV_EINVAL, "rbm threshold: lambda_c is NULL");
    if (j > 0 && !(p->ratio > 0))
        return cav_err_set(err, CAV_EINVAL, "rbm threshold: spike %d needs ratio > 0", j + 1);
    th_ctx c;
    memset(&c, 0, sizeof c);
    c.p = *p;
    c.j = j;
    double s = pow(p->ratio > 0 ? p->ratio : 1.0, (double)j) * sqrt(p->alpha);
    double lo = 0.05 / s, hi = 20.0 / s;
    double flo = th_f(&c, lo), fhi = c.st ? NAN : th_f(&c, hi);
    if (c.st) return cav_err_set(err, c.st, "%s", c.err.msg);
    if (!(flo < 0 && fhi > 0))
        return cav_err_set(err, CAV_ENUMERIC,
                           "rbm threshold: no crossing in lambda in [%g, %g] (values %g, %g)", lo,
                           hi, flo, fhi);
    st = cav_root_brent(th_f, &c, lo, hi, xtol > 0 ? xtol : 1e-10, 200, lambda_c, err);
    if (c.st) return cav_err_set(err, c.st, "%s", c.err.msg);
    return st;
}
