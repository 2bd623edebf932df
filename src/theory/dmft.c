/* theory/dmft.c — discrete-time DMFT of gradient descent / mini-batch SGD on a GLM (cavity/dmft.h).
 *
 * Dandi, Gamarnik, Pernice, Zdeborová, arXiv:2603.14573; Celentano, Montanari, Wu (2021);
 * Gerbelot, Troiani, Mignacco, Krzakala, Zdeborová, arXiv:2210.06591. The derivation in our
 * conventions is docs/dmft.md; equation labels below refer to it.
 *
 * Weight side (eq. W), linear with deterministic coefficients:
 *   w^{t+1} = (1 - eta lambda) w^t - eta [zeta^t + alpha sum_{s<=t} R_l(t,s) w^s
 *             + alpha mu_l(t) w*] + eta P^t,   Cov(zeta^t, zeta^s) = alpha C_l(t,s),
 * so w^t = a(t) w* + b(t) w^0 - sum_{s<t} R_w(t,s) zeta^s with
 *   a(t+1) = (1-eta lambda) a(t) - eta alpha [sum_s R_l(t,s) a(s) + mu_l(t)],   a(0) = 0,
 *   b(t+1) = (1-eta lambda) b(t) - eta alpha  sum_s R_l(t,s) b(s),             b(0) = 1,
 *   R_w(t+1,s) = (1-eta lambda) R_w(t,s) - eta alpha sum_r R_l(t,r) R_w(r,s) + eta [t = s],
 *   m(t) = a(t) + b(t) m0,
 *   C_w(t,t') = a a' + (a b' + b a') m0 + b b' q0 + alpha sum_{s,s'} R_w(t,s) R_w(t',s') C_l(s,s').
 * Sample side (eq. S): (h*, omega^0..omega^T) Gaussian, Var h* = 1, Cov(h*, omega^t) = m(t),
 * Cov(omega^t, omega^s) = C_w(t,s); y = channel(h*);
 *   h^t = omega^t - sum_{s<t} R_w(t,s) l'^s,   l'^t = s^t l'(y, h^t),  s^t ~ Bernoulli(b).
 *   C_l(t,s) = E l'^t l'^s, R_l(t,s) = E d l'^t / d omega^s, mu_l(t) = E d l'^t / d h* (omega
 *   fixed). (h*, omega) = L z with L the Cholesky factor and z iid N(0,1). R_l is propagated
 *   pathwise, dh^t/de_s = [s=t] - sum_r R_w(t,r) s^r l''^r dh^r/de_s (O(T^3) per trajectory,
 *   on a sub-sample); mu_l(t) = E[h* l'^t] - sum_s m(s) R_l(t,s) (Stein on h* alone). Stein on
 *   all the whitened fields was tried first and is ill-conditioned once GD converges.
 * Exact path (square loss, b = 1, eq. X): e^t = l'^t = h^t - y is linear,
 *   e = K (omega - y 1) with K = (I + R_w)^{-1}, R_l = K, mu_l(t) = -kappa sum_s K(t,s),
 *   kappa = E[h* y], C_l = K M K^T with M(t,s) = C_w(t,s) - kappa (m(t) + m(s)) + E y^2,
 * all propagated row by row (BLAS-2), O(T^3) in total.
 */
#include "cavity/dmft.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "cavity/rng.h"
#include "theory/dmft_internal.h"

#define CHUNK 256    /* trajectories per RNG chunk (fixes the streams: do not change) */
#define MAXBATCH 16  /* jackknife batches */
#define QBLOWUP 1e12 /* divergence: q(t) > QBLOWUP (2 + q0) */
#define DEGEN 1e-12
#define MAXNOISE                                                                                   \
    0.05 /* largest relative MC error accepted as a noise floor */ /* relative innovation variance \
                                                                      below which a field is       \
                                                                      deterministic */

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

cav_dmft_opts cav_dmft_opts_default(void)
{
    cav_dmft_opts o;
    memset(&o, 0, sizeof o);
    o.path = CAV_DMFT_AUTO;
    o.ntraj = 100000;
    o.ntraj_init = 10000;
    o.ntraj_resp = 8192;
    o.tol = 1e-10;
    o.noise_factor = 3.0;
    o.max_iter = 30;
    o.damping = 1.0;
    o.damping_min = 0.05;
    o.patience = 3;
    o.seed = 1;
    return o;
}

void cav_dmft_gd_problem_default(cav_dmft_gd_problem *p)
{
    memset(p, 0, sizeof *p);
    p->loss.type = &cav_loss_square;
    p->channel.type = &cav_channel_linear;
    p->alpha = 2;
    p->eta = 0.1;
    p->batch = 1;
    p->steps = 100;
}

double cav_dmft_gd_eta_max(const cav_dmft_gd_problem *p)
{
    double c = 1.0;
    const char *nm = p->loss.type ? p->loss.type->name : "";
    if (!strcmp(nm, "logistic")) c = 0.25;
    if (!strcmp(nm, "smooth-hinge") && p->loss.par[0] > 0) c = 1.0 / p->loss.par[0];
    double e = 1 + sqrt(p->alpha);
    return 2.0 / (c * e * e + p->lambda);
}

int cav_dmft_gd_check(const cav_dmft_gd_problem *p, cav_err *err)
{
    if (!p) return cav_err_set(err, CAV_EINVAL, "dmft: problem is NULL");
    int st = cav_loss_check(&p->loss, err);
    if (st) return st;
    st = cav_channel_check(&p->channel, err);
    if (st) return st;
    if (!p->channel.type->binary && strcmp(p->channel.type->name, "linear"))
        return cav_err_set(err, CAV_EUNSUP, "dmft: channel %s: allowed sign, sign-flip, linear",
                           p->channel.type->name);
    if (!(p->alpha > 0) || !(p->alpha <= 1e4))
        return cav_err_set(err, CAV_EINVAL, "dmft: alpha = %g outside (0, 1e4]", p->alpha);
    if (!(p->lambda >= 0) || !(p->lambda <= 1e4))
        return cav_err_set(err, CAV_EINVAL, "dmft: lambda = %g outside [0, 1e4]", p->lambda);
    if (!(p->eta > 0) || !(p->eta <= 1e3))
        return cav_err_set(err, CAV_EINVAL, "dmft: eta = %g outside (0, 1e3]", p->eta);
    if (!(p->batch > 0) || !(p->batch <= 1))
        return cav_err_set(err, CAV_EINVAL, "dmft: batch = %g outside (0, 1]", p->batch);
    if (p->steps < 1 || p->steps > 100000)
        return cav_err_set(err, CAV_EINVAL, "dmft: steps = %ld outside [1, 100000]", p->steps);
    if (!(p->q0 >= 0) || !isfinite(p->q0) || !isfinite(p->m0))
        return cav_err_set(err, CAV_EINVAL, "dmft: q0 = %g must be finite and >= 0", p->q0);
    if (p->q0 == 0 && p->m0 != 0)
        return cav_err_set(err, CAV_EINVAL, "dmft: m0 = %g needs q0 > m0^2 (q0 = 0)", p->m0);
    if (p->q0 > 0 && !(p->q0 > p->m0 * p->m0 * (1 + 1e-9)))
        return cav_err_set(err, CAV_EUNSUP,
                           "dmft: start needs q0 > m0^2 (got m0 = %g, q0 = %g): a start "
                           "collinear with the teacher is not supported",
                           p->m0, p->q0);
    return CAV_OK;
}

