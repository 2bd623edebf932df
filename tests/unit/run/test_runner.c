/* The sweep runner, store, tables and figures (src/run) on the test-local toy model (toy.h).
 * References: closed forms of toy.h (t* = (sqrt(1+4x)-1)/2, sq = c x^2; simulation mean x with
 * standard error c/sqrt(n) per seed); the runner's promises: identical results for any --jobs,
 * resume after SIGKILL gives the uninterrupted table with no duplicate or missing row, foreign
 * or newer stores refused and left byte-identical. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cavity/run.h"
#include "run_helpers.h"
#include "toy.h"

/* Equal tables, else fail naming the first differing line. */
static void same_text(const char *a, const char *b)
{
    if (strcmp(a, b) == 0) return;
    size_t line = 1, i = 0;
    while (a[i] && a[i] == b[i])
        line += a[i++] == '\n';
    while (i > 0 && a[i - 1] != '\n')
        i--;
    fail_msg("tables differ at line %zu:\n%.200s\nvs\n%.200s", line, a + i, b + i);
}

static void grid_xc(cav_grid *g, const char *x, const char *c)
{
    cav_err err = {0};
    assert_int_equal(cav_grid_init(g, &toy_model, &err), CAV_OK);
    assert_int_equal(cav_grid_set(g, "x", x, &err), CAV_OK);
    assert_int_equal(cav_grid_set(g, "c", c, &err), CAV_OK);
}

static void test_theory_closed_form_and_failure(void **state)
{
    (void)state;
    cav_grid g;
    grid_xc(&g, "0.5:4:8", "1,3");
    cav_err err = {0};
    assert_int_equal(cav_grid_set(&g, "limit", "1000,3", &err), CAV_OK);
    cav_run *r;
    char *t = run_table(&g, CAV_KIND_THEORY, 1, NULL, 1, &r);
    assert_int_equal(r->npoints, 32);
    size_t nfail = 0;
    for (size_t p = 0; p < r->npoints; p++) {
        double v[CAV_MAX_PARAMS];
        cav_run_point(r, p, v);
        const cav_result *x = cav_run_result(r, p, 0);
        if (v[3] == 3) { /* budget of 3 iterations: never enough for 1e-13 */
            assert_int_equal(x->status, CAV_EMAXITER);
            nfail++;
            continue;
        }
        assert_int_equal(x->status, CAV_OK);
        assert_true(fabs(x->obs[0] - (sqrt(1 + 4 * v[0]) - 1) / 2) < 1e-12);
        assert_true(x->obs[1] == v[1] * v[0] * v[0]);
    }
    assert_int_equal(nfail, 16);
    assert_int_equal(r->nfailed, 16);
    /* The table reports the status name of failed points and ok for the others. */
    assert_non_null(strstr(t, ",maxiter,"));
    assert_non_null(strstr(t, "x,c,mode,limit,sleep_us,t,sq,status,residual,iterations\n"));
    free(t);
    cav_run_free(r);
    cav_grid_free(&g);
}

static void test_jobs_invariance(void **state)
{
    (void)state;
    cav_grid g;
    grid_xc(&g, "0.1:9:30", "0.5,1,2");
    /* Theory: warm-started chains make iteration counts depend on the chain; they must not
     * depend on the number of workers. */
    char *t1 = run_table(&g, CAV_KIND_THEORY, 1, NULL, 1, NULL);
    char *t3 = run_table(&g, CAV_KIND_THEORY, 3, NULL, 1, NULL);
    same_text(t1, t3);
    char *s1 = run_table(&g, CAV_KIND_SIM, 1, NULL, 4, NULL);
    char *s2 = run_table(&g, CAV_KIND_SIM, 2, NULL, 4, NULL);
    same_text(s1, s2);
    free(t1), free(t3), free(s1), free(s2);
    cav_grid_free(&g);
}

