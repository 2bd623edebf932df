/* theory/mi/dmft_k.c — the k-index DMFT of gradient ascent on the RBM likelihood
 * (cavity/dmft_k.h; derivation in docs/rbm-gd.md).
 *
 * Weight side (deterministic given the sample kernels), row t+1 from rows <= t, E(t) =
 * I - 2 alpha lr P(t):
 *   Abar(t+1) = E Abar(t) + lr alpha [sum_{s<=t} R_g(t,s) Abar(s) + M(t)],
 *   R_w(t+1,s) = E R_w(t,s) + lr alpha sum_{s<r<=t} R_g(t,r) R_w(r,s) + lr I [s = t],
 *   C_w(t+1,t') = E C_w(t,t') + lr alpha [sum_{s<=t} R_g(t,s) C_w(s,t') + M(t) Lambda Abar(t')^T
 *                 + sum_{s'<t'} C_g(t,s') R_w(t',s')^T]   (t' <= t+1, the diagonal last).
 * Sample side: trajectories of h^t = zeta(t) c + omega^t + sum_{s<t} R_w(t,s) g^s with omega
 * drawn through the Cholesky factor of C_w (k(T+1) x k(T+1), degenerate directions dropped), and
 * the pathwise response G(t,s) = dg^t/domega^s = D(t) H(t,s), H(t,t) = I,
 * H(t,s) = sum_{s<=r<t} R_w(t,r) G(r,s), D = Hess eta. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/dmft_k.h"
#include "cavity/rng.h"
#include "core/la.h"

#include "theory/mi/dmft_k_internal.h"

cav_dmft_k_opts cav_dmft_k_opts_default(void)
{
    cav_dmft_k_opts o = {20000, 20000, 0, 3, 3.0, 1.0, 1, CAV_DMFT_K_AUTO};
    return o;
}

void cav_dmft_k_problem_default(cav_dmft_k_problem *p)
{
    memset(p, 0, sizeof *p);
    p->rbm = cav_rbm_default();
    p->rbm.k = p->rbm.r = 1, p->rbm.lambda = 2, p->rbm.alpha = 2;
    p->lr = 0.05, p->steps = 100, p->init_scale = 0.1, p->init_overlap = 0.2;
}

int cav_dmft_k_check(const cav_dmft_k_problem *p, const cav_dmft_k_opts *o, cav_err *err)
{
    if (!p) return cav_err_set(err, CAV_EINVAL, "dmft_k: NULL problem");
    int st = cav_rbm_check(&p->rbm, err);
    if (st) return st;
    if (!(p->lr > 0 && p->lr <= 100))
        return cav_err_set(err, CAV_EINVAL, "lr = %g: allowed (0, 100]", p->lr);
    if (p->steps < 1 || p->steps > 100000)
        return cav_err_set(err, CAV_EINVAL, "steps = %ld: allowed 1..100000", p->steps);
    if (!(p->init_scale >= 0 && p->init_scale <= 100))
        return cav_err_set(err, CAV_EINVAL, "init_scale = %g: allowed [0, 100]", p->init_scale);
    if (!(fabs(p->init_overlap) <= 100))
        return cav_err_set(err, CAV_EINVAL, "init_overlap = %g: allowed [-100, 100]",
                           p->init_overlap);
    int m = p->rbm.k < p->rbm.r ? p->rbm.k : p->rbm.r;
    for (int j = 0; j < m; j++)
        if (p->init_overlap != 0 && !(cav_rbm_lambda(&p->rbm, j) > 0))
            return cav_err_set(err, CAV_EINVAL,
                               "init_overlap = %g needs every spike strength > 0 (lambda, ratio)",
                               p->init_overlap);
    if (o) {
        if (o->ntraj < 512 || o->ntraj_init < 512 || o->ntraj > 100000000 ||
            o->ntraj_init > 100000000)
            return cav_err_set(err, CAV_EINVAL, "ntraj = %zu, ntraj_init = %zu: allowed 512..1e8",
                               o->ntraj, o->ntraj_init);
        if (o->ntraj_resp != 0 && o->ntraj_resp < 16)
            return cav_err_set(err, CAV_EINVAL, "ntraj_resp = %zu: allowed 0 (auto) or >= 16",
                               o->ntraj_resp);
        if (o->max_iter < 1 || o->max_iter > 1000)
            return cav_err_set(err, CAV_EINVAL, "max_iter = %d: allowed 1..1000", o->max_iter);
        if (!(o->noise_factor > 0))
            return cav_err_set(err, CAV_EINVAL, "noise_factor = %g: allowed > 0", o->noise_factor);
        if (o->path != CAV_DMFT_K_AUTO && o->path != CAV_DMFT_K_SAMPLED)
            return cav_err_set(err, CAV_EINVAL, "path = %d: allowed 0 (auto), 1 (sampled)",
                               o->path);
        if (!(o->damping > 0 && o->damping <= 1))
            return cav_err_set(err, CAV_EINVAL, "damping = %g: allowed (0, 1]", o->damping);
    }
    return CAV_OK;
}

cav_dmft_k *cav_dmft_k_alloc(void)
{
    return calloc(1, sizeof(cav_dmft_k));
}

static void free_sides(cav_dmft_k *s)
{
    kw *w[3] = {&s->W, &s->Wo, &s->Wj};
    ks *q[3] = {&s->S, &s->Sn, &s->Sj};
    for (int i = 0; i < 3; i++) {
        free(w[i]->A), free(w[i]->Rw), free(w[i]->Cw), free(w[i]->P);
        free(q[i]->Cg), free(q[i]->Rg), free(q[i]->Mg), free(q[i]->Je);
        memset(w[i], 0, sizeof *w[i]), memset(q[i], 0, sizeof *q[i]);
    }
    free(s->chol), free(s->bcg), free(s->brg), free(s->bmg), free(s->bje), free(s->bdg);
    free(s->se), free(s->rest), free(s->rep), free(s->Kx), free(s->Yx);
    s->Kx = s->Yx = NULL;
    s->chol = s->bcg = s->brg = s->bmg = s->bje = s->bdg = s->se = s->rest = s->rep = NULL;
}

void cav_dmft_k_free(cav_dmft_k *s)
{
    if (!s) return;
    free_sides(s);
    free(s);
}

int cav_dmft_k_set(cav_dmft_k *s, const cav_dmft_k_problem *p, const cav_dmft_k_opts *o)
{
    if (!s) return CAV_EINVAL;
    cav_err_clear(&s->err);
    s->set = 0;
    cav_dmft_k_opts od = cav_dmft_k_opts_default();
    if (!o) o = &od;
    int st = cav_dmft_k_check(p, o, &s->err);
    if (st) return s->status = st;
    free_sides(s);
    s->p = *p, s->o = *o;
    s->k = p->rbm.k, s->r = p->rbm.r, s->T = p->steps;
    s->L = (size_t)s->T + 1, s->kk = (size_t)(s->k * s->k), s->kr = (size_t)(s->k * s->r);
    s->n2 = s->L * s->L * s->kk;
    for (int j = 0; j < s->r; j++)
        s->lam[j] = cav_rbm_lambda(&p->rbm, j);
    int bad = 0;
    kw *w[3] = {&s->W, &s->Wo, &s->Wj};
    ks *q[3] = {&s->S, &s->Sn, &s->Sj};
    for (int i = 0; i < 3; i++) {
        bad |= !(w[i]->A = calloc(s->L * s->kr, sizeof(double)));
        bad |= !(w[i]->Rw = calloc(s->n2, sizeof(double)));
        bad |= !(w[i]->Cw = calloc(s->n2, sizeof(double)));
        bad |= !(w[i]->P = calloc(s->L * s->kk, sizeof(double)));
        bad |= !(q[i]->Cg = calloc(s->n2, sizeof(double)));
        bad |= !(q[i]->Rg = calloc(s->n2, sizeof(double)));
        bad |= !(q[i]->Mg = calloc(s->L * s->kr, sizeof(double)));
        bad |= !(q[i]->Je = calloc(s->L, sizeof(double)));
    }
    size_t kl = s->L * (size_t)s->k, nc = (size_t)CAV_RBM_TRAJ_NCOL(s->k, s->r);
    bad |= !(s->chol = calloc(kl * kl, sizeof(double)));
    bad |= !(s->bcg = calloc(MAXB * s->n2, sizeof(double)));
    bad |= !(s->brg = calloc(MAXB * s->n2, sizeof(double)));
    bad |= !(s->bmg = calloc(MAXB * s->L * s->kr, sizeof(double)));
    bad |= !(s->bje = calloc(MAXB * s->L, sizeof(double)));
    bad |= !(s->bdg = calloc(MAXB * s->L * s->kk, sizeof(double)));
    bad |= !(s->se = calloc(s->L * nc, sizeof(double)));
    bad |= !(s->rest = calloc(s->L, sizeof(double)));
    bad |= !(s->rep = calloc(MAXB * s->L * nc, sizeof(double)));
    s->exact = p->rbm.hidden == CAV_RBM_GAUSSIAN && o->path == CAV_DMFT_K_AUTO;
    if (s->exact) {
        bad |= !(s->Kx = calloc(s->n2, sizeof(double)));
        bad |= !(s->Yx = calloc(s->n2, sizeof(double)));
    }
    if (bad) {
        free_sides(s);
        return s->status =
                   cav_err_set(&s->err, CAV_ENOMEM, "dmft_k: out of memory (steps %ld)", s->T);
    }
    for (size_t t = 0; t < s->L; t++)
        s->rest[t] = NAN;
    s->iter = 0, s->residual = INFINITY, s->noise = 0, s->status = CAV_CONTINUE, s->set = 1;
    return CAV_OK;
}

/* Weight row t from weight rows < t and sample rows < t (docs/rbm-gd.md, eq. W), then
 * P(t) = grad psi(C_w(t,t)). CAV_EDIVERGE when C_w blows up or psi is not defined. */
