"""Values: mpmath references, Keras 3's documented examples and outputs, dtypes."""

from __future__ import annotations

import os
from typing import Any

import mpmath
import numpy as np
import pytest

import actfn

from conftest import ALL, AXIS, ELEMENTWISE, by_name, in_domain, linspace_in_domain, params_for

os.environ.setdefault("KERAS_BACKEND", "numpy")

# Points where every elementwise activation is evaluated against mpmath.
GRID = np.array(
    [-700.0, -100.0, -30.0, -7.5, -3.0, -2.0, -1.0, -0.5, -1e-3, -1e-9, 0.0, 1e-12, 1e-4,
     0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 3.0, 6.0, 10.0, 20.0, 50.0, 300.0]
)  # fmt: skip


def mp_values(f: actfn.Activation, x: np.ndarray[Any, Any], p: dict[str, Any]) -> list[float]:
    """The true values, from the record's mpmath reference at 60 digits, rounded once."""
    assert f.spec.mp is not None
    with mpmath.workdps(60):
        full = {**f.defaults, **p}
        return [float(f.spec.mp(mpmath, mpmath.mpf(float(v)), full)) for v in x]


@pytest.mark.parametrize("f", **by_name(ELEMENTWISE))
def test_float64_against_mpmath(f: actfn.Activation) -> None:
    p = params_for(f)
    x = in_domain(f, GRID)
    if f.name == "exponential":
        x = x[x < 700]
    got = f(x, **p)
    want = np.array(mp_values(f, x, p))
    # A screen for wrong formulas (which are off by far more than 1e-12): the ULP
    # bounds over the whole range are asserted by the accuracy harness's tests.
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=2.0**-1022)


@pytest.mark.parametrize("f", **by_name(AXIS))
def test_axis_functions_against_mpmath(f: actfn.Activation) -> None:
    rng = np.random.default_rng(0)
    rows = rng.normal(scale=3.0, size=(5, 8))
    p = params_for(f)
    if f.kind == "reduction":
        p["axis"] = -1
    # one call per row: a function that draws noise from a seed draws the same
    # noise for each row, as its reference does for one row
    got = np.array([np.reshape(f(r, **p), -1) for r in rows])
    assert f.spec.mp is not None
    with mpmath.workdps(60):
        full = {**f.defaults, **p}
        want = np.array(
            [[float(v) for v in f.spec.mp(mpmath, [mpmath.mpf(float(u)) for u in r], full)]
             for r in rows]
        )  # fmt: skip
    np.testing.assert_allclose(got, want, rtol=8 * 2.0**-52, atol=2.0**-1000)


# ---------------------------------------------------------------- Keras's own examples


KERAS_RELU_X = [-10.0, -5.0, 0.0, 5.0, 10.0]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"negative_slope": 0.5}, [-5.0, -2.5, 0.0, 5.0, 10.0]),
        ({"max_value": 5.0}, [0.0, 0.0, 0.0, 5.0, 5.0]),
        ({"threshold": 5.0}, [-0.0, -0.0, 0.0, 0.0, 10.0]),
        ({"negative_slope": 0.5, "max_value": 5.0, "threshold": 5.0},
         [-7.5, -5.0, -2.5, 0.0, 5.0]),
    ],
)  # fmt: skip
def test_keras_documented_relu_examples(kwargs: dict[str, float], expected: list[float]) -> None:
    got = actfn.relu(np.array(KERAS_RELU_X), **kwargs)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(np.array(expected)))


def test_relu_threshold_comparison_is_strict() -> None:
    np.testing.assert_array_equal(actfn.relu([5.0, 5.1], threshold=5.0), [0.0, 5.1])


