/* AMP for the spiked Wigner model and GAMP for GLMs (src/sim/amp/amp_wigner.c, amp_gamp.c) against
 * their state evolutions. References:
 *   - m(gamma) = E tanh(gamma + sqrt(gamma) Z): independent 200-node Gauss-Hermite rule, the
 *     Nishimori identity E tanh = E tanh^2, and the series m = gamma - gamma^2 + O(gamma^3);
 *   - SE: m = 0 attracts for snr < 1 (linearisation m' = snr m) and a non-trivial fixed point
 *     exists for snr > 1 (docs/dmft.md, AMP (eq. A));
 *   - finite-n AMP / GAMP overlaps averaged over seeds agree with the SE within a bound built
 *     from the per-seed O(1/sqrt(n)) fluctuation (stated at each assertion). */
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cavity/bayes.h"
#include "cavity/dmft.h"
#include "cavity/dynamics.h"
#include "cavity/prior.h"
#include "simtest.h"

void openblas_set_num_threads(int);

static void test_overlap_function(void **state)
{
    (void)state;
    /* Reference: trapezoid rule with step 0.005 on [-14, 14] for the Gaussian-weighted smooth
     * integrand (error exponentially small in 1/step; tails below 1e-40), independent of the
     * adaptive Gauss-Kronrod code. A 200-node Gauss-Hermite rule is NOT accurate enough here:
     * tanh has poles at distance pi/(2 sqrt(gamma)) from the real line, and at gamma = 8 the
     * rule is off by 8e-10 and violates the Nishimori identity by 6e-8. */
    double gs[4] = {0.3, 2.0, 8.0, 30.0};
    for (int k = 0; k < 4; k++) {
        double g = gs[k], m1 = 0.0, m2 = 0.0, h = 0.005;
        for (int i = -2800; i <= 2800; i++) {
            double z = i * h, p = exp(-0.5 * z * z) / sqrt(2.0 * 3.14159265358979323846);
            double t = tanh(g + sqrt(g) * z);
            m1 += h * p * t, m2 += h * p * t * t;
        }
        assert_true(fabs(cav_prior_rademacher_overlap(g) - m1) < 1e-11);
        assert_true(fabs(m1 - m2) < 1e-11); /* Nishimori: E tanh = E tanh^2 */
    }
    double g = 1e-3;
    assert_true(fabs(cav_prior_rademacher_overlap(g) - (g - g * g)) < 10 * g * g * g);
    assert_true(cav_prior_rademacher_overlap(0.0) == 0.0);
    assert_true(isnan(cav_prior_rademacher_overlap(-1.0)));
}

static void test_wigner_se(void **state)
{
    (void)state;
    double out[3 * 401];
    /* snr < 1: m_t -> 0 geometrically (rate <= snr). */
    assert_int_equal(cav_dmft_amp_se(0.9, 400, 0.5, out, NULL), CAV_OK);
    assert_true(out[3 * 400 + 1] < 1e-12);
    assert_true(fabs(out[1] - 0.5) < 1e-15 && fabs(out[2] - 0.5) < 1e-15);
    /* snr > 1: a non-trivial fixed point m* = m(snr m*), reached from a tiny start; near the
     * transition m* ~ (snr - 1)/snr^2 (from m = g - g^2, g = snr m). */
    double snrs[3] = {1.2, 2.0, 4.0};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(cav_dmft_amp_se(snrs[k], 400, 1e-4, out, NULL), CAV_OK);
        double m = out[3 * 400 + 1];
        assert_true(m > 0.05);
        assert_true(fabs(m - cav_prior_rademacher_overlap(snrs[k] * m)) < 1e-12);
        assert_true(fabs(out[3 * 400 + 2] - (1.0 - m)) < 1e-15);
        if (k == 0) assert_true(fabs(m - 0.2 / 1.44) < 0.05);
    }
    cav_err err = {0, ""};
    assert_int_equal(cav_dmft_amp_se(-1.0, 10, 0.1, out, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "snr"));
    assert_int_equal(cav_dmft_amp_se(1.0, 10, 1.0, out, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "init_overlap"));
}

#define AMP_STEPS 12
#define AMP_SEEDS 4

