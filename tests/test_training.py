"""train_network: it learns, it is reproducible, and it stops clearly when training diverges."""

import numpy as np
import pytest

from nnbook import (
    SGD,
    Adam,
    CrossEntropyLoss,
    MSELoss,
    NeuralNetwork,
    TrainingDiverged,
    generate_spiral_data,
    generate_xor_data,
    train_network,
    train_val_split,
)
from nnbook.training import minibatches


def xor_run(seed, epochs=150):
    rng = np.random.default_rng(seed)
    X, Y, _ = generate_xor_data(400, rng=rng)
    X_tr, X_val, y_tr, y_val = train_val_split(X, Y, 0.25, rng=rng)
    net = NeuralNetwork([2, 16, 2], ["relu", "softmax"], rng=rng)
    history = train_network(
        net, X_tr, y_tr, X_val, y_val, CrossEntropyLoss(), epochs=epochs, batch_size=32, optimizer=Adam(0.01), rng=rng
    )
    return net, history


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_is_learned(seed):
    _, history = xor_run(seed)
    assert history["val_acc"][-1] >= 0.95
    assert history["train_loss"][-1] < history["train_loss"][0] / 3


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_three_class_spiral_is_learned(seed):
    rng = np.random.default_rng(seed)
    X, _, y = generate_spiral_data(100, 3, rng=rng)
    X_tr, X_val, y_tr, y_val = train_val_split(X, y, 0.2, rng=rng)
    assert set(np.unique(y_val)) == {0, 1, 2}  # the split is stratified, not sliced
    net = NeuralNetwork([2, 64, 32, 3], ["relu", "relu", "softmax"], rng=rng)
    history = train_network(
        net, X_tr, y_tr, X_val, y_val, CrossEntropyLoss(), epochs=300, batch_size=32, optimizer=Adam(0.01), rng=rng
    )
    assert history["val_acc"][-1] >= 0.9


def test_plain_gradient_descent_default_learns_xor():
    rng = np.random.default_rng(3)
    X, Y, _ = generate_xor_data(400, rng=rng)
    X_tr, X_val, y_tr, y_val = train_val_split(X, Y, 0.25, rng=rng)
    net = NeuralNetwork([2, 16, 2], ["relu", "softmax"], learning_rate=0.5, rng=rng)
    history = train_network(net, X_tr, y_tr, X_val, y_val, CrossEntropyLoss(), epochs=200, rng=rng)
    assert history["val_acc"][-1] >= 0.9


def test_same_seed_gives_identical_history_and_other_seed_differs():
    _, h1 = xor_run(7, epochs=20)
    _, h2 = xor_run(7, epochs=20)
    _, h3 = xor_run(8, epochs=20)
    assert h1 == h2
    assert h1["train_loss"] != h3["train_loss"]


def test_history_keys_lengths_and_metric_meaning():
    net, history = xor_run(4, epochs=5)
    assert set(history) == {"train_loss", "val_loss", "train_acc", "val_acc"}
    assert all(len(v) == 5 for v in history.values())
    assert all(isinstance(v, float) for vals in history.values() for v in vals)
    # val_acc is the accuracy of the final network on the validation data
    rng = np.random.default_rng(4)
    X, Y, _ = generate_xor_data(400, rng=rng)
    _, X_val, _, y_val = train_val_split(X, Y, 0.25, rng=rng)
    assert history["val_acc"][-1] == net.accuracy(X_val, y_val)
    p = net.predict(X_val)  # softmax probabilities; the loss from them, independently of nnbook's
    labels = np.argmax(y_val, axis=1)
    assert history["val_loss"][-1] == pytest.approx(-np.mean(np.log(p[np.arange(len(p)), labels])), rel=1e-9)


def test_train_loss_is_the_sample_weighted_mean_of_batch_losses():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    net = NeuralNetwork([2, 1], ["linear"], learning_rate=0.1, rng=0)
    twin = NeuralNetwork([2, 1], ["linear"], learning_rate=0.1, rng=0)
    history = train_network(net, X, y, X, y, MSELoss(), epochs=1, batch_size=4, rng=np.random.default_rng(9))
    order = np.random.default_rng(9).permutation(10)
    losses = [twin.train_step(X[order[s : s + 4]], y[order[s : s + 4]], MSELoss()) for s in (0, 4, 8)]
    assert history["train_loss"][0] == pytest.approx((4 * losses[0] + 4 * losses[1] + 2 * losses[2]) / 10, rel=1e-14)
    assert np.isnan(history["train_acc"][0]) and np.isnan(history["val_acc"][0])  # regression: undefined


def test_divergence_stops_with_clear_error_and_keeps_history():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(64, 3)) * 10
    y = rng.normal(size=(64, 1)) * 10
    net = NeuralNetwork([3, 16, 1], ["relu", "linear"], rng=rng)
    with pytest.raises(TrainingDiverged, match="diverged.*lower the learning rate") as info:
        train_network(net, X, y, X, y, MSELoss(), epochs=50, batch_size=8, optimizer=SGD(5.0), rng=rng)
    err = info.value
    assert len(err.history["train_loss"]) == err.epoch
    assert all(np.isfinite(err.history["train_loss"]))


