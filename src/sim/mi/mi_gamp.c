/* sim/mi/mi_gamp.c — data of (sequence) multi-index models and Bayes-optimal GAMP for them
 * (cavity/mi_sim.h; docs/multi-index.md, "GAMP"). The matrix products go through CBLAS
 * (omega = W X^T, B = G X); the posterior of each sample is the engine's cav_mi_posterior, in
 * parallel over samples with one evaluator per thread. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/mi_sim.h"
#include "core/la.h"

void cav_mi_data_free(cav_mi_data *d)
{
    if (!d) return;
    free(d->X);
    free(d->Wstar);
    free(d->Z);
    free(d->y);
    free(d->s);
    memset(d, 0, sizeof *d);
}

int cav_mi_data_draw(const cav_mi_channel *ch, long D, long N, uint64_t seed, cav_mi_data *d,
                     cav_err *err)
{
    if (!d) return cav_err_set(err, CAV_EINVAL, "mi data: d is NULL");
    memset(d, 0, sizeof *d);
    cav_mi_layout lay;
    int st = cav_mi_channel_layout(ch, &lay, err);
    if (st) return st;
    if (D < 1 || N < 1)
        return cav_err_set(err, CAV_EINVAL, "mi data: D = %ld and N = %ld must be >= 1", D, N);
    int P = ch->P, M = ch->M, n = P * M, no = lay.nobs > 0 ? lay.nobs : 1;
    d->D = D, d->N = N, d->P = P, d->M = M, d->ny = lay.ny, d->nobs = lay.nobs;
    d->X = malloc(sizeof(double) * (size_t)(N * M) * (size_t)D);
    d->Wstar = malloc(sizeof(double) * (size_t)(P * D));
    d->Z = malloc(sizeof(double) * (size_t)(N * n));
    d->y = malloc(sizeof(double) * (size_t)(N * lay.ny));
    d->s = malloc(sizeof(double) * (size_t)(N * no));
    if (!d->X || !d->Wstar || !d->Z || !d->y || !d->s) {
        cav_mi_data_free(d);
        return cav_err_set(err, CAV_ENOMEM, "mi data: out of memory (N M D = %ld)", N * M * D);
    }
    cav_rng_normal_matrix(seed, cav_rng_hash("mi-x"), (size_t)(N * M), (size_t)D, 1.0, d->X);
    cav_rng r;
    cav_rng_init(&r, seed, cav_rng_hash("mi-wstar"), 0);
    cav_rng_normal_fill(&r, (size_t)(P * D), 1.0, d->Wstar);
    /* Z_mu[p, m] = W*_p . x_{mu m}/sqrt(D): (N M) x P = X W*^T */
    double *T = malloc(sizeof(double) * (size_t)(N * M * P));
    if (!T) {
        cav_mi_data_free(d);
        return cav_err_set(err, CAV_ENOMEM, "mi data: out of memory");
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)(N * M), P, (blasint)D,
                1.0 / sqrt((double)D), d->X, (blasint)D, d->Wstar, (blasint)D, 0.0, T, P);
    uint64_t ys = cav_rng_hash("mi-y");
    long bad = 0;
    for (long mu = 0; mu < N; mu++) {
        double *Z = d->Z + mu * n;
        for (int p = 0; p < P; p++)
            for (int m = 0; m < M; m++)
                Z[p * M + m] = T[(mu * M + m) * P + p];
        cav_rng_init(&r, seed, ys, (uint64_t)mu);
        ch->type->sample(ch, Z, &r, d->y + mu * lay.ny);
        if (ch->type->observe(ch, d->y + mu * lay.ny, d->s + mu * no)) bad++;
    }
    free(T);
    if (bad) {
        cav_mi_data_free(d);
        return cav_err_set(err, CAV_ENUMERIC, "mi data: %ld labels could not be observed", bad);
    }
    return CAV_OK;
}

cav_mi_gamp_opts cav_mi_gamp_opts_default(void)
{
    cav_mi_gamp_opts o;
    o.steps = 50;
    o.damping = 1.0;
    o.init = CAV_MI_INIT_RANDOM;
    o.q0 = 1e-3;
    o.dg_fd = 0;
    o.fd_eps = 1e-5;
    o.inner = cav_mi_inner_opts_default();
    o.seed = 1;
    o.threads = 0;
    return o;
}

static void overlaps(int P, long D, const double *W, const double *Ws, double *row)
{
    for (int a = 0; a < P; a++)
        for (int b = 0; b < P; b++) {
            row[a * P + b] = cav_la_dot((size_t)D, W + a * D, Ws + b * D) / (double)D;
            row[P * P + a * P + b] = cav_la_dot((size_t)D, W + a * D, W + b * D) / (double)D;
        }
}

