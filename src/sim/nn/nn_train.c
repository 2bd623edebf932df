/* sim/nn/nn_train.c — optimisers of the network engine: full-batch GD, mini-batch SGD and Adam
 * with per-layer learning rates, freezing and spherical rows (cav_nn_train); one preconditioned
 * step on a layer (cav_nn_precond_step); ridge regression of the readout (cav_nn_ridge_readout).
 *
 * Adam is PyTorch's (Kingma & Ba 2015 with bias correction): with g the gradient of the
 * objective (weight decay included, i.e. PyTorch's L2 `weight_decay`),
 *     m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
 *     theta <- theta - lr_l lr (m/(1 - b1^t)) / (sqrt(v/(1 - b2^t)) + eps),   t = 1, 2, ...
 * Spherical rows (Riemannian SGD on the sphere, as in the layer-wise schedule of Dandi et al.
 * arXiv:2502.13961, Alg. 1): g_i <- g_i - (g_i.w_i/|w_i|^2) w_i before the step and
 * w_i <- |w_i^0| w_i/|w_i| after it, |w_i^0| the row's norm when training started. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/rng.h"
#include "sim/nn/nn_internal.h"
#include "sim/nn/nn_la.h"

void cav_nn_train_opts_default(cav_nn_train_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->method = CAV_NN_ADAM;
    o->lr = 1e-3;
    o->steps = 100;
    o->batch = 0;
    o->batch_mode = CAV_NN_BATCH_EPOCH;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->eps = 1e-8;
}

static int check_opts(const cav_nn *net, const cav_nn_train_opts *o, cav_err *err)
{
    if (!o) return cav_err_set(err, CAV_EINVAL, "nn_train: opts is NULL");
    if (o->method < CAV_NN_GD || o->method > CAV_NN_ADAM)
        return cav_err_set(err, CAV_EINVAL, "nn_train: unknown optimiser %d (gd, sgd, adam)",
                           o->method);
    if (!(o->lr > 0.0) || !isfinite(o->lr))
        return cav_err_set(err, CAV_EINVAL,
                           "nn_train: learning rate lr = %g must be finite and > 0", o->lr);
    if (o->steps < 0)
        return cav_err_set(err, CAV_EINVAL, "nn_train: steps = %ld must be >= 0", o->steps);
    if (o->batch_mode != CAV_NN_BATCH_EPOCH && o->batch_mode != CAV_NN_BATCH_RANDOM)
        return cav_err_set(err, CAV_EINVAL, "nn_train: unknown batch mode %d (epoch, random)",
                           o->batch_mode);
    if (o->method == CAV_NN_ADAM) {
        if (!(o->beta1 >= 0.0 && o->beta1 < 1.0) || !(o->beta2 >= 0.0 && o->beta2 < 1.0))
            return cav_err_set(err, CAV_EINVAL, "nn_train: Adam betas (%g, %g) must lie in [0, 1)",
                               o->beta1, o->beta2);
        if (!(o->eps > 0.0) || !isfinite(o->eps))
            return cav_err_set(err, CAV_EINVAL, "nn_train: Adam eps = %g must be finite and > 0",
                               o->eps);
    }
    if (o->every < 0) return cav_err_set(err, CAV_EINVAL, "nn_train: every = %ld < 0", o->every);
    for (int l = 0; l <= net->L; l++) {
        const cav_nn_layer_opts *p = &net->opt[l];
        if (!(p->lr >= 0.0) || !isfinite(p->lr))
            return cav_err_set(err, CAV_EINVAL,
                               "nn_train: layer %d learning-rate multiplier %g must be finite and "
                               ">= 0",
                               l, p->lr);
        if (!(p->wd >= 0.0) || !isfinite(p->wd))
            return cav_err_set(err, CAV_EINVAL,
                               "nn_train: layer %d weight decay %g must be finite and >= 0", l,
                               p->wd);
        if (p->spherical && net->spec.tie[l])
            return cav_err_set(err, CAV_EINVAL,
                               "nn_train: layer %d is tied; make its owner spherical instead", l);
    }
    return CAV_OK;
}

static double sumsq(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i] * x[i];
    return s;
}

/* One parameter group's update (n values p with gradient g and Adam moments m, v). */
static void update(int method, size_t n, double *p, const double *g, double *m, double *v,
                   double lr, double b1, double b2, double eps, double c1, double c2)
{
    if (method != CAV_NN_ADAM) {
        for (size_t i = 0; i < n; i++)
            p[i] -= lr * g[i];
        return;
    }
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1.0 - b1) * g[i];
        v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
        p[i] -= lr * (m[i] / c1) / (sqrt(v[i] / c2) + eps);
    }
}

