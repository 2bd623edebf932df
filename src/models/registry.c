/* The model registry and the generic model helpers (see cavity/model.h).
 * To add a model: define its cav_model table in src/models/<name>.c and list it below
 * (docs/adding-a-model.md). */
#include "cavity/model.h"

#include <math.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

extern const cav_model cav_model_raf;
extern const cav_model cav_model_dmft_gd, cav_model_amp_wigner;
extern const cav_model cav_model_adversarial, cav_model_adversarial_latent;
extern const cav_model cav_model_quadnet, cav_model_msense;
extern const cav_model cav_model_distillation, cav_model_depth;
extern const cav_model cav_model_rbm, cav_model_attention;
extern const cav_model cav_model_autoencoder, cav_model_autoencoder_flow;
extern const cav_model cav_model_rbm_gd;

static const cav_model *const registry[] = {&cav_model_raf,
                                            &cav_model_dmft_gd,
                                            &cav_model_amp_wigner,
                                            &cav_model_adversarial,
                                            &cav_model_adversarial_latent,
                                            &cav_model_quadnet,
                                            &cav_model_msense,
                                            &cav_model_distillation,
                                            &cav_model_depth,
                                            &cav_model_rbm,
                                            &cav_model_attention,
                                            &cav_model_autoencoder,
                                            &cav_model_autoencoder_flow,
                                            &cav_model_rbm_gd,
                                            NULL};

const cav_model *const *cav_model_registry(void)
{
    return registry;
}

const cav_model *cav_model_find(const char *name)
{
    for (const cav_model *const *m = registry; name && *m; m++)
        if (strcmp((*m)->name, name) == 0) return *m;
    return NULL;
}

static char names_buf[1024];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void names_build(void)
{
    size_t k = 0;
    for (const cav_model *const *m = registry; *m && k < sizeof names_buf; m++)
        k += (size_t)snprintf(names_buf + k, sizeof names_buf - k, "%s%s", k ? ", " : "",
                              (*m)->name);
}

const char *cav_model_names(void)
{
    pthread_once(&names_once, names_build); /* written once, read-only afterwards */
    return names_buf;
}

int cav_model_param_index(const cav_model *m, const char *name)
{
    return cav_params_index(m->params, m->nparams, name);
}

int cav_model_param_find(const cav_model *m, const char *name, cav_err *err)
{
    int i = cav_model_param_index(m, name);
    if (i >= 0) return i;
    char names[1024], shown[160];
    size_t k = 0;
    names[0] = '\0';
    for (int j = 0; j < m->nparams && k < sizeof names; j++)
        k +=
            (size_t)snprintf(names + k, sizeof names - k, "%s%s", j ? ", " : "", m->params[j].name);
    cav_text_escape(name ? name : "", shown, sizeof shown);
    cav_err_set(err, CAV_EINVAL, "unknown parameter '%s' of model %s; parameters: %s", shown,
                m->name, names);
    return -1;
}

int cav_model_obs_index(const cav_model *m, const char *name)
{
    for (int i = 0; name && i < m->nobs; i++)
        if (strcmp(m->obs[i].name, name) == 0) return i;
    return -1;
}

int cav_obs_has_se(const cav_model *m, int j)
{
    if (m->axis && j == 0) return 0;
    return !(m->obs[j].flags & CAV_OF_EXACT);
}

const cav_model_quantity *cav_model_quantity_find(const cav_model *m, const char *name)
{
    for (int i = 0; name && i < m->nquantities; i++)
        if (strcmp(m->quantities[i].name, name) == 0) return &m->quantities[i];
    return NULL;
}

int cav_model_quantity_noutputs(const cav_model_quantity *q)
{
    int n = 1;
    for (const char *c = q->outputs; *c; c++)
        n += *c == ',';
    return n;
}

int cav_model_quantity_uses(const cav_model_quantity *q, const char *name)
{
    return name && cav_list_has(q->uses, name, strlen(name));
}

int cav_model_defaults(const cav_model *m, void *par)
{
    memset(par, 0, m->size);
    return cav_params_defaults(m->params, m->nparams, par);
}

int cav_model_point(const cav_model *m, const double *v, void *par)
{
    memset(par, 0, m->size);
    return cav_params_put(m->params, m->nparams, v, par);
}

void cav_model_default_coords(const cav_model *m, double *v)
{
    cav_params_default_coords(m->params, m->nparams, v);
}

/* Storage for one parameter struct on the stack. */
typedef struct {
    alignas(max_align_t) unsigned char b[CAV_MODEL_MAX_SIZE];
} par_buf;

static int build(const cav_model *m, const double *v, par_buf *p, cav_err *err)
{
    if (m->size > sizeof p->b)
        return cav_err_set(err, CAV_EINVAL, "model %s: parameter struct of %zu bytes > %d", m->name,
                           m->size, CAV_MODEL_MAX_SIZE);
    if (cav_model_point(m, v, p->b))
        return cav_err_set(err, CAV_EINVAL, "model %s: a choice names no registered type", m->name);
    return CAV_OK;
}

int cav_model_check(const cav_model *m, int kind, const double *v, cav_err *err)
{
    for (int i = 0; i < m->nparams; i++) {
        if (!cav_param_used(&m->params[i], kind)) continue;
        int s = cav_param_check(&m->params[i], v[i], err);
        if (s) return s;
    }
    par_buf p;
    int s = build(m, v, &p, err);
    if (s) return s;
    return m->check ? m->check(p.b, kind, err) : CAV_OK;
}

int cav_model_theory(const cav_model *m, const double *v, const double *warm_in, double *warm_out,
                     cav_result *res)
{
    cav_err err = {0};
    par_buf p;
    if (!m->theory) return cav_result_fail(res, CAV_EUNSUP, "model %s has no theory", m->name);
    if (build(m, v, &p, &err)) return cav_result_fail(res, CAV_EINVAL, "%s", err.msg);
    return m->theory(p.b, warm_in, warm_out, res);
}

int cav_model_simulate(const cav_model *m, const double *v, uint64_t seed, cav_result *res)
{
    cav_err err = {0};
    par_buf p;
    if (!m->simulate)
        return cav_result_fail(res, CAV_EUNSUP, "model %s has no simulation", m->name);
    if (build(m, v, &p, &err)) return cav_result_fail(res, CAV_EINVAL, "%s", err.msg);
    return m->simulate(p.b, seed, res);
}

int cav_model_quantity_compute(const cav_model *m, const cav_model_quantity *q, const double *v,
                               double *values, cav_err *err)
{
    par_buf p;
    int s = build(m, v, &p, err);
    return s ? s : q->compute(p.b, values, err);
}

double cav_model_memory(const cav_model *m, int kind, const double *v)
{
    par_buf p;
    if (!m->memory || build(m, v, &p, NULL)) return 0;
    return m->memory(p.b, kind);
}
