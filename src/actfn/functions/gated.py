"""GLU variants from Shazeer (2020): swiglu, geglu and reglu.

Each splits x into halves a and b along an axis, as glu does, and gates a by
an activation of b: silu, gelu or relu in place of glu's sigmoid.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from .. import _numerics as nm
from .._activation import Axis, Boolean, Param, Properties, Reference, Spec, normalize_axes
from .normalizing import _halves
from .smooth import GELU, SILU

SHAZEER = Reference(
    "Shazeer (2020), GLU Variants Improve Transformer", "https://arxiv.org/abs/2002.05202"
)
_AXIS = Param("axis", -1, Axis(), "Axis along which x is split into halves a and b.")
_SPLIT_TEXT = (
    "x is split into halves a and b along axis, as in glu; the output has half the size "
    "along that axis.  An odd size is a ValueError.  The vjp returns the cotangents of "
    "both halves, concatenated along axis."
)


def _out_shape(fname: str) -> Callable[[tuple[int, ...], Mapping[str, Any]], tuple[int, ...]]:
    def shape(s: tuple[int, ...], p: Mapping[str, Any]) -> tuple[int, ...]:
        (a,) = normalize_axes(fname, "axis", p["axis"], len(s))
        if s[a] % 2:
            raise ValueError(
                f"{fname}: the size of axis {p['axis']} must be even (divisible by 2) to "
                f"split x into halves; got {s[a]}"
            )
        return tuple(n // 2 if i == a else n for i, n in enumerate(s))

    return shape


def _gated(
    fname: str,
    act: Callable[[Any, Any, dict[str, Any]], Any],
    dact: Callable[[Any, Any, dict[str, Any]], Any],
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """value and vjp of a * act(b) for x = [a, b] along axis."""

    def value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
        a, b, _ = _halves(fname, xp, x, p["axis"])
        return a * act(xp, b, p)

    def vjp(xp: Any, x: Any, g: Any, p: dict[str, Any]) -> Any:
        a, b, ax = _halves(fname, xp, x, p["axis"])
        return xp.concat([g * act(xp, b, p), g * a * dact(xp, b, p)], axis=ax)

    return value, vjp


def _silu(xp: Any, b: Any, p: dict[str, Any]) -> Any:
    return SILU.value(xp, b, {})


def _dsilu(xp: Any, b: Any, p: dict[str, Any]) -> Any:
    assert SILU.derivative is not None
    return SILU.derivative(xp, b, {})


def _gelu(xp: Any, b: Any, p: dict[str, Any]) -> Any:
    return GELU.value(xp, b, {"approximate": p["approximate"]})


def _dgelu(xp: Any, b: Any, p: dict[str, Any]) -> Any:
    assert GELU.derivative is not None
    return GELU.derivative(xp, b, {"approximate": p["approximate"]})


def _relu(xp: Any, b: Any, p: dict[str, Any]) -> Any:
    return xp.maximum(b, 0.0)


def _drelu(xp: Any, b: Any, p: dict[str, Any]) -> Any:
    # Kink at 0: sides 0 and 1, the rule gives 0.
    return xp.astype(b > 0.0, b.dtype)


def _mp_gated(gate: Callable[[Any, Any, dict[str, Any]], Any]) -> Callable[..., list[Any]]:
    def mp_row(mp: Any, row: list[Any], p: dict[str, Any]) -> list[Any]:
        h = len(row) // 2
        return [row[i] * gate(mp, row[h + i], p) for i in range(h)]

    return mp_row


def _mp_gelu(mp: Any, b: Any, p: dict[str, Any]) -> Any:
    assert GELU.mp is not None
    return GELU.mp(mp, b, p)


_SWIGLU = _gated("swiglu", _silu, _dsilu)


def _swiglu_value(xp: Any, x: Any, p: dict[str, Any]) -> Any:
    r = _SWIGLU[0](xp, x, p)
    # Below b = -700 silu(b) = b e^b / (1 + e^b) is subnormal or close to it, so
    # a * silu(b) would multiply a by a number rounded to few bits (184 ULP
    # measured).  There (a b) e^b is formed by times_exp, which does not round
    # e^b first; a b is exact to 1/2 ULP (and where it overflows, the plain form).
    a, b, _ = _halves("swiglu", xp, x, p["axis"])
    tail = b < -700.0
    bt = xp.where(tail, b, xp.zeros_like(b))
    ab = a * bt
    t = nm.times_exp(xp, ab, bt) / (1.0 + xp.exp(bt))
    return xp.where(tail & xp.isfinite(ab), t, r)


_GEGLU = _gated("geglu", _gelu, _dgelu)
_REGLU = _gated("reglu", _relu, _drelu)
_RANGE = Properties((-math.inf, math.inf), "(-inf, inf)", False, "C-inf", False)

SWIGLU = Spec(
    name="swiglu",
    family="gated",
    kind="gated",
    summary="SwiGLU: the first half of x gated by silu (swish) of the second.",
    formula=r"f(x) = a \otimes \operatorname{silu}(b) = \frac{a\,b}{1 + e^{-b}},"
    r"\quad x = [a, b]",
    params=(_AXIS,),
    properties=_RANGE,
    references=(SHAZEER,),
    value=_swiglu_value,
    vjp=_SWIGLU[1],
    mp=_mp_gated(lambda mp, b, p: b / (1 + mp.exp(-b))),
    out_shape=_out_shape("swiglu"),
    details=_SPLIT_TEXT + "  In a transformer feed-forward block the two halves come "
    "from two projections xW and xV (Shazeer 2020); concatenate them to use this "
    "function.",
    differences="Not in Keras, PyTorch or JAX as a function; it is usually written "
    "silu(x @ W) * (x @ V) (actfn's halves are [a, b] = [x @ V, x @ W]).",
    examples=""">>> import actfn
