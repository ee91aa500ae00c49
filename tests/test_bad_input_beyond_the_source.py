"""Bad input for the pieces beyond the source: every case raises a clear ValueError,
TypeError or RuntimeError whose message names what was expected or what came."""

from __future__ import annotations

import numpy as np
import pytest

from nnbook import (
    ELU,
    L2,
    SGD,
    Adagrad,
    AdamW,
    BatchNormalization,
    CosineDecay,
    Dropout,
    ExponentialDecay,
    LeakyReLU,
    RMSprop,
    get_activation,
)

NAN, INF = float("nan"), float("inf")


def bn_training(n=3):
    bn = BatchNormalization(n)
    bn.training = True
    return bn


def dropout_training():
    d = Dropout(0.5, rng=0)
    d.training = True
    return d


CASES = [
    # Dropout
    ("dropout rate 1", lambda: Dropout(1.0, rng=0), ValueError, r"rate must lie in \[0, 1\), got 1.0"),
    ("dropout rate negative", lambda: Dropout(-0.1, rng=0), ValueError, r"rate must lie in \[0, 1\)"),
    ("dropout rate nan", lambda: Dropout(NAN, rng=0), ValueError, r"rate must lie in \[0, 1\)"),
    ("dropout rate string", lambda: Dropout("0.5", rng=0), TypeError, r"rate must be a number in \[0, 1\)"),
    ("dropout without rng", lambda: Dropout(0.5), TypeError, r"rng"),
    ("dropout rng None", lambda: Dropout(0.5, rng=None), TypeError, r"Dropout needs rng"),
    ("dropout input 1-D", lambda: dropout_training()(np.ones(3)), ValueError, r"2-D array"),
    ("dropout input nan", lambda: dropout_training()(np.array([[NAN]])), ValueError, r"NaN or infinite"),
    ("dropout mask not bool", lambda: Dropout(0.5, rng=0).set_mask(np.ones((2, 2))), TypeError, r"must be boolean"),
    (
        "dropout mask wrong shape",
        lambda: (lambda d: (d.set_mask(np.ones((2, 2), bool)), d.forward(np.ones((3, 2)))))(dropout_training()),
        ValueError,
        r"fixed keep-mask has shape \(2, 2\), the input \(3, 2\)",
    ),
    ("dropout backward first", lambda: Dropout(0.5, rng=0).backward(np.ones((2, 2))), RuntimeError, r"before forward"),
    (
        "dropout training flag",
        lambda: (lambda d: (setattr(d, "training", "yes"), d.forward(np.ones((1, 1)))))(Dropout(0.5, rng=0)),
        TypeError,
        r"training must be True or False",
    ),
    # BatchNormalization
    ("bn batch of one", lambda: bn_training().forward(np.ones((1, 3))), ValueError, r"at least 2 samples, got 1"),
    ("bn wrong width", lambda: bn_training()(np.ones((4, 2))), ValueError, r"expected 3 columns, got 2"),
    ("bn inf input", lambda: bn_training()(np.array([[INF, 0, 0], [0, 0, 0]])), ValueError, r"NaN or infinite"),
    ("bn momentum 1", lambda: BatchNormalization(3, momentum=1.0), ValueError, r"momentum must lie in \[0, 1\)"),
    ("bn epsilon 0", lambda: BatchNormalization(3, epsilon=0.0), ValueError, r"epsilon must be a finite number > 0"),
    ("bn n_features 0", lambda: BatchNormalization(0), ValueError, r"n_features must be a positive integer"),
    ("bn dtype", lambda: BatchNormalization(3, dtype=np.int64), ValueError, r"float32 or float64"),
    ("bn backward first", lambda: BatchNormalization(3).backward(np.ones((2, 3))), RuntimeError, r"before forward"),
    (
        "bn backward shape",
        lambda: (lambda b: (b.forward(np.ones((2, 3))), b.backward(np.ones((3, 3)))))(bn_training()),
        ValueError,
        r"grad_output of shape \(2, 3\), got \(3, 3\)",
    ),
    # optimizers
    (
        "adamw negative decay",
        lambda: AdamW(weight_decay=-0.01),
        ValueError,
        r"weight_decay must be a finite number >= 0, got -0.01",
    ),
    ("adamw decay none", lambda: AdamW(weight_decay=None), TypeError, r"weight_decay must be a number >= 0"),
    ("rmsprop rho 1", lambda: RMSprop(rho=1.0), ValueError, r"rho must lie in \[0, 1\)"),
    ("rmsprop momentum negative", lambda: RMSprop(momentum=-0.5), ValueError, r"momentum must lie in \[0, 1\)"),
    ("rmsprop epsilon 0", lambda: RMSprop(epsilon=0.0), ValueError, r"epsilon must be a finite number > 0"),
    ("rmsprop centered 1", lambda: RMSprop(centered=1), TypeError, r"centered must be True or False"),
    (
        "adagrad negative accumulator",
        lambda: Adagrad(initial_accumulator_value=-1.0),
        ValueError,
        r"initial_accumulator_value must be a finite number >= 0",
    ),
    ("learning rate string", lambda: Adagrad("0.1"), TypeError, r"learning_rate must be a positive number"),
    ("learning rate negative", lambda: RMSprop(-0.1), ValueError, r"learning_rate must be a finite number > 0"),
    (
        "optimizer parameter changes shape",
        lambda: (
            lambda o: (
                o.step([("w", np.ones(2))], [("w", np.ones(2))]),
                o.step([("w", np.ones(3))], [("w", np.ones(3))]),
            )
        )(RMSprop()),
        ValueError,
        r"changed shape from \(2,\) to \(3,\)",
    ),
    # schedules
    (
        "decay steps 0",
        lambda: ExponentialDecay(0.1, 0, 0.5),
        ValueError,
        r"decay_steps must be a positive integer, got 0",
    ),
    (
        "decay steps negative",
        lambda: CosineDecay(0.1, -5),
        ValueError,
        r"decay_steps must be a positive integer, got -5",
    ),
    ("decay steps float", lambda: CosineDecay(0.1, 10.5), TypeError, r"decay_steps must be a positive integer"),
    ("decay rate 0", lambda: ExponentialDecay(0.1, 10, 0.0), ValueError, r"decay_rate must be a finite number > 0"),
    (
        "initial rate 0 without warm-up",
        lambda: CosineDecay(0.0, 10),
        ValueError,
        r"initial_learning_rate must be a finite number > 0",
    ),
    (
        "initial rate negative with warm-up",
        lambda: CosineDecay(-0.1, 10, warmup_target=0.1, warmup_steps=5),
        ValueError,
        r"initial_learning_rate must be a finite number >= 0",
    ),
    ("alpha above 1", lambda: CosineDecay(0.1, 10, alpha=1.5), ValueError, r"alpha must lie in \[0, 1\]"),
    (
        "warmup steps negative",
        lambda: CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=-1),
        ValueError,
        r"warmup_steps must be an integer >= 0",
    ),
    (
        "warmup target 0",
        lambda: CosineDecay(0.0, 10, warmup_target=0.0, warmup_steps=5),
        ValueError,
        r"warmup_target must be a finite number > 0",
    ),
    ("negative step", lambda: ExponentialDecay(0.1, 10, 0.5)(-1), ValueError, r"step must be an integer >= 0, got -1"),
    ("float step", lambda: ExponentialDecay(0.1, 10, 0.5)(1.5), TypeError, r"step must be an integer >= 0"),
    (
        "staircase string",
        lambda: ExponentialDecay(0.1, 10, 0.5, staircase="yes"),
        TypeError,
        r"staircase must be True or False",
    ),
    (
        "sgd with a bare function as rate",
        lambda: SGD(lambda t: 0.1),
        TypeError,
        r"learning_rate must be a positive number or a schedule from nnbook.schedules, got function",
    ),
    # L2
    ("l2 negative", lambda: L2(-0.01), ValueError, r"l2 must be a finite number >= 0, got -0.01"),
    ("l2 string", lambda: L2("0.01"), TypeError, r"l2 must be a number >= 0"),
    ("l2 nan weights", lambda: L2().penalty(np.array([NAN])), ValueError, r"NaN or infinite"),
    ("l2 integer weights", lambda: L2().gradient(np.array([1, 2])), TypeError, r"floating-point weight array"),
    # activations
    (
        "unknown activation",
        lambda: get_activation("leakyrelu"),
        ValueError,
        r"unknown activation 'leakyrelu'; choose one of .*leaky_relu, gelu, elu, silu",
    ),
    ("leaky negative slope", lambda: LeakyReLU(-0.1), ValueError, r"negative_slope must be a finite number >= 0"),
    ("elu alpha nan", lambda: ELU(NAN), ValueError, r"alpha must be a finite number >= 0"),
    ("leaky backward first", lambda: LeakyReLU().backward(np.ones((1, 1))), RuntimeError, r"before forward"),
]


