#!/usr/bin/env python3
"""First-order algorithms through the dynamical cavity method: DMFT against finite-size runs.

Dandi, Gamarnik, Pernice, Zdeborová, "Rigorous Asymptotics for First-Order Algorithms Through
the Dynamical Cavity Method", arXiv:2603.14573 (a proof paper without figures; this is the
comparison its theorems make exact). Top: full-batch gradient descent on the logistic loss
(ridge 0.1, step 0.2) for a sign teacher at alpha = n/d = 0.5, 2, 4: test error and teacher
overlap m per step, from the discrete-time DMFT (lines) and from GD at finite d (points).
Bottom: Bayes AMP on the Rademacher spiked Wigner model at signal-to-noise 0.8, 1.5, 3: the
overlap and MSE per iteration from the state evolution, which the same DMFT reproduces, and
from AMP at finite n. Full size d = 2000, n = 2000 (about a minute on two cores); --quick:
d = n = 200, 2 seeds, 15 steps.
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
p.add_argument("-o", "--out", default="dmft.png", help="figure file (default dmft.png)")
a = p.parse_args()

gd = dict(d=200, seeds=2, steps=15, ntraj=4000) if a.quick else dict(d=2000, seeds=5, steps=100)
amp = dict(n=200, seeds=2, steps=15) if a.quick else dict(n=2000, seeds=8, steps=30)
g = cavity.compare("dmft-gd", loss="logistic", alpha="0.5,2,4", eta=0.2, plot=False,
                   **{"lambda": 0.1}, **gd)
w = cavity.compare("amp-wigner", snr="0.8,1.5,3", plot=False, **amp)

fig, ax = plt.subplots(2, 2, figsize=(9, 7))
cavity.plot(g, "step", ["test_error", "m"], by="alpha", ax=list(ax[0]))
cavity.plot(w, "step", ["overlap", "mse"], by="snr", ax=list(ax[1]))
ax[0][0].set_title("GD, logistic loss: DMFT vs d = %d" % gd["d"], fontsize=10)
ax[1][0].set_title("AMP, spiked Wigner: state evolution vs n = %d" % amp["n"], fontsize=10)
fig.suptitle("Dynamical cavity method (lines: theory; points: simulation +- 1 s.e.)", fontsize=10)
fig.tight_layout()
fig.savefig(a.out, dpi=110)
last = g[(g.kind == "theory") & (g.step == gd["steps"])]
print("%s: DMFT test error after %d steps: %s" % (a.out, gd["steps"], ", ".join(
    "alpha %g: %.4f" % (r.alpha, r.test_error) for r in last.itertuples())))
