# nnbook: build the executable textbook and run its tests.
#   make html   bootstrap .venv if needed, then a strict Sphinx build into _build/html
#   make html-exercises  the same book without solutions, into _build/html-exercises (for
#               lecturers who assign the exercises)
#   make test   bootstrap .venv if needed, then ruff (lint, format) and pytest on every core (unit
#               tests, docstrings, chapters, pipeline)
#   make lint   ruff check and ruff format --check only
#   make bench  the training-step benchmark: nnbook against hand-written NumPy and Keras (ratios)
#   make pdf    the whole book as one PDF, _build/nnbook.pdf (needs Debian's chromium)
#   make notebooks  after make html: every downloadable notebook run as a reader runs it (alone
#               in an empty folder, nnbook installed from the book's wheel), as CI does
#   make clean  remove every generated tree (the .venv stays)

PYTHON  ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
# -j auto: pages are read, and their notebooks executed, in one process per core; the output is
# the same as a serial build's (tests/compare_builds.py). `make html SPHINXOPTS="-W --keep-going -n"`
# builds serially.
SPHINXOPTS ?= -W --keep-going -n -j auto
# pytest-xdist: one worker per core; the tests of one file run on one worker (a chapter's
# examples share a namespace, tests/test_build.py's tests a built book).
PYTEST_WORKERS ?= -n auto --dist loadfile
# Reproducible output: a fixed date in HTML, figures, gallery zips (conf.py sets the same default).
export SOURCE_DATE_EPOCH ?= 1700000000

LINT_PATHS := nnbook tests book/examples book/_ext conf.py benchmarks

.PHONY: html html-exercises pdf test lint bench clean venv notebooks

html: $(STAMP)
	$(VPY) -m sphinx $(SPHINXOPTS) -c . -d _build/doctrees book _build/html

# The same book without solutions (sphinx-exercise's hide_solutions; book/_ext/nnbook_build.py
# also removes the content of gated solutions and the page downloads). Same strict flags and
# execution cache as `html`; its own doctrees, since the setting changes what a page holds.
html-exercises: $(STAMP)
	$(VPY) -m sphinx $(SPHINXOPTS) -D hide_solutions=1 -c . -d _build/doctrees-exercises book _build/html-exercises

# One page holding the whole book (singlehtml), printed by headless Chromium once MathJax has
# typeset every formula. Shares the doctrees with `html`: executed results come from the cache.
pdf: $(STAMP)
	$(VPY) -m sphinx $(SPHINXOPTS) -b singlehtml -c . -d _build/doctrees book _build/singlehtml
	$(VPY) tests/print_pdf.py _build/singlehtml/index.html _build/nnbook.pdf

test: lint
	$(VPY) -m pytest $(PYTEST_WORKERS)

lint: $(STAMP)
	$(VPY) -m ruff check $(LINT_PATHS)
	$(VPY) -m ruff format --check $(LINT_PATHS)

bench: $(STAMP)
	$(VPY) benchmarks/train_step.py

notebooks: $(STAMP)
	$(VPY) tests/check_notebooks.py _build/html --run all

venv: $(STAMP)

$(VPY):
	$(PYTHON) -m venv $(VENV)

# Re-install only when pyproject.toml changes.
$(STAMP): pyproject.toml | $(VPY)
	$(VPY) -m pip install -e '.[book,test,compare]'
	touch $@

clean:
	rm -rf _build book/gallery book/gen_modules book/sg_execution_times.rst .jupyter_cache
