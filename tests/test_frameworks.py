"""actfn inside the frameworks: Keras 3 layers (JAX and PyTorch backends) and the
``torch.nn.Module`` wrappers of ``actfn.torch``."""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import actfn

from conftest import ALL, REQUIRED_PARAMS, by_name, linspace_in_domain, params_for

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, "src"))

# ----------------------------------------------------------------------------- Keras

# Runs in a fresh process: Keras fixes its backend at import.  Every activation is
# used as a Dense layer's activation= (forward pass against actfn on NumPy), and a
# few small models, with actfn activations in hidden and output layers, train.
_KERAS = r"""
import json, sys
import numpy as np
import keras
import actfn

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
labels = (x @ np.array([1.0, -2.0, 0.5, 3.0]) > 0).astype("int32")
report = {"forward": {}, "train": {}}
params = json.loads(sys.argv[1])  # conftest.REQUIRED_PARAMS (a seed for random draws)

for name in actfn.names():
    f = actfn.ACTIVATIONS[name].configure(**params.get(name, {}))
    layer = keras.layers.Dense(8, activation=f)
    y = keras.ops.convert_to_numpy(layer(x))
    w, b = (keras.ops.convert_to_numpy(v) for v in layer.weights)
    with np.errstate(invalid="ignore"):  # log1mexp is NaN below 0, on both sides
        want = f(x.astype(np.float64) @ w.astype(np.float64) + b)
    same_nan = bool(np.array_equal(np.isnan(y), np.isnan(want)))
    ok = ~np.isnan(want) & ~np.isnan(y)
    report["forward"][name] = [str(y.dtype), list(y.shape), same_nan,
                               float(np.max(np.abs(y - want)[ok] / (1.0 + np.abs(want[ok])),
                                            initial=0.0))]

TRAIN = [("gelu", "softmax"), ("elu", "log_softmax"), ("silu", "sparsemax"),
         ("glu", "softmax"), ("relu", "softmax"), ("mish", "sigmoid")]
for hidden, output in TRAIN:
    h = actfn.ACTIVATIONS[hidden]
    if hidden == "elu":
        h = h.configure(alpha=0.5)
    o = actfn.ACTIVATIONS[output]
    n_out = 1 if output == "sigmoid" else 2
    # glu halves its input, which a Dense layer's declared output shape cannot say:
    # it goes in a Lambda layer, whose shape Keras infers by running it symbolically.
    hidden_layers = ([keras.layers.Dense(16), keras.layers.Lambda(h)] if hidden == "glu"
                     else [keras.layers.Dense(16, activation=h)])
    model = keras.Sequential([keras.Input((4,)), *hidden_layers,
                              keras.layers.Dense(n_out, activation=o)])
    if output == "sigmoid":
        loss = "binary_crossentropy"
    elif output == "log_softmax":
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    else:
        loss = "sparse_categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss)
    before = [w.copy() for w in model.get_weights()]
    hist = model.fit(x, labels, epochs=8, batch_size=16, verbose=0, shuffle=False)
    moved = all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    report["train"][f"{hidden}/{output}"] = [hist.history["loss"], moved]
print("REPORT " + json.dumps(report))
"""


def _run_keras(backend: str) -> dict[str, Any]:
    env = dict(os.environ)
    env["KERAS_BACKEND"] = backend
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", _KERAS, json.dumps(REQUIRED_PARAMS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT ")][-1]
    return json.loads(line[len("REPORT ") :])  # type: ignore[no-any-return]


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_keras_layers_accept_actfn_activations(backend: str) -> None:
    pytest.importorskip("keras", reason="Keras not installed")
    pytest.importorskip(backend, reason=f"{backend} not installed")
    report = _run_keras(backend)
    assert sorted(report["forward"]) == sorted(actfn.names())
    for name, (dtype, shape, same_nan, err) in report["forward"].items():
        f = actfn.ACTIVATIONS[name]
        assert dtype == "float32", name
        # (64, 8), or what f makes of it: halves (glu), a reduction (logsumexp)
        assert shape == list(f._out_shape((64, 8), f._bind((), params_for(f)))), name
        # NaN exactly where the float64 reference has it (outside log1mexp's domain)
        assert same_nan, name
        # float32 matmul against the float64 reference: a few float32 roundings of
        # a sum of 4 products, carried through f (|f'| <= ~1.1 here).
        assert err < 1e-5, (name, err)
    assert len(report["train"]) == 6
    for model, (losses, moved) in report["train"].items():
        assert all(np.isfinite(losses)), (model, losses)
        assert moved, model
        assert losses[-1] < losses[0], (model, losses)