int dmft_k_weight_row(cav_dmft_k *s, long tl, const ks *S, kw *W)
{
    const int k = s->k, r = s->r;
    const size_t t = (size_t)tl, kk = s->kk, kr = s->kr;
    const double lr = s->p.lr, al = s->p.rbm.alpha, la = lr * al;
    double *A = W->A;
    if (t == 0) {
        memset(A, 0, kr * sizeof *A);
        memset(W->Rw, 0, s->L * kk * sizeof *A);
        for (int a = 0; a < k && a < r; a++)
            A[a * r + a] = s->p.init_overlap != 0 ? s->p.init_overlap / s->lam[a] : 0;
        double *c = blk(s, W->Cw, 0, 0);
        memset(c, 0, kk * sizeof *c);
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++)
                for (int j = 0; j < r; j++)
                    c[a * k + b] += A[a * r + j] * s->lam[j] * A[b * r + j];
            c[a * k + a] += s->p.init_scale * s->p.init_scale;
        }
    } else {
        const size_t u = t - 1;
        double E[KM * KM];
        const double *P = W->P + u * kk;
        for (size_t i = 0; i < kk; i++)
            E[i] = -2 * la * P[i];
        for (int a = 0; a < k; a++)
            E[a * k + a] += 1;
        /* Abar */
        double *At = A + t * kr;
        memset(At, 0, kr * sizeof *At);
        mm(k, r, k, 1, E, A + u * kr, At);
        for (size_t v = 0; v <= u; v++)
            mm(k, r, k, la, blk(s, S->Rg, u, v), A + v * kr, At);
        for (size_t i = 0; i < kr; i++)
            At[i] += la * S->Mg[u * kr + i];
        /* R_w row t */
        for (size_t v = 0; v < s->L; v++) {
            double *R = blk(s, W->Rw, t, v);
            memset(R, 0, kk * sizeof *R);
            if (v > u) continue;
            mm(k, k, k, 1, E, blk(s, W->Rw, u, v), R);
            for (size_t q = v + 1; q <= u; q++)
                mm(k, k, k, la, blk(s, S->Rg, u, q), blk(s, W->Rw, q, v), R);
            if (v == u)
                for (int a = 0; a < k; a++)
                    R[a * k + a] += lr;
        }
        /* C_w row t: columns t' < t, then the diagonal */
        double ML[KM * KM];
        for (int a = 0; a < k; a++)
            for (int j = 0; j < r; j++)
                ML[a * r + j] = S->Mg[u * kr + (size_t)(a * r + j)] * s->lam[j];
        for (size_t tp = 0; tp <= t; tp++) {
            double *C = blk(s, W->Cw, t, tp);
            memset(C, 0, kk * sizeof *C);
            mm(k, k, k, 1, E, blk(s, W->Cw, u, tp), C);
            for (size_t v = 0; v <= u; v++)
                mm(k, k, k, la, blk(s, S->Rg, u, v), blk(s, W->Cw, v, tp), C);
            mmt(k, k, r, la, ML, A + tp * kr, C);
            for (size_t v = 0; v < tp; v++)
                mmt(k, k, k, la, blk(s, S->Cg, u, v), blk(s, W->Rw, tp, v), C);
            if (tp == t) {
                for (int a = 0; a < k; a++)
                    for (int b = 0; b < a; b++)
                        C[a * k + b] = C[b * k + a] = 0.5 * (C[a * k + b] + C[b * k + a]);
            }
            double *Ct = blk(s, W->Cw, tp, t);
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                    Ct[b * k + a] = C[a * k + b];
        }
    }
    const double *Q = blk(s, W->Cw, t, t);
    for (size_t i = 0; i < kk; i++)
        if (!isfinite(Q[i]) || fabs(Q[i]) > 1e12) return CAV_EDIVERGE;
    cav_err e = {0};
    if (cav_rbm_psi(k, s->p.rbm.hidden, Q, NULL, W->P + t * kk, &e)) return CAV_EDIVERGE;
    return CAV_OK;
}

