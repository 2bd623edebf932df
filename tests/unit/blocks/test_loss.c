/* tests/unit/blocks/test_loss.c — conformance tests for every registered loss (loss.h).
 *
 * Every type in cav_loss_registry() goes through the same checks, with par[0] in {0, 0.3} (the
 * smooth-hinge width, the square-robust radius; ignored by the others):
 *   - prox stationarity: (omega - h*)/V lies in the subdifferential of l(y, .) at h*, checked with
 *     one-sided finite differences of value() (so it also holds at kinks); for twice-smooth losses
 *     the residual h* - omega + V l'(y, h*) is at rounding level;
 *   - h* minimises the prox objective P(h) = l + (h - omega)^2/(2V): by strong convexity
 *     P(h* +- d) - P(h*) >= d^2/(2V), we demand half of that;
 *   - dprox against central differences away from the declared kinks, 0 <= dprox <= 1, h*
 *     nondecreasing in omega, and each declared kink is a real jump of dprox;
 *   - dl, ddl against finite differences of l, dl away from the kinks of l (which are the images
 *     h*(u_k) of the declared prox kinks);
 *   - finiteness for omega = +-1e3, V = 1e-8 and 1e4; registry, names, find and check errors.
 * Logistic prox values against an independent mpmath solution (tests/ref/blocks/
 * logistic_prox_ref.py).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/loss.h"

/* |a - b| <= tol, with the values in the failure message (cmocka 1.1 has no double assert). */
#define NEAR(a, b, tol)                                                                            \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol))) fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);         \
    } while (0)

#define NOM 321
static const double Vs[] = {1e-3, 0.1, 1.0, 10.0};
static const double pars[] = {0.0, 0.3};

static double lval(const cav_loss *L, double y, double h)
{
    double l;
    cav_loss_value(L, 1, &y, &h, &l, NULL, NULL);
    return l;
}

static double pobj(const cav_loss *L, double y, double om, double V, double h)
{
    return lval(L, y, h) + (h - om) * (h - om) / (2.0 * V);
}

/* Kinks of omega -> h* for label y = +-1 at V, in omega (u = y omega). */
static int omega_kinks(const cav_loss *L, double y, double V, double *om)
{
    double u[CAV_MAX_KINKS];
    int k = L->type->kinks(L, V, u);
    assert_true(k >= 0 && k <= CAV_MAX_KINKS);
    for (int j = 0; j < k; j++)
        om[j] = y * u[j];
    return k;
}

static void test_registry(void **state)
{
    (void)state;
    const cav_loss_type *const *reg = cav_loss_registry();
    char names[256] = "";
    int n = 0;
    for (; reg[n]; n++) {
        const cav_loss_type *t = reg[n];
        assert_non_null(t->name);
        assert_non_null(t->summary);
        assert_non_null(t->value);
        assert_non_null(t->prox);
        assert_non_null(t->kinks);
        assert_ptr_equal(cav_loss_find(t->name), t);
        cav_loss L = {t, {0, 0}};
        assert_int_equal(cav_loss_check(&L, NULL), CAV_OK);
        if (n) strcat(names, ",");
        strcat(names, t->name);
    }
    assert_int_equal(n, 5);
    assert_string_equal(names, cav_loss_names());
    assert_ptr_equal(cav_loss_find("logistic"), &cav_loss_logistic);
    assert_null(cav_loss_find("no-such-loss"));
    assert_null(cav_loss_find(""));
    assert_null(cav_loss_find(NULL));

    cav_err err = {0};
    cav_loss bad = {&cav_loss_smooth_hinge, {-0.5, 0}};
    assert_int_equal(cav_loss_check(&bad, &err), CAV_EINVAL);
    assert_int_equal(err.code, CAV_EINVAL);
    assert_non_null(strstr(err.msg, "par[0]"));
    bad.par[0] = NAN;
    assert_int_equal(cav_loss_check(&bad, NULL), CAV_EINVAL);
    cav_loss none = {NULL, {0, 0}};
    assert_int_equal(cav_loss_check(&none, NULL), CAV_EINVAL);
}

