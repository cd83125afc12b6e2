"""The activation type: one record per activation, and the callable built from it.

A :class:`Spec` is what a definition module writes: names, parameters with their
domains, formula, properties, references, the generic (Array-API) forward, its
derivative or vector-Jacobian product, and an mpmath reference.  An
:class:`Activation` is the public callable made from a spec, optionally with
some parameters bound (``actfn.get({"class_name": "elu", "config": {...}})``).
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
import math
import numbers
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from . import _autodiff, _engine, _kernels, _native, _xp

__all__ = [
    "REQUIRED",
    "Activation",
    "ArrayParam",
    "Axis",
    "Boolean",
    "Param",
    "Properties",
    "Real",
    "Reference",
    "Seed",
    "Spec",
    "min_norm",
]


class _Required:
    """Marker default of a parameter that has no default (Keras's ``threshold``)."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


class _NoInput:
    def __repr__(self) -> str:
        return "<no input>"


_NO_X: Any = _NoInput()


def min_norm(left: float, right: float) -> float:
    """The kink rule: the one-sided derivative closest to zero.

    Where the one-sided derivatives ``left`` and ``right`` differ, actfn's
    derivative is the element of smallest magnitude of the interval between
    them (0 if they have opposite signs): the minimum-norm element of the
    Clarke subdifferential.  So relu'(0) = 0, relu6'(6) = 0 and
    leaky_relu'(0) = negative_slope for 0 <= negative_slope <= 1.
    """
    if left * right <= 0.0:
        return 0.0
    return left if abs(left) <= abs(right) else right


KINK_RULE = (
    "At a kink the derivative is the one-sided derivative closest to zero "
    "(zero when the two sides have opposite signs), the minimum-norm subgradient."
)


# --------------------------------------------------------------------------- domains


@dataclass(frozen=True, slots=True)
class Real:
    """A real scalar in an interval; ``optional`` admits ``None``."""

    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = False
    hi_open: bool = False
    nonzero: bool = False
    finite: bool = True
    optional: bool = False

    def describe(self) -> str:
        if self.lo == -math.inf and self.hi == math.inf:
            text = "a finite real number" if self.finite else "a real number (not NaN)"
        else:
            left = "(" if self.lo_open or self.lo == -math.inf else "["
            right = ")" if self.hi_open or self.hi == math.inf else "]"
            text = f"a real number in {left}{_num(self.lo)}, {_num(self.hi)}{right}"
        if self.nonzero:
            text += ", not 0"
        if self.optional:
            text += ", or None"
        return text

    def check(self, fname: str, pname: str, value: object) -> float | None:
        if value is None and self.optional:
            return None
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            if _is_scalar_array(value) and not _is_scalar_array(
                item := value.item()  # type: ignore[attr-defined]
            ):
                return self.check(fname, pname, item)
            raise TypeError(f"{fname}: {pname} must be {self.describe()}; got {_type_name(value)}")
        try:
            v = float(value)
        except OverflowError:  # an int (or Fraction) beyond the float range
            raise ValueError(
                f"{fname}: {pname}={_short(value)} is outside its domain: {self.describe()} "
                "(too large for a float)"
            ) from None
        bad = math.isnan(v) or (self.finite and math.isinf(v))
        bad = bad or v < self.lo or v > self.hi
        bad = bad or (self.lo_open and v == self.lo) or (self.hi_open and v == self.hi)
        bad = bad or (self.nonzero and v == 0.0)
        if bad:
            raise ValueError(f"{fname}: {pname}={v!r} is outside its domain: {self.describe()}")
        return v


@dataclass(frozen=True, slots=True)
class Boolean:
    def describe(self) -> str:
        return "True or False"

    def check(self, fname: str, pname: str, value: object) -> bool:
        if isinstance(value, bool | np.bool_):
            return bool(value)
        raise TypeError(f"{fname}: {pname} must be True or False; got {_type_name(value)}")


@dataclass(frozen=True, slots=True)
class Axis:
    """An axis: an int, or (``multiple``) a tuple of ints or None for all axes."""

    multiple: bool = False

    def describe(self) -> str:
        return "an int, a tuple of ints or None" if self.multiple else "an int"

    def check(self, fname: str, pname: str, value: object) -> int | tuple[int, ...] | None:
        if self.multiple and value is None:
            return None
        if self.multiple and isinstance(value, tuple | list):
            items = tuple(self._one(fname, pname, v) for v in value)
            if not items:
                raise ValueError(
                    f"{fname}: {pname} must be {self.describe()}, with at least one axis; "
                    "got an empty tuple"
                )
            return items
        return self._one(fname, pname, value)

    def _one(self, fname: str, pname: str, value: object) -> int:
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{fname}: {pname} must be {self.describe()}; got {_type_name(value)}")
        return int(value)


@dataclass(frozen=True, slots=True)
class ArrayParam:
    """A real number or an array broadcast against x (one slope per channel, a mask).

    ``boolean`` asks for a boolean array (a mask) instead of real numbers;
    ``positive`` requires every element > 0; ``optional`` admits ``None``.
    Python numbers are kept as floats; lists and NumPy arrays become read-only
    float64 (or bool) NumPy arrays whose values are checked here; arrays of
    other libraries are kept as they are (their dtype is checked, their values
    are not, so that tracing under jax.jit keeps working).  The shape is
    checked against x by :meth:`broadcast` when the function runs.
    """

    positive: bool = False
    boolean: bool = False
    optional: bool = False

    def describe(self) -> str:
        if self.boolean:
            text = "a boolean array broadcastable to x's shape"
        else:
            what = "positive real" if self.positive else "finite real"
            text = f"a {what} number or an array of them broadcastable to x's shape"
        return "None or " + text if self.optional else text

    def check(self, fname: str, pname: str, value: object) -> Any:
        if value is None and self.optional:
            return None
        import array_api_compat

        if isinstance(value, numbers.Number | np.generic | list | tuple | np.ndarray):
            arr = np.asarray(value)
        elif array_api_compat.is_array_api_obj(value):
            return self._check_foreign(fname, pname, value)
        else:
            raise TypeError(f"{fname}: {pname} must be {self.describe()}; got {_type_name(value)}")
        kind = arr.dtype.kind
        if self.boolean:
            if kind != "b":
                raise TypeError(
                    f"{fname}: {pname} must be {self.describe()}; got dtype {arr.dtype}"
                )
            arr = arr.copy()
            arr.setflags(write=False)
            return arr
        if kind not in "iuf":
            raise TypeError(f"{fname}: {pname} must be {self.describe()}; got dtype {arr.dtype}")
        arr = arr.astype(np.float64)
        bad = ~np.isfinite(arr)
        if self.positive:
            bad |= arr <= 0.0
        if bad.any():
            v = float(arr[bad].flat[0])
            raise ValueError(f"{fname}: {pname} holds {v!r}, outside its domain: {self.describe()}")
        if arr.ndim == 0:
            return float(arr)
        arr.setflags(write=False)
        return arr

    def _check_foreign(self, fname: str, pname: str, value: Any) -> Any:
        import array_api_compat

        xp = array_api_compat.array_namespace(value)
        want = "bool" if self.boolean else ("integral", "real floating")
        if not xp.isdtype(value.dtype, want):
            raise TypeError(f"{fname}: {pname} must be {self.describe()}; got dtype {value.dtype}")
        return value

    def broadcast(self, fname: str, pname: str, xp: Any, x: Any, value: Any) -> Any:
        """``value`` as an array of ``xp`` on x's device and dtype (bool for a mask),
        checked to broadcast to x's shape; a float stays a float."""
        if value is None or isinstance(value, float):
            return value
        shape = tuple(value.shape)
        xshape = tuple(x.shape)
        if not _broadcasts_to(shape, xshape):
            raise ValueError(
                f"{fname}: {pname} has shape {shape}, which does not broadcast to x's "
                f"shape {xshape}"
            )
        import array_api_compat

        dtype = xp.bool if self.boolean else x.dtype
        device = array_api_compat.device(x)
        if isinstance(value, np.ndarray) or not array_api_compat.is_array_api_obj(value):
            value = np.asarray(value)
        elif array_api_compat.array_namespace(value) is not xp:
            value = np.asarray(value)  # an array of another library: through NumPy
        else:
            return value if value.dtype == dtype else xp.astype(value, dtype)
        if xp is np:
            return value.astype(dtype, copy=False)
        # a writable copy: checked NumPy parameters are read-only, which torch warns about
        return xp.asarray(np.array(value), dtype=dtype, device=device)


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    if len(shape) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(reversed(shape), reversed(target), strict=False))


