/* Reading a whole store: the row scan behind cav_run_load (plot) and cav_store_export.
 *
 * Every SQLite step is checked: a loop ends on SQLITE_DONE only, and any other code (a damaged
 * page, an I/O error) is an error naming the store. The CSV export is written to memory first
 * and copied to the output only once every row was read, so a store that fails half-way never
 * produces a partial table that looks complete. */
#include "cavity/run.h"
#include "run/internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cav_store_scan(cav_store *s, const cav_model *m, int kind,
                   int (*fn)(void *ctx, const char *key, long seed, const char *params_json,
                             cav_result *res, double wall, cav_err *err),
                   void *ctx, cav_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT params,seed,params_json," CAV_STORE_ROW_COLS
                                " FROM results WHERE model=? AND kind=? ORDER BY params, seed",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, cav_kind_name(kind), -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        int e = cav_store_fail(s->db, s->path, "read failed", err);
        sqlite3_finalize(st);
        return e;
    }
    int status = CAV_OK;
    while (!status) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            status = cav_store_fail(s->db, s->path, "read failed", err);
            break;
        }
        int tseed = sqlite3_column_type(st, 1);
        const char *key = (const char *)sqlite3_column_text(st, 0);
        long seed = (long)sqlite3_column_int64(st, 1);
        const char *pj = (const char *)sqlite3_column_text(st, 2);
        char why[256] = "";
        cav_result res;
        cav_result_init(&res, (size_t)m->nobs);
        double wall = 0;
        int d = CAV_ROW_BAD;
        cJSON *po = pj ? cJSON_Parse(pj) : NULL;
        if (!key || tseed != SQLITE_INTEGER)
            snprintf(why, sizeof why, "params or seed malformed");
        else if (!cJSON_IsObject(po))
            snprintf(why, sizeof why, "parameters are not a JSON object: '%.60s'",
                     pj ? pj : "NULL");
        else
            d = cav_store_decode(m, kind, st, 3, &res, NULL, 0, &wall, why, sizeof why);
        cJSON_Delete(po);
        if (d == CAV_OK || d == CAV_ROW_STALE)
            status = fn(ctx, key, seed, pj, &res, wall, err);
        else if (d == CAV_ROW_BAD)
            cav_store_note_bad(s, m, kind, key, seed, why);
        else
            status = cav_err_set(err, CAV_ENOMEM, "store %s: out of memory", s->path);
        cav_result_release(&res);
    }
    sqlite3_finalize(st);
    return status;
}

static void csv_field(FILE *f, const char *t)
{
    if (!t) t = "";
    if (strpbrk(t, ",\"\n\r")) {
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

static const char *const cols[] = {"id",      "model",   "kind",     "params",      "seed",
                                   "status",  "message", "residual", "iterations",  "wall_s",
                                   "version", "git_rev", "created",  "params_json", "obs"};
enum { NCOL = sizeof cols / sizeof cols[0] };

static void csv_row(FILE *f, sqlite3_stmt *st)
{
    for (int c = 0; c < NCOL; c++) {
        if (c) fputc(',', f);
        int t = sqlite3_column_type(st, c);
        if (t == SQLITE_FLOAT) {
            char b[40];
            cav_fmt_double(sqlite3_column_double(st, c), b, sizeof b);
            fputs(b, f);
        } else if (t != SQLITE_NULL) {
            csv_field(f, (const char *)sqlite3_column_text(st, c));
        }
    }
    fputc('\n', f);
}

/* One row as a JSON object; NULL when out of memory. */
static cJSON *json_row(sqlite3_stmt *st)
{
    cJSON *o = cJSON_CreateObject();
    for (int c = 0; o && c < NCOL; c++) {
        int t = sqlite3_column_type(st, c);
        const char *txt = t == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(st, c);
        cJSON *item;
        const char *name = cols[c];
        if (c >= 13) {
            name = c == 13 ? "params" : "obs";
            item = txt ? cJSON_Parse(txt) : NULL;
            if (!item) item = cJSON_CreateNull(); /* not JSON: shown as null */
        } else if (t == SQLITE_NULL) {
            item = cJSON_CreateNull();
        } else if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) {
            item = cav_json_num(sqlite3_column_double(st, c));
        } else {
            if (c == 3) name = "key";
            item = cJSON_CreateString(txt ? txt : "");
        }
        if (!item) {
            cJSON_Delete(o);
            return NULL;
        }
        cJSON_AddItemToObject(o, name, item);
    }
    return o;
}

int cav_store_export(cav_store *s, FILE *f, int format, cav_err *err)
{
    if (format != CAV_FMT_CSV && format != CAV_FMT_JSON)
        return cav_err_set(err, CAV_EINVAL, "export: format %d is not CAV_FMT_CSV or _JSON",
                           format);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id,model,kind,params,seed,status,message,residual,iterations,"
                           "wall_s,version,git_rev,created,params_json,obs FROM results "
                           "ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK) {
        int e = cav_store_fail(s->db, s->path, "export failed", err);
        sqlite3_finalize(st);
        return e;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = format == CAV_FMT_CSV ? open_memstream(&buf, &len) : NULL;
    cJSON *arr = format == CAV_FMT_JSON ? cJSON_CreateArray() : NULL;
    int status = !mem && !arr ? cav_err_set(err, CAV_ENOMEM, "export: out of memory") : CAV_OK;
    if (mem)
        for (int c = 0; c < NCOL; c++)
            fprintf(mem, "%s%s", cols[c], c + 1 < NCOL ? "," : "\n");
    while (!status) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            status = cav_store_fail(s->db, s->path, "export failed after some rows", err);
            break;
        }
        if (mem) {
            csv_row(mem, st);
        } else {
            cJSON *o = json_row(st);
            if (!o)
                status = cav_err_set(err, CAV_ENOMEM, "export: out of memory");
            else
                cJSON_AddItemToArray(arr, o);
        }
    }
    sqlite3_finalize(st);
    if (mem && fclose(mem) != 0 && !status)
        status = cav_err_set(err, CAV_ENOMEM, "export: out of memory");
    if (!status) {
        char *txt = arr ? cJSON_Print(arr) : NULL;
        if (arr && !txt) {
            status = cav_err_set(err, CAV_ENOMEM, "export: out of memory");
        } else if (txt) {
            fputs(txt, f);
            fputc('\n', f);
        } else {
            fwrite(buf, 1, len, f);
        }
        free(txt);
        if (!status && (fflush(f) != 0 || ferror(f)))
            status = cav_err_set(err, CAV_EIO, "export: write error on the output");
    }
    cJSON_Delete(arr);
    free(buf);
    return status;
}
