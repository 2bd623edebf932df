/* The saddle-point driver (see cavity/saddle.h): damped / Anderson fixed point with a capped
 * budget, then Newton on F(x) - x from two starts. */
#include "cavity/saddle.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

cav_saddle_opts cav_saddle_opts_default(void)
{
    cav_saddle_opts o;
    memset(&o, 0, sizeof o);
    o.fixpt = cav_fixpt_opts_default();
    o.fixpt_cap = 100;
    o.newton_cap = 100;
    return o;
}

typedef struct {
    cav_fixpt_map F;
    void *ctx;
    size_t n;
    unsigned positive;
    long evals;
} newton_ctx;

static void to_x(const newton_ctx *c, const double *y, double *x)
{
    for (size_t i = 0; i < c->n; i++)
        x[i] = (c->positive >> i) & 1u ? exp(y[i]) : y[i];
}

/* G(y) = F(x(y)) - x(y) and r = ||G||_inf / (1 + ||x||_inf), as the fixed-point residual. */
static int newton_resid(void *vctx, const double *y, double *g, double *r, cav_err *err)
{
    newton_ctx *c = vctx;
    double x[CAV_NEWTON_MAXN], fx[CAV_NEWTON_MAXN], gn = 0, xn = 0;
    to_x(c, y, x);
    c->evals++;
    int st = c->F(c->ctx, x, fx, err);
    if (st) return st;
    for (size_t i = 0; i < c->n; i++) {
        g[i] = fx[i] - x[i];
        gn = fmax(gn, fabs(g[i]));
        xn = fmax(xn, fabs(x[i]));
    }
    *r = gn / (1.0 + xn);
    return isfinite(*r) ? CAV_OK : cav_err_set(err, CAV_ENUMERIC, "non-finite residual");
}

/* Newton from x (updated in place when it returns). */
static int newton_from(newton_ctx *c, double *x, double tol, int maxit, double *r, long *nit,
                       cav_err *err)
{
    double y[CAV_NEWTON_MAXN];
    for (size_t i = 0; i < c->n; i++) {
        if ((c->positive >> i) & 1u) {
            if (!(x[i] > 0)) return cav_err_set(err, CAV_ENUMERIC, "bad Newton start");
            y[i] = log(x[i]);
        } else {
            y[i] = x[i];
        }
    }
    cav_newton_info info;
    int st = cav_newton_solve(newton_resid, c, c->n, y, tol, maxit, &info, err);
    to_x(c, y, x);
    *r = info.residual;
    *nit += info.iterations;
    return st;
}

int cav_saddle_solve(cav_fixpt_map F, void *ctx, size_t n, const double *x0, double *x,
                     const cav_saddle_opts *opts, cav_saddle_result *out)
{
    cav_saddle_opts o = opts ? *opts : cav_saddle_opts_default();
    memset(out, 0, sizeof *out);
    out->residual = NAN;
    if (n < 1 || n > CAV_NEWTON_MAXN) {
        snprintf(out->msg, sizeof out->msg, "saddle: n = %zu outside [1, %d]", n, CAV_NEWTON_MAXN);
        return out->status = CAV_EINVAL;
    }
    memcpy(x, x0, n * sizeof *x);
    int budget = o.fixpt.max_iter;
    cav_fixpt_opts fo = o.fixpt;
    if (fo.max_iter > o.fixpt_cap) fo.max_iter = o.fixpt_cap;
    cav_fixpt *fp = cav_fixpt_alloc(n);
    if (!fp) {
        snprintf(out->msg, sizeof out->msg, "out of memory");
        return out->status = CAV_ENOMEM;
    }
    int st = cav_fixpt_set(fp, F, ctx, x0, &fo);
    if (st == CAV_OK) st = cav_fixpt_solve(fp, NULL, NULL);
    memcpy(x, cav_fixpt_x(fp), n * sizeof *x);
    out->residual = cav_fixpt_residual(fp);
    out->iterations = (long)cav_fixpt_iterations(fp);
    out->evaluations = (long)cav_fixpt_evaluations(fp);
    snprintf(out->msg, sizeof out->msg, "%.500s", cav_fixpt_error(fp)->msg);
    cav_fixpt_free(fp);
    if (st != CAV_OK && st != CAV_EINVAL && st != CAV_ENOMEM) {
        double starts[2][CAV_NEWTON_MAXN];
        memcpy(starts[0], x, n * sizeof *x);
        memcpy(starts[1], x0, n * sizeof *x);
        int cap = budget < o.newton_cap ? budget : o.newton_cap;
        for (int k = 0; k < 2 && st != CAV_OK; k++) {
            double xn[CAV_NEWTON_MAXN], rn = INFINITY;
            memcpy(xn, starts[k], n * sizeof *x);
            newton_ctx c = {F, ctx, n, o.positive, 0};
            long nit = 0;
            cav_err nerr;
            cav_err_clear(&nerr);
            int stn = newton_from(&c, xn, o.fixpt.tol, cap, &rn, &nit, &nerr);
            out->evaluations += c.evals;
            out->iterations += nit;
            if (stn == CAV_OK || (isfinite(rn) && rn < out->residual)) {
                memcpy(x, xn, n * sizeof *x);
                out->residual = rn;
                out->newton = 1;
                st = stn;
                snprintf(out->msg, sizeof out->msg, "Newton fallback: %.400s",
                         stn ? (nerr.code ? nerr.msg : "residual above tol") : "");
            }
        }
    }
    return out->status = st;
}
