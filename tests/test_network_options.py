"""NeuralNetwork with a kernel regularizer, dropout and batch normalisation: the wiring, the
training flag, the parameters the optimizers see, and gradient checks in float64 that pass
for the right rules and fail for wrong ones."""

from __future__ import annotations

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
from nnbook.pitfalls import BatchNormWithoutMeanTerm

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
