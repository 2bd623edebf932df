/* Shared driver of the Rules-and-Facts theory-vs-simulation tests (fast and slow variants).
 *
 * For each case: the theory at the point, and the simulation over S seeds (mean and standard
 * error); each observable must agree within 3 standard errors. For the error fractions the
 * standard error is at least the binomial one at the theory's value, sqrt(p(1-p)/N) with N the
 * points behind the fraction over all seeds (an observed 0 +- 0 over 500 facts is no evidence
 * against p = 0.003), plus the resolution 1/N of one point. */
#ifndef TESTS_RAF_CHECK_H
#define TESTS_RAF_CHECK_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "cavity/model.h"

/* Rule test points of the kernel and rf learners (the linear learner's egen is exact). */
#define NTEST 4000

typedef struct raf_case {
    const char *learner, *loss; /* learner "linear": egen is exact given w (no test noise) */
    double alpha, eps, lambda;
} raf_case;

static double raf_param(const cav_model *m, double *v, const char *name, const char *text)
{
    int i = cav_model_param_index(m, name);
    assert_true(i >= 0);
    cav_err e = {0};
    int s = cav_param_parse(&m->params[i], text, &v[i], &e);
    if (s) fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(s, CAV_OK);
    return v[i];
}

/* Returns the number of observables compared. */
static int raf_check_case(const raf_case *c, int d, int S)
{
    const cav_model *m = cav_model_find("raf");
    assert_non_null(m);
    double v[CAV_MAX_PARAMS];
    char buf[64];
    cav_model_default_coords(m, v);
    raf_param(m, v, "learner", c->learner);
    raf_param(m, v, "loss", c->loss);
    snprintf(buf, sizeof buf, "%.17g", c->alpha);
    raf_param(m, v, "alpha", buf);
    snprintf(buf, sizeof buf, "%.17g", c->eps);
    raf_param(m, v, "eps", buf);
    snprintf(buf, sizeof buf, "%.17g", c->lambda);
    raf_param(m, v, "lambda", buf);
    snprintf(buf, sizeof buf, "%d", d);
    raf_param(m, v, "d", buf);
    snprintf(buf, sizeof buf, "%d", NTEST);
    raf_param(m, v, "ntest", buf);
    cav_err e = {0};
    assert_int_equal(cav_model_check(m, CAV_KIND_SIM, v, &e), CAV_OK);

    cav_result th;
    cav_result_init(&th, (size_t)m->nobs);
    assert_int_equal(cav_model_theory(m, v, NULL, NULL, &th), CAV_OK);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const char *names[] = {"egen", "emem", "etrain_rule", "train_loss"};
    double sum[4] = {0}, sum2[4] = {0};
    for (int s = 0; s < S; s++) {
        cav_result r;
        cav_result_init(&r, (size_t)m->nobs);
        int st = cav_model_simulate(m, v, (uint64_t)(100 + s), &r);
        if (st) fprintf(stderr, "simulation failed: %s\n", r.msg);
        assert_int_equal(st, CAV_OK);
        for (int k = 0; k < 4; k++) {
            double x = r.obs[cav_model_obs_index(m, names[k])];
            sum[k] += x;
            sum2[k] += x * x;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "  [%s %s alpha=%g lambda=%g: %d seeds at d=%d in %.2f s]\n", c->learner,
            c->loss, c->alpha, c->lambda, S, d,
            (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    double n = c->alpha * d;
    double n_test = NTEST; /* kernel / rf test set */
    /* Points behind each fraction per seed: egen of a linear learner is exact given w (no test
     * noise); memorisation uses the ~eps n facts, training error the ~(1-eps) n rules. */
    double npts[4] = {c->learner[0] == 'l' ? INFINITY : n_test, c->eps * n, (1 - c->eps) * n, n};
    int compared = 0;
    for (int k = 0; k < 4; k++) {
        double t = th.obs[cav_model_obs_index(m, names[k])];
        double mean = sum[k] / S;
        double var = (sum2[k] - S * mean * mean) / (S - 1);
        double se = sqrt(fmax(var, 0) / S);
        double N = npts[k] * S;
        if (k < 3) se = fmax(se, sqrt(t * (1 - t) / N));
        /* train_loss: the ERM solvers stop at relative gradient norm / duality gap 1e-8, so an
         * exact 0 is met to ~1e-8; 1e-6 is the floor. */
        double tol = 3 * se + (k < 3 ? 1.0 / N : 1e-6);
        fprintf(stderr,
                "  %-8s %-8s alpha=%-4g lambda=%-5g %-11s theory %.5f  sim %.5f +- %.5f %s\n",
                c->learner, c->loss, c->alpha, c->lambda, names[k], t, mean, se,
                fabs(t - mean) <= tol ? "ok" : "DISAGREE");
        assert_true(isfinite(t));
        assert_true(fabs(t - mean) <= tol);
        compared++;
    }
    return compared;
}

/* One cmocka test running raf_check_case over a list of cases at dimension D with S seeds. */
#define RAF_CASES(name, ...)                                                                       \
    static void name(void **state)                                                                 \
    {                                                                                              \
        (void)state;                                                                               \
        const raf_case cases[] = {__VA_ARGS__};                                                    \
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)                                \
            raf_check_case(&cases[i], D, S);                                                       \
    }

#endif
