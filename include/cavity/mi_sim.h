/* cavity/mi_sim.h — finite-size simulation of (sequence) multi-index models: the teacher-student
 * data of cavity/multi_index.h and Bayes-optimal GAMP (generalised approximate message passing)
 * for them, whose overlaps follow the state evolution of cavity/multi_index.h at large D.
 *
 * Data: tokens x_mu in R^{D x M} with iid N(0,1) entries, teacher W* in R^{P x D} with iid
 * N(0,1) entries, Z_mu = W* x_mu/sqrt(D) (P x M), y_mu ~ channel(Z_mu), mu < N.
 *
 * GAMP (Rangan, ISIT 2011; matrix form: Aubin et al., arXiv:1806.05451), Gaussian prior
 * N(0, I_P) on the columns of W, with F = x/sqrt(D):
 *     V^t       = C^t                                          (P x P)
 *     omega_mu  = W^t x_mu/sqrt(D) - V^t g_mu^{t-1}            (P x M; g^{-1} = 0)
 *     g_mu, dg_mu = g_out, d g_out/d omega at (y_mu, omega_mu, V^t)   (posterior of the channel)
 *     A^t       = -(1/D) sum_mu sum_m dg_mu[(. m), (. m)]      (P x P, token trace)
 *     B^t       = (1/sqrt(D)) sum_mu sum_m g_mu[., m] x_mu[:, m]^T + A^t W^t   (P x D)
 *     W^{t+1}   = (I + A^t)^{-1} B^t,  C^{t+1} = (I + A^t)^{-1}
 * with damping a: W <- a W_new + (1 - a) W, C likewise. d g_out is analytic (posterior
 * covariance) or central finite differences of g_out. Start: RANDOM W = sqrt(q0) xi, or
 * INFORMED W = q0 W* + sqrt(q0 - q0^2) xi (overlap q0 in every index); C = (1 - q0) I.
 * Observables per iteration: M = W W*^T/D and Q = W W^T/D (P x P); the state evolution predicts
 * M = Q = its iterate from Q0 = q0 I (INFORMED) with damping 1.
 * Every random quantity comes from cav_rng streams keyed by the seeds; the posterior step runs
 * in parallel over samples and the result does not depend on the thread count.
 */
#ifndef CAVITY_MI_SIM_H
#define CAVITY_MI_SIM_H

#include <stdint.h>

#include "cavity/multi_index.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cav_mi_data {
    long D, N;
    int P, M, ny, nobs;
    double *X;     /* (N M) x D row-major: row mu*M + m is token m of sample mu */
    double *Wstar; /* P x D */
    double *Z;     /* N x (P M) teacher pre-activations */
    double *y;     /* N x ny labels */
    double *s;     /* N x max(nobs, 1) observations (channel observe()) */
} cav_mi_data;

/* Draw a data set (allocates; free with cav_mi_data_free). X from stream (seed, "mi-x"), W* from
 * (seed, "mi-wstar"), label noise of sample mu from (seed, "mi-y", mu). CAV_EINVAL (bad
 * channel, D < 1, N < 1), CAV_ENOMEM, CAV_ENUMERIC (a label the channel cannot observe). */
int cav_mi_data_draw(const cav_mi_channel *ch, long D, long N, uint64_t seed, cav_mi_data *d,
                     cav_err *err);
void cav_mi_data_free(cav_mi_data *d);

enum { CAV_MI_INIT_RANDOM = 0, CAV_MI_INIT_INFORMED = 1 };

typedef struct cav_mi_gamp_opts {
    long steps;              /* iterations (default 50) */
    double damping;          /* weight of the new iterate in (0, 1] (default 1) */
    int init;                /* CAV_MI_INIT_RANDOM or INFORMED (default RANDOM) */
    double q0;               /* start overlap / norm in [0, 1) (default 1e-3) */
    int dg_fd;               /* 1: d g_out by central finite differences (default 0) */
    double fd_eps;           /* finite-difference step (default 1e-5) */
    cav_mi_inner_opts inner; /* posterior rule (default AUTO: adaptive cubature for k <= 2) */
    uint64_t seed;           /* seed of the start (default 1) */
    int threads;             /* OpenMP threads (0: runtime default) */
} cav_mi_gamp_opts;

cav_mi_gamp_opts cav_mi_gamp_opts_default(void);

/* Number of columns per iteration of cav_mi_gamp_run's trajectory: M (P*P), Q (P*P), the
 * fraction of samples whose posterior failed (g set to 0). */
#define CAV_MI_GAMP_NCOL(P) (2 * (P) * (P) + 1)

/* Run GAMP on data d. traj: (steps + 1) x CAV_MI_GAMP_NCOL(P) (row t: after t iterations).
 * What (may be NULL): the final estimate, P x D. CAV_OK, CAV_EINVAL, CAV_ENOMEM, CAV_ENUMERIC
 * (non-finite estimate: the run diverged; traj rows after it are NaN). */
int cav_mi_gamp_run(const cav_mi_channel *ch, const cav_mi_data *d, const cav_mi_gamp_opts *o,
                    double *traj, double *What, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
