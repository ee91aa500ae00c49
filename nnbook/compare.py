r"""Side by side with TensorFlow/Keras: the same network, the same numbers.

Needs the ``compare`` extra (``pip install "nnbook[compare]"``, which installs
TensorFlow and Keras 3). Everything here maps an ``nnbook`` object to its Keras
counterpart and measures how far the two computations are apart:

============================================  =================================================
``nnbook``                                    Keras
============================================  =================================================
``Dense(n_in, n_out)``: ``W`` (n_out, n_in)   ``keras.layers.Dense(n_out)``: ``kernel`` = ``W.T``
``"relu"``, ``"sigmoid"``, ``"tanh"``, ...    the same activation names
softmax + ``CrossEntropyLoss`` (fused)        linear last layer + ``CategoricalCrossentropy(from_logits=True)``
sigmoid + ``CrossEntropyLoss`` (one unit)     linear last layer + ``BinaryCrossentropy(from_logits=True)``
``CrossEntropyLoss(label_smoothing=e)``       the same Keras loss with ``label_smoothing=e``
``MSELoss``                                   ``keras.losses.MeanSquaredError``
``SGD(lr, momentum, nesterov)``               ``keras.optimizers.SGD`` (same rule)
``Adam(lr, beta_1, beta_2, epsilon)``         ``keras.optimizers.Adam`` (same rule)
``Adagrad``, ``RMSprop``, ``AdamW``           ``keras.optimizers.Adagrad``, ``RMSprop``, ``AdamW``
gradient clipping (``clipnorm``, ...)         ``clipnorm``, ``clipvalue``, ``global_clipnorm`` (same)
``ExponentialDecay``, ``CosineDecay``         ``keras.optimizers.schedules``: the same names and formulas
``LeakyReLU(negative_slope)``                 ``leaky_relu`` with ``negative_slope`` given (its default is 0.2)
``kernel_regularizer=L2(l2)``                 ``Dense(..., kernel_regularizer=keras.regularizers.L2(l2))``
``L1(l1)``, ``L1L2(l1, l2)``                  ``keras.regularizers.L1(l1)``, ``L1L2(l1, l2)``
``dropout=rate`` (``Dropout(rate)``)          ``keras.layers.Dropout(rate)`` after each hidden Dense
``batch_normalization=True``                  ``keras.layers.BatchNormalization(momentum, epsilon)``
``gamma``, ``beta``, moving averages          ``gamma``, ``beta``, ``moving_mean``, ``moving_variance``
============================================  =================================================

Keras' ``L2`` (``L1``, ``L1L2``) casts its factor to float32 before use, also in a float64 model: an
``l2`` that is not a float32 number (0.01 is not) gives a relative gap of about 1e-8 in the
penalty; ``L2(float(np.float32(0.01)))`` on the nnbook side removes it.

Exact agreement in float64 needs two things (both done here): every Keras layer built
with ``dtype="float64"``, and the optimizer built while Keras' ``floatx`` is float64 and
given its hyper-parameters as ``np.float64`` (Keras turns Python floats into float32
first: ``0.9`` becomes ``0.8999999761581421``).
"""

from __future__ import annotations

import contextlib
import os
import random
from dataclasses import dataclass, field

import numpy as np

from ._checks import as_rng, check_positive_int
from .activations import ELU, LeakyReLU
from .dropout import Dropout
from .gradcheck import rel_error
from .layers import Dense
from .losses import CrossEntropyLoss, MSELoss
from .network import NeuralNetwork
from .normalization import BatchNormalization
from .optimizers import SGD, Adagrad, Adam, AdamW, RMSprop
from .schedules import CosineDecay, ExponentialDecay

__all__ = [
    "TENSORFLOW_ENVIRONMENT",
    "set_tensorflow_environment",
    "import_keras",
    "to_keras",
    "keras_dense_layers",
    "keras_parameter_variables",
    "copy_weights_to_keras",
    "copy_weights_from_keras",
    "keras_loss",
    "keras_optimizer",
    "keras_schedule",
    "keras_targets",
    "keras_gradients",
    "compare_forward",
    "compare_gradients",
    "TrajectoryComparison",
    "compare_trajectories",
    "compare_with_tensorflow",
]


