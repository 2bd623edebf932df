/* The binding API (cavity/api.h) from C, as a binding uses it: the registry in JSON, a sweep's
 * table equal to the runner's own table of the same grid, option and parameter refusals with the
 * planner's messages, arrays of values, quantities, stored results, cancellation from another
 * thread, and objects reused across calls (the sanitizer run checks that nothing leaks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cavity/api.h"
#include "run_helpers.h"

static int sweep(cav_api *a, const char *cmd, const char *model, int n, const char **names,
                 const char **texts)
{
    return cav_api_sweep(a, cmd, model, n, names, texts, NULL, NULL, CAV_FMT_CSV);
}

static void test_registry_json(void **state)
{
    (void)state;
    cav_api *a = cav_api_new();
    assert_int_equal(cav_api_models(a), CAV_OK);
    cJSON *m = cJSON_Parse(cav_api_text(a));
    assert_non_null(m);
    int n = cJSON_GetArraySize(m), k = 0;
    for (const cav_model *const *r = cav_model_registry(); *r; r++, k++) {
        cJSON *name = cJSON_GetObjectItem(cJSON_GetArrayItem(m, k), "name");
        assert_non_null(name);
        assert_string_equal(name->valuestring, (*r)->name);
    }
    assert_int_equal(n, k);
    cJSON_Delete(m);
    assert_int_equal(cav_api_help(a, "raf"), CAV_OK);
    cJSON *h = cJSON_Parse(cav_api_text(a));
    assert_non_null(h);
    cJSON *alpha = cJSON_GetArrayItem(cJSON_GetObjectItem(h, "params"), 2);
    assert_string_equal(cJSON_GetObjectItem(alpha, "name")->valuestring, "alpha");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(alpha, "lo_open")));
    assert_string_equal(cJSON_GetObjectItem(alpha, "range")->valuestring, "(0, 1e+06]");
    assert_non_null(strstr(cJSON_GetObjectItem(h, "text")->valuestring, "--alpha"));
    cJSON_Delete(h);
    assert_int_equal(cav_api_help(a, "nope"), CAV_EINVAL);
    assert_non_null(strstr(cav_api_message(a), "unknown model 'nope'; models: raf"));
    assert_string_equal(cav_api_text(a), "");
    cav_api_free(a);
    cav_api_free(NULL);
}

static void test_sweep_equals_runner(void **state)
{
    (void)state;
    cav_api *a = cav_api_new();
    const char *names[] = {"alpha", "learner", "jobs"},
               *texts[] = {"0.5:2:4", "linear,kernel", "2"};
    assert_int_equal(sweep(a, "theory", "raf", 3, names, texts), CAV_OK);
    assert_int_equal(cav_api_total(a), 8);
    assert_int_equal(cav_api_failed(a), 0);
    assert_string_equal(cav_api_message(a), "");
    const cav_model *m = cav_model_find("raf");
    cav_grid g;
    cav_err err = {0};
    assert_int_equal(cav_grid_init(&g, m, &err), CAV_OK);
    assert_int_equal(cav_grid_set(&g, "alpha", "0.5:2:4", &err), CAV_OK);
    assert_int_equal(cav_grid_set(&g, "learner", "linear,kernel", &err), CAV_OK);
    char *t = run_table(&g, CAV_KIND_THEORY, 1, NULL, 1, NULL);
    assert_string_equal(cav_api_text(a), t);
    free(t);
    /* The same object again, JSON this time. */
    assert_int_equal(cav_api_sweep(a, "theory", "raf", 3, names, texts, NULL, NULL, CAV_FMT_JSON),
                     CAV_OK);
    cJSON *j = cJSON_Parse(cav_api_text(a));
    assert_int_equal(cJSON_GetArraySize(j), 8);
    cJSON_Delete(j);
    cav_grid_free(&g);
    cav_api_free(a);
}

