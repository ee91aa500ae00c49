"""Nothing is used before it is derived: no {eq} reference points to a later chapter.

The reading order is the order of the toctrees: ``book/index.md``, then each document it
lists, each followed (depth first) by the documents of its own toctree, as Sphinx numbers and
navigates them. Every equation is defined in one chapter (a ``$$ ... $$ (eq-label)`` block or
a ``{math}`` directive with ``:label:``); an ``{eq}`` reference to it from an earlier chapter
would use a result the reader has not seen yet. Forward pointers with ``{ref}`` or ``{doc}``
("the code comes in Part D") use no result and are fine.
"""

from __future__ import annotations

import re
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent / "book"

TOCTREE = re.compile(r"^(?P<fence>`{3,})\{toctree\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.S | re.M)
ENTRY_TARGET = re.compile(r"<(?P<target>[^>]+)>\s*$")
DISPLAY_LABEL = re.compile(r"^\$\$[ \t]*\((?P<label>eq-[^)\s]+)\)[ \t]*$", re.M)
MATH_DIRECTIVE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{math\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.S | re.M)
MATH_LABEL = re.compile(r"^:label:[ \t]*(?P<label>\S+)[ \t]*$", re.M)
EQ_REFERENCE = re.compile(r"\{eq\}`(?:[^`<]*<)?(?P<label>[^`>]+)>?`")


def toctree_entries(text: str) -> list[str]:
    """The documents a page's toctrees list, in order (relative names, without suffix)."""
    entries = []
    for block in TOCTREE.finditer(text):
        for line in block.group("body").splitlines():
            line = line.strip()
            if not line or line.startswith(":"):
                continue
            explicit = ENTRY_TARGET.search(line)
            entries.append(explicit.group("target").strip() if explicit else line)
    return entries


def reading_order(root: Path = BOOK, start: str = "index") -> list[str]:
    """Documents (names relative to root, without .md) in toctree order, depth first.

    Entries without a Markdown source (the generated gallery) are skipped.
    """
    order: list[str] = []

    def visit(name: str) -> None:
        path = root / f"{name}.md"
        if name in order or not path.is_file():
            return
        order.append(name)
        parent = Path(name).parent
        for entry in toctree_entries(path.read_text()):
            child = entry.lstrip("/") if entry.startswith("/") else (parent / entry).as_posix()
            visit(str(Path(child)))

    visit(start)
    return order


def definitions(text: str) -> list[str]:
    """Equation labels defined in a chapter, in order of appearance."""
    found = [(m.start(), m.group("label")) for m in DISPLAY_LABEL.finditer(text)]
    for block in MATH_DIRECTIVE.finditer(text):
        for label in MATH_LABEL.finditer(block.group("body")):
            found.append((block.start(), label.group("label")))
    return [label for _, label in sorted(found)]


def references(text: str) -> list[str]:
    """Equation labels referenced with {eq}, in order of appearance."""
    return [m.group("label").strip() for m in EQ_REFERENCE.finditer(text)]


def forward_references(chapters: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(chapter, label, defining chapter) for every {eq} reference to a later chapter.

    `chapters` is a list of (name, text) in reading order.
    """
    defined_in: dict[str, int] = {}
    for index, (_, text) in enumerate(chapters):
        for label in definitions(text):
            defined_in.setdefault(label, index)
    problems = []
    for index, (name, text) in enumerate(chapters):
        for label in references(text):
            where = defined_in.get(label)
            if where is not None and where > index:
                problems.append((name, label, chapters[where][0]))
    return problems


def book_chapters() -> list[tuple[str, str]]:
    return [(name, (BOOK / f"{name}.md").read_text()) for name in reading_order()]


def test_reading_order_follows_the_toctrees():
    order = reading_order()
    assert order[0] == "index"
    parts = [name for name in order if name.endswith("/index") and name.startswith("part-")]
    assert parts == sorted(parts), parts  # part-b before part-c before part-d ...
    # every chapter of a part comes right after the part's index, in its toctree's order
    for part in parts:
        folder = part.rsplit("/", 1)[0]
        listed = [f"{folder}/{entry}" for entry in toctree_entries((BOOK / f"{part}.md").read_text())]
        start = order.index(part)
        assert order[start + 1 : start + 1 + len(listed)] == listed
    # no chapter of a part is left out of the reading order
    for md in BOOK.glob("part-*/*.md"):
        assert md.relative_to(BOOK).with_suffix("").as_posix() in order, md


def test_every_referenced_equation_is_defined():
    chapters = book_chapters()
    defined = {label for _, text in chapters for label in definitions(text)}
    undefined = sorted({(name, label) for name, text in chapters for label in references(text) if label not in defined})
    assert not undefined, undefined


def test_no_equation_is_used_before_the_chapter_that_derives_it():
    problems = forward_references(book_chapters())
    assert not problems, "\n".join(
        f"{name} uses {{eq}}`{label}`, derived later in {where}" for name, label, where in problems
    )


def test_the_checker_catches_a_forward_reference():
    first = "See {eq}`eq-later` and {eq}`the sum <eq-sum>`.\n\n$$\na = b\n$$ (eq-early)\n"
    second = "$$\nc = d\n$$ (eq-later)\n\n```{math}\n:label: eq-sum\nx + y\n```\n\nAs {eq}`eq-early`.\n"
    assert definitions(second) == ["eq-later", "eq-sum"]
    assert references(first) == ["eq-later", "eq-sum"]
    assert forward_references([("one", first), ("two", second)]) == [
        ("one", "eq-later", "two"),
        ("one", "eq-sum", "two"),
    ]
    # the other order: now the two references point back, and the one to eq-early forward
    assert forward_references([("two", second), ("one", first)]) == [("two", "eq-early", "one")]
    # references within a chapter are not flagged
    assert forward_references([("one", first + second)]) == []


def test_the_toctree_parser_reads_explicit_titles(tmp_path):
    (tmp_path / "index.md").write_text("# Book\n\n```{toctree}\n:maxdepth: 1\n\nA <a/index>\nb\n```\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.md").write_text("```{toctree}\n:caption: x\n\nlater\nfirst\n```\n")
    (tmp_path / "a" / "later.md").write_text("")
    (tmp_path / "a" / "first.md").write_text("")
    (tmp_path / "b.md").write_text("")
    assert reading_order(tmp_path) == ["index", "a/index", "a/later", "a/first", "b"]
