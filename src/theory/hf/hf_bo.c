/* hf_bo.c — Bayes-optimal estimation of the two spikes (u*, v*) of the hidden-factor model as an
 * unsupervised two-index model: the posterior of the projections Z = (x.u*, x.v*)/sqrt(d) under a
 * Gaussian cavity field (closed form), the output side of the multi-index engine's state
 * evolution (G(Q) by adaptive quadrature over the latent lam and Gauss-Hermite over the cavity
 * field), and the weak-recovery thresholds from the engine's linear stability.
 * Derivation: docs/autoencoder.md, section "Bayes-optimal estimation". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/gauss.h"
#include "cavity/hf.h"
#include "cavity/special.h"

/* Breakpoints of P(nu = +1 | lam) for every latent law (k1: 0; k2: +-c2; k3: 0, +-c3; mix: 0,
 * +-c2): on each of the six intervals the conditional probability is constant. */
#define NBRK 5
#define NINT (NBRK + 1)
static const double brk[NBRK] = {-CAV_HF_C3, -CAV_HF_C2, 0.0, CAV_HF_C2, CAV_HF_C3};

static void interval(int i, double *lo, double *hi)
{
    *lo = i == 0 ? -INFINITY : brk[i - 1];
    *hi = i == NBRK ? INFINITY : brk[i];
}

/* P(nu = +1 | lam in interval i). */
static void interval_pplus(const cav_hf_data *g, double pp[NINT])
{
    for (int i = 0; i < NINT; i++) {
        double lo, hi;
        interval(i, &lo, &hi);
        double x = i == 0 ? hi - 1 : i == NBRK ? lo + 1 : 0.5 * (lo + hi);
        pp[i] = cav_hf_pplus(g, x);
    }
}

/* P(a < N(0,1) < b) without cancellation in the tails. */
static double gmass(double a, double b)
{
    double Ha = a == -INFINITY ? 1.0 : cav_H(a), Hb = b == INFINITY ? 0.0 : cav_H(b);
    if (a >= 0) return Ha - Hb;
    double Hma = a == -INFINITY ? 0.0 : cav_H(-a), Hmb = b == INFINITY ? 1.0 : cav_H(-b);
    if (b <= 0) return Hmb - Hma;
    return 1.0 - Hma - Hb;
}