static void test_refusals(void **state)
{
    (void)state;
    cav_api *a = cav_api_new();
    struct {
        const char *cmd, *name, *text, *needle;
    } cases[] = {
        {"theory", "alpha", "-1", "alpha = -1 is out of range; allowed (0, 1e+06]"},
        {"theory", "d", "100", "--d: used only by simulation, not a theory parameter"},
        {"theory", "jobs", "0", "--jobs: '0' is not an integer in [1, 1024]"},
        {"theory", "seeds", "2", "--seeds is not an option of `cavity theory`"},
        {"simulate", "seeds", "2.5", "--seeds: '2.5' is not an integer in [1, 1000000]"},
        {"theory", "max-memory", "x", "--max-memory: 'x' is not a number of GB"},
        {"theory", "recompute", "yes", "--recompute: 'yes' is not 0 or 1"},
        {"compare", "y", "nope", "--y: unknown observable 'nope' of model raf"},
        {"theory", "beta", "1", "unknown parameter 'beta' of model raf"},
        {"theory", "store", "/nonexistent-dir/x.db", "nonexistent-dir"},
        {"frobnicate", "alpha", "1", "unknown command 'frobnicate'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *n[] = {cases[i].name}, *t[] = {cases[i].text};
        assert_int_equal(sweep(a, cases[i].cmd, "raf", 1, n, t), CAV_EINVAL);
        if (!strstr(cav_api_message(a), cases[i].needle))
            fail_msg("case %zu: '%s' lacks '%s'", i, cav_api_message(a), cases[i].needle);
        assert_string_equal(cav_api_text(a), "");
    }
    const char *n[] = {"alpha"}, *t[] = {NULL};
    assert_int_equal(sweep(a, "theory", "raf", 1, n, t), CAV_EINVAL);
    assert_string_equal(cav_api_message(a), "--alpha needs a value");
    assert_int_equal(sweep(a, "theory", "raf", 1, NULL, NULL), CAV_EINVAL);
    assert_int_equal(sweep(a, "theory", NULL, 0, NULL, NULL), CAV_EINVAL);
    assert_non_null(strstr(cav_api_message(a), "missing MODEL"));
    cav_api_free(a);
}

static void test_values(void **state)
{
    (void)state;
    cav_api *a = cav_api_new();
    double v[300];
    for (int i = 0; i < 300; i++)
        v[i] = 0.1 + 0.01 * i;
    const char *names[] = {"alpha"}, *texts[] = {NULL};
    const double *values[] = {v};
    size_t counts[] = {300};
    assert_int_equal(
        cav_api_sweep(a, "theory", "raf", 1, names, texts, values, counts, CAV_FMT_CSV), CAV_OK);
    assert_int_equal(cav_api_total(a), 300);
    v[7] = -1;
    assert_int_equal(
        cav_api_sweep(a, "theory", "raf", 1, names, texts, values, counts, CAV_FMT_CSV),
        CAV_EINVAL);
    assert_string_equal(cav_api_message(a), "alpha = -1 is out of range; allowed (0, 1e+06]");
    v[7] = v[8];
    assert_int_equal(
        cav_api_sweep(a, "theory", "raf", 1, names, texts, values, counts, CAV_FMT_CSV),
        CAV_EINVAL);
    assert_non_null(strstr(cav_api_message(a), "appears twice"));
    cav_api_free(a);
}

static void test_quantity_and_load(void **state)
{
    (void)state;
    cav_api *a = cav_api_new();
    const char *qn[] = {"eps"}, *qt[] = {"0.1,1"};
    assert_int_equal(cav_api_quantity(a, "threshold", "raf", 1, qn, qt), CAV_OK);
    const char *q = cav_api_text(a);
    assert_true(!strncmp(q, "eps,alpha_c,status\n0.1,", strlen("eps,alpha_c,status\n0.1,")));
    const char *at1 = strstr(q, "\n1,");
    assert_non_null(at1);
    assert_true(fabs(strtod(at1 + 3, NULL) - 2) < 1e-12); /* Cover: alpha_c(eps = 1) = 2 */
    const char *bn[] = {"alpha"}, *bt[] = {"1"};
    assert_int_equal(cav_api_quantity(a, "threshold", "raf", 1, bn, bt), CAV_EINVAL);
    assert_non_null(
        strstr(cav_api_message(a), "--alpha: not a parameter of `cavity threshold raf`"));

    const char *db = "test_api.db";
    rm_store(db);
    const char *names[] = {"alpha", "store"}, *texts[] = {"2,0.5,1", db};
    assert_int_equal(sweep(a, "theory", "raf", 2, names, texts), CAV_OK);
    assert_int_equal(cav_api_stored(a), 0);
    assert_int_equal(sweep(a, "theory", "raf", 2, names, texts), CAV_OK);
    assert_int_equal(cav_api_stored(a), 3); /* resumed: nothing computed again */
    assert_int_equal(cav_api_load(a, db, "raf", "theory", 0, NULL, CAV_FMT_CSV), CAV_OK);
    const char *t = cav_api_text(a);
    assert_int_equal(cav_api_total(a), 3);
    /* Rows in the order of their values. */
    const char *r05 = strstr(t, "\nlinear,square,0.5,"), *r1 = strstr(t, "\nlinear,square,1,"),
               *r2 = strstr(t, "\nlinear,square,2,");
    assert_true(r05 && r1 && r2 && r05 < r1 && r1 < r2);
    const char *where[] = {"alpha=1"};
    assert_int_equal(cav_api_load(a, db, "raf", NULL, 1, where, CAV_FMT_CSV), CAV_OK);
    assert_int_equal(cav_api_total(a), 1);
    assert_int_equal(cav_api_load(a, db, "raf", "both", 0, NULL, CAV_FMT_CSV), CAV_EINVAL);
    assert_int_equal(cav_api_load(a, "no-such.db", "raf", NULL, 0, NULL, CAV_FMT_CSV), CAV_EINVAL);
    rm_store(db);
    cav_api_free(a);
}

static void *cancel_soon(void *arg)
{
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    cav_api_cancel(arg, 1);
    return NULL;
}

static void test_cancel(void **state)
{
    (void)state;
    cav_api *a = cav_api_new();
    /* 40 points of a DMFT sweep (several seconds), cancelled after 0.2 s. */
    const char *names[] = {"alpha", "steps", "ntraj", "jobs"},
               *texts[] = {"0.5:3:40", "40", "4000", "1"};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, cancel_soon, a), 0);
    assert_int_equal(sweep(a, "theory", "dmft-gd", 4, names, texts), CAV_ECANCEL);
    pthread_join(th, NULL);
    assert_non_null(strstr(cav_api_message(a), "cancelled"));
    assert_true(cav_api_total(a) > 0 && cav_api_total(a) < 40);
    assert_true(strlen(cav_api_text(a)) > 0); /* the points computed are in the table */
    /* The flag stays raised until lowered. */
    const char *n1[] = {"alpha", "learner"}, *t1[] = {"0.5,1,2", "linear,kernel"};
    assert_int_equal(sweep(a, "theory", "raf", 2, n1, t1), CAV_ECANCEL);
    cav_api_cancel(a, 0);
    assert_int_equal(sweep(a, "theory", "raf", 2, n1, t1), CAV_OK);
    cav_api_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_json),     cmocka_unit_test(test_sweep_equals_runner),
        cmocka_unit_test(test_refusals),          cmocka_unit_test(test_values),
        cmocka_unit_test(test_quantity_and_load), cmocka_unit_test(test_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
