#!/usr/bin/env bash
# The checks that need a CUDA GPU, in one run (docs/backends.md, "Running on GPUs"):
#   1. the test suite's CuPy and CUDA-tensor cases (the cupy and torch_cuda backends of
#      the xp fixture, and test_autodiff's cuda device), which skip on a machine
#      without a GPU;
#   2. benchmarks/gpu.py: agreement with the NumPy results and speed on the GPU;
#   3. the JAX cases of test_backends, with JAX on the GPU.
# Run from the repository root on a machine with PyTorch (CUDA), CuPy and JAX.  Wheels
# in .whl/ (array-api-compat where it is missing) are installed first; results go to
# $OUT (default gpu-out/).
set -o pipefail
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
# (without XLA_PYTHON_CLIENT_PREALLOCATE=false each pytest-xdist worker's JAX takes 75%
# of the GPU's memory, and CuPy and PyTorch in the others run out of it)
export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}src XLA_PYTHON_CLIENT_PREALLOCATE=false
export PYTHONUNBUFFERED=1 KERAS_BACKEND=numpy
nvidia-smi -L
python3 -c 'import numpy, torch, cupy, jax, array_api_compat as c
print("numpy", numpy.__version__, "torch", torch.__version__, "cupy", cupy.__version__,
      "jax", jax.__version__, jax.devices(), "array_api_compat", c.__version__)'
if python3 setup.py build_ext --inplace >"$OUT/build.log" 2>&1; then
    echo "C extension built"
else
    echo "C extension not built (NumPy engine only; see build.log)"
fi
timeout "${T1:-240}" python3 -m pytest -q -p no:cacheprovider -p no:benchmark -n 8 -rfEs \
    tests/test_backends.py tests/test_beyond.py tests/test_autodiff.py \
    -k "cupy or cuda" --junitxml "$OUT/junit-gpu.xml" 2>&1 | tee "$OUT/pytest-gpu.log" | tail -60
echo "pytest (cupy, cuda) exit: $?"
timeout "${T2:-150}" python3 benchmarks/gpu.py --json "$OUT/gpu.json" >"$OUT/gpu.log" 2>&1
echo "gpu.py exit: $?"
tail -3 "$OUT/gpu.log"
if [ "${RUN_JAX:-1}" = 1 ]; then
    timeout "${T3:-90}" python3 -m pytest -q -p no:cacheprovider -p no:benchmark -n 8 -rfE \
        tests/test_backends.py -k "jax" 2>&1 | tee "$OUT/pytest-jax.log" | tail -30
    echo "pytest (jax on the GPU) exit: $?"
fi
