/* cavity/prior.h — priors P(w) on teacher / signal entries, with sampler and Bayes denoiser.
 *
 * The denoiser is for the scalar Gaussian channel B = A w + sqrt(A) z (A >= 0 the SNR):
 * mean = E[w | B], var = Var[w | B], i.e. f_a(B, A) and f_v(B, A) = d f_a / d B.
 */
#ifndef CAVITY_PRIOR_H
#define CAVITY_PRIOR_H

#include <stddef.h>

#include "cavity/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cav_prior cav_prior;

typedef struct cav_prior_type {
    const char *name; /* "gaussian", "rademacher" */
    const char *summary;
    double (*sample)(const cav_prior *self, cav_rng *rng);
    void (*denoise)(const cav_prior *self, size_t n, const double *B, double A, double *mean,
                    double *var);
    double (*second_moment)(const cav_prior *self);
} cav_prior_type;

struct cav_prior {
    const cav_prior_type *type;
    double par[2];
};

extern const cav_prior_type cav_prior_gaussian;   /* N(0, 1) */
extern const cav_prior_type cav_prior_rademacher; /* +-1 with probability 1/2 */

const cav_prior_type *const *cav_prior_registry(void);
const cav_prior_type *cav_prior_find(const char *name);
/* The same lookup as const void * (the `find` of a CAV_PARAM_TYPE field, cavity/param.h). */
const void *cav_prior_find_any(const char *name);
const char *cav_prior_names(void);

/* The Bayes overlap of the Rademacher prior at signal-to-noise ratio gamma >= 0:
 * m(gamma) = E_Z tanh(gamma + sqrt(gamma) Z), Z ~ N(0,1), the overlap E[x xhat] of the posterior
 * mean of x = +-1 from the scalar channel B = gamma x + sqrt(gamma) Z (adaptive quadrature,
 * accurate to 1e-13). NaN if gamma < 0 or NaN. The state evolution of AMP with this prior is
 * m_{t+1} = m(snr m_t). */
double cav_prior_rademacher_overlap(double gamma);
/* The inverse: gamma >= 0 with m(gamma) = m for m in [0, 1) (bisection, relative 1e-15); 0 for
 * m <= 0. */
double cav_prior_rademacher_snr(double m);

#ifdef __cplusplus
}
#endif
#endif
