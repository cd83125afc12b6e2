"""``torch.nn.Module`` wrappers for every actfn activation.

One class per registry entry, generated from the registry: the class name is
PyTorch's spelling of the activation's name (``ELU``, ``GELU``, ``LeakyReLU``,
``SiLU``, ``Softmax``, ``LogSoftmax``, ...), the constructor takes the
activation's parameters (validated by the activation's record, with the same
errors as ``actfn.<name>.configure``), and ``forward`` calls the activation, so
gradients are actfn's analytic derivatives (see ``actfn._autodiff``).

>>> import torch
>>> import actfn.torch
>>> layer = actfn.torch.ELU(alpha=0.5)
>>> layer
ELU(alpha=0.5)
>>> layer(torch.tensor([-1e9, 2.0]))
tensor([-0.5000,  2.0000])

Importing ``actfn`` does not import PyTorch; importing ``actfn.torch`` does.
"""

from __future__ import annotations

from typing import Any

import torch

from ._activation import REQUIRED, Activation
from ._registry import ACTIVATIONS, ALIASES

__all__ = ["ActivationModule", "class_name", "module_for"]

# Words spelled as PyTorch spells them in its class names; every other word is
# capitalised (hard_sigmoid -> HardSigmoid, log_softmax -> LogSoftmax).
_WORDS = {
    "relu": "ReLU",
    "relu6": "ReLU6",
    "elu": "ELU",
    "selu": "SELU",
    "celu": "CELU",
    "gelu": "GELU",
    "glu": "GLU",
    "silu": "SiLU",
}
# Whole names that would be misleading as generated: "Linear" is torch.nn.Linear,
# an affine layer; actfn's linear is the identity (torch.nn.Identity).
_NAMES = {"linear": "Identity"}


def class_name(name: str) -> str:
    """The module class name for an activation name or alias (``leaky_relu`` -> ``LeakyReLU``)."""
    if name in _NAMES:
        return _NAMES[name]
    return "".join(_WORDS.get(w, w.capitalize()) for w in name.split("_"))


class ActivationModule(torch.nn.Module):
    """Base class of the generated modules: an activation with bound parameters."""

    activation: Activation

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        f = type(self).activation
        names = [p.name for p in f.params if not p.keyword_only]
        if len(args) > len(names):
            raise TypeError(
                f"{type(self).__name__}: takes at most {len(names)} parameter(s) "
                f"({', '.join(names) or 'none'}); got {len(args)}"
            )
        given = dict(zip(names, args, strict=False))
        for key in kwargs:
            if key in given:
                raise TypeError(f"{type(self).__name__}: got multiple values for {key!r}")
        given.update(kwargs)
        missing = [p.name for p in f.params if p.default is REQUIRED and p.name not in given]
        if missing:
            raise TypeError(
                f"{type(self).__name__}: missing required parameter(s) {', '.join(missing)}"
            )
        # configure() checks names, types and domains, naming the function.
        self.fn: Activation = f.configure(**given)
        # configure() checks each parameter; binding all of them also runs the
        # record's joint checks (hard_tanh's min_val <= max_val).
        self.fn._bind((), {})
        # Full parameter values (defaults included) for extra_repr.
        self.params: dict[str, Any] = self.fn.defaults

    def forward(self, x: torch.Tensor) -> Any:
        return self.fn(x)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.params.items())


def _make(f: Activation) -> type[ActivationModule]:
    cls_name = class_name(f.name)
    doc = (
        f"``torch.nn.Module`` form of :func:`actfn.{f.name}`: {f.spec.summary}\n\n"
        f"Parameters (constructor arguments): "
        + (", ".join(f"{p.name} ({p.domain.describe()})" for p in f.params) or "none")
        + "."
    )
    return type(
        cls_name, (ActivationModule,), {"activation": f, "__doc__": doc, "__module__": __name__}
    )


#: Module class by activation name (canonical names and aliases).
MODULES: dict[str, type[ActivationModule]] = {n: _make(f) for n, f in ACTIVATIONS.items()}
MODULES.update({alias: MODULES[target] for alias, target in ALIASES.items()})


def module_for(name: str) -> type[ActivationModule]:
    """The module class for an activation name or alias."""
    try:
        return MODULES[name]
    except KeyError:
        raise ValueError(f"actfn.torch: unknown activation {name!r}; see actfn.names()") from None


for _name, _cls in MODULES.items():
    globals()[class_name(_name)] = _cls
    __all__.append(class_name(_name))
