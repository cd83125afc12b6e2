"""Every bad input gets a clear error: the right exception type, and a message that
names the function, the argument and what is allowed.

The table is built from the registry (one row per activation for the input and
``out=`` checks, one per parameter for the domain checks) plus hand-written rows
for the cases that belong to one function.  ``out=`` rows also check that a
rejected ``out`` array is left exactly as it was.  The valid edge cases (integer
and bool promotion, 0-d, empty, strided, read-only and very large inputs) are
tested at the end.
"""

from __future__ import annotations

import datetime
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import actfn
from actfn._activation import ArrayParam, Axis, Boolean, Real, Seed

from conftest import ALL, AXIS, ELEMENTWISE, by_name, params_for

# --------------------------------------------------------------------------- table


@dataclass(frozen=True)
class Case:
    """One bad call: the exception it must raise and the words its message must hold."""

    id: str
    call: Callable[[], object]
    exc: type[Exception]
    fname: str  # the function named in the message
    arg: str  # the argument named in the message
    allowed: str  # the words stating what is allowed
    target: np.ndarray[Any, Any] | None = None  # memory that must stay unchanged ...
    before: np.ndarray[Any, Any] | None = None  # ... holding these values


def _x_for(f: actfn.Activation) -> np.ndarray[Any, Any]:
    """A valid input for f: (2, 6), inside f's domain, so that the gated functions'
    axis has even length and no result shape is square (a transposed shape is then
    a wrong one)."""
    lo, hi = f.spec.domain
    return np.linspace(max(-2.0, lo), min(2.0, hi), 12).reshape(2, 6)


GATED = [f for f in ALL if f.kind == "gated"]


def _axis_param(f: actfn.Activation) -> Any:
    return next(p for p in f.params if p.name == "axis")


def _input_rows() -> list[Case]:
    bad_x: list[tuple[str, Callable[[], object], str]] = [
        ("complex-array", lambda: np.array([1.0 + 2.0j, 0.5j]), "real floating, integer or bool"),
        ("complex-scalar", lambda: 1.0 + 2.0j, "real floating, integer or bool"),
        ("complex-list", lambda: [1.0, 2j], "real floating, integer or bool"),
        ("str", lambda: "1.0", "an array of"),
        ("str-array", lambda: np.array(["1.0", "2.0"]), "real floating, integer or bool"),
        ("str-list", lambda: ["1.0", "2.0"], "real floating, integer or bool"),
        ("object", lambda: object(), "an array of"),
        ("object-array", lambda: np.array([1.0, None], dtype=object), "real floating"),
        ("bytes", lambda: b"\x00\x01", "an array of"),
        ("bytes-array", lambda: np.array([b"ab"]), "real floating, integer or bool"),
        ("None", lambda: None, "an array of"),
        ("dict", lambda: {"x": 1.0}, "an array of"),
        ("set", lambda: {1.0, 2.0}, "an array of"),
        ("ragged-list", lambda: [[1.0, 2.0], [3.0]], "rectangular array of real numbers"),
        ("list-with-None", lambda: [1.0, None], "real floating, integer or bool"),
        (
            "datetime64",
            lambda: np.array(["2024-01-01", "2024-06-01"], dtype="datetime64[D]"),
            "real floating, integer or bool",
        ),
        (
            "timedelta64",
            lambda: np.array([1, 2], dtype="timedelta64[s]"),
            "real floating, integer or bool",
        ),
        ("python-datetime", lambda: datetime.datetime(2024, 1, 1), "an array of"),
        ("masked-array", lambda: np.ma.array([1.0, 2.0], mask=[0, 1]), "unmasked array"),
        ("int-beyond-float64", lambda: 10**400, "within the float64 range"),
        ("list-int-beyond-float64", lambda: [[1, 2], [3, -(10**400)]], "within the float64 range"),
    ]
    rows = []
    for f in ALL:
        kw = params_for(f)
        for tag, make, allowed in bad_x:
            rows.append(
                Case(
                    f"{f.name}-x-{tag}",
                    lambda f=f, make=make, kw=kw: f(make(), **kw),
                    ValueError if "float64 range" in allowed else TypeError,
                    f.name,
                    "x",
                    allowed,
                )
            )
    # derivative and vjp check their inputs the same way; the cotangent is named.
    rows += [
        Case(
            "relu-derivative-x-complex",
            lambda: actfn.relu.derivative(np.array([1j])),
            TypeError,
            "relu",
            "x",
            "real floating, integer or bool",
        ),
        Case(
            "elu-vjp-cotangent-str",
            lambda: actfn.elu.vjp(np.ones(2), "ab"),
            TypeError,
            "elu",
            "cotangent",
            "an array of",
        ),
        Case(
            "softmax-vjp-cotangent-datetime",
            lambda: actfn.softmax.vjp(np.ones(2), np.array([1, 2], dtype="datetime64[s]")),
            TypeError,
            "softmax",
            "cotangent",
            "real floating, integer or bool",
        ),
        Case(
            "elu-vjp-cotangent-shape",
            lambda: actfn.elu.vjp(np.ones(3), np.ones(4)),
            ValueError,
            "elu",
            "cotangent",
            "must have the output's shape (3,)",
        ),
        Case(
            "glu-vjp-cotangent-shape",
            lambda: actfn.glu.vjp(np.ones(4), np.ones(4)),
            ValueError,
            "glu",
            "cotangent",
            "must have the output's shape (2,)",
        ),
        Case(
            "softmax-derivative",
            lambda: actfn.softmax.derivative(np.ones(3)),
            TypeError,
            "softmax",
            "derivative()",
            "use vjp(x, cotangent)",
        ),
        Case(
            "elu-missing-x",
            lambda: actfn.elu(),
            TypeError,
            "elu",
            "x",
            "an array or a real number",
        ),
    ]
    return rows


