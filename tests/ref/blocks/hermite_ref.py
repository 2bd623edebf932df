#!/usr/bin/env python3
"""Reference Hermite coefficients of activations under N(0,1) (tests/unit/blocks/test_act_prior.c).

mu0 = E s(g), mu1 = E g s(g), mustar = sqrt(E s(g)^2 - mu0^2 - mu1^2), by scipy.integrate.quad
on (-inf, 0] and [0, inf) separately (kinks at 0), tolerances 1e-14. tanh has no closed form: this
script is its independent reference. Run: /usr/bin/python3 hermite_ref.py
"""
import numpy as np
from scipy.integrate import quad

phi = lambda x: np.exp(-x * x / 2) / np.sqrt(2 * np.pi)

def E(f):
    a = quad(lambda x: f(x) * phi(x), -np.inf, 0, epsabs=1e-15, epsrel=1e-14, limit=200)[0]
    b = quad(lambda x: f(x) * phi(x), 0, np.inf, epsabs=1e-15, epsrel=1e-14, limit=200)[0]
    return a + b

from scipy.special import erf, expit, ndtr
for name, s in [("tanh", np.tanh), ("relu", lambda x: max(x, 0.0)), ("erf", erf),
                ("sign", np.sign), ("quadratic", lambda x: x * x), ("sigmoid", expit),
                ("elu", lambda x: x if x > 0 else np.expm1(x)), ("gelu", lambda x: x * ndtr(x)),
                ("he2", lambda x: x * x - 1), ("he3", lambda x: x ** 3 - 3 * x)]:
    m0 = E(s)
    m1 = E(lambda x: x * s(x))
    m2 = E(lambda x: s(x) ** 2)
    print("%-10s mu0 = %.17g  mu1 = %.17g  mustar = %.17g" % (name, m0, m1,
                                                              np.sqrt(m2 - m0 ** 2 - m1 ** 2)))

# Cross-check of tanh at 30 digits with mpmath (agrees with scipy to ~2e-15):
import mpmath as mp
mp.mp.dps = 30
Em = lambda f: mp.quad(lambda x: f(x) * mp.npdf(x), [-mp.inf, -5, 0, 5, mp.inf])
m1 = Em(lambda x: x * mp.tanh(x))
print("tanh (mpmath) mu1 = %s  mustar = %s" % (mp.nstr(m1, 20),
                                               mp.nstr(mp.sqrt(Em(lambda x: mp.tanh(x) ** 2) - m1 ** 2), 20)))
