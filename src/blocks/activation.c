/* blocks/activation.c — activation functions sigma with derivative and Hermite coefficients.
 *
 * mu0 = E sigma(g), mu1 = E g sigma(g), mustar^2 = E sigma(g)^2 - mu0^2 - mu1^2 for g ~ N(0,1):
 * the Gaussian-equivalence constants of kernel and random-feature learners (docs/raf.md,
 * "Learners"; Gerace et al. 2020). Closed forms (derivations in the comments of each function):
 *   relu       mu0 = 1/sqrt(2 pi), mu1 = 1/2,            mustar^2 = 1/4 - 1/(2 pi)
 *   sign       mu0 = 0,            mu1 = sqrt(2/pi),     mustar^2 = 1 - 2/pi
 *   erf        mu0 = 0,            mu1 = 2/sqrt(3 pi),   mustar^2 = (2/pi) asin(2/3) - 4/(3 pi)
 *   linear     0, 1, 0;            quadratic  1, 0, sqrt(2)
 * tanh has none: its coefficients come from the kink-aware quadrature cav_hermite_coeffs, once
 * (pthread_once), and are read-only afterwards. The tests check every closed form against the
 * quadrature and tanh against an independent scipy value (tests/ref/blocks/hermite_ref.py).
 */
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "core/registry.h"
#include "cavity/activation.h"
#include "cavity/special.h"

#define PI 3.14159265358979323846264338327950288

/* relu: E max(0,g) = phi(0) = 1/sqrt(2 pi); E g^2 1{g>0} = 1/2; E relu^2 = 1/2.
 * Derivative: 1{x >= 0} (right derivative at the kink). */
static void relu_eval(size_t n, const double *x, double *y, double *dy)
{
    for (size_t i = 0; i < n; i++) {
        y[i] = x[i] > 0 ? x[i] : 0.0;
        if (dy) dy[i] = x[i] >= 0 ? 1.0 : 0.0;
    }
}

static void relu_hermite(double *mu0, double *mu1, double *mustar)
{
    *mu0 = 1.0 / sqrt(2.0 * PI);
    *mu1 = 0.5;
    *mustar = sqrt(0.25 - 1.0 / (2.0 * PI));
}

/* tanh, derivative sech^2 = 4 e^{-2|x|}/(1 + e^{-2|x|})^2 (no cancellation for large |x|). */
static void tanh_eval(size_t n, const double *x, double *y, double *dy)
{
    for (size_t i = 0; i < n; i++) {
        y[i] = tanh(x[i]);
        if (dy) {
            double e = exp(-2.0 * fabs(x[i])), d = 1.0 + e;
            dy[i] = 4.0 * e / (d * d);
        }
    }
}

static double tanh_coef[3];
static pthread_once_t tanh_once = PTHREAD_ONCE_INIT;

static double tanh_scalar(void *ctx, double x)
{
    (void)ctx;
    return tanh(x);
}

static void tanh_init(void)
{
    cav_err err = {0};
    if (cav_hermite_coeffs(tanh_scalar, NULL, NULL, 0, &tanh_coef[0], &tanh_coef[1], &tanh_coef[2],
                           &err) != CAV_OK)
        tanh_coef[0] = tanh_coef[1] = tanh_coef[2] = NAN; /* visible, never silently wrong */
}

static void tanh_hermite(double *mu0, double *mu1, double *mustar)
{
    pthread_once(&tanh_once, tanh_init);
    *mu0 = tanh_coef[0];
    *mu1 = tanh_coef[1];
    *mustar = tanh_coef[2];
}

/* erf: E erf(g) = 0 (odd); E g erf(g) = E erf'(g) = (2/sqrt pi) E e^{-g^2} = 2/sqrt(3 pi)
 * (Stein's lemma); E erf(g)^2 = (2/pi) asin(2/3) (E erf(a g) erf(b g) =
 * (2/pi) asin(2ab/sqrt((1+2a^2)(1+2b^2))), Williams 1997). */
static void erf_eval(size_t n, const double *x, double *y, double *dy)
{
    for (size_t i = 0; i < n; i++) {
        y[i] = erf(x[i]);
        if (dy) dy[i] = (2.0 / sqrt(PI)) * exp(-x[i] * x[i]);
    }
}

static void erf_hermite(double *mu0, double *mu1, double *mustar)
{
    *mu0 = 0.0;
    *mu1 = 2.0 / sqrt(3.0 * PI);
    *mustar = sqrt((2.0 / PI) * asin(2.0 / 3.0) - 4.0 / (3.0 * PI));
}

/* sign (sign(0) = 0): E sign(g) = 0, E g sign(g) = E|g| = sqrt(2/pi), E sign^2 = 1.
 * Derivative 0 (almost everywhere; the jump is the kink at 0). */
static void sign_eval(size_t n, const double *x, double *y, double *dy)
{
    for (size_t i = 0; i < n; i++) {
        y[i] = x[i] > 0 ? 1.0 : (x[i] < 0 ? -1.0 : 0.0);
        if (dy) dy[i] = 0.0;
    }
}

static void sign_hermite(double *mu0, double *mu1, double *mustar)
{
    *mu0 = 0.0;
    *mu1 = sqrt(2.0 / PI);
    *mustar = sqrt(1.0 - 2.0 / PI);
}

static void linear_eval(size_t n, const double *x, double *y, double *dy)
{
    for (size_t i = 0; i < n; i++) {
        y[i] = x[i];
        if (dy) dy[i] = 1.0;
    }
}

static void linear_hermite(double *mu0, double *mu1, double *mustar)
{
    *mu0 = 0.0;
    *mu1 = 1.0;
    *mustar = 0.0;
}

/* x^2: E g^2 = 1, E g^3 = 0, E g^4 = 3 -> mustar^2 = 3 - 1 = 2. */
static void quadratic_eval(size_t n, const double *x, double *y, double *dy)
{
    for (size_t i = 0; i < n; i++) {
        y[i] = x[i] * x[i];
        if (dy) dy[i] = 2.0 * x[i];
    }
}

static void quadratic_hermite(double *mu0, double *mu1, double *mustar)
{
    *mu0 = 1.0;
    *mu1 = 0.0;
    *mustar = sqrt(2.0);
}

const cav_activation_type cav_act_relu = {"relu", "max(0, x)", relu_eval, relu_hermite, 1, {0.0}};
const cav_activation_type cav_act_tanh = {"tanh", "tanh(x)", tanh_eval, tanh_hermite, 0, {0.0}};
const cav_activation_type cav_act_erf = {"erf", "erf(x)", erf_eval, erf_hermite, 0, {0.0}};
const cav_activation_type cav_act_sign = {
    "sign", "sign(x), sign(0) = 0", sign_eval, sign_hermite, 1, {0.0}};
const cav_activation_type cav_act_linear = {"linear", "x", linear_eval, linear_hermite, 0, {0.0}};
const cav_activation_type cav_act_quadratic = {"quadratic",       "x^2", quadratic_eval,
                                               quadratic_hermite, 0,     {0.0}};

static const cav_activation_type *const act_registry[] = {
    &cav_act_relu,   &cav_act_tanh,      &cav_act_erf, &cav_act_sign,
    &cav_act_linear, &cav_act_quadratic, NULL};

CAV_REGISTRY_DEFINE(cav_activation_type, act_registry, cav_activation)

const char *cav_activation_names(void)
{
    return "relu,tanh,erf,sign,linear,quadratic";
}
