"""Tests of the book pipeline itself: strict builds, caching, offline assets, notebooks.

(That every gallery example runs on its own is ``tests/test_examples.py``.)

The build tests do not touch the real book. Each builds a tiny throwaway book in a temporary
directory with the repository's real ``conf.py``, a copy of ``nnbook/`` (imported through
``PYTHONPATH``, so edits to the copy are what the kernels see) and a minimal ``book/``.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_notebooks import notebook_problems  # noqa: E402
from check_offline_math import find_network_references  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
MATHJAX = BOOK / "_static" / "mathjax"

FRONT_MATTER = """\
---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---
"""


# -- helpers ---------------------------------------------------------------------------------
def make_book(root: Path, chapter: str, examples: dict[str, str] | None = None) -> Path:
    """Lay out a minimal book in ``root``: the real conf.py, a copy of nnbook, one chapter."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "conf.py", root / "conf.py")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "nnbook", root / "nnbook", ignore=ignore)
    book = root / "book"
    shutil.copytree(BOOK / "_static", book / "_static", ignore=ignore)
    shutil.copytree(BOOK / "_ext", book / "_ext", ignore=ignore)
    (book / "examples").mkdir()
    (book / "examples" / "README.rst").write_text("Examples\n========\n\nThe test gallery.\n")
    for name, source in (examples or {}).items():
        (book / "examples" / name).write_text(textwrap.dedent(source))
    (book / "index.md").write_text("# A test book\n\n```{toctree}\nchapter\nGallery <gallery/index>\n```\n")
    (book / "chapter.md").write_text(FRONT_MATTER + textwrap.dedent(chapter))
    return root


def sphinx_build(root: Path, srcdir: Path | None = None, jobs: int = 1) -> subprocess.CompletedProcess:
    """The same strict build as ``make html``, on the book in ``root``, with ``jobs`` processes."""
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    env.pop("MPLBACKEND", None)
    cmd = [
        sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n",
        "-j", str(jobs), "-c", str(root), "-d", str(root / "_build" / "doctrees"),
        str(srcdir or root / "book"), str(root / "_build" / "html"),
    ]  # fmt: skip
    result = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    result.log = result.stdout + result.stderr  # type: ignore[attr-defined]
    return result


def html_text(path: Path) -> str:
    """The visible text of a built page (tags stripped, whitespace collapsed)."""
    text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", text)


def executed(result: subprocess.CompletedProcess) -> bool:
    return "Executing notebook" in result.log


# -- (b) a failing cell fails the strict build, and names the cell ---------------------------
@pytest.mark.parametrize("jobs", [1, 2], ids=["serial", "parallel"])
def test_failing_cell_fails_the_build(tmp_path, jobs):
    # With -j 2 the notebooks are executed before the pages are read (nnbook_build's
    # prefetch); the failure must still fail the build and name the cell.
    root = make_book(
        tmp_path / "failing",
        """
        # A chapter that fails

        ```{code-cell} python
        import nnbook
        first_value = 1
        ```

        ```{code-cell} python
        raise RuntimeError("deliberate failure from test_build")
        ```
        """,
    )
    result = sphinx_build(root, jobs=jobs)
    assert result.returncode != 0, result.log[-3000:]
    assert "deliberate failure from test_build" in result.log
    assert "chapter.md" in result.log  # the file
    assert 'raise RuntimeError("deliberate failure from test_build")' in result.log  # the cell
    # The next build must not "pass" by skipping the unchanged failing chapter.
    assert not (root / "_build" / "doctrees" / "environment.pickle").exists()


def test_figure_shown_as_text_fails_the_build(tmp_path):
    root = make_book(
        tmp_path / "figure-text",
        """
        # A chapter whose figure came out as text

        ```{code-cell} python
        print("<Figure size 640x480 with 1 Axes>")
        ```
        """,
    )
    result = sphinx_build(root)
    assert result.returncode != 0
    assert "a figure was rendered as text" in result.log
    assert "chapter.md" in result.log


