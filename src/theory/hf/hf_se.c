/* theory/hf/hf_se.c — replica-symmetric state evolution of empirical risk minimisation for the
 * tied one-neuron autoencoder of the hidden-factor model (cavity/hf.h), with the global proximal
 * step of its non-convex per-sample loss.
 *
 * Conde Mendes et al., arXiv:2602.10680 (2026). With A = (h*_u + sqrt(bu) lam,
 * c (h*_v + sqrt(bv) nu)) the projections of a sample on the spikes, Sigma = q - |m|^2,
 * Y = m.A + sqrt(Sigma) xi, h_p = prox(Y), del = (h_p - Y)/V (docs/autoencoder.md, eqs. SE):
 *   qhat = alpha E[del^2]
 *   Vhat = alpha E[sigma(h_p)^2] - (alpha/V) (E[h_p xi]/sqrt(Sigma) - 1)
 *   mhat = alpha (E[del A] - E[del xi] m/sqrt(Sigma))
 *   m = mhat/(Vhat + lambda), q = (qhat + |mhat|^2)/(Vhat + lambda)^2, V = 1/(Vhat + lambda).
 * The expectations are reduced to two-dimensional Gaussian integrals over (lam, g), Y = mu(lam, nu)
 * + s g, s^2 = q - m_v^2 (1 - c^2), by Gaussian conditioning and Stein's lemma (E[del A_u] - m_u
 * E[d del/dY] = sqrt(bu) E[del lam], E[h_p xi]/sqrt(Sigma) = E[h_p g]/s, ...), and computed by
 * adaptive quadrature with the kinks announced: the map is deterministic and its fixed point well
 * defined, with a quadrature error estimate instead of Monte-Carlo noise. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/gauss.h"
#include "cavity/hf.h"

void cav_hf_se_opts_default(cav_hf_se_opts *o)
{
    o->abstol = 1e-9;
    o->damping = 0.8;
    o->max_iter = 1500;
    o->tol = 1e-7;
    o->grid = 48;
    o->lambda = 0;
}

static double lq(const cav_activation_type *act, double q, double h)
{
    double s;
    act->eval(1, &h, &s, NULL);
    return -h * s + 0.5 * q * s * s;
}

static double prox_obj(const cav_activation_type *act, double q, double V, double Y, double h)
{
    return lq(act, q, h) + (h - Y) * (h - Y) / (2.0 * V);
}

/* d/dh of the prox objective: l_q'(h) + (h - Y)/V, l_q' = -sigma - h sigma' + q sigma sigma'. */
static double prox_grad(double q, double V, double Y, double h, double s, double ds)
{
    return -s - h * ds + q * s * ds + (h - Y) / V;
}

double cav_hf_prox(const cav_activation_type *act, double q, double V, double Y, int grid)
{
    if (act == &cav_act_linear || act == &cav_act_relu) {
        double den = 1.0 + V * (q - 2.0);
        if (act == &cav_act_relu && Y <= 0) return Y;
        return den > 0 ? Y / den : NAN;
    }
    if (grid < 8) grid = 8;
    double R = 4.0 + 2.0 * sqrt(V) * (1.0 + fabs(Y));
    double lo = fmin(Y, 0.0) - R, hi = fmax(Y, 0.0) + R;
    if (act == &cav_act_elu || act == &cav_act_gelu) {
        /* sigma(h) = h for large h: there l_q(h) = (q/2 - 1) h^2, so the objective is bounded
         * below only if 1 + V(q - 2) > 0, and the minimiser may lie near Y/(1 + V(q - 2)) */
        double den = 1.0 + V * (q - 2.0);
        if (den <= 0) return NAN;
        double hl = Y / den;
        lo = fmin(lo, hl - 2.0);
        hi = fmax(hi, hl + 2.0);
    }
    double step = (hi - lo) / (grid - 1);
    enum { GMAX = 1024 };
    double hs[GMAX], ss[GMAX], ds[GMAX];
    if (grid > GMAX) grid = GMAX;
    for (int i = 0; i < grid; i++)
        hs[i] = lo + step * i;
    act->eval((size_t)grid, hs, ss, ds);
    double fb = INFINITY, hb = hs[0];
    for (int i = 0; i < grid; i++) {
        double f = -hs[i] * ss[i] + 0.5 * q * ss[i] * ss[i] + (hs[i] - Y) * (hs[i] - Y) / (2 * V);
        ds[i] = prox_grad(q, V, Y, hs[i], ss[i], ds[i]);
        if (f < fb) fb = f, hb = hs[i];
    }
    /* every local minimum the grid brackets (derivative - then +), refined by bisection on
     * the derivative; the lowest objective (grid nodes included) wins. A narrow
     * well (a polynomial activation at a zero of sigma - h/q) is found through its bracket even
     * when no grid node falls inside it. */
    for (int i = 0; i + 1 < grid; i++) {
        if (!(ds[i] < 0 && ds[i + 1] > 0)) continue;
        double a = hs[i], b = hs[i + 1];
        for (int it = 0; it < 34; it++) {
            double m = 0.5 * (a + b), sm, dm;
            act->eval(1, &m, &sm, &dm);
            if (prox_grad(q, V, Y, m, sm, dm) < 0)
                a = m;
            else
                b = m;
        }
        double h = 0.5 * (a + b), f = prox_obj(act, q, V, Y, h);
        if (f < fb) fb = f, hb = h;
    }
    return hb;
}

