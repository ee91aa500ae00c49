r"""Weight penalties added to the loss: the L2 penalty, Keras 3's ``keras.regularizers.L2``.

A regularizer has :meth:`~L2.penalty` (a float added to the loss) and
:meth:`~L2.gradient` (an array added to the weight's gradient). A network wires it
in one line per layer that has one: the loss becomes
:math:`\mathcal{L} + \sum_l \text{penalty}(W^{(l)})` and ``grads["W"] += gradient(W)``
after the backward pass (the penalty does not depend on the data, so nothing in the
backward pass changes). Decoupled weight decay is not a penalty but a rule of the
optimizer: :class:`nnbook.optimizers.AdamW`.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_nonnegative
from ._checks import check_weights as _as_weights

__all__ = ["Regularizer", "L2"]


class Regularizer:
    """Base class: ``penalty(W)`` (added to the loss) and ``gradient(W)`` (added to dL/dW).

    Examples
    --------
    >>> import numpy as np
    >>> class L1(Regularizer):                     # alpha sum |W|, gradient alpha sign(W)
    ...     def penalty(self, W):
    ...         return float(0.1 * np.sum(np.abs(W)))
    ...     def gradient(self, W):
    ...         return 0.1 * np.sign(W)
    >>> L1()(np.array([[2.0, -3.0]]))              # 0.1 * (2 + 3)
    0.5
    """

    def penalty(self, W: np.ndarray) -> float:
        """The penalty added to the loss.

        Parameters
        ----------
        W : ndarray
            A weight array (a layer's ``W``, shape (n_out, n_in)).

        Returns
        -------
        float
        """
        raise NotImplementedError

    def gradient(self, W: np.ndarray) -> np.ndarray:
        """The gradient of :meth:`penalty` with respect to ``W``.

        Parameters
        ----------
        W : ndarray
            A weight array.

        Returns
        -------
        ndarray
            Same shape as ``W``.
        """
        raise NotImplementedError

    def __call__(self, W: np.ndarray) -> float:
        return self.penalty(W)


class L2(Regularizer):
    r"""L2 weight penalty with Keras 3's scaling (no :math:`\tfrac12`).

    For a weight array :math:`W` of any shape (a layer's ``W``, shape
    (n_out, n_in)) and strength :math:`\alpha` (``l2``):

    .. math:: \text{penalty}(W) = \alpha \sum_{j,i} W_{ji}^2, \qquad
              \frac{\partial\, \text{penalty}(W)}{\partial W} = 2\alpha\, W

    (the gradient has the shape of :math:`W`). Keras writes ``l2 * sum(square(x))``:
    some texts use :math:`\tfrac{\alpha}{2}\sum W^2`, whose gradient is
    :math:`\alpha W`; the same ``l2`` then regularises half as strongly. With plain
    gradient descent the penalty shrinks every weight by the factor
    :math:`1 - 2\eta\alpha` per step before the data gradient acts (weight decay).

    Parameters
    ----------
    l2 : float >= 0, default 0.01
        The strength :math:`\alpha`; 0.01 is Keras' default. Keras' own ``L2`` stores it as a
        Python float and casts it to float32 before use, also in a float64 model;
        :mod:`nnbook` keeps float64.

    Examples
    --------
    >>> import numpy as np
    >>> reg = L2(0.01)
    >>> W = np.array([[3.0, 4.0]])
    >>> round(reg.penalty(W), 12)          # 0.01 * (9 + 16)
    0.25
    >>> reg.gradient(W).tolist()            # 2 * 0.01 * W
    [[0.06, 0.08]]
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = check_nonnegative(l2, "l2")

    def penalty(self, W: np.ndarray) -> float:
        """The penalty :math:`\\alpha \\sum W^2`.

        Parameters
        ----------
        W : ndarray
            A weight array of any shape.

        Returns
        -------
        float
        """
        W = _as_weights(W, "L2.penalty")
        return float(self.l2 * np.sum(np.square(W)))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        """The gradient :math:`2 \\alpha W` of the penalty.

        Parameters
        ----------
        W : ndarray
            A weight array of any shape.

        Returns
        -------
        ndarray
            Same shape as ``W``.
        """
        W = _as_weights(W, "L2.gradient")
        return (2 * self.l2) * W

    def __repr__(self) -> str:
        return f"L2(l2={self.l2})"
