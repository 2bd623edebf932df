/* sim/hf/hf_data.c — the hidden-factor data law (cavity/hf.h): latent pairs and their exact
 * moments, spikes, samples with the whitening that hides v* from the covariance, exact draws of
 * the projections (w.x, v*.x) of fresh samples, the downstream task and the test loss.
 *
 * Conde Mendes et al., arXiv:2602.10680 (2026); docs/autoencoder.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/hf.h"
#include "cavity/special.h"
#include "core/la.h"

int cav_hf_data_check(const cav_hf_data *g, cav_err *err)
{
    if (!g) return cav_err_set(err, CAV_EINVAL, "data law is NULL");
    if (!(g->beta_u >= 0 && isfinite(g->beta_u)))
        return cav_err_set(err, CAV_EINVAL, "beta_u = %g outside [0, inf)", g->beta_u);
    if (!(g->beta_v >= 0 && isfinite(g->beta_v)))
        return cav_err_set(err, CAV_EINVAL, "beta_v = %g outside [0, inf)", g->beta_v);
    if (g->latent < CAV_HF_K1 || g->latent > CAV_HF_MIX)
        return cav_err_set(err, CAV_EINVAL, "latent = %d: one of k1, k2, k3, indep, mix",
                           g->latent);
    if (g->latent == CAV_HF_MIX) {
        if (!(g->gamma >= 0 && g->gamma <= 1))
            return cav_err_set(err, CAV_EINVAL, "gamma = %g outside [0, 1]", g->gamma);
        if (!(g->delta >= 0 && g->delta <= 1 - g->gamma))
            return cav_err_set(err, CAV_EINVAL, "delta = %g outside [0, 1 - gamma = %g]", g->delta,
                               1 - g->gamma);
    }
    return CAV_OK;
}

const char *cav_hf_latent_name(int latent)
{
    static const char *const names[] = {"k1", "k2", "k3", "indep", "mix"};
    return latent >= 0 && latent <= CAV_HF_MIX ? names[latent] : "?";
}

static double nu_k1(double lam)
{
    return lam >= 0 ? 1.0 : -1.0;
}
static double nu_k2(double lam)
{
    return fabs(lam) >= CAV_HF_C2 ? 1.0 : -1.0;
}
static double nu_k3(double lam)
{
    return (lam >= 0 ? 1.0 : -1.0) * (fabs(lam) >= CAV_HF_C3 ? 1.0 : -1.0);
}

void cav_hf_latent(const cav_hf_data *g, cav_rng *r, double *lam, double *nu)
{
    double l = cav_rng_normal(r);
    int law = g->latent;
    if (law == CAV_HF_MIX) {
        double u = cav_rng_uniform(r);
        law = u < g->gamma ? CAV_HF_K1 : u < g->gamma + g->delta ? CAV_HF_K2 : CAV_HF_INDEP;
    }
    *lam = l;
    switch (law) {
    case CAV_HF_K1:
        *nu = nu_k1(l);
        break;
    case CAV_HF_K2:
        *nu = nu_k2(l);
        break;
    case CAV_HF_K3:
        *nu = nu_k3(l);
        break;
    default:
        *nu = cav_rng_sign(r);
        break;
    }
}

double cav_hf_pplus(const cav_hf_data *g, double lam)
{
    switch (g->latent) {
    case CAV_HF_K1:
        return nu_k1(lam) > 0;
    case CAV_HF_K2:
        return nu_k2(lam) > 0;
    case CAV_HF_K3:
        return nu_k3(lam) > 0;
    case CAV_HF_INDEP:
        return 0.5;
    default:
        return g->gamma * (nu_k1(lam) > 0) + g->delta * (nu_k2(lam) > 0) +
               (1 - g->gamma - g->delta) * 0.5;
    }
}

/* J_k(c) = E[lam^k 1{lam > c}]: J_0 = H(c), J_1 = phi(c), J_k = c^{k-1} phi(c) + (k-1) J_{k-2}
 * (integration by parts). */
