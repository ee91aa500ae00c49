"""Tests of nnbook.targets: one-hot encoding (also importable from nnbook.datasets)."""

from __future__ import annotations

import numpy as np
import pytest

import nnbook.datasets
from nnbook.targets import one_hot

# -- one_hot ----------------------------------------------------------------------------------------


def test_one_hot():
    labels = np.array([2, 0, 1, 2])
    Y = one_hot(labels)
    expected = np.zeros((4, 3))
    for i, c in enumerate(labels):
        expected[i, c] = 1.0
    np.testing.assert_array_equal(Y, expected)
    assert one_hot(labels, n_classes=5).shape == (4, 5)
    assert one_hot([1], dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match=r"class label 3, out of range for 3 classes: labels must lie in \[0, 2\]"):
        one_hot([3], n_classes=3)


def test_one_hot_has_one_implementation():
    assert nnbook.datasets.one_hot is one_hot
    assert nnbook.one_hot is one_hot
