/* cavity/dynamics.h — finite-size simulation of first-order dynamics: full-batch gradient
 * descent and mini-batch SGD on a teacher-student GLM, Bayes-optimal AMP for the spiked Wigner
 * model and GAMP for GLMs, with their state evolutions.
 *
 * These are the simulations that the DMFT of general first-order methods describes
 * (docs/dmft.md; Dandi, Gamarnik, Pernice, Zdeborová, arXiv:2603.14573; Gerbelot, Troiani,
 * Mignacco, Krzakala, Zdeborová, arXiv:2210.06591 for SGD; Rangan, ISIT 2011 for GAMP;
 * Bolthausen 2014 / Bayati-Montanari 2011 / Deshpande-Montanari 2014 for AMP and its SE).
 *
 * ---------------------------------------------------------------------------------------------
 * Gradient descent / SGD on a GLM (src/sim/gd/gd.c). Scalings (identical to cavity/sim.h):
 *   x_mu ~ N(0, I_d) (rows of X, n x d, n = round(alpha d)), teacher w* ~ N(0, I_d),
 *   teacher field nu_mu = x_mu.w* / sqrt(d), labels y_mu ~ channel(nu_mu),
 *   student field h_mu = x_mu.w/sqrt(d),
 *   L(w) = sum_mu l(y_mu, h_mu) + (lambda/2) ||w||^2,
 *   grad L(w) = X^T l'(y, h)/sqrt(d) + lambda w,
 *   GD:   w^{
    t + 1} = w^t - eta grad L(w^t),        time t_phys = step * eta.
 *   SGD (batch fraction b, Gerbelot et al. 2022 convention): at each step every sample mu is
 *   included independently with probability b (s_mu^t ~ Bernoulli(b), iid over mu and t), and
 *     w^{
    t + 1} = w^t - eta [ X^T (s^t o l'(y, h^t))/sqrt(d) + lambda w^t ],
 *   i.e. the SUM over the included samples with no 1/b rescaling, penalty always applied in
 *   full; b = 1 is exactly full-batch GD (no random numbers are drawn then).
 *   Hessian scale: X^T X / d has Marchenko-Pastur spectrum with upper edge (1 + sqrt(alpha))^2,
 *   so for the square loss GD is stable iff eta < 2 / lambda_max(H), H = X^T X/d + lambda I,
 *   lambda_max(H) -> (1 + sqrt(alpha))^2 + lambda; for a loss with l'' <= c the bound is
 *   2 / (c (1 + sqrt(alpha))^2 + lambda) (c = 1/4 logistic, 1/width smooth-hinge).
 *   Initial point: w^0 = m0 w* + sqrt(q0 - m0^2) xi, xi ~ N(0, I_d) independent of w*, so that
 *   E m(0) = m0 and E q(0) = q0 exactly (needs q0 >= m0^2); m0 = q0 = 0 gives w^0 = 0.
 *   Observables per step t (row t of out, t = 0..steps, row 0 is the initial point):
 *     col 0 step t; col 1 time t*eta;
 *     col 2 train_loss = (1/n) sum_mu l(y_mu, h_mu^t)  (ALL samples, no penalty);
 *     col 3 test_error: n_test == 0 (default): exact population value given w and w*, no test
 *           label noise: binary channels  arccos(m / sqrt(q rho*)) / pi  (rho* = |w*|^2/d;
 *           1/2 when q = 0), the error of sign(h) against sign(nu);
 *           linear channel (1/2) E(y - h)^2 = (1/2)(rho* - 2 m + q + Delta);
 *           n_test > 0: measured on n_test fresh points with labels from the channel (label
 *           noise included): fraction sign(h) != y, or (1/2) mean (y - h)^2;
 *     col 4 m = w.w* / d; col 5 q = ||w||^2/d.
 *   Streams: teacher (seed, hash("gd/teacher")), train data (seed, hash("gd/data")),
 *   start xi (seed, hash("gd/init")), batches (seed, hash("gd/batch"), step), test points
 *   (seed, hash("gd/test")). The teacher and data therefore do not depend on eta, lambda, the
 *   loss, batch or the start: runs that differ only in those see the same data.
 *   Cost per step: two passes over X (h = X w, then X^T g, by thread-count-invariant kernels
 *   as fast as OpenBLAS dgemv, whose X^T g changes the last bits with the thread count) plus
 *   O(n + d); nothing is allocated in the loop.
 *   Divergence: if the train loss or q becomes non-finite, or q exceeds 1e12 (1 + q(0) + rho*),
 *   the run stops with CAV_EDIVERGE; err names the step, eta and the stability bound above.
 *   Rows up to the last finite step are valid; later rows have step and time set and NaN in
 *   columns 2..5 (the status says the run failed; cav_gd_info.rows gives the valid count).
 *
 * ---------------------------------------------------------------------------------------------
 * AMP for the spiked Wigner model (src/sim/amp/amp_wigner.c). Scalings:
 *   Y = (sqrt(snr)/n) x* x*^T + W/sqrt(n), x*_i = +-1 (Rademacher), W GOE: W = (G + G^T)/sqrt 2,
 *   G iid N(0,1), so W_ij ~ N(0,1) off the diagonal and W_ii ~ N(0,2). The noise spectrum is
 *   the semicircle on [-2, 2]; the spike is detectable (BBP) iff snr > 1.
 *   Bayes-optimal AMP (beta = sqrt(snr)):
 *     v^{t+1} = Y xhat^t - b_t xhat^{t-1},  xhat^{t+1} = tanh(beta v^{t+1}),
 *     b_t = (beta/n) sum_i (1 - (xhat_i^t)^2)  (Onsager; b_0 = 0).
 *   (Under SE v^t = beta m_t x* + sqrt(q_t) z with m_t = q_t (Nishimori), so the posterior mean
 *   of x given v is tanh(beta m_t v / q_t) = tanh(beta v).)
 *   Start: a side observation v^0 = gamma0 x* + sqrt(gamma0) z with z ~ N(0, I_n), xhat^0 =
 *   tanh(v^0) (its posterior mean), gamma0 chosen so that E[tanh(gamma0 + sqrt(gamma0) Z)] =
 *   init_overlap: then E overlap(0) = init_overlap and Nishimori holds from step 0, so the SE
 *   below starts from the same point. init_overlap = 0 gives xhat^0 = 0, a fixed point.
 *   State evolution: m_0 = init_overlap, gamma_{t+1} = snr m_t,
 *     m_{t+1} = E_Z tanh(gamma_{t+1} + sqrt(gamma_{t+1}) Z),   mse_t = 1 - m_t.
 *   Non-trivial fixed point iff snr > 1 (E tanh(g + sqrt(g) Z) = g - g^2 + O(g^3)).
 *   Observables per step (out row t, 3 columns): step, overlap = x*.xhat^t/n (no sign fixing:
 *   the informed start breaks the symmetry), mse = |x* - xhat^t|^2/n.
 *   Streams: x* (seed, hash("amp/spike")), G (seed, hash("amp/noise")), z (seed,
 *   hash("amp/init")).
 *
 * ---------------------------------------------------------------------------------------------
 * GAMP for a GLM (src/sim/amp/amp_gamp.c; Rangan 2011, scalar-variance form for iid Gaussian X):
 *   data as for GD (w* ~ N(0, I_d), x ~ N(0, I_d), y ~ channel(x.w* / sqrt(d)), n = alpha d),
 *   F = X/sqrt(d). With V^t = mean(vhat^t):
 *     omega^t = F what^t - V^t g^{t-1},  g^t = gout(y, omega^t, V^t), dg^t = dgout(...),
 *     A^t = -(1/d) sum_mu dg_mu^t,  B^t = F^T g^t + A^t what^t,
 *     (what^{t+1}, vhat^{t+1}) = Gaussian-prior denoiser (B^t, A^t): B/(1 + A), 1/(1 + A),
 *   g^{-1} = 0, channel out() from cavity/channel.h, denoiser from cavity/prior.h.
 *   Start: side observation B0 = A0 w* + sqrt(A0) z, what^0 = B0/(1+A0), vhat^0 = 1/(1+A0),
 *   A0 = init_overlap/(1 - init_overlap), so E overlap(0) = init_overlap; 0 gives what^0 = 0.
 *   SE (Bayes-optimal GLM, cavity/bayes.h): q_0 = init_overlap,
 *     q_{t+1} = qhat(q_t)/(1 + qhat(q_t)) with qhat = cav_bayes_qhat; mse = 1 - q.
 *   Observables (out row t, 4 columns): step, overlap m = w*.what^t/d, mse = |w* - what^t|^2/d,
 *   q = |what^t|^2/d.
 *   Streams: as GD but with prefix "gamp/".
 *
 * All drivers: reentrant, never print, check every parameter (naming it and its range) before
 * any work, and give the same output for any number of threads (the random draws are keyed by
 * stream names, and every matrix-vector product sums in an order fixed by the sizes alone). Output
 arrays are
 * allocated by the caller ((steps+1) x ncol, row-major) and borrowed. err may be NULL.
 */
