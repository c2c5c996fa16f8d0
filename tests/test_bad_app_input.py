"""The ring and the extras tried as a clumsy user and as an attacker: each gets a plain answer.

Evolution, the data sets, the tables, the pictures, the recorder, the callbacks
and the demo command (issue #25): wrong types, swapped arguments, sizes no
machine holds, float labels, hostile files. One row per case, as in
``test_bad_input.py``: the call, the exception, words its message must hold
(`helpers.assert_plain_answer`). What a failure must not lose, and what must
not hang, are ordinary tests below the table.
"""

import gzip
import os
import threading
import tracemalloc

import numpy as np
import pytest
from helpers import X4, Y3, assert_plain_answer, tiny_fit
from helpers import tiny_net as net

import demystify as dm
from demystify import evolve
from demystify.apps import autograd, demo, tables

HUGE = 10**12  # more of anything than any machine holds


def score(model) -> float:
    return 0.0


def nan_model() -> dm.Sequential:
    model = net()
    next(model.parameters()).value[0, 0] = np.nan
    return model


def idx_file(tmp_path, header: bytes, data: bytes, name: str = "x.idx") -> str:
    path = tmp_path / name
    path.write_bytes(b"\x00\x00\x08" + header + data)
    return str(path)


def dims(*sizes: int) -> bytes:
    return bytes([len(sizes)]) + b"".join(n.to_bytes(4, "big") for n in sizes)


def viz():
    return pytest.importorskip("demystify.viz", reason="the pictures need the viz extra")


def mnist(**options):
    pytest.importorskip("pooch", reason="mnist() downloads with the data extra's pooch")
    return dm.datasets.mnist(**options)


def notebook():
    viz()
    from demystify.viz import notebook

    return notebook


def blank_figure():
    viz()
    from matplotlib.figure import Figure

    return Figure()


def boundary(**options):
    X, y = dm.datasets.xor(n=8, seed=0)
    args = {"model": net(n_in=2, n_out=2), "X": X, "y": y} | options
    return viz().plot_decision_boundary(**args)


def recorder():
    model = net()
    recorder = viz().record(model)
    optimizer = dm.SGD(model.parameters())
    dm.fit(model, dm.SoftmaxCrossEntropy(), optimizer, X4, Y3, callbacks=[recorder], verbose=0)
    return recorder


