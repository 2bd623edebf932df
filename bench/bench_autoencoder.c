/* bench_autoencoder — the hidden-factor model's costs (bench/torch_autoencoder.py is the PyTorch
 * peer of the first):
 *
 *   bench_autoencoder adam D ALPHA EPOCHS [fused|nn]
 *                                            full-batch Adam training of the tied ReLU autoencoder
 *                                            (lr 0.1, from w ~ N(0, I_d)), n = ALPHA D samples of
 *                                            the k* = 2 data, by the fused one-pass path of the
 *                                            simulation (default) or the generic network engine;
 *                                            prints the wall and process CPU time of the training
 *                                            only;
 *   bench_autoencoder se ACT NPOINTS         an NPOINTS-point state-evolution curve (alpha from
 *                                            0.5 to 10, each from both starts, as the model does),
 *                                            prints the wall and CPU time and the worst
 *                                            quadrature error estimate.
 * Threads: OMP_NUM_THREADS. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cavity/hf.h"
#include "cavity/model.h"
#include "cavity/models/autoencoder.h"
#include "cavity/nn.h"
#include "sim/hf/hf_adam.h"

static double now(int cpu)
{
    struct timespec ts;
    clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench_adam(size_t d, double alpha, long epochs, int fused)
{
    size_t n = (size_t)llround(alpha * (double)d);
    cav_hf_data g = {.beta_u = 1, .beta_v = 2, .latent = CAV_HF_K2};
    double *u = malloc(d * sizeof *u), *v = malloc(d * sizeof *v), *X = malloc(n * d * sizeof *X);
    cav_hf_spikes(d, 1, u, v, NULL);
    cav_hf_sample(&g, d, u, v, n, 1, 7, X, NULL, NULL, NULL);
    cav_nn_spec s;
    cav_nn_spec_default(&s);
    s.d = d, s.hidden = 1, s.width[0] = 1, s.act[0] = &cav_act_relu, s.k = d, s.tie[1] = 1;
    s.scale[0] = s.scale[1] = 1.0 / sqrt((double)d);
    cav_nn *net = NULL;
    cav_nn_alloc(&s, &net, NULL);
    cav_nn_init_layer(net, 0, CAV_NN_INIT_W, CAV_NN_NORMAL, 1.0, 1, 2, NULL);
    cav_nn_train_opts o;
    cav_nn_train_opts_default(&o);
    o.lr = 0.1, o.steps = epochs;
    cav_nn_loss loss = {CAV_NN_SQUARE, 1};
    cav_nn_data data = {.n = n, .X = X, .Y = X};
    cav_nn_train_info info;
    double *w = cav_nn_weight(net, 0);
    double t0 = now(0), c0 = now(1);
    int rc = fused ? hf_adam_tied(n, d, X, &cav_act_relu, 0.0, &o, w, &info.loss, NULL, NULL)
                   : cav_nn_train(net, &loss, &data, &o, &info, NULL);
    double t1 = now(0), c1 = now(1);
    double q = 0, mv = 0;
    for (size_t i = 0; i < d; i++)
        q += w[i] * w[i], mv += w[i] * v[i];
    printf(
        "cavity %s adam d=%zu n=%zu epochs=%ld wall %.2f s cpu %.2f s (%.2f ms/epoch) loss/n %.6f "
        "theta_v %.4f\n",
        fused ? "fused" : "nn", d, n, epochs, t1 - t0, c1 - c0, 1e3 * (t1 - t0) / (double)epochs,
        info.loss / (double)n, fabs(mv) / sqrt(q * (double)d));
    cav_nn_free(net);
    free(u), free(v), free(X);
    return rc;
}

static int bench_se(const char *act, int npoints)
{
    cav_autoencoder_params p;
    cav_model_defaults(&cav_model_autoencoder, &p);
    p.activation = cav_activation_find(act);
    if (!p.activation) return 2;
    double t0 = now(0), c0 = now(1), warm[4], *win = NULL;
    int bad = 0;
    for (int i = 0; i < npoints; i++) {
        p.alpha = 0.5 + 9.5 * i / (npoints - 1);
        cav_result r;
        cav_result_init(&r, (size_t)cav_model_autoencoder.nobs);
        cav_model_autoencoder.theory(&p, win, warm, &r);
        win = isfinite(warm[0]) ? warm : NULL;
        bad += r.status != CAV_OK;
        const cav_autoencoder_obs *o = cav_result_row(&r, 0);
        if (i % 5 == 0 || i == npoints - 1)
            printf("  alpha %.3f theta_u %.4f theta_v %.4f status %d\n", p.alpha, o->theta_u,
                   o->theta_v, r.status);
        cav_result_release(&r);
    }
    printf("cavity se %s %d points wall %.2f s cpu %.2f s, %d not converged\n", act, npoints,
           now(0) - t0, now(1) - c0, bad);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && !strcmp(argv[1], "adam"))
        return bench_adam((size_t)atol(argv[2]), atof(argv[3]), atol(argv[4]),
                          argc < 6 || strcmp(argv[5], "nn"));
    if (argc >= 4 && !strcmp(argv[1], "se")) return bench_se(argv[2], atoi(argv[3]));
    fprintf(stderr, "usage: bench_autoencoder adam D ALPHA EPOCHS [fused|nn] | se ACT NPOINTS\n");
    return 2;
}
