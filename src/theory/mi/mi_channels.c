/* theory/mi/mi_channels.c — multi-index channels (cavity/multi_index.h): the registry, the
 * generic checks, and three elementary channels that pin the engine to known single-index
 * results:
 *   sign    y_i = sign(Z_i): every coordinate free, weight 1{sign(u_i) = y_i} (kink at 0);
 *           P = M = 1 is the noiseless perceptron (Gardner & Derrida; Györgyi; Opper & Haussler).
 *   square  y_i = Z_i^2: no free coordinate, s_i = sqrt(y_i), Z = (+-s_i) over 2^{PM} sign
 *           branches, weight 1 (Z_out is a density in s); P = M = 1 is noiseless phase retrieval
 *           (weak-recovery threshold alpha = 1/2: Mondelli & Montanari 2018; Barbier et al. 2019).
 *   linear  y = Z + sqrt(Delta) xi: every coordinate free, weight N(s - u; 0, Delta); closed form
 *           Z_out = N(s; omega, V + Delta).
 * The attention channel is in mi_attention.c. */
#include <math.h>
#include <string.h>

#include "core/registry.h"
#include "theory/mi/mi_internal.h"

/* ------------------------------------------------------------------ sign ----------------- */

static int sign_check(const cav_mi_channel *self, cav_err *err)
{
    if (self->P * self->M > 4)
        return cav_err_set(err, CAV_EINVAL,
                           "mi channel sign: P*M = %d must be <= 4 (2^{PM} discrete labels)",
                           self->P * self->M);
    return CAV_OK;
}

static void sign_layout(const cav_mi_channel *self, cav_mi_layout *lay)
{
    int n = self->P * self->M;
    memset(lay, 0, sizeof *lay);
    lay->ny = n;
    lay->nfree = n;
    for (int i = 0; i < n; i++)
        lay->free[i] = i;
    lay->nbranch = 1;
    lay->nlabels = 1 << n;
    lay->deterministic = 1;
    lay->obs_scale = 1.0;
}

static void sign_sample(const cav_mi_channel *self, const double *Z, cav_rng *rng, double *y)
{
    (void)rng;
    for (int i = 0; i < self->P * self->M; i++)
        y[i] = Z[i] >= 0 ? 1.0 : -1.0;
}

static int sign_observe(const cav_mi_channel *self, const double *y, double *s)
{
    int lab = 0;
    for (int i = 0; i < self->P * self->M; i++) {
        if (y[i] == 1.0)
            lab |= 1 << i;
        else if (y[i] != -1.0)
            return CAV_ENUMERIC;
    }
    s[0] = lab;
    return CAV_OK;
}

static void sign_fibre(const cav_mi_channel *self, const double *s, int b, size_t n,
                       const double *u, double *zdet, double *logw)
{
    (void)b;
    (void)zdet;
    int k = self->P * self->M, lab = (int)s[0];
    for (size_t i = 0; i < n; i++) {
        double lw = 0;
        for (int j = 0; j < k; j++) {
            int pos = (lab >> j) & 1;
            double v = u[i * (size_t)k + (size_t)j];
            if ((pos && v < 0) || (!pos && v > 0)) lw = -INFINITY;
        }
        logw[i] = lw;
    }
}

static int sign_kinks(const cav_mi_channel *self, const double *s, int b, int j, double *pts)
{
    (void)self, (void)s, (void)b, (void)j;
    pts[0] = 0.0;
    return 1;
}

static int zero_kink(const cav_mi_channel *self, double *pts)
{
    (void)self;
    pts[0] = 0.0;
    return 1;
}

const cav_mi_channel_type cav_mi_channel_sign = {"sign",      "y_i = sign(Z_i) (P*M <= 4)",
                                                 sign_check,  sign_layout,
                                                 sign_sample, sign_observe,
                                                 sign_fibre,  sign_kinks,
                                                 zero_kink};

/* ------------------------------------------------------------------ square --------------- */

static int square_check(const cav_mi_channel *self, cav_err *err)
{
    if (self->P * self->M > 8)
        return cav_err_set(err, CAV_EINVAL,
                           "mi channel square: P*M = %d must be <= 8 (2^{PM} sign branches)",
                           self->P * self->M);
    return CAV_OK;
}

static void square_layout(const cav_mi_channel *self, cav_mi_layout *lay)
{
    int n = self->P * self->M;
    memset(lay, 0, sizeof *lay);
    lay->ny = n;
    lay->nfree = 0;
    lay->nbranch = 1 << n;
    lay->nobs = n;
    lay->deterministic = 1;
    lay->obs_scale = 1.0;
}

static void square_sample(const cav_mi_channel *self, const double *Z, cav_rng *rng, double *y)
{
    (void)rng;
    for (int i = 0; i < self->P * self->M; i++)
        y[i] = Z[i] * Z[i];
}

static int square_observe(const cav_mi_channel *self, const double *y, double *s)
{
    for (int i = 0; i < self->P * self->M; i++) {
        if (!(y[i] >= 0) || !isfinite(y[i])) return CAV_ENUMERIC;
        s[i] = sqrt(y[i]);
    }
    return CAV_OK;
}

