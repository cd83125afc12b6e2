"""S-shaped functions: sigmoid, log_sigmoid, tanh, softsign and their hard forms."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _numerics as nm
from .._activation import Param, Properties, Real, Reference, Spec
from .._engine import temp
from .._kernels import exp_neg_abs, native, sigmoid_into

KERAS_DOCS = Reference("Keras 3 API: activations", "https://keras.io/api/layers/activations/")
HARD_SIGMOID_PAPER = Reference(
    "Howard et al. (2019), Searching for MobileNetV3, ICCV", "https://arxiv.org/abs/1905.02244"
)
LECUN = Reference(
    "LeCun, Bottou, Orr & Müller (1998), Efficient BackProp",
    "https://yann.lecun.com/exdb/publis/pdf/lecun-98b.pdf",
)
SOFTSIGN_PAPER = Reference(
    "Glorot & Bengio (2010), Understanding the difficulty of training deep feedforward "
    "neural networks, AISTATS",
    "https://proceedings.mlr.press/v9/glorot10a.html",
)
SPARSE_PAPER = Reference(
    "Blondel, Martins & Niculae (2020), Learning with Fenchel-Young Losses, JMLR",
    "https://arxiv.org/abs/1901.02324",
)
HARDTANH_PAPER = Reference(
    "Collobert (2004), Large Scale Machine Learning, PhD thesis, Université Paris VI",
    "https://ronan.collobert.com/pub/matos/2004_phdthesis_lip6.pdf",
)


def _sigmoid_mp(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    return 1 / (1 + mp.exp(-x))


def _sigmoid_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # s(x)(1 - s(x)) = e/(1 + e)^2 with e = exp(-|x|): no cancellation.
    return nm.sigmoid_derivative(xp, x)


def _sigmoid_kernel(x: Any, p: dict[str, Any]) -> Any:
    return sigmoid_into(x, temp(x, 0), 1)


SIGMOID = Spec(
    name="sigmoid",
    family="sigmoidal",
    summary="The logistic sigmoid 1 / (1 + exp(-x)).",
    formula=r"f(x) = \frac{1}{1 + e^{-x}}",
    params=(),
    properties=Properties((0.0, 1.0), "(0, 1)", True, "C-inf", False),
    references=(LECUN,),
    numpy_value=_sigmoid_kernel,
    value=lambda xp, x, p: nm.sigmoid(xp, x),
    derivative=_sigmoid_derivative,
    mp=_sigmoid_mp,
    mp_derivative=lambda mp, x, p: _sigmoid_mp(mp, x, p) * _sigmoid_mp(mp, -x, p),
    equivalents={
        "keras": "keras.activations.sigmoid",
        "torch": "torch.sigmoid",
        "jax": "jax.nn.sigmoid",
    },
    examples=""">>> import actfn
>>> actfn.sigmoid([-1.0, 0.0, 1.0])
array([0.26894142, 0.5       , 0.73105858])""",
)


# -------------------------------------------------------------------- hard_sigmoid


def _hard_sigmoid_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # (x + 3)/6 rather than x/6 + 1/2: near x = -3, x + 3 is exact (Sterbenz) and
    # the division rounds once, where x/6 + 0.5 would cancel.
    return xp.clip((x + 3.0) / 6.0, 0.0, 1.0)


def _hard_sigmoid_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # Kinks at -3 and 3: one side is flat, so the rule gives 0.
    d = xp.where((x > -3.0) & (x < 3.0), xp.full_like(x, 1.0 / 6.0), xp.zeros_like(x))
    return nm.propagate_nan(xp, x, d)


def _hard_sigmoid_kernel(x: Any, p: dict[str, Any]) -> Any:
    np.add(x, 3.0, out=x)
    np.divide(x, 6.0, out=x)
    return np.clip(x, 0.0, 1.0, out=x)


HARD_SIGMOID = Spec(
    name="hard_sigmoid",
    family="sigmoidal",
    summary="Piecewise-linear sigmoid: clip(x / 6 + 1/2, 0, 1).",
    formula=(
        r"f(x) = \begin{cases} 0 & x \le -3 \\ \frac{x}{6} + \frac{1}{2} & -3 < x < 3"
        r" \\ 1 & x \ge 3 \end{cases}"
    ),
    params=(),
    properties=Properties((0.0, 1.0), "[0, 1]", True, "C0", False),
    references=(HARD_SIGMOID_PAPER,),
    numpy_value=_hard_sigmoid_kernel,
    value=_hard_sigmoid_value,
    derivative=_hard_sigmoid_derivative,
    mp=lambda mp, x, p: min(max((x + 3) / 6, mp.mpf(0)), mp.mpf(1)),
    mp_derivative=lambda mp, x, p: mp.mpf(1) / 6 if -3 < x < 3 else mp.mpf(0),
    kinks=lambda p: (-3.0, 3.0),
    equivalents={
        "keras": "keras.activations.hard_sigmoid",
        "torch": "torch.nn.functional.hardsigmoid",
        "jax": "jax.nn.hard_sigmoid",
    },
    differences=(
        "Older Keras documentation describes 0.2 x + 0.5; Keras 3, PyTorch, JAX and actfn "
        "use x/6 + 1/2."
    ),
    examples=""">>> import actfn
