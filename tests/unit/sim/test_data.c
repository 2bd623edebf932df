/* Data generators (src/sim/data.c), metrics (src/sim/metrics.c) and reproducibility.
 * RAF statistics (docs/raf.md): the fact fraction is Binomial(n, eps)/n and
 * P(y = sign(nu)) = 1 - eps/2; both checked within 4 binomial standard deviations. Same seed =>
 * bit-identical data, and fits equal to 1e-13, with 1 and 2 OpenMP / BLAS threads. Welford
 * accumulator against the two-pass formulas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>
#include <omp.h>

#include "cavity/sim.h"
#include "core/la.h"
#include "simtest.h"

static void test_raf_statistics(void **state)
{
    (void)state;
    size_t d = 50, n = 20000;
    double eps = 0.3;
    double *ws = malloc(d * sizeof *ws), *X = malloc(n * d * sizeof *X);
    double *nu = malloc(n * sizeof *nu), *y = malloc(n * sizeof *y);
    unsigned char *fact = malloc(n);
    assert_int_equal(cav_sim_teacher(1, 1, d, NULL, ws, NULL), CAV_OK);
    assert_int_equal(cav_sim_raf_data(1, 2, n, d, ws, eps, X, nu, y, fact, NULL), CAV_OK);
    size_t nf = 0, agree = 0, rule_bad = 0;
    double nuvar = 0.0;
    for (size_t i = 0; i < n; i++) {
        nf += fact[i];
        int a = y[i] == (nu[i] >= 0 ? 1.0 : -1.0);
        agree += (size_t)a;
        if (!fact[i] && !a) rule_bad++;
        nuvar += nu[i] * nu[i];
        assert_true(y[i] == 1.0 || y[i] == -1.0);
    }
    double N = (double)n;
    assert_int_equal(rule_bad, 0); /* rules are exactly sign(nu) */
    assert_true(fabs((double)nf / N - eps) < 4 * sqrt(eps * (1 - eps) / N));
    double pa = 1 - eps / 2;
    assert_true(fabs((double)agree / N - pa) < 4 * sqrt(pa * (1 - pa) / N));
    /* nu = X w* / sqrt(d) has variance |w*|^2/d given w* */
    double q = 0.0;
    for (size_t j = 0; j < d; j++)
        q += ws[j] * ws[j];
    q /= (double)d;
    assert_true(fabs(nuvar / N / q - 1.0) < 4 * sqrt(2.0 / N));
    free(ws), free(X), free(nu), free(y), free(fact);
}

static void test_glm_channel(void **state)
{
    (void)state;
    size_t d = 30, n = 5000;
    double *ws = malloc(d * sizeof *ws), *X = malloc(n * d * sizeof *X);
    double *nu = malloc(n * sizeof *nu), *y = malloc(n * sizeof *y);
    cav_sim_teacher(2, 1, d, NULL, ws, NULL);
    cav_channel ch = {&cav_channel_sign, {0, 0}};
    assert_int_equal(cav_sim_glm_data(2, 2, n, d, ws, &ch, X, nu, y, NULL), CAV_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(y[i] * nu[i] >= 0.0);
    cav_err err = {0, ""};
    assert_int_equal(cav_sim_raf_data(2, 2, n, d, ws, 1.5, X, NULL, y, NULL, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "eps"));
    free(ws), free(X), free(nu), free(y);
}

static void run_all(int threads, double *out)
{
    omp_set_num_threads(threads);
    int old = cav_la_set_threads(threads);
    size_t d = 120, n = 260;
    double *ws = malloc(d * sizeof *ws), *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    cav_sim_teacher(77, 1, d, NULL, ws, NULL);
    cav_sim_raf_data(77, 2, n, d, ws, 0.2, X, NULL, y, NULL, NULL);
    out[0] = X[n * d - 1] + X[0] + X[64 * d + 3];
    double *w = malloc(d * sizeof *w);
    cav_sim_fit fit;
    cav_sim_logistic(n, d, X, y, 0.1, NULL, w, &fit, NULL);
    out[1] = fit.objective;
    out[2] = w[5];
    cav_sim_raf_config cfg;
    cav_sim_raf_config_default(&cfg);
    cfg.learner = CAV_SIM_KERNEL;
    cfg.loss.type = &cav_loss_hinge;
    cfg.d = 60;
    cfg.alpha = 2.0;
    cfg.lambda = 0.0;
    cfg.n_test = 3000;
    cav_sim_raf_result res;
    cav_sim_raf_experiment(&cfg, &res);
    out[3] = res.obs.egen;
    out[4] = res.fit.objective;
    cfg.learner = CAV_SIM_RF;
    cfg.act = &cav_act_relu;
    cfg.loss.type = &cav_loss_square;
    cfg.lambda = 0.01;
    cav_sim_raf_experiment(&cfg, &res);
    out[5] = res.obs.egen;
    out[6] = res.obs.train_loss;
    cav_la_set_threads(old);
    free(ws), free(X), free(y), free(w);
}

static void test_thread_independence(void **state)
{
    (void)state;
    double a[7], b[7];
    run_all(1, a);
    run_all(2, b);
    /* Generated data: bit-identical (row-block streams). Solver outputs: OpenBLAS level-3
     * kernels (dsyrk / dpotrf) may split sums differently with the thread count, so allow
     * last-bit differences (observed: 2 ulp in the RF training loss), nothing more. */
    assert_true(a[0] == b[0]);
    for (int i = 1; i < 7; i++)
        assert_true(fabs(a[i] - b[i]) <= 1e-13 * fabs(a[i]));
}

static void test_stat(void **state)
{
    (void)state;
    double v[5] = {0.1, 0.4, NAN, 0.25, 0.3};
    cav_sim_stat s;
    cav_sim_stat_init(&s);
    assert_true(isnan(cav_sim_stat_mean(&s)));
    for (int i = 0; i < 5; i++)
        cav_sim_stat_add(&s, v[i]);
    assert_int_equal(s.n, 4);
    double m = (0.1 + 0.4 + 0.25 + 0.3) / 4, var = 0.0;
    for (int i = 0; i < 5; i++)
        if (!isnan(v[i])) var += (v[i] - m) * (v[i] - m);
    var /= 3;
    assert_true(fabs(cav_sim_stat_mean(&s) - m) < 1e-15);
    assert_true(fabs(cav_sim_stat_sem(&s) - sqrt(var / 4)) < 1e-15);
    double f[4] = {1, -2, 0, 3}, y[4] = {1, 1, 1, -1};
    assert_true(cav_sim_error_rate(4, f, y) == 0.75); /* f = 0 counts as an error */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raf_statistics), cmocka_unit_test(test_glm_channel),
        cmocka_unit_test(test_thread_independence), cmocka_unit_test(test_stat)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
