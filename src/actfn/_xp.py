"""Array namespaces, the dtype policy and ``out=`` checks.

Everything here is about *arrays*, nothing about activations: which library an
input belongs to, which floating dtype a result has, which dtype the arithmetic
runs in, and whether an ``out=`` argument is usable.
"""

from __future__ import annotations

import numbers
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Prepared", "astype", "check_out", "prepare", "to_result"]

# Library names whose arrays are accepted.  The namespace itself always comes
# from ``array_api_compat.array_namespace``; this list only makes the error for
# an unsupported object readable.
_ARRAY_LIBRARIES = "NumPy, PyTorch, JAX, CuPy, Dask or any Array-API library"


@dataclass(frozen=True, slots=True)
class Prepared:
    """An input made ready for evaluation.

    ``x`` is in ``compute_dtype``; the result is returned in ``result_dtype``.
    ``is_numpy`` selects the engine path.
    """

    xp: Any
    x: Any
    result_dtype: Any
    compute_dtype: Any
    is_numpy: bool


def _type_name(obj: object) -> str:
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _numpy_from_python(fname: str, arg: str, x: object) -> np.ndarray[Any, Any]:
    """Python scalars, lists and tuples become NumPy arrays (strictly numeric)."""
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged nested lists
        raise TypeError(
            f"{fname}: {arg} must be a rectangular array of real numbers; "
            f"got a ragged {_type_name(x)} ({exc})"
        ) from None
    if arr.dtype == object and _all_python_reals(x):
        # Integers beyond int64 (2**70) give an object array; they are real
        # numbers, read as float64 like every other integer input.
        try:
            arr = np.asarray(x, dtype=np.float64)
        except OverflowError:
            raise ValueError(
                f"{fname}: {arg} holds an integer too large for float64 (|x| >= 2**1024); "
                "allowed: real numbers within the float64 range"
            ) from None
    return arr


def _all_python_reals(x: object) -> bool:
    if isinstance(x, list | tuple):
        return all(_all_python_reals(v) for v in x)
    return isinstance(x, int | float | np.integer | np.floating)


def _namespace(fname: str, arg: str, x: object) -> tuple[Any, Any]:
    if isinstance(x, np.ndarray):
        if type(x) is np.ndarray:
            return np, x
        ma = sys.modules.get("numpy.ma")
        if ma is not None and isinstance(x, ma.MaskedArray):
            raise TypeError(
                f"{fname}: {arg} must be an unmasked array; got a numpy.ma.MaskedArray "
                f"(pass {arg}.filled(value) or {arg}.data to choose what masked entries mean)"
            )
        # Subclasses (np.matrix, np.memmap, ...) are read as plain arrays: their
        # operator overloads (matrix '*') must not change the arithmetic.
        return np, np.asarray(x)
    if isinstance(x, numbers.Number | np.generic | list | tuple):
        return np, _numpy_from_python(fname, arg, x)
    import array_api_compat

    try:
        xp = array_api_compat.array_namespace(x)
    except TypeError:
        raise TypeError(
            f"{fname}: {arg} must be an array of {_ARRAY_LIBRARIES}, a real number or a "
            f"list of real numbers; got {_type_name(x)}"
        ) from None
    if array_api_compat.is_numpy_namespace(xp):
        return np, np.asarray(x)
    return xp, x


def _numpy_kind(fname: str, arg: str, arr: np.ndarray[Any, Any]) -> str:
    """'float', 'low' (float16/bfloat16) or 'int' for an acceptable NumPy dtype."""
    dt = arr.dtype
    if dt.kind == "f":
        return "low" if dt.itemsize < 4 else "float"
    if dt.kind in "biu":
        return "int"
    if dt.kind == "V" and dt.name == "bfloat16":
        return "low"
    raise TypeError(
        f"{fname}: {arg} must have a real floating, integer or bool dtype; got {dt} "
        "(complex, string, object, bytes and datetime inputs are not supported)"
    )