>>> actfn.hard_sigmoid([-4.0, 0.0, 1.5, 4.0])
array([0.  , 0.5 , 0.75, 1.  ])""",
)


# --------------------------------------------------------------------- log_sigmoid


def _log_sigmoid_kernel(x: Any, p: dict[str, Any]) -> Any:
    # min(x, 0) - log1p(exp(-|x|)), as _numerics.log_sigmoid.
    t = exp_neg_abs(x, temp(x, 0))
    np.log1p(t, out=t)
    np.minimum(x, 0.0, out=x)
    return np.subtract(x, t, out=x)


LOG_SIGMOID = Spec(
    name="log_sigmoid",
    family="sigmoidal",
    summary="The logarithm of the sigmoid, -softplus(-x).",
    formula=r"f(x) = \log \frac{1}{1 + e^{-x}} = -\log(1 + e^{-x})",
    params=(),
    properties=Properties((-math.inf, 0.0), "(-inf, 0)", True, "C-inf", False),
    references=(KERAS_DOCS,),
    numpy_value=_log_sigmoid_kernel,
    value=lambda xp, x, p: nm.log_sigmoid(xp, x),
    derivative=lambda xp, x, p: nm.sigmoid(xp, -x),
    mp=lambda mp, x, p: -mp.log1p(mp.exp(-x)),
    mp_derivative=lambda mp, x, p: _sigmoid_mp(mp, -x, p),
    equivalents={
        "keras": "keras.activations.log_sigmoid",
        "torch": "torch.nn.functional.logsigmoid",
        "jax": "jax.nn.log_sigmoid",
    },
    examples=""">>> import actfn
>>> actfn.log_sigmoid([-1000.0, 0.0, 40.0])
array([-1.00000000e+03, -6.93147181e-01, -4.24835426e-18])""",
)


# ------------------------------------------------------------------ sparse_sigmoid


def _sparse_sigmoid_kernel(x: Any, p: dict[str, Any]) -> Any:
    np.add(x, 1.0, out=x)
    np.multiply(x, 0.5, out=x)
    return np.clip(x, 0.0, 1.0, out=x)


SPARSE_SIGMOID = Spec(
    name="sparse_sigmoid",
    family="sigmoidal",
    summary="Piecewise-linear sigmoid that reaches 0 and 1: clip((x + 1)/2, 0, 1).",
    formula=(
        r"f(x) = \begin{cases} 0 & x \le -1 \\ \frac{x + 1}{2} & -1 < x < 1 \\ 1 & x \ge 1"
        r" \end{cases}"
    ),
    params=(),
    properties=Properties((0.0, 1.0), "[0, 1]", True, "C0", False),
    references=(SPARSE_PAPER,),
    numpy_value=_sparse_sigmoid_kernel,
    # (x + 1) * 0.5: the sum rounds once and halving is exact.
    value=lambda xp, x, p: xp.clip((x + 1.0) * 0.5, 0.0, 1.0),
    derivative=lambda xp, x, p: nm.propagate_nan(
        xp, x, xp.where((x > -1.0) & (x < 1.0), xp.full_like(x, 0.5), xp.zeros_like(x))
    ),
    mp=lambda mp, x, p: min(max((x + 1) / 2, mp.mpf(0)), mp.mpf(1)),
    mp_derivative=lambda mp, x, p: mp.mpf(0.5) if -1 < x < 1 else mp.mpf(0),
    kinks=lambda p: (-1.0, 1.0),
    equivalents={"keras": "keras.activations.sparse_sigmoid", "jax": "jax.nn.sparse_sigmoid"},
    details="The derivative of sparse_plus.",
    examples=""">>> import actfn
>>> actfn.sparse_sigmoid([-2.0, 0.0, 0.5, 2.0])
array([0.  , 0.5 , 0.75, 1.  ])""",
)


# ------------------------------------------------------------------------------ tanh


def _tanh_kernel(x: Any, p: dict[str, Any]) -> Any:
    return np.tanh(x, out=x)


TANH = Spec(
    name="tanh",
    family="sigmoidal",
    summary="The hyperbolic tangent.",
    formula=r"f(x) = \tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
    params=(),
    properties=Properties((-1.0, 1.0), "(-1, 1)", True, "C-inf", True),
    references=(LECUN,),
    numpy_value=_tanh_kernel,
    value=lambda xp, x, p: xp.tanh(x),
    derivative=lambda xp, x, p: nm.sech2(xp, x),
    mp=lambda mp, x, p: mp.tanh(x),
    mp_derivative=lambda mp, x, p: mp.sech(x) ** 2,
    equivalents={"keras": "keras.activations.tanh", "torch": "torch.tanh", "jax": "jax.numpy.tanh"},
    examples=""">>> import actfn
