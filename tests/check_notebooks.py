"""Check the executed notebooks the built book offers for download (``_sources/**/*.ipynb``).

1. Every chapter page links its notebook from the download menu, and the file is there.
2. Each notebook is valid (``nbformat``), has the page's code cells with their outputs, and
   stable cell ids (a rebuild must give the same bytes).
3. One notebook (``--run``, default ``part-b/neuron``) runs end to end in a fresh kernel
   (``nbclient``), copied alone into an empty temporary directory, with ``nnbook`` imported from
   the installed package, and prints the same text outputs as in the book.

Usage, after ``make html``::

    .venv/bin/python tests/check_notebooks.py _build/html
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from nnbook_build import IPYTHON_KERNEL_CONFIG  # noqa: E402

DEFAULT_HTML = ROOT / "_build" / "html"


def text_outputs(notebook) -> list[str]:
    """The text a reader sees under each code cell (streams and ``text/plain``), in order."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts.append(output.text)
            elif (
                "data" in output
                and "text/plain" in output.data
                and not any(key.startswith("image/") for key in output.data)
            ):
                texts.append(output.data["text/plain"])
    return texts


def notebook_problems(path: Path) -> list[str]:
    """What is wrong with one downloaded notebook (empty when nothing is)."""
    import nbformat

    try:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001 -- every failure is a finding
        return [f"not a valid notebook: {error}"]
    problems = []
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if code and not any(cell.get("outputs") for cell in code):
        problems.append("code cells but no outputs: not the executed notebook")
    if any(cell.get("execution_count") is None for cell in code if cell.source.strip()):
        problems.append("a code cell was not executed")
    ids = [cell.get("id") for cell in notebook.cells]
    if ids != [f"cell-{i}" for i in range(len(ids))]:
        problems.append("cell ids are not the stable cell-0, cell-1, ...")
    return problems


def run_notebook(path: Path, timeout: int = 300) -> list[str]:
    """Run ``path`` in a fresh kernel in an empty directory; return the differences in text."""
    import nbformat
    from nbclient import NotebookClient

    stored = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="nnbook-notebook-") as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        fresh = nbformat.read(copy, as_version=4)
        for cell in fresh.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        # A kernel as a reader's Jupyter starts it: nnbook from the installed package (no
        # PYTHONPATH), no IPython profile of this machine; the book's kernel settings (inline
        # figures, the loopback-TCP warning dropped) from a throwaway IPYTHONDIR.
        saved = {key: os.environ.pop(key, None) for key in ("PYTHONPATH", "IPYTHONDIR")}
        profile = Path(tmp) / "ipython" / "profile_default" / "ipython_kernel_config.py"
        profile.parent.mkdir(parents=True)
        profile.write_text(IPYTHON_KERNEL_CONFIG)
        os.environ["IPYTHONDIR"] = str(profile.parent.parent)
        try:
            NotebookClient(fresh, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": tmp}}).execute()  # fmt: skip
        finally:
            for key, value in saved.items():
                os.environ.pop(key, None)
                if value is not None:
                    os.environ[key] = value
    before, after = text_outputs(stored), text_outputs(fresh)
    if before == after:
        return []
    diffs = [f"output {i}: book {b!r} != fresh run {a!r}"
             for i, (b, a) in enumerate(zip(before, after)) if b != a]  # fmt: skip
    if len(before) != len(after):
        diffs.append(f"{len(before)} text outputs in the book, {len(after)} in a fresh run")
    return diffs


def chapter_pages(html_dir: Path) -> list[Path]:
    """Pages whose download menu offers a notebook."""
    return sorted(
        page for page in html_dir.rglob("*.html")
        if "_sources" not in page.parts and "download-notebook-button" in page.read_text("utf-8")
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html_dir", nargs="?", type=Path, default=DEFAULT_HTML)
    parser.add_argument("--run", default="part-b/neuron", help="the notebook run end to end")
    parser.add_argument("--min-notebooks", type=int, default=20)
    args = parser.parse_args(argv)
    html_dir = args.html_dir
    failures: dict[str, list[str]] = {}
    pages = chapter_pages(html_dir)
    for page in pages:
        link = re.search(r'href="([^"]*_sources/[^"]*\.ipynb)"', page.read_text("utf-8"))
        notebook = (page.parent / link.group(1)).resolve() if link else None
        name = str(page.relative_to(html_dir))
        if notebook is None or not notebook.is_file():
            failures[name] = ["the download menu links a notebook that is not there"]
            continue
        if problems := notebook_problems(notebook):
            failures[name] = problems
    if len(pages) < args.min_notebooks:
        failures["(book)"] = [f"{len(pages)} pages offer a notebook, expected {args.min_notebooks}"]
    run = html_dir / "_sources" / f"{args.run}.ipynb"
    if diffs := run_notebook(run):
        failures[str(run.relative_to(html_dir))] = diffs
    for name, problems in failures.items():
        print(f"{name}:", *problems, sep="\n  ", file=sys.stderr)
    print(f"{len(pages)} pages offer their executed notebook; {args.run}.ipynb re-ran in a "
          f"fresh kernel {'with the same' if not diffs else 'with DIFFERENT'} text outputs")  # fmt: skip
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
