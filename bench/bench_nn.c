/* bench_nn — the network engine against PyTorch (bench/torch_nn.py runs the same training):
 *
 *   bench_nn epoch linear|mlp STEPS   full-batch Adam steps of cross-entropy training at
 *                                     d = 1000, c = 2, n = 2000 (linear softmax without bias, or
 *                                     one hidden ReLU layer of width 500 with biases); prints the
 *                                     time per epoch (forward, backward, Adam update);
 *   bench_nn distill linear|mlp ET ES one whole distillation run at d = 1000, c = 2, n = 2000
 *                                     (alpha = 2), rho = 0.8, tau = 20: data, teacher (ET epochs,
 *                                     Adam 1e-3), soft labels, student (ES epochs, Adam 1e-4) and
 *                                     its evaluation, no shuffle control; prints the wall time.
 * Threads: OMP_NUM_THREADS (the engine runs BLAS single-threaded inside its own partition).
 * Output: one line "cavity <what> <wall seconds> <CPU seconds of the process>" plus the final
 * losses for a sanity comparison. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cavity/distill.h"
#include "cavity/nn.h"
#include "cavity/rng.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of the process (all threads): with one thread, the work done, whatever else runs. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_nn epoch linear|mlp STEPS | distill linear|mlp ET ES\n");
        return 2;
    }
    const int mlp = strcmp(argv[2], "mlp") == 0;
    if (strcmp(argv[1], "epoch") == 0) {
        const size_t n = 2000, d = 1000;
        long steps = atol(argv[3]);
        double *X = malloc(n * d * sizeof *X);
        int *lab = malloc(n * sizeof *lab);
        cav_rng_normal_matrix(1, 1, n, d, 1.0, X);
        for (size_t i = 0; i < n; i++)
            lab[i] = (int)(i % 2);
        cav_nn_spec sp;
        cav_nn_spec_default(&sp);
        sp.d = d;
        sp.k = 2;
        sp.softmax = 1;
        sp.hidden = mlp;
        sp.width[0] = 500;
        sp.bias[0] = sp.bias[1] = mlp;
        cav_nn *net = NULL;
        cav_nn_alloc(&sp, &net, NULL);
        for (int l = 0; l <= mlp; l++)
            cav_nn_init_layer(net, l, 3, CAV_NN_TORCH, 0.0, 1, 0, NULL);
        cav_nn_train_opts o;
        cav_nn_train_opts_default(&o);
        o.steps = steps;
        cav_nn_data data = {n, X, NULL, lab};
        cav_nn_loss loss = {CAV_NN_CE, 0};
        cav_nn_train_info info;
        double t0 = now(), c0 = cpu_now();
        int st = cav_nn_train(net, &loss, &data, &o, &info, NULL);
        double t = (now() - t0) / (double)steps, c = (cpu_now() - c0) / (double)steps;
        printf("cavity epoch-%s %.6f %.6f s/epoch wall, cpu (threads %d, loss %.6g, status %d)\n",
               argv[2], t, c, omp_get_max_threads(), info.loss, st);
        cav_nn_free(net);
        free(X), free(lab);
        return st != 0;
    }
    if (argc < 5) return 2;
    cav_distill_config c;
    cav_distill_config_default(&c);
    c.d = 1000;
    c.c = 2;
    c.alpha = 2.0;
    c.rho = 0.8;
    c.tau = 20.0;
    c.arch = mlp ? CAV_DISTILL_MLP : CAV_DISTILL_LINEAR;
    c.p = 500;
    c.epochs_teacher = atol(argv[3]);
    c.epochs_student = atol(argv[4]);
    c.shuffle = 0;
    c.n_control = 1;
    cav_distill_result r;
    double t0 = now(), c0 = cpu_now();
    int st = cav_distill_run(&c, &r, NULL);
    double t = now() - t0, cp = cpu_now() - c0;
    printf("cavity distill-%s %.3f %.3f s wall, cpu (threads %d, teacher acc %.4f, student "
           "heldout %.4f, loss %.6g, status %d)\n",
           argv[2], t, cp, omp_get_max_threads(), r.acc_teacher, r.acc_student_heldout,
           r.loss_student, st);
    return st != 0;
}
