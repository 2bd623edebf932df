/* L2-regularised logistic regression J(w) = sum_mu log(1 + exp(-y_mu a_mu.w)) + (lambda/2)||w||^2,
 * a_mu = x_mu / sqrt(d): L-BFGS, Newton-CG or Newton-Cholesky, chosen by the conditioning.
 *
 * With z = A w, sigma(t) = 1/(1+e^{-t}):
 *   grad J = A^T l' + lambda w,  l'_mu = -y_mu sigma(-y_mu z_mu),
 *   Hess J = A^T D A + lambda I, D_mu = sigma(y z) sigma(-y z) <= 1/4.
 * Every evaluation of (J, grad J, D) and every Hessian-vector product is one fused pass over X
 * (sim_gemv_fused: A v, the pointwise map, A^T of it, with X read once), so the cost of a solve
 * is the number of passes, bitwise the same for any thread count.
 *
 * Methods:
 *   L-BFGS (lbfgs.c): one pass per iteration; the iterations grow like sqrt(cond Hess).
 *   Newton-CG (truncated Newton; Nocedal & Wright, Numerical Optimization, 2nd ed., Alg. 7.1):
 *     the step solves Hess p = -grad by conjugate gradients to the forcing tolerance
 *     ||r|| <= min(0.5, sqrt(||grad||/||grad_0||)) ||grad|| (superlinear local convergence, N&W
 *     Thm 7.2), one pass per CG step plus one per Newton step; few outer steps at any
 *     conditioning. (No Jacobi preconditioner: for Gaussian designs diag(A^T D A) is nearly
 *     constant, and forming it cost a pass per step.)
 *   Newton-Cholesky: the d x d Hessian by dsyrk on row blocks of D^{1/2} A, solved by
 *     Cholesky (O(n d^2) per step; the method of liblinear's primal Newton for small d and of
 *     scikit-learn's "newton-cholesky").
 *   AUTO: the Hessian's condition number is at most kappa = (c_max + lambda)/lambda with
 *     c_max = (1 + sqrt(n/d))^2 / 4 (D <= 1/4 and the top of the Marchenko-Pastur law of
 *     A^T A); L-BFGS when kappa <= 1000, where it needs fewer passes than Newton-CG (measured:
 *     12 to 65 iterations at n/d = 2 to 20, lambda = 1 and 0.01), Newton-CG otherwise (at
 *     lambda = 1e-3, n/d = 2 L-BFGS needed 133 to 172 iterations against about 10 Newton steps
 *     and the same number of passes). An L-BFGS run that has not converged after 300
 *     iterations continues with Newton-CG from where it is.
 * All globalise with Armijo backtracking on J (sim_erm_step). Stopping rule (cavity/sim.h):
 * ||grad J(w)|| <= tol ||grad J(0)||, also when warm-started. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "sim/erm/erm_internal.h"
#include "sim/gd/gd_internal.h"

#define LOGIT_KAPPA_LBFGS 1000.0 /* AUTO: L-BFGS up to this condition-number bound */
#define LOGIT_LBFGS_BUDGET 300   /* AUTO: L-BFGS iterations before Newton-CG takes over */

/* Hessian-vector product: out = lambda v + s X^T (D o s X v), one fused pass. */
typedef struct {
    const double *D;
} hv_rows;

static void hv_rowfn(void *ctx, size_t i0, size_t m, const double *h, double *g)
{
    const double *D = ((const hv_rows *)ctx)->D + i0;
    for (size_t i = 0; i < m; i++)
        g[i] = D[i] * h[i];
}

static void hessvec(const sim_erm_problem *P, const double *v, double *out, double *t, double *u,
                    double *work)
{
    hv_rows c = {P->D};
    sim_gemv_fused(P->n, P->d, P->X, P->s, v, 0.0, t, hv_rowfn, &c, u, work);
    memcpy(out, v, P->d * sizeof *out);
    sim_gemv_t_reduce(P->n, P->d, P->s, P->lambda, out, work);
}

