/* Fault injection into the results store: an SQLite VFS shim, registered as the default VFS
 * before the first store is opened (the stores use the default VFS), fails chosen system-level
 * operations.
 *
 * Writes: every write-type operation (xWrite, xTruncate, xSync, on the database, its WAL and
 * its -shm) of a complete sweep is counted (N of them, from creating the store to closing it);
 * then, for every k in 1..N, the same sweep runs with operation k failing, once (a transient
 * I/O error) or from k on (a disk that stays full). After each: the sweep fails with CAV_EIO and
 * a message naming the store (or succeeds, when the failed operation was retried or was a
 * checkpoint at close), the points it returns equal the uninterrupted ones, the file passes
 * PRAGMA integrity_check, and a resumed sweep gives exactly the uninterrupted table.
 *
 * Reads: with a small page cache, the k-th read of the database or WAL fails during an export,
 * a load (plot) and a resume: each must report an error naming the store and produce no partial
 * table (export writes nothing), never a silent truncation.
 *
 * Size: 16 theory points in 2 warm-started chains + 6 x 3 simulation seeds (about 130 write
 * operations, so about 260 faulty sweeps) and a 400-row store for reads; about 1 s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cavity/run.h"
#include "run/internal.h"
#include "run_helpers.h"
#include "toy.h"

/* ---- the fault VFS ------------------------------------------------------------------------ */

static sqlite3_vfs fvfs, *under;
static long nwrites, fail_write = -1; /* fail write-type call number fail_write (1-based) */
static int persistent;                /* ... and every one after it */
static long nreads, fail_read = -1;

typedef struct ffile {
    sqlite3_file base;
    sqlite3_file *real;
} ffile;
#define RF(f) (((ffile *)(f))->real)

static int write_fails(void)
{
    long k = ++nwrites;
    return fail_write > 0 && (k == fail_write || (persistent && k > fail_write));
}
static int f_close(sqlite3_file *f)
{
    return RF(f)->pMethods->xClose(RF(f));
}
static int f_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
    if (++nreads == fail_read) return SQLITE_IOERR_READ;
    return RF(f)->pMethods->xRead(RF(f), b, n, o);
}
static int f_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
    if (write_fails()) return persistent ? SQLITE_FULL : SQLITE_IOERR_WRITE;
    return RF(f)->pMethods->xWrite(RF(f), b, n, o);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 n)
{
    if (write_fails()) return SQLITE_IOERR_TRUNCATE;
    return RF(f)->pMethods->xTruncate(RF(f), n);
}
static int f_sync(sqlite3_file *f, int fl)
{
    (void)f, (void)fl;
    /* Counted and failed like a write, but never done: durability after a power loss is not
     * what is tested, and fdatasync would make the test take 10 s instead of 1. */
    return write_fails() ? SQLITE_IOERR_FSYNC : SQLITE_OK;
}
static int f_size(sqlite3_file *f, sqlite3_int64 *n)
{
    return RF(f)->pMethods->xFileSize(RF(f), n);
}
static int f_lock(sqlite3_file *f, int l)
{
    return RF(f)->pMethods->xLock(RF(f), l);
}
static int f_unlock(sqlite3_file *f, int l)
{
    return RF(f)->pMethods->xUnlock(RF(f), l);
}
static int f_reserved(sqlite3_file *f, int *o)
{
    return RF(f)->pMethods->xCheckReservedLock(RF(f), o);
}
static int f_fcntl(sqlite3_file *f, int op, void *a)
{
    return RF(f)->pMethods->xFileControl(RF(f), op, a);
}
static int f_sector(sqlite3_file *f)
{
    return RF(f)->pMethods->xSectorSize(RF(f));
}
static int f_devchar(sqlite3_file *f)
{
    return RF(f)->pMethods->xDeviceCharacteristics(RF(f));
}
static int f_shmmap(sqlite3_file *f, int r, int sz, int ext, void volatile **pp)
{
    return RF(f)->pMethods->xShmMap(RF(f), r, sz, ext, pp);
}
static int f_shmlock(sqlite3_file *f, int o, int n, int fl)
{
    return RF(f)->pMethods->xShmLock(RF(f), o, n, fl);
}
static void f_shmbarrier(sqlite3_file *f)
{
    RF(f)->pMethods->xShmBarrier(RF(f));
}
static int f_shmunmap(sqlite3_file *f, int d)
{
    return RF(f)->pMethods->xShmUnmap(RF(f), d);
}
static const sqlite3_io_methods fio = {
    2,         f_close,  f_read,    f_write,      f_truncate, f_sync,
    f_size,    f_lock,   f_unlock,  f_reserved,   f_fcntl,    f_sector,
    f_devchar, f_shmmap, f_shmlock, f_shmbarrier, f_shmunmap};

