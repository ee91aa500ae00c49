"""nnbook.pitfalls, the pieces Part D adds: each broken variant is caught by the check the
book uses for it, and the helpers keep what they promise."""

import numpy as np
import pytest

from nnbook import CrossEntropyLoss, Dense, NeuralNetwork
from nnbook.activations import sigmoid
from nnbook.gradcheck import check_gradients, rel_error
from nnbook.pitfalls import (
    DoubleMeanDense,
    FusedGradientForgetsN,
    source_gradient_check_example,
    source_sigmoid,
    swap_layers,
    verify_shapes,
)


def test_source_sigmoid_is_wrong_below_minus_500_and_overflows_in_float32():
    z = np.array([-600.0])
    assert source_sigmoid(z)[0] == pytest.approx(np.exp(-500.0), rel=1e-12)
    assert sigmoid(z)[0] == pytest.approx(np.exp(-600.0), rel=1e-12)
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            source_sigmoid(np.array([-100.0], dtype=np.float32))
        assert sigmoid(np.array([-100.0], dtype=np.float32)).dtype == np.float32
    # inside [-500, 500] it agrees with the stable sigmoid
    grid = np.linspace(-40, 40, 81)
    np.testing.assert_allclose(source_sigmoid(grid), sigmoid(grid), rtol=1e-12)


def test_fused_gradient_without_n_is_caught_on_the_training_path_only():
    rng = np.random.default_rng(0)
    net = NeuralNetwork([4, 8, 3], activations=["relu", "softmax"], rng=rng)
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
    assert net.uses_fused_output(FusedGradientForgetsN())
    result = check_gradients(net, X, y, FusedGradientForgetsN())
    assert not result.passed
    assert result.max_error == pytest.approx((6 - 1) / (6 + 1), rel=1e-6)  # a factor N = 6
    assert check_gradients(net, X, y, CrossEntropyLoss()).passed
    # through backward (probabilities, every activation's VJP) the same loss looks right
    loss = FusedGradientForgetsN()
    loss.forward(net.forward(X), y)
    net.backward(loss.backward())
    assert max(rel_error(g, result.numerical[name]) for name, g in net.gradients()) < 1e-8


class _TransposedGradDense(Dense):
    """A layer whose dW comes out transposed: verify_shapes must stop it."""

    def backward_from_z(self, delta):
        grad = super().backward_from_z(delta)
        self.grads["W"] = self.grads["W"].T
        return grad


def test_verify_shapes_passes_dense_and_catches_a_wrong_gradient_shape():
    shapes = verify_shapes(Dense(10, 5, "relu", rng=0), 32, 0)
    assert shapes == {"input": (32, 10), "output": (32, 5), "dA_prev": (32, 10), "dW": (5, 10), "db": (5,)}
    with pytest.raises(AssertionError, match="dW"):
        verify_shapes(_TransposedGradDense(10, 5, "relu", rng=0), 32, 0)


def test_swap_layers_keeps_the_function_and_changes_only_the_backward_pass():
    net, X, Y = source_gradient_check_example()
    assert X.shape == (5, 4) and Y.shape == (5, 3) and np.all(Y.sum(axis=1) == 1)
    before = net.forward(X).copy()
    assert check_gradients(net, X, Y, CrossEntropyLoss()).passed
    swap_layers(net, DoubleMeanDense)
    assert all(isinstance(layer, DoubleMeanDense) for layer in net.layers)
    np.testing.assert_array_equal(net.forward(X), before)
    broken = check_gradients(net, X, Y, CrossEntropyLoss())
    assert broken.max_error == pytest.approx((5 - 1) / (5 + 1), rel=1e-6)


def test_source_example_is_reproducible():
    a, Xa, Ya = source_gradient_check_example(3)
    b, Xb, Yb = source_gradient_check_example(3)
    np.testing.assert_array_equal(Xa, Xb)
    np.testing.assert_array_equal(Ya, Yb)
    for (_, p), (_, q) in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p, q)
