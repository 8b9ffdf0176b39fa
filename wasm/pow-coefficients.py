# Derives the polynomial coefficients of wasm/pow.ts (Chebyshev fits, close to minimax):
#   python3 wasm/pow-coefficients.py        (needs mpmath)
from mpmath import mp, mpf, log, atanh, sqrt, expm1, chebyfit, polyval

mp.dps = 40
ln2 = log(2)

# log2(1 + f) = s * L(s^2), s = f / (2 + f), |s| <= (sqrt(2) - 1) / (sqrt(2) + 1)
zmax = ((sqrt(2) - 1) / (sqrt(2) + 1)) ** 2
def L(z):
    return 2 / ln2 if z == 0 else 2 * atanh(sqrt(z)) / (sqrt(z) * ln2)

# 2^r = 1 + r * X(r), |r| <= 1/2
def X(r):
    return ln2 if r == 0 else expm1(r * ln2) / r

for name, f, interval, n, whole in [
    ("L", L, [0, zmax], 6, lambda p, z: polyval(p, z) / L(z) - 1),
    ("X", X, [-0.5, 0.5], 7, lambda p, r: (1 + r * polyval(p, r)) / 2**r - 1),
]:
    poly = [mpf(float(c)) for c in chebyfit(f, interval, n)]
    lo, hi = interval
    err = max(abs(whole(poly, lo + (hi - lo) * i / 4000)) for i in range(4001))
    for k, c in enumerate(reversed(poly)):
        print(f"const {name}{k}: f64 = {float(c)!r};")
    print(f"// relative error 2^{float(mp.log(err, 2)):.1f}\n")