@dataclass(frozen=True, slots=True)
class Seed:
    """Randomness: None (fresh entropy), a non-negative int seed or a NumPy Generator."""

    def describe(self) -> str:
        return "None, a non-negative int seed or a numpy.random.Generator"

    def check(self, fname: str, pname: str, value: object) -> Any:
        if value is None or isinstance(value, np.random.Generator):
            return value
        if isinstance(value, bool | np.bool_):
            raise TypeError(f"{fname}: {pname} must be {self.describe()}; got {_type_name(value)}")
        if isinstance(value, numbers.Integral):
            if int(value) < 0:
                raise ValueError(f"{fname}: {pname}={int(value)} must be non-negative")
            return int(value)
        raise TypeError(f"{fname}: {pname} must be {self.describe()}; got {_type_name(value)}")

    @staticmethod
    def generator(value: Any) -> np.random.Generator:
        """The Generator for a checked value (an int seed gives the same draws each call)."""
        if isinstance(value, np.random.Generator):
            return value
        return np.random.default_rng(value)

    @staticmethod
    def scope(value: Any) -> _SeedScope:
        """``with Seed.scope(value) as gen:`` the Generator of :meth:`generator`,
        for use inside the block only.  An int seed reuses a Generator kept per
        thread and seed, its state reset to the seed's initial state (1 us instead
        of the 7.5 us of hashing the seed anew); the same draws."""
        return _SeedScope(value)