CASES = {
    # --- evolution: sizes, types, weights after the cast --------------------------------------
    "genetic population 10**12": (
        lambda: evolve.genetic(net(), score, population=HUGE, verbose=0),
        ValueError,
        "genetic: a population of 1,000,000,000,000 vectors of 67 numbers (float64) needs",
    ),
    "evolution_strategy population 10**12": (
        lambda: evolve.evolution_strategy(net(), score, population=HUGE, verbose=0),
        ValueError,
        "evolution_strategy: a population of 1,000,000,000,000",
    ),
    "genetic model None": (
        lambda: evolve.genetic(None, score, verbose=0),
        ValueError,
        "genetic: model must be a network such as dm.Sequential([...]), got None",
    ),
    "genetic the class Sequential": (
        lambda: evolve.genetic(dm.Sequential, score, verbose=0),
        ValueError,
        "model must be a network",
    ),
    "genetic arguments swapped": (
        lambda: evolve.genetic(score, net(), verbose=0),
        ValueError,
        "genetic: model must be a network",
    ),
    "genetic fitness None": (
        lambda: evolve.genetic(net(), None, verbose=0),
        ValueError,
        "genetic: fitness must be a function of the model that returns a number",
    ),
    "genetic fitness the class": (
        lambda: evolve.genetic(net(), evolve.data_fitness, verbose=0),
        ValueError,
        "such as evolve.data_fitness(X, y)",
    ),
    "evolution_strategy fitness a string": (
        lambda: evolve.evolution_strategy(net(), "accuracy", verbose=0),
        ValueError,
        "evolution_strategy: fitness must be a function",
    ),
    "fitness returns complex": (
        lambda: evolve.genetic(net(), lambda m: np.complex128(1 + 2j), 1, 4, verbose=0),
        ValueError,
        "the fitness must return a number, a real one, got np.complex128",
    ),
    "evolution_strategy adam 'no'": (
        lambda: evolve.evolution_strategy(net(), score, adam="no", verbose=0),
        ValueError,
        "evolution_strategy: adam must be True or False, got 'no'",
    ),
    "genetic from NaN weights": (
        lambda: evolve.genetic(nan_model(), score, verbose=0),
        ValueError,
        "genetic: the model's weights hold NaN or infinite values",
    ),
    "set_weight 1e300 into float32": (
        lambda: evolve.set_weight(net(), "0.weights", (0, 0), 1e300),
        ValueError,
        "set_weight: value holds values beyond 3.4e+38, too large for float32",
    ),
    "set_weight 1e5 into float16": (
        lambda: evolve.set_weight(net(dtype="float16"), "0.bias", 1, 1e5),
        ValueError,
        "too large for float16",
    ),
    "set_weight inf": (
        lambda: evolve.set_weight(net(), "0.bias", 1, float("inf")),
        ValueError,
        "set_weight: value must be a number in (-inf, inf), got inf",
    ),
    "vector_to_parameters complex": (
        lambda: evolve.vector_to_parameters(net(), np.ones(67) * 1j),
        ValueError,
        "vector_to_parameters: the vector holds complex numbers",
    ),
    "vector_to_parameters strings": (
        lambda: evolve.vector_to_parameters(net(), np.array(["0.5"] * 67)),
        ValueError,
        "vector_to_parameters: the vector must hold numbers",
    ),
    "parameters_to_vector None": (
        lambda: evolve.parameters_to_vector(None),
        ValueError,
        "parameters_to_vector: model must be a network",
    ),
    "get_weight a model's class": (
        lambda: evolve.get_weight(dm.Sequential, "0.weights", (0, 0)),
        ValueError,
        "get_weight: model must be a network",
    ),
    "data_fitness loss the class": (
        lambda: evolve.data_fitness(X4, Y3, loss=dm.SoftmaxCrossEntropy)(net()),
        ValueError,
        "data_fitness: loss must be a loss object such as dm.SoftmaxCrossEntropy()",
    ),
    "data_fitness loss a string": (
        lambda: evolve.data_fitness(X4, Y3, loss="mse")(net()),
        ValueError,
        "got 'mse'",
    ),
    # --- data sets: sizes, counts, types ----------------------------------------------------
    "spirals n 10**12": (
        lambda: dm.datasets.spirals(n=HUGE),
        ValueError,
        "spirals: a data set of 1,000,000,000,000 rows of 2 features needs",
    ),
    "moons n 10**12": (
        lambda: dm.datasets.moons(n=HUGE),
        ValueError,
        "moons: a data set of 1,000,000,000,000",
    ),
    "blobs features 10**12": (
        lambda: dm.datasets.blobs(features=HUGE),
        ValueError,
        "blobs: a data set of 300 rows of 1,000,000,000,000 features needs",
    ),
    "blobs n 10**12": (lambda: dm.datasets.blobs(n=HUGE), ValueError, "more than this machine's"),
    "linear features 10**12": (
        lambda: dm.datasets.linear(features=HUGE),
        ValueError,
        "linear: a data set of 200 rows of",
    ),
    "gaussians n 10**12": (
        lambda: dm.datasets.gaussians(n=HUGE),
        ValueError,
        "gaussians: a data set of 1,000,000,000,000 rows",
    ),
    "one_hot a label of 10**9": (
        lambda: dm.datasets.one_hot(np.r_[np.zeros(10**4), 10**9]),
        ValueError,
        "one_hot: a label of 1e+09 in 10,001 rows needs",
    ),
    "one_hot n_classes 10**12": (
        lambda: dm.datasets.one_hot([0, 1], n_classes=HUGE),
        ValueError,
        "one_hot: a matrix of 2 rows of 1,000,000,000,000 classes",
    ),
    "one_hot n_classes 0": (
        lambda: dm.datasets.one_hot([0, 1], n_classes=0),
        ValueError,
        "one_hot: n_classes must be a whole number in [1, inf), got 0",
    ),
    "one_hot a label of 1e300": (
        lambda: dm.datasets.one_hot([1e300]),
        ValueError,
        "one_hot: a label of 1e+300 in 1 rows needs",
    ),
    "train_test_split y None": (
        lambda: dm.datasets.train_test_split(X4, None),
        ValueError,
        "train_test_split: y must be an array of rows",
    ),
    "train_test_split X a string": (
        lambda: dm.datasets.train_test_split("data.csv", Y3),
        ValueError,
        "got 'data.csv'",
    ),
    "read_idx a NUL byte in the name": (
        lambda: dm.datasets.read_idx("train\0.idx"),
        ValueError,
        "read_idx: path must be a file path",
    ),
    "mnist base_url None": (
        lambda: mnist(base_url=None),
        ValueError,
        "mnist(): base_url must be a web address",
    ),
    "standardize eps -1": (
        lambda: dm.datasets.standardize(np.ones((3, 2)), eps=-1),
        ValueError,
        "standardize: eps must be a number in [0, inf)",
    ),
    "read_idx None": (
        lambda: dm.datasets.read_idx(None),
        ValueError,
        "read_idx: path must be a file path, got None",
    ),
    # --- tables: the confusion matrix, mse and the summary --------------------------------------
    "confusion float labels 0.7": (
        lambda: dm.confusion_matrix([0, 1], [0.7, 1]),
        ValueError,
        "confusion_matrix: targets must be class numbers 0, 1, 2, ..., got 0.7",
    ),
    "confusion float predicted classes": (
        lambda: dm.confusion_matrix([0.7, 1], [0, 1]),
        ValueError,
        "predictions must be class numbers",
    ),
    "confusion negative label": (
        lambda: dm.confusion_matrix([0, 1], [0, -1]),
        ValueError,
        "got -1",
    ),
    "confusion a label of 10**9": (
        lambda: dm.confusion_matrix([0, 1], [0, 10**9]),
        ValueError,
        "confusion_matrix: a class number of 1e+09 needs",
    ),
    "confusion n_classes 10**7": (
        lambda: dm.confusion_matrix([0, 1], [0, 1], n_classes=10**7),
        ValueError,
        "confusion_matrix: a matrix of 10,000,000 classes needs",
    ),
    "confusion n_classes 0": (
        lambda: dm.confusion_matrix([0, 1], [0, 1], n_classes=0),
        ValueError,
        "n_classes must be a whole number in [2, inf), got 0",
    ),
    "confusion arguments swapped": (
        lambda: dm.confusion_matrix([0, 1], np.array([[0.2, 0.8], [0.6, 0.4]])),
        ValueError,
        "the order is confusion_matrix(pred, target)",
    ),
    "mse target strings": (lambda: dm.mse([1.0], ["a"]), ValueError, "mse: targets must hold"),
    "mse target complex": (lambda: dm.mse([1.0], [1j]), ValueError, "mse: targets holds complex"),
    "summary of None": (lambda: tables.summary(None), ValueError, "summary: give it a network"),
    # --- autograd: the labels of the negative log-likelihood ---------------------------------
    "nll float label 0.7": (
        lambda: autograd.nll(autograd.Tensor(np.zeros((2, 3))), np.array([0.7, 1.0])),
        ValueError,
        "nll: labels must be 2 class numbers in 0..2, one per row",
    ),
    "cross_entropy label 3 of 3 classes": (
        lambda: autograd.cross_entropy(autograd.Tensor(np.zeros((2, 3))), np.array([0, 3])),
        ValueError,
        "class numbers in 0..2",
    ),
    # --- pictures: grids, types, highlights ------------------------------------------------
    "boundary resolution 10**6": (
        lambda: boundary(resolution=10**6),
        ValueError,
        "plot_decision_boundary: resolution 1,000,000 (1,000,000² points) needs",
    ),
    "boundary resolution 1": (
        lambda: boundary(resolution=1),
        ValueError,
        "resolution must be a whole number in [2, inf), got 1",
    ),
    "boundary resolution 2.5": (lambda: boundary(resolution=2.5), ValueError, "got 2.5"),
    "boundary model None": (
        lambda: boundary(model=None),
        ValueError,
        "plot_decision_boundary: model must be a network (with .predict), got None",
    ),
    "boundary X strings": (
        lambda: boundary(X=np.array([["a", "b"]] * 8)),
        ValueError,
        "plot_decision_boundary: X must hold numbers",
    ),
    "boundary X complex": (
        lambda: boundary(X=np.ones((8, 2)) * 1j),
        ValueError,
        "X holds complex numbers",
    ),
    "boundary a 3-feature model": (
        lambda: boundary(model=net(n_in=3, n_out=2)),
        ValueError,
        "the map is drawn over 2 features; the model takes 3",
    ),
    "boundary y 0.7": (
        lambda: boundary(y=np.full(8, 0.7)),
        ValueError,
        "plot_decision_boundary: y must be class numbers 0, 1, 2, ..., got 0.7",
    ),
    "boundary y negative": (lambda: boundary(y=np.full(8, -5)), ValueError, "got -5"),
    "boundary padding nan": (
        lambda: boundary(padding=float("nan")),
        ValueError,
        "padding must be a number in [0, inf)",
    ),
    "plot_history None": (
        lambda: viz().plot_history(None),
        ValueError,
        "plot_history: history must be what dm.fit returns",
    ),
    "plot_history metrics None": (
        lambda: viz().plot_history({"loss": [1.0]}, metrics=None),
        ValueError,
        "metrics must be names such as 'loss'",
    ),
    "plot_history strings": (
        lambda: viz().plot_history({"loss": ["high", "low"]}),
        ValueError,
        "plot_history: history['loss'] must hold numbers",
    ),
    "plot_history ax a string": (
        lambda: viz().plot_history({"loss": [1.0]}, ax="left"),
        ValueError,
        "plot_history: ax must be a matplotlib Axes",
    ),
    "plot_weights None": (
        lambda: viz().plot_weights(None),
        ValueError,
        "give a model, a layer, or a list of weight arrays",
    ),
    "plot_weights a string": (
        lambda: viz().plot_weights("model.npz"),
        ValueError,
        "got 'model.npz'",
    ),
    "plot_weights names 3": (
        lambda: viz().plot_weights(net(), names=3),
        ValueError,
        "names must be a list of names, one per array, got 3",
    ),
    "plot_weights ncols -1": (
        lambda: viz().plot_weights(net(), ncols=-1),
        ValueError,
        "ncols must be a whole number in [1, inf)",
    ),
    "plot_weights vmax -1": (
        lambda: viz().plot_weights(net(), vmax=-1),
        ValueError,
        "vmax must be a number in (0, inf)",
    ),
    "plot_weights axes a string": (
        lambda: viz().plot_weights(dm.Dense(2, 3), axes="left"),
        ValueError,
        "axes must be matplotlib Axes",
    ),
    "gradient histograms None": (
        lambda: viz().plot_gradient_histograms(None),
        ValueError,
        "plot_gradient_histograms: give it a model",
    ),
    "gradient histograms bins 0": (
        lambda: viz().plot_gradient_histograms(net(), bins=0),
        ValueError,
        "bins must be a whole number in [1, inf)",
    ),
    "draw_network max_units 2.5": (
        lambda: viz().draw_network(net(), max_units=2.5),
        ValueError,
        "max_units must be a whole number in [2, inf)",
    ),
    "draw_network layer 0.5": (
        lambda: viz().draw_network(net(), layer=0.5),
        ValueError,
        "layer must be a whole number in [0, 1], got 0.5",
    ),
    "draw_network radius -1": (
        lambda: viz().draw_network(net(), radius=-1),
        ValueError,
        "radius must be a number in (0, inf)",
    ),
    "draw_network ax a string": (
        lambda: viz().draw_network(net(), ax="left"),
        ValueError,
        "draw_network: ax must be a matplotlib Axes",
    ),
    "draw_network arrows None": (
        lambda: viz().draw_network(net(), arrows=None),
        ValueError,
        "draw_network: arrows must be a list of tuples, got None",
    ),
    "draw_network NaN weights": (
        lambda: viz().draw_network(nan_model()),
        ValueError,
        "draw_network: 0.weights contains NaN",
    ),
    "draw_network an arrow it lacks": (
        lambda: viz().draw_network(net(), arrows=[(0, 99, 0)]),
        ValueError,
        "arrows holds (0, 99, 0), not an arrow",
    ),
    "draw_network a unit it lacks": (
        lambda: viz().draw_network(net(), units=[(9, 0)]),
        ValueError,
        "units holds (9, 0), not a unit",
    ),
    "png_bytes None": (
        lambda: notebook().png_bytes(None),
        ValueError,
        "png_bytes: give it a matplotlib Figure, got None",
    ),
    "png_bytes dpi 0": (
        lambda: notebook().png_bytes(blank_figure(), dpi=0),
        ValueError,
        "dpi must be a whole number in [1, 2000]",
    ),
    "record None": (lambda: viz().record(None), ValueError, "record: give it the model"),
    "record every True": (
        lambda: viz().record(net(), every=True),
        ValueError,
        "every must be a whole number in [1, inf), got True",
    ),
    "plot_recording a model": (
        lambda: viz().plot_recording(net()),
        ValueError,
        "plot_recording: give it the recorder that dm.viz.record(model) made",
    ),
    "plot_recording snapshots 0": (
        lambda: viz().plot_recording(recorder(), snapshots=0),
        ValueError,
        "snapshots must be a whole number in [1, inf)",
    ),
    "plot_recording parameter 1.5": (
        lambda: viz().plot_recording(recorder(), parameter=1.5),
        ValueError,
        "parameter must be a position 0..1 or a name",
    ),
    # --- callbacks --------------------------------------------------------------------------
    "EarlyStopping monitor None": (
        lambda: dm.EarlyStopping(monitor=None),
        ValueError,
        "EarlyStopping: monitor must be the name of a number fit records",
    ),
    "EarlyStopping watching a typo": (
        lambda: tiny_fit(validation=0.25, callbacks=[dm.EarlyStopping(monitor="val_los")]),
        ValueError,
        "EarlyStopping watches 'val_los', but fit records loss, accuracy, val_loss, val_accuracy",
    ),
    "EarlyStopping restore_best 'no'": (
        lambda: dm.EarlyStopping(restore_best="no"),
        ValueError,
        "restore_best must be True or False, got 'no'",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_gets_a_plain_answer(case):
    assert_plain_answer(case, *CASES[case])


# --- hostile IDX files (the format MNIST comes in) -------------------------------------------

IDX_FILES = {
    # name: (header, data, words)
    "a header declaring 10**12 bytes": (
        dims(10**6, 10**6),
        bytes(10),
        "whose header declares shape (1000000, 1000000), needs",
    ),
    "more data than declared": (dims(2), bytes(5), "holds more bytes than its header declares"),
}


@pytest.mark.parametrize("case", list(IDX_FILES), ids=list(IDX_FILES))
def test_a_hostile_idx_file_gets_a_plain_answer(case, tmp_path):
    header, data, words = IDX_FILES[case]
    path = idx_file(tmp_path, header, data)
    assert_plain_answer(case, lambda: dm.datasets.read_idx(path), ValueError, words)


def test_read_idx_refuses_a_fifo_instead_of_waiting_on_it(tmp_path):
    """Opening a FIFO for reading blocks until a writer comes: read_idx must not wait."""
    fifo = tmp_path / "train-images-idx3-ubyte"
    os.mkfifo(fifo)
    answers = []

    def read():
        try:
            dm.datasets.read_idx(fifo)
        except ValueError as error:
            answers.append(str(error))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # let the blocked reader go before failing
        with open(fifo, "wb"):
            pass
        reader.join(timeout=10)
    assert answers and "not a regular file" in answers[0], answers


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="a system with /dev/zero")
def test_read_idx_refuses_an_endless_device():
    """/dev/zero never ends: reading it whole (as read_idx did) fills the memory."""
    assert_plain_answer(
        "/dev/zero", lambda: dm.datasets.read_idx("/dev/zero"), ValueError, "not a regular file"
    )


def test_read_idx_refuses_a_folder(tmp_path):
    assert_plain_answer("a folder", lambda: dm.datasets.read_idx(tmp_path), ValueError, "regular")


def test_read_idx_never_reads_past_what_the_header_declares(tmp_path):
    """A 40 MB gzip of zeros behind a header declaring two bytes (a decompression bomb)."""
    path = tmp_path / "bomb-idx1-ubyte.gz"
    with gzip.open(path, "wb") as file:
        file.write(b"\x00\x00\x08" + dims(2))
        for _ in range(40):
            file.write(bytes(2**20))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="more bytes than its header declares"):
            dm.datasets.read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20, f"read_idx held {peak:,} bytes for a two-byte array"


