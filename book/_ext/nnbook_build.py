"""The nnbook build's Sphinx glue: the code ``conf.py`` needs, so that ``conf.py`` keeps settings.

``conf.py`` puts ``book/_ext`` on ``sys.path`` and lists ``nnbook_build`` in ``extensions``
(``_ext`` is in ``exclude_patterns``: it is code, not a page). Each hook guards against a
silent failure:

- **Cache key**: a page's executed results are keyed on everything the page executes.
  :func:`execution_key` hashes the source of the ``nnbook`` package and the installed versions
  of the libraries that compute results (:data:`RESULT_LIBRARIES`, Python's too); ``conf.py``
  names the jupyter-cache directory after it and sets the config value
  ``nnbook_execution_key`` (registered here with rebuild ``"env"``): a changed package or an
  upgraded library makes Sphinx re-read every page and myst-nb execute into a new cache
  directory. The repository files a page runs or imports (a gallery script, a benchmark
  module: :func:`page_inputs`) are keyed per page: their hash goes into the notebook's
  ``kernelspec`` metadata, which jupyter-cache hashes with the code (a new cache entry), and
  ``env-get-outdated`` makes Sphinx re-read exactly the pages whose inputs changed.
- **Gallery invalidation**: sphinx-gallery re-runs an example only when the example's own source
  changed; when the execution key changed, its ``.md5`` files are deleted, so every example
  runs again. (sphinx-gallery's ``run_stale_examples = True`` is no substitute: it re-runs
  every example on every build, changed or not.)
- **Zip normaliser**: the gallery's download zips get the ``SOURCE_DATE_EPOCH`` timestamp.
- **Static files written late**: myst-nb and sphinx-exercise copy their stylesheets into
  ``_static`` only when the build has finished. Sphinx appends a checksum (``?v=...``) to an
  asset link only if the file is already in the output directory when the page is written, so
  a clean build linked them without a checksum and an incremental build with one. They are
  copied here before any page is written: every build links them the same way.
- **Printed output merged exactly**: myst-nb's stream merging turned the timing-dependent
  chunk boundaries of printed text into extra line breaks; chunks are concatenated first.
- **Kernel profile**: the kernels myst-nb starts read their IPython configuration from
  ``_build/ipython`` (matplotlib's inline backend, so that figures are images, not the text
  ``<Figure size ...>``), not from the user's ``~/.ipython``.
- **Figure-as-text check**: a figure that reached a page as its text repr is a build error.
- **Warnings are not forgotten**: after a build with warnings the next build re-reads every
  page, or a strict build that failed would "pass" when run again.
- **Notebook downloads**: each chapter page offers its executed notebook (``.ipynb``) in the
  theme's download menu, next to its MyST source.
- **Build report**: the directive ``nnbook-gallery-times`` renders the run time of every gallery
  example (from sphinx-gallery's ``*.cost.json``); ``book/build-report.md`` uses it next to
  myst-nb's ``nb-exec-table``.
- **singlehtml** (``make pdf``): the single-page builder gets the node handlers registered
  for ``html``.
- **Execution cache created up front**: the jupyter-cache database is created before any
  process opens it.
- **Notebooks executed before reading** (``sphinx-build -j N``): every page's notebook runs as
  a job of an N-process pool, the longest first, into the jupyter-cache; the pages are then
  read from the cache. Sphinx's own parallel reading hands each process a fixed chunk of
  consecutive pages, and one chunk of long notebooks left a core idle for a minute. A failing
  cell is reported with its traceback and stops the build.
- **Source-dir guard**: ``conf.py`` builds ``book/`` only.
- **A book without solutions** (``make html-exercises``, ``-D hide_solutions=1``): sphinx-exercise's
  ``hide_solutions`` drops only the ``{solution}``/``{solution-start}`` node, and the text and code
  cells between ``{solution-start}`` and ``{solution-end}`` would stay on the page. A marker left
  by ``{solution-start}`` and a transform remove everything up to ``{solution-end}``; that build
  also offers no page sources or notebooks for download (they hold the solutions).

The pages and figures that report times measured during the build are listed in
``tests/reproducibility_exceptions.txt`` (read by ``tests/compare_builds.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.errors import ConfigError, SphinxError
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger("nnbook")


# -- cache key -------------------------------------------------------------------------------
#: The installed libraries whose version can change what a page computes or shows. Their
#: versions (and Python's) are part of every page's key: an upgrade re-executes the book.
RESULT_LIBRARIES = (
    "numpy", "scipy", "scikit-learn", "matplotlib", "pillow", "tensorflow", "tensorflow-cpu",
    "keras", "ml-dtypes", "threadpoolctl", "tqdm", "myst-nb", "jupyter-cache", "nbclient",
    "ipykernel", "sphinx-gallery",
)  # fmt: skip

#: Repository files outside the package that a chapter might run or import (relative to the
#: root). A chapter's code cells that name one of them (``"plot_x.py"``, ``import train_step``)
#: make it part of that chapter's key.
REPO_INPUT_GLOBS = ("book/examples/*.py", "benchmarks/*.py")


def nnbook_source_hash(package_dir: Path, root: Path) -> str:
    """Return a SHA-256 over the paths and contents of ``package_dir/**/*.py``.

    Paths are taken relative to ``root`` (the directory of ``conf.py``), so the hash is the
    same in every clone and every temporary copy of the repository.
    """
    return _files_hash([path for path in sorted(package_dir.rglob("*.py")) if "__pycache__" not in path.parts], root)


def _files_hash(paths: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def library_versions(names=RESULT_LIBRARIES) -> dict[str, str]:
    """``{distribution: version}`` of the installed libraries (``"-"``: not installed), and Python's.

    Read with :mod:`importlib.metadata`, which finds the first distribution of that name on
    ``sys.path``, exactly as the kernels' imports do.
    """
    import importlib.metadata
    import platform

    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "-"
    return versions


def execution_key(root: Path, package: str = "nnbook") -> str:
    """The part of every page's key that all pages share: the package and the library versions.

    A SHA-256 over the package's source (:func:`nnbook_source_hash`) and
    :func:`library_versions`. ``conf.py`` names the jupyter-cache directory after it and sets
    it as the config value ``nnbook_execution_key``: when it changes, Sphinx re-reads every
    page, every notebook executes again and every gallery example runs again.
    """
    digest = hashlib.sha256(nnbook_source_hash(root / package, root).encode())
    digest.update(json.dumps(library_versions(), sort_keys=True).encode())
    return digest.hexdigest()


def page_inputs(code: str, root: Path) -> list[Path]:
    """The repository files (:data:`REPO_INPUT_GLOBS`) that the code of a page runs or imports.

    A file counts when the code names it (``plot_pathology_classifier.py``, as a string or a
    path) or imports it as a module (``import train_step``, ``from train_step import ...``).
    """
    found = []
    for path in sorted({p for pattern in REPO_INPUT_GLOBS for p in root.glob(pattern)}):
        name, stem = re.escape(path.name), re.escape(path.stem)
        named = re.search(rf"(?<![\w.]){name}\b", code)
        imported = re.search(rf"^[ \t]*(from[ \t]+{stem}\b|import[ \t]+([\w.]+[ \t]*,[ \t]*)*{stem}\b)", code, re.M)
        if named or imported:
            found.append(path)
    return found


def page_input_key(code: str, root: Path) -> str:
    """A SHA-256 over the paths and contents of :func:`page_inputs` (``""`` when there are none)."""
    paths = page_inputs(code, root)
    return _files_hash(paths, root) if paths else ""


def _page_code(path: Path) -> str:
    return "\n".join(_CODE_CELL.findall(path.read_text(encoding="utf8")))


#: The key of the page's own inputs is stored in the notebook's ``kernelspec`` metadata, which
#: jupyter-cache hashes with the code cells: a changed input means a new cache entry.
KERNELSPEC_KEY = "nnbook_inputs"
_ROOT: Path | None = None  # the repository (conf.py's directory), set in setup()


def add_page_input_key(notebook, root: Path | None = None) -> None:
    """Put the key of the notebook's repository inputs into its ``kernelspec`` (in place).

    Nothing changes for a notebook that runs no repository file but the package.
    """
    root = root or _ROOT
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    key = page_input_key(code, root) if root is not None else ""
    kernelspec = notebook.metadata.get("kernelspec")
    if kernelspec is None:
        return
    if key:
        kernelspec[KERNELSPEC_KEY] = key
    else:
        kernelspec.pop(KERNELSPEC_KEY, None)


def key_notebooks_on_their_inputs() -> None:
    """Make myst-nb key every page's execution on its repository inputs too (see above)."""
    import myst_nb.sphinx_ as sphinx_

    if getattr(sphinx_.create_client, "nnbook_keyed", False):
        return
    original = sphinx_.create_client

    def create_client(notebook, *args, **kwargs):
        add_page_input_key(notebook)
        return original(notebook, *args, **kwargs)

    create_client.nnbook_keyed = True
    sphinx_.create_client = create_client


