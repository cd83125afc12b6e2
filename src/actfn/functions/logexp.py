"""Log-domain functions from JAX: logsumexp (a reduction) and log1mexp."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from .. import _native
from .._activation import (
    ArrayParam,
    Axis,
    Boolean,
    Param,
    Properties,
    Reference,
    Spec,
    normalize_axes,
)
from .._engine import BLOCK
from .normalizing import SOFTMAX

MAECHLER = Reference(
    "Mächler (2012), Accurately Computing log(1 - exp(-|a|)), Assessed by the Rmpfr package",
    "https://cran.r-project.org/web/packages/Rmpfr/vignettes/log1mexp-note.pdf",
)
JAX_DOCS = Reference(
    "JAX API: jax.nn.logsumexp", "https://docs.jax.dev/en/latest/_autosummary/jax.nn.logsumexp.html"
)

_MASK = ArrayParam(boolean=True, optional=True)


# ------------------------------------------------------------------------ logsumexp


def _lse_shape(shape: tuple[int, ...], p: Mapping[str, Any]) -> tuple[int, ...]:
    axes = normalize_axes("logsumexp", "axis", p["axis"], len(shape))
    if p["keepdims"]:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _lse_rows(b: Any, mb: Any) -> Any:
    """logsumexp along the last axis of a private float64 2-D block of whole rows
    (``mb``: its mask, or None), with the operations of :func:`_lse_value`."""
    if mb is not None:
        np.copyto(b, -math.inf, where=~mb)
    m = np.maximum.reduce(b, axis=-1, keepdims=True)
    finite = np.isfinite(m)
    np.subtract(b, np.where(finite, m, 0.0), out=b)
    at_max = b == 0.0
    count = np.count_nonzero(at_max, axis=-1, keepdims=True).astype(np.float64)
    np.exp(b, out=b)
    np.copyto(b, 0.0, where=at_max)
    others = np.add.reduce(b, axis=-1, keepdims=True)
    t = np.where(count >= 1.0, (count - 1.0) + others, 0.0)
    return np.where(finite, m + np.log1p(t), m)[:, 0]


def _runs(row: Any, mrow: Any, buf: Any, mbuf: Any) -> Iterator[tuple[Any, Any]]:
    """Runs of BLOCK consecutive elements of ``row`` (any shape and layout) in C
    order, the last one shorter, converted to float64 in ``buf`` (with their mask
    in ``mbuf``): the same runs whatever the layout, so the sums are the same."""
    mask = np.broadcast_to(True, row.shape) if mrow is None else mrow
    it = np.nditer(
        [row, mask],
        flags=["external_loop", "buffered", "zerosize_ok"],
        op_dtypes=[np.float64, np.bool_],
        casting="unsafe",
        buffersize=BLOCK,
        order="C",
    )
    fill = 0
    with it:
        for xc, mc in it:
            pos, n = 0, xc.size
            while pos < n:
                take = min(BLOCK - fill, n - pos)
                buf[fill : fill + take] = xc[pos : pos + take]
                mbuf[fill : fill + take] = mc[pos : pos + take]
                fill += take
                pos += take
                if fill == BLOCK:
                    yield buf, mbuf
                    fill = 0
    if fill:
        yield buf[:fill], mbuf[:fill]


def _flat_view(a: Any) -> Any | None:
    try:
        return np.reshape(a, (-1,), copy=False)
    except ValueError:
        return None


def _lse_long_row(row: Any, mrow: Any, buf: Any, mbuf: Any) -> float:
    """logsumexp of one row of any shape (the reduced axes), a run of BLOCK
    elements at a time (:func:`_runs`) in two passes: the maximum, then the count
    of maxima and the sum of the other exp(x - m), each run summed pairwise and
    the runs' sums added with Neumaier's compensation (an error below one float64
    ULP of the total beyond the runs' own), so that memory stays at one block
    whatever the row length.  A row of at most BLOCK elements is one run: the
    operations of :func:`_lse_rows`."""
    m = -math.inf
    for b, mb in _runs(row, mrow, buf, mbuf):
        np.copyto(b, -math.inf, where=~mb)
        pm = float(np.max(b))
        if math.isnan(pm):
            return pm
        m = max(m, pm)
    if not math.isfinite(m):
        return m  # +inf entry, all -inf or fully masked (NaN returned above)
    count = 0
    total = comp = 0.0
    for b, mb in _runs(row, mrow, buf, mbuf):
        np.copyto(b, -math.inf, where=~mb)
        np.subtract(b, m, out=b)
        at_max = b == 0.0
        count += int(np.count_nonzero(at_max))
        np.exp(b, out=b)
        np.copyto(b, 0.0, where=at_max)
        s = float(np.sum(b))
        # Neumaier's compensated sum of the runs' sums (all >= 0).
        t = total + s
        comp += (total - t) + s if total >= s else (s - t) + total
        total = t
    return m + math.log1p((count - 1) + (total + comp))


def lse_numpy(x: Any, p: Mapping[str, Any], result_dtype: Any = None, out: Any = None) -> Any:
    """logsumexp of a NumPy array (any real dtype) in bounded memory.

    The reduced axes are moved last (a view) and the input is read a block of at
    most BLOCK elements at a time into a float64 scratch buffer: whole rows when
    a row fits in a block (the operations of the generic form, row by row, so
    the results are the same), otherwise one row at a time in two passes
    (:func:`_lse_long_row`).  Memory beyond the output is one block (128 KiB)
    and its temporaries, whatever the size of x; the result does not depend on
    the number of threads (there is one) or the layout of x.
    """
    axes = normalize_axes("logsumexp", "axis", p["axis"], x.ndim)
    shape = _lse_shape(tuple(x.shape), p)
    dtype = np.dtype(result_dtype if result_dtype is not None else np.float64)
    if out is None:
        out = np.empty(shape, dtype=dtype)
    kept = [i for i in range(x.ndim) if i not in axes]
    perm = (*kept, *axes)
    xm = np.transpose(x, perm)
    mask = _MASK.broadcast("logsumexp", "where", np, x, p["where"])
    mm = None if mask is None else np.transpose(np.broadcast_to(mask, x.shape), perm)
    nrows = math.prod(x.shape[i] for i in kept)
    length = math.prod(x.shape[i] for i in axes)
    if nrows == 0:
        return out
    if length == 0:
        out[...] = -math.inf  # a sum over no entries is 0, its log -inf
        return out
    ck = _native.rows("logsumexp", p)
    if (
        ck is not None
        and x.dtype == np.float32
        and dtype == np.float32
        and x.flags.c_contiguous
        and out.flags.c_contiguous
        and list(axes) == list(range(x.ndim - len(axes), x.ndim))
    ):
        # float32 reduced over trailing axes: rows of the contiguous input, one
        # compiled call (actfn._native) with no scratch memory.
        ck(x, out, 0, nrows, length, 1)
        return out
    # The results, row by row in C order of the kept axes: out itself viewed flat
    # (rounded once on assignment), or for an out= that has no flat view a float64
    # array copied into it at the end.
    res = _flat_view(out)
    direct = res is not None
    if res is None:
        res = np.empty(nrows, dtype=np.float64)
    buf = np.empty(BLOCK, dtype=np.float64)
    mbuf = np.empty(BLOCK, dtype=np.bool_)
    with np.errstate(all="ignore"):
        x2 = _rows_view(xm, nrows, length)
        m2 = None if mm is None else _rows_view(mm, nrows, length)
        if length <= BLOCK and x2 is not None and (mm is None or m2 is not None):
            per = max(1, BLOCK // length)
            for r0 in range(0, nrows, per):
                r1 = min(nrows, r0 + per)
                b = buf[: (r1 - r0) * length].reshape(r1 - r0, length)
                np.copyto(b, x2[r0:r1], casting="unsafe")
                mb = None if m2 is None else m2[r0:r1]
                np.copyto(res[r0:r1], _lse_rows(b, mb), casting="unsafe")
        else:
            lead = xm.shape[: len(kept)]
            for i, idx in enumerate(np.ndindex(*lead)):
                res[i] = _lse_long_row(xm[idx], None if mm is None else mm[idx], buf, mbuf)
    if not direct:
        out[...] = res.reshape(out.shape)
    return out


def _rows_view(a: Any, nrows: int, length: int) -> Any | None:
    try:
        return np.reshape(a, (nrows, length), copy=False)
    except ValueError:
        return None


def _lse_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    if xp is np:
        # NumPy (the generic path, float64 here): the bounded-memory evaluation.
        return lse_numpy(x, p)
    axes = normalize_axes("logsumexp", "axis", p["axis"], x.ndim)
    if any(x.shape[a] == 0 for a in axes):
        # A sum over no entries is 0, its log -inf (as for a fully masked row);
        # max() of no entries would raise.
        return xp.full_like(xp.sum(x, axis=axes, keepdims=p["keepdims"]), -math.inf)
    mask = _MASK.broadcast("logsumexp", "where", xp, x, p["where"])
    neg = xp.full_like(x, -math.inf)
    xm = x if mask is None else xp.where(mask, x, neg)
    m = xp.max(xm, axis=axes, keepdims=True)
    finite = xp.isfinite(m)
    z = xp.where(finite, xm - xp.where(finite, m, xp.zeros_like(m)), neg)
    # log(sum e^z) with max z = 0 as log1p(t), t = (count of maxima - 1) + the sum
    # over the other entries: the small terms are summed among themselves, not
    # added to 1 first, so log1p keeps them when the maximum dominates.  m and
    # log1p(t) >= 0 are added last: the one rounding there is the inherent
    # conditioning of logsumexp at x (relative error u (|m| + log1p t)/|result|).
    at_max = z == 0.0
    count = xp.sum(xp.astype(at_max, x.dtype), axis=axes, keepdims=True)
    others = xp.sum(xp.where(at_max, xp.zeros_like(z), xp.exp(z)), axis=axes, keepdims=True)
    t = xp.where(count >= 1.0, (count - 1.0) + others, xp.zeros_like(others))
    # Infinite or NaN maximum (a +inf entry, a row of all -inf, a fully masked row
    # or a NaN): the maximum itself is the result.
    r = xp.where(finite, m + xp.log1p(t), m)
    if not p["keepdims"]:
        r = xp.squeeze(r, axis=axes) if axes else r
    return r


def _lse_vjp(xp: Any, x: Any, g: Any, p: dict[str, Any]) -> Any:
    axes = normalize_axes("logsumexp", "axis", p["axis"], x.ndim)
    if not p["keepdims"] and axes:
        g = xp.reshape(g, tuple(1 if i in axes else n for i, n in enumerate(x.shape)))
    # d logsumexp / dx = softmax(x) over the same axes (0 at masked entries; a
    # fully masked row gives 0).
    y = SOFTMAX.value(xp, x, {"axis": axes, "where": p["where"]})
    return g * y


def _lse_mp(mp: Any, row: list[Any], p: dict[str, Any]) -> list[Any]:
    return [mp.log(mp.fsum(mp.exp(v) for v in row))]


LOGSUMEXP = Spec(
    name="logsumexp",
    family="log-domain",
    kind="reduction",
    summary="log(sum(exp(x))) over axes, without overflow: a smooth maximum.",
    formula=r"f(x) = \log \sum_{i} e^{x_i}",
    params=(
        Param("axis", None, Axis(multiple=True), "Axis or axes to reduce; None for all axes."),
        Param("keepdims", False, Boolean(), "If True, the reduced axes are kept with size 1."),
        Param(
            "where",
            None,
            _MASK,
            "Mask broadcast against x: only entries where it is True take part.",
        ),
    ),
    properties=Properties((-math.inf, math.inf), "(-inf, inf)", True, "C-inf", False),
    references=(JAX_DOCS,),
    value=_lse_value,
    vjp=_lse_vjp,
    mp=_lse_mp,
    out_shape=_lse_shape,
    numpy_call=lse_numpy,
    equivalents={"torch": "torch.logsumexp", "jax": "jax.nn.logsumexp"},
    details="Computed as m + log1p(t) with m the maximum and t the sum of exp(x - m) over "
    "all but one maximal entry, so a dominant entry does not swamp the small ones.  "
    "A +inf entry gives +inf, a row of all -inf (or fully masked) gives -inf, NaN gives "
    "NaN.  On NumPy the input is read block by block (rows longer than a block in two "
    "passes, the pieces' sums added with compensation), so memory beyond the output "
    "stays at one block whatever the size.  The vjp is the cotangent times softmax(x) "
    "over the reduced axes.  A "
    "temperature t is t * logsumexp(x / t).",
    differences="JAX's logsumexp also takes weights b and return_sign; actfn does not.  "
    "PyTorch's takes dim (required) and keepdim.",
    examples=""">>> import actfn
>>> actfn.logsumexp([1000.0, 1000.0])
array(1000.69314718)
>>> actfn.logsumexp([[0.0, -40.0], [1.0, 1.0]], axis=1)
array([4.24835426e-18, 1.69314718e+00])
>>> actfn.logsumexp([0.0, 0.0, 50.0], where=[True, True, False])
array(0.69314718)""",
)


# ------------------------------------------------------------------------- log1mexp

_LN2 = math.log(2.0)
# Above 40, 1/expm1(x) and exp(-x) differ by a factor 1 + e^-40 (below 2^-57).
_CAP = 40.0


def _log1mexp(xp: Any, x: Any, trust_log1p: bool) -> Any:
    # Mächler (2012): log(-expm1(-x)) for 0 < x <= log 2, where 1 - e^-x is small and
    # expm1 gives it to full relative accuracy; log1p(-exp(-x)) above, where e^-x <=
    # 1/2 is accurate and log1p keeps the small result.  Both branches are fed a safe
    # positive x so that neither evaluates log(0) or log of a negative number.
    pos = x > 0.0
    xs = xp.where(pos, x, xp.ones_like(x))
    small = xp.log(-xp.expm1(-xp.minimum(xs, _LN2)))
    e = xp.exp(-xp.maximum(xs, _LN2))
    large = xp.log1p(-e)
    if not trust_log1p:
        # XLA's log1p is up to 128 ULP off for arguments in [-1/2, -1/4) (measured,
        # jax 0.10 on CPU), i.e. for log 2 < x <= log 4.  There log1p(-e) = log(hi + lo)
        # with hi + lo = 1 - e exactly (Dekker's two-sum, 1 >= e), which is
        # log(hi) + lo/hi up to (lo/hi)^2 < 2^-106: a log in (-0.7, -0.28) plus a
        # correction below 2^-53 of it, within 2 ULP (measured) with any accurate log.
        hi = 1.0 - e
        lo = (1.0 - hi) - e
        large = xp.where(xs <= 2.0 * _LN2, xp.log(hi) + lo / hi, large)
    r = xp.where(xs <= _LN2, small, large)
    edge = xp.where(x == 0.0, xp.full_like(x, -math.inf), xp.full_like(x, math.nan))
    return xp.where(pos, r, edge)


def _log1mexp_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    return _log1mexp(xp, x, trust_log1p=False)


def _log1mexp_numpy(x: Any, p: dict[str, Any]) -> Any:
    # NumPy's log1p is accurate (within 1 ULP here): one rounding fewer than the band.
    return _log1mexp(np, x, trust_log1p=True)


def _log1mexp_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # e^-x / (1 - e^-x) = 1/expm1(x): one rounding after expm1; for x > 40 it is
    # exp(-x) to within 2^-57.  x = 0 gives +inf (the limit), x < 0 NaN.
    pos = x > 0.0
    xs = xp.where(pos, xp.minimum(x, _CAP), xp.ones_like(x))
    r = xp.where(x > _CAP, xp.exp(-xp.maximum(x, _CAP)), 1.0 / xp.expm1(xs))
    edge = xp.where(x == 0.0, xp.full_like(x, math.inf), xp.full_like(x, math.nan))
    return xp.where(pos, r, edge)


def _log1mexp_mp(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    if x < 0:
        return mp.nan
    if x == 0:
        return mp.ninf
    # log1p keeps the tiny result for large x (log(1 - 1e-130) is 0 at 60 digits).
    return mp.log(-mp.expm1(-x)) if x < 1 else mp.log1p(-mp.exp(-x))


def _log1mexp_mp_derivative(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    if x < 0:
        return mp.nan
    if x == 0:
        return mp.inf
    return 1 / mp.expm1(x)


LOG1MEXP = Spec(
    name="log1mexp",
    family="log-domain",
    summary="log(1 - exp(-x)) for x >= 0, accurate near 0 and for large x.",
    formula=r"f(x) = \log\big(1 - e^{-x}\big), \quad x \ge 0",
    params=(),
    properties=Properties((-math.inf, 0.0), "(-inf, 0]", True, "C-inf", False),
    references=(MAECHLER,),
    domain=(0.0, math.inf),
    value=_log1mexp_value,
    numpy_value=_log1mexp_numpy,
    derivative=_log1mexp_derivative,
    mp=_log1mexp_mp,
    mp_derivative=_log1mexp_mp_derivative,
    equivalents={"jax": "jax.nn.log1mexp"},
    details="Defined for x >= 0: x = 0 gives -inf, +inf gives 0, and x < 0 (outside the "
    "domain, where 1 - e^-x < 0) gives NaN.  Computed as log(-expm1(-x)) for x <= log 2 "
    "and log1p(-exp(-x)) above (Mächler 2012).  The derivative is 1/expm1(x) (+inf at 0).",
    differences="JAX's log1mexp uses the same two branches.",
    examples=""">>> import actfn
>>> actfn.log1mexp([1e-20, 0.5, 50.0])
array([-4.60517019e+01, -9.32752130e-01, -1.92874985e-22])
>>> actfn.log1mexp([0.0, -1.0])
array([-inf,  nan])""",
)

SPECS = (LOGSUMEXP, LOG1MEXP)
