"""Smooth rectifiers: softplus, silu, gelu, mish, squareplus and their relatives."""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np

from .. import _numerics as nm
from .._activation import Boolean, Param, Properties, Real, Reference, Spec, min_norm
from .._engine import narrow, temp
from .._kernels import exp_neg_abs, mask, select, sigmoid_into

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
    return ex - ex * xp.where(t >= 0.0, e, -e), t


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
    # PyTorch's switch beta * x > threshold, with x clipped so that beta * x cannot
    # overflow; the clip keeps the sign of beta x - threshold.
    if thr == 0.0:  # beta > 0: the same test, without beta * x underflowing to 0
        return x > 0.0
    lim = (abs(thr) + 1.0) / beta
    xc = xp.clip(x, -lim, lim) if math.isfinite(lim) else x
    return beta * xc > thr


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
    if thr is not None and beta * x > thr:
        return x
    return mp.log1p(mp.exp(beta * x)) / beta


def _softplus_mp_derivative(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    beta, thr = mp.mpf(p["beta"]), p["threshold"]
    if thr is not None and beta * x > thr:
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


def _silu_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # s(x) (1 + x (1 - s(x))) = s(x) + x s(x) s(-x): 1 - s(x) computed as s(-x).
    s = nm.sigmoid(xp, x)
    # Beyond |x| = 800, x s(x) s(-x) < 800 e^-800 is 0 in float64: clipping x there
    # keeps +-inf from giving inf * 0.
    xc = xp.clip(x, -800.0, 800.0)
    return s + xc * s * nm.sigmoid(xp, -x)


def _silu_kernel(x: Any, p: dict[str, Any]) -> Any:
    s = sigmoid_into(x, temp(x, 0), 1)
    xm = np.maximum(x, -800.0, out=temp(x, 1))  # as the generic form: -inf gives -0
    return np.multiply(xm, s, out=s)


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
    # Below -800, x sigmoid(x) is -0 in float64; max(x, -800) keeps -inf * 0 away.
    value=lambda xp, x, p: xp.maximum(x, -800.0) * nm.sigmoid(xp, x),
    numpy_value=_silu_kernel,
    derivative=_silu_derivative,
    mp=lambda mp, x, p: x / (1 + mp.exp(-x)),
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
    # (max(x, -3) keeps -inf * 0 away; below -3 the product is -3 * 0 = -0.)
    value=lambda xp, x, p: xp.maximum(x, -3.0) * xp.clip((x + 3.0) / 6.0, 0.0, 1.0),
    derivative=_hard_silu_derivative,
    mp=lambda mp, x, p: x * min(max((x + 3) / 6, mp.mpf(0)), mp.mpf(1)),
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
    xs = xp.maximum(x, _GELU_FLOOR)
    if p["approximate"]:
        # 0.5 x (1 + tanh u) = x * sigmoid(2u): no cancellation of 1 + tanh u for u << 0.
        u = _SQRT_2_OVER_PI * (xs + _GELU_C * xs * xs * xs)
        r = xs * nm.sigmoid(xp, 2.0 * u)
    else:
        # 0.5 x erfc(-x/sqrt 2): erfc, not 1 + erf, which cancels for x << 0.
        r = 0.5 * xs * nm.erfc(xp, -xs * _INV_SQRT2)
    r = xp.where(x == xs, r, -0.0 * xp.ones_like(x))
    # +inf: keep x (the clipped formula is fine there, but inf * 1 is kept exact).
    return xp.where(x == math.inf, x, r)


def _gelu_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # Clipping at +-40 only touches terms that are exactly 0 or 1 in float64.
    xc = xp.clip(x, -40.0, 40.0)
    if p["approximate"]:
        u = _SQRT_2_OVER_PI * (xc + _GELU_C * xc * xc * xc)
        du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_C * xc * xc)
        s = nm.sigmoid(xp, 2.0 * u)
        return s + 2.0 * xc * du * s * nm.sigmoid(xp, -2.0 * u)
    # Phi(x) + x phi(x)
    return 0.5 * nm.erfc(xp, -xc * _INV_SQRT2) + xc * _INV_SQRT_2PI * xp.exp(-0.5 * xc * xc)


def _gelu_mp(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    if p["approximate"]:
        u = mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)
        return x / (1 + mp.exp(-2 * u))
    return x / 2 * mp.erfc(-x / mp.sqrt(2))


