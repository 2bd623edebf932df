/* num/spectral_internal.h — polynomial helpers of the spectral module (internal). */
#ifndef CAVITY_NUM_SPECTRAL_INTERNAL_H
#define CAVITY_NUM_SPECTRAL_INTERNAL_H

#include <complex.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* out[0..na+nb] = a[0..na] * b[0..nb] (coefficients increasing, degrees na, nb). */
void cav_spec_polymul(const double *a, int na, const double *b, int nb, double *out);

/* Discriminant of c[3] G^3 + c[2] G^2 + c[1] G + c[0]. */
double cav_spec_cubic_disc(const double c[4]);

/* Roots of c[3] G^3 + ... + c[0] (c[3] != 0), Newton-polished on the unscaled polynomial.
 * Returns 3 (r[0] <= r[1] <= r[2] real) or 1 (r[0] real, r[1] = conj(r[2]) with Im r[1] > 0). */
int cav_spec_cubic_roots(const double c[4], double complex r[3]);

/* All roots of the degree-n polynomial p[0..n] (p[n] != 0, n <= 12) as companion-matrix
 * eigenvalues (LAPACK), each polished by complex Newton steps. Returns n, or -1 on failure. */
int cav_spec_poly_roots(const double *p, int n, double complex *r);

/* The real roots (|Im| <= 1e-7 (1 + |z|)) of p[0..n] into x; returns how many. */
int cav_spec_real_roots(const double *p, int n, double *x);

/* Sort x[0..n) increasing. */
void cav_spec_sort(double *x, int n);

#endif