static int f_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)v;
    ffile *x = (ffile *)f;
    x->real = (sqlite3_file *)(x + 1);
    int rc = under->xOpen(under, name, x->real, flags, out);
    if (rc != SQLITE_OK) {
        if (x->real->pMethods) x->real->pMethods->xClose(x->real);
        x->base.pMethods = NULL;
        return rc;
    }
    x->base.pMethods = &fio;
    return SQLITE_OK;
}
static int f_delete(sqlite3_vfs *v, const char *n, int s)
{
    (void)v;
    return under->xDelete(under, n, s);
}
static int f_access(sqlite3_vfs *v, const char *n, int fl, int *o)
{
    (void)v;
    return under->xAccess(under, n, fl, o);
}
static int f_full(sqlite3_vfs *v, const char *n, int k, char *o)
{
    (void)v;
    return under->xFullPathname(under, n, k, o);
}
static int f_random(sqlite3_vfs *v, int n, char *o)
{
    (void)v;
    return under->xRandomness(under, n, o);
}
static int f_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return under->xSleep(under, us);
}
static int f_time(sqlite3_vfs *v, double *t)
{
    (void)v;
    return under->xCurrentTime(under, t);
}
static int f_lasterr(sqlite3_vfs *v, int n, char *m)
{
    (void)v;
    return under->xGetLastError(under, n, m);
}

static void register_fault_vfs(void)
{
    under = sqlite3_vfs_find(NULL);
    fvfs = *under;
    fvfs.iVersion = 1;
    fvfs.szOsFile = (int)sizeof(ffile) + under->szOsFile;
    fvfs.zName = "fault";
    fvfs.pAppData = NULL;
    fvfs.xOpen = f_open;
    fvfs.xDelete = f_delete;
    fvfs.xAccess = f_access;
    fvfs.xFullPathname = f_full;
    fvfs.xDlOpen = NULL;
    fvfs.xDlError = NULL;
    fvfs.xDlSym = NULL;
    fvfs.xDlClose = NULL;
    fvfs.xRandomness = f_random;
    fvfs.xSleep = f_sleep;
    fvfs.xCurrentTime = f_time;
    fvfs.xGetLastError = f_lasterr;
    assert_int_equal(sqlite3_vfs_register(&fvfs, 1), SQLITE_OK);
}

static void faults_off(void)
{
    fail_write = fail_read = -1;
    persistent = 0;
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* Every line of part (but points still missing seeds, status continue) is a line of whole. */
static void lines_within(const char *part, const char *whole)
{
    char *copy = strdup(part), *save = NULL;
    assert_non_null(copy);
    int first = 1;
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (first || strstr(l, ",continue,")) { /* the header; points with seeds missing */
            first = 0;
            continue;
        }
        char line[4096];
        snprintf(line, sizeof line, "\n%s\n", l);
        if (!strstr(whole, line)) fail_msg("computed point not in the reference: %s", l);
    }
    free(copy);
}

typedef struct sweep_case {
    int kind, nseeds;
    const char *x, *c;
} sweep_case;
static const sweep_case cases[2] = {{CAV_KIND_THEORY, 1, "0.2:3:8", "1,2"},
                                    {CAV_KIND_SIM, 3, "0.5:2:6", "1"}};

