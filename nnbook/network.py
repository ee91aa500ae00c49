r"""The feedforward network: layers run in order, a loss, and one training step.

The public methods check their data once (:meth:`NeuralNetwork.check_data`) and hand the
result, a ``CheckedBatch``, to the methods that do the work without checks
(:meth:`~NeuralNetwork.batch_loss`, :meth:`~NeuralNetwork.batch_gradients`,
:meth:`~NeuralNetwork.batch_step`); the training loop checks its data once and calls those.
Training and gradient checking both reach the gradients through
:meth:`~NeuralNetwork.batch_gradients`, so the gradient check tests the path training takes.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import CheckedBatch, check_batch, check_bool
from .classifier import ClassifierMixin
from .layers import Layer
from .losses import Loss
from .optimizers import SGD
from .sequential import Sequential, sequential_layers

__all__ = ["NeuralNetwork"]


class NeuralNetwork(Sequential, ClassifierMixin):
    r"""A feedforward network: layer :math:`l` computes :math:`A^{(l)} = \sigma^{(l)}(A^{(l-1)} W^{(l)\top} + b^{(l)})`.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_inputs, n_hidden_1, ..., n_outputs]``, at least two entries.
    activations : sequence of (str or Activation or None), optional
        One per layer; by default ReLU for the hidden layers, linear for the output.
    learning_rate : float
        The step of the network's own optimizer ``SGD(learning_rate)``, which
        :meth:`train_step` and :meth:`update` use when given no other.
    rng, dtype, init, kernel_regularizer, dropout, batch_normalization
        How the layers are built (:func:`~nnbook.sequential.sequential_layers`): the weights'
        generator, dtype and initialisation, an L2 penalty, dropout, batch normalisation.

    Attributes
    ----------
    optimizer : SGD
        The network's own optimizer.
    output : ndarray or None
        The output of the last pass (the probabilities, on the fused path).
    from_logits : bool
        Whether the last pass computed the loss from the logits (the fused path).

    Examples
    --------
    >>> import numpy as np
    >>> net = NeuralNetwork([2, 3, 2], activations=["relu", "softmax"], rng=0)
    >>> net.predict(np.zeros((4, 2))).shape
    (4, 2)
    >>> [name for name, _ in net.parameters()], net.n_params      # (2*3 + 3) + (3*2 + 2)
    (['layer1.W', 'layer1.b', 'layer2.W', 'layer2.b'], 17)
    >>> reg = NeuralNetwork([2, 3, 2], ["relu", "softmax"], dropout=0.5, batch_normalization=True)
    >>> reg.layers[1:3], reg.n_params                   # 17 + gamma and beta of 3 units
    ([BatchNormalization(3, momentum=0.99, epsilon=0.001), Dropout(rate=0.5)], 23)
    """

    def __init__(
        self, layer_sizes, activations=None, learning_rate: float = 0.01, *, rng=None, dtype=np.float64,
        init=None, kernel_regularizer=None, dropout=None, batch_normalization=False,
    ) -> None:  # fmt: skip
        layers = sequential_layers(
            layer_sizes, activations, rng=rng, dtype=dtype, init=init, kernel_regularizer=kernel_regularizer,
            dropout=dropout, batch_normalization=batch_normalization,
        )  # fmt: skip
        super().__init__(layers)  # the layers in forward order; from_layers takes such a list
        self.optimizer, self.from_logits = SGD(learning_rate), False

    @classmethod
    def from_layers(cls, layers: list[Layer], learning_rate: float = 0.01) -> NeuralNetwork:
        """A network of the given layers, run in this order (Keras' ``Sequential(layers)``).

        Parameters
        ----------
        layers : list of Layer
            In forward order, the first and the last :class:`~nnbook.layers.Dense`.
        learning_rate : float
            As for the class.

        Returns
        -------
        NeuralNetwork
            The network.

        Examples
        --------
        >>> from nnbook import Dense, Dropout
        >>> net = NeuralNetwork.from_layers([Dense(2, 4, "relu"), Dropout(0.2, rng=1), Dense(4, 1)])
        >>> net.layer_sizes, net.summary().splitlines()[2]
        ([2, 4, 1], 'drop1                 p=0.2              0')
        """
        network = cls.__new__(cls)
        Sequential.__init__(network, layers)
        network.optimizer, network.from_logits = SGD(learning_rate), False
        return network

    def get_config(self) -> dict:
        return {**super().get_config(), "learning_rate": float(self.learning_rate)}

    @property
    def learning_rate(self):
        """The learning rate of the network's own optimizer, ``self.optimizer``."""
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self.optimizer.learning_rate = value

    # -- checked entry points -----------------------------------------------------------------
    def check_data(self, X, y, loss_fn: Loss) -> CheckedBatch:
        """Check ``X`` and encode ``y`` for ``loss_fn`` once, for the unchecked methods.

        Parameters
        ----------
        X : array_like, shape (N, n_inputs)
            Finite inputs, cast to the network's dtype.
        y : array_like
            Targets, one row per sample (labels become one-hot rows for cross-entropy).
        loss_fn : Loss
            Encodes ``y`` (:meth:`~nnbook.losses.Loss.targets`).

        Returns
        -------
        CheckedBatch
            ``(X, Y)``.
        """
        first, last = self.layers[0], self.layers[-1]
        return check_batch(X, y, loss_fn, first.input_dim, last.output_dim, first.dtype)

    def compute_loss(self, X, y, loss_fn: Loss, *, training: bool = False) -> float:
        """The loss of ``X`` for the targets ``y``: :meth:`check_data`, then :meth:`batch_loss`.

        Parameters
        ----------
        X, y, loss_fn : ndarray (N, n_inputs), array_like, Loss
            The inputs, their targets and the loss.
        training : bool
            The mode of the forward pass (see :meth:`forward`); ``False``: inference.

        Returns
        -------
        float
            The loss plus the weight penalties.
        """
        loss = self.batch_loss(self.check_data(X, y, loss_fn), loss_fn, training=check_bool(training, "training"))
        if not math.isfinite(loss):
            self._check_output()  # diverged weights: say so
        return loss

    def compute_gradients(self, X, y, loss_fn: Loss, *, training: bool = True) -> float:
        """Forward, loss and backward: :meth:`check_data`, then :meth:`batch_gradients`.

        Parameters
        ----------
        X, y, loss_fn : ndarray (N, n_inputs), array_like, Loss
            The inputs, their targets and the loss.
        training : bool
            ``True`` (default): the training mode; ``False``: the gradient at inference.

        Returns
        -------
        float
            The loss; every layer's ``grads`` is filled, nothing is updated.
        """
        return self.batch_gradients(self.check_data(X, y, loss_fn), loss_fn, training=check_bool(training, "training"))

    def train_step(self, X, y, loss_fn: Loss, optimizer=None) -> float:
        """One step: forward, loss, backward, update (:meth:`check_data`, then :meth:`batch_step`).

        Parameters
        ----------
        X, y, loss_fn : ndarray (N, n_inputs), array_like, Loss
            The inputs, their targets and the loss.
        optimizer : Optimizer, optional
            The update rule; by default ``self.optimizer``, plain gradient descent.

        Returns
        -------
        float
            The loss before the step.
        """
        return self.batch_step(self.check_data(X, y, loss_fn), loss_fn, optimizer)

    def update(self, learning_rate: float | None = None) -> None:
        """One step of plain gradient descent from the current gradients: ``SGD(learning_rate)``.

        Parameters
        ----------
        learning_rate : float, optional
            The step; by default that of ``self.optimizer``.
        """
        optimizer = self.optimizer if learning_rate is None else SGD(learning_rate)
        optimizer.step(self.parameters(), self.gradients())

    # -- the passes, on checked data ------------------------------------------------------------

    def uses_fused_output(self, loss_fn: Loss) -> bool:
        """Whether ``loss_fn`` is computed from this network's logits with the fused gradient.

        Parameters
        ----------
        loss_fn : Loss
            The loss, which decides (:meth:`~nnbook.losses.Loss.fuses_with`).

        Returns
        -------
        bool
            True for a cross-entropy after a softmax (or a single sigmoid) output.
        """
        output_layer = self.layers[-1]
        return loss_fn.fuses_with(output_layer.activation, output_layer.output_dim)

    def batch_loss(self, batch: CheckedBatch, loss_fn: Loss, *, training: bool = False) -> float:
        """The loss of a checked batch, without checks; the output is kept in ``self.output``.

        Parameters
        ----------
        batch, loss_fn : CheckedBatch, Loss
            The data from :meth:`check_data`, and the loss.
        training : bool
            The mode of the forward pass.

        Returns
        -------
        float
            The loss plus the weight penalties.
        """
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
        """:meth:`batch_loss`, then the backward pass from the loss's gradient.

        Parameters
        ----------
        batch, loss_fn : CheckedBatch, Loss
            The data from :meth:`check_data`, and the loss.
        training : bool
            The mode of the forward pass.

        Returns
        -------
        float
            The loss; every layer's ``grads`` is filled.
        """
        loss = self.batch_loss(batch, loss_fn, training=training)
        grad = loss_fn.backward_from_logits() if self.from_logits else loss_fn.backward()
        self.backward(grad, from_logits=self.from_logits, input_grad=False)
        return loss

    def batch_step(self, batch: CheckedBatch, loss_fn: Loss, optimizer=None) -> float:
        """:meth:`batch_gradients` in training mode, then one step of the optimizer.

        Parameters
        ----------
        batch, loss_fn : CheckedBatch, Loss
            The data from :meth:`check_data`, and the loss.
        optimizer : Optimizer, optional
            By default ``self.optimizer``.

        Returns
        -------
        float
            The loss before the step.
        """
        loss = self.batch_gradients(batch, loss_fn)
        (self.optimizer if optimizer is None else optimizer).step(self.parameters(), self.gradients())
        return loss