def _param_rows() -> list[Case]:
    """Registry-driven: NaN, infinities, wrong types and out-of-domain values for each
    parameter of each activation, through the call, configure() and deserialize()."""
    rows = []
    for f in ALL:
        base = params_for(f)
        x = _x_for(f)
        for prm in f.params:
            d = prm.domain
            allowed = d.describe()

            def add(
                tag: str,
                value: object,
                exc: type[Exception],
                words: str | None = None,
                *,
                f=f,
                prm=prm,
                allowed=allowed,
                base=base,
                x=x,
            ):
                kw = {**base, prm.name: value}
                rows.append(
                    Case(
                        f"{f.name}-{prm.name}-{tag}",
                        lambda kw=kw, f=f, x=x: f(x, **kw),
                        exc,
                        f.name,
                        prm.name,
                        allowed if words is None else words,
                    )
                )

            if isinstance(d, Real):
                add("nan", math.nan, ValueError)
                if d.finite:
                    add("inf", math.inf, ValueError)
                    add("-inf", -math.inf, ValueError)
                add("str", "1.0", TypeError)
                add("bool", True, TypeError)
                add("complex", 1.0 + 0.5j, TypeError)
                add("list", [1.0], TypeError)
                add("array", np.array([1.0, 2.0]), TypeError)
                add("huge-int", 10**400, ValueError)
                if not d.optional:
                    add("None", None, TypeError)
                if d.lo > -math.inf:
                    add("below-domain", d.lo - 1.0, ValueError)
                    if d.lo_open:
                        add("at-open-bound", d.lo, ValueError)
                if d.hi < math.inf:
                    add("above-domain", d.hi + 1.0, ValueError)
            elif isinstance(d, Boolean):
                add("int", 1, TypeError)
                add("str", "True", TypeError)
                add("None", None, TypeError)
                add("float", 0.0, TypeError)
            elif isinstance(d, Axis):
                add("float", 1.0, TypeError)
                add("str", "-1", TypeError)
                add("bool", True, TypeError)
                add("nested-tuple", ((0,),), TypeError)
            elif isinstance(d, ArrayParam):
                shape_words = "does not broadcast to x's shape (2, 6)"
                add("str", "1.0", TypeError)
                add("complex", np.array([1.0 + 1.0j]), TypeError)
                add("object", object(), TypeError)
                add(
                    "wrong-shape",
                    np.ones(5, dtype=bool if d.boolean else float),
                    ValueError,
                    shape_words,
                )
                add(
                    "wrong-shape-2d",
                    np.ones((3, 6), dtype=bool if d.boolean else float),
                    ValueError,
                    shape_words,
                )
                if d.boolean:
                    add("float-mask", np.ones(6), TypeError)
                    add("int-mask", [1, 0, 1, 1, 0, 1], TypeError)
                else:
                    add("nan", math.nan, ValueError)
                    add("inf", math.inf, ValueError)
                    add("nan-in-array", [1.0, math.nan], ValueError)
                    add("bool", True, TypeError)
                    if d.positive:
                        add("zero", 0.0, ValueError)
                        add("negative-in-array", [1.0, -1.0], ValueError)
                if not d.optional:
                    add("None", None, TypeError)
            elif isinstance(d, Seed):
                add("negative", -1, ValueError, "must be non-negative")
                add("float", 1.5, TypeError)
                add("str", "42", TypeError)
                add("bool", True, TypeError)
                add("legacy-random-state", np.random.RandomState(0), TypeError)
            else:  # pragma: no cover - a new domain type needs rows here
                raise AssertionError(f"no bad-value rows for {d!r}")
        # configure() and deserialize() validate parameters the same way.
        for prm in f.params:
            bad: object = "x" if not isinstance(prm.domain, Boolean) else 2
            rows.append(
                Case(
                    f"{f.name}-configure-{prm.name}-wrong-type",
                    lambda f=f, prm=prm, bad=bad: f.configure(**{prm.name: bad}),
                    TypeError,
                    f.name,
                    prm.name,
                    prm.domain.describe(),
                )
            )
            rows.append(
                Case(
                    f"{f.name}-deserialize-{prm.name}-wrong-type",
                    lambda f=f, prm=prm, bad=bad: actfn.deserialize(
                        {"class_name": f.name, "config": {prm.name: bad}}
                    ),
                    TypeError,
                    f.name,
                    prm.name,
                    prm.domain.describe(),
                )
            )
        # Unknown keywords (with a suggestion) and too many positional arguments.
        rows.append(
            Case(
                f"{f.name}-unknown-keyword",
                lambda f=f, base=base, x=x: f(x, **base, bogus_option=1.0),
                TypeError,
                f.name,
                "bogus_option",
                "allowed: ",
            )
        )
        n = sum(not q.keyword_only for q in f.params)
        rows.append(
            Case(
                f"{f.name}-too-many-positional",
                lambda f=f, x=x, n=n: f(x, *([0.5] * (n + 1))),
                TypeError,
                f.name,
                f"takes at most {n} parameter(s)",
                f"got {n + 1}",
            )
        )
    return rows


