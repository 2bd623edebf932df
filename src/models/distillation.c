/* The `distillation` model (cavity/models/distillation.h): Behrens & Zdeborová, arXiv:2506.14457.
 *
 * Simulation: one run of the library experiment (cavity/distill.h) per seed. Theory (what the
 * counting argument of docs/distillation.md predicts, no equation to solve):
 *   alpha_id  = (d + b)/(rho d)              linear student: exact identification threshold;
 *             = P/((c - 1) rho d)             mlp: counting heuristic, P the student's parameters;
 *   alpha_cap = 2 P_eff/(d log2 c)            teacher capacity: Cover's 2 (c = 2, linear, no
 *                                            bias), a counting heuristic otherwise;
 *   acc_control = acc_shuffle = 1/c          chance (fresh random labels; shuffled inputs);
 *   linear family only, where exact:
 *   match_teacher = 1 for alpha >= alpha_id  the student is the teacher on every input;
 *   acc_teacher = 1 for alpha < 2, and acc_student_heldout = 1 for alpha_id <= alpha < 2
 *                                            (c = 2, no bias: Cover);
 *   NaN wherever the theory says nothing. */
#include <math.h>
#include <string.h>

#include "cavity/distill.h"
#include "cavity/models/distillation.h"
#include "cavity/nn.h"

typedef cav_distillation_params par;
typedef cav_distillation_obs obs;

static const char *const archs[] = {"linear", "mlp", NULL};
static const char *const students[] = {"adam", "pinv", NULL};
static const char *const biases[] = {"auto", "off", "on", NULL};
static const char *const activations[] = {"relu", "tanh", "gelu", "elu", "sigmoid", NULL};
static const char *const optimizers[] = {"adam", "gd", NULL};

#define F(NAME, ...) CAV_FIELD(par, NAME, __VA_ARGS__)
static const cav_param_spec params[] = {
    F(arch, .kind = CAV_PARAM_CHOICE, .choices = archs, .def = CAV_DISTILLATION_LINEAR,
      .help = "teacher and student family: linear softmax z = W x, or mlp (one hidden layer)"),
    F(c, .kind = CAV_PARAM_INT, .def = 2, .lo = 2, .hi = 1000, .help = "number of classes"),
    F(alpha, .kind = CAV_PARAM_REAL, .def = 1.5, .lo = 0, .hi = 1e4, .flags = CAV_PF_LO_OPEN,
      .help = "n/d: points the teacher memorises per input dimension (n_c = round(alpha d/c))"),
    F(rho, .kind = CAV_PARAM_REAL, .def = 0.8, .lo = 0, .hi = 1,
      .flags = CAV_PF_LO_OPEN | CAV_PF_HI_OPEN,
      .help = "fraction of each class shown to the student (the rest is held out)"),
    F(tau, .kind = CAV_PARAM_REAL, .def = 20, .lo = 0, .hi = 1e8, .flags = CAV_PF_LO_OPEN,
      .help = "temperature of the soft labels softmax(z/tau)"),
    F(p, .kind = CAV_PARAM_INT, .def = 500, .lo = 1, .hi = 1e5, .help = "mlp: teacher width"),
    F(p_student, .kind = CAV_PARAM_INT, .def = 0, .lo = 0, .hi = 1e5,
      .help = "mlp: student width (0: same as the teacher)"),
    F(bias, .kind = CAV_PARAM_CHOICE, .choices = biases, .def = CAV_DISTILLATION_BIAS_AUTO,
      .help = "biases in teacher and student (auto: none for linear, all for mlp)"),
    F(d, .kind = CAV_PARAM_INT, .def = 200, .lo = 2, .hi = 1e5, .help = "input dimension"),
    F(student, .kind = CAV_PARAM_CHOICE, .choices = students, .def = CAV_DISTILLATION_ADAM,
      .flags = CAV_PF_SIM,
      .help = "simulation: adam (cross-entropy on the soft labels) or pinv (minimum-norm fit of "
              "the teacher's logits, the tau -> infinity limit; linear without bias)"),
    F(activation, .kind = CAV_PARAM_TYPE, .choices = activations, .find = cav_activation_find_any,
      .flags = CAV_PF_SIM, .help = "simulation: hidden activation of the mlp"),
    F(optimizer, .kind = CAV_PARAM_CHOICE, .choices = optimizers, .def = CAV_DISTILLATION_OPT_ADAM,
      .flags = CAV_PF_SIM,
      .help = "simulation: full-batch optimiser of teacher and student: adam or gd"),
    F(lr_teacher, .kind = CAV_PARAM_REAL, .def = 1e-3, .lo = 0, .hi = 10,
      .flags = CAV_PF_SIM | CAV_PF_LO_OPEN, .help = "simulation: teacher learning rate"),
    F(epochs_teacher, .kind = CAV_PARAM_INT, .def = 5000, .lo = 0, .hi = 1e7, .flags = CAV_PF_SIM,
      .help = "simulation: teacher full-batch epochs"),
    F(lr_student, .kind = CAV_PARAM_REAL, .def = 1e-4, .lo = 0, .hi = 10,
      .flags = CAV_PF_SIM | CAV_PF_LO_OPEN, .help = "simulation: student learning rate"),
    F(epochs_student, .kind = CAV_PARAM_INT, .def = 10000, .lo = 0, .hi = 1e7, .flags = CAV_PF_SIM,
      .help = "simulation: student full-batch epochs"),
    F(ncontrol, .kind = CAV_PARAM_INT, .def = 0, .lo = 0, .hi = 1e7, .flags = CAV_PF_SIM,
      .help = "simulation: chance-control points (0: n)"),
    F(shuffle, .kind = CAV_PARAM_INT, .def = 1, .lo = 0, .hi = 1, .flags = CAV_PF_SIM,
      .help = "simulation: 1 also trains the within-class shuffled student (acc_shuffle)"),
};

