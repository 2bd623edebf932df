/* tests/unit/blocks/test_channel.c — conformance tests for every registered channel (channel.h).
 *
 * For every type in cav_channel_registry() and several hyper-parameters:
 *   - ylaw: weights sum to 1 and first moments to mu (exact identities), and both agree with a
 *     Monte-Carlo estimate from the channel's own sampler (nu ~ N(mu, v), y ~ P(y|nu)) within
 *     4.5 standard errors; for the linear channel also exact Gaussian moments of y and of
 *     E[nu cos y] = e^{-S/2}(mu cos mu - v sin mu), S = v + Delta (Stein's lemma);
 *   - out: gout and dgout against central differences of logZ and gout;
 *   - out against mpmath (60 digits, derivatives by mp.diff; tests/ref/blocks/channel_ref.py),
 * including the tails eps = 0, y omega = -40 (log Z = log H(40), gout ~ 40: finite, not 0/0);
 *   - the V = 0 hard limit, sampler frequencies vs P(y|nu), registry, names, check errors.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/channel.h"
#include "cavity/rng.h"

#define NEAR(a, b, tol)                                                                            \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol))) fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);         \
    } while (0)

/* Channels under test: every registry entry with each of its parameter values. */
static int instances(cav_channel *out)
{
    static const double eps[] = {0.0, 0.2, 0.9, 1.0}, Delta[] = {0.0, 0.5};
    int n = 0;
    for (const cav_channel_type *const *t = cav_channel_registry(); *t; t++) {
        if (*t == &cav_channel_sign_flip)
            for (int i = 0; i < 4; i++)
                out[n++] = (cav_channel){*t, {eps[i], 0}};
        else if (*t == &cav_channel_linear)
            for (int i = 0; i < 2; i++)
                out[n++] = (cav_channel){*t, {Delta[i], 0}};
        else
            out[n++] = (cav_channel){*t, {0, 0}};
    }
    return n;
}

static void test_registry(void **state)
{
    (void)state;
    const cav_channel_type *const *reg = cav_channel_registry();
    char names[256] = "";
    int n = 0;
    for (; reg[n]; n++) {
        assert_non_null(reg[n]->sample);
        assert_non_null(reg[n]->ylaw);
        assert_non_null(reg[n]->out);
        assert_ptr_equal(cav_channel_find(reg[n]->name), reg[n]);
        if (n) strcat(names, ",");
        strcat(names, reg[n]->name);
    }
    assert_int_equal(n, 3);
    assert_string_equal(names, cav_channel_names());
    assert_null(cav_channel_find("flip"));
    assert_null(cav_channel_find(NULL));
    cav_channel ch[16];
    int m = instances(ch);
    for (int i = 0; i < m; i++)
        assert_int_equal(cav_channel_check(&ch[i], NULL), CAV_OK);
    cav_err err = {0};
    cav_channel bad = {&cav_channel_sign_flip, {1.5, 0}};
    assert_int_equal(cav_channel_check(&bad, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "eps"));
    bad = (cav_channel){&cav_channel_linear, {-1.0, 0}};
    assert_int_equal(cav_channel_check(&bad, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "Delta"));
    bad.type = NULL;
    assert_int_equal(cav_channel_check(&bad, NULL), CAV_EINVAL);
}

