"""What a reader sees on a chapter page: code cells, precision figures, words, exercises.

Run it from the repository root::

    .venv/bin/python tests/prose_stats.py            # one line per chapter, totals per group
    .venv/bin/python tests/prose_stats.py --numbers  # also list the precision figures found

The module is also the one reader of MyST chapters that the tests share
(``tests/test_visible_cells.py``, ``tests/test_exercises.py``, ``tests/test_reading_order.py``):
:func:`parse` splits a chapter into prose lines and code cells, each tagged with the region of
the page it sits in.

The rules, exactly
------------------
*Regions.* A line or cell is in

- ``deeper`` from a heading ``## Going deeper: ...`` (any level 2 or 3 heading starting with
  "Going deeper") to the next heading of the same or a higher level;
- ``exercise`` under a heading ``## Exercises`` (to the next heading of level 2 or higher), and
  inside any ``{exercise}``/``{solution}`` directive or between ``{exercise-start}`` and
  ``{exercise-end}``, ``{solution-start}`` and ``{solution-end}``, wherever they are;
- ``main`` everywhere else: the main path.

*Visible code cell.* A ``{code-cell}`` whose tags (``:tags: [...]`` or a ``tags:`` line in its
YAML options block) include none of ``hide-input``, ``hide-cell``, ``remove-input``,
``remove-cell``. Its *plumbing* is a ``glue(`` call, an ``assert`` statement (a line whose first
word is ``assert``) or a ``# check:`` comment. (``np.testing.assert_*`` calls are listed in their
own column, ``np.testing``, for information; the book's rule is about the three above.)

*Prose.* The Markdown text outside code cells, code blocks (any fence that is not a directive
holding text: ``{code-cell}``, ``{doctest}``, ``{eval-rst}``, ``{toctree}``, ``{literalinclude}``,
``{math}``, plain ```` ```python ````, ...), display math (``$$ ... $$``), directive option
lines (``:name: ...``), the YAML front matter, MyST comments (``% ...``), label lines
(``(label)=``) and HTML comments. Directives that hold text (admonitions, figure captions,
exercises, solutions, dropdowns) are prose. In a prose line, inline code (`` `...` ``) and the
roles ``{ref}``, ``{eq}``, ``{numref}``, ``{doc}``, ``{py:...}``, ``{term}``, ... are dropped; inline
math (``$...$``) is kept: the reader sees its numbers.

*Precision figure* (in the main path only):

- a written number with a decimal point or an exponent: ``0.5``, ``1.10``, ``2.3e-06``,
  ``1e-7``, ``10^{-8}`` (a power of ten written in inline math); a number inside a word or
  a name (``float64``, ``part-b``) does not count, nor a bare integer;
- a glued number ``{glue:text}`key:FMT``` or ``{glue}`key:FMT``` whose format shows digits
  after the point or an exponent: type ``f``/``F``/``%`` with precision 1 or more
  (``.3f``, ``.1%``, ``+.3f``), any ``e``/``E`` (``.1e``, ``.0e``), and ``g``/``G`` (``g``,
  ``.2g``: it prints decimals for the small values it is used for). A glue with ``.0f``,
  ``.0%``, ``d`` or ``,`` shows a whole number and does not count; nor does a glue without a
  format (the script does not see the value; in the book these are counts such as 30 or 1251).

Figures in the rows of a Markdown table (a line starting with ``|``) are counted apart, in
the column ``tables``: a small table is where the book puts measurement detail, so they are
not counted as figures of the running prose.

*Words.* Whitespace-separated tokens of the prose lines, per region.

*Exercises.* Every ``{exercise}`` or ``{exercise-start}``; its title is the text after the
directive name. It has a difficulty mark if the title starts with ``Warm-up: ``, ``★ ``,
``★★ `` or ``★★★ ``; it is gated if it is an ``{exercise-start}``.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent / "book"

HIDING_TAGS = frozenset({"hide-input", "hide-cell", "remove-input", "remove-cell"})
DIFFICULTY_PREFIXES = ("Warm-up: ", "★ ", "★★ ", "★★★ ")

# Directives whose body is not prose (code, maths, tables of contents, raw input).
NON_PROSE_DIRECTIVES = frozenset(
    {
        "code-cell",
        "doctest",
        "testcode",
        "testoutput",
        "eval-rst",
        "toctree",
        "literalinclude",
        "math",
        "code-block",
        "code",
        "sourcecode",
        "raw",
        "glue",
        "glue:any",
        "nb-exec-table",
        "minigallery",
        "autofunction",
        "autoclass",
        "automodule",
    }
)
EXERCISE_DIRECTIVES = frozenset({"exercise", "solution"})

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]{0,3})(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>[^`]*)$")
DIRECTIVE_NAME = re.compile(r"^\{(?P<name>[^}]+)\}\s*(?P<arg>.*)$")
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.*?)\s*#*\s*$")
OPTION_LINE = re.compile(r"^:[\w-]+:")
TAGS_LINE = re.compile(r"^:?tags:\s*\[(?P<tags>[^\]]*)\]")
ASSERT_LINE = re.compile(r"^\s*assert\b")
GLUE_CALL = re.compile(r"\bglue\(")
CHECK_COMMENT = re.compile(r"#\s*check:")
NP_TESTING = re.compile(r"\b(?:np\.testing|numpy\.testing)\.assert_|\bassert_allclose\(|\bassert_array_equal\(")

# Roles: {glue:text}`key:fmt`, {glue}`key:fmt`, and every other role, then inline code.
GLUE_ROLE = re.compile(r"\{glue(?::text|:any)?\}`(?P<body>[^`]*)`")
ANY_ROLE = re.compile(r"\{[\w:.-]+\}`[^`]*`")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
HTML_COMMENT = re.compile(r"<!--.*?-->")
LINK_TARGET = re.compile(r"\]\([^)]*\)")  # [text](target): the target is not shown
NUMBER = re.compile(
    r"(?<![\w.\-])"  # not inside a word or a name (float64, part-b, 1.2.3)
    r"(?:\d+\.\d+(?:[eE][-+−]?\d+)?|\d+[eE][-+−]?\d+|10\^\{?[-−]\d+\}?)"
    r"(?![\w.](?=\w))"  # not followed by more of a word (1.2.3, 1.5x is fine: x ends it)
)


@dataclass
class Cell:
    """A ``{code-cell}`` of a chapter."""

    source: str
    tags: frozenset[str]
    region: str
    line: int  # 1-based line of the opening fence
    exercise: str | None = None  # the label of the exercise or solution it sits in
    role: str | None = None  # "exercise" or "solution" when inside one

    @property
    def visible(self) -> bool:
        return not (self.tags & HIDING_TAGS)

    def plumbing(self) -> list[str]:
        """What a visible cell must not hold: 'glue(', 'assert', '# check:'."""
        found = []
        if GLUE_CALL.search(self.source):
            found.append("glue(")
        if any(ASSERT_LINE.match(line) for line in self.source.splitlines()):
            found.append("assert")
        if CHECK_COMMENT.search(self.source):
            found.append("# check:")
        return found


@dataclass
class Exercise:
    label: str | None
    title: str
    gated: bool
    line: int

    @property
    def marked(self) -> bool:
        return self.title.startswith(DIFFICULTY_PREFIXES)

    @property
    def warm_up(self) -> bool:
        return self.title.startswith("Warm-up: ")


@dataclass
class Chapter:
    name: str
    prose: list[tuple[int, str, str]] = field(default_factory=list)  # (line, text, region)
    cells: list[Cell] = field(default_factory=list)
    code_blocks: list[tuple[int, str, str]] = field(default_factory=list)  # (line, source, region)
    exercises: list[Exercise] = field(default_factory=list)


def _parse_tags(body_lines: list[str]) -> tuple[frozenset[str], int]:
    """Tags of a code cell and the number of option lines before its source."""
    tags: set[str] = set()
    skip = 0
    if body_lines and body_lines[0].strip() == "---":  # YAML options block
        for i, line in enumerate(body_lines[1:], start=1):
            if line.strip() == "---":
                skip = i + 1
                break
            m = TAGS_LINE.match(line.strip())
            if m:
                tags.update(t.strip().strip("'\"") for t in m.group("tags").split(",") if t.strip())
    else:
        while skip < len(body_lines) and OPTION_LINE.match(body_lines[skip].strip()):
            m = TAGS_LINE.match(body_lines[skip].strip())
            if m:
                tags.update(t.strip().strip("'\"") for t in m.group("tags").split(",") if t.strip())
            skip += 1
    return frozenset(tags), skip


def parse(text: str, name: str = "") -> Chapter:
    """Split a MyST chapter into prose lines, code cells, code blocks and exercises."""
    chapter = Chapter(name)
    lines = text.splitlines()
    i = 0
    # YAML front matter
    if lines and lines[0].strip() == "---":
        for j in range(1, len(lines)):
            if lines[j].strip() == "---":
                i = j + 1
                break
    section = "main"  # region given by the headings: main, deeper, exercise
    section_level = 0
    gated: tuple[str, str | None] | None = None  # ("exercise"|"solution", label) between -start and -end
    # stack of open prose-holding directives: (fence, name, label)
    stack: list[tuple[str, str, str | None]] = []
    in_comment = False

    def region() -> str:
        if gated or any(d[1] in EXERCISE_DIRECTIVES for d in stack):
            return "exercise"
        return section

    def current_exercise() -> tuple[str | None, str | None]:
        for _, dname, label in reversed(stack):
            if dname in EXERCISE_DIRECTIVES:
                return label, dname
        if gated:
            return gated[1], gated[0]
        return None, None

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if in_comment:
            if "-->" in line:
                in_comment = False
            i += 1
            continue
        if stripped.startswith("<!--") and "-->" not in stripped:
            in_comment = True
            i += 1
            continue
        # closing fence of an open prose directive
        if stack and stripped == stack[-1][0]:
            stack.pop()
            i += 1
            continue
        m = FENCE_OPEN.match(line.rstrip())
        if m:
            fence, info = m.group("fence"), m.group("info").strip()
            d = DIRECTIVE_NAME.match(info)
            dname = d.group("name").strip() if d else None
            arg = d.group("arg").strip() if d else ""
            # find the matching close (same character, at least as long, nothing else)
            close = i + 1
            body_start = i + 1
            if dname is None or dname in NON_PROSE_DIRECTIVES:
                depth_close = None
                for j in range(i + 1, len(lines)):
                    s = lines[j].strip()
                    if s and set(s) == {fence[0]} and len(s) >= len(fence):
                        depth_close = j
                        break
                close = depth_close if depth_close is not None else len(lines)
                body = lines[body_start:close]
                if dname == "code-cell":
                    tags, skip = _parse_tags(body)
                    label, role = current_exercise()
                    chapter.cells.append(Cell("\n".join(body[skip:]), tags, region(), i + 1, exercise=label, role=role))
                elif dname != "math":
                    chapter.code_blocks.append((i + 1, "\n".join(body), region()))
                i = close + 1
                continue
            # a directive that holds prose: read its options, then keep parsing inside it
            j = i + 1
            label = None
            options: list[str] = []
            if j < len(lines) and lines[j].strip() == "---":
                for k in range(j + 1, len(lines)):
                    if lines[k].strip() == "---":
                        options = lines[j + 1 : k]
                        j = k + 1
                        break
            else:
                while j < len(lines) and OPTION_LINE.match(lines[j].strip()):
                    options.append(lines[j])
                    j += 1
            for opt in options:
                om = re.match(r"^\s*:?label:\s*(\S+)", opt)
                if om:
                    label = om.group(1)
            if dname in ("exercise-start", "solution-start"):
                kind = "exercise" if dname == "exercise-start" else "solution"
                if kind == "exercise":
                    chapter.exercises.append(Exercise(label, arg, True, i + 1))
                    gated = ("exercise", label)
                else:
                    gated = ("solution", arg or None)
                # these directives close right after their options
                k = j
                while k < len(lines) and lines[k].strip() != fence:
                    k += 1
                i = k + 1
                continue
            if dname in ("exercise-end", "solution-end"):
                gated = None
                k = j
                while k < len(lines) and lines[k].strip() != fence:
                    k += 1
                i = k + 1
                continue
            if dname == "exercise":
                chapter.exercises.append(Exercise(label, arg, False, i + 1))
            if dname == "solution":
                label = arg or None
            stack.append((fence, dname or "", label))
            if arg and dname not in ("glue:figure", "figure", "solution"):
                chapter.prose.append((i + 1, arg, region()))  # a title is prose
            i = j
            continue
        # display math
        if stripped.startswith("$$"):
            if stripped.count("$$") >= 2 and len(stripped) > 2 and not re.match(r"^\$\$\s*(\(.*\))?$", stripped):
                i += 1
                continue
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("$$"):
                j += 1
            i = j + 1
            continue
        h = HEADING.match(line) if not stack else None
        if h:
            level, title = len(h.group("hashes")), h.group("title")
            if section != "main" and level <= section_level:
                section, section_level = "main", 0
            if level in (2, 3) and title.startswith("Going deeper"):
                section, section_level = "deeper", level
            elif level == 2 and title.strip() == "Exercises":
                section, section_level = "exercise", level
            chapter.prose.append((i + 1, title, region()))
            i += 1
            continue
        if (
            not stripped
            or stripped.startswith("%")
            or re.match(r"^\([\w:.-]+\)=$", stripped)
            or (stack and OPTION_LINE.match(stripped))
        ):
            i += 1
            continue
        chapter.prose.append((i + 1, HTML_COMMENT.sub("", line), region()))
        i += 1
    return chapter


def glue_is_precision(body: str) -> bool:
    """Whether a glued value, ``key:FMT``, is shown with decimals or an exponent."""
    if ":" not in body:
        return False
    fmt = body.split(":", 1)[1].strip()
    m = re.search(r"(?:\.(?P<prec>\d+))?(?P<type>[a-zA-Z%])?$", fmt)
    if not m:
        return False
    kind, prec = m.group("type"), m.group("prec")
    if kind in ("e", "E", "g", "G"):
        return True
    if kind in ("f", "F", "%"):
        return prec is not None and int(prec) > 0
    return False


def precision_figures(text: str) -> list[str]:
    """The precision figures a reader sees in one prose line (see the module docstring)."""
    found = [f"{{glue}}{m.group('body')}" for m in GLUE_ROLE.finditer(text) if glue_is_precision(m.group("body"))]
    text = GLUE_ROLE.sub(" ", text)
    text = ANY_ROLE.sub(" ", text)
    text = INLINE_CODE.sub(" ", text)
    text = LINK_TARGET.sub("]", text)
    found += NUMBER.findall(text)
    return found


def is_table_row(text: str) -> bool:
    """Whether a prose line is a row of a Markdown table (measurement detail, not running prose)."""
    return text.lstrip().startswith("|")


def words(text: str) -> int:
    text = ANY_ROLE.sub("x", text)
    return len(text.split())


def reading_order(book: Path = BOOK) -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_reading_order import reading_order as order

    return order(book)


def chapter_stats(chapter: Chapter) -> dict:
    visible = [c for c in chapter.cells if c.visible]
    plumbing = [c for c in visible if c.plumbing()]
    main = [(line, text) for line, text, region in chapter.prose if region == "main"]
    numbers = [(line, n) for line, text in main if not is_table_row(text) for n in precision_figures(text)]
    in_tables = sum(len(precision_figures(text)) for _, text in main if is_table_row(text))
    glued = sum(1 for _, n in numbers if n.startswith("{glue}"))
    w = {"main": 0, "deeper": 0, "exercise": 0}
    for _, text, region in chapter.prose:
        w[region] += words(text)
    return {
        "cells": len(chapter.cells),
        "visible": len(visible),
        "plumbing": len(plumbing),
        "np_testing": sum(1 for c in visible if NP_TESTING.search(c.source) and not c.plumbing()),
        "precision": len(numbers),
        "precision_glued": glued,
        "precision_typed": len(numbers) - glued,
        "precision_tables": in_tables,
        "numbers": numbers,
        "words_main": w["main"],
        "words_deeper": w["deeper"],
        "words_exercise": w["exercise"],
        "exercises": len(chapter.exercises),
        "marked": sum(e.marked for e in chapter.exercises),
        "gated": sum(e.gated for e in chapter.exercises),
        "warmups": sum(e.warm_up for e in chapter.exercises),
    }


COLUMNS = [
    ("plumbing", "vis.cells w/ glue/assert/check"),
    ("np_testing", "vis.cells np.testing only"),
    ("precision", "precision figures in the main prose (glued + typed)"),
    ("precision_glued", "of which glued with a decimal/exponent format"),
    ("precision_typed", "of which typed (mostly in inline math)"),
    ("precision_tables", "precision figures in the main path's tables (not counted as prose)"),
    ("words_main", "words main"),
    ("words_deeper", "words going-deeper"),
    ("words_exercise", "words exercises"),
    ("exercises", "exercises"),
    ("marked", "with difficulty mark"),
    ("gated", "gated"),
    ("warmups", "warm-ups"),
]


def groups(book: Path = BOOK) -> dict[str, list[str]]:
    order = [n for n in reading_order(book) if not n.endswith("index")]
    return {
        "Front and back matter": [n for n in order if "/" not in n],
        "Parts B-C": [n for n in order if n.startswith(("part-b/", "part-c/"))],
        "Parts D-E": [n for n in order if n.startswith(("part-d/", "part-e/"))],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", action="store_true", help="list the precision figures found")
    parser.add_argument("--book", type=Path, default=BOOK, help="the book's source directory (default: book/)")
    args = parser.parse_args(argv)
    keys = [k for k, _ in COLUMNS]
    short = [
        "plumb",
        "nptest",
        "prec",
        "glued",
        "typed",
        "tables",
        "w.main",
        "w.deep",
        "w.exer",
        "ex",
        "marked",
        "gated",
        "warm",
    ]
    print("Columns: " + "; ".join(f"{s} = {title}" for s, (_, title) in zip(short, COLUMNS)))
    for group, names in groups(args.book).items():
        print(f"\n{group}")
        print(f"  {'chapter':<42}" + "".join(f"{s:>8}" for s in short))
        total = dict.fromkeys(keys, 0)
        for name in names:
            stats = chapter_stats(parse((args.book / f"{name}.md").read_text(), name))
            for k in keys:
                total[k] += stats[k]
            print(f"  {name:<42}" + "".join(f"{stats[k]:>8}" for k in keys))
            if args.numbers and stats["numbers"]:
                print("      " + ", ".join(f"{n} (l.{line})" for line, n in stats["numbers"]))
        print(f"  {'TOTAL ' + group:<42}" + "".join(f"{total[k]:>8}" for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
