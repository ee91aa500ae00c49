"""The reader sees teaching code: no visible cell holds a check.

A code cell is *visible* unless its tags include ``hide-input``, ``hide-cell``, ``remove-input``
or ``remove-cell`` (CONTRIBUTING.md, "Checks behind a fold"). A visible cell must not contain a
``glue(`` call, an ``assert`` statement or a ``# check:`` comment: those go into the next cell,
tagged ``hide-input``, whose source the page folds under "Show code cell source". The rule holds
for every page of the book, exercises and solutions included. ``tests/prose_stats.py`` reads the
chapters (the same parser) and counts what is left.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prose_stats import parse

BOOK = Path(__file__).resolve().parent.parent / "book"
SKIP = {"gallery", "gen_modules", "_static", "_ext", "examples"}
PAGES = sorted(p for p in BOOK.rglob("*.md") if not SKIP & set(p.relative_to(BOOK).parts))


def visible_plumbing(text: str, name: str = "") -> list[str]:
    """'name:line: what' for every visible cell that holds a check."""
    return [
        f"{name}:{cell.line}: visible cell with {', '.join(cell.plumbing())}"
        for cell in parse(text, name).cells
        if cell.visible and cell.plumbing()
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(BOOK).as_posix())
def test_no_visible_cell_holds_a_check(page):
    problems = visible_plumbing(page.read_text(), page.relative_to(BOOK).as_posix())
    assert not problems, "move these into a cell tagged hide-input:\n" + "\n".join(problems)


def test_the_checker_catches_a_visible_check():
    def cell(source: str, options: str = "") -> str:
        return f"```{{code-cell}} python\n{options}{source}\n```\n\n"

    text = (
        "# A page\n\n"
        + cell("x = 1\nassert x == 1")  # line 3: an assert
        + cell("glue('x', x, display=False)")  # line 8: a glue call
        + cell("# check: eq-x\ny = 2")  # line 12: a check comment
        + cell("assert x == 1", ":tags: [hide-input]\n")  # folded: fine
        + cell("glue('y', 2, display=False)", "---\ntags: [remove-cell]\n---\n")  # removed: fine
        + cell("np.testing.assert_allclose(x, 1)\nassertion = 'assert inside a word'")  # not an assert statement
        + "```{exercise-start} ★ An exercise\n:label: ex-a\n```\n\n"
        + cell("assert x")  # visible inside an exercise too
        + "```{exercise-end}\n```\n\n"
        + "```python\nassert 'a plain code block is not a cell'\n```\n"
    )
    assert visible_plumbing(text, "page") == [
        "page:3: visible cell with assert",
        "page:8: visible cell with glue(",
        "page:12: visible cell with # check:",
        "page:38: visible cell with assert",
    ]
    assert visible_plumbing(
        text.replace("```{code-cell} python\nassert x\n", "```{code-cell} python\n:tags: [hide-cell]\nassert x\n"),
        "page",
    ) == ["page:3: visible cell with assert", "page:8: visible cell with glue(", "page:12: visible cell with # check:"]
