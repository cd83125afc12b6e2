"""Shrinkage functions: soft_shrink, hard_shrink, tanh_shrink."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._activation import Param, Properties, Real, Reference, Spec
from .._engine import narrow, temp
from .._kernels import mask, native, not_above, scratch, select

DONOHO = Reference(
    "Donoho & Johnstone (1994), Ideal spatial adaptation by wavelet shrinkage, Biometrika",
    "https://doi.org/10.1093/biomet/81.3.425",
)
KERAS_DOCS = Reference("Keras 3 API: activations", "https://keras.io/api/layers/activations/")

_T = Param("threshold", 0.5, Real(lo=0.0), "Threshold λ >= 0: inputs with |x| <= λ give 0.")


def _passes(xp: Any, x: Any, t: float) -> Any:
    """1 where |x| > t, else 0; with t = 0 the function is linear, slope 1 everywhere."""
    if t == 0.0:
        return xp.ones_like(x)
    return xp.astype(xp.abs(x) > t, x.dtype)


def _soft_shrink_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    t = p["threshold"]
    zero = xp.zeros_like(x)
    return xp.where(x > t, x - t, xp.where(x < -t, x + t, zero))


def _soft_shrink_kernel(x: Any, p: dict[str, Any]) -> Any:
    # max(x - t, 0) + min(x + t, 0): one term is exactly +0 everywhere, and NaN
    # stays NaN (maximum/minimum propagate it), as the generic form (NaN rule).
    t = p["threshold"]
    lo = np.add(x, t, out=temp(x, 0))
    np.minimum(lo, 0.0, out=lo)
    np.subtract(x, t, out=x)
    np.maximum(x, 0.0, out=x)
    return np.add(x, lo, out=x)


SOFT_SHRINK = Spec(
    name="soft_shrink",
    family="shrinkage",
    summary="Soft thresholding: moves x towards 0 by the threshold, 0 inside it.",
    formula=(
        r"f(x) = \begin{cases} x - \lambda & x > \lambda \\ 0 & |x| \le \lambda \\ x + \lambda"
        r" & x < -\lambda \end{cases}"
    ),
    params=(_T,),
    properties=Properties((-math.inf, math.inf), "(-inf, inf)", True, "C0", True),
    references=(DONOHO,),
    numpy_value=_soft_shrink_kernel,
    value=_soft_shrink_value,
    # Kinks at +-threshold: one side is flat, so the rule gives 0.
    derivative=lambda xp, x, p: _passes(xp, x, p["threshold"]),
    mp=lambda mp, x, p: (
        x - p["threshold"]
        if x > p["threshold"]
        else (x + p["threshold"] if x < -p["threshold"] else mp.mpf(0))
    ),
    kinks=lambda p: (-p["threshold"], p["threshold"]) if p["threshold"] > 0 else (),
    equivalents={
        "keras": "keras.activations.soft_shrink",
        "torch": "torch.nn.functional.softshrink",
    },
    differences="PyTorch calls the threshold lambd.",
    examples=""">>> import actfn
>>> actfn.soft_shrink([-2.0, 0.25, 1.0])
array([-1.5,  0. ,  0.5])""",
)


# Exact in float32 too: |x| is exact and |x| > threshold is decided exactly.
@native()
def _hard_shrink_kernel(x: Any, p: dict[str, Any]) -> Any:
    a = np.abs(x, out=scratch(x, 0))
    # 0 where |x| <= threshold; NaN stays NaN, as the generic form (NaN rule).
    keep = np.less_equal(a, not_above(p["threshold"], x.dtype), out=mask(x, 1))
    np.logical_not(keep, out=keep)
    return select(x, keep, 0.0, 2)


HARD_SHRINK = Spec(
    name="hard_shrink",
    family="shrinkage",
    summary="Hard thresholding: x where |x| exceeds the threshold, 0 elsewhere.",
    formula=r"f(x) = \begin{cases} x & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
    params=(_T,),
    properties=Properties((-math.inf, math.inf), "(-inf, inf)", True, "discontinuous", True),
    references=(DONOHO,),
    numpy_value=_hard_shrink_kernel,
    value=lambda xp, x, p: xp.where(xp.abs(x) > p["threshold"], x, xp.zeros_like(x)),
    # At the jumps the pieces have slopes 0 and 1: the rule gives 0.
    derivative=lambda xp, x, p: _passes(xp, x, p["threshold"]),
    mp=lambda mp, x, p: x if abs(x) > p["threshold"] else mp.mpf(0),
    kinks=lambda p: (-p["threshold"], p["threshold"]) if p["threshold"] > 0 else (),
    equivalents={
        "keras": "keras.activations.hard_shrink",
        "torch": "torch.nn.functional.hardshrink",
    },
    differences="PyTorch calls the threshold lambd.",
    examples=""">>> import actfn