def test_seed_softmax_example() -> None:
    got = actfn.softmax([1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(got.round(3), [0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175])
    # the seed's NumPy output, to the 8 digits it prints
    np.testing.assert_allclose(
        got,
        [0.02364054, 0.06426166, 0.1746813, 0.474833, 0.02364054, 0.06426166, 0.1746813],
        rtol=1e-6,
    )
    scaled = actfn.softmax([0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3])
    np.testing.assert_array_equal(
        scaled.round(3), [0.125, 0.138, 0.153, 0.169, 0.125, 0.138, 0.153]
    )


@pytest.mark.parametrize(
    ("x", "expected"),
    [([0.5, 0.0], [0.75, 0.25]), ([0.1, 0.2, 0.9], [1 / 30, 4 / 30, 25 / 30]),
     ([3.0, 2.5, 0.0], [0.75, 0.25, 0.0])],
)  # fmt: skip
def test_sparsemax_is_the_simplex_projection(x: list[float], expected: list[float]) -> None:
    np.testing.assert_allclose(actfn.sparsemax(x), expected, rtol=1e-15, atol=1e-16)


def test_leaky_relu_slope_above_one() -> None:
    np.testing.assert_array_equal(actfn.leaky_relu([-2.0, 3.0], negative_slope=2.0), [-4.0, 3.0])


def test_softmax_axes() -> None:
    x = np.arange(24.0).reshape(2, 3, 4) / 7
    full = actfn.softmax(x, axis=None)
    assert full.sum() == pytest.approx(1.0, rel=1e-15)
    e = np.exp(x - x.max())
    np.testing.assert_allclose(full, e / e.sum(), rtol=1e-14)
    two = actfn.softmax(x, axis=(0, 2))
    e2 = np.exp(x - x.max(axis=(0, 2), keepdims=True))
    np.testing.assert_allclose(two, e2 / e2.sum(axis=(0, 2), keepdims=True), rtol=1e-14)
    ls = actfn.log_softmax(x, axis=(1, 2))
    np.testing.assert_allclose(np.exp(ls).sum(axis=(1, 2)), 1.0, rtol=1e-14)


def test_softmax_infinite_rows() -> None:
    inf = np.inf
    rows = np.array([[0.0, -inf, 1.0], [inf, 0.0, inf], [-inf, -inf, -inf]])
    got = actfn.softmax(rows)
    e = np.exp([0.0, 1.0])
    np.testing.assert_allclose(got[0], [e[0] / e.sum(), 0.0, e[1] / e.sum()], rtol=1e-15)
    np.testing.assert_array_equal(got[1], [0.5, 0.0, 0.5])
    np.testing.assert_allclose(got[2], [1 / 3] * 3, rtol=1e-15)
    ls = actfn.log_softmax(rows)
    assert ls[0, 1] == -inf
    np.testing.assert_allclose(ls[2], [-np.log(3.0)] * 3, rtol=1e-15)
    assert np.isnan(actfn.softmax([1.0, np.nan])).all()


def test_glu_splits_halves() -> None:
    x = np.arange(12.0).reshape(3, 4) / 5
    a, b = x[:, :2], x[:, 2:]
    np.testing.assert_allclose(actfn.glu(x), a / (1 + np.exp(-b)), rtol=1e-15)
    np.testing.assert_allclose(actfn.glu(x.T, axis=0), (a / (1 + np.exp(-b))).T, rtol=1e-15)
    with pytest.raises(ValueError, match="glu: the size of axis -1 must be even"):
        actfn.glu(np.ones((2, 3)))


# ------------------------------------------------------------------ agreement with Keras

# Parameter settings tried against Keras 3 (beyond the defaults).
KERAS_SETTINGS: dict[str, list[dict[str, Any]]] = {
    "relu": [{"negative_slope": 0.1}, {"max_value": 3.0}, {"threshold": 1.5},
             {"threshold": -1.0, "max_value": 4.0, "negative_slope": 0.3}],
    "leaky_relu": [{"negative_slope": 0.01}, {"negative_slope": 0.7}],
    "elu": [{"alpha": 0.5}, {"alpha": 2.0}],
    "celu": [{"alpha": 0.5}, {"alpha": 3.0}],
    "soft_shrink": [{"threshold": 1.0}],
    "hard_shrink": [{"threshold": 1.0}],
    "gelu": [{"approximate": True}],
    "squareplus": [{"b": 1.0}, {"b": 0.0}],
    "threshold": [{"threshold": 0.5, "default_value": -1.0},
                  {"threshold": -2.0, "default_value": 3.0}],
    "softmax": [{"axis": 0}, {"axis": (0, 1)}],
    "log_softmax": [{"axis": 0}],
    "glu": [{"axis": 0}],
}  # fmt: skip

# Documented differences: Keras's sparsemax is wrong (see test_sparsemax_is_the_simplex_projection).
NOT_COMPARED = {"sparsemax"}


def _keras_cases() -> list[Any]:
    cases = []
    for f in ALL:
        if f.name in NOT_COMPARED or not f.spec.equivalents.get("keras", "").startswith(
            "keras.activations."
        ):
            continue
        settings = KERAS_SETTINGS.get(f.name, [{}])
        if f.name != "threshold" and {} not in settings:
            settings = [{}, *settings]
        for s in settings:
            cases.append(pytest.param(f, s, id=f"{f.name}-{s}"))
    return cases


@pytest.mark.parametrize(("f", "kwargs"), _keras_cases())
def test_agrees_with_keras(f: actfn.Activation, kwargs: dict[str, Any]) -> None:
    keras = pytest.importorskip("keras", reason="Keras 3 not installed")
    kfn = getattr(keras.activations, f.name)
    x = np.linspace(-6.0, 6.0, 4 * 6 * 2, dtype=np.float32).reshape(4, 12)
    extra = np.array(
        [-0.0, 1e-3, -1e-3, 5.5, 0.3, -0.3, 2.0, -2.0, 1.0, -1.0, 3.0, -3.0], dtype=np.float32
    )
    x = np.concatenate([x, extra[None, :], -extra[None, :]])
    want = np.asarray(kfn(x, **kwargs))
    got = f(x, **kwargs)
    assert got.dtype == np.float32
    # float32 precision: relative 3e-6; absolute 3e-7 for values near 0 where
    # Keras's float32 formulas cancel (tanh_shrink, gelu tails).
    np.testing.assert_allclose(got, want, rtol=3e-6, atol=3e-7)


# ------------------------------------------------------------------------------ dtypes


def _dtypes() -> list[Any]:
    out: list[Any] = [np.float16, np.float32, np.float64]
    try:
        import ml_dtypes

        out.append(ml_dtypes.bfloat16)
    except ImportError:  # pragma: no cover - ml_dtypes is a test dependency
        pass
    return out


@pytest.mark.parametrize("dtype", _dtypes(), ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("f", **by_name(ALL))
def test_dtype_preserved(f: actfn.Activation, dtype: Any) -> None:
    x = linspace_in_domain(f, -3, 3, 8).astype(dtype).reshape(2, 4)
    p = params_for(f)
    y = f(x, **p)
    assert y.dtype == np.dtype(dtype)
    g = np.ones(y.shape, dtype=dtype)
    assert f.vjp(x, g, **p).dtype == np.dtype(dtype)
    if f.elementwise:
        assert f.derivative(x, **p).dtype == np.dtype(dtype)
    # computed wide and rounded once: equal to the float64 result rounded
    ref = f(x.astype(np.float64), **p).astype(dtype)
    np.testing.assert_array_equal(y, ref)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16, np.bool_])
def test_integer_and_bool_promote(dtype: Any) -> None:
    x = np.array([0, 1, 1], dtype=dtype)
    y = actfn.elu(x)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, actfn.elu(x.astype(np.float64)))


