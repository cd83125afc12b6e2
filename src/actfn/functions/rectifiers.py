"""Piecewise-linear rectifiers: relu, leaky_relu, relu6, threshold, linear."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import _numerics as nm
from .._activation import REQUIRED, Param, Properties, Real, Reference, Spec, min_norm
from .._engine import temp
from .._kernels import mask, native, not_above, select

RELU_PAPER = Reference(
    "Nair & Hinton (2010), Rectified Linear Units Improve Restricted Boltzmann Machines, ICML",
    "https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf",
)
LEAKY_PAPER = Reference(
    "Maas, Hannun & Ng (2013), Rectifier Nonlinearities Improve Neural Network Acoustic "
    "Models, ICML workshop",
    "https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf",
)
RELU6_PAPER = Reference(
    "Krizhevsky (2010), Convolutional Deep Belief Networks on CIFAR-10",
    "https://www.cs.toronto.edu/~kriz/conv-cifar10-aug2010.pdf",
)
KERAS_DOCS = Reference("Keras 3 API: activations", "https://keras.io/api/layers/activations/")


# ----------------------------------------------------------------------------- relu


def _relu_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    t, ns, mv = p["threshold"], p["negative_slope"], p["max_value"]
    # Keras 3: x * [x > t] (or max(x, 0) when t = 0), clipped to [0, max_value]
    # when max_value is given, minus negative_slope * max(t - x, 0).
    # x * [x > t] as where(x <= t, 0 with the sign of x, x): the same signed zeros
    # as Keras, but -inf gives -0 (not -inf * 0 = NaN) and NaN stays NaN.
    zero = xp.copysign(xp.zeros_like(x), x)
    pos = xp.maximum(x, 0.0) if t == 0.0 else xp.where(x <= t, zero, x)
    if mv is not None:
        pos = xp.clip(pos, 0.0, mv)
    if ns == 0.0:
        return pos
    return pos - ns * xp.maximum(t - x, 0.0)


def _relu_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    t, ns, mv = p["threshold"], p["negative_slope"], p["max_value"]
    one = xp.ones_like(x)
    zero = xp.zeros_like(x)
    # Away from the kinks: 1 where the positive part passes x through, ns where
    # the negative part is active.
    passes = x > t
    if mv is not None:
        passes = passes & (x > 0.0) & (x < mv)
    d = xp.where(passes, one, zero) + xp.where(x < t, ns * one, zero)
    for k in _relu_kinks(p):
        left = _relu_slope(k, p, -1)
        right = _relu_slope(k, p, +1)
        d = xp.where(x == k, min_norm(left, right) * one, d)
    return nm.propagate_nan(xp, x, d)


def _relu_slope(k: float, p: Mapping[str, Any], side: int) -> float:
    """One-sided derivative of relu at k, from the side given (-1 left, +1 right)."""
    t, ns, mv = p["threshold"], p["negative_slope"], p["max_value"]
    x = k + side * (abs(k) + 1.0) * 1e-9  # any point strictly inside the piece
    passes = x > t and (mv is None or 0.0 < x < mv)
    return (1.0 if passes else 0.0) + (ns if x < t else 0.0)


def _relu_kinks(p: Mapping[str, Any]) -> list[float]:
    t, mv = p["threshold"], p["max_value"]
    ks = {t}
    if mv is not None:
        ks |= {0.0, mv} if t < 0.0 else {mv}
    return sorted(ks)


def _relu_mp_derivative(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    t, ns, mv = p["threshold"], p["negative_slope"], p["max_value"]
    passes = x > t and (mv is None or 0 < x < mv)
    return mp.mpf((1 if passes else 0) + (ns if x < t else 0))


def _relu_mp(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    t, ns, mv = p["threshold"], p["negative_slope"], p["max_value"]
    pos = x if x > t else mp.mpf(0)
    if t == 0:
        pos = max(x, mp.mpf(0))
    if mv is not None:
        pos = min(max(pos, mp.mpf(0)), mp.mpf(mv))
    return pos - ns * max(t - x, mp.mpf(0))


@native(lambda p: p["threshold"] == 0.0 and p["negative_slope"] == 0.0 and p["max_value"] is None)
def _relu_kernel(x: Any, p: dict[str, Any]) -> Any:
    # NumPy kernel: max(x, 0) in place for the default parameters.
    if p["threshold"] == 0.0 and p["negative_slope"] == 0.0 and p["max_value"] is None:
        return np.maximum(x, 0.0, out=x)
    return _relu_value(np, x, p)


RELU = Spec(
    name="relu",
    family="rectifiers",
    summary="Rectified linear unit, with Keras's negative slope, cap and threshold.",
    formula=(
        r"f(x) = \operatorname{clip}\big(x\,[x > \theta],\ 0,\ m\big)"
        r" - a\,\max(\theta - x,\ 0)"
    ),
    params=(
        Param("negative_slope", 0.0, Real(), "Slope a of the part below the threshold."),
        Param(
            "max_value", None, Real(lo=0.0, optional=True), "Cap m on the output; None for no cap."
        ),
        Param(
            "threshold", 0.0, Real(), "Threshold θ: inputs at or below it are not passed through."
        ),
    ),
    properties=Properties((0.0, math.inf), "[0, inf)", True, "C0", False),
    references=(RELU_PAPER,),
    numpy_value=_relu_kernel,
    value=_relu_value,
    derivative=_relu_derivative,
    mp=_relu_mp,
    mp_derivative=_relu_mp_derivative,
    kinks=_relu_kinks,
    equivalents={
        "keras": "keras.activations.relu",
        "torch": "torch.nn.functional.relu",
        "jax": "jax.nn.relu",
    },
    details=(
        "With the default parameters this is max(x, 0).  The threshold comparison is "
        "strict: relu([5, 5.1], threshold=5) gives [0, 5.1].  The cap applies only "
        "when max_value is given.  The output range above is for the defaults."
    ),
    differences=(
        "PyTorch's and JAX's relu take no parameters; Keras's relu(x, negative_slope, "
        "max_value, threshold) is reproduced exactly, signed zeros included."
    ),
    examples=""">>> import actfn