int cav_hf_bo_posterior(const cav_hf_data *g, const double omega[2], const double V[4],
                        cav_mi_post *out, cav_err *err)
{
    const double v01 = 0.5 * (V[1] + V[2]);
    const double detV = V[0] * V[3] - v01 * v01;
    if (!(V[0] > 0) || !(detV > 0) || !isfinite(detV))
        return cav_err_set(err, CAV_EINVAL, "hf bo posterior: V not positive definite");
    const double bu = g->beta_u, bv = g->beta_v;
    const double s = sqrt(bu), t = sqrt(bv), c = 1.0 / sqrt(1.0 + bv);
    /* V^{-1}, the precision P = V^{-1} + D^{-1} - I with D = diag(1, c^2) the covariance of Z
     * given the latents (D^{-1} - I = diag(0, beta_v)), and its inverse */
    const double Vi[4] = {V[3] / detV, -v01 / detV, -v01 / detV, V[0] / detV};
    const double P[4] = {Vi[0], Vi[1], Vi[2], Vi[3] + bv};
    const double detP = P[0] * P[3] - P[1] * P[2];
    const double Pi[4] = {P[3] / detP, -P[1] / detP, -P[2] / detP, P[0] / detP};
    const double logK = -0.5 * log(detV) + 0.5 * log1p(bv) - 0.5 * log(detP);
    const double A = 1.0 + bu * (1.0 - Pi[0]); /* precision of lam given nu and omega */
    if (!(A > 0))
        return cav_err_set(err, CAV_ENUMERIC,
                           "hf bo posterior: V[0] = %g too large (the tilted integral diverges)",
                           V[0]);
    const double f[2] = {s * Pi[0], s * Pi[2]}; /* dE[Z | lam]/dlam */
    const double Vo[2] = {Vi[0] * omega[0] + Vi[1] * omega[1], Vi[2] * omega[0] + Vi[3] * omega[1]};
    const double quad0 = omega[0] * Vo[0] + omega[1] * Vo[1];
    double pp[NINT];
    interval_pplus(g, pp);
    double lw[2 * NINT], mb[2 * NINT][2], var[2 * NINT];
    int nb = 0;
    for (int k = 0; k < 2; k++) {
        const double nu = k == 0 ? 1.0 : -1.0;
        const double h0[2] = {Vo[0], Vo[1] + t * nu / c};
        const double M[2] = {Pi[0] * h0[0] + Pi[1] * h0[1], Pi[2] * h0[0] + Pi[3] * h0[1]};
        const double B = s * M[0];
        const double C0 = 0.5 * (h0[0] * M[0] + h0[1] * M[1]) - 0.5 * bv - 0.5 * quad0;
        const double m = B / A, sd = 1.0 / sqrt(A);
        const double base = logK + C0 + 0.5 * B * m - 0.5 * log(A);
        for (int i = 0; i < NINT; i++) {
            double p = k == 0 ? pp[i] : 1.0 - pp[i];
            if (!(p > 0)) continue;
            double lo, hi;
            interval(i, &lo, &hi);
            double a = (lo - m) / sd, b = (hi - m) / sd;
            double mass = gmass(a, b);
            if (!(mass > 0)) continue;
            double pa = isfinite(a) ? cav_phi(a) : 0.0, pb = isfinite(b) ? cav_phi(b) : 0.0;
            double apa = isfinite(a) ? a * pa : 0.0, bpb = isfinite(b) ? b * pb : 0.0;
            double r1 = (pa - pb) / mass;
            double E1 = m + sd * r1;
            double vr = sd * sd * (1.0 + (apa - bpb) / mass - r1 * r1);
            lw[nb] = base + log(p) + log(mass);
            mb[nb][0] = M[0] + E1 * f[0];
            mb[nb][1] = M[1] + E1 * f[1];
            var[nb] = vr > 0 ? vr : 0.0;
            nb++;
        }
    }
    if (nb == 0) return cav_err_set(err, CAV_ENUMERIC, "hf bo posterior: zero likelihood");
    double lmax = -INFINITY;
    for (int j = 0; j < nb; j++)
        if (lw[j] > lmax) lmax = lw[j];
    if (!isfinite(lmax)) return cav_err_set(err, CAV_ENUMERIC, "hf bo posterior: no finite weight");
    double W = 0, mean[2] = {0, 0}, w[2 * NINT];
    for (int j = 0; j < nb; j++) {
        w[j] = exp(lw[j] - lmax);
        W += w[j];
        mean[0] += w[j] * mb[j][0];
        mean[1] += w[j] * mb[j][1];
    }
    mean[0] /= W, mean[1] /= W;
    double cv[4] = {Pi[0], 0.5 * (Pi[1] + Pi[2]), 0, Pi[3]};
    for (int j = 0; j < nb; j++) {
        double wj = w[j] / W, d0 = mb[j][0] - mean[0], d1 = mb[j][1] - mean[1];
        cv[0] += wj * (var[j] * f[0] * f[0] + d0 * d0);
        cv[1] += wj * (var[j] * f[0] * f[1] + d0 * d1);
        cv[3] += wj * (var[j] * f[1] * f[1] + d1 * d1);
    }
    cv[2] = cv[1];
    memset(out, 0, sizeof *out);
    out->logZ = lmax + log(W);
    out->mean[0] = mean[0], out->mean[1] = mean[1];
    memcpy(out->cov, cv, sizeof cv);
    out->nodes = nb;
    out->method = CAV_MI_EXACT;
    return CAV_OK;
}

