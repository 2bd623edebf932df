/* theory/mi/mi_se.c — the Bayes-optimal state evolution solver over P x P overlaps
 * (cavity/multi_index.h, section 3; docs/multi-index.md, eqs. SE and Phi):
 *     Q <- f_prior(alpha G(Q)),   Phi(Q) = -tr(Q Qhat)/2 + psi_prior(Qhat) + alpha psi_out(Q).
 * The unknowns are the packed upper triangle of Q (so Q stays symmetric), solved by the shared
 * saddle-point driver of cavity/saddle.h (damped / Anderson fixed point, Newton fallback) for up
 * to 8 unknowns and by cavity/fixpt.h beyond. Frozen indices keep their rows and columns at
 * the start value (the learned-block restriction of conditional thresholds). The Monte-Carlo
 * error of the fixed point is propagated by the delta method: with T the map and J its Jacobian
 * at Q*, dQ* = (I - J)^{-1} dT, dT from the standard errors of G through f_prior. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cavity/saddle.h"
#include "theory/mi/mi_internal.h"

#define NPMAX (CAV_MI_MAXP * (CAV_MI_MAXP + 1) / 2)

cav_mi_se_opts cav_mi_se_opts_default(void)
{
    cav_mi_se_opts o;
    o.fixpt = cav_fixpt_opts_default();
    o.fixpt.tol = 1e-10;
    o.fixpt.max_iter = 2000;
    o.start = CAV_MI_START_UNINFORMED;
    o.eps = 1e-3;
    o.Q0 = NULL;
    o.frozen = NULL;
    o.want_se = 1;
    o.escape = 500;
    return o;
}

typedef struct se_ctx {
    const cav_mi_model *m;
    double alpha;
    int P, np;
    int frozen[CAV_MI_MAXP];
    double Qfix[CAV_MI_MAXP * CAV_MI_MAXP];
    double G[CAV_MI_MAXP * CAV_MI_MAXP], Gse[CAV_MI_MAXP * CAV_MI_MAXP];
} se_ctx;

static void apply_frozen(const se_ctx *c, double *Q)
{
    int P = c->P;
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++)
            if (c->frozen[i] || c->frozen[j]) Q[i * P + j] = c->Qfix[i * P + j];
}

/* T(Q) from Qhat = alpha G: prior, frozen entries restored. */
static int prior_of(const se_ctx *c, const double *G, double *Qn, cav_err *err)
{
    int P = c->P;
    double Qhat[CAV_MI_MAXP * CAV_MI_MAXP];
    for (int i = 0; i < P * P; i++)
        Qhat[i] = c->alpha * G[i];
    mi_symmetrise(P, Qhat);
    int st = c->m->prior(c->m->prior_ctx, Qhat, Qn, err);
    if (st) return st;
    mi_symmetrise(P, Qn);
    apply_frozen(c, Qn);
    return CAV_OK;
}

/* Project a symmetric matrix onto {0 <= Q < I} (eigenvalues clamped to [0, 1 - 1e-9]): the
 * accelerated iterates of the fixed-point solver may step just outside, where the channel side
 * is undefined; the map is continued by its value on the boundary. */
static void clamp_q(int P, double *Q)
{
    double w[CAV_MI_MAXP], R[CAV_MI_MAXP * CAV_MI_MAXP];
    if (mi_eig_sym(P, Q, w, R)) return;
    if (w[0] >= 0 && w[P - 1] <= 1 - 1e-9) return;
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++) {
            double s = 0;
            for (int k = 0; k < P; k++)
                s += R[i * P + k] * fmin(fmax(w[k], 0.0), 1 - 1e-9) * R[j * P + k];
            Q[i * P + j] = s;
        }
    mi_symmetrise(P, Q);
}

static int se_map(void *vc, const double *x, double *fx, cav_err *err)
{
    se_ctx *c = vc;
    int P = c->P;
    double Q[CAV_MI_MAXP * CAV_MI_MAXP], Qn[CAV_MI_MAXP * CAV_MI_MAXP];
    mi_unpack(P, x, Q);
    apply_frozen(c, Q);
    clamp_q(P, Q);
    int st = c->m->output(c->m->out_ctx, Q, c->G, c->Gse, err);
    if (st) return st;
    mi_symmetrise(P, c->G);
    st = prior_of(c, c->G, Qn, err);
    if (st) return st;
    mi_pack(P, Qn, fx);
    for (int i = 0; i < c->np; i++)
        if (!isfinite(fx[i])) return cav_err_set(err, CAV_ENUMERIC, "mi se: non-finite overlap");
    return CAV_OK;
}

