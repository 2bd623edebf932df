/* dmft-gd, slow: DMFT theory vs GD / SGD simulation (gd-sim's cav_gd_simulate) at every recorded
 * step, at d = 2000 over 8 seeds: |sim mean - theory| <= z* sqrt(se_seeds^2 + se_MC^2), with
 * se_seeds the standard error of the 8-seed mean and se_MC the theory's jackknife Monte-Carlo
 * error (0 on the exact square-loss path). Grid: square and logistic loss (sign teacher),
 * alpha in {0.5, 2, 4}, lambda in {0, 0.1}, full-batch GD with eta = 0.6 x the stability bound
 * 2/(c (1 + sqrt alpha)^2 + lambda) (c = 1 square, 1/4 logistic), 30 steps; plus mini-batch SGD
 * with b = 0.5 (logistic, alpha 2, lambda 0.1). Runs outside CI (label slow).
 * First run (2 shared cores, 2 min 25 s): the 12 GD cases max |z| 1.20 .. 2.93, none beyond 3; SGD
 * max |z| 3.68 (q at t = 17, 18: sim 2.1419 +- 0.0042, theory 2.1181 +- 0.0049). Independent
 * re-check of that case (theory 4e5 trajectories, simulation seeds 41..80 at d = 2000):
 * q(17) theory 2.1286 +- 0.0025, sim 2.1342 +- 0.0026, |z| <= 1.6 for t = 5..20, so a joint
 * fluctuation, not a bias. z* is the family-wise 3-sigma threshold of tests/models/zcrit.h for
 * the 1560 comparisons (4.79): a strict "none beyond 3" fails by chance with probability
 * 1 - 0.9973^1560 = 98.5% even for an exact theory. Exceedances of 3 are still printed. */
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

#define T 30
#define SEEDS 8
#define D 2000

static int nfail;
static double zworst, zlim;

static void check(const cav_loss_type *loss, double alpha, double lambda, double batch)
{
    cav_dmft_gd_problem p;
    cav_dmft_gd_problem_default(&p);
    p.loss.type = loss, p.channel.type = &cav_channel_sign, p.alpha = alpha, p.lambda = lambda;
    p.steps = T, p.batch = batch;
    p.eta = 0.6 * cav_dmft_gd_eta_max(&p);
    cav_dmft_opts o = cav_dmft_opts_default(); /* 1e5 trajectories, 8192 with responses */
    cav_dmft_gd *s = cav_dmft_gd_alloc(T);
    assert_int_equal(cav_dmft_gd_set(s, &p, &o), CAV_OK);
    assert_int_equal(cav_dmft_gd_solve(s, NULL, NULL), CAV_OK);
    double th[(T + 1) * 6], se[(T + 1) * 6], sim[SEEDS][(T + 1) * 6];
    cav_dmft_gd_observables(s, th, se);
    cav_dmft_gd_free(s);
    cav_gd_config c;
    cav_gd_config_default(&c);
    c.loss = p.loss, c.channel = p.channel, c.alpha = alpha, c.lambda = lambda, c.eta = p.eta;
    c.steps = T, c.d = D, c.batch = batch;
    for (int k = 0; k < SEEDS; k++) {
        c.seed = (uint64_t)k + 1;
        assert_int_equal(cav_gd_simulate(&c, sim[k], NULL), CAV_OK);
    }
    double zmax = 0;
    int bad = 0;
    for (int t = 1; t <= T; t++)
        for (int j = 2; j < 6; j++) {
            double m = 0, v = 0;
            for (int k = 0; k < SEEDS; k++)
                m += sim[k][t * 6 + j];
            m /= SEEDS;
            for (int k = 0; k < SEEDS; k++)
                v += (sim[k][t * 6 + j] - m) * (sim[k][t * 6 + j] - m);
            double sem = sqrt(v / (SEEDS - 1) / SEEDS);
            double tot = sqrt(sem * sem + se[t * 6 + j] * se[t * 6 + j]);
            double z = fabs(m - th[t * 6 + j]) / tot;
            zmax = fmax(zmax, z);
            if (z > zlim) nfail++;
            if (z > 3) {
                bad++;
                printf("  OUT: t %d col %d: sim %.6g +- %.2g theory %.6g +- %.2g (z %.2f)\n", t, j,
                       m, sem, th[t * 6 + j], se[t * 6 + j], z);
            }
        }
    printf("%-8s alpha %-3g lambda %-3g batch %-3g eta %.4f: max |z| = %.2f (%d of %d beyond 3)\n",
           loss->name, alpha, lambda, batch, p.eta, zmax, bad, T * 4);
    fflush(stdout);
    zworst = fmax(zworst, zmax);
}

static void test_grid(void **st)
{
    (void)st;
    const cav_loss_type *losses[] = {&cav_loss_square, &cav_loss_logistic};
    const double alphas[] = {0.5, 2, 4}, lambdas[] = {0, 0.1};
    zlim = test_zcrit(13 * T * 4);
    for (int l = 0; l < 2; l++)
        for (int a = 0; a < 3; a++)
            for (int r = 0; r < 2; r++)
                check(losses[l], alphas[a], lambdas[r], 1.0);
    check(&cav_loss_logistic, 2, 0.1, 0.5);
    printf("worst |z| = %.2f (allowed %.2f); %d comparisons beyond it\n", zworst, zlim, nfail);
    assert_int_equal(nfail, 0);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_grid)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
