/* The SQLite results store (see cavity/run.h; schema, guarantees and recovery in docs/store.md).
 *
 * One row per computed point and seed, keyed by (model, kind, canonical parameters, seed).
 * Safety rules:
 *   - names SQLite would not treat as a plain file ("", ":memory:", "file:" URIs) are refused;
 *   - an existing file is validated on a read-only connection that never checkpoints (SQLite
 *     header, application_id, schema version, tables, PRAGMA quick_check) before a read-write
 *     connection is opened, so a refused file, and a -wal file lying beside it, stay as they
 *     were; a damaged store is refused before anything is read from or written to it;
 *   - every SQLite result (prepare, bind, step, reset) is checked; errors name the store;
 *   - only results a re-run would reproduce are stored (cav_store_reusable); rows read back are
 *     checked one by one, and a damaged row is counted and ignored (recomputed by the runner);
 *   - WAL journal, so readers do not block the writer; each put is its own transaction, so a
 *     killed sweep loses only the points in flight; the blocks of the -shm file are allocated
 *     before SQLite writes to its mapping (vfs.c), so that a full disk is an error, not SIGBUS. */
#include "cavity/run.h"
#include "run/internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

enum { BUSY_MS = 10000 };

static const char *schema_sql =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS results("
    " id INTEGER PRIMARY KEY,"
    " model TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK(kind IN ('theory','simulation')),"
    " params TEXT NOT NULL,"
    " seed INTEGER NOT NULL,"
    " params_json TEXT NOT NULL,"
    " obs TEXT NOT NULL,"
    " nrows INTEGER NOT NULL,"
    " warm BLOB,"
    " status TEXT NOT NULL,"
    " status_code INTEGER NOT NULL,"
    " message TEXT NOT NULL,"
    " residual REAL,"
    " iterations INTEGER NOT NULL,"
    " wall_s REAL NOT NULL,"
    " version TEXT NOT NULL,"
    " git_rev TEXT NOT NULL,"
    " created TEXT NOT NULL,"
    " UNIQUE(model, kind, params, seed));"
    "INSERT OR IGNORE INTO meta VALUES('application','cavity');"
    "INSERT OR IGNORE INTO meta VALUES('schema_version','1');";

int cav_store_fail(sqlite3 *db, const char *path, const char *what, cav_err *err)
{
    int code = db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;
    int prim = code & 0xff;
    int sys = db ? sqlite3_system_errno(db) : 0;
    char syst[160] = "";
    if (sys && (prim == SQLITE_IOERR || prim == SQLITE_FULL || prim == SQLITE_CANTOPEN)) {
        char eb[128];
        if (strerror_r(sys, eb, sizeof eb) != 0) snprintf(eb, sizeof eb, "errno %d", sys);
        snprintf(syst, sizeof syst, " (%s)", eb);
    }
    const char *hint = "";
    if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
        hint = "; the store is damaged (docs/store.md: how to recover)";
    else if (prim == SQLITE_BUSY)
        hint = "; another process holds it locked";
    else if (prim == SQLITE_CANTOPEN)
        hint = "; check that the directory exists and is writable";
    return cav_err_set(err, prim == SQLITE_NOMEM ? CAV_ENOMEM : CAV_EIO, "store %s: %s: %s%s%s",
                       path, what, db ? sqlite3_errmsg(db) : "out of memory", syst, hint);
}

/* Names that SQLite would not open as the plain file they look like. */
static int check_path(const char *path, cav_err *err)
{
    const char *alt = "; to run without a store use --no-store";
    if (!path) return cav_err_set(err, CAV_EINVAL, "store: no file name given%s", alt);
    if (!path[0])
        return cav_err_set(err, CAV_EINVAL,
                           "store '': an empty name is not a file (SQLite would keep the results "
                           "in a temporary database and delete them)%s",
                           alt);
    if (!strcmp(path, ":memory:"))
        return cav_err_set(err, CAV_EINVAL,
                           "store ':memory:': an in-memory database keeps nothing%s", alt);
    if (!strncasecmp(path, "file:", 5))
        return cav_err_set(err, CAV_EINVAL,
                           "store '%s': SQLite URIs are not accepted as store names (for a file "
                           "of that name write ./%s)%s",
                           path, path, alt);
    return CAV_OK;
}

/* One integer from a query. Returns the SQLite status. */
static int query_int(sqlite3 *db, const char *sql, long long *v)
{
    sqlite3_stmt *st = NULL;
    *v = -1;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *v = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_ERROR;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int file_nonempty(const char *path, const char *suffix)
{
    char p[4096];
    struct stat sb;
    if ((size_t)snprintf(p, sizeof p, "%s%s", path, suffix) >= sizeof p) return 0;
    return stat(p, &sb) == 0 && sb.st_size > 0;
}

/* Validate an existing store on a read-only connection that never checkpoints: a refused file and
 * any -wal file beside it are left as they were. *empty = 1 for an empty SQLite database. The
 * connection is returned through *keep (mode READ) or closed. */
static int validate(const char *path, int mode, int *empty, sqlite3 **keep, cav_err *err)
{
    sqlite3 *db = NULL;
    *empty = 0;
    *keep = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_busy_timeout(db, BUSY_MS);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA mmap_size=0", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        int s = cav_store_fail(db, path, "cannot open", err);
        sqlite3_close(db);
        return s;
    }
    char walnote[400] = "";
    if (file_nonempty(path, "-wal"))
        snprintf(walnote, sizeof walnote,
                 " (SQLite reads it together with %.200s-wal beside it: if that file belongs to "
                 "another database, move it away)",
                 path);
    long long app = -1, ver = -1, ntab = -1;
    rc = query_int(db, "PRAGMA application_id", &app);
    int s = CAV_OK;
    if (rc == SQLITE_NOTADB) {
        s = cav_err_set(err, CAV_EIO,
                        "store %s: not a cavity store (not an SQLite database); file left "
                        "unchanged",
                        path);
    } else if (rc == SQLITE_OK && (rc = query_int(db, "PRAGMA user_version", &ver)) == SQLITE_OK &&
               (rc = query_int(db, "SELECT count(*) FROM sqlite_master", &ntab)) == SQLITE_OK) {
        long long ours = 0;
        if (app == 0 && ver == 0 && ntab == 0) {
            *empty = 1; /* an empty SQLite database: adopted as a new store */
        } else if (app != CAV_STORE_APP_ID) {
            s = cav_err_set(err, CAV_EIO,
                            "store %s: not a cavity store (application_id %lld, expected %d); "
                            "file left unchanged%s",
                            path, app, CAV_STORE_APP_ID, walnote);
        } else if (ver > CAV_STORE_VERSION || ver < 1) {
            s = cav_err_set(err, CAV_EIO,
                            "store %s: schema version %lld is not supported by this cavity "
                            "(version %d); file left unchanged",
                            path, ver, CAV_STORE_VERSION);
        } else if ((rc = query_int(db,
                                   "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                                   "name IN ('results','meta')",
                                   &ours)) == SQLITE_OK &&
                   ours != 2) {
            s = cav_err_set(err, CAV_EIO,
                            "store %s: damaged (its tables are missing); file left unchanged%s",
                            path, walnote);
        } else if (rc == SQLITE_OK) {
            /* Structure of every page; stops at the first problem. */
            sqlite3_stmt *st = NULL;
            rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);
            if (rc == SQLITE_OK) rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                const char *t = (const char *)sqlite3_column_text(st, 0);
                if (!t || strcmp(t, "ok") != 0) {
                    /* One line: "*** in database main ***\nOn tree page ..." */
                    char what[160];
                    const char *u = t ? strstr(t, "***\n") : NULL;
                    snprintf(what, sizeof what, "%s", u ? u + 4 : t ? t : "?");
                    for (char *q = what; *q; q++)
                        if (*q == '\n' || *q == '\r') *q = ' ';
                    s = cav_err_set(err, CAV_EIO,
                                    "store %s: damaged (%s); file left unchanged%s (see "
                                    "docs/store.md: how to recover)",
                                    path, what, walnote);
                }
                rc = SQLITE_OK;
            }
            sqlite3_finalize(st);
        }
    }
    if (!s && rc != SQLITE_OK) {
        int prim = sqlite3_extended_errcode(db) & 0xff;
        if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
            s = cav_err_set(err, CAV_EIO, "store %s: damaged (%s); file left unchanged%s", path,
                            sqlite3_errmsg(db), walnote);
        else
            s = cav_store_fail(db, path, "cannot read", err);
    }
    if (!s && mode == CAV_STORE_READ && !*empty)
        *keep = db;
    else
        sqlite3_close(db);
    return s;
}

