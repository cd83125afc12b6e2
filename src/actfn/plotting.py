"""Curves of activations for plots: sampling (NumPy only) and matplotlib figures.

Elementwise activations are sampled directly.  An activation along an axis is shown
on a representative one-dimensional slice: the first output of ``f([x, 0])`` for the
normalizing ones (softmax of [x, 0] is the sigmoid of x) and ``f([x, x])`` for the
gated ones (glu([x, x]) = x σ(x)); the derivative is d/dx of that slice, from the vjp.

matplotlib is imported only by :func:`plot` (the ``plot`` extra); the site builder
uses the sampling functions and draws its own SVG.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import actfn

from .gallery.records import differs, is_required

__all__ = [
    "FORMATS",
    "Curve",
    "curve",
    "display_params",
    "illustrative_params",
    "slice_description",
    "y_limits",
]

#: File formats :func:`plot` writes, by suffix.
FORMATS = ("png", "svg", "pdf")

# Parameters used to draw an activation whose parameters have no default.  An
# activation missing here gets a value from its parameter's domain (see below).

# How an axis activation is cut to a function of one variable: the input row as
# coefficients of x (plus zeros) and the output entry shown.
_SLICES: dict[str, tuple[tuple[float, ...], str]] = {
    "normalizing": ((1.0, 0.0), "first output of {name}([x, 0])"),
    "gated": ((1.0, 1.0), "{name}([x, x])"),
    "reduction": ((1.0, 0.0), "{name}([x, 0])"),
}


def illustrative_params(f: actfn.Activation) -> dict[str, Any]:
    """Parameters to draw ``f`` with: its defaults, and a value for each required one."""
    chosen = dict(f.spec.sample_params)
    out: dict[str, Any] = {}
    for p in f.params:
        default = f.defaults[p.name]
        if p.name in chosen:
            out[p.name] = chosen[p.name]
        elif is_required(default):
            out[p.name] = _value_in(p.domain)
        elif default is None and "seed" in p.domain.describe():
            out[p.name] = 0  # a random activation: a fixed seed draws the same curve each time
        else:
            out[p.name] = default
    return out


def _value_in(domain: Any) -> Any:
    """A simple value inside a parameter's domain: 0 where allowed."""
    lo = getattr(domain, "lo", None)
    if lo is None:  # Boolean (or Axis) domain
        return False if domain.describe() == "True or False" else -1
    hi = domain.hi
    v = 0.0 if lo <= 0.0 <= hi else float(lo)
    if (domain.lo_open and v == lo) or (domain.nonzero and v == 0.0):
        v += 1.0 if hi - v > 1.0 else (hi - v) / 2
    return v


