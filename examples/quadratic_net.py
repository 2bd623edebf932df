#!/usr/bin/env python3
"""The nuclear route: over-parameterised quadratic networks are nuclear-norm matrix sensing.

Erba, Troiani, Zdeborová, Krzakala, "The Nuclear Route: Sharp Asymptotics of ERM in
Overparameterized Quadratic Networks", arXiv:2505.17958. Training a wide quadratic network with
weight decay is nuclear-norm regularised PSD matrix sensing; in the limit of vanishing
regularisation the error of the minimiser against alpha = n/d^2 for a teacher of width
kappa* = 0.5: noiseless (recovery at alpha_pr, later than Bayes-optimal) and with label noise
delta = 0.5 (the double-descent peak at the interpolation threshold alpha_inter). Left: the
minimiser's matrix MSE, theory (lines) and accelerated proximal gradient at finite d with
Gaussian (GOE) sensing (points); right: the Bayes-optimal MMSE at the same parameters. Dotted:
the thresholds, from the model's named quantities. Full size d = 60, 4 seeds (a few minutes);
--quick: d = 20, 2 seeds.
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
p.add_argument("-o", "--out", default="quadratic_net.png", help="figure file")
a = p.parse_args()

size = dict(d=20, seeds=2, theory_grid="0.01:1:25", sim_grid="0.2,0.6") if a.quick else \
    dict(d=60, seeds=4, theory_grid="0.01:1:100", sim_grid="0.1,0.2,0.3,0.45,0.6,0.8")
df = cavity.compare("quadratic-net", kappa_star=0.5, delta="0,0.5", sensing="goe", y="mse,mse_bo",
                    plot=False, **{"lambda": 0}, **size)
rec = cavity.quantity("quadratic-net", "recovery", kappa_star=0.5)["alpha_pr"][0]
inter = cavity.quantity("quadratic-net", "threshold", kappa_star=0.5, delta=0.5)["alpha_inter"][0]
bo = 0.5 - 0.5 ** 2 / 2  # Bayes-optimal recovery threshold kappa* - kappa*^2/2 (noiseless)

fig, ax = plt.subplots(1, 2, figsize=(9, 3.8))
cavity.plot(df, "alpha", ["mse", "mse_bo"], by="delta", ax=list(ax))
for panel in ax:
    panel.set_xscale("linear")
for x, what, ha in ((inter, "alpha_inter", "right"), (rec, "alpha_pr", "left")):
    ax[0].axvline(x, ls=":", color="gray")
    ax[0].text(x, ax[0].get_ylim()[1] * 0.97, " %s = %.3f " % (what, x), fontsize=8, va="top",
               ha=ha)
ax[1].axvline(bo, ls=":", color="gray")
ax[1].text(bo, ax[1].get_ylim()[1] * 0.97, " Bayes alpha_pr = %.3f" % bo, fontsize=8, va="top")
ax[0].set_title("nuclear-norm minimiser (lambda -> 0+)", fontsize=10)
ax[1].set_title("Bayes-optimal", fontsize=10)
fig.suptitle("Quadratic network, kappa* = 0.5 (lines: theory, points: GOE sensing, d = %d, "
             "%d seeds)" % (size["d"], size["seeds"]), fontsize=10)
fig.tight_layout()
fig.savefig(a.out, dpi=110)
print("%s: recovery threshold alpha_pr = %.4f (Bayes-optimal %.4f), interpolation threshold "
      "at delta 0.5 alpha_inter = %.4f" % (a.out, rec, bo, inter))
