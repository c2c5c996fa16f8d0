"""Reverse-mode automatic differentiation, in matrix form: how PyTorch finds the gradients.

In demystify every layer writes its own ``backward``. PyTorch, TensorFlow and JAX
do not ask that of you: you write only the forward computation, and the library
records it. Every result is a `Tensor` that remembers the operation that made it
(``op``), the tensors it was made from (``parents``) and a *backward closure*
(``grad_fn``): given ``g = dL/d(result)``, it returns ``dL/d(parent)`` for each
parent. That closure is the same chain-rule step a layer's ``backward`` takes,
written once per operation instead of once per layer.

``loss.backward()`` then puts the recorded graph in topological order (every
tensor after the tensors it was made from), sets ``dL/dL = 1`` and walks the
order backwards, handing each tensor's gradient to its closure and *adding* what
comes back into the parents' ``.grad`` (a tensor used twice collects both
contributions). The price is memory: the graph keeps every intermediate array
alive until backward has run (`graph_memory`).

Each operation below is its forward, and under it, its backward closure. All
arrays are float64, so gradients agree with the library's to rounding.
"""

from __future__ import annotations

import numpy as np


class Tensor:
    """An array with a ``.grad`` that remembers how it was made (``op``, ``parents``,
    ``grad_fn``). A leaf (data, a weight) has no parents and no ``grad_fn``."""

    # shown in notebooks/11_autograd_how_pytorch_finds_the_gradients.ipynb
    def __init__(self, value, parents: tuple = (), grad_fn=None, op: str = "leaf"):
        self.value = np.asarray(value, dtype=np.float64)
        self.parents, self.grad_fn, self.op = tuple(parents), grad_fn, op
        self.grad = np.zeros_like(self.value)  # dL/d(this tensor), filled by backward

    @property
    def shape(self) -> tuple:
        return self.value.shape

    def __repr__(self) -> str:
        return f"Tensor(shape={self.shape}, op={self.op!r})"

    def __matmul__(self, other: Tensor) -> Tensor:
        return matmul(self, other)

    def __add__(self, other: Tensor) -> Tensor:
        return add(self, other)

    def relu(self) -> Tensor:
        return relu(self)

    def zero_grad(self) -> None:
        """Forget the gradients gathered so far (backward adds into a leaf's ``.grad``)."""
        self.grad = np.zeros_like(self.value)

    # shown in notebooks/11_autograd_how_pytorch_finds_the_gradients.ipynb
    def backward(self) -> None:
        """Fill ``.grad`` of every tensor this one was made from with dL/d(that tensor), L = self.

        Leaves *add* into their ``.grad`` (call ``zero_grad`` between steps, as in PyTorch);
        the gradients of intermediate tensors start from zero on every call."""
        if self.value.size != 1:
            raise ValueError(f"backward needs a single number (a loss); this tensor is {self}")
        order = topological_order(self)
        for node in order:
            if node.grad_fn is not None:
                node.zero_grad()
        self.grad = self.grad + 1.0  # dL/dL = 1
        for node in reversed(order):  # from the loss back towards the inputs
            if node.grad_fn is not None:
                for parent, grad in zip(node.parents, node.grad_fn(node.grad)):
                    parent.grad = parent.grad + grad  # used twice: both contributions add up


