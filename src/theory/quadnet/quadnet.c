/* theory/quadnet/quadnet.c — saddle point of ERM in quadratic networks (nuclear-norm PSD matrix
 * sensing), thresholds alpha_inter and alpha_pr. Equations in cavity/quadnet.h, derivation in
 * docs/quadratic-net.md.
 *
 * Solver: Newton (num/newton.c) in (log xi, log theta) on the relative residuals
 *     g0 = (e + delta/2)/(2 alpha xi) - 1,   g1 = (h1 - theta h0)/alpha - (1 - lambda/theta),
 * from the warm start when given; otherwise (or when Newton fails) a bracketing solve: for each xi,
 * theta(xi) from g1 = 0 by Brent (g1 > 0 at theta = lambda, < 0 at the top edge), then g0(xi,
 * theta(xi)) = 0 by a log-grid scan and Brent in log xi, and Newton to polish. The theta = 0 branch
 * has the single unknown xi (scan and Brent).
 */
#include "cavity/quadnet.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cavity/msense.h"
#include "cavity/newton.h"
#include "cavity/roots.h"
#include "cavity/spectral.h"

typedef struct {
    const cav_quadnet_params *p;
    cav_err *err;
    int st;
    /* per-xi cache */
    double xi;
    cav_spectral_mpsc d;
    double omega; /* rank-cap cut (-inf without cap) */
} qctx;

static int set_xi(qctx *c, double xi)
{
    if (c->xi == xi) return CAV_OK;
    int st = cav_spectral_mpsc_init(&c->d, c->p->kappa_star, xi, c->err);
    if (st) return st;
    c->omega = -HUGE_VAL;
    if (c->p->kappa < 1) {
        st = cav_spectral_mpsc_quantile(&c->d, c->p->kappa, &c->omega, c->err);
        if (st && st != CAV_EMAXITER) return st;
    }
    c->xi = xi;
    return CAV_OK;
}

/* e, A = h1 - theta h0 and m0 at (xi, theta); cut b = max(theta, omega) */
static int state(qctx *c, double xi, double theta, double *e, double *A, double *m0)
{
    int st = set_xi(c, xi);
    if (st) return st;
    cav_spectral_mom m;
    st = cav_spectral_mpsc_moments(&c->d, fmax(theta, c->omega), &m, c->err);
    if (st && st != CAV_EMAXITER) return st;
    double Q0 = 1 + 1 / c->p->kappa_star;
    *A = m.h1 - theta * m.h0;
    *e = Q0 + theta * theta * m.m0 - m.m2 + 4 * xi * *A;
    if (m0) *m0 = m.m0;
    return CAV_OK;
}

static double g1_of(const cav_quadnet_params *p, double A, double theta)
{
    return A / p->alpha - (p->lambda > 0 ? 1 - p->lambda / theta : 1);
}

static int newton_fn(void *c_, const double *y, double *g, double *r, cav_err *err)
{
    (void)err;
    qctx *c = c_;
    double xi = exp(y[0]), theta = exp(y[1]), e = 0, A = 0;
    int st = state(c, xi, theta, &e, &A, NULL);
    if (st) return st;
    g[0] = (e + c->p->delta / 2) / (2 * c->p->alpha * xi) - 1;
    g[1] = g1_of(c->p, A, theta);
    *r = fmax(fabs(g[0]), fabs(g[1]));
    return CAV_OK;
}

/* theta(xi) from g1 = 0 */
typedef struct {
    qctx *c;
    double xi;
} th_ctx;

static double g1_theta(void *t_, double theta)
{
    th_ctx *t = t_;
    double e = 0, A = 0;
    int st = state(t->c, t->xi, theta, &e, &A, NULL);
    if (st && !t->c->st) t->c->st = st;
    return g1_of(t->c->p, A, theta);
}

static int theta_of_xi(qctx *c, double xi, double *theta)
{
    int st = set_xi(c, xi);
    if (st) return st;
    th_ctx t = {c, xi};
    double top = c->d.hi[c->d.nint - 1];
    double lo = c->p->lambda > 0 ? c->p->lambda : 1e-14 * top;
    if (lo >= top) { /* nothing survives the threshold: S_hat = 0, theta = lambda */
        *theta = c->p->lambda;
        return CAV_OK;
    }
    double glo = g1_theta(&t, lo);
    if (c->st) return c->st;
    if (glo <= 0) {
        *theta = lo;
        return CAV_OK;
    }
    st = cav_root_brent(g1_theta, &t, lo, top, 1e-14 * top, 200, theta, c->err);
    if (c->st) return c->st;
    return st == CAV_EMAXITER ? CAV_OK : st;
}

