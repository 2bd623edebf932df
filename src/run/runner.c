/* The sweep runner (see cavity/run.h): grid points -> model entry points -> store.
 *
 * Work is cut into units defined independently of the number of threads or ranks:
 *   theory      one unit per chain (the points along cav_grid_chain with the other parameters
 *               fixed), solved in grid order by one worker, each point warm-started from the
 *               last converged point of its chain (continuation);
 *   simulation  one unit per (point, seed index), seed = seed0 + seed index.
 * Units are taken from a shared counter by `jobs` pthreads, and, under MPI, unit u belongs to
 * rank u mod size. Hence every result is bitwise the same for any jobs / ranks. One mutex
 * serialises store writes, progress and (MPI) sends: a row is committed as soon as its point is
 * done. Points found in the store (same model, kind, canonical key, seed) are read back with
 * their warm-start vectors, so a resumed chain continues exactly as the uninterrupted one. */
#include "cavity/run.h"
#include "core/la.h"
#include "run/internal.h"

#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if CAVITY_HAVE_MPI
#include <mpi.h>
#endif

/* MPI world of this process (set once by cav_mpi_init before any run; 0 / 1 without MPI). */
static int mpi_rank = 0, mpi_size = 1;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void cav_run_opts_init(cav_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = CAV_KIND_THEORY;
    o->jobs = 1;
    o->nseeds = 1;
    o->seed0 = 1;
}