#: Environment variables read by TensorFlow when it is imported: no C++ start-up chatter,
#: the Keras 3 TensorFlow backend, and no oneDNN kernels, whose fused operations may change
#: the order of floating-point sums between runs (without them results are reproducible).
#: The one place these are written: the build (``conf.py``), the tests (``conftest.py``)
#: and :func:`import_keras` all call :func:`set_tensorflow_environment`.
TENSORFLOW_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow"}


def set_tensorflow_environment() -> None:
    """Set :data:`TENSORFLOW_ENVIRONMENT` in ``os.environ`` (values already set are kept).

    Takes effect only before TensorFlow is first imported in the process; processes
    started afterwards (notebook kernels) inherit it.

    Examples
    --------
    >>> import os
    >>> set_tensorflow_environment()
    >>> all(name in os.environ for name in TENSORFLOW_ENVIRONMENT)
    True
    """
    for name, value in TENSORFLOW_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def import_keras():
    """Import and return ``keras`` (TensorFlow backend), or explain how to install it.

    Sets :data:`TENSORFLOW_ENVIRONMENT` first, so import Keras through this function
    (not ``import keras``) before anything else imports TensorFlow.

    Examples
    --------
    >>> keras = import_keras()
    >>> keras.backend.backend()
    'tensorflow'
    """
    set_tensorflow_environment()
    try:
        import keras
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("nnbook.compare needs TensorFlow and Keras 3: pip install 'nnbook[compare]'") from err
    return keras


@contextlib.contextmanager
def _floatx(dtype: str):
    keras = import_keras()
    old = keras.backend.floatx()
    keras.backend.set_floatx(dtype)
    try:
        yield
    finally:
        keras.backend.set_floatx(old)


def _fused(network: NeuralNetwork) -> bool:
    """Whether nnbook computes cross-entropy from this network's logits (the fused path)."""
    return network.uses_fused_output(CrossEntropyLoss())


def to_keras(network: NeuralNetwork, *, logits: bool | None = None):
    """Build a Keras model with the architecture and (copied) weights of ``network``.

    Parameters
    ----------
    network : NeuralNetwork
    logits : bool, optional
        If true, the last layer is linear: the model outputs the logits, to be paired
        with a ``from_logits=True`` loss (the counterpart of ``nnbook``'s fused
        softmax + cross-entropy). Default: true when the network ends in softmax or a
        single sigmoid unit.

    Returns
    -------
    keras.Model
        A functional model of ``keras.layers.Dense`` layers in the network's dtype, each
        hidden one followed by ``BatchNormalization`` and ``Dropout`` when the network has
        them (named ``dense_{l}``, ``bn_{l}``, ``dropout_{l}``), with the kernel regularizer.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import CrossEntropyLoss, NeuralNetwork
    >>> net = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=0)
    >>> X, y = np.array([[0.5, -1.0], [1.5, 0.2]]), np.array([0, 1])
    >>> model = to_keras(net)
    >>> [layer.units for layer in keras_dense_layers(model)]
    [3, 2]
    >>> keras_dense_layers(model)[-1].activation.__name__  # softmax moves into the loss
    'linear'
    >>> probabilities = np.asarray(to_keras(net, logits=False)(X))  # with the softmax
    >>> bool(np.allclose(probabilities, net.forward(X), rtol=0, atol=1e-15))
    True
    """
    keras = import_keras()
    if logits is None:
        logits = _fused(network)
    dtype = network.dtype.name
    inputs = keras.Input((network.layer_sizes[0],), dtype=dtype)
    x = inputs
    i = -1  # the index of the last Dense layer seen; the layers after it are named with it
    for layer in network.layers:
        if isinstance(layer, Dense):
            i += 1
            activation = "linear" if layer is network.layers[-1] and logits else _keras_activation(layer.activation)
            reg = _keras_regularizer(layer.kernel_regularizer)
            x = keras.layers.Dense(
                layer.output_dim, activation=activation, dtype=dtype, name=f"dense_{i}", kernel_regularizer=reg
            )(x)
        elif isinstance(layer, BatchNormalization):
            x = keras.layers.BatchNormalization(
                momentum=layer.momentum, epsilon=layer.epsilon, dtype=dtype, name=f"bn_{i}"
            )(x)
        elif isinstance(layer, Dropout):
            x = keras.layers.Dropout(layer.rate, dtype=dtype, name=f"dropout_{i}")(x)
    model = keras.Model(inputs, x)
    copy_weights_to_keras(network, model)
    return model


