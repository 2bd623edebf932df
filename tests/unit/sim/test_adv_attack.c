/* Consistent-attack oracle (src/sim/adv/adv_attack.c): the returned perturbation is feasible
 * (theta.delta = 0 to 1e-10 relative, v.delta = -h), has the size it claims, and is optimal: its
 * size equals the dual bound |h| / min_t ||v - t theta||_{s*} computed here independently
 * (l_2: explicit projection with plain loops; l_inf: f(t) evaluated at every breakpoint
 * t = v_i/theta_i, O(d^2), no sorting), and by weak duality no consistent perturbation is smaller.
 * Flips: delta scaled to the budget flips the prediction exactly when eps_min <= eps, and random
 * consistent perturbations within a budget below eps_min never do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "cavity/adv_sim.h"
#include "simtest.h"

static double dot(size_t d, const double *a, const double *b)
{
    double s = 0.0;
    for (size_t i = 0; i < d; i++)
        s += a[i] * b[i];
    return s;
}

static double nrm(size_t d, const double *a)
{
    return sqrt(dot(d, a, a));
}

/* brute force: min over breakpoints of sum |v_i - t theta_i| (and t = 0 if theta = 0). */
static double brute_l1(size_t d, const double *v, const double *th)
{
    double best = INFINITY;
    for (size_t k = 0; k <= d; k++) {
        double t = 0.0;
        if (k < d) {
            if (th[k] == 0.0) continue;
            t = v[k] / th[k];
        }
        double s = 0.0;
        for (size_t i = 0; i < d; i++)
            s += fabs(v[i] - t * th[i]);
        if (s < best) best = s;
    }
    return best;
}

static void check_one(size_t d, const double *v, const double *th, double h, int norm)
{
    double *delta = malloc(d * sizeof *delta);
    double eps_min;
    cav_err err = {0, ""};
    assert_int_equal(cav_adv_consistent_attack(d, v, th, h, norm, delta, &eps_min, &err), CAV_OK);
    double dn = nrm(d, delta);
    /* consistency: theta.delta = 0 relative to |theta||delta| */
    assert_true(fabs(dot(d, th, delta)) <= 1e-12 * nrm(d, th) * dn + 1e-300);
    /* moves the field exactly to the boundary */
    assert_true(fabs(dot(d, v, delta) + h) <= 1e-12 * fabs(h));
    double size, D;
    if (norm == CAV_ADV_L2) {
        size = dn;
        double tt = dot(d, th, th), c = dot(d, v, th) / tt, p2 = 0.0;
        for (size_t i = 0; i < d; i++)
            p2 += (v[i] - c * th[i]) * (v[i] - c * th[i]);
        D = sqrt(p2);
    } else {
        size = sqrt((double)d) * maxabs(d, delta);
        D = brute_l1(d, v, th) / sqrt((double)d);
    }
    assert_true(fabs(size - eps_min) <= 1e-12 * eps_min);
    assert_true(fabs(eps_min - fabs(h) / D) <= 1e-10 * eps_min);
    assert_true(fabs(cav_adv_consistent_norm(d, v, th, norm, NULL) - D) <= 1e-12 * D);
    /* weak duality: random consistent perturbations reaching the boundary are no smaller */
    double cond;
    {
        double tt = dot(d, th, th), c = dot(d, v, th) / tt, p2 = 0.0;
        for (size_t i = 0; i < d; i++)
            p2 += (v[i] - c * th[i]) * (v[i] - c * th[i]);
        cond = nrm(d, v) / sqrt(p2);
    }
    cav_rng r;
    cav_rng_init(&r, 7, d, (uint64_t)norm);
    double *u = malloc(d * sizeof *u);
    for (int trial = 0; trial < 200; trial++) {
        cav_rng_normal_fill(&r, d, 1.0, u);
        for (int pass = 0; pass < 2; pass++) { /* two Gram-Schmidt passes */
            double c = dot(d, u, th) / dot(d, th, th);
            for (size_t i = 0; i < d; i++)
                u[i] -= c * th[i];
        }
        double vu = dot(d, v, u);
        if (vu == 0.0) continue;
        for (size_t i = 0; i < d; i++)
            u[i] *= -h / vu;
        double s = norm == CAV_ADV_L2 ? nrm(d, u) : sqrt((double)d) * maxabs(d, u);
        /* rounding of the test's own projection grows with cond = |v| / |P_perp v| (d = 2 has
         * one consistent direction, and a near-parallel v makes it ill-conditioned) */
        assert_true(s >= eps_min * (1 - 1e-12 - 1e-14 * cond));
        /* below eps_min no consistent perturbation flips: scaled to 0.99 eps_min */
        double f = 0.99 * eps_min / s;
        double hn = h + f * dot(d, v, u);
        assert_true(hn * h > 0);
    }
    /* scaled to any budget eps > eps_min it flips strictly */
    double hn = h + 1.01 * dot(d, v, delta);
    assert_true(hn * h < 0);
    free(u);
    free(delta);
}

