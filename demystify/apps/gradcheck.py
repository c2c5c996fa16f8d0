"""Gradient checking: does backward agree with the definition of a derivative?

A derivative is a slope. Nudge one weight up by ``eps``, then down, and the
loss changes by about ``2 eps`` times its slope there:

    dL/dw  ~  (L(w + eps) - L(w - eps)) / (2 eps)      (central difference)

This costs two forward passes per number, far too slow to train with, but it
is an independent witness for the fast backward pass. We check in float64,
where the estimate is good to about 1e-9, so a relative error above 1e-6
means a bug, not rounding.

It is a tool built on the public contract of a layer (`named_parameters`,
`forward`, `backward`), like the other applications in this ring: the
learning machinery does not need it, the people who write layers do.
"""

import numpy as np

from .. import backend, checks


def gradcheck(model, loss, x, y, eps: float = 1e-6) -> dict[str, float]:
    """Largest relative error between backward's and the numerical gradient, per parameter.

    `model` is a layer or a `Sequential`; the input gradient is checked too, as
    ``"input"``. Relative error of a parameter: the largest entry of
    ``|analytic - numeric|`` divided by the largest entry of either gradient.
    The model is computed in float64 during the check and restored afterwards.
    """
    checks.number("eps", eps, "(0, inf)", owner="gradcheck")
    params = dict(model.named_parameters())
    xp = model.xp  # the check runs where the model lives
    originals = {name: p.value for name, p in params.items()}
    host = {name: np.array(backend.to_numpy(p.value), np.float64) for name, p in params.items()}
    host["input"] = checks.real_array(x, "gradcheck: x").astype(np.float64)  # all to be nudged

    def loss_now() -> float:  # the loss with the current host arrays, computed in float64
        for name, p in params.items():
            p.value = backend.asarray(host[name], xp=xp)
        return loss.forward(model.forward(backend.asarray(host["input"], xp=xp)), y)

    try:
        if loss_now() != loss_now():  # a numerical slope needs the same loss for the same weights
            raise ValueError(
                "gradcheck: the model gives another loss each time for the same input "
                "(Dropout while training?); call model.eval() first"
            )
        model.zero_grad()  # backward's fresh float64 gradients become the sums
        analytic = {"input": backend.to_numpy(model.backward(loss.backward()))}
        analytic.update({name: backend.to_numpy(p.grad) for name, p in params.items()})
        numeric = {name: _central_differences(loss_now, array, eps) for name, array in host.items()}
    finally:
        for name, p in params.items():
            p.value = originals[name]
        model.zero_grad()
    return {name: _relative_error(analytic[name], numeric[name]) for name in analytic}


# shown in notebooks/04_backpropagation.ipynb
def _central_differences(loss_fn, array: np.ndarray, eps: float) -> np.ndarray:
    """Nudge each entry of `array` (in place, then restore) and difference `loss_fn()`."""
    grad = np.zeros_like(array)
    flat, flat_grad = array.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        up = loss_fn()
        flat[i] = saved - eps
        down = loss_fn()
        flat[i] = saved
        flat_grad[i] = (up - down) / (2 * eps)
    return grad


def _relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    scale = max(np.max(np.abs(analytic), initial=0.0), np.max(np.abs(numeric), initial=0.0), 1e-12)
    return float(np.max(np.abs(analytic - numeric), initial=0.0) / scale)
