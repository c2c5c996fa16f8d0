"""benchmarks/spark_speed.py runs end to end and reports what the issue asks for.

Timings are not asserted (that is the benchmark's business, on a quiet
machine): only that the quick run measures every system, prints the table,
both targets with a verdict, the fitted cost model and its predictions for 1
to 64 machines, the same on a standalone cluster of two one-core workers
(``--cluster``) with the fixed cost refitted, and writes the same as JSON.
Skipped without PySpark or Java.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason='PySpark is optional: pip install "demystify[spark]"')
pytest.importorskip("pandas", reason="the benchmark builds its DataFrame from pandas")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("Spark runs on Java and no `java` was found", allow_module_level=True)

pytestmark = [pytest.mark.spark, pytest.mark.slow]
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "spark_speed.py"
SYSTEMS = [
    "dms.fit full batch",
    "MLlib MLP gd",
    "local dm.fit full batch",
    "dms.fit average, batch 32, 2 local epochs",
    "local dm.fit, batch 32",
    "empty Spark job",
    "communication-only step",
]


def test_the_quick_run_reports_table_targets_and_cost_model(tmp_path):
    out = tmp_path / "spark_speed.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--cluster", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text, on_cluster = done.stdout.split("\non the standalone cluster (spark://127.0.0.1:")
    rows = re.findall(r"^\| (.+?) \| (-?[\d.]+) \| (-?[\d.]*) \| (-?[\d.]+)x \|$", text, re.M)
    assert [name for name, *_ in rows] == SYSTEMS, text
    assert re.search(r"load average \(1 min\) during the run: [\d.]+", text)
    for target in ("1.0x MLlib MLP (gd) iteration", "1.3x local full-batch step"):
        assert re.search(rf"{re.escape(target)}\s+(MET|MISSED) \(-?[\d.]+x\)", text), text
    assert re.search(r"t_job = \d+ ms, c = [\d.]+ ps per row-parameter, d = [\d.]+ ns", text)
    assert len(re.findall(r"^  local\[\d\]: measured -?[\d.]+ s, model [\d.]+ s$", text, re.M)) == 2
    assert re.search(r"figures, dms.fit <= 1.3x local from ([\d,]+ rows|no row count)", text)
    for label in ("MNIST-sized", "100x larger"):
        assert f"{label} network (P = " in text
    machines = re.findall(r"^\| (\d+) \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$", text, re.M)
    assert machines == ["1", "2", "4", "8", "16", "32", "64"] * 2, text

    report = json.loads(out.read_text())
    cluster_rows = re.findall(r"^\| (.+?) \| [\d.]+ \| [\d.]+ \| [\d.]+x \|$", on_cluster, re.M)
    assert cluster_rows == [SYSTEMS[0], SYSTEMS[1], *SYSTEMS[-2:]], on_cluster
    assert re.search(r"dms.fit's step is [\d.]+x MLlib's and [\d.]+x the local", on_cluster)
    assert re.search(
        r"fixed cost: t_job = \d+ ms .* predicts [\d.]+ s a step, measured", on_cluster
    )

    report = json.loads(out.read_text())
    assert [run["cores"] for run in report["runs"]] == [2, 1, 2]
    assert report["runs"][2]["master"].startswith("spark://127.0.0.1:")
    assert set(report["runs"][2]["results"]) == {SYSTEMS[0], SYSTEMS[1], *SYSTEMS[-2:]}
    assert set(report["cluster_cost_model"]) == {"t_job", "c", "d"}
    assert set(report["runs"][0]["results"]) == set(SYSTEMS)
    assert set(report["runs"][1]["results"]) == {SYSTEMS[0], *SYSTEMS[-2:]}
    assert [t["verdict"] in ("MET", "MISSED") for t in report["targets"]] == [True, True]
    assert set(report["cost_model"]) == {"t_job", "c", "d"}
    assert report["rows_for_local_target"] is None or report["rows_for_local_target"] > 0
    assert set(report["predictions"]) == {"MNIST-sized", "100x larger"}
