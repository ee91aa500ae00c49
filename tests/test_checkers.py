"""The checkers CI runs on the built book catch what they are meant to catch.

``compare_builds.py`` (byte-identical rebuilds), ``check_pdf.py`` (raw TeX in the PDF),
``check_browser.py`` (every page in headless Chromium) and ``check_notebooks.py`` (the
downloadable notebooks): each is given a wrong input here and must report it, and a right one
and must not.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_browser  # noqa: E402
import check_notebooks  # noqa: E402
import check_pdf  # noqa: E402
import compare_builds  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


# -- compare_builds -------------------------------------------------------------------------------
def _tree(root: Path, pages: dict[str, str]) -> Path:
    for name, text in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


PAGES = {
    "index.html": "<p>index</p>",
    "timing.html": '<img src="_images/t1.png"/>',
    "chapter.html": '<img src="_images/c.png"/>',
    "_images/t1.png": "timing figure",
    "_images/c.png": "figure",
}


def test_identical_builds_compare_equal(tmp_path):
    first, second = _tree(tmp_path / "a", PAGES), _tree(tmp_path / "b", PAGES)
    assert compare_builds.differences(first, second, ["timing.html"]) == []


def test_an_unlisted_difference_is_reported(tmp_path):
    first = _tree(tmp_path / "a", PAGES)
    second = _tree(tmp_path / "b", {**PAGES, "chapter.html": '<img src="_images/c.png"/> 1.5x'})
    assert compare_builds.differences(first, second, ["timing.html"]) == ["chapter.html: differs"]
    assert compare_builds.differences(first, second, ["timing.html", "chapter.html"]) == []


def test_a_timing_figure_may_differ_but_not_leak(tmp_path):
    changed = {**PAGES, "timing.html": '<img src="_images/t2.png"/>', "_images/t2.png": "new"}
    del changed["_images/t1.png"]
    first, second = _tree(tmp_path / "a", PAGES), _tree(tmp_path / "b", changed)
    assert compare_builds.differences(first, second, ["timing.html"]) == []
    # The same new figure also shown on a chapter: the timing leaked.
    leaked = {**changed, "chapter.html": '<img src="_images/t2.png"/><img src="_images/c.png"/>'}
    third = _tree(tmp_path / "c", leaked)
    found = compare_builds.differences(first, third, ["timing.html"])
    assert "_images/t2.png: only in the second build, shown on chapter.html" in found


def test_listed_pages_that_did_not_differ_are_named(tmp_path):
    first = _tree(tmp_path / "a", PAGES)
    second = _tree(tmp_path / "b", {**PAGES, "timing.html": '<img src="_images/t1.png"/> 2.0x'})
    listed = ["timing.html", "chapter.html"]
    assert compare_builds.differences(first, second, listed) == []
    assert compare_builds.listed_but_identical(first, second, listed) == ["chapter.html"]


def test_the_exceptions_file_lists_existing_pages():
    patterns = compare_builds.read_exceptions()
    assert "build-report.html" in patterns
    for pattern in patterns:
        page = pattern.removeprefix("_sources/").removesuffix(".ipynb").removesuffix(".html")
        if pattern.endswith((".html", ".ipynb")) and pattern != "build-report.html":
            assert (ROOT / "book" / f"{page}.md").is_file(), pattern


# -- check_pdf ---------------------------------------------------------------------------------------
def test_raw_tex_in_the_text_is_reported_but_not_in_code():
    code = check_pdf.code_text(
        "<pre><span>r&quot;&quot;&quot;Sigmoid :math:`\\sigma(z) = \\frac{1}{1+e^{-z}}`</span></pre>"
    )
    text = (
        "The sigmoid σ(z) = 1/(1 + e^−z) is typeset.\n"
        'r"""Sigmoid :math:`\\sigma(z) = \\frac{1}{1+e^{-z}}`\n'
        "Here MathJax failed: $$ \\frac{a}{b} $$\n"
        "and here: \\begin{aligned} x \\end{aligned}\n"
    )
    assert check_pdf.raw_tex(text, code) == [
        "Here MathJax failed: $$ \\frac{a}{b} $$",
        "and here: \\begin{aligned} x \\end{aligned}",
    ]


