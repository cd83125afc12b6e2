"""In-place NumPy building blocks for the engine's kernels.

A NumPy kernel (``Spec.numpy_value``) gets a private float64 block that it may
overwrite and returns the block of results.  Written with ``out=`` arguments
and the engine's per-thread temporaries (:func:`actfn._engine.temp`), a kernel
allocates nothing per block.  Selection uses ``minimum`` / ``maximum`` /
``np.putmask`` rather than ``np.where`` (a fresh array, several times slower).

Each helper performs the *same* floating-point operations, in the same order,
as the generic formula it stands for (``_numerics``), so a kernel built from
them returns the same values as the generic form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._engine import narrow, temp

__all__ = [
    "exp_neg_abs",
    "is_native",
    "mask",
    "native",
    "not_above",
    "scratch",
    "select",
    "sigmoid_into",
]

Array = np.ndarray[Any, Any]
NumpyKernel = Callable[[Array, dict[str, Any]], Any]

_NATIVE: dict[NumpyKernel, Callable[[dict[str, Any]], bool]] = {}


def native(
    when: Callable[[dict[str, Any]], bool] = lambda p: True,
) -> Callable[[NumpyKernel], NumpyKernel]:
    """Mark a kernel whose arithmetic is exact in float32 as in float64 (for the
    parameters where ``when(p)`` holds): max, min, clip, copies.  The engine then
    runs it on the input's own dtype, without the float64 round trip; the
    result is the same as the float64 evaluation rounded once.
    """

    def mark(kernel: NumpyKernel) -> NumpyKernel:
        _NATIVE[kernel] = when
        return kernel

    return mark


def is_native(kernel: NumpyKernel | None, p: dict[str, Any]) -> bool:
    when = _NATIVE.get(kernel) if kernel is not None else None
    return when is not None and when(p)


def mask(block: Array, k: int) -> Array:
    """A boolean scratch array shaped like ``block`` (temporary ``k`` viewed as bool)."""
    t = temp(block, k)
    return t.reshape(-1).view(np.bool_)[: block.size].reshape(block.shape)


def scratch(block: Array, k: int) -> Array:
    """A scratch array of ``block``'s shape and dtype (temporary ``k`` reinterpreted)."""
    t = temp(block, k)
    return t.reshape(-1).view(block.dtype)[: block.size].reshape(block.shape)


_INT = {2: np.int16, 4: np.int32, 8: np.int64}


def select(x: Array, keep: Array, other: Any, k: int) -> Array:
    """x where ``keep``, ``other`` (a scalar or an array like x) elsewhere, in place.

    Bit operations on the integer view: r = o ^ ((x ^ o) & M) with M all ones
    where keep and 0 elsewhere, an exact copy of the chosen bits.  np.putmask
    costs 1 to 2.5 ns per element here, this about 0.5.  ``x`` must be contiguous
    float32 or float64; uses temporary ``k``.
    """
    it = _INT[x.dtype.itemsize]
    xi = x.view(it)
    m = temp(x, k).reshape(-1).view(it)[: x.size].reshape(x.shape)
    np.copyto(m, keep)
    np.negative(m, out=m)
    if isinstance(other, np.ndarray):
        oi = other.view(it)
    else:
        oi = np.array(other, dtype=x.dtype).view(it)[()]
    np.bitwise_xor(xi, oi, out=xi)
    np.bitwise_and(xi, m, out=xi)
    np.bitwise_xor(xi, oi, out=xi)
    return x


def not_above(t: float, dtype: Any) -> Any:
    """The largest value of ``dtype`` not above ``t``, as a ``dtype`` scalar.

    For x of that dtype, x > t exactly when x > not_above(t): no value of the
    dtype lies strictly between the two.  Comparisons then run in the block's
    own dtype (a float64 scalar against float32 blocks costs a casting loop).
    """
    with np.errstate(over="ignore"):
        v = np.array(t, dtype=dtype)
    if float(v) > t:
        v = np.nextafter(v, np.array(-np.inf, dtype=dtype))
    return v[()]


def exp_neg_abs(x: Array, out: Array) -> Array:
    """out = exp(-|x|), in [0, 1]: never overflows."""
    np.abs(x, out=out)
    np.negative(out, out=out)
    return np.exp(out, out=out)


def sigmoid_into(x: Array, out: Array, k: int) -> Array:
    """out = sigmoid(x), as ``_numerics.sigmoid``: r = 1/(1 + e), e = exp(-|x|), and
    e * r for x < 0.  Uses temporaries ``k`` and ``k + 1``; ``out`` must not be ``x``.

    The selection multiplies r by max(e, [x >= 0]) (the comparison written as
    0.0/1.0 into a float64 temporary): that factor is exactly 1
    for x >= 0 (e <= 1) and e for x < 0, so the product is r or e * r exactly.
    """
    if narrow():
        # Rounded to float32 or narrower: 1/(1 + exp(-x)) directly.  exp, the sum
        # and the quotient each round once (about 2 float64 ULPs in all, for
        # every x: e = exp(-x) may overflow to inf, giving 0, the float32 value
        # of sigmoid below -104).
        np.negative(x, out=out)
        np.exp(out, out=out)
        np.add(out, 1.0, out=out)
        return np.divide(1.0, out, out=out)
    e = exp_neg_abs(x, temp(x, k))
    np.add(e, 1.0, out=out)
    np.divide(1.0, out, out=out)
    np.maximum(e, np.greater_equal(x, 0.0, out=temp(x, k + 1)), out=e)
    return np.multiply(out, e, out=out)
