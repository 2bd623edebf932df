/* cav_sim_raf_experiment_grid (src/sim/raf/raf_experiment.c) against point-by-point
 * cav_sim_raf_experiment: kernel ridge shares one Gram matrix, one Cholesky factorisation and
 * one cross kernel over the alpha grid of a seed, so its results agree to rounding (error counts
 * exactly, train loss and objective to 1e-10 relative; measured 2e-15); other learners run point
 * by point and agree bit for bit; a bad point is reported for every point before any work. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "cavity/sim.h"

static void compare(cav_sim_raf_config *c, int exact)
{
    const double alphas[] = {0.5, 1.0, 2.0, 0.75};
    enum { NA = 4 };
    cav_sim_raf_result one[NA], grid[NA];
    for (int k = 0; k < NA; k++) {
        c->alpha = alphas[k];
        assert_int_equal(cav_sim_raf_experiment(c, one + k), CAV_OK);
    }
    assert_int_equal(cav_sim_raf_experiment_grid(c, NA, alphas, grid), CAV_OK);
    double worst = 0;
    for (int k = 0; k < NA; k++) {
        assert_int_equal(one[k].n, grid[k].n);
        assert_int_equal(one[k].nfacts, grid[k].nfacts);
        assert_int_equal(one[k].n_test, grid[k].n_test);
        assert_true(one[k].obs.egen == grid[k].obs.egen);
        assert_true(one[k].obs.emem == grid[k].obs.emem);
        assert_true(one[k].obs.etrain_rule == grid[k].obs.etrain_rule);
        double r = fabs(one[k].obs.train_loss - grid[k].obs.train_loss) / one[k].obs.train_loss;
        double o = fabs(one[k].fit.objective - grid[k].fit.objective) / one[k].fit.objective;
        worst = fmax(worst, fmax(r, o));
        if (exact) {
            assert_true(r == 0 && o == 0);
            assert_true(one[k].obs.m == grid[k].obs.m ||
                        (isnan(one[k].obs.m) && isnan(grid[k].obs.m)));
        }
        assert_true(r <= 1e-10 && o <= 1e-10);
        assert_true(grid[k].fit.residual <= 1e-10);
    }
    printf("learner %d: grid vs point by point: max rel. diff of train loss / objective %.1e\n",
           (int)c->learner, worst);
}

static void test_grid(void **state)
{
    (void)state;
    cav_sim_raf_config c;
    cav_sim_raf_config_default(&c);
    c.loss.type = &cav_loss_square;
    c.d = 120, c.eps = 0.2, c.lambda = 0.1, c.n_test = 1500;
    for (uint64_t s = 1; s <= 2; s++) {
        c.seed = s;
        c.learner = CAV_SIM_KERNEL;
        compare(&c, 0);
        c.learner = CAV_SIM_LINEAR;
        compare(&c, 1);
    }
    /* bad input: every point reports it */
    const double bad[] = {1.0, -1.0};
    cav_sim_raf_result r[2];
    c.learner = CAV_SIM_KERNEL;
    assert_int_equal(cav_sim_raf_experiment_grid(&c, 2, bad, r), CAV_EINVAL);
    assert_int_equal(r[0].status, CAV_EINVAL);
    assert_int_equal(r[1].status, CAV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_grid)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
