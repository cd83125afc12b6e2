"""Dask: every activation works lazily on chunked arrays, the functions along an
axis are correct when that axis is split across chunks, and the same graphs run
on a ``dask.distributed`` cluster.

The cluster test on 10^8 elements (10^6-element chunks) is opt-in: it generates
and reduces several GB and took about a minute on a shared 2-core machine.  Run
it with::

    ACTFN_SLOW=1 PYTHONPATH=src python -m pytest tests/test_dask.py -m slow

A 10^6-element version of it always runs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import actfn
from _arrays import points, ulps

from conftest import ALL, AXIS, ELEMENTWISE, by_name, params_for

da = pytest.importorskip("dask.array", reason="Dask not installed")
dask = pytest.importorskip("dask", reason="Dask not installed")

pytestmark = pytest.mark.filterwarnings(
    "ignore:overflow encountered:RuntimeWarning",
    "ignore:invalid value encountered:RuntimeWarning",
)

SLOW = os.environ.get("ACTFN_SLOW") == "1"

# As in test_backends: 4 float64 ULP; gelu's erfc tail 64; log_softmax's error
# is absolute (one ULP of log(n)).
TOL = {"gelu": 64.0}
FLOOR = {"log_softmax": 8.0}


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a Dask graph was computed while building the result")


@contextlib.contextmanager
def _no_compute() -> Iterator[None]:
    """Any compute (or conversion to NumPy) inside the block fails the test."""
    with dask.config.set(scheduler=_refuse):
        yield


def _data(f: actfn.Activation, shape: tuple[int, int] = (6, 10)) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(5)
    a = rng.normal(size=shape) * 4.0
    pts = points(f, params_for(f))
    a.flat[: pts.size] = pts
    return a


def _cases(f: actfn.Activation) -> list[dict[str, Any]]:
    if f.elementwise:
        return [params_for(f)]
    cases: list[dict[str, Any]] = [{"axis": -1}, {"axis": 0}, {"axis": 1}]
    if f.name in ("softmax", "log_softmax"):
        cases += [{"axis": None}, {"axis": (0, 1)}]
    # required parameters too: a seed makes the draws of two calls equal
    return [{**params_for(f), **c} for c in cases]


def test_the_no_compute_guard_catches_a_compute() -> None:
    x = da.ones(4, chunks=2)
    with _no_compute(), pytest.raises(AssertionError, match="computed"):
        np.asarray(x + 1)


@pytest.fixture(params=["engine", "generic"])
def dask_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Elementwise functions on NumPy chunks go through the engine chunk by chunk
    (the default); Dask arrays of CuPy chunks run the generic form, checked here."""
    monkeypatch.setattr(actfn._autodiff, "DASK_CHUNKS_VIA_NUMPY", request.param == "engine")
    return str(request.param)


@pytest.mark.parametrize("f", **by_name(ALL))
def test_lazy_on_chunked_arrays(f: actfn.Activation, dask_path: str) -> None:
    a = _data(f)
    # Chunks of 3 x 4: both axes split, the last one into uneven chunks 4, 4, 2
    # (and glu's halves, 5 + 5, straddle a chunk boundary).
    x = da.from_array(a, chunks=(3, 4))
    for p in _cases(f):
        with _no_compute():
            r = f(x, **p)
        assert isinstance(r, da.Array)
        assert r.dtype == np.float64
        if f.elementwise:
            assert r.chunks == x.chunks
        want = f(a, **p)
        with dask.config.set(scheduler="sync"):
            got = r.compute()
        assert got.shape == want.shape
        assert ulps(got, want, floor=FLOOR.get(f.name, 0.0)) <= TOL.get(f.name, 4.0), p


@pytest.mark.parametrize("f", **by_name(ELEMENTWISE))
def test_derivative_and_vjp_are_lazy(f: actfn.Activation, dask_path: str) -> None:
    a = _data(f)
    x = da.from_array(a, chunks=(3, 4))
    g = da.ones_like(x)
    p = params_for(f)
    with _no_compute():
        d = f.derivative(x, **p)
        v = f.vjp(x, g, **p)
    with dask.config.set(scheduler="sync"):
        assert ulps(d.compute(), f.derivative(a, **p)) <= TOL.get(f.name, 4.0)
        assert ulps(v.compute(), f.vjp(a, np.ones_like(a), **p)) <= TOL.get(f.name, 4.0)