/* g0 at (xi, theta(xi)) as a function of log xi; theta = 0 branch when c->p->lambda == 0 and
 * the flag is set. */
typedef struct {
    qctx *c;
    int zero_theta;
    double last_theta;
} outer_ctx;

static double g0_logxi(void *o_, double u)
{
    outer_ctx *o = o_;
    qctx *c = o->c;
    double xi = exp(u), theta = 0, e = 0, A = 0;
    if (!o->zero_theta) {
        int st = theta_of_xi(c, xi, &theta);
        if (st) {
            if (!c->st) c->st = st;
            return NAN;
        }
    }
    int st = state(c, xi, theta, &e, &A, NULL);
    if (st && !c->st) c->st = st;
    o->last_theta = theta;
    return (e + c->p->delta / 2) / (2 * c->p->alpha * xi) - 1;
}

/* Scan log xi on [1e-9, 1e4] for the first sign change + -> -, then Brent. */
static int bracket_solve(qctx *c, int zero_theta, double *xi, double *theta)
{
    outer_ctx o = {c, zero_theta, 0};
    const int N = 27;
    double u0 = log(1e-9), u1 = log(1e4), up = u0, gp = 0;
    for (int i = 0; i < N; i++) {
        double u = u0 + (u1 - u0) * i / (N - 1), g = g0_logxi(&o, u);
        if (c->st) return c->st;
        if (i > 0 && gp > 0 && g <= 0) {
            double r;
            int st = cav_root_brent(g0_logxi, &o, up, u, 1e-12, 200, &r, c->err);
            if (c->st) return c->st;
            if (st && st != CAV_EMAXITER) return st;
            *xi = exp(r);
            g0_logxi(&o, r);
            *theta = o.last_theta;
            return CAV_OK;
        }
        up = u, gp = g;
    }
    return cav_err_set(c->err, CAV_ENUMERIC,
                       "quadnet: no solution of (E1) for xi in [1e-9, 1e4] (alpha %g)",
                       c->p->alpha);
}

int cav_quadnet_check(const cav_quadnet_params *p, cav_err *err)
{
    if (!p) return cav_err_set(err, CAV_EINVAL, "quadnet: params must not be NULL");
    if (!(p->alpha > 0) || !isfinite(p->alpha))
        return cav_err_set(err, CAV_EINVAL, "quadnet: alpha = %g must be > 0", p->alpha);
    if (!(p->kappa_star > 0) || !isfinite(p->kappa_star))
        return cav_err_set(err, CAV_EINVAL, "quadnet: kappa_star = %g must be > 0", p->kappa_star);
    if (!(p->kappa > 0) || !isfinite(p->kappa))
        return cav_err_set(err, CAV_EINVAL, "quadnet: kappa = %g must be > 0", p->kappa);
    if (!(p->lambda >= 0) || !isfinite(p->lambda))
        return cav_err_set(err, CAV_EINVAL, "quadnet: lambda = %g must be >= 0", p->lambda);
    if (!(p->delta >= 0) || !isfinite(p->delta))
        return cav_err_set(err, CAV_EINVAL, "quadnet: delta = %g must be >= 0", p->delta);
    return CAV_OK;
}

/* ---- thresholds ---- */

typedef struct {
    qctx *c;
    int st;
} thr_ctx;

/* alpha_inter condition at log xi: Q0 - m2 + 2 xi h1 + delta/2 at b = max(0, omega) */
static double inter_fn(void *t_, double u)
{
    thr_ctx *t = t_;
    double xi = exp(u), e = 0, A = 0;
    int st = state(t->c, xi, 0, &e, &A, NULL);
    if (st && !t->st) t->st = st;
    /* e = Q0 - m2 + 4 xi A at theta = 0 */
    return e - 2 * xi * A + t->c->p->delta / 2;
}