double cav_hf_bo_logr(const cav_hf_data *g, double a, double b)
{
    /* r(z) = p(z)/phi_2(z), p(z) = E_{lam, nu} N(z; (s lam, c t nu), diag(1, c^2)); the lam
     * integral on each interval of constant P(nu | lam) in closed form */
    const double bu = g->beta_u, bv = g->beta_v;
    const double s = sqrt(bu), t = sqrt(bv), c = 1.0 / sqrt(1.0 + bv);
    double pp[NINT];
    interval_pplus(g, pp);
    /* E_lam phi(a - s lam) 1{lam in I} / phi(a) = (1+bu)^{-1/2} exp(bu a^2/(2(1+bu))) P_I(N(m,
     * 1/(1+bu))) */
    const double A = 1.0 + bu, m = s * a / A, sd = 1.0 / sqrt(A);
    const double la = -0.5 * log(A) + 0.5 * s * a * m;
    double tot = 0, lmax = -INFINITY, lv[2 * NINT];
    int n = 0;
    for (int k = 0; k < 2; k++) {
        double nu = k == 0 ? 1.0 : -1.0;
        /* N(b; c t nu, c^2)/phi(b) */
        double z = (b - c * t * nu) / c;
        double lb = -log(c) - 0.5 * z * z + 0.5 * b * b;
        for (int i = 0; i < NINT; i++) {
            double p = k == 0 ? pp[i] : 1.0 - pp[i];
            if (!(p > 0)) continue;
            double lo, hi;
            interval(i, &lo, &hi);
            double mass = gmass((lo - m) / sd, (hi - m) / sd);
            if (!(mass > 0)) continue;
            lv[n] = la + lb + log(p) + log(mass);
            if (lv[n] > lmax) lmax = lv[n];
            n++;
        }
    }
    for (int j = 0; j < n; j++)
        tot += exp(lv[j] - lmax);
    return lmax + log(tot);
}

/* ------------------------------------------------------------------ output side ---------- */

struct cav_hf_bo_side {
    cav_hf_data g;
    int P;
    int ngh;
    double ghz[64], ghw[64];
    cav_gauss_opts go;
    double quad_err;
};

cav_hf_bo_side *cav_hf_bo_side_alloc(const cav_hf_data *g, int ngh, cav_err *err)
{
    if (cav_hf_data_check(g, err)) return NULL;
    if (ngh <= 0) ngh = 20;
    if (ngh < 2 || ngh > 64) {
        cav_err_set(err, CAV_EINVAL, "hf bo: ngh = %d must be in [2, 64]", ngh);
        return NULL;
    }
    cav_hf_bo_side *s = calloc(1, sizeof *s);
    if (!s) {
        cav_err_set(err, CAV_ENOMEM, "hf bo: out of memory");
        return NULL;
    }
    s->g = *g;
    s->P = 2;
    s->ngh = ngh;
    cav_gauss_hermite(ngh, s->ghz, s->ghw);
    s->go = cav_gauss_opts_default();
    s->go.abstol = 1e-11;
    s->go.reltol = 1e-9;
    s->go.zmax = 9;
    return s;
}

void cav_hf_bo_side_free(cav_hf_bo_side *s)
{
    free(s);
}

double cav_hf_bo_side_err(const cav_hf_bo_side *s)
{
    return s ? s->quad_err : NAN;
}

typedef struct out_ctx {
    const cav_hf_bo_side *s;
    double Q[4], V[4], L[4];
    int bad;
} out_ctx;

/* Symmetric square root of a 2 x 2 positive semi-definite matrix (negative eigenvalues clamped). */
static void sqrt2(const double S[4], double R[4])
{
    double a = S[0], b = 0.5 * (S[1] + S[2]), d = S[3];
    double tr = 0.5 * (a + d), dif = 0.5 * (a - d), rad = sqrt(dif * dif + b * b);
    double l1 = tr + rad, l2 = tr - rad;
    double r1 = l1 > 0 ? sqrt(l1) : 0.0, r2 = l2 > 0 ? sqrt(l2) : 0.0;
    if (rad == 0) {
        R[0] = R[3] = r1, R[1] = R[2] = 0;
        return;
    }
    /* eigenvector of l1: (b, l1 - a) or (l1 - d, b) */
    double e0 = l1 - d, e1 = b, nrm = hypot(e0, e1);
    if (nrm < 1e-300) e0 = b, e1 = l1 - a, nrm = hypot(e0, e1);
    e0 /= nrm, e1 /= nrm;
    R[0] = r1 * e0 * e0 + r2 * e1 * e1;
    R[1] = R[2] = (r1 - r2) * e0 * e1;
    R[3] = r1 * e1 * e1 + r2 * e0 * e0;
}

