/* Registry conformance: every registered model goes through the same checks, so a new model is
 * covered as soon as it is listed in src/models/registry.c (docs/adding-a-model.md).
 *   - the tables: sizes within limits, observable offsets equal to their columns, every field's
 *     default inside its own range and every choice resolvable;
 *   - every bound refused just outside (and NaN), every unknown choice refused;
 *   - the defaults pass the model's own checks for theory and simulation;
 *   - a default theory point and a tiny simulation (sizes shrunk, see shrink()) run and give
 *     finite observables with status ok;
 *   - named quantities at the defaults, and the compare defaults name real parameters and
 *     observables and parse as grids. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/model.h"
#include "cavity/run.h"

static void report(const cav_model *m, const char *what, const char *msg)
{
    fprintf(stderr, "model %s: %s: %s\n", m->name, what, msg);
}

static void test_tables(void **state)
{
    (void)state;
    for (const cav_model *const *mp = cav_model_registry(); *mp; mp++) {
        const cav_model *m = *mp;
        assert_non_null(m->name);
        assert_non_null(m->paper);
        assert_true(m->size > 0 && m->size <= CAV_MODEL_MAX_SIZE);
        assert_true(m->nparams > 0 && m->nparams <= CAV_MAX_PARAMS);
        assert_true(m->nobs > 0 && m->nobs <= CAV_MAX_OBS);
        assert_true(m->theory || m->simulate);
        for (int j = 0; j < m->nobs; j++) {
            if (m->obs[j].offset != (size_t)j * sizeof(double))
                report(m, "observable offset", m->obs[j].name);
            assert_int_equal(m->obs[j].offset, (size_t)j * sizeof(double));
            for (int k = 0; k < j; k++)
                assert_string_not_equal(m->obs[j].name, m->obs[k].name);
        }
        if (m->axis) assert_string_equal(m->axis, m->obs[0].name);
        for (int i = 0; i < m->nparams; i++) {
            const cav_param_spec *p = &m->params[i];
            cav_err e = {0};
            assert_true(p->offset < m->size);
            for (int k = 0; k < i; k++)
                assert_string_not_equal(p->name, m->params[k].name);
            if (cav_param_check(p, p->def, &e)) report(m, "default out of range", e.msg);
            assert_int_equal(cav_param_check(p, p->def, &e), CAV_OK);
            if (p->kind == CAV_PARAM_CHOICE || p->kind == CAV_PARAM_TYPE) {
                assert_non_null(p->choices);
                unsigned char buf[CAV_MODEL_MAX_SIZE] = {0};
                for (int c = 0; p->choices[c]; c++) {
                    if (p->kind == CAV_PARAM_TYPE) assert_non_null(p->find(p->choices[c]));
                    assert_int_equal(cav_param_put(p, buf, c), CAV_OK);
                    assert_true(cav_param_get(p, buf) == c);
                }
            }
        }
    }
}

static void test_bounds(void **state)
{
    (void)state;
    for (const cav_model *const *mp = cav_model_registry(); *mp; mp++) {
        const cav_model *m = *mp;
        for (int i = 0; i < m->nparams; i++) {
            const cav_param_spec *p = &m->params[i];
            cav_err e = {0};
            double x;
            if (p->kind == CAV_PARAM_CHOICE || p->kind == CAV_PARAM_TYPE) {
                int n = 0;
                while (p->choices[n])
                    n++;
                assert_int_equal(cav_param_check(p, n, &e), CAV_EINVAL);
                assert_int_equal(cav_param_parse(p, "no-such-choice", &x, &e), CAV_EINVAL);
                assert_non_null(strstr(e.msg, p->name));
                continue;
            }
            double step = p->kind == CAV_PARAM_INT ? 1 : 0;
            if (isfinite(p->lo)) {
                double below = (p->flags & CAV_PF_LO_OPEN)
                                   ? p->lo
                                   : (step ? p->lo - step : nextafter(p->lo, -INFINITY));
                assert_int_equal(cav_param_check(p, below, &e), CAV_EINVAL);
                assert_non_null(strstr(e.msg, p->name));
                assert_non_null(strstr(e.msg, "allowed"));
            }
            if (isfinite(p->hi)) {
                double above = (p->flags & CAV_PF_HI_OPEN)
                                   ? p->hi
                                   : (step ? p->hi + step : nextafter(p->hi, INFINITY));
                assert_int_equal(cav_param_check(p, above, &e), CAV_EINVAL);
            }
            assert_int_equal(cav_param_parse(p, "nan", &x, &e), CAV_EINVAL);
            assert_int_equal(cav_param_parse(p, " 1", &x, &e), CAV_EINVAL);
            assert_int_equal(cav_param_parse(p, "1 ", &x, &e), CAV_EINVAL);
            if (p->kind == CAV_PARAM_INT && p->hi - p->lo >= 1) {
                double mid = p->lo + (isfinite(p->hi) ? 0.5 : 1.5);
                if (mid != floor(mid)) assert_int_equal(cav_param_check(p, mid, &e), CAV_EINVAL);
            }
        }
    }
}

/* Shrink size fields of a default point so that every model runs in well under a second:
 * the field's value becomes min(default, target), and at least its lower bound. */
