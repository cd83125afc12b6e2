"""logsumexp and gumbel_softmax on NumPy: bounded memory, block-size independence,
the same results as the generic (Array-API) form, and gumbel_softmax's accuracy
for the drawn noise; rrelu's keyword-only parameters.
"""

from __future__ import annotations

import inspect
import math
import tracemalloc
from typing import Any

import array_api_strict as xs
import mpmath
import numpy as np
import pytest

import actfn
from actfn.functions import logexp, pytorch


def peak_beyond_output(fn: Any) -> float:
    """Peak traced memory of one call beyond its result, in MiB."""
    fn()
    tracemalloc.start()
    try:
        y = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - np.asarray(y).nbytes) / 2**20


def ulps(got: np.ndarray[Any, Any], want: list[Any]) -> float:
    """Largest |got - want| in ULPs of the (float64-rounded) true values."""
    worst = 0.0
    for g, w in zip(got.tolist(), want, strict=True):
        wf = float(w)
        if wf == 0.0:
            assert g == 0.0 or abs(g) < 5e-324 * 4
            continue
        worst = max(worst, float(abs(mpmath.mpf(g) - w) / mpmath.mpf(float(np.spacing(abs(wf))))))
    return worst


# ------------------------------------------------------------------------ logsumexp

LSE_CASES = [
    ((7,), None, False),
    ((3, 4, 5), (0, 2), True),
    ((3, 4, 5), 1, False),
    ((50_000,), None, False),  # one row longer than a block: two passes
    ((3, 40_000), 1, True),
    ((40_000, 3), 0, False),
    ((2, 3, 30_000), (0, 2), False),
]


@pytest.mark.parametrize(("shape", "axis", "keepdims"), LSE_CASES)
def test_logsumexp_numpy_matches_generic_and_torch(
    shape: tuple[int, ...], axis: Any, keepdims: bool
) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(scale=10.0, size=shape)
    generic = np.asarray(actfn.logsumexp(xs.asarray(x), axis=axis, keepdims=keepdims))
    dims = tuple(range(x.ndim)) if axis is None else axis
    want = torch.logsumexp(torch.tensor(x), dim=dims, keepdim=keepdims).numpy()
    # C order, Fortran order, negative strides, a strided view: the same values.
    first = actfn.logsumexp(x, axis=axis, keepdims=keepdims)
    for v in (
        x,
        np.asfortranarray(x),
        np.flip(np.flip(x).copy()),
        np.repeat(x, 2, axis=-1)[..., ::2],
    ):
        got = actfn.logsumexp(v, axis=axis, keepdims=keepdims)
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, first)  # the same bits for any layout
        # The generic form sums strided axes term by term: a few ULPs apart.
        np.testing.assert_allclose(got, generic, rtol=4e-16 * 4, atol=0)
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)
    if x.size <= 16384 or axis == 1:
        # Rows that fit a block: the generic form's operations, the same bits.
        np.testing.assert_array_equal(actfn.logsumexp(x, axis=axis, keepdims=keepdims), generic)


def test_logsumexp_long_row_is_accurate() -> None:
    # 3 * 10^4 entries (two blocks, the compensated sum of the pieces) against mpmath.
    x = np.random.default_rng(1).normal(scale=30.0, size=30_000)
    got = float(actfn.logsumexp(x))
    with mpmath.workdps(40):
        want = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in x))
        err = abs(mpmath.mpf(got) - want) / mpmath.mpf(float(np.spacing(abs(float(want)))))
    assert err <= 2.0


def test_logsumexp_long_row_specials_and_masks() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=40_000)
    m = rng.random(40_000) > 0.3
    np.testing.assert_allclose(
        actfn.logsumexp(x, where=m), np.asarray(actfn.logsumexp(xs.asarray(x), where=xs.asarray(m)))
    )
    assert actfn.logsumexp(x, where=np.zeros_like(m)) == -np.inf
    for v, want in ((np.nan, np.nan), (np.inf, np.inf)):
        y = x.copy()
        y[30_000] = v
        np.testing.assert_array_equal(actfn.logsumexp(y), want)
    # -inf entries take no part
    y = x.copy()
    y[::2] = -np.inf
    np.testing.assert_allclose(actfn.logsumexp(y), actfn.logsumexp(x[1::2]), rtol=1e-15)


