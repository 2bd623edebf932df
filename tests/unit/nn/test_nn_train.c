/* tests/unit/nn/test_nn_train.c — optimisers, solvers and reproducibility of the network engine.
 *
 *  - soft-label cross-entropy against q = softmax(z_T/t) tends to the hard-label one (labels
 *    argmax z_T) as t -> 0: value and gradient, the gap shrinking like exp(-margin/t);
 *  - Adam (and GD) reach the known minimum of two convex problems: least squares with a bias
 *    (normal equations solved by Gauss-Jordan in the test) and L2-penalised logistic regression
 *    (bce + weight decay; minimum by Newton's method written in the test);
 *  - one GD step and three Adam steps equal the update formulas applied by hand to
 *    cav_nn_loss_grad's gradient;
 *  - SGD in epoch mode visits every sample once per epoch (corr loss on a linear model: the
 *    gradient does not depend on the weights, so one epoch moves W by lr/B sum_mu y_mu x_mu);
 *  - spherical rows keep their norms; frozen layers and zero learning-rate layers do not move;
 *  - the preconditioned step and the ridge readout against direct dense solves;
 *  - kernel ridge regression against a direct Gauss-Jordan solve of (K + lambda n I) A = Y with
 *    the Gram matrix built by loops (n = 300 and n = 700, the latter spanning several Cholesky
 *    panels and tiles), predictions by loops;
 *  - thread-count invariance: a whole training run (3 hidden layers, Adam on minibatches; linear
 *    softmax, full batch), a preconditioned step, a ridge readout and a kernel fit give
 *    bit-identical results with 1 and 4 OpenMP threads and 1 and 4 OpenBLAS threads, and
 *    OpenBLAS's thread count is restored afterwards;
 *  - a diverging GD run reports CAV_EDIVERGE; bad arguments are rejected with CAV_EINVAL.
 */
#include <math.h>
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nntest.h"
#include "unit/sim/simtest.h"

int openblas_get_num_threads(void);
void openblas_set_num_threads(int);

static double sqdot(size_t n, const double *x)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i] * x[i];
    return s;
}

static void test_soft_ce_tau0(void **state)
{
    (void)state;
    enum { N = 20, K = 3, DD = 4 };
    double X[N * DD], Zt[N * K], Q[N * K];
    int lab[N];
    nt_normal(1, 1, N * DD, 1.0, X);
    nt_normal(1, 2, N * K, 1.0, Zt);
    for (int i = 0; i < N; i++) { /* teacher logits with a margin of at least 0.2 */
        lab[i] = i % K;
        Zt[i * K + lab[i]] = 0.2 + fmax(Zt[i * K + (lab[i] + 1) % K], Zt[i * K + (lab[i] + 2) % K]);
    }
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = DD;
    sp.hidden = 1;
    sp.width[0] = 5;
    sp.act[0] = &cav_act_tanh;
    sp.k = K;
    sp.softmax = 1;
    cav_nn *net = nt_net(&sp, 0.7, 2);
    size_t np = cav_nn_nparams(net);
    double gh[64], gs[64], vh, vs, prev = INFINITY;
    assert_true(np <= 64);
    cav_nn_data dh = {N, X, NULL, lab}, ds = {N, X, Q, NULL};
    cav_nn_loss lh = {CAV_NN_CE, 0}, ls = {CAV_NN_SOFT_CE, 0};
    assert_int_equal(cav_nn_loss_grad(net, &lh, &dh, &vh, gh, NULL), CAV_OK);
    const double ts[] = {1.0, 0.3, 0.1, 0.03, 0.01, 0.003};
    for (int it = 0; it < 6; it++) {
        cav_nn_softmax(N, K, Zt, ts[it], Q);
        assert_int_equal(cav_nn_loss_grad(net, &ls, &ds, &vs, gs, NULL), CAV_OK);
        double e = fabs(vs - vh);
        for (size_t i = 0; i < np; i++)
            e = fmax(e, fabs(gs[i] - gh[i]));
        print_message("t = %-6g |soft - hard| = %.3g\n", ts[it], e);
        assert_true(e < prev || e < 1e-15);
        prev = e;
        if (ts[it] <= 0.01) assert_true(e < 3.0 * exp(-0.2 / ts[it]) + 1e-15);
    }
    assert_true(prev < 1e-15);
    cav_nn_free(net);
}

