"""Tests of nnbook.losses: MSE and cross-entropy, from probabilities and from logits."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from nnbook.activations import Sigmoid, Softmax
from nnbook.gradcheck import finite_difference_gradient, rel_error
from nnbook.losses import CrossEntropyLoss, MSELoss


@pytest.fixture
def rng():
    return np.random.default_rng(77)


def _probs(rng, n, k):
    z = rng.normal(size=(n, k))
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


# -- MSE ----------------------------------------------------------------------------------------


def test_mse_value_by_hand():
    y_pred = np.array([[1.0, 2.0], [3.0, 5.0]])
    y_true = np.array([[0.0, 2.0], [1.0, 1.0]])
    # squared errors 1, 0, 4, 16 -> mean over N*D = 4 entries
    assert MSELoss().forward(y_pred, y_true) == pytest.approx(21 / 4, rel=1e-15)


def test_mse_gradient_by_hand_and_by_finite_differences(rng):
    y_pred = rng.normal(size=(5, 3))
    y_true = rng.normal(size=(5, 3))
    mse = MSELoss()
    mse.forward(y_pred, y_true)
    grad = mse.backward()
    np.testing.assert_allclose(grad, 2 * (y_pred - y_true) / (5 * 3), rtol=1e-15)
    numeric = finite_difference_gradient(lambda: MSELoss().forward(y_pred, y_true), y_pred)
    assert rel_error(grad, numeric) < 1e-8


def test_mse_accepts_1d_targets_for_one_output():
    y_pred = np.array([[1.0], [2.0], [4.0]])
    assert MSELoss().forward(y_pred, np.array([1.0, 0.0, 1.0])) == pytest.approx((0 + 4 + 9) / 3)


def test_mse_is_zero_for_a_perfect_prediction(rng):
    y = rng.normal(size=(4, 2))
    mse = MSELoss()
    assert mse(y, y.copy()) == 0.0
    np.testing.assert_array_equal(mse.backward(), 0.0)


def test_mse_backward_before_forward():
    with pytest.raises(RuntimeError, match="MSELoss.backward called before forward"):
        MSELoss().backward()


def test_mse_shape_mismatch():
    with pytest.raises(ValueError, match=r"y_true must have the shape of y_pred \(2, 2\), got \(2, 3\)"):
        MSELoss().forward(np.ones((2, 2)), np.ones((2, 3)))


# -- cross-entropy from probabilities ------------------------------------------------------------


def test_ce_from_probabilities_equals_mean_negative_log_of_true_class(rng):
    p = _probs(rng, 6, 4)
    labels = np.array([0, 3, 1, 1, 2, 0])
    expected = -np.mean([math.log(p[n, labels[n]]) for n in range(6)])
    assert CrossEntropyLoss().forward(p, labels) == pytest.approx(expected, rel=1e-14)


def test_ce_integer_labels_and_one_hot_give_identical_losses_and_gradients(rng):
    p = _probs(rng, 5, 3)
    labels = np.array([2, 0, 1, 2, 1])
    Y = np.eye(3)[labels]
    a, b = CrossEntropyLoss(), CrossEntropyLoss()
    assert a.forward(p, labels) == b.forward(p, Y)
    np.testing.assert_array_equal(a.backward(), b.backward())
    # and floats holding integer values are labels too
    assert CrossEntropyLoss().forward(p, labels.astype(float)) == a.forward(p, labels)


def test_ce_uniform_prediction_is_log_k():
    for k in (2, 3, 10):
        p = np.full((4, k), 1.0 / k)
        assert CrossEntropyLoss().forward(p, np.arange(4) % k) == pytest.approx(math.log(k), rel=1e-14)


def test_ce_soft_targets(rng):
    p = _probs(rng, 3, 3)
    y = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    expected = -np.sum(y * np.log(p)) / 3
    assert CrossEntropyLoss().forward(p, y) == pytest.approx(expected, rel=1e-14)


def test_binary_ce_values_by_hand():
    p = np.array([[0.9], [0.2], [0.5], [0.7]])
    y = np.array([1, 0, 1, 0])
    expected = -(math.log(0.9) + math.log(0.8) + math.log(0.5) + math.log(0.3)) / 4
    assert CrossEntropyLoss().forward(p, y) == pytest.approx(expected, rel=1e-14)
    # (N, 1) labels are the same thing
    assert CrossEntropyLoss().forward(p, y[:, None]) == pytest.approx(expected, rel=1e-14)


def test_binary_ce_equals_two_column_ce():
    p1 = np.array([[0.9], [0.2], [0.35]])
    y = np.array([1, 0, 0])
    p2 = np.hstack([1 - p1, p1])
    assert CrossEntropyLoss().forward(p1, y) == pytest.approx(CrossEntropyLoss().forward(p2, y), rel=1e-14)


def test_ce_backward_is_exact_derivative(rng):
    p = _probs(rng, 4, 3)
    labels = np.array([0, 2, 2, 1])
    ce = CrossEntropyLoss()
    ce.forward(p, labels)
    grad = ce.backward()
    expected = np.zeros_like(p)
    for n, k in enumerate(labels):
        expected[n, k] = -1.0 / (4 * p[n, k])
    np.testing.assert_allclose(grad, expected, rtol=1e-15)


def test_binary_ce_backward_is_exact_derivative():
    p = np.array([[0.9], [0.2], [0.6]])
    y = np.array([1.0, 0.0, 1.0])
    ce = CrossEntropyLoss()
    ce.forward(p, y)
    expected = -(y[:, None] / p - (1 - y[:, None]) / (1 - p)) / 3
    np.testing.assert_allclose(ce.backward(), expected, rtol=1e-14)
    # one output has no sum-to-one constraint, so finite differences apply directly
    numeric = finite_difference_gradient(lambda: CrossEntropyLoss().forward(p, y), p, epsilon=1e-6)
    assert rel_error(ce.backward(), numeric) < 1e-8


def test_ce_no_clipping():
    p_true = 1e-40
    p = np.array([[p_true, 1.0 - p_true]])
    loss = CrossEntropyLoss().forward(p, np.array([0]))
    assert loss == pytest.approx(40 * math.log(10), rel=1e-14)  # 92.10...
    assert loss > 90  # a clip at 1e-10 would give 23.03
    # a true class of probability exactly 0 has infinite loss, not a clipped finite number
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert CrossEntropyLoss().forward(np.array([[0.0, 1.0]]), np.array([0])) == math.inf


def test_ce_zero_probability_of_a_false_class_is_fine():
    # 0 * log 0 counts as 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert CrossEntropyLoss().forward(np.array([[1.0, 0.0]]), np.array([0])) == 0.0
        assert CrossEntropyLoss().forward(np.array([[1.0], [0.0]]), np.array([1, 0])) == 0.0


# -- cross-entropy from logits (fused) ----------------------------------------------------------------


def logits_case(n_out, rng):
    """Logits, labels, and independently computed probabilities and one-hot targets.

    One output is the binary case: the sigmoid of the logit, targets as a column."""
    n = 6
    z = rng.normal(size=(n, n_out)) * 2
    if n_out == 1:
        labels = np.array([0, 1, 1, 0, 1, 0])
        return z, labels, 1 / (1 + np.exp(-z)), labels[:, None].astype(float)
    labels = rng.integers(0, n_out, size=n)
    return z, labels, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), np.eye(n_out)[labels]


BINARY_AND_CATEGORICAL = pytest.mark.parametrize("n_out", [1, 4], ids=["binary", "categorical"])


@BINARY_AND_CATEGORICAL
def test_from_logits_equals_probability_form(n_out, rng):
    z, labels, p, _ = logits_case(n_out, rng)
    assert CrossEntropyLoss().forward_from_logits(z, labels) == pytest.approx(
        CrossEntropyLoss().forward(p, labels), rel=1e-13
    )


@pytest.mark.parametrize(
    "logits, label, expected",
    [
        # z = [10, 0], true class 1: -log(e^0 / (e^10 + 1)) = log(1 + e^10)
        ([10.0, 0.0], 1, math.log1p(math.exp(10.0))),
        # z = [1000, 0], true class 1: log(1 + e^1000) = 1000 + log(1 + e^-1000) = 1000 (to double precision)
        ([1000.0, 0.0], 1, 1000.0),
        ([1000.0, 0.0], 0, 0.0),
        # z = [1e4, -1e4, 0], true class 2: 1e4
        ([1e4, -1e4, 0.0], 2, 1e4),
    ],
)
def test_from_logits_exact_at_large_logits(logits, label, expected):
    z = np.array([logits])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            loss = CrossEntropyLoss().forward_from_logits(z, np.array([label]))
    assert loss == pytest.approx(expected, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize(
    "z, y, expected",
    [(1000.0, 0, 1000.0), (-1000.0, 1, 1000.0), (1000.0, 1, 0.0), (10.0, 0, math.log1p(math.exp(10.0)))],
)
def test_binary_from_logits_exact_at_large_logits(z, y, expected):
    with np.errstate(all="raise"):
        loss = CrossEntropyLoss().forward_from_logits(np.array([[z]]), np.array([y]))
    assert loss == pytest.approx(expected, rel=1e-15, abs=1e-300)


def test_probability_form_cannot_do_what_logits_form_does():
    # softmax([1000, 0]) rounds to [1, 0]: the probability form says inf, the logits form 1000
    z = np.array([[1000.0, 0.0]])
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert CrossEntropyLoss().forward(p, np.array([1])) == math.inf
    assert CrossEntropyLoss().forward_from_logits(z, np.array([1])) == 1000.0


@BINARY_AND_CATEGORICAL
def test_backward_from_logits_is_p_minus_y_over_n(n_out, rng):
    z, labels, p, y = logits_case(n_out, rng)
    ce = CrossEntropyLoss()
    ce.forward_from_logits(z, labels)
    np.testing.assert_allclose(ce.backward_from_logits(), (p - y) / len(z), rtol=1e-13, atol=1e-16)
    # and it is the derivative of the loss with respect to the logits
    numeric = finite_difference_gradient(lambda: CrossEntropyLoss().forward_from_logits(z, labels), z)
    assert rel_error(ce.backward_from_logits(), numeric) < 1e-8


@BINARY_AND_CATEGORICAL
def test_separate_exact_path_equals_fused_gradient(n_out, rng):
    z, labels, _, _ = logits_case(n_out, rng)
    activation = Sigmoid() if n_out == 1 else Softmax()
    ce = CrossEntropyLoss()
    loss_separate = ce.forward(activation.forward(z), labels)
    grad_separate = activation.backward(ce.backward())  # dL/dP through the activation's Jacobian
    fused = CrossEntropyLoss()
    loss_fused = fused.forward_from_logits(z, labels)
    grad_fused = fused.backward_from_logits()
    assert loss_separate == pytest.approx(loss_fused, rel=1e-13)
    np.testing.assert_allclose(grad_separate, grad_fused, rtol=1e-11, atol=1e-16)
    # the defect the fused path avoids: passing (P - Y)/N through the activation again is wrong
    assert rel_error(activation.backward(grad_fused), grad_fused) > 0.1


def test_float32_logits_keep_float32_gradient(rng):
    z = rng.normal(size=(4, 3)).astype(np.float32)
    ce = CrossEntropyLoss()
    loss = ce.forward_from_logits(z, np.array([0, 1, 2, 0]))
    assert isinstance(loss, float)
    assert ce.backward_from_logits().dtype == np.float32


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="CrossEntropyLoss.backward called before forward"):
        CrossEntropyLoss().backward()
    with pytest.raises(RuntimeError, match="backward_from_logits called before forward_from_logits"):
        CrossEntropyLoss().backward_from_logits()
    ce = CrossEntropyLoss()
    ce.forward(np.array([[0.5, 0.5]]), np.array([0]))
    with pytest.raises(RuntimeError, match="backward_from_logits called before forward_from_logits"):
        ce.backward_from_logits()  # the probability form does not provide the fused gradient


def test_ce_rejects_rows_not_summing_to_one():
    with pytest.raises(ValueError, match="each row of y_pred to sum to 1"):
        CrossEntropyLoss().forward(np.array([[0.2, 0.2]]), np.array([0]))


def test_repr():
    assert repr(MSELoss()) == "MSELoss()" and repr(CrossEntropyLoss()) == "CrossEntropyLoss()"


# -- label smoothing ---------------------------------------------------------------------------------


def test_label_smoothing_targets_by_hand():
    ce = CrossEntropyLoss(label_smoothing=0.3)
    Y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(ce.smoothed(Y), [[0.1, 0.8, 0.1], [0.8, 0.1, 0.1]], rtol=1e-15)
    np.testing.assert_allclose(ce.smoothed(np.array([[1.0], [0.0]])), [[0.85], [0.15]], rtol=1e-15)  # eps / 2
    assert CrossEntropyLoss().smoothed(Y) is Y  # no smoothing: the targets themselves
    assert repr(ce) == "CrossEntropyLoss(label_smoothing=0.3)" and repr(CrossEntropyLoss()) == "CrossEntropyLoss()"


def _fd_logits(ce, Z, y, h=1e-6):
    """Central differences of the fused loss with respect to the logits."""
    grad = np.zeros_like(Z)
    for i in np.ndindex(Z.shape):
        saved = Z[i]
        Z[i] = saved + h
        plus = ce.forward_from_logits(Z, y)
        Z[i] = saved - h
        minus = ce.forward_from_logits(Z, y)
        Z[i] = saved
        grad[i] = (plus - minus) / (2 * h)
    return grad


@pytest.mark.parametrize("K", [1, 2, 4])
@pytest.mark.parametrize("eps", [0.1, 0.5])
def test_label_smoothing_fused_gradient_passes_a_gradient_check(K, eps):
    rng = np.random.default_rng(K)
    Z, y = rng.normal(size=(6, K)) * 2, rng.integers(0, max(K, 2), size=6)
    ce = CrossEntropyLoss(label_smoothing=eps)
    ce.forward_from_logits(Z, y)
    analytic, P = ce.backward_from_logits(), ce.probs.copy()
    numeric = _fd_logits(ce, Z, y)
    assert np.linalg.norm(analytic - numeric) / np.linalg.norm(analytic + numeric) < 1e-8
    # it is (P - Y~) / N; the unsmoothed (P - Y) / N fails the same check
    Y = CrossEntropyLoss.targets(y, 6, K)
    np.testing.assert_allclose(analytic, (P - ce.smoothed(Y)) / 6, rtol=1e-13, atol=1e-16)
    assert np.linalg.norm((P - Y) / 6 - numeric) / np.linalg.norm(numeric) > 0.01


@pytest.mark.parametrize("K", [1, 3])
def test_label_smoothing_from_probabilities_matches_the_fused_loss_and_its_gradient(K):
    rng = np.random.default_rng(7)
    Z, y = rng.normal(size=(5, K)), rng.integers(0, max(K, 2), size=5)
    P = 1 / (1 + np.exp(-Z)) if K == 1 else np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    fused, plain = CrossEntropyLoss(label_smoothing=0.2), CrossEntropyLoss(label_smoothing=0.2)
    assert fused.forward_from_logits(Z, y) == pytest.approx(plain.forward(P, y), rel=1e-13)
    plain.forward(P, y)
    Y_smooth = plain.smoothed(CrossEntropyLoss.targets(y, 5, K))
    if K > 1:  # rows must sum to 1, so no finite differences entry by entry: dL/dP = -Y~ / (N P)
        np.testing.assert_allclose(plain.backward(), -Y_smooth / (5 * P), rtol=1e-14)
        return
    h, grad = 1e-7, np.zeros_like(P)  # one output: p is free in (0, 1)
    for i in np.ndindex(P.shape):
        Pp, Pm = P.copy(), P.copy()
        Pp[i] += h
        Pm[i] -= h
        grad[i] = (plain.forward(Pp, y) - plain.forward(Pm, y)) / (2 * h)
    plain.forward(P, y)
    np.testing.assert_allclose(plain.backward(), grad, rtol=1e-6)
