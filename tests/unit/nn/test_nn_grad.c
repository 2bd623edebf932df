/* tests/unit/nn/test_nn_grad.c — gradient conformance of the network engine (cavity/nn.h).
 *
 * Every registered activation (in every hidden position, depths 1-3, with biases and scales),
 * every loss (square, ce, soft-ce, bce, corr; mean and sum), weight decay, tied layers (the tied
 * autoencoder) and the linear model: the backward pass against central finite differences of the
 * objective, step h = 1e-5, required to agree to 1e-6 relative in the max norm
 * (max_i |g_i - fd_i| <= 1e-6 max_i |fd_i|). Pre-activations are kept away from the kinks of
 * relu/elu/sign: a configuration whose finite difference straddles a kink would be reported as a
 * mismatch, so the test draws data where no |z| < 1e-3 (checked, not assumed).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nntest.h"

#define NS 9
#define D 5

/* Max relative error of the backward pass against central differences. */
static double grad_check(cav_nn *net, const cav_nn_loss *loss, const cav_nn_data *data)
{
    size_t np = cav_nn_nparams(net);
    double *th = malloc(np * sizeof *th), *g = malloc(np * sizeof *g),
           *fd = malloc(np * sizeof *fd);
    cav_nn_get_params(net, th);
    double v;
    cav_err err = {0};
    assert_int_equal(cav_nn_loss_grad(net, loss, data, &v, g, &err), CAV_OK);
    assert_true(isfinite(v));
    const double h = 1e-5;
    double gmax = 0.0, emax = 0.0;
    for (size_t i = 0; i < np; i++) {
        double t0 = th[i], vp, vm;
        th[i] = t0 + h;
        cav_nn_set_params(net, th);
        cav_nn_loss_grad(net, loss, data, &vp, NULL, NULL);
        th[i] = t0 - h;
        cav_nn_set_params(net, th);
        cav_nn_loss_grad(net, loss, data, &vm, NULL, NULL);
        th[i] = t0;
        fd[i] = (vp - vm) / (2 * h);
        gmax = fmax(gmax, fabs(fd[i]));
        emax = fmax(emax, fabs(fd[i] - g[i]));
    }
    cav_nn_set_params(net, th);
    free(th), free(g), free(fd);
    assert_true(gmax > 1e-3); /* a vanishing gradient would make the check empty */
    return emax / gmax;
}

/* Smallest |pre-activation| of the hidden layers on X. */
static double min_abs_pre(cav_nn *net, const double *X)
{
    const cav_nn_spec *sp = cav_nn_get_spec(net);
    double m = INFINITY;
    for (int l = 0; l < sp->hidden; l++) {
        size_t w = sp->width[l];
        double *H = malloc(NS * w * sizeof *H);
        assert_int_equal(cav_nn_hidden_out(net, l, 1, NS, X, H, NULL), CAV_OK);
        for (size_t i = 0; i < NS * w; i++)
            m = fmin(m, fabs(H[i]));
        free(H);
    }
    return m;
}

typedef struct data_set {
    double X[NS * D], Y[NS * 4], P[NS * 4], B[NS];
    int lab[NS];
} data_set;

static void make_data(data_set *s, uint64_t seed)
{
    nt_normal(seed, 1, NS * D, 1.0, s->X);
    nt_normal(seed, 2, NS * 4, 1.0, s->Y);
    double Z[NS * 4];
    nt_normal(seed, 3, NS * 4, 1.5, Z);
    cav_nn_softmax(NS, 4, Z, 1.0, s->P);
    cav_rng r;
    cav_rng_init(&r, seed, 4, 0);
    for (int i = 0; i < NS; i++) {
        s->lab[i] = (int)(cav_rng_u64(&r) % 4);
        s->B[i] = cav_rng_uniform(&r);
    }
}

