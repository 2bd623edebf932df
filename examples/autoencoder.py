#!/usr/bin/env python3
"""Hidden factor: nonlinear tied autoencoders learn a direction that PCA cannot see.

Conde Mendes, Bardone, Koller, Medina Moreira, Erba, Troiani, Zdeborova, "A solvable
high-dimensional model where nonlinear autoencoders learn structure invisible to PCA while test
loss misaligns with generalization", arXiv:2602.10680. Data with a visible spike u* (beta_u = 1)
and a hidden one v* (beta_v = 2) whitened out of the covariance, latent law with correlation
exponent k* = 2. Panels: theta_u, theta_v and the test loss against alpha for the linear, ReLU
and tanh tied autoencoders (lines: the replica-symmetric state evolution; points: full-batch Adam,
the model's compare defaults, d = 300, a few minutes on two cores), and the population gradient
flow of ReLU from random starts in dimension d = 1e2 ... 1e8: the time to weak recovery of v*
grows like log d. --quick: d = 100, two values of alpha, a minute.
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
p.add_argument("-o", "--out", default="autoencoder.png", help="figure file")
a = p.parse_args()

size = dict(d=100, seeds=1, epochs=300, sim_grid="4,8", theory_grid="3:8:3") if a.quick else {}
df = cavity.compare("autoencoder", y="theta_u,theta_v,test_loss", plot=False, **size)
dims = [1e2, 1e4, 1e6, 1e8]
rec = [cavity.quantity("autoencoder-flow", "recovery", d=int(d)).t_weak[0] for d in dims]
flow = cavity.theory("autoencoder-flow", d=10000, steps=100)

fig, ax = plt.subplots(1, 4, figsize=(16, 3.9))
cavity.plot(df, "alpha", ["theta_u", "theta_v", "test_loss"], by="activation", ax=list(ax[:3]))
ax[3].plot(flow.t, flow.theta_u, label="theta_u (d = 1e4)")
ax[3].plot(flow.t, flow.theta_v, label="theta_v (d = 1e4)")
for d, t in zip(dims, rec):
    ax[3].axvline(t, color="grey", lw=0.6)
    ax[3].text(t, 0.5, " d=%.0e" % d, fontsize=7, rotation=90)
ax[3].set_xlabel("t")
ax[3].set_title("ReLU population flow; lines: t_weak(d)", fontsize=10)
ax[3].legend(fontsize=8)
s = df[df.kind == "simulation"]
fig.suptitle("tied autoencoders, k* = 2 (lines: RS state evolution; points: Adam at d = %d, %d "
             "seed(s))" % (int(s.d.iloc[0]), int(s.seeds.max())), fontsize=10)
fig.tight_layout()
fig.savefig(a.out, dpi=110)
t = df[(df.kind == "theory") & (df.activation == "relu")]
last = t[t["alpha"] == t["alpha"].max()]
print("%s: ReLU at alpha = %g: theta_v = %.3f (linear and tanh: 0); t_weak(d) = %s" % (
    a.out, last["alpha"].iloc[0], last.theta_v.iloc[0],
    ", ".join("%.2f" % t for t in rec)))
