/* cavity/dmft.h — discrete-time dynamical mean-field theory (DMFT) of general first-order methods.
 *
 * Dandi, Gamarnik, Pernice, Zdeborová, arXiv:2603.14573 (DMFT of every GFOM); Celentano,
 * Montanari, Wu (2021); Gerbelot, Troiani, Mignacco, Krzakala, Zdeborová, arXiv:2210.06591 (SGD);
 * Mignacco et al. (2020). The equations, derived in our conventions, are in docs/dmft.md.
 *
 * 1. Rectangular GFOM: gradient descent / mini-batch SGD on a GLM (same conventions as
 *    cavity/dynamics.h: x ~ N(0, I_d), w* ~ N(0, I_d), n = alpha d,
 *    L(w) = sum_mu l(y_mu, x_mu.w/sqrt d) + lambda/2 |w|^2, w^{t+1} = w^t - eta grad, SGD with
 *    Bernoulli(b) sample selection and no 1/b rescaling, w^0 = m0 w* + sqrt(q0 - m0^2) xi).
 *    The solver keeps the kernels of the two effective processes (docs/dmft.md, eqs. W and S):
 *      weight side  m(t), C_w(t,s) = E w^t w^s, R_w(t,s) = E dw^t/dP^s;
 *      sample side  C_l(t,s) = E l'^t l'^s, R_l(t,s) = E dl'^t/dh^s, mu_l(t) = E d l'^t/dh*.
 *    Two paths:
 *      EXACT    square loss, full batch: the sample process is linear, the kernels are
 *               propagated in closed form (deterministic, no sampling);
 *      SAMPLED  any loss / batch: ntraj trajectories of the sample process per iteration; the
 *               response R_l propagated pathwise through the effective process on ntraj_resp
 *               of them (Stein/Novikov on the whitened fields is ill-conditioned once GD
 *               converges and the fields become collinear: it blew up in our tests), and
 *               mu_l(t) = E[h* l'^t] - sum_s m(s) R_l(t,s) by Stein on h* alone.
 *    Discrete-time DMFT is causal, so iteration 1 is a causal sweep (kernels at t from samples
 *    at t' <= t, on ntraj_init trajectories); later iterations apply the full Picard map
 *    (sample all times from the current kernels with ntraj fresh trajectories, update the
 *    weight side) with adaptive damping. Residual = max change of (m, C_w, R_w) relative to
 *    1 + max|C_w|. Converged when residual <= tol, or (SAMPLED) when residual <= noise_factor x
 *    the Monte-Carlo standard error of the kernels (the noise floor; the message says which).
 *    Monte-Carlo errors of the outputs: jackknife over 16 batches of trajectories.
 *    Reproducible from opts.seed for any thread count (per chunk RNG streams, batch sums in a
 *    fixed order). OpenMP over trajectory batches.
 *
 * 2. Symmetric GFOM (AMP on the spiked Wigner model, cav_dmft_amp_*): v^{t+1} = A f_t(v^t) +
 *    sqrt(snr) x <x f_t> - b_t f_{t-1}(v^{t-1}), A GOE(1/n). Effective process
 *    v^{t+1} = Z^{t+1} + sum_{s<=t} R(t,s) f^{s-1} + sqrt(snr) M_t x - b_t f^{t-1},
 *    Cov Z = E f f, responses propagated pathwise. With b_t = E f_t' (AMP's Onsager term) the
 *    memory cancels exactly and the process reduces to state evolution.
 *
 * Status codes: CAV_OK converged; CAV_EMAXITER budget spent (last iterate and residual kept);
 * CAV_EDIVERGE the dynamics blew up (GD unstable step size; rows after the blow-up are NaN and
 * the message names the step and the stability bound); CAV_EINVAL bad parameter (before work).
 */
