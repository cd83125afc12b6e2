"""Accurate building blocks, written with Array-API operations.

Every function takes the namespace ``xp`` first.  The comment at each formula
says why it is accurate (no cancellation, no overflow in a discarded branch).
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

import numpy as np

from ._xp import imported

__all__ = [
    "dd_add",
    "dd_div",
    "dd_mul",
    "dd_prod",
    "dd_sqrt",
    "erfc",
    "fast_two_sum",
    "floor_quotient",
    "gelu_exact",
    "gelu_exact_derivative",
    "gelu_tanh_arg",
    "gelu_tanh_x_dv",
    "halves",
    "log_sigmoid",
    "propagate_nan",
    "safe_where",
    "sech2",
    "sigmoid",
    "sigmoid_derivative",
    "softplus",
    "split",
    "split_sum",
    "taylor_pieces",
    "times_exp",
    "two_prod",
    "two_sum",
]

# a * e^x where e^x is subnormal: e^x = e^(x + 47.5) * e^-47.5.  x + 47.5 is exact
# for -1024 < x < -700 (both are multiples of 2^-43 and the sum stays above 256 in
# magnitude), e^(x + 47.5) is normal there, and e^-47.5 happens to lie within
# 2e-19 (relative) of the double below: the scaling costs one rounding, of the
# final product, in the result's own (possibly subnormal) quantum.
_TAIL = -700.0
_TAIL_SHIFT = 47.5
_TAIL_SCALE = 2.349698337452817e-21  # e^-47.5, relative error 2.0e-19


@functools.lru_cache(maxsize=256)
def floor_quotient(a: float, b: float, single: bool = False) -> float:
    """The largest float64 (float32 if ``single``) at most a/b, for b > 0.

    (Cached: a kernel block asks for it each time, and it costs about 9 µs.)

    For x of that format, ``x > floor_quotient(a, b)`` is exactly the test
    b x > a on the true product, which ``b * x > a`` rounded is not: with b
    subnormal, b x rounds onto a for x a little above a/b.  -inf and +inf
    bound the ratios beyond the format (and come from an infinite a).
    """
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if math.isinf(a):
        return a
    q = Fraction(a) / Fraction(b)
    dt = np.float32 if single else np.float64
    top = Fraction(float(np.finfo(dt).max))
    if q >= top:
        return float(np.finfo(dt).max)
    if q < -top:
        return -math.inf
    d = dt(q.numerator / q.denominator)  # int / int is rounded correctly
    while Fraction(float(d)) > q:
        d = np.nextafter(d, dt(-np.inf))
    while Fraction(float(np.nextafter(d, dt(np.inf)))) <= q:
        d = np.nextafter(d, dt(np.inf))
    return float(d)


def safe_where(xp: Any, cond: Any, a: Any, b: Any) -> Any:
    return xp.where(cond, a, b)


def propagate_nan(xp: Any, x: Any, d: Any) -> Any:
    """d, with NaN wherever x is NaN (piecewise formulas built from comparisons
    would otherwise map NaN to one of their pieces)."""
    return xp.where(xp.isnan(x), x, d)


def times_exp(xp: Any, a: Any, x: Any) -> Any:
    """a * e^x for x <= 0 (x > 0 is treated as 0), accurate where e^x is subnormal.

    Above -700 this is a * exp(x), two roundings.  Below, e^x is scaled by
    e^47.5 first (see _TAIL_SCALE), so a product such as x e^x that is normal
    or barely subnormal is not rounded to e^x's few subnormal bits first.
    ``a`` must be finite wherever the result matters (pass clamped inputs).
    """
    x = xp.minimum(x, 0.0)
    tail = x < _TAIL
    xs = xp.where(tail, xp.maximum(x, -2000.0) + _TAIL_SHIFT, x)
    r = a * xp.exp(xs)
    return xp.where(tail, r * _TAIL_SCALE, r)


def sigmoid_derivative(xp: Any, x: Any) -> Any:
    """sigmoid'(x) = s(x) s(-x), about 2.5 ULP at every x.

    |x| < 1.5: (1 - tanh^2(x/2))/4, where tanh^2 <= 0.41 so its rounding is not
    amplified much by the subtraction.  Elsewhere, with e = exp(-|x|) <= 0.23:
    e/(1 + e)^2 = e (1 - e (2 + e)/(1 + e)^2), one rounding near 1 and one
    product after exp (the quotient form costs a square and a division).
    Below the exp underflow point the result is e itself.
    """
    xm = xp.clip(x, -1.5, 1.5)
    t = xp.tanh(0.5 * xm)
    near = 0.25 * (1.0 - t * t)
    e = xp.exp(-xp.abs(x))
    d = 1.0 + e
    far = e * (1.0 - e * (2.0 + e) / (d * d))
    return xp.where(xp.abs(x) < 1.5, near, far)


def sigmoid(xp: Any, x: Any) -> Any:
    """1/(1 + e^-x), from e = exp(-|x|) <= 1, which never overflows.

    x >= 0: 1/(1 + e); x < 0: e/(1 + e).  Both are a quotient of correctly
    rounded terms (1 + e is within 1/2 ULP), so the error is about 1.5 ULP of
    exp plus two roundings; below the exp underflow point the result is e
    itself, a subnormal as small as the true value.
    """
    e = xp.exp(-xp.abs(x))
    r = 1.0 / (1.0 + e)
    return xp.where(x >= 0, r, e * r)


def softplus(xp: Any, x: Any) -> Any:
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|).

    The two terms have the same sign, so the sum does not cancel; e^-|x| <= 1
    never overflows, and log1p keeps the tiny values for x << 0.
    """
    return xp.maximum(x, 0.0) + xp.log1p(xp.exp(-xp.abs(x)))


