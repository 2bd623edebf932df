/* rbm-gd at the paper's size (n = 8000, d = 4000, alpha = 2; Xu, Krzakala, Zdeborová,
 * arXiv:2505.18046): the k-index DMFT against gradient ascent on the RBM likelihood step by step,
 * family-wise criterion of tests/models/zcrit.h (helper rbm_gd_cmp.h).
 *   k = r = 1, lambda = 2, lr 0.05, 40 steps, 6 seeds, 40000 DMFT trajectories;
 *   k = r = 1, lambda = 2, lr 0.1, 100 steps (the long-time limit, GD converged by step 60),
 *   6 seeds: the end point (zeta, Q) is the GD fixed point that the AMP-RBM state evolution is
 *   compared with in docs/rbm-gd.md;
 *   k = r = 2, lambda = 2.5, ratio 0.5, lr 0.05, 30 steps, 4 seeds.
 * Run time: 135 s on two cores shared with other jobs (load average 12). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define TMAX 100
#include "rbm_gd_cmp.h"

static void test_paper_k1(void **state)
{
    (void)state;
    cav_dmft_k_problem p = prob(1, 1, CAV_RBM_RADEMACHER, 2, 40, 0.05);
    compare(&p, 4000, 6, 40000);
}

static void test_paper_k1_long_time(void **state)
{
    (void)state;
    cav_dmft_k_problem p = prob(1, 1, CAV_RBM_RADEMACHER, 2, 100, 0.1);
    compare(&p, 4000, 6, 40000);
}

static void test_paper_k2(void **state)
{
    (void)state;
    cav_dmft_k_problem p = prob(2, 2, CAV_RBM_RADEMACHER, 2.5, 30, 0.05);
    p.init_overlap = 0.3;
    compare(&p, 4000, 4, 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper_k1),
        cmocka_unit_test(test_paper_k1_long_time),
        cmocka_unit_test(test_paper_k2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
