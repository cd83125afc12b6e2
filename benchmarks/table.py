"""Markdown tables from ``actfn bench --json`` files: ``python benchmarks/table.py FILE...``.

One table per file (size and dtype in its heading): times in ms (µs for sizes
below 10^5), ratios actfn / PyTorch fresh and with ``out=``, actfn / naive
NumPy where measured, and peak memory beyond the output.  The ratios are the
figures that carry over between machines; the times are this run's.

``python benchmarks/table.py --readme BIG.json SMALL.json``: the README's table,
ratios only: BIG's (10^7) fresh and ``out=`` ratios, SMALL's (10^3) fresh ratio,
BIG's naive-NumPy ratio and peak memory.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _num(v: float | None, digits: int) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b <= 0 else f"{a / b:.2f}"


def table(rows: list[dict[str, Any]]) -> str:
    micro = rows[0]["size"] < 100_000
    unit, scale, digits = ("µs", 1000.0, 1) if micro else ("ms", 1.0, 2)
    head = [
        "function",
        f"actfn {unit}",
        f"torch {unit}",
        "actfn / torch",
        f"actfn `out=` {unit}",
        f"torch `out=` {unit}",
        "actfn / torch, both `out=`",
        "actfn / naive NumPy",
        "peak MiB beyond output",
    ]
    lines = [
        f"**{rows[0]['size']:.0e} {rows[0]['dtype']} elements**",
        "",
        "| " + " | ".join(head) + " |",
        "|---|" + "---:|" * (len(head) - 1),
    ]
    for r in rows:
        torch = r["peers"].get("torch")
        torch_out = r["peers_out"].get("torch")
        cells = [
            r["name"],
            _num(r["actfn"] * scale, digits),
            _num(None if torch is None else torch * scale, digits),
            _ratio(r["actfn"], torch),
            _num(r["actfn_out"] * scale, digits),
            _num(None if torch_out is None else torch_out * scale, digits),
            _ratio(r["actfn_out"], torch_out),
            _ratio(r["actfn"], r["peers"].get("numpy")),
            _num(r["peak_mib"], 1),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def readme_table(big: list[dict[str, Any]], small: list[dict[str, Any]]) -> str:
    """The README's ratio table from a 10^7 run and a 10^3 run."""
    head = [
        "function",
        "actfn / PyTorch",
        "actfn / PyTorch, both `out=`",
        "actfn / PyTorch, 10^3",
        "actfn / naive NumPy",
        "peak MiB beyond output",
    ]
    at = {r["name"]: r for r in small}
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for r in big:
        s = at.get(r["name"])
        cells = [
            r["name"],
            _ratio(r["actfn"], r["peers"].get("torch")),
            _ratio(r["actfn_out"], r["peers_out"].get("torch")),
            "-" if s is None else _ratio(s["actfn"], s["peers"].get("torch")),
            _ratio(r["actfn"], r["peers"].get("numpy")),
            _num(r["peak_mib"], 1),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if argv[:1] == ["--readme"] and len(argv) == 3:
        runs = []
        for path in argv[1:]:
            with open(path, encoding="utf-8") as fh:
                runs.append(json.load(fh))
        print(readme_table(runs[0], runs[1]), end="")
        return 0
    for path in argv:
        with open(path, encoding="utf-8") as fh:
            rows = json.load(fh)
        by_size: dict[tuple[int, str], list[dict[str, Any]]] = {}
        for r in rows:
            by_size.setdefault((r["size"], r["dtype"]), []).append(r)
        for group in by_size.values():
            print(table(group))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
