/* cavity/erm.h — replica (saddle-point) theory of empirical risk minimisation on Gaussian
 * covariates: generic channel, generic convex loss, ridge penalty; linear, kernel and
 * random-feature learners.
 *
 * Setting. x ~ N(0, I_d), teacher w* ~ N(0, I_d), teacher field nu = w*.x/sqrt(d) ~ N(0, 1),
 * labels y ~ P(y | nu) from a registered channel (channel.h), n = alpha d samples, and
 *     w_hat = argmin_w  sum_mu l(y_mu, f(x_mu)) + (lambda/2) ||w||^2
 * with a registered convex loss l (loss.h). In the proportional limit the student field on a
 * sample, omega, and the teacher field nu are jointly Gaussian with E nu^2 = 1, E omega nu = m,
 * E omega^2 = q, and the sample's pre-activation at the optimum is the proximal point
 *     h*(y, omega, V) = argmin_h l(y, h) + (h - omega)^2 / (2V).
 * Channel side (Aubin et al., NeurIPS 2020, "Generalization error in high-dimensional
 * perceptrons"; Loureiro et al., NeurIPS 2021, "Learning curves of generic feature maps"), with
 * f = (h* - omega)/V:
 *     qhat = a E[f^2],  Vhat = a E[(1 - dprox)/V],  mhat = a E[nu f] + m Vhat,
 * where a is the number of samples per learner dimension (alpha, or alpha/kappa for random
 * features). The last form follows from Stein's lemma on the pair (nu, omega): it equals
 * a E[f d log P(y|nu)/d nu], the usual expression.
 *
 * Learners (the channel sees (m, q, V); "state" is what the fixed point iterates):
 *  CAV_LEARNER_LINEAR  f(x) = w.x/sqrt(d). State (m, q, V), ridge prior
 *                      m = mhat/(lambda+Vhat), q = (mhat^2+qhat)/(lambda+Vhat)^2,
 *                      V = 1/(lambda+Vhat).
 *  CAV_LEARNER_KERNEL  dot-product kernel in its Gaussian-equivalent form
 *                      K = mu1^2 XX^T/d + mu*^2 I (the constant mu0^2 11^T is dropped: for the
 *                      label-symmetric channels here its coefficient vanishes at the optimum).
 *                      Equivalent to a linear learner on (mu1 x/sqrt(d), mu* e_mu) where e_mu is
 *                      a private feature of sample mu: minimising over its weight turns l into
 *                      its Moreau envelope with parameter mu*^2/lambda. State (m_s, q_s, V_s) of
 *                      the linear component; the channel sees m = mu1 m_s, q = mu1^2 q_s,
 *                      V = mu1^2 V_s + mu*^2/lambda; hats map back mhat_s = mu1 mhat, qhat_s =
 *                      mu1^2 qhat, Vhat_s = mu1^2 Vhat. Test-time overlaps: the linear component
 *                      only (m_test = mu1 m_s, q_test = mu1^2 q_s).
 *  CAV_LEARNER_RF      random features f(x) = a.sigma(Fx/sqrt d)/sqrt(p), F iid N(0,1) p x d,
 *                      kappa = p/d, penalty (lambda/2)||a||^2, in the Gaussian-equivalent form
 *                      sigma(Fx/sqrt d) -> mu1 Fx/sqrt(d) + mu* z with the features centred
 *                      (mu0 dropped). Gaussian covariate model of Loureiro et al. (2021) / Gerace
 *                      et al. (ICML 2020): state (m, q, V) normalised per feature, channel at
 *                      alpha/kappa, prior through the Marchenko–Pastur law of S = FF^T/d
 *                      (ratio kappa) with omega(s) = mu1^2 s + mu*^2, D(s) = lambda + Vhat
 * omega(s): V = <omega/D>, m = kappa mu1^2 mhat <s/D>, q = <omega (kappa mu1^2 mhat^2 s + qhat
 * omega)/D^2>, averages <.> in closed form from the MP Stieltjes transform. Extras: q = mu1^2 q_s +
 * mu*^2 q_w, V = mu1^2 V_s + mu*^2 V_w (q_s = a^T S a/p, q_w = |a|^2/p). Test-time overlaps are the
 * channel's (m, q).
 *
 * lambda = 0 means the limit lambda -> 0+. When the training data can be interpolated (square
 * loss, linear learner, alpha < 1; any kernel with mu* > 0) or separated (hinge or logistic,
 * linear learner, alpha < alpha_c(channel) of cav_erm_separability; any kernel with mu* > 0),
 * V ~ 1/lambda and the solver uses the rescaled equations (regime CAV_ERM_INTERPOLATING):
 * V~ = lambda V, mhat~ = mhat/lambda, Vhat~ = Vhat/lambda, qhat~ = qhat/lambda^2; the prox
 * becomes the projection P(y, omega) of omega on the minimiser set of l(y, .) ({y} for square,
 * {h : y h >= 1} for hinge), f~ = (P - omega)/V~, and the prior denominators lambda + Vhat
 * become 1 + Vhat~. This is the min-norm interpolator / max-margin classifier.
 * LOGISTIC loss at lambda = 0 below the separability threshold: the minimiser does not exist
 * (its norm diverges) and its direction converges to the max-margin one; the solver returns the
 * max-margin (hard-margin SVM, margin 1) solution, so that egen is the lambda -> 0+ limit, and
 * says so in the message. Otherwise (above the threshold) the lambda = 0 equations are regular.
 * RF with lambda = 0 is not supported (CAV_EUNSUP).
 *
 * Non-convergence is a result: status CAV_EMAXITER / CAV_EDIVERGE with the last iterate,
 * residual and message. Parameters are validated before any work (cav_erm_check).
 */
