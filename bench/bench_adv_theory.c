/* Benchmark: a 50-point theory curve of the adversarial models (target: < 1 s per curve),
 * with warm starts along the curve as the runner does. Curves: direct model alpha in [0.2, 2]
 * for l_2 and l_inf attacks with adversarial training (eps_t = 0.3), and the latent model over
 * gamma in [0.1, 2]. Prints the wall time of each curve. */
#include <stdio.h>
#include <time.h>

#include "cavity/adversarial.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double curve(int latent, int norm, int *fails)
{
    cav_loss loss = {&cav_loss_logistic, {0, 0}};
    cav_adv_problem p = cav_adv_problem_default(&loss);
    p.latent = latent;
    p.train_norm = p.attack_norm = norm;
    p.eps_train = 0.3;
    p.eps = 1.0;
    p.lambda = 1e-3;
    double warm[CAV_ADV_NWARM], t0 = now();
    int have = 0;
    for (int i = 0; i < 50; i++) {
        double x = latent ? 0.1 + 1.9 * i / 49.0 : 0.2 + 1.8 * i / 49.0;
        if (latent)
            p.gamma = x;
        else
            p.alpha = x;
        cav_adv_solution s;
        if (cav_adv_solve(&p, have ? warm : NULL, NULL, &s) != CAV_OK) (*fails)++;
        cav_adv_warm(&s, warm);
        have = 1;
    }
    return now() - t0;
}

int main(void)
{
    const char *names[2] = {"direct", "latent"};
    for (int latent = 0; latent < 2; latent++)
        for (int norm = 0; norm <= 2; norm += 2) {
            int fails = 0;
            double t = curve(latent, norm, &fails);
            printf("%s l_%s eps_t 0.3: 50-point curve %.3f s (%d not converged)\n", names[latent],
                   norm == 2 ? "2" : "inf", t, fails);
        }
    return 0;
}
