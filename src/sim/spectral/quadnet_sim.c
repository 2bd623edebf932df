/* sim/spectral/quadnet_sim.c — ERM of a quadratic network at finite d: the convex problem on S by
 * accelerated proximal gradient with the PSD eigenvalue soft-threshold, or gradient descent on the
 * weights W (contract and conventions in cavity/spectral_sim.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "cavity/rng.h"
#include "cavity/spectral_sim.h"
#include "sim/spectral/spectral_sim_internal.h"

/* ---- sensing operator ---- */

int qs_alloc(qs_op *o, int d, int n, cav_sensing kind, uint64_t seed)
{
    memset(o, 0, sizeof *o);
    o->d = d, o->n = n, o->kind = kind;
    size_t dd = (size_t)d * (size_t)d;
    if (kind == CAV_SENSING_QUADRATIC) {
        o->X = malloc(sizeof(double) * (size_t)n * (size_t)d);
        o->work = malloc(sizeof(double) * (size_t)n * (size_t)d);
        if (!o->X || !o->work) return CAV_ENOMEM;
        cav_rng_normal_matrix(seed, 21, (size_t)n, (size_t)d, 1.0, o->X);
    } else {
        o->X = malloc(sizeof(double) * (size_t)n * dd);
        if (!o->X) return CAV_ENOMEM;
        cav_rng_normal_matrix(seed, 22, (size_t)n, dd, 1.0, o->X);
        /* symmetrise: X = (G + G^T)/sqrt(2d): off-diagonal variance 1/d, diagonal 2/d */
        for (int m = 0; m < n; m++) {
            double *G = o->X + (size_t)m * dd;
            for (int i = 0; i < d; i++)
                for (int j = 0; j <= i; j++) {
                    double v = (G[i * d + j] + G[j * d + i]) / sqrt(2.0 * d);
                    G[i * d + j] = G[j * d + i] = v;
                }
        }
    }
    return CAV_OK;
}

void qs_free(qs_op *o)
{
    free(o->X), free(o->work);
    o->X = o->work = NULL;
}

/* out[mu] = Tr(Z_mu S), S symmetric d x d */
void qs_apply(qs_op *o, const double *S, double *out)
{
    int d = o->d, n = o->n;
    if (o->kind == CAV_SENSING_QUADRATIC) {
        double tr = 0;
        for (int i = 0; i < d; i++)
            tr += S[i * d + i];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, d, 1.0, o->X, d, S, d, 0.0,
                    o->work, d);
        for (int m = 0; m < n; m++)
            out[m] = (cav_la_dot((size_t)d, o->work + (size_t)m * d, o->X + (size_t)m * d) - tr) /
                     sqrt((double)d);
    } else {
        size_t dd = (size_t)d * (size_t)d;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, n, (int)dd, 1.0, o->X, (int)dd, S, 1, 0.0, out, 1);
    }
}

/* out = sum_mu r_mu Z_mu (d x d, symmetric) */
void qs_adjoint(qs_op *o, const double *r, double *out)
{
    int d = o->d, n = o->n;
    if (o->kind == CAV_SENSING_QUADRATIC) {
        double s = 0;
        for (int m = 0; m < n; m++) {
            s += r[m];
            double sc = r[m];
            for (int k = 0; k < d; k++)
                o->work[(size_t)m * d + k] = sc * o->X[(size_t)m * d + k];
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, n, 1.0 / sqrt((double)d),
                    o->work, d, o->X, d, 0.0, out, d);
        for (int i = 0; i < d; i++)
            out[i * d + i] -= s / sqrt((double)d);
    } else {
        size_t dd = (size_t)d * (size_t)d;
        cblas_dgemv(CblasRowMajor, CblasTrans, n, (int)dd, 1.0, o->X, (int)dd, r, 1, 0.0, out, 1);
    }
}

/* Teacher S* = W W^T/m*, labels y = A(S*) + sqrt(delta) z */
int qs_teacher(int d, double kappa_star, double delta, uint64_t seed, qs_op *o, double *S,
               double *y)
{
    int m = (int)lround(kappa_star * d);
    if (m < 1) m = 1;
    double *W = malloc(sizeof(double) * (size_t)d * (size_t)m);
    if (!W) return CAV_ENOMEM;
    cav_rng_normal_matrix(seed, 23, (size_t)d, (size_t)m, 1.0, W);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d, d, m, 1.0 / m, W, m, W, m, 0.0, S, d);
    free(W);
    qs_apply(o, S, y);
    cav_rng r;
    cav_rng_init(&r, seed, 24, 0);
    for (int i = 0; i < o->n; i++)
        y[i] += sqrt(delta) * cav_rng_normal(&r);
    return CAV_OK;
}

