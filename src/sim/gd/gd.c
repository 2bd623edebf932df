/* sim/gd.c — full-batch gradient descent and mini-batch SGD on a teacher-student GLM at finite
 * (n, d): the simulation that the DMFT of first-order methods describes (docs/dmft.md;
 * Dandi, Gamarnik, Pernice, Zdeborová, arXiv:2603.14573, GD as a rectangular GFOM; Gerbelot,
 * Troiani, Mignacco, Krzakala, Zdeborová, arXiv:2210.06591, SGD with Bernoulli(b) sample
 * selection, no 1/b rescaling). All scalings are stated in cavity/dynamics.h.
 *
 * One step is
 *     h = X w / sqrt(d)
 *     l_mu, g_mu = l(y_mu, h_mu), l'(y_mu, h_mu)      (one indirect loss call per row block)
 *     g_mu <- s_mu g_mu, s_mu ~ Bernoulli(b)           (SGD only; the s_mu are drawn first)
 *     w <- (1 - eta lambda) w - (eta/sqrt d) X^T g
 * done by sim_gemv_fused: one pass over X per step (the forward product, the loss and the
 * backward product of a block of rows while the rows are in cache), bitwise the same as the two
 * separate passes (sim_gemv_n, the loss, sim_gemv_t) for any thread count. The train loss of
 * step t is a by-product of the forward part; w is formed only after the divergence test. No
 * allocation in the loop. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/dynamics.h"
#include "cavity/rng.h"
#include "cavity/sim.h"
#include "core/la.h"
#include "sim/gd/gd_internal.h"

/* Divergence threshold on q relative to the problem's natural scale 1 + q(0) + rho*. */
#define GD_QBLOWUP 1e12
#define GD_PI 3.14159265358979323846264338327950288

void cav_gd_config_default(cav_gd_config *c)
{
    if (!c) return;
    memset(c, 0, sizeof *c);
    c->loss.type = &cav_loss_square;
    c->channel.type = &cav_channel_linear;
    c->alpha = 2.0;
    c->lambda = 0.0;
    c->eta = 0.1;
    c->batch = 1.0;
    c->m0 = 0.0;
    c->q0 = 0.0;
    c->steps = 100;
    c->d = 500;
    c->seed = 0;
    c->n_test = 0;
}

static size_t gd_n(const cav_gd_config *c)
{
    return (size_t)llround(c->alpha * (double)c->d);
}

static int is_linear(const cav_channel *ch)
{
    return ch->type && strcmp(ch->type->name, "linear") == 0;
}

int cav_gd_check(const cav_gd_config *c, cav_err *err)
{
    if (!c) return cav_err_set(err, CAV_EINVAL, "gd: config is NULL");
    int st = cav_loss_check(&c->loss, err);
    if (st) return st;
    if (!c->loss.type->value)
        return cav_err_set(err, CAV_EINVAL, "gd: loss %s has no value/derivative",
                           c->loss.type->name);
    st = cav_channel_check(&c->channel, err);
    if (st) return st;
    if (!c->channel.type->sample)
        return cav_err_set(err, CAV_EINVAL, "gd: channel %s has no sampler", c->channel.type->name);
    if (!c->channel.type->binary && !is_linear(&c->channel) && c->n_test == 0)
        return cav_err_set(err, CAV_EUNSUP,
                           "gd: channel %s has no exact population test error; set n_test > 0",
                           c->channel.type->name);
    if (!(c->alpha > 0.0) || !isfinite(c->alpha))
        return cav_err_set(err, CAV_EINVAL, "gd: alpha = %g must be finite and > 0", c->alpha);
    if (c->d < 1) return cav_err_set(err, CAV_EINVAL, "gd: d = %zu must be >= 1", c->d);
    if (c->alpha * (double)c->d > 1e9 || (double)c->d > 1e9)
        return cav_err_set(err, CAV_EINVAL, "gd: n = alpha d = %g too large (max 1e9)",
                           c->alpha * (double)c->d);
    if (gd_n(c) < 1)
        return cav_err_set(err, CAV_EINVAL, "gd: n = round(alpha d) = 0 (alpha = %g, d = %zu)",
                           c->alpha, c->d);
    if (!(c->lambda >= 0.0) || !isfinite(c->lambda))
        return cav_err_set(err, CAV_EINVAL, "gd: lambda = %g must be finite and >= 0", c->lambda);
    if (!(c->eta > 0.0) || !isfinite(c->eta))
        return cav_err_set(err, CAV_EINVAL, "gd: eta = %g must be finite and > 0", c->eta);
    if (!(c->batch > 0.0 && c->batch <= 1.0))
        return cav_err_set(err, CAV_EINVAL, "gd: batch = %g must be in (0, 1]", c->batch);
    if (!isfinite(c->m0) || !isfinite(c->q0) || !(c->q0 >= c->m0 * c->m0))
        return cav_err_set(err, CAV_EINVAL,
                           "gd: start (m0, q0) = (%g, %g) needs finite values with q0 >= m0^2",
                           c->m0, c->q0);
    if (c->steps < 0) return cav_err_set(err, CAV_EINVAL, "gd: steps = %ld must be >= 0", c->steps);
    if ((double)c->n_test * (double)c->d > 4e9)
        return cav_err_set(err, CAV_EINVAL, "gd: n_test = %zu too large for d = %zu", c->n_test,
                           c->d);
    return CAV_OK;
}