def pages_with_changed_inputs(app, env, added, changed, removed) -> list[str]:
    """``env-get-outdated``: the pages whose repository inputs changed, to be read (and so
    executed) again. Sphinx itself re-reads a page only when its own source changed."""
    root = Path(app.confdir)
    old = getattr(env, "nnbook_page_input_keys", {})
    new = {}
    for docname in env.found_docs:
        path = Path(env.doc2path(docname))
        if path.suffix == ".md":
            new[docname] = page_input_key(_page_code(path), root)
    env.nnbook_page_input_keys = new
    outdated = sorted(doc for doc, key in new.items() if doc in old and old[doc] != key)
    if outdated:
        logger.info("nnbook: the repository files these pages run changed: %s", ", ".join(outdated))
    return outdated


def _gallery_dir(app) -> Path:
    return Path(app.srcdir) / app.config.sphinx_gallery_conf["gallery_dirs"]


def invalidate_gallery_cache(gallery_dir: Path, key: str) -> None:
    """Delete sphinx-gallery's per-example ``.md5`` files when the package or a library changed.

    The :func:`execution_key` the examples last ran with is kept in
    ``<gallery>/.nnbook-execution-key``. (sphinx-gallery itself re-runs an example when the
    example's own source changed.)
    """
    marker = gallery_dir / ".nnbook-execution-key"
    if marker.is_file() and marker.read_text().strip() == key:
        return
    for md5_file in gallery_dir.rglob("*.py.md5"):
        md5_file.unlink()
    gallery_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(key + "\n")


# -- reproducible gallery zips -----------------------------------------------------------------
def normalize_gallery_zips(app) -> None:
    """Make the gallery's download zips byte-identical between builds and clones.

    sphinx-gallery stores each file's mtime in its zips. Runs after sphinx-gallery's own
    ``builder-inited`` handler (priority 500): gives the zipped files (``gallery/*.py`` and
    ``*.ipynb``, rewritten by sphinx-gallery only when their content changes) and the zip
    members the SOURCE_DATE_EPOCH time. From then on sphinx-gallery produces the same zip
    again and keeps the existing file, so a no-change rebuild re-reads nothing.
    """
    gallery_dir = _gallery_dir(app)
    epoch = int(os.environ["SOURCE_DATE_EPOCH"])
    for path in [*gallery_dir.glob("*.py"), *gallery_dir.glob("*.ipynb")]:
        if int(path.stat().st_mtime) != epoch:
            os.utime(path, (epoch, epoch))
    stamp = time.gmtime(epoch)[:6]
    for zip_path in gallery_dir.glob("*.zip"):
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


