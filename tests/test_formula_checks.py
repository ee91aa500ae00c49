"""Every displayed formula of Parts B and C is labelled and checked by executed code.

The convention (CONTRIBUTING.md): a display formula is a ``$$ ... $$ (eq-label)`` block, and
somewhere in the same chapter a code cell or doctest that checks it numerically carries the
comment ``# check: eq-label``. The cells themselves run in the build (myst-nb) and under
pytest (Sybil, via the root conftest.py); this file makes sure no formula is left without one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
CHAPTERS = sorted(p for part in ("part-b", "part-c") for p in (BOOK / part).glob("*.md") if p.name != "index.md")

DISPLAY = re.compile(r"^\$\$(?P<body>.*?)^\$\$[ \t]*(?:\((?P<label>[^)]*)\))?[ \t]*$", re.S | re.M)
CHECK = re.compile(r"#\s*check:\s*(?P<labels>eq-[a-z0-9-]+(?:\s*,\s*eq-[a-z0-9-]+)*)")
FENCE = re.compile(r"^(`{3,}|~{3,})", re.M)


def formulas(text: str) -> list[tuple[str | None, str]]:
    return [(m.group("label"), m.group("body")) for m in DISPLAY.finditer(text)]


def checks(text: str) -> set[str]:
    found = set()
    for m in CHECK.finditer(text):
        found.update(label.strip() for label in m.group("labels").split(","))
    return found


def test_parts_b_and_c_have_their_chapters():
    """The chapters checked here are exactly those the parts' tables of contents list."""
    from test_reading_order import toctree_entries

    listed = sorted(
        BOOK / part / f"{entry}.md"
        for part in ("part-b", "part-c")
        for entry in toctree_entries((BOOK / part / "index.md").read_text())
    )
    assert len(listed) >= 11
    assert CHAPTERS == listed


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_formula_is_labelled_and_checked(chapter):
    text = chapter.read_text()
    found = formulas(text)
    unlabelled = [body.strip()[:60] for label, body in found if not label]
    assert not unlabelled, f"display formulas without a label: {unlabelled}"
    labels = [label for label, _ in found]
    assert len(labels) == len(set(labels)), "a label is used twice"
    checked = checks(text)
    missing = [label for label in labels if label not in checked]
    assert not missing, f"formulas with no '# check: <label>' cell: {missing}"
    dangling = sorted(checked - set(labels))
    assert not dangling, f"'# check:' comments naming no formula of this chapter: {dangling}"


def test_labels_are_unique_across_the_book():
    seen: dict[str, str] = {}
    for md in sorted(BOOK.rglob("*.md")):
        if "gallery" in md.parts:
            continue
        for label, _ in formulas(md.read_text()):
            if label:
                assert label not in seen, f"{label} in {md} and {seen[label]}"
                seen[label] = str(md)


def test_the_parser_finds_what_it_should():
    """The checker must catch an unchecked formula (and not be fooled by a labelled one)."""
    text = "$$\na = b\n$$ (eq-x)\n\n$$\nc = d\n$$ (eq-y)\n\n```{code-cell} python\n# check: eq-x\n```\n"
    assert [label for label, _ in formulas(text)] == ["eq-x", "eq-y"]
    assert checks(text) == {"eq-x"}
    assert [label for label, _ in formulas("$$\nno label\n$$\n")] == [None]
