"""NeuralNetwork: a 2-2-1 network worked by hand, and the contract of compute_gradients."""

import numpy as np
import pytest

from nnbook import SGD, CrossEntropyLoss, MSELoss, NeuralNetwork, train_network
from nnbook.gradcheck import finite_difference_gradient, numerical_gradient, rel_error


def hand_network(output_activation):
    """The 2-2-1 network of the worked example.

    W1 = [[1, -1], [0.5, 1]], b1 = [0, 0.5]   (ReLU)
    W2 = [[2, -1]],           b2 = [0.5]      (output_activation)
    """
    net = NeuralNetwork([2, 2, 1], ["relu", output_activation])
    net.layers[0].params["W"][:] = [[1.0, -1.0], [0.5, 1.0]]
    net.layers[0].params["b"][:] = [0.0, 0.5]
    net.layers[1].params["W"][:] = [[2.0, -1.0]]
    net.layers[1].params["b"][:] = [0.5]
    return net


def test_hand_worked_2_2_1_mse_batch_of_two():
    r"""Worked on paper, X = [[2, 1], [-1, 1]], y = [1, 0], linear output, MSE.

    Forward, Z1 = X W1^T + b1:
      sample 1: z1 = [2 - 1 + 0, 1 + 1 + 0.5] = [1, 2.5],  a1 = [1, 2.5]
      sample 2: z1 = [-1 - 1 + 0, -0.5 + 1 + 0.5] = [-2, 1], a1 = [0, 1]
      z2 = a1 W2^T + b2: sample 1: 2 - 2.5 + 0.5 = 0;  sample 2: 0 - 1 + 0.5 = -0.5
    Loss: L = ((0 - 1)^2 + (-0.5 - 0)^2) / 2 = 0.625
    Backward, dL/dY_hat = 2 (Y_hat - Y) / (N D) = [-1, -0.5] = delta2 (linear output)
      dW2 = delta2^T A1 = -1 * [1, 2.5] - 0.5 * [0, 1] = [-1, -3],  db2 = -1.5
      dA1 = delta2 W2: sample 1: -1 * [2, -1] = [-2, 1];  sample 2: -0.5 * [2, -1] = [-1, 0.5]
      delta1 = dA1 * [z1 > 0]: sample 1: [-2, 1];  sample 2: [0, 0.5]
      dW1 = delta1^T X: unit 1: -2 * [2, 1] + 0 = [-4, -2];  unit 2: 1 * [2, 1] + 0.5 * [-1, 1] = [1.5, 1.5]
      db1 = [-2 + 0, 1 + 0.5] = [-2, 1.5]
    """
    net = hand_network("linear")
    X = np.array([[2.0, 1.0], [-1.0, 1.0]])
    y = np.array([[1.0], [0.0]])
    loss = net.compute_gradients(X, y, MSELoss())
    np.testing.assert_array_equal(net.layers[0].z, [[1.0, 2.5], [-2.0, 1.0]])
    np.testing.assert_array_equal(net.layers[0].a, [[1.0, 2.5], [0.0, 1.0]])
    np.testing.assert_array_equal(net.layers[1].z, [[0.0], [-0.5]])
    assert loss == 0.625
    g = dict(net.gradients())
    np.testing.assert_array_equal(g["layer2.W"], [[-1.0, -3.0]])
    np.testing.assert_array_equal(g["layer2.b"], [-1.5])
    np.testing.assert_array_equal(g["layer1.W"], [[-4.0, -2.0], [1.5, 1.5]])
    np.testing.assert_array_equal(g["layer1.b"], [-2.0, 1.5])


