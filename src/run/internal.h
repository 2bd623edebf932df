/* run/internal.h — helpers shared by the files of src/run (not public API). */
#ifndef CAVITY_RUN_INTERNAL_H
#define CAVITY_RUN_INTERNAL_H

#include "cavity/run.h"

#include <sqlite3.h>

/* An open store (store.c). put is NULL for a read-only store. */
struct cav_store {
    sqlite3 *db;
    sqlite3_stmt *put, *get;
    long nbad;                 /* damaged rows met by get / scan (skipped, see cav_store_damaged) */
    char bad[CAV_ERR_MSG_LEN]; /* description of the first one */
    char path[];               /* as given to cav_store_open */
};

/* Set err from the last error of db: "store PATH: WHAT: SQLite's message (errno text); hint".
 * Returns CAV_ENOMEM for SQLITE_NOMEM, CAV_EIO otherwise. */
int cav_store_fail(sqlite3 *db, const char *path, const char *what, cav_err *err);

/* Columns decoded by cav_store_decode, in this order. */
#define CAV_STORE_ROW_COLS "obs,nrows,status,status_code,message,residual,iterations,wall_s,warm"
enum { CAV_ROW_STALE = -100, CAV_ROW_BAD = -101 };
/* Check and decode the CAV_STORE_ROW_COLS of the current row of st, starting at column c, into
 * res (initialised by the caller for m->nobs; left initialised unless CAV_OK or CAV_ROW_STALE),
 * warm[0..nwarm) (theory rows of status ok must carry exactly nwarm doubles) and *wall.
 * Returns CAV_OK; CAV_ROW_STALE for a valid row whose status a re-run may not reproduce (see
 * cav_store_reusable); CAV_ROW_BAD with the reason in why[] for a damaged row; CAV_ENOMEM. */
int cav_store_decode(const cav_model *m, int kind, sqlite3_stmt *st, int c, cav_result *res,
                     double *warm, int nwarm, double *wall, char *why, size_t whylen);
/* Count a damaged row and keep the description of the first. */
void cav_store_note_bad(cav_store *s, const cav_model *m, int kind, const char *key, long seed,
                        const char *why);

/* Call fn for every valid stored row of model m and kind (ordered by key, then seed); damaged
 * rows are skipped and counted (cav_store_damaged). res is owned by the scan and valid during the
 * call only. A nonzero return of fn stops the scan. Every SQLite result is checked: a read error
 * (e.g. a damaged page) is an error, never the end of the rows. */
int cav_store_scan(cav_store *s, const cav_model *m, int kind,
                   int (*fn)(void *ctx, const char *key, long seed, const char *params_json,
                             cav_result *res, double wall, cav_err *err),
                   void *ctx, cav_err *err);

/* Make the unix VFS allocate the blocks of every writable shared mapping (the WAL index, file
 * STORE-shm) before SQLite writes to it, so that a full disk is an error, not SIGBUS (vfs.c).
 * Done once per process; returns 1 when in place. */
int cav_store_shm_guard(void);

/* JSON number in shortest round-trip form (cJSON's own printing is only accurate to a
 * relative DBL_EPSILON, which would change stored doubles); null for non-finite values. */
struct cJSON;
struct cJSON *cav_json_num(double x);

/* One result of a run with its seed, wall time and (theory) warm-start vector. */
struct cav_run_cell {
    cav_result res;
    long seed;
    double wall;
    int stored; /* 1: read from the store */
    double warm[];
};

/* An empty run of npoints x nseeds for model m: no cells yet (src/run/run.c). */
cav_run *cav_run_alloc(const cav_model *m, int kind, size_t npoints, size_t nseeds);
/* A new cell (result initialised, warm vector NaN) / put it at (p, s), replacing any there (the
 * run owns it then) / the cell at (p, s) or NULL. */
cav_run_cell *cav_run_cell_new(const cav_run *r, int nwarm);
void cav_run_cell_put(cav_run *r, size_t p, size_t s, cav_run_cell *c);
cav_run_cell *cav_run_cell_at(const cav_run *r, size_t p, size_t s);
/* Set r->nfailed from the results. */
void cav_run_count_failed(cav_run *r);

/* Rewrite the keys of rows whose model has retired parameters (src/run/migrate.c). */
struct sqlite3;
int cav_store_migrate_retired(struct sqlite3 *db, const char *path, cav_err *err);

#endif