static const cav_obs_spec observables[] = {
    CAV_OBS(obs, acc_teacher, "teacher accuracy on its n training points (memorisation)"),
    CAV_OBS(obs, acc_student_train, "student accuracy on its training points (original labels)"),
    CAV_OBS(obs, acc_student_heldout,
            "student accuracy on the held-out memorised points (original labels): the leakage"),
    CAV_OBS(obs, match_teacher, "student argmax = teacher argmax on the held-out points"),
    CAV_OBS(obs, acc_control, "student accuracy on fresh inputs with random labels (chance)"),
    CAV_OBS(obs, acc_shuffle,
            "held-out accuracy of the student trained on within-class "
            "shuffled inputs (chance)"),
    {.name = "alpha_id",
     .offset = offsetof(obs, alpha_id),
     .flags = CAV_OF_EXACT,
     .help = "identification threshold in alpha (linear: exact counting; mlp: heuristic)"},
    {.name = "alpha_cap",
     .offset = offsetof(obs, alpha_cap),
     .flags = CAV_OF_EXACT,
     .help = "teacher capacity in alpha (Cover's 2 for c = 2 linear; heuristic otherwise)"},
    CAV_OBS(obs, loss_teacher, "simulation: final teacher cross-entropy"),
    CAV_OBS(obs, loss_student, "simulation: final student objective (NaN for pinv)"),
};

static cav_distill_config config_of(const par *p, uint64_t seed)
{
    cav_distill_config c;
    cav_distill_config_default(&c); /* every field is set below */
    c.d = (size_t)p->d;
    c.c = (int)p->c;
    c.alpha = p->alpha;
    c.rho = p->rho;
    c.tau = p->tau;
    c.arch = p->arch == CAV_DISTILLATION_MLP ? CAV_DISTILL_MLP : CAV_DISTILL_LINEAR;
    c.p = (size_t)p->p;
    c.p_student = (size_t)p->p_student;
    c.act = p->activation;
    c.bias = p->bias == CAV_DISTILLATION_BIAS_AUTO ? -1 : p->bias == CAV_DISTILLATION_BIAS_ON;
    c.student = p->student == CAV_DISTILLATION_PINV ? CAV_DISTILL_PINV : CAV_DISTILL_ADAM;
    c.optimizer = p->optimizer == CAV_DISTILLATION_OPT_GD ? CAV_NN_GD : CAV_NN_ADAM;
    c.lr_teacher = p->lr_teacher;
    c.epochs_teacher = p->epochs_teacher;
    c.lr_student = p->lr_student;
    c.epochs_student = p->epochs_student;
    c.n_control = (size_t)p->ncontrol;
    c.shuffle = p->shuffle != 0;
    c.seed = seed;
    return c;
}

static int check(const void *vp, int kind, cav_err *err)
{
    const par *p = vp;
    cav_distill_config c = config_of(p, 0);
    if (kind == CAV_KIND_THEORY) {
        c.student = CAV_DISTILL_ADAM; /* theory does not depend on the student's training */
        c.act = &cav_act_relu;
    }
    return cav_distill_check(&c, err);
}

static int linear_nobias(const par *p)
{
    return p->arch == CAV_DISTILLATION_LINEAR && p->bias != CAV_DISTILLATION_BIAS_ON;
}

