/* quadratic-net: thresholds against independent computations, theory against the convex
 * simulation (APG, GOE sensing, d = 24, 6 seeds per point, about 5 s), GD on W against APG.
 * References: the statistical dimension of the descent cone of Tr + PSD at a rank-kappa* d point,
 *   kappa* - kappa*^2/2 + (1/2) min_t [kappa*(1 - kappa*) t^2 + (1 - kappa*)^2 E_SC (s - t)_+^2]
 * (derived in docs/quadratic-net.md, computed here by GSL quadrature and golden-section search);
 * alpha_inter -> 1/4 (statistical dimension of the PSD cone over d^2) as delta -> infinity;
 * Bayes-optimal perfect recovery kappa* - kappa*^2/2 (Maillard et al., arXiv:2408.03733). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>

#include "../zcrit.h"
#include "cavity/msense.h"
#include "cavity/quadnet.h"
#include "cavity/spectral_sim.h"

static double sc_tail_fn(double s, void *p)
{
    double t = *(double *)p;
    return (s - t) * (s - t) * sqrt(fmax(0.0, 4 - s * s)) / (2 * M_PI);
}

static double statdim_obj(double k, double t, gsl_integration_workspace *ws)
{
    gsl_function F = {sc_tail_fn, &t};
    double v = 0, e;
    if (t < 2) gsl_integration_qags(&F, fmax(t, -2.0), 2, 1e-14, 1e-12, 1000, ws, &v, &e);
    return k * (1 - k) * t * t + (1 - k) * (1 - k) * v;
}

static void test_alpha_pr_statdim(void **s)
{
    (void)s;
    gsl_set_error_handler_off();
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(1000);
    const double ks[] = {0.1, 0.3, 0.5, 0.7, 0.9};
    for (int i = 0; i < 5; i++) {
        double k = ks[i], a = 0, b = 2, g = (sqrt(5.0) - 1) / 2;
        for (int it = 0; it < 200 && b - a > 1e-12; it++) { /* golden section: convex in t */
            double c = b - g * (b - a), d = a + g * (b - a);
            if (statdim_obj(k, c, ws) < statdim_obj(k, d, ws))
                b = d;
            else
                a = c;
        }
        double ref = k - k * k / 2 + 0.5 * statdim_obj(k, 0.5 * (a + b), ws), al;
        assert_int_equal(cav_quadnet_alpha_pr(k, &al, NULL), CAV_OK);
        printf("kappa* %.1f: alpha_pr SE %.8f, statistical dimension %.8f\n", k, al, ref);
        if (!(fabs(al - ref) < 2e-6)) fail_msg("kappa* %g: %.8f vs %.8f", k, al, ref);
        /* strictly above the Bayes-optimal threshold */
        assert_true(al > k - k * k / 2);
    }
    double al;
    assert_int_equal(cav_quadnet_alpha_pr(2.0, &al, NULL), CAV_OK);
    assert_true(al == 0.5);
    gsl_integration_workspace_free(ws);
}

static void test_alpha_inter(void **s)
{
    (void)s;
    const double ds[] = {0.1, 1, 10, 100, 1e4};
    double prev = 1;
    for (int i = 0; i < 5; i++) {
        double a;
        assert_int_equal(cav_quadnet_alpha_inter(0.5, 2, ds[i], &a, NULL), CAV_OK);
        assert_true(a < prev); /* decreasing in delta */
        prev = a;
    }
    printf("alpha_inter(kappa* 0.5, delta 1e4) = %.6f\n", prev);
    assert_true(fabs(prev - 0.25) < 1e-4);
    /* delta -> 0+: towards kappa* - kappa*^2/2 + (1 - kappa*)^2/4 from below */
    const double ks[] = {0.2, 0.5, 0.8, 2.0};
    for (int i = 0; i < 4; i++) {
        double a0, a6, a8;
        assert_int_equal(cav_quadnet_alpha_inter(ks[i], 2, 0, &a0, NULL), CAV_OK);
        assert_int_equal(cav_quadnet_alpha_inter(ks[i], 2, 1e-6, &a6, NULL), CAV_OK);
        assert_int_equal(cav_quadnet_alpha_inter(ks[i], 2, 1e-8, &a8, NULL), CAV_OK);
        double k = fmin(ks[i], 1.0), lim = k - k * k / 2 + (1 - k) * (1 - k) / 4;
        printf("kappa* %.1f: alpha_inter(1e-6) %.6f, (1e-8) %.6f, limit %.6f\n", ks[i], a6, a8,
               lim);
        assert_true(a0 == lim);
        assert_true(a6 < a8 && a8 < lim && lim - a8 < 0.01);
    }
}

/* Bayes-optimal perfect recovery: the SE transition at kappa* - kappa*^2/2 */
static void test_bo_threshold(void **s)
{
    (void)s;
    const double ks[] = {0.2, 0.5, 0.8};
    for (int i = 0; i < 3; i++) {
        double k = ks[i], apr = k - k * k / 2;
        cav_msense_params p = {CAV_MSENSE_SYMMETRIC, 0.98 * apr, 0, k, 1, 1};
        cav_msense_result r;
        assert_int_equal(cav_msense_theory(&p, &r, NULL), CAV_OK);
        assert_true(r.mmse > 1e-4);
        p.alpha = 1.02 * apr;
        assert_int_equal(cav_msense_theory(&p, &r, NULL), CAV_OK);
        assert_true(r.mmse == 0);
    }
}

