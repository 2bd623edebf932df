/* Theory vs simulation for the adversarial models at the authors' size (slow: d = 500, 20 seeds,
 * 4000 test points per seed): direct model over alpha in [0.2, 2], latent model over gamma in
 * [0.1, 2] (alpha = 1), both attack norms, plain and adversarial training (eps_t = 0.3).
 * 20 seeds rather than the authors' 10 so that the seed-to-seed standard errors are estimated
 * well enough for the family-wise 3-sigma criterion of adv_check.h (m = 320 comparisons). */
#include "adv_check.h"

static void test_slow(void **s)
{
    (void)s;
    const double alphas[] = {0.2, 0.6, 1.0, 1.5, 2.0}, gammas[] = {0.1, 0.3, 0.7, 1.2, 2.0};
    const char *norms[] = {"2", "inf"};
    double worst = 0;
    int n = 0;
    adv_zmax = test_zcrit(2 * 2 * 10 * 8);
    for (int k = 0; k < 2; k++)
        for (int t = 0; t < 2; t++) {
            for (int i = 0; i < 5; i++) {
                adv_case c = {"adversarial", norms[k], "2", alphas[i], 1, 0.3 * t, 1.0, 0.01};
                n += adv_check_case(&c, 500, 20, &worst);
            }
            for (int i = 0; i < 5; i++) {
                adv_case c = {
                    "adversarial-latent", norms[k], "2", 1.0, gammas[i], 0.3 * t, 1.0, 0.01};
                n += adv_check_case(&c, 500, 20, &worst);
            }
        }
    print_message("%d comparisons, worst z = %.2f (allowed %.2f)\n", n, worst, adv_zmax);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_slow)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
