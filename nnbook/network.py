r"""The feedforward network: a stack of :class:`~nnbook.layers.Dense` layers.

:meth:`NeuralNetwork.compute_gradients` is the single entry point that runs the
forward pass, the loss and the backward pass; training
(:meth:`NeuralNetwork.train_step`) and gradient checking
(:func:`nnbook.gradcheck.check_gradients`) both go through it, so the gradient
check tests exactly the path that training takes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ._checks import (
    as_matrix,
    as_rng,
    check_activations,
    check_dtype,
    check_fraction,
    check_layer_sizes,
    check_positive_float,
)
from .activations import Sigmoid, Softmax
from .dropout import Dropout
from .layers import Dense, _check_regularizer, gradient_descent
from .losses import Loss
from .normalization import BatchNormalization
from .targets import class_labels

__all__ = ["NeuralNetwork"]


class NeuralNetwork:
    r"""A feedforward network of dense layers.

    Layer :math:`l` computes :math:`Z^{(l)} = A^{(l-1)} W^{(l)\top} + b^{(l)}`,
    :math:`A^{(l)} = \sigma^{(l)}(Z^{(l)})`, with :math:`A^{(0)} = X`.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_inputs, n_hidden_1, ..., n_outputs]``, at least two entries.
    activations : sequence of (str or Activation or None), optional
        One per layer (``len(layer_sizes) - 1`` entries). By default ReLU for
        the hidden layers and linear for the output layer.
    learning_rate : float
        Step of plain gradient descent in :meth:`update` / :meth:`train_step`
        when no optimizer is given.
    rng : numpy.random.Generator, int or None
        Source of the initial weights (``None``: seeded with 0).
    dtype : numpy dtype
        ``np.float64`` (default; gradient checks need it) or ``np.float32``
        (faster for large layers). Inputs are cast to it.
    init : {"he", "glorot"} or None
        Weight initialisation for every layer; ``None`` chooses per layer
        (He for ReLU, Glorot otherwise).
    kernel_regularizer : Regularizer or None
        A weight penalty such as :class:`~nnbook.regularizers.L2` on every ``W`` (not on
        the biases), Keras' ``Dense(..., kernel_regularizer=...)`` on each layer: the
        penalties are added to the loss (:meth:`compute_loss`, :meth:`compute_gradients`)
        and their gradients to ``grads["W"]``.
    dropout : float in [0, 1) or None
        Adds a :class:`~nnbook.dropout.Dropout` of this rate after every hidden layer
        (not after the output layer), each with its own generator spawned from ``rng``.
    batch_normalization : bool
        Adds a :class:`~nnbook.normalization.BatchNormalization` (Keras' defaults) after
        every hidden layer, after its activation and before the dropout: a hidden block is
        Dense(activation) -> BatchNormalization -> Dropout, as the Keras model
        ``Dense(units, activation)``, ``BatchNormalization()``, ``Dropout(rate)``.

    Attributes
    ----------
    layers : list of Dense
        The dense layers, ``layers[l]`` computing :math:`A^{(l+1)}` from :math:`A^{(l)}`.
    batch_norms, dropouts : list of BatchNormalization, list of Dropout
        The layers that follow the hidden dense layers (``batch_norms[l]`` after
        ``layers[l]``); empty lists when the option is off.
    training : bool
        The mode of the last pass: ``True`` in :meth:`compute_gradients` and
        :meth:`train_step` (batch statistics, moving averages updated, random masks),
        ``False`` in :meth:`forward`, :meth:`predict` and :meth:`compute_loss` (inference)
        unless they are called with ``training=True``. Without batch normalisation and
        dropout the two modes compute the same function.

    Examples
    --------
    >>> import numpy as np
    >>> net = NeuralNetwork([2, 3, 2], activations=["relu", "softmax"], rng=0)
    >>> net.predict(np.zeros((4, 2))).shape
    (4, 2)
    >>> [name for name, _ in net.parameters()]
    ['layer0.W', 'layer0.b', 'layer1.W', 'layer1.b']
    >>> net.n_params                           # (2*3 + 3) + (3*2 + 2)
    17
    >>> from nnbook import L2
    >>> reg = NeuralNetwork([2, 3, 2], ["relu", "softmax"], rng=0, kernel_regularizer=L2(0.01),
    ...                     dropout=0.5, batch_normalization=True)
    >>> [name for name, _ in reg.parameters()]
    ['layer0.W', 'layer0.b', 'bn0.gamma', 'bn0.beta', 'layer1.W', 'layer1.b']
    >>> reg.dropouts, reg.n_params                 # 17 + gamma and beta of 3 units
    ([Dropout(rate=0.5)], 23)
    """

    def __init__(
        self,
        layer_sizes: list[int],
        activations: list | None = None,
        learning_rate: float = 0.01,
        *,
        rng: np.random.Generator | int | None = None,
        dtype=np.float64,
        init: str | None = None,
        kernel_regularizer=None,
        dropout: float | None = None,
        batch_normalization: bool = False,
    ) -> None:
        sizes = check_layer_sizes(layer_sizes)
        acts = check_activations(activations, sizes)
        self.layer_sizes = sizes
        self.learning_rate = check_positive_float(learning_rate, "learning_rate")
        self.dtype = check_dtype(dtype)
        self.kernel_regularizer = _check_regularizer(kernel_regularizer)
        self.dropout = None if dropout is None else check_fraction(dropout, "dropout")
        if not isinstance(batch_normalization, (bool, np.bool_)):
            raise TypeError(f"batch_normalization must be True or False, got {batch_normalization!r}")
        self.batch_normalization = bool(batch_normalization)
        rng = as_rng(rng)
        self.layers = [
            Dense(
                sizes[i],
                sizes[i + 1],
                acts[i],
                init=init,
                rng=rng,
                dtype=self.dtype,
                kernel_regularizer=kernel_regularizer,
            )
            for i in range(len(sizes) - 1)
        ]
        hidden = sizes[1:-1]
        self.batch_norms = [BatchNormalization(n, dtype=self.dtype) for n in hidden] if self.batch_normalization else []
        # spawned after the weights are drawn: the weights do not depend on the dropout option
        self.dropouts = (
            [] if self.dropout is None else [Dropout(self.dropout, rng=child) for child in rng.spawn(len(hidden))]
        )
        # the layers after each dense layer (none after the output layer), in forward order
        self._after = [
            [*self.batch_norms[i : i + 1], *self.dropouts[i : i + 1]] if i < len(hidden) else []
            for i in range(len(self.layers))
        ]
        self._extras = [*self.batch_norms, *self.dropouts]
        self._training = False
        self.output = None  # the output of the last forward pass
        self._check_inputs = True  # False only inside trusted_inputs()

    @property
    def training(self) -> bool:
        """The mode of the last pass (see the class docstring); setting it sets every layer's flag."""
        return self._training

    @training.setter
    def training(self, value: bool) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"training must be True or False, got {value!r}")
        self._training = bool(value)
        for layer in self._extras:
            layer.training = self._training

    def _set_mode(self, training: bool) -> None:
        if training is not self._training:
            self.training = training

    def _parametrized_layers(self) -> list[tuple[str, object]]:
        """``(prefix, layer)`` for every layer with parameters, in forward order."""
        if not self.batch_norms:
            return [(f"layer{i}", layer) for i, layer in enumerate(self.layers)]
        out = []
        for i, layer in enumerate(self.layers):
            out.append((f"layer{i}", layer))
            if i < len(self.batch_norms):
                out.append((f"bn{i}", self.batch_norms[i]))
        return out

    def _state_arrays(self) -> list[np.ndarray]:
        """Every parameter, then the moving statistics of batch normalisation (what a checkpoint saves)."""
        arrays = [p for _, p in self.parameters()]
        for bn in self.batch_norms:
            arrays += [bn.moving_mean, bn.moving_variance]
        return arrays

    # -- inspection -------------------------------------------------------------
    @property
    def n_params(self) -> int:
        """Total number of trainable numbers."""
        return sum(layer.n_params for _, layer in self._parametrized_layers())

    def parameters(self) -> list[tuple[str, np.ndarray]]:
        """``(name, array)`` for every parameter, e.g. ``("layer0.W", W)``.

        The arrays are the live parameters: changing them in place changes the network.

        Returns
        -------
        list of (str, ndarray)
            The parameters, in layer order.
        """
        return [(f"{prefix}.{k}", p) for prefix, layer in self._parametrized_layers() for k, p in layer.params.items()]

    def gradients(self) -> list[tuple[str, np.ndarray]]:
        """``(name, array)`` for every gradient, aligned with :meth:`parameters`.

        Returns
        -------
        list of (str, ndarray)
            The gradients of the last backward pass.
        """
        out = []
        for prefix, layer in self._parametrized_layers():
            for k in layer.params:
                if k not in layer.grads:
                    raise RuntimeError("no gradients yet: call compute_gradients (or backward) first")
                out.append((f"{prefix}.{k}", layer.grads[k]))
        return out

    def summary(self) -> str:
        """A table of the layers, their shapes and parameter counts.

        Returns
        -------
        str
            One row per layer and a total.
        """
        rows = [f"{'layer':<8}{'shape of W':<14}{'activation':<12}{'params':>8}"]
        for i, layer in enumerate(self.layers):
            rows.append(f"{'layer' + str(i):<8}{str(layer.W.shape):<14}{layer.activation.name:<12}{layer.n_params:>8}")
            for extra in self._after[i]:
                if isinstance(extra, BatchNormalization):
                    rows.append(f"{'bn' + str(i):<8}{'':<14}{'batchnorm':<12}{extra.n_params:>8}")
                else:
                    rows.append(f"{'drop' + str(i):<8}{'':<14}{'p=' + str(extra.rate):<12}{0:>8}")
        rows.append(f"{'total':<34}{self.n_params:>8}")
        return "\n".join(rows)

    def __repr__(self) -> str:
        acts = [layer.activation.name for layer in self.layers]
        options = ""
        if self.kernel_regularizer is not None:
            options += f", kernel_regularizer={self.kernel_regularizer!r}"
        if self.dropout is not None:
            options += f", dropout={self.dropout}"
        if self.batch_normalization:
            options += ", batch_normalization=True"
        return f"NeuralNetwork({self.layer_sizes}, activations={acts}{options})"

    # -- forward and backward ---------------------------------------------------
    def check_data(self, X: np.ndarray, y: np.ndarray, loss_fn: Loss) -> tuple[np.ndarray, np.ndarray]:
        """Validate ``X`` and encode ``y`` for ``loss_fn`` once, as every checked method does.

        Parameters
        ----------
        X : array_like, shape (N, n_inputs)
            Finite inputs; cast to the network's dtype.
        y : array_like
            Targets, one row per sample.
        loss_fn : Loss
            Encodes ``y`` with its ``targets`` (one-hot rows for cross-entropy).

        Returns
        -------
        X, Y : ndarray
            What the methods accept inside :meth:`trusted_inputs`.
        """
        X = as_matrix(X, "X", n_columns=self.layer_sizes[0], dtype=self.dtype)
        encode = getattr(loss_fn, "targets", None)
        Y = y if encode is None else encode(y, X.shape[0], self.layer_sizes[-1], self.dtype)
        return X, Y

    @contextmanager
    def trusted_inputs(self) -> Iterator[None]:
        """A context in which the methods trust their arguments and skip the checks.

        Inside it, ``X`` and ``y`` passed to :meth:`forward`, :meth:`compute_loss`,
        :meth:`compute_gradients` and :meth:`train_step` must be what :meth:`check_data`
        returns. :func:`~nnbook.training.train_network` validates its data once and
        trains inside this context (scikit-learn's ``assume_finite`` idea).

        Yields
        ------
        None
            Nothing; the checks are back on when the context ends.
        """
        previous, self._check_inputs = self._check_inputs, False
        try:
            yield
        finally:
            self._check_inputs = previous

    def _check_output(self) -> None:
        if not np.all(np.isfinite(self.output)):
            raise FloatingPointError(
                "the network's output contains NaN or infinite values although X is finite: "
                "its weights have diverged (or overflowed)"
            )

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Forward pass; returns the output layer's activations, shape (batch_size, n_outputs).

        Parameters
        ----------
        X : ndarray, shape (batch_size, n_inputs)
            The inputs (checked, except inside :meth:`trusted_inputs`).
        training : bool
            ``False`` (default): inference (moving statistics, no dropout). ``True``:
            batch statistics (and moving averages updated), random dropout masks.

        Returns
        -------
        ndarray, shape (batch_size, n_outputs)
            The output.

        Raises
        ------
        ValueError
            For a wrong shape or NaN/inf in ``X``.
        FloatingPointError
            When the output is not finite (diverged weights).
        """
        check = self._check_inputs
        self._set_mode(training)
        out = as_matrix(X, "X", n_columns=self.layer_sizes[0], dtype=self.dtype) if check else X
        out = self._forward_hidden(out, self.layers)
        self.output = out
        if check:
            self._check_output()
        return out

    def _forward_hidden(self, out: np.ndarray, layers: list) -> np.ndarray:
        """Run ``layers`` (the first of :attr:`layers`) on ``out``, each followed by its extra layers."""
        if self._extras:
            for layer, after in zip(layers, self._after):
                out = _forward_unchecked(layer, out)
                for extra in after:
                    out = extra.forward(out)
        else:
            for layer in layers:
                out = _forward_unchecked(layer, out)
        return out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Backward pass from dL/d(output); fills every layer's ``grads``.

        Parameters
        ----------
        grad_output : ndarray, shape (batch_size, n_outputs)
            dL/d(output) of the last forward pass.

        Returns
        -------
        ndarray, shape (batch_size, n_inputs)
            dL/dX.
        """
        grad = grad_output
        for i in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[i].backward(grad)
            if i > 0:
                for extra in reversed(self._after[i - 1]):
                    grad = extra.backward(grad)
        return grad

    def _backward_without_input_grad(self, grad: np.ndarray, *, from_z: bool) -> None:
        """Backward pass from dL/d(output), or from dL/dZ of the output layer (``from_z``).

        Like :meth:`backward`, but the first layer skips dL/dX when it can.
        """
        layers = self.layers
        last = len(layers) - 1
        for i in range(last, -1, -1):
            layer = layers[i]
            backward = layer.backward_from_z if i == last and from_z else layer.backward
            if i == 0 and _can_skip_input_grad(layer):
                backward(grad, input_grad=False)
            else:
                grad = backward(grad)
                if i > 0:
                    for extra in reversed(self._after[i - 1]):
                        grad = extra.backward(grad)

    def uses_fused_output(self, loss_fn: Loss) -> bool:
        """Whether ``loss_fn`` is computed from logits with the fused gradient.

        The loss decides (:meth:`~nnbook.losses.Loss.fuses_with`): for
        :class:`~nnbook.losses.CrossEntropyLoss`, a softmax output (K >= 2 units) or a
        sigmoid output (1 unit).

        Parameters
        ----------
        loss_fn : Loss
            The loss.

        Returns
        -------
        bool
            True for the fused path.
        """
        fuses_with = getattr(loss_fn, "fuses_with", None)
        last = self.layers[-1]
        return fuses_with is not None and fuses_with(last.activation, last.output_dim)

    def compute_loss(self, X: np.ndarray, y: np.ndarray, loss_fn: Loss, *, training: bool = False) -> float:
        """Forward pass and loss, without gradients (same path as :meth:`compute_gradients`).

        Parameters
        ----------
        X : ndarray, shape (N, n_inputs)
            The inputs.
        y : array_like
            The targets.
        loss_fn : Loss
            The loss.
        training : bool
            The mode of the forward pass (see :meth:`forward`); ``False``: inference.

        Returns
        -------
        float
            The loss, plus the penalties of the kernel regularizers. The output
            (probabilities, when fused) is in ``self.output``.
        """
        check = self._check_inputs
        if check:
            X, y = self.check_data(X, y, loss_fn)
        else:  # trusted inputs skip the checks of X, never the encoding of the targets
            encode = getattr(loss_fn, "targets", None)
            y = y if encode is None else encode(y, X.shape[0], self.layer_sizes[-1], self.dtype)
        self._set_mode(training)
        if self.uses_fused_output(loss_fn):
            out = self._forward_hidden(X, self.layers[:-1])
            last = self.layers[-1]
            logits = last.forward(out, check_input=False, activate=False)
            loss = loss_fn.forward_from_logits(logits, y, check_input=False)
            # the probabilities, computed once, by the loss: cached as if the activation had run
            self.output = last.a = last.activation.a = loss_fn.probs
            if check and not math.isfinite(loss):  # non-finite logits give a non-finite loss
                self._check_output()
        else:
            with self.trusted_inputs():
                # the mode only matters with extra layers; a subclass's forward(X) keeps working
                out = self.forward(X, training) if self._extras else self.forward(X)
            self._check_output()  # before the loss, whose own checks would blame y_pred
            loss = loss_fn.forward(out, y)
        for layer in self.layers:
            if getattr(layer, "kernel_regularizer", None) is not None:
                loss += layer.regularization_loss()
        return loss

    def compute_gradients(self, X: np.ndarray, y: np.ndarray, loss_fn: Loss, *, training: bool = True) -> float:
        r"""Run forward, loss and backward; fill every layer's ``grads``; return the loss.

        Nothing is updated. With a softmax (or single sigmoid) output and
        :class:`~nnbook.losses.CrossEntropyLoss`, the loss is computed from the
        logits and the backward pass starts from the fused
        :math:`\delta = (P - Y)/N` (:meth:`~nnbook.losses.CrossEntropyLoss.backward_from_logits`);
        otherwise it starts from ``loss_fn.backward()`` through every activation.
        No :math:`\partial L/\partial X` is computed: nothing learns from it.
        A kernel regularizer adds its penalty to the loss and its gradient to ``grads["W"]``.

        Parameters
        ----------
        X : ndarray, shape (N, n_inputs)
            The inputs.
        y : array_like
            The targets.
        loss_fn : Loss
            The loss.
        training : bool
            ``True`` (default): the training mode (batch statistics, dropout masks; see
            :meth:`~.NeuralNetwork.forward`); ``False``: the gradient of the inference-mode loss.

        Returns
        -------
        float
            The loss.
        """
        if self._extras:
            loss = self.compute_loss(X, y, loss_fn, training=training)
        else:  # the mode changes nothing; a subclass's compute_loss(X, y, loss_fn) keeps working
            loss = self.compute_loss(X, y, loss_fn)
            self._training = training
        if self.uses_fused_output(loss_fn):
            self._backward_without_input_grad(loss_fn.backward_from_logits(), from_z=True)
        else:
            self._backward_without_input_grad(loss_fn.backward(), from_z=False)
        return loss

    def update(self, learning_rate: float | None = None) -> None:
        """Plain gradient descent on every parameter (:func:`~nnbook.layers.gradient_descent`).

        Parameters
        ----------
        learning_rate : float, optional
            Overrides ``self.learning_rate`` for this step.
        """
        lr = self.learning_rate if learning_rate is None else check_positive_float(learning_rate, "learning_rate")
        for layer in (*self.layers, *self.batch_norms) if self.batch_norms else self.layers:
            for key, param in layer.params.items():
                if key not in layer.grads:
                    raise RuntimeError("no gradients yet: call compute_gradients (or backward) first")
                gradient_descent(param, layer.grads[key], lr)

    def train_step(self, X: np.ndarray, y: np.ndarray, loss_fn: Loss, optimizer=None) -> float:
        """One step: :meth:`compute_gradients`, then an update; returns the loss before the step.

        The forward pass runs in training mode (``training`` is ``True`` afterwards).
        With ``optimizer=None`` the update is plain gradient descent with
        ``self.learning_rate``; otherwise ``optimizer.step(self.parameters(), self.gradients())``.

        Parameters
        ----------
        X : ndarray, shape (N, n_inputs)
            A batch of inputs.
        y : array_like
            Its targets.
        loss_fn : Loss
            The loss.
        optimizer : Optimizer, optional
            The update rule.

        Returns
        -------
        float
            The loss before the step.
        """
        loss = self.compute_gradients(X, y, loss_fn)
        if optimizer is None:
            self.update()
        else:
            optimizer.step(self.parameters(), self.gradients())
        return loss

    # -- prediction -------------------------------------------------------------
    def predict(self, X: np.ndarray) -> np.ndarray:
        """The network's output for ``X`` (probabilities for a softmax/sigmoid output).

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

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (N, K); for one sigmoid unit, (N, 2) as [1 - p, p].

        Parameters
        ----------
        X : ndarray, shape (N, n_inputs)
            The inputs.

        Returns
        -------
        ndarray, shape (N, K)
            Rows summing to 1.
        """
        last = self.layers[-1].activation
        if not isinstance(last, (Softmax, Sigmoid)):
            raise ValueError(f"predict_proba needs a softmax or sigmoid output layer, this network ends in {last.name}")
        p = self.forward(X)
        if p.shape[1] == 1:
            return np.hstack([1 - p, p])
        return p

    def predict_classes(self, X: np.ndarray) -> np.ndarray:
        """Predicted class labels, shape (N,): arg-max, or p >= 0.5 for one sigmoid unit.

        Parameters
        ----------
        X : ndarray, shape (N, n_inputs)
            The inputs.

        Returns
        -------
        ndarray of int, shape (N,)
            The labels.
        """
        return self.classes_from_output(self.forward(X))

    def classes_from_output(self, out: np.ndarray) -> np.ndarray:
        """Class labels, shape (N,), from this network's output ``out`` of shape (N, n_outputs).

        Arg-max over the outputs; for a single output, ``p >= 0.5`` after a sigmoid and
        ``z >= 0`` otherwise.

        Parameters
        ----------
        out : ndarray, shape (N, n_outputs)
            An output of this network.

        Returns
        -------
        ndarray of int, shape (N,)
            The labels.
        """
        if out.shape[1] == 1:
            last = self.layers[-1].activation
            threshold = 0.5 if isinstance(last, Sigmoid) else 0.0
            return (out[:, 0] >= threshold).astype(np.int64)
        return np.argmax(out, axis=1)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """Fraction of samples whose predicted class equals ``y`` (labels or one-hot).

        Parameters
        ----------
        X : ndarray, shape (N, n_inputs)
            The inputs.
        y : array_like
            Labels (N,) or one-hot rows (N, K).

        Returns
        -------
        float
            In [0, 1].
        """
        pred = self.predict_classes(X)
        labels = class_labels(y, "y", n_classes=max(2, self.layer_sizes[-1]))
        if labels.shape[0] != pred.shape[0]:
            raise ValueError(f"y has {labels.shape[0]} labels for {pred.shape[0]} samples")
        return float(np.mean(pred == labels))


def _forward_unchecked(layer, a_prev: np.ndarray) -> np.ndarray:
    """``layer.forward`` without the input checks the network has made already (Dense layers)."""
    return layer.forward(a_prev, check_input=False) if isinstance(layer, Dense) else layer.forward(a_prev)


def _can_skip_input_grad(layer) -> bool:
    """Whether ``layer`` takes ``input_grad=False``: a Dense whose backward pass is not overridden."""
    cls = type(layer)
    return isinstance(layer, Dense) and cls.backward_from_z is Dense.backward_from_z and cls.backward is Dense.backward
