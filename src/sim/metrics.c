/* Metrics of finite-size experiments: a running mean / standard-error accumulator (Welford,
 * Technometrics 4, 1962) and the Rules-and-Facts training observables (docs/raf.md,
 * "Observables"): E_mem on the training facts, the training error on rule points and the mean
 * training loss. */
#include <math.h>
#include <stdlib.h>

#include "sim/internal.h"

void cav_sim_stat_init(cav_sim_stat *s)
{
    s->n = 0;
    s->mean = 0.0;
    s->m2 = 0.0;
}

void cav_sim_stat_add(cav_sim_stat *s, double x)
{
    if (isnan(x)) return;
    s->n++;
    double delta = x - s->mean;
    s->mean += delta / (double)s->n;
    s->m2 += delta * (x - s->mean);
}

double cav_sim_stat_mean(const cav_sim_stat *s)
{
    return s->n > 0 ? s->mean : NAN;
}

double cav_sim_stat_sem(const cav_sim_stat *s)
{
    if (s->n < 2) return NAN;
    return sqrt(s->m2 / (double)(s->n - 1) / (double)s->n);
}

static int wrong(double f, double y)
{
    return !(f * y > 0.0); /* f = 0 (or NaN) counts as an error */
}

double cav_sim_error_rate(size_t nt, const double *f, const double *y)
{
    if (nt == 0) return NAN;
    size_t e = 0;
    for (size_t i = 0; i < nt; i++)
        e += (size_t)wrong(f[i], y[i]);
    return (double)e / (double)nt;
}

void cav_sim_raf_train_obs(const cav_loss *loss, size_t n, const double *f, const double *y,
                           const unsigned char *fact, cav_sim_raf_obs *obs)
{
    size_t nf = 0, ef = 0, nr = 0, er = 0;
    for (size_t i = 0; i < n; i++) {
        int isf = fact && fact[i];
        int e = wrong(f[i], y[i]);
        if (isf) {
            nf++;
            ef += (size_t)e;
        } else {
            nr++;
            er += (size_t)e;
        }
    }
    obs->emem = nf ? (double)ef / (double)nf : NAN;
    obs->etrain_rule = nr ? (double)er / (double)nr : NAN;
    obs->egen = obs->m = obs->q = NAN;
    double L = 0.0;
    int kind = sim_loss_kind(loss);
    if (kind == SIM_LOSS_OTHER) {
        double *l = (loss && loss->type && loss->type->value) ? malloc(n * sizeof *l) : NULL;
        if (!l) {
            obs->train_loss = NAN;
            return;
        }
        loss->type->value(loss, n, y, f, l, NULL, NULL);
        for (size_t i = 0; i < n; i++)
            L += l[i];
        free(l);
    } else {
        for (size_t i = 0; i < n; i++) {
            double v;
            if (kind == SIM_LOSS_SQUARE)
                v = 0.5 * (y[i] - f[i]) * (y[i] - f[i]);
            else if (kind == SIM_LOSS_HINGE)
                v = fmax(0.0, 1.0 - y[i] * f[i]);
            else
                v = sim_log1pexp_neg(y[i] * f[i]);
            L += v;
        }
    }
    obs->train_loss = n ? L / (double)n : NAN;
}