/* Open the read-write connection; create the schema in a new (empty) store. */
static int open_rw(const char *path, int empty, sqlite3 **out, cav_err *err)
{
    sqlite3 *db = NULL;
    *out = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (empty ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_busy_timeout(db, BUSY_MS);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db,
                          "PRAGMA mmap_size=0; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        int s = cav_store_fail(db, path, empty ? "cannot create" : "cannot open", err);
        sqlite3_close(db);
        return s;
    }
    if (empty) {
        /* Re-check inside the write transaction: another process may have created it since. */
        long long app = -1, ntab = -1;
        rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_OK) rc = query_int(db, "PRAGMA application_id", &app);
        if (rc == SQLITE_OK) rc = query_int(db, "SELECT count(*) FROM sqlite_master", &ntab);
        int s = CAV_OK;
        if (rc == SQLITE_OK && app != CAV_STORE_APP_ID && (app != 0 || ntab != 0)) {
            s = cav_err_set(err, CAV_EIO, "store %s: not a cavity store (changed while opening)",
                            path);
        } else if (rc == SQLITE_OK) {
            char sql[128];
            snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d;",
                     CAV_STORE_APP_ID, CAV_STORE_VERSION);
            rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
            if (rc == SQLITE_OK) rc = sqlite3_exec(db, schema_sql, NULL, NULL, NULL);
            if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        }
        if (!s && rc != SQLITE_OK) s = cav_store_fail(db, path, "cannot create", err);
        if (s) {
            if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            sqlite3_close(db);
            return s;
        }
    }
    *out = db;
    return CAV_OK;
}

