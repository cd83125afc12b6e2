"""Activations beyond Keras: from PyTorch, JAX and recent papers.

Values against mpmath (ULP errors in float64), PyTorch and JAX where they have the
function, an independent bisection for entmax15; derivatives and vjps against
finite differences; masks, randomness and array parameters.
"""

from __future__ import annotations

import math
from typing import Any

import array_api_compat
import mpmath
import numpy as np
import pytest

import actfn
from _arrays import from_numpy, to_numpy

from conftest import params_for

F64 = np.float64


# ------------------------------------------------------------------------- helpers


def ulp_errors(
    f: actfn.Activation, x: np.ndarray[Any, Any], p: dict[str, Any], derivative: bool = False
) -> np.ndarray[Any, Any]:
    """|computed - true| in ULPs of the true value (mpmath at 50 digits)."""
    got = (f.derivative if derivative else f)(x, **p)
    ref = f.spec.mp_derivative if derivative else f.spec.mp
    assert ref is not None
    full = {**f.defaults, **p}
    out = np.empty(x.shape)
    with mpmath.workdps(50):
        for i, (xi, yi) in enumerate(zip(x, got, strict=True)):
            t = ref(mpmath, mpmath.mpf(float(xi)), full)
            tf = float(t)
            if math.isnan(tf) or math.isinf(tf) or tf == 0.0:
                out[i] = 0.0 if (yi == tf or (math.isnan(tf) and math.isnan(yi))) else np.inf
                continue
            ulp = np.spacing(abs(tf))  # one ULP at the true value (subnormals included)
            out[i] = float(abs(mpmath.mpf(float(yi)) - t) / mpmath.mpf(float(ulp)))
    return out


def fd_gradient(
    fn: Any, x: np.ndarray[Any, Any], g: np.ndarray[Any, Any], h: float = 1e-6
) -> np.ndarray[Any, Any]:
    """The gradient of <g, fn(x)> by central differences, entry by entry."""
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (np.sum(g * fn(x + e)) - np.sum(g * fn(x - e))) / (2 * h)
    return out


def wide_sample(seed: int, n: int, scale: float = 30.0) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(scale=scale, size=n), rng.uniform(-3, 3, size=n)])


torch = pytest.importorskip("torch", reason="PyTorch not installed")


# -------------------------------------------------------------- accuracy (float64)

# Bounds in ULPs, measured here on these samples and argued in the formulas'
# comments: one rounding gives <= 0.5; a few correctly rounded steps add up.
ULP_CASES = [
    ("relu_squared", {}, 0.5, 0.0),  # one rounding; the derivative 2r is exact
    ("star_relu", {}, 1.0, 0.5),  # double-double near the root 1/sqrt 2; 2s exact
    ("star_relu", {"scale": 1.0, "bias": -2.0}, 1.0, 0.5),
    ("prelu", {"alpha": 0.25}, 0.5, 0.0),
    ("prelu", {"alpha": 0.1}, 0.5, 0.0),
    ("rrelu", {}, 1.0, 0.5),  # (l + u)/2 rounded, then the product
    ("softplus", {"beta": 0.3}, 2.5, 2.5),  # exp, log1p, /beta, corrected beta x
    ("softplus", {"beta": 7.0}, 2.5, 2.5),
    ("softplus", {"beta": 1.0}, 2.5, 2.5),
    ("log1mexp", {}, 2.0, 1.5),
    ("snake", {}, 4.0, None),  # cancellation by at most 3.6 for x < 0; measured 2.1
    ("snake", {"alpha": 2.5}, 4.0, None),  # measured 3.1
]


@pytest.mark.parametrize(
    ("name", "p", "bound", "dbound"), ULP_CASES, ids=[f"{c[0]}-{c[1]}" for c in ULP_CASES]
)
def test_float64_ulp_error(
    name: str, p: dict[str, Any], bound: float, dbound: float | None
) -> None:
    f = actfn.ACTIVATIONS[name]
    x = wide_sample(0, 300)
    if name == "log1mexp":
        x = np.abs(x) * np.array([1.0, 1e-6, 1e-12])[np.arange(x.size) % 3]
    err = ulp_errors(f, x, p)
    assert err.max() <= bound, (err.max(), x[err.argmax()])
    if dbound is not None:
        derr = ulp_errors(f, x, p, derivative=True)
        assert derr.max() <= dbound, (derr.max(), x[derr.argmax()])


def test_star_relu_near_its_root_is_accurate() -> None:
    # s r^2 + b = 0 at r = sqrt(-b/s): the plain formula loses all digits there.
    s, b = 0.8944, -0.4472
    root = math.sqrt(-b / s)
    x = root + np.linspace(-1e-9, 1e-9, 201)
    err = ulp_errors(actfn.star_relu, x, {})
    assert err.max() <= 1.0
    plain = s * x * x + b
    with mpmath.workdps(50):
        true = np.array([float(mpmath.mpf(s) * mpmath.mpf(v) ** 2 + mpmath.mpf(b)) for v in x])
    # the plain form is visibly worse: the test can tell the difference
    assert np.max(np.abs(plain - true) / np.spacing(np.abs(true))) > 100


