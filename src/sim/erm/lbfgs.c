/* Generic smooth-loss ERM J(w) = sum_mu l(y_mu, a_mu.w) + (lambda/2)||w||^2, a_mu = x_mu/sqrt(d),
 * by limited-memory BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., Alg. 7.4 two-loop
 * recursion with H0 = (s.y / y.y) I, Alg. 7.5), globalised by Armijo backtracking along the ray.
 * Curvature pairs with s.y <= 1e-12 |s||y| are skipped, which keeps the inverse-Hessian model
 * positive definite without a Wolfe search. Stopping rule: ||grad J(w)|| <= tol ||grad J(0)||.
 * Also holds the ERM dispatcher.
 *
 * Cost: one pass over X per iteration. Every evaluation of (J, grad J) at a point is one fused
 * pass (sim_gemv_fused: the fields z = A w, the loss and its derivative, and A^T l' while the
 * rows are in cache), bitwise the same for any thread count. An iteration evaluates the trial
 * point w + p directly; the unit step is accepted in almost every iteration, and when it is not,
 * A p = z(w + p) - z(w) gives J along the ray in O(n) per trial, and only the accepted point
 * costs a second pass. (scipy's L-BFGS-B on numpy reads X twice per evaluation.) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "sim/erm/erm_internal.h"
#include "sim/gd/gd_internal.h"

static double sum(size_t n, const double *v)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

/* Row block of an evaluation: loss values into e->l, derivatives into g (rows of dl), l'' into
 * e->D when wanted. */
typedef struct {
    const sim_erm_problem *P;
    double *l;
} eval_rows;

static void eval_rowfn(void *ctx, size_t i0, size_t m, const double *h, double *g)
{
    const eval_rows *e = ctx;
    const sim_erm_problem *P = e->P;
    P->lossfn(P->ctx, m, P->y + i0, h, e->l + i0, g, P->D ? P->D + i0 : NULL);
}

double sim_erm_eval(const sim_erm_problem *P, const double *w, double *z, double *l, double *dl,
                    double *g, double *work)
{
    eval_rows e = {P, l};
    sim_gemv_fused(P->n, P->d, P->X, P->s, w, 0.0, z, eval_rowfn, &e, dl, work);
    memcpy(g, w, P->d * sizeof *g);
    sim_gemv_t_reduce(P->n, P->d, P->s, P->lambda, g, work); /* g = lambda w + s X^T l' */
    return sum(P->n, l) + 0.5 * P->lambda * cav_la_dot(P->d, w, w);
}

double sim_erm_grad0(const sim_erm_problem *P, double *h, double *l, double *dl, double *g,
                     double *work)
{
    memset(h, 0, P->n * sizeof *h);
    P->lossfn(P->ctx, P->n, P->y, h, l, dl, P->D);
    sim_gemv_t(P->n, P->d, P->s, P->X, dl, 0.0, g, work);
    return cav_la_nrm2(P->d, g);
}

int sim_erm_step(const sim_erm_problem *P, double J, const double *g, const double *w,
                 const double *p, double *wt, const double *z, double *zt, double *h, double *l,
                 double *dl, double *gt, double *work, double *Jt)
{
    const size_t n = P->n, d = P->d;
    const double gp = cav_la_dot(d, g, p);
    for (size_t j = 0; j < d; j++)
        wt[j] = w[j] + p[j];
    *Jt = sim_erm_eval(P, wt, zt, l, dl, gt, work);
    if (*Jt <= J + 1e-4 * gp) return 1;
    /* Near the optimum the predicted decrease -gp falls below the rounding error of J (a sum of
     * n terms), and the Armijo test on J decides by noise: then the gradient norm decides (the
     * merit function of Newton's method near a strongly convex minimum). Without this a tight
     * gradient tolerance stalled: 150 Newton-CG steps at n = 20000, d = 1000, lambda = 1. */
    if (-gp <= 1e-12 * fabs(J) && cav_la_nrm2(d, gt) < cav_la_nrm2(d, g)) return 1;
    /* backtrack along the ray: s X p = z(w + p) - z(w), O(n) per trial */
    const double ww = cav_la_dot(d, w, w), wp = cav_la_dot(d, w, p), pp = cav_la_dot(d, p, p);
    for (size_t i = 0; i < n; i++)
        zt[i] -= z[i];
    double step = 0.5;
    for (int ls = 0; ls < 60; ls++, step *= 0.5) {
        for (size_t i = 0; i < n; i++)
            h[i] = z[i] + step * zt[i];
        P->lossfn(P->ctx, n, P->y, h, l, dl, NULL);
        double Js = sum(n, l) + 0.5 * P->lambda * (ww + 2 * step * wp + step * step * pp);
        if (Js <= J + 1e-4 * step * gp) {
            for (size_t j = 0; j < d; j++)
                wt[j] = w[j] + step * p[j];
            *Jt = sim_erm_eval(P, wt, zt, l, dl, gt, work);
            return 1;
        }
    }
    return 0;
}