/* sup_h l''(y, h) for the losses with a known bound (1 otherwise). */
static double loss_curvature(const cav_loss *loss)
{
    const char *nm = loss->type ? loss->type->name : "";
    if (strcmp(nm, "logistic") == 0) return 0.25;
    if (strcmp(nm, "smooth-hinge") == 0) return 1.0 / (loss->par[0] == 0.0 ? 1.0 : loss->par[0]);
    return 1.0;
}

double cav_gd_eta_max(const cav_gd_config *c)
{
    /* lambda_max(X^T X / d) -> (1 + sqrt(alpha))^2: the Marchenko-Pastur upper edge of the
     * d x d Wishart X^T X/n with ratio d/n = 1/alpha is (1 + 1/sqrt(alpha))^2, times n/d. */
    double edge = (1.0 + sqrt(c->alpha)) * (1.0 + sqrt(c->alpha));
    return 2.0 / (loss_curvature(&c->loss) * edge + c->lambda);
}

/* The pointwise part of a step for sim_gemv_fused: loss values and derivatives of a row block,
 * and the SGD selection (keep[i] = 0: sample i is out of this step's batch). */
typedef struct {
    const cav_loss *loss;
    const double *y;
    double *l;
    const unsigned char *keep; /* NULL: full batch */
} gd_rows;

static void gd_rowfn(void *ctx, size_t i0, size_t m, const double *h, double *g)
{
    const gd_rows *c = ctx;
    cav_loss_value(c->loss, m, c->y + i0, h, c->l + i0, g, NULL);
    if (c->keep)
        for (size_t i = 0; i < m; i++)
            if (!c->keep[i0 + i]) g[i] = 0.0;
}

/* Exact population test error given the overlaps (see dynamics.h). */
static double population_error(const cav_channel *ch, double m, double q, double rho)
{
    if (ch->type->binary) {
        if (q <= 0.0) return 0.5;
        double s2 = q * rho - m * m; /* >= 0 by Cauchy-Schwarz up to rounding */
        return atan2(sqrt(s2 > 0.0 ? s2 : 0.0), m) / GD_PI;
    }
    return 0.5 * (rho - 2.0 * m + q + ch->par[0]);
}

/* Measured test error on the fresh set (ht = student fields, yt = channel labels). */
static double empirical_error(const cav_channel *ch, size_t nt, const double *ht, const double *yt)
{
    double s = 0.0;
    if (ch->type->binary) {
        for (size_t i = 0; i < nt; i++)
            s += (ht[i] > 0.0 ? 1.0 : -1.0) != yt[i];
        return s / (double)nt;
    }
    for (size_t i = 0; i < nt; i++)
        s += (yt[i] - ht[i]) * (yt[i] - ht[i]);
    return 0.5 * s / (double)nt;
}

int cav_gd_simulate(const cav_gd_config *c, double *out, cav_err *err)
{
    return cav_gd_simulate_info(c, out, NULL, err);
}