static void test_simulation_statistics(void **state)
{
    (void)state;
    cav_grid g;
    grid_xc(&g, "2", "1");
    cav_err err = {0};
    assert_int_equal(cav_grid_set(&g, "n", "400", &err), CAV_OK);
    cav_run *r;
    char *t = run_table(&g, CAV_KIND_SIM, 2, NULL, 50, &r);
    double mean[CAV_MAX_OBS], se[CAV_MAX_OBS];
    size_t k;
    cav_run_mean(r, 0, 0, mean, se, &k);
    assert_int_equal(k, 50);
    /* Mean of 50 seeds of the sample mean of 400 N(2, 1): within 5 standard errors of 2; the
     * standard error estimates c / sqrt(n * seeds) = 1/sqrt(20000) within 30%. */
    assert_true(fabs(mean[0] - 2) < 5 * se[0]);
    assert_true(fabs(se[0] / (1 / sqrt(20000.0)) - 1) < 0.3);
    assert_true(fabs(mean[1] - 5) < 5 * se[1]); /* E z^2 = x^2 + c^2 */
    assert_non_null(strstr(t, ",50,ok,"));      /* seeds column */
    free(t);
    cav_run_free(r);
    cav_grid_free(&g);
}

static void test_store_resume_and_recompute(void **state)
{
    (void)state;
    const char *path = "test_store_resume.db";
    remove(path);
    cav_store *st;
    cav_err err = {0};
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    cav_grid g;
    grid_xc(&g, "0.2:3:6", "1,2");
    char *a = run_table(&g, CAV_KIND_THEORY, 2, st, 1, NULL);
    char *s = run_table(&g, CAV_KIND_SIM, 2, st, 3, NULL);
    assert_int_equal(cav_store_count(st, &toy_model, &err), 12 + 36);
    cav_run *r;
    char *b = run_table(&g, CAV_KIND_THEORY, 1, st, 1, &r);
    for (size_t i = 0; i < r->npoints; i++)
        assert_int_equal(cav_run_stored(r, i, 0), 1);
    same_text(a, b);
    cav_run_free(r);
    char *s2 = run_table(&g, CAV_KIND_SIM, 1, st, 3, NULL);
    same_text(s, s2);
    /* Load back for plotting: same points, same observables. */
    cav_run *l;
    const char *where[] = {"c=2"};
    assert_int_equal(cav_run_load(st, &toy_model, CAV_KIND_SIM, where, 1, &l, &err), CAV_OK);
    assert_int_equal(l->npoints, 6);
    assert_int_equal(l->nseeds, 3);
    for (size_t p = 0; p < l->npoints; p++) {
        double v[CAV_MAX_PARAMS];
        cav_run_point(l, p, v);
        assert_true(v[1] == 2);
    }
    cav_run_free(l);
    assert_int_equal(cav_store_count(st, NULL, &err), 48); /* nothing duplicated */
    cav_store_close(st);
    free(a), free(b), free(s), free(s2);
    cav_grid_free(&g);
}

static void expect_refused(const char *path)
{
    size_t n0, n1;
    char *before = slurp(path, &n0);
    cav_store *st = NULL;
    cav_err err = {0};
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_EIO);
    assert_null(st);
    assert_non_null(strstr(err.msg, "left unchanged"));
    char *after = slurp(path, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before), free(after);
}