# -- static files that extensions copy only at the end ----------------------------------------
def _late_static_files() -> list[tuple[Path, str]]:
    """``(source, name in _static)`` of the stylesheets copied at ``build-finished``."""
    import myst_nb.sphinx_ext
    import sphinx_exercise

    files = []
    with myst_nb.sphinx_ext._import_resources_path(myst_nb.static, "mystnb.css") as css:
        digest = hashlib.sha256(css.read_bytes()).hexdigest()
        files.append((Path(css), f"mystnb.{digest}.css"))
    exercise = Path(sphinx_exercise.__file__).parent / "assets" / "html" / "exercise.css"
    files.append((exercise, "exercise.css"))
    return files


def copy_late_static_files(app) -> None:
    """Copy them into ``_static`` before any page is written (see the module docstring)."""
    if app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    for source, name in _late_static_files():
        if not source.is_file():
            raise ConfigError(f"nnbook_build: {source} is missing (was the extension updated?)")
        target = static / name
        if not target.is_file() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)


# -- printed output, independent of when the kernel flushed it ------------------------------------
def concatenate_streams(outputs: list) -> list:
    """Merge each stream (stdout, stderr) of a cell's outputs into one output, text unchanged.

    A kernel sends printed text in chunks cut wherever its buffer was flushed, which depends on
    timing: ``print("a")`` may arrive as ``"a"`` and ``"\\n..."``. The merged text is the same
    wherever the cuts fell. stdout is put before stderr when both follow each other (their
    relative order is not defined either). The outputs given are not modified.
    """
    import copy

    merged: list = []
    first: dict[str, Any] = {}
    for output in outputs:
        if output.get("output_type") == "stream":
            name = output["name"]
            if name in first:
                first[name]["text"] += output["text"]
                continue
            output = copy.copy(output)
            first[name] = output
        merged.append(output)
    for i in range(len(merged) - 1):
        this, following = merged[i], merged[i + 1]
        if (this.get("output_type") == following.get("output_type") == "stream"
                and this["name"] == "stderr" and following["name"] == "stdout"):  # fmt: skip
            merged[i], merged[i + 1] = following, this
    return merged


def merge_streams_exactly() -> None:
    """Make myst-nb's ``nb_merge_streams`` independent of where the chunks were cut.

    myst-nb 1.4's ``coalesce_streams`` strips each chunk and appends a newline, so a chunk
    boundary inside a line becomes a line break and one before a newline a blank line: two
    builds printed the same table with and without a blank line. Concatenating the chunks
    first leaves it one chunk per stream, which it handles exactly.
    """
    import myst_nb.core.render as render

    if getattr(render.coalesce_streams, "nnbook_exact", False):
        return
    original = render.coalesce_streams

    def coalesce_streams(outputs):
        return original(concatenate_streams(outputs))

    coalesce_streams.nnbook_exact = True
    render.coalesce_streams = coalesce_streams


# -- singlehtml (make pdf) ---------------------------------------------------------------------
def inherit_html_node_handlers(app) -> None:
    """Give the ``singlehtml`` builder every node handler registered for ``html``.

    Sphinx looks up node handlers by builder name and falls back to the format only when no
    extension registered any handler under that name. sphinx-exercise registers its nodes for
    ``singlehtml``, which hides every other extension's ``html`` handlers (myst-nb's hidden
    cells fail with "unknown node type"). Handlers registered for the name itself win.
    """
    handlers = app.registry.translation_handlers
    if app.builder.name != app.builder.format and app.builder.name in handlers:
        for node_name, pair in handlers.get(app.builder.format, {}).items():
            handlers[app.builder.name].setdefault(node_name, pair)


# -- the kernels' IPython profile --------------------------------------------------------------
# The inline matplotlib backend is loaded at kernel start: the build exports MPLBACKEND=Agg,
# which the kernels inherit, and without the inline backend a figure is displayed as the text
# "<Figure size ...>", silently.
# The kernels listen on the loopback interface only and are started and stopped by the build;
# ipykernel 7 warns on every start that TCP is unencrypted. That one message is dropped; every
# other message of the kernel's log still reaches the build log.
IPYTHON_KERNEL_CONFIG = """\
# Written by book/_ext/nnbook_build.py for the kernels that execute the book; do not edit.
import logging as _logging

c.IPKernelApp.matplotlib = "inline"
c.HistoryManager.enabled = False


class _DropLoopbackTcpWarning(_logging.Filter):
    def filter(self, record):
        return not record.getMessage().startswith("Kernel is running over TCP without encryption")


_logging.getLogger("IPKernelApp").addFilter(_DropLoopbackTcpWarning())
"""


def configure_kernels(ipython_dir: Path) -> None:
    config = ipython_dir / "profile_default" / "ipython_kernel_config.py"
    if not config.is_file() or config.read_text() != IPYTHON_KERNEL_CONFIG:
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(IPYTHON_KERNEL_CONFIG)
    os.environ["IPYTHONDIR"] = str(ipython_dir)


# -- figure shown as text ----------------------------------------------------------------------
_FIGURE_AS_TEXT = re.compile(r"<(matplotlib\.figure\.)?Figure size \d+(\.\d+)?x\d+(\.\d+)? with \d+ Axes>")


def check_no_figure_as_text(app, doctree, docname) -> None:
    """Warn (an error under -W) where a figure reached the page as its text repr."""
    for node in doctree.findall(nodes.literal_block):
        match = _FIGURE_AS_TEXT.search(node.astext())
        if match:
            logger.warning(
                "a figure was rendered as text (%r), not as an image", match.group(0),
                location=node, type="nnbook", subtype="figure",
            )  # fmt: skip


# -- guards ----------------------------------------------------------------------------------
def check_source_dir(app) -> None:
    expected = (Path(app.confdir) / app.config.nnbook_source_dir).resolve()
    if Path(app.srcdir).resolve() != expected:
        raise ConfigError(
            f"this conf.py builds {expected} only, but the source dir is {app.srcdir}; "
            "run `make html` (sphinx -c . book _build/html)"
        )


