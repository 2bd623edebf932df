/* cav_rng_normal_fill (the batched polar method of src/core/rng.c) gives exactly the numbers of
 * cav_rng_normal called once per entry, and leaves the generator in the same state (spare
 * included), for lengths around the batch size, odd and even, starting with and without a
 * spare. Reference: the polar method of Marsaglia written out here on cav_rng_uniform (u, v
 * uniform on (-1, 1), accepted when 0 < q = u^2 + v^2 < 1, the pair u f, v f with
 * f = sqrt(-2 log q / q)), and cav_rng_normal itself. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cavity/rng.h"

/* n draws of the polar method on a generator without a spare; returns the spare (v f of the
 * last pair) when n is odd. */
static double ref_polar(cav_rng *r, size_t n, double scale, double *x)
{
    double spare = 0.0;
    for (size_t i = 0; i < n; i += 2) {
        double u, v, q;
        do {
            u = 2.0 * cav_rng_uniform(r) - 1.0;
            v = 2.0 * cav_rng_uniform(r) - 1.0;
            q = u * u + v * v;
        } while (q >= 1.0 || q == 0.0);
        double f = sqrt(-2.0 * log(q) / q);
        x[i] = scale * (u * f);
        if (i + 1 < n)
            x[i + 1] = scale * (v * f);
        else
            spare = v * f;
    }
    return spare;
}

static void test_fill_equals_calls(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 2, 3, 127, 128, 129, 255, 256, 257, 1001};
    const size_t L = sizeof lens / sizeof lens[0];
    double *a = malloc(1100 * sizeof *a), *b = malloc(1100 * sizeof *b);
    for (int pre = 0; pre < 2; pre++)
        for (size_t k = 0; k < L; k++) {
            size_t n = lens[k];
            cav_rng r1, r2;
            cav_rng_init(&r1, 7, 1000 + k, (uint64_t)pre);
            cav_rng_init(&r2, 7, 1000 + k, (uint64_t)pre);
            if (pre) { /* leave a spare in both */
                double z1 = cav_rng_normal(&r1), z2 = cav_rng_normal(&r2);
                assert_memory_equal(&z1, &z2, sizeof z1);
            }
            cav_rng_normal_fill(&r1, n, 1.5, a);
            for (size_t i = 0; i < n; i++)
                b[i] = 1.5 * cav_rng_normal(&r2);
            if (n) assert_memory_equal(a, b, n * sizeof *a);
            /* the same state afterwards: the next draws agree */
            for (int t = 0; t < 5; t++) {
                double z1 = cav_rng_normal(&r1), z2 = cav_rng_normal(&r2);
                assert_memory_equal(&z1, &z2, sizeof z1);
            }
            if (!pre) { /* against the method written out */
                cav_rng r3, r4;
                cav_rng_init(&r3, 7, 1000 + k, 0);
                cav_rng_init(&r4, 7, 1000 + k, 0);
                cav_rng_normal_fill(&r3, n, 1.5, a);
                double spare = ref_polar(&r4, n, 1.5, b);
                if (n) assert_memory_equal(a, b, n * sizeof *a);
                if (n % 2) {
                    double z = cav_rng_normal(&r3);
                    assert_memory_equal(&z, &spare, sizeof z);
                }
                assert_true(cav_rng_u64(&r3) == cav_rng_u64(&r4));
            }
        }
    free(a), free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_equals_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
