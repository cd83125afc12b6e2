"""Property-based fuzzing of every activation in the registry (hypothesis).

Shapes, dtypes (float16, float32, float64, bfloat16), parameter values drawn from
each parameter's declared domain, and special values (±0, ±inf, NaN, subnormals,
the largest finite numbers).  The properties:

- dtype and shape are kept;
- a finite input gives a finite output wherever the true value is representable
  (an infinite output is allowed only where the true value, from mpmath,
  overflows the dtype), and never NaN;
- ±inf inputs give no NaN (the limits exist), NaN gives NaN (elementwise);
- monotonic activations (per ``f.properties``) are non-decreasing, bounded ones
  stay within their range (default parameters, as the properties describe);
- softmax and sparsemax rows sum to 1, exp(log_softmax) rows sum to 1, within
  tolerances derived below; the normalizing functions preserve order in a row;
- the vjp of an elementwise activation is the cotangent times the derivative.

Each test runs ``FUZZ_EXAMPLES`` examples (60 by default, ``ACTFN_FUZZ_EXAMPLES``
to change it), with no deadline and no example database on disk.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from typing import Any

import hypothesis.extra.numpy as hnp
import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import actfn
from actfn._activation import ArrayParam, Axis, Boolean, Real, Seed

from conftest import ALL, AXIS, ELEMENTWISE, by_name, params_for

# On a failure, hypothesis's pytest plugin imports libcst to write a patch, and
# libcst's import raises a DeprecationWarning (mypy_extensions.TypedDict) that
# pytest's filterwarnings=error turns into an INTERNALERROR hiding the failure.
# Importing it here, with that warning ignored, keeps failures readable.
with warnings.catch_warnings(), contextlib.suppress(ImportError):  # libcst may be absent
    warnings.simplefilter("ignore", DeprecationWarning)
    import hypothesis.extra._patching  # noqa: F401

FUZZ_EXAMPLES = int(os.environ.get("ACTFN_FUZZ_EXAMPLES", "60"))
settings.register_profile(
    "actfn-fuzz",
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
FUZZ = settings.get_profile("actfn-fuzz")

try:
    import ml_dtypes

    BFLOAT16: Any = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - optional
    BFLOAT16 = None

DTYPES = ["float16", "float32", "float64"] + (["bfloat16"] if BFLOAT16 is not None else [])


def _dtype(name: str) -> np.dtype[Any]:
    return BFLOAT16 if name == "bfloat16" else np.dtype(name)


def _finfo(dt: np.dtype[Any]) -> Any:
    return ml_dtypes.finfo(dt) if dt == BFLOAT16 else np.finfo(dt)


def _ulp(dt: np.dtype[Any], v: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The spacing of dtype ``dt`` at |v| (float64 result), subnormals included."""
    fi = _finfo(dt)
    e = np.floor(np.log2(np.maximum(np.abs(v), float(fi.smallest_normal))))
    return np.exp2(e - (fi.nmant))


# ------------------------------------------------------------------------ strategies


@st.composite
def arrays(
    draw: st.DrawFn,
    dtype_name: str,
    shape: tuple[int, ...],
    *,
    nan: bool = True,
    inf: bool = True,
) -> np.ndarray[Any, Any]:
    """An array of ``dtype_name`` whose elements include the special values."""
    dt = _dtype(dtype_name)
    width = 32 if dt == BFLOAT16 else 8 * dt.itemsize
    fi = _finfo(dt)
    specials = [
        0.0,
        -0.0,
        float(fi.smallest_subnormal),
        -float(fi.smallest_subnormal),
        float(fi.max),
        -float(fi.max),
        float(fi.smallest_normal),
        1.0,
        -1.0,
    ]
    if inf:
        specials += [math.inf, -math.inf]
    if nan:
        specials.append(math.nan)
    elements = st.one_of(
        st.floats(width=width, allow_nan=nan, allow_infinity=inf),
        st.floats(-10.0, 10.0, width=width),  # where the activations bend
        st.sampled_from(specials),
    )
    raw = draw(hnp.arrays(np.float32 if dt == BFLOAT16 else dt, shape, elements=elements))
    x = raw.astype(dt)
    if not inf:  # a float32 near its max may round up to inf in bfloat16
        x = np.where(np.isinf(x.astype(np.float64)), np.array(0.0, dtype=dt), x)
    return x