static void free_all(cav_dmft_gd *s)
{
    double **ptr[] = {&s->W.a,   &s->W.b,    &s->W.m,     &s->W.Cw,  &s->W.Rw,   &s->Wn.a,
                      &s->Wn.b,  &s->Wn.m,   &s->Wn.Cw,   &s->Wn.Rw, &s->S.Cl,   &s->S.Rl,
                      &s->S.mul, &s->S.loss, &s->Sn.Cl,   &s->Sn.Rl, &s->Sn.mul, &s->Sn.loss,
                      &s->L,     &s->K,      &s->tmp,     &s->tmp2,  &s->clrw,   &s->bs_cl,
                      &s->bs_rl, &s->bs_hs,  &s->bs_loss, &s->se};
    for (size_t i = 0; i < sizeof ptr / sizeof *ptr; i++) {
        free(*ptr[i]);
        *ptr[i] = NULL;
    }
}

void cav_dmft_gd_free(cav_dmft_gd *s)
{
    if (!s) return;
    free_all(s);
    free(s);
}

cav_dmft_gd *cav_dmft_gd_alloc(long steps)
{
    if (steps < 1 || steps > 100000) return NULL;
    cav_dmft_gd *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->T = steps;
    s->ld = (size_t)steps + 1;
    s->G = (size_t)steps + 2;
    size_t v = s->ld, m2 = s->ld * s->ld;
    int ok = 1;
#define AL(p, n) ok &= ((p) = calloc((n), sizeof(double))) != NULL
    AL(s->W.a, v), AL(s->W.b, v), AL(s->W.m, v), AL(s->W.Cw, m2), AL(s->W.Rw, m2);
    AL(s->Wn.a, v), AL(s->Wn.b, v), AL(s->Wn.m, v), AL(s->Wn.Cw, m2), AL(s->Wn.Rw, m2);
    AL(s->S.Cl, m2), AL(s->S.Rl, m2), AL(s->S.mul, v), AL(s->S.loss, v);
    AL(s->Sn.Cl, m2), AL(s->Sn.Rl, m2), AL(s->Sn.mul, v), AL(s->Sn.loss, v);
    AL(s->L, s->G * s->G), AL(s->K, m2), AL(s->tmp, s->G), AL(s->tmp2, s->G);
    AL(s->clrw, s->G);
    AL(s->se, v * 4);
#undef AL
    if (!ok) {
        cav_dmft_gd_free(s);
        return NULL;
    }
    return s;
}

/* ---------------------------------------------------------------------------------------- */
/* Weight side, eq. W: row t of (a, b, m, R_w, C_w) from sample kernels of rows < t.         */

/* Kernels of the weight and exact sample sides, written out (not BLAS) so that they touch only
 * the non-zero triangle: R_w(t,s) = 0 for s >= t, K(t,s) = 0 for s > t, and C_l is symmetric
 * (read from its lower triangle). Rows are contiguous and the inner loops are unit-stride axpys
 * and dots, which -O3 vectorises; the summation order is fixed (no threads), so the exact path is
 * bitwise reproducible. Each is O(t^2 / 2) per row. */

/* y[0..n-1] = sum_{r<n} x[r] A(r, 0..r-1)  (A strictly lower, row-major, leading dim ld). */
static void strict_lower_tv(size_t n, const double *A, size_t ld, const double *x, double *y)
{
    memset(y, 0, n * sizeof *y);
    for (size_t r = 1; r < n; r++) {
        const double c = x[r], *ar = A + r * ld;
        if (c != 0)
            for (size_t j = 0; j < r; j++)
                y[j] += c * ar[j];
    }
}

/* y[0..n-1] = sum_{s<n} x[s] C(s, 0..n-1), C symmetric, read from its lower triangle. */
static void sym_lower_v(size_t n, const double *C, size_t ld, const double *x, double *y)
{
    memset(y, 0, n * sizeof *y);
    for (size_t s = 0; s < n; s++) {
        const double c = x[s], *cs = C + s * ld;
        for (size_t j = 0; j < s; j++) /* the row stays in L1 for the dot below */
            y[j] += c * cs[j];
        y[s] += cav_la_dot(s, cs, x) + cs[s] * c;
    }
}

/* Weight side, eq. W: row t of (a, b, m, R_w, C_w) from sample kernels of rows < t. clrw (may be
 * NULL) receives v = C_l(0..t-1, 0..t-1) R_w(t, 0..t-1), which the exact sample row reuses. */
static int weight_row(const cav_dmft_gd *s, long t, const sside *S, wside *W, double *tmp,
                      double *clrw)
{
    const size_t ld = s->ld, tt = (size_t)t;
    const double eta = s->p.eta, al = s->p.alpha, dec = 1 - s->p.eta * s->p.lambda;
    const double m0 = s->p.m0, q0 = s->p.q0;
    if (t == 0) {
        W->a[0] = 0, W->b[0] = 1, W->m[0] = m0, W->Cw[0] = q0;
        for (size_t j = 0; j < ld; j++)
            W->Rw[j] = 0;
        return CAV_OK;
    }
    const size_t u = tt - 1;
    const double *rl = S->Rl + u * ld; /* R_l(t-1, 0..t-1) */
    /* a, b: causal sums over s <= t-1 */
    W->a[tt] = dec * W->a[u] - eta * al * (cav_la_dot(tt, rl, W->a) + S->mul[u]);
    W->b[tt] = dec * W->b[u] - eta * al * cav_la_dot(tt, rl, W->b);
    W->m[tt] = W->a[tt] + W->b[tt] * m0;
    /* R_w(t, s) = dec R_w(t-1, s) - eta alpha sum_{r<=t-1} R_l(t-1, r) R_w(r, s) + eta [s = t-1] */
    double *rw = W->Rw + tt * ld;
    strict_lower_tv(tt, W->Rw, ld, rl, tmp);
    for (size_t j = 0; j < tt; j++)
        rw[j] = dec * W->Rw[u * ld + j] - eta * al * tmp[j];
    rw[u] += eta;
    for (size_t j = tt; j < ld; j++)
        rw[j] = 0;
    /* C_w(t, t') for t' <= t: v(s') = sum_{s<t} R_w(t,s) C_l(s,s'), then
     * alpha sum_{s'<t'} R_w(t',s') v(s') (R_w(t', s') = 0 for s' >= t'). */
    double *v = clrw ? clrw : tmp;
    sym_lower_v(tt, S->Cl, ld, rw, v);
    double *cw = W->Cw + tt * ld;
    for (size_t j = 0; j <= tt; j++)
        cw[j] = al * cav_la_dot(j, W->Rw + j * ld, v);
    const double at = W->a[tt], bt = W->b[tt];
    for (size_t j = 0; j <= tt; j++) {
        cw[j] += at * W->a[j] + (at * W->b[j] + bt * W->a[j]) * m0 + bt * W->b[j] * q0;
        W->Cw[j * ld + tt] = cw[j];
    }
    double q = cw[tt];
    if (!isfinite(q) || q > QBLOWUP * (2 + q0) || !isfinite(W->m[tt])) return CAV_EDIVERGE;
    return CAV_OK;
}

