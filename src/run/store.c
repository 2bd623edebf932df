/* The SQLite results store (see cavity/run.h; schema documented in docs/store.md).
 *
 * One row per computed point and seed, keyed by (model, kind, canonical parameters, seed).
 * Safety rules: an existing file is validated read-only (SQLite header, application_id, schema
 * version) before anything is written, so a foreign, corrupt or newer file is left
 * byte-identical; WAL journal so readers do not block the writer; every put is its own
 * transaction through a prepared statement, so a killed sweep loses only in-flight points. */
#include "cavity/run.h"
#include "run/internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct cav_store {
    sqlite3 *db;
    sqlite3_stmt *put, *get;
};

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

static int db_err(sqlite3 *db, cav_err *err, const char *what, const char *path)
{
    return cav_err_set(err, CAV_EIO, "store %s: %s: %s", path ? path : "", what,
                       db ? sqlite3_errmsg(db) : "cannot open");
}

/* Integer result of a one-value query, or -1 on error. */
static long long pragma_int(sqlite3 *db, const char *sql, int *rc)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    *rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (*rc == SQLITE_OK) {
        *rc = sqlite3_step(st);
        if (*rc == SQLITE_ROW) {
            v = sqlite3_column_int64(st, 0);
            *rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return v;
}

int cav_store_open(const char *path, int mode, cav_store **out, cav_err *err)
{
    *out = NULL;
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (exists && !S_ISREG(sb.st_mode))
        return cav_err_set(err, CAV_EIO, "store %s: not a regular file", path);
    if (!exists && mode == CAV_STORE_READ)
        return cav_err_set(err, CAV_EIO, "store %s: no such file", path);
    int flags =
        mode == CAV_STORE_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        int s = cav_err_set(err, CAV_EIO,
                            "store %s: cannot open (%s); check that the directory "
                            "exists and is writable",
                            path, db ? sqlite3_errmsg(db) : "error");
        sqlite3_close(db);
        return s;
    }
    sqlite3_busy_timeout(db, 10000);
    int fresh = !exists || sb.st_size == 0;
    if (!fresh) {
        /* Read-only validation: nothing is written before these pass. */
        long long app = pragma_int(db, "PRAGMA application_id", &rc);
        if (rc != SQLITE_OK) {
            int s = cav_err_set(err, CAV_EIO,
                                "store %s: not a cavity store (not an SQLite database: %s); "
                                "file left unchanged",
                                path, sqlite3_errmsg(db));
            sqlite3_close(db);
            return s;
        }
        long long ver = pragma_int(db, "PRAGMA user_version", &rc);
        long long ntab = pragma_int(db, "SELECT count(*) FROM sqlite_master", &rc);
        if (app == 0 && ntab == 0 && ver == 0) {
            fresh = 1; /* an empty SQLite database: adopt it */
        } else if (app != CAV_STORE_APP_ID) {
            sqlite3_close(db);
            return cav_err_set(err, CAV_EIO,
                               "store %s: not a cavity store (application_id %lld, expected "
                               "%d); file left unchanged",
                               path, app, CAV_STORE_APP_ID);
        } else if (ver > CAV_STORE_VERSION || ver < 1) {
            sqlite3_close(db);
            return cav_err_set(err, CAV_EIO,
                               "store %s: schema version %lld is not supported by this cavity "
                               "(version %d); file left unchanged",
                               path, ver, CAV_STORE_VERSION);
        }
    }
    if (fresh && mode == CAV_STORE_READ) {
        sqlite3_close(db);
        return cav_err_set(err, CAV_EIO, "store %s: empty, not a cavity store", path);
    }
    if (mode == CAV_STORE_WRITE) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                 "PRAGMA application_id=%d; PRAGMA user_version=%d;",
                 CAV_STORE_APP_ID, CAV_STORE_VERSION);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
            int s = db_err(db, err, "cannot initialise", path);
            sqlite3_close(db);
            return s;
        }
        int s = cav_store_migrate_retired(db, path, err);
        if (s) {
            sqlite3_close(db);
            return s;
        }
    }
    cav_store *st = calloc(1, sizeof *st);
    if (!st) {
        sqlite3_close(db);
        return cav_err_set(err, CAV_ENOMEM, "out of memory");
    }
    st->db = db;
    if (mode == CAV_STORE_WRITE &&
        sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO results(model,kind,params,seed,params_json,"
                           "obs,nrows,warm,status,status_code,message,residual,iterations,"
                           "wall_s,version,git_rev,created) "
                           "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &st->put, NULL) != SQLITE_OK) {
        int s = db_err(db, err, "prepare", path);
        cav_store_close(st);
        return s;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT obs,nrows,warm,status_code,message,residual,iterations,"
                           "wall_s FROM results WHERE model=? AND kind=? AND params=? AND "
                           "seed=?",
                           -1, &st->get, NULL) != SQLITE_OK) {
        int s = db_err(db, err, "prepare", path);
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
    sqlite3_close(s->db);
    free(s);
}