def _special_param_rows() -> list[Case]:
    x = np.linspace(-2.0, 2.0, 5)
    rows = [
        Case(
            "celu-alpha-zero",
            lambda: actfn.celu(x, alpha=0.0),
            ValueError,
            "celu",
            "alpha",
            "(0, inf)",
        ),
        Case(
            "celu-alpha-negative",
            lambda: actfn.celu(x, alpha=-1.0),
            ValueError,
            "celu",
            "alpha",
            "(0, inf)",
        ),
        Case(
            "squareplus-b-negative",
            lambda: actfn.squareplus(x, b=-1e-300),
            ValueError,
            "squareplus",
            "b",
            "[0, inf)",
        ),
        Case(
            "hard_tanh-min-above-max",
            lambda: actfn.hard_tanh(x, min_val=2.0, max_val=1.0),
            ValueError,
            "hard_tanh",
            "min_val",
            "must not exceed max_val",
        ),
        Case(
            "hard_tanh-configure-min-above-max",
            lambda: actfn.hard_tanh.configure(min_val=0.5)(x, max_val=0.0),
            ValueError,
            "hard_tanh",
            "min_val",
            "must not exceed max_val",
        ),
        Case(
            "relu-max_value-negative",
            lambda: actfn.relu(x, max_value=-1.0),
            ValueError,
            "relu",
            "max_value",
            "[0, inf), or None",
        ),
        Case(
            "soft_shrink-threshold-negative",
            lambda: actfn.soft_shrink(x, threshold=-0.5),
            ValueError,
            "soft_shrink",
            "threshold",
            "[0, inf)",
        ),
        Case(
            "hard_shrink-threshold-negative",
            lambda: actfn.hard_shrink(x, threshold=-0.5),
            ValueError,
            "hard_shrink",
            "threshold",
            "[0, inf)",
        ),
        Case(
            "elu-alpha-str",
            lambda: actfn.elu(x, alpha="0.5"),
            TypeError,
            "elu",
            "alpha",
            "a finite real number",
        ),
        Case(
            "leaky_relu-slope-bool",
            lambda: actfn.leaky_relu(x, negative_slope=False),
            TypeError,
            "leaky_relu",
            "negative_slope",
            "a finite real number",
        ),
        Case(
            "gelu-approximate-str",
            lambda: actfn.gelu(x, approximate="tanh"),
            TypeError,
            "gelu",
            "approximate",
            "True or False",
        ),
        Case(
            "elu-unknown-keyword-did-you-mean",
            lambda: actfn.elu(x, alhpa=0.5),
            TypeError,
            "elu",
            "'alhpa'",
            "did you mean 'alpha'?",
        ),
        Case(
            "relu-unknown-keyword-did-you-mean",
            lambda: actfn.relu(x, max_val=6.0),
            TypeError,
            "relu",
            "'max_val'",
            "did you mean 'max_value'?",
        ),
        Case(
            "elu-configure-unknown-keyword",
            lambda: actfn.elu.configure(aplha=0.5),
            TypeError,
            "elu",
            "'aplha'",
            "did you mean 'alpha'?",
        ),
        Case(
            "elu-configure-out",
            lambda: actfn.elu.configure(out=np.ones(5)),
            TypeError,
            "elu",
            "out=",
            "pass it to the call",
        ),
        Case(
            "elu-vjp-out",
            lambda: actfn.elu.vjp(x, x, out=np.ones(5)),
            TypeError,
            "elu",
            "out=",
            "returns a new array",
        ),
        Case(
            "elu-too-many-positional",
            lambda: actfn.elu(x, 1.0, 2.0),
            TypeError,
            "elu",
            "takes at most 1 parameter(s) after x (alpha)",
            "got 2",
        ),
        Case(
            "elu-positional-and-keyword",
            lambda: actfn.elu(x, 1.0, alpha=2.0),
            TypeError,
            "elu",
            "'alpha'",
            "multiple values",
        ),
        Case(
            "threshold-missing-threshold",
            lambda: actfn.threshold(x, default_value=0.0),
            TypeError,
            "threshold",
            "'threshold'",
            "a finite real number",
        ),
        Case(
            "threshold-missing-default_value",
            lambda: actfn.threshold(x, threshold=0.0),
            TypeError,
            "threshold",
            "'default_value'",
            "a real number (not NaN)",
        ),
        Case(
            "threshold-missing-both",
            lambda: actfn.threshold(x),
            TypeError,
            "threshold",
            "missing required parameter",
            "a finite real number",
        ),
        Case(
            "threshold-default_value-nan",
            lambda: actfn.threshold(x, threshold=0.0, default_value=math.nan),
            ValueError,
            "threshold",
            "default_value",
            "not NaN",
        ),
    ]
    if hasattr(actfn, "rrelu"):  # another engineer's function: lower must not exceed upper
        rows.append(
            Case(
                "rrelu-lower-above-upper",
                lambda: actfn.rrelu(x, lower=0.5, upper=0.1),  # type: ignore[attr-defined]
                ValueError,
                "rrelu",
                "lower",
                "upper",
            )
        )
    if hasattr(actfn, "rrelu"):
        # rrelu's training and rng are keyword-only.
        rows.append(
            Case(
                "rrelu-training-by-position",
                lambda: actfn.rrelu(x, 0.1, 0.3, True),  # type: ignore[attr-defined]
                TypeError,
                "rrelu",
                "training",
                "keyword-only",
            )
        )
    return rows