static void test_foreign_stores_refused(void **state)
{
    (void)state;
    FILE *f = fopen("test_foreign.db", "wb");
    for (int i = 0; i < 3000; i++)
        fputc((i * 37) & 0xff, f); /* not SQLite */
    fclose(f);
    expect_refused("test_foreign.db");
    /* A valid SQLite database of another application. */
    remove("test_other.db");
    sqlite3 *db;
    assert_int_equal(sqlite3_open("test_other.db", &db), SQLITE_OK);
    sqlite3_exec(db, "CREATE TABLE t(a); INSERT INTO t VALUES(1);", NULL, NULL, NULL);
    sqlite3_close(db);
    expect_refused("test_other.db");
    /* A cavity store of a newer schema version. */
    remove("test_newer.db");
    cav_store *st;
    cav_err err = {0};
    assert_int_equal(cav_store_open("test_newer.db", CAV_STORE_WRITE, &st, &err), CAV_OK);
    cav_store_close(st);
    assert_int_equal(sqlite3_open("test_newer.db", &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA journal_mode=DELETE; PRAGMA user_version=99;", NULL, NULL, NULL);
    sqlite3_close(db);
    expect_refused("test_newer.db");
    /* Unwritable location. */
    assert_int_equal(cav_store_open("/nonexistent-dir/x.db", CAV_STORE_WRITE, &st, &err), CAV_EIO);
}

/* SIGKILL a sweep halfway, re-run it: the table equals the uninterrupted one, and the store has
 * exactly one row per point. */
static void test_kill_and_resume(void **state)
{
    (void)state;
    const char *path = "test_kill.db";
    remove(path);
    char wal[64], shm[64];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    remove(wal), remove(shm);
    cav_grid g;
    grid_xc(&g, "0.1:5:12", "1,2");
    cav_err err = {0};
    assert_int_equal(cav_grid_set(&g, "sleep_us", "20000", &err), CAV_OK);
    const size_t npts = 24;
    char *ref = run_table(&g, CAV_KIND_THEORY, 2, NULL, 1, NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        cav_store *st;
        if (cav_store_open(path, CAV_STORE_WRITE, &st, &err)) _exit(3);
        cav_run_opts o;
        cav_run_opts_init(&o);
        o.jobs = 2;
        o.store = st;
        cav_run *r;
        cav_run_exec(&g, &o, &r, &err);
        _exit(0);
    }
    /* Wait until some but not all rows are committed, then kill. */
    long n = 0;
    for (int i = 0; i < 400 && n < 8; i++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
        cav_store *rd;
        if (cav_store_open(path, CAV_STORE_READ, &rd, &err) == CAV_OK) {
            n = cav_store_count(rd, NULL, &err);
            cav_store_close(rd);
        }
    }
    kill(pid, SIGKILL);
    int wst;
    waitpid(pid, &wst, 0);
    assert_true(WIFSIGNALED(wst));
    cav_store *st;
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    long killed_at = cav_store_count(st, NULL, &err);
    assert_true(killed_at >= 8 && killed_at < (long)npts);
    cav_run *r;
    char *resumed = run_table(&g, CAV_KIND_THEORY, 1, st, 1, &r);
    size_t nstored = 0;
    for (size_t i = 0; i < r->npoints; i++)
        nstored += (size_t)cav_run_stored(r, i, 0);
    assert_int_equal(nstored, (size_t)killed_at);
    same_text(ref, resumed);
    assert_int_equal(cav_store_count(st, NULL, &err), (long)npts);
    cav_run_free(r);
    cav_store_close(st);
    free(ref), free(resumed);
    cav_grid_free(&g);
}

/* Resident memory of this process in bytes (/proc/self/statm), 0 if unknown. */
static double rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &size, &res) != 2) res = 0;
    fclose(f);
    return (double)res * (double)sysconf(_SC_PAGESIZE);
}

static int cancel_after(void *ctx)
{
    const size_t *left = ctx;
    return *left == 0;
}

static void count_down(void *ctx, const cav_progress *p)
{
    size_t *left = ctx;
    (void)p;
    if (*left) (*left)--;
}

/* A sweep of 2e6 theory points costs a few bytes per point until results exist (the runner
 * used to allocate ~2 KB per point before computing anything: 4 GB here), and cancelling it
 * keeps what was computed, stored: a resume computes only the rest. */
