/* num/fixpt.c — fixed-point solver x = F(x) for saddle-point and state-evolution equations.
 *
 * Contract in cavity/fixpt.h. The residual is r(x) = ||F(x) - x||_inf / (1 + ||x||_inf).
 *
 * Damped Picard with adaptive damping a:
 *   x+ = x + a g,  g = F(x) - x.
 *   A trial whose residual exceeds grow_tol * r(x), is non-finite, or that the map refuses, is
 *   rejected and a is halved (retry from the same x); a trial with r(x+) > r(x) but within
 *   grow_tol is accepted and a is halved; after `patience` consecutive steps that lowered the
 *   residual a grows by 1.5 (up to damping_max). This is what makes a map with |F'| > 1 at the
 *   fixed point (plain iteration diverges) converge: for F(x) = c - 2x the damped map has slope
 *   1 - 3a, contracting for a < 2/3.
 * Anderson acceleration, type II (Anderson, J. ACM 12, 547 (1965); Walker & Ni, SIAM J. Numer.
 *   Anal. 49, 1715 (2011), "Anderson mixing" with mixing parameter beta = a):
 *   with the last p <= m differences dX_j = x_{j+1} - x_j, dG_j = g_{j+1} - g_j,
 *       gamma = argmin || g - dG gamma ||_2,
 *       x_A   = x + a g - (dX + a dG) gamma.
 *   The least-squares problem is solved by Householder QR on the newest-first columns, truncated
 *   at the first column whose |R_jj| < 1e-10 |R_00| (drops old, nearly dependent directions).
 *   x_A is accepted only if the map accepts it and r(x_A) < r(x); otherwise the damped step is
 *   taken. Differences of every accepted step enter the history.
 * All buffers are allocated by alloc (n-sized) and set (Anderson history); iterate allocates
 * nothing.
 */
#include "cavity/fixpt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct cav_fixpt {
    size_t n;
    cav_fixpt_map F;
    void *ctx;
    cav_fixpt_opts o;
    double *x, *fx, *g;    /* current iterate, F(x), F(x) - x */
    double *xt, *fxt, *gt; /* trial */
    double r;              /* residual of the current iterate */
    double a;              /* damping */
    int good;              /* consecutive improving steps */
    size_t iter, nev;
    int ready;
    /* Anderson history: circular buffers of mcap columns of length n. */
    int mcap, hcount, hhead;
    double *dX, *dG, *A, *b, *gam, *diag;
    cav_err err, maperr;
};

cav_fixpt_opts cav_fixpt_opts_default(void)
{
    cav_fixpt_opts o;
    o.tol = 1e-10;
    o.max_iter = 10000;
    o.damping = 1.0;
    o.damping_min = 1e-4;
    o.damping_max = 1.0;
    o.anderson_m = 5;
    o.grow_tol = 2.0;
    o.patience = 5;
    return o;
}

cav_fixpt *cav_fixpt_alloc(size_t n)
{
    if (n == 0) return NULL;
    cav_fixpt *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->n = n;
    double *buf = malloc(6 * n * sizeof(double));
    if (!buf) {
        free(s);
        return NULL;
    }
    s->x = buf;
    s->fx = buf + n;
    s->g = buf + 2 * n;
    s->xt = buf + 3 * n;
    s->fxt = buf + 4 * n;
    s->gt = buf + 5 * n;
    s->o = cav_fixpt_opts_default();
    return s;
}

static void free_history(cav_fixpt *s)
{
    free(s->dX);
    s->dX = s->dG = s->A = s->b = s->gam = s->diag = NULL;
    s->mcap = 0;
}

void cav_fixpt_free(cav_fixpt *s)
{
    if (!s) return;
    free_history(s);
    /* the six n-vectors share one block starting at the lowest of the (swapped) pointers */
    double *p[6] = {s->x, s->fx, s->g, s->xt, s->fxt, s->gt};
    double *lo = p[0];
    for (int i = 1; i < 6; i++)
        if (p[i] < lo) lo = p[i];
    free(lo);
    free(s);
}