@pytest.mark.parametrize("alpha", [1.0, 2.0])
def test_snake_derivative_error_grows_only_near_its_zeros(alpha: float) -> None:
    # (sin t + cos t)^2 with sin and cos each within ~1 ULP: the base has an absolute
    # error of ~2u, so the relative error is ~4u / |sin t + cos t| (t = alpha x, exact
    # for these alphas).  Measured: at most 4.4 / |sin t + cos t| ULP.
    x = np.concatenate(
        [np.linspace(-6.0, 6.0, 401), np.random.default_rng(0).normal(scale=1e3, size=400)]
    )
    t = alpha * x
    sigma = np.abs(np.sin(t) + np.cos(t))
    err = ulp_errors(actfn.snake, x, {"alpha": alpha}, derivative=True)
    assert (err * sigma).max() <= 5.0


# ---------------------------------------------------------------------- softplus


def test_softplus_beta_is_stable_beyond_overflow() -> None:
    x = np.array([-1e300, -800.0, -1.0, 0.0, 1.0, 800.0, 1e300, np.inf, -np.inf])
    for beta in [1e-300, 1e-5, 0.5, 3.0, 1e5, 1e300]:
        y = actfn.softplus(x, beta=beta)
        d = actfn.softplus.derivative(x, beta=beta)
        assert not np.isnan(y).any() and not np.isnan(d).any(), beta
        assert (y >= 0).all() and ((d >= 0) & (d <= 1)).all()
        assert y[-2] == np.inf and y[-1] == 0.0
    # beta x far beyond exp's overflow: the value is x itself
    assert actfn.softplus(1.0, beta=1e300) == 1.0
    # beta x tiny: log(2)/beta + x/2
    np.testing.assert_allclose(actfn.softplus(1.0, beta=1e-300), math.log(2) * 1e300, rtol=1e-15)


def test_softplus_matches_torch() -> None:
    F = torch.nn.functional
    x = np.linspace(-30, 30, 241)
    xt = torch.tensor(x, dtype=torch.float64)
    for beta in [0.5, 1.0, 2.0]:
        # threshold=None is exact; torch's switch at beta x > 20 errs by < e^-20
        want = F.softplus(xt, beta=beta, threshold=1e9).numpy()
        np.testing.assert_allclose(actfn.softplus(x, beta=beta), want, rtol=1e-14, atol=1e-300)
        # threshold=20.0 reproduces PyTorch's default, switch included
        want20 = F.softplus(xt, beta=beta, threshold=20.0).numpy()
        got20 = actfn.softplus(x, beta=beta, threshold=20.0)
        np.testing.assert_allclose(got20, want20, rtol=1e-14, atol=1e-300)
        above = beta * x > 20.0
        assert (got20[above] == x[above]).all()
        # and the derivative: sigmoid(beta x), 1 above the switch
        xr = xt.clone().requires_grad_(True)
        F.softplus(xr, beta=beta, threshold=20.0).sum().backward()
        assert xr.grad is not None
        got_d = actfn.softplus.derivative(x, beta=beta, threshold=20.0)
        np.testing.assert_allclose(got_d, xr.grad.numpy(), rtol=1e-14, atol=1e-300)


def test_softplus_default_is_keras() -> None:
    x = np.linspace(-5, 5, 11)
    np.testing.assert_array_equal(actfn.softplus(x), actfn.softplus(x, beta=1.0))
    assert actfn.softplus.defaults == {"beta": 1.0, "threshold": None}
    with pytest.raises(ValueError, match=r"softplus: beta=0\.0 is outside its domain"):
        actfn.softplus(x, beta=0.0)


# ---------------------------------------------------------------- softmax masks


def test_softmax_where_matches_jax() -> None:
    jax = pytest.importorskip("jax", reason="JAX not installed")
    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(3)
    x = rng.normal(scale=3, size=(4, 6))
    mask = rng.random((4, 6)) > 0.4
    mask[0] = False  # a fully masked row
    mask[1] = True
    got = actfn.softmax(x, where=mask)
    want = np.asarray(jax.nn.softmax(x, where=mask))
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-300)
    assert (got[0] == 0).all()
    np.testing.assert_allclose(got[1:].sum(axis=-1), 1.0, rtol=1e-15)
    lgot = actfn.log_softmax(x, where=mask)
    lwant = np.asarray(jax.nn.log_softmax(x, where=mask))
    # JAX takes log(sum), which rounds away the small terms of an entry near 0:
    # 2.3e-13 relative at x[1, 3] (-1.354e-4), where actfn's log1p form is within
    # 1 ULP of mpmath (the accuracy harness measures log_softmax(where=mask)).
    np.testing.assert_allclose(lgot[mask], lwant[mask], rtol=1e-12)
    assert (lgot[~mask] == -np.inf).all()
    # logsumexp with a mask; a fully masked row gives -inf
    sgot = actfn.logsumexp(x, axis=1, where=mask)
    swant = np.asarray(jax.nn.logsumexp(x, axis=1, where=mask))
    np.testing.assert_allclose(sgot, swant, rtol=1e-14)
    assert sgot[0] == -np.inf