>>> actfn.swiglu([2.0, 3.0, 0.0, 1.0])
array([0.        , 2.19317574])""",
)

GEGLU = Spec(
    name="geglu",
    family="gated",
    kind="gated",
    summary="GEGLU: the first half of x gated by gelu of the second.",
    formula=r"f(x) = a \otimes \operatorname{gelu}(b), \quad x = [a, b]",
    params=(
        _AXIS,
        Param("approximate", False, Boolean(), "If True, use gelu's tanh approximation (as gelu)."),
    ),
    properties=_RANGE,
    references=(SHAZEER,),
    value=_GEGLU[0],
    vjp=_GEGLU[1],
    mp=_mp_gated(_mp_gelu),
    out_shape=_out_shape("geglu"),
    details=_SPLIT_TEXT + "  gelu is actfn's gelu, exact (erfc form) by default.",
    differences="Not in Keras, PyTorch or JAX as a function.",
    examples=""">>> import actfn
>>> actfn.geglu([2.0, 3.0, 0.0, 1.0])
array([0.        , 2.52403424])""",
)

REGLU = Spec(
    name="reglu",
    family="gated",
    kind="gated",
    summary="ReGLU: the first half of x gated by relu of the second.",
    formula=r"f(x) = a \otimes \max(b, 0), \quad x = [a, b]",
    params=(_AXIS,),
    properties=Properties((-math.inf, math.inf), "(-inf, inf)", False, "C0", False),
    references=(SHAZEER,),
    value=_REGLU[0],
    vjp=_REGLU[1],
    mp=_mp_gated(lambda mp, b, p: max(b, mp.mpf(0))),
    out_shape=_out_shape("reglu"),
    details=_SPLIT_TEXT + "  At b = 0 the derivative with respect to b is 0 (the kink rule).",
    differences="Not in Keras, PyTorch or JAX as a function.",
    examples=""">>> import actfn
>>> actfn.reglu([2.0, 3.0, -1.0, 1.0])
array([0., 3.])""",
)

SPECS = (SWIGLU, GEGLU, REGLU)
