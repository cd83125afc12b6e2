"""The compiled float32 kernels (actfn._native, built from src/actfn/_c).

Their values are checked where every kernel is: against the generic form in
tests/test_engine.py (both with and without the compiled kernels) and against
mpmath in tests/test_accuracy.py.  Here: the build, the table, the switch, and
the C entry points' own checks.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pytest

import actfn
from actfn import _engine, _native

from conftest import by_name, params_for

#: Set ACTFN_NATIVE_OPTIONAL=1 where the compiled kernels cannot be built (no C
#: compiler); everywhere else (CI included) their absence is a failure.
OPTIONAL = os.environ.get("ACTFN_NATIVE_OPTIONAL", "") == "1"

needs_build = pytest.mark.skipif(
    not _native.available(), reason="the compiled kernels were not built"
)


def test_compiled_kernels_are_built() -> None:
    if OPTIONAL:
        pytest.skip("ACTFN_NATIVE_OPTIONAL=1: the compiled kernels may be missing")
    assert _native.available(), (
        "actfn._cnative did not import: build it with `pip install -e .` "
        "(or `python setup.py build_ext --inplace`)"
    )


@needs_build
def test_table_names_registered_activations_and_all_their_parameters() -> None:
    table = _native.table()
    assert table
    for name, (kind, params) in table.items():
        f = actfn.get(name)
        expected = {q.name for q in f.params} - {"axis"}
        assert set(params) == expected, name
        assert kind == ("ew" if f.elementwise else "rows"), name


@needs_build
@pytest.mark.parametrize("f", **by_name([actfn.get(n) for n in _native.table()]))
def test_switch_selects_the_path(f: actfn.Activation) -> None:
    # Calls through the compiled kernel and through the NumPy kernel agree (the
    # detailed comparison is in test_engine.py); switching off is honoured even
    # for the fast path of an Activation built while it was on.
    x = np.linspace(-30, 30, 3000, dtype=np.float32).reshape(3, 1000)
    p = params_for(f)
    on = f(x, **p)
    previous = _native.set_enabled(False)
    try:
        assert not _native.enabled()
        assert _native.elementwise(f.name, f._check_params(p, partial=False)) is None
        off = f(x, **p)
    finally:
        _native.set_enabled(previous)
    assert on.dtype == off.dtype == np.float32
    np.testing.assert_array_max_ulp(on, off, maxulp=1)


@needs_build
def test_float64_table_names_elementwise_activations_and_their_parameters() -> None:
    table = _native.table64()
    assert {"relu", "hard_sigmoid", "hard_tanh", "soft_shrink"} <= set(table)
    for name, params in table.items():
        f = actfn.get(name)
        assert f.elementwise, name
        assert set(params) == {q.name for q in f.params}, name


@needs_build
@pytest.mark.parametrize("f", **by_name([actfn.get(n) for n in _native.table64()]))
def test_float64_kernels_used_and_equal_to_the_numpy_kernels(
    f: actfn.Activation, monkeypatch: Any
) -> None:
    # float64 arrays go through the compiled kernel (counted), fresh, into out=
    # and in place (out=x), with the NumPy kernels' values bit for bit (-0 and NaN
    # included; the full comparison with the generic form is in test_engine.py).
    x = np.concatenate([np.linspace(-9, 9, 300_001), [-0.0, 0.0, np.nan, np.inf, -np.inf]])
    p = params_for(f)
    previous = _native.set_enabled(False)
    try:
        ref = f(x, **p)
    finally:
        _native.set_enabled(previous)
    calls: list[Any] = []
    real = _engine._compiled
    monkeypatch.setattr(_engine, "_compiled", lambda ck, *a: (calls.append(ck), real(ck, *a))[1])
    fresh = f(x, **p)
    into = np.empty_like(x)
    assert f(x, out=into, **p) is into
    z = x.copy()
    assert f(z, out=z, **p) is z
    assert len(calls) == 3 and all(ck.func is _native._cnative.ew64 for ck in calls)
    for got in (fresh, into, z):
        assert got.dtype == np.float64
        assert np.array_equal(got.view(np.int64), ref.view(np.int64))


@needs_build
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("scale", "bias"), [(0.8944, -0.4472), (2.0, -8.0), (-3.0, 1e-30)])
def test_star_relu_kernels_where_the_terms_cancel(dtype: Any, scale: float, bias: float) -> None:
    # s r^2 + b near r = sqrt(-b/s), where the two terms cancel: the compiled
    # kernels compute the generic form's double-double value, so the results are
    # the generic form's rounded, bit for bit (and 0 where they cancel exactly).
    f = actfn.star_relu
    root = math.sqrt(-bias / scale) if -bias / scale > 0 else 1e-15
    x = (root + np.linspace(-1e-5, 1e-5, 20_001) * root).astype(dtype)
    x = np.concatenate([x, np.array([0.0, -0.0, 1e30, -1e30, np.inf, -np.inf, np.nan], dtype)])
    p = {"scale": scale, "bias": bias}
    with np.errstate(over="ignore"):  # (1e30^2 overflows float32, to inf as it should)
        ref = np.asarray(f.spec.value(np, x.astype(np.float64), p)).astype(dtype)
    assert _native.elementwise("star_relu", p, dtype=np.dtype(dtype)) is not None
    got = f(x, **p)
    nan = np.isnan(ref)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan].view(f"u{got.itemsize}"), ref[~nan].view(f"u{ref.itemsize}"))
    if bias == -8.0:
        assert got[x == 2.0][0] == 0.0


@needs_build
def test_array_parameters_take_the_numpy_kernel() -> None:
    # A parameter that is not a scalar has no compiled form: _pack refuses it.
    assert _native._pack(("alpha",), {"alpha": np.ones(3)}) is None
    assert _native._pack(("alpha", "m"), {"alpha": 2, "m": None})[0] == 2.0  # type: ignore[index]


@needs_build
def test_entry_points_check_bounds() -> None:
    from actfn import _cnative  # type: ignore[attr-defined]

    name = next(n for n, (k, _) in _native.table().items() if k == "ew")
    kind, i, params = _cnative.kernels()[name]
    assert kind == "ew"
    x = np.zeros(10, dtype=np.float32)
    y = np.zeros(10, dtype=np.float32)
    packed = tuple(1.0 for _ in params.split(",") if _)
    with pytest.raises(ValueError, match="float32 buffer"):
        _cnative.ew(i, packed, x, y, 0, 11)
    with pytest.raises(ValueError, match="float32 buffer"):
        _cnative.ew(i, packed, x.astype(np.float64), y, 0, 5)
    with pytest.raises(IndexError):
        _cnative.ew(10_000, packed, x, y, 0, 5)
    with pytest.raises(TypeError):
        _cnative.ew(i, [1.0], x, y, 0, 5)
    with pytest.raises(TypeError, match="read-write bytes-like"):
        _cnative.ew(i, packed, x, y[::2], 0, 5)
    with pytest.raises(ValueError, match="start <= stop"):
        _cnative.ew(i, packed, x, y, 5, 3)
    i64, params64 = _cnative.kernels64()["hard_tanh"]
    assert params64 == "min_val,max_val"
    with pytest.raises(ValueError, match="float64 buffer"):
        _cnative.ew64(i64, (-1.0, 1.0), x, y, 0, 5)
    with pytest.raises(ValueError, match="float64 buffer"):
        _cnative.ew64(i64, (-1.0, 1.0), x.astype(np.float64), y.astype(np.float64), 0, 11)
    with pytest.raises(IndexError):
        _cnative.ew64(10_000, (), x.astype(np.float64), y.astype(np.float64), 0, 5)


@needs_build
def test_caller_data_untouched_and_out_is_x() -> None:
    x = np.linspace(-5, 5, 300_001, dtype=np.float32)
    keep = x.copy()
    y = actfn.elu(x)
    assert np.array_equal(x, keep)
    z = x.copy()
    assert actfn.elu(z, out=z) is z
    assert np.array_equal(z, y)


@needs_build
@pytest.mark.parametrize("shape", [(), (1,), (7,), (3, 5), (0,), (2, 0, 3)])
def test_small_and_empty_shapes(shape: tuple[int, ...]) -> None:
    x = np.full(shape, -1.5, dtype=np.float32)
    y = actfn.elu(x)
    assert y.shape == x.shape and y.dtype == np.float32
    assert np.all(y == np.float32(np.expm1(-1.5)))


@pytest.mark.parametrize(
    ("variable", "query"),
    [("ACTFN_NATIVE", "enabled"), ("ACTFN_AVX512", "avx512")],
)
def test_environment_switch(variable: str, query: str) -> None:
    # ACTFN_NATIVE=0 switches the compiled kernels off for the whole process;
    # ACTFN_AVX512=0 keeps sigmoid, silu, glu, softplus and gelu on the double kernels.
    import subprocess
    import sys

    code = f"import actfn._native as n; print(n.{query}())"
    expected = {"enabled": _native.available(), "avx512": _has_avx512()}[query]
    for value, want in [("0", False), ("1", expected)]:
        env = dict(os.environ, **{variable: value})
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == str(want), (variable, value)


def _has_avx512() -> bool:
    if not _native.available():
        return False
    previous = _native.set_avx512(True)
    on = _native.avx512()
    _native.set_avx512(previous)
    return on


needs_avx512 = pytest.mark.skipif(
    not _has_avx512(), reason="this processor has no AVX-512 (the double kernels serve it)"
)

#: check512's kinds: k_avx512.c's float32-arithmetic kernels.
AVX512_KINDS = {"sigmoid": 0, "silu": 1, "glu": 2, "softplus": 3, "gelu": 4}


@needs_avx512
@pytest.mark.parametrize("name", list(AVX512_KINDS))
def test_avx512_kernel_within_1_ulp_for_every_float32(name: str) -> None:
    # Every one of the 2^32 float32 inputs (glu: each with a multiplier hashed
    # from its bits, over the whole float32 range) against the double formula,
    # whose own error (2e-13 relative) is 10^-5 ULP: the largest error must stay
    # below 1 ULP (measured: 0.81 at most), NaN and infinities must match exactly.
    from concurrent.futures import ThreadPoolExecutor

    from actfn import _cnative  # type: ignore[attr-defined]

    kind, parts = AVX512_KINDS[name], 64
    step = (1 << 32) // parts
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(lambda i: _cnative.check512(kind, i * step, (i + 1) * step), range(parts))
        )
    worst = max(results)
    assert worst[0] < 1.0, f"{name}: {worst[0]:.3f} ULP at x = {worst[1]!r}"
    assert sum(r[2] for r in results) == 0, f"{name}: NaN or infinities differ"


@needs_avx512
@pytest.mark.parametrize("name", list(AVX512_KINDS))
def test_avx512_switch(name: str) -> None:
    # The switch selects the kernel: on and off, results within 1 ULP of each
    # other, and not identical (another arithmetic).
    f = actfn.get(name)
    x = np.linspace(-30, 30, 100_000, dtype=np.float32).reshape(100, 1000)
    previous = _native.set_avx512(True)
    try:
        on = f(x)
        _native.set_avx512(False)
        assert not _native.avx512()
        off = f(x)
    finally:
        _native.set_avx512(previous)
    np.testing.assert_array_max_ulp(on, off, maxulp=1)
    assert not np.array_equal(on, off)


@needs_avx512
@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("hard_sigmoid", {}),
        ("hard_silu", {}),
        ("hard_tanh", {}),
        ("hard_tanh", {"min_val": -0.5, "max_val": 2.0}),
        ("hard_tanh", {"min_val": -0.1, "max_val": 1e300}),  # not floats: in double
        ("leaky_relu", {}),
        ("leaky_relu", {"negative_slope": -3.5}),
        ("leaky_relu", {"negative_slope": 1e-300}),
        ("soft_shrink", {}),
        ("soft_shrink", {"threshold": 2.0**-140}),  # a subnormal float
        ("soft_shrink", {"threshold": 3.0e38}),
        ("soft_shrink", {"threshold": 0.1}),  # not a float: the double kernel
    ],
)
def test_avx512_clips_are_the_double_kernels(name: str, params: dict[str, float]) -> None:
    # hard_sigmoid, hard_silu, hard_tanh, leaky_relu and soft_shrink's AVX-512
    # loops (vmaxpd/vminpd where GCC writes compares and blends; hard_tanh with
    # float bounds and soft_shrink with a float threshold in float) give the
    # double kernels' results: identical, NaN, infinities and signed zeros
    # included.
    f = actfn.get(name)
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2**32, 2**20, dtype=np.uint64).astype(np.uint32)
    x = np.concatenate(
        [
            bits.view(np.float32),
            np.linspace(-8, 8, 100_003, dtype=np.float32),
            np.array([0.0, -0.0, 3.0, -3.0, 6.0, np.inf, -np.inf, np.nan], dtype=np.float32),
            np.array([-0.5, 2.0, -0.1, 1.0, -1.0], dtype=np.float32),
        ]
    )
    previous = _native.set_avx512(True)
    try:
        on = f(x, **params)
        _native.set_avx512(False)
        off = f(x, **params)
    finally:
        _native.set_avx512(previous)
    nan = np.isnan(off)
    assert np.array_equal(np.isnan(on), nan)
    assert np.array_equal(on[~nan].view(np.uint32), off[~nan].view(np.uint32))


@needs_avx512
@pytest.mark.parametrize(("name", "top"), [("gelu", 12.0), ("silu", 80.0), ("sigmoid", 80.0)])
def test_avx512_vector_paths_agree(name: str, top: float) -> None:
    # gelu and silu take a one-form path for vectors whose 16 lanes all lie in
    # [2^-60, top] in magnitude and the general path for the others: for inputs
    # both can take, they must give the same bits, so that results do not depend on
    # which neighbours an element shares a vector with (layout, block size, threads).
    # (sigmoid has one path for any m = 1: the same check, for the next change.)
    f = actfn.get(name)
    rng = np.random.default_rng(11)
    mag = np.exp2(rng.uniform(-60, np.log2(top), 15 * 40_000))
    x = (mag * rng.choice([-1.0, 1.0], mag.size)).astype(np.float32)
    x = np.concatenate([x, np.linspace(-top, top, 15 * 2_001, dtype=np.float32)])
    x = x[(np.abs(x) >= 2.0**-60) & (np.abs(x) <= top)]
    x = x[: x.size // 240 * 240]
    alone = f(x)  # 16 in-range lanes per vector
    rows = np.hstack([np.full((x.size // 15, 1), np.nan, np.float32), x.reshape(-1, 15)])
    mixed = f(rows.ravel())  # each vector has a NaN lane
    assert np.array_equal(
        mixed.reshape(-1, 16)[:, 1:].ravel().view(np.uint32), alone.view(np.uint32)
    )


def _avx512_tables(pattern: str) -> dict[str, list[float]]:
    """The float tables of k_avx512.c whose declarations match ``pattern`` (one
    group: the key), as lists of floats."""
    import pathlib
    import re

    src = pathlib.Path(actfn.__file__).parent / "_c" / "k_avx512.c"
    text = src.read_text(encoding="utf-8")
    return {
        name: [float.fromhex(v.strip().rstrip("f")) for v in body.split(",") if v.strip()]
        for name, body in re.findall(pattern + r" = \{(.*?)\};", text, re.S)
    }


def test_gelu_exp_tables() -> None:
    # gelu's table of 2^(j/32)/2 as hi + lo (k_avx512.c: GE_T_HI, GE_T_LO): hi the
    # nearest float, lo the nearest float to the rest.
    mpmath = pytest.importorskip("mpmath", reason="mpmath not installed")
    tables = _avx512_tables(r"GE_T_(HI|LO)\[32\]")
    assert len(tables["HI"]) == len(tables["LO"]) == 32
    with mpmath.workdps(40):
        for j, (hi, lo) in enumerate(zip(tables["HI"], tables["LO"], strict=True)):
            true = mpmath.power(2, mpmath.mpf(j) / 32) / 2
            assert hi == float(np.float32(float(true))), j
            assert lo == float(np.float32(float(true - mpmath.mpf(hi)))), j


def test_gelu_tables_approximate_log_phi() -> None:
    # The polynomials of gelu's AVX-512 kernel, read from k_avx512.c (made by
    # tools/gelu_table.py), against log Phi(-u) from mpmath on each interval: the
    # error goes straight into the exponent, so it is a relative error of the
    # result (1.5e-9 at most: 0.03 float32 ULP).  Needs no AVX-512.
    mpmath = pytest.importorskip("mpmath", reason="mpmath not installed")
    tables = _avx512_tables(r"GE_(\w+)\[16\]")
    assert sorted(tables) == ["C0H", "C0L", "C1H", "C1L", "C2", "C3", "C4", "C5", "C6"]
    worst = 0.0
    with mpmath.workdps(30):
        for j in range(15):
            coef = [tables["C0H"][j] + tables["C0L"][j], tables["C1H"][j] + tables["C1L"][j]]
            coef += [tables[f"C{k}"][j] for k in range(2, 7)]
            for s in np.linspace(0.0 if j == 0 else -0.5, 0.5, 41):
                u = mpmath.mpf(j) + mpmath.mpf(float(s))
                true = mpmath.log(mpmath.erfc(u / mpmath.sqrt(2)) / 2)
                got = sum(mpmath.mpf(c) * mpmath.mpf(float(s)) ** k for k, c in enumerate(coef))
                worst = max(worst, float(abs(got - true)))
    assert worst < 1.6e-9, worst
