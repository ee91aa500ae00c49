"""How fast is nnbook? Its training step against the same step hand-written in NumPy and in Keras.

The measurements of the book's performance chapter (:ref:`part-d-performance`) and of
``make bench`` (``benchmarks/train_step.py``, a command line around this module): the page
and the benchmark are the same code, and a reader who installed ``nnbook`` runs it too.

Every figure is a ratio of timings taken in the same run, interleaved (contender A, B, C, then
again A, B, C, ...), each the best of several repeats: on a shared machine the minimum is the
run least disturbed by everything else, and interleaving exposes every contender to the same
load. Absolute samples/s are given too, but only the ratios mean anything across machines.

The contenders of one training step (forward, softmax + cross-entropy, backward, gradient-descent
update) on a ReLU network with a softmax output:

- ``nnbook``: ``NeuralNetwork.train_step(X, y, CrossEntropyLoss())`` with plain gradient descent,
- ``numpy``: :class:`HandWrittenNetwork`, the minimum in plain NumPy (no checks, no objects),
- ``keras``: a Keras 3 model trained by a ``tf.function`` step (only with TensorFlow installed).

The NumPy contenders are interleaved with each other; the Keras steps afterwards, interleaved
with each other and with TensorFlow's own matrix products (:func:`measure_keras`), under the
TensorFlow settings of the process (:func:`tensorflow_settings`). Keras at TensorFlow's own
defaults runs in a separate process (:func:`measure_keras_defaults`): TensorFlow reads its
settings once, when it is imported.

Examples
--------
>>> from nnbook.benchmark import check_same_step, speed_ratio
>>> check_same_step()  # nnbook's step and the hand-written one give the same weights, to the bit
0.0
>>> import numpy as np
>>> speed_ratio({"a": np.array([0.5, 0.25]), "b": np.array([0.75, 1.0])}, "a", "b")  # best rounds
3.0
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from .datasets import generate_spiral_data, train_val_split
from .losses import CrossEntropyLoss
from .network import NeuralNetwork
from .training import train_network

__all__ = [
    "CASES",
    "DTYPES",
    "THREADS",
    "PAUSE",
    "PEAK_N",
    "SETTINGS_VARIABLES",
    "calibrate",
    "interleaved_times",
    "best_times",
    "speed_ratio",
    "HandWrittenNetwork",
    "keras_step",
    "tensorflow_settings",
    "step_flops",
    "StepResult",
    "make_batch",
    "check_same_step",
    "measure_step",
    "measure_steps",
    "measure_keras",
    "measure_keras_defaults",
    "hand_written_epoch",
    "measure_epoch",
    "per_sample_vs_batched",
    "softmax_backward_times",
    "table",
]

#: (name, layer sizes, batch size) of the three networks.
CASES = (("tiny", (2, 64, 32, 3), 32), ("medium", (64, 128, 64, 10), 64), ("large", (784, 1024, 1024, 10), 256))
#: The dtypes of every case.
DTYPES = (np.float64, np.float32)
LEARNING_RATE = 0.01
#: Threads of the BLAS library (and of TensorFlow) during the measurements. One by default: on
#: a machine shared with other work, a matrix product split over two threads waits for the
#: slower one, and a thread that loses its core stalls the product (timings then jump by 10x
#: and more); with one thread both contenders run the same sequential code.
THREADS = 1
#: Seconds of rest before each timed chunk: TensorFlow's and OpenBLAS's worker threads keep
#: spinning for a while after their last operation, and would slow down whoever runs next.
PAUSE = 0.005
#: The size of the square matrix product whose rate is the machine's reference (peak fraction).
PEAK_N = 1024


# -- timing -------------------------------------------------------------------------------------
def limited_threads(measure):
    """Run ``measure`` with the BLAS library limited to :data:`THREADS` threads."""

    @functools.wraps(measure)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=THREADS, user_api="blas"):
            return measure(*args, **kwargs)

    return wrapper


def calibrate(fn, min_time: float = 0.003) -> int:
    """Number of calls of ``fn`` that take at least ``min_time`` seconds (at least 1).

    Examples
    --------
    >>> n = calibrate(lambda: sum(range(100)), min_time=1e-4)
    >>> isinstance(n, int), n >= 1
    (True, True)
    """
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return number
        number = max(number * 2, int(number * min_time / max(elapsed, 1e-9) * 1.2))


def interleaved_times(contenders: dict, repeats: int = 25, min_time: float = 0.003, reset=None) -> dict:
    """Seconds per call of each ``name -> fn`` in each of ``repeats`` rounds (an array per name).

    In every round each contender runs once (for about ``min_time`` seconds), one after the
    other and each first in turn, after a short :data:`PAUSE`, so that the contenders of a
    round see the same load. ``reset()``, if given, runs
    (untimed) before every round: training steps change the weights, and a network trained
    for thousands of steps on one batch drifts into subnormal numbers, whose arithmetic is
    many times slower, at a point that depends on how often each contender ran.

    Examples
    --------
    >>> rounds = interleaved_times({"a": lambda: None, "b": lambda: None}, repeats=3, min_time=1e-4)
    >>> sorted(rounds), rounds["a"].shape, bool((rounds["b"] > 0).all())
    (['a', 'b'], (3,), True)
    """
    numbers = {name: calibrate(fn, min_time) for name, fn in contenders.items()}
    rounds = {name: np.empty(repeats) for name in contenders}
    names = list(contenders)
    for r in range(repeats):
        if reset is not None:
            reset()
        for name in names[r % len(names) :] + names[: r % len(names)]:  # each goes first in turn
            fn, number = contenders[name], numbers[name]
            time.sleep(PAUSE)
            start = time.perf_counter()
            for _ in range(number):
                fn()
            rounds[name][r] = (time.perf_counter() - start) / number
    return rounds


def best_times(contenders: dict, repeats: int = 25, min_time: float = 0.003) -> dict:
    """Seconds per call of each ``name -> fn``: the best of ``repeats`` interleaved rounds.

    Examples
    --------
    >>> best = best_times({"a": lambda: None, "b": lambda: None}, repeats=2, min_time=1e-4)
    >>> sorted(best), type(best["a"]).__name__, best["a"] > 0
    (['a', 'b'], 'float', True)
    """
    return {name: float(t.min()) for name, t in interleaved_times(contenders, repeats, min_time).items()}


def speed_ratio(rounds: dict, a: str, b: str) -> float:
    """How many times faster ``a`` runs than ``b``: the ratio of their best rounds.

    The best round of each is the one least disturbed by other work on the machine; since the
    rounds interleave the contenders, each had the same chances of a quiet round.

    Examples
    --------
    >>> rounds = {"fast": np.array([0.3, 0.1, 0.2]), "slow": np.array([0.5, 0.4, 0.6])}
    >>> speed_ratio(rounds, "fast", "slow"), speed_ratio(rounds, "slow", "fast")
    (4.0, 0.25)
    """
    return float(rounds[b].min() / rounds[a].min())


# -- the hand-written step ------------------------------------------------------------------------
class HandWrittenNetwork:
    """ReLU hidden layers, softmax output, cross-entropy, gradient descent: plain NumPy, no checks.

    Same layout as nnbook (``W`` of shape (n_out, n_in)) and the same arithmetic, so that after
    a step both hold the same weights (checked by :func:`check_same_step`).

    Examples
    --------
    >>> net = NeuralNetwork([2, 4, 3], ["relu", "softmax"], rng=0)
    >>> hand = HandWrittenNetwork.like(net)
    >>> [W.shape for W in hand.W], [b.shape for b in hand.b]
    ([(4, 2), (3, 4)], [(4,), (3,)])
    >>> X, labels, Y = make_batch([2, 4, 3], batch=5, dtype=np.float64)
    >>> bool(np.isclose(hand.step(X, Y), net.train_step(X, labels, CrossEntropyLoss())))  # the same loss
    True
    """

    def __init__(self, weights, biases, learning_rate: float = LEARNING_RATE):
        self.W = [np.array(W) for W in weights]
        self.b = [np.array(b) for b in biases]
        self.lr = learning_rate

    @classmethod
    def like(cls, network: NeuralNetwork, learning_rate: float = LEARNING_RATE) -> HandWrittenNetwork:
        """A copy of ``network``'s weights."""
        return cls([layer.W for layer in network.layers], [layer.b for layer in network.layers], learning_rate)

    def step(self, X: np.ndarray, Y: np.ndarray) -> float:
        """One step on ``X`` with one-hot targets ``Y``; returns the loss before the step."""
        inputs, zs = [], []
        a = X
        for W, b in zip(self.W[:-1], self.b[:-1]):
            inputs.append(a)
            z = a @ W.T + b
            zs.append(z)
            a = np.maximum(z, 0)
        inputs.append(a)
        z = a @ self.W[-1].T + self.b[-1]
        z = z - z.max(axis=1, keepdims=True)
        self.logits = z
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        n = X.shape[0]
        loss = float(np.sum(np.log(s)) / n - np.sum(Y * z) / n)
        delta = (e / s - Y) / n  # (P - Y)/N
        for i in range(len(self.W) - 1, -1, -1):
            W = self.W[i]
            grad_W = delta.T @ inputs[i]
            grad_b = delta.sum(axis=0)
            if i > 0:
                delta = (delta @ W) * (zs[i - 1] > 0)
            W -= self.lr * grad_W
            self.b[i] -= self.lr * grad_b
        return loss