static void tangent(size_t rows, size_t cols, const double *W, double *G)
{
    for (size_t i = 0; i < rows; i++) {
        const double *w = W + i * cols;
        double *g = G + i * cols, gw = 0.0, ww = 0.0;
        for (size_t j = 0; j < cols; j++) {
            gw += g[j] * w[j];
            ww += w[j] * w[j];
        }
        if (ww > 0.0)
            for (size_t j = 0; j < cols; j++)
                g[j] -= gw / ww * w[j];
    }
}

static void renorm(size_t rows, size_t cols, double *W, const double *norms)
{
    for (size_t i = 0; i < rows; i++) {
        double *w = W + i * cols, ww = 0.0;
        for (size_t j = 0; j < cols; j++)
            ww += w[j] * w[j];
        if (ww > 0.0) {
            double f = norms[i] / sqrt(ww);
            for (size_t j = 0; j < cols; j++)
                w[j] *= f;
        }
    }
}

/* Copy the rows idx[0..B) of the data into the net's batch buffers. */
static void gather(cav_nn *net, const cav_nn_data *data, const size_t *idx, size_t B)
{
    const size_t d = net->spec.d, k = net->spec.k;
#pragma omp parallel for schedule(static) if (B * d > 100000)
    for (long r = 0; r < (long)B; r++) {
        size_t i = idx[r];
        memcpy(net->xb + (size_t)r * d, data->X + i * d, d * sizeof(double));
        if (data->Y) memcpy(net->yb + (size_t)r * k, data->Y + i * k, k * sizeof(double));
        if (data->labels) net->lb[r] = data->labels[i];
    }
}

/* Uniform integer in [0, m). */
static size_t rand_below(cav_rng *r, size_t m)
{
    return (size_t)(cav_rng_uniform(r) * (double)m) % m;
}