# ---------------------------------------------------------------------- actfn.torch

torch = pytest.importorskip("torch", reason="PyTorch not installed")
import actfn.torch as at  # noqa: E402  (needs torch, skipped above without it)

EXPECTED_NAMES = {
    "relu": "ReLU",
    "leaky_relu": "LeakyReLU",
    "relu6": "ReLU6",
    "elu": "ELU",
    "selu": "SELU",
    "celu": "CELU",
    "gelu": "GELU",
    "silu": "SiLU",
    "swish": "Swish",
    "hard_silu": "HardSiLU",
    "hard_swish": "HardSwish",
    "glu": "GLU",
    "softmax": "Softmax",
    "log_softmax": "LogSoftmax",
    "hard_tanh": "HardTanh",
    "linear": "Identity",
}


def test_a_module_for_every_activation_and_alias() -> None:
    for name in actfn.names(include_aliases=True):
        cls = at.module_for(name)
        assert getattr(at, at.class_name(name)) is cls
        assert cls.activation is actfn.get(name)
        assert issubclass(cls, torch.nn.Module)
        assert at.class_name(name) in at.__all__
    for name, cls_name in EXPECTED_NAMES.items():
        assert at.class_name(name) == cls_name
    assert len(set(at.__all__)) == len(at.__all__)
    with pytest.raises(ValueError, match="unknown activation 'nope'"):
        at.module_for("nope")


@pytest.mark.parametrize("f", **by_name(ALL))
def test_module_forward_equals_the_function(f: actfn.Activation) -> None:
    p = params_for(f)
    m = at.module_for(f.name)(**p)
    x = torch.tensor(linspace_in_domain(f, -6.0, 6.0, 24).reshape(4, 6)).requires_grad_()
    y = m(x)
    assert torch.equal(y.detach(), f(x.detach(), **p))
    gy = np.random.default_rng(0).normal(size=tuple(y.shape))
    (g,) = torch.autograd.grad(y, x, torch.tensor(gy))
    want = f.vjp(x.detach().numpy(), gy, **p)
    # The same float64 formula on both sides; the axis functions' sums may be
    # reduced in another order (absolute error, a few ULP of |g| ~ 1).
    assert np.allclose(g.numpy(), want, rtol=1e-14, atol=1e-15)
    # extra_repr shows every parameter, defaults included.
    full = {prm.name: p.get(prm.name, prm.default) for prm in f.params}
    assert repr(m) == f"{type(m).__name__}({', '.join(f'{k}={v!r}' for k, v in full.items())})"


def test_module_parameters_are_validated_by_the_record() -> None:
    assert at.ELU(0.5).params == {"alpha": 0.5}
    assert at.ELU(alpha=0.5).fn == actfn.elu.configure(alpha=0.5)
    with pytest.raises(ValueError, match=r"celu: alpha=0\.0 is outside its domain"):
        at.CELU(alpha=0.0)
    with pytest.raises(TypeError, match="elu: alpha must be a finite real number; got str"):
        at.ELU(alpha="big")
    with pytest.raises(TypeError, match="did you mean 'alpha'"):
        at.ELU(alpah=1.0)
    with pytest.raises(TypeError, match="Threshold: missing required parameter"):
        at.Threshold()
    with pytest.raises(TypeError, match="ELU: takes at most 1 parameter"):
        at.ELU(1.0, 2.0)
    with pytest.raises(TypeError, match="multiple values for 'alpha'"):
        at.ELU(1.0, alpha=2.0)
    with pytest.raises(ValueError, match=r"min_val=2\.0 must not exceed max_val=1\.0"):
        at.HardTanh(min_val=2.0)


def test_sequential_with_actfn_module_trains() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), at.ELU(alpha=0.5), torch.nn.Linear(8, 1))
    assert "ELU(alpha=0.5)" in repr(model)
    x = torch.randn(128, 4)
    y = (x @ torch.tensor([1.0, -2.0, 0.5, 3.0]))[:, None].tanh()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert all(np.isfinite(losses))
    assert losses[-1] < 0.5 * losses[0]


def test_softmax_module_along_an_axis_and_glu_halves() -> None:
    x = torch.randn(3, 8, dtype=torch.float64)
    assert torch.allclose(at.Softmax(axis=0)(x).sum(dim=0), torch.ones(8, dtype=x.dtype))
    assert at.GLU()(x).shape == (3, 4)
    assert at.GLU(axis=0)(torch.randn(4, 5)).shape == (2, 5)


def test_actfn_torch_docstring_examples_run() -> None:
    result = doctest.testmod(at, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
