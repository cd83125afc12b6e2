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
  gradient, so plain evaluation pays nothing).  The backward is written with
  differentiable torch operations, so ``create_graph=True`` gives second
  derivatives; ``generate_vmap_rule`` makes it work under ``torch.func``.
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

from . import _xp

if TYPE_CHECKING:
    from ._activation import Spec

__all__ = ["evaluate"]


def _astype(xp: Any, x: Any, dtype: Any) -> Any:
    return x if x.dtype == dtype else xp.astype(x, dtype)


def evaluate(spec: Spec, prep: _xp.Prepared, p: dict[str, Any], derivative: bool) -> Any:
    """The value (or elementwise derivative) of ``spec`` at a non-NumPy input.

    The value carries actfn's analytic derivative into PyTorch's and JAX's
    autodiff; every other library runs the generic form as it is.
    """
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
    if derivative:
        return forward(x)
    backward = _backward(spec, xp, compute, p)
    torch = _xp.imported("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        if torch.is_grad_enabled() and x.requires_grad:
            return _torch_function(torch).apply(x, forward, backward)
        # Outside autograd the forward sees plain data (torch.asarray(x, copy=True)
        # would otherwise carry requires_grad along, and warn).
        return forward(x.detach())
    return forward(x)


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