/* Observer: stops the training once the objective is within rel of the known minimum. Adam
 * with a constant rate converges to rounding level and later leaves it in bursts (the second
 * moment decays once the gradient vanishes, a known behaviour of the method shared by PyTorch's
 * implementation), so "reaches the minimum" is tested as: some iterate gets there. */
typedef struct reach {
    double fmin, rel, best;
    long at;
} reach;

static int reach_obs(void *ctx, long t, double f)
{
    reach *r = ctx;
    double gap = (f - r->fmin) / r->fmin;
    if (gap < r->best) r->best = gap;
    if (gap < r->rel) {
        r->at = t;
        return 1;
    }
    return 0;
}

/* Least squares with bias: Adam and GD reach the normal-equation minimum. */
static void test_convex_least_squares(void **state)
{
    (void)state;
    enum { N = 60, DD = 8 };
    double X[N * DD], y[N], w0[DD];
    nt_normal(3, 1, N * DD, 1.0, X);
    nt_normal(3, 2, DD, 1.0, w0);
    nt_normal(3, 3, N, 0.3, y);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < DD; j++)
            y[i] += X[i * DD + j] * w0[j] + 0.5;
    /* normal equations in (w, b): [X 1]^T [X 1] theta = [X 1]^T y */
    double M[(DD + 1) * (DD + 1)] = {0}, r[DD + 1] = {0};
    for (int i = 0; i < N; i++) {
        double row[DD + 1];
        memcpy(row, X + i * DD, DD * sizeof(double));
        row[DD] = 1.0;
        for (int a = 0; a <= DD; a++) {
            r[a] += row[a] * y[i];
            for (int b = 0; b <= DD; b++)
                M[a * (DD + 1) + b] += row[a] * row[b];
        }
    }
    assert_int_equal(gauss_solve(DD + 1, M, r), 0);
    double fmin = 0.0;
    for (int i = 0; i < N; i++) {
        double z = r[DD];
        for (int j = 0; j < DD; j++)
            z += X[i * DD + j] * r[j];
        fmin += 0.5 * (z - y[i]) * (z - y[i]) / N;
    }
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = DD;
    sp.bias[0] = 1;
    for (int method = CAV_NN_GD; method <= CAV_NN_ADAM; method += 2) {
        cav_nn *net = nt_net(&sp, 1.0, 4);
        cav_nn_train_opts o;
        cav_nn_train_opts_default(&o);
        o.method = method;
        o.lr = method == CAV_NN_ADAM ? 0.02 : 0.2;
        o.steps = 50000;
        reach rc = {fmin, 1e-14, INFINITY, -1};
        o.every = 1;
        o.observe = reach_obs;
        o.ctx = &rc;
        cav_nn_train_info info;
        cav_nn_data data = {N, X, y, NULL};
        cav_nn_loss loss = {CAV_NN_SQUARE, 0};
        assert_int_equal(cav_nn_train(net, &loss, &data, &o, &info, NULL), CAV_OK);
        double e = 0.0;
        for (int j = 0; j < DD; j++)
            e = fmax(e, fabs(cav_nn_weight(net, 0)[j] - r[j]));
        e = fmax(e, fabs(cav_nn_bias(net, 0)[0] - r[DD]));
        print_message("least squares, %s: objective within 1e-14 of the minimum %.15g at step %ld, "
                      "max |theta - theta*| %.3g\n",
                      method == CAV_NN_ADAM ? "adam" : "gd", fmin, rc.at, e);
        assert_true(rc.at >= 0);
        assert_true(info.loss >= fmin * (1 - 1e-14));
        assert_true(e < 1e-6);
        cav_nn_free(net);
    }
}

