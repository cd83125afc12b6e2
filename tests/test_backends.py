"""One implementation on every array library: the result stays in the input's
library, dtype and device, and its values equal NumPy's.

NumPy is the reference here because its path (the engine and the NumPy
kernels) is checked against mpmath elsewhere; another library runs the generic
Array-API form, in float64, so the two differ only by the last-bit differences
of the libraries' exp / tanh / erfc.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import array_api_compat
import numpy as np
import pytest

import actfn
from _arrays import from_numpy, name_of, points, to_numpy, ulps

from conftest import ALL, AXIS, ELEMENTWISE, REQUIRED_PARAMS, by_name, in_domain, params_for

# NumPy warns where the true value overflows (exponential(1e4) = inf) or a
# discarded branch does; the values are still compared.
pytestmark = pytest.mark.filterwarnings(
    "ignore:overflow encountered:RuntimeWarning",
    "ignore:invalid value encountered:RuntimeWarning",
)

# float64: 4 ULP.  Both sides evaluate the same formula in float64; the
# libraries' exp, expm1, tanh, log1p and erfc are each within about 1-2 ULP
# (glibc / SLEEF / XLA), and a formula chains at most two of them without
# amplification (the forms are chosen to have none).
ULP64 = 4.0
# float32: both sides round a float64 result once; the float64 results differ
# by a few float64 ULP, so the float32 roundings can differ by one step.
ULP32 = 1.0
# gelu's tail: 0.5 x erfc(-x/sqrt 2) for x << 0.  The libraries' erfc differ by up
# to ~32 float64 ULP there (torch.special.erfc vs scipy.special.erfc at x = -8.47,
# measured), both within the error of the formula itself (erfc amplifies the
# rounding of x/sqrt 2 by 2z^2 = 72 at z = 6).
# geglu = a * gelu(b) has gelu's erfc tail (measured 6 ULP at b = -7.95, where gelu
# itself differs by 6), and one more rounding.
ULP64_FOR = {"gelu": 64.0, "geglu": 64.0}
# log_softmax = z - log(sum): the error of log(sum) is absolute, about one ULP of
# log(n) <= log(64) < 8, whatever the size of the result.
FLOOR = {"log_softmax": 8.0}


def _distance(xp: Any, f: actfn.Activation, got: Any, want: Any) -> float:
    """ULPs between got and want, with the floor and flushing that apply to f on xp.

    XLA on CPU flushes subnormals to zero (jax-ml/jax#16200): on JAX a zero matches
    a subnormal.  CuPy's own float32 kernels flush too (-ftz=true, cupy/cupy#8382),
    but actfn converts CuPy's float32 to and from float64 by the bits
    (_xp.astype), so its results keep their subnormals and are compared exactly."""
    return ulps(got, want, floor=FLOOR.get(f.name, 0.0), flush=name_of(xp) == "jax")


def _input(f: actfn.Activation, p: dict[str, Any], dtype: Any = np.float64) -> Any:
    """A (4, 16) array: the special points of f (edges and kinks), then random values."""
    pts = points(f, p)
    rng = np.random.default_rng(len(f.name))
    x = rng.normal(size=64) * 4.0
    # folded into f's domain (log1mexp: x >= 0)
    lo, hi = f.spec.domain
    x = np.where(x < lo, 2 * lo - x, x) if np.isfinite(lo) else x
    x = np.where(x > hi, 2 * hi - x, x) if np.isfinite(hi) else x
    x[: pts.size] = pts
    return x.reshape(4, 16).astype(dtype)


def _axis_cases(f: actfn.Activation) -> list[dict[str, Any]]:
    """Parameters to call f with: its required ones (a seed for random draws) and,
    along an axis, each axis to try."""
    if f.elementwise:
        return [params_for(f)]
    cases: list[dict[str, Any]] = [{"axis": -1}, {"axis": 0}]
    if f.name in ("softmax", "log_softmax"):
        cases += [{"axis": None}, {"axis": (0, 1)}]
    return [{**params_for(f), **c} for c in cases]


def _check_same_library(xp: Any, x: Any, r: Any, dtype_name: str) -> None:
    rxp = array_api_compat.array_namespace(r)
    assert name_of(rxp) == name_of(xp)
    assert str(r.dtype).endswith(dtype_name), (r.dtype, dtype_name)
    assert array_api_compat.device(r) == array_api_compat.device(x)


@pytest.mark.parametrize("f", **by_name(ALL))
def test_float64_values_match_numpy(f: actfn.Activation, xp: Any) -> None:
    for p in _axis_cases(f):
        a = _input(f, p)
        x = from_numpy(xp, a)
        r = f(x, **p)
        _check_same_library(xp, x, r, "float64")
        want = f(a, **p)
        got = to_numpy(r)
        assert got.shape == want.shape
        assert _distance(xp, f, got, want) <= ULP64_FOR.get(f.name, ULP64), (p, got, want)


@pytest.mark.parametrize("f", **by_name(ALL))
def test_float32_values_match_numpy(f: actfn.Activation, xp: Any) -> None:
    for p in _axis_cases(f):
        a = _input(f, p, np.float32)
        x = from_numpy(xp, a)
        r = f(x, **p)
        _check_same_library(xp, x, r, "float32")
        assert _distance(xp, f, to_numpy(r), f(a, **p)) <= ULP32, p


# float32 subnormals (least, middle, largest), the least normal number, and inputs
# whose results are subnormal where f decays like exp (exp(-88) ~ 6e-39, exp(-103)
# ~ 1.4e-45).
SUBNORMAL_INPUTS = np.array(
    [1e-45, 3e-42, 5.9e-39, np.finfo(np.float32).smallest_normal, -88.0, -95.0, -103.0],
    dtype=np.float32,
)


@pytest.mark.parametrize("f", **by_name(ELEMENTWISE))
def test_float32_subnormals_match_numpy(f: actfn.Activation, xp: Any) -> None:
    p = params_for(f)
    a = np.concatenate([SUBNORMAL_INPUTS, -SUBNORMAL_INPUTS])
    if name_of(xp) == "jax":
        # XLA on CPU reads subnormal inputs as 0 as well: only the subnormal results
        a = a[np.abs(a) >= np.finfo(np.float32).smallest_normal]
    a = in_domain(f, a)
    r = f(from_numpy(xp, a), **p)
    assert _distance(xp, f, to_numpy(r), f(a, **p)) <= ULP32
    # and a cotangent of subnormals through the vjp (on JAX, a normal one)
    g = np.full(a.shape, 1.0 if name_of(xp) == "jax" else 3e-42, dtype=np.float32)
    v = f.vjp(from_numpy(xp, a), from_numpy(xp, g), **p)
    assert _distance(xp, f, to_numpy(v), f.vjp(a, g, **p)) <= ULP32


def test_float32_conversions_keep_subnormals() -> None:
    # _xp.astype's bit-level conversions (taken for CuPy, whose own conversions
    # flush), checked here on NumPy arrays against NumPy's casts: every float32 with
    # a zero exponent field and the first normal binade, both signs, and float64
    # values across the subnormal range, halfway cases included.
    from actfn import _xp

    u = np.arange(0, 1 << 24, dtype=np.uint32)
    x = np.concatenate([u, u | np.uint32(1 << 31)]).view(np.float32)
    w = _xp.widen_float32(np, x)
    assert w.dtype == np.float64
    assert np.array_equal(w.view(np.uint64), x.astype(np.float64).view(np.uint64))
    rng = np.random.default_rng(3)
    halves = (rng.integers(0, 1 << 24, 10**5) + 0.5) * 2.0**-149
    y = np.concatenate(
        [
            halves,
            -halves,
            rng.uniform(-(2.0**-125), 2.0**-125, 10**5),
            np.ldexp(rng.uniform(-1, 1, 10**5), rng.integers(-1100, 200, 10**5)),
            [0.0, -0.0, np.inf, -np.inf, np.nan, 2.0**-150, 2.0**-151, 3.5e38],
        ]
    )
    n = _xp.narrow_to_float32(np, y)
    with np.errstate(over="ignore"):
        want = y.astype(np.float32)
    assert n.dtype == np.float32
    assert np.array_equal(n.view(np.uint32), want.view(np.uint32))


@pytest.mark.parametrize("f", **by_name(ALL))
def test_torch_generic_form_matches_numpy(
    f: actfn.Activation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PyTorch CPU tensors normally go through the NumPy engine on a zero-copy view;
    # CUDA tensors run the generic form, checked here on the CPU.
    torch = pytest.importorskip("torch", reason="PyTorch not installed")
    monkeypatch.setattr(actfn._autodiff, "TORCH_CPU_VIA_NUMPY", False)
    for p in _axis_cases(f):
        for dtype, tol in ((np.float64, ULP64_FOR.get(f.name, ULP64)), (np.float32, ULP32)):
            a = _input(f, p, dtype)
            r = f(torch.asarray(a), **p)
            assert r.dtype == torch.from_numpy(a).dtype
            assert ulps(r.numpy(), f(a, **p), floor=FLOOR.get(f.name, 0.0)) <= tol, (p, dtype)


def test_torch_cpu_results_do_not_alias_the_input() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch not installed")
    x = torch.linspace(-2.0, 2.0, 9)
    for f in (actfn.linear, actfn.relu, actfn.softmax):
        y = f(x)
        assert y.data_ptr() != x.data_ptr()
        y.add_(1.0)
        assert torch.equal(x, torch.linspace(-2.0, 2.0, 9))


@pytest.mark.parametrize("f", **by_name(ALL))
def test_integer_input_gives_default_float(f: actfn.Activation, xp: Any) -> None:
    a = in_domain(f, np.arange(-8, 8, dtype=np.int32)).reshape(2, -1)
    x = from_numpy(xp, a)
    r = f(x, **params_for(f))
    info = array_api_compat.array_namespace(x).__array_namespace_info__()
    want_dtype = info.default_dtypes(device=array_api_compat.device(x))["real floating"]
    assert r.dtype == want_dtype
    want = f(a.astype(np.float64), **params_for(f))
    assert np.allclose(to_numpy(r).astype(np.float64), want, rtol=1e-6, atol=1e-30)


# ----------------------------------------------------------------- no host transfer
# Arrays that cannot be copied to the host prove that nothing is: a PyTorch
# "meta" tensor has no data at all, JAX's abstract tracing raises on any
# conversion to NumPy, and array-api-strict's extra devices refuse it.


@pytest.mark.parametrize("f", **by_name(ALL))
def test_torch_meta_tensors_never_touch_the_host(f: actfn.Activation) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch not installed")
    x = torch.empty(4, 6, device="meta", dtype=torch.float32, requires_grad=True)
    r = f(x, **params_for(f))
    assert r.device.type == "meta"
    assert r.dtype == torch.float32
    assert tuple(r.shape) == f._out_shape((4, 6), f._bind((), params_for(f)))
    (g,) = torch.autograd.grad(r.sum(), x)
    assert g.device.type == "meta" and g.shape == x.shape


@pytest.mark.parametrize("f", **by_name(ALL))
def test_jax_abstract_evaluation_never_touches_the_host(f: actfn.Activation) -> None:
    jax = pytest.importorskip("jax", reason="JAX not installed")
    spec = jax.ShapeDtypeStruct((4, 6), np.float32)
    p = params_for(f)
    out = jax.eval_shape(lambda v: f(v, **p), spec)
    assert out.dtype == np.float32
    assert out.shape == f._out_shape((4, 6), f._bind((), p))
    grad = jax.eval_shape(jax.grad(lambda v: f(v, **p).sum()), spec)
    assert grad.shape == (4, 6) and grad.dtype == np.float32


def _strict_device_cases() -> list[Any]:
    # gelu and geglu included: erfc is written with Array-API operations only.
    return [pytest.param(f, id=f.name) for f in ALL]


@pytest.mark.parametrize("f", _strict_device_cases())
def test_array_api_strict_other_device(f: actfn.Activation) -> None:
    xs = pytest.importorskip("array_api_strict", reason="array-api-strict not installed")
    device = xs.Device("device1")
    p = params_for(f)
    a = _input(f, p)
    x = xs.asarray(a, device=device)
    r = f(x, **p)
    assert r.device == device
    assert r.dtype == xs.float64
    got = np.asarray(xs.asarray(r, device=xs.Device("CPU_DEVICE")))
    assert _distance(xs, f, got, f(a, **p)) <= ULP64_FOR.get(f.name, ULP64)


@pytest.mark.parametrize("f", _strict_device_cases())
def test_device_without_float64_computes_in_float32(f: actfn.Activation) -> None:
    xs = pytest.importorskip("array_api_strict", reason="array-api-strict not installed")
    device = xs.Device("no_float64")
    p = params_for(f)
    a = _input(f, p, np.float32)
    x = xs.asarray(a, device=device)
    r = f(x, **p)
    assert r.device == device and r.dtype == xs.float32
    got = np.asarray(xs.asarray(r, device=xs.Device("CPU_DEVICE")))
    # float32 arithmetic throughout: the few float32 roundings of each formula
    # (up to ~10x amplified where tanh_shrink's x - tanh x cancels near 0.6).
    assert np.allclose(got, f(a, **p), rtol=2e-5, atol=1e-37, equal_nan=True)


# ------------------------------------------------------------------------------- JAX


@pytest.mark.parametrize("f", **by_name(ALL))
def test_jax_jit_matches_eager(f: actfn.Activation) -> None:
    jax = pytest.importorskip("jax", reason="JAX not installed")
    with jax.enable_x64(True):
        for p in _axis_cases(f):
            x = jax.numpy.asarray(_input(f, p))
            eager = np.asarray(f(x, **p))
            jitted = np.asarray(jax.jit(lambda v, p=p: f(v, **p))(x))
            # XLA may fuse and contract a jitted formula differently.
            assert ulps(jitted, eager, floor=FLOOR.get(f.name, 0.0)) <= ULP64, p


@pytest.mark.parametrize("f", **by_name(ALL))
def test_jax_without_x64_computes_in_float32(f: actfn.Activation) -> None:
    # JAX's default: no float64 at all.  The arithmetic runs in float32 and the
    # result stays float32 (never a float64 array that JAX would refuse).
    jax = pytest.importorskip("jax", reason="JAX not installed")
    with jax.enable_x64(False):
        for p in _axis_cases(f):
            a = _input(f, p, np.float32)
            r = f(jax.numpy.asarray(a), **p)
            assert r.dtype == np.float32
            got, want = np.asarray(r), f(a, **p)
            # A few float32 roundings per formula, ~10x amplified where
            # tanh_shrink's x - tanh x cancels near |x| = 0.6.  XLA flushes
            # subnormal intermediates to 0 (jax-ml/jax#16200): silu(-88) =
            # -88 * sigmoid(-88) loses its 6e-39 factor, so the absolute error can
            # reach |x| <= 1e4 times the smallest normal.
            atol = 1e4 * np.finfo(np.float32).tiny
            assert np.allclose(got, want, rtol=2e-5, atol=atol, equal_nan=True), p


def test_jax_jit_with_parameters_as_static_arguments() -> None:
    jax = pytest.importorskip("jax", reason="JAX not installed")
    g = jax.jit(actfn.elu, static_argnames="alpha")
    x = jax.numpy.asarray([-1e9, -1.0, 2.0], dtype=np.float32)
    r0 = np.asarray(g(x, alpha=0.5))
    r1 = np.asarray(g(x, alpha=2.0))
    assert r0[0] == np.float32(-0.5) and r1[0] == np.float32(-2.0)
    assert np.array_equal(r0, actfn.elu(np.asarray(x), alpha=0.5))


# ------------------------------------------------------------------ import isolation

_ISOLATION = """
import json, sys
import numpy as np
import actfn
x = np.linspace(-5.0, 5.0, 24).reshape(4, 6)
params = json.loads(sys.argv[1])  # conftest.REQUIRED_PARAMS
for name in actfn.names():
    f = actfn.ACTIVATIONS[name]
    p = params.get(name, {})
    y = f(x, **p)
    f.vjp(x, np.ones_like(y), **p)
    if f.elementwise:
        f.derivative(x, **p)
print(json.dumps(sorted(m for m in sys.modules
                        if m.split(".")[0] in {"torch", "jax", "jaxlib", "dask", "cupy",
                                               "keras", "tensorflow", "array_api_strict"})))
"""


def test_numpy_use_imports_no_other_array_library() -> None:
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(__file__), os.pardir, "src")
    env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(src), env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-c", _ISOLATION, json.dumps(REQUIRED_PARAMS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_importing_actfn_torch_is_what_imports_torch() -> None:
    pytest.importorskip("torch", reason="PyTorch not installed")
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(__file__), os.pardir, "src")
    env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(src), env.get("PYTHONPATH", "")])
    code = (
        "import sys, actfn; a = 'torch' in sys.modules; import actfn.torch; "
        "print(a, 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split() == ["False", "True"]


@pytest.mark.parametrize("f", **by_name(AXIS))
def test_axis_functions_keep_the_library_for_integer_axes_tuple(
    f: actfn.Activation, xp: Any
) -> None:
    # A 3-D input along the middle axis: moveaxis / keepdims paths of each library.
    a = np.random.default_rng(3).normal(size=(2, 4, 3)) * 3.0
    x = from_numpy(xp, a)
    p = {**params_for(f), "axis": 1}
    r = f(x, **p)
    _check_same_library(xp, x, r, "float64")
    assert _distance(xp, f, to_numpy(r), f(a, **p)) <= ULP64
