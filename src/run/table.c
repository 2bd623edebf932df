/* CSV / JSON tables of sweep results (see cavity/run.h, cav_table_write).
 *
 * One row per point (per axis row for models with an axis). Theory rows carry the observables;
 * simulation rows carry, for each observable, the mean over the seeds that completed and its
 * standard error (cav_run_mean), plus the number of seeds used. Numbers are printed in their
 * shortest round-trip form so a table read back gives the exact doubles. */
#include "cavity/run.h"
#include "run/internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rows of point p: the axis length of the first completed result. */
static size_t point_rows(const cav_run *r, size_t p)
{
    for (size_t s = 0; s < r->nseeds; s++) {
        const cav_result *x = cav_run_result(r, p, s);
        if (x->status == CAV_OK) return x->nrows;
    }
    return cav_run_result(r, p, 0)->nrows;
}

static void put_num(FILE *f, double x)
{
    char b[40];
    cav_fmt_double(x, b, sizeof b);
    fputs(b, f);
}

static cJSON *jnum(double x)
{
    return cav_json_num(x);
}

int cav_table_write(FILE *f, int format, const cav_run *const *runs, size_t nruns, cav_err *err)
{
    if (nruns == 0) return CAV_OK;
    const cav_model *m = runs[0]->model;
    int used[CAV_MAX_PARAMS] = {0}, anysim = 0;
    for (size_t k = 0; k < nruns; k++) {
        anysim |= runs[k]->kind == CAV_KIND_SIM;
        for (int i = 0; i < m->nparams; i++) {
            const cav_param_spec *ps = &m->params[i];
            if (!cav_param_used(ps, runs[k]->kind)) continue;
            if (!(ps->flags & CAV_PF_ADDED)) {
                used[i] = 1;
                continue;
            }
            /* a parameter added to a released model: a column only when a row leaves its
             * default (cavity/param.h) */
            for (size_t p = 0; p < runs[k]->npoints && !used[i]; p++) {
                double v[CAV_MAX_PARAMS];
                cav_run_point(runs[k], p, v);
                used[i] = v[i] != ps->def;
            }
        }
    }
    int kindcol = nruns > 1;
    size_t nobs = (size_t)m->nobs;
    cJSON *arr = NULL;
    if (format == CAV_FMT_JSON) {
        arr = cJSON_CreateArray();
        if (!arr) return cav_err_set(err, CAV_ENOMEM, "out of memory");
    } else {
        int c = 0;
        for (int i = 0; i < m->nparams; i++)
            if (used[i]) fprintf(f, "%s%s", c++ ? "," : "", m->params[i].name);
        if (kindcol) fprintf(f, "%skind", c++ ? "," : "");
        for (size_t j = 0; j < nobs; j++) {
            fprintf(f, "%s%s", c++ ? "," : "", m->obs[j].name);
            if (anysim && cav_obs_has_se(m, (int)j)) fprintf(f, ",%s_se", m->obs[j].name);
        }
        if (anysim) fprintf(f, "%sseeds", c++ ? "," : "");
        fprintf(f, "%sstatus,residual,iterations\n", c ? "," : "");
    }
    double mean[CAV_MAX_OBS], se[CAV_MAX_OBS];
    for (size_t k = 0; k < nruns; k++) {
        const cav_run *r = runs[k];
        int sim = r->kind == CAV_KIND_SIM;
        for (size_t p = 0; p < r->npoints; p++) {
            double v[CAV_MAX_PARAMS];
            cav_run_point(r, p, v);
            double resid;
            long iters;
            int st = cav_run_status(r, p, &resid, &iters);
            size_t nrows = point_rows(r, p);
            for (size_t row = 0; row < nrows; row++) {
                size_t kseeds = 1;
                if (sim) {
                    cav_run_mean(r, p, row, mean, se, &kseeds);
                } else {
                    const cav_result *x = cav_run_result(r, p, 0);
                    for (size_t j = 0; j < nobs; j++) {
                        mean[j] = x->rows[row * nobs + j];
                        se[j] = NAN;
                    }
                }
                if (arr) {
                    cJSON *o = cJSON_CreateObject();
                    for (int i = 0; i < m->nparams; i++) {
                        if (!used[i]) continue;
                        const cav_param_spec *ps = &m->params[i];
                        if (!cav_param_used(ps, r->kind))
                            cJSON_AddNullToObject(o, ps->name);
                        else if (ps->kind == CAV_PARAM_CHOICE || ps->kind == CAV_PARAM_TYPE)
                            cJSON_AddStringToObject(o, ps->name, ps->choices[(int)v[i]]);
                        else
                            cJSON_AddItemToObject(o, ps->name, jnum(v[i]));
                    }
                    if (kindcol) cJSON_AddStringToObject(o, "kind", cav_kind_name(r->kind));
                    for (size_t j = 0; j < nobs; j++) {
                        cJSON_AddItemToObject(o, m->obs[j].name, jnum(mean[j]));
                        if (sim && cav_obs_has_se(m, (int)j)) {
                            char nm[160];
                            snprintf(nm, sizeof nm, "%s_se", m->obs[j].name);
                            cJSON_AddItemToObject(o, nm, jnum(se[j]));
                        }
                    }
                    if (sim) cJSON_AddNumberToObject(o, "seeds", (double)kseeds);
                    cJSON_AddStringToObject(o, "status", cav_status_name(st));
                    cJSON_AddItemToObject(o, "residual", jnum(resid));
                    cJSON_AddNumberToObject(o, "iterations", (double)iters);
                    cJSON_AddItemToArray(arr, o);
                    continue;
                }
                int c = 0;
                for (int i = 0; i < m->nparams; i++) {
                    if (!used[i]) continue;
                    if (c++) fputc(',', f);
                    if (!cav_param_used(&m->params[i], r->kind)) continue;
                    char b[64];
                    if (m->params[i].kind == CAV_PARAM_REAL)
                        cav_fmt_double(v[i], b, sizeof b);
                    else
                        cav_param_format(&m->params[i], v[i], b, sizeof b);
                    fputs(b, f);
                }
                if (kindcol) fprintf(f, "%s%s", c++ ? "," : "", cav_kind_name(r->kind));
                for (size_t j = 0; j < nobs; j++) {
                    if (c++) fputc(',', f);
                    put_num(f, mean[j]);
                    if (anysim && cav_obs_has_se(m, (int)j)) {
                        fputc(',', f);
                        if (sim) put_num(f, se[j]);
                    }
                }
                if (anysim) {
                    if (c++) fputc(',', f);
                    if (sim) fprintf(f, "%zu", kseeds);
                }
                fprintf(f, "%s%s,", c ? "," : "", cav_status_name(st));
                put_num(f, resid);
                fprintf(f, ",%ld\n", iters);
            }
        }
    }
    if (arr) {
        char *txt = cJSON_Print(arr);
        cJSON_Delete(arr);
        if (!txt) return cav_err_set(err, CAV_ENOMEM, "out of memory");
        fprintf(f, "%s\n", txt);
        free(txt);
    }
    fflush(f);
    return ferror(f) ? cav_err_set(err, CAV_EIO, "table: write error") : CAV_OK;
}
