"""The registry: public names, get / serialize / deserialize, Keras's identifiers."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest

import actfn

from conftest import ALL, by_name, params_for

KERAS_NAMES = [
    "relu", "leaky_relu", "relu6", "elu", "selu", "celu", "exponential", "softplus",
    "softsign", "soft_shrink", "hard_shrink", "tanh_shrink", "sparse_plus", "silu",
    "hard_silu", "gelu", "mish", "squareplus", "tanh", "hard_tanh", "sigmoid",
    "hard_sigmoid", "log_sigmoid", "sparse_sigmoid", "threshold", "linear", "softmax",
    "log_softmax", "sparsemax", "glu",
]  # fmt: skip

# Keras 3's signatures (keras.activations, 3.15): parameter names, order, defaults.
KERAS_SIGNATURES = {
    "relu": [("negative_slope", 0.0), ("max_value", None), ("threshold", 0.0)],
    "leaky_relu": [("negative_slope", 0.2)],
    "elu": [("alpha", 1.0)],
    "celu": [("alpha", 1.0)],
    "soft_shrink": [("threshold", 0.5)],
    "hard_shrink": [("threshold", 0.5)],
    "gelu": [("approximate", False)],
    "squareplus": [("b", 4)],
    "threshold": [
        ("threshold", inspect.Parameter.empty),
        ("default_value", inspect.Parameter.empty),
    ],
    "softmax": [("axis", -1)],
    "log_softmax": [("axis", -1)],
    "sparsemax": [("axis", -1)],
    "glu": [("axis", -1)],
}


def test_every_keras_activation_is_registered() -> None:
    missing = [n for n in KERAS_NAMES if n not in actfn.ACTIVATIONS]
    assert missing == []
    assert actfn.swish is actfn.silu
    assert actfn.hard_swish is actfn.hard_silu


def test_all_matches_registry() -> None:
    extras = {
        "ACTIVATIONS",
        "Activation",
        "__version__",
        "deserialize",
        "get",
        "get_num_threads",
        "names",
        "serialize",
        "set_num_threads",
    }
    public = set(actfn.__all__) - extras
    assert public == set(actfn.names(include_aliases=True))
    for name in actfn.names():
        assert getattr(actfn, name) is actfn.ACTIVATIONS[name]
    assert len(actfn.__all__) == len(set(actfn.__all__))


@pytest.mark.parametrize("name", KERAS_NAMES)
def test_keras_signature(name: str) -> None:
    sig = inspect.signature(actfn.get(name))
    params = list(sig.parameters.values())
    assert params[0].name == "x"
    assert params[-1].name == "out" and params[-1].kind is inspect.Parameter.KEYWORD_ONLY
    expected = KERAS_SIGNATURES.get(name, [])
    got = [(p.name, p.default) for p in params[1 : 1 + len(expected)]]
    assert got == expected


def test_get_keras_identifiers() -> None:
    assert actfn.get(None) is actfn.linear
    assert actfn.get("swish") is actfn.silu
    assert actfn.get("hard_swish") is actfn.hard_silu

    def mine(x: object) -> object:
        return x

    assert actfn.get(mine) is mine


@pytest.mark.parametrize(
    ("name", "suggestion"), [("rellu", "relu"), ("gelu_", "gelu"), ("sofmax", "softmax")]
)
def test_unknown_name_suggests(name: str, suggestion: str) -> None:
    with pytest.raises(ValueError, match=rf"unknown activation '{name}'.*'{suggestion}'"):
        actfn.get(name)
    with pytest.raises(ValueError, match="did you mean"):
        actfn.deserialize(name)


def test_serialize_alias_gives_canonical_name() -> None:
    assert actfn.serialize(actfn.swish) == "silu"
    assert actfn.deserialize("swish") is actfn.silu
    assert actfn.serialize(actfn.get("hard_swish")) == "hard_silu"


@pytest.mark.parametrize(
    ("name", "config"),
    [
        ("elu", {"alpha": 0.5}),
        ("relu", {"negative_slope": 0.1, "max_value": 6.0, "threshold": -1.0}),
        ("leaky_relu", {"negative_slope": 2.0}),
        ("gelu", {"approximate": True}),
        ("threshold", {"threshold": 0.25, "default_value": -3.0}),
        ("softmax", {"axis": 0}),
        ("squareplus", {"b": 1.0}),
    ],
)
def test_config_round_trip(name: str, config: dict[str, object]) -> None:
    f = actfn.get({"class_name": name, "config": config})
    assert isinstance(f, actfn.Activation)
    assert actfn.serialize(f) == {"class_name": name, "config": config}
    assert actfn.deserialize(actfn.serialize(f)) == f
    x = np.linspace(-4.0, 4.0, 12).reshape(3, 4)
    np.testing.assert_array_equal(f(x), actfn.get(name)(x, **config))
    g = np.cos(x)
    np.testing.assert_array_equal(f.vjp(x, g), actfn.get(name).vjp(x, g, **config))
    if f.elementwise:
        np.testing.assert_array_equal(f.derivative(x), actfn.get(name).derivative(x, **config))
    # pickling goes through the registry, not through code objects
    assert pickle.loads(pickle.dumps(f)) == f


def test_plain_activation_serializes_to_name() -> None:
    for f in ALL:
        assert actfn.serialize(f) == f.name
        assert actfn.deserialize(f.name) is f


def test_configured_call_can_override_bound_parameter() -> None:
    f = actfn.elu.configure(alpha=0.5)
    assert float(f(-1e9)) == -0.5
    assert float(f(-1e9, alpha=2.0)) == -2.0


@pytest.mark.parametrize(
    "config",
    [
        {"class_name": "relu", "config": {}, "module": "os"},
        {"class_name": "relu", "registered_name": "os.system"},
        {"class_name": "os.system"},
        {"class_name": "__import__('os')"},
        {"class_name": "elu", "config": "alpha=0.5"},
        {"class_name": 3},
    ],
)
def test_deserialize_rejects_code_and_modules(config: dict[str, object]) -> None:
    with pytest.raises((ValueError, TypeError), match="deserialize"):
        actfn.deserialize(config)


def test_deserialize_rejects_bad_parameters() -> None:
    with pytest.raises(TypeError, match="elu: unexpected keyword argument 'alpah'"):
        actfn.deserialize({"class_name": "elu", "config": {"alpah": 1.0}})
    with pytest.raises(ValueError, match=r"celu: alpha=0.0 is outside its domain"):
        actfn.deserialize({"class_name": "celu", "config": {"alpha": 0.0}})


@pytest.mark.parametrize("f", **by_name(ALL))
def test_record_is_complete(f: actfn.Activation) -> None:
    spec = f.spec
    assert spec.summary and spec.formula and spec.references
    assert f.properties.range[0] <= f.properties.range[1]
    assert spec.mp is not None, "every activation has an mpmath reference"
    assert (spec.derivative is not None) == f.elementwise
    assert f.elementwise or spec.vjp is not None
    for p in f.params:
        assert p.doc.endswith(".")
    assert f.__doc__ is not None and f.name in f.__doc__
    assert repr(f) == f"<activation {f.name}>"
    # a call with only the required parameters works
    f(np.linspace(-1, 1, 4), **params_for(f))
