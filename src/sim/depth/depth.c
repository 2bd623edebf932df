/* sim/depth/depth.c — the depth experiment (cavity/depth.h; Dandi, Pesce, Zdeborová & Krzakala,
 * arXiv:2502.13961): configuration, validation, and the four learners on one data set. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/depth.h"
#include "cavity/nn.h"
#include "cavity/rng.h"

size_t depth_level_size(size_t d, double eps);
double depth_pvar(const double *c);

void cav_depth_config_default(cav_depth_config *c)
{
    if (!c) return;
    memset(c, 0, sizeof *c);
    c->d = 64;
    c->levels = 1;
    c->eps[0] = 0.5;
    c->eps[1] = 0.25;
    c->eps[2] = 0.125;
    c->branches = 1;
    c->pcoef[2] = 1.0;
    c->pcoef[3] = 1.0;
    c->gstar = &cav_act_tanh;
    c->gscale = 3.0;
    c->kappa = 1.5;
    c->n_test = 1000;
    c->learners = CAV_DEPTH_LAYERWISE | CAV_DEPTH_KERNEL;
    c->act = &cav_act_relu;
    c->p1 = 512;
    c->p2 = 100;
    c->p_two = 0;
    c->eps_init = 0.2;
    c->t1 = 0;
    c->lr1 = 0.5;
    c->batch_frac = 0.7;
    c->ridge2 = 1e-3;
    c->eta2 = 1.0;
    c->lambda3 = 1e-4;
    c->lambda_two = 1e-4;
    c->t_joint = 300;
    c->opt_joint = CAV_NN_ADAM;
    c->lr_joint = 1e-3;
    c->lambda_kernel = 1e-4;
    c->seed = 0;
}

static size_t n_of(const cav_depth_config *c)
{
    return (size_t)floor(pow((double)c->d, c->kappa) + 1e-9);
}

#define POS(x, name)                                                                               \
    do {                                                                                           \
        if (!((x) > 0.0) || !isfinite(x))                                                          \
            return cav_err_set(err, CAV_EINVAL, "depth: %s = %g must be finite and > 0", name,     \
                               (double)(x));                                                       \
    } while (0)
#define NONNEG(x, name)                                                                            \
    do {                                                                                           \
        if (!((x) >= 0.0) || !isfinite(x))                                                         \
            return cav_err_set(err, CAV_EINVAL, "depth: %s = %g must be finite and >= 0", name,    \
                               (double)(x));                                                       \
    } while (0)

int cav_depth_check(const cav_depth_config *c, cav_err *err)
{
    if (!c) return cav_err_set(err, CAV_EINVAL, "depth: config is NULL");
    if (c->d < 2) return cav_err_set(err, CAV_EINVAL, "depth: d = %zu (must be >= 2)", c->d);
    if (c->levels < 1 || c->levels > CAV_DEPTH_MAX_LEVELS)
        return cav_err_set(err, CAV_EINVAL, "depth: levels = %d outside 1..%d", c->levels,
                           CAV_DEPTH_MAX_LEVELS);
    for (int l = 0; l < c->levels; l++) {
        if (!(c->eps[l] > 0.0 && c->eps[l] < 1.0))
            return cav_err_set(err, CAV_EINVAL, "depth: eps%d = %g outside (0, 1)", l + 1,
                               c->eps[l]);
        if (l && !(c->eps[l] < c->eps[l - 1]))
            return cav_err_set(err, CAV_EINVAL, "depth: eps%d = %g must be below eps%d = %g", l + 1,
                               c->eps[l], l, c->eps[l - 1]);
        if (depth_level_size(c->d, c->eps[l]) < 1)
            return cav_err_set(err, CAV_EINVAL, "depth: floor(d^eps%d) = 0", l + 1);
    }
    size_t m1 = depth_level_size(c->d, c->eps[0]);
    if (m1 > 1024) return cav_err_set(err, CAV_EINVAL, "depth: d^eps1 = %zu exceeds 1024", m1);
    if (c->branches < 1 || c->branches > CAV_DEPTH_MAX_BRANCHES)
        return cav_err_set(err, CAV_EINVAL, "depth: branches = %d outside 1..%d", c->branches,
                           CAV_DEPTH_MAX_BRANCHES);
    if ((size_t)c->branches * m1 > c->d)
        return cav_err_set(err, CAV_EINVAL,
                           "depth: branches x d^eps1 = %d x %zu exceeds d = %zu (W* needs "
                           "orthonormal rows)",
                           c->branches, m1, c->d);
    for (int j = 0; j < 5; j++)
        if (!isfinite(c->pcoef[j]))
            return cav_err_set(err, CAV_EINVAL, "depth: pcoef[%d] is not finite", j);
    if (depth_pvar(c->pcoef) <= 0.0)
        return cav_err_set(err, CAV_EINVAL,
                           "depth: the polynomial P is constant (pcoef[1..4] = 0)");
    if (!c->gstar || !c->gstar->eval)
        return cav_err_set(err, CAV_EINVAL, "depth: outer function gstar not set (one of %s)",
                           cav_activation_names());
    if (!isfinite(c->gscale))
        return cav_err_set(err, CAV_EINVAL, "depth: gscale = %g is not finite", c->gscale);
    if (!isfinite(c->kappa) || !(c->kappa > 0.0))
        return cav_err_set(err, CAV_EINVAL, "depth: kappa = %g must be finite and > 0", c->kappa);
    if ((double)n_of(c) < 2.0 || pow((double)c->d, c->kappa) > 1e6)
        return cav_err_set(err, CAV_EINVAL, "depth: n = d^kappa = %g outside 2..1e6",
                           pow((double)c->d, c->kappa));
    if (c->n_test < 1) return cav_err_set(err, CAV_EINVAL, "depth: n_test = 0 (must be >= 1)");
    if (c->learners < 1 || c->learners > CAV_DEPTH_ALL)
        return cav_err_set(err, CAV_EINVAL,
                           "depth: learners = %d must be a non-empty mask of layerwise (1), "
                           "two-layer (2), joint (4), kernel (8)",
                           c->learners);
    if (c->learners & (CAV_DEPTH_LAYERWISE | CAV_DEPTH_TWO_LAYER | CAV_DEPTH_JOINT)) {
        if (!c->act || !c->act->eval)
            return cav_err_set(err, CAV_EINVAL, "depth: network activation not set (one of %s)",
                               cav_activation_names());
        if (c->p1 < 1 || c->p2 < 1)
            return cav_err_set(err, CAV_EINVAL, "depth: widths p1 = %zu, p2 = %zu must be >= 1",
                               c->p1, c->p2);
        if (c->t1 < 0) return cav_err_set(err, CAV_EINVAL, "depth: t1 = %ld < 0", c->t1);
        if (c->t_joint < 0)
            return cav_err_set(err, CAV_EINVAL, "depth: t_joint = %ld < 0", c->t_joint);
        POS(c->eps_init, "eps_init");
        POS(c->lr1, "lr1");
        POS(c->eta2, "eta2");
        POS(c->lr_joint, "lr_joint");
        if (c->opt_joint != CAV_NN_ADAM && c->opt_joint != CAV_NN_SGD)
            return cav_err_set(err, CAV_EINVAL, "depth: unknown joint optimiser %d (adam, sgd)",
                               c->opt_joint);
        NONNEG(c->ridge2, "ridge2");
        NONNEG(c->lambda3, "lambda3");
        NONNEG(c->lambda_two, "lambda_two");
        if (!(c->batch_frac > 0.0 && c->batch_frac <= 1.0))
            return cav_err_set(err, CAV_EINVAL, "depth: batch_frac = %g outside (0, 1]",
                               c->batch_frac);
    }
    NONNEG(c->lambda_kernel, "lambda_kernel");
    return CAV_OK;
}

/* Shared state of one run. */
typedef struct run_ctx {
    const cav_depth_config *c;
    cav_depth_target *tg;
    size_t n, nt, d;
    double *X, *y, *Xt, *yt, *ht;
    double *f; /* test predictions */
} run_ctx;

