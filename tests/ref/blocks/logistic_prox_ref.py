#!/usr/bin/env python3
"""Reference values for the logistic prox (tests/unit/blocks/test_loss.c, test_logistic_reference).

h* = argmin_h log(1 + exp(-y h)) + (h - omega)^2/(2V) solves h - omega - V y s(-y h) = 0,
s(x) = 1/(1 + exp(-x)); dprox = 1/(1 + V y^2 s(yh) s(-yh)). Solved here independently with
mpmath at 50 digits (bisection-safe findroot on the bracket [omega, omega + V y]).
Run: /usr/bin/python3 logistic_prox_ref.py
"""
import mpmath as mp

mp.mp.dps = 50
CASES = [(1, 0.0, 1.0), (1, -3.0, 0.1), (-1, 2.5, 10.0), (1, 7.0, 1e-3), (-1, -8.0, 5.0),
         (1, -1000.0, 1e4), (1, 1000.0, 1e-8), (1, -30.0, 2.0), (-1, 0.3, 1e4), (2.5, 0.4, 0.7)]

def s(x):
    return 1 / (1 + mp.exp(-x))

for y, om, V in CASES:
    y, om, V = mp.mpf(y), mp.mpf(om), mp.mpf(V)
    F = lambda h: h - om - V * y * s(-y * h)
    lo, hi = sorted([om, om + V * y])
    h = mp.findroot(F, (lo, hi), solver='anderson') if F(lo) * F(hi) < 0 else om
    d = 1 / (1 + V * y * y * s(y * h) * s(-y * h))
    print("    {%s, %s, %s, %s, %s}," % (mp.nstr(y, 17), mp.nstr(om, 17), mp.nstr(V, 17),
                                        mp.nstr(h, 20), mp.nstr(d, 20)))
