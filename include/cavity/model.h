/* cavity/model.h — the model contract: what the generic runner, store, CLI and plots know of a
 * model, and how a library user runs one.
 *
 * A model is a static cav_model table (docs/adding-a-model.md walks through writing one):
 *   - a parameter struct, described once by a field table (cavity/param.h): names, kinds,
 *     defaults, ranges, help. The table is the only set of defaults: the CLI, the store keys and
 *     library users (cav_model_defaults) all get the same experiment;
 *   - an observable struct of doubles, described by a cav_obs_spec table (column j is the
 *     double at offset j * sizeof(double); matrix observables expand to named columns with
 *     CAV_OBS_MAT2 / CAV_OBS_MAT3);
 *   - the entry points, all taking the typed parameter struct:
 *       check(par, kind, err)               cross-field checks beyond each field's range, for
 *                                           kind CAV_KIND_THEORY or CAV_KIND_SIM, before any work;
 *       theory(par, warm_in, warm_out, res) the asymptotic prediction; warm_in (may be NULL) is
 *                                           the solution at the previous point of a continuation
 *                                           chain, warm_out (nwarm doubles) receives this one;
 *       simulate(par, seed, res)            one finite-size experiment with that seed;
 *       memory(par, kind)                   bytes one computation needs (an estimate), so a run
 *                                           that cannot fit is refused before it starts;
 *   - defaults of `cavity compare`, and named quantities (`cavity threshold MODEL`, ...).
 * Entry points must be reentrant (the runner calls them from several threads) and must not
 * print. Non-convergence is a result: res->status, res->residual, res->iterations and res->msg
 * say what happened; observables hold the last iterate (or NaN where meaningless).
 *
 * Models with a per-row axis (time steps) set `axis` to the name of obs[0] and return several
 * rows through cav_result_rows().
 */
#ifndef CAVITY_MODEL_H
#define CAVITY_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "cavity/param.h"
#include "cavity/result.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAV_MAX_PARAMS 32
#define CAV_MODEL_MAX_SIZE 1024 /* bytes of a model's parameter struct */

/* What is computed at a point. */
typedef enum cav_kind { CAV_KIND_THEORY = 0, CAV_KIND_SIM = 1 } cav_kind;

/* Observable flags. */
enum {
    CAV_OF_EXACT = 1u /* a deterministic function of the parameters and the axis (e.g. time =
                         step x eta): simulation tables give it no _se column */
};

typedef struct cav_obs_spec {
    const char *name;
    size_t offset;  /* offsetof(observable struct, field); column j has offset j * sizeof(double) */
    unsigned flags; /* CAV_OF_*; the axis observable (obs[0] of a model with an axis) is exact */
    const char *help;
} cav_obs_spec;

/* One observable per field of the observable struct S. */
#define CAV_OBS(S, F, HELP)                                                                        \
    {                                                                                              \
        .name = #F, .offset = offsetof(S, F), .help = HELP                                         \
    }
/* A 2 x 2 or 3 x 3 matrix field F (double F[2][2] / F[3][3]) as columns NAME_11, NAME_12, ... */
#define CAV_OBS_IJ(S, F, NAME, I, J, SI, SJ, HELP)                                                 \
    {                                                                                              \
        .name = NAME "_" SI SJ, .offset = offsetof(S, F[I][J]), .help = HELP                       \
    }
#define CAV_OBS_MAT2(S, F, NAME, HELP)                                                             \
    CAV_OBS_IJ(S, F, NAME, 0, 0, "1", "1", HELP), CAV_OBS_IJ(S, F, NAME, 0, 1, "1", "2", HELP),    \
        CAV_OBS_IJ(S, F, NAME, 1, 0, "2", "1", HELP), CAV_OBS_IJ(S, F, NAME, 1, 1, "2", "2", HELP)
#define CAV_OBS_MAT3(S, F, NAME, HELP)                                                             \
    CAV_OBS_IJ(S, F, NAME, 0, 0, "1", "1", HELP), CAV_OBS_IJ(S, F, NAME, 0, 1, "1", "2", HELP),    \
        CAV_OBS_IJ(S, F, NAME, 0, 2, "1", "3", HELP),                                              \
        CAV_OBS_IJ(S, F, NAME, 1, 0, "2", "1", HELP),                                              \
        CAV_OBS_IJ(S, F, NAME, 1, 1, "2", "2", HELP),                                              \
        CAV_OBS_IJ(S, F, NAME, 1, 2, "2", "3", HELP),                                              \
        CAV_OBS_IJ(S, F, NAME, 2, 0, "3", "1", HELP),                                              \
        CAV_OBS_IJ(S, F, NAME, 2, 1, "3", "2", HELP), CAV_OBS_IJ(S, F, NAME, 2, 2, "3", "3", HELP)

/* A named quantity of a model that is neither theory nor simulation of a point, e.g. the
 * separability threshold alpha_c(eps) of Rules-and-Facts. The CLI exposes each one as a
 * subcommand `cavity NAME MODEL [params]` printing the `outputs` columns per parameter point. */
typedef struct cav_model_quantity {
    const char *name; /* subcommand name, e.g. "threshold" */
    const char *help; /* one line */
    const char
        *outputs;     /* comma-separated output columns, e.g. "alpha_c" or "lambda_c1,lambda_c2" */
    const char *uses; /* comma-separated parameters it reads (others are refused), e.g. "eps" */
    int (*compute)(const void *par, double *values, cav_err *err);
} cav_model_quantity;
#define CAV_MAX_QUANTITY_OUTPUTS 8

