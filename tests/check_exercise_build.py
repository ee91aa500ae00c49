"""Check the book built without solutions (``make html-exercises``).

Usage (CI, ``.ci/run``)::

    .venv/bin/python tests/check_exercise_build.py _build/html-exercises --with-solutions _build/html

For every page of ``book/`` that has exercises:

- every exercise is on the page (an element with the exercise's label as its id);
- no solution is: no element of class ``solution``, and no line of code from a solution's cells
  (lines of 20 characters or more that are not part of
  another cell, the prose, or a
  script or module the chapters include) in the page's text;
- with ``--with-solutions``, those same lines *are* in the default build's page, so the check
  above looks for something that would be there;
- the build offers neither page sources nor notebooks (``_sources/`` holds no ``.md`` or
  ``.ipynb``): they hold the solutions.

Exits with status 1 and a list of the problems.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from prose_stats import parse  # noqa: E402

BOOK = Path(__file__).resolve().parent.parent / "book"
SKIP = {"gallery", "gen_modules", "_static", "_ext", "examples"}
SOLUTION_CLASS = re.compile(r'class="[^"]*\bsolution\b[^"]*"')
TAG = re.compile(r"<[^>]+>")


def page_text(path: Path) -> str:
    """The text of an HTML page, tags removed, entities decoded, whitespace runs kept as one space."""
    text = html.unescape(TAG.sub("", path.read_text("utf-8")))
    return re.sub(r"[ \t]+", " ", text)


def _included_code() -> str:
    """The scripts and modules that chapters show with literalinclude."""
    root = BOOK.parent
    files = [*sorted((BOOK / "examples").glob("*.py")), *sorted((root / "nnbook").glob("*.py"))]
    return "\n".join(re.sub(r"[ \t]+", " ", f.read_text()) for f in files)


def solution_lines(text: str) -> list[str]:
    """Distinctive code lines of the chapter's solutions (not part of any other cell or the prose)."""
    chapter = parse(text)

    def norm(line: str) -> str:
        return re.sub(r"[ \t]+", " ", line.strip())

    other = {norm(line) for cell in chapter.cells if cell.role != "solution" for line in cell.source.splitlines()}
    other |= {norm(line) for _, source, _ in chapter.code_blocks for line in source.splitlines()}
    rest = "\n".join(sorted(other)) + "\n" + " ".join(norm(line) for _, line, _ in chapter.prose) + _included_code()
    lines = []
    for cell in chapter.cells:
        if cell.role == "solution":
            for line in cell.source.splitlines():
                line = norm(line)
                if len(line) >= 20 and line not in rest and not line.startswith("#"):
                    lines.append(line)
    return list(dict.fromkeys(lines))


def check(exercises_dir: Path, full_dir: Path | None = None, book: Path = BOOK) -> list[str]:
    problems = []
    pages = sorted(p for p in book.rglob("*.md") if not SKIP & set(p.relative_to(book).parts))
    n_exercises = 0
    for md in pages:
        text = md.read_text()
        chapter = parse(text)
        if not chapter.exercises:
            continue
        name = md.relative_to(book).with_suffix("").as_posix()
        page = exercises_dir / f"{name}.html"
        if not page.is_file():
            problems.append(f"{name}: no page {page}")
            continue
        raw = page.read_text("utf-8")
        for exercise in chapter.exercises:
            n_exercises += 1
            if exercise.label and f'id="{exercise.label}"' not in raw:
                problems.append(f"{name}: exercise {exercise.label} is missing")
        if SOLUTION_CLASS.search(raw):
            problems.append(f"{name}: an element of class 'solution' is on the page")
        shown = page_text(page)
        lines = solution_lines(text)
        for line in lines:
            if line in shown:
                problems.append(f"{name}: solution code is on the page: {line!r}")
        if full_dir is not None and lines:
            full = page_text(full_dir / f"{name}.html")
            if not any(line in full for line in lines):
                problems.append(f"{name}: no solution line found in the default build either: the check sees nothing")
    if n_exercises == 0:
        problems.append("no exercise found in book/")
    sources = exercises_dir / "_sources"
    if sources.is_dir():
        leaked = sorted(
            p.relative_to(exercises_dir).as_posix() for p in sources.rglob("*") if p.suffix in (".md", ".ipynb", ".txt")
        )
        if leaked:
            problems.append(f"page sources offered for download: {leaked[:5]} ...")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises_dir", type=Path)
    parser.add_argument("--with-solutions", type=Path, default=None, help="the default build, _build/html")
    args = parser.parse_args(argv)
    problems = check(args.exercises_dir, args.with_solutions)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{args.exercises_dir}: every exercise is there, no solution is")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
