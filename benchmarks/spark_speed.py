"""How fast is a step of demystify.spark? Beside Spark MLlib's own network and local NumPy.

    python benchmarks/spark_speed.py [--quick] [--rows 20000] [--steps 10] [--rounds 3]
                                     [--cores 2] [--cluster] [--json results.json]

The job: 20,000 x 784 float32 rows (random, seeded; nothing is downloaded) in a
cached DataFrame with an ml ``Vector`` column, a 784-256-128-10 network, softmax
cross-entropy, plain gradient descent (lr 0.01). Systems, all on the same cores:

* ``dms.fit`` full batch (one step per epoch) on the DataFrame, on ``local[cores]``;
* Spark MLlib's ``MultilayerPerceptronClassifier(solver="gd")``, same DataFrame and
  layer sizes (its hidden units are sigmoids and it computes in float64; the
  matrix products, which dominate, have the same shapes);
* local full-batch ``dm.fit(..., batch_size=len(X))`` in one Python process whose
  BLAS uses `cores` threads;
* for comparison, not a target: ``dms.fit(mode="average")`` and local ``dm.fit``
  with minibatches of 32, averaging with 2 local epochs a round, the set-up
  whose rounds notebook 09 counts on the digits (seconds per round / per epoch);
* the fixed cost of a step: an *empty* Spark job (a Python task per core that
  returns one number), and a *communication-only* step (broadcast the model,
  every task sends back zero gradients, ``treeAggregate`` adds them).

A step's time: for ``dms.fit`` and ``dm.fit``, a run of ``1 + steps`` epochs
each round with a callback noting the end of every epoch; the step is the median
of all epochs after the first, the set-up the end of the first epoch minus one
step (stacking rows into blocks, caching, starting Python workers). MLlib has no
hook inside its loop, so its step is ``(T(1 + steps) - T(1)) / steps`` from whole
runs of 1 and ``1 + steps`` iterations, the median over the rounds. The systems
take turns within each round, so a burst of load from other programs hits every
system alike; medians keep one disturbed epoch from deciding a number.

The same measurement of ``dms.fit`` at ``local[1]`` (a second session in the same
process, after the first is stopped) gives the cost model: per step ``t_job +
c N P / M + d P (1 + log2 M)`` (fixed cost, compute over M machines, the
broadcast plus the tree sum), fitted to the ``local[1]`` and ``local[cores]``
figures and used to predict 1 to 64 machines.

``--cluster`` adds a third session: a Spark standalone cluster started here on
127.0.0.1 (tests/spark_cluster.py: a master and `cores` workers of one core
each, whose executors run a Python without demystify, so it is shipped to them
as to a real cluster's), with ``dms.fit`` full batch, MLlib and the fixed costs
measured on it the same way. Its empty job refits the cost model's fixed cost
``t_job``: a job that crosses processes, as on a cluster of machines.

The job and the systems themselves are in benchmarks/spark_systems.py; here are the
measurement, the cost model and the report.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))  # spark_systems, when run by path
from spark_systems import (  # noqa: E402
    SIZES,
    communication_step,
    data,
    empty_job,
    parameter_count,
    systems,
    vector_frame,
)

CLUSTER_SYSTEMS = ("dms.fit full batch", "MLlib MLP gd")
MNIST_ROWS = 60_000  # the predictions are for the whole MNIST training set
TARGETS = [  # (label, system, peer, bound): time of system / time of peer <= bound
    ("dms.fit step <= 1.0x MLlib MLP (gd) iteration", "dms.fit full batch", "MLlib MLP gd", 1.0),
    (
        "dms.fit step <= 1.3x local full-batch step",
        "dms.fit full batch",
        "local dm.fit full batch",
        1.3,
    ),
]


def measure(cores: int, X, y, steps: int, rounds: int, only_cost: bool, log=print, cluster=None):
    """A Spark session at local[cores] (or on `cluster`): each system's step and set-up.

    dms.fit and dm.fit: a run of ``1 + steps`` epochs per round, a callback noting every
    epoch's end; a step is the median of all epochs after the first, the set-up the
    first epoch's end minus one step. MLlib (no hook inside its loop): runs of 1 and
    ``1 + steps`` iterations per round, a step ``(T(1 + steps) - T(1)) / steps``, the
    median over the rounds. Fixed costs: the median of 5 jobs a round.
    """
    from demystify import spark as dms

    load, start = [os.getloadavg()[0]], time.perf_counter()
    if cluster is None:
        spark, where = dms.local_session(cores=cores), f"local[{cores}]"
    else:
        spark, where = dms.cluster_session(cluster.master, python=cluster.python), "cluster"
    frame = vector_frame(spark, X, y, cores)
    built = time.perf_counter() - start
    log(f"{where}: {len(X):,} rows in a cached DataFrame ({built:.1f} s, Spark's start too)")
    chosen = systems(spark, frame, X, y, cores)
    if only_cost:
        chosen = {"dms.fit full batch": chosen["dms.fit full batch"]}
    elif cluster is not None:  # local NumPy does not change with the session
        chosen = {name: chosen[name] for name in CLUSTER_SYSTEMS}
    for train in chosen.values():  # warm up: Python workers, the JVM's compiled code, caches
        train(1)
    marks = {name: [] for name in chosen}
    fixed = {"empty Spark job": [], "communication-only step": []}
    for round_number in range(rounds):
        for name, train in chosen.items():
            run = train(1 + steps)
            if len(run) == 1:  # MLlib: one number per run
                run = [train(1)[0], run[0]]
            marks[name].append(run)
            log(f"  round {round_number + 1}  {name:<32} {run[-1]:6.2f} s, {1 + steps} epochs")
        fixed["empty Spark job"] += [empty_job(spark, cores) for _ in range(5)]
        fixed["communication-only step"] += [communication_step(spark, cores) for _ in range(5)]
        load.append(os.getloadavg()[0])
    spark_master = spark.sparkContext.master
    spark.stop()
    return {
        "cores": cores,
        "master": spark_master,
        "rows": len(X),
        "steps": steps,
        "rounds": rounds,
        "load": load,
        "seconds": time.perf_counter() - start,
        "results": steps_and_setups(marks, fixed, steps),
    }


def steps_and_setups(marks: dict, fixed: dict, steps: int) -> dict:
    """name -> its step and set-up seconds, medians over the rounds (see `measure`)."""
    results = {}
    for name, runs in marks.items():
        if all(len(run) == 2 for run in runs):  # (T(1), T(1 + steps))
            step = float(np.median([(late - first) / steps for first, late in runs]))
            setup = float(np.median([first for first, _ in runs])) - step
        else:
            step = float(np.median([b - a for run in runs for a, b in zip(run[:-1], run[1:])]))
            setup = float(np.median([run[0] for run in runs])) - step
        results[name] = {"step": step, "setup": setup}
    for name, values in fixed.items():
        results[name] = {"step": float(np.median(values)), "setup": None}
    return results


def fit_cost_model(one: dict, many: dict, parameters: int) -> dict:
    """Per step ``t_job + c N P / M + d P (1 + log2 M)``, fitted on local[1] and local[M] figures.

    t_job: the empty job's cost (mean of both); the communication-only step minus the
    empty job is ``d P (1 + log2 M)``, the rest of a full-batch step is ``c N P / M``;
    c and d by least squares over the two core counts.
    """
    t_job = (
        one["results"]["empty Spark job"]["step"] + many["results"]["empty Spark job"]["step"]
    ) / 2
    compute, communication = [], []
    for measured in (one, many):
        r, M, N = measured["results"], measured["cores"], measured["rows"]
        talk = r["communication-only step"]["step"] - r["empty Spark job"]["step"]
        work = r["dms.fit full batch"]["step"] - r["communication-only step"]["step"]
        compute.append((N * parameters / M, max(work, 0.0)))
        communication.append((parameters * (1 + math.log2(M)), max(talk, 0.0)))

    def slope(points):  # least squares through the origin
        return sum(x * t for x, t in points) / sum(x * x for x, _ in points)

    return {"t_job": t_job, "c": slope(compute), "d": slope(communication)}


def predicted_step(model: dict, rows: int, parameters: int, machines: int) -> dict:
    compute = model["c"] * rows * parameters / machines
    talk = model["d"] * parameters * (1 + math.log2(machines))
    return {"compute": compute, "communication": talk, "fixed": model["t_job"]}


def report(many: dict, one: dict, log=print) -> dict:
    """Print the table, the targets and the cost model; return them (for --json)."""
    r, cores = many["results"], many["cores"]
    steps = many["steps"]
    log(
        f"\n{many['rows']:,} x {SIZES[0]} rows, MLP {'-'.join(map(str, SIZES))}, local[{cores}]; "
        f"{many['rounds']} rounds of {1 + steps} epochs (MLlib: of 1 and {1 + steps} iterations)"
    )
    log("| system | seconds per step | set-up seconds | / local full-batch step |")
    log("|---|---|---|---|")
    local_step = r["local dm.fit full batch"]["step"]
    for name, values in r.items():
        setup = "" if values["setup"] is None else f"{values['setup']:.2f}"
        log(f"| {name} | {values['step']:.3f} | {setup} | {values['step'] / local_step:.2f}x |")
    log(f"\nload average (1 min) during the run: {', '.join(f'{v:.2f}' for v in many['load'])}")
    verdicts = []
    log("\ntargets (ratios within this run)")
    for label, mine, peer, bound in TARGETS:
        ratio = r[mine]["step"] / r[peer]["step"]
        verdict = "MET" if ratio <= bound else "MISSED"
        verdicts.append({"target": label, "ratio": ratio, "verdict": verdict})
        log(f"  {label:<48} {verdict} ({ratio:.2f}x)")
    P = parameter_count()
    model = fit_cost_model(one, many, P)
    log(
        f"\ncost model, fitted on local[1] and local[{cores}]: "
        "step = t_job + c*N*P/M + d*P*(1 + log2 M)\n"
        f"  t_job = {model['t_job'] * 1e3:.0f} ms, c = {model['c'] * 1e12:.3f} ps per "
        f"row-parameter, d = {model['d'] * 1e9:.2f} ns per parameter and hop"
    )
    for measured in (one, many):
        M = measured["cores"]
        seen = measured["results"]["dms.fit full batch"]["step"]
        parts = predicted_step(model, measured["rows"], P, M)
        log(f"  local[{M}]: measured {seen:.3f} s, model {sum(parts.values()):.3f} s")
    return {
        "targets": verdicts,
        "rows_for_local_target": rows_for_local_target(many, log),
        "cost_model": model,
        "predictions": predictions(model, P, log),
    }


def rows_for_local_target(many: dict, log=print) -> int | None:
    """The row count from which dms.fit's step is within the local target, from local[cores].

    A step is a fixed part (the communication-only step) plus a part that grows with
    the rows, as local's does.
    """
    r, cores = many["results"], many["cores"]
    local, fixed, N = (
        r["local dm.fit full batch"]["step"],
        r["communication-only step"]["step"],
        many["rows"],
    )
    per_row = (r["dms.fit full batch"]["step"] - fixed) / N
    room = TARGETS[1][3] * local / N - per_row  # seconds of slack each row adds
    rows_needed = math.ceil(fixed / room) if room > 0 else None
    log(
        f"  from this run's local[{cores}] figures, dms.fit <= {TARGETS[1][3]}x local from "
        + (
            f"{rows_needed:,} rows (a fixed {fixed * 1e3:.0f} ms a step, then "
            f"{per_row * 1e6:.2f} us a row against local's {local / N * 1e6:.2f} us)"
            if rows_needed
            else "no row count: per row alone it is more than 1.3x slower"
        )
    )
    return rows_needed


def predictions(model: dict, P: int, log=print) -> dict:
    """The cost model's seconds per step on 1 to 64 machines, for P and 100 P parameters."""
    predicted = {}
    for label, parameters in (("MNIST-sized", P), ("100x larger", 100 * P)):
        log(
            f"\npredicted seconds per full-batch step, {MNIST_ROWS:,} rows, "
            f"{label} network (P = {parameters:,})"
        )
        log("| machines | compute | communication | fixed | step |")
        log("|---|---|---|---|---|")
        predicted[label] = {}
        for machines in (1, 2, 4, 8, 16, 32, 64):
            parts = predicted_step(model, MNIST_ROWS, parameters, machines)
            predicted[label][machines] = parts
            cells = " | ".join(f"{value:.3f}" for value in parts.values())
            log(f"| {machines} | {cells} | {sum(parts.values()):.3f} |")
    return predicted


