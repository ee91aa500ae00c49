"""Shared fixtures of the unit tests."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    """nnbook.plotting makes pyplot figures: close them after every test."""
    yield
    plt.close("all")