@pytest.mark.parametrize("f", **by_name(AXIS))
def test_axis_vjp_lazy_across_chunks(f: actfn.Activation) -> None:
    a = _data(f)
    x = da.from_array(a, chunks=(3, 4))
    p = params_for(f)
    gy = np.random.default_rng(1).normal(size=f(a, **p).shape)
    g = da.from_array(gy, chunks=3)
    with _no_compute():
        v = f.vjp(x, g, **p)
    with dask.config.set(scheduler="sync"):
        assert ulps(v.compute(), f.vjp(a, gy, **p), floor=4.0) <= 4.0


def test_sparsemax_keeps_the_input_chunks() -> None:
    # The sort needs the whole axis in one chunk; the rechunk is part of the lazy
    # graph and the result comes back in the input's chunks.
    a = np.random.default_rng(2).normal(size=(8, 12))
    x = da.from_array(a, chunks=(4, 5))
    with _no_compute():
        r = actfn.sparsemax(x)
    assert r.chunks == x.chunks
    with dask.config.set(scheduler="sync"):
        got = r.compute()
    assert ulps(got, actfn.sparsemax(a), floor=1.0) <= 4.0
    assert np.allclose(got.sum(axis=-1), 1.0, rtol=0, atol=1e-15)


# ------------------------------------------------------------------- distributed

# Elementwise functions run on the cluster besides the four along an axis: one of
# each kind of graph (plain ufuncs, gelu's erfc through map_blocks, a series).
CLUSTER = ["softmax", "log_softmax", "sparsemax", "glu", "gelu", "elu", "tanh_shrink"]


def _run_on_cluster(rows: int, cols: int, chunk_rows: int) -> None:
    distributed = pytest.importorskip("distributed", reason="dask.distributed not installed")
    src = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, "src"))
    # Workers are new processes: they import actfn from the same source tree.
    env = {"PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            env=env,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # Chunks split the last axis in two, so each function along it crosses
        # a chunk boundary.
        x = da.random.default_rng(42).standard_normal((rows, cols), chunks=(chunk_rows, cols // 2))
        x = x * 3.0
        sample = np.random.default_rng(0).choice(rows, size=16, replace=False)
        sample.sort()
        xs = x[sample].compute()
        for name in CLUSTER:
            f = actfn.ACTIVATIONS[name]
            y = f(x)
            # Whole-array checks computed on the workers, and a sample of rows
            # against NumPy.
            if name in ("softmax", "sparsemax"):
                total = client.compute(da.max(da.abs(da.sum(y, axis=-1) - 1.0))).result()
                assert total < 1e-12, name
            if name == "log_softmax":
                total = client.compute(da.max(da.abs(da.sum(da.exp(y), axis=-1) - 1.0)))
                assert total.result() < 1e-12
            if name in ("elu", "gelu", "tanh_shrink"):
                assert client.compute(da.isnan(y).any()).result() == np.False_
            got = client.compute(y[sample]).result()
            assert ulps(got, f(xs), floor=FLOOR.get(name, 0.0)) <= TOL.get(name, 4.0), name


def test_distributed_cluster_small() -> None:
    # 10^6 elements in 10^5-element chunks.
    _run_on_cluster(rows=1000, cols=1000, chunk_rows=200)


@pytest.mark.slow
@pytest.mark.skipif(not SLOW, reason="10^8-element cluster run: opt in with ACTFN_SLOW=1")
def test_distributed_cluster_1e8() -> None:
    # 10^8 elements in 10^6-element chunks (2000 rows x 500 columns each).
    _run_on_cluster(rows=100_000, cols=1000, chunk_rows=2000)


def test_array_parameters_and_draws_across_chunks(dask_path: str) -> None:
    # An alpha per column with the columns split across chunks, and rrelu's
    # training draws (one per element of the whole array, as on NumPy).
    a = np.random.default_rng(6).normal(size=(6, 10))
    x = da.from_array(a, chunks=(3, 4))
    alpha = np.linspace(0.1, 1.0, 10)
    cases = [
        (actfn.prelu, {"alpha": alpha}),
        (actfn.snake, {"alpha": alpha}),
        (actfn.rrelu, {"training": True, "rng": 0}),
    ]
    for f, p in cases:
        with _no_compute():
            r = f(x, **p)
            d = f.derivative(x, **p)
        with dask.config.set(scheduler="sync"):
            assert ulps(r.compute(), f(a, **p)) <= 4.0, f.name
            assert ulps(d.compute(), f.derivative(a, **p)) <= 4.0, f.name