def report_cluster(cluster: dict, many: dict, one: dict, model: dict, log=print) -> dict:
    """The cluster's steps beside local[cores]'s; the cost model with the cluster's fixed cost."""
    r, local = cluster["results"], many["results"]
    log(
        f"\non the standalone cluster ({cluster['master']}, {cluster['cores']} workers x 1 core) "
        f"beside local[{many['cores']}], the same {cluster['rows']:,} rows"
    )
    log(f"| system | cluster, s per step | local[{many['cores']}], s per step | cluster / local |")
    log("|---|---|---|---|")
    for name, values in r.items():
        mine, theirs = values["step"], local[name]["step"]
        log(f"| {name} | {mine:.3f} | {theirs:.3f} | {mine / theirs:.2f}x |")
    ratios = {
        "MLlib": r["dms.fit full batch"]["step"] / r["MLlib MLP gd"]["step"],
        "local": r["dms.fit full batch"]["step"] / local["local dm.fit full batch"]["step"],
    }
    log(
        f"  on the cluster dms.fit's step is {ratios['MLlib']:.2f}x MLlib's and "
        f"{ratios['local']:.2f}x the local dm.fit full-batch step (local, one process)"
    )
    load = ", ".join(f"{v:.2f}" for v in cluster["load"])
    log(f"load average (1 min) during the cluster run: {load}")
    refitted = {**model, "t_job": r["empty Spark job"]["step"]}
    P, M = parameter_count(), cluster["cores"]
    parts = predicted_step(refitted, cluster["rows"], P, M)
    log(
        f"cost model with the cluster's fixed cost: t_job = {refitted['t_job'] * 1e3:.0f} ms "
        f"(local: {model['t_job'] * 1e3:.0f} ms); for the cluster it predicts "
        f"{sum(parts.values()):.3f} s a step, measured {r['dms.fit full batch']['step']:.3f} s"
    )
    return {"cluster_ratios": ratios, "cluster_cost_model": refitted}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 rows, 1 step, 1 round")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--steps", type=int, default=10, help="steps timed beyond the first")
    parser.add_argument("--rounds", type=int, default=3, help="rounds in which every system runs")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--cluster", action="store_true", help="also on a standalone cluster")
    parser.add_argument("--json", metavar="PATH", help="also write the results there as JSON")
    args = parser.parse_args(argv)
    rows, steps, rounds = (1_000, 1, 1) if args.quick else (args.rows, args.steps, args.rounds)
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}", flush=True)
    X, y = data(rows)
    log = lambda line: print(line, flush=True)  # noqa: E731
    many = measure(args.cores, X, y, steps, rounds, only_cost=False, log=log)
    one = measure(1, X, y, steps, rounds, only_cost=True, log=log)
    runs = [many, one]
    summary = report(many, one)
    if args.cluster:
        runs.append(on_cluster(args.cores, X, y, steps, rounds, log))
        summary.update(report_cluster(runs[-1], many, one, summary["cost_model"]))
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs, **summary}, indent=1))


def on_cluster(cores: int, X, y, steps: int, rounds: int, log) -> dict:
    """The measurement on a standalone cluster of `cores` one-core workers (started, stopped)."""
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from spark_cluster import StandaloneCluster, bare_python

    with tempfile.TemporaryDirectory(prefix="spark-cluster-") as folder:
        cluster = StandaloneCluster(Path(folder), workers=cores, cores=1, memory="2g")
        try:
            cluster.start()
            cluster.python = bare_python(Path(folder))
            return measure(cores, X, y, steps, rounds, False, log, cluster=cluster)
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