def test_mask_ignores_masked_nan_and_inf() -> None:
    x = np.array([[1.0, np.nan, np.inf, 2.0]])
    m = np.array([[True, False, False, True]])
    y = actfn.softmax(x, where=m)
    np.testing.assert_allclose(y, actfn.softmax(np.array([[1.0, 0, 0, 2.0]]), where=m))
    assert np.isfinite(actfn.log_softmax(x, where=m)[m]).all()
    assert np.isfinite(actfn.logsumexp(x, where=m))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_masked_vjp_matches_finite_differences(name: str) -> None:
    f = actfn.ACTIVATIONS[name]
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 5))
    mask = np.array([[True, False, True, True, False], [False] * 5, [True] * 5])
    g = rng.normal(size=x.shape)
    got = f.vjp(x, g, where=mask)
    assert np.isfinite(got).all()
    assert (got[~mask] == 0).all() and (got[1] == 0).all()

    def finite_part(z: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        y = f(z, where=mask)
        return np.where(mask, y, 0.0)  # masked outputs are constants (0 or -inf)

    np.testing.assert_allclose(got, fd_gradient(finite_part, x, g), rtol=1e-6, atol=1e-9)


def test_fully_masked_row_has_finite_autodiff_gradients() -> None:
    # Through the generic Array-API form, autodiff of a fully masked row stays finite.
    x = torch.zeros((2, 3), dtype=torch.float64, requires_grad=True)
    m = torch.tensor([[False] * 3, [True, False, True]])
    y = actfn.softmax(x, where=m)
    (y * torch.arange(6.0, dtype=torch.float64).reshape(2, 3)).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert (y[0] == 0).all()


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_mask_errors(name: str) -> None:
    f = actfn.ACTIVATIONS[name]
    x = np.zeros((2, 3))
    with pytest.raises(
        ValueError,
        match=rf"{name}: where has shape \(2,\), which does not "
        r"broadcast to x's shape \(2, 3\)",
    ):
        f(x, where=np.array([True, False]))
    with pytest.raises(TypeError, match=rf"{name}: where must be .*boolean.*float64"):
        f(x, where=np.ones((2, 3)))
    # a mask that broadcasts is fine
    assert f(x, where=np.array([True, False, True])).shape == f(x).shape


# -------------------------------------------------------------- softmin, logsumexp


def test_softmin_matches_torch() -> None:
    x = np.random.default_rng(5).normal(scale=4, size=(3, 7))
    for axis in [0, 1, -1]:
        want = torch.nn.functional.softmin(torch.tensor(x), dim=axis).numpy()
        np.testing.assert_allclose(actfn.softmin(x, axis=axis), want, rtol=1e-14)
    np.testing.assert_array_equal(actfn.softmin(x, axis=None), actfn.softmax(-x, axis=None))
    # infinities with signs swapped: +inf gets 0, a row of all +inf is uniform
    np.testing.assert_array_equal(actfn.softmin([np.inf, 0.0]), [0.0, 1.0])
    np.testing.assert_array_equal(actfn.softmin([np.inf, np.inf]), [0.5, 0.5])


def test_logsumexp_matches_torch_and_is_accurate() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(scale=50, size=(4, 5, 6))
    for axis in [None, 0, (1, 2), -1]:
        for keepdims in [False, True]:
            got = actfn.logsumexp(x, axis=axis, keepdims=keepdims)
            dims = tuple(range(3)) if axis is None else axis
            want = torch.logsumexp(torch.tensor(x), dim=dims, keepdim=keepdims).numpy()
            np.testing.assert_allclose(got, want, rtol=1e-14)
            assert got.shape == want.shape
    # a dominant entry does not swamp the small ones (log1p of their sum)
    np.testing.assert_allclose(actfn.logsumexp([0.0, -40.0]), math.exp(-40.0), rtol=1e-15)
    with mpmath.workdps(50):
        row = [-0.7, -0.3, -3.0, -2.5]
        want1 = float(mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in row)))
    assert abs(float(actfn.logsumexp(row)) - want1) <= 2 * np.spacing(abs(want1))
    assert actfn.logsumexp([np.inf, 1.0]) == np.inf
    assert actfn.logsumexp([-np.inf, -np.inf]) == -np.inf
    assert np.isnan(actfn.logsumexp([np.nan, 1.0]))


