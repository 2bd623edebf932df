/* The results store's defences (src/run/store.c), on the test-local toy model (toy.h) and a
 * "flaky" model whose failures depend on a switch standing for the environment.
 *
 * - names: "", ":memory:", file: URIs refused with CAV_EINVAL before any file is made;
 * - a -wal file of another database beside a store: refused read-only, store and -wal
 *   byte-identical, all rows there once the -wal is moved away;
 * - reusable statuses: a failure caused by the environment (enomem, einval, unsupported) is not
 *   stored and is computed again once the environment allows it; deterministic failures
 *   (maxiter, diverged) are stored and reused;
 * - tampered rows (absurd or negative nrows, '{}', malformed JSON, wrong types, unknown or
 *   inconsistent status, missing warm start): reported by cav_store_damaged, recomputed, the
 *   table identical to the untouched one (warm-started chains included), the rows repaired;
 *   cav_run_load (plot) leaves them out and counts them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cavity/run.h"
#include "run_helpers.h"
#include "toy.h"

static void sql(const char *path, const char *q)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK) fail_msg("%s: %s", q, msg);
    sqlite3_close(db);
}

static void test_names_refused(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         ":memory:",
                         "file:t_uri.db",
                         "FILE:t_uri.db",
                         "file:t_uri.db?mode=memory",
                         "file::memory:"};
    remove("t_uri.db");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        for (int mode = 0; mode < 2; mode++) {
            cav_store *st = (cav_store *)&st;
            cav_err err = {0};
            assert_int_equal(cav_store_open(bad[i], mode, &st, &err), CAV_EINVAL);
            assert_null(st);
            assert_non_null(strstr(err.msg, "--no-store"));
        }
    assert_int_equal(access("t_uri.db", F_OK), -1);
    cav_store *st;
    cav_err err = {0};
    assert_int_equal(cav_store_open(NULL, CAV_STORE_WRITE, &st, &err), CAV_EINVAL);
    /* A file that merely starts like one is fine when written as a path. */
    rm_store("./file:ok.db");
    assert_int_equal(cav_store_open("./file:ok.db", CAV_STORE_WRITE, &st, &err), CAV_OK);
    cav_store_close(st);
    rm_store("./file:ok.db");
}

static void test_foreign_wal(void **state)
{
    (void)state;
    const char *path = "t_fwal.db";
    rm_store(path);
    rm_store("t_other.db");
    cav_grid g;
    cav_err err = {0};
    assert_int_equal(cav_grid_init(&g, &toy_model, &err), CAV_OK);
    assert_int_equal(cav_grid_set(&g, "x", "0.5:3:6", &err), CAV_OK);
    cav_store *st;
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    free(run_table(&g, CAV_KIND_THEORY, 1, st, 1, NULL));
    cav_store_close(st);
    /* Another database's WAL, left by a writer that exits without closing. */
    pid_t pid = fork();
    if (pid == 0) {
        sqlite3 *db;
        sqlite3_open("t_other.db", &db);
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES(1);",
                     NULL, NULL, NULL);
        _exit(0);
    }
    int ws;
    waitpid(pid, &ws, 0);
    size_t n0, n1, w0, w1;
    char *other = slurp("t_other.db-wal", &w0);
    assert_non_null(other);
    FILE *f = fopen("t_fwal.db-wal", "wb");
    fwrite(other, 1, w0, f);
    fclose(f);
    char *before = slurp(path, &n0);
    for (int mode = 0; mode < 2; mode++) {
        st = NULL;
        assert_int_equal(cav_store_open(path, mode, &st, &err), CAV_EIO);
        assert_non_null(strstr(err.msg, "left unchanged"));
        assert_non_null(strstr(err.msg, "t_fwal.db-wal"));
        char *after = slurp(path, &n1), *wal = slurp("t_fwal.db-wal", &w1);
        assert_int_equal(n0, n1);
        assert_memory_equal(before, after, n0);
        assert_int_equal(w0, w1);
        assert_memory_equal(other, wal, w0);
        free(after), free(wal);
    }
    remove("t_fwal.db-wal");
    remove("t_fwal.db-shm");
    assert_int_equal(cav_store_open(path, CAV_STORE_READ, &st, &err), CAV_OK);
    assert_int_equal(cav_store_count(st, NULL, &err), 6);
    cav_store_close(st);
    free(before), free(other);
    cav_grid_free(&g);
    rm_store(path);
    rm_store("t_other.db");
}