def test_parallel_build_executes_each_notebook_once_before_reading(tmp_path):
    # Under -j 2 every notebook is executed by the prefetch's process pool; reading the pages
    # then takes the outputs from the cache, and the page shows what the cell computed.
    chapter = """
        # Chapter {n}

        The value is {{glue:text}}`value_{n}`.

        ```{{code-cell}} python
        from myst_nb import glue
        glue("value_{n}", {n} * 1111, display=False)
        ```
        """
    root = make_book(tmp_path / "parallel", chapter.format(n=1))
    (root / "book" / "second.md").write_text(FRONT_MATTER + textwrap.dedent(chapter.format(n=2)))
    index = root / "book" / "index.md"
    index.write_text(index.read_text().replace("chapter\n", "chapter\nsecond\n"))
    result = sphinx_build(root, jobs=2)
    assert result.returncode == 0, result.log[-3000:]
    assert re.search(r"executing notebooks\.\.\. .*chapter", result.log)
    assert re.search(r"executing notebooks\.\.\. .*second", result.log)
    assert "Executing notebook" not in result.log  # reading executed nothing
    assert result.log.count("Using cached notebook") == 2
    for page, value in [("chapter", 1111), ("second", 2222)]:
        assert re.search(rf"The value is {value} \.", html_text(root / "_build" / "html" / f"{page}.html"))

    # One chapter changed: only its notebook runs.
    second = root / "book" / "second.md"
    second.write_text(second.read_text().replace("2 * 1111", "3 * 1111"))
    result = sphinx_build(root, jobs=2)
    assert result.returncode == 0, result.log[-3000:]
    assert re.search(r"executing notebooks\.\.\. .*second", result.log)
    assert not re.search(r"executing notebooks\.\.\. .*chapter", result.log)
    assert "Executing notebook" not in result.log
    assert re.search(r"The value is 3333 \.", html_text(root / "_build" / "html" / "second.html"))


# -- (c) no stale output: a change to nnbook re-executes every page and example --------------
PROBE_CHAPTER = r"""
# Probe

The value is {glue:text}`probe:.4f` and the identity is {eq}`eq-probe`.

$$
e^{i\pi} + 1 = 0
$$ (eq-probe)

```{code-cell} python
import numpy as np
import nnbook
from myst_nb import glue
from nnbook.activations import Softmax

probe = float(Softmax().forward(np.array([[0.0, 0.0]]))[0, 0])
glue("probe", probe, display=False)
print("CHAPTER_NNBOOK_FILE", nnbook.__file__)
```

```{code-cell} python
import matplotlib.pyplot as plt

figure = plt.figure(figsize=(2, 2))  # made with pyplot, like nnbook.plotting's figures
figure.subplots().plot([0, 1], [1, 0])
```
"""

PROBE_EXAMPLE = '''
"""
Probe
=====

Prints a value computed by nnbook.
"""

import numpy as np
import nnbook
from nnbook.activations import Softmax

print("GALLERY_PROBE", float(Softmax().forward(np.array([[0.0, 0.0]]))[0, 0]))
print("GALLERY_NNBOOK_FILE", nnbook.__file__)

# %%
# A figure made with pyplot, like those of nnbook.plotting.
import matplotlib.pyplot as plt

fig_probe = plt.figure(figsize=(2, 2))
fig_probe.subplots().plot([0, 1], [1, 0])
'''

# Appended to the copy's activations.py: Softmax.forward now returns half its value.
EDIT = """

# --- edited by tests/test_build.py -------------------------------------------------------
_unedited_softmax_forward = Softmax.forward


def _edited_softmax_forward(self, z):
    return 0.5 * _unedited_softmax_forward(self, z)


Softmax.forward = _edited_softmax_forward
"""


@pytest.fixture(scope="module")
def probe_book(tmp_path_factory):
    """The probe book, built once: (root, result of the first build)."""
    root = make_book(tmp_path_factory.mktemp("probe") / "book-root", PROBE_CHAPTER, {"plot_probe.py": PROBE_EXAMPLE})
    return root, sphinx_build(root)