static double residual(size_t n, const double *x, const double *g)
{
    double gm = 0.0, xm = 0.0;
    for (size_t i = 0; i < n; i++) {
        double ag = fabs(g[i]), ax = fabs(x[i]);
        if (!(ag <= gm)) gm = ag; /* propagates NaN */
        if (ax > xm) xm = ax;
    }
    return gm / (1.0 + xm);
}

/* Evaluate F at x into fx and g; returns the map's status, CAV_ENUMERIC for a non-finite value. */
static int evaluate(cav_fixpt *s, const double *x, double *fx, double *g, double *r)
{
    cav_err_clear(&s->maperr);
    s->nev++;
    int st = s->F(s->ctx, x, fx, &s->maperr);
    if (st != CAV_OK) {
        if (st < 0) /* an indicative status is not a value: treat as a refusal */
            st = CAV_ENUMERIC;
        if (s->maperr.msg[0] == '\0') cav_err_set(&s->maperr, st, "map refused the point");
        return st;
    }
    for (size_t i = 0; i < s->n; i++) {
        g[i] = fx[i] - x[i];
        if (!isfinite(fx[i]))
            return cav_err_set(&s->maperr, CAV_ENUMERIC, "map returned F[%zu] = %g", i, fx[i]);
    }
    *r = residual(s->n, x, g);
    return CAV_OK;
}

int cav_fixpt_set(cav_fixpt *s, cav_fixpt_map F, void *ctx, const double *x0,
                  const cav_fixpt_opts *opts)
{
    if (!s) return CAV_EINVAL;
    s->ready = 0;
    cav_err_clear(&s->err);
    if (!F || !x0) return cav_err_set(&s->err, CAV_EINVAL, "fixpt: map and x0 must not be NULL");
    cav_fixpt_opts o = opts ? *opts : cav_fixpt_opts_default();
    if (!(o.tol > 0.0))
        return cav_err_set(&s->err, CAV_EINVAL, "fixpt: tol = %g must be positive", o.tol);
    if (o.max_iter < 1)
        return cav_err_set(&s->err, CAV_EINVAL, "fixpt: max_iter = %d must be >= 1", o.max_iter);
    if (!(o.damping_min > 0.0 && o.damping_min <= o.damping_max && o.damping_max <= 1.0))
        return cav_err_set(&s->err, CAV_EINVAL,
                           "fixpt: need 0 < damping_min (%g) <= damping_max (%g) <= 1",
                           o.damping_min, o.damping_max);
    if (!(o.damping >= o.damping_min && o.damping <= o.damping_max))
        return cav_err_set(&s->err, CAV_EINVAL, "fixpt: damping = %g outside [%g, %g]", o.damping,
                           o.damping_min, o.damping_max);
    if (o.anderson_m < 0 || o.anderson_m > 100)
        return cav_err_set(&s->err, CAV_EINVAL, "fixpt: anderson_m = %d outside [0, 100]",
                           o.anderson_m);
    if (!(o.grow_tol >= 1.0))
        return cav_err_set(&s->err, CAV_EINVAL, "fixpt: grow_tol = %g must be >= 1", o.grow_tol);
    if (o.patience < 1)
        return cav_err_set(&s->err, CAV_EINVAL, "fixpt: patience = %d must be >= 1", o.patience);
    if (o.anderson_m > s->mcap) {
        free_history(s);
        size_t n = s->n, m = (size_t)o.anderson_m;
        double *buf = malloc((3 * n * m + n + 2 * m) * sizeof(double));
        if (!buf)
            return cav_err_set(&s->err, CAV_ENOMEM, "fixpt: no memory for Anderson(%d)",
                               o.anderson_m);
        s->dX = buf;
        s->dG = buf + n * m;
        s->A = buf + 2 * n * m;
        s->b = buf + 3 * n * m;
        s->gam = s->b + n;
        s->diag = s->gam + m;
        s->mcap = o.anderson_m;
    }
    s->F = F;
    s->ctx = ctx;
    s->o = o;
    s->a = o.damping;
    s->good = 0;
    s->iter = 0;
    s->nev = 0;
    s->hcount = s->hhead = 0;
    memcpy(s->x, x0, s->n * sizeof(double));
    int st = evaluate(s, s->x, s->fx, s->g, &s->r);
    if (st != CAV_OK)
        return cav_err_set(&s->err, st, "fixpt: map failed at the start point: %s", s->maperr.msg);
    s->ready = 1;
    cav_err_set(&s->err, CAV_CONTINUE, "started: residual %.3g", s->r);
    return CAV_OK;
}

