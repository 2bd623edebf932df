/* sim/distill/distill.c — the distillation-of-memorised-data experiment (cavity/distill.h;
 * Behrens & Zdeborová, arXiv:2506.14457): balanced random labels, a teacher that memorises them,
 * soft labels on a fraction rho of each class, a student trained on them, and its accuracy on the
 * held-out memorised points, with the shuffle and chance controls. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cavity/distill.h"
#include "cavity/nn.h"
#include "cavity/rng.h"
#include "sim/nn/nn_la.h"

void cav_distill_config_default(cav_distill_config *c)
{
    if (!c) return;
    memset(c, 0, sizeof *c);
    c->d = 200;
    c->c = 2;
    c->alpha = 1.0;
    c->rho = 0.8;
    c->tau = 1.0;
    c->arch = CAV_DISTILL_LINEAR;
    c->p = 500;
    c->p_student = 0;
    c->act = &cav_act_relu;
    c->bias = -1;
    c->student = CAV_DISTILL_ADAM;
    c->optimizer = CAV_NN_ADAM;
    c->lr_teacher = 1e-3;
    c->epochs_teacher = 5000;
    c->lr_student = 1e-4;
    c->epochs_student = 10000;
    c->n_control = 0;
    c->shuffle = 1;
    c->seed = 0;
}

static size_t class_size(const cav_distill_config *c)
{
    double nc = floor(c->alpha * (double)c->d / (double)c->c + 0.5);
    return nc < 1.0 ? 1 : (size_t)nc;
}

/* Training points per class; the 1e-9 guards rho n_c = integer - rounding. */
static size_t train_per_class(double rho, size_t nc)
{
    return (size_t)floor(rho * (double)nc + 1e-9);
}

static int use_bias(const cav_distill_config *c)
{
    return c->bias < 0 ? c->arch == CAV_DISTILL_MLP : c->bias != 0;
}

static int check_rho_tau(const cav_distill_config *c, double rho, double tau, cav_err *err)
{
    if (!(rho > 0.0 && rho < 1.0))
        return cav_err_set(err, CAV_EINVAL, "distill: rho = %g outside (0, 1)", rho);
    if (!(tau > 0.0) || !isfinite(tau))
        return cav_err_set(err, CAV_EINVAL, "distill: temperature tau = %g must be finite and > 0",
                           tau);
    size_t nc = class_size(c), nt = train_per_class(rho, nc);
    if (nt < 1 || nt >= nc)
        return cav_err_set(err, CAV_EINVAL,
                           "distill: rho = %g leaves %zu of n_c = %zu points per class to the "
                           "student: needs 1..n_c - 1 (increase alpha d/c or move rho)",
                           rho, nt, nc);
    return CAV_OK;
}

int cav_distill_check(const cav_distill_config *c, cav_err *err)
{
    if (!c) return cav_err_set(err, CAV_EINVAL, "distill: config is NULL");
    if (c->d < 1) return cav_err_set(err, CAV_EINVAL, "distill: d = 0 (must be >= 1)");
    if (c->c < 2)
        return cav_err_set(err, CAV_EINVAL, "distill: c = %d classes (must be >= 2)", c->c);
    if (!(c->alpha > 0.0) || !isfinite(c->alpha))
        return cav_err_set(err, CAV_EINVAL, "distill: alpha = %g must be finite and > 0", c->alpha);
    if (c->alpha * (double)c->d > 1e7)
        return cav_err_set(err, CAV_EINVAL, "distill: n = alpha d = %g too large (max 1e7)",
                           c->alpha * (double)c->d);
    if (c->arch != CAV_DISTILL_LINEAR && c->arch != CAV_DISTILL_MLP)
        return cav_err_set(err, CAV_EINVAL, "distill: unknown architecture %d (linear, mlp)",
                           c->arch);
    if (c->arch == CAV_DISTILL_MLP) {
        if (c->p < 1) return cav_err_set(err, CAV_EINVAL, "distill: width p = 0 (must be >= 1)");
        if (!c->act || !c->act->eval)
            return cav_err_set(err, CAV_EINVAL, "distill: activation not set (one of %s)",
                               cav_activation_names());
    }
    if (c->student != CAV_DISTILL_ADAM && c->student != CAV_DISTILL_PINV)
        return cav_err_set(err, CAV_EINVAL, "distill: unknown student training %d (adam, pinv)",
                           c->student);
    if (c->student == CAV_DISTILL_PINV && (c->arch != CAV_DISTILL_LINEAR || use_bias(c)))
        return cav_err_set(err, CAV_EINVAL,
                           "distill: the pinv (logit matching) student needs the linear family "
                           "without bias");
    if (c->optimizer != CAV_NN_ADAM && c->optimizer != CAV_NN_GD)
        return cav_err_set(err, CAV_EINVAL, "distill: unknown optimiser %d (adam, gd)",
                           c->optimizer);
    if (!(c->lr_teacher > 0.0) || !isfinite(c->lr_teacher))
        return cav_err_set(err, CAV_EINVAL, "distill: lr_teacher = %g must be finite and > 0",
                           c->lr_teacher);
    if (!(c->lr_student > 0.0) || !isfinite(c->lr_student))
        return cav_err_set(err, CAV_EINVAL, "distill: lr_student = %g must be finite and > 0",
                           c->lr_student);
    if (c->epochs_teacher < 0 || c->epochs_student < 0)
        return cav_err_set(err, CAV_EINVAL, "distill: epochs (%ld, %ld) must be >= 0",
                           c->epochs_teacher, c->epochs_student);
    return check_rho_tau(c, c->rho, c->tau, err);
}

