/* Shared by the model tests that drive a registered model through its tables: set a parameter
 * coordinate from text (as the command line would) and read an observable of a result row. */
#ifndef CAVITY_TESTS_MODELTEST_H
#define CAVITY_TESTS_MODELTEST_H

#include "cavity/model.h"
#include "cavity/result.h"

static inline void mt_set(const cav_model *m, double *v, const char *name, const char *text)
{
    int i = cav_model_param_index(m, name);
    assert_true(i >= 0);
    cav_err e = {0};
    assert_int_equal(cav_param_parse(&m->params[i], text, &v[i], &e), CAV_OK);
}

static inline double mt_obs(const cav_model *m, const cav_result *r, const char *name)
{
    int j = cav_model_obs_index(m, name);
    assert_true(j >= 0);
    return r->rows[j];
}

#endif
