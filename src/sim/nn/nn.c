/* sim/nn/nn.c — dense networks: allocation, parameters, initialisation, forward pass, losses and
 * the hand-written backward pass (conventions in cavity/nn.h).
 *
 * Activations are stored per batch: Z_l (pre-activations), A_l = sigma(Z_l) and D_l = sigma'(Z_l)
 * for the hidden layers, Z_L the logits. The backward pass walks the layers down from the output
 * with two delta buffers:
 *     dW_l = s_l delta_l^T A_{l-1},  db_l = column sums of delta_l,
 *     delta_{l-1} = s_l (delta_l W_l) o D_{l-1},
 * a tied layer (W_l = W_m^T) adding s_l A_{l-1}^T delta_l to the gradient of W_m. Every product
 * goes through nn_gemm (thread-count invariant, nn_la.h); per-sample losses are summed in sample
 * order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/rng.h"
#include "sim/nn/nn_cuda.h"
#include "sim/nn/nn_internal.h"
#include "sim/nn/nn_la.h"

void cav_nn_spec_default(cav_nn_spec *s)
{
    if (!s) return;
    memset(s, 0, sizeof *s);
    s->d = 1;
    s->k = 1;
    s->tau = 1.0;
    for (int l = 0; l < CAV_NN_MAX_HIDDEN; l++) {
        s->width[l] = 1;
        s->act[l] = &cav_act_relu;
    }
    for (int l = 0; l < CAV_NN_MAX_LAYERS; l++)
        s->scale[l] = 1.0;
}

static size_t layer_in(const cav_nn_spec *s, int l)
{
    return l == 0 ? s->d : s->width[l - 1];
}

static size_t layer_out(const cav_nn_spec *s, int l)
{
    return l == s->hidden ? s->k : s->width[l];
}

int cav_nn_spec_check(const cav_nn_spec *s, cav_err *err)
{
    if (!s) return cav_err_set(err, CAV_EINVAL, "nn: spec is NULL");
    if (s->d < 1) return cav_err_set(err, CAV_EINVAL, "nn: input dimension d = 0 (must be >= 1)");
    if (s->k < 1) return cav_err_set(err, CAV_EINVAL, "nn: output dimension k = 0 (must be >= 1)");
    if (s->hidden < 0 || s->hidden > CAV_NN_MAX_HIDDEN)
        return cav_err_set(err, CAV_EINVAL, "nn: hidden = %d layers outside 0..%d", s->hidden,
                           CAV_NN_MAX_HIDDEN);
    double np = 0.0;
    for (int l = 0; l < s->hidden; l++) {
        if (s->width[l] < 1)
            return cav_err_set(err, CAV_EINVAL, "nn: width of hidden layer %d = 0 (must be >= 1)",
                               l + 1);
        if (!s->act[l] || !s->act[l]->eval)
            return cav_err_set(err, CAV_EINVAL,
                               "nn: activation of hidden layer %d not set (one of "
                               "%s)",
                               l + 1, cav_activation_names());
    }
    if (!(s->tau > 0.0) || !isfinite(s->tau))
        return cav_err_set(err, CAV_EINVAL, "nn: temperature tau = %g must be finite and > 0",
                           s->tau);
    if (s->softmax && s->k < 2)
        return cav_err_set(err, CAV_EINVAL, "nn: softmax output needs k >= 2 classes (k = %zu)",
                           s->k);
    for (int l = 0; l <= s->hidden; l++) {
        if (!isfinite(s->scale[l]))
            return cav_err_set(err, CAV_EINVAL, "nn: scale[%d] = %g is not finite", l, s->scale[l]);
        int t = s->tie[l];
        size_t in = layer_in(s, l), out = layer_out(s, l);
        if (t < 0 || t > l)
            return cav_err_set(err, CAV_EINVAL,
                               "nn: tie[%d] = %d must be 0 (own weights) or m + 1 with m < %d", l,
                               t, l);
        if (t > 0) {
            int m = t - 1;
            if (s->tie[m])
                return cav_err_set(err, CAV_EINVAL, "nn: layer %d is tied to layer %d, itself tied",
                                   l, m);
            if (layer_out(s, m) != in || layer_in(s, m) != out)
                return cav_err_set(err, CAV_EINVAL,
                                   "nn: layer %d (%zu x %zu) cannot be tied to the transpose of "
                                   "layer %d (%zu x %zu)",
                                   l, out, in, m, layer_out(s, m), layer_in(s, m));
        } else {
            np += (double)in * (double)out;
        }
        np += s->bias[l] ? (double)out : 0.0;
    }
    if (np > 2e9) return cav_err_set(err, CAV_EINVAL, "nn: %g parameters (at most 2e9)", np);
    return CAV_OK;
}

void cav_nn_free(cav_nn *net)
{
    if (!net) return;
    for (int l = 0; l < CAV_NN_MAX_LAYERS; l++) {
        free(net->W[l]), free(net->b[l]), free(net->Z[l]), free(net->gW[l]), free(net->gb[l]);
        if (l < CAV_NN_MAX_HIDDEN) free(net->A[l]), free(net->D[l]);
    }
    free(net->dl[0]), free(net->dl[1]), free(net->lv), free(net->xb), free(net->yb);
    free(net->lb);
    nn_gpu_free(net->gpu);
    free(net);
}

int cav_nn_alloc(const cav_nn_spec *s, cav_nn **out, cav_err *err)
{
    if (!out) return cav_err_set(err, CAV_EINVAL, "nn: out is NULL");
    *out = NULL;
    int st = cav_nn_spec_check(s, err);
    if (st) return st;
    cav_nn *net = calloc(1, sizeof *net);
    if (!net) return cav_err_set(err, CAV_ENOMEM, "nn: cannot allocate the network");
    net->spec = *s;
    for (int l = 0; l < CAV_NN_MAX_LAYERS; l++)
        if (net->spec.scale[l] == 0.0) net->spec.scale[l] = 1.0;
    net->L = s->hidden;
    net->maxw = s->d > s->k ? s->d : s->k;
    int ok = 1;
    for (int l = 0; l <= net->L; l++) {
        size_t in = layer_in(s, l), o = layer_out(s, l);
        net->in[l] = in;
        net->out[l] = o;
        if (o > net->maxw) net->maxw = o;
        net->opt[l] = (cav_nn_layer_opts){1.0, 0.0, 0, 0, 0};
        if (!s->tie[l]) {
            net->W[l] = calloc(in * o, sizeof(double));
            net->gW[l] = calloc(in * o, sizeof(double));
            ok &= net->W[l] && net->gW[l];
            net->np += in * o;
        }
        if (s->bias[l]) {
            net->b[l] = calloc(o, sizeof(double));
            net->gb[l] = calloc(o, sizeof(double));
            ok &= net->b[l] && net->gb[l];
            net->np += o;
        }
    }
    if (!ok) {
        cav_nn_free(net);
        return cav_err_set(err, CAV_ENOMEM, "nn: cannot allocate the parameters");
    }
    *out = net;
    return CAV_OK;
}

int cav_nn_copy(const cav_nn *src, cav_nn **out, cav_err *err)
{
    if (!src) return cav_err_set(err, CAV_EINVAL, "nn_copy: source is NULL");
    int st = cav_nn_alloc(&src->spec, out, err);
    if (st) return st;
    cav_nn *net = *out;
    for (int l = 0; l <= src->L; l++) {
        if (src->W[l]) memcpy(net->W[l], src->W[l], src->in[l] * src->out[l] * sizeof(double));
        if (src->b[l]) memcpy(net->b[l], src->b[l], src->out[l] * sizeof(double));
        net->opt[l] = src->opt[l];
    }
    return CAV_OK;
}

const cav_nn_spec *cav_nn_get_spec(const cav_nn *net)
{
    return net ? &net->spec : NULL;
}

cav_nn_layer_opts *cav_nn_layer(cav_nn *net, int l)
{
    return net && l >= 0 && l <= net->L ? &net->opt[l] : NULL;
}

double *cav_nn_weight(cav_nn *net, int l)
{
    return net && l >= 0 && l <= net->L ? nn_wptr(net, l, NULL) : NULL;
}

double *cav_nn_bias(cav_nn *net, int l)
{
    return net && l >= 0 && l <= net->L ? net->b[l] : NULL;
}

size_t cav_nn_rows(const cav_nn *net, int l)
{
    return net && l >= 0 && l <= net->L ? net->out[l] : 0;
}

size_t cav_nn_cols(const cav_nn *net, int l)
{
    return net && l >= 0 && l <= net->L ? net->in[l] : 0;
}

size_t cav_nn_nparams(const cav_nn *net)
{
    return net ? net->np : 0;
}

void cav_nn_get_params(const cav_nn *net, double *theta)
{
    size_t o = 0;
    for (int l = 0; l <= net->L; l++) {
        if (net->W[l]) {
            memcpy(theta + o, net->W[l], net->in[l] * net->out[l] * sizeof(double));
            o += net->in[l] * net->out[l];
        }
        if (net->b[l]) {
            memcpy(theta + o, net->b[l], net->out[l] * sizeof(double));
            o += net->out[l];
        }
    }
}

void cav_nn_set_params(cav_nn *net, const double *theta)
{
    size_t o = 0;
    for (int l = 0; l <= net->L; l++) {
        if (net->W[l]) {
            memcpy(net->W[l], theta + o, net->in[l] * net->out[l] * sizeof(double));
            o += net->in[l] * net->out[l];
        }
        if (net->b[l]) {
            memcpy(net->b[l], theta + o, net->out[l] * sizeof(double));
            o += net->out[l];
        }
    }
}

static void fill(double *x, size_t n, int kind, double scale, uint64_t seed, uint64_t stream,
                 uint64_t sub)
{
    cav_rng r;
    cav_rng_init(&r, seed, stream, sub);
    for (size_t i = 0; i < n; i++) {
        if (kind == CAV_NN_ZERO)
            x[i] = 0.0;
        else if (kind == CAV_NN_NORMAL)
            x[i] = scale * cav_rng_normal(&r);
        else
            x[i] = scale * (2.0 * cav_rng_uniform(&r) - 1.0);
    }
}

int cav_nn_init_layer(cav_nn *net, int l, int what, int kind, double scale, uint64_t seed,
                      uint64_t stream, cav_err *err)
{
    if (!net) return cav_err_set(err, CAV_EINVAL, "nn_init_layer: net is NULL");
    if (l < 0 || l > net->L)
        return cav_err_set(err, CAV_EINVAL, "nn_init_layer: layer %d outside 0..%d", l, net->L);
    if (kind < CAV_NN_NORMAL || kind > CAV_NN_TORCH)
        return cav_err_set(err, CAV_EINVAL,
                           "nn_init_layer: unknown kind %d (normal, uniform, "
                           "zero, torch)",
                           kind);
    if (kind != CAV_NN_TORCH && kind != CAV_NN_ZERO && (!(scale >= 0.0) || !isfinite(scale)))
        return cav_err_set(err, CAV_EINVAL, "nn_init_layer: scale = %g must be finite and >= 0",
                           scale);
    if ((what & CAV_NN_INIT_W) && net->spec.tie[l])
        return cav_err_set(err, CAV_EINVAL,
                           "nn_init_layer: layer %d is tied to layer %d: initialise that one", l,
                           net->spec.tie[l] - 1);
    if (kind == CAV_NN_TORCH) {
        kind = CAV_NN_UNIFORM;
        scale = 1.0 / sqrt((double)net->in[l]);
    }
    if (what & CAV_NN_INIT_W)
        fill(net->W[l], net->in[l] * net->out[l], kind, scale, seed, stream, 2 * (uint64_t)l);
    if ((what & CAV_NN_INIT_B) && net->b[l])
        fill(net->b[l], net->out[l], kind, scale, seed, stream, 2 * (uint64_t)l + 1);
    return CAV_OK;
}

int nn_reserve(cav_nn *net, size_t n, cav_err *err)
{
    if (n <= net->cap) return CAV_OK;
    int ok = 1;
#define GROW(p, cnt)                                                                               \
    do {                                                                                           \
        void *q_ = realloc((p), (cnt) * sizeof *(p));                                              \
        if (q_)                                                                                    \
            (p) = q_;                                                                              \
        else                                                                                       \
            ok = 0;                                                                                \
    } while (0)
    for (int l = 0; l <= net->L; l++) {
        GROW(net->Z[l], n * net->out[l]);
        if (l < net->L) {
            GROW(net->A[l], n * net->out[l]);
            GROW(net->D[l], n * net->out[l]);
        }
    }
    GROW(net->dl[0], n * net->maxw);
    GROW(net->dl[1], n * net->maxw);
    GROW(net->lv, n);
    GROW(net->xb, n * net->spec.d);
    GROW(net->yb, n * net->spec.k);
    GROW(net->lb, n);
#undef GROW
    if (!ok)
        return cav_err_set(err, CAV_ENOMEM, "nn: cannot allocate the workspace for %zu samples", n);
    net->cap = n;
    return CAV_OK;
}

void nn_forward(cav_nn *net, size_t n, const double *X, int deriv)
{
    const double *a = X;
    for (int l = 0; l <= net->L; l++) {
        const size_t in = net->in[l], out = net->out[l];
        int tr;
        const double *W = nn_wptr(net, l, &tr);
        double *Z = net->Z[l];
        nn_gemm(0, tr ? 0 : 1, n, out, in, nn_scale(net, l), a, in, W, tr ? out : in, 0.0, Z, out);
        const double *b = net->b[l];
        const int last = l == net->L;
        const cav_activation_type *act = last ? NULL : net->spec.act[l];
        double *A = last ? NULL : net->A[l], *D = last ? NULL : net->D[l];
#pragma omp parallel for schedule(static) if (n * out > 100000)
        for (long i = 0; i < (long)n; i++) {
            double *z = Z + (size_t)i * out;
            if (b)
                for (size_t j = 0; j < out; j++)
                    z[j] += b[j];
            if (act) act->eval(out, z, A + (size_t)i * out, deriv ? D + (size_t)i * out : NULL);
        }
        a = A;
    }
}

/* log sum_j exp(u_j), u = z/tau, max-shifted. */
static double lse(size_t k, const double *z, double tau, double *zmax)
{
    double m = z[0];
    for (size_t j = 1; j < k; j++)
        if (z[j] > m) m = z[j];
    double s = 0.0;
    for (size_t j = 0; j < k; j++)
        s += exp((z[j] - m) / tau);
    *zmax = m;
    return m / tau + log(s);
}

