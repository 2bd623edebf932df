/* The fused full-batch Adam of the tied autoencoder (sim/hf/hf_adam.c) against the network
 * engine's (cav_nn_train on the tied one-hidden-unit net): the same trajectory to rounding for
 * every registered activation, with and without weight decay; the same bits for 1 and 2 threads;
 * the model's simulation gives the same observables through either engine. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cavity/hf.h"
#include "cavity/nn.h"
#include "sim/hf/hf_adam.h"

/* Data of the hidden-factor generator (k* = 2), n x d. */
static double *data(size_t n, size_t d, uint64_t seed)
{
    cav_hf_data g = {.beta_u = 1, .beta_v = 2, .latent = CAV_HF_K2};
    double *u = malloc(d * sizeof *u), *v = malloc(d * sizeof *v), *X = malloc(n * d * sizeof *X);
    assert_non_null(u), assert_non_null(v), assert_non_null(X);
    cav_hf_spikes(d, seed, u, v, NULL);
    cav_hf_sample(&g, d, u, v, n, seed, 3, X, NULL, NULL, NULL);
    free(u), free(v);
    return X;
}

/* Train by the network engine; w0 the start, w the result, returns the final objective. */
static double train_nn(size_t n, size_t d, const double *X, const cav_activation_type *act,
                       double wd, const cav_nn_train_opts *o, const double *w0, double *w)
{
    cav_nn_spec s;
    cav_nn_spec_default(&s);
    s.d = d, s.hidden = 1, s.width[0] = 1, s.act[0] = act, s.k = d, s.tie[1] = 1;
    s.scale[0] = s.scale[1] = 1.0 / sqrt((double)d);
    cav_nn *net = NULL;
    assert_int_equal(cav_nn_alloc(&s, &net, NULL), CAV_OK);
    memcpy(cav_nn_weight(net, 0), w0, d * sizeof *w0);
    cav_nn_layer(net, 0)->wd = wd;
    cav_nn_loss loss = {CAV_NN_SQUARE, 1};
    cav_nn_data dt = {.n = n, .X = X, .Y = X};
    cav_nn_train_info info;
    assert_int_equal(cav_nn_train(net, &loss, &dt, o, &info, NULL), CAV_OK);
    memcpy(w, cav_nn_weight(net, 0), d * sizeof *w);
    cav_nn_free(net);
    return info.loss;
}

static void test_fused_equals_engine(void **state)
{
    (void)state;
    const size_t n = 150, d = 40;
    double *X = data(n, d, 5);
    double *w0 = malloc(d * sizeof *w0), *wa = malloc(d * sizeof *wa), *wb = malloc(d * sizeof *wb);
    cav_rng r;
    cav_rng_init(&r, 9, 1, 0);
    for (size_t j = 0; j < d; j++)
        w0[j] = cav_rng_normal(&r);
    cav_nn_train_opts o;
    cav_nn_train_opts_default(&o);
    o.lr = 0.05, o.steps = 50;
    const cav_activation_type *const *reg = cav_activation_registry();
    double worst = 0, worst_obj = 0;
    int cases = 0;
    for (int a = 0; reg[a]; a++)
        for (int k = 0; k < 2; k++) {
            const double wd = k ? 0.3 : 0.0;
            double fa = train_nn(n, d, X, reg[a], wd, &o, w0, wa), fb = NAN;
            memcpy(wb, w0, d * sizeof *w0);
            long steps = -1;
            assert_int_equal(hf_adam_tied(n, d, X, reg[a], wd, &o, wb, &fb, &steps, NULL), CAV_OK);
            assert_int_equal(steps, o.steps);
            double dw = 0, nw = 0, moved = 0;
            for (size_t j = 0; j < d; j++) {
                dw = fmax(dw, fabs(wa[j] - wb[j]));
                nw = fmax(nw, fabs(wa[j]));
                moved = fmax(moved, fabs(wa[j] - w0[j]));
            }
            double ew = dw / nw, ef = fabs(fa - fb) / fabs(fa);
            fprintf(stderr,
                    "  %-9s wd %.1f: |dw|/|w| %.2e, objective %.6f rel diff %.2e, moved %.3f\n",
                    reg[a]->name, wd, ew, fa, ef, moved);
            assert_true(moved > 0.1); /* the run did train */
            assert_true(ew <= 1e-10);
            assert_true(ef <= 1e-10);
            worst = fmax(worst, ew), worst_obj = fmax(worst_obj, ef);
            cases++;
        }
    fprintf(stderr, "%d cases: worst weight %.2e, worst objective %.2e\n", cases, worst, worst_obj);
    assert_true(cases >= 22);
    free(X), free(w0), free(wa), free(wb);
}

static void test_fused_thread_bits(void **state)
{
    (void)state;
#ifdef _OPENMP
    const size_t n = 700, d = 203; /* n d > 1e5: the kernel's threads are on */
    double *X = data(n, d, 6);
    double *w1 = malloc(d * sizeof *w1), *w2 = malloc(d * sizeof *w2);
    cav_rng r;
    cav_rng_init(&r, 11, 1, 0);
    for (size_t j = 0; j < d; j++)
        w1[j] = w2[j] = cav_rng_normal(&r);
    cav_nn_train_opts o;
    cav_nn_train_opts_default(&o);
    o.lr = 0.1, o.steps = 30;
    double f1, f2;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    assert_int_equal(hf_adam_tied(n, d, X, &cav_act_relu, 0.01, &o, w1, &f1, NULL, NULL), CAV_OK);
    omp_set_num_threads(2);
    assert_int_equal(hf_adam_tied(n, d, X, &cav_act_relu, 0.01, &o, w2, &f2, NULL, NULL), CAV_OK);
    omp_set_num_threads(saved);
    assert_memory_equal(w1, w2, d * sizeof *w1);
    assert_memory_equal(&f1, &f2, sizeof f1);
    free(X), free(w1), free(w2);
#else
    skip();
#endif
}

/* The model's simulation through both engines (same data, start and observables). */
static void test_sim_engines(void **state)
{
    (void)state;
    cav_hf_sim_config c;
    cav_hf_sim_config_default(&c);
    c.d = 80, c.alpha = 3, c.epochs = 60, c.ntest = 1000, c.draws = 50, c.lambda = 0.1;
    cav_hf_sim_result a, b;
    c.engine = CAV_HF_ADAM_NN;
    assert_int_equal(cav_hf_sim_run(&c, &a, NULL), CAV_OK);
    c.engine = CAV_HF_ADAM_FUSED;
    assert_int_equal(cav_hf_sim_run(&c, &b, NULL), CAV_OK);
    fprintf(stderr, "engine nn / fused: m_u %.12f / %.12f, q %.12f / %.12f, train %.12f / %.12f\n",
            a.m_u, b.m_u, a.q, b.q, a.train_loss, b.train_loss);
    assert_true(fabs(a.m_u - b.m_u) <= 1e-10 * fabs(a.m_u));
    assert_true(fabs(a.m_v - b.m_v) <= 1e-10 * fabs(a.m_v) + 1e-14);
    assert_true(fabs(a.q - b.q) <= 1e-10 * a.q);
    assert_true(fabs(a.train_loss - b.train_loss) <= 1e-10 * fabs(a.train_loss));
    c.engine = 2;
    cav_err e = {0};
    assert_int_equal(cav_hf_sim_run(&c, &b, &e), CAV_EINVAL);
    assert_non_null(strstr(e.msg, "engine"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fused_equals_engine),
        cmocka_unit_test(test_fused_thread_bits),
        cmocka_unit_test(test_sim_engines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