static double mse(size_t n, const double *f, const double *y)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (f[i] - y[i]) * (f[i] - y[i]);
    return s / (double)n;
}

/* A network with the authors' initialisation: hidden = 1 (2-layer) or 2 (3-layer). */
static int make_net(const run_ctx *r, int hidden, size_t p1, uint64_t stream, cav_nn **out,
                    cav_err *err)
{
    const cav_depth_config *c = r->c;
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = r->d;
    sp.hidden = hidden;
    sp.width[0] = p1;
    sp.width[1] = c->p2;
    sp.act[0] = sp.act[1] = c->act;
    sp.bias[0] = 1;
    sp.bias[1] = hidden == 2;
    sp.k = 1;
    int st = cav_nn_alloc(&sp, out, err);
    if (st) return st;
    cav_nn *net = *out;
    const double e = c->eps_init;
    const uint64_t s = c->seed;
    st = cav_nn_init_layer(net, 0, CAV_NN_INIT_W, CAV_NN_NORMAL, 1.0 / sqrt((double)r->d), s,
                           stream, err);
    if (!st) st = cav_nn_init_layer(net, 0, CAV_NN_INIT_B, CAV_NN_UNIFORM, 1.0, s, stream, err);
    if (!st)
        st = cav_nn_init_layer(net, 1, CAV_NN_INIT_W, CAV_NN_NORMAL, e / sqrt((double)p1), s,
                               stream, err);
    if (!st && hidden == 2) {
        st = cav_nn_init_layer(net, 1, CAV_NN_INIT_B, CAV_NN_UNIFORM, 1.0, s, stream, err);
        if (!st)
            st = cav_nn_init_layer(net, 2, CAV_NN_INIT_W, CAV_NN_NORMAL, e / sqrt((double)c->p2), s,
                                   stream, err);
    }
    for (int l = 0; l <= hidden; l++)
        cav_nn_layer(net, l)->freeze_b = 1; /* biases are fixed, never trained */
    if (st) {
        cav_nn_free(net);
        *out = NULL;
    }
    return st;
}

