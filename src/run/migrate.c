/* Store migration for retired parameters (cavity/model.h, cav_model.retired).
 *
 * When a model drops a parameter that always had one value (the direct `adversarial` model's
 * unused gamma = 1), the canonical keys of its points lose the pair "gamma=1". Rows written by
 * an earlier version still carry it, so they would never be found again. On every read-write
 * open, the rows of such models whose key holds a retired pair are rewritten once to the key
 * the current version computes (the pair dropped from `params` and from `params_json`), in one
 * transaction. A row whose new key is already taken by a newer computation is left as it was
 * (it can no longer be found, and costs nothing). The rewrite is idempotent, so no schema
 * version is needed, and an older cavity reading a migrated store simply recomputes those
 * points. */
#include "cavity/model.h"
#include "run/internal.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* key without its retired pairs into out; returns 1 if anything was dropped. */
static int strip_key(const char *retired, const char *key, char *out, size_t len)
{
    size_t k = 0;
    int dropped = 0;
    out[0] = '\0';
    for (const char *c = key; *c;) {
        const char *e = strchr(c, ',');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if (cav_list_has(retired, c, n)) {
            dropped = 1;
        } else if (k + n + 2 < len) {
            if (k) out[k++] = ',';
            memcpy(out + k, c, n);
            k += n;
            out[k] = '\0';
        }
        c = e ? e + 1 : c + n;
    }
    return dropped;
}

/* params_json without the retired names. */
static char *strip_json(const char *retired, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    if (!o) return NULL;
    for (const char *c = retired; c && *c;) {
        const char *e = strchr(c, ','), *eq = strchr(c, '=');
        size_t k = e ? (size_t)(e - c) : strlen(c);
        if (eq && eq < c + k) {
            char name[128];
            size_t nl = (size_t)(eq - c) < sizeof name - 1 ? (size_t)(eq - c) : sizeof name - 1;
            memcpy(name, c, nl);
            name[nl] = '\0';
            cJSON_DeleteItemFromObjectCaseSensitive(o, name);
        }
        c = e ? e + 1 : c + k;
    }
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return txt;
}

static int migrate_model(sqlite3 *db, const cav_model *m, const char *path, cav_err *err)
{
    sqlite3_stmt *sel = NULL, *upd = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT id, params, params_json FROM results WHERE model=?", -1,
                                &sel, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "UPDATE OR IGNORE results SET params=?, params_json=? "
                                "WHERE id=?",
                                -1, &upd, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(sel, 1, m->name, -1, SQLITE_STATIC);
    while (rc == SQLITE_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        const char *key = (const char *)sqlite3_column_text(sel, 1);
        const char *pj = (const char *)sqlite3_column_text(sel, 2);
        char nk[CAV_KEY_LEN];
        if (!key || !pj || !strip_key(m->retired, key, nk, sizeof nk)) continue;
        char *nj = strip_json(m->retired, pj);
        if (!nj) continue; /* a malformed row is reported when it is read */
        sqlite3_reset(upd);
        rc = sqlite3_bind_text(upd, 1, nk, -1, SQLITE_TRANSIENT);
        if (rc == SQLITE_OK) rc = sqlite3_bind_text(upd, 2, nj, -1, SQLITE_TRANSIENT);
        if (rc == SQLITE_OK) rc = sqlite3_bind_int64(upd, 3, sqlite3_column_int64(sel, 0));
        if (rc == SQLITE_OK) rc = sqlite3_step(upd) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        cJSON_free(nj);
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
    int s = rc == SQLITE_OK ? CAV_OK
                            : cav_err_set(err, CAV_EIO, "store %s: migrating %s keys: %s", path,
                                          m->name, sqlite3_errmsg(db));
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return s;
}

int cav_store_migrate_retired(sqlite3 *db, const char *path, cav_err *err)
{
    int any = 0;
    for (const cav_model *const *m = cav_model_registry(); *m; m++)
        any |= (*m)->retired != NULL;
    if (!any) return CAV_OK;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return cav_err_set(err, CAV_EIO, "store %s: migrating keys: %s", path, sqlite3_errmsg(db));
    int s = CAV_OK;
    for (const cav_model *const *m = cav_model_registry(); *m && !s; m++)
        if ((*m)->retired) s = migrate_model(db, *m, path, err);
    if (sqlite3_exec(db, s ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) != SQLITE_OK && !s)
        s = cav_err_set(err, CAV_EIO, "store %s: migrating keys: %s", path, sqlite3_errmsg(db));
    return s;
}