>>> x = [-10.0, -5.0, 0.0, 5.0, 10.0]
>>> actfn.relu(x)
array([ 0.,  0.,  0.,  5., 10.])
>>> actfn.relu(x, negative_slope=0.5)
array([-5. , -2.5,  0. ,  5. , 10. ])
>>> actfn.relu(x, max_value=5.0)
array([0., 0., 0., 5., 5.])
>>> actfn.relu(x, threshold=5.0)
array([-0., -0.,  0.,  0., 10.])
>>> actfn.relu(x, negative_slope=0.5, max_value=5.0, threshold=5.0)
array([-7.5, -5. , -2.5,  0. ,  5. ])""",
)


# ------------------------------------------------------------------------ leaky_relu


def _leaky_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # x if x >= 0 else a*x: correct for any slope (max(x, a*x) is not when a > 1).
    a = p["negative_slope"]
    # a = 0: 0 * x (-0 for x < 0, NaN for NaN) except 0 * -inf = NaN: there -0.
    below = a * x if a != 0.0 else xp.where(xp.isinf(x), -xp.zeros_like(x), 0.0 * x)
    # Selected by the sign bit: -0 takes a * -0 (the sign of f just left of 0,
    # +0 for a < 0), +0 stays +0; NaN is NaN either way.
    return xp.where(xp.signbit(x), below, x)


def _leaky_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    a = p["negative_slope"]
    one = xp.ones_like(x)
    d = xp.where(x > 0.0, one, a * one)
    return nm.propagate_nan(xp, x, xp.where(x == 0.0, min_norm(a, 1.0) * one, d))


def _leaky_kernel(x: Any, p: dict[str, Any]) -> Any:
    # x if x >= 0 else a*x without a select: for 0 < a <= 1 that is max(a*x, x),
    # for a > 1 min(a*x, x) (equal arguments give the second, x, as the generic
    # form does for x = -0).
    a = p["negative_slope"]
    if a <= 0.0:  # (for a < 0 the selects below would give f(+-0) the wrong signs)
        return _leaky_value(np, x, p)
    t = np.multiply(x, a, out=temp(x, 0))
    if a > 1.0:
        return np.minimum(t, x, out=t)
    return np.maximum(t, x, out=t)


LEAKY_RELU = Spec(
    name="leaky_relu",
    family="rectifiers",
    summary="Leaky rectified linear unit: x for x >= 0, a small slope times x below.",
    formula=r"f(x) = \begin{cases} x & x \ge 0 \\ a\,x & x < 0 \end{cases}",
    params=(Param("negative_slope", 0.2, Real(), "Slope a for negative inputs."),),
    properties=Properties((-math.inf, math.inf), "(-inf, inf)", True, "C0", False),
    references=(LEAKY_PAPER,),
    numpy_value=_leaky_kernel,
    value=_leaky_value,
    derivative=_leaky_derivative,
    mp=lambda mp, x, p: x if x >= 0 else p["negative_slope"] * x,
    mp_derivative=lambda mp, x, p: mp.mpf(1) if x > 0 else mp.mpf(p["negative_slope"]),
    kinks=lambda p: (0.0,),
    equivalents={
        "keras": "keras.activations.leaky_relu",
        "torch": "torch.nn.functional.leaky_relu",
        "jax": "jax.nn.leaky_relu",
    },
    differences=(
        "Keras's default slope is 0.2 (its LeakyReLU layer uses 0.3; PyTorch and JAX use "
        "0.01).  Keras's NumPy backend computes max(x, a*x), which is wrong for a > 1; "
        "actfn is correct for every slope.  Monotonic only for a >= 0."
    ),
    examples=""">>> import actfn
