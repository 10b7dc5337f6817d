# Two commands for learners: `make lab` and `make test`. The rest are for authors.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# JupyterLab refuses to run as root unless told; a container or CI machine is often root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
SANITIZE  := --nbval-sanitize-with tests/nbval_sanitize.cfg
# The course's matrices are small: one BLAS thread is faster for them, and a multi-threaded OpenBLAS on a
# busy 2-core machine can make a 500×64 product hundreds of times slower (spinning threads).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: lab test lint unit nbval browser execute student figures bench clean dashboard

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## make lab: start JupyterLab on the first notebook (127.0.0.1, token login on)
lab: $(VENV)/.installed
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) notebooks/00_start_here.ipynb

## make dashboard: the live lab alone, without code, in the browser (Voilà on 127.0.0.1:8866)
dashboard: $(VENV)/.installed
	$(BIN)/voila --Voila.ip=127.0.0.1 --no-browser dashboard/live_lab.ipynb

## make test: lint, unit tests, every notebook under nbval (strict), browser tests
test: lint unit nbval browser

lint: $(VENV)/.installed-test
	$(BIN)/ruff check course_lib tests notebooks benchmarks tools

unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:cacheprovider tests -m "not browser"

nbval: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:cacheprovider --nbval $(SANITIZE) notebooks

browser: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:cacheprovider tests -m browser -rs

## author targets
execute: $(VENV)/.installed-test
	$(BIN)/python tools/execute.py $(NB)

student: $(VENV)/.installed-test
	$(BIN)/python tools/make_student.py

figures: $(VENV)/.installed-test
	$(BIN)/python tools/make_figures.py

bench: $(VENV)/.installed-test
	@set -e; for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done

clean:
	rm -rf student test-artifacts .pytest_cache .ruff_cache build *.egg-info
