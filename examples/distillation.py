#!/usr/bin/env python3
"""Distillation of memorised data: soft labels leak the labels of points the student never saw.

Behrens, Zdeborová, "Dataset Distillation for Memorized Data: Soft Labels can Leak Held-Out
Teacher Knowledge", arXiv:2506.14457. A linear softmax teacher (c = 2 classes, d = 200)
memorises n = alpha d random labels; a student trained on the teacher's soft labels
softmax(z/tau) of a fraction rho of the points is tested on the held-out rest. Left: the
student's held-out accuracy over (alpha, rho) at tau = 20 (simulation, mean over seeds), with
the theory's identification line alpha_id = 1/rho and Cover's capacity alpha_cap = 2; right:
the held-out accuracy against the temperature tau at rho = 0.8 above (alpha = 1.6) and below
(alpha = 1) alpha_id, with the shuffled-input control. Full size: the paper's Adam schedule,
2 seeds (about 15 minutes on two busy cores); --quick: d = 30, short training, seconds.
"""
import argparse
import os
import sys

try:
    import cavity
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import cavity
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--quick", action="store_true", default=bool(os.environ.get("CAVITY_QUICK")),
               help="reduced size (CI); also CAVITY_QUICK=1")
p.add_argument("-o", "--out", default="distillation.png", help="figure file")
a = p.parse_args()

if a.quick:
    train = dict(d=30, epochs_teacher=100, epochs_student=100, lr_student=1e-3, seeds=1)
    grid = dict(theory_grid="0.4:2:5", sim_grid="0.4:2:3", rho="0.5,0.8")
    taus = "0.1,10,1000"
else:  # the model's compare defaults: alpha 0.2..2.4 (12 values) x rho 0.1..0.9 (9 values)
    train = dict(seeds=2)
    grid = {}
    taus = "0.1,0.3,1,3,10,30,100,1000"
phase = cavity.compare("distillation", plot=False, **train, **grid)
temp = cavity.compare("distillation", x="tau", heat="", marks="", theory_grid=taus,
                      sim_grid=taus, alpha="1,1.6", rho=0.8, y="acc_student_heldout,acc_shuffle",
                      plot=False, **train)

fig, ax = plt.subplots(1, 2, figsize=(10, 3.9), gridspec_kw=dict(width_ratios=[1.15, 1]))
cavity.plot(phase, "alpha", "acc_student_heldout", heat="rho", marks=["alpha_id", "alpha_cap"],
            ax=ax[0])
ax[0].set_title("held-out accuracy of the student, tau = 20", fontsize=10)
sim = temp[temp.kind == "simulation"]
for (alpha, g), colour in zip(sim.groupby("alpha"), ("C0", "C1")):
    ax[1].errorbar(g.tau, g.acc_student_heldout, g.acc_student_heldout_se.fillna(0), fmt="o-", ms=4,
                   capsize=2, color=colour, label="student, alpha = %g" % alpha)
    ax[1].errorbar(g.tau, g.acc_shuffle, g.acc_shuffle_se.fillna(0), fmt="x:", ms=4, capsize=2,
                   color=colour, alpha=0.6, label="shuffled inputs, alpha = %g" % alpha)
ax[1].axhline(0.5, color="gray", lw=0.8)
ax[1].set_xscale("log")
ax[1].set_xlabel("tau")
ax[1].set_ylabel("held-out accuracy")
ax[1].set_title("temperature, rho = 0.8 (alpha_id = 1.25)", fontsize=10)
ax[1].legend(fontsize=7)
ax[1].grid(alpha=0.3)
d = train.get("d", 200)
fig.suptitle("Distillation of memorised random labels, linear softmax, c = 2, d = %d, %d seed(s)"
             % (d, train["seeds"]), fontsize=10)
fig.tight_layout()
fig.savefig(a.out, dpi=110)
s = phase[phase.kind == "simulation"]
above = s[(s.alpha >= 1 / s.rho) & (s.alpha < 2)]
below = s[s.alpha < 1 / s.rho]
print("%s: held-out accuracy %.3f between alpha_id = 1/rho and alpha_cap = 2 (%d points), %.3f "
      "below alpha_id (%d points)" % (a.out, above.acc_student_heldout.mean(), len(above),
                                      below.acc_student_heldout.mean(), len(below)))
