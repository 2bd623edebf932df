/* Theory vs simulation for the training-attack choices of the adversarial models (fast CI
 * variant; docs/adversarial.md, "Training attacks: norm and space"):
 *  - the latent model trained against attacks on the features x (attack_space = features,
 *    l_inf shift eps_t ||w||_1/p, l_2 shift eps_t ||w||_2/sqrt(p)) at gamma = 0.5 (p = 2d, the
 *    noise features attacked too) and gamma = 2 (p = d/2), l_inf and l_2 training;
 *  - mixed norms: l_inf training with l_2 test attacks and the reverse, direct and latent model,
 *    on z and on the features.
 * d = 500, 20 seeds, 4000 test points per seed, logistic loss, ridge, eps_t = 0.3, test eps = 1;
 * 8 observables per case (adv_check.h), judged with the family-wise 3-sigma threshold of
 * tests/models/zcrit.h over all 72 comparisons (4.17). The simulation is independent of the
 * theory: projected Newton-CG on the exact robust objective with N(w) over the features
 * (src/sim/adv/adv_erm.c), the exact consistent-attack oracle on z. About 40 s on one core.
 * The slow variant (test_slow_adv_attacks_sim.c) runs d = 1000 over gamma in [0.3, 2.5]. */
#include "adv_check.h"

static const adv_case cases[] = {
    /* feature-space training attack */
    {"adversarial-latent", "inf", "2", 1.0, 0.5, 0.3, 1.0, 0.01, NULL, NULL, "features"},
    {"adversarial-latent", "inf", "2", 1.0, 2.0, 0.3, 1.0, 0.01, NULL, NULL, "features"},
    {"adversarial-latent", "2", "2", 1.0, 0.5, 0.3, 1.0, 0.01, NULL, NULL, "features"},
    /* mixed norms: the test norm is attack_norm, the training norm train_norm */
    {"adversarial", "2", "2", 1.0, 1, 0.3, 1.0, 0.01, NULL, "inf", NULL},
    {"adversarial", "inf", "2", 1.5, 1, 0.3, 1.0, 0.01, NULL, "2", NULL},
    {"adversarial-latent", "2", "2", 1.0, 0.5, 0.3, 1.0, 0.01, NULL, "inf", NULL},
    {"adversarial-latent", "2", "2", 1.0, 1.5, 0.3, 1.0, 0.01, NULL, "inf", "features"},
    {"adversarial-latent", "inf", "2", 1.0, 0.5, 0.3, 1.0, 0.01, NULL, "2", "features"},
    {"adversarial-latent", "inf", "2", 1.0, 2.0, 0.3, 1.0, 0.01, NULL, "2", NULL},
};

static void test_attacks(void **s)
{
    (void)s;
    const int ncase = (int)(sizeof cases / sizeof cases[0]);
    double worst = 0;
    int n = 0;
    adv_zmax = test_zcrit(ncase * 8);
    for (int i = 0; i < ncase; i++) {
        double wc = 0;
        n += adv_check_case(&cases[i], 500, 20, &wc);
        print_message("case %d (%s, test %s, train %s on %s, gamma %g): worst z = %.2f\n", i,
                      cases[i].model, cases[i].norm, cases[i].train ? cases[i].train : "same",
                      cases[i].space ? cases[i].space : "latent", cases[i].gamma, wc);
        if (fabs(wc) > fabs(worst)) worst = wc;
    }
    print_message("%d comparisons, worst z = %.2f (allowed %.2f)\n", n, worst, adv_zmax);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_attacks)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
