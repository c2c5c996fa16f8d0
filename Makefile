# Two commands for a fresh machine:  `make lab` (the notebooks)  and  `make test` (everything).
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin

.PHONY: lab test test-fast lint setup slides slides-pdf workshop benchmark gpu-check clean

$(BIN)/activate: pyproject.toml mk/jupyterlab-overrides.json mk/jupyter_server_config.py
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# PyTorch's CPU build (optional peer for the benchmark and a backend test)
	$(BIN)/python -m pip install -q "torch==2.13.0" || echo "torch not installed: its tests will skip"
	$(BIN)/python -m pip install -q -e ".[dev]"
	# JupyterLab without the "get notified about news?" pop-up over a learner's first notebook
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp mk/jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	# kernel messages to the browser without Nagle's 40 ms wait (live widgets at 30 frames/s)
	mkdir -p $(VENV)/etc/jupyter
	cp mk/jupyter_server_config.py $(VENV)/etc/jupyter/jupyter_server_config.py
	touch $(BIN)/activate

setup: $(BIN)/activate

lab: setup
	$(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) --notebook-dir=notebooks --LabApp.default_url=/lab/tree/00_the_big_picture.ipynb

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

test: setup
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg -q

# The edit-test loop: everything but the slow, browser, Spark and notebook lanes (markers in
# pyproject.toml, given by tests/conftest.py). `make test` stays the whole run, as CI runs it.
test-fast: setup
	$(BIN)/python -m pytest tests -m "not slow and not browser and not spark and not notebooks" -q

slides: setup
	$(BIN)/python slides/build.py

slides-pdf: setup
	$(BIN)/python slides/build.py --pdf

benchmark: setup
	$(BIN)/python benchmarks/train_speed.py

# The GPU half in one prepared run (benchmarks/gpu_check.py). No setup and no network: a GPU
# machine has no .venv, so a plain python3 runs it there. ARGS="--wheels .whl --out FILE"
gpu-check:
	$$( [ -x $(BIN)/python ] && echo $(BIN)/python || echo python3 ) benchmarks/gpu_check.py $(ARGS)

-include mk/workshop.mk

clean:
	rm -rf $(VENV) build *.egg-info
