/* Figures through gnuplot (see cavity/run.h, cav_figure_write).
 *
 * gnuplot is run as a program on a temporary script that carries the data inline (data blocks
 * `$dN << EOD`): theory curves as lines, simulation points as points with standard-error bars,
 * one panel per observable, one colour per curve (points that share every parameter but x and
 * the kind-specific ones), and a legend naming the `by` parameter and whatever else varies. */
#include "cavity/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cav_figure_format(const char *path, cav_err *err)
{
    const char *dot = strrchr(path, '.');
    if (dot && strcmp(dot, ".svg") == 0) return CAV_FIG_SVG;
    if (dot && strcmp(dot, ".png") == 0) return CAV_FIG_PNG;
    if (dot && strcmp(dot, ".pdf") == 0) return CAV_FIG_PDF;
    cav_err_set(err, CAV_EINVAL, "figure '%s': unsupported format; allowed: .svg, .png, .pdf",
                path);
    return -1;
}

const char *cav_figure_gnuplot(cav_err *err)
{
    static const char *dirs[] = {"/usr/bin", "/usr/local/bin", "/bin", "/opt/homebrew/bin", NULL};
    const char *env = getenv("CAVITY_GNUPLOT");
    if (env && *env) return access(env, X_OK) == 0 ? env : NULL;
    static _Thread_local char buf[1024];
    const char *path = getenv("PATH");
    if (path) {
        const char *p = path;
        while (*p) {
            size_t n = strcspn(p, ":");
            snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)n, p);
            if (n && access(buf, X_OK) == 0) return buf;
            p += n;
            if (*p == ':') p++;
        }
    }
    for (int i = 0; dirs[i]; i++) {
        snprintf(buf, sizeof buf, "%s/gnuplot", dirs[i]);
        if (access(buf, X_OK) == 0) return buf;
    }
    cav_err_set(err, CAV_EUNSUP, "gnuplot not found; install it (apt-get install gnuplot-nox)");
    return NULL;
}

/* gnuplot single-quoted string. */
static void quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* Parameters that identify a colour: used by every run's kind, not x. */
static int colour_param(const cav_run *const *runs, size_t nruns, int i, int xi)
{
    if (i == xi) return 0;
    for (size_t k = 0; k < nruns; k++)
        if (!cav_param_used(&runs[k]->model->params[i], runs[k]->kind)) return 0;
    return 1;
}

typedef struct curve {
    size_t run;
    double v[CAV_MAX_PARAMS]; /* values identifying the curve (x excluded) */
    int colour;
} curve;

static int same_vals(const cav_model *m, const double *a, const double *b, const int *mask)
{
    for (int i = 0; i < m->nparams; i++)
        if (mask[i] && !(a[i] == b[i])) return 0;
    return 1;
}