/* L2-penalised logistic regression: Adam reaches the Newton minimum. */
static void test_convex_logistic(void **state)
{
    (void)state;
    enum { N = 80, DD = 6 };
    const double wd = 0.05;
    double X[N * DD], y[N];
    nt_normal(5, 1, N * DD, 1.0, X);
    cav_rng rr;
    cav_rng_init(&rr, 5, 2, 0);
    for (int i = 0; i < N; i++)
        y[i] = cav_rng_uniform(&rr) < 1.0 / (1.0 + exp(-X[i * DD])) ? 1.0 : 0.0;
    double w[DD] = {0};
    for (int it = 0; it < 30; it++) { /* Newton on (1/n) sum softplus(z) - y z + wd/2 |w|^2 */
        double H[DD * DD] = {0}, g[DD] = {0};
        for (int i = 0; i < N; i++) {
            double z = 0.0;
            for (int j = 0; j < DD; j++)
                z += X[i * DD + j] * w[j];
            double s = 1.0 / (1.0 + exp(-z));
            for (int a = 0; a < DD; a++) {
                g[a] += (s - y[i]) * X[i * DD + a] / N;
                for (int b = 0; b < DD; b++)
                    H[a * DD + b] += s * (1 - s) * X[i * DD + a] * X[i * DD + b] / N;
            }
        }
        for (int a = 0; a < DD; a++) {
            g[a] += wd * w[a];
            H[a * DD + a] += wd;
        }
        assert_int_equal(gauss_solve(DD, H, g), 0);
        for (int a = 0; a < DD; a++)
            w[a] -= g[a];
    }
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = DD;
    cav_nn *net = nt_net(&sp, 1.0, 6);
    cav_nn_layer(net, 0)->wd = wd;
    cav_nn_train_opts o;
    cav_nn_train_opts_default(&o);
    o.lr = 0.01;
    o.steps = 50000;
    cav_nn_data data = {N, X, y, NULL};
    cav_nn_loss loss = {CAV_NN_BCE, 0};
    /* the minimum value at the Newton point, through the engine's own objective */
    double fmin;
    memcpy(cav_nn_weight(net, 0), w, sizeof w);
    assert_int_equal(cav_nn_loss_grad(net, &loss, &data, &fmin, NULL, NULL), CAV_OK);
    cav_nn_init_layer(net, 0, 3, CAV_NN_NORMAL, 1.0, 6, 7, NULL);
    reach rc = {fmin, 1e-14, INFINITY, -1};
    o.every = 1;
    o.observe = reach_obs;
    o.ctx = &rc;
    assert_int_equal(cav_nn_train(net, &loss, &data, &o, NULL, NULL), CAV_OK);
    assert_true(rc.at >= 0);
    double e = 0.0;
    for (int j = 0; j < DD; j++)
        e = fmax(e, fabs(cav_nn_weight(net, 0)[j] - w[j]));
    print_message(
        "logistic + L2, adam: within 1e-14 of the minimum at step %ld, max |w - w_newton| "
        "= %.3g\n",
        rc.at, e);
    assert_true(e < 1e-6);
    cav_nn_free(net);
}

