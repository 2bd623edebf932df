#!/usr/bin/env python3
"""Consistent adversarial attacks: over-parameterised classifiers become easier to flip.

Vilucchio, Zdeborová, Loureiro, "On the existence of consistent adversarial attacks in
high-dimensional linear classification", arXiv:2506.12454, the latent (hidden-manifold) model
figure: a linear classifier on p features of a d-dimensional latent z, trained with l_inf
adversarial training on the features (eps_t = 0.1, ridge lambda = 0.01), attacked at test time
by l_inf perturbations of z of size eps = 1. Against gamma = d/p (over-parameterisation
p/n = 1/(gamma alpha) grows to the left), for alpha = n/d = 0.1, 1, 2: the standard robust
error, the fraction of points a consistent (label-preserving) attack can flip, and the
consistent robust error; state-evolution theory (lines) and simulations with an exact
consistent-attack oracle (points). Full size d = 500, 10 seeds (several minutes on two cores);
--quick: d = 60, 2 seeds, coarse grids.
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
p.add_argument("-o", "--out", default="adversarial.png", help="figure file")
a = p.parse_args()

size = dict(d=60, seeds=2, theory_grid="0.1:3:10", sim_grid="0.5,1.5,3") if a.quick else \
    dict(d=500, seeds=10, theory_grid="0.1:3:59", sim_grid="0.5,1,1.5,2,2.5,3")
ys = ["erob", "attackable", "erob_cns"]
df = cavity.compare("adversarial-latent", x="gamma", alpha="0.1,1,2", by="alpha",
                    attack_space="features", attack_norm="inf", eps_train=0.1, eps=1,
                    y=",".join(ys), plot=False, **{"lambda": 0.01}, **size)

fig, ax = plt.subplots(1, 3, figsize=(12, 3.8))
cavity.plot(df, "gamma", ys, by="alpha", ax=list(ax))
for panel, title in zip(ax, ["standard robust error", "consistently attackable fraction",
                             "consistent robust error"]):
    panel.set_title(title, fontsize=10)
    panel.set_xlabel("gamma = d/p  (p/n = 1/(gamma alpha))")
fig.suptitle("Latent model, l_inf training on features (eps_t = 0.1), l_inf test attacks on z "
             "(eps = 1); lines: theory, points: d = %d, %d seeds" % (size["d"], size["seeds"]),
             fontsize=10)
fig.tight_layout()
fig.savefig(a.out, dpi=110)
th = df[df.kind == "theory"]
lo, hi = th.gamma.min(), th.gamma.max()
print("%s: attackable fraction at alpha 0.1 from %.2f (gamma %g) to %.2f (gamma %g)" % (
    a.out, th[(th.alpha == 0.1) & (th.gamma == hi)].attackable.iloc[0], hi,
    th[(th.alpha == 0.1) & (th.gamma == lo)].attackable.iloc[0], lo))
