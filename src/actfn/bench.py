"""Speed of actfn on NumPy arrays, side by side with the libraries people use.

For each activation, each size and each dtype, the best of ``repeat`` timings
of actfn (fresh output and ``out=``) and of every installed peer on the same
NumPy array, in the same process, taken in rounds (each call once per round):

- ``torch``: PyTorch's CPU kernels on ``torch.from_numpy(x)`` (no copy), with
  ``torch.set_num_threads`` equal to actfn's thread count; ``out=`` through the
  ATen ``.out`` overload where one exists;
- ``jax``: ``jax.jit`` of JAX's function, called on the NumPy array (the
  transfer is part of the call) and waited for; float64 with ``jax_enable_x64``;
- ``numpy``: the naive NumPy formula in the input dtype, full-size temporaries;
- ``keras``: ``keras.activations`` on its NumPy backend (``KERAS_BACKEND=numpy``
  must be in effect before Keras is first imported).

Axis functions get rows of 1000 elements (``size`` elements in all).  Peak
memory beyond the output is actfn's, measured with :mod:`tracemalloc`.

Figures on a shared machine are noisy: compare the ratios measured side by
side in one run, not absolute times across runs.

``actfn bench`` calls :func:`add_arguments` and :func:`run`; ``python -m
actfn.bench`` and ``benchmarks/run.py`` do the same.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import ACTIVATIONS, Activation, get, get_num_threads, names, set_num_threads

__all__ = ["PEERS", "Result", "add_arguments", "bench", "main", "run"]

PEERS = ("torch", "jax", "numpy", "keras")
ROW = 1000  # row length for the functions along an axis

Call = Callable[[], Any]


@dataclass
class Result:
    """One activation at one size and dtype: best times in milliseconds."""

    name: str
    dtype: str
    size: int
    threads: int
    actfn: float
    actfn_out: float
    peak_mib: float
    peers: dict[str, float] = field(default_factory=dict)
    peers_out: dict[str, float] = field(default_factory=dict)

    def ratio(self, peer: str, out: bool = False) -> float | None:
        """actfn's time over the peer's (below 1: actfn is faster)."""
        theirs = (self.peers_out if out else self.peers).get(peer)
        if theirs is None or theirs <= 0.0:
            return None
        return (self.actfn_out if out else self.actfn) / theirs


# --------------------------------------------------------------------------- inputs


def _params(f: Activation) -> dict[str, Any]:
    # Required parameters (and seeds) from the record.
    return dict(f.spec.sample_params)


def make_input(f: Activation, size: int, dtype: Any, seed: int = 0) -> np.ndarray[Any, Any]:
    """Standard normal samples times 3 (both sides of every kink), as ``dtype``."""
    x = np.random.default_rng(seed).standard_normal(size) * 3.0
    x = x.astype(dtype)
    if not f.elementwise:
        row = min(ROW, size)
        x = x[: size - size % row].reshape(-1, row)
    return x


# --------------------------------------------------------------------------- timing


def best_ms(calls: dict[str, Call], repeat: int, size: int) -> dict[str, float]:
    """Best of ``repeat`` timings of each call, in ms (small calls timed in
    batches), taken in rounds: each call once per round, so that a slow spell of
    a shared machine falls on all of them rather than on one."""
    number = max(1, min(1000, 100_000 // max(size, 1)))
    for fn in calls.values():
        fn()  # warm up: caches, thread pools, jit compilation
    best = dict.fromkeys(calls, math.inf)
    for _ in range(repeat):
        for key, fn in calls.items():
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            best[key] = min(best[key], (time.perf_counter() - t0) / number)
    return {key: t * 1e3 for key, t in best.items()}


def peak_mib(fn: Call, out_bytes: int) -> float:
    """Peak memory traced during one call, beyond its output, in MiB."""
    fn()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return max(0.0, (peak - out_bytes) / 2**20)


# --------------------------------------------------------------------------- peers

# actfn name -> (torch.nn.functional / torch attribute path, kwargs, aten .out op, args)
_TORCH: dict[str, tuple[str, dict[str, Any], str | None, tuple[Any, ...]]] = {
    "relu": ("nn.functional.relu", {}, "clamp_min", (0.0,)),
    "leaky_relu": ("nn.functional.leaky_relu", {"negative_slope": 0.2}, "leaky_relu", (0.2,)),
    "relu6": ("nn.functional.relu6", {}, "hardtanh", (0.0, 6.0)),
    "threshold": (
        "nn.functional.threshold",
        {"threshold": 0.5, "value": -1.0},
        "threshold",
        (0.5, -1.0),
    ),
    "elu": ("nn.functional.elu", {}, "elu", (1.0, 1.0, 1.0)),
    "selu": ("nn.functional.selu", {}, "elu", (1.6732632423543772, 1.0507009873554805, 1.0)),
    "celu": ("nn.functional.celu", {}, "elu", (1.0, 1.0, 1.0)),
    "exponential": ("exp", {}, "exp", ()),
    "sigmoid": ("sigmoid", {}, "sigmoid", ()),
    "hard_sigmoid": ("nn.functional.hardsigmoid", {}, "hardsigmoid", ()),
    "log_sigmoid": ("nn.functional.logsigmoid", {}, "log_sigmoid", ()),
    "tanh": ("tanh", {}, "tanh", ()),
    "hard_tanh": ("nn.functional.hardtanh", {}, "hardtanh", (-1.0, 1.0)),
    "softsign": ("nn.functional.softsign", {}, None, ()),
    "softplus": ("nn.functional.softplus", {}, "softplus", (1.0, 20.0)),
    "silu": ("nn.functional.silu", {}, "silu", ()),
    "hard_silu": ("nn.functional.hardswish", {}, "hardswish", ()),
    "gelu": ("nn.functional.gelu", {}, "gelu", ()),
    "mish": ("nn.functional.mish", {}, "mish", ()),
    "soft_shrink": ("nn.functional.softshrink", {"lambd": 0.5}, "softshrink", (0.5,)),
    "hard_shrink": ("nn.functional.hardshrink", {"lambd": 0.5}, "hardshrink", (0.5,)),
    "tanh_shrink": ("nn.functional.tanhshrink", {}, None, ()),
    "linear": ("clone", {}, None, ()),
    "softmax": ("nn.functional.softmax", {"dim": -1}, "_softmax", (-1, False)),
    "log_softmax": ("nn.functional.log_softmax", {"dim": -1}, "_log_softmax", (-1, False)),
    "glu": ("nn.functional.glu", {"dim": -1}, "glu", (-1,)),
    "softmin": ("nn.functional.softmin", {"dim": -1}, None, ()),
    # The same defaults as actfn's: lower 1/8, upper 1/3; evaluation mode.
    "rrelu": ("nn.functional.rrelu", {"training": False}, None, ()),
    # prelu's slope: a one-element weight tensor of 0.25 (the record's sample), made
    # in _peer_calls.
    "prelu": ("nn.functional.prelu", {}, None, ()),
    # actfn's logsumexp reduces over every axis by default (the inputs are 2-D).
    "logsumexp": ("logsumexp", {"dim": (0, 1)}, "logsumexp", ((0, 1), False)),
    "gumbel_softmax": (
        "nn.functional.gumbel_softmax",
        {"tau": 1.0, "hard": False, "dim": -1},
        None,
        (),
    ),
}

_JAX: dict[str, tuple[str, dict[str, Any]]] = {
    "relu": ("nn.relu", {}),
    "leaky_relu": ("nn.leaky_relu", {"negative_slope": 0.2}),
    "relu6": ("nn.relu6", {}),
    "elu": ("nn.elu", {}),
    "selu": ("nn.selu", {}),
    "celu": ("nn.celu", {}),
    "exponential": ("numpy.exp", {}),
    "sigmoid": ("nn.sigmoid", {}),
    "hard_sigmoid": ("nn.hard_sigmoid", {}),
    "log_sigmoid": ("nn.log_sigmoid", {}),
    "sparse_sigmoid": ("nn.sparse_sigmoid", {}),
    "tanh": ("numpy.tanh", {}),
    "hard_tanh": ("nn.hard_tanh", {}),
    "softsign": ("nn.soft_sign", {}),
    "softplus": ("nn.softplus", {}),
    "silu": ("nn.silu", {}),
    "hard_silu": ("nn.hard_silu", {}),
    "gelu": ("nn.gelu", {"approximate": False}),
    "squareplus": ("nn.squareplus", {}),
    "sparse_plus": ("nn.sparse_plus", {}),
    "softmax": ("nn.softmax", {"axis": -1}),
    "log_softmax": ("nn.log_softmax", {"axis": -1}),
    "glu": ("nn.glu", {"axis": -1}),
}


def _naive(name: str) -> Callable[[Any], Any] | None:
    """The textbook NumPy formula, in the input dtype (what people write by hand)."""
    table: dict[str, Callable[[Any], Any]] = {
        "relu": lambda x: np.maximum(x, 0),
        "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
        "relu6": lambda x: np.clip(x, 0, 6),
        "threshold": lambda x: np.where(x > 0.5, x, -1.0).astype(x.dtype),
        "linear": lambda x: x.copy(),
        "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
        "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
        "celu": lambda x: np.maximum(x, 0) + np.minimum(np.expm1(x), 0),
        "exponential": np.exp,
        "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
        "log_sigmoid": lambda x: -np.logaddexp(0, -x),
        "sparse_sigmoid": lambda x: np.clip((x + 1) / 2, 0, 1),
        "tanh": np.tanh,
        "hard_tanh": lambda x: np.clip(x, -1, 1),
        "softsign": lambda x: x / (1 + np.abs(x)),
        "softplus": lambda x: np.logaddexp(0, x),
        "silu": lambda x: x / (1 + np.exp(-x)),
        "hard_silu": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
        "mish": lambda x: x * np.tanh(np.logaddexp(0, x)),
        "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
        "sparse_plus": lambda x: np.where(x >= 1, x, np.where(x <= -1, 0, (x + 1) ** 2 / 4)),
        "soft_shrink": lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0),
        "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
        "tanh_shrink": lambda x: x - np.tanh(x),
        "softmax": _naive_softmax,
        "log_softmax": lambda x: (
            x
            - x.max(-1, keepdims=True)
            - np.log(np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True))
        ),
        "glu": lambda x: x[..., : x.shape[-1] // 2] / (1 + np.exp(-x[..., x.shape[-1] // 2 :])),
    }
    return table.get(name)


def _naive_softmax(x: Any) -> Any:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _attr(mod: Any, path: str) -> Any:
    for part in path.split("."):
        mod = getattr(mod, part)
    return mod


def _peer_calls(
    peer: str, name: str, x: np.ndarray[Any, Any], threads: int
) -> tuple[Call | None, Call | None]:
    """(fresh-output call, out= call) of ``peer`` for ``name`` on ``x``; None if absent."""
    if peer == "torch":
        if name not in _TORCH:
            return None, None
        import torch

        torch.set_num_threads(threads)
        path, kw, out_op, args = _TORCH[name]
        fn = _attr(torch, path)
        t = torch.from_numpy(x)
        if name == "prelu":
            kw = {"weight": torch.full((1,), 0.25, dtype=t.dtype)}
        fresh: Call = lambda: fn(t, **kw)  # noqa: E731
        out_call: Call | None = None
        if out_op is not None:
            o = torch.empty_like(fresh())
            op = getattr(torch.ops.aten, out_op).out
            out_call = lambda: op(t, *args, out=o)  # noqa: E731
            try:
                out_call()
            except (RuntimeError, TypeError):
                out_call = None
        return fresh, out_call
    if peer == "jax":
        if name not in _JAX:
            return None, None
        import jax

        if x.dtype == np.float64:
            config: Any = jax.config
            config.update("jax_enable_x64", True)
        path, kw = _JAX[name]
        jfn = jax.jit(lambda a: _attr(jax, path)(a, **kw))
        return (lambda: jfn(x).block_until_ready()), None
    if peer == "numpy":
        nfn = _naive(name)
        if nfn is None:
            return None, None

        def naive() -> Any:
            with np.errstate(all="ignore"):
                return nfn(x)

        return naive, None
    if peer == "keras":
        if "keras" not in sys.modules:
            os.environ.setdefault("KERAS_BACKEND", "numpy")
        import importlib

        keras = importlib.import_module("keras")
        if keras.backend.backend() != "numpy":
            return None, None
        kfn = getattr(keras.activations, name, None)
        if kfn is None:
            return None, None
        kw = {"threshold": 0.5, "default_value": -1.0} if name == "threshold" else {}

        def call() -> Any:
            with np.errstate(all="ignore"):
                return kfn(x, **kw)

        return call, None
    raise ValueError(f"bench: unknown peer {peer!r}; allowed: {', '.join(PEERS)}")


def available(peer: str) -> bool:
    """Whether ``peer`` can be imported (without importing it)."""
    import importlib.util

    return importlib.util.find_spec(peer) is not None


# --------------------------------------------------------------------------- driver


def bench(
    functions: Sequence[str],
    sizes: Sequence[int],
    dtypes: Sequence[str],
    against: Sequence[str],
    repeat: int = 5,
    threads: int | None = None,
    progress: bool = True,
) -> list[Result]:
    """Time every function at every size and dtype against every peer."""
    if threads is not None:
        set_num_threads(threads)
    nthreads = get_num_threads()
    peers = [p for p in against if available(p)]
    jobs = [(n, s, d) for n in functions for s in sizes for d in dtypes]
    results: list[Result] = []
    for i, (name, size, dtype) in enumerate(jobs):
        if progress:
            _progress(i, len(jobs), f"{name} {dtype} {size:.0e}")
        f = ACTIVATIONS[name]
        x = make_input(f, size, np.dtype(dtype))
        p = _params(f)
        out = f(x, **p)
        n = x.size
        calls: dict[str, Call] = {
            "actfn": lambda: f(x, **p),  # noqa: B023
            "actfn out": lambda: f(x, **p, out=out),  # noqa: B023
        }
        for peer in peers:
            try:
                fresh, with_out = _peer_calls(peer, name, x, nthreads)
            except ImportError:
                continue
            if fresh is not None:
                calls[peer] = fresh
            if with_out is not None:
                calls[peer + " out"] = with_out
        best = best_ms(calls, repeat, n)
        mem = peak_mib(lambda: f(x, **p), out.nbytes)  # noqa: B023
        r = Result(name, str(np.dtype(dtype)), n, nthreads, best["actfn"], best["actfn out"], mem)
        for peer in peers:
            if peer in best:
                r.peers[peer] = best[peer]
            if peer + " out" in best:
                r.peers_out[peer] = best[peer + " out"]
        results.append(r)
    if progress:
        _progress(len(jobs), len(jobs), "done")
        sys.stderr.write("\n")
    return results


def _progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = width * done // max(total, 1)
    bar = "#" * filled + "." * (width - filled)
    sys.stderr.write(f"\r[{bar}] {done}/{total} {label:<32}")
    sys.stderr.flush()


def _fmt(v: float | None, digits: int = 2) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def _ms(v: float | None) -> str:
    """A time in ms to 4 significant digits (0.001234 for a microsecond call)."""
    return "-" if v is None else f"{v:.4g}"


def table(results: Sequence[Result], against: Sequence[str]) -> str:
    """A plain-text table: times in ms, ratios actfn / peer (below 1: actfn faster)."""
    head = ["function", "dtype", "size", "actfn", "out="]
    for p in against:
        head += [p, f"/{p}"]
    head += ["torch out=", "/torch out=", "peak MiB"]
    rows = [head]
    for r in results:
        row = [r.name, r.dtype, f"{r.size:.0e}", _ms(r.actfn), _ms(r.actfn_out)]
        for p in against:
            row += [_ms(r.peers.get(p)), _fmt(r.ratio(p))]
        row += [
            _ms(r.peers_out.get("torch")),
            _fmt(r.ratio("torch", out=True)),
            _fmt(r.peak_mib, 1),
        ]
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(
            c.rjust(w) if j >= 2 else c.ljust(w)
            for j, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``actfn bench``."""
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help="activations to time (default: all)"
    )
    parser.add_argument(
        "--size",
        type=int,
        action="append",
        metavar="N",
        help="number of elements (repeatable; default: 1000, 100000, 10000000)",
    )
    parser.add_argument(
        "--dtype",
        action="append",
        choices=["float32", "float64"],
        help="input dtype (repeatable; default: float32 and float64)",
    )
    parser.add_argument(
        "--against",
        default=",".join(PEERS),
        metavar="PEERS",
        help=f"comma-separated peers among {','.join(PEERS)} (default: all installed)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        metavar="N",
        help="timings per measurement; the best is kept (default: 5)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="threads for actfn and PyTorch (default: actfn's setting)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Run ``actfn bench`` with parsed arguments; returns the exit status."""
    chosen = []
    for n in args.names or names():
        try:
            f = get(n)  # aliases resolve to their activation
        except (ValueError, TypeError) as exc:
            sys.stderr.write(f"actfn bench: unknown activation {n!r}: {exc}\n")
            return 2
        chosen.append(f.name if isinstance(f, Activation) else n)
    against = [p.strip() for p in args.against.split(",") if p.strip()]
    bad = [p for p in against if p not in PEERS]
    if bad:
        sys.stderr.write(
            f"actfn bench: --against: unknown peer(s) {', '.join(bad)}; "
            f"allowed: {', '.join(PEERS)}\n"
        )
        return 2
    sizes = args.size or [10**3, 10**5, 10**7]
    if any(s < 1 for s in sizes):
        sys.stderr.write("actfn bench: --size must be a positive integer\n")
        return 2
    if args.repeat < 1:
        sys.stderr.write("actfn bench: --repeat must be a positive integer\n")
        return 2
    if args.threads is not None and args.threads < 1:
        sys.stderr.write("actfn bench: --threads must be a positive integer\n")
        return 2
    dtypes = args.dtype or ["float32", "float64"]
    missing = [p for p in against if not available(p)]
    if missing:
        sys.stderr.write(f"actfn bench: not installed, skipped: {', '.join(missing)}\n")
    results = bench(
        chosen,
        sizes,
        dtypes,
        against,
        repeat=args.repeat,
        threads=args.threads,
        progress=not args.quiet,
    )
    present = [p for p in against if p not in missing]
    print(
        f"# actfn bench: best of {args.repeat}, {get_num_threads()} thread(s); "
        "times in ms; /peer = actfn time / peer time (below 1: actfn is faster)"
    )
    print(table(results, present))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump([asdict(r) for r in results], fh, indent=1)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="actfn bench", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