@pytest.mark.parametrize(
    "p",
    [
        {},
        {"axis": 1},
        {"axis": (0, 2), "keepdims": True},
        {"axis": -1, "where": np.array([True, False, True, True])},
    ],
)
def test_logsumexp_vjp(p: dict[str, Any]) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 3, 4))
    y = actfn.logsumexp(x, **p)
    g = rng.normal(size=y.shape)
    got = actfn.logsumexp.vjp(x, g, **p)
    np.testing.assert_allclose(
        got, fd_gradient(lambda z: actfn.logsumexp(z, **p), x, g), rtol=1e-6, atol=1e-9
    )


def test_log1mexp_values_and_domain() -> None:
    jax = pytest.importorskip("jax", reason="JAX not installed")
    jax.config.update("jax_enable_x64", True)
    x = np.concatenate([np.geomspace(1e-300, 700, 400), [np.log(2.0), 1e308]])
    np.testing.assert_allclose(actfn.log1mexp(x), np.asarray(jax.nn.log1mexp(x)), rtol=4e-16)
    y = actfn.log1mexp(np.array([0.0, -1e-300, -1.0, np.inf, np.nan]))
    assert y[0] == -np.inf and np.isnan(y[1:3]).all() and y[3] == 0 and np.isnan(y[4])
    d = actfn.log1mexp.derivative(np.array([0.0, -1.0, 1e-10, 50.0, 800.0]))
    assert d[0] == np.inf and np.isnan(d[1])
    np.testing.assert_allclose(d[2:], [1 / math.expm1(1e-10), math.exp(-50.0), 0.0], rtol=1e-15)
    assert actfn.log1mexp.spec.domain == (0.0, math.inf)


def test_log1mexp_derivative_matches_finite_differences() -> None:
    x = np.geomspace(1e-3, 40.0, 50)
    h = 1e-6 * x
    fd = (actfn.log1mexp(x + h) - actfn.log1mexp(x - h)) / (2 * h)
    np.testing.assert_allclose(actfn.log1mexp.derivative(x), fd, rtol=1e-6)


# ------------------------------------------------------------------- prelu, rrelu


def test_prelu_per_channel_matches_torch() -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(size=(2, 3, 4, 5))  # NCHW
    w = np.array([0.1, -0.5, 2.0])
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.prelu(xt, torch.tensor(w))
    # PyTorch applies a 1-D weight along dim 1: broadcast it as (C, 1, 1)
    alpha = w.reshape(3, 1, 1)
    np.testing.assert_array_equal(actfn.prelu(x, alpha=alpha), yt.detach().numpy())
    g = rng.normal(size=x.shape)
    yt.backward(torch.tensor(g))
    assert xt.grad is not None
    np.testing.assert_array_equal(actfn.prelu.vjp(x, g, alpha=alpha), xt.grad.numpy())
    # channels last: shape (C,)
    xl = np.moveaxis(x, 1, -1)
    np.testing.assert_array_equal(actfn.prelu(xl, alpha=w), np.moveaxis(yt.detach().numpy(), 1, -1))


def test_prelu_derivative_and_kink() -> None:
    x = np.array([[-2.0, 0.0, 3.0], [-1.0, 0.0, 1.0]])
    alpha = np.array([[0.3], [4.0]])
    d = actfn.prelu.derivative(x, alpha=alpha)
    # the kink rule at 0: min_norm(alpha, 1) = alpha (<= 1) or 1 (> 1)
    np.testing.assert_array_equal(d, [[0.3, 0.3, 1.0], [4.0, 1.0, 1.0]])
    assert float(actfn.prelu.derivative(0.0, alpha=-0.5)) == 0.0


def test_prelu_alpha_errors_and_config() -> None:
    with pytest.raises(TypeError, match="prelu: missing required parameter 'alpha'"):
        actfn.prelu([1.0])
    with pytest.raises(ValueError, match=r"prelu: alpha has shape \(4,\), which does not"):
        actfn.prelu(np.zeros((2, 3)), alpha=np.ones(4))
    with pytest.raises(ValueError, match="prelu: alpha holds nan, outside its domain"):
        actfn.prelu([1.0], alpha=[0.1, np.nan])
    with pytest.raises(TypeError, match=r"prelu: alpha must be .* got str"):
        actfn.prelu([1.0], alpha="0.1")
    f = actfn.prelu.configure(alpha=[0.5, 2.0])
    np.testing.assert_array_equal(f(np.array([-2.0, -2.0])), [-1.0, -4.0])
    # the configured array is a frozen copy
    a = np.array([0.5])
    g = actfn.prelu.configure(alpha=a)
    a[0] = 9.0
    np.testing.assert_array_equal(g(np.array([-2.0])), [-1.0])


