"""Time actfn on PyTorch and JAX float32 arrays against the frameworks' own functions."""

import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
import torch

import actfn

N = 10**7
REPS = 7
x_np = np.random.default_rng(0).normal(size=N).astype(np.float32) * 3


def bench(fn, sync=lambda r: r):
    sync(fn())  # warm-up (and JAX compilation)
    ts = []
    for _ in range(REPS):
        t = time.perf_counter()
        sync(fn())
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3


xt = torch.from_numpy(x_np)
xt2 = xt.reshape(10**4, 10**3)
F = torch.nn.functional
torch_cases = [
    ("relu", lambda: actfn.relu(xt), lambda: F.relu(xt)),
    ("elu", lambda: actfn.elu(xt), lambda: F.elu(xt)),
    ("gelu", lambda: actfn.gelu(xt), lambda: F.gelu(xt)),
    ("silu", lambda: actfn.silu(xt), lambda: F.silu(xt)),
    ("softplus", lambda: actfn.softplus(xt), lambda: F.softplus(xt)),
    ("softmax (10^4 x 10^3, axis -1)", lambda: actfn.softmax(xt2), lambda: F.softmax(xt2, dim=-1)),
]
xg = xt.clone().requires_grad_()


def fb(f):
    def run():
        y = f(xg)
        (g,) = torch.autograd.grad(y, xg, torch.ones_like(y))
        return g

    return run


torch_cases += [
    ("gelu forward+backward", fb(actfn.gelu), fb(F.gelu)),
    ("elu forward+backward", fb(actfn.elu), fb(F.elu)),
]
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
for name, a, b in torch_cases:
    ta, tb = bench(a), bench(b)
    print(f"| torch | {name} | {ta:.1f} | {tb:.1f} | {ta / tb:.2f} |")

xj = jnp.asarray(x_np)
xj2 = xj.reshape(10**4, 10**3)
def ready(r):
    return r.block_until_ready()
jit_g = jax.jit(lambda v: jax.nn.gelu(v, approximate=False))
jit_e = jax.jit(jax.nn.elu)
jit_s = jax.jit(jax.nn.silu)
jit_sp = jax.jit(jax.nn.softplus)
jit_sm = jax.jit(jax.nn.softmax)
def gr(f):
    return jax.jit(jax.grad(lambda v: f(v).sum()))
jax_cases = [
    ("elu", lambda: actfn.elu(xj), lambda: jit_e(xj)),
    ("gelu", lambda: actfn.gelu(xj), lambda: jit_g(xj)),
    ("silu", lambda: actfn.silu(xj), lambda: jit_s(xj)),
    ("softplus", lambda: actfn.softplus(xj), lambda: jit_sp(xj)),
    ("softmax (10^4 x 10^3, axis -1)", lambda: actfn.softmax(xj2), lambda: jit_sm(xj2)),
]
ga, gb = gr(actfn.gelu), gr(lambda v: jax.nn.gelu(v, approximate=False))
jax_cases.append(("gelu grad (jit)", lambda: ga(xj), lambda: gb(xj)))
print(f"jax {jax.__version__}, x64={jax.config.jax_enable_x64}")
for name, a, b in jax_cases:
    ta, tb = bench(a, ready), bench(b, ready)
    print(f"| jax | {name} | {ta:.1f} | {tb:.1f} | {ta / tb:.2f} |")
