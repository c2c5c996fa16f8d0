"""The GPU check (`benchmarks/gpu_check.py`) as small parts, one concept each.

* `plan`: what the run measures: the systems, the batch sizes, the phases and their limits;
* `machine`: is there a GPU at all, and what the machine is (for the report);
* `wheels`: pure-Python packages this machine lacks, installed offline from a folder;
* `process`: a phase in a process of its own under a time limit, and pytest's counts;
* `phases`: each phase started and read back (`digits` runs inside its process);
* `profile`: one training step taken apart, piece by piece;
* `targets`: the issue's targets as data (bound and unit), and their verdicts;
* `report` and `report_speed`: the Markdown report, rewritten after every phase;
* `main`: the whole run, start to end.
"""
