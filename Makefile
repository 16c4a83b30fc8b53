# quickstart: `make demo` runs the main job, `make test` runs every test. Both create .venv
# with a Python >= 3.12 first when it is missing.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The first interpreter found that is Python >= 3.12: PATH first, then pyenv's versions.
FIND_PYTHON := for c in python3.12 python3.13 python3.14 python3 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3; do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    command -v $$c; break; fi; done

.PHONY: demo test test-fast lint format bench clean shell browser lab

$(STAMP): pyproject.toml
	@py=$$($(FIND_PYTHON)); \
	if [ -z "$$py" ]; then echo "make: no Python >= 3.12 found on PATH or in ~/.pyenv; install one (e.g. 'pyenv install 3.12') and retry" >&2; exit 1; fi; \
	echo "creating $(VENV) with $$py"; \
	$$py -m venv $(VENV) && $(BIN)/python -m pip install -q --upgrade pip && $(BIN)/python -m pip install -q -e '.[test,ray,lab]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/qpq run scenario=thaw hydra.run.dir=runs/demo/thaw
	$(BIN)/qpq run scenario=freeze hydra.run.dir=runs/demo/freeze
	$(BIN)/qpq compare thaw freeze engine.worlds=5000 --out runs/demo/thaw_vs_freeze
	@echo "runs: runs/demo/thaw/summary.md, runs/demo/freeze/summary.md"
	@echo "report: runs/demo/thaw_vs_freeze/report.md"

# The tests are independent (each writes to its own tmp_path): one worker per core halves the
# suite's time on the 2-core machines CI runs on. The browser test needs a Chromium: `browser`
# finds one, installs Debian's as root, or stops at once saying what to install.
test: browser $(STAMP)
	$(BIN)/python -m pytest -n auto

# Everything but the slow kinds (a real browser, a Ray cluster, executed notebooks;
# tests/conftest.py marks them): the loop while you work.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto -m "not slow"

# ruff (configured in pyproject.toml): the formatter's check, then the linter. `make format`
# applies both where they can.
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

browser:
	@scripts/ensure-browser

# A shell with the project's environment active: `qpq` on the PATH.
shell: $(STAMP)
	@echo "qpq is ready; 'exit' leaves this shell"; . $(BIN)/activate && exec $${SHELL:-bash} -i

# The seminar notebooks in JupyterLab, from the project's environment: their kernel is .venv's
# Python, with this quidproquo. LAB_ARGS passes options through (e.g. LAB_ARGS=--no-browser).
# Jupyter refuses to start as root unless told; containers (and CI) often run as root.
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/sweep.py
	$(BIN)/python benchmarks/dashboard_step.py
	$(BIN)/python benchmarks/classroom_load.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/memory.py
	$(BIN)/python benchmarks/points.py

clean:
	rm -rf $(VENV) runs outputs multirun sweeps comparisons classrooms
