"""Exponential-linear units and the exponential: elu, selu, celu, exponential."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._activation import Param, Properties, Real, Reference, Spec, min_norm
from .._engine import temp

ELU_PAPER = Reference(
    "Clevert, Unterthiner & Hochreiter (2016), Fast and Accurate Deep Network Learning by "
    "Exponential Linear Units (ELUs), ICLR",
    "https://arxiv.org/abs/1511.07289",
)
SELU_PAPER = Reference(
    "Klambauer, Unterthiner, Mayr & Hochreiter (2017), Self-Normalizing Neural Networks, NeurIPS",
    "https://arxiv.org/abs/1706.02515",
)
CELU_PAPER = Reference(
    "Barron (2017), Continuously Differentiable Exponential Linear Units",
    "https://arxiv.org/abs/1704.07483",
)
KERAS_DOCS = Reference("Keras 3 API: activations", "https://keras.io/api/layers/activations/")

# SELU constants from Klambauer et al. (2017), as printed in Keras 3.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
# scale * alpha computed in 50-digit mpmath and rounded once (the product of the two
# rounded doubles would add a rounding).
SELU_SCALE_ALPHA = 1.7580993408473768


def _neg(xp: Any, x: Any) -> Any:
    # min(x, 0) keeping the sign of a zero x (so that f(-0) = alpha * expm1(-0) = -0,
    # as Keras, PyTorch and JAX give): the branch that where() discards is never fed
    # a value that overflows, so autodiff through it stays finite.
    return xp.where(x > 0.0, xp.zeros_like(x), x)


# ------------------------------------------------------------------------------ elu


def _elu_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # alpha * expm1(x): expm1 keeps full relative accuracy near 0 where exp(x) - 1
    # would cancel; one more rounding for the product.
    return xp.where(x > 0.0, x, p["alpha"] * xp.expm1(_neg(xp, x)))


def _elu_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    a = p["alpha"]
    one = xp.ones_like(x)
    d = xp.where(x > 0.0, one, a * xp.exp(_neg(xp, x)))
    return xp.where(x == 0.0, min_norm(a, 1.0) * one, d)


def _elu_kernel(x: Any, p: dict[str, Any]) -> Any:
    # NumPy kernel, same operations as _elu_value: t = alpha * expm1(min(x, 0)) is
    # exactly +-0 for x > 0 and max(x, -0.0) is exactly -0.0 for x <= 0, so
    # max(x, -0.0) + t selects each branch exactly, signed zeros included.
    t = np.minimum(0.0, x, out=temp(x, 0))  # (equal arguments give x: -0 stays -0)
    np.expm1(t, out=t)
    np.multiply(t, p["alpha"], out=t)
    np.maximum(x, -0.0, out=x)
    return np.add(x, t, out=x)


ELU = Spec(
    name="elu",
    family="exponential",
    summary="Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) below.",
    formula=r"f(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}",
    params=(Param("alpha", 1.0, Real(), "Scale α of the negative part; f(-inf) = -α."),),
    properties=Properties((-1.0, math.inf), "(-alpha, inf)", True, "C1", False),
    references=(ELU_PAPER,),
    numpy_value=_elu_kernel,
    value=_elu_value,
    derivative=_elu_derivative,
    mp=lambda mp, x, p: x if x > 0 else p["alpha"] * mp.expm1(x),
    mp_derivative=lambda mp, x, p: mp.mpf(1) if x > 0 else p["alpha"] * mp.exp(x),
    kinks=lambda p: (0.0,) if p["alpha"] != 1.0 else (),
    equivalents={
        "keras": "keras.activations.elu",
        "torch": "torch.nn.functional.elu",
        "jax": "jax.nn.elu",
    },
    details="Continuously differentiable for alpha = 1 only; monotonic for alpha >= 0.",
    examples=""">>> import actfn
