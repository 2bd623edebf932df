/* Private to the two hidden-factor models (autoencoder, autoencoder-flow): the data-generator
 * fields they share, as one list of field specs, and the generator built from them. */
#ifndef CAVITY_MODELS_HIDDEN_FACTOR_H
#define CAVITY_MODELS_HIDDEN_FACTOR_H

#include "cavity/hf.h"

static const char *const hf_latents[] = {"k1", "k2", "k3", "indep", "mix", NULL};

/* The generator's fields of a parameter struct with members latent, gamma, delta, beta_u and
 * beta_v; F is the file's CAV_FIELD shorthand. */
#define HF_DATA_FIELDS(F)                                                                          \
    F(latent, .kind = CAV_PARAM_CHOICE, .choices = hf_latents, .def = CAV_HF_K2,                   \
      .help = "latent law of (lam, nu): correlation exponent k* = 1, 2, 3, indep (infinity), or "  \
              "mix (gamma k1 + delta k2 + rest indep)"),                                           \
        F(gamma, .kind = CAV_PARAM_REAL, .def = 0, .lo = 0, .hi = 1,                               \
          .help = "mix: probability of the k1 law"),                                               \
        F(delta, .kind = CAV_PARAM_REAL, .def = 0, .lo = 0, .hi = 1,                               \
          .help = "mix: probability of the k2 law (gamma + delta <= 1)"),                          \
        F(beta_u, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 1e3,                            \
          .help = "strength of the visible spike u* (variance 1 + beta_u along it)"),              \
        F(beta_v, .kind = CAV_PARAM_REAL, .def = 2, .lo = 0, .hi = 1e3,                            \
          .help = "strength of the hidden spike v* (whitened: unit variance along it)")

/* The generator of a parameter struct P with those members. */
#define HF_DATA_OF(P)                                                                              \
    ((cav_hf_data){.beta_u = (P)->beta_u,                                                          \
                   .beta_v = (P)->beta_v,                                                          \
                   .latent = (P)->latent,                                                          \
                   .gamma = (P)->gamma,                                                            \
                   .delta = (P)->delta})

#endif
