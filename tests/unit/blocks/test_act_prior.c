/* tests/unit/blocks/test_act_prior.c — activations and priors (activation.h, prior.h).
 *
 * Activations, for every registry entry: derivative vs central differences away from kinks;
 * hermite() (closed forms) vs the kink-aware quadrature cav_hermite_coeffs applied to eval();
 * all coefficients vs an independent scipy/mpmath script (tests/ref/blocks/hermite_ref.py; the
 * activations added for the network engine, sigmoid/elu/gelu/he2/he3, have scipy values only).
 * Priors: denoiser mean/var vs direct numerical integration of the posterior
 * P(w|B) ∝ P(w) exp(B w - A w^2/2) (trapezoid on [-30, 30] for the Gaussian, exact two-point sum
 * for Rademacher), var = d mean/d B by central differences, sampler moments vs second_moment().
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/activation.h"
#include "cavity/prior.h"
#include "cavity/rng.h"
#include "cavity/special.h"

#define NEAR(a, b, tol)                                                                            \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol))) fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);         \
    } while (0)

static double act_scalar(void *ctx, double x)
{
    const cav_activation_type *t = ctx;
    double y;
    t->eval(1, &x, &y, NULL);
    return y;
}

static void test_activation_registry(void **state)
{
    (void)state;
    char names[256] = "";
    int n = 0;
    for (const cav_activation_type *const *t = cav_activation_registry(); *t; t++, n++) {
        assert_ptr_equal(cav_activation_find((*t)->name), *t);
        if (n) strcat(names, ",");
        strcat(names, (*t)->name);
    }
    assert_int_equal(n, 11);
    assert_string_equal(names, cav_activation_names());
    assert_null(cav_activation_find("swish"));
    assert_null(cav_activation_find(NULL));
}

static void test_activation_derivative(void **state)
{
    (void)state;
    double maxe = 0;
    for (const cav_activation_type *const *t = cav_activation_registry(); *t; t++)
        for (int i = 0; i <= 120; i++) {
            double x = -3.0 + 0.05 * i + 1e-3 / 7.0;
            int near = 0;
            for (int k = 0; k < (*t)->nkinks; k++)
                near |= fabs(x - (*t)->kinks[k]) < 1e-3;
            if (near) continue;
            const double eta = 1e-5;
            double xs[3] = {x - eta, x, x + eta}, y[3], dy[3];
            (*t)->eval(3, xs, y, dy);
            double fd = (y[2] - y[0]) / (2 * eta), e = fabs(fd - dy[1]);
            if (e > maxe) maxe = e;
            if (e > 1e-9)
                fail_msg("%s: derivative %.12g vs FD %.12g at x=%g", (*t)->name, dy[1], fd, x);
        }
    print_message("activation derivative vs FD: max err %.3g\n", maxe);
}

/* Closed forms vs quadrature of eval(), and everything vs the independent scipy/mpmath values. */
static void test_activation_hermite(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        double mu0, mu1, mustar;
    } ref[] = {
        /* tests/ref/blocks/hermite_ref.py (tanh: mpmath 30 digits; others scipy quad) */
        {"tanh", 0.0, 0.60570550960215882558, 0.16557574108374166403},
        {"relu", 0.39894228040143281, 0.5, 0.30140513749454323},
        {"erf", 0.0, 0.65147001587055997, 0.20036435017026438},
        {"sign", 0.0, 0.79788456080286563, 0.60281027498908646},
        {"linear", 0.0, 1.0, 0.0},
        {"quadratic", 1.0, 0.0, 1.4142135623730951},
        {"sigmoid", 0.5, 0.20662096414190712, 0.026207118024721331},
        {"elu", 0.16052057226655619, 0.76157829186512349, 0.1979319800637129},
        {"gelu", 0.28209479177387825, 0.5, 0.30926365939817563},
        {"he2", 0.0, 0.0, 1.4142135623730951},
        {"he3", 0.0, 0.0, 2.4494897427831783},
    };
    double maxq = 0, maxr = 0;
    int nfail = 0; /* report every activation before failing */
    for (const cav_activation_type *const *t = cav_activation_registry(); *t; t++) {
        double m0, m1, ms, q0 = NAN, q1 = NAN, qs = NAN;
        (*t)->hermite(&m0, &m1, &ms);
        cav_err err = {0};
        int rc = cav_hermite_coeffs(act_scalar, (void *)*t, (*t)->kinks, (*t)->nkinks, &q0, &q1,
                                    &qs, &err);
        /* cav_hermite_coeffs writes its outputs only on CAV_OK: any other status is a failure
         * (of the quadrature in src/num, named in the message). */
        if (rc != CAV_OK) {
            print_error("cav_hermite_coeffs(%s) returned %s: %s\n", (*t)->name, cav_status_name(rc),
                        err.msg);
            nfail++;
        }
        double e = fmax(fabs(m0 - q0), fmax(fabs(m1 - q1), fabs(ms - qs)));
        if (e > maxq) maxq = e;
        if (rc == CAV_OK && e > 1e-9 && ++nfail)
            print_error("%s: hermite (%.15g, %.15g, %.15g) vs quadrature (%.15g, %.15g, %.15g)\n",
                        (*t)->name, m0, m1, ms, q0, q1, qs);
        int found = 0;
        for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++)
            if (strcmp(ref[i].name, (*t)->name) == 0) {
                found = 1;
                double r = fmax(fabs(m0 - ref[i].mu0),
                                fmax(fabs(m1 - ref[i].mu1), fabs(ms - ref[i].mustar)));
                if (r > maxr) maxr = r;
                if (r > 1e-12 && ++nfail)
                    print_error("%s: (%.17g, %.17g, %.17g) vs reference (%.17g, %.17g, %.17g)\n",
                                (*t)->name, m0, m1, ms, ref[i].mu0, ref[i].mu1, ref[i].mustar);
            }
        assert_true(found);
    }
    assert_int_equal(nfail, 0);
    print_message("hermite: closed form vs quadrature max err %.3g; vs reference %.3g\n", maxq,
                  maxr);
}

