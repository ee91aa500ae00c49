"""Breaking a formula's implementation in nnbook makes the book's checks of that formula fail.

Each case copies `nnbook/` to a temporary directory, changes one line the way a slip of the
pen would (drop a factor, forget a term, average instead of sum), and runs the chapter that
derives the formula under pytest (Sybil) with the copy first on `PYTHONPATH`. The chapter's
`# check:` cells compare nnbook with independent computations, so they must fail; the same
chapters pass with the unchanged copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (module, exact line fragment, replacement, chapter that must fail)
MUTATIONS = {
    "mse-gradient-drops-factor-2": (
        "losses.py",
        "return 2.0 * (self.y_pred - self.y_true) / self.y_pred.size",
        "return (self.y_pred - self.y_true) / self.y_pred.size",
        "book/part-c/gradients-of-activations-and-losses.md",
    ),
    "bias-gradient-averaged-not-summed": (
        "layers.py",
        'self.grads["b"] = delta.sum(axis=0)',
        'self.grads["b"] = delta.mean(axis=0)',
        "book/part-c/backpropagation.md",
    ),
    "sigmoid-derivative-forgets-1-minus-a": (
        "activations.py",
        "return grad_output * a * (1 - a)",
        "return grad_output * a",
        "book/part-b/activation-functions.md",
    ),
    "he-init-loses-the-2": (
        "layers.py",
        "np.sqrt(2.0 / input_dim)",
        "np.sqrt(1.0 / input_dim)",
        "book/part-b/initialisation.md",
    ),
    "adam-without-bias-correction-of-v": (
        "optimizers.py",
        "lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)",
        "lr / (1 - self.beta_1**t)",
        "book/part-c/momentum-and-adam.md",
    ),
    "central-difference-becomes-forward": (
        "gradcheck.py",
        "grad[idx] = (f_plus - f_minus) / (2 * epsilon)",
        "grad[idx] = (f_plus - f()) / epsilon",
        "book/part-c/gradient-checking.md",
    ),
}


def copy_package(dest: Path) -> Path:
    shutil.copytree(ROOT / "nnbook", dest / "nnbook", ignore=shutil.ignore_patterns("__pycache__"))
    return dest / "nnbook"


def run_chapters(copy_dir: Path, chapters: list[str]) -> subprocess.CompletedProcess:
    """Run the chapters under pytest so that `import nnbook` finds the copy in `copy_dir`.

    The working directory is the copy's (not the repository, whose `nnbook/` would come
    first on `sys.path`), and `--import-mode=importlib` keeps pytest from prepending the
    repository root when it loads the root conftest.py.
    """
    env = dict(os.environ, PYTHONPATH=str(copy_dir), MPLBACKEND="Agg")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(ROOT),
            "--import-mode=importlib",
            *(str(ROOT / chapter) for chapter in chapters),
        ],
        cwd=copy_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_every_mutation_applies_to_the_current_source():
    for name, (module, old, _new, chapter) in MUTATIONS.items():
        assert (ROOT / "nnbook" / module).read_text().count(old) == 1, name
        assert (ROOT / chapter).is_file(), chapter


def test_the_copy_is_what_the_chapters_import(tmp_path):
    """The chapters see the copy: a copy whose nnbook fails on import fails them."""
    package = copy_package(tmp_path)
    (package / "__init__.py").write_text('raise ImportError("the copy was imported")\n')
    result = run_chapters(tmp_path, ["book/notation.md"])
    assert result.returncode != 0
    assert "the copy was imported" in result.stdout + result.stderr  # stderr if conftest.py imports it


def test_unchanged_copy_passes(tmp_path):
    copy_package(tmp_path)
    chapters = sorted({m[3] for m in MUTATIONS.values()})
    result = run_chapters(tmp_path, chapters)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("name", MUTATIONS)
def test_mutation_fails_its_chapter(name, tmp_path):
    module, old, new, chapter = MUTATIONS[name]
    package = copy_package(tmp_path)
    path = package / module
    path.write_text(path.read_text().replace(old, new))
    result = run_chapters(tmp_path, [chapter])
    assert result.returncode != 0, f"{chapter} still passes with {name}:\n{result.stdout[-2000:]}"
    assert "failed" in result.stdout.splitlines()[-1]