/* GD and Adam updates equal the formulas applied by hand to cav_nn_loss_grad. */
static void test_update_formulas(void **state)
{
    (void)state;
    enum { N = 15, DD = 4 };
    double X[N * DD], Y[N * 2];
    nt_normal(8, 1, N * DD, 1.0, X);
    nt_normal(8, 2, N * 2, 1.0, Y);
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = DD;
    sp.hidden = 2;
    sp.width[0] = 5;
    sp.width[1] = 3;
    sp.act[0] = &cav_act_tanh;
    sp.act[1] = &cav_act_sigmoid;
    sp.bias[1] = 1;
    sp.k = 2;
    cav_nn_data data = {N, X, Y, NULL};
    cav_nn_loss loss = {CAV_NN_SQUARE, 0};
    for (int method = CAV_NN_GD; method <= CAV_NN_ADAM; method += 2) {
        cav_nn *net = nt_net(&sp, 0.8, 9), *ref = nt_net(&sp, 0.8, 9);
        cav_nn_layer(net, 1)->lr = 0.5;
        cav_nn_layer(net, 2)->wd = 0.1;
        cav_nn_layer(ref, 2)->wd = 0.1;
        size_t np = cav_nn_nparams(net), n0 = 5 * DD, n1 = 3 * 5 + 3;
        double th[128], g[128], m[128] = {0}, v[128] = {0}, got[128];
        assert_true(np <= 128);
        const double lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        int steps = method == CAV_NN_ADAM ? 3 : 1;
        cav_nn_get_params(ref, th);
        for (int t = 1; t <= steps; t++) {
            cav_nn_set_params(ref, th);
            cav_nn_loss_grad(ref, &loss, &data, NULL, g, NULL);
            for (size_t i = 0; i < np; i++) {
                double f = (i >= n0 && i < n0 + n1) ? 0.5 : 1.0;
                if (method == CAV_NN_GD) {
                    th[i] -= f * lr * g[i];
                } else {
                    m[i] = b1 * m[i] + (1 - b1) * g[i];
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                    double mh = m[i] / (1 - pow(b1, t)), vh = v[i] / (1 - pow(b2, t));
                    th[i] -= f * lr * mh / (sqrt(vh) + eps);
                }
            }
        }
        cav_nn_train_opts o;
        cav_nn_train_opts_default(&o);
        o.method = method;
        o.lr = lr;
        o.steps = steps;
        assert_int_equal(cav_nn_train(net, &loss, &data, &o, NULL, NULL), CAV_OK);
        cav_nn_get_params(net, got);
        double e = 0.0;
        for (size_t i = 0; i < np; i++)
            e = fmax(e, fabs(got[i] - th[i]));
        print_message("%s: max |engine - formula| = %.3g\n", method ? "adam" : "gd", e);
        assert_true(e < 1e-13);
        cav_nn_free(net), cav_nn_free(ref);
    }
}

/* Epoch-mode SGD visits every sample once per epoch. */
static void test_sgd_epoch(void **state)
{
    (void)state;
    enum { N = 48, DD = 5, B = 12 };
    double X[N * DD], y[N], s[DD] = {0};
    nt_normal(10, 1, N * DD, 1.0, X);
    nt_normal(10, 2, N, 1.0, y);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < DD; j++)
            s[j] += y[i] * X[i * DD + j];
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = DD;
    cav_nn *net = NULL;
    assert_int_equal(cav_nn_alloc(&sp, &net, NULL), CAV_OK);
    cav_nn_train_opts o;
    cav_nn_train_opts_default(&o);
    o.method = CAV_NN_SGD;
    o.lr = 0.1;
    o.batch = B;
    o.steps = 2 * N / B; /* two epochs */
    o.seed = 3;
    cav_nn_data data = {N, X, y, NULL};
    cav_nn_loss loss = {CAV_NN_CORR, 0};
    assert_int_equal(cav_nn_train(net, &loss, &data, &o, NULL, NULL), CAV_OK);
    for (int j = 0; j < DD; j++)
        assert_true(fabs(cav_nn_weight(net, 0)[j] - 2 * 0.1 * s[j] / B) < 1e-12);
    /* random mode: a different sequence of batches (generically not the epoch sum) */
    memset(cav_nn_weight(net, 0), 0, DD * sizeof(double));
    o.batch_mode = CAV_NN_BATCH_RANDOM;
    assert_int_equal(cav_nn_train(net, &loss, &data, &o, NULL, NULL), CAV_OK);
    double e = 0.0;
    for (int j = 0; j < DD; j++)
        e = fmax(e, fabs(cav_nn_weight(net, 0)[j] - 2 * 0.1 * s[j] / B));
    assert_true(e > 1e-6);
    cav_nn_free(net);
}

