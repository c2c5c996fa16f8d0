"""One training step, frozen: every matrix of forward, loss and backward, then the update.

The stepper must never show a number from one moment beside a number from
another. So the step is taken here once, on a float64 copy of the model, with
the same verbs as `dm.train_step` called one layer at a time through public
methods only: each layer's ``forward``, the loss (``loss(Z, y)``,
``loss.predictions(Z)``, ``loss.backward()``), each layer's ``backward``, the
activations' ``derivative``, ``Parameter.grad``, then ``SGD.step``. Every array
is copied to the host the moment it is made, and everything up to the last
gradient is taken **before** the optimizer moves a weight; only the weights
after the step and the loss on them ("L again") come later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import backend
from ...optim import SGD

MAX_ROWS, MAX_UNITS = 16, 12  # every number is shown: beyond this the tables stop being readable


def host(array) -> np.ndarray:
    """A float64 NumPy copy of a backend array."""
    return np.array(backend.to_numpy(array), dtype=np.float64)


def is_dense(layer) -> bool:
    """A layer with a weight matrix (``weights``, ``bias``, ``n_in``, ``n_out``)."""
    return hasattr(layer, "weights") and hasattr(layer, "n_in")


@dataclass(frozen=True)
class Snapshot:
    """What one training step made, position by position (``model.layers`` order).

    ``inputs[p]``/``outputs[p]``: what layer p received and handed on;
    ``received[p]``: the gradient its backward received (dL/d outputs[p]);
    ``handed[p]``: what it returned (dL/d inputs[p]; None for the first layer,
    whose input is the data); ``slopes[p]``: an activation's ``f′`` at its input.
    The parameters are listed by name, with their values before the step,
    their gradients and their values after.
    """

    X: np.ndarray
    targets: np.ndarray  # the targets as rows beside the outputs: one-hot rows, or values
    inputs: list[np.ndarray]
    outputs: list[np.ndarray]
    predictions: np.ndarray  # loss.predictions(outputs): what the loss reads them as
    loss_value: float
    loss_gradient: np.ndarray  # loss.backward(): dL/d(outputs)
    received: list[np.ndarray]
    handed: list[np.ndarray | None]
    slopes: dict[int, np.ndarray]
    parameters: list[str]
    before: list[np.ndarray]
    gradients: list[np.ndarray]
    after: list[np.ndarray]
    loss_after: float


def check_layers(model) -> None:
    """Plain words unless every layer is a small Dense layer or an element-wise activation."""
    seen = set()
    for index, layer in enumerate(model.layers):
        if id(layer) in seen:
            raise ValueError(f"BackpropStepper shows each layer once; layer #{index} is used twice")
        seen.add(id(layer))
        if not (is_dense(layer) or hasattr(layer, "derivative")):
            raise ValueError(
                "BackpropStepper shows Dense layers and element-wise activations (ReLU, Tanh, "
                f"Sigmoid, LeakyReLU); layer #{index} is {layer!r}"
            )
        if is_dense(layer) and max(layer.n_in, layer.n_out) > MAX_UNITS:
            raise ValueError(
                f"BackpropStepper shows every number, so layers of at most {MAX_UNITS} units; "
                f"layer #{index} is {layer!r} (try a network like 2-3-2)"
            )


def targets_beside(y, outputs: np.ndarray) -> np.ndarray:
    """The targets in the outputs' shape: class labels as one-hot rows, values as columns."""
    y = np.asarray(y)
    if y.ndim == 1 and outputs.shape[1] > 1:
        return (y.astype(int)[:, None] == np.arange(outputs.shape[1])[None, :]).astype(np.float64)
    return y.astype(np.float64).reshape(outputs.shape)


def _slope(layer, index: int, x, z, received, handed) -> np.ndarray:
    """An activation's ``f′(x)``, checked to be what its backward multiplied by."""
    try:
        slope = host(layer.derivative(backend.asarray(x), backend.asarray(z)))
    except NotImplementedError:
        slope = None
    if slope is None or not np.allclose(handed, received * slope, rtol=1e-12, atol=1e-300):
        raise ValueError(
            "BackpropStepper shows Dense layers and element-wise activations (ReLU, Tanh, "
            f"Sigmoid, LeakyReLU); layer #{index} is {layer!r}, whose backward is not "
            "its gradient times its derivative, entry by entry"
        )
    return slope


def take_step(model, loss, X: np.ndarray, y, lr: float) -> Snapshot:
    """Forward, loss, backward on `model` (changed: it takes the step), all recorded first."""
    before = model.get_weights()
    x, inputs, outputs = backend.asarray(X, "float64"), [], []
    for layer in model.layers:
        inputs.append(host(x))
        x = layer.forward(x)
        outputs.append(host(x))
    loss_value = float(loss(x, y))
    predictions = host(loss.predictions(x))
    model.zero_grad()
    grad = loss.backward()
    loss_gradient = host(grad)
    count = len(model.layers)
    received, handed, slopes = [None] * count, [None] * count, {}
    for index in reversed(range(count)):
        layer = model.layers[index]
        received[index] = host(grad)
        grad = layer.backward(grad, input_grad=index > 0)
        handed[index] = None if index == 0 else host(grad)
        if not is_dense(layer) and index > 0:
            args = (inputs[index], outputs[index], received[index], handed[index])
            slopes[index] = _slope(layer, index, *args)
    gradients = [host(p.grad) for p in model.parameters()]
    SGD(model.parameters(), lr=lr).step()  # the only change of a weight, after all of the above
    return Snapshot(
        X=np.array(X, dtype=np.float64),
        targets=targets_beside(y, outputs[-1]),
        inputs=inputs,
        outputs=outputs,
        predictions=predictions,
        loss_value=loss_value,
        loss_gradient=loss_gradient,
        received=received,
        handed=handed,
        slopes=slopes,
        parameters=[name for name, _ in model.named_parameters()],
        before=before,
        gradients=gradients,
        after=model.get_weights(),
        loss_after=float(loss(model.outputs(X), y)),  # the same rows, the new weights
    )


__all__ = ["MAX_ROWS", "MAX_UNITS", "Snapshot", "check_layers", "host", "is_dense", "take_step"]