static double trunc_moment(int k, double c)
{
    double j0 = cav_H(c), j1 = cav_phi(c);
    if (k == 0) return j0;
    if (k == 1) return j1;
    double a = j0, b = j1, out = 0;
    for (int i = 2; i <= k; i++) {
        out = pow(c, i - 1) * cav_phi(c) + (i - 1) * a;
        a = b;
        b = out;
    }
    return out;
}

/* E[lam^k] for lam ~ N(0, 1). */
static double gauss_moment(int k)
{
    return k % 2 ? 0.0 : 2.0 * trunc_moment(k, 0.0);
}

static double moment_law(int law, int k)
{
    switch (law) {
    case CAV_HF_K1: /* E[|lam|^k] for odd k, 0 for even */
        return k % 2 ? 2.0 * trunc_moment(k, 0.0) : 0.0;
    case CAV_HF_K2: /* even k: 2 E[lam^k 1{|lam| >= c2}] - E lam^k */
        return k % 2 ? 0.0 : 4.0 * trunc_moment(k, CAV_HF_C2) - gauss_moment(k);
    case CAV_HF_K3: /* odd k: 2 (J_k(c3) - (J_k(0) - J_k(c3))) */
        return k % 2 ? 2.0 * (2.0 * trunc_moment(k, CAV_HF_C3) - trunc_moment(k, 0.0)) : 0.0;
    default:
        return 0.0;
    }
}

double cav_hf_moment(const cav_hf_data *g, int k)
{
    if (k < 0 || k > 12) return NAN;
    if (g->latent != CAV_HF_MIX) return moment_law(g->latent, k);
    return g->gamma * moment_law(CAV_HF_K1, k) + g->delta * moment_law(CAV_HF_K2, k);
}

int cav_hf_spikes(size_t d, uint64_t seed, double *u, double *v, cav_err *err)
{
    if (d < 2) return cav_err_set(err, CAV_EINVAL, "d = %zu outside [2, inf)", d);
    if (!u || !v) return cav_err_set(err, CAV_EINVAL, "spike arrays are NULL");
    cav_rng r;
    cav_rng_init(&r, seed, cav_rng_hash("hf-spikes"), 0);
    cav_rng_normal_fill(&r, d, 1.0, u);
    cav_rng_normal_fill(&r, d, 1.0, v);
    double nu2 = cav_la_dot(d, u, u);
    double uv = cav_la_dot(d, u, v) / nu2;
    for (size_t i = 0; i < d; i++)
        v[i] -= uv * u[i];
    double su = sqrt((double)d) / cav_la_nrm2(d, u), sv = sqrt((double)d) / cav_la_nrm2(d, v);
    for (size_t i = 0; i < d; i++) {
        u[i] *= su;
        v[i] *= sv;
    }
    return CAV_OK;
}

int cav_hf_sample(const cav_hf_data *g, size_t d, const double *u, const double *v, size_t n,
                  uint64_t seed, uint64_t stream, double *X, double *lam, double *nu, cav_err *err)
{
    int rc = cav_hf_data_check(g, err);
    if (rc) return rc;
    if (d < 2 || !u || !v || !X) return cav_err_set(err, CAV_EINVAL, "d = %zu or arrays NULL", d);
    /* z first (threaded, reproducible), then the spikes and the whitening row by row. */
    cav_rng_normal_matrix(seed, stream, n, d, 1.0, X);
    const double sd = sqrt((double)d), bt = 1.0 - 1.0 / sqrt(1.0 + g->beta_v);
    const double su = sqrt(g->beta_u) / sd, sv = sqrt(g->beta_v) / sd;
    const long nb = (long)((n + 63) / 64);
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nb; b++) {
        cav_rng r;
        cav_rng_init(&r, seed, stream ^ cav_rng_hash("hf-latent"), (uint64_t)b);
        size_t i1 = (size_t)b * 64 + 64 < n ? (size_t)b * 64 + 64 : n;
        for (size_t i = (size_t)b * 64; i < i1; i++) {
            double l, s;
            cav_hf_latent(g, &r, &l, &s);
            double *x = X + i * d;
            /* y = sqrt(beta_v) nu v/sqrt d + z; S y = y - bt v (v.y)/d */
            double vy = 0;
            for (size_t j = 0; j < d; j++) {
                x[j] += sv * s * v[j];
                vy += v[j] * x[j];
            }
            double cvy = bt * vy / (double)d;
            for (size_t j = 0; j < d; j++)
                x[j] += su * l * u[j] - cvy * v[j];
            if (lam) lam[i] = l;
            if (nu) nu[i] = s;
        }
    }
    return CAV_OK;
}