/* For each lam: sum over nu of P(nu | lam) E_{omega | lam, nu}[g_out g_out^T] (3 components). */
static void out_integrand(void *vc, size_t n, const double *z, double *res)
{
    out_ctx *c = vc;
    const cav_hf_bo_side *s = c->s;
    const double sb = sqrt(s->g.beta_u), tc = sqrt(s->g.beta_v) / sqrt(1.0 + s->g.beta_v);
    const double *Q = c->Q;
    const double Vi_det = c->V[0] * c->V[3] - c->V[1] * c->V[2];
    const double Vi[4] = {c->V[3] / Vi_det, -c->V[1] / Vi_det, -c->V[2] / Vi_det, c->V[0] / Vi_det};
    for (size_t k = 0; k < n; k++) {
        double lam = z[k], pplus = cav_hf_pplus(&s->g, lam), acc[3] = {0, 0, 0};
        for (int j = 0; j < 2; j++) {
            double p = j == 0 ? pplus : 1.0 - pplus;
            if (!(p > 0)) continue;
            double mu[2] = {sb * lam, tc * (j == 0 ? 1.0 : -1.0)};
            double mo[2] = {Q[0] * mu[0] + Q[1] * mu[1], Q[2] * mu[0] + Q[3] * mu[1]};
            for (int a = 0; a < s->ngh; a++)
                for (int b = 0; b < s->ngh; b++) {
                    double x0 = s->ghz[a], x1 = s->ghz[b], wt = p * s->ghw[a] * s->ghw[b];
                    double om[2] = {mo[0] + c->L[0] * x0 + c->L[1] * x1,
                                    mo[1] + c->L[2] * x0 + c->L[3] * x1};
                    cav_mi_post post;
                    if (cav_hf_bo_posterior(&s->g, om, c->V, &post, NULL)) {
                        c->bad = 1;
                        continue;
                    }
                    double d0 = post.mean[0] - om[0], d1 = post.mean[1] - om[1];
                    double g0 = Vi[0] * d0 + Vi[1] * d1, g1 = Vi[2] * d0 + Vi[3] * d1;
                    acc[0] += wt * g0 * g0;
                    acc[1] += wt * g0 * g1;
                    acc[2] += wt * g1 * g1;
                }
        }
        res[3 * k] = acc[0], res[3 * k + 1] = acc[1], res[3 * k + 2] = acc[2];
    }
}

int cav_hf_bo_output(void *ctx, const double *Q, double *G, double *se, cav_err *err)
{
    cav_hf_bo_side *s = ctx;
    out_ctx c = {.s = s};
    double q01 = 0.5 * (Q[1] + Q[2]);
    double Qs[4] = {Q[0], q01, q01, Q[3]};
    if (!(Qs[0] >= 0) || !(Qs[3] >= 0) || !(Qs[0] < 1) || !(Qs[3] < 1))
        return cav_err_set(err, CAV_EINVAL, "hf bo output: Q diagonal (%g, %g) outside [0, 1)",
                           Qs[0], Qs[3]);
    memcpy(c.Q, Qs, sizeof Qs);
    c.V[0] = 1 - Qs[0], c.V[1] = c.V[2] = -q01, c.V[3] = 1 - Qs[3];
    /* omega | Z ~ N(Q Z, Q - Q^2), Z | lam, nu ~ N(mu, D): omega | lam, nu ~ N(Q mu, Sig),
     * Sig = Q D Q + Q - Q^2, D = diag(1, c^2) */
    const double c2 = 1.0 / (1.0 + s->g.beta_v);
    double QD[4] = {Qs[0], Qs[1] * c2, Qs[2], Qs[3] * c2};
    double Sig[4];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            double qdq = QD[2 * i] * Qs[j] + QD[2 * i + 1] * Qs[2 + j];
            double qq = Qs[2 * i] * Qs[j] + Qs[2 * i + 1] * Qs[2 + j];
            Sig[2 * i + j] = qdq + Qs[2 * i + j] - qq;
        }
    sqrt2(Sig, c.L);
    double res[3], ae[3];
    cav_err e = {0};
    int st = cav_gauss_expect(out_integrand, &c, 3, brk, NBRK, &s->go, res, ae, &e);
    if (c.bad) return cav_err_set(err, CAV_ENUMERIC, "hf bo output: posterior failed");
    if (st && st != CAV_EMAXITER) return cav_err_set(err, st, "hf bo output: %s", e.msg);
    G[0] = res[0], G[1] = G[2] = res[1], G[3] = res[2];
    s->quad_err = fmax(ae[0], fmax(ae[1], ae[2]));
    if (se) se[0] = se[1] = se[2] = se[3] = 0;
    return CAV_OK;
}