/* Stationarity and minimisation, labels +-1 and two non-unit labels (margin rescaling path). */
static void test_prox_optimality(void **state)
{
    (void)state;
    static const double ys[] = {1.0, -1.0, 2.5, -0.5};
    double om[NOM], yv[NOM], Vv[NOM], h[NOM], d[NOM];
    long nchecked = 0;
    for (const cav_loss_type *const *t = cav_loss_registry(); *t; t++)
        for (size_t ip = 0; ip < 2; ip++)
            for (size_t iy = 0; iy < 4; iy++)
                for (size_t iv = 0; iv < 4; iv++) {
                    cav_loss L = {*t, {pars[ip], 0}};
                    double y = ys[iy], V = Vs[iv];
                    for (int i = 0; i < NOM; i++) {
                        om[i] = -8.0 + 16.0 * i / (NOM - 1);
                        yv[i] = y;
                        Vv[i] = V;
                    }
                    cav_loss_prox(&L, NOM, yv, om, Vv, h, d);
                    for (int i = 0; i < NOM; i++) {
                        double g = (om[i] - h[i]) / V;
                        /* one-sided derivatives of l at h* (FD step 1e-7 (1+|h|): error
                         * <= ddl * step ~ 4e-6 for the narrowest smooth hinge, y = 2.5) */
                        double dlt = 1e-7 * (1.0 + fabs(h[i]));
                        double l0 = lval(&L, y, h[i]);
                        double dR = (lval(&L, y, h[i] + dlt) - l0) / dlt;
                        double dLf = (l0 - lval(&L, y, h[i] - dlt)) / dlt;
                        double tol = 2e-5 * (1.0 + y * y);
                        if (!(g >= dLf - tol && g <= dR + tol))
                            fail_msg("%s(par %g): y=%g omega=%g V=%g h*=%.17g: (omega-h)/V=%.10g "
                                     "not in [%.10g, %.10g]",
                                     L.type->name, pars[ip], y, om[i], V, h[i], g, dLf, dR);
                        if (L.type->smooth) { /* exact residual of the stationarity equation */
                            double dl;
                            cav_loss_value(&L, 1, &y, &h[i], NULL, &dl, NULL);
                            double res = h[i] - om[i] + V * dl;
                            if (fabs(res) > 1e-14 * (1.0 + fabs(om[i]) + V * fabs(y)))
                                fail_msg("%s: residual %.3g at y=%g omega=%g V=%g", L.type->name,
                                         res, y, om[i], V);
                        }
                        /* strong convexity: P(h*+-dd) - P(h*) >= dd^2/(2V); demand half */
                        double P0 = pobj(&L, y, om[i], V, h[i]);
                        for (double c = 1e-4; c <= 1.0; c *= 100.0) {
                            double dd = c * sqrt(V);
                            double need = 0.5 * dd * dd / (2.0 * V);
                            double Pp = pobj(&L, y, om[i], V, h[i] + dd);
                            double Pm = pobj(&L, y, om[i], V, h[i] - dd);
                            if (!(Pp - P0 >= need && Pm - P0 >= need))
                                fail_msg("%s: h*=%.17g not a minimiser at y=%g omega=%g V=%g "
                                         "(dd=%g: %.3g %.3g < %.3g)",
                                         L.type->name, h[i], y, om[i], V, dd, Pp - P0, Pm - P0,
                                         need);
                        }
                        nchecked++;
                    }
                }
    assert_int_equal(nchecked, 5L * 2 * 4 * 4 * NOM);
}

/* dprox vs central differences, range, monotonicity, kinks real. Labels +-1. */
static void test_prox_derivative(void **state)
{
    (void)state;
    double om[NOM], yv[NOM], Vv[NOM], h[NOM], d[NOM];
    double maxerr = 0.0;
    for (const cav_loss_type *const *t = cav_loss_registry(); *t; t++)
        for (size_t ip = 0; ip < 2; ip++)
            for (int sy = 0; sy < 2; sy++)
                for (size_t iv = 0; iv < 4; iv++) {
                    cav_loss L = {*t, {pars[ip], 0}};
                    double y = sy ? -1.0 : 1.0, V = Vs[iv];
                    double ko[CAV_MAX_KINKS];
                    int nk = omega_kinks(&L, y, V, ko);
                    for (int i = 0; i < NOM; i++) {
                        om[i] = -8.0 + 16.0 * i / (NOM - 1) + 1e-3 / 3.0; /* off the kinks */
                        yv[i] = y;
                        Vv[i] = V;
                    }
                    cav_loss_prox(&L, NOM, yv, om, Vv, h, d);
                    for (int i = 0; i < NOM; i++) {
                        assert_true(d[i] >= 0.0 && d[i] <= 1.0);
                        if (i) assert_true(h[i] >= h[i - 1] - 1e-15 * (1.0 + fabs(h[i])));
                        int near = 0;
                        for (int j = 0; j < nk; j++)
                            near |= fabs(om[i] - ko[j]) < 1e-4;
                        if (near) continue;
                        const double eta = 1e-6;
                        double o2[2] = {om[i] + eta, om[i] - eta}, y2[2] = {y, y}, V2[2] = {V, V};
                        double h2[2];
                        cav_loss_prox(&L, 2, y2, o2, V2, h2, NULL);
                        double fd = (h2[0] - h2[1]) / (2.0 * eta);
                        double e = fabs(fd - d[i]);
                        if (e > maxerr) maxerr = e;
                        if (e > 1e-6)
                            fail_msg("%s(par %g): dprox %.12g vs FD %.12g at y=%g omega=%.6g V=%g",
                                     L.type->name, pars[ip], d[i], fd, y, om[i], V);
                    }
                    /* every declared kink is a jump of dprox */
                    for (int j = 0; j < nk; j++) {
                        double o2[2] = {ko[j] - 1e-7, ko[j] + 1e-7}, y2[2] = {y, y}, V2[2] = {V, V},
                               h2[2], d2[2];
                        cav_loss_prox(&L, 2, y2, o2, V2, h2, d2);
                        /* smallest true jump: smooth hinge W/(s+W) >= 7.7e-4 here */
                        if (!(fabs(d2[0] - d2[1]) > 1e-4))
                            fail_msg("%s: declared kink omega=%g (V=%g) is not a kink (%g, %g)",
                                     L.type->name, ko[j], V, d2[0], d2[1]);
                    }
                }
    print_message("max |dprox - FD| = %.3g\n", maxerr);
}

