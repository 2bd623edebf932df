/* Rules-and-Facts: replica theory vs finite-size simulation, every learner x loss, at a few
 * points (d = 200, 12 seeds: moderate, for CI; test_slow_raf_theory_sim.c repeats this at
 * d = 1000 with 20 seeds). Reference: the simulation itself (src/sim), an independent
 * finite-size computation (ERM solved to tight tolerance on sampled data). */
#include "raf_check.h"

enum { D = 200, S = 12 };

RAF_CASES(linear_square, {"linear", "square", 0.5, 0.2, 0.1}, {"linear", "square", 2, 0.2, 0.01},
          {"linear", "square", 0.5, 0.2, 0})
RAF_CASES(linear_hinge, {"linear", "hinge", 0.5, 0.2, 0.1}, {"linear", "hinge", 2, 0.2, 0.1},
          {"linear", "hinge", 0.5, 0.2, 0})
RAF_CASES(linear_logistic, {"linear", "logistic", 0.5, 0.2, 0.1},
          {"linear", "logistic", 2, 0.2, 0.1})
RAF_CASES(kernel_square, {"kernel", "square", 1, 0.2, 0.1}, {"kernel", "square", 2, 0.2, 0})
RAF_CASES(kernel_hinge, {"kernel", "hinge", 1, 0.2, 0.1}, {"kernel", "hinge", 2, 0.2, 0})
RAF_CASES(kernel_logistic, {"kernel", "logistic", 1, 0.2, 0.1})
RAF_CASES(rf_square, {"rf", "square", 1, 0.2, 0.1}, {"rf", "square", 2, 0.2, 0.01})
RAF_CASES(rf_hinge, {"rf", "hinge", 1, 0.2, 0.1})
RAF_CASES(rf_logistic, {"rf", "logistic", 1, 0.2, 0.1})

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linear_square),   cmocka_unit_test(linear_hinge),
        cmocka_unit_test(linear_logistic), cmocka_unit_test(kernel_square),
        cmocka_unit_test(kernel_hinge),    cmocka_unit_test(kernel_logistic),
        cmocka_unit_test(rf_square),       cmocka_unit_test(rf_hinge),
        cmocka_unit_test(rf_logistic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
