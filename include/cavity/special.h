/* cavity/special.h — special functions of Gaussian calculus, stable in the tails.
 *
 * H(x) = P(N(0,1) > x) = erfc(x/sqrt 2)/2 and its logarithm computed without underflow for large
 * positive x (log-domain asymptotic / scaled erfc), Owen's T function, the bivariate normal
 * orthant probability, and Hermite coefficients of an activation function.
 */
#ifndef CAVITY_SPECIAL_H
#define CAVITY_SPECIAL_H

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Standard normal density phi(x) and CDF Phi(x) (Phi(x) = H(-x)). */
double cav_phi(double x);
double cav_Phi(double x);

/* H(x) = P(z > x), accurate to relative 1e-15 for all x (no cancellation for x > 0). */
double cav_H(double x);

/* log H(x), finite for all finite x (e.g. log H(40) ~ -804.6). */
double cav_logH(double x);

/* Inverse Mills ratio phi(x)/H(x), stable for large x (~ x + 1/x). */
double cav_mills(double x);

/* Owen's T(h, a) = (1/2pi) int_0^a exp(-h^2(1+x^2)/2)/(1+x^2) dx. */
double cav_owen_t(double h, double a);

/* P(z1 > h, z2 > k) for standard normals with correlation rho in [-1, 1]. */
double cav_bvn_upper(double h, double k, double rho);

/* Hermite coefficients of sigma under N(0,1): mu0 = E sigma(g), mu1 = E g sigma(g),
 * mustar = sqrt(E sigma(g)^2 - mu0^2 - mu1^2). `sigma` is a scalar function with context;
 * kinks (e.g. at 0 for ReLU and sign) are handled by the kink-aware quadrature.
 * Returns CAV_OK or a quadrature error on `err`. */
int cav_hermite_coeffs(double (*sigma)(void *ctx, double x), void *ctx, const double *kinks,
                       int nkinks, double *mu0, double *mu1, double *mustar, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