static int weight_all(const cav_dmft_gd *s, const sside *S, wside *W, double *tmp, long *bad)
{
    for (long t = 0; t <= s->T; t++)
        if (weight_row(s, t, S, W, tmp, NULL)) {
            *bad = t;
            return CAV_EDIVERGE;
        }
    return CAV_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Exact path, eq. X: sample-side row t from weight rows <= t.                               */

static void exact_row(cav_dmft_gd *s, long t, const wside *W, sside *S, const double *clrw)
{
    const size_t ld = s->ld, tt = (size_t)t;
    double *K = s->K, *kr = K + tt * ld, *tmp = s->tmp, *P = s->tmp2;
    const double *rw = W->Rw + tt * ld;
    /* K(t, :) = e_t - R_w(t, 0..t-1) K(0..t-1, :)   (K lower triangular, unit diagonal) */
    memset(kr, 0, ld * sizeof *kr);
    for (size_t r = 0; r < tt; r++) {
        const double c = rw[r], *kk = K + r * ld;
        if (c != 0)
            for (size_t j = 0; j <= r; j++)
                kr[j] -= c * kk[j];
    }
    kr[tt] = 1;
    /* M(t, s') = C_w(t,s') - kappa (m(t) + m(s')) + E y^2;  P(t,u) = sum_{s'<=u} K(u,s') M(t,s') */
    for (size_t j = 0; j <= tt; j++)
        tmp[j] = W->Cw[tt * ld + j] - s->kappa * (W->m[tt] + W->m[j]) + s->ey2;
    for (size_t j = 0; j <= tt; j++)
        P[j] = cav_la_dot(j + 1, K + j * ld, tmp);
    /* C_l(t,u) = P(t,u) - sum_{s<t} R_w(t,s) C_l(s,u), first u < t (clrw holds the sum, computed
     * by weight_row of this row from the same C_l rows < t), then u = t */
    double *cl = S->Cl + tt * ld;
    for (size_t j = 0; j < tt; j++) {
        cl[j] = P[j] - clrw[j];
        S->Cl[j * ld + tt] = cl[j];
    }
    cl[tt] = P[tt] - (tt ? cav_la_dot(tt, rw, cl) : 0.0);
    double sum = 0;
    for (size_t j = 0; j <= tt; j++) {
        S->Rl[tt * ld + j] = kr[j];
        sum += kr[j];
    }
    S->mul[tt] = -s->kappa * sum;
    S->loss[tt] = 0.5 * cl[tt];
}

/* ---------------------------------------------------------------------------------------- */
/* Sampled path.                                                                              */

/* Row k = t+1 of the Cholesky factor of Cov(h*, omega^0..omega^T) (row 0 at t = 0 too). */
static void chol_row(cav_dmft_gd *s, long t, const wside *W)
{
    const size_t G = s->G, ld = s->ld, k = (size_t)t + 1;
    double *L = s->L;
    if (t == 0) {
        memset(L, 0, G * G * sizeof *L);
        L[0] = 1;
    }
    double *lk = L + k * G, *sig = s->tmp;
    sig[0] = W->m[t];
    for (size_t j = 1; j <= k; j++)
        sig[j] = W->Cw[(size_t)t * ld + (j - 1)];
    double acc = 0;
    for (size_t j = 0; j < k; j++) {
        const double *lj = L + j * G;
        double v = sig[j] - cav_la_dot(j, lk, lj);
        lk[j] = lj[j] > 0 ? v / lj[j] : 0;
        acc += lk[j] * lk[j];
    }
    double inn = sig[k] - acc;
    lk[k] = inn > DEGEN * (1 + fabs(sig[k])) ? sqrt(inn) : 0;
}

typedef struct {
    double *cl, *rl, *hs, *loss; /* this batch's sums */
} bsums;

static bsums batch_of(cav_dmft_gd *s, int b)
{
    size_t m2 = s->ld * s->ld;
    bsums r = {s->bs_cl + (size_t)b * m2, s->bs_rl + (size_t)b * m2, s->bs_hs + (size_t)b * s->ld,
               s->bs_loss + (size_t)b * s->ld};
    return r;
}

static size_t tri(size_t r, size_t c)
{
    return r * (r + 1) / 2 + c;
}

/* ---- Pathwise response of the sample process (eq. S) ----
 * For one trajectory, H(t,s) = dh^t/de_s (a kick e_s added to omega^s) obeys
 *   H(t,s) = [s = t] - sum_{s<=r<t} R_w(t,r) G(r,s),   G(r,s) = s^r l''^r H(r,s) = D(r) H(r,s),
 * and R_l(t,s) = E G(t,s): G = D (I + R_w D)^{-1}, O(T^3/6) per trajectory. Causality: only
 * r in [s, t) contributes. The trajectories of a chunk are processed together in structure of
 * arrays (entry of trajectory i at [.. * W + i], W a multiple of RB), so every inner loop runs
 * over trajectories with unit stride and vectorises; each trajectory's sums are in the same fixed
 * order whatever the vector width or thread count, so the results do not depend on either. */
#define RB 8 /* trajectories per vector block */

typedef struct {
    size_t W;  /* trajectories of the block (padded, multiple of RB) */
    double *D; /* (T+1) x W: D(t) per trajectory */
    double *G; /* causal sweep only: packed lower triangle x W (G(r,c) at tri(r,c) W) */
    double *H; /* causal sweep only: (T+1) x W work */
} resp;

/* Causal sweep, row t (G rows < t known): H(t, c) for c <= t, then G(t, c) = D(t) H(t, c) and
 * rl(c) += sum_i G(t, c)_i. G is streamed once per row (memory bound). */
static void resp_row(size_t tt, const resp *R, const double *rw, double *rl)
{
    const size_t W = R->W;
    double *H = R->H;
    memset(H, 0, (tt + 1) * W * sizeof *H);
    for (size_t r = 0; r < tt; r++) {
        const double c = rw[r], *gr = R->G + tri(r, 0) * W;
        if (c != 0)
            for (size_t j = 0; j < (r + 1) * W; j++) /* (c2 <= r) x trajectories, contiguous */
                H[j] -= c * gr[j];
    }
    for (size_t i = 0; i < W; i++)
        H[tt * W + i] = 1;
    double *gt = R->G + tri(tt, 0) * W;
    const double *d = R->D + tt * W;
    for (size_t c = 0; c <= tt; c++) {
        double sum = 0;
        for (size_t i = 0; i < W; i++) {
            gt[c * W + i] = d[i] * H[c * W + i];
            sum += gt[c * W + i];
        }
        rl[c] += sum;
    }
}

/* NB vector blocks (NB RB trajectories) of one column s: g(t) = G(t, s) for t >= s,
 * g(s) = D(s), g(t) = -D(t) sum_{s<=r<t} R_w(t,r) g(r) (= D(t) H(t,s): the negation is exact, so
 * this equals resp_row bit for bit). The accumulators (NB x RB doubles) stay in registers. */
static inline __attribute__((always_inline)) void resp_col_blocks(const size_t NB, size_t ld,
                                                                  size_t s0, size_t W,
                                                                  const double *Rw, const double *D,
                                                                  double *g, double *rl)
{
    double sum = 0;
    for (size_t i = 0; i < NB * RB; i++) {
        g[s0 * W + i] = D[s0 * W + i];
        sum += g[s0 * W + i];
    }
    rl[s0 * ld + s0] += sum;
    for (size_t t = s0 + 1; t < ld; t++) {
        const double *rwt = Rw + t * ld;
        double acc[4 * RB];
        for (size_t i = 0; i < NB * RB; i++)
            acc[i] = 0;
        for (size_t r = s0; r < t; r++) {
            const double c = rwt[r], *gr = g + r * W;
            for (size_t i = 0; i < NB * RB; i++)
                acc[i] += c * gr[i];
        }
        double *gt = g + t * W;
        const double *dt = D + t * W;
        sum = 0;
        for (size_t i = 0; i < NB * RB; i++) {
            gt[i] = -dt[i] * acc[i];
            sum += gt[i];
        }
        rl[t * ld + s0] += sum;
    }
}

/* Picard sweep: all rows of the response at once from D (after the forward pass of a chunk),
 * column by column, in groups of up to 4 vector blocks; g: (T+1) x W work. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) &&                             \
    !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void
resp_cols(size_t ld, const resp *R, const double *Rw, double *g, double *rl)
{
    const size_t W = R->W;
    for (size_t i0 = 0; i0 < W; i0 += 4 * RB) {
        const size_t nb = (W - i0) / RB < 4 ? (W - i0) / RB : 4;
        for (size_t s0 = 0; s0 < ld; s0++) {
            /* each group adds its sum over its trajectories to rl, groups in order */
            switch (nb) {
            case 1:
                resp_col_blocks(1, ld, s0, W, Rw, R->D + i0, g + i0, rl);
                break;
            case 2:
                resp_col_blocks(2, ld, s0, W, Rw, R->D + i0, g + i0, rl);
                break;
            case 3:
                resp_col_blocks(3, ld, s0, W, Rw, R->D + i0, g + i0, rl);
                break;
            default:
                resp_col_blocks(4, ld, s0, W, Rw, R->D + i0, g + i0, rl);
                break;
            }
        }
    }
}

