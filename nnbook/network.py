r"""The feedforward network: a stack of :class:`~nnbook.layers.Dense` layers.

:meth:`NeuralNetwork.compute_gradients` is the single entry point that runs the
forward pass, the loss and the backward pass; training
(:meth:`NeuralNetwork.train_step`) and gradient checking
(:func:`nnbook.gradcheck.check_gradients`) both go through it, so the gradient
check tests exactly the path that training takes.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_matrix, as_rng, check_positive_float, check_positive_int, class_labels
from .activations import Sigmoid, Softmax, get_activation
from .layers import Dense
from .losses import CrossEntropyLoss

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
    """

    def __init__(
        self,
        layer_sizes,
        activations=None,
        learning_rate: float = 0.01,
        *,
        rng=None,
        dtype=np.float64,
        init: str | None = None,
    ):
        if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
            raise TypeError(f"layer_sizes must be a list of positive ints, got {type(layer_sizes).__name__}")
        if len(layer_sizes) < 2:
            raise ValueError(
                f"layer_sizes needs at least an input and an output size, got {list(layer_sizes)}"
            )
        sizes = [check_positive_int(s, f"layer_sizes[{i}]") for i, s in enumerate(layer_sizes)]
        n_layers = len(sizes) - 1
        if activations is None:
            activations = ["relu"] * (n_layers - 1) + ["linear"]
        elif isinstance(activations, (str, bytes)) or not hasattr(activations, "__len__"):
            raise TypeError(
                f"activations must be a list with one activation per layer, got {type(activations).__name__}"
            )
        if len(activations) != n_layers:
            raise ValueError(
                f"activations must have one entry per layer: {n_layers} layer(s) for "
                f"layer_sizes {sizes}, got {len(activations)}"
            )
        acts = [get_activation(a) for a in activations]
        if len({id(a) for a in acts}) != len(acts):
            raise ValueError(
                "the same Activation instance is used for two layers; it caches its input, "
                "so give each layer its own (e.g. [ReLU(), ReLU()] or names)"
            )
        if isinstance(acts[-1], Softmax) and sizes[-1] < 2:
            raise ValueError("a softmax output needs at least 2 units: softmax of one number is always 1")
        self.layer_sizes = sizes
        self.learning_rate = check_positive_float(learning_rate, "learning_rate")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        rng = as_rng(rng)
        self.layers = [
            Dense(sizes[i], sizes[i + 1], acts[i], init=init, rng=rng, dtype=self.dtype)
            for i in range(n_layers)
        ]
        self.output = None

    # -- inspection -------------------------------------------------------------
    @property
    def n_params(self) -> int:
        """Total number of trainable numbers."""
        return sum(layer.n_params for layer in self.layers)

    def parameters(self) -> list[tuple[str, np.ndarray]]:
        """``(name, array)`` for every parameter, e.g. ``("layer0.W", W)``.

        The arrays are the live parameters: changing them in place changes the network.
        """
        return [(f"layer{i}.{k}", p) for i, layer in enumerate(self.layers) for k, p in layer.params.items()]

    def gradients(self) -> list[tuple[str, np.ndarray]]:
        """``(name, array)`` for every gradient, aligned with :meth:`parameters`."""
        out = []
        for i, layer in enumerate(self.layers):
            for k in layer.params:
                if k not in layer.grads:
                    raise RuntimeError("no gradients yet: call compute_gradients (or backward) first")
                out.append((f"layer{i}.{k}", layer.grads[k]))
        return out

    def summary(self) -> str:
        """A table of the layers, their shapes and parameter counts."""
        rows = [f"{'layer':<8}{'shape of W':<14}{'activation':<12}{'params':>8}"]
        for i, layer in enumerate(self.layers):
            rows.append(
                f"{'layer' + str(i):<8}{str(layer.W.shape):<14}{layer.activation.name:<12}{layer.n_params:>8}"
            )
        rows.append(f"{'total':<34}{self.n_params:>8}")
        return "\n".join(rows)

    def __repr__(self) -> str:
        acts = [layer.activation.name for layer in self.layers]
        return f"NeuralNetwork({self.layer_sizes}, activations={acts})"

    # -- forward and backward ---------------------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Forward pass; returns the output layer's activations, shape (batch_size, n_outputs).

        Raises ``ValueError`` for a wrong shape or NaN/inf in ``X``, and
        ``FloatingPointError`` when the output is not finite (diverged weights).
        """
        out = as_matrix(X, "X", n_columns=self.layer_sizes[0], dtype=self.dtype)
        for layer in self.layers:
            out = layer.forward(out)
        self.output = out
        if not np.all(np.isfinite(out)):
            raise FloatingPointError(
                "the network's output contains NaN or infinite values although X is finite: "
                "its weights have diverged (or overflowed)"
            )
        return out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Backward pass from dL/d(output); fills every layer's ``grads``.

        Returns dL/dX.
        """
        grad = grad_output
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def _backward_from_output_z(self, delta: np.ndarray) -> np.ndarray:
        """Backward pass from delta = dL/dZ of the output layer."""
        grad = self.layers[-1].backward_from_z(delta)
        for layer in reversed(self.layers[:-1]):
            grad = layer.backward(grad)
        return grad

    def uses_fused_output(self, loss_fn) -> bool:
        """Whether ``loss_fn`` is computed from logits with the fused gradient.

        True for :class:`~nnbook.losses.CrossEntropyLoss` after a softmax output
        (K >= 2 units) or a sigmoid output (1 unit).
        """
        last = self.layers[-1]
        return isinstance(loss_fn, CrossEntropyLoss) and (
            isinstance(last.activation, Softmax)
            or (isinstance(last.activation, Sigmoid) and last.output_dim == 1)
        )

    def compute_loss(self, X: np.ndarray, y: np.ndarray, loss_fn) -> float:
        """Forward pass and loss, without gradients (same path as :meth:`compute_gradients`)."""
        out = self.forward(X)
        if self.uses_fused_output(loss_fn):
            return loss_fn.forward_from_logits(self.layers[-1].z, y)
        return loss_fn.forward(out, y)

    def compute_gradients(self, X: np.ndarray, y: np.ndarray, loss_fn) -> float:
        r"""Run forward, loss and backward; fill every layer's ``grads``; return the loss.

        Nothing is updated. With a softmax (or single sigmoid) output and
        :class:`~nnbook.losses.CrossEntropyLoss`, the loss is computed from the
        logits and the backward pass starts from the fused
        :math:`\delta = (P - Y)/N` (:meth:`~nnbook.losses.CrossEntropyLoss.backward_from_logits`);
        otherwise it starts from ``loss_fn.backward()`` through every activation.
        """
        loss = self.compute_loss(X, y, loss_fn)
        if self.uses_fused_output(loss_fn):
            self._backward_from_output_z(loss_fn.backward_from_logits())
        else:
            self.backward(loss_fn.backward())
        return loss

    def update(self, learning_rate: float | None = None) -> None:
        """Plain gradient descent step on every layer (``learning_rate`` overrides the default)."""
        lr = self.learning_rate if learning_rate is None else learning_rate
        for layer in self.layers:
            layer.update(lr)

    def train_step(self, X: np.ndarray, y: np.ndarray, loss_fn, optimizer=None) -> float:
        """One step: :meth:`compute_gradients`, then an update; returns the loss before the step.

        With ``optimizer=None`` the update is plain gradient descent with
        ``self.learning_rate``; otherwise ``optimizer.step(self.parameters(), self.gradients())``.
        """
        loss = self.compute_gradients(X, y, loss_fn)
        if optimizer is None:
            self.update()
        else:
            optimizer.step(self.parameters(), self.gradients())
        return loss

    # -- prediction -------------------------------------------------------------
    def predict(self, X: np.ndarray) -> np.ndarray:
        """The network's output for ``X`` (probabilities for a softmax/sigmoid output)."""
        return self.forward(X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (N, K); for one sigmoid unit, (N, 2) as [1 - p, p]."""
        last = self.layers[-1].activation
        if not isinstance(last, (Softmax, Sigmoid)):
            raise ValueError(
                f"predict_proba needs a softmax or sigmoid output layer, this network ends in {last.name}"
            )
        p = self.forward(X)
        if p.shape[1] == 1:
            return np.hstack([1 - p, p])
        return p

    def predict_classes(self, X: np.ndarray) -> np.ndarray:
        """Predicted class labels, shape (N,): arg-max, or p >= 0.5 for one sigmoid unit."""
        return self.classes_from_output(self.forward(X))

    def classes_from_output(self, out: np.ndarray) -> np.ndarray:
        """Class labels, shape (N,), from this network's output ``out`` of shape (N, n_outputs).

        Arg-max over the outputs; for a single output, ``p >= 0.5`` after a sigmoid and
        ``z >= 0`` otherwise.
        """
        if out.shape[1] == 1:
            last = self.layers[-1].activation
            threshold = 0.5 if isinstance(last, Sigmoid) else 0.0
            return (out[:, 0] >= threshold).astype(np.int64)
        return np.argmax(out, axis=1)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """Fraction of samples whose predicted class equals ``y`` (labels or one-hot)."""
        pred = self.predict_classes(X)
        n_classes = max(2, self.layer_sizes[-1])
        labels = class_labels(y, "y", n_classes=n_classes)
        if labels.shape[0] != pred.shape[0]:
            raise ValueError(f"y has {labels.shape[0]} labels for {pred.shape[0]} samples")
        return float(np.mean(pred == labels))
