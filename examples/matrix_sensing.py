#!/usr/bin/env python3
"""Fundamental limits of matrix sensing at extensive rank: Bayes-optimal error against samples.

Xu, Maillard, Zdeborová, Krzakala, "Fundamental Limits of Matrix Sensing: Exact Asymptotics,
Universality, and Applications", arXiv:2503.14121. The minimum mean-square error of recovering
an extensive-rank matrix from n noiseless linear measurements, normalised to 1 at alpha = 0,
against the number of samples per entry alpha: a symmetric signal S* = W W^T/m* of width ratio
kappa* = 0.5 and a rectangular one U V^T/sqrt(r) (aspect 1, rank ratio 0.5). Replica theory
(lines; dashed: the best linear (ridge) estimator), GAMP with the rotationally invariant
denoiser at finite size (points), and the perfect-recovery thresholds from the model's named
quantity (dotted). Full size d = 80, 6 seeds (a few minutes); --quick: d = 40, 2 seeds.
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
p.add_argument("-o", "--out", default="matrix_sensing.png", help="figure file")
a = p.parse_args()

size = dict(d=40, seeds=2, theory_grid="0.01:1:25", sim_grid="0.2,0.5") if a.quick else \
    dict(d=80, seeds=6, theory_grid="0.01:1:100", sim_grid="0.1,0.2,0.3,0.5,0.7")
shapes = ["symmetric", "rectangular"]
df = cavity.compare("matrix-sensing", shape=shapes, kappa_star=0.5, beta=1, rho=0.5, delta=0,
                    y="mmse_norm", plot=False, **size)
th = cavity.quantity("matrix-sensing", "threshold", shape=shapes, kappa_star=0.5, beta=1, rho=0.5)

fig, axis = plt.subplots(figsize=(6, 4.2))
cavity.plot(df, "alpha", "mmse_norm", by="shape", ax=axis)
axis.set_xscale("linear")
colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
theory = df[df.kind == "theory"]
for i, shape in enumerate(sorted(shapes)):
    t = theory[theory["shape"] == shape]
    unit = (t.mmse / t.mmse_norm).iloc[0]  # the error at alpha = 0, unit of the curves
    axis.plot(t.alpha, t.mse_ridge / unit, "--", lw=1, color=colours[i],
              label="%s, ridge" % shape)
    x = th[th["shape"] == shape].alpha_pr.iloc[0]
    axis.axvline(x, ls=":", color=colours[i])
    axis.text(x, 0.62 - 0.08 * i, " alpha_pr = %.3f" % x, fontsize=8, color=colours[i])
axis.legend(fontsize=8)
axis.set_ylabel("MMSE / MMSE(alpha = 0)")
axis.set_title("Matrix sensing, noiseless (lines: theory; points: GAMP-RIE, d = %d, %d seeds)"
               % (size["d"], size["seeds"]), fontsize=9)
fig.tight_layout()
fig.savefig(a.out, dpi=110)
print("%s: perfect recovery at %s" % (a.out, ", ".join(
    "%s alpha = %.4f" % (r.shape, r.alpha_pr) for r in th.itertuples())))
