/* The Rules-and-Facts experiment driver (src/sim/raf/raf_experiment.c): exact properties of the
 * lambda -> 0+ learners (docs/raf.md): min-norm linear regression below alpha = 1 and
 * ridgeless kernel regression interpolate every training label (E_mem = 0, rule training error 0,
 * training loss 0); max-margin on rule-only data is separable (training error 0); E_gen of the
 * linear learner equals arccos(m/sqrt(q q*))/pi; parameter errors name the parameter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cavity/sim.h"
#include "simtest.h"

static void test_linear_min_norm(void **state)
{
    (void)state;
    cav_sim_raf_config c;
    cav_sim_raf_config_default(&c);
    c.loss.type = &cav_loss_square;
    c.alpha = 0.5;
    c.lambda = 0.0;
    c.eps = 0.3;
    c.d = 200;
    c.seed = 3;
    cav_sim_raf_result r;
    assert_int_equal(cav_sim_raf_experiment(&c, &r), CAV_OK);
    assert_int_equal(r.n, 100);
    assert_true(r.nfacts > 10 && r.nfacts < 50);
    assert_true(r.obs.emem == 0.0 && r.obs.etrain_rule == 0.0);
    assert_true(r.obs.train_loss < 1e-20);
    assert_true(r.obs.egen > 0.1 && r.obs.egen < 0.5);
    /* q* = |w*|^2/d is ~1: check the formula with q* in [0.8, 1.2] bracket */
    double lo = acos(r.obs.m / sqrt(r.obs.q * 0.8)) / 3.141592653589793;
    double hi = acos(r.obs.m / sqrt(r.obs.q * 1.2)) / 3.141592653589793;
    assert_true(r.obs.egen >= fmin(lo, hi) && r.obs.egen <= fmax(lo, hi));
}

static void test_kernel_ridgeless_memorises(void **state)
{
    (void)state;
    cav_sim_raf_config c;
    cav_sim_raf_config_default(&c);
    c.learner = CAV_SIM_KERNEL;
    c.loss.type = &cav_loss_square;
    c.alpha = 2.0;
    c.lambda = 0.0;
    c.eps = 0.3;
    c.d = 100;
    c.mu1 = 1.0;
    c.mustar = 0.5;
    c.n_test = 4000;
    cav_sim_raf_result r;
    assert_int_equal(cav_sim_raf_experiment(&c, &r), CAV_OK);
    assert_true(r.obs.emem == 0.0 && r.obs.etrain_rule == 0.0);
    assert_true(r.obs.egen > 0.05 && r.obs.egen < 0.45);
    assert_true(isnan(r.obs.m));
    assert_int_equal(r.n_test, 4000);
}

static void test_hinge_and_rf(void **state)
{
    (void)state;
    cav_sim_raf_config c;
    cav_sim_raf_config_default(&c);
    c.loss.type = &cav_loss_hinge;
    c.alpha = 1.5;
    c.lambda = 0.0;
    c.eps = 0.0;
    c.d = 100;
    cav_sim_raf_result r;
    assert_int_equal(cav_sim_raf_experiment(&c, &r), CAV_OK);
    assert_int_equal(r.fit.separable, 1);
    assert_true(r.obs.etrain_rule == 0.0 && isnan(r.obs.emem));
    c.learner = CAV_SIM_RF;
    c.act = &cav_act_tanh;
    c.kappa = 3.0;
    c.loss.type = &cav_loss_logistic;
    c.lambda = 0.1;
    c.eps = 0.2;
    c.n_test = 2000;
    assert_int_equal(cav_sim_raf_experiment(&c, &r), CAV_OK);
    assert_int_equal(r.p, 300);
    assert_true(r.fit.residual <= 1e-8);
    assert_true(r.obs.egen > 0.0 && r.obs.egen < 0.45);
}

static void test_bad_params(void **state)
{
    (void)state;
    cav_sim_raf_config c;
    cav_sim_raf_config_default(&c);
    c.loss.type = &cav_loss_square;
    c.eps = -0.1;
    cav_sim_raf_result r;
    assert_int_equal(cav_sim_raf_experiment(&c, &r), CAV_EINVAL);
    assert_non_null(strstr(r.msg, "eps"));
    c.eps = 0.1;
    c.learner = CAV_SIM_RF; /* no activation */
    assert_int_equal(cav_sim_raf_experiment(&c, &r), CAV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_min_norm), cmocka_unit_test(test_kernel_ridgeless_memorises),
        cmocka_unit_test(test_hinge_and_rf), cmocka_unit_test(test_bad_params)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
