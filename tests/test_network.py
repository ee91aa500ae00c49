"""NeuralNetwork: a 2-2-1 network worked by hand, and the contract of compute_gradients."""

import numpy as np
import pytest

from nnbook import (
    L2,
    SGD,
    Adam,
    BatchNormalization,
    CrossEntropyLoss,
    Dense,
    Dropout,
    MSELoss,
    NeuralNetwork,
    check_gradients,
    train_network,
)
from nnbook.gradcheck import finite_difference_gradient, numerical_gradient, rel_error
from nnbook.optimizers import Optimizer
from nnbook.pitfalls import BatchNormWithoutMeanTerm, SeedCrossEntropyLoss


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


# -- the summary names the layers as the parameters are named ------------------------------------


def test_summary_has_one_row_per_layer_named_like_the_parameters():
    net = NeuralNetwork([2, 3, 4, 1], ["relu", "tanh", "sigmoid"], dropout=0.5, batch_normalization=True)
    rows = [line.split() for line in net.summary().splitlines()]
    assert rows[0] == ["layer", "shape", "of", "W", "activation", "params"]
    assert rows[1:-1] == [
        ["layer1", "(3,", "2)", "relu", "9"],
        ["bn1", "batchnorm", "6"],
        ["drop1", "p=0.5", "0"],
        ["layer2", "(4,", "3)", "tanh", "16"],
        ["bn2", "batchnorm", "8"],
        ["drop2", "p=0.5", "0"],
        ["layer3", "(1,", "4)", "sigmoid", "5"],
    ]
    assert rows[-1] == ["total", str(net.n_params)] == ["total", "44"]
    assert {name.split(".")[0] for name, _ in net.parameters()} == {"layer1", "bn1", "layer2", "bn2", "layer3"}


# -- the checked and the unchecked path ----------------------------------------------------------

LOSSES = {
    "mse": (MSELoss, "linear", 2, lambda rng: rng.normal(size=(8, 2))),
    "softmax-ce-labels": (CrossEntropyLoss, "softmax", 3, lambda rng: rng.integers(0, 3, 8)),
    "softmax-ce-one-hot": (CrossEntropyLoss, "softmax", 3, lambda rng: np.eye(3)[rng.integers(0, 3, 8)]),
    "sigmoid-ce": (CrossEntropyLoss, "sigmoid", 1, lambda rng: rng.integers(0, 2, 8)),
    "seed-ce": (SeedCrossEntropyLoss, "softmax", 3, lambda rng: rng.integers(0, 3, 8)),
}
OPTIONS = {
    "plain": {},
    "l2": {"kernel_regularizer": L2(0.01)},
    "dropout": {"dropout": 0.3},
    "batchnorm": {"batch_normalization": True},
    "all": {"kernel_regularizer": L2(0.01), "dropout": 0.3, "batch_normalization": True},
}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize("loss", LOSSES.values(), ids=LOSSES.keys())
def test_the_checked_and_the_unchecked_path_give_identical_results(loss, options):
    make_loss, output, n_out, targets = loss
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(8, 4)), targets(rng)
    checked, unchecked = (NeuralNetwork([4, 5, n_out], ["tanh", output], 0.1, rng=0, **options) for _ in range(2))
    for _ in range(3):  # three steps: losses, gradients, weights, moving statistics, dropout masks
        loss_c = checked.train_step(X, y, make_loss())
        loss_u = unchecked.batch_step(unchecked.check_data(X, y, make_loss()), make_loss())
        assert loss_c == loss_u
        for (_, a), (_, b) in zip(checked.gradients(), unchecked.gradients()):
            np.testing.assert_array_equal(a, b)
    for (name, a), b in zip(checked.get_state().items(), unchecked.get_state().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    batch = checked.check_data(X, y, make_loss())
    assert checked.compute_loss(X, y, make_loss()) == checked.batch_loss(batch, make_loss())


def test_the_unchecked_methods_take_only_checked_data():
    net = NeuralNetwork([2, 3], ["softmax"])
    X, labels = np.zeros((3, 2)), np.array([0, 2, 1])
    for method in (net.batch_loss, net.batch_gradients, net.batch_step):
        with pytest.raises(TypeError, match="CheckedBatch from check_data"):
            method((X, labels), CrossEntropyLoss())


# -- a network given its layers ------------------------------------------------------------------


def test_a_network_built_from_layers_equals_the_one_built_from_sizes():
    sized = NeuralNetwork([3, 4, 2], ["relu", "softmax"], rng=5, dropout=0.5, batch_normalization=True)
    layers = [Dense(3, 4, "relu"), BatchNormalization(4), Dropout(0.5, rng=1), Dense(4, 2, "softmax")]
    listed = NeuralNetwork.from_layers(layers)
    listed.set_state(sized.get_state())  # the same weights, statistics and dropout generators
    X, y = np.random.default_rng(0).normal(size=(6, 3)), np.array([0, 1, 1, 0, 1, 0])
    assert listed.train_step(X, y, CrossEntropyLoss()) == sized.train_step(X, y, CrossEntropyLoss())
    np.testing.assert_array_equal(listed.predict(X), sized.predict(X))
    assert listed.summary() == sized.summary()


@pytest.mark.parametrize(
    "layers, match",
    [
        ([BatchNormalization(3), Dense(3, 2)], "first and last layers must be Dense"),
        ([Dense(3, 4), Dense(5, 2)], r"layers\[1\] .* takes 5 inputs, the layer before gives 4"),
        ([Dense(3, 4), BatchNormalization(5), Dense(4, 2)], r"takes 5 inputs, the layer before gives 4"),
        ([Dense(3, 4), Dense(4, 2, dtype=np.float32)], "use one dtype"),
    ],
)
def test_layers_that_cannot_form_a_network_are_refused(layers, match):
    with pytest.raises(ValueError, match=match):
        NeuralNetwork.from_layers(layers)


# -- state: get, set, save, load, resume ---------------------------------------------------------


def trained(seed=0, steps=5):
    """A 4-8-6-2 network with batch normalisation and dropout, trained for a few Adam steps."""
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(32, 4)), rng.integers(0, 2, 32)
    net = NeuralNetwork([4, 8, 6, 2], ["relu", "tanh", "softmax"], rng=seed, dropout=0.3, batch_normalization=True)
    optimizer = Adam(0.01)
    for _ in range(steps):
        net.train_step(X, y, CrossEntropyLoss(), optimizer)
    return net, optimizer, X, y