# -- the Keras step -------------------------------------------------------------------------------
def keras_step(sizes, dtype, X, labels, learning_rate: float = LEARNING_RATE):
    """A no-argument callable running one compiled Keras training step, or None without TensorFlow.

    Examples
    --------
    >>> X, labels, _ = make_batch((2, 4, 3), 8, np.float32)
    >>> step = keras_step((2, 4, 3), np.float32, X, labels)  # doctest: +SKIP
    >>> step is None or (step() > 0 and callable(step.reset))  # doctest: +SKIP
    True
    """
    try:
        from .compare import import_keras

        keras = import_keras()
        import tensorflow as tf
    except ImportError:
        return None
    try:  # as many threads as NumPy gets (possible only before TensorFlow's first operation)
        if THREADS is not None:
            tf.config.threading.set_intra_op_parallelism_threads(THREADS)
            tf.config.threading.set_inter_op_parallelism_threads(THREADS)
    except RuntimeError:
        pass
    old = keras.backend.floatx()
    keras.backend.set_floatx(np.dtype(dtype).name)
    try:
        layers = [keras.Input(shape=(sizes[0],))]
        layers += [keras.layers.Dense(n, activation="relu") for n in sizes[1:-1]]
        layers.append(keras.layers.Dense(sizes[-1]))
        model = keras.Sequential(layers)
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        optimizer = keras.optimizers.SGD(learning_rate=learning_rate)
        optimizer.build(model.trainable_variables)
    finally:
        keras.backend.set_floatx(old)
    x = tf.constant(X)
    y = tf.constant(labels)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    train_step(x, y).numpy()  # trace once
    initial = [v.numpy() for v in model.trainable_variables]

    def step():
        return train_step(x, y).numpy()

    def reset():
        for v, value in zip(model.trainable_variables, initial):
            v.assign(value)

    step.reset = reset
    return step


