"""Bad input to Spark training is refused in plain words, where it enters.

Arguments, DataFrames and rows to predict on are each refused with a ValueError that
names the thing (never a Spark plan dump or a worker's traceback), leaving the weights
as they were; and PySpark and Java are optional, a missing one named with what to
install.
"""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from spark_helpers import (
    assert_plain,
    block_files,
    cached_rdds,
    classifier,
    spiral_data,
)

import demystify as dm
from demystify import spark as dms

pytestmark = pytest.mark.spark


# --- bad input is refused in plain words, where it enters -----------------------------------

X_GOOD, Y_GOOD = spiral_data(n=30)
OTHER_MODEL = classifier()

ARGUMENT_CASES = [  # (case, changes to a good fit call, exception, words the message must hold)
    ("epochs 0", {"epochs": 0}, ValueError, ["spark.fit", "epochs", "[1, inf)", "got 0"]),
    ("epochs 2.5", {"epochs": 2.5}, ValueError, ["epochs", "whole number", "2.5"]),
    ("partitions 0", {"partitions": 0}, ValueError, ["partitions", "got 0"]),
    ("batch_size -1", {"batch_size": -1}, ValueError, ["batch_size", "got -1"]),
    ("local_epochs 0", {"local_epochs": 0}, ValueError, ["local_epochs", "got 0"]),
    ("seed -1", {"seed": -1}, ValueError, ["seed", "got -1"]),
    ("mode typo", {"mode": "minibatch"}, ValueError, ["mode", "'full_batch'", "'minibatch'"]),
    ("data a string", {"data": "spirals.csv"}, ValueError, ["DataFrame", "(X, y)", "str"]),
    ("data one array", {"data": (X_GOOD,)}, ValueError, ["pair (X, y)", "not 1"]),
    (
        "NaN in X",
        {"data": (np.where(np.arange(60).reshape(30, 2) == 7, np.nan, X_GOOD), Y_GOOD)},
        ValueError,
        ["X", "NaN"],
    ),
    ("labels too big", {"data": (X_GOOD, Y_GOOD + 3)}, ValueError, ["labels", "0..2"]),
    ("validation no pair", {"validation": X_GOOD}, ValueError, ["validation", "pair"]),
    (
        "another model's optimizer",
        {"optimizer": dm.SGD(OTHER_MODEL.parameters(), lr=0.1)},
        ValueError,
        ["optimizer", "model.parameters()"],
    ),
]


@pytest.mark.parametrize(
    "changes, error, words",
    [case[1:] for case in ARGUMENT_CASES],
    ids=[c[0] for c in ARGUMENT_CASES],
)
def test_bad_arguments_are_refused_in_plain_words(spark, changes, error, words):
    model = classifier()
    call = {
        "model": model,
        "loss": dm.SoftmaxCrossEntropy(),
        "optimizer": dm.SGD(model.parameters(), lr=0.1),
        "data": (X_GOOD, Y_GOOD),
        "spark": spark,
        **changes,
    }
    before = model.get_weights()
    with pytest.raises(error) as caught:
        dms.fit(**call)
    assert_plain(str(caught.value), words)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))


GOOD_ROWS = [([0.5, -0.5], 0), ([1.0, 2.0], 1), ([0.0, 0.1], 2), ([0.3, 0.3], 1)]
FRAME = "features array<double>, label long"
NAN, INF = float("nan"), float("inf")

DATAFRAME_CASES = [  # (case, schema, bad rows added to good ones, words, found by a worker?)
    ("string features", "features string, label long", [("1,2", 0)], ["'features'", "string"], 0),
    (
        "array of strings",
        "features array<string>, label long",
        [(["1", "2"], 0)],
        ["'features'", "array<string>", "numbers"],
        0,
    ),
    (
        "string labels",
        "features array<double>, label string",
        [([1.0, 2.0], "cat")],
        ["'label'", "string", "StringIndexer"],
        0,
    ),
    ("null features", FRAME, [(None, 1)], ["row", "features are missing (null)"], 1),
    ("null label", FRAME, [([1.0, 2.0], None)], ["row", "label is missing (null)"], 1),
    ("null inside", FRAME, [([1.0, None], 1)], ["row", "feature value is missing (null)"], 1),
    ("ragged rows", FRAME, [([1.0, 2.0, 3.0], 1)], ["different numbers of features", "3"], 1),
    ("NaN", FRAME, [([NAN, 1.0], 1)], ["row", "NaN or infinite", "features"], 1),
    ("infinite", FRAME, [([1.0, INF], 1)], ["row", "NaN or infinite"], 1),
    ("label out of range", FRAME, [([1.0, 1.0], 7)], ["labels", "0..2", "7"], 1),
]


