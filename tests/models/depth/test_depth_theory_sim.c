/* depth: the scaling theory's predictions against the model's simulation, through the model
 * contract (cav_model_depth).
 *  - thresholds at the paper's values (eps1 = 1/2, P = He2/2 + He3/6 so k = 3, d = 64):
 *    kappa_c = 1.5 (layer-wise, joint: max(1 + eps1, k eps1)), 1.5 (2-layer: 1 + eps1), 2
 *    (kernel); the kernel's peak at log(2145)/log 64;
 *  - M_W random baseline: with a vanishing stage-1 step (lr1 = 1e-12) the rows stay at their
 *    random initialisation, and the simulated M_W^2 (8 seeds, d = 64, p1 = 256) matches the
 *    theory's mw_random^2 = 8/64 within the 3-sigma family-wise threshold;
 *  - the kernel's interpolation peak (theory kappa_peak = log(d(d+1)/2 + d + 1)/log d): at
 *    d = 10, ridge 1e-12, 4 seeds, the simulated test error at the peak's n = 66 exceeds those at
 *    n = 56 (the paper's d(d-1)/2 + d + 1) and n = 76 by more than a factor e (log mean);
 *  - the theory's M_W limit (random below 1 + eps1, 1 above) is met in direction: the simulated
 *    layer-wise M_W at d = 64 is below 0.5 at kappa = 1.1 and above 0.85 at kappa = 2.
 * Run time about 10 s. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/models/depth.h"
#include "../zcrit.h"

static cav_depth_obs run(const cav_depth_params *p, int sim, uint64_t seed)
{
    cav_result r;
    cav_result_init(&r, (size_t)cav_model_depth.nobs);
    cav_err err = {0};
    assert_int_equal(cav_model_depth.check(p, sim ? CAV_KIND_SIM : CAV_KIND_THEORY, &err), CAV_OK);
    int st =
        sim ? cav_model_depth.simulate(p, seed, &r) : cav_model_depth.theory(p, NULL, NULL, &r);
    assert_int_equal(st, CAV_OK);
    cav_depth_obs o = *(const cav_depth_obs *)cav_result_row(&r, 0);
    cav_result_release(&r);
    return o;
}

static void test_thresholds(void **state)
{
    (void)state;
    cav_depth_params p;
    cav_model_defaults(&cav_model_depth, &p);
    const double want[] = {1.5, 1.5, 1.5, 2.0};
    for (int l = 0; l < 4; l++) {
        p.learner = l;
        cav_depth_obs o = run(&p, 0, 0);
        assert_true(o.kappa_c == want[l]);
        assert_true(fabs(o.mw_random - sqrt(8.0 / 64.0)) < 1e-15);
        if (l == CAV_DEPTH_M_KERNEL)
            assert_true(fabs(o.kappa_peak - log(2145.0) / log(64.0)) < 1e-15);
        else
            assert_true(isnan(o.kappa_peak));
    }
}

static void test_mw_baseline(void **state)
{
    (void)state;
    cav_depth_params p;
    cav_model_defaults(&cav_model_depth, &p);
    p.learner = CAV_DEPTH_M_TWO_LAYER;
    p.lr1 = 1e-12;
    p.p1 = 256;
    p.kappa = 1.2;
    cav_depth_obs t = run(&p, 0, 0);
    enum { S = 8 };
    double s = 0, s2 = 0;
    for (uint64_t seed = 1; seed <= S; seed++) {
        cav_depth_obs o = run(&p, 1, seed);
        s += o.mw * o.mw, s2 += pow(o.mw, 4);
    }
    double mean = s / S, se = sqrt((s2 - S * mean * mean) / (S - 1) / S);
    double z = (mean - t.mw_random * t.mw_random) / se;
    print_message("M_W^2 with frozen random rows: %.4f +- %.4f vs %.4f (z = %.2f)\n", mean, se,
                  t.mw_random * t.mw_random, z);
    assert_true(fabs(z) < test_zcrit(1));
}

static double kernel_err(long d, long n)
{
    cav_depth_params p;
    cav_model_defaults(&cav_model_depth, &p);
    p.learner = CAV_DEPTH_M_KERNEL;
    p.d = d;
    p.lambda_kernel = 1e-12;
    p.ntest = 2000;
    p.kappa = log((double)n + 0.5) / log((double)d);
    double s = 0;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        cav_depth_obs o = run(&p, 1, seed);
        assert_true(o.n == (double)n);
        s += log(o.mse / o.mse_null) / 4;
    }
    return s;
}

static void test_kernel_peak(void **state)
{
    (void)state;
    cav_depth_params p;
    cav_model_defaults(&cav_model_depth, &p);
    p.learner = CAV_DEPTH_M_KERNEL;
    p.d = 10;
    cav_depth_obs t = run(&p, 0, 0);
    long npeak = lround(pow(10.0, t.kappa_peak));
    assert_int_equal(npeak, 66);
    double e56 = kernel_err(10, 56), e66 = kernel_err(10, 66), e76 = kernel_err(10, 76);
    print_message("kernel d = 10: log(mse/null) %.2f (n = 56), %.2f (66), %.2f (76)\n", e56, e66,
                  e76);
    assert_true(e66 > e56 + 1.0 && e66 > e76 + 1.0);
}

static void test_mw_limit(void **state)
{
    (void)state;
    cav_depth_params p;
    cav_model_defaults(&cav_model_depth, &p);
    p.learner = CAV_DEPTH_M_TWO_LAYER;
    p.p1 = 256;
    p.kappa = 1.1;
    cav_depth_obs lo = run(&p, 1, 1), tlo = run(&p, 0, 0);
    p.kappa = 2.0;
    cav_depth_obs hi = run(&p, 1, 1), thi = run(&p, 0, 0);
    print_message("M_W: %.3f at kappa 1.1 (theory limit %.3f), %.3f at 2 (theory limit %.3f)\n",
                  lo.mw, tlo.mw, hi.mw, thi.mw);
    assert_true(tlo.mw == tlo.mw_random && thi.mw == 1.0);
    assert_true(lo.mw < 0.5 && hi.mw > 0.85);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_mw_baseline),
        cmocka_unit_test(test_kernel_peak),
        cmocka_unit_test(test_mw_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