int cav_mi_gamp_run(const cav_mi_channel *ch, const cav_mi_data *d, const cav_mi_gamp_opts *opts,
                    double *traj, double *What, cav_err *err)
{
    int st = cav_mi_channel_check(ch, err);
    if (st) return st;
    if (!d || !d->X || !traj) return cav_err_set(err, CAV_EINVAL, "mi gamp: NULL data or traj");
    if (d->P != ch->P || d->M != ch->M)
        return cav_err_set(err, CAV_EINVAL, "mi gamp: data drawn for P = %d, M = %d", d->P, d->M);
    cav_mi_gamp_opts o = opts ? *opts : cav_mi_gamp_opts_default();
    if (o.steps < 0) return cav_err_set(err, CAV_EINVAL, "mi gamp: steps = %ld < 0", o.steps);
    if (!(o.damping > 0 && o.damping <= 1))
        return cav_err_set(err, CAV_EINVAL, "mi gamp: damping = %g must be in (0, 1]", o.damping);
    if (!(o.q0 >= 0 && o.q0 < 1))
        return cav_err_set(err, CAV_EINVAL, "mi gamp: q0 = %g must be in [0, 1)", o.q0);
    if (o.init != CAV_MI_INIT_RANDOM && o.init != CAV_MI_INIT_INFORMED)
        return cav_err_set(err, CAV_EINVAL, "mi gamp: init = %d unknown", o.init);
    if (o.dg_fd && !(o.fd_eps > 0))
        return cav_err_set(err, CAV_EINVAL, "mi gamp: fd_eps = %g must be > 0", o.fd_eps);
    int P = ch->P, M = ch->M, n = P * M, ncol = CAV_MI_GAMP_NCOL(P);
    long D = d->D, N = d->N;
    int no = d->nobs > 0 ? d->nobs : 1;
    int nthr = o.threads > 0 ? o.threads : omp_get_max_threads();
    cav_mi_inner **inner = calloc((size_t)nthr, sizeof *inner);
    double *W = malloc(sizeof(double) * (size_t)(P * D));
    double *Wn = malloc(sizeof(double) * (size_t)(P * D));
    double *Om = malloc(sizeof(double) * (size_t)(N * M * P)); /* (N M) x P */
    double *G = calloc((size_t)(N * n), sizeof(double));       /* N x n: g of the last step */
    double *Gt = malloc(sizeof(double) * (size_t)(P * N * M)); /* P x (N M) */
    double *dgA = malloc(sizeof(double) * (size_t)(N * P * P));
    int *fail = calloc((size_t)N, sizeof(int));
    if (!inner || !W || !Wn || !Om || !G || !Gt || !dgA || !fail) {
        st = cav_err_set(err, CAV_ENOMEM, "mi gamp: out of memory");
        goto done;
    }
    for (int t = 0; t < nthr; t++) {
        inner[t] = cav_mi_inner_alloc(ch, &o.inner, err);
        if (!inner[t]) {
            st = err ? err->code : CAV_EINVAL;
            goto done;
        }
    }
    /* start */
    cav_rng r;
    cav_rng_init(&r, o.seed, cav_rng_hash("mi-gamp-start"), 0);
    cav_rng_normal_fill(&r, (size_t)(P * D), 1.0, W);
    double C[CAV_MI_MAXP * CAV_MI_MAXP] = {0};
    for (long i = 0; i < P * D; i++)
        W[i] = o.init == CAV_MI_INIT_INFORMED ? o.q0 * d->Wstar[i] + sqrt(o.q0 - o.q0 * o.q0) * W[i]
                                              : sqrt(o.q0) * W[i];
    for (int p = 0; p < P; p++)
        C[p * P + p] = 1.0 - o.q0;
    overlaps(P, D, W, d->Wstar, traj);
    traj[ncol - 1] = 0;
    double sqD = sqrt((double)D);
    for (long t = 1; t <= o.steps; t++) {
        double *row = traj + t * ncol;
        /* omega = W x / sqrt(D) - V g_prev: (N M) x P = X W^T */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)(N * M), P, (blasint)D,
                    1.0 / sqD, d->X, (blasint)D, W, (blasint)D, 0.0, Om, P);
        double V[CAV_MI_MAXP * CAV_MI_MAXP];
        memcpy(V, C, sizeof V);
        long nfail = 0;
