"""What real users pass (issue #25): each case gets a plain answer, where it enters.

One row per case, as in ``test_bad_input.py``: the call, the exception it must
raise, and words its message must contain (and no words from NumPy's or
Python's insides). Every row here failed on the code the issue was filed
against (commit 25bd758): the call went through silently, or raised from
inside, or said something wrong. The families: the parts of training passed
the wrong way, numbers out of a dtype's range, targets that are no classes,
sizes this machine cannot hold, and files that `save` writes or `load` reads.
What a failure must not lose is in ``test_nothing_lost.py``.
"""

import json
import zipfile

import numpy as np
import pytest
from helpers import X4, Y3, assert_plain_answer, tiny_net_with
from helpers import tiny_fit as fit
from helpers import tiny_net as net

import demystify as dm

HUGE = 10**7  # Dense(HUGE, HUGE) holds 10**14 weights: 800 TB to draw, on no machine


def half_net(**options) -> dm.Sequential:
    return net(dtype="float16", **options)


def step(model=None, loss=None, optimizer=None):
    """One `dm.train_step` on the first four rows of X4, Y3."""
    model = model or net()
    optimizer = optimizer or dm.SGD(model.parameters(), lr=0.1)
    return dm.train_step(model, loss or dm.SoftmaxCrossEntropy(), optimizer, X4[:4], Y3[:4])


def one_hot(rows) -> np.ndarray:
    return np.array(rows, dtype=np.float32)


def mixed_dtypes() -> dm.Sequential:
    """A float32 layer and a float64 layer in one model, as `dm.load` cannot give back."""
    return dm.Sequential(
        [dm.Dense(4, 8, seed=0), dm.ReLU(), dm.Dense(8, 3, seed=1, dtype="float64")]
    )