int cav_gd_simulate_info(const cav_gd_config *c, double *out, cav_gd_info *info, cav_err *err)
{
    if (info) memset(info, 0, sizeof *info);
    int st = cav_gd_check(c, err);
    if (st == CAV_OK && !out) st = cav_err_set(err, CAV_EINVAL, "gd: out is NULL");
    if (st) {
        if (info) info->status = st;
        return st;
    }
    const size_t d = c->d, n = gd_n(c), nt = c->n_test;
    const double sd = sqrt((double)d), eta = c->eta;
    double *X = malloc(n * d * sizeof *X);
    double *wstar = malloc(d * sizeof *wstar), *w = malloc(d * sizeof *w);
    double *y = malloc(n * sizeof *y), *h = malloc(n * sizeof *h);
    double *l = malloc(n * sizeof *l), *g = malloc(n * sizeof *g);
    double *work = malloc(SIM_GEMV_T_CHUNKS * d * sizeof *work);
    unsigned char *keep = c->batch < 1.0 ? malloc(n) : NULL;
    double *Xt = nt ? malloc(nt * d * sizeof *Xt) : NULL;
    double *yt = nt ? malloc(nt * sizeof *yt) : NULL, *ht = nt ? malloc(nt * sizeof *ht) : NULL;
    if (!X || !wstar || !w || !y || !h || !l || !g || !work || (nt && (!Xt || !yt || !ht)) ||
        (c->batch < 1.0 && !keep)) {
        st = cav_err_set(err, CAV_ENOMEM, "gd: cannot allocate X (%zu x %zu) and work vectors", n,
                         d);
        goto done;
    }

    /* Teacher and data; their streams do not depend on the algorithm's parameters. */
    st = cav_sim_teacher(c->seed, cav_rng_hash("gd/teacher"), d, NULL, wstar, err);
    if (!st)
        st = cav_sim_glm_data(c->seed, cav_rng_hash("gd/data"), n, d, wstar, &c->channel, X, NULL,
                              y, err);
    if (!st && nt)
        st = cav_sim_glm_data(c->seed, cav_rng_hash("gd/test"), nt, d, wstar, &c->channel, Xt, NULL,
                              yt, err);
    if (st) goto done;
    const double rho = cav_la_dot(d, wstar, wstar) / (double)d;

    /* Start w^0 = m0 w* + sqrt(q0 - m0^2) xi: E[w.w* / d] = m0 E|w*|^2 / d = m0 and
     * E|w|^2/d = m0^2 + (q0 - m0^2) = q0 (xi independent of w*, both N(0, I_d)). */
    {
        cav_rng r;
        cav_rng_init(&r, c->seed, cav_rng_hash("gd/init"), 0);
        double s = sqrt(c->q0 - c->m0 * c->m0);
        if (s > 0.0)
            cav_rng_normal_fill(&r, d, s, w);
        else
            memset(w, 0, d * sizeof *w);
        for (size_t j = 0; j < d; j++)
            w[j] += c->m0 * wstar[j];
    }

    const double qscale = GD_QBLOWUP * (1.0 + c->q0 + rho);
    const uint64_t batch_stream = cav_rng_hash("gd/batch");
    long t = 0;
    gd_rows rows = {&c->loss, y, l, keep};
    for (t = 0;; t++) {
        /* SGD: keep sample mu with probability b (one uniform per sample and step, from the
         * substream keyed by the step, so the batch sequence does not depend on anything but
         * (seed, step, n)). Drawn before the pass, which applies it row block by row block. */
        if (keep) {
            cav_rng r;
            cav_rng_init(&r, c->seed, batch_stream, (uint64_t)t);
            for (size_t i = 0; i < n; i++)
                keep[i] = cav_rng_uniform(&r) < c->batch;
        }
        /* One pass: h = X w / sqrt(d), loss values and derivatives (masked for SGD) at every
         * sample, and the chunk partials of X^T g in work. */
        sim_gemv_fused(n, d, X, 1.0 / sd, w, 0.0, h, gd_rowfn, &rows, g, work);
        double lsum = 0.0;
        for (size_t i = 0; i < n; i++)
            lsum += l[i];
        double m = cav_la_dot(d, w, wstar) / (double)d, q = cav_la_dot(d, w, w) / (double)d;
        double train = lsum / (double)n;
        if (!isfinite(train) || !isfinite(m) || !isfinite(q) || q > qscale) {
            st = cav_err_set(err, CAV_EDIVERGE,
                             "gd diverged at step %ld (train loss %g, q %g): eta = %g exceeds the "
                             "stability bound 2/lambda_max(Hessian) ~ 2/(c (1 + sqrt(alpha))^2 + "
                             "lambda) = %g (alpha = %g, lambda = %g, c = sup l'' = %g for loss %s)",
                             t, train, q, eta, cav_gd_eta_max(c), c->alpha, c->lambda,
                             loss_curvature(&c->loss), c->loss.type->name);
            break;
        }
        double test;
        if (nt) {
            sim_gemv_n(nt, d, 1.0 / sd, Xt, w, 0.0, ht);
            test = empirical_error(&c->channel, nt, ht, yt);
        } else {
            test = population_error(&c->channel, m, q, rho);
        }
        double *row = out + (size_t)t * CAV_GD_NOBS;
        row[CAV_GD_STEP] = (double)t;
        row[CAV_GD_TIME] = (double)t * eta;
        row[CAV_GD_TRAIN_LOSS] = train;
        row[CAV_GD_TEST_ERROR] = test;
        row[CAV_GD_M] = m;
        row[CAV_GD_Q] = q;
        if (t == c->steps) break;
        /* w <- (1 - eta lambda) w - (eta / sqrt d) X^T g, from the partials of the pass. */
        sim_gemv_t_reduce(n, d, -eta / sd, 1.0 - eta * c->lambda, w, work);
    }
    if (st == CAV_EDIVERGE) {
        for (long k = t; k <= c->steps; k++) {
            double *row = out + (size_t)k * CAV_GD_NOBS;
            row[CAV_GD_STEP] = (double)k;
            row[CAV_GD_TIME] = (double)k * eta;
            for (int j = CAV_GD_TRAIN_LOSS; j < CAV_GD_NOBS; j++)
                row[j] = NAN;
        }
    }
    if (info) {
        info->rows = st == CAV_EDIVERGE ? t : c->steps + 1;
        info->n = n;
        info->rho = rho;
        info->eta_max = cav_gd_eta_max(c);
    }

done:
    if (info) info->status = st;
    free(X), free(wstar), free(w), free(y), free(h), free(l), free(g);
    free(Xt), free(yt), free(ht), free(work), free(keep);
    return st;
}