/* CG for H p = -g from p = 0 to ||r|| <= rtol. Returns the iterations. */
static long cg(const sim_erm_problem *P, const double *g, double rtol, long cg_max, double *p,
               double *r, double *q, double *Hq, double *t, double *u, double *work)
{
    const size_t d = P->d;
    for (size_t j = 0; j < d; j++) {
        p[j] = 0.0;
        r[j] = -g[j];
        q[j] = r[j];
    }
    double rr = cav_la_dot(d, r, r);
    long it = 0;
    while (sqrt(rr) > rtol && it < cg_max) {
        hessvec(P, q, Hq, t, u, work);
        double qHq = cav_la_dot(d, q, Hq);
        if (!(qHq > 0)) break;
        double a = rr / qHq;
        cblas_daxpy((blasint)d, a, q, 1, p, 1);
        cblas_daxpy((blasint)d, -a, Hq, 1, r, 1);
        double rr1 = cav_la_dot(d, r, r), b = rr1 / rr;
        rr = rr1;
        for (size_t j = 0; j < d; j++)
            q[j] = r[j] + b * q[j];
        it++;
    }
    return it;
}

/* Newton step by Cholesky of the explicit Hessian; B is a (blk x d) scratch, H d x d. */
static int chol_step(const sim_erm_problem *P, const double *g, double *H, double *B, size_t blk,
                     double *p)
{
    size_t n = P->n, d = P->d;
    for (size_t i0 = 0; i0 < n; i0 += blk) {
        size_t nb = i0 + blk < n ? blk : n - i0;
        for (size_t i = 0; i < nb; i++) {
            double c = sqrt(P->D[i0 + i]) * P->s;
            const double *xi = P->X + (i0 + i) * d;
            double *bi = B + i * d;
            for (size_t j = 0; j < d; j++)
                bi[j] = c * xi[j];
        }
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (blasint)d, (blasint)nb, 1.0, B,
                    (blasint)d, i0 == 0 ? 0.0 : 1.0, H, (blasint)d);
    }
    for (size_t j = 0; j < d; j++) {
        H[j * d + j] += P->lambda;
        p[j] = -g[j];
    }
    return cav_la_posv(d, 1, H, p);
}

/* Newton-CG or Newton-Cholesky from w (warm) or 0; fit->iterations / inner are added to. */
static int newton(const sim_erm_problem *P, const cav_sim_opts *o, int chol, int warm, double *w,
                  cav_sim_fit *fit, cav_err *err)
{
    const size_t n = P->n, d = P->d;
    const size_t blk = ((size_t)1 << 21) / d > 256 ? ((size_t)1 << 21) / d : 256;
    double *buf = malloc((6 * n + (7 + SIM_GEMV_T_CHUNKS) * d) * sizeof *buf);
    double *H = NULL, *B = NULL;
    if (!buf) return cav_err_set(err, CAV_ENOMEM, "cav_sim_logistic: n = %zu, d = %zu", n, d);
    double *z = buf, *zt = z + n, *h = zt + n, *l = h + n, *dl = l + n;
    double *g = buf + 6 * n, *gt = g + d, *p = gt + d, *wt = p + d, *r = wt + d, *q = r + d,
           *Hq = q + d, *work = Hq + d;
    sim_erm_problem Pn = *P;
    Pn.D = dl + n; /* the 6th n-block */
    double g0 = sim_erm_grad0(&Pn, h, l, dl, g, work), J;
    if (!(g0 > 0)) g0 = 1.0;
    if (warm) {
        J = sim_erm_eval(&Pn, w, z, l, dl, g, work);
    } else {
        memset(w, 0, d * sizeof *w);
        memset(z, 0, n * sizeof *z);
        J = 0.0;
        for (size_t i = 0; i < n; i++)
            J += l[i];
    }
    double gn = cav_la_nrm2(d, g);
    int st = CAV_EMAXITER;
    long it;
    for (it = 0;; it++) {
        if (!isfinite(J) || !isfinite(gn)) {
            st = cav_err_set(err, CAV_ENUMERIC,
                             "cav_sim_logistic: non-finite objective at iteration %ld", it);
            break;
        }
        if (gn <= o->tol * g0) {
            st = CAV_OK;
            break;
        }
        if (it >= o->max_iter) break;
        if (chol) {
            if (!H) {
                H = malloc(d * d * sizeof *H);
                B = malloc(blk * d * sizeof *B);
                if (!H || !B) {
                    st = cav_err_set(err, CAV_ENOMEM, "cav_sim_logistic: Hessian d = %zu", d);
                    break;
                }
            }
            int info = chol_step(&Pn, g, H, B, blk, p);
            if (info != 0) {
                st = cav_err_set(err, CAV_ENUMERIC, "cav_sim_logistic: Cholesky info %d", info);
                break;
            }
        } else {
            double eta = fmin(0.5, sqrt(gn / g0));
            fit->inner += cg(&Pn, g, eta * gn, (long)d, p, r, q, Hq, h, zt, work);
        }
        if (!(cav_la_dot(d, g, p) < 0)) /* not a descent direction (CG breakdown): steepest */
            for (size_t j = 0; j < d; j++)
                p[j] = -g[j];
        double Jt;
        if (!sim_erm_step(&Pn, J, g, w, p, wt, z, zt, h, l, dl, gt, work, &Jt)) {
            /* no decrease at any representable step: we are at the rounding floor of J */
            st = gn <= o->tol * g0 ? CAV_OK : CAV_EMAXITER;
            break;
        }
        memcpy(w, wt, d * sizeof *w);
        memcpy(g, gt, d * sizeof *g);
        double *tz = z;
        z = zt, zt = tz;
        J = Jt;
        gn = cav_la_nrm2(d, g);
    }
    fit->iterations += it;
    fit->objective = J;
    fit->residual = gn / g0;
    if (st == CAV_EMAXITER)
        cav_err_set(err, CAV_EMAXITER,
                    "cav_sim_logistic: relative gradient %.3g > tol %.3g after %ld Newton steps",
                    gn / g0, o->tol, it);
    free(buf), free(H), free(B);
    return st;
}