def forget_environment_after_warnings(app, exception) -> None:
    """After a failed or warning build, make the next build re-read every document.

    Sphinx only re-reads changed documents, so a warning from an unchanged page is not
    repeated: without this, a strict build that failed "passes" when simply run again.
    Re-reading is cheap; executed results come from the jupyter cache.
    """
    if exception is not None or getattr(app, "_warncount", 0):
        (Path(app.doctreedir) / "environment.pickle").unlink(missing_ok=True)


# -- executed notebooks for download -----------------------------------------------------------
NOTEBOOK_NOTE = """\
*This notebook is the page "{title}" of the nnbook textbook, executed when the book was built
(outputs included). Its code cells run top to bottom in a fresh kernel, in any folder, with
`pip install "nnbook[notebooks]"` (the package, and myst-nb for `glue`; add the `compare` extra
for the pages that use TensorFlow/Keras; the book's build report offers the wheel and the exact
versions it was built with). Its text is the book's MyST Markdown: the numbers the text
quotes from the cells are filled in, but Jupyter shows other MyST roles (such as `{{eq}}` and
`{{doc}}`) and directives (such as `{{exercise}}`) as raw text; the HTML book renders them.*
"""

_GLUE_TEXT = re.compile(r"\{glue:text\}`([^`]+)`")
_GLUE_PLAIN = re.compile(r"\{glue(?::any)?\}`([^`:]+)`")


def fill_glued_text(notebook) -> None:
    """Replace ``{glue:text}`` and ``{glue}`` roles of markdown cells by the glued text.

    The values are the ``text/plain`` outputs the cells glued, formatted by myst-nb's own
    function, exactly as on the HTML page. Roles naming another page (``doc::key``) or an
    output without text (a figure) stay as they are.
    """
    from myst_nb.core.variables import format_plain_text

    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            scrapbook = output.get("metadata", {}).get("scrapbook", {})
            prefix = scrapbook.get("mime_prefix", "")  # glue(..., display=False) hides it
            data = {k.removeprefix(prefix): v for k, v in output.get("data", {}).items()}
            name = scrapbook.get("name")
            if name and "text/plain" in data and not any(k.startswith("image/") for k in data):
                values[name] = data["text/plain"]

    def text_role(match: re.Match) -> str:
        key, _, fmt = match.group(1).rpartition(":")
        if not key:  # no format spec
            key, fmt = match.group(1), "s"
        if key not in values:
            return match.group(0)
        try:
            return format_plain_text(values[key], fmt)
        except Exception:  # noqa: BLE001 -- leave the role as it is
            return match.group(0)

    def plain_role(match: re.Match) -> str:
        return values.get(match.group(1), match.group(0))

    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = _GLUE_PLAIN.sub(plain_role, _GLUE_TEXT.sub(text_role, cell.source))


def _is_executed_notebook(app, pagename: str) -> bool:
    try:
        from myst_nb.sphinx_ import NbMetadataCollector

        return bool(NbMetadataCollector.get_doc_data(app.env).get(pagename, {}).get("exec_data"))
    except Exception:  # noqa: BLE001 -- an unexpected myst-nb: no notebook, no error
        return False


def executed_notebook(app, pagename: str):
    """The notebook of a chapter as it was executed, all outputs included, or None.

    myst-nb writes each page's notebook to ``_build/jupyter_execute/``, but not as executed:
    a page whose outputs came from the jupyter cache is written without outputs (myst-nb 1.4
    merges the cached outputs into a copy), and an executed one without its glued values
    (moved out to ``*.glue.json``). The executed notebook is the cache's entry, matched on
    the same notebook as myst-nb matched it; without a cache, the written file.
    """
    import nbformat

    path = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not path.is_file():
        return None
    notebook = nbformat.read(path, as_version=4)
    if app.config.nb_execution_mode == "cache":
        from jupyter_cache import get_cache

        cache = get_cache(app.env.mystnb_config.execution_cache_path)
        try:
            return cache.merge_match_into_notebook(notebook)[1]
        except KeyError:
            return None
    return notebook


def normalized_notebook(notebook, title: str) -> str:
    """The executed notebook as readers download it: glued numbers filled in, stable cell ids,
    a note on top."""
    import nbformat

    notebook = nbformat.from_dict(notebook)
    fill_glued_text(notebook)
    note = nbformat.v4.new_markdown_cell(NOTEBOOK_NOTE.format(title=title))
    notebook.cells.insert(0, note)
    for index, cell in enumerate(notebook.cells):
        # myst-nb gives cells random ids; the build must be byte-identical.
        cell["id"] = f"cell-{index}"
        if cell.cell_type == "code":
            cell.outputs = concatenate_streams(cell.outputs)
        cell.metadata.pop("execution", None)  # timestamps, if a client recorded them
    for key in ("source_map", "file_format"):
        notebook.metadata.pop(key, None)
    notebook.metadata.get("kernelspec", {}).pop(KERNELSPEC_KEY, None)  # the build's, not the reader's
    nbformat.validate(notebook)
    return nbformat.writes(notebook)