/* Step t for n trajectories (columns 0..n-1 of z, lp with leading dimension ldz; labels yl;
 * work of 3n doubles); chunk = global chunk id (RNG key). Returns CAV_EDIVERGE on non-finite h. */
static int sample_step(const cav_dmft_gd *s, long t, uint64_t stream, size_t chunk, double *z,
                       double *lp, double *yl, size_t ldz, size_t n, size_t nr, const resp *R,
                       const wside *W, bsums *B, double *work)
{
    const size_t G = s->G, ld = s->ld, k = (size_t)t + 1, tt = (size_t)t;
    cav_rng rng;
    cav_rng_init(&rng, s->o.seed, stream, (uint64_t)tt * 1000003u + chunk);
    if (t == 0) {
        cav_rng_normal_fill(&rng, n, 1.0, z);
        for (size_t i = 0; i < n; i++)
            yl[i] = s->p.channel.type->sample(&s->p.channel, z[i], &rng);
    }
    cav_rng_normal_fill(&rng, n, 1.0, z + k * ldz);
    double *h = work, *dl = work + n, *ddl = work + 2 * n, *l = lp + tt * ldz;
    const double *lk = s->L + k * G;
    memset(h, 0, n * sizeof *h);
    for (size_t j = 0; j <= k; j++) {
        const double c = lk[j], *zj = z + j * ldz;
        if (c != 0)
            for (size_t i = 0; i < n; i++)
                h[i] += c * zj[i];
    }
    const double *rw = W->Rw + tt * ld;
    for (size_t j = 0; j < tt; j++) {
        const double c = rw[j], *lj = lp + j * ldz;
        for (size_t i = 0; i < n; i++)
            h[i] -= c * lj[i];
    }
    /* loss values go to l (row t of lp) first, then l' overwrites them */
    s->p.loss.type->value(&s->p.loss, n, yl, h, l, dl, ddl);
    double ls = 0, ds = 0;
    for (size_t i = 0; i < n; i++)
        ls += l[i];
    if (s->p.batch < 1) {
        for (size_t i = 0; i < n; i++) {
            double sel = cav_rng_uniform(&rng) < s->p.batch ? 1.0 : 0.0;
            dl[i] *= sel, ddl[i] *= sel;
        }
    }
    for (size_t i = 0; i < n; i++) {
        l[i] = dl[i];
        ds += ddl[i];
    }
    if (!isfinite(ls) || !isfinite(ds)) return CAV_EDIVERGE;
    B->loss[tt] += ls;
    for (size_t u = 0; u <= tt; u++)
        B->cl[tt * ld + u] += cav_la_dot(n, l, lp + u * ldz);
    B->hs[tt] += cav_la_dot(n, l, z); /* E[h* l'^t] (row 0 of z is h*) */
    /* s^t l''^t of the response trajectories (the first nr; padded to W with 0, which adds
     * exact zeros to the sums), then, in the causal sweep, row t of their responses. */
    double *dr = R->D + tt * R->W;
    for (size_t i = 0; i < R->W; i++)
        dr[i] = i < nr ? ddl[i] : 0.0;
    if (R->G) resp_row(tt, R, rw, B->rl + tt * ld);
    (void)ds, (void)G, (void)k;
    return CAV_OK;
}

/* Kernels of row t from the batch sums, leaving batch `skip` out (-1: none):
 * C_l and E[h* l'] on all trajectories, R_l pathwise on the response trajectories, and
 * mu_l(t) = E[h* l'^t] - sum_s m(s) R_l(t,s) (Stein on h* ~ N(0,1), omega^s = m(s) h* + indep.). */
static void finalize_row(cav_dmft_gd *s, long t, int skip, const size_t *bn, sside *S)
{
    const size_t ld = s->ld, tt = (size_t)t;
    double N = 0, NR = 0, hs = 0, lsum = 0;
    for (size_t u = 0; u <= tt; u++)
        S->Cl[tt * ld + u] = S->Rl[tt * ld + u] = 0;
    for (int b = 0; b < s->nb; b++) {
        if (b == skip) continue;
        bsums B = batch_of(s, b);
        N += (double)bn[b], NR += (double)s->bnr[b];
        hs += B.hs[tt], lsum += B.loss[tt];
        for (size_t u = 0; u <= tt; u++) {
            S->Cl[tt * ld + u] += B.cl[tt * ld + u];
            S->Rl[tt * ld + u] += B.rl[tt * ld + u];
        }
    }
    double mr = 0;
    for (size_t u = 0; u <= tt; u++) {
        S->Cl[tt * ld + u] /= N;
        S->Cl[u * ld + tt] = S->Cl[tt * ld + u];
        S->Rl[tt * ld + u] /= NR;
        mr += s->W.m[u] * S->Rl[tt * ld + u];
    }
    for (size_t j = tt + 1; j < ld; j++)
        S->Rl[tt * ld + j] = 0;
    S->loss[tt] = lsum / N;
    S->mul[tt] = hs / N - mr;
}