void nn_loss_delta(cav_nn *net, const cav_nn_loss *loss, size_t n, const double *Y,
                   const int *labels, double *value)
{
    const size_t k = net->out[net->L];
    const double tau = net->spec.tau, r = loss->sum ? 1.0 : 1.0 / (double)n;
    const double *Z = net->Z[net->L];
    double *G = net->dl[0], *lv = net->lv;
    const int kind = loss->kind;
#pragma omp parallel for schedule(static) if (n * k > 50000)
    for (long ii = 0; ii < (long)n; ii++) {
        size_t i = (size_t)ii;
        const double *z = Z + i * k, *y = Y ? Y + i * k : NULL;
        double *g = G + i * k, l = 0.0;
        if (kind == CAV_NN_SQUARE) {
            for (size_t j = 0; j < k; j++) {
                double e = z[j] - y[j];
                l += 0.5 * e * e;
                g[j] = r * e;
            }
        } else if (kind == CAV_NN_CE || kind == CAV_NN_SOFT_CE) {
            double zm, L = lse(k, z, tau, &zm), sq = 0.0;
            if (kind == CAV_NN_CE) {
                int c = labels[i];
                l = L - z[c] / tau;
                for (size_t j = 0; j < k; j++)
                    g[j] = r * (exp(z[j] / tau - L) - (j == (size_t)c ? 1.0 : 0.0)) / tau;
            } else {
                for (size_t j = 0; j < k; j++) {
                    sq += y[j];
                    if (y[j] != 0.0) l += y[j] * (L - z[j] / tau);
                }
                for (size_t j = 0; j < k; j++)
                    g[j] = r * (exp(z[j] / tau - L) * sq - y[j]) / tau;
            }
        } else if (kind == CAV_NN_BCE) {
            for (size_t j = 0; j < k; j++) {
                double u = z[j] / tau, e = exp(-fabs(u));
                double sig = u >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
                l += (u > 0 ? u : 0.0) + log1p(e) - y[j] * u;
                g[j] = r * (sig - y[j]) / tau;
            }
        } else { /* CAV_NN_CORR */
            for (size_t j = 0; j < k; j++) {
                l -= z[j] * y[j];
                g[j] = -r * y[j];
            }
        }
        lv[i] = l;
    }
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += lv[i];
    *value = r * s;
}