/* Theory vs APG with GOE sensing. The finite-d parameter count d(d+1)/2 is used through
 * alpha_eff = alpha d/(d+1) (n measurements for d(d+1)/2 unknowns, the theory's 2 alpha per
 * unknown). 4 points x 6 seeds; family-wise criterion over 8 comparisons (mse, train_loss). */
static void test_theory_vs_apg(void **s)
{
    (void)s;
    const double pts[][4] = {
        {0.6, 2.0, 0.1, 0.5}, {0.6, 2.0, 0.1, 0.0}, {0.3, 0.5, 0.1, 0.5}, {0.4, 0.5, 0.05, 0.0}};
    const int d = 24, NS = 6;
    double zc = test_zcrit(8), worst = 0;
    for (int k = 0; k < 4; k++) {
        double m[2] = {0, 0}, v[2] = {0, 0}, x[NS][2];
        for (int sd = 0; sd < NS; sd++) {
            cav_quadnet_sim_params sp = {
                d,         pts[k][0], pts[k][1],          2,
                pts[k][2], pts[k][3], CAV_SENSING_GOE,    CAV_QN_SOLVER_APG,
                1e-8,      0,         (uint64_t)(10 + sd)};
            cav_quadnet_sim_result sr;
            assert_int_equal(cav_quadnet_sim(&sp, &sr, NULL), CAV_OK);
            x[sd][0] = sr.mse, x[sd][1] = sr.train_loss;
            m[0] += sr.mse / NS, m[1] += sr.train_loss / NS;
        }
        for (int sd = 0; sd < NS; sd++)
            for (int j = 0; j < 2; j++)
                v[j] += (x[sd][j] - m[j]) * (x[sd][j] - m[j]) / (NS - 1);
        cav_quadnet_params tp = {pts[k][0] * d / (d + 1.0), pts[k][1], 2, pts[k][2], pts[k][3]};
        cav_quadnet_result tr;
        assert_int_equal(cav_quadnet_theory(&tp, NULL, &tr, NULL), CAV_OK);
        double th[2] = {tr.mse, tr.train_loss};
        for (int j = 0; j < 2; j++) {
            double z = (m[j] - th[j]) / sqrt(v[j] / NS);
            worst = fmax(worst, fabs(z));
            printf("alpha %.2f kappa* %.1f lambda %.2f delta %.1f %s: sim %.5f +- %.5f theory "
                   "%.5f z %.2f\n",
                   pts[k][0], pts[k][1], pts[k][2], pts[k][3], j ? "train" : "mse  ", m[j],
                   sqrt(v[j] / NS), th[j], z);
            if (!(fabs(z) < zc)) fail_msg("|z| = %.2f > %.2f", fabs(z), zc);
        }
    }
    printf("worst |z| %.2f (criterion %.2f)\n", worst, zc);
}

/* GD on W (width m = 2d >= rank) reaches the APG minimiser: same objective and mse. */
static void test_gd_vs_apg(void **s)
{
    (void)s;
    cav_quadnet_sim_params sp = {
        12, 0.5, 0.5, 2, 0.1, 0.2, CAV_SENSING_QUADRATIC, CAV_QN_SOLVER_APG, 1e-9, 0, 3};
    cav_quadnet_sim_result a, g;
    assert_int_equal(cav_quadnet_sim(&sp, &a, NULL), CAV_OK);
    sp.solver = CAV_QN_SOLVER_GD, sp.tol = 1e-8;
    assert_int_equal(cav_quadnet_sim(&sp, &g, NULL), CAV_OK);
    printf("APG objective %.10f mse %.8f; GD %.10f mse %.8f (%d steps)\n", a.objective, a.mse,
           g.objective, g.mse, g.iterations);
    assert_true(fabs(a.objective - g.objective) < 1e-7 * (1 + a.objective));
    assert_true(fabs(a.mse - g.mse) < 1e-4 * (1 + a.mse));
}

static void test_bad_input(void **s)
{
    (void)s;
    cav_quadnet_params p = {0.5, 0.5, 2, 0.1, 0};
    cav_quadnet_result r;
    cav_err e = {0};
    p.kappa_star = 0;
    assert_int_equal(cav_quadnet_theory(&p, NULL, &r, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "kappa_star"));
    p.kappa_star = 0.5, p.alpha = 0;
    assert_int_equal(cav_quadnet_theory(&p, NULL, &r, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "alpha"));
    p.alpha = 0.5, p.delta = -1;
    assert_int_equal(cav_quadnet_theory(&p, NULL, &r, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "delta"));
    cav_quadnet_sim_params sp = {20, 0.5, 0.5, 2, 0.1, 0, (cav_sensing)7, CAV_QN_SOLVER_APG,
                                 0,  0,   1};
    cav_quadnet_sim_result sr;
    assert_int_equal(cav_quadnet_sim(&sp, &sr, &e), CAV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alpha_pr_statdim), cmocka_unit_test(test_alpha_inter),
        cmocka_unit_test(test_bo_threshold),     cmocka_unit_test(test_theory_vs_apg),
        cmocka_unit_test(test_gd_vs_apg),        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
