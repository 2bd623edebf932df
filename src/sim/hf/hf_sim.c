/* sim/hf/hf_sim.c — the hidden-factor experiment (cavity/hf.h): draw spikes and n = alpha d
 * samples, then either
 *   - PCA: the top two eigenvectors of X^T X/n (or of X X^T/n mapped back when n < d), or
 *   - the tied one-neuron autoencoder x_hat = (w/sqrt d) sigma(w.x/sqrt d) trained by full-batch
 *     Adam on sum_mu ||x_mu - x_hat_mu||^2/2 + lambda ||w||^2/2 from w ~ N(0, I_d), by default in
 *     one fused pass over the data per epoch (hf_adam.c), or (engine = CAV_HF_ADAM_NN) on the
 *     network engine (cavity/nn.h: one hidden unit, output layer tied to the input layer, both
 *     scaled by 1/sqrt d),
 * and measure the overlaps, the train loss, the test loss and the downstream error on fresh
 * samples (drawn through their exact projections, cav_hf_project).
 * Conde Mendes et al., arXiv:2602.10680 (2026); docs/autoencoder.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/hf.h"
#include "cavity/nn.h"
#include "core/la.h"
#include "sim/hf/hf_adam.h"

void cav_hf_sim_config_default(cav_hf_sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->data = (cav_hf_data){.beta_u = 1, .beta_v = 2, .latent = CAV_HF_K2};
    c->learner = CAV_HF_AE;
    c->act = &cav_act_relu;
    c->d = 500;
    c->alpha = 4;
    c->lr = 0.1;
    c->epochs = 1200;
    c->lambda = 0;
    c->ntest = 100000;
    c->draws = 5000;
    c->seed = 1;
}

static size_t n_of(const cav_hf_sim_config *c)
{
    return (size_t)llround(c->alpha * (double)c->d);
}

int cav_hf_sim_check(const cav_hf_sim_config *c, cav_err *err)
{
    if (!c) return cav_err_set(err, CAV_EINVAL, "config is NULL");
    int rc = cav_hf_data_check(&c->data, err);
    if (rc) return rc;
    if (c->learner != CAV_HF_AE && c->learner != CAV_HF_PCA)
        return cav_err_set(err, CAV_EINVAL, "learner = %d: one of ae, pca", c->learner);
    if (c->learner == CAV_HF_AE && !c->act)
        return cav_err_set(err, CAV_EINVAL, "activation is NULL");
    if (c->engine != CAV_HF_ADAM_FUSED && c->engine != CAV_HF_ADAM_NN)
        return cav_err_set(err, CAV_EINVAL, "engine = %d: one of fused (0), nn (1)", c->engine);
    if (c->d < 2) return cav_err_set(err, CAV_EINVAL, "d = %zu outside [2, inf)", c->d);
    if (!(c->alpha > 0 && isfinite(c->alpha)))
        return cav_err_set(err, CAV_EINVAL, "alpha = %g outside (0, inf)", c->alpha);
    if (n_of(c) < 1)
        return cav_err_set(err, CAV_EINVAL, "alpha = %g: n = round(alpha d) must be >= 1",
                           c->alpha);
    if (!(c->lr > 0 && isfinite(c->lr)))
        return cav_err_set(err, CAV_EINVAL, "lr = %g outside (0, inf)", c->lr);
    if (c->epochs < 0)
        return cav_err_set(err, CAV_EINVAL, "epochs = %ld outside [0, inf)", c->epochs);
    if (!(c->lambda >= 0 && isfinite(c->lambda)))
        return cav_err_set(err, CAV_EINVAL, "lambda = %g outside [0, inf)", c->lambda);
    if (c->ntest < 2) return cav_err_set(err, CAV_EINVAL, "ntest = %ld outside [2, inf)", c->ntest);
    if (c->draws < 1) return cav_err_set(err, CAV_EINVAL, "draws = %ld outside [1, inf)", c->draws);
    return CAV_OK;
}

/* Top two eigenvectors of X^T X/n as unit vectors pc[0..d) (first) and pc[d..2d) (second);
 * lmax = top eigenvalue. Through the smaller Gram matrix. */