>>> actfn.hard_shrink([-2.0, 0.25, 1.0])
array([-2.,  0.,  1.])""",
)


# Taylor coefficients of x - tanh x = sum_k c_k x^(2k+3), from
# mpmath.taylor(lambda t: t - mpmath.tanh(t), 0, 45) at 40 digits.
_TANH_SHRINK_SERIES = (
    0.3333333333333333,
    -0.13333333333333333,
    0.05396825396825397,
    -0.021869488536155203,
    0.008863235529902197,
    -0.003592128036572481,
    0.0014558343870513183,
    -0.000590027440945586,
    0.00023912911424355248,
    -9.691537956929451e-05,
    3.927832388331683e-05,
    -1.5918905069328964e-05,
    6.451689215655431e-06,
    -2.6147711512907546e-06,
    1.0597268320104654e-06,
    -4.294911078273806e-07,
    1.7406618963571648e-07,
    -7.054636946400968e-08,
    2.859136662305254e-08,
    -1.1587644432798853e-08,
    4.6962953982309016e-09,
    -1.903336833931276e-09,
)
# Below this, x - tanh x cancels (by a factor of about 3/x^2), so the series is
# used; the ratio of successive terms is about 0.4 x^2, 0.15 at the cut, so the
# 22 terms leave a truncation error near 1e-18 of the result.
_TANH_SHRINK_CUT = 0.6


def _tanh_shrink_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    small = xp.abs(x) < _TANH_SHRINK_CUT
    xs = xp.where(small, x, xp.zeros_like(x))
    z = xs * xs
    acc = _TANH_SHRINK_SERIES[-1] * xp.ones_like(x)
    for c in reversed(_TANH_SHRINK_SERIES[:-1]):
        acc = acc * z + c
    series = acc * z * xs
    return xp.where(small, series, x - xp.tanh(x))


def _tanh_shrink_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # 1 - sech^2 x = tanh^2 x: no cancellation.
    t = xp.tanh(x)
    return t * t


# Rounded to float32 or narrower, x - tanh(x) in float64 has a relative error of
# about 3 eps / x^2 (eps = 2^-53): below 1e-9 for |x| >= 1e-3, so far under the
# 2^-25 that one float32 rounding tolerates.  Below that cut three terms of the
# series leave a truncation error of (62/2835) x^6 < 1e-19 relative.
_TANH_SHRINK_NARROW_CUT = 1e-3


def _tanh_shrink_narrow(x: Any, t: Any) -> Any:
    c0, c1, c2 = _TANH_SHRINK_SERIES[:3]
    z = np.multiply(x, x, out=temp(x, 1))
    s = np.multiply(z, c2, out=temp(x, 2))
    np.add(s, c1, out=s)
    np.multiply(s, z, out=s)
    np.add(s, c0, out=s)
    np.multiply(s, z, out=s)
    np.multiply(s, x, out=s)
    big = np.greater_equal(np.abs(x, out=z), _TANH_SHRINK_NARROW_CUT, out=mask(x, 3))
    return select(t, big, s, 4)


def _tanh_shrink_kernel(x: Any, p: dict[str, Any]) -> Any:
    # x - tanh(x), with the series of _tanh_shrink_value on the elements below
    # the cut only (gathered, so the 22-term Horner loop runs on those alone).
    t = np.tanh(x, out=temp(x, 0))
    np.subtract(x, t, out=t)
    if narrow():
        return _tanh_shrink_narrow(x, t)
    small = np.less(np.abs(x, out=temp(x, 1)), _TANH_SHRINK_CUT, out=mask(x, 2))
    xs = x[small]
    if xs.size:
        z = xs * xs
        acc = np.full_like(xs, _TANH_SHRINK_SERIES[-1])
        for c in reversed(_TANH_SHRINK_SERIES[:-1]):
            np.multiply(acc, z, out=acc)
            np.add(acc, c, out=acc)
        np.multiply(acc, z, out=acc)
        np.multiply(acc, xs, out=acc)
        t[small] = acc
    return t


TANH_SHRINK = Spec(
    name="tanh_shrink",
    family="shrinkage",
    summary="x - tanh(x).",
    formula=r"f(x) = x - \tanh x",
    params=(),
    properties=Properties((-math.inf, math.inf), "(-inf, inf)", True, "C-inf", True),
    references=(KERAS_DOCS,),
    numpy_value=_tanh_shrink_kernel,
    value=_tanh_shrink_value,
    derivative=_tanh_shrink_derivative,
    mp=lambda mp, x, p: x - mp.tanh(x),
    mp_derivative=lambda mp, x, p: mp.tanh(x) ** 2,
    equivalents={
        "keras": "keras.activations.tanh_shrink",
        "torch": "torch.nn.functional.tanhshrink",
    },
    examples=""">>> import actfn
>>> actfn.tanh_shrink([-1.0, 0.0, 1.0])
array([-0.23840584,  0.        ,  0.23840584])""",
)

SPECS = (SOFT_SHRINK, HARD_SHRINK, TANH_SHRINK)
