"""Text about an activation's record, shared by the ``actfn`` command and the site."""

from __future__ import annotations

import inspect
import re
from typing import Any

import numpy as np

import actfn

__all__ = [
    "LIBRARIES",
    "SMOOTHNESS",
    "derivative_text",
    "format_number",
    "is_required",
    "signature",
]

#: The libraries whose equivalents a record may name, with their display names.
LIBRARIES = (("keras", "Keras"), ("torch", "PyTorch"), ("jax", "JAX"))

#: How each smoothness class reads in a table column "smooth".
SMOOTHNESS = {"C-inf": "yes", "C1": "C1", "C0": "C0", "discontinuous": "no (jumps)"}


def is_required(default: Any) -> bool:
    """Whether a parameter default is the marker of a required parameter."""
    return repr(default) == "REQUIRED"


def differs(a: Any, b: Any) -> bool:
    """Whether two parameter values differ (arrays included; never raises)."""
    if a is b:
        return False
    try:
        return bool(a != b)
    except (TypeError, ValueError):  # arrays: compare element by element
        try:
            return not bool(np.array_equal(np.asarray(a), np.asarray(b)))
        except (TypeError, ValueError):
            return True


def signature(f: actfn.Activation) -> str:
    """``name(x, param=default, ..., *, out=None)`` from the callable's signature."""
    return f"{f.name}{inspect.signature(f)}"


def derivative_text(f: actfn.Activation) -> str:
    """The derivative convention of ``f`` (the paragraph of its generated docstring)."""
    doc = f.__doc__ or ""
    m = re.search(r"\nDerivative\n-+\n(.*?)\n\n", doc, re.S)
    return " ".join(m.group(1).split()) if m else ""


def format_number(v: Any) -> str:
    """A number with 4 significant digits (``0.02364``, ``0.1747``, ``1e+30``, ``nan``)."""
    return f"{float(v):.4g}"
