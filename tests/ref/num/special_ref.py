#!/usr/bin/python3
"""Reference values for tests/unit/num (special functions, Owen T, bivariate normal, quadrature).

Independent of cavity: mpmath at 40 significant digits, definitions only
(H(x) = erfc(x/sqrt2)/2, Owen T and the bivariate orthant by direct quadrature of their
defining integrals). Run:  /usr/bin/python3 tests/ref/num/special_ref.py
The printed values are pasted into tests/unit/num/test_special.c and test_gauss.c.
"""
import mpmath as mp

mp.mp.dps = 40
S = lambda v: mp.nstr(v, 20)


def H(x):
    return mp.erfc(mp.mpf(x) / mp.sqrt(2)) / 2


def phi(x):
    x = mp.mpf(x)
    return mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def checked_quad(f, pts):
    # mpmath's quad error estimate is absolute: insist on a tiny relative error, so that a badly
    # scaled integrand (value ~1e-89) cannot pass unconverged
    v, e = mp.quad(f, pts, error=True)
    assert e <= mp.mpf(10) ** -25 * abs(v), (v, e)
    return v


def owen_t(h, a):
    # exp(-h^2/2) factored out: the remaining integrand is O(1) near x = 0
    h = mp.mpf(h)
    g = lambda x: mp.exp(-h * h * x * x / 2) / (1 + x * x)
    return mp.exp(-h * h / 2) * checked_quad(g, mp.linspace(0, a, 81)) / (2 * mp.pi)


def bvn_upper(h, k, rho):
    # P(z1 > h, z2 > k) = int_h^inf phi(x) H((k - rho x)/sqrt(1-rho^2)) dx
    h, k, rho = mp.mpf(h), mp.mpf(k), mp.mpf(rho)
    s = mp.sqrt(1 - rho * rho)
    return checked_quad(lambda x: phi(x) * H((k - rho * x) / s), [h + d for d in (0, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10)] + [mp.inf])


print("# H(x)")
for x in [-40, -10, -3, -1, 0, 0.5, 1, 2, 3, 5, 8, 10, 15, 20, 26, 30, 37, 38]:
    print("{%s, %s}," % (x, S(H(x))))
print("# log H(x)")
for x in [-40, -5, -1, 0, 1, 3, 5, 6, 10, 20, 30, 38, 40, 100, 1000]:
    print("{%s, %s}," % (x, S(mp.log(H(x)))))
print("# mills phi/H")
for x in [-40, -10, -2, 0, 1, 3, 4.9, 5, 7, 10, 30, 100]:
    print("{%s, %s}," % (x, S(phi(x) / H(x))))
print("# Owen T(h, a)")
for h, a in [(0.5, 0.3), (1, 0.5), (2, 0.9), (0.1, 5), (1.5, 2), (3, 10), (5, 0.5), (7, 0.2),
             (10, 0.8), (0.25, 0.999), (2.5, 1.5), (20, 0.5)]:
    print("{%s, %s, %s}," % (h, a, S(owen_t(h, a))))
print("# bvn upper P(z1>h, z2>k; rho)")
for h, k, r in [(0, 0, 0.5), (0.3, -0.2, 0.7), (1, 2, -0.4), (-1, -0.5, 0.9), (2, 2, 0.95),
                (-2, 1, -0.8), (4, 4, 0.5), (1.0, 0.8, -0.95), (3.5, 2.5, 0.2), (1.2, -0.7, 0.3), (3, 0, 0.6)]:
    print("{%s, %s, %s, %s}," % (h, k, r, S(bvn_upper(h, k, r))))
print("# E log(1+exp(3z))")
print(S(mp.quad(lambda z: phi(z) * mp.log(1 + mp.exp(3 * z)), [-mp.inf, 0, mp.inf])))
print("# E tanh(2z)^2, E 1/(1+exp(-4z+1))")
print(S(mp.quad(lambda z: phi(z) * mp.tanh(2 * z) ** 2, [-mp.inf, 0, mp.inf])))
print(S(mp.quad(lambda z: phi(z) / (1 + mp.exp(-4 * z + 1)), [-mp.inf, 0.25, mp.inf])))
