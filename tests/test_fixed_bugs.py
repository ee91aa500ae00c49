"""Bugs that once slipped through, each with the test that failed before its fix."""

import warnings

import numpy as np
import pytest

from nnbook import Adam, CrossEntropyLoss, Dense, MSELoss, NeuralNetwork, TrainingDiverged, train_network, training


def test_patience_with_a_non_finite_first_validation_loss_raises_training_diverged():
    """`inf < inf` is false: a first validation loss of inf once left no best epoch (a TypeError)."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 2)), rng.normal(size=(16, 1))
    X_val = np.full((4, 2), 1e200)  # finite, but the output's square overflows to inf
    net = NeuralNetwork([2, 1], ["linear"], learning_rate=1e-3, rng=0)
    with pytest.raises(TrainingDiverged, match="validation loss became inf") as info:
        train_network(net, X, y, X_val, np.zeros((4, 1)), MSELoss(), epochs=3, patience=2)
    assert info.value.epoch == 0
    assert info.value.history == {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}


def test_a_non_finite_validation_loss_later_keeps_the_history_so_far(monkeypatch):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(32, 2)), rng.normal(size=(32, 1))
    net = NeuralNetwork([2, 1], ["linear"], learning_rate=1e-3, rng=0)
    calls = []
    evaluate = training.evaluate

    def third_is_nan(*args):
        calls.append(1)
        loss, acc = evaluate(*args)
        return (float("nan") if len(calls) == 3 else loss), acc

    monkeypatch.setattr(training, "evaluate", third_is_nan)
    with pytest.raises(TrainingDiverged, match="validation loss became nan") as info:
        train_network(net, X, y, X[:8], y[:8], MSELoss(), epochs=5, patience=3)
    assert info.value.epoch == 2
    assert len(info.value.history["val_loss"]) == 2
    assert all(np.isfinite(info.value.history["val_loss"]))


@pytest.mark.parametrize("loss_fn, n_out", [(MSELoss(), 1), (CrossEntropyLoss(), 3)], ids=["mse", "ce"])
def test_an_overflowing_loss_is_training_diverged_and_never_a_runtime_warning(loss_fn, n_out):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(32, 2)) * 1e307
    y = rng.normal(size=(32, 1)) if n_out == 1 else rng.integers(0, 3, size=32)
    net = NeuralNetwork([2, 8, n_out], ["relu", "linear" if n_out == 1 else "softmax"], rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning fails the test
        with pytest.raises(TrainingDiverged):
            train_network(net, X, y, X[:8], y[:8], loss_fn, epochs=5, optimizer=Adam(10.0))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_bare_dense_layer_rejects_non_finite_input_like_the_network(bad):
    layer = Dense(3, 2, rng=0)
    X = np.ones((4, 3))
    X[1, 2] = bad
    with pytest.raises(ValueError, match="a_prev contains 1 NaN or infinite value"):
        layer(X)  # calling a layer checks its input; a network checks X once and calls forward
    with pytest.raises(ValueError, match="X contains 1 NaN or infinite value"):
        NeuralNetwork([3, 2], rng=0).forward(X)


@pytest.mark.parametrize("name", ["beta_1", "beta_2"])
@pytest.mark.parametrize("value", [0, 1, 1.5, "0.9"])
def test_adam_betas_name_the_open_interval(name, value):
    exc = TypeError if isinstance(value, str) else ValueError
    with pytest.raises(exc, match=r"\(0, 1\)"):
        Adam(**{name: value})


def test_the_unchecked_path_cannot_be_entered_with_raw_labels():
    """Raw labels [0, 2, 1] inside the old trusted_inputs() gave a cross-entropy of 2.149 instead of 2.347.

    The unchecked methods now take only a CheckedBatch, which check_data makes (encoding the labels).
    """
    rng = np.random.default_rng(0)
    net = NeuralNetwork([2, 3], ["softmax"], rng=0)
    X, labels, loss = rng.normal(size=(3, 2)), np.array([0, 2, 1]), CrossEntropyLoss()
    checked = net.compute_loss(X, labels, loss)
    assert net.batch_loss(net.check_data(X, labels, loss), loss) == checked
    with pytest.raises(TypeError, match="CheckedBatch"):
        net.batch_loss((X, labels), loss)


def test_saved_and_loaded_network_keeps_the_batch_normalisation_statistics(tmp_path):
    """Saving only parameters() lost the moving mean and variance: predictions differed by up to 0.96."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 4)), rng.integers(0, 2, size=64)
    net = NeuralNetwork([4, 8, 2], ["relu", "softmax"], 0.1, rng=0, batch_normalization=True)
    train_network(net, X, y, X, y, CrossEntropyLoss(), epochs=5, batch_size=16)
    net.save(tmp_path / "net.npz")
    loaded = NeuralNetwork.load(tmp_path / "net.npz")
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