static int weight_all(cav_dmft_k *s, const ks *S, kw *W, long *bad)
{
    for (long t = 0; t <= s->T; t++)
        if (dmft_k_weight_row(s, t, S, W)) {
            *bad = t;
            return CAV_EDIVERGE;
        }
    return CAV_OK;
}

/* Rows t*k .. t*k + k - 1 of the Cholesky factor of the block matrix C_w (k(T+1) square). */
static void chol_rows(cav_dmft_k *s, size_t t, const kw *W)
{
    const size_t k = (size_t)s->k, n = s->L * k;
    double *Lc = s->chol;
    for (size_t a = 0; a < k; a++) {
        size_t i = t * k + a;
        double *li = Lc + i * n;
        for (size_t j = 0; j <= i; j++) {
            size_t tj = j / k, bj = j % k;
            double c = blk(s, W->Cw, t, tj)[a * k + bj];
            const double *lj = Lc + j * n;
            for (size_t m = 0; m < j; m++)
                c -= li[m] * lj[m];
            if (j < i) {
                li[j] = lj[j] > 0 ? c / lj[j] : 0;
            } else {
                double d0 = blk(s, W->Cw, t, t)[a * k + a];
                li[i] = c > DEGEN * (d0 > 0 ? d0 : 1) ? sqrt(c) : 0;
            }
        }
        for (size_t j = i + 1; j < n; j++)
            li[j] = 0;
    }
}

/* ---- trajectories ---- */
typedef struct {
    size_t n, nr;               /* trajectories, of which response ones */
    double *nu, *g, *c, *D, *G; /* L k n, L k n, r n, nr L kk, nr tri kk (G may be per-traj) */
} chunk;