static void test_random(void **state)
{
    (void)state;
    const size_t dims[] = {2, 3, 5, 8, 20, 200};
    cav_rng r;
    cav_rng_init(&r, 1, 2, 3);
    for (size_t a = 0; a < sizeof dims / sizeof *dims; a++) {
        size_t d = dims[a];
        double *v = malloc(d * sizeof *v), *th = malloc(d * sizeof *th);
        for (int rep = 0; rep < 20; rep++) {
            cav_rng_normal_fill(&r, d, 1.0, v);
            cav_rng_normal_fill(&r, d, 1.0, th);
            if (rep % 5 == 4) th[0] = 0.0; /* a coordinate the teacher ignores */
            double h = cav_rng_normal(&r);
            check_one(d, v, th, h, CAV_ADV_L2);
            check_one(d, v, th, h, CAV_ADV_LINF);
        }
        free(v), free(th);
    }
}

/* Ties in the ratios (several coordinates on the median) and v parallel to theta. */
static void test_degenerate(void **state)
{
    (void)state;
    double th[4] = {1, 2, -1, 0.5}, v[4] = {1, 2, 3, 0.5}; /* ratios 1, 1, -3, 1 */
    check_one(4, v, th, 0.7, CAV_ADV_LINF);
    check_one(4, v, th, -0.7, CAV_ADV_L2);
    double par[4] = {2, 4, -2, 1}, delta[4], e;
    assert_int_equal(cav_adv_consistent_attack(4, par, th, 0.3, CAV_ADV_LINF, delta, &e, NULL),
                     CAV_OK);
    assert_true(isinf(e));
    assert_true(maxabs(4, delta) == 0.0);
    assert_int_equal(cav_adv_consistent_attack(4, par, th, 0.3, CAV_ADV_L2, delta, &e, NULL),
                     CAV_OK);
    assert_true(isinf(e) || e > 1e12);
    /* h = 0: already on the boundary */
    assert_int_equal(cav_adv_consistent_attack(4, v, th, 0.0, CAV_ADV_LINF, delta, &e, NULL),
                     CAV_OK);
    assert_true(e == 0.0);
    cav_err err = {0, ""};
    assert_int_equal(cav_adv_consistent_attack(4, v, th, 1.0, 3, delta, &e, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "norm"));
}

/* l_2: D^2 = q - m^2/rho exactly for v = w/sqrt(d) (the Gaussian threshold of the theory). */
static void test_l2_identity(void **state)
{
    (void)state;
    const size_t d = 300;
    double *w = malloc(d * sizeof *w), *th = malloc(d * sizeof *th), *v = malloc(d * sizeof *v);
    cav_rng r;
    cav_rng_init(&r, 3, 4, 5);
    cav_rng_normal_fill(&r, d, 1.0, th);
    cav_rng_normal_fill(&r, d, 0.7, w);
    for (size_t i = 0; i < d; i++)
        w[i] += 0.8 * th[i], v[i] = w[i] / sqrt((double)d);
    double m = dot(d, w, th) / (double)d, q = dot(d, w, w) / (double)d,
           rho = dot(d, th, th) / (double)d;
    double D = cav_adv_consistent_norm(d, v, th, CAV_ADV_L2, NULL);
    assert_true(fabs(D * D - (q - m * m / rho)) <= 1e-12 * q);
    free(w), free(th), free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_l2_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