double nn_backward(cav_nn *net, size_t n, const double *X, const int *need)
{
    const int L = net->L;
    int started[CAV_NN_MAX_LAYERS] = {0}, low = L + 1;
    for (int l = 0; l <= L; l++)
        if (!need || need[l]) {
            low = l;
            break;
        }
    double *delta = net->dl[0], *other = net->dl[1];
    for (int l = L; l >= low; l--) {
        const size_t in = net->in[l], out = net->out[l];
        const double s = nn_scale(net, l), *a = l ? net->A[l - 1] : X;
        int tr;
        const double *W = nn_wptr(net, l, &tr);
        const int m = tr ? net->spec.tie[l] - 1 : l;
        if (!need || need[m]) {
            if (!tr)
                nn_net_gemm(net, 1, 0, out, in, n, s, delta, out, a, in, started[l] ? 1.0 : 0.0,
                            net->gW[l], in);
            else
                nn_net_gemm(net, 1, 0, in, out, n, s, a, in, delta, out, started[m] ? 1.0 : 0.0,
                            net->gW[m], out);
            started[m] = 1;
        }
        if (net->b[l] && (!need || need[l])) nn_colsum(n, out, 1.0, delta, out, 0.0, net->gb[l]);
        if (l > low) {
            nn_net_gemm(net, 0, tr ? 1 : 0, n, in, out, s, delta, out, W, tr ? out : in, 0.0, other,
                        in);
            const double *D = net->D[l - 1];
#pragma omp parallel for schedule(static) if (n * in > 100000)
            for (long i = 0; i < (long)(n * in); i++)
                other[i] *= D[i];
            double *t = delta;
            delta = other;
            other = t;
        }
    }
    double wdval = 0.0;
    for (int l = 0; l <= L; l++) {
        const double wd = net->opt[l].wd;
        if (!net->W[l] || wd == 0.0) continue;
        const size_t sz = net->in[l] * net->out[l];
        double *W = net->W[l], *g = net->gW[l], q = 0.0;
        for (size_t i = 0; i < sz; i++)
            q += W[i] * W[i];
        wdval += 0.5 * wd * q;
        if (need && !need[l]) continue;
        if (started[l])
            for (size_t i = 0; i < sz; i++)
                g[i] += wd * W[i];
        else
            for (size_t i = 0; i < sz; i++)
                g[i] = wd * W[i];
    }
    return wdval;
}

