/* cavity/channel.h — teacher channels P(y | nu): label laws given the teacher field nu.
 *
 * A channel provides
 *   - a sampler y ~ P(y | nu);
 *   - the conditional label law given a Gaussian teacher field nu ~ N(mu, v): a finite list of
 *     label values y_k with weights w_k = P(y = y_k) and first moments wnu_k = E[nu 1{y = y_k}]
 *     (exact for discrete labels; a Gauss–Hermite discretisation of y for continuous ones).
 *     This is what the ERM replica engine needs: for student field omega jointly Gaussian with
 *     nu, E_{y,nu|omega}[g(y, omega)] = sum_k w_k g(y_k, omega) and E[nu g] = sum_k wnu_k g;
 *   - the Bayes output function: Z(y, omega, V) = int P(y|nu) N(nu; omega, V) dnu, returned as
 *     log Z, gout = d log Z / d omega and dgout = d gout / d omega (stable in the tails);
 *   - its hyper-parameters by value (flip / fact probability eps, noise variance Delta).
 * Registry as for losses.
 */
#ifndef CAVITY_CHANNEL_H
#define CAVITY_CHANNEL_H

#include <stddef.h>

#include "cavity/rng.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAV_CHANNEL_NPAR 2
#define CAV_CHANNEL_MAXY 64

typedef struct cav_channel cav_channel;

typedef struct cav_channel_type {
    const char *name; /* "sign", "sign-flip" (RAF), "linear" */
    const char *summary;
    int binary; /* 1 if labels are +-1 */
    double (*sample)(const cav_channel *self, double nu, cav_rng *rng);
    /* Conditional label law given nu ~ N(mu, v), v >= 0 (v = 0: nu = mu exactly). Writes at most
     * CAV_CHANNEL_MAXY entries and returns the count. */
    int (*ylaw)(const cav_channel *self, double mu, double v, double *y, double *w, double *wnu);
    /* Bayes output for each i: logZ, gout, dgout (each may be NULL). V[i] >= 0. */
    void (*out)(const cav_channel *self, size_t n, const double *y, const double *omega,
                const double *V, double *logZ, double *gout, double *dgout);
    /* Validate the hyper-parameters par[]: CAV_OK, or CAV_EINVAL with a message on err. */
    int (*check)(const cav_channel *self, cav_err *err);
} cav_channel_type;

struct cav_channel {
    const cav_channel_type *type;
    double par[CAV_CHANNEL_NPAR];
};

/* sign: y = sign(nu). */
extern const cav_channel_type cav_channel_sign;
/* sign-flip: the Rules-and-Facts label law. par[0] = eps in [0,1]: with probability 1-eps the
 * rule y = sign(nu), with probability eps a fact y = +-1 uniformly, i.e.
 * P(y|nu) = (1 + (1-eps) y sign(nu)) / 2. */
extern const cav_channel_type cav_channel_sign_flip;
/* linear: y = nu + sqrt(Delta) xi, par[0] = Delta >= 0. */
extern const cav_channel_type cav_channel_linear;

const cav_channel_type *const *cav_channel_registry(void);
const cav_channel_type *cav_channel_find(const char *name);
/* The same lookup as const void * (the `find` of a CAV_PARAM_TYPE field, cavity/param.h). */
const void *cav_channel_find_any(const char *name);
const char *cav_channel_names(void);

/* Validate self (type set, eps in [0,1], Delta >= 0) before any work: CAV_OK or CAV_EINVAL with
 * a message naming the parameter on err (may be NULL). */
int cav_channel_check(const cav_channel *self, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
