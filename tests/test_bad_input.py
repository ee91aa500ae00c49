"""Bad input across nnbook: every case must raise a clear ValueError or TypeError.

Each case names the call, the exception type and a fragment of the message that says
what was expected or what came, so that an unhelpful message (or a silently wrong
number) fails the test.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnbook import (
    ELU,
    L1,
    L1L2,
    L2,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    BatchNormalization,
    CosineDecay,
    CrossEntropyLoss,
    Dense,
    Dropout,
    ExponentialDecay,
    LeakyReLU,
    Loss,
    MSELoss,
    NeuralNetwork,
    ReLU,
    RMSprop,
    check_gradients,
    generate_spiral_data,
    generate_xor_data,
    get_activation,
    one_hot,
    rel_error,
    standardize,
    train_network,
    train_val_split,
)
from nnbook.gradcheck import finite_difference_gradient

NAN, INF = float("nan"), float("inf")


def net(**kw):
    """A small classifier: 2 inputs, 3 hidden, 3 softmax outputs."""
    kw.setdefault("rng", 0)
    return NeuralNetwork([2, 3, 3], activations=["relu", "softmax"], **kw)


def X2(n=4):
    return np.arange(2.0 * n).reshape(n, 2) / 10


def with_nan():
    X = X2()
    X[1, 0] = np.nan
    return X


def with_inf():
    X = X2()
    X[2, 1] = -np.inf
    return X


def train(**overrides):
    args = dict(
        network=net(),
        X_train=X2(6),
        y_train=np.array([0, 1, 2, 0, 1, 2]),
        X_val=X2(3),
        y_val=np.array([0, 1, 2]),
        loss_fn=CrossEntropyLoss(),
        epochs=1,
        batch_size=2,
    )
    args.update(overrides)
    return lambda: train_network(**args)


def ce_logits(z, y):
    return lambda: CrossEntropyLoss().forward_from_logits(np.asarray(z, dtype=float), y)


def shared_relu():
    relu = ReLU()
    return NeuralNetwork([2, 3, 3, 1], activations=[relu, relu, "linear"])


CASES = [
    # -- X of the wrong shape ------------------------------------------------------------------
    (
        "X 1-D",
        lambda: net().forward(np.zeros(2)),
        ValueError,
        r"X must be a 2-D array of shape \(batch_size, 2\), got shape \(2,\) \(a single sample",
    ),
    ("X wrong number of columns", lambda: net().forward(np.zeros((4, 3))), ValueError, r"expected 2 columns, got 3"),
    ("X 3-D", lambda: net().forward(np.zeros((4, 2, 1))), ValueError, r"X must be a 2-D array .*got shape \(4, 2, 1\)"),
    ("X empty", lambda: net().forward(np.zeros((0, 2))), ValueError, r"X is empty: shape \(0, 2\)"),
    ("X strings", lambda: net().forward([["a", "b"]]), TypeError, r"X must be a 2-D numeric array, got dtype"),
    ("X None", lambda: net().forward(None), TypeError, r"X must be a 2-D numeric array, got NoneType"),
    ("X complex", lambda: net().forward(np.ones((2, 2)) * 1j), TypeError, r"X must be real, got dtype complex"),
    ("X wrong columns in training", train(X_train=np.zeros((6, 5))), ValueError, r"expected 2 columns, got 5"),
    (
        "Dense input wrong shape",
        lambda: Dense(3, 2)(np.zeros((4, 2))),
        ValueError,
        r"a_prev must have shape \(batch_size, 3\), got shape \(4, 2\)",
    ),
    # -- NaN and inf ---------------------------------------------------------------------------
    ("X with NaN", lambda: net().forward(with_nan()), ValueError, r"X contains 1 NaN or infinite value\(s\)"),
    ("X with inf", lambda: net().forward(with_inf()), ValueError, r"X contains 1 NaN or infinite value\(s\)"),
    (
        "X_train with NaN",
        train(X_train=np.full((6, 2), np.nan)),
        ValueError,
        r"X contains 12 NaN or infinite value\(s\); expected finite numbers",
    ),
    ("logits with inf", ce_logits([[INF, 0.0]], [0]), ValueError, r"logits contains 1 NaN or infinite"),
    (
        "MSE targets with NaN",
        lambda: MSELoss().forward(np.zeros((2, 1)), [0.0, NAN]),
        ValueError,
        r"y_true contains 1 NaN or infinite",
    ),
    ("standardize with NaN", lambda: standardize(with_nan()), ValueError, r"X_train contains 1 NaN"),
    (
        "labels with NaN",
        ce_logits(np.zeros((2, 3)), [0.0, NAN]),
        ValueError,
        r"y_true contains NaN or infinite values; expected integer class labels",
    ),
    # -- labels ----------------------------------------------------------------------------------
    (
        "negative label",
        ce_logits(np.zeros((2, 3)), [0, -1]),
        ValueError,
        r"negative class label \(-1\); labels must lie in \[0, n_classes\)",
    ),
    (
        "label == K",
        ce_logits(np.zeros((2, 3)), [0, 3]),
        ValueError,
        r"class label 3, out of range for 3 classes: labels must lie in \[0, 2\]",
    ),
    (
        "label > K in accuracy",
        lambda: net().accuracy(X2(2), [0, 7]),
        ValueError,
        r"class label 7, out of range for 3 classes",
    ),
    (
        "label out of range in training",
        train(y_train=np.array([0, 1, 2, 0, 1, 5])),
        ValueError,
        r"class label 5, out of range for 3 classes",
    ),
    (
        "non-integer label",
        ce_logits(np.zeros((2, 3)), [0, 1.5]),
        ValueError,
        r"must hold integer class labels, got non-integer values such as 1.5",
    ),
    (
        "string labels",
        ce_logits(np.zeros((2, 3)), ["a", "b"]),
        TypeError,
        r"y_true must hold labels or probabilities, got dtype <U1",
    ),
    (
        "one-hot row not summing to 1",
        ce_logits(np.zeros((2, 3)), [[1, 0, 0], [1, 1, 0]]),
        ValueError,
        r"one-hot y_true rows must sum to 1, row 1 sums to 2",
    ),
    (
        "one-hot with negative entry",
        ce_logits(np.zeros((1, 2)), [[1.5, -0.5]]),
        ValueError,
        r"rows must be finite and non-negative",
    ),
    (
        "one-hot wrong number of columns",
        ce_logits(np.zeros((2, 3)), np.eye(2)),
        ValueError,
        r"one-hot rows of shape \(2, 3\), got \(2, 2\)",
    ),
    (
        "binary label 2",
        ce_logits(np.zeros((2, 1)), [0, 2]),
        ValueError,
        r"binary cross-entropy needs y_true in \[0, 1\] \(labels 0/1\)",
    ),
    (
        "binary with one-hot targets",
        ce_logits(np.zeros((2, 1)), np.eye(2)),
        ValueError,
        r"binary cross-entropy \(one output\) needs y_true of shape \(2,\) or \(2, 1\), got \(2, 2\)",
    ),
    ("one_hot label out of range", lambda: one_hot([0, 3], n_classes=3), ValueError, r"out of range for 3 classes"),
    # -- X/y lengths -----------------------------------------------------------------------------
    (
        "CE length mismatch",
        ce_logits(np.zeros((3, 2)), [0, 1]),
        ValueError,
        r"y_true must have one row per sample: expected length 3, got shape \(2,\)",
    ),
    (
        "MSE shape mismatch",
        lambda: MSELoss().forward(np.zeros((3, 1)), np.zeros(2)),
        ValueError,
        r"y_true must have the shape of y_pred \(3, 1\), got \(2, 1\)",
    ),
    (
        "MSE columns mismatch",
        lambda: MSELoss().forward(np.zeros((2, 2)), np.zeros((2, 3))),
        ValueError,
        r"MSELoss: y_true must have the shape of y_pred \(2, 2\), got \(2, 3\)",
    ),
    (
        "Loss base length mismatch",
        lambda: Loss.targets([1.0, 2.0], 3, 1),
        ValueError,
        r"y_true must have one row per sample: expected length 3, got shape \(2,\)",
    ),
    (
        "train length mismatch",
        train(y_train=np.array([0, 1, 2])),
        ValueError,
        r"X_train and y_train must have the same number of samples, "
        r"got X_train of shape \(6, 2\) and y_train of shape \(3,\)",
    ),
    (
        "val length mismatch",
        train(y_val=np.array([0, 1])),
        ValueError,
        r"X_val and y_val must have the same number of samples, got X_val of shape \(3, 2\) and y_val of shape \(2,\)",
    ),
    (
        "split length mismatch",
        lambda: train_val_split(X2(5), [0, 1, 0]),
        ValueError,
        r"X and y must have the same number of samples, got shapes \(5, 2\) and \(3,\)",
    ),
    ("accuracy length mismatch", lambda: net().accuracy(X2(4), [0, 1]), ValueError, r"y has 2 labels for 4 samples"),
    # -- probabilities vs logits ------------------------------------------------------------------
    (
        "logits passed to CE.forward",
        lambda: CrossEntropyLoss().forward(np.array([[3.0, -1.0]]), [0]),
        ValueError,
        r"expects probabilities in \[0, 1\]; for logits use forward_from_logits",
    ),
    (
        "unnormalised rows to CE.forward",
        lambda: CrossEntropyLoss().forward(np.array([[0.3, 0.3]]), [0]),
        ValueError,
        r"each row of y_pred to sum to 1",
    ),
    # -- activations ------------------------------------------------------------------------------
    (
        "unknown activation 'rleu'",
        lambda: NeuralNetwork([2, 3, 1], activations=["rleu", "linear"]),
        ValueError,
        r"unknown activation 'rleu'; choose one of relu, sigmoid, tanh, softmax, linear",
    ),
    (
        "activation of wrong type",
        lambda: get_activation(3.0),
        TypeError,
        r"activation must be a name .*, an Activation or None, got float",
    ),
    (
        "activation function instead of object",
        lambda: NeuralNetwork([2, 3, 1], activations=[np.tanh, None]),
        TypeError,
        r"an Activation or None, got ufunc",
    ),
    (
        "activations a string",
        lambda: NeuralNetwork([2, 1], activations="relu"),
        TypeError,
        r"activations must be a list with one activation per layer, got str",
    ),
    (
        "too few activations",
        lambda: NeuralNetwork([2, 3, 4, 1], activations=["relu", "linear"]),
        ValueError,
        r"one entry per layer: 3 layer\(s\) for layer_sizes \[2, 3, 4, 1\], got 2",
    ),
    (
        "too many activations",
        lambda: NeuralNetwork([2, 1], activations=["relu", "linear"]),
        ValueError,
        r"1 layer\(s\) for layer_sizes \[2, 1\], got 2",
    ),
    ("shared activation instance", shared_relu, ValueError, r"the same Activation instance is used for two layers"),
    (
        "softmax output with one unit",
        lambda: NeuralNetwork([2, 3, 1], activations=["relu", "softmax"]),
        ValueError,
        r"a softmax output needs at least 2 units",
    ),
    (
        "predict_proba of a linear output",
        lambda: NeuralNetwork([2, 1]).predict_proba(X2()),
        ValueError,
        r"needs a softmax or sigmoid output layer, this network ends in linear",
    ),
    # -- learning rates and hyper-parameters ----------------------------------------------------------
    ("network lr 0", lambda: net(learning_rate=0), ValueError, r"learning_rate must be a finite number > 0, got 0"),
    ("network lr negative", lambda: net(learning_rate=-0.1), ValueError, r"finite number > 0, got -0.1"),
    (
        "network lr NaN",
        lambda: net(learning_rate=NAN),
        ValueError,
        r"learning_rate must be a finite number > 0, got nan",
    ),
    (
        "network lr string",
        lambda: net(learning_rate="0.1"),
        TypeError,
        r"learning_rate must be a positive number, got '0.1' \(str\)",
    ),
    ("network update lr inf", lambda: net().update(INF), ValueError, r"finite number > 0, got inf"),
    ("SGD lr inf", lambda: SGD(INF), ValueError, r"learning_rate must be a finite number > 0, got inf"),
    ("SGD lr negative", lambda: SGD(-1.0), ValueError, r"learning_rate must be a finite number > 0, got -1.0"),
    ("SGD lr bool", lambda: SGD(True), TypeError, r"learning_rate must be a positive number, got True \(bool\)"),
    ("Adam lr NaN", lambda: Adam(NAN), ValueError, r"learning_rate must be a finite number > 0, got nan"),
    ("Adam lr 0", lambda: Adam(0.0), ValueError, r"learning_rate must be a finite number > 0, got 0.0"),
    ("momentum 1", lambda: SGD(0.1, momentum=1.0), ValueError, r"momentum must lie in \[0, 1\), got 1.0"),
    ("momentum 1.5", lambda: SGD(0.1, momentum=1.5), ValueError, r"momentum must lie in \[0, 1\), got 1.5"),
    ("momentum negative", lambda: SGD(0.1, momentum=-0.1), ValueError, r"momentum must lie in \[0, 1\), got -0.1"),
    ("momentum NaN", lambda: SGD(0.1, momentum=NAN), ValueError, r"momentum must lie in \[0, 1\), got nan"),
    ("beta_1 = 1", lambda: Adam(beta_1=1.0), ValueError, r"beta_1 must lie in \(0, 1\), got 1.0"),
    ("beta_1 = 0", lambda: Adam(beta_1=0.0), ValueError, r"beta_1 must lie in \(0, 1\), got 0.0"),
    ("beta_2 > 1", lambda: Adam(beta_2=1.001), ValueError, r"beta_2 must lie in \(0, 1\), got 1.001"),
    ("beta_2 string", lambda: Adam(beta_2="0.999"), TypeError, r"beta_2 must be a number in \(0, 1\), got '0.999'"),
    ("epsilon 0", lambda: Adam(epsilon=0.0), ValueError, r"epsilon must be a finite number > 0, got 0.0"),
    # -- training loop --------------------------------------------------------------------------------
    ("epochs 0", train(epochs=0), ValueError, r"epochs must be a positive integer, got 0"),
    ("epochs negative", train(epochs=-3), ValueError, r"epochs must be a positive integer, got -3"),
    ("epochs float", train(epochs=2.0), TypeError, r"epochs must be a positive integer, got 2.0 \(float\)"),
    ("batch_size 0", train(batch_size=0), ValueError, r"batch_size must be a positive integer, got 0"),
    ("batch_size negative", train(batch_size=-1), ValueError, r"batch_size must be a positive integer, got -1"),
    ("batch_size float", train(batch_size=1.5), TypeError, r"batch_size must be a positive integer, got 1.5 \(float\)"),
    (
        "training rng of wrong type",
        train(rng=np.random.RandomState(0)),
        TypeError,
        r"rng must be a numpy.random.Generator, an int seed or None, got RandomState",
    ),
    # -- network construction ---------------------------------------------------------------------------
    (
        "layer_sizes too short",
        lambda: NeuralNetwork([3]),
        ValueError,
        r"layer_sizes needs at least an input and an output size, got \[3\]",
    ),
    (
        "layer_sizes with zero",
        lambda: NeuralNetwork([2, 0, 1]),
        ValueError,
        r"layer_sizes\[1\] must be a positive integer, got 0",
    ),
    (
        "layer_sizes negative",
        lambda: NeuralNetwork([2, -4, 1]),
        ValueError,
        r"layer_sizes\[1\] must be a positive integer, got -4",
    ),
    (
        "layer_sizes float",
        lambda: NeuralNetwork([2, 3.0, 1]),
        TypeError,
        r"layer_sizes\[1\] must be a positive integer, got 3.0 \(float\)",
    ),
    (
        "layer_sizes an int",
        lambda: NeuralNetwork(3),
        TypeError,
        r"layer_sizes must be a list of positive ints, got int",
    ),
    ("dtype int32", lambda: net(dtype=np.int32), ValueError, r"dtype must be float32 or float64, got int32"),
    ("dtype float16", lambda: net(dtype=np.float16), ValueError, r"dtype must be float32 or float64, got float16"),
    (
        "Dense dtype int64",
        lambda: Dense(2, 2, dtype=np.int64),
        ValueError,
        r"dtype must be float32 or float64, got int64",
    ),
    ("unknown init", lambda: net(init="xavier"), ValueError, r"unknown init 'xavier'; choose one of he, glorot"),
    (
        "network rng of wrong type",
        lambda: net(rng="seed"),
        TypeError,
        r"rng must be a numpy.random.Generator, an int seed or None, got str",
    ),
    ("network rng float", lambda: net(rng=1.5), TypeError, r"an int seed or None, got float"),
    # -- gradient checks ---------------------------------------------------------------------------------
    (
        "check_gradients on float32",
        lambda: check_gradients(net(dtype=np.float32), X2(), [0, 1, 2, 0], CrossEntropyLoss()),
        TypeError,
        r"gradient checks need float64 parameters, layer1.W is float32",
    ),
    (
        "finite differences of float32",
        lambda: finite_difference_gradient(lambda: 0.0, np.zeros(2, np.float32)),
        TypeError,
        r"need a float64 ndarray to perturb in place, got ndarray of dtype float32",
    ),
    (
        "finite differences of a list",
        lambda: finite_difference_gradient(lambda: 0.0, [1.0]),
        TypeError,
        r"got list of dtype None",
    ),
    ("rel_error shapes", lambda: rel_error(np.zeros(2), np.zeros(3)), ValueError, r"same shape, got \(2,\) and \(3,\)"),
    # -- data ----------------------------------------------------------------------------------------------
    (
        "val_fraction 0",
        lambda: train_val_split(X2(10), np.arange(10) % 2, 0.0),
        ValueError,
        r"val_fraction must lie in \(0, 1\), got 0.0",
    ),
    (
        "val_fraction 1",
        lambda: train_val_split(X2(10), np.arange(10) % 2, 1.0),
        ValueError,
        r"val_fraction must lie in \(0, 1\), got 1.0",
    ),
    (
        "val_fraction NaN",
        lambda: train_val_split(X2(10), np.arange(10) % 2, NAN),
        ValueError,
        r"val_fraction must lie in \(0, 1\), got nan",
    ),
    (
        "val_fraction string",
        lambda: train_val_split(X2(10), np.arange(10) % 2, "0.2"),
        TypeError,
        r"val_fraction must be a number .*got '0.2' \(str\)",
    ),
    (
        "split rng wrong type",
        lambda: train_val_split(X2(10), np.arange(10) % 2, rng=[1]),
        TypeError,
        r"rng must be a numpy.random.Generator, an int seed or None, got list",
    ),
    ("xor rng wrong type", lambda: generate_xor_data(10, rng=0.5), TypeError, r"an int seed or None, got float"),
    ("xor n_samples 0", lambda: generate_xor_data(0), ValueError, r"n_samples must be a positive integer, got 0"),
    (
        "spiral n_classes float",
        lambda: generate_spiral_data(10, 2.5),
        TypeError,
        r"n_classes must be a positive integer, got 2.5 \(float\)",
    ),
    (
        "spiral noise negative",
        lambda: generate_spiral_data(10, 3, noise=-0.1),
        ValueError,
        r"noise must be a finite number >= 0, got -0.1",
    ),
    (
        "spiral noise NaN",
        lambda: generate_spiral_data(10, 3, noise=NAN),
        ValueError,
        r"noise must be a finite number >= 0, got nan",
    ),
    (
        "standardize other with wrong columns",
        lambda: standardize(X2(), np.zeros((3, 5))),
        ValueError,
        r"others\[0\] must have shape \(batch_size, 2\), got shape \(3, 5\)",
    ),
    (
        "regression targets stratified",
        lambda: train_val_split(X2(4), [0.1, 0.2, 0.3, 0.4]),
        ValueError,
        r"y must hold integer class labels, got non-integer values such as 0.1",
    ),
]


@pytest.mark.parametrize("label, call, exc, match", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(label, call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    # exactly the promised type, not some subclass raised deep inside NumPy
    assert type(info.value) is exc, f"{label}: got {type(info.value).__name__}: {info.value}"


def test_bad_input_leaves_a_network_usable():
    network = net()
    before = [p.copy() for _, p in network.parameters()]
    with pytest.raises(ValueError):
        train_network(
            network, X2(6), np.array([0, 1, 2, 0, 1, 9]), X2(3), np.array([0, 1, 2]), CrossEntropyLoss(), epochs=1
        )
    # validated up front: nothing was trained on the bad labels
    for (_, p), q in zip(network.parameters(), before):
        np.testing.assert_array_equal(p, q)


# -- Regularisation layers, schedules, adaptive optimizers ------------------------------------------
# Bad input for the pieces beyond the source: every case raises a clear ValueError,
# TypeError or RuntimeError whose message names what was expected or what came.


NAN, INF = float("nan"), float("inf")


def bn_training(n=3):
    bn = BatchNormalization(n)
    bn.training = True
    return bn


def dropout_training():
    d = Dropout(0.5, rng=0)
    d.training = True
    return d


OPTION_CASES = [
    # Dropout
    ("dropout rate 1", lambda: Dropout(1.0, rng=0), ValueError, r"rate must lie in \[0, 1\), got 1.0"),
    ("dropout rate negative", lambda: Dropout(-0.1, rng=0), ValueError, r"rate must lie in \[0, 1\)"),
    ("dropout rate nan", lambda: Dropout(NAN, rng=0), ValueError, r"rate must lie in \[0, 1\)"),
    ("dropout rate string", lambda: Dropout("0.5", rng=0), TypeError, r"rate must be a number in \[0, 1\)"),
    ("dropout without rng", lambda: Dropout(0.5), TypeError, r"rng"),
    ("dropout rng None", lambda: Dropout(0.5, rng=None), TypeError, r"Dropout needs rng: .* got None"),
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
    # L1 and L1L2
    ("L1 negative", lambda: L1(-0.01), ValueError, r"l1 must be a finite number >= 0, got -0.01"),
    ("L1 NaN", lambda: L1(NAN), ValueError, r"l1 must be a finite number >= 0, got nan"),
    ("L1 string", lambda: L1("0.01"), TypeError, r"l1 must be a number >= 0, got '0.01'"),
    ("L1L2 negative l2", lambda: L1L2(0.01, -1.0), ValueError, r"l2 must be a finite number >= 0, got -1.0"),
    ("L1L2 negative l1", lambda: L1L2(l1=-2), ValueError, r"l1 must be a finite number >= 0, got -2"),
    ("L1 NaN weights", lambda: L1().penalty(np.array([NAN])), ValueError, r"L1.penalty: the weights contain NaN"),
    ("L1L2 int weights", lambda: L1L2().gradient(np.array([1, 2])), TypeError, r"floating-point weight array"),
    # label smoothing
    (
        "smoothing 1",
        lambda: CrossEntropyLoss(label_smoothing=1.0),
        ValueError,
        r"label_smoothing must lie in \[0, 1\), got 1.0",
    ),
    (
        "smoothing negative",
        lambda: CrossEntropyLoss(label_smoothing=-0.1),
        ValueError,
        r"must lie in \[0, 1\), got -0.1",
    ),
    ("smoothing NaN", lambda: CrossEntropyLoss(label_smoothing=NAN), ValueError, r"must lie in \[0, 1\), got nan"),
    (
        "smoothing string",
        lambda: CrossEntropyLoss(label_smoothing="0.1"),
        TypeError,
        r"label_smoothing must be a number",
    ),
    ("smoothing bool", lambda: CrossEntropyLoss(label_smoothing=True), TypeError, r"got True \(bool\)"),
    # gradient clipping
    ("clipnorm 0", lambda: SGD(0.1, clipnorm=0.0), ValueError, r"clipnorm must be a finite number > 0, got 0.0"),
    ("clipnorm negative", lambda: Adam(clipnorm=-1.0), ValueError, r"clipnorm must be a finite number > 0, got -1.0"),
    ("clipnorm NaN", lambda: RMSprop(clipnorm=NAN), ValueError, r"clipnorm must be a finite number > 0, got nan"),
    ("clipvalue 0", lambda: Adagrad(clipvalue=0), ValueError, r"clipvalue must be a finite number > 0, got 0"),
    ("clipvalue negative", lambda: AdamW(clipvalue=-0.5), ValueError, r"clipvalue must be a finite number > 0"),
    ("clipvalue string", lambda: SGD(0.1, clipvalue="1"), TypeError, r"clipvalue must be a positive number, got '1'"),
    ("global_clipnorm inf", lambda: Adam(global_clipnorm=INF), ValueError, r"global_clipnorm must be a finite"),
    ("global_clipnorm -1", lambda: SGD(0.1, global_clipnorm=-1), ValueError, r"global_clipnorm must be a finite"),
    (
        "clipnorm and global_clipnorm",
        lambda: Adam(clipnorm=1.0, global_clipnorm=1.0),
        ValueError,
        r"only one of clipnorm, clipvalue and global_clipnorm can be set, got clipnorm=1.0, clipvalue=None, "
        r"global_clipnorm=1.0",
    ),
    (
        "clipnorm and clipvalue",
        lambda: SGD(0.1, momentum=0.9, clipnorm=1.0, clipvalue=0.5),
        ValueError,
        r"only one of clipnorm, clipvalue and global_clipnorm can be set",
    ),
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
    (
        "learning_rate set to 0 after construction",
        lambda: setattr(Adam(0.1), "learning_rate", 0.0),
        ValueError,
        r"learning_rate must be a finite number > 0, got 0.0",
    ),
    ("learning_rate set to a string", lambda: setattr(SGD(0.1), "learning_rate", "fast"), TypeError, r"got 'fast'"),
    # L2
    ("l2 negative", lambda: L2(-0.01), ValueError, r"l2 must be a finite number >= 0, got -0.01"),
    ("l2 string", lambda: L2("0.01"), TypeError, r"l2 must be a number >= 0"),
    ("l2 nan weights", lambda: L2().penalty(np.array([NAN])), ValueError, r"NaN or infinite"),
    ("l2 integer weights", lambda: L2().gradient(np.array([1, 2])), TypeError, r"floating-point weight array"),
    ("l2 object weights", lambda: L2().penalty(np.array([1.0, None])), TypeError, r"needs .* got dtype object"),
    ("l2 inf weights", lambda: L2().gradient(np.array([[INF]])), ValueError, r"L2.gradient: the weights contain NaN"),
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


@pytest.mark.parametrize("label, call, exc, match", OPTION_CASES, ids=[c[0] for c in OPTION_CASES])
def test_bad_option_input_raises_a_clear_error(label, call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.slow
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
