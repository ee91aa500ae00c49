"""NeuralNetwork: a 2-2-1 network worked by hand, and the contract of compute_gradients."""

import numpy as np
import pytest

from nnbook import SGD, CrossEntropyLoss, MSELoss, NeuralNetwork


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
    np.testing.assert_array_equal(g["layer1.W"], [[-1.0, -3.0]])
    np.testing.assert_array_equal(g["layer1.b"], [-1.5])
    np.testing.assert_array_equal(g["layer0.W"], [[-4.0, -2.0], [1.5, 1.5]])
    np.testing.assert_array_equal(g["layer0.b"], [-2.0, 1.5])


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
    np.testing.assert_array_equal(g["layer1.W"], [[-0.5, -1.25]])
    np.testing.assert_array_equal(g["layer1.b"], [-0.5])
    np.testing.assert_array_equal(g["layer0.W"], [[-2.0, -1.0], [1.0, 0.5]])
    np.testing.assert_array_equal(g["layer0.b"], [-1.0, 0.5])
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


def test_train_step_is_compute_gradients_then_optimizer_step():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, 6)
    a = NeuralNetwork([3, 5, 3], ["tanh", "softmax"], rng=2)
    b = NeuralNetwork([3, 5, 3], ["tanh", "softmax"], rng=2)
    opt_a, opt_b = SGD(0.1, momentum=0.9), SGD(0.1, momentum=0.9)
    for _ in range(3):
        la = a.train_step(X, y, CrossEntropyLoss(), opt_a)
        lb = b.compute_gradients(X, y, CrossEntropyLoss())
        opt_b.step(b.parameters(), b.gradients())
        assert la == lb
    for (_, pa), (_, pb) in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa, pb)


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