/* Every activation at every depth and position, square loss, biases, non-unit scales. */
static void test_grad_activations(void **state)
{
    (void)state;
    double worst = 0.0;
    int cases = 0;
    for (const cav_activation_type *const *t = cav_activation_registry(); *t; t++)
        for (int depth = 1; depth <= 3; depth++)
            for (int pos = 0; pos < depth; pos++) {
                cav_nn_spec sp;
                cav_nn_spec_default(&sp);
                sp.d = D;
                sp.hidden = depth;
                sp.k = 3;
                size_t widths[3] = {6, 4, 5};
                for (int l = 0; l < depth; l++) {
                    sp.width[l] = widths[l];
                    sp.act[l] = l == pos ? *t : &cav_act_tanh;
                    sp.bias[l] = 1;
                    sp.scale[l] = 1.0 / sqrt((double)(l ? widths[l - 1] : D));
                }
                sp.bias[depth] = 1;
                sp.scale[depth] = 0.7;
                double rel = NAN, mz = 0.0;
                data_set ds;
                for (uint64_t seed = 1; seed < 50 && mz < 1e-3; seed++) {
                    make_data(&ds, seed);
                    cav_nn *net = nt_net(&sp, 0.8, seed);
                    mz = min_abs_pre(net, ds.X);
                    if (mz >= 1e-3) {
                        cav_nn_data data = {NS, ds.X, ds.Y, NULL};
                        cav_nn_loss loss = {CAV_NN_SQUARE, 0};
                        rel = grad_check(net, &loss, &data);
                    }
                    cav_nn_free(net);
                }
                assert_true(mz >= 1e-3);
                if (!(rel <= 1e-6))
                    fail_msg("activation %s, depth %d, position %d: relative error %.3g",
                             (*t)->name, depth, pos, rel);
                worst = fmax(worst, rel);
                cases++;
            }
    print_message("activations x depths x positions: %d cases, worst relative error %.3g\n", cases,
                  worst);
}

/* Every loss, mean and sum, on a 2-hidden-layer net with weight decay. */
static void test_grad_losses(void **state)
{
    (void)state;
    data_set ds;
    make_data(&ds, 11);
    double worst = 0.0;
    for (int kind = CAV_NN_SQUARE; kind <= CAV_NN_CORR; kind++)
        for (int sum = 0; sum <= 1; sum++) {
            cav_nn_spec sp;
            cav_nn_spec_default(&sp);
            sp.d = D;
            sp.hidden = 2;
            sp.width[0] = 7;
            sp.width[1] = 3;
            sp.act[0] = &cav_act_gelu;
            sp.act[1] = &cav_act_tanh;
            sp.bias[0] = sp.bias[2] = 1;
            int binary = kind == CAV_NN_BCE || kind == CAV_NN_CORR;
            sp.k = binary ? 1 : 4;
            sp.softmax = !binary && kind != CAV_NN_SQUARE;
            sp.tau = kind == CAV_NN_SQUARE ? 1.0 : 0.7;
            cav_nn *net = nt_net(&sp, 0.9, 5);
            cav_nn_layer(net, 0)->wd = 0.3;
            cav_nn_layer(net, 2)->wd = 0.05;
            const double *Y = kind == CAV_NN_SOFT_CE ? ds.P : (kind == CAV_NN_BCE ? ds.B : ds.Y);
            cav_nn_data data = {NS, ds.X, kind == CAV_NN_CE ? NULL : Y, ds.lab};
            cav_nn_loss loss = {kind, sum};
            double rel = grad_check(net, &loss, &data);
            if (!(rel <= 1e-6))
                fail_msg("loss %s (sum %d): relative error %.3g", cav_nn_loss_name(kind), sum, rel);
            worst = fmax(worst, rel);
            cav_nn_free(net);
        }
    print_message("losses x {mean, sum} with weight decay: worst relative error %.3g\n", worst);
}

/* Tied autoencoder x_hat = (w/sqrt d) sigma(w.x/sqrt d) (width 1 and 3), square loss summed,
 * weight decay; and the linear softmax model with bias. */
static void test_grad_tied_linear(void **state)
{
    (void)state;
    data_set ds;
    make_data(&ds, 21);
    const cav_activation_type *acts[] = {&cav_act_linear, &cav_act_tanh, &cav_act_he3,
                                         &cav_act_sigmoid, &cav_act_elu};
    double worst = 0.0;
    for (int a = 0; a < 5; a++)
        for (size_t w = 1; w <= 3; w += 2) {
            cav_nn_spec sp;
            cav_nn_spec_default(&sp);
            sp.d = D;
            sp.hidden = 1;
            sp.width[0] = w;
            sp.act[0] = acts[a];
            sp.k = D;
            sp.tie[1] = 1;
            sp.scale[0] = sp.scale[1] = 1.0 / sqrt((double)D);
            cav_nn *net = nt_net(&sp, 1.0, 3);
            assert_int_equal(cav_nn_nparams(net), w * D);
            cav_nn_layer(net, 0)->wd = 0.2;
            cav_nn_data data = {NS, ds.X, ds.X, NULL};
            cav_nn_loss loss = {CAV_NN_SQUARE, 1};
            double rel = grad_check(net, &loss, &data);
            if (!(rel <= 1e-6)) fail_msg("tied AE %s w=%zu: %.3g", acts[a]->name, w, rel);
            worst = fmax(worst, rel);
            cav_nn_free(net);
        }
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = D;
    sp.k = 4;
    sp.softmax = 1;
    sp.tau = 2.5;
    sp.bias[0] = 1;
    cav_nn *net = nt_net(&sp, 1.0, 4);
    cav_nn_data data = {NS, ds.X, NULL, ds.lab};
    cav_nn_loss loss = {CAV_NN_CE, 0};
    double rel = grad_check(net, &loss, &data);
    assert_true(rel <= 1e-6);
    worst = fmax(worst, rel);
    cav_nn_free(net);
    print_message("tied autoencoders and linear softmax: worst relative error %.3g\n", worst);
}

