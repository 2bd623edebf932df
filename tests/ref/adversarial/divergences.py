#!/usr/bin/python3
"""Where cavity's adversarial state evolution and the first author's public working code for
Vilucchio, Zdeborova, Loureiro, arXiv:2506.12454 part ways, and the simulations that decide
(docs/adversarial.md, "Where these equations and the authors' code part ways").

Usage:  /usr/bin/python3 tests/ref/adversarial/divergences.py [CAVITY_BINARY] > divergences.txt
(default binary build/cavity; numpy and scipy needed; about 15 minutes on the 2-core development VM).

Nothing here is taken from the authors' code: each alternative is written from its description
(what differs, in formulas) and evaluated at cavity's own order parameters or, for B, by an
independent solver of the direct-model state evolution written here.

A. Robust error after l_inf training. The test l_inf attack lowers a field by eps ||w||_1/d = eps P;
   the Gaussian-weight formula replaces P by sqrt(2/pi) sqrt(q), exact only when the weights are
   Gaussian. Evaluated at cavity's (m, q) and compared with the simulated robust error and P.
B. l_2 training, prox derivative. The margin-shifted logistic loss l(y, h - y c), c = eps_t sqrt(q);
   its proximal map h*(omega) has dh*/domega = 1/(1 + V l''(y, h* - y c)) (curvature at the
   shifted field). The alternative takes l''(y, h*), at the unshifted field. Both solved here
   (direct model, ridge, sign teacher), compared with cavity and with simulation.
C. Consistent l_inf threshold in the latent model with gamma = d/p > 1. The student sees latent
   coordinates 1..p only, so its latent weight v vanishes on p+1..d; a consistent attack may use
   those coordinates to cancel theta.delta. The threshold min_t ||v - t theta||_1/d then includes
   |t| ||theta_{p+1..d}||_1/d; the alternative leaves those coordinates out. With plain ridge
   training the weights are Gaussian: on the seen coordinates v = a theta + s xi, a = gamma m,
   s^2 = gamma q_z - a^2, and q_z = q/2 (gamma > 1), so both thresholds are closed forms in (m, q):
     cavity: min_t sqrt(2/pi) [ sqrt((a - t)^2 + s^2)/gamma + (1 - 1/gamma) |t| ],
     alternative: sqrt(2/pi) s/gamma.
"""
import csv
import io
import subprocess
import sys

import numpy as np
from scipy import optimize
from scipy.special import erf
from scipy.stats import multivariate_normal

CAV = sys.argv[1] if len(sys.argv) > 1 else "build/cavity"
SEEDS, D, NTEST = 40, 1000, 10000


def run(*args):
    out = subprocess.run([CAV, *args, "--no-store"], check=True, capture_output=True, text=True)
    return list(csv.DictReader(io.StringIO(out.stdout)))


def theory(model, **kw):
    args = ["theory", model] + [f"--{k}={v}" for k, v in kw.items()]
    return {k: v for k, v in run(*args)[0].items()}


def simulate(model, **kw):
    args = ["simulate", model, f"--d={D}", f"--ntest={NTEST}", f"--seeds={SEEDS}"]
    return run(*(args + [f"--{k}={v}" for k, v in kw.items()]))[0]


def p_below(m, q, a):
    """P(y lam < a), y = sign(nu), (nu, lam) Gaussian with variances 1, q and covariance m."""
    r, k = m / np.sqrt(q), a / np.sqrt(q)
    return 1 - 2 * multivariate_normal(mean=[0, 0], cov=[[1, r], [r, 1]]).cdf([0, -k])


def sim_str(s, key, fmt="%.4f"):
    return (fmt + " +- " + fmt) % (float(s[key]), float(s[key + "_se"]))


# --- A ------------------------------------------------------------------------------------
def part_a():
    kw = dict(alpha=2, eps_train=1, attack_norm="inf", **{"lambda": 0.1}, eps=1)
    t, s = theory("adversarial", **kw), simulate("adversarial", **kw)
    m, q, P = float(t["m"]), float(t["q"]), float(t["P"])
    gauss = np.sqrt(2 / np.pi) * np.sqrt(q)
    print("A. direct model, l_inf training and test: alpha 2, eps_t 1, lambda 0.1, eps 1")
    print(f"   robust error  cavity {float(t['erob']):.4f}   Gaussian-weight formula "
          f"{p_below(m, q, gauss):.4f}   simulation d={D}, {SEEDS} seeds: {sim_str(s, 'erob')}")
    print(f"   l_1 order parameter P = ||w||_1/d: cavity {P:.4f}, simulation {sim_str(s, 'P')};"
          f" sqrt(2/pi) sqrt(q) = {gauss:.4f}")
    print(f"   clean error   cavity {float(t['egen']):.4f}   simulation {sim_str(s, 'egen')}")


# --- B ------------------------------------------------------------------------------------
XI, WXI = np.polynomial.legendre.leggauss(600)
XI, WXI = 12 * XI, 12 * WXI * np.exp(-72 * XI**2) / np.sqrt(2 * np.pi)  # N(0, 1) on [-12, 12]


def sig(u):
    return 0.5 * (1 + np.tanh(u / 2))


def prox(y, om, V, c):
    """argmin_h (h - om)^2/(2V) + log(1 + exp(c - y h)), by Newton (vectorised)."""
    h = om.copy()
    for _ in range(200):
        u = y * h - c
        step = ((h - om) / V - y * sig(-u)) / (1 / V + sig(u) * sig(-u))
        h -= step
        if np.max(np.abs(step)) < 1e-15 * (1 + np.max(np.abs(h))):
            break
    return h