CASES = {
    # --- the parts of training passed the wrong way --------------------------------------------
    "fit: a loss class, not an object": (
        lambda: fit(loss=dm.SoftmaxCrossEntropy),
        TypeError,
        "fit: got <class 'demystify.losses.SoftmaxCrossEntropy'> as the loss, which is no loss",
    ),
    "fit: an optimizer class": (
        lambda: dm.fit(net(), dm.SoftmaxCrossEntropy(), dm.SGD, X4, Y3, verbose=0),
        TypeError,
        "fit: got <class 'demystify.optim.SGD'> as the optimizer, which is no optimizer object",
    ),
    "fit: loss and optimizer swapped": (
        lambda: (lambda m: dm.fit(m, dm.SGD(m.parameters()), dm.MeanSquaredError(), X4, Y3))(net()),
        TypeError,
        "fit: got <demystify.optim.SGD object at",
    ),
    "fit: model and loss swapped": (
        lambda: (lambda m: dm.fit(dm.SoftmaxCrossEntropy(), m, dm.SGD(m.parameters()), X4, Y3))(
            net()
        ),
        TypeError,
        "fit: got SoftmaxCrossEntropy() as the model, which is no model object",
    ),
    "fit: a callback class": (
        lambda: fit(callbacks=[dm.EarlyStopping]),
        TypeError,
        "fit: got <class 'demystify.apps.callbacks.EarlyStopping'> as the callback, which is no",
    ),
    "fit: a function as a callback": (
        lambda: fit(callbacks=[print]),
        TypeError,
        "got <built-in function print> as the callback, which is no callback object",
    ),
    "fit: callbacks as a string": (
        lambda: fit(callbacks="EarlyStopping"),
        TypeError,
        "fit: got 'E' as the callback",
    ),
    "evaluate: a loss class": (
        lambda: dm.evaluate(net(), dm.MeanSquaredError, X4, Y3),
        TypeError,
        "evaluate: got <class 'demystify.losses.MeanSquaredError'> as the loss",
    ),
    "train_step: another model's optimizer": (
        lambda: step(optimizer=dm.SGD(net().parameters())),
        ValueError,
        "train_step: the optimizer holds other parameters",
    ),
    "train_step: an optimizer from before initialize": (
        lambda: (lambda m, o: (m.initialize(np.random.default_rng(3)), step(m, optimizer=o)))(
            *(lambda m: (m, dm.Adam(m.parameters())))(net())
        ),
        ValueError,
        "build it again from model.parameters()",
    ),
    "train_step: an optimizer class": (
        lambda: dm.train_step(net(), dm.SoftmaxCrossEntropy(), dm.Adam, X4, Y3),
        TypeError,
        "train_step: got <class 'demystify.optim.Adam'> as the optimizer",
    ),
    "train_step: loss and optimizer swapped": (
        lambda: (lambda m: dm.train_step(m, dm.SGD(m.parameters()), dm.MeanSquaredError(), X4, Y3))(
            net()
        ),
        TypeError,
        "as the loss, which is no loss object",
    ),
    "Sequential: a layer class, not a layer": (
        lambda: dm.Sequential([dm.Dense(4, 8), dm.ReLU, dm.Dense(8, 3)]),
        TypeError,
        "Sequential item #1 is <class 'demystify.activations.ReLU'>, not a demystify layer",
    ),
    "save(None, path)": (
        lambda: dm.save(None, "model.npz"),
        TypeError,
        "save(model, path): model must be a demystify model, got None",
    ),
    "save(model, None)": (
        lambda: dm.save(net(), None),
        TypeError,
        "path must be a file name (a str or a Path), got None",
    ),
    "save(path, model) swapped": (
        lambda: dm.save("model.npz", net()),
        TypeError,
        "save(model, path): model must be a demystify model, got 'model.npz'",
    ),
    "load(None)": (lambda: dm.load(None), TypeError, "path must be a file name"),
    "load(a model)": (lambda: dm.load(net()), TypeError, "path must be a file name"),
    # --- numbers beyond what the model's dtype holds, and advice from the cause -----------------
    "fit: X of 1e30 in float32": (
        lambda: fit(X=X4 * 1e30),
        ValueError,
        "training data: X holds values beyond 1.84e+19, too large to multiply in float32; rescale",
    ),
    "fit: whole numbers beyond float16": (
        lambda: fit(X=np.full((12, 4), 10**6, dtype=np.int64), model=half_net()),
        ValueError,
        "training data: X holds values beyond 256, too large to multiply in float16",
    ),
    "fit: whole-number targets beyond float16": (
        lambda: fit(
            y=np.full((12, 3), 10**6),
            model=half_net(),
            loss=dm.MeanSquaredError(),
            optimizer=None,
        ),
        ValueError,
        "training data: y holds values beyond 6.55e+04, too large for float16",
    ),
    "fit: X of 300 in float16 (300 * 300 overflows)": (
        lambda: fit(X=np.full((12, 4), 300.0), model=half_net()),
        ValueError,
        "X holds values beyond 256, too large to multiply in float16",
    ),
    "validation X of 1e25": (
        lambda: fit(validation=(X4 * 1e25, Y3)),
        ValueError,
        "validation data: X holds values beyond 1.84e+19",
    ),
    "evaluate: X of 1e25": (
        lambda: dm.evaluate(net(), dm.SoftmaxCrossEntropy(), X4 * 1e25, Y3),
        ValueError,
        "evaluation data: X holds values beyond",
    ),
    "predict: whole numbers beyond float16": (
        lambda: half_net().predict(np.full((2, 4), 70_000)),
        ValueError,
        "X holds values beyond 6.55e+04, too large for float16",
    ),
    "set_weights: whole numbers beyond float16": (
        lambda: (lambda m: m.set_weights([np.full((4, 8), 10**5)] + m.get_weights()[1:]))(
            half_net()
        ),
        ValueError,
        "too large for float16",
    ),
    "Adam in float16: eps 1e-8 is 0": (
        lambda: dm.Adam(half_net().parameters()),
        ValueError,
        "Adam: eps=1e-08 is 0 in float16; use eps=1e-4",
    ),
    "AdamW in float16": (
        lambda: dm.AdamW(half_net().parameters()),
        ValueError,
        "AdamW: eps=1e-08 is 0 in float16",
    ),
    "RMSprop in float16": (
        lambda: dm.RMSprop(half_net().parameters(), eps=1e-9),
        ValueError,
        "RMSprop: eps=1e-09 is 0 in float16",
    ),
    "a learning rate too large: the message says what it checked": (
        lambda: (lambda m: fit(model=m, optimizer=dm.SGD(m.parameters(), lr=1e30), epochs=3))(
            net()
        ),
        dm.TrainingError,
        "The data were checked to fit float32 (and any eps too), so the steps were too large",
    ),
    # --- targets that are no classes ------------------------------------------------------------
    "softmax cross-entropy on one output": (
        lambda: fit(model=net(n_out=1), y=np.zeros(12)),
        ValueError,
        "softmax of 1 output is always 1; use BinaryCrossEntropy",
    ),
    "softmax cross-entropy on one output, called directly": (
        lambda: dm.SoftmaxCrossEntropy()(np.zeros((4, 1)), np.zeros(4)),
        ValueError,
        "use BinaryCrossEntropy",
    ),
    "evaluate: softmax cross-entropy on one output": (
        lambda: dm.evaluate(net(n_out=1), dm.SoftmaxCrossEntropy(), X4, np.zeros((12, 1))),
        ValueError,
        "softmax of 1 output is always 1",
    ),
    "negative one-hot rows": (
        lambda: fit(y=one_hot([[-1, 2, 0]] * 12)),
        ValueError,
        "each one-hot row must be >= 0 and sum to 1",
    ),
    "multi-hot rows": (
        lambda: fit(y=one_hot([[1, 1, 0]] * 12)),
        ValueError,
        "training data: labels: each one-hot row must be >= 0 and sum to 1",
    ),
    "rows of zeros": (
        lambda: fit(y=np.zeros((12, 3))),
        ValueError,
        "each one-hot row must be >= 0 and sum to 1",
    ),
    "one-hot rows to the loss directly": (
        lambda: dm.SoftmaxCrossEntropy()(np.zeros((2, 3)), one_hot([[2, 0, 0], [0, 1, 0]])),
        ValueError,
        "must be >= 0 and sum to 1",
    ),
    "accuracy of float labels": (
        lambda: dm.accuracy(np.array([0, 1, 1]), np.array([0.7, 1.0, 1.2])),
        ValueError,
        "accuracy: targets must be class numbers (whole) or one-hot rows",
    ),
    "accuracy of halves": (
        lambda: dm.accuracy(np.eye(3), np.array([0.5, 1.5, 2.5])),
        ValueError,
        "targets must be class numbers",
    ),
    "gradcheck with Dropout while training": (
        lambda: dm.gradcheck(
            dm.Sequential([dm.Dense(3, 4), dm.Dropout(0.5), dm.Dense(4, 2)], seed=0).train(),
            dm.MeanSquaredError(),
            np.ones((2, 3)),
            np.zeros((2, 2)),
        ),
        ValueError,
        "another loss each time for the same input (Dropout while training?); call model.eval()",
    ),
    # --- sizes this machine cannot hold -----------------------------------------------------------
    "Dense(HUGE, HUGE)": (
        lambda: dm.Dense(HUGE, HUGE),
        ValueError,
        "Dense(10000000, 10000000): drawing its weights needs 745,058.1 GiB, more than",
    ),
    "Dense(10**13, 1)": (lambda: dm.Dense(10**13, 1), ValueError, "more than this machine's"),
    "a model with a huge layer": (
        lambda: dm.Sequential([dm.Dense(2, HUGE), dm.ReLU(), dm.Dense(HUGE, HUGE)]),
        ValueError,
        "GiB, more than this machine's",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_what_real_users_pass_gets_a_plain_answer(case):
    assert_plain_answer(case, *CASES[case])


# --- files: what save writes, what load reads -------------------------------------------------


def saved(tmp_path, model=None) -> dict:
    """The arrays of a model saved by `dm.save`, to be changed and written back."""
    path = dm.save(model or net(), tmp_path / "source.npz")
    with zipfile.ZipFile(path) as archive:
        names = [name.removesuffix(".npy") for name in archive.namelist()]
    with np.load(path) as archive:
        return {name: archive[name] for name in names}


def header_declaring(shape: tuple, dtype: str = "<f4") -> bytes:
    """A ``.npy`` member whose header declares `shape` but holds 4 numbers."""
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    text = repr(header).encode()
    text += b" " * (63 - (10 + len(text)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + bytes(16)


def write_members(path, members: dict) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def npy_bytes(array) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def file_with(tmp_path, change) -> str:
    """A saved model's file, its members changed by ``change(members)`` (bytes by name)."""
    arrays = saved(tmp_path)
    members = {f"{name}.npy": npy_bytes(array) for name, array in arrays.items()}
    change(members)
    path = tmp_path / "changed.npz"
    write_members(path, members)
    return str(path)


def declare_huge(members):
    members["0.weights.npy"] = header_declaring((10**6, 10**6))


def raw_member(members):
    members["0.bias"] = members.pop("0.bias.npy")  # a member that is not a .npy file


def int_weights(members):
    members["0.weights.npy"] = npy_bytes(np.ones((4, 8), dtype=np.int64))


def float_architecture(members):
    text = json.dumps({"format": "demystify-model/1", "dtype": "float32", "layers": []})
    members["architecture.npy"] = npy_bytes(np.frombuffer(text.encode(), np.uint8).astype("<f4"))


def cut_short(members):
    members["0.weights.npy"] = members["0.weights.npy"][:-8]


FILE_CASES = {
    "save: layers of two dtypes": (
        lambda tmp_path: dm.save(mixed_dtypes(), tmp_path / "m.npz"),
        ValueError,
        "save: not written, as dm.load would refuse",
    ),
    "save: an infinite weight": (
        lambda tmp_path: dm.save(tiny_net_with(np.inf), tmp_path / "m.npz"),
        ValueError,
        "its entry 0.weights contains NaN or infinite values",
    ),
    "save: a NaN weight": (
        lambda tmp_path: dm.save(tiny_net_with(np.nan), tmp_path / "m.npz"),
        ValueError,
        "save: not written",
    ),
    "load: a header that declares 10**12 numbers": (
        lambda tmp_path: dm.load(file_with(tmp_path, declare_huge)),
        ValueError,
        "its entry 0.weights has shape (1000000, 1000000), not (4, 8)",
    ),
    "load: a raw member, not .npy": (
        lambda tmp_path: dm.load(file_with(tmp_path, raw_member)),
        ValueError,
        "it holds 0.bias, 0.weights.npy",
    ),
    "load: whole-number weights": (
        lambda tmp_path: dm.load(file_with(tmp_path, int_weights)),
        ValueError,
        "its entry 0.weights holds int64, not float32",
    ),
    "load: an architecture of floats": (
        lambda tmp_path: dm.load(file_with(tmp_path, float_architecture)),
        ValueError,
        "its entry architecture holds float32, not uint8",
    ),
    "load: an array cut short": (
        lambda tmp_path: dm.load(file_with(tmp_path, cut_short)),
        ValueError,
        "its entry 0.weights is cut short",
    ),
}


@pytest.mark.parametrize("case", list(FILE_CASES), ids=list(FILE_CASES))
def test_files_that_save_writes_or_load_reads_get_a_plain_answer(case, tmp_path):
    call, kind, words = FILE_CASES[case]
    assert_plain_answer(case, lambda: call(tmp_path), kind, words)
    assert not list(tmp_path.glob("m.npz")) and not list(tmp_path.glob(".*.tmp")), "a file stayed"