def _real_values(d: Real) -> st.SearchStrategy[float | None]:
    lo = None if d.lo == -math.inf else d.lo
    hi = None if d.hi == math.inf else d.hi
    values: st.SearchStrategy[Any] = st.floats(
        min_value=lo,
        max_value=hi,
        exclude_min=d.lo_open and lo is not None,
        exclude_max=d.hi_open and hi is not None,
        allow_nan=False,
        allow_infinity=not d.finite,
    )
    # Values of moderate size are the common case; draw them often.
    values = st.one_of(values, st.floats(-8.0, 8.0).filter(lambda v: _in(d, v)))
    if d.nonzero:
        values = values.filter(lambda v: v != 0.0)
    return st.one_of(values, st.none()) if d.optional else values


def _in(d: Real, v: float) -> bool:
    return (d.lo < v or (v == d.lo and not d.lo_open)) and (
        v < d.hi or (v == d.hi and not d.hi_open)
    )


def _array_param(d: ArrayParam, shape: tuple[int, ...], arrays_ok: bool) -> Any:
    """A value in an ArrayParam's domain: a number, or an array broadcastable to x."""
    if d.boolean:  # a mask
        mask = hnp.arrays(np.bool_, shape) if shape else st.just(np.array(True))
        return st.one_of(st.none(), mask) if arrays_ok else st.none()
    lo = 0.0 if d.positive else None
    one = st.one_of(
        st.floats(lo, None, exclude_min=d.positive, allow_nan=False, allow_infinity=False),
        st.floats(0.0 if d.positive else -8.0, 8.0, exclude_min=d.positive),
    )
    if not arrays_ok or not shape:
        return one
    # one value per entry of the last axis (PyTorch's per-channel parameters)
    return st.one_of(one, hnp.arrays(np.float64, (shape[-1],), elements=one))


@st.composite
def params(
    draw: st.DrawFn,
    f: actfn.Activation,
    shape: tuple[int, ...],
    *,
    arrays_ok: bool = True,
) -> dict[str, Any]:
    """Parameters drawn from each parameter's domain (and the function's own check).

    ``arrays_ok=False`` keeps array-valued parameters scalar and masks None (where
    a test compares with a scalar reference or needs every entry present)."""
    ndim = len(shape)
    out: dict[str, Any] = {}
    for prm in f.params:
        d = prm.domain
        if isinstance(d, Real):
            out[prm.name] = draw(_real_values(d))
        elif isinstance(d, Boolean):
            out[prm.name] = draw(st.booleans())
        elif isinstance(d, Axis):
            axes = st.integers(-ndim, ndim - 1)
            if d.multiple:
                several = st.lists(
                    st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True
                ).map(tuple)
                out[prm.name] = draw(st.one_of(axes, several, st.none()))
            else:
                out[prm.name] = draw(axes)
        elif isinstance(d, ArrayParam):
            out[prm.name] = draw(_array_param(d, shape, arrays_ok))
        elif isinstance(d, Seed):
            out[prm.name] = draw(st.integers(0, 2**32 - 1))
        else:  # pragma: no cover
            raise AssertionError(d)
    try:
        f.configure(**out)  # cross-parameter checks run at the call: one with no axis
        if not any(isinstance(q.domain, Axis) for q in f.params):
            f(np.zeros(shape), **out)
    except ValueError:
        assume(False)
    return out


def _in_domain(f: actfn.Activation, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """x with the entries outside f's domain (log1mexp: x >= 0) moved onto its ends."""
    lo, hi = f.spec.domain
    x64 = x.astype(np.float64)
    return np.where(x64 < lo, lo, np.where(x64 > hi, hi, x64)).astype(x.dtype)


def _shapes(min_dims: int = 0) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=3, min_side=0 if min_dims == 0 else 1, max_side=4
    )


