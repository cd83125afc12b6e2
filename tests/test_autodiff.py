"""Gradients through PyTorch's and JAX's autodiff equal actfn's own derivative / vjp.

Checked at ordinary points and at the edges (+-1e4, +-700, +-88, 0) and at every
kink of each activation, with its default parameters and with other parameter
values that move or create kinks.  The reference is ``f.vjp`` on NumPy (checked
against mpmath elsewhere).  Gradients must be finite wherever the derivative
is, and never NaN: the branch that a ``where`` discards must not leak into the
gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import actfn
from _arrays import ORDINARY, points, ulps

from conftest import AXIS, ELEMENTWISE, by_name, params_for

torch = pytest.importorskip("torch", reason="PyTorch not installed")
jax = pytest.importorskip("jax", reason="JAX not installed")
jnp = jax.numpy

pytestmark = pytest.mark.filterwarnings(
    "ignore:overflow encountered:RuntimeWarning",
    "ignore:invalid value encountered:RuntimeWarning",
)

# Other parameter values that move the kinks or create new ones.
VARIANTS: dict[str, list[dict[str, Any]]] = {
    "relu": [
        {"negative_slope": 0.1, "max_value": 6.0, "threshold": -1.0},
        {"max_value": 6.0},
        {"negative_slope": 0.3, "threshold": 2.0},
    ],
    "leaky_relu": [{"negative_slope": 2.0}, {"negative_slope": -0.5}],
    "elu": [{"alpha": 0.5}, {"alpha": 2.5}],
    "celu": [{"alpha": 2.0}],
    "gelu": [{"approximate": True}],
    "hard_tanh": [{"min_val": -2.0, "max_val": 0.5}],
    "soft_shrink": [{"threshold": 1.5}],
    "hard_shrink": [{"threshold": 1.5}],
    "squareplus": [{"b": 0.0}],
    "threshold": [{"threshold": -1.0, "default_value": 3.0}],
}


def _cases() -> list[Any]:
    out = []
    for f in ELEMENTWISE:
        for i, p in enumerate([params_for(f), *VARIANTS.get(f.name, [])]):
            out.append(pytest.param(f, p, id=f.name if i == 0 else f"{f.name}-{i}"))
    return out


# 4 float64 ULP: the frameworks' exp / tanh / erfc against NumPy's, as in
# test_backends; gelu's erfc tail, 64 (see test_backends.ULP64_FOR).
def _tol(f: actfn.Activation) -> float:
    return 64.0 if f.name == "gelu" else 4.0


# silu', gelu' and mish' cross zero (silu' at x = -1.2785) where their two terms,
# each about 0.2, cancel.  actfn runs each activation on JAX as one XLA computation
# (jit), and XLA contracts a*b + c into fused multiply-adds, which round those terms
# differently: a few ULP of the terms, not of the result.  PyTorch's gradients,
# compared without a floor, check the tails.
XLA_FLOOR = {"silu": 0.05, "gelu": 0.05, "mish": 0.05}


def _reference(
    f: actfn.Activation, x: np.ndarray[Any, Any], g: np.ndarray[Any, Any], p: dict[str, Any]
) -> np.ndarray[Any, Any]:
    r = f.vjp(x, g, **p)
    assert not np.isnan(r).any(), "the reference itself has NaN"
    return np.asarray(r)


def _cotangent(shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray[Any, Any]:
    # Non-zero cotangents of both signs, so that a NaN or a wrong sign cannot hide.
    g = np.random.default_rng(7).uniform(0.5, 2.0, size=shape)
    g[..., ::2] *= -1.0
    return g.astype(dtype)


@pytest.fixture(params=["engine", "generic"])
def torch_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """PyTorch CPU tensors through the NumPy engine (the default), or through the
    generic form that CUDA tensors take."""
    monkeypatch.setattr(actfn._autodiff, "TORCH_CPU_VIA_NUMPY", request.param == "engine")
    return str(request.param)


# ----------------------------------------------------------------------- elementwise


@pytest.mark.parametrize(("f", "p"), _cases())
def test_torch_gradient_equals_vjp(f: actfn.Activation, p: dict[str, Any], torch_path: str) -> None:
    x = points(f, p)
    g = _cotangent(x.shape)
    xt = torch.tensor(x, requires_grad=True)
    (got,) = torch.autograd.grad(f(xt, **p), xt, torch.tensor(g))
    got_np = got.numpy()
    assert not np.isnan(got_np).any()
    assert ulps(got_np, _reference(f, x, g, p)) <= _tol(f)


@pytest.mark.parametrize(("f", "p"), _cases())
def test_jax_grad_vmap_jit_equal_vjp(f: actfn.Activation, p: dict[str, Any]) -> None:
    x = points(f, p)
    g = _cotangent(x.shape)
    want = _reference(f, x, g, p)
    with jax.enable_x64(True):
        xj = jnp.asarray(x)
        scalar_grad = jax.grad(lambda v: f(v, **p))
        per_point = np.asarray(jax.vmap(scalar_grad)(xj)) * g
        jitted = np.asarray(jax.jit(jax.vmap(scalar_grad))(xj)) * g
        _, pullback = jax.vjp(lambda v: f(v, **p), xj)
        (reverse,) = pullback(jnp.asarray(g))
        _, forward = jax.jvp(lambda v: f(v, **p), (xj,), (jnp.asarray(g),))
    for got in (per_point, jitted, np.asarray(reverse), np.asarray(forward)):
        assert not np.isnan(got).any()
        # XLA flushes subnormals (jax-ml/jax#16200).
        assert ulps(got, want, flush=True, floor=XLA_FLOOR.get(f.name, 0.0)) <= _tol(f)


@pytest.mark.parametrize(("f", "p"), _cases())
def test_float32_gradients_stay_float32(
    f: actfn.Activation, p: dict[str, Any], torch_path: str
) -> None:
    # Both frameworks: the analytic backward runs in float64 and rounds once,
    # like f.vjp on NumPy float32, so they agree to one float32 step.
    x = points(f, p).astype(np.float32)
    g = _cotangent(x.shape, np.float32)
    want = _reference(f, x, g, p)
    assert want.dtype == np.float32
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(f(xt, **p), xt, torch.tensor(g))
    assert gt.dtype == torch.float32
    assert ulps(gt.numpy(), want) <= 1.0
    with jax.enable_x64(True):
        _, pullback = jax.vjp(lambda v: f(v, **p), jnp.asarray(x))
        (gj,) = pullback(jnp.asarray(g))
    assert gj.dtype == np.float32
    assert ulps(np.asarray(gj), want, flush=True) <= 1.0


@pytest.mark.parametrize("f", **by_name([f for f in ELEMENTWISE if f.name in VARIANTS]))
def test_kink_rule_through_autodiff(f: actfn.Activation, torch_path: str) -> None:
    # At every kink the gradient is the one-sided slope closest to 0, exactly:
    # the framework's own rule for its max/where/clip would give other values.
    for p in [params_for(f), *VARIANTS[f.name]]:
        full = f.configure(**p).defaults if p else f.defaults
        kinks = np.array([float(k) for k in f.spec.kinks(full)])
        if kinks.size == 0:
            continue
        h = 1e-7
        right = (f(kinks + h, **p) - f(kinks, **p)) / h
        left = (f(kinks, **p) - f(kinks - h, **p)) / h
        rule = np.array(
            [
                actfn._activation.min_norm(a, b)
                for a, b in zip(np.round(left, 5), np.round(right, 5), strict=True)
            ]
        )
        xt = torch.tensor(kinks, requires_grad=True)
        (gt,) = torch.autograd.grad(f(xt, **p).sum(), xt)
        with jax.enable_x64(True):
            gj = jax.vmap(jax.grad(lambda v, p=p: f(v, **p)))(jnp.asarray(kinks))
        # The one-sided slopes of these piecewise functions are exact small
        # rationals; rounding them to 5 digits removes the difference quotient's error.
        assert np.array_equal(gt.numpy(), rule), (p, kinks, gt, rule)
        assert np.array_equal(np.asarray(gj), rule), (p, kinks, gj, rule)


SMOOTH = [f for f in ELEMENTWISE if f.properties.smoothness == "C-inf"]


@pytest.mark.parametrize("f", **by_name(SMOOTH))
def test_second_derivative_is_finite(f: actfn.Activation) -> None:
    p = params_for(f)
    x = points(f, p)
    d1 = f.derivative(x, **p)
    xt = torch.tensor(x, requires_grad=True)
    (g1,) = torch.autograd.grad(f(xt, **p).sum(), xt, create_graph=True)
    if g1.requires_grad:
        (g2,) = torch.autograd.grad(g1.sum(), xt)
        second_t = g2.detach().numpy()
    else:  # f' does not depend on x (linear): f'' = 0
        second_t = np.zeros_like(x)
    with jax.enable_x64(True):
        second_j = np.asarray(jax.vmap(jax.grad(jax.grad(lambda v: f(v, **p))))(jnp.asarray(x)))
    for second in (second_t, second_j):
        assert not np.isnan(second).any()
        # Finite wherever f' is (exponential''(1e4) = exp(1e4) overflows, as it should).
        assert np.isfinite(second[np.isfinite(d1)]).all()
    # At ordinary points, against a central difference of f.derivative: error
    # about h^2 f''' + eps/h, below 1e-7 with h = 1e-5 (|x| <= 6.5).
    xo = np.array(ORDINARY)
    h = 1e-5
    fd = (f.derivative(xo + h, **p) - f.derivative(xo - h, **p)) / (2 * h)
    idx = np.searchsorted(x, xo)
    assert np.allclose(second_t[idx], fd, rtol=1e-5, atol=1e-7)
    assert np.allclose(second_j[idx], fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("f", **by_name(SMOOTH))
def test_derivative_itself_is_differentiable(f: actfn.Activation, torch_path: str) -> None:
    # f.derivative on a tensor that requires a gradient is part of the graph too.
    p = params_for(f)
    x = torch.tensor(np.array(ORDINARY), requires_grad=True)
    d = f.derivative(x, **p)
    assert ulps(d.detach().numpy(), f.derivative(np.array(ORDINARY), **p)) <= _tol(f)
    if not d.requires_grad:  # a constant derivative (linear)
        assert f.name == "linear"
        return
    (second,) = torch.autograd.grad(d.sum(), x)
    h = 1e-5
    xo = np.array(ORDINARY)
    fd = (f.derivative(xo + h, **p) - f.derivative(xo - h, **p)) / (2 * h)
    assert np.allclose(second.numpy(), fd, rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------------------ along an axis


def _axis_input(f: actfn.Activation) -> np.ndarray[Any, Any]:
    """Rows with the edges in them, and an ordinary row."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(6, 8)) * 3.0
    x[0, :4] = [-1e4, 0.0, 1e4, -1e4]
    x[1, :4] = [700.0, -700.0, 699.0, 0.0]
    x[2, :4] = [88.0, -88.0, 87.5, 0.0]
    x[3, :] = 0.25  # a row of ties
    return x