#ifndef CAVITY_DMFT_H
#define CAVITY_DMFT_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/channel.h"
#include "cavity/loss.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Observables per step (columns of cav_dmft_gd_observables), as in cavity/dynamics.h. */
#define CAV_DMFT_GD_NOBS 6
enum {
    CAV_DMFT_STEP = 0,
    CAV_DMFT_TIME,
    CAV_DMFT_TRAIN_LOSS,
    CAV_DMFT_TEST_ERROR,
    CAV_DMFT_M,
    CAV_DMFT_Q
};

typedef struct cav_dmft_gd_problem {
    cav_loss loss;       /* square, logistic, smooth-hinge (value() with l', l'') */
    cav_channel channel; /* sign, sign-flip, linear */
    double alpha;        /* n/d > 0 */
    double lambda;       /* ridge >= 0 */
    double eta;          /* step > 0 */
    double batch;        /* b in (0, 1] */
    double m0, q0;       /* start: q0 = m0 = 0, or q0 > m0^2 */
    long steps;          /* >= 1 */
} cav_dmft_gd_problem;

/* square loss, linear channel Delta = 0, alpha 2, lambda 0, eta 0.1, batch 1, m0 = q0 = 0,
 * steps 100. */
void cav_dmft_gd_problem_default(cav_dmft_gd_problem *p);
/* Validate every parameter (names it and its range): CAV_OK or CAV_EINVAL / CAV_EUNSUP. */
int cav_dmft_gd_check(const cav_dmft_gd_problem *p, cav_err *err);
/* GD stability bound 2 / (c (1 + sqrt alpha)^2 + lambda), c = sup l'' (square 1, logistic 1/4,
 * smooth-hinge 1/width). For the square loss it is exact (top of the Marchenko-Pastur edge). */
double cav_dmft_gd_eta_max(const cav_dmft_gd_problem *p);

enum { CAV_DMFT_AUTO = 0, CAV_DMFT_EXACT = 1, CAV_DMFT_SAMPLED = 2 };

typedef struct cav_dmft_opts {
    int path;               /* CAV_DMFT_AUTO (exact when square loss and b = 1), EXACT, SAMPLED */
    size_t ntraj;           /* trajectories per Picard iteration (default 100000) */
    size_t ntraj_init;      /* trajectories of the causal first sweep (default 10000) */
    size_t ntraj_resp;      /* trajectories (spread over all chunks) on which the response R_l is
                               propagated pathwise, cost O(T^3) each (default 8192) */
    double tol;             /* kernel residual tolerance (default 1e-10) */
    double noise_factor;    /* SAMPLED: converged when residual <= this x MC error (default 3) */
    int max_iter;           /* iteration budget (default 30) */
    double damping;         /* initial damping in (0,1] (default 1) */
    double damping_min;     /* default 0.05 */
    int patience;           /* good steps before the damping grows again (default 3) */
    uint64_t seed;          /* seed of every random stream (default 1) */
    const char *checkpoint; /* file written after each iteration and read by set() (NULL: off) */
} cav_dmft_opts;

cav_dmft_opts cav_dmft_opts_default(void);

typedef struct cav_dmft_gd cav_dmft_gd;

/* Allocate a solver for `steps` steps (NULL when out of memory or steps < 1). */
cav_dmft_gd *cav_dmft_gd_alloc(long steps);
void cav_dmft_gd_free(cav_dmft_gd *s);

/* Set problem (copied; steps must equal the allocated steps) and options (NULL: defaults; the
 * checkpoint path is copied). Checks everything before any work. If opts->checkpoint names an
 * existing file written for the same problem, path and trajectory counts, the kernels, damping
 * and iteration count are restored from it (resume). */
int cav_dmft_gd_set(cav_dmft_gd *s, const cav_dmft_gd_problem *p, const cav_dmft_opts *opts);
/* One iteration (see above). CAV_OK, CAV_EDIVERGE, CAV_ENOMEM. */
int cav_dmft_gd_iterate(cav_dmft_gd *s);
/* CAV_OK when converged (see above), CAV_CONTINUE otherwise. */
int cav_dmft_gd_test(const cav_dmft_gd *s);
/* Observer after each iteration; non-zero return stops the solve (status CAV_CONTINUE). */
typedef int (*cav_dmft_observer)(void *ctx, long iter, double residual, double damping);
/* Iterate until converged / budget / divergence; checkpoints after each iteration. */
int cav_dmft_gd_solve(cav_dmft_gd *s, cav_dmft_observer obs, void *ctx);
/* Write the state to `path` (binary, host byte order). */
int cav_dmft_gd_save(const cav_dmft_gd *s, const char *path, cav_err *err);

