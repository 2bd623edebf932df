/* Figures through gnuplot (see cavity/run.h, cav_figure_write, cav_figure_write_opts).
 *
 * gnuplot is run as a program on a temporary script that carries the data inline (data blocks
 * `$dN << EOD`). Line figures: theory curves as lines, simulation points as points with
 * standard-error bars, one panel per observable, one colour per curve (points that share every
 * parameter but x and the kind-specific ones), a legend naming the `by` parameter and whatever
 * else varies, and theory "marks" (thresholds on the x axis) as labelled vertical lines.
 * Heatmaps: the seed mean of a simulated observable over a two-parameter grid, one filled cell
 * per grid point (boxxyerror with a palette), the marks as curves across the second parameter. */
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

/* Parse the comma-separated marks into observable indices (theory observables of m). */
static int parse_marks(const cav_model *m, const char *marks, int *mk, int *nmk, cav_err *err)
{
    *nmk = 0;
    if (!marks || !*marks) return CAV_OK;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", marks);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t && *nmk < 8; t = strtok_r(NULL, ",", &save)) {
        int j = cav_model_obs_index(m, t);
        if (j < 0)
            return cav_err_set(err, CAV_EINVAL, "marks: unknown observable '%s' of %s", t, m->name);
        mk[(*nmk)++] = j;
    }
    return CAV_OK;
}

/* Run gnuplot on the script tmpl, remove it, and check that path was written. */
static int run_gnuplot(const char *gp, const char *tmpl, const char *path, cav_err *err)
{
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

static const char *const term_fmt[] = {
    "svg size %d,%d dynamic background '#ffffff' font 'Helvetica,12'",
    "pngcairo size %d,%d font 'Helvetica,11'", "pdfcairo size %g,%gin"};

/* Open the temporary script and write the terminal lines for a w x h figure. */
static FILE *open_script(char *tmpl, int fmt, int w, int h, const char *path, cav_err *err)
{
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        cav_err_set(err, CAV_EIO, "figure: cannot create a temporary file");
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmpl);
        cav_err_set(err, CAV_EIO, "figure: cannot write a temporary file");
        return NULL;
    }
    fprintf(f, "set terminal ");
    if (fmt == CAV_FIG_PDF)
        fprintf(f, term_fmt[fmt], w / 96.0, h / 96.0);
    else
        fprintf(f, term_fmt[fmt], w, h);
    fprintf(f, " noenhanced\nset output ");
    quoted(f, path);
    fprintf(f, "\nset datafile missing 'nan'\n");
    return f;
}

static int heatmap(const char *path, int fmt, const char *gp, const cav_run *const *runs,
                   size_t nruns, const char *x, int xi, int hi, const int *ys, int ny,
                   const int *mk, int nmk, cav_err *err);

int cav_figure_write(const char *path, const cav_run *const *runs, size_t nruns, const char *x,
                     const char *ycsv, const char *by, cav_err *err)
{
    cav_figure_opts o = {x, ycsv, by, NULL, NULL};
    return cav_figure_write_opts(path, runs, nruns, &o, err);
}