int cav_quadnet_alpha_inter(double kappa_star, double kappa, double delta, double *alpha,
                            cav_err *err)
{
    cav_quadnet_params p = {1, kappa_star, kappa, 0, delta};
    int st = cav_quadnet_check(&p, err);
    if (st) return st;
    if (delta == 0) {
        /* the delta -> 0+ limit: xi -> 0 and theta = 0 at the broadened atom's centre, where
         * h1 -> kappa* - kappa*^2/2 + (1 - kappa*)^2/4 (half the bump above the cut); 1/2 for
         * kappa* >= 1 */
        double k = fmin(kappa_star, 1.0);
        *alpha = k - k * k / 2 + (1 - k) * (1 - k) / 4;
        return CAV_OK;
    }
    qctx c = {&p, err, CAV_OK, -1, {0}, 0};
    thr_ctx t = {&c, CAV_OK};
    const int N = 40;
    double u0 = log(1e-8), u1 = log(1e8 * (1 + delta)), up = u0, fp = 0;
    for (int i = 0; i < N; i++) {
        double u = u0 + (u1 - u0) * i / (N - 1), f = inter_fn(&t, u);
        if (t.st) return t.st;
        if (i > 0 && (f > 0) != (fp > 0)) {
            double r, e = 0, A = 0;
            st = cav_root_brent(inter_fn, &t, up, u, 1e-13, 200, &r, err);
            if (t.st) return t.st;
            if (st && st != CAV_EMAXITER) return st;
            st = state(&c, exp(r), 0, &e, &A, NULL);
            if (st) return st;
            *alpha = A;
            return CAV_OK;
        }
        up = u, fp = f;
    }
    return cav_err_set(err, CAV_ENUMERIC,
                       "quadnet: alpha_inter not bracketed (kappa* %g, delta %g)", kappa_star,
                       delta);
}

/* noiseless interpolating branch at fixed xi: P(theta) = Q0 + theta^2 m0 - m2 + 2 xi A */
typedef struct {
    qctx *c;
    double xi;
    int st;
} pr_ctx;

static double pr_fn(void *t_, double theta)
{
    pr_ctx *t = t_;
    double e = 0, A = 0;
    int st = state(t->c, t->xi, theta, &e, &A, NULL);
    if (st && !t->st) t->st = st;
    return e - 2 * t->xi * A;
}

static int alpha_at_xi(qctx *c, double xi, double *alpha)
{
    pr_ctx t = {c, xi, CAV_OK};
    int st = set_xi(c, xi);
    if (st) return st;
    /* the cut lies in the broadened atom (theta ~ sqrt(xi)): bracket below its top edge; a
     * bracket reaching into the bulk can catch a second, unphysical sign change there */
    /* theta -> 0 is a trivial root at leading order (P/xi -> 0 there), so start the bracket at
     * theta = 1e-2 sqrt(xi), where P < 0 is resolved */
    double top = c->d.hi[0], lo = 1e-2 * sqrt(xi), th;
    double flo = pr_fn(&t, lo);
    if (t.st) return t.st;
    if (flo >= 0) { /* no interpolating solution with theta > 0 */
        th = 0;
    } else {
        st = cav_root_brent(pr_fn, &t, lo, top, 1e-15, 200, &th, c->err);
        if (t.st) return t.st;
        if (st && st != CAV_EMAXITER) return st;
    }
    double e = 0, A = 0;
    st = state(c, xi, th, &e, &A, NULL);
    *alpha = A;
    return st;
}

int cav_quadnet_alpha_pr(double kappa_star, double *alpha, cav_err *err)
{
    cav_quadnet_params p = {1, kappa_star, 2, 0, 0};
    int st = cav_quadnet_check(&p, err);
    if (st) return st;
    if (kappa_star >= 1) {
        *alpha = 0.5;
        return CAV_OK;
    }
    qctx c = {&p, err, CAV_OK, -1, {0}, 0};
    double a1, a2;
    st = alpha_at_xi(&c, 1e-6, &a1);
    if (st) return st;
    st = alpha_at_xi(&c, 1e-8, &a2);
    if (st) return st;
    /* alpha(xi) = alpha_pr + c sqrt(xi) + O(xi): Richardson with the ratio 10 of sqrt(xi) */
    *alpha = (10 * a2 - a1) / 9;
    return CAV_OK;
}

/* ---- the saddle point ---- */

static void finish(const cav_quadnet_params *p, qctx *c, double xi, double theta, int branch,
                   cav_quadnet_result *r)
{
    double e = 0, A = 0, m0 = 0;
    state(c, xi, theta, &e, &A, &m0);
    r->xi = xi, r->theta = theta, r->branch = branch;
    r->mse = e;
    r->test_error = 2 * e + p->delta;
    r->rank = m0;
    if (branch == CAV_QUADNET_REGULARISED)
        r->train_loss = p->alpha * xi * (p->lambda / theta) * (p->lambda / theta);
    else if (branch == CAV_QUADNET_PSD_LS) {
        double t = p->alpha - A;
        r->train_loss = xi * t * t / p->alpha;
    } else
        r->train_loss = 0;
    double g0 = (e + p->delta / 2) / (2 * p->alpha * xi) - 1;
    double g1 = branch == CAV_QUADNET_PSD_LS ? 0 : g1_of(p, A, theta);
    r->residual = fmax(fabs(g0), fabs(g1));
}

