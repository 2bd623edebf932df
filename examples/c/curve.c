/* One curve from C: the generalisation error of ridge regression on Rules-and-Facts data
 * against the sample ratio alpha = n/d (replica theory), linking the installed libcavity
 * through pkg-config:
 *
 *     cc curve.c $(pkg-config --cflags --libs cavity) -o curve && ./curve
 *
 * (with the library installed in a prefix P: PKG_CONFIG_PATH=P/lib/pkgconfig, and
 * LD_LIBRARY_PATH=P/lib to run it unless P/lib is known to the dynamic linker).
 * The model is Farné, Boncoraglio, Zdeborová, "The Rules-and-Facts Model for Simultaneous
 * Generalization and Memorization in Neural Networks", arXiv:2603.25579. Output: CSV with
 * columns alpha, egen, emem, status, the numbers as `cavity theory raf --alpha 0.1:4:40`
 * prints them. */
#include <stdio.h>

#include <cavity/model.h>
#include <cavity/run.h>

int main(void)
{
    const cav_model *m = cav_model_find("raf");
    cav_grid g;
    cav_err err = {0};
    if (!m || cav_grid_init(&g, m, &err)) {
        fprintf(stderr, "curve: %s\n", m ? err.msg : "model raf not found");
        return 1;
    }
    /* The parameters not set keep the model's defaults (learner linear, loss square,
     * eps 0.2, lambda 0.01): 40 values of alpha, solved in order, each point warm-started
     * from the previous one. */
    cav_run_opts o;
    cav_run_opts_init(&o);
    cav_run *r = NULL;
    if (cav_grid_set(&g, "alpha", "0.1:4:40", &err) || cav_grid_check(&g, CAV_KIND_THEORY, &err) ||
        cav_run_exec(&g, &o, &r, &err)) {
        fprintf(stderr, "curve: %s\n", err.msg);
        cav_run_free(r);
        cav_grid_free(&g);
        return 1;
    }
    int ia = cav_model_param_index(m, "alpha"), ie = cav_model_obs_index(m, "egen"),
        im = cav_model_obs_index(m, "emem");
    printf("alpha,egen,emem,status\n");
    for (size_t p = 0; p < r->npoints; p++) {
        double v[CAV_MAX_PARAMS];
        char a[32], e[32], mm[32];
        cav_run_point(r, p, v);
        const cav_result *x = cav_run_result(r, p, 0);
        cav_fmt_double(v[ia], a, sizeof a);
        cav_fmt_double(x->obs[ie], e, sizeof e);
        cav_fmt_double(x->obs[im], mm, sizeof mm);
        printf("%s,%s,%s,%s\n", a, e, mm, cav_status_name(x->status));
    }
    int failed = r->nfailed > 0;
    cav_run_free(r);
    cav_grid_free(&g);
    return failed;
}
