/* Data generators of the consistent-adversarial model (docs/adversarial.md; Vilucchio, Zdeborová,
 * Loureiro, arXiv:2506.12454, Sec. 2): the direct model x ~ N(0, I_d), y = sign(theta.x/sqrt d),
 * and the latent ("Hastie") model z ~ N(0, I_d), y = sign(theta.z/sqrt d), x = F z + u with the
 * coordinate embedding F of cavity/adv_sim.h (the convention of the authors' repository,
 * data_generation_hastie: p = int(d/gamma), F = sqrt(p/d)[I_d; 0] for p >= d, [I_p 0] else).
 * Latents and noise come from cav_rng_normal_matrix (row blocks on their own substreams), the
 * field nu from one dgemv: results do not depend on the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/adv_sim.h"
#include "cavity/rng.h"
#include "core/la.h"

size_t cav_adv_latent_p(size_t d, double gamma)
{
    /* floor with a relative guard so that d/gamma = 5000 - 1e-12 from rounding gives 5000 */
    double r = (double)d / gamma;
    double f = floor(r * (1.0 + 1e-12));
    return f < 1.0 ? 1 : (size_t)f;
}

double cav_adv_latent_scale(size_t d, size_t p)
{
    return p >= d ? sqrt((double)p / (double)d) : 1.0;
}

int cav_adv_data(uint64_t seed, uint64_t stream, int latent, size_t n, size_t d, size_t p,
                 const double *theta, double *X, double *Z, double *nu, double *y, cav_err *err)
{
    if (n == 0 || d == 0 || !theta || !X || !y)
        return cav_err_set(err, CAV_EINVAL,
                           "cav_adv_data: n = %zu, d = %zu (need > 0), theta, X, y non-NULL", n, d);
    if (latent && p == 0) return cav_err_set(err, CAV_EINVAL, "cav_adv_data: latent p = 0");
    double *zz = latent ? (Z ? Z : malloc(n * d * sizeof *zz)) : X;
    double *field = nu ? nu : malloc(n * sizeof *field);
    if (!zz || !field) {
        if (latent && !Z) free(zz);
        if (!nu) free(field);
        return cav_err_set(err, CAV_ENOMEM, "cav_adv_data: n = %zu, d = %zu", n, d);
    }
    cav_rng_normal_matrix(seed, stream, n, d, 1.0, zz);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)d, 1.0 / sqrt((double)d), zz,
                (blasint)d, theta, 1, 0.0, field, 1);
    for (size_t i = 0; i < n; i++)
        y[i] = field[i] >= 0.0 ? 1.0 : -1.0;
    if (latent) {
        /* x = F z + u: u ~ N(0, I_p) on its own stream, then the embedded latent. */
        cav_rng_normal_matrix(seed, stream ^ CAV_ADV_NOISE_STREAM, n, p, 1.0, X);
        const size_t k = p < d ? p : d;
        const double c = cav_adv_latent_scale(d, p);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < k; j++)
                X[i * p + j] += c * zz[i * d + j];
        if (!Z) free(zz);
    } else if (Z) {
        memcpy(Z, X, n * d * sizeof *Z);
    }
    if (!nu) free(field);
    return CAV_OK;
}