def _mp_value(f: actfn.Activation, x: float, p: dict[str, Any]) -> Any:
    assert f.spec.mp is not None
    with mpmath.workdps(40):
        return f.spec.mp(mpmath, mpmath.mpf(x), p)


def _full(f: actfn.Activation, p: dict[str, Any]) -> dict[str, Any]:
    """The checked parameters with defaults filled in (what the spec functions see)."""
    return {q.name: p.get(q.name, q.default) for q in f.params}


# --------------------------------------------------------------------- elementwise


@pytest.mark.parametrize("f", **by_name(ELEMENTWISE))
@FUZZ
@given(data=st.data(), dtype_name=st.sampled_from(DTYPES), shape=_shapes())
def test_elementwise_finite_where_true_value_is_finite(
    f: actfn.Activation, data: st.DataObject, dtype_name: str, shape: tuple[int, ...]
) -> None:
    x = _in_domain(f, data.draw(arrays(dtype_name, shape, nan=False, inf=False), label="x"))
    p = data.draw(params(f, x.shape, arrays_ok=False), label="params")
    y = f(x, **p)
    assert y.dtype == x.dtype and y.shape == x.shape
    y64 = y.astype(np.float64)
    assert not np.isnan(y64).any(), "NaN from a finite input"
    fmax = float(_finfo(x.dtype).max)
    full = _full(f, p)
    if p.get("training"):  # rrelu's random slopes: no deterministic reference
        return
    for i in np.flatnonzero(np.isinf(y64)):
        xi = float(x.astype(np.float64).flat[i])
        true = _mp_value(f, xi, full)
        # inf is right when the true value rounds beyond the largest finite number.
        assert mpmath.isinf(true) or abs(true) > fmax, (
            f"{f.name}({xi!r}, {p}) = {y64.flat[i]} but the true value is {true}"
        )
        assert np.sign(y64.flat[i]) == (1 if true > 0 else -1)


@pytest.mark.parametrize("f", **by_name(ELEMENTWISE))
@FUZZ
@given(data=st.data(), dtype_name=st.sampled_from(DTYPES), shape=_shapes())
def test_elementwise_special_values(
    f: actfn.Activation, data: st.DataObject, dtype_name: str, shape: tuple[int, ...]
) -> None:
    x = _in_domain(f, data.draw(arrays(dtype_name, shape), label="x"))
    p = data.draw(params(f, x.shape), label="params")
    y = f(x, **p).astype(np.float64)
    x64 = x.astype(np.float64)
    assert np.isnan(y[np.isnan(x64)]).all(), "NaN input must give NaN"
    bad = np.isinf(x64) & np.isnan(y)
    assert not bad.any(), f"{f.name}({x64[bad][:3]}, {p}) is NaN: the limit exists"


@pytest.mark.parametrize("f", **by_name([f for f in ELEMENTWISE if f.properties.monotonic]))
@FUZZ
@given(data=st.data(), dtype_name=st.sampled_from(DTYPES))
def test_monotonic_activations_are_nondecreasing(
    f: actfn.Activation, data: st.DataObject, dtype_name: str
) -> None:
    x = data.draw(arrays(dtype_name, (data.draw(st.integers(2, 40), label="n"),), nan=False))
    x = np.sort(_in_domain(f, x).astype(np.float64)).astype(x.dtype)
    y = f(x, **params_for(f)).astype(np.float64)
    # Each output is within 1 ULP of the true value, so two outputs of ordered
    # inputs may be out of order by at most 2 ULP of the output dtype.
    tol = 2 * _ulp(x.dtype, y[:-1])
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf; -max - tol
        low = y[1:] < y[:-1] - tol
    assert not low.any(), (x[:-1][low], y[:-1][low], y[1:][low])