def test_rebuild_after_nnbook_change_shows_new_values(probe_book):
    root, first = probe_book
    chapter_html = root / "_build" / "html" / "chapter.html"
    gallery_html = root / "_build" / "html" / "gallery" / "plot_probe.html"
    copy = str(root / "nnbook")

    assert first.returncode == 0, first.log[-4000:]
    assert executed(first)
    text = html_text(chapter_html)
    assert "The value is 0.5000" in text
    # The kernel and the gallery imported the temporary copy, not the installed package.
    assert f"CHAPTER_NNBOOK_FILE {copy}" in text
    # A figure is an image, not its text (the kernels' IPython profile loads the inline backend).
    assert re.search(r'<img [^>]*src="_images/[0-9a-f]+\.png"', chapter_html.read_text())
    gallery = html_text(gallery_html)
    assert "GALLERY_PROBE 0.5" in gallery
    assert f"GALLERY_NNBOOK_FILE {copy}" in gallery
    # ... and the gallery's figure was scraped.
    assert "sphx_glr_plot_probe_001.png" in gallery_html.read_text()
    # The chapter offers its executed notebook in the download menu.
    notebook = root / "_build" / "html" / "_sources" / "chapter.ipynb"
    assert 'href="_sources/chapter.ipynb"' in chapter_html.read_text()
    assert notebook_problems(notebook) == []
    # The kernels' log stays quiet.
    assert "Kernel is running over TCP" not in first.log

    # No change: nothing is executed again, nothing is re-read.
    second = sphinx_build(root)
    assert second.returncode == 0, second.log[-4000:]
    assert not executed(second), second.log[-4000:]
    assert "0 added, 0 changed, 0 removed" in second.log
    assert "excluding 1 file that had previously been run" in second.log  # gallery skipped

    # Change nnbook (in the copy): every page and every example runs again.
    activations = root / "nnbook" / "activations.py"
    original = activations.read_text()
    activations.write_text(original + EDIT)
    try:
        third = sphinx_build(root)
    finally:
        activations.write_text(original)
    assert third.returncode == 0, third.log[-4000:]
    assert executed(third)
    assert "The value is 0.2500" in html_text(chapter_html)
    assert "GALLERY_PROBE 0.25" in html_text(gallery_html)

    # Back to the original code: the old results come back from the old cache entry.
    fourth = sphinx_build(root)
    assert fourth.returncode == 0, fourth.log[-4000:]
    assert not executed(fourth), fourth.log[-4000:]
    assert "The value is 0.5000" in html_text(chapter_html)
    assert "GALLERY_PROBE 0.5" in html_text(gallery_html)
    # Outputs from the cache reach the downloadable notebook too.
    assert notebook_problems(notebook) == []
    assert "0.5" in notebook.read_text()


# -- (c') ... and so does a change to anything else a page executes ---------------------------
# Three chapters: one that runs nnbook only, one that runs a gallery script (runpy), one that
# imports a module of the repository's benchmarks/. Each input is changed in turn; only the
# pages that depend on it execute again (the log of the prefetch, -j 2, names each page).
INPUTS_CHAPTERS = {
    "plain": """
        # Plain

        The value is {glue:text}`plain_value`.

        ```{code-cell} python
        import nnbook
        from myst_nb import glue

        glue("plain_value", nnbook.__name__, display=False)
        ```
        """,
    "runs_example": """
        # Runs an example

        The example says {glue:text}`example_value`.

        ```{code-cell} python
        import runpy

        from myst_nb import glue

        script = runpy.run_path("examples/plot_inputs.py", run_name="chapter")
        glue("example_value", script["VALUE"], display=False)
        ```
        """,
    "imports_bench": """
        # Imports a benchmark module

        The benchmark says {glue:text}`bench_value`.

        ```{code-cell} python
        import sys

        from myst_nb import glue

        sys.path.insert(0, "../benchmarks")
        import probe_bench

        glue("bench_value", probe_bench.VALUE, display=False)
        ```
        """,
}
INPUTS_EXAMPLE = '''
"""
Inputs
======

A value that a chapter runs.
"""

VALUE = "EXAMPLE-ONE"
print(VALUE)
'''


def executed_pages(result: subprocess.CompletedProcess) -> set[str]:
    """The pages whose notebook the prefetch executed (``-j 2``)."""
    return set(re.findall(r"executing notebooks\.\.\. \[\s*\d+%\] (\S+)", result.log))