def test_python_scalars_and_lists() -> None:
    y = actfn.sigmoid(0.0)
    assert isinstance(y, np.ndarray) and y.shape == () and float(y) == 0.5
    np.testing.assert_array_equal(actfn.relu([[-1, 2]]), [[0.0, 2.0]])


def test_out_argument() -> None:
    x = np.linspace(-2, 2, 5, dtype=np.float32)
    out = np.empty_like(x)
    r = actfn.elu(x, out=out)
    assert r is out
    np.testing.assert_array_equal(out, actfn.elu(x))
    y = x.copy()
    assert actfn.elu(y, out=y) is y
    np.testing.assert_array_equal(y, out)
    sm = np.empty((2, 3))
    assert actfn.softmax(np.zeros((2, 3)), out=sm) is sm
    np.testing.assert_allclose(sm, 1 / 3, rtol=1e-15)


@pytest.mark.parametrize(
    "b",
    [
        5e-324,
        1e-310,
        2.0**-70,
        2.0**70,
        1e200,
        1e300,
        1.7976931080746007e308,
        1.7976931348623157e308,
    ],
)
def test_squareplus_with_extreme_b(b: float) -> None:
    # Found by test_fuzz: b near the largest double gave -inf and NaN (h^2
    # overflowed); for b beyond 2^67 the branch taking h = |x| above |x| = 2^60 was
    # wrong (squareplus(2^61; b=1e300) gave 2.3e18, not 5e149); a subnormal b lost
    # bits.  Now b outside [2^-64, 2^64] is scaled to about 1 by a power of two.
    rng = np.random.default_rng(int(np.frexp(b)[1]) + 1100)
    x = np.ldexp(rng.uniform(1.0, 2.0, 200), rng.integers(-1074, 1023, 200))
    x = np.concatenate([x * rng.choice([-1.0, 1.0], 200), [0.0, 1.0, -1.0, 2.0**61, -(2.0**61)]])
    x = np.concatenate([x, [np.sqrt(b), -np.sqrt(b), 1e308, -1e308, np.inf, -np.inf]])
    y = actfn.squareplus(x, b=b)
    d = actfn.squareplus.derivative(x, b=b)
    with mpmath.workdps(60):
        for xi, yi, di in zip(x, y, d, strict=True):
            if np.isinf(xi):
                assert yi == (np.inf if xi > 0 else 0.0) and di == (1.0 if xi > 0 else 0.0)
                continue
            v, bb = mpmath.mpf(float(xi)), mpmath.mpf(b)
            h = mpmath.sqrt(v * v + bb)
            want = bb / (2 * (h - v)) if v < 0 else (v + h) / 2
            dwant = bb / (2 * h * (h - v)) if v < 0 else (1 + v / h) / 2
            for got, true, bound in ((yi, want, 2.0), (di, dwant, 4.0)):
                t = float(true)
                ulp = np.spacing(abs(t)) if t != 0 else np.spacing(0.0)
                err = float(abs(mpmath.mpf(float(got)) - true)) / ulp
                assert err <= bound, (xi, b, got, t, err)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(
    ("beta", "threshold"),
    [(5e-324, 5e-324), (1e-310, 3e-310), (3.0, 1.0), (0.1, -7.0), (1.0, 20.0)],
)
def test_softplus_threshold_compares_the_exact_product(
    dtype: Any, beta: float, threshold: float
) -> None:
    # Found by test_fuzz: softplus(1.25 float16; beta=5e-324, threshold=5e-324) was
    # inf, not 1.25: beta * x rounded onto the threshold, so the switch to x was
    # missed.  The switch now compares x with threshold/beta rounded down.
    with mpmath.workdps(2000):
        near = float(mpmath.mpf(threshold) / beta)
    # the float nearest threshold/beta and its three neighbours each side
    up = down = np.array([near], dtype=dtype)
    x = np.array([near, 1.25, 2.5, -3.0, 0.0], dtype=dtype)
    for _ in range(3):
        up, down = np.nextafter(up, dtype(np.inf)), np.nextafter(down, dtype(-np.inf))
        x = np.concatenate([x, up, down])
    x = x[np.isfinite(x)]
    y = actfn.softplus(x, beta=beta, threshold=threshold)
    d = actfn.softplus.derivative(x, beta=beta, threshold=threshold)
    with mpmath.workdps(2000):  # beta x exact for every x and beta here
        for xi, yi, di in zip(x, y, d, strict=True):
            bx = mpmath.mpf(beta) * mpmath.mpf(float(xi))
            if bx > mpmath.mpf(threshold):
                assert yi == xi and di == 1.0, (xi, yi, di)
                continue
            want = dtype(float(mpmath.log1p(mpmath.exp(bx)) / beta))
            dwant = dtype(float(1 / (1 + mpmath.exp(-bx))))
            for got, true in ((yi, want), (di, dwant)):
                if np.isinf(true):
                    assert got == true, (xi, got)
                else:
                    assert abs(float(got) - float(true)) <= np.spacing(abs(true)), (xi, got, true)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("beta", [5e-324, 1e-307, 1e-300, 1.0, 3.0])
def test_softplus_limits_at_infinity(dtype: Any, beta: float) -> None:
    # For beta below 7.5e-306, beta x stays small at the clip of x (1e308), so -inf
    # gave softplus(inf)-like results (inf, NaN in float32, derivative 1/2): the limits
    # are 0 and 0.
    x = np.array([-np.inf, np.inf], dtype=dtype)
    assert actfn.softplus(x, beta=beta).tolist() == [0.0, np.inf]
    assert actfn.softplus.derivative(x, beta=beta).tolist() == [0.0, 1.0]
    assert actfn.softplus(x, beta=beta, threshold=1.0).tolist() == [0.0, np.inf]
