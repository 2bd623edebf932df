/* cavity/run.h — generic experiment machinery: parameter grids, canonical keys, the sweep
 * runner (threads, optional MPI), the SQLite results store, CSV/JSON tables and gnuplot figures.
 *
 * Everything here knows a model only through its registry entry (cavity/model.h). Data flow
 * (docs/architecture.md, "Data flow"):
 *
 *   cav_grid (values per parameter) --> cav_run_exec (theory chains / simulation seeds)
 *        --> cav_store (one row per computed point and seed, resume by key)
 *        --> cav_table_write (CSV / JSON), cav_figure_write (gnuplot)
 *
 * Ownership: functions borrow their pointer arguments; objects returned through `**out` belong
 * to the caller and are released with the matching _free / _close (NULL is a no-op). Errors are
 * reported through an int status (cavity/status.h) and a message on the cav_err argument. The
 * library never prints: writers take a FILE * chosen by the caller.
 */
#ifndef CAVITY_RUN_H
#define CAVITY_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cavity/model.h"
#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "theory" / "simulation". */
const char *cav_kind_name(int kind);

/* ---------------------------------------------------------------------------------------- */
/* Grids                                                                                     */

/* Values of every parameter of a model; the points are their cartesian product. A parameter
 * that was never set holds its default. */
typedef struct cav_grid {
    const cav_model *model;
    size_t n[CAV_MAX_PARAMS];     /* number of values of each parameter (>= 1) */
    double *vals[CAV_MAX_PARAMS]; /* owned arrays of values */
    int order[CAV_MAX_PARAMS];    /* parameters in the order they were set */
    int nset;
    int chain; /* preferred continuation axis (parameter index), -1: first swept one set */
} cav_grid;

#define CAV_GRID_MAX_TEXT 4096       /* bytes of one grid text */
#define CAV_GRID_MAX_VALUES 10000000 /* values of one parameter */
#define CAV_GRID_MAX_POINTS 10000000 /* points of a grid (cartesian product) */

/* Initialise g with the defaults of m (one value per parameter). */
int cav_grid_init(cav_grid *g, const cav_model *m, cav_err *err);
void cav_grid_free(cav_grid *g);
/* Make dst an independent copy of src (dst is overwritten, not freed). */
int cav_grid_copy(cav_grid *dst, const cav_grid *src, cav_err *err);
/* Prefer parameter `name` as the continuation axis (cav_grid_chain); CAV_EINVAL if unknown. */
int cav_grid_set_chain(cav_grid *g, const char *name, cav_err *err);

/* Parse a grid text for parameter `name` and set its values:
 *   "a:b:n"      n values linearly spaced from a to b (endpoints exact);
 *   "a:b:n:log"  n values logarithmically spaced (a, b > 0);
 *   "x,y,z"      a list (numbers, or choice names for a choice parameter);
 *   "x"          a single value.
 * Parsing is strict: no empty field or item, no surrounding space, no value twice (an integer
 * range may not have more points than integers), at most CAV_GRID_MAX_VALUES values. Integer
 * parameters round range values to the nearest integer. Every value is checked against the
 * parameter's spec; messages name the parameter and its allowed range, and echo the text with
 * control bytes escaped. */
int cav_grid_set(cav_grid *g, const char *name, const char *text, cav_err *err);
/* Set the values of parameter `name` from coordinates v[0..n) (the value, or the index of a
 * choice): each checked against the parameter's spec as cav_grid_set checks the values of a
 * text, none twice, at most CAV_GRID_MAX_VALUES; -0 is 0. For lists longer than a grid text
 * holds (bindings passing arrays). */
int cav_grid_set_values(cav_grid *g, const char *name, const double *v, size_t n, cav_err *err);
/* Parse a grid text for spec p into a new array (*vals, *n); the caller frees *vals. */
int cav_grid_parse(const cav_param_spec *p, const char *text, double **vals, size_t *n,
                   cav_err *err);
/* Continuation axis for `kind`: g->chain when it is used by kind and swept, else the first
 * swept parameter in the order set, else -1. */
int cav_grid_chain(const cav_grid *g, int kind);
/* Number of points for `kind` (parameters not used by kind count once, at their first value);
 * SIZE_MAX when the product does not fit a size_t. */