/* Mean over AMP_SEEDS of the AMP overlap at n, and the SE; returns max_t |mean - SE|. */
static double wigner_gap(double snr, size_t n, double init, double *se_last, double *amp_last)
{
    double se[3 * (AMP_STEPS + 1)], a[3 * (AMP_STEPS + 1)], mean[AMP_STEPS + 1] = {0};
    assert_int_equal(cav_dmft_amp_se(snr, AMP_STEPS, init, se, NULL), CAV_OK);
    for (uint64_t s = 0; s < AMP_SEEDS; s++) {
        cav_amp_wigner_config c = {snr, AMP_STEPS, n, 100 + s, init};
        cav_err err = {0, ""};
        assert_int_equal(cav_amp_wigner_simulate(&c, a, &err), CAV_OK);
        for (int t = 0; t <= AMP_STEPS; t++) {
            mean[t] += a[3 * t + 1] / AMP_SEEDS;
            assert_true(isfinite(a[3 * t + 1]) && isfinite(a[3 * t + 2]));
        }
    }
    double gap = 0.0;
    for (int t = 0; t <= AMP_STEPS; t++)
        if (fabs(mean[t] - se[3 * t + 1]) > gap) gap = fabs(mean[t] - se[3 * t + 1]);
    *se_last = se[3 * AMP_STEPS + 1];
    *amp_last = mean[AMP_STEPS];
    return gap;
}

static void test_wigner_amp_vs_se(void **state)
{
    (void)state;
    /* Per seed the overlap x*.f/n fluctuates by sqrt(Var(x f)/n) <= 1/sqrt(n) = 0.022 at
     * n = 2000; the mean of 4 seeds by <= 0.011. Tolerance 0.035 (about 3 of those, covering the
     * amplification of early fluctuations by the unstable direction, factor <= snr per step). */
    double se, amp;
    double gap = wigner_gap(2.0, 2000, 0.1, &se, &amp);
    assert_true(gap < 0.035);
    assert_true(se > 0.6);              /* the SE fixed point at snr = 2 */
    assert_true(fabs(amp - se) < 0.02); /* AMP reached it */
    /* snr < 1: from overlap 0.1, stays near zero. */
    gap = wigner_gap(0.5, 2000, 0.1, &se, &amp);
    assert_true(gap < 0.035);
    assert_true(fabs(amp) < 0.03 && se < 1e-3);
}

static void test_gamp_vs_se(void **state)
{
    (void)state;
    /* Sign teacher, alpha = 2 (Bayes-optimal q* about 0.7), and noisy linear teacher. d = 800,
     * 3 seeds; per-seed fluctuation of w*.what/d is O(1/sqrt(d)) = 0.035, mean of 3 about 0.02;
     * tolerance 0.05. */
    cav_gamp_config c;
    double se[4 * 21], a[4 * 21];
    for (int ch = 0; ch < 2; ch++) {
        cav_gamp_config_default(&c);
        c.d = 800;
        c.steps = 20;
        if (ch == 1) {
            c.channel.type = &cav_channel_linear;
            c.channel.par[0] = 0.1;
            c.alpha = 1.5;
            c.init_overlap = 0.2;
        }
        assert_int_equal(cav_bayes_se_path(&c.channel, c.alpha, c.steps, c.init_overlap, se, NULL),
                         CAV_OK);
        double mean[21] = {0};
        for (uint64_t s = 0; s < 3; s++) {
            c.seed = s;
            cav_err err = {0, ""};
            assert_int_equal(cav_gamp_simulate(&c, a, &err), CAV_OK);
            for (int t = 0; t <= 20; t++)
                mean[t] += a[4 * t + 1] / 3.0;
        }
        for (int t = 0; t <= 20; t++)
            assert_true(fabs(mean[t] - se[4 * t + 1]) < 0.05);
        assert_true(se[4 * 20 + 1] > 0.5);
    }
}

static void test_threads(void **state)
{
    (void)state;
    cav_amp_wigner_config c = {1.5, 5, 500, 3, 0.2};
    double a[18], b[18];
    cav_gamp_config g;
    cav_gamp_config_default(&g);
    g.d = 400;
    g.steps = 5;
    double ga[24], gb[24];
    openblas_set_num_threads(1);
    omp_set_num_threads(1);
    assert_int_equal(cav_amp_wigner_simulate(&c, a, NULL), CAV_OK);
    assert_int_equal(cav_gamp_simulate(&g, ga, NULL), CAV_OK);
    openblas_set_num_threads(2);
    omp_set_num_threads(2);
    assert_int_equal(cav_amp_wigner_simulate(&c, b, NULL), CAV_OK);
    assert_int_equal(cav_gamp_simulate(&g, gb, NULL), CAV_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_equal(ga, gb, sizeof ga);
    cav_err err = {0, ""};
    c.n = 1;
    assert_int_equal(cav_amp_wigner_simulate(&c, a, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "n ="));
    g.alpha = 0.0;
    assert_int_equal(cav_gamp_simulate(&g, ga, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "alpha"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlap_function), cmocka_unit_test(test_wigner_se),
        cmocka_unit_test(test_wigner_amp_vs_se), cmocka_unit_test(test_gamp_vs_se),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