static double p_params(const cav_distill_config *c, size_t p)
{
    double b = use_bias(c) ? 1.0 : 0.0, d = (double)c->d, cc = (double)c->c;
    if (c->arch == CAV_DISTILL_LINEAR) return (cc - 1.0) * (d + b);
    return (double)p * (d + b) + cc * ((double)p + b);
}

double cav_distill_alpha_id(const cav_distill_config *c)
{
    size_t ps = c->p_student ? c->p_student : c->p;
    return p_params(c, ps) / ((double)(c->c - 1) * c->rho * (double)c->d);
}

double cav_distill_alpha_cap(const cav_distill_config *c)
{
    return 2.0 * p_params(c, c->p) / ((double)c->d * log2((double)c->c));
}

/* A network of the family: linear softmax or one hidden layer of width p. */
static int make_net(const cav_distill_config *c, size_t p, uint64_t stream, cav_nn **net,
                    cav_err *err)
{
    cav_nn_spec sp;
    cav_nn_spec_default(&sp);
    sp.d = c->d;
    sp.k = (size_t)c->c;
    sp.softmax = 1;
    if (c->arch == CAV_DISTILL_MLP) {
        sp.hidden = 1;
        sp.width[0] = p;
        sp.act[0] = c->act;
    }
    sp.bias[0] = sp.bias[1] = use_bias(c);
    int st = cav_nn_alloc(&sp, net, err);
    for (int l = 0; l <= sp.hidden && !st; l++)
        st = cav_nn_init_layer(*net, l, CAV_NN_INIT_W | CAV_NN_INIT_B, CAV_NN_TORCH, 0.0, c->seed,
                               stream, err);
    return st;
}

/* Put `what` in front of the message on err (keeping its code). */
static void prefix(cav_err *err, const char *what)
{
    if (!err) return;
    char buf[CAV_ERR_MSG_LEN];
    snprintf(buf, sizeof buf, "%s", err->msg);
    cav_err_set(err, err->code, "%s%s", what, buf);
}

static int argmax(size_t k, const double *z)
{
    size_t b = 0;
    for (size_t j = 1; j < k; j++)
        if (z[j] > z[b]) b = j;
    return (int)b;
}

static double accuracy(size_t n, size_t k, const double *Z, const int *lab)
{
    size_t ok = 0;
    for (size_t i = 0; i < n; i++)
        ok += argmax(k, Z + i * k) == lab[i];
    return n ? (double)ok / (double)n : NAN;
}

/* Minimum-norm least-squares fit of the logits, W (k x d) = Z^T X^+ for X (m x d), Z (m x k):
 * m <= d: W^T = X^T (X X^T)^{-1} Z; m > d: W^T = (X^T X)^{-1} X^T Z. */