#: Per thread: int seed -> [bit generator, its initial state, Generator, in use].
_SEEDED = threading.local()


class _SeedScope:
    __slots__ = ("entry", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.entry: list[Any] | None = None

    def __enter__(self) -> np.random.Generator:
        value = self.value
        if type(value) is not int:
            return Seed.generator(value)
        cache: dict[int, list[Any]] | None = getattr(_SEEDED, "cache", None)
        if cache is None:
            cache = _SEEDED.cache = {}
        entry = cache.get(value)
        if entry is None:
            if len(cache) >= 16:  # (a few seeds are kept; others hash anew)
                return np.random.default_rng(value)
            bits = np.random.PCG64(value)
            entry = cache[value] = [bits, bits.state, np.random.Generator(bits), False]
        elif entry[3]:  # in use further up this thread's stack
            return np.random.default_rng(value)
        else:
            entry[0].state = entry[1]
        entry[3] = True
        self.entry = entry
        gen: np.random.Generator = entry[2]
        return gen

    def __exit__(self, *exc: object) -> None:
        if self.entry is not None:
            self.entry[3] = False


Domain = Real | Boolean | Axis | ArrayParam | Seed


def normalize_axes(
    fname: str, pname: str, axis: int | tuple[int, ...] | None, ndim: int
) -> tuple[int, ...]:
    """Axes as sorted non-negative ints, checked against ``ndim``."""
    if axis is None:
        return tuple(range(ndim))
    items = axis if isinstance(axis, tuple | list) else (axis,)
    if ndim == 0:
        raise ValueError(
            f"{fname}: {pname}={axis!r} does not exist: x is 0-dimensional (a scalar); "
            f"{fname} acts along an axis and needs an input with at least 1 dimension"
        )
    out = []
    for a in items:
        if not -ndim <= a < ndim:
            raise ValueError(
                f"{fname}: {pname}={axis!r} is out of range for an input with {ndim} "
                f"dimension(s); allowed: -{ndim} <= {pname} < {ndim}"
            )
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(
            f"{fname}: {pname}={axis!r} names the same axis twice; allowed: distinct axes "
            f"in -{ndim} <= {pname} < {ndim}"
        )
    return tuple(sorted(out))


def _num(v: float) -> str:
    if v == math.inf:
        return "inf"
    if v == -math.inf:
        return "-inf"
    return repr(int(v)) if v == int(v) else repr(v)


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 4 :]}"


def _type_name(value: object) -> str:
    return _xp._type_name(value)