@pytest.mark.parametrize(
    "f",
    **by_name(
        [f for f in ALL if f.properties.range != (-math.inf, math.inf) and f.kind != "gated"]
    ),
)
@FUZZ
@given(data=st.data(), dtype_name=st.sampled_from(DTYPES), shape=_shapes(min_dims=1))
def test_outputs_stay_within_the_claimed_range(
    f: actfn.Activation, data: st.DataObject, dtype_name: str, shape: tuple[int, ...]
) -> None:
    x = _in_domain(f, data.draw(arrays(dtype_name, shape, nan=False), label="x"))
    y = f(x, **params_for(f)).astype(np.float64)
    lo, hi = f.properties.range
    if not f.elementwise and np.isinf(x.astype(np.float64)).any():
        # Rows with +inf follow the limit rule; the range still holds, NaN aside.
        y = y[~np.isnan(y)]
    assert not np.isnan(y).any()
    # The output rounds a true value inside [lo, hi]: when the bound itself is not
    # representable, the rounding may land one ULP outside it.
    if math.isfinite(lo):
        assert np.all(y >= lo - _ulp(x.dtype, np.float64(lo))), y.min()
    if math.isfinite(hi):
        assert np.all(y <= hi + _ulp(x.dtype, np.float64(hi))), y.max()


@pytest.mark.parametrize("f", **by_name(ELEMENTWISE))
@FUZZ
@given(data=st.data(), dtype_name=st.sampled_from(DTYPES), shape=_shapes())
def test_vjp_is_cotangent_times_derivative(
    f: actfn.Activation, data: st.DataObject, dtype_name: str, shape: tuple[int, ...]
) -> None:
    x = _in_domain(f, data.draw(arrays(dtype_name, shape, nan=False, inf=False), label="x"))
    g = data.draw(arrays(dtype_name, shape, nan=False, inf=False), label="cotangent")
    p = data.draw(params(f, x.shape), label="params")
    v = f.vjp(x, g, **p)
    d = f.derivative(x, **p).astype(np.float64)
    assert v.dtype == x.dtype and v.shape == x.shape
    v = v.astype(np.float64)
    fi = _finfo(x.dtype)
    with np.errstate(all="ignore"):  # g * f'(x) may overflow or be 0 * inf
        want = g.astype(np.float64) * d
        ok = np.isfinite(want) & np.isfinite(d) & (np.abs(want) < float(fi.max) / 2)
        # v rounds g * f'(x) once; want multiplies g by f'(x) rounded once:
        # together 2 ULP of the product, plus |g| times the smallest subnormal
        # where f'(x) itself is subnormal or underflows.
        tol = 2 * _ulp(x.dtype, want) + np.abs(g.astype(np.float64)) * float(fi.smallest_subnormal)
        err = np.abs(v - want)
    bad = ok & ~(err <= tol)
    assert not bad.any(), (x[bad][:3], g[bad][:3], v[bad][:3], want[bad][:3])


# --------------------------------------------------------------------- along an axis


