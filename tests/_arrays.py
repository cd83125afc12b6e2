"""Helpers for the backend tests: arrays into and out of each library, ULP distance,
and the points where gradients are checked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import array_api_compat
import numpy as np

import actfn

# Edges of the float32/float64 ranges of exp: 88 (float32 exp overflows near 88.7),
# 700 (float64 near 709.8) and 1e4, far beyond both; and 0.
EDGES = (-1e4, -700.0, -88.0, 0.0, 88.0, 700.0, 1e4)
ORDINARY = (
    -6.5,
    -3.7,
    -2.2,
    -1.3,
    -0.9,
    -0.45,
    -0.2,
    -1e-3,
    1e-3,
    0.2,
    0.45,
    0.9,
    1.3,
    2.2,
    3.7,
    6.5,
)


def points(f: actfn.Activation, p: dict[str, Any]) -> np.ndarray[Any, Any]:
    """Ordinary points, the edges, and every kink of ``f`` with parameters ``p``,
    inside f's domain."""
    full = f.configure(**p).defaults if p else f.defaults
    kinks = tuple(float(k) for k in f.spec.kinks(full))
    pts = np.array(sorted(set(ORDINARY + EDGES + kinks)), dtype=np.float64)
    # only where f is defined (log1mexp: x >= 0; its end point 0 is an edge)
    lo, hi = f.spec.domain
    return pts[(pts >= lo) & (pts <= hi)]


def name_of(xp: Any) -> str:
    for name in ("numpy", "torch", "jax", "dask", "cupy"):
        if getattr(array_api_compat, f"is_{name}_namespace")(xp):
            return name
    return xp.__name__  # type: ignore[no-any-return]


# The device from_numpy puts arrays on (None: the library's default); set by the
# torch_cuda backend of conftest's xp fixture.
_device: list[Any] = [None]


@contextmanager
def on_device(device: Any) -> Iterator[None]:
    """Within the block, from_numpy makes its arrays on ``device``."""
    _device.append(device)
    try:
        yield
    finally:
        _device.pop()


def from_numpy(xp: Any, a: np.ndarray[Any, Any], chunks: Any = None, **kw: Any) -> Any:
    """``a`` in library ``xp`` (on the device of ``on_device``, if any); Dask arrays
    get several chunks along every axis."""
    if _device[-1] is not None:
        kw.setdefault("device", _device[-1])
    if xp is np:
        return a.copy()
    if name_of(xp) == "dask":
        import dask.array as da

        if chunks is None:
            chunks = tuple(max(1, (s + 2) // 3) for s in a.shape)
        return da.from_array(a, chunks=chunks)
    return xp.asarray(a, **kw)


def to_numpy(r: Any) -> np.ndarray[Any, Any]:
    if isinstance(r, np.ndarray):
        return r
    if array_api_compat.is_dask_array(r):
        return np.asarray(r.compute())
    if array_api_compat.is_torch_array(r):
        return r.detach().cpu().numpy()  # type: ignore[no-any-return]
    if array_api_compat.is_cupy_array(r):
        return r.get()  # type: ignore[no-any-return]
    return np.asarray(r)


def ulps(
    a: np.ndarray[Any, Any], b: np.ndarray[Any, Any], floor: float = 0.0, flush: bool = False
) -> float:
    """Largest distance between a and b in units in the last place of their dtype.

    NaN matches NaN, equal infinities match, and a signed zero matches the other.
    Magnitudes below ``floor`` are measured in ULPs of ``floor`` (for results
    whose error is absolute, such as log_softmax's ``z - log(sum)``).  With
    ``flush``, zero matches a subnormal: XLA on CPU flushes subnormals to zero
    on purpose (https://github.com/jax-ml/jax/issues/16200).
    """
    a = np.asarray(a)
    b = np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
    both_nan = np.isnan(a) & np.isnan(b)
    same = (a == b) | both_nan
    if flush:
        tiny = np.finfo(a.dtype).tiny
        same |= ((a == 0) & (np.abs(b) < tiny)) | ((b == 0) & (np.abs(a) < tiny))
    if same.all():
        return 0.0
    bad = ~same
    if (np.isnan(a[bad]) | np.isnan(b[bad]) | np.isinf(a[bad]) | np.isinf(b[bad])).any():
        return np.inf
    big = np.maximum(np.maximum(np.abs(a[bad]), np.abs(b[bad])), floor)
    scale = np.spacing(big.astype(a.dtype))
    return float(np.max(np.abs(a[bad].astype(np.float64) - b[bad]) / scale))