def prepare(fname: str, x: object, arg: str = "x") -> Prepared:
    """Resolve the namespace of ``x`` and apply the dtype policy.

    - real floating float32/float64 inputs keep their dtype;
    - float16 and bfloat16 are computed in a wider dtype and rounded once;
    - integer and bool inputs are promoted to the namespace's default floating
      dtype;
    - everything else is a ``TypeError`` naming the function and the dtype.

    On NumPy, float16/bfloat16/float32 are computed in float64: one final
    rounding of a float64 result that is accurate to a few float64 ULPs is
    within 1 ULP of the true value in the narrow dtype.
    """
    xp, arr = _namespace(fname, arg, x)
    if xp is np:
        kind = _numpy_kind(fname, arg, arr)
        if kind == "int":
            arr = arr.astype(np.float64)
        result = arr.dtype
        return Prepared(np, arr, result, np.dtype(np.float64), True)
    dtype = arr.dtype
    if xp.isdtype(dtype, "real floating"):
        result = dtype
    elif xp.isdtype(dtype, ("integral", "bool")):
        result = _default_float(xp, arr)
        arr = xp.astype(arr, result)
    else:
        raise TypeError(
            f"{fname}: {arg} must have a real floating, integer or bool dtype; got {dtype}"
        )
    compute = _wide_dtype(xp, arr, result)
    return Prepared(xp, arr, result, compute, False)


def _default_float(xp: Any, arr: Any) -> Any:
    try:
        info = xp.__array_namespace_info__()
        return info.default_dtypes(device=_device(arr))["real floating"]
    except (AttributeError, TypeError):
        return xp.float32


def _device(arr: Any) -> Any:
    import array_api_compat

    return array_api_compat.device(arr)


def _wide_dtype(xp: Any, arr: Any, dtype: Any) -> Any:
    """float64 where the namespace (and device) has it; otherwise float32.

    Narrow inputs are evaluated in a wider dtype and rounded once, so that the
    result is within 1 ULP of the true value.  JAX without x64, and some GPU
    backends, have no float64: there the arithmetic runs in float32 (float16
    and bfloat16 still gain from it).
    """
    if dtype == xp.float64:
        return dtype
    try:
        dtypes = xp.__array_namespace_info__().dtypes(device=_device(arr))
        has64 = "float64" in dtypes
    except (AttributeError, TypeError):
        has64 = True
    return xp.float64 if has64 else xp.float32


def to_result(prep: Prepared, y: Any) -> Any:
    """Round a computed array once to the result dtype."""
    return astype(prep.xp, y, prep.result_dtype)


def astype(xp: Any, x: Any, dtype: Any) -> Any:
    """``x`` in ``dtype``, rounded once where that is narrower, subnormals kept.

    CuPy compiles its kernels with ``-ftz=true`` (cupy/cupy#8382), so its own
    float32 conversions read a subnormal float32 as 0 and write 0 for a result
    below 2^-126; between float32 and float64 CuPy arrays are converted here with
    integer operations on the bits instead.
    """
    if x.dtype == dtype:
        return x
    if xp is np:
        # A value beyond the narrow dtype's range rounds to inf, as IEEE 754
        # says: that is the correct result, not a reason to warn.
        with np.errstate(over="ignore"):
            return x.astype(dtype)
    if type(x).__module__.split(".")[0] == "cupy":
        if x.dtype == xp.float32 and dtype == xp.float64:
            return widen_float32(xp, x)
        if x.dtype == xp.float64 and dtype == xp.float32:
            return narrow_to_float32(xp, x)
    return xp.astype(x, dtype)