def _axis_rows() -> list[Case]:
    rows = []
    x2 = np.ones((2, 4))
    for f in AXIS:
        multiple = _axis_param(f).domain == Axis(multiple=True)
        rows += [
            Case(
                f"{f.name}-axis-out-of-range",
                lambda f=f: f(x2, axis=2),
                ValueError,
                f.name,
                "axis",
                "-2 <= axis < 2",
            ),
            Case(
                f"{f.name}-axis-out-of-range-negative",
                lambda f=f: f(x2, axis=-3),
                ValueError,
                f.name,
                "axis",
                "-2 <= axis < 2",
            ),
            Case(
                f"{f.name}-axis-huge",
                lambda f=f: f(x2, axis=10**30),
                ValueError,
                f.name,
                "axis",
                "-2 <= axis < 2",
            ),
            Case(
                f"{f.name}-axis-0d-input",
                lambda f=f: f(np.float64(1.0), axis=-1),
                ValueError,
                f.name,
                "axis",
                "at least 1 dimension",
            ),
            Case(
                f"{f.name}-vjp-axis-out-of-range",
                lambda f=f: f.vjp(x2, np.ones(f(x2).shape), axis=5),
                ValueError,
                f.name,
                "axis",
                "-2 <= axis < 2",
            ),
        ]
        if multiple:
            rows += [
                Case(
                    f"{f.name}-axis-duplicate",
                    lambda f=f: f(x2, axis=(0, 0)),
                    ValueError,
                    f.name,
                    "axis",
                    "distinct axes",
                ),
                Case(
                    f"{f.name}-axis-duplicate-negative",
                    lambda f=f: f(x2, axis=(1, -1)),
                    ValueError,
                    f.name,
                    "axis",
                    "distinct axes",
                ),
                Case(
                    f"{f.name}-axis-empty-tuple",
                    lambda f=f: f(x2, axis=()),
                    ValueError,
                    f.name,
                    "axis",
                    "at least one axis",
                ),
                Case(
                    f"{f.name}-axis-tuple-float",
                    lambda f=f: f(x2, axis=(0, 1.0)),
                    TypeError,
                    f.name,
                    "axis",
                    "a tuple of ints",
                ),
            ]
        else:
            rows += [
                Case(
                    f"{f.name}-axis-tuple",
                    lambda f=f: f(x2, axis=(0, 1)),
                    TypeError,
                    f.name,
                    "axis",
                    "an int",
                ),
                Case(
                    f"{f.name}-axis-None",
                    lambda f=f: f(x2, axis=None),
                    TypeError,
                    f.name,
                    "axis",
                    "an int",
                ),
            ]
    for f in GATED:  # the split axis must have even length
        for tag, call in [
            ("odd-length", lambda f=f: f(np.ones((2, 3)))),
            ("odd-length-axis0", lambda f=f: f(np.ones((3, 2)), axis=0)),
            ("length-1", lambda f=f: f(np.ones((4, 1)))),
            ("vjp-odd-length", lambda f=f: f.vjp(np.ones(3), np.ones(1))),
        ]:
            rows.append(
                Case(f"{f.name}-{tag}", call, ValueError, f.name, "axis", "even (divisible by 2)")
            )
    return rows