/* Observables: out and se (may be NULL) have (steps+1) x CAV_DMFT_GD_NOBS entries, row-major.
 * se: jackknife Monte-Carlo standard errors (0 on the exact path, NaN for step / time). Rows
 * after a divergence are NaN in columns 2..5. */
void cav_dmft_gd_observables(const cav_dmft_gd *s, double *out, double *se);

/* Kernels (library-owned, (steps+1) x (steps+1) row-major, or length steps+1 for vectors). */
enum { CAV_DMFT_K_M, CAV_DMFT_K_CW, CAV_DMFT_K_RW, CAV_DMFT_K_CL, CAV_DMFT_K_RL, CAV_DMFT_K_MUL };
const double *cav_dmft_gd_kernel(const cav_dmft_gd *s, int which);

int cav_dmft_gd_status(const cav_dmft_gd *s);
int cav_dmft_gd_path(const cav_dmft_gd *s); /* the path in use: EXACT or SAMPLED */
double cav_dmft_gd_residual(const cav_dmft_gd *s);
double cav_dmft_gd_noise(const cav_dmft_gd *s); /* MC standard error of the kernels (0: exact) */
long cav_dmft_gd_iterations(const cav_dmft_gd *s);
double cav_dmft_gd_damping(const cav_dmft_gd *s);
const cav_err *cav_dmft_gd_error(const cav_dmft_gd *s);

/* ---- Marchenko-Pastur reference for square-loss GD (linear teacher, docs/dmft.md eq. MP) ----
 * Full-batch GD from w^0 = 0 on ridge least squares: test error (1/2)(1 - 2m + q + Delta) after
 * t = 0..steps steps, as an integral over the MP law of X^T X / d (atom (1-alpha)_+ at 0),
 * Gauss-Kronrod adaptive quadrature. out: steps+1 values. */
int cav_dmft_mp_test_error(double alpha, double lambda, double eta, double Delta, long steps,
                           double *out, cav_err *err);

/* ---- symmetric GFOM: AMP on the spiked Wigner model ---- */
typedef struct cav_dmft_amp_result {
    int status;
    double max_memory;  /* max_{t, s<t} |R(t,s)| + max_t |R(t,t) - b_t| (0 when memory cancels) */
    double max_offdiag; /* max_{t, s<t} |R(t,s)| */
    char msg[CAV_ERR_MSG_LEN];
} cav_dmft_amp_result;

/* DMFT of v^{t+1} = Y f_t(v^t) - onsager * b_t f_{t-1}(v^{t-1}) with f_0 = tanh, f_t = tanh(beta .)
 * (Bayes AMP of cavity/dynamics.h when onsager = 1), start v^0 = g0 x + sqrt(g0) z with
 * E tanh(g0 + sqrt(g0) Z) = init_overlap. ntraj trajectories, seed. out: (steps+1) x 3
 * (step, overlap E[x f_t], mse E[(x - f_t)^2]); se (may be NULL): their MC standard errors. */
int cav_dmft_amp_wigner(double snr, long steps, double init_overlap, int onsager, size_t ntraj,
                        uint64_t seed, double *out, double *se, cav_dmft_amp_result *res);
/* State evolution in the same conventions: m_0 = init_overlap, gamma_{t+1} = snr m_t,
 * m_{t+1} = E tanh(gamma + sqrt(gamma) Z) (Gauss-Hermite, 1e-14). out: (steps+1) x 3. */
int cav_dmft_amp_se(double snr, long steps, double init_overlap, double *out, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
