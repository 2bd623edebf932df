/* sim/mi/rbm_gd_traj.c — gradient ascent on n J(W) from an informed start (cavity/dmft_k.h):
 * W^0 = U* Lambda^{-1} zeta0^T + init_scale xi, the start that the k-index DMFT describes at
 * d -> infinity (a random start has zeta(0) = O(1/sqrt d), a fixed point of the limiting dynamics;
 * docs/rbm-gd.md). Same update as cav_rbm_gd:
 *   W <- W + lr [X^T grad eta(X W/sqrt d)/sqrt d - 2 (n/d) W grad psi(W^T W/d)].
 * The k columns of W are kept contiguous and the products are k matrix-vector products (one pass
 * over X each: a GEMM with k <= 3 columns spends its time packing X). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/dmft_k.h"
#include "cavity/rng.h"
#include "core/la.h"

#define K CAV_RBM_MAXK

/* One row: step, J, zeta = W^T U* / d (k x r), Q = W^T W/d, from the fields H (k x n, rows
 * contiguous); gp receives grad psi(Q). */
static int record(const cav_dmft_k_problem *p, const cav_rbm_data *data, const double *Wc,
                  const double *H, long t, double *row, double *gp, cav_err *err)
{
    const int k = p->rbm.k, r = p->rbm.r;
    const long d = data->d, n = data->n;
    double *zeta = row + 2, *Q = row + 2 + k * r, psi, e = 0;
    for (int a = 0; a < k; a++) {
        for (int j = 0; j < r; j++) {
            double s = 0;
            for (long i = 0; i < d; i++)
                s += Wc[a * d + i] * data->Ustar[i * r + j];
            zeta[a * r + j] = s / (double)d;
        }
        for (int b = 0; b < k; b++)
            Q[a * k + b] = cav_la_dot((size_t)d, Wc + a * d, Wc + b * d) / (double)d;
    }
    int st = cav_rbm_psi(k, p->rbm.hidden, Q, &psi, gp, err);
    if (st) return st;
    for (long mu = 0; mu < n; mu++) {
        double z[K];
        for (int a = 0; a < k; a++)
            z[a] = H[a * n + mu];
        e += cav_rbm_eta(k, p->rbm.hidden, z, NULL, NULL);
    }
    row[0] = (double)t, row[1] = e / (double)n - psi;
    if (!isfinite(row[1]))
        return cav_err_set(err, CAV_EDIVERGE, "dmft_k simulate: J not finite at step %ld", t);
    return CAV_OK;
}

int cav_dmft_k_simulate(const cav_dmft_k_problem *p, const cav_rbm_data *data, uint64_t init_seed,
                        double *traj, cav_err *err)
{
    int st = cav_dmft_k_check(p, NULL, err);
    if (st) return st;
    if (!data || !data->X || !data->Ustar || !traj)
        return cav_err_set(err, CAV_EINVAL, "dmft_k simulate: NULL data or traj");
    if (data->r != p->rbm.r)
        return cav_err_set(err, CAV_EINVAL, "dmft_k simulate: data has r = %d, problem r = %d",
                           data->r, p->rbm.r);
    const int k = p->rbm.k, r = p->rbm.r, ncol = CAV_RBM_TRAJ_NCOL(k, r);
    const long d = data->d, n = data->n;
    double *Wc = malloc(sizeof(double) * (size_t)(d * k)),
           *H = malloc(sizeof(double) * (size_t)(n * k)),
           *Gr = malloc(sizeof(double) * (size_t)(d * k));
    if (!Wc || !H || !Gr) {
        free(Wc), free(H), free(Gr);
        return cav_err_set(err, CAV_ENOMEM, "dmft_k simulate: out of memory");
    }
    /* the same draws as a row-major d x k matrix, stored by columns */
    cav_rng g;
    cav_rng_init(&g, init_seed, cav_rng_hash("rbm-gd-init"), 0);
    for (long i = 0; i < d; i++)
        for (int a = 0; a < k; a++)
            Wc[a * d + i] = p->init_scale * cav_rng_normal(&g);
    for (int a = 0; a < k && a < r; a++) {
        double f = p->init_overlap != 0 ? p->init_overlap / cav_rbm_lambda(&p->rbm, a) : 0;
        for (long i = 0; i < d; i++)
            Wc[a * d + i] += f * data->Ustar[i * r + a];
    }
    const double sqd = sqrt((double)d), al = (double)n / (double)d;
    for (long t = 0;; t++) {
        double *row = traj + t * ncol, gp[K * K];
        for (int a = 0; a < k; a++)
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)d, 1.0 / sqd, data->X,
                        (blasint)d, Wc + a * d, 1, 0.0, H + a * n, 1);
        st = record(p, data, Wc, H, t, row, gp, err);
        if (st) {
            for (long u = t; u <= p->steps; u++)
                for (int j = 0; j < ncol; j++)
                    traj[u * ncol + j] = NAN;
            break;
        }
        if (t == p->steps) break;
        for (long mu = 0; mu < n; mu++) {
            double z[K], gr[K];
            for (int a = 0; a < k; a++)
                z[a] = H[a * n + mu];
            cav_rbm_eta(k, p->rbm.hidden, z, gr, NULL);
            for (int a = 0; a < k; a++)
                H[a * n + mu] = gr[a];
        }
        for (int a = 0; a < k; a++)
            cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)d, 1.0 / sqd, data->X,
                        (blasint)d, H + a * n, 1, 0.0, Gr + a * d, 1);
        for (long i = 0; i < d; i++) {
            double w[K];
            for (int a = 0; a < k; a++)
                w[a] = Wc[a * d + i];
            for (int a = 0; a < k; a++) {
                double s = 0;
                for (int b = 0; b < k; b++)
                    s += w[b] * gp[b * k + a];
                Wc[a * d + i] = w[a] + p->lr * (Gr[a * d + i] - 2 * al * s);
            }
        }
    }
    free(Wc), free(H), free(Gr);
    return st;
}