int cav_figure_write_opts(const char *path, const cav_run *const *runs, size_t nruns,
                          const cav_figure_opts *o, cav_err *err)
{
    if (!o || !o->x || !o->y) return cav_err_set(err, CAV_EINVAL, "figure: x and y are required");
    const char *x = o->x, *ycsv = o->y, *by = o->by;
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
    int mk[8], nmk = 0;
    int st = parse_marks(m, o->marks, mk, &nmk, err);
    if (st) return st;
    if (o->heat && *o->heat) {
        int hi = cav_model_param_index(m, o->heat);
        if (hi < 0 || hi == xi)
            return cav_err_set(err, CAV_EINVAL,
                               "heat: '%s' must be a parameter of %s other than x = '%s'", o->heat,
                               m->name, x);
        if (xi < 0)
            return cav_err_set(err, CAV_EINVAL, "heat: x = '%s' must be a parameter of %s", x,
                               m->name);
        return heatmap(path, fmt, gp, runs, nruns, x, xi, hi, ys, ny, mk, nmk, err);
    }

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
    static const char *palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                    "#9467bd", "#8c564b", "#e377c2", "#17becf"};
    FILE *f = open_script(tmpl, fmt, 480 * ny + 80, 460, path, err);
    if (!f) {
        free(cv);
        return err ? err->code : CAV_EIO;
    }
    fprintf(f, "set key at screen 0.5,0.01 center bottom horizontal maxrows 2 samplen 3\n");
    double xlo = INFINITY, xhi = -INFINITY; /* range of the plotted x values */
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
                if (isfinite(xv)) xlo = fmin(xlo, xv), xhi = fmax(xhi, xv);
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
    /* x spanning more than two decades of positive values (a temperature, a sample size): a
     * logarithmic axis. */
    if (xlo > 0 && xhi >= 100.0 * xlo) fprintf(f, "set logscale x\n");
    /* Marks: dashed vertical lines at the theory values inside the plotted x range. Marks with
     * the same value share one line and one label; a line takes the colour of its curve when
     * only one curve has it, grey otherwise. */
    {
        double at[32];
        int acol[32];
        char names[32][160];
        int nat = 0;
        for (size_t c = 0; c < ncurves; c++) {
            const cav_run *r = runs[cv[c].run];
            if (r->kind != CAV_KIND_THEORY) continue;
            int mask[CAV_MAX_PARAMS] = {0};
            for (int i = 0; i < m->nparams; i++)
                mask[i] = i != xi && cav_param_used(&m->params[i], r->kind);
            for (int q = 0; q < nmk; q++) {
                double val = NAN;
                for (size_t p = 0; p < r->npoints && isnan(val); p++) {
                    double pv[CAV_MAX_PARAMS];
                    cav_run_point(r, p, pv);
                    if (!same_vals(m, cv[c].v, pv, mask)) continue;
                    const cav_result *x0 = cav_run_result(r, p, 0);
                    if (x0->status == CAV_OK && x0->nrows && isfinite(x0->rows[mk[q]]))
                        val = x0->rows[mk[q]];
                }
                if (!(val >= xlo && val <= xhi)) continue;
                int a = 0;
                for (; a < nat; a++)
                    if (fabs(at[a] - val) <= 1e-12 * fmax(1.0, fabs(val))) break;
                if (a == nat) {
                    if (nat == 32) continue;
                    at[nat] = val;
                    acol[nat] = cv[c].colour;
                    names[nat++][0] = '\0';
                } else if (acol[a] != cv[c].colour) {
                    acol[a] = -1;
                }
                const char *nm = m->obs[mk[q]].name;
                size_t len = strlen(names[a]);
                if (!strstr(names[a], nm))
                    snprintf(names[a] + len, sizeof names[a] - len, "%s%s", len ? " = " : "", nm);
            }
        }
        for (int a = 0; a < nat; a++) {
            char b[40], t[200], vb[32];
            const char *lc = acol[a] >= 0 ? palette[acol[a] % 8] : "#555555";
            cav_fmt_double(at[a], b, sizeof b);
            fprintf(f,
                    "set arrow %d from %s, graph 0 to %s, graph 1 nohead dt 2 lw 1.5 lc rgb "
                    "'%s' front\n",
                    a + 1, b, b, lc);
            snprintf(vb, sizeof vb, "%.4g", at[a]);
            size_t ln = strlen(names[a]);
            if (ln > 150) ln = 150;
            memcpy(t, names[a], ln);
            t[ln] = '\0';
            strcat(t, " = ");
            strcat(t, vb);
            fprintf(f, "set label %d ", a + 1);
            quoted(f, t);
            fprintf(f,
                    " at %s, graph 0.98 rotate by 90 right offset -1.4,0 tc rgb '%s' font ',9' "
                    "front\n",
                    b, lc);
        }
    }
    fprintf(f, "set multiplot layout 1,%d margins 0.07,0.98,0.24,0.92 spacing 0.07,0\n", ny);
    for (int yk = 0; yk < ny; yk++) {
        fprintf(f, "set xlabel ");
        quoted(f, x);
        fprintf(f, "\nset ylabel ");
        quoted(f, m->obs[ys[yk]].name);
        fprintf(f, "\nset title ");
        char t[512];
        const char *help = m->obs[ys[yk]].help ? m->obs[ys[yk]].help : "";
        /* a panel is ~480 px wide: long help texts would run into the next panel's title */
        snprintf(t, sizeof t, "%s: %s", m->name,
                 strlen(help) <= 56 || ny == 1 ? help : m->obs[ys[yk]].name);
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

    return run_gnuplot(gp, tmpl, path, err);
}

