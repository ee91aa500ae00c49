"""Exercises a lecturer can assign and a student can start.

Every exercise of the book (CONTRIBUTING.md, "Exercises"):

- uses the gated form, ``{exercise-start}`` ... ``{exercise-end}``, so that it can hold its own
  setup cell, and its title starts with its difficulty: ``Warm-up: ``, ``★ `` (routine),
  ``★★ `` (needs thought) or ``★★★ `` (challenging, or about a Going-deeper section);
- runs on its own: the code cells between its ``{exercise-start}`` and ``{exercise-end}``,
  followed by those between its ``{solution-start}`` and ``{solution-end}``, run top to bottom
  in a fresh namespace and succeed. No variable from an earlier cell of the chapter, no import
  made elsewhere. One subprocess per chapter runs all its exercises (``MPLBACKEND=Agg``, the
  chapter's folder as working directory, as in the build).

Each chapter of Parts B and C has at least one warm-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prose_stats import DIFFICULTY_PREFIXES, parse
from test_reading_order import reading_order

BOOK = Path(__file__).resolve().parent.parent / "book"
SKIP = {"gallery", "gen_modules", "_static", "_ext", "examples"}
PAGES = sorted(p for p in BOOK.rglob("*.md") if not SKIP & set(p.relative_to(BOOK).parts))
WITH_EXERCISES = [p for p in PAGES if "{exercise" in p.read_text()]
PARTS_B_C = [BOOK / f"{name}.md" for name in reading_order() if name.startswith(("part-b/", "part-c/"))]
PARTS_B_C = [p for p in PARTS_B_C if p.name != "index.md"]


def ids(path: Path) -> str:
    return path.relative_to(BOOK).as_posix()


def form_problems(text: str, name: str = "") -> list[str]:
    """Exercises not in the gated form, or without a difficulty mark."""
    problems = []
    for exercise in parse(text, name).exercises:
        where = f"{name}:{exercise.line} ({exercise.label or 'no label'})"
        if not exercise.gated:
            problems.append(f"{where}: use {{exercise-start}} ... {{exercise-end}}")
        if not exercise.marked:
            problems.append(f"{where}: the title {exercise.title!r} does not start with one of {DIFFICULTY_PREFIXES}")
        if not exercise.label:
            problems.append(f"{where}: no :label:")
    return problems


def exercise_programs(text: str, name: str = "") -> dict[str, str]:
    """For each exercise label: its cells, then its solution's cells, as one program."""
    chapter = parse(text, name)
    programs: dict[str, list[str]] = {e.label: [] for e in chapter.exercises if e.label}
    for role in ("exercise", "solution"):
        for cell in chapter.cells:
            if cell.role == role and cell.exercise in programs:
                programs[cell.exercise].append(cell.source)
    return {label: "\n\n".join(cells) for label, cells in programs.items()}


RUNNER = r"""
import json, sys, traceback
programs = json.loads(sys.stdin.read())
results = {}
for label, source in programs.items():
    try:
        exec(compile(source, f"<exercise {label}>", "exec"), {"__name__": "__main__"})
        results[label] = None
    except BaseException:
        results[label] = traceback.format_exc(limit=-3)
    try:
        import matplotlib.pyplot as plt
        plt.close("all")
    except ImportError:
        pass
print("\n@@RESULTS@@" + json.dumps(results))
"""


def run_alone(programs: dict[str, str], cwd: Path) -> dict[str, str | None]:
    """Run each program in a fresh namespace, all in one new Python process."""
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(programs),
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )
    assert "@@RESULTS@@" in done.stdout, done.stderr[-3000:]
    return json.loads(done.stdout.rsplit("@@RESULTS@@", 1)[1])


@pytest.mark.parametrize("page", WITH_EXERCISES, ids=ids)
def test_exercises_are_gated_and_marked(page):
    problems = form_problems(page.read_text(), ids(page))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PARTS_B_C, ids=ids)
def test_each_chapter_of_parts_b_and_c_has_a_warm_up(page):
    exercises = parse(page.read_text(), ids(page)).exercises
    assert any(e.warm_up for e in exercises), f"{ids(page)}: no exercise titled 'Warm-up: ...'"