/* Response trajectories: the first nrc of every chunk. */
static size_t resp_per_chunk(size_t N, size_t nresp)
{
    size_t nch = (N + CHUNK - 1) / CHUNK, r = (nresp + nch - 1) / nch;
    r = (r + RB - 1) / RB * RB; /* whole vector blocks (CHUNK is a multiple of RB) */
    return r < RB ? RB : r > CHUNK ? CHUNK : r;
}

static size_t nr_of(size_t nrc, size_t n)
{
    return nrc < n ? nrc : n;
}

static int setup_batches(cav_dmft_gd *s, size_t N, size_t nrc, size_t *bn)
{
    size_t nch = (N + CHUNK - 1) / CHUNK;
    s->nb = (int)(nch < MAXBATCH ? nch : MAXBATCH);
    size_t m2 = s->ld * s->ld;
    if (!s->bs_cl) {
        s->bs_cl = calloc(MAXBATCH * m2, sizeof(double));
        s->bs_rl = calloc(MAXBATCH * m2, sizeof(double));
        s->bs_hs = calloc(MAXBATCH * s->ld, sizeof(double));
        s->bs_loss = calloc(MAXBATCH * s->ld, sizeof(double));
        if (!s->bs_cl || !s->bs_rl || !s->bs_hs || !s->bs_loss) return CAV_ENOMEM;
    }
    memset(s->bs_cl, 0, MAXBATCH * m2 * sizeof(double));
    memset(s->bs_rl, 0, MAXBATCH * m2 * sizeof(double));
    memset(s->bs_hs, 0, MAXBATCH * s->ld * sizeof(double));
    memset(s->bs_loss, 0, MAXBATCH * s->ld * sizeof(double));
    for (int b = 0; b < s->nb; b++) {
        size_t c0 = (size_t)b * nch / (size_t)s->nb, c1 = (size_t)(b + 1) * nch / (size_t)s->nb;
        size_t i0 = c0 * CHUNK, i1 = c1 * CHUNK < N ? c1 * CHUNK : N;
        bn[b] = i1 - i0;
        s->bnr[b] = 0;
        for (size_t c = c0; c < c1; c++) {
            size_t j0 = c * CHUNK, n = j0 + CHUNK <= N ? CHUNK : N - j0;
            s->bnr[b] += nr_of(nrc, n);
        }
    }
    s->nlast = N;
    return CAV_OK;
}

/* Causal sweep on ntraj_init trajectories: weight row t, then samples at t, then kernels at t. */
static int sweep_causal(cav_dmft_gd *s, uint64_t stream)
{
    const size_t N = s->o.ntraj_init, G = s->G, ld = s->ld, T2 = tri(ld, 0);
    size_t bn[MAXBATCH], nresp = s->o.ntraj_resp < N ? s->o.ntraj_resp : N;
    if ((double)nresp * (double)T2 > 4e7) nresp = (size_t)(4e7 / (double)T2); /* 320 MB */
    const size_t nrc = resp_per_chunk(N, nresp), nch = (N + CHUNK - 1) / CHUNK;
    if (setup_batches(s, N, nrc, bn)) return CAV_ENOMEM;
    double *z = malloc(G * N * sizeof *z), *lp = malloc(ld * N * sizeof *lp);
    double *yl = malloc(N * sizeof *yl), *work = malloc(MAXBATCH * (3 * CHUNK + ld) * sizeof *work);
    /* per chunk: D and the packed responses G; per batch: the row work H */
    double *Gr = malloc(nch * nrc * (T2 + ld) * sizeof *Gr);
    double *Hw = malloc((size_t)MAXBATCH * ld * nrc * sizeof *Hw);
    if (!z || !lp || !yl || !work || !Gr || !Hw) {
        free(z), free(lp), free(yl), free(work), free(Gr), free(Hw);
        return CAV_ENOMEM;
    }
    int st = CAV_OK;
    for (long t = 0; t <= s->T && !st; t++) {
        if (weight_row(s, t, &s->Sn, &s->W, s->tmp, NULL)) {
            s->diverged_at = t;
            st = CAV_EDIVERGE;
            break;
        }
        chol_row(s, t, &s->W);
        int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
        for (int b = 0; b < s->nb; b++) {
            bsums B = batch_of(s, b);
            size_t c0 = (size_t)b * nch / (size_t)s->nb, c1 = (size_t)(b + 1) * nch / (size_t)s->nb;
            for (size_t c = c0; c < c1; c++) {
                size_t i0 = c * CHUNK, n = i0 + CHUNK <= N ? CHUNK : N - i0;
                resp R = {nrc, Gr + c * nrc * (T2 + ld), Gr + c * nrc * (T2 + ld) + nrc * ld,
                          Hw + (size_t)b * ld * nrc};
                bad |= sample_step(s, t, stream, c, z + i0, lp + i0, yl + i0, N, n, nr_of(nrc, n),
                                   &R, &s->W, &B, work + (size_t)b * (3 * CHUNK + ld)) != CAV_OK;
            }
        }
        if (bad) {
            s->diverged_at = t;
            st = CAV_EDIVERGE;
            break;
        }
        finalize_row(s, t, -1, bn, &s->Sn);
    }
    free(z), free(lp), free(yl), free(work), free(Gr), free(Hw);
    return st;
}

/* Picard sweep on ntraj trajectories: all times sampled from the current weight side; chunks are
 * independent, so each thread runs its chunks through all times in a small buffer. */
static int sweep_picard(cav_dmft_gd *s, uint64_t stream)
{
    const size_t N = s->o.ntraj, G = s->G, ld = s->ld;
    size_t bn[MAXBATCH];
    const size_t nrc = resp_per_chunk(N, s->o.ntraj_resp < N ? s->o.ntraj_resp : N);
    if (setup_batches(s, N, nrc, bn)) return CAV_ENOMEM;
    for (long t = 0; t <= s->T; t++)
        chol_row(s, t, &s->W);
    size_t nch = (N + CHUNK - 1) / CHUNK;
    int bad = 0, nomem = 0;
#pragma omp parallel reduction(| : bad, nomem)
    {
        double *z = malloc(G * CHUNK * sizeof *z), *lp = malloc(ld * CHUNK * sizeof *lp);
        double *yl = malloc(CHUNK * sizeof *yl), *work = malloc((3 * CHUNK + ld) * sizeof *work);
        double *Gr = malloc(2 * nrc * ld * sizeof *Gr); /* D, then the column work g */
        if (!z || !lp || !yl || !work || !Gr) nomem = 1;
        resp R = {nrc, Gr, NULL, NULL};
#pragma omp for schedule(static)
        for (int b = 0; b < s->nb; b++) {
            if (nomem) continue;
            bsums B = batch_of(s, b);
            size_t c0 = (size_t)b * nch / (size_t)s->nb, c1 = (size_t)(b + 1) * nch / (size_t)s->nb;
            for (size_t c = c0; c < c1 && !bad; c++) {
                size_t i0 = c * CHUNK, n = i0 + CHUNK <= N ? CHUNK : N - i0;
                for (long t = 0; t <= s->T && !bad; t++)
                    bad |= sample_step(s, t, stream, c, z, lp, yl, CHUNK, n, nr_of(nrc, n), &R,
                                       &s->W, &B, work) != CAV_OK;
                if (!bad) resp_cols(ld, &R, s->W.Rw, Gr + nrc * ld, B.rl);
            }
        }
        free(z), free(lp), free(yl), free(work), free(Gr);
    }
    if (nomem) return CAV_ENOMEM;
    if (bad) return CAV_EDIVERGE;
    for (long t = 0; t <= s->T; t++)
        finalize_row(s, t, -1, bn, &s->Sn);
    return CAV_OK;
}

