/* bench_erm_theory — speed of the ERM replica engine on the Rules-and-Facts setting:
 * sign-flip channel eps = 0.1, linear learner, lambda = 1e-2, a 100-point alpha grid 0.2..5
 * solved to residual 1e-10 with warm-start continuation, for the square, hinge and logistic
 * losses (targets: logistic and hinge < 0.5 s, square a few ms, one core). Prints the times. */
#include <stdio.h>
#include <time.h>

#include "cavity/erm.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
    const cav_loss_type *lt[] = {&cav_loss_square, &cav_loss_hinge, &cav_loss_logistic};
    int fails = 0;
    for (int l = 0; l < 3; l++) {
        cav_loss L = {lt[l], {0, 0}};
        cav_channel C = {&cav_channel_sign_flip, {0.1, 0}};
        cav_erm_problem p = cav_erm_problem_default(&L, &C);
        double w[CAV_ERM_NWARM], maxres = 0, eg = 0;
        long ev = 0;
        int bad = 0;
        double t0 = now();
        for (int i = 0; i < 100; i++) {
            p.alpha = 0.2 + 4.8 * i / 99.0;
            cav_erm_solution s;
            cav_erm_solve(&p, i ? w : NULL, NULL, &s);
            cav_erm_warm(&s, w);
            ev += s.evaluations;
            if (s.residual > maxres) maxres = s.residual;
            if (s.status) bad++;
            eg = cav_erm_egen_sign(s.m_test, s.q_test);
        }
        double t = now() - t0;
        printf("%-9s 100 alphas: %8.4f s  (%ld evaluations, max residual %.2e, failed %d, "
               "egen(5) = %.6f)\n",
               lt[l]->name, t, ev, maxres, bad, eg);
        fails += bad;
    }
    return fails ? 1 : 0;
}