def widen_float32(xp: Any, x: Any) -> Any:
    """float32 ``x`` as float64, exactly, subnormals too, by integer operations on
    the bits (``x.view``, as NumPy and CuPy arrays have it)."""
    u = x.view(xp.uint32)
    y = xp.astype(x, xp.float64)
    # exponent field 0: zero or subnormal, m 2^-149 with m the 23-bit field
    m = xp.astype(u & 0x007FFFFF, xp.float64) * 2.0**-149
    small = xp.where((u >> 31) == 1, -m, m)
    return xp.where((u & 0x7F800000) == 0, small, y)


def narrow_to_float32(xp: Any, y: Any) -> Any:
    """float64 ``y`` rounded once to float32, results below 2^-126 too.

    There the float32 is k 2^-149 with k = round-half-even(|y| 2^149) <= 2^23
    (k = 2^23 is the least normal number, whose bits are k as well), assembled
    as bits with y's sign."""
    r = xp.astype(y, xp.float32)
    a = xp.abs(y)
    small = a < 2.0**-126  # False at NaN
    k = xp.round(xp.where(small, a, xp.zeros_like(a)) * 2.0**149)
    sign = xp.astype(xp.signbit(y), xp.uint32) << 31
    bits = xp.where(small, xp.astype(k, xp.uint32) | sign, r.view(xp.uint32))
    return bits.view(xp.float32)


def check_out(
    fname: str, out: object, x: Any, shape: tuple[int, ...], dtype: Any, is_numpy: bool
) -> np.ndarray[Any, Any]:
    """Check an ``out=`` argument before any element is written.

    Every check runs before the computation starts, so a rejected ``out`` is
    left exactly as it was.
    """
    if not is_numpy:
        raise TypeError(
            f"{fname}: out= is supported for NumPy inputs only; got an input of "
            f"{_type_name(x)} (leave out=None: the result is returned in the input's library)"
        )
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{fname}: out must be a numpy.ndarray (or None); got {_type_name(out)}")
    if out.shape != shape and out.shape != tuple(shape):
        raise ValueError(
            f"{fname}: out has shape {out.shape}; the result has shape {tuple(shape)} "
            "(out must have the result's shape)"
        )
    if out.dtype != dtype:
        raise ValueError(
            f"{fname}: out must have the result's dtype {np.dtype(dtype)}; got dtype {out.dtype}"
        )
    if not out.flags.writeable:
        raise ValueError(f"{fname}: out must be writeable; got a read-only array")
    if not (out.flags.c_contiguous or out.flags.f_contiguous) and _may_overlap_itself(out):
        raise ValueError(
            f"{fname}: out must not have elements that share memory (such as a broadcast "
            "view with a zero stride); pass a separate array"
        )
    if isinstance(x, np.ndarray) and out is not x and np.may_share_memory(out, x):
        same = (
            out.__array_interface__["data"][0] == x.__array_interface__["data"][0]
            and out.strides == x.strides
            and out.shape == x.shape
        )
        if not same and np.shares_memory(out, x):
            raise ValueError(
                f"{fname}: out overlaps x partially; out must be x itself (same memory, "
                "shape and strides) or not share memory with x"
            )
    return out


def _may_overlap_itself(a: np.ndarray[Any, Any]) -> bool:
    """True when two elements of ``a`` may share memory.

    Sufficient test for no overlap: with the axes sorted by |stride|, each
    stride is at least the span in bytes of all the smaller axes together.
    Every view made by slicing, transposing or reshaping a plain array passes
    it; zero strides (broadcast views) and hand-made overlapping strides fail.
    """
    if a.size <= 1 or a.flags.c_contiguous or a.flags.f_contiguous:
        return False  # (contiguous arrays have no overlapping elements)
    span = a.itemsize
    for stride, n in sorted((abs(s), n) for s, n in zip(a.strides, a.shape, strict=True) if n > 1):
        if stride < span:
            return True
        span += stride * (n - 1)
    return False


def imported(name: str) -> Any:
    """The module ``name`` if the caller has already imported it, else None.

    actfn never imports a backend to detect it.
    """
    return sys.modules.get(name)