def log_sigmoid(xp: Any, x: Any) -> Any:
    """log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|); same argument as softplus."""
    return xp.minimum(x, 0.0) - xp.log1p(xp.exp(-xp.abs(x)))


def sech2(xp: Any, x: Any) -> Any:
    """sech(x)^2, about 2.5 ULP at every x (tanh' = sech^2).

    |x| < 0.75: 1 - tanh^2 x, with tanh^2 <= 0.41 (little amplification).
    Elsewhere 4e/(1 + e)^2 = 4e (1 - e (2 + e)/(1 + e)^2) with e = exp(-2|x|)
    <= 0.23: one rounding near 1 and one product after exp, where 1 - tanh^2
    would cancel.  |x| is capped at 400 (e^-800 is 0 already, and -2|x| must
    not overflow).
    """
    xm = xp.clip(x, -0.75, 0.75)
    t = xp.tanh(xm)
    near = 1.0 - t * t
    e = xp.exp(-2.0 * xp.minimum(xp.abs(x), 400.0))
    d = 1.0 + e
    far = 4.0 * e * (1.0 - e * (2.0 + e) / (d * d))
    r = xp.where(xp.abs(x) < 0.75, near, far)
    return xp.where(xp.isnan(x), x, r)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)

# ----------------------------------------------------------------------------- erfc
#
# The complementary error function by the method of Sun's fdlibm s_erf.c
# (Sun Microsystems, 1993, freely redistributable; the same method is in
# FreeBSD's msun and newlib): rational approximations on [0, 0.84375),
# [0.84375, 1.25) and, for larger |x|, erfc(x) = exp(-x^2 - 0.5625 + R/S(1/x^2))/x
# with x^2 split so that its rounding is not amplified by exp.  The
# coefficients below are fdlibm's published ones; fdlibm states an error below
# 1 ULP.  Written here with Array-API operations only, so NumPy users need no
# SciPy and every backend computes the same function.

_ERX = 8.45062911510467529297e-01  # erf(1) rounded to 24 bits
_PP = (
    1.28379167095512558561e-01,
    -3.25042107247001499370e-01,
    -2.84817495755985104766e-02,
    -5.77027029648944159157e-03,
    -2.37630166566501626084e-05,
)
_QQ = (
    1.0,
    3.97917223959155352819e-01,
    6.50222499887672944485e-02,
    5.08130628187576562776e-03,
    1.32494738004321644526e-04,
    -3.96022827877536812320e-06,
)
_PA = (
    -2.36211856075265944077e-03,
    4.14856118683748331666e-01,
    -3.72207876035701323847e-01,
    3.18346619901161753674e-01,
    -1.10894694282396677476e-01,
    3.54783043256182359371e-02,
    -2.16637559486879084300e-03,
)
_QA = (
    1.0,
    1.06420880400844228286e-01,
    5.40397917702171048937e-01,
    7.18286544141962662868e-02,
    1.26171219808761642112e-01,
    1.36370839120290507362e-02,
    1.19844998467991074170e-02,
)
_RA = (
    -9.86494403484714822705e-03,
    -6.93858572707181764372e-01,
    -1.05586262253232909814e01,
    -6.23753324503260060396e01,
    -1.62396669462573470355e02,
    -1.84605092906711035994e02,
    -8.12874355063065934246e01,
    -9.81432934416914548592e00,
)
_SA = (
    1.0,
    1.96512716674392571292e01,
    1.37657754143519042600e02,
    4.34565877475229228821e02,
    6.45387271733267880336e02,
    4.29008140027567833386e02,
    1.08635005541779435134e02,
    6.57024977031928170135e00,
    -6.04244152148580987438e-02,
)
_RB = (
    -9.86494292470009928597e-03,
    -7.99283237680523006574e-01,
    -1.77579549177547519889e01,
    -1.60636384855821916062e02,
    -6.37566443368389627722e02,
    -1.02509513161107724954e03,
    -4.83519191608651397019e02,
)
_SB = (
    1.0,
    3.03380607434824582924e01,
    3.25792512996573918826e02,
    1.53672958608443695994e03,
    3.19985821950859553908e03,
    2.55305040643316442583e03,
    4.74528541206955367215e02,
    -2.24409524465858183362e01,
)
# Veltkamp's splitting constant 2^27 + 1: x = hi + lo with hi of 26 bits, exactly.
_SPLIT = 134217729.0
_TWO_OVER_SQRT_PI = 1.1283791670955126  # 2/sqrt(pi), correctly rounded
_INV_SQRT2_HI = 0.7071067811865476  # 1/sqrt(2) = hi + lo
_INV_SQRT2_LO = -4.833646656726457e-17
_LN_SQRT2 = 0.34657359027997264  # ln(sqrt 2), correctly rounded
_SQRT2 = 1.4142135623730951  # sqrt 2, correctly rounded
_LN_SQRT_2PI = 0.9189385332046728  # ln(sqrt(2 pi)), correctly rounded
# gelu's tail formula is used for x < -_GELU_TAIL, where t = -x/sqrt 2 > 1.25
# (fdlibm's third interval starts at 1.25).
_GELU_TAIL = 1.768