/* Spherical rows keep their norms; frozen or zero-rate layers do not move. */
static void test_sphere_freeze(void **state)
{
    (void)state;
    enum { N = 40, DD = 6 };
    double X[N * DD], y[N];
    nt_normal(12, 1, N * DD, 1.0, X);
    nt_normal(12, 2, N, 1.0, y);
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = DD;
    sp.hidden = 2;
    sp.width[0] = 7;
    sp.width[1] = 4;
    sp.bias[0] = sp.bias[1] = 1;
    cav_nn *net = nt_net(&sp, 0.6, 13);
    cav_nn_layer(net, 0)->spherical = 1;
    cav_nn_layer(net, 1)->freeze_w = 1;
    cav_nn_layer(net, 1)->freeze_b = 1;
    cav_nn_layer(net, 2)->lr = 0.0;
    double n0[7], W1[28], b1[4], W2[4];
    for (int i = 0; i < 7; i++)
        n0[i] = sqrt(sqdot(DD, cav_nn_weight(net, 0) + i * DD));
    memcpy(W1, cav_nn_weight(net, 1), sizeof W1);
    memcpy(b1, cav_nn_bias(net, 1), sizeof b1);
    memcpy(W2, cav_nn_weight(net, 2), sizeof W2);
    double W0[42];
    memcpy(W0, cav_nn_weight(net, 0), sizeof W0);
    cav_nn_train_opts o;
    cav_nn_train_opts_default(&o);
    o.method = CAV_NN_SGD;
    o.lr = 0.5;
    o.steps = 30;
    o.batch = 10;
    cav_nn_data data = {N, X, y, NULL};
    cav_nn_loss loss = {CAV_NN_CORR, 0};
    assert_int_equal(cav_nn_train(net, &loss, &data, &o, NULL, NULL), CAV_OK);
    double moved = 0.0;
    for (int i = 0; i < 7; i++) {
        double nn = sqrt(sqdot(DD, cav_nn_weight(net, 0) + i * DD));
        assert_true(fabs(nn - n0[i]) < 1e-12 * n0[i]);
    }
    for (int i = 0; i < 42; i++)
        moved = fmax(moved, fabs(W0[i] - cav_nn_weight(net, 0)[i]));
    assert_true(moved > 1e-3);
    assert_memory_equal(W1, cav_nn_weight(net, 1), sizeof W1);
    assert_memory_equal(b1, cav_nn_bias(net, 1), sizeof b1);
    assert_memory_equal(W2, cav_nn_weight(net, 2), sizeof W2);
    cav_nn_free(net);
}

/* Preconditioned step and ridge readout against direct solves. */
static void test_precond_ridge(void **state)
{
    (void)state;
    enum { N = 50, DD = 6, P = 5 };
    double X[N * DD], y[N];
    nt_normal(14, 1, N * DD, 1.0, X);
    nt_normal(14, 2, N, 1.0, y);
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = DD;
    sp.hidden = 1;
    sp.width[0] = P;
    sp.act[0] = &cav_act_tanh;
    sp.bias[0] = sp.bias[1] = 1;
    cav_nn *net = nt_net(&sp, 0.5, 15);
    cav_nn_data data = {N, X, y, NULL};
    cav_nn_loss loss = {CAV_NN_SQUARE, 0};
    const double eta = 0.7, ridge = 0.1;
    size_t np = cav_nn_nparams(net);
    double g[64], W[P * DD], C[DD * DD] = {0};
    cav_nn_loss_grad(net, &loss, &data, NULL, g, NULL);
    memcpy(W, cav_nn_weight(net, 0), sizeof W);
    for (int i = 0; i < N; i++)
        for (int a = 0; a < DD; a++)
            for (int b = 0; b < DD; b++)
                C[a * DD + b] += X[i * DD + a] * X[i * DD + b] / N;
    for (int a = 0; a < DD; a++)
        C[a * DD + a] += ridge;
    for (int r = 0; r < P; r++) { /* row r of G C^{-1}: C u = G_r (C symmetric) */
        double M[DD * DD], u[DD];
        memcpy(M, C, sizeof M);
        memcpy(u, g + r * DD, sizeof u);
        assert_int_equal(gauss_solve(DD, M, u), 0);
        for (int j = 0; j < DD; j++)
            W[r * DD + j] -= eta * u[j];
    }
    assert_true(np < 64);
    assert_int_equal(cav_nn_precond_step(net, 0, &loss, &data, eta, ridge, NULL), CAV_OK);
    double e = 0.0;
    for (int i = 0; i < P * DD; i++)
        e = fmax(e, fabs(W[i] - cav_nn_weight(net, 0)[i]));
    print_message("preconditioned step vs direct: %.3g\n", e);
    assert_true(e < 1e-12);

    /* ridge readout: minimise sum (y - w.h - b)^2 + lambda n |w|^2 by the (P+1) normal equations */
    const double lambda = 0.03;
    double H[N * P];
    assert_int_equal(cav_nn_hidden_out(net, 0, 0, N, X, H, NULL), CAV_OK);
    double M[(P + 1) * (P + 1)] = {0}, r[P + 1] = {0};
    for (int i = 0; i < N; i++) {
        double row[P + 1];
        memcpy(row, H + i * P, P * sizeof(double));
        row[P] = 1.0;
        for (int a = 0; a <= P; a++) {
            r[a] += row[a] * y[i];
            for (int b = 0; b <= P; b++)
                M[a * (P + 1) + b] += row[a] * row[b];
        }
    }
    for (int a = 0; a < P; a++)
        M[a * (P + 1) + a] += lambda * N;
    assert_int_equal(gauss_solve(P + 1, M, r), 0);
    assert_int_equal(cav_nn_ridge_readout(net, &data, lambda, NULL), CAV_OK);
    e = fabs(cav_nn_bias(net, 1)[0] - r[P]);
    for (int a = 0; a < P; a++)
        e = fmax(e, fabs(cav_nn_weight(net, 1)[a] - r[a]));
    print_message("ridge readout vs direct: %.3g\n", e);
    assert_true(e < 1e-12);
    cav_nn_free(net);
}

