"""Smooth rectifiers: softplus, silu, gelu, mish, squareplus and their relatives."""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np

from .. import _numerics as nm
from .._activation import Boolean, Param, Properties, Real, Reference, Spec, min_norm
from .._engine import narrow, temp
from .._kernels import exp_neg_abs, mask, narrow_only, select, sigmoid_into

SOFTPLUS_PAPER = Reference(
    "Dugas, Bengio, Bélisle, Nadeau & Garcia (2001), Incorporating Second-Order Functional "
    "Knowledge for Better Option Pricing, NeurIPS",
    "https://papers.nips.cc/paper/1920-incorporating-second-order-functional-knowledge-"
    "for-better-option-pricing",
)
SILU_PAPER = Reference(
    "Elfwing, Uchibe & Doya (2018), Sigmoid-Weighted Linear Units for Neural Network "
    "Function Approximation in Reinforcement Learning",
    "https://arxiv.org/abs/1702.03118",
)
SWISH_PAPER = Reference(
    "Ramachandran, Zoph & Le (2017), Searching for Activation Functions",
    "https://arxiv.org/abs/1710.05941",
)
GELU_PAPER = Reference(
    "Hendrycks & Gimpel (2016), Gaussian Error Linear Units (GELUs)",
    "https://arxiv.org/abs/1606.08415",
)
MISH_PAPER = Reference(
    "Misra (2019), Mish: A Self Regularized Non-Monotonic Activation Function",
    "https://arxiv.org/abs/1908.08681",
)
SQUAREPLUS_PAPER = Reference(
    "Barron (2021), Squareplus: A Softplus-Like Algebraic Rectifier",
    "https://arxiv.org/abs/2112.11687",
)
HARD_SWISH_PAPER = Reference(
    "Howard et al. (2019), Searching for MobileNetV3, ICCV", "https://arxiv.org/abs/1905.02244"
)
SPARSE_PAPER = Reference(
    "Blondel, Martins & Niculae (2020), Learning with Fenchel-Young Losses, JMLR",
    "https://arxiv.org/abs/1901.02324",
)

# -------------------------------------------------------------------------- softplus

_SPLIT = 134217729.0  # 2^27 + 1: Veltkamp's splitting constant for float64


def _split(xp: Any, a: Any) -> tuple[Any, Any]:
    """a = hi + lo exactly, each with at most 26 significant bits (|a| < 2^996)."""
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


