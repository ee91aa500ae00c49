"""nnbook.pitfalls: each of the source text's defects behaves as wrongly as documented,
and the book's tools catch it (defects 1-3 and 5 are caught in test_gradcheck.py)."""

import numpy as np
import pytest

from nnbook import CrossEntropyLoss, MSELoss, NeuralNetwork, Softmax, generate_spiral_data, train_val_split
from nnbook.gradcheck import check_gradients, rel_error
from nnbook.pitfalls import (
    DoubleMeanDense,
    LoopSoftmax,
    SeedCrossEntropyLoss,
    absolute_gradient_check,
    unshuffled_split,
)


def test_defect_4_clipping_hides_the_true_loss():
    """p_true = 1e-40: the true loss is 40 ln 10 = 92.1; clipped at 1e-10 it reads 10 ln 10 = 23.03."""
    p = np.array([[1.0 - 1e-40, 1e-40]])
    clipped = SeedCrossEntropyLoss().forward(p, np.array([1]))
    exact = CrossEntropyLoss().forward(p, np.array([1]))
    assert clipped == pytest.approx(10 * np.log(10), rel=1e-9)
    assert exact == pytest.approx(40 * np.log(10), rel=1e-12)
    # and from logits, where p would underflow to exactly 0, the exact loss is still finite
    z = np.array([[0.0, -1000.0]])
    assert CrossEntropyLoss().forward_from_logits(z, np.array([1])) == pytest.approx(1000.0, rel=1e-12)


def test_defect_6_absolute_tolerance_passes_a_wrong_gradient():
    """Gradients that are 1/N of the truth (defect 1) pass an absolute check when the
    gradients are small (here: predictions already close to the targets), and fail the
    relative one."""
    rng = np.random.default_rng(0)
    net = NeuralNetwork([3, 4, 2], ["tanh", "linear"], rng=rng)
    net.layers = [DoubleMeanDense(l.input_dim, l.output_dim, l.activation, rng=rng) for l in net.layers]
    X = rng.normal(size=(32, 3))
    y = net.predict(X) + rng.normal(scale=1e-5, size=(32, 2))
    result = check_gradients(net, X, y, MSELoss())
    assert not result.passed  # relative error: caught
    assert result.max_error > 0.9  # (1 - 1/32) / (1 + 1/32)
    assert all(absolute_gradient_check(result.analytic[k], result.numerical[k]) for k in result.errors)


def test_absolute_check_does_fail_on_large_differences():
    assert not absolute_gradient_check(np.array([1.0]), np.array([0.5]))
    assert absolute_gradient_check(np.array([1.0]), np.array([1.0 + 1e-7]))


def test_defect_7_loop_softmax_is_correct():
    """Only its cost is wrong, which the benchmark measures (benchmarks/train_step.py), not a test."""
    rng = np.random.default_rng(1)
    z, g = rng.normal(size=(256, 50)), rng.normal(size=(256, 50))
    fast, slow = Softmax(), LoopSoftmax()
    fast.forward(z)
    slow.forward(z)
    assert rel_error(fast.backward(g), slow.backward(g)) < 1e-14


def test_defect_8_unshuffled_split_puts_one_class_in_validation():
    X, _, y = generate_spiral_data(100, 3, rng=0)
    _, _, _, y_val = unshuffled_split(X, y, 0.8)
    assert set(np.unique(y_val)) == {2}
    _, _, _, y_val = train_val_split(X, y, 0.2, rng=0)
    assert set(np.unique(y_val)) == {0, 1, 2}
