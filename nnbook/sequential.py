"""A flat list of layers, run in order, and its state (Keras' ``Sequential``).

:class:`Sequential` holds the layers in forward order, runs the forward and the backward pass
through them and names their parameters as the mathematics numbers the layers (``layer1.W``,
``bn1.gamma``, ...); its state is got, set, saved and loaded by :class:`~nnbook.saving.Saveable`.
:class:`~nnbook.network.NeuralNetwork` adds the loss, the gradients and the training step.
"""

from __future__ import annotations

import math

import numpy as np

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
from .dropout import Dropout
from .layers import Dense, Layer
from .normalization import BatchNormalization
from .saving import Saveable

__all__ = ["Sequential", "sequential_layers"]

#: The prefix of each kind of layer in the parameter names and the summary: layer1, bn1, drop1.
_PREFIXES = ((Dense, "layer"), (BatchNormalization, "bn"), (Dropout, "drop"))


def sequential_layers(
    layer_sizes, activations=None, *, rng=None, dtype=np.float64, init=None, kernel_regularizer=None,
    dropout=None, batch_normalization=False,
) -> list[Layer]:  # fmt: skip
    """The layers of ``NeuralNetwork(layer_sizes, activations, ...)``, in forward order.

    One :class:`~nnbook.layers.Dense` layer per pair of sizes, and after each hidden one a
    :class:`~nnbook.normalization.BatchNormalization` (``batch_normalization=True``), then a
    :class:`~nnbook.dropout.Dropout` (``dropout=rate``): the Keras model ``Dense(units,
    activation)``, ``BatchNormalization()``, ``Dropout(rate)``.

    Parameters
    ----------
    layer_sizes, activations
        As for :class:`~nnbook.network.NeuralNetwork`.
    rng : numpy.random.Generator, int or None
        Source of the initial weights. None uses seed 0, so repeated calls draw the
        same numbers; pass a Generator to vary them.
    dtype : numpy dtype
        ``np.float64`` (default; gradient checks need it) or ``np.float32``.
    init : {"he", "glorot"} or None
        Weight initialisation; ``None``: He for ReLU layers, Glorot otherwise.
    kernel_regularizer : Regularizer or None
        A penalty such as :class:`~nnbook.regularizers.L2` on every ``W``, added to the loss.
    dropout : float in [0, 1) or None
        A :class:`~nnbook.dropout.Dropout` of this rate after every hidden layer.
    batch_normalization : bool
        A :class:`~nnbook.normalization.BatchNormalization` after every hidden layer.

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


class Sequential(Saveable):
    """Layers applied one after the other, with 1-based names for their parameters and state.

    Parameters
    ----------
    layers : list of Layer
        In forward order; the first and the last are :class:`~nnbook.layers.Dense`.

    Attributes
    ----------
    layers : list of Layer
        The layers. A layer may be replaced in place (``net.layers[i] = other``) by one with
        parameters of the same names and shapes.
    training : bool
        The mode of the last pass, set on every layer.

    Examples
    --------
    >>> from nnbook import Dense, Dropout
    >>> seq = Sequential([Dense(2, 4, "relu"), Dropout(0.5, rng=1), Dense(4, 1)])
    >>> [name for name, _ in seq.parameters()], seq.n_params          # (2*4 + 4) + (4 + 1)
    (['layer1.W', 'layer1.b', 'layer2.W', 'layer2.b'], 17)
    """

    def __init__(self, layers: list[Layer]) -> None:
        self.layers = check_layers(layers)
        self._training, self.output = False, None
        counts, self.names = {}, []  # numbered from 1, as in the mathematics
        for layer in self.layers:
            kind = next((k for cls, k in _PREFIXES if isinstance(layer, cls)), type(layer).__name__.lower())
            counts[kind] = counts.get(kind, 0) + 1
            self.names.append(f"{kind}{counts[kind]}")
        # (name, index, key) of every parameter: a layer replaced in self.layers is found by its index
        self._slots = [(f"{n}.{k}", i, k) for i, (n, la) in enumerate(zip(self.names, self.layers)) for k in la.params]

    @property
    def dense_layers(self) -> list[Dense]:
        """The :class:`~nnbook.layers.Dense` layers, in order."""
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def batch_norms(self) -> list[BatchNormalization]:
        """The :class:`~nnbook.normalization.BatchNormalization` layers, in order."""
        return [layer for layer in self.layers if isinstance(layer, BatchNormalization)]

    @property
    def dropouts(self) -> list[Dropout]:
        """The :class:`~nnbook.dropout.Dropout` layers, in order."""
        return [layer for layer in self.layers if isinstance(layer, Dropout)]

    @property
    def layer_sizes(self) -> list[int]:
        """``[n_inputs, n_units of each Dense layer]``."""
        return [self.layers[0].input_dim] + [layer.output_dim for layer in self.dense_layers]

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the parameters and of every pass."""
        return self.layers[0].dtype

    @property
    def n_params(self) -> int:
        """Number of trainable numbers."""
        return sum(layer.n_params for layer in self.layers)

    @property
    def training(self) -> bool:
        """The mode of the last pass; setting it sets every layer's flag."""
        return self._training

    @training.setter
    def training(self, value: bool) -> None:
        self._training = check_bool(value, "training")
        for layer in self.layers:
            layer.training = self._training

    def parameters(self) -> list[tuple[str, np.ndarray]]:
        """Every parameter with its name, ``("layer1.W", W)`` first.

        Returns
        -------
        list of (str, ndarray)
            The live arrays: changing them in place changes the network.
        """
        layers = self.layers
        return [(name, layers[i].params[key]) for name, i, key in self._slots]

    def gradients(self) -> list[tuple[str, np.ndarray]]:
        """Every gradient of the last backward pass with its name, aligned with :meth:`parameters`.

        Returns
        -------
        list of (str, ndarray)
            dL/d(parameter), of the parameter's shape.
        """
        layers = self.layers
        try:
            return [(name, layers[i].grads[key]) for name, i, key in self._slots]
        except KeyError:
            raise RuntimeError("no gradients yet: call compute_gradients (or backward) first") from None

    def summary(self) -> str:
        """A table with one row per layer, named as the parameters are, and the total.

        Returns
        -------
        str
            Rows ``layer1``, ``bn1``, ``drop1``, ...: the shape of ``W``, the activation (or
            what the layer does) and the number of parameters.

        Examples
        --------
        >>> from nnbook import Dense
        >>> print(Sequential([Dense(2, 3, "relu"), Dense(3, 1, "sigmoid")]).summary())
        layer   shape of W    activation    params
        layer1  (3, 2)        relu               9
        layer2  (1, 3)        sigmoid            4
        total                                   13
        """
        rows = [f"{'layer':<8}{'shape of W':<14}{'activation':<12}{'params':>8}"]
        for name, layer in zip(self.names, self.layers):
            shape, what = (
                "",
                "batchnorm" if isinstance(layer, BatchNormalization) else f"p={getattr(layer, 'rate', '')}",
            )
            if isinstance(layer, Dense):
                shape, what = str(layer.W.shape), layer.activation.name
            rows.append(f"{name:<8}{shape:<14}{what:<12}{layer.n_params:>8}")
        return "\n".join([*rows, f"{'total':<34}{self.n_params:>8}"])

    def __repr__(self) -> str:
        return f"{type(self).__name__}.from_layers({self.layers!r})"

    @classmethod
    def from_layers(cls, layers: list[Layer]) -> Sequential:
        """A network of the given layers, run in this order.

        Parameters
        ----------
        layers : list of Layer
            As for the class.

        Returns
        -------
        Sequential
            The network.
        """
        return cls(layers)

    # -- the passes ---------------------------------------------------------------------------
    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Forward pass: every layer in order.

        Parameters
        ----------
        X : ndarray, shape (N, n_inputs)
            The inputs.
        training : bool
            ``False``: inference (moving statistics, no dropout); ``True``: batch statistics
            (moving averages updated) and random dropout masks.

        Returns
        -------
        ndarray, shape (N, n_outputs)
            The output.
        """
        X = as_matrix(X, "X", n_columns=self.layers[0].input_dim, dtype=self.dtype)
        self.output = self._forward(X, check_bool(training, "training"), to_logits=False)
        self._check_output()
        return self.output

    def _forward(self, X: np.ndarray, training: bool, to_logits: bool) -> np.ndarray:
        if training is not self._training:
            self.training = training
        *hidden, last = self.layers
        for layer in hidden:
            X = layer.forward(X)
        return last.forward_to_z(X) if to_logits else last.forward(X)

    def _check_output(self) -> None:
        if not math.isfinite(np.add.reduce(self.output, axis=None)) and not np.isfinite(self.output).all():
            raise FloatingPointError("the network's output is not finite although X is: its weights have diverged")

    def backward(self, grad_output: np.ndarray, *, from_logits: bool = False, input_grad: bool = True):
        """Backward pass through every layer in reverse order; fills every layer's ``grads``.

        Parameters
        ----------
        grad_output : ndarray, shape (N, n_outputs)
            dL/d(output) of the last forward pass; with ``from_logits``, dL/dZ of the output
            layer (the fused gradient), and the output activation is skipped.
        from_logits : bool
            Whether ``grad_output`` is dL/dZ.
        input_grad : bool
            Whether to compute dL/dX; a training step does not, since nothing learns from it.

        Returns
        -------
        ndarray, shape (N, n_inputs), or None
            dL/dX (None without ``input_grad``).
        """
        first = self.layers[0]
        first.needs_input_grad = input_grad  # the input is data: dL/dX would cost a matrix product for nothing
        try:
            *hidden, last = self.layers
            grad = last.backward_from_z(grad_output) if from_logits else last.backward(grad_output)
            for layer in reversed(hidden):
                grad = layer.backward(grad)
        finally:
            first.needs_input_grad = True  # restored even if a layer raises
        return grad

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The output at inference (probabilities after a softmax or sigmoid output).

        Parameters
        ----------
        X : ndarray, shape (N, n_inputs)
            The inputs.

        Returns
        -------
        ndarray, shape (N, n_outputs)
            The output.
        """
        return self.forward(X)