static int check_model(const cav_mi_model *m, double alpha, cav_err *err)
{
    if (!m) return cav_err_set(err, CAV_EINVAL, "mi se: model is NULL");
    if (m->P < 1 || m->P > CAV_MI_MAXP)
        return cav_err_set(err, CAV_EINVAL, "mi se: P = %d must be in [1, %d]", m->P, CAV_MI_MAXP);
    if (!m->output || !m->prior)
        return cav_err_set(err, CAV_EINVAL, "mi se: the model needs output and prior sides");
    if (!(alpha > 0) || !isfinite(alpha))
        return cav_err_set(err, CAV_EINVAL, "mi se: alpha = %g must be > 0 and finite", alpha);
    return CAV_OK;
}

static int check_q(int P, const double *Q, const char *what, cav_err *err)
{
    double S[CAV_MI_MAXP * CAV_MI_MAXP], R[CAV_MI_MAXP * CAV_MI_MAXP], w[CAV_MI_MAXP];
    for (int i = 0; i < P * P; i++)
        if (!isfinite(Q[i])) return cav_err_set(err, CAV_EINVAL, "mi se: %s is not finite", what);
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++)
            if (fabs(Q[i * P + j] - Q[j * P + i]) > 1e-12)
                return cav_err_set(err, CAV_EINVAL, "mi se: %s is not symmetric", what);
    memcpy(S, Q, sizeof(double) * (size_t)(P * P));
    if (mi_eig_sym(P, S, w, R)) return cav_err_set(err, CAV_EINVAL, "mi se: %s eigen failed", what);
    if (w[0] < -1e-12 || w[P - 1] >= 1)
        return cav_err_set(err, CAV_EINVAL,
                           "mi se: %s has eigenvalues in [%g, %g], must be in [0, 1)", what, w[0],
                           w[P - 1]);
    return CAV_OK;
}

/* Delta-method standard error of the fixed point x (packed). */
static void delta_se(se_ctx *c, const double *x, const double *G, const double *Gse, double *Qse)
{
    int P = c->P, np = c->np;
    double T0[NPMAX], T1[NPMAX], xp[NPMAX], J[NPMAX * NPMAX], A[NPMAX * NPMAX], sT[NPMAX];
    double Gc[CAV_MI_MAXP * CAV_MI_MAXP], Gsc[CAV_MI_MAXP * CAV_MI_MAXP];
    double Qn[CAV_MI_MAXP * CAV_MI_MAXP];
    memcpy(Gc, G, sizeof Gc);
    memcpy(Gsc, Gse, sizeof Gsc);
    memset(Qse, 0, sizeof(double) * (size_t)(P * P));
    int any = 0;
    for (int i = 0; i < P * P; i++)
        if (Gsc[i] > 0) any = 1;
    if (!any) return;
    if (prior_of(c, Gc, Qn, NULL)) return;
    mi_pack(P, Qn, T0);
    /* dT from the errors of G (independent entries) */
    for (int b = 0; b < np; b++)
        sT[b] = 0;
    for (int i = 0; i < P; i++)
        for (int j = i; j < P; j++) {
            double d = Gsc[i * P + j], Gp[CAV_MI_MAXP * CAV_MI_MAXP];
            if (!(d > 0)) continue;
            memcpy(Gp, Gc, sizeof Gp);
            Gp[i * P + j] += d;
            if (i != j) Gp[j * P + i] += d;
            if (prior_of(c, Gp, Qn, NULL)) continue;
            mi_pack(P, Qn, T1);
            for (int b = 0; b < np; b++)
                sT[b] += (T1[b] - T0[b]) * (T1[b] - T0[b]);
        }
    for (int b = 0; b < np; b++)
        sT[b] = sqrt(sT[b]);
    /* Jacobian of the full map by forward (or backward) differences */
    double f0[NPMAX];
    if (se_map(c, x, f0, NULL)) return;
    for (int a = 0; a < np; a++) {
        double h = 1e-5;
        memcpy(xp, x, sizeof(double) * (size_t)np);
        xp[a] += h;
        if (se_map(c, xp, T1, NULL)) {
            xp[a] = x[a] - h;
            h = -h;
            if (se_map(c, xp, T1, NULL)) return;
        }
        for (int b = 0; b < np; b++)
            J[b * np + a] = (T1[b] - f0[b]) / h;
    }
    /* Qse_b = sqrt(sum_a ((I - J)^{-1}_{ba} sT_a)^2): solve (I - J) X = diag(sT) column-wise */
    double out[NPMAX] = {0};
    for (int a = 0; a < np; a++) {
        double e[NPMAX];
        for (int i = 0; i < np; i++) {
            for (int j = 0; j < np; j++)
                A[i * np + j] = (i == j) - J[i * np + j];
            e[i] = i == a ? sT[a] : 0.0;
        }
        if (mi_solve(np, A, e)) return;
        for (int b = 0; b < np; b++)
            out[b] += e[b] * e[b];
    }
    for (int b = 0; b < np; b++)
        out[b] = sqrt(out[b]);
    mi_unpack(P, out, Qse);
}

