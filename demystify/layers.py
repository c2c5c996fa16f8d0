"""Layers: the steps a batch of data goes through, each with its own derivative.

A layer is two functions side by side:

* ``forward(x)`` turns a batch of inputs ``x`` (shape ``(batch, features)``)
  into outputs, and caches what the backward pass will need;
* ``backward(grad_out)`` receives ``dL/d(output)``, the gradient of the loss
  with respect to the layer's outputs, adds the gradients of its parameters
  into their ``.grad`` (``parameter.accumulate``), and returns ``dL/d(input)``
  for the layer before it.

That is the whole of backpropagation: the chain rule applied one layer at a
time, from the loss back to the data. The dense layer below is where nearly
all of a network's arithmetic happens: three matrix products per batch.
"""
from typing import Iterator

from . import backend
from . import init as initializers
from .parameter import Parameter


class ShapeError(ValueError):
    """An array reached a layer with the wrong shape; says which layer and both shapes."""

    def __init__(self, layer: str, detail: str):
        super().__init__(f"{layer} {detail}")
        self.layer, self.detail = layer, detail


class Layer:
    """Base class: a forward function, its backward (chain rule), and its parameters."""

    def __init__(self) -> None:
        self.training = True  # some layers (Dropout) behave differently when training
        self.cache = None  # what forward saved for backward

    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad_out, input_grad: bool = True):
        """Given dL/d(output), accumulate parameter gradients and return dL/d(input).

        ``input_grad=False`` may skip dL/d(input) when nobody needs it (the first
        layer: the data is not learned), which saves a third of a dense layer's work.
        """
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Pairs ``(name, parameter)``; layers without parameters yield nothing."""
        return iter(())

    def parameters(self) -> Iterator[Parameter]:
        return (parameter for _, parameter in self.named_parameters())

    def zero_grad(self) -> None:
        for parameter in self.parameters():
            parameter.zero_grad()

    def initialize(self, rng, dtype=None) -> None:
        """(Re)draw the parameters from the NumPy generator `rng`; no-op without parameters."""

    def train(self, mode: bool = True) -> "Layer":
        self.training = mode
        return self

    def eval(self) -> "Layer":
        return self.train(False)

    def to(self, backend_name: str) -> "Layer":
        """Make `backend_name` the active backend and move the parameters onto it."""
        backend.use(backend_name)
        for parameter in self.parameters():
            parameter.move()
        return self

    def config(self) -> dict:
        """The constructor arguments, so `dm.save` can rebuild the layer without pickle."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.config().items())
        return f"{type(self).__name__}({args})"


class Dense(Layer):
    """A fully connected layer: ``y = x @ weights + bias``.

    Shapes: ``(batch, n_in) @ (n_in, n_out) + (n_out,) -> (batch, n_out)``.
    Column ``j`` of `weights` holds the input weights of output unit ``j``.
    """

    def __init__(self, n_in: int, n_out: int, init: str = "he_normal", seed=None, dtype: str = "float32"):
        super().__init__()
        for name, value in (("n_in", n_in), ("n_out", n_out)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Dense needs a positive whole number for {name}, got {value!r}")
        self.n_in, self.n_out, self.init = n_in, n_out, init
        self.initialize(initializers.as_generator(seed), dtype)

    def initialize(self, rng, dtype=None) -> None:
        self.dtype = dtype = dtype or getattr(self, "dtype", "float32")
        draw = initializers.get(self.init)  # on the host, from the seeded generator; then moved
        self.weights = Parameter(backend.asarray(draw((self.n_in, self.n_out), rng), dtype))
        self.bias = Parameter(backend.asarray(initializers.zeros(self.n_out), dtype))

    def named_parameters(self):
        yield "weights", self.weights
        yield "bias", self.bias

    def forward(self, x):
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ShapeError("Dense", f"expected input with {self.n_in} features, got {tuple(x.shape)}")
        self.cache = x
        out = backend.namespace().matmul(x, self.weights.value)
        out += self.bias.value  # in place: one array fewer per batch
        return out

    def backward(self, grad_out, input_grad: bool = True):
        """With ``g = dL/dy`` of shape ``(batch, n_out)``:

        * ``dL/dweights = x.T @ g``      ``(n_in, batch) @ (batch, n_out)``
        * ``dL/dbias    = sum_batch g``  one bias serves every row of the batch
        * ``dL/dx       = g @ weights.T`` ``(batch, n_out) @ (n_out, n_in)``
        """
        xp, x = backend.namespace(), self.cache
        self.weights.accumulate(xp.matmul(x.T, grad_out))
        self.bias.accumulate(xp.sum(grad_out, axis=0))
        return xp.matmul(grad_out, self.weights.value.T) if input_grad else None

    def config(self) -> dict:
        return {"n_in": self.n_in, "n_out": self.n_out, "init": self.init}


class Dropout(Layer):
    """Randomly silence a fraction `p` of the units while training (inverted dropout).

    Training: ``y = x * mask / (1 - p)`` with ``mask`` ones and zeros drawn per
    entry, so the expected output equals ``x`` and nothing changes at inference,
    where the layer passes ``x`` through. It keeps a network from leaning on any
    single unit, which reduces overfitting.
    """

    def __init__(self, p: float = 0.5, seed=None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout probability must be in [0, 1), got {p!r}")
        self.p, self.rng = p, initializers.as_generator(seed)

    def initialize(self, rng, dtype=None) -> None:
        self.rng = rng.spawn(1)[0]  # its own stream, derived from the model's seed

    def forward(self, x):
        if not self.training or self.p == 0.0:
            self.cache = None
            return x
        keep = self.rng.random(tuple(x.shape)) >= self.p  # drawn on the host, seeded
        self.cache = backend.asarray(keep / (1.0 - self.p), backend.dtype_name(x))
        return x * self.cache

    def backward(self, grad_out, input_grad: bool = True):
        """``dL/dx = dL/dy * mask / (1 - p)``: dropped units pass no gradient."""
        return grad_out if self.cache is None else grad_out * self.cache

    def config(self) -> dict:
        return {"p": self.p}