@pytest.mark.parametrize("page", WITH_EXERCISES, ids=ids)
def test_each_exercise_runs_on_its_own(page):
    programs = {label: source for label, source in exercise_programs(page.read_text(), ids(page)).items() if source}
    if not programs:
        pytest.skip("no exercise with code")
    failures = {label: error for label, error in run_alone(programs, page.parent).items() if error}
    assert not failures, "\n".join(f"{ids(page)}, exercise {label}:\n{error}" for label, error in failures.items())


CHAPTER = """\
# A chapter

```{code-cell} python
import numpy as np
soft = np.array([0.25, 0.75])
```

## Exercises

```{exercise-start} Warm-up: standalone
:label: ex-good
```

Compute a mean; you should get 0.5.

```{code-cell} python
import numpy as np
x = np.array([0.25, 0.75])
```

```{exercise-end}
```

```{solution-start} ex-good
:class: dropdown
```

```{code-cell} python
:tags: [hide-input]
assert x.mean() == 0.5
```

```{solution-end}
```

```{exercise-start} ★★ leans on the chapter
:label: ex-bad
```

```{exercise-end}
```

```{solution-start} ex-bad
:class: dropdown
```

```{code-cell} python
print(soft.sum(), soft.mean())
```

```{solution-end}
```

```{exercise}
:label: ex-old
An old-style exercise with no mark.
```
"""


def test_the_checkers_catch_a_wrong_exercise(tmp_path):
    programs = exercise_programs(CHAPTER, "chapter")
    assert set(programs) == {"ex-good", "ex-bad", "ex-old"}
    assert "x = np.array" in programs["ex-good"] and "assert x.mean()" in programs["ex-good"]
    assert "soft = np.array" not in programs["ex-good"]  # the chapter's cell is not part of it
    results = run_alone({k: v for k, v in programs.items() if v}, tmp_path)
    assert results["ex-good"] is None
    assert "NameError" in results["ex-bad"] and "soft" in results["ex-bad"]
    assert form_problems(CHAPTER, "chapter") == [
        "chapter:54 (ex-old): use {exercise-start} ... {exercise-end}",
        "chapter:54 (ex-old): the title '' does not start with one of " + str(DIFFICULTY_PREFIXES),
    ]
    unmarked = CHAPTER.replace("★★ leans", "Leans")
    assert any("'Leans on the chapter'" in p for p in form_problems(unmarked, "chapter"))
    assert not any(e.warm_up for e in parse(CHAPTER.replace("Warm-up: ", "★ "), "c").exercises)


def test_the_exercise_build_check_catches_a_solution(tmp_path):
    """tests/check_exercise_build.py (CI, after `make html-exercises`) flags a solution left on a page."""
    from check_exercise_build import check

    book = tmp_path / "book"
    book.mkdir()
    (book / "chapter.md").write_text(CHAPTER)
    html = tmp_path / "html"
    html.mkdir()
    exercises = '<div class="exercise admonition" id="ex-good"></div><div id="ex-bad"></div><div id="ex-old"></div>'
    solution = '<div class="solution admonition"><pre><span class="k">print</span>(soft.sum(), soft.mean())</pre></div>'
    (html / "chapter.html").write_text(exercises)
    assert check(html, book=book) == []
    (html / "chapter.html").write_text(exercises + "<p>print(soft.sum(), soft.mean())</p>")
    assert check(html, book=book) == ["chapter: solution code is on the page: 'print(soft.sum(), soft.mean())'"]
    (html / "chapter.html").write_text(exercises.replace('id="ex-bad"', "") + solution)
    assert check(html, book=book) == [
        "chapter: exercise ex-bad is missing",
        "chapter: an element of class 'solution' is on the page",
        "chapter: solution code is on the page: 'print(soft.sum(), soft.mean())'",
    ]
    (html / "_sources").mkdir()
    (html / "_sources" / "chapter.md").write_text(CHAPTER)
    (html / "chapter.html").write_text(exercises)
    assert check(html, book=book) == ["page sources offered for download: ['_sources/chapter.md'] ..."]
