"""Activations from recent papers: relu_squared, star_relu, snake and entmax15."""

from __future__ import annotations

import math
from typing import Any

import array_api_compat

from .. import _numerics as nm
from .._activation import ArrayParam, Axis, Param, Properties, Real, Reference, Spec
from .._activation import normalize_axes as _axes
from .normalizing import INF_RULE, from_last, to_last

PRIMER = Reference(
    "So, Mańke, Liu, Dai, Shazeer & Le (2021), Primer: Searching for Efficient "
    "Transformers for Language Modeling, NeurIPS",
    "https://arxiv.org/abs/2109.08668",
)
METAFORMER = Reference(
    "Yu, Si, Zhou, Yu, Wang, Feng, Yan & Wang (2022), MetaFormer Baselines for Vision",
    "https://arxiv.org/abs/2210.13452",
)
SNAKE_PAPERS = (
    Reference(
        "Liu Ziyin, Hartwig & Ueda (2020), Neural Networks Fail to Learn Periodic "
        "Functions and How to Fix It, NeurIPS",
        "https://arxiv.org/abs/2006.08195",
    ),
    Reference(
        "Lee, Ping, Ginsburg, Catanzaro & Yoon (2023), BigVGAN: A Universal Neural "
        "Vocoder with Large-Scale Training, ICLR",
        "https://arxiv.org/abs/2206.04658",
    ),
)
ENTMAX_PAPER = Reference(
    "Peters, Niculae & Martins (2019), Sparse Sequence-to-Sequence Models, ACL",
    "https://arxiv.org/abs/1905.05702",
)

_SPLIT = 134217729.0  # 2^27 + 1, Veltkamp's splitting constant for float64
# Below this, Dekker's splitting of r and of r*r cannot overflow (r^2 * 2^27 < 2^996).
_SPLIT_MAX = 2.0**480


