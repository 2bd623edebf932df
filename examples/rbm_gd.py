#!/usr/bin/env python3
"""RBM gradient ascent: the k-index DMFT against gradient ascent on the likelihood, step by step.

Xu, Krzakala, Zdeborová, "Learning with Restricted Boltzmann Machines: Asymptotics of AMP and GD
in High Dimensions", arXiv:2505.18046. One Rademacher hidden unit on rank-one spiked data
(alpha = 2, Rademacher spike and latents, spike strength lambda = 1.4 and 2), full-batch gradient
ascent on n J(W) with step 0.05 from an informed start (overlap 0.2): the overlap W^T U*/d, the
Gram entry W^T W/d and the log-likelihood J per step, from the dynamical mean-field theory
(lines, 40000 trajectories) and from gradient ascent at n = 8000, d = 4000 (points, 6 seeds;
about 5 minutes on two cores). --quick: d = 200, 2 seeds, 15 steps.
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
p.add_argument("-o", "--out", default="rbm_gd.png", help="figure file (default rbm_gd.png)")
a = p.parse_args()

size = dict(d=200, seeds=2, steps=15, ntraj=2000) if a.quick else \
    dict(d=4000, seeds=6, steps=100, ntraj=40000)
g = cavity.compare("rbm-gd", alpha=2, k=1, r=1, lr=0.05, plot=False, **{"lambda": "1.4,2"}, **size)

fig, ax = plt.subplots(1, 3, figsize=(12, 3.8))
cavity.plot(g, "step", ["zeta_11", "gram_11", "loglik"], by="lambda", ax=list(ax))
ax[0].set_title("overlap W^T U*/d", fontsize=10)
ax[1].set_title("Gram W^T W/d", fontsize=10)
ax[2].set_title("log-likelihood J", fontsize=10)
fig.suptitle("RBM gradient ascent, d = %d (lines: DMFT; points: simulation +- 1 s.e.)"
             % size["d"], fontsize=10)
fig.tight_layout()
fig.savefig(a.out, dpi=110)
last = g[(g.kind == "theory") & (g.step == size["steps"])]
print("%s: DMFT after %d steps: %s" % (a.out, size["steps"], ", ".join(
    "lambda %g: zeta %.4f, Q %.4f" % (lam, z, q)
    for lam, z, q in zip(last["lambda"], last["zeta_11"], last["gram_11"]))))
