/* theory/adv/adv_metrics.c — clean, robust and consistent adversarial errors of a linear
 * classifier (include/cavity/adversarial.h; Vilucchio, Zdeborová, Loureiro, arXiv:2506.12454;
 * docs/adversarial.md, "Attacks and errors"), and the attack norms N_rob, N_cns at a
 * state-evolution fixed point.
 *
 * Errors. y = sign(nu), (nu, lam) jointly Gaussian with E nu^2 = 1, E lam^2 = q, E nu lam = m,
 * r = m/sqrt(q). An attack of budget eps moves the field by at most eps N (N_rob without
 * constraint, N_cns under theta.delta = 0); the point is then misclassified iff y lam < eps N.
 * With B(k) = P(nu > 0, lam/sqrt(q) > k) (bivariate normal, correlation r) and the symmetry
 * (nu, lam) -> (-nu, -lam):
 *     P(y lam < a) = 1 - 2 B(a/sqrt(q)),   egen = 1 - 2 B(0) = arccos(r)/pi,
 *     ebnd_cns = P(0 < y lam < a_cns) = 2 [B(0) - B(a_cns/sqrt(q))],
 *     attackable = P(|lam| <= a_cns) = 1 - 2 H(a_cns/sqrt(q)).
 *
 * Norms at the fixed point (a test attack is a delta on the latent / input space):
 *   l_2:   N_rob = ||v||_2/sqrt(d) = sqrt(q_z), N_cns = ||P_perp v||_2/sqrt(d) = sqrt(q_z - m^2)
 *          (E theta_j^2 = 1);
 *   l_inf: N_rob = ||v||_1/d = P_z; N_cns = min_t ||v - t theta||_1/d (LP duality: the largest
 *          v.delta over ||delta||_inf <= 1, theta.delta = 0), whose limit is the prior-side
 *          expectation g(t) = wA E|a_v w - t theta| + (1 - wA) |t| sqrt(2/pi), with w =
 *          soft(b, T)/D, b = beta theta + s xi, beta = mhat c_A, s^2 = qhat w_A (adv.c):
 *          DIRECT and LATENT gamma <= 1: a_v = 1, wA = 1 (v = w on the latent-carrying
 *          coordinates); LATENT gamma > 1: a_v = sqrt(gamma), wA = 1/gamma (latent coordinates
 *          p+1..d have v_j = 0). Given b, theta ~ N(beta b/sigma^2, 1 - beta^2/sigma^2)
 *          (sigma^2 = beta^2 + s^2), so the inner expectation is E|X| of a Gaussian in closed
 *          form and g(t) is a 1-D kink-aware quadrature in b (kinks at |b| = T); g is convex in t
 *          and minimised by Brent.
 */
#include <math.h>
#include <string.h>

#include "cavity/gauss.h"
#include "cavity/roots.h"
#include "cavity/special.h"
#include "theory/adv/adv_internal.h"

void cav_adv_theory_metrics(double m, double q, double eps, double n_rob, double n_cns,
                            double out[5])
{
    if (!(q > 0)) {
        out[0] = out[1] = out[2] = 0.5;
        out[3] = 0;
        out[4] = 1;
        return;
    }
    double sq = sqrt(q), r = m / sq;
    if (r > 1) r = 1;
    if (r < -1) r = -1;
    double kr = eps * n_rob / sq, kc = eps * n_cns / sq;
    double B0 = cav_bvn_upper(0.0, 0.0, r), Bc = cav_bvn_upper(0.0, kc, r);
    out[0] = acos(r) / 3.14159265358979323846;
    out[1] = 1.0 - 2.0 * cav_bvn_upper(0.0, kr, r);
    out[2] = 1.0 - 2.0 * Bc;
    out[3] = 2.0 * (B0 - Bc);
    out[4] = 1.0 - 2.0 * cav_H(kc);
}

typedef struct l1_ctx {
    double beta, s, sig, T, D, av, t;
} l1_ctx;

/* E|X|, X ~ N(mu, v). */
static double abs_gauss(double mu, double v)
{
    if (!(v > 0)) return fabs(mu);
    double sd = sqrt(v), u = mu / sd;
    return 2.0 * sd * cav_phi(u) + mu * (1.0 - 2.0 * cav_H(u));
}

static void l1_integrand(void *vctx, size_t n, const double *z, double *out)
{
    const l1_ctx *c = vctx;
    double rb = c->beta / (c->sig * c->sig), vth = 1.0 - c->beta * rb;
    if (vth < 0) vth = 0;
    for (size_t i = 0; i < n; i++) {
        double b = c->sig * z[i], ab = fabs(b);
        double w = ab > c->T ? (b > 0 ? ab - c->T : c->T - ab) / c->D : 0.0;
        out[i] = abs_gauss(c->av * w - c->t * rb * b, c->t * c->t * vth);
    }
}

typedef struct g_ctx {
    l1_ctx l1;
    double wA;
    int bad;
    cav_err *err;
} g_ctx;

static double g_of_t(void *vctx, double t)
{
    g_ctx *c = vctx;
    c->l1.t = t;
    double br[2] = {c->l1.T / c->l1.sig, -c->l1.T / c->l1.sig}, res = NAN;
    cav_gauss_opts o = cav_gauss_opts_default();
    int st =
        cav_gauss_expect(l1_integrand, &c->l1, 1, br, c->l1.T > 0 ? 2 : 0, &o, &res, NULL, c->err);
    if (st != CAV_OK && st != CAV_EMAXITER) c->bad = 1;
    return c->wA * res + (1.0 - c->wA) * fabs(t) * sqrt(2.0 / 3.14159265358979323846);
}

int cav_adv_norms(const cav_adv_ctx *c, const cav_adv_solution *s, double *n_rob, double *n_cns,
                  cav_err *err)
{
    const cav_adv_problem *p = c->p;
    if (p->attack_norm == CAV_ADV_L2) {
        *n_rob = sqrt(s->q_z);
        double v = s->q_z - s->m * s->m;
        *n_cns = sqrt(v > 0 ? v : 0);
        return CAV_OK;
    }
    *n_rob = s->P_z;
    const cav_adv_pop *A = &c->pop[0]; /* the latent-carrying population */
    g_ctx g;
    memset(&g, 0, sizeof g);
    g.err = err;
    g.l1.beta = s->mhat * A->c;
    g.l1.s = sqrt(s->qhat * A->w);
    g.l1.sig = sqrt(g.l1.beta * g.l1.beta + g.l1.s * g.l1.s);
    g.l1.T = c->T[0];
    g.l1.D = c->D[0];
    g.l1.av = p->latent && p->gamma > 1 ? sqrt(p->gamma) : 1.0;
    g.wA = p->latent && p->gamma > 1 ? 1.0 / p->gamma : 1.0;
    if (!(g.l1.sig > 0)) { /* w = 0 */
        *n_cns = 0;
        return CAV_OK;
    }
    double m = s->m, lo = fmin(0.0, 4.0 * m) - 1.0, hi = fmax(0.0, 4.0 * m) + 1.0, tmin, fmin_;
    int st = cav_min_brent(g_of_t, &g, lo, hi, 1e-10, 200, &tmin, &fmin_, err);
    if (g.bad) return cav_err_set(err, CAV_ENUMERIC, "adversarial: l_1 consistent-norm quadrature");
    if (st != CAV_OK && st != CAV_EMAXITER) return st;
    /* t = 0 is feasible, so N_cns <= g(0) = N_rob exactly; the quadrature's ~1e-12 error must
     * not break that ordering. */
    *n_cns = fmin(fmin_, *n_rob);
    return CAV_OK;
}
