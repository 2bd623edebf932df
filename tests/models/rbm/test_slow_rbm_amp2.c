/* Slow (paper size): AMP-RBM with two hidden units at n = 8000, d = 4000 (alpha = 2,
 * Lambda = diag(3.5, 1.75), Rademacher everywhere), 4 seeds:
 *   - against its SE step by step from an informed start WITH the orthogonal early phase (the
 *     default orth_steps = 10; at d = 1000 it shows an O(1/d) lag, docs/rbm.md): zeta 2 x 2
 *     and Q_11, Q_12, Q_22 at iterations 1..8;
 *   - from a random start (120 iterations): stationary local maximum of J along random
 *     directions, aligned overlaps against the SE fixed point;
 * family-wise threshold of zcrit.h over the 63 comparisons (Gram entries fixed by the linear and
 * orthogonal phases compared exactly). 39 s on 2 cores at load 4 (1 min 48 s at load 8). */
#define D 4000
#define RBM2_SEED0 1000
#define RBM2_ORTH 1
#include "rbm_amp2_cmp.h"

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iterations),
        cmocka_unit_test(test_fixed_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