#ifndef CAVITY_ERM_H
#define CAVITY_ERM_H

#include <stddef.h>

#include "cavity/channel.h"
#include "cavity/fixpt.h"
#include "cavity/loss.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAV_LEARNER_LINEAR = 0, CAV_LEARNER_KERNEL = 1, CAV_LEARNER_RF = 2 };

/* Regime of the solution. */
enum {
    CAV_ERM_REGULAR = 0,      /* lambda > 0, or lambda = 0 with a finite V */
    CAV_ERM_INTERPOLATING = 1 /* lambda -> 0+ with V ~ 1/lambda: rescaled equations */
};

/* Start of the iteration when no warm start is given. */
enum {
    CAV_ERM_START_UNINFORMED = 0, /* m = 0, q = 0.01, V = 1 (channel side) */
    CAV_ERM_START_INFORMED = 1    /* m = 0.5, q = 1, V = 1 */
};

/* Length of the warm-start vector (see cav_erm_warm). */
#define CAV_ERM_NWARM 4

typedef struct cav_erm_problem {
    cav_loss loss;       /* convex loss (borrowed by value) */
    cav_channel channel; /* teacher channel */
    double alpha;        /* n/d > 0 */
    double lambda;       /* ridge >= 0; 0 means lambda -> 0+ */
    int learner;         /* CAV_LEARNER_* */
    double mu1, mustar;  /* kernel / RF Hermite coefficients (mu1 > 0, mu* >= 0); ignored LINEAR */
    double kappa;        /* RF: p/d > 0; ignored otherwise */
    int start;           /* CAV_ERM_START_* (used without warm start) */
} cav_erm_problem;

/* A problem with the given loss and channel and defaults: linear learner, alpha = 1,
 * lambda = 1e-2, mu1 = 1, mu* = 0, kappa = 1, uninformed start. */
cav_erm_problem cav_erm_problem_default(const cav_loss *loss, const cav_channel *channel);

typedef struct cav_erm_solution {
    int status;       /* CAV_OK, or CAV_EMAXITER / CAV_EDIVERGE / ... (last iterate kept) */
    double residual;  /* fixed-point residual of the equations at the returned state */
    long iterations;  /* accepted fixed-point steps */
    long evaluations; /* evaluations of the equations */
    int regime;       /* CAV_ERM_REGULAR or CAV_ERM_INTERPOLATING (V, hats then rescaled) */
    /* Learner state and conjugates: LINEAR the channel's; KERNEL the linear component's
     * (m_s, q_s, V_s, mhat_s, ...); RF per-feature (m, q, V, ...). Rescaled in the
     * interpolating regime (V = lambda V, Vhat/lambda, mhat/lambda, qhat/lambda^2). */
    double m, q, V, mhat, qhat, Vhat;
    double q_s, q_w, V_s, V_w;     /* RF decomposition (NaN otherwise) */
    double m_chan, q_chan, V_chan; /* what the channel sees (V_chan rescaled when interpolating) */
    double m_test, q_test;         /* overlaps of the test-time predictor with the teacher field */
    double alpha_c;                /* separability / interpolation threshold used (NaN if none) */
    char msg[CAV_ERR_MSG_LEN];     /* what happened */
} cav_erm_solution;

