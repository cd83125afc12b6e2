"""Docstrings generated from an activation's record (one source for API, CLI and site)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._activation import Activation

_LIBS = (("keras", "Keras"), ("torch", "PyTorch"), ("jax", "JAX"))


def signature_text(f: Activation) -> str:
    parts = ["x"]
    keyword_only = False
    for p in f.params:
        if p.keyword_only and not keyword_only:
            parts.append("*")
            keyword_only = True
        default = f.defaults[p.name]
        parts.append(p.name if repr(default) == "REQUIRED" else f"{p.name}={default!r}")
    star = "" if keyword_only else "*, "
    return f"{f.name}({', '.join(parts)}, {star}out=None)"


def docstring(f: Activation) -> str:
    from ._activation import KINK_RULE

    spec = f.spec
    out: list[str] = [
        spec.summary,
        "",
        signature_text(f),
        "",
        ".. math::",
        "",
        f"    {spec.formula}",
        "",
    ]
    if spec.details:
        out += [*textwrap.wrap(spec.details, 80), ""]
    out += [
        "Parameters",
        "----------",
        "x : array_like",
        "    Input: an array of NumPy, PyTorch, JAX, CuPy, Dask or any Array-API",
        "    library, a Python number or a list.  Real floating, integer or bool dtype.",
    ]
    for p in spec.params:
        out.append(
            f"{p.name} : {p.domain.describe()}"
            + ("" if repr(p.default) == "REQUIRED" else f", default {p.default!r}")
        )
        out += ["    " + line for line in textwrap.wrap(p.doc, 76)]
    out += [
        "out : numpy.ndarray, optional",
        "    NumPy inputs only: the array the result is written to (it may be x).",
        "",
    ]
    out += ["Returns", "-------", "array"]
    shape = "x's shape with the axis halved" if spec.kind == "gated" else "the shape of x"
    if spec.kind == "reduction":
        shape = "x's shape without the reduced axes (kept as size 1 with keepdims=True)"
    out += [
        "    " + line
        for line in textwrap.wrap(
            f"{shape}, in x's library and on its device; the dtype of x (float16 and bfloat16 "
            "are computed in a wider dtype and rounded once; integer and bool inputs give the "
            "library's default floating dtype).",
            76,
        )
    ]
    out += ["", "Derivative", "----------"]
    if spec.kind == "elementwise":
        text = (
            "f.derivative(x, ...) gives f'(x); f.vjp(x, cotangent, ...) gives cotangent * f'(x).  "
        )
        text += KINK_RULE if _piecewise(f) else "f is differentiable everywhere."
    else:
        text = (
            "f.vjp(x, cotangent, ...) gives the vector-Jacobian product along the axis "
            "(no elementwise derivative).  "
        )
        text += KINK_RULE if _piecewise(f) else "f is differentiable everywhere."
    if spec.derivative_note:
        text += "  " + spec.derivative_note
    out += [*textwrap.wrap(text, 80), ""]
    equiv = [f"{label}: {spec.equivalents[k]}" for k, label in _LIBS if k in spec.equivalents]
    if equiv or spec.differences:
        out += ["Differences from Keras / PyTorch / JAX", "--------------------------------------"]
        out += [*equiv]
        if spec.differences:
            out += ["", *textwrap.wrap(spec.differences, 80)]
        out.append("")
    out += ["References", "----------"]
    out += [f"- {r.text}. {r.url}" for r in spec.references]
    if spec.examples:
        out += ["", "Examples", "--------", spec.examples]
    return "\n".join(out) + "\n"


def _piecewise(f: Activation) -> bool:
    """Whether f may have kinks: not C-inf for every parameter value."""
    return f.properties.smoothness != "C-inf" or f.name == "squareplus"


def markdown_table() -> str:
    """The README's table of activations, generated from the registry."""
    from ._registry import ACTIVATIONS

    rows = [
        "| activation | aliases | family | range | monotonic | smoothness "
        "| Keras / PyTorch / JAX |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in ACTIVATIONS.values():
        sig = signature_text(f).replace(", *, out=None", "").replace(", out=None", "")
        eq = f.spec.equivalents
        libs = " / ".join(f"`{eq[k].rsplit('.', 1)[-1]}`" if k in eq else "-" for k, _ in _LIBS)
        p = f.properties
        rows.append(
            f"| `{sig}` | {', '.join(f.aliases)} | {f.spec.family} | {p.range_text} | "
            f"{'yes' if p.monotonic else 'no'} | {p.smoothness} | {libs} |"
        )
    return "\n".join(rows)
