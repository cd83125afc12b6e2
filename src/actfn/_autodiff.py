"""Analytic derivatives registered with PyTorch's and JAX's autodiff.

The generic (Array-API) forms are written so that autodiff through them stays
finite, but autodiff of a formula is not actfn's derivative: at a kink it picks
whatever ``where`` or ``maximum`` happens to give (relu'(0), relu6'(6), ...),
and a derivative computed through a stable-but-indirect forward form
(a clipped branch, a series) is not always the accurate analytic one.  So on
PyTorch and JAX the forward is wrapped in the framework's custom-derivative
mechanism, with the backward pass built from the record's own ``derivative``
(elementwise functions) or ``vjp`` (functions along an axis).  Gradients then
equal ``f.derivative`` / ``f.vjp`` exactly, kink rule included.

- PyTorch: a ``torch.autograd.Function`` (used only when the input requires a
  gradient, so plain evaluation pays nothing).  Its backward uses differentiable
  torch operations when a graph of the backward is being recorded
  (``create_graph=True``), so second derivatives work.  Array parameters that
  require a gradient (a learnable prelu slope) are inputs of the Function; their
  gradient is PyTorch's autograd of the generic form.
- PyTorch tensors in CPU memory are evaluated by the NumPy engine on a zero-copy
  NumPy view of the tensor (no data moves; the result is a tensor on the same
  memory the engine wrote): the blocked, multi-threaded engine and the NumPy
  kernels are several times faster than the generic form run op by op on
  full-size float64 temporaries, and the values equal actfn's NumPy values.
  Tensors on other devices (CUDA, meta), and those NumPy cannot view (bfloat16,
  ``torch.func`` wrappers, fake tensors), run the generic form.
- Dask arrays with NumPy chunks run the elementwise functions chunk by chunk in
  the engine (``map_blocks``, lazily); the functions along an axis, array
  parameters and random draws (which need the whole array), and Dask arrays of
  other chunk types (CuPy), run the generic form on the Dask array.
- JAX: ``jax.custom_jvp``.  An elementwise tangent is ``f'(x) * t``; for the axis
  functions the tangent map is the transpose of the record's (linear) vjp,
  obtained with ``jax.linear_transpose``.  A JVP rule serves forward and reverse
  mode, ``jit``, ``vmap`` and higher derivatives.  Scalar parameters are static
  Python values closed over by the wrapped function, never traced; array
  parameters (prelu's and snake's alpha, a ``where`` mask) are arguments of the
  jitted function, so they may be JAX arrays, even traced ones, and the tangent
  with respect to a floating one comes from JAX's autodiff of the generic form
  (the record's derivative is with respect to x).  Random draws (a ``Seed``
  parameter of None or a Generator) are not cached: each call draws anew, as on
  NumPy; an int seed gives the same draws each call and is cached.

Neither library is imported here: a backend is recognised only if the caller has
already imported it (``sys.modules``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _xp

if TYPE_CHECKING:
    from ._activation import Activation, Spec

#: Evaluate PyTorch CPU tensors with the NumPy engine (tests switch it off to
#: exercise the generic form on CPU).
TORCH_CPU_VIA_NUMPY = True
#: Evaluate Dask arrays of NumPy chunks chunk by chunk with the engine (tests
#: switch it off to exercise the generic form that CuPy-backed Dask arrays take).
DASK_CHUNKS_VIA_NUMPY = True

__all__ = ["evaluate"]


_astype = _xp.astype


def evaluate(act: Activation, prep: _xp.Prepared, p: dict[str, Any], derivative: bool) -> Any:
    """The value (or elementwise derivative) of ``act`` at a non-NumPy input.

    The value carries actfn's analytic derivative into PyTorch's and JAX's
    autodiff; every other library runs the generic form as it is.
    """
    spec = act.spec
    xp = prep.xp
    compute = prep.compute_dtype

    def forward_with(q: dict[str, Any]) -> Callable[[Any], Any]:
        def forward(x: Any) -> Any:
            fn = spec.derivative if derivative else spec.value
            assert fn is not None
            return _astype(xp, fn(xp, _astype(xp, x, compute), q), prep.result_dtype)

        return forward

    forward = forward_with(p)
    x = prep.x
    jax = _xp.imported("jax")
    if jax is not None and isinstance(x, jax.Array):
        return _jax_evaluate(jax, spec, xp, prep, p, derivative, forward_with)
    dask_array = _xp.imported("dask.array")
    if (
        DASK_CHUNKS_VIA_NUMPY
        and dask_array is not None
        and isinstance(x, dask_array.Array)
        and spec.kind == "elementwise"
        and isinstance(x._meta, np.ndarray)
        and _engine_ok(spec, p)
    ):
        # NumPy chunks: each chunk through the engine and the NumPy kernels, as one
        # task per chunk (the generic form would be a dozen full-chunk temporaries).
        return x.map_blocks(
            _dask_chunk,
            act,
            p,
            derivative,
            dtype=prep.result_dtype,
            meta=np.empty((0,) * x.ndim, dtype=prep.result_dtype),
        )
    torch = _xp.imported("torch")
    if torch is None or not isinstance(x, torch.Tensor):
        return forward(x)

    # Array parameters that require a gradient (a learnable prelu slope) are inputs
    # of the autograd Function; everywhere else their data is used.
    pnames = tuple(k for k, v in p.items() if isinstance(v, torch.Tensor) and v.requires_grad)
    full = p
    p = {**p, **{k: p[k].detach() for k in pnames}}
    plain_forward = forward_with(p)

    def torch_forward(x: Any) -> Any:
        view = _numpy_view(torch, x)
        if view is None:
            # Plain data: torch.asarray(x, copy=True) would carry requires_grad along.
            return plain_forward(x.detach())
        f = act.derivative if derivative else act
        return torch.from_numpy(np.asarray(f(view, **p)))

    recording = torch.is_grad_enabled() and (x.requires_grad or bool(pnames))
    if derivative and recording:
        # f.derivative stays differentiable, through its generic form
        return forward_with(full)(x)
    if not recording:
        return torch_forward(x)
    generic_backward = _backward(spec, xp, compute, p)

    def param_backward(x: Any, g: Any, arrs: tuple[Any, ...]) -> tuple[Any, ...]:
        # The gradient in the parameters: PyTorch's autograd of the generic form
        # (the record's derivative is with respect to x).
        with torch.enable_grad():
            leaves = [a.detach().requires_grad_(True) for a in arrs]
            y = forward_with({**p, **dict(zip(pnames, leaves, strict=True))})(x.detach())
            grads = torch.autograd.grad(y, leaves, g, allow_unused=True)
        return tuple(
            torch.zeros_like(a) if d is None else d for a, d in zip(arrs, grads, strict=True)
        )

    def torch_backward(x: Any, g: Any) -> Any:
        if not torch.is_grad_enabled():  # no graph of the backward is recorded
            xv, gv = _numpy_view(torch, x), _numpy_view(torch, g)
            if xv is not None and gv is not None:
                if spec.vjp is not None:
                    return torch.from_numpy(np.asarray(act.vjp(xv, gv, **p)))
                # f'(x) rounded to x's dtype, then times g: within one rounding
                # of f.vjp (exactly f.vjp in float64).
                return g * torch.from_numpy(np.asarray(act.derivative(xv, **p)))
        return generic_backward(x, g)

    arrays = [full[k] for k in pnames]
    return _torch_function(torch).apply(x, torch_forward, torch_backward, param_backward, *arrays)


def _engine_ok(spec: Spec, p: dict[str, Any]) -> bool:
    """Whether the engine may evaluate chunk by chunk (no array parameters, no draws)."""
    from ._activation import _blockwise

    return _blockwise(spec, p)


def _dask_chunk(block: Any, act: Activation, p: dict[str, Any], derivative: bool) -> Any:
    """One NumPy chunk of a Dask array (module-level: workers unpickle it by name)."""
    return (act.derivative if derivative else act)(block, **p)


def _numpy_view(torch: Any, x: Any) -> Any:
    """A NumPy array on the memory of a CPU tensor, or None where there is none."""
    if not TORCH_CPU_VIA_NUMPY or x.device.type != "cpu" or x.layout != torch.strided:
        return None
    try:
        return x.detach().numpy()
    except (RuntimeError, TypeError):  # bfloat16, torch.func wrappers, fake tensors
        return None


def _backward(spec: Spec, xp: Any, compute: Any, p: dict[str, Any]) -> Callable[[Any, Any], Any]:
    """``(x, g) -> g`` pulled back through f at x, in x's dtype, from the record."""

    def backward(x: Any, g: Any) -> Any:
        xc = _astype(xp, x, compute)
        gc = _astype(xp, g, compute)
        if spec.vjp is not None:
            r = spec.vjp(xp, xc, gc, p)
        else:
            assert spec.derivative is not None
            r = gc * spec.derivative(xp, xc, p)
        return _astype(xp, r, x.dtype)

    return backward