def fake_distribution(root: Path, name: str, version: str) -> Path:
    """A ``<name>-<version>.dist-info`` in ``root`` (first on the build's ``sys.path``):
    :mod:`importlib.metadata` then reports that version, as after an upgrade."""
    info = root / f"{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return info


def test_page_inputs_are_found_in_the_code():
    sys.path.insert(0, str(BOOK / "_ext"))
    from nnbook_build import page_inputs

    def names(code):
        return [path.name for path in page_inputs(code, ROOT)]

    assert names('runpy.run_path("../examples/plot_pathology_classifier.py")') == ["plot_pathology_classifier.py"]
    assert names("import train_step as bench") == ["train_step.py"]
    assert names("import os, train_step") == ["train_step.py"]
    assert names("from train_step import table") == ["train_step.py"]
    assert names("from nnbook import train_step\nnet.train_step(X, y)\nimport nnbook.train_step") == []


def test_rebuild_after_a_page_input_changes_reexecutes_that_page_only(tmp_path):
    root = make_book(tmp_path / "inputs", INPUTS_CHAPTERS["plain"], {"plot_inputs.py": INPUTS_EXAMPLE})
    book = root / "book"
    (book / "chapter.md").rename(book / "plain.md")
    for name in ("runs_example", "imports_bench"):
        (book / f"{name}.md").write_text(FRONT_MATTER + textwrap.dedent(INPUTS_CHAPTERS[name]))
    (book / "index.md").write_text(
        "# A test book\n\n```{toctree}\nplain\nruns_example\nimports_bench\nGallery <gallery/index>\n```\n"
    )
    (root / "benchmarks").mkdir()
    bench = root / "benchmarks" / "probe_bench.py"
    bench.write_text('VALUE = "BENCH-ONE"\n')
    example = book / "examples" / "plot_inputs.py"
    html = root / "_build" / "html"
    everything = {"plain", "runs_example", "imports_bench"}

    first = sphinx_build(root, jobs=2)
    assert first.returncode == 0, first.log[-4000:]
    assert executed_pages(first) == everything
    assert "The example says EXAMPLE-ONE" in html_text(html / "runs_example.html")
    assert "The benchmark says BENCH-ONE" in html_text(html / "imports_bench.html")

    # No change: nothing executes, nothing is re-read, the gallery is skipped.
    same = sphinx_build(root, jobs=2)
    assert same.returncode == 0, same.log[-4000:]
    assert executed_pages(same) == set() and not executed(same), same.log[-4000:]
    assert "0 added, 0 changed, 0 removed" in same.log
    assert "excluding 1 file that had previously been run" in same.log

    # The gallery script a chapter runs: that chapter executes again (and the example).
    example.write_text(INPUTS_EXAMPLE.replace("EXAMPLE-ONE", "EXAMPLE-TWO"))
    changed = sphinx_build(root, jobs=2)
    assert changed.returncode == 0, changed.log[-4000:]
    assert executed_pages(changed) == {"runs_example"}, changed.log[-4000:]
    assert "The example says EXAMPLE-TWO" in html_text(html / "runs_example.html")
    assert "EXAMPLE-TWO" in html_text(html / "gallery" / "plot_inputs.html")

    # The repository module a chapter imports: that chapter executes again.
    bench.write_text('VALUE = "BENCH-TWO"\n')
    changed = sphinx_build(root, jobs=2)
    assert changed.returncode == 0, changed.log[-4000:]
    assert executed_pages(changed) == {"imports_bench"}, changed.log[-4000:]
    assert "The benchmark says BENCH-TWO" in html_text(html / "imports_bench.html")
    assert "excluding 1 file that had previously been run" in changed.log  # the example does not import it

    # A library upgrade (Keras 99, as importlib.metadata now reports): every page and example.
    fake = fake_distribution(root, "keras", "99.0")
    upgraded = sphinx_build(root, jobs=2)
    assert upgraded.returncode == 0, upgraded.log[-4000:]
    assert executed_pages(upgraded) == everything, upgraded.log[-4000:]
    assert "excluding 1 file that had previously been run" not in upgraded.log
    # ... and back: the results of the installed version come from the cache again.
    shutil.rmtree(fake)
    back = sphinx_build(root, jobs=2)
    assert back.returncode == 0, back.log[-4000:]
    assert executed_pages(back) == set() and not executed(back), back.log[-4000:]
    assert "The benchmark says BENCH-TWO" in html_text(html / "imports_bench.html")
    # The key is the build's: the downloadable notebook does not carry it.
    assert "nnbook_inputs" not in (html / "_sources" / "imports_bench.ipynb").read_text()