static void test_ylaw(void **state)
{
    (void)state;
    static const double mus[] = {0.3, -1.2, 2.0, 0.0, 5.0}, vs[] = {0.7, 2.0, 0.0, 0.0, 0.01};
    cav_channel ch[16];
    int m = instances(ch);
    cav_rng rng;
    cav_rng_init(&rng, 20240601, 7, 0);
    double maxz = 0.0;
    for (int c = 0; c < m; c++)
        for (int j = 0; j < 5; j++) {
            double mu = mus[j], v = vs[j], y[CAV_CHANNEL_MAXY], w[CAV_CHANNEL_MAXY],
                   wnu[CAV_CHANNEL_MAXY];
            int K = ch[c].type->ylaw(&ch[c], mu, v, y, w, wnu);
            assert_true(K >= 1 && K <= CAV_CHANNEL_MAXY);
            double sw = 0, swnu = 0;
            for (int k = 0; k < K; k++) {
                assert_true(w[k] >= 0);
                sw += w[k];
                swnu += wnu[k];
            }
            NEAR(sw, 1.0, 1e-14);
            NEAR(swnu, mu, 1e-14 * (1 + fabs(mu)));
            /* Monte Carlo of the sampler */
            const int N = 100000;
            if (ch[c].type->binary) {
                assert_int_equal(K, 2);
                double n1 = 0, s1 = 0, ss1 = 0, s2 = 0, ss2 = 0;
                for (int i = 0; i < N; i++) {
                    double nu = mu + sqrt(v) * cav_rng_normal(&rng);
                    double yy = ch[c].type->sample(&ch[c], nu, &rng);
                    assert_true(yy == 1.0 || yy == -1.0);
                    double a = yy > 0 ? nu : 0.0, b = yy > 0 ? 0.0 : nu;
                    n1 += yy > 0;
                    s1 += a;
                    ss1 += a * a;
                    s2 += b;
                    ss2 += b * b;
                }
                int kp = y[0] > 0 ? 0 : 1, km = 1 - kp;
                double p = n1 / N, se = sqrt(w[kp] * (1 - w[kp]) / N) + 1e-12;
                double z0 = fabs(p - w[kp]) / se;
                double m1 = s1 / N, se1 = sqrt((ss1 / N - m1 * m1) / N) + 1e-12;
                double m2 = s2 / N, se2 = sqrt((ss2 / N - m2 * m2) / N) + 1e-12;
                double z1 = fabs(m1 - wnu[kp]) / se1, z2 = fabs(m2 - wnu[km]) / se2;
                if (z0 > maxz) maxz = z0;
                if (z1 > maxz) maxz = z1;
                if (z2 > maxz) maxz = z2;
                if (z0 > 4.5 || z1 > 4.5 || z2 > 4.5)
                    fail_msg("%s(%g) mu=%g v=%g: MC P(+)=%g vs %g, E[nu 1{+}]=%g vs %g, "
                             "E[nu 1{-}]=%g vs %g",
                             ch[c].type->name, ch[c].par[0], mu, v, p, w[kp], m1, wnu[kp], m2,
                             wnu[km]);
            } else {
                /* linear: exact moments of y ~ N(mu, S) and E[nu cos y] (see file comment) */
                double S = v + ch[c].par[0], Ey2 = 0, Enuy = 0, Ecos = 0, Enucos = 0;
                for (int k = 0; k < K; k++) {
                    Ey2 += w[k] * y[k] * y[k];
                    Enuy += wnu[k] * y[k];
                    Ecos += w[k] * cos(y[k]);
                    Enucos += wnu[k] * cos(y[k]);
                }
                NEAR(Ey2, mu * mu + S, 1e-13 * (1 + mu * mu + S));
                NEAR(Enuy, mu * mu + v, 1e-13 * (1 + mu * mu + v));
                NEAR(Ecos, cos(mu) * exp(-S / 2), 1e-14);
                NEAR(Enucos, exp(-S / 2) * (mu * cos(mu) - v * sin(mu)), 1e-13);
                double sc = 0, scc = 0;
                for (int i = 0; i < N; i++) {
                    double nu = mu + sqrt(v) * cav_rng_normal(&rng);
                    double yy = ch[c].type->sample(&ch[c], nu, &rng), f = cos(yy);
                    sc += f;
                    scc += f * f;
                }
                double mc = sc / N, se = sqrt((scc / N - mc * mc) / N) + 1e-12;
                double z = fabs(mc - Ecos) / se;
                if (z > maxz) maxz = z;
                if (z > 4.5)
                    fail_msg("linear(%g) mu=%g v=%g: MC E cos y = %g vs %g", ch[c].par[0], mu, v,
                             mc, Ecos);
            }
        }
    print_message("ylaw vs Monte Carlo (1e5 draws each): max |z| = %.2f\n", maxz);
}