def _out_rows() -> list[Case]:
    rows = []
    for f in ALL:
        kw = params_for(f)
        x = _x_for(f)
        shape = f(x, **kw).shape
        wrong_shape = (*shape[:-1], shape[-1] + 1) if shape else (1,)
        transposed = (*shape[::-1], 1)
        ro = np.full(shape, 7.0)
        ro.flags.writeable = False
        buf = np.full(x.size + 3, 7.0)
        xin = buf[: x.size].reshape(x.shape)  # x and out share 5 elements, shifted
        xin[...] = x
        out_overlap = buf[3:].reshape(x.shape)
        if shape != x.shape:  # gated, reductions: smaller; still overlapping x partially
            out_overlap = buf[3 : 3 + math.prod(shape)].reshape(shape)
        zero_stride = np.lib.stride_tricks.as_strided(
            np.full(1, 7.0), shape=shape, strides=(0,) * len(shape), writeable=True
        )
        cases: list[tuple[str, Any, np.ndarray[Any, Any] | None, type[Exception], str, Any]] = [
            (
                "wrong-shape",
                np.full(wrong_shape, 7.0),
                None,
                ValueError,
                f"the result has shape {shape}",
                x,
            ),
            (
                "wrong-shape-transposed",
                np.full(transposed, 7.0),
                None,
                ValueError,
                f"the result has shape {shape}",
                x,
            ),
            (
                "wrong-dtype",
                np.full(shape, 7.0, dtype=np.float32),
                None,
                ValueError,
                "the result's dtype float64",
                x,
            ),
            (
                "int-dtype",
                np.full(shape, 7, dtype=np.int64),
                None,
                ValueError,
                "the result's dtype float64",
                x,
            ),
            ("read-only", ro, None, ValueError, "writeable", x),
            ("overlaps-x-partially", out_overlap, buf, ValueError, "out must be x itself", xin),
            ("zero-stride", zero_stride, None, ValueError, "must not have elements that share", x),
            ("list", np.full(shape, 7.0).tolist(), None, TypeError, "numpy.ndarray", x),
            ("matrix-like-tuple", (7.0,), None, TypeError, "numpy.ndarray", x),
        ]
        if not shape:  # a 0-d out has one element: nothing to share
            cases = [c for c in cases if c[0] != "zero-stride"]
        for tag, out, whole, exc, allowed, xx in cases:
            # What must be unchanged: out itself, or the whole buffer that out and x share.
            target = whole if whole is not None else out
            rows.append(
                Case(
                    f"{f.name}-out-{tag}",
                    lambda f=f, xx=xx, out=out, kw=kw: f(xx, out=out, **kw),
                    exc,
                    f.name,
                    "out",
                    allowed,
                    target=target if isinstance(target, np.ndarray) else None,
                    before=np.array(target, copy=True) if isinstance(target, np.ndarray) else None,
                )
            )
    return rows