static void grid_of(cav_grid *g, const sweep_case *c)
{
    cav_err err = {0};
    assert_int_equal(cav_grid_init(g, &toy_model, &err), CAV_OK);
    assert_int_equal(cav_grid_set(g, "x", c->x, &err), CAV_OK);
    assert_int_equal(cav_grid_set(g, "c", c->c, &err), CAV_OK);
}

/* Run case c with store st (may be NULL); returns the status, the run in *out. */
static int run_case(const sweep_case *c, cav_store *st, cav_run **out, cav_err *err)
{
    cav_grid g;
    grid_of(&g, c);
    cav_run_opts o;
    cav_run_opts_init(&o);
    o.kind = c->kind;
    o.nseeds = c->nseeds;
    o.store = st;
    int s = cav_run_exec(&g, &o, out, err);
    cav_grid_free(&g);
    return s;
}

static char *ref_table(const sweep_case *c)
{
    cav_run *r = NULL;
    cav_err err = {0};
    assert_int_equal(run_case(c, NULL, &r, &err), CAV_OK);
    char *t = table_of(r);
    cav_run_free(r);
    return t;
}

static const char *integrity(const char *path, char *buf, size_t len)
{
    if (access(path, F_OK) != 0) return "ok"; /* never created */
    sqlite3 *db;
    snprintf(buf, len, "cannot open");
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return buf;
}

/* ---- writes ------------------------------------------------------------------------------- */

static void test_write_faults(void **state)
{
    (void)state;
    const char *path = "test_faults.db";
    char *ref[2] = {ref_table(&cases[0]), ref_table(&cases[1])};
    /* Count the write-type operations of a complete, fault-free sweep. */
    rm_store(path);
    faults_off();
    nwrites = 0;
    cav_store *st;
    cav_err err = {0};
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    for (int c = 0; c < 2; c++) {
        cav_run *r;
        assert_int_equal(run_case(&cases[c], st, &r, &err), CAV_OK);
        cav_run_free(r);
    }
    cav_store_close(st);
    long total = nwrites;
    assert_true(total > 20);
    int failed_runs = 0, failed_opens = 0;
    for (int mode = 0; mode < 2; mode++) {
        for (long k = 1; k <= total; k++) {
            rm_store(path);
            nwrites = 0;
            fail_write = k;
            persistent = mode;
            memset(&err, 0, sizeof err);
            int s = cav_store_open(path, CAV_STORE_WRITE, &st, &err);
            if (s) {
                failed_opens++;
                assert_int_equal(s, CAV_EIO);
                assert_non_null(strstr(err.msg, path));
            }
            for (int c = 0; s == CAV_OK && c < 2; c++) {
                cav_run *r = NULL;
                s = run_case(&cases[c], st, &r, &err);
                if (s) {
                    failed_runs++;
                    assert_int_equal(s, CAV_EIO);
                    if (!strstr(err.msg, path)) fail_msg("k=%ld: message '%s'", k, err.msg);
                    assert_non_null(r); /* the points computed so far */
                    char *t = table_of(r);
                    lines_within(t, ref[c]);
                    free(t);
                }
                cav_run_free(r);
            }
            if (st) cav_store_close(st);
            st = NULL;
            faults_off();
            char ib[256];
            const char *ic = integrity(path, ib, sizeof ib);
            if (strcmp(ic, "ok") != 0) fail_msg("k=%ld mode %d: integrity_check: %s", k, mode, ic);
            /* Resume without faults: exactly the uninterrupted tables. */
            if (cav_store_open(path, CAV_STORE_WRITE, &st, &err))
                fail_msg("k=%ld mode %d: resume: %s", k, mode, err.msg);
            for (int c = 0; c < 2; c++) {
                cav_run *r;
                assert_int_equal(run_case(&cases[c], st, &r, &err), CAV_OK);
                char *t = table_of(r);
                if (strcmp(t, ref[c]) != 0)
                    fail_msg("k=%ld mode %d: resumed table differs", k, mode);
                free(t);
                cav_run_free(r);
            }
            assert_int_equal(cav_store_count(st, NULL, &err), 16 + 18);
            cav_store_close(st);
            st = NULL;
        }
    }
    /* Most faults must have been seen as errors, not swallowed. */
    printf("# %ld write operations per sweep; %d faulty sweeps failed in a run, %d at open\n",
           total, failed_runs, failed_opens);
    assert_true(failed_runs + failed_opens > total);
    rm_store(path);
    free(ref[0]);
    free(ref[1]);
}

