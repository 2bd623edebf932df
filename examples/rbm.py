#!/usr/bin/env python3
"""Restricted Boltzmann machines on spiked-covariance data: Bayes-optimal estimation, PCA and
gradient ascent on the RBM likelihood, with the weak-recovery threshold of each spike.

Xu, Krzakala, Zdeborova, "Learning with Restricted Boltzmann Machines: Asymptotics of AMP and GD
in High Dimensions", arXiv:2505.18046. Data x = U* c/sqrt(d) + z with two spikes of strengths
lambda and lambda/2 (Rademacher spikes and latents), n = 2d samples; an RBM with two Rademacher
hidden units. Panels: the cosine of the estimate with spike 1 and with spike 2 against lambda.
Lines: the Bayes-optimal state evolution and the PCA (BBP) formula; points: Bayes-optimal AMP,
PCA and gradient ascent on the likelihood at d = 4000, 2 seeds (the model's compare defaults,
about half an hour on two cores); dashed: the thresholds lambda_c1 = 1/sqrt(alpha) and
lambda_c2 = 2/sqrt(alpha) that the engine finds from the linear stability of the state
evolution. --quick: d = 200, three values of lambda, seconds.
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
p.add_argument("-o", "--out", default="rbm.png", help="figure file")
a = p.parse_args()

size = dict(d=200, seeds=1, steps=100, sim_grid="0.5,1.5,2.5", theory_grid="0.2:3:15") \
    if a.quick else {}
df = cavity.compare("rbm", method="bo,pca,gd", y="cos_11,cos_22", plot=False, **size)
th = cavity.quantity("rbm", "threshold")

fig, ax = plt.subplots(1, 2, figsize=(10, 3.9))
cavity.plot(df, "lambda", ["cos_11", "cos_22"], by="method", marks=["lambda_c1", "lambda_c2"],
            ax=list(ax))
ax[0].set_title("cosine with spike 1 (strength lambda)", fontsize=10)
ax[1].set_title("cosine with spike 2 (strength lambda/2)", fontsize=10)
s = df[df.kind == "simulation"]
fig.suptitle("RBM, k = r = 2, alpha = 2 (lines: theory; points: d = %d, %d seed(s))"
             % (int(s.d.iloc[0]), int(s.seeds.max())), fontsize=10)
fig.tight_layout()
fig.savefig(a.out, dpi=110)
t = df[(df.kind == "theory") & (df.method == "bo")]
last = t[t["lambda"] == t["lambda"].max()]
print("%s: thresholds lambda_c1 = %.6f, lambda_c2 = %.6f; Bayes-optimal cosines at lambda = %g: "
      "%.3f, %.3f" % (a.out, th.lambda_c1[0], th.lambda_c2[0], last["lambda"].iloc[0],
                      last.cos_11.iloc[0], last.cos_22.iloc[0]))
