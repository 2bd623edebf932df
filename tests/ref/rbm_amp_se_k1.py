#!/usr/bin/python3
"""Independent reference for the AMP-RBM state evolution with one Rademacher hidden unit (k = r = 1,
Rademacher latent): adaptive quadrature (scipy.integrate.quad) over xi in omega = zeta c + sqrt(Q) xi,
with a break point where omega = 0, the proximal map by Newton on h - V tanh h = omega. The library
integrates in h instead (trapezoid after omega -> h); the two share no code.

SE (docs/rbm.md): g = tanh h, Zh = alpha E[g c], Qh = alpha E[g^2], A = -alpha E[D/(1 - V D)],
D = 1 - g^2; R = A + alpha (2 alpha grad psi with psi = Q/2); at the fixed point V = 1/R,
zeta = Zh lambda/R, Q = (Zh^2 lambda + Qh)/R^2. Prints one step at a given state and the fixed
point at alpha = 2 for lambda = 2 and 1.4 (tests/models/rbm/test_rbm_amp.c holds the numbers).
"""
import numpy as np
from scipy.integrate import quad
from scipy.optimize import fsolve


def prox(om, V):
    h = om
    for _ in range(200):
        f = h - V * np.tanh(h) - om
        h -= f / (1 - V / np.cosh(h) ** 2)
        if abs(f) < 1e-15 * (1 + abs(om)):
            break
    return h


def expect(zeta, Q, V):
    out = np.zeros(3)
    for c in (-1.0, 1.0):
        brk = -zeta * c / np.sqrt(Q)
        for i in range(3):
            def f(xi):
                h = prox(zeta * c + np.sqrt(Q) * xi, V)
                t = np.tanh(h)
                D = 1 - t * t
                v = (t * c, t * t, D / (1 - V * D))[i]
                return v * np.exp(-xi * xi / 2) / np.sqrt(2 * np.pi)
            out[i] += 0.5 * quad(f, -14, 14, points=[brk], limit=400, epsabs=1e-14, epsrel=1e-13)[0]
    return out


def step(s, alpha, lam):
    zeta, Q, V = s
    Egc, Egg, Edg = expect(zeta, Q, V)
    Zh, Qh, A = alpha * Egc, alpha * Egg, -alpha * Edg
    R = A + alpha
    return np.array([Zh * lam / R, (Zh ** 2 * lam + Qh) / R ** 2, 1 / R])


if __name__ == "__main__":
    s0 = np.array([1.93400599, 2.5995632, 0.65042502])
    print("step at", s0, "lambda 2:", repr(step(s0, 2.0, 2.0)))
    for lam in (2.0, 1.4):
        fp = fsolve(lambda s: step(s, 2.0, lam) - s, [1.9, 2.6, 0.65], xtol=1e-13)
        print("fixed point lambda", lam, ": zeta, Q, V =", repr(fp), " cos =", fp[0] / np.sqrt(fp[1] * lam))
