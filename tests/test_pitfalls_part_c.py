"""The broken variants that Part C shows (nnbook.pitfalls): each is wrong as documented, and
the gradient check catches it while the correct counterpart passes."""

import copy

import numpy as np
import pytest

from nnbook import CrossEntropyLoss, Dense, NeuralNetwork
from nnbook.gradcheck import check_gradients
from nnbook.pitfalls import ForgetsActivation, ForgetsTranspose, SoftmaxTwiceNetwork


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