def test_a_chapter_missing_from_the_pdf_is_reported():
    page = (
        '<h1>The book<a class="headerlink" href="#b">#</a></h1><h2> Contents </h2>'
        '<h3>The <em>neuron</em><a class="headerlink" href="#n">#</a></h3>'
        '<h3>Momentum and Adam<a class="headerlink" href="#m">#</a></h3>'
    )
    titles = check_pdf.chapter_titles(page)
    assert titles == ["The book", "The neuron", "Momentum and Adam"]
    text = "The book\n...\nThe neuron\n...\nMomentum and\nAdam\n"  # a title across lines
    assert check_pdf.missing_titles(text, titles) == []
    assert check_pdf.missing_titles("The book\nThe neuron\n", titles) == ["Momentum and Adam"]


# -- check_browser -----------------------------------------------------------------------------------
def _event(method: str, **params) -> dict:
    return {"method": method, "params": params}


def test_browser_events_that_are_problems():
    events = [
        _event("Network.requestWillBeSent", request={"url": "file:///book/_static/a.js"}),
        _event("Network.requestWillBeSent", request={"url": "https://cdn.example.org/x.js"}),
        _event("Network.loadingFailed", errorText="net::ERR_FILE_NOT_FOUND", type="Image"),
        _event("Network.loadingFailed", errorText="net::ERR_BLOCKED", blockedReason="inspector"),
        _event("Runtime.consoleAPICalled", type="log", args=[{"value": "fine"}]),
        _event("Runtime.consoleAPICalled", type="error", args=[{"value": "broken"}]),
        _event("Runtime.exceptionThrown", exceptionDetails={"text": "Uncaught", "exception": {}}),
    ]
    assert check_browser.problems_from_events(events) == [
        "network request: https://cdn.example.org/x.js",
        "failed to load: net::ERR_FILE_NOT_FOUND (Image)",
        "console.error: broken",
        "uncaught exception: Uncaught",
    ]