def test_read_idx_still_reads_a_well_formed_file(tmp_path):
    path = tmp_path / "x-idx3-ubyte.gz"
    with gzip.open(path, "wb") as file:
        file.write(b"\x00\x00\x08" + dims(2, 3) + bytes(range(6)))
    np.testing.assert_array_equal(dm.datasets.read_idx(path), np.arange(6).reshape(2, 3))


# --- the demo command: every setting refused before training ---------------------------------

DEMO = {
    # name: (arguments, words in the usage error)
    "--seed -1": (["--seed", "-1"], "--seed must be a whole number >= 0, got -1"),
    "--hidden 10**12": (["--hidden", str(HUGE)], "--hidden 1,000,000,000,000 needs"),
    "--out inside a file": (["--out", "{tmp}/a-file/model.npz"], "it is not a writable folder"),
    "--out a 300-character name": (["--out", "m" * 300], "the file name has 300 bytes, over 237"),
}


@pytest.mark.parametrize("case", list(DEMO), ids=list(DEMO))
def test_the_demo_refuses_a_bad_setting_before_training(case, tmp_path, capsys):
    arguments, words = DEMO[case]
    (tmp_path / "a-file").write_text("not a folder")
    arguments = [argument.format(tmp=tmp_path) for argument in arguments]
    with pytest.raises(SystemExit) as caught:
        demo.main(["demo", "--epochs", "1", *arguments])
    errors = capsys.readouterr().err
    assert caught.value.code == 2 and words in errors, errors
    assert "training" not in errors and sorted(os.listdir(tmp_path)) == ["a-file"]