size_t cav_grid_size(const cav_grid *g, int kind);
/* The same, refused (CAV_EINVAL, the count in the message) above CAV_GRID_MAX_POINTS. */
int cav_grid_count(const cav_grid *g, int kind, size_t *n, cav_err *err);
/* Values of point i (0 <= i < cav_grid_size) in spec order. Points are ordered with the chain
 * axis varying fastest, then the other parameters in reverse spec order (the first parameter
 * slowest), so a chain is a contiguous block of cav_grid_chain_len() points. */
void cav_grid_point(const cav_grid *g, int kind, size_t i, double *v);
size_t cav_grid_chain_len(const cav_grid *g, int kind);
/* Run the model's cross-parameter check on every point; the message names the point. */
int cav_grid_check(const cav_grid *g, int kind, cav_err *err);

/* Canonical key of a point: "name=value,..." over the parameters used by kind, in spec order,
 * with cav_param_format values (shortest round-trip numbers, choice names); a CAV_PF_ADDED
 * parameter at its default is left out. */
int cav_key_format(const cav_model *m, int kind, const double *v, char *buf, size_t len);
#define CAV_KEY_LEN 1024

/* ---------------------------------------------------------------------------------------- */
/* Results store (SQLite; schema in docs/store.md)                                           */

#define CAV_STORE_APP_ID 0x43415654 /* "CAVT", PRAGMA application_id */
#define CAV_STORE_VERSION 1         /* PRAGMA user_version */

typedef struct cav_store cav_store;

enum { CAV_STORE_READ = 0, CAV_STORE_WRITE = 1 };

/* Open (WRITE: create when missing) a store.
 * - path must name a file: "", ":memory:" and "file:" URIs are refused with CAV_EINVAL (they
 *   would keep nothing, or let SQLite reinterpret the name).
 * - An existing file is validated on a read-only connection before anything is written: it must
 *   be a cavity store (application_id, tables) of a schema version <= CAV_STORE_VERSION whose
 *   pages pass PRAGMA quick_check. Otherwise CAV_EIO with a message naming the store, and the
 *   file (and a -wal file beside it) is not modified. An empty file or empty SQLite database is
 *   adopted as a new store.
 * - WAL journal, 10 s busy timeout. Errors name the store and, for I/O errors, the system error
 *   (e.g. "No space left on device"); a full disk is an error, never a signal. */
int cav_store_open(const char *path, int mode, cav_store **out, cav_err *err);
void cav_store_close(cav_store *s);

/* One stored computation. */
typedef struct cav_store_row {
    const char *key; /* canonical key (cav_key_format) */
    long seed;       /* simulation seed; 0 for theory */
    const cav_result *res;
    const double *warm; /* theory warm-start vector of this point (may be NULL) */
    int nwarm;
    double wall; /* seconds */
} cav_store_row;

/* 1 if a result of this status is stored and reused: CAV_OK and the deterministic failures of
 * a computation (CAV_EMAXITER, CAV_ENUMERIC, CAV_EDIVERGE), which a re-run reproduces. Failures
 * that depend on the environment or on this version (CAV_ENOMEM, CAV_EINVAL, CAV_EUNSUP, CAV_EIO)
 * are neither stored nor reused: they are computed again on the next run. */
int cav_store_reusable(int status);
/* Insert or replace the row (model, kind, key, seed), if cav_store_reusable(row->res->status)
 * (otherwise nothing is written and CAV_OK returned). One statement, one transaction. */
int cav_store_put(cav_store *s, const cav_model *m, int kind, const double *v,
                  const cav_store_row *row, cav_err *err);
/* Look up (model, kind, key, seed): *found = 1 and res (initialised by the caller for m->nobs),
 * warm[0..nwarm) and *wall filled when a valid, reusable row is present. Every row read is
 * checked (nrows, observables JSON, status, warm-start size); a damaged row gives *found = 0
 * (the point is computed again and the row replaced) and is counted by cav_store_damaged; a row
 * whose status is not reusable also gives *found = 0 (not counted). An SQLite error (e.g. a
 * damaged page) is CAV_EIO. */
int cav_store_get(cav_store *s, const cav_model *m, int kind, const char *key, long seed,
                  cav_result *res, double *warm, int nwarm, double *wall, int *found, cav_err *err);
/* Damaged rows met so far by cav_store_get and cav_run_load on this store (they were ignored),
 * with the description of the first (naming the store, the row and the defect) in first[len]. */