def keras_dense_layers(model) -> list:
    """The ``keras.layers.Dense`` layers of ``model``, in order.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    list of keras.layers.Dense

    Examples
    --------
    >>> from nnbook import NeuralNetwork
    >>> model = to_keras(NeuralNetwork([4, 8, 8, 3], ["relu", "relu", "softmax"], rng=0))
    >>> [(layer.kernel.shape[0], layer.units) for layer in keras_dense_layers(model)]
    [(4, 8), (8, 8), (8, 3)]
    """
    keras = import_keras()
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def _keras_regularizer(regularizer):
    """``keras.regularizers.L2``, ``L1`` or ``L1L2`` for nnbook's regularizer of that name (None for None)."""
    if regularizer is None:
        return None
    from .regularizers import L1, L1L2, L2

    keras = import_keras()
    if isinstance(regularizer, L2):  # a subclass (a wrong rule under test) gets its parent's twin
        return keras.regularizers.L2(np.float64(regularizer.l2))
    if isinstance(regularizer, L1):
        return keras.regularizers.L1(np.float64(regularizer.l1))
    if isinstance(regularizer, L1L2):
        return keras.regularizers.L1L2(l1=np.float64(regularizer.l1), l2=np.float64(regularizer.l2))
    raise TypeError(f"no Keras counterpart known for the regularizer {regularizer!r}")


def keras_parameter_variables(model) -> list:
    """The trainable variables of ``model`` in ``nnbook``'s parameter order.

    ``kernel`` and ``bias`` of each ``Dense``, ``gamma`` and ``beta`` of each
    ``BatchNormalization``, in the order of the layers: the order of
    :meth:`~nnbook.network.NeuralNetwork.parameters` (``layer1.W``, ``layer1.b``,
    ``bn1.gamma``, ...). A kernel is the transpose of ``W``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import CrossEntropyLoss, NeuralNetwork
    >>> net = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=0)
    >>> X, y = np.array([[0.5, -1.0], [1.5, 0.2]]), np.array([0, 1])
    >>> [tuple(v.shape) for v in keras_parameter_variables(to_keras(net))]  # kernel, bias, ...
    [(2, 3), (3,), (3, 2), (2,)]
    >>> [p.shape for _, p in net.parameters()]  # W, b, ...: each kernel is W.T
    [(3, 2), (3,), (2, 3), (2,)]
    """
    keras = import_keras()
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            out += [layer.kernel, layer.bias]
        elif isinstance(layer, keras.layers.BatchNormalization):
            out += [layer.gamma, layer.beta]
    return out


def _keras_batch_norms(model) -> list:
    keras = import_keras()
    return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


def copy_weights_to_keras(network: NeuralNetwork, model) -> None:
    """Set each Keras ``kernel`` to ``W.T`` and ``bias`` to ``b``; gamma, beta and moving statistics of batch norm.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import CrossEntropyLoss, NeuralNetwork
    >>> net = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=0)
    >>> X, y = np.array([[0.5, -1.0], [1.5, 0.2]]), np.array([0, 1])
    >>> model = to_keras(net)
    >>> other = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=1)
    >>> copy_weights_to_keras(other, model)
    >>> bool(np.array_equal(keras_dense_layers(model)[0].kernel.numpy(), other.layers[0].W.T))
    True
    """
    dense = keras_dense_layers(model)
    if len(dense) != len(network.dense_layers):
        raise ValueError(f"the Keras model has {len(dense)} Dense layers, the network {len(network.dense_layers)}")
    for layer, k_layer in zip(network.dense_layers, dense):
        k_layer.set_weights([layer.W.T.copy(), layer.b.copy()])
    k_bns = _keras_batch_norms(model)
    if len(k_bns) != len(network.batch_norms):
        raise ValueError(
            f"the Keras model has {len(k_bns)} BatchNormalization layers, the network {len(network.batch_norms)}"
        )
    for bn, k_bn in zip(network.batch_norms, k_bns):
        k_bn.set_weights(
            [p.copy() for p in (bn.params["gamma"], bn.params["beta"], bn.moving_mean, bn.moving_variance)]
        )


