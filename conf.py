"""Sphinx configuration of the nnbook textbook.

Build from the repository root (``make html`` does exactly this)::

    python -m sphinx -W --keep-going -n -c . -d _build/doctrees book _build/html

Paths: with ``-c .`` the *configuration* directory is the repository root, so
``html_static_path`` and ``templates_path`` are relative to it (``book/_static``),
while ``exclude_patterns`` and sphinx-gallery's directories are relative to the
*source* directory ``book/``.

Stale outputs are made impossible by keying every executed result on the source
of the ``nnbook`` package (see ``NNBOOK_SOURCE_HASH`` below and the README).
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from pathlib import Path

from sphinx.errors import ConfigError

ROOT = Path(__file__).resolve().parent
SOURCE_DIR = ROOT / "book"
GALLERY_DIR = SOURCE_DIR / "gallery"

# -- Reproducible output ------------------------------------------------------
# A fixed date for everything that would embed "now": Sphinx, matplotlib's
# metadata, and the kernels myst-nb starts (they inherit this environment).
os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
# TensorFlow (Part E): quiet, and without oneDNN's reordered sums (nnbook.compare holds the
# settings). The kernels myst-nb starts inherit them.
from nnbook.compare import set_tensorflow_environment  # noqa: E402

set_tensorflow_environment()


# -- Cache key: a hash of the nnbook package --------------------------------
def nnbook_source_hash(package_dir: Path = ROOT / "nnbook") -> str:
    """Return a SHA-256 over the paths and contents of ``nnbook/**/*.py``.

    Paths are taken relative to this file's directory, so the hash is the same
    in every clone and every temporary copy of the repository.
    """
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


NNBOOK_SOURCE_HASH = nnbook_source_hash()

# A config value (registered in setup() below): when it changes, Sphinx reports
# "config changed" and re-reads every document, so every notebook is executed
# again (into a new cache directory) and every gallery page is rewritten.
nnbook_source_hash_value = NNBOOK_SOURCE_HASH


def _invalidate_gallery_cache(source_hash: str = NNBOOK_SOURCE_HASH) -> None:
    """Delete sphinx-gallery's per-example ``.md5`` files when nnbook changed.

    sphinx-gallery re-runs an example only when the example's own source changes;
    it does not know the example imports nnbook. The hash of the package it last
    ran against is kept in ``book/gallery/.nnbook-source-hash``.
    """
    marker = GALLERY_DIR / ".nnbook-source-hash"
    if marker.is_file() and marker.read_text().strip() == source_hash:
        return
    for md5_file in GALLERY_DIR.rglob("*.py.md5"):
        md5_file.unlink()
    GALLERY_DIR.mkdir(parents=True, exist_ok=True)
    marker.write_text(source_hash + "\n")


# -- Project information ------------------------------------------------------
project = "nnbook"
author = "the nnbook authors"
copyright = "the nnbook authors"  # no year: keeps rebuilds byte-identical
release = "0.1.0"
version = "0.1"

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
]

root_doc = "index"
exclude_patterns = [
    "_build",
    "_static",  # vendored assets, not documents
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
nitpick_ignore_regex = [
    (r"py:(class|obj|func|meth|attr|exc|mod|data)", r"(numpy|np|matplotlib|scipy|sklearn)(\..*)?"),
]
suppress_warnings: list[str] = []

# -- MyST and myst-nb -----------------------------------------------------------
myst_enable_extensions = [
    "amsmath",
    "colon_fence",
    "deflist",
    "dollarmath",
]
myst_heading_anchors = 3

nb_execution_mode = "cache"
nb_execution_cache_path = str(ROOT / ".jupyter_cache" / NNBOOK_SOURCE_HASH[:16])
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

copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True

# No intersphinx: it needs the network, and under -W an unreachable inventory is an error.


# -- Extension hooks ----------------------------------------------------------------
def _check_source_dir(app) -> None:
    if Path(app.srcdir).resolve() != SOURCE_DIR:
        raise ConfigError(
            f"this conf.py builds {SOURCE_DIR} only, but the source dir is {app.srcdir}; "
            "run `make html` (sphinx -c . book _build/html)"
        )


def _normalize_gallery_zips(app) -> None:
    """Make the gallery's download zips byte-identical between builds and clones.

    sphinx-gallery stores each file's mtime in its zips. Runs after sphinx-gallery's own
    ``builder-inited`` handler (priority 500): gives the zipped files (``gallery/*.py`` and
    ``*.ipynb``, rewritten by sphinx-gallery only when their content changes) and the zip
    members the SOURCE_DATE_EPOCH time. From then on sphinx-gallery produces the same zip
    again and keeps the existing file, so a no-change rebuild re-reads nothing.
    """
    import time

    epoch = int(os.environ["SOURCE_DATE_EPOCH"])
    for path in [*GALLERY_DIR.glob("*.py"), *GALLERY_DIR.glob("*.ipynb")]:
        if int(path.stat().st_mtime) != epoch:
            os.utime(path, (epoch, epoch))
    stamp = time.gmtime(epoch)[:6]
    for zip_path in GALLERY_DIR.glob("*.zip"):
        with zipfile.ZipFile(zip_path) as zf:
            infos = zf.infolist()
            if all(info.date_time == stamp for info in infos):
                continue
            members = [(info, zf.read(info)) for info in infos]
        tmp_path = zip_path.with_name(zip_path.name + ".tmp")
        with zipfile.ZipFile(tmp_path, "w") as zf:
            for info, data in members:
                new = zipfile.ZipInfo(info.filename, date_time=stamp)
                new.compress_type = info.compress_type
                new.external_attr = info.external_attr
                new.create_system = info.create_system
                zf.writestr(new, data)
        tmp_path.replace(zip_path)


def _forget_environment_after_warnings(app, exception) -> None:
    """After a failed or warning build, make the next build re-read every document.

    Sphinx only re-reads changed documents, so a warning from an unchanged page is not
    repeated: without this, a strict build that failed "passes" when simply run again.
    Re-reading is cheap; executed results come from the jupyter cache.
    """
    if exception is not None or getattr(app, "_warncount", 0):
        (Path(app.doctreedir) / "environment.pickle").unlink(missing_ok=True)


# Kernels that myst-nb starts read their IPython configuration from here, not from the
# user's ~/.ipython (whose startup files could change results). The inline matplotlib
# backend is loaded at kernel start: the build exports MPLBACKEND=Agg, which the kernels
# inherit, and without the inline backend a figure is displayed as the text
# "<Figure size ...>", silently.
IPYTHON_DIR = ROOT / "_build" / "ipython"
IPYTHON_KERNEL_CONFIG = """\
# Written by conf.py for the kernels that execute the book; do not edit.
c.IPKernelApp.matplotlib = "inline"
c.HistoryManager.enabled = False
"""


def _configure_kernels() -> None:
    config = IPYTHON_DIR / "profile_default" / "ipython_kernel_config.py"
    if not config.is_file() or config.read_text() != IPYTHON_KERNEL_CONFIG:
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(IPYTHON_KERNEL_CONFIG)
    os.environ["IPYTHONDIR"] = str(IPYTHON_DIR)


_FIGURE_AS_TEXT = re.compile(
    r"<(matplotlib\.figure\.)?Figure size \d+(\.\d+)?x\d+(\.\d+)? with \d+ Axes>"
)


def _check_no_figure_as_text(app, doctree, docname) -> None:
    """Warn (an error under -W) where a figure reached the page as its text repr."""
    from docutils import nodes
    from sphinx.util import logging

    logger = logging.getLogger("nnbook")
    for node in doctree.findall(nodes.literal_block):
        match = _FIGURE_AS_TEXT.search(node.astext())
        if match:
            logger.warning(
                "a figure was rendered as text (%r), not as an image", match.group(0),
                location=node, type="nnbook", subtype="figure",
            )


def _on_builder_inited(app) -> None:
    _check_source_dir(app)
    _invalidate_gallery_cache()  # before sphinx-gallery runs the examples (priority 500)


def setup(app):
    app.add_config_value("nnbook_source_hash_value", "", "env", types=frozenset({str}))
    app.connect("builder-inited", _on_builder_inited, priority=100)
    app.connect("builder-inited", _normalize_gallery_zips, priority=900)
    app.connect("doctree-resolved", _check_no_figure_as_text)
    app.connect("build-finished", _forget_environment_after_warnings)
    _configure_kernels()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
