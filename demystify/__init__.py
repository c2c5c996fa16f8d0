"""demystify: a neural network is a clever sequence of matrix multiplications.

A complete, small neural-network library on NumPy, written to be read::

    import demystify as dm
    X, y = dm.datasets.spirals(n=600, classes=3, seed=0)
    model = dm.Sequential([dm.Dense(2, 64), dm.ReLU(), dm.Dense(64, 3)], seed=0)
    history = dm.fit(model, dm.SoftmaxCrossEntropy(), dm.Adam(model.parameters(), lr=1e-2),
                     X, y, epochs=200, batch_size=64, validation=0.2)
    print(dm.accuracy(model.predict(X), y))

Read the modules in this order: parameter, init, layers, activations, model,
losses, optim, training, metrics, saving, backend; then the ring (apps/gradcheck, evolve, ...).
"""

from . import datasets, evolve
from .activations import Activation, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .apps.accuracy import accuracy
from .apps.callbacks import EarlyStopping
from .apps.gradcheck import gradcheck
from .apps.schedules import CosineDecay, StepDecay
from .apps.tables import confusion_matrix, mse, summary
from .backend import Array, asarray, available_backends, backend_name, namespace, to_numpy, use
from .evolve import Step
from .layers import Dense, Dropout, Layer, ShapeError
from .losses import BinaryCrossEntropy, Huber, Loss, MeanSquaredError, SoftmaxCrossEntropy
from .model import Sequential
from .optim import SGD, Adam, AdamW, Optimizer, RMSprop
from .parameter import Parameter
from .saving import load, save
from .training import Callback, History, TrainingError, evaluate, fit, train_step

__version__ = "0.1.0"

# the public face, in the order the modules are read (one line per module or two)
__all__ = (
    ["Parameter", "Layer", "Dense", "Dropout", "ShapeError", "Sequential"]
    + ["Activation", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Step"]
    + ["Loss", "MeanSquaredError", "Huber", "BinaryCrossEntropy", "SoftmaxCrossEntropy"]
    + ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "StepDecay", "CosineDecay"]
    + ["train_step", "fit", "evaluate", "History", "Callback", "EarlyStopping", "TrainingError"]
    + ["summary", "accuracy", "confusion_matrix", "mse", "gradcheck", "save", "load"]
    + ["Array", "use", "namespace", "backend_name", "available_backends", "asarray", "to_numpy"]
    + ["datasets", "evolve", "viz", "spark"]
)


def __getattr__(name: str):
    """``dm.viz`` and ``dm.spark`` are imported on first use (PEP 562).

    So ``import demystify`` never loads matplotlib or PySpark.
    """
    if name in ("viz", "spark"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'demystify' has no attribute {name!r}")