static int logistic(size_t n, size_t d, const double *X, const double *y, double lambda,
                    const cav_sim_opts *opts_in, int warm, double *w, cav_sim_fit *fit,
                    cav_err *err)
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
    static const cav_loss logit = {&cav_loss_logistic, {0, 0}};
    sim_erm_problem P = {
        n, d, X, y, lambda, 1.0 / sqrt((double)d), sim_vtable_lossfn, (void *)&logit, NULL};
    int method = o.method;
    if (method == CAV_SIM_AUTO) {
        double e = 1.0 + sqrt((double)n / (double)d), kappa = (0.25 * e * e + lambda) / lambda;
        method = kappa <= LOGIT_KAPPA_LBFGS ? CAV_SIM_LBFGS : CAV_SIM_NEWTON_CG;
        if (method == CAV_SIM_LBFGS) {
            cav_sim_opts ol = o;
            ol.max_iter = o.max_iter < LOGIT_LBFGS_BUDGET ? o.max_iter : LOGIT_LBFGS_BUDGET;
            int st = sim_lbfgs_core(&P, &ol, warm, w, fit, err);
            if (st != CAV_EMAXITER || ol.max_iter == o.max_iter) return fit->status = st;
            /* slow: Newton-CG from here for the rest of the budget */
            o.max_iter -= fit->iterations;
            return fit->status = newton(&P, &o, 0, 1, w, fit, err);
        }
    }
    if (method == CAV_SIM_LBFGS) return fit->status = sim_lbfgs_core(&P, &o, warm, w, fit, err);
    return fit->status = newton(&P, &o, method == CAV_SIM_NEWTON_CHOL, warm, w, fit, err);
}

int cav_sim_logistic(size_t n, size_t d, const double *X, const double *y, double lambda,
                     const cav_sim_opts *opts, double *w, cav_sim_fit *fit, cav_err *err)
{
    return logistic(n, d, X, y, lambda, opts, 0, w, fit, err);
}

int cav_sim_logistic_warm(size_t n, size_t d, const double *X, const double *y, double lambda,
                          const cav_sim_opts *opts, double *w, cav_sim_fit *fit, cav_err *err)
{
    return logistic(n, d, X, y, lambda, opts, 1, w, fit, err);
}