/* Stage 1: spherical mini-batch SGD on W1 with the correlation loss, the other layers frozen.
 * The rate is lr1 over the root-mean-square norm of the tangent row gradients at the start. */
static int stage1(const run_ctx *r, cav_nn *net, cav_err *err)
{
    const cav_depth_config *c = r->c;
    const int L = cav_nn_get_spec(net)->hidden;
    const size_t p = cav_nn_rows(net, 0), d = r->d;
    cav_nn_loss corr = {CAV_NN_CORR, 0};
    cav_nn_data data = {r->n, r->X, r->y, NULL};
    double *g = malloc(cav_nn_nparams(net) * sizeof *g);
    if (!g) return cav_err_set(err, CAV_ENOMEM, "depth: cannot allocate a gradient");
    int st = cav_nn_loss_grad(net, &corr, &data, NULL, g, err);
    const double *W = cav_nn_weight(net, 0);
    double ss = 0.0;
    for (size_t i = 0; i < p && !st; i++) { /* W1 comes first in the flat vector */
        double gw = 0.0, ww = 0.0, gg = 0.0;
        for (size_t j = 0; j < d; j++) {
            gw += g[i * d + j] * W[i * d + j];
            ww += W[i * d + j] * W[i * d + j];
            gg += g[i * d + j] * g[i * d + j];
        }
        ss += gg - gw * gw / ww;
    }
    free(g);
    if (st) return st;
    double rms = sqrt(ss / (double)p);
    if (!(rms > 0.0)) return CAV_OK; /* nothing to follow */
    for (int l = 0; l <= L; l++)
        cav_nn_layer(net, l)->freeze_w = l > 0;
    cav_nn_layer(net, 0)->spherical = 1;
    cav_nn_train_opts o;
    cav_nn_train_opts_default(&o);
    o.method = CAV_NN_SGD;
    o.lr = c->lr1 / rms;
    o.steps = c->t1 ? c->t1 : (long)floor(15.0 * log((double)d));
    o.batch = (size_t)floor(c->batch_frac * (double)r->n);
    if (o.batch < 1) o.batch = 1;
    o.batch_mode = CAV_NN_BATCH_RANDOM;
    o.seed = c->seed;
    o.stream = cav_rng_hash("depth/batch");
    st = cav_nn_train(net, &corr, &data, &o, NULL, err);
    cav_nn_layer(net, 0)->spherical = 0;
    return st;
}