static void test_prior_registry(void **state)
{
    (void)state;
    char names[128] = "";
    int n = 0;
    for (const cav_prior_type *const *t = cav_prior_registry(); *t; t++, n++) {
        assert_ptr_equal(cav_prior_find((*t)->name), *t);
        if (n) strcat(names, ",");
        strcat(names, (*t)->name);
    }
    assert_int_equal(n, 2);
    assert_string_equal(names, cav_prior_names());
    assert_null(cav_prior_find("laplace"));
    assert_null(cav_prior_find(NULL));
}

/* Posterior mean and variance by direct integration. */
static void posterior(const cav_prior_type *t, double B, double A, double *mean, double *var)
{
    double Z = 0, M1 = 0, M2 = 0;
    if (t == &cav_prior_rademacher) {
        for (int s = -1; s <= 1; s += 2) {
            double wgt = 0.5 * exp(B * s - A / 2 - fabs(B)); /* common factor dropped */
            Z += wgt;
            M1 += wgt * s;
            M2 += wgt;
        }
    } else { /* Gaussian prior: trapezoid on c + [-30, 30], h = 1e-3 (spectrally accurate);
              * moments about c = B/(1+A) to avoid cancellation when |B| is large */
        double c = B / (1 + A);
        for (int i = -30000; i <= 30000; i++) {
            double d = 1e-3 * i, w = c + d;
            double lw = -w * w / 2 + B * w - A * w * w / 2 - c * c * (1 + A) / 2;
            double wgt = exp(lw);
            Z += wgt;
            M1 += wgt * d;
            M2 += wgt * d * d;
        }
        *mean = c + M1 / Z;
        *var = M2 / Z - (M1 / Z) * (M1 / Z);
        return;
    }
    *mean = M1 / Z;
    *var = M2 / Z - *mean * *mean;
}

static void test_prior_denoiser(void **state)
{
    (void)state;
    static const double Bs[] = {-3.0, -0.5, 0.0, 1.2, 4.0, 25.0}, As[] = {0.0, 0.5, 3.0};
    double maxe = 0;
    for (const cav_prior_type *const *t = cav_prior_registry(); *t; t++)
        for (int ia = 0; ia < 3; ia++) {
            double m[6], v[6];
            (*t)->denoise(NULL, 6, Bs, As[ia], m, v);
            for (int i = 0; i < 6; i++) {
                double pm, pv;
                posterior(*t, Bs[i], As[ia], &pm, &pv);
                double e = fmax(fabs(m[i] - pm), fabs(v[i] - pv));
                if (e > maxe) maxe = e;
                if (fabs(m[i] - pm) > 1e-12 || fabs(v[i] - pv) > 1e-12 * fmax(1, pv))
                    fail_msg("%s B=%g A=%g: mean %.15g (%.15g) var %.15g (%.15g)", (*t)->name,
                             Bs[i], As[ia], m[i], pm, v[i], pv);
                /* var = d mean / d B */
                const double eta = 1e-5;
                double b2[2] = {Bs[i] - eta, Bs[i] + eta}, m2[2];
                (*t)->denoise(NULL, 2, b2, As[ia], m2, NULL);
                NEAR((m2[1] - m2[0]) / (2 * eta), v[i], 1e-9);
            }
            /* Rademacher at B = 25: var = sech^2(25) ~ 7.7e-22 without cancellation */
            if (*t == &cav_prior_rademacher) NEAR(v[5] / (1.0 / pow(cosh(25.0), 2)), 1.0, 1e-13);
        }
    print_message("denoiser vs numerical posterior: max err %.3g\n", maxe);
}

static void test_prior_sampler(void **state)
{
    (void)state;
    cav_rng rng;
    cav_rng_init(&rng, 5, 0, 0);
    for (const cav_prior_type *const *t = cav_prior_registry(); *t; t++) {
        const int N = 200000;
        double s1 = 0, s2 = 0, s4 = 0;
        for (int i = 0; i < N; i++) {
            double w = (*t)->sample(NULL, &rng);
            s1 += w;
            s2 += w * w;
            s4 += w * w * w * w;
        }
        double m2 = (*t)->second_moment(NULL), var2 = s4 / N - (s2 / N) * (s2 / N);
        if (fabs(s1 / N) > 4.5 * sqrt(m2 / N)) fail_msg("%s: mean %g", (*t)->name, s1 / N);
        if (fabs(s2 / N - m2) > 4.5 * sqrt(var2 / N) + 1e-15)
            fail_msg("%s: E w^2 %g vs %g", (*t)->name, s2 / N, m2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_activation_registry), cmocka_unit_test(test_activation_derivative),
        cmocka_unit_test(test_activation_hermite),  cmocka_unit_test(test_prior_registry),
        cmocka_unit_test(test_prior_denoiser),      cmocka_unit_test(test_prior_sampler),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
