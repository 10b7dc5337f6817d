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

.PHONY: help lab test lint unit slow nbval learner-notebooks browser execute student figures bench claims book book-check robustness sweeps nbgrader-check dashboard mutate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## make help: this list, from the Makefile's "## make" comments
help:
	@awk '/^## make /{sub(/^## make /, ""); print; next} /^## /{sub(/^## /, "    "); print}' $(MAKEFILE_LIST)

## make lab: bring your own copies of the notebooks in student/ up to date (solutions removed, show_solution()
## reveals one; your edits are never overwritten, course updates are merged in) and start JupyterLab on the
## first one (127.0.0.1, token login on). JupyterLab's root is the repository, so links to docs/ work.
LAB_URL := /lab/tree/student/00_start_here.ipynb
lab: $(VENV)/.installed
	$(BIN)/python -m course_lib.learner_copies student
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. --LabApp.default_url=$(LAB_URL) $(ROOT_FLAG)

## make dashboard: the live lab alone, without code, in the browser (Voilà on 127.0.0.1:8866). Open the printed
## URL: it carries a random token, and requests without it are refused; so are requests whose Host header is not
## a local name. A kernel idle for 15 minutes is shut down (reload the page), and at most 8 pages run at once.
## OPEN=1 serves without a token: anyone who can reach the port can open the dashboard and start kernels, so
## use it only on a machine nobody else can reach. DASHBOARD_ARGS passes options (dashboard/serve.py --help).
dashboard: $(VENV)/.installed
	$(BIN)/python dashboard/serve.py $(if $(OPEN),--open,) $(DASHBOARD_ARGS)

## make test: lint, unit tests (fast and slow), every notebook under nbval (strict), every notebook in the
## learner's environment, browser tests
test: lint unit slow nbval learner-notebooks browser

