"""The dashboard's choices: the menus, and one checked, frozen record of what is chosen.

Every choice is checked here, once, with a plain message naming the setting,
the value and what is allowed: the constructor, the front end's controls and
`Settings.replace` all come through `Settings.make`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ... import checks, datasets
from ...activations import LeakyReLU, ReLU, Sigmoid, Tanh
from ...optim import SGD, Adam, RMSprop

YOUR_DATA = "your data"
MAX_CLASSES = 10  # one colour each (see CLASS_COLOURS); more would be unreadable
MAX_UNITS = 256
MAX_LAYERS = 16  # hidden layers: the network is drawn as one column of units per layer
# One set of colours everywhere (front end and static figure): class k is CLASS_COLOURS[k];
# a number's sign runs NEGATIVE (orange) - white - POSITIVE (blue), as in Playground.
CLASS_COLOURS = [
    "#f59322", "#0877bd", "#2ca02c", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#d62728",
]  # fmt: skip
NEGATIVE, POSITIVE = "#f59322", "#0877bd"


@dataclass(frozen=True)
class DataSet:
    """A built-in data set: its task, the call that makes it (also written by `code()`)."""

    task: str  # "classification" or "regression"
    function: Callable
    settings: dict = field(default_factory=dict)
    noise: str = "noise"  # the argument the noise control sets

    def make(self, seed: int, noise: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self.function(**self.arguments(noise), seed=seed)

    def arguments(self, noise: float | None) -> dict:
        return {**self.settings, **({} if noise is None else {self.noise: noise})}

    def code(self, seed: int, noise: float | None) -> str:
        text = ", ".join(f"{key}={value!r}" for key, value in self.arguments(noise).items())
        return f"X, y = dm.datasets.{self.function.__name__}({text}, seed={seed})"


D = datasets
DATASETS = {  # Playground's circle, xor, gaussians, spiral, plane and hills, and ours
    "moons": DataSet("classification", D.moons, {"n": 200, "noise": 0.15}),
    "circle": DataSet("classification", D.circles, {"n": 200, "noise": 0.08}),
    "xor": DataSet("classification", D.xor, {"n": 200, "noise": 0.2}),
    "gaussians": DataSet("classification", D.gaussians, {"n": 200, "noise": 0.5}),
    "spiral": DataSet("classification", D.spirals, {"n": 300, "classes": 2, "noise": 0.1}),
    "spirals": DataSet("classification", D.spirals, {"n": 300, "classes": 3, "noise": 0.15}),
    "blobs": DataSet("classification", D.blobs, {"n": 200, "centers": 4, "spread": 0.9}, "spread"),
    "plane": DataSet("regression", D.plane, {"n": 200, "noise": 0.05}),
    "hills": DataSet("regression", D.hills, {"n": 300, "noise": 0.05}),
    "sine": DataSet("regression", D.sine, {"n": 100, "noise": 0.1}),
}
TASKS = ("classification", "regression")
ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU}
INITS = {"he_normal": "He (normal)", "glorot_normal": "Glorot (normal)"}
OPTIMIZERS = {  # name: (class, extra settings); `code()` writes the same call
    "sgd": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "rmsprop": (RMSprop, {}),
    "adam": (Adam, {}),
}
FEATURES = {  # name: (label, the NumPy expression `code()` writes, the input it needs)
    "x1": ("x₁", "X[:, 0]", 0),
    "x2": ("x₂", "X[:, 1]", 1),
    "x1^2": ("x₁²", "X[:, 0] ** 2", 0),
    "x2^2": ("x₂²", "X[:, 1] ** 2", 1),
    "x1*x2": ("x₁x₂", "X[:, 0] * X[:, 1]", 1),
    "sin(x1)": ("sin x₁", "np.sin(X[:, 0])", 0),
    "sin(x2)": ("sin x₂", "np.sin(X[:, 1])", 1),
}
COMPUTE = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}


def features(X: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The network's inputs: the chosen features of the points X, one column each."""
    return np.stack([COMPUTE[name](X) for name in names], axis=1)