def test_bad_labels_fail_before_any_training():
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(10, 2)), rng.integers(0, 2, 10)
    net = NeuralNetwork([2, 2], ["softmax"], rng=0)
    before = net.layers[0].W.copy()
    y_bad = y.copy()
    y_bad[-1] = 2
    with pytest.raises(ValueError, match="out of range"):
        train_network(net, X, y_bad, X, y, CrossEntropyLoss(), epochs=3)
    np.testing.assert_array_equal(net.layers[0].W, before)


def test_progress_bar_can_be_forced(capsys):
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(8, 2)), rng.integers(0, 2, 8)
    net = NeuralNetwork([2, 2], ["softmax"], rng=0)
    train_network(net, X, y, X, y, CrossEntropyLoss(), epochs=3, progress=True)
    assert "epochs" in capsys.readouterr().err
    train_network(net, X, y, X, y, CrossEntropyLoss(), epochs=3, verbose=True, progress=False)
    out = capsys.readouterr()
    assert "Epoch   0/3" in out.out and "Epoch   2/3" in out.out and out.err == ""


def test_early_stopping_restores_the_best_weights():
    """A wide network on 40 noisy points overfits: validation loss turns up, training stops
    `patience` epochs after the best epoch, and the network keeps that epoch's weights."""
    rng = np.random.default_rng(11)
    X, _, y = generate_xor_data(80, rng=rng)
    flip = rng.random(80) < 0.2  # label noise to overfit on
    y = np.where(flip, 1 - y, y)
    X_tr, X_val, y_tr, y_val = train_val_split(X, y, 0.5, rng=rng)
    net = NeuralNetwork([2, 128, 128, 2], ["relu", "relu", "softmax"], rng=rng)
    history = train_network(
        net,
        X_tr,
        y_tr,
        X_val,
        y_val,
        CrossEntropyLoss(),
        epochs=500,
        batch_size=8,
        optimizer=Adam(0.01),
        rng=rng,
        patience=10,
    )
    n_run = len(history["val_loss"])
    best = history["best_epoch"]
    assert n_run < 500
    assert best == int(np.argmin(history["val_loss"]))
    assert n_run - 1 - best == 10
    assert net.compute_loss(X_val, y_val, CrossEntropyLoss()) == pytest.approx(history["val_loss"][best], rel=1e-12)


def test_patience_must_be_a_positive_integer():
    net = NeuralNetwork([2, 2], ["softmax"], rng=0)
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="patience must be a positive integer"):
        train_network(net, X, y, X, y, CrossEntropyLoss(), epochs=2, patience=0)


def test_divergence_is_caught_when_the_output_overflows_before_the_loss():
    """ReLU + linear outputs + MSE at a huge rate: the outputs reach inf before any batch loss
    is computed as inf; this is still a TrainingDiverged, not an error about the targets."""
    rng = np.random.default_rng(0)
    X, Y, _ = generate_xor_data(400, rng=rng)
    X_tr, X_val, y_tr, y_val = train_val_split(X, Y, 0.25, rng=rng)
    net = NeuralNetwork([2, 16, 2], ["relu", "linear"], rng=np.random.default_rng(1))
    with pytest.raises(TrainingDiverged, match="diverged") as info:
        train_network(net, X_tr, y_tr, X_val, y_val, MSELoss(), epochs=50, optimizer=SGD(3.1623), rng=rng)
    assert len(info.value.history["train_loss"]) == info.value.epoch


def test_forward_refuses_to_return_non_finite_outputs():
    net = NeuralNetwork([2, 2], ["linear"], rng=0)
    net.layers[0].params["W"][0, 0] = np.inf
    with pytest.raises(FloatingPointError, match="diverged"):
        net.forward(np.ones((1, 2)))


def test_train_network_takes_the_steps_direct_train_step_calls_take():
    """train_network checks its data once and steps without checks: the same losses and weights."""
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 3, size=40)
    fitted, stepped = (NeuralNetwork([2, 8, 3], ["relu", "softmax"], rng=0) for _ in range(2))
    history = train_network(fitted, X, y, X[:10], y[:10], CrossEntropyLoss(), epochs=3, batch_size=8, rng=0)
    order, losses = np.random.default_rng(0), []
    for _ in range(3):
        batches = list(minibatches(40, 8, order))
        losses.append(sum(stepped.train_step(X[i], y[i], CrossEntropyLoss()) * len(i) for i in batches) / 40)
    assert history["train_loss"] == losses
    for (_, a), (_, b) in zip(fitted.parameters(), stepped.parameters()):
        np.testing.assert_array_equal(a, b)


def test_a_bad_validation_label_fails_before_any_training():
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 3, size=40)
    net = NeuralNetwork([2, 8, 3], ["relu", "softmax"], rng=0)
    before = net.get_state()
    with pytest.raises(ValueError, match="class label 3, out of range"):
        train_network(net, X, y, X[:10], np.full(10, 3), CrossEntropyLoss(), epochs=3)
    assert all(np.array_equal(before[k], v) for k, v in net.get_state().items())
