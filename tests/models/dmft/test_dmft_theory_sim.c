/* dmft-gd and amp-wigner: DMFT theory vs finite-size simulation (gd-sim's drivers) at every
 * recorded step: |z| with z = (sim mean - theory) / sqrt(se_seeds^2 + se_MC^2) (the theory's
 * Monte-Carlo error in quadrature) below the family-wise 3-sigma threshold of
 * tests/models/zcrit.h for the number of comparisons of each test. Fast CI variant: d = 600,
 * 6 seeds, 40 steps; GD and mini-batch SGD (b = 0.5). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cavity/dmft.h"
#include "cavity/dynamics.h"
#include "../zcrit.h"

#define T 40
#define SEEDS 6

static void check_gd(const cav_loss_type *loss, const cav_channel_type *ch, double alpha,
                     double lambda, double eta, double batch, size_t d, int nseeds, double zlim)
{
    cav_dmft_gd_problem p;
    cav_dmft_gd_problem_default(&p);
    p.loss.type = loss, p.channel.type = ch, p.alpha = alpha, p.lambda = lambda, p.eta = eta;
    p.steps = T, p.batch = batch;
    cav_dmft_opts o = cav_dmft_opts_default();
    o.ntraj = 20000, o.ntraj_init = 8192;
    cav_dmft_gd *s = cav_dmft_gd_alloc(T);
    assert_int_equal(cav_dmft_gd_set(s, &p, &o), CAV_OK);
    assert_int_equal(cav_dmft_gd_solve(s, NULL, NULL), CAV_OK);
    double th[(T + 1) * 6], se[(T + 1) * 6], sim[16][(T + 1) * 6];
    cav_dmft_gd_observables(s, th, se);
    cav_dmft_gd_free(s);
    cav_gd_config c;
    cav_gd_config_default(&c);
    c.loss = p.loss, c.channel = p.channel, c.alpha = alpha, c.lambda = lambda, c.eta = eta;
    c.steps = T, c.d = d, c.batch = batch;
    for (int k = 0; k < nseeds; k++) {
        c.seed = (uint64_t)k + 1;
        assert_int_equal(cav_gd_simulate(&c, sim[k], NULL), CAV_OK);
    }
    double zmax = 0;
    for (int t = 1; t <= T; t++)
        for (int j = 2; j < 6; j++) {
            double m = 0, v = 0;
            for (int k = 0; k < nseeds; k++)
                m += sim[k][t * 6 + j];
            m /= nseeds;
            for (int k = 0; k < nseeds; k++)
                v += (sim[k][t * 6 + j] - m) * (sim[k][t * 6 + j] - m);
            double sem = sqrt(v / (nseeds - 1) / nseeds),
                   tot = sqrt(sem * sem + se[t * 6 + j] * se[t * 6 + j]);
            double z = fabs(m - th[t * 6 + j]) / tot;
            zmax = fmax(zmax, z);
            if (z > zlim)
                fail_msg("%s alpha %g lambda %g t %d col %d: sim %.5g +- %.2g theory %.5g +- %.2g "
                         "(z %.2f > %.2f)",
                         loss->name, alpha, lambda, t, j, m, sem, th[t * 6 + j], se[t * 6 + j], z,
                         zlim);
        }
    printf("%s/%s alpha %g lambda %g batch %g: max |z| = %.2f over %d steps x 4 observables\n",
           loss->name, ch->name, alpha, lambda, batch, zmax, T);
}

static void test_gd(void **st)
{
    (void)st;
    const double z = test_zcrit(4 * T * 4);
    check_gd(&cav_loss_square, &cav_channel_linear, 0.5, 0.0, 0.3, 1, 600, SEEDS, z);
    check_gd(&cav_loss_square, &cav_channel_sign, 2.0, 0.1, 0.2, 1, 600, SEEDS, z);
    check_gd(&cav_loss_logistic, &cav_channel_sign, 2.0, 0.1, 0.4, 1, 600, SEEDS, z);
    check_gd(&cav_loss_logistic, &cav_channel_sign, 4.0, 0.0, 0.3, 1, 600, SEEDS, z);
}

/* Mini-batch SGD (Bernoulli(b) selection of each sample per step, no 1/b rescaling; the sampled
 * DMFT path with s^t in the sample process) against gd-sim's SGD. 16 seeds: with 6, the seed
 * SE has 5 degrees of freedom and is too uncertain (square, t = 2: 0.198 +- 0.0028 over 6
 * seeds, 0.2087 +- 0.0014 over 40, theory 0.2108 +- 0.0011). */
static void test_sgd(void **st)
{
    (void)st;
    const double z = test_zcrit(2 * T * 4);
    check_gd(&cav_loss_square, &cav_channel_sign, 2.0, 0.1, 0.3, 0.5, 600, 16, z);
    check_gd(&cav_loss_logistic, &cav_channel_sign, 2.0, 0.1, 0.8, 0.5, 600, 16, z);
}

static void test_amp(void **st)
{
    (void)st;
    double th[31 * 3], sim[SEEDS][31 * 3];
    const double snrs[] = {0.8, 2.0};
    for (int q = 0; q < 2; q++) {
        assert_int_equal(cav_dmft_amp_se(snrs[q], 30, 0.1, th, NULL), CAV_OK);
        for (int k = 0; k < SEEDS; k++) {
            cav_amp_wigner_config c = {snrs[q], 30, 1500, (uint64_t)k + 1, 0.1};
            assert_int_equal(cav_amp_wigner_simulate(&c, sim[k], NULL), CAV_OK);
        }
        for (int t = 0; t <= 30; t++) {
            double m = 0, v = 0;
            for (int k = 0; k < SEEDS; k++)
                m += sim[k][3 * t + 1];
            m /= SEEDS;
            for (int k = 0; k < SEEDS; k++)
                v += (sim[k][3 * t + 1] - m) * (sim[k][3 * t + 1] - m);
            double sem = sqrt(v / (SEEDS - 1) / SEEDS);
            if (fabs(m - th[3 * t + 1]) > test_zcrit(2 * 31) * sem)
                fail_msg("amp snr %g t %d: sim %.5g +- %.2g SE %.5g", snrs[q], t, m, sem,
                         th[3 * t + 1]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_gd), cmocka_unit_test(test_sgd),
                                   cmocka_unit_test(test_amp)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