/* ---- APG on S ---- */

typedef struct {
    qs_op *o;
    const double *y;
    double lambda, kappa;
    int d;
    double *r, *G, *V, *ev, *tmp;
} apg_ws;

/* f(S) = (1/(4n)) ||y - A(S)||^2 and grad = -(1/(2n)) A^T(y - A(S)) */
static double f_grad(apg_ws *w, const double *S, double *grad)
{
    int n = w->o->n;
    qs_apply(w->o, S, w->r);
    double f = 0;
    for (int m = 0; m < n; m++) {
        w->r[m] = w->y[m] - w->r[m];
        f += w->r[m] * w->r[m];
    }
    if (grad) {
        qs_adjoint(w->o, w->r, grad);
        size_t dd = (size_t)w->d * (size_t)w->d;
        for (size_t i = 0; i < dd; i++)
            grad[i] *= -1.0 / (2 * n);
    }
    return f / (4 * n);
}

/* S = prox(M): eigen-decompose, soft-threshold at t, cut negatives, keep the top kmax */
static void prox_psd(apg_ws *w, const double *M, double t, int kmax, double *S)
{
    int d = w->d;
    size_t dd = (size_t)d * (size_t)d;
    memcpy(w->V, M, dd * sizeof(double));
    LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', d, w->V, d, w->ev); /* ascending */
    for (int j = 0; j < d; j++) {
        double v = w->ev[j] - t;
        if (v < 0 || j < d - kmax) v = 0;
        for (int i = 0; i < d; i++)
            w->tmp[i * d + j] = w->V[i * d + j] * v;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d, d, d, 1.0, w->tmp, d, w->V, d, 0.0, S,
                d);
}

static double trace(const double *S, int d)
{
    double t = 0;
    for (int i = 0; i < d; i++)
        t += S[i * d + i];
    return t;
}

/* Lipschitz constant of grad f: top eigenvalue of S -> (1/(2n)) A^T A S by power iteration */
static double lipschitz(apg_ws *w, uint64_t seed)
{
    int d = w->d;
    size_t dd = (size_t)d * (size_t)d;
    double *v = w->tmp, *u = w->G, lam = 0;
    cav_rng r;
    cav_rng_init(&r, seed, 25, 0);
    for (int i = 0; i < d; i++)
        for (int j = 0; j <= i; j++)
            v[i * d + j] = v[j * d + i] = cav_rng_normal(&r);
    for (int it = 0; it < 60; it++) {
        double nv = cav_la_nrm2(dd, v);
        for (size_t i = 0; i < dd; i++)
            v[i] /= nv;
        qs_apply(w->o, v, w->r);
        qs_adjoint(w->o, w->r, u);
        double l = cav_la_dot(dd, u, v) / (2 * w->o->n);
        if (it > 5 && fabs(l - lam) < 1e-4 * l) {
            lam = l;
            break;
        }
        lam = l;
        memcpy(v, u, dd * sizeof(double));
    }
    return 1.01 * lam;
}