# --------------------------------------------------------------------------- PyTorch

_TORCH_FUNCTION: Any = None


def _torch_function(torch: Any) -> Any:
    """The ``torch.autograd.Function`` class, made once on first use."""
    global _TORCH_FUNCTION
    if _TORCH_FUNCTION is None:

        class ActfnFunction(torch.autograd.Function):  # type: ignore[misc]
            """An actfn activation with its analytic backward pass."""

            generate_vmap_rule = True

            @staticmethod
            def forward(
                x: Any,
                forward: Callable[[Any], Any],
                backward: Callable[[Any, Any], Any],
                param_backward: Any,
                *arrays: Any,
            ) -> Any:
                return forward(x.detach())

            @staticmethod
            def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
                x, _, backward, param_backward, *arrays = inputs
                ctx.save_for_backward(x, *arrays)
                ctx.actfn_backward = backward
                ctx.actfn_param_backward = param_backward

            @staticmethod
            def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
                x, *arrays = ctx.saved_tensors
                gx = ctx.actfn_backward(x, g) if ctx.needs_input_grad[0] else None
                garrays: tuple[Any, ...] = (None,) * len(arrays)
                if any(ctx.needs_input_grad[4:]):
                    garrays = ctx.actfn_param_backward(x, g, tuple(arrays))
                return (gx, None, None, None, *garrays)

        _TORCH_FUNCTION = ActfnFunction
    return _TORCH_FUNCTION


