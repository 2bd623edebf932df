/* cavity/activation.h — activation functions sigma with derivative and Hermite coefficients.
 *
 * mu0 = E sigma(g), mu1 = E g sigma(g), mustar^2 = E sigma(g)^2 - mu0^2 - mu1^2, g ~ N(0,1):
 * the numbers through which a random-feature or dot-product-kernel learner acts in the
 * proportional limit (Gaussian equivalence). Closed forms where they exist, checked against
 * quadrature in the tests.
 */
#ifndef CAVITY_ACTIVATION_H
#define CAVITY_ACTIVATION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cav_activation_type {
    const char *name; /* "relu", "tanh", ... : cav_activation_names() lists them all */
    const char *summary;
    /* y[i] = sigma(x[i]), dy[i] = sigma'(x[i]) (dy may be NULL). */
    void (*eval)(size_t n, const double *x, double *y, double *dy);
    /* Hermite coefficients under N(0,1). */
    void (*hermite)(double *mu0, double *mu1, double *mustar);
    int nkinks;
    double kinks[2];
} cav_activation_type;

extern const cav_activation_type cav_act_relu;      /* max(0, x) */
extern const cav_activation_type cav_act_tanh;      /* tanh(x) */
extern const cav_activation_type cav_act_erf;       /* erf(x) */
extern const cav_activation_type cav_act_sign;      /* sign(x) */
extern const cav_activation_type cav_act_linear;    /* x */
extern const cav_activation_type cav_act_quadratic; /* x^2 */
extern const cav_activation_type cav_act_sigmoid;   /* 1/(1 + exp(-x)) */
extern const cav_activation_type cav_act_elu;       /* x (x > 0), exp(x) - 1 (x <= 0) */
extern const cav_activation_type cav_act_gelu;      /* x Phi(x), Phi the standard normal CDF */
extern const cav_activation_type cav_act_he2;       /* x^2 - 1 (monic Hermite He2) */
extern const cav_activation_type cav_act_he3;       /* x^3 - 3x (monic Hermite He3) */

const cav_activation_type *const *cav_activation_registry(void);
const cav_activation_type *cav_activation_find(const char *name);
/* The same lookup as const void * (the `find` of a CAV_PARAM_TYPE field, cavity/param.h). */
const void *cav_activation_find_any(const char *name);
const char *cav_activation_names(void);

#ifdef __cplusplus
}
#endif
#endif