def display_params(f: actfn.Activation, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters that change the curve (the axis of an axis function does not)."""
    if f.elementwise:
        return dict(params)
    return {k: v for k, v in params.items() if k != "axis"}


def slice_description(f: actfn.Activation) -> str:
    """How ``f`` is drawn as a function of one variable x."""
    if f.elementwise:
        return f"{f.name}(x)"
    _coef, text = _SLICES.get(f.kind, _SLICES["normalizing"])
    return text.format(name=f.name)


@dataclass(frozen=True)
class Curve:
    x: np.ndarray
    y: np.ndarray


def curve(
    f: actfn.Activation,
    x: np.ndarray,
    params: Mapping[str, Any] | None = None,
    derivative: bool = False,
) -> Curve:
    """``f`` (or its derivative) at the points ``x`` (float64), on the slice for axis ones."""
    x = np.asarray(x, dtype=np.float64)
    p = illustrative_params(f) if params is None else dict(params)
    if f.elementwise:
        y = f.derivative(x, **p) if derivative else f(x, **p)
        return Curve(x, np.asarray(y, dtype=np.float64))
    coef, _text = _SLICES.get(f.kind, _SLICES["normalizing"])
    p = {k: v for k, v in p.items() if k != "axis"}
    c = np.asarray(coef)
    rows = x[:, None] * c[None, :]
    out = np.asarray(f(rows, axis=-1, **p))
    # A reduction (one value per row) is shown whole; otherwise the first output.
    reduced = out.ndim == 1
    if not derivative:
        y = out if reduced else out[:, 0]
        return Curve(x, y.astype(np.float64))
    # d/dx of the shown output of f(c x): the vjp with cotangent e_0 (or 1 for a
    # reduction), dotted with c.
    g = np.ones(out.shape) if reduced else np.zeros(out.shape)
    if not reduced:
        g[:, 0] = 1.0
    back = np.asarray(f.vjp(rows, g, axis=-1, **p))
    return Curve(x, (back * c[None, :]).sum(axis=1).astype(np.float64))


def y_limits(ys: Sequence[np.ndarray], cap: float = 6.0) -> tuple[float, float]:
    """A y range that shows every curve's shape, clipping fast-growing ones at ``cap``."""
    finite = [y[np.isfinite(y)] for y in ys]
    finite = [y for y in finite if y.size]
    if not finite:
        return (-1.0, 1.0)
    lo = max(min(float(y.min()) for y in finite), -cap)
    hi = min(max(float(y.max()) for y in finite), cap)
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.06 * (hi - lo)
    return (lo - pad, hi + pad)


def _label(f: actfn.Activation, params: Mapping[str, Any], derivative: bool) -> str:
    shown = display_params(f, params)
    args = ", ".join(f"{k}={v!r}" for k, v in shown.items() if differs(v, f.defaults.get(k)))
    name = slice_description(f) if not f.elementwise else f"{f.name}(x)"
    if args:
        name = name[:-1] + f", {args})"
    return f"d/dx {name}" if derivative else name


def plot(
    activations: Sequence[tuple[actfn.Activation, Mapping[str, Any]]],
    path: str | Path,
    derivative: bool = False,
    x_range: tuple[float, float] = (-5.0, 5.0),
    points: int = 801,
) -> Path:
    """Draw the activations (each with its parameters) overlaid and save the figure.

    The format comes from the suffix of ``path`` (``.png``, ``.svg`` or ``.pdf``).
    With ``derivative`` each derivative is drawn dashed in its function's colour.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(
            f"plot: cannot write {path.name!r}; the file name must end in "
            f"{', '.join('.' + f for f in FORMATS)}"
        )
    lo, hi = x_range
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"plot: the range must be two finite numbers LO < HI; got {lo} {hi}")
    x = np.linspace(lo, hi, points)
    fig = Figure(figsize=(7.0, 4.4), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    colours = [f"C{i % 10}" for i in range(len(activations))]
    ys = []
    for (f, params), colour in zip(activations, colours, strict=True):
        c = curve(f, x, params)
        ys.append(c.y)
        ax.plot(c.x, c.y, color=colour, lw=2.0, label=_label(f, params, False))
        if derivative:
            d = curve(f, x, params, derivative=True)
            ys.append(d.y)
            ax.plot(d.x, d.y, color=colour, lw=1.6, ls="--", label=_label(f, params, True))
    ax.set_ylim(*y_limits(ys))
    ax.set_xlim(lo, hi)
    ax.axhline(0.0, color="0.6", lw=0.8, zorder=0)
    ax.axvline(0.0, color="0.6", lw=0.8, zorder=0)
    ax.grid(True, color="0.9")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)" + (", f′(x) (dashed)" if derivative else ""))
    names = ", ".join(f.name for f, _ in activations)
    ax.set_title(f"{names}" + (" and derivatives" if derivative else ""))
    ax.legend(loc="best", fontsize="small", framealpha=0.9)
    metadata: dict[str, Any] = {}
    if fmt == "svg":
        metadata = {"Date": None}
    elif fmt == "pdf":
        metadata = {"CreationDate": None}
    # SVG text stays text (searchable, accessible, smaller) instead of glyph outlines.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(path, format=fmt, metadata=metadata)
    return path