int cav_figure_write(const char *path, const cav_run *const *runs, size_t nruns, const char *x,
                     const char *ycsv, const char *by, cav_err *err)
{
    int fmt = cav_figure_format(path, err);
    if (fmt < 0) return CAV_EINVAL;
    const char *gp = cav_figure_gnuplot(err);
    if (!gp) return CAV_EUNSUP;
    if (nruns == 0) return cav_err_set(err, CAV_EINVAL, "figure: nothing to plot");
    const cav_model *m = runs[0]->model;
    int xi = cav_model_param_index(m, x), xo = -1;
    if (xi < 0) xo = cav_model_obs_index(m, x);
    if (xi < 0 && xo < 0)
        return cav_err_set(err, CAV_EINVAL,
                           "x: '%s' is neither a parameter nor an observable of %s", x, m->name);
    int bi = by && *by ? cav_model_param_index(m, by) : -1;
    if (by && *by && bi < 0)
        return cav_err_set(err, CAV_EINVAL, "by: unknown parameter '%s' of model %s", by, m->name);
    int ys[CAV_MAX_OBS], ny = 0;
    char ybuf[1024];
    snprintf(ybuf, sizeof ybuf, "%s", ycsv);
    char *save = NULL;
    for (char *t = strtok_r(ybuf, ",", &save); t && ny < CAV_MAX_OBS;
         t = strtok_r(NULL, ",", &save)) {
        int j = cav_model_obs_index(m, t);
        if (j < 0)
            return cav_err_set(err, CAV_EINVAL, "y: unknown observable '%s' of %s", t, m->name);
        ys[ny++] = j;
    }
    if (ny == 0) return cav_err_set(err, CAV_EINVAL, "y: no observable to plot");

    /* Curves: distinct non-x values of each run; colours: distinct colour-parameter values. */
    int cmask[CAV_MAX_PARAMS] = {0};
    for (int i = 0; i < m->nparams; i++)
        cmask[i] = colour_param(runs, nruns, i, xi);
    size_t ncurves = 0, cap = 0;
    curve *cv = NULL;
    double cols[64][CAV_MAX_PARAMS];
    int ncol = 0;
    for (size_t k = 0; k < nruns; k++) {
        int mask[CAV_MAX_PARAMS] = {0};
        for (int i = 0; i < m->nparams; i++)
            mask[i] = i != xi && cav_param_used(&m->params[i], runs[k]->kind);
        for (size_t p = 0; p < runs[k]->npoints; p++) {
            double v[CAV_MAX_PARAMS];
            cav_run_point(runs[k], p, v);
            size_t c = 0;
            for (; c < ncurves; c++)
                if (cv[c].run == k && same_vals(m, cv[c].v, v, mask)) break;
            if (c < ncurves) continue;
            if (ncurves == cap) {
                cap = cap ? 2 * cap : 16;
                curve *n2 = realloc(cv, cap * sizeof *cv);
                if (!n2) {
                    free(cv);
                    return cav_err_set(err, CAV_ENOMEM, "out of memory");
                }
                cv = n2;
            }
            cv[ncurves].run = k;
            memcpy(cv[ncurves].v, v, (size_t)m->nparams * sizeof *v);
            int col = 0;
            for (; col < ncol; col++)
                if (same_vals(m, cols[col], v, cmask)) break;
            if (col == ncol && ncol < 64) memcpy(cols[ncol++], v, (size_t)m->nparams * sizeof *v);
            cv[ncurves++].colour = col;
        }
    }
    /* Label parameters: `by`, then every colour parameter that varies. */
    int lab[CAV_MAX_PARAMS] = {0};
    for (int i = 0; i < m->nparams; i++)
        for (int c = 1; c < ncol; c++)
            if (cmask[i] && !(cols[c][i] == cols[0][i])) lab[i] = 1;
    if (bi >= 0) lab[bi] = 1;

    char tmpl[] = "/tmp/cavity-plot-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        free(cv);
        return cav_err_set(err, CAV_EIO, "figure: cannot create a temporary file");
    }
    FILE *f = fdopen(fd, "w");
    static const char *palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                    "#9467bd", "#8c564b", "#e377c2", "#17becf"};
    static const char *term[] = {"svg size %d,%d dynamic background '#ffffff' font 'Helvetica,12'",
                                 "pngcairo size %d,%d font 'Helvetica,11'",
                                 "pdfcairo size %g,%gin"};
    int w = 480 * ny + 80, h = 460;
    fprintf(f, "set terminal ");
    if (fmt == CAV_FIG_PDF)
        fprintf(f, term[fmt], w / 96.0, h / 96.0);
    else
        fprintf(f, term[fmt], w, h);
    fprintf(f, " noenhanced\nset output ");
    quoted(f, path);
    fprintf(f, "\nset datafile missing 'nan'\n"
               "set key at screen 0.5,0.01 center bottom horizontal maxrows 2 samplen 3\n");
    /* Data blocks: for each curve, rows "x y se" sorted by x. */
    for (size_t c = 0; c < ncurves; c++) {
        const cav_run *r = runs[cv[c].run];
        int sim = r->kind == CAV_KIND_SIM;
        int mask[CAV_MAX_PARAMS] = {0};
        for (int i = 0; i < m->nparams; i++)
            mask[i] = i != xi && cav_param_used(&m->params[i], r->kind);
        fprintf(f, "$d%zu << EOD\n", c);
        double mean[CAV_MAX_OBS], se[CAV_MAX_OBS];
        for (size_t p = 0; p < r->npoints; p++) {
            double v[CAV_MAX_PARAMS];
            cav_run_point(r, p, v);
            if (!same_vals(m, cv[c].v, v, mask)) continue;
            const cav_result *x0 = cav_run_result(r, p, 0);
            size_t nrows = x0->nrows;
            for (size_t row = 0; row < nrows; row++) {
                size_t kk = 1;
                if (sim)
                    cav_run_mean(r, p, row, mean, se, &kk);
                else
                    for (int j = 0; j < m->nobs; j++) {
                        mean[j] = x0->status == CAV_OK ? x0->rows[row * (size_t)m->nobs + (size_t)j]
                                                       : NAN;
                        se[j] = 0;
                    }
                double xv = xi >= 0 ? v[xi] : mean[xo];
                char b[40];
                cav_fmt_double(xv, b, sizeof b);
                fputs(b, f);
                for (int yk = 0; yk < ny; yk++) {
                    cav_fmt_double(mean[ys[yk]], b, sizeof b);
                    fprintf(f, " %s", b);
                    cav_fmt_double(isnan(se[ys[yk]]) ? 0 : se[ys[yk]], b, sizeof b);
                    fprintf(f, " %s", b);
                }
                fputc('\n', f);
            }
        }
        fprintf(f, "EOD\n");
    }
    /* x an output column (a time axis): dense simulation rows hide the theory line, so at most
     * about 30 markers per simulation curve are drawn (gnuplot `every`). */
    size_t maxrows = 1;
    for (size_t k = 0; k < nruns; k++)
        for (size_t i = 0; i < runs[k]->npoints && xo >= 0; i++) {
            const cav_result *x0 = cav_run_result(runs[k], i, 0);
            if (x0->nrows > maxrows) maxrows = x0->nrows;
        }
    size_t every = xo >= 0 && maxrows > 40 ? (maxrows + 29) / 30 : 1;
    /* Panels side by side above a shared legend (the key area is the bottom 22% of the page). */
    fprintf(f, "set multiplot layout 1,%d margins 0.07,0.98,0.24,0.92 spacing 0.07,0\n", ny);
    for (int yk = 0; yk < ny; yk++) {
        fprintf(f, "set xlabel ");
        quoted(f, x);
        fprintf(f, "\nset ylabel ");
        quoted(f, m->obs[ys[yk]].name);
        fprintf(f, "\nset title ");
        char t[512];
        snprintf(t, sizeof t, "%s: %s", m->name, m->obs[ys[yk]].help ? m->obs[ys[yk]].help : "");
        quoted(f, t);
        fprintf(f, "\nplot ");
        for (size_t c = 0; c < ncurves; c++) {
            const cav_run *r = runs[cv[c].run];
            int sim = r->kind == CAV_KIND_SIM;
            char label[512];
            size_t k = 0;
            label[0] = '\0';
            int order[CAV_MAX_PARAMS], no = 0;
            if (bi >= 0) order[no++] = bi;
            for (int i = 0; i < m->nparams; i++)
                if (lab[i] && i != bi) order[no++] = i;
            for (int oi = 0; oi < no && k < sizeof label; oi++) {
                int i = order[oi];
                char val[64];
                if (m->params[i].kind == CAV_PARAM_REAL)
                    cav_fmt_double(cv[c].v[i], val, sizeof val);
                else
                    cav_param_format(&m->params[i], cv[c].v[i], val, sizeof val);
                k += (size_t)snprintf(label + k, sizeof label - k, "%s%s=%s", k ? ", " : "",
                                      m->params[i].name, val);
            }
            if (k < sizeof label)
                snprintf(label + k, sizeof label - k, "%s%s", k ? " " : "",
                         sim ? "(simulation)" : "(theory)");
            const char *col = palette[cv[c].colour % 8];
            int yc = 2 + 2 * yk;
            if (sim)
                fprintf(f,
                        "%s$d%zu every %zu using 1:%d:%d with yerrorbars pt 7 ps 0.7 lc rgb '%s'",
                        c ? ", " : "", c, every, yc, yc + 1, col);
            else
                fprintf(f, "%s$d%zu using 1:%d with lines lw 2 lc rgb '%s'", c ? ", " : "", c, yc,
                        col);
            if (yk == 0) {
                fprintf(f, " title ");
                quoted(f, label);
            } else {
                fprintf(f, " notitle");
            }
        }
        fputc('\n', f);
    }
    fprintf(f, "unset multiplot\n");
    fprintf(f, "set output\n");
    fclose(f);
    free(cv);

    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' '%s' 2>&1", gp, tmpl);
    FILE *pp = popen(cmd, "r");
    char msg[400] = "";
    size_t got = 0;
    if (pp) {
        char line[256];
        while (fgets(line, sizeof line, pp))
            if (got < sizeof msg - 1)
                got += (size_t)snprintf(msg + got, sizeof msg - got, "%s", line);
    }
    int rc = pp ? pclose(pp) : -1;
    unlink(tmpl);
    for (char *q = msg; *q; q++)
        if (*q == '\n') *q = ' ';
    struct stat sb;
    if (rc != 0 || stat(path, &sb) != 0 || sb.st_size == 0)
        return cav_err_set(err, CAV_EIO, "figure %s: gnuplot failed: %s", path,
                           msg[0] ? msg : "no output");
    return CAV_OK;
}
