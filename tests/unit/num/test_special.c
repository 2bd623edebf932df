/* Tests of num/special.c against independent references.
 *
 * Reference values: tests/ref/num/special_ref.py (mpmath, 40 digits, from the definitions:
 * H = erfc(x/sqrt2)/2, Owen T and the bivariate orthant by quadrature of their defining
 * integrals), output kept in tests/ref/num/special_ref.out.
 * Closed forms: T(h, 1) = Phi(h)(1 - Phi(h))/2, T(0, a) = atan(a)/(2 pi), T(h, inf) = H(h)/2;
 * bvn at rho = 0 is H(h)H(k), at rho = 1 H(max(h, k)), at rho = -1 max(0, H(h) - H(-k)),
 * at h = k = 0 it is 1/4 + asin(rho)/(2 pi) (Sheppard).
 * Hermite coefficients: ReLU mu0 = 1/sqrt(2pi), mu1 = 1/2, mustar^2 = 1/4 - 1/(2pi);
 * sign: mu0 = 0, mu1 = sqrt(2/pi), mustar^2 = 1 - 2/pi; erf: mu1 = 2/sqrt(3 pi),
 * E erf(g)^2 = (2/pi) asin(2/3) (Williams 1997, arcsine kernel).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cavity/special.h"

static const double PI = 3.14159265358979323846;

static void assert_rel(double got, double want, double rtol)
{
    double d = fabs(got - want), s = fabs(want);
    if (!(d <= rtol * s) && !(got == want)) {
        print_error("got %.17g want %.17g rel err %.3g > %.3g\n", got, want, d / s, rtol);
        fail();
    }
}

static void test_H(void **state)
{
    (void)state;
    static const double ref[][2] = {
        {-40, 1.0},
        {-10, 1.0},
        {-3, 0.99865010196836990547},
        {-1, 0.84134474606854294859},
        {0, 0.5},
        {0.5, 0.30853753872598689636},
        {1, 0.15865525393145705141},
        {2, 0.0227501319481792072},
        {3, 0.0013498980316300945267},
        {5, 2.8665157187919391167e-7},
        {8, 6.2209605742717841235e-16},
        {10, 7.619853024160526066e-24},
        {15, 3.6709661993127508858e-51},
        {20, 2.7536241186062336951e-89},
        {26, 2.4760633155033892858e-149},
        {30, 4.9067139271481870595e-198},
        {37, 5.7255712225245768227e-300},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++)
        assert_rel(cav_H(ref[i][0]), ref[i][1], 2e-15);
    /* subnormal range: only absolute-ish accuracy is meaningful */
    assert_rel(cav_H(38.0), 2.8854283600687843084e-316, 1e-7);
    assert_rel(cav_Phi(-3.0), 0.0013498980316300945267, 2e-15);
    assert_rel(cav_phi(1.0), 0.24197072451914336, 1e-15);
    /* phi at large x keeps relative accuracy: phi(30) = exp(-450)/sqrt(2 pi) */
    assert_rel(cav_phi(30.0), 1.4736461348785475e-196, 4e-15);
    assert_true(cav_H(INFINITY) == 0.0 && cav_H(-INFINITY) == 1.0);
}

static void test_logH(void **state)
{
    (void)state;
    static const double ref[][2] = {
        {-5, -2.8665161296376359338e-7}, {-1, -0.17275377902344988953},
        {0, -0.69314718055994530942},    {1, -1.8410216450092635058},
        {3, -6.6077262215103495433},     {5, -15.064998393988725736},
        {6, -20.736768949974705655},     {10, -53.231285150512470578},
        {20, -203.91715537109726394},    {30, -454.32124395634319711},
        {38, -726.5572160188201301},     {40, -804.60844201375378817},
        {100, -5005.5242086942050886},   {1000, -500007.82669481218431},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++)
        assert_rel(cav_logH(ref[i][0]), ref[i][1], 2e-15);
    /* log H(-40) = log(1 - H(40)) = -H(40): exactly representable as -0.0 or tiny */
    assert_true(fabs(cav_logH(-40.0)) < 1e-300);
    /* continuity across the branch switch at x = 5 */
    assert_rel(cav_logH(5.0 - 1e-12), cav_logH(5.0 + 1e-12), 1e-12);
}

static void test_mills(void **state)
{
    (void)state;
    static const double ref[][2] = {
        {-10, 7.6945986267064193463e-23}, {-2, 0.055247862678989959102},
        {0, 0.79788456080286535588},      {1, 1.5251352761609812091},
        {3, 3.2830986549304365069},       {4.9, 5.0898286001298836334},
        {5, 5.1865039671258421156},       {7, 7.1375456132265032765},
        {10, 10.098093233962511963},      {30, 30.033259667433677037},
        {100, 100.00999800099926071},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++)
        assert_rel(cav_mills(ref[i][0]), ref[i][1], 3e-15);
    assert_true(cav_mills(-40.0) >= 0.0 && cav_mills(-40.0) < 1e-300);
    assert_rel(cav_mills(1e6), 1e6 + 1e-6, 1e-15); /* ~ x + 1/x */
}

