# nnbook: build the executable textbook and run its tests.
#   make html   bootstrap .venv if needed, then a strict Sphinx build into _build/html
#   make test   bootstrap .venv if needed, then ruff (lint, format) and pytest (unit tests, docstrings,
#               chapters, pipeline)
#   make lint   ruff check and ruff format --check only
#   make bench  the training-step benchmark: nnbook against hand-written NumPy and Keras (ratios)
#   make clean  remove every generated tree (the .venv stays)

PYTHON  ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
SPHINXOPTS ?= -W --keep-going -n
# Reproducible output: a fixed date in HTML, figures, gallery zips (conf.py sets the same default).
export SOURCE_DATE_EPOCH ?= 1700000000

LINT_PATHS := nnbook tests book/examples conf.py benchmarks

.PHONY: html test lint bench clean venv

html: $(STAMP)
	$(VPY) -m sphinx $(SPHINXOPTS) -c . -d _build/doctrees book _build/html

test: lint
	$(VPY) -m pytest

lint: $(STAMP)
	$(VPY) -m ruff check $(LINT_PATHS)
	$(VPY) -m ruff format --check $(LINT_PATHS)

bench: $(STAMP)
	$(VPY) benchmarks/train_step.py

venv: $(STAMP)

$(VPY):
	$(PYTHON) -m venv $(VENV)

# Re-install only when pyproject.toml changes.
$(STAMP): pyproject.toml | $(VPY)
	$(VPY) -m pip install -e '.[book,test,compare]'
	touch $@

clean:
	rm -rf _build book/gallery book/gen_modules book/sg_execution_times.rst .jupyter_cache