/* dl, ddl against finite differences of l and dl, away from the kinks of l. The kinks of l in the
 * margin t = y h are the images t_k = h*(1, u_k, 1) of the prox kinks at V = 1. */
static void test_value_derivatives(void **state)
{
    (void)state;
    double maxe1 = 0.0, maxe2 = 0.0;
    for (const cav_loss_type *const *t = cav_loss_registry(); *t; t++)
        for (size_t ip = 0; ip < 2; ip++) {
            cav_loss L = {*t, {pars[ip], 0}};
            double uk[CAV_MAX_KINKS], tk[CAV_MAX_KINKS];
            int nk = L.type->kinks(&L, 1.0, uk);
            for (int j = 0; j < nk; j++) {
                double one = 1.0, vone = 1.0;
                cav_loss_prox(&L, 1, &one, &uk[j], &vone, &tk[j], NULL);
            }
            for (int sy = 0; sy < 2; sy++) {
                double y = sy ? -1.0 : 1.0;
                for (int i = 0; i <= 240; i++) {
                    double h = -6.0 + 0.05 * i + 1e-3 / 7.0;
                    int near = 0;
                    for (int j = 0; j < nk; j++)
                        near |= fabs(y * h - tk[j]) < 1e-3;
                    if (near) continue;
                    const double eta = 1e-5;
                    double hh[3] = {h - eta, h, h + eta}, yy[3] = {y, y, y}, l[3], dl[3], ddl[3];
                    cav_loss_value(&L, 3, yy, hh, l, dl, ddl);
                    double e1 = fabs((l[2] - l[0]) / (2 * eta) - dl[1]);
                    double e2 = fabs((dl[2] - dl[0]) / (2 * eta) - ddl[1]);
                    if (e1 > maxe1) maxe1 = e1;
                    if (e2 > maxe2) maxe2 = e2;
                    if (e1 > 1e-8 || e2 > 1e-8)
                        fail_msg("%s(par %g) y=%g h=%g: dl %.12g (FD %.12g), ddl %.12g (FD %.12g)",
                                 L.type->name, pars[ip], y, h, dl[1], (l[2] - l[0]) / (2 * eta),
                                 ddl[1], (dl[2] - dl[0]) / (2 * eta));
                    assert_true(ddl[1] >= 0.0); /* convexity */
                }
            }
        }
    print_message("max |dl - FD| = %.3g, max |ddl - FD| = %.3g\n", maxe1, maxe2);
}

static void test_extremes(void **state)
{
    (void)state;
    static const double oms[] = {-1e3, -1.0, -1e-300, 0.0, 1e-300, 1.0, 1e3};
    static const double Vx[] = {1e-8, 1e4};
    for (const cav_loss_type *const *t = cav_loss_registry(); *t; t++)
        for (size_t ip = 0; ip < 2; ip++)
            for (int sy = 0; sy < 2; sy++)
                for (size_t iv = 0; iv < 2; iv++)
                    for (size_t io = 0; io < 7; io++) {
                        cav_loss L = {*t, {pars[ip], 0}};
                        double y = sy ? -1.0 : 1.0, V = Vx[iv], om = oms[io], h, d, l, dl, ddl;
                        cav_loss_prox(&L, 1, &y, &om, &V, &h, &d);
                        cav_loss_value(&L, 1, &y, &h, &l, &dl, &ddl);
                        if (!(isfinite(h) && isfinite(d) && d >= 0 && d <= 1 && isfinite(l) &&
                              isfinite(dl) && isfinite(ddl)))
                            fail_msg("%s: non-finite at y=%g omega=%g V=%g: h=%g d=%g l=%g",
                                     L.type->name, y, om, V, h, d, l);
                        double P0 = pobj(&L, y, om, V, h);
                        for (double c = 1e-2; c <= 1.0; c *= 100.0) {
                            double dd = c * sqrt(V), need = 0.5 * dd * dd / (2 * V);
                            assert_true(pobj(&L, y, om, V, h + dd) - P0 >= need);
                            assert_true(pobj(&L, y, om, V, h - dd) - P0 >= need);
                        }
                    }
}

