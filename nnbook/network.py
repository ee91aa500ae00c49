r"""The feedforward network: a flat list of layers, run in order (Keras' ``Sequential``).

Public methods check their data once (:meth:`NeuralNetwork.check_data`) and pass the
result, a :class:`CheckedBatch`, to the unchecked methods that do the work
(:meth:`NeuralNetwork.batch_loss`, :meth:`~NeuralNetwork.batch_gradients`,
:meth:`~NeuralNetwork.batch_step`); the training loop checks its data once and calls those.
Training and gradient checking (:func:`nnbook.gradcheck.check_gradients`) both go through
:meth:`~NeuralNetwork.batch_gradients`, so the gradient check tests the path training takes.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from . import _npz
from ._checks import (
    as_matrix,
    as_rng,
    check_activations,
    check_bool,
    check_dtype,
    check_fraction,
    check_layer_sizes,
    check_layers,
    check_regularizer,
)
from .activations import Sigmoid, Softmax
from .dropout import Dropout
from .layers import Dense, Layer
from .losses import Loss
from .normalization import BatchNormalization
from .optimizers import SGD
from .targets import class_labels

__all__ = ["NeuralNetwork", "CheckedBatch", "sequential_layers"]

#: The prefix of each kind of layer in the parameter names and the summary: layer1, bn1, drop1.
_PREFIXES = ((Dense, "layer"), (BatchNormalization, "bn"), (Dropout, "drop"))
#: The layer classes :meth:`NeuralNetwork.load` rebuilds, by class name.
LAYERS = {cls.__name__: cls for cls in (Dense, BatchNormalization, Dropout)}


class CheckedBatch(NamedTuple):
    """Inputs ``X`` of shape (N, n_inputs) and targets ``Y`` that :meth:`NeuralNetwork.check_data` checked and encoded.

    The only argument the unchecked methods accept, so that raw labels cannot reach them.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import CrossEntropyLoss
    >>> batch = NeuralNetwork([2, 3], ["softmax"]).check_data(np.zeros((3, 2)), [0, 2, 1], CrossEntropyLoss())
    >>> batch.take([1]).Y.tolist()
    [[0.0, 0.0, 1.0]]
    """

    X: np.ndarray
    Y: np.ndarray

    def take(self, idx) -> CheckedBatch:
        """The samples ``idx`` (indices or a slice), still checked."""
        return CheckedBatch(self.X[idx], self.Y[idx])


def sequential_layers(
    layer_sizes, activations=None, *, rng=None, dtype=np.float64, init=None, kernel_regularizer=None,
    dropout=None, batch_normalization=False,
) -> list[Layer]:  # fmt: skip
    """The layers of ``NeuralNetwork(layer_sizes, activations, ...)``, in forward order.

    One :class:`~nnbook.layers.Dense` layer per pair of sizes; after each hidden one a
    :class:`~nnbook.normalization.BatchNormalization` (``batch_normalization=True``) and a
    :class:`~nnbook.dropout.Dropout` of rate ``dropout``, as the Keras model
    ``Dense(units, activation)``, ``BatchNormalization()``, ``Dropout(rate)``.
    The arguments are those of :class:`NeuralNetwork`.

    Returns
    -------
    list of Layer
        The layers.

    Examples
    --------
    >>> sequential_layers([2, 3, 1], ["relu", "sigmoid"], dropout=0.5)
    [Dense(2, 3, activation='relu'), Dropout(rate=0.5), Dense(3, 1, activation='sigmoid')]
    """
    sizes = check_layer_sizes(layer_sizes)
    acts = check_activations(activations, sizes)
    dtype, kernel_regularizer = check_dtype(dtype), check_regularizer(kernel_regularizer)
    dropout = None if dropout is None else check_fraction(dropout, "dropout")
    batch_normalization = check_bool(batch_normalization, "batch_normalization")
    rng = as_rng(rng)
    dense = [
        Dense(n_in, n_out, act, init=init, rng=rng, dtype=dtype, kernel_regularizer=kernel_regularizer)
        for n_in, n_out, act in zip(sizes[:-1], sizes[1:], acts)
    ]
    # spawned after the weights are drawn: the weights do not depend on the dropout option
    rngs = rng.spawn(len(sizes) - 2) if dropout is not None else []
    layers = []
    for i, layer in enumerate(dense):
        layers.append(layer)
        if i < len(sizes) - 2:  # a hidden layer
            layers += [BatchNormalization(sizes[i + 1], dtype=dtype)] if batch_normalization else []
            layers += [Dropout(dropout, rng=rngs[i])] if dropout is not None else []
    return layers


class NeuralNetwork:
    r"""A feedforward network: layer :math:`l` computes :math:`A^{(l)} = \sigma^{(l)}(A^{(l-1)} W^{(l)\top} + b^{(l)})`.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_inputs, n_hidden_1, ..., n_outputs]``, at least two entries.
    activations : sequence of (str or Activation or None), optional
        One per layer; by default ReLU for the hidden layers, linear for the output.
    learning_rate : float
        The step of the network's own optimizer, ``SGD(learning_rate)``, which
        :meth:`train_step` and :meth:`update` use when given no other.
    rng : numpy.random.Generator, int or None
        Source of the initial weights. None uses seed 0, so repeated calls draw the
        same numbers; pass a Generator to vary them.
    dtype : numpy dtype
        ``np.float64`` (default; gradient checks need it) or ``np.float32``.
    init : {"he", "glorot"} or None
        Weight initialisation; ``None``: He for ReLU layers, Glorot otherwise.
    kernel_regularizer : Regularizer or None
        A penalty such as :class:`~nnbook.regularizers.L2` on every ``W``: added to the loss,
        its gradient to ``grads["W"]``.
    dropout : float in [0, 1) or None
        A :class:`~nnbook.dropout.Dropout` of this rate after every hidden layer.
    batch_normalization : bool
        A :class:`~nnbook.normalization.BatchNormalization` after every hidden layer
        (before the dropout); see :func:`sequential_layers`.

    Attributes
    ----------
    layers : list of Layer
        Every layer, in forward order; :meth:`from_layers` builds a network from such a list.
    training : bool
        The mode of the last pass: ``True`` in training steps (batch statistics, dropout
        masks), ``False`` at inference (:meth:`forward`, :meth:`predict`).
    output : ndarray or None
        The output of the last pass (the probabilities, on the fused path).

    Examples
    --------
    >>> import numpy as np
    >>> net = NeuralNetwork([2, 3, 2], activations=["relu", "softmax"], rng=0)
    >>> net.predict(np.zeros((4, 2))).shape
    (4, 2)
    >>> [name for name, _ in net.parameters()], net.n_params      # (2*3 + 3) + (3*2 + 2)
    (['layer1.W', 'layer1.b', 'layer2.W', 'layer2.b'], 17)
    >>> reg = NeuralNetwork([2, 3, 2], ["relu", "softmax"], dropout=0.5, batch_normalization=True)
    >>> reg.layers[1:3], reg.n_params                  # 17 + gamma and beta of 3 units
    ([BatchNormalization(3, momentum=0.99, epsilon=0.001), Dropout(rate=0.5)], 23)
    """

    def __init__(self, layer_sizes, activations=None, learning_rate: float = 0.01, **options) -> None:
        self._assemble(sequential_layers(layer_sizes, activations, **options), learning_rate)

    @classmethod
    def from_layers(cls, layers: list[Layer], learning_rate: float = 0.01) -> NeuralNetwork:
        """A network of the given layers, run in this order (Keras' ``Sequential(layers)``).

        Examples
        --------
        >>> from nnbook import Dense, Dropout
        >>> net = NeuralNetwork.from_layers([Dense(2, 4, "relu"), Dropout(0.2, rng=1), Dense(4, 1)])
        >>> net.layer_sizes, [name for name, _ in net.parameters()][-1]
        ([2, 4, 1], 'layer2.b')
        """
        network = cls.__new__(cls)
        network._assemble(layers, learning_rate)
        return network

    def _assemble(self, layers, learning_rate) -> None:
        self.layers = check_layers(layers)
        self.optimizer = SGD(learning_rate)
        self.training, self.output, self.from_logits = False, None, False
        counts, self._names = {}, []  # 1-based names, as in the mathematics: layer1, bn1, drop1
        for layer in self.layers:
            kind = next((k for cls, k in _PREFIXES if isinstance(layer, cls)), type(layer).__name__.lower())
            counts[kind] = counts.get(kind, 0) + 1
            self._names.append(f"{kind}{counts[kind]}")
        # (name, index, key) of every parameter: a layer replaced in self.layers is found by its index
        self._slots = [(f"{n}.{k}", i, k) for i, (n, la) in enumerate(zip(self._names, self.layers)) for k in la.params]

    # -- structure and state ------------------------------------------------------------------
    dense_layers = property(lambda self: [la for la in self.layers if isinstance(la, Dense)], doc="The Dense layers.")
    batch_norms = property(lambda self: [la for la in self.layers if isinstance(la, BatchNormalization)])
    dropouts = property(lambda self: [la for la in self.layers if isinstance(la, Dropout)])
    layer_sizes = property(lambda self: [self.layers[0].input_dim] + [la.output_dim for la in self.dense_layers])
    dtype = property(lambda self: self.layers[0].dtype, doc="The dtype of every parameter and output.")
    n_params = property(lambda self: sum(la.n_params for la in self.layers), doc="Number of trainable numbers.")

    @property
    def learning_rate(self):
        """The learning rate of the network's own optimizer, ``self.optimizer``."""
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self.optimizer.learning_rate = value

    @property
    def training(self) -> bool:
        return self._training

    @training.setter
    def training(self, value: bool) -> None:
        self._training = check_bool(value, "training")
        for layer in self.layers:
            layer.training = self._training

    def parameters(self) -> list[tuple[str, np.ndarray]]:
        """``(name, array)`` for every parameter, ``("layer1.W", W)`` first; the live arrays."""
        layers = self.layers
        return [(name, layers[i].params[key]) for name, i, key in self._slots]

    def gradients(self) -> list[tuple[str, np.ndarray]]:
        """``(name, array)`` for every gradient of the last backward pass, aligned with :meth:`parameters`."""
        layers = self.layers
        try:
            return [(name, layers[i].grads[key]) for name, i, key in self._slots]
        except KeyError:
            raise RuntimeError("no gradients yet: call compute_gradients (or backward) first") from None

    def get_state(self) -> dict:
        """Copies of every parameter and batch normalisation's moving statistics (and the dropout generators).

        Keyed ``"layer1.W"``, ``"bn1.moving_mean"``, ...: what :meth:`set_state` restores.
        """
        return {f"{n}.{k}": v for n, layer in zip(self._names, self.layers) for k, v in layer.get_state().items()}

    def set_state(self, state: dict) -> None:
        """Write ``state`` (from :meth:`get_state` of a network of the same layers) into this network."""
        unknown = {key.partition(".")[0] for key in state} - set(self._names)
        if unknown:
            raise ValueError(f"state has entries for layers this network does not have: {sorted(unknown)}")
        for name, layer in zip(self._names, self.layers):
            layer.set_state({k.partition(".")[2]: v for k, v in state.items() if k.partition(".")[0] == name})

    def save(self, path) -> None:
        """Write the layers' configuration and the state to an ``.npz`` file (no pickle); see :meth:`load`."""
        config = {"layers": [{"class": type(la).__name__, **la.get_config()} for la in self.layers]}
        _npz.write(path, {**config, "learning_rate": float(self.learning_rate)}, self.get_state())

    @classmethod
    def load(cls, path) -> NeuralNetwork:
        """The network saved by :meth:`save`: same layers, weights, statistics and dropout generators."""
        config, state = _npz.read(path)
        layers = [LAYERS[c.pop("class")].from_config(c) for c in config["layers"]]
        network = cls.from_layers(layers, config["learning_rate"])
        network.set_state(state)
        return network

    def summary(self) -> str:
        """A table with one row per layer (``layer1``, ``bn1``, ``drop1``, ...), its shape and parameters."""
        rows = [f"{'layer':<8}{'shape of W':<14}{'activation':<12}{'params':>8}"]
        for name, la in zip(self._names, self.layers):
            shape, what = "", "batchnorm" if isinstance(la, BatchNormalization) else f"p={getattr(la, 'rate', '')}"
            if isinstance(la, Dense):
                shape, what = str(la.W.shape), la.activation.name
            rows.append(f"{name:<8}{shape:<14}{what:<12}{la.n_params:>8}")
        return "\n".join([*rows, f"{'total':<34}{self.n_params:>8}"])

    def __repr__(self) -> str:
        return f"NeuralNetwork.from_layers({self.layers!r})"

    # -- the passes ---------------------------------------------------------------------------
    def check_data(self, X, y, loss_fn: Loss) -> CheckedBatch:
        """``X`` checked and cast to the network's dtype, ``y`` encoded by ``loss_fn.targets``."""
        X = as_matrix(X, "X", n_columns=self.layers[0].input_dim, dtype=self.dtype)
        return CheckedBatch(X, loss_fn.targets(y, X.shape[0], self.layers[-1].output_dim, self.dtype))

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """The output, shape (N, n_outputs), for inputs ``X`` of shape (N, n_inputs); ``training``: batch
        statistics and dropout masks instead of inference."""
        X = as_matrix(X, "X", n_columns=self.layers[0].input_dim, dtype=self.dtype)
        self.output = self._forward(X, check_bool(training, "training"), to_logits=False)
        self._check_output()
        return self.output

    def _forward(self, X, training: bool, to_logits: bool) -> np.ndarray:
        if training is not self._training:
            self.training = training
        *hidden, last = self.layers
        for layer in hidden:
            X = layer.forward(X)
        return last.forward_to_z(X) if to_logits else last.forward(X)

    def _check_output(self) -> None:
        if not math.isfinite(np.add.reduce(self.output, axis=None)) and not np.isfinite(self.output).all():
            raise FloatingPointError("the network's output is not finite although X is: its weights have diverged")

    def backward(self, grad_output: np.ndarray, *, from_logits: bool = False) -> np.ndarray:
        """Backward pass from dL/d(output) (``from_logits``: from dL/dZ of the output layer, the fused
        gradient, so the output activation is skipped); fills every layer's ``grads``, returns dL/dX."""
        *hidden, last = self.layers
        grad = last.backward_from_z(grad_output) if from_logits else last.backward(grad_output)
        for layer in reversed(hidden):
            grad = layer.backward(grad)
        return grad

    def uses_fused_output(self, loss_fn: Loss) -> bool:
        """Whether ``loss_fn`` is computed from this network's logits with the fused gradient; the loss decides."""
        last = self.layers[-1]
        return loss_fn.fuses_with(last.activation, last.output_dim)

    def batch_loss(self, batch: CheckedBatch, loss_fn: Loss, *, training: bool = False) -> float:
        """The loss (plus the weight penalties) of a :class:`CheckedBatch`; the output in ``self.output``."""
        if not isinstance(batch, CheckedBatch):
            raise TypeError(f"batch must be a CheckedBatch from check_data, got {type(batch).__name__}")
        self.from_logits = self.uses_fused_output(loss_fn)  # decided once per pass, by the loss
        out = self._forward(batch.X, training, to_logits=self.from_logits)
        if self.from_logits:
            loss = loss_fn.value_from_logits(out, batch.Y)
            self.output = loss_fn.probs
        else:
            self.output = out
            self._check_output()  # before the loss, whose own checks would blame y_pred
            loss = loss_fn.value(out, batch.Y)
        for layer in self.layers:
            if layer.kernel_regularizer is not None:
                loss += layer.regularization_loss()
        return loss

    def batch_gradients(self, batch: CheckedBatch, loss_fn: Loss, *, training: bool = True) -> float:
        """:meth:`batch_loss`, then the backward pass from the loss's gradient; returns the loss."""
        loss = self.batch_loss(batch, loss_fn, training=training)
        grad = loss_fn.backward_from_logits() if self.from_logits else loss_fn.backward()
        self.backward(grad, from_logits=self.from_logits)
        return loss

    def batch_step(self, batch: CheckedBatch, loss_fn: Loss, optimizer=None) -> float:
        """:meth:`batch_gradients`, then one step of ``optimizer`` (default ``self.optimizer``)."""
        loss = self.batch_gradients(batch, loss_fn)
        (self.optimizer if optimizer is None else optimizer).step(self.parameters(), self.gradients())
        return loss

    def compute_loss(self, X, y, loss_fn: Loss, *, training: bool = False) -> float:
        """The loss of inputs ``X`` (N, n_inputs) for targets ``y``, at inference unless ``training``."""
        loss = self.batch_loss(self.check_data(X, y, loss_fn), loss_fn, training=check_bool(training, "training"))
        if not math.isfinite(loss):
            self._check_output()  # diverged weights: say so
        return loss

    def compute_gradients(self, X, y, loss_fn: Loss, *, training: bool = True) -> float:
        """Forward, loss and backward on ``X`` (N, n_inputs) and ``y``: fills every ``grads``, returns the loss."""
        return self.batch_gradients(self.check_data(X, y, loss_fn), loss_fn, training=check_bool(training, "training"))

    def train_step(self, X, y, loss_fn: Loss, optimizer=None) -> float:
        """One step: forward, loss, backward, update (``optimizer``, default ``self.optimizer``); the loss before it."""
        return self.batch_step(self.check_data(X, y, loss_fn), loss_fn, optimizer)

    def update(self, learning_rate: float | None = None) -> None:
        """One plain gradient-descent step, ``SGD(learning_rate)`` (default: ``self.optimizer``)."""
        (self.optimizer if learning_rate is None else SGD(learning_rate)).step(self.parameters(), self.gradients())

    # -- prediction ---------------------------------------------------------------------------
    def predict(self, X: np.ndarray) -> np.ndarray:
        """The output for ``X`` at inference, shape (N, n_outputs) (probabilities after softmax/sigmoid)."""
        return self.forward(X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (N, K); for one sigmoid unit, (N, 2) as [1 - p, p]."""
        if not isinstance(self.layers[-1].activation, (Softmax, Sigmoid)):
            name = self.layers[-1].activation.name
            raise ValueError(f"predict_proba needs a softmax or sigmoid output layer, this network ends in {name}")
        p = self.forward(X)
        return np.hstack([1 - p, p]) if p.shape[1] == 1 else p

    def predict_classes(self, X: np.ndarray) -> np.ndarray:
        """Predicted class labels, shape (N,): arg-max, or p >= 0.5 for one sigmoid unit."""
        return self.classes_from_output(self.forward(X))

    def classes_from_output(self, out: np.ndarray) -> np.ndarray:
        """Class labels (N,) from an output (N, n_outputs): arg-max; one unit: p >= 0.5 (sigmoid), z >= 0."""
        if out.shape[1] == 1:
            threshold = 0.5 if isinstance(self.layers[-1].activation, Sigmoid) else 0.0
            return (out[:, 0] >= threshold).astype(np.int64)
        return np.argmax(out, axis=1)

    def accuracy(self, X: np.ndarray, y) -> float:
        """Fraction of samples of ``X`` whose predicted class is ``y`` (labels (N,) or one-hot rows)."""
        pred = self.predict_classes(X)
        labels = class_labels(y, "y", n_classes=max(2, self.layer_sizes[-1]))
        if labels.shape[0] != pred.shape[0]:
            raise ValueError(f"y has {labels.shape[0]} labels for {pred.shape[0]} samples")
        return float(np.mean(pred == labels))