long cav_store_damaged(const cav_store *s, char *first, size_t len);
/* Number of rows (all models, or model m when not NULL); -1 on error. */
long cav_store_count(cav_store *s, const cav_model *m, cav_err *err);
/* Dump every row (all models) as CSV or JSON (format CAV_FMT_*). Nothing is written to f unless
 * every row was read: a store that fails half-way gives an error, not a partial table. */
int cav_store_export(cav_store *s, FILE *f, int format, cav_err *err);

/* ---------------------------------------------------------------------------------------- */
/* Runner                                                                                    */

typedef struct cav_progress {
    size_t done, failed, total; /* computations (theory points or simulation seeds) */
    size_t skipped;             /* found in the store */
    double elapsed, eta;        /* seconds (eta < 0: unknown) */
} cav_progress;

typedef struct cav_run_opts {
    int kind;         /* CAV_KIND_THEORY or CAV_KIND_SIM */
    int jobs;         /* worker threads (>= 1); with jobs > 1 BLAS and OpenMP use 1 thread each */
    int nseeds;       /* simulation: seeds per point (>= 1) */
    uint64_t seed0;   /* simulation: seed index s of every point uses seed0 + s */
    int recompute;    /* 1: ignore stored rows (and replace them) */
    cav_store *store; /* may be NULL: nothing stored, nothing resumed */
    /* Called (serialised) after each computation; may be NULL. */
    void (*progress)(void *ctx, const cav_progress *p);
    void *ctx;
    /* Polled before each computation starts (may be NULL): a nonzero return stops the sweep as
     * a failure would, with status CAV_ECANCEL; what was computed is kept (and stored). */
    int (*cancel)(void *ctx);
} cav_run_opts;

/* The results of a sweep for one kind, in grid point order. Points and results are read
 * through the functions below; a result exists only once it was computed or read from a store,
 * so a run of many points costs a few bytes per point until its results exist. */
typedef struct cav_run_cell cav_run_cell; /* private: one result with its seed and wall time */
typedef struct cav_run {
    const cav_model *model;
    int kind;
    size_t npoints, nseeds;
    size_t nfailed; /* computations whose status is not CAV_OK */
    /* Private (use the functions below). */
    cav_grid grid;        /* the points of a run of cav_run_exec */
    size_t *index;        /* grid index of point p when points were dropped (else NULL) */
    double *v;            /* npoints x nparams coordinates of a run loaded from a store */
    uint64_t seed0;       /* seed of seed index 0 (cav_run_exec) */
    cav_run_cell **cells; /* npoints x nseeds, NULL until a result exists */
    cav_result none;      /* what a point without a result reads: status CAV_CONTINUE */
} cav_run;

/* Coordinates of point p (m->nparams values, spec order) into v. */
void cav_run_point(const cav_run *r, size_t p, double *v);
/* Canonical key of point p (cav_key_format). */
void cav_run_key(const cav_run *r, size_t p, char *buf, size_t len);
/* Seed of point p, seed index s (0 for theory); wall time in seconds of its computation; 1 if
 * its result was read from the store rather than computed. */
long cav_run_seed(const cav_run *r, size_t p, size_t s);
double cav_run_wall(const cav_run *r, size_t p, size_t s);
int cav_run_stored(const cav_run *r, size_t p, size_t s);

/* Theory chains longer than this are solved in segments of this many points, in parallel, each
 * from its first point (a seam), the seams one after another (src/run/runner.c). */
#define CAV_RUN_SEGMENT 64

/* Defaults: theory, 1 job, 1 seed starting at 1, no store. */
void cav_run_opts_init(cav_run_opts *o);
/* Run every point of g for o->kind. Points found in the store are read, not recomputed; each new
 * result is written to the store as soon as it is complete. Theory points are processed in
 * chains along cav_grid_chain(): one worker solves a chain in order, passing warm starts, so
 * results do not depend on o->jobs. Simulation seeds are independent units. Failures of points
 * are results (their status); the return value is an error of the machinery itself (store I/O,
 * memory, a model without the entry point). Theory chains of more than CAV_RUN_SEGMENT
 * points are cut into segments that run in parallel; which point is warm-started from which
 * depends only on the chain's length, never on o->jobs. When the machinery fails after the points
 * were set up (say a store write fails on a full disk), the sweep stops and *out still receives the
 * run, reduced to the points (in grid order) with a computed or stored result; seeds not computed
 * have status CAV_CONTINUE ("not computed"); the caller frees it. Under MPI (cav_mpi_init called in
 * a job of several ranks) the units are spread over ranks; rank 0 writes the store and gets the
 * whole run; a failure on any rank makes cav_run_exec fail on every rank. */
