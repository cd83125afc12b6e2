"""actfn: neural-network activation functions, exact, fast and differentiable.

Every Keras 3 activation with Keras's names, parameters and defaults, each a
callable :class:`Activation` with ``derivative``, ``vjp`` and its formula,
parameters, properties and references.  NumPy by default; PyTorch, JAX, CuPy,
Dask and any Array-API library work too, results staying in their library.

>>> import actfn
>>> actfn.softmax([1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0]).round(3)
array([0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175])
"""

from ._activation import Activation
from ._engine import get_num_threads, set_num_threads
from ._registry import ACTIVATIONS, deserialize, get, names, serialize
from ._version import __version__

# One public name per registry entry; tests/test_registry.py checks this list
# against the registry.
relu = ACTIVATIONS["relu"]
leaky_relu = ACTIVATIONS["leaky_relu"]
relu6 = ACTIVATIONS["relu6"]
threshold = ACTIVATIONS["threshold"]
linear = ACTIVATIONS["linear"]
elu = ACTIVATIONS["elu"]
selu = ACTIVATIONS["selu"]
celu = ACTIVATIONS["celu"]
exponential = ACTIVATIONS["exponential"]
sigmoid = ACTIVATIONS["sigmoid"]
hard_sigmoid = ACTIVATIONS["hard_sigmoid"]
log_sigmoid = ACTIVATIONS["log_sigmoid"]
sparse_sigmoid = ACTIVATIONS["sparse_sigmoid"]
tanh = ACTIVATIONS["tanh"]
hard_tanh = ACTIVATIONS["hard_tanh"]
softsign = ACTIVATIONS["softsign"]
softplus = ACTIVATIONS["softplus"]
silu = ACTIVATIONS["silu"]
hard_silu = ACTIVATIONS["hard_silu"]
gelu = ACTIVATIONS["gelu"]
mish = ACTIVATIONS["mish"]
squareplus = ACTIVATIONS["squareplus"]
sparse_plus = ACTIVATIONS["sparse_plus"]
soft_shrink = ACTIVATIONS["soft_shrink"]
hard_shrink = ACTIVATIONS["hard_shrink"]
tanh_shrink = ACTIVATIONS["tanh_shrink"]
softmax = ACTIVATIONS["softmax"]
log_softmax = ACTIVATIONS["log_softmax"]
sparsemax = ACTIVATIONS["sparsemax"]
glu = ACTIVATIONS["glu"]
softmin = ACTIVATIONS["softmin"]
prelu = ACTIVATIONS["prelu"]
rrelu = ACTIVATIONS["rrelu"]
gumbel_softmax = ACTIVATIONS["gumbel_softmax"]
logsumexp = ACTIVATIONS["logsumexp"]
log1mexp = ACTIVATIONS["log1mexp"]
swiglu = ACTIVATIONS["swiglu"]
geglu = ACTIVATIONS["geglu"]
reglu = ACTIVATIONS["reglu"]
relu_squared = ACTIVATIONS["relu_squared"]
star_relu = ACTIVATIONS["star_relu"]
snake = ACTIVATIONS["snake"]
entmax15 = ACTIVATIONS["entmax15"]
swish = silu
hard_swish = hard_silu

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "__version__",
    "celu",
    "deserialize",
    "elu",
    "entmax15",
    "exponential",
    "geglu",
    "gelu",
    "get",
    "get_num_threads",
    "glu",
    "gumbel_softmax",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log1mexp",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "mish",
    "names",
    "prelu",
    "reglu",
    "relu",
    "relu6",
    "relu_squared",
    "rrelu",
    "selu",
    "serialize",
    "set_num_threads",
    "sigmoid",
    "silu",
    "snake",
    "soft_shrink",
    "softmax",
    "softmin",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "star_relu",
    "swiglu",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
]