int cav_nn_train(cav_nn *net, const cav_nn_loss *loss, const cav_nn_data *data,
                 const cav_nn_train_opts *opts, cav_nn_train_info *info, cav_err *err)
{
    if (info) {
        memset(info, 0, sizeof *info);
        info->loss = NAN;
    }
    int st = nn_check_loss(net, loss, data, "nn_train", err);
    if (!st) st = check_opts(net, opts, err);
    if (st) {
        if (info) info->status = st;
        return st;
    }
    const int L = net->L, method = opts->method;
    const size_t n = data->n, B = opts->batch == 0 || opts->batch >= n ? n : opts->batch;
    const int full = B == n;
    int need[CAV_NN_MAX_LAYERS] = {0};
    for (int l = 0; l <= L; l++)
        need[l] = net->opt[l].lr > 0.0 &&
                  ((net->W[l] && !net->opt[l].freeze_w) || (net->b[l] && !net->opt[l].freeze_b));
    double *mom[2 * CAV_NN_MAX_LAYERS] = {0}, *vel[2 * CAV_NN_MAX_LAYERS] = {0};
    double *norms[CAV_NN_MAX_LAYERS] = {0};
    size_t *idx = NULL;
    st = nn_reserve(net, n, err);
    int ok = st == CAV_OK;
    if (ok && !full) ok = (idx = malloc(n * sizeof *idx)) != NULL;
    for (int l = 0; l <= L && ok; l++) {
        if (!need[l]) continue;
        size_t sw = net->W[l] ? net->in[l] * net->out[l] : 0, sb = net->b[l] ? net->out[l] : 0;
        if (method == CAV_NN_ADAM) {
            if (sw)
                ok &= (mom[2 * l] = calloc(sw, sizeof(double))) != NULL &&
                      (vel[2 * l] = calloc(sw, sizeof(double))) != NULL;
            if (sb)
                ok &= (mom[2 * l + 1] = calloc(sb, sizeof(double))) != NULL &&
                      (vel[2 * l + 1] = calloc(sb, sizeof(double))) != NULL;
        }
        if (net->opt[l].spherical && net->W[l]) {
            ok &= (norms[l] = malloc(net->out[l] * sizeof(double))) != NULL;
            if (ok)
                for (size_t i = 0; i < net->out[l]; i++)
                    norms[l][i] = sqrt(sumsq(net->W[l] + i * net->in[l], net->in[l]));
        }
    }
    if (!ok && st == CAV_OK)
        st = cav_err_set(err, CAV_ENOMEM, "nn_train: cannot allocate the optimiser state");
    if (st) goto done;
    if (idx)
        for (size_t i = 0; i < n; i++)
            idx[i] = i;

    int saved = nn_blas_enter();
    cav_rng rng;
    cav_rng_init(&rng, opts->seed, opts->stream, 0);
    const double b1 = opts->beta1, b2 = opts->beta2;
    double p1 = 1.0, p2 = 1.0;
    size_t pos = n; /* epoch mode: next unused position of the permutation */
    long t = 0;
    for (t = 0; t < opts->steps; t++) {
        const double *X = data->X, *Y = data->Y;
        const int *lab = data->labels;
        size_t nb = n;
        if (!full) {
            if (opts->batch_mode == CAV_NN_BATCH_EPOCH) {
                if (pos >= n) { /* new epoch: Fisher-Yates shuffle */
                    for (size_t i = n - 1; i > 0; i--) {
                        size_t j = rand_below(&rng, i + 1), tmp = idx[i];
                        idx[i] = idx[j];
                        idx[j] = tmp;
                    }
                    pos = 0;
                }
                nb = pos + B <= n ? B : n - pos;
                gather(net, data, idx + pos, nb);
                pos += nb;
            } else { /* B samples without replacement: partial Fisher-Yates */
                for (size_t i = 0; i < B; i++) {
                    size_t j = i + rand_below(&rng, n - i), tmp = idx[i];
                    idx[i] = idx[j];
                    idx[j] = tmp;
                }
                nb = B;
                gather(net, data, idx, nb);
            }
            X = net->xb;
            Y = data->Y ? net->yb : NULL;
            lab = data->labels ? net->lb : NULL;
        }
        double obj;
        nn_forward(net, nb, X, 1);
        nn_loss_delta(net, loss, nb, Y, lab, &obj);
        obj += nn_backward(net, nb, X, need);
        if (!isfinite(obj)) {
            st = cav_err_set(err, CAV_EDIVERGE,
                             "nn_train diverged: objective %g at step %ld (lr = %g, %s)", obj, t,
                             opts->lr, method == CAV_NN_ADAM ? "adam" : "gd/sgd");
            break;
        }
        if (opts->every > 0 && opts->observe && t % opts->every == 0 &&
            opts->observe(opts->ctx, t, obj))
            break;
        p1 *= b1;
        p2 *= b2;
        const double c1 = 1.0 - p1, c2 = 1.0 - p2;
        for (int l = 0; l <= L; l++) {
            if (!need[l]) continue;
            const double lr = opts->lr * net->opt[l].lr;
            if (net->W[l] && !net->opt[l].freeze_w) {
                const size_t rows = net->out[l], cols = net->in[l];
                if (norms[l]) tangent(rows, cols, net->W[l], net->gW[l]);
                update(method, rows * cols, net->W[l], net->gW[l], mom[2 * l], vel[2 * l], lr, b1,
                       b2, opts->eps, c1, c2);
                if (norms[l]) renorm(rows, cols, net->W[l], norms[l]);
            }
            if (net->b[l] && !net->opt[l].freeze_b)
                update(method, net->out[l], net->b[l], net->gb[l], mom[2 * l + 1], vel[2 * l + 1],
                       lr, b1, b2, opts->eps, c1, c2);
        }
    }
    if (info) info->steps = t;
    if (st == CAV_OK) {
        double obj;
        nn_forward(net, n, data->X, 0);
        nn_loss_delta(net, loss, n, data->Y, data->labels, &obj);
        for (int l = 0; l <= L; l++)
            if (net->W[l] && net->opt[l].wd != 0.0)
                obj += 0.5 * net->opt[l].wd * sumsq(net->W[l], net->in[l] * net->out[l]);
        if (info) info->loss = obj;
        if (opts->every > 0 && opts->observe) opts->observe(opts->ctx, t, obj);
        if (!isfinite(obj))
            st = cav_err_set(err, CAV_EDIVERGE, "nn_train diverged: final objective %g (lr = %g)",
                             obj, opts->lr);
    }
    nn_blas_leave(saved);
done:
    for (int i = 0; i < 2 * CAV_NN_MAX_LAYERS; i++)
        free(mom[i]), free(vel[i]);
    for (int l = 0; l < CAV_NN_MAX_LAYERS; l++)
        free(norms[l]);
    free(idx);
    if (info) info->status = st;
    return st;
}