int cav_run_exec(const cav_grid *g, const cav_run_opts *o, cav_run **out, cav_err *err);
void cav_run_free(cav_run *r);
/* Result of point p, seed index s (owned by the run). A point without a result (a sweep that
 * stopped early) reads as status CAV_CONTINUE, "not computed", with NaN observables. */
const cav_result *cav_run_result(const cav_run *r, size_t p, size_t s);
/* Simulation summary of point p, observable row `row`: mean and standard error (sample standard
 * deviation / sqrt(k)) over the k seeds whose status is CAV_OK. */
void cav_run_mean(const cav_run *r, size_t p, size_t row, double *mean, double *se, size_t *k);
/* Summary status of point p: the first failing status over its seeds, else CAV_OK. */
int cav_run_status(const cav_run *r, size_t p, double *residual, long *iterations);
/* Load every stored row of model m and kind into a run (points sorted by their values); where[]
 * are "name=value" filters (value in the parameter's syntax). */
int cav_run_load(cav_store *s, const cav_model *m, int kind, const char *const *where,
                 size_t nwhere, cav_run **out, cav_err *err);

/* MPI: initialise when the process was started by mpirun (no-op otherwise or without MPI
 * support); rank and size are returned through the pointers. */
int cav_mpi_init(int *argc, char ***argv, int *rank, int *size);
/* End MPI on every rank, whichever rank stops first: a rank that ends before a run (rank 0
 * failing to open its store, say) releases the ranks waiting in that run, which then fail.
 * `code` is this process's exit code; returns the code to exit with: rank 0's on every rank
 * (code itself without MPI). cav_mpi_finalize() is cav_mpi_finish without a code. */
int cav_mpi_finish(int code);
void cav_mpi_finalize(void);

/* ---------------------------------------------------------------------------------------- */
/* Tables and figures                                                                        */

enum { CAV_FMT_CSV = 0, CAV_FMT_JSON = 1 };

/* Write runs as one table: one row per point (per axis row), columns = the parameters used by
 * any run, `kind` (when several runs), observables (simulation: name, name_se and `seeds`),
 * status, residual, iterations. Numbers in shortest round-trip form. */
int cav_table_write(FILE *f, int format, const cav_run *const *runs, size_t nruns, cav_err *err);

enum { CAV_FIG_SVG = 0, CAV_FIG_PNG = 1, CAV_FIG_PDF = 2 };
/* Figure format from the file name's extension, -1 if unsupported (message on err). */
int cav_figure_format(const char *path, cav_err *err);
/* Path of the gnuplot program, or NULL (message says how to install it). */
const char *cav_figure_gnuplot(cav_err *err);
/* Draw runs: x a parameter (or the axis observable), one panel per observable in the
 * comma-separated ycsv, one colour per curve labelled by `by` (may be NULL) and the other
 * parameters that vary; theory as lines, simulation as points with standard-error bars. The x
 * axis is logarithmic when its values are positive and span more than two decades. */
int cav_figure_write(const char *path, const cav_run *const *runs, size_t nruns, const char *x,
                     const char *ycsv, const char *by, cav_err *err);

/* Figure options beyond cav_figure_write's:
 *   heat   NULL for the line figure above; else a parameter: one heatmap panel per observable of
 *          ycsv, the seed mean of the simulated observable over the grid of (x, heat), cells
 *          bounded halfway between neighbouring grid values (all other parameters must take one
 *          value among the simulation points);
 *   marks  comma-separated theory observables whose values are positions on the x axis
 *          (thresholds): vertical dashed lines labelled with their name in the line figure,
 *          curves (value, heat) across the heat values in a heatmap (may be NULL). */
typedef struct cav_figure_opts {
    const char *x, *y, *by, *heat, *marks;
} cav_figure_opts;

int cav_figure_write_opts(const char *path, const cav_run *const *runs, size_t nruns,
                          const cav_figure_opts *o, cav_err *err);

#ifdef __cplusplus
}
#endif
#endif
