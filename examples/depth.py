#!/usr/bin/env python3
"""The computational advantage of depth: a 3-layer network trained layer by layer learns a
hierarchical target with fewer samples than a 2-layer network or a kernel.

Dandi, Pesce, Zdeborová, Krzakala, "The Computational Advantage of Depth: Learning
High-Dimensional Hierarchical Functions with Gradient Descent", arXiv:2502.13961. The target
f*(x) = tanh(3 h*(W* x)) with d^eps1 hidden directions W* (eps1 = 0.5) and a degree-3
polynomial h*; n = d^kappa samples. Left: the test error relative to the zero predictor for the
layer-wise 3-layer network, the 2-layer network with the same first layer, and the quadratic
kernel; right: the first layer's overlap M_W with span W*. Lines: the d -> infinity limits of
the theory; dashed: the thresholds kappa_c of each learner and the kernel's interpolation peak;
points: simulations at d = 64, 3 seeds (a few minutes on two cores); --quick: d = 12, small
networks, two values of kappa, seconds.
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
p.add_argument("-o", "--out", default="depth.png", help="figure file")
a = p.parse_args()

# Full size: the model's compare defaults (kappa 1:2:5 simulated, d = 64, 3 seeds).
size = dict(d=12, p1=16, p2=8, seeds=1, sim_grid="1,1.5", theory_grid="1:2:21") if a.quick \
    else {}
df = cavity.compare("depth", learner="layerwise,two-layer,kernel", y="mse_rel,mw", plot=False,
                    **size)
th = cavity.quantity("depth", "threshold")

fig, ax = plt.subplots(1, 2, figsize=(10, 3.9))
cavity.plot(df, "kappa", ["mse_rel", "mw"], by="learner", marks=["kappa_c", "kappa_peak"],
            ax=list(ax))
ax[0].set_title("test error / error of the zero predictor", fontsize=10)
ax[1].set_title("first-layer overlap with span W*", fontsize=10)
s = df[df.kind == "simulation"]
d = int(s.d.iloc[0])
fig.suptitle("Hierarchical target, eps1 = 0.5 (lines: d -> infinity theory; points: d = %d, "
             "%d seed(s))" % (d, int(s.seeds.max())), fontsize=10)
fig.tight_layout()
fig.savefig(a.out, dpi=110)
last = s[s.kappa == s.kappa.max()].set_index("learner")
print("%s: thresholds kappa_w = %g, kappa_three = %g, kernel %g; at kappa = %g mse_rel layerwise "
      "%.3f, two-layer %.3f, kernel %.3f" % (
          a.out, th.kappa_w[0], th.kappa_three[0], th.kappa_kernel_2[0], s.kappa.max(),
          last.mse_rel["layerwise"], last.mse_rel["two-layer"], last.mse_rel["kernel"]))