/* M_h: mean over second-layer units with a non-zero row of |cos(z2_j, h*)| on the test set. */
static double overlap_h(const run_ctx *r, cav_nn *net, cav_err *err)
{
    const size_t p2 = cav_nn_rows(net, 1), p1 = cav_nn_cols(net, 1), nt = r->nt;
    const size_t K = (size_t)r->c->branches;
    double *Z = malloc(nt * p2 * sizeof *Z);
    if (!Z || cav_nn_hidden_out(net, 1, 1, nt, r->Xt, Z, err)) {
        free(Z);
        return NAN;
    }
    const double *W2 = cav_nn_weight(net, 1);
    double acc = 0.0, hh = 0.0;
    size_t cnt = 0;
    for (size_t i = 0; i < nt; i++)
        hh += r->ht[i * K] * r->ht[i * K];
    for (size_t j = 0; j < p2; j++) {
        double rw = 0.0;
        for (size_t q = 0; q < p1; q++)
            rw += fabs(W2[j * p1 + q]);
        if (rw == 0.0) continue;
        double zh = 0.0, zz = 0.0;
        for (size_t i = 0; i < nt; i++) {
            zh += Z[i * p2 + j] * r->ht[i * K];
            zz += Z[i * p2 + j] * Z[i * p2 + j];
        }
        if (zz > 0.0) acc += fabs(zh) / sqrt(zz * hh);
        cnt++;
    }
    free(Z);
    return cnt ? acc / (double)cnt : NAN;
}

static int run_layerwise(const run_ctx *r, cav_depth_result *res, cav_err *err)
{
    const cav_depth_config *c = r->c;
    cav_nn *net = NULL;
    int st = make_net(r, 2, c->p1, cav_rng_hash("depth/net3"), &net, err);
    if (!st) st = stage1(r, net, err);
    if (st) goto out;
    res->mw_layerwise = cav_depth_overlap_w(r->tg, c->p1, cav_nn_weight(net, 0));
    /* Stage 2: W2 <- 0, w3 ~ N(0, 1), one preconditioned step on the correlation loss. */
    memset(cav_nn_weight(net, 1), 0, c->p2 * c->p1 * sizeof(double));
    st = cav_nn_init_layer(net, 2, CAV_NN_INIT_W, CAV_NN_NORMAL, 1.0, c->seed,
                           cav_rng_hash("depth/w3"), err);
    cav_nn_loss corr = {CAV_NN_CORR, 0};
    cav_nn_data data = {r->n, r->X, r->y, NULL};
    if (!st) st = cav_nn_precond_step(net, 1, &corr, &data, 1.0, c->ridge2, err);
    if (st) goto out;
    {
        /* rescale W2 so that the pre-activations W2 a1 have rms eta2 over the training set */
        const size_t n = r->n, p1 = c->p1, p2 = c->p2;
        double *b2 = malloc(p2 * sizeof *b2), *Z = malloc(n * p2 * sizeof *Z);
        if (!b2 || !Z) {
            free(b2), free(Z);
            st = cav_err_set(err, CAV_ENOMEM, "depth: cannot allocate the stage-2 features");
            goto out;
        }
        memcpy(b2, cav_nn_bias(net, 1), p2 * sizeof *b2);
        memset(cav_nn_bias(net, 1), 0, p2 * sizeof *b2);
        st = cav_nn_hidden_out(net, 1, 1, n, r->X, Z, err); /* W2 a1 without bias */
        memcpy(cav_nn_bias(net, 1), b2, p2 * sizeof *b2);
        double ss = 0.0;
        size_t alive = 0;
        const double *W2 = cav_nn_weight(net, 1);
        for (size_t j = 0; j < p2 && !st; j++) {
            double rw = 0.0, zz = 0.0;
            for (size_t q = 0; q < p1; q++)
                rw += fabs(W2[j * p1 + q]);
            if (rw == 0.0) continue;
            for (size_t i = 0; i < n; i++)
                zz += Z[i * p2 + j] * Z[i * p2 + j];
            ss += zz / (double)n;
            alive++;
        }
        free(b2), free(Z);
        if (st) goto out;
        if (alive && ss > 0.0) {
            double f = c->eta2 / sqrt(ss / (double)alive);
            double *W = cav_nn_weight(net, 1);
            for (size_t i = 0; i < p1 * p2; i++)
                W[i] *= f;
        }
    }
    /* Stage 3: ridge regression of the readout. */
    st = cav_nn_ridge_readout(net, &data, c->lambda3, err);
    if (!st) st = cav_nn_forward(net, r->nt, r->Xt, r->f, 0, err);
    if (!st) {
        res->mse_layerwise = mse(r->nt, r->f, r->yt);
        res->mh_layerwise = overlap_h(r, net, err);
    }
out:
    cav_nn_free(net);
    return st;
}

