"""Shrinkage functions: soft_shrink, hard_shrink, tanh_shrink."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _numerics as nm
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


def _passes_at(x: float, t: float) -> float:
    """The reference for _passes at one point."""
    return 1.0 if abs(x) > t or t == 0.0 else 0.0


def _soft_shrink_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    t = p["threshold"]
    # x - sign(x) t outside [-t, t] (x - t or x + t, each one rounding); the
    # comparison |x| <= t is false for NaN, so NaN stays NaN (x + t).  (A select,
    # not sign(x): torch.func.vmap cannot batch array_api_compat's sign.)
    return xp.where(xp.abs(x) <= t, xp.zeros_like(x), xp.where(x > 0.0, x - t, x + t))


def _soft_shrink_kernel(x: Any, p: dict[str, Any]) -> Any:
    # max(x - t, 0) + min(x + t, 0): one term is exactly +0 everywhere (so 0 inside
    # [-t, t] is +0, as the generic form's), and NaN propagates through both.
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
    mp_derivative=lambda mp, x, p: mp.mpf(
        1 if abs(x) > p["threshold"] or p["threshold"] == 0 else 0
    ),
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
    # 0 where |x| <= threshold, x elsewhere (NaN included), as the generic form.
    zero = np.less_equal(a, not_above(p["threshold"], x.dtype), out=mask(x, 1))
    return select(x, zero, 0.0, 2, invert=True)


HARD_SHRINK = Spec(
    name="hard_shrink",
    family="shrinkage",
    summary="Hard thresholding: x where |x| exceeds the threshold, 0 elsewhere.",
    formula=r"f(x) = \begin{cases} x & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
    params=(_T,),
    properties=Properties((-math.inf, math.inf), "(-inf, inf)", True, "discontinuous", True),
    references=(DONOHO,),
    numpy_value=_hard_shrink_kernel,
    value=lambda xp, x, p: xp.where(xp.abs(x) <= p["threshold"], xp.zeros_like(x), x),
    # At the jumps the pieces have slopes 0 and 1: the rule gives 0.
    derivative=lambda xp, x, p: _passes(xp, x, p["threshold"]),
    mp_derivative=lambda mp, x, p: mp.mpf(
        1 if abs(x) > p["threshold"] or p["threshold"] == 0 else 0
    ),
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
# mpmath.taylor(lambda t: t - mpmath.tanh(t), 0, 49) at 40 digits.  The ratio of
# successive terms tends to -(2/pi)^2 x^2 (0.15 at the cut below), so 24 terms
# leave a truncation error below 1e-20 of the result for |x| < 0.6.
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
    7.713933635359062e-10,
    -3.126339545892087e-10,
)
# Below this, x - tanh x cancels (by a factor of about 3/x^2), so the series is
# used directly.
_TANH_SHRINK_CUT = 0.6


def _tanh_shrink_series(xp: Any, a: Any) -> Any:
    """a - tanh a for |a| < 0.6 from the Taylor series (no cancellation)."""
    z = a * a
    acc = _TANH_SHRINK_SERIES[-1] * z + _TANH_SHRINK_SERIES[-2]
    for c in reversed(_TANH_SHRINK_SERIES[:-2]):
        acc = acc * z + c
    return acc * z * a


# x - tanh x on [0.6, 1.5), where it cancels by a factor 8.5 down to 1.6: Taylor
# polynomials on pieces of width 0.1 around their midpoints, from mpmath at 50
# digits, mp.taylor(lambda t: t - mp.tanh(t), centre, 15).  Each is well
# conditioned on its piece (the result is at least 3 x/|d| times the linear term)
# and x - centre is exact: about 1.5 ULP.
_TANH_SHRINK_BOUNDS = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2000000000000002, 1.3, 1.4, 1.5)
_TANH_SHRINK_PIECES: tuple[tuple[float, float, tuple[float, ...]], ...] = (
    (
        0.6499999999999999,
        0.0,
        (
            0.07833003391488275,
            0.32680655012375903,
            0.3848444766594737,
            0.0043937877054476635,
            -0.13079328868838305,
            0.05834614456513874,
            0.018795123892699113,
            -0.02867093492449728,
            0.006404267907053303,
            0.007040657855471567,
            -0.0053837594271542895,
            -1.4446877220559838e-05,
            0.001869476098918158,
            -0.0008359720234286027,
            -0.00027084487020389116,
            0.00041111119308677994,
        ),
    ),
    (
        0.75,
        0.0,
        (
            0.11485104761271268,
            0.40341419171866855,
            0.3789208511390107,
            -0.041809245544864745,
            -0.09975185187174652,
            0.06403623699040145,
            0.000998531809949323,
            -0.02164610764132787,
            0.01039700194433044,
            0.001996975438571597,
            -0.004420544657205711,
            0.0015293999607497912,
            0.000701837298806615,
            -0.0008522269324816269,
            0.0001902706569087551,
            0.0001870758728724731,
        ),
    ),
    (
        0.8500000000000001,
        0.0,
        (
            0.15893053016706946,
            0.47757701213516784,
            0.3610305772522851,
            -0.07535621366026954,
            -0.0682671471279422,
            0.0606866793291406,
            -0.011160093883878749,
            -0.013085418354705232,
            0.010481830827817609,
            -0.0014843559424851842,
            -0.002495263298923784,
            0.0017951809568253082,
            -0.00017445761148200713,
            -0.00046979904660440064,
            0.0003050611436018102,
            -1.5299659835874386e-05,
        ),
    ),
    (
        0.95,
        0.0,
        (
            0.21021694872599567,
            0.5472789629522761,
            0.33491535016309676,
            -0.09685768731291598,
            -0.039984774594673186,
            0.05180548683517319,
            -0.017553999588477583,
            -0.005476597524548405,
            0.008305461121020244,
            -0.0030582979830574273,
            -0.0007405934893065701,
            0.001325146961062253,
            -0.0005273617804833788,
            -9.589898437239911e-05,
            0.00021056092135442257,
            -9.025970555118287e-05,
        ),
    ),
    (
        1.05,
        0.0,
        (
            0.2681936423912259,
            0.6112211807974984,
            0.30394975255614787,
            -0.10803690920784298,
            -0.01685264171028908,
            0.04054827618527665,
            -0.01932891392927054,
            1.7367844971370642e-05,
            0.005411609969432999,
            -0.0031891792448218337,
            0.0003599141552357983,
            0.0006816923492758552,
            -0.0005018215174291232,
            0.00010423882494959812,
            7.925157973443941e-05,
            -7.581910857162469e-05,
        ),
    ),
    (
        1.1500000000000001,
        0.0,
        (
            0.33224592202971237,
            0.6687217320370354,
            0.27090415456964795,
            -0.11110688781743462,
            0.000556725746745128,
            0.029218625234700448,
            -0.018059132863506935,
            0.003260463874776186,
            0.0027924828820169536,
            -0.0025560477232501183,
            0.0008142327152606475,
            0.00018035749194130106,
            -0.000324296926497664,
            0.00014921649363431664,
            -4.98697117369164e-06,
            -3.6345575081666246e-05,
        ),
    ),
    (
        1.25,
        0.0,
        (
            0.4017163600424871,
            0.7195851338195673,
            0.23787134338173627,
            -0.10831074694529848,
            0.012587786871362775,
            0.019194127178174203,
            -0.015191963172702492,
            0.004675616554097406,
            0.0008740358772556869,
            -0.0017035509948240964,
            0.0008398522873895346,
            -9.823078177370038e-05,
            -0.00014746895876487507,
            0.00011585768889799641,
            -3.527976941014294e-05,
            -6.863210097102916e-06,
        ),
    ),
    (
        1.35,
        0.0,
        (
            0.47594671211399303,
            0.7639691500643391,
            0.20630354042879315,
            -0.1016433378357568,
            0.020073846817453687,
            0.011090370802033232,
            -0.011800334215236836,
            0.0048581260011825176,
            -0.00030335203063824385,
            -0.0009426122531918559,
            0.0006639588264922589,
            -0.00019811063700141457,
            -3.0089141586993312e-05,
            6.511691812724364e-05,
            -3.396932268564731e-05,
            6.200688593515662e-06,
        ),
    ),
    (
        1.45,
        0.0,
        (
            0.5543071261568354,
            0.802265724253427,
            0.1771091817007447,
            -0.09272400669269355,
            0.024015838128583284,
            0.005003092143164334,
            -0.008550753762657565,
            0.004349103587760659,
            -0.0008863587921831815,
            -0.00039022335665168576,
            0.0004416127142625885,
            -0.0001948137221194624,
            2.6985508402585466e-05,
            2.5504211373643078e-05,
            -2.208935558075498e-05,
            8.436703285197579e-06,
        ),
    ),
)


def _tanh_shrink_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    ax = xp.abs(x)
    # |x| < 0.6: the series.  0.6 <= |x| < 1.5: the Taylor pieces (on |x|; the
    # function is odd).  |x| >= 1.5: x - tanh x directly; it cancels by less than
    # a factor 1.6 there and the result is at least 0.59, so tanh's rounding
    # costs at most about one ULP of it.
    small = ax < _TANH_SHRINK_CUT
    mid = ax < _TANH_SHRINK_BOUNDS[-1]
    pieces = nm.taylor_pieces(xp, ax, _TANH_SHRINK_BOUNDS, _TANH_SHRINK_PIECES)
    pieces = xp.where(x < 0.0, -pieces, pieces)
    series = _tanh_shrink_series(xp, xp.where(small, x, xp.zeros_like(x)))
    return xp.where(small, series, xp.where(mid, pieces, x - xp.tanh(x)))


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
    # x - tanh(x).  Rounded to float32 or narrower: three terms of the series
    # below the narrow cut.  float64: below 1.5 the generic form's series and
    # Taylor pieces, on those elements alone (gathered; elementwise, so the same
    # values as the generic form on the whole block).
    t = np.tanh(x, out=temp(x, 0))
    np.subtract(x, t, out=t)
    if narrow():
        return _tanh_shrink_narrow(x, t)
    mid = np.less(np.abs(x, out=temp(x, 1)), _TANH_SHRINK_BOUNDS[-1], out=mask(x, 2))
    if mid.any():
        t[mid] = _tanh_shrink_value(np, x[mid], p)
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