static int theory(const void *vp, const double *warm_in, double *warm_out, cav_result *res)
{
    (void)warm_in, (void)warm_out;
    const par *p = vp;
    cav_distill_config c = config_of(p, 0);
    obs *o = cav_result_row(res, 0);
    o->alpha_id = cav_distill_alpha_id(&c);
    o->alpha_cap = cav_distill_alpha_cap(&c);
    o->acc_control = o->acc_shuffle = 1.0 / (double)p->c;
    if (p->arch == CAV_DISTILLATION_LINEAR) {
        int ident = p->alpha >= o->alpha_id;
        o->match_teacher = ident ? 1.0 : NAN;
        if (p->c == 2 && linear_nobias(p)) {
            int mem = p->alpha < 2.0;
            o->acc_teacher = mem ? 1.0 : NAN;
            o->acc_student_heldout = mem && ident ? 1.0 : NAN;
            o->acc_student_train = mem ? 1.0 : NAN;
        }
    }
    return cav_result_set(res, CAV_OK, 0.0, 0, "");
}

static int simulate(const void *vp, uint64_t seed, cav_result *res)
{
    const par *p = vp;
    cav_distill_config c = config_of(p, seed);
    cav_distill_result r;
    cav_distill_run(&c, &r, NULL);
    cav_result_set(res, r.status, 0.0, 0, r.msg);
    obs *o = cav_result_row(res, 0);
    o->acc_teacher = r.acc_teacher;
    o->acc_student_train = r.acc_student_train;
    o->acc_student_heldout = r.acc_student_heldout;
    o->match_teacher = r.match_teacher;
    o->acc_control = r.acc_control;
    o->acc_shuffle = r.acc_shuffle;
    o->alpha_id = cav_distill_alpha_id(&c);
    o->alpha_cap = cav_distill_alpha_cap(&c);
    o->loss_teacher = r.loss_teacher;
    o->loss_student = r.loss_student;
    return res->status;
}

/* The data (n x d), the control set, the student's copies, two networks with Adam state and
 * their workspaces. */
static double memory(const void *vp, int kind)
{
    const par *p = vp;
    if (kind != CAV_KIND_SIM) return 0;
    double d = (double)p->d, n = p->alpha * d, nc = p->ncontrol ? (double)p->ncontrol : n;
    double w = p->arch == CAV_DISTILLATION_MLP ? (double)(p->p > p->p_student ? p->p : p->p_student)
                                               : (double)p->c;
    double np = w * (d + (double)p->c + 2.0);
    return 8.0 * (4.0 * n * d + nc * d + 2.0 * n * (w + d) + 8.0 * np);
}

/* The quantities read only the fields they list (each already within its range). */
static int q_threshold(const void *vp, double *v, cav_err *err)
{
    (void)err;
    cav_distill_config c = config_of(vp, 0);
    v[0] = cav_distill_alpha_id(&c);
    return CAV_OK;
}

static int q_capacity(const void *vp, double *v, cav_err *err)
{
    (void)err;
    cav_distill_config c = config_of(vp, 0);
    v[0] = cav_distill_alpha_cap(&c);
    return CAV_OK;
}

static const cav_model_quantity quantities[] = {
    {.name = "threshold",
     .help = "alpha_id: identification threshold of the student in alpha = n/d (linear: "
             "exact counting (d + b)/(rho d); mlp: parameter-counting heuristic)",
     .outputs = "alpha_id",
     .uses = "arch,c,rho,p,p_student,bias,d",
     .compute = q_threshold},
    {.name = "capacity",
     .help = "alpha_cap: teacher memorisation capacity in alpha (Cover's 2 for a binary linear "
             "teacher; counting heuristic 2 P_eff/(d log2 c) otherwise)",
     .outputs = "alpha_cap",
     .uses = "arch,c,p,bias,d",
     .compute = q_capacity},
};

const cav_model cav_model_distillation = {
    .name = "distillation",
    .summary = "distillation of memorised random labels: soft labels leak held-out facts",
    .paper = "Behrens, Zdeborová, Dataset Distillation for Memorized Data: Soft Labels can Leak "
             "Held-Out Teacher Knowledge, arXiv:2506.14457 (2025)",
    CAV_MODEL_TABLES(par, params, observables),
    .check = check,
    .theory = theory,
    .simulate = simulate,
    .memory = memory,
    .compare_x = "alpha",
    .compare_theory = "0.2:2.4:23",
    .compare_sim = "0.2:2.4:12",
    .compare_y = "acc_student_heldout",
    .compare_heat = "rho",
    .compare_marks = "alpha_id,alpha_cap",
    .compare_set = "arch=linear;c=2;d=200;tau=20;rho=0.1:0.9:9;seeds=2",
    CAV_MODEL_QUANTITIES(quantities),
};