#ifndef CAVITY_DYNAMICS_H
#define CAVITY_DYNAMICS_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/channel.h"
#include "cavity/loss.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Gradient descent and SGD on a GLM                                                            */
/* ------------------------------------------------------------------------------------------ */

#define CAV_GD_NOBS 6
enum { CAV_GD_STEP = 0, CAV_GD_TIME, CAV_GD_TRAIN_LOSS, CAV_GD_TEST_ERROR, CAV_GD_M, CAV_GD_Q };

typedef struct cav_gd_config {
    cav_loss loss;       /* square, logistic, smooth-hinge, ... (needs value() with dl) */
    cav_channel channel; /* sign, sign-flip, linear */
    double alpha;        /* n = round(alpha d), alpha > 0 */
    double lambda;       /* ridge penalty >= 0 */
    double eta;          /* step size > 0 */
    double batch;        /* fraction b in (0,1], 1 = full batch (see above) */
    double m0, q0;       /* start: E m(0) = m0, E q(0) = q0, q0 >= m0^2 (0, 0: w^0 = 0) */
    long steps;          /* number of steps >= 0; out has steps + 1 rows */
    size_t d;            /* dimension >= 1 */
    uint64_t seed;
    size_t n_test; /* 0 (default): exact population test error; > 0: fresh test points */
} cav_gd_config;

