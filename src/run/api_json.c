/* The registry in JSON for bindings (cavity/api.h: cav_api_models, cav_api_help): everything a
 * binding shows or checks about a model, read from its cav_model table. */
#include "cavity/api.h"
#include "cavity/model.h"
#include "run/api_internal.h"
#include "run/internal.h"
#include "run/sweep.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A string item, null for NULL. */
static cJSON *jstr(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* A comma-separated list as an array of strings (empty array for NULL or ""). */
static cJSON *jlist(const char *csv)
{
    cJSON *a = cJSON_CreateArray();
    for (const char *c = csv; a && c && *c;) {
        const char *e = strchr(c, ',');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        char buf[256];
        snprintf(buf, sizeof buf, "%.*s", (int)(n < sizeof buf ? n : sizeof buf - 1), c);
        cJSON_AddItemToArray(a, cJSON_CreateString(buf));
        c = e ? e + 1 : c + n;
    }
    return a;
}

/* Finish: print o into a's text, or fail for lack of memory. */
static int finish(cav_api *a, cJSON *o)
{
    char *txt = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!txt) {
        cav_err err = {0};
        cav_err_set(&err, CAV_ENOMEM, "out of memory for a JSON description");
        return cav_api_fail(a, &err, CAV_ENOMEM);
    }
    /* cJSON allocates with malloc unless told otherwise (cJSON_InitHooks is never called). */
    cav_api_set_text(a, txt);
    return CAV_OK;
}

int cav_api_models(cav_api *a)
{
    cav_api_reset(a);
    cJSON *arr = cJSON_CreateArray();
    for (const cav_model *const *m = cav_model_registry(); arr && *m; m++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "name", jstr((*m)->name));
        cJSON_AddItemToObject(o, "summary", jstr((*m)->summary));
        cJSON_AddItemToObject(o, "paper", jstr((*m)->paper));
        cJSON_AddItemToArray(arr, o);
    }
    return finish(a, arr);
}

static cJSON *param_json(const cav_param_spec *p)
{
    cJSON *o = cJSON_CreateObject();
    char buf[512];
    cJSON_AddStringToObject(o, "name", p->name);
    int choice = p->kind == CAV_PARAM_CHOICE || p->kind == CAV_PARAM_TYPE;
    cJSON_AddStringToObject(o, "kind",
                            p->kind == CAV_PARAM_REAL  ? "real"
                            : p->kind == CAV_PARAM_INT ? "integer"
                                                       : "choice");
    if (choice) {
        cav_param_format(p, p->def, buf, sizeof buf);
        cJSON_AddStringToObject(o, "default", buf);
        cJSON *c = cJSON_CreateArray();
        for (int i = 0; p->choices && p->choices[i]; i++)
            cJSON_AddItemToArray(c, cJSON_CreateString(p->choices[i]));
        cJSON_AddItemToObject(o, "choices", c);
        cJSON_AddNullToObject(o, "lo");
        cJSON_AddNullToObject(o, "hi");
    } else {
        cJSON_AddItemToObject(o, "default", cav_json_num(p->def));
        cJSON_AddNullToObject(o, "choices");
        cJSON_AddItemToObject(o, "lo", cav_json_num(p->lo));
        cJSON_AddItemToObject(o, "hi", cav_json_num(p->hi));
    }
    cJSON_AddBoolToObject(o, "lo_open", !choice && (p->flags & CAV_PF_LO_OPEN));
    cJSON_AddBoolToObject(o, "hi_open", !choice && (p->flags & CAV_PF_HI_OPEN));
    cav_param_range(p, buf, sizeof buf);
    cJSON_AddStringToObject(o, "range", buf);
    cJSON_AddItemToObject(o, "only",
                          jstr(p->flags & CAV_PF_SIM      ? "simulation"
                               : p->flags & CAV_PF_THEORY ? "theory"
                                                          : NULL));
    cJSON_AddItemToObject(o, "help", jstr(p->help));
    return o;
}

/* The usage text of `cavity help MODEL`. */
static char *usage_text(const cav_model *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    cav_sweep_model_help(f, m);
    if (fclose(f)) {
        free(buf);
        return NULL;
    }
    return buf;
}

int cav_api_help(cav_api *a, const char *model)
{
    cav_api_reset(a);
    cav_err err = {0};
    const cav_model *m = cav_sweep_model(model, &err);
    if (!m) return cav_api_fail(a, &err, CAV_EINVAL);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "name", jstr(m->name));
    cJSON_AddItemToObject(o, "summary", jstr(m->summary));
    cJSON_AddItemToObject(o, "paper", jstr(m->paper));
    cJSON *ps = cJSON_CreateArray();
    for (int i = 0; i < m->nparams; i++)
        cJSON_AddItemToArray(ps, param_json(&m->params[i]));
    cJSON_AddItemToObject(o, "params", ps);
    cJSON *obs = cJSON_CreateArray();
    for (int j = 0; j < m->nobs; j++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddItemToObject(x, "name", jstr(m->obs[j].name));
        cJSON_AddItemToObject(x, "help", jstr(m->obs[j].help));
        cJSON_AddBoolToObject(x, "se", cav_obs_has_se(m, j));
        cJSON_AddItemToArray(obs, x);
    }
    cJSON_AddItemToObject(o, "observables", obs);
    cJSON_AddItemToObject(o, "axis", jstr(m->axis));
    cJSON *qs = cJSON_CreateArray();
    for (int j = 0; j < m->nquantities; j++) {
        const cav_model_quantity *q = &m->quantities[j];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddItemToObject(x, "name", jstr(q->name));
        cJSON_AddItemToObject(x, "help", jstr(q->help));
        cJSON_AddItemToObject(x, "outputs", jlist(q->outputs));
        cJSON_AddItemToObject(x, "uses", jlist(q->uses));
        cJSON_AddItemToArray(qs, x);
    }
    cJSON_AddItemToObject(o, "quantities", qs);
    cJSON_AddBoolToObject(o, "theory", m->theory != NULL);
    cJSON_AddBoolToObject(o, "simulate", m->simulate != NULL);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddItemToObject(c, "x", jstr(m->compare_x));
    cJSON_AddItemToObject(c, "theory_grid", jstr(m->compare_theory));
    cJSON_AddItemToObject(c, "sim_grid", jstr(m->compare_sim));
    cJSON_AddItemToObject(c, "y", jstr(m->compare_y));
    cJSON_AddItemToObject(c, "by", jstr(m->compare_by));
    cJSON_AddItemToObject(c, "set", jstr(m->compare_set));
    cJSON_AddItemToObject(c, "heat", jstr(m->compare_heat));
    cJSON_AddItemToObject(c, "marks", jstr(m->compare_marks));
    cJSON_AddItemToObject(o, "compare", c);
    char *text = usage_text(m);
    cJSON_AddItemToObject(o, "text", jstr(text));
    free(text);
    return finish(a, o);
}
