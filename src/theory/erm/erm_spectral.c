/* theory/erm_spectral.c — Marchenko–Pastur averages for the random-feature prior equations.
 *
 * S = F F^T/d with F a p x d matrix of iid N(0,1) entries, c = p/d: its empirical spectral law
 * converges to Marchenko–Pastur with ratio c (support [(1-sqrt c)^2, (1+sqrt c)^2], plus an atom
 * of mass 1 - 1/c at 0 when c > 1). Its Stieltjes transform g(z) = <1/(s - z)> solves
 *     c z g^2 + (z - 1 + c) g + 1 = 0
 * (check: g ~ -1/z - 1/z^2 - (1+c)/z^3 at large z reproduces <s> = 1, <s^2> = 1 + c). At z = -t,
 * t > 0, G1 = <1/(s+t)> = g(-t) is the positive root of c t G^2 + b G - 1 = 0, b = t + 1 - c,
 *     G1 = 2/(b + sqrt(b^2 + 4ct))   (b >= 0)   or   (sqrt(b^2 + 4ct) - b)/(2ct)   (b < 0),
 * whichever has no cancellation; implicit differentiation gives
 *     G2 = <1/(s+t)^2> = -dG1/dt = (c G1^2 + G1)/sqrt(b^2 + 4ct).
 * (Bai & Silverstein, "Spectral analysis of large dimensional random matrices", ch. 3.)
 */
#include <math.h>

#include "theory/erm/erm_internal.h"

void cav_erm_mp_stieltjes(double c, double t, double *G1, double *G2)
{
    double b = t + 1.0 - c;
    double disc = sqrt(b * b + 4.0 * c * t);
    double g = b >= 0 ? 2.0 / (b + disc) : (disc - b) / (2.0 * c * t);
    *G1 = g;
    *G2 = (c * g * g + g) / disc;
}