static void test_out_derivatives(void **state)
{
    (void)state;
    static const double Vs[] = {0.1, 1.0, 10.0};
    cav_channel ch[16];
    int m = instances(ch);
    double maxe = 0;
    for (int c = 0; c < m; c++)
        for (int iv = 0; iv < 3; iv++)
            for (int sy = 0; sy < 2; sy++)
                for (int i = 0; i <= 60; i++) {
                    double y = sy ? -1.0 : 1.0, V = Vs[iv], om = -6.0 + 0.2 * i;
                    if (!ch[c].type->binary) y = sy ? -0.8 : 1.7;
                    const double eta = 1e-5 * sqrt(V);
                    double yy[3] = {y, y, y}, oo[3] = {om - eta, om, om + eta}, VV[3] = {V, V, V};
                    double lz[3], g[3], dg[3];
                    ch[c].type->out(&ch[c], 3, yy, oo, VV, lz, g, dg);
                    for (int k = 0; k < 3; k++)
                        assert_true(isfinite(lz[k]) && isfinite(g[k]) && isfinite(dg[k]));
                    double fg = (lz[2] - lz[0]) / (2 * eta), fdg = (g[2] - g[0]) / (2 * eta);
                    double e1 = fabs(fg - g[1]) / (1 + fabs(g[1]));
                    double e2 = fabs(fdg - dg[1]) / (1 + fabs(dg[1]));
                    if (e1 > maxe) maxe = e1;
                    if (e2 > maxe) maxe = e2;
                    if (e1 > 1e-7 || e2 > 1e-7)
                        fail_msg("%s(%g) y=%g omega=%g V=%g: gout %.12g (FD %.12g), dgout %.12g "
                                 "(FD %.12g)",
                                 ch[c].type->name, ch[c].par[0], y, om, V, g[1], fg, dg[1], fdg);
                    /* P(y|nu) log-concave in nu (sign, linear) => log Z concave: dgout <= 0.
                     * Not so for eps > 0 (a constant plus a log-concave function). */
                    int logconcave = !ch[c].type->binary || ch[c].type == &cav_channel_sign ||
                                     ch[c].par[0] == 0.0;
                    if (logconcave && !(dg[1] <= 0))
                        fail_msg("%s: dgout = %g > 0 at y=%g omega=%g V=%g", ch[c].type->name,
                                 dg[1], y, om, V);
                }
    print_message("out vs central differences: max rel err %.3g\n", maxe);
}

/* Against mpmath: Z in closed form at 60 digits, derivatives by mp.diff, cross-checked by
 * quadrature over nu (tests/ref/blocks/channel_ref.py). */
static void test_out_reference(void **state)
{
    (void)state;
    static const double ref[][7] = {
        /* y, omega, V, eps, logZ, gout, dgout (mpmath, 60 digits) */
        {1.0, 0.3, 1.0, 0.0, -0.48141016158848120517, 0.61722085361273445015,
         -0.56612783821825289754},
        {-1.0, 0.3, 0.5, 0.2, -0.99818080095021174908, -1.1192650971864379659,
         -0.58119529946790367026},
        {1.0, -2.0, 0.1, 0.0, -22.786980264779587204, 20.477654721700590557,
         -9.7812484671747025003},
        {1.0, -40.0, 1.0, 0.0, -804.60844201375378817, 40.024968847207263723,
         -0.99937733162140861123},
        {-1.0, 40.0, 1.0, 0.0, -804.60844201375378817, -40.024968847207263723,
         -0.99937733162140861123},
        {1.0, -40.0, 1.0, 0.2, -2.3025850929940456285, 0.0, 0.0}, /* gout ~ 1e-347: 0 */
        {1.0, -6.0, 0.01, 0.0, -1805.0135606805671012, 600.16657420241123681,
         -99.972268411658520996},
        {1.0, 5.0, 2.0, 0.9, -0.59787399707792550375, 0.000099016582743132951272,
         -0.00024755126114149050587},
        {-1.0, -1.5, 3.0, 1.0, -0.69314718055994530942, 0.0, 0.0},
        {1.0, -1e-3, 1e-8, 0.0, -53.231285150512471624, 100980.9323396251196,
         -99055462.21743437183},
    };
    double maxe = 0;
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        cav_channel ch = {ref[i][3] == 0 ? &cav_channel_sign : &cav_channel_sign_flip,
                          {ref[i][3], 0}};
        double lz, g, dg;
        ch.type->out(&ch, 1, &ref[i][0], &ref[i][1], &ref[i][2], &lz, &g, &dg);
        double e[3] = {fabs(lz - ref[i][4]) / (1 + fabs(ref[i][4])),
                       fabs(g - ref[i][5]) / (1e-300 + fabs(ref[i][5])),
                       fabs(dg - ref[i][6]) / (1e-300 + fabs(ref[i][6]))};
        if (ref[i][5] == 0) e[1] = fabs(g), e[2] = fabs(dg);
        for (int k = 0; k < 3; k++) {
            if (e[k] > maxe) maxe = e[k];
            if (!(e[k] <= 1e-12))
                fail_msg("case %zu: logZ %.17g (ref %.17g) gout %.17g (ref %.17g) dgout %.17g "
                         "(ref %.17g)",
                         i, lz, ref[i][4], g, ref[i][5], dg, ref[i][6]);
        }
    }
    print_message("sign-flip out vs mpmath: max rel err %.3g\n", maxe);
}