static int pca_top2(size_t n, size_t d, const double *X, double *pc, double *lmax, cav_err *err)
{
    size_t m = n < d ? n : d;
    int k = m >= 2 ? 2 : 1;
    double *C = malloc(sizeof(double) * m * m), *ev = malloc(sizeof(double) * m);
    double *Z = malloc(sizeof(double) * m * 2);
    lapack_int *isup = malloc(sizeof(lapack_int) * 4);
    int st = CAV_OK;
    if (!C || !ev || !Z || !isup) {
        st = cav_err_set(err, CAV_ENOMEM, "pca: out of memory (%zu x %zu Gram matrix)", m, m);
        goto done;
    }
    if (n >= d)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)d, (blasint)n, 1.0 / (double)n,
                    X, (blasint)d, 0.0, C, (blasint)d);
    else
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (blasint)n, (blasint)d,
                    1.0 / (double)n, X, (blasint)d, 0.0, C, (blasint)n);
    lapack_int got = 0;
    lapack_int info =
        LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)m, C, (lapack_int)m, 0, 0,
                       (lapack_int)(m - (size_t)k + 1), (lapack_int)m, 0.0, &got, ev, Z, 2, isup);
    if (info || got != k) {
        st = cav_err_set(err, CAV_ENUMERIC, "pca: dsyevr failed (info %d)", (int)info);
        goto done;
    }
    *lmax = ev[k - 1];
    memset(pc, 0, sizeof(double) * 2 * d);
    for (int j = 0; j < k; j++) {
        int col = k - 1 - j;
        double *p = pc + (size_t)j * d;
        if (n >= d) {
            for (size_t i = 0; i < d; i++)
                p[i] = Z[i * 2 + (size_t)col];
        } else { /* right singular vector X^T a */
            for (size_t i = 0; i < n; i++) {
                double a = Z[i * 2 + (size_t)col];
                const double *x = X + i * d;
                for (size_t l = 0; l < d; l++)
                    p[l] += a * x[l];
            }
        }
        double s = cav_la_nrm2(d, p);
        for (size_t i = 0; i < d; i++)
            p[i] /= s;
    }
done:
    free(C), free(ev), free(Z), free(isup);
    return st;
}

/* Train the tied autoencoder; w (d) receives the weights, *train the objective / n. */
static int train_ae(const cav_hf_sim_config *c, size_t n, const double *X, double *w, double *train,
                    cav_err *err)
{
    cav_nn_spec s;
    cav_nn_spec_default(&s);
    s.d = c->d;
    s.hidden = 1;
    s.width[0] = 1;
    s.act[0] = c->act;
    s.k = c->d;
    s.scale[0] = s.scale[1] = 1.0 / sqrt((double)c->d);
    s.tie[1] = 1;
    cav_nn *net = NULL;
    int rc = cav_nn_alloc(&s, &net, err);
    if (rc) return rc;
    rc = cav_nn_init_layer(net, 0, CAV_NN_INIT_W, CAV_NN_NORMAL, 1.0, c->seed,
                           cav_rng_hash("hf-init"), err);
    if (!rc && c->engine == CAV_HF_ADAM_FUSED) { /* the same start, one pass per epoch */
        cav_nn_train_opts o;
        cav_nn_train_opts_default(&o);
        o.lr = c->lr;
        o.steps = c->epochs;
        memcpy(w, cav_nn_weight(net, 0), sizeof(double) * c->d);
        double obj = NAN;
        rc = hf_adam_tied(n, c->d, X, c->act, c->lambda, &o, w, &obj, NULL, err);
        *train = obj / (double)n;
    } else if (!rc) {
        cav_nn_layer(net, 0)->wd = c->lambda;
        cav_nn_train_opts o;
        cav_nn_train_opts_default(&o);
        o.method = CAV_NN_ADAM;
        o.lr = c->lr;
        o.steps = c->epochs;
        o.seed = c->seed;
        cav_nn_loss loss = {CAV_NN_SQUARE, 1};
        cav_nn_data data = {.n = n, .X = X, .Y = X};
        cav_nn_train_info info;
        rc = cav_nn_train(net, &loss, &data, &o, &info, err);
        memcpy(w, cav_nn_weight(net, 0), sizeof(double) * c->d);
        *train = info.loss / (double)n;
    }
    cav_nn_free(net);
    return rc;
}