int cav_nn_loss_find(const char *name)
{
    static const char *names[] = {"square", "ce", "soft-ce", "bce", "corr"};
    if (!name) return -1;
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0) return i;
    return -1;
}

const char *cav_nn_loss_name(int kind)
{
    static const char *names[] = {"square", "ce", "soft-ce", "bce", "corr"};
    return kind >= 0 && kind < 5 ? names[kind] : "?";
}

const char *cav_nn_loss_names(void)
{
    return "square,ce,soft-ce,bce,corr";
}

int nn_check_loss(const cav_nn *net, const cav_nn_loss *loss, const cav_nn_data *data,
                  const char *who, cav_err *err)
{
    if (!net) return cav_err_set(err, CAV_EINVAL, "%s: net is NULL", who);
    if (!loss) return cav_err_set(err, CAV_EINVAL, "%s: loss is NULL", who);
    if (!data || !data->X || data->n < 1)
        return cav_err_set(err, CAV_EINVAL, "%s: data needs n >= 1 samples and inputs X", who);
    const int kind = loss->kind;
    const size_t k = net->out[net->L];
    if (kind < CAV_NN_SQUARE || kind > CAV_NN_CORR)
        return cav_err_set(err, CAV_EINVAL, "%s: unknown loss kind %d (one of %s)", who, kind,
                           cav_nn_loss_names());
    if (kind == CAV_NN_CE) {
        if (k < 2)
            return cav_err_set(err, CAV_EINVAL, "%s: loss ce needs k >= 2 outputs (k = %zu)", who,
                               k);
        if (!data->labels) return cav_err_set(err, CAV_EINVAL, "%s: loss ce needs labels", who);
        for (size_t i = 0; i < data->n; i++)
            if (data->labels[i] < 0 || (size_t)data->labels[i] >= k)
                return cav_err_set(err, CAV_EINVAL, "%s: label[%zu] = %d outside 0..%zu", who, i,
                                   data->labels[i], k - 1);
    } else if (!data->Y) {
        return cav_err_set(err, CAV_EINVAL, "%s: loss %s needs targets Y (n x k)", who,
                           cav_nn_loss_name(kind));
    }
    if (kind == CAV_NN_SOFT_CE && k < 2)
        return cav_err_set(err, CAV_EINVAL, "%s: loss soft-ce needs k >= 2 outputs (k = %zu)", who,
                           k);
    return CAV_OK;
}

