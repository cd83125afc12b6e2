"""The registry: every activation by name, Keras's get / serialize / deserialize."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

from ._activation import Activation, Spec
from .functions import (
    exponential,
    gated,
    logexp,
    modern,
    normalizing,
    pytorch,
    rectifiers,
    shrinkage,
    sigmoidal,
    smooth,
)

__all__ = ["ACTIVATIONS", "deserialize", "get", "names", "serialize"]

_MODULES = (
    rectifiers,
    exponential,
    sigmoidal,
    smooth,
    shrinkage,
    normalizing,
    pytorch,
    logexp,
    gated,
    modern,
)


def _build() -> tuple[dict[str, Activation], dict[str, str]]:
    table: dict[str, Activation] = {}
    aliases: dict[str, str] = {}
    for module in _MODULES:
        for spec in module.SPECS:
            _add(spec, table, aliases)
    return table, aliases


def _add(spec: Spec, table: dict[str, Activation], aliases: dict[str, str]) -> None:
    for key in (spec.name, *spec.aliases):
        if key in table or key in aliases:
            raise RuntimeError(f"activation name {key!r} is defined twice")
    table[spec.name] = Activation(spec)
    for alias in spec.aliases:
        aliases[alias] = spec.name


#: Every activation, by canonical name, in definition order.
ACTIVATIONS, ALIASES = _build()


def names(include_aliases: bool = False) -> list[str]:
    """Canonical names of all activations (and aliases if asked)."""
    out = list(ACTIVATIONS)
    if include_aliases:
        out += list(ALIASES)
    return out


def _lookup(name: str, where: str) -> Activation:
    key = ALIASES.get(name, name)
    if key in ACTIVATIONS:
        return ACTIVATIONS[key]
    candidates = names(include_aliases=True)
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"{where}: unknown activation {name!r}{hint} "
        f"(run `actfn list` or see actfn.names() for all {len(candidates)} names)"
    )


def _rebuild(name: str, bound: Mapping[str, Any]) -> Activation:
    f = _lookup(name, "actfn")
    return f.configure(**bound) if bound else f


def get(identifier: Any) -> Callable[..., Any]:
    """The activation for a Keras-style identifier.

    - ``None``: ``linear``;
    - a name or alias (``"relu"``, ``"swish"``);
    - a dict ``{"class_name": name, "config": {param: value}}``: the activation with
      those parameters bound;
    - any callable: returned as it is.

    Nothing in an identifier is ever imported or evaluated.  Unknown names raise
    ``ValueError`` with the closest valid names.

    >>> import actfn
    >>> actfn.get("swish")
    <activation silu>
    >>> actfn.get({"class_name": "elu", "config": {"alpha": 0.5}})
    <activation elu(alpha=0.5)>
    """
    if identifier is None:
        return ACTIVATIONS["linear"]
    if isinstance(identifier, str):
        return _lookup(identifier, "get")
    if isinstance(identifier, Mapping):
        return deserialize(identifier)
    if callable(identifier):
        return identifier  # type: ignore[no-any-return]
    raise TypeError(
        "get: identifier must be None, an activation name, a config dict "
        "{'class_name': ..., 'config': {...}} or a callable; got "
        f"{type(identifier).__name__}"
    )


def serialize(activation: Any) -> str | dict[str, Any]:
    """The identifier that :func:`deserialize` turns back into ``activation``.

    A plain activation gives its canonical name (an alias gives the canonical
    name too); a configured one gives ``{"class_name": name, "config": {...}}``.

    >>> import actfn
    >>> actfn.serialize(actfn.swish)
    'silu'
    >>> actfn.serialize(actfn.elu.configure(alpha=0.5))
    {'class_name': 'elu', 'config': {'alpha': 0.5}}
    """
    if not isinstance(activation, Activation):
        raise TypeError(f"serialize: expected an actfn activation; got {type(activation).__name__}")
    if not activation.config:
        return activation.name
    return {"class_name": activation.name, "config": activation.config}


_ALLOWED_KEYS = frozenset({"class_name", "config"})


def deserialize(config: Any) -> Activation:
    """The activation named by a string or a ``{"class_name", "config"}`` dict.

    The dict may hold only those two keys; ``config`` maps parameter names to
    plain values.  Keys such as ``module`` or ``registered_name``, dotted paths and
    any text meant to be imported or evaluated are rejected.
    """
    if isinstance(config, str):
        return _lookup(config, "deserialize")
    if not isinstance(config, Mapping):
        raise TypeError(
            "deserialize: config must be an activation name or a dict "
            f"{{'class_name': ..., 'config': {{...}}}}; got {type(config).__name__}"
        )
    extra = set(config) - _ALLOWED_KEYS
    if extra:
        raise ValueError(
            f"deserialize: unsupported key(s) {sorted(map(str, extra))}; a config holds only "
            "'class_name' and 'config' (actfn never imports modules named in a config)"
        )
    name = config.get("class_name")
    if not isinstance(name, str):
        raise ValueError("deserialize: 'class_name' must be an activation name (a string)")
    f = _lookup(name, "deserialize")
    params = config.get("config", {})
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ValueError(
            f"deserialize: 'config' of {name!r} must be a dict of parameters; "
            f"got {type(params).__name__}"
        )
    for key in params:
        if not isinstance(key, str):
            raise TypeError(
                f"deserialize: parameter names in the 'config' of {name!r} must be strings; "
                f"got {key!r}"
            )
    return f.configure(**dict(params)) if params else f