int sim_lbfgs_core(const sim_erm_problem *P, const cav_sim_opts *opts, int warm, double *w,
                   cav_sim_fit *fit, cav_err *err)
{
    cav_sim_opts o = sim_opts(opts);
    const size_t n = P->n, d = P->d, m = o.lbfgs_m > 0 ? (size_t)o.lbfgs_m : 10;
    memset(fit, 0, sizeof *fit);
    fit->separable = -1;
    fit->nsv = -1;
    double *buf = malloc((5 * n + (4 + SIM_GEMV_T_CHUNKS) * d + 2 * m * d + 2 * m) * sizeof *buf);
    if (!buf) return fit->status = cav_err_set(err, CAV_ENOMEM, "lbfgs: n = %zu, d = %zu", n, d);
    double *z = buf, *zt = z + n, *h = zt + n, *l = h + n, *dl = l + n;
    double *g = dl + n, *gt = g + d, *p = gt + d, *wt = p + d;
    double *work = wt + d, *S = work + SIM_GEMV_T_CHUNKS * d, *Yv = S + m * d, *rho = Yv + m * d,
           *al = rho + m;
    size_t nstored = 0, head = 0;
    double g0 = sim_erm_grad0(P, h, l, dl, g, work), J;
    if (!(g0 > 0)) g0 = 1.0;
    if (warm) {
        J = sim_erm_eval(P, w, z, l, dl, g, work);
    } else {
        memset(w, 0, d * sizeof *w);
        memset(z, 0, n * sizeof *z);
        J = sum(n, l); /* l, g hold the values at w = 0 from sim_erm_grad0 */
    }
    double gn = cav_la_nrm2(d, g);
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
        if (!(cav_la_dot(d, g, p) < 0)) {
            for (size_t j = 0; j < d; j++)
                p[j] = -g[j] / gn;
            nstored = 0;
        }
        double Jt;
        if (!sim_erm_step(P, J, g, w, p, wt, z, zt, h, l, dl, gt, work, &Jt))
            break; /* no decrease: rounding floor; report the residual reached */
        double *skk = S + head * d, *ykk = Yv + head * d;
        for (size_t j = 0; j < d; j++) {
            skk[j] = wt[j] - w[j];
            ykk[j] = gt[j] - g[j];
        }
        double sy = cav_la_dot(d, skk, ykk);
        if (sy > 1e-12 * cav_la_nrm2(d, skk) * cav_la_nrm2(d, ykk)) {
            rho[head] = 1.0 / sy;
            head = (head + 1) % m;
            if (nstored < m) nstored++;
        }
        memcpy(w, wt, d * sizeof *w);
        memcpy(g, gt, d * sizeof *g);
        double *tz = z;
        z = zt, zt = tz;
        J = Jt;
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

void sim_vtable_lossfn(void *ctx, size_t n, const double *y, const double *h, double *l, double *dl,
                       double *ddl)
{
    const cav_loss *loss = ctx;
    loss->type->value(loss, n, y, h, l, dl, ddl);
}

static int lbfgs_entry(const cav_loss *loss, size_t n, size_t d, const double *X, const double *y,
                       double lambda, const cav_sim_opts *opts, int warm, double *w,
                       cav_sim_fit *fit, cav_err *err)
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
    sim_erm_problem P = {
        n, d, X, y, lambda, 1.0 / sqrt((double)d), sim_vtable_lossfn, (void *)loss, NULL};
    return sim_lbfgs_core(&P, opts, warm, w, fit, err);
}

int cav_sim_lbfgs(const cav_loss *loss, size_t n, size_t d, const double *X, const double *y,
                  double lambda, const cav_sim_opts *opts, double *w, cav_sim_fit *fit,
                  cav_err *err)
{
    return lbfgs_entry(loss, n, d, X, y, lambda, opts, 0, w, fit, err);
}

int cav_sim_lbfgs_warm(const cav_loss *loss, size_t n, size_t d, const double *X, const double *y,
                       double lambda, const cav_sim_opts *opts, double *w, cav_sim_fit *fit,
                       cav_err *err)
{
    return lbfgs_entry(loss, n, d, X, y, lambda, opts, 1, w, fit, err);
}

static int erm(const cav_loss *loss, size_t n, size_t d, const double *X, const double *y,
               double lambda, const cav_sim_opts *opts, int warm, double *w, cav_sim_fit *fit,
               cav_err *err)
{
    switch (sim_loss_kind(loss)) {
    case SIM_LOSS_SQUARE:
        return cav_sim_ridge(n, d, X, y, lambda, w, fit, err);
    case SIM_LOSS_LOGISTIC:
        return warm ? cav_sim_logistic_warm(n, d, X, y, lambda, opts, w, fit, err)
                    : cav_sim_logistic(n, d, X, y, lambda, opts, w, fit, err);
    case SIM_LOSS_HINGE:
        return cav_sim_svm(n, d, X, y, lambda, opts, w, NULL, fit, err);
    default:
        return lbfgs_entry(loss, n, d, X, y, lambda, opts, warm, w, fit, err);
    }
}

int cav_sim_erm(const cav_loss *loss, size_t n, size_t d, const double *X, const double *y,
                double lambda, const cav_sim_opts *opts, double *w, cav_sim_fit *fit, cav_err *err)
{
    return erm(loss, n, d, X, y, lambda, opts, 0, w, fit, err);
}

int cav_sim_erm_warm(const cav_loss *loss, size_t n, size_t d, const double *X, const double *y,
                     double lambda, const cav_sim_opts *opts, double *w, cav_sim_fit *fit,
                     cav_err *err)
{
    return erm(loss, n, d, X, y, lambda, opts, 1, w, fit, err);
}