@pytest.mark.parametrize("label, call, exc, match", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(label, call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_unknown_optimizer_or_schedule_has_no_keras_counterpart():
    pytest.importorskip("tensorflow")
    from nnbook.compare import keras_optimizer, keras_schedule
    from nnbook.optimizers import Optimizer
    from nnbook.schedules import LearningRateSchedule

    class Custom(Optimizer):
        def _update(self, name, param, grad):
            param -= grad

    class Constant(LearningRateSchedule):
        def __call__(self, step):
            return 0.1

    with pytest.raises(TypeError, match=r"no Keras counterpart for Custom"):
        keras_optimizer(Custom(0.1))
    with pytest.raises(TypeError, match=r"no Keras counterpart for Constant"):
        keras_schedule(Constant())


# -- the options of NeuralNetwork -----------------------------------------------------------------


def _net(**options):
    from nnbook import NeuralNetwork

    return NeuralNetwork([3, 4, 2], ["tanh", "softmax"], rng=0, **options)


@pytest.mark.parametrize(
    "options, exc, match",
    [
        ({"dropout": 1.0}, ValueError, r"dropout must lie in \[0, 1\)"),
        ({"dropout": -0.1}, ValueError, r"dropout must lie in \[0, 1\)"),
        ({"dropout": "0.5"}, TypeError, "dropout must be a number"),
        ({"kernel_regularizer": 0.01}, TypeError, "kernel_regularizer must be a Regularizer"),
        ({"kernel_regularizer": "l2"}, TypeError, "kernel_regularizer must be a Regularizer"),
        ({"batch_normalization": 1}, TypeError, "batch_normalization must be True or False"),
    ],
    ids=["dropout-1", "dropout-negative", "dropout-string", "regularizer-float", "regularizer-name", "bn-int"],
)
def test_bad_network_options_raise_a_clear_error(options, exc, match):
    with pytest.raises(exc, match=match):
        _net(**options)


def test_dense_rejects_a_regularizer_of_the_wrong_type():
    from nnbook import Dense

    with pytest.raises(TypeError, match="kernel_regularizer must be a Regularizer"):
        Dense(2, 3, kernel_regularizer=L2)  # the class, not an instance


def test_network_training_flag_must_be_a_bool():
    net = _net(dropout=0.5)
    with pytest.raises(TypeError, match="training must be True or False"):
        net.training = "yes"


def test_batch_norm_network_rejects_a_training_batch_of_one():
    from nnbook import CrossEntropyLoss

    net = _net(batch_normalization=True)
    X, y = np.ones((1, 3)), np.array([1])
    with pytest.raises(ValueError, match="at least 2 samples, got 1"):
        net.compute_gradients(X, y, CrossEntropyLoss())
    assert net.predict(X).shape == (1, 2)  # inference on one sample is fine


@pytest.mark.parametrize("n, batch_size", [(33, 32), (10, 1), (1, 4)])
def test_train_network_with_batch_norm_refuses_a_batch_of_one_before_training(n, batch_size):
    from nnbook import CrossEntropyLoss, train_network

    net = _net(batch_normalization=True)
    before = [p.copy() for _, p in net.parameters()]
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(n, 3)), rng.integers(0, 2, n)
    with pytest.raises(ValueError, match="batches of at least 2 samples.*batch of 1"):
        train_network(net, X, y, X, y, CrossEntropyLoss(), epochs=1, batch_size=batch_size)
    assert all(np.array_equal(a, p) for a, (_, p) in zip(before, net.parameters()))  # nothing trained


def test_train_network_with_batch_norm_accepts_batches_of_two_or_more():
    from nnbook import CrossEntropyLoss, train_network

    net = _net(batch_normalization=True)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(34, 3)), rng.integers(0, 2, 34)
    history = train_network(net, X, y, X, y, CrossEntropyLoss(), epochs=2, batch_size=32)
    assert len(history["train_loss"]) == 2
