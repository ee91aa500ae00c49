"""nnbook.pitfalls: each of the source text's defects behaves as wrongly as documented,
and the book's tools catch it (defects 1-3 and 5 are caught in test_gradcheck.py)."""

import copy

import numpy as np
import pytest

from nnbook import CrossEntropyLoss, Dense, MSELoss, NeuralNetwork, Softmax, generate_spiral_data, train_val_split
from nnbook.activations import sigmoid
from nnbook.gradcheck import check_gradients, rel_error
from nnbook.pitfalls import (
    DoubleMeanDense,
    ForgetsActivation,
    ForgetsTranspose,
    FusedGradientForgetsN,
    LoopSoftmax,
    SeedCrossEntropyLoss,
    SoftmaxTwiceNetwork,
    absolute_gradient_check,
    source_gradient_check_example,
    source_sigmoid,
    swap_layers,
    unshuffled_split,
    verify_shapes,
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


# -- The broken variants of Part C ------------------------------------------------------------------
# The broken variants that Part C shows (nnbook.pitfalls): each is wrong as documented, and
# the gradient check catches it while the correct counterpart passes.


def with_layer(network, index, layer_class):
    """A copy of `network` whose layer `index` is a `layer_class` with the same weights."""
    new = copy.deepcopy(network)
    old = new.layers[index]
    layer = layer_class(old.input_dim, old.output_dim, old.activation)
    layer.params["W"][...] = old.params["W"]
    layer.params["b"][...] = old.params["b"]
    new.layers[index] = layer
    return new


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)


@pytest.fixture
def square():
    return NeuralNetwork([4, 6, 6, 3], activations=["tanh", "tanh", "softmax"], rng=2)


def test_softmax_twice_multiplies_by_the_jacobian_again(data):
    X, y = data
    acts = ["tanh", "softmax"]
    good = NeuralNetwork([4, 5, 3], activations=acts, rng=1)
    bad = SoftmaxTwiceNetwork([4, 5, 3], activations=acts, rng=1)
    loss = CrossEntropyLoss()
    good.compute_gradients(X, y, loss)
    delta = loss.backward_from_logits()
    P = good.output
    # the output bias gradient: column sums of (P - Y)/N, then of it times the Jacobian
    twice = np.vstack([d @ (np.diag(p) - np.outer(p, p)) for d, p in zip(delta, P)])
    bad.compute_gradients(X, y, CrossEntropyLoss())
    np.testing.assert_allclose(bad.layers[-1].grads["b"], twice.sum(axis=0), rtol=1e-12)
    assert check_gradients(good, X, y, CrossEntropyLoss()).passed
    result = check_gradients(bad, X, y, CrossEntropyLoss())
    assert not result.passed and result.max_error > 0.1


def test_forgets_transpose_is_the_transpose_and_is_caught(data, square):
    X, y = data
    assert check_gradients(square, X, y, CrossEntropyLoss()).passed
    buggy = with_layer(square, 1, ForgetsTranspose)
    result = check_gradients(buggy, X, y, CrossEntropyLoss())
    np.testing.assert_allclose(result.analytic["layer2.W"], result.numerical["layer2.W"].T, rtol=1e-6, atol=1e-10)
    failing = [name for name, e in result.errors.items() if e > 1e-7]
    assert failing == ["layer2.W"]


def test_forgets_activation_spoils_its_layer_and_those_below(data, square):
    X, y = data
    result = check_gradients(with_layer(square, 1, ForgetsActivation), X, y, CrossEntropyLoss())
    failing = [name for name, e in result.errors.items() if e > 1e-7]
    assert failing == ["layer1.W", "layer1.b", "layer2.W", "layer2.b"]


def test_forgets_activation_is_harmless_only_for_a_linear_layer(data):
    """With the identity activation, skipping its derivative changes nothing: the check passes."""
    X, y = data
    net = NeuralNetwork([4, 6, 6, 3], activations=["tanh", "linear", "softmax"], rng=2)
    assert check_gradients(with_layer(net, 1, ForgetsActivation), X, y, CrossEntropyLoss()).passed
    assert isinstance(with_layer(net, 1, ForgetsActivation).layers[1], Dense)


# -- The broken variants of Part D ------------------------------------------------------------------
# nnbook.pitfalls, the pieces Part D adds: each broken variant is caught by the check the
# book uses for it, and the helpers keep what they promise.


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