int cav_store_open(const char *path, int mode, cav_store **out, cav_err *err)
{
    if (!out) return cav_err_set(err, CAV_EINVAL, "store: out must not be NULL");
    *out = NULL;
    if (mode != CAV_STORE_READ && mode != CAV_STORE_WRITE)
        return cav_err_set(err, CAV_EINVAL, "store: mode %d is not CAV_STORE_READ or _WRITE", mode);
    int s = check_path(path, err);
    if (s) return s;
    cav_store_shm_guard();
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (!exists && errno != ENOENT) {
        char eb[128];
        if (strerror_r(errno, eb, sizeof eb) != 0) snprintf(eb, sizeof eb, "errno %d", errno);
        return cav_err_set(err, CAV_EIO, "store %s: cannot open (%s)", path, eb);
    }
    if (exists && !S_ISREG(sb.st_mode))
        return cav_err_set(err, CAV_EIO, "store %s: not a regular file", path);
    if (!exists && mode == CAV_STORE_READ)
        return cav_err_set(err, CAV_EIO, "store %s: no such file", path);
    /* A store killed before its first checkpoint can be an empty file and its -wal. */
    int empty = !exists || (sb.st_size == 0 && !file_nonempty(path, "-wal"));
    sqlite3 *db = NULL;
    if (!empty) {
        s = validate(path, mode, &empty, &db, err);
        if (s) return s;
    }
    if (empty && mode == CAV_STORE_READ)
        return cav_err_set(err, CAV_EIO, "store %s: empty, not a cavity store", path);
    if (mode == CAV_STORE_WRITE) {
        s = open_rw(path, empty, &db, err);
        if (s) return s;
        /* Keys of models that retired a parameter (src/run/migrate.c). */
        s = cav_store_migrate_retired(db, path, err);
        if (s) {
            sqlite3_close(db);
            return s;
        }
    }
    size_t n = strlen(path);
    cav_store *st = calloc(1, sizeof *st + n + 1);
    if (!st) {
        sqlite3_close(db);
        return cav_err_set(err, CAV_ENOMEM, "store %s: out of memory", path);
    }
    memcpy(st->path, path, n + 1);
    st->db = db;
    int rc = SQLITE_OK;
    if (mode == CAV_STORE_WRITE)
        rc = sqlite3_prepare_v2(db,
                                "INSERT OR REPLACE INTO results(model,kind,params,seed,params_json,"
                                "obs,nrows,warm,status,status_code,message,residual,iterations,"
                                "wall_s,version,git_rev,created) "
                                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                -1, &st->put, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "SELECT " CAV_STORE_ROW_COLS " FROM results WHERE model=? AND "
                                "kind=? AND params=? AND seed=?",
                                -1, &st->get, NULL);
    if (rc != SQLITE_OK) {
        s = cav_store_fail(db, path, "cannot prepare statements", err);
        cav_store_close(st);
        return s;
    }
    *out = st;
    return CAV_OK;
}

