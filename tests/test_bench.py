"""actfn.bench: the command's options, its table and its JSON (no timing assertions)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from actfn import bench


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_run_writes_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "speed.json"
    args = _args(
        "relu",
        "softmax",
        "glu",
        "swish",
        "--size",
        "2000",
        "--dtype",
        "float32",
        "--against",
        "numpy",
        "--repeat",
        "1",
        "--json",
        str(out),
    )
    assert bench.run(args) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("# actfn bench")
    assert [ln.split()[0] for ln in lines[3:]] == ["relu", "softmax", "glu", "silu"]
    assert "numpy" in lines[1]
    assert "[" in captured.err  # the progress bar
    data = json.loads(out.read_text())
    assert [d["name"] for d in data] == ["relu", "softmax", "glu", "silu"]
    for d in data:
        assert d["size"] == 2000
        assert d["actfn"] > 0.0
        assert d["actfn_out"] > 0.0
        assert d["peak_mib"] >= 0.0
        assert d["peers"]["numpy"] > 0.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nosuch"], "unknown activation"),
        (["relu", "--against", "tensorflow"], "unknown peer"),
        (["relu", "--size", "0"], "--size"),
        (["relu", "--repeat", "0"], "--repeat"),
        (["relu", "--threads", "0"], "--threads"),
    ],
)
def test_bad_arguments(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.run(_args(*argv)) == 2
    assert message in capsys.readouterr().err


def test_torch_peer_matches_actfn_values() -> None:
    # The peer table calls the function it claims to: same values as actfn
    # (to float32 tolerance), fresh and with out=.
    torch = pytest.importorskip("torch", reason="PyTorch not installed")
    import numpy as np

    import actfn

    for name in ["elu", "gelu", "softmax", "hard_silu", "threshold"]:
        f = actfn.ACTIVATIONS[name]
        x = bench.make_input(f, 3000, np.float32)
        fresh, with_out = bench._peer_calls("torch", name, x, 1)
        assert fresh is not None
        expect = f(x, **bench._params(f))
        np.testing.assert_allclose(fresh().numpy(), expect, rtol=2e-6, atol=1e-6)
        if with_out is not None:
            np.testing.assert_allclose(with_out().numpy(), expect, rtol=2e-6, atol=1e-6)
    assert torch.get_num_threads() == 1
    torch.set_num_threads(actfn.get_num_threads())


def test_timings_taken_in_rounds() -> None:
    # Each call once per round (after one warm-up call each), so that a slow spell
    # of the machine falls on every library rather than on one.
    order: list[str] = []
    calls = {k: (lambda k=k: order.append(k)) for k in ("actfn", "torch", "torch out")}
    best = bench.best_ms(calls, repeat=3, size=10**6)
    assert order == ["actfn", "torch", "torch out"] * 4
    assert set(best) == set(calls) and all(t >= 0.0 for t in best.values())
