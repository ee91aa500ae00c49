r"""Weight penalties added to the loss: L2, L1 and both, Keras 3's ``keras.regularizers.L2``, ``L1``, ``L1L2``.

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

from ._checks import check_nonnegative, check_weights

__all__ = ["Regularizer", "L2", "L1", "L1L2", "regularizer_from_config"]


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

    def get_config(self) -> dict:
        """The strengths, by Keras's argument names (``{"l2": 0.01}``); :func:`regularizer_from_config` inverts it."""
        raise NotImplementedError


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
        W = check_weights(W, "L2.penalty")
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
        W = check_weights(W, "L2.gradient")
        return (2 * self.l2) * W

    def get_config(self) -> dict:
        return {"l2": float(self.l2)}

    def __repr__(self) -> str:
        return f"L2(l2={self.l2})"


class L1(Regularizer):
    r"""L1 weight penalty, Keras 3's ``keras.regularizers.L1``.

    For a weight array :math:`W` and strength :math:`\alpha_1` (``l1``):

    .. math:: \text{penalty}(W) = \alpha_1 \sum_{j,i} \lvert W_{ji} \rvert, \qquad
              \frac{\partial\, \text{penalty}(W)}{\partial W} = \alpha_1 \operatorname{sign}(W)

    elementwise, with :math:`\operatorname{sign}(0) = 0`: :math:`\lvert w \rvert` has no
    derivative at 0, and 0 is the subgradient that TensorFlow (hence Keras) uses there, as
    ``np.sign`` does. Every weight is pulled towards 0 by the same amount
    :math:`\eta\alpha_1` per step of gradient descent, however small it already is (L2's pull
    :math:`2\eta\alpha w` fades with :math:`w`): L1 sets many weights to exactly zero or
    leaves them jittering around it.

    Parameters
    ----------
    l1 : float >= 0, default 0.01
        The strength :math:`\alpha_1` (Keras' default). Keras casts it to float32 before use.

    Examples
    --------
    >>> import numpy as np
    >>> reg = L1(0.01)
    >>> W = np.array([[3.0, -4.0, 0.0]])
    >>> round(reg.penalty(W), 12)          # 0.01 * (3 + 4 + 0)
    0.07
    >>> reg.gradient(W).tolist()            # 0.01 * sign(W), sign(0) = 0
    [[0.01, -0.01, 0.0]]
    """

    def __init__(self, l1: float = 0.01):
        self.l1 = check_nonnegative(l1, "l1")

    def penalty(self, W: np.ndarray) -> float:
        r"""The penalty :math:`\alpha_1 \sum \lvert W \rvert`.

        Parameters
        ----------
        W : ndarray
            A weight array of any shape.

        Returns
        -------
        float
        """
        W = check_weights(W, "L1.penalty")
        return float(self.l1 * np.sum(np.abs(W)))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        r"""The (sub)gradient :math:`\alpha_1 \operatorname{sign}(W)`, 0 where :math:`W = 0`.

        Parameters
        ----------
        W : ndarray
            A weight array of any shape.

        Returns
        -------
        ndarray
            Same shape as ``W``.
        """
        W = check_weights(W, "L1.gradient")
        return self.l1 * np.sign(W)

    def get_config(self) -> dict:
        return {"l1": float(self.l1)}

    def __repr__(self) -> str:
        return f"L1(l1={self.l1})"


class L1L2(Regularizer):
    r"""The sum of an L1 and an L2 penalty, Keras 3's ``keras.regularizers.L1L2``.

    .. math:: \text{penalty}(W) = \alpha_1 \sum_{j,i} \lvert W_{ji} \rvert + \alpha \sum_{j,i} W_{ji}^2,
              \qquad \frac{\partial\, \text{penalty}(W)}{\partial W}
              = \alpha_1 \operatorname{sign}(W) + 2\alpha\, W

    (:class:`L1` plus :class:`L2`, with :math:`\operatorname{sign}(0) = 0`; statisticians call
    it the elastic net).

    Parameters
    ----------
    l1 : float >= 0, default 0.0
        :math:`\alpha_1`.
    l2 : float >= 0, default 0.0
        :math:`\alpha`. Both default to 0, as in Keras.

    Examples
    --------
    >>> import numpy as np
    >>> reg = L1L2(l1=0.01, l2=0.1)
    >>> W = np.array([[3.0, -4.0]])
    >>> round(reg.penalty(W), 12)          # 0.01 * 7 + 0.1 * 25
    2.57
    >>> reg.gradient(W).round(12).tolist()  # 0.01 sign(W) + 0.2 W
    [[0.61, -0.81]]
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = check_nonnegative(l1, "l1")
        self.l2 = check_nonnegative(l2, "l2")

    def penalty(self, W: np.ndarray) -> float:
        r"""The penalty :math:`\alpha_1 \sum \lvert W \rvert + \alpha \sum W^2`.

        Parameters
        ----------
        W : ndarray
            A weight array of any shape.

        Returns
        -------
        float
        """
        W = check_weights(W, "L1L2.penalty")
        return float(self.l1 * np.sum(np.abs(W)) + self.l2 * np.sum(np.square(W)))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        r"""The (sub)gradient :math:`\alpha_1 \operatorname{sign}(W) + 2\alpha W`.

        Parameters
        ----------
        W : ndarray
            A weight array of any shape.

        Returns
        -------
        ndarray
            Same shape as ``W``.
        """
        W = check_weights(W, "L1L2.gradient")
        return self.l1 * np.sign(W) + (2 * self.l2) * W

    def get_config(self) -> dict:
        return {"l1": float(self.l1), "l2": float(self.l2)}

    def __repr__(self) -> str:
        return f"L1L2(l1={self.l1}, l2={self.l2})"


def regularizer_from_config(config: dict) -> Regularizer:
    """The regularizer whose :meth:`~Regularizer.get_config` is ``config``: the keys name it.

    Parameters
    ----------
    config : dict
        ``{"l2": a}`` (L2), ``{"l1": a}`` (L1) or ``{"l1": a, "l2": b}`` (L1L2).

    Returns
    -------
    Regularizer

    Examples
    --------
    >>> regularizer_from_config(L1L2(0.5, 0.25).get_config())
    L1L2(l1=0.5, l2=0.25)
    """
    kinds = {("l2",): L2, ("l1",): L1, ("l1", "l2"): L1L2}
    key = tuple(sorted(config))
    if key not in kinds:
        raise ValueError(f"no regularizer has the arguments {list(config)}; expected l1, l2 or both")
    return kinds[key](**config)