def test_the_state_holds_parameters_moving_statistics_and_dropout_generators():
    net, _, _, _ = trained()
    state = net.get_state()
    assert list(state) == [
        "layer1.W", "layer1.b", "bn1.gamma", "bn1.beta", "bn1.moving_mean", "bn1.moving_variance", "drop1.rng",
        "layer2.W", "layer2.b", "bn2.gamma", "bn2.beta", "bn2.moving_mean", "bn2.moving_variance", "drop2.rng",
        "layer3.W", "layer3.b",
    ]  # fmt: skip
    state["bn1.moving_mean"][...] = 0  # copies: the network is unchanged
    assert np.any(net.batch_norms[0].moving_mean != 0)


def test_set_state_refuses_a_state_of_another_architecture():
    net, _, _, _ = trained()
    with pytest.raises(ValueError, match="layers this network does not have"):
        NeuralNetwork([4, 8, 2], ["relu", "softmax"]).set_state(net.get_state())
    state = net.get_state()
    state["layer1.W"] = state["layer1.W"][:, :2]
    with pytest.raises(ValueError, match=r"W has shape \(8, 2\), expected \(8, 4\)"):
        net.set_state(state)


def test_a_reloaded_network_predicts_identically_and_trains_on_identically(tmp_path):
    net, optimizer, X, y = trained()
    net.save(tmp_path / "net.npz")
    optimizer.save(tmp_path / "adam.npz")
    net_again, optimizer_again = NeuralNetwork.load(tmp_path / "net.npz"), Optimizer.load(tmp_path / "adam.npz")
    assert net_again.summary() == net.summary() and repr(optimizer_again) == repr(optimizer)
    np.testing.assert_array_equal(net_again.predict(X), net.predict(X))
    for _ in range(3):  # the same dropout masks, moments, step counts and statistics
        assert net_again.train_step(X, y, CrossEntropyLoss(), optimizer_again) == net.train_step(
            X, y, CrossEntropyLoss(), optimizer
        )
    for (name, a), b in zip(net.get_state().items(), net_again.get_state().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_the_saved_file_holds_arrays_and_json_only(tmp_path):
    net, _, _, _ = trained()
    net.save(tmp_path / "net.npz")
    with np.load(tmp_path / "net.npz", allow_pickle=False) as archive:  # no pickled objects
        assert "layer1.W" in archive.files and archive["__config__"].dtype.kind == "U"


def test_update_is_one_step_of_the_networks_sgd():
    net = NeuralNetwork([2, 3, 1], ["tanh", "linear"], learning_rate=0.1, rng=0)
    X, y = np.ones((4, 2)), np.zeros((4, 1))
    net.compute_gradients(X, y, MSELoss())
    before = {name: p.copy() for name, p in net.parameters()}
    grads = {name: g.copy() for name, g in net.gradients()}
    net.update()
    for name, p in net.parameters():
        np.testing.assert_allclose(p, before[name] - 0.1 * grads[name], rtol=1e-15)
    assert net.optimizer.learning_rate == net.learning_rate == 0.1


# -- Kernel regularizer, dropout and batch normalisation in a network -------------------------------
# NeuralNetwork with a kernel regularizer, dropout and batch normalisation: the wiring, the
# training flag, the parameters the optimizers see, and gradient checks in float64 that pass
# for the right rules and fail for wrong ones.


TOL = 1e-7


def full_net(seed=0, *, l2=0.01, dropout=0.3, bn=True, out="softmax", hidden="tanh"):
    reg = None if l2 is None else L2(l2)
    n_out = 3 if out == "softmax" else 2
    return NeuralNetwork(
        [4, 6, 5, n_out],
        [hidden, hidden, out],
        rng=seed,
        kernel_regularizer=reg,
        dropout=dropout,
        batch_normalization=bn,
    )


def batch(seed=1, n=8, out="softmax"):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = rng.integers(0, 3, n) if out == "softmax" else rng.normal(size=(n, 2))
    return X, y


def loss_for(out):
    return CrossEntropyLoss() if out == "softmax" else MSELoss()


# -- wiring ---------------------------------------------------------------------------------


def test_the_blocks_are_dense_batchnorm_dropout_on_hidden_layers_only():
    net = full_net()
    block = [Dense, BatchNormalization, Dropout]
    assert [type(x) for x in net.layers] == [*block, *block, Dense]  # nothing after the output layer
    assert [bn.n_features for bn in net.batch_norms] == [6, 5]
    assert len({id(layer.kernel_regularizer) for layer in net.dense_layers}) == 1


def test_parameter_names_and_count_include_gamma_and_beta_but_not_the_moving_statistics():
    net = full_net()
    names = [name for name, _ in net.parameters()]
    assert names == [
        "layer1.W", "layer1.b", "bn1.gamma", "bn1.beta",
        "layer2.W", "layer2.b", "bn2.gamma", "bn2.beta",
        "layer3.W", "layer3.b",
    ]  # fmt: skip
    plain = full_net(l2=None, dropout=None, bn=False)
    assert net.n_params == plain.n_params + 2 * (6 + 5)
    assert not any(
        p is bn.moving_mean or p is bn.moving_variance for _, p in net.parameters() for bn in net.batch_norms
    )


def test_the_options_do_not_change_the_initial_weights():
    plain, full = full_net(l2=None, dropout=None, bn=False), full_net()
    for (_, a), (_, b) in zip(plain.parameters(), [(n, p) for n, p in full.parameters() if n.startswith("layer")]):
        assert np.array_equal(a, b)


def test_each_dropout_layer_has_its_own_generator():
    net = full_net(dropout=0.5)
    first, second = (d.rng.random(5) for d in net.dropouts)
    assert not np.allclose(first, second)


def test_a_network_without_options_has_no_extra_layers():
    net = full_net(l2=None, dropout=None, bn=False)
    assert net.batch_norms == [] and net.dropouts == [] and net.layers == net.dense_layers
    assert repr(net) == (
        "NeuralNetwork.from_layers([Dense(4, 6, activation='tanh'), Dense(6, 5, activation='tanh'), "
        "Dense(5, 3, activation='softmax')])"
    )


# -- the training flag ------------------------------------------------------------------------


def test_training_mode_in_steps_inference_mode_in_predict_and_compute_loss():
    net = full_net(dropout=0.5)
    X, y = batch()
    loss_fn = CrossEntropyLoss()
    net.train_step(X, y, loss_fn)
    assert net.training and all(layer.training for layer in net.layers)
    out_1 = net.predict(X)
    assert not net.training and not any(layer.training for layer in net.layers)
    assert np.array_equal(out_1, net.predict(X))  # inference is deterministic
    train_1 = net.forward(X, training=True)
    train_2 = net.forward(X, training=True)
    assert not np.allclose(train_1, train_2)  # new masks, and moving statistics updated
    infer = net.compute_loss(X, y, loss_fn)
    assert infer == net.compute_loss(X, y, loss_fn)


def test_the_moving_statistics_move_only_in_training():
    net = full_net(dropout=None)
    X, y = batch()
    before = net.batch_norms[0].moving_mean.copy()
    net.predict(X)
    net.compute_loss(X, y, CrossEntropyLoss())
    assert np.array_equal(before, net.batch_norms[0].moving_mean)
    net.train_step(X, y, CrossEntropyLoss())
    assert not np.array_equal(before, net.batch_norms[0].moving_mean)


def test_the_regularizer_penalty_is_in_every_reported_loss():
    X, y = batch()
    plain, reg = full_net(l2=None, dropout=None, bn=False), full_net(l2=0.05, dropout=None, bn=False)
    penalty = sum(0.05 * np.sum(layer.W**2) for layer in reg.dense_layers)
    loss_fn = CrossEntropyLoss()
    assert reg.compute_loss(X, y, loss_fn) == pytest.approx(plain.compute_loss(X, y, loss_fn) + penalty, rel=1e-14)
    assert reg.compute_gradients(X, y, loss_fn) == pytest.approx(plain.compute_gradients(X, y, loss_fn) + penalty)
    for a, b in zip(reg.layers, plain.layers):
        assert np.allclose(a.grads["W"], b.grads["W"] + 0.1 * a.W, rtol=0, atol=1e-15)
        assert np.array_equal(a.grads["b"], b.grads["b"])  # biases are not regularised
    history = train_network(reg, X, y, X, y, loss_fn, epochs=1, batch_size=8, optimizer=SGD(0.1))
    assert history["train_loss"][0] == pytest.approx(plain.compute_loss(X, y, loss_fn) + penalty, rel=1e-12)


def test_a_dense_layer_takes_a_kernel_regularizer_on_its_own():
    layer = Dense(3, 2, "linear", rng=0, kernel_regularizer=L2(0.5))
    plain = Dense(3, 2, "linear", rng=0)
    x, g = np.ones((4, 3)), np.ones((4, 2))
    for d in (layer, plain):
        d.forward(x)
        d.backward(g)
    assert np.allclose(layer.grads["W"], plain.grads["W"] + layer.W)
    assert layer.regularization_loss() == pytest.approx(0.5 * np.sum(layer.W**2))
    assert plain.regularization_loss() == 0.0


@pytest.mark.parametrize("optimizer", [SGD(0.1), Adam(0.01)], ids=["sgd", "adam"])
def test_every_optimizer_trains_gamma_and_beta(optimizer):
    net = full_net()
    X, y = batch()
    before = {n: p.copy() for n, p in net.parameters()}
    net.train_step(X, y, CrossEntropyLoss(), optimizer)
    for name in ("bn1.gamma", "bn1.beta", "bn2.gamma", "bn2.beta"):
        assert not np.array_equal(before[name], dict(net.parameters())[name]), name


def test_plain_update_trains_gamma_and_beta():
    net = full_net()
    X, y = batch()
    gamma = net.batch_norms[0].params["gamma"].copy()
    net.train_step(X, y, CrossEntropyLoss())
    assert np.allclose(
        net.batch_norms[0].params["gamma"], gamma - net.learning_rate * net.batch_norms[0].grads["gamma"]
    )


def test_early_stopping_restores_the_moving_statistics_too():
    net = full_net(dropout=None)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    Xv, yv = rng.normal(size=(20, 4)) * 5, rng.integers(0, 3, 20)
    history = train_network(net, X, y, Xv, yv, CrossEntropyLoss(), epochs=30, batch_size=8, patience=2)
    # the restored state gives back the best epoch's validation loss exactly
    assert net.compute_loss(Xv, yv, CrossEntropyLoss()) == pytest.approx(min(history["val_loss"]), rel=1e-12)


# -- gradient checks ------------------------------------------------------------------------


@pytest.mark.parametrize("out", ["softmax", "linear"])
@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_gradient_check_in_training_mode_with_dropout_and_batch_norm(out, hidden):
    net = full_net(out=out, hidden=hidden)
    X, y = batch(out=out)
    result = check_gradients(net, X, y, loss_for(out))
    assert result.passed and result.max_error < TOL, result.report()
    assert set(result.errors) == {name for name, _ in net.parameters()}
    assert all(d.fixed_mask is None for d in net.dropouts)  # the masks are free again
    assert np.any(net.dropouts[0].mask == 0)  # the check really ran with units dropped


def test_gradient_check_in_inference_mode():
    net = full_net()
    X, y = batch()
    net.train_step(X, y, CrossEntropyLoss())  # moving statistics away from (0, 1)
    result = check_gradients(net, X, y, CrossEntropyLoss(), training=False)
    assert result.passed, result.report()


def test_gradient_check_keeps_the_moving_statistics():
    net = full_net()
    X, y = batch()
    before = [bn.moving_mean.copy() for bn in net.batch_norms]
    check_gradients(net, X, y, CrossEntropyLoss())
    assert all(np.array_equal(a, bn.moving_mean) for a, bn in zip(before, net.batch_norms))


def test_gradient_check_with_masks_fixed_by_hand():
    net = full_net(dropout=0.5)
    X, y = batch()
    rng = np.random.default_rng(5)
    for d, n in zip(net.dropouts, (6, 5)):
        d.set_mask(rng.random((8, n)) >= 0.5)
    assert check_gradients(net, X, y, CrossEntropyLoss()).passed


class L2WithoutTwo(L2):
    """Wrong: the gradient of alpha * sum W^2 taken as alpha * W."""

    def gradient(self, W):
        return self.l2 * W


class DropoutWithoutScaling(Dropout):
    """Wrong: the backward forgets the 1/(1 - p) of the forward."""

    def backward(self, grad_output):
        out = super().backward(grad_output)
        return out if not self._forward_training else out * (1.0 - self.rate)


def _replace(net, make):
    """The network with each layer for which ``make`` returns a layer replaced by it (same state)."""
    layers = []
    for old in net.layers:
        new = make(old) or old
        if new is not old:
            new.set_state(old.get_state())
        layers.append(new)
    return NeuralNetwork.from_layers(layers)


def test_the_check_catches_an_l2_gradient_without_the_factor_two():
    net = full_net(l2=None)
    for layer in net.dense_layers:
        layer.kernel_regularizer = L2WithoutTwo(0.05)
    result = check_gradients(net, *batch(), CrossEntropyLoss())
    assert not result.passed
    assert all(result.errors[f"layer{i}.W"] > 1e-3 for i in (1, 2, 3))
    assert all(result.errors[f"layer{i}.b"] < TOL for i in (1, 2, 3))


def test_the_check_catches_a_batch_norm_backward_without_the_mean_term():
    net = _replace(
        full_net(dropout=None, hidden="relu"),
        lambda old: BatchNormWithoutMeanTerm(old.n_features) if isinstance(old, BatchNormalization) else None,
    )
    result = check_gradients(net, *batch(), CrossEntropyLoss())
    assert not result.passed
    assert result.errors["layer1.W"] > 1e-3  # below the broken layer
    assert result.errors["layer3.W"] < TOL  # above it, nothing is wrong


def test_the_check_catches_a_dropout_backward_without_the_scaling():
    net = _replace(
        full_net(bn=False, dropout=0.5),
        lambda old: DropoutWithoutScaling(old.rate, rng=old.rng) if isinstance(old, Dropout) else None,
    )
    result = check_gradients(net, *batch(), CrossEntropyLoss())
    assert not result.passed and result.errors["layer1.W"] > 1e-3


def test_the_flag_follows_the_mode_without_extra_layers_too():
    net = full_net(l2=None, dropout=None, bn=False)
    X, y = batch()
    net.train_step(X, y, CrossEntropyLoss())
    assert net.training
    net.predict(X)
    assert not net.training


def test_the_public_backward_goes_through_the_extra_layers():
    net = full_net(out="linear", dropout=0.5)
    X, y = batch(out="linear")
    for d, n in zip(net.dropouts, (6, 5)):
        d.set_mask(np.random.default_rng(n).random((8, n)) >= 0.5)
    loss_fn = MSELoss()
    net.compute_gradients(X, y, loss_fn)
    expected = {name: g.copy() for name, g in net.gradients()}
    out = net.forward(X, training=True)
    loss_fn.forward(out, y)
    grad_X = net.backward(loss_fn.backward())
    assert grad_X.shape == X.shape
    for name, g in net.gradients():
        assert np.allclose(g, expected[name], rtol=1e-12, atol=1e-15), name
