/* sim/depth/depth_target.c — single- and multi-index Gaussian hierarchical targets (SIGHT,
 * MIGHT and the deep tree) of Dandi, Pesce, Zdeborová & Krzakala, arXiv:2502.13961 (conventions
 * in cavity/depth.h), and the theory's kappa thresholds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/depth.h"
#include "cavity/rng.h"
#include "core/la.h"

#define DEPTH_MAX_M1 1024 /* largest level-1 size per branch (stack buffers of the evaluation) */

struct cav_depth_target {
    size_t d, K, m[CAV_DEPTH_MAX_LEVELS], b[CAV_DEPTH_MAX_LEVELS];
    int L;
    double pcoef[5], pnorm; /* Pn = P/pnorm */
    const cav_activation_type *gstar;
    double gscale;
    double *W;                                               /* K m1 x d */
    double *a[CAV_DEPTH_MAX_BRANCHES][CAV_DEPTH_MAX_LEVELS]; /* weights of level l, per branch */
};

size_t depth_level_size(size_t d, double eps)
{
    double m = floor(pow((double)d, eps) + 1e-9);
    return m < 1.0 ? 0 : (size_t)m;
}

/* P(z) = sum_j c_j He_j(z)/j!, He_j by the recurrence He_{j+1} = z He_j - j He_{j-1}. */
static double poly(const double *c, double z)
{
    double h0 = 1.0, h1 = z, s = c[0] + c[1] * z, f = 1.0;
    for (int j = 2; j <= 4; j++) {
        double h2 = z * h1 - (double)(j - 1) * h0;
        f *= (double)j;
        s += c[j] * h2 / f;
        h0 = h1;
        h1 = h2;
    }
    return s;
}

int cav_depth_degree(const cav_depth_config *c)
{
    int k = 0;
    for (int j = 1; j <= 4; j++)
        if (c->pcoef[j] != 0.0) k = j;
    return k;
}

/* Var P under N(0,1): E[He_i He_j] = j! delta_ij, so Var P = sum_{j>=1} c_j^2 j!/(j!)^2. */
double depth_pvar(const double *c)
{
    double v = 0.0, f = 1.0;
    for (int j = 1; j <= 4; j++) {
        f *= (double)j;
        v += c[j] * c[j] / f;
    }
    return v;
}

void cav_depth_target_free(cav_depth_target *t)
{
    if (!t) return;
    free(t->W);
    for (int b = 0; b < CAV_DEPTH_MAX_BRANCHES; b++)
        for (int l = 0; l < CAV_DEPTH_MAX_LEVELS; l++)
            free(t->a[b][l]);
    free(t);
}

/* Length of the weight vector of level l (0-based): the inputs of level l + 1 that are used, or
 * the top level's components. */
static size_t a_len(const cav_depth_target *t, int l)
{
    return l + 1 < t->L ? t->m[l + 1] * t->b[l + 1] : t->m[l];
}

int cav_depth_target_alloc(const cav_depth_config *c, cav_depth_target **out, cav_err *err)
{
    if (!out) return cav_err_set(err, CAV_EINVAL, "depth target: out is NULL");
    *out = NULL;
    int st = cav_depth_check(c, err);
    if (st) return st;
    cav_depth_target *t = calloc(1, sizeof *t);
    if (!t) return cav_err_set(err, CAV_ENOMEM, "depth target: cannot allocate");
    t->d = c->d;
    t->K = (size_t)c->branches;
    t->L = c->levels;
    memcpy(t->pcoef, c->pcoef, sizeof t->pcoef);
    t->pnorm = sqrt(depth_pvar(c->pcoef));
    t->gstar = c->gstar;
    t->gscale = c->gscale;
    for (int l = 0; l < t->L; l++) {
        t->m[l] = depth_level_size(c->d, c->eps[l]);
        t->b[l] = l ? t->m[l - 1] / t->m[l] : 1;
    }
    const size_t d = t->d, m1 = t->m[0], q = t->K * m1;
    double *G = malloc(d * q * sizeof *G), *tau = malloc(q * sizeof *tau);
    t->W = malloc(q * d * sizeof *t->W);
    int ok = G && tau && t->W;
    for (size_t br = 0; br < t->K && ok; br++)
        for (int l = 0; l < t->L && ok; l++)
            ok = (t->a[br][l] = malloc(a_len(t, l) * sizeof(double))) != NULL;
    if (!ok) {
        free(G), free(tau);
        cav_depth_target_free(t);
        return cav_err_set(err, CAV_ENOMEM, "depth target: cannot allocate W* (%zu x %zu)", q, d);
    }
    /* Orthonormal W*: QR of a d x q Gaussian matrix (row-major); the rows of W* are the columns
     * of Q, branch br taking columns br m1 .. (br + 1) m1 - 1. */
    cav_rng_normal_matrix(c->seed, cav_rng_hash("depth/target"), d, q, 1.0, G);
    lapack_int info =
        LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)d, (lapack_int)q, G, (lapack_int)q, tau);
    if (!info)
        info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)d, (lapack_int)q, (lapack_int)q, G,
                              (lapack_int)q, tau);
    if (info) {
        free(G), free(tau);
        cav_depth_target_free(t);
        return cav_err_set(err, CAV_ENUMERIC, "depth target: QR failed (LAPACK info %d)",
                           (int)info);
    }
    for (size_t r = 0; r < q; r++)
        for (size_t j = 0; j < d; j++)
            t->W[r * d + j] = G[j * q + r];
    free(G), free(tau);
    /* Rademacher weights: level l of branch br from substream 16 br + l. */
    for (size_t br = 0; br < t->K; br++)
        for (int l = 0; l < t->L; l++) {
            cav_rng r;
            cav_rng_init(&r, c->seed, cav_rng_hash("depth/target/a"), br * 16 + (size_t)l);
            for (size_t i = 0; i < a_len(t, l); i++)
                t->a[br][l][i] = cav_rng_sign(&r);
        }
    *out = t;
    return CAV_OK;
}