def test_every_stylesheet_is_linked_with_its_checksum(probe_book):
    """Every page links every local stylesheet the same way, with its checksum (``?v=``).

    Sphinx adds the checksum only if the file is already in the output when the page is
    written; myst-nb and sphinx-exercise copy theirs at the end of the build, so without
    nnbook_build a clean build linked them without it and a rebuild with it.
    """
    root, first = probe_book
    assert first.returncode == 0, first.log[-4000:]
    html_dir = root / "_build" / "html"
    for page in ["chapter.html", "genindex.html", "search.html", "gallery/index.html"]:
        text = (html_dir / page).read_text()
        links = re.findall(r'<link\b[^>]*href="([^"]*_static/[^"]+\.css[^"]*)"', text)
        assert any("mystnb." in link for link in links), page
        assert any("exercise.css" in link for link in links), page
        unversioned = [link for link in links if "?v=" not in link and "?digest=" not in link]
        assert unversioned == [], (page, unversioned)


def test_built_html_fetches_nothing_from_the_network(probe_book):
    root, first = probe_book
    assert first.returncode == 0, first.log[-4000:]
    html_dir = root / "_build" / "html"
    assert find_network_references(html_dir) == []
    chapter = (html_dir / "chapter.html").read_text()
    scripts = re.findall(r'<script[^>]*src="([^"?]*mathjax[^"?]*)', chapter)
    assert scripts == ["_static/mathjax/es5/tex-chtml.js"], scripts
    assert (html_dir / scripts[0]).is_file()


