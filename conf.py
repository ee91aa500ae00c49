"""Sphinx configuration of the nnbook textbook.

Build from the repository root (``make html`` does exactly this)::

    python -m sphinx -W --keep-going -n -c . -d _build/doctrees book _build/html

Paths: with ``-c .`` the *configuration* directory is the repository root, so
``html_static_path`` and ``templates_path`` are relative to it (``book/_static``),
while ``exclude_patterns`` and sphinx-gallery's directories are relative to the
*source* directory ``book/``.

Stale outputs are made impossible by keying every executed result on everything it
depends on: the source of the ``nnbook`` package, the installed versions of the libraries
that compute results (``EXECUTION_KEY`` below), and the repository files a page runs or
imports (``book/_ext/nnbook_build.py``; CONTRIBUTING.md explains it).
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))

from nnbook_build import execution_key  # noqa: E402  (book/_ext: the build's code)

# -- Reproducible output ------------------------------------------------------
# A fixed date for everything that would embed "now": Sphinx, matplotlib's
# metadata, and the kernels myst-nb starts (they inherit this environment).
os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
# One thread per process for BLAS and TensorFlow: `-j auto` already runs one process per core,
# and the book's matrices are small, where two threads per process only fight over the cores
# (a training chapter ran three times slower that way, the Keras comparison 1.3 times).
# Kernels and gallery workers inherit it.
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                 "TF_NUM_INTEROP_THREADS"):  # fmt: skip
    os.environ.setdefault(_threads, "1")
# TensorFlow (Part E): quiet, and without oneDNN's reordered sums (nnbook.compare holds the
# settings). The kernels myst-nb starts inherit them.
from nnbook.compare import set_tensorflow_environment  # noqa: E402

set_tensorflow_environment()

# -- Cache key: the nnbook package and the versions of the libraries --------
# A hash of nnbook/**/*.py and of the installed versions of NumPy, SciPy, scikit-learn,
# matplotlib, TensorFlow, Keras, myst-nb, ... (nnbook_build.RESULT_LIBRARIES). When it
# changes, Sphinx reports "config changed" and re-reads every document, every notebook
# executes again (into a new cache directory, below) and nnbook_build makes sphinx-gallery
# run every example again. The repository files a single page runs (a gallery script, a
# benchmark module) are keyed per page by nnbook_build: only that page executes again.
EXECUTION_KEY = execution_key(ROOT)
nnbook_execution_key = EXECUTION_KEY
nnbook_source_dir = "book"  # nnbook_build refuses to build any other source dir


# -- Project information ------------------------------------------------------
project = "nnbook"
author = "the nnbook authors"
copyright = "the nnbook authors"  # no year: keeps rebuilds byte-identical
release = importlib.metadata.version("nnbook")  # one source: pyproject.toml
version = ".".join(release.split(".")[:2])

# -- General configuration ----------------------------------------------------
extensions = [
    "myst_nb",  # loads myst_parser itself; do not list both
    "sphinx_gallery.gen_gallery",
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.doctest",  # renders ```{doctest} blocks (run by Sybil and `-b doctest`)
    "sphinx_copybutton",
    "sphinx_design",
    "sphinx_exercise",
    "sphinx_togglebutton",
    "nnbook_build",  # book/_ext/nnbook_build.py: cache key, gallery and notebook glue, checks
]

root_doc = "index"
exclude_patterns = [
    "_build",
    "_static",  # vendored assets, not documents
    "_ext",  # the build's Sphinx extension (code, not pages)
    "_templates",
    "examples",  # sphinx-gallery sources; their pages are generated into gallery/
    "gallery/*.ipynb",  # sphinx-gallery's notebooks: myst-nb would read and run them again
    "gallery/*.py",
    "**.ipynb_checkpoints",
    "gen_modules",
    "sg_execution_times.rst",
    "Thumbs.db",
    ".DS_Store",
]
templates_path: list[str] = []
nitpicky = True
# No intersphinx (it needs the network): names from other packages cannot resolve.
nitpick_ignore_regex = [(r"py:(class|obj|func|meth|attr|exc|mod|data)", r"(numpy|np|matplotlib|scipy|sklearn)(\..*)?")]
suppress_warnings: list[str] = []

# -- MyST and myst-nb -----------------------------------------------------------
myst_enable_extensions = ["amsmath", "colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

nb_execution_mode = "cache"
nb_execution_cache_path = str(ROOT / ".jupyter_cache" / EXECUTION_KEY[:16])
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_in_temp = False  # cells run with the chapter's folder as working directory
nb_merge_streams = True

# -- sphinx-gallery -------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",  # relative to book/
    "gallery_dirs": "gallery",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": True,
    "doc_module": ("nnbook",),
    "backreferences_dir": "gen_modules/backreferences",
    "write_computation_times": False,  # those pages load jQuery/DataTables from CDNs
    "show_memory": False,
    "show_signature": False,
    "remove_config_comments": True,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "min_reported_time": 10**6,  # never print run times: they differ between builds
    "parallel": True,  # with `sphinx-build -j N`, run the examples in N processes (joblib)
    "within_subsection_order": "nnbook_build.GalleryOrder",  # the TensorFlow example first
}

# -- autodoc and numpydoc ----------------------------------------------------------
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # types are written in the numpydoc sections
autodoc_inherit_docstrings = True
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False  # no intersphinx: numpy/matplotlib types stay plain text
numpydoc_validation_checks: set[str] = set()

# -- Math: MathJax 3 vendored under book/_static/mathjax (no CDN) -----------------
mathjax_path = "mathjax/es5/tex-chtml.js"  # relative to _static/ of the built book

# -- HTML output ------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "nnbook: neural networks from the mathematics to Keras"
html_static_path = ["book/_static"]  # relative to this (configuration) directory
html_css_files = ["nnbook-print.css"]  # print: code wraps, nothing is clipped (make pdf)
html_last_updated_fmt = None
html_show_sourcelink = True
html_copy_source = True
html_theme_options = {
    "use_download_button": True,
    "use_fullscreen_button": True,
    "use_repository_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
}
# Without it, a first visit (nothing in localStorage) logs a console error ("invalid theme
# mode") and falls back to "auto".
html_context = {"default_mode": "auto"}

copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True

# No intersphinx: it needs the network, and under -W an unreachable inventory is an error.