/* ---- reads -------------------------------------------------------------------------------- */

static void test_read_faults(void **state)
{
    (void)state;
    const char *path = "test_faults_read.db";
    rm_store(path);
    faults_off();
    cav_store *st;
    cav_err err = {0};
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    sweep_case big = {CAV_KIND_SIM, 10, "0.1:4:40", "1"};
    cav_run *r;
    assert_int_equal(run_case(&big, st, &r, &err), CAV_OK);
    cav_run_free(r);
    cav_store_close(st);
    assert_int_equal(cav_store_open(path, CAV_STORE_READ, &st, &err), CAV_OK);
    /* A small page cache, so that every statement reads the file again. */
    assert_int_equal(sqlite3_exec(st->db, "PRAGMA cache_size=1", NULL, NULL, NULL), SQLITE_OK);
    nreads = 0;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(cav_store_export(st, f, CAV_FMT_CSV, &err), CAV_OK);
    fclose(f);
    free(buf);
    long total = nreads;
    assert_true(total > 10);
    int seen = 0;
    for (long k = 1; k <= total; k++) {
        for (int fmt = 0; fmt < 2; fmt++) {
            nreads = 0;
            fail_read = k;
            buf = NULL;
            f = open_memstream(&buf, &len);
            memset(&err, 0, sizeof err);
            int s = cav_store_export(st, f, fmt, &err);
            fclose(f);
            fail_read = -1;
            if (s) {
                seen++;
                assert_int_equal(s, CAV_EIO);
                assert_non_null(strstr(err.msg, path));
                assert_int_equal(len, 0); /* no partial table */
            } else {
                assert_true(len > 400 * 50);
            }
            free(buf);
        }
        /* The load behind `cavity plot`: an error, or all 40 points. */
        nreads = 0;
        fail_read = k;
        cav_run *l = NULL;
        int s = cav_run_load(st, &toy_model, CAV_KIND_SIM, NULL, 0, &l, &err);
        fail_read = -1;
        if (s) {
            assert_int_equal(s, CAV_EIO);
            assert_non_null(strstr(err.msg, path));
            assert_null(l);
        } else {
            assert_int_equal(l->npoints, 40);
            assert_int_equal(l->nseeds, 10);
        }
        cav_run_free(l);
        nreads = 0;
        fail_read = k;
        long n = cav_store_count(st, NULL, &err);
        fail_read = -1;
        assert_true(n == 400 || n == -1);
    }
    assert_true(seen > 0);
    assert_int_equal(cav_store_damaged(st, NULL, 0), 0);
    cav_store_close(st);
    /* A resume whose reads fail: an error, never a silent recomputation. */
    assert_int_equal(cav_store_open(path, CAV_STORE_WRITE, &st, &err), CAV_OK);
    assert_int_equal(sqlite3_exec(st->db, "PRAGMA cache_size=1", NULL, NULL, NULL), SQLITE_OK);
    nreads = 0;
    fail_read = 5;
    r = NULL;
    int s = run_case(&big, st, &r, &err);
    fail_read = -1;
    assert_int_equal(s, CAV_EIO);
    assert_non_null(strstr(err.msg, path));
    assert_null(r);
    cav_store_close(st);
    rm_store(path);
}

int main(void)
{
    register_fault_vfs(); /* before any store */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_faults),
        cmocka_unit_test(test_read_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