>>> actfn.leaky_relu([-2.0, 0.0, 3.0])
array([-0.4,  0. ,  3. ])
>>> actfn.leaky_relu([-2.0, 3.0], negative_slope=2.0)
array([-4.,  3.])""",
)


# ---------------------------------------------------------------------------- relu6


def _relu6_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # Kinks at 0 and 6: the rule gives 0 at both (one side is flat).
    return nm.propagate_nan(xp, x, xp.astype((x > 0.0) & (x < 6.0), x.dtype))


@native()
def _relu6_kernel(x: Any, p: dict[str, Any]) -> Any:
    return np.clip(x, 0.0, 6.0, out=x)


RELU6 = Spec(
    name="relu6",
    family="rectifiers",
    summary="Rectified linear unit capped at 6: min(max(x, 0), 6).",
    formula=r"f(x) = \min(\max(x, 0), 6)",
    params=(),
    properties=Properties((0.0, 6.0), "[0, 6]", True, "C0", False),
    references=(RELU6_PAPER,),
    numpy_value=_relu6_kernel,
    value=lambda xp, x, p: xp.clip(x, 0.0, 6.0),
    derivative=_relu6_derivative,
    mp=lambda mp, x, p: min(max(x, mp.mpf(0)), mp.mpf(6)),
    mp_derivative=lambda mp, x, p: mp.mpf(1 if 0 < x < 6 else 0),
    kinks=lambda p: (0.0, 6.0),
    equivalents={
        "keras": "keras.activations.relu6",
        "torch": "torch.nn.functional.relu6",
        "jax": "jax.nn.relu6",
    },
    examples=""">>> import actfn
>>> actfn.relu6([-1.0, 3.0, 8.0])
array([0., 3., 6.])""",
)


# ------------------------------------------------------------------------ threshold


# Exact in float32 too: x > threshold is decided exactly (not_above) and
# default_value is rounded once to the block's dtype, as the final rounding would.
@native()
def _threshold_kernel(x: Any, p: dict[str, Any]) -> Any:
    # default_value where x <= threshold, x elsewhere (NaN included), as the generic form.
    low = np.less_equal(x, not_above(p["threshold"], x.dtype), out=mask(x, 0))
    with np.errstate(over="ignore"):
        v = np.array(p["default_value"], dtype=x.dtype)
    return select(x, low, v[()], 1, invert=True)


THRESHOLD = Spec(
    name="threshold",
    sample_params={"threshold": 0.5, "default_value": -1.0},
    family="rectifiers",
    summary="x where x exceeds a threshold, a fixed value elsewhere.",
    formula=(r"f(x) = \begin{cases} x & x > \theta \\ v & x \le \theta \end{cases}"),
    params=(
        Param("threshold", REQUIRED, Real(), "Threshold θ; inputs above it pass through."),
        Param(
            "default_value",
            REQUIRED,
            Real(finite=False),
            "Value v given to inputs at or below the threshold.",
        ),
    ),
    # For threshold=0.5, default_value=-1, as in the examples: the values are -1 and
    # (0.5, inf), non-decreasing, with a jump at 0.5.
    properties=Properties(
        (-1.0, math.inf), "{v} and (threshold, inf)", True, "discontinuous", False
    ),
    references=(KERAS_DOCS,),
    numpy_value=_threshold_kernel,
    # x <= threshold selects the default, so NaN stays NaN.
    value=lambda xp, x, p: xp.where(x <= p["threshold"], xp.full_like(x, p["default_value"]), x),
    # At the jump the pieces have slopes 0 and 1: the rule gives 0.
    derivative=lambda xp, x, p: nm.propagate_nan(xp, x, xp.astype(x > p["threshold"], x.dtype)),
    mp=lambda mp, x, p: x if x > p["threshold"] else mp.mpf(p["default_value"]),
    mp_derivative=lambda mp, x, p: mp.mpf(1 if x > p["threshold"] else 0),
    kinks=lambda p: (p["threshold"],),
    equivalents={"keras": "keras.activations.threshold", "torch": "torch.nn.functional.threshold"},
    details="Monotonic when default_value <= threshold; the properties listed are for "
    "threshold=0.5, default_value=-1.",
    differences="PyTorch's threshold(input, threshold, value) is the same function.",
    examples=""">>> import actfn
>>> actfn.threshold([-1.0, 0.5, 2.0], 0.5, -9.0)
array([-9., -9.,  2.])""",
)


@native()
def _linear_kernel(x: Any, p: dict[str, Any]) -> Any:
    return x


LINEAR = Spec(
    name="linear",
    family="rectifiers",
    summary="The identity: returns its input unchanged (as a new array).",
    formula=r"f(x) = x",
    params=(),
    properties=Properties((-math.inf, math.inf), "(-inf, inf)", True, "C-inf", True),
    references=(KERAS_DOCS,),
    numpy_value=_linear_kernel,
    value=lambda xp, x, p: xp.asarray(x, copy=True),
    derivative=lambda xp, x, p: nm.propagate_nan(xp, x, xp.ones_like(x)),
    mp=lambda mp, x, p: x,
    mp_derivative=lambda mp, x, p: mp.mpf(1),
    equivalents={
        "keras": "keras.activations.linear",
        "torch": "torch.nn.Identity",
        "jax": "jax.numpy.asarray",
    },
    details="get(None) returns linear, as in Keras.",
    examples=""">>> import actfn
>>> actfn.linear([-1.5, 2.0])
array([-1.5,  2. ])""",
)

SPECS = (RELU, LEAKY_RELU, RELU6, THRESHOLD, LINEAR)