@st.composite
def axis_inputs(
    draw: st.DrawFn, f: actfn.Activation, dtype_name: str, *, inf: bool, masks: bool = False
) -> tuple[np.ndarray[Any, Any], dict[str, Any]]:
    shape = list(draw(_shapes(min_dims=1)))
    p = draw(params(f, tuple(shape), arrays_ok=masks))
    if f.kind == "gated":  # the split axis must have even length
        a = p["axis"] % len(shape)
        shape[a] = 2 * max(1, shape[a] // 2)
    x = draw(arrays(dtype_name, tuple(shape), nan=False, inf=inf))
    return x, p


def _row_sums(y: np.ndarray[Any, Any], f: actfn.Activation, p: dict[str, Any]) -> Any:
    axis = p.get("axis", -1)
    return np.sum(y.astype(np.float64), axis=axis, keepdims=True), _row_length(y.shape, axis)


def _row_length(shape: tuple[int, ...], axis: Any) -> int:
    if axis is None:
        return math.prod(shape)
    return math.prod(shape[a] for a in (axis if isinstance(axis, tuple) else (axis,)))


def _mask(p: dict[str, Any], x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The entries that take part (a ``where`` mask broadcast to x; all by default)."""
    where = p.get("where")
    return np.ones(x.shape, bool) if where is None else np.broadcast_to(where, x.shape)


# The normalizing functions whose rows are probability vectors.
PROB = [f for f in AXIS if "sums to 1" in f.properties.range_text]


@pytest.mark.parametrize("f", **by_name(PROB))
@FUZZ
@given(data=st.data(), dtype_name=st.sampled_from(DTYPES))
def test_probabilities_sum_to_one(
    f: actfn.Activation, data: st.DataObject, dtype_name: str
) -> None:
    x, p = data.draw(axis_inputs(f, dtype_name, inf=False, masks=True))
    y = f(x, **p)
    assert y.dtype == x.dtype and y.shape == x.shape
    y64 = y.astype(np.float64)
    assert np.all(np.isfinite(y64)) and np.all(y64 >= 0) and np.all(y64 <= 1)
    mask = _mask(p, x)
    assert np.all(y64[~mask] == 0.0), "masked entries must be 0"
    s, n = _row_sums(y, f, p)
    live, _ = _row_sums(mask, f, p)
    eps = float(_finfo(x.dtype).eps)
    # Each of the n outputs is within 1 ULP (relative eps) of its true value and
    # the true values sum to 1, so the outputs sum to 1 within eps; n * eps covers
    # float64 summation here and in the function (tau or the normalizer, whose
    # float64 error is relative to terms of magnitude <= 1 in the row).  A row
    # with every entry masked is all zeros.
    target = np.where(live > 0, 1.0, 0.0)
    assert np.all(np.abs(s - target) <= (2 + n) * eps), np.max(np.abs(s - target))
    # Ordered inputs give ordered outputs within a row (not with random noise).
    deterministic = not any(isinstance(q.domain, Seed) for q in f.params)
    if f.properties.monotonic and deterministic and isinstance(p["axis"], int) and mask.all():
        xs = np.moveaxis(x.astype(np.float64), p["axis"], -1).reshape(-1, x.shape[p["axis"]])
        ys = np.moveaxis(y64, p["axis"], -1).reshape(xs.shape)
        for xr, yr in zip(xs, ys, strict=True):
            order = np.argsort(xr, kind="stable")
            assert np.all(np.diff(yr[order]) >= -2 * eps), (xr, yr)


@pytest.mark.parametrize("f", **by_name([f for f in AXIS if f.name == "log_softmax"]))
@FUZZ
@given(data=st.data(), dtype_name=st.sampled_from(DTYPES))
def test_log_softmax_exponentials_sum_to_one(
    f: actfn.Activation, data: st.DataObject, dtype_name: str
) -> None:
    x, p = data.draw(axis_inputs(f, dtype_name, inf=False, masks=True))
    y = f(x, **p).astype(np.float64)
    assert not np.isnan(y).any() and np.all(y <= 0)
    mask = _mask(p, x)
    assert np.all(y[~mask] == -np.inf), "masked entries must be -inf (probability 0)"
    s, n = _row_sums(np.exp(y), f, p)
    live, _ = _row_sums(mask, f, p)
    eps = float(_finfo(x.dtype).eps)
    # y_i = log p_i with an absolute error of about eps * (|y_i| + 1); exp turns
    # it into a relative error, so the sum moves by eps * sum p_i (|log p_i| + 1)
    # <= eps * (1 + log n) (entropy bound), plus n float64 roundings.
    target = np.where(live > 0, 1.0, 0.0)
    tol = 2 * eps * (2 + math.log(n)) + n * 2.0**-52
    assert np.all(np.abs(s - target) <= tol), np.max(np.abs(s - target))


@pytest.mark.parametrize("f", **by_name(AXIS))
@FUZZ
@given(data=st.data(), dtype_name=st.sampled_from(DTYPES))
def test_axis_functions_finite_on_finite_rows(
    f: actfn.Activation, data: st.DataObject, dtype_name: str
) -> None:
    x, p = data.draw(axis_inputs(f, dtype_name, inf=False))
    y = f(x, **p)
    assert y.dtype == x.dtype and y.shape == f(x.astype(np.float64), **p).shape
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    assert not np.isnan(y64).any()
    fmax = float(_finfo(x.dtype).max)
    if f.kind == "gated":
        a, b = np.split(x64, 2, axis=p["axis"])
        if f.name == "glu":
            # |a * sigmoid(b)| <= |a| holds after rounding too: |a| is
            # representable and rounding is monotonic.
            assert np.all(np.abs(y64) <= np.abs(a))
        # Every gate g(b) has |g(b)| <= max(|b|, 1), so inf is right only where
        # |a| max(|b|, 1) reaches the top of the dtype's range.
        with np.errstate(divide="ignore"):
            big = np.log2(np.abs(a)) + np.log2(np.maximum(np.abs(b), 1.0)) >= math.log2(fmax) - 1
        assert np.all(np.isfinite(y64) | big)
    elif f.kind == "reduction":
        # logsumexp lies in [max x, max x + log n]; rounding keeps the lower end.
        axis, n = p["axis"], _row_length(x.shape, p["axis"])
        m = np.max(x64, axis=axis, keepdims=p["keepdims"])
        assert np.all(y64 >= m)
        with np.errstate(over="ignore"):  # max x + log n may pass the float64 max
            top = m + math.log(n)
            assert np.all(y64 <= top + 2 * _ulp(x.dtype, top))
    elif f.name == "log_softmax":
        # x_i - logsumexp(x) is below x_i - max(x): -inf is right where that is
        # already beyond the dtype's range (x_i = -max, max(x) = max).
        with np.errstate(over="ignore"):
            gap = x64 - np.max(x64, axis=p["axis"], keepdims=True)
        assert np.all(np.isfinite(y64) | (gap < -fmax))
    else:  # probabilities
        assert np.all(np.isfinite(y64))


@pytest.mark.parametrize("f", **by_name([*PROB, actfn.log_softmax]))
@FUZZ
@given(data=st.data(), dtype_name=st.sampled_from(DTYPES))
def test_axis_vjp_annihilates_the_constant_direction(
    f: actfn.Activation, data: st.DataObject, dtype_name: str
) -> None:
    """Probability rows sum to 1 (or 0 when fully masked), so the vjp of a constant
    cotangent is 0; for log_softmax every vjp sums to 0 along the axis (adding c to
    x shifts y by -c)."""
    log = f.name == "log_softmax"
    x, p = data.draw(axis_inputs(f, dtype_name, inf=False, masks=not log))
    g = data.draw(
        arrays(dtype_name, x.shape, nan=False, inf=False).filter(
            lambda a: np.all(np.abs(a.astype(np.float64)) <= 1e4)
        ),
        label="cotangent",
    )
    eps = float(_finfo(x.dtype).eps)
    axis = p["axis"]
    n = _row_length(x.shape, axis)
    if log:
        v = f.vjp(x, g, **p).astype(np.float64)
        s = np.sum(v, axis=axis)
        scale = np.sum(np.abs(g.astype(np.float64)), axis=axis)
        # v_i = g_i - p_i sum(g): rounding each v_i to the dtype costs eps |v_i|
        # <= eps (|g_i| + p_i sum|g|), so the sum is off by <= 2 eps sum|g|
        # (n eps for float64 sums), or half the smallest subnormal per element
        # where v_i is subnormal.
        tiny = float(_finfo(x.dtype).smallest_subnormal)
        assert np.all(np.abs(s) <= (2 + n) * eps * scale + n * tiny), (s, scale)
    else:
        ones = np.ones_like(x)
        v = f.vjp(x, ones, **p).astype(np.float64)
        # y (1 - sum y) with |1 - sum y| <= n * 2**-52 in float64, then rounded.
        assert np.all(np.abs(v) <= n * 2.0**-50), np.max(np.abs(v))


def test_squareplus_near_the_largest_float64() -> None:
    big = np.finfo(np.float64).max
    y = actfn.squareplus(np.array([big, 1e308]), b=0.0)
    np.testing.assert_array_equal(y, [big, 1e308])
