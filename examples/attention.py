#!/usr/bin/env python3
"""Deep tied low-rank attention learned from N = alpha D samples: the Bayes-optimal overlap of
each layer and the generalisation error, with the staircase of weak-recovery thresholds.

Troiani, Cui, Dandi, Krzakala, Zdeborova, "Fundamental limits of learning in sequence multi-index
models and deep attention networks", arXiv:2502.00901. Two layers, M = 2 tokens, skip strength
c = 1, beta = 1. Panels: the overlaps q1 (first layer) and q2 (last layer) and the plug-in
generalisation error against alpha. Lines: the state evolution of the multi-index engine
(Monte Carlo over 2000 samples); points: GAMP at D = 1000, 3 seeds; dashed: the first threshold
alpha_1 (the last layer is learned) and the conditional threshold alpha_2 (the first layer,
given the last): the last layer is learned first. Full size: about 15 minutes on two cores;
--quick: 300 samples, D = 200, two values of alpha, the first threshold only, seconds.
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
p.add_argument("-o", "--out", default="attention.png", help="figure file")
a = p.parse_args()

size = dict(nsamples=300, d=200, iters=20, seeds=1, sim_grid="0.3,0.6", theory_grid="0.1:0.6:4",
            thresholds="first") if a.quick else dict(thresholds="both")
df = cavity.compare("attention", y="q1,q2,gen_error", plot=False, **size)

fig, ax = plt.subplots(1, 3, figsize=(13, 3.9))
cavity.plot(df, "alpha", ["q1", "q2", "gen_error"], marks=["alpha_1", "alpha_2"], ax=list(ax))
ax[0].set_title("overlap of layer 1", fontsize=10)
ax[1].set_title("overlap of layer 2 (last)", fontsize=10)
ax[2].set_title("plug-in generalisation error", fontsize=10)
s = df[df.kind == "simulation"]
fig.suptitle("Tied attention, L = 2, M = 2, c = 1 (lines: state evolution; points: GAMP, D = %d)"
             % int(s.d.iloc[0]), fontsize=10)
fig.tight_layout()
fig.savefig(a.out, dpi=110)
t = df[df.kind == "theory"]
print("%s: alpha_1 = %.4f, alpha_2 = %s; at alpha = %g: q1 %.3f, q2 %.3f, error %.3f" % (
    a.out, t.alpha_1.iloc[0], "%.3f" % t.alpha_2.iloc[0] if t.alpha_2.notna().any() else "not "
    "computed", t.alpha.max(), t.q1.iloc[-1], t.q2.iloc[-1], t.gen_error.iloc[-1]))