def test_logsumexp_out_and_narrow_dtypes() -> None:
    x = np.random.default_rng(3).normal(size=(6, 5))
    out = np.empty(10)[::2]  # a strided out=
    r = actfn.logsumexp(x, axis=0, out=out)
    assert r is out
    np.testing.assert_array_equal(out, actfn.logsumexp(x, axis=0))
    y32 = actfn.logsumexp(x.astype(np.float32), axis=1)
    assert y32.dtype == np.float32
    want = actfn.logsumexp(x.astype(np.float32).astype(F64), axis=1).astype(np.float32)
    np.testing.assert_array_equal(y32, want)


F64 = np.float64


@pytest.mark.parametrize(
    "dtype",
    [
        np.float64,
        np.float32,
    ],
)
@pytest.mark.parametrize("axis", [None, 1, 0])
def test_logsumexp_memory_is_bounded(dtype: Any, axis: Any) -> None:
    # 2 * 10^6 elements (16 MiB in float64): beyond the output, a block or so.
    x = np.random.default_rng(4).normal(size=(2000, 1000)).astype(dtype)
    assert peak_beyond_output(lambda: actfn.logsumexp(x, axis=axis)) < 2.0


def test_logsumexp_direct_call_bounded_for_float32() -> None:
    # The evaluator itself (what the engine hook calls) reads float32 block by block.
    x = np.random.default_rng(5).normal(size=(2000, 1000)).astype(np.float32)
    p = {"axis": None, "keepdims": False, "where": None}
    assert peak_beyond_output(lambda: logexp.lse_numpy(x, p, np.float32)) < 2.0
    got = logexp.lse_numpy(x, p, np.float32)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, actfn.logsumexp(x.astype(F64)).astype(np.float32))


# ------------------------------------------------------------------- gumbel_softmax


def test_gumbel_numpy_matches_generic_bit_for_bit() -> None:
    rng = np.random.default_rng(6)
    for scale in (1.0, 100.0, 1e20, 1e300):
        x = rng.normal(scale=scale, size=(37, 50))
        x[3, 7] = x[3, 8]
        for tau in (1.0, 0.3, 7.0):
            for axis in (-1, 0):
                for hard in (False, True):
                    p = {"rng": 4, "tau": tau, "axis": axis, "hard": hard}
                    got = actfn.gumbel_softmax(x, **p)
                    np.testing.assert_array_equal(
                        got, np.asarray(actfn.gumbel_softmax(xs.asarray(x), **p))
                    )
    x = rng.normal(size=(5, 4))
    x[1, 2], x[2, 1], x[3, 0] = np.inf, -np.inf, np.nan
    got = actfn.gumbel_softmax(x, rng=1)
    np.testing.assert_array_equal(got, np.asarray(actfn.gumbel_softmax(xs.asarray(x), rng=1)))
    np.testing.assert_array_equal(got[1], [0.0, 0.0, 1.0, 0.0])
    assert got[2, 1] == 0.0 and np.isnan(got[3]).all()


def test_gumbel_noise_order_is_the_rows_order() -> None:
    # The noise follows the C order of x with the axis moved last: along axis 0 the
    # sample is the transposed sample along the last axis.
    x = np.random.default_rng(7).normal(size=(6, 9))
    np.testing.assert_array_equal(
        actfn.gumbel_softmax(x, axis=0, rng=5), actfn.gumbel_softmax(x.T, rng=5).T
    )
    # A Generator is advanced by one draw per element, as one draw of the whole.
    gen = np.random.default_rng(8)
    actfn.gumbel_softmax(np.zeros((300, 100)), rng=gen)
    ref = np.random.default_rng(8)
    ref.gumbel(size=30_000)
    assert gen.random() == ref.random()