def _horner(z: Any, coeffs: tuple[float, ...]) -> Any:
    r = coeffs[-1] * z + coeffs[-2]
    for c in reversed(coeffs[:-2]):
        r = r * z + c
    return r


def split(xp: Any, x: Any) -> tuple[Any, Any]:
    """Veltkamp's split x = hi + lo, hi with 26 significant bits (|x| < 2^996)."""
    c = _SPLIT * x
    hi = c - (c - x)
    return hi, x - hi


def two_prod(xp: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """a * b = p + e exactly (Dekker's TwoProduct by Veltkamp splitting; |a|, |b| < 2^996)."""
    p = a * b
    ah, al = split(xp, a)
    bh, bl = split(xp, b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def two_sum(xp: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """a + b = s + e exactly (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


# 2 sqrt(2/pi) and the cubic coefficient 0.044715 of the tanh form of gelu, as hi + lo.
_GELU_K2_HI = 1.5957691216057308
_GELU_K2_LO = -9.96930880911092e-17
_GELU_C_HI = 0.044715
_GELU_C_LO = 2.1960211427085595e-18


def gelu_tanh_arg(xp: Any, x: Any) -> tuple[Any, Any]:
    """v = 2 sqrt(2/pi) (x + 0.044715 x^3) as hi + lo (double-double, ~2^-100).

    gelu_tanh(x) = x sigmoid(v), and for v << 0 sigmoid(v) ~ e^v turns an
    absolute error in v into the same relative error of the result: rounding v
    once would cost |v|/2 ULPs (350 at the underflow point).  x must be clipped
    (|x| <= 30 is plenty: beyond, the result is x or 0).
    """
    q_hi, q_lo = _gelu_q(xp, x)
    v_hi, v_lo = two_prod(xp, _GELU_K2_HI * xp.ones_like(x), q_hi)
    v_lo = v_lo + (_GELU_K2_HI * q_lo + _GELU_K2_LO * q_hi)
    return two_sum(xp, v_hi, v_lo)


def _gelu_q(xp: Any, x: Any) -> tuple[Any, Any]:
    """q = x (1 + 0.044715 x^2) as a double-double (TwoProduct, TwoSum)."""
    s_hi, s_lo = two_prod(xp, x, x)
    p_hi, p_lo = two_prod(xp, _GELU_C_HI * xp.ones_like(x), s_hi)
    p_lo = p_lo + (_GELU_C_HI * s_lo + _GELU_C_LO * s_hi)
    w_hi, w_lo = two_sum(xp, xp.ones_like(x), p_hi)
    w_lo = w_lo + p_lo
    q_hi, q_lo = two_prod(xp, x, w_hi)
    q_lo = q_lo + x * w_lo
    return q_hi, q_lo


def gelu_tanh_x_dv(xp: Any, x: Any) -> Any:
    """x v'(x) = 2 sqrt(2/pi) (x + 3 * 0.044715 x^3), rounded once from a
    double-double: as 2 sqrt(2/pi) (3q - 2x) with q = x + 0.044715 x^3 exact to
    2^-100, the subtraction 3q - 2x (which cancels by up to a factor 3.6) is done
    exactly (TwoProduct, TwoSum)."""
    q_hi, q_lo = _gelu_q(xp, x)
    t_hi, t_lo = two_prod(xp, 3.0 * xp.ones_like(x), q_hi)
    r_hi, r_lo = two_sum(xp, t_hi, -2.0 * x)
    r_lo = r_lo + (t_lo + 3.0 * q_lo)
    y_hi, y_lo = two_prod(xp, _GELU_K2_HI * xp.ones_like(x), r_hi)
    return y_hi + (y_lo + (_GELU_K2_HI * r_lo + _GELU_K2_LO * r_hi))


def taylor_pieces(
    xp: Any,
    x: Any,
    bounds: tuple[float, ...],
    pieces: tuple[tuple[float, float, tuple[float, ...]], ...],
) -> Any:
    """A piecewise Taylor polynomial: on [bounds[j], bounds[j + 1]) the polynomial
    sum_k c_k d^k with d = (x - centre_hi) - centre_lo, for pieces[j] =
    (centre_hi, centre_lo, (c_0, c_1, ...)); x is clipped into [bounds[0], bounds[-1]].

    Used where a closed form cancels (near a root, or where two terms of
    opposite sign nearly balance): the coefficients come from mpmath, each piece
    is short enough that its polynomial is well conditioned, and x - centre is
    exact (Sterbenz) when the piece lies within a factor 2 of its centre.  The
    coefficients of each element's piece are gathered with ``take``, so the cost
    is one polynomial whatever the number of pieces.
    """
    import array_api_compat

    dask_array = imported("dask.array")
    if dask_array is not None and isinstance(x, dask_array.Array):
        # Chunk by chunk: the reshape to 1-D and back would rechunk a Dask array.
        return x.map_blocks(
            lambda b: taylor_pieces(array_api_compat.array_namespace(b), b, bounds, pieces),
            dtype=x.dtype,
        )
    dev = array_api_compat.device(x)
    shape = x.shape
    xf = xp.reshape(xp.clip(x, bounds[0], bounds[-1]), (-1,))
    idx = xp.zeros(xf.shape, dtype=xp.int32, device=dev)  # int32: JAX without x64
    for bound in bounds[1:-1]:
        idx = idx + xp.astype(xf >= bound, xp.int32)
    # One gather of each element's row (centre hi, centre lo, c_0, ..., c_n).
    table = xp.asarray([(hi, lo, *co) for hi, lo, co in pieces], dtype=x.dtype, device=dev)
    rows = xp.take(table, idx, axis=0)
    d = (xf - rows[:, 0]) - rows[:, 1]
    n = table.shape[1] - 1
    acc = rows[:, n]
    for k in range(n - 1, 1, -1):
        acc = acc * d + rows[:, k]
    return xp.reshape(acc, shape)


def _erfc_tail_exponent(xp: Any, a: Any) -> tuple[Any, Any]:
    """(A, B) with erfc(a) = exp(A) exp(B) / a for 1.25 <= a <= 28.

    A = -z^2 - 0.5625 with z = a rounded to a multiple of 2^-21 is exact (z^2
    has at most 52 bits); B = (z - a)(z + a) + R/S is small, so its rounding
    costs little after exp (fdlibm's Note 1).
    """
    s = 1.0 / (a * a)
    near = a < 1.0 / 0.35
    rs = xp.where(near, _horner(s, _RA) / _horner(s, _SA), _horner(s, _RB) / _horner(s, _SB))
    big = 1.5 * 2.0**31  # (a + big) - big rounds a to a multiple of 2^-21 (a < 32)
    z = (a + big) - big
    return -z * z - 0.5625, (z - a) * (z + a) + rs


def scaled_exp_product(xp: Any, a: Any, b: Any) -> Any:
    """exp(a) exp(b) for exact a and small b, with exp(a) scaled where it would
    be subnormal (a < -700, see times_exp), so the product rounds only once there."""
    tail = a < _TAIL
    r = xp.exp(xp.where(tail, xp.maximum(a, -2000.0) + _TAIL_SHIFT, a)) * xp.exp(b)
    return xp.where(tail, r * _TAIL_SCALE, r)


def _erfc_small(xp: Any, x: Any) -> Any:
    """erfc(x) for |x| < 1.25 (fdlibm's first two intervals; x is clipped)."""
    ax = xp.abs(x)
    # |x| < 0.84375: erfc = 1 - (x + x y) or 0.5 - ((x - 0.5) + x y), y = P/Q(x^2).
    xa = xp.clip(x, -0.84375, 0.84375)
    z = xa * xa
    y = _horner(z, _PP) / _horner(z, _QQ)
    r_a = xp.where(xa < 0.25, 1.0 - (xa + xa * y), 0.5 - ((xa - 0.5) + xa * y))
    # 0.84375 <= |x| < 1.25: erfc = (1 - c) - P/Q(|x| - 1) or 1 + (c + P/Q), c = _ERX.
    sb = xp.clip(ax, 0.84375, 1.25) - 1.0
    pq = _horner(sb, _PA) / _horner(sb, _QA)
    r_b = xp.where(x >= 0.0, (1.0 - _ERX) - pq, 1.0 + (_ERX + pq))
    return xp.where(ax < 0.84375, r_a, r_b)


def _tail_rs(xp: Any, s: Any, near: Any) -> Any:
    """fdlibm's R/S(s), s = 1/t^2, on [1.25, 1/0.35) (near) or [1/0.35, 28)."""
    return xp.where(near, _horner(s, _RA) / _horner(s, _SA), _horner(s, _RB) / _horner(s, _SB))


def erfc(xp: Any, x: Any) -> Any:
    """The complementary error function (fdlibm's method, see above)."""
    ax = xp.abs(x)
    # 1.25 <= |x| < 28: exp(-x^2 - 0.5625 + R/S)/|x|; 2 minus that for x < 0.
    ac = xp.clip(ax, 1.25, 28.0)
    e_a, e_b = _erfc_tail_exponent(xp, ac)
    tail = scaled_exp_product(xp, e_a, e_b) / ac
    tail = xp.where(ax >= 28.0, xp.zeros_like(x), tail)
    r_c = xp.where(x > 0.0, tail, 2.0 - tail)
    r = xp.where(ax < 1.25, _erfc_small(xp, x), r_c)
    return xp.where(xp.isnan(x), x, r)


# gelu on [-1.7678, -1.15] (fdlibm's second erfc interval, where (1 - c) - P/Q
# cancels by up to a factor 3): Taylor polynomials around the midpoints of six
# pieces, from mpmath at 50 digits, mp.taylor(lambda t: t/2 * mp.erfc(-t/mp.sqrt(2)),
# centre, 12); about 1.5 ULP (each is well conditioned, x - centre is exact).
_GELU_V_BOUNDS = (
    -1.7678,
    -1.6648333333333334,
    -1.5618666666666667,
    -1.4588999999999999,
    -1.3559333333333332,
    -1.2529666666666666,
    -1.15,
)
_GELU_V_PIECES: tuple[tuple[float, float, tuple[float, ...]], ...] = (
    (
        -1.7163166666666667,
        0.0,
        (
            -0.07389095050889148,
            -0.11392911327309958,
            -0.04325070754239472,
            0.02758308427214618,
            0.030270002505574163,
            0.007490317822585441,
            -0.0024080258625583206,
            -0.001663844575614849,
            -8.316535758529408e-05,
            0.00016401097488161413,
            3.711926667621397e-05,
            -8.743714003266858e-06,
            -4.324904266893063e-06,
        ),
    ),
    (
        -1.61335,
        0.0,
        (
            -0.08604680370208218,
            -0.12182234936890993,
            -0.032727430262816895,
            0.04078526482130023,
            0.03367933558768121,
            0.005629534817790654,
            -0.0036160934988135997,
            -0.001665252511875378,
            8.471988520887452e-05,
            0.00019610845047809958,
            2.425254374530388e-05,
            -1.3887778756364238e-05,
            -3.894239366122508e-06,
        ),
    ),
    (
        -1.5103833333333334,
        0.0,
        (
            -0.09888905527472056,
            -0.12711482014484987,
            -0.017931467212290858,
            0.055168083456432926,
            0.03593986469156507,
            0.0030327718283416857,
            -0.00477272486767006,
            -0.0015179883307340602,
            0.00027531579309658373,
            0.0002121002654024803,
            6.012276593671833e-06,
            -1.809815082659141e-05,
            -2.813872613996136e-06,
        ),
    ),
    (
        -1.4074166666666665,
        0.0,
        (
            -0.11210346220909967,
            -0.12889451057719106,
            0.001420891166685415,
            0.07018207748382838,
            0.03668669722011368,
            -0.00023394756522446692,
            -0.0057656182061117936,
            -0.0012101550283217665,
            0.00047133766814843356,
            0.00020715256731920024,
            -1.6095998426828705e-05,
            -2.059513393394624e-05,
            -1.1392477208977354e-06,
        ),
    ),
    (
        -1.3044499999999999,
        0.0,
        (
            -0.1252795063603014,
            -0.12621000519598133,
            0.025421325964592838,
            0.0851369840841169,
            0.035607103212957736,
            -0.0040336912662975455,
            -0.006479431553506298,
            -0.0007457130799323063,
            0.0006518757097838688,
            0.00017841648213280369,
            -3.9747941702646916e-05,
            -2.0735138749692417e-05,
            9.649988935345265e-07,
        ),
    ),
    (
        -1.2014833333333332,
        0.0,
        (
            -0.13790852045629734,
            -0.11811424378817421,
            0.053930090102328666,
            0.09923074403205905,
            0.03247687358501894,
            -0.008160462212292637,
            -0.006808087938130277,
            -0.00014660771758935771,
            0.0007945946030855891,
            0.00012576594417115585,
            -6.202947006227506e-05,
            -1.8140558726665265e-05,
            3.2366254989457127e-06,
        ),
    ),
)


def gelu_exact(xp: Any, x: Any) -> Any:
    """x Phi(x) = (x/2) erfc(-x/sqrt 2), to about 1.5 ULP at every x.

    |t| = |x|/sqrt 2 >= 1.25 (fdlibm's exponential form): with
    x = h + l split (Veltkamp), t^2 = h^2/2 + (h l + l^2/2) where h^2/2 + 0.5625
    is exact, and (|x|/2)/|t| = 1/sqrt 2 exactly, so the tail term
    T = |x| Phi(-|x|) = exp(-h^2/2 - 0.5625) exp(R/S - h l - l^2/2 - ln sqrt 2):
    the rounding of x/sqrt 2 (amplified 2 t^2 times by erfc) never happens, and
    the first factor is scaled where it is subnormal.  gelu = -T for x < 0 and
    x - T for x > 0 (T < 0.07, far below x there).
    |t| < 1.25: t = -x/sqrt 2 is formed as hi + lo (TwoProduct by splitting)
    and erfc(t_hi + t_lo) = erfc(t_hi) - t_lo (2/sqrt pi) exp(-t_hi^2) to first
    order: the condition number of erfc there is below 4, so this leaves the
    erfc and product roundings only.
    """
    xc = xp.clip(x, -40.0, 40.0)
    h, lo = split(xp, xc)
    ax = xp.abs(xc)
    # |t| >= 1.25: the tail term T.
    a = xp.maximum(ax, 1.25 * _SQRT2)  # = |x| wherever it is used (to an ULP)
    s = 2.0 / (a * a)  # 1/t^2: R/S is insensitive to its rounding
    rs = _tail_rs(xp, s, a * _INV_SQRT2_HI < 1.0 / 0.35)
    e_a = -0.5 * h * h - 0.5625
    e_b = rs - (h * lo + 0.5 * lo * lo) - _LN_SQRT2
    big = scaled_exp_product(xp, e_a, e_b)
    tail = xp.where(xc < 0.0, -big, xc - big)
    # |t| < 1.25: t = -x / sqrt 2 = t_hi + t_lo exactly (to 2^-106).
    t_hi, t_lo = _neg_x_over_sqrt2(xp, xc, h, lo)
    tc = xp.clip(t_hi, -1.25, 1.25)
    corr = t_lo * _TWO_OVER_SQRT_PI * xp.exp(-tc * tc)
    main = 0.5 * xc * (_erfc_small(xp, tc) - corr)
    near = taylor_pieces(xp, xc, _GELU_V_BOUNDS, _GELU_V_PIECES)
    main = xp.where(xc < _GELU_V_BOUNDS[-1], near, main)
    r = xp.where(xp.abs(t_hi) < 1.25, main, tail)
    r = xp.where(x > 40.0, x, xp.where(x < -40.0, -0.0 * xp.ones_like(x), r))
    return xp.where(xp.isnan(x), x, r)


def _neg_x_over_sqrt2(xp: Any, x: Any, h: Any, lo: Any) -> tuple[Any, Any]:
    """-x/sqrt 2 as hi + lo: Dekker's TwoProduct of x and 1/sqrt 2 (hi part),
    plus x times the low part of the constant."""
    kh, kl = -_INV_SQRT2_HI, -_INV_SQRT2_LO
    c = _SPLIT * kh
    k1 = c - (c - kh)
    k2 = kh - k1
    p = x * kh
    err = ((h * k1 - p) + h * k2 + lo * k1) + lo * k2
    return p, err + x * kl


# Phi(x) + x phi(x) on [-1.768, -0.25], where its two terms cancel (it has a root
# at r = -0.75179): Taylor polynomials around r (for -1 <= x < -0.5), -1.384
# (x < -1) and -0.375 (x >= -0.5), each (centre hi, centre lo, coefficients of
# (x - centre)^k), from mpmath at 60 digits:
#   G = lambda x: mp.ncdf(x) + x * mp.npdf(x); r = mp.findroot(G, -0.75)
#   [float(c) for c in mp.taylor(G, centre, 22)]
# x - centre is exact in each piece (Sterbenz), and the polynomials are
# well conditioned there (sum |c_k d^k| <= 2.3 |G|): about 1.5 ULP.
_GELU_D_ROOT = (
    -0.7517915246935645,
    1.4956759177009883e-17,
    (
        0.0,
        0.4314939923140469,
        0.388284982990552,
        -0.018199676398671087,
        -0.1140082332972217,
        -0.014771522148244337,
        0.019421679838189067,
        0.004539228379125415,
        -0.002239538068073497,
        -0.0007448268386746817,
        0.00018633974623233514,
        8.615947861116571e-05,
        -1.121438018842664e-05,
        -7.74846130700372e-06,
        4.3284506257392273e-07,
        5.702764979242107e-07,
        -1.6044265494246427e-09,
        -3.5459866461783865e-08,
        -1.396942086426202e-09,
        1.90319840501314e-09,
        1.4506418938779426e-10,
        -8.950037692726255e-11,
        -9.950340824808053e-12,
    ),
)
_GELU_D_LEFT = (
    -1.384,
    0.0,
    (
        -0.12871063085161424,
        0.012943653304509563,
        0.22084686630777917,
        0.14644539718480976,
        -0.005288026491560669,
        -0.0357391424417878,
        -0.007824567653800529,
        0.004116432861051254,
        0.0018248345320029623,
        -0.00021436841610940986,
        -0.00022937970220425675,
        -8.284919692512709e-06,
        1.9613054618131605e-05,
        2.797907374616041e-06,
        -1.2145685896377568e-06,
        -3.113162536250643e-07,
        5.321741136098697e-08,
        2.3694023530293448e-08,
        -1.2782483201732091e-09,
        -1.4030317100023277e-09,
        -3.06489504239904e-11,
        6.781703488204772e-11,
        5.7385356069437464e-12,
    ),
)
_GELU_D_RIGHT = (
    -0.375,
    0.0,
    (
        0.21438457312611287,
        0.6914180651641015,
        0.2690865474194324,
        -0.1881215161980321,
        -0.09571143626661269,
        0.03452597180793986,
        0.020192584283991833,
        -0.004351485379008724,
        -0.0029944667353818807,
        0.0004007912774766971,
        0.00034078153589274057,
        -2.7529760421603205e-05,
        -3.1389103412026284e-05,
        1.3479526984414753e-06,
        2.4247620977834963e-06,
        -3.4176585305098156e-08,
        -1.6112246603718536e-07,
        -1.459866885772898e-09,
        9.385688694959068e-09,
        2.6696034070063205e-10,
        -4.863691657626215e-10,
        -2.2011394989714288e-11,
        2.2683966435183247e-11,
    ),
)


def taylor_piece(x: Any, piece: tuple[float, float, tuple[float, ...]]) -> Any:
    """One Taylor polynomial sum_k c_k d^k, d = (x - centre_hi) - centre_lo, for
    piece = (centre_hi, centre_lo, (c_0, c_1, ...)) (see taylor_pieces)."""
    hi, lo, co = piece
    d = (x - hi) - lo
    acc = co[-1] * d + co[-2]
    for c in reversed(co[:-2]):
        acc = acc * d + c
    return acc


def gelu_exact_derivative(xp: Any, x: Any) -> Any:
    """Phi(x) + x phi(x), with phi(x) = exp(-h^2/2) exp(-(h l + l^2/2) - ln sqrt(2 pi))
    (x = h + l split, h^2/2 exact), so x^2/2 is never rounded before exp.

    x < -1.768: both terms share exp(-h^2/2), factored out (and scaled where
    it is subnormal):  exp(-h^2/2) [exp(D + R/S - 0.5625 - ln sqrt 2)/|x|
    - |x| exp(D - ln sqrt(2 pi))], D = -(h l + l^2/2); the bracket cancels by
    at most a factor 1.5 there.  Near the root x = -0.7518 the sum Phi + x phi
    cancels without bound: there (-1.768 <= x < -0.25) Taylor polynomials are used.
    """
    xc = xp.clip(x, -40.0, 40.0)
    h, lo = split(xp, xc)
    d = -(h * lo + 0.5 * lo * lo)
    e0 = -0.5 * h * h
    # Main: Phi with the t_lo correction, and phi.
    t_hi, t_lo = _neg_x_over_sqrt2(xp, xc, h, lo)
    g = xp.exp(-t_hi * t_hi)
    cdf = 0.5 * (erfc(xp, t_hi) - t_lo * _TWO_OVER_SQRT_PI * g)
    pdf = xp.exp(e0) * xp.exp(d - _LN_SQRT_2PI)
    main = cdf + xc * pdf
    # Tail.
    ax = xp.maximum(-xc, _GELU_TAIL)  # = -x wherever the tail is used
    t = ax * _INV_SQRT2_HI
    s = 2.0 / (ax * ax)
    near = t < 1.0 / 0.35
    rs = xp.where(near, _horner(s, _RA) / _horner(s, _SA), _horner(s, _RB) / _horner(s, _SB))
    bracket = xp.exp(d + rs - 0.5625 - _LN_SQRT2) / ax - ax * xp.exp(d - _LN_SQRT_2PI)
    tail = times_exp(xp, bracket, e0)
    # Around the root: the Taylor pieces (inputs clipped into [-2, 0] so that the
    # unused evaluations stay small).
    xw = xp.clip(xc, -2.0, 0.0)
    near = xp.where(
        xw < -1.0,
        taylor_piece(xw, _GELU_D_LEFT),
        xp.where(xw < -0.5, taylor_piece(xw, _GELU_D_ROOT), taylor_piece(xw, _GELU_D_RIGHT)),
    )
    main = xp.where((xc >= -_GELU_TAIL) & (xc < -0.25), near, main)
    r = xp.where(xc < -_GELU_TAIL, tail, main)
    r = xp.where(x > 40.0, xp.ones_like(x), xp.where(x < -40.0, -0.0 * xp.ones_like(x), r))
    return xp.where(xp.isnan(x), x, r)


# ---------------------------------------------------------------- double-double sums
# A double-double number is an unevaluated sum hi + lo with |lo| <= ulp(hi)/2: about
# 106 significant bits.  These helpers are for float64 arrays (the splitting
# constants are float64's); each returns the normalized pair.
#
# They stay exact where a compiler contracts a * b + c into one fused multiply-add
# (XLA on CPU does, under jax.jit: openxla/xla#41579), which breaks the classic
# TwoProduct: fl(a b) - p becomes the exact a b - p.  Here no rounded product is
# ever added to or subtracted from anything: every product is of two halves of 26
# bits (exact), or by a power of two, or a final term whose rounding does not
# matter, so fusing it changes nothing.


def fast_two_sum(xp: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """a + b = s + e exactly, for |a| >= |b| or a = 0 (Dekker's Fast2Sum)."""
    s = a + b
    return s, b - (s - a)


def halves(xp: Any, x: Any) -> tuple[Any, Any]:
    """Veltkamp's split x = hi + lo (hi of 26 significant bits, lo of 26 and a
    sign), for |x| < 2^996.  c = fl((2^27 + 1) x) is formed as 2^27 x + x, whose
    product is exact, so a fused multiply-add gives the same c."""
    c = x * 2.0**27 + x
    hi = c - (c - x)
    return hi, x - hi


def dd_prod(xp: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """a b as a double-double, to 2^-105 relative (|a|, |b| < 2^996).

    a b = ah bh + (ah bl + al bh) + al bl with each of the four products exact
    (halves of 26 bits); ah bh and the middle terms' TwoSum are combined exactly
    and the last two terms (below 2^-78 and 2^-104 of a b) rounded once each."""
    ah, al = halves(xp, a)
    bh, bl = halves(xp, b)
    m, m_e = two_sum(xp, ah * bl, al * bh)
    s, e = two_sum(xp, ah * bh, m)
    return fast_two_sum(xp, s, e + (m_e + al * bl))


def dd_add(xp: Any, ah: Any, al: Any, bh: Any, bl: Any) -> tuple[Any, Any]:
    """(ah + al) + (bh + bl) in double-double: TwoSum of the high parts, the low
    parts added to its error; relative error about 2^-104 without cancellation,
    and absolute error 2^-104 (|al| + |bl|) with it."""
    s, e = two_sum(xp, ah, bh)
    return fast_two_sum(xp, s, e + (al + bl))


def dd_mul(xp: Any, ah: Any, al: Any, bh: Any, bl: Any) -> tuple[Any, Any]:
    """(ah + al)(bh + bl) in double-double (the al bl term, below 2^-106 of the
    product, is left out); |ah|, |bh| < 2^996."""
    p, e = dd_prod(xp, ah, bh)
    return fast_two_sum(xp, p, e + (ah * bl + al * bh))


def dd_div(xp: Any, ah: Any, al: Any, b: Any) -> tuple[Any, Any]:
    """(ah + al) / b for a float b != 0: q = fl(ah / b), then the remainder
    ah - q b (q b as a double-double; ah - its high part is exact by Sterbenz)
    plus al, divided by b, corrects it."""
    q = ah / b
    p, e = dd_prod(xp, q, b)
    return fast_two_sum(xp, q, (((ah - p) - e) + al) / b)


def dd_sqrt(xp: Any, ah: Any, al: Any) -> tuple[Any, Any]:
    """sqrt(ah + al): one Newton step from s = sqrt(ah), with the residual
    ah + al - s^2 formed from s^2 as a double-double.  ah <= 0 gives 0."""
    pos = ah > 0.0
    a = xp.where(pos, ah, xp.ones_like(ah))
    s = xp.sqrt(a)
    p, e = dd_prod(xp, s, s)
    lo = (((a - p) - e) + xp.where(pos, al, xp.zeros_like(al))) / (2.0 * s)
    hi, lo = fast_two_sum(xp, s, lo)
    zero = xp.zeros_like(hi)
    return xp.where(pos, hi, zero), xp.where(pos, lo, zero)


def split_sum(xp: Any, v: Any, log2_bound: int, offset: float = 0.0) -> tuple[Any, Any]:
    """offset plus the sum of v along its last axis (kept, of size 1), as a
    double-double, for float64 values with |v| < 2^log2_bound, fewer than 2^31 of
    them, and an offset with |offset| <= 2^log2_bound that is a multiple of
    2^(log2_bound - 21).

    Error-free extraction (as in Rump, Ogita & Oishi's AccSum): with n terms and
    g = bit_length(n), every partial sum of the n terms is below 2^G, G = e + g
    (e = log2_bound).  a = round(v / 2^(G-52)) 2^(G-52) is v rounded to a multiple
    of 2^(G-52) (the scalings are exact), so every partial sum of the a's is a
    multiple of 2^(G-52) below 2^G: exact in any order.  b = v - a is exact and
    below 2^(G-53); it is split the same way with G' = G - 53 + g.  The last
    remainders (below 2^(G'-53)) are summed plainly: that sum's error is below
    n^2 2^(G'-106) = 2^(e + 4g - 159) absolute (2^-103 for n = 10^4, e = 2).  The
    exact partial totals are then added in double-double.  The offset is added to
    the first total, exactly (a multiple of 2^(G-52), as g <= 31, and the sum
    stays below 2^(G+1)).  (Rounding by round() rather than by
    (v + 1.5 2^G) - 1.5 2^G, and the offset not through a TwoSum: XLA simplifies
    (v + c) - c to v for a constant c.)
    """
    n = v.shape[-1]
    g = max(int(n).bit_length(), 1)
    big = log2_bound + g
    q1 = 2.0 ** (big - 52)
    a = xp.round(v * (1.0 / q1)) * q1
    b = v - a
    q2 = 2.0 ** (big - 53 + g - 52)
    a2 = xp.round(b * (1.0 / q2)) * q2
    c = b - a2
    sa = xp.sum(a, axis=-1, keepdims=True) + offset
    sb = xp.sum(a2, axis=-1, keepdims=True)
    sc = xp.sum(c, axis=-1, keepdims=True)
    s, e = two_sum(xp, sa, sb)
    return fast_two_sum(xp, s, e + sc)
