"""A backprop stepper: one training step of a small network, one matrix product at a time.

A network is not circles and arrows but a clever sequence of matrix
multiplications. This widget shows that sequence with the numbers in. Give it
a small network and a handful of rows, and **Next** (or →, or Play) walks
through one training step:

* forward, layer by layer: ``Z1 = X @ W1 + b1``, ``A1 = relu(Z1)``, ..., the loss;
* backward, from the loss to the first layer: ``dZ2 = (P - Y) / n`` with
  ``P = softmax(Z2)``, ``dW2 = A1ᵀ @ dZ2``, ``db2 = Σ dZ2``, ``dA1 = dZ2 @ W2ᵀ``,
  ``dZ1 = dA1 ⊙ relu′(Z1)``, ... (``dZ2`` is ∂L/∂Z2, the ``G`` a layer's backward receives);
* the SGD update ``W ← W − η dW`` of every parameter, and the loss once more.

Each stage shows its formula, the shapes, every matrix it reads and the one it
makes (pick an entry and its sum is written out), and the same step on the
circles-and-arrows picture.

The rooms, in the order the numbers travel:

* `snapshot`: the step taken once, on a float64 copy, every matrix frozen
  before the optimizer moves a weight (public calls only);
* `loss_stages` and `stages`: the snapshot as stages, formulas written out
  only where they reproduce the loss's own numbers;
* `stage`, `text`: what a stage is, and how numbers and sums are written;
* `tables`, `picture`: the tables (one colour scale per stage) and the network;
* `backprop`, `widget`, `keys.js`: the stepper you hold, and its widgets.
"""

from .backprop import BackpropStepper
from .stage import Entry, Stage
from .text import number

__all__ = ["BackpropStepper", "Entry", "Stage", "number"]