static int apg(apg_ws *w, double tol, int max_iter, uint64_t seed, double *S, int *iters,
               double *resid)
{
    int d = w->d;
    size_t dd = (size_t)d * (size_t)d;
    int kmax = w->kappa >= 1 ? d : (int)lround(w->kappa * d);
    double L = lipschitz(w, seed), t = 1;
    double *Y = malloc(dd * sizeof(double)), *Sn = malloc(dd * sizeof(double));
    if (!Y || !Sn) {
        free(Y), free(Sn);
        return CAV_ENOMEM;
    }
    memset(S, 0, dd * sizeof(double));
    memcpy(Y, S, dd * sizeof(double));
    double Fold = f_grad(w, S, NULL) + w->lambda / d * trace(S, d);
    int st = CAV_EMAXITER;
    double res = HUGE_VAL;
    int it;
    for (it = 1; it <= max_iter; it++) {
        f_grad(w, Y, w->G);
        for (size_t i = 0; i < dd; i++)
            w->G[i] = Y[i] - w->G[i] / L;
        prox_psd(w, w->G, w->lambda / (d * L), kmax, Sn);
        double diff = 0;
        for (size_t i = 0; i < dd; i++)
            diff += (Sn[i] - Y[i]) * (Sn[i] - Y[i]);
        res = sqrt(diff) / (1 + cav_la_nrm2(dd, Sn));
        double F = f_grad(w, Sn, NULL) + w->lambda / d * trace(Sn, d);
        double tn = 0.5 * (1 + sqrt(1 + 4 * t * t));
        if (F > Fold) { /* restart the momentum */
            tn = 1;
            memcpy(Y, S, dd * sizeof(double));
            t = 1;
            continue;
        }
        for (size_t i = 0; i < dd; i++)
            Y[i] = Sn[i] + ((t - 1) / tn) * (Sn[i] - S[i]);
        memcpy(S, Sn, dd * sizeof(double));
        t = tn, Fold = F;
        if (res <= tol) {
            st = CAV_OK;
            break;
        }
    }
    *iters = it > max_iter ? max_iter : it;
    *resid = res;
    free(Y), free(Sn);
    return st;
}

/* ---- GD on W ---- */

static double w_obj(apg_ws *w, const double *W, int m, double *S, double *gradW)
{
    int d = w->d;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d, d, m, 1.0 / m, W, m, W, m, 0.0, S, d);
    double F = f_grad(w, S, gradW ? w->G : NULL) + w->lambda / d * trace(S, d);
    if (gradW) {
        for (int i = 0; i < d; i++)
            w->G[i * d + i] += w->lambda / d;
        /* d/dW Tr(G W W^T)/m = 2 G W/m */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, m, d, 2.0 / m, w->G, d, W, m, 0.0,
                    gradW, m);
    }
    return F;
}

static int gd_w(apg_ws *w, double tol, int max_iter, uint64_t seed, double *S, int *iters,
                double *resid)
{
    int d = w->d, m = (int)lround(w->kappa * d);
    if (m < 1) m = 1;
    size_t dm = (size_t)d * (size_t)m;
    double *W = malloc(dm * sizeof(double)), *g = malloc(dm * sizeof(double)),
           *Wn = malloc(dm * sizeof(double));
    if (!W || !g || !Wn) {
        free(W), free(g), free(Wn);
        return CAV_ENOMEM;
    }
    cav_rng_normal_matrix(seed, 26, (size_t)d, (size_t)m, 0.1, W);
    double eta = 1.0, F = w_obj(w, W, m, S, g), res = HUGE_VAL;
    int st = CAV_EMAXITER, it;
    for (it = 1; it <= max_iter; it++) {
        double gn2 = cav_la_dot(dm, g, g);
        res = sqrt(gn2) / (1 + fabs(F));
        if (res <= tol) {
            st = CAV_OK;
            break;
        }
        double Fn;
        for (;;) { /* Armijo */
            for (size_t i = 0; i < dm; i++)
                Wn[i] = W[i] - eta * g[i];
            Fn = w_obj(w, Wn, m, S, NULL);
            if (Fn <= F - 0.5 * eta * gn2 || eta < 1e-12) break;
            eta *= 0.5;
        }
        memcpy(W, Wn, dm * sizeof(double));
        F = w_obj(w, W, m, S, g);
        eta *= 1.5;
    }
    w_obj(w, W, m, S, NULL);
    *iters = it > max_iter ? max_iter : it;
    *resid = res;
    free(W), free(g), free(Wn);
    return st;
}

