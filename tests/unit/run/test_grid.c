/* Grid expansion and canonical keys (src/run/grid.c) on the test-local toy model (toy.h).
 * References: the grid definitions of cavity/run.h (a:b:n linear with exact endpoints,
 * a:b:n:log geometric, lists), written out by hand below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/run.h"
#include "toy.h"

static void test_parse_forms(void **state)
{
    (void)state;
    double *v;
    size_t n;
    cav_err err = {0};
    assert_int_equal(cav_grid_parse(&toy_params[0], "0:1:5", &v, &n, &err), CAV_OK);
    assert_int_equal(n, 5);
    const double lin[] = {0, 0.25, 0.5, 0.75, 1};
    for (size_t i = 0; i < n; i++)
        assert_true(v[i] == lin[i]);
    free(v);
    assert_int_equal(cav_grid_parse(&toy_params[0], "0.1:10:3:log", &v, &n, &err), CAV_OK);
    assert_int_equal(n, 3);
    assert_true(v[0] == 0.1 && v[2] == 10); /* endpoints exact */
    assert_true(fabs(v[1] - 1.0) < 1e-15);  /* geometric mean of 0.1 and 10 */
    free(v);
    assert_int_equal(cav_grid_parse(&toy_params[0], "3,1e-2,2.5", &v, &n, &err), CAV_OK);
    assert_int_equal(n, 3);
    assert_true(v[0] == 3 && v[1] == 0.01 && v[2] == 2.5);
    free(v);
    assert_int_equal(cav_grid_parse(&toy_params[2], "shifted,plain", &v, &n, &err), CAV_OK);
    assert_true(n == 2 && v[0] == 1 && v[1] == 0);
    free(v);
    /* Integer parameter: range values rounded (1, 5.5 -> 6, 10). */
    assert_int_equal(cav_grid_parse(&toy_params[4], "1:10:3", &v, &n, &err), CAV_OK);
    assert_true(v[0] == 1 && v[1] == 6 && v[2] == 10);
    free(v);
}

static void expect_bad(const cav_param_spec *p, const char *text, const char *needle)
{
    double *v = NULL;
    size_t n = 0;
    cav_err err = {0};
    assert_int_equal(cav_grid_parse(p, text, &v, &n, &err), CAV_EINVAL);
    assert_null(v);
    if (!strstr(err.msg, needle)) fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, needle);
    assert_non_null(strstr(err.msg, p->name)); /* names the parameter */
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_bad(&toy_params[0], "1:2", "malformed");
    expect_bad(&toy_params[0], "1:2:x", "not a number");
    expect_bad(&toy_params[0], "1:2:0", "n >= 1");
    expect_bad(&toy_params[0], "1,,2", "empty");
    expect_bad(&toy_params[0], "11", "[0, 10]"); /* out of range, names the range */
    expect_bad(&toy_params[0], "nan", "finite");
    expect_bad(&toy_params[0], "0:1:3:log", "positive");
    expect_bad(&toy_params[2], "other", "plain, shifted"); /* lists the valid choices */
    expect_bad(&toy_params[1], "0", "out of range");       /* open lower bound */
}

static void test_points_and_keys(void **state)
{
    (void)state;
    cav_grid g;
    cav_err err = {0};
    assert_int_equal(cav_grid_init(&g, &toy_model, &err), CAV_OK);
    assert_int_equal(cav_grid_set(&g, "c", "1,2", &err), CAV_OK);
    assert_int_equal(cav_grid_set(&g, "x", "0.5:1.5:3", &err), CAV_OK);
    assert_int_equal(cav_grid_set(&g, "n", "10,20", &err), CAV_OK);
    assert_int_equal(cav_grid_set(&g, "nope", "1", &err), CAV_EINVAL);
    assert_non_null(strstr(err.msg, "x, c, mode")); /* lists the parameters */
    /* Theory ignores the simulation-only n: 2 x 3 points; simulation 2 x 3 x 2. */
    assert_int_equal(cav_grid_size(&g, CAV_KIND_THEORY), 6);
    assert_int_equal(cav_grid_size(&g, CAV_KIND_SIM), 12);
    /* Chain: the first swept parameter set (c), unless g.chain says otherwise. */
    assert_int_equal(cav_grid_chain(&g, CAV_KIND_THEORY), 1);
    g.chain = 0;
    assert_int_equal(cav_grid_chain(&g, CAV_KIND_THEORY), 0);
    assert_int_equal(cav_grid_chain_len(&g, CAV_KIND_THEORY), 3);
    double v[CAV_MAX_PARAMS];
    /* Point 4 = chain 1 (c = 2), position 1 along x. */
    cav_grid_point(&g, CAV_KIND_THEORY, 4, v);
    assert_true(v[0] == 1.0 && v[1] == 2.0 && v[4] == 10);
    char key[CAV_KEY_LEN];
    assert_int_equal(cav_key_format(&toy_model, CAV_KIND_THEORY, v, key, sizeof key), CAV_OK);
    assert_string_equal(key, "x=1,c=2,mode=plain,limit=1000,sleep_us=0");
    cav_grid_point(&g, CAV_KIND_SIM, 11, v);
    cav_key_format(&toy_model, CAV_KIND_SIM, v, key, sizeof key);
    assert_string_equal(key, "x=1.5,c=2,mode=plain,n=20,sleep_us=0");
    cav_grid_free(&g);
    char b[40];
    cav_fmt_double(0.1, b, sizeof b);
    assert_string_equal(b, "0.1");
    cav_fmt_double(1.0 / 3.0, b, sizeof b);
    assert_true(strtod(b, NULL) == 1.0 / 3.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_points_and_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