# shown in notebooks/11_autograd_how_pytorch_finds_the_gradients.ipynb
def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor `root` depends on, once each, each after its parents; `root` comes last."""
    order, seen = [], set()

    def visit(node: Tensor) -> None:
        if id(node) not in seen:
            seen.add(id(node))
            for parent in node.parents:
                visit(parent)
            order.append(node)  # after all of its parents

    visit(root)
    return order


# shown in notebooks/11_autograd_how_pytorch_finds_the_gradients.ipynb
def matmul(a: Tensor, b: Tensor) -> Tensor:
    """C = A @ B, ``(batch, n) @ (n, m)``; backward: dL/dA = G @ Bᵀ, dL/dB = Aᵀ @ G."""

    def grad_fn(g):
        return g @ b.value.T, a.value.T @ g

    return Tensor(a.value @ b.value, (a, b), grad_fn, "matmul")


# shown in notebooks/11_autograd_how_pytorch_finds_the_gradients.ipynb
def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` down to `shape`: an entry that broadcasting copied to many places gets the
    sum of their gradients (a bias of shape (m,) added to every row: sum over the rows)."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


# shown in notebooks/11_autograd_how_pytorch_finds_the_gradients.ipynb
def add(a: Tensor, b: Tensor) -> Tensor:
    """C = A + B with NumPy's broadcasting; backward: dL/dA = G, dL/dB = G, each summed down
    to its own shape (`unbroadcast`)."""

    def grad_fn(g):
        return unbroadcast(g, a.shape), unbroadcast(g, b.shape)

    return Tensor(a.value + b.value, (a, b), grad_fn, "add")


# shown in notebooks/11_autograd_how_pytorch_finds_the_gradients.ipynb
def relu(x: Tensor) -> Tensor:
    """y = max(x, 0) entry by entry; backward: dL/dx = G where x > 0, else 0."""

    def grad_fn(g):
        return (g * (x.value > 0),)

    return Tensor(np.maximum(x.value, 0.0), (x,), grad_fn, "relu")


# shown in notebooks/11_autograd_how_pytorch_finds_the_gradients.ipynb
def log_softmax(x: Tensor) -> Tensor:
    """y_ij = x_ij - log Σ_k exp(x_ik), row by row (shifted by the row's max, so no overflow);
    backward: dL/dx = G - softmax(x) · (row sums of G)."""
    shifted = x.value - x.value.max(axis=1, keepdims=True)
    y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

    def grad_fn(g):
        return (g - np.exp(y) * g.sum(axis=1, keepdims=True),)

    return Tensor(y, (x,), grad_fn, "log_softmax")


def nll(log_probs: Tensor, labels: np.ndarray) -> Tensor:
    """The negative log-likelihood of each row's label, -log_probs[i, labels[i]], shape (batch,);
    backward: dL/dlog_probs is -G_i at [i, labels[i]] and 0 elsewhere."""
    labels = np.asarray(labels)
    n_classes = log_probs.shape[-1]
    whole = labels.dtype.kind in "iu" or (
        labels.dtype.kind == "f" and np.all(labels == np.round(labels))
    )
    if (
        labels.shape != log_probs.shape[:1]
        or not whole
        or np.any((labels < 0) | (labels >= n_classes))
    ):
        raise ValueError(
            f"nll: labels must be {log_probs.shape[0]} class numbers in 0..{n_classes - 1}, "
            f"one per row, got {labels!r:.80}"
        )
    labels = labels.astype(np.int64)
    rows = np.arange(len(labels))

    def grad_fn(g):
        grad = np.zeros_like(log_probs.value)
        grad[rows, labels] = -g
        return (grad,)

    return Tensor(-log_probs.value[rows, labels], (log_probs,), grad_fn, "nll")


def sum(x: Tensor) -> Tensor:  # the operation's own name, as in torch.sum
    """s = Σ x, one number; backward: dL/dx = G in every entry."""

    def grad_fn(g):
        return (np.full(x.shape, g),)

    return Tensor(x.value.sum(), (x,), grad_fn, "sum")


def mean(x: Tensor) -> Tensor:
    """m = Σ x / n over all n entries; backward: dL/dx = G / n in every entry."""

    def grad_fn(g):
        return (np.full(x.shape, g / x.value.size),)

    return Tensor(x.value.mean(), (x,), grad_fn, "mean")


# shown in notebooks/11_autograd_how_pytorch_finds_the_gradients.ipynb
def cross_entropy(logits: Tensor, labels: np.ndarray) -> Tensor:
    """The mean softmax cross-entropy, made of three operations: no backward of its own."""
    return mean(nll(log_softmax(logits), labels))


def graph_memory(root: Tensor) -> dict:
    """What the graph behind `root` keeps alive: its tensors, and the bytes of their values and
    of the arrays their closures hold (each array counted once)."""
    arrays = {}
    order = topological_order(root)
    for node in order:
        arrays[id(node.value)] = node.value
        for cell in getattr(node.grad_fn, "__closure__", None) or ():
            if isinstance(cell.cell_contents, np.ndarray):
                arrays[id(cell.cell_contents)] = cell.cell_contents
    leaves = [node for node in order if node.grad_fn is None]
    return {
        "tensors": len(order),
        "operations": len(order) - len(leaves),
        "bytes": int(np.sum([array.nbytes for array in arrays.values()])),
        "leaf bytes": int(np.sum([node.value.nbytes for node in leaves])),
    }
