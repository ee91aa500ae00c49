r"""Loss functions: mean squared error and cross-entropy, averaged over the batch.

A loss object has ``forward(y_pred, y_true) -> float`` and ``backward()``, which
returns :math:`\partial L/\partial \hat Y` for the last ``forward``. Both losses
are means over the batch, so the :math:`1/N` enters here, once, and nowhere else.

:class:`CrossEntropyLoss` also offers the fused softmax (or sigmoid) +
cross-entropy computation from logits, :meth:`CrossEntropyLoss.forward_from_logits`
and :meth:`CrossEntropyLoss.backward_from_logits`: the one place in
:mod:`nnbook` where that gradient, :math:`(P - Y)/N`, is written.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_matrix, class_labels, one_hot
from .activations import sigmoid

__all__ = ["Loss", "MSELoss", "CrossEntropyLoss"]


class Loss:
    """Base class of losses: ``forward(y_pred, y_true) -> float`` and ``backward()``."""

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, y_pred, y_true) -> float:
        return self.forward(y_pred, y_true)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _check_pred(y_pred, name="y_pred") -> np.ndarray:
    return as_matrix(y_pred, name)


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

    def __init__(self):
        self.y_pred = None
        self.y_true = None

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        """Return the mean squared error.

        Parameters
        ----------
        y_pred : ndarray, shape (N, D)
        y_true : ndarray, shape (N, D), or (N,) when D = 1
        """
        y_pred = _check_pred(y_pred)
        y_true = np.asarray(y_true)
        if y_true.ndim == 1 and y_pred.shape[1] == 1:
            y_true = y_true[:, None]
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"MSELoss: y_true must have the shape of y_pred {y_pred.shape}, got {y_true.shape}"
            )
        y_true = as_matrix(y_true, "y_true", dtype=y_pred.dtype)
        self.y_pred, self.y_true = y_pred, y_true
        return float(np.mean((y_pred - y_true) ** 2))

    def backward(self) -> np.ndarray:
        """Return dL/dY_pred = 2 (Y_pred - Y) / (N D), shape (N, D)."""
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

    Nothing is clipped: :meth:`forward` returns the exact value (``inf`` when a
    true class has probability exactly 0). A network whose last layer is softmax
    or sigmoid does not use :meth:`forward` at all but the fused pair
    :meth:`forward_from_logits` / :meth:`backward_from_logits`, which is exact
    for any logits.

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
    """

    def __init__(self):
        self.y_pred = None
        self.y_true = None
        self.probs = None

    # -- targets -----------------------------------------------------------
    @staticmethod
    def targets(y_true, n_rows: int, n_outputs: int, dtype=np.float64) -> np.ndarray:
        """Return ``y_true`` as an (N, K) array of target probabilities (one-hot for labels).

        Raises a ``ValueError`` for a wrong length, labels out of range, or rows
        that are not probability distributions.
        """
        arr = np.asarray(y_true)
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"y_true must hold labels or probabilities, got dtype {arr.dtype}")
        if arr.ndim == 0 or arr.shape[0] != n_rows:
            raise ValueError(
                f"y_true must have one row per sample: expected length {n_rows}, "
                f"got shape {arr.shape}"
            )
        if n_outputs == 1:  # binary: labels or probabilities of class 1
            if arr.ndim == 2 and arr.shape[1] == 1:
                arr = arr[:, 0]
            if arr.ndim != 1:
                raise ValueError(
                    f"binary cross-entropy (one output) needs y_true of shape ({n_rows},) or "
                    f"({n_rows}, 1), got {arr.shape}"
                )
            arr = arr.astype(dtype)
            if not np.all(np.isfinite(arr)) or np.any((arr < 0) | (arr > 1)):
                raise ValueError("binary cross-entropy needs y_true in [0, 1] (labels 0/1), got values outside")
            return arr[:, None]
        if arr.ndim == 1:
            return one_hot(class_labels(arr, "y_true", n_classes=n_outputs), n_outputs, dtype=dtype)
        if arr.ndim != 2 or arr.shape[1] != n_outputs:
            raise ValueError(
                f"y_true must be labels of shape ({n_rows},) or one-hot rows of shape "
                f"({n_rows}, {n_outputs}), got {arr.shape}"
            )
        arr = arr.astype(dtype)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError("one-hot y_true rows must be finite and non-negative, got negative or NaN/inf entries")
        sums = arr.sum(axis=1)
        off = np.abs(sums - 1) > 1e-6
        if off.any():
            bad = int(np.flatnonzero(off)[0])
            raise ValueError(f"one-hot y_true rows must sum to 1, row {bad} sums to {sums[bad]:g}")
        return arr

    # -- from probabilities --------------------------------------------------
    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        """Cross-entropy of predicted probabilities ``y_pred`` of shape (N, K) or (N, 1).

        Raises
        ------
        ValueError
            If ``y_pred`` is not a matrix of probabilities (rows summing to 1
            for K >= 2), or ``y_true`` does not match it.
        """
        p = _check_pred(y_pred)
        if np.any((p < 0) | (p > 1)):
            raise ValueError(
                "CrossEntropyLoss.forward expects probabilities in [0, 1]; for logits use forward_from_logits"
            )
        if p.shape[1] > 1:
            tol = 1e-4 if p.dtype == np.float32 else 1e-8
            if not np.allclose(p.sum(axis=1), 1, atol=tol, rtol=0):
                raise ValueError(
                    "CrossEntropyLoss.forward expects each row of y_pred to sum to 1 (softmax outputs); "
                    "for logits use forward_from_logits"
                )
        y = self.targets(y_true, p.shape[0], p.shape[1], p.dtype)
        self.y_pred, self.y_true, self.probs = p, y, None
        with np.errstate(divide="ignore", invalid="ignore"):
            if p.shape[1] == 1:
                ll = np.where(y > 0, y * np.log(p), 0) + np.where(y < 1, (1 - y) * np.log1p(-p), 0)
            else:
                ll = np.where(y > 0, y * np.log(p), 0)  # 0 * log 0 counts as 0
        return float(-np.sum(ll) / p.shape[0])

    def backward(self) -> np.ndarray:
        r"""Return :math:`\partial L/\partial P` for the last :meth:`forward`.

        Categorical: :math:`-Y / (N P)`; binary: :math:`(p - y) / (N p (1 - p))`.
        """
        if self.y_pred is None:
            raise RuntimeError("CrossEntropyLoss.backward called before forward")
        p, y, n = self.y_pred, self.y_true, self.y_pred.shape[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            if p.shape[1] == 1:
                return (p - y) / (n * p * (1 - p))
            return np.where(y > 0, -y / (n * p), 0.0)

    # -- fused, from logits ----------------------------------------------------
    def forward_from_logits(self, logits: np.ndarray, y_true: np.ndarray) -> float:
        r"""Cross-entropy of softmax(logits) (K >= 2) or sigmoid(logits) (K = 1), exactly.

        With log-sum-exp, :math:`\log p_{nk} = z_{nk} - \log\sum_j e^{z_{nj}}`, so

        .. math:: L = \frac{1}{N}\sum_n \Big(\log\sum_j e^{z_{nj}} - \sum_k y_{nk} z_{nk}\Big),

        and for one logit :math:`L = \frac{1}{N}\sum_n \big(\log(1 + e^{z_n}) - y_n z_n\big)`.
        Both are exact for any finite logits, where computing :math:`\log p` from
        rounded probabilities gives ``-inf`` (or, clipped, a wrong finite number).
        """
        z = _check_pred(logits, "logits")
        y = self.targets(y_true, z.shape[0], z.shape[1], z.dtype)
        n = z.shape[0]
        with np.errstate(under="ignore"):  # e^{z - max} rounding to 0 is exact, not an error
            if z.shape[1] == 1:
                self.probs = sigmoid(z)
                per_sample = np.logaddexp(0, z) - y * z
            else:
                m = np.max(z, axis=1, keepdims=True)
                e = np.exp(z - m)  # every exponent <= 0: nothing overflows
                s = np.sum(e, axis=1, keepdims=True)
                lse = m + np.log(s)  # log sum_j e^{z_j}
                self.probs = e / s  # softmax(z), from the same exponentials
                per_sample = lse * y.sum(axis=1, keepdims=True) - np.sum(y * z, axis=1, keepdims=True)
        self.y_true, self.y_pred = y, None
        return float(np.sum(per_sample) / n)

    def backward_from_logits(self) -> np.ndarray:
        r"""The fused gradient :math:`\partial L/\partial Z = (P - Y)/N`.

        This is where the softmax Jacobian and the cross-entropy derivative
        cancel: :math:`\partial L/\partial z_j = \sum_k (-y_k/p_k)\,p_k(\delta_{kj} - p_j) = p_j - y_j`
        (using :math:`\sum_k y_k = 1`), and likewise :math:`p - y` for sigmoid with
        binary cross-entropy. The result is :math:`\delta` of the output layer; it
        must **not** be passed through the output activation's ``backward`` again
        (the source text's defect 3).
        """
        if self.probs is None:
            raise RuntimeError("CrossEntropyLoss.backward_from_logits called before forward_from_logits")
        return (self.probs - self.y_true) / self.probs.shape[0]