/* Start of column u of a lower triangle (diagonal included) packed by columns, L rows. */
static inline size_t colp(size_t L, size_t u)
{
    return u * L - u * (u - 1) / 2;
}

static inline size_t tri(size_t t, size_t u)
{
    return t * (t + 1) / 2 + u;
}

/* Response row t of one trajectory: G(t,u) for u <= t into its triangle Gt (packed by columns),
 * summed into rg (row t of the batch's R_g sums). D: its L x kk Hessians. */
static void resp_row(const cav_dmft_k *s, size_t t, const double *Rw, const double *D, double *Gt,
                     double *rg)
{
    const int k = s->k;
    const size_t kk = s->kk, L = s->L;
    for (size_t u = 0; u <= t; u++) {
        double *col = Gt + colp(L, u) * kk; /* G(u..T, u), contiguous */
        double *G = col + (t - u) * kk;
        if (u == t) {
            memcpy(G, D + t * kk, kk * sizeof *G);
            continue; /* the diagonal G(t,t) = D(t) is averaged over all trajectories */
        }
        if (k == 1) {
            const double *rw = Rw + t * L + u;
            double h = 0;
            for (size_t q = 0; q < t - u; q++)
                h += rw[q] * col[q];
            G[0] = D[t] * h;
        } else {
            double H[KM * KM] = {0};
            for (size_t q = u; q < t; q++)
                mm(k, k, k, 1, Rw + (t * L + q) * kk, col + (q - u) * kk, H);
            memset(G, 0, kk * sizeof *G);
            mm(k, k, k, 1, D + t * kk, H, G);
        }
        for (size_t i = 0; i < kk; i++)
            rg[u * kk + i] += G[i];
    }
}

/* All responses of one trajectory at once (Picard sweep), column by column: for each u,
 * G(u,u) = D(u) and G(t,u) = D(t) sum_{u<=q<t} R_w(t,q) G(q,u) for t > u, summed into rg (the
 * batch's R_g sums, strictly lower part). g: L kk work. For k = 1 the inner sum is a dot product
 * of contiguous rows. */
static void resp_cols(const cav_dmft_k *s, const double *Rw, const double *D, double *g, double *rg)
{
    const int k = s->k;
    const size_t kk = s->kk, L = s->L;
    for (size_t u = 0; u < L; u++) {
        memcpy(g + u * kk, D + u * kk, kk * sizeof *g);
        for (size_t t = u + 1; t < L; t++) {
            double *gt = g + t * kk, *acc = rg + (t * L + u) * kk;
            if (k == 1) {
                const double *rw = Rw + t * L;
                double h = 0;
                for (size_t q = u; q < t; q++)
                    h += rw[q] * g[q];
                gt[0] = D[t] * h;
                acc[0] += gt[0];
            } else {
                double H[KM * KM] = {0};
                for (size_t q = u; q < t; q++)
                    mm(k, k, k, 1, Rw + (t * L + q) * kk, g + q * kk, H);
                memset(gt, 0, kk * sizeof *gt);
                mm(k, k, k, 1, D + t * kk, H, gt);
                for (size_t i = 0; i < kk; i++)
                    acc[i] += gt[i];
            }
        }
    }
}

