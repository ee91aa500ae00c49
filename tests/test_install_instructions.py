"""The introduction names the wheel the build offers: its file name must follow the package's version."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_intro_names_the_wheel_of_this_version():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    intro = (ROOT / "book" / "intro.md").read_text()
    wheel = f"nnbook-{version}-py3-none-any.whl"
    assert wheel in intro
    # every wheel name the introduction mentions is this one
    mentioned = {word.strip('`"[') for word in intro.replace("[", " ").split() if word.strip('`"').endswith(".whl")}
    assert mentioned == {wheel}, mentioned