/* Logistic prox vs mpmath (50 digits), tests/ref/blocks/logistic_prox_ref.py. */
static void test_logistic_reference(void **state)
{
    (void)state;
    static const double ref[][5] = {
        /* y, omega, V, h*, dprox */
        {1.0, 0.0, 1.0, 0.40105813754154703565, 0.80631472936876987784},
        {1.0, -3.0, 0.10000000000000001, -2.9051897610133998205, 0.99510366721770941052},
        {-1.0, 2.5, 10.0, -0.7368761691015351471, 0.31356421384663563257},
        {1.0, 7.0, 0.001, 7.0000009110503651437, 0.99999908978047612448},
        {-1.0, -8.0, 5.0, -8.0016739471471600866, 0.99832940881776139617},
        {1.0, -1000.0, 10000.0, 2.1947882989601755931, 0.0011077198281746021711},
        {1.0, 1000.0, 1.0e-8, 1000.0, 1.0},
        {1.0, -30.0, 2.0, -28.00000000000138288, 0.99999999999861711998},
        {-1.0, 0.29999999999999999, 10000.0, -7.1953127069125488157, 0.11778986537645335933},
        {2.5, 0.40000000000000002, 0.69999999999999996, 0.67384811318527038753,
         0.63391935342034881597},
    };
    cav_loss L = {&cav_loss_logistic, {0, 0}};
    double maxh = 0.0, maxd = 0.0;
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        double h, d;
        cav_loss_prox(&L, 1, &ref[i][0], &ref[i][1], &ref[i][2], &h, &d);
        double eh = fabs(h - ref[i][3]) / (1.0 + fabs(ref[i][3]));
        double ed = fabs(d - ref[i][4]) / ref[i][4];
        if (eh > maxh) maxh = eh;
        if (ed > maxd) maxd = ed;
        if (eh > 4e-16 * (1.0 + fabs(ref[i][1]) + ref[i][2]) || ed > 1e-13)
            fail_msg("case %zu: h* %.17g (ref %.17g), dprox %.17g (ref %.17g)", i, h, ref[i][3], d,
                     ref[i][4]);
    }
    print_message("logistic prox vs mpmath: max rel err h* %.3g, dprox %.3g\n", maxh, maxd);
}

/* Closed forms written in docs/raf.md ("Hinge prox") and the square-loss formula. */
static void test_closed_forms(void **state)
{
    (void)state;
    cav_loss H = {&cav_loss_hinge, {0, 0}}, S = {&cav_loss_square, {0, 0}};
    double y = -1.0, V = 0.5, h, d;
    double om = 1.0; /* u = -1 < 1 - V: h* = omega + V y = 0.5, slope 1 */
    cav_loss_prox(&H, 1, &y, &om, &V, &h, &d);
    NEAR(h, 0.5, 0.0);
    NEAR(d, 1.0, 0.0);
    om = -0.7; /* u = 0.7 in [0.5, 1]: h* = y */
    cav_loss_prox(&H, 1, &y, &om, &V, &h, &d);
    NEAR(h, -1.0, 0.0);
    NEAR(d, 0.0, 0.0);
    om = -3.0; /* u = 3 > 1: h* = omega */
    cav_loss_prox(&H, 1, &y, &om, &V, &h, &d);
    NEAR(h, -3.0, 0.0);
    y = 0.7;
    om = 2.0;
    V = 3.0; /* square: (omega + V y)/(1 + V) = 4.1/4 */
    cav_loss_prox(&S, 1, &y, &om, &V, &h, &d);
    NEAR(h, 1.025, 1e-15);
    NEAR(d, 0.25, 1e-16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),        cmocka_unit_test(test_prox_optimality),
        cmocka_unit_test(test_prox_derivative), cmocka_unit_test(test_value_derivatives),
        cmocka_unit_test(test_extremes),        cmocka_unit_test(test_logistic_reference),
        cmocka_unit_test(test_closed_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