cJSON *cav_json_num(double x)
{
    if (!isfinite(x)) return cJSON_CreateNull(); /* JSON has no NaN */
    char b[40];
    cav_fmt_double(x, b, sizeof b);
    return cJSON_CreateRaw(b);
}

static cJSON *num(double x)
{
    return cav_json_num(x);
}

/* Observables as a JSON object: name -> number (one row) or name -> array (axis rows). */
static char *obs_json(const cav_model *m, const cav_result *res)
{
    cJSON *o = cJSON_CreateObject();
    for (int j = 0; j < m->nobs; j++) {
        if (res->nrows <= 1) {
            cJSON_AddItemToObject(o, m->obs[j].name, num(res->rows[j]));
        } else {
            cJSON *a = cJSON_CreateArray();
            for (size_t r = 0; r < res->nrows; r++)
                cJSON_AddItemToArray(a, num(res->rows[r * (size_t)m->nobs + (size_t)j]));
            cJSON_AddItemToObject(o, m->obs[j].name, a);
        }
    }
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return txt;
}

static char *params_json(const cav_model *m, int kind, const double *v)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < m->nparams; i++) {
        const cav_param_spec *p = &m->params[i];
        if (!cav_param_used(p, kind)) continue;
        if (p->kind == CAV_PARAM_CHOICE || p->kind == CAV_PARAM_TYPE)
            cJSON_AddStringToObject(o, p->name, p->choices[(int)v[i]]);
        else
            cJSON_AddItemToObject(o, p->name, num(v[i]));
    }
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return txt;
}

int cav_store_put(cav_store *s, const cav_model *m, int kind, const double *v,
                  const cav_store_row *row, cav_err *err)
{
    char *oj = obs_json(m, row->res), *pj = params_json(m, kind, v);
    if (!oj || !pj) {
        free(oj);
        free(pj);
        return cav_err_set(err, CAV_ENOMEM, "out of memory");
    }
    char stamp[32];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    sqlite3_stmt *st = s->put;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, cav_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, row->key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, row->seed);
    sqlite3_bind_text(st, 5, pj, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, oj, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)row->res->nrows);
    if (row->warm && row->nwarm > 0)
        sqlite3_bind_blob(st, 8, row->warm, (int)((size_t)row->nwarm * sizeof(double)),
                          SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 8);
    sqlite3_bind_text(st, 9, cav_status_name(row->res->status), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 10, row->res->status);
    sqlite3_bind_text(st, 11, row->res->msg, -1, SQLITE_STATIC);
    if (isfinite(row->res->residual))
        sqlite3_bind_double(st, 12, row->res->residual);
    else
        sqlite3_bind_null(st, 12);
    sqlite3_bind_int64(st, 13, row->res->iterations);
    sqlite3_bind_double(st, 14, row->wall);
    sqlite3_bind_text(st, 15, cav_version(), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 16, cav_git_revision(), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 17, stamp, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(oj);
    free(pj);
    if (rc != SQLITE_DONE) return db_err(s->db, err, "write failed", "");
    return CAV_OK;
}

