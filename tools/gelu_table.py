"""The tables of gelu's AVX-512 kernel (src/actfn/_c/k_avx512.c, GE_C0H ... GE_C6).

V(u) = log(erfc(u/sqrt 2)/2) = log Phi(-u) as polynomials in s = u - c on intervals
of width W centred on c = j W (j = 0 .. J-1; the first interval is [0, W/2]):
near-minimax fits (least squares on Chebyshev nodes with Lawson reweighting,
against mpmath at 40 digits), the coefficients of s^2 .. s^D rounded to float one at
a time with the others refitted to what remains, C0 and C1 stored as float hi + lo.

    python tools/gelu_table.py 1 6 15 > table.c     # what k_avx512.c holds

prints the C arrays (and, on stderr, each interval's largest error).  About a
minute.  Needs mpmath and NumPy.
"""

from __future__ import annotations

import sys
from typing import Any

import mpmath as mp
import numpy as np

mp.mp.dps = 40
NODES = 200


def V(u: Any) -> Any:
    return mp.log(mp.erfc(mp.mpf(u) / mp.sqrt(2)) / 2)


def f32(v: Any) -> Any:
    """v rounded to float32, as an mpf."""
    return mp.mpf(float(np.float32(float(v))))


def poly(coef: dict[int, Any], s: Any) -> Any:
    return sum(c * s**k for k, c in coef.items())


def lawson(nodes: list[Any], vals: list[Any], powers: list[int]) -> dict[int, Any]:
    """Near-minimax coefficients of the given powers of s for vals at nodes."""
    w = [mp.mpf(1)] * len(nodes)
    coef: dict[int, Any] = {}
    for _ in range(20):
        a = mp.matrix(len(nodes), len(powers))
        b = mp.matrix(len(nodes), 1)
        for i, s in enumerate(nodes):
            sw = mp.sqrt(w[i])
            for k, pw in enumerate(powers):
                a[i, k] = sw * s**pw
            b[i] = sw * vals[i]
        sol = mp.qr_solve(a, b)[0]
        coef = {pw: sol[k] for k, pw in enumerate(powers)}
        err = [abs(poly(coef, s) - v) for s, v in zip(nodes, vals, strict=True)]
        total = sum(wi * ei for wi, ei in zip(w, err, strict=True))
        w = [wi * ei / total for wi, ei in zip(w, err, strict=True)]
    return coef


def fit(j: int, width: Any, degree: int) -> tuple[list[Any], Any]:
    """The stored coefficients [C0h, C0l, C1h, C1l, C2, ...] of interval j and their
    largest error against V."""
    c = j * width
    lo, hi = (mp.mpf(0) if j == 0 else -width / 2), width / 2
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    nodes = [mid + half * mp.cos(mp.pi * (k + mp.mpf(0.5)) / NODES) for k in range(NODES)]
    vals = [V(c + s) for s in nodes]
    fixed: dict[int, Any] = {}
    for pw in range(2, degree + 1):
        free = [0, 1] + [q for q in range(2, degree + 1) if q not in fixed]
        rest = [v - poly(fixed, s) for s, v in zip(nodes, vals, strict=True)]
        fixed[pw] = f32(lawson(nodes, rest, free)[pw])
    rest = [v - poly(fixed, s) for s, v in zip(nodes, vals, strict=True)]
    c01 = lawson(nodes, rest, [0, 1])
    c0h, c1h = f32(c01[0]), f32(c01[1])
    c0l, c1l = f32(c01[0] - c0h), f32(c01[1] - c1h)
    stored = {0: c0h + c0l, 1: c1h + c1l, **fixed}
    err = max(abs(poly(stored, s) - V(c + s)) for s in mp.linspace(lo, hi, 400))
    return [c0h, c0l, c1h, c1l, *(fixed[q] for q in range(2, degree + 1))], err


def literal(v: Any) -> str:
    x = float(np.float32(float(v)))
    if x == 0.0:
        return "0.0f"
    mant, exp = float.hex(x).split("p")
    return f"{mant.rstrip('0').rstrip('.')}p{exp}f"


def main(argv: list[str]) -> None:
    width, degree, count = mp.mpf(argv[0]), int(argv[1]), int(argv[2])
    rows, worst = [], mp.mpf(0)
    for j in range(count):
        cs, err = fit(j, width, degree)
        rows.append(cs)
        worst = max(worst, err)
        print(f"j {j} err {float(err):.2e}", file=sys.stderr)
    print(f"/* max abs error of the stored polynomials: {float(worst):.2e} */")
    size = 16 if count <= 16 else 32
    names = ["C0H", "C0L", "C1H", "C1L", *(f"C{k}" for k in range(2, degree + 1))]
    for i, name in enumerate(names):
        items = [literal(r[i]) for r in rows] + ["0.0f"] * (size - count)
        print(f"static const float GE_{name}[{size}] = {{")
        for k in range(0, len(items), 6):
            print("    " + ", ".join(items[k : k + 6]) + ",")
        print("};")


if __name__ == "__main__":
    main(sys.argv[1:])