/* Defaults: loss square, channel linear with Delta = 0, alpha 2, lambda 0, eta 0.1, batch 1,
 * m0 = q0 = 0, steps 100, d 500, seed 0, n_test 0. */
void cav_gd_config_default(cav_gd_config *c);

/* Validate c: CAV_OK or CAV_EINVAL naming the parameter and its range. */
int cav_gd_check(const cav_gd_config *c, cav_err *err);

/* Stability bound 2 / (c (1 + sqrt(alpha))^2 + lambda) for the step size, c = sup l'' of the
 * loss (square 1, logistic 1/4, smooth-hinge 1/width; 1 for other losses). Large-d limit of
 * 2/lambda_max(Hessian); finite-d fluctuations of the edge are O(d^{-2/3}). */
double cav_gd_eta_max(const cav_gd_config *c);

/* What a run reports beyond the table. */
typedef struct cav_gd_info {
    int status;     /* CAV_OK, CAV_EDIVERGE or an error */
    long rows;      /* valid rows of out (steps + 1 unless diverged) */
    size_t n;       /* number of training samples */
    double rho;     /* |w*|^2/d of the drawn teacher */
    double eta_max; /* cav_gd_eta_max(c) */
} cav_gd_info;

/* out: (steps+1) rows x CAV_GD_NOBS columns: step, time (= step*eta), train_loss, test_error,
 * m, q. Returns CAV_OK, CAV_EINVAL (bad parameter, nothing done), CAV_ENOMEM, CAV_EDIVERGE. */
int cav_gd_simulate(const cav_gd_config *c, double *out, cav_err *err);
/* The same, also filling *info (may be NULL). */
int cav_gd_simulate_info(const cav_gd_config *c, double *out, cav_gd_info *info, cav_err *err);

/* ------------------------------------------------------------------------------------------ */
/* AMP, spiked Wigner with Rademacher spike */
/* ------------------------------------------------------------------------------------------ */

typedef struct cav_amp_wigner_config {
    double snr; /* >= 0 (beta^2) */
    long steps; /* >= 0 */
    size_t n;   /* >= 2 */
    uint64_t seed;
    double init_overlap; /* in [0, 1) */
} cav_amp_wigner_config;

/* out: (steps+1) rows x 3: step, overlap, mse */
int cav_amp_wigner_simulate(const cav_amp_wigner_config *c, double *out, cav_err *err);
/* Its state evolution is cav_dmft_amp_se (cavity/dmft.h), same row layout. */

/* ------------------------------------------------------------------------------------------ */
/* GAMP for a GLM with Gaussian prior */
/* ------------------------------------------------------------------------------------------ */

#define CAV_GAMP_NOBS 4

typedef struct cav_gamp_config {
    cav_channel channel; /* any registered channel with out() */
    double alpha;        /* n = round(alpha d) */
    long steps;
    size_t d;
    uint64_t seed;
    double init_overlap; /* in [0, 1) */
} cav_gamp_config;

/* Defaults: channel sign, alpha 2, steps 30, d 1000, seed 0, init_overlap 0. */
void cav_gamp_config_default(cav_gamp_config *c);

/* out: (steps+1) rows x CAV_GAMP_NOBS: step, overlap, mse, q. */
int cav_gamp_simulate(const cav_gamp_config *c, double *out, cav_err *err);
/* Its state evolution is cav_bayes_se_path (cavity/bayes.h), same row layout. */

#ifdef __cplusplus
}
#endif
#endif