/* The loss values themselves against hand-computed formulas on one sample. */
static void test_loss_values(void **state)
{
    (void)state;
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = 2;
    sp.k = 3;
    sp.softmax = 1;
    sp.tau = 2.0;
    cav_nn *net = NULL;
    assert_int_equal(cav_nn_alloc(&sp, &net, NULL), CAV_OK);
    double *W = cav_nn_weight(net, 0); /* z = W x with x = (1, 0): z = first column */
    W[0] = 1.0, W[2] = -2.0, W[4] = 0.5;
    double x[2] = {1.0, 0.0}, q[3] = {0.2, 0.5, 0.3}, y3[3] = {0.1, -1.0, 2.0};
    int lab = 1;
    double z[3] = {1.0, -2.0, 0.5}, tau = 2.0, lse = log(exp(0.5) + exp(-1.0) + exp(0.25)), v;
    cav_nn_data dce = {1, x, NULL, &lab}, dsoft = {1, x, q, NULL}, dsq = {1, x, y3, NULL};
    cav_nn_loss l = {CAV_NN_CE, 0};
    assert_int_equal(cav_nn_loss_grad(net, &l, &dce, &v, NULL, NULL), CAV_OK);
    assert_true(fabs(v - (lse - z[1] / tau)) < 1e-14);
    l.kind = CAV_NN_SOFT_CE;
    assert_int_equal(cav_nn_loss_grad(net, &l, &dsoft, &v, NULL, NULL), CAV_OK);
    double ref = 0.0;
    for (int j = 0; j < 3; j++)
        ref += q[j] * (lse - z[j] / tau);
    assert_true(fabs(v - ref) < 1e-14);
    l.kind = CAV_NN_SQUARE;
    assert_int_equal(cav_nn_loss_grad(net, &l, &dsq, &v, NULL, NULL), CAV_OK);
    assert_true(fabs(v - 0.5 * (0.81 + 1.0 + 2.25)) < 1e-14);
    l.kind = CAV_NN_CORR;
    assert_int_equal(cav_nn_loss_grad(net, &l, &dsq, &v, NULL, NULL), CAV_OK);
    assert_true(fabs(v - (-(0.1 - 2.0 * -1.0 + 0.5 * 2.0))) < 1e-14);
    cav_nn_free(net);
    /* bce at tau = 1 on z = 3, y = 0.25: log(1 + e^3) - 0.75... = softplus(3) - 0.25 * 3 */
    cav_nn_spec_default(&sp);
    sp.d = 1;
    assert_int_equal(cav_nn_alloc(&sp, &net, NULL), CAV_OK);
    cav_nn_weight(net, 0)[0] = 3.0;
    double one = 1.0, yb = 0.25;
    cav_nn_data db = {1, &one, &yb, NULL};
    l.kind = CAV_NN_BCE;
    assert_int_equal(cav_nn_loss_grad(net, &l, &db, &v, NULL, NULL), CAV_OK);
    assert_true(fabs(v - (log1p(exp(3.0)) - 0.75)) < 1e-14);
    cav_nn_weight(net, 0)[0] = 800.0; /* no overflow far in the tail: softplus(800) - 200 */
    assert_int_equal(cav_nn_loss_grad(net, &l, &db, &v, NULL, NULL), CAV_OK);
    assert_true(fabs(v - 600.0) < 1e-10);
    cav_nn_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grad_activations),
        cmocka_unit_test(test_grad_losses),
        cmocka_unit_test(test_grad_tied_linear),
        cmocka_unit_test(test_loss_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
