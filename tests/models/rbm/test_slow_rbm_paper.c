/* The `rbm` model at the paper's size (n = 8000, d = 4000, alpha = 2, k = r = 2, Rademacher,
 * ratio 0.5), 4 seeds: the Bayes-optimal AMP against the Bayes-optimal state evolution and PCA
 * against the BBP formula, for the cosines of the spikes that are above their thresholds
 * (lambda 1.4: spike 1; lambda 2.5: both), judged with the family-wise threshold of zcrit.h over
 * the 6 comparisons. Run time: about 8 minutes on 2 cores (PCA forms the 4000 x 4000 covariance
 * per seed). Slow label: not in CI. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../modeltest.h"
#include "../zcrit.h"
#include "cavity/model.h"
#include "cavity/result.h"

static const cav_model *M;

static void test_paper_size(void **st)
{
    (void)st;
    M = cav_model_find("rbm");
    assert_non_null(M);
    const char *methods[] = {"bo", "pca"}, *lams[] = {"1.4", "2.5"};
    double zc = test_zcrit(6), worst = 0;
    for (int im = 0; im < 2; im++)
        for (int il = 0; il < 2; il++) {
            double v[CAV_MAX_PARAMS];
            cav_model_default_coords(M, v);
            mt_set(M, v, "method", methods[im]), mt_set(M, v, "lambda", lams[il]),
                mt_set(M, v, "d", "4000");
            cav_result r;
            cav_result_init(&r, (size_t)M->nobs);
            cav_model_theory(M, v, NULL, NULL, &r);
            assert_int_equal(r.status, CAV_OK);
            double th[2] = {mt_obs(M, &r, "cos_11"), mt_obs(M, &r, "cos_22")};
            cav_result_release(&r);
            double s[2] = {0}, s2[2] = {0};
            int n = 4;
            for (int seed = 1; seed <= n; seed++) {
                cav_result_init(&r, (size_t)M->nobs);
                cav_model_simulate(M, v, (uint64_t)seed, &r);
                assert_int_equal(r.status, CAV_OK);
                double c[2] = {mt_obs(M, &r, "cos_11"), mt_obs(M, &r, "cos_22")};
                for (int j = 0; j < 2; j++)
                    s[j] += c[j], s2[j] += c[j] * c[j];
                cav_result_release(&r);
            }
            for (int j = 0; j < 1 + il; j++) {
                double m = s[j] / n, se = sqrt(fmax(s2[j] / n - m * m, 0) / (n - 1));
                double z = (m - th[j]) / se;
                worst = fmax(worst, fabs(z));
                fprintf(stderr,
                        "rbm %s lambda %s cos_%d%d: sim %.4f +- %.4f, theory %.4f, z = %.2f\n",
                        methods[im], lams[il], j + 1, j + 1, m, se, th[j], z);
                assert_true(fabs(z) < zc);
            }
        }
    fprintf(stderr, "worst |z| %.2f (family-wise threshold %.2f)\n", worst, zc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_paper_size)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