def _is_scalar_array(value: object) -> bool:
    shape = getattr(value, "shape", None)
    return shape == () and hasattr(value, "item")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter: name, default, domain and the sentence that documents it.
    A ``keyword_only`` parameter cannot be passed by position (it follows ``*``
    in the signature)."""

    name: str
    default: Any
    domain: Domain
    doc: str
    keyword_only: bool = False


@dataclass(frozen=True, slots=True)
class Properties:
    """Mathematical properties for the default parameters; each is checked by a test.

    ``range`` is the closure of the output range as (lo, hi); ``range_text``
    shows it as an interval.  ``monotonic`` means non-decreasing.
    ``smoothness`` is one of "discontinuous", "C0", "C1", "C-inf".
    """

    range: tuple[float, float]
    range_text: str
    monotonic: bool
    smoothness: Literal["discontinuous", "C0", "C1", "C-inf"]
    zero_centred: bool

    @property
    def bounded(self) -> bool:
        return math.isfinite(self.range[0]) and math.isfinite(self.range[1])

    @property
    def bounded_below(self) -> bool:
        return math.isfinite(self.range[0])

    @property
    def bounded_above(self) -> bool:
        return math.isfinite(self.range[1])


@dataclass(frozen=True, slots=True)
class Reference:
    text: str
    url: str


Kind = Literal["elementwise", "normalizing", "gated", "reduction"]


@dataclass(frozen=True, slots=True)
class Spec:
    """Everything that defines one activation.

    ``value(xp, x, p)`` and ``derivative(xp, x, p)`` are written with Array-API
    operations only (``p`` holds the checked parameters), so they run on any
    library.  ``vjp(xp, x, g, p)`` is given for the functions along an axis.
    ``mp(mpmath, x, p)`` is the reference used by the accuracy harness: the
    true value at high precision (for an elementwise function one mpf; for an
    axis function, a list of mpf for one row).  ``kinks(p)`` lists the points
    where the derivative follows the kink rule.
    """

    name: str
    family: str
    summary: str
    formula: str
    params: tuple[Param, ...]
    properties: Properties
    references: tuple[Reference, ...]
    value: Callable[..., Any]
    kind: Kind = "elementwise"
    derivative: Callable[..., Any] | None = None
    vjp: Callable[..., Any] | None = None
    mp: Callable[..., Any] | None = None
    mp_derivative: Callable[..., Any] | None = None
    aliases: tuple[str, ...] = ()
    kinks: Callable[[Mapping[str, Any]], Sequence[float]] = lambda p: ()
    check: Callable[[str, dict[str, Any]], None] | None = None
    equivalents: Mapping[str, str] = field(default_factory=dict)
    differences: str = ""
    derivative_note: str = ""
    details: str = ""
    examples: str = ""
    out_shape: Callable[[tuple[int, ...], Mapping[str, Any]], tuple[int, ...]] | None = None
    #: Optional NumPy-only kernels ``(block_f64, p) -> block_f64`` used by the
    #: engine instead of ``value`` / ``derivative`` for NumPy inputs.  They must
    #: meet the same accuracy bounds.
    numpy_value: Callable[[Any, dict[str, Any]], Any] | None = None
    #: Values for the parameters that have no default, and a seed for random
    #: draws: what examples, plots, tests and benchmarks call the function with.
    sample_params: Mapping[str, Any] = field(default_factory=dict)
    numpy_derivative: Callable[[Any, dict[str, Any]], Any] | None = None
    #: Optional whole-array NumPy evaluator ``(x, p, result_dtype, out) -> result``
    #: for functions the blocked engines cannot run (reductions over several axes,
    #: random draws): it gets x in its own dtype and must keep memory bounded.
    numpy_call: Callable[[Any, dict[str, Any], Any, Any], Any] | None = None
    #: For elementwise functions: False where these parameters need the whole array
    #: at once (random draws), so the blocked engine is not used.  Parameters given
    #: as arrays (an :class:`ArrayParam` holding an array) always bypass the engine.
    blockwise: Callable[[Mapping[str, Any]], bool] = lambda p: True
    #: The closed interval of inputs where an elementwise function is defined; outside
    #: it the value is NaN (log1mexp: [0, inf)).  Tests sample inside it.
    domain: tuple[float, float] = (-math.inf, math.inf)

    def __post_init__(self) -> None:
        # NaN in gives NaN out, for every elementwise value and derivative: the
        # comparisons that select a piece are False for NaN and would pick one.
        if self.kind == "elementwise":
            object.__setattr__(self, "value", _propagate_nan(self.value))
            if self.derivative is not None:
                object.__setattr__(self, "derivative", _propagate_nan(self.derivative))


def _propagate_nan(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(xp: Any, x: Any, p: dict[str, Any]) -> Any:
        return xp.where(xp.isnan(x), x, fn(xp, x, p))

    wrapped.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapped


def _engine_kernel(
    spec: Spec, derivative: bool, p: dict[str, Any], result_dtype: Any
) -> tuple[Any, bool]:
    """The engine kernel for results of ``result_dtype`` and whether it runs native:
    the NumPy kernel where it applies (:func:`actfn._kernels.applies`; a kernel
    marked narrow_only meets the bounds for float32 and narrower only), the
    generic form elsewhere."""
    k = spec.numpy_derivative if derivative else spec.numpy_value
    if k is not None and _kernels.applies(k, result_dtype):
        return (lambda _np, b, q: k(b, q)), _kernels.is_native(k, p)
    fn = spec.derivative if derivative else spec.value
    return fn, False


# --------------------------------------------------------------------------- activation


class Activation:
    """A neural-network activation function with its derivative and metadata.

    Call it like a function, ``f(x, **params)``.  ``f.derivative(x, **params)``
    (elementwise functions) and ``f.vjp(x, cotangent, **params)`` give the
    analytic derivative and vector-Jacobian product.  ``f.name``, ``f.formula``,
    ``f.params``, ``f.properties`` and ``f.references`` describe it.
    """

    def __init__(self, spec: Spec, bound: Mapping[str, Any] | None = None) -> None:
        self.spec = spec
        self._bound: dict[str, Any] = dict(bound or {})
        self._names = tuple(p.name for p in spec.params)
        self._positional = tuple(p.name for p in spec.params if not p.keyword_only)
        self.__signature__ = self._signature()
        self._fast = self._fast_kernel(self._bound)
        # The same for calls with parameters, by (type, value) of each argument.
        self._fast_cache: dict[Any, Any] = {}
        from ._docs import docstring

        self.__doc__ = docstring(self)

    # -- description -------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def aliases(self) -> tuple[str, ...]:
        return self.spec.aliases

    @property
    def formula(self) -> str:
        return self.spec.formula

    @property
    def params(self) -> tuple[Param, ...]:
        return self.spec.params

    @property
    def defaults(self) -> dict[str, Any]:
        """Default parameters, with bound values in place of the defaults."""
        d = {p.name: p.default for p in self.spec.params}
        d.update(self._bound)
        return d

    @property
    def config(self) -> dict[str, Any]:
        """The parameters bound by configuration (empty for the plain function)."""
        return dict(self._bound)

    @property
    def properties(self) -> Properties:
        return self.spec.properties

    @property
    def references(self) -> tuple[Reference, ...]:
        return self.spec.references

    @property
    def kind(self) -> Kind:
        return self.spec.kind

    @property
    def elementwise(self) -> bool:
        return self.spec.kind == "elementwise"

    @property
    def __name__(self) -> str:  # frameworks (Keras) read a callable's __name__
        return self.spec.name

    def __repr__(self) -> str:
        if not self._bound:
            return f"<activation {self.name}>"
        args = ", ".join(f"{k}={v!r}" for k, v in self._bound.items())
        return f"<activation {self.name}({args})>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Activation):
            return NotImplemented
        return self.spec is other.spec and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.spec.name, self._key()))

    def _key(self) -> tuple[tuple[str, Any], ...]:
        # Array parameters (ArrayParam) compare by value: NumPy arrays by shape,
        # dtype and bytes, other libraries' arrays by identity.
        def frozen(v: Any) -> Any:
            if isinstance(v, np.ndarray):
                return ("ndarray", v.shape, v.dtype.str, v.tobytes())
            if isinstance(v, np.random.Generator) or hasattr(v, "shape"):
                return ("object", id(v))
            return v

        return tuple(sorted((k, frozen(v)) for k, v in self._bound.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        from ._registry import _rebuild

        return (_rebuild, (self.name, self._bound))

    def configure(self, **params: Any) -> Activation:
        """A copy of this activation with some parameters bound.

        >>> import actfn
        >>> f = actfn.elu.configure(alpha=0.5)
        >>> f
        <activation elu(alpha=0.5)>
        >>> float(f(-1e9))
        -0.5
        """
        merged = dict(self._bound)
        for key, value in params.items():
            if key not in self._names:
                raise self._unknown_keyword(key, allow_out=False)
            merged[key] = value
        checked = self._check_params(merged, partial=True)
        return Activation(self.spec, checked)

    # -- evaluation -----------------------------------------------------------------

    def __call__(self, x: Any = _NO_X, *args: Any, out: Any = None, **kwargs: Any) -> Any:
        # Fast path: a float32/float64 NumPy array, with the default (or bound)
        # parameters or parameters seen before, whose checks ran then.
        if type(x) is np.ndarray and (x.dtype == _F32 or x.dtype == _F64):
            fast = self._fast if not args and not kwargs else self._cached_fast(args, kwargs)
            if fast is not None:
                dt = x.dtype
                p, by_dtype, compiled = fast
                fn, native = by_dtype[dt == _F32]
                if self.spec.kind == "elementwise":
                    if out is not None:
                        out = _xp.check_out(self.name, out, x, x.shape, dt, True)
                    ck = compiled[dt == _F32] if _native._enabled else None
                    return _engine.elementwise(fn, x, p, dt, out, native, ck)
                if x.ndim > 0 and (out is None or type(out) is np.ndarray):
                    shape = None
                    if out is not None:
                        shape = self._out_shape(tuple(x.shape), p)
                        out = _xp.check_out(self.name, out, x, shape, dt, True)
                    ck = compiled[True] if _native._enabled else None
                    r = self._rows(fn, x, p, dt, out, ck, shape)
                    if r is not None:
                        return r
        p = self._bind(args, kwargs)
        prep = _xp.prepare(self.name, self._input(x))
        self._check_axes(prep, p)
        shape = self._out_shape(tuple(prep.x.shape), p)
        if self._empty_along_axis(prep) and math.prod(shape) == 0:
            # (A reduction of an empty axis to a non-empty result is computed.)
            return self._empty(prep, x, shape, out)
        return self._evaluate(prep, x, p, out, derivative=False)

    def derivative(self, x: Any = _NO_X, *args: Any, out: Any = None, **kwargs: Any) -> Any:
        """The elementwise derivative f'(x), with the kink rule at kinks."""
        if self.spec.derivative is None:
            raise TypeError(
                f"{self.name}: derivative() is defined for elementwise activations only; "
                f"{self.name} acts along an axis: use vjp(x, cotangent)"
            )
        p = self._bind(args, kwargs)
        prep = _xp.prepare(self.name, self._input(x))
        return self._evaluate(prep, x, p, out, derivative=True)

    def vjp(self, x: Any, cotangent: Any, *args: Any, **kwargs: Any) -> Any:
        """The vector-Jacobian product: the cotangent pulled back through f at x.

        For an elementwise activation this is ``cotangent * f'(x)``.  The result
        has the shape and dtype of ``x``.
        """
        if "out" in kwargs:
            raise TypeError(f"{self.name}: vjp() takes no out= argument; it returns a new array")
        p = self._bind(args, kwargs)
        prep = _xp.prepare(self.name, x)
        gprep = _xp.prepare(self.name, cotangent, arg="cotangent")
        xp = prep.xp
        if gprep.xp is not xp:
            raise TypeError(
                f"{self.name}: cotangent must come from the same array library as x; "
                f"got {_type_name(cotangent)} for an x of {_type_name(x)}"
            )
        self._check_axes(prep, p)
        out_shape = self._out_shape(tuple(prep.x.shape), p)
        if tuple(gprep.x.shape) != out_shape:
            raise ValueError(
                f"{self.name}: cotangent has shape {tuple(gprep.x.shape)}; "
                f"it must have the output's shape {out_shape}"
            )
        if self._empty_along_axis(prep):
            return self._empty(prep, x, tuple(prep.x.shape), None)
        xc = _xp.astype(xp, prep.x, prep.compute_dtype)
        gc = _xp.astype(xp, gprep.x, prep.compute_dtype)
        with _quiet(prep):
            if self.spec.vjp is not None:
                r = self.spec.vjp(xp, xc, gc, p)
            else:
                assert self.spec.derivative is not None
                r = gc * self.spec.derivative(xp, xc, p)
        return _xp.to_result(prep, r)

    # -- internals ------------------------------------------------------------------

    def _input(self, x: Any) -> Any:
        if x is _NO_X:
            raise TypeError(f"{self.name}: missing the input x (an array or a real number)")
        return x

    def _check_axes(self, prep: _xp.Prepared, p: Mapping[str, Any]) -> None:
        """Axis parameters checked against the input's dimensions, before any work."""
        ndim = len(prep.x.shape)
        for prm in self.spec.params:
            if isinstance(prm.domain, Axis):
                normalize_axes(self.name, prm.name, p[prm.name], ndim)
        self._out_shape(tuple(prep.x.shape), p)

    def _empty_along_axis(self, prep: _xp.Prepared) -> bool:
        # A reduction along an empty axis (max, sum) has no identity in most
        # libraries; the result of an axis function of an empty input is empty.
        return not self.elementwise and math.prod(prep.x.shape) == 0

    def _empty(self, prep: _xp.Prepared, x: Any, shape: tuple[int, ...], out: Any) -> Any:
        if out is not None:
            return _xp.check_out(self.name, out, x, shape, prep.result_dtype, prep.is_numpy)
        if prep.is_numpy:
            return np.empty(shape, dtype=prep.result_dtype)
        return prep.xp.zeros(shape, dtype=prep.result_dtype, device=_xp._device(prep.x))

    def _out_shape(self, shape: tuple[int, ...], p: Mapping[str, Any]) -> tuple[int, ...]:
        if self.spec.out_shape is None:
            return shape
        return self.spec.out_shape(shape, p)

    def _cached_fast(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """:meth:`_fast_kernel` for these arguments, remembered (up to 256 sets per
        activation); None for unhashable arguments (arrays) and invalid ones (the
        ordinary path then raises the error)."""
        try:
            # (the types tell 1, 1.0 and True apart, which hash alike)
            key = (
                args,
                tuple(map(type, args)),
                tuple(kwargs.items()),
                tuple(map(type, kwargs.values())),
            )
            hit = self._fast_cache.get(key, _NO_X)
        except TypeError:  # an unhashable argument
            return None
        if hit is _NO_X:
            try:
                given = self._bind(args, kwargs)
            except (TypeError, ValueError):
                return None
            hit = self._fast_kernel(given)
            if len(self._fast_cache) < 256:
                self._fast_cache[key] = hit
        return hit

    def _fast_kernel(
        self,
        given: Mapping[str, Any],
    ) -> (
        tuple[
            dict[str, Any],
            dict[bool, tuple[_engine.Kernel, bool]],
            dict[bool, _engine.CKernel | None],
        ]
        | None
    ):
        """For the parameters ``given`` (bound and passed ones): the checked
        parameters, the engine kernel and native flag for float64 (key False) and
        float32 (key True) results, and the compiled kernels by the same keys (an
        elementwise or row kernel for float32, a few elementwise ones for float64;
        used while :func:`actfn._native.enabled`); None where the fast path does
        not apply (reductions, array parameters, random draws)."""
        spec = self.spec
        try:
            p = self._check_params(given, partial=False)
        except (TypeError, ValueError):  # a required parameter is not bound
            return None
        if (
            spec.kind not in ("elementwise", "normalizing", "gated")
            or not _blockwise(spec, p)
            or any(isinstance(q.domain, Seed) for q in spec.params)
        ):
            return None  # reductions, array parameters and random draws
        compiled: dict[bool, Any] = {False: None}
        if spec.kind == "elementwise":
            compiled[True] = _native.elementwise(spec.name, p, always=True)
            compiled[False] = _native.elementwise(spec.name, p, always=True, dtype=_F64)
        else:
            compiled[True] = _native.rows(spec.name, p, always=True)
        by_dtype = {
            False: _engine_kernel(spec, False, p, _F64),
            True: _engine_kernel(spec, False, p, _F32),
        }
        return p, by_dtype, compiled

    def _rows(
        self,
        fn: _engine.Kernel,
        x: Any,
        p: dict[str, Any],
        dtype: Any,
        out: Any,
        ck: Any = _NO_X,
        shape: tuple[int, ...] | None = None,
    ) -> Any | None:
        """Along one axis on NumPy: whole rows, a block of rows at a time (bounded
        memory); the kernel sees the axis last.  None when p names several axes.
        ``ck`` is the compiled row kernel (looked up when not given); ``shape`` the
        result's shape where the caller has it."""
        axis = p["axis"]
        if (
            ck is not None
            and ck is not _NO_X
            and type(axis) is int
            and (axis == -1 or axis == x.ndim - 1)
            and 0 < x.size < _engine.PARALLEL_MIN
            and x.dtype == _F32
            and x.flags.c_contiguous
            and (out is None or (out.flags.c_contiguous and not np.may_share_memory(x, out)))
        ):
            # Small contiguous float32 input along the last axis: one call.
            if shape is None:
                shape = self._out_shape(tuple(x.shape), p)
            r = np.empty(shape, dtype=_F32) if out is None else out
            ck(x, r, 0, x.size // x.shape[-1], x.shape[-1], shape[-1])
            return r
        axes = normalize_axes(self.name, "axis", axis, x.ndim)
        if len(axes) != 1:
            return None
        if shape is None:
            shape = self._out_shape(tuple(x.shape), p)
        if ck is _NO_X:
            ck = _native.rows(self.spec.name, p)
        return _engine.rows(fn, x, axes[0], dict(p, axis=-1), dtype, out, shape[axes[0]], ck)

    def _evaluate(
        self, prep: _xp.Prepared, x: Any, p: dict[str, Any], out: Any, derivative: bool
    ) -> Any:
        spec = self.spec
        fn = spec.derivative if derivative else spec.value
        assert fn is not None
        shape = self._out_shape(tuple(prep.x.shape), p)
        if out is not None:
            out = _xp.check_out(self.name, out, x, shape, prep.result_dtype, prep.is_numpy)
        if prep.is_numpy and spec.kind == "elementwise" and _blockwise(spec, p):
            kfn, native = _engine_kernel(spec, derivative, p, prep.result_dtype)
            ck = None if derivative else _native.elementwise(spec.name, p, dtype=prep.x.dtype)
            return _engine.elementwise(kfn, prep.x, p, prep.result_dtype, out, native, ck)
        if (
            prep.is_numpy
            and prep.x.ndim > 0
            and not derivative
            and spec.kind in ("normalizing", "gated")
            and _blockwise(spec, p)
            and not any(isinstance(q.domain, Seed) for q in spec.params)
        ):
            # Along one axis: blocks of whole rows through the engine (no random
            # draws, no mask arrays: those need the whole array at once).
            row_fn, _ = _engine_kernel(spec, False, p, prep.result_dtype)
            done = self._rows(row_fn, prep.x, p, prep.result_dtype, out)
            if done is not None:
                return done
        if prep.is_numpy and not derivative and spec.numpy_call is not None:
            return spec.numpy_call(prep.x, p, prep.result_dtype, out)
        # Other libraries (and the remaining NumPy cases): the generic form, carrying
        # the analytic derivative into PyTorch's and JAX's autodiff (see _autodiff).
        with _quiet(prep):
            r = _autodiff.evaluate(self, prep, p, derivative)
        if out is not None:
            out[...] = r
            return out
        return r

    def _signature(self) -> inspect.Signature:
        ps = [inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        for prm in self.spec.params:
            default = self._bound.get(prm.name, prm.default)
            kind = (
                inspect.Parameter.KEYWORD_ONLY
                if prm.keyword_only
                else inspect.Parameter.POSITIONAL_OR_KEYWORD
            )
            ps.append(
                inspect.Parameter(
                    prm.name,
                    kind,
                    default=inspect.Parameter.empty if default is REQUIRED else default,
                )
            )
        ps.append(inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
        return inspect.Signature(ps)

    def _unknown_keyword(self, key: str, allow_out: bool = True) -> TypeError:
        if key == "out" and not allow_out:
            return TypeError(
                f"{self.name}: out= cannot be bound by configure(); pass it to the call"
            )
        allowed = [*self._names, "out"] if allow_out else list(self._names)
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return TypeError(
            f"{self.name}: unexpected keyword argument {key!r}{hint} "
            f"(allowed: {', '.join(allowed)})"
        )

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        names = self._names
        positional = self._positional
        if len(args) > len(positional):
            only = [n for n in names if n not in positional]
            kw = f"; keyword-only: {', '.join(only)}" if only else ""
            raise TypeError(
                f"{self.name}: takes at most {len(positional)} parameter(s) after x "
                f"({', '.join(positional) or 'none'}{kw}); got {len(args)}"
            )
        given = dict(zip(positional, args, strict=False))
        for key, value in kwargs.items():
            if key not in names:
                raise self._unknown_keyword(key)
            if key in given:
                raise TypeError(f"{self.name}: got multiple values for parameter {key!r}")
            given[key] = value
        merged = dict(self._bound)
        merged.update(given)
        return self._check_params(merged, partial=False)

    def _check_params(self, given: Mapping[str, Any], partial: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for prm in self.spec.params:
            if prm.name in given:
                out[prm.name] = prm.domain.check(self.name, prm.name, given[prm.name])
            elif partial:
                continue
            elif prm.default is REQUIRED:
                raise TypeError(
                    f"{self.name}: missing required parameter {prm.name!r} "
                    f"({prm.domain.describe()})"
                )
            else:
                out[prm.name] = prm.default
        if self.spec.check is not None and not partial:
            self.spec.check(self.name, out)
        return out


def _blockwise(spec: Spec, p: Mapping[str, Any]) -> bool:
    """Whether the engine may evaluate block by block: no array parameters, no draws."""
    for prm in spec.params:
        if isinstance(prm.domain, ArrayParam) and not isinstance(p[prm.name], float | None):
            return False
    return spec.blockwise(p)


def _quiet(prep: _xp.Prepared) -> Any:
    """No NumPy floating-point warnings from inside a formula: an intermediate
    overflow on the way to a correct limit (exp(800) = inf) is expected."""
    return np.errstate(all="ignore") if prep.is_numpy else contextlib.nullcontext()


_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