@pytest.mark.parametrize("f", **by_name(AXIS))
@pytest.mark.parametrize("axis", [-1, 0])
def test_axis_gradients_equal_vjp(f: actfn.Activation, axis: int, torch_path: str) -> None:
    x = _axis_input(f)
    g = _cotangent(f(x, axis=axis).shape)
    want = f.vjp(x, g, axis=axis)
    assert not np.isnan(want).any()
    # The vjp sums cotangents along the axis: its error is absolute, a few ULP of
    # the largest cotangent (|g| <= 2).
    floor = 2.0
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(f(xt, axis=axis), xt, torch.tensor(g))
    assert ulps(gt.numpy(), want, floor=floor) <= 4.0
    with jax.enable_x64(True):
        xj, gj = jnp.asarray(x), jnp.asarray(g)
        _, pullback = jax.vjp(lambda v: f(v, axis=axis), xj)
        (rev,) = pullback(gj)
        jit_grad = jax.jit(jax.grad(lambda v: (f(v, axis=axis) * gj).sum()))(xj)
        # Full Jacobians on a corner of x (it has an edge row and two rows to split).
        corner = xj[:2, :4]
        jac_fwd = jax.jacfwd(lambda v: f(v, axis=axis))(corner)
        jac_rev = jax.jacrev(lambda v: f(v, axis=axis))(corner)
    for got in (np.asarray(rev), np.asarray(jit_grad)):
        assert ulps(got, want, floor=floor, flush=True) <= 4.0
    # Forward mode (the transpose of the vjp) and reverse mode give one Jacobian.
    assert ulps(np.asarray(jac_fwd), np.asarray(jac_rev), floor=1.0, flush=True) <= 4.0