# ------------------------------------------------------------------------------ JAX


def _is_array(v: Any) -> bool:
    return hasattr(v, "shape") and hasattr(v, "dtype")


def _draws_anew(spec: Spec, p: dict[str, Any]) -> bool:
    """Whether a call draws fresh randomness (a Seed of None or a Generator)."""
    from ._activation import Seed

    return any(
        isinstance(prm.domain, Seed) and not isinstance(p[prm.name], int) for prm in spec.params
    )


def _jax_evaluate(
    jax: Any,
    spec: Spec,
    xp: Any,
    prep: _xp.Prepared,
    p: dict[str, Any],
    derivative: bool,
    forward_with: Callable[[dict[str, Any]], Callable[[Any], Any]],
) -> Any:
    """``f(x)`` (or ``f.derivative(x)``) on a JAX array, as one jitted computation
    (cached) with actfn's derivative as its JVP rule."""
    compute = prep.compute_dtype
    names = tuple(k for k, v in p.items() if _is_array(v))
    # Parameters of other libraries (NumPy's checked copies) enter as JAX arrays
    # in the computation's dtype (bool for a mask): JAX without 64-bit types would
    # otherwise truncate float64 with a warning.
    arrays = [
        v
        if isinstance(v, jax.Array)
        else xp.asarray(
            np.asarray(v), dtype=xp.bool if np.asarray(v).dtype == np.bool_ else compute
        )
        for k, v in p.items()
        if k in names
    ]

    def with_arrays(arrs: tuple[Any, ...]) -> dict[str, Any]:
        return {**p, **dict(zip(names, arrs, strict=True))}

    def build() -> Any:
        def plain(x: Any, *arrs: Any) -> Any:
            return forward_with(with_arrays(arrs))(x)

        if derivative:
            # f.derivative itself is differentiated through its generic form.
            return plain
        return _jax_wrap(
            jax,
            plain,
            lambda arrs: _backward(spec, xp, compute, with_arrays(arrs)),
            spec.kind == "elementwise",
        )

    if _draws_anew(spec, p):
        # Not jitted or cached: the draws happen when the function runs.
        return build()(prep.x, *arrays)
    key = (
        id(spec),
        spec.name,
        derivative,
        tuple(sorted((k, v) for k, v in p.items() if k not in names)),
        names,
        prep.result_dtype,
        compute,
    )
    fn = _JAX_CACHE.get(key)
    if fn is None:
        if len(_JAX_CACHE) >= _JAX_CACHE_SIZE:
            _JAX_CACHE.clear()
        fn = _JAX_CACHE[key] = jax.jit(build())
    return fn(prep.x, *arrays)


# One jitted function per activation, parameter values and dtypes: JAX runs it as
# one XLA computation (eagerly, a formula of a dozen operations would dispatch and
# compile each of them, and again for each step of autodiff); inside a caller's
# jit it is inlined.  Keyed by the record's identity and the static parameters;
# jit adds its own cache per shape, dtype and the 64-bit setting.
_JAX_CACHE: dict[tuple[Any, ...], Any] = {}
_JAX_CACHE_SIZE = 512


def _jax_wrap(
    jax: Any,
    forward: Callable[..., Any],
    backward_for: Callable[[tuple[Any, ...]], Callable[[Any, Any], Any]],
    elementwise: bool,
) -> Any:
    """``forward(x, *arrays)`` as a ``jax.custom_jvp`` function whose tangent map
    in x comes from ``backward_for(arrays)``.

    Elementwise: backward(x, t) = f'(x) t is already the tangent map (the
    Jacobian is diagonal).  Otherwise the tangent map J t is the transpose of the
    linear map g -> J^T g = backward(x, g).  The tangents of floating array
    parameters are added from JAX's autodiff of ``forward`` in them.
    """
    f = jax.custom_jvp(forward)

    def jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
        x, *arrs = primals
        t, *tarrs = tangents
        y = f(x, *arrs)
        backward = backward_for(tuple(arrs))
        if elementwise:
            jt = backward(x, t)
        else:
            example = jax.ShapeDtypeStruct(y.shape, y.dtype)
            (jt,) = jax.linear_transpose(lambda g: backward(x, g), example)(t)
        for i, (a, ta) in enumerate(zip(arrs, tarrs, strict=True)):
            if not jax.numpy.issubdtype(a.dtype, jax.numpy.inexact):
                continue  # a mask: no tangent

            def in_param(v: Any, i: int = i) -> Any:
                return forward(x, *arrs[:i], v, *arrs[i + 1 :])

            jt = jt + jax.jvp(in_param, (a,), (ta,))[1]
        return y, jt

    f.defjvp(jvp)
    return f
