/* cavity/model.h — the model registry: what the generic runner, store, CLI and plots know of a
 * model.
 *
 * A model is a static cav_model table: its name, a summary, the paper it reproduces, its typed
 * parameters (number / integer / choice, with default, allowed range or choices and help), its
 * named observables, and two entry points:
 *   theory(v, warm_in, warm_out, res)   the asymptotic prediction at parameter values v;
 *                                       warm_in (may be NULL) is the solution at a neighbouring
 *                                       grid point (continuation), warm_out receives this one;
 *   simulate(v, seed, res)              one finite-size experiment with that seed.
 * Parameter values are passed as a double array v[nparams] in spec order; a choice parameter
 * holds the index of the chosen name. Both entry points must be reentrant (the runner calls
 * them from several threads) and must not print. Non-convergence is a result: res->status,
 * res->residual, res->iterations and res->msg say what happened, observables hold the last
 * iterate (or NaN where meaningless).
 *
 * Models with a per-row axis (e.g. time steps of a dynamics) set `axis` to the name of obs[0]
 * and return several rows through cav_result_rows().
 */
#ifndef CAVITY_MODEL_H
#define CAVITY_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAV_MAX_PARAMS 32
#define CAV_MAX_OBS 32

typedef enum cav_param_kind { CAV_PARAM_REAL, CAV_PARAM_INT, CAV_PARAM_CHOICE } cav_param_kind;

/* Parameter flags. */
enum {
    CAV_PF_SIM = 1u,   /* used only by simulate() (e.g. the dimension d): not part of theory keys */
    CAV_PF_THEORY = 2u /* used only by theory() (e.g. a solver tolerance) */
};

typedef struct cav_param_spec {
    const char *name;
    cav_param_kind kind;
    const char *help;
    double def;                 /* default value; for CHOICE the index into choices */
    double lo, hi;              /* allowed range for REAL / INT (use +-INFINITY when open-ended) */
    int lo_open, hi_open;       /* 1: the bound itself is excluded */
    const char *const *choices; /* CHOICE: NULL-terminated names */
    unsigned flags;             /* CAV_PF_* */
} cav_param_spec;

/* Observable flags. */
enum {
    CAV_OF_EXACT = 1u /* a deterministic function of the parameters and the axis (e.g. time =
                         step x eta): simulation tables give it no _se column */
};

typedef struct cav_obs_spec {
    const char *name;
    const char *help;
    unsigned flags; /* CAV_OF_*; the axis observable (obs[0] of a model with an axis) is always
                       exact */
} cav_obs_spec;

#define CAV_RESULT_MSG_LEN CAV_ERR_MSG_LEN

typedef struct cav_result {
    int status;      /* CAV_OK when converged / completed, else the failing status */
    double residual; /* final residual of the equations (theory) or solver (simulation) */
    long iterations; /* iterations used */
    char msg[CAV_RESULT_MSG_LEN];
    size_t nobs;  /* set by the runner: the model's nobs */
    size_t nrows; /* rows of observables (1 unless the model has an axis) */
    double *rows; /* nrows x nobs, row-major; rows == obs unless cav_result_rows() grew it */
    double obs[CAV_MAX_OBS];
} cav_result;

/* Prepare a result for a model with nobs observables: status CAV_OK, one row of NaN. */
void cav_result_init(cav_result *r, size_t nobs);
/* Give the result nrows rows (NaN-filled) and return them (NULL if out of memory). */
double *cav_result_rows(cav_result *r, size_t nrows);
/* Release rows allocated by cav_result_rows(); the result returns to one row. */
void cav_result_release(cav_result *r);
/* Set status and message (printf-style) on a result; returns status. */
int cav_result_fail(cav_result *r, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A named scalar quantity of a model that is neither theory nor simulation of a point, e.g. the
 * separability threshold alpha_c(eps) of Rules-and-Facts. The CLI exposes each one as a
 * subcommand `cavity NAME MODEL [params]` printing one column `output` per parameter point. */
typedef struct cav_model_quantity {
    const char *name;   /* subcommand name, e.g. "threshold" */
    const char *help;   /* one line */
    const char *output; /* output column name, e.g. "alpha_c" */
    int (*compute)(const double *v, double *value, cav_err *err);
} cav_model_quantity;

typedef struct cav_model {
    const char *name;
    const char *summary;
    const char *paper;
    const cav_param_spec *params;
    int nparams;
    const cav_obs_spec *obs;
    int nobs;
    const char *axis; /* NULL, or the name of obs[0] when results have several rows */
    /* Cross-parameter checks beyond the per-parameter ranges (may be NULL). */
    int (*check)(const double *v, cav_err *err);
    int nwarm; /* length of the warm-start vector of theory() (0: none) */
    int (*theory)(const double *v, const double *warm_in, double *warm_out, cav_result *res);
    int (*simulate)(const double *v, uint64_t seed, cav_result *res);
    /* Defaults of `cavity compare` for this model. */
    const char *compare_x;      /* x-axis parameter, e.g. "alpha" */
    const char *compare_theory; /* theory grid of x, e.g. "0.1:5:60" */
    const char *compare_sim;    /* simulation grid of x, e.g. "0.5:5:6" */
    const char *compare_y;      /* observables to plot, e.g. "egen,emem" */
    const char *compare_by;     /* parameter coloured by, e.g. "learner" (may be NULL) */
    const char *compare_set;    /* extra defaults, "name=value;name=v1,v2" (may be NULL) */
    const cav_model_quantity *quantities; /* extra scalar quantities (may be NULL) */
    int nquantities;
} cav_model;

/* 1 if simulation tables report a standard error for observable j of model m. */
int cav_obs_has_se(const cav_model *m, int j);

/* Find quantity `name` of model m (NULL if absent). */
const cav_model_quantity *cav_model_quantity_find(const cav_model *m, const char *name);

/* NULL-terminated list of registered models. */
const cav_model *const *cav_model_registry(void);
/* Find a model by name (NULL if unknown). */
const cav_model *cav_model_find(const char *name);
/* Comma-separated names of all registered models (static storage). */
const char *cav_model_names(void);
/* Index of parameter / observable `name` in the model, -1 if absent. */
int cav_model_param_index(const cav_model *m, const char *name);
int cav_model_obs_index(const cav_model *m, const char *name);

/* Check one value against its spec (range, integrality, finiteness, choice index). On failure
 * the message names the parameter, the value and the allowed range. */
int cav_param_check(const cav_param_spec *p, double value, cav_err *err);
/* Parse a textual value of parameter p (a number, or a choice name). */
int cav_param_parse(const cav_param_spec *p, const char *text, double *value, cav_err *err);
/* Format value of p canonically into buf (shortest round-trip %.17g form, or the choice name). */
void cav_param_format(const cav_param_spec *p, double value, char *buf, size_t len);
/* Allowed range of p as text: "(0, 1e+06]", "[0, 1]", "[2, 1e+06] (integer)" or
 * "one of: a, b, c". */
void cav_param_range(const cav_param_spec *p, char *buf, size_t len);
/* Fill v with the defaults of model m. */
void cav_model_defaults(const cav_model *m, double *v);
/* Check all values of v (each spec, then m->check). */
int cav_model_check(const cav_model *m, const double *v, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
