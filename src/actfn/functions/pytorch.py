"""Activations from PyTorch beyond Keras: softmin, prelu, rrelu and gumbel_softmax."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from .. import _numerics as nm
from .._activation import (
    REQUIRED,
    ArrayParam,
    Axis,
    Boolean,
    Param,
    Properties,
    Real,
    Reference,
    Seed,
    Spec,
    normalize_axes,
)
from .._engine import BLOCK
from .normalizing import BRIDLE, SOFTMAX, _sum_last

PRELU_PAPER = Reference(
    "He, Zhang, Ren & Sun (2015), Delving Deep into Rectifiers: Surpassing Human-Level "
    "Performance on ImageNet Classification, ICCV",
    "https://arxiv.org/abs/1502.01852",
)
RRELU_PAPER = Reference(
    "Xu, Wang, Chen & Li (2015), Empirical Evaluation of Rectified Activations in "
    "Convolutional Network",
    "https://arxiv.org/abs/1505.00853",
)
GUMBEL_PAPERS = (
    Reference(
        "Jang, Gu & Poole (2017), Categorical Reparameterization with Gumbel-Softmax, ICLR",
        "https://arxiv.org/abs/1611.01144",
    ),
    Reference(
        "Maddison, Mnih & Teh (2017), The Concrete Distribution: A Continuous Relaxation "
        "of Discrete Random Variables, ICLR",
        "https://arxiv.org/abs/1611.00712",
    ),
)

_RNG_DOC = "Randomness: None (fresh), an int seed (same draws each call) or a Generator."
_RNG_TEXT = (
    "rng=None draws fresh noise at every call; an int seed gives the same draws at every "
    "call (so value and vjp see the same noise); a numpy.random.Generator is advanced "
    "by each call."
)


def _to_xp(xp: Any, like: Any, a: np.ndarray[Any, Any]) -> Any:
    """A NumPy float64 array moved to x's library, dtype and device."""
    if xp is np:
        return a.astype(like.dtype, copy=False)
    import array_api_compat

    return xp.asarray(a, dtype=like.dtype, device=array_api_compat.device(like))


def _leaky(xp: Any, x: Any, a: Any) -> Any:
    # x for x >= 0, a x below: one rounding (none for x >= 0), for any slope a.
    # A zero slope gives 0 * x (-0 for x < 0, NaN for NaN) except at -inf, where
    # 0 * -inf would be NaN: -0 there.
    if isinstance(a, float):
        below = a * x if a != 0.0 else xp.where(xp.isinf(x), -xp.zeros_like(x), 0.0 * x)
    else:
        below = xp.where((a == 0.0) & xp.isinf(x), -xp.zeros_like(x), a * x)
    # Selected by the sign bit: -0 takes a * -0 (the sign of f just left of 0,
    # +0 for a < 0), +0 stays +0; NaN is NaN either way.
    return xp.where(xp.signbit(x), below, x)


def _leaky_derivative(xp: Any, x: Any, a: Any) -> Any:
    """1 above 0, a below, and at 0 the kink rule min_norm(a, 1) for each slope a."""
    one = xp.ones_like(x)
    d = xp.where(x > 0.0, one, a * one)
    # min_norm(a, 1): 0 for a <= 0, a for 0 < a <= 1, 1 for a > 1 (elementwise).
    at0 = xp.clip(a * one, 0.0, 1.0)
    return xp.where(x == 0.0, at0, d)


# -------------------------------------------------------------------------- softmin


def _softmin_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    return SOFTMAX.value(xp, -x, {"axis": p["axis"], "where": None})


def _softmin_vjp(xp: Any, x: Any, g: Any, p: dict[str, Any]) -> Any:
    # d softmin(x) = -J_softmax(-x): the softmax vjp at -x, negated.
    assert SOFTMAX.vjp is not None
    return -SOFTMAX.vjp(xp, -x, g, {"axis": p["axis"], "where": None})


def _softmin_mp(mp: Any, row: list[Any], p: dict[str, Any]) -> list[Any]:
    m = min(row)
    e = [mp.exp(m - v) for v in row]
    s = mp.fsum(e)
    return [v / s for v in e]