static int pinv_fit(size_t m, size_t d, size_t k, const double *X, const double *Z, double *W,
                    cav_err *err)
{
    size_t q = m <= d ? m : d;
    double *G = malloc(q * q * sizeof *G), *R = malloc(q * k * sizeof *R);
    if (!G || !R) {
        free(G), free(R);
        return cav_err_set(err, CAV_ENOMEM, "distill: cannot allocate the pinv system");
    }
    int saved = nn_blas_enter();
    if (m <= d) {
        nn_gemm(0, 1, m, m, d, 1.0, X, d, X, d, 0.0, G, m);
        memcpy(R, Z, m * k * sizeof *R);
    } else {
        nn_gemm(1, 0, d, d, m, 1.0, X, d, X, d, 0.0, G, d);
        nn_gemm(1, 0, d, k, m, 1.0, X, d, Z, k, 0.0, R, k);
    }
    int st = CAV_OK;
    if (nn_potrf(q, G)) {
        st = cav_err_set(err, CAV_ENUMERIC, "distill: the pinv Gram matrix (%zu x %zu) is singular",
                         q, q);
    } else {
        nn_potrs(q, k, G, R);
        if (m <= d) {
            double *WT = malloc(d * k * sizeof *WT);
            if (!WT) {
                st = cav_err_set(err, CAV_ENOMEM, "distill: cannot allocate the pinv solution");
            } else {
                nn_gemm(1, 0, d, k, m, 1.0, X, d, R, k, 0.0, WT, k);
                for (size_t i = 0; i < k; i++)
                    for (size_t j = 0; j < d; j++)
                        W[i * d + j] = WT[j * k + i];
                free(WT);
            }
        } else {
            for (size_t i = 0; i < k; i++)
                for (size_t j = 0; j < d; j++)
                    W[i * d + j] = R[j * k + i];
        }
    }
    nn_blas_leave(saved);
    free(G), free(R);
    return st;
}

/* The data and the trained teacher, shared by all students of a grid. */
typedef struct teacher_run {
    size_t n, nc, d, k;
    double *X, *ZT, *Xc; /* inputs, teacher logits, control inputs */
    int *lab, *labc;
    size_t ncontrol;
    double acc, loss;
} teacher_run;

static void teacher_free(teacher_run *t)
{
    free(t->X), free(t->ZT), free(t->Xc), free(t->lab), free(t->labc);
}