def _out_foreign_rows() -> list[Case]:
    """out= with a non-NumPy input: the result lives in the input's library."""
    torch = pytest.importorskip("torch", reason="PyTorch not installed")
    rows = []
    for f in (actfn.relu, actfn.elu, actfn.softmax, actfn.glu):
        out = np.full((2, 4) if f is not actfn.glu else (2, 2), 7.0, dtype=np.float32)
        rows.append(
            Case(
                f"{f.name}-out-with-torch-input",
                lambda f=f, out=out: f(torch.ones((2, 4)), out=out),
                TypeError,
                f.name,
                "out=",
                "NumPy inputs only",
                target=out,
                before=out.copy(),
            )
        )
    return rows


ROWS = _input_rows() + _param_rows() + _special_param_rows() + _axis_rows() + _out_rows()


def _check(case: Case) -> None:
    with pytest.raises(case.exc) as info:
        case.call()
    msg = str(info.value)
    assert msg.startswith(f"{case.fname}:"), f"message does not start with the function: {msg}"
    assert case.arg in msg, f"message does not name {case.arg!r}: {msg}"
    assert case.allowed in msg, f"message does not say what is allowed ({case.allowed!r}): {msg}"


@pytest.mark.parametrize("case", ROWS, ids=[c.id for c in ROWS])
def test_bad_input_is_rejected_clearly(case: Case) -> None:
    _check(case)
    if case.target is not None:
        np.testing.assert_array_equal(case.target, case.before, err_msg="out= was written")