def _scaled_product(xp: Any, x: Any, beta: float) -> tuple[Any, Any]:
    """t, e with t + e = beta * x exactly (t = beta * x rounded), for |beta x| <= 750.

    beta is written m 2^k with m in [0.5, 1) (exact); x 2^k is then at most 1500
    in magnitude, so Dekker's product of m and x 2^k neither overflows nor
    underflows except for x 2^k below the normal range, where t is so small that
    an error e of its size does not matter in exp(-|t|).
    """
    mant, k = math.frexp(beta)
    xs = x * 2.0**k if abs(k) < 1000 else (x * 2.0 ** (k // 2)) * 2.0 ** (k - k // 2)
    t = mant * xs
    mh = _SPLIT * mant
    m_hi = mh - (mh - mant)
    m_lo = mant - m_hi
    x_hi, x_lo = _split(xp, xs)
    e = ((m_hi * x_hi - t) + m_hi * x_lo + m_lo * x_hi) + m_lo * x_lo
    return t, e


def _softplus_parts(xp: Any, x: Any, beta: float) -> tuple[Any, Any]:
    """(exp(-|beta x|), beta x clipped): the small exponential, accurate for any beta.

    beta x is rounded once; in exp that rounding is amplified by |beta x| (700
    ULP at beta x = -700).  The rounding error e of t = fl(beta x) is recovered
    exactly (Dekker) and exp(-|beta x|) = exp(-|t|) (1 - sign(t) e) to first
    order (|e| <= 2^-53 |t|, the neglected term is below e^2).  x is first
    clipped to |beta x| <= 750 (and |x| <= 1e308), beyond which exp(-|beta x|)
    is 0 in float64 and the clip changes nothing.
    """
    lim = min(750.0 / beta, 1e308)  # also keeps +-inf out of the splitting
    xc = xp.clip(x, -lim, lim)
    t, e = _scaled_product(xp, xc, beta)
    ex = xp.exp(-xp.abs(t))
    ex = ex - ex * xp.where(t >= 0.0, e, -e)
    if lim == 1e308:
        # beta < 7.5e-306: beta x is small even at the clip, but the limits at
        # +-inf have exp(-inf) = 0 (softplus 0 and inf, derivative 0 and 1).
        ex = xp.where(xp.isinf(x), 0.0, ex)
    return ex, t


def _softplus_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    beta, thr = p["beta"], p["threshold"]
    if beta == 1.0:
        r = nm.softplus(xp, x)
    else:
        # softplus(beta x)/beta = max(x, 0) + log1p(exp(-|beta x|))/beta: two terms of
        # one sign (no cancellation); max(x, 0) is taken from x itself, so beta x may
        # overflow (it is clipped in _softplus_parts) without harm.
        ex, _ = _softplus_parts(xp, x, beta)
        r = xp.maximum(x, 0.0) + xp.log1p(ex) / beta
    if thr is None:
        return r
    return xp.where(_above(xp, x, beta, thr), x, r)


def _above(xp: Any, x: Any, beta: float, thr: float) -> Any:
    # PyTorch's switch beta x > threshold, made on the exact product: x above the
    # largest float of x's format at most threshold/beta (beta * x rounded would
    # land on the threshold for a subnormal beta and x a little above the ratio).
    return x > nm.floor_quotient(thr, beta, single=x.dtype != xp.float64)


def _softplus_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    beta, thr = p["beta"], p["threshold"]
    if beta == 1.0:
        d = nm.sigmoid(xp, x)
    else:
        # sigmoid(beta x) from the same accurate e = exp(-|beta x|): 1/(1 + e) for
        # x >= 0, e/(1 + e) below (as in _numerics.sigmoid).
        ex, t = _softplus_parts(xp, x, beta)
        r = 1.0 / (1.0 + ex)
        d = xp.where(t >= 0.0, r, ex * r)
    if thr is None:
        return d
    return xp.where(_above(xp, x, beta, thr), xp.ones_like(d), d)


def _softplus_kernel(x: Any, p: dict[str, Any]) -> Any:
    if p["beta"] != 1.0 or p["threshold"] is not None:
        return _softplus_value(np, x, p)
    # max(x, 0) + log1p(exp(-|x|)), as _numerics.softplus.
    t = exp_neg_abs(x, temp(x, 0))
    np.log1p(t, out=t)
    np.maximum(x, 0.0, out=x)
    return np.add(x, t, out=x)


def _softplus_mp(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    beta, thr = mp.mpf(p["beta"]), p["threshold"]
    if thr is not None and mp.fmul(beta, x, exact=True) > thr:
        return x
    return mp.log1p(mp.exp(beta * x)) / beta


def _softplus_mp_derivative(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    beta, thr = mp.mpf(p["beta"]), p["threshold"]
    if thr is not None and mp.fmul(beta, x, exact=True) > thr:
        return mp.mpf(1)
    return 1 / (1 + mp.exp(-beta * x))


SOFTPLUS = Spec(
    name="softplus",
    family="smooth",
    summary="Smooth rectifier log(1 + exp(x)), with PyTorch's beta and threshold.",
    formula=r"f(x) = \frac{1}{\beta}\log\big(1 + e^{\beta x}\big)",
    params=(
        Param(
            "beta",
            1.0,
            Real(lo=0.0, lo_open=True),
            "Sharpness β > 0 (PyTorch's beta); β = 1 is Keras's softplus.",
        ),
        Param(
            "threshold",
            None,
            Real(optional=True),
            "None: exact everywhere; a number t: x where β x > t (PyTorch: 20).",
        ),
    ),
    properties=Properties((0.0, math.inf), "(0, inf)", True, "C-inf", False),
    references=(SOFTPLUS_PAPER,),
    value=_softplus_value,
    derivative=_softplus_derivative,
    mp=_softplus_mp,
    mp_derivative=_softplus_mp_derivative,
    kinks=lambda p: (),
    equivalents={
        "keras": "keras.activations.softplus",
        "torch": "torch.nn.functional.softplus",
        "jax": "jax.nn.softplus",
    },
    details="Its derivative is the sigmoid of β x.  Computed as max(x, 0) + "
    "log1p(exp(-|β x|))/β, with the rounding of β x corrected in the exponential, so "
    "it is accurate for any β, including β x beyond the overflow point.  With a "
    "threshold t the function jumps from softplus to x at β x = t (a jump of about "
    "e^-t/β); the derivative there is 1 above the switch.",
    numpy_value=_softplus_kernel,
    differences="PyTorch's softplus switches to x above threshold=20, an error of up to "
    "2e-9 relative; actfn is exact at every x unless threshold is given "
    "(threshold=20.0 reproduces PyTorch).",
    examples=""">>> import actfn
>>> actfn.softplus([-1000.0, 0.0, 1000.0])
array([0.00000000e+00, 6.93147181e-01, 1.00000000e+03])
>>> actfn.softplus([-1.0, 0.0, 1.0], beta=2.0)
array([0.06346401, 0.34657359, 1.06346401])
>>> actfn.softplus([10.0, 30.0], threshold=20.0)
array([10.0000454, 30.       ])""",
)


# ------------------------------------------------------------------------------ silu


def _silu_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # x >= -700: x / (1 + e^-x), three roundings, and e^-x <= e^700 is finite.
    xm = xp.maximum(x, -700.0)
    main = xm / (1.0 + xp.exp(-xm))
    # x < -700: x e^x / (1 + e^x) = x e^x to 1e-304 relative; e^x is subnormal
    # below -708, so it is scaled (times_exp) rather than rounded first.
    xt = xp.maximum(x, -2000.0)
    return xp.where(x < -700.0, nm.times_exp(xp, xt, xt), main)


# The minimum of silu, r = -1 - W(1/e) (Lambert W), as hi + lo, and e^r = W(1/e).
_SILU_ROOT_HI = -1.2784645427610737
_SILU_ROOT_LO = -1.0946994183093437e-16
_SILU_EXP_ROOT = 0.2784645427610738


def _silu_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # s (1 + x (1 - s)) with e = exp(-|x|) <= 1 and d = 1 + e:
    #   x >= 1: (1 + e (1 + x)) / d^2, a sum of positive terms;
    #   x < 0:  e^x (1 + x + e^x) / d^2, where 1 + x + e^x vanishes at the minimum
    # r of silu.  Since 1 + r + e^r = 0, 1 + x + e^x = t + e^r expm1(t) with
    # t = x - r (x - r_hi is exact near r, Sterbenz): two terms of the same sign,
    # so no cancellation anywhere.
    xc = xp.clip(x, -2000.0, 800.0)
    e = xp.exp(-xp.abs(xc))
    d = 1.0 + e
    pos = (1.0 + e * (1.0 + xc)) / (d * d)
    # -0.25 <= x < 1: silu' = 1/2 + (tanh(x/2)/2 + (x/4) sech^2(x/2)), where the
    # bracket is small (|.| < 0.43) and carries its few roundings scaled down by
    # its size relative to the result: about 1.5 ULP where the quotients above
    # cost 3 to 4 (their values sit at the bottom of a binade).
    xm = xp.clip(xc, -0.25, 1.0)
    th = xp.tanh(0.5 * xm)
    mid = 0.5 + (0.5 * th + (0.25 * xm) * (1.0 - th * th))
    pos = xp.where(xc < 1.0, mid, pos)
    xn = xp.minimum(xc, 0.0)
    t = (xn - _SILU_ROOT_HI) - _SILU_ROOT_LO
    bracket = t + _SILU_EXP_ROOT * xp.expm1(xp.maximum(t, -800.0))
    # Below -2 the plain 1 + x + e^x (|1 + x| >= 1 > 7 e^x) rounds less.
    bracket = xp.where(xn < -2.0, (1.0 + xn) + e, bracket)
    # e^x times the bracket, with e^x scaled below -700, where it is subnormal.
    # Below -2, 1/(1 + e)^2 = 1 - e (2 + e)/(1 + e)^2 >= 0.79 costs one rounding
    # near 1 where the quotient would cost two.
    g = 1.0 - e * (2.0 + e) / (d * d)
    far = nm.times_exp(xp, bracket * g, xn)
    neg = xp.where(xn < -2.0, far, nm.times_exp(xp, bracket, xn) / (d * d))
    return xp.where(x >= -0.25, pos, xp.where(xp.isnan(x), x, neg))


def _silu_mp_derivative(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    s = 1 / (1 + mp.exp(-x))
    return s + x * s / (1 + mp.exp(x))


def _silu_kernel(x: Any, p: dict[str, Any]) -> Any:
    # The operations of _silu_value: xm / (1 + e^-xm), xm = max(x, -700), and the
    # rare elements below -700 (x e^x by times_exp) gathered and replaced.
    xm = np.maximum(x, -700.0, out=temp(x, 0))
    d = np.negative(xm, out=temp(x, 1))
    np.exp(d, out=d)
    np.add(d, 1.0, out=d)
    r = np.divide(xm, d, out=d)
    if narrow():
        # Rounded to float32 or narrower, the tail and xm / (1 + e^700) both give -0.
        return r
    tail = np.less(x, -700.0, out=mask(x, 2))
    if tail.any():
        xt = np.maximum(x[tail], -2000.0)
        r[tail] = nm.times_exp(np, xt, xt)
    return r


SILU = Spec(
    name="silu",
    aliases=("swish",),
    family="smooth",
    summary="Sigmoid linear unit (swish): x * sigmoid(x).",
    formula=r"f(x) = \frac{x}{1 + e^{-x}}",
    params=(),
    # Minima of silu, gelu and mish: mpmath.findroot of the derivative at 30 digits.
    properties=Properties((-0.2784645427610738, math.inf), "[-0.2785, inf)", False, "C-inf", False),
    references=(SILU_PAPER, SWISH_PAPER),
    value=_silu_value,
    numpy_value=_silu_kernel,
    derivative=_silu_derivative,
    mp=lambda mp, x, p: x / (1 + mp.exp(-x)),
    mp_derivative=_silu_mp_derivative,
    equivalents={
        "keras": "keras.activations.silu",
        "torch": "torch.nn.functional.silu",
        "jax": "jax.nn.silu",
    },
    details="The minimum, -0.27846..., is at x = -1.27846... (where x = -1 - e^x).",
    examples=""">>> import actfn
>>> actfn.silu([-1.0, 0.0, 1.0])
array([-0.26894142,  0.        ,  0.73105858])""",
)


# ------------------------------------------------------------------------- hard_silu


def _hard_silu_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    one = xp.ones_like(x)
    d = xp.where(x > 3.0, one, xp.where(x < -3.0, 0.0 * one, (2.0 * x + 3.0) / 6.0))
    # Kinks: at -3 the sides are 0 and -1/2 (rule: 0); at 3 they are 3/2 and 1 (rule: 1).
    d = xp.where(x == -3.0, min_norm(0.0, -0.5) * one, d)
    return xp.where(x == 3.0, min_norm(1.5, 1.0) * one, d)


def _hard_silu_kernel(x: Any, p: dict[str, Any]) -> Any:
    t = np.add(x, 3.0, out=temp(x, 0))
    np.divide(t, 6.0, out=t)
    np.clip(t, 0.0, 1.0, out=t)
    xm = np.maximum(x, -3.0, out=temp(x, 1))  # as the generic form: -inf gives -0
    return np.multiply(xm, t, out=t)


HARD_SILU = Spec(
    name="hard_silu",
    aliases=("hard_swish",),
    family="smooth",
    summary="Hard swish: x * hard_sigmoid(x).",
    formula=(
        r"f(x) = \begin{cases} 0 & x \le -3 \\ \frac{x\,(x + 3)}{6} & -3 < x < 3 \\"
        r" x & x \ge 3 \end{cases}"
    ),
    params=(),
    properties=Properties((-0.375, math.inf), "[-0.375, inf)", False, "C0", False),
    references=(HARD_SWISH_PAPER,),
    numpy_value=_hard_silu_kernel,
    # x * ((x + 3)/6): x + 3 is exact near -3, so no cancellation there.
    # (x at least -3, so that -inf gives -3 * 0 = -0, not -inf * 0 = NaN.)
    value=lambda xp, x, p: xp.maximum(x, -3.0) * xp.clip((x + 3.0) / 6.0, 0.0, 1.0),
    derivative=_hard_silu_derivative,
    mp=lambda mp, x, p: x * min(max((x + 3) / 6, mp.mpf(0)), mp.mpf(1)),
    mp_derivative=lambda mp, x, p: (
        mp.mpf(0) if x < -3 else (mp.mpf(1) if x > 3 else (2 * x + 3) / 6)
    ),
    kinks=lambda p: (-3.0, 3.0),
    equivalents={
        "keras": "keras.activations.hard_silu",
        "torch": "torch.nn.functional.hardswish",
        "jax": "jax.nn.hard_silu",
    },
    examples=""">>> import actfn
>>> actfn.hard_silu([-4.0, -1.5, 0.0, 1.5, 4.0])
array([-0.   , -0.375,  0.   ,  1.125,  4.   ])""",
)


# ------------------------------------------------------------------------------ gelu

_INV_SQRT2 = 0.7071067811865476  # 1/sqrt(2), correctly rounded
_INV_SQRT_2PI = 0.3989422804014327  # 1/sqrt(2*pi), correctly rounded
_SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2/pi), correctly rounded
_GELU_C = 0.044715  # the cubic coefficient of Hendrycks & Gimpel's tanh approximation
# Below -40 both forms of gelu are smaller than the least float64 subnormal
# (|x| Phi(x) < 40 e^-800), so the result is -0 and nothing is evaluated there.
_GELU_FLOOR = -40.0


def _gelu_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    if not p["approximate"]:
        # erfc without the 1 + erf cancellation, and without rounding x/sqrt 2
        # where erfc would amplify it: see nm.gelu_exact.
        return nm.gelu_exact(xp, x)
    # tanh form: 0.5 x (1 + tanh u) = x sigmoid(v), v = 2u, with v as hi + lo
    # (nm.gelu_tanh_arg) and e^(-v) = e^(-v_hi) (1 - v_lo) to first order:
    #   v >= -700: x / (1 + e^-v), three roundings and the exp;
    #   v < -700:  x e^v (1 + O(e^v)), with e^v scaled where it is subnormal.
    xc = xp.clip(x, -30.0, 30.0)
    v, v_lo = nm.gelu_tanh_arg(xp, xc)
    vm = xp.maximum(v, -700.0)
    em = xp.exp(-vm)
    main = xc / (1.0 + (em - em * v_lo))
    tail = nm.times_exp(xp, xc + xc * v_lo, v)
    r = xp.where(v < -700.0, tail, main)
    r = xp.where(x > 30.0, x, xp.where(x < -30.0, -0.0 * xp.ones_like(x), r))
    return xp.where(xp.isnan(x), x, r)


# The derivative of the tanh form on [-2, -0.25], where its two terms cancel (root
# at -0.75246): Taylor polynomials around -1.5 (x < -1), the root (x < -0.5) and
# -0.375, as (centre hi, centre lo, coefficients of (x - centre)^k), from mpmath at
# 60 digits:  mp.taylor(F, centre, 24) with v = k2 (t + c t^3), k2 = 2 sqrt(2/pi),
# c = mpf("0.044715"), F(t) = sigmoid(v) + t k2 (1 + 3 c t^2) sigmoid(v) sigmoid(-v).
# x - centre is exact in each piece (Sterbenz); sum |c_k d^k| <= 2.5 |F| there.
_GELU_TANH_D_LEFT = (
    -1.5,
    0.0,
    (
        -0.12771079315143308,
        -0.030518196484224946,
        0.16981084473386215,
        0.14132783795629109,
        0.014180708226759988,
        -0.02725743757957005,
        -0.010708941730325027,
        0.0015366691096849177,
        0.001954249274968394,
        0.000273108960829883,
        -0.0001956447458970729,
        -8.264528176015661e-05,
        7.637381420207437e-06,
        1.2809107312025291e-05,
        1.6311448290845439e-06,
        -1.3962721409463076e-06,
        -5.07806440367135e-07,
        8.184577697334455e-08,
        8.605329684182527e-08,
        7.684603990736497e-09,
        -9.889802621748067e-09,
        -3.204371015670394e-09,
        6.096542605230901e-10,
        5.555748596849973e-10,
        4.1556631034098094e-11,
    ),
)
_GELU_TANH_D_ROOT = (
    -0.7524614220710163,
    3.635560509207687e-17,
    (
        0.0,
        0.4304000910248585,
        0.38751844613578895,
        -0.01578285352184803,
        -0.11394448308095899,
        -0.01661932834305256,
        0.019682309459833118,
        0.005261059254921912,
        -0.0024227318458750974,
        -0.0009274420230205449,
        0.00026392764052681053,
        0.00012425227802639782,
        -3.4956171694436116e-05,
        -1.5950896871645105e-05,
        5.918611710894005e-06,
        2.4335516344299543e-06,
        -9.898647747433667e-07,
        -4.3102482988029016e-07,
        1.4157556987729473e-07,
        7.520740909289922e-08,
        -1.6978217459781023e-08,
        -1.196180847972441e-08,
        1.7637802707907564e-09,
        1.744987137846621e-09,
        -1.708811216951738e-10,
    ),
)
_GELU_TANH_D_RIGHT = (
    -0.375,
    0.0,
    (
        0.21444430795200062,
        0.6909894023384786,
        0.269914374083689,
        -0.18781538805309222,
        -0.09748475232684561,
        0.03466824341547225,
        0.02117870684636218,
        -0.004541030256358999,
        -0.0032251244846669726,
        0.0005080821675318281,
        0.00035333801974309293,
        -6.999936742793539e-05,
        -2.352742197567259e-05,
        1.4087661750316408e-05,
        -5.023397659297997e-07,
        -3.0537552779388528e-06,
        4.4705349143441824e-07,
        5.836977088504579e-07,
        -8.557226013936523e-08,
        -9.486576488865747e-08,
        1.2346395451995346e-08,
        1.317068934558657e-08,
        -1.7369892282104273e-09,
        -1.5712957746261982e-09,
        2.806069713631949e-10,
    ),
)


def _gelu_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    if not p["approximate"]:
        # Phi(x) + x phi(x), with x^2/2 and x/sqrt 2 kept exact: see
        # nm.gelu_exact_derivative.
        return nm.gelu_exact_derivative(xp, x)
    # sigmoid(v) + x v' sigmoid(v) sigmoid(-v), v = 2u as hi + lo (see the value),
    # v' = 2 sqrt(2/pi) (1 + 3 c x^2).  With e = e^-|v| (corrected by v_lo):
    #   x >= 0: (1 + e + x v' e) / (1 + e)^2, positive terms only;
    #   x < 0:  e (1 + e + x v') / (1 + e)^2, where 1 + e + x v' cancels near the
    #           root: Taylor pieces on [-2, -0.25); e^v scaled below v = -700.
    xc = xp.clip(x, -30.0, 30.0)
    v, v_lo = nm.gelu_tanh_arg(xp, xc)
    xdv = nm.gelu_tanh_x_dv(xp, xc)  # x v', rounded once
    ep = xp.exp(-xp.maximum(v, 0.0))
    ep = ep - ep * v_lo
    dp = 1.0 + ep
    pos = (1.0 + ep + xdv * ep) / (dp * dp)
    vn = xp.minimum(v, 0.0)
    en = xp.exp(vn)
    dn = 1.0 + en
    b = dn + xdv
    neg = nm.times_exp(xp, b + b * v_lo, vn) / (dn * dn)
    xw = xp.clip(xc, -2.0, 0.0)
    near = xp.where(
        xw < -1.0,
        nm.taylor_piece(xw, _GELU_TANH_D_LEFT),
        xp.where(
            xw < -0.5,
            nm.taylor_piece(xw, _GELU_TANH_D_ROOT),
            nm.taylor_piece(xw, _GELU_TANH_D_RIGHT),
        ),
    )
    neg = xp.where((xc >= -2.0) & (xc < -0.25), near, neg)
    r = xp.where(xc >= 0.0, pos, neg)
    r = xp.where(x > 30.0, xp.ones_like(x), xp.where(x < -30.0, -0.0 * xp.ones_like(x), r))
    return xp.where(xp.isnan(x), x, r)


def _gelu_mp(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    if p["approximate"]:
        u = mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)
        return x / (1 + mp.exp(-2 * u))
    t = -x / mp.sqrt(2)
    if t > 10**6:
        # mpmath's erfc overflows for huge arguments; its asymptotic leading term
        # e^{-t^2}/(t sqrt(pi)) is far below every subnormal here, as is the truth.
        return x / 2 * mp.exp(-t * t) / (t * mp.sqrt(mp.pi))
    if t < -(10**6):
        return x  # erfc(t) = 2 - erfc(-t), and erfc(-t) is far below x's last bit
    return x / 2 * mp.erfc(t)


def _gelu_mp_derivative(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    if p["approximate"]:
        u = mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)
        du = mp.sqrt(2 / mp.pi) * (1 + 3 * mp.mpf("0.044715") * x**2)
        s, sm = 1 / (1 + mp.exp(-2 * u)), 1 / (1 + mp.exp(2 * u))
        return s + 2 * x * du * s * sm
    t = -x / mp.sqrt(2)
    phi = x * mp.exp(-(x**2) / 2) / mp.sqrt(2 * mp.pi)
    if abs(t) > 10**6:  # see _gelu_mp: Phi(x) is 0 or 1 far beyond rounding
        return phi + (1 if t < 0 else 0)
    return mp.erfc(t) / 2 + phi


# Results of float32 or narrower only: float64 takes the generic form (fdlibm
# erfc with the shared tail term; SciPy's erfc and the narrow sigmoid are a few
# float64 ULPs off).
@narrow_only
def _gelu_kernel(x: Any, p: dict[str, Any]) -> Any:
    # The operations of _gelu_value; its two selects are bitwise selects.
    xs = np.maximum(x, _GELU_FLOOR, out=temp(x, 0))
    if p["approximate"]:
        u = np.multiply(xs, _GELU_C, out=temp(x, 1))
        np.multiply(u, xs, out=u)
        np.multiply(u, xs, out=u)
        np.add(xs, u, out=u)
        np.multiply(u, _SQRT_2_OVER_PI, out=u)
        np.multiply(u, 2.0, out=u)
        s = sigmoid_into(u, temp(x, 2), 3)
        r = np.multiply(xs, s, out=s)
    else:
        # 0.5 * xs * erfc(-xs / sqrt 2), SciPy's erfc written into a temporary
        # (an import statement, safe when several threads get here first).
        try:
            special = importlib.import_module("scipy.special")
        except ImportError:  # NumPy only: the accurate generic form (slower)
            return _gelu_value(np, x, p)
        u = np.multiply(xs, -_INV_SQRT2, out=temp(x, 1))
        special.erfc(u, out=u)
        r = np.multiply(xs, 0.5, out=temp(x, 2))
        np.multiply(r, u, out=r)
    # x < -40: -0.0; x = +inf: x.  (x == xs elsewhere, NaN included via maximum.)
    keep = np.less(x, _GELU_FLOOR, out=mask(x, 1))
    select(r, np.logical_not(keep, out=keep), -0.0, 5)
    return select(r, np.not_equal(x, math.inf, out=keep), math.inf, 5)


GELU = Spec(
    name="gelu",
    family="smooth",
    summary="Gaussian error linear unit x * Phi(x), exact (erf) or with the tanh approximation.",
    formula=(
        r"f(x) = x\,\Phi(x) = \frac{x}{2}\,\operatorname{erfc}\!\Big(-\frac{x}{\sqrt{2}}\Big)"
        r"\quad\text{or}\quad \frac{x}{2}\Big(1 + \tanh\big(\sqrt{2/\pi}\,(x + 0.044715\,x^{3})"
        r"\big)\Big)"
    ),
    params=(
        Param(
            "approximate",
            False,
            Boolean(),
            "If True, use the tanh approximation of Hendrycks & Gimpel.",
        ),
    ),
    # The minimum -0.169971207479903661693868 is at x = -0.751791524693564457 (mpmath).
    properties=Properties((-0.16997120747990366, math.inf), "[-0.17, inf)", False, "C-inf", False),
    references=(GELU_PAPER,),
    numpy_value=_gelu_kernel,
    value=_gelu_value,
    derivative=_gelu_derivative,
    mp=_gelu_mp,
    mp_derivative=_gelu_mp_derivative,
    equivalents={
        "keras": "keras.activations.gelu",
        "torch": "torch.nn.functional.gelu",
        "jax": "jax.nn.gelu",
    },
    differences=(
        "Keras and PyTorch default to the exact form, JAX to the tanh approximation "
        "(approximate=True).  PyTorch's float32 gelu(-6) is -0.0 (1 + erf cancels); the "
        "true value, -5.92e-9, is what actfn returns."
    ),
    examples=""">>> import actfn
>>> actfn.gelu([-1.0, 0.0, 1.0])
array([-0.15865525,  0.        ,  0.84134475])
>>> actfn.gelu([-1.0, 0.0, 1.0], approximate=True)
array([-0.15880801,  0.        ,  0.84119199])""",
)


# ------------------------------------------------------------------------------ mish

# Above 40, tanh(softplus(x)) = 1 - 2e^-2x (1 + ...) rounds to 1 in float64.
_MISH_CAP = 40.0


def _mish_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # With u = 1 + e^x, tanh(log u) = (u^2 - 1)/(u^2 + 1) = n/(n + 2), where
    # n = u^2 - 1 = e (e + 2), e = e^x: sums of positive terms, no cancellation.
    # x >= 0: mish = x / (1 + 2/n), where the rounding of n is damped by
    # 2/(n + 2) <= 2/5.  x < 0: n/(n + 2) = e / (1 + q) with q = e (e + 1)/(e + 2)
    # <= 2/3 (damped likewise), so mish = (x e^x) / (1 + q), and x e^x comes
    # from times_exp: exact scaling where e^x is subnormal (x < -708).
    xc = xp.clip(x, -2000.0, _MISH_CAP)
    e = xp.exp(xc)
    n = e * (e + 2.0)
    pos = xc / (1.0 + 2.0 / xp.maximum(n, 3.0))
    neg = nm.times_exp(xp, xc, xc) / (1.0 + e * (e + 1.0) / (e + 2.0))
    r = xp.where(x > _MISH_CAP, x, xp.where(x >= 0.0, pos, neg))
    return xp.where(xp.isnan(x), x, r)


# mish' on [-4, 1), where its two terms cancel (root at r = -1.19243, the minimum
# of mish): Taylor polynomials on the pieces between _MISH_D_BOUNDS, each around
# the piece's midpoint (around r for the piece that holds it), from mpmath at 50
# digits:  mp.taylor(F, centre, 21), F(t) = tanh(sp) + t sech(sp)^2 / (1 + e^-t),
# sp = log1p(e^t).  x - centre is exact (Sterbenz) or nearly so, and each
# polynomial is well conditioned on its piece: about 1.5 ULP.
_MISH_D_BOUNDS = (-4.0, -3.0, -2.2, -1.7, -1.5, -0.9, -0.7, -0.4, 0.0, 0.5, 1.0)
# (centre hi, centre lo, coefficients of (x - centre)^k) for each piece.
_MISH_D_PIECES: tuple[tuple[float, float, tuple[float, ...]], ...] = (
    (
        -3.5,
        0.0,
        (
            -0.07276041344326704,
            -0.040746167940747854,
            -0.003919004504961896,
            0.004319746074399352,
            0.0024772628101231257,
            0.0007382930886737594,
            0.0001398592465095267,
            1.2184117822786726e-05,
            -2.890118008423304e-06,
            -1.764991423295897e-06,
            -5.382306786205414e-07,
            -1.19609844194898e-07,
            -1.904325433809745e-08,
            -1.1875344896538608e-09,
            5.692747709385866e-10,
            2.9925395091934714e-10,
            9.041657591456443e-11,
            2.005498117202283e-11,
            3.0754673446132816e-12,
            1.2419872021016597e-13,
            -1.2038975960549836e-13,
            -5.493353155777267e-14,
            -1.527999672353345e-14,
        ),
    ),
    (
        -2.6,
        0.0,
        (
            -0.1073179805384395,
            -0.02713739859834442,
            0.02660666203916276,
            0.02132163496826952,
            0.007462750353884878,
            0.0013204799380861429,
            -7.246234445930784e-05,
            -0.0001407341794179907,
            -5.5718828498850394e-05,
            -1.3326939236251656e-05,
            -1.46741837621626e-06,
            4.1541249537629374e-07,
            3.0515130341288856e-07,
            1.0340757518856497e-07,
            2.1643819999407713e-08,
            1.3221789280985037e-09,
            -1.148364899222846e-09,
            -6.127420296364041e-10,
            -1.7854903891826935e-10,
            -3.00012163750353e-11,
            8.603060206909041e-13,
            2.7022702711210937e-12,
            1.1044350195164725e-12,
        ),
    ),
    (
        -1.9500000000000002,
        0.0,
        (
            -0.1063895888506752,
            0.04370221550008321,
            0.09004889089001109,
            0.04457548687615259,
            0.009041406775193047,
            -0.001378898182606679,
            -0.0016801683457993298,
            -0.0006122150257681197,
            -9.593365359912476e-05,
            2.2621913052152303e-05,
            2.0893616824723885e-05,
            7.2092524522594086e-06,
            1.0720833738425297e-06,
            -2.8028881522207353e-07,
            -2.422615312263321e-07,
            -8.056058263345061e-08,
            -1.1043124795159017e-08,
            3.4177036366118186e-09,
            2.6771020572866696e-09,
            8.459580579186548e-10,
            1.034663085530007e-10,
            -4.004647711201489e-11,
            -2.8244476552392328e-11,
        ),
    ),
    (
        -1.6,
        0.0,
        (
            -0.07802671657469906,
            0.12450381693142745,
            0.14245749403029337,
            0.053759188221824385,
            0.002546211022388744,
            -0.006635542093447476,
            -0.0033430250287115413,
            -0.0006349517055610033,
            0.0001458788194587701,
            0.0001480883871352444,
            4.88834184403961e-05,
            3.4971911586338513e-06,
            -4.54578106338826e-06,
            -2.48205782324171e-06,
            -5.515219865632798e-07,
            5.777227435920111e-08,
            9.262149201156531e-08,
            3.398429660302481e-08,
            3.876338949072085e-09,
            -2.3441921923124516e-09,
            -1.4854859837529779e-09,
            -3.72622048816075e-10,
            1.185299754846782e-11,
        ),
    ),
    (
        -1.1924312145154952,
        -4.8484829848031044e-17,
        (
            0.0,
            0.2669479140495345,
            0.20473126408010586,
            0.04190782104360987,
            -0.020271822716684245,
            -0.01582112656173338,
            -0.0033606849270232685,
            0.0010924055409445854,
            0.0009898181021289196,
            0.00025412936386191073,
            -4.1961496031696126e-05,
            -5.582891567360688e-05,
            -1.72992708103044e-05,
            9.427361327376651e-07,
            2.9088199364912223e-06,
            1.071676702702074e-06,
            2.6879417855557728e-08,
            -1.4117255919499382e-07,
            -6.174424363104907e-08,
            -5.460186173028381e-09,
            6.3895954615089855e-09,
            3.3604012383661332e-09,
            4.817646300218697e-10,
        ),
    ),
    (
        -0.8,
        0.0,
        (
            0.13818235018746847,
            0.44007157263690205,
            0.22490654595774634,
            -0.016852856569598697,
            -0.05488961927770805,
            -0.01630195394208368,
            0.004699364365727626,
            0.004763885276311513,
            0.0008890549033757565,
            -0.0005257942670313871,
            -0.00034812466019155095,
            -3.5279997277727615e-05,
            4.6871488186831115e-05,
            2.283424056680592e-05,
            3.1103232278166583e-07,
            -3.6861357604014444e-06,
            -1.3599483637159098e-06,
            1.2271372214930887e-07,
            2.6461452263238514e-07,
            7.318853757683935e-08,
            -1.6926232481275647e-08,
            -1.7647977928633977e-08,
            -3.4623020143169303e-09,
        ),
    ),
    (
        -0.55,
        0.0,
        (
            0.26176469342606634,
            0.5456519614133839,
            0.18951384538877794,
            -0.07977608904215153,
            -0.06809589776403278,
            -0.00256812026745995,
            0.013613315644514871,
            0.0047062129251190885,
            -0.0012461729829279648,
            -0.0012972304659583788,
            -0.00016166832580007738,
            0.0001939167407192965,
            8.908943669272771e-05,
            -8.466261029171487e-06,
            -1.8708920147362907e-05,
            -4.109457833878884e-06,
            2.1024362055742455e-06,
            1.3553780978483906e-06,
            3.404426100062067e-08,
            -2.2682370991701777e-07,
            -7.312198923867179e-08,
            1.7643073813091634e-08,
            1.780527959882701e-08,
        ),
    ),
    (
        -0.2,
        0.0,
        (
            0.4715302415134095,
            0.6376032594559852,
            0.058085896987935676,
            -0.16468179139676065,
            -0.04269322033505094,
            0.03267220693584936,
            0.01628658584636968,
            -0.004076149122562094,
            -0.004359021378993805,
            -1.9232497798373284e-05,
            0.000901856619697576,
            0.0001862715545874742,
            -0.00014422489823674413,
            -6.603655133711176e-05,
            1.521583183984654e-05,
            1.5922528017547706e-05,
            2.1335175988888086e-07,
            -3.0188918534312427e-06,
            -6.36115135830567e-07,
            4.481900059878696e-07,
            2.0809948540013127e-07,
            -4.3531672685488925e-08,
            -4.7460686051974944e-08,
        ),
    ),
    (
        0.25,
        0.0,
        (
            0.7541726677205928,
            0.5824164008547952,
            -0.17883997806571714,
            -0.15562711639880525,
            0.05638724258222968,
            0.041345408435854936,
            -0.013460364329565188,
            -0.010227039823308371,
            0.0027946135749970474,
            0.002390287675490915,
            -0.0005296396298291864,
            -0.0005346879452438413,
            9.297322995526068e-05,
            0.00011557069272127709,
            -1.503116276597139e-05,
            -2.430271631591207e-05,
            2.1695962211231756e-06,
            4.9959276169875965e-06,
            -2.531124533923489e-07,
            -1.007441998237002e-06,
            1.3582959572574617e-08,
            1.9977179224165724e-07,
            4.577610412132229e-09,
        ),
    ),
    (
        0.75,
        0.0,
        (
            0.985758355716688,
            0.32457122066277644,
            -0.29359445734022127,
            0.011742187821681887,
            0.08336545030633744,
            -0.02133502341636359,
            -0.016744973211889096,
            0.008005848929807335,
            0.0024651259901607397,
            -0.002162155224251178,
            -0.00018768115608961303,
            0.00048459937963239404,
            -3.568707102339226e-05,
            -9.36127924188251e-05,
            2.1401343709887948e-05,
            1.550457394150387e-05,
            -6.57327379479646e-06,
            -2.0699389604871246e-06,
            1.5943441906040877e-06,
            1.655228588538559e-07,
            -3.329284056863327e-07,
            1.738461161196446e-08,
            6.124478478756515e-08,
        ),
    ),
)


def _mish_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # mish' = tanh(sp) + x sech^2(sp) sigmoid(x), sp = softplus(x).  With e = e^x,
    # n = e (e + 2) and D = n + 2: tanh(sp) = n/D, sech^2(sp) = 4 (1 + e)^2/D^2 and
    # sigmoid(x) = e/(1 + e), so mish' = e ((e + 2) D + 4 x (1 + e)) / D^2.
    #   x >= 1: that form, a sum of positive terms.
    #   -4 <= x < 1: the two terms cancel (around the root): Taylor pieces.
    #   x < -4: with z = e^2/(2 (1 + e)) (so D = 2 (1 + e)(1 + z)),
    #     mish' = e^x ((1 + x) + e (e (e + 4) + 2)/(4 (1 + e))) / ((1 + e)(1 + z)^2),
    #     where the second term of the bracket is below 0.4% of the first and
    #     e^x is scaled where it is subnormal (times_exp): a few roundings only.
    xc = xp.clip(x, -2000.0, _MISH_CAP)
    e = xp.exp(xc)
    d = e * (e + 2.0) + 2.0
    # (e/D) ((e + 2) + 4 x (1 + e)/D): the same, without D^2, which overflows
    # float32 (a backend computing in float32) near the cap.
    pos = (e / d) * ((e + 2.0) + 4.0 * xc * (1.0 + e) / d)
    u = 1.0 + e
    bracket = (1.0 + xc) + e * (e * (e + 4.0) + 2.0) / (4.0 * u)
    # 1/((1 + e)(1 + z)^2) = (1 + e)/w^2, w = 1 + e + e^2/2, written as 1 minus a
    # small term (below 0.02 here) so that it costs one rounding near 1.
    w = 1.0 + e * (1.0 + 0.5 * e)
    g = 1.0 - e * (1.0 + e * (2.0 + e * (1.0 + 0.25 * e))) / (w * w)
    neg = nm.times_exp(xp, bracket * g, xc)
    mid = nm.taylor_pieces(xp, xc, _MISH_D_BOUNDS, _MISH_D_PIECES)
    r = xp.where(xc >= 1.0, pos, xp.where(xc >= -4.0, mid, neg))
    # Above 40, mish' = 1 - O(x e^-2x) rounds to 1.
    r = xp.where(x > _MISH_CAP, xp.ones_like(x), r)
    return xp.where(xp.isnan(x), x, r)


def _mish_mp_derivative(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    sp = mp.log1p(mp.exp(x))
    return mp.tanh(sp) + x * mp.sech(sp) ** 2 / (1 + mp.exp(-x))


def _mish_kernel(x: Any, p: dict[str, Any]) -> Any:
    e = np.clip(x, -2000.0, _MISH_CAP, out=temp(x, 0))
    if narrow():
        # Rounded to float32 or narrower: x * (n/(n + 2)), n = e (e + 2) (three
        # roundings of n/(n + 2), a few float64 ULPs).  Above 40 n > 2^54, so
        # n + 2 == n and the factor is exactly 1: x passes through unchanged.
        np.exp(e, out=e)
        n = np.add(e, 2.0, out=temp(x, 1))
        np.multiply(e, n, out=n)
        d = np.add(n, 2.0, out=e)
        np.divide(n, d, out=n)
        xm = np.maximum(x, -800.0, out=d)  # as the generic form: -inf gives -0
        return np.multiply(xm, n, out=n)
    # float64: the operations of _mish_value.  x >= 0: x / (1 + 2/max(n, 3)), with
    # x itself for the clipped xc (above 40, 2/n < 2^-53 and the quotient is x, as
    # the generic form's select); x < 0: xc e / (1 + e (e + 1)/(e + 2)), and below
    # -700 times_exp's scaled tail, gathered.
    xc = e
    e = np.exp(xc, out=temp(x, 1))
    q = np.add(e, 2.0, out=temp(x, 2))
    np.multiply(e, q, out=q)
    np.maximum(q, 3.0, out=q)
    np.divide(2.0, q, out=q)
    np.add(q, 1.0, out=q)
    pos = np.divide(x, q, out=q)
    w = np.add(e, 2.0, out=temp(x, 3))
    v = np.add(e, 1.0, out=temp(x, 4))
    np.multiply(e, v, out=v)
    np.divide(v, w, out=v)
    np.add(v, 1.0, out=v)
    neg = np.multiply(xc, e, out=e)
    np.divide(neg, v, out=neg)
    tail = np.less(x, -700.0, out=mask(x, 3))
    if tail.any():
        xt = xc[tail]
        neg[tail] = nm.times_exp(np, xt, xt) / v[tail]
    return select(pos, np.greater_equal(x, 0.0, out=mask(x, 4)), neg, 5)


MISH = Spec(
    name="mish",
    family="smooth",
    summary="Mish: x * tanh(softplus(x)).",
    formula=r"f(x) = x \tanh\big(\log(1 + e^{x})\big)",
    params=(),
    properties=Properties((-0.3088434130172504, math.inf), "[-0.3088, inf)", False, "C-inf", False),
    references=(MISH_PAPER,),
    numpy_value=_mish_kernel,
    value=_mish_value,
    derivative=_mish_derivative,
    mp=lambda mp, x, p: x * mp.tanh(mp.log1p(mp.exp(x))),
    mp_derivative=_mish_mp_derivative,
    equivalents={"keras": "keras.activations.mish", "torch": "torch.nn.functional.mish"},
    examples=""">>> import actfn
>>> actfn.mish([-1.0, 0.0, 1.0])
array([-0.30340146,  0.        ,  0.86509839])""",
)


# ------------------------------------------------------------------------ squareplus


# Above 2^60, sqrt(x^2 + b) = |x| (1 + b/(2 x^2)) is |x| to far below its last
# bit for every b this function is used with, and x^2 would overflow further up.
_SQ_BIG = 2.0**60


def _squareplus_h(xp: Any, x: Any, b: float) -> tuple[Any, Any]:
    """h = sqrt(x^2 + b) as hi + lo, |lo| <= ULP(hi)/2 and hi + lo good to ~2^-100.

    x^2 + b is formed exactly as a double-double (Dekker's TwoProduct by
    Veltkamp splitting, Knuth's TwoSum), hi = sqrt of its high part, and lo is
    one Newton correction (rad - hi^2)/(2 hi) with hi^2 also formed exactly: the
    results below then round once or twice more instead of carrying h's error.
    """
    ax = xp.abs(x)
    xc = xp.minimum(ax, _SQ_BIG)
    xh, xl = nm.split(xp, xc)
    sq = xc * xc
    sq_err = ((xh * xh - sq) + 2.0 * xh * xl) + xl * xl
    rad = sq + b
    bb = rad - sq
    rad_lo = ((sq - (rad - bb)) + (b - bb)) + sq_err
    hi = xp.sqrt(rad)
    hh, hl = nm.split(xp, hi)
    hsq = hi * hi
    hsq_err = ((hh * hh - hsq) + 2.0 * hh * hl) + hl * hl
    lo = (((rad - hsq) - hsq_err) + rad_lo) / (2.0 * hi)
    big = ax > _SQ_BIG
    return xp.where(big, ax, hi), xp.where(big, xp.zeros_like(x), lo)


def _squareplus_scale(b: float) -> float:
    """1 for b in [2^-64, 2^64]; otherwise the power of two s with b/s^2 in [1/2, 2).

    squareplus(x; b) = s squareplus(x/s; b/s^2), and its derivative is the same at
    x/s: outside that range of b the formulas run on the scaled problem (found by
    test_fuzz: b near the largest double overflowed h^2, and for b beyond 2^67
    the branch that takes h = |x| above 2^60 was wrong; a subnormal b lost its
    bits in the exact sums)."""
    if 2.0**-64 <= b <= 2.0**64:
        return 1.0
    return math.ldexp(1.0, math.frexp(b)[1] // 2)


def _squareplus_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    b = p["b"]
    if b == 0.0:
        return xp.maximum(x, 0.0)  # relu, exactly
    sc = _squareplus_scale(b)
    if sc != 1.0:
        # x/sc is exact but for subnormals (below the result's precision then); for
        # sc < 1 it may overflow, where x^2 exceeds b by far more than 2^1000: the
        # result is x for x > 0 and (b/4)/|x| below (b/4 exact wherever that
        # quotient is not 0)
        xs = x / sc
        y = sc * _squareplus_value(xp, xs, {**p, "b": b / sc / sc})
        far = xp.where(x > 0.0, x, (0.25 * b) / xp.abs(x))
        return xp.where(xp.isinf(xs) & xp.isfinite(x), far, y)
    h, lo = _squareplus_h(xp, x, b)
    # x >= 0: (x + h)/2, a sum of non-negative terms (halved after the sum, or
    # before it where the sum would overflow).  x < 0: x + h cancels, so use
    # (x + h)/2 = (b/4) / ((h - x)/2), a sum of positive terms; b/4 and the
    # halvings are exact (h - x overflows only where the result is 0 anyway,
    # and then it is halved first).
    xpos = xp.maximum(x, 0.0)  # each branch sees only its own sign: no inf - inf
    xneg = xp.minimum(x, 0.0)
    s = xpos + h
    pos = xp.where(s < math.inf, 0.5 * (s + lo), 0.5 * xpos + 0.5 * h)
    d = h - xneg
    d = xp.where(d < math.inf, 0.5 * (d + lo), 0.5 * h - 0.5 * xneg)
    neg = (0.25 * b) / d
    return xp.where(x < 0.0, neg, pos)


def _squareplus_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    b = p["b"]
    if b == 0.0:  # relu: the kink rule at 0 gives 0
        d = xp.astype(x > 0.0, x.dtype)
        return nm.propagate_nan(xp, x, d)
    sc = _squareplus_scale(b)
    if sc != 1.0:  # (see _squareplus_scale; the derivative has no scale)
        return _squareplus_derivative(xp, x / sc, {**p, "b": b / sc / sc})
    h, lo = _squareplus_h(xp, x, b)
    xpos = xp.minimum(xp.maximum(x, 0.0), _SQ_BIG)
    xneg = xp.minimum(x, 0.0)
    # (1 + x/h)/2, with x/(h + lo) = r - r lo/h, r = x/h; for x < 0,
    # 1 + x/h = b / (h (h - x)) without cancellation, evaluated as
    # ((b/4)/(h + lo)) / ((h - x)/2) so that no product overflows.
    r = xp.where(x > _SQ_BIG, xp.ones_like(x), xpos / h)  # x/h rounds to 1 above 2^60
    pos = 0.5 * (1.0 + (r - r * (lo / h)))
    u = (0.25 * b) / h
    u = u - u * (lo / h)
    d = h - xneg
    d = xp.where(d < math.inf, 0.5 * (d + lo), 0.5 * h - 0.5 * xneg)
    neg = u / d
    return xp.where(x < 0.0, neg, xp.where(xp.isnan(x), x, pos))


@narrow_only
def _squareplus_kernel(x: Any, p: dict[str, Any]) -> Any:
    # As _squareplus_value: h - x = h + |x| for x < 0, so both branches come from
    # s = h + |x| (no cancellation): (x + h)/2 = s/2 for x >= 0, b/(2 s) below.
    # Results of float32 or narrower only (float64 takes the generic form):
    # |x| <= 3.5e38, so x^2 + b does not overflow in float64 and sqrt(x^2 + b) is
    # within 1.5 float64 ULPs of h.
    b = p["b"]
    h = np.multiply(x, x, out=temp(x, 0))
    np.add(h, b, out=h)
    np.sqrt(h, out=h)
    s = np.abs(x, out=temp(x, 1))
    np.add(h, s, out=s)
    pos = np.greater_equal(x, 0.0, out=mask(x, 2))
    r = np.multiply(s, 0.5, out=h)
    np.multiply(s, 2.0, out=s)
    np.divide(b, s, out=s)
    return select(r, pos, s, 3)


def _squareplus_mp(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    h = mp.sqrt(x * x + p["b"])
    return p["b"] / (2 * (h - x)) if x < 0 else (x + h) / 2


def _squareplus_mp_derivative(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    h = mp.sqrt(x * x + p["b"])
    if x < 0:
        return p["b"] / (2 * h * (h - x))
    return (1 + x / h) / 2 if h > 0 else mp.mpf(0)


SQUAREPLUS = Spec(
    name="squareplus",
    family="smooth",
    summary="Squareplus: (x + sqrt(x^2 + b)) / 2, an algebraic softplus.",
    formula=r"f(x) = \frac{x + \sqrt{x^{2} + b}}{2}",
    params=(
        Param("b", 4.0, Real(lo=0.0), "Smoothness b >= 0 of the bend at 0; b = 0 gives relu."),
    ),
    properties=Properties((0.0, math.inf), "(0, inf)", True, "C-inf", False),
    references=(SQUAREPLUS_PAPER,),
    numpy_value=_squareplus_kernel,
    value=_squareplus_value,
    derivative=_squareplus_derivative,
    mp=_squareplus_mp,
    mp_derivative=_squareplus_mp_derivative,
    kinks=lambda p: (0.0,) if p["b"] == 0.0 else (),
    equivalents={"keras": "keras.activations.squareplus", "jax": "jax.nn.squareplus"},
    examples=""">>> import actfn
>>> actfn.squareplus([-1e10, 0.0, 1.0])
array([1.00000000e-10, 1.00000000e+00, 1.61803399e+00])""",
)


# ----------------------------------------------------------------------- sparse_plus


def _sparse_plus_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    inner = xp.clip(x, -1.0, 1.0)
    q = (inner + 1.0) * (inner + 1.0) * 0.25
    return xp.where(x >= 1.0, x, xp.where(x <= -1.0, 0.0 * q, q))


def _sparse_plus_kernel(x: Any, p: dict[str, Any]) -> Any:
    # q = (clip(x, -1, 1) + 1)^2 / 4 is 0 for x <= -1 and 1 for x >= 1, and
    # q >= x on (-1, 1) ((x + 1)^2/4 - x = (x - 1)^2/4): max(q, x) is the function.
    q = np.clip(x, -1.0, 1.0, out=temp(x, 0))
    np.add(q, 1.0, out=q)
    np.multiply(q, q, out=q)
    np.multiply(q, 0.25, out=q)
    return np.maximum(q, x, out=q)


SPARSE_PLUS = Spec(
    name="sparse_plus",
    family="smooth",
    summary="Sparse plus: 0 below -1, (x + 1)^2 / 4 on (-1, 1), x above 1.",
    formula=(
        r"f(x) = \begin{cases} 0 & x \le -1 \\ \frac{(x + 1)^{2}}{4} & -1 < x < 1 \\ x & x"
        r" \ge 1 \end{cases}"
    ),
    params=(),
    properties=Properties((0.0, math.inf), "[0, inf)", True, "C1", False),
    references=(SPARSE_PAPER,),
    numpy_value=_sparse_plus_kernel,
    value=_sparse_plus_value,
    derivative=lambda xp, x, p: xp.clip((x + 1.0) * 0.5, 0.0, 1.0),
    mp=lambda mp, x, p: mp.mpf(0) if x <= -1 else (x if x >= 1 else (x + 1) ** 2 / 4),
    mp_derivative=lambda mp, x, p: min(max((x + 1) / 2, mp.mpf(0)), mp.mpf(1)),
    equivalents={"keras": "keras.activations.sparse_plus", "jax": "jax.nn.sparse_plus"},
    details="Its derivative is sparse_sigmoid.",
    examples=""">>> import actfn
>>> actfn.sparse_plus([-2.0, 0.0, 0.5, 2.0])
array([0.    , 0.25  , 0.5625, 2.    ])""",
)

SPECS = (SOFTPLUS, SILU, HARD_SILU, GELU, MISH, SQUAREPLUS, SPARSE_PLUS)