static void shuffle_int(cav_rng *r, size_t n, int *v)
{
    for (size_t i = n - 1; i > 0 && n > 1; i--) {
        size_t j = (size_t)(cav_rng_uniform(r) * (double)(i + 1)) % (i + 1);
        int t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

static int run_teacher(const cav_distill_config *c, teacher_run *t, cav_err *err)
{
    memset(t, 0, sizeof *t);
    t->nc = class_size(c);
    t->k = (size_t)c->c;
    t->n = t->nc * t->k;
    t->d = c->d;
    t->ncontrol = c->n_control ? c->n_control : t->n;
    const size_t n = t->n, d = t->d, k = t->k, nt = t->ncontrol;
    t->X = malloc(n * d * sizeof *t->X);
    t->ZT = malloc(n * k * sizeof *t->ZT);
    t->Xc = malloc(nt * d * sizeof *t->Xc);
    t->lab = malloc(n * sizeof *t->lab);
    t->labc = malloc(nt * sizeof *t->labc);
    if (!t->X || !t->ZT || !t->Xc || !t->lab || !t->labc)
        return cav_err_set(err, CAV_ENOMEM, "distill: cannot allocate n x d = %zu x %zu", n, d);
    cav_rng_normal_matrix(c->seed, cav_rng_hash("distill/x"), n, d, 1.0, t->X);
    cav_rng r;
    cav_rng_init(&r, c->seed, cav_rng_hash("distill/labels"), 0);
    for (size_t i = 0; i < n; i++)
        t->lab[i] = (int)(i / t->nc);
    shuffle_int(&r, n, t->lab);
    /* control: fresh inputs, balanced random labels */
    cav_rng_normal_matrix(c->seed, cav_rng_hash("distill/control"), nt, d, 1.0, t->Xc);
    cav_rng_init(&r, c->seed, cav_rng_hash("distill/control"), 1u << 30);
    for (size_t i = 0; i < nt; i++)
        t->labc[i] = (int)(i % k);
    shuffle_int(&r, nt, t->labc);

    cav_nn *net = NULL;
    int st = make_net(c, c->p, cav_rng_hash("distill/teacher"), &net, err);
    if (st) return st;
    cav_nn_train_opts o;
    cav_nn_train_opts_default(&o);
    o.method = c->optimizer;
    o.lr = c->lr_teacher;
    o.steps = c->epochs_teacher;
    cav_nn_data data = {n, t->X, NULL, t->lab};
    cav_nn_loss loss = {CAV_NN_CE, 0};
    cav_nn_train_info info;
    st = cav_nn_train(net, &loss, &data, &o, &info, err);
    if (st == CAV_EDIVERGE) prefix(err, "distill: the teacher diverged: ");
    if (!st) st = cav_nn_forward(net, n, t->X, t->ZT, 0, err);
    t->loss = info.loss;
    t->acc = st ? NAN : accuracy(n, k, t->ZT, t->lab);
    cav_nn_free(net);
    return st;
}

/* Train a student on (Xs, Q) (or fit the teacher logits Zs for pinv) and return it. */
static int train_student(const cav_distill_config *c, size_t m, const double *Xs, const double *Q,
                         const double *Zs, cav_nn **out, double *loss_out, cav_err *err)
{
    cav_nn *net = NULL;
    size_t ps = c->p_student ? c->p_student : c->p;
    int st = make_net(c, ps, cav_rng_hash("distill/student"), &net, err);
    if (st) return st;
    if (c->student == CAV_DISTILL_PINV) {
        st = pinv_fit(m, c->d, (size_t)c->c, Xs, Zs, cav_nn_weight(net, 0), err);
        *loss_out = NAN;
    } else {
        cav_nn_train_opts o;
        cav_nn_train_opts_default(&o);
        o.method = c->optimizer;
        o.lr = c->lr_student;
        o.steps = c->epochs_student;
        cav_nn_data data = {m, Xs, Q, NULL};
        cav_nn_loss loss = {CAV_NN_SOFT_CE, 0};
        cav_nn_train_info info;
        st = cav_nn_train(net, &loss, &data, &o, &info, err);
        if (st == CAV_EDIVERGE) prefix(err, "distill: the student diverged: ");
        *loss_out = info.loss;
    }
    if (st) {
        cav_nn_free(net);
        return st;
    }
    *out = net;
    return CAV_OK;
}

static int run_student(const cav_distill_config *c, const teacher_run *t, double rho, double tau,
                       cav_distill_result *res, cav_err *err)
{
    const size_t n = t->n, d = t->d, k = t->k, ntr = train_per_class(rho, t->nc);
    const size_t m = ntr * k, h = n - m;
    res->n = n;
    res->n_train = m;
    res->n_heldout = h;
    res->alpha = (double)n / (double)d;
    res->acc_teacher = t->acc;
    res->loss_teacher = t->loss;
    res->acc_shuffle = res->acc_control = NAN;
    double *Xs = malloc(m * d * sizeof *Xs), *Q = malloc(m * k * sizeof *Q);
    double *Zs = malloc(m * k * sizeof *Zs), *Xh = malloc(h * d * sizeof *Xh);
    double *Zo = malloc((h > n ? h : n) * k * sizeof *Zo), *Xsh = malloc(m * d * sizeof *Xsh);
    int *ls = malloc(m * sizeof *ls), *lh = malloc(h * sizeof *lh), *th = malloc(h * sizeof *th);
    size_t *cls = calloc(k, sizeof *cls);
    cav_nn *net = NULL;
    int st = CAV_OK;
    if (!Xs || !Q || !Zs || !Xh || !Zo || !Xsh || !ls || !lh || !th || !cls) {
        st = cav_err_set(err, CAV_ENOMEM, "distill: cannot allocate the student's data");
        goto out;
    }
    /* split in data order; soft labels p_T = softmax(z_T/tau) */
    size_t is = 0, ih = 0;
    for (size_t i = 0; i < n; i++) {
        int y = t->lab[i];
        if (cls[y]++ < ntr) {
            memcpy(Xs + is * d, t->X + i * d, d * sizeof *Xs);
            memcpy(Zs + is * k, t->ZT + i * k, k * sizeof *Zs);
            cav_nn_softmax(1, k, t->ZT + i * k, tau, Q + is * k);
            ls[is++] = y;
        } else {
            memcpy(Xh + ih * d, t->X + i * d, d * sizeof *Xh);
            th[ih] = argmax(k, t->ZT + i * k);
            lh[ih++] = y;
        }
    }
    double lossS;
    st = train_student(c, m, Xs, Q, Zs, &net, &lossS, err);
    if (st) goto out;
    res->loss_student = lossS;
    st = cav_nn_forward(net, m, Xs, Zo, 0, err);
    if (!st) res->acc_student_train = accuracy(m, k, Zo, ls);
    if (!st) st = cav_nn_forward(net, h, Xh, Zo, 0, err);
    if (!st) {
        res->acc_student_heldout = accuracy(h, k, Zo, lh);
        res->match_teacher = accuracy(h, k, Zo, th);
    }
    if (!st) st = cav_nn_forward(net, t->ncontrol, t->Xc, Zo, 0, err);
    if (!st) res->acc_control = accuracy(t->ncontrol, k, Zo, t->labc);
    cav_nn_free(net);
    net = NULL;
    if (st || !c->shuffle) goto out;
    /* shuffle control: permute the student's inputs within each class */
    {
        cav_rng r;
        cav_rng_init(&r, c->seed, cav_rng_hash("distill/shuffle"), 0);
        size_t *pos = malloc(m * sizeof *pos);
        if (!pos) {
            st = cav_err_set(err, CAV_ENOMEM, "distill: cannot allocate the shuffle");
            goto out;
        }
        for (size_t y = 0; y < k; y++) {
            size_t cnt = 0;
            for (size_t i = 0; i < m; i++)
                if ((size_t)ls[i] == y) pos[cnt++] = i;
            for (size_t i = 0; i < cnt; i++) { /* Fisher-Yates on the class's positions */
                size_t j = i + (size_t)(cav_rng_uniform(&r) * (double)(cnt - i)) % (cnt - i);
                size_t a = pos[i];
                pos[i] = pos[j];
                pos[j] = a;
            }
            size_t q = 0;
            for (size_t i = 0; i < m; i++)
                if ((size_t)ls[i] == y) memcpy(Xsh + i * d, Xs + pos[q++] * d, d * sizeof *Xsh);
        }
        free(pos);
    }
    double lossh;
    st = train_student(c, m, Xsh, Q, Zs, &net, &lossh, err);
    if (!st) st = cav_nn_forward(net, h, Xh, Zo, 0, err);
    if (!st) res->acc_shuffle = accuracy(h, k, Zo, lh);
    cav_nn_free(net);
out:
    free(Xs), free(Q), free(Zs), free(Xh), free(Zo), free(Xsh), free(ls), free(lh), free(th);
    free(cls);
    return st;
}

static void fail(cav_distill_result *res, int st, const cav_err *e)
{
    res->status = st;
    snprintf(res->msg, sizeof res->msg, "%s", e->msg);
}

int cav_distill_run_grid(const cav_distill_config *c, size_t nrho, const double *rho, size_t ntau,
                         const double *tau, cav_distill_result *res, cav_err *err)
{
    if (!res || (nrho && !rho) || (ntau && !tau))
        return cav_err_set(err, CAV_EINVAL, "distill: result or grid arrays are NULL");
    cav_err e = {0};
    int st = cav_distill_check(c, &e);
    for (size_t i = 0; i < nrho && !st; i++)
        for (size_t j = 0; j < ntau && !st; j++)
            st = check_rho_tau(c, rho[i], tau[j], &e);
    for (size_t i = 0; i < nrho * ntau; i++) {
        memset(&res[i], 0, sizeof res[i]);
        res[i].acc_teacher = res[i].acc_student_train = res[i].acc_student_heldout = NAN;
        res[i].match_teacher = res[i].acc_control = res[i].acc_shuffle = NAN;
        res[i].loss_teacher = res[i].loss_student = NAN;
        if (st) fail(&res[i], st, &e);
    }
    if (st) return cav_err_set(err, st, "%s", e.msg);
    teacher_run t;
    st = run_teacher(c, &t, &e);
    int first = CAV_OK;
    for (size_t i = 0; i < nrho; i++)
        for (size_t j = 0; j < ntau; j++) {
            cav_distill_result *r = &res[i * ntau + j];
            int s = st;
            if (!s) {
                cav_err_clear(&e);
                s = run_student(c, &t, rho[i], tau[j], r, &e);
            }
            if (s) {
                fail(r, s, &e);
                if (!first) first = s, cav_err_set(err, s, "%s", e.msg);
            }
        }
    teacher_free(&t);
    return first;
}

int cav_distill_run(const cav_distill_config *c, cav_distill_result *res, cav_err *err)
{
    if (!c || !res) {
        if (res) res->status = CAV_EINVAL;
        return cav_err_set(err, CAV_EINVAL, "distill: config or result is NULL");
    }
    return cav_distill_run_grid(c, 1, &c->rho, 1, &c->tau, res, err);
}