/* Observables of row t from a weight/sample side: train_loss, test_error, m, q. */
static void obs_row(const cav_dmft_gd *s, long t, const wside *W, const sside *S, double *o)
{
    double m = W->m[t], q = W->Cw[(size_t)t * s->ld + (size_t)t];
    o[0] = S->loss[t];
    if (s->binary)
        o[1] = q > 0 ? acos(fmax(-1.0, fmin(1.0, m / sqrt(q)))) / M_PI : 0.5;
    else
        o[1] = 0.5 * (1 - 2 * m + q + s->Delta);
    o[2] = m;
    o[3] = q;
}

/* Jackknife over the batches of the last sweep: standard errors of the outputs and the kernel
 * noise level (max SE of m and C_w(t,t) over t). */
static int jackknife(cav_dmft_gd *s)
{
    const size_t ld = s->ld, nt = ld;
    int nb = s->nb;
    memset(s->se, 0, nt * 4 * sizeof *s->se);
    s->noise = 0;
    if (nb < 2) return CAV_OK;
    size_t bn[MAXBATCH];
    size_t nch = (s->nlast + CHUNK - 1) / CHUNK;
    for (int b = 0; b < nb; b++) {
        size_t c0 = (size_t)b * nch / (size_t)nb, c1 = (size_t)(b + 1) * nch / (size_t)nb;
        size_t i1 = c1 * CHUNK < s->nlast ? c1 * CHUNK : s->nlast;
        bn[b] = i1 - c0 * CHUNK;
    }
    double *rep = malloc((size_t)nb * nt * 4 * sizeof *rep);
    cav_dmft_gd *w = cav_dmft_gd_alloc(s->T); /* scratch replica sides */
    if (!rep || !w) {
        free(rep);
        cav_dmft_gd_free(w);
        return CAV_ENOMEM;
    }
    /* finalize_row needs this solver's L and batch sums: use s's scratch tmp via s itself. */
    for (int b = 0; b < nb; b++) {
        for (long t = 0; t <= s->T; t++)
            finalize_row(s, t, b, bn, &w->S);
        long badt;
        if (weight_all(s, &w->S, &w->W, s->tmp, &badt)) {
            for (size_t i = 0; i < nt * 4; i++)
                rep[(size_t)b * nt * 4 + i] = NAN;
            continue;
        }
        for (long t = 0; t <= s->T; t++)
            obs_row(s, t, &w->W, &w->S, rep + (size_t)b * nt * 4 + (size_t)t * 4);
    }
    for (size_t i = 0; i < nt * 4; i++) {
        double mean = 0, var = 0;
        for (int b = 0; b < nb; b++)
            mean += rep[(size_t)b * nt * 4 + i];
        mean /= nb;
        for (int b = 0; b < nb; b++) {
            double d = rep[(size_t)b * nt * 4 + i] - mean;
            var += d * d;
        }
        s->se[i] = sqrt(var * (nb - 1) / nb);
        if ((i % 4 == 2 || i % 4 == 3) && s->se[i] > s->noise) s->noise = s->se[i];
    }
    free(rep);
    cav_dmft_gd_free(w);
    return CAV_OK;
}

/* ---------------------------------------------------------------------------------------- */

int cav_dmft_gd_set(cav_dmft_gd *s, const cav_dmft_gd_problem *p, const cav_dmft_opts *opts)
{
    cav_err_clear(&s->err);
    s->set = 0;
    int st = cav_dmft_gd_check(p, &s->err);
    if (st) return s->status = st;
    if (p->steps != s->T)
        return s->status =
                   cav_err_set(&s->err, CAV_EINVAL,
                               "dmft: steps = %ld differs from the allocated %ld", p->steps, s->T);
    s->p = *p;
    s->o = opts ? *opts : cav_dmft_opts_default();
    s->ckpt[0] = '\0';
    if (s->o.checkpoint) snprintf(s->ckpt, sizeof s->ckpt, "%s", s->o.checkpoint);
    s->o.checkpoint = NULL;
    int square = !strcmp(p->loss.type->name, "square");
    if (s->o.path == CAV_DMFT_EXACT && (!square || p->batch < 1))
        return s->status = cav_err_set(&s->err, CAV_EUNSUP,
                                       "dmft: the exact path needs the square loss and batch = 1 "
                                       "(got loss %s, batch %g)",
                                       p->loss.type->name, p->batch);
    s->path = s->o.path == CAV_DMFT_AUTO
                  ? (square && p->batch >= 1 ? CAV_DMFT_EXACT : CAV_DMFT_SAMPLED)
                  : s->o.path;
    if (s->path == CAV_DMFT_SAMPLED &&
        (s->o.ntraj < 2 * CHUNK || s->o.ntraj_init < 2 * CHUNK || s->o.ntraj > 100000000))
        return s->status = cav_err_set(&s->err, CAV_EINVAL,
                                       "dmft: ntraj = %zu, ntraj_init = %zu must be in [%d, 1e8]",
                                       s->o.ntraj, s->o.ntraj_init, 2 * CHUNK);
    if (!(s->o.damping > 0 && s->o.damping <= 1) || !(s->o.damping_min > 0) || s->o.max_iter < 1 ||
        !(s->o.tol >= 0))
        return s->status = cav_err_set(&s->err, CAV_EINVAL,
                                       "dmft: options: damping = %g in (0,1], damping_min = %g > "
                                       "0, max_iter = %d >= 1, tol = %g >= 0 required",
                                       s->o.damping, s->o.damping_min, s->o.max_iter, s->o.tol);
    /* Channel moments kappa = E[h* y], E y^2 from the label law at nu ~ N(0, 1). */
    double y[CAV_CHANNEL_MAXY], w[CAV_CHANNEL_MAXY], wnu[CAV_CHANNEL_MAXY];
    int ny = p->channel.type->ylaw(&p->channel, 0.0, 1.0, y, w, wnu);
    s->kappa = s->ey2 = 0;
    for (int i = 0; i < ny; i++)
        s->kappa += wnu[i] * y[i], s->ey2 += w[i] * y[i] * y[i];
    s->binary = p->channel.type->binary;
    s->Delta = s->binary ? 0 : p->channel.par[0];
    s->iter = 0, s->good = 0, s->diverged_at = -1;
    s->residual = INFINITY, s->prev_res = INFINITY, s->noise = 0;
    s->damping = s->o.damping;
    s->status = CAV_CONTINUE;
    s->set = 1;
    if (s->ckpt[0]) dmft_gd_load(s, s->ckpt);
    return CAV_OK;
}

static void copy_side(const cav_dmft_gd *s, const sside *a, sside *b)
{
    size_t m2 = s->ld * s->ld;
    memcpy(b->Cl, a->Cl, m2 * sizeof(double));
    memcpy(b->Rl, a->Rl, m2 * sizeof(double));
    memcpy(b->mul, a->mul, s->ld * sizeof(double));
    memcpy(b->loss, a->loss, s->ld * sizeof(double));
}

