"""Check the executed notebooks the built book offers for download (``_sources/**/*.ipynb``).

1. Every chapter page links its notebook from the download menu, and the file is there.
2. Each notebook is valid (``nbformat``), has the page's code cells with their outputs, and
   stable cell ids (a rebuild must give the same bytes).
3. No notebook needs the repository (:func:`repository_uses`, for every notebook): no path
   that climbs out of its folder (``../``), no ``benchmarks`` or ``examples/`` path, no
   ``runpy`` or ``sys.path`` change, and every module it imports is in the standard library
   or installed by ``nnbook[notebooks,compare]`` (the package and its extras, as the installed
   metadata declares them).
4. The notebooks run (``--run``: ``all`` in CI, or a list) where a reader runs them: each
   copied alone into an empty directory, in a fresh kernel of a throwaway virtual environment
   in which ``nnbook`` is installed from the wheel the build offers
   (``_build/html/install/*.whl``), not from the repository; the third-party libraries come from
   the book's environment (a ``.pth`` line, without its editable ``nnbook``), no ``PYTHONPATH``,
   no IPython profile of this machine, none of the build's TensorFlow or thread settings.
   ``part-b/neuron`` must also print the same text outputs as in the book.

Usage, after ``make html``::

    .venv/bin/python tests/check_notebooks.py _build/html --run all
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from nnbook_build import IPYTHON_KERNEL_CONFIG  # noqa: E402

DEFAULT_HTML = ROOT / "_build" / "html"
#: The notebook whose text outputs a fresh run must reproduce (the others must run).
COMPARED = "part-b/neuron"
#: The extras a reader installs with nnbook to run every notebook.
READER_EXTRAS = ("notebooks", "compare")
#: Environment variables of the build that a reader does not have.
BUILD_VARIABLES = ("PYTHONPATH", "IPYTHONDIR", "MPLBACKEND", "TF_ENABLE_ONEDNN_OPTS", "TF_NUM_INTRAOP_THREADS",
                   "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                   "TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND")  # fmt: skip


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


# -- 3. nothing from the repository -----------------------------------------------------------------
_REPOSITORY_PATTERNS = {
    r"\.\./": "a path out of the notebook's folder (../)",
    r"\bbenchmarks\b": "the repository's benchmarks/",
    r"\bexamples/": "the repository's book/examples/",
    r"\brunpy\b": "runs a script of the repository (runpy)",
    r"\bsys\.path\b": "changes sys.path",
}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def reader_modules(extras=READER_EXTRAS) -> set[str]:
    """The top-level modules ``pip install "nnbook[<extras>]"`` provides: those of every
    distribution in the closure of nnbook's requirements with these extras (from the installed
    metadata, markers evaluated here), plus the standard library."""
    import importlib.metadata

    from packaging.requirements import Requirement

    seen: set[tuple[str, tuple]] = set()
    todo = [("nnbook", tuple(extras))]
    while todo:
        name, wanted = todo.pop()
        if (_canonical(name), wanted) in seen:
            continue
        seen.add((_canonical(name), wanted))
        try:
            requirements = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for text in requirements:
            requirement = Requirement(text)
            if requirement.marker and not any(requirement.marker.evaluate({"extra": e}) for e in wanted or ("",)):
                continue
            todo.append((requirement.name, tuple(sorted(requirement.extras))))
    distributions = {name for name, _ in seen}
    modules = {
        module
        for module, owners in importlib.metadata.packages_distributions().items()
        if any(_canonical(owner) in distributions for owner in owners)
    }
    return modules | set(sys.stdlib_module_names) | {"nnbook"}


def _imported_modules(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython syntax: fall back to the import lines
        names = re.findall(r"^\s*(?:from|import)\s+([\w.]+)", source, re.M)
        return {name.split(".")[0] for name in names}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def repository_uses(notebook, allowed: set[str]) -> list[str]:
    """What in the notebook's code needs the repository rather than the installed package."""
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for pattern, what in _REPOSITORY_PATTERNS.items():
            if re.search(pattern, cell.source):
                problems.append(f"cell {index}: {what}")
        for module in sorted(_imported_modules(cell.source) - allowed):
            problems.append(f"cell {index}: imports {module}, which nnbook[{','.join(READER_EXTRAS)}] does not install")
    return problems


