"""Accuracy of every activation, in ULPs, against mpmath (actfn.accuracy).

For each activation in the registry (iterated, so activations added later are
covered too), each dtype (float16, bfloat16, float32, float64) and both paths
(the NumPy engine, and the generic Array-API form run on array_api_strict), the
error over a sample of the whole floating-point range must stay within the
bounds of ``actfn.accuracy.BOUNDS``: values 1 ULP (2 in float64), derivatives
2 ULP (4 in float64), softmax-like functions 2 ULP per element (4 in float64).

The default run uses the reduced sample (one or two points per binade, about
2000 to 7000 inputs per dtype).  Set ``ACTFN_FULL_ACCURACY=1`` to run the full
sample instead (every finite float16 and bfloat16 value, 8 points per binade and
a denser grid for float32 and float64, rows of 10^4 elements): about 40 000 to
65 000 inputs per dtype, several hours for the whole registry on one core.

Where a bound is not met yet, the function is listed in ``KNOWN_GAPS`` with the
figures measured on the reduced and on the full sample; the test then asserts
that figure instead (so it cannot get worse), and a separate test fails once the
gap is closed so that the entry is removed (for a gap that only the full sample
shows, in the full run).

Signed zeros are checked apart: the zeros of the wrong sign the harness reports
(``Row.zero_signs``) must be those listed in ``KNOWN_ZERO_SIGNS``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import actfn
from actfn import _native
from actfn import accuracy as acc

pytest.importorskip("mpmath", reason="mpmath not installed (pip install actfn[accuracy])")

FULL = os.environ.get("ACTFN_FULL_ACCURACY", "") == "1"

#: (function label, kind, dtype) -> max ULP measured with the reduced sample and
#: with the full one (ACTFN_FULL_ACCURACY=1), for the bounds not met yet.  Each
#: entry is a known defect, not a tolerance.
KNOWN_GAPS: dict[tuple[str, str, str], tuple[float, float]] = {}


def _params(backend: str) -> list[Any]:
    out = []
    dtypes = ("float16", "bfloat16", "float32", "float64")
    if backend == "array_api_strict":
        dtypes = ("float32", "float64")  # array_api_strict has no narrower floats
    for name in actfn.names():
        for d in dtypes:
            out.append(pytest.param(name, d, id=f"{name}-{d}"))
    return out


def _needs(dtype: str, backend: str) -> None:
    if dtype == "bfloat16":
        pytest.importorskip("ml_dtypes", reason="ml_dtypes not installed (bfloat16)")
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict", reason="array-api-strict not installed")


def _check(name: str, dtype: str, backend: str) -> None:
    _needs(dtype, backend)
    rows = acc.measure([name], dtypes=(dtype,), full=FULL, backend=backend, progress=False)
    assert rows, f"no accuracy rows for {name}"
    failures = []
    for r in rows:
        gap = KNOWN_GAPS.get((r.function, r.kind, r.dtype))
        limit = max(gap[FULL], r.bound) if gap is not None else r.bound
        if not r.max_ulp <= limit:
            failures.append(
                f"{r.function} {r.kind} {r.dtype} [{backend}]: {r.max_ulp} ULP at "
                f"x = {r.at!r} (bound {limit})"
            )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("name", "dtype"), _params("numpy"))
def test_numpy_path(name: str, dtype: str) -> None:
    _check(name, dtype, "numpy")


@pytest.mark.parametrize("name", [n for n in actfn.names() if n in _native.table()])
def test_numpy_kernels_float32(name: str) -> None:
    # float32 NumPy inputs take the compiled kernels where they were built
    # (test_numpy_path); the NumPy kernels that serve them otherwise (no C
    # compiler, ACTFN_NATIVE=0) meet the same bounds.
    previous = _native.set_enabled(False)
    try:
        _check(name, "float32", "numpy")
    finally:
        _native.set_enabled(previous)


@pytest.mark.parametrize(("name", "dtype"), _params("array_api_strict"))
def test_generic_path(name: str, dtype: str) -> None:
    _check(name, dtype, "array_api_strict")


def _only_full(key: tuple[str, str, str]) -> bool:
    """The gap shows with the full sample only (the reduced one meets the bound)."""
    return KNOWN_GAPS[key][0] <= acc.BOUNDS[key[1]][key[2]]


@pytest.mark.parametrize(
    "key",
    # (A gap of the full sample only is checked by the full run.)
    sorted(k for k in KNOWN_GAPS if FULL or not _only_full(k)),
    ids=lambda k: "-".join(k),
)
def test_known_gaps_are_still_gaps(key: tuple[str, str, str]) -> None:
    # A closed gap must be removed from KNOWN_GAPS so that the bound is asserted.
    label, kind, dtype = key
    name = label.split("(")[0]
    rows = acc.measure([name], dtypes=(dtype,), full=_only_full(key), progress=False)
    (row,) = [r for r in rows if r.function == label and r.kind == kind]
    assert row.max_ulp > row.bound, f"{key} meets its bound now: remove it from KNOWN_GAPS"


# ----------------------------------------------------------------- the harness itself


def test_round_to_is_correct_rounding() -> None:
    import mpmath

    one = mpmath.mpf(1)
    with mpmath.workprec(200):
        assert acc.round_to(one + mpmath.mpf(2) ** -53, "float64") == 1.0  # tie to even
        assert (
            acc.round_to(one + mpmath.mpf(2) ** -53 + mpmath.mpf(2) ** -120, "float64")
            == 1.0 + 2.0**-52
        )
        assert acc.round_to(one + mpmath.mpf(2) ** -24, "float32") == 1.0
        # float16: largest finite 65504; 65520 is the rounding boundary to inf.
        assert acc.round_to(mpmath.mpf(65519), "float16") == 65504.0
        assert acc.round_to(mpmath.mpf(65520), "float16") == math.inf
        # Subnormals round to their fixed quantum; half the least one ties to 0.
        least = 2.0**-1074
        assert acc.round_to(mpmath.mpf(2) ** -1075, "float64") == 0.0
        assert acc.round_to(mpmath.mpf(3) * mpmath.mpf(2) ** -1076, "float64") == least
        assert acc.round_to(-(mpmath.mpf(2) ** -150), "float32") == 0.0
        assert math.copysign(1.0, acc.round_to(-(mpmath.mpf(2) ** -150), "float32")) == -1.0
        assert acc.round_to(mpmath.mpf(2) ** -133 * 3, "bfloat16") == 3 * 2.0**-133
        assert math.isnan(acc.round_to(mpmath.mpf("nan"), "float32"))


def test_ulp_distance() -> None:
    a = np.array([1.0, 0.0, -0.0, math.nan, math.nan, 2.0**-1074, math.inf], np.float64)
    b = np.array(
        [
            np.nextafter(1.0, 2.0),
            -0.0,
            2.0**-1074,
            math.nan,
            1.0,
            -(2.0**-1074),
            np.finfo(np.float64).max,
        ]
    )
    d = acc.ulp_distance(a, b, "float64")
    assert d.tolist() == [1.0, 0.0, 1.0, 0.0, math.inf, 2.0, 1.0]
    h = acc.ulp_distance(
        np.array([1.0], np.float16), np.array([1.0009765625], np.float16), "float16"
    )
    assert h.tolist() == [1.0]


def test_sample_covers_the_range() -> None:
    xs = acc.sample("float32", kinks=(6.0,))
    finite = xs[np.isfinite(xs)]
    assert np.isnan(xs).sum() == 1
    assert {math.inf, -math.inf} <= set(xs.tolist())
    assert ((xs == 0) & np.signbit(xs)).sum() == 1
    assert 2.0**-149 in finite and float(np.finfo(np.float32).max) in finite
    assert 6.0 in finite and float(np.nextafter(np.float32(6), np.float32(7))) in finite
    # Every binade, subnormal ones included, on both sides of 0.
    exps = set(np.frexp(np.abs(finite[finite != 0]))[1].tolist())
    assert set(range(-148, 129)) <= exps
    assert (finite.astype(np.float32).astype(np.float64) == finite).all()


def test_harness_detects_an_inaccurate_function() -> None:
    tanh = actfn.tanh
    # (numpy_value=None: the NumPy path would run tanh's kernel, not the bad form.)
    spec = dataclasses.replace(
        tanh.spec,
        name="tanh",
        value=lambda xp, x, p: xp.tanh(x) * (1.0 + 2.0**-44),
        numpy_value=None,
    )
    bad = actfn.Activation(spec)
    for backend in ("numpy", "array_api_strict"):
        if backend == "array_api_strict":
            pytest.importorskip("array_api_strict", reason="array-api-strict not installed")
        rows = acc.measure(
            [bad], dtypes=("float64",), derivative=False, progress=False, backend=backend
        )
        assert rows[0].max_ulp >= 100 and not rows[0].ok


def test_every_required_or_random_parameter_gets_a_sample_value() -> None:
    # The harness can call every activation: each required parameter and each
    # source of randomness (a Seed) is set, with a value its domain accepts.
    from actfn._activation import REQUIRED, Seed

    for name in actfn.names():
        f = actfn.get(name)
        p = acc._sample_params(f)
        for prm in f.params:
            if prm.default is REQUIRED or isinstance(prm.domain, Seed):
                assert prm.name in p, (name, prm.name)
        f._check_params(
            {**{k: v for k, v in f.defaults.items() if v is not REQUIRED}, **p}, partial=False
        )
    assert acc._sample_params(actfn.get("gumbel_softmax"))["rng"] == 0


def test_every_activation_is_measured() -> None:
    # One row (or two, value and derivative) per activation: none is skipped.
    rows = acc.measure(dtypes=("float16",), configs=False, progress=False)
    measured = {r.function for r in rows}
    assert measured == set(actfn.names())


def test_axis_references_follow_the_limits() -> None:
    import mpmath

    from actfn._activation import REQUIRED

    def ref(name: str, row: list[float], mask: Any = None, **p: Any) -> list[float]:
        f = actfn.get(name)
        base = {k: v for k, v in f.defaults.items() if v is not REQUIRED}
        checked = f._check_params({**base, **acc._sample_params(f), **p}, partial=False)
        vals = acc._axis_reference(f, checked, np.array(row), mask)
        return [acc.round_to(v, "float64") for v in vals]

    inf, nan = math.inf, math.nan
    # softmin: the -inf entries share the mass; +inf entries get 0.
    assert ref("softmin", [-inf, 0.0, -inf]) == [0.5, 0.0, 0.5]
    assert ref("softmin", [inf, 0.0, 1.0])[0] == 0.0
    # sparsemax with an infinite maximum (tau = 2^1100 - 1 needs every digit).
    assert ref("sparsemax", [inf, 1.0, 2.0]) == [1.0, 0.0, 0.0]
    assert ref("log_softmax", [-inf, -inf]) == [-math.log(2.0)] * 2
    # A reduction: one output.
    assert ref("logsumexp", [0.0, 0.0]) == [math.log(2.0)]
    assert ref("logsumexp", [inf, 1.0]) == [inf]
    # Gated: x = [a, b]; NaN only where a or b of the pair is NaN.
    got = ref("swiglu", [1.0, nan, 3.0, 2.0])
    assert math.isnan(got[1]) and got[0] == float(1.0 * 3.0 / (1 + mpmath.exp(-3)))
    # A mask: masked entries give 0 (softmax) / -inf (log_softmax), also with NaN.
    m = np.array([True, False, True])
    assert ref("softmax", [0.0, 50.0, 0.0], m) == [0.5, 0.0, 0.5]
    lg = ref("log_softmax", [nan, 1.0, 2.0], m)
    assert math.isnan(lg[0]) and lg[1] == -inf and math.isnan(lg[2])
    # gumbel_softmax: the reference draws the same noise as the call (rng=0).
    x = np.array([0.5, -1.0, 2.0])
    g = np.random.default_rng(0).gumbel(size=3)
    e = np.exp(x + g - (x + g).max())
    np.testing.assert_allclose(ref("gumbel_softmax", x.tolist()), e / e.sum(), rtol=1e-14)


def test_derivative_at_infinity_without_a_limit() -> None:
    # snake' = 1 + sin(2x) oscillates: at +-inf the reference is the derivative at
    # the largest finite float64 (actfn's convention); a derivative with a limit
    # (sigmoid') keeps it.
    import mpmath

    big = float(np.finfo(np.float64).max)
    f = actfn.snake
    p = f._check_params({"alpha": 1.0}, partial=False)
    (r,) = acc._references(f, p, "derivative", np.array([math.inf]))
    with mpmath.workdps(400):
        want = 1 + mpmath.sin(2 * mpmath.mpf(big))
    assert acc.round_to(r, "float64") == acc.round_to(want, "float64")
    s = actfn.sigmoid
    sp = s._check_params({}, partial=False)
    (r,) = acc._references(s, sp, "derivative", np.array([-math.inf]))
    assert acc.round_to(r, "float64") == 0.0


def test_cli_functions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    acc.add_arguments(parser)
    out = tmp_path / "acc.json"
    page = tmp_path / "accuracy.md"
    args = parser.parse_args(
        ["relu", "softsign", "--dtype", "float32", "--json", str(out), "--markdown", str(page)]
    )
    assert acc.run(args) == 0
    md = page.read_text()
    assert md.startswith("# Accuracy") and "| softsign | value | 0 |" in md
    assert "`actfn accuracy relu softsign --dtype float32`" in md
    text = capsys.readouterr().out
    assert "| relu | value |" in text and "| softsign | derivative |" in text
    data = json.loads(out.read_text())
    assert {(d["function"], d["kind"]) for d in data} >= {
        ("relu", "value"),
        ("softsign", "derivative"),
    }
    assert all(d["ok"] and d["dtype"] == "float32" for d in data)
    bad = parser.parse_args(["relu", "--against", "tensorflow"])
    assert acc.run(bad) == 2
    assert "torch, jax, keras" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_axis_layout_does_not_change_the_sum(name: str) -> None:
    # A reduction across a strided axis must be as accurate as along a contiguous
    # one (NumPy sums the latter pairwise, the former term by term): softmax over
    # axis 0 of x equals softmax over the last axis of x.T, bit for bit.
    f = actfn.get(name)
    x = np.random.default_rng(3).normal(0.0, 3.0, (5000, 3))
    along0 = f(x, axis=0)
    along_last = f(np.ascontiguousarray(x.T), axis=-1).T
    assert acc.ulp_distance(along0, along_last, "float64").max() == 0.0


def test_missing_mpmath_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "mpmath", None)  # makes `import mpmath` fail
    with pytest.raises(ImportError, match=r"actfn\[accuracy\]"):
        acc.measure(["relu"], dtypes=("float32",), progress=False)


def test_progress_bar_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    rows = acc.measure(["relu6"], dtypes=("float16", "float32"), progress=True)
    err = capsys.readouterr().err
    assert len(rows) == 4
    assert "[" + "#" * 30 + "] 4/4" in err and err.endswith("\n")


# ----------------------------------------------------- double-double building blocks


def _dd_cases() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(7)
    v = rng.uniform(-3.9, 3.9, (4, 700)) * np.exp(rng.uniform(-60.0, 0.0, (4, 700)))
    w = rng.uniform(0.5, 3.0, (4, 700))
    return v, w


def test_double_double_helpers_against_exact_rationals() -> None:
    from fractions import Fraction

    from actfn import _numerics as nm

    v, w = _dd_cases()

    def dd(h: Any, lo: Any) -> Fraction:
        return Fraction(float(h)) + Fraction(float(lo))

    # split_sum: offset + sum to 2^-104 relative (the exact partial totals).
    hi, lo = nm.split_sum(np, v, 2, -1.0)
    for i in range(v.shape[0]):
        exact = sum((Fraction(float(t)) for t in v[i]), Fraction(-1))
        assert abs(dd(hi[i, 0], lo[i, 0]) - exact) <= abs(exact) * Fraction(2) ** -104
    for a, b in zip(v[0, :50], w[0, :50], strict=True):
        fa, fb = Fraction(float(a)), Fraction(float(b))
        p = nm.dd_prod(np, np.float64(a), np.float64(b))
        assert abs(dd(*p) - fa * fb) <= abs(fa * fb) * Fraction(2) ** -104
        q = nm.dd_div(np, np.float64(a), np.float64(0.0), np.float64(b))
        assert abs(dd(*q) - fa / fb) <= abs(fa / fb) * Fraction(2) ** -103
        r = nm.dd_sqrt(np, np.float64(b), np.float64(0.0))
        assert abs(dd(*r) ** 2 - fb) <= fb * Fraction(2) ** -102


def test_double_double_helpers_survive_jit() -> None:
    # XLA on CPU fuses a * b + c into an FMA and folds (v + c) - c for a constant
    # c (openxla/xla#41579): the helpers are written so that neither changes them.
    jax = pytest.importorskip("jax", reason="jax not installed")
    from actfn import _numerics as nm

    v, w = _dd_cases()

    def all_of(xp: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return (
            *nm.split_sum(xp, a, 2, -1.0),
            *nm.dd_prod(xp, a, b),
            *nm.dd_div(xp, a, a * 2.0**-60, b),
            *nm.dd_sqrt(xp, b, b * 2.0**-60),
            *nm.dd_mul(xp, a, a * 2.0**-60, b, b * 2.0**-60),
        )

    want = all_of(np, v, w)
    with acc._jax_x64(jax):
        got = jax.jit(lambda a, b: all_of(jax.numpy, a, b))(v, w)
        got = [np.asarray(g) for g in got]
    for g, e in zip(got, want, strict=True):
        assert np.array_equal(g, e)


# --------------------------------------------------------------------- signed zeros

#: label -> the signed-zero mismatches the harness reports (``Row.zero_signs``):
#: f(-0) should be -0 where f is negative just left of 0 (the IEEE 754 rule of
#: tanh and expm1, which Keras, PyTorch and JAX follow for elu and selu), +0
#: where it is positive.  These are reported, not fixed here.
KNOWN_ZERO_SIGNS: dict[str, list[str]] = {}


def _elementwise_configs() -> list[Any]:
    out = []
    for name in actfn.names():
        f = actfn.get(name)
        if not f.elementwise:
            continue
        base = acc._sample_params(f)
        for p in acc._configs(f):
            label = acc._label(name, {k: v for k, v in p.items() if base.get(k, k) != v})
            out.append(pytest.param(name, p, label, id=label))
    return out


@pytest.mark.parametrize(("name", "p", "label"), _elementwise_configs())
@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_signed_zeros(name: str, p: dict[str, Any], label: str, backend: str) -> None:
    _needs("float64", backend)
    f = actfn.get(name)
    checked = f._check_params(
        {**{k: v for k, v in f.defaults.items() if v is not acc.REQUIRED}, **p}, partial=False
    )
    zeros = np.array([-0.0, 0.0])
    for dtype in ("float32", "float64"):
        got = acc._round_result(f(acc._backend_input(backend, zeros, dtype), **p), dtype)
        found = acc._zero_sign_mismatches(f, checked, zeros, got)
        assert found == KNOWN_ZERO_SIGNS.get(label, []), (label, dtype, backend)


def test_zero_signs_follow_the_function_beside_zero() -> None:
    def signs(name: str, **p: Any) -> dict[str, float | None]:
        f = actfn.get(name)
        base = {k: v for k, v in f.defaults.items() if v is not acc.REQUIRED}
        return acc.zero_signs(f, f._check_params({**base, **p}, partial=False))

    assert signs("tanh") == {"-0": -1.0, "+0": 1.0}
    assert signs("relu") == {"-0": None, "+0": 1.0}  # 0 left of 0: either zero
    assert signs("sigmoid") == {"-0": None, "+0": None}  # f(0) = 1/2
    assert signs("prelu", alpha=-1.5) == {"-0": 1.0, "+0": 1.0}
    # The harness reports a wrong zero in its rows (and the ULP count ignores it).
    spec = dataclasses.replace(
        actfn.tanh.spec, value=lambda xp, x, p: xp.abs(xp.tanh(x)) * xp.sign(x), numpy_value=None
    )
    (row,) = acc.measure([actfn.Activation(spec)], dtypes=("float64",), derivative=False)
    assert row.zero_signs == ["f(-0) = +0, expected -0"] and row.max_ulp <= 1


def test_a_library_returning_another_dtype_is_not_measured() -> None:
    # Keras (NumPy backend) returns float32 for a float64 relu: the cell says so.
    pytest.importorskip("keras", reason="keras not installed")
    with pytest.raises(acc.OtherDtype, match="float32"):
        acc._same_dtype(np.zeros(2, np.float32), "float64")
    assert acc._same_dtype(np.zeros(2), "float64").dtype == np.float64
    (row,) = acc.measure(
        ["relu"], dtypes=("float64",), derivative=False, against=["keras"], configs=False
    )
    assert row.others_dtype == {"keras": "float32"} and row.others["keras"] is None
    assert "float32 result" in acc.format_comparison([row], "float64")
    assert "float32 result" in acc.format_table([row])
    (row32,) = acc.measure(
        ["relu"], dtypes=("float32",), derivative=False, against=["keras"], configs=False
    )
    assert row32.others_dtype == {} and row32.others["keras"] == 0.0


# -------------------------------------------------- the double-double forms under vmap


@pytest.mark.parametrize("name", ["sparsemax", "entmax15"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_torch_func_vmap_of_the_sort_based_functions(name: str, axis: int) -> None:
    # (Here rather than in test_autodiff: these forms moved their axis with
    # moveaxis, for which torch.func.vmap has no batching rule.)
    torch = pytest.importorskip("torch", reason="torch not installed")
    f = actfn.get(name)
    x = np.random.default_rng(5).normal(0.0, 2.0, (3, 4, 5))
    got = torch.func.vmap(lambda t: f(t, axis=axis))(torch.from_numpy(x)).numpy()
    want = np.stack([f(r, axis=axis) for r in x])
    assert acc.ulp_distance(got, want, "float64").max() <= 4