int cav_nn_loss_grad(cav_nn *net, const cav_nn_loss *loss, const cav_nn_data *data, double *value,
                     double *grad, cav_err *err)
{
    int st = nn_check_loss(net, loss, data, "nn_loss_grad", err);
    if (st) return st;
    const size_t n = data->n;
    st = nn_reserve(net, n, err);
    if (st) return st;
    int saved = nn_blas_enter();
    double v;
    nn_forward(net, n, data->X, grad != NULL);
    nn_loss_delta(net, loss, n, data->Y, data->labels, &v);
    if (grad) {
        v += nn_backward(net, n, data->X, NULL);
        size_t o = 0;
        for (int l = 0; l <= net->L; l++) {
            if (net->W[l]) {
                memcpy(grad + o, net->gW[l], net->in[l] * net->out[l] * sizeof(double));
                o += net->in[l] * net->out[l];
            }
            if (net->b[l]) {
                memcpy(grad + o, net->gb[l], net->out[l] * sizeof(double));
                o += net->out[l];
            }
        }
    } else {
        for (int l = 0; l <= net->L; l++)
            if (net->W[l] && net->opt[l].wd != 0.0) {
                double q = 0.0;
                for (size_t i = 0; i < net->in[l] * net->out[l]; i++)
                    q += net->W[l][i] * net->W[l][i];
                v += 0.5 * net->opt[l].wd * q;
            }
    }
    nn_blas_leave(saved);
    if (value) *value = v;
    return CAV_OK;
}