def test_mathjax_is_vendored_whole():
    assert (MATHJAX / "LICENSE").is_file()
    assert (MATHJAX / "es5" / "tex-chtml.js").is_file()
    extensions = MATHJAX / "es5" / "input" / "tex" / "extensions"
    # \boldsymbol autoloads an extension: without these files no formula renders at all.
    assert (extensions / "boldsymbol.js").is_file()
    assert len(list(extensions.rglob("*.js"))) >= 30
    fonts = list((MATHJAX / "es5" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert len(fonts) >= 20
    assert re.search(r'^mathjax_path = "mathjax/es5/tex-chtml.js"', (ROOT / "conf.py").read_text(), re.M)


# -- conf.py guards and the API page ------------------------------------------------------------
def test_conf_refuses_another_source_dir(tmp_path):
    root = make_book(tmp_path / "guard", "# Chapter\n")
    other = root / "elsewhere"
    other.mkdir()
    (other / "index.md").write_text("# Not the book\n")
    result = sphinx_build(root, srcdir=other)
    assert result.returncode != 0
    assert "this conf.py builds" in result.log


def test_api_page_documents_every_module():
    import nnbook

    api = (BOOK / "api.md").read_text()
    modules = sorted(p.stem for p in (ROOT / "nnbook").glob("*.py") if not p.stem.startswith("_"))
    for name in modules:
        assert f".. automodule:: nnbook.{name}\n" in api, f"api.md lacks nnbook.{name}"
    # Every name a minigallery lists must exist, or its examples silently vanish.
    listed = re.findall(r"^   (nnbook(?:\.\w+)+)$", api, re.M)
    assert listed
    for dotted in listed:
        module_name, _, attr = dotted.rpartition(".")
        module = importlib.import_module(module_name) if module_name != "nnbook" else nnbook
        assert hasattr(module, attr), f"api.md minigallery lists {dotted}, which does not exist"


# -- the downloadable notebooks ---------------------------------------------------------------------
def test_notebook_download_fills_in_glued_numbers():
    import nbformat

    sys.path.insert(0, str(BOOK / "_ext"))
    from nnbook_build import normalized_notebook

    prefix = "application/papermill.record/"  # what glue(..., display=False) writes
    glued = nbformat.v4.new_output(
        "display_data", data={f"{prefix}text/plain": "0.123456"},
        metadata={"scrapbook": {"name": "ratio", "mime_prefix": prefix}},
    )  # fmt: skip
    code = nbformat.v4.new_code_cell("glue('ratio', 0.123456)", execution_count=1, outputs=[glued])
    text = nbformat.v4.new_markdown_cell(
        "A ratio of {glue:text}`ratio:.2f`, {glue}`ratio`, {glue:text}`missing:.2f`, {eq}`eq-x`."
    )
    notebook = nbformat.v4.new_notebook(cells=[code, text])
    result = nbformat.reads(normalized_notebook(notebook, "A page"), as_version=4)
    assert result.cells[2].source == ("A ratio of 0.12, 0.123456, {glue:text}`missing:.2f`, {eq}`eq-x`.")
    assert 'page "A page"' in result.cells[0].source  # the note on top
    assert [cell.id for cell in result.cells] == ["cell-0", "cell-1", "cell-2"]


def test_printed_output_does_not_depend_on_where_the_kernel_cut_it():
    import nbformat
    from myst_nb.core.render import coalesce_streams

    sys.path.insert(0, str(BOOK / "_ext"))
    import nnbook_build

    def stream(text, name="stdout"):
        return nbformat.v4.new_output("stream", name=name, text=text)

    table = "header\nrow 1\nrow 2\n"
    cuts = [
        [stream(table)],
        [stream("header"), stream("\nrow 1\n"), stream("row 2\n")],
        [stream("header\n"), stream("row 1\nro"), stream("w 2\n")],
    ]
    merged = [nnbook_build.concatenate_streams(outputs) for outputs in cuts]
    assert all(m == [stream(table)] for m in merged), merged
    # The outputs given are left as they were.
    assert cuts[1][0]["text"] == "header"
    # stdout before stderr, whichever arrived first.
    assert nnbook_build.concatenate_streams([stream("w", "stderr"), stream("o")]) == [
        stream("o"),
        stream("w", "stderr"),
    ]
    # myst-nb's own merging, as patched by the extension, gives the table in every case.
    nnbook_build.merge_streams_exactly()
    import myst_nb.core.render as render

    assert render.coalesce_streams is not coalesce_streams
    assert all(render.coalesce_streams(outputs)[0]["text"] == table for outputs in cuts)
    # ... which myst-nb alone does not (the reason for the patch).
    assert coalesce_streams([stream("header"), stream("\nrow 1\n"), stream("row 2\n")])[0]["text"] != table


# -- what a reader downloads: the wheel and the versions ---------------------------------------------
def test_the_wheel_is_byte_identical_and_rebuilt_only_when_its_sources_change(tmp_path, monkeypatch):
    sys.path.insert(0, str(BOOK / "_ext"))
    import nnbook_build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, root / name)
    shutil.copytree(ROOT / "nnbook", root / "nnbook", ignore=shutil.ignore_patterns("__pycache__"))
    first = nnbook_build.build_wheel(root, tmp_path / "a" / "html" / "install")
    second = nnbook_build.build_wheel(root, tmp_path / "b" / "html" / "install")
    assert first.name == nnbook_build.wheel_name(root) and first.name.endswith("-py3-none-any.whl")
    assert first.read_bytes() == second.read_bytes()
    assert not (root / "build").exists()  # built from a copy: the repository stays clean
    # Unchanged sources: the wheel is not built again; a changed module: it is.
    stamp = first.stat().st_mtime_ns
    assert nnbook_build.build_wheel(root, first.parent).stat().st_mtime_ns == stamp
    with (root / "nnbook" / "datasets.py").open("a") as module:
        module.write("\n# changed\n")
    assert nnbook_build.build_wheel(root, first.parent).read_bytes() != second.read_bytes()


def test_constraints_pin_the_installed_versions():
    import importlib.metadata

    sys.path.insert(0, str(BOOK / "_ext"))
    import nnbook_build

    pins = nnbook_build.installed_versions()
    assert f"numpy=={importlib.metadata.version('numpy')}" in pins
    assert f"myst-nb=={importlib.metadata.version('myst-nb')}" in pins
    assert not any(pin.startswith(("nnbook==", "pip==", "setuptools==")) for pin in pins)
    assert pins == sorted(pins)