@pytest.mark.parametrize("block", [7, 100, 16384])
def test_gumbel_same_result_for_any_block_size_and_threads(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = np.random.default_rng(9).normal(size=(300, 50)).astype(np.float32)
    want = actfn.gumbel_softmax(x.astype(F64), rng=3).astype(np.float32)
    monkeypatch.setattr(pytorch, "BLOCK", block)
    n = actfn.get_num_threads()
    try:
        for threads in (1, 2):
            actfn.set_num_threads(threads)
            np.testing.assert_array_equal(
                pytorch.gumbel_numpy(x, {**_GP, "rng": 3}, np.float32), want
            )
            np.testing.assert_array_equal(actfn.gumbel_softmax(x, rng=3), want)
    finally:
        actfn.set_num_threads(n)


_GP = {"tau": 1.0, "hard": False, "axis": -1, "rng": 0}


@pytest.mark.parametrize(
    ("scale", "tau"), [(1.0, 1.0), (30.0, 1.0), (300.0, 1.0), (30.0, 0.3), (30.0, 7.0)]
)
def test_gumbel_softmax_within_4_ulp_for_the_drawn_noise(scale: float, tau: float) -> None:
    # softmax((x + g) / tau) with x + g carried exactly: within the softmax bound
    # (4 ULP in float64) of the true sample for the same noise (the record's mp).
    x = np.random.default_rng(10).normal(scale=scale, size=200)
    p = {**_GP, "tau": tau, "rng": 2}
    got = actfn.gumbel_softmax(x, **p)
    assert pytorch.GUMBEL_SOFTMAX.mp is not None
    with mpmath.workdps(40):
        want = pytorch.GUMBEL_SOFTMAX.mp(mpmath, [mpmath.mpf(float(v)) for v in x], p)
        assert ulps(got, want) <= 4.0
        assert ulps(np.asarray(actfn.gumbel_softmax(xs.asarray(x), **p)), want) <= 4.0


@pytest.mark.parametrize("tau", [5e-324, 1e-300, 2.0**-899, 1e300, 1.7e308])
def test_gumbel_softmax_extreme_temperatures(tau: float) -> None:
    # Outside the double-double range of tau (the rounded form): finite samples.
    for x in (np.full(4, 4.0, dtype=np.float16), np.array([1e300, -1e300, 0.0, 5.0])):
        y = actfn.gumbel_softmax(x, tau=tau, rng=0)
        assert np.isfinite(y).all()
        np.testing.assert_allclose(y.astype(F64).sum(), 1.0, rtol=1e-3)
        generic = actfn.gumbel_softmax(xs.asarray(x.astype(F64)), tau=tau, rng=0)
        np.testing.assert_array_equal(y, np.asarray(generic).astype(x.dtype))
    # tau -> 0: the one-hot sample; tau -> inf: the uniform distribution
    if tau < 1e-200:
        y = actfn.gumbel_softmax(np.array([1.0, 2.0, 3.0]), tau=tau, rng=0)
        np.testing.assert_array_equal(y, actfn.gumbel_softmax([1.0, 2.0, 3.0], hard=True, rng=0))
    if tau > 1e300:
        np.testing.assert_array_equal(actfn.gumbel_softmax(np.zeros(4), tau=tau, rng=0), 0.25)


@pytest.mark.parametrize(
    "dtype",
    [
        np.float64,
        np.float32,
    ],
)
def test_gumbel_memory_is_bounded(dtype: Any) -> None:
    x = np.random.default_rng(11).normal(size=(2000, 1000)).astype(dtype)
    assert peak_beyond_output(lambda: actfn.gumbel_softmax(x, rng=0)) < 4.0


def test_gumbel_direct_call_bounded_for_float32() -> None:
    x = np.random.default_rng(12).normal(size=(2000, 1000)).astype(np.float32)
    assert peak_beyond_output(lambda: pytorch.gumbel_numpy(x, _GP, np.float32)) < 4.0


# ------------------------------------------------------------------------------ rrelu


def test_rrelu_training_and_rng_are_keyword_only() -> None:
    sig = inspect.signature(actfn.rrelu)
    kinds = {name: prm.kind for name, prm in sig.parameters.items()}
    assert kinds["lower"] == kinds["upper"] == inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert kinds["training"] == kinds["rng"] == inspect.Parameter.KEYWORD_ONLY
    assert sig.parameters["lower"].default == 1 / 8
    assert sig.parameters["upper"].default == 1 / 3
    with pytest.raises(TypeError, match=r"rrelu: .*training"):
        actfn.rrelu([-1.0], 0.1, 0.3, True)
    # lower and upper by position, training and rng by keyword
    a = actfn.rrelu([-1.0, -1.0], 0.1, 0.3, training=True, rng=0)
    assert ((a <= -0.1) & (a >= -0.3)).all()
    np.testing.assert_array_equal(actfn.rrelu([-1.0], 0.1, 0.3), [-0.2])
    assert "keyword-only" in (actfn.rrelu.spec.differences or "")


def test_rrelu_positional_parameters() -> None:
    # Whatever the engine: lower and upper may be given by position.
    np.testing.assert_allclose(actfn.rrelu(np.array([-2.0, 3.0]), 0.2, 0.4), [-0.6, 3.0])
    assert math.isclose(float(actfn.rrelu(-1.0)), -(1 / 8 + 1 / 3) / 2)


# ------------------------------------------------------- gumbel_softmax: long rows


@pytest.mark.parametrize(("scale", "tau"), [(1.0, 1.0), (30.0, 0.3), (1e20, 1.0)])
def test_gumbel_long_rows_match_generic(scale: float, tau: float) -> None:
    # Rows longer than a block go in runs, three passes with the noise redrawn:
    # the same noise, the sum of the runs compensated (a few ULPs from the generic
    # form's pairwise sum), the same one-hot sample.
    x = np.random.default_rng(13).normal(scale=scale, size=(2, 40_000))
    p = {"rng": 3, "tau": tau}
    got = actfn.gumbel_softmax(x, **p)
    want = np.asarray(actfn.gumbel_softmax(xs.asarray(x), **p))
    np.testing.assert_allclose(got, want, rtol=4 * 2.0**-52, atol=0)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-14)
    hard = {**p, "hard": True}
    np.testing.assert_array_equal(
        actfn.gumbel_softmax(x, **hard), np.asarray(actfn.gumbel_softmax(xs.asarray(x), **hard))
    )