/* ---- a model whose failures depend on the environment ------------------------------------ */

static int env_short = 1; /* the "environment": while set, points of fail=enomem.. fail */
typedef struct flaky_par {
    double x;
    int fail;
} flaky_par;
typedef struct flaky_out {
    double y;
} flaky_out;
static const char *const flaky_fail[] = {"none",    "enomem",   "einval", "unsupported",
                                         "maxiter", "diverged", NULL};
static const cav_param_spec flaky_params[] = {
    CAV_FIELD(flaky_par, x, .kind = CAV_PARAM_REAL, .def = 1, .lo = 0, .hi = 10, .help = "input"),
    CAV_FIELD(flaky_par, fail, .kind = CAV_PARAM_CHOICE, .choices = flaky_fail, .help = "failure"),
};
static const cav_obs_spec flaky_obs[] = {CAV_OBS(flaky_out, y, "2 x")};
static int flaky_theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    (void)warm_in, (void)warm_out;
    const flaky_par *p = vp;
    static const int code[] = {CAV_OK,     CAV_ENOMEM,   CAV_EINVAL,
                               CAV_EUNSUP, CAV_EMAXITER, CAV_EDIVERGE};
    int c = code[p->fail];
    res->obs[0] = 2 * p->x;
    res->iterations = 1;
    res->residual = 0;
    if (c == CAV_EMAXITER || c == CAV_EDIVERGE || (c != CAV_OK && env_short))
        return cav_result_fail(res, c, "failed (%s)", cav_status_name(c));
    return CAV_OK;
}
static const cav_model flaky_model = {.name = "flaky",
                                      .summary = "failures that depend on the environment",
                                      .paper = "none",
                                      .size = sizeof(flaky_par),
                                      .params = flaky_params,
                                      .nparams = 2,
                                      .obs = flaky_obs,
                                      .nobs = 1,
                                      .theory = flaky_theory};

static void test_environment_failures_recomputed(void **state)
{
    (void)state;
    const char *path = "t_flaky.db";
    rm_store(path);
    cav_grid g;
    cav_err err = {0};
    assert_int_equal(cav_grid_init(&g, &flaky_model, &err), CAV_OK);
    assert_int_equal(
        cav_grid_set(&g, "fail", "none,enomem,einval,unsupported,maxiter,diverged", &err), CAV_OK);
    cav_store *st;
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    env_short = 1;
    cav_run *r;
    free(run_table(&g, CAV_KIND_THEORY, 1, st, 1, &r));
    assert_int_equal(r->nfailed, 5);
    cav_run_free(r);
    /* Stored: ok, maxiter, diverged. */
    assert_int_equal(cav_store_count(st, NULL, &err), 3);
    env_short = 0;
    free(run_table(&g, CAV_KIND_THEORY, 1, st, 1, &r));
    static const int reused[] = {1, 0, 0, 0, 1, 1};
    for (size_t p = 0; p < 6; p++) {
        double v[CAV_MAX_PARAMS];
        cav_run_point(r, p, v);
        int f = (int)v[1];
        assert_int_equal(cav_run_stored(r, p, 0), reused[f]);
        if (!reused[f]) assert_int_equal(cav_run_result(r, p, 0)->status, CAV_OK);
    }
    assert_int_equal(r->nfailed, 2);
    cav_run_free(r);
    assert_int_equal(cav_store_count(st, NULL, &err), 6);
    cav_store_close(st);
    /* A row of an older cavity that stored an enomem failure is not reused. */
    sql(path, "UPDATE results SET status='enomem', status_code=2 WHERE params LIKE '%none%'");
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    free(run_table(&g, CAV_KIND_THEORY, 1, st, 1, &r));
    for (size_t p = 0; p < 6; p++) {
        double v[CAV_MAX_PARAMS];
        cav_run_point(r, p, v);
        if ((int)v[1] == 0) {
            assert_int_equal(cav_run_stored(r, p, 0), 0);
            assert_int_equal(cav_run_result(r, p, 0)->status, CAV_OK);
        }
    }
    assert_int_equal(cav_store_damaged(st, NULL, 0), 0); /* not damage, just not reusable */
    cav_run_free(r);
    cav_store_close(st);
    cav_grid_free(&g);
    rm_store(path);
    env_short = 1;
}

