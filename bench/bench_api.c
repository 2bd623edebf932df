/* Cost of one theory point through the binding API, for comparison with the Python package
 * (bench/bench_api.py calls cavity.theory for the same point). Three C paths, each repeated:
 *   api    cav_api_sweep("theory", "raf", alpha=2): parse, plan, run, CSV table (what Python
 *          calls, so the Python overhead is its time minus this one);
 *   runner cav_grid_init / cav_grid_set / cav_grid_check / cav_run_exec / cav_table_write into
 *          memory: the same work through the lower-level calls;
 *   model  cav_model_theory at the point alone (the computation itself).
 * Usage: bench_api [calls per repeat (2000)] [repeats (7)] [model (raf)] [name=value ...]
 * Prints the minimum over repeats of the mean time per call in microseconds, wall-clock, and
 * for the api path also the CPU time of the calling thread (a single point runs on it), which a
 * loaded machine disturbs less. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cavity/api.h"
#include "cavity/run.h"

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 2000, reps = argc > 2 ? atoi(argv[2]) : 7;
    const char *model = argc > 3 ? argv[3] : "raf";
    const char *names[16] = {"alpha"}, *texts[16] = {"2"};
    int n = argc > 4 ? 0 : 1;
    for (int i = 4; i < argc && n < 16; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) continue;
        *eq = '\0';
        names[n] = argv[i];
        texts[n++] = eq + 1;
    }
    const cav_model *m = cav_model_find(model);
    cav_api *a = cav_api_new();
    if (!m || !a) return 1;
    double best[3] = {1e30, 1e30, 1e30}, best_cpu = 1e30;
    size_t bytes = 0;
    for (int r = 0; r < reps; r++) {
        /* api */
        double t = now(), cpu = clock_s(CLOCK_THREAD_CPUTIME_ID);
        for (int c = 0; c < calls; c++)
            if (cav_api_sweep(a, "theory", model, n, names, texts, NULL, NULL, CAV_FMT_CSV)) {
                fprintf(stderr, "bench_api: %s\n", cav_api_message(a));
                return 1;
            }
        double dt = (now() - t) / calls;
        cpu = (clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu) / calls;
        best[0] = dt < best[0] ? dt : best[0];
        best_cpu = cpu < best_cpu ? cpu : best_cpu;
        bytes = strlen(cav_api_text(a));
        /* runner */
        t = now();
        for (int c = 0; c < calls; c++) {
            cav_grid g;
            cav_err err = {0};
            cav_run *run = NULL;
            cav_run_opts o;
            cav_run_opts_init(&o);
            char *buf = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&buf, &len);
            int s = cav_grid_init(&g, m, &err);
            for (int i = 0; !s && i < n; i++)
                s = cav_grid_set(&g, names[i], texts[i], &err);
            if (!s) s = cav_grid_check(&g, CAV_KIND_THEORY, &err);
            if (!s) s = cav_run_exec(&g, &o, &run, &err);
            if (!s) s = cav_table_write(f, CAV_FMT_CSV, (const cav_run *const *)&run, 1, &err);
            fclose(f);
            free(buf);
            cav_run_free(run);
            cav_grid_free(&g);
            if (s) {
                fprintf(stderr, "bench_api: %s\n", err.msg);
                return 1;
            }
        }
        dt = (now() - t) / calls;
        best[1] = dt < best[1] ? dt : best[1];
        /* model */
        cav_grid g;
        cav_err err = {0};
        double v[CAV_MAX_PARAMS];
        cav_grid_init(&g, m, &err);
        for (int i = 0; i < n; i++)
            cav_grid_set(&g, names[i], texts[i], &err);
        cav_grid_point(&g, CAV_KIND_THEORY, 0, v);
        cav_grid_free(&g);
        t = now();
        for (int c = 0; c < calls; c++) {
            cav_result res;
            cav_result_init(&res, (size_t)m->nobs);
            double warm[64];
            cav_model_theory(m, v, NULL, m->nwarm ? warm : NULL, &res);
            cav_result_release(&res);
        }
        dt = (now() - t) / calls;
        best[2] = dt < best[2] ? dt : best[2];
    }
    printf("%s theory, one point, %d calls x %d repeats (minimum of the means), table %zu "
           "bytes\n",
           model, calls, reps, bytes);
    printf("api    %.2f us\napi_cpu %.2f us\nrunner %.2f us\nmodel  %.2f us\n", best[0] * 1e6,
           best_cpu * 1e6, best[1] * 1e6, best[2] * 1e6);
    cav_api_free(a);
    return 0;
}
