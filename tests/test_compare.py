"""Parity with TensorFlow/Keras in float64: forward, gradients, and 200-step trajectories of
SGD, SGD with momentum and Adam agree to 1e-10; a wrong update rule is caught.

Skipped when TensorFlow is not installed; `make test` installs it (the `compare` extra)."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from nnbook import SGD, Adam, CrossEntropyLoss, MSELoss, NeuralNetwork  # noqa: E402
from nnbook.compare import (  # noqa: E402
    compare_forward,
    compare_gradients,
    compare_trajectories,
    compare_with_tensorflow,
    copy_weights_from_keras,
    keras_dense_layers,
    to_keras,
)

PARITY = 1e-10

# the loss class, not an instance: a loss object keeps state, so every test makes its own
CASES = {
    "softmax-ce": (["relu", "softmax"], CrossEntropyLoss, 3),
    "sigmoid-bce": (["tanh", "sigmoid"], CrossEntropyLoss, 1),
    "linear-mse": (["relu", "linear"], MSELoss, 2),
}


def loss_for(case):
    return CASES[case][1]()


def data(case, rng):
    _, loss_cls, n_out = CASES[case]
    X = rng.normal(size=(48, 4))
    if loss_cls is MSELoss:
        return X, rng.normal(size=(48, n_out))
    return X, rng.integers(0, max(n_out, 2), size=48)


def network(case, seed=0, dtype=np.float64):
    acts, _, n_out = CASES[case]
    return NeuralNetwork([4, 8, 6, n_out], acts[:1] * 2 + acts[1:], rng=seed, dtype=dtype)


@pytest.mark.parametrize("case", CASES)
def test_forward_and_loss_agree(case):
    X, y = data(case, np.random.default_rng(1))
    result = compare_forward(network(case), X, y, loss_for(case))
    assert result["max_output_diff"] < PARITY
    assert result["loss_diff"] < PARITY


@pytest.mark.parametrize("case", CASES)
def test_gradients_agree_with_gradient_tape(case):
    X, y = data(case, np.random.default_rng(2))
    errors = compare_gradients(network(case), X, y, loss_for(case))
    assert len(errors) == 6
    assert max(errors.values()) < PARITY


OPTIMIZERS = {
    "sgd": lambda: SGD(0.05),
    "momentum": lambda: SGD(0.05, momentum=0.9),
    "nesterov": lambda: SGD(0.05, momentum=0.9, nesterov=True),
    "adam": lambda: Adam(0.01),
}


@pytest.mark.parametrize("opt", OPTIMIZERS)
@pytest.mark.parametrize("case", ["softmax-ce", "linear-mse"])
def test_trajectories_agree_for_200_steps(case, opt):
    X, y = data(case, np.random.default_rng(3))
    result = compare_trajectories(
        network(case), X, y, loss_for(case), OPTIMIZERS[opt](), steps=200, batch_size=16, rng=4
    )
    assert len(result.loss_nnbook) == 200
    assert result.loss_nnbook[-1] < result.loss_nnbook[0]  # it really trained
    assert result.max_diff < PARITY


class TorchStyleAdam(Adam):
    """Adam with epsilon added after bias-correcting v (PyTorch's form): a different rule."""

    def step(self, params, grads):
        self._t = self.iterations + 1
        Adam.step(self, params, grads)

    def _update(self, name, param, grad):
        m = self._slot(self.m, name, param)
        v = self._slot(self.v, name, param)
        m += (grad - m) * (1 - self.beta_1)
        v += (grad**2 - v) * (1 - self.beta_2)
        m_hat = m / (1 - self.beta_1**self._t)
        v_hat = v / (1 - self.beta_2**self._t)
        param -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)


class WrongMomentum(SGD):
    """Momentum that forgets to scale the velocity: v = v - lr * g."""

    def _update(self, name, param, grad):
        v = self._slot(self.velocities, name, param)
        v[...] = v - grad * self.learning_rate
        param += v


@pytest.mark.parametrize("wrong", [TorchStyleAdam(0.01), WrongMomentum(0.05, momentum=0.9)], ids=["adam", "momentum"])
def test_a_wrong_update_rule_is_detected(wrong):
    """Keras gets the rule of the parent class (Adam, SGD); the subclass's rule differs."""
    X, y = data("softmax-ce", np.random.default_rng(5))
    result = compare_trajectories(
        network("softmax-ce"), X, y, CrossEntropyLoss(), wrong, steps=50, batch_size=16, rng=6
    )
    assert result.max_diff > PARITY


def test_float32_agreement_is_much_looser():
    X, y = data("softmax-ce", np.random.default_rng(7))
    result = compare_trajectories(
        network("softmax-ce", dtype=np.float32), X, y, CrossEntropyLoss(), Adam(0.01), steps=50, batch_size=16, rng=8
    )
    assert PARITY < result.max_diff < 1e-3


def test_weights_round_trip():
    net = network("softmax-ce", seed=1)
    model = to_keras(net)
    kernel = keras_dense_layers(model)[0].kernel
    np.testing.assert_array_equal(np.asarray(kernel), net.layers[0].W.T)  # kernel = W^T
    other = network("softmax-ce", seed=2)
    copy_weights_from_keras(model, other)
    for (_, a), (_, b) in zip(net.parameters(), other.parameters()):
        np.testing.assert_array_equal(a, b)


def test_compare_with_tensorflow_is_fair_and_both_learn():
    from nnbook import generate_xor_data, train_val_split

    rng = np.random.default_rng(9)
    X, _, y = generate_xor_data(300, rng=rng)
    X_tr, X_val, y_tr, y_val = train_val_split(X, y, 0.25, rng=rng)
    result = compare_with_tensorflow(X_tr, y_tr, X_val, y_val, [2, 16, 2], epochs=40, learning_rate=0.02, rng=10)
    for side in ("nnbook", "keras"):
        history = result[side]
        assert set(history) == {"train_loss", "val_loss", "train_acc", "val_acc"}
        assert len(history["val_acc"]) == 40
        assert history["val_acc"][-1] > 0.85, side
    # same initial weights and optimizer: the first epoch's losses are close
    assert abs(result["nnbook"]["train_loss"][0] - result["keras"]["train_loss"][0]) < 0.05


def test_compare_with_tensorflow_leaves_numpy_global_state_alone():
    from nnbook import generate_xor_data

    X, _, y = generate_xor_data(40, rng=0)
    before = np.random.get_state()[1].copy()
    compare_with_tensorflow(X[:30], y[:30], X[30:], y[30:], [2, 4, 2], epochs=1, rng=1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_copy_weights_to_keras_refuses_a_model_with_other_layers():
    from nnbook.compare import copy_weights_to_keras

    model = to_keras(NeuralNetwork([4, 8, 3], ["relu", "softmax"], rng=0))
    with pytest.raises(ValueError, match="the Keras model has 2 Dense layers, the network 3"):
        copy_weights_to_keras(NeuralNetwork([4, 8, 6, 3], ["relu", "relu", "softmax"], rng=0), model)
    with pytest.raises(ValueError):  # same number of layers, other shapes: Keras refuses the kernel
        copy_weights_to_keras(NeuralNetwork([4, 5, 3], ["relu", "softmax"], rng=0), model)