def test_hand_worked_2_2_1_sigmoid_cross_entropy():
    r"""Same network with a sigmoid output and binary cross-entropy, x = [2, 1], y = 1.

    z2 = 0 (as above), p = sigma(0) = 1/2, L = -log(1/2) = ln 2.
    Fused: delta2 = (p - y)/N = -1/2.
      dW2 = delta2 a1 = -0.5 * [1, 2.5] = [-0.5, -1.25],  db2 = -0.5
      dA1 = delta2 W2 = [-1, 0.5], both units active: delta1 = [-1, 0.5]
      dW1 = delta1^T x = [[-2, -1], [1, 0.5]],  db1 = [-1, 0.5]
    """
    net = hand_network("sigmoid")
    loss = net.compute_gradients(np.array([[2.0, 1.0]]), np.array([1]), CrossEntropyLoss())
    assert loss == pytest.approx(np.log(2), abs=1e-15)
    g = dict(net.gradients())
    np.testing.assert_array_equal(g["layer2.W"], [[-0.5, -1.25]])
    np.testing.assert_array_equal(g["layer2.b"], [-0.5])
    np.testing.assert_array_equal(g["layer1.W"], [[-2.0, -1.0], [1.0, 0.5]])
    np.testing.assert_array_equal(g["layer1.b"], [-1.0, 0.5])
    np.testing.assert_array_equal(net.predict_proba(np.array([[2.0, 1.0]])), [[0.5, 0.5]])


def test_hand_worked_update_step():
    """One plain gradient-descent step with learning rate 0.1 on the MSE example:
    W2 = [2, -1] - 0.1 * [-1, -3] = [2.1, -0.7]."""
    net = hand_network("linear")
    net.learning_rate = 0.1
    net.train_step(np.array([[2.0, 1.0], [-1.0, 1.0]]), np.array([[1.0], [0.0]]), MSELoss())
    np.testing.assert_allclose(net.layers[1].params["W"], [[2.1, -0.7]], rtol=1e-15)
    np.testing.assert_allclose(net.layers[0].params["b"], [0.2, 0.35], rtol=1e-15)


def test_compute_gradients_updates_nothing():
    rng = np.random.default_rng(0)
    net = NeuralNetwork([3, 4, 2], ["relu", "softmax"], rng=rng)
    before = [p.copy() for _, p in net.parameters()]
    net.compute_gradients(rng.normal(size=(5, 3)), rng.integers(0, 2, 5), CrossEntropyLoss())
    for b, (_, p) in zip(before, net.parameters()):
        np.testing.assert_array_equal(b, p)