def test_prelu_large_array_bypasses_blocks_correctly() -> None:
    # Bigger than the engine's parallel threshold: the array alpha still lines up.
    x = -np.ones((300, 1000))
    alpha = np.linspace(0, 1, 1000)
    np.testing.assert_array_equal(actfn.prelu(x, alpha=alpha), -np.broadcast_to(alpha, x.shape))


def test_rrelu_eval_mode_matches_torch() -> None:
    x = np.linspace(-5, 5, 41)
    want = torch.nn.functional.rrelu(torch.tensor(x), training=False).numpy()
    np.testing.assert_array_equal(actfn.rrelu(x), want)
    want2 = torch.nn.functional.rrelu(torch.tensor(x), 0.2, 0.6, training=False).numpy()
    np.testing.assert_allclose(actfn.rrelu(x, lower=0.2, upper=0.6), want2, rtol=1e-15)


def test_rrelu_training_randomness() -> None:
    x = -np.ones((50, 40))
    a = actfn.rrelu(x, training=True, rng=123)
    b = actfn.rrelu(x, training=True, rng=123)
    np.testing.assert_array_equal(a, b)  # an int seed is deterministic
    slopes = -a
    assert ((slopes >= 1 / 8) & (slopes <= 1 / 3)).all()
    assert len(np.unique(slopes)) > 1900  # one slope per element
    assert abs(slopes.mean() - (1 / 8 + 1 / 3) / 2) < 0.01
    # the derivative with the same seed uses the same slopes
    np.testing.assert_array_equal(actfn.rrelu.derivative(x, training=True, rng=123), slopes)
    gen = np.random.default_rng(5)
    c = actfn.rrelu(x, training=True, rng=gen)
    d = actfn.rrelu(x, training=True, rng=gen)
    assert not np.array_equal(c, d)  # a Generator advances
    pos = actfn.rrelu(np.abs(x), training=True, rng=1)
    np.testing.assert_array_equal(pos, np.abs(x))


def test_rrelu_errors() -> None:
    with pytest.raises(ValueError, match=r"rrelu: lower=0\.5 must not exceed upper=0\.25"):
        actfn.rrelu([1.0], lower=0.5, upper=0.25)
    with pytest.raises(TypeError, match="rrelu: rng must be None, a non-negative int"):
        actfn.rrelu([1.0], training=True, rng="seed")
    with pytest.raises(ValueError, match="rrelu: rng=-1 must be non-negative"):
        actfn.rrelu([1.0], training=True, rng=-1)


# --------------------------------------------------------------- gumbel_softmax


def test_gumbel_softmax_rows_and_hard() -> None:
    x = np.random.default_rng(9).normal(size=(6, 5))
    y = actfn.gumbel_softmax(x, rng=1)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-15)
    assert ((y >= 0) & (y <= 1)).all()
    np.testing.assert_array_equal(y, actfn.gumbel_softmax(x, rng=1))
    assert not np.array_equal(y, actfn.gumbel_softmax(x, rng=2))
    h = actfn.gumbel_softmax(x, hard=True, rng=1)
    assert set(np.unique(h)) == {0.0, 1.0}
    np.testing.assert_array_equal(h.sum(axis=-1), 1.0)
    np.testing.assert_array_equal(h.argmax(axis=-1), y.argmax(axis=-1))
    h0 = actfn.gumbel_softmax(x, hard=True, axis=0, rng=1)
    np.testing.assert_array_equal(h0.sum(axis=0), 1.0)
    # low temperature: the soft sample approaches the hard one
    cold = actfn.gumbel_softmax(x, tau=1e-3, rng=1)
    np.testing.assert_allclose(cold, h, atol=1e-6)


def test_gumbel_max_frequencies_follow_softmax() -> None:
    # The Gumbel-max trick: argmax of the sample is distributed as softmax(x).
    logits = np.log(np.array([0.1, 0.2, 0.7]))
    x = np.broadcast_to(logits, (20000, 3))
    h = actfn.gumbel_softmax(x, hard=True, rng=11)
    freq = h.mean(axis=0)
    # binomial standard error <= sqrt(0.25/20000) = 0.0035: 5 sigma
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.018)


@pytest.mark.parametrize(
    "p", [{"rng": 3}, {"rng": 3, "tau": 0.5}, {"rng": 3, "hard": True, "axis": 0}]
)
def test_gumbel_softmax_vjp(p: dict[str, Any]) -> None:
    rng = np.random.default_rng(10)
    x = rng.normal(size=(3, 4))
    g = rng.normal(size=x.shape)
    got = actfn.gumbel_softmax.vjp(x, g, **p)
    soft = {**p, "hard": False}  # straight-through: the soft sample's gradient
    want = fd_gradient(lambda z: actfn.gumbel_softmax(z, **soft), x, g)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_gumbel_softmax_mp_reference_reproduces_one_dimensional_calls() -> None:
    x = np.array([0.3, -1.0, 2.0, 0.0])
    p = {**actfn.gumbel_softmax.defaults, **params_for(actfn.gumbel_softmax)}
    assert actfn.gumbel_softmax.spec.mp is not None
    with mpmath.workdps(30):
        want = [float(v) for v in actfn.gumbel_softmax.spec.mp(mpmath, list(map(mpmath.mpf, x)), p)]
    np.testing.assert_allclose(
        actfn.gumbel_softmax(x, **params_for(actfn.gumbel_softmax)), want, rtol=1e-14
    )


