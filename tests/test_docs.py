"""Docstrings: every example runs (doctest), every activation is documented from its record."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import actfn
from actfn import _activation, _registry

from conftest import ALL, by_name

SECTIONS = ["Parameters", "Returns", "Derivative", "References", "Examples", ".. math::"]


def _run_doctests(text: str, name: str) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {"np": np}, name, None, 0)
    assert test.examples, f"{name} has no examples"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    with np.printoptions(legacy=False):
        result = runner.run(test, out=lambda s: None)
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed"


@pytest.mark.parametrize("f", **by_name(ALL))
def test_examples_run(f: actfn.Activation) -> None:
    assert f.__doc__ is not None
    _run_doctests(f.__doc__, f.name)


@pytest.mark.parametrize("f", **by_name(ALL))
def test_docstring_sections(f: actfn.Activation) -> None:
    doc = f.__doc__
    assert doc is not None
    for section in SECTIONS:
        assert section in doc, f"{f.name}: no {section!r} section"
    assert f.formula in doc
    for p in f.params:
        assert p.doc in doc
    if not f.properties.smoothness.startswith("C-inf"):
        assert "closest to zero" in doc, "piecewise functions state the kink rule"


@pytest.mark.parametrize(
    "obj",
    [actfn, _registry.get, _registry.serialize, _activation.Activation.configure],
    ids=["package", "get", "serialize", "configure"],
)
def test_module_examples_run(obj: object) -> None:
    assert obj.__doc__ is not None
    _run_doctests(obj.__doc__, getattr(obj, "__name__", "actfn"))