static double json_num(const cJSON *x)
{
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

/* Fill res rows from observables JSON text. */
static int obs_parse(const cav_model *m, const char *txt, size_t nrows, cav_result *res,
                     cav_err *err)
{
    cJSON *o = cJSON_Parse(txt);
    if (!o) return cav_err_set(err, CAV_EIO, "store: malformed observables '%.80s'", txt);
    double *rows = res->obs;
    if (nrows > 1) rows = cav_result_rows(res, nrows);
    if (!rows) {
        cJSON_Delete(o);
        return cav_err_set(err, CAV_ENOMEM, "out of memory");
    }
    for (int j = 0; j < m->nobs; j++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, m->obs[j].name);
        for (size_t r = 0; r < nrows; r++)
            rows[r * (size_t)m->nobs + (size_t)j] =
                nrows > 1 ? json_num(cJSON_GetArrayItem(x, (int)r)) : json_num(x);
    }
    cJSON_Delete(o);
    return CAV_OK;
}

int cav_store_get(cav_store *s, const cav_model *m, int kind, const char *key, long seed,
                  cav_result *res, double *warm, int nwarm, double *wall, int *found, cav_err *err)
{
    sqlite3_stmt *st = s->get;
    *found = 0;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, cav_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, seed);
    int rc = sqlite3_step(st);
    int status = CAV_OK;
    if (rc == SQLITE_ROW) {
        *found = 1;
        status = obs_parse(m, (const char *)sqlite3_column_text(st, 0),
                           (size_t)sqlite3_column_int64(st, 1), res, err);
        if (warm && nwarm > 0) {
            int nb = sqlite3_column_bytes(st, 2);
            const void *b = sqlite3_column_blob(st, 2);
            if (b && nb == (int)((size_t)nwarm * sizeof(double)))
                memcpy(warm, b, (size_t)nb);
            else
                for (int i = 0; i < nwarm; i++)
                    warm[i] = NAN;
        }
        res->status = sqlite3_column_int(st, 3);
        snprintf(res->msg, sizeof res->msg, "%s", (const char *)sqlite3_column_text(st, 4));
        res->residual =
            sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5);
        res->iterations = (long)sqlite3_column_int64(st, 6);
        if (wall) *wall = sqlite3_column_double(st, 7);
    } else if (rc != SQLITE_DONE) {
        status = db_err(s->db, err, "read failed", "");
    }
    sqlite3_reset(st);
    return status;
}

long cav_store_count(cav_store *s, const cav_model *m, cav_err *err)
{
    sqlite3_stmt *st = NULL;
    long n = -1;
    if (sqlite3_prepare_v2(s->db,
                           m ? "SELECT count(*) FROM results WHERE model=?"
                             : "SELECT count(*) FROM results",
                           -1, &st, NULL) != SQLITE_OK) {
        db_err(s->db, err, "count", "");
        return -1;
    }
    if (m) sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int cav_store_scan(cav_store *s, const cav_model *m, int kind,
                   int (*fn)(void *ctx, const char *key, long seed, const char *params_json,
                             cav_result *res, double wall, cav_err *err),
                   void *ctx, cav_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT params,seed,params_json,obs,nrows,status_code,message,"
                           "residual,iterations,wall_s FROM results WHERE model=? AND kind=? "
                           "ORDER BY params, seed",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(s->db, err, "scan", "");
    sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, cav_kind_name(kind), -1, SQLITE_STATIC);
    int status = CAV_OK, rc;
    while (!status && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        cav_result res;
        cav_result_init(&res, (size_t)m->nobs);
        status = obs_parse(m, (const char *)sqlite3_column_text(st, 3),
                           (size_t)sqlite3_column_int64(st, 4), &res, err);
        if (status) break;
        res.status = sqlite3_column_int(st, 5);
        snprintf(res.msg, sizeof res.msg, "%s", (const char *)sqlite3_column_text(st, 6));
        res.residual =
            sqlite3_column_type(st, 7) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 7);
        res.iterations = (long)sqlite3_column_int64(st, 8);
        status =
            fn(ctx, (const char *)sqlite3_column_text(st, 0), (long)sqlite3_column_int64(st, 1),
               (const char *)sqlite3_column_text(st, 2), &res, sqlite3_column_double(st, 9), err);
        cav_result_release(&res);
    }
    sqlite3_finalize(st);
    return status;
}

