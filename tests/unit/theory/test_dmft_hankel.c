/* The O(T^2) exact path of the GD DMFT (src/theory/dmft/dmft_hankel.c, docs/dmft.md "Exact path
 * in O(T^2)") against two independent references:
 *  - the row-by-row O(T^3) sweep of eqs. W and X (dmft_weight_row + dmft_exact_row, the
 *    equations as derived, with no structure assumed): every kernel and vector, 8 problems
 *    (alpha 0.3 to 5, lambda 0 to 1, eta 0.05 to 0.25, linear / noisy / sign teachers, m0, q0 != 0)
 *    up to 1000 steps, plus two unstable steps that must stop at the same step;
 *  - the Marchenko-Pastur spectral integral (eq. MP, cav_dmft_mp_test_error: eigen-decomposition
 *    of X^T X, no DMFT) after 4000 steps, where the prefix sums of the closed form are large
 *    and cancel (alpha 1, lambda 0 is the hard edge of the law, q keeps growing).
 * Thresholds: 1e-13 (1 + scale) against the sweep (measured: <= 3.3e-15), 1e-12 (1 + |ref|)
 * against MP (measured: <= 6e-15 at 3000 steps, 1.4e-13 at 10,000). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cavity/dmft.h"
#include "theory/dmft/dmft_internal.h"

typedef struct {
    long T;
    double alpha, lambda, eta, m0, q0;
    int teacher; /* 0 linear, 1 sign, 2 linear with Delta = 0.25 */
} cfg;

static void problem(const cfg *c, cav_dmft_gd_problem *p)
{
    cav_dmft_gd_problem_default(p);
    if (c->teacher == 1) p->channel.type = &cav_channel_sign;
    if (c->teacher == 2) p->channel.par[0] = 0.25;
    p->alpha = c->alpha, p->lambda = c->lambda, p->eta = c->eta;
    p->m0 = c->m0, p->q0 = c->q0, p->steps = c->T;
}

static double maxdiff(size_t n, const double *a, const double *b, double *scale)
{
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs(a[i] - b[i]));
        *scale = fmax(*scale, fabs(a[i]));
    }
    return d;
}

static void test_vs_row_sweep(void **st)
{
    (void)st;
    const cfg cases[] = {{120, 3, 0.2, 0.25, 0.3, 0.5, 1},
                         {400, 0.5, 0, 0.2, 0, 0, 0},
                         {400, 2, 0, 0.2, 0, 0, 2},
                         {400, 1, 0, 0.2, 0.2, 1, 1},
                         {1000, 2, 0.1, 0.2, 0, 0, 0},
                         {1000, 0.3, 0.01, 0.05, 0, 0, 2},
                         {800, 5, 1, 0.05, 0.5, 0.8, 1},
                         {300, 0.5, 0.3, 0.1, -0.2, 0.3, 2},
                         {300, 2, 0, 0.4, 0, 0, 0} /* unstable */,
                         {300, 1, 0, 0.7, 0, 0, 1}};
    double worst = 0;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        cav_dmft_gd_problem p;
        problem(&cases[c], &p);
        const long T = p.steps;
        cav_dmft_gd *a = cav_dmft_gd_alloc(T), *b = cav_dmft_gd_alloc(T);
        assert_non_null(a), assert_non_null(b);
        assert_int_equal(cav_dmft_gd_set(a, &p, NULL), CAV_OK);
        assert_int_equal(cav_dmft_gd_set(b, &p, NULL), CAV_OK);
        long bad = -1;
        for (long t = 0; t <= T; t++) {
            if (dmft_weight_row(a, t, &a->S, &a->W, a->tmp, a->clrw)) {
                bad = t;
                break;
            }
            dmft_exact_row(a, t, &a->W, &a->S, a->clrw);
        }
        int sb = dmft_exact_hankel(b);
        assert_int_equal(sb, bad < 0 ? CAV_OK : CAV_EDIVERGE);
        if (bad >= 0) assert_int_equal(b->diverged_at, bad);
        /* compare rows below the blow-up (its huge values only to relative rounding) */
        const size_t rows = (size_t)(bad < 0 ? T + 1 : bad), ld = a->ld;
        double d = 0, scale = 0;
        for (size_t t = 0; t < rows; t++) {
            d = fmax(d, maxdiff(t + 1, a->W.Cw + t * ld, b->W.Cw + t * ld, &scale));
            d = fmax(d, maxdiff(t + 1, a->W.Rw + t * ld, b->W.Rw + t * ld, &scale));
            d = fmax(d, maxdiff(t + 1, a->S.Cl + t * ld, b->S.Cl + t * ld, &scale));
            d = fmax(d, maxdiff(t + 1, a->S.Rl + t * ld, b->S.Rl + t * ld, &scale));
        }
        d = fmax(d, maxdiff(rows, a->W.m, b->W.m, &scale));
        d = fmax(d, maxdiff(rows, a->W.a, b->W.a, &scale));
        d = fmax(d, maxdiff(rows, a->W.b, b->W.b, &scale));
        d = fmax(d, maxdiff(rows, a->S.mul, b->S.mul, &scale));
        d = fmax(d, maxdiff(rows, a->S.loss, b->S.loss, &scale));
        printf("case %zu (T %ld alpha %g lambda %g eta %g): max |diff| %.2e, scale %.3g%s\n", c, T,
               p.alpha, p.lambda, p.eta, d, scale, bad >= 0 ? " (diverged, same step)" : "");
        assert_true(d <= 1e-13 * (1 + scale) || (bad >= 0 && d <= 1e-12 * scale));
        if (bad < 0) worst = fmax(worst, d);
        cav_dmft_gd_free(a), cav_dmft_gd_free(b);
    }
    printf("closed form vs row-by-row sweep: max |diff| %.2e over the stable cases\n", worst);
}