void cav_hf_bo_side_model(cav_hf_bo_side *s, cav_mi_model *m)
{
    memset(m, 0, sizeof *m);
    m->P = 2;
    m->out_ctx = s;
    m->prior_ctx = &s->P;
    m->output = cav_hf_bo_output;
    m->prior = cav_mi_prior_gaussian;
    m->psi_prior = cav_mi_psi_gaussian;
}

/* ------------------------------------------------------------------ thresholds ---------- */

int cav_hf_bo_thresholds(const cav_hf_data *g, cav_hf_bo_thr *out, cav_err *err)
{
    if (!out) return cav_err_set(err, CAV_EINVAL, "hf bo thresholds: NULL out");
    int st = cav_hf_data_check(g, err);
    if (st) return st;
    out->alpha_u = out->alpha_v = out->kv = out->lambda_max = NAN;
    cav_hf_bo_side *s = cav_hf_bo_side_alloc(g, 20, err);
    if (!s) return CAV_ENOMEM;
    cav_mi_model m;
    cav_hf_bo_side_model(s, &m);
    /* trivial fixed point: the engine's stability over the whole 2 x 2 block */
    double Q0[4] = {0, 0, 0, 0};
    cav_mi_stab sb;
    st = cav_mi_stability(&m, 1.0, Q0, NULL, 0, 0, &sb, err);
    if (st) goto done;
    out->lambda_max = sb.lambda_max;
    out->alpha_u = sb.lambda_max > 0 ? 1.0 / sb.lambda_max : INFINITY;
    /* order of the v overlap in the u overlap: G_vv at Q = diag(q, 0) ~ q^kv */
    double G1[4], G2[4], Qa[4] = {0.02, 0, 0, 0}, Qb[4] = {0.04, 0, 0, 0};
    if ((st = cav_hf_bo_output(s, Qa, G1, NULL, err)) ||
        (st = cav_hf_bo_output(s, Qb, G2, NULL, err)))
        goto done;
    int joint = fabs(sb.vmax[1]) > 1e-6 || fabs(sb.vmax[3]) > 1e-6;
    int trivial = G2[3] > 1e-12 && G1[3] > 1e-13;
    out->kv = trivial ? log2(G2[3] / G1[3]) : INFINITY;
    if (!isfinite(out->alpha_u)) {
        out->alpha_v = INFINITY; /* beta_u = 0: nothing to learn first, v has eigenvalue 0 */
    } else if (joint || trivial) {
        /* v* grows with u* (top eigenvector mixing the two, k* = 1) or as soon as u* is learned
         * (E[Z_v | omega_u] != 0: the trivial direction of the staircase) */
        out->alpha_v = out->alpha_u;
    } else {
        /* the engine's conditional threshold of v* given u* learned */
        int un[1] = {1};
        cav_mi_cond_result cr;
        cav_mi_se_opts so = cav_mi_se_opts_default();
        so.want_se = 0;
        st = cav_mi_threshold_conditional(&m, un, 1, 1.05 * out->alpha_u, 100.0 * out->alpha_u,
                                          1e-6, &so, &cr);
        if (st == CAV_OK) {
            out->alpha_v = cr.alpha_c;
        } else if (st == CAV_EINVAL && cr.fhi < 0 && cr.flo < 0) {
            out->alpha_v = INFINITY; /* stable up to 100 alpha_u: no recovery at n = O(d) */
            st = CAV_OK;
        } else {
            cav_err_set(err, st, "hf bo thresholds: %s", cr.msg);
        }
    }
done:
    cav_hf_bo_side_free(s);
    return st;
}