static int run_two_layer(const run_ctx *r, cav_depth_result *res, cav_err *err)
{
    const cav_depth_config *c = r->c;
    const size_t p = c->p_two ? c->p_two : c->p1;
    cav_nn *net = NULL;
    int st = make_net(r, 1, p, cav_rng_hash("depth/net2"), &net, err);
    if (!st) st = stage1(r, net, err);
    if (st) goto out;
    res->mw_two_layer = cav_depth_overlap_w(r->tg, p, cav_nn_weight(net, 0));
    cav_nn_data data = {r->n, r->X, r->y, NULL};
    st = cav_nn_ridge_readout(net, &data, c->lambda_two, err);
    if (!st) st = cav_nn_forward(net, r->nt, r->Xt, r->f, 0, err);
    if (!st) res->mse_two_layer = mse(r->nt, r->f, r->yt);
out:
    cav_nn_free(net);
    return st;
}

static int run_joint(const run_ctx *r, cav_depth_result *res, cav_err *err)
{
    const cav_depth_config *c = r->c;
    cav_nn *net = NULL;
    int st = make_net(r, 2, c->p1, cav_rng_hash("depth/joint"), &net, err);
    if (st) return st;
    cav_nn_train_opts o;
    cav_nn_train_opts_default(&o);
    o.method = c->opt_joint;
    o.lr = c->lr_joint;
    o.steps = c->t_joint;
    o.batch = (size_t)floor(c->batch_frac * (double)r->n);
    if (o.batch < 1) o.batch = 1;
    o.batch_mode = CAV_NN_BATCH_RANDOM;
    o.seed = c->seed;
    o.stream = cav_rng_hash("depth/batch");
    cav_nn_loss sq = {CAV_NN_SQUARE, 0};
    cav_nn_data data = {r->n, r->X, r->y, NULL};
    st = cav_nn_train(net, &sq, &data, &o, NULL, err);
    if (!st) st = cav_nn_forward(net, r->nt, r->Xt, r->f, 0, err);
    if (!st) {
        res->mse_joint = mse(r->nt, r->f, r->yt);
        res->mw_joint = cav_depth_overlap_w(r->tg, c->p1, cav_nn_weight(net, 0));
        res->mh_joint = overlap_h(r, net, err);
    }
    cav_nn_free(net);
    return st;
}