static void test_long_vs_mp(void **st)
{
    (void)st;
    const long T = 4000;
    const double alphas[] = {0.5, 1.0, 2.0}, lams[] = {0.0, 0.3};
    double *out = malloc((size_t)(T + 1) * CAV_DMFT_GD_NOBS * sizeof *out);
    double *ref = malloc((size_t)(T + 1) * sizeof *ref), worst = 0;
    assert_non_null(out), assert_non_null(ref);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) {
            cav_dmft_gd_problem p;
            cav_dmft_gd_problem_default(&p);
            p.alpha = alphas[i], p.lambda = lams[j], p.channel.par[0] = 0.25, p.steps = T;
            p.eta = 0.5 * cav_dmft_gd_eta_max(&p);
            cav_dmft_gd *s = cav_dmft_gd_alloc(T);
            assert_non_null(s);
            assert_int_equal(cav_dmft_gd_set(s, &p, NULL), CAV_OK);
            assert_int_equal(cav_dmft_gd_solve(s, NULL, NULL), CAV_OK);
            cav_dmft_gd_observables(s, out, NULL);
            assert_int_equal(cav_dmft_mp_test_error(p.alpha, p.lambda, p.eta, 0.25, T, ref, NULL),
                             CAV_OK);
            for (long t = 0; t <= T; t++) {
                double d = fabs(out[t * CAV_DMFT_GD_NOBS + CAV_DMFT_TEST_ERROR] - ref[t]);
                worst = fmax(worst, d / (1 + fabs(ref[t])));
                if (!(d <= 1e-12 * (1 + fabs(ref[t]))))
                    fail_msg("alpha %g lambda %g t %ld: dmft %.17g mp %.17g", p.alpha, p.lambda, t,
                             out[t * CAV_DMFT_GD_NOBS + CAV_DMFT_TEST_ERROR], ref[t]);
            }
            cav_dmft_gd_free(s);
        }
    printf("exact path vs Marchenko-Pastur after %ld steps: max |diff|/(1+|ref|) = %.2e\n", T,
           worst);
    free(out), free(ref);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_vs_row_sweep),
                                   cmocka_unit_test(test_long_vs_mp)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