def hats(m, q, V, c, alpha, unshifted):
    V0 = 1 - m * m / q
    om, w0 = np.sqrt(q) * XI, m / np.sqrt(q) * XI
    out = np.zeros(4)
    for y in (1.0, -1.0):
        h = prox(y, om, V, c)
        f = (h - om) / V
        u = y * h - (0.0 if unshifted else c)
        dh = 1 / (1 + V * sig(u) * sig(-u))
        Z0 = 0.5 * (1 + erf(y * w0 / np.sqrt(2 * V0)))
        dZ0 = y * np.exp(-w0 * w0 / (2 * V0)) / np.sqrt(2 * np.pi * V0)
        out += [np.dot(WXI, dZ0 * f), np.dot(WXI, Z0 * f * f), np.dot(WXI, Z0 * (1 - dh) / V),
                np.dot(WXI, Z0 * y * f)]
    return alpha * out  # mhat, qhat, Vhat, alpha E[y f]


def solve_b(alpha, eps_t, lam, unshifted):
    """Direct model, logistic, ridge, l_2 training: m = mhat/D, q = (mhat^2 + qhat)/D^2, V = 1/D,
    D = lambda + Vhat + eps_t alpha E[y f]/sqrt(q), margin shift c = eps_t sqrt(q)."""

    def F(x):
        m, lq, lV = x
        q, V = np.exp(lq), np.exp(lV)
        mh, qh, Vh, A = hats(m, q, V, eps_t * np.sqrt(q), alpha, unshifted)
        Dn = lam + Vh + eps_t * A / np.sqrt(q)
        return [mh / Dn - m, np.log((mh * mh + qh) / Dn**2) - lq, -np.log(Dn) - lV]

    sol = optimize.root(F, [0.5, 0.0, 0.0], method="hybr", tol=1e-13)
    m, q, V = sol.x[0], np.exp(sol.x[1]), np.exp(sol.x[2])
    assert max(abs(np.array(F(sol.x)))) < 1e-10, sol.message
    return m, q, V


def part_b():
    alpha, eps_t, lam, eps = 2.0, 0.5, 0.1, 1.0
    kw = dict(alpha=alpha, eps_train=eps_t, attack_norm=2, **{"lambda": lam}, eps=eps)
    t, s = theory("adversarial", **kw), simulate("adversarial", **kw)
    print(f"B. direct model, l_2 training and test: alpha {alpha:g}, eps_t {eps_t:g}, "
          f"lambda {lam:g}, eps {eps:g}")
    print("   %-40s %9s %9s %9s %9s" % ("", "m", "q", "egen", "erob"))
    print("   %-40s %9.6f %9.6f %9.6f %9.6f" % ("cavity", float(t["m"]), float(t["q"]),
                                                  float(t["egen"]), float(t["erob"])))
    for label, unsh in (("this script, curvature at h* - y c", False),
                        ("this script, curvature at h* (alternative)", True)):
        m, q, V = solve_b(alpha, eps_t, lam, unsh)
        egen = np.arccos(m / np.sqrt(q)) / np.pi
        print("   %-40s %9.6f %9.6f %9.6f %9.6f" % (label, m, q, egen,
                                                      p_below(m, q, eps * np.sqrt(q))))
    print("   %-40s %s %s %s %s" % (f"simulation d={D}, {SEEDS} seeds", sim_str(s, "m"),
                                    sim_str(s, "q"), sim_str(s, "egen"), sim_str(s, "erob")))


# --- C ------------------------------------------------------------------------------------
def part_c():
    g = 2.0
    kw = dict(alpha=1, gamma=g, eps_train=0, attack_norm="inf", **{"lambda": 0.01}, eps=1)
    t, s = theory("adversarial-latent", **kw), simulate("adversarial-latent", **kw)
    m, q = float(t["m"]), float(t["q"])
    qz = q / 2
    a, sd = g * m, np.sqrt(g * qz - (g * m) ** 2)
    c = np.sqrt(2 / np.pi)
    full = optimize.minimize_scalar(
        lambda u: c * (np.sqrt((a - u) ** 2 + sd**2) / g + (1 - 1 / g) * abs(u)),
        bounds=(-abs(a) - 1, abs(a) + 1), method="bounded", options={"xatol": 1e-12}).fun
    seen = c * sd / g
    print(f"C. latent model, plain ridge training, l_inf test: alpha 1, gamma {g:g}, "
          f"lambda 0.01, eps 1")
    print(f"   consistent robust error  cavity {float(t['erob_cns']):.4f} (closed form here "
          f"{p_below(m, q, full):.4f})   alternative (seen coordinates only) "
          f"{p_below(m, q, seen):.4f}   simulation d={D}, {SEEDS} seeds: "
          f"{sim_str(s, 'erob_cns')}")
    print(f"   consistent boundary error cavity {float(t['ebnd_cns']):.4f}   alternative "
          f"{p_below(m, q, seen) - float(t['egen']):.4f}   simulation {sim_str(s, 'ebnd_cns')}")


if __name__ == "__main__":
    print(f"# {CAV}; simulations: d = {D}, {SEEDS} seeds, {NTEST} test points each")
    part_a()
    part_b()
    part_c()