static void krr_case(size_t n, size_t nt)
{
    const size_t d = 10, k = 2;
    const double lambda = 1e-3;
    double *X = malloc(n * d * sizeof *X), *Y = malloc(n * k * sizeof *Y), *A = malloc(n * k * 8);
    double *K = malloc(n * n * sizeof *K), *Xt = malloc(nt * d * 8), *F = malloc(nt * k * 8);
    nt_normal(16, 1, n * d, 1.0, X);
    nt_normal(16, 2, n * k, 1.0, Y);
    nt_normal(16, 3, nt * d, 1.0, Xt);
    cav_nn_kernel ker = {2, {1.0, 1.0, 1.0}, 1.0}; /* (x.x')^2 + x.x' + 1 */
    assert_int_equal(cav_nn_krr_fit(&ker, n, d, X, k, Y, lambda, A, NULL), CAV_OK);
    assert_int_equal(cav_nn_krr_predict(&ker, n, d, X, k, A, nt, Xt, F, NULL), CAV_OK);
    double e = 0.0, s = 0.0;
    for (size_t c = 0; c < k; c++) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double t = 0.0;
                for (size_t a = 0; a < d; a++)
                    t += X[i * d + a] * X[j * d + a];
                K[i * n + j] = t * t + t + 1.0 + (i == j ? lambda * (double)n : 0.0);
            }
        double *b = malloc(n * sizeof *b);
        for (size_t i = 0; i < n; i++)
            b[i] = Y[i * k + c];
        assert_int_equal(gauss_solve(n, K, b), 0);
        for (size_t i = 0; i < n; i++) {
            e = fmax(e, fabs(A[i * k + c] - b[i]));
            s = fmax(s, fabs(b[i]));
        }
        for (size_t i = 0; i < nt; i++) {
            double f = 0.0;
            for (size_t j = 0; j < n; j++) {
                double t = 0.0;
                for (size_t a = 0; a < d; a++)
                    t += Xt[i * d + a] * X[j * d + a];
                f += (t * t + t + 1.0) * b[j];
            }
            assert_true(fabs(F[i * k + c] - f) < 1e-8 * (1.0 + fabs(f)));
        }
        free(b);
    }
    print_message("krr n = %zu: max |A - A_direct| / max |A| = %.3g\n", n, e / s);
    assert_true(e < 1e-9 * s);
    free(X), free(Y), free(A), free(K), free(Xt), free(F);
}

static void test_krr(void **state)
{
    (void)state;
    krr_case(300, 37);
    krr_case(700, 600);
}

