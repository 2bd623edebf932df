/* The sweep runner (see cavity/run.h): grid points -> model entry points -> store.
 *
 * Work is cut into units defined independently of the number of threads or ranks:
 *   theory      a chain is the points along cav_grid_chain with the other parameters fixed,
 *               solved in grid order, each point warm-started from the last converged point
 *               before it (continuation). A chain of up to CAV_RUN_SEGMENT points is one unit.
 *               A longer one is cut into segments of CAV_RUN_SEGMENT points: unit (chain, 0)
 *               first solves the seams, the first point of every segment, each warm-started
 *               from the previous seam, then its own segment; unit (chain, k) waits for seam k
 *               and solves segment k from it. Which point starts from which depends only on
 *               the chain's length, so results are the same for any number of workers, and the
 *               segments of one long chain run in parallel;
 *   simulation  one unit per (point, seed index), seed = seed0 + seed index.
 * Units are taken from a shared counter by `jobs` pthreads, and, under MPI, unit u belongs to
 * rank u mod size. Hence every result is bitwise the same for any jobs / ranks. One mutex
 * serialises store writes, progress and (MPI) sends: a row is committed as soon as its point is
 * done. Points found in the store (same model, kind, canonical key, seed) are read back with
 * their warm-start vectors, so a resumed chain continues exactly as the uninterrupted one.
 *
 * Failures of the machinery (a store write, memory, another MPI rank) stop the sweep: no new
 * unit is started, chains stop after their current point, and the run is still returned with
 * the points computed so far (the others marked CAV_CONTINUE, "not computed"), so that a caller
 * can show them. Under MPI every such failure reaches every rank (see the protocol below). */
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

/* MPI world of this process (set once by cav_mpi_init before any run; 0 / 1 without MPI), and
 * the end of the job as this rank learnt it (cav_mpi_finish): MPI state is per process. */
static int mpi_rank = 0, mpi_size = 1;
#if CAVITY_HAVE_MPI
static int mpi_ended = 0, mpi_end_code = 0; /* end_code: rank 0's exit code + 1, 0 unknown */
#endif

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

/* ---------------------------------------------------------------------------------------- */

typedef struct sweep {
    const cav_grid *g;
    const cav_run_opts *o;
    const cav_model *m;
    cav_run *run;
    size_t nunits, chainlen;
    size_t nseg;               /* theory: segments per chain */
    unsigned char *seam_ready; /* theory: nchains x nseg, seam k of a chain is solved */
    pthread_cond_t seam_cv;    /* signalled when a seam is ready or the sweep stops */
    int threads;               /* OpenMP threads of a computation */
    int nwarm;
    pthread_mutex_t mu;
    size_t next; /* next unit to take (under mu) */
    cav_progress prog;
    double t0;
    int status; /* first machinery error */
    cav_err err;
    unsigned char *done; /* npoints x nseeds: computed in this run (rank 0: by any rank) */
    int stopped;         /* MPI rank > 0: rank 0 asked to stop */
    int cancelled;       /* o->cancel asked to stop */
} sweep;

/* Under MPI the units of one theory chain belong to one rank (its seams are shared only
 * there): unit u of theory is chain u / nseg. */
static size_t unit_owner_index(const sweep *w, size_t u)
{
    return w->o->kind == CAV_KIND_THEORY ? u / w->nseg : u;
}

static int unit_mine_w(const sweep *w, size_t u)
{
    return (int)(unit_owner_index(w, u) % (size_t)mpi_size) == mpi_rank;
}

