/* tests/unit/nn/test_nn_gpu.c — the optional GPU path of the network engine agrees with the CPU
 * path. Runs only in a build with -DCAVITY_CUDA=ON on a machine with a device; otherwise the
 * test says why and is skipped.
 *
 * A one-hidden-layer ReLU net (d = 1000, width 500, c = 2, n = 2000: every first-layer product
 * has 1e9 multiply-adds and goes to cuBLAS) trained for 5 Adam steps on the CPU and on the GPU
 * from the same initialisation: the objective agrees to 1e-10 relative and every parameter to
 * 1e-7 of the largest (Adam divides by sqrt(v), which amplifies rounding differences where the
 * gradient is tiny; 5 steps keep them below this). The forward pass alone agrees to 1e-12. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nntest.h"

static void test_gpu_matches_cpu(void **state)
{
    (void)state;
    int st = cav_nn_gpu_status();
    if (st < 2) {
        print_message("skipped: %s\n", st == 0 ? "cavity was built without CUDA (-DCAVITY_CUDA=ON)"
                                               : "no CUDA device on this machine");
        cav_err err = {0};
        cav_nn_spec sp;
        cav_nn_spec_default(&sp);
        cav_nn *net = NULL;
        assert_int_equal(cav_nn_alloc(&sp, &net, NULL), CAV_OK);
        assert_int_equal(cav_nn_use_gpu(net, 1, &err), CAV_EUNSUP); /* says so, does not crash */
        assert_true(strlen(err.msg) > 0);
        cav_nn_free(net);
        skip();
    }
    enum { N = 2000, DD = 1000, P = 500 };
    double *X = malloc((size_t)N * DD * sizeof *X);
    int *lab = malloc(N * sizeof *lab);
    nt_normal(40, 1, (size_t)N * DD, 1.0, X);
    for (int i = 0; i < N; i++)
        lab[i] = i % 2;
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = DD;
    sp.hidden = 1;
    sp.width[0] = P;
    sp.bias[0] = sp.bias[1] = 1;
    sp.k = 2;
    sp.softmax = 1;
    cav_nn *cpu = nt_net(&sp, 0.03, 41), *gpu = nt_net(&sp, 0.03, 41);
    assert_int_equal(cav_nn_use_gpu(gpu, 1, NULL), CAV_OK);
    double *Zc = malloc(N * 2 * sizeof *Zc), *Zg = malloc(N * 2 * sizeof *Zg);
    cav_nn_forward(cpu, N, X, Zc, 0, NULL);
    cav_nn_forward(gpu, N, X, Zg, 0, NULL);
    double ef = 0, sf = 0;
    for (int i = 0; i < 2 * N; i++)
        ef = fmax(ef, fabs(Zc[i] - Zg[i])), sf = fmax(sf, fabs(Zc[i]));
    print_message("forward: max |cpu - gpu| / max |z| = %.3g\n", ef / sf);
    assert_true(ef <= 1e-12 * sf);
    cav_nn_train_opts o;
    cav_nn_train_opts_default(&o);
    o.steps = 5;
    cav_nn_data data = {N, X, NULL, lab};
    cav_nn_loss loss = {CAV_NN_CE, 0};
    cav_nn_train_info ic, ig;
    assert_int_equal(cav_nn_train(cpu, &loss, &data, &o, &ic, NULL), CAV_OK);
    assert_int_equal(cav_nn_train(gpu, &loss, &data, &o, &ig, NULL), CAV_OK);
    size_t np = cav_nn_nparams(cpu);
    double *a = malloc(np * sizeof *a), *b = malloc(np * sizeof *b), e = 0, s = 0;
    cav_nn_get_params(cpu, a);
    cav_nn_get_params(gpu, b);
    for (size_t i = 0; i < np; i++)
        e = fmax(e, fabs(a[i] - b[i])), s = fmax(s, fabs(a[i]));
    print_message("5 Adam steps: objective %.15g (cpu) %.15g (gpu); params max diff %.3g of %.3g\n",
                  ic.loss, ig.loss, e, s);
    assert_true(fabs(ic.loss - ig.loss) <= 1e-10 * fabs(ic.loss));
    assert_true(e <= 1e-7 * s);
    cav_nn_free(cpu), cav_nn_free(gpu);
    free(X), free(lab), free(Zc), free(Zg), free(a), free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_gpu_matches_cpu)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