/* Validate a problem before any work: CAV_OK or CAV_EINVAL / CAV_EUNSUP with a message naming
 * the parameter and its allowed range (alpha > 0, lambda >= 0, mu1 > 0 and mu* >= 0 for
 * KERNEL/RF, kappa > 0 for RF, a known learner, a valid loss and channel, lambda = 0 only for
 * losses with a known lambda -> 0+ limit). err may be NULL. */
int cav_erm_check(const cav_erm_problem *p, cav_err *err);

/* Solve the saddle-point equations by damped fixed-point iteration with Anderson acceleration
 * (fixpt.h); convergence on the residual of the equations (opts->tol, default 1e-10).
 * warm: NULL, or a vector filled by cav_erm_warm() at a neighbouring problem (continuation);
 * ignored if it belongs to another regime. opts may be NULL (defaults).
 * Returns out->status: CAV_OK, CAV_EINVAL/CAV_EUNSUP (bad problem, nothing computed),
 * CAV_EMAXITER/CAV_EDIVERGE/CAV_ENUMERIC (not converged: out holds the last iterate). */
int cav_erm_solve(const cav_erm_problem *p, const double *warm, const cav_fixpt_opts *opts,
                  cav_erm_solution *out);

/* Export the state of a solution as a warm start for cav_erm_solve (x[CAV_ERM_NWARM]). */
void cav_erm_warm(const cav_erm_solution *s, double *x);

/* Separability threshold of a binary channel for a linear classifier (Gardner 1988; Candès &
 * Sur 2020, Ann. Stat. 48, "The phase transition for the existence of the maximum likelihood
 * estimate in high-dimensional logistic regression"):
 *     alpha_c = 1 / min_{t >= 0} E[(Z - t y nu)_+^2],  Z ~ N(0,1) independent of (y, nu).
 * eps = 1 (labels independent of nu): Cover's alpha_c = 2; a noiseless sign teacher: +inf.
 * Returns CAV_OK, CAV_EINVAL (non-binary channel). *tmin (may be NULL) receives the minimiser. */
int cav_erm_separability(const cav_channel *channel, double *alpha_c, double *tmin, cav_err *err);

/* Batched observable g for cav_erm_expect: out[i*nout + k] = g_k(y[i], omega[i], hstar[i],
 * dprox[i]) (in the interpolating regime hstar is the projection P(y, omega)). */
typedef void (*cav_erm_obs_fn)(void *ctx, size_t n, const double *y, const double *omega,
                               const double *hstar, const double *dprox, double *out);

/* Channel-side expectations E_{nu, omega, y}[g(y, omega, h*(y, omega, V), dh*)] for a loss, a
 * channel and channel-side overlaps (m, q, V) (regime as in the solution: INTERPOLATING uses the
 * projection). nout <= 8. Example: E_mem of Rules-and-Facts = P(y h* < 0) for y independent of
 * omega: pass the "fact" channel (sign-flip with eps = 1); training error on rule points: the
 * sign channel. Returns CAV_OK or a quadrature / argument error on err. */
int cav_erm_expect(const cav_loss *loss, const cav_channel *channel, double m, double q, double V,
                   int regime, cav_erm_obs_fn g, void *ctx, int nout, double *res, cav_err *err);

/* cav_erm_expect at a solution of problem p, with channel replaced by `channel` when not NULL. */
int cav_erm_solution_expect(const cav_erm_problem *p, const cav_erm_solution *s,
                            const cav_channel *channel, cav_erm_obs_fn g, void *ctx, int nout,
                            double *res, cav_err *err);

/* Test error of a sign-type classifier: arccos(m/sqrt(q))/pi (1/2 when q = 0). */
double cav_erm_egen_sign(double m, double q);

/* Test mean-square error of a real-valued predictor on labels y = nu + sqrt(Delta) xi:
 * E(y - omega)^2 = 1 - 2m + q + Delta (Delta = 0: the error on the teacher field). */
double cav_erm_mse(double m, double q, double Delta);

#ifdef __cplusplus
}
#endif
#endif