@pytest.mark.parametrize(
    "schema, bad_rows, words, on_worker",
    [case[1:] for case in DATAFRAME_CASES],
    ids=[case[0] for case in DATAFRAME_CASES],
)
def test_bad_dataframes_are_refused_in_one_plain_line(spark, schema, bad_rows, words, on_worker):
    if on_worker:  # the schema allows it: only the rows themselves show the problem
        rows = GOOD_ROWS + bad_rows + GOOD_ROWS
    else:
        rows = bad_rows
    frame = spark.createDataFrame(rows, schema)
    model = classifier()
    before = model.get_weights()
    with pytest.raises(ValueError) as caught:
        dms.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            dm.SGD(model.parameters(), lr=0.1),
            frame,
            epochs=2,
            spark=spark,
        )
    message = str(caught.value)
    assert_plain(message, words, one_line=True)
    assert ("partition" in message) == bool(on_worker)  # a worker's line says where it looked
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    assert block_files() == [] and cached_rdds(spark) == 0


PREDICT_CASES = [  # (case, schema, rows, changes to the call, words)
    ("NaN features", FRAME, [([NAN, 1.0], 0)], {}, ["1 row", "NaN", "meaningless"]),
    ("infinite", FRAME, [([INF, 1.0], 0), ([1.0, -INF], 0)], {}, ["2 rows", "infinite"]),
    ("null features", FRAME, [(None, 0)], {}, ["1 row", "no features (null)"]),
    ("null inside", FRAME, [([None, 1.0], 0)], {}, ["missing (null)"]),
    ("ragged", FRAME, [([1.0], 0)], {}, ["other than the network's 2"]),
    ("string column", "features string, label long", [("1,2", 0)], {}, ["'features'", "string"]),
    ("no such column", FRAME, [], {"features_col": "pixels"}, ["no column 'pixels'"]),
    ("batch_size 0", FRAME, [], {"batch_size": 0}, ["spark.predict", "batch_size", "got 0"]),
]


@pytest.mark.parametrize(
    "schema, bad_rows, changes, words",
    [case[1:] for case in PREDICT_CASES],
    ids=[case[0] for case in PREDICT_CASES],
)
def test_predict_refuses_rows_it_cannot_answer(spark, schema, bad_rows, changes, words):
    rows = bad_rows if "string" in schema else GOOD_ROWS + bad_rows
    frame = spark.createDataFrame(rows, schema)
    with pytest.raises(ValueError) as caught:
        dms.predict(classifier(), frame, **changes)
    assert_plain(str(caught.value), words, one_line=True)


# --- PySpark and Java are optional, and a missing one is named ---------------------------


def test_missing_pyspark_names_the_extra_to_install(monkeypatch):
    for name in [m for m in sys.modules if m == "pyspark" or m.startswith("pyspark.")]:
        monkeypatch.setitem(sys.modules, name, None)  # None in sys.modules: "not installed"
    model = classifier()
    with pytest.raises(ImportError, match=r'pip install "demystify\[spark\]"'):
        dms.local_session()
    with pytest.raises(ImportError, match=r"demystify\[spark\]"):
        dms.fit(
            model,
            dm.SoftmaxCrossEntropy(),
            dm.SGD(model.parameters(), lr=0.1),
            spiral_data(n=30),
            epochs=1,
        )
    with pytest.raises(ImportError, match=r"demystify\[spark\]"):
        dms.predict(model, None)


def test_missing_java_says_to_install_java_17(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(RuntimeError, match="Java 17"):
        dms.local_session()


def test_a_java_that_does_not_start_is_one_plain_sentence(tmp_path):
    """JAVA_HOME pointing at no Java: PySpark's JAVA_GATEWAY_EXITED becomes one sentence."""
    code = "from demystify import spark as dms\ndms.local_session()"
    environment = {
        **os.environ,
        "JAVA_HOME": str(tmp_path),
        "PATH": os.path.dirname(sys.executable),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=environment
    )
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode == 1 and last.startswith("RuntimeError: Spark's Java process"), last
    assert "install Java 17" in last and "JAVA_HOME" in last


def test_the_executor_check_names_what_is_missing_and_what_to_install(spark):
    assert dms.executors_lack(spark, ["numpy", "demystify", "pandas", "pyarrow"]) == {}
    missing = dms.executors_lack(spark, ["numpy", "no_such_module_xyz"])
    assert (
        list(missing) == ["no_such_module_xyz"] and sys.executable in missing["no_such_module_xyz"]
    )
    with pytest.raises(RuntimeError) as caught:
        dms._refuse_missing(missing, spark)
    assert_plain(
        str(caught.value),
        ["cannot import no_such_module_xyz", "pip install no_such_module_xyz", "every worker"],
        one_line=True,
    )


def test_a_cluster_master_must_be_a_url():
    with pytest.raises(ValueError) as caught:
        dms.cluster_session("127.0.0.1:7077")
    assert_plain(str(caught.value), ["master", "'127.0.0.1:7077'", "spark://host:7077"])


def test_import_demystify_does_not_import_pyspark():
    code = (
        "import sys, demystify as dm\n"
        "assert 'pyspark' not in sys.modules, 'import demystify loaded pyspark'\n"
        "assert callable(dm.spark.fit) and callable(dm.spark.predict)\n"
        "assert 'pyspark' not in sys.modules, 'dm.spark loaded pyspark before it was needed'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