# -- 4. running them where a reader runs them ----------------------------------------------------------
def run_notebook(path: Path, timeout: int = 300) -> list[str]:
    """Run ``path`` in a fresh kernel of this Python, in an empty directory; return the
    differences in text outputs from the stored notebook."""
    import nbformat
    from nbclient import NotebookClient

    stored = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="nnbook-notebook-") as tmp:
        fresh = _fresh_copy(path, Path(tmp))
        saved = {key: os.environ.pop(key, None) for key in BUILD_VARIABLES}
        os.environ["IPYTHONDIR"] = str(_kernel_profile(Path(tmp)))
        try:
            NotebookClient(fresh, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": tmp}}).execute()  # fmt: skip
        finally:
            for key, value in saved.items():
                os.environ.pop(key, None)
                if value is not None:
                    os.environ[key] = value
    return output_differences(stored, fresh)


def _fresh_copy(path: Path, folder: Path):
    import nbformat

    copy = folder / path.name
    shutil.copyfile(path, copy)
    fresh = nbformat.read(copy, as_version=4)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return fresh


def _kernel_profile(folder: Path) -> Path:
    """An IPYTHONDIR with the book's kernel settings (inline figures, the loopback-TCP warning
    dropped), as a reader's Jupyter would have its own."""
    profile = folder / "ipython" / "profile_default" / "ipython_kernel_config.py"
    profile.parent.mkdir(parents=True, exist_ok=True)
    profile.write_text(IPYTHON_KERNEL_CONFIG)
    return profile.parent.parent


def output_differences(stored, fresh) -> list[str]:
    before, after = text_outputs(stored), text_outputs(fresh)
    if before == after:
        return []
    diffs = [f"output {i}: book {b!r} != fresh run {a!r}"
             for i, (b, a) in enumerate(zip(before, after)) if b != a]  # fmt: skip
    if len(before) != len(after):
        diffs.append(f"{len(before)} text outputs in the book, {len(after)} in a fresh run")
    return diffs


def reader_environment(folder: Path, wheel: Path) -> Path:
    """A virtual environment in ``folder`` with ``wheel`` installed; returns its Python.

    The third-party libraries come from this Python's ``site-packages`` through a ``.pth``
    line: its ``.pth`` files (the editable ``nnbook`` of the repository among them) are not
    processed, so ``nnbook`` is the wheel's. The kernel is this environment's own.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    query = "import sysconfig; print(sysconfig.get_path('purelib'))"
    purelib = Path(subprocess.check_output([str(python), "-c", query], text=True).strip())
    (purelib / "_book_libraries.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True)  # fmt: skip
    kernel = folder / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    kernel.parent.mkdir(parents=True)
    kernel.write_text(json.dumps({"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                  "display_name": "Python 3 (reader)", "language": "python"}))  # fmt: skip
    return python


_RUNNER = """
import json, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
path, out, timeout = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
notebook = nbformat.read(path, as_version=4)
try:
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    error = None
except Exception as exc:
    error = f"{type(exc).__name__}: {exc}"[-3000:]
nbformat.write(notebook, out)
import nnbook
print(json.dumps({"error": error, "nnbook": nnbook.__file__}))
"""


def run_as_reader(python: Path, notebook: Path, work: Path, timeout: int = 600) -> tuple[list[str], object]:
    """Run ``notebook`` alone in an empty folder with ``python`` (of :func:`reader_environment`)."""
    import nbformat

    folder = work / notebook.stem
    folder.mkdir(parents=True)
    fresh = _fresh_copy(notebook, folder)
    # A last cell reports where the kernel found nnbook (removed again before any comparison).
    fresh.cells.append(nbformat.v4.new_code_cell("import nnbook as _n, sys as _s\nprint(_n.__file__, _s.executable)"))
    nbformat.write(fresh, folder / notebook.name)
    env = {key: value for key, value in os.environ.items() if key not in BUILD_VARIABLES}
    env["IPYTHONDIR"] = str(_kernel_profile(work / f"{notebook.stem}-ipython"))
    env["JUPYTER_PATH"] = str(python.parent.parent / "share" / "jupyter")  # its kernel first
    out = work / f"{notebook.stem}.executed.ipynb"
    result = subprocess.run([str(python), "-c", _RUNNER, str(folder / notebook.name), str(out), str(timeout)],
                            cwd=folder, env=env, capture_output=True, text=True, timeout=timeout + 60)  # fmt: skip
    if result.returncode != 0:
        return [f"the runner failed: {result.stderr[-2000:]}"], None
    report = json.loads(result.stdout.strip().splitlines()[-1])
    left = sorted(p.name for p in folder.iterdir() if p.name != notebook.name)
    problems = [f"failed in a reader's environment: {report['error']}"] if report["error"] else []
    if not Path(report["nnbook"]).is_relative_to(python.parent.parent):
        problems.append(f"nnbook was imported from {report['nnbook']}, not from the wheel")
    executed = nbformat.read(out, as_version=4)
    probe = executed.cells.pop()
    where = "".join(o.get("text", "") for o in probe.get("outputs", []) if o.get("output_type") == "stream").split()
    inside = len(where) == 2 and all(Path(w).is_relative_to(python.parent.parent) for w in where)
    if not report["error"] and not inside:
        problems.append(f"the kernel's nnbook and Python are not the reader environment's: {where}")
    return problems, (executed, left)


def chapter_pages(html_dir: Path) -> list[Path]:
    """Pages whose download menu offers a notebook."""
    return sorted(
        page for page in html_dir.rglob("*.html")
        if "_sources" not in page.parts and "download-notebook-button" in page.read_text("utf-8")
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html_dir", nargs="?", type=Path, default=DEFAULT_HTML)
    parser.add_argument("--run", default=COMPARED,
                        help="'all', or comma-separated notebooks (part-b/neuron,...) to run as a reader")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks run at once")
    parser.add_argument("--min-notebooks", type=int, default=20)
    args = parser.parse_args(argv)
    html_dir = args.html_dir
    failures: dict[str, list[str]] = {}
    pages = chapter_pages(html_dir)
    notebooks: dict[str, Path] = {}
    allowed = reader_modules()
    for page in pages:
        link = re.search(r'href="([^"]*_sources/[^"]*\.ipynb)"', page.read_text("utf-8"))
        notebook = (page.parent / link.group(1)).resolve() if link else None
        name = str(page.relative_to(html_dir).with_suffix(""))
        if notebook is None or not notebook.is_file():
            failures[name] = ["the download menu links a notebook that is not there"]
            continue
        notebooks[name] = notebook
        problems = notebook_problems(notebook)
        if not problems:
            problems = repository_uses(nbformat.read(notebook, as_version=4), allowed)
        if problems:
            failures[name] = problems
    if len(pages) < args.min_notebooks:
        failures["(book)"] = [f"{len(pages)} pages offer a notebook, expected {args.min_notebooks}"]

    wanted = sorted(notebooks) if args.run == "all" else [name for name in args.run.split(",") if name]
    wheels = sorted((html_dir / "install").glob("*.whl"))
    ran = 0
    if wanted and len(wheels) != 1:
        failures["(install)"] = [f"expected one wheel in {html_dir / 'install'}, found {len(wheels)}"]
    elif wanted:
        with tempfile.TemporaryDirectory(prefix="nnbook-reader-") as tmp:
            python = reader_environment(Path(tmp) / "venv", wheels[0])
            work = Path(tmp) / "notebooks"

            def run(name):
                if name not in notebooks:
                    return name, [f"no such notebook: {name}"]
                problems, executed = run_as_reader(python, notebooks[name], work / name.replace("/", "-"))
                if not problems and name == COMPARED:
                    problems = output_differences(nbformat.read(notebooks[name], as_version=4), executed[0])
                return name, problems

            with ThreadPoolExecutor(max(1, args.jobs)) as pool:
                for name, problems in pool.map(run, wanted):
                    ran += 1
                    print(f"  ran {name}: {'ok' if not problems else 'FAILED'}", flush=True)
                    if problems:
                        failures.setdefault(name, []).extend(problems)
    for name, problems in failures.items():
        print(f"{name}:", *problems, sep="\n  ", file=sys.stderr)
    passing = len(notebooks) - len(failures.keys() & notebooks.keys())
    print(
        f"{len(pages)} pages offer their executed notebook; {passing} pass every check; {ran} ran in a "
        "reader's environment (nnbook from the wheel, each notebook alone in an empty folder)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
