/* run/internal.h — helpers shared by the files of src/run (not public API). */
#ifndef CAVITY_RUN_INTERNAL_H
#define CAVITY_RUN_INTERNAL_H

#include "cavity/run.h"

/* Call fn for every stored row of model m and kind (ordered by key, then seed). res is owned by
 * the scan and valid during the call only. A nonzero return of fn stops the scan. */
int cav_store_scan(cav_store *s, const cav_model *m, int kind,
                   int (*fn)(void *ctx, const char *key, long seed, const char *params_json,
                             cav_result *res, double wall, cav_err *err),
                   void *ctx, cav_err *err);

/* JSON number in shortest round-trip form (cJSON's own printing is only accurate to a
 * relative DBL_EPSILON, which would change stored doubles); null for non-finite values. */
struct cJSON;
struct cJSON *cav_json_num(double x);

/* Allocate an empty run of npoints x nseeds for model m (results initialised). */
cav_run *cav_run_alloc(const cav_model *m, int kind, size_t npoints, size_t nseeds);

/* Rewrite the keys of rows whose model has retired parameters (src/run/migrate.c). */
struct sqlite3;
int cav_store_migrate_retired(struct sqlite3 *db, const char *path, cav_err *err);

#endif
