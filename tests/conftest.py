"""Shared fixtures: the registry iterated for every test, and array backends."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import _arrays
import actfn

# Keras (used only as a reference in tests) runs on its NumPy backend.
os.environ.setdefault("KERAS_BACKEND", "numpy")

ALL = [actfn.ACTIVATIONS[n] for n in actfn.names()]
ELEMENTWISE = [f for f in ALL if f.elementwise]
AXIS = [f for f in ALL if not f.elementwise]

# Parameters to call each activation with where it has required or random ones
# (each record's sample_params).
REQUIRED_PARAMS: dict[str, dict[str, Any]] = {
    f.name: dict(f.spec.sample_params) for f in ALL if f.spec.sample_params
}


def params_for(f: actfn.Activation) -> dict[str, Any]:
    return dict(f.spec.sample_params)


def by_name(fs: list[actfn.Activation]) -> dict[str, Any]:
    return {"argvalues": fs, "ids": [f.name for f in fs]}


BACKENDS = ["numpy", "array_api_strict", "torch", "torch_cuda", "jax", "dask", "cupy"]


def _cupy_or_skip() -> Any:
    cupy = pytest.importorskip("cupy", reason="CuPy not installed (it needs a CUDA GPU)")
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver missing or broken: CuPy cannot run
        pytest.skip(f"CuPy installed but no usable CUDA device ({exc})")
    if n < 1:
        pytest.skip("CuPy installed but no CUDA device")
    import array_api_compat.cupy as xc

    return xc


@pytest.fixture(params=BACKENDS)
def xp(request: pytest.FixtureRequest) -> Iterator[Any]:
    """An array namespace; a missing optional backend is a skip with a reason.

    JAX runs with 64-bit types enabled for the duration of the test only (the
    setting is restored afterwards), so float64 inputs stay float64.
    """
    name = request.param
    if name == "numpy":
        yield np
    elif name == "array_api_strict":
        yield pytest.importorskip("array_api_strict", reason="array-api-strict not installed")
    elif name == "torch":
        pytest.importorskip("torch", reason="PyTorch not installed")
        import array_api_compat.torch as xt

        yield xt
    elif name == "torch_cuda":
        torch = pytest.importorskip("torch", reason="PyTorch not installed")
        if not torch.cuda.is_available():
            pytest.skip("PyTorch has no CUDA device here")
        import array_api_compat.torch as xt

        # from_numpy puts the test's arrays on the GPU while this backend is in use
        with _arrays.on_device("cuda"):
            yield xt
    elif name == "jax":
        jax = pytest.importorskip("jax", reason="JAX not installed")
        with jax.enable_x64(True):
            yield importlib.import_module("jax.numpy")
    elif name == "dask":
        pytest.importorskip("dask.array", reason="Dask not installed")
        import array_api_compat.dask.array as xd

        yield xd
    elif name == "cupy":
        yield _cupy_or_skip()
    else:
        raise AssertionError(name)


def linspace_in_domain(f: actfn.Activation, lo: float, hi: float, n: int) -> Any:
    """np.linspace(lo, hi, n) cut to the inputs where f is defined (log1mexp: x >= 0)."""
    dlo, dhi = f.spec.domain
    return np.linspace(max(lo, dlo), min(hi, dhi), n)


def in_domain(f: actfn.Activation, x: Any) -> Any:
    """The entries of x where f is defined."""
    dlo, dhi = f.spec.domain
    return x[(x >= dlo) & (x <= dhi)]