# ----------------------------------------------------------------- gated units


def _torch_gated(name: str, x: np.ndarray[Any, Any], axis: int, **kw: Any) -> Any:
    F = torch.nn.functional
    xt = torch.tensor(x, requires_grad=True)
    a, b = torch.chunk(xt, 2, dim=axis)
    act = {
        "swiglu": F.silu,
        "reglu": F.relu,
        "geglu": lambda t: F.gelu(t, approximate="tanh" if kw.get("approximate") else "none"),
    }
    return xt, a * act[name](b)


GATED_CASES = [(n, p) for n in ["swiglu", "geglu", "reglu"] for p in [{}, {"axis": 0}]]
GATED_CASES.append(("geglu", {"approximate": True}))


@pytest.mark.parametrize(("name", "p"), GATED_CASES, ids=[f"{n}-{p}" for n, p in GATED_CASES])
def test_gated_units_match_torch(name: str, p: dict[str, Any]) -> None:
    f = actfn.ACTIVATIONS[name]
    rng = np.random.default_rng(12)
    x = rng.normal(scale=2, size=(4, 6))
    xt, yt = _torch_gated(name, x, p.get("axis", -1), approximate=p.get("approximate"))
    y = f(x, **p)
    # 1e-12: PyTorch's gelu and its gradient use 1 + erf, which loses digits in the
    # negative tail (1.5e-13 relative at b = -4.7); actfn's use erfc.
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-300)
    g = rng.normal(size=y.shape)
    yt.backward(torch.tensor(g))
    assert xt.grad is not None
    np.testing.assert_allclose(f.vjp(x, g, **p), xt.grad.numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(
        f.vjp(x, g, **p), fd_gradient(lambda z: f(z, **p), x, g), rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize("name", ["swiglu", "geglu", "reglu"])
def test_gated_units_odd_axis(name: str) -> None:
    with pytest.raises(ValueError, match=rf"{name}: the size of axis -1 must be even"):
        actfn.ACTIVATIONS[name](np.zeros((2, 3)))


# ------------------------------------------------------ relu_squared, star_relu, snake


def test_relu_squared_and_star_relu() -> None:
    x = np.linspace(-3, 3, 61)
    r = np.maximum(x, 0)
    np.testing.assert_array_equal(actfn.relu_squared(x), r * r)
    np.testing.assert_array_equal(actfn.relu_squared.derivative(x), 2 * r)
    y = actfn.star_relu(x)
    np.testing.assert_allclose(y, 0.8944 * r * r - 0.4472, rtol=1e-12, atol=1e-15)
    assert (y >= -0.4472).all()
    np.testing.assert_allclose(actfn.star_relu(x, scale=2.0, bias=1.0), 2 * r * r + 1, rtol=1e-15)
    assert actfn.star_relu(np.inf) == np.inf and actfn.star_relu(-np.inf) == -0.4472
    xf = x[np.abs(x) > 1e-3]
    h = 1e-6
    fd = (actfn.star_relu(xf + h) - actfn.star_relu(xf - h)) / (2 * h)
    np.testing.assert_allclose(actfn.star_relu.derivative(xf), fd, rtol=1e-6, atol=1e-8)


def test_snake_with_array_alpha() -> None:
    rng = np.random.default_rng(13)
    x = rng.normal(scale=3, size=(2, 3, 50))  # (N, C, T)
    alpha = np.array([0.5, 1.0, 4.0]).reshape(3, 1)
    y = actfn.snake(x, alpha=alpha)
    for c, a in enumerate([0.5, 1.0, 4.0]):
        np.testing.assert_array_equal(y[:, c], actfn.snake(x[:, c], alpha=a))
    # BigVGAN's form, in float64 torch
    xt = torch.tensor(x)
    at = torch.tensor(alpha)
    want = (xt + torch.sin(at * xt) ** 2 / at).numpy()
    np.testing.assert_allclose(y, want, rtol=1e-13, atol=1e-300)
    d = actfn.snake.derivative(x, alpha=alpha)
    h = 1e-6
    fd = (actfn.snake(x + h, alpha=alpha) - actfn.snake(x - h, alpha=alpha)) / (2 * h)
    np.testing.assert_allclose(d, fd, rtol=1e-6, atol=1e-7)
    assert (d >= 0).all()  # monotonic: 1 + sin(2 a x) >= 0
    with pytest.raises(ValueError, match=r"snake: alpha holds 0\.0, outside its domain"):
        actfn.snake(x, alpha=np.array([1.0, 0.0, 2.0]).reshape(3, 1))
    with pytest.raises(ValueError, match=r"snake: alpha has shape \(3,\), which does not"):
        actfn.snake(x, alpha=np.ones(3))


def test_snake_with_the_largest_alphas() -> None:
    # alpha >= 2^900 (found by test_fuzz: alpha = 1.398e308 gave NaN where a x is
    # ordinary): the result keeps the accuracy of ordinary alphas.
    a = 1.3984347895973622e308
    x = np.concatenate([np.linspace(-3e-306, 3e-306, 801), [1e-310, -5e-309, 3e-320, 1e-300]])
    err = ulp_errors(actfn.snake, x, {"alpha": a})
    assert err.max() <= 1.0, (err.max(), x[err.argmax()])
    # an array alpha with one huge entry, beside an ordinary one
    y = actfn.snake(np.stack([x, x]), alpha=np.array([[a], [2.0]]))
    assert np.array_equal(y[0], actfn.snake(x, alpha=a))
    assert np.array_equal(y[1], actfn.snake(x, alpha=2.0))


def test_snake_special_values() -> None:
    y = actfn.snake(np.array([np.inf, -np.inf, np.nan, 0.0]))
    assert y[0] == np.inf and y[1] == -np.inf and np.isnan(y[2]) and y[3] == 0.0


# --------------------------------------------------------------------- entmax15


def entmax15_bisection(z: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """1.5-entmax of one row by bisection on tau: sum [(x/2 - tau)_+]^2 = 1."""
    h = z / 2.0
    lo, hi = h.max() - 1.0, h.max()
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.sum(np.maximum(h - mid, 0.0) ** 2) > 1.0:
            lo = mid
        else:
            hi = mid
    return np.maximum(h - 0.5 * (lo + hi), 0.0) ** 2


def test_entmax15_matches_bisection() -> None:
    rng = np.random.default_rng(14)
    for scale in [0.1, 1.0, 3.0, 30.0]:
        x = rng.normal(scale=scale, size=(20, 9))
        y = actfn.entmax15(x)
        want = np.array([entmax15_bisection(r) for r in x])
        np.testing.assert_allclose(y, want, rtol=1e-11, atol=1e-14)
        np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-13)
    # sparse: a clear winner takes everything; ties share
    np.testing.assert_array_equal(actfn.entmax15([3.0, 1.0, -2.0]), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(actfn.entmax15([0.0, 0.0, 0.0]), 1 / 3, rtol=1e-15)
    # axis and infinities
    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(actfn.entmax15(x, axis=0), actfn.entmax15(x.T).T, rtol=1e-15)
    np.testing.assert_array_equal(
        actfn.entmax15([1.0, -np.inf, 0.5]), actfn.entmax15([1.0, -1e300, 0.5])
    )
    np.testing.assert_array_equal(actfn.entmax15([np.inf, 1.0, np.inf]), [0.5, 0.0, 0.5])
    assert np.isnan(actfn.entmax15([np.nan, 1.0, 2.0])).all()


def test_entmax15_against_mpmath_reference() -> None:
    rng = np.random.default_rng(15)
    x = rng.normal(scale=2, size=(6, 7))
    assert actfn.entmax15.spec.mp is not None
    with mpmath.workdps(40):
        want = np.array(
            [
                [
                    float(v)
                    for v in actfn.entmax15.spec.mp(mpmath, [mpmath.mpf(float(u)) for u in r], {})
                ]
                for r in x
            ]
        )
    np.testing.assert_allclose(actfn.entmax15(x), want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("axis", [-1, 0])
def test_entmax15_vjp(axis: int) -> None:
    rng = np.random.default_rng(16)
    x = rng.normal(size=(4, 5))
    g = rng.normal(size=x.shape)
    got = actfn.entmax15.vjp(x, g, axis=axis)
    want = fd_gradient(lambda z: actfn.entmax15(z, axis=axis), x, g)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["softmin", "entmax15"])
def test_axis_vjp_matches_finite_differences(name: str) -> None:
    f = actfn.ACTIVATIONS[name]
    rng = np.random.default_rng(17)
    x = rng.normal(size=(3, 2, 4))
    g = rng.normal(size=x.shape)
    np.testing.assert_allclose(f.vjp(x, g), fd_gradient(f, x, g), rtol=1e-6, atol=1e-8)


# ----------------------------------------------------------------------- backends


@pytest.mark.parametrize("name", ["prelu", "snake"])
def test_array_parameters_on_every_backend(xp: Any, name: str) -> None:
    f = actfn.ACTIVATIONS[name]
    x_np = np.linspace(-3, 3, 12).reshape(3, 4)
    alpha = np.array([0.5, 1.0, 2.0, 3.0])
    x = from_numpy(xp, x_np)
    y = f(x, alpha=alpha)  # a NumPy alpha with any library's x
    assert type(y) is type(x)
    np.testing.assert_allclose(to_numpy(y), f(x_np, alpha=alpha), rtol=1e-15)
    # alpha from x's own library
    y2 = f(x, alpha=from_numpy(xp, alpha))
    np.testing.assert_allclose(to_numpy(y2), f(x_np, alpha=alpha), rtol=1e-15)
    d = f.derivative(x, alpha=alpha)
    np.testing.assert_allclose(to_numpy(d), f.derivative(x_np, alpha=alpha), rtol=1e-15)


def test_masks_entmax_logsumexp_on_every_backend(xp: Any) -> None:
    x_np = np.random.default_rng(18).normal(size=(3, 4))
    m_np = np.array([[True, False, True, True], [False] * 4, [True] * 4])
    x = from_numpy(xp, x_np)
    m = from_numpy(xp, m_np)
    cases = [
        (actfn.softmax, {"where": m}, {"where": m_np}),
        (actfn.log_softmax, {"where": m}, {"where": m_np}),
        (actfn.logsumexp, {"axis": 1, "where": m}, {"axis": 1, "where": m_np}),
        (actfn.entmax15, {}, {}),
        (actfn.softmin, {}, {}),
        (actfn.swiglu, {}, {}),
        (actfn.gumbel_softmax, {"rng": 0}, {"rng": 0}),
    ]
    for f, p, p_np in cases:
        y = f(x, **p)
        np.testing.assert_allclose(to_numpy(y), f(x_np, **p_np), rtol=1e-14, err_msg=f.name)
        g = xp.ones(y.shape, dtype=y.dtype, device=array_api_compat.device(y))
        gv = f.vjp(x, g, **p)
        want = f.vjp(x_np, np.ones(np.shape(y)), **p_np)
        np.testing.assert_allclose(to_numpy(gv), want, rtol=1e-13, atol=1e-15, err_msg=f.name)


def test_rrelu_training_on_torch_stays_on_torch() -> None:
    x = -torch.ones(4, 3, dtype=torch.float32)
    y = actfn.rrelu(x, training=True, rng=0)
    assert isinstance(y, torch.Tensor) and y.dtype == torch.float32
    np.testing.assert_array_equal(y.numpy(), actfn.rrelu(x.numpy(), training=True, rng=0))


# ---------------------------------------------------------------------- hard_tanh


def test_hard_tanh_matches_torch() -> None:
    x = np.array([-3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0])
    for lo, hi in [(-1.0, 1.0), (-2.0, 0.5)]:
        xt = torch.tensor(x, requires_grad=True)
        yt = torch.nn.functional.hardtanh(xt, lo, hi)
        yt.sum().backward()
        assert xt.grad is not None
        np.testing.assert_array_equal(actfn.hard_tanh(x, lo, hi), yt.detach().numpy())
        np.testing.assert_array_equal(actfn.hard_tanh.derivative(x, lo, hi), xt.grad.numpy())
    with pytest.raises(ValueError, match=r"hard_tanh: min_val=2\.0 must not exceed max_val"):
        actfn.hard_tanh(x, min_val=2.0, max_val=1.0)


# ------------------------------------------------------------- array parameters


def test_configured_array_parameters_compare_by_value() -> None:
    import pickle

    a = actfn.prelu.configure(alpha=[1.0, 2.0])
    b = actfn.prelu.configure(alpha=np.array([1.0, 2.0]))
    assert a == b and hash(a) == hash(b)
    assert a != actfn.prelu.configure(alpha=[1.0, 3.0])
    c = pickle.loads(pickle.dumps(a))
    assert c == a
    np.testing.assert_array_equal(c(np.array([-1.0, -1.0])), [-1.0, -2.0])


def test_out_argument_with_array_parameter_and_reduction() -> None:
    out = np.empty((3, 2), dtype=np.float32)
    x = -np.ones((3, 2), dtype=np.float32)
    assert actfn.prelu(x, alpha=[0.5, 0.25], out=out) is out
    np.testing.assert_array_equal(out, np.broadcast_to([-0.5, -0.25], (3, 2)))
    red = np.empty(3)
    assert actfn.logsumexp(np.zeros((3, 4)), axis=1, out=red) is red
    np.testing.assert_allclose(red, math.log(4.0), rtol=1e-15)
    with pytest.raises(ValueError, match=r"logsumexp: out has shape \(3, 4\); the result"):
        actfn.logsumexp(np.zeros((3, 4)), axis=1, out=np.empty((3, 4)))
