/* sim/hf/hf_adam.c — full-batch Adam for the tied one-neuron autoencoder
 * x_hat = (w/sqrt d) sigma(h), h = w.x/sqrt d, in one pass over the data per epoch.
 *
 * With s = 1/sqrt d, q = |w|^2/d, sigma = sigma(h), sigma' = sigma'(h), a sample's loss is
 *     ||x - x_hat||^2/2 = |x|^2/2 - sigma h + q sigma^2/2
 * (x.x_hat = sigma h and |x_hat|^2 = q sigma^2), and its gradient in w is, through both uses of
 * the tied weight (encoder: s x (q sigma - h) sigma'; decoder: s^2 sigma^2 w - s sigma x),
 *     grad = s X^T a + (sum_mu sigma_mu^2/d + wd) w,    a_mu = (q sigma_mu - h_mu) sigma'_mu -
 * sigma_mu. So an epoch needs h = s X w, the per-row a, and X^T a: the fused kernel of
 * sim/gd/gemv.c reads X once for all three (the network engine reads the n x d data four times and
 * forms the n x d reconstruction). The per-row losses and sigma^2 are stored and summed in row
 * order, the kernel has fixed summation orders: the run is bitwise the same for any number of
 * threads. Adam is that of cav_nn_train (PyTorch's, bias-corrected, weight decay in the gradient):
 *     m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
 *     w <- w - lr (m/(1 - b1^t))/(sqrt(v/(1 - b2^t)) + eps). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/gd/gd_internal.h"
#include "sim/hf/hf_adam.h"

typedef struct {
    const cav_activation_type *act;
    double q;
    const double *xx; /* |x_mu|^2/2 */
    double *sg, *dsg; /* sigma, sigma' (n each) */
    double *loss;     /* per-row loss */
} ae_ctx;

static void ae_rows(void *vctx, size_t i0, size_t m, const double *h, double *g)
{
    ae_ctx *c = vctx;
    double *sg = c->sg + i0, *dsg = c->dsg + i0, *l = c->loss + i0;
    c->act->eval(m, h, sg, dsg);
    const double q = c->q;
    for (size_t r = 0; r < m; r++) {
        g[r] = (q * sg[r] - h[r]) * dsg[r] - sg[r];
        l[r] = c->xx[i0 + r] - sg[r] * h[r] + 0.5 * q * sg[r] * sg[r];
    }
}

static double sumsq(size_t n, const double *x)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i] * x[i];
    return s;
}

int hf_adam_tied(size_t n, size_t d, const double *X, const cav_activation_type *act, double wd,
                 const cav_nn_train_opts *o, double *w, double *obj, long *steps, cav_err *err)
{
    if (obj) *obj = NAN;
    if (steps) *steps = 0;
    if (!X || !w || !act || !act->eval || !o || n < 1 || d < 1)
        return cav_err_set(err, CAV_EINVAL,
                           "hf_adam_tied: needs X, w, an activation and n, d >= 1");
    if (!(o->lr > 0.0) || !isfinite(o->lr) || o->steps < 0 ||
        !(o->beta1 >= 0.0 && o->beta1 < 1.0) || !(o->beta2 >= 0.0 && o->beta2 < 1.0) ||
        !(o->eps > 0.0) || !(wd >= 0.0) || !isfinite(wd))
        return cav_err_set(err, CAV_EINVAL,
                           "hf_adam_tied: lr = %g (> 0), steps = %ld (>= 0), betas (%g, %g) (in "
                           "[0, 1)), eps = %g (> 0), wd = %g (>= 0)",
                           o->lr, o->steps, o->beta1, o->beta2, o->eps, wd);
    double *buf = malloc(sizeof(double) * (6 * n + (SIM_GEMV_T_CHUNKS + 3) * d));
    if (!buf)
        return cav_err_set(err, CAV_ENOMEM, "hf_adam_tied: out of memory (n = %zu, d = %zu)", n, d);
    double *xx = buf, *h = xx + n, *g = h + n, *sg = g + n, *dsg = sg + n, *loss = dsg + n;
    double *grad = loss + n, *mo = grad + d, *ve = mo + d, *work = ve + d;
    memset(mo, 0, sizeof(double) * 2 * d);
#pragma omp parallel for schedule(static) if (n * d > 100000)
    for (long i = 0; i < (long)n; i++)
        xx[i] = 0.5 * sumsq(d, X + (size_t)i * d);
    const double s = 1.0 / sqrt((double)d), b1 = o->beta1, b2 = o->beta2, lr = o->lr;
    ae_ctx c = {.act = act, .xx = xx, .sg = sg, .dsg = dsg, .loss = loss};
    double p1 = 1.0, p2 = 1.0, f = NAN;
    int st = CAV_OK;
    long t;
    for (t = 0;; t++) {
        const double ww = sumsq(d, w);
        c.q = ww / (double)d;
        sim_gemv_fused(n, d, X, s, w, 0.0, h, ae_rows, &c, g, work);
        double S = 0.0;
        f = 0.5 * wd * ww;
        for (size_t i = 0; i < n; i++)
            f += loss[i], S += sg[i] * sg[i];
        if (!isfinite(f)) {
            st = cav_err_set(err, CAV_EDIVERGE,
                             "hf_adam_tied diverged: objective %g at step %ld (lr = %g)", f, t, lr);
            break;
        }
        if (t == o->steps) break; /* f is the objective at the final w */
        sim_gemv_t_reduce(n, d, s, 0.0, grad, work);
        const double k = S / (double)d + wd;
        p1 *= b1;
        p2 *= b2;
        const double c1 = 1.0 - p1, c2 = 1.0 - p2;
        for (size_t j = 0; j < d; j++) {
            const double gj = grad[j] + k * w[j];
            mo[j] = b1 * mo[j] + (1.0 - b1) * gj;
            ve[j] = b2 * ve[j] + (1.0 - b2) * gj * gj;
            w[j] -= lr * (mo[j] / c1) / (sqrt(ve[j] / c2) + o->eps);
        }
    }
    if (steps) *steps = t;
    if (obj) *obj = f;
    free(buf);
    return st;
}
