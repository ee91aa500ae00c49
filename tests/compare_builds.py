"""Compare two builds of the book file by file: they must be byte-identical, with listed exceptions.

The exceptions (``tests/reproducibility_exceptions.txt``) are the pages that report times
measured during the build, their notebooks, and the search index. A figure (``_images/``) may
differ, or exist in one build only, when every page that shows it is an exception: a timing
must not leak into any other page.

Usage (``.ci/run`` builds the book twice)::

    .venv/bin/python tests/compare_builds.py first/html second/html

Exits 1 and lists every unlisted difference.
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXCEPTIONS = ROOT / "tests" / "reproducibility_exceptions.txt"


def read_exceptions(path: Path = EXCEPTIONS) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def is_exception(relpath: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(relpath, pattern) for pattern in patterns)


def files(tree: Path) -> dict[str, Path]:
    return {p.relative_to(tree).as_posix(): p for p in sorted(tree.rglob("*")) if p.is_file()}


def pages_showing(image: str, tree: Path) -> list[str]:
    """The HTML pages of ``tree`` that reference the file ``image`` (by its name)."""
    name = re.escape(Path(image).name)
    return [
        p.relative_to(tree).as_posix() for p in sorted(tree.rglob("*.html"))
        if re.search(rf"[\"'/]{name}[\"'?#]", p.read_text(encoding="utf-8", errors="replace"))
    ]  # fmt: skip


def differences(first: Path, second: Path, patterns: list[str]) -> list[str]:
    """Every unlisted difference between the two trees, one line each."""
    a, b = files(first), files(second)
    found = []
    for relpath in sorted(a.keys() | b.keys()):
        if is_exception(relpath, patterns):
            continue
        if relpath in a and relpath in b and a[relpath].read_bytes() == b[relpath].read_bytes():
            continue
        state = ("only in the first build" if relpath not in b else
                 "only in the second build" if relpath not in a else "differs")  # fmt: skip
        if relpath.startswith("_images/"):
            showing = {*pages_showing(relpath, first), *pages_showing(relpath, second)}
            leaks = sorted(page for page in showing if not is_exception(page, patterns))
            if showing and not leaks:
                continue  # a figure of a timing page
            state += f", shown on {', '.join(leaks) or 'no page'}"
        found.append(f"{relpath}: {state}")
    return found


def listed_but_identical(first: Path, second: Path, patterns: list[str]) -> list[str]:
    """Listed patterns whose files were the same in both builds: candidates to drop from the list."""
    a, b = files(first), files(second)
    changed = {
        rel for rel in a.keys() | b.keys() if rel not in a or rel not in b or a[rel].read_bytes() != b[rel].read_bytes()
    }
    return [pattern for pattern in patterns if not any(fnmatch.fnmatchcase(rel, pattern) for rel in changed)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--exceptions", type=Path, default=EXCEPTIONS)
    args = parser.parse_args(argv)
    for tree in (args.first, args.second):
        if not (tree / "index.html").is_file():
            print(f"{tree}: not a built book", file=sys.stderr)
            return 2
    patterns = read_exceptions(args.exceptions)
    found = differences(args.first, args.second, patterns)
    count = len(files(args.first))
    if found:
        print(f"{len(found)} unlisted differences between the two builds:", *found,
              sep="\n  ", file=sys.stderr)  # fmt: skip
        return 1
    print(f"{count} files compared: identical except the {len(patterns)} listed exceptions")
    if unused := listed_but_identical(args.first, args.second, patterns):
        print("listed, but identical in both builds (drop from the list if they no longer report timings):")
        print(*unused, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
