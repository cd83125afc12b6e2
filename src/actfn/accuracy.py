"""Accuracy harness: the error of every activation in ULPs, against mpmath.

For each activation (and each dtype) the harness evaluates the function on a
sample that covers the whole floating-point range -- a dense grid near 0, points
in every binade up to the largest finite number, the subnormals, the edges where
exp-like terms overflow or underflow, each record's kinks with their neighbours,
and the special values 0, -0, +-inf and NaN -- and compares each result with the
true value.

The true value comes from the record's ``mp`` (and ``mp_derivative``) function,
evaluated with mpmath at a precision that is raised until two evaluations agree
(so a reference formula that cancels still gives the right answer), then
rounded correctly to the output dtype, subnormals included.  The error of one
result is the number of floating-point numbers between it and that rounded
reference (the distance of their ordered integer representations), so 0 means
correctly rounded and 1 means faithful.  NaN where the reference is NaN counts
0; any other mismatch with NaN counts as infinitely many ULPs.  +-0 count as
equal.

Signed zeros are checked apart (``zero_signs``, ``Row.zero_signs``): mpmath has
no -0, so where f(0) = 0 the sign the definition gives f(-0) and f(+0) is taken
from f just beside the zero (at -+2^-1000): the one-sided limit of the sign, the
IEEE 754 rule of tanh, sin and expm1, which Keras, PyTorch and JAX follow for
tanh, silu, gelu, elu and leaky_relu.  Where f is 0 on that side (relu and
relu6 left of 0, whose -0 Keras and PyTorch answer differently) no sign is
asserted.  A zero of the other sign is reported in the row (and in the table's
"Signed zeros" section), not counted in ULPs and not part of ``ok``: the
semantics is the records' to decide.

Other libraries (``against``) are measured only where their result has the
dtype of their input: Keras's NumPy backend computes most activations of a
float64 input in float32 and returns float32, whose error in float64 ULPs would
only measure that rounding (and its overflow to inf above 3.4e38).  Such a cell
names the dtype returned ("float32 result", ``Row.others_dtype``) instead of a
figure.

``measure`` returns the rows; ``add_arguments`` / ``run`` implement
``actfn accuracy``.  mpmath is an optional dependency (``pip install
actfn[accuracy]``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ._activation import REQUIRED, Activation, ArrayParam, Boolean, Real, Seed, min_norm
from ._registry import ACTIVATIONS, get

__all__ = [
    "BOUNDS",
    "CONFIGS",
    "DTYPES",
    "Row",
    "add_arguments",
    "format_comparison",
    "format_table",
    "main",
    "markdown_report",
    "measure",
    "round_to",
    "run",
    "sample",
    "ulp_distance",
]

#: Floating formats: (precision in bits including the hidden one, emin, emax).
FORMATS: dict[str, tuple[int, int, int]] = {
    "float16": (11, -14, 15),
    "bfloat16": (8, -126, 127),
    "float32": (24, -126, 127),
    "float64": (53, -1022, 1023),
}
DTYPES = ("float16", "bfloat16", "float32", "float64")

#: The accuracy contract, in ULPs of the output dtype: kind -> dtype -> bound.
#: "value" is an elementwise activation, "derivative" its derivative, "axis" a
#: function along an axis (softmax, log_softmax, ...), per element.
BOUNDS: dict[str, dict[str, int]] = {
    "value": {"float16": 1, "bfloat16": 1, "float32": 1, "float64": 2},
    "derivative": {"float16": 2, "bfloat16": 2, "float32": 2, "float64": 4},
    "axis": {"float16": 2, "bfloat16": 2, "float32": 2, "float64": 4},
}

#: Sample values for parameters that have no default (required) or that make a
#: call random: the harness measures each function with these.  A parameter not
#: listed here gets a value from its domain (``_sample_params``): a seed of 0 for
#: randomness (so the mpmath reference draws the same numbers), a value inside
#: the interval of a required real number, 0.25 for a required array.
SAMPLE_PARAMS: dict[str, dict[str, Any]] = {
    name: dict(f.spec.sample_params) for name, f in ACTIVATIONS.items() if f.spec.sample_params
}
REQUIRED_PARAMS = SAMPLE_PARAMS  # the former name

#: Marks a ``where=`` mask made for each test row (``_row_mask``): every third
#: entry (from the second) masked out, never a whole row.
ROW_MASK: Any = type("_RowMask", (), {"__repr__": lambda self: "mask"})()

#: Non-default configurations measured besides the defaults: the settings
#: people use (tanh gelu) and parameters that change the formula's path.
CONFIGS: dict[str, tuple[dict[str, Any], ...]] = {
    "gelu": ({"approximate": True},),
    "elu": ({"alpha": 0.5},),
    "celu": ({"alpha": 2.0},),
    "relu": ({"negative_slope": 0.1, "max_value": 6.0, "threshold": 1.0},),
    "squareplus": ({"b": 0.5},),
    "softplus": ({"beta": 2.0}, {"beta": 0.3}, {"threshold": 20.0}),
    "softmax": ({"where": ROW_MASK},),
    "log_softmax": ({"where": ROW_MASK},),
    "logsumexp": ({"where": ROW_MASK},),
    "geglu": ({"approximate": True},),
    "prelu": ({"alpha": -1.5},),
    "rrelu": ({"lower": 0.1, "upper": 0.7},),
    "snake": ({"alpha": 0.3}, {"alpha": 7.7}),
    "star_relu": ({"scale": 1.0, "bias": 0.0},),
}

#: Third-party implementations compared side by side (value, and derivative
#: where the library differentiates): name -> (library, callable(module, x)).
_SEED = 20251128


# --------------------------------------------------------------------------- mpmath


def _mpmath() -> Any:
    try:
        import mpmath
    except ImportError:  # pragma: no cover - exercised only without mpmath
        raise ImportError(
            "actfn.accuracy needs mpmath for its reference values: "
            "pip install 'actfn[accuracy]' (or pip install mpmath)"
        ) from None
    return mpmath


# --------------------------------------------------------------------------- rounding


def round_to(v: Any, dtype: str) -> float:
    """The mpmath number ``v`` rounded to nearest-even in ``dtype``, as a float.

    Exact for every format here: the result has at most 53 significant bits and
    lies in the float64 range (or is +-inf).  Subnormals are rounded to their
    fixed quantum, so gradual underflow is modelled exactly.
    """
    p, emin, emax = FORMATS[dtype]
    mpmath = _mpmath()
    if mpmath.isnan(v):
        return math.nan
    if mpmath.isinf(v):
        return math.inf if v > 0 else -math.inf
    sign, man, exp, bc = mpmath.mpf(v)._mpf_
    if man == 0:
        return -0.0 if sign else 0.0
    e = exp + bc - 1  # floor(log2 |v|)
    if e < emin - p - 1:  # below half the least subnormal: rounds to zero
        return -0.0 if sign else 0.0
    if e > emax:
        return -math.inf if sign else math.inf
    qexp = max(e - p + 1, emin - p + 1)  # exponent of the quantum at v
    shift = qexp - exp
    if shift <= 0:
        n = man << -shift
    else:
        n = man >> shift
        rem = man & ((1 << shift) - 1)
        half = 1 << (shift - 1)
        if rem > half or (rem == half and n & 1):
            n += 1
    if n == 0:
        return -0.0 if sign else 0.0
    if n.bit_length() + qexp - 1 > emax:
        return -math.inf if sign else math.inf
    r = math.ldexp(n, qexp)
    return -r if sign else r


def _np_dtype(dtype: str) -> Any:
    if dtype == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise ImportError(
                "actfn.accuracy: bfloat16 needs ml_dtypes (pip install 'actfn[bfloat16]')"
            ) from None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(dtype)


def _ordered(a: np.ndarray[Any, Any], dtype: str) -> np.ndarray[Any, Any]:
    """Ordered integers of ``a`` (in ``dtype``): adjacent floats differ by 1, +-0 -> 0."""
    width = {"float16": 16, "bfloat16": 16, "float32": 32, "float64": 64}[dtype]
    u = np.ascontiguousarray(a).view({16: np.uint16, 32: np.uint32, 64: np.uint64}[width])
    sign = (u >> np.array(width - 1, dtype=u.dtype)).astype(bool)
    mag = (u & np.array((1 << (width - 1)) - 1, dtype=u.dtype)).astype(np.int64)
    out: np.ndarray[Any, Any] = np.where(sign, -mag, mag)
    return out


def ulp_distance(got: np.ndarray[Any, Any], ref: np.ndarray[Any, Any], dtype: str) -> Any:
    """Elementwise distance in ULPs of ``dtype`` between two arrays of that dtype.

    NaN against NaN is 0, NaN against a number is inf; +0 and -0 are equal.
    Returned as float64 (exact up to 2^53 ULPs).
    """
    g = np.asarray(got, dtype=_np_dtype(dtype))
    r = np.asarray(ref, dtype=_np_dtype(dtype))
    gn = np.isnan(g.astype(np.float64))
    rn = np.isnan(r.astype(np.float64))
    d = np.abs(_ordered(g, dtype) - _ordered(r, dtype)).astype(np.float64)
    d = np.where(gn | rn, np.where(gn & rn, 0.0, math.inf), d)
    return d


# --------------------------------------------------------------------------- sample


def _edge_centres(dtype: str) -> list[float]:
    """Where exp-like terms of the dtype overflow or underflow: ln and sqrt(2 ln) of
    the largest, the least normal and the least subnormal number, halved and doubled."""
    p, emin, emax = FORMATS[dtype]
    big = (emax + 1) * math.log(2.0)
    tiny = -emin * math.log(2.0)
    sub = -(emin - p + 1) * math.log(2.0)
    out: list[float] = []
    for c in (big, tiny, sub):
        out += [c, c / 2.0, 2.0 * c, math.sqrt(2.0 * c), math.sqrt(c)]
    return out


def sample(dtype: str, full: bool = False, kinks: Iterable[float] = ()) -> np.ndarray[Any, Any]:
    """Sample points in ``dtype`` (returned as float64, exactly representable).

    Dense near 0; points in every binade (subnormal ones included) up to the
    largest finite number, both signs; the overflow and underflow edges; the
    kinks and their neighbours; 0, -0, +-inf, NaN, the least subnormal, the
    least normal and the largest finite number.  ``full`` makes it about 8x
    denser; for float16 and bfloat16 ``full`` is every finite value.
    """
    p, emin, emax = FORMATS[dtype]
    npd = _np_dtype(dtype)
    rng = np.random.default_rng(_SEED)
    pts: list[np.ndarray[Any, Any]] = []
    if full and dtype in ("float16", "bfloat16"):
        with np.errstate(invalid="ignore"):  # the NaN bit patterns
            every = np.arange(1 << 16, dtype=np.uint16).view(npd).astype(np.float64)
        pts.append(every[np.isfinite(every)])
    per_binade = 8 if full else 1
    dense = 3000 if full else 300
    # Every binade, subnormal "binades" included, both signs.
    lo_e = emin - p + 1
    exps = np.arange(lo_e, emax + 1, dtype=np.float64)
    frac = rng.random((exps.size, per_binade))
    e2 = exps[:, None].astype(np.int64)
    binades = np.ldexp(1.0 + frac, e2)
    # A point that rounds up into the next binade (few values in the lowest
    # subnormal ones) is replaced by the binade's first value.
    crossed = np.frexp(binades.astype(npd).astype(np.float64))[1] != e2 + 1
    binades = np.where(crossed, np.ldexp(1.0, e2), binades).ravel()
    step = 1 if full else 8  # powers of two: every binade, or every 8th
    binades = np.concatenate([binades, np.ldexp(1.0, exps[::step].astype(np.int64))])
    pts += [binades, -binades]
    # Dense near 0.
    for width in (1.0, 8.0, 40.0, 40.0, 40.0):
        pts.append(rng.uniform(-width, width, dense))
    pts.append(np.linspace(-6.0, 6.0, 2 * dense + 1))
    # Overflow / underflow edges.
    n_edge = 64 if full else 6
    for c in _edge_centres(dtype):
        around = c + rng.uniform(-0.5, 0.5, n_edge)
        pts += [around, -around]
    # Special values.
    fi = np.finfo(npd) if dtype != "bfloat16" else None
    big = float(fi.max) if fi is not None else math.ldexp(2.0 - 2.0 ** (1 - p), emax)
    least = math.ldexp(1.0, emin)
    least_sub = math.ldexp(1.0, emin - p + 1)
    specials = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0]
    for v in (big, least, least_sub, least - least_sub):
        specials += [v, -v]
    pts.append(np.array(specials))
    xs = np.concatenate(pts)
    xs = xs.astype(npd).astype(np.float64)  # round every point into the dtype
    # Kinks and their neighbours (after rounding: a kink must be representable).
    ks: list[float] = []
    for k in kinks:
        kk = np.array([k], dtype=np.float64).astype(npd)
        nb = [kk]
        up = kk.copy()
        down = kk.copy()
        for _ in range(3):
            up = _next(up, npd, +1)
            down = _next(down, npd, -1)
            nb += [up, down]
        ks += [float(v.astype(np.float64)[0]) for v in nb]
        ks += [k + 1e-3, k - 1e-3, k + 0.25, k - 0.25]
    if ks:
        xs = np.concatenate([xs, np.array(ks).astype(npd).astype(np.float64)])
    # Unique values; -0 and NaN kept once each.
    nan = xs[np.isnan(xs)][:1]
    negz = xs[(xs == 0) & np.signbit(xs)][:1]
    rest = np.unique(xs[~np.isnan(xs) & ~((xs == 0) & np.signbit(xs))])
    return np.concatenate([rest, negz, nan])


def _next(a: np.ndarray[Any, Any], npd: Any, direction: int) -> np.ndarray[Any, Any]:
    """The neighbour of a (1-element array in npd) in the given direction."""
    if npd in (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)):
        nxt: np.ndarray[Any, Any] = np.nextafter(a, np.array([direction * math.inf], dtype=npd))
        return nxt
    # bfloat16: step the ordered integer.
    u = a.view(np.uint16).astype(np.int64)
    neg = u >= 0x8000
    o = np.where(neg, -(u & 0x7FFF), u) + direction
    u2 = np.where(o < 0, (-o) | 0x8000, o).astype(np.uint16)
    stepped: np.ndarray[Any, Any] = u2.view(npd)
    return stepped


# --------------------------------------------------------------------------- references


_HUGE_LOG2 = 1100  # 2^1100 is beyond every finite float: f(+-2^1100) rounds like f(+-inf)
_cache: dict[tuple[Any, ...], Any] = {}


def _key(f: Activation, p: Mapping[str, Any], which: str) -> tuple[Any, ...]:
    return (f.name, tuple(sorted(p.items())), which)


def _digits_for(x: float) -> int:
    """Starting precision: 30 digits, plus twice the decimal exponent of x, which
    covers reference formulas that cancel to order x^3 near 0 or 1/x at infinity."""
    if x == 0.0 or not math.isfinite(x):
        return 30
    return 30 + int(2.2 * abs(math.log10(abs(x))))


def _reference_point(fn: Callable[[Any], Any], x: float) -> Any:
    """fn(x) at a precision raised until two evaluations round alike in float64.

    A zero result for x != 0 is confirmed at the larger precision that
    ``_digits_for`` asks for, since a total cancellation gives 0 at every
    working precision below it."""
    mpmath = _mpmath()
    mp = mpmath.mp
    if math.isnan(x):
        return mpmath.mpf("nan")
    xm = mpmath.mpf(x) if math.isfinite(x) else math.copysign(1, x) * mpmath.mpf(2) ** _HUGE_LOG2
    want = _digits_for(x)
    dps = 30
    prev: Any = None
    while True:
        with mp.workdps(dps):
            v = fn(xm)
            v = mpmath.mpf(v) if not isinstance(v, mpmath.mpf) else +v
        if prev is not None:
            same = round_to(v, "float64") == round_to(prev, "float64") or (
                mpmath.isnan(v) and mpmath.isnan(prev)
            )
            if same and not (v == 0 and dps < want):
                return v
        if dps > 4000:
            return v
        prev = v
        dps = 2 * dps if v != 0 or dps >= want else max(2 * dps, want)


def _derivative_at_infinity(fn: Callable[[Any], Any], x: float) -> Any:
    """The derivative at x = +-inf: its limit where it has one; where it has none
    (snake's 1 + sin(2 alpha x) oscillates), the derivative at the largest finite
    float64 of that sign, which is where actfn takes it (inputs are computed in
    float64)."""
    mpmath = _mpmath()
    at_huge = _reference_point(fn, x)
    farther = _reference_point(lambda t: fn(t * 3 / 2), x)
    if round_to(at_huge, "float64") == round_to(farther, "float64") or (
        mpmath.isnan(at_huge) and mpmath.isnan(farther)
    ):
        return at_huge
    return _reference_point(fn, math.copysign(float(np.finfo(np.float64).max), x))


def _value_fn(f: Activation, p: Mapping[str, Any]) -> Callable[[Any], Any]:
    mpmath = _mpmath()
    spec = f.spec
    assert spec.mp is not None
    mpf = spec.mp
    pd = dict(p)
    return lambda t: mpf(mpmath.mp, t, pd)


def _derivative_fn(f: Activation, p: Mapping[str, Any], near: float) -> Callable[[Any], Any]:
    """The derivative at a point: ``mp_derivative`` if the record has one, else
    mpmath's numerical ``diff`` of ``mp``, one-sided away from the nearest kink."""
    mpmath = _mpmath()
    spec = f.spec
    pd = dict(p)
    if spec.mp_derivative is not None:
        mpd = spec.mp_derivative
        return lambda t: mpd(mpmath.mp, t, pd)
    val = _value_fn(f, p)
    ks = [k for k in spec.kinks(pd)]
    direction = 0
    if ks:
        nearest = min(ks, key=lambda k: abs(k - near))
        direction = 1 if near > nearest else -1
    return lambda t: mpmath.mp.diff(val, t, direction=direction)


def _references(
    f: Activation, p: Mapping[str, Any], which: str, xs: np.ndarray[Any, Any]
) -> list[Any]:
    """High-precision references at each x (cached per function and point)."""
    mpmath = _mpmath()
    key = _key(f, p, which)
    table = _cache.setdefault(key, {})
    kinks = set(f.spec.kinks(dict(p))) if which == "derivative" else set()
    out: list[Any] = []
    for x in xs.tolist():
        bits = (x, math.copysign(1.0, x)) if x == x else ("nan",)
        if bits in table:
            out.append(table[bits])
            continue
        if which == "value":
            v = _reference_point(_value_fn(f, p), x)
        elif x in kinks:
            # The kink rule: the one-sided derivative closest to 0, from the
            # derivative just left and right of the kink.
            h = mpmath.mpf(2) ** -200
            with mpmath.mp.workdps(60):
                left = _derivative_fn(f, p, x - 1.0)(mpmath.mpf(x) - h)
                right = _derivative_fn(f, p, x + 1.0)(mpmath.mpf(x) + h)
                v = mpmath.mpf(min_norm(float(left), float(right)))
        elif math.isinf(x):
            v = _derivative_at_infinity(_derivative_fn(f, p, x), x)
        else:
            v = _reference_point(_derivative_fn(f, p, x), x)
        table[bits] = v
        out.append(v)
    return out


# --------------------------------------------------------------------------- backends


def _to_numpy(a: Any) -> np.ndarray[Any, Any]:
    if isinstance(a, np.ndarray):
        return a
    mod = type(a).__module__
    if mod.startswith("torch"):
        t = a.detach().cpu()
        import torch

        if t.dtype == torch.bfloat16:
            return t.to(torch.float32).numpy()  # type: ignore[no-any-return]
        return t.numpy()  # type: ignore[no-any-return]
    try:
        return np.asarray(a)
    except (TypeError, ValueError, RuntimeError):
        return np.from_dlpack(a)


def _backend_input(backend: str, x: np.ndarray[Any, Any], dtype: str) -> Any:
    """x (float64 values exact in dtype) as an array of ``backend`` in ``dtype``."""
    xd = x.astype(_np_dtype(dtype))
    if backend == "numpy":
        return xd
    if backend == "array_api_strict":
        import array_api_strict as xs

        if dtype not in ("float32", "float64"):
            raise ValueError(f"accuracy: array_api_strict has no {dtype}")
        return xs.asarray(xd)
    if backend == "torch":
        import torch

        if dtype == "bfloat16":
            return torch.from_numpy(x.astype(np.float32)).to(torch.bfloat16)
        return torch.from_numpy(xd)
    raise ValueError(
        f"accuracy: backend must be 'numpy', 'array_api_strict' or 'torch'; got {backend!r}"
    )


def _round_result(y: Any, dtype: str) -> np.ndarray[Any, Any]:
    a = _to_numpy(y)
    if a.dtype != _np_dtype(dtype):
        a = a.astype(np.float64).astype(_np_dtype(dtype))
    return a


# --- third-party implementations ------------------------------------------------------

# name -> (value, derivative-capable) builders per library.  Each builder takes the
# imported module and returns a callable of one array.  Parameters are actfn's
# defaults, so the comparison is between the same mathematical functions.


def _torch_fns(torch: Any) -> dict[str, Callable[[Any], Any]]:
    F = torch.nn.functional
    return {
        "relu": F.relu,
        "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
        "relu6": F.relu6,
        "threshold": lambda x: F.threshold(x, 0.5, -1.0),
        "linear": lambda x: x * 1,
        "elu": F.elu,
        "selu": F.selu,
        "celu": F.celu,
        "exponential": torch.exp,
        "sigmoid": torch.sigmoid,
        "hard_sigmoid": F.hardsigmoid,
        "log_sigmoid": F.logsigmoid,
        "tanh": torch.tanh,
        "hard_tanh": F.hardtanh,
        "softsign": F.softsign,
        "softplus": lambda x: F.softplus(x, threshold=math.inf),
        "silu": F.silu,
        "hard_silu": F.hardswish,
        "gelu": F.gelu,
        "gelu(approximate=True)": lambda x: F.gelu(x, approximate="tanh"),
        "mish": F.mish,
        "soft_shrink": F.softshrink,
        "hard_shrink": F.hardshrink,
        "tanh_shrink": F.tanhshrink,
        "elu(alpha=0.5)": lambda x: F.elu(x, 0.5),
        "celu(alpha=2.0)": lambda x: F.celu(x, 2.0),
        "softmax": lambda x: F.softmax(x, dim=-1),
        "log_softmax": lambda x: F.log_softmax(x, dim=-1),
        "glu": lambda x: F.glu(x, dim=-1),
        "softmin": lambda x: F.softmin(x, dim=-1),
        "prelu": lambda x: F.prelu(x, torch.full((1,), 0.25, dtype=x.dtype, device=x.device)),
        "prelu(alpha=-1.5)": lambda x: F.prelu(
            x, torch.full((1,), -1.5, dtype=x.dtype, device=x.device)
        ),
        "rrelu": lambda x: F.rrelu(x, training=False),
        "rrelu(lower=0.1, upper=0.7)": lambda x: F.rrelu(x, 0.1, 0.7, training=False),
        "logsumexp": lambda x: torch.logsumexp(x, dim=-1),
        # threshold=inf: the exact softplus, as actfn's default threshold=None
        "softplus(beta=2.0)": lambda x: F.softplus(x, beta=2.0, threshold=math.inf),
        "softplus(beta=0.3)": lambda x: F.softplus(x, beta=0.3, threshold=math.inf),
        "softplus(threshold=20.0)": lambda x: F.softplus(x, threshold=20.0),
    }


def _jax_fns(jax: Any) -> dict[str, Callable[[Any], Any]]:
    nn = jax.nn
    jnp = jax.numpy
    return {
        "relu": nn.relu,
        "leaky_relu": lambda x: nn.leaky_relu(x, 0.2),
        "relu6": nn.relu6,
        "linear": lambda x: x * 1,
        "elu": nn.elu,
        "selu": nn.selu,
        "celu": nn.celu,
        "exponential": jnp.exp,
        "sigmoid": nn.sigmoid,
        "hard_sigmoid": nn.hard_sigmoid,
        "log_sigmoid": nn.log_sigmoid,
        "tanh": jnp.tanh,
        "hard_tanh": nn.hard_tanh,
        "softsign": nn.soft_sign,
        "softplus": nn.softplus,
        "silu": nn.silu,
        "hard_silu": nn.hard_silu,
        "gelu": lambda x: nn.gelu(x, approximate=False),
        "gelu(approximate=True)": lambda x: nn.gelu(x, approximate=True),
        "squareplus": nn.squareplus,
        "sparse_plus": nn.sparse_plus,
        "sparse_sigmoid": nn.sparse_sigmoid,
        "elu(alpha=0.5)": lambda x: nn.elu(x, 0.5),
        "celu(alpha=2.0)": lambda x: nn.celu(x, 2.0),
        "squareplus(b=0.5)": lambda x: nn.squareplus(x, 0.5),
        "softmax": lambda x: nn.softmax(x, axis=-1),
        "log_softmax": lambda x: nn.log_softmax(x, axis=-1),
        "glu": lambda x: nn.glu(x, axis=-1),
        "logsumexp": lambda x: nn.logsumexp(x, axis=-1),
        "log1mexp": nn.log1mexp,
    }


def _keras_fns(keras: Any) -> dict[str, Callable[[Any], Any]]:
    a = keras.activations
    names = [
        "relu",
        "leaky_relu",
        "relu6",
        "linear",
        "elu",
        "selu",
        "celu",
        "exponential",
        "sigmoid",
        "hard_sigmoid",
        "log_sigmoid",
        "sparse_sigmoid",
        "tanh",
        "hard_tanh",
        "softsign",
        "softplus",
        "silu",
        "hard_silu",
        "gelu",
        "mish",
        "squareplus",
        "sparse_plus",
        "soft_shrink",
        "hard_shrink",
        "tanh_shrink",
        "softmax",
        "log_softmax",
        "sparsemax",
        "glu",
    ]
    out: dict[str, Callable[[Any], Any]] = {n: getattr(a, n) for n in names if hasattr(a, n)}
    out["leaky_relu"] = lambda x: a.leaky_relu(x, 0.2)
    out["threshold"] = lambda x: a.threshold(x, 0.5, -1.0)
    out["gelu(approximate=True)"] = lambda x: a.gelu(x, approximate=True)
    out["elu(alpha=0.5)"] = lambda x: a.elu(x, 0.5)
    out["celu(alpha=2.0)"] = lambda x: a.celu(x, 2.0)
    out["squareplus(b=0.5)"] = lambda x: a.squareplus(x, 0.5)
    return out


class OtherDtype(Exception):
    """A third-party result of another dtype than the input's (Keras's NumPy
    backend returns float32 for many float64 inputs): not measured, since a
    float32 result compared in float64 ULPs says nothing about its accuracy."""

    def __init__(self, dtype: str) -> None:
        super().__init__(dtype)
        self.dtype = dtype


def _dtype_name(y: Any) -> str:
    """The dtype of an array of any of the compared libraries, as "float32" etc."""
    return str(getattr(y, "dtype", type(y).__name__)).rsplit(".", 1)[-1]


def _same_dtype(y: Any, dtype: str) -> Any:
    """y, or OtherDtype raised where y is not of ``dtype``."""
    name = _dtype_name(y)
    if name != dtype:
        raise OtherDtype(name)
    return y


class _Other:
    """A third-party library evaluated on the same sample.

    Its result must have the dtype of its input (the one measured); where it
    has another, ``value`` and ``derivative`` raise OtherDtype and the table
    says "float32 result" instead of an error figure."""

    def __init__(self, name: str) -> None:
        self.name = name
        if name == "keras":
            os.environ.setdefault("KERAS_BACKEND", "numpy")
        self.mod = importlib.import_module(name)
        builders = {"torch": _torch_fns, "jax": _jax_fns, "keras": _keras_fns}
        self.fns = builders[name](self.mod)

    def has(self, label: str) -> bool:
        return label in self.fns

    def dtypes(self) -> tuple[str, ...]:
        return DTYPES

    def value(self, label: str, x: np.ndarray[Any, Any], dtype: str) -> np.ndarray[Any, Any]:
        # (A library's own warnings -- Keras casting 1e308 to float32 overflows --
        # are its behaviour, not a failure to measure.)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return self._value(label, x, dtype)

    def derivative(
        self, label: str, x: np.ndarray[Any, Any], dtype: str
    ) -> np.ndarray[Any, Any] | None:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return self._derivative(label, x, dtype)

    def _value(self, label: str, x: np.ndarray[Any, Any], dtype: str) -> np.ndarray[Any, Any]:
        fn = self.fns[label]
        if self.name == "torch":
            t = _backend_input("torch", x, dtype)
            with self.mod.no_grad():
                return _round_result(_same_dtype(fn(t), dtype), dtype)
        if self.name == "jax":
            jnp = self.mod.numpy
            with _jax_x64(self.mod):
                arr = jnp.asarray(x.astype(_np_dtype(dtype)))
                return _round_result(np.asarray(_same_dtype(fn(arr), dtype)), dtype)
        y = np.asarray(fn(x.astype(_np_dtype(dtype))))
        return _round_result(_same_dtype(y, dtype), dtype)

    def _derivative(
        self, label: str, x: np.ndarray[Any, Any], dtype: str
    ) -> np.ndarray[Any, Any] | None:
        fn = self.fns[label]
        if self.name == "torch":
            torch = self.mod
            t = _backend_input("torch", x, dtype).clone().requires_grad_(True)
            y = fn(t)
            (g,) = torch.autograd.grad(y.sum(), t)
            return _round_result(_same_dtype(g, dtype), dtype)
        if self.name == "jax":
            jax = self.mod
            with _jax_x64(jax):
                arr = jax.numpy.asarray(x.astype(_np_dtype(dtype)))
                g = jax.vmap(jax.grad(lambda s: fn(s)))(arr)
                return _round_result(np.asarray(_same_dtype(g, dtype)), dtype)
        return None  # Keras's NumPy backend does not differentiate


class _jax_x64:
    """Run JAX with 64-bit types enabled, restoring the setting afterwards."""

    def __init__(self, jax: Any) -> None:
        self.jax = jax
        self.old = False

    def __enter__(self) -> None:
        self.old = bool(self.jax.config.jax_enable_x64)
        self.jax.config.update("jax_enable_x64", True)

    def __exit__(self, *exc: object) -> None:
        self.jax.config.update("jax_enable_x64", self.old)


# --------------------------------------------------------------------------- measure


@dataclass
class Row:
    """One line of the accuracy table."""

    function: str  # name, with non-default parameters: "gelu(approximate=True)"
    dtype: str
    kind: str  # "value", "derivative" or "axis" (softmax-like, per element)
    max_ulp: float  # the largest error in ULPs (inf: a NaN or infinite mismatch)
    at: float  # an input where it occurs (for axis functions: the element)
    bound: int  # the contract for this kind and dtype
    points: int  # how many inputs were compared
    #: the largest error over ordinary inputs: finite, zero or normal, with a
    #: zero or normal finite true value (no NaN, infinity or subnormal involved),
    #: and for derivatives not at a kink (where the value is a convention)
    ordinary: float = 0.0
    others: dict[str, float | None] = field(default_factory=dict)  # library -> max ULP
    others_ordinary: dict[str, float | None] = field(default_factory=dict)
    #: values only: the zeros whose sign differs from the definition's, as
    #: "f(-0) = +0, expected -0" (see ``zero_signs``); not part of ``ok``
    zero_signs: list[str] = field(default_factory=list)
    #: library -> the dtype it returned, where that is not the dtype asked for
    #: (its result is then not measured: see ``_Other``)
    others_dtype: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.max_ulp <= self.bound


def _label(name: str, p: Mapping[str, Any]) -> str:
    if not p:
        return name
    return name + "(" + ", ".join(f"{k}={v!r}" for k, v in p.items()) + ")"


def _sample_value(dom: Any) -> Any:
    """A value inside a parameter's domain, for a required parameter not in SAMPLE_PARAMS."""
    if isinstance(dom, Seed):
        return 0
    if isinstance(dom, ArrayParam):
        if dom.boolean:
            return None
        return 0.25
    if isinstance(dom, Boolean):
        return False
    if isinstance(dom, Real):
        lo, hi = dom.lo, dom.hi
        for v in (0.5, 0.25, 1.5, 2.0, -0.5):
            if (lo < v < hi) or (lo == v and not dom.lo_open) or (hi == v and not dom.hi_open):
                return v
        if math.isfinite(lo) and math.isfinite(hi):
            return (lo + hi) / 2.0
        return lo + 1.0 if math.isfinite(lo) else hi - 1.0
    return -1  # an axis


def _sample_params(f: Activation) -> dict[str, Any]:
    """The parameters every measurement of f sets: SAMPLE_PARAMS, a seed for each
    random parameter (Seed domain), and a value from the domain of each required
    parameter without a sample value."""
    out = dict(SAMPLE_PARAMS.get(f.name, {}))
    for prm in f.params:
        if prm.name in out or prm.name in f.config:
            continue
        if isinstance(prm.domain, Seed) or f.defaults.get(prm.name) is REQUIRED:
            out[prm.name] = _sample_value(prm.domain)
    return out


def _configs(f: Activation) -> list[dict[str, Any]]:
    base = _sample_params(f)
    out = [base]
    for extra in CONFIGS.get(f.name, ()):
        out.append({**base, **extra})
    return out


class _Progress:
    """A plain-text progress bar on stderr."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.enabled = enabled
        self.start = time.monotonic()

    def step(self, what: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 30
        filled = width * self.done // self.total
        elapsed = time.monotonic() - self.start
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"{elapsed:5.0f}s {what[:40]:<40}"
        )
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def measure(
    names: Sequence[str | Activation] | None = None,
    dtypes: Sequence[str] = DTYPES,
    full: bool = False,
    derivative: bool = True,
    against: Sequence[str] = (),
    progress: bool | None = None,
    backend: str = "numpy",
    configs: bool = True,
) -> list[Row]:
    """Measure the error of activations, in ULPs of each output dtype.

    ``names``: activation names or Activation objects (default: every
    activation in the registry);
    ``dtypes``: output dtypes among float16, bfloat16, float32, float64;
    ``full``: the dense sample (slow) instead of the reduced one;
    ``derivative``: measure the derivatives of elementwise activations too;
    ``against``: libraries to compare side by side, among "torch", "jax",
    "keras" (those not installed are skipped); ``progress``: a progress bar on
    stderr (default: when stderr is a terminal); ``backend``: which array
    library actfn is run on ("numpy", the fast path; "array_api_strict" or
    "torch", the generic path); ``configs``: also measure the non-default
    parameter settings in ``CONFIGS``.

    Returns one :class:`Row` per function, dtype and kind.
    """
    _mpmath()
    for d in dtypes:
        if d not in FORMATS:
            raise ValueError(f"accuracy: dtype must be one of {', '.join(DTYPES)}; got {d!r}")
    chosen: list[str | Activation] = list(names) if names else list(ACTIVATIONS)
    fs: list[Activation] = []
    for n in chosen:
        f = n if isinstance(n, Activation) else get(n)
        if not isinstance(f, Activation):  # pragma: no cover - get(str) is an Activation
            raise TypeError(f"accuracy: {n!r} is not an activation")
        fs.append(f)
    others: list[_Other] = []
    for lib in against:
        if lib not in ("torch", "jax", "keras"):
            raise ValueError(f"accuracy: against must name torch, jax or keras; got {lib!r}")
        try:
            others.append(_Other(lib))
        except ImportError:
            continue
    jobs: list[tuple[Activation, dict[str, Any], str, str]] = []
    for f in fs:
        cfgs = _configs(f) if configs else [_sample_params(f)]
        for p in cfgs:
            if any(prm.default is REQUIRED and prm.name not in p for prm in f.params):
                continue
            for d in dtypes:
                if backend == "array_api_strict" and d not in ("float32", "float64"):
                    continue
                if f.elementwise:
                    jobs.append((f, p, d, "value"))
                    if derivative and f.spec.derivative is not None:
                        jobs.append((f, p, d, "derivative"))
                else:
                    jobs.append((f, p, d, "axis"))
    bar = _Progress(len(jobs), sys.stderr.isatty() if progress is None else progress)
    rows: list[Row] = []
    for f, p, d, kind in jobs:
        base = _sample_params(f)
        label = _label(f.name, {k: v for k, v in p.items() if k not in base or base[k] != v})
        if kind == "axis":
            row = _measure_axis(f, p, d, full, backend, others, label)
        else:
            row = _measure_elementwise(f, p, d, kind, full, backend, others, label)
        rows.append(row)
        bar.step(f"{label} {d} {kind}")
    return rows


def _worst(err: np.ndarray[Any, Any], xs: np.ndarray[Any, Any]) -> tuple[float, float]:
    if err.size == 0:
        return 0.0, math.nan
    i = int(np.argmax(err))
    return float(err[i]), float(xs[i])


def _measure_elementwise(
    f: Activation,
    p: dict[str, Any],
    dtype: str,
    kind: str,
    full: bool,
    backend: str,
    others: list[_Other],
    label: str,
) -> Row:
    kinks = list(f.spec.kinks({**f.defaults, **p}))
    # The ends of the domain (log1mexp's 0) are sampled closely, like kinks.
    ends = [e for e in f.spec.domain if math.isfinite(e)]
    xs = sample(dtype, full, kinks + ends)
    pp = {**{k: v for k, v in f.defaults.items() if v is not REQUIRED}, **p}
    checked = f._check_params(pp, partial=False)
    refs = _references(f, checked, kind, xs)
    ref = np.array([round_to(v, dtype) for v in refs]).astype(_np_dtype(dtype))
    xin = _backend_input(backend, xs, dtype)
    # Results that overflow (selu of the largest float) or underflow are correct
    # IEEE behaviour here, not defects; invalid operations still warn.
    with np.errstate(over="ignore", under="ignore"):
        got = f(xin, **p) if kind == "value" else f.derivative(xin, **p)
    err = ulp_distance(_round_result(got, dtype), ref, dtype)
    worst, at = _worst(err, xs)
    plain = _ordinary(xs, dtype) & _ordinary(ref.astype(np.float64), dtype)
    if kind == "derivative" and kinks:
        # The derivative at a kink is a convention (actfn's minimum-norm rule;
        # other libraries pick one side): not an accuracy figure.
        at_kink = np.isin(xs, np.array(kinks, dtype=np.float64).astype(_np_dtype(dtype)))
        plain &= ~at_kink
    row = Row(label, dtype, kind, worst, at, BOUNDS[kind][dtype], int(xs.size))
    row.ordinary = _worst(err[plain], xs[plain])[0]
    if kind == "value":
        row.zero_signs = _zero_sign_mismatches(f, checked, xs, _round_result(got, dtype))
    for o in others:
        if not o.has(label):
            continue
        try:
            y = o.value(label, xs, dtype) if kind == "value" else o.derivative(label, xs, dtype)
        except OtherDtype as exc:  # another dtype: no figure, the dtype instead
            row.others_dtype[o.name] = exc.dtype
            y = None
        except Exception:  # a library without this dtype or function: no figure
            y = None
        if y is None:
            row.others[o.name] = row.others_ordinary[o.name] = None
            continue
        e = ulp_distance(y, ref, dtype)
        row.others[o.name] = _worst(e, xs)[0]
        row.others_ordinary[o.name] = _worst(e[plain], xs[plain])[0]
    return row


def zero_signs(f: Activation, p: Mapping[str, Any]) -> dict[str, float | None]:
    """The sign the definition gives f at -0 and at +0: {"-0": s, "+0": s} with s
    -1.0, 1.0, or None where it gives none.

    mpmath has no signed zero, so the sign comes from the function beside the
    zero: where f(0) = 0 and f is not 0 at -2^-1000 (at +2^-1000), f(-0) (f(+0))
    has the sign of f there -- the one-sided limit of the sign, the IEEE 754
    convention of tanh, sin, expm1 and x * c.  Where f vanishes on that side
    (relu, hard_shrink on the left) either zero is right: None.  Where f(0) != 0,
    None."""
    fn = _value_fn(f, p)
    out: dict[str, float | None] = {"-0": None, "+0": None}
    if _reference_point(fn, 0.0) != 0:
        return out
    for side, x in (("-0", -(2.0**-1000)), ("+0", 2.0**-1000)):
        beside = _reference_point(fn, x)
        if beside != 0 and not _mpmath().isnan(beside):
            out[side] = 1.0 if beside > 0 else -1.0
    return out


def _zero_sign_mismatches(
    f: Activation, p: Mapping[str, Any], xs: np.ndarray[Any, Any], got: np.ndarray[Any, Any]
) -> list[str]:
    """The signed zeros among xs where f's result is a zero of the other sign than
    the definition's (``zero_signs``), as texts; the ULP count treats +0 and -0
    as equal."""
    key = _key(f, p, "zero_signs")
    want = _cache.get(key)
    if want is None:
        want = _cache[key] = zero_signs(f, p)
    out: list[str] = []
    for i in np.flatnonzero(xs == 0.0).tolist():
        side = "-0" if math.copysign(1.0, float(xs[i])) < 0 else "+0"
        sign = want[side]
        y = float(got[i])
        if sign is None or y != 0.0 or math.copysign(1.0, y) == sign:
            continue
        out.append(
            f"f({side}) = {'-0' if sign > 0 else '+0'}, expected {'-0' if sign < 0 else '+0'}"
        )
    return out


def _ordinary(v: np.ndarray[Any, Any], dtype: str) -> np.ndarray[Any, Any]:
    """v is finite and either 0 or at least the least normal number of dtype."""
    tiny = math.ldexp(1.0, FORMATS[dtype][1])
    a = np.abs(v.astype(np.float64))
    out: np.ndarray[Any, Any] = np.isfinite(a) & ((a == 0) | (a >= tiny))
    return out


# --- functions along an axis ------------------------------------------------------------


def _rows(dtype: str, full: bool, kind: str, random: bool = False) -> list[np.ndarray[Any, Any]]:
    """Test rows for a function along an axis: random rows of several lengths and
    spreads (up to 10^4 elements with ``full``), rows that reach the underflow
    of exp, and rows with +inf, -inf, all -inf and NaN.  Gated functions (x = [a,
    b]) get rows of even length, with the infinities and NaN in a or in b.
    Functions that add random noise (gumbel_softmax) get no row with two equal
    infinities: which of them the limit favours depends on how they tend to
    infinity, and the noise decides it."""
    p, emin, _ = FORMATS[dtype]
    npd = _np_dtype(dtype)
    rng = np.random.default_rng(_SEED + 1)
    span = -(emin - p + 1) * math.log(2.0)  # exp(-span) is the least subnormal
    lengths = (1, 2, 3, 10, 100, 1000, 10_000) if full else (1, 2, 3, 10, 100, 400)
    rows: list[np.ndarray[Any, Any]] = []
    for n in lengths:
        for scale in (1.0, 10.0, 100.0):
            rows.append(rng.normal(0.0, scale, n))
        rows.append(rng.uniform(-span - 5.0, 0.0, n) + rng.uniform(-50, 50))
    rows.append(np.array([1000.0, 0.0]))
    rows.append(np.array([1.0, 1.0 + 2.0 ** (1 - p), 1.0 - 2.0**-p]))
    specials = [
        [math.inf, 1.0, 2.0],
        [math.inf, math.inf, 0.0],
        [-math.inf, 0.0, 1.0],
        [-math.inf, -math.inf],
        [-math.inf, -math.inf, -math.inf, -math.inf],
        [math.nan, 1.0, 2.0],
        [math.inf, -math.inf, 3.0],
    ]
    if kind == "gated":
        rows = [r for r in rows if r.size % 2 == 0]
        rows.append(rng.uniform(-800, 800, 200))
        a = [1.0, -2.0, 3.0, math.inf, -math.inf, math.nan, 0.5]
        b = [math.inf, -math.inf, math.nan, 2.0, 3.0, 1.0, -0.0]
        specials = [[*a, *b]]
    if random:
        specials = [r for r in specials if r.count(math.inf) < 2 and r.count(-math.inf) < 2]
    rows += [np.array(r) for r in specials]
    return [r.astype(npd).astype(np.float64) for r in rows]


def _row_mask(n: int) -> np.ndarray[Any, Any]:
    """The ``where=`` mask of ROW_MASK for a row of n entries."""
    out: np.ndarray[Any, Any] = np.arange(n) % 3 != 1
    return out


#: Stand-ins for infinite entries (2^1100, beyond every float: the true value at
#: it rounds like the limit) and for masked-out entries (2^1200 below it, so
#: that a masked entry weighs less than a -inf one).
_ROW_INF_LOG2 = 1100
_ROW_MASKED_LOG2 = 1200


def _out_size(f: Activation, p: Mapping[str, Any], n: int) -> int:
    if f.spec.out_shape is None:
        return n
    return int(np.prod(f.spec.out_shape((n,), p)))


def _axis_reference(
    f: Activation, p: Mapping[str, Any], row: np.ndarray[Any, Any], mask: Any = None
) -> list[Any]:
    """The true output for one row, from the record's ``mp``.

    Infinite entries are replaced by +-2^1100 (the limit, which is what actfn
    documents: the entries equal to an infinite maximum share the mass, and so
    on) and masked-out entries by -2^1200; the precision is raised until two
    evaluations agree.  NaN gives NaN for the whole output, except for gated
    functions, where it gives NaN in the outputs whose a or b is NaN."""
    mpmath = _mpmath()
    spec = f.spec
    assert spec.mp is not None
    mpf = spec.mp
    n = row.size
    m_out = _out_size(f, p, n)
    vals = row.tolist()
    keep = [True] * n if mask is None else np.broadcast_to(mask, row.shape).tolist()
    nan_out = [False] * m_out
    if spec.kind == "gated":
        h = n // 2
        nan_out = [math.isnan(vals[i]) or math.isnan(vals[h + i]) for i in range(h)]
        vals = [0.0 if math.isnan(v) else v for v in vals]
    elif any(math.isnan(v) for v, k in zip(vals, keep, strict=True) if k):
        if all(keep) or m_out != n:
            return [mpmath.mpf("nan")] * m_out
        # NaN among the unmasked entries: NaN there; the masked outputs are the
        # constants they always are (0 for softmax, -inf for log_softmax).
        nan_out = list(keep)
        vals = [0.0 if math.isnan(v) else v for v in vals]
    # With an infinity, linear functions (sparsemax's tau = 2^1100 - 1) need every
    # digit of the stand-in: start above its 331 (a precision that rounds it away
    # can agree with itself at the next step).
    big = not all(math.isfinite(v) for v, k in zip(vals, keep, strict=True) if k)
    pd = dict(p)
    if "where" in pd:
        pd["where"] = None  # the mask is applied here, through the stand-ins

    def points() -> list[Any]:
        out = []
        for v, k in zip(vals, keep, strict=True):
            if not k:
                out.append(-(mpmath.mpf(2) ** _ROW_MASKED_LOG2))
            elif math.isinf(v):
                out.append(math.copysign(1.0, v) * mpmath.mpf(2) ** _ROW_INF_LOG2)
            else:
                out.append(mpmath.mpf(v))
        return out

    prev: Any = None
    dps = 30 + int(2.2 * _ROW_MASKED_LOG2 * math.log10(2.0)) if big else 30
    while True:
        with mpmath.mp.workdps(dps):
            v = [+u for u in mpf(mpmath.mp, points(), pd)]
        v = [mpmath.mpf("nan") if bad else u for u, bad in zip(v, nan_out, strict=True)]
        if prev is not None and [round_to(a, "float64") for a in v] == [
            round_to(a, "float64") for a in prev
        ]:
            return v
        if dps > 4000:
            return v
        prev, dps = v, 2 * dps


def _measure_axis(
    f: Activation,
    p: dict[str, Any],
    dtype: str,
    full: bool,
    backend: str,
    others: list[_Other],
    label: str,
) -> Row:
    random = any(isinstance(prm.domain, Seed) for prm in f.params)
    rows = _rows(dtype, full, f.spec.kind, random)
    masked = p.get("where") is ROW_MASK
    p = {k: v for k, v in p.items() if v is not ROW_MASK}
    pp = {**{k: v for k, v in f.defaults.items() if v is not REQUIRED}, **p}
    checked = f._check_params(pp, partial=False)
    key = (*_key(f, checked, "axis"), masked)
    table = _cache.setdefault(key, {})
    worst, at, count, plain_worst = 0.0, math.nan, 0, 0.0
    other_worst: dict[str, float | None] = {o.name: 0.0 for o in others if o.has(label)}
    other_plain: dict[str, float | None] = dict(other_worst)
    other_dtype: dict[str, str] = {}
    for row in rows:
        rk = row.tobytes()
        mask = _row_mask(row.size) if masked else None
        if rk not in table:
            table[rk] = _axis_reference(f, checked, row, mask)
        ref = np.array([round_to(v, dtype) for v in table[rk]]).astype(_np_dtype(dtype))
        extra = {} if mask is None else {"where": mask}
        # Floating-point warnings are not what this measures: a wrong NaN or
        # infinity shows in the ULP distance.
        with np.errstate(all="ignore"):
            got = _round_result(f(_backend_input(backend, row, dtype), **p, **extra), dtype)
        err = ulp_distance(got, ref, dtype)
        # Where the error is: the input element (for a gated function, a of the
        # pair), or for a reduction the index of the output.
        w, a = _worst(err, row if err.size <= row.size else np.arange(err.size, dtype=float))
        count += int(err.size)
        if w > worst:
            worst, at = w, a
        # Ordinary rows: finite entries only; ordinary outputs only.
        row_plain = bool(np.isfinite(row).all())
        out_plain = _ordinary(ref.astype(np.float64), dtype) if row_plain else None
        if out_plain is not None:
            plain_worst = max(plain_worst, _worst(err[out_plain], row[: err.size][out_plain])[0])
        for o in others:
            if o.name not in other_worst:
                continue
            try:
                y = o.value(label, row, dtype)
                oe = ulp_distance(y, ref, dtype)
                ow = _worst(oe, row[: y.size])[0]
                op = (
                    _worst(oe[out_plain], row[: y.size][out_plain])[0]
                    if out_plain is not None
                    else 0.0
                )
            except OtherDtype as exc:  # another dtype (on any row): the dtype instead
                other_dtype[o.name] = exc.dtype
                other_worst[o.name] = other_plain[o.name] = None
                continue
            except Exception:  # a library without this dtype or function: no figure
                other_worst[o.name] = other_plain[o.name] = None
                continue
            cur, curp = other_worst[o.name], other_plain[o.name]
            if cur is not None and curp is not None:
                other_worst[o.name] = max(cur, ow)
                other_plain[o.name] = max(curp, op)
    r = Row(label, dtype, "axis", worst, at, BOUNDS["axis"][dtype], count, plain_worst)
    r.others, r.others_ordinary = other_worst, other_plain
    r.others_dtype = other_dtype
    return r


# --------------------------------------------------------------------------- table / CLI


def _fmt_ulp(v: float | None) -> str:
    if v is None:
        return "-"
    if math.isinf(v):
        return "NaN/inf"
    if v >= 1e6:
        return f"{v:.1e}"
    return str(int(v))


def _fmt_other(r: Row, lib: str) -> str:
    """A library's figure in a row: its max ULP, "-" where it has none, or the
    dtype it returned where that is not the row's ("float32 result")."""
    if lib in r.others_dtype:
        return f"{r.others_dtype[lib]} result"
    return _fmt_ulp(r.others.get(lib))


def format_table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table: one line per function and kind, one column
    per dtype (actfn's max ULP, with the other libraries beside it)."""
    libs: list[str] = []
    for r in rows:
        for lib in r.others:
            if lib not in libs:
                libs.append(lib)
    dtypes = [d for d in DTYPES if any(r.dtype == d for r in rows)]
    keys: list[tuple[str, str]] = []
    cell: dict[tuple[str, str, str], Row] = {}
    for r in rows:
        k = (r.function, r.kind)
        if k not in keys:
            keys.append(k)
        cell[(r.function, r.kind, r.dtype)] = r
    head = ["function", "kind"]
    for d in dtypes:
        head.append(f"{d}" + (f" (actfn / {' / '.join(libs)})" if libs else ""))
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for fn, kind in keys:
        cells = [fn, kind]
        for d in dtypes:
            c = cell.get((fn, kind, d))
            if c is None:
                cells.append("")
                continue
            text = _fmt_ulp(c.max_ulp) + ("" if c.ok else " ✗")
            if libs:
                text += " / " + " / ".join(_fmt_other(c, lib) for lib in libs)
            cells.append(text)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_comparison(rows: Sequence[Row], dtype: str) -> str:
    """actfn beside the other libraries for one dtype, as a Markdown table.

    Each cell is "ordinary / whole range": the largest error over ordinary
    inputs (finite, zero or normal, with a zero or normal true value), then over
    the whole sample (subnormals, infinities and NaN included; "NaN/inf" marks a
    NaN or an infinity where the true value is not one, or the reverse).
    """
    libs: list[str] = []
    for r in rows:
        for lib in r.others:
            if lib not in libs:
                libs.append(lib)
    head = ["function", "kind", "actfn", *libs]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if r.dtype != dtype:
            continue
        cells = [r.function, r.kind, f"{_fmt_ulp(r.ordinary)} / {_fmt_ulp(r.max_ulp)}"]
        for lib in libs:
            if lib in r.others_dtype:
                cells.append(_fmt_other(r, lib))
                continue
            if lib not in r.others:
                cells.append("-")
                continue
            o, w = r.others_ordinary.get(lib), r.others.get(lib)
            cells.append("-" if w is None else f"{_fmt_ulp(o)} / {_fmt_ulp(w)}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_report(rows: Sequence[Row], command: str = "") -> str:
    """The accuracy page (docs/accuracy.md): method, bounds, the table of actfn's
    errors and, where measured, the comparison with other libraries."""
    import platform

    versions = [f"numpy {np.__version__}", f"mpmath {_mpmath().__version__}"]
    libs = sorted({lib for r in rows for lib in r.others})
    for lib in libs:
        mod = sys.modules.get(lib)
        if mod is not None:
            versions.append(f"{lib} {getattr(mod, '__version__', '?')}")
    bad = [r for r in rows if not r.ok]
    out = [
        "# Accuracy",
        "",
        "The largest error of every activation, in ULPs of the output dtype, against the",
        "correctly rounded true value (mpmath at a precision raised until two evaluations",
        "agree).  0 means correctly rounded at every input sampled, 1 faithful.",
        "",
        "The sample covers the whole floating-point range of each dtype: a dense grid",
        "near 0, points in every binade (subnormal ones included) up to the largest",
        "finite number on both sides, the edges where exp-like terms overflow or",
        "underflow, each function's kinks and their neighbours, and 0, -0, +-inf, NaN.",
        "Errors are counted as the distance between ordered integer representations,",
        "subnormals included; NaN where the true value is a number, or the reverse, is",
        "shown as NaN/inf.  Functions along an axis (normalizing ones such as softmax,",
        "gated ones such as glu and swiglu, and reductions such as logsumexp) are",
        "measured per output element on rows of up to 400 elements (10^4 with",
        "`--full`), including rows with +inf, -inf, all -inf and NaN; gated functions",
        "split each row into [a, b], and the reference takes the whole row.  The",
        "true value at an infinite entry is the limit: mpmath evaluates the function",
        "with +-2^1100 in its place (and -2^1200 for an entry a `where=` mask leaves",
        "out).  A derivative with no limit at +-inf (snake's) is compared with its",
        "value at the largest finite float64, where actfn takes it.",
        "",
        "Each function is measured with its default parameters and the settings in",
        "`actfn.accuracy.CONFIGS` (beta and threshold of softplus, a `where=` mask",
        "for softmax, log_softmax and logsumexp, ...); required parameters take the",
        "values of `SAMPLE_PARAMS` (prelu: alpha = 0.25; threshold: 0.5 and -1), and",
        "random ones a seed of 0 (gumbel_softmax: one row per call, the reference",
        "drawing the same noise).  Inputs outside a function's domain (log1mexp",
        "below 0) are measured too: the true value there is NaN.",
        "",
        "Bounds (asserted by tests/test_accuracy.py on the NumPy path and on the",
        "generic Array-API path):",
        "",
        "| kind | float16 | bfloat16 | float32 | float64 |",
        "|---|---|---|---|---|",
    ]
    for kind, b in BOUNDS.items():
        out.append(f"| {kind} | " + " | ".join(str(b[d]) for d in DTYPES) + " |")
    out += [
        "",
        "Produced by"
        + (f" `{command}`" if command else " actfn.accuracy.measure")
        + " with "
        + ", ".join(versions)
        + f" (Python {platform.python_version()}).",
        "",
        "## actfn, whole range",
        "",
        format_table([_without_others(r) for r in rows]),
        "",
    ]
    if bad:
        out += [
            "Bounds not met when this page was made (tests/test_accuracy.py asserts the",
            "bounds on both paths; its KNOWN_GAPS lists the gaps accepted for now, each",
            "with the figure and the reason; any other line here is a test failure):",
            "",
        ]
        out += [
            f"- {r.function} {r.kind} {r.dtype}: {_fmt_ulp(r.max_ulp)} ULP at x = {r.at!r} "
            f"(bound {r.bound})"
            for r in bad
        ]
        out.append("")
    zeros = [r for r in rows if r.zero_signs]
    out += [
        "## Signed zeros",
        "",
        "Where f(0) = 0, the sign of the zero f(-0) and f(+0) should have is that of f",
        "just beside it (the IEEE 754 rule of tanh and expm1: f(-0) = -0 where f < 0",
        "left of 0); where f is 0 on that side (relu left of 0), either zero is",
        "right.  The ULP counts above treat +0 and -0 as equal; the zeros of the",
        "other sign are listed here" + (":" if zeros else " (none)."),
        "",
    ]
    if zeros:
        # One line per function and mismatch, with the dtypes where it occurs.
        seen: dict[tuple[str, str], list[str]] = {}
        for r in zeros:
            seen.setdefault((r.function, "; ".join(r.zero_signs)), []).append(r.dtype)
        out += [f"- {fn}: {what} ({', '.join(ds)})" for (fn, what), ds in seen.items()]
        out.append("")
    if libs:
        out += [
            "## Beside PyTorch, JAX and Keras",
            "",
            "Each cell: the largest error over ordinary inputs (finite, zero or normal,",
            "with a zero or normal true value; for derivatives, not at a kink, where",
            "each library follows its own convention) / over the whole sample, where",
            "NaN/inf also counts derivatives that are not NaN at NaN.  The same inputs",
            "and references for every library; parameters set to actfn's defaults; '-'",
            "where a library has no such function or dtype.  Derivatives of the other",
            "libraries come from their autodiff (Keras's NumPy backend has none).  JAX's",
            "CPU backend flushes subnormals to zero, which shows in the whole-range",
            "figures.  A library whose result has another dtype than its input is not",
            "measured: the cell names the dtype it returned (Keras's NumPy backend",
            "computes most activations of float64 inputs in float32 and returns",
            'float32: "float32 result"; counting those results in float64 ULPs would',
            "only measure the float32 rounding).  A figure in the millions or more",
            "usually means a result of 0 (or of the wrong sign) where the true value is",
            "a small normal number: ULPs are counted through every float in between.",
            "",
        ]
        for d in DTYPES:
            if any(r.dtype == d for r in rows):
                out += [f"### {d}", "", format_comparison(rows, d), ""]
    return "\n".join(out)


def _without_others(r: Row) -> Row:
    """r without the other libraries (for actfn's own table)."""
    from dataclasses import replace

    return replace(r, others={}, others_ordinary={})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``actfn accuracy``."""
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help="activations to measure (default: all)"
    )
    parser.add_argument(
        "--dtype",
        action="append",
        choices=DTYPES,
        dest="dtypes",
        help="output dtype (repeatable; default: all four)",
    )
    parser.add_argument(
        "--full", action="store_true", help="the dense sample (every float16/bfloat16 value; slow)"
    )
    parser.add_argument(
        "--against",
        default="",
        help="compare with other libraries: a comma-separated list of "
        "torch, jax, keras (those not installed are skipped)",
    )
    parser.add_argument("--no-derivative", action="store_true", help="measure values only")
    parser.add_argument(
        "--backend",
        default="numpy",
        choices=("numpy", "array_api_strict", "torch"),
        help="array library actfn runs on (default: numpy, the fast path)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    parser.add_argument(
        "--markdown", metavar="FILE", help="also write the report page (docs/accuracy.md)"
    )


def run(args: argparse.Namespace) -> int:
    """``actfn accuracy``: print the table; exit status 1 if a bound is exceeded."""
    against = [a.strip() for a in (args.against or "").split(",") if a.strip()]
    for a in against:
        if a not in ("torch", "jax", "keras"):
            print(f"actfn accuracy: --against takes torch, jax, keras; got {a!r}", file=sys.stderr)
            return 2
    try:
        rows = measure(
            names=args.names or None,
            dtypes=tuple(args.dtypes or DTYPES),
            full=args.full,
            derivative=not args.no_derivative,
            against=against,
            backend=args.backend,
        )
    except (ValueError, ImportError) as exc:
        print(f"actfn accuracy: {exc}", file=sys.stderr)
        return 2
    print(format_table(rows))
    if any(r.others for r in rows):
        for d in DTYPES:
            if any(r.dtype == d for r in rows):
                print(
                    f"\n{d}: actfn and other libraries, max ULP (ordinary inputs / whole range)\n"
                )
                print(format_comparison(rows, d))
    bad = [r for r in rows if not r.ok]
    for r in bad:
        print(
            f"bound exceeded: {r.function} {r.kind} {r.dtype}: {_fmt_ulp(r.max_ulp)} ULP "
            f"at x = {r.at!r} (bound {r.bound})",
            file=sys.stderr,
        )
    if getattr(args, "markdown", None):
        command = "actfn accuracy " + " ".join(
            [*(args.names or []), *(f"--dtype {d}" for d in (args.dtypes or []))]
            + (["--full"] if args.full else [])
            + ([f"--against {','.join(against)}"] if against else [])
        )
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(markdown_report(rows, command.strip()) + "\n")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(
                [{**asdict(r), "ok": r.ok} for r in rows], fh, indent=1, default=lambda v: None
            )
    return 1 if bad else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m actfn.accuracy [NAMES...] [--dtype D ...] [--full] [--against ...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m actfn.accuracy",
        description="Measure the error of actfn's activations in ULPs against mpmath.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
