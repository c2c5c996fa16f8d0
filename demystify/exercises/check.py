"""Checkers for the notebooks' exercises: run your function, compare with demystify, explain.

``check.dense_forward(dense_forward)`` calls your function on a few seeded
cases and compares each output with what the library computes (the
library is the reference, so the checker holds no copy of a solution). On
success it prints one line, ``✅ dense_forward passed 6 checks.``. On
failure it raises `ExerciseFailed` (an `AssertionError`) whose message says
which output is wrong, its expected and received shapes, the expected and
received values at the first entry that differs, with its index, and a hint
when the wrong answer is exactly what a well-known mistake produces: we
compute those mistakes' outputs too and compare.

Each checker lives beside its notebook, in ``checks_NN.py``, written with the
harness (`harness.py`: the run, the comparison, the hints); this module is the
one place to call them, and lists them all.

Every checker works on the NumPy backend in float64, whatever backend the
notebook chose, and silences NumPy's overflow warnings while your code runs
(a nan in your output is reported in words instead). An error your code raises
is reported as `RaisedInYourCode`, one paragraph naming the line of your code
that raised, and a function that does not return within a few seconds is stopped.
"""

from .checks_00 import count_parameters
from .checks_01 import dense_forward, dense_forward_columns, neuron_forward
from .checks_02 import leaky_relu, relu, softplus
from .checks_03 import binary_cross_entropy, softmax_cross_entropy
from .checks_04 import dense_backward, sequential_backward
from .checks_05 import adam_step, sgd_momentum_step
from .checks_06 import fit_with_early_stopping, training_loop
from .checks_07 import largest_change
from .checks_08 import logsumexp
from .checks_09 import averaging_round
from .checks_10 import es_gradient
from .checks_11 import tanh, topological_order
from .harness import ExerciseFailed, NotImplementedYet, RaisedInYourCode

__all__ = [
    "ExerciseFailed",
    "NotImplementedYet",
    "RaisedInYourCode",
    # 00 the big picture
    "count_parameters",
    # 01 one neuron, then a dense layer
    "neuron_forward",
    "dense_forward",
    "dense_forward_columns",
    # 02 activations
    "relu",
    "leaky_relu",
    "softplus",
    # 03 losses
    "softmax_cross_entropy",
    "binary_cross_entropy",
    # 04 backpropagation
    "dense_backward",
    "sequential_backward",
    # 05 optimizers
    "sgd_momentum_step",
    "adam_step",
    # 06 the training loop
    "training_loop",
    "fit_with_early_stopping",
    # 07 watching the weights learn
    "largest_change",
    # 08 swap NumPy for a GPU
    "logsumexp",
    # 09 training on Spark
    "averaging_round",
    # 10 training without backprop
    "es_gradient",
    # 11 autograd
    "tanh",
    "topological_order",
]