/* Everything that runs in parallel, at a given thread count: returns the concatenated results. */
static size_t run_all(int threads, double *out)
{
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
    size_t o = 0;
    /* (a) 3 hidden layers, Adam on minibatches */
    {
        enum { N = 700, DD = 120 };
        double *X = malloc(N * DD * sizeof *X);
        int lab[N];
        nt_normal(20, 1, N * DD, 1.0, X);
        for (int i = 0; i < N; i++)
            lab[i] = i % 4;
        cav_nn_spec sp;
        cav_nn_spec_default(&sp);
        sp.d = DD;
        sp.hidden = 3;
        sp.width[0] = 300;
        sp.width[1] = 160;
        sp.width[2] = 140;
        sp.act[1] = &cav_act_gelu;
        sp.bias[0] = sp.bias[1] = sp.bias[3] = 1;
        sp.k = 4;
        sp.softmax = 1;
        cav_nn *net = NULL;
        cav_nn_alloc(&sp, &net, NULL);
        for (int l = 0; l <= 3; l++)
            cav_nn_init_layer(net, l, 3, CAV_NN_TORCH, 0, 21, 0, NULL);
        cav_nn_layer(net, 1)->wd = 1e-3;
        cav_nn_train_opts op;
        cav_nn_train_opts_default(&op);
        op.steps = 12;
        op.batch = 256;
        cav_nn_data data = {N, X, NULL, lab};
        cav_nn_loss loss = {CAV_NN_CE, 0};
        assert_int_equal(cav_nn_train(net, &loss, &data, &op, NULL, NULL), CAV_OK);
        /* preconditioned step on layer 1, ridge readout on a square loss of one-hot targets */
        double *Y = calloc(N * 4, sizeof *Y);
        for (int i = 0; i < N; i++)
            Y[i * 4 + lab[i]] = 1.0;
        cav_nn_data dsq = {N, X, Y, NULL};
        cav_nn_loss sq = {CAV_NN_SQUARE, 0};
        assert_int_equal(cav_nn_precond_step(net, 1, &sq, &dsq, 0.3, 0.1, NULL), CAV_OK);
        assert_int_equal(cav_nn_ridge_readout(net, &dsq, 1e-2, NULL), CAV_OK);
        cav_nn_get_params(net, out + o);
        o += cav_nn_nparams(net);
        cav_nn_free(net);
        free(X), free(Y);
    }
    /* (b) linear softmax, full batch, d > n */
    {
        enum { N = 300, DD = 1500 };
        double *X = malloc(N * DD * sizeof *X);
        int lab[N];
        nt_normal(22, 1, N * DD, 1.0, X);
        for (int i = 0; i < N; i++)
            lab[i] = (i * 7) % 2;
        cav_nn_spec sp;
        cav_nn_spec_default(&sp);
        sp.d = DD;
        sp.k = 2;
        sp.softmax = 1;
        cav_nn *net = NULL;
        cav_nn_alloc(&sp, &net, NULL);
        cav_nn_init_layer(net, 0, 3, CAV_NN_TORCH, 0, 23, 0, NULL);
        cav_nn_train_opts op;
        cav_nn_train_opts_default(&op);
        op.steps = 6;
        cav_nn_data data = {N, X, NULL, lab};
        cav_nn_loss loss = {CAV_NN_CE, 0};
        assert_int_equal(cav_nn_train(net, &loss, &data, &op, NULL, NULL), CAV_OK);
        cav_nn_get_params(net, out + o);
        o += cav_nn_nparams(net);
        cav_nn_free(net);
        free(X);
    }
    /* (c) kernel ridge, n = 600 */
    {
        enum { N = 600, DD = 30 };
        double *X = malloc(N * DD * sizeof *X), y[N];
        nt_normal(24, 1, N * DD, 1.0, X);
        nt_normal(24, 2, N, 1.0, y);
        cav_nn_kernel ker = {2, {1.0, 1.0, 1.0}, (double)DD};
        assert_int_equal(cav_nn_krr_fit(&ker, N, DD, X, 1, y, 1e-3, out + o, NULL), CAV_OK);
        o += N;
        free(X);
    }
    assert_int_equal(openblas_get_num_threads(), threads);
    return o;
}