void cav_store_close(cav_store *s)
{
    if (!s) return;
    sqlite3_finalize(s->put);
    sqlite3_finalize(s->get);
    sqlite3_close_v2(s->db);
    free(s);
}

int cav_store_reusable(int status)
{
    return status == CAV_OK || status == CAV_EMAXITER || status == CAV_ENUMERIC ||
           status == CAV_EDIVERGE;
}

long cav_store_damaged(const cav_store *s, char *first, size_t len)
{
    if (first && len) first[0] = '\0';
    if (!s) return 0;
    if (first && len && s->nbad) snprintf(first, len, "%s", s->bad);
    return s->nbad;
}

void cav_store_note_bad(cav_store *s, const cav_model *m, int kind, const char *key, long seed,
                        const char *why)
{
    if (s->nbad++ == 0)
        snprintf(s->bad, sizeof s->bad, "store %s: damaged row (%s %s %.200s seed %ld): %s",
                 s->path, cav_kind_name(kind), m->name, key ? key : "?", seed, why);
}

cJSON *cav_json_num(double x)
{
    if (!isfinite(x)) return cJSON_CreateNull(); /* JSON has no NaN */
    char b[40];
    cav_fmt_double(x, b, sizeof b);
    return cJSON_CreateRaw(b);
}

/* Add item to o (deleted when o is NULL); 0 when either is missing (out of memory). */
static int add(cJSON *o, const char *name, cJSON *item)
{
    if (!o || !item) {
        cJSON_Delete(item);
        return 0;
    }
    cJSON_AddItemToObject(o, name, item);
    return 1;
}

/* Observables as a JSON object: name -> number (one row) or name -> array (axis rows). */
static char *obs_json(const cav_model *m, const cav_result *res)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o != NULL;
    for (int j = 0; ok && j < m->nobs; j++) {
        if (res->nrows <= 1) {
            ok = add(o, m->obs[j].name, cav_json_num(res->rows[j]));
        } else {
            cJSON *a = cJSON_CreateArray();
            for (size_t r = 0; a && r < res->nrows; r++) {
                cJSON *x = cav_json_num(res->rows[r * (size_t)m->nobs + (size_t)j]);
                if (!x) {
                    cJSON_Delete(a);
                    a = NULL;
                } else {
                    cJSON_AddItemToArray(a, x);
                }
            }
            ok = add(o, m->obs[j].name, a);
        }
    }
    char *txt = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return txt;
}