void cav_hf_project(const cav_hf_data *g, double m_u, double m_v, double q, cav_rng *r, double *h,
                    double *y)
{
    double lam, nu;
    cav_hf_latent(g, r, &lam, &nu);
    const double c = 1.0 / sqrt(1.0 + g->beta_v);
    double zu = cav_rng_normal(r), zv = cav_rng_normal(r), zp = cav_rng_normal(r);
    double rest = q - m_u * m_u - m_v * m_v;
    /* x.u/sqrt d = sqrt(bu) lam + z_u; x.v/sqrt d = c (sqrt(bv) nu + z_v); the part of w
     * orthogonal to both spikes sees pure noise of variance q - m_u^2 - m_v^2. */
    double xv = c * (sqrt(g->beta_v) * nu + zv);
    *h = m_u * (sqrt(g->beta_u) * lam + zu) + m_v * xv + sqrt(rest > 0 ? rest : 0) * zp;
    *y = xv;
}

double cav_hf_downstream(const cav_hf_data *g, double m_u, double m_v, double q, long draws,
                         long batch, uint64_t seed, uint64_t stream)
{
    if (draws < 1 || batch < 2) return NAN;
    long wrong = 0;
    cav_rng r;
    cav_rng_init(&r, seed, stream ^ cav_rng_hash("hf-downstream"), 0);
    for (long t = 0; t < draws; t++) {
        double sp = 0, sm = 0;
        long np = 0, nm = 0;
        for (long i = 0; i < batch; i++) {
            double h, y;
            cav_hf_project(g, m_u, m_v, q, &r, &h, &y);
            if (y >= 0) {
                sp += h;
                np++;
            } else {
                sm += h;
                nm++;
            }
        }
        wrong += !(np > 0 && sp > 0);
        wrong += !(nm > 0 && sm < 0);
    }
    return (double)wrong / (2.0 * (double)draws);
}

void cav_hf_test_loss_mc(const cav_hf_data *g, const cav_activation_type *act, double m_u,
                         double m_v, double q, long n, uint64_t seed, double *mean, double *se)
{
    enum { B = 256 };
    cav_rng r;
    cav_rng_init(&r, seed, cav_rng_hash("hf-test"), 0);
    double hb[B], sb[B], s1 = 0, s2 = 0;
    for (long i0 = 0; i0 < n; i0 += B) {
        size_t nb = (size_t)(n - i0 < B ? n - i0 : B);
        for (size_t i = 0; i < nb; i++) {
            double y;
            cav_hf_project(g, m_u, m_v, q, &r, &hb[i], &y);
        }
        act->eval(nb, hb, sb, NULL);
        for (size_t i = 0; i < nb; i++) {
            double l = -hb[i] * sb[i] + 0.5 * q * sb[i] * sb[i];
            s1 += l;
            s2 += l * l;
        }
    }
    double m = s1 / (double)n, var = s2 / (double)n - m * m;
    *mean = m;
    *se = n > 1 && var > 0 ? sqrt(var / (double)(n - 1)) : 0.0;
}
