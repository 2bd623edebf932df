#!/usr/bin/env python3
"""Rules and facts: a linear learner trades generalisation for memorisation, a kernel does both.

Farné, Boncoraglio, Zdeborová, "The Rules-and-Facts Model for Simultaneous Generalization and
Memorization in Neural Networks", arXiv:2603.25579. A fraction eps = 0.2 of the labels are
random facts; the rest follow a linear rule. Ridge regression (square loss, lambda = 0.1) on
the inputs (linear) and with a dot-product kernel (mu1 = mu* = 1): generalisation error on the
rule, egen, and memorisation error on the facts, emem, against alpha = n/d; replica theory
(lines), simulations (points, mean +- standard error over seeds) and the Bayes-optimal
generalisation error (dashed). Full size d = 1000, 10 seeds (a few minutes on two cores);
--quick: d = 100, 2 seeds, coarse grids (seconds).
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
p.add_argument("-o", "--out", default="raf.png", help="figure file (default raf.png)")
a = p.parse_args()

size = dict(d=100, seeds=2, theory_grid="0.1:4:12", sim_grid="0.5,1,2") if a.quick else \
    dict(d=1000, seeds=10, theory_grid="0.1:4:60", sim_grid="0.25,0.5,1,1.5,2,3,4")
common = dict(eps=0.2, loss="square", mustar=1)
df = cavity.compare("raf", learner="linear,kernel", **{"lambda": 0.1}, **common, **size,
                    plot=False)
bayes = cavity.theory("raf", learner="bayes", alpha=size["theory_grid"], eps=0.2)

fig, ax = plt.subplots(1, 2, figsize=(9, 3.8))
cavity.plot(df, "alpha", ["egen", "emem"], by="learner", ax=list(ax))
ax[0].plot(bayes["alpha"], bayes["egen"], "k--", lw=1, label="Bayes-optimal")
ax[0].legend(fontsize=8)
ax[0].set_title("generalisation (rule points)", fontsize=10)
ax[1].set_title("memorisation (facts)", fontsize=10)
fig.suptitle("Rules and facts, eps = 0.2, ridge lambda = 0.1 (lines: theory, points: d = %d, "
             "%d seeds)" % (size["d"], size["seeds"]), fontsize=10)
fig.tight_layout()
fig.savefig(a.out, dpi=110)
lin = df[(df.kind == "theory") & (df.learner == "linear")]
ker = df[(df.kind == "theory") & (df.learner == "kernel")]
print("%s: at alpha = %g the linear learner has egen %.3f, emem %.3f; the kernel %.3f, %.3f"
      % (a.out, lin.alpha.iloc[-1], lin.egen.iloc[-1], lin.emem.iloc[-1], ker.egen.iloc[-1],
         ker.emem.iloc[-1]))