static void shrink(const cav_model *m, double *v)
{
    static const struct {
        const char *name;
        double target;
    } sizes[] = {{"d", 40},
                 {"n", 60},
                 {"ntest", 200},
                 {"steps", 10},
                 {"ntraj", 512},
                 {"epochs", 5},
                 {"iters", 10},
                 {"width", 16},
                 {"p", 16},
                 {"nsamples", 500},
                 {"epochs_teacher", 5},
                 {"epochs_student", 5},
                 {"p1", 16},
                 {"p2", 8},
                 {"t1", 3},
                 {"t_joint", 3}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        int i = cav_model_param_index(m, sizes[k].name);
        if (i < 0) continue;
        const cav_param_spec *p = &m->params[i];
        double x = fmin(v[i], sizes[k].target);
        if (x < p->lo || ((p->flags & CAV_PF_LO_OPEN) && x <= p->lo)) x = v[i];
        v[i] = x;
    }
}

static void expect_finite(const cav_model *m, const cav_result *r, const char *what)
{
    if (r->status != CAV_OK) report(m, what, r->msg);
    assert_int_equal(r->status, CAV_OK);
    int finite = 0;
    for (size_t row = 0; row < r->nrows; row++)
        for (size_t j = 0; j < r->nobs; j++)
            finite += isfinite(r->rows[row * r->nobs + j]) != 0;
    assert_true(finite > 0);
}

static void test_default_points(void **state)
{
    (void)state;
    for (const cav_model *const *mp = cav_model_registry(); *mp; mp++) {
        const cav_model *m = *mp;
        double v[CAV_MAX_PARAMS];
        cav_model_default_coords(m, v);
        shrink(m, v);
        cav_err e = {0};
        for (int kind = CAV_KIND_THEORY; kind <= CAV_KIND_SIM; kind++) {
            int st = cav_model_check(m, kind, v, &e);
            if (st) report(m, cav_kind_name(kind), e.msg);
            assert_int_equal(st, CAV_OK);
        }
        if (m->theory) {
            cav_result r;
            cav_result_init(&r, (size_t)m->nobs);
            double warm[64];
            assert_true(m->nwarm <= 64);
            cav_model_theory(m, v, NULL, m->nwarm ? warm : NULL, &r);
            expect_finite(m, &r, "default theory point");
            cav_result_release(&r);
        }
        if (m->simulate) {
            cav_result r;
            cav_result_init(&r, (size_t)m->nobs);
            cav_model_simulate(m, v, 1, &r);
            expect_finite(m, &r, "tiny simulation");
            cav_result_release(&r);
        }
        /* A library user gets the same defaults from the typed struct. */
        unsigned char par[CAV_MODEL_MAX_SIZE];
        double back[CAV_MAX_PARAMS];
        assert_int_equal(cav_model_defaults(m, par), CAV_OK);
        cav_params_get(m->params, m->nparams, par, back);
        double def[CAV_MAX_PARAMS];
        cav_model_default_coords(m, def);
        for (int i = 0; i < m->nparams; i++)
            assert_true(back[i] == def[i]);
    }
}

static void test_quantities_and_compare(void **state)
{
    (void)state;
    for (const cav_model *const *mp = cav_model_registry(); *mp; mp++) {
        const cav_model *m = *mp;
        double v[CAV_MAX_PARAMS];
        cav_model_default_coords(m, v);
        for (int q = 0; q < m->nquantities; q++) {
            const cav_model_quantity *Q = &m->quantities[q];
            assert_true(cav_model_quantity_noutputs(Q) <= CAV_MAX_QUANTITY_OUTPUTS);
            double out[CAV_MAX_QUANTITY_OUTPUTS];
            cav_err e = {0};
            int st = cav_model_quantity_compute(m, Q, v, out, &e);
            if (st) report(m, Q->name, e.msg);
            assert_int_equal(st, CAV_OK);
            for (int k = 0; k < m->nparams; k++)
                if (cav_model_quantity_uses(Q, m->params[k].name))
                    assert_true(cav_param_used(&m->params[k], CAV_KIND_THEORY));
        }
        if (!m->compare_x) continue;
        assert_true(cav_model_param_index(m, m->compare_x) >= 0 ||
                    (m->axis && !strcmp(m->axis, m->compare_x)));
        if (m->compare_by) assert_true(cav_model_param_index(m, m->compare_by) >= 0);
        char ys[512];
        snprintf(ys, sizeof ys, "%s", m->compare_y ? m->compare_y : "");
        char *save = NULL;
        for (char *y = strtok_r(ys, ",", &save); y; y = strtok_r(NULL, ",", &save))
            assert_true(cav_model_obs_index(m, y) >= 0);
        cav_grid g;
        cav_err e = {0};
        assert_int_equal(cav_grid_init(&g, m, &e), CAV_OK);
        char set[1024];
        snprintf(set, sizeof set, "%s", m->compare_set ? m->compare_set : "");
        for (char *a = strtok_r(set, ";", &save); a; a = strtok_r(NULL, ";", &save)) {
            char *eq = strchr(a, '=');
            assert_non_null(eq);
            *eq = '\0';
            if (!strcmp(a, "seeds")) continue;
            int st = cav_grid_set(&g, a, eq + 1, &e);
            if (st) report(m, "compare_set", e.msg);
            assert_int_equal(st, CAV_OK);
        }
        if (m->compare_theory)
            assert_int_equal(cav_grid_set(&g, m->compare_x, m->compare_theory, &e), CAV_OK);
        if (m->compare_sim)
            assert_int_equal(cav_grid_set(&g, m->compare_x, m->compare_sim, &e), CAV_OK);
        cav_grid_free(&g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_default_points),
        cmocka_unit_test(test_quantities_and_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
