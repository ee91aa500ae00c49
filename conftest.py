"""Root pytest configuration: the chapters of the book are tests too.

Sybil collects ``book/**/*.md`` and runs, in document order with one namespace per file:

- ``{doctest}`` directives and ```` ```python ```` fences that start with ``>>>`` (doctests),
- ```` ```python ```` fences and ```` ```{code-cell} python ```` cells (plain code, must not raise),
- the same for cells written as ``{code-cell} python3`` or ``{code-cell} ipython3``,
- ``% skip: next`` / ``% skip: start`` ... ``% skip: end`` comments skip examples.

This conftest must sit at the root (or in ``book/``): pytest asks a conftest only about files
below its own directory. Run one chapter with ``.venv/bin/python -m pytest book/intro.md``.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")
# One BLAS and TensorFlow thread per process, as in the build (conf.py): pytest-xdist runs one
# worker per core.
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                 "TF_NUM_INTEROP_THREADS"):  # fmt: skip
    os.environ.setdefault(_threads, "1")

from nnbook.compare import set_tensorflow_environment  # noqa: E402

set_tensorflow_environment()  # as in conf.py: quiet, reproducible TensorFlow


def _reject_numpy_scalars_in_glue() -> None:
    """Make ``myst_nb.glue`` refuse NumPy scalars, as the strict build does.

    Under NumPy 2 a glued ``np.float64`` is stored as the text ``np.float64(0.98)``, and a
    formatted ``{glue:text}`` then fails the build with a warning; the chapters glue Python
    numbers (``float(x)``). Checking here makes ``make test`` catch it too, with the line.
    """
    import myst_nb
    import numpy as np

    glue = myst_nb.glue

    def checked_glue(name, variable, display=True):
        if isinstance(variable, np.generic):
            raise TypeError(f"glue({name!r}, ...) got a NumPy scalar {variable!r}: glue float(x) or int(x)")
        return glue(name, variable, display=display)

    myst_nb.glue = checked_glue


_reject_numpy_scalars_in_glue()

from sybil import Sybil  # noqa: E402
from sybil.evaluators.python import PythonEvaluator  # noqa: E402
from sybil.parsers.myst import CodeBlockParser, DocTestDirectiveParser, PythonCodeBlockParser, SkipParser  # noqa: E402

# Generated trees: never collect them (sphinx-gallery writes .py and .ipynb copies there).
collect_ignore_glob = [
    "_build/*",
    "book/gallery/*",
    "book/examples/*",  # scripts, run by tests/test_build.py (not imported for doctests)
    "book/gen_modules/*",
    "book/_static/*",
    ".venv/*",
    ".jupyter_cache/*",
    "conf.py",
]


class NotebookCellParser(PythonCodeBlockParser):
    """Like ``PythonCodeBlockParser``, for another language name (``ipython3``, ``python3``)."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.codeblock_parser = CodeBlockParser(language, PythonEvaluator(()))


def _close_figures(namespace: dict) -> None:
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


pytest_collect_file = Sybil(
    parsers=[
        DocTestDirectiveParser(),
        PythonCodeBlockParser(),
        NotebookCellParser("python3"),
        NotebookCellParser("ipython3"),
        SkipParser(),
    ],
    # Path.match semantics (Python 3.11: "**" is one segment): list the depths explicitly.
    patterns=["book/*.md", "book/*/*.md", "book/*/*/*.md"],
    excludes=["book/gallery/*", "book/gen_modules/*", "book/_static/*", "book/_static/*/*"],
    teardown=_close_figures,
).pytest()
