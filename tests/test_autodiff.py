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

from conftest import AXIS, ELEMENTWISE, by_name, in_domain, params_for

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


@pytest.fixture(params=["engine", "generic", "cuda"])
def torch_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The device of the test's tensors: PyTorch CPU tensors through the NumPy engine
    (the default), or through the generic form that CUDA tensors take, or CUDA
    tensors where a GPU is present."""
    if request.param == "cuda" and not torch.cuda.is_available():
        pytest.skip("PyTorch has no CUDA device here")
    monkeypatch.setattr(actfn._autodiff, "TORCH_CPU_VIA_NUMPY", request.param == "engine")
    return "cuda" if request.param == "cuda" else "cpu"


# ----------------------------------------------------------------------- elementwise


@pytest.mark.parametrize(("f", "p"), _cases())
def test_torch_gradient_equals_vjp(f: actfn.Activation, p: dict[str, Any], torch_path: str) -> None:
    x = points(f, p)
    g = _cotangent(x.shape)
    xt = torch.tensor(x, requires_grad=True, device=torch_path)
    (got,) = torch.autograd.grad(f(xt, **p), xt, torch.tensor(g, device=torch_path))
    assert got.device == xt.device
    got_np = got.cpu().numpy()
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
    xt = torch.tensor(x, requires_grad=True, device=torch_path)
    (gt,) = torch.autograd.grad(f(xt, **p), xt, torch.tensor(g, device=torch_path))
    assert gt.dtype == torch.float32
    assert ulps(gt.cpu().numpy(), want) <= 1.0
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
        xt = torch.tensor(kinks, requires_grad=True, device=torch_path)
        (gt,) = torch.autograd.grad(f(xt, **p).sum(), xt)
        with jax.enable_x64(True):
            gj = jax.vmap(jax.grad(lambda v, p=p: f(v, **p)))(jnp.asarray(kinks))
        # The one-sided slopes of these piecewise functions are exact small
        # rationals; rounding them to 5 digits removes the difference quotient's error.
        assert np.array_equal(gt.cpu().numpy(), rule), (p, kinks, gt, rule)
        assert np.array_equal(np.asarray(gj), rule), (p, kinks, gj, rule)


SMOOTH = [f for f in ELEMENTWISE if f.properties.smoothness == "C-inf"]


def _fd_step(f: actfn.Activation, xo: np.ndarray[Any, Any]) -> Any:
    """The step of the central differences of f.derivative: 1e-5, times the distance
    to a finite end of f's domain where that is below 1.  Near such an end the
    derivatives grow (log1mexp's second derivative is about -1/x^2 near 0, its
    fourth about -6/x^4), and the scaled step keeps the error h^2 f'''' / 6 below
    1e-9 of f''."""
    lo, hi = f.spec.domain
    return 1e-5 * np.minimum(np.minimum(xo - lo, hi - xo), 1.0)


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
    xo = in_domain(f, np.array(ORDINARY))
    h = _fd_step(f, xo)
    fd = (f.derivative(xo + h, **p) - f.derivative(xo - h, **p)) / (2 * h)
    idx = np.searchsorted(x, xo)
    assert np.allclose(second_t[idx], fd, rtol=1e-5, atol=1e-7)
    assert np.allclose(second_j[idx], fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("f", **by_name(SMOOTH))
def test_derivative_itself_is_differentiable(f: actfn.Activation, torch_path: str) -> None:
    # f.derivative on a tensor that requires a gradient is part of the graph too.
    p = params_for(f)
    xo = in_domain(f, np.array(ORDINARY))
    x = torch.tensor(xo, requires_grad=True, device=torch_path)
    d = f.derivative(x, **p)
    assert d.device == x.device
    assert ulps(d.detach().cpu().numpy(), f.derivative(xo, **p)) <= _tol(f)
    if not d.requires_grad:  # a constant derivative (linear)
        assert f.name == "linear"
        return
    (second,) = torch.autograd.grad(d.sum(), x)
    h = _fd_step(f, xo)
    fd = (f.derivative(xo + h, **p) - f.derivative(xo - h, **p)) / (2 * h)
    assert np.allclose(second.cpu().numpy(), fd, rtol=1e-5, atol=1e-7)


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
    p = {**params_for(f), "axis": axis}  # a seed: value and vjp see the same draws
    g = _cotangent(f(x, **p).shape)
    want = f.vjp(x, g, **p)
    assert not np.isnan(want).any()
    # The vjp sums cotangents along the axis: its error is absolute, a few ULP of
    # the largest cotangent (|g| <= 2).
    floor = 2.0
    # Gated units multiply by the gate's derivative, itself within 4 ULP of the
    # truth in each library (a dozen exp/tanh/expm1 roundings for silu'), so two
    # libraries' results may differ by twice that.
    tol = 8.0 if f.kind == "gated" else 4.0
    xt = torch.tensor(x, requires_grad=True, device=torch_path)
    (gt,) = torch.autograd.grad(f(xt, **p), xt, torch.tensor(g, device=torch_path))
    assert ulps(gt.cpu().numpy(), want, floor=floor) <= tol
    with jax.enable_x64(True):
        xj, gj = jnp.asarray(x), jnp.asarray(g)
        _, pullback = jax.vjp(lambda v: f(v, **p), xj)
        (rev,) = pullback(gj)
        jit_grad = jax.jit(jax.grad(lambda v: (f(v, **p) * gj).sum()))(xj)
        # Full Jacobians on a corner of x (it has an edge row and two rows to split).
        corner = xj[:2, :4]
        jac_fwd = jax.jacfwd(lambda v: f(v, **p))(corner)
        jac_rev = jax.jacrev(lambda v: f(v, **p))(corner)
    for got in (np.asarray(rev), np.asarray(jit_grad)):
        assert ulps(got, want, floor=floor, flush=True) <= tol
    # Forward mode (the transpose of the vjp) and reverse mode give one Jacobian.
    assert ulps(np.asarray(jac_fwd), np.asarray(jac_rev), floor=1.0, flush=True) <= 4.0


@pytest.mark.parametrize("f", **by_name(AXIS))
def test_axis_functions_under_vmap(f: actfn.Activation) -> None:
    # vmap(f)(x)[i] is f(x[i]): the reference is f on each row (a seeded draw is the
    # same for every row, as in a loop over rows).  The gradient of the first output
    # (the reduction's only one) is the vjp of the unit cotangent on it.
    x = _axis_input(f)
    p = params_for(f)
    with jax.enable_x64(True):
        rows = np.asarray(jax.vmap(lambda r: f(r, **p))(jnp.asarray(x)))
        grads = np.asarray(
            jax.vmap(jax.grad(lambda r: jnp.reshape(f(r, **p), (-1,))[0]))(jnp.asarray(x))
        )
    want = np.stack([np.asarray(f(r, **p)) for r in x])
    assert ulps(rows, want, floor=8.0, flush=True) <= 4.0
    e0 = np.zeros(want.shape[1:])
    e0.flat[0] = 1.0
    want_grads = np.stack([f.vjp(r, e0, **p) for r in x])
    assert ulps(grads, want_grads, floor=1.0, flush=True) <= 4.0


@pytest.mark.parametrize("f", **by_name(ELEMENTWISE + AXIS))
def test_torch_func_vmap(f: actfn.Activation) -> None:
    # torch.func.vmap(f)(x)[i] is f(x[i]) for every activation (a seeded draw is
    # the same for every row, as in a loop over rows): its batching rules cover
    # the operations each generic form uses.
    x = _axis_input(f) if not f.elementwise else np.linspace(-6.0, 6.0, 48).reshape(6, 8)
    p = params_for(f)
    got = torch.func.vmap(lambda r: f(r, **p))(torch.from_numpy(x)).numpy()
    want = np.stack([np.asarray(f(torch.from_numpy(r), **p)) for r in x])
    assert ulps(got, want, floor=1.0) <= 4.0


@pytest.mark.parametrize("f", **by_name([f for f in AXIS if f.properties.smoothness == "C-inf"]))
def test_axis_second_derivatives_are_finite(f: actfn.Activation) -> None:
    x = _axis_input(f)
    # along the last axis (a reduction too: one output per row)
    p = {**params_for(f), "axis": -1}
    w = _cotangent(f(x, **p).shape)
    xt = torch.tensor(x, requires_grad=True)
    (g1,) = torch.autograd.grad((f(xt, **p) * torch.tensor(w)).sum(), xt, create_graph=True)
    (g2,) = torch.autograd.grad((g1 * g1).sum(), xt)
    assert np.isfinite(g2.numpy()).all()
    with jax.enable_x64(True):
        hess = jax.hessian(lambda v: (f(v[None, :], **p) * jnp.asarray(w[:1])).sum())(
            jnp.asarray(x[0])
        )
    assert np.isfinite(np.asarray(hess)).all()


# ------------------------------------------------------------ array parameters, draws


@pytest.mark.parametrize("name", ["prelu", "snake"])
def test_gradients_in_array_parameters(name: str, torch_path: str) -> None:
    # A learnable slope / frequency: its gradient comes from autodiff of the generic
    # form, checked against central differences of the NumPy values; the gradient
    # in x stays f.vjp (prelu's kink rule at 0 included).
    f = actfn.ACTIVATIONS[name]
    x = np.concatenate([np.linspace(-3.0, 3.0, 11), [0.0]])[None, :] * np.ones((3, 1))
    alpha = np.array([[0.25], [0.5], [1.5]])
    g = _cotangent(x.shape)
    h = 1e-6
    fd = np.array(
        [
            ((f(x, alpha=alpha + h * e) - f(x, alpha=alpha - h * e)) * g).sum() / (2 * h)
            for e in np.eye(3)[:, :, None]
        ]
    )[:, None]
    want_x = f.vjp(x, g, alpha=alpha)
    xt = torch.tensor(x, requires_grad=True, device=torch_path)
    at = torch.tensor(alpha, requires_grad=True, device=torch_path)
    gx, ga = torch.autograd.grad(f(xt, alpha=at), (xt, at), torch.tensor(g, device=torch_path))
    assert np.allclose(ga.cpu().numpy(), fd, rtol=1e-8, atol=1e-8)
    assert ulps(gx.cpu().numpy(), want_x) <= 4.0
    with jax.enable_x64(True):
        gxj, gaj = jax.grad(lambda v, a: (f(v, alpha=a) * jnp.asarray(g)).sum(), argnums=(0, 1))(
            jnp.asarray(x), jnp.asarray(alpha)
        )
        # under jit, alpha is traced
        gaj_jit = jax.jit(jax.grad(lambda a: (f(jnp.asarray(x), alpha=a) * g).sum()))(
            jnp.asarray(alpha)
        )
    assert np.allclose(np.asarray(gaj), fd, rtol=1e-8, atol=1e-8)
    assert np.allclose(np.asarray(gaj_jit), fd, rtol=1e-8, atol=1e-8)
    assert ulps(np.asarray(gxj), want_x, flush=True) <= 4.0


def test_jax_draws_follow_the_rng() -> None:
    # rng=None draws anew at each call and a Generator advances, as on NumPy (a
    # cached jitted computation would repeat its first draw); an int seed repeats.
    x = np.array([1.0, 2.0, 3.0, 0.5])
    with jax.enable_x64(True):
        xj = jnp.asarray(x)
        for f, p in ((actfn.gumbel_softmax, {}), (actfn.rrelu, {"training": True})):
            xin = xj if f.name == "gumbel_softmax" else -xj
            assert not np.array_equal(np.asarray(f(xin, **p)), np.asarray(f(xin, **p))), f.name
            gen = np.random.default_rng(5)
            first, second = np.asarray(f(xin, **p, rng=gen)), np.asarray(f(xin, **p, rng=gen))
            assert not np.array_equal(first, second), f.name
            again = np.random.default_rng(5)
            want = f(np.asarray(xin), **p, rng=again), f(np.asarray(xin), **p, rng=again)
            # the same draws as NumPy's: equal values up to the libraries' exp
            assert ulps(first, want[0], flush=True) <= 4.0, f.name
            assert ulps(second, want[1], flush=True) <= 4.0, f.name
            seeded = np.asarray(f(xin, **p, rng=3))
            assert np.array_equal(seeded, np.asarray(f(xin, **p, rng=3))), f.name
            assert ulps(seeded, f(np.asarray(xin), **p, rng=3), flush=True) <= 4.0, f.name