/* Anderson candidate into xt. Returns the number of history columns used (0: none). */
static int anderson_point(cav_fixpt *s)
{
    const size_t n = s->n;
    const int m = s->o.anderson_m;
    int p = s->hcount;
    if ((size_t)p > n) p = (int)n;
    if (p == 0) return 0;
    /* A: n x p column-major, newest difference first; b = g. */
    for (int j = 0; j < p; j++) {
        int idx = ((s->hhead - 1 - j) % m + m) % m;
        memcpy(s->A + (size_t)j * n, s->dG + (size_t)idx * n, n * sizeof(double));
    }
    memcpy(s->b, s->g, n * sizeof(double));
    int rank = p;
    for (int j = 0; j < p; j++) {
        double *aj = s->A + (size_t)j * n;
        double nrm = 0.0;
        for (size_t i = (size_t)j; i < n; i++)
            nrm += aj[i] * aj[i];
        nrm = sqrt(nrm);
        if (!(nrm > 1e-10 * (j ? fabs(s->diag[0]) : 0.0)) || nrm == 0.0) {
            rank = j;
            break;
        }
        double alpha = aj[j] > 0 ? -nrm : nrm;
        aj[j] -= alpha; /* v = a_j - alpha e_j stored in place */
        double vv = 0.0;
        for (size_t i = (size_t)j; i < n; i++)
            vv += aj[i] * aj[i];
        s->diag[j] = alpha;
        for (int c = j + 1; c <= p; c++) { /* c == p: the right-hand side */
            double *ac = c < p ? s->A + (size_t)c * n : s->b;
            double d = 0.0;
            for (size_t i = (size_t)j; i < n; i++)
                d += aj[i] * ac[i];
            d *= 2.0 / vv;
            for (size_t i = (size_t)j; i < n; i++)
                ac[i] -= d * aj[i];
        }
    }
    if (rank == 0) return 0;
    for (int j = rank - 1; j >= 0; j--) {
        double t = s->b[j];
        for (int c = j + 1; c < rank; c++)
            t -= s->A[(size_t)c * n + (size_t)j] * s->gam[c];
        s->gam[j] = t / s->diag[j];
    }
    const double a = s->a;
    for (size_t i = 0; i < n; i++)
        s->xt[i] = s->x[i] + a * s->g[i];
    for (int j = 0; j < rank; j++) {
        int idx = ((s->hhead - 1 - j) % m + m) % m;
        const double *dx = s->dX + (size_t)idx * n, *dg = s->dG + (size_t)idx * n;
        for (size_t i = 0; i < n; i++)
            s->xt[i] -= (dx[i] + a * dg[i]) * s->gam[j];
    }
    return rank;
}

/* Make the trial the current iterate, recording the differences in the history. */
static void accept_trial(cav_fixpt *s, double rt)
{
    const size_t n = s->n;
    if (s->o.anderson_m > 0) {
        double *dx = s->dX + (size_t)s->hhead * n, *dg = s->dG + (size_t)s->hhead * n;
        for (size_t i = 0; i < n; i++) {
            dx[i] = s->xt[i] - s->x[i];
            dg[i] = s->gt[i] - s->g[i];
        }
        s->hhead = (s->hhead + 1) % s->o.anderson_m;
        if (s->hcount < s->o.anderson_m) s->hcount++;
    }
    double *t;
    t = s->x, s->x = s->xt, s->xt = t;
    t = s->fx, s->fx = s->fxt, s->fxt = t;
    t = s->g, s->g = s->gt, s->gt = t;
    if (rt <= s->r) {
        if (++s->good >= s->o.patience) {
            s->a = fmin(1.5 * s->a, s->o.damping_max);
            s->good = 0;
        }
    } else {
        s->a = fmax(0.5 * s->a, s->o.damping_min);
        s->good = 0;
    }
    s->r = rt;
    s->iter++;
}

