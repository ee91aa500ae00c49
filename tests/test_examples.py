"""Every gallery example runs on its own, as ``python plot_x.py`` (readers copy them).

Kept apart from ``tests/test_build.py``: under pytest-xdist (``--dist loadfile``) the tests of
one file run on one worker, and these subprocesses then run next to the build tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "book" / "examples").glob("plot_*.py"))


def test_there_are_examples():
    assert EXAMPLES, "book/examples/ holds no plot_*.py"


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_standalone(script, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
