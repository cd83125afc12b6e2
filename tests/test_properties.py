"""The properties each record claims (range, monotonic, zero-centred, smoothness) hold."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import actfn
from actfn._activation import Seed

from conftest import ALL, ELEMENTWISE, by_name, in_domain, linspace_in_domain, params_for

# Dense near 0, wide tails, and the extremes of float64.
X = np.concatenate(
    [
        np.linspace(-8.0, 8.0, 16001),
        np.geomspace(8.0, 1e300, 400),
        -np.geomspace(8.0, 1e300, 400),
        [np.finfo(np.float64).max, -np.finfo(np.float64).max, np.inf, -np.inf],
    ]
)
X.sort()


NOT_GATED = [f for f in ALL if f.kind != "gated"]
GATED = [f for f in ALL if f.kind == "gated"]


def _values(f: actfn.Activation, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    p = params_for(f)
    x = in_domain(f, x)
    if f.elementwise:
        return np.asarray(f(x, **p))
    if f.kind == "reduction":  # over rows [x, x]: x + log 2 for logsumexp
        return np.asarray(f(np.stack([x, x], axis=-1), **{**p, "axis": -1}))
    rows = np.stack([x, np.zeros_like(x)], axis=-1)
    if any(isinstance(q.domain, Seed) for q in f.params):
        # random functions: the same seeded draw for each row, one call per row
        return np.array([f(r, **p)[0] for r in rows[:: max(1, len(rows) // 2000)]])
    # normalizing: the first output of rows [x, 0]
    return np.asarray(f(rows, **p))[..., 0]


@pytest.mark.parametrize("f", **by_name(GATED))
def test_gated_properties(f: actfn.Activation) -> None:
    # x = [a, b]: the output a * gate(b) takes every real value and is not monotonic
    # in b for a < 0.
    big = 1e300
    y = f(np.array([[-big, 10.0], [big, 10.0]]), **params_for(f))
    assert y.min() < -1e299 and y.max() > 1e299
    assert f.properties.range == (-np.inf, np.inf)
    b = np.linspace(-5, 5, 101)
    along_b = f(np.stack([-np.ones_like(b), b], axis=-1), **params_for(f))[:, 0]
    assert bool(np.all(np.diff(along_b) >= 0)) == f.properties.monotonic


@pytest.mark.parametrize("f", **by_name(NOT_GATED))
def test_range(f: actfn.Activation) -> None:
    lo, hi = f.properties.range
    y = _values(f, X)
    assert not np.isnan(y).any()
    assert y.min() >= lo and y.max() <= hi, (y.min(), y.max(), f.properties.range)
    # the range is tight: the values come within 1e-6 (relative) of both ends
    for end, extreme in ((lo, y.min()), (hi, y.max())):
        if np.isfinite(end):
            assert abs(extreme - end) <= 1e-6 * max(1.0, abs(end)), (end, extreme)
        else:
            assert abs(extreme) > 1e250 or np.isinf(extreme)


@pytest.mark.parametrize("f", **by_name(NOT_GATED))
def test_monotonic_claim(f: actfn.Activation) -> None:
    y = _values(f, X)
    with np.errstate(invalid="ignore"):  # inf - inf at the end of the grid
        steps = np.diff(y)
    nondecreasing = bool(np.all((steps >= 0) | np.isnan(steps)))
    assert nondecreasing == f.properties.monotonic


@pytest.mark.parametrize("f", **by_name(ELEMENTWISE))
def test_zero_centred_claim(f: actfn.Activation) -> None:
    # zero-centred: f(0) = 0 and f is odd, so positive and negative outputs balance
    x = np.linspace(-5.0, 5.0, 1001)
    with np.errstate(invalid="ignore"):  # log1mexp is NaN below 0
        y = f(x, **params_for(f))
    odd = bool(np.allclose(y, -y[::-1], rtol=1e-12, atol=1e-300)) and float(y[500]) == 0.0
    assert odd == f.properties.zero_centred


@pytest.mark.parametrize("f", **by_name(ELEMENTWISE))
def test_smoothness_claim(f: actfn.Activation) -> None:
    p = params_for(f)
    x = linspace_in_domain(f, -8.0, 8.0, 160001)
    y = f(x, **p)
    # away from a finite end of the domain, where the function may diverge (log1mexp)
    keep = x - f.spec.domain[0] > 0.25
    x, y = x[keep], y[keep]
    step = x[1] - x[0]
    jumps = np.abs(np.diff(y)) > 100 * step * (1 + np.abs(y[:-1]))
    smooth = f.properties.smoothness
    assert bool(jumps.any()) == (smooth == "discontinuous")
    if smooth in ("C1", "C-inf"):
        d = f.derivative(x, **p)
        assert not (np.abs(np.diff(d)) > 100 * step * (1 + np.abs(d[:-1]))).any()
    if smooth == "C0":
        d = f.derivative(x, **p)
        assert (np.abs(np.diff(d)) > 100 * step).any(), "a C0 function has a kink"