#if CAVITY_HAVE_MPI
/* MPI protocol of a run (all ranks, in this order):
 *   1. agree: every rank contributes its status after setting up (rank 0: after reading the
 *      store); any failure, or a rank that already ended its part of the job (cav_mpi_finish),
 *      makes every rank return an error. An agreement is an MPI_Allreduce(MAX) of AGREE ints
 *      {status, ended, rank 0's exit code + 1, stop sent}; cav_mpi_finish contributes to the
 *      same collective, so a rank that stopped before a run (say rank 0 could not open the
 *      store) releases the ranks waiting in it instead of leaving them blocked.
 *   2. rank 0 broadcasts what the store holds (done flags, warm vectors, statuses);
 *   3. ranks > 0 send each result (TAG_RESULT) as it completes, then TAG_DONE; rank 0 receives
 *      until every rank is done. After a failure rank 0 sends TAG_STOP to the others, which
 *      look for it before taking a unit;
 *   4. agree on the final status; a rank that was sent TAG_STOP and has not read it reads it. */
enum { HDR = 7, MSGD = CAV_RESULT_MSG_LEN / sizeof(double), AGREE = 4 };
enum { TAG_RESULT = 17, TAG_STOP = 18, TAG_DONE = 19 };

/* Collective agreement (step 1 / 4): max over ranks of `status`; *stop (may be NULL) gets the
 * stop-sent flag. A rank that ended the job makes it CAV_EIO with the message on err. */