static void square_fibre(const cav_mi_channel *self, const double *s, int b, size_t n,
                         const double *u, double *zdet, double *logw)
{
    (void)u;
    int k = self->P * self->M;
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < k; j++)
            zdet[i * (size_t)k + (size_t)j] = ((b >> j) & 1) ? -s[j] : s[j];
        logw[i] = 0.0;
    }
}

const cav_mi_channel_type cav_mi_channel_square = {"square",      "y_i = Z_i^2 (phase retrieval)",
                                                   square_check,  square_layout,
                                                   square_sample, square_observe,
                                                   square_fibre,  NULL,
                                                   zero_kink};

/* ------------------------------------------------------------------ linear --------------- */

static int linear_check(const cav_mi_channel *self, cav_err *err)
{
    double D = self->par[0];
    if (!(D > 0) || !isfinite(D))
        return cav_err_set(err, CAV_EINVAL, "mi channel linear: Delta = %g must be > 0", D);
    return CAV_OK;
}

static void linear_layout(const cav_mi_channel *self, cav_mi_layout *lay)
{
    int n = self->P * self->M;
    memset(lay, 0, sizeof *lay);
    lay->ny = n;
    lay->nfree = n;
    for (int i = 0; i < n; i++)
        lay->free[i] = i;
    lay->nbranch = 1;
    lay->nobs = n;
    lay->deterministic = 0;
    lay->obs_scale = sqrt(1.0 + self->par[0]);
}

static void linear_sample(const cav_mi_channel *self, const double *Z, cav_rng *rng, double *y)
{
    double sd = sqrt(self->par[0]);
    for (int i = 0; i < self->P * self->M; i++)
        y[i] = Z[i] + sd * cav_rng_normal(rng);
}

static int linear_observe(const cav_mi_channel *self, const double *y, double *s)
{
    for (int i = 0; i < self->P * self->M; i++) {
        if (!isfinite(y[i])) return CAV_ENUMERIC;
        s[i] = y[i];
    }
    return CAV_OK;
}

static void linear_fibre(const cav_mi_channel *self, const double *s, int b, size_t n,
                         const double *u, double *zdet, double *logw)
{
    (void)b, (void)zdet;
    int k = self->P * self->M;
    double D = self->par[0];
    for (size_t i = 0; i < n; i++) {
        double lw = 0;
        for (int j = 0; j < k; j++) {
            double r = s[j] - u[i * (size_t)k + (size_t)j];
            lw += -0.5 * r * r / D - 0.5 * (MI_LOG_2PI + log(D));
        }
        logw[i] = lw;
    }
}

const cav_mi_channel_type cav_mi_channel_linear = {
    "linear",      "y = Z + sqrt(Delta) xi, par[0] = Delta > 0",
    linear_check,  linear_layout,
    linear_sample, linear_observe,
    linear_fibre,  NULL,
    NULL};

/* ------------------------------------------------------------------ registry ------------- */

static const cav_mi_channel_type *const mi_channel_list[] = {
    &cav_mi_channel_sign, &cav_mi_channel_square, &cav_mi_channel_linear, &cav_mi_channel_attention,
    NULL};

CAV_REGISTRY_DEFINE(cav_mi_channel_type, mi_channel_list, cav_mi_channel)

int cav_mi_channel_check(const cav_mi_channel *ch, cav_err *err)
{
    if (!ch || !ch->type) return cav_err_set(err, CAV_EINVAL, "mi channel: type is NULL");
    if (ch->P < 1 || ch->P > CAV_MI_MAXP)
        return cav_err_set(err, CAV_EINVAL, "mi channel %s: P = %d must be in [1, %d]",
                           ch->type->name, ch->P, CAV_MI_MAXP);
    if (ch->M < 1 || ch->P * ch->M > CAV_MI_MAXPM)
        return cav_err_set(err, CAV_EINVAL, "mi channel %s: M = %d must be >= 1 with P*M <= %d",
                           ch->type->name, ch->M, CAV_MI_MAXPM);
    for (int i = 0; i < CAV_MI_NPAR; i++)
        if (!isfinite(ch->par[i]))
            return cav_err_set(err, CAV_EINVAL, "mi channel %s: par[%d] is not finite",
                               ch->type->name, i);
    return ch->type->check ? ch->type->check(ch, err) : CAV_OK;
}

int cav_mi_channel_layout(const cav_mi_channel *ch, cav_mi_layout *lay, cav_err *err)
{
    int st = cav_mi_channel_check(ch, err);
    if (st) return st;
    ch->type->layout(ch, lay);
    if (lay->ny > CAV_MI_MAXY || lay->nbranch < 1 || lay->nbranch > CAV_MI_MAXBR)
        return cav_err_set(err, CAV_EINVAL, "mi channel %s: bad layout (ny %d, branches %d)",
                           ch->type->name, lay->ny, lay->nbranch);
    return CAV_OK;
}
