/* theory/erm_internal.h — private helpers shared by the ERM replica engine files (not installed).
 *
 * erm_channel.c: channel-side Gaussian expectations (one kink-aware 1-D integral over the
 * student field, the teacher field and the label integrated out through the channel's ylaw);
 * erm_spectral.c: Marchenko–Pastur Stieltjes transform for the random-feature prior.
 */
#ifndef CAVITY_THEORY_ERM_INTERNAL_H
#define CAVITY_THEORY_ERM_INTERNAL_H

#include "cavity/erm.h"

/* Channel-side sums at channel overlaps (m, q, V) in `regime`:
 *   Ef2 = E[f^2], Edf = E[(1 - dh*)/V], Enuf = E[nu f],  f = (h* - omega)/V
 * (interpolating regime: h* -> projection P, V -> the rescaled V~). The hats are then
 * qhat = a Ef2, Vhat = a Edf, mhat = a Enuf + m Vhat. Returns CAV_OK or an error on err.
 * The square loss takes a closed form (affine prox); every other loss the quadrature route. */
int cav_erm_chan_sums(const cav_loss *loss, const cav_channel *ch, double m, double q, double V,
                      int regime, double sums[3], cav_err *err);
/* The same sums always by quadrature (the generic route; tests compare the two). */
int cav_erm_chan_sums_quad(const cav_loss *loss, const cav_channel *ch, double m, double q,
                           double V, int regime, double sums[3], cav_err *err);

/* Channel-side sums for the margin-shifted loss l~(y, h) = l(y, h - y c), c = shift >= 0 (the
 * adversarially trained loss at a fixed attack budget, cavity/adversarial.h), regular regime,
 * always by quadrature: sums[0..2] as in cav_erm_chan_sums with f = (h~* - omega)/V the
 * shifted-loss f, and sums[3] = E[y f] (= -E[y dl~/dh], the derivative of the Moreau envelope of
 * l~ in c). shift = 0 gives the plain sums. */
int cav_erm_chan_sums_shift(const cav_loss *loss, const cav_channel *ch, double m, double q,
                            double V, double shift, double sums[4], cav_err *err);

/* 1 if the loss has a known lambda -> 0+ interpolation limit (square, hinge, logistic). */
int cav_erm_has_limit(const cav_loss *loss);

#endif