static int mpi_agree(int status, int stop_sent, int *stop, cav_err *err)
{
    int in[AGREE] = {status > 0 ? status : 0, 0, 0, stop_sent}, out[AGREE];
    MPI_Allreduce(in, out, AGREE, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (stop) *stop = out[3];
    if (out[1]) {
        mpi_ended = 1;
        mpi_end_code = out[2];
        return cav_err_set(err, CAV_EIO,
                           "MPI rank %d: another rank ended the job before this "
                           "run (rank 0 reports why)",
                           mpi_rank);
    }
    if (out[0] && !status)
        cav_err_set(err, out[0], "MPI rank %d: stopped, another rank failed (%s)%s", mpi_rank,
                    cav_status_name(out[0]), mpi_rank ? "; rank 0 reports why" : "");
    return out[0];
}

/* Message from a worker rank: header doubles [p, s, status, iterations, residual, wall, nrows]
 * then the message text, rows (nrows x nobs) and the warm vector. Without memory for the
 * buffer, a header-only message reports the point as CAV_ENOMEM (rank 0 counts every point). */
static void mpi_send_result(sweep *w, size_t p, size_t s)
{
    const cav_run_cell *c = cav_run_cell_at(w->run, p, s);
    const cav_result *x = &c->res;
    size_t nobs = (size_t)w->m->nobs, nw = w->o->kind == CAV_KIND_THEORY ? (size_t)w->nwarm : 0;
    size_t nd = HDR + MSGD + x->nrows * nobs + nw;
    double small[HDR + MSGD];
    double *buf = calloc(nd, sizeof *buf);
    double h[HDR] = {(double)p,   (double)s, (double)x->status, (double)x->iterations,
                     x->residual, c->wall,   (double)x->nrows};
    if (!buf) {
        nd = HDR + MSGD;
        buf = small;
        memset(small, 0, sizeof small);
        h[2] = CAV_ENOMEM;
        h[6] = 0;
    }
    memcpy(buf, h, sizeof h);
    if (buf == small) {
        snprintf((char *)(buf + HDR), CAV_RESULT_MSG_LEN, "out of memory sending the result");
    } else {
        memcpy(buf + HDR, x->msg, CAV_RESULT_MSG_LEN);
        double *q = buf + HDR + MSGD;
        memcpy(q, x->rows, x->nrows * nobs * sizeof *q);
        if (nw) memcpy(q + x->nrows * nobs, c->warm, nw * sizeof *q);
    }
    MPI_Send(buf, (int)nd, MPI_DOUBLE, 0, TAG_RESULT, MPI_COMM_WORLD);
    if (buf != small) free(buf);
}

/* Rank > 0 (w->mu held): has rank 0 asked to stop? */
static void mpi_poll_stop(sweep *w)
{
    if (mpi_size < 2 || mpi_rank == 0 || w->stopped) return;
    int flag = 0, x;
    MPI_Iprobe(0, TAG_STOP, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    if (!flag) return;
    MPI_Recv(&x, 1, MPI_INT, 0, TAG_STOP, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    w->stopped = 1;
    if (!w->status)
        w->status = cav_err_set(&w->err, CAV_EIO, "MPI rank %d: stopped by rank 0", mpi_rank);
}
#endif

/* Record a finished computation (called with w->mu held). */
static void complete(sweep *w, size_t p, size_t s)
{
    cav_run *r = w->run;
    const cav_result *x = cav_run_result(r, p, s);
    if (x->status != CAV_OK) w->prog.failed++;
    w->prog.done++;
    w->done[p * r->nseeds + s] = 1;
#if CAVITY_HAVE_MPI
    if (mpi_rank > 0) {
        mpi_send_result(w, p, s);
        mpi_poll_stop(w); /* a chain stops at its next point */
        return;
    }
#endif
    if (w->o->store && !w->status) {
        const cav_run_cell *c = cav_run_cell_at(r, p, s);
        char key[CAV_KEY_LEN];
        double v[CAV_MAX_PARAMS];
        cav_run_point(r, p, v);
        cav_run_key(r, p, key, sizeof key);
        cav_store_row row = {key,      c->seed,
                             x,        w->o->kind == CAV_KIND_THEORY && w->nwarm ? c->warm : NULL,
                             w->nwarm, c->wall};
        w->status = cav_store_put(w->o->store, w->m, w->o->kind, v, &row, &w->err);
    }
    if (w->o->progress) {
        w->prog.elapsed = now_s() - w->t0;
        size_t left = w->prog.total - w->prog.done;
        w->prog.eta = w->prog.done ? w->prog.elapsed / (double)w->prog.done * (double)left : -1;
        w->o->progress(w->o->ctx, &w->prog);
    }
}

/* Compute point p, seed index s (theory: warm_in may be NULL) into a new cell of the run; 0
 * without memory for the cell (the sweep then fails). */
static int compute(sweep *w, size_t p, size_t s, const double *warm_in)
{
    cav_run *r = w->run;
    cav_run_cell *c = cav_run_cell_new(r, w->nwarm);
    if (!c) {
        pthread_mutex_lock(&w->mu);
        if (!w->status) w->status = cav_err_set(&w->err, CAV_ENOMEM, "out of memory for a result");
        pthread_mutex_unlock(&w->mu);
        return 0;
    }
    double v[CAV_MAX_PARAMS];
    cav_run_point(r, p, v);
    c->seed = w->o->kind == CAV_KIND_SIM ? (long)(w->o->seed0 + s) : 0;
    cav_result *x = &c->res;
    double t = now_s();
    int rc;
    if (w->o->kind == CAV_KIND_THEORY)
        rc = cav_model_theory(w->m, v, warm_in, w->nwarm ? c->warm : NULL, x);
    else
        rc = cav_model_simulate(w->m, v, (uint64_t)c->seed, x);
    if (rc != CAV_OK && x->status == CAV_OK) x->status = rc;
    c->wall = now_s() - t;
    cav_run_cell_put(r, p, s, c);
    return 1;
}

/* (w->mu held) The caller asked to stop: the sweep ends as after a failure. */
static void check_cancel(sweep *w)
{
    if (w->status || !w->o->cancel || !w->o->cancel(w->o->ctx)) return;
    w->cancelled = 1;
    w->status =
        cav_err_set(&w->err, CAV_ECANCEL, "cancelled: the sweep stopped at the caller's request");
    pthread_cond_broadcast(&w->seam_cv);
}

static int take(sweep *w, size_t *u)
{
    pthread_mutex_lock(&w->mu);
    int ok = 0;
#if CAVITY_HAVE_MPI
    mpi_poll_stop(w);
#endif
    check_cancel(w);
    while (!w->status && w->next < w->nunits) {
        size_t c = w->next++;
        if (unit_mine_w(w, c)) {
            *u = c;
            ok = 1;
            break;
        }
    }
    pthread_mutex_unlock(&w->mu);
    return ok;
}

/* Warm vector of point p if it converged with finite values, else NULL. */
static const double *warm_of(const sweep *w, size_t p)
{
    const cav_run_cell *c = cav_run_cell_at(w->run, p, 0);
    if (!c || c->res.status != CAV_OK || !w->nwarm) return NULL;
    for (int i = 0; i < w->nwarm; i++)
        if (!isfinite(c->warm[i])) return NULL;
    return c->warm;
}

/* Solve theory point p from `prev` unless it is stored; 0 when the sweep must stop. */
static int theory_point(sweep *w, size_t p, const double *prev)
{
    pthread_mutex_lock(&w->mu);
    int stopped = w->status != 0;
    pthread_mutex_unlock(&w->mu);
    if (stopped) return 0;
    if (cav_run_stored(w->run, p, 0)) return 1;
    if (!compute(w, p, 0, prev)) return 0;
    pthread_mutex_lock(&w->mu);
    complete(w, p, 0);
    /* The sweep failed or was cancelled: end the chain here. */
    check_cancel(w);
    int stop = w->status != 0;
    if (stop) pthread_cond_broadcast(&w->seam_cv);
    pthread_mutex_unlock(&w->mu);
    return !stop;
}

/* Points lo+1 .. hi-1 of a chain in order, from the solution at lo. */
static void theory_run(sweep *w, size_t lo, size_t hi)
{
    const double *prev = warm_of(w, lo);
    for (size_t p = lo + 1; p < hi; p++) {
        if (!theory_point(w, p, prev)) return;
        const double *wv = warm_of(w, p);
        prev = wv; /* a point that did not converge is no start for the next one */
    }
}

static void theory_unit(sweep *w, size_t u)
{
    size_t L = w->chainlen, c = u / w->nseg, k = u % w->nseg, base = c * L;
    size_t seg = w->nseg > 1 ? CAV_RUN_SEGMENT : L;
    if (k == 0) {
        /* The seams, each from the previous one, then segment 0. */
        const double *prev = NULL;
        for (size_t j = 0; j < w->nseg; j++) {
            size_t p = base + j * seg;
            if (!theory_point(w, p, prev)) break;
            prev = warm_of(w, p);
            if (w->nseg > 1) {
                pthread_mutex_lock(&w->mu);
                w->seam_ready[c * w->nseg + j] = 1;
                pthread_cond_broadcast(&w->seam_cv);
                pthread_mutex_unlock(&w->mu);
            }
        }
        theory_run(w, base, base + (seg < L ? seg : L));
        return;
    }
    /* Segment k: wait for its seam (or for the sweep to stop). */
    pthread_mutex_lock(&w->mu);
    while (!w->seam_ready[c * w->nseg + k] && !w->status) {
        /* A timed wait: a stop can come from anywhere (a store write, MPI, a cancel). */
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += 50000000;
        if (t.tv_nsec >= 1000000000) t.tv_sec++, t.tv_nsec -= 1000000000;
        pthread_cond_timedwait(&w->seam_cv, &w->mu, &t);
    }
    int go = !w->status;
    pthread_mutex_unlock(&w->mu);
    if (!go) return;
    size_t lo = base + k * seg, hi = base + ((k + 1) * seg < L ? (k + 1) * seg : L);
    theory_run(w, lo, hi);
}

static void *worker(void *arg)
{
    sweep *w = arg;
    /* OpenMP threads lent to this worker's computations; restored afterwards, as this may be
     * the caller's thread. */
    int omp_old = omp_get_max_threads();
    if (w->o->jobs > 1) omp_set_num_threads(w->threads);
    size_t u;
    while (take(w, &u)) {
        if (w->o->kind == CAV_KIND_THEORY) {
            theory_unit(w, u);
        } else {
            size_t p = u / w->run->nseeds, s = u % w->run->nseeds;
            if (cav_run_stored(w->run, p, s)) continue;
            if (!compute(w, p, s, NULL)) continue;
            pthread_mutex_lock(&w->mu);
            complete(w, p, s);
            pthread_mutex_unlock(&w->mu);
        }
    }
    if (w->o->jobs > 1) omp_set_num_threads(omp_old);
    return NULL;
}

/* Number of computations (not stored) in unit u. */
static size_t unit_work(const sweep *w, size_t u)
{
    size_t n = 0;
    if (w->o->kind == CAV_KIND_THEORY) {
        /* Unit (chain, 0) holds the seams and segment 0, unit (chain, k) the rest of segment
         * k; together every point of the chain once. */
        size_t L = w->chainlen, c = u / w->nseg, k = u % w->nseg, base = c * L;
        size_t seg = w->nseg > 1 ? CAV_RUN_SEGMENT : L;
        for (size_t i = 0; i < L; i++) {
            size_t j = i / seg, first = i % seg == 0;
            int mine = k == 0 ? (first || j == 0) : (j == k && !first);
            if (mine) n += !cav_run_stored(w->run, base + i, 0);
        }
    } else {
        n = !cav_run_stored(w->run, u / w->run->nseeds, u % w->run->nseeds);
    }
    return n;
}

#if CAVITY_HAVE_MPI
/* Rank 0: receive results from the other ranks while local workers run, until every rank is
 * done; after a failure, tell the other ranks to stop (requests in stopreq[mpi_size]). */
static void mpi_serve(sweep *w, MPI_Request *stopreq, int *stop_sent)
{
    size_t nobs = (size_t)w->m->nobs, nw = w->o->kind == CAV_KIND_THEORY ? (size_t)w->nwarm : 0;
    static const int one = 1;
    for (int ndone = 0; ndone < mpi_size - 1;) {
        pthread_mutex_lock(&w->mu);
        int failed = w->status != 0;
        pthread_mutex_unlock(&w->mu);
        if (failed && !*stop_sent) {
            for (int r = 1; r < mpi_size; r++)
                MPI_Isend(&one, 1, MPI_INT, r, TAG_STOP, MPI_COMM_WORLD, &stopreq[r]);
            *stop_sent = 1;
        }
        MPI_Status st;
        int nd = 0;
        MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, MPI_DOUBLE, &nd);
        if (st.MPI_TAG == TAG_DONE) {
            MPI_Recv(NULL, 0, MPI_DOUBLE, st.MPI_SOURCE, TAG_DONE, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            ndone++;
            continue;
        }
        double *buf = malloc((size_t)(nd > 0 ? nd : 1) * sizeof *buf);
        if (!buf) {
            /* No memory to hold the message: the truncated receive makes MPI abort the whole
             * job (its default error handler), so that no rank is left waiting. */
            double h[HDR + MSGD];
            MPI_Recv(h, 0, MPI_DOUBLE, st.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            pthread_mutex_lock(&w->mu);
            if (!w->status)
                w->status = cav_err_set(&w->err, CAV_ENOMEM, "out of memory receiving results");
            pthread_mutex_unlock(&w->mu);
            continue;
        }
        MPI_Recv(buf, nd, MPI_DOUBLE, st.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        size_t p = (size_t)buf[0], s = (size_t)buf[1], nrows = (size_t)buf[6];
        int whole =
            (size_t)nd >= HDR + MSGD && nrows >= 1 && (size_t)nd == HDR + MSGD + nrows * nobs + nw;
        if ((size_t)nd < HDR + MSGD || p >= w->run->npoints || s >= w->run->nseeds) {
            free(buf);
            continue; /* not a message of this run */
        }
        cav_run_cell *c = cav_run_cell_new(w->run, w->nwarm);
        if (!c) {
            free(buf);
            pthread_mutex_lock(&w->mu);
            if (!w->status)
                w->status = cav_err_set(&w->err, CAV_ENOMEM, "out of memory receiving results");
            pthread_mutex_unlock(&w->mu);
            continue;
        }
        pthread_mutex_lock(&w->mu);
        cav_result *x = &c->res;
        double *rows = whole && nrows > 1 ? cav_result_rows(x, nrows) : x->obs;
        x->status = whole ? (int)buf[2] : CAV_ENOMEM;
        x->iterations = (long)buf[3];
        x->residual = buf[4];
        c->wall = buf[5];
        c->seed = w->o->kind == CAV_KIND_SIM ? (long)(w->o->seed0 + s) : 0;
        memcpy(x->msg, buf + HDR, CAV_RESULT_MSG_LEN);
        x->msg[CAV_RESULT_MSG_LEN - 1] = '\0';
        const double *q = buf + HDR + MSGD;
        if (whole && rows) memcpy(rows, q, nrows * nobs * sizeof *q);
        if (whole && !rows) x->status = cav_result_fail(x, CAV_ENOMEM, "out of memory");
        if (whole && nw) memcpy(c->warm, q + nrows * nobs, nw * sizeof *q);
        cav_run_cell_put(w->run, p, s, c);
        complete(w, p, s);
        pthread_mutex_unlock(&w->mu);
        free(buf);
    }
}
#endif

/* Read stored results (rank 0): a cell for every result found. */
static int preload(sweep *w)
{
    cav_run *r = w->run;
    if (mpi_rank != 0 || !w->o->store || w->o->recompute) return CAV_OK;
    /* Nothing of this model stored (a new store, say): no point to look up. */
    long have = cav_store_count(w->o->store, w->m, &w->err);
    if (have < 0) return CAV_EIO;
    if (have == 0) return CAV_OK;
    int nw = w->o->kind == CAV_KIND_THEORY ? w->nwarm : 0;
    for (size_t p = 0; p < r->npoints; p++) {
        char key[CAV_KEY_LEN];
        cav_run_key(r, p, key, sizeof key);
        for (size_t s = 0; s < r->nseeds; s++) {
            cav_run_cell *c = cav_run_cell_new(r, w->nwarm);
            if (!c) return cav_err_set(&w->err, CAV_ENOMEM, "out of memory reading the store");
            int found = 0;
            c->seed = cav_run_seed(r, p, s);
            int st = cav_store_get(w->o->store, w->m, w->o->kind, key, c->seed, &c->res,
                                   nw ? c->warm : NULL, nw, &c->wall, &found, &w->err);
            if (st || !found) {
                cav_result_release(&c->res);
                free(c);
                if (st) return st;
                continue;
            }
            c->stored = 1;
            cav_run_cell_put(r, p, s, c);
            w->prog.skipped++;
        }
    }
    return CAV_OK;
}

/* After a failure: drop the points of which nothing was computed or read from the store, keeping
 * the others in grid order (r->index maps them to their grid points). */
static int keep_computed(cav_run *r)
{
    size_t ns = r->nseeds, q = 0;
    size_t *index = malloc((r->npoints ? r->npoints : 1) * sizeof *index);
    if (!index) return CAV_ENOMEM; /* keep every point: those without a result read as such */
    for (size_t p = 0; p < r->npoints; p++) {
        int any = 0;
        for (size_t s = 0; s < ns; s++)
            any |= r->cells[p * ns + s] != NULL;
        if (!any) continue;
        index[q] = r->index ? r->index[p] : p;
        if (q != p)
            for (size_t s = 0; s < ns; s++) {
                r->cells[q * ns + s] = r->cells[p * ns + s];
                r->cells[p * ns + s] = NULL;
            }
        q++;
    }
    free(r->index);
    r->index = index;
    r->npoints = q;
    return CAV_OK;
}

#if CAVITY_HAVE_MPI
/* Share what rank 0 read from the store with all ranks: for each stored result its unit index,
 * status and warm vector (other ranks need the status and warm vector of stored points for the
 * warm starts of their chains). */
static int mpi_share(sweep *w)
{
    cav_run *r = w->run;
    size_t n = r->npoints * r->nseeds, nw = (size_t)w->nwarm, k = 0;
    for (size_t i = 0; mpi_rank == 0 && i < n; i++)
        k += r->cells[i] != NULL;
    long long kk = (long long)k;
    MPI_Bcast(&kk, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    k = (size_t)kk;
    size_t rec = 2 + nw; /* index, status, warm */
    double *buf = malloc((k ? k : 1) * rec * sizeof *buf);
    int ok = buf != NULL, all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all) {
        free(buf);
        return cav_err_set(&w->err, CAV_ENOMEM, "out of memory sharing the stored points");
    }
    if (mpi_rank == 0)
        for (size_t i = 0, j = 0; i < n; i++) {
            const cav_run_cell *c = r->cells[i];
            if (!c) continue;
            buf[j * rec] = (double)i;
            buf[j * rec + 1] = c->res.status;
            if (nw) memcpy(buf + j * rec + 2, c->warm, nw * sizeof *buf);
            j++;
        }
    MPI_Bcast(buf, (int)(k * rec), MPI_DOUBLE, 0, MPI_COMM_WORLD);
    int st = CAV_OK;
    for (size_t j = 0; mpi_rank > 0 && j < k; j++) {
        size_t i = (size_t)buf[j * rec];
        cav_run_cell *c = cav_run_cell_new(r, w->nwarm);
        if (!c) {
            st = cav_err_set(&w->err, CAV_ENOMEM, "out of memory sharing the stored points");
            break;
        }
        c->stored = 1;
        c->res.status = (int)buf[j * rec + 1];
        if (nw) memcpy(c->warm, buf + j * rec + 2, nw * sizeof *buf);
        cav_run_cell_put(r, i / r->nseeds, i % r->nseeds, c);
    }
    free(buf);
    return st;
}
#endif

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
    size_t np;
    int status = cav_grid_count(g, o->kind, &np, &w.err);
    if (status) {
        cav_err_set(err, status, "%s", w.err.msg);
        return status;
    }
    size_t ns = o->kind == CAV_KIND_SIM ? (size_t)o->nseeds : 1;
    w.run = cav_run_alloc(m, o->kind, np, ns);
    w.nwarm = o->kind == CAV_KIND_THEORY ? m->nwarm : 0;
    size_t nall = np * ns;
    w.done = calloc(nall > 0 ? nall : 1, 1);
    cav_run *r = w.run;
    if (!w.run || !w.done || cav_grid_copy(&r->grid, g, &w.err)) {
        status = cav_err_set(&w.err, CAV_ENOMEM, "out of memory for a run of %zu points", np);
    } else {
        r->seed0 = o->seed0;
        w.chainlen = o->kind == CAV_KIND_THEORY ? cav_grid_chain_len(g, o->kind) : 1;
        w.nseg =
            w.chainlen > CAV_RUN_SEGMENT ? (w.chainlen + CAV_RUN_SEGMENT - 1) / CAV_RUN_SEGMENT : 1;
        w.nunits = o->kind == CAV_KIND_THEORY ? np / w.chainlen * w.nseg : np * ns;
        w.seam_ready = calloc(w.nunits ? w.nunits : 1, 1);
        if (!w.seam_ready) status = cav_err_set(&w.err, CAV_ENOMEM, "out of memory");
        /* Workers that will find no unit lend their cores to the computations of the others:
         * OpenMP threads inside a computation (every parallel kernel of cavity is bitwise the
         * same for any thread count; BLAS stays on one thread). */
        w.threads = o->jobs > 1 && w.nunits < (size_t)o->jobs
                        ? o->jobs / (int)(w.nunits ? w.nunits : 1)
                        : 1;
        if (w.threads > omp_get_max_threads())
            w.threads = omp_get_max_threads(); /* the user's cap */
        if (w.threads < 1) w.threads = 1;
        if (!status) status = preload(&w);
    }
#if CAVITY_HAVE_MPI
    /* Every rank gets here, whatever failed above: a failure on one rank stops all of them. */
    if (mpi_size > 1) {
        status = mpi_agree(status, 0, NULL, &w.err);
        if (!status) status = mpi_share(&w);
    }
#endif
    if (status) {
        cav_err_set(err, status, "%s", w.err.msg);
        cav_run_free(r);
        free(w.done);
        free(w.seam_ready);
        return status;
    }
    for (size_t u = 0; u < w.nunits; u++)
        w.prog.total += unit_work(&w, u);
    w.t0 = now_s();
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.seam_cv, NULL);
    /* OpenBLAS's results depend on its thread count (reductions are split differently), so a
     * sweep always runs BLAS on one thread per worker: results are then the same for any jobs,
     * and stored rows match recomputed ones. Parallelism comes from the workers. */
    cav_la_serial_begin(); /* with other sweeps of this process: the count is process-wide */
    /* No more workers than units; one worker runs on the calling thread (a single point costs
     * no thread creation), except on an MPI rank 0 that serves other ranks meanwhile. */
    int nthreads = (size_t)o->jobs < w.nunits ? o->jobs : w.nunits > 0 ? (int)w.nunits : 1;
    int spawn = nthreads > 1;
#if CAVITY_HAVE_MPI
    spawn |= mpi_size > 1;
#endif
    pthread_t *th = spawn ? calloc((size_t)nthreads, sizeof *th) : NULL;
    int started = 0;
    if (th)
        for (; started < nthreads; started++)
            if (pthread_create(&th[started], NULL, worker, &w)) break;
#if CAVITY_HAVE_MPI
    MPI_Request *stopreq = NULL;
    int stop_sent = 0;
    if (mpi_size > 1 && mpi_rank == 0) {
        stopreq = malloc((size_t)mpi_size * sizeof *stopreq);
        if (!stopreq) {
            /* Without requests rank 0 cannot send stops: fail, but still serve every rank. */
            pthread_mutex_lock(&w.mu);
            if (!w.status) w.status = cav_err_set(&w.err, CAV_ENOMEM, "out of memory");
            pthread_mutex_unlock(&w.mu);
            stop_sent = 1;
        }
        if (started == 0) worker(&w); /* no thread could start: run inline first */
        mpi_serve(&w, stopreq, &stop_sent);
    } else if (started == 0) {
        worker(&w);
    }
#else
    if (started == 0) worker(&w); /* no thread could start: run inline */
#endif
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
#if CAVITY_HAVE_MPI
    if (mpi_size > 1) {
        if (mpi_rank > 0) MPI_Send(NULL, 0, MPI_DOUBLE, 0, TAG_DONE, MPI_COMM_WORLD);
        int stop = 0;
        int agreed = mpi_agree(w.status, stop_sent && stopreq, &stop, &w.err);
        if (agreed && !w.status) w.status = agreed;
        if (mpi_rank == 0 && stopreq && stop_sent) {
            for (int k = 1; k < mpi_size; k++)
                MPI_Wait(&stopreq[k], MPI_STATUS_IGNORE);
        } else if (mpi_rank > 0 && stop && !w.stopped) {
            int x;
            MPI_Recv(&x, 1, MPI_INT, 0, TAG_STOP, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        free(stopreq);
    }
#endif
    cav_la_serial_end();
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.seam_cv);
    free(w.seam_ready);
    if (w.status) {
        /* The sweep stopped: keep what was computed or read (a point without a result reads as
         * "not computed"). */
        snprintf(r->none.msg, sizeof r->none.msg, "not computed: the run stopped");
        keep_computed(r);
        cav_err_set(err, w.status, "%s", w.err.msg);
    }
    free(w.done);
    cav_run_count_failed(r);
    *out = r;
    return w.status;
}

/* One agreement of the job's end (see the protocol above): every rank that has not yet learnt
 * of the end contributes; rank 0's code travels with it. */
int cav_mpi_finish(int code)
{
#if CAVITY_HAVE_MPI
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (!init || fin) return code;
    if (mpi_size > 1 && !mpi_ended) {
        int in[AGREE] = {0, 1, mpi_rank == 0 && code >= 0 ? code + 1 : 0, 0}, res[AGREE];
        MPI_Allreduce(in, res, AGREE, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        mpi_ended = 1;
        mpi_end_code = res[2];
    }
    MPI_Finalize();
    if (mpi_size > 1 && mpi_end_code > 0 && code >= 0) code = mpi_end_code - 1;
#endif
    return code;
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
    (void)cav_mpi_finish(-1);
}
