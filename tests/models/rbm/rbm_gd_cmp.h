/* Shared by the rbm-gd tests: the k-index DMFT (cavity/dmft_k.h) against the gradient-ascent
 * simulation, z = (sim mean over seeds - theory)/sqrt(se_seeds^2 + se_MC^2) for J, zeta and Q at
 * every step, each |z| below the family-wise threshold of tests/models/zcrit.h. */
#ifndef TESTS_MODELS_RBM_GD_CMP_H
#define TESTS_MODELS_RBM_GD_CMP_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cavity/dmft_k.h"
#include "../zcrit.h"

#ifndef TMAX
#define TMAX 40
#endif
#define NC_MAX (2 + 9 + 9)

static cav_dmft_k_problem prob(int k, int r, int hidden, double lambda, long steps, double lr)
{
    cav_dmft_k_problem p;
    cav_dmft_k_problem_default(&p);
    p.rbm.k = k, p.rbm.r = r, p.rbm.hidden = hidden, p.rbm.latent_prior = hidden;
    p.rbm.lambda = lambda, p.rbm.ratio = 0.5, p.rbm.alpha = 2;
    p.steps = steps, p.lr = lr;
    return p;
}

static double solve(const cav_dmft_k_problem *p, size_t ntraj, double *th, double *se)
{
    cav_dmft_k_opts o = cav_dmft_k_opts_default();
    o.ntraj = o.ntraj_init = ntraj, o.max_iter = 2;
    cav_dmft_k *s = cav_dmft_k_alloc();
    assert_int_equal(cav_dmft_k_set(s, p, &o), CAV_OK);
    int st = cav_dmft_k_solve(s);
    assert_true(st == CAV_OK || st == CAV_EMAXITER);
    /* per-step residuals of the Picard sweep are reported and finite */
    const double *rs = cav_dmft_k_residuals(s);
    for (long t = 0; t <= p->steps; t++)
        assert_true(isfinite(rs[t]) && rs[t] >= 0);
    cav_dmft_k_observables(s, th, se);
    double noise = cav_dmft_k_noise(s);
    cav_dmft_k_free(s);
    return noise;
}

/* Theory vs simulation at steps 1..T, all columns (J, zeta, Q); returns max |z|. */
static double compare(const cav_dmft_k_problem *p, long d, int nseeds, size_t ntraj)
{
    const long T = p->steps;
    const int nc = CAV_RBM_TRAJ_NCOL(p->rbm.k, p->rbm.r);
    static double th[(TMAX + 1) * NC_MAX], se[(TMAX + 1) * NC_MAX], tr[(TMAX + 1) * NC_MAX];
    static double s1[(TMAX + 1) * NC_MAX], s2[(TMAX + 1) * NC_MAX];
    assert_true(T <= TMAX);
    solve(p, ntraj, th, se);
    memset(s1, 0, sizeof s1), memset(s2, 0, sizeof s2);
    for (int sd = 0; sd < nseeds; sd++) {
        cav_rbm_data D;
        cav_err e = {0};
        assert_int_equal(cav_rbm_data_draw(&p->rbm, d, 100 + (uint64_t)sd, &D, &e), CAV_OK);
        assert_int_equal(cav_dmft_k_simulate(p, &D, 7 + (uint64_t)sd, tr, &e), CAV_OK);
        cav_rbm_data_free(&D);
        for (long i = 0; i < (T + 1) * nc; i++)
            s1[i] += tr[i], s2[i] += tr[i] * tr[i];
    }
    const int m = (int)T * (nc - 1);
    const double zlim = test_zcrit(m);
    double zmax = 0;
    for (long t = 1; t <= T; t++)
        for (int j = 1; j < nc; j++) {
            long i = t * nc + j;
            double mean = s1[i] / nseeds,
                   v = (s2[i] / nseeds - mean * mean) * nseeds / (nseeds - 1);
            double sem = sqrt(fmax(v, 0) / nseeds), tot = sqrt(sem * sem + se[i] * se[i]);
            double z = fabs(mean - th[i]) / tot;
            zmax = fmax(zmax, z);
            if (z > zlim)
                fail_msg("k %d r %d hidden %d lambda %g t %ld col %d: sim %.5g +- %.2g theory "
                         "%.5g +- %.2g (z %.2f > %.2f)",
                         p->rbm.k, p->rbm.r, p->rbm.hidden, p->rbm.lambda, t, j, mean, sem, th[i],
                         se[i], z, zlim);
        }
    /* the dynamics moved: the overlap grew well beyond its start and its noise */
    assert_true(th[T * nc + 2] > th[2] + 0.3);
    printf("# k %d r %d hidden %d lambda %g d %ld: %d comparisons, max |z| %.2f (cut %.2f)\n",
           p->rbm.k, p->rbm.r, p->rbm.hidden, p->rbm.lambda, d, m, zmax, zlim);
    printf("#   step %ld (J, zeta, Q): theory", T);
    for (int j = 1; j < nc; j++)
        printf(" %.4f+-%.4f", th[T * nc + j], se[T * nc + j]);
    printf("; sim");
    for (int j = 1; j < nc; j++) {
        double mean = s1[T * nc + j] / nseeds;
        double v = (s2[T * nc + j] / nseeds - mean * mean) * nseeds / (nseeds - 1);
        printf(" %.4f+-%.4f", mean, sqrt(fmax(v, 0) / nseeds));
    }
    printf("\n");
    return zmax;
}

#endif