def test_out_with_foreign_input_is_rejected_before_writing() -> None:
    for case in _out_foreign_rows():
        _check(case)
        np.testing.assert_array_equal(case.target, case.before, err_msg="out= was written")


def test_table_size() -> None:
    # The README quotes this figure; the table must cover every activation.
    names = {c.id.split("-")[0] for c in ROWS}
    assert names >= set(actfn.names())
    assert len(ROWS) > 1000


# ------------------------------------------------------------------- valid promotions


@pytest.mark.parametrize("f", **by_name(ALL))
@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: np.arange(-2, 2).reshape(1, 4), id="int64"),
        pytest.param(lambda: np.arange(-2, 2, dtype=np.int8).reshape(1, 4), id="int8"),
        pytest.param(lambda: np.array([[0, 1, 2, 3]], dtype=np.uint16), id="uint16"),
        pytest.param(lambda: np.array([[True, False, True, True]]), id="bool"),
        pytest.param(lambda: [[-2, -1, 0, 1]], id="int-list"),
        pytest.param(lambda: [[True, False, False, True]], id="bool-list"),
        pytest.param(lambda: [[2**70, -(2**64), 3, 0]], id="int-list-beyond-int64"),
    ],
)
def test_integer_and_bool_inputs_promote_to_float64(
    f: actfn.Activation, make: Callable[[], Any]
) -> None:
    x = make()
    kw = params_for(f)
    y = f(x, **kw)
    assert isinstance(y, np.ndarray)
    assert y.dtype == np.float64
    expected = f(np.asarray(x, dtype=np.float64), **kw)
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("f", **by_name([actfn.relu, actfn.elu, actfn.softmax]))
def test_integer_torch_input_promotes_to_default_float(f: actfn.Activation) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch not installed")
    y = f(torch.arange(-2, 2))
    assert isinstance(y, torch.Tensor)
    assert y.dtype == torch.get_default_dtype()


def test_python_scalars_give_0d_float64() -> None:
    for value in (3, True, -2.5):
        y = actfn.elu(value)
        assert y.shape == ()
        assert y.dtype == np.float64


# ---------------------------------------------------------------------------- shapes


def _layouts(base: np.ndarray[Any, Any]) -> dict[str, np.ndarray[Any, Any]]:
    """The same values in several memory layouts."""
    big = np.zeros((base.shape[0] * 2, base.shape[1] * 3))
    strided = big[::2, ::3]
    strided[...] = base
    neg = np.ascontiguousarray(base[::-1, ::-1])[::-1, ::-1]
    ro = base.copy()
    ro.flags.writeable = False
    return {
        "non-contiguous": strided,
        "negative-strides": neg,
        "fortran": np.asfortranarray(base),
        "read-only": ro,
        "transposed-view": np.ascontiguousarray(base.T).T,
    }


@pytest.mark.parametrize("f", **by_name(ALL))
def test_layouts_give_the_same_result(f: actfn.Activation) -> None:
    rng = np.random.default_rng(7)
    base = rng.normal(scale=3.0, size=(6, 10))
    kw = params_for(f)
    expected = f(base, **kw)
    for name, x in _layouts(base).items():
        before = x.copy()
        y = f(x, **kw)
        np.testing.assert_array_equal(x, before, err_msg=f"{name}: input modified")
        if f.elementwise:
            # The same arithmetic element by element: bitwise equal.
            np.testing.assert_array_equal(y, expected, err_msg=name)
        else:
            # Reductions may sum in another order: the row sum s of 10 terms changes by
            # at most 10 float64 ULP of s; softmax (values <= 1) and log_softmax (which
            # adds log s, changed by <= 10 eps in absolute terms) move by <= 10 eps.
            eps = np.finfo(np.float64).eps
            np.testing.assert_allclose(y, expected, rtol=4 * eps, atol=10 * eps, err_msg=name)


