"""benchmarks/table.py: the docs' and the README's tables from bench JSON."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _module() -> Any:
    spec = importlib.util.spec_from_file_location("table", ROOT / "benchmarks" / "table.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _row(name: str, size: int, actfn: float, out: float, torch: float | None) -> dict[str, Any]:
    return {
        "name": name,
        "dtype": "float32",
        "size": size,
        "threads": 2,
        "actfn": actfn,
        "actfn_out": out,
        "peak_mib": 0.25,
        "peers": {} if torch is None else {"torch": torch, "numpy": 4 * actfn},
        "peers_out": {} if torch is None else {"torch": 2 * out},
    }


def test_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = _module()
    big = [_row("relu", 10**7, 3.0, 2.0, 12.0), _row("sparse_plus", 10**7, 4.0, 2.5, None)]
    small = [_row("relu", 1000, 0.0016, 0.002, 0.0032)]
    doc = t.table(big)
    assert "**1e+07 float32 elements**" in doc
    assert "| relu | 3.00 | 12.00 | 0.25 | 2.00 | 4.00 | 0.50 | 0.25 | 0.2 |" in doc
    assert "| sparse_plus | 4.00 | - | - | 2.50 | - | - | - | 0.2 |" in doc
    assert "| relu | 1.6 | 3.2 | 0.50 |" in t.table(small)  # µs below 10^5
    readme = t.readme_table(big, small)
    assert "| relu | 0.25 | 0.50 | 0.50 | 0.25 | 0.2 |" in readme
    assert "| sparse_plus | - | - | - | - | 0.2 |" in readme
    # the command line: one table per file, or --readme BIG SMALL
    paths = []
    for rows, name in [(big, "big.json"), (small, "small.json")]:
        (tmp_path / name).write_text(json.dumps(rows))
        paths.append(str(tmp_path / name))
    assert t.main(["--readme", *paths]) == 0
    assert capsys.readouterr().out == readme
    assert t.main(paths[:1]) == 0
    assert capsys.readouterr().out == doc + "\n"