static char *params_json(const cav_model *m, int kind, const double *v)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o != NULL;
    for (int i = 0; ok && i < m->nparams; i++) {
        const cav_param_spec *p = &m->params[i];
        if (!cav_param_used(p, kind)) continue;
        if (p->kind == CAV_PARAM_CHOICE || p->kind == CAV_PARAM_TYPE)
            ok = add(o, p->name, cJSON_CreateString(p->choices[(int)v[i]]));
        else
            ok = add(o, p->name, cav_json_num(v[i]));
    }
    char *txt = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return txt;
}

int cav_store_put(cav_store *s, const cav_model *m, int kind, const double *v,
                  const cav_store_row *row, cav_err *err)
{
    if (!s || !s->put) return cav_err_set(err, CAV_EINVAL, "store: opened read-only");
    const cav_result *res = row->res;
    /* A failure caused by the environment (memory, a rejected input, an unsupported case of this
     * version) would be reused for ever: only results a re-run reproduces are stored. */
    if (!cav_store_reusable(res->status)) return CAV_OK;
    char *oj = obs_json(m, res), *pj = params_json(m, kind, v);
    if (!oj || !pj) {
        free(oj);
        free(pj);
        return cav_err_set(err, CAV_ENOMEM, "store %s: out of memory", s->path);
    }
    char stamp[32];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    sqlite3_stmt *st = s->put;
    int rc = sqlite3_reset(st);
    int i = 0;
#define BIND(call)                                                                                 \
    do {                                                                                           \
        i++;                                                                                       \
        if (rc == SQLITE_OK) rc = (call);                                                          \
    } while (0)
    BIND(sqlite3_bind_text(st, i, m->name, -1, SQLITE_STATIC));
    BIND(sqlite3_bind_text(st, i, cav_kind_name(kind), -1, SQLITE_STATIC));
    BIND(sqlite3_bind_text(st, i, row->key, -1, SQLITE_STATIC));
    BIND(sqlite3_bind_int64(st, i, row->seed));
    BIND(sqlite3_bind_text(st, i, pj, -1, SQLITE_STATIC));
    BIND(sqlite3_bind_text(st, i, oj, -1, SQLITE_STATIC));
    BIND(sqlite3_bind_int64(st, i, (sqlite3_int64)(res->nrows ? res->nrows : 1)));
    if (row->warm && row->nwarm > 0)
        BIND(sqlite3_bind_blob(st, i, row->warm, (int)((size_t)row->nwarm * sizeof(double)),
                               SQLITE_STATIC));
    else
        BIND(sqlite3_bind_null(st, i));
    BIND(sqlite3_bind_text(st, i, cav_status_name(res->status), -1, SQLITE_STATIC));
    BIND(sqlite3_bind_int(st, i, res->status));
    BIND(sqlite3_bind_text(st, i, res->msg, -1, SQLITE_STATIC));
    if (isfinite(res->residual))
        BIND(sqlite3_bind_double(st, i, res->residual));
    else
        BIND(sqlite3_bind_null(st, i));
    BIND(sqlite3_bind_int64(st, i, res->iterations));
    BIND(sqlite3_bind_double(st, i, isfinite(row->wall) && row->wall >= 0 ? row->wall : 0));
    BIND(sqlite3_bind_text(st, i, cav_version(), -1, SQLITE_STATIC));
    BIND(sqlite3_bind_text(st, i, cav_git_revision(), -1, SQLITE_STATIC));
    BIND(sqlite3_bind_text(st, i, stamp, -1, SQLITE_STATIC));
#undef BIND
    int status = CAV_OK;
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) status = cav_store_fail(s->db, s->path, "write failed", err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(oj);
    free(pj);
    return status;
}

static int is_num(const cJSON *x)
{
    return cJSON_IsNumber(x) || cJSON_IsNull(x);
}

static double num_of(const cJSON *x)
{
    return cJSON_IsNumber(x) ? x->valuedouble : NAN; /* null: NaN or an infinity stored */
}

