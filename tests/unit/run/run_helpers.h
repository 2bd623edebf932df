/* Helpers shared by the tests of src/run (test-local; include after cmocka.h). */
#ifndef CAVITY_TEST_RUN_HELPERS_H
#define CAVITY_TEST_RUN_HELPERS_H

#include <stdio.h>
#include <stdlib.h>

#include "cavity/run.h"

/* Whole file into a new buffer (one spare byte for a terminator); NULL if it cannot be read. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
    *len = b ? fread(b, 1, (size_t)n, f) : 0;
    fclose(f);
    return b;
}

/* Remove a store and the -wal and -shm files SQLite keeps beside it. */
static inline void rm_store(const char *path)
{
    char b[4096];
    remove(path);
    snprintf(b, sizeof b, "%s-wal", path);
    remove(b);
    snprintf(b, sizeof b, "%s-shm", path);
    remove(b);
}

/* The CSV table of run r (caller frees). */
static inline char *table_of(const cav_run *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cav_err err = {0};
    assert_int_equal(cav_table_write(f, CAV_FMT_CSV, &r, 1, &err), CAV_OK);
    fclose(f);
    return buf;
}

/* Run g for kind into a table string (caller frees); the run is kept in *keep when not NULL. */
static inline char *run_table(const cav_grid *g, int kind, int jobs, cav_store *st, int nseeds,
                              cav_run **keep)
{
    cav_run_opts o;
    cav_run_opts_init(&o);
    o.kind = kind;
    o.jobs = jobs;
    o.nseeds = nseeds;
    o.store = st;
    cav_run *r = NULL;
    cav_err err = {0};
    if (cav_run_exec(g, &o, &r, &err)) fail_msg("run: %s", err.msg);
    char *t = table_of(r);
    if (keep)
        *keep = r;
    else
        cav_run_free(r);
    return t;
}

#endif