static void csv_field(FILE *f, const char *t)
{
    if (!t) t = "";
    if (strpbrk(t, ",\"\n")) {
        fputc('"', f);
        for (; *t; t++) {
            if (*t == '"') fputc('"', f);
            fputc(*t, f);
        }
        fputc('"', f);
    } else {
        fputs(t, f);
    }
}

int cav_store_export(cav_store *s, FILE *f, int format, cav_err *err)
{
    static const char *cols[] = {"id",      "model",   "kind",     "params",      "seed",
                                 "status",  "message", "residual", "iterations",  "wall_s",
                                 "version", "git_rev", "created",  "params_json", "obs"};
    const size_t ncol = sizeof cols / sizeof cols[0];
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id,model,kind,params,seed,status,message,residual,iterations,"
                           "wall_s,version,git_rev,created,params_json,obs FROM results "
                           "ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(s->db, err, "export", "");
    cJSON *arr = format == CAV_FMT_JSON ? cJSON_CreateArray() : NULL;
    if (format == CAV_FMT_CSV)
        for (size_t c = 0; c < ncol; c++)
            fprintf(f, "%s%s", c ? "," : "", cols[c]);
    if (format == CAV_FMT_CSV) fputc('\n', f);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (format == CAV_FMT_CSV) {
            for (int c = 0; c < (int)ncol; c++) {
                if (c) fputc(',', f);
                if (sqlite3_column_type(st, c) == SQLITE_FLOAT) {
                    char b[40];
                    cav_fmt_double(sqlite3_column_double(st, c), b, sizeof b);
                    fputs(b, f);
                } else {
                    csv_field(f, (const char *)sqlite3_column_text(st, c));
                }
            }
            fputc('\n', f);
        } else {
            cJSON *o = cJSON_CreateObject();
            for (int c = 0; c < (int)ncol; c++) {
                int t = sqlite3_column_type(st, c);
                const char *name = cols[c];
                if (c >= 13) {
                    cJSON *sub = cJSON_Parse((const char *)sqlite3_column_text(st, c));
                    cJSON_AddItemToObject(o, c == 13 ? "params" : "obs",
                                          sub ? sub : cJSON_CreateNull());
                } else if (c == 3) {
                    cJSON_AddStringToObject(o, "key", (const char *)sqlite3_column_text(st, c));
                } else if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) {
                    cJSON_AddItemToObject(o, name, num(sqlite3_column_double(st, c)));
                } else if (t == SQLITE_NULL) {
                    cJSON_AddNullToObject(o, name);
                } else {
                    cJSON_AddStringToObject(o, name, (const char *)sqlite3_column_text(st, c));
                }
            }
            cJSON_AddItemToArray(arr, o);
        }
    }
    sqlite3_finalize(st);
    if (arr) {
        char *txt = cJSON_Print(arr);
        cJSON_Delete(arr);
        if (!txt) return cav_err_set(err, CAV_ENOMEM, "out of memory");
        fprintf(f, "%s\n", txt);
        free(txt);
    }
    return ferror(f) ? cav_err_set(err, CAV_EIO, "export: write error") : CAV_OK;
}
