"""The README stays true: its example runs, its table lists the registry, CI runs its command."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import numpy as np

import actfn
from actfn._docs import markdown_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, {"np": np}, f"README[{i}]", None, 0)
        result = runner.run(test, out=lambda s: None)
        assert result.attempted > 0 and result.failed == 0


def test_readme_table_lists_every_activation() -> None:
    # the table is generated from the registry; regenerate with
    # python -c "from actfn._docs import markdown_table; print(markdown_table())"
    assert markdown_table() in README
    listed = set(re.findall(r"^\| `(\w+)\(", README, flags=re.M))
    assert listed == set(actfn.names())


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    test_cmd = next(c for c in commands if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for part in test_cmd.split(" && "):
        assert part.replace("pip install", "python -m pip install -q") in ci or part in ci, part
