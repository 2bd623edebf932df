/* cavity/bayes.h — Bayes-optimal state evolution of a generalised linear model with Gaussian
 * covariates and a Gaussian teacher prior: the reference against which ERM is measured.
 *
 * Setting as in erm.h: x ~ N(0, I_d), w* ~ N(0, I_d), y ~ P(y | nu), nu = w*.x/sqrt(d),
 * n = alpha d. The replica-symmetric (and, for this model, rigorous: Barbier, Krzakala, Macris,
 * Miolane, Zdeborová, PNAS 2019) fixed point is one overlap q = E[w* . E(w|data)]/d in [0, 1]:
 *     q = qhat/(1 + qhat)                     (Gaussian prior, rho = 1),
 *     qhat = alpha E_xi sum_y Z(y, sqrt(q) xi, 1-q) gout(y, sqrt(q) xi, 1-q)^2,
 * with Z(y, omega, V) = int P(y|nu) N(nu; omega, V) dnu and gout = d log Z/d omega from the
 * channel's out(); the weights Z are the channel's ylaw at (mu, v) = (sqrt(q) xi, 1 - q)
 * (exact for binary labels; a Gauss–Hermite rule in y for continuous ones).
 * Observables: sign-type channels egen = arccos(sqrt(q))/pi; linear channel MSE on the field
 * 1 - q (plus Delta on noisy labels).
 * Known result (Opper & Haussler 1991; Györgyi 1990): noiseless sign teacher,
 * alpha egen -> 0.442 as alpha -> infinity.
 */
#ifndef CAVITY_BAYES_H
#define CAVITY_BAYES_H

#include "cavity/channel.h"
#include "cavity/fixpt.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cav_bayes_solution {
    int status;      /* CAV_OK or a non-convergence status (last iterate kept) */
    double q, qhat;  /* overlap and its conjugate */
    double residual; /* fixed-point residual */
    long iterations;
    char msg[CAV_ERR_MSG_LEN];
} cav_bayes_solution;

/* Validate (channel valid, alpha > 0 finite): CAV_OK or CAV_EINVAL naming the parameter. */
int cav_bayes_check(const cav_channel *channel, double alpha, cav_err *err);

/* Solve the fixed point. q0: start (NULL: q = 0.5; a warm start from a neighbouring alpha is
 * the previous solution's q). opts may be NULL (defaults, tol 1e-12 here unless given).
 * Returns out->status. */
int cav_bayes_solve(const cav_channel *channel, double alpha, const double *q0,
                    const cav_fixpt_opts *opts, cav_bayes_solution *out);

/* qhat(q) of the equations above (exposed for tests and for other engines). */
int cav_bayes_qhat(const cav_channel *channel, double alpha, double q, double *qhat, cav_err *err);

/* Bayes-optimal test error of a sign-type channel: arccos(sqrt(q))/pi, computed as
 * atan(sqrt((1-q)/q))/pi (accurate as q -> 1). */
double cav_bayes_egen_sign(double q);

/* The state evolution of Bayes-optimal GAMP step by step from q_0 = init_overlap (in [0, 1)):
 * q_{t+1} = qhat_t/(1 + qhat_t), qhat_t = cav_bayes_qhat(q_t). out: (steps + 1) rows x 4:
 * step, overlap q_t, mse 1 - q_t, q_t (the row layout of cav_gamp_simulate). */
int cav_bayes_se_path(const cav_channel *channel, double alpha, long steps, double init_overlap,
                      double *out, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