>>> actfn.elu([-1.0, 0.0, 2.0])
array([-0.63212056,  0.        ,  2.        ])
>>> actfn.elu([-1e9], alpha=0.5)
array([-0.5])""",
)


# ----------------------------------------------------------------------------- selu


def _selu_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    return xp.where(x > 0.0, SELU_SCALE * x, SELU_SCALE_ALPHA * xp.expm1(_neg(xp, x)))


def _selu_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    one = xp.ones_like(x)
    d = xp.where(x > 0.0, SELU_SCALE * one, SELU_SCALE_ALPHA * xp.exp(_neg(xp, x)))
    return xp.where(x == 0.0, min_norm(SELU_SCALE_ALPHA, SELU_SCALE) * one, d)


def _selu_mp(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    scale = mp.mpf("1.0507009873554804934193349852946")
    alpha = mp.mpf("1.6732632423543772848170429916717")
    return scale * x if x > 0 else scale * alpha * mp.expm1(x)


def _selu_mp_derivative(mp: Any, x: Any, p: dict[str, Any]) -> Any:
    scale = mp.mpf("1.0507009873554804934193349852946")
    alpha = mp.mpf("1.6732632423543772848170429916717")
    return scale if x > 0 else scale * alpha * mp.exp(x)


def _selu_kernel(x: Any, p: dict[str, Any]) -> Any:
    # As _elu_kernel: SELU_SCALE * max(x, -0.0) + SELU_SCALE_ALPHA * expm1(min(x, 0)).
    t = np.minimum(0.0, x, out=temp(x, 0))  # (equal arguments give x: -0 stays -0)
    np.expm1(t, out=t)
    np.multiply(t, SELU_SCALE_ALPHA, out=t)
    np.maximum(x, -0.0, out=x)
    np.multiply(x, SELU_SCALE, out=x)
    return np.add(x, t, out=x)


SELU = Spec(
    name="selu",
    family="exponential",
    summary="Scaled exponential linear unit: scale * elu(x, alpha) with fixed constants.",
    formula=(
        r"f(x) = \lambda \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases},"
        r"\quad \alpha \approx 1.6733,\ \lambda \approx 1.0507"
    ),
    params=(),
    properties=Properties((-SELU_SCALE_ALPHA, math.inf), "(-1.7581, inf)", True, "C0", False),
    references=(SELU_PAPER,),
    numpy_value=_selu_kernel,
    value=_selu_value,
    derivative=_selu_derivative,
    mp=_selu_mp,
    mp_derivative=_selu_mp_derivative,
    kinks=lambda p: (0.0,),
    equivalents={
        "keras": "keras.activations.selu",
        "torch": "torch.nn.functional.selu",
        "jax": "jax.nn.selu",
    },
    details=(
        "alpha = 1.6732632423543772848170429916717 and "
        "scale = 1.0507009873554804934193349852946 (Klambauer et al. 2017).  Use with "
        "lecun_normal initialisation and alpha dropout for self-normalisation."
    ),
    examples=""">>> import actfn
>>> actfn.selu([-1e9, 1.0])
array([-1.75809934,  1.05070099])""",
)


# ----------------------------------------------------------------------------- celu


def _celu_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    a = p["alpha"]
    # max(x, 0) + alpha*expm1(min(x, 0)/alpha): one term is exactly 0 everywhere.
    # max(x, 0) as -0 for x <= 0, so that f(-0) = -0 + alpha * expm1(-0) = -0.
    return xp.where(x > 0.0, x, -xp.zeros_like(x)) + a * xp.expm1(_neg(xp, x) / a)


def _celu_derivative(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    # Continuous at 0 (both sides give 1): no kink.
    return xp.where(x > 0.0, xp.ones_like(x), xp.exp(_neg(xp, x) / p["alpha"]))


def _celu_kernel(x: Any, p: dict[str, Any]) -> Any:
    # The operations of _celu_value, in place.
    a = p["alpha"]
    t = np.minimum(0.0, x, out=temp(x, 0))  # (equal arguments give x: -0 stays -0)
    np.divide(t, a, out=t)
    np.expm1(t, out=t)
    np.multiply(t, a, out=t)
    np.maximum(x, -0.0, out=x)
    return np.add(x, t, out=x)


CELU = Spec(
    name="celu",
    family="exponential",
    summary="Continuously differentiable exponential linear unit.",
    formula=r"f(x) = \max(x, 0) + \alpha\,\big(e^{\min(x, 0)/\alpha} - 1\big)",
    params=(
        Param(
            "alpha",
            1.0,
            Real(lo=0.0, lo_open=True),
            "Scale α of the negative part, α > 0; f(-inf) = -α.",
        ),
    ),
    properties=Properties((-1.0, math.inf), "(-alpha, inf)", True, "C1", False),
    references=(CELU_PAPER,),
    numpy_value=_celu_kernel,
    value=_celu_value,
    derivative=_celu_derivative,
    mp=lambda mp, x, p: x if x > 0 else p["alpha"] * mp.expm1(x / p["alpha"]),
    mp_derivative=lambda mp, x, p: mp.mpf(1) if x > 0 else mp.exp(x / p["alpha"]),
    equivalents={
        "keras": "keras.activations.celu",
        "torch": "torch.nn.functional.celu",
        "jax": "jax.nn.celu",
    },
    differences=(
        "Keras and PyTorch accept alpha <= 0 (alpha = 0 divides by zero and returns NaN); "
        "actfn requires alpha > 0, the domain of Barron (2017), and says so."
    ),
    examples=""">>> import actfn
>>> actfn.celu([-1.0, 0.0, 2.0], alpha=2.0)
array([-0.78693868,  0.        ,  2.        ])""",
)


# ----------------------------------------------------------------------- exponential


def _exponential_kernel(x: Any, p: dict[str, Any]) -> Any:
    return np.exp(x, out=x)


EXPONENTIAL = Spec(
    name="exponential",
    family="exponential",
    summary="The exponential function e^x.",
    formula=r"f(x) = e^{x}",
    params=(),
    properties=Properties((0.0, math.inf), "(0, inf)", True, "C-inf", False),
    references=(KERAS_DOCS,),
    numpy_value=_exponential_kernel,
    value=lambda xp, x, p: xp.exp(x),
    derivative=lambda xp, x, p: xp.exp(x),
    mp=lambda mp, x, p: mp.exp(x),
    mp_derivative=lambda mp, x, p: mp.exp(x),
    equivalents={
        "keras": "keras.activations.exponential",
        "torch": "torch.exp",
        "jax": "jax.numpy.exp",
    },
    examples=""">>> import actfn
>>> actfn.exponential([0.0, 1.0])
array([1.        , 2.71828183])""",
)

SPECS = (ELU, SELU, CELU, EXPONENTIAL)