/* Step t of a chunk (global id ch): draws, fields, sums into batch b's arrays. */
static int chunk_step(cav_dmft_k *s, size_t t, uint64_t stream, size_t ch, chunk *C, int b,
                      const kw *W, int causal)
{
    const int k = s->k, r = s->r;
    const size_t n = C->n, kk = s->kk, kr = s->kr, nl = s->L * (size_t)k;
    cav_rng g;
    cav_rng_init(&g, s->o.seed, stream, (uint64_t)t * 1000003u + ch);
    if (t == 0)
        for (size_t i = 0; i < (size_t)r * n; i++)
            C->c[i] =
                s->p.rbm.latent_prior == CAV_RBM_GAUSSIAN ? cav_rng_normal(&g) : cav_rng_sign(&g);
    cav_rng_normal_fill(&g, (size_t)k * n, 1.0, C->nu + t * (size_t)k * n);
    double *bcg = s->bcg + (size_t)b * s->n2, *brg = s->brg + (size_t)b * s->n2;
    double *bmg = s->bmg + (size_t)b * s->L * kr, *bje = s->bje + (size_t)b * s->L;
    double *bdg = s->bdg + (size_t)b * s->L * kk;
    double zeta[KM * KM] = {0};
    for (int a = 0; a < k; a++)
        for (int j = 0; j < r; j++)
            zeta[a * r + j] = W->A[t * kr + (size_t)(a * r + j)] * s->lam[j];
    /* fields of all trajectories (inner loops over trajectories: unit stride) */
    double H[KM * CHUNK];
    const size_t tk = t * (size_t)k;
    for (int a = 0; a < k; a++) {
        double *ha = H + (size_t)a * n;
        for (size_t i = 0; i < n; i++)
            ha[i] = 0;
        for (int j = 0; j < r; j++) {
            const double z = zeta[a * r + j], *cj = C->c + (size_t)j * n;
            for (size_t i = 0; i < n; i++)
                ha[i] += z * cj[i];
        }
        const double *li = s->chol + (tk + (size_t)a) * nl;
        for (size_t m = 0; m <= tk + (size_t)a; m++) {
            const double l = li[m], *nm = C->nu + m * n;
            if (l != 0)
                for (size_t i = 0; i < n; i++)
                    ha[i] += l * nm[i];
        }
        for (size_t u = 0; u < t; u++) {
            const double *R = W->Rw + (t * s->L + u) * kk + (size_t)a * (size_t)k;
            for (int bb = 0; bb < k; bb++) {
                const double c = R[bb], *gu = C->g + (u * (size_t)k + (size_t)bb) * n;
                if (c != 0)
                    for (size_t i = 0; i < n; i++)
                        ha[i] += c * gu[i];
            }
        }
    }
    double esum = 0, dsum[KM * KM] = {0};
    for (size_t i = 0; i < n; i++) {
        double h[KM], gr[KM], hs[KM * KM];
        for (int a = 0; a < k; a++)
            h[a] = H[(size_t)a * n + i];
        double e = cav_rbm_eta(k, s->p.rbm.hidden, h, gr, hs);
        if (!isfinite(e)) return CAV_EDIVERGE;
        esum += e;
        for (size_t q = 0; q < kk; q++)
            dsum[q] += hs[q];
        for (int a = 0; a < k; a++)
            C->g[(tk + (size_t)a) * n + i] = gr[a];
        if (i < C->nr) {
            double *Di = C->D + i * s->L * kk;
            memcpy(Di + t * kk, hs, kk * sizeof *hs);
            if (causal)
                resp_row(s, t, W->Rw, Di, C->G + i * tri(s->L, 0) * kk, brg + t * s->L * kk);
        }
    }
    bje[t] += esum;
    for (size_t q = 0; q < kk; q++)
        bdg[t * kk + q] += dsum[q];
    for (int a = 0; a < k; a++) {
        const double *ga = C->g + (tk + (size_t)a) * n;
        for (int j = 0; j < r; j++)
            bmg[t * kr + (size_t)(a * r + j)] += cav_la_dot(n, ga, C->c + (size_t)j * n);
        for (size_t u = 0; u <= t; u++) {
            double *cg = bcg + (t * s->L + u) * kk;
            for (int bb = 0; bb < k; bb++)
                cg[a * k + bb] += cav_la_dot(n, ga, C->g + (u * (size_t)k + (size_t)bb) * n);
        }
    }
    return CAV_OK;
}

/* Batches of chunks for N trajectories; nrc response trajectories per chunk. */
static void setup_batches(cav_dmft_k *s, size_t N, size_t nrc)
{
    size_t nch = (N + CHUNK - 1) / CHUNK;
    s->nb = (int)(nch < MAXB ? nch : MAXB);
    memset(s->bcg, 0, MAXB * s->n2 * sizeof(double));
    memset(s->brg, 0, MAXB * s->n2 * sizeof(double));
    memset(s->bmg, 0, MAXB * s->L * s->kr * sizeof(double));
    memset(s->bje, 0, MAXB * s->L * sizeof(double));
    memset(s->bdg, 0, MAXB * s->L * s->kk * sizeof(double));
    for (int b = 0; b < s->nb; b++) {
        size_t c0 = (size_t)b * nch / (size_t)s->nb, c1 = (size_t)(b + 1) * nch / (size_t)s->nb;
        s->bn[b] = s->bnr[b] = 0;
        for (size_t c = c0; c < c1; c++) {
            size_t n = (c + 1) * CHUNK <= N ? CHUNK : N - c * CHUNK;
            s->bn[b] += n, s->bnr[b] += nrc < n ? nrc : n;
        }
    }
}

/* Sample row t from the batch sums, leaving batch `skip` out (-1: none). */
static void finalize_row(cav_dmft_k *s, size_t t, int skip, ks *S)
{
    const size_t kk = s->kk, kr = s->kr, L = s->L;
    double N = 0, NR = 0, dsum[KM * KM] = {0};
    for (size_t u = 0; u <= t; u++) {
        memset(blk(s, S->Cg, t, u), 0, kk * sizeof(double));
        memset(blk(s, S->Rg, t, u), 0, kk * sizeof(double));
    }
    memset(S->Mg + t * kr, 0, kr * sizeof(double));
    S->Je[t] = 0;
    for (int b = 0; b < s->nb; b++) {
        if (b == skip) continue;
        N += (double)s->bn[b], NR += (double)s->bnr[b];
        const double *cg = s->bcg + (size_t)b * s->n2 + t * L * kk;
        const double *rg = s->brg + (size_t)b * s->n2 + t * L * kk;
        for (size_t i = 0; i < (t + 1) * kk; i++) {
            S->Cg[t * L * kk + i] += cg[i];
            S->Rg[t * L * kk + i] += rg[i];
        }
        for (size_t i = 0; i < kr; i++)
            S->Mg[t * kr + i] += s->bmg[(size_t)b * L * kr + t * kr + i];
        S->Je[t] += s->bje[(size_t)b * L + t];
        const double *dg = s->bdg + ((size_t)b * L + t) * kk;
        for (size_t i = 0; i < kk; i++)
            dsum[i] += dg[i];
    }
    for (size_t i = 0; i < (t + 1) * kk; i++) {
        S->Cg[t * L * kk + i] /= N;
        S->Rg[t * L * kk + i] /= NR;
    }
    for (size_t i = 0; i < kk; i++)
        S->Rg[(t * L + t) * kk + i] = dsum[i] / N;
    for (size_t i = 0; i < kr; i++)
        S->Mg[t * kr + i] /= N;
    S->Je[t] /= N;
    const int k = s->k;
    for (size_t u = 0; u <= t; u++) { /* C_g(u,t) = C_g(t,u)^T */
        double *a = blk(s, S->Cg, t, u), *c = blk(s, S->Cg, u, t);
        if (u == t) {
            for (int i = 0; i < k; i++)
                for (int j = 0; j < i; j++)
                    a[i * k + j] = a[j * k + i] = 0.5 * (a[i * k + j] + a[j * k + i]);
        } else {
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++)
                    c[j * k + i] = a[i * k + j];
        }
    }
    for (size_t u = t + 1; u < L; u++)
        memset(blk(s, S->Rg, t, u), 0, kk * sizeof(double));
}

