"""Class predictions from a network's output: probabilities, labels and accuracy.

:class:`ClassifierMixin` gives :class:`~nnbook.network.NeuralNetwork` ``predict_proba``,
``predict_classes``, ``classes_from_output`` and ``accuracy``, as scikit-learn's
``ClassifierMixin`` gives its classifiers ``score``.
"""

from __future__ import annotations

import numpy as np

from .activations import Sigmoid, Softmax
from .targets import class_labels

__all__ = ["ClassifierMixin"]


class ClassifierMixin:
    """Class predictions for a network with ``forward(X)``, ``layers`` and ``layer_sizes``.

    The output layer (``layers[-1]``) decides: a softmax gives one probability per class, a
    single sigmoid unit the probability of class 1.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import NeuralNetwork
    >>> net = NeuralNetwork([2, 4, 1], ["relu", "sigmoid"], rng=0)  # a ClassifierMixin
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    >>> proba = net.predict_proba(X)
    >>> proba.shape, bool(np.allclose(proba.sum(axis=1), 1.0))
    ((3, 2), True)
    >>> net.predict_classes(X).shape
    (3,)
    """

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities; for one sigmoid unit the two columns ``[1 - p, p]``.

        Parameters
        ----------
        X : ndarray, shape (N, n_inputs)
            The inputs.

        Returns
        -------
        ndarray, shape (N, K)
            Rows summing to 1.
        """
        if not isinstance(self.layers[-1].activation, (Softmax, Sigmoid)):
            name = self.layers[-1].activation.name
            raise ValueError(f"predict_proba needs a softmax or sigmoid output layer, this network ends in {name}")
        p = self.forward(X)
        return np.hstack([1 - p, p]) if p.shape[1] == 1 else p

    def predict_classes(self, X: np.ndarray) -> np.ndarray:
        """Predicted class labels (:meth:`classes_from_output` of :meth:`~nnbook.sequential.Sequential.forward`).

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
        """Class labels from an output: arg-max; for one unit, p >= 0.5 (sigmoid) or z >= 0.

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
            threshold = 0.5 if isinstance(self.layers[-1].activation, Sigmoid) else 0.0
            return (out[:, 0] >= threshold).astype(np.int64)
        return np.argmax(out, axis=1)

    def accuracy(self, X: np.ndarray, y) -> float:
        """The fraction of samples whose predicted class is ``y``.

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
