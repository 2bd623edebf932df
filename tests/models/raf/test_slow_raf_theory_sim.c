/* Rules-and-Facts theory vs simulation at d = 1000, 20 seeds, over a wider set of points than
 * the CI test (label "slow": run with `scripts/test.sh --slow` or
 * `ctest --test-dir build -L slow`). Same criterion: 3 standard errors (binomial floor for
 * fractions; see raf_check.h). */
#include "raf_check.h"

enum { D = 1000, S = 20 };

RAF_CASES(linear_square, {"linear", "square", 0.5, 0.2, 0.1}, {"linear", "square", 1.5, 0.1, 0.01},
     {"linear", "square", 3, 0.3, 0.1}, {"linear", "square", 0.5, 0.2, 0},
     {"linear", "square", 2, 0.2, 0})
RAF_CASES(linear_hinge, {"linear", "hinge", 0.5, 0.2, 0.1}, {"linear", "hinge", 2, 0.2, 0.1},
     {"linear", "hinge", 3, 0.4, 0.01}, {"linear", "hinge", 1, 0.2, 0})
RAF_CASES(linear_logistic, {"linear", "logistic", 0.5, 0.2, 0.1}, {"linear", "logistic", 2, 0.2, 0.1},
     {"linear", "logistic", 3, 0.1, 0.01})
RAF_CASES(kernel_square, {"kernel", "square", 1, 0.2, 0.1}, {"kernel", "square", 2, 0.2, 0},
     {"kernel", "square", 3, 0.4, 1})
RAF_CASES(kernel_hinge, {"kernel", "hinge", 1, 0.2, 0.1}, {"kernel", "hinge", 2, 0.2, 0})
RAF_CASES(kernel_logistic, {"kernel", "logistic", 1, 0.2, 0.1}, {"kernel", "logistic", 2, 0.3, 1})
RAF_CASES(rf_square, {"rf", "square", 1, 0.2, 0.1}, {"rf", "square", 2, 0.2, 0.01})
RAF_CASES(rf_hinge, {"rf", "hinge", 1, 0.2, 0.1}, {"rf", "hinge", 2, 0.2, 0.1})
RAF_CASES(rf_logistic, {"rf", "logistic", 1, 0.2, 0.1}, {"rf", "logistic", 2, 0.2, 0.1})

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linear_square), cmocka_unit_test(linear_hinge),
        cmocka_unit_test(linear_logistic), cmocka_unit_test(kernel_square),
        cmocka_unit_test(kernel_hinge),   cmocka_unit_test(kernel_logistic),
        cmocka_unit_test(rf_square),      cmocka_unit_test(rf_hinge),
        cmocka_unit_test(rf_logistic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