static double side_change(const cav_dmft_gd *s, const wside *A, const wside *B)
{
    size_t m2 = s->ld * s->ld;
    double d = 0, sc = 0;
    for (size_t i = 0; i < m2; i++) {
        d = fmax(d, fabs(A->Cw[i] - B->Cw[i]));
        d = fmax(d, fabs(A->Rw[i] - B->Rw[i]));
        sc = fmax(sc, fabs(A->Cw[i]));
    }
    for (size_t i = 0; i < s->ld; i++)
        d = fmax(d, fabs(A->m[i] - B->m[i]));
    return d / (1 + sc);
}

static int diverged(cav_dmft_gd *s)
{
    s->status = CAV_EDIVERGE;
    return cav_err_set(&s->err, CAV_EDIVERGE,
                       "dmft: the dynamics diverged at step %ld (eta = %g; stability bound "
                       "2/(c (1+sqrt alpha)^2 + lambda) = %g)",
                       s->diverged_at, s->p.eta, cav_dmft_gd_eta_max(&s->p));
}

int cav_dmft_gd_iterate(cav_dmft_gd *s)
{
    if (!s->set) return s->status;
    if (s->status == CAV_EDIVERGE) return s->status;
    const uint64_t stream = cav_rng_hash("dmft/gd") + (uint64_t)s->iter;
    long bad = -1;
    int st;
    if (s->iter == 0) {
        /* causal sweep: self-consistent in one pass */
        if (s->path == CAV_DMFT_EXACT) {
            for (long t = 0; t <= s->T; t++) {
                if (weight_row(s, t, &s->S, &s->W, s->tmp, s->clrw)) {
                    s->diverged_at = t;
                    s->iter++;
                    return diverged(s);
                }
                exact_row(s, t, &s->W, &s->S, s->clrw);
            }
            /* Discrete time is causal: weight row t uses sample rows < t, sample row t uses
             * weight rows <= t (eqs. W, X), so this one forward sweep solves every equation
             * exactly, row by row (no fixed point is left to iterate). A second application of
             * the map reproduces the kernels to rounding (asserted in
             * tests/unit/theory/test_dmft.c); it used to be run as a check and cost as much
             * again, so the residual is 0 by construction and the solve stops here. */
            s->residual = 0;
        } else {
            st = sweep_causal(s, stream);
            s->iter++;
            if (st == CAV_EDIVERGE) return diverged(s);
            if (st) return s->status = cav_err_set(&s->err, st, "dmft: out of memory");
            copy_side(s, &s->Sn, &s->S);
            if (jackknife(s)) return s->status = cav_err_set(&s->err, CAV_ENOMEM, "dmft: nomem");
            return CAV_OK;
        }
        s->iter++;
        return CAV_OK;
    }
    /* Picard map: sample side from the current weight side, then the weight side again. */
    if (s->path == CAV_DMFT_EXACT) {
        for (long t = 0; t <= s->T; t++) {
            const double *rw = s->W.Rw + (size_t)t * s->ld;
            sym_lower_v((size_t)t, s->Sn.Cl, s->ld, rw, s->clrw);
            exact_row(s, t, &s->W, &s->Sn, s->clrw);
        }
    } else {
        st = sweep_picard(s, stream);
        if (st == CAV_EDIVERGE) {
            s->iter++;
            return diverged(s);
        }
        if (st) return s->status = cav_err_set(&s->err, st, "dmft: out of memory");
        if (jackknife(s)) return s->status = cav_err_set(&s->err, CAV_ENOMEM, "dmft: nomem");
    }
    s->iter++;
    if (weight_all(s, &s->Sn, &s->Wn, s->tmp, &bad)) {
        s->diverged_at = bad;
        return diverged(s);
    }
    s->residual = side_change(s, &s->Wn, &s->W);
    /* adaptive damping: a residual that does not decrease (noise floor or overshoot) halves it */
    if (s->residual > s->prev_res) {
        s->damping = fmax(s->damping * 0.5, s->o.damping_min);
        s->good = 0;
    } else if (++s->good >= s->o.patience) {
        s->damping = fmin(1.0, s->damping * 1.5);
        s->good = 0;
    }
    s->prev_res = s->residual;
    const double a = s->damping;
    size_t m2 = s->ld * s->ld;
    for (size_t i = 0; i < m2; i++) {
        s->S.Cl[i] = (1 - a) * s->S.Cl[i] + a * s->Sn.Cl[i];
        s->S.Rl[i] = (1 - a) * s->S.Rl[i] + a * s->Sn.Rl[i];
    }
    for (size_t i = 0; i < s->ld; i++) {
        s->S.mul[i] = (1 - a) * s->S.mul[i] + a * s->Sn.mul[i];
        s->S.loss[i] = (1 - a) * s->S.loss[i] + a * s->Sn.loss[i];
    }
    if (weight_all(s, &s->S, &s->W, s->tmp, &bad)) {
        s->diverged_at = bad;
        return diverged(s);
    }
    return CAV_OK;
}

int cav_dmft_gd_test(const cav_dmft_gd *s)
{
    if (s->iter < 1) return CAV_CONTINUE;
    /* exact path: the causal sweep of iteration 1 is the solution (see cav_dmft_gd_iterate) */
    if (s->path == CAV_DMFT_EXACT) return CAV_OK;
    if (s->iter < 2) return CAV_CONTINUE;
    if (s->residual <= s->o.tol) return CAV_OK;
    /* noise floor: accepted only while the MC error is small against the kernels' scale */
    if (s->path == CAV_DMFT_SAMPLED && s->residual <= s->o.noise_factor * s->noise &&
        s->noise <= MAXNOISE * (1 + s->W.Cw[(size_t)s->T * s->ld + (size_t)s->T]))
        return CAV_OK;
    return CAV_CONTINUE;
}

int cav_dmft_gd_solve(cav_dmft_gd *s, cav_dmft_observer obs, void *ctx)
{
    if (!s->set) return s->status;
    for (;;) {
        if (s->iter >= s->o.max_iter && cav_dmft_gd_test(s) != CAV_OK) {
            s->status = CAV_EMAXITER;
            return cav_err_set(&s->err, CAV_EMAXITER,
                               "dmft: not converged after %ld iterations: residual %.3g (tol "
                               "%.3g, Monte-Carlo noise %.3g)",
                               s->iter, s->residual, s->o.tol, s->noise);
        }
        int st = cav_dmft_gd_iterate(s);
        if (st) return st;
        if (s->ckpt[0]) cav_dmft_gd_save(s, s->ckpt, NULL);
        if (obs && obs(ctx, s->iter, s->residual, s->damping)) {
            s->status = CAV_CONTINUE;
            return cav_err_set(&s->err, CAV_CONTINUE, "dmft: stopped by the observer");
        }
        if (cav_dmft_gd_test(s) == CAV_OK) break;
    }
    s->status = CAV_OK;
    if (s->path == CAV_DMFT_EXACT && s->p.eta > cav_dmft_gd_eta_max(&s->p) * (1 + 1e-12)) {
        s->status = CAV_EDIVERGE;
        return cav_err_set(&s->err, CAV_EDIVERGE,
                           "dmft: GD is unstable: eta = %g > 2/((1+sqrt alpha)^2 + lambda) = %g; "
                           "the rows show the asymptotic blow-up",
                           s->p.eta, cav_dmft_gd_eta_max(&s->p));
    }
    if (s->path == CAV_DMFT_EXACT && s->iter == 1)
        snprintf(s->err.msg, sizeof s->err.msg,
                 "exact path: solved by one causal sweep (no fixed point to iterate)");
    else if (s->residual <= s->o.tol)
        snprintf(s->err.msg, sizeof s->err.msg, "converged: kernel residual %.3g <= tol %.3g",
                 s->residual, s->o.tol);
    else
        snprintf(s->err.msg, sizeof s->err.msg,
                 "converged to the Monte-Carlo noise floor: kernel residual %.3g <= %g x MC "
                 "error %.3g (%zu trajectories)",
                 s->residual, s->o.noise_factor, s->noise, s->o.ntraj);
    s->err.code = CAV_OK;
    return CAV_OK;
}