int cav_nn_precond_step(cav_nn *net, int l, const cav_nn_loss *loss, const cav_nn_data *data,
                        double eta, double ridge, cav_err *err)
{
    int st = nn_check_loss(net, loss, data, "nn_precond_step", err);
    if (st) return st;
    if (l < 0 || l > net->L)
        return cav_err_set(err, CAV_EINVAL, "nn_precond_step: layer %d outside 0..%d", l, net->L);
    if (!net->W[l]) return cav_err_set(err, CAV_EINVAL, "nn_precond_step: layer %d is tied", l);
    if (!isfinite(eta))
        return cav_err_set(err, CAV_EINVAL, "nn_precond_step: step eta = %g is not finite", eta);
    if (!(ridge >= 0.0) || !isfinite(ridge))
        return cav_err_set(err, CAV_EINVAL, "nn_precond_step: ridge = %g must be finite and >= 0",
                           ridge);
    const size_t n = data->n, in = net->in[l], out = net->out[l];
    st = nn_reserve(net, n, err);
    if (st) return st;
    double *C = malloc(in * in * sizeof *C), *G = malloc(in * out * sizeof *G);
    if (!C || !G) {
        free(C), free(G);
        return cav_err_set(err, CAV_ENOMEM, "nn_precond_step: cannot allocate %zu x %zu", in, in);
    }
    int saved = nn_blas_enter();
    int need[CAV_NN_MAX_LAYERS] = {0};
    need[l] = 1;
    double v;
    nn_forward(net, n, data->X, 1);
    nn_loss_delta(net, loss, n, data->Y, data->labels, &v);
    nn_backward(net, n, data->X, need);
    const double *A = l ? net->A[l - 1] : data->X;
    nn_gemm(1, 0, in, in, n, 1.0 / (double)n, A, in, A, in, 0.0, C, in);
    for (size_t i = 0; i < in; i++)
        C[i * in + i] += ridge;
    int bad = nn_potrf(in, C);
    if (bad) {
        st = cav_err_set(err, CAV_ENUMERIC,
                         "nn_precond_step: C + ridge I of layer %d is not positive definite (minor "
                         "%d, ridge = %g): increase ridge",
                         l, bad, ridge);
    } else {
        for (size_t i = 0; i < out; i++) /* G <- gW^T (in x out) */
            for (size_t j = 0; j < in; j++)
                G[j * out + i] = net->gW[l][i * in + j];
        nn_potrs(in, out, C, G);
        for (size_t i = 0; i < out; i++)
            for (size_t j = 0; j < in; j++)
                net->W[l][i * in + j] -= eta * G[j * out + i];
    }
    nn_blas_leave(saved);
    free(C), free(G);
    return st;
}