/* Observables JSON -> rows; 0 or the reason in why. */
static int obs_parse(const cav_model *m, const char *txt, size_t nrows, double *rows, char *why,
                     size_t whylen)
{
    cJSON *o = cJSON_Parse(txt);
    int bad = 0;
    if (!cJSON_IsObject(o)) {
        snprintf(why, whylen, "observables are not a JSON object: '%.60s'", txt);
        bad = 1;
    }
    size_t nobs = (size_t)m->nobs;
    for (size_t j = 0; !bad && j < nobs; j++) {
        const char *name = m->obs[j].name;
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, name);
        if (!x) {
            snprintf(why, whylen, "observable '%s' missing", name);
            bad = 1;
        } else if (nrows == 1) {
            if (!is_num(x)) {
                snprintf(why, whylen, "observable '%s' is not a number", name);
                bad = 1;
            } else {
                rows[j] = num_of(x);
            }
        } else if (!cJSON_IsArray(x)) {
            snprintf(why, whylen, "observable '%s' is not an array of %zu rows", name, nrows);
            bad = 1;
        } else {
            size_t r = 0;
            for (const cJSON *e = x->child; e && !bad; e = e->next, r++) {
                if (r >= nrows || !is_num(e))
                    bad = 1;
                else
                    rows[r * nobs + j] = num_of(e);
            }
            if (bad || r != nrows) {
                snprintf(why, whylen, "observable '%s' is not an array of %zu numbers", name,
                         nrows);
                bad = 1;
            }
        }
    }
    cJSON_Delete(o);
    return bad;
}

int cav_store_decode(const cav_model *m, int kind, sqlite3_stmt *st, int c, cav_result *res,
                     double *warm, int nwarm, double *wall, char *why, size_t whylen)
{
    /* Types first: a value getter may convert the value and change its reported type. */
    int tn = sqlite3_column_type(st, c + 1), tcode = sqlite3_column_type(st, c + 3);
    int tres = sqlite3_column_type(st, c + 5), tit = sqlite3_column_type(st, c + 6);
    int twall = sqlite3_column_type(st, c + 7), twarm = sqlite3_column_type(st, c + 8);
    const char *obs = (const char *)sqlite3_column_text(st, c);
    size_t olen = (size_t)sqlite3_column_bytes(st, c);
    sqlite3_int64 nrows = sqlite3_column_int64(st, c + 1);
    const char *sname = (const char *)sqlite3_column_text(st, c + 2);
    sqlite3_int64 code64 = sqlite3_column_int64(st, c + 3);
    const char *msg = (const char *)sqlite3_column_text(st, c + 4);
    sqlite3_int64 iters = sqlite3_column_int64(st, c + 6);
    double w = sqlite3_column_double(st, c + 7);
    if (!obs || !sname || !msg) {
        if (sqlite3_errcode(sqlite3_db_handle(st)) == SQLITE_NOMEM) return CAV_ENOMEM;
        snprintf(why, whylen, "%s is NULL", !obs ? "obs" : !sname ? "status" : "message");
        return CAV_ROW_BAD;
    }
    /* Every array element takes at least one character: nrows is bounded by the text, so a
     * tampered count cannot force a large allocation. */
    if (tn != SQLITE_INTEGER || nrows < 1 || (size_t)nrows > olen || nrows > (1 << 24)) {
        snprintf(why, whylen, "nrows = %lld out of range [1, %zu]", (long long)nrows, olen);
        return CAV_ROW_BAD;
    }
    int code = code64 >= -100 && code64 <= 100 ? (int)code64 : 1000;
    const char *known = tcode == SQLITE_INTEGER ? cav_status_name(code) : "unknown";
    if (!strcmp(known, "unknown") || code == CAV_CONTINUE || strcmp(known, sname) != 0) {
        snprintf(why, whylen, "status '%.20s' with status_code %lld: inconsistent or unknown",
                 sname, (long long)code64);
        return CAV_ROW_BAD;
    }
    if ((tres != SQLITE_NULL && tres != SQLITE_FLOAT && tres != SQLITE_INTEGER) ||
        tit != SQLITE_INTEGER || iters < 0 || (twall != SQLITE_FLOAT && twall != SQLITE_INTEGER) ||
        !(w >= 0) || !isfinite(w)) {
        snprintf(why, whylen, "residual, iterations or wall_s malformed");
        return CAV_ROW_BAD;
    }
    int need_warm = kind == CAV_KIND_THEORY && warm && nwarm > 0 && code == CAV_OK;
    if (need_warm && (twarm != SQLITE_BLOB ||
                      (size_t)sqlite3_column_bytes(st, c + 8) != (size_t)nwarm * sizeof(double))) {
        snprintf(why, whylen, "warm-start vector missing or not %d doubles", nwarm);
        return CAV_ROW_BAD;
    }
    double *rows = nrows > 1 ? cav_result_rows(res, (size_t)nrows) : res->obs;
    if (!rows) return CAV_ENOMEM;
    if (obs_parse(m, obs, (size_t)nrows, rows, why, whylen)) {
        cav_result_release(res);
        cav_result_init(res, (size_t)m->nobs);
        return CAV_ROW_BAD;
    }
    if (warm && nwarm > 0) {
        if (need_warm)
            memcpy(warm, sqlite3_column_blob(st, c + 8), (size_t)nwarm * sizeof(double));
        else
            for (int i = 0; i < nwarm; i++)
                warm[i] = NAN;
    }
    res->status = code;
    snprintf(res->msg, sizeof res->msg, "%s", msg);
    res->residual = tres == SQLITE_NULL ? NAN : sqlite3_column_double(st, c + 5);
    res->iterations = (long)iters;
    if (wall) *wall = w;
    return cav_store_reusable(code) ? CAV_OK : CAV_ROW_STALE;
}

