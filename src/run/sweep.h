/* run/sweep.h — planning a sweep command (theory, simulate, compare) from the texts a user gave,
 * shared by the command line (src/cli) and the binding API (cavity/api.h, src/run/api.c), so
 * that both refuse bad input with the same one-line message, before any work.
 *
 * Not public API (declared here, not in include/cavity): the names stay local to libcavity.so.
 *
 * A plan resolves the parameter names against the model (unknown names, parameters of the other
 * kind, a parameter given twice), builds the grids (compare: the model's compare defaults, then
 * the user's values, then the x grids), checks the compare options (x, y, by and, when asked,
 * the figure file), every point for every kind, and the memory the run needs. */
#ifndef CAVITY_RUN_SWEEP_H
#define CAVITY_RUN_SWEEP_H

#include <stdio.h>

#include "cavity/model.h"
#include "cavity/run.h"

/* The sweep commands (bit values, so that option tables can hold sets of them). */
enum { CAV_SWEEP_THEORY = 1u, CAV_SWEEP_SIMULATE = 2u, CAV_SWEEP_COMPARE = 4u };

#define CAV_SWEEP_MAX_PARAM_ARGS 64 /* parameter texts of one command */
/* Ranges of the integer options (--jobs, --seeds, --seed). */
#define CAV_SWEEP_JOBS_MAX 1024
#define CAV_SWEEP_SEEDS_MAX 1000000
#define CAV_SWEEP_SEED_MAX (1L << 40)

/* What a sweep command was given. Texts are borrowed. */
typedef struct cav_sweep_args {
    int jobs, nseeds, seeds_set;
    long seed0;
    double max_memory_gb; /* --max-memory (0: no limit) */
    int memory_set;
    const char *x, *y, *by, *tgrid, *sgrid; /* compare options (NULL: the model's defaults) */
    const char *heat, *marks; /* compare figure kind (NULL: the model's; "": lines, no marks) */
    const char *out;          /* compare: figure file (NULL: MODEL.svg) */
    int figure;               /* compare: check that the figure can be written */
    /* Model parameters as given: name (not terminated: pnamelen bytes) and grid text, or, when
     * the text is NULL, the values pvals[0..pnvals) (cav_grid_set_values). */
    const char *pname[CAV_SWEEP_MAX_PARAM_ARGS], *ptext[CAV_SWEEP_MAX_PARAM_ARGS];
    size_t pnamelen[CAV_SWEEP_MAX_PARAM_ARGS];
    const double *pvals[CAV_SWEEP_MAX_PARAM_ARGS];
    size_t pnvals[CAV_SWEEP_MAX_PARAM_ARGS];
    int nparams;
} cav_sweep_args;

/* A checked sweep: the grid of each kind it runs (compare: both). */
typedef struct cav_sweep_plan {
    const cav_model *m;
    unsigned cmd;
    cav_grid g[2]; /* theory, simulation grids */
    int have[2];
    const char *x, *y, *by, *out; /* compare: resolved options */
    const char *heat, *marks;     /* compare: resolved figure kind (NULL: none) */
    char out_buf[256];
} cav_sweep_plan;

/* The model named `name`, or NULL with "unknown model 'NAME'; models: ..." (name NULL:
 * "missing MODEL; models: ...") on err (CAV_EINVAL). */
const cav_model *cav_sweep_model(const char *name, cav_err *err);

/* Integer option value: the whole text an integer in [lo, hi], else CAV_EINVAL with
 * "--NAME: 'TEXT' is not an integer in [lo, hi]". */
int cav_sweep_opt_int(const char *name, const char *text, long lo, long hi, long *out,
                      cav_err *err);
/* --max-memory: a number of GB in [0, 1e6] (0: no limit). */
int cav_sweep_opt_memory(const char *text, double *gb, cav_err *err);

/* Build and check the plan of command cmd (CAV_SWEEP_*) of model m from a (compare may set
 * a->nseeds from the model's compare defaults unless a->seeds_set). On failure the message is
 * on err (CAV_EINVAL for bad input) and p holds nothing to free beyond cav_sweep_plan_free. */
int cav_sweep_plan_build(cav_sweep_plan *p, const cav_model *m, unsigned cmd, cav_sweep_args *a,
                         cav_err *err);
void cav_sweep_plan_free(cav_sweep_plan *p);

/* The figure kind of model m drawn against x (NULL when x is not a parameter): *heat and *marks
 * as given, NULL for the model's compare_heat / compare_marks, "" to clear them; resolved in
 * place (NULL: none) and checked (heat a parameter other than x, marks observables), else
 * CAV_EINVAL with the message on err. */
int cav_sweep_figure_kind(const cav_model *m, const char **heat, const char **marks, const char *x,
                          cav_err *err);

/* One line describing failed computation (p, s) of r: "KIND KEY[ seed S]: STATUS: MESSAGE". */
void cav_sweep_failure(const cav_run *r, size_t p, size_t s, char *buf, size_t len);

/* The usage text of a model (parameters with defaults and ranges, observables, quantities,
 * entry points, compare defaults, paper), as `cavity help MODEL` prints it. */
void cav_sweep_model_help(FILE *f, const cav_model *m);

/* Quantities: the quantity `name` of model m, or NULL with "model M has no quantity 'NAME'". */
const cav_model_quantity *cav_sweep_quantity(const cav_model *m, const char *name, cav_err *err);
/* Set parameter `pname` of a quantity's grid from its text: refused when the quantity does not
 * read it ("--P: not a parameter of `cavity Q M`; its parameters: ..."), or the grid is bad. */
int cav_sweep_quantity_set(cav_grid *g, const cav_model_quantity *q, const char *pname,
                           const char *text, cav_err *err);
/* Compute q at every theory point of g and write the CSV table (the parameters q uses, its
 * outputs, status) to f. fail(ctx, i, msg) is called after the row of each failed point i
 * (0-based); *nfailed and *npoints receive the counts. Returns an error of writing only. */
int cav_sweep_quantity_write(FILE *f, const cav_grid *g, const cav_model_quantity *q,
                             void (*fail)(void *ctx, size_t i, const char *msg), void *ctx,
                             size_t *nfailed, size_t *npoints, cav_err *err);

#endif
