/* cavity/api.h — a flat interface for language bindings (the Python package `cavity` uses it
 * through ctypes).
 *
 * Everything goes in as text and comes out as text, so that a binding needs no C struct layout:
 * parameters are name / grid-text pairs exactly as the command line takes them ("alpha",
 * "0.1:2:20"), results are the tables the command line prints (cav_table_write, so the numbers
 * are bitwise those of `cavity theory ...`), and the registry is described in JSON.
 *
 * Input is checked by the same library code as the command line's (the sweep planner): bad input
 * is refused before any work with CAV_EINVAL and the one-line message `cavity` prints after
 * "cavity: ". Failed points are results (their status column), not errors.
 *
 * A cav_api object holds the outcome of its last call (status, message, text, counts, warnings)
 * and a cancel flag. One call at a time per object; separate objects may run in separate
 * threads at once. cav_api_cancel may be called from any thread (or a signal handler) while a
 * sweep runs on the object.
 *
 * Example (one theory point of Rules-and-Facts as CSV):
 *     cav_api *a = cav_api_new();
 *     const char *names[] = {"alpha", "eps"}, *texts[] = {"2", "0.1"};
 *     if (cav_api_sweep(a, "theory", "raf", 2, names, texts, NULL, NULL, CAV_FMT_CSV) == CAV_OK)
 *         fputs(cav_api_text(a), stdout);
 *     else
 *         fprintf(stderr, "%s\n", cav_api_message(a));
 *     cav_api_free(a);
 */
#ifndef CAVITY_API_H
#define CAVITY_API_H

#include <stddef.h>

#include "cavity/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cav_api cav_api;

/* A new object (NULL if out of memory); cav_api_free(NULL) is a no-op. */
cav_api *cav_api_new(void);
void cav_api_free(cav_api *a);

/* Raise (on = 1) or lower (on = 0) the cancel flag. While it is raised, a sweep on a starts no
 * new computation: the computations under way finish, the sweep returns CAV_ECANCEL, and what
 * was computed is in the text and in the store. The flag stays as set until changed. */
void cav_api_cancel(cav_api *a, int on);

/* Outcome of the last call on a (valid until the next call on a or cav_api_free):
 *   text      the table (CSV or JSON) or JSON description; "" when there is none;
 *   message   the error message, "" after success;
 *   warnings  lines (each ending in '\n') about failed computations (at most 20, then a count)
 *             and damaged store rows; "" when there are none;
 *   total     computations in the sweep (theory points, or points x seeds), or quantity points;
 *   failed    of those, how many did not end with status ok;
 *   stored    of those, how many were read from the store rather than computed. */
const char *cav_api_text(const cav_api *a);
const char *cav_api_message(const cav_api *a);
const char *cav_api_warnings(const cav_api *a);
long cav_api_total(const cav_api *a);
long cav_api_failed(const cav_api *a);
long cav_api_stored(const cav_api *a);

/* The registered models as a JSON array of {"name", "summary", "paper"}. */
int cav_api_models(cav_api *a);
/* Model `model` described in JSON: name, summary, paper, params (name, kind "real" | "integer" |
 * "choice", default, lo, hi, lo_open, hi_open (numbers, null when unbounded), choices, range as
 * text, only: "simulation" | "theory" | null, help), observables (name, help, se: whether
 * simulation tables give it a _se column), axis, quantities (name, help, outputs, uses), theory
 * and simulate (whether the entry points exist), compare (x, theory_grid, sim_grid, y, by, set,
 * heat, marks), and text: the usage `cavity help MODEL` prints. CAV_EINVAL for an unknown model. */
int cav_api_help(cav_api *a, const char *model);

/* Run `command` ("theory", "simulate" or "compare") of `model` as the command line would, with
 * names[i] / texts[i] (i < n) the options and parameters it was given without their leading
 * "--" ("alpha" / "0.1:2:20"). Options: jobs, seeds, seed, store (a path; without it nothing is
 * stored or resumed), recompute (text "1"; "0" or absent: reuse stored points), max-memory, and
 * for compare x, y, by, heat, marks, theory-grid, sim-grid (checked as the command line checks
 * them); every other name is a model parameter. Defaults
 * are the command line's (jobs: 1 here; seeds 10, or the model's compare default; seed 1); no
 * figure is drawn. A parameter may instead take its values from an array, for lists longer than
 * a grid text holds: texts[i] NULL, values[i][0..counts[i]) (values and counts may be NULL when
 * no text is; cav_grid_set_values checks them). The table (format CAV_FMT_CSV or CAV_FMT_JSON of
 * cavity/run.h, the kind column when compare runs both) is the text. Returns CAV_OK when the sweep
 * ran (some points may have failed: see failed and warnings); CAV_EINVAL when refused before any
 * work (bad parameter, grid, option, a store that cannot be opened), with the message the command
 * line prints; CAV_ECANCEL when cancelled, and other codes when the machinery failed (store I/O,
 * memory), the text then holding what was computed. */
int cav_api_sweep(cav_api *a, const char *command, const char *model, int n,
                  const char *const *names, const char *const *texts, const double *const *values,
                  const size_t *counts, int format);

/* Named quantity `quantity` of `model` (cav_model_quantity, `cavity threshold raf`) on the grid
 * of parameters names[i] / texts[i]: the CSV table `cavity QUANTITY MODEL` prints (the
 * parameters it uses, its outputs, status). CAV_EINVAL for bad input, with the command line's
 * message; failed points are rows with status other than ok (see failed and warnings). */
int cav_api_quantity(cav_api *a, const char *quantity, const char *model, int n,
                     const char *const *names, const char *const *texts);

/* Stored results of `model` in the store at path: kind "theory", "simulation" or NULL (both,
 * with a kind column when both have rows); where[i] (i < n) are "name=value" filters as for
 * `cavity plot --where`. The text is the table (format as above) of the points found, in the
 * order of their values. The store is opened read-only. */
int cav_api_load(cav_api *a, const char *path, const char *model, const char *kind, int n,
                 const char *const *where, int format);

#ifdef __cplusplus
}
#endif
#endif
