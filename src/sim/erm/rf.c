/* Random-feature maps z = sigma(F x / sqrt(d)) - mu0 (Rahimi & Recht 2007; the learner of
 * Gerace, Loureiro, Krzakala, Mézard, Zdeborová, ICML 2020, "Generalisation error in learning
 * with random features and the hidden manifold model"), centred by mu0 = E sigma(g), g ~ N(0,1),
 * so that in the Gaussian-equivalent description z ~ mu1 F x/sqrt(d) + mustar xi (no constant
 * mode). The fitted predictor is f(x) = a.z/sqrt(p): the linear solvers on the p-column Z. */
#include <math.h>
#include <stdlib.h>

#include "core/la.h"
#include "sim/internal.h"

int cav_sim_rf_features(const cav_activation_type *act, size_t p, size_t d, const double *F,
                        size_t n, const double *X, double *Z, cav_err *err)
{
    if (!act || !act->eval || !act->hermite)
        return cav_err_set(err, CAV_EINVAL, "cav_sim_rf_features: activation missing");
    if (p == 0 || d == 0 || n == 0 || !F || !X || !Z)
        return cav_err_set(err, CAV_EINVAL, "cav_sim_rf_features: n = %zu, p = %zu, d = %zu", n, p,
                           d);
    double mu0, mu1, mustar;
    act->hermite(&mu0, &mu1, &mustar);
    double *row = malloc(p * sizeof *row);
    if (!row) return cav_err_set(err, CAV_ENOMEM, "cav_sim_rf_features: p = %zu", p);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)n, (blasint)p, (blasint)d,
                1.0 / sqrt((double)d), X, (blasint)d, F, (blasint)d, 0.0, Z, (blasint)p);
    for (size_t i = 0; i < n; i++) {
        double *zi = Z + i * p;
        act->eval(p, zi, row, NULL);
        for (size_t j = 0; j < p; j++)
            zi[j] = row[j] - mu0;
    }
    free(row);
    return CAV_OK;
}