/* Response trajectories among N: opts.ntraj_resp, or (0) as many as a budget of RESP_FLOPS
 * multiply-adds of the O(T^3 k^3 / 6) pathwise responses allows. */
static size_t nresp_of(const cav_dmft_k *s, size_t N)
{
    size_t n = s->o.ntraj_resp;
    if (n == 0) {
        double L = (double)s->L, per = L * L * L / 6 * (double)(s->kk * (size_t)s->k);
        n = (size_t)fmin((double)N, fmax(1024.0, RESP_FLOPS / per));
    }
    return n < N ? n : N;
}

static size_t resp_per_chunk(size_t N, size_t nresp)
{
    size_t nch = (N + CHUNK - 1) / CHUNK, r = (nresp + nch - 1) / nch;
    return r < 1 ? 1 : r > CHUNK ? CHUNK : r;
}

static void obs_row(const cav_dmft_k *s, size_t t, const kw *W, const ks *S, double *row)
{
    const int k = s->k, r = s->r;
    const double *Q = W->Cw + (t * s->L + t) * s->kk;
    double psi = NAN;
    cav_err e = {0};
    if (cav_rbm_psi(k, s->p.rbm.hidden, Q, &psi, NULL, &e)) psi = NAN;
    row[0] = (double)t;
    row[1] = S->Je[t] - psi;
    for (int a = 0; a < k; a++)
        for (int j = 0; j < r; j++)
            row[2 + a * r + j] = W->A[t * s->kr + (size_t)(a * r + j)] * s->lam[j];
    memcpy(row + 2 + k * r, Q, s->kk * sizeof *Q);
}

/* Jackknife over the batches of the last sweep: standard errors of the observables and the noise
 * level (max SE of zeta and Q). */
static void jackknife(cav_dmft_k *s)
{
    const size_t nc = (size_t)CAV_RBM_TRAJ_NCOL(s->k, s->r), L = s->L;
    memset(s->se, 0, L * nc * sizeof(double));
    s->noise = 0;
    int nb = s->nb;
    if (nb < 2) return;
    for (int b = 0; b < nb; b++) {
        double *rep = s->rep + (size_t)b * L * nc;
        for (size_t t = 0; t < L; t++)
            finalize_row(s, t, b, &s->Sj);
        long bad;
        if (weight_all(s, &s->Sj, &s->Wj, &bad)) {
            for (size_t i = 0; i < L * nc; i++)
                rep[i] = NAN;
            continue;
        }
        for (size_t t = 0; t < L; t++)
            obs_row(s, t, &s->Wj, &s->Sj, rep + t * nc);
    }
    for (size_t i = 0; i < L * nc; i++) {
        double m = 0, v = 0;
        for (int b = 0; b < nb; b++)
            m += s->rep[(size_t)b * L * nc + i];
        m /= nb;
        for (int b = 0; b < nb; b++) {
            double d = s->rep[(size_t)b * L * nc + i] - m;
            v += d * d;
        }
        s->se[i] = i % nc == 0 ? 0 : sqrt(v * (nb - 1) / nb);
        if (i % nc >= 2 && s->se[i] > s->noise) s->noise = s->se[i];
    }
}