def test_gumbel_long_rows_specials_noise_and_memory() -> None:
    rng = np.random.default_rng(14)
    for special in (np.nan, np.inf, -np.inf):
        x = rng.normal(size=40_000)
        x[[100, 30_000]] = special
        got = actfn.gumbel_softmax(x, rng=3)
        np.testing.assert_allclose(
            got, np.asarray(actfn.gumbel_softmax(xs.asarray(x), rng=3)), rtol=4 * 2.0**-52, atol=0
        )
    np.testing.assert_allclose(actfn.gumbel_softmax(np.full(40_000, -np.inf), rng=1), 1 / 40_000)
    # the Generator advanced by one draw per element, as one draw of the whole
    gen = np.random.default_rng(8)
    actfn.gumbel_softmax(np.zeros((2, 30_000)), rng=gen)
    ref = np.random.default_rng(8)
    ref.gumbel(size=60_000)
    assert gen.random() == ref.random()
    # one row of 10^6 (8 MB): a block's worth of memory beyond the output
    x = rng.normal(size=10**6)
    assert peak_beyond_output(lambda: actfn.gumbel_softmax(x, rng=0)) < 4.0


def test_seed_scope_gives_the_seeds_draws_each_time() -> None:
    # Seed.scope keeps a Generator per thread and int seed and resets it: the
    # draws are default_rng(seed)'s at every entry; nested use of the same seed
    # gets a Generator of its own; None and Generators pass through.
    from actfn._activation import Seed

    want = np.random.default_rng(11).gumbel(size=5)
    for _ in range(3):
        with Seed.scope(11) as g:
            np.testing.assert_array_equal(g.gumbel(size=5), want)
            with Seed.scope(11) as inner:
                assert inner is not g
                np.testing.assert_array_equal(inner.gumbel(size=5), want)
            np.testing.assert_array_equal(
                g.gumbel(size=3), np.random.default_rng(11).gumbel(size=8)[5:]
            )
    gen = np.random.default_rng(1)
    with Seed.scope(gen) as g:
        assert g is gen
    with Seed.scope(None) as g:
        assert isinstance(g, np.random.Generator)
    # other threads: their own Generators, the same draws
    import threading

    got: list[Any] = []

    def draw() -> None:
        with Seed.scope(11) as g:
            got.append(g.gumbel(size=5))

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 4 and all(np.array_equal(v, want) for v in got)
