"""Activations: the nonlinearity between two matrix products.

Two dense layers in a row are still one matrix product (``(x @ A) @ B = x @ (A @ B)``),
so a stack of them can only draw straight lines. An element-wise nonlinear
function between them is what lets a network bend. Each activation is a pair:
the function ``f`` and its derivative ``f'``, and backward is the chain rule
``dL/dx = dL/dy * f'(x)``, entry by entry.
"""
from . import backend
from .layers import Layer


class Activation(Layer):
    """An element-wise function `function` with its derivative `derivative`."""

    def function(self, x):
        raise NotImplementedError

    def derivative(self, x, y):
        """``f'`` at `x`; `y` = f(x) is passed too, as some derivatives read best from it."""
        raise NotImplementedError

    def forward(self, x):
        y = self.function(x)
        self.cache = (x, y)
        return y

    def backward(self, grad_out, input_grad: bool = True):
        """``dL/dx = dL/dy * f'(x)`` (element-wise)."""
        x, y = self.cache
        return grad_out * self.derivative(x, y)


class ReLU(Activation):
    """``f(x) = max(x, 0)``; ``f'(x) = 1 if x > 0 else 0``."""

    def function(self, x):
        xp = backend.namespace()
        return xp.maximum(x, xp.asarray(0, dtype=x.dtype))  # a zero of x's type: the array API mixes no types

    def derivative(self, x, y):
        return backend.namespace().astype(x > 0, x.dtype)


class LeakyReLU(Activation):
    """``f(x) = x if x > 0 else slope * x``; ``f'(x) = 1 if x > 0 else slope``.

    The small slope keeps a unit that went negative still learning.
    """

    def __init__(self, slope: float = 0.01):
        super().__init__()
        self.slope = slope

    def function(self, x):
        return backend.namespace().where(x > 0, x, self.slope * x)

    def derivative(self, x, y):
        return backend.namespace().astype(x > 0, x.dtype) * (1.0 - self.slope) + self.slope

    def config(self) -> dict:
        return {"slope": self.slope}


class Sigmoid(Activation):
    """``f(x) = 1 / (1 + exp(-x))``; ``f'(x) = f(x) * (1 - f(x))``."""

    def function(self, x):
        xp = backend.namespace()
        z = xp.exp(-xp.abs(x))  # never overflows: exp of a non-positive number
        return xp.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))

    def derivative(self, x, y):
        return y * (1.0 - y)


class Tanh(Activation):
    """``f(x) = tanh(x)``; ``f'(x) = 1 - tanh(x)**2``."""

    def function(self, x):
        return backend.namespace().tanh(x)

    def derivative(self, x, y):
        return 1.0 - y * y


class Softmax(Activation):
    """Turn each row of scores into probabilities: ``y_i = exp(x_i) / sum_j exp(x_j)``.

    Subtracting the row's maximum first changes nothing mathematically and
    keeps ``exp`` from overflowing. (To train a classifier, prefer raw scores
    with `SoftmaxCrossEntropy`, which fuses the two and is simpler and stabler.)
    """

    def function(self, x):
        xp = backend.namespace()
        exps = xp.exp(x - xp.max(x, axis=1, keepdims=True))
        return exps / xp.sum(exps, axis=1, keepdims=True)

    def backward(self, grad_out, input_grad: bool = True):
        """Softmax mixes a row, so its derivative is a matrix: ``dy_i/dx_j = y_i (delta_ij - y_j)``.

        Multiplied out: ``dL/dx = y * (g - sum_j g_j y_j)``, row by row.
        """
        xp = backend.namespace()
        _, y = self.cache
        return y * (grad_out - xp.sum(grad_out * y, axis=1, keepdims=True))