>>> actfn.tanh([-1.0, 0.0, 1.0])
array([-0.76159416,  0.        ,  0.76159416])""",
)


# ------------------------------------------------------------------------ hard_tanh


def _hard_tanh_check(fname: str, p: dict[str, Any]) -> None:
    if p["min_val"] > p["max_val"]:
        raise ValueError(
            f"{fname}: min_val={p['min_val']!r} must not exceed max_val={p['max_val']!r}"
        )


# Bounds that float32 represents without overflow: clipping to their float32
# roundings, then rounding, gives what clipping in float64 and rounding gives.
@native(lambda p: max(abs(p["min_val"]), abs(p["max_val"])) <= 3e38)
def _hard_tanh_kernel(x: Any, p: dict[str, Any]) -> Any:
    return np.clip(x, p["min_val"], p["max_val"], out=x)


HARD_TANH = Spec(
    name="hard_tanh",
    family="sigmoidal",
    summary="Piecewise-linear tanh: x clipped to [min_val, max_val] (default [-1, 1]).",
    formula=(r"f(x) = \begin{cases} l & x \le l \\ x & l < x < u \\ u & x \ge u \end{cases}"),
    params=(
        Param("min_val", -1.0, Real(), "Lower bound l of the output."),
        Param("max_val", 1.0, Real(), "Upper bound u of the output, u >= l."),
    ),
    properties=Properties((-1.0, 1.0), "[-1, 1]", True, "C0", True),
    references=(HARDTANH_PAPER,),
    numpy_value=_hard_tanh_kernel,
    value=lambda xp, x, p: xp.clip(x, p["min_val"], p["max_val"]),
    # Kinks at l and u: one side is flat, so the rule gives 0.
    derivative=lambda xp, x, p: nm.propagate_nan(
        xp, x, xp.astype((x > p["min_val"]) & (x < p["max_val"]), x.dtype)
    ),
    mp=lambda mp, x, p: min(max(x, mp.mpf(p["min_val"])), mp.mpf(p["max_val"])),
    mp_derivative=lambda mp, x, p: mp.mpf(1 if p["min_val"] < x < p["max_val"] else 0),
    kinks=lambda p: (p["min_val"], p["max_val"]),
    check=_hard_tanh_check,
    equivalents={
        "keras": "keras.activations.hard_tanh",
        "torch": "torch.nn.functional.hardtanh",
        "jax": "jax.nn.hard_tanh",
    },
    differences="Keras's hard_tanh has no bounds parameters; min_val and max_val come "
    "from PyTorch's hardtanh, with the same defaults.",
    examples=""">>> import actfn
>>> actfn.hard_tanh([-3.0, 0.5, 3.0])
array([-1. ,  0.5,  1. ])""",
)


# ------------------------------------------------------------------------- softsign


def _softsign_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # x/(1 + |x|) with x clipped to +-_SOFTSIGN_CLIP: beyond it the quotient rounds
    # to +-1, the limit at +-inf (where x/(1 + |x|) would be inf/inf); NaN passes
    # the clip, -0 gives -0.  (No select on sign(x): torch.func.vmap cannot batch
    # array_api_compat's sign, which writes through a boolean mask.)
    xc = xp.clip(x, -_SOFTSIGN_CLIP, _SOFTSIGN_CLIP)
    return xc / (1.0 + xp.abs(xc))


def _softsign_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # (1/(1 + |x|))^2 rather than 1/(1 + |x|)^2: the square of the reciprocal
    # does not overflow to give 0 where the true value is a subnormal.
    r = 1.0 / (1.0 + xp.abs(x))
    return r * r


# Beyond 2^60, x/(1 + |x|) rounds to +-1 in float64; clipping there first makes
# +-inf give +-1 without a select (the generic form's special case).
_SOFTSIGN_CLIP = 2.0**60


def _softsign_kernel(x: Any, p: dict[str, Any]) -> Any:
    np.clip(x, -_SOFTSIGN_CLIP, _SOFTSIGN_CLIP, out=x)
    t = np.abs(x, out=temp(x, 0))
    np.add(t, 1.0, out=t)
    return np.divide(x, t, out=t)


SOFTSIGN = Spec(
    name="softsign",
    family="sigmoidal",
    summary="x / (1 + |x|): a sigmoidal curve with polynomial tails.",
    formula=r"f(x) = \frac{x}{1 + |x|}",
    params=(),
    properties=Properties((-1.0, 1.0), "(-1, 1)", True, "C1", True),
    references=(SOFTSIGN_PAPER,),
    numpy_value=_softsign_kernel,
    value=_softsign_value,
    derivative=_softsign_derivative,
    mp=lambda mp, x, p: x / (1 + abs(x)),
    mp_derivative=lambda mp, x, p: 1 / (1 + abs(x)) ** 2,
    equivalents={
        "keras": "keras.activations.softsign",
        "torch": "torch.nn.functional.softsign",
        "jax": "jax.nn.soft_sign",
    },
    examples=""">>> import actfn
>>> actfn.softsign([-3.0, 0.0, 1.0])
array([-0.75,  0.  ,  0.5 ])""",
)

SPECS = (SIGMOID, HARD_SIGMOID, LOG_SIGMOID, SPARSE_SIGMOID, TANH, HARD_TANH, SOFTSIGN)
