/* blocks/activation.c — activation functions sigma with derivative and Hermite coefficients.
 *
 * mu0 = E sigma(g), mu1 = E g sigma(g), mustar^2 = E sigma(g)^2 - mu0^2 - mu1^2 for g ~ N(0,1):
 * the Gaussian-equivalence constants of kernel and random-feature learners (docs/raf.md,
 * "Learners"; Gerace et al. 2020). Closed forms (derivations in the comments of each function):
 *   relu       mu0 = 1/sqrt(2 pi), mu1 = 1/2,            mustar^2 = 1/4 - 1/(2 pi)
 *   sign       mu0 = 0,            mu1 = sqrt(2/pi),     mustar^2 = 1 - 2/pi
 *   erf        mu0 = 0,            mu1 = 2/sqrt(3 pi),   mustar^2 = (2/pi) asin(2/3) - 4/(3 pi)
 *   linear     0, 1, 0;            quadratic  1, 0, sqrt(2)
 *   elu        mu0 = phi(0) + e^{1/2} Phi(-1) - 1/2,  mu1 = 1/2 + e^{1/2} Phi(-1),
 *              E elu^2 = 1 + e^2 Phi(-2) - 2 e^{1/2} Phi(-1)
 *   gelu       mu0 = 1/(2 sqrt(pi)),  mu1 = 1/2,  E gelu^2 = 1/3 + 1/(2 pi sqrt(3))
 *   he2        0, 0, sqrt(2);          he3        0, 0, sqrt(6)   (monic Hermite, E He_k^2 = k!)
 * tanh and sigmoid have none: their coefficients come from the kink-aware quadrature
 * cav_hermite_coeffs, once (pthread_once), and are read-only afterwards. The tests check every
 * closed form against the quadrature and all of them against an independent scipy value
 * (tests/ref/blocks/hermite_ref.py).
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

/* Activations without closed-form coefficients: computed once by quadrature of eval(). */
static double act_scalar(void *ctx, double x)
{
    const cav_activation_type *t = ctx;
    double y;
    t->eval(1, &x, &y, NULL);
    return y;
}

static void quad_coeffs(const cav_activation_type *t, double c[3])
{
    cav_err err = {0};
    if (cav_hermite_coeffs(act_scalar, (void *)t, t->kinks, t->nkinks, &c[0], &c[1], &c[2], &err) !=
        CAV_OK)
        c[0] = c[1] = c[2] = NAN; /* visible, never silently wrong */
}