SOFTMIN = Spec(
    name="softmin",
    family="normalizing",
    kind="normalizing",
    summary="Softmax of -x: exp(-x) / sum(exp(-x)) along an axis.",
    formula=r"f(x)_i = \frac{e^{-x_i}}{\sum_{j} e^{-x_j}}",
    params=(
        Param(
            "axis",
            -1,
            Axis(multiple=True),
            "Axis or axes along which to normalize; None for all axes.",
        ),
    ),
    properties=Properties((0.0, 1.0), "[0, 1], sums to 1", False, "C-inf", False),
    references=(BRIDLE,),
    value=_softmin_value,
    vjp=_softmin_vjp,
    mp=_softmin_mp,
    equivalents={"torch": "torch.nn.functional.softmin"},
    details="softmin(x) = softmax(-x), computed by softmax on -x (negation is exact), "
    "so it has softmax's stability and its rule for infinities with the signs "
    "swapped: +inf entries get 0, -inf entries share the mass, a row of all +inf "
    "gives the uniform distribution.  A temperature t is softmin(x / t).",
    differences="PyTorch's softmin takes one dim; actfn also takes a tuple of axes or "
    "None, like softmax.",
    examples=""">>> import actfn
>>> actfn.softmin([1.0, 2.0, 3.0])
array([0.66524096, 0.24472847, 0.09003057])""",
)


# ---------------------------------------------------------------------------- prelu

_ALPHA_ANY = ArrayParam()


def _prelu_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    a = _ALPHA_ANY.broadcast("prelu", "alpha", xp, x, p["alpha"])
    return _leaky(xp, x, a)


def _prelu_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    a = _ALPHA_ANY.broadcast("prelu", "alpha", xp, x, p["alpha"])
    return _leaky_derivative(xp, x, a)


PRELU = Spec(
    name="prelu",
    sample_params={"alpha": 0.25},  # PyTorch's initial slope
    family="rectifiers",
    summary="Parametric rectified linear unit: x for x >= 0, alpha * x below, with "
    "alpha an array (one slope per channel).",
    formula=r"f(x) = \begin{cases} x & x \ge 0 \\ \alpha\,x & x < 0 \end{cases}",
    params=(
        Param(
            "alpha",
            REQUIRED,
            _ALPHA_ANY,
            "Slope α below 0: a number, or an array broadcast against x.",
        ),
    ),
    properties=Properties((-math.inf, math.inf), "(-inf, inf)", True, "C0", False),
    references=(PRELU_PAPER,),
    value=_prelu_value,
    derivative=_prelu_derivative,
    mp=lambda mp, x, p: x if x >= 0 else mp.mpf(float(p["alpha"])) * x,
    mp_derivative=lambda mp, x, p: mp.mpf(1) if x > 0 else mp.mpf(float(p["alpha"])),
    kinks=lambda p: (0.0,),
    equivalents={"keras": "keras.layers.PReLU", "torch": "torch.nn.functional.prelu"},
    details="alpha broadcasts against x with NumPy's rules and must broadcast to x's "
    "shape: for channels-last inputs (N, ..., C) give shape (C,); for channels-first "
    "(N, C, H, W) give shape (C, 1, 1).  derivative and vjp are with respect to x.  "
    "Monotonic for alpha >= 0 (the properties are for alpha = 0.25).",
    differences="PyTorch's prelu(input, weight) applies a 1-D weight along dim 1 "
    "(channels first); actfn follows NumPy broadcasting (reshape the weight to (C, 1, 1) "
    "for NCHW).  Keras's PReLU is a layer holding alpha as a weight.",
    examples=""">>> import actfn, numpy as np
>>> actfn.prelu([-2.0, 0.0, 3.0], alpha=0.25)
array([-0.5,  0. ,  3. ])
>>> x = -np.ones((2, 3))
>>> actfn.prelu(x, alpha=[0.1, 0.2, 0.3])
array([[-0.1, -0.2, -0.3],
       [-0.1, -0.2, -0.3]])
>>> actfn.prelu.derivative(x, alpha=[0.1, 0.2, 0.3])
array([[0.1, 0.2, 0.3],
       [0.1, 0.2, 0.3]])""",
)


# ---------------------------------------------------------------------------- rrelu


def _rrelu_check(fname: str, p: dict[str, Any]) -> None:
    if p["lower"] > p["upper"]:
        raise ValueError(f"{fname}: lower={p['lower']!r} must not exceed upper={p['upper']!r}")


