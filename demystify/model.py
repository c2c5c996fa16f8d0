"""Sequential: a network as a list of layers, applied one after another.

``forward`` feeds the output of each layer into the next; ``backward`` walks
the same list in reverse, handing each layer the gradient of the loss with
respect to its output. The container also gathers the parameters under
dotted names (``"0.weights"`` is the weight matrix of layer 0), predicts in
batches, and reads and writes all weights at once -- as a list of arrays or
as one flat vector, which is what gradient-free training needs.
"""
import numpy as np

from . import backend
from .init import as_generator
from .layers import Layer, ShapeError


class Sequential(Layer):
    """Layers applied in order. ``seed`` (re)initialises every parameter from one generator."""

    def __init__(self, layers, seed=None, dtype: str | None = None):
        super().__init__()
        self.layers = list(layers)
        for index, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: item #{index} is {layer!r}, not a demystify layer")
        if seed is not None:
            self.initialize(as_generator(seed), dtype)
        elif dtype is not None:
            for parameter in self.parameters():
                parameter.move(dtype)

    def initialize(self, rng, dtype=None) -> None:
        for layer in self.layers:
            layer.initialize(rng, dtype)

    def named_parameters(self):
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

    def forward(self, x):
        caches = []  # one per position, so a layer used twice keeps both of its caches
        for index, layer in enumerate(self.layers):
            try:
                x = layer.forward(x)
            except ShapeError as error:
                raise ShapeError(f"{type(layer).__name__} #{index}", error.detail) from None
            caches.append(layer.cache)
        self.cache = caches
        return x

    def backward(self, grad_out, input_grad: bool = True):
        """The chain rule, layer by layer from the last to the first."""
        if self.cache is None:
            raise RuntimeError("Sequential.backward needs a forward pass first")
        for index in reversed(range(len(self.layers))):
            layer = self.layers[index]
            layer.cache = self.cache[index]
            grad_out = layer.backward(grad_out, input_grad=input_grad or index > 0)
        return grad_out

    @property
    def dtype(self) -> str:
        first = next(self.parameters(), None)
        return "float32" if first is None else backend.dtype_name(first.value)

    def predict(self, X, batch_size: int = 1024) -> np.ndarray:
        """The network's outputs for `X` as a NumPy array, in inference mode, batch by batch."""
        X, was_training = np.asarray(backend.to_numpy(X)), self.training
        self.eval()
        try:
            outputs = [backend.to_numpy(self.forward(backend.asarray(X[start:start + batch_size], self.dtype)))
                       for start in range(0, len(X), batch_size)]
        finally:
            self.train(was_training)
            self.cache = None  # inference keeps nothing alive
        return np.concatenate(outputs) if outputs else np.zeros((0,))

    def summary(self, n_in: int | None = None) -> str:
        """A table of layers, output shapes and parameter counts (printed and returned)."""
        x = backend.asarray(np.zeros((1, n_in or self.layers[0].n_in)), self.dtype)  # one dummy row
        lines = [f"{'#':>3}  {'layer':<44}{'output shape':<16}{'parameters':>10}"]
        for index, layer in enumerate(self.layers):
            x, count = layer.forward(x), sum(p.size for p in layer.parameters())
            lines.append(f"{index:>3}  {layer!r:<44}{f'(batch, {x.shape[1]})':<16}{count:>10,}")
        lines.append(f"total parameters: {sum(p.size for p in self.parameters()):,}")
        print("\n".join(lines))
        return "\n".join(lines)

    # --- all the weights at once -------------------------------------------------

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter, in `parameters()` order, as NumPy arrays."""
        return [np.array(backend.to_numpy(p.value)) for p in self.parameters()]

    def set_weights(self, weights) -> None:
        """Replace every parameter; counts and shapes are checked before anything changes."""
        named, weights = list(self.named_parameters()), list(weights)
        if len(weights) != len(named):
            raise ValueError(f"set_weights expected {len(named)} arrays, got {len(weights)}")
        for (name, parameter), array in zip(named, weights):
            if tuple(np.shape(array)) != parameter.shape:
                raise ValueError(f"set_weights: {name} has shape {parameter.shape}, got {tuple(np.shape(array))}")
        for (_, parameter), array in zip(named, weights):
            parameter.value = backend.asarray(np.array(backend.to_numpy(array)), self.dtype)

    def parameters_to_vector(self) -> np.ndarray:
        """All parameters flattened into one NumPy vector (weights then bias, layer by layer)."""
        return np.concatenate([w.ravel() for w in self.get_weights()])

    def vector_to_parameters(self, vector) -> None:
        """Inverse of `parameters_to_vector`: fill every parameter from one flat vector."""
        vector = np.asarray(vector)
        sizes = [p.size for p in self.parameters()]
        if vector.ndim != 1 or vector.size != sum(sizes):
            raise ValueError(f"vector_to_parameters expected a flat vector of {sum(sizes)} numbers, got shape {vector.shape}")
        pieces = np.split(vector, np.cumsum(sizes)[:-1])
        self.set_weights([piece.reshape(p.shape) for piece, p in zip(pieces, self.parameters())])

    # --- one weight at a time ----------------------------------------------------------

    def get_weight(self, name: str, index) -> float:
        """One number: ``get_weight("0.weights", (1, 2))`` is layer 0's weight from input 1 to unit 2.

        `name` is a dotted name from `named_parameters`; `index` has one whole
        number per axis of that parameter (a bias takes a single number).
        """
        parameter, index = self._locate(name, index)
        return float(backend.to_numpy(parameter.value[index]))

    def set_weight(self, name: str, index, value: float) -> None:
        """Change one number in place, e.g. ``set_weight("0.bias", 3, 0.5)`` (checked like `get_weight`)."""
        parameter, index = self._locate(name, index)
        parameter.value[index] = value

    def _locate(self, name: str, index):
        named, index = dict(self.named_parameters()), tuple(np.atleast_1d(index).tolist())
        if name not in named:
            raise ValueError(f"the model has no parameter {name!r}; its parameters are {', '.join(named)}")
        if len(index) != len(named[name].shape) or not all(
                isinstance(i, int) and 0 <= i < n for i, n in zip(index, named[name].shape)):
            raise ValueError(f"index {index} does not fit parameter {name!r} of shape {named[name].shape}")
        return named[name], index

    def __repr__(self) -> str:
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"Sequential([\n{inner}\n])"