def copy_weights_from_keras(model, network: NeuralNetwork) -> None:
    """Set each ``W`` to the Keras ``kernel.T`` and ``b`` to ``bias`` (in place).

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import CrossEntropyLoss, NeuralNetwork
    >>> net = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=0)
    >>> X, y = np.array([[0.5, -1.0], [1.5, 0.2]]), np.array([0, 1])
    >>> other = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=1)
    >>> copy_weights_from_keras(to_keras(net), other)  # other now holds net's weights
    >>> all(np.array_equal(a, b) for (_, a), (_, b) in zip(other.parameters(), net.parameters()))
    True
    """
    dense = keras_dense_layers(model)
    if len(dense) != len(network.dense_layers):
        raise ValueError(f"the Keras model has {len(dense)} Dense layers, the network {len(network.dense_layers)}")
    for layer, k_layer in zip(network.dense_layers, dense):
        kernel, bias = k_layer.get_weights()
        if kernel.T.shape != layer.W.shape:
            raise ValueError(f"kernel of shape {kernel.shape} does not fit W of shape {layer.W.shape}")
        layer.params["W"][...] = kernel.T
        layer.params["b"][...] = bias
    k_bns = _keras_batch_norms(model)
    if len(k_bns) != len(network.batch_norms):
        raise ValueError(
            f"the Keras model has {len(k_bns)} BatchNormalization layers, the network {len(network.batch_norms)}"
        )
    for bn, k_bn in zip(network.batch_norms, k_bns):
        gamma, beta, mean, variance = k_bn.get_weights()
        bn.params["gamma"][...] = gamma
        bn.params["beta"][...] = beta
        bn.moving_mean[...] = mean
        bn.moving_variance[...] = variance


def keras_loss(loss_fn, network: NeuralNetwork):
    """The Keras loss that computes what ``loss_fn`` computes for ``network``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import CrossEntropyLoss, NeuralNetwork
    >>> net = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=0)
    >>> X, y = np.array([[0.5, -1.0], [1.5, 0.2]]), np.array([0, 1])
    >>> loss = keras_loss(CrossEntropyLoss(), net)  # net ends in softmax: from its logits
    >>> type(loss).__name__, loss.from_logits
    ('CategoricalCrossentropy', True)
    """
    keras = import_keras()
    dtype = network.dtype.name
    if isinstance(loss_fn, MSELoss):
        return keras.losses.MeanSquaredError(dtype=dtype)
    if isinstance(loss_fn, CrossEntropyLoss):
        smoothing = {"label_smoothing": float(loss_fn.label_smoothing)}  # Keras smooths the one-hot targets
        if network.layer_sizes[-1] == 1:
            return keras.losses.BinaryCrossentropy(from_logits=_fused(network), dtype=dtype, **smoothing)
        return keras.losses.CategoricalCrossentropy(from_logits=_fused(network), dtype=dtype, **smoothing)
    raise TypeError(f"no Keras counterpart for {type(loss_fn).__name__}")


#: The optimizer arguments for gradient clipping, the same names in nnbook and Keras.
_CLIP_ARGUMENTS = ("clipnorm", "clipvalue", "global_clipnorm")


def keras_optimizer(optimizer, dtype: str = "float64"):
    """The Keras optimizer with the same update rule and hyper-parameters as ``optimizer``.

    Built while Keras' ``floatx`` is ``dtype`` and with hyper-parameters passed as NumPy
    scalars of that dtype, so that nothing is rounded to float32 on the way.

    Examples
    --------
    >>> from nnbook import SGD
    >>> optimizer = keras_optimizer(SGD(0.1, momentum=0.9, nesterov=True))
    >>> type(optimizer).__name__, float(optimizer.momentum), optimizer.nesterov
    ('SGD', 0.9, True)
    """
    keras = import_keras()
    # float64: NumPy scalars keep every digit; float32: Keras wants Python floats
    f = np.float64 if np.dtype(dtype) == np.float64 else float
    with _floatx(dtype):
        # a schedule maps to the Keras schedule, a constant rate to a number
        lr = keras_schedule(optimizer.schedule, dtype) if optimizer.schedule is not None else f(optimizer.learning_rate)
        # gradient clipping: the same argument, as a NumPy scalar (None when not set)
        clip = {name: f(value) for name, value in optimizer.get_config().items() if name in _CLIP_ARGUMENTS}
        if isinstance(optimizer, SGD):
            return keras.optimizers.SGD(
                learning_rate=lr, momentum=f(optimizer.momentum), nesterov=optimizer.nesterov, **clip
            )
        if isinstance(optimizer, AdamW):  # before Adam: AdamW is a subclass
            return keras.optimizers.AdamW(
                learning_rate=lr,
                weight_decay=f(optimizer.weight_decay),
                beta_1=f(optimizer.beta_1),
                beta_2=f(optimizer.beta_2),
                epsilon=f(optimizer.epsilon),
                **clip,
            )
        if isinstance(optimizer, Adam):
            return keras.optimizers.Adam(
                learning_rate=lr,
                beta_1=f(optimizer.beta_1),
                beta_2=f(optimizer.beta_2),
                epsilon=f(optimizer.epsilon),
                **clip,
            )
        if isinstance(optimizer, Adagrad):
            return keras.optimizers.Adagrad(
                learning_rate=lr,
                initial_accumulator_value=f(optimizer.initial_accumulator_value),
                epsilon=f(optimizer.epsilon),
                **clip,
            )
        if isinstance(optimizer, RMSprop):
            return keras.optimizers.RMSprop(
                learning_rate=lr,
                rho=f(optimizer.rho),
                momentum=f(optimizer.momentum),
                epsilon=f(optimizer.epsilon),
                centered=optimizer.centered,
                **clip,
            )
    raise TypeError(f"no Keras counterpart for {type(optimizer).__name__}")