@pytest.mark.parametrize("f", **by_name(AXIS))
def test_axis_functions_under_vmap(f: actfn.Activation) -> None:
    x = _axis_input(f)
    with jax.enable_x64(True):
        rows = np.asarray(jax.vmap(lambda r: f(r))(jnp.asarray(x)))
        grads = np.asarray(jax.vmap(jax.grad(lambda r: f(r)[0]))(jnp.asarray(x)))
    assert ulps(rows, f(x), floor=8.0, flush=True) <= 4.0
    e0 = np.zeros(f(x).shape)
    e0[:, 0] = 1.0
    assert ulps(grads, f.vjp(x, e0), floor=1.0, flush=True) <= 4.0


@pytest.mark.parametrize("f", **by_name([f for f in AXIS if f.properties.smoothness == "C-inf"]))
def test_axis_second_derivatives_are_finite(f: actfn.Activation) -> None:
    x = _axis_input(f)
    w = _cotangent(f(x).shape)
    xt = torch.tensor(x, requires_grad=True)
    (g1,) = torch.autograd.grad((f(xt) * torch.tensor(w)).sum(), xt, create_graph=True)
    (g2,) = torch.autograd.grad((g1 * g1).sum(), xt)
    assert np.isfinite(g2.numpy()).all()
    with jax.enable_x64(True):
        hess = jax.hessian(lambda v: (f(v[None, :]) * jnp.asarray(w[:1])).sum())(jnp.asarray(x[0]))
    assert np.isfinite(np.asarray(hess)).all()
