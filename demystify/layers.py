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

from collections.abc import Iterator

from . import backend, checks
from . import init as initializers
from .backend import Array
from .parameter import Parameter

# The layers `dm.load` may build from a file, by class name: every layer class that defines
# `config()` (an activation: `function`), ours and yours, adds itself when it is defined.
LAYER_TYPES: dict[str, type["Layer"]] = {}


class ShapeError(ValueError):
    """An array reached a layer with the wrong shape; says which layer and both shapes."""


class Layer:
    """Base class: a forward function, its backward (chain rule), and its parameters.

    A layer returns its constructor arguments from `config()`, so that
    `dm.save` can write it and `dm.load` can build it again: a class that
    defines `config()` (or, an activation, its `function`) is registered for
    `dm.load` when it is defined; base classes and helpers are not. `n_in` and
    `n_out` are the widths it takes and gives; None (activations, dropout): any
    width, passed on unchanged.
    """

    n_in: int | None = None
    n_out: int | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "config" in vars(cls) or "function" in vars(cls):  # a re-run cell replaces the old
            LAYER_TYPES[cls.__name__] = cls

    def __init__(self) -> None:
        self.training = True  # some layers (Dropout) behave differently when training
        self.cache = None  # what forward saved for backward

    def forward(self, x: Array) -> Array:
        raise NotImplementedError

    def backward(self, grad_out: Array, input_grad: bool = True) -> Array | None:
        """Given dL/d(output), accumulate parameter gradients and return dL/d(input).

        ``input_grad=False`` may skip dL/d(input) when nobody needs it (the first
        layer: the data is not learned), which saves a third of a dense layer's work.
        """
        raise NotImplementedError

    def __call__(self, x: Array) -> Array:
        return self.forward(x)

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Pairs ``(name, parameter)``; layers without parameters yield nothing."""
        return iter(())

    def parameters(self) -> Iterator[Parameter]:
        return (parameter for _, parameter in self.named_parameters())

    def zero_grad(self) -> None:
        for parameter in self.parameters():
            parameter.zero_grad()

    def initialize(self, rng, dtype: str | None = None) -> None:
        """(Re)draw the parameters from the NumPy generator `rng`; no-op without parameters."""

    def train(self, mode: bool = True) -> "Layer":
        self.training = mode
        return self

    def eval(self) -> "Layer":
        return self.train(False)

    @property
    def xp(self):
        """The array namespace its parameters live in (the active backend's, if it has none)."""
        first = next(self.parameters(), None)
        return backend.namespace() if first is None else backend.array_namespace(first.value)

    def to(self, backend_name: str) -> "Layer":
        """Move the parameters onto backend `backend_name` (no global changes: arrays carry it)."""
        xp = backend.namespace(backend_name)
        for parameter in self.parameters():
            parameter.move(xp=xp)
        return self

    def config(self) -> dict:
        """The constructor arguments, so `dm.save` can rebuild the layer without pickle."""
        return {}

    @classmethod
    def parameter_shapes(cls, config: dict) -> dict[str, tuple[int, ...]]:
        """The shapes of the parameters of ``cls(**config)``, which `dm.load` checks first.

        Here the layer is built to find out; a layer with big parameters says it
        without drawing them (see `Dense`).
        """
        return {name: parameter.shape for name, parameter in cls(**config).named_parameters()}

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.config().items())
        return f"{type(self).__name__}({args})"


