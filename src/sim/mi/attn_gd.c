/* sim/mi/attn_gd.c — full-batch gradient descent on the tied low-rank attention network
 * (cavity/attention.h, "simulation"; the experiment of Troiani et al., arXiv:2502.00901, with
 * the learning-rate scale made explicit). The pre-activations of all samples are one product
 * Z = W X^T/sqrt(D) (CBLAS), the per-sample gradient in Z is cav_attention_loss_grad, and the
 * weight gradient is one more product dZ X. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/attention.h"
#include "cavity/mi_sim.h"
#include "core/la.h"

cav_attention_gd_opts cav_attention_gd_opts_default(void)
{
    cav_attention_gd_opts o;
    o.D = 500;
    o.alpha = 1.0;
    o.steps = 2000;
    o.lr = 0.2;
    o.wd = 0.0;
    o.init_scale = 0.1;
    o.n_test = 2000;
    o.every = 10;
    o.seed = 1;
    o.init_seed = 1;
    return o;
}

long cav_attention_gd_rows(const cav_attention_gd_opts *o)
{
    if (!o || o->every < 1 || o->steps < 0) return 0;
    return o->steps / o->every + 1 + (o->steps % o->every ? 1 : 0);
}

/* Z (N x L M, row-major per sample) = W X^T / sqrt(D). */
static void fields(const cav_attention *a, long N, long D, const double *X, const double *W,
                   double *T, double *Z)
{
    int L = a->L, M = a->M;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)(N * M), L, (blasint)D,
                1.0 / sqrt((double)D), X, (blasint)D, W, (blasint)D, 0.0, T, L);
    for (long mu = 0; mu < N; mu++)
        for (int l = 0; l < L; l++)
            for (int m = 0; m < M; m++)
                Z[mu * L * M + l * M + m] = T[(mu * M + m) * L + l];
}

