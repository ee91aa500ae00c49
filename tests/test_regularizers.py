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


# -- L1 and L1L2 -----------------------------------------------------------------------------------


def test_l1_and_l1l2_by_hand():
    from nnbook import L1, L1L2

    W = np.array([[3.0, -4.0, 0.0]])
    assert L1(0.5).penalty(W) == pytest.approx(3.5)  # 0.5 * (3 + 4 + 0), no 1/2
    assert L1(0.5).gradient(W).tolist() == [[0.5, -0.5, 0.0]]  # sign(0) = 0, as TensorFlow's
    assert L1L2(0.5, 0.25).penalty(W) == pytest.approx(3.5 + 0.25 * 25)
    assert L1L2(0.5, 0.25).gradient(W).tolist() == [[0.5 + 1.5, -0.5 - 2.0, 0.0]]
    assert L1L2().penalty(W) == 0.0  # Keras' defaults: l1 = l2 = 0


@pytest.mark.parametrize("make", ["L1(0.3)", "L1L2(0.3, 0.2)"])
def test_l1_gradients_pass_a_float64_gradient_check_away_from_zero(make):
    from nnbook import L1, L1L2  # noqa: F401  (used by eval)

    reg = eval(make)
    rng = np.random.default_rng(0)
    W = rng.normal(size=(4, 5))
    W[np.abs(W) < 0.1] = 0.5  # |W| >= 0.1: the finite difference (h ~ 1e-5) never crosses 0
    numeric = finite_difference_gradient(lambda: reg.penalty(W), W)
    assert rel_error(reg.gradient(W), numeric) < 1e-8


def test_the_check_catches_wrong_l1_variants():
    from nnbook import L1

    W = np.random.default_rng(1).normal(size=(4, 5)) + 0.05
    numeric = finite_difference_gradient(lambda: L1(0.3).penalty(W), W)
    assert rel_error(0.5 * L1(0.3).gradient(W), numeric) > 0.1  # a 1/2 in the gradient
    assert rel_error(0.3 * np.ones_like(W), numeric) > 0.1  # the sign forgotten


def test_l1_regularised_network_passes_the_gradient_check():
    from nnbook import L1L2

    rng = np.random.default_rng(3)
    net = NeuralNetwork([3, 4, 2], ["tanh", "linear"], rng=0, kernel_regularizer=L1L2(0.05, 0.02))
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    loss = MSELoss()
    net.compute_gradients(X, Y, loss)
    for layer in net.layers:
        assert np.min(np.abs(layer.params["W"])) > 1e-3  # away from the kink at 0
        numeric = finite_difference_gradient(lambda: net.compute_loss(X, Y, loss), layer.params["W"])
        assert rel_error(layer.grads["W"], numeric) < 1e-7


def test_regularizer_configs_round_trip_through_a_layer():
    from nnbook import L1, L1L2, Dense

    for reg in (L2(0.5), L1(0.25), L1L2(0.125, 0.5)):
        layer = Dense.from_config(Dense(2, 3, "tanh", kernel_regularizer=reg).get_config())
        assert repr(layer.kernel_regularizer) == repr(reg)
    assert repr(
        Dense.from_config({**Dense(2, 3).get_config(), "kernel_regularizer": {"l2": 0.5}}).kernel_regularizer
    ) == (
        "L2(l2=0.5)"  # files written before L1 existed still load
    )