int cav_quadnet_theory(const cav_quadnet_params *p, cav_quadnet_warm *warm, cav_quadnet_result *res,
                       cav_err *err)
{
    memset(res, 0, sizeof *res);
    int st = cav_quadnet_check(p, err);
    if (st) return res->status = st;
    qctx c = {p, err, CAV_OK, -1, {0}, 0};

    /* Bayes-optimal reference */
    cav_msense_params bp = {CAV_MSENSE_SYMMETRIC, p->alpha, p->delta, p->kappa_star, 1, 1};
    cav_msense_result br;
    st = cav_msense_theory(&bp, &br, err);
    if (st) return res->status = st;
    res->mse_bo = br.mmse;

    /* branch */
    int branch = CAV_QUADNET_REGULARISED;
    res->alpha_c = NAN;
    if (p->lambda == 0) {
        int cached = warm && warm->has_thr && warm->thr_ks == p->kappa_star &&
                     warm->thr_k == p->kappa && warm->thr_delta == p->delta;
        double thr = cached ? warm->thr : 0;
        if (!cached) {
            st = p->delta > 0
                     ? cav_quadnet_alpha_inter(p->kappa_star, p->kappa, p->delta, &thr, err)
                     : cav_quadnet_alpha_pr(p->kappa_star, &thr, err);
            if (st) return res->status = st;
            if (warm) {
                warm->has_thr = 1, warm->thr = thr;
                warm->thr_ks = p->kappa_star, warm->thr_k = p->kappa, warm->thr_delta = p->delta;
            }
        }
        res->alpha_c = thr;
        if (p->delta > 0)
            branch = p->alpha < thr ? CAV_QUADNET_INTERPOLATING : CAV_QUADNET_PSD_LS;
        else
            branch = p->alpha < thr || p->kappa < p->kappa_star ? CAV_QUADNET_INTERPOLATING
                                                                : CAV_QUADNET_RECOVERED;
    }
    if (branch == CAV_QUADNET_RECOVERED) {
        res->branch = branch;
        res->rank = fmin(p->kappa_star, 1.0);
        snprintf(res->msg, sizeof res->msg, "exact recovery (alpha >= alpha_pr, noiseless)");
        if (warm) warm->has = 0;
        return res->status = CAV_OK;
    }

    double xi = 0, theta = 0;
    int solved = 0;
    if (branch == CAV_QUADNET_PSD_LS) {
        st = bracket_solve(&c, 1, &xi, &theta);
        if (st) {
            snprintf(res->msg, sizeof res->msg, "%.200s",
                     err ? err->msg : "theta = 0 branch failed");
            return res->status = st;
        }
        theta = 0;
        solved = 1;
    } else if (warm && warm->has && warm->branch == branch && warm->theta > 0) {
        double y[2] = {warm->logxi, log(warm->theta)};
        cav_newton_info info;
        cav_err e2 = {0};
        st = cav_newton_solve(newton_fn, &c, 2, y, 1e-11, 40, &info, &e2);
        c.st = CAV_OK;
        if (st == CAV_OK) {
            xi = exp(y[0]), theta = exp(y[1]);
            res->iterations = (int)info.iterations;
            solved = 1;
        }
    }
    if (!solved) {
        st = bracket_solve(&c, 0, &xi, &theta);
        if (st) {
            snprintf(res->msg, sizeof res->msg, "%.200s", err ? err->msg : "bracketing failed");
            return res->status = st;
        }
        if (theta > 0) { /* polish */
            double y[2] = {log(xi), log(theta)};
            cav_newton_info info;
            cav_err e2 = {0};
            if (cav_newton_solve(newton_fn, &c, 2, y, 1e-11, 40, &info, &e2) == CAV_OK)
                xi = exp(y[0]), theta = exp(y[1]), res->iterations = (int)info.iterations;
            c.st = CAV_OK;
        }
    }
    finish(p, &c, xi, theta, branch, res);
    if (warm) warm->has = 1, warm->logxi = log(xi), warm->theta = theta, warm->branch = branch;
    if (!(res->residual < 1e-8)) {
        snprintf(res->msg, sizeof res->msg, "residual %.3g above 1e-8", res->residual);
        return res->status = cav_err_set(err, CAV_EMAXITER, "quadnet: %s", res->msg);
    }
    snprintf(res->msg, sizeof res->msg, "%s, residual %.2g",
             branch == CAV_QUADNET_REGULARISED     ? "lambda > 0"
             : branch == CAV_QUADNET_INTERPOLATING ? "min-nuclear-norm interpolator"
                                                   : "theta = 0 (PSD least squares)",
             res->residual);
    return res->status = CAV_OK;
}