int cav_attention_gd(const cav_attention *a, const cav_attention_gd_opts *opts, double *out,
                     cav_err *err)
{
    int st = cav_attention_check(a, err);
    if (st) return st;
    if (!opts || !out) return cav_err_set(err, CAV_EINVAL, "attention gd: NULL options or out");
    cav_attention_gd_opts o = *opts;
    if (o.D < 2) return cav_err_set(err, CAV_EINVAL, "attention gd: D = %ld must be >= 2", o.D);
    if (!(o.alpha > 0))
        return cav_err_set(err, CAV_EINVAL, "attention gd: alpha = %g must be > 0", o.alpha);
    if (o.steps < 0 || o.every < 1)
        return cav_err_set(err, CAV_EINVAL, "attention gd: steps = %ld >= 0, every = %ld >= 1",
                           o.steps, o.every);
    if (!(o.lr > 0) || !(o.wd >= 0) || !(o.init_scale > 0) || o.n_test < 1)
        return cav_err_set(err, CAV_EINVAL,
                           "attention gd: lr = %g > 0, wd = %g >= 0, init_scale = %g > 0, "
                           "n_test = %ld >= 1 required",
                           o.lr, o.wd, o.init_scale, o.n_test);
    int L = a->L, M = a->M, n = L * M, ncol = CAV_ATTENTION_GD_NCOL(L);
    long D = o.D, N = (long)llround(o.alpha * (double)D);
    if (N < 1) N = 1;
    cav_mi_channel ch;
    cav_attention_channel(a, &ch);
    cav_mi_data tr, te;
    st = cav_mi_data_draw(&ch, D, N, o.seed, &tr, err);
    if (st) return st;
    /* the test set shares the teacher: draw tokens only, labels from the same W* */
    st = cav_mi_data_draw(&ch, D, o.n_test, o.seed ^ 0x74657374ULL, &te, err);
    if (st) {
        cav_mi_data_free(&tr);
        return st;
    }
    double *W = malloc(sizeof(double) * (size_t)(L * D)),
           *dW = malloc(sizeof(double) * (size_t)(L * D));
    long NN = N > o.n_test ? N : o.n_test;
    double *T = malloc(sizeof(double) * (size_t)(NN * M * L)),
           *Z = malloc(sizeof(double) * (size_t)(NN * n));
    double *dZt = malloc(sizeof(double) * (size_t)(L * N * M));
    double *Zt = malloc(sizeof(double) * (size_t)(o.n_test * n));
    if (!W || !dW || !T || !Z || !dZt || !Zt) {
        st = cav_err_set(err, CAV_ENOMEM, "attention gd: out of memory");
        goto done;
    }
    /* test labels from the training teacher */
    fields(a, o.n_test, D, te.X, tr.Wstar, T, Zt);
    for (long mu = 0; mu < o.n_test; mu++)
        cav_attention_forward(a, Zt + mu * n, te.y + mu * M * M);
    cav_rng r;
    cav_rng_init(&r, o.init_seed, cav_rng_hash("attention-gd"), 0);
    cav_rng_normal_fill(&r, (size_t)(L * D), o.init_scale, W);
    double ws2[CAV_MI_MAXP];
    for (int l = 0; l < L; l++)
        ws2[l] = cav_la_dot((size_t)D, tr.Wstar + l * D, tr.Wstar + l * D) / (double)D;
    long row = 0;
    for (long t = 0; t <= o.steps; t++) {
        fields(a, N, D, tr.X, W, T, Z);
        double loss = 0;
        int bad = 0;
        for (long mu = 0; mu < N; mu++) {
            double dz[CAV_MI_MAXPM];
            loss += cav_attention_loss_grad(a, Z + mu * n, tr.y + mu * M * M, dz);
            for (int l = 0; l < L; l++)
                for (int m = 0; m < M; m++)
                    dZt[l * N * M + mu * M + m] = dz[l * M + m];
        }
        loss /= (double)N;
        if (!isfinite(loss)) bad = 1;
        if (t % o.every == 0 || t == o.steps || bad) {
            double *rw = out + row * ncol;
            rw[0] = (double)t;
            rw[1] = loss;
            /* test error of the current weights */
            fields(a, o.n_test, D, te.X, W, T, Z);
            double e = 0;
            for (long mu = 0; mu < o.n_test; mu++) {
                double yh[CAV_MI_MAXPM * CAV_MI_MAXPM];
                cav_attention_forward(a, Z + mu * n, yh);
                for (int j = 0; j < M * M; j++) {
                    double dd = yh[j] - te.y[mu * M * M + j];
                    e += dd * dd;
                }
            }
            rw[2] = e / (double)o.n_test;
            for (int l = 0; l < L; l++) {
                double m = cav_la_dot((size_t)D, W + l * D, tr.Wstar + l * D) / (double)D;
                double q = cav_la_dot((size_t)D, W + l * D, W + l * D) / (double)D;
                rw[3 + 3 * l] = m;
                rw[4 + 3 * l] = q;
                rw[5 + 3 * l] = q > 0 ? fabs(m) / sqrt(q * ws2[l]) : 0.0;
            }
            row++;
        }
        if (bad) {
            st = cav_err_set(err, CAV_EDIVERGE, "attention gd: loss not finite at step %ld", t);
            long rows = cav_attention_gd_rows(&o);
            for (; row < rows; row++)
                for (int j = 0; j < ncol; j++)
                    out[row * ncol + j] = NAN;
            goto done;
        }
        if (t == o.steps) break;
        /* dW = dZ X / (alpha sqrt D) + wd W */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, (blasint)D, (blasint)(N * M),
                    sqrt((double)D) / (double)N, dZt, (blasint)(N * M), tr.X, (blasint)D, 0.0, dW,
                    (blasint)D);
        for (long i = 0; i < L * D; i++)
            W[i] -= o.lr * (dW[i] + o.wd * W[i]);
    }
done:
    free(W), free(dW), free(T), free(Z), free(dZt), free(Zt);
    cav_mi_data_free(&tr);
    cav_mi_data_free(&te);
    return st;
}