void cav_dmft_gd_observables(const cav_dmft_gd *s, double *out, double *se)
{
    for (long t = 0; t <= s->T; t++) {
        double *o = out + (size_t)t * CAV_DMFT_GD_NOBS;
        o[0] = (double)t, o[1] = (double)t * s->p.eta;
        int ok = s->iter > 0 && (s->diverged_at < 0 || t < s->diverged_at);
        if (ok)
            obs_row(s, t, &s->W, &s->S, o + 2);
        else
            o[2] = o[3] = o[4] = o[5] = NAN;
        if (se) {
            double *e = se + (size_t)t * CAV_DMFT_GD_NOBS;
            e[0] = e[1] = NAN;
            for (int j = 0; j < 4; j++)
                e[2 + j] = !ok                         ? NAN
                           : s->path == CAV_DMFT_EXACT ? 0
                                                       : s->se[(size_t)t * 4 + (size_t)j];
        }
    }
}

const double *cav_dmft_gd_kernel(const cav_dmft_gd *s, int which)
{
    switch (which) {
    case CAV_DMFT_K_M:
        return s->W.m;
    case CAV_DMFT_K_CW:
        return s->W.Cw;
    case CAV_DMFT_K_RW:
        return s->W.Rw;
    case CAV_DMFT_K_CL:
        return s->S.Cl;
    case CAV_DMFT_K_RL:
        return s->S.Rl;
    case CAV_DMFT_K_MUL:
        return s->S.mul;
    default:
        return NULL;
    }
}

int cav_dmft_gd_status(const cav_dmft_gd *s)
{
    return s->status;
}
int cav_dmft_gd_path(const cav_dmft_gd *s)
{
    return s->path;
}
double cav_dmft_gd_residual(const cav_dmft_gd *s)
{
    return s->residual;
}
double cav_dmft_gd_noise(const cav_dmft_gd *s)
{
    return s->noise;
}
long cav_dmft_gd_iterations(const cav_dmft_gd *s)
{
    return s->iter;
}
double cav_dmft_gd_damping(const cav_dmft_gd *s)
{
    return s->damping;
}
const cav_err *cav_dmft_gd_error(const cav_dmft_gd *s)
{
    return &s->err;
}

/* ---------------------------------------------------------------------------------------- */
/* Checkpoint: header (magic, problem, path, counts), then state and sample-side kernels.     */

#define MAGIC "CAVDMFT1"

typedef struct {
    char magic[8], loss[32], channel[32];
    double par[8];
    long T, iter, diverged_at;
    int path;
    size_t ntraj, ntraj_init;
    uint64_t seed;
    double residual, noise, damping, prev_res;
} ckhdr;

static void make_hdr(const cav_dmft_gd *s, ckhdr *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, MAGIC, 8);
    snprintf(h->loss, sizeof h->loss, "%s", s->p.loss.type->name);
    snprintf(h->channel, sizeof h->channel, "%s", s->p.channel.type->name);
    double par[8] = {s->p.alpha, s->p.lambda, s->p.eta,         s->p.batch,
                     s->p.m0,    s->p.q0,     s->p.loss.par[0], s->p.channel.par[0]};
    memcpy(h->par, par, sizeof par);
    h->T = s->T, h->iter = s->iter, h->diverged_at = s->diverged_at, h->path = s->path;
    h->ntraj = s->o.ntraj, h->ntraj_init = s->o.ntraj_init, h->seed = s->o.seed;
    h->residual = s->residual, h->noise = s->noise, h->damping = s->damping;
    h->prev_res = s->prev_res;
}

int cav_dmft_gd_save(const cav_dmft_gd *s, const char *path, cav_err *err)
{
    char tmpname[1100];
    snprintf(tmpname, sizeof tmpname, "%s.tmp", path);
    FILE *f = fopen(tmpname, "wb");
    if (!f) return cav_err_set(err, CAV_EIO, "dmft: cannot write checkpoint %s", tmpname);
    ckhdr h;
    make_hdr(s, &h);
    size_t m2 = s->ld * s->ld, ok = 1;
    ok &= fwrite(&h, sizeof h, 1, f) == 1;
    ok &= fwrite(s->S.Cl, sizeof(double), m2, f) == m2;
    ok &= fwrite(s->S.Rl, sizeof(double), m2, f) == m2;
    ok &= fwrite(s->S.mul, sizeof(double), s->ld, f) == s->ld;
    ok &= fwrite(s->S.loss, sizeof(double), s->ld, f) == s->ld;
    ok &= fwrite(s->se, sizeof(double), 4 * s->ld, f) == 4 * s->ld;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmpname, path))
        return cav_err_set(err, CAV_EIO, "dmft: cannot write checkpoint %s", path);
    return CAV_OK;
}

/* Resume from `path` if it matches this problem; returns 1 when restored. */
int dmft_gd_load(cav_dmft_gd *s, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    ckhdr h, me;
    make_hdr(s, &me);
    size_t m2 = s->ld * s->ld, ok = fread(&h, sizeof h, 1, f) == 1;
    ok = ok && !memcmp(h.magic, me.magic, 8) && !strcmp(h.loss, me.loss) &&
         !strcmp(h.channel, me.channel) && !memcmp(h.par, me.par, sizeof h.par) && h.T == me.T &&
         h.path == me.path && h.ntraj == me.ntraj && h.ntraj_init == me.ntraj_init &&
         h.seed == me.seed && h.iter > 0;
    ok = ok && fread(s->S.Cl, sizeof(double), m2, f) == m2;
    ok = ok && fread(s->S.Rl, sizeof(double), m2, f) == m2;
    ok = ok && fread(s->S.mul, sizeof(double), s->ld, f) == s->ld;
    ok = ok && fread(s->S.loss, sizeof(double), s->ld, f) == s->ld;
    ok = ok && fread(s->se, sizeof(double), 4 * s->ld, f) == 4 * s->ld;
    fclose(f);
    if (!ok) {
        memset(s->S.Cl, 0, m2 * sizeof(double));
        memset(s->S.Rl, 0, m2 * sizeof(double));
        return 0;
    }
    long bad;
    if (weight_all(s, &s->S, &s->W, s->tmp, &bad)) return 0;
    s->iter = h.iter, s->residual = h.residual, s->noise = h.noise, s->damping = h.damping;
    s->prev_res = h.prev_res, s->diverged_at = h.diverged_at;
    return 1;
}
