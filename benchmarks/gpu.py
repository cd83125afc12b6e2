"""GPU check: actfn on CUDA tensors (PyTorch) and CuPy arrays, beside PyTorch's own
CUDA kernels.  ``python benchmarks/gpu.py [--size N] [--repeat R] [--json FILE]``.

For every activation, with its default parameters (and its sample parameters where
it needs some):

* agreement: the largest distance, in ULPs of the dtype, between the result on the
  GPU and actfn's result on NumPy for the same input, on the accuracy harness's
  sample of the whole float32 / float64 range (subnormals, edges, +-inf, NaN;
  ``actfn.accuracy.sample``) for elementwise functions, and on rows of normal
  values with edges in them for the others.  actfn's NumPy result is itself
  within 1 ULP of the true value (docs/accuracy.md), so the GPU's error is at
  most this distance plus that.  PyTorch's own CUDA function, where it has one,
  is measured the same way.  CuPy flushes float32 subnormals to zero
  (cupy/cupy#8382): its results of 0 where NumPy's is subnormal are counted
  (``cupy_flushed``) and left out of its distance.
* speed: the median time of ``--repeat`` calls on ``--size`` float32 elements
  (rows of 1024 for functions along an axis), timed with CUDA events after a
  warm-up: actfn on a CUDA tensor, PyTorch's own function, actfn on CuPy.

Needs a CUDA GPU, PyTorch with CUDA, and CuPy (each part is skipped, with the
reason printed, where its library is missing).  Run from the repository root.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import actfn
from actfn import accuracy as acc


def _rows(dtype: Any) -> np.ndarray[Any, Any]:
    """Rows of normal values (sd 4), with the float32/float64 edges in the first ones."""
    x = np.random.default_rng(5).normal(size=(16, 64)) * 4.0
    x[0, :6] = [-1e4, 0.0, 1e4, -1e4, 88.0, -88.0]
    x[1, :4] = [700.0, -700.0, 699.0, 0.0]
    x[2, :] = 0.25
    return x.astype(dtype)


def _input(f: actfn.Activation, p: dict[str, Any], dtype: str) -> np.ndarray[Any, Any]:
    if not f.elementwise:
        return _rows(np.dtype(dtype))
    full = f.configure(**p).defaults if p else f.defaults
    kinks = [float(k) for k in f.spec.kinks(full)]
    x = acc.sample(dtype, kinks=kinks)
    lo, hi = f.spec.domain
    x = x[np.isnan(x) | ((x >= lo) & (x <= hi))]
    return np.asarray(x, dtype=dtype)


def _distance(got: np.ndarray[Any, Any], want: np.ndarray[Any, Any], dtype: str) -> float:
    d = acc.ulp_distance(got, want, dtype)
    return float(np.max(d)) if d.size else 0.0


def _flushed(got: np.ndarray[Any, Any], want: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Where got is 0 and want is subnormal (or the reverse)."""
    tiny = np.finfo(want.dtype).tiny
    sub_w = (want != 0) & (np.abs(want) < tiny)
    sub_g = (got != 0) & (np.abs(got) < tiny)
    out: np.ndarray[Any, Any] = ((got == 0) & sub_w) | ((want == 0) & sub_g)
    return out


def agreement(torch: Any, cupy: Any, device: str) -> list[dict[str, Any]]:
    peers = acc._torch_fns(torch) if torch is not None else {}
    out = []
    for name in actfn.names():
        f = actfn.ACTIVATIONS[name]
        p = dict(f.spec.sample_params)
        for dtype in ("float32", "float64"):
            x = _input(f, p, dtype)
            want = np.asarray(f(x, **p))
            row: dict[str, Any] = {"function": name, "dtype": dtype}
            with np.errstate(all="ignore"):
                if torch is not None:
                    xt = torch.from_numpy(x).to(device)
                    row["actfn_torch"] = _distance(f(xt, **p).cpu().numpy(), want, dtype)
                    if name in peers:
                        try:
                            row["pytorch_own"] = _distance(
                                peers[name](xt).cpu().numpy(), want, dtype
                            )
                        except (RuntimeError, TypeError) as exc:
                            row["pytorch_own"] = f"error: {exc}"[:80]
                if cupy is not None:
                    # CuPy flushes float32 subnormals (cupy/cupy#8382): counted apart
                    got = cupy.asnumpy(f(cupy.asarray(x), **p))
                    flushed = _flushed(got, want)
                    row["cupy"] = _distance(got[~flushed], want[~flushed], dtype)
                    row["cupy_flushed"] = int(flushed.sum())
            out.append(row)
            print(json.dumps(row), flush=True)
    return out


def _time(torch: Any, fn: Callable[[], Any], repeat: int) -> float:
    """Median milliseconds of ``repeat`` calls after one warm-up (CUDA events on a GPU)."""
    fn()
    if not torch.cuda.is_available():
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1e3)
        return statistics.median(times)
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        a = torch.cuda.Event(enable_timing=True)
        b = torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    return statistics.median(times)


def speed(torch: Any, cupy: Any, device: str, size: int, repeat: int) -> list[dict[str, Any]]:
    peers = acc._torch_fns(torch)
    out = []
    base = np.random.default_rng(3).normal(size=size).astype(np.float32) * 4.0
    for name in actfn.names():
        f = actfn.ACTIVATIONS[name]
        p = dict(f.spec.sample_params)
        x = base if f.elementwise else base[: size - size % 1024].reshape(-1, 1024)
        lo, hi = f.spec.domain
        x = np.clip(x, lo, hi) if (lo, hi) != (-np.inf, np.inf) else x
        xt = torch.from_numpy(x).to(device)
        row: dict[str, Any] = {"function": name, "size": size}
        row["actfn_torch_ms"] = _time(torch, partial(f, xt, **p), repeat)
        if name in peers:
            try:
                row["pytorch_ms"] = _time(torch, partial(peers[name], xt), repeat)
            except (RuntimeError, TypeError) as exc:  # a parameter float32 cannot hold
                row["pytorch_ms"] = f"error: {exc}"[:80]
        if cupy is not None:
            row["actfn_cupy_ms"] = _time(torch, partial(f, cupy.asarray(x), **p), repeat)
        out.append(row)
        print(json.dumps(row), flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/gpu.py", description=__doc__)
    parser.add_argument("--size", type=int, default=1 << 26, help="elements (default 2^26)")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls (default 20)")
    parser.add_argument("--json", metavar="FILE", help="write the rows as JSON")
    parser.add_argument("--no-speed", action="store_true", help="agreement only")
    parser.add_argument(
        "--device", default="cuda", help="PyTorch device (default cuda; cpu checks the script)"
    )
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("gpu.py: PyTorch is not installed", file=sys.stderr)
        return 2
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("gpu.py: PyTorch sees no CUDA device", file=sys.stderr)
        return 2
    try:
        import cupy

        cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # not installed, or no usable CUDA device
        print(f"gpu.py: no CuPy ({exc}); its columns are left out", file=sys.stderr)
        cupy = None
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "none"
    print(f"device: {args.device} ({gpu}); torch {torch.__version__}", flush=True)
    result = {
        "device": gpu,
        "torch": torch.__version__,
        "agreement": agreement(torch, cupy, args.device),
        "speed": [] if args.no_speed else speed(torch, cupy, args.device, args.size, args.repeat),
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