/* Integrand over (lam, g): Y = mu(lam, nu) + s g for both nu branches weighted by
 * P(nu | lam); outputs del^2, sigma(h_p)^2, h_p g, del lam, del nu, del g, l_q(h_p). */
enum { NS = 7, SE_GH = 24 };
typedef struct se_ctx {
    const cav_hf_data *g;
    const cav_activation_type *act;
    double a, b, s, q, V;
    int grid;
    int bad;
    const double *ghz, *ghw; /* Gauss-Hermite rule of the inner integral (general sigma) */
} se_ctx;

static void se_fn(void *vctx, size_t n, const double *z1, const double *z2, double *out)
{
    se_ctx *c = vctx;
    for (size_t i = 0; i < n; i++) {
        double lam = z1[i], gg = z2[i], p = cav_hf_pplus(c->g, lam);
        double *o = out + i * NS;
        memset(o, 0, sizeof(double) * NS);
        for (int k = 0; k < 2; k++) {
            double w = k == 0 ? p : 1.0 - p, nu = k == 0 ? 1.0 : -1.0;
            if (w == 0) continue;
            double Y = c->a * lam + c->b * nu + c->s * gg;
            double hp = cav_hf_prox(c->act, c->q, c->V, Y, c->grid);
            if (!isfinite(hp)) {
                c->bad = 1;
                hp = Y;
            }
            double sg, del = (hp - Y) / c->V;
            c->act->eval(1, &hp, &sg, NULL);
            o[0] += w * del * del;
            o[1] += w * sg * sg;
            o[2] += w * hp * gg;
            o[3] += w * del * lam;
            o[4] += w * del * nu;
            o[5] += w * del * gg;
            o[6] += w * (-hp * sg + 0.5 * c->q * sg * sg);
        }
    }
}

/* Outer integrand over lam: the inner expectation over g by the fixed Gauss-Hermite rule. */
static void se_outer(void *vctx, size_t n, const double *z, double *out)
{
    se_ctx *c = vctx;
    double l[SE_GH], o[SE_GH * NS];
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < SE_GH; k++)
            l[k] = z[i];
        se_fn(c, SE_GH, l, c->ghz, o);
        double *r = out + i * NS;
        memset(r, 0, sizeof(double) * NS);
        for (int k = 0; k < SE_GH; k++)
            for (int j = 0; j < NS; j++)
                r[j] += c->ghw[k] * o[k * NS + j];
    }
}