typedef struct cav_model {
    const char *name;
    const char *summary;
    const char *paper;
    size_t size; /* sizeof the parameter struct (<= CAV_MODEL_MAX_SIZE) */
    const cav_param_spec *params;
    int nparams;
    const cav_obs_spec *obs;
    int nobs;
    const char *axis; /* NULL, or the name of obs[0] when results have several rows */
    /* Parameters an earlier version had and no longer has, with the value they always took, as
     * "name=value,...": stores written then are read with those pairs dropped from their keys
     * (may be NULL). */
    const char *retired;
    int (*check)(const void *par, int kind, cav_err *err); /* may be NULL */
    int nwarm; /* length of the warm-start vector of theory() (0: none) */
    int (*theory)(const void *par, const double *warm_in, double *warm_out, cav_result *res);
    int (*simulate)(const void *par, uint64_t seed, cav_result *res);
    double (*memory)(const void *par, int kind); /* may be NULL: a point needs little memory */
    /* Defaults of `cavity compare` for this model. */
    const char *compare_x;      /* x-axis parameter, e.g. "alpha" */
    const char *compare_theory; /* theory grid of x, e.g. "0.1:5:60" */
    const char *compare_sim;    /* simulation grid of x, e.g. "0.5:5:6" */
    const char *compare_y;      /* observables to plot, e.g. "egen,emem" */
    const char *compare_by;     /* parameter coloured by, e.g. "learner" (may be NULL) */
    const char *compare_set;    /* extra defaults, "name=value;name=v1,v2" (may be NULL) */
    const char *compare_heat;   /* NULL: a line figure; else a parameter: the figure is a heatmap
                                   of the simulated compare_y over (compare_x, this parameter) */
    const char *compare_marks;  /* theory observables whose values are positions on the x axis
                                   (thresholds): drawn as vertical lines, or as curves over the
                                   heat parameter in a heatmap (may be NULL) */
    const cav_model_quantity *quantities; /* extra scalar quantities (may be NULL) */
    int nquantities;
} cav_model;

/* The struct and table fields of a model in one line:
 *     const cav_model cav_model_x = {.name = "x", CAV_MODEL_TABLES(par, params, observables), ...};
 * (PARAMS and OBS are arrays, whose lengths are taken here.) */
#define CAV_MODEL_TABLES(PAR, PARAMS, OBS)                                                         \
    .size = sizeof(PAR), .params = PARAMS, .nparams = (int)(sizeof PARAMS / sizeof PARAMS[0]),     \
    .obs = OBS, .nobs = (int)(sizeof OBS / sizeof OBS[0])

/* The quantities of a model (an array), with its length: CAV_MODEL_QUANTITIES(quantities). */
#define CAV_MODEL_QUANTITIES(Q) .quantities = Q, .nquantities = (int)(sizeof Q / sizeof Q[0])

/* NULL-terminated list of registered models. */
const cav_model *const *cav_model_registry(void);
/* Find a model by name (NULL if unknown). */
const cav_model *cav_model_find(const char *name);
/* Comma-separated names of all registered models (static storage). */
const char *cav_model_names(void);
/* Index of parameter / observable `name` in the model, -1 if absent. */
int cav_model_param_index(const cav_model *m, const char *name);
int cav_model_obs_index(const cav_model *m, const char *name);
/* The same for parameters, with a message on err naming the model's parameters when `name` is
 * unknown (returns -1 then, with CAV_EINVAL on err). */
int cav_model_param_find(const cav_model *m, const char *name, cav_err *err);
/* 1 if simulation tables report a standard error for observable j of model m. */
int cav_obs_has_se(const cav_model *m, int j);
/* Find quantity `name` of model m (NULL if absent); its number of output columns. */
const cav_model_quantity *cav_model_quantity_find(const cav_model *m, const char *name);
int cav_model_quantity_noutputs(const cav_model_quantity *q);
/* 1 if quantity q reads parameter `name`. */
int cav_model_quantity_uses(const cav_model_quantity *q, const char *name);

/* Fill the parameter struct par (m->size bytes) with the model's defaults. */
int cav_model_defaults(const cav_model *m, void *par);
/* Fill par from coordinates v[nparams] (cavity/param.h); coordinates of defaults into v. */
int cav_model_point(const cav_model *m, const double *v, void *par);
void cav_model_default_coords(const cav_model *m, double *v);
/* Check the coordinates v of a point for kind: every field's range, then m->check. */
int cav_model_check(const cav_model *m, int kind, const double *v, cav_err *err);
/* Run an entry point at coordinates v: build the parameter struct, then call it. */
int cav_model_theory(const cav_model *m, const double *v, const double *warm_in, double *warm_out,
                     cav_result *res);
int cav_model_simulate(const cav_model *m, const double *v, uint64_t seed, cav_result *res);
int cav_model_quantity_compute(const cav_model *m, const cav_model_quantity *q, const double *v,
                               double *values, cav_err *err);
/* Memory one computation of kind at v needs, in bytes (0 when the model states none). */
double cav_model_memory(const cav_model *m, int kind, const double *v);

#ifdef __cplusplus
}
#endif
#endif