int cav_fixpt_iterate(cav_fixpt *s)
{
    if (!s || !s->ready)
        return s ? cav_err_set(&s->err, CAV_EINVAL, "fixpt: iterate before a successful set")
                 : CAV_EINVAL;
    const size_t n = s->n;
    double rt;
    if (s->o.anderson_m > 0 && anderson_point(s) > 0) {
        int st = evaluate(s, s->xt, s->fxt, s->gt, &rt);
        if (st == CAV_OK && rt < s->r) {
            accept_trial(s, rt);
            return CAV_OK;
        }
    }
    int last = CAV_OK; /* why the last trial was rejected: the map's status or CAV_EDIVERGE */
    for (;;) {
        for (size_t i = 0; i < n; i++)
            s->xt[i] = s->x[i] + s->a * s->g[i];
        int st = evaluate(s, s->xt, s->fxt, s->gt, &rt);
        if (st == CAV_OK && rt <= s->o.grow_tol * s->r) {
            accept_trial(s, rt);
            return CAV_OK;
        }
        last = st == CAV_OK ? CAV_EDIVERGE : st;
        s->good = 0;
        if (s->a * 0.5 < s->o.damping_min) {
            if (last == CAV_EDIVERGE)
                return cav_err_set(&s->err, CAV_EDIVERGE,
                                   "fixpt: residual grows (%.3g -> %.3g) even at damping %.3g "
                                   "(damping_min %.3g) after %zu iterations",
                                   s->r, rt, s->a, s->o.damping_min, s->iter);
            return cav_err_set(&s->err, last,
                               "fixpt: map refused every step down to damping %.3g after %zu "
                               "iterations: %s",
                               s->a, s->iter, s->maperr.msg);
        }
        s->a *= 0.5;
    }
}

int cav_fixpt_test(const cav_fixpt *s, double tol)
{
    if (!s || !s->ready) return CAV_EINVAL;
    return s->r <= tol ? CAV_OK : CAV_CONTINUE;
}

int cav_fixpt_solve(cav_fixpt *s, cav_fixpt_observer obs, void *obs_ctx)
{
    if (!s || !s->ready)
        return s ? cav_err_set(&s->err, CAV_EINVAL, "fixpt: solve before a successful set")
                 : CAV_EINVAL;
    for (;;) {
        if (cav_fixpt_test(s, s->o.tol) == CAV_OK)
            return cav_err_set(&s->err, CAV_OK,
                               "converged: residual %.3g <= %.3g after %zu iterations (%zu "
                               "evaluations, damping %.3g)",
                               s->r, s->o.tol, s->iter, s->nev, s->a);
        if (s->iter >= (size_t)s->o.max_iter)
            return cav_err_set(&s->err, CAV_EMAXITER,
                               "not converged: residual %.3g > %.3g after %zu iterations "
                               "(damping %.3g)",
                               s->r, s->o.tol, s->iter, s->a);
        int st = cav_fixpt_iterate(s);
        if (st != CAV_OK) return st;
        if (obs && obs(obs_ctx, s->iter, s->x, s->r) != 0) {
            if (cav_fixpt_test(s, s->o.tol) == CAV_OK) continue; /* report convergence */
            return cav_err_set(&s->err, CAV_CONTINUE,
                               "stopped by the observer: residual %.3g after %zu iterations", s->r,
                               s->iter);
        }
    }
}

const double *cav_fixpt_x(const cav_fixpt *s)
{
    return s->x;
}

double cav_fixpt_residual(const cav_fixpt *s)
{
    return s->r;
}

size_t cav_fixpt_iterations(const cav_fixpt *s)
{
    return s->iter;
}

size_t cav_fixpt_evaluations(const cav_fixpt *s)
{
    return s->nev;
}

double cav_fixpt_damping(const cav_fixpt *s)
{
    return s->a;
}

const cav_err *cav_fixpt_error(const cav_fixpt *s)
{
    return &s->err;
}