int cav_hf_sim_run(const cav_hf_sim_config *c, cav_hf_sim_result *r, cav_err *err)
{
    memset(r, 0, sizeof *r);
    r->theta_u = r->theta_v = r->m_u = r->m_v = r->q = NAN;
    r->train_loss = r->test_loss = r->test_loss_se = r->downstream_error = NAN;
    int rc = cav_hf_sim_check(c, err);
    if (rc) {
        r->status = rc;
        snprintf(r->msg, sizeof r->msg, "%s", err ? err->msg : "bad configuration");
        return rc;
    }
    const size_t d = c->d, n = n_of(c);
    double *u = malloc(sizeof(double) * d), *v = malloc(sizeof(double) * d);
    double *X = malloc(sizeof(double) * n * d), *w = malloc(sizeof(double) * 2 * d);
    if (!u || !v || !X || !w) {
        rc = cav_err_set(err, CAV_ENOMEM, "out of memory (n = %zu, d = %zu)", n, d);
        goto done;
    }
    cav_hf_spikes(d, c->seed, u, v, NULL);
    cav_hf_sample(&c->data, d, u, v, n, c->seed, cav_rng_hash("hf-train"), X, NULL, NULL, NULL);
    double sx2 = 0; /* mean ||x||^2/2, the constant the reduced losses drop */
    for (size_t i = 0; i < n * d; i++)
        sx2 += X[i] * X[i];
    sx2 /= 2.0 * (double)n;
    const double sd = sqrt((double)d);
    double train = NAN, q;
    if (c->learner == CAV_HF_PCA) {
        double lmax = NAN;
        rc = pca_top2(n, d, X, w, &lmax, err);
        if (rc) goto done;
        double tv1 = fabs(cav_la_dot(d, w, v)) / sd, tv2 = fabs(cav_la_dot(d, w + d, v)) / sd;
        r->theta_v = tv1 > tv2 ? tv1 : tv2;
        for (size_t i = 0; i < d; i++)
            w[i] *= sd; /* q = 1 */
        train = -lmax / 2.0;
        q = 1.0;
    } else {
        rc = train_ae(c, n, X, w, &train, err);
        if (rc && rc != CAV_EDIVERGE) goto done;
        train -= sx2 + c->lambda * cav_la_dot(d, w, w) / (2.0 * (double)n);
        q = cav_la_dot(d, w, w) / (double)d;
        r->theta_v = fabs(cav_la_dot(d, w, v)) / (sd * sqrt(q * (double)d));
    }
    /* a w with its sign: the orientation matters downstream (as in the paper) */
    r->q = q;
    r->m_u = cav_la_dot(d, w, u) / (double)d;
    r->m_v = cav_la_dot(d, w, v) / (double)d;
    r->theta_u = fabs(r->m_u) / sqrt(q);
    r->train_loss = train;
    if (rc == CAV_EDIVERGE || !isfinite(q)) {
        r->status = CAV_EDIVERGE;
        snprintf(r->msg, sizeof r->msg, "Adam diverged");
        rc = CAV_EDIVERGE;
        goto done;
    }
    const cav_activation_type *act = c->learner == CAV_HF_PCA ? &cav_act_linear : c->act;
    double qloss = c->learner == CAV_HF_PCA ? 1.0 : q; /* linear at q = 1: -h^2/2, the rank-1
                                                          projector's reduced loss */
    cav_hf_test_loss_mc(&c->data, act, r->m_u, r->m_v, qloss, c->ntest, c->seed, &r->test_loss,
                        &r->test_loss_se);
    r->downstream_error = cav_hf_downstream(&c->data, r->m_u, r->m_v, q, c->draws, 100, c->seed,
                                            cav_rng_hash("hf-down"));
done:
    free(u), free(v), free(X), free(w);
    if (rc && !r->status) {
        r->status = rc;
        snprintf(r->msg, sizeof r->msg, "%s", err ? err->msg : "failed");
    }
    return rc;
}
