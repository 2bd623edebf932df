/* blocks/prior.c — priors P(w) on teacher/signal entries: Gaussian N(0,1) and Rademacher +-1.
 *
 * Sampler, second moment E[w^2], and the Bayes denoiser of the scalar Gaussian channel
 * B = A w + sqrt(A) z (A >= 0), whose posterior is P(w | B) ∝ P(w) exp(B w - A w^2/2):
 *   Gaussian:   P(w|B) = N(B/(1+A), 1/(1+A))           -> mean B/(1+A), var 1/(1+A);
 *   Rademacher: P(w = +-1 | B) ∝ exp(+-B) (w^2 = 1)   -> mean tanh(B), var 1 - tanh(B)^2.
 * var is also d mean/d B (the Onsager term of AMP / state evolution), as prior.h states.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "cavity/gauss.h"
#include "core/registry.h"
#include "cavity/prior.h"

static double gaussian_sample(const cav_prior *self, cav_rng *rng)
{
    (void)self;
    return cav_rng_normal(rng);
}

static void gaussian_denoise(const cav_prior *self, size_t n, const double *B, double A,
                             double *mean, double *var)
{
    (void)self;
    double c = 1.0 / (1.0 + A);
    for (size_t i = 0; i < n; i++) {
        if (mean) mean[i] = B[i] * c;
        if (var) var[i] = c;
    }
}

static double unit_second_moment(const cav_prior *self)
{
    (void)self;
    return 1.0;
}

static double rademacher_sample(const cav_prior *self, cav_rng *rng)
{
    (void)self;
    return cav_rng_sign(rng);
}

/* tanh(B) and sech(B)^2 = 4 e^{-2|B|}/(1 + e^{-2|B|})^2, the latter without the cancellation of
 * 1 - tanh^2 when |B| is large. */
static void rademacher_denoise(const cav_prior *self, size_t n, const double *B, double A,
                               double *mean, double *var)
{
    (void)self;
    (void)A; /* enters only through B, since w^2 = 1 */
    for (size_t i = 0; i < n; i++) {
        double e = exp(-2.0 * fabs(B[i])), d = 1.0 + e;
        if (mean) mean[i] = tanh(B[i]);
        if (var) var[i] = 4.0 * e / (d * d);
    }
}

const cav_prior_type cav_prior_gaussian = {"gaussian", "standard Gaussian N(0, 1)", gaussian_sample,
                                           gaussian_denoise, unit_second_moment};

const cav_prior_type cav_prior_rademacher = {"rademacher", "+-1 with probability 1/2 each",
                                             rademacher_sample, rademacher_denoise,
                                             unit_second_moment};

static const cav_prior_type *const prior_registry[] = {&cav_prior_gaussian, &cav_prior_rademacher,
                                                       NULL};

CAV_REGISTRY_DEFINE(cav_prior_type, prior_registry, cav_prior)

const char *cav_prior_names(void)
{
    return "gaussian,rademacher";
}

static void tanh_integrand(void *ctx, size_t n, const double *z, double *out)
{
    double g = *(const double *)ctx, s = sqrt(g);
    for (size_t i = 0; i < n; i++)
        out[i] = tanh(g + s * z[i]);
}

double cav_prior_rademacher_overlap(double gamma)
{
    if (!(gamma >= 0.0)) return NAN;
    if (gamma == 0.0) return 0.0;
    if (gamma > 700.0) return 1.0; /* 1 - m < 2 E exp(-2(gamma + sqrt(gamma) Z)) ~ e^{-gamma} */
    /* tanh(gamma + sqrt(gamma) z) changes sign steeply around z = -sqrt(gamma), and tanh has
     * poles at distance pi/(2 sqrt(gamma)) from the real axis: a fixed Gauss-Hermite rule
     * converges slowly (160 nodes are off by 1e-10 at gamma = 3.7), so the expectation is
     * adaptive with a break at the sign change. */
    cav_gauss_opts o = cav_gauss_opts_default();
    o.abstol = 1e-14;
    o.reltol = 1e-12;
    double res = NAN, brk = -sqrt(gamma);
    cav_gauss_expect(tanh_integrand, &gamma, 1, &brk, 1, &o, &res, NULL, NULL);
    return res;
}

double cav_prior_rademacher_snr(double m)
{
    if (!(m > 0.0)) return 0.0;
    double lo = 0.0, hi = 1.0;
    while (cav_prior_rademacher_overlap(hi) < m && hi < 700.0)
        hi *= 2.0;
    for (int k = 0; k < 200 && hi - lo > 1e-15 * hi; k++) {
        double mid = 0.5 * (lo + hi);
        if (cav_prior_rademacher_overlap(mid) < m)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}