def _two_prod(xp: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """p, e with p = fl(a b) and p + e = a b exactly (Dekker), for |a|, |b| < 2^996."""
    p = a * b
    ca = _SPLIT * a
    a_hi = ca - (ca - a)
    a_lo = a - a_hi
    cb = _SPLIT * b
    b_hi = cb - (cb - b)
    b_lo = b - b_hi
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


# --------------------------------------------------------------------- relu_squared


RELU_SQUARED = Spec(
    name="relu_squared",
    family="rectifiers",
    summary="Squared ReLU: max(x, 0)^2 (Primer).",
    formula=r"f(x) = \max(x, 0)^{2}",
    params=(),
    properties=Properties((0.0, math.inf), "[0, inf)", True, "C1", False),
    references=(PRIMER,),
    # One rounding (r * r), so within 1/2 ULP; overflow above 1.3e154 is the true value's.
    value=lambda xp, x, p: xp.maximum(x, 0.0) * xp.maximum(x, 0.0),
    # 2 max(x, 0): exact (a doubling).  Continuous at 0, no kink.
    derivative=lambda xp, x, p: 2.0 * xp.maximum(x, 0.0),
    mp=lambda mp, x, p: max(x, mp.mpf(0)) ** 2,
    mp_derivative=lambda mp, x, p: 2 * max(x, mp.mpf(0)),
    equivalents={},
    differences="Not in Keras, PyTorch or JAX as a function.",
    examples=""">>> import actfn
>>> actfn.relu_squared([-2.0, 0.5, 3.0])
array([0.  , 0.25, 9.  ])""",
)


# ------------------------------------------------------------------------ star_relu


def _star_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    s, b = p["scale"], p["bias"]
    r = xp.maximum(x, 0.0)
    if s == 0.0:  # the constant b (0 * r^2 would be NaN where r^2 overflows); NaN stays
        return xp.where(xp.isnan(x), x, xp.full_like(x, b))
    r2 = r * r
    # r^2 beyond the float range with a small scale: s r r can still be finite.
    sr2 = xp.where(xp.isinf(r2) & xp.isfinite(r), (s * r) * r, s * r2)
    plain = sr2 + b
    if b == 0.0 or abs(s) >= 2.0**990:  # (Dekker's split of s would overflow)
        return plain
    # s r^2 + b cancels where s r^2 is near -b.  There r^2 and s r^2 are formed as
    # exact double-double products (Dekker), their high parts added to b with Knuth's
    # two-sum, and the three error terms added last: the result is the exact value
    # plus a few roundings of terms below 2^-50 of it, at most 1 ULP with the final
    # rounding.  Large r (no cancellation, and the split could overflow) keeps the
    # plain form.
    # ... and where s r^2 itself is too large to split.
    small = (r < _SPLIT_MAX) & (xp.abs(sr2) < 2.0**990)
    rc = xp.where(small, r, xp.zeros_like(r))
    sq, sq_e = _two_prod(xp, rc, rc)
    t, t_e = _two_prod(xp, s * xp.ones_like(rc), sq)
    u = t + b
    bb = u - t
    err = (t - (u - bb)) + (b - bb)
    exact = u + (err + (t_e + s * sq_e))
    # x = +inf (r = inf) and NaN go through the plain form.
    return xp.where(small, exact, plain)


STAR_RELU = Spec(
    name="star_relu",
    family="rectifiers",
    summary="StarReLU: scale * max(x, 0)^2 + bias (MetaFormer baselines).",
    formula=r"f(x) = s\,\max(x, 0)^{2} + b",
    params=(
        Param("scale", 0.8944, Real(), "Scale s (0.8944 ≈ 1/sqrt(1.25) in Yu et al. 2022)."),
        Param("bias", -0.4472, Real(), "Bias b (-0.4472 ≈ -0.5/sqrt(1.25) in Yu et al. 2022)."),
    ),
    properties=Properties((-0.4472, math.inf), "[b, inf) = [-0.4472, inf)", True, "C1", False),
    references=(METAFORMER,),
    value=_star_value,
    # 2 s max(x, 0): 2 s is exact, so one rounding.  Continuous at 0, no kink.
    derivative=lambda xp, x, p: (2.0 * p["scale"]) * xp.maximum(x, 0.0),
    mp=lambda mp, x, p: mp.mpf(p["scale"]) * max(x, mp.mpf(0)) ** 2 + mp.mpf(p["bias"]),
    mp_derivative=lambda mp, x, p: 2 * mp.mpf(p["scale"]) * max(x, mp.mpf(0)),
    details="In MetaFormer, s and b are learnable scalars; these defaults make the output "
    "zero-mean and unit-variance for a standard normal input.  Monotonic for s >= 0.",
    differences="Not in Keras, PyTorch or JAX as a function.",
    examples=""">>> import actfn
>>> actfn.star_relu([-1.0, 0.0, 1.0])
array([-0.4472, -0.4472,  0.4472])""",
)


# ---------------------------------------------------------------------------- snake

_ALPHA_POS = ArrayParam(positive=True)


def _snake_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    a = _ALPHA_POS.broadcast("snake", "alpha", xp, x, p["alpha"])
    # x + sin^2(a x)/a.  Infinite x: sin(inf) is NaN, so x itself is returned.
    finite = xp.isfinite(x)
    xs = xp.where(finite, x, xp.zeros_like(x))
    t = a * xs
    # Where a x overflows (|x| > max/a), sin^2(a x)/a <= 1/a < |x| 2^-1024 is below
    # half an ULP of x: the result is x.
    small = xp.isfinite(t)
    # x itself also at +-0: f(x) = x + a x^2 + ... keeps the sign of the zero.
    keep = ~(finite & small) | (x == 0.0)
    if x.dtype != xp.float64:
        # (float32 without float64, e.g. on MPS: the plain formula.)
        s = xp.sin(xp.where(small, t, xp.zeros_like(t)))
        return xp.where(keep, x, xs + (s * s) / a)
    return xp.where(keep, x, _snake_f64(xp, xs, a, t, small))


def _snake_f64(xp: Any, x: Any, a: Any, t: Any, small: Any) -> Any:
    """x + sin^2(a x)/a for finite float64 x (t = fl(a x), small: t finite).

    The error argument.  For x < 0 the sum cancels, at most by the factor
    max |t| / |t + sin^2 t| ~ 3.6 (t = a x ~ -1.17), so sin^2 t must be known to
    well below an ULP of 1/2.  Three error sources are removed:

    - the rounding of t = a x (worth up to |x| 2^-53, 1 ULP of f at every
      size): t = th + tl exactly (dd_prod), u = 2t = uh + ul, and sin/cos(uh + ul)
      = sin/cos(uh) -/+ ul cos/sin(uh) to first order.  |ul| <= ulp(t), so the
      second-order term ul^2/2 is below ulp(t)/8 for |t| < 2^53; above, any
      sin^2 in [0, 1] is within half an ULP of t, and no correction is made.
    - the square of a rounded sin (twice its error) where sin^2 t >= 0.04 (cos u
      <= 0.92): there sin^2 t = (1 - cos u)/2, and cos u from libm is within
      2^-54 absolute, so the sum t + (1 - cos u)/2 carries 2^-55: 1/2 ULP at the
      worst cancellation (|f a| ~ 0.16..0.27).  The sum is formed exactly
      (TwoSum) from parts that are exact themselves: 1 - cos u is exact for
      cos u >= 1/2 (Sterbenz); below, sin^2 t > 1/4 keeps |t| > 1/2, and for
      t < 0 the sum is (t + 1/2) - (cos u)/2 with t + 1/2 exact (|t| < 2^52);
      for t >= 0 nothing cancels and 1 - cos u is rounded (2^-53 of f a).
      Then (f a)/a in double-double, rounded once.
    - where sin^2 t < 0.04 (t within 0.2 of a multiple of pi), 1 - cos u would
      cancel; sin^2 t = sin^2 u / (2 (1 + cos u)) has a relative error of a few
      2^-53, and it is at most 1/4 of |f a| there (|t + sin^2 t| >= 0.16 where
      sin^2 t = 0.04): under 1 ULP; x + that/a is rounded once.

    Altogether about 1.5 ULP at worst, 0.5 ULP plus the final rounding usually.
    For |t| >= 2^60, sin^2(t)/a <= 1/a <= |x| 2^-60 is below 2^-7 ULP of x: the
    result is x (and u = 2t, which may overflow, is not formed there).
    """
    huge = ~small | (xp.abs(t) >= 2.0**60)
    x0 = x
    # A power of two (alpha = 1, the default): a x and the division by a are exact.
    pow2 = isinstance(a, float) and math.frexp(a)[0] == 0.5
    av = a * xp.ones_like(x)
    if not pow2:
        # alpha >= 2^900 would overflow the splits of dd_prod and dd_div: f(x; a) =
        # 2^-200 f(2^200 x; 2^-200 a), both scalings exact (|x| < 2^60 / a where t is
        # not huge), and the final one rounds only where the result is subnormal.
        one = xp.ones_like(av)
        scale = xp.where(av >= 2.0**900, 2.0**-200 * one, one)
        av = av * scale
        x = xp.where(huge, xp.zeros_like(x), x / scale)
    if pow2:
        th, tl = xp.where(huge, xp.zeros_like(t), t), xp.zeros_like(t)
    else:
        # dd_prod splits its arguments (needs |a|, |x| < 2^996).
        ok = ~huge & (xp.abs(x) < 2.0**900) & (av < 2.0**900)
        th, tl = nm.dd_prod(
            xp, xp.where(ok, av, xp.ones_like(av)), xp.where(ok, x, xp.zeros_like(x))
        )
        th = xp.where(ok, th, xp.where(huge, xp.zeros_like(t), t))
        tl = xp.where(ok, tl, xp.zeros_like(tl))
    uh = 2.0 * th
    ul = xp.where(xp.abs(uh) < 2.0**53, 2.0 * tl, xp.zeros_like(tl))
    su, cu = xp.sin(uh), xp.cos(uh)
    # Near a multiple of pi: x + sin^2/a, sin^2 t = sin^2 u / (2 (1 + cos u)).
    sn = su + cu * ul
    cn = cu - su * ul
    near = x + ((sn * sn) / (2.0 * (1.0 + cn))) / av
    # Elsewhere: (t + (1 - cos u)/2)/a as a double-double.
    exact_one_minus = (cu >= 0.5) | (th >= 0.0) | (xp.abs(th) >= 2.0**52)
    p1 = xp.where(exact_one_minus, th, th + 0.5)
    p2 = xp.where(exact_one_minus, 0.5 * (1.0 - cu), -0.5 * cu)
    gh, gl = nm.two_sum(xp, p1, p2)
    # (cos(uh + ul) = cu - su ul: the -cos u/2 term gains su ul/2.)
    gh, gl = nm.fast_two_sum(xp, gh, gl + (tl + 0.5 * su * ul))
    far = (gh + gl) / av
    if not pow2:
        # (dd_div splits the quotient: where it is beyond 2^900 (a tiny, x huge),
        # the plain quotient, whose f a is then far from any cancellation.)
        fine = xp.abs(far) < 2.0**900
        zero = xp.zeros_like(gh)
        exact = nm.dd_div(xp, xp.where(fine, gh, zero), xp.where(fine, gl, zero), av)[0]
        far = xp.where(fine, exact, far)
        return xp.where(huge, x0, xp.where(cu > 0.92, near, far) * scale)
    return xp.where(huge, x0, xp.where(cu > 0.92, near, far))


def _snake_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    a = _ALPHA_POS.broadcast("snake", "alpha", xp, x, p["alpha"])
    # 1 + sin(u), u = 2 a x.  Where sin(u) >= 0 the sum has no cancellation.  Where
    # sin(u) < 0 it is written cos^2(u) / (1 - sin(u)) (as (1 + s)(1 - s) = c^2):
    # near the zeros of the derivative (sin u = -1) cos(u) is small but accurate
    # to 1 ULP relative (libm reduces u exactly), the denominator is near 2, so
    # the result keeps a few ULP there, where (sin ax + cos ax)^2 or 1 + sin(u)
    # lose all digits.  u is exact when 2a is a power of two (a = 1, the default);
    # otherwise u = hi + lo (Dekker's product, float64) and sin/cos(hi + lo) are
    # formed by the angle-addition formulas, which carry 2^-53 absolute: a few ULP
    # while lo is tiny (|a x| < 2^20).  Beyond, and wherever 2 a x overflows, a
    # scalar alpha in float64 takes _snake_far_derivative (an exact reduction of
    # a x / pi).  The derivative has no limit at +-inf: there it is taken at the
    # largest finite floats (the project's convention).  It is NaN where a x
    # overflows only for an array alpha or without float64.
    # (The largest float of x's dtype: float64's would overflow casting to float32.)
    big = float(xp.finfo(x.dtype).max)
    xc = xp.clip(x, -big, big)
    two_a = 2.0 * a
    exact = isinstance(two_a, float) and math.frexp(two_a)[0] == 0.5
    u = two_a * xc
    # (sin and cos of a finite argument only: where u overflows, see below.)
    uf = xp.where(xp.isfinite(u), u, xp.zeros_like(u))
    if exact or x.dtype != xp.float64:
        s, c = xp.sin(uf), xp.cos(uf)
    else:
        # Dekker's splitting needs |x| 2^27 finite: x above 2^960 is scaled down by
        # 2^64 first and hi, lo scaled back (exact, powers of two).
        huge = xp.abs(xc) >= 2.0**960
        xs = xp.where(huge, xc * 2.0**-64, xc)
        hi, lo = _two_prod(xp, two_a * xp.ones_like(xs), xs)
        hi = xp.where(huge, hi * 2.0**64, hi)
        lo = xp.where(huge, lo * 2.0**64, lo)
        ok = xp.isfinite(hi) & xp.isfinite(lo)
        hi = xp.where(ok, hi, xp.zeros_like(hi))
        lo = xp.where(ok, lo, xp.zeros_like(lo))
        sh, ch = xp.sin(hi), xp.cos(hi)
        sl, cl = xp.sin(lo), xp.cos(lo)
        s = xp.where(ok, sh * cl + ch * sl, xp.sin(uf))
        c = xp.where(ok, ch * cl - sh * sl, xp.cos(uf))
    neg = s < 0.0
    d = xp.where(neg, (c * c) / (1.0 - xp.where(neg, s, xp.zeros_like(s))), 1.0 + s)
    # Where 2 a x overflows but a x does not (the top binade): (sin ax + cos ax)^2.
    t = a * xc
    top = xp.isinf(u) & xp.isfinite(t)
    tt = xp.where(top, t, xp.zeros_like(t))
    b = xp.sin(tt) + xp.cos(tt)
    d = xp.where(top, b * b, d)
    undefined = xp.isinf(t)
    if isinstance(a, float) and x.dtype == xp.float64:
        # Large |a x|, a x overflowing included: 2 sin^2(pi w) with w = a x/pi + 1/4
        # reduced exactly (_snake_far_derivative).  (Checked for on NumPy only: a
        # Python branch on the data would stop jax.jit.)
        # (Every x for a >= 2^900, whose Dekker splitting above would overflow.)
        far = ~xp.isnan(xc) & (undefined | (xp.abs(t) >= (0.0 if a >= 2.0**900 else 2.0**20)))
        if not array_api_compat.is_numpy_namespace(xp) or bool(xp.any(far)):
            d = xp.where(far, _snake_far_derivative(xp, xc, a, far), d)
        undefined = undefined & ~far
    return xp.where(undefined, xp.full_like(d, math.nan), d)


# 1/pi to 2200 bits: floor(2^2200 / pi) in hexadecimal (computed with mpmath at
# 2400 bits; the leading digits are the well-known 0x0.517cc1b727220a94fe13...).
# a/pi from it is exact to a 2^-2200, so x a/pi to 2^(2048 - 2200) for any float
# a and x.
_INV_PI_BITS = 2200
_INV_PI = int(
    "517cc1b727220a94fe13abe8fa9a6ee06db14acc9e21c820ff28b1d5ef5de2b0db92371d2126e970"
    "0324977504e8c90e7f0ef58e5894d39f74411afa975da24274ce38135a2fbf209cc8eb1cc1a99cfa"
    "4e422fc5defc941d8ffc4bffef02cc07f79788c5ad05368fb69b3f6793e584dba7a31fb34f2ff516"
    "ba93dd63f5f2f8bd9e839cfbc529497535fdafd88fc6ae842b0198237e3db5d5f867de104d7a1b0e"
    "d4f1c8b0af730d8432ccc2af8a50342046ffec4026b9939883030aab6539d464b0713de04635a3e2"
    "0ce1b3e6ee74049541ace23b45cb0e536ed7a268ab8c829f52ff83829fbf19f419616f27cc193edd"
    "e19e9377b58f2f7c4f9d0f9ae5793f8ec3f890c83e3e12357d376abb9698219d8ae30a",
    16,
)
_PI_HI, _PI_LO = 3.141592653589793, 1.2246467991473532e-16  # pi = hi + lo
_CHUNK = 26  # bits per chunk of a/pi: a chunk times a half of x is exact
_N_CHUNKS = 8  # chunks kept per x: what they leave out is below 2^-128
_BIG_X = 2.0**512  # above, x is scaled by 2^-600 (and the chunks by 2^600)


def _snake_turns(a: float) -> tuple[list[float], list[float], int]:
    """The chunks of K = a/pi: K = sum_j c_j 2^(B - 26 (j + 1)) with integers
    0 <= c_j < 2^26 (exact to 2^-2200 a), as floats k_j = c_j 2^(B - 26 (j + 1)),
    and the same times 2^600 (for x above 2^512, where the late chunks would be
    subnormal); and B."""
    num, den = a.as_integer_ratio()  # den is a power of two
    big = (num * _INV_PI) >> (den.bit_length() - 1)  # K 2^2200, floored
    nb = big.bit_length()
    b = nb - _INV_PI_BITS
    plain: list[float] = []
    scaled: list[float] = []
    for j in range(nb // _CHUNK + _N_CHUNKS + 1):
        shift = nb - _CHUNK * (j + 1)
        c = (big >> shift) & ((1 << _CHUNK) - 1) if shift >= 0 else 0
        plain.append(math.ldexp(c, b - _CHUNK * (j + 1)))
        # (A chunk that would overflow scaled is one that x >= 2^512 drops.)
        scaled.append(math.ldexp(c, b - _CHUNK * (j + 1) + 600) if b - 26 * j < 420 else 0.0)
    return plain, scaled, b


def _snake_far_derivative(xp: Any, x: Any, a: float, far: Any) -> Any:
    """1 + sin(2 a x) = 2 sin^2(pi w), w = a x / pi + 1/4 reduced mod 1, for finite
    float64 x where far (elsewhere the result is not used).

    1 + sin u near its zeros needs u mod 2 pi to far better than 2^-53 absolute;
    libm reduces one float exactly, but 2 a x is one float only when a is a power
    of two and 2 a x does not overflow.  So w is reduced here as libm does it
    (Payne & Hanek): with x = m 2^(e-52) and K = a/pi cut into 26-bit chunks k_j,
    each product xh k_j, xl k_j (x = xh + xl, halves of 26 bits) is exact; those
    that are multiples of 1 (26 (j + 1) <= e - 52 + B) are dropped, the next 8
    chunks are kept (what follows is below 2^-128), each product is reduced to
    its fraction exactly (p - round(p)), and the 16 fractions plus 1/4 are summed
    exactly (split_sum, 2^-139).  Then pi w in double-double, s = sin of it (libm,
    plus the first-order correction of the low part), and 2 s^2 with s^2 exact:
    about 1.5 ULP, including where the derivative is tiny.
    """
    plain, scaled, b = _snake_turns(a)
    dev = array_api_compat.device(x)
    ax = xp.abs(x)
    big = ax >= _BIG_X
    xs = xp.where(far, xp.where(big, x * 2.0**-600, x), xp.ones_like(x))
    # e_lo <= the exponent of x (floor(log2) is within 1 of it; one below to be safe).
    e = xp.floor(xp.log2(xp.abs(xs))) - 1.0
    e = xp.where(big, e + 600.0, e)
    i0 = xp.astype(xp.clip(xp.floor((e - 52.0 + b) / _CHUNK), 0.0, None), xp.int64)
    plain_t = xp.asarray(plain, dtype=x.dtype, device=dev)
    scaled_t = xp.asarray(scaled, dtype=x.dtype, device=dev)
    xh, xl = nm.halves(xp, xs)
    terms = []
    for j in range(_N_CHUNKS):
        # (take of a flat index: dask has no take_along_axis.)
        idx = xp.reshape(i0 + j, (-1,))
        k_plain = xp.reshape(xp.take(plain_t, idx, axis=0), x.shape)
        k_scaled = xp.reshape(xp.take(scaled_t, idx, axis=0), x.shape)
        k = xp.where(big, k_scaled, k_plain)
        for half in (xh, xl):
            prod = half * k
            terms.append(prod - xp.round(prod))
    wh, wl = nm.split_sum(xp, xp.stack(terms, axis=-1), 0, 0.25)
    wh, wl = wh[..., 0], wl[..., 0]
    wh, wl = nm.fast_two_sum(xp, wh - xp.round(wh), wl)
    yh, yl = nm.dd_mul(xp, wh, wl, _PI_HI * xp.ones_like(wh), _PI_LO * xp.ones_like(wh))
    sn = xp.sin(yh) + xp.cos(yh) * yl
    p, err = nm.dd_prod(xp, sn, sn)
    return 2.0 * (p + err)


def _snake_mp(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    a = mp.mpf(float(p["alpha"]))
    return x + mp.sin(a * x) ** 2 / a


SNAKE = Spec(
    name="snake",
    family="periodic",
    summary="Snake: x + sin^2(alpha x) / alpha, a monotonic activation with a periodic "
    "bias (BigVGAN).",
    formula=r"f(x) = x + \frac{\sin^{2}(\alpha x)}{\alpha}",
    params=(
        Param(
            "alpha", 1.0, _ALPHA_POS, "Frequency α > 0: a number, or an array broadcast against x."
        ),
    ),
    properties=Properties((-math.inf, math.inf), "(-inf, inf)", True, "C-inf", False),
    references=SNAKE_PAPERS,
    value=_snake_value,
    derivative=_snake_derivative,
    mp=_snake_mp,
    mp_derivative=lambda mp, x, p: 1 + mp.sin(2 * mp.mpf(float(p["alpha"])) * x),
    equivalents={},
    details="Its derivative 1 + sin(2αx) is >= 0, so snake is monotonic for every α > 0.  "
    "For channels-first audio (N, C, T) give alpha shape (C, 1); derivative and vjp are "
    "with respect to x.",
    differences="Not in Keras, PyTorch or JAX.  BigVGAN adds 1e-9 to α in the division and "
    "may parametrize α on a log scale; actfn uses α as given (α > 0 is required).",
    examples=""">>> import actfn, numpy as np
>>> actfn.snake([-1.0, 0.0, 1.0])
array([-0.29192658,  0.        ,  1.70807342])
>>> actfn.snake(np.ones((2, 2)), alpha=np.array([[1.0], [2.0]]))
array([[1.70807342, 1.70807342],
       [1.41341091, 1.41341091]])""",
)


# ------------------------------------------------------------------------- entmax15


def _entmax_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    import array_api_compat

    (a,) = _axes("entmax15", "axis", p["axis"], x.ndim)
    xm = to_last(xp, x, a)
    n = xm.shape[-1]
    m = xp.max(xm, axis=-1, keepdims=True)
    inf = xp.isinf(m)
    zero = xp.zeros_like(m)
    # z = (x - shift)/2.  The support lies in x > m - 2 (the top entry alone gives
    # tau >= max z - 1).  Shifting by m for |m| >= 4 makes x - m exact there
    # (Sterbenz); for |m| < 4 x itself is exact.  Either way z is exact on the
    # support (halving is exact above the subnormals) and |z| < 3 there.  Entries
    # below max z - 1 are outside the support, so clipping them at max z - 2
    # leaves the result unchanged and keeps -inf out of the sums.
    shift = xp.where(inf | (xp.abs(m) < 4.0), zero, m)
    z = 0.5 * (xp.where(inf, xp.zeros_like(xm), xm) - shift)
    zmax = 0.5 * (xp.where(inf, zero, m) - shift)
    z = xp.maximum(z, zmax - 2.0)
    # Peters, Niculae & Martins (2019), Algorithm 2 (exact, sort-based): for the
    # top-k entries, tau_k solves sum (z_i - tau)^2 = 1, i.e.
    # tau_k = mean_k - sqrt((1 - ss_k)/k) with ss_k = sum (z_i - mean_k)^2; the
    # support size is the number of k with tau_k <= z_(k).
    zs = xp.flip(xp.sort(z, axis=-1), axis=-1)
    k = xp.astype(xp.arange(1, n + 1, device=array_api_compat.device(x)), x.dtype)
    mean = xp.cumulative_sum(zs, axis=-1) / k
    mean_sq = xp.cumulative_sum(zs * zs, axis=-1) / k
    ss = k * xp.maximum(mean_sq - mean * mean, 0.0)
    delta = (1.0 - ss) / k
    tau_k = mean - xp.sqrt(xp.maximum(delta, 0.0))
    support = tau_k <= zs
    ksize = xp.sum(xp.astype(support, x.dtype), axis=-1, keepdims=True)
    if x.dtype == xp.float64:
        r = _entmax_dd(xp, z, zs, k, ksize)
    else:
        tau = xp.sum(xp.where(k == ksize, tau_k, xp.zeros_like(tau_k)), axis=-1, keepdims=True)
        r = xp.maximum(z - tau, 0.0)
        r = r * r
    # NaN anywhere in the row: NaN for the whole row.
    r = xp.where(xp.isnan(m), xp.full_like(r, math.nan), r)
    # Infinite maximum: the entries equal to it share the mass equally.
    eq = xp.astype(xm == m, x.dtype)
    r = xp.where(inf, eq / xp.sum(eq, axis=-1, keepdims=True), r)
    return from_last(xp, r, a)


def _entmax_dd(xp: Any, z: Any, zs: Any, k: Any, ksize: Any) -> Any:
    """(z - tau)_+^2 with tau in double-double, for float64 z (rows along the last
    axis, z exact and |z| < 3 on the support; zs sorted descending; ksize the
    support size from the rounded test).

    An output (z_i - tau)^2 near 0 carries tau's absolute error relative to
    z_i - tau, so tau is formed to about 2^-100: for the k entries of a support S,
    tau = S1/k - sqrt(D), D = (1 - (S2 - S1^2/k))/k, with S1 = sum z and S2 = sum
    z^2 summed exactly (split_sum; z^2 = p + e by dd_prod) and the rest in
    double-double.  On the true support sum (z_i - tau) >= 1 (the terms are >= 0
    with squares summing to 1), so sqrt(D) = mean - tau >= 1/k: D's absolute error
    (2^-104 of S2 <= 9k) costs tau at most k/2 times that.  z_i - tau is then
    formed by TwoSum and squared as a double-double: within 1/2 ULP plus about
    2^-100 absolute before the square.  As for sparsemax, one exact re-test
    z > tau_S corrects a support S that is off by an entry within rounding of
    tau (adding an entry j with z_j > tau_S raises tau, but not above z_j).
    """
    one = xp.ones_like(ksize)
    kth = xp.sum(xp.where(k == ksize, zs, xp.zeros_like(zs)), axis=-1, keepdims=True)
    inside = z >= kth
    for _ in range(2):
        cnt = xp.sum(xp.astype(inside, z.dtype), axis=-1, keepdims=True)
        cnt = xp.where(cnt > 0, cnt, one)
        v = xp.where(inside, z, xp.zeros_like(z))
        s1h, s1l = nm.split_sum(xp, v, 2)
        p, e = nm.dd_prod(xp, v, v)
        # S2 - 1 (the 1 inside the exact sum: XLA folds a TwoSum with a constant).
        s2h, s2l = nm.split_sum(xp, p, 4, -1.0)
        s2h, s2l = nm.fast_two_sum(xp, s2h, s2l + xp.sum(e, axis=-1, keepdims=True))
        qh, ql = nm.dd_mul(xp, s1h, s1l, s1h, s1l)
        qh, ql = nm.dd_div(xp, qh, ql, cnt)
        dh, dl = nm.dd_add(xp, qh, ql, -s2h, -s2l)
        dh, dl = nm.dd_div(xp, dh, dl, cnt)
        sh, sl = nm.dd_sqrt(xp, dh, dl)
        mh, ml = nm.dd_div(xp, s1h, s1l, cnt)
        th, tl = nm.dd_add(xp, mh, ml, -sh, -sl)
        rh, rl = nm.two_sum(xp, z, -th)
        rh, rl = nm.fast_two_sum(xp, rh, rl - tl)
        inside = rh > 0.0
    pos = rh > 0.0
    rh = xp.where(pos, rh, xp.zeros_like(rh))
    rl = xp.where(pos, rl, xp.zeros_like(rl))
    # (rh + rl)^2 = p + e + 2 rh rl (+ rl^2, below 2^-106 of it), rounded once.
    p, e = nm.dd_prod(xp, rh, rh)
    return p + (e + 2.0 * rh * rl)


def _entmax_vjp(xp: Any, x: Any, g: Any, p: dict[str, Any]) -> Any:
    (a,) = _axes("entmax15", "axis", p["axis"], x.ndim)
    y = _entmax_value(xp, x, p)
    # y_i = (z_i - tau)^2 on the support, z = x/2: with s = sqrt(y) the Jacobian is
    # diag(s) - s s^T / sum(s) (differentiate sum y = 1 for dtau).
    s = xp.sqrt(y)
    q = xp.sum(g * s, axis=a, keepdims=True) / xp.sum(s, axis=a, keepdims=True)
    return s * (g - q)


def _entmax_mp(mp: Any, row: list[Any], p: dict[str, Any]) -> list[Any]:
    # Shifted by the maximum (tau moves with it), so that the sums compare numbers
    # near 1 whatever the size of x.
    top = max(row)
    z = [(v - top) / 2 for v in row]
    zs = sorted(z, reverse=True)
    tau = None
    for k in range(1, len(zs) + 1):
        top = zs[:k]
        mean = mp.fsum(top) / k
        ss = mp.fsum((v - mean) ** 2 for v in top)
        delta = (1 - ss) / k
        if delta < 0:
            break
        t = mean - mp.sqrt(delta)
        if t <= zs[k - 1]:
            tau = t
    assert tau is not None
    return [max(v - tau, mp.mpf(0)) ** 2 for v in z]


ENTMAX15 = Spec(
    name="entmax15",
    family="normalizing",
    kind="normalizing",
    summary="1.5-entmax: a sparse softmax between softmax and sparsemax.",
    formula=(r"f(x)_i = \Big[\frac{x_i}{2} - \tau(x)\Big]_{+}^{2}, \quad \sum_i f(x)_i = 1"),
    params=(Param("axis", -1, Axis(), "Axis along which the function acts."),),
    properties=Properties((0.0, 1.0), "[0, 1], sums to 1", True, "C1", False),
    references=(ENTMAX_PAPER,),
    value=_entmax_value,
    vjp=_entmax_vjp,
    mp=_entmax_mp,
    equivalents={},
    details="The α = 1.5 case of α-entmax, argmax over the simplex of p·x plus the "
    "Tsallis 1.5-entropy.  tau is found exactly by sorting (Peters et al. 2019, "
    "Algorithm 2).  The vjp uses the Jacobian diag(s) - s s^T/sum(s) with s = sqrt(f(x)).  "
    "A temperature t is entmax15(x / t).  " + INF_RULE.replace("probability 0", "0"),
    differences="Not in Keras, PyTorch or JAX (the entmax package provides it for PyTorch).",
    examples=""">>> import actfn
>>> actfn.entmax15([0.0, 0.0])
array([0.5, 0.5])
>>> actfn.entmax15([3.0, 1.0, -2.0])
array([1., 0., 0.])
>>> actfn.entmax15([1.0, 0.5, 0.0]).round(6)
array([0.624198, 0.291667, 0.084136])""",
)

SPECS = (RELU_SQUARED, STAR_RELU, SNAKE, ENTMAX15)