static void test_hard_limit_and_linear(void **state)
{
    (void)state;
    cav_channel f = {&cav_channel_sign_flip, {0.2, 0}}, s = {&cav_channel_sign, {0, 0}};
    double y = 1.0, om = 0.5, V = 0.0, lz, g, dg;
    f.type->out(&f, 1, &y, &om, &V, &lz, &g, &dg);
    NEAR(lz, log(0.9), 1e-15); /* P(+|nu>0) = 1 - eps/2 */
    NEAR(g, 0.0, 0.0);
    NEAR(dg, 0.0, 0.0);
    om = -0.5;
    f.type->out(&f, 1, &y, &om, &V, &lz, &g, &dg);
    NEAR(lz, log(0.1), 1e-15);
    s.type->out(&s, 1, &y, &om, &V, &lz, &g, &dg);
    assert_true(isinf(lz) && lz < 0); /* impossible label */
    /* V -> 0+ approaches the hard limit where it is finite */
    V = 1e-12;
    om = 0.5;
    f.type->out(&f, 1, &y, &om, &V, &lz, &g, &dg);
    NEAR(lz, log(0.9), 1e-15);
    NEAR(g, 0.0, 1e-100);
    /* v = 0 in ylaw: nu = mu */
    double yk[CAV_CHANNEL_MAXY], w[CAV_CHANNEL_MAXY], wnu[CAV_CHANNEL_MAXY];
    int K = f.type->ylaw(&f, -2.0, 0.0, yk, w, wnu);
    assert_int_equal(K, 2);
    for (int k = 0; k < 2; k++) {
        NEAR(w[k], yk[k] > 0 ? 0.1 : 0.9, 1e-16);
        NEAR(wnu[k], -2.0 * w[k], 1e-15);
    }
    /* linear: Z = N(y; omega, V + Delta) */
    cav_channel L = {&cav_channel_linear, {0.5, 0}};
    y = 1.3;
    om = -0.2;
    V = 1.5;
    L.type->out(&L, 1, &y, &om, &V, &lz, &g, &dg);
    NEAR(lz, -1.5 * 1.5 / 4.0 - 0.5 * log(2 * 3.14159265358979323846 * 2.0), 1e-15);
    NEAR(g, 0.75, 1e-15);
    NEAR(dg, -0.5, 1e-16);
}

/* Sampler frequencies against P(y|nu) = (1 + (1-eps) y sign(nu))/2, fixed nu. */
static void test_sampler(void **state)
{
    (void)state;
    static const double nus[] = {-1.0, 0.5, 0.0};
    cav_channel ch[16];
    int m = instances(ch);
    cav_rng rng;
    cav_rng_init(&rng, 99, 1, 2);
    for (int c = 0; c < m; c++) {
        if (!ch[c].type->binary) continue;
        double eps = ch[c].type == &cav_channel_sign ? 0.0 : ch[c].par[0];
        for (int j = 0; j < 3; j++) {
            const int N = 100000;
            int np = 0;
            for (int i = 0; i < N; i++)
                np += ch[c].type->sample(&ch[c], nus[j], &rng) > 0;
            double sg = nus[j] > 0 ? 1 : (nus[j] < 0 ? -1 : 0);
            double P = 0.5 * (1 + (1 - eps) * sg), se = sqrt(P * (1 - P) / N);
            if (se == 0)
                assert_true(np == (P > 0.5 ? N : 0));
            else if (fabs((double)np / N - P) > 4.5 * se)
                fail_msg("%s(%g) nu=%g: freq %g vs P %g", ch[c].type->name, eps, nus[j],
                         (double)np / N, P);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_ylaw),
        cmocka_unit_test(test_out_derivatives),
        cmocka_unit_test(test_out_reference),
        cmocka_unit_test(test_hard_limit_and_linear),
        cmocka_unit_test(test_sampler),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
