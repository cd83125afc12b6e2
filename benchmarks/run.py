"""Speed benchmark: ``python benchmarks/run.py [NAMES...] [options]``.

A thin wrapper around :mod:`actfn.bench` (the same as ``actfn bench``); see
``python benchmarks/run.py --help`` and docs/speed.md.  Run from the repository
root; the source tree is used when actfn is not installed.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    from actfn.bench import main

    raise SystemExit(main())