#define QUAD_HERMITE(NAME)                                                                         \
    static double NAME##_coef[3];                                                                  \
    static pthread_once_t NAME##_once = PTHREAD_ONCE_INIT;                                         \
    static void NAME##_init(void)                                                                  \
    {                                                                                              \
        quad_coeffs(&cav_act_##NAME, NAME##_coef);                                                 \
    }                                                                                              \
    static void NAME##_hermite(double *mu0, double *mu1, double *mustar)                           \
    {                                                                                              \
        pthread_once(&NAME##_once, NAME##_init);                                                   \
        *mu0 = NAME##_coef[0];                                                                     \
        *mu1 = NAME##_coef[1];                                                                     \
        *mustar = NAME##_coef[2];                                                                  \
    }

QUAD_HERMITE(tanh)

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

/* sigmoid 1/(1 + e^{-x}) (computed from e^{-|x|}, no overflow), derivative s (1 - s).
 * mu0 = 1/2 by the symmetry s(-x) = 1 - s(x); mu1 and mustar by quadrature. */
static void sigmoid_eval(size_t n, const double *x, double *y, double *dy)
{
    for (size_t i = 0; i < n; i++) {
        double e = exp(-fabs(x[i])), s = x[i] >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        y[i] = s;
        if (dy) dy[i] = e / ((1.0 + e) * (1.0 + e));
    }
}

QUAD_HERMITE(sigmoid)

/* elu (alpha = 1): x for x > 0, e^x - 1 otherwise; derivative 1 / e^x (continuous at 0, the
 * second derivative jumps there: a kink for the quadrature). With Phi the normal CDF,
 * E[e^g 1{g<0}] = e^{1/2} Phi(-1), E[e^{2g} 1{g<0}] = e^2 Phi(-2) (complete the square), so
 *   mu0 = E[g 1{g>0}] + E[(e^g - 1) 1{g<0}] = phi(0) + e^{1/2} Phi(-1) - 1/2,
 *   mu1 = E elu'(g) (Stein) = 1/2 + e^{1/2} Phi(-1),
 *   E elu^2 = 1/2 + e^2 Phi(-2) - 2 e^{1/2} Phi(-1) + 1/2. */
static void elu_eval(size_t n, const double *x, double *y, double *dy)
{
    for (size_t i = 0; i < n; i++) {
        y[i] = x[i] > 0 ? x[i] : expm1(x[i]);
        if (dy) dy[i] = x[i] > 0 ? 1.0 : exp(x[i]);
    }
}

static void elu_hermite(double *mu0, double *mu1, double *mustar)
{
    double P1 = 0.5 * erfc(1.0 / sqrt(2.0)), P2 = 0.5 * erfc(2.0 / sqrt(2.0));
    double eh = exp(0.5) * P1;
    *mu0 = 1.0 / sqrt(2.0 * PI) + eh - 0.5;
    *mu1 = 0.5 + eh;
    double m2 = 1.0 + exp(2.0) * P2 - 2.0 * eh;
    *mustar = sqrt(m2 - *mu0 * *mu0 - *mu1 * *mu1);
}

/* gelu x Phi(x) (exact, erf form), derivative Phi(x) + x phi(x). By Stein's lemma
 * E[g f(g)] = E f'(g): mu0 = E[g Phi(g)] = E phi(g) = 1/(2 sqrt(pi)); mu1 = E[Phi + g phi] = 1/2;
 * E[g^2 Phi^2] = E[Phi^2] + 2 E[g Phi phi] with E[Phi(g)^2] = 1/3 (three iid normals) and
 * 2 E[g Phi phi] = E[phi(g)^2] = int phi^3 = 1/(2 pi sqrt(3)). */
static void gelu_eval(size_t n, const double *x, double *y, double *dy)
{
    for (size_t i = 0; i < n; i++) {
        double P = 0.5 * erfc(-x[i] / sqrt(2.0));
        y[i] = x[i] * P;
        if (dy) dy[i] = P + x[i] * exp(-0.5 * x[i] * x[i]) / sqrt(2.0 * PI);
    }
}

static void gelu_hermite(double *mu0, double *mu1, double *mustar)
{
    *mu0 = 1.0 / (2.0 * sqrt(PI));
    *mu1 = 0.5;
    double m2 = 1.0 / 3.0 + 1.0 / (2.0 * PI * sqrt(3.0));
    *mustar = sqrt(m2 - *mu0 * *mu0 - 0.25);
}

/* Monic (probabilists') Hermite polynomials He2 = x^2 - 1, He3 = x^3 - 3x: orthogonal under
 * N(0,1) with E He_k^2 = k!, so mu0 = mu1 = 0 and mustar = sqrt(k!). */
static void he2_eval(size_t n, const double *x, double *y, double *dy)
{
    for (size_t i = 0; i < n; i++) {
        y[i] = x[i] * x[i] - 1.0;
        if (dy) dy[i] = 2.0 * x[i];
    }
}

static void he2_hermite(double *mu0, double *mu1, double *mustar)
{
    *mu0 = 0.0;
    *mu1 = 0.0;
    *mustar = sqrt(2.0);
}

static void he3_eval(size_t n, const double *x, double *y, double *dy)
{
    for (size_t i = 0; i < n; i++) {
        double x2 = x[i] * x[i];
        y[i] = x[i] * (x2 - 3.0);
        if (dy) dy[i] = 3.0 * (x2 - 1.0);
    }
}

static void he3_hermite(double *mu0, double *mu1, double *mustar)
{
    *mu0 = 0.0;
    *mu1 = 0.0;
    *mustar = sqrt(6.0);
}

const cav_activation_type cav_act_relu = {"relu", "max(0, x)", relu_eval, relu_hermite, 1, {0.0}};
const cav_activation_type cav_act_tanh = {"tanh", "tanh(x)", tanh_eval, tanh_hermite, 0, {0.0}};
const cav_activation_type cav_act_erf = {"erf", "erf(x)", erf_eval, erf_hermite, 0, {0.0}};
const cav_activation_type cav_act_sign = {
    "sign", "sign(x), sign(0) = 0", sign_eval, sign_hermite, 1, {0.0}};
const cav_activation_type cav_act_linear = {"linear", "x", linear_eval, linear_hermite, 0, {0.0}};
const cav_activation_type cav_act_quadratic = {"quadratic",       "x^2", quadratic_eval,
                                               quadratic_hermite, 0,     {0.0}};

const cav_activation_type cav_act_sigmoid = {
    "sigmoid", "1/(1 + exp(-x))", sigmoid_eval, sigmoid_hermite, 0, {0.0}};
const cav_activation_type cav_act_elu = {
    "elu", "x for x > 0, exp(x) - 1 otherwise", elu_eval, elu_hermite, 1, {0.0}};
const cav_activation_type cav_act_gelu = {
    "gelu", "x Phi(x), Phi the normal CDF", gelu_eval, gelu_hermite, 0, {0.0}};
const cav_activation_type cav_act_he2 = {"he2", "x^2 - 1", he2_eval, he2_hermite, 0, {0.0}};
const cav_activation_type cav_act_he3 = {"he3", "x^3 - 3x", he3_eval, he3_hermite, 0, {0.0}};

static const cav_activation_type *const act_registry[] = {
    &cav_act_relu,   &cav_act_tanh,      &cav_act_erf,     &cav_act_sign,
    &cav_act_linear, &cav_act_quadratic, &cav_act_sigmoid, &cav_act_elu,
    &cav_act_gelu,   &cav_act_he2,       &cav_act_he3,     NULL};

CAV_REGISTRY_DEFINE(cav_activation_type, act_registry, cav_activation)

const char *cav_activation_names(void)
{
    return "relu,tanh,erf,sign,linear,quadratic,sigmoid,elu,gelu,he2,he3";
}
