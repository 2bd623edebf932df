/* theory/dmft_sample.c — the sampled effective process of the GD/SGD DMFT (cavity/dmft.h).
 *
 * docs/dmft.md, eq. S, for any loss and mini-batch fraction b: (h*, omega^0..omega^T) Gaussian
 * with Var h* = 1, Cov(h*, omega^t) = m(t), Cov(omega^t, omega^s) = C_w(t,s), drawn as L z with L
 * the Cholesky factor and z iid N(0,1); y = channel(h*);
 *   h^t = omega^t - sum_{s<t} R_w(t,s) l'^s,   l'^t = s^t l'(y, h^t),  s^t ~ Bernoulli(b),
 *   C_l(t,s) = E l'^t l'^s,  R_l(t,s) = E d l'^t / d omega^s (pathwise, on a sub-sample),
 *   mu_l(t) = E[h* l'^t] - sum_s m(s) R_l(t,s)  (Stein on h* alone).
 * Here: the Cholesky rows, the trajectories in RNG chunks (fixed streams), the pathwise responses
 * (causal row by row, or all columns at once in the Picard sweep), the causal and Picard sweeps,
 * and the jackknife over batches of chunks that gives the Monte-Carlo standard errors and the
 * noise level of the kernels. The weight side (eq. W) is dmft_exact.c; the iteration is dmft.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/la.h"
#include "cavity/rng.h"
#include "theory/dmft/dmft_internal.h"

#define DEGEN 1e-12 /* relative innovation variance below which a field is deterministic */

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

/* Causal sweep, row t (G rows < t known): H(t, c) = [c = t] - sum_{c<=r<t} R_w(t,r) G(r,c) for
 * c <= t, then G(t, c) = D(t) H(t, c) and rl(c) += sum_i G(t, c)_i. G is streamed once per row
 * (memory bound). The sums run over r in increasing order for every (c, trajectory), skipping
 * R_w(t,r) = 0, in accumulators held in registers for a tile of NC columns x IB trajectories
 * (the same operations in the same order as a plain H -= R_w(t,r) G(r,:) sweep over r, without
 * re-reading H for every r). */
#define RT_NC 4  /* columns per register tile */
#define RT_IB 16 /* trajectories per register tile (a multiple of RB) */

static inline __attribute__((always_inline)) void resp_row_tile(const size_t NC, const size_t IB,
                                                                size_t tt, size_t c0, size_t i0,
                                                                size_t W, const double *G,
                                                                const double *rw, double *H)
{
    double pre[RT_NC * RT_IB], acc[RT_NC * RT_IB];
    for (size_t j = 0; j < NC * IB; j++)
        pre[j] = 0;
    size_t r = c0;
    for (; r < tt && r < c0 + NC - 1; r++) { /* rows holding only columns c0..r of the tile */
        const double c = rw[r];
        if (c == 0) continue;
        const double *gr = G + (tri(r, 0) + c0) * W + i0;
        for (size_t cc = 0; cc <= r - c0; cc++)
            for (size_t i = 0; i < IB; i++)
                pre[cc * IB + i] -= c * gr[cc * W + i];
    }
    if (NC == RT_NC && IB == RT_IB) {
        /* the full tile in eight 8-double vectors (lane-wise, the same operations): GCC kept
         * the array version on the stack */
        typedef double v8 __attribute__((vector_size(64), aligned(8)));
        v8 a[RT_NC * RT_IB / 8];
        memcpy(a, pre, sizeof a);
        for (; r < tt; r++) { /* rows holding the whole tile */
            const double c = rw[r];
            if (c == 0) continue;
            const double *gr = G + (tri(r, 0) + c0) * W + i0;
            for (size_t cc = 0; cc < RT_NC; cc++)
                for (size_t h = 0; h < RT_IB / 8; h++) {
                    v8 x;
                    memcpy(&x, gr + cc * W + 8 * h, sizeof x);
                    a[cc * (RT_IB / 8) + h] -= c * x;
                }
        }
        memcpy(acc, a, sizeof a);
    } else {
        for (size_t j = 0; j < NC * IB; j++)
            acc[j] = pre[j];
        for (; r < tt; r++) { /* rows holding the whole tile */
            const double c = rw[r];
            if (c == 0) continue;
            const double *gr = G + (tri(r, 0) + c0) * W + i0;
            for (size_t cc = 0; cc < NC; cc++)
                for (size_t i = 0; i < IB; i++)
                    acc[cc * IB + i] -= c * gr[cc * W + i];
        }
    }
    for (size_t cc = 0; cc < NC; cc++)
        for (size_t i = 0; i < IB; i++)
            H[(c0 + cc) * W + i0 + i] = acc[cc * IB + i];
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) &&                             \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void
resp_row(size_t tt, const resp *R, const double *rw, double *rl)
{
    const size_t W = R->W;
    double *H = R->H;
    for (size_t c0 = 0; c0 < tt; c0 += RT_NC) {
        const size_t nc = tt - c0 < RT_NC ? tt - c0 : RT_NC;
        for (size_t i0 = 0; i0 < W; i0 += RT_IB) {
            const size_t ib = W - i0 < RT_IB ? W - i0 : RT_IB; /* RT_IB or RB */
            if (nc == RT_NC && ib == RT_IB)
                resp_row_tile(RT_NC, RT_IB, tt, c0, i0, W, R->G, rw, H);
            else if (ib == RT_IB)
                for (size_t cc = 0; cc < nc; cc++)
                    resp_row_tile(1, RT_IB, tt, c0 + cc, i0, W, R->G, rw, H);
            else
                for (size_t cc = 0; cc < nc; cc++)
                    for (size_t i1 = i0; i1 < i0 + ib; i1 += RB)
                        resp_row_tile(1, RB, tt, c0 + cc, i1, W, R->G, rw, H);
        }
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
/* (No clones under the sanitizers: their runtimes are not up yet when the loader runs the ifunc
 * resolver that picks a clone.) */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) &&                             \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
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
int dmft_sweep_causal(cav_dmft_gd *s, uint64_t stream)
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
        if (dmft_weight_row(s, t, &s->Sn, &s->W, s->tmp, NULL)) {
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
int dmft_sweep_picard(cav_dmft_gd *s, uint64_t stream)
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

/* Jackknife over the batches of the last sweep: standard errors of the outputs and the kernel
 * noise level (max SE of m and C_w(t,t) over t). */
int dmft_jackknife(cav_dmft_gd *s)
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
        if (dmft_weight_all(s, &w->S, &w->W, s->tmp, &badt)) {
            for (size_t i = 0; i < nt * 4; i++)
                rep[(size_t)b * nt * 4 + i] = NAN;
            continue;
        }
        for (long t = 0; t <= s->T; t++)
            dmft_obs_row(s, t, &w->W, &w->S, rep + (size_t)b * nt * 4 + (size_t)t * 4);
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