#pragma omp parallel for schedule(dynamic, 16) num_threads(nthr) reduction(+ : nfail)
        for (long mu = 0; mu < N; mu++) {
            cav_mi_inner *in = inner[omp_get_thread_num()];
            double om[CAV_MI_MAXPM], g[CAV_MI_MAXPM], dg[CAV_MI_MAXPM * CAV_MI_MAXPM];
            double *gp = G + mu * n;
            for (int p = 0; p < P; p++)
                for (int m = 0; m < M; m++) {
                    double v = Om[(mu * M + m) * P + p];
                    for (int q = 0; q < P; q++)
                        v -= V[p * P + q] * gp[q * M + m];
                    om[p * M + m] = v;
                }
            cav_mi_post post;
            int ps = cav_mi_posterior(in, d->s + mu * no, om, V, &post, NULL);
            if (ps && ps != CAV_EMAXITER) {
                nfail++;
                memset(gp, 0, sizeof(double) * (size_t)n);
                memset(dgA + mu * P * P, 0, sizeof(double) * (size_t)(P * P));
                continue;
            }
            cav_mi_gout(P, M, &post, om, V, g, o.dg_fd ? NULL : dg);
            if (o.dg_fd) {
                for (int j = 0; j < n; j++) {
                    double op[CAV_MI_MAXPM], gpl[CAV_MI_MAXPM], gmi[CAV_MI_MAXPM];
                    cav_mi_post pp;
                    memcpy(op, om, sizeof op);
                    op[j] += o.fd_eps;
                    int s1 = cav_mi_posterior(in, d->s + mu * no, op, V, &pp, NULL);
                    cav_mi_gout(P, M, &pp, op, V, gpl, NULL);
                    op[j] -= 2 * o.fd_eps;
                    int s2 = cav_mi_posterior(in, d->s + mu * no, op, V, &pp, NULL);
                    cav_mi_gout(P, M, &pp, op, V, gmi, NULL);
                    for (int i = 0; i < n; i++)
                        dg[i * n + j] = (s1 || s2) ? 0.0 : (gpl[i] - gmi[i]) / (2 * o.fd_eps);
                }
            }
            memcpy(gp, g, sizeof(double) * (size_t)n);
            for (int p = 0; p < P; p++)
                for (int q = 0; q < P; q++) {
                    double a = 0;
                    for (int m = 0; m < M; m++)
                        a += dg[(p * M + m) * n + q * M + m];
                    dgA[mu * P * P + p * P + q] = a;
                }
        }
        double A[CAV_MI_MAXP * CAV_MI_MAXP] = {0};
        for (long mu = 0; mu < N; mu++)
            for (int i = 0; i < P * P; i++)
                A[i] -= dgA[mu * P * P + i];
        for (int i = 0; i < P * P; i++)
            A[i] /= (double)D;
        for (int p = 0; p < P; p++)
            for (int q = p + 1; q < P; q++)
                A[p * P + q] = A[q * P + p] = 0.5 * (A[p * P + q] + A[q * P + p]);
        /* B = G X / sqrt(D) + A W with G as P x (N M) */
        for (long mu = 0; mu < N; mu++)
            for (int p = 0; p < P; p++)
                for (int m = 0; m < M; m++)
                    Gt[p * N * M + mu * M + m] = G[mu * n + p * M + m];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, P, (blasint)D, (blasint)(N * M),
                    1.0 / sqD, Gt, (blasint)(N * M), d->X, (blasint)D, 0.0, Wn, (blasint)D);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, P, (blasint)D, P, 1.0, A, P, W,
                    (blasint)D, 1.0, Wn, (blasint)D);
        /* W = (I + A)^{-1} B, C = (I + A)^{-1} */
        double IA[CAV_MI_MAXP * CAV_MI_MAXP], Ci[CAV_MI_MAXP * CAV_MI_MAXP];
        for (int p = 0; p < P; p++)
            for (int q = 0; q < P; q++)
                IA[p * P + q] = (p == q) + A[p * P + q];
        /* general inverse by solving with unit vectors (I + A may be indefinite at small D) */
        int sing = 0;
        for (int j = 0; j < P && !sing; j++) {
            double M2[CAV_MI_MAXP * CAV_MI_MAXP], e[CAV_MI_MAXP];
            memcpy(M2, IA, sizeof M2);
            for (int i = 0; i < P; i++)
                e[i] = i == j;
            lapack_int ipiv[CAV_MI_MAXP];
            if (LAPACKE_dgesv(LAPACK_ROW_MAJOR, P, 1, M2, P, ipiv, e, 1)) sing = 1;
            for (int i = 0; i < P; i++)
                Ci[i * P + j] = e[i];
        }
        if (sing) {
            st = cav_err_set(err, CAV_ENUMERIC, "mi gamp: I + A singular at step %ld", t);
            for (long tt = t; tt <= o.steps; tt++)
                for (int j = 0; j < ncol; j++)
                    traj[tt * ncol + j] = NAN;
            goto done;
        }
        double a = o.damping;
        for (int p = 0; p < P; p++)
            for (long i = 0; i < D; i++) {
                double v = 0;
                for (int q = 0; q < P; q++)
                    v += Ci[p * P + q] * Wn[q * D + i];
                Wn[p * D + i] = v;
            }
        int finite = 1;
        for (long i = 0; i < P * D; i++) {
            W[i] = a * Wn[i] + (1 - a) * W[i];
            if (!isfinite(W[i])) finite = 0;
        }
        for (int i = 0; i < P * P; i++)
            C[i] = a * Ci[i] + (1 - a) * C[i];
        overlaps(P, D, W, d->Wstar, row);
        row[ncol - 1] = (double)nfail / (double)N;
        if (!finite) {
            st = cav_err_set(err, CAV_ENUMERIC, "mi gamp: non-finite estimate at step %ld", t);
            for (long tt = t; tt <= o.steps; tt++)
                for (int j = 0; j < ncol; j++)
                    traj[tt * ncol + j] = NAN;
            goto done;
        }
    }
    if (What) memcpy(What, W, sizeof(double) * (size_t)(P * D));
done:
    if (inner)
        for (int t = 0; t < nthr; t++)
            cav_mi_inner_free(inner[t]);
    free(inner);
    free(W), free(Wn), free(Om), free(G), free(Gt), free(dgA), free(fail);
    return st;
}