/* Sorted distinct values of parameter i over the simulation points, into vals (cap). */
static size_t grid_values(const cav_run *const *runs, size_t nruns, int i, double *vals, size_t cap)
{
    size_t n = 0;
    for (size_t k = 0; k < nruns; k++) {
        if (runs[k]->kind != CAV_KIND_SIM) continue;
        for (size_t p = 0; p < runs[k]->npoints; p++) {
            double pv[CAV_MAX_PARAMS];
            cav_run_point(runs[k], p, pv);
            double v = pv[i];
            size_t j = 0;
            for (; j < n; j++)
                if (vals[j] == v) break;
            if (j == n && n < cap) vals[n++] = v;
        }
    }
    for (size_t a = 1; a < n; a++) /* insertion sort */
        for (size_t b = a; b > 0 && vals[b - 1] > vals[b]; b--) {
            double t = vals[b];
            vals[b] = vals[b - 1];
            vals[b - 1] = t;
        }
    return n;
}

/* Lower and upper edge of cell i of the sorted grid g (halfway to the neighbours; a single value
 * gets a cell of width 1, or 10% of its size). */
static void cell(const double *g, size_t n, size_t i, double *lo, double *hi)
{
    double w = n > 1 ? 0.0 : (g[0] != 0.0 ? 0.1 * fabs(g[0]) : 1.0);
    *lo = i > 0 ? 0.5 * (g[i - 1] + g[i]) : (n > 1 ? g[0] - 0.5 * (g[1] - g[0]) : g[0] - w / 2);
    *hi = i + 1 < n ? 0.5 * (g[i] + g[i + 1])
                    : (n > 1 ? g[n - 1] + 0.5 * (g[n - 1] - g[n - 2]) : g[0] + w / 2);
}

#define HEAT_MAX 512