int cav_store_get(cav_store *s, const cav_model *m, int kind, const char *key, long seed,
                  cav_result *res, double *warm, int nwarm, double *wall, int *found, cav_err *err)
{
    *found = 0;
    if (!s) return cav_err_set(err, CAV_EINVAL, "store: NULL");
    sqlite3_stmt *st = s->get;
    int rc = sqlite3_reset(st);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, cav_kind_name(kind), -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 4, seed);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    int status = CAV_OK;
    if (rc == SQLITE_ROW) {
        char why[256];
        int d = cav_store_decode(m, kind, st, 0, res, warm, nwarm, wall, why, sizeof why);
        if (d == CAV_OK) {
            *found = 1;
        } else if (d == CAV_ROW_BAD || d == CAV_ROW_STALE) {
            /* Not reused: the point is computed again (and the row replaced). */
            if (d == CAV_ROW_BAD) cav_store_note_bad(s, m, kind, key, seed, why);
            cav_result_release(res);
            cav_result_init(res, (size_t)m->nobs);
            for (int i = 0; warm && i < nwarm; i++)
                warm[i] = NAN;
        } else {
            status = cav_err_set(err, CAV_ENOMEM, "store %s: out of memory", s->path);
        }
    } else if (rc != SQLITE_DONE) {
        status = cav_store_fail(s->db, s->path, "read failed", err);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return status;
}

long cav_store_count(cav_store *s, const cav_model *m, cav_err *err)
{
    if (!s) return cav_err_set(err, CAV_EINVAL, "store: NULL"), -1;
    sqlite3_stmt *st = NULL;
    long n = -1;
    int rc = sqlite3_prepare_v2(
        s->db, m ? "SELECT count(*) FROM results WHERE model=?" : "SELECT count(*) FROM results",
        -1, &st, NULL);
    if (rc == SQLITE_OK && m) rc = sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    else
        cav_store_fail(s->db, s->path, "count failed", err);
    sqlite3_finalize(st);
    return n;
}
