"""Sequential: a network as a list of layers, applied one after another.

``forward`` feeds the output of each layer into the next; ``backward`` walks
the same list in reverse, handing each layer the gradient of the loss with
respect to its output. The container also gathers the parameters under
dotted names (``"0.weights"`` is the weight matrix of layer 0), predicts in
batches, and reads and writes all weights at once as a list of arrays.
"""

from collections.abc import Iterable, Iterator

import numpy as np

from . import backend, checks
from .backend import Array
from .init import as_generator
from .layers import Layer, ShapeError
from .parameter import Parameter


class Sequential(Layer):
    """Layers applied in order. ``seed`` (re)initialises every parameter from one generator."""

    def __init__(self, layers: Iterable[Layer], seed=None, dtype: str | None = None):
        super().__init__()
        self.layers = list(layers)
        for index, layer in enumerate(self.layers):
            if isinstance(layer, type) or not hasattr(layer, "named_parameters"):  # dm.ReLU, not ()
                raise TypeError(f"Sequential item #{index} is {layer!r:.60}, not a demystify layer")
        dtype = dtype and checks.floating_dtype(dtype, owner="Sequential")
        if seed is not None:
            self.initialize(as_generator(seed), dtype)
        elif dtype is not None:
            for parameter in self.parameters():
                parameter.move(dtype)

    def initialize(self, rng, dtype: str | None = None) -> None:
        for layer in self.layers:
            layer.initialize(rng, dtype)

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        seen = set()  # a layer used twice owns its parameters once
        for index, layer in enumerate(self.layers):
            for name, parameter in layer.named_parameters():
                if id(parameter) not in seen:
                    seen.add(id(parameter))
                    yield f"{index}.{name}", parameter

    def train(self, mode: bool = True) -> "Sequential":
        for layer in self.layers:
            layer.train(mode)
        return super().train(mode)

    # shown in notebooks/04_backpropagation.ipynb
    def forward(self, x: Array) -> Array:
        caches = []  # one per position, so a layer used twice keeps both of its caches
        for index, layer in enumerate(self.layers):
            try:
                x = layer.forward(x)
            except ShapeError as error:
                raise ShapeError(f"{type(layer).__name__} #{index} {error}") from None
            caches.append(layer.cache)
        self.cache = caches
        return x

    # shown in notebooks/04_backpropagation.ipynb
    def backward(self, grad_out: Array, input_grad: bool = True) -> Array | None:
        """The chain rule, layer by layer from the last to the first."""
        if self.cache is None:
            raise RuntimeError("Sequential.backward needs a forward pass first")
        for index in reversed(range(len(self.layers))):
            layer = self.layers[index]
            layer.cache = self.cache[index]
            grad_out = layer.backward(grad_out, input_grad=input_grad or index > 0)
        return grad_out

    @property
    def n_in(self) -> int | None:
        """The number of input features: the first layer's that has one (None: any)."""
        return next((layer.n_in for layer in self.layers if layer.n_in is not None), None)

    @property
    def n_out(self) -> int | None:
        """The number of outputs: the last layer's that has one (None: as many as its inputs)."""
        return next((layer.n_out for layer in self.layers[::-1] if layer.n_out is not None), None)

    @property
    def dtype(self) -> str:
        first = next(self.parameters(), None)
        return "float32" if first is None else backend.dtype_name(first.value)

    def outputs(self, X, batch_size: int = 1024) -> Array:
        """The network's outputs for `X` on the active backend, in inference mode, batch by batch.

        `X` is checked first: a 2-D array of finite real numbers.
        """
        X = checks.real_array(X, "X", self.dtype, ndim=2)
        batch_size = checks.number("batch_size", batch_size, "[1, inf)", whole=True)
        was_training = self.training
        self.eval()
        try:
            batches = [  # no rows: one empty batch, so the network says the width
                self.forward(backend.asarray(X[start : start + batch_size], self.dtype, self.xp))
                for start in range(0, max(len(X), 1), batch_size)
            ]
        finally:
            self.train(was_training)
            for layer in [self, *self.layers]:  # inference keeps nothing alive
                layer.cache = None
        return backend.array_namespace(batches[0]).concat(batches)

    def predict(self, X, batch_size: int = 1024) -> np.ndarray:
        """The network's outputs for `X` as a NumPy array (see `outputs`)."""
        return backend.to_numpy(self.outputs(X, batch_size))

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter, in `parameters()` order, as NumPy arrays."""
        return [np.array(backend.to_numpy(p.value)) for p in self.parameters()]

    def set_weights(self, weights: Iterable) -> None:
        """Replace every parameter; counts and shapes are checked before anything changes."""
        named = list(self.named_parameters())
        weights = [checks.real_array(w, "set_weights: an array", self.dtype) for w in weights]
        if len(weights) != len(named):
            raise ValueError(f"set_weights expected {len(named)} arrays, got {len(weights)}")
        for (name, p), array in zip(named, weights):
            if array.shape != p.shape:
                raise ValueError(f"set_weights: {name} has shape {p.shape}, got {array.shape}")
        for (_, parameter), array in zip(named, weights):
            parameter.value = backend.asarray(np.array(array), self.dtype, self.xp)

    def __repr__(self) -> str:
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"Sequential([\n{inner}\n])"