int cav_mi_se_solve(const cav_mi_model *m, double alpha, const cav_mi_se_opts *opts,
                    cav_mi_se_result *out)
{
    cav_err err = {0};
    if (!out) return CAV_EINVAL;
    memset(out, 0, sizeof *out);
    cav_mi_se_opts o = opts ? *opts : cav_mi_se_opts_default();
    int st = check_model(m, alpha, &err);
    if (!st && (o.start < CAV_MI_START_UNINFORMED || o.start > CAV_MI_START_GIVEN))
        st = cav_err_set(&err, CAV_EINVAL, "mi se: start = %d unknown", o.start);
    if (!st && o.start != CAV_MI_START_GIVEN && !(o.eps > 0 && o.eps < 1))
        st = cav_err_set(&err, CAV_EINVAL, "mi se: eps = %g must be in (0, 1)", o.eps);
    if (!st && o.start == CAV_MI_START_GIVEN && !o.Q0)
        st = cav_err_set(&err, CAV_EINVAL, "mi se: start GIVEN needs Q0");
    if (!st && o.start == CAV_MI_START_GIVEN) st = check_q(m->P, o.Q0, "Q0", &err);
    if (st) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "%s", err.msg);
        return st;
    }
    int P = m->P;
    se_ctx c;
    memset(&c, 0, sizeof c);
    c.m = m, c.alpha = alpha, c.P = P, c.np = P * (P + 1) / 2;
    double Q0[CAV_MI_MAXP * CAV_MI_MAXP];
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++)
            Q0[i * P + j] =
                o.start == CAV_MI_START_GIVEN
                    ? o.Q0[i * P + j]
                    : (i == j ? (o.start == CAV_MI_START_INFORMED ? 1 - o.eps : o.eps) : 0.0);
    for (int i = 0; i < P; i++)
        c.frozen[i] = o.frozen ? (o.frozen[i] != 0) : 0;
    memcpy(c.Qfix, Q0, sizeof Q0);
    double x0[NPMAX];
    mi_pack(P, Q0, x0);
    cav_fixpt *fp = cav_fixpt_alloc((size_t)c.np);
    if (!fp) {
        out->status = CAV_ENOMEM;
        snprintf(out->msg, sizeof out->msg, "mi se: out of memory");
        return CAV_ENOMEM;
    }
    /* Escape phase: from a start near an unstable fixed point (the trivial one above a
     * threshold) the residual grows while the iterate leaves it, which the safeguarded solver
     * would reject; plain iteration (damping o.fixpt.damping) until the residual has decreased
     * in 8 consecutive steps (a contracting phase), at most o.escape steps, then the
     * accelerated solver. */
    {
        double fx[NPMAX], prev = INFINITY;
        int down = 0;
        for (int t = 0; t < o.escape; t++) {
            cav_err e0 = {0};
            if (se_map(&c, x0, fx, &e0)) break;
            double r = 0, nx = 0;
            for (int i = 0; i < c.np; i++) {
                r = fmax(r, fabs(fx[i] - x0[i]));
                nx = fmax(nx, fabs(x0[i]));
            }
            r /= 1 + nx;
            down = r < prev ? down + 1 : 0;
            if (r <= o.fixpt.tol || down >= 8) break;
            prev = r;
            for (int i = 0; i < c.np; i++)
                x0[i] += o.fixpt.damping * (fx[i] - x0[i]);
            out->iterations++;
        }
    }
    double xs[NPMAX];
    const double *x = xs;
    if (c.np <= CAV_NEWTON_MAXN) {
        /* the shared saddle-point driver: fixed point, then Newton near thresholds */
        cav_saddle_opts so = cav_saddle_opts_default();
        so.fixpt = o.fixpt;
        cav_saddle_result sr;
        st = cav_saddle_solve(se_map, &c, (size_t)c.np, x0, xs, &so, &sr);
        out->residual = sr.residual;
        out->iterations += sr.iterations;
        if (st) snprintf(out->msg, sizeof out->msg, "%s", sr.msg);
    } else {
        st = cav_fixpt_set(fp, se_map, &c, x0, &o.fixpt);
        if (!st) st = cav_fixpt_solve(fp, NULL, NULL);
        memcpy(xs, cav_fixpt_x(fp), sizeof(double) * (size_t)c.np);
        out->residual = cav_fixpt_residual(fp);
        out->iterations += (long)cav_fixpt_iterations(fp);
        if (st && cav_fixpt_error(fp)->msg[0])
            snprintf(out->msg, sizeof out->msg, "%s", cav_fixpt_error(fp)->msg);
    }
    out->P = P;
    mi_unpack(P, x, out->Q);
    apply_frozen(&c, out->Q);
    /* Qhat and its error at the last iterate */
    double xf[NPMAX], xl[NPMAX];
    memcpy(xl, x, sizeof(double) * (size_t)c.np);
    cav_err e2 = {0};
    int st2 = se_map(&c, xl, xf, &e2);
    if (!st2) {
        for (int i = 0; i < P * P; i++)
            out->Qhat[i] = alpha * c.G[i];
        if (o.want_se) {
            double G[CAV_MI_MAXP * CAV_MI_MAXP], Gse[CAV_MI_MAXP * CAV_MI_MAXP];
            memcpy(G, c.G, sizeof G);
            memcpy(Gse, c.Gse, sizeof Gse);
            delta_se(&c, xl, G, Gse, out->Q_se);
        }
    } else if (!st) {
        st = st2;
        snprintf(out->msg, sizeof out->msg, "%s", e2.msg);
    }
    cav_fixpt_free(fp);
    out->status = st;
    return st;
}