void cav_depth_target_eval(const cav_depth_target *t, size_t n, const double *X, double *y,
                           double *h)
{
    const size_t d = t->d, m1 = t->m[0], K = t->K;
#pragma omp parallel for schedule(static) if (n * d * m1 * K > 1000000)
    for (long ii = 0; ii < (long)n; ii++) {
        size_t i = (size_t)ii;
        double u[2][DEPTH_MAX_M1], ysum = 0.0;
        const double *x = X + i * d;
        for (size_t br = 0; br < K; br++) {
            double *cur = u[0];
            for (size_t r = 0; r < m1; r++) { /* z = W* x */
                const double *w = t->W + (br * m1 + r) * d;
                double s = 0.0;
                for (size_t j = 0; j < d; j++)
                    s += w[j] * x[j];
                cur[r] = s;
            }
            for (int l = 1; l < t->L; l++) { /* level l from the blocks of level l - 1 */
                double *nxt = u[l & 1];
                const size_t bl = t->b[l];
                const double *a = t->a[br][l - 1];
                for (size_t j = 0; j < t->m[l]; j++) {
                    double s = 0.0;
                    for (size_t q = 0; q < bl; q++)
                        s += a[j * bl + q] * poly(t->pcoef, cur[j * bl + q]) / t->pnorm;
                    nxt[j] = s / sqrt((double)bl);
                }
                cur = nxt;
            }
            const size_t mL = t->m[t->L - 1];
            const double *a = t->a[br][t->L - 1];
            double s = 0.0;
            for (size_t j = 0; j < mL; j++)
                s += a[j] * poly(t->pcoef, cur[j]);
            double hv = s / sqrt((double)mL), g, arg = t->gscale * hv;
            if (h) h[i * K + br] = hv;
            t->gstar->eval(1, &arg, &g, NULL);
            ysum += g;
        }
        y[i] = ysum / sqrt((double)K);
    }
}

const double *cav_depth_target_wstar(const cav_depth_target *t, size_t *rows)
{
    if (rows) *rows = t->K * t->m[0];
    return t->W;
}

double cav_depth_overlap_w(const cav_depth_target *t, size_t p, const double *W)
{
    const size_t d = t->d, q = t->K * t->m[0];
    double acc = 0.0;
    for (size_t i = 0; i < p; i++) {
        const double *w = W + i * d;
        double ww = cav_la_dot(d, w, w), pp = 0.0;
        for (size_t r = 0; r < q; r++) {
            double s = cav_la_dot(d, w, t->W + r * d);
            pp += s * s;
        }
        acc += ww > 0.0 ? pp / ww : 0.0;
    }
    return sqrt(acc / (double)p);
}

double cav_depth_kappa_w(const cav_depth_config *c)
{
    return 1.0 + c->eps[0];
}

double cav_depth_kappa_three(const cav_depth_config *c)
{
    double a = 1.0 + c->eps[0], b = cav_depth_degree(c) * c->eps[0];
    return a > b ? a : b;
}

double cav_depth_kappa_two(const cav_depth_config *c, int q)
{
    double a = 1.0 + c->eps[0], b = q * c->eps[0];
    return a > b ? a : b;
}

double cav_depth_kappa_kernel(int q)
{
    return (double)q;
}

double cav_depth_kernel_features(size_t d)
{
    double x = (double)d;
    return x * (x + 1.0) / 2.0 + x + 1.0;
}

double cav_depth_kernel_peak_paper(size_t d)
{
    double x = (double)d;
    return x * (x - 1.0) / 2.0 + x + 1.0;
}

int cav_depth_kappa_levels(const cav_depth_config *c, double *out)
{
    const int L = c->levels, k = cav_depth_degree(c);
    out[0] = 1.0 + c->eps[0];
    for (int l = 0; l + 1 < L; l++)
        out[l + 1] = k * c->eps[l] + c->eps[l + 1];
    out[L] = k * c->eps[L - 1];
    return L + 1;
}
