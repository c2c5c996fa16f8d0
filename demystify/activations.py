"""Activations: the nonlinearity between two matrix products.

Two dense layers in a row are still one matrix product (``(x @ A) @ B = x @ (A @ B)``),
so a stack of them can only draw straight lines. An element-wise nonlinear
function between them is what lets a network bend. Each activation is a pair:
the function ``f`` and its derivative ``f'``, and backward is the chain rule
``dL/dx = dL/dy * f'(x)``, entry by entry.

The two squashing functions, `sigmoid` and `softmax`, are also plain functions
here: the classification losses use the same code.
"""

from . import backend, checks
from .backend import Array
from .layers import Layer


# shown in notebooks/02_activations.ipynb
def sigmoid(x: Array) -> Array:
    """``1 / (1 + exp(-x))``, computed without overflow for any x."""
    xp = backend.array_namespace(x)
    z = xp.exp(-xp.abs(x))  # never overflows: exp of a non-positive number
    return xp.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


# shown in notebooks/08_swap_numpy_for_a_gpu.ipynb
def softmax_with_log(x: Array) -> tuple[Array, Array]:
    """Each row of scores as probabilities ``exp(x_i) / sum_j exp(x_j)``, and their logarithms.

    Subtracting the row's maximum first changes nothing mathematically and keeps
    ``exp`` from overflowing; the logarithm is ``shifted - log(sum)``, never ``log(0)``.
    """
    xp = backend.array_namespace(x)
    shifted = x - xp.max(x, axis=1, keepdims=True)
    exps = xp.exp(shifted)
    sums = xp.sum(exps, axis=1, keepdims=True)
    return exps / sums, shifted - xp.log(sums)


def softmax(x: Array) -> Array:
    """Each row of scores as probabilities: ``y_i = exp(x_i) / sum_j exp(x_j)``."""
    return softmax_with_log(x)[0]


class Activation(Layer):
    """An element-wise function and its derivative: a subclass defines the pair.

    ``function(x)`` is ``f``; ``derivative(x, y)`` is ``f'`` at `x`, given
    ``y = f(x)`` too, as some derivatives read best from it. Defining
    `function` makes an activation one that `dm.load` can rebuild by name.
    """

    def forward(self, x: Array) -> Array:
        y = self.function(x)
        self.cache = (x, y)
        return y

    # shown in notebooks/02_activations.ipynb
    def backward(self, grad_out: Array, input_grad: bool = True) -> Array:
        """``dL/dx = dL/dy * f'(x)`` (element-wise)."""
        x, y = self.cache
        return grad_out * self.derivative(x, y)


# shown in notebooks/02_activations.ipynb
class ReLU(Activation):
    """``f(x) = max(x, 0)``; ``f'(x) = 1 if x > 0 else 0``."""

    def function(self, x: Array) -> Array:
        xp = backend.array_namespace(x)
        zero = xp.asarray(0, dtype=x.dtype)  # a zero of x's type: the array API mixes no types
        return xp.maximum(x, zero)

    def derivative(self, x: Array, y: Array) -> Array:
        return backend.array_namespace(x).astype(x > 0, x.dtype)


class LeakyReLU(Activation):
    """``f(x) = x if x > 0 else slope * x``; ``f'(x) = 1 if x > 0 else slope``.

    The small slope keeps a unit that went negative still learning.
    """

    def __init__(self, slope: float = 0.01):
        super().__init__()
        self.slope = checks.number("slope", slope, "[0, 1)", owner="LeakyReLU")

    def function(self, x: Array) -> Array:
        return backend.array_namespace(x).where(x > 0, x, self.slope * x)

    def derivative(self, x: Array, y: Array) -> Array:
        return backend.array_namespace(x).astype(x > 0, x.dtype) * (1.0 - self.slope) + self.slope

    def config(self) -> dict:
        return {"slope": self.slope}


# shown in notebooks/02_activations.ipynb
class Sigmoid(Activation):
    """``f(x) = 1 / (1 + exp(-x))``; ``f'(x) = f(x) * (1 - f(x))``."""

    def function(self, x: Array) -> Array:
        return sigmoid(x)

    def derivative(self, x: Array, y: Array) -> Array:
        return y * (1.0 - y)


class Tanh(Activation):
    """``f(x) = tanh(x)``; ``f'(x) = 1 - tanh(x)**2``."""

    def function(self, x: Array) -> Array:
        return backend.array_namespace(x).tanh(x)

    def derivative(self, x: Array, y: Array) -> Array:
        return 1.0 - y * y


class Softmax(Activation):
    """Turn each row of scores into probabilities (see `softmax`).

    To train a classifier, prefer raw scores with `SoftmaxCrossEntropy`, which
    fuses the two and is simpler and stabler.
    """

    def function(self, x: Array) -> Array:
        return softmax(x)

    def backward(self, grad_out: Array, input_grad: bool = True) -> Array:
        """Softmax mixes a row, so its derivative is a matrix: ``dy_i/dx_j = y_i (delta_ij - y_j)``.

        Multiplied out: ``dL/dx = y * (g - sum_j g_j y_j)``, row by row.
        """
        xp = backend.array_namespace(grad_out)
        _, y = self.cache
        return y * (grad_out - xp.sum(grad_out * y, axis=1, keepdims=True))
