"""The piecewise polynomial behind vecmath.h's float32 gelu (kGeluPhi): Phi(-u) =
erfc(u / sqrt 2) / 2 on [0, 4) in N pieces of width h = 4 / N, piece k a polynomial of degree D
in z = u - c_k (c_0 = 0, c_k = (k + 1/2) h, so z is exact in float32).

Each piece is a relative-error minimax fit (Lawson's iteration on weighted least squares over
Chebyshev nodes, values from mpmath at 40 digits). Coefficients D .. 2 are rounded to float32
one at a time from the top, the lower ones refitted after each; c0 and c1 are kept as float32
hi + lo pairs. Prints the table (rows c0, c0 lo, c1, c1 lo, c2 .. cD; a column per piece) and,
on stderr, the worst relative error of the rounded polynomial.

    python3 native/tools/gelu_fit.py 8 7 > table.h      # the shipped table: 7.1e-9 (0.119 ulp)
"""
import sys

import mpmath as mp
import numpy as np

mp.mp.dps = 40
N, D = int(sys.argv[1]), int(sys.argv[2])
h = 4.0 / N


def phi_neg(u):
    return float(mp.erfc(mp.mpf(u) / mp.sqrt(2)) / 2)


def f32(v):
    return float(np.float32(v))


def fit(z, y, fixed):
    """Minimises max |p(z) - y| / y over the coefficients not in `fixed` (j -> value)."""
    free = [j for j in range(D + 1) if j not in fixed]
    a = np.stack([z ** j for j in free], 1) / y[:, None]
    b = (y - sum(v * z ** j for j, v in fixed.items())) / y
    w = np.ones_like(z) / len(z)
    for _ in range(60):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)
        e = np.abs(a @ c - b)
        w = w * (e + 1e-30 * e.max() + 1e-300)
        w /= w.sum()
    coef = dict(fixed)
    coef.update({j: v for j, v in zip(free, c)})
    return [coef[j] for j in range(D + 1)]


rows, worst = [], 0.0
for k in range(N):
    lo, hi = k * h, (k + 1) * h
    c = 0.0 if k == 0 else (k + 0.5) * h
    t = np.cos(np.pi * (np.arange(800) + 0.5) / 800)
    u = np.concatenate([(lo + hi) / 2 + (hi - lo) / 2 * t, [lo, hi]])
    z, y = u - c, np.array([phi_neg(v) for v in u])
    fixed = {}
    co = fit(z, y, fixed)
    for j in range(D, 1, -1):
        fixed[j] = f32(co[j])
        co = fit(z, y, fixed)
    c0h, c1h = f32(co[0]), f32(co[1])
    c0l, c1l = f32(co[0] - c0h), f32(co[1] - c1h)
    co[0], co[1] = c0h + c0l, c1h + c1l
    p = sum(co[j] * z ** j for j in range(D + 1))
    worst = max(worst, float(np.max(np.abs(p - y) / y)))
    rows.append([c0h, c0l, c1h, c1l] + co[2:])
print(f"N={N} D={D}: worst relative error {worst:.3e} ({worst / 2 ** -24:.3f} ulp)", file=sys.stderr)
print(f"constexpr float kGeluPhi[{D + 3}][{N}] = {{")
for j in range(D + 3):
    print("    {" + ", ".join(f"{np.float32(r[j]):.9e}f" for r in rows) + "},")
print("};")