int cav_quadnet_sim(const cav_quadnet_sim_params *p, cav_quadnet_sim_result *res, cav_err *err)
{
    memset(res, 0, sizeof *res);
    if (!p || p->d < 2 || p->d > 2000)
        return res->status = cav_err_set(err, CAV_EINVAL, "quadnet sim: d outside [2, 2000]");
    if (!(p->alpha > 0) || !(p->kappa_star > 0) || !(p->kappa > 0) || !(p->delta >= 0))
        return res->status = cav_err_set(err, CAV_EINVAL,
                                         "quadnet sim: need alpha > 0, kappa_star > 0, kappa > 0, "
                                         "delta >= 0");
    if (!(p->lambda > 0))
        return res->status = cav_err_set(err, CAV_EINVAL,
                                         "quadnet sim: lambda = %g must be > 0 (the lambda -> 0+ "
                                         "limit is approached with small lambda)",
                                         p->lambda);
    if (p->sensing != CAV_SENSING_QUADRATIC && p->sensing != CAV_SENSING_GOE)
        return res->status = cav_err_set(err, CAV_EINVAL, "quadnet sim: unknown sensing");
    if (p->solver != CAV_QN_SOLVER_APG && p->solver != CAV_QN_SOLVER_GD)
        return res->status = cav_err_set(err, CAV_EINVAL, "quadnet sim: unknown solver");
    int d = p->d, n = (int)lround(p->alpha * d * d);
    if (n < 1) n = 1;
    if (p->sensing == CAV_SENSING_GOE && (double)n * d * d > 4e7)
        return res->status = cav_err_set(err, CAV_EINVAL,
                                         "quadnet sim: GOE sensing stores n d^2 = %.3g doubles "
                                         "(limit 4e7): lower d",
                                         (double)n * d * d);
    size_t dd = (size_t)d * (size_t)d;
    qs_op o;
    apg_ws w = {&o, NULL, p->lambda, p->kappa, d, NULL, NULL, NULL, NULL, NULL};
    double *Sstar = malloc(dd * sizeof(double)), *S = malloc(dd * sizeof(double)),
           *y = malloc((size_t)n * sizeof(double));
    w.r = malloc((size_t)n * sizeof(double));
    w.G = malloc(dd * sizeof(double)), w.V = malloc(dd * sizeof(double));
    w.tmp = malloc(dd * sizeof(double)), w.ev = malloc((size_t)d * sizeof(double));
    int st = qs_alloc(&o, d, n, p->sensing, p->seed);
    if (st || !Sstar || !S || !y || !w.r || !w.G || !w.V || !w.tmp || !w.ev) {
        st = cav_err_set(err, CAV_ENOMEM, "quadnet sim: out of memory (d %d, n %d)", d, n);
        goto done;
    }
    qs_teacher(d, p->kappa_star, p->delta, p->seed, &o, Sstar, y);
    w.y = y;
    int it;
    double resid;
    if (p->solver == CAV_QN_SOLVER_APG)
        st = apg(&w, p->tol > 0 ? p->tol : 1e-8, p->max_iter > 0 ? p->max_iter : 20000, p->seed, S,
                 &it, &resid);
    else
        st = gd_w(&w, p->tol > 0 ? p->tol : 1e-7, p->max_iter > 0 ? p->max_iter : 200000, p->seed,
                  S, &it, &resid);
    if (st == CAV_ENOMEM) {
        cav_err_set(err, st, "quadnet sim: out of memory");
        goto done;
    }
    double e = 0;
    for (size_t i = 0; i < dd; i++)
        e += (S[i] - Sstar[i]) * (S[i] - Sstar[i]);
    res->mse = e / d;
    res->test_error = 2 * res->mse + p->delta;
    res->train_loss = f_grad(&w, S, NULL);
    res->objective = res->train_loss + p->lambda / d * trace(S, d);
    memcpy(w.V, S, dd * sizeof(double));
    LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'U', d, w.V, d, w.ev);
    double top = fmax(1.0, fabs(w.ev[d - 1])), cnt = 0;
    for (int i = 0; i < d; i++)
        cnt += w.ev[i] > 1e-9 * top;
    res->rank = cnt / d;
    res->n = n, res->iterations = it, res->residual = resid;
    snprintf(res->msg, sizeof res->msg, "%s: %d iterations, residual %.2g",
             p->solver == CAV_QN_SOLVER_APG ? "apg" : "gd", it, resid);
    if (st == CAV_EMAXITER) cav_err_set(err, st, "quadnet sim: not converged (%s)", res->msg);
done:
    if (st && st != CAV_EMAXITER && err && !res->msg[0])
        snprintf(res->msg, sizeof res->msg, "%.150s", err->msg);
    qs_free(&o);
    free(Sstar), free(S), free(y), free(w.r), free(w.G), free(w.V), free(w.tmp), free(w.ev);
    return res->status = st;
}