int cav_nn_ridge_readout(cav_nn *net, const cav_nn_data *data, double lambda, cav_err *err)
{
    if (!net) return cav_err_set(err, CAV_EINVAL, "nn_ridge_readout: net is NULL");
    if (!data || !data->X || !data->Y || data->n < 1)
        return cav_err_set(err, CAV_EINVAL,
                           "nn_ridge_readout: data needs n >= 1 samples, inputs X and targets Y");
    if (!(lambda >= 0.0) || !isfinite(lambda))
        return cav_err_set(err, CAV_EINVAL, "nn_ridge_readout: lambda = %g must be finite and >= 0",
                           lambda);
    const int L = net->L;
    if (!net->W[L])
        return cav_err_set(err, CAV_EINVAL, "nn_ridge_readout: the output layer is tied");
    const size_t n = data->n, p = net->in[L], k = net->out[L];
    int st = nn_reserve(net, n, err);
    if (st) return st;
    double *Hc = malloc(n * p * sizeof *Hc), *G = malloc(p * p * sizeof *G);
    double *R = malloc(p * k * sizeof *R), *hbar = calloc(p, sizeof *hbar);
    double *ybar = calloc(k, sizeof *ybar), *Yc = malloc(n * k * sizeof *Yc);
    if (!Hc || !G || !R || !hbar || !ybar || !Yc) {
        st = cav_err_set(err, CAV_ENOMEM, "nn_ridge_readout: cannot allocate n x p = %zu x %zu", n,
                         p);
        goto out;
    }
    int saved = nn_blas_enter();
    if (L) nn_forward(net, n, data->X, 0);
    const double *H = L ? net->A[L - 1] : data->X;
    const int bias = net->b[L] != NULL;
    if (bias) {
        nn_colsum(n, p, 1.0 / (double)n, H, p, 0.0, hbar);
        nn_colsum(n, k, 1.0 / (double)n, data->Y, k, 0.0, ybar);
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < p; j++)
            Hc[i * p + j] = H[i * p + j] - hbar[j];
        for (size_t j = 0; j < k; j++)
            Yc[i * k + j] = data->Y[i * k + j] - ybar[j];
    }
    nn_gemm(1, 0, p, p, n, 1.0, Hc, p, Hc, p, 0.0, G, p);
    for (size_t i = 0; i < p; i++)
        G[i * p + i] += lambda * (double)n;
    nn_gemm(1, 0, p, k, n, 1.0, Hc, p, Yc, k, 0.0, R, k);
    int bad = nn_potrf(p, G);
    if (bad) {
        st = cav_err_set(err, CAV_ENUMERIC,
                         "nn_ridge_readout: H^T H + lambda n I is not positive definite (minor %d, "
                         "lambda = %g): increase lambda",
                         bad, lambda);
    } else {
        nn_potrs(p, k, G, R);
        const double s = nn_scale(net, L);
        for (size_t i = 0; i < k; i++) {
            double c = ybar[i];
            for (size_t j = 0; j < p; j++) {
                net->W[L][i * p + j] = R[j * k + i] / s;
                c -= R[j * k + i] * hbar[j];
            }
            if (bias) net->b[L][i] = c;
        }
    }
    nn_blas_leave(saved);
out:
    free(Hc), free(G), free(R), free(hbar), free(ybar), free(Yc);
    return st;
}
