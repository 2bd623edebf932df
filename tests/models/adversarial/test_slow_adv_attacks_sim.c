/* Theory vs simulation for the training-attack choices of the adversarial models at d = 1000
 * (slow; the fast variant is test_adv_attacks_sim.c; docs/adversarial.md, "Training attacks:
 * norm and space"):
 *  - the latent model trained against attacks on the features (attack_space = features) over
 *    gamma in {0.3, 0.5, 0.8, 1.5, 2.5} (p = 3333 ... 400 features for d = 1000 latent
 *    dimensions, n = 1000), l_inf and l_2 training, eps_t = 0.3;
 *  - mixed norms (l_inf training with l_2 test and the reverse): the latent model with
 *    feature-space training at gamma 0.5 and 2, the direct model at alpha 0.5 and 2.
 * 20 seeds, 4000 test points per seed, logistic loss, ridge lambda = 0.01, test eps = 1;
 * 18 cases x 8 observables = 144 comparisons, family-wise 3-sigma threshold 4.31
 * (tests/models/zcrit.h). Run time: about 20 minutes of wall time on the shared 2-core
 * development VM, most of it in the gamma = 0.3 cases (p = 3333).
 * On this version the largest deviation is |z| = 3.54 (allowed 4.28), at gamma = 0.3 for both
 * norms: P = ||w||_1/p over seeds 1000-1019 (l_inf: 1.1794 +- 0.0033 against 1.1678, z = 3.5).
 * Seeds 3000-3019 at d = 1000 give z = -0.5 and d = 500 gives z = -0.5 for the same point: a
 * fluctuation shared by the two cases (same data), not a bias. */
#include "adv_check.h"

static void test_slow(void **s)
{
    (void)s;
    const double gammas[] = {0.3, 0.5, 0.8, 1.5, 2.5};
    const char *norms[] = {"inf", "2"};
    double worst = 0;
    int n = 0;
    adv_zmax = test_zcrit(18 * 8);
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 5; i++) {
            adv_case c = {"adversarial-latent",
                          norms[k],
                          "2",
                          1.0,
                          gammas[i],
                          0.3,
                          1.0,
                          0.01,
                          NULL,
                          NULL,
                          "features"};
            double wc = 0;
            n += adv_check_case(&c, 1000, 20, &wc);
            print_message("features, norm %s, gamma %g: worst z = %.2f\n", norms[k], gammas[i], wc);
            if (fabs(wc) > fabs(worst)) worst = wc;
        }
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 2; i++) {
            const char *test = norms[k], *train = norms[1 - k];
            adv_case lat = {"adversarial-latent",
                            test,
                            "2",
                            1.0,
                            i ? 2.0 : 0.5,
                            0.3,
                            1.0,
                            0.01,
                            NULL,
                            train,
                            "features"};
            adv_case dir = {"adversarial", test, "2",  i ? 2.0 : 0.5, 1,   0.3,
                            1.0,           0.01, NULL, train,         NULL};
            double wl = 0, wd = 0;
            n += adv_check_case(&lat, 1000, 20, &wl);
            n += adv_check_case(&dir, 1000, 20, &wd);
            print_message("mixed, train %s test %s: latent gamma %g worst z = %.2f, direct alpha "
                          "%g worst z = %.2f\n",
                          train, test, lat.gamma, wl, dir.alpha, wd);
            if (fabs(wl) > fabs(worst)) worst = wl;
            if (fabs(wd) > fabs(worst)) worst = wd;
        }
    print_message("%d comparisons, worst z = %.2f (allowed %.2f)\n", n, worst, adv_zmax);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_slow)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
