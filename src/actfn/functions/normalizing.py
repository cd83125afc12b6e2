"""Functions along an axis: softmax, log_softmax, sparsemax and the gated glu."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import _numerics as nm
from .._activation import (
    ArrayParam,
    Axis,
    Param,
    Properties,
    Reference,
    Spec,
    normalize_axes,
)
from .._engine import narrow, temp
from .._kernels import mask

BRIDLE = Reference(
    "Bridle (1990), Probabilistic Interpretation of Feedforward Classification Network "
    "Outputs, with Relationships to Statistical Pattern Recognition, Neurocomputing",
    "https://doi.org/10.1007/978-3-642-76153-9_28",
)
SPARSEMAX_PAPER = Reference(
    "Martins & Astudillo (2016), From Softmax to Sparsemax: A Sparse Model of Attention "
    "and Multi-Label Classification, ICML",
    "https://arxiv.org/abs/1602.02068",
)
GLU_PAPER = Reference(
    "Dauphin, Fan, Auli & Grangier (2017), Language Modeling with Gated Convolutional "
    "Networks, ICML",
    "https://arxiv.org/abs/1612.08083",
)

_AXES = Param(
    "axis", -1, Axis(multiple=True), "Axis or axes along which to normalize; None for all axes."
)
_AXIS = Param("axis", -1, Axis(), "Axis along which the function acts.")
_MASK = ArrayParam(boolean=True, optional=True)
_WHERE = Param(
    "where", None, _MASK, "Mask broadcast against x: only entries where it is True take part."
)

MASK_RULE = (
    "With where=mask, the masked-out entries take no part: each row is normalized over "
    "its unmasked entries alone, NaN and infinities at masked entries included."
)

INF_RULE = (
    "Rows with infinite entries give the mathematical limits: -inf entries give "
    "probability 0 when the row has a finite entry; when the row maximum is infinite "
    "(+inf entries, or a row of all -inf), the entries equal to it share the mass "
    "equally, so a row of all -inf gives the uniform distribution, the limit of a row "
    "of equal values.  NaN anywhere in a row gives NaN for the whole row."
)


def _shifted(xp: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """x - max(x) along axes, with the infinite-maximum rule applied."""
    m = xp.max(x, axis=axes, keepdims=True)
    inf = xp.isinf(m)
    z = x - xp.where(inf, xp.zeros_like(m), m)
    # Infinite maximum: entries equal to it get 0, the others -inf.
    shared = xp.where(x == m, xp.zeros_like(x), xp.full_like(x, -math.inf))
    return xp.where(inf, shared, z)


def _masked_parts(
    xp: Any, x: Any, axes: tuple[int, ...], mask: Any
) -> tuple[tuple[Any, Any], Any, Any, Any]:
    """_softmax_parts over the unmasked entries: ((z, lo), e, rest, count).

    Masked entries have z = -inf and e = 0.  The infinite-maximum rule applies to
    the unmasked entries; a fully masked row has count = 0 and rest = -1 (callers
    give it zeros, or -inf)."""
    neg = xp.full_like(x, -math.inf)
    xm = xp.where(mask, x, neg)
    m = xp.max(xm, axis=axes, keepdims=True)
    inf = xp.isinf(m)
    z = xm - xp.where(inf, xp.zeros_like(m), m)
    z = xp.where(inf, xp.where(mask & (xm == m), xp.zeros_like(x), neg), z)
    # The rounding of x - m (TwoSum), as in _shifted_two.
    ok = xp.isfinite(z) & xp.isfinite(xm) & xp.isfinite(m)
    zero = xp.zeros_like(z)
    a = xp.where(ok, xm, zero)
    b = xp.where(ok, -m, zero)
    s = xp.where(ok, z, zero)
    bb = s - a
    lo = (a - (s - bb)) + (b - bb)
    eh = xp.exp(z)
    e = eh + eh * lo
    top = mask & (z == 0.0)
    count = xp.sum(xp.astype(top, x.dtype), axis=axes, keepdims=True)
    rest = _sum_last(xp, xp.where(top, zero, e), axes) + (count - 1.0)
    return (z, lo), e, rest, count


def _shifted_two(xp: Any, x: Any, axes: tuple[int, ...]) -> tuple[Any, Any]:
    """x - max(x) as hi + lo exactly (Knuth's TwoSum); lo = 0 where hi is infinite.

    exp(x - m) turns the rounding of x - m (up to half an ULP of |x - m|, which
    reaches 700 in float64) into a relative error of |x - m| ULPs; with the low
    part, exp(hi + lo) = exp(hi) (1 + lo) to within lo^2.
    """
    z = _shifted(xp, x, axes)
    # TwoSum of a = x and b = -max on finite values only (elsewhere lo = 0).
    m = xp.max(x, axis=axes, keepdims=True)
    ok = xp.isfinite(z) & xp.isfinite(x) & xp.isfinite(m)
    zero = xp.zeros_like(z)
    a = xp.where(ok, x, zero)
    b = xp.where(ok, -m, zero)
    s = xp.where(ok, z, zero)
    bb = s - a
    lo = (a - (s - bb)) + (b - bb)
    return z, lo


def _softmax_parts(xp: Any, x: Any, axes: tuple[int, ...]) -> tuple[Any, Any, Any]:
    """(z, e, rest): z = x - max as hi + lo, e = exp(z) corrected by lo, and
    rest = sum(e) - 1 computed without rounding the 1 (the maxima contribute
    exactly 1 each; rest is the sum of the others plus their count minus 1)."""
    z, lo = _shifted_two(xp, x, axes)
    eh = xp.exp(z)
    e = eh + eh * lo
    top = z == 0.0
    zero = xp.zeros_like(e)
    count = xp.sum(xp.astype(top, x.dtype), axis=axes, keepdims=True)
    rest = _sum_last(xp, xp.where(top, zero, e), axes) + (count - 1.0)
    return (z, lo), e, rest


def _sum_last(xp: Any, v: Any, axes: tuple[int, ...]) -> Any:
    """sum(v, axes, keepdims=True), with the summed axes moved last and made one
    contiguous axis first: NumPy sums a contiguous axis pairwise (error growing
    like log n), but across a strided one term by term (like n): 14 ULP against
    3 for a softmax over 10^4 rows along axis 0."""
    nd = v.ndim
    if axes == (nd - 1,):
        return xp.sum(v, axis=-1, keepdims=True)
    keep = [i for i in range(nd) if i not in axes]
    moved = xp.permute_dims(v, (*keep, *axes))
    # Through 1-D: a C-order copy, so that the summed axis is contiguous.
    flat = xp.reshape(xp.reshape(moved, (-1,)), (*(v.shape[i] for i in keep), -1))
    total = xp.sum(flat, axis=-1)
    return xp.reshape(total, tuple(1 if i in axes else v.shape[i] for i in range(nd)))


def _softmax_value(xp: Any, x: Any, p: dict[str, Any], fname: str = "softmax") -> Any:
    axes = normalize_axes(fname, "axis", p["axis"], x.ndim)
    mask = _MASK.broadcast(fname, "where", xp, x, p.get("where"))
    if mask is not None:
        _, e, rest, count = _masked_parts(xp, x, axes, mask)
        # As below; a fully masked row has every e = 0: divide by 1, giving 0.
        # Masked entries are 0 even in a row with NaN (as log_softmax's are -inf).
        r = e / xp.where(count > 0.0, 1.0 + rest, xp.ones_like(rest))
        return xp.where(mask, r, xp.zeros_like(r))
    _, e, rest = _softmax_parts(xp, x, axes)
    # e / (1 + rest): each e carries about 1 ULP (exp and the lo correction),
    # the sum of positive terms a few tenths of an ULP per level of pairwise
    # summation, the quotient one rounding.
    return e / (1.0 + rest)


def _softmax_vjp(xp: Any, x: Any, g: Any, p: dict[str, Any], fname: str = "softmax") -> Any:
    axes = normalize_axes(fname, "axis", p["axis"], x.ndim)
    y = _softmax_value(xp, x, p, fname)
    # Masked entries have y = 0, so they get 0 and take no part in the sum.
    return y * (g - xp.sum(g * y, axis=axes, keepdims=True))


def _softmax_mp(mp: Any, row: list[Any], p: dict[str, Any]) -> list[Any]:
    m = max(row)
    e = [mp.exp(v - m) for v in row]
    s = mp.fsum(e)
    return [v / s for v in e]


def _softmax_rows(x: Any) -> tuple[Any, Any, Any, Any] | None:
    """(z, lo, e, rest) of _softmax_parts for a block of whole rows (axis -1), in
    the engine's temporaries, with the same operations; None where a row has an
    infinite maximum or an infinite entry (the generic form's rules apply)."""
    m = np.maximum.reduce(x, axis=-1, keepdims=True)
    if not np.isfinite(m).all():
        return None
    # TwoSum of x and -m: z = x - m, lo = (x - (z - bb)) + (-m - bb), bb = z - x.
    z = np.subtract(x, m, out=temp(x, 0))
    bb = np.subtract(z, x, out=temp(x, 1))
    lo = np.subtract(z, bb, out=temp(x, 2))
    np.subtract(x, lo, out=lo)
    np.subtract(-m, bb, out=bb)
    np.add(lo, bb, out=lo)
    e = np.exp(z, out=temp(x, 3))
    t = np.multiply(e, lo, out=temp(x, 4))
    np.add(e, t, out=e)
    top = np.equal(z, 0.0, out=mask(x, 1))
    np.copyto(t, e)
    np.putmask(t, top, 0.0)
    rest = np.add.reduce(t, axis=-1, keepdims=True)
    np.add(rest, np.count_nonzero(top, axis=-1, keepdims=True) - 1.0, out=rest)
    if np.isnan(rest).any():  # -inf entries: x - m - (z - x) is NaN there
        return None
    return z, lo, e, rest


def _softmax_kernel(x: Any, p: dict[str, Any]) -> Any:
    # NumPy row kernel (a block of whole rows, axis -1), in place.  Rounded to
    # float32 or narrower: exp(x - m) / sum, a few float64 ULPs.  float64: the
    # operations of _softmax_value.  Rows with infinities: the generic form.
    if narrow():
        m = np.maximum.reduce(x, axis=-1, keepdims=True)
        if not np.isfinite(m).all():
            return _softmax_value(np, x, p)
        np.subtract(x, m, out=x)
        np.exp(x, out=x)
        return np.divide(x, np.add.reduce(x, axis=-1, keepdims=True), out=x)
    parts = _softmax_rows(x)
    if parts is None:
        return _softmax_value(np, x, p)
    _, _, e, rest = parts
    np.add(rest, 1.0, out=rest)
    return np.divide(e, rest, out=x)


SOFTMAX = Spec(
    name="softmax",
    family="normalizing",
    kind="normalizing",
    summary="Normalized exponential: exp(x) / sum(exp(x)) along an axis.",
    formula=r"f(x)_i = \frac{e^{x_i}}{\sum_{j} e^{x_j}}",
    params=(_AXES, _WHERE),
    properties=Properties((0.0, 1.0), "[0, 1], sums to 1", True, "C-inf", False),
    references=(BRIDLE,),
    numpy_value=_softmax_kernel,
    value=_softmax_value,
    vjp=_softmax_vjp,
    mp=_softmax_mp,
    equivalents={
        "keras": "keras.activations.softmax",
        "torch": "torch.nn.functional.softmax",
        "jax": "jax.nn.softmax",
    },
    details=(
        "Computed as exp(x - max x) / sum(exp(x - max x)), which never overflows.  "
        + INF_RULE
        + "  A temperature t is softmax(x / t).  "
        + MASK_RULE
        + "  Masked entries give 0; a fully masked row gives all zeros (not NaN), and "
        "its vjp is 0."
    ),
    differences=(
        "Keras and PyTorch return NaN for a row of all -inf; actfn returns the uniform "
        "distribution (see above).  where= is JAX's (jax.nn.softmax(x, where=mask)); "
        "Keras's Softmax layer takes a mask too, with the same zeros."
    ),
    examples=""">>> import actfn
>>> actfn.softmax([1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0]).round(3)
array([0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175])
>>> actfn.softmax([0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3]).round(3)
array([0.125, 0.138, 0.153, 0.169, 0.125, 0.138, 0.153])
>>> actfn.softmax([[0.0, 0.0], [0.0, 0.0]], axis=None)
array([[0.25, 0.25],
       [0.25, 0.25]])
>>> actfn.softmax([[1.0, 1.0, 5.0], [1.0, 2.0, 3.0]], where=[[True, True, False],
...                                                          [False, False, False]])
array([[0.5, 0.5, 0. ],
       [0. , 0. , 0. ]])""",
)


# ---------------------------------------------------------------------- log_softmax


def _log_softmax_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    axes = normalize_axes("log_softmax", "axis", p["axis"], x.ndim)
    mask = _MASK.broadcast("log_softmax", "where", xp, x, p.get("where"))
    if mask is not None:
        (zm, lom), _, rest, count = _masked_parts(xp, x, axes, mask)
        # As below; a fully masked row takes log1p(0) and its entries stay -inf.
        r = (zm - xp.log1p(xp.where(count > 0.0, rest, xp.zeros_like(rest)))) + lom
        return xp.where(mask, r, xp.full_like(r, -math.inf))
    (z, lo), _, rest = _softmax_parts(xp, x, axes)
    # log(sum e) = log1p(rest): exact near 0, where log(1 + rest) would round the
    # small terms away (the maximum's log_softmax is -rest there, not 0).
    # z <= 0 and the log >= 0: the difference adds magnitudes, no cancellation;
    # the low part of z is added last.
    return (z - xp.log1p(rest)) + lo


def _log_softmax_vjp(xp: Any, x: Any, g: Any, p: dict[str, Any]) -> Any:
    axes = normalize_axes("log_softmax", "axis", p["axis"], x.ndim)
    y = xp.exp(_log_softmax_value(xp, x, p))
    mask = _MASK.broadcast("log_softmax", "where", xp, x, p.get("where"))
    if mask is not None:
        # Masked outputs are the constant -inf: their cotangents are ignored and
        # their inputs get 0.
        gm = xp.where(mask, g, xp.zeros_like(g))
        return gm - y * xp.sum(gm, axis=axes, keepdims=True)
    return g - y * xp.sum(g, axis=axes, keepdims=True)


def _log_softmax_kernel(x: Any, p: dict[str, Any]) -> Any:
    # As _softmax_kernel, for _log_softmax_value: z - log1p(rest) (+ lo in float64),
    # z = x - m, rest = the sum of exp(z) over all but the maxima plus their count
    # minus 1, so that a small rest is not rounded away in 1 + rest (the maximum's
    # result is then -rest, not 0).
    if narrow():
        m = np.maximum.reduce(x, axis=-1, keepdims=True)
        if not np.isfinite(m).all():
            return _log_softmax_value(np, x, p)
        np.subtract(x, m, out=x)
        e = np.exp(x, out=temp(x, 0))
        rest = np.add.reduce(e, axis=-1, keepdims=True)
        np.subtract(rest, 1.0, out=rest)
        # rest >= 2^-8: the rounding of the sum is at most a few 10^-14 of rest.
        # Smaller: the rows' sums again without the maxima (few rows).
        small = rest[:, 0] < 2.0**-8
        if small.any():
            es, top = e[small], x[small] == 0.0
            es[top] = 0.0
            rest[small] = es.sum(axis=-1, keepdims=True) + (
                np.count_nonzero(top, axis=-1, keepdims=True) - 1.0
            )
        return np.subtract(x, np.log1p(rest, out=rest), out=x)
    parts = _softmax_rows(x)
    if parts is None:
        return _log_softmax_value(np, x, p)
    z, lo, _, rest = parts
    np.subtract(z, np.log1p(rest, out=rest), out=x)
    return np.add(x, lo, out=x)


def _log_softmax_mp(mp: Any, row: list[Any], p: dict[str, Any]) -> list[Any]:
    # (x - m) - log1p(sum of exp(x_j - m) over all but one maximum): at any
    # working precision, log(sum exp) would round away terms below its last digit.
    m = max(row)
    top = row.index(m)
    rest = mp.fsum(mp.exp(u - m) for j, u in enumerate(row) if j != top)
    return [(v - m) - mp.log1p(rest) for v in row]


LOG_SOFTMAX = Spec(
    name="log_softmax",
    family="normalizing",
    kind="normalizing",
    summary="Logarithm of the softmax: x - logsumexp(x) along an axis.",
    formula=r"f(x)_i = x_i - \log \sum_{j} e^{x_j}",
    params=(_AXES, _WHERE),
    properties=Properties((-math.inf, 0.0), "(-inf, 0]", True, "C-inf", False),
    references=(BRIDLE,),
    numpy_value=_log_softmax_kernel,
    value=_log_softmax_value,
    vjp=_log_softmax_vjp,
    mp=_log_softmax_mp,
    equivalents={
        "keras": "keras.activations.log_softmax",
        "torch": "torch.nn.functional.log_softmax",
        "jax": "jax.nn.log_softmax",
    },
    details="Computed as (x - max x) - log(sum(exp(x - max x))).  "
    + INF_RULE
    + "  "
    + MASK_RULE
    + "  Masked entries give -inf (a fully masked row all -inf) and a vjp of 0.",
    differences="A row of all -inf gives -log(n) (Keras and PyTorch give NaN).  where= is "
    "JAX's (jax.nn.log_softmax(x, where=mask)).",
    examples=""">>> import actfn
>>> actfn.log_softmax([1000.0, 0.0])
array([    0., -1000.])
>>> actfn.log_softmax([0.0, 0.0, 7.0], where=[True, True, False])
array([-0.69314718, -0.69314718,        -inf])""",
)


# ------------------------------------------------------------------------ sparsemax


def to_last(xp: Any, x: Any, a: int) -> Any:
    """x with axis a moved last.  (permute_dims rather than moveaxis: PyTorch has no
    vmap batching rule for moveaxis, so torch.func.vmap of a function using it
    fails, while permute has one.)"""
    if a == x.ndim - 1:
        return x
    return xp.permute_dims(x, (*(i for i in range(x.ndim) if i != a), a))


def from_last(xp: Any, r: Any, a: int) -> Any:
    """The inverse of ``to_last``: the last axis of r moved back to position a."""
    n = r.ndim
    if a == n - 1:
        return r
    perm = list(range(n - 1))
    perm.insert(a, n - 1)
    return xp.permute_dims(r, tuple(perm))


def _sparsemax_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    (a,) = normalize_axes("sparsemax", "axis", p["axis"], x.ndim)
    xm = to_last(xp, x, a)
    n = xm.shape[-1]
    m = xp.max(xm, axis=-1, keepdims=True)
    inf = xp.isinf(m)
    zero = xp.zeros_like(m)
    # The support lies in (m - 1, m] (the top entry alone gives tau >= m - 1).
    # Shifting by m for |m| >= 2 makes x - m exact there (Sterbenz: x and m within
    # a factor 2); for |m| < 2 no shift is needed against overflow, and x itself is
    # exact.  Either way z is exact on the support, and |z| < 3 there.
    shift = xp.where(inf | (xp.abs(m) < 2.0), zero, m)
    z = xm - shift
    # Entries below zmax - 1 are outside the support: clipping them at zmax - 2
    # leaves the result unchanged and keeps -inf (and overflow) out of the sums.
    z = xp.maximum(z, (m - shift) - 2.0)
    # Martins & Astudillo (2016), Algorithm 1: sort descending, find the support
    # size k = max{j : 1 + j z_(j) > sum_{i<=j} z_(i)}, tau = (sum of the top k - 1)/k.
    zs = xp.flip(xp.sort(z, axis=-1), axis=-1)
    cs = xp.cumulative_sum(zs, axis=-1)
    k = xp.astype(xp.arange(1, n + 1, device=_device(x)), x.dtype)
    support = (1.0 + k * zs) > cs
    ksize = xp.sum(xp.astype(support, x.dtype), axis=-1, keepdims=True)
    one = xp.ones_like(ksize)
    if x.dtype == xp.float64:
        # r = z - tau cancels where an output is small: a tau rounded once (half an
        # ULP of |tau| ~ 1) is many ULPs of such an output.  So tau is formed in
        # double-double: the support's sum exactly (split_sum, relative error
        # 2^-104), then (sum - 1)/k, and r = z - tau by TwoSum, rounded once: within
        # 1/2 ULP plus 2^-100 absolute.  The support from the rounded test above may
        # be off by an entry within rounding of tau; the exact test z > tau_S with
        # tau of that support S decides such an entry as tau of the true support
        # would (z_j - tau_{S+j} = (|S|/(|S|+1)) (z_j - tau_S)), so one correction
        # gives the true support.
        kth = xp.sum(xp.where(k == ksize, zs, xp.zeros_like(zs)), axis=-1, keepdims=True)
        inside = z >= kth
        for _ in range(2):
            cnt = xp.sum(xp.astype(inside, x.dtype), axis=-1, keepdims=True)
            sh, sl = nm.split_sum(xp, xp.where(inside, z, xp.zeros_like(z)), 2, -1.0)
            th, tl = nm.dd_div(xp, sh, sl, xp.where(cnt > 0, cnt, one))
            rh, rl = nm.two_sum(xp, z, -th)
            r = rh + (rl - tl)
            inside = r > 0.0
        r = xp.maximum(r, 0.0)
        r = xp.where(ksize > 0, r, xp.full_like(r, math.nan))
    else:
        top = xp.sum(xp.where(support, zs, xp.zeros_like(zs)), axis=-1, keepdims=True)
        tau = (top - 1.0) / xp.where(ksize > 0, ksize, one)
        tau = xp.where(ksize > 0, tau, xp.full_like(tau, math.nan))
        r = xp.maximum(z - tau, 0.0)
    # Infinite maximum: the entries equal to it share the mass equally.
    eq = xp.astype(xm == m, x.dtype)
    # (At least 1 in the denominator: a NaN row has no entry equal to its maximum.)
    shared = eq / xp.maximum(xp.sum(eq, axis=-1, keepdims=True), 1.0)
    r = xp.where(inf, shared, r)
    return from_last(xp, r, a)


def _sparsemax_vjp(xp: Any, x: Any, g: Any, p: dict[str, Any]) -> Any:
    (a,) = normalize_axes("sparsemax", "axis", p["axis"], x.ndim)
    y = _sparsemax_value(xp, x, p)
    s = xp.astype(y > 0.0, x.dtype)
    # Jacobian = diag(s) - s s^T / |s|: the cotangent minus its mean over the support.
    mean = xp.sum(g * s, axis=a, keepdims=True) / xp.sum(s, axis=a, keepdims=True)
    return s * (g - mean)


def _sparsemax_mp(mp: Any, row: list[Any], p: dict[str, Any]) -> list[Any]:
    # Shifted by the maximum (tau moves with it): 1 + j z_(j) > sum then compares
    # numbers near 1, not 1 + 1e308 with 1e308, which a working precision below
    # 308 digits cannot tell apart.
    top = max(row)
    row = [v - top for v in row]
    zs = sorted(row, reverse=True)
    cs = mp.mpf(0)
    k_best, cs_best = 0, mp.mpf(0)
    for j, v in enumerate(zs, start=1):
        cs += v
        if 1 + j * v > cs:
            k_best, cs_best = j, cs
    tau = (cs_best - 1) / k_best
    return [max(v - tau, mp.mpf(0)) for v in row]


SPARSEMAX = Spec(
    name="sparsemax",
    family="normalizing",
    kind="normalizing",
    summary="Euclidean projection onto the probability simplex: a sparse softmax.",
    formula=(
        r"f(x) = \operatorname*{arg\,min}_{p \in \Delta} \lVert p - x \rVert^{2}"
        r" = \max(x - \tau(x), 0)"
    ),
    params=(_AXIS,),
    properties=Properties((0.0, 1.0), "[0, 1], sums to 1", True, "C0", False),
    references=(SPARSEMAX_PAPER,),
    value=_sparsemax_value,
    vjp=_sparsemax_vjp,
    mp=_sparsemax_mp,
    derivative_note=(
        "For sparsemax this means an entry exactly on the support boundary (output 0 "
        "with x_i = tau) is treated as outside the support."
    ),
    equivalents={"keras": "keras.activations.sparsemax"},
    details=(
        "tau is the threshold for which the outputs sum to 1 (Martins & Astudillo 2016, "
        "Algorithm 1).  The vjp uses the Jacobian diag(s) - s s^T/|s| with s the support.  "
        + INF_RULE.replace("probability 0", "0")
    ),
    differences=(
        "Keras 3.16's sparsemax computes tau from the sum of all cumulative sums in the "
        "support instead of the k-th one, which is wrong whenever more than one output is "
        "non-zero: it returns [0.5, 0] for [0.5, 0], where the projection is [0.75, 0.25]."
    ),
    examples=""">>> import actfn
>>> actfn.sparsemax([0.5, 0.0])
array([0.75, 0.25])
>>> actfn.sparsemax([3.0, 2.5, 0.0])
array([0.75, 0.25, 0.  ])""",
)


# ------------------------------------------------------------------------------ glu


def _halves(fname: str, xp: Any, x: Any, axis: int) -> tuple[Any, Any, int]:
    (a,) = normalize_axes(fname, "axis", axis, x.ndim)
    n = x.shape[a]
    if n % 2:
        raise ValueError(
            f"{fname}: the size of axis {axis} must be even (divisible by 2) to split x "
            f"into halves; got {n}"
        )
    first = [slice(None)] * x.ndim
    second = [slice(None)] * x.ndim
    first[a] = slice(0, n // 2)
    second[a] = slice(n // 2, n)
    return x[tuple(first)], x[tuple(second)], a


def _glu_out_shape(shape: tuple[int, ...], p: Mapping[str, Any]) -> tuple[int, ...]:
    (a,) = normalize_axes("glu", "axis", p["axis"], len(shape))
    if shape[a] % 2:
        raise ValueError(
            f"glu: the size of axis {p['axis']} must be even (divisible by 2) to split x "
            f"into halves; got {shape[a]}"
        )
    return tuple(s // 2 if i == a else s for i, s in enumerate(shape))


def _glu_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    a, b, _ = _halves("glu", xp, x, p["axis"])
    # b >= 0: a / (1 + e^-b).  b < 0: a e^b / (1 + e^b), with a e^b formed by
    # times_exp so that a sigmoid below the exp underflow point (subnormal) is
    # not rounded before the product with a.
    bn = xp.minimum(b, 0.0)
    pos = a / (1.0 + xp.exp(-xp.maximum(b, 0.0)))
    neg = nm.times_exp(xp, a, bn) / (1.0 + xp.exp(bn))
    return xp.where(b >= 0.0, pos, neg)


def _glu_vjp(xp: Any, x: Any, g: Any, p: dict[str, Any]) -> Any:
    a, b, ax = _halves("glu", xp, x, p["axis"])
    s = nm.sigmoid(xp, b)
    return xp.concat([g * s, g * a * s * nm.sigmoid(xp, -b)], axis=ax)


def _glu_mp(mp: Any, row: list[Any], p: dict[str, Any]) -> list[Any]:
    h = len(row) // 2
    return [row[i] / (1 + mp.exp(-row[h + i])) for i in range(h)]


def _glu_kernel(x: Any, p: dict[str, Any]) -> Any:
    # NumPy row kernel (whole rows, axis -1), the operations of _glu_value: with
    # e = exp(-|b|) (= e^-max(b, 0) for b >= 0, e^min(b, 0) below), (a f) / (1 + e)
    # where f = max(e, [b >= 0]) is exactly 1 for b >= 0 and e below; the rare
    # b < -700 (times_exp's scaled tail) are gathered and replaced.
    h = x.shape[-1] // 2
    a, b = x[..., :h], x[..., h:]
    if narrow():
        # Rounded to float32 or narrower: a / (1 + e^-b), three roundings after
        # the exp (e^-b = inf below -709 gives a signed 0, float32's value).
        d = np.negative(b, out=temp(b, 0))
        np.exp(d, out=d)
        np.add(d, 1.0, out=d)
        return np.divide(a, d, out=d)
    e = np.abs(b, out=temp(b, 0))
    np.negative(e, out=e)
    np.exp(e, out=e)
    d = np.add(e, 1.0, out=temp(b, 1))
    np.maximum(e, np.greater_equal(b, 0.0, out=temp(b, 2)), out=e)
    np.multiply(a, e, out=e)
    r = np.divide(e, d, out=e)
    tail = np.less(b, -700.0, out=mask(b, 2))
    if tail.any():
        bt = np.minimum(b[tail], 0.0)
        r[tail] = nm.times_exp(np, a[tail], bt) / (1.0 + np.exp(bt))
    return r


GLU = Spec(
    name="glu",
    family="gated",
    kind="gated",
    summary="Gated linear unit: the first half of x gated by the sigmoid of the second.",
    formula=r"f(x) = a \otimes \sigma(b), \quad x = [a, b]",
    params=(_AXIS,),
    properties=Properties((-math.inf, math.inf), "(-inf, inf)", False, "C-inf", False),
    references=(GLU_PAPER,),
    numpy_value=_glu_kernel,
    value=_glu_value,
    vjp=_glu_vjp,
    mp=_glu_mp,
    out_shape=_glu_out_shape,
    equivalents={
        "keras": "keras.activations.glu",
        "torch": "torch.nn.functional.glu",
        "jax": "jax.nn.glu",
    },
    details="x is split into halves a and b along axis; the output has half the size "
    "along that axis.  An odd size is a ValueError.",
    examples=""">>> import actfn
>>> actfn.glu([1.0, 2.0, 0.0, 1e9])
array([0.5, 2. ])""",
)


def _device(x: Any) -> Any:
    import array_api_compat

    return array_api_compat.device(x)


SPECS = (SOFTMAX, LOG_SOFTMAX, SPARSEMAX, GLU)