def keras_schedule(schedule, dtype: str = "float64"):
    """The ``keras.optimizers.schedules`` counterpart of an :mod:`nnbook.schedules` schedule.

    The rates are passed as NumPy scalars of ``dtype`` (a Python float would make
    Keras compute the whole schedule in float32).

    Parameters
    ----------
    schedule : ExponentialDecay or CosineDecay
    dtype : {"float64", "float32"}

    Returns
    -------
    keras.optimizers.schedules.LearningRateSchedule
        The schedule of the same name with the same arguments.

    Examples
    --------
    >>> from nnbook import ExponentialDecay
    >>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> float(schedule(20)), float(keras_schedule(schedule)(20))  # halved twice, on both sides
    (0.025, 0.025)
    """
    keras = import_keras()
    f = np.float64 if np.dtype(dtype) == np.float64 else np.float32
    if isinstance(schedule, ExponentialDecay):
        return keras.optimizers.schedules.ExponentialDecay(
            f(schedule.initial_learning_rate),
            schedule.decay_steps,
            f(schedule.decay_rate),
            staircase=schedule.staircase,
        )
    if isinstance(schedule, CosineDecay):
        return keras.optimizers.schedules.CosineDecay(
            f(schedule.initial_learning_rate),
            schedule.decay_steps,
            alpha=f(schedule.alpha),
            warmup_target=None if schedule.warmup_target is None else f(schedule.warmup_target),
            warmup_steps=schedule.warmup_steps,
        )
    raise TypeError(f"no Keras counterpart for {type(schedule).__name__}")


def _keras_activation(activation):
    """The Keras activation (a name, or a function for a non-default argument) for ``activation``."""
    if isinstance(activation, LeakyReLU):
        keras = import_keras()
        slope = activation.negative_slope
        return lambda x: keras.activations.leaky_relu(x, negative_slope=slope)
    if isinstance(activation, ELU) and activation.alpha != 1.0:
        keras = import_keras()
        alpha = activation.alpha
        return lambda x: keras.activations.elu(x, alpha=alpha)
    return activation.name