def tensorflow_settings() -> dict:
    """The TensorFlow settings this process runs with (importing TensorFlow if needed), or ``{}``.

    Returns
    -------
    dict
        ``"onednn"``: whether oneDNN's kernels are on (``TF_ENABLE_ONEDNN_OPTS``; on by default
        for x86 CPUs), ``"intra_op_threads"`` and ``"inter_op_threads"`` (0: TensorFlow's default,
        one per core), ``"cores"`` (``os.cpu_count()``) and the versions of TensorFlow and Keras.

    Examples
    --------
    >>> settings = tensorflow_settings()  # doctest: +SKIP
    >>> settings == {} or sorted(settings)  # doctest: +SKIP
    ['cores', 'inter_op_threads', 'intra_op_threads', 'keras', 'onednn', 'tensorflow']
    """
    try:
        from .compare import import_keras

        keras = import_keras()
        import tensorflow as tf
    except ImportError:
        return {}
    try:  # what TensorFlow decided when it was imported
        from tensorflow.python.util import _pywrap_util_port

        onednn = bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):
        onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1") not in ("0", "false", "False")
    return {
        "onednn": onednn,
        # set through tf.config, or else through the variables TensorFlow reads at start-up
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads()
        or int(os.environ.get("TF_NUM_INTRAOP_THREADS", 0)),
        "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads()
        or int(os.environ.get("TF_NUM_INTEROP_THREADS", 0)),
        "cores": os.cpu_count(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def _tensorflow_products(dtype, n: int = PEAK_N, batch: int = 256) -> dict:
    """No-argument callables running TensorFlow's own matrix products in ``dtype``.

    ``"matmul"``: an ``n x n`` by ``n x n`` product (the reference rate); ``"X W^T"``,
    ``"D W"``, ``"D^T X"``: the three products of a Dense layer's step for a batch of
    ``batch`` rows and an ``n x n`` weight matrix, in the orientations Keras' graph computes
    them (forward ``X @ kernel``; backward ``D @ kernel.T`` and ``X.T @ D``).
    """
    import tensorflow as tf

    rng = np.random.default_rng(4)
    A, B = (tf.constant(rng.standard_normal((n, n)).astype(dtype)) for _ in range(2))
    X, D = (tf.constant(rng.standard_normal((batch, n)).astype(dtype)) for _ in range(2))
    products = {
        "matmul": tf.function(lambda: tf.matmul(A, B)),
        "X W^T": tf.function(lambda: tf.matmul(X, A)),
        "D W": tf.function(lambda: tf.matmul(D, A, transpose_b=True)),
        "D^T X": tf.function(lambda: tf.matmul(X, D, transpose_a=True)),
    }
    for product in products.values():
        product().numpy()  # trace once
    return {name: (lambda p=product: p().numpy()) for name, product in products.items()}


# -- measurements ---------------------------------------------------------------------------------
def step_flops(sizes, batch: int) -> int:
    """Floating-point operations of the matrix products of one step (no dL/dX for the input).

    Examples
    --------
    Three products per layer (forward, dL/dW, dL/dX), ``2 * batch * n_in * n_out`` operations
    each, less the first layer's dL/dX: ``2 * 4 * (3 * (2*3 + 3*1) - 2*3)``.

    >>> step_flops((2, 3, 1), batch=4)
    168
    """
    products = [n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return 2 * batch * (3 * sum(products) - products[0])


@dataclass
class StepResult:
    """Samples per second of each contender on one network, batch size and dtype.

    Examples
    --------
    >>> rounds = {"nnbook": np.array([0.5, 0.25]), "numpy": np.array([0.125])}  # seconds per step
    >>> result = StepResult("tiny", (2, 4, 3), 8, "float64", rounds)
    >>> {name: float(v) for name, v in result.samples_per_s.items()}  # batch / best round
    {'nnbook': 32.0, 'numpy': 64.0}
    >>> result.ratio()
    0.5
    """

    case: str
    sizes: tuple
    batch: int
    dtype: str
    rounds: dict = field(default_factory=dict)
    peak_fraction: float | None = None
    keras_samples_per_s: float | None = None
    keras_peak_fraction: float | None = None

    @property
    def samples_per_s(self) -> dict:
        """Samples per second of each contender, from its best round (and Keras', if measured)."""
        speeds = {name: self.batch / t.min() for name, t in self.rounds.items()}
        if self.keras_samples_per_s is not None:
            speeds["keras"] = self.keras_samples_per_s
        return speeds

    def ratio(self, a: str = "nnbook", b: str = "numpy") -> float:
        """Speed of ``a`` relative to ``b`` (1 = as fast, > 1 = faster).

        The ratio of the best rounds (:func:`speed_ratio`; Keras is timed apart).
        """
        if a in self.rounds and b in self.rounds:
            return speed_ratio(self.rounds, a, b)
        return self.samples_per_s[a] / self.samples_per_s[b]


def make_batch(sizes, batch: int, dtype, seed: int = 1):
    """Inputs of shape (batch, sizes[0]), integer labels and their one-hot rows.

    Examples
    --------
    >>> X, labels, Y = make_batch((2, 4, 3), batch=5, dtype=np.float32)
    >>> X.shape, X.dtype, labels.shape, Y.shape
    ((5, 2), dtype('float32'), (5,), (5, 3))
    >>> bool((Y.argmax(axis=1) == labels).all()), Y.sum(axis=1).tolist()
    (True, [1.0, 1.0, 1.0, 1.0, 1.0])
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0])).astype(dtype)
    labels = rng.integers(0, sizes[-1], size=batch)
    Y = np.eye(sizes[-1], dtype=dtype)[labels]
    return X, labels, Y


def check_same_step(sizes=(4, 8, 6, 3), batch: int = 5) -> float:
    """Largest weight difference after one nnbook step and one hand-written step from the same weights.

    Examples
    --------
    >>> check_same_step()
    0.0
    """
    net = NeuralNetwork(list(sizes), ["relu"] * (len(sizes) - 2) + ["softmax"], LEARNING_RATE, rng=0)
    hand = HandWrittenNetwork.like(net)
    X, labels, Y = make_batch(sizes, batch, np.float64)
    loss_n = net.train_step(X, labels, CrossEntropyLoss())
    loss_h = hand.step(X, Y)
    diffs = [abs(loss_n - loss_h)]
    diffs += [float(np.max(np.abs(layer.W - W))) for layer, W in zip(net.layers, hand.W)]
    return max(diffs)


@limited_threads
def measure_step(case, sizes, batch, dtype, *, repeats: int = 25, peak: bool = False, other=None) -> StepResult:
    """Time one training step of nnbook and of the hand-written network, interleaved.

    ``peak``: also time a 1024 x 1024 matrix product in the same rounds, for
    ``peak_fraction``. ``other``: another copy of nnbook (``make bench --other DIR`` loads one),
    timed as ``other``.

    Examples
    --------
    >>> result = measure_step("tiny", (2, 4, 3), 8, np.float64, repeats=2)
    >>> result.case, result.sizes, result.dtype, sorted(result.rounds), result.rounds["nnbook"].shape
    ('tiny', (2, 4, 3), 'float64', ['nnbook', 'numpy'], (2,))
    >>> result.ratio() > 0, result.peak_fraction is None
    (True, True)
    """
    sizes = list(sizes)
    acts = ["relu"] * (len(sizes) - 2) + ["softmax"]
    net = NeuralNetwork(sizes, acts, LEARNING_RATE, rng=0, dtype=dtype)
    hand = HandWrittenNetwork.like(net)
    X, labels, Y = make_batch(sizes, batch, dtype)
    loss = CrossEntropyLoss()
    contenders = {"nnbook": lambda: net.train_step(X, labels, loss), "numpy": lambda: hand.step(X, Y)}
    if other is not None:
        other_net = other.NeuralNetwork(sizes, acts, LEARNING_RATE, rng=0, dtype=dtype)
        other_loss = other.CrossEntropyLoss()
        contenders["other"] = lambda: other_net.train_step(X, labels, other_loss)
    initial = [p.copy() for _, p in net.parameters()]

    def reset():  # every round starts from the same weights, for every contender
        for layer, W0, b0, W, b in zip(net.layers, initial[::2], initial[1::2], hand.W, hand.b):
            layer.W[...], layer.b[...], W[...], b[...] = W0, b0, W0, b0
        if other is not None:
            for layer, W0, b0 in zip(other_net.layers, initial[::2], initial[1::2]):
                layer.W[...], layer.b[...] = W0, b0

    if peak:  # the machine's matrix-multiply rate, in the same rounds
        n = 1024
        A, B = (np.random.default_rng(s).standard_normal((n, n)).astype(dtype) for s in (2, 3))
        C = np.empty((n, n), dtype=dtype)
        contenders["matmul"] = lambda: np.matmul(A, B, out=C)
    rounds = interleaved_times(contenders, repeats=repeats, reset=reset)
    matmul = rounds.pop("matmul", None)
    result = StepResult(case, tuple(sizes), batch, np.dtype(dtype).name, rounds)
    if matmul is not None:
        peak_rate = 2 * n**3 / matmul.min()
        result.peak_fraction = step_flops(sizes, batch) / rounds["nnbook"].min() / peak_rate
    return result


@limited_threads
def measure_keras(results: list[StepResult], repeats: int = 25) -> dict:
    """Add the Keras step's samples per second to each of ``results`` (nothing without TensorFlow).

    Timed after all NumPy measurements, not interleaved with them: TensorFlow's worker threads
    keep spinning after each step and would slow down NumPy's (and OpenBLAS's) threads. The
    Keras steps of all ``results`` are interleaved with each other and with TensorFlow's own
    matrix products in each dtype, so that float32 and float64 see the same load.

    Returns
    -------
    dict
        ``{"settings": tensorflow_settings(), "products": {dtype: {name: GFLOP/s}}}``: the
        rates of TensorFlow's products (see ``_tensorflow_products``), ``{}`` without TensorFlow.
        Each result's ``keras_peak_fraction`` is its step's rate of floating-point operations
        over TensorFlow's ``matmul`` rate in the same dtype.

    Examples
    --------
    >>> results = [measure_step("tiny", (2, 4, 3), 8, np.float32, repeats=1)]
    >>> rates = measure_keras(results, repeats=1)  # doctest: +SKIP
    >>> rates == {} or (sorted(rates), results[0].keras_samples_per_s > 0)  # doctest: +SKIP
    (['products', 'settings'], True)
    """
    try:  # through nnbook.compare: the book's TensorFlow settings, unless TensorFlow is already imported
        from .compare import import_keras

        import_keras()
        import tensorflow as tf
    except ImportError:
        return {}
    level = tf.get_logger().level
    tf.get_logger().setLevel("ERROR")  # each step and product is a tf.function of its own: no retracing warnings
    try:
        return _measure_keras(results, repeats)
    finally:
        tf.get_logger().setLevel(level)


def _measure_keras(results: list[StepResult], repeats: int) -> dict:
    contenders, steps, flops = {}, {}, {}
    for result in results:
        X, labels, _ = make_batch(result.sizes, result.batch, np.dtype(result.dtype))
        step = keras_step(result.sizes, result.dtype, X, labels)
        if step is None:
            return {}
        name = f"{result.case}/{result.dtype}"
        contenders[name] = steps[name] = step
    for dtype in sorted({result.dtype for result in results}):
        n, batch = PEAK_N, 256
        for product, fn in _tensorflow_products(np.dtype(dtype)).items():
            contenders[f"{product}/{dtype}"] = fn
            flops[f"{product}/{dtype}"] = 2 * n**3 if product == "matmul" else 2 * batch * n * n
    deadline = time.perf_counter() + 0.3  # warm up: TensorFlow's first steps are slower
    while time.perf_counter() < deadline:
        for step in steps.values():
            step()

    def reset():
        for step in steps.values():
            step.reset()

    rounds = interleaved_times(contenders, repeats=repeats, reset=reset)
    rates: dict = {}
    for name, count in flops.items():
        product, dtype = name.split("/")
        rates.setdefault(dtype, {})[product] = count / float(rounds[name].min()) / 1e9
    for result in results:
        seconds = float(rounds[f"{result.case}/{result.dtype}"].min())
        result.keras_samples_per_s = result.batch / seconds
        peak = rates[result.dtype]["matmul"] * 1e9
        result.keras_peak_fraction = step_flops(result.sizes, result.batch) / seconds / peak
    return {"settings": tensorflow_settings(), "products": rates}


#: The environment variables that hold the book's TensorFlow settings (oneDNN off, one thread):
#: :func:`measure_keras_defaults` removes them, so that TensorFlow chooses.
SETTINGS_VARIABLES = ("TF_ENABLE_ONEDNN_OPTS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")


def measure_keras_defaults(cases=CASES, dtype=np.float32, repeats: int = 5, timeout: float = 300) -> dict:
    """Keras' samples per second at TensorFlow's own defaults, measured in a separate process.

    TensorFlow fixes oneDNN and its thread pools when it is first imported, so the defaults
    (oneDNN on, TensorFlow's default threads, one per core) need a process of their own:
    ``python -m nnbook.benchmark --keras-defaults``, started without :data:`SETTINGS_VARIABLES`.

    Parameters
    ----------
    cases : sequence of (str, sizes, int)
        The networks, as :data:`CASES`.
    dtype : numpy dtype
        float32 is Keras' default.
    repeats : int
        Interleaved rounds, best of.
    timeout : float
        Seconds before the process is given up.

    Returns
    -------
    dict
        ``{"settings": tensorflow_settings(), "samples_per_s": {case: value}}`` as measured in
        that process, ``{}`` without TensorFlow.

    Examples
    --------
    >>> found = measure_keras_defaults([("tiny", (2, 4, 3), 8)], repeats=1)  # doctest: +SKIP
    >>> found == {} or sorted(found["samples_per_s"])  # doctest: +SKIP
    ['tiny']
    """
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    request = {
        "cases": [[name, list(sizes), batch] for name, sizes, batch in cases],
        "dtype": np.dtype(dtype).name,
        "repeats": repeats,
    }
    process = subprocess.run(
        [sys.executable, "-m", "nnbook.benchmark", "--keras-defaults", json.dumps(request)],
        env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if process.returncode != 0:
        raise RuntimeError(f"the Keras process failed:\n{process.stderr[-3000:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def _keras_defaults_main(request: dict) -> dict:
    """What the process of :func:`measure_keras_defaults` runs (all threads TensorFlow wants)."""
    global THREADS
    try:  # before nnbook.compare sets the book's settings: TensorFlow reads them at import
        import tensorflow  # noqa: F401
    except ImportError:
        return {}
    settings = tensorflow_settings()
    if not settings:
        return {}
    THREADS = None  # threadpoolctl: no limit; keras_step: the thread settings stay TensorFlow's
    results = [StepResult(case, tuple(sizes), batch, request["dtype"]) for case, sizes, batch in request["cases"]]
    measure_keras(results, repeats=request["repeats"])
    return {"settings": settings, "samples_per_s": {r.case: r.keras_samples_per_s for r in results}}


def measure_steps(cases=CASES, dtypes=DTYPES, *, keras: bool = True, repeats: int = 25, other=None) -> list[StepResult]:
    """:func:`measure_step` for every case and dtype, with the peak fraction for the largest case,
    then (``keras``) :func:`measure_keras` for all of them.

    Examples
    --------
    >>> results = measure_steps([("tiny", (2, 4, 3), 8)], [np.float64], keras=False, repeats=1)
    >>> [(r.case, r.dtype) for r in results], bool(results[-1].peak_fraction > 0)  # the last case gets the peak
    ([('tiny', 'float64')], True)
    """
    results = []
    for dtype in dtypes:
        for i, (case, sizes, batch) in enumerate(cases):
            last = i == len(cases) - 1
            results.append(measure_step(case, sizes, batch, dtype, repeats=repeats, peak=last, other=other))
    if keras:
        measure_keras(results, repeats=repeats)
    return results


def hand_written_epoch(hand: HandWrittenNetwork, X, Y, X_val, Y_val, batch_size, rng) -> dict:
    """One epoch of the hand-written loop: shuffled batches, then validation loss and accuracy.

    Examples
    --------
    >>> hand = HandWrittenNetwork.like(NeuralNetwork([2, 4, 3], ["relu", "softmax"], rng=0))
    >>> X, _, Y = make_batch((2, 4, 3), batch=10, dtype=np.float64)
    >>> epoch = hand_written_epoch(hand, X[:8], Y[:8], X[8:], Y[8:], 4, np.random.default_rng(0))
    >>> sorted(epoch), 0 <= epoch["val_acc"] <= 1, epoch["train_loss"] > 0
    (['train_acc', 'train_loss', 'val_acc', 'val_loss'], True, True)
    """
    n = X.shape[0]
    order = rng.permutation(n)
    total, correct = 0.0, 0
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        total += hand.step(X[idx], Y[idx]) * len(idx)
        correct += int(np.sum(np.argmax(hand.logits, axis=1) == np.argmax(Y[idx], axis=1)))
    a = X_val
    for W, b in zip(hand.W[:-1], hand.b[:-1]):
        a = np.maximum(a @ W.T + b, 0)
    z = a @ hand.W[-1].T + hand.b[-1]
    z = z - z.max(axis=1, keepdims=True)
    val_loss = float(np.mean(np.log(np.exp(z).sum(axis=1)) - np.sum(Y_val * z, axis=1)))
    val_acc = float(np.mean(np.argmax(z, axis=1) == np.argmax(Y_val, axis=1)))
    return {"train_loss": total / n, "val_loss": val_loss, "train_acc": correct / n, "val_acc": val_acc}


@limited_threads
def measure_epoch(repeats: int = 25, batch_size: int = 32, other=None) -> dict:
    """Seconds per epoch of ``train_network`` and of the hand-written loop on the spirals (2-64-32-3).

    Examples
    --------
    >>> epoch = measure_epoch(repeats=1, batch_size=64)
    >>> sorted(epoch["seconds"]), epoch["batch_size"], epoch["ratio"] > 0, epoch["other_ratio"]
    (['nnbook', 'numpy'], 64, True, None)
    """
    X, _, y = generate_spiral_data(200, 3, rng=0)
    X_train, X_val, y_train, y_val = train_val_split(X, y, rng=0)
    Y_train, Y_val = np.eye(3)[y_train], np.eye(3)[y_val]
    net = NeuralNetwork([2, 64, 32, 3], ["relu", "relu", "softmax"], LEARNING_RATE, rng=0)
    hand = HandWrittenNetwork.like(net)
    loss = CrossEntropyLoss()
    rng_n, rng_h = np.random.default_rng(0), np.random.default_rng(0)
    contenders = {
        "nnbook": lambda: train_network(
            net, X_train, y_train, X_val, y_val, loss, epochs=1, batch_size=batch_size, rng=rng_n
        ),
        "numpy": lambda: hand_written_epoch(hand, X_train, Y_train, X_val, Y_val, batch_size, rng_h),
    }
    if other is not None:
        other_net = other.NeuralNetwork([2, 64, 32, 3], ["relu", "relu", "softmax"], LEARNING_RATE, rng=0)
        other_loss, rng_o = other.CrossEntropyLoss(), np.random.default_rng(0)
        contenders["other"] = lambda: other.train_network(
            other_net, X_train, y_train, X_val, y_val, other_loss, epochs=1, batch_size=batch_size, rng=rng_o
        )
    initial = [(layer.W.copy(), layer.b.copy()) for layer in net.layers]

    def reset():  # every round starts from the same weights
        nets = [net.layers, [(W, b) for W, b in zip(hand.W, hand.b)]]
        if other is not None:
            nets.append(other_net.layers)
        for layers in nets:
            for layer, (W0, b0) in zip(layers, initial):
                W, b = (layer.W, layer.b) if hasattr(layer, "W") else layer
                W[...], b[...] = W0, b0

    rounds = interleaved_times(contenders, repeats=repeats, reset=reset)
    return {
        "n_train": len(X_train),
        "batch_size": batch_size,
        "seconds": {name: float(t.min()) for name, t in rounds.items()},
        "ratio": speed_ratio(rounds, "nnbook", "numpy"),
        "other_ratio": speed_ratio(rounds, "other", "numpy") if other is not None else None,
    }


@limited_threads
def per_sample_vs_batched(sizes=(64, 128, 64, 10), batch: int = 64, repeats: int = 5) -> float:
    """How many times faster one batched ``compute_gradients`` is than a loop over the samples.

    Both give the same gradient (checked); the loop averages ``batch`` single-sample gradients.

    Examples
    --------
    >>> ratio = per_sample_vs_batched(sizes=(2, 4, 3), batch=4, repeats=1)
    >>> type(ratio).__name__, ratio > 0
    ('float', True)
    """
    sizes = list(sizes)
    net = NeuralNetwork(sizes, ["relu"] * (len(sizes) - 2) + ["softmax"], rng=0)
    X, labels, _ = make_batch(sizes, batch, np.float64)
    loss = CrossEntropyLoss()

    def looped():
        total = [np.zeros_like(p) for _, p in net.parameters()]
        for i in range(batch):
            net.compute_gradients(X[i : i + 1], labels[i : i + 1], loss)
            for acc, (_, g) in zip(total, net.gradients()):
                acc += g
        return [acc / batch for acc in total]

    per_sample = looped()
    net.compute_gradients(X, labels, loss)
    for g_loop, (_, g_batch) in zip(per_sample, net.gradients()):
        np.testing.assert_allclose(g_loop, g_batch, rtol=1e-10, atol=1e-14)
    rounds = interleaved_times({"batched": lambda: net.compute_gradients(X, labels, loss), "loop": looped}, repeats)
    return speed_ratio(rounds, "batched", "loop")


@limited_threads
def softmax_backward_times(n_classes: int = 10, batch: int = 256, repeats: int = 5) -> dict:
    """Speed ratios of three ways to dL/dZ of a softmax output: the source's per-sample Jacobian
    loop, the vectorised vector-Jacobian product, and the fused (P - Y)/N; all three agree (checked).

    Returns ``{"loop / vectorised": ..., "vectorised / fused": ...}``: how many times slower the
    first is than the second.

    Examples
    --------
    >>> ratios = softmax_backward_times(n_classes=3, batch=4, repeats=1)
    >>> list(ratios), all(r > 0 for r in ratios.values())
    (['loop / vectorised', 'vectorised / fused'], True)
    """
    from .activations import Softmax
    from .pitfalls import LoopSoftmax

    rng = np.random.default_rng(0)
    z = rng.normal(size=(batch, n_classes))
    labels = rng.integers(0, n_classes, size=batch)
    ce = CrossEntropyLoss()
    ce.forward_from_logits(z, labels)
    fused = ce.backward_from_logits()  # (P - Y)/N
    grad_p = -np.eye(n_classes)[labels] / (batch * ce.probs)  # dL/dP = -Y / (N P)
    fast, slow = Softmax(), LoopSoftmax()
    fast.forward(z)
    slow.forward(z)
    np.testing.assert_allclose(fast.backward(grad_p), fused, atol=1e-12)
    np.testing.assert_allclose(slow.backward(grad_p), fused, atol=1e-12)
    rounds = interleaved_times(
        {
            "loop": lambda: slow.backward(grad_p),
            "vectorised": lambda: fast.backward(grad_p),
            "fused": ce.backward_from_logits,
        },
        repeats=repeats,
    )
    return {
        "loop / vectorised": speed_ratio(rounds, "vectorised", "loop"),
        "vectorised / fused": speed_ratio(rounds, "fused", "vectorised"),
    }


def table(results: list[StepResult], epoch: dict | None = None) -> str:
    """The results as a plain-text table (samples per second and ratios).

    Examples
    --------
    >>> rounds = {"nnbook": np.array([0.5]), "numpy": np.array([0.25])}
    >>> result = StepResult("tiny", (2, 4, 3), 8, "float64", rounds)
    >>> lines = table([result]).splitlines()
    >>> len(lines), lines[0].split()[:3], lines[1].split()
    (2, ['network', 'dtype', 'nnbook/s'], ['2-4-3/B8', 'float64', '16', '32', '-', '0.50', '-'])
    """
    has_other = any("other" in r.samples_per_s for r in results)
    lines = [
        f"{'network':<22}{'dtype':<9}{'nnbook/s':>11}{'numpy/s':>11}{'keras/s':>11}"
        f"{'nnbook/numpy':>14}{'nnbook/keras':>14}{'of peak':>9}" + (f"{'other/numpy':>13}" if has_other else "")
    ]
    for r in results:
        s = r.samples_per_s
        keras = f"{s['keras']:11.0f}" if "keras" in s else f"{'-':>11}"
        vs_keras = f"{r.ratio('nnbook', 'keras'):14.2f}" if "keras" in s else f"{'-':>14}"
        peak = f"{r.peak_fraction:9.0%}" if r.peak_fraction is not None else f"{'':>9}"
        name = "-".join(map(str, r.sizes)) + f"/B{r.batch}"
        lines.append(
            f"{name:<22}{r.dtype:<9}{s['nnbook']:11.0f}{s['numpy']:11.0f}{keras}"
            f"{r.ratio():14.2f}{vs_keras}{peak}" + (f"{r.ratio('other', 'numpy'):13.2f}" if has_other else "")
        )
    if epoch is not None:
        t = epoch["seconds"]
        lines.append(
            f"one epoch on the spirals ({epoch['n_train']} samples, B{epoch['batch_size']}): "
            f"train_network {t['nnbook'] * 1e3:.2f} ms, hand-written loop {t['numpy'] * 1e3:.2f} ms, "
            f"ratio {epoch['ratio']:.2f}"
            + (f" (other: {t['other'] * 1e3:.2f} ms, ratio {epoch['other_ratio']:.2f})" if "other" in t else "")
        )
    return "\n".join(lines)


if __name__ == "__main__":  # the process of measure_keras_defaults
    if sys.argv[1:2] == ["--keras-defaults"]:
        print(json.dumps(_keras_defaults_main(json.loads(sys.argv[2]))))
    else:
        sys.exit(
            "usage: python -m nnbook.benchmark --keras-defaults REQUEST (make bench runs benchmarks/train_step.py)"
        )