def _rrelu_slopes(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    """The slope of each element: uniform draws in training, (lower + upper)/2 otherwise."""
    lo, hi = p["lower"], p["upper"]
    if not p["training"]:
        mid = 0.5 * (lo + hi)
        return mid if math.isfinite(mid) else 0.5 * lo + 0.5 * hi  # lo + hi overflowed
    gen = Seed.generator(p["rng"])
    draws = gen.uniform(lo, hi, size=tuple(x.shape))
    return _to_xp(xp, x, np.asarray(draws, dtype=np.float64))


def _rrelu_mp(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    if p["training"]:
        raise ValueError("rrelu: the mpmath reference is for training=False (fixed slope)")
    a = (mp.mpf(p["lower"]) + mp.mpf(p["upper"])) / 2
    return x if x >= 0 else a * x


RRELU = Spec(
    name="rrelu",
    family="rectifiers",
    summary="Randomized leaky ReLU: a random slope per element in training, the mean "
    "slope otherwise.",
    formula=(
        r"f(x) = \begin{cases} x & x \ge 0 \\ a\,x & x < 0 \end{cases},\quad"
        r" a \sim U(l, u) \text{ (training)},\ a = \frac{l + u}{2} \text{ (otherwise)}"
    ),
    params=(
        Param("lower", 1.0 / 8.0, Real(), "Lower bound l of the slope."),
        Param("upper", 1.0 / 3.0, Real(), "Upper bound u of the slope, u >= l."),
        Param(
            "training",
            False,
            Boolean(),
            "If True, a random slope per element; if False, (lower + upper)/2.",
            keyword_only=True,
        ),
        Param("rng", None, Seed(), _RNG_DOC, keyword_only=True),
    ),
    properties=Properties((-math.inf, math.inf), "(-inf, inf)", True, "C0", False),
    references=(RRELU_PAPER,),
    value=lambda xp, x, p: _leaky(xp, x, _rrelu_slopes(xp, x, p)),
    derivative=lambda xp, x, p: _leaky_derivative(xp, x, _rrelu_slopes(xp, x, p)),
    mp=_rrelu_mp,
    mp_derivative=lambda mp, x, p: (
        mp.mpf(1) if x > 0 else (mp.mpf(p["lower"]) + mp.mpf(p["upper"])) / 2
    ),
    kinks=lambda p: (0.0,),
    check=_rrelu_check,
    blockwise=lambda p: not p["training"],
    equivalents={"torch": "torch.nn.functional.rrelu"},
    derivative_note="In training mode the derivative uses the slopes drawn from rng: "
    "pass the same int seed to the value and the derivative (or vjp) to get the "
    "slopes of that forward pass.",
    details=_RNG_TEXT + "  Slopes are drawn in float64 with NumPy's Generator.uniform, one per "
    "element of x, then moved to x's library and device.",
    differences="PyTorch draws slopes from its own generator, so its training-mode values "
    "differ draw by draw; the evaluation-mode value is the same.  "
    + "training and rng are keyword-only, like PyTorch's training and generator.",
    examples=""">>> import actfn
>>> actfn.rrelu([-1.0, 2.0], lower=0.1, upper=0.3)
array([-0.2,  2. ])
>>> a = actfn.rrelu([-1.0, -1.0, -1.0], training=True, rng=7)
>>> bool(((-a >= 0.125) & (-a <= 1 / 3)).all())
True
>>> bool((a == actfn.rrelu([-1.0, -1.0, -1.0], training=True, rng=7)).all())
True""",
)


# ------------------------------------------------------------------- gumbel_softmax


_TAU_DD = 2.0**900  # two_prod(w, tau) is exact for 2^-900 <= tau, |w| < 2^900


def _capped(xp: Any, d: Any, tau: float) -> Any:
    """d <= 0 raised to -2^1000 tau where it is below: w = d / tau below -2^1000 has
    exp(w) = 0 either way, and the quotient then does not overflow (an overflow
    warning on some libraries)."""
    if tau >= 1.0:
        return d
    cap = xp.full_like(d, -(2.0**1000) * tau)
    return xp.where(d < cap, cap, d)


def _perturbed_softmax(xp: Any, x: Any, noise: Any, tau: float, axis: int) -> Any:
    """softmax((x + g) / tau) along ``axis``, with x + g carried exactly.

    Rounding x + g (or its quotient by tau) before the softmax, whose exp turns an
    absolute error d of the argument into a relative error d of the result, costs
    |x + g - max| / tau ULPs (477 at -566).  Here x + g = s + e exactly (TwoSum),
    s - m = dh + dl exactly for the row maximum m of s, and w = (x + g - c) / tau
    with c = m + (the largest e among the entries at m), so w <= 0 and the row's
    largest entry has w = 0, is split as w = wh + wl: wh = dh / tau rounded, wl =
    the exact remainder (dh - wh tau, from TwoProduct) plus the low parts, over
    tau.  exp(w) = exp(wh) (1 + wl) to within wl^2 / 2 (|wl| <= 2^-26 there, or
    exp(wh + wl) for the rare larger wl of an extreme tau), then a pairwise sum of
    positive terms and one quotient: a few ULPs of the exact Gumbel-softmax
    sample for the drawn g.  Rows whose maximum is infinite or NaN follow
    softmax's rules for their infinities and NaNs.
    """
    s, e = _perturbed_sum(xp, x, noise)
    neg = xp.full_like(x, -math.inf)
    m = xp.max(s, axis=axis, keepdims=True)
    ok = xp.isfinite(m)
    mz = xp.where(ok, m, xp.zeros_like(m))
    em = xp.max(xp.where(xp.isfinite(s) & (s == mz), e, neg), axis=axis, keepdims=True)
    em = xp.where(ok, em, xp.zeros_like(em))
    ex = _perturbed_exps(xp, s, e, mz, em, xp.isfinite(s) & ok, tau)
    # The sum as 1 + rest, as softmax does: the entries at the maximum contribute
    # exactly 1 each and the others are summed among themselves, so that the
    # rounding of the sum is relative to rest, not to the total.
    zero = xp.zeros_like(x)
    top = ex == 1.0
    count = xp.sum(xp.astype(top, ex.dtype), axis=axis, keepdims=True)
    rest = _sum_last(xp, xp.where(top, zero, ex), (axis,)) + (count - 1.0)
    y = ex / xp.where(ok, 1.0 + rest, xp.ones_like(rest))
    if xp is np and bool(np.all(ok)):
        return y
    return xp.where(ok, y, _limits(xp, s, axis))


def _limits(xp: Any, s: Any, axis: int) -> Any:
    """softmax's rules for a row with an infinite or NaN maximum: only its
    infinities and NaNs matter (dividing by tau > 0 changes none of them, and
    finite entries get 0 there whatever their value)."""
    zero = xp.zeros_like(s)
    return SOFTMAX.value(xp, xp.where(xp.isfinite(s), zero, s), {"axis": axis, "where": None})


def _perturbed_sum(xp: Any, x: Any, noise: Any) -> tuple[Any, Any]:
    """x + noise = s + e exactly (TwoSum) where x is finite; s = x + noise and
    e = 0 elsewhere (the TwoSum's inf - inf would be NaN)."""
    zero = xp.zeros_like(x)
    fin_x = xp.isfinite(x)
    s, e = nm.two_sum(xp, xp.where(fin_x, x, zero), noise)
    s = xp.where(fin_x, s, x + noise)
    return s, xp.where(xp.isfinite(s), e, zero)


def _perturbed_exps(xp: Any, s: Any, e: Any, mz: Any, em: Any, valid: Any, tau: float) -> Any:
    """exp(w), w = ((s - mz) + (e - em)) / tau <= 0, for the entries that are
    ``valid`` (finite s in a row with a finite maximum mz); 0 elsewhere."""
    zero = xp.zeros_like(s)
    neg = xp.full_like(s, -math.inf)
    # s - mz beyond the largest float (x near -max and +max in one row), found on
    # the halves (no overflow, and no warning): w = -inf, exp(w) = 0, unless tau > 1
    # brings w back into range (below).
    half = xp.where(valid, s, mz) * 0.5 - mz * 0.5
    over = valid & (half < -0.5 * float(xp.finfo(s.dtype).max))
    exact = valid & ~over
    dh, dl = nm.two_sum(xp, xp.where(exact, s, mz), -mz)
    dh = xp.where(exact, dh, neg)
    lo = xp.where(exact, dl + (e - em), zero)
    if 1.0 / _TAU_DD <= tau <= _TAU_DD:
        wh = _capped(xp, dh, tau) / tau
        # dh - p is exact (p is within 2 ULPs of dh), and so is (dh - p) - pe, the
        # remainder of the division dh / tau.
        # (|dh| >= 2^1020 would let wh * tau overflow; exp(w) = 0 there anyway.)
        small = exact & (xp.abs(wh) < _TAU_DD) & (xp.abs(dh) < 2.0**1020)
        whs = xp.where(small, wh, zero)
        prod, prod_lo = nm.two_prod(xp, whs, tau)
        wl = xp.where(small, (((xp.where(small, dh, zero) - prod) - prod_lo) + lo) / tau, zero)
    else:
        # An extreme tau: w rounded once (dh + lo <= 0).
        wh = _capped(xp, dh + lo, tau) / tau
        wl = zero
    if tau > 1.0:
        # Where s - mz overflowed: w = s/tau - mz/tau, rounded (|w| < 2 max / tau).
        so = xp.where(over, s, zero)
        wh = xp.where(over, so / tau - mz / tau, wh)
    eh = xp.exp(wh)
    big = xp.abs(wl) > 2.0**-26
    return xp.where(big, xp.exp(wh + wl), eh + eh * wl)


def _perturbed_softmax_rows(x: Any, g: Any, t: list[Any], top: Any) -> Any | None:
    """_perturbed_softmax for tau = 1 along the last axis of a block of rows, with
    the same operations, in place (x and g are overwritten; t: three scratch
    arrays and top a boolean one, of the block's shape); None, with x and g left
    as they were, where a row has a non-finite x + g (the generic form's rules)."""
    s = np.add(x, g, out=t[0])
    m = np.maximum.reduce(s, axis=-1, keepdims=True)
    low = np.minimum.reduce(s, axis=-1, keepdims=True)
    if not (np.isfinite(m).all() and np.isfinite(low).all() and np.isfinite(low - m).all()):
        return None  # infinities, NaN, or s - m beyond the largest float
    # TwoSum: e = (x - (s - bb)) + (g - bb), bb = s - x.
    bb = np.subtract(s, x, out=t[1])
    np.subtract(g, bb, out=g)
    np.subtract(s, bb, out=bb)
    e = np.subtract(x, bb, out=x)
    np.add(e, g, out=e)
    # em: the largest e among the entries at the maximum m of s.
    np.equal(s, m, out=top)
    tmp = t[2]
    tmp.fill(-math.inf)
    np.copyto(tmp, e, where=top)
    em = np.maximum.reduce(tmp, axis=-1, keepdims=True)
    # TwoSum of s and -m: dh + dl, then lo = dl + (e - em).
    dh = np.subtract(s, m, out=t[1])
    bb2 = np.subtract(dh, s, out=t[2])
    dl = np.subtract(dh, bb2, out=g)
    np.subtract(s, dl, out=dl)
    np.subtract(-m, bb2, out=bb2)
    np.add(dl, bb2, out=dl)
    np.subtract(e, em, out=e)
    lo = np.add(dl, e, out=e)
    # tau = 1: wh = dh, wl = lo; exp(w) = exp(dh) (1 + lo), or exp(dh + lo) for a
    # large lo (entries beyond 2^26, where the noise is mostly in lo).
    big = np.greater(np.abs(lo, out=t[2]), 2.0**-26, out=top)
    eh = np.exp(dh, out=t[0])
    if big.any():
        np.add(dh, lo, out=t[2])
        np.exp(t[2], out=t[2])
        np.multiply(eh, lo, out=lo)
        np.add(eh, lo, out=eh)
        np.copyto(eh, t[2], where=big)
    else:
        np.multiply(eh, lo, out=lo)
        np.add(eh, lo, out=eh)
    ex = eh
    np.equal(ex, 1.0, out=top)
    count = np.count_nonzero(top, axis=-1, keepdims=True).astype(np.float64)
    np.copyto(t[2], ex)
    np.copyto(t[2], 0.0, where=top)
    rest = np.add.reduce(t[2], axis=-1, keepdims=True)
    np.add(rest, count - 1.0, out=rest)
    np.add(rest, 1.0, out=rest)
    return np.divide(ex, rest, out=x)


def _moved_noise(gen: np.random.Generator, shape: tuple[int, ...], axis: int) -> Any:
    """Gumbel noise for an input of ``shape``, drawn in the C order of the input
    with ``axis`` moved last (the order of the blocked NumPy path)."""
    moved = (*shape[:axis], *shape[axis + 1 :], shape[axis])
    return np.moveaxis(gen.gumbel(size=moved), -1, axis)


def _gumbel_soft(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    """softmax((x + g)/tau) with g ~ Gumbel(0, 1)."""
    (a,) = normalize_axes("gumbel_softmax", "axis", p["axis"], x.ndim)
    noise = _moved_noise(Seed.generator(p["rng"]), tuple(x.shape), a)
    g = _to_xp(xp, x, np.asarray(noise, dtype=np.float64))
    return _perturbed_softmax(xp, x, g, p["tau"], a)


def _one_hot_argmax(xp: Any, y: Any, axis: int) -> Any:
    """One-hot of the first maximum along axis."""
    import array_api_compat

    (a,) = normalize_axes("gumbel_softmax", "axis", axis, y.ndim)
    idx = xp.argmax(y, axis=a, keepdims=True)
    shape = [1] * y.ndim
    shape[a] = y.shape[a]
    iota = xp.reshape(xp.arange(y.shape[a], device=array_api_compat.device(y)), tuple(shape))
    return xp.astype(iota == idx, y.dtype)


def _gumbel_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    if xp is np:
        # NumPy (the generic path, float64 here): the bounded-memory evaluation.
        return gumbel_numpy(x, p)
    y = _gumbel_soft(xp, x, p)
    return _one_hot_argmax(xp, y, p["axis"]) if p["hard"] else y


def _row_pairs(xm: Any, om: Any) -> Iterator[tuple[Any, Any]]:
    """2-D (rows, length) views of xm and om covering every row in C order."""
    try:
        xv = np.reshape(xm, (-1, xm.shape[-1]), copy=False)
        ov = np.reshape(om, (-1, om.shape[-1]), copy=False)
    except ValueError:
        for i in range(xm.shape[0]):
            yield from _row_pairs(xm[i], om[i])
        return
    yield xv, ov


def _long_row(xr: Any, orow: Any, gen: np.random.Generator, tau: float, hard: bool) -> None:
    """gumbel_softmax of one row longer than a block, into ``orow``, in bounded
    memory: runs of BLOCK entries, the noise of each drawn in turn, in three
    passes over the row (the row maximum of x + g as s + e, then the sum, then
    the results), the Generator rewound to the row's first draw before the
    second and third, so each pass sees the same noise, that of one draw of the
    whole row.  The runs' sums are added with Neumaier's compensation."""
    n = xr.shape[0]
    bitgen = gen.bit_generator
    start = bitgen.state

    def runs() -> Iterator[tuple[int, Any, Any, Any]]:
        for r0 in range(0, n, BLOCK):
            x = np.asarray(xr[r0 : r0 + BLOCK], dtype=np.float64)
            s, e = _perturbed_sum(np, x, gen.gumbel(size=x.shape))
            yield r0, x, s, e

    m, em, n_inf = -math.inf, -math.inf, 0
    for _, _, s, e in runs():
        rm = float(np.max(s))
        if math.isnan(rm):
            m = rm
            break
        n_inf += int(np.count_nonzero(s == math.inf))
        if rm > m:
            m, em = rm, -math.inf
        if rm == m and math.isfinite(rm):
            em = max(em, float(np.max(e[s == rm])))
    bitgen.state = start
    if math.isfinite(m):
        count = 0
        total = comp = 0.0
        for _, _, s, e in runs():
            ex = _perturbed_exps(np, s, e, m, em, np.isfinite(s), tau)
            top = ex == 1.0
            count += int(np.count_nonzero(top))
            v = float(np.sum(np.where(top, 0.0, ex)))
            t = total + v
            comp += (total - t) + v if total >= v else (v - t) + total
            total = t
        denom = 1.0 + ((total + comp) + (count - 1))
        bitgen.state = start
    best, at = -math.inf, 0
    for r0, _, s, e in runs():
        if math.isnan(m):
            y = np.full(s.shape, math.nan)
        elif m == math.inf:
            y = (s == math.inf) / float(n_inf)
        elif m == -math.inf:
            y = np.full(s.shape, 1.0 / n)
        else:
            y = _perturbed_exps(np, s, e, m, em, np.isfinite(s), tau) / denom
        if hard:
            k = int(np.argmax(y))
            if y[k] > best:
                best, at = float(y[k]), r0 + k
            y[...] = 0.0
        np.copyto(orow[r0 : r0 + y.size], y, casting="unsafe")
    if hard:
        orow[at] = 1.0


def _narrow_softmax(b: Any, noise: Any, tau: float, t: Any) -> Any:
    """softmax((b + noise)/tau) along the last axis in plain float64, for results
    rounded to float32 or narrower; None where a perturbed logit is not finite
    (the careful path gives the limits there).

    z = (b + g)/tau carries two float64 roundings; with |z| < 2^12 (larger
    take the careful path) its absolute error and max z's are below 2^-40
    each, so each term e^(z - max z) is within 2^-39 relative, and the sum and
    the quotient add a few 2^-53: far below the 2^-25 a float32 result can show.
    """
    np.add(b, noise, out=t)
    if tau != 1.0:
        np.divide(t, tau, out=t)
    m = np.max(t, axis=-1, keepdims=True)
    if not (float(m.max()) < 4096.0 and float(t.min()) > -4096.0):  # (false for NaN too)
        return None
    np.subtract(t, m, out=t)
    np.exp(t, out=t)
    np.divide(t, np.sum(t, axis=-1, keepdims=True), out=t)
    return t


def gumbel_numpy(x: Any, p: Mapping[str, Any], result_dtype: Any = None, out: Any = None) -> Any:
    """gumbel_softmax of a NumPy array (any real dtype) in bounded memory.

    Blocks of whole rows (the axis moved last, a view) of about BLOCK elements
    are copied into float64 and their noise is drawn from the Generator block by
    block, in the C order of the rows: the draws are those of one draw of the
    whole moved shape, so the result for a given seed does not depend on the
    block size, and there is one thread (the draws are sequential).  A row
    longer than a block is done in runs of BLOCK entries (:func:`_long_row`).
    Memory beyond the output is a block and its temporaries.
    """
    (a,) = normalize_axes("gumbel_softmax", "axis", p["axis"], x.ndim)
    dtype = np.dtype(result_dtype if result_dtype is not None else np.float64)
    if out is None:
        out = np.empty(x.shape, dtype=dtype)
    if x.size == 0:
        return out
    with Seed.scope(p["rng"]) as gen:
        return _gumbel_rows(x, out, gen, a, dtype, p)


def _gumbel_rows(
    x: Any, out: Any, gen: np.random.Generator, a: int, dtype: Any, p: Mapping[str, Any]
) -> Any:
    """gumbel_numpy's rows, with the Generator ``gen`` and the result dtype."""
    last = a == x.ndim - 1
    xm = x if last else np.moveaxis(x, a, -1)
    om = out if last else np.moveaxis(out, a, -1)
    n = xm.shape[-1]
    tau = p["tau"]
    if n > BLOCK:
        with np.errstate(all="ignore"):
            for xv, ov in _row_pairs(xm, om):
                for r in range(xv.shape[0]):
                    _long_row(xv[r], ov[r], gen, tau, p["hard"])
        return out
    per = min(BLOCK // n, x.size // n)  # (scratch no larger than the input)
    narrow = dtype.itemsize < 8
    buf = np.empty(per * n, dtype=np.float64)
    scratch = [np.empty(per * n, dtype=np.float64)]
    flags = np.empty(0, dtype=np.bool_)
    with np.errstate(all="ignore"):
        for xv, ov in _row_pairs(xm, om):
            for r0 in range(0, xv.shape[0], per):
                xb, ob = xv[r0 : r0 + per], ov[r0 : r0 + per]
                b = buf[: xb.size].reshape(xb.shape)
                np.copyto(b, xb, casting="unsafe")
                noise = gen.gumbel(size=b.shape)
                y = None
                if narrow:
                    y = _narrow_softmax(b, noise, tau, scratch[0][: b.size].reshape(b.shape))
                if y is None and tau == 1.0:
                    if len(scratch) == 1:  # (the careful path's scratch, made once)
                        scratch += [np.empty(per * n, dtype=np.float64) for _ in range(2)]
                        flags = np.empty(per * n, dtype=np.bool_)
                    t = [a[: b.size].reshape(b.shape) for a in scratch]
                    y = _perturbed_softmax_rows(b, noise, t, flags[: b.size].reshape(b.shape))
                if y is None:
                    y = _perturbed_softmax(np, b, noise, tau, b.ndim - 1)
                if p["hard"]:
                    idx = np.argmax(y, axis=-1)
                    y[...] = 0.0
                    y[np.arange(y.shape[0]), idx] = 1.0
                np.copyto(ob, y, casting="unsafe")
    return out


def _gumbel_vjp(xp: Any, x: Any, g: Any, p: dict[str, Any]) -> Any:
    # Straight-through when hard (as PyTorch): the gradient of the soft sample.
    # d softmax(z)/dx = J_softmax(z) / tau, J_softmax(z) g = y (g - <g, y>), with g
    # first shifted by its value c at the row's largest y (J c = 0 since sum y = 1):
    # the rounding of sum y, amplified by 1/tau, then meets a g - c that is 0 at
    # the dominant entry (and everywhere for a constant g).
    (a,) = normalize_axes("gumbel_softmax", "axis", p["axis"], x.ndim)
    y = _gumbel_soft(xp, x, p)
    top = _one_hot_argmax(xp, y, a)
    gc = g - xp.sum(top * g, axis=a, keepdims=True)
    return y * (gc - xp.sum(gc * y, axis=a, keepdims=True)) / p["tau"]


def _gumbel_mp(mp: Any, row: list[Any], p: dict[str, Any]) -> list[Any]:
    """Reference for a 1-D input with an int seed (the same noise is drawn here)."""
    if not isinstance(p["rng"], int):
        raise ValueError("gumbel_softmax: the mpmath reference needs an int seed")
    noise = np.random.default_rng(p["rng"]).gumbel(size=len(row))
    z = [(v + mp.mpf(float(n))) / p["tau"] for v, n in zip(row, noise, strict=True)]
    m = max(z)
    e = [mp.exp(v - m) for v in z]
    s = mp.fsum(e)
    soft = [v / s for v in e]
    if not p["hard"]:
        return soft
    k = soft.index(max(soft))
    return [mp.mpf(1 if i == k else 0) for i in range(len(row))]


GUMBEL_SOFTMAX = Spec(
    name="gumbel_softmax",
    sample_params={"rng": 0},
    family="normalizing",
    kind="normalizing",
    summary="A sample from the Gumbel-softmax (concrete) distribution: "
    "softmax((x + g) / tau) with Gumbel noise g; one-hot when hard.",
    formula=(
        r"f(x)_i = \frac{e^{(x_i + g_i)/\tau}}{\sum_{j} e^{(x_j + g_j)/\tau}},\quad"
        r" g_i = -\log(-\log u_i),\ u_i \sim U(0, 1)"
    ),
    params=(
        Param("tau", 1.0, Real(lo=0.0, lo_open=True), "Temperature τ > 0."),
        Param(
            "hard",
            False,
            Boolean(),
            "If True, the one-hot vector of the sample (straight-through vjp).",
        ),
        Param("axis", -1, Axis(), "Axis along which the function acts."),
        Param("rng", None, Seed(), _RNG_DOC),
    ),
    properties=Properties((0.0, 1.0), "[0, 1], sums to 1", True, "C-inf", False),
    references=GUMBEL_PAPERS,
    value=_gumbel_value,
    vjp=_gumbel_vjp,
    mp=_gumbel_mp,
    numpy_call=gumbel_numpy,
    equivalents={"torch": "torch.nn.functional.gumbel_softmax"},
    details=_RNG_TEXT
    + "  x holds unnormalized log-probabilities (logits).  The Gumbel noise is drawn "
    "in float64 with NumPy's Generator.gumbel, one value per element of x, in the C "
    "order of x with the axis moved last (for the default axis=-1, x's own C order).  "
    "On NumPy the draws are made block by block of whole rows, in that order, in one "
    "thread: the result for a given seed is the same for any block size and number of "
    "threads, and memory beyond the output stays at a few blocks.  x + g is carried "
    "exactly (as a double-double) into the softmax, so the result is within a few ULPs "
    "of the sample for the drawn noise.  The vjp is "
    "the derivative for the noise drawn from rng: with an int seed, value and vjp use "
    "the same noise.  When hard, ties go to the first maximum.  The properties are "
    "for fixed noise and hard=False.",
    differences="PyTorch draws its noise from its own generator, so samples differ; the "
    "distribution is the same.  PyTorch's hard=True output is the one-hot sample with "
    "the soft gradient, as here.",
    examples=""">>> import actfn
>>> y = actfn.gumbel_softmax([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], rng=0)
>>> y.sum(axis=-1).round(12)
array([1., 1.])
>>> h = actfn.gumbel_softmax([1.0, 2.0, 3.0], hard=True, rng=0)
>>> sorted(h.tolist())
[0.0, 0.0, 1.0]""",
)

SPECS = (SOFTMIN, PRELU, RRELU, GUMBEL_SOFTMAX)