def add_notebook_download(app, pagename, templatename, context, doctree) -> None:
    """Offer the executed notebook of a chapter in the theme's download menu.

    sphinx-book-theme adds an ``.ipynb`` entry when ``context["ipynb_source"]`` names a file
    under ``_sources`` (it does so itself only when a launch button is configured). Runs
    before the theme's header buttons (priority 501).
    """
    if app.builder.format != "html" or app.builder.name != "html" or doctree is None:
        return
    if app.config.hide_solutions:  # the notebook holds the solutions
        return
    if not _is_executed_notebook(app, pagename):
        return
    notebook = executed_notebook(app, pagename)
    if notebook is None:
        logger.warning("no executed notebook for %s", pagename, type="nnbook", subtype="notebook")
        return
    title = re.sub(r"<[^>]+>", "", context.get("title", pagename))
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(normalized_notebook(notebook, title), "utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"


# -- build report: gallery run times -------------------------------------------------------------
class GalleryTimesNode(nodes.General, nodes.Element):
    """Placeholder, replaced by the table of example run times when the page is written."""


class GalleryTimes(SphinxDirective):
    """``nnbook-gallery-times``: a table of the gallery examples' run times."""

    def run(self):
        self.env.metadata[self.env.docname]["nnbook_gallery_times"] = True
        return [GalleryTimesNode()]


def gallery_times(gallery_dir: Path) -> list[tuple[str, float]]:
    """``(example name, seconds)`` from sphinx-gallery's ``*.cost.json``, slowest first."""
    rows = []
    for cost in gallery_dir.glob("*.cost.json"):
        seconds = float(json.loads(cost.read_text())["time"])
        rows.append((cost.name.removesuffix(".cost.json"), seconds))
    return sorted(rows, key=lambda row: (-row[1], row[0]))


class GalleryTimesTransform(SphinxPostTransform):
    default_priority = 8  # before the references are resolved

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(GalleryTimesNode)):
            gallery = self.app.config.sphinx_gallery_conf["gallery_dirs"]
            rows = gallery_times(_gallery_dir(self.app))
            table = nodes.table(classes=["colwidths-auto"])
            group = nodes.tgroup(cols=2)
            table += group
            group += [nodes.colspec(colwidth=70), nodes.colspec(colwidth=30)]
            head = nodes.thead()
            group += head
            head += nodes.row("", *[
                nodes.entry("", nodes.paragraph(text=text)) for text in ("Example", "Run time (s)")
            ])  # fmt: skip
            body = nodes.tbody()
            group += body
            for name, seconds in rows:
                link = nodes.paragraph()
                ref = _doc_reference(self.env.docname, f"{gallery}/{name}", name)
                link += ref
                body += nodes.row("", nodes.entry("", link),
                                  nodes.entry("", nodes.paragraph(text=f"{seconds:.2f}")))  # fmt: skip
            total = sum(seconds for _, seconds in rows)
            caption = nodes.paragraph(text=f"{len(rows)} examples, {total:.1f} s in all.")
            node.replace_self([table, caption])


def _doc_reference(fromdoc: str, todoc: str, text: str):
    from sphinx.addnodes import pending_xref

    ref = pending_xref(
        refdoc=fromdoc, reftarget="/" + todoc, reftype="doc", refdomain="std",
        refexplicit=True, refwarn=True, classes=["xref", "doc"],
    )  # fmt: skip
    ref += nodes.inline(text=text)
    return ref


def rewrite_gallery_time_pages(app, env):
    """Write the pages of the build report in every build (the times may be new)."""
    return [doc for doc, meta in env.metadata.items() if meta.get("nnbook_gallery_times") or meta.get("nnbook_rewrite")]


# -- build report: the machine, the versions, what was executed in this build ----------------------
def _simple_table(header: tuple[str, ...], rows: list[tuple], widths: tuple[int, ...]):
    """A docutils table of paragraphs (a cell may be a node instead of text)."""
    table = nodes.table(classes=["colwidths-auto"])
    group = nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=width) for width in widths]
    head = nodes.thead()
    group += head
    head += nodes.row("", *[nodes.entry("", nodes.paragraph(text=text)) for text in header])
    body = nodes.tbody()
    group += body
    for row in rows:
        cells = []
        for cell in row:
            paragraph = nodes.paragraph()
            paragraph += cell if isinstance(cell, nodes.Node) else nodes.Text(str(cell))
            cells.append(nodes.entry("", paragraph))
        body += nodes.row("", *cells)
    return table


def machine_description() -> dict[str, str]:
    """The CPU model, the number of cores and the operating system of the building machine."""
    import platform

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    if hasattr(os, "sched_getaffinity"):
        usable = len(os.sched_getaffinity(0))
    else:  # pragma: no cover - macOS, Windows
        usable = os.cpu_count()
    return {
        "CPU": model,
        "cores": f"{usable} usable by the build ({os.cpu_count()} in the machine)",
        "operating system": f"{platform.system()} {platform.release()} ({platform.machine()})",
    }


class BuildEnvironmentNode(nodes.General, nodes.Element):
    """Placeholder for the machine and the versions of this build (filled in when written)."""


class BuildEnvironment(SphinxDirective):
    """``nnbook-build-environment``: the machine, the library versions and the reader's downloads."""

    def run(self):
        self.env.metadata[self.env.docname]["nnbook_rewrite"] = True
        return [BuildEnvironmentNode()]


class ExecutionTableNode(nodes.General, nodes.Element):
    """Placeholder for the table of every executed page (filled in when written)."""


class ExecutionTable(SphinxDirective):
    """``nnbook-execution-table``: each chapter's run time and whether this build executed it."""

    def run(self):
        self.env.metadata[self.env.docname]["nnbook_rewrite"] = True
        return [ExecutionTableNode()]


_CACHE_RECORDS_BEFORE: set | None = None  # the jupyter-cache records that existed when the build began


def remember_cache_records(app) -> None:
    """Note the execution cache's records at the start of the build: a record that is not among
    them was executed in this build (by the prefetch or while reading)."""
    global _CACHE_RECORDS_BEFORE
    path = getattr(getattr(app.env, "mystnb_config", None), "execution_cache_path", None)
    if not path or app.config.nb_execution_mode != "cache":
        return
    from jupyter_cache import get_cache

    _CACHE_RECORDS_BEFORE = {record.pk for record in get_cache(path).list_cache_records()}


def executed_in_this_build(app) -> set[Path]:
    """The source files of the pages whose notebook was executed in this build."""
    path = getattr(getattr(app.env, "mystnb_config", None), "execution_cache_path", None)
    if not path or _CACHE_RECORDS_BEFORE is None:
        return set()
    from jupyter_cache import get_cache

    records = get_cache(path).list_cache_records()
    return {Path(record.uri).resolve() for record in records if record.pk not in _CACHE_RECORDS_BEFORE}


