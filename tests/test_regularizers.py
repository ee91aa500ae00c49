"""The L2 penalty: value and gradient by hand and against central differences (float64,
relative error < 1e-7); the check catches the textbook 1/2 variant; wiring into a loss."""

from __future__ import annotations

import numpy as np
import pytest

from nnbook import L2, MSELoss, NeuralNetwork
from nnbook.gradcheck import finite_difference_gradient, rel_error
from nnbook.regularizers import Regularizer


def test_penalty_and_gradient_by_hand():
    W = np.array([[1.0, -2.0], [0.5, 0.0]])
    reg = L2(0.1)
    assert reg.penalty(W) == pytest.approx(0.1 * (1 + 4 + 0.25), rel=1e-15)
    np.testing.assert_array_equal(reg.gradient(W), 0.2 * W)
    assert reg(W) == reg.penalty(W)
    assert isinstance(reg, Regularizer) and L2().l2 == 0.01


def test_gradient_passes_a_float64_gradient_check():
    W = np.random.default_rng(0).normal(size=(4, 6))
    reg = L2(0.03)
    numeric = finite_difference_gradient(lambda: reg.penalty(W), W)
    assert rel_error(reg.gradient(W), numeric) < 1e-7


def test_the_check_catches_the_half_variant():
    W = np.random.default_rng(1).normal(size=(4, 6))
    reg = L2(0.03)
    numeric = finite_difference_gradient(lambda: reg.penalty(W), W)
    assert rel_error(0.03 * W, numeric) > 0.3  # gradient of (alpha/2) sum W^2 against Keras' penalty


def test_zero_strength_is_no_penalty():
    W = np.ones((2, 3))
    assert L2(0.0).penalty(W) == 0.0 and not L2(0.0).gradient(W).any()


def test_wiring_into_a_network_loss_is_one_line_per_layer():
    """Loss + sum of penalties; grads['W'] + gradient(W): passes a gradient check of the
    regularised loss (how the network will wire ``kernel_regularizer``)."""
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 2))
    net = NeuralNetwork([3, 4, 2], ["tanh", "linear"], rng=3)
    reg = L2(0.05)
    loss = MSELoss()

    def regularised_loss():
        return net.compute_loss(X, y, loss) + sum(reg.penalty(layer.W) for layer in net.layers)

    net.compute_gradients(X, y, loss)
    analytic = {i: layer.grads["W"] + reg.gradient(layer.W) for i, layer in enumerate(net.layers)}
    for i, layer in enumerate(net.layers):
        numeric = finite_difference_gradient(regularised_loss, layer.params["W"])
        assert rel_error(analytic[i], numeric) < 1e-7


def test_float32_weights_stay_float32():
    W = np.ones((2, 2), dtype=np.float32)
    assert L2(0.1).gradient(W).dtype == np.float32
