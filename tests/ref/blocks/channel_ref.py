#!/usr/bin/env python3
"""Reference values for the sign / sign-flip Bayes output (tests/unit/blocks/test_channel.c).

Z(y, omega, V) = int P(y|nu) N(nu; omega, V) dnu with P(y|nu) = eps/2 + (1-eps) 1{y nu > 0}
(docs/raf.md). Reference: Z(omega) = eps/2 + (1-eps) Phi(y omega/sqrt V) in mpmath at 60 digits,
log Z, and gout = d log Z/d omega, dgout = d^2 log Z/d omega^2 by mpmath's high-precision numerical
differentiation (mp.diff), i.e. independent of the closed forms for gout/dgout used in channel.c.
Cross-check: Z by direct quadrature over nu (mp.quad, split at the Gaussian's centre and near the
boundary nu = 0); the relative difference is printed after each line (quadrature in the extreme
tails is only good to ~1e-13, which is why it is not the primary reference).
Also prints M(z) - z = phi(z)/H(z) - z for the continued-fraction branch used in channel.c.
Run: /usr/bin/python3 channel_ref.py
"""
import mpmath as mp

mp.mp.dps = 60
CASES = [(1, 0.3, 1.0, 0.0), (-1, 0.3, 0.5, 0.2), (1, -2.0, 0.1, 0.0), (1, -40.0, 1.0, 0.0),
         (-1, 40.0, 1.0, 0.0), (1, -40.0, 1.0, 0.2), (1, -6.0, 0.01, 0.0), (1, 5.0, 2.0, 0.9),
         (-1, -1.5, 3.0, 1.0), (1, -1e-3, 1e-8, 0.0)]

for y, om, V, eps in CASES:
    y, om, V, eps = map(mp.mpf, (y, om, V, eps))
    sd = mp.sqrt(V)
    logZ = lambda o: mp.log(eps / 2 + (1 - eps) * mp.ncdf(y * o / sd))
    lz = logZ(om)
    g = mp.diff(logZ, om, 1)
    dg = mp.diff(logZ, om, 2)
    # cross-check by quadrature over nu
    N = lambda nu: mp.exp(-(nu - om) ** 2 / (2 * V)) / mp.sqrt(2 * mp.pi * V)
    hb = V / (abs(om) + sd)
    pts = sorted(set([mp.mpf(0)] + [om + k * sd for k in (-8, -4, -1, 0, 1, 4, 8)] +
                     [s * hb * 2 ** k for k in range(-2, 8) for s in (-1, 1)]))
    pts = [p for p in pts if p >= 0] + [mp.inf] if y > 0 else [-mp.inf] + [p for p in pts if p <= 0]
    Zq = eps / 2 + (1 - eps) * mp.quad(N, pts)
    print("    {%s, %s, %s, %s, %s, %s, %s}, /* quad: %s */" % (
        tuple(mp.nstr(v, 20) for v in (y, om, V, eps, lz, g, dg)) +
        (mp.nstr(abs(mp.log(Zq) - lz) / abs(lz) if lz != 0 else abs(mp.log(Zq)), 3),)))

print("M(z) - z:")
for z in (4.0, 10.0, 40.0, 1e4):
    z = mp.mpf(z)
    print("    {%s, %s}," % (mp.nstr(z, 17), mp.nstr(mp.npdf(z) / mp.ncdf(-z) - z, 20)))