class BuildReportTransform(SphinxPostTransform):
    default_priority = 8  # before the references are resolved

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(BuildEnvironmentNode)):
            node.replace_self(self.environment_nodes())
        for node in list(self.document.findall(ExecutionTableNode)):
            node.replace_self(self.execution_nodes())

    def environment_nodes(self) -> list:
        versions = library_versions()
        tensorflow = versions.get("tensorflow-cpu", "-")
        if tensorflow == "-":
            tensorflow = versions.get("tensorflow", "-")
        rows = list(machine_description().items())
        rows += [("Python", versions["python"]), ("NumPy", versions["numpy"]), ("TensorFlow", tensorflow),
                 ("Keras", versions["keras"])]  # fmt: skip
        machine = _simple_table(("", "this build"), rows, (30, 70))
        libraries = _simple_table(
            ("library", "version"), [(name, version) for name, version in versions.items() if version != "-"], (50, 50)
        )
        return [machine, nodes.paragraph(text="Every library whose version is part of the execution key:"), libraries]

    def execution_nodes(self) -> list:
        from myst_nb.sphinx_ import NbMetadataCollector

        executed = executed_in_this_build(self.app)
        rows = []
        for docname, data in sorted(NbMetadataCollector.get_doc_data(self.env).items()):
            exec_data = data.get("exec_data")
            if not exec_data:
                continue
            source = Path(self.env.doc2path(docname)).resolve()
            when = "in this build" if source in executed else "in an earlier build (from the cache)"
            runtime = exec_data.get("runtime")
            title = self.env.titles.get(docname)
            link = _doc_reference(self.env.docname, docname, title.astext() if title else docname)
            rows.append((link, when, f"{runtime:.1f}" if runtime is not None else "-"))
        table = _simple_table(("Chapter", "Executed", "Run time (s)"), rows, (60, 25, 15))
        n_now = sum(row[1] == "in this build" for row in rows)
        total = sum(float(row[2]) for row in rows if row[2] != "-")
        caption = nodes.paragraph(
            text=f"{len(rows)} pages executed as notebooks, {n_now} of them in this build; "
            f"{total:.0f} s of execution in all."
        )
        return [table, caption]


# -- the package for readers: the wheel and the versions ------------------------------------------
#: The folder of the HTML output that holds the reader's downloads.
INSTALL_DIR = "install"
#: Never pinned in the constraints file: the tools that install the rest, and nnbook itself.
_NOT_CONSTRAINED = {"nnbook", "pip", "setuptools", "wheel"}


def installed_versions() -> list[str]:
    """``name==version`` of every installed distribution (the first of a name on ``sys.path``,
    as imports find it), sorted; nnbook and the installers left out."""
    import importlib.metadata

    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = re.sub(r"[-_.]+", "-", dist.metadata["Name"] or "").lower()
        if name and name not in found and name not in _NOT_CONSTRAINED:
            found[name] = f"{name}=={dist.version}"
    return sorted(found.values())


def wheel_name(root: Path) -> str | None:
    """The file name of the package's wheel (from pyproject.toml), or None without one."""
    import tomllib

    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    project = tomllib.loads(pyproject.read_text())["project"]
    return f"{project['name'].replace('-', '_')}-{project['version']}-py3-none-any.whl"


def build_wheel(root: Path, target_dir: Path) -> Path | None:
    """Build the package's wheel into ``target_dir``, reproducibly; None without a pyproject.toml.

    ``pip wheel`` without build isolation (offline: setuptools comes with the ``book`` extra)
    from a copy of exactly what goes into the wheel (``pyproject.toml``, ``README.md``, the
    package), so the repository gets no ``build/`` folder. ``SOURCE_DATE_EPOCH`` fixes the
    timestamps inside, so two builds give the same bytes. Rebuilt only when those files changed
    (their hash is kept in ``<target_dir>/../<name>.key``, outside the HTML output).
    """
    import subprocess
    import sys
    import tempfile

    name = wheel_name(root)
    if name is None:
        return None
    package = root / name.split("-")[0]
    inputs = [root / "pyproject.toml", root / "README.md"]
    inputs += [p for p in sorted(package.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    key = _files_hash([p for p in inputs if p.is_file()], root)
    wheel = target_dir / name
    stamp = target_dir.parent.parent / f"{name}.key"
    if wheel.is_file() and stamp.is_file() and stamp.read_text().strip() == key:
        return wheel
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nnbook-wheel-") as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        for path in inputs:
            if path.is_file():
                copy = source / path.relative_to(root)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, copy)
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                   "--no-index", "--wheel-dir", str(Path(tmp) / "dist"), str(source)]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
        if result.returncode != 0:
            raise SphinxError(f"building the nnbook wheel failed:\n{result.stdout}{result.stderr}")
        shutil.copyfile(Path(tmp) / "dist" / name, wheel)
    stamp.write_text(key + "\n")
    return wheel


def offer_the_package(app) -> None:
    """``builder-inited`` (HTML): the wheel and ``constraints.txt`` into ``<html>/install/``."""
    if app.builder.name != "html":
        return
    target = Path(app.outdir) / INSTALL_DIR
    if build_wheel(Path(app.confdir), target) is None:
        return
    constraints = (
        "# The exact versions the nnbook book was built with (nnbook itself aside).\n"
        "# pip install nnbook-<version>-py3-none-any.whl -c constraints.txt\n" + "\n".join(installed_versions()) + "\n"
    )
    path = target / "constraints.txt"
    if not path.is_file() or path.read_text() != constraints:
        path.write_text(constraints)


class InstallNode(nodes.General, nodes.Element):
    """Placeholder for the reader's downloads (filled in when written)."""


class Install(SphinxDirective):
    """``nnbook-install``: links to the wheel and the constraints file, and the commands."""

    def run(self):
        return [InstallNode()]