/* Causal sweep: weight row t, Cholesky rows t, samples at t, sample row t. */
static int sweep_causal(cav_dmft_k *s)
{
    const size_t N = s->o.ntraj_init, L = s->L, k = (size_t)s->k, kk = s->kk, T3 = tri(L, 0);
    size_t nresp = nresp_of(s, N);
    if ((double)nresp * (double)(T3 * kk) > RESP_CAP)
        nresp = (size_t)(RESP_CAP / (double)(T3 * kk));
    if (nresp < 16) nresp = 16;
    const size_t nrc = resp_per_chunk(N, nresp), nch = (N + CHUNK - 1) / CHUNK;
    setup_batches(s, N, nrc);
    double *nu = malloc(L * k * N * sizeof *nu), *g = malloc(L * k * N * sizeof *g);
    double *c = malloc((size_t)s->r * N * sizeof *c);
    double *D = malloc(nch * nrc * L * kk * sizeof *D),
           *G = malloc(nch * nrc * T3 * kk * sizeof *G);
    chunk *ch = malloc(nch * sizeof *ch);
    int st = CAV_OK;
    if (!nu || !g || !c || !D || !G || !ch) {
        st = cav_err_set(&s->err, CAV_ENOMEM, "dmft_k: out of memory (causal sweep)");
        goto done;
    }
    for (size_t i = 0; i < nch; i++) {
        size_t i0 = i * CHUNK, n = i0 + CHUNK <= N ? CHUNK : N - i0;
        chunk C = {n,
                   nrc < n ? nrc : n,
                   nu + i0 * L * k,
                   g + i0 * L * k,
                   c + i0 * (size_t)s->r,
                   D + i * nrc * L * kk,
                   G + i * nrc * T3 * kk};
        ch[i] = C;
    }
    for (long t = 0; t <= s->T && !st; t++) {
        if (dmft_k_weight_row(s, t, &s->S, &s->W)) {
            st = cav_err_set(&s->err, CAV_EDIVERGE,
                             "dmft_k: the dynamics diverged at step %ld "
                             "(Q not finite or outside psi's domain)",
                             t);
            break;
        }
        chol_rows(s, (size_t)t, &s->W);
        int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
        for (int b = 0; b < s->nb; b++) {
            size_t c0 = (size_t)b * nch / (size_t)s->nb, c1 = (size_t)(b + 1) * nch / (size_t)s->nb;
            for (size_t i = c0; i < c1; i++)
                bad |= chunk_step(s, (size_t)t, 1, i, &ch[i], b, &s->W, 1) != CAV_OK;
        }
        if (bad)
            st = cav_err_set(&s->err, CAV_EDIVERGE, "dmft_k: non-finite field at step %ld", t);
        else
            finalize_row(s, (size_t)t, -1, &s->S);
    }
done:
    free(nu), free(g), free(c), free(D), free(G), free(ch);
    return st;
}

/* Picard sweep: all steps sampled from the current weight side with fresh trajectories. */
static int sweep_picard(cav_dmft_k *s, uint64_t stream)
{
    const size_t N = s->o.ntraj, L = s->L, k = (size_t)s->k, kk = s->kk;
    const size_t nrc = resp_per_chunk(N, nresp_of(s, N));
    const size_t nch = (N + CHUNK - 1) / CHUNK;
    setup_batches(s, N, nrc);
    for (size_t t = 0; t < L; t++)
        chol_rows(s, t, &s->W);
    int bad = 0, nomem = 0;
#pragma omp parallel reduction(| : bad, nomem)
    {
        double *nu = malloc(L * k * CHUNK * sizeof *nu), *g = malloc(L * k * CHUNK * sizeof *g);
        double *c = malloc((size_t)s->r * CHUNK * sizeof *c);
        double *D = malloc(nrc * L * kk * sizeof *D), *G = malloc(L * kk * sizeof *G);
        if (!nu || !g || !c || !D || !G) nomem = 1;
#pragma omp for schedule(static)
        for (int b = 0; b < s->nb; b++) {
            if (nomem) continue;
            size_t c0 = (size_t)b * nch / (size_t)s->nb, c1 = (size_t)(b + 1) * nch / (size_t)s->nb;
            double *brg = s->brg + (size_t)b * s->n2;
            for (size_t i = c0; i < c1 && !bad; i++) {
                size_t n = (i + 1) * CHUNK <= N ? CHUNK : N - i * CHUNK;
                chunk C = {n, nrc < n ? nrc : n, nu, g, c, D, NULL};
                for (size_t t = 0; t < L && !bad; t++)
                    bad |= chunk_step(s, t, stream, i, &C, b, &s->W, 0) != CAV_OK;
                for (size_t j = 0; j < C.nr && !bad; j++)
                    resp_cols(s, s->W.Rw, D + j * L * kk, G, brg);
            }
        }
        free(nu), free(g), free(c), free(D), free(G);
    }
    if (nomem) return cav_err_set(&s->err, CAV_ENOMEM, "dmft_k: out of memory (Picard sweep)");
    if (bad) return cav_err_set(&s->err, CAV_EDIVERGE, "dmft_k: non-finite field (Picard sweep)");
    for (size_t t = 0; t < L; t++)
        finalize_row(s, t, -1, &s->Sn);
    return CAV_OK;
}

static void copy_w(const cav_dmft_k *s, const kw *a, kw *b)
{
    memcpy(b->A, a->A, s->L * s->kr * sizeof(double));
    memcpy(b->Rw, a->Rw, s->n2 * sizeof(double));
    memcpy(b->Cw, a->Cw, s->n2 * sizeof(double));
    memcpy(b->P, a->P, s->L * s->kk * sizeof(double));
}

