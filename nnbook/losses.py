r"""Loss functions: mean squared error and cross-entropy, averaged over the batch.

A loss object has ``forward(y_pred, y_true) -> float`` and ``backward()``, which
returns :math:`\partial L/\partial \hat Y` for the last ``forward``. Both losses
are means over the batch, so the :math:`1/N` enters here, once, and nowhere else.

``forward`` checks its arguments and encodes the targets (:meth:`Loss.targets`), then
calls :meth:`Loss.value`, the computation itself, which a network calls directly on data it
has checked and encoded once.

:class:`CrossEntropyLoss` also offers the fused softmax (or sigmoid) +
cross-entropy computation from logits, :meth:`CrossEntropyLoss.forward_from_logits`
and :meth:`CrossEntropyLoss.backward_from_logits`: the one place in
:mod:`nnbook` where that gradient, :math:`(P - Y)/N`, is written.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_matrix, check_label_smoothing, check_target_rows, check_target_shape
from .activations import Activation, Sigmoid, Softmax
from .targets import targets

__all__ = ["Loss", "MSELoss", "CrossEntropyLoss"]


class Loss:
    """Base class of losses: ``forward(y_pred, y_true) -> float`` and ``backward()``.

    Subclasses implement :meth:`value` and :meth:`backward` (and, if their targets need
    encoding, :meth:`targets`).

    Examples
    --------
    >>> import numpy as np
    >>> class L1(Loss):                       # mean absolute error, dL/dY_pred = sign / (N D)
    ...     def value(self, y_pred, Y):
    ...         self.diff = y_pred - Y
    ...         return float(np.mean(np.abs(self.diff)))
    ...     def backward(self):
    ...         return np.sign(self.diff) / self.diff.size
    >>> L1().forward(np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]]))     # (1 + 2) / 2
    1.5
    """

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        """Return the loss of the predictions ``y_pred`` for the targets ``y_true``.

        Checks ``y_pred``, encodes ``y_true`` with :meth:`targets`, then computes :meth:`value`.

        Parameters
        ----------
        y_pred : ndarray, shape (N, D)
            The network's output.
        y_true : array_like
            The targets.

        Returns
        -------
        float
            The loss, a mean over the batch.
        """
        y_pred = as_matrix(y_pred, "y_pred")
        return self.value(y_pred, self.targets(y_true, *y_pred.shape, y_pred.dtype))

    def value(self, y_pred: np.ndarray, Y: np.ndarray) -> float:
        """The loss of ``y_pred`` for targets ``Y`` already encoded by :meth:`~nnbook.losses.Loss.targets`, unchecked.

        Caches what :meth:`backward` needs.

        Parameters
        ----------
        y_pred : ndarray, shape (N, D)
            The network's output, finite.
        Y : ndarray
            The output of :meth:`~nnbook.losses.Loss.targets`.

        Returns
        -------
        float
            The loss.
        """
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        """Return dL/d(y_pred) for the last :meth:`~nnbook.losses.Loss.forward`, shape (N, D).

        Returns
        -------
        ndarray
            The gradient.
        """
        raise NotImplementedError

    def fuses_with(self, activation: Activation, n_outputs: int) -> bool:
        """Whether the loss is computed from the logits of ``activation`` with a fused gradient.

        The loss, not the network, decides: a loss that returns True implements
        ``value_from_logits(Z, Y)``, ``backward_from_logits()`` and ``probs`` (the output
        activation's values), and the network never applies the output activation.

        Parameters
        ----------
        activation : Activation
            The output layer's activation.
        n_outputs : int
            The output layer's number of units.

        Returns
        -------
        bool
            False for the base class.
        """
        return False

    @staticmethod
    def targets(y_true, n_rows: int, n_outputs: int, dtype=np.float64) -> np.ndarray:
        """Return ``y_true`` encoded as this loss compares it, checked (here: as it is).

        Parameters
        ----------
        y_true : array_like
            The targets, one row per sample.
        n_rows : int
            The number of samples N.
        n_outputs : int
            The network's number of outputs.
        dtype : numpy dtype
            The network's dtype.

        Returns
        -------
        ndarray
            The encoded targets.

        Examples
        --------
        >>> Loss.targets([3, 1], 2, 1).tolist()
        [3, 1]
        """
        return check_target_rows(y_true, n_rows)

    def __call__(self, y_pred, y_true) -> float:
        return self.forward(y_pred, y_true)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    r"""Mean squared error over all :math:`N \cdot D` entries.

    .. math:: L = \frac{1}{N D} \sum_{n=1}^{N} \sum_{d=1}^{D} (\hat y_{nd} - y_{nd})^2,
              \qquad \frac{\partial L}{\partial \hat Y} = \frac{2}{N D}(\hat Y - Y)

    This is Keras' ``MeanSquaredError`` (mean over the outputs, then over the batch).

    Examples
    --------
    >>> import numpy as np
    >>> mse = MSELoss()
    >>> mse.forward(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.5, 2.5], [2.5, 3.5]]))
    0.25
    >>> mse.backward().tolist()      # 2 (y_pred - y_true) / (N D), N D = 4
    [[-0.25, -0.25], [0.25, 0.25]]
    """

    def __init__(self) -> None:
        self.y_pred = None
        self.y_true = None

    @staticmethod
    def targets(y_true, n_rows: int, n_outputs: int, dtype=np.float64) -> np.ndarray:
        """Return ``y_true`` as a finite (N, D) matrix; shape (N,) is accepted when D = 1.

        Parameters
        ----------
        y_true : array_like, shape (N, D) or (N,)
            The targets.
        n_rows, n_outputs : int
            N and D.
        dtype : numpy dtype
            Of the result.

        Returns
        -------
        ndarray, shape (N, D)
            The targets.

        Examples
        --------
        >>> MSELoss.targets([1.5, 2.0], 2, 1).tolist()
        [[1.5], [2.0]]
        """
        arr = check_target_shape(y_true, (n_rows, n_outputs), "MSELoss")
        return as_matrix(arr, "y_true", dtype=dtype)

    def value(self, y_pred: np.ndarray, Y: np.ndarray) -> float:
        """The mean squared error of ``y_pred`` for the (N, D) targets ``Y``, unchecked.

        Parameters
        ----------
        y_pred, Y : ndarray, shape (N, D)
            The predictions and the targets.

        Returns
        -------
        float
            The loss.
        """
        self.y_pred, self.y_true = y_pred, Y
        return float(np.mean((y_pred - Y) ** 2))

    def backward(self) -> np.ndarray:
        """Return dL/dY_pred = 2 (Y_pred - Y) / (N D), shape (N, D).

        Returns
        -------
        ndarray, shape (N, D)
            The gradient.
        """
        if self.y_pred is None:
            raise RuntimeError("MSELoss.backward called before forward")
        return 2.0 * (self.y_pred - self.y_true) / self.y_pred.size


class CrossEntropyLoss(Loss):
    r"""Cross-entropy, the negative log-likelihood of the true classes, batch mean.

    Categorical (``y_pred`` of shape (N, K), K >= 2, rows are probabilities):

    .. math:: L = -\frac{1}{N}\sum_{n}\sum_{k} y_{nk} \log p_{nk}

    Binary (``y_pred`` of shape (N, 1), the probability of class 1):

    .. math:: L = -\frac{1}{N}\sum_{n} \big(y_n \log p_n + (1 - y_n)\log(1 - p_n)\big)

    ``y_true`` may be integer labels of shape (N,) or one-hot (or soft) rows of
    shape (N, K); for the binary case labels 0/1 of shape (N,) or (N, 1).

    Both cases are one computation: a single output is the probability :math:`p` of
    class 1, so it is treated as the two classes :math:`[1 - p, p]` (and a single logit
    :math:`z` as the two logits :math:`[0, z]`, since :math:`\sigma(z)` is the softmax of
    :math:`[0, z]`), with targets :math:`[1 - y, y]`.

    With ``label_smoothing`` :math:`= \varepsilon_{\text{ls}} > 0` (Keras's argument of the
    same name), the targets are first moved towards the uniform distribution,

    .. math:: \tilde Y = Y (1 - \varepsilon_{\text{ls}}) + \frac{\varepsilon_{\text{ls}}}{K},

    and the loss and its gradients use :math:`\tilde Y` in place of :math:`Y` (the fused
    gradient becomes :math:`(P - \tilde Y)/N`). For one output the two classes give
    :math:`K = 2`: :math:`\tilde y = y(1 - \varepsilon_{\text{ls}}) + \varepsilon_{\text{ls}}/2`, as
    Keras's ``BinaryCrossentropy(label_smoothing=...)``.

    Nothing is clipped: :meth:`~nnbook.losses.Loss.forward` returns the exact value (``inf`` when a
    true class has probability exactly 0). A network whose last layer is softmax
    or sigmoid does not use :meth:`~nnbook.losses.Loss.forward` at all but the fused pair
    :meth:`value_from_logits` / :meth:`backward_from_logits`, which is exact
    for any logits.

    Parameters
    ----------
    label_smoothing : float in [0, 1), default 0.0
        :math:`\varepsilon_{\text{ls}}`; 0 is no smoothing.

    Examples
    --------
    >>> import numpy as np
    >>> ce = CrossEntropyLoss()
    >>> p = np.array([[0.5, 0.25, 0.25], [0.25, 0.5, 0.25]])
    >>> bool(np.isclose(ce.forward(p, np.array([0, 1])), np.log(2)))
    True
    >>> ce.forward_from_logits(np.array([[10.0, 0.0]]), np.array([1]))   # log(1 + e^10)
    10.000045398899218
    >>> ce.backward_from_logits().round(5).tolist()                      # P - Y
    [[0.99995, -0.99995]]
    >>> smooth = CrossEntropyLoss(label_smoothing=0.1)                   # targets [0.05, 0.95]
    >>> smooth.forward_from_logits(np.array([[0.0, 0.0]]), np.array([1]))  # log 2, whatever the targets
    0.6931471805599453
    >>> smooth.backward_from_logits().round(12).tolist()                 # P - Y~
    [[0.45, -0.45]]
    """

    def __init__(self, label_smoothing: float = 0.0) -> None:
        self.label_smoothing = check_label_smoothing(label_smoothing)
        self.y_pred = None
        self.y_true = None
        self.probs = None

    def smoothed(self, Y: np.ndarray) -> np.ndarray:
        r"""The targets the loss uses: :math:`Y(1 - \varepsilon_{\text{ls}}) + \varepsilon_{\text{ls}}/K`.

        Parameters
        ----------
        Y : ndarray, shape (N, K) or (N, 1)
            Encoded targets (:meth:`targets`); one column is the probability of class 1,
            smoothed as two classes (:math:`K = 2`).

        Returns
        -------
        ndarray
            ``Y`` itself when ``label_smoothing`` is 0.

        Examples
        --------
        >>> import numpy as np
        >>> CrossEntropyLoss(label_smoothing=0.3).smoothed(np.array([[0.0, 1.0, 0.0]])).round(12).tolist()
        [[0.1, 0.8, 0.1]]
        """
        eps = self.label_smoothing
        if eps == 0:
            return Y
        if Y.shape[1] == 1:  # Keras's BinaryCrossentropy: y (1 - eps) + eps / 2
            return Y * (1.0 - eps) + 0.5 * eps
        return Y * (1.0 - eps) + eps / Y.shape[1]  # Keras's CategoricalCrossentropy

    def __repr__(self) -> str:
        return (
            "CrossEntropyLoss()"
            if self.label_smoothing == 0
            else f"CrossEntropyLoss(label_smoothing={self.label_smoothing})"
        )

    def fuses_with(self, activation: Activation, n_outputs: int) -> bool:
        """True after a softmax output (K >= 2 units) or a single sigmoid unit.

        Parameters
        ----------
        activation : Activation
            The output layer's activation.
        n_outputs : int
            The output layer's number of units.

        Returns
        -------
        bool
            Whether the network should use :meth:`value_from_logits` and
            :meth:`backward_from_logits`.

        Examples
        --------
        >>> from nnbook import Softmax, Tanh
        >>> CrossEntropyLoss().fuses_with(Softmax(), 3), CrossEntropyLoss().fuses_with(Tanh(), 3)
        (True, False)
        """
        return isinstance(activation, Softmax) or (isinstance(activation, Sigmoid) and n_outputs == 1)

    @staticmethod
    def targets(y_true, n_rows: int, n_outputs: int, dtype=np.float64) -> np.ndarray:
        """Return ``y_true`` as an (N, K) array of target probabilities (:func:`nnbook.targets.targets`).

        Parameters
        ----------
        y_true : array_like
            Labels (N,), one-hot rows (N, K), or for one output labels 0/1 of shape (N,) or (N, 1).
        n_rows, n_outputs : int
            N and K.
        dtype : numpy dtype
            Of the result.

        Returns
        -------
        ndarray, shape (N, K)
            The target probabilities.

        Examples
        --------
        >>> CrossEntropyLoss.targets([1, 0], 2, 2).tolist()
        [[0.0, 1.0], [1.0, 0.0]]
        """
        return targets(y_true, n_rows, n_outputs, dtype)

    @staticmethod
    def _two_classes(values: np.ndarray, y: np.ndarray, *, logits: bool):
        """A single column (binary) as two classes: ``[1 - p, p]`` or logits ``[0, z]``, targets ``[1 - y, y]``."""
        if values.shape[1] != 1:
            return values, y
        other = np.zeros_like(values) if logits else 1 - values
        return np.hstack([other, values]), np.hstack([1 - y, y])

    # -- from probabilities --------------------------------------------------
    def value(self, y_pred: np.ndarray, Y: np.ndarray) -> float:
        """Cross-entropy of probabilities ``y_pred`` of shape (N, K) or (N, 1) for encoded targets ``Y``.

        Parameters
        ----------
        y_pred : ndarray, shape (N, K) or (N, 1)
            Probabilities: rows summing to 1, or the probability of class 1.
        Y : ndarray, shape of ``y_pred``
            Target probabilities (:meth:`targets`).

        Returns
        -------
        float
            The loss; ``inf`` when a true class has probability 0.

        Raises
        ------
        ValueError
            If ``y_pred`` is not a matrix of probabilities (rows summing to 1 for K >= 2).
        """
        p, Y = y_pred, self.smoothed(Y)
        if np.any((p < 0) | (p > 1)):
            raise ValueError(
                "CrossEntropyLoss.forward expects probabilities in [0, 1]; for logits use forward_from_logits"
            )
        p2, y2 = self._two_classes(p, Y, logits=False)
        tol = 1e-4 if p.dtype == np.float32 else 1e-8
        if not np.allclose(p2.sum(axis=1), 1, atol=tol, rtol=0):
            raise ValueError(
                "CrossEntropyLoss.forward expects each row of y_pred to sum to 1 (softmax outputs); "
                "for logits use forward_from_logits"
            )
        self.y_pred, self.y_true, self.probs = p, Y, None
        with np.errstate(divide="ignore", invalid="ignore"):
            ll = np.where(y2 > 0, y2 * np.log(p2), 0)  # 0 * log 0 counts as 0
        return float(-np.sum(ll) / p.shape[0])

    def backward(self) -> np.ndarray:
        r"""Return :math:`\partial L/\partial P = -Y / (N P)` for the last :meth:`~nnbook.losses.Loss.forward`.

        For one output, :math:`p` enters both classes :math:`[1 - p, p]`, so its
        derivative is the difference of the two columns:
        :math:`-y/(N p) + (1 - y)/(N (1 - p))`.

        Returns
        -------
        ndarray, shape of ``y_pred``
            The gradient.
        """
        if self.y_pred is None:
            raise RuntimeError("CrossEntropyLoss.backward called before forward")
        p, y = self._two_classes(self.y_pred, self.y_true, logits=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = np.where(y > 0, -y / (p.shape[0] * p), 0.0)
        if self.y_pred.shape[1] == 1:  # d/dp of the two classes [1 - p, p]
            return grad[:, 1:] - grad[:, :1]
        return grad

    # -- fused, from logits ----------------------------------------------------
    def forward_from_logits(self, logits: np.ndarray, y_true: np.ndarray) -> float:
        """Check ``logits``, encode ``y_true``, then :meth:`value_from_logits`.

        Parameters
        ----------
        logits : ndarray, shape (N, K)
            The output layer's :math:`Z`.
        y_true : array_like
            Labels or one-hot rows (see :meth:`targets`).

        Returns
        -------
        float
            The loss.
        """
        logits = as_matrix(logits, "logits")
        Y = self.targets(y_true, logits.shape[0], logits.shape[1], logits.dtype)
        with np.errstate(under="ignore"):  # e^{z - max} rounding to 0 is exact, not an error
            return self.value_from_logits(logits, Y)

    def value_from_logits(self, logits: np.ndarray, Y: np.ndarray) -> float:
        r"""Cross-entropy of softmax(logits) (K >= 2) or sigmoid(logits) (K = 1), exactly.

        With log-sum-exp, :math:`\log p_{nk} = z_{nk} - \log\sum_j e^{z_{nj}}`, so

        .. math:: L = \frac{1}{N}\sum_n \Big(\log\sum_j e^{z_{nj}} - \sum_k y_{nk} z_{nk}\Big),

        exact for any finite logits, where computing :math:`\log p` from rounded
        probabilities gives ``-inf`` (or, clipped, a wrong finite number). One logit
        :math:`z` is the pair :math:`[0, z]`, which gives
        :math:`\log(1 + e^{z}) - y z`. The probabilities come from the same
        exponentials and are kept in ``probs`` for :meth:`backward_from_logits`.

        Parameters
        ----------
        logits : ndarray, shape (N, K)
            The output layer's :math:`Z`, finite.
        Y : ndarray, shape (N, K)
            Target probabilities, as :meth:`targets` returns them.

        Returns
        -------
        float
            The loss.
        """
        Y = self.smoothed(Y)  # label smoothing: the loss and the fused gradient both see Y~
        z, y = self._two_classes(logits, Y, logits=True)
        m = z.max(axis=1, keepdims=True)
        e = np.exp(z - m)  # every exponent <= 0: nothing overflows
        s = e.sum(axis=1, keepdims=True)
        lse = m + np.log(s)  # log sum_j e^{z_j}
        per_sample = lse - (y * z).sum(axis=1, keepdims=True)  # each row of y sums to 1
        probs = e / s  # softmax(z), from the same exponentials
        self.probs = probs if logits.shape[1] > 1 else probs[:, 1:]
        self.y_true, self.y_pred = Y, None
        return float(per_sample.sum() / logits.shape[0])

    def backward_from_logits(self) -> np.ndarray:
        r"""The fused gradient :math:`\partial L/\partial Z = (P - Y)/N`; :math:`(P - \tilde Y)/N` with label smoothing.

        This is where the softmax Jacobian and the cross-entropy derivative
        cancel: :math:`\partial L/\partial z_j = \sum_k (-y_k/p_k)\,p_k([k = j] - p_j) = p_j - y_j`
        (using :math:`\sum_k y_k = 1`), and likewise :math:`p - y` for sigmoid with
        binary cross-entropy. The result is :math:`\delta` of the output layer; it
        must **not** be passed through the output activation's ``backward`` again
        (the source text's defect 3).

        Returns
        -------
        ndarray, shape (N, K)
            :math:`\delta^{(L)}`.
        """
        if self.probs is None:
            raise RuntimeError("CrossEntropyLoss.backward_from_logits called before forward_from_logits")
        return (self.probs - self.y_true) / self.probs.shape[0]