/* ---- tampered rows ------------------------------------------------------------------------ */

/* One tampering per row id (ids 1..8 are the chain x = 0.5 .. 4 of c = 1, in order). */
static const char *tamper_sql =
    "UPDATE results SET nrows=200000000 WHERE id=2;"
    "UPDATE results SET nrows=-1 WHERE id=3;"
    "UPDATE results SET obs='{}' WHERE id=4;"
    "UPDATE results SET obs='{\"t\":1,' WHERE id=5;"
    "UPDATE results SET obs='{\"t\":\"one\",\"sq\":2}' WHERE id=6;"
    "UPDATE results SET status_code=99 WHERE id=7;"
    "UPDATE results SET warm=NULL WHERE id=8;"
    "UPDATE results SET status='maxiter' WHERE id=9;"
    "UPDATE results SET nrows=3, obs='{\"t\":[1,2],\"sq\":[1,2,3]}' WHERE id=10;";
enum { NTAMPER = 9 };

static void test_tampered_rows(void **state)
{
    (void)state;
    const char *path = "t_tamper.db";
    rm_store(path);
    cav_grid g;
    cav_err err = {0};
    assert_int_equal(cav_grid_init(&g, &toy_model, &err), CAV_OK);
    assert_int_equal(cav_grid_set(&g, "x", "0.5:4:12", &err), CAV_OK);
    char *ref = run_table(&g, CAV_KIND_THEORY, 1, NULL, 1, NULL);
    cav_store *st;
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    free(run_table(&g, CAV_KIND_THEORY, 1, st, 1, NULL));
    cav_store_close(st);
    sql(path, tamper_sql);
    /* cav_run_load (plot): damaged rows left out and counted, never returned as ok. */
    assert_int_equal(cav_store_open(path, CAV_STORE_READ, &st, &err), CAV_OK);
    cav_run *l;
    assert_int_equal(cav_run_load(st, &toy_model, CAV_KIND_THEORY, NULL, 0, &l, &err), CAV_OK);
    assert_int_equal(l->npoints, 12 - NTAMPER + 1); /* the missing warm start is fine there */
    for (size_t p = 0; p < l->npoints; p++) {
        const cav_result *x = cav_run_result(l, p, 0);
        assert_int_equal(x->status, CAV_OK);
        assert_true(isfinite(x->obs[0]) && isfinite(x->obs[1]));
    }
    assert_int_equal(cav_store_damaged(st, NULL, 0), NTAMPER - 1);
    cav_run_free(l);
    cav_store_close(st);
    /* A resumed sweep: damaged rows recomputed, the table identical, rows repaired. */
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    cav_run *r;
    char *t = run_table(&g, CAV_KIND_THEORY, 1, st, 1, &r);
    assert_string_equal(t, ref);
    for (size_t p = 0; p < 12; p++)
        assert_int_equal(cav_run_stored(r, p, 0), p == 0 || p > NTAMPER);
    char first[CAV_ERR_MSG_LEN];
    assert_int_equal(cav_store_damaged(st, first, sizeof first), NTAMPER);
    assert_non_null(strstr(first, "store t_tamper.db: damaged row (theory toy"));
    assert_non_null(strstr(first, "nrows = 200000000"));
    cav_run_free(r);
    free(t);
    cav_store_close(st);
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    t = run_table(&g, CAV_KIND_THEORY, 1, st, 1, &r);
    assert_string_equal(t, ref);
    for (size_t p = 0; p < 12; p++)
        assert_int_equal(cav_run_stored(r, p, 0), 1);
    assert_int_equal(cav_store_damaged(st, NULL, 0), 0);
    cav_run_free(r);
    free(t);
    cav_store_close(st);
    free(ref);
    cav_grid_free(&g);
    rm_store(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_refused),
        cmocka_unit_test(test_foreign_wal),
        cmocka_unit_test(test_environment_failures_recomputed),
        cmocka_unit_test(test_tampered_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