static void test_thread_invariance(void **state)
{
    (void)state;
    const size_t cap = 200000;
    double *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b);
    int old = openblas_get_num_threads(), omp_old = omp_get_max_threads();
    size_t na = run_all(1, a), nb = run_all(4, b);
    assert_true(na < cap);
    assert_int_equal(na, nb);
    size_t diff = 0;
    for (size_t i = 0; i < na; i++)
        diff += memcmp(a + i, b + i, sizeof(double)) != 0;
    print_message("thread invariance: %zu of %zu results differ between 1 and 4 threads\n", diff,
                  na);
    assert_int_equal(diff, 0);
    openblas_set_num_threads(old);
    omp_set_num_threads(omp_old);
    free(a), free(b);
}

static void test_diverge_and_bad_input(void **state)
{
    (void)state;
    enum { N = 30, DD = 10 };
    double X[N * DD], y[N];
    nt_normal(30, 1, N * DD, 3.0, X);
    nt_normal(30, 2, N, 1.0, y);
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = DD;
    cav_nn *net = nt_net(&sp, 1.0, 31);
    cav_nn_train_opts o;
    cav_nn_train_opts_default(&o);
    o.method = CAV_NN_GD;
    o.lr = 100.0;
    o.steps = 2000;
    cav_nn_data data = {N, X, y, NULL};
    cav_nn_loss loss = {CAV_NN_SQUARE, 0};
    cav_nn_train_info info;
    cav_err err = {0};
    assert_int_equal(cav_nn_train(net, &loss, &data, &o, &info, &err), CAV_EDIVERGE);
    assert_int_equal(info.status, CAV_EDIVERGE);
    assert_true(info.steps > 0 && info.steps < 2000);
    assert_non_null(strstr(err.msg, "diverged"));
    /* bad arguments */
    o.lr = -1.0;
    assert_int_equal(cav_nn_train(net, &loss, &data, &o, NULL, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "lr"));
    o.lr = 0.1;
    o.method = 7;
    assert_int_equal(cav_nn_train(net, &loss, &data, &o, NULL, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "optimiser"));
    o.method = CAV_NN_GD;
    cav_nn_loss ce = {CAV_NN_CE, 0};
    assert_int_equal(cav_nn_train(net, &ce, &data, &o, NULL, &err), CAV_EINVAL);
    cav_nn_free(net);
    cav_nn_spec_default(&sp);
    sp.tau = 0.0;
    assert_int_equal(cav_nn_alloc(&sp, &net, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "tau"));
    cav_nn_spec_default(&sp);
    sp.hidden = 4;
    assert_int_equal(cav_nn_alloc(&sp, &net, &err), CAV_EINVAL);
    cav_nn_spec_default(&sp);
    sp.hidden = 1;
    sp.width[0] = 0;
    assert_int_equal(cav_nn_alloc(&sp, &net, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "width"));
    cav_nn_spec_default(&sp);
    sp.hidden = 1;
    sp.d = 4;
    sp.width[0] = 2;
    sp.k = 3;
    sp.tie[1] = 1; /* 3 x 2 cannot be the transpose of 2 x 4 */
    assert_int_equal(cav_nn_alloc(&sp, &net, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "tied"));
    cav_nn_spec_default(&sp);
    sp.softmax = 1;
    assert_int_equal(cav_nn_alloc(&sp, &net, &err), CAV_EINVAL);
    assert_null(net);
    cav_nn_kernel ker = {5, {0}, 1.0};
    double A[1];
    assert_int_equal(cav_nn_krr_fit(&ker, 1, 1, X, 1, y, 0.1, A, &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "degree"));
    assert_int_equal(cav_nn_loss_find("soft-ce"), CAV_NN_SOFT_CE);
    assert_int_equal(cav_nn_loss_find("hinge"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soft_ce_tau0),      cmocka_unit_test(test_convex_least_squares),
        cmocka_unit_test(test_convex_logistic),   cmocka_unit_test(test_update_formulas),
        cmocka_unit_test(test_sgd_epoch),         cmocka_unit_test(test_sphere_freeze),
        cmocka_unit_test(test_precond_ridge),     cmocka_unit_test(test_krr),
        cmocka_unit_test(test_thread_invariance), cmocka_unit_test(test_diverge_and_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
