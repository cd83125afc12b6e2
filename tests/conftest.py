"""Shared fixtures: the registry iterated for every test, and array backends."""

from __future__ import annotations

import importlib
import os
from typing import Any

import numpy as np
import pytest

import actfn

# Keras (used only as a reference in tests) runs on its NumPy backend.
os.environ.setdefault("KERAS_BACKEND", "numpy")

ALL = [actfn.ACTIVATIONS[n] for n in actfn.names()]
ELEMENTWISE = [f for f in ALL if f.elementwise]
AXIS = [f for f in ALL if not f.elementwise]

# Parameters to call each activation with where it has required ones.
REQUIRED_PARAMS: dict[str, dict[str, Any]] = {
    "threshold": {"threshold": 0.5, "default_value": -1.0},
    "prelu": {"alpha": 0.25},
    "gumbel_softmax": {"rng": 0},
}


def params_for(f: actfn.Activation) -> dict[str, Any]:
    return dict(REQUIRED_PARAMS.get(f.name, {}))


def by_name(fs: list[actfn.Activation]) -> dict[str, Any]:
    return {"argvalues": fs, "ids": [f.name for f in fs]}


BACKENDS = ["numpy", "array_api_strict", "torch", "jax", "dask"]


@pytest.fixture(params=BACKENDS)
def xp(request: pytest.FixtureRequest) -> Any:
    """An array namespace; a missing optional backend is a skip with a reason."""
    name = request.param
    if name == "numpy":
        return np
    if name == "array_api_strict":
        return pytest.importorskip("array_api_strict", reason="array-api-strict not installed")
    if name == "torch":
        pytest.importorskip("torch", reason="PyTorch not installed")
        import array_api_compat.torch as xt

        return xt
    if name == "jax":
        jax = pytest.importorskip("jax", reason="JAX not installed")
        jax.config.update("jax_enable_x64", True)
        return importlib.import_module("jax.numpy")
    if name == "dask":
        pytest.importorskip("dask.array", reason="Dask not installed")
        import array_api_compat.dask.array as xd

        return xd
    raise AssertionError(name)


def linspace_in_domain(f: actfn.Activation, lo: float, hi: float, n: int) -> Any:
    """np.linspace(lo, hi, n) cut to the inputs where f is defined (log1mexp: x >= 0)."""
    dlo, dhi = f.spec.domain
    return np.linspace(max(lo, dlo), min(hi, dhi), n)


def in_domain(f: actfn.Activation, x: Any) -> Any:
    """The entries of x where f is defined."""
    dlo, dhi = f.spec.domain
    return x[(x >= dlo) & (x <= dhi)]