static int run_kernel(const run_ctx *r, cav_depth_result *res, cav_err *err)
{
    const cav_depth_config *c = r->c;
    cav_nn_kernel ker = {2, {1.0, 1.0, 1.0}, (double)r->d};
    double *A = malloc(r->n * sizeof *A);
    if (!A) return cav_err_set(err, CAV_ENOMEM, "depth: cannot allocate the kernel weights");
    int st = cav_nn_krr_fit(&ker, r->n, r->d, r->X, 1, r->y, c->lambda_kernel, A, err);
    if (!st) st = cav_nn_krr_predict(&ker, r->n, r->d, r->X, 1, A, r->nt, r->Xt, r->f, err);
    if (!st) res->mse_kernel = mse(r->nt, r->f, r->yt);
    free(A);
    return st;
}

int cav_depth_run(const cav_depth_config *c, cav_depth_result *res, cav_err *err)
{
    if (!res) return cav_err_set(err, CAV_EINVAL, "depth: result is NULL");
    memset(res, 0, sizeof *res);
    res->mse_null = res->mse_layerwise = res->mse_two_layer = res->mse_joint = NAN;
    res->mse_kernel = res->mw_random = res->mw_layerwise = res->mw_two_layer = NAN;
    res->mw_joint = res->mh_layerwise = res->mh_joint = NAN;
    res->kappa = NAN;
    cav_err e = {0};
    run_ctx r = {0};
    r.c = c;
    int st = cav_depth_target_alloc(c, &r.tg, &e);
    if (st) goto done;
    r.d = c->d;
    r.n = n_of(c);
    r.nt = c->n_test;
    res->n = r.n;
    res->kappa = log((double)r.n) / log((double)r.d);
    res->mw_random = sqrt((double)(c->branches * depth_level_size(c->d, c->eps[0])) / (double)c->d);
    r.X = malloc(r.n * r.d * sizeof *r.X);
    r.y = malloc(r.n * sizeof *r.y);
    r.Xt = malloc(r.nt * r.d * sizeof *r.Xt);
    r.yt = malloc(r.nt * sizeof *r.yt);
    r.ht = malloc(r.nt * (size_t)c->branches * sizeof *r.ht);
    r.f = malloc(r.nt * sizeof *r.f);
    if (!r.X || !r.y || !r.Xt || !r.yt || !r.ht || !r.f) {
        st = cav_err_set(&e, CAV_ENOMEM, "depth: cannot allocate n x d = %zu x %zu", r.n, r.d);
        goto done;
    }
    cav_rng_normal_matrix(c->seed, cav_rng_hash("depth/x"), r.n, r.d, 1.0, r.X);
    cav_rng_normal_matrix(c->seed, cav_rng_hash("depth/test"), r.nt, r.d, 1.0, r.Xt);
    cav_depth_target_eval(r.tg, r.n, r.X, r.y, NULL);
    cav_depth_target_eval(r.tg, r.nt, r.Xt, r.yt, r.ht);
    res->mse_null = 0.0;
    for (size_t i = 0; i < r.nt; i++)
        res->mse_null += r.yt[i] * r.yt[i] / (double)r.nt;
    if (c->learners & CAV_DEPTH_LAYERWISE) st = run_layerwise(&r, res, &e);
    if (!st && (c->learners & CAV_DEPTH_TWO_LAYER)) st = run_two_layer(&r, res, &e);
    if (!st && (c->learners & CAV_DEPTH_JOINT)) st = run_joint(&r, res, &e);
    if (!st && (c->learners & CAV_DEPTH_KERNEL)) st = run_kernel(&r, res, &e);
done:
    res->status = st;
    if (st) {
        snprintf(res->msg, sizeof res->msg, "%s", e.msg);
        cav_err_set(err, st, "%s", e.msg);
    }
    cav_depth_target_free(r.tg);
    free(r.X), free(r.y), free(r.Xt), free(r.yt), free(r.ht), free(r.f);
    return st;
}