class Dense(Layer):
    """A fully connected layer: ``y = x @ weights + bias``.

    Shapes: ``(batch, n_in) @ (n_in, n_out) + (n_out,) -> (batch, n_out)``.
    Column ``j`` of `weights` holds the input weights of output unit ``j``.
    """

    def __init__(self, n_in: int, n_out: int, init="he_normal", seed=None, dtype="float32"):
        super().__init__()
        self.n_in, self.n_out = self.parameter_shapes({"n_in": n_in, "n_out": n_out})["weights"]
        self.init = initializers.get(init).__name__  # a typo is reported now, not later
        self.dtype = checks.floating_dtype(dtype, owner="Dense")
        self.initialize(initializers.as_generator(seed))

    def initialize(self, rng, dtype: str | None = None) -> None:
        self.dtype = dtype or self.dtype
        # drawn on the host, from the seeded generator; then moved
        weights = initializers.get(self.init)((self.n_in, self.n_out), rng)
        self.weights = Parameter(backend.asarray(weights, self.dtype))
        self.bias = Parameter(backend.asarray(initializers.zeros(self.n_out), self.dtype))

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        yield "weights", self.weights
        yield "bias", self.bias

    # shown in notebooks/01_one_neuron_then_a_dense_layer.ipynb
    # shown in notebooks/08_swap_numpy_for_a_gpu.ipynb
    def forward(self, x: Array) -> Array:
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ShapeError(f"expected input with {self.n_in} features, got {tuple(x.shape)}")
        self.cache = x
        out = backend.array_namespace(x).matmul(x, self.weights.value)
        out += self.bias.value  # in place: one array fewer per batch
        return out

    # shown in notebooks/04_backpropagation.ipynb
    def backward(self, grad_out: Array, input_grad: bool = True) -> Array | None:
        """With ``g = dL/dy`` of shape ``(batch, n_out)``:

        * ``dL/dweights = x.T @ g``      ``(n_in, batch) @ (batch, n_out)``
        * ``dL/dbias    = sum_batch g``  one bias serves every row of the batch
        * ``dL/dx       = g @ weights.T`` ``(batch, n_out) @ (n_out, n_in)``
        """
        xp = backend.array_namespace(grad_out)
        x = self.cache
        self.weights.accumulate(xp.matmul(x.T, grad_out))
        self.bias.accumulate(xp.sum(grad_out, axis=0))
        return xp.matmul(grad_out, self.weights.value.T) if input_grad else None

    def config(self) -> dict:
        return {"n_in": self.n_in, "n_out": self.n_out, "init": self.init}

    @classmethod
    def parameter_shapes(cls, config: dict) -> dict[str, tuple[int, ...]]:
        n_in = checks.number("n_in", config.get("n_in"), "[1, inf)", True, "Dense")
        n_out = checks.number("n_out", config.get("n_out"), "[1, inf)", True, "Dense")
        checks.affordable(8 * n_in * n_out, f"Dense({n_in}, {n_out}): drawing its weights")
        return {"weights": (n_in, n_out), "bias": (n_out,)}


class Dropout(Layer):
    """Randomly silence a fraction `p` of the units while training (inverted dropout).

    Training: ``y = x * mask / (1 - p)`` with ``mask`` ones and zeros drawn per
    entry, so the expected output equals ``x`` and nothing changes at inference,
    where the layer passes ``x`` through. It keeps a network from leaning on any
    single unit, which reduces overfitting.
    """

    def __init__(self, p: float = 0.5, seed=None):
        super().__init__()
        self.p = checks.number("p", p, "[0, 1)", owner="Dropout")
        self.rng = initializers.as_generator(seed)

    def initialize(self, rng, dtype: str | None = None) -> None:
        self.rng = rng.spawn(1)[0]  # its own stream, derived from the model's seed

    # shown in notebooks/06_the_training_loop.ipynb
    def forward(self, x: Array) -> Array:
        if not self.training or self.p == 0.0:
            self.cache = 1.0  # nothing dropped: backward passes the gradient through
            return x
        keep = self.rng.random(tuple(x.shape)) >= self.p  # drawn on the host, seeded
        xp = backend.array_namespace(x)
        self.cache = backend.asarray(keep / (1 - self.p), backend.dtype_name(x), xp)
        return x * self.cache

    def backward(self, grad_out: Array, input_grad: bool = True) -> Array:
        """``dL/dx = dL/dy * mask / (1 - p)``: dropped units pass no gradient."""
        return grad_out * self.cache

    def config(self) -> dict:
        return {"p": self.p}