static int heatmap(const char *path, int fmt, const char *gp, const cav_run *const *runs,
                   size_t nruns, const char *x, int xi, int hi, const int *ys, int ny,
                   const int *mk, int nmk, cav_err *err)
{
    const cav_model *m = runs[0]->model;
    /* The simulation points must differ only in x and heat. */
    const double *ref = NULL;
    double refv[CAV_MAX_PARAMS];
    for (size_t k = 0; k < nruns; k++) {
        if (runs[k]->kind != CAV_KIND_SIM) continue;
        for (size_t p = 0; p < runs[k]->npoints; p++) {
            double v[CAV_MAX_PARAMS];
            cav_run_point(runs[k], p, v);
            if (!ref) {
                memcpy(refv, v, sizeof refv);
                ref = refv;
            }
            for (int i = 0; i < m->nparams; i++)
                if (i != xi && i != hi && !(v[i] == ref[i]))
                    return cav_err_set(err, CAV_EINVAL,
                                       "heatmap: parameter '%s' takes several values among the "
                                       "simulation points; fix it (only %s and %s may vary)",
                                       m->params[i].name, x, m->params[hi].name);
        }
    }
    if (!ref) return cav_err_set(err, CAV_EINVAL, "heatmap: no simulation points to draw");
    double gx[HEAT_MAX], gy[HEAT_MAX];
    size_t nx = grid_values(runs, nruns, xi, gx, HEAT_MAX);
    size_t nh = grid_values(runs, nruns, hi, gy, HEAT_MAX);
    char tmpl[] = "/tmp/cavity-plot-XXXXXX";
    FILE *f = open_script(tmpl, fmt, 600 * ny, 500, path, err);
    if (!f) return err ? err->code : CAV_EIO;
    fprintf(f, "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', "
               "1 '#fde725')\n"
               "set key at screen 0.5,0.01 center bottom horizontal samplen 3\n");
    /* Cells: x y xlo xhi ylo yhi value_1 ... value_ny. */
    fprintf(f, "$cells << EOD\n");
    for (size_t k = 0; k < nruns; k++) {
        if (runs[k]->kind != CAV_KIND_SIM) continue;
        for (size_t p = 0; p < runs[k]->npoints; p++) {
            double v[CAV_MAX_PARAMS];
            cav_run_point(runs[k], p, v);
            size_t ix = 0, iy = 0;
            while (ix < nx && gx[ix] != v[xi])
                ix++;
            while (iy < nh && gy[iy] != v[hi])
                iy++;
            if (ix == nx || iy == nh) continue;
            double mean[CAV_MAX_OBS], se[CAV_MAX_OBS], xl, xh, yl, yh;
            size_t kk = 1;
            cav_run_mean(runs[k], p, 0, mean, se, &kk);
            cell(gx, nx, ix, &xl, &xh);
            cell(gy, nh, iy, &yl, &yh);
            double row[6] = {v[xi], v[hi], xl, xh, yl, yh};
            char b[40];
            for (int c = 0; c < 6; c++) {
                cav_fmt_double(row[c], b, sizeof b);
                fprintf(f, "%s%s", c ? " " : "", b);
            }
            for (int yk = 0; yk < ny; yk++) {
                cav_fmt_double(mean[ys[yk]], b, sizeof b);
                fprintf(f, " %s", b);
            }
            fputc('\n', f);
        }
    }
    fprintf(f, "EOD\n");
    /* Marks: for each, the theory value at each heat value (first finite one), as a curve. */
    static const char *mcol[] = {"#ff1f5b", "#00cfff", "#ff9f1c", "#000000"};
    for (int q = 0; q < nmk; q++) {
        fprintf(f, "$mark%d << EOD\n", q);
        double hv[HEAT_MAX], xv[HEAT_MAX];
        size_t nm = 0;
        for (size_t k = 0; k < nruns; k++) {
            if (runs[k]->kind != CAV_KIND_THEORY) continue;
            for (size_t p = 0; p < runs[k]->npoints; p++) {
                const cav_result *r0 = cav_run_result(runs[k], p, 0);
                if (r0->status != CAV_OK || !r0->nrows) continue;
                double pv[CAV_MAX_PARAMS];
                cav_run_point(runs[k], p, pv);
                double val = r0->rows[mk[q]], h = pv[hi];
                if (!isfinite(val)) continue;
                size_t j = 0;
                for (; j < nm; j++)
                    if (hv[j] == h) break;
                if (j == nm && nm < HEAT_MAX) hv[nm] = h, xv[nm++] = val;
            }
        }
        for (size_t a = 1; a < nm; a++)
            for (size_t b = a; b > 0 && hv[b - 1] > hv[b]; b--) {
                double t = hv[b];
                hv[b] = hv[b - 1], hv[b - 1] = t;
                t = xv[b];
                xv[b] = xv[b - 1], xv[b - 1] = t;
            }
        if (nm == 1) { /* one heat value: a vertical line across the map */
            double ylo, yhi, tmp;
            cell(gy, nh, 0, &ylo, &tmp);
            cell(gy, nh, nh - 1, &tmp, &yhi);
            fprintf(f, "%.17g %.17g\n%.17g %.17g\n", xv[0], ylo, xv[0], yhi);
        } else {
            for (size_t a = 0; a < nm; a++)
                fprintf(f, "%.17g %.17g\n", xv[a], hv[a]);
        }
        fprintf(f, "EOD\n");
    }
    double xl, xh, yl, yh, t;
    cell(gx, nx, 0, &xl, &t);
    cell(gx, nx, nx - 1, &t, &xh);
    cell(gy, nh, 0, &yl, &t);
    cell(gy, nh, nh - 1, &t, &yh);
    fprintf(f, "set xrange [%.17g:%.17g]\nset yrange [%.17g:%.17g]\n", xl, xh, yl, yh);
    fprintf(f, "set multiplot layout 1,%d margins 0.1,0.83,0.2,0.9 spacing 0.2,0\n", ny);
    for (int yk = 0; yk < ny; yk++) {
        fprintf(f, "set xlabel ");
        quoted(f, x);
        fprintf(f, "\nset ylabel ");
        quoted(f, m->params[hi].name);
        fprintf(f, "\nset cblabel ");
        quoted(f, m->obs[ys[yk]].name);
        char title[512];
        snprintf(title, sizeof title, "%s: %s (simulation, seed mean)", m->name,
                 m->obs[ys[yk]].name);
        fprintf(f, "\nset title ");
        quoted(f, title);
        fprintf(f,
                " font ',10'\nplot $cells using 1:2:3:4:5:6:%d with boxxyerror fs solid 1.0 "
                "noborder lc palette notitle",
                7 + yk);
        for (int q = 0; q < nmk; q++) {
            fprintf(f, ", $mark%d using 1:2 with lines lw 2.5 dt %d lc rgb '%s'", q, 1 + q % 3,
                    mcol[q % 4]);
            if (yk == 0) {
                char lt[160];
                snprintf(lt, sizeof lt, "%s (theory)", m->obs[mk[q]].name);
                fprintf(f, " title ");
                quoted(f, lt);
            } else {
                fprintf(f, " notitle");
            }
        }
        fputc('\n', f);
    }
    fprintf(f, "unset multiplot\nset output\n");
    fclose(f);
    return run_gnuplot(gp, tmpl, path, err);
}
