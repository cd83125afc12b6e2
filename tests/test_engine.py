"""The NumPy engine: results independent of threads, blocks and layout; bounded
memory; safe from many threads, from its own workers, after fork and interrupts.

No timing assertions here: speed is measured by ``actfn bench`` (docs/speed.md).
"""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import actfn
from actfn import _engine, _native

from conftest import AXIS, ELEMENTWISE, by_name, params_for

# Values that exercise every branch: normal samples over a wide range, and
# the special points (signed zeros, kinks, overflow points, infinities, NaN).
SPECIAL = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    3.0,
    -3.0,
    6.0,
    0.5,
    -0.5,
    40.0,
    -40.0,
    41.0,
    -41.0,
    1e-300,
    -1e-300,
    1e300,
    -1e300,
    710.0,
    -710.0,
    math.inf,
    -math.inf,
]


def _sample(n: int, dtype: Any, seed: int = 0) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * np.exp(rng.uniform(-3, 3, n))
    x[: len(SPECIAL)] = SPECIAL
    with np.errstate(over="ignore"):
        return x.astype(dtype)


def _same(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> bool:
    """Bit-identical up to NaN payloads (NaN where NaN, same signed zeros)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    nan = np.isnan(a)
    return bool(
        np.array_equal(nan, np.isnan(b))
        and np.array_equal(a[~nan], b[~nan])
        and np.array_equal(np.signbit(a[~nan]), np.signbit(b[~nan]))
    )


#: (dtype, kernels): float32 through the compiled kernels (where built) and
#: through the NumPy kernels; float64 has NumPy kernels only.
#: "double": compiled, with the AVX-512 kernels of sigmoid, silu and glu off
#: (where the processor has them, "float32-compiled" runs those instead).
PATHS = [
    pytest.param(np.float32, True, id="float32-compiled"),
    pytest.param(np.float32, "double", id="float32-compiled-double"),
    pytest.param(np.float32, False, id="float32-numpy"),
    pytest.param(np.float64, True, id="float64-compiled"),
    pytest.param(np.float64, False, id="float64"),
]


@pytest.fixture
def kernels(request: pytest.FixtureRequest) -> Iterator[bool]:
    """Switch the compiled kernels on or off for one test (the ``compiled``
    parameter, True, False or "double"); a compiled case where they were not
    built is skipped."""
    compiled = bool(request.param)
    if compiled and not _native.available():
        pytest.skip("the compiled kernels were not built (see tests/test_native.py)")
    previous = _native.set_enabled(compiled)
    previous_avx512 = _native.set_avx512(request.param is True)
    yield compiled
    _native.set_enabled(previous)
    _native.set_avx512(previous_avx512)


@pytest.fixture
def engine_config() -> Iterator[None]:
    """Restore the thread count, block size and parallel threshold a test changes."""
    threads, block, work = actfn.get_num_threads(), _engine.BLOCK, _engine.PARALLEL_WORK
    yield
    actfn.set_num_threads(threads)
    _engine.BLOCK = block
    _engine.PARALLEL_WORK = work


@pytest.mark.usefixtures("engine_config", "kernels")
@pytest.mark.parametrize("f", **by_name(ELEMENTWISE))
@pytest.mark.parametrize(("dtype", "kernels"), PATHS, indirect=["kernels"])
def test_threads_and_blocks_do_not_change_results(f: actfn.Activation, dtype: Any) -> None:
    x = _sample(2 * _engine.PARALLEL_MIN + 3, dtype)
    p = params_for(f)
    _engine.PARALLEL_WORK = 0.0  # (compiled kernels: threads whatever the kernel's speed)
    results = []
    for threads, block in [(1, 16384), (2, 16384), (4, 4096), (3, 1000)]:
        actfn.set_num_threads(threads)
        _engine.BLOCK = block
        results.append(f(x, **p))
    for r in results[1:]:
        assert _same(r, results[0])


@pytest.mark.usefixtures("engine_config")
@pytest.mark.parametrize("work", [0.0, 1e9])
def test_compiled_kernel_probe_decides_threads(work: float, monkeypatch: Any) -> None:
    # Below PROBE_MAX a compiled kernel times a first chunk on the caller's thread
    # and uses the threads only if the rest would take PARALLEL_WORK or more:
    # threads with 0 seconds, none with 10^9; the same results either way.
    if not _native.enabled():
        pytest.skip("compiled kernels not built or switched off")
    x = _sample(_engine.PROBE_MAX - 999, np.float32)
    actfn.set_num_threads(1)
    serial = actfn.gelu(x)
    actfn.set_num_threads(2)
    _engine.PARALLEL_WORK = work
    calls: list[int] = []
    real = _engine._parallel
    monkeypatch.setattr(_engine, "_parallel", lambda tasks: (calls.append(len(tasks)), real(tasks)))
    got = actfn.gelu(x)
    assert calls == ([2] if work == 0.0 else [])
    assert _same(got, serial)


#: The share of float32 results allowed to differ (by 1 ULP) from the generic form's
#: rounded float64 values, where it is not 1%.  gelu's AVX-512 kernel adds terms up
#: to 1/5 of its exponent in float32 arithmetic (s^2 P on intervals of width 1,
#: k_avx512.c): 0.91% of this sample differ (0.61% with intervals of width 1/2,
#: which cost 10-20% more time); its largest error stays below 0.78 ULP over all 2^32
#: inputs (test_native).
OFF_BY_ONE = {"gelu": 0.015}


@pytest.mark.usefixtures("kernels")
@pytest.mark.parametrize("f", **by_name(ELEMENTWISE))
@pytest.mark.parametrize(("dtype", "kernels"), PATHS, indirect=["kernels"])
def test_kernel_matches_generic_form(f: actfn.Activation, dtype: Any) -> None:
    # The NumPy kernels perform the generic form's operations: same float64
    # values (NaN, signed zeros and infinities included).  The exceptions are
    # kernels marked narrow_only, which float64 results never reach (they take
    # the generic form), and ALTERNATIVE_FORMULA, kernels with another formula
    # that meets the float64 bound, within 1 ULP of the generic form.  Rounding to
    # float32, a kernel may use a cheaper float64 formula (actfn._engine.narrow)
    # whose few-ULP float64 error can move the rounded result by 1 float32 ULP
    # where the true value lies near a rounding midpoint.  The compiled float32
    # kernels (actfn._native) compute in double and round once: the same bound.
    x = _sample(50_000, dtype)
    x[-3:] = np.nan
    p = params_for(f)
    checked = f._check_params(p, partial=False)
    with np.errstate(all="ignore"):
        ref = np.asarray(f.spec.value(np, x.astype(np.float64), checked)).astype(dtype)
    got = f(x, **p)
    nan = np.isnan(ref)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(np.signbit(got[~nan]), np.signbit(ref[~nan]))
    if dtype == np.float64 and f.name not in ALTERNATIVE_FORMULA:
        assert _same(got, ref)
    else:
        np.testing.assert_array_max_ulp(got[~nan], ref[~nan], maxulp=1)
        if dtype == np.float32:
            assert np.mean(got[~nan] != ref[~nan]) < OFF_BY_ONE.get(f.name, 0.01)


#: Axis functions with a row kernel: a NumPy one, a compiled one, or both.
ROW_KERNELS = [
    g
    for g in AXIS
    if g.spec.numpy_value is not None or _native.table().get(g.name, ("",))[0] == "rows"
]


@pytest.mark.usefixtures("kernels")
@pytest.mark.parametrize("f", **by_name(ROW_KERNELS))
@pytest.mark.parametrize(("dtype", "kernels"), PATHS, indirect=["kernels"])
def test_row_kernel_matches_generic_form(f: actfn.Activation, dtype: Any) -> None:
    # Row kernels (softmax, log_softmax, glu) in float64 perform the generic form's
    # operations (same values); rounded to float32 they may take a cheaper form.
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((300, 64)) * np.exp(rng.uniform(-3, 5, (300, 1)))).astype(dtype)
    x[0, :5] = -math.inf
    x[1, 7] = math.inf
    x[2, :] = -math.inf
    x[3, 3] = math.nan
    x[4, :] = 0.0
    x[5, 40:] = -800.0  # glu's gates below the exp underflow point
    p = params_for(f)
    checked = f._check_params(p, partial=False)
    with np.errstate(all="ignore"):
        ref = np.asarray(f.spec.value(np, x.astype(np.float64), checked)).astype(dtype)
    got = f(x, **p)
    if dtype == np.float64:
        assert _same(got, ref)
    else:
        nan = np.isnan(ref)
        assert np.array_equal(np.isnan(got), nan)
        np.testing.assert_array_max_ulp(got[~nan], ref[~nan], maxulp=1)


#: Kernels that compute another formula than the generic form, as accurate in
#: float64: log1mexp takes log1p(-exp(-x)) above log 2 (the generic form forms
#: 1 - e exactly there, for XLA's log1p; NumPy's log1p is accurate).
ALTERNATIVE_FORMULA = {"log1mexp"}


@pytest.mark.parametrize("f", **by_name(ELEMENTWISE + AXIS))
def test_narrow_only_kernels_are_not_used_for_float64(f: actfn.Activation) -> None:
    # A kernel marked narrow_only meets the bounds only when rounded to float32 or
    # narrower: float64 results (and derivatives) come from the generic form.
    from actfn import _activation, _kernels

    for derivative, k in ((False, f.spec.numpy_value), (True, f.spec.numpy_derivative)):
        if k is None:
            continue
        p = f._check_params(params_for(f), partial=False)
        generic = f.spec.derivative if derivative else f.spec.value
        wide, _ = _activation._engine_kernel(f.spec, derivative, p, np.float64)
        narrow, _ = _activation._engine_kernel(f.spec, derivative, p, np.float32)
        assert narrow is not generic
        assert (wide is generic) == (k in _kernels._NARROW_ONLY)
        assert _kernels.applies(k, np.float16)
        assert _kernels.applies(k, np.float64) == (k not in _kernels._NARROW_ONLY)


def _layouts(x: np.ndarray[Any, Any]) -> dict[str, np.ndarray[Any, Any]]:
    m = x[: 600 * 500].reshape(600, 500)
    return {
        "reversed": x[::-1],
        "strided": x[::3],
        "fortran": np.asfortranarray(m),
        "transposed-reversed": m.T[::-1, ::2],
        "2d-negative": m[::-2, ::-3],
    }


@pytest.mark.parametrize("kernels", [True, False], ids=["compiled", "numpy"], indirect=True)
@pytest.mark.parametrize("f", **by_name(ELEMENTWISE))
def test_layouts(f: actfn.Activation, kernels: bool) -> None:
    # Sizes above and below PARALLEL_MIN: blocks on several threads and on one.
    x = _sample(450_000, np.float32)
    p = params_for(f)
    for name, v in _layouts(x).items():
        got = f(v, **p)
        assert got.shape == v.shape, name
        assert _same(got, f(np.ascontiguousarray(v), **p)), name


@pytest.mark.usefixtures("kernels")
@pytest.mark.parametrize("f", [actfn.elu, actfn.relu, actfn.hard_tanh], ids=str)
@pytest.mark.parametrize(("dtype", "kernels"), PATHS, indirect=["kernels"])
def test_out_is_x_and_strided_out(f: actfn.Activation, dtype: Any) -> None:
    # elu runs through float64 blocks; relu and hard_tanh in the input's dtype.
    x = _sample(150_000, dtype)
    ref = f(x)
    y = x.copy()
    assert f(y, out=y) is y
    assert _same(y, ref)
    o = np.empty_like(x)
    assert f(x, out=o) is o
    assert _same(o, ref)
    # A strided input written in place, and a strided out of another layout.
    z = x.copy()
    view = z[::-2]
    expect = f(np.ascontiguousarray(view))
    f(view, out=view)
    assert _same(view, expect)
    out = np.empty((2, x.size), dtype=dtype)[1, ::-1]
    f(x, out=out)
    assert _same(out, ref)


@pytest.mark.parametrize("kernels", [True, False], ids=["compiled", "numpy"], indirect=True)
@pytest.mark.parametrize("f", **by_name([g for g in AXIS if g.spec.out_shape is None]))
@pytest.mark.parametrize("shape", [(300, 64), (3000, 64)], ids=["small", "threads"])
def test_axis_functions_out_is_x(f: actfn.Activation, kernels: bool, shape: Any) -> None:
    # out=x along either axis, small (one call) and large (blocks on threads).
    x = np.random.default_rng(9).standard_normal(shape).astype(np.float32)
    p = params_for(f)
    for axis in (-1, 0):
        ref = f(x, **dict(p, axis=axis))
        y = x.copy()
        assert f(y, out=y, **dict(p, axis=axis)) is y
        assert _same(y, ref)
        o = np.empty_like(x)
        assert f(x, out=o, **dict(p, axis=axis)) is o
        assert _same(o, ref)


def test_memory_is_bounded() -> None:
    # ~4e6 float32 elements: output 16 MB; temporaries beyond it stay under 16 MiB.
    x = _sample(4_000_000, np.float32)
    xs = np.ascontiguousarray(x.reshape(2000, 2000)[:, ::-1])
    out_bytes = x.nbytes
    limit = 16 * 2**20
    for f, arg in [
        (actfn.gelu, x),
        (actfn.silu, x),
        (actfn.mish, x),
        (actfn.elu, x[::-1]),
        (actfn.softmax, xs),
        (actfn.log_softmax, xs.T),
    ]:
        f(arg[:100_000])  # warm up: scratch buffers, pools and imports
        tracemalloc.start()
        try:
            r = f(arg)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert r.nbytes == out_bytes
        assert peak - out_bytes <= limit, (f.name, peak - out_bytes)


@pytest.mark.parametrize("f", **by_name(AXIS))
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_axis_functions_match_whole_array_form(f: actfn.Activation, axis: int) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((90, 60, 40)) * 4
    x[0, 0, :] = -math.inf
    x[1, :, 0] = math.inf
    p = {**params_for(f), "axis": axis}
    with np.errstate(all="ignore"):
        ref = f.spec.value(np, x, {**f.defaults, **p})
    # Same values as the generic form on the whole array.  Along a leading axis
    # NumPy sums the whole array sequentially (error up to n eps, n = 90) where
    # the engine sums each contiguous row pairwise: rtol = 1e-13 > 90 eps; and
    # log_softmax's z - logsumexp near 0 has an absolute error of eps * |z| <= 1e-14.
    got = f(x, **p)
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-14)
    if f.kind == "reduction":
        return  # reductions run NumPy's own sums (layout-dependent order), not the engine
    # Layout and threads do not change the engine's result at all.
    xf = np.asfortranarray(x)[::-1]
    got_f = f(xf, **p)
    assert _same(got_f, f(np.ascontiguousarray(xf), **p))


@pytest.mark.usefixtures("engine_config")
@pytest.mark.parametrize("kernels", [True, False], ids=["compiled", "numpy"], indirect=True)
@pytest.mark.parametrize("f", **by_name(AXIS))
def test_axis_functions_threads_and_blocks(f: actfn.Activation, kernels: bool) -> None:
    x = np.random.default_rng(4).standard_normal((700, 300)).astype(np.float32)
    results = []
    for threads, block in [(1, 16384), (2, 16384), (4, 1000), (2, 100)]:
        actfn.set_num_threads(threads)
        _engine.BLOCK = block
        results.append(f(x, **params_for(f)))
    for r in results[1:]:
        assert _same(r, results[0])


@pytest.mark.parametrize(
    ("n", "smallest", "largest", "quantum"),
    [(10 * 4096 + 123, 4096, 4096, 1), (10**6 + 7, 1 << 12, 1 << 16, 1024), (5000, 100, 400, 100)],
)
def test_chunks_cover_the_range_once_across_threads(
    n: int, smallest: int, largest: int, quantum: int
) -> None:
    # The ranges handed out to the threads of one call: every element exactly
    # once, whichever thread asks; sizes within [smallest, largest] in multiples of
    # the quantum but for the last, never growing, the last ones the smallest.
    chunks = _engine._Chunks(n, 4, smallest, largest, quantum)
    taken: list[list[tuple[int, int]]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def work(i: int) -> None:
        start.wait()
        taken[i].extend(chunks)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ranges = sorted(r for part in taken for r in part)
    assert ranges[0][0] == 0 and ranges[-1][1] == n
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    sizes = [hi - lo for lo, hi in ranges]
    assert all(smallest <= k <= largest and k % quantum == 0 for k in sizes[:-1])
    assert all(a >= b for a, b in itertools.pairwise(sizes[:-1]))
    if largest > smallest:
        assert sizes[0] == largest and sizes[-2] == smallest
    assert list(chunks) == []  # (used up)


def test_many_threads_at_once() -> None:
    xs = [_sample(_engine.PARALLEL_MIN + 17 * i, np.float32, seed=i) for i in range(16)]
    fs = [actfn.gelu, actfn.silu, actfn.elu, actfn.softplus]
    expected = [fs[i % 4](x) for i, x in enumerate(xs)]
    got: list[Any] = [None] * 16
    start = threading.Barrier(16)

    def work(i: int) -> None:
        start.wait()
        for _ in range(3):
            got[i] = fs[i % 4](xs[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e, g in zip(expected, got, strict=True):
        assert _same(g, e)


def test_nested_call_from_a_worker() -> None:
    # A kernel that itself calls actfn (from inside the engine's worker threads)
    # runs the inner call in its own thread, with its own scratch.
    x = _sample(300_000, np.float64)
    inner = _sample(_engine.PARALLEL_MIN + 5, np.float64, seed=9)
    inner_ref = actfn.softplus(inner)
    seen: list[bool] = []

    def kernel(_np: Any, b: Any, p: dict[str, Any]) -> Any:
        r = actfn.softplus(inner)
        seen.append(_same(r, inner_ref))
        t = _engine.temp(b, 0)
        np.multiply(b, 2.0, out=t)
        return t

    out = _engine.elementwise(kernel, x, {}, np.float64, None)
    assert np.array_equal(out, 2.0 * x)
    assert seen
    assert all(seen)


def test_interrupt_leaves_engine_usable() -> None:
    x = _sample(400_000, np.float64)
    calls = 0

    def kernel(_np: Any, b: Any, p: dict[str, Any]) -> Any:
        nonlocal calls
        calls += 1
        if threading.current_thread() is threading.main_thread() and calls > 3:
            raise KeyboardInterrupt
        return b

    with pytest.raises(KeyboardInterrupt):
        _engine.elementwise(kernel, x, {}, np.float64, None)
    assert getattr(_engine._local, "depth", 0) == 0
    assert _same(actfn.elu(x), actfn.elu(x.copy()))


SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")

_FORK_SCRIPT = """
import os, sys
import numpy as np
import actfn
x = np.random.default_rng(0).standard_normal(300_000).astype(np.float32)
ref = actfn.silu(x)  # the engine's pool exists before the fork
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    ok = np.array_equal(actfn.silu(x), ref)
    os.write(w, b"1" if ok else b"0")
    os._exit(0)
os.close(w)
status = os.read(r, 1)
os.waitpid(pid, 0)
sys.exit(0 if status == b"1" else 1)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
def test_after_fork() -> None:
    # In a fresh interpreter: the test process may have imported JAX, which
    # (rightly) warns against fork in a multithreaded process.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", _FORK_SCRIPT],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_small_and_zero_dim_inputs() -> None:
    assert actfn.elu(np.float64(-1.0)) == pytest.approx(math.expm1(-1.0))
    assert actfn.elu(np.array(-1.0)).shape == ()
    assert actfn.elu(np.empty((0, 3), np.float32)).shape == (0, 3)
    assert actfn.softmax(np.empty((0, 3))).shape == (0, 3)
    x = _sample(1000, np.float32)
    assert _same(actfn.silu(x), actfn.silu(x, out=np.empty_like(x)))


def test_set_num_threads_checks() -> None:
    with pytest.raises(ValueError, match="positive integer"):
        actfn.set_num_threads(0)
    with pytest.raises(ValueError, match="positive integer"):
        actfn.set_num_threads(True)


@pytest.mark.parametrize("n", [10, 200_000])
def test_native_kernels_compare_in_float64(n: int) -> None:
    # threshold and hard_shrink run on float32 blocks without conversion; their
    # comparisons with a parameter that float32 cannot hold must still be the
    # float64 ones: float32(0.1) = 0.10000000149 > 0.1, so it passes through.
    x = np.full(n, 0.1, dtype=np.float32)
    assert np.all(actfn.threshold(x, 0.1, -1.0) == x)
    assert np.all(actfn.hard_shrink(x, threshold=0.1) == x)
    assert np.all(actfn.hard_shrink(-x, threshold=0.1) == -x)
    below = np.nextafter(x, np.float32(0.0))  # 0.0999999940 < 0.1
    assert np.all(actfn.threshold(below, 0.1, 1e300) == np.inf)
    assert np.all(actfn.hard_shrink(below, threshold=0.1) == 0.0)


def test_axis_function_configured_with_several_axes() -> None:
    # A bound tuple of axes is not a row evaluation: the generic form runs.
    x = np.random.default_rng(6).standard_normal((4, 5, 6))
    f = actfn.softmax.configure(axis=(0, 2))
    r = f(x)
    assert r.shape == x.shape
    np.testing.assert_allclose(r.sum(axis=(0, 2)), 1.0, rtol=1e-14)
    np.testing.assert_allclose(f(x), actfn.softmax(x, axis=(0, 2)), rtol=0, atol=0)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_narrow_flag_follows_the_result_dtype(dtype: Any) -> None:
    seen: list[bool] = []

    def kernel(_np: Any, b: Any, p: dict[str, Any]) -> Any:
        seen.append(_engine.narrow())
        return b

    assert not _engine.narrow()  # outside the engine
    x = np.ones(10, dtype=dtype)
    _engine.elementwise(kernel, x, {}, x.dtype, None)
    _engine.rows(kernel, x.reshape(2, 5), 1, {}, x.dtype, None)
    assert seen == [dtype != np.float64] * 2


def test_select_and_not_above() -> None:
    from actfn._kernels import not_above, select

    rng = np.random.default_rng(8)
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal(1000).astype(dtype)
        x[:4] = [np.nan, -0.0, np.inf, -np.inf]
        keep = rng.random(1000) < 0.5
        other = rng.standard_normal(1000).astype(dtype)
        expect = np.where(keep, x, other)
        assert _same(select(x.copy(), keep, other, 0), expect)
        assert _same(select(x.copy(), keep, -0.0, 0), np.where(keep, x, dtype(-0.0)))
        for t in (0.1, -0.1, 0.5, 1e-45, 3.5e38, -3.5e38, 1e300):
            b = not_above(t, dtype)
            assert b.dtype == dtype
            assert float(b) <= t
            with np.errstate(over="ignore"):
                up = np.nextafter(b, dtype(np.inf))
            assert float(up) > t or b == t


@pytest.mark.usefixtures("engine_config")
@pytest.mark.parametrize(
    ("rows", "length", "threads"), [(10_000, 100, 2), (3, 50_000, 2), (700, 300, 1)]
)
def test_compiled_rows_in_few_calls(rows: int, length: int, threads: int) -> None:
    # Contiguous float32 rows go to a compiled row kernel in ranges of whole rows
    # (2^16 to 2^20 elements, shrinking towards the end), each row once, not in
    # blocks of 2^16 elements with Python between them: one call without threads.
    x = np.zeros((rows, length), dtype=np.float32)
    y = np.empty_like(x)
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def ck(xv: Any, ov: Any, lo: int, hi: int, n: int, olen: int) -> None:
        assert xv.base is x or xv is x
        assert (n, olen) == (length, length) and ov.shape == y.shape
        with lock:
            seen.append((lo, hi))

    actfn.set_num_threads(threads)
    _engine._compiled_rows(ck, x, y, length, length)
    ranges = sorted(seen)
    assert ranges[0][0] == 0 and ranges[-1][1] == rows
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    if threads == 1:
        assert ranges == [(0, rows)]
    else:
        smallest = max(1, _engine.C_CHUNK // length)
        assert len(ranges) <= 2 * (-(-rows * length // (1 << 20))) + 8 * 2
        assert all(hi - lo >= smallest for lo, hi in ranges[:-1])