# --- evolution: every exit keeps finite weights and the history ------------------------------


class FailingLoss(dm.SoftmaxCrossEntropy):
    """Softmax cross-entropy that breaks on its `calls`-th forward pass."""

    def __init__(self, calls: int):
        self.left = calls

    def forward(self, outputs, targets):
        self.left -= 1
        if self.left <= 0:
            raise RuntimeError("the loss broke")
        return super().forward(outputs, targets)


def evolve_blobs(algorithm, fitness=None, **options):
    X, y = dm.datasets.blobs(n=60, centers=3, seed=0)
    model = net(n_in=2)
    fitness = fitness or evolve.data_fitness(X, y)
    options = {"generations": 6, "population": 6, "verbose": 0} | options
    return model, fitness, lambda: algorithm(model, fitness, **options)


ALGORITHMS = [evolve.genetic, evolve.evolution_strategy]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_loss_that_raises_leaves_the_best_weights_and_the_history(algorithm):
    X, y = dm.datasets.blobs(n=60, centers=3, seed=0)
    fitness = evolve.data_fitness(X, y, loss=FailingLoss(calls=20))
    model, fitness, run = evolve_blobs(algorithm, fitness)
    with pytest.raises(RuntimeError, match="the loss broke") as caught:
        run()
    history = caught.value.history
    assert 1 <= len(history["fitness"]) < 6
    assert np.all(np.isfinite(evolve.parameters_to_vector(model)))
    fitness.loss.left = 10**6  # mended: the model holds the best vector the history saw
    assert fitness(model) == pytest.approx(max(history["fitness"]), rel=1e-6)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_second_ctrl_c_while_cleaning_up_keeps_the_weights_and_the_history(
    algorithm, monkeypatch
):
    import tqdm.auto

    class BarInterruptedOnClose(tqdm.auto.tqdm):
        closes = 0

        def close(self):
            BarInterruptedOnClose.closes += 1
            super().close()
            if BarInterruptedOnClose.closes == 1:
                raise KeyboardInterrupt  # the second Ctrl-C, while the run cleans up

    monkeypatch.setattr(tqdm.auto, "tqdm", BarInterruptedOnClose)
    X, y = dm.datasets.blobs(n=60, centers=3, seed=0)
    data = evolve.data_fitness(X, y)
    calls = []

    def fitness(model):
        calls.append(1)
        if len(calls) == 16:
            raise KeyboardInterrupt  # the first Ctrl-C, in the third generation
        return data(model)

    model, _, run = evolve_blobs(algorithm, fitness)
    try:
        returned, history = run()
    except KeyboardInterrupt:  # caught here, or it would stop the whole test session
        pytest.fail("the second Ctrl-C escaped, and the history with it")
    assert returned is model and "Ctrl-C" in history.stop_reason
    assert len(history["fitness"]) == 2 and BarInterruptedOnClose.closes >= 2
    assert data(model) == pytest.approx(max(history["fitness"]), rel=1e-6)