static void test_owen_t(void **state)
{
    (void)state;
    static const double ref[][3] = {
        {0.5, 0.3, 0.040786707344250106025},  {1, 0.5, 0.043064691120785365632},
        {2, 0.9, 0.010928598829162457005},    {0.1, 5, 0.21469517597824126907},
        {1.5, 2, 0.033383245362167338326},    {3, 10, 0.00067494901581504726333},
        {5, 0.5, 1.4192549621069271719e-7},   {7, 0.2, 5.4162854680635380195e-13},
        {10, 0.8, 3.8099265120802601485e-24}, {0.25, 0.999, 0.12005373479133886524},
        {2.5, 1.5, 0.0031046570510844967158}, {20, 0.5, 1.3768120593031168475e-89},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        assert_rel(cav_owen_t(ref[i][0], ref[i][1]), ref[i][2], 1e-14);
        /* even in h, odd in a */
        assert_rel(cav_owen_t(-ref[i][0], -ref[i][1]), -ref[i][2], 1e-14);
    }
    double hs[] = {0.0, 0.3, 1.0, 2.0, 4.0, 8.0};
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        double h = hs[i];
        assert_rel(cav_owen_t(h, 1.0), 0.5 * cav_Phi(h) * cav_H(h), 1e-14);
        assert_rel(cav_owen_t(h, INFINITY), h == 0 ? 0.25 : 0.5 * cav_H(h), 1e-15);
    }
    double as[] = {0.1, 1.0, 3.0, 100.0};
    for (size_t i = 0; i < sizeof as / sizeof as[0]; i++)
        assert_rel(cav_owen_t(0.0, as[i]), atan(as[i]) / (2 * PI), 1e-15);
    assert_true(cav_owen_t(1.0, 0.0) == 0.0);
}

static void test_bvn(void **state)
{
    (void)state;
    static const double ref[][4] = {
        {0, 0, 0.5, 0.33333333333333333333},       {0.3, -0.2, 0.7, 0.33162040223989101328},
        {1, 2, -0.4, 0.00039983219127955765708},   {-1, -0.5, 0.9, 0.68248195426778762367},
        {2, 2, 0.95, 0.016024483704266528311},     {-2, 1, -0.8, 0.13779566999920151035},
        {4, 4, 0.5, 4.8705476228384235796e-7},     {1.2, -0.7, 0.3, 0.10299456992224278201},
        {3, 0, 0.6, 0.0013395250914360667724},     {1.0, 0.8, -0.95, 1.3247351957968809192e-10},
        {3.5, 2.5, 0.2, 8.6638269029701362991e-6},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        assert_rel(cav_bvn_upper(ref[i][0], ref[i][1], ref[i][2]), ref[i][3], 1e-13);
        /* symmetric in (h, k) */
        assert_rel(cav_bvn_upper(ref[i][1], ref[i][0], ref[i][2]), ref[i][3], 1e-13);
    }
    /* strong anticorrelation, tiny orthant: positive and below H(22.3) ~ 1e-110 */
    double tiny = cav_bvn_upper(0.5, 0.5, -0.999);
    assert_true(tiny > 0.0 && tiny < 1e-110);
    double hk[][2] = {{0.3, -1.2}, {2.0, 1.0}, {-0.5, -0.5}, {5.0, 6.0}};
    for (size_t i = 0; i < 4; i++) {
        double h = hk[i][0], k = hk[i][1];
        assert_rel(cav_bvn_upper(h, k, 0.0), cav_H(h) * cav_H(k), 1e-15);
        assert_rel(cav_bvn_upper(h, k, 1.0), cav_H(h > k ? h : k), 1e-15);
        double m = cav_H(h) - cav_H(-k);
        assert_true(fabs(cav_bvn_upper(h, k, -1.0) - (m > 0 ? m : 0.0)) < 1e-16);
        /* continuity towards the closed forms at rho = +-1 */
        assert_true(fabs(cav_bvn_upper(h, k, 1.0 - 1e-12) - cav_H(h > k ? h : k)) < 1e-6);
    }
    assert_rel(cav_bvn_upper(0, 0, -0.3), 0.25 + asin(-0.3) / (2 * PI), 1e-15);
}

static double relu(void *c, double x)
{
    (void)c;
    return x > 0 ? x : 0.0;
}
static double sgn(void *c, double x)
{
    (void)c;
    return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
}
static double erf_act(void *c, double x)
{
    (void)c;
    return erf(x);
}

static void test_hermite_coeffs(void **state)
{
    (void)state;
    double k0 = 0.0, mu0, mu1, ms;
    cav_err e = {0};
    assert_int_equal(cav_hermite_coeffs(relu, NULL, &k0, 1, &mu0, &mu1, &ms, &e), CAV_OK);
    assert_rel(mu0, 1.0 / sqrt(2 * PI), 1e-12);
    assert_rel(mu1, 0.5, 1e-12);
    assert_rel(ms * ms, 0.25 - 1.0 / (2 * PI), 1e-11);
    assert_int_equal(cav_hermite_coeffs(sgn, NULL, &k0, 1, &mu0, &mu1, &ms, &e), CAV_OK);
    assert_true(fabs(mu0) < 1e-14);
    assert_rel(mu1, sqrt(2.0 / PI), 1e-12);
    assert_rel(ms * ms, 1.0 - 2.0 / PI, 1e-11);
    assert_int_equal(cav_hermite_coeffs(erf_act, NULL, NULL, 0, &mu0, &mu1, &ms, &e), CAV_OK);
    assert_true(fabs(mu0) < 1e-14);
    assert_rel(mu1, 2.0 / sqrt(3.0 * PI), 1e-12);
    assert_rel(ms * ms + mu1 * mu1, (2.0 / PI) * asin(2.0 / 3.0), 1e-11);
    assert_int_equal(cav_hermite_coeffs(NULL, NULL, NULL, 0, &mu0, &mu1, &ms, &e), CAV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_H),     cmocka_unit_test(test_logH),
        cmocka_unit_test(test_mills), cmocka_unit_test(test_owen_t),
        cmocka_unit_test(test_bvn),   cmocka_unit_test(test_hermite_coeffs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
