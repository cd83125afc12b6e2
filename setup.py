"""Build the optional compiled kernels (actfn._cnative); everything else is in pyproject.toml.

The extension is optional: where it cannot be built (no C compiler, another
platform), actfn installs without it and runs its NumPy kernels instead.
"""

from pathlib import Path

from setuptools import Extension, setup

C_DIR = Path("src/actfn/_c")
SOURCES = sorted(str(p) for p in C_DIR.glob("*.c"))

# -fno-trapping-math and -fno-math-errno let GCC vectorise selects and the
# kernels' arithmetic without changing any result; -ffp-contract=off keeps each
# a * b + c two roundings, so every instruction set computes the same values
# (but for k_avx512.c's kernels, which only AVX-512 processors run: within 1 ULP).
FLAGS = ["-O3", "-std=c11", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off"]

setup(
    ext_modules=[
        Extension(
            "actfn._cnative",
            sources=SOURCES,
            depends=[str(p) for p in C_DIR.glob("*.h")],
            extra_compile_args=FLAGS,
            optional=True,
        )
    ]
)