int cav_hf_se_solve(const cav_hf_data *g, const cav_activation_type *act, double alpha,
                    const cav_hf_se_opts *o, cav_hf_se_state *st, double *resid, long *iters,
                    cav_err *err)
{
    int rc = cav_hf_data_check(g, err);
    if (rc) return rc;
    if (!act) return cav_err_set(err, CAV_EINVAL, "activation is NULL");
    if (!(alpha > 0 && isfinite(alpha)))
        return cav_err_set(err, CAV_EINVAL, "alpha = %g outside (0, inf)", alpha);
    if (!o) return cav_err_set(err, CAV_EINVAL, "options are NULL");
    if (!(o->damping >= 0 && o->damping < 1))
        return cav_err_set(err, CAV_EINVAL, "damping = %g outside [0, 1)", o->damping);
    if (!(o->lambda >= 0))
        return cav_err_set(err, CAV_EINVAL, "lambda = %g outside [0, inf)", o->lambda);
    if (!(st->q > 0 && st->V > 0))
        return cav_err_set(err, CAV_EINVAL, "start q = %g, V = %g must be > 0", st->q, st->V);
    const double c = 1.0 / sqrt(1.0 + g->beta_v), su = sqrt(g->beta_u), cv = c * sqrt(g->beta_v);
    double mu = st->m_u, mv = st->m_v, q = st->q, V = st->V, ch = 0;
    cav_gauss_opts go = cav_gauss_opts_default();
    go.abstol = o->abstol;
    go.reltol = 0;
    go.zmax = 10;
    /* activations without a closed-form prox: the grid prox costs ~100 evaluations of sigma
     * and may jump in Y (non-convex), so the inner integral over g is a fixed Gauss-Hermite rule
     * and only the outer one over lam is adaptive, with a small panel budget */
    const int closed = act == &cav_act_linear || act == &cav_act_relu;
    cav_gauss_opts go1 = go;
    go1.abstol = fmax(o->abstol, 1e-7);
    go1.max_panels = 24;
    double ghz[SE_GH], ghw[SE_GH];
    cav_gauss_hermite(SE_GH, ghz, ghw);
    long it;
    rc = CAV_EMAXITER;
    for (it = 0; it < o->max_iter; it++) {
        double s2 = q - mv * mv * (1.0 - c * c);
        if (!(s2 > 1e-14)) {
            rc = cav_err_set(err, CAV_EDIVERGE,
                             "state evolution: q - m_v^2 beta_v/(1 + beta_v) = %g <= 0", s2);
            break;
        }
        se_ctx ctx = {.g = g,
                      .act = act,
                      .a = mu * su,
                      .b = mv * cv,
                      .s = sqrt(s2),
                      .q = q,
                      .V = V,
                      .grid = o->grid,
                      .ghz = ghz,
                      .ghw = ghw};
        double b1[5] = {0, CAV_HF_C2, -CAV_HF_C2, CAV_HF_C3, -CAV_HF_C3};
        cav_gauss_line lines[2];
        int nl = 0;
        if (act == &cav_act_relu) /* the prox has a kink at Y = 0 */
            for (int sg = -1; sg <= 1; sg += 2) {
                lines[nl].c = -sg * ctx.b / ctx.s;
                lines[nl].s = -ctx.a / ctx.s;
                nl++;
            }
        double E[NS], ae[NS];
        cav_err qe = {0};
        int qrc;
        if (closed)
            qrc = cav_gauss_expect2_lines(se_fn, &ctx, NS, b1, 5, NULL, 0, lines, nl, &go, E, ae,
                                          &qe);
        else
            qrc = cav_gauss_expect(se_outer, &ctx, NS, b1, 5, &go1, E, ae, &qe);
        if (ctx.bad) {
            rc = cav_err_set(err, CAV_EDIVERGE,
                             "state evolution: the proximal objective is unbounded below at "
                             "q = %g, V = %g (iteration %ld)",
                             q, V, it);
            break;
        }
        if (qrc && qrc != CAV_EMAXITER) {
            rc = cav_err_set(err, qrc, "state evolution: %s", qe.msg);
            break;
        }
        const double sS = ctx.s;
        double qhat = alpha * E[0];
        double Vhat = alpha * E[1] - (alpha / V) * (E[2] / sS - 1.0);
        double mhu = alpha * su * E[3];
        double mhv = alpha * (cv * E[4] - mv * (1.0 - c * c) * E[5] / sS);
        double den = Vhat + o->lambda;
        if (!(den > 0)) {
            rc = cav_err_set(err, CAV_EDIVERGE,
                             "state evolution: Vhat + lambda = %g <= 0 (iteration %ld)", den, it);
            break;
        }
        double nmu = mhu / den, nmv = mhv / den, nq = (qhat + mhu * mhu + mhv * mhv) / (den * den),
               nV = 1.0 / den;
        double dm = o->damping;
        double x1 = dm * mu + (1 - dm) * nmu, x2 = dm * mv + (1 - dm) * nmv,
               x3 = dm * q + (1 - dm) * nq, x4 = dm * V + (1 - dm) * nV;
        ch = fmax(fmax(fabs(x1 - mu), fabs(x2 - mv)), fmax(fabs(x3 - q), fabs(x4 - V)));
        mu = x1, mv = x2, q = x3, V = x4;
        st->mhat_u = mhu, st->mhat_v = mhv, st->qhat = qhat, st->Vhat = Vhat;
        st->train_loss = E[6] + o->lambda * q / (2.0 * alpha);
        double qerr = 0;
        for (int k = 0; k < NS; k++)
            qerr = fmax(qerr, ae[k]);
        st->quad_err = qerr * alpha / den;
        if (!isfinite(ch)) {
            rc = cav_err_set(err, CAV_EDIVERGE, "state evolution: non-finite overlaps");
            break;
        }
        /* converged: small change, and each overlap m either collapsed or no longer moving
         * relative to itself (a slow escape from m = 0 is not a fixed point) */
        int mstill = (fabs(mu) < 1e-8 || fabs(nmu - mu) < 1e-5 * fabs(mu)) &&
                     (fabs(mv) < 1e-8 || fabs(nmv - mv) < 1e-5 * fabs(mv));
        if (ch < o->tol && mstill) {
            rc = CAV_OK;
            it++;
            break;
        }
    }
    if (rc == CAV_EMAXITER)
        cav_err_set(err, CAV_EMAXITER, "state evolution: %ld iterations, last change %.3g", it, ch);
    st->m_u = mu, st->m_v = mv, st->q = q, st->V = V;
    if (resid) *resid = ch;
    if (iters) *iters = it;
    return rc;
}