def parse_hidden(text) -> tuple[int, ...]:
    """Hidden layer sizes from text such as ``"8,8"`` (empty text: no hidden layer)."""
    if isinstance(text, (tuple, list)):
        sizes = tuple(
            checks.number("hidden layer size", n, "[1, inf)", True, "Dashboard") for n in text
        )
    else:
        parts = [part.strip() for part in str(text).replace(" ", ",").split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise ValueError(
                f"hidden layer sizes must be whole numbers separated by commas, "
                f"like '8,8'; got {text!r}"
            )
        sizes = tuple(int(part) for part in parts)
    if not all(1 <= size <= MAX_UNITS for size in sizes):
        raise ValueError(f"each hidden layer needs between 1 and {MAX_UNITS} units, got {sizes}")
    if len(sizes) > MAX_LAYERS:
        raise ValueError(
            f"the dashboard draws at most {MAX_LAYERS} hidden layers, got {len(sizes)}"
        )
    return sizes


def choice(name: str, value, options) -> str:
    if value not in options:
        raise ValueError(f"Dashboard: unknown {name} {value!r}; choose one of {', '.join(options)}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything chosen on the dashboard (its constructor's arguments, checked)."""

    dataset: str = "moons"
    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    optimizer: str = "adam"
    lr: float = 0.03
    l2: float = 0.0
    batch_size: int = 10
    seed: int = 0
    init: str = "he_normal"
    noise: float | None = None  # None: the data set's own
    train_fraction: float = 0.5
    features: tuple[str, ...] = ("x1", "x2")
    task: str = "classification"
    steps_per_frame: int | None = None  # None: as many as keep training at `speed`
    speed: int = 300  # training steps per second while playing (when steps_per_frame is None)
    resolution: int = 64

    @classmethod
    def make(cls, **values) -> Settings:
        """Check every value (plain messages) and return the frozen settings."""
        number = checks.number
        dataset, task = values.get("dataset", "moons"), values.get("task")
        if task is not None:
            choice("task", task, TASKS)
        if dataset != YOUR_DATA:
            choice("data set", dataset, DATASETS)
            if task not in (None, DATASETS[dataset].task):
                raise ValueError(
                    f"the data set {dataset!r} is {DATASETS[dataset].task}, not {task}"
                )
            task = DATASETS[dataset].task
        values["task"] = task or "classification"
        values["hidden"] = parse_hidden(values.get("hidden", (8, 8)))
        for name, menu in (("activation", ACTIVATIONS), ("optimizer", OPTIMIZERS), ("init", INITS)):
            if name in values:
                choice(name, values[name], menu)
        checks_for = {
            "lr": ("(0, inf)", False),
            "l2": ("[0, inf)", False),
            "batch_size": ("[1, inf)", True),
            "seed": ("[0, inf)", True),
            "train_fraction": ("[0.1, 0.9]", False),
            "speed": ("[1, 10000]", True),
            "resolution": ("[8, 200]", True),
        }
        for name, (interval, whole) in checks_for.items():
            if name in values:
                values[name] = number(name, values[name], interval, whole, "Dashboard")
        if values.get("noise") is not None:
            number("noise", values["noise"], "[0, 5]", owner="Dashboard")
        if values.get("steps_per_frame") is not None:
            spf = values["steps_per_frame"]
            values["steps_per_frame"] = number(
                "steps_per_frame", spf, "[1, 1000]", True, "Dashboard"
            )
        values["features"] = cls.check_features(values.get("features", ("x1", "x2")))
        return cls(**values)

    @staticmethod
    def check_features(names) -> tuple[str, ...]:
        names = (names,) if isinstance(names, str) or not hasattr(names, "__iter__") else names
        names = tuple(names)
        for name in names:
            choice("input feature", name, FEATURES)
        if not names:
            raise ValueError("Dashboard: features needs at least one input feature, like ('x1',)")
        return tuple(name for name in FEATURES if name in names)  # the menu's order, once each

    def replace(self, **changes) -> Settings:
        """These settings with some changed, checked again."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            known = ", ".join(f.name for f in dataclasses.fields(self))
            raise ValueError(f"Dashboard: no setting {unknown[0]!r}; the settings are {known}")
        values = {**dataclasses.asdict(self), **changes}
        if "dataset" in changes and changes["dataset"] != YOUR_DATA:
            values.pop("task")  # the data set decides it
        return Settings.make(**values)

    def default_noise(self) -> float | None:
        """The noise of the data set chosen, when its own (None for your data)."""
        if self.dataset == YOUR_DATA:
            return None
        data_set = DATASETS[self.dataset]
        return data_set.arguments(None)[data_set.noise]

    def menus(self) -> dict:
        """What the front end offers (each control's options)."""
        return {
            "dataset": list(DATASETS),
            "activation": list(ACTIVATIONS),
            "optimizer": list(OPTIMIZERS),
            "init": list(INITS),
            "features": {name: label for name, (label, _, _) in FEATURES.items()},
        }


__all__ = ["DATASETS", "FEATURES", "Settings", "YOUR_DATA", "features", "parse_hidden"]