static void test_large_grid_and_cancel(void **state)
{
    (void)state;
    cav_grid g;
    cav_err err = {0};
    assert_int_equal(cav_grid_init(&g, &toy_model, &err), CAV_OK);
    assert_int_equal(cav_grid_set(&g, "x", "0:10:2000000", &err), CAV_OK);
    size_t left = 100;
    cav_run_opts o;
    cav_run_opts_init(&o);
    o.progress = count_down;
    o.cancel = cancel_after;
    o.ctx = &left;
    const char *path = "t_cancel.db";
    rm_store(path);
    cav_store *st = NULL;
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    o.store = st;
    double before = rss_bytes();
    cav_run *r = NULL;
    int s = cav_run_exec(&g, &o, &r, &err);
    double grew = rss_bytes() - before;
    assert_int_equal(s, CAV_ECANCEL);
    assert_non_null(strstr(err.msg, "cancelled"));
    assert_non_null(r);
    /* The points computed up to the cancel (one chain of 2e6 points: its first seams), all
     * kept and stored. */
    assert_int_equal(r->npoints, 100);
    for (size_t p = 0; p < r->npoints; p++)
        assert_int_equal(cav_run_result(r, p, 0)->status, CAV_OK);
    assert_int_equal(cav_store_count(st, NULL, &err), 100);
    fprintf(stderr, "  [2e6-point grid: resident memory grew by %.1f MB]\n", grew / 1e6);
    assert_true(grew < 64e6); /* grid values 16 MB, pointers 16 MB, flags 2 MB */
    cav_run_free(r);
    /* Resume a slice: the 100 stored points are read, the rest computed. */
    assert_int_equal(cav_grid_set(&g, "x", "0:10:2000000", &err), CAV_OK);
    cav_grid sub;
    assert_int_equal(cav_grid_init(&sub, &toy_model, &err), CAV_OK);
    assert_int_equal(cav_grid_set(&sub, "x", "0:0.000495000247500124:100", &err), CAV_OK);
    o.cancel = NULL;
    o.progress = NULL;
    assert_int_equal(cav_run_exec(&sub, &o, &r, &err), CAV_OK);
    size_t nstored = 0;
    for (size_t p = 0; p < r->npoints; p++)
        nstored += (size_t)cav_run_stored(r, p, 0);
    assert_true(nstored >= 1);
    cav_run_free(r);
    cav_grid_free(&sub);
    cav_grid_free(&g);
    cav_store_close(st);
    rm_store(path);
}

static void test_figure_from_store(void **state)
{
    (void)state;
    cav_err err = {0};
    if (!cav_figure_gnuplot(&err)) skip();
    const char *path = "test_fig.db";
    remove(path);
    cav_store *st;
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    cav_grid g;
    grid_xc(&g, "0.5:4:8", "1,2");
    free(run_table(&g, CAV_KIND_THEORY, 1, st, 1, NULL));
    free(run_table(&g, CAV_KIND_SIM, 1, st, 3, NULL));
    cav_run *r[2];
    assert_int_equal(cav_run_load(st, &toy_model, CAV_KIND_THEORY, NULL, 0, &r[0], &err), CAV_OK);
    assert_int_equal(cav_run_load(st, &toy_model, CAV_KIND_SIM, NULL, 0, &r[1], &err), CAV_OK);
    remove("test_fig.svg");
    int s = cav_figure_write("test_fig.svg", (const cav_run *const *)r, 2, "x", "t,sq", "c", &err);
    if (s) fail_msg("figure: %s", err.msg);
    size_t n = 0;
    char *svg = slurp("test_fig.svg", &n);
    assert_non_null(svg);
    svg[n] = '\0';
    assert_non_null(strstr(svg, "<svg"));
    assert_non_null(strstr(svg, "c=2 (simulation)")); /* legend names the by parameter */
    free(svg);
    assert_int_equal(cav_figure_format("x.gif", &err), -1);
    cav_run_free(r[0]);
    cav_run_free(r[1]);
    cav_store_close(st);
    cav_grid_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_theory_closed_form_and_failure),
        cmocka_unit_test(test_jobs_invariance),
        cmocka_unit_test(test_simulation_statistics),
        cmocka_unit_test(test_store_resume_and_recompute),
        cmocka_unit_test(test_foreign_stores_refused),
        cmocka_unit_test(test_kill_and_resume),
        cmocka_unit_test(test_figure_from_store),
        cmocka_unit_test(test_large_grid_and_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