void cav_nn_softmax(size_t n, size_t k, const double *Z, double tau, double *P)
{
    for (size_t i = 0; i < n; i++) {
        double zm, L = lse(k, Z + i * k, tau, &zm);
        for (size_t j = 0; j < k; j++)
            P[i * k + j] = exp(Z[i * k + j] / tau - L);
    }
}

int cav_nn_forward(cav_nn *net, size_t n, const double *X, double *out, int probs, cav_err *err)
{
    if (!net || !X || !out || n == 0)
        return cav_err_set(err, CAV_EINVAL, "nn_forward: needs a net, n >= 1 inputs and out");
    if (probs && !net->spec.softmax)
        return cav_err_set(err, CAV_EINVAL, "nn_forward: probabilities need a softmax output");
    int st = nn_reserve(net, n, err);
    if (st) return st;
    int saved = nn_blas_enter();
    nn_forward(net, n, X, 0);
    nn_blas_leave(saved);
    const size_t k = net->spec.k;
    if (probs)
        cav_nn_softmax(n, k, net->Z[net->L], net->spec.tau, out);
    else
        memcpy(out, net->Z[net->L], n * k * sizeof *out);
    return CAV_OK;
}

int cav_nn_hidden_out(cav_nn *net, int l, int pre, size_t n, const double *X, double *H,
                      cav_err *err)
{
    if (!net || !X || !H || n == 0)
        return cav_err_set(err, CAV_EINVAL, "nn_hidden_out: needs a net, n >= 1 inputs and H");
    if (l < 0 || l >= net->L)
        return cav_err_set(err, CAV_EINVAL, "nn_hidden_out: hidden layer %d outside 0..%d", l,
                           net->L - 1);
    int st = nn_reserve(net, n, err);
    if (st) return st;
    int saved = nn_blas_enter();
    nn_forward(net, n, X, 0);
    nn_blas_leave(saved);
    memcpy(H, pre ? net->Z[l] : net->A[l], n * net->out[l] * sizeof *H);
    return CAV_OK;
}

void nn_net_gemm(const cav_nn *net, int ta, int tb, size_t M, size_t N, size_t K, double alpha,
                 const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
                 size_t ldc)
{
    if (net->gpu && (double)M * (double)N * (double)K >= 1e8 &&
        nn_gpu_gemm(net->gpu, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) == 0)
        return;
    nn_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

int cav_nn_gpu_status(void)
{
    return nn_gpu_status();
}

int cav_nn_use_gpu(cav_nn *net, int on, cav_err *err)
{
    if (!net) return cav_err_set(err, CAV_EINVAL, "nn_use_gpu: net is NULL");
    if (!on) {
        nn_gpu_free(net->gpu);
        net->gpu = NULL;
        return CAV_OK;
    }
    if (net->gpu) return CAV_OK;
    net->gpu = nn_gpu_create(err);
    return net->gpu ? CAV_OK : CAV_EUNSUP;
}