def test_an_evolution_strategy_that_diverges_keeps_finite_weights_and_the_history():
    """lr=1e39 throws theta past float32 in the first step: refused, the best vector kept."""
    model, fitness, run = evolve_blobs(evolve.evolution_strategy, lr=1e39)
    with pytest.raises(ValueError, match="too large for float32") as caught:
        run()
    history = caught.value.history
    assert len(history["fitness"]) >= 1 and np.all(np.isfinite(evolve.parameters_to_vector(model)))
    assert fitness(model) == pytest.approx(max(history["fitness"]), rel=1e-6)


def test_pandas_data_scores_like_numpy():
    pd = pytest.importorskip("pandas")  # a test dependency, never a runtime one
    X, y = dm.datasets.blobs(n=60, centers=3, seed=0)
    model = net(n_in=2)
    frame, series = pd.DataFrame(X, columns=["a", "b"]), pd.Series(y, name="class")
    assert evolve.data_fitness(frame, series)(model) == evolve.data_fitness(X, y)(model)
    matrix = dm.confusion_matrix(pd.DataFrame(model.predict(X)), series)
    np.testing.assert_array_equal(matrix, dm.confusion_matrix(model.predict(X), y))
    np.testing.assert_array_equal(dm.datasets.one_hot(series), dm.datasets.one_hot(y))
    np.testing.assert_array_equal(dm.datasets.standardize(frame), dm.datasets.standardize(X))
    vector = evolve.parameters_to_vector(model)
    evolve.vector_to_parameters(model, pd.Series(vector))
    np.testing.assert_array_equal(evolve.parameters_to_vector(model), vector)
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}
    for ours, theirs in zip(
        viz().plot_history(pd.DataFrame(history)).axes[0].lines,
        viz().plot_history(history).axes[0].lines,
    ):
        np.testing.assert_array_equal(ours.get_xydata(), theirs.get_xydata())
    parts = dm.datasets.train_test_split(frame, series, seed=1)
    for part, reference in zip(parts, dm.datasets.train_test_split(X, y, seed=1)):
        np.testing.assert_array_equal(part, reference)