cav_run *cav_run_alloc(const cav_model *m, int kind, size_t npoints, size_t nseeds)
{
    cav_run *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    size_t n = npoints * nseeds, np = (size_t)m->nparams ? (size_t)m->nparams : 1;
    r->model = m;
    r->kind = kind;
    r->npoints = npoints;
    r->nseeds = nseeds;
    r->v = calloc(npoints ? npoints * np : 1, sizeof *r->v);
    r->keys = calloc(npoints ? npoints : 1, sizeof *r->keys);
    r->res = calloc(n ? n : 1, sizeof *r->res);
    r->seed = calloc(n ? n : 1, sizeof *r->seed);
    r->wall = calloc(n ? n : 1, sizeof *r->wall);
    r->stored = calloc(n ? n : 1, 1);
    if (!r->v || !r->keys || !r->res || !r->seed || !r->wall || !r->stored) {
        cav_run_free(r);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        cav_result_init(&r->res[i], (size_t)m->nobs);
    return r;
}

void cav_run_free(cav_run *r)
{
    if (!r) return;
    if (r->res)
        for (size_t i = 0; i < r->npoints * r->nseeds; i++)
            cav_result_release(&r->res[i]);
    free(r->v);
    free(r->keys);
    free(r->res);
    free(r->seed);
    free(r->wall);
    free(r->stored);
    free(r);
}

cav_result *cav_run_result(const cav_run *r, size_t p, size_t s)
{
    return &r->res[p * r->nseeds + s];
}

/* Seeds that enter the mean of row `row` of point p: the completed ones; when none completed,
 * the failed (not missing) ones, so that a point whose every seed failed (e.g. diverged) still
 * shows the rows its seeds produced before failing, with its failed status beside them. */
static int mean_uses(const cav_run *r, size_t p, size_t row, const cav_result *x)
{
    if (row >= x->nrows) return 0;
    if (x->status == CAV_OK) return 1;
    if (x->status == CAV_CONTINUE) return 0;
    for (size_t s = 0; s < r->nseeds; s++)
        if (cav_run_result(r, p, s)->status == CAV_OK) return 0;
    return 1;
}

void cav_run_mean(const cav_run *r, size_t p, size_t row, double *mean, double *se, size_t *k)
{
    size_t nobs = (size_t)r->model->nobs, cnt = 0;
    for (size_t j = 0; j < nobs; j++)
        mean[j] = se[j] = 0;
    for (size_t s = 0; s < r->nseeds; s++) {
        const cav_result *x = cav_run_result(r, p, s);
        if (!mean_uses(r, p, row, x)) continue;
        cnt++;
        for (size_t j = 0; j < nobs; j++)
            mean[j] += x->rows[row * nobs + j];
    }
    for (size_t j = 0; j < nobs; j++)
        mean[j] = cnt ? mean[j] / (double)cnt : NAN;
    /* Two-pass sample variance (stable), standard error sd / sqrt(k). */
    for (size_t s = 0; s < r->nseeds; s++) {
        const cav_result *x = cav_run_result(r, p, s);
        if (!mean_uses(r, p, row, x)) continue;
        for (size_t j = 0; j < nobs; j++) {
            double d = x->rows[row * nobs + j] - mean[j];
            se[j] += d * d;
        }
    }
    for (size_t j = 0; j < nobs; j++)
        se[j] = cnt > 1 ? sqrt(se[j] / (double)(cnt - 1) / (double)cnt) : NAN;
    *k = cnt;
}

int cav_run_status(const cav_run *r, size_t p, double *residual, long *iterations)
{
    int st = CAV_OK;
    double res = r->nseeds ? -INFINITY : NAN;
    long it = 0;
    for (size_t s = 0; s < r->nseeds; s++) {
        const cav_result *x = cav_run_result(r, p, s);
        if (st == CAV_OK && x->status != CAV_OK) st = x->status;
        if (isnan(x->residual) || x->residual > res) res = x->residual;
        if (x->iterations > it) it = x->iterations;
    }
    if (residual) *residual = isinf(res) ? NAN : res;
    if (iterations) *iterations = it;
    return st;
}

/* ---------------------------------------------------------------------------------------- */

typedef struct sweep {
    const cav_grid *g;
    const cav_run_opts *o;
    const cav_model *m;
    cav_run *run;
    size_t nunits, chainlen;
    int nwarm;
    double *warm; /* npoints x nwarm: warm vectors (stored or computed) */
    pthread_mutex_t mu;
    size_t next; /* next unit to take (under mu) */
    cav_progress prog;
    double t0;
    int status; /* first machinery error */
    cav_err err;
} sweep;

static int unit_mine(size_t u)
{
    return (int)(u % (size_t)mpi_size) == mpi_rank;
}

#if CAVITY_HAVE_MPI
/* Message from a worker rank: header doubles [p, s, status, iterations, residual, wall, nrows]
 * then the message text, rows (nrows x nobs) and the warm vector. */
enum { HDR = 7 };
static void mpi_send_result(sweep *w, size_t p, size_t s)
{
    const cav_result *x = cav_run_result(w->run, p, s);
    size_t nobs = (size_t)w->m->nobs, nw = w->o->kind == CAV_KIND_THEORY ? (size_t)w->nwarm : 0;
    size_t nd = HDR + CAV_RESULT_MSG_LEN / sizeof(double) + x->nrows * nobs + nw;
    double *buf = calloc(nd, sizeof *buf);
    if (!buf) return;
    double h[HDR] = {(double)p,         (double)s,
                     (double)x->status, (double)x->iterations,
                     x->residual,       w->run->wall[p * w->run->nseeds + s],
                     (double)x->nrows};
    memcpy(buf, h, sizeof h);
    memcpy(buf + HDR, x->msg, CAV_RESULT_MSG_LEN);
    double *q = buf + HDR + CAV_RESULT_MSG_LEN / sizeof(double);
    memcpy(q, x->rows, x->nrows * nobs * sizeof *q);
    if (nw) memcpy(q + x->nrows * nobs, w->warm + p * nw, nw * sizeof *q);
    MPI_Send(buf, (int)nd, MPI_DOUBLE, 0, 17, MPI_COMM_WORLD);
    free(buf);
}
#endif

/* Record a finished computation (called with w->mu held). */
static void complete(sweep *w, size_t p, size_t s)
{
    cav_run *r = w->run;
    const cav_result *x = cav_run_result(r, p, s);
    if (x->status != CAV_OK) w->prog.failed++;
    w->prog.done++;
#if CAVITY_HAVE_MPI
    if (mpi_rank > 0) {
        mpi_send_result(w, p, s);
        return;
    }
#endif
    if (w->o->store && !w->status) {
        cav_store_row row = {
            r->keys[p],
            r->seed[p * r->nseeds + s],
            x,
            w->o->kind == CAV_KIND_THEORY && w->nwarm ? w->warm + p * (size_t)w->nwarm : NULL,
            w->nwarm,
            r->wall[p * r->nseeds + s]};
        w->status = cav_store_put(w->o->store, w->m, w->o->kind, r->v + p * (size_t)w->m->nparams,
                                  &row, &w->err);
    }
    if (w->o->progress) {
        w->prog.elapsed = now_s() - w->t0;
        size_t left = w->prog.total - w->prog.done;
        w->prog.eta = w->prog.done ? w->prog.elapsed / (double)w->prog.done * (double)left : -1;
        w->o->progress(w->o->ctx, &w->prog);
    }
}

/* Compute point p, seed index s (theory: warm_in may be NULL). */
static void compute(sweep *w, size_t p, size_t s, const double *warm_in)
{
    cav_run *r = w->run;
    cav_result *x = cav_run_result(r, p, s);
    const double *v = r->v + p * (size_t)w->m->nparams;
    cav_result_init(x, (size_t)w->m->nobs);
    double t = now_s();
    int rc;
    if (w->o->kind == CAV_KIND_THEORY)
        rc = cav_model_theory(w->m, v, warm_in, w->nwarm ? w->warm + p * (size_t)w->nwarm : NULL,
                              x);
    else
        rc = cav_model_simulate(w->m, v, (uint64_t)r->seed[p * r->nseeds + s], x);
    if (rc != CAV_OK && x->status == CAV_OK) x->status = rc;
    r->wall[p * r->nseeds + s] = now_s() - t;
}

static int take(sweep *w, size_t *u)
{
    pthread_mutex_lock(&w->mu);
    int ok = 0;
    while (!w->status && w->next < w->nunits) {
        size_t c = w->next++;
        if (unit_mine(c)) {
            *u = c;
            ok = 1;
            break;
        }
    }
    pthread_mutex_unlock(&w->mu);
    return ok;
}

static void *worker(void *arg)
{
    sweep *w = arg;
    if (w->o->jobs > 1) omp_set_num_threads(1);
    size_t u;
    while (take(w, &u)) {
        if (w->o->kind == CAV_KIND_THEORY) {
            const double *prev = NULL; /* last converged warm vector of this chain */
            for (size_t k = 0; k < w->chainlen; k++) {
                size_t p = u * w->chainlen + k;
                const cav_result *x = cav_run_result(w->run, p, 0);
                if (!w->run->stored[p]) {
                    compute(w, p, 0, prev);
                    pthread_mutex_lock(&w->mu);
                    complete(w, p, 0);
                    pthread_mutex_unlock(&w->mu);
                }
                if (x->status == CAV_OK && w->nwarm) {
                    const double *wv = w->warm + p * (size_t)w->nwarm;
                    int finite = 1;
                    for (int i = 0; i < w->nwarm; i++)
                        finite &= isfinite(wv[i]) != 0;
                    prev = finite ? wv : NULL;
                }
            }
        } else {
            size_t p = u / w->run->nseeds, s = u % w->run->nseeds;
            if (w->run->stored[u]) continue;
            compute(w, p, s, NULL);
            pthread_mutex_lock(&w->mu);
            complete(w, p, s);
            pthread_mutex_unlock(&w->mu);
        }
    }
    return NULL;
}

/* Number of computations (not stored) in unit u. */
static size_t unit_work(const sweep *w, size_t u)
{
    size_t n = 0;
    if (w->o->kind == CAV_KIND_THEORY) {
        for (size_t k = 0; k < w->chainlen; k++)
            n += !w->run->stored[u * w->chainlen + k];
    } else {
        n = !w->run->stored[u];
    }
    return n;
}

#if CAVITY_HAVE_MPI
/* Rank 0: receive `count` results from the other ranks while local workers run. */
static void mpi_serve(sweep *w, size_t count)
{
    size_t nobs = (size_t)w->m->nobs, nw = w->o->kind == CAV_KIND_THEORY ? (size_t)w->nwarm : 0;
    for (size_t i = 0; i < count; i++) {
        MPI_Status st;
        int nd = 0;
        MPI_Probe(MPI_ANY_SOURCE, 17, MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, MPI_DOUBLE, &nd);
        double *buf = malloc((size_t)nd * sizeof *buf);
        if (!buf) break;
        MPI_Recv(buf, nd, MPI_DOUBLE, st.MPI_SOURCE, 17, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        size_t p = (size_t)buf[0], s = (size_t)buf[1], nrows = (size_t)buf[6];
        pthread_mutex_lock(&w->mu);
        cav_result *x = cav_run_result(w->run, p, s);
        cav_result_init(x, nobs);
        double *rows = nrows > 1 ? cav_result_rows(x, nrows) : x->obs;
        x->status = (int)buf[2];
        x->iterations = (long)buf[3];
        x->residual = buf[4];
        w->run->wall[p * w->run->nseeds + s] = buf[5];
        memcpy(x->msg, buf + HDR, CAV_RESULT_MSG_LEN);
        x->msg[CAV_RESULT_MSG_LEN - 1] = '\0';
        const double *q = buf + HDR + CAV_RESULT_MSG_LEN / sizeof(double);
        if (rows) memcpy(rows, q, nrows * nobs * sizeof *q);
        if (nw) memcpy(w->warm + p * nw, q + nrows * nobs, nw * sizeof *q);
        complete(w, p, s);
        pthread_mutex_unlock(&w->mu);
        free(buf);
    }
}
#endif

/* Read stored results (rank 0) and share which are done, with warm vectors, with all ranks. */
static int preload(sweep *w)
{
    cav_run *r = w->run;
    size_t n = r->npoints * r->nseeds;
    if (mpi_rank == 0 && w->o->store && !w->o->recompute) {
        for (size_t i = 0; i < n; i++) {
            size_t p = i / r->nseeds;
            int found = 0;
            double wall = 0;
            int s =
                cav_store_get(w->o->store, w->m, w->o->kind, r->keys[p], r->seed[i], &r->res[i],
                              w->nwarm ? w->warm + p * (size_t)w->nwarm : NULL,
                              w->o->kind == CAV_KIND_THEORY ? w->nwarm : 0, &wall, &found, &w->err);
            if (s) return s;
            r->stored[i] = (unsigned char)found;
            if (found) {
                r->wall[i] = wall;
                w->prog.skipped++;
            }
        }
    }
#if CAVITY_HAVE_MPI
    if (mpi_size > 1) {
        MPI_Bcast(r->stored, (int)n, MPI_UNSIGNED_CHAR, 0, MPI_COMM_WORLD);
        if (w->nwarm)
            MPI_Bcast(w->warm, (int)(r->npoints * (size_t)w->nwarm), MPI_DOUBLE, 0, MPI_COMM_WORLD);
        /* Other ranks need the status of stored points to decide on warm starts. */
        int *st = malloc(n * sizeof *st);
        if (!st) return CAV_ENOMEM;
        for (size_t i = 0; i < n; i++)
            st[i] = r->res[i].status;
        MPI_Bcast(st, (int)n, MPI_INT, 0, MPI_COMM_WORLD);
        for (size_t i = 0; i < n; i++)
            r->res[i].status = st[i];
        free(st);
    }
#endif
    return CAV_OK;
}

int cav_run_exec(const cav_grid *g, const cav_run_opts *o, cav_run **out, cav_err *err)
{
    *out = NULL;
    const cav_model *m = g->model;
    if (o->kind == CAV_KIND_THEORY && !m->theory)
        return cav_err_set(err, CAV_EUNSUP, "model %s has no theory", m->name);
    if (o->kind == CAV_KIND_SIM && !m->simulate)
        return cav_err_set(err, CAV_EUNSUP, "model %s has no simulation", m->name);
    if (o->jobs < 1 || o->jobs > 1024)
        return cav_err_set(err, CAV_EINVAL, "jobs = %d out of range [1, 1024]", o->jobs);
    if (o->kind == CAV_KIND_SIM && o->nseeds < 1)
        return cav_err_set(err, CAV_EINVAL, "seeds = %d must be >= 1", o->nseeds);
    sweep w;
    memset(&w, 0, sizeof w);
    w.g = g;
    w.o = o;
    w.m = m;
    size_t np = cav_grid_size(g, o->kind);
    size_t ns = o->kind == CAV_KIND_SIM ? (size_t)o->nseeds : 1;
    w.run = cav_run_alloc(m, o->kind, np, ns);
    w.nwarm = o->kind == CAV_KIND_THEORY ? m->nwarm : 0;
    w.warm = calloc(np * (size_t)(w.nwarm > 0 ? w.nwarm : 1), sizeof *w.warm);
    if (!w.run || !w.warm) {
        cav_run_free(w.run);
        free(w.warm);
        return cav_err_set(err, CAV_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < np * (size_t)w.nwarm; i++)
        w.warm[i] = NAN;
    cav_run *r = w.run;
    for (size_t p = 0; p < np; p++) {
        double *v = r->v + p * (size_t)m->nparams;
        cav_grid_point(g, o->kind, p, v);
        cav_key_format(m, o->kind, v, r->keys[p], CAV_KEY_LEN);
        for (size_t s = 0; s < ns; s++)
            r->seed[p * ns + s] = o->kind == CAV_KIND_SIM ? (long)(o->seed0 + s) : 0;
    }
    w.chainlen = o->kind == CAV_KIND_THEORY ? cav_grid_chain_len(g, o->kind) : 1;
    w.nunits = o->kind == CAV_KIND_THEORY ? np / w.chainlen : np * ns;
    int status = preload(&w);
    if (status) {
        cav_err_set(err, status, "%s", w.err.msg);
        cav_run_free(r);
        free(w.warm);
        return status;
    }
    size_t remote = 0;
    for (size_t u = 0; u < w.nunits; u++) {
        size_t k = unit_work(&w, u);
        w.prog.total += k;
        if (!unit_mine(u)) remote += k;
    }
    w.t0 = now_s();
    pthread_mutex_init(&w.mu, NULL);
    /* OpenBLAS's results depend on its thread count (reductions are split differently), so a
     * sweep always runs BLAS on one thread per worker: results are then the same for any jobs,
     * and stored rows match recomputed ones. Parallelism comes from the workers. */
    int old_blas = cav_la_set_threads(1);
    int nthreads = o->jobs;
    pthread_t *th = calloc((size_t)nthreads, sizeof *th);
    int started = 0;
    if (th)
        for (; started < nthreads; started++)
            if (pthread_create(&th[started], NULL, worker, &w)) break;
    if (started == 0) worker(&w); /* no thread could start: run inline */
#if CAVITY_HAVE_MPI
    if (mpi_size > 1 && mpi_rank == 0) mpi_serve(&w, remote);
#else
    (void)remote;
#endif
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    cav_la_set_threads(old_blas);
    pthread_mutex_destroy(&w.mu);
    free(w.warm);
    if (w.status) {
        cav_err_set(err, w.status, "%s", w.err.msg);
        cav_run_free(r);
        return w.status;
    }
    for (size_t i = 0; i < np * ns; i++)
        r->nfailed += r->res[i].status != CAV_OK;
    *out = r;
    return CAV_OK;
}

int cav_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
    *rank = 0;
    *size = 1;
#if CAVITY_HAVE_MPI
    /* Only under a launcher: a plain run must not pay for (or fail in) singleton init. */
    if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK")) {
        int provided = 0;
        if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
            return CAV_EIO;
        MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
        MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
    }
#else
    (void)argc, (void)argv;
#endif
    *rank = mpi_rank;
    *size = mpi_size;
    return CAV_OK;
}

void cav_mpi_finalize(void)
{
#if CAVITY_HAVE_MPI
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin) MPI_Finalize();
#endif
}