def keras_targets(y, network: NeuralNetwork, loss_fn) -> np.ndarray:
    """Targets in the form Keras' losses expect: one-hot rows (N, K) for categorical
    cross-entropy, a column (N, 1) for one output, the targets themselves otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import CrossEntropyLoss, NeuralNetwork
    >>> net = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=0)
    >>> X, y = np.array([[0.5, -1.0], [1.5, 0.2]]), np.array([0, 1])
    >>> keras_targets(y, net, CrossEntropyLoss()).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    n_out = network.layer_sizes[-1]
    y = np.asarray(y)
    if isinstance(loss_fn, CrossEntropyLoss) and n_out > 1:
        return CrossEntropyLoss.targets(y, y.shape[0], n_out, network.dtype)
    return y.reshape(y.shape[0], -1).astype(network.dtype)


def keras_gradients(model, X, y, loss, *, training: bool = True) -> tuple[float, list[np.ndarray]]:
    """Loss and gradients of ``model``'s trainable variables with ``tf.GradientTape``.

    Returns the loss (with the regularization losses of the model) and, per Dense layer,
    ``[dkernel.T, dbias]`` (per BatchNormalization ``[dgamma, dbeta]``) flattened into a list
    in ``nnbook``'s order and layout (``layer1.W``, ``layer1.b``, ``bn1.gamma``, ...).
    ``training``: the mode of the model's call (``True``: batch statistics, random dropout).

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import CrossEntropyLoss, NeuralNetwork
    >>> net = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=0)
    >>> X, y = np.array([[0.5, -1.0], [1.5, 0.2]]), np.array([0, 1])
    >>> from nnbook import rel_error
    >>> ce = CrossEntropyLoss()
    >>> value, grads = keras_gradients(to_keras(net), X, keras_targets(y, net, ce), keras_loss(ce, net))
    >>> loss = net.compute_gradients(X, y, ce)  # nnbook's backward pass
    >>> abs(value - loss) < 1e-12, max(rel_error(g, gk) for (_, g), gk in zip(net.gradients(), grads)) < 1e-10
    (True, True)
    """
    import tensorflow as tf

    with tf.GradientTape() as tape:
        value = loss(y, model(X, training=training))
        if model.losses:
            value = value + tf.add_n(model.losses)
    variables = keras_parameter_variables(model)
    grads = tape.gradient(value, variables)
    out = []
    for g in grads:
        g = np.asarray(g)
        out.append(g.T if g.ndim == 2 else g)
    return float(value), out


def compare_forward(network: NeuralNetwork, X, y, loss_fn) -> dict:
    """Largest difference of the outputs and difference of the losses, nnbook vs Keras.

    The networks are compared on their logits when the loss is fused.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import CrossEntropyLoss, NeuralNetwork
    >>> net = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=0)
    >>> X, y = np.array([[0.5, -1.0], [1.5, 0.2]]), np.array([0, 1])
    >>> differences = compare_forward(net, X, y, CrossEntropyLoss())
    >>> sorted(differences), max(differences.values()) < 1e-12
    (['loss_diff', 'max_output_diff'], True)
    """
    model = to_keras(network)
    X = np.asarray(X, dtype=network.dtype)
    loss_n = network.compute_loss(X, y, loss_fn)
    out_n = network.layers[-1].z if _fused(network) else network.output
    out_k = np.asarray(model(X))
    loss_k = float(keras_loss(loss_fn, network)(keras_targets(y, network, loss_fn), out_k))
    loss_k += sum(float(penalty) for penalty in model.losses)
    return {"max_output_diff": float(np.max(np.abs(out_n - out_k))), "loss_diff": abs(loss_n - loss_k)}


def compare_gradients(network: NeuralNetwork, X, y, loss_fn, *, training: bool = True) -> dict:
    """``rel_error`` between ``nnbook``'s backward and ``tf.GradientTape``, per parameter.

    Both in training mode by default (batch statistics); dropout in training draws
    different masks on the two sides, so compare a network with dropout with
    ``training=False``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import CrossEntropyLoss, NeuralNetwork
    >>> net = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=0)
    >>> X, y = np.array([[0.5, -1.0], [1.5, 0.2]]), np.array([0, 1])
    >>> errors = compare_gradients(net, X, y, CrossEntropyLoss())  # one relative error per parameter
    >>> len(errors) == len(net.parameters()), max(errors.values()) < 1e-10
    (True, True)
    """
    model = to_keras(network)
    X = np.asarray(X, dtype=network.dtype)
    network.compute_gradients(X, y, loss_fn, training=training)
    _, grads_k = keras_gradients(
        model, X, keras_targets(y, network, loss_fn), keras_loss(loss_fn, network), training=training
    )
    return {name: rel_error(g, gk) for (name, g), gk in zip(network.gradients(), grads_k)}


@dataclass
class TrajectoryComparison:
    """Losses and parameters of ``nnbook`` and Keras trained side by side.

    Attributes
    ----------
    loss_nnbook, loss_keras : ndarray, shape (steps,)
        The loss before each step.
    max_param_diff : ndarray, shape (steps,)
        Largest absolute difference of any parameter after each step.
    model : keras.Model or None
        The Keras twin after the same steps: what the two sides hold besides the
        parameters (the moving statistics of batch normalisation) and compute in the
        inference mode can be compared with the network's.

    Examples
    --------
    >>> import numpy as np
    >>> t = TrajectoryComparison(np.array([1.0, 0.5]), np.array([1.0, 0.5]), np.array([0.0, 2e-9]))
    >>> t.loss_diff.tolist(), t.max_diff
    ([0.0, 0.0], 2e-09)
    """

    loss_nnbook: np.ndarray
    loss_keras: np.ndarray
    max_param_diff: np.ndarray
    model: object = field(default=None, repr=False, compare=False)

    @property
    def loss_diff(self) -> np.ndarray:
        """The absolute difference of the two losses, per step."""
        return np.abs(self.loss_nnbook - self.loss_keras)

    @property
    def max_diff(self) -> float:
        """The largest loss or parameter difference over the whole trajectory."""
        return float(max(self.loss_diff.max(), self.max_param_diff.max()))


def compare_trajectories(
    network: NeuralNetwork, X, y, loss_fn, optimizer, steps: int = 200, batch_size: int | None = None, rng=None
) -> TrajectoryComparison:
    """Train ``network`` with ``optimizer`` and its Keras twin on the same batches.

    The Keras model starts from the network's current weights; both take ``steps``
    steps on the same mini-batches (the whole of ``X`` when ``batch_size`` is None),
    in the training mode. ``network`` is trained in place, and the trained Keras
    model is returned too. A wrong update rule on either side shows as a growing
    difference.

    Parameters
    ----------
    network : NeuralNetwork
        Trained in place.
    X, y : ndarray
        The training data; ``y`` as ``network``'s loss takes it.
    loss_fn : Loss
    optimizer : Optimizer
        ``nnbook``'s optimizer; the Keras side gets :func:`keras_optimizer` of it.
    steps : int
    batch_size : int or None
    rng : numpy.random.Generator, int or None
        Draws the order of the mini-batches. None uses seed 0, so repeated calls draw the same
        numbers; pass a Generator to vary them.

    Returns
    -------
    TrajectoryComparison
        Losses before each step, the largest parameter difference after each, and
        the Keras model after the last step.

    Examples
    --------
    A network with batch normalisation after its hidden layer, three full-batch steps:

    >>> import numpy as np
    >>> from nnbook import SGD, CrossEntropyLoss, NeuralNetwork
    >>> net = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=0, batch_normalization=True)
    >>> X, y = np.random.default_rng(1).normal(size=(8, 2)), np.array([0, 1] * 4)
    >>> result = compare_trajectories(net, X, y, CrossEntropyLoss(), SGD(0.1), steps=3)
    >>> len(result.loss_nnbook), result.max_diff < 1e-12
    (3, True)
    >>> bn = result.model.get_layer("bn_0")  # Keras' moving mean after the 3 steps
    >>> bool(np.max(np.abs(np.asarray(bn.moving_mean) - net.batch_norms[0].moving_mean)) < 1e-15)
    True
    """
    import tensorflow as tf

    steps = check_positive_int(steps, "steps")
    import_keras()
    X = np.asarray(X, dtype=network.dtype)
    y = np.asarray(y)
    model = to_keras(network)
    loss_k = keras_loss(loss_fn, network)
    opt_k = keras_optimizer(optimizer, network.dtype.name)
    y_k = keras_targets(y, network, loss_fn)
    variables = keras_parameter_variables(model)
    rng = as_rng(rng)
    n = X.shape[0]
    bs = n if batch_size is None else check_positive_int(batch_size, "batch_size")
    loss_n_hist, loss_k_hist, diff_hist = [], [], []

    @tf.function
    def keras_step(xb, yb):
        with tf.GradientTape() as tape:
            value = loss_k(yb, model(xb, training=True))
            if model.losses:
                value = value + tf.add_n(model.losses)
        opt_k.apply_gradients(zip(tape.gradient(value, variables), variables))
        return value

    order = rng.permutation(n)
    position = 0
    for _ in range(steps):
        if position + bs > n:
            order, position = rng.permutation(n), 0
        idx = order[position : position + bs]
        position += bs
        loss_n_hist.append(network.train_step(X[idx], y[idx], loss_fn, optimizer))
        loss_k_hist.append(float(keras_step(tf.constant(X[idx]), tf.constant(y_k[idx]))))
        diffs = [
            np.max(np.abs(p - (k.T if p.ndim == 2 else k)))
            for (_, p), k in zip(network.parameters(), (np.asarray(v) for v in variables))
        ]
        diff_hist.append(max(diffs))
    return TrajectoryComparison(np.array(loss_n_hist), np.array(loss_k_hist), np.array(diff_hist), model)


def compare_with_tensorflow(
    X_train,
    y_train,
    X_val,
    y_val,
    architecture,
    epochs: int = 100,
    *,
    activations=None,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    rng=None,
) -> dict:
    """Train the same classifier with ``nnbook`` and with Keras ``fit``, fairly.

    Unlike the source text's version (Keras with Adam against ``nnbook`` with plain SGD,
    from different initial weights), both sides get the same architecture, the same
    initial weights (copied), the same optimizer (Adam with the same hyper-parameters),
    the same loss (cross-entropy from logits), the same batch size, epochs and data
    split. Both compute in float32: the ``nnbook`` network is built with
    ``dtype=np.float32`` and :func:`to_keras` gives every Keras layer the network's dtype.
    They differ only in the order of the mini-batches (Keras shuffles with its own
    generator) and in float32 rounding (the two libraries add and multiply in different
    orders).

    Parameters
    ----------
    X_train, y_train, X_val, y_val : ndarray
        Labels as integers (N,) or one-hot rows.
    architecture : list of int
        Layer sizes, e.g. ``[2, 64, 32, 3]``.
    epochs, batch_size, learning_rate
    activations : list, optional
        Default: ReLU hidden layers and a softmax output.
    rng : numpy.random.Generator, int or None
        Draws the initial weights and Keras' seed. None uses seed 0, so repeated calls draw the
        same numbers; pass a Generator to vary them.

    Returns
    -------
    dict
        ``{"nnbook": history, "keras": history}``, each with ``train_loss``,
        ``val_loss``, ``train_acc``, ``val_acc`` per epoch.

    Examples
    --------
    >>> from nnbook.datasets import generate_spiral_data, train_val_split
    >>> X, _, y = generate_spiral_data(20, 3, rng=0)
    >>> X_train, X_val, y_train, y_val = train_val_split(X, y, rng=0)
    >>> histories = compare_with_tensorflow(X_train, y_train, X_val, y_val, [2, 8, 3], epochs=2, rng=0)
    >>> sorted(histories), len(histories["nnbook"]["val_acc"]), len(histories["keras"]["val_acc"])
    (['keras', 'nnbook'], 2, 2)
    """
    from .training import train_network

    keras = import_keras()
    rng = as_rng(rng)
    n_layers = len(architecture) - 1
    if activations is None:
        activations = ["relu"] * (n_layers - 1) + ["softmax"]
    net = NeuralNetwork(architecture, activations, rng=rng, dtype=np.float32)
    model = to_keras(net)
    loss = CrossEntropyLoss()
    opt = Adam(learning_rate)
    # Keras' fit shuffles with TensorFlow's generator; set_random_seed also reseeds Python's
    # and NumPy's global generators, which nnbook never touches: put those back afterwards.
    python_state, numpy_state = random.getstate(), np.random.get_state()
    keras.utils.set_random_seed(int(rng.integers(2**31)))
    random.setstate(python_state)
    np.random.set_state(numpy_state)
    model.compile(
        optimizer=keras_optimizer(opt, "float32"),
        loss=keras_loss(loss, net),
        metrics=[keras.metrics.CategoricalAccuracy(name="acc")]
        if architecture[-1] > 1
        else [keras.metrics.BinaryAccuracy(name="acc", threshold=0.0)],
    )
    fit = model.fit(
        np.asarray(X_train, np.float32),
        keras_targets(y_train, net, loss),
        validation_data=(np.asarray(X_val, np.float32), keras_targets(y_val, net, loss)),
        epochs=epochs,
        batch_size=batch_size,
        verbose=0,
    ).history
    history_k = {
        "train_loss": [float(v) for v in fit["loss"]],
        "val_loss": [float(v) for v in fit["val_loss"]],
        "train_acc": [float(v) for v in fit["acc"]],
        "val_acc": [float(v) for v in fit["val_acc"]],
    }
    history_n = train_network(
        net, X_train, y_train, X_val, y_val, loss, epochs=epochs, batch_size=batch_size, optimizer=opt, rng=rng
    )
    return {"nnbook": history_n, "keras": history_k}
