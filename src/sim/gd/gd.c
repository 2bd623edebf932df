/* sim/gd.c — full-batch gradient descent and mini-batch SGD on a teacher-student GLM at finite
 * (n, d): the simulation that the DMFT of first-order methods describes (docs/dmft.md;
 * Dandi, Gamarnik, Pernice, Zdeborová, arXiv:2603.14573, GD as a rectangular GFOM; Gerbelot,
 * Troiani, Mignacco, Krzakala, Zdeborová, arXiv:2210.06591, SGD with Bernoulli(b) sample
 * selection, no 1/b rescaling). All scalings are stated in cavity/dynamics.h.
 *
 * One step is
 *     h = X w / sqrt(d)                               (sim_gemv_n: one pass over X)
 *     l_mu, g_mu = l(y_mu, h_mu), l'(y_mu, h_mu)      (one indirect loss call for all mu)
 *     g_mu <- s_mu g_mu, s_mu ~ Bernoulli(b)           (SGD only)
 *     w <- (1 - eta lambda) w - (eta/sqrt d) X^T g    (sim_gemv_t with beta = 1 - eta lambda:
 *                                                      the update is fused into the product)
 * so a step costs two passes over X plus O(n + d); the train loss of step t is a by-product of
 * the forward pass. No allocation in the loop. */
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

void sim_gemv_t(size_t n, size_t d, double alpha, const double *X, const double *g, double beta,
                double *v, double *work)
{
    /* Rows are cut into SIM_GEMV_T_CHUNKS fixed chunks (boundaries depend on n only); chunk k
     * accumulates its partial X_k^T g_k into work[k*d ..] streaming its rows contiguously, four
     * rows per sweep of the accumulator; the partials are then added in chunk order. Every
     * rounding step is fixed by (n, d), so the result is the same for any thread count. */
    const size_t K = SIM_GEMV_T_CHUNKS, rows = (n + K - 1) / K;
#pragma omp parallel for schedule(static) if (n * d > 100000)
    for (long k = 0; k < (long)K; k++) {
        double *acc = work + (size_t)k * d;
        size_t i = (size_t)k * rows, i1 = i + rows < n ? i + rows : n;
        for (size_t j = 0; j < d; j++)
            acc[j] = 0.0;
        for (; i + 4 <= i1; i += 4) {
            const double *x0 = X + i * d, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
            double g0 = g[i], g1 = g[i + 1], g2 = g[i + 2], g3 = g[i + 3];
#pragma omp simd
            for (size_t j = 0; j < d; j++)
                acc[j] += (g0 * x0[j] + g1 * x1[j]) + (g2 * x2[j] + g3 * x3[j]);
        }
        for (; i < i1; i++) {
            const double *x0 = X + i * d;
            double g0 = g[i];
#pragma omp simd
            for (size_t j = 0; j < d; j++)
                acc[j] += g0 * x0[j];
        }
    }
#pragma omp parallel for schedule(static) if (n * d > 100000)
    for (long j = 0; j < (long)d; j++) {
        double s = 0.0;
        for (size_t k = 0; k < K; k++)
            s += work[k * d + (size_t)j];
        v[j] = beta == 0.0 ? alpha * s : beta * v[j] + alpha * s;
    }
}

void sim_gemv_n(size_t n, size_t d, double alpha, const double *X, const double *w, double beta,
                double *h)
{
    /* Each h_i is one dot product over its full row in a fixed order (simd lanes fixed at
     * compile time), four rows per sweep over w (four independent accumulators hide the add
     * latency); groups of four rows are split over threads, so nothing depends on their number. */
    const long nb = (long)(n / 4);
#pragma omp parallel for schedule(static) if (n * d > 100000)
    for (long b = 0; b <= nb; b++) {
        size_t i0 = 4 * (size_t)b, cnt = n - i0 < 4 ? n - i0 : 4;
        if (cnt == 0) continue;
        const double *x0 = X + i0 * d;
        const double *x1 = cnt > 1 ? x0 + d : x0, *x2 = cnt > 2 ? x0 + 2 * d : x0;
        const double *x3 = cnt > 3 ? x0 + 3 * d : x0;
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
        for (size_t j = 0; j < d; j++) {
            double wj = w[j];
            s0 += x0[j] * wj;
            s1 += x1[j] * wj;
            s2 += x2[j] * wj;
            s3 += x3[j] * wj;
        }
        double s[4] = {s0, s1, s2, s3};
        for (size_t r = 0; r < cnt; r++)
            h[i0 + r] = beta == 0.0 ? alpha * s[r] : beta * h[i0 + r] + alpha * s[r];
    }
}

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
    double *Xt = nt ? malloc(nt * d * sizeof *Xt) : NULL;
    double *yt = nt ? malloc(nt * sizeof *yt) : NULL, *ht = nt ? malloc(nt * sizeof *ht) : NULL;
    if (!X || !wstar || !w || !y || !h || !l || !g || !work || (nt && (!Xt || !yt || !ht))) {
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
    for (t = 0;; t++) {
        /* Forward pass: h = X w / sqrt(d), loss values and derivatives at every sample. */
        sim_gemv_n(n, d, 1.0 / sd, X, w, 0.0, h);
        cav_loss_value(&c->loss, n, y, h, l, g, NULL);
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

        /* SGD: keep sample mu with probability b (one uniform per sample and step, from the
         * substream keyed by the step, so the batch sequence does not depend on anything but
         * (seed, step, n)). */
        if (c->batch < 1.0) {
            cav_rng r;
            cav_rng_init(&r, c->seed, batch_stream, (uint64_t)t);
            for (size_t i = 0; i < n; i++)
                if (cav_rng_uniform(&r) >= c->batch) g[i] = 0.0;
        }
        /* w <- (1 - eta lambda) w - (eta / sqrt d) X^T g. */
        sim_gemv_t(n, d, -eta / sd, X, g, 1.0 - eta * c->lambda, w, work);
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
    free(Xt), free(yt), free(ht), free(work);
    return st;
}
