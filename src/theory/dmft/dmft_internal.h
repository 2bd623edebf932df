/* theory/dmft_internal.h — private declarations shared by the DMFT files (not public):
 * the GD/SGD solver object and its kernel sides (dmft.c), the deterministic propagation of
 * docs/dmft.md eqs. W and X (dmft_exact.c), the sampled effective process of eq. S with its
 * jackknife errors (dmft_sample.c), and the checkpoint loader. */
#ifndef CAVITY_THEORY_DMFT_INTERNAL_H
#define CAVITY_THEORY_DMFT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/dmft.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define CHUNK 256   /* trajectories per RNG chunk (fixes the streams: do not change) */
#define MAXBATCH 16 /* jackknife batches */

/* Weight side (eq. W): w^t = a(t) w* + b(t) w^0 - sum_s R_w(t,s) zeta^s; m = a + b m0; C_w, R_w
 * are (T+1) x (T+1) row-major. Sample side (eqs. S, X): C_l, R_l (T+1) x (T+1), mu_l, and the
 * training loss per step. */
typedef struct {
    double *a, *b, *m, *Cw, *Rw;
} wside;
typedef struct {
    double *Cl, *Rl, *mul, *loss;
} sside;

struct cav_dmft_gd {
    long T;
    size_t ld, G; /* T+1, T+2 */
    cav_dmft_gd_problem p;
    cav_dmft_opts o;
    char ckpt[1024];
    int path, status, set;
    double residual, noise, damping, prev_res;
    long iter, good, diverged_at;
    cav_err err;
    double kappa, ey2, Delta;
    int binary;
    wside W, Wn; /* current weight side; the undamped map's */
    sside S, Sn; /* current (damped) sample side; the last sweep's */
    double *L;   /* G x G Cholesky factor of Cov(h*, omega) */
    double *K, *tmp, *tmp2, *clrw;
    int nb;       /* batches of the last sweep */
    size_t nlast; /* trajectories of the last sweep */
    double *bs_cl, *bs_rl, *bs_hs, *bs_loss;
    size_t bnr[MAXBATCH]; /* response trajectories per batch */
    double *se;           /* (T+1) x 4: train_loss, test_error, m, q */
};

/* dmft_exact.c: eq. W row t (sample rows < t); clrw (may be NULL) receives
 * C_l(0..t-1, 0..t-1) R_w(t, 0..t-1) for dmft_exact_row. CAV_EDIVERGE on blow-up. */
int dmft_weight_row(const cav_dmft_gd *s, long t, const sside *S, wside *W, double *tmp,
                    double *clrw);
/* All rows of eq. W; on divergence *bad = the first bad step. */
int dmft_weight_all(const cav_dmft_gd *s, const sside *S, wside *W, double *tmp, long *bad);
/* Eq. X row t (square loss, b = 1) from weight rows <= t and clrw of dmft_weight_row. */
void dmft_exact_row(cav_dmft_gd *s, long t, const wside *W, sside *S, const double *clrw);
/* dmft_hankel.c: the whole exact path (eqs. W and X, square loss, b = 1) in O(T^2) from the
 * Toeplitz / Hankel structure of its kernels; fills s->W and s->S. CAV_OK, CAV_EDIVERGE
 * (s->diverged_at set) or CAV_ENOMEM. */
int dmft_exact_hankel(cav_dmft_gd *s);
/* y[0..n-1] = sum_{s<n} x[s] C(s, 0..n-1), C symmetric, read from its lower triangle. */
void dmft_sym_lower_v(size_t n, const double *C, size_t ld, const double *x, double *y);

/* dmft_sample.c: causal first sweep (ntraj_init trajectories, weight rows interleaved) and
 * Picard sweep (ntraj trajectories from the current weight side) into s->Sn; CAV_EDIVERGE or
 * CAV_ENOMEM on failure. Jackknife standard errors s->se and noise level s->noise. */
int dmft_sweep_causal(cav_dmft_gd *s, uint64_t stream);
int dmft_sweep_picard(cav_dmft_gd *s, uint64_t stream);
int dmft_jackknife(cav_dmft_gd *s);

/* dmft.c: observables of row t (train_loss, test_error, m, q) from a weight/sample side. */
void dmft_obs_row(const cav_dmft_gd *s, long t, const wside *W, const sside *S, double *o);

/* Restore a solver from a checkpoint written for the same problem; 1 when restored. */
int dmft_gd_load(cav_dmft_gd *s, const char *path);

#endif
