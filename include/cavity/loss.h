/* cavity/loss.h — pluggable convex losses l(y, h) of a label y and a pre-activation h.
 *
 * A loss is a cav_loss value: a pointer to its static type table plus hyper-parameters by value.
 * Every method works on n points per call. The proximal operator is
 *     h*(y, omega, V) = argmin_h  l(y, h) + (h - omega)^2 / (2 V),   V > 0,
 * and dprox = d h* / d omega (in [0, 1] for convex l). Closed form where it exists (square,
 * hinge), safeguarded Newton on the monotone stationarity equation otherwise (logistic).
 * Registry: cav_loss_registry() lists every built-in type (NULL-terminated); the conformance
 * tests run all of them through the same checks.
 */
#ifndef CAVITY_LOSS_H
#define CAVITY_LOSS_H

#include <stddef.h>

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAV_LOSS_NPAR 2
#define CAV_MAX_KINKS 4

typedef struct cav_loss cav_loss;

typedef struct cav_loss_type {
    const char *name;    /* "square", "hinge", "logistic", "smooth-hinge" */
    const char *summary; /* one line for --help */
    int smooth;          /* 1 if l is twice differentiable in h everywhere */
    /* l(y_i, h_i) into l[i]; first and second h-derivatives into dl[i], ddl[i] (each output may
     * be NULL; at a kink the right derivative and 0 curvature). */
    void (*value)(const cav_loss *self, size_t n, const double *y, const double *h, double *l,
                  double *dl, double *ddl);
    /* Proximal map and its omega-derivative for each i (V[i] > 0). dprox may be NULL. */
    void (*prox)(const cav_loss *self, size_t n, const double *y, const double *omega,
                 const double *V, double *hstar, double *dprox);
    /* Kinks of omega -> h*(y, omega, V) in the variable u = y * omega (for y = +-1 labels):
     * writes at most CAV_MAX_KINKS values into u and returns how many (0 for smooth losses). */
    int (*kinks)(const cav_loss *self, double V, double *u);
    /* Validate the hyper-parameters par[]: CAV_OK, or CAV_EINVAL with a message on err. */
    int (*check)(const cav_loss *self, cav_err *err);
} cav_loss_type;

struct cav_loss {
    const cav_loss_type *type;
    double par[CAV_LOSS_NPAR]; /* hyper-parameters (e.g. smooth-hinge width); 0 if unused */
};

extern const cav_loss_type cav_loss_square;   /* (y - h)^2 / 2 */
extern const cav_loss_type cav_loss_hinge;    /* max(0, 1 - y h) */
extern const cav_loss_type cav_loss_logistic; /* log(1 + exp(-y h)), stable */
/* Robust square loss (|y - h| + r)^2/2 with r = par[0] >= 0 (0: the square loss), the inner
 * maximum of square-loss adversarial training at a fixed radius r = eps_t N(w); a registered loss
 * type (name "square-robust"; used by the adversarial-training engine, cavity/adversarial.h). Its
 * prox: h* = y when |omega - y| <= r V, else y + sign(omega - y)(|omega - y| - r V)/(1 + V); kinks
 * in u = y omega at 1 -+ r V. */
extern const cav_loss_type cav_loss_square_robust;

extern const cav_loss_type cav_loss_smooth_hinge; /* quadratically smoothed hinge, width par[0] */

/* NULL-terminated list of built-in loss types. */
const cav_loss_type *const *cav_loss_registry(void);

/* Look a type up by name; NULL if unknown (cav_loss_names() lists the valid ones). */
const cav_loss_type *cav_loss_find(const char *name);
/* The same lookup as const void * (the `find` of a CAV_PARAM_TYPE field, cavity/param.h). */
const void *cav_loss_find_any(const char *name);

/* Comma-separated names of all registered losses (static storage). */
const char *cav_loss_names(void);

/* Convenience wrappers that dispatch through self->type. */
void cav_loss_value(const cav_loss *self, size_t n, const double *y, const double *h, double *l,
                    double *dl, double *ddl);
void cav_loss_prox(const cav_loss *self, size_t n, const double *y, const double *omega,
                   const double *V, double *hstar, double *dprox);

/* Validate self (type set, hyper-parameters in range) before any work: CAV_OK or CAV_EINVAL
 * with a message naming the parameter on err (may be NULL). */
int cav_loss_check(const cav_loss *self, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
