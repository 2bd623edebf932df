/* sim/adv_internal.h — pieces shared by the adversarial-training solvers (not public):
 * the exact robust-hinge step of src/sim/adv/adv_hinge.c, called by src/sim/adv/adv_erm.c. */
#ifndef CAVITY_SIM_ADV_INTERNAL_H
#define CAVITY_SIM_ADV_INTERNAL_H

#include <stddef.h>

/* Robust hinge problem J(w) = sum_mu max(0, 1 - y_mu a_mu.w + eps N(w)) + lambda |w|^2/2,
 * a_mu = sc x_mu (X n x p row-major), N(w) = scale ||w[0:k]||_2 (linf = 0) or
 * scale ||w[0:k]||_1 (linf = 1). */
typedef struct adv_hinge {
    size_t n, p, k;
    const double *X, *y;
    double sc, lambda, eps, scale;
    int linf;
} adv_hinge;

/* Relative duality gap (J(w(alpha)) - D(alpha)) / J(w(alpha)) of multipliers alpha in [0, 1]^n,
 * with w(alpha) (written to w, length p) the minimiser of the Lagrangian; *J receives J(w). */
double adv_hinge_gap(const adv_hinge *H, const double *alpha, double *w, double *J);

/* Exact solve from multipliers alpha (length n, in [0, 1]; in/out), e.g. those of a smoothed
 * minimiser: semismooth Newton on the margin set + active-set updates (see adv_hinge.c). On
 * return w = w(alpha) of the best certified alpha, *gap its relative duality gap, *steps the
 * Newton steps. Returns 0 if *gap <= tol, 1 if not reached, -1 out of memory. */
int adv_hinge_exact(const adv_hinge *H, double *alpha, double tol, double *w, double *gap,
                    long *steps);

/* Exact robust square loss J(w) = sum (|y_mu - a_mu.w| + eps N(w))^2/2 + lambda |w|^2/2 on the
 * same problem description (adv_square.c): Huber continuation + equality-constrained Newton on
 * the interpolation pattern, certified by the relative duality gap. w: in the warm start, out
 * the best certified point. Returns 0 if *gap <= tol, 1 if not reached, -1 out of memory. */
int adv_square_exact(const adv_hinge *P, double tol, double *w, double *gap, long *steps);

#endif