def test_untypeset_math_and_broken_images_are_problems():
    fine = {"mathjax": True, "math": 3, "typeset": 3, "merrors": 0, "images": 1, "broken": []}
    assert check_browser.problems_from_inspection(fine) == []
    assert check_browser.problems_from_inspection({**fine, "typeset": 2}) == ["MathJax typeset 2 of 3 formulas"]
    assert check_browser.problems_from_inspection({**fine, "mathjax": False}) == ["3 formulas but MathJax did not load"]
    assert check_browser.problems_from_inspection({**fine, "broken": ["_images/x.png"]}) == [
        "image not loaded: _images/x.png"
    ]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_browser_check_catches_a_broken_page(tmp_path):
    """A real headless Chromium: a page with a CDN script, a missing image, a throwing script."""
    (tmp_path / "bad.html").write_text(
        '<html><head><script src="https://cdn.example.org/lib.js"></script></head><body>'
        '<img src="missing.png"><script>undefined_function()</script>'
        '<span class="math">\\(x\\)</span></body></html>'
    )
    with check_browser.Chromium() as browser:
        page = browser.new_page()
        page.send("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]})
        bad = check_browser.check_page(page, tmp_path / "bad.html", tmp_path)
    problems = "\n".join(bad.problems)
    assert "network request: https://cdn.example.org/lib.js" in problems
    assert "image not loaded: missing.png" in problems
    assert "undefined_function is not defined" in problems
    assert "1 formulas but MathJax did not load" in problems


WIDE_PAGE = """<html><head><style>
pre.scrolls {{ white-space: pre; overflow-x: auto; }}
</style>{css}</head><body>
<section><h2>Code</h2>
<div class="highlight"><pre class="scrolls">{long_line}</pre></div>
<pre>short</pre>
<div class="cell_output" style="width: 1500px">an output laid out wider than the page</div>
<table><tr><td style="white-space: nowrap">{long_words}</td></tr></table>
</section></body></html>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_print_layout_wider_than_its_box_is_reported(tmp_path):
    """A code line in a scroll box and an output wider than the printed column are found (a
    table too wide is scaled to the column, as print_pdf.py does); the book's print stylesheet
    (book/_static/nnbook-print.css) makes the same page fit."""
    long_line = "x = compute(" + ", ".join(f"argument_{i}" for i in range(40)) + ")"
    long_words = " ".join(["a_rather_long_identifier_in_a_table_cell"] * 30)
    page = tmp_path / "wide.html"
    page.write_text(WIDE_PAGE.format(css="", long_line=long_line, long_words=long_words))
    found = check_pdf.too_wide(page, timeout=60)
    assert len(found) == 2, found
    assert found[0].startswith("pre.scrolls (") and 'in "Code": x = compute(argument_0' in found[0]
    assert found[1].startswith("div.cell_output (1500 px in a ")
    css = (ROOT / "book" / "_static" / "nnbook-print.css").read_text()
    page.write_text(WIDE_PAGE.format(css=f"<style>{css}</style>", long_line=long_line, long_words=long_words))
    assert check_pdf.too_wide(page, timeout=60) == []


# -- check_notebooks ---------------------------------------------------------------------------------
def _notebook(path: Path, executed: bool, ids: bool = True) -> Path:
    cell = nbformat.v4.new_code_cell("print(1 + 1)")
    if executed:
        cell.execution_count = 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A"), cell])
    for index, c in enumerate(notebook.cells):
        c["id"] = f"cell-{index}" if ids else f"x{index}"
    nbformat.write(notebook, path)
    return path


def test_notebook_without_outputs_or_with_random_ids_is_reported(tmp_path):
    assert check_notebooks.notebook_problems(_notebook(tmp_path / "ok.ipynb", True)) == []
    assert check_notebooks.notebook_problems(_notebook(tmp_path / "raw.ipynb", False)) == [
        "code cells but no outputs: not the executed notebook",
        "a code cell was not executed",
    ]
    assert check_notebooks.notebook_problems(_notebook(tmp_path / "ids.ipynb", True, ids=False)) == [
        "cell ids are not the stable cell-0, cell-1, ..."
    ]


def test_rerun_notebook_must_print_the_same(tmp_path):
    path = _notebook(tmp_path / "ok.ipynb", True)
    assert check_notebooks.run_notebook(path) == []
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].outputs[0].text = "3\n"  # the book printed something else
    nbformat.write(notebook, path)
    assert check_notebooks.run_notebook(path) == ["output 0: book '3\\n' != fresh run '2\\n'"]


def test_notebook_that_needs_the_repository_is_reported():
    allowed = check_notebooks.reader_modules()
    assert {"nnbook", "numpy", "sklearn", "myst_nb", "keras", "json"} <= allowed
    assert "pytest" not in allowed  # a test tool, not something a reader installs

    def problems(*sources):
        cells = [nbformat.v4.new_code_cell(source) for source in sources]
        return check_notebooks.repository_uses(nbformat.v4.new_notebook(cells=cells), allowed)

    assert problems("import numpy as np\nfrom myst_nb import glue\nfrom nnbook import benchmark") == []
    assert problems('import runpy\nrunpy.run_path("../examples/plot_x.py")') == [
        "cell 0: a path out of the notebook's folder (../)",
        "cell 0: the repository's book/examples/",
        "cell 0: runs a script of the repository (runpy)",
    ]
    assert problems("import sys\nsys.path.insert(0, 'benchmarks')", "import train_step") == [
        "cell 0: the repository's benchmarks/",
        "cell 0: changes sys.path",
        "cell 1: imports train_step, which nnbook[notebooks,compare] does not install",
    ]


def test_glue_refuses_numpy_scalars_under_pytest():
    """The root conftest makes myst_nb.glue refuse a NumPy scalar (the build would fail on it)."""
    import myst_nb
    import numpy as np

    with pytest.raises(TypeError, match="NumPy scalar"):
        myst_nb.glue("a_number", np.float64(0.98), display=False)
    myst_nb.glue("a_number", 0.98, display=False)  # a Python float is fine