int cav_dmft_k_iterate(cav_dmft_k *s)
{
    if (!s || !s->set) return CAV_EINVAL;
    if (s->status == CAV_EDIVERGE || s->status == CAV_ENOMEM) return s->status;
    int st;
    if (s->iter == 0 && s->exact) {
        st = dmft_k_sweep_exact(s);
        s->iter++, s->residual = 0, s->noise = 0;
        for (size_t t = 0; t < s->L; t++)
            s->rest[t] = 0;
        if (st) return s->status = st;
        memset(s->se, 0, s->L * (size_t)CAV_RBM_TRAJ_NCOL(s->k, s->r) * sizeof(double));
        return s->status = CAV_OK;
    }
    if (s->iter == 0) {
        st = sweep_causal(s);
    } else {
        copy_w(s, &s->W, &s->Wo);
        st = sweep_picard(s, 1 + (uint64_t)s->iter);
        if (!st) {
            const double a = s->o.damping;
            for (size_t i = 0; i < s->n2; i++) {
                s->S.Cg[i] = a * s->Sn.Cg[i] + (1 - a) * s->S.Cg[i];
                s->S.Rg[i] = a * s->Sn.Rg[i] + (1 - a) * s->S.Rg[i];
            }
            for (size_t i = 0; i < s->L * s->kr; i++)
                s->S.Mg[i] = a * s->Sn.Mg[i] + (1 - a) * s->S.Mg[i];
            for (size_t i = 0; i < s->L; i++)
                s->S.Je[i] = a * s->Sn.Je[i] + (1 - a) * s->S.Je[i];
            long bad;
            if (weight_all(s, &s->S, &s->W, &bad))
                st = cav_err_set(&s->err, CAV_EDIVERGE, "dmft_k: the dynamics diverged at step %ld",
                                 bad);
        }
        if (!st) {
            double cmax = 0, res = 0;
            const size_t L = s->L, kk = s->kk, kr = s->kr;
            for (size_t i = 0; i < s->n2; i++)
                cmax = fmax(cmax, fabs(s->W.Cw[i]));
            for (size_t t = 0; t < L; t++) {
                double m = 0;
                for (size_t i = 0; i < kr; i++)
                    m = fmax(m, fabs(s->W.A[t * kr + i] - s->Wo.A[t * kr + i]) *
                                    s->lam[i % (size_t)s->r]);
                for (size_t i = 0; i < L * kk; i++) {
                    m = fmax(m, fabs(s->W.Cw[t * L * kk + i] - s->Wo.Cw[t * L * kk + i]));
                    m = fmax(m, fabs(s->W.Rw[t * L * kk + i] - s->Wo.Rw[t * L * kk + i]));
                }
                s->rest[t] = m / (1 + cmax);
                res = fmax(res, s->rest[t]);
            }
            s->residual = res;
        }
    }
    s->iter++;
    if (st) return s->status = st;
    jackknife(s);
    s->status = cav_dmft_k_test(s);
    return CAV_OK;
}

int cav_dmft_k_test(const cav_dmft_k *s)
{
    if (!s || !s->set || s->iter == 0) return CAV_CONTINUE;
    if (s->exact || s->o.max_iter == 1) return CAV_OK;
    if (s->iter >= 2 && s->residual <= s->o.noise_factor * s->noise) return CAV_OK;
    return CAV_CONTINUE;
}

int cav_dmft_k_solve(cav_dmft_k *s)
{
    if (!s || !s->set) return CAV_EINVAL;
    while (s->iter < s->o.max_iter) {
        int st = cav_dmft_k_iterate(s);
        if (st) return st;
        if (cav_dmft_k_test(s) == CAV_OK && s->exact) {
            cav_err_set(&s->err, CAV_OK, "exact path (Gaussian hidden units): one sweep");
            return s->status = CAV_OK;
        }
        if (cav_dmft_k_test(s) == CAV_OK) {
            cav_err_set(&s->err, CAV_OK,
                        s->o.max_iter == 1 ? "causal sweep only (max_iter 1); MC noise %.3g"
                                           : "converged: residual %.3g <= %g x MC noise %.3g",
                        s->o.max_iter == 1 ? s->noise : s->residual, s->o.noise_factor, s->noise);
            return s->status = CAV_OK;
        }
    }
    cav_err_set(&s->err, CAV_EMAXITER, "dmft_k: %ld sweeps, residual %.3g above %g x MC noise %.3g",
                s->iter, s->residual, s->o.noise_factor, s->noise);
    return s->status = CAV_EMAXITER;
}

void cav_dmft_k_observables(const cav_dmft_k *s, double *out, double *se)
{
    const size_t nc = (size_t)CAV_RBM_TRAJ_NCOL(s->k, s->r);
    for (size_t t = 0; t < s->L; t++) {
        if (out) obs_row(s, t, &s->W, &s->S, out + t * nc);
        if (se) memcpy(se + t * nc, s->se + t * nc, nc * sizeof *se);
    }
}

const double *cav_dmft_k_residuals(const cav_dmft_k *s)
{
    return s->rest;
}
int cav_dmft_k_status(const cav_dmft_k *s)
{
    return s->status;
}
double cav_dmft_k_residual(const cav_dmft_k *s)
{
    return s->residual;
}
double cav_dmft_k_noise(const cav_dmft_k *s)
{
    return s->noise;
}
long cav_dmft_k_iterations(const cav_dmft_k *s)
{
    return s->iter;
}
const cav_err *cav_dmft_k_error(const cav_dmft_k *s)
{
    return &s->err;
}