@pytest.mark.parametrize("make_optimizer", [lambda: None, lambda: SGD(0.1)], ids=["default", "sgd"])
def test_train_step_moves_every_parameter_against_its_numerical_gradient(make_optimizer):
    """Independent of train_step's code: the new parameters are theta - eta g with g from central
    differences, and the returned loss is the loss before the step."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, 6)
    net = NeuralNetwork([3, 5, 3], ["tanh", "softmax"], learning_rate=0.1, rng=2)
    before = {name: p.copy() for name, p in net.parameters()}
    expected_loss = net.compute_loss(X, y, CrossEntropyLoss())
    numerical = numerical_gradient(net, X, y, CrossEntropyLoss())
    loss = net.train_step(X, y, CrossEntropyLoss(), make_optimizer())
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    for name, p in net.parameters():
        np.testing.assert_allclose(p, before[name] - 0.1 * numerical[name], rtol=0, atol=1e-9)


def test_fused_loss_equals_loss_of_probabilities_where_both_are_finite():
    rng = np.random.default_rng(3)
    net = NeuralNetwork([2, 4, 3], ["relu", "softmax"], rng=rng)
    X, y = rng.normal(size=(8, 2)), rng.integers(0, 3, 8)
    fused = net.compute_loss(X, y, CrossEntropyLoss())
    from_probs = CrossEntropyLoss().forward(net.predict(X), y)
    assert fused == pytest.approx(from_probs, rel=1e-12)


def test_float32_end_to_end():
    net = NeuralNetwork([3, 4, 2], ["relu", "softmax"], dtype=np.float32, rng=0)
    X = np.random.default_rng(0).normal(size=(5, 3))  # float64 input is cast
    assert net.predict(X).dtype == np.float32
    net.train_step(X, np.array([0, 1, 0, 1, 1]), CrossEntropyLoss())
    assert all(p.dtype == np.float32 for _, p in net.parameters())
    assert all(g.dtype == np.float32 for _, g in net.gradients())


def test_same_seed_same_weights_different_seed_different():
    a, b, c = (NeuralNetwork([4, 8, 3], rng=s) for s in (5, 5, 6))
    for (_, pa), (_, pb) in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa, pb)
    assert not np.array_equal(a.layers[0].W, c.layers[0].W)


def test_default_activations_and_init():
    net = NeuralNetwork([3, 5, 4, 2])
    assert [l.activation.name for l in net.layers] == ["relu", "relu", "linear"]
    assert [l.init for l in net.layers] == ["he", "he", "glorot"]


def test_predict_classes_and_accuracy():
    net = hand_network("sigmoid")
    X = np.array([[2.0, 1.0], [0.0, 3.0], [3.0, 0.0]])
    # expected classes computed independently of predict_classes: p >= 0.5 <=> z2 >= 0
    z1 = np.maximum(X @ net.layers[0].W.T + net.layers[0].b, 0)
    z2 = z1 @ net.layers[1].W.T + net.layers[1].b
    expected = (z2[:, 0] >= 0).astype(int)
    np.testing.assert_array_equal(net.predict_classes(X), expected)
    assert net.accuracy(X, expected) == 1.0
    assert net.accuracy(X, 1 - expected) == 0.0


def test_summary_counts_parameters():
    net = NeuralNetwork([784, 128, 10], ["relu", "softmax"])
    assert net.n_params == 784 * 128 + 128 + 128 * 10 + 10
    assert str(net.n_params) in net.summary()


def test_public_backward_returns_the_input_gradient():
    """dL/dX from NeuralNetwork.backward against central differences in X."""
    rng = np.random.default_rng(7)
    net = NeuralNetwork([3, 4, 2], ["tanh", "linear"], rng=rng)
    X, y, loss = rng.normal(size=(5, 3)), rng.normal(size=(5, 2)), MSELoss()
    loss.forward(net.forward(X), y)
    dX = net.backward(loss.backward())
    assert dX.shape == X.shape
    numeric = finite_difference_gradient(lambda: net.compute_loss(X, y, MSELoss()), X)
    assert rel_error(dX, numeric) < 1e-8


def test_classes_from_one_linear_output_use_the_sign():
    net = NeuralNetwork([2, 1], ["linear"], rng=0)
    out = np.array([[-0.5], [0.0], [2.0]])
    np.testing.assert_array_equal(net.classes_from_output(out), [0, 1, 1])
    sigmoid_net = NeuralNetwork([2, 1], ["sigmoid"], rng=0)
    np.testing.assert_array_equal(sigmoid_net.classes_from_output(np.array([[0.2], [0.5], [0.9]])), [0, 1, 1])


def test_predict_proba_of_a_softmax_network_is_its_output():
    rng = np.random.default_rng(8)
    net = NeuralNetwork([2, 4, 3], ["relu", "softmax"], rng=rng)
    X = rng.normal(size=(6, 2))
    p = net.predict_proba(X)
    assert p.shape == (6, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-12)
    z = net.layers[1].z  # the logits of the same forward pass
    np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), rtol=1e-12)
    with pytest.raises(ValueError, match="needs a softmax or sigmoid output"):
        NeuralNetwork([2, 3], ["relu"], rng=0).predict_proba(X)


def test_float32_training_end_to_end():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = NeuralNetwork([2, 16, 2], ["relu", "softmax"], learning_rate=0.5, rng=0, dtype=np.float32)
    history = train_network(net, X, y, X, y, CrossEntropyLoss(), epochs=60, batch_size=20, rng=0)
    assert all(p.dtype == np.float32 for _, p in net.parameters())
    assert net.predict(X).dtype == np.float32
    assert history["train_loss"][-1] < history["train_loss"][0] / 2
    assert history["val_acc"][-1] > 0.9
