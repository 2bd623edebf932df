/* Theory vs simulation for the adversarial models (fast CI variant): d = 200, 20 seeds (10 seeds
 * estimate the standard error too roughly for 72 comparisons), 4000 test points per seed, logistic
 * loss, both models x both attack norms, with and without adversarial training, ridge and lasso;
 * the hinge loss with adversarial training (eps_t 0.2): direct l_inf and latent l_2; and the
 * square loss with adversarial training (eps_t 0.2, lambda 0.1): direct l_2 and l_inf.
 * Criterion: within 3 standard errors (adv_check.h). The slow variant (test_slow_adv_theory_sim.c)
 * runs d = 500 over alpha in [0.2, 2] and gamma in [0.1, 2]. */
#include "adv_check.h"

static const adv_case cases[] = {
    {"adversarial", "2", "2", 0.5, 1, 0.0, 1.0, 0.01},
    {"adversarial", "2", "2", 1.5, 1, 0.3, 1.0, 0.01},
    {"adversarial", "inf", "2", 1.0, 1, 0.3, 1.0, 0.01},
    {"adversarial", "inf", "1", 1.0, 1, 0.0, 1.0, 0.02},
    {"adversarial-latent", "2", "2", 1.0, 0.5, 0.2, 1.0, 0.01},
    {"adversarial-latent", "inf", "2", 1.0, 1.5, 0.2, 1.0, 0.01},
    {"adversarial-latent", "inf", "2", 0.5, 0.3, 0.0, 2.0, 0.01},
    /* hinge with adversarial training (exact solver: src/sim/adv/adv_hinge.c) */
    {"adversarial", "inf", "2", 1.0, 1, 0.2, 1.0, 0.01, "hinge"},
    {"adversarial-latent", "2", "2", 1.0, 0.5, 0.2, 1.0, 0.01, "hinge"},
    /* square with adversarial training: exact inner max (|y - h| + r)^2/2 (src/sim/adv/adv_square.c;
     * theory: the robust square loss of src/theory/adv/adv.c) */
    {"adversarial", "2", "2", 1.0, 1, 0.2, 1.0, 0.1, "square"},
    {"adversarial", "inf", "2", 1.0, 1, 0.2, 1.0, 0.1, "square"},
};

static void test_fast(void **s)
{
    (void)s;
    double worst = 0;
    int n = 0;
    adv_zmax = test_zcrit((int)(sizeof cases / sizeof cases[0]) * 8);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double wc = 0;
        n += adv_check_case(&cases[i], 200, 20, &wc);
        print_message("case %zu (%s, %s, %s): worst z = %.2f\n", i,
                      cases[i].loss ? cases[i].loss : "logistic", cases[i].model, cases[i].norm,
                      wc);
        if (fabs(wc) > fabs(worst)) worst = wc;
    }
    print_message("%d comparisons, worst z = %.2f (allowed %.2f)\n", n, worst, adv_zmax);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_fast)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
