"""Derivatives and vector-Jacobian products: finite differences, kinks, limits, identities."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import actfn
from actfn._activation import min_norm

from conftest import AXIS, ELEMENTWISE, in_domain, params_for

# Extra parameter settings under which derivatives are checked.
SETTINGS: dict[str, list[dict[str, Any]]] = {
    "relu": [{"negative_slope": 0.1, "max_value": 4.0, "threshold": 1.0},
             {"threshold": -1.0, "max_value": 2.0}, {"negative_slope": 1.5}],
    "leaky_relu": [{"negative_slope": 2.0}, {"negative_slope": -0.5}],
    "elu": [{"alpha": 0.5}, {"alpha": 3.0}],
    "celu": [{"alpha": 0.25}],
    "gelu": [{"approximate": True}],
    "squareplus": [{"b": 0.0}, {"b": 0.5}],
    "hard_tanh": [{"min_val": -2.0, "max_val": 0.5}],
    "soft_shrink": [{"threshold": 1.0}],
    "hard_shrink": [{"threshold": 0.0}],
    "threshold": [{"threshold": -1.0, "default_value": 2.0}],
}  # fmt: skip


def _cases(fs: list[actfn.Activation]) -> list[Any]:
    out = []
    for f in fs:
        for s in [params_for(f), *SETTINGS.get(f.name, [])]:
            out.append(pytest.param(f, s, id=f"{f.name}-{s}" if s else f.name))
    return out


def _away_from_kinks(
    f: actfn.Activation, p: dict[str, Any], x: np.ndarray[Any, Any], margin: float
) -> np.ndarray[Any, Any]:
    full = {**f.defaults, **p}
    keep = np.ones(x.shape, bool)
    for k in f.spec.kinks(full):
        keep &= np.abs(x - k) > margin
    return x[keep]


@pytest.mark.parametrize(("f", "p"), _cases(ELEMENTWISE))
def test_derivative_matches_central_differences(f: actfn.Activation, p: dict[str, Any]) -> None:
    x = np.concatenate([np.linspace(-8.0, 8.0, 161), [-40.0, -15.0, 15.0, 40.0, 1e-3, -1e-3]])
    x = _away_from_kinks(f, p, x, 1e-3)
    lo, hi = f.spec.domain
    x = in_domain(f, x)
    x = x[(x - lo > 1e-3) & (hi - x > 1e-3)]  # x +- h stays inside the domain
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    fd = (f(x + h, **p) - f(x - h, **p)) / (2 * h)
    # central differences: truncation h^2 f'''/6 ~ 1e-12 and rounding eps |f|/h ~ 1e-10
    # and h |jump of f''| / 4 ~ 2.5e-7 at the joins of C1 functions (sparse_plus at -1).
    np.testing.assert_allclose(f.derivative(x, **p), fd, rtol=1e-6, atol=1e-6)


def _kink_cases() -> list[Any]:
    return [c for c in _cases(ELEMENTWISE)
            if c.values[0].spec.kinks({**c.values[0].defaults, **c.values[1]})]  # fmt: skip


@pytest.mark.parametrize(("f", "p"), _kink_cases())
def test_derivative_at_kinks_follows_the_rule(f: actfn.Activation, p: dict[str, Any]) -> None:
    full = {**f.defaults, **p}
    kinks = list(f.spec.kinks(full))
    assert kinks
    for k in kinks:
        # the neighbouring floats: the one-sided limits to within rounding
        left = float(f.derivative(np.nextafter(k, -np.inf), **p))
        right = float(f.derivative(np.nextafter(k, np.inf), **p))
        assert float(f.derivative(k, **p)) == min_norm(left, right), (k, left, right)


def test_documented_kink_values() -> None:
    assert float(actfn.relu.derivative(0.0)) == 0.0
    assert float(actfn.relu6.derivative(0.0)) == 0.0
    assert float(actfn.relu6.derivative(6.0)) == 0.0
    assert float(actfn.leaky_relu.derivative(0.0)) == 0.2
    assert float(actfn.leaky_relu.derivative(0.0, negative_slope=3.0)) == 1.0
    assert float(actfn.hard_tanh.derivative(1.0)) == 0.0
    assert float(actfn.hard_silu.derivative(3.0)) == 1.0


@pytest.mark.parametrize(("f", "p"), _cases(ELEMENTWISE))
def test_derivative_special_values(f: actfn.Activation, p: dict[str, Any]) -> None:
    big = np.finfo(np.float64).max
    ends = in_domain(f, np.array([-np.inf, np.inf]))
    # +-inf give the limits: the derivative at the largest finite floats
    d = f.derivative(ends, **p)
    np.testing.assert_array_equal(d, f.derivative(np.sign(ends) * big, **p))
    assert np.isnan(f.derivative(np.nan, **p))
    tiny = in_domain(f, np.array([1e-300, -1e-300]))
    assert np.isfinite(f.derivative(tiny, **p)).all()


@pytest.mark.parametrize(("f", "p"), _cases(ELEMENTWISE))
def test_elementwise_vjp_is_cotangent_times_derivative(
    f: actfn.Activation, p: dict[str, Any]
) -> None:
    x = np.linspace(-5, 5, 24).reshape(4, 6)
    g = np.cos(np.arange(24.0)).reshape(4, 6)
    np.testing.assert_array_equal(f.vjp(x, g, **p), g * f.derivative(x, **p))


AXIS_SETTINGS: dict[str, list[dict[str, Any]]] = {
    "softmax": [{"axis": 0}, {"axis": (0, 2)}, {"axis": None}],
    "log_softmax": [{"axis": 1}, {"axis": None}],
    "sparsemax": [{"axis": 0}],
    "glu": [{"axis": 0}],
}


def _axis_cases() -> list[Any]:
    out = []
    for f in AXIS:
        for s in [{}, *AXIS_SETTINGS.get(f.name, [])]:
            out.append(pytest.param(f, s, id=f"{f.name}-{s}"))
    return out


@pytest.mark.parametrize(("f", "p"), _axis_cases())
def test_vjp_matches_finite_differences(f: actfn.Activation, p: dict[str, Any]) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(scale=0.7, size=(4, 2, 6))
    p = {**params_for(f), **p}
    y = f(x, **p)
    g = rng.normal(size=y.shape)
    got = f.vjp(x, g, **p)
    assert got.shape == x.shape
    # the full gradient of <g, f(x)> by central differences, entry by entry
    h = 1e-6
    fd = np.empty_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        fd[i] = (np.sum(g * f(x + e, **p)) - np.sum(g * f(x - e, **p))) / (2 * h)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)


def test_identities() -> None:
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(actfn.softplus.derivative(x), actfn.sigmoid(x), rtol=1e-15)
    np.testing.assert_array_equal(actfn.sparse_plus.derivative(x), actfn.sparse_sigmoid(x))
    np.testing.assert_allclose(actfn.log_sigmoid.derivative(x), actfn.sigmoid(-x), rtol=1e-15)
    np.testing.assert_allclose(actfn.tanh_shrink.derivative(x), actfn.tanh(x) ** 2, rtol=1e-15)
    selu_via_elu = 1.0507009873554805 * actfn.elu(x, alpha=1.6732632423543772)
    np.testing.assert_allclose(actfn.selu(x), selu_via_elu, rtol=4e-16)
    np.testing.assert_allclose(actfn.silu(x), x * actfn.sigmoid(x), rtol=4e-16, atol=1e-300)


def test_derivative_on_axis_function_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match=r"softmax: derivative.*use vjp"):
        actfn.softmax.derivative(np.ones(3))


def test_vjp_checks_the_cotangent_shape() -> None:
    with pytest.raises(ValueError, match="glu: cotangent has shape"):
        actfn.glu.vjp(np.ones((2, 4)), np.ones((2, 4)))
