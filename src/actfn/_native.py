"""The compiled kernels (``actfn._cnative``), where they were built.

``setup.py`` builds them from ``src/actfn/_c`` when a C compiler is available;
without it (or with ``ACTFN_NATIVE=0`` in the environment) every NumPy input
goes through the NumPy kernels instead, with the same accuracy bounds.

A compiled kernel computes a float32 result in double precision and rounds it
once (``_c/vmath.h`` has the error argument), in one pass over the data without
temporaries.  sigmoid, silu, glu, softplus and gelu have float32-arithmetic kernels
for processors with AVX-512 (``_c/k_avx512.c``, checked over every float32
input), used there unless ``ACTFN_AVX512=0`` is in the environment: then every
processor computes the double kernels' values.  The engine uses a kernel for
float32 inputs with float32 results whose parameters are all scalars;
``tests/test_engine.py`` checks each against the generic form (NaN, signed
zeros and infinities identical, values within 1 ULP) and
``tests/test_accuracy.py`` against mpmath.

The piecewise-linear functions (:func:`table64`: relu, clips, shrinkages and
the like) have float64 kernels too, with the float64 generic form's operations:
the same values bit for bit (tested), in one pass instead of a few NumPy ufunc
calls per block.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

from . import _numerics

__all__ = [
    "available",
    "avx512",
    "elementwise",
    "enabled",
    "rows",
    "set_avx512",
    "set_enabled",
    "table",
    "table64",
]

Array = np.ndarray[Any, Any]
#: ``ck(x, y, start, stop)``: y[start:stop] = f(x[start:stop]) on 1-D float32 arrays.
EwKernel = Callable[[Array, Array, int, int], None]
#: ``ck(x, y, start, stop, length, out_length)`` on rows of C-contiguous float32 arrays.
RowKernel = Callable[[Array, Array, int, int, int, int], None]

try:
    from . import _cnative  # type: ignore[attr-defined]
except ImportError:  # not built: the NumPy kernels serve every call
    _cnative = None

_TABLE: dict[str, tuple[str, int, tuple[str, ...]]] = {}
if _cnative is not None:
    for _name, (_kind, _index, _params) in _cnative.kernels().items():
        _TABLE[_name] = (_kind, _index, tuple(q for q in _params.split(",") if q))

#: The float64 kernels (functions whose double arithmetic is the generic form's).
_TABLE64: dict[str, tuple[int, tuple[str, ...]]] = {}
if _cnative is not None:
    for _name, (_index, _params) in _cnative.kernels64().items():
        _TABLE64[_name] = (_index, tuple(q for q in _params.split(",") if q))

_enabled = _cnative is not None and os.environ.get("ACTFN_NATIVE", "1") != "0"
if _cnative is not None and os.environ.get("ACTFN_AVX512", "1") == "0":
    _cnative.avx512(False)


def available() -> bool:
    """Whether the compiled kernels were built and import."""
    return _cnative is not None


def enabled() -> bool:
    """Whether calls use the compiled kernels (built, and not switched off)."""
    return _enabled


def set_enabled(flag: bool) -> bool:
    """Switch the compiled kernels on or off (for tests and benchmarks); returns
    the previous setting.  Switching on has no effect where they were not built."""
    global _enabled
    previous = _enabled
    _enabled = bool(flag) and _cnative is not None
    return previous


def avx512() -> bool:
    """Whether sigmoid, silu, glu, softplus (beta 1, no threshold) and gelu (exact
    form) run their
    float32-arithmetic AVX-512 kernels
    (k_avx512.c: where the processor has AVX-512; the double kernels elsewhere)."""
    return _cnative is not None and bool(_cnative.avx512())


def set_avx512(flag: bool) -> bool:
    """Switch those AVX-512 kernels on (where the processor has them) or off, for
    tests and benchmarks; returns the previous setting."""
    return _cnative is not None and bool(_cnative.avx512(bool(flag)))


def table() -> dict[str, tuple[str, tuple[str, ...]]]:
    """The compiled kernels: name -> (kind "ew" or "rows", parameters they read)."""
    return {name: (kind, params) for name, (kind, _, params) in _TABLE.items()}


def _pack(names: tuple[str, ...], p: Mapping[str, Any]) -> tuple[float, ...] | None:
    """The parameters as doubles (None as NaN, booleans as 0/1); None if one is
    not a scalar (an array alpha, a mask, a generator): the NumPy kernel then runs."""
    values = []
    for q in names:
        v = p[q]
        if v is None:
            values.append(math.nan)
        elif isinstance(v, bool | int | float | np.bool_ | np.integer | np.floating):
            values.append(float(v))
        else:
            return None
    return tuple(values)


# Values a kernel reads after its parameters, derived from them once per call.
_DERIVED: dict[str, Callable[[Mapping[str, Any]], tuple[float, ...]]] = {
    # softplus: the largest double at most threshold/beta (NaN for no threshold)
    "softplus": lambda p: (
        math.nan
        if p["threshold"] is None
        else _numerics.floor_quotient(float(p["threshold"]), float(p["beta"])),
    ),
}


def table64() -> dict[str, tuple[str, ...]]:
    """The compiled float64 elementwise kernels: name -> parameters they read."""
    return {name: params for name, (_, params) in _TABLE64.items()}


def elementwise(
    name: str, p: Mapping[str, Any], always: bool = False, dtype: Any = np.float32
) -> EwKernel | None:
    """The compiled elementwise kernel of ``name`` for parameters ``p`` and
    ``dtype`` arrays (float32; float64 for the few in :func:`table64`), or None
    (also None while switched off, unless ``always``)."""
    if dtype != np.float32:
        found = _TABLE64.get(name) if dtype == np.float64 and (_enabled or always) else None
        if found is None:
            return None
        packed64 = _pack(found[1], p)
        return None if packed64 is None else partial(_cnative.ew64, found[0], packed64)
    entry = _TABLE.get(name) if _enabled or always else None
    if entry is None or entry[0] != "ew":
        return None
    packed = _pack(entry[2], p)
    if packed is None:
        return None
    derived = _DERIVED.get(name)
    if derived is not None:
        packed += derived(p)
    return partial(_cnative.ew, entry[1], packed)


def rows(name: str, p: Mapping[str, Any], always: bool = False) -> RowKernel | None:
    """The compiled row kernel of ``name`` for parameters ``p`` (axis excluded), or
    None (also None while switched off, unless ``always``)."""
    entry = _TABLE.get(name) if _enabled or always else None
    if entry is None or entry[0] != "rows":
        return None
    packed = _pack(entry[2], p)
    if packed is None:
        return None
    return partial(_cnative.rows, entry[1], packed)