int cav_mi_se_iterate(const cav_mi_model *m, double alpha, const double *Q0, long steps, double a,
                      double *traj, cav_err *err)
{
    int st = check_model(m, alpha, err);
    if (st) return st;
    if (!Q0 || !traj) return cav_err_set(err, CAV_EINVAL, "mi se iterate: NULL Q0 or traj");
    if (steps < 0) return cav_err_set(err, CAV_EINVAL, "mi se iterate: steps = %ld < 0", steps);
    if (!(a > 0 && a <= 1))
        return cav_err_set(err, CAV_EINVAL, "mi se iterate: damping = %g must be in (0, 1]", a);
    int P = m->P;
    st = check_q(P, Q0, "Q0", err);
    if (st) return st;
    se_ctx c;
    memset(&c, 0, sizeof c);
    c.m = m, c.alpha = alpha, c.P = P, c.np = P * (P + 1) / 2;
    double Q[CAV_MI_MAXP * CAV_MI_MAXP], Qn[CAV_MI_MAXP * CAV_MI_MAXP];
    memcpy(Q, Q0, sizeof(double) * (size_t)(P * P));
    memcpy(traj, Q, sizeof(double) * (size_t)(P * P));
    for (long t = 1; t <= steps; t++) {
        st = m->output(m->out_ctx, Q, c.G, NULL, err);
        if (st) return st;
        st = prior_of(&c, c.G, Qn, err);
        if (st) return st;
        for (int i = 0; i < P * P; i++)
            Q[i] = (1 - a) * Q[i] + a * Qn[i];
        memcpy(traj + t * P * P, Q, sizeof(double) * (size_t)(P * P));
    }
    return CAV_OK;
}

int cav_mi_free_entropy(const cav_mi_model *m, double alpha, const double *Q, double *phi,
                        double *se, cav_err *err)
{
    int st = check_model(m, alpha, err);
    if (st) return st;
    if (!m->psi_out || !m->psi_prior)
        return cav_err_set(err, CAV_EUNSUP, "mi free entropy: the model has no psi terms");
    if (!Q || !phi) return cav_err_set(err, CAV_EINVAL, "mi free entropy: NULL argument");
    int P = m->P;
    double G[CAV_MI_MAXP * CAV_MI_MAXP], Qhat[CAV_MI_MAXP * CAV_MI_MAXP], po, pse, pp;
    st = m->output(m->out_ctx, Q, G, NULL, err);
    if (st) return st;
    for (int i = 0; i < P * P; i++)
        Qhat[i] = alpha * G[i];
    mi_symmetrise(P, Qhat);
    st = m->psi_out(m->out_ctx, Q, &po, &pse, err);
    if (st) return st;
    st = m->psi_prior(m->prior_ctx, Qhat, &pp, err);
    if (st) return st;
    double tr = 0;
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++)
            tr += Q[i * P + j] * Qhat[j * P + i];
    *phi = -0.5 * tr + pp + alpha * po;
    if (se) *se = alpha * pse;
    return CAV_OK;
}