def _gelu_mp_derivative(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    if p["approximate"]:
        return mp.diff(lambda t: _gelu_mp(mp, t, p), x)
    return mp.erfc(-x / mp.sqrt(2)) / 2 + x * mp.exp(-(x**2) / 2) / mp.sqrt(2 * mp.pi)


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
        special = importlib.import_module("scipy.special")
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


def _mish_n(xp: Any, x: Any) -> Any:
    # With u = 1 + e^x, tanh(log u) = (u^2 - 1)/(u^2 + 1) = n/(n + 2) where
    # n = u^2 - 1 = e^x (e^x + 2): a sum of positive terms, no cancellation.
    e = xp.exp(xp.minimum(x, _MISH_CAP))
    return e * (e + 2.0)


def _mish_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    n = _mish_n(xp, x)
    # Below -800 the product is -0 in float64; max(x, -800) keeps -inf * 0 away.
    return xp.where(x > _MISH_CAP, x, xp.maximum(x, -800.0) * (n / (n + 2.0)))


def _mish_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    n = _mish_n(xp, x)
    t = xp.where(x > _MISH_CAP, xp.ones_like(x), n / (n + 2.0))
    # 1 - t^2 = 4 (n + 1)/(n + 2)^2 exactly (no cancellation for t near 1).
    d = n + 2.0
    sech2 = 4.0 * (n + 1.0) / (d * d)
    # x sech^2 sigmoid(x) is 0 in float64 below -800 (sigmoid < e^-800): clip there.
    xc = xp.clip(x, -800.0, _MISH_CAP)
    return t + xc * sech2 * nm.sigmoid(xp, x)


def _mish_kernel(x: Any, p: dict[str, Any]) -> Any:
    # x * (n/(n + 2)), n = e (e + 2), e = exp(min(x, 40)), as _mish_value.  Above 40
    # n > 2^54, so n + 2 == n and the factor is exactly 1: x passes through
    # unchanged without the select.
    e = np.minimum(x, _MISH_CAP, out=temp(x, 0))
    np.exp(e, out=e)
    n = np.add(e, 2.0, out=temp(x, 1))
    np.multiply(e, n, out=n)
    d = np.add(n, 2.0, out=e)
    np.divide(n, d, out=n)
    xm = np.maximum(x, -800.0, out=d)  # as the generic form: -inf gives -0
    return np.multiply(xm, n, out=n)


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
    equivalents={"keras": "keras.activations.mish", "torch": "torch.nn.functional.mish"},
    examples=""">>> import actfn
>>> actfn.mish([-1.0, 0.0, 1.0])
array([-0.30340146,  0.        ,  0.86509839])""",
)


# ------------------------------------------------------------------------ squareplus


def _squareplus_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    b = p["b"]
    # h = sqrt(x^2 + b) as hypot(x, sqrt b): no overflow of x^2.
    h = xp.hypot(x, math.sqrt(b) * xp.ones_like(x))
    # x >= 0: (x + h)/2, a sum of non-negative terms.  x < 0: x + h cancels, so
    # use (x + h)/2 = b / (2 (h - x)), again a sum of positive terms.
    neg = x < 0.0
    den = 2.0 * xp.where(neg, h - x, xp.ones_like(x))
    pos = 0.5 * (x + h)
    # Near the largest finite numbers x + h and 2 (h - x) overflow; there, halve
    # the terms first: b / (2 (h - x)) = (b / (h/2 - x/2)) / 4.  (Halving first
    # everywhere would round subnormal x twice.)
    den_big = xp.isinf(den)
    one = xp.ones_like(x)
    half = xp.where(den_big, 0.5 * h - 0.5 * x, one)  # > 0 where used (x < 0)
    neg_val = xp.where(den_big, 0.25 * (b / half), b / xp.where(den_big, one, den))
    pos = xp.where(xp.isinf(pos) & xp.isfinite(x), 0.5 * x + 0.5 * h, pos)
    return xp.where(neg, neg_val, pos)


def _squareplus_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    b = p["b"]
    if b == 0.0:  # squareplus is relu: the kink rule at 0 gives 0
        return xp.astype(x > 0.0, x.dtype)
    h = xp.hypot(x, math.sqrt(b) * xp.ones_like(x))  # h >= sqrt(b) > 0
    neg = x < 0.0
    # (1 + x/h)/2; for x < 0, 1 + x/h = b / (h (h - x)), without cancellation.
    den = xp.where(neg, h * (h - x), xp.ones_like(x))
    ratio = xp.where(x == math.inf, xp.ones_like(x), x / h)  # inf/inf -> the limit 1
    return xp.where(neg, b / (2.0 * den), 0.5 * (1.0 + ratio))


def _squareplus_kernel(x: Any, p: dict[str, Any]) -> Any:
    # As _squareplus_value: h - x = h + |x| for x < 0, so both branches come from
    # s = h + |x| (no cancellation): (x + h)/2 = s/2 for x >= 0, b/(2 s) below.
    b = p["b"]
    if narrow():
        # Rounded to float32 or narrower: |x| <= 3.5e38, so x^2 + b does not
        # overflow in float64 and sqrt(x^2 + b) is within 1.5 float64 ULPs of h.
        h = np.multiply(x, x, out=temp(x, 0))
        np.add(h, b, out=h)
        np.sqrt(h, out=h)
    else:
        h = np.hypot(x, math.sqrt(b), out=temp(x, 0))
    s = np.abs(x, out=temp(x, 1))
    np.add(h, s, out=s)
    pos = np.greater_equal(x, 0.0, out=mask(x, 2))
    r = np.multiply(s, 0.5, out=h)
    np.multiply(s, 2.0, out=s)
    np.divide(b, s, out=s)
    return select(r, pos, s, 3)


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
    mp=lambda mp, x, p: (x + mp.sqrt(x * x + p["b"])) / 2,
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