## make lint: ruff over the code, tests and notebooks, and vermin: nothing newer than pyproject's requires-python
VERMIN := $(BIN)/vermin --no-tips --violations --eval-annotations -t=3.10-
lint: $(VENV)/.installed-test
	$(BIN)/ruff check course_lib tests notebooks benchmarks tools
	$(VERMIN) course_lib tests tools benchmarks
	rm -rf build/lint-notebooks
	$(BIN)/jupyter nbconvert --log-level=WARN --to script --output-dir build/lint-notebooks notebooks/*.ipynb
	$(VERMIN) build/lint-notebooks

## make unit: the fast loop: unit, gradient and checker tests, without the slow ones and the browser, on every
## core (pytest-xdist; JOBS=0 runs them in one process, without workers)
JOBS ?= auto
unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:cacheprovider tests -m "not slow and not browser and not book" -n $(JOBS)

## make slow: the tests that train networks or execute notebooks (part of make test)
slow: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:cacheprovider tests -m "slow and not browser and not book"

## make nbval: every notebook under nbval in strict mode (its stored text outputs must come out again)
nbval: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:cacheprovider --nbval $(SANITIZE) notebooks

# The learner's environment is the tested one: a second venv installed by the very rule `make lab` uses
# (`pip install -e .`, no test extras) runs every notebook top to bottom.
LEARNER_VENV := .venv-learner
## make learner-notebooks: every notebook run top to bottom in .venv-learner, installed exactly as make lab does
learner-notebooks:
	$(MAKE) --no-print-directory VENV=$(LEARNER_VENV) $(LEARNER_VENV)/.installed
	$(LEARNER_VENV)/bin/python tools/execute.py --check

## make browser: the lab in JupyterLab and Voilà, and the learner copies, driven in headless Chromium
browser: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:cacheprovider tests -m "browser and not book" -rs

## make execute: re-execute every notebook in place in a fresh kernel (NB=notebooks/05_….ipynb for one)
execute: $(VENV)/.installed-test
	$(BIN)/python tools/execute.py $(NB)

## make student: write or update the learner copies in student/ without starting JupyterLab (the same code
## path as make lab: never overwrites an edit)
student: $(VENV)/.installed
	$(BIN)/python -m course_lib.learner_copies student

## make figures: rewrite figures/ from tools/make_figures.py (seeded; checks the numbers the README quotes)
figures: $(VENV)/.installed-test
	$(BIN)/python tools/make_figures.py

## make bench: the benchmark tables (benchmarks/), each with ratios against a reference measured in the same run,
## then how much course_lib code one training step and one lab frame run (tools/call_count.py)
bench: $(VENV)/.installed-test
	@set -e; for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done
	@echo "== tools/call_count.py"; $(BIN)/python tools/call_count.py

## make nbgrader-check: a class can be graded through nbgrader's exchange: nbgrader itself (in a venv of its own,
## it pulls many packages) runs tools/nbgrader_class.py init, then for every notebook with exercises the whole
## cycle (generate, release the learner copy, fetch, submit, collect, autograde, feedback) with two learner
## accounts (OS users when run as root): the solved copy scores every point, the blank one none
NBGRADER_VENV := .venv-nbgrader
nbgrader-check:
	$(MAKE) --no-print-directory VENV=$(NBGRADER_VENV) $(NBGRADER_VENV)/.installed-test
	$(NBGRADER_VENV)/bin/python -m pip install --quiet 'nbgrader>=0.9'
	$(NBGRADER_VENV)/bin/python -m pytest -p no:cacheprovider -rs tests/project/test_nbgrader.py
	@cat test-artifacts/nbgrader-cycle.txt

## make book: the course as a website, built offline into build/book/html (Jupyter Book 1.x in a venv of its own,
## from the committed executed notebooks; MathJax from npm); any build warning fails it
BOOK_VENV := .venv-book
$(BOOK_VENV)/.installed-book: book/requirements.txt
	$(PYTHON) -m venv $(BOOK_VENV)
	$(BOOK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BOOK_VENV)/bin/python -m pip install --quiet -r book/requirements.txt
	touch $@

book: $(BOOK_VENV)/.installed-book
	$(BOOK_VENV)/bin/python tools/build_book.py

## make book-check: make book, then every page in headless Chromium (formulas, images and alt text, links, launch
## links) and Binder's build dry-run by repo2docker
book-check: book $(VENV)/.installed-test
	$(BOOK_VENV)/bin/python tools/check_binder.py
	REQUIRE_BOOK=1 $(BIN)/python -m pytest -p no:cacheprovider -rs tests/project/test_book.py

## make claims: every outcome a notebook states as general, re-measured on the committed seeds and on two
## disjoint seed sets; one table, exit 1 if any claim fails on any set
claims: $(VENV)/.installed-test
	$(BIN)/python -m course_lib.claims $(CLAIMS_ARGS)

## make robustness: every notebook under nbval on several OpenBLAS kernels, 1 and 2 BLAS threads, and the
## oldest and newest numpy/matplotlib pyproject allows (slow: builds two extra venvs; prints a table)
robustness: $(VENV)/.installed-test
	$(BIN)/python tools/robustness.py $(ROBUSTNESS_ARGS)

## make sweeps: gradcheck's false-FAIL rate and its teeth on 3000 random networks, and the property tests'
## hostile inputs over many more examples than the unit tests draw (slow: several minutes; prints tables)
sweeps: $(VENV)/.installed-test
	$(BIN)/python tools/gradcheck_sweep.py
	$(BIN)/python tools/hostile_sweep.py

## make mutate: plant one-line bugs in the library and check that the unit tests catch each (slow, ~25 min)
mutate: $(VENV)/.installed-test
	$(BIN)/python tools/mutate.py

## make hub: JupyterHub for a class on this host, at http://127.0.0.1:8000 (run as root; hub/README.md). Learners sign
## up at /hub/signup and the admin (HUB_ADMIN, default "instructor") approves them at /hub/authorize; each
## learner's server writes their copies to ~/student as `make lab` does and opens 00_start_here. The hub has a
## venv of its own (.venv-hub, from hub/requirements.txt plus the course) and configurable-http-proxy from npm.
## make hub-check: the hub with test logins, 8 learners at once (notebook 07 + the lab's session each), memory
## and CPU per learner, limits and kernel bursts; ends "N learners served, M failures"; tears everything down.
## It first runs tests/project/test_hub.py in the hub's venv (the spawner module needs JupyterHub).
.PHONY: hub hub-check
HUB_VENV := .venv-hub
# the learners' accounts run the venv's python: a python under /root (pyenv) is not readable by them
HUB_PYTHON ?= $(firstword $(wildcard /usr/bin/python3) $(PYTHON))
HUB_CHP := build/hub-npm/node_modules/.bin/configurable-http-proxy
$(HUB_VENV)/.installed-hub: hub/requirements.txt pyproject.toml
	$(HUB_PYTHON) -m venv $(HUB_VENV)
	$(HUB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(HUB_VENV)/bin/python -m pip install --quiet -r hub/requirements.txt
	$(HUB_VENV)/bin/python -m pip install --quiet -e .
	touch $@

$(HUB_CHP):
	npm install --prefix build/hub-npm configurable-http-proxy

hub: $(HUB_VENV)/.installed-hub $(HUB_CHP)
	@test "$$(id -u)" = 0 || { echo "make hub runs as root (sudo make hub): it makes one OS account per learner"; exit 1; }
	$(HUB_VENV)/bin/jupyterhub -f hub/jupyterhub_config.py

hub-check: $(HUB_VENV)/.installed-hub $(HUB_CHP)
	$(HUB_VENV)/bin/python -m pytest -p no:cacheprovider -q -rs tests/project/test_hub.py
	$(HUB_VENV)/bin/python tools/hub_check.py $(HUB_CHECK_ARGS)

## make clean: remove build output and caches (student/ holds learners' work: clean never touches it)
clean:
	rm -rf test-artifacts .pytest_cache .ruff_cache build *.egg-info