class InstallTransform(SphinxPostTransform):
    default_priority = 8

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(InstallNode)):
            name = wheel_name(Path(self.app.confdir)) or "nnbook-<version>-py3-none-any.whl"
            prefix = "../" * self.env.docname.count("/") + INSTALL_DIR + "/"
            items = nodes.bullet_list()
            for file, text in ((name, "the package, as a wheel"),
                               ("constraints.txt", "the exact versions of every library this build used")):  # fmt: skip
                paragraph = nodes.paragraph()
                paragraph += nodes.reference("", "", nodes.literal(text=file), refuri=prefix + file)
                paragraph += nodes.Text(f": {text}")
                items += nodes.list_item("", paragraph)
            command = (
                f'python -m pip install "{name}[notebooks]"               # the package, and glue for the notebooks\n'
                f'python -m pip install "{name}[notebooks,compare]"       # ... and TensorFlow/Keras (Part E)\n'
                f'python -m pip install "{name}[notebooks,compare]" -c constraints.txt   # the versions of this build'
            )
            block = nodes.literal_block(command, command, language="bash")
            node.replace_self([items, block])


# -- notebooks executed in parallel, before the pages are read -------------------------------------
class NotebookExecutionError(SphinxError):
    category = "Notebook execution failed"


class _CollectingLogger:
    """The logger myst-nb's execution client writes to in a prefetch worker: it keeps the
    warnings (a failed cell's traceback) for the main process to report, and drops the rest."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.warnings.append(msg)

    def debug(self, *args: Any, **kwargs: Any) -> None:
        pass

    info = debug
    error = critical = warning


_PREFETCH_CONFIG: tuple[Any, Any] | None = None  # (myst_config, mystnb_config), set before fork
_PREFETCH_START = 0.0  # time.time() when the prefetch began
_SLOW_IMPORTS = re.compile(
    r"^\s*(from|import)\s+(nnbook\.compare|nnbook\.benchmark|tensorflow|keras|train_step|runpy)\b", re.MULTILINE
)
_CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _expected_run_time(text: str) -> tuple[bool, int]:
    """A page's rank by expected run time, from its MyST source: first whether a code cell
    imports TensorFlow (directly or through ``nnbook.compare``), runs the benchmarks or runs a
    gallery script (each such page takes 10 to 20 s), then the number of code cells (0: not a
    notebook)."""
    cells = _CODE_CELL.findall(text)
    return (any(_SLOW_IMPORTS.search(cell) for cell in cells), len(cells))


class GalleryOrder:
    """The gallery's order (``within_subsection_order``): the examples that import TensorFlow
    first, then by their amount of code (sphinx-gallery's default order).

    The order is also the order in which ``parallel`` hands the examples to the processes: the
    long TensorFlow example last left one core idle for seconds while it ran alone.
    """

    def __init__(self, src_dir) -> None:
        from sphinx_gallery.sorting import NumberOfCodeLinesSortKey

        self.src_dir = src_dir
        self.amount_of_code = NumberOfCodeLinesSortKey(src_dir)

    def __call__(self, filename) -> tuple[bool, int]:
        text = (Path(self.src_dir) / filename).read_text(encoding="utf8")
        return (not _SLOW_IMPORTS.search(text), self.amount_of_code(filename))


def _execute_into_cache(job: tuple[str, Path]) -> tuple[str, float | None, str | None]:
    """Run in a worker process: execute one page's notebook into the jupyter-cache, as myst-nb
    does when it reads the page (same reader, same configuration, same client).

    Returns the docname, the execution time (``None`` if nothing was executed: not a notebook,
    or already in the cache) and, if a cell failed, myst-nb's message with the traceback.
    Any other exception leaves the page to be executed when it is read, as without prefetch.
    """
    from myst_nb.core.execute import ExecutionError, create_client
    from myst_nb.core.read import create_nb_reader

    docname, path = job
    md_config, nb_config = _PREFETCH_CONFIG
    text = path.read_text(encoding="utf8")
    reader = create_nb_reader(str(path), md_config, nb_config, text)
    if reader is None:
        return docname, None, None
    notebook = reader.read(text)
    add_page_input_key(notebook)  # as myst-nb's reading does (key_notebooks_on_their_inputs)
    if nb_config.metadata_key in notebook.metadata:  # page-level overrides, as myst-nb applies them
        from myst_nb.core.nb_to_tokens import nb_node_to_dict

        overrides = nb_node_to_dict(notebook.metadata[nb_config.metadata_key])
        overrides.pop("output_folder", None)
        nb_config = nb_config.copy(**overrides)
    collected = _CollectingLogger()
    try:
        with create_client(notebook, path, nb_config, collected, reader.read_fmt) as client:
            pass
    except ExecutionError:
        return docname, None, "\n".join(collected.warnings) or f"executing {path} failed"
    except Exception:  # noqa: BLE001 -- the page's reading executes it and reports any error
        return docname, None, None
    metadata = client.exec_metadata or {}
    if metadata.get("mtime", 0) < _PREFETCH_START:
        return docname, None, None  # taken from the cache
    return docname, metadata.get("runtime"), None


def execute_notebooks_in_parallel(app, env, docnames: list[str]) -> None:
    """Execute the notebooks of the pages about to be read, ``app.parallel`` at a time.

    Under ``sphinx-build -j N`` Sphinx reads the pages in fixed chunks of consecutive names,
    one chunk per process; a chunk that held several long notebooks kept one core busy for a
    minute after the other had finished. Here every notebook is a job of its own in a process
    pool (the next job goes to whichever process is free), longest first, and its result goes
    into the jupyter-cache; reading the page then takes the outputs from the cache, exactly as
    in a serial build. Only for ``nb_execution_mode = "cache"`` and ``-j`` of 2 or more.

    A notebook whose cell fails is reported here, with the cell and its traceback, and the build
    stops once every notebook has run: the same failure inside a parallel reader would end the
    build with Sphinx's "parallel build error" and lose the message.
    """
    global _PREFETCH_CONFIG, _PREFETCH_START
    nb_config = getattr(env, "mystnb_config", None)
    if app.parallel < 2 or nb_config is None or nb_config.execution_mode != "cache":
        return
    ranked = []
    for docname in docnames:
        path = Path(env.doc2path(docname))
        if path.suffix == ".md":
            slow, n_cells = _expected_run_time(path.read_text(encoding="utf8"))
            if n_cells:
                ranked.append(((-slow, -n_cells, docname), (docname, path)))
    if not ranked:
        return
    import multiprocessing

    _PREFETCH_CONFIG = (env.myst_config, nb_config)
    _PREFETCH_START = time.time()
    # the longest first, so that none starts last; any order fills the cache with the same results
    jobs = [job for _, job in sorted(ranked)]
    failed = []
    context = multiprocessing.get_context("fork")  # the workers inherit the configuration
    with context.Pool(min(app.parallel, len(jobs))) as pool:
        for done, (docname, seconds, error) in enumerate(pool.imap_unordered(_execute_into_cache, jobs), 1):
            if error is not None:
                failed.append(docname)
                logger.warning(error, location=docname, type="mystnb", subtype="exec")
            elif seconds is not None:
                logger.info("executing notebooks... [%3d%%] %s (%.1f s)", 100 * done // len(jobs), docname, seconds)
    if failed:
        raise NotebookExecutionError(
            "cells failed in " + ", ".join(sorted(failed)) + " (the cell and its traceback are above)"
        )


# -- a book without solutions -----------------------------------------------------------------
class hidden_solution_node(nodes.Element):
    """Where a ``{solution-start}`` stood in a build with ``hide_solutions``: removed with its content."""


def _solution_start_directive():
    from sphinx_exercise.directive import SolutionStartDirective

    class SolutionStartOrMarker(SolutionStartDirective):
        """``{solution-start}``, leaving a marker instead of nothing when solutions are hidden."""

        def run(self):
            result = super().run()
            if self.env.app.config.hide_solutions:
                marker = hidden_solution_node()
                marker.source, marker.line = self.get_source_info()
                return [marker]
            return result

    return SolutionStartOrMarker


class DropHiddenSolutions(SphinxTransform):
    """With ``hide_solutions``: remove each gated solution, from its start marker to its end.

    Runs before sphinx-exercise merges gated solutions (its transform has priority 10).
    """

    default_priority = 9

    def apply(self, **kwargs: Any) -> None:
        from sphinx_exercise.nodes import solution_end_node

        for marker in list(self.document.findall(hidden_solution_node)):
            parent = marker.parent
            start = parent.index(marker)
            end = next((i for i in range(start + 1, len(parent)) if isinstance(parent[i], solution_end_node)), None)
            if end is None:
                logger.warning(
                    "solution-start without a solution-end in the same section: its content stays",
                    location=marker,
                    type="nnbook",
                    subtype="solutions",
                )
                parent.remove(marker)
                continue
            del parent[start : end + 1]


def no_sources_without_solutions(app, config) -> None:
    """A book without solutions must not offer the page sources (they hold the solutions)."""
    if config.hide_solutions:
        config.html_copy_source = False
        config.html_show_sourcelink = False


# -- wiring --------------------------------------------------------------------------------------
def create_execution_cache(app) -> None:
    """Create the jupyter-cache database before parallel readers (``-j``) open it at once.

    Runs after myst-nb's own ``builder-inited`` handler has settled the cache path.
    """
    from jupyter_cache import get_cache

    path = getattr(getattr(app.env, "mystnb_config", None), "execution_cache_path", None)
    if path and app.config.nb_execution_mode == "cache":
        get_cache(path).db  # noqa: B018 -- creating the sqlite file is the point


def _on_builder_inited(app) -> None:
    check_source_dir(app)
    # before sphinx-gallery runs the examples (its handler has priority 500)
    invalidate_gallery_cache(_gallery_dir(app), app.config.nnbook_execution_key)


def setup(app):
    app.add_config_value("nnbook_execution_key", "", "env", types=frozenset({str}))
    app.add_config_value("nnbook_source_dir", "book", "", types=frozenset({str}))
    app.connect("builder-inited", _on_builder_inited, priority=100)
    app.connect("builder-inited", normalize_gallery_zips, priority=900)
    app.connect("builder-inited", copy_late_static_files, priority=900)
    app.connect("builder-inited", inherit_html_node_handlers, priority=900)
    app.connect("builder-inited", create_execution_cache, priority=900)
    app.connect("builder-inited", remember_cache_records, priority=901)
    app.connect("builder-inited", offer_the_package, priority=900)
    app.connect("doctree-resolved", check_no_figure_as_text)
    app.connect("html-page-context", add_notebook_download, priority=500)
    app.connect("env-get-outdated", pages_with_changed_inputs)
    app.connect("env-before-read-docs", execute_notebooks_in_parallel)
    app.connect("env-updated", rewrite_gallery_time_pages)
    app.connect("build-finished", forget_environment_after_warnings)
    app.add_node(GalleryTimesNode)
    app.add_directive("nnbook-gallery-times", GalleryTimes)
    app.add_post_transform(GalleryTimesTransform)
    app.add_node(hidden_solution_node)
    app.add_directive("solution-start", _solution_start_directive(), override=True)
    app.add_transform(DropHiddenSolutions)
    app.connect("config-inited", no_sources_without_solutions)
    for node, directive, name in ((BuildEnvironmentNode, BuildEnvironment, "nnbook-build-environment"),
                                  (ExecutionTableNode, ExecutionTable, "nnbook-execution-table"),
                                  (InstallNode, Install, "nnbook-install")):  # fmt: skip
        app.add_node(node)
        app.add_directive(name, directive)
    app.add_post_transform(BuildReportTransform)
    app.add_post_transform(InstallTransform)
    configure_kernels(Path(app.confdir) / "_build" / "ipython")
    merge_streams_exactly()
    global _ROOT
    _ROOT = Path(app.confdir)
    key_notebooks_on_their_inputs()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