@pytest.mark.parametrize("f", **by_name(ALL))
def test_empty_inputs(f: actfn.Activation) -> None:
    kw = params_for(f)
    for shape in [(0,), (3, 0), (0, 4)]:
        if f.kind == "gated" and shape[-1] % 2:
            continue
        x = np.zeros(shape, dtype=np.float32)
        y = f(x, **kw)
        p = {**f.defaults, **kw}
        expected = f.spec.out_shape(shape, p) if f.spec.out_shape else shape
        assert y.shape == expected
        assert y.dtype == np.float32
        if y.size:  # a reduction over no entries: log(0) for logsumexp
            assert f.kind == "reduction"
            np.testing.assert_array_equal(y, np.full(expected, -np.inf, dtype=np.float32))
        if not f.elementwise:
            g = f.vjp(x, np.zeros(expected, dtype=np.float32), **kw)
            assert g.shape == shape


@pytest.mark.parametrize("f", **by_name(ELEMENTWISE))
def test_zero_dimensional_inputs(f: actfn.Activation) -> None:
    kw = params_for(f)
    for v in (-1.5, 0.0, 2.0):
        for x in (np.float32(v), np.array(v, dtype=np.float32)):
            y = f(x, **kw)
            assert y.shape == ()
            assert y.dtype == np.float32
            # NaN-aware: -1.5 is outside log1mexp's domain.
            np.testing.assert_array_equal(y, f(np.array([v], dtype=np.float32), **kw)[0])


@pytest.mark.parametrize("f", **by_name(AXIS))
def test_length_one_axes(f: actfn.Activation) -> None:
    x = np.array([[0.3], [-2.0], [5.0], [1.0]])
    kw = params_for(f)
    if f.kind == "gated":  # along the length-2 axis of shape (2, 1, 2): f(a, b)
        y = f(x.reshape(2, 1, 2), axis=-1, **kw)
        assert y.shape == (2, 1, 1)
        assert np.all(np.isfinite(y))
        return
    y = f(x, axis=-1, **kw)
    if f.kind == "reduction":  # logsumexp of one entry is that entry
        np.testing.assert_array_equal(y, x[:, 0])
    elif "sums to 1" in f.properties.range_text:
        np.testing.assert_array_equal(y, np.ones((4, 1)))
    else:  # log_softmax: log 1
        assert f.name == "log_softmax"
        np.testing.assert_array_equal(y, np.zeros((4, 1)))


@pytest.mark.parametrize("f", **by_name(ALL))
def test_out_is_x(f: actfn.Activation) -> None:
    kw = params_for(f)
    lo, hi = f.spec.domain
    x = np.linspace(max(-3.0, lo), min(3.0, hi), 12).reshape(3, 4)
    expected = f(x, **kw)
    if expected.shape != x.shape:  # gated, reductions: out must have the output's shape
        with pytest.raises(ValueError, match=f"{f.name}: out has shape .*; the result has shape"):
            f(x, out=x, **kw)
        return
    y = x.copy()
    r = f(y, out=y, **kw)
    assert r is y
    np.testing.assert_array_equal(y, expected)


@pytest.mark.skipif(
    os.environ.get("ACTFN_SLOW") != "1",
    reason="allocates 4 GiB; opt in with ACTFN_SLOW=1",
)
@pytest.mark.slow
def test_more_than_2_31_elements() -> None:
    n = 2**31 + 5
    x = np.broadcast_to(np.float16(-1.5), (n,))
    out = np.empty(n, dtype=np.float16)
    r = actfn.relu(x, negative_slope=0.5, out=out)
    assert r is out
    for i in (0, 2**31 - 1, 2**31, n - 1):
        assert out[i] == np.float16(-0.75)


def test_strided_view_with_large_offsets() -> None:
    # A view whose byte offsets exceed 2**31 would need a > 2 GiB buffer; a view
    # over a moderate buffer with large strides still exercises strided indexing.
    buf = np.arange(2**20, dtype=np.float64) - 2**19
    x = buf[:: 2**10]
    y = actfn.leaky_relu(x, negative_slope=0.25)
    expected = np.where(x > 0, x, 0.25 * x)
    np.testing.assert_array_equal(y, expected)
