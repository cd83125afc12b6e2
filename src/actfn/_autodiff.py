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
  (``create_graph=True``), so second derivatives work.
- PyTorch tensors in CPU memory are evaluated by the NumPy engine on a zero-copy
  NumPy view of the tensor (no data moves; the result is a tensor on the same
  memory the engine wrote): the blocked, multi-threaded engine and the NumPy
  kernels are several times faster than the generic form run op by op on
  full-size float64 temporaries, and the values equal actfn's NumPy values.
  Tensors on other devices (CUDA, meta), and those NumPy cannot view (bfloat16,
  ``torch.func`` wrappers, fake tensors), run the generic form.
- Dask arrays with NumPy chunks run the elementwise functions chunk by chunk in
  the engine (``map_blocks``, lazily); the functions along an axis, and Dask
  arrays of other chunk types (CuPy), run the generic form on the Dask array.
- JAX: ``jax.custom_jvp``.  An elementwise tangent is ``f'(x) * t``; for the axis
  functions the tangent map is the transpose of the record's (linear) vjp,
  obtained with ``jax.linear_transpose``.  A JVP rule serves forward and reverse
  mode, ``jit``, ``vmap`` and higher derivatives.  Parameters are static Python
  values closed over by the wrapped function, never traced.

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


def _astype(xp: Any, x: Any, dtype: Any) -> Any:
    return x if x.dtype == dtype else xp.astype(x, dtype)


def evaluate(act: Activation, prep: _xp.Prepared, p: dict[str, Any], derivative: bool) -> Any:
    """The value (or elementwise derivative) of ``act`` at a non-NumPy input.

    The value carries actfn's analytic derivative into PyTorch's and JAX's
    autodiff; every other library runs the generic form as it is.
    """
    spec = act.spec
    xp = prep.xp
    compute = prep.compute_dtype

    def forward(x: Any) -> Any:
        fn = spec.derivative if derivative else spec.value
        assert fn is not None
        return _astype(xp, fn(xp, _astype(xp, x, compute), p), prep.result_dtype)

    x = prep.x
    jax = _xp.imported("jax")
    if jax is not None and isinstance(x, jax.Array):
        key = (
            id(spec),
            spec.name,
            derivative,
            tuple(sorted(p.items())),
            prep.result_dtype,
            compute,
        )
        fn = _JAX_CACHE.get(key)
        if fn is None:
            if len(_JAX_CACHE) >= _JAX_CACHE_SIZE:
                _JAX_CACHE.clear()
            # f.derivative itself is differentiated through its generic form.
            fn = _JAX_CACHE[key] = jax.jit(
                forward
                if derivative
                else _jax_wrap(
                    jax, forward, _backward(spec, xp, compute, p), spec.kind == "elementwise"
                )
            )
        return fn(x)
    dask_array = _xp.imported("dask.array")
    if (
        DASK_CHUNKS_VIA_NUMPY
        and dask_array is not None
        and isinstance(x, dask_array.Array)
        and spec.kind == "elementwise"
        and isinstance(x._meta, np.ndarray)
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

    def torch_forward(x: Any) -> Any:
        view = _numpy_view(torch, x)
        if view is None:
            # Plain data: torch.asarray(x, copy=True) would carry requires_grad along.
            return forward(x.detach())
        f = act.derivative if derivative else act
        return torch.from_numpy(np.asarray(f(view, **p)))

    recording = torch.is_grad_enabled() and x.requires_grad
    if derivative and recording:
        return forward(x)  # f.derivative stays differentiable, through its generic form
    if not recording:
        return torch_forward(x)
    generic_backward = _backward(spec, xp, compute, p)

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

    return _torch_function(torch).apply(x, torch_forward, torch_backward)


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
                x: Any, forward: Callable[[Any], Any], backward: Callable[[Any, Any], Any]
            ) -> Any:
                return forward(x.detach())

            @staticmethod
            def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
                x, _, backward = inputs
                ctx.save_for_backward(x)
                ctx.actfn_backward = backward

            @staticmethod
            def backward(ctx: Any, g: Any) -> tuple[Any, None, None]:
                (x,) = ctx.saved_tensors
                return ctx.actfn_backward(x, g), None, None

        _TORCH_FUNCTION = ActfnFunction
    return _TORCH_FUNCTION


# ------------------------------------------------------------------------------ JAX

# One jitted function per activation, parameter values and dtypes: JAX runs it as
# one XLA computation (eagerly, a formula of a dozen operations would dispatch and
# compile each of them, and again for each step of autodiff); inside a caller's
# jit it is inlined.  Keyed by the record's identity and the static parameters;
# jit adds its own cache per shape, dtype and the 64-bit setting.
_JAX_CACHE: dict[tuple[Any, ...], Any] = {}
_JAX_CACHE_SIZE = 512


def _jax_wrap(
    jax: Any, forward: Callable[[Any], Any], backward: Callable[[Any, Any], Any], elementwise: bool
) -> Any:
    """``forward`` as a ``jax.custom_jvp`` function whose tangent map comes from
    ``backward``.

    Elementwise: backward(x, t) = f'(x) t is already the tangent map (the
    Jacobian is diagonal).  Otherwise the tangent map J t is the transpose of the
    linear map g -> J^T g = backward(x, g).
    """
    f = jax.custom_jvp(forward)

    def jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
        (x,), (t,) = primals, tangents
        y = f(x)
        if elementwise:
            return y, backward(x, t)
        example = jax.ShapeDtypeStruct(y.shape, y.dtype)
        (jt,) = jax.linear_transpose(lambda g: backward(x, g), example)(t)
        return y, jt

    f.defjvp(jvp)
    return f
