r"""Optimizers: gradient descent with momentum, and Adam, with Keras 3's exact update rules.

An optimizer's :meth:`Optimizer.step` takes the network's ``parameters()`` and
``gradients()`` (lists of ``(name, array)``) and updates the parameters in place.
State (velocities, moments) is kept per parameter name.

The rules below are written operation for operation as Keras 3 computes them,
so that a trajectory in float64 agrees with ``keras.optimizers.SGD``/``Adam``
to rounding error (pass hyper-parameters to Keras as ``np.float64``: Keras
turns Python floats into float32 first).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_fraction, check_positive_float
from .layers import gradient_descent

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    r"""Base class: :meth:`step` applies one update; ``iterations`` counts them.

    Parameters
    ----------
    learning_rate : float
        The step size :math:`\eta`, > 0.
    """

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_positive_float(learning_rate, "learning_rate")
        self.iterations = 0

    def step(self, params: list[tuple[str, np.ndarray]], grads: list[tuple[str, np.ndarray]]) -> None:
        """Update every parameter in place from its gradient.

        Parameters
        ----------
        params, grads : list of (str, ndarray)
            Aligned lists, as returned by ``NeuralNetwork.parameters()`` and
            ``NeuralNetwork.gradients()``.
        """
        params, grads = list(params), list(grads)
        if len(params) != len(grads):
            raise ValueError(f"got {len(params)} parameters but {len(grads)} gradients")
        for (name, p), (gname, g) in zip(params, grads):
            if name != gname:
                raise ValueError(f"parameter {name!r} is paired with the gradient of {gname!r}")
            if p.shape != g.shape:
                raise ValueError(f"gradient of {name!r} has shape {g.shape}, parameter has {p.shape}")
        for (name, p), (_, g) in zip(params, grads):
            self._update(name, p, g)
        self.iterations += 1

    def _update(self, name: str, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def _slot(self, store: dict, name: str, like: np.ndarray) -> np.ndarray:
        if name not in store:
            store[name] = np.zeros_like(like)
        elif store[name].shape != like.shape:
            raise ValueError(f"parameter {name!r} changed shape from {store[name].shape} to {like.shape}")
        return store[name]


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum.

    With :math:`\eta` the learning rate, :math:`\mu` the momentum and :math:`g` the gradient:

    .. math::

        \mu = 0:&\quad w \leftarrow w - \eta g \\
        \mu > 0:&\quad v \leftarrow \mu v - \eta g, \qquad
        w \leftarrow w + v \quad\text{(Nesterov: } w \leftarrow w + \mu v - \eta g\text{)}

    with :math:`v = 0` at the start: Keras 3's ``keras.optimizers.SGD``.

    Parameters
    ----------
    learning_rate : float
    momentum : float in [0, 1)
    nesterov : bool

    Examples
    --------
    >>> import numpy as np
    >>> w, opt = np.array([1.0]), SGD(0.1, momentum=0.9)
    >>> opt.step([("w", w)], [("w", np.array([1.0]))]); w.tolist()      # v = -0.1
    [0.9]
    >>> opt.step([("w", w)], [("w", np.array([1.0]))]); w.round(12).tolist()   # v = -0.19
    [0.71]
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(learning_rate)
        self.momentum = check_fraction(momentum, "momentum")
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        if nesterov and momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0")
        self.nesterov = nesterov
        self.velocities: dict[str, np.ndarray] = {}

    def _update(self, name, param, grad):
        lr, mu = self.learning_rate, self.momentum
        if mu == 0:
            gradient_descent(param, grad, lr)
            return
        v = self._slot(self.velocities, name, param)
        v[...] = v * mu - grad * lr
        if self.nesterov:
            param += v * mu - grad * lr
        else:
            param += v

    def __repr__(self):
        return f"SGD(learning_rate={self.learning_rate}, momentum={self.momentum}, nesterov={self.nesterov})"


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2015) as Keras 3 computes it.

    At step :math:`t = 1, 2, \dots`, with :math:`m = v = 0` at the start:

    .. math::

        \alpha_t &= \eta\,\frac{\sqrt{1 - \beta_2^{\,t}}}{1 - \beta_1^{\,t}} \\
        m &\leftarrow m + (g - m)(1 - \beta_1) \\
        v &\leftarrow v + (g^2 - v)(1 - \beta_2) \\
        w &\leftarrow w - \frac{\alpha_t\, m}{\sqrt{v} + \epsilon}

    The bias corrections are folded into :math:`\alpha_t`, so :math:`\epsilon` is
    added to the uncorrected :math:`\sqrt v` (the paper's "epsilon hat"). In terms of
    the corrected :math:`\hat v = v/(1 - \beta_2^t)` that is an effective
    :math:`\epsilon/\sqrt{1 - \beta_2^t}`, about 30 times :math:`\epsilon` at
    :math:`t = 1` with the default :math:`\beta_2`; PyTorch adds :math:`\epsilon` to
    :math:`\sqrt{\hat v}` itself. The two visibly differ where a gradient entry is
    not much larger than :math:`\epsilon`.

    Parameters
    ----------
    learning_rate : float, default 1e-3
    beta_1 : float in (0, 1), default 0.9
    beta_2 : float in (0, 1), default 0.999
    epsilon : float > 0, default 1e-7 (Keras' default; the paper uses 1e-8)

    Examples
    --------
    >>> import numpy as np
    >>> w, opt = np.array([1.0]), Adam(0.1)
    >>> opt.step([("w", w)], [("w", np.array([4.0]))])
    >>> w.round(6).tolist()          # the first step moves by almost exactly the learning rate
    [0.9]
    """

    def __init__(
        self, learning_rate: float = 1e-3, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1 = check_fraction(beta_1, "beta_1", low_inclusive=False)
        self.beta_2 = check_fraction(beta_2, "beta_2", low_inclusive=False)
        self.epsilon = check_positive_float(epsilon, "epsilon")
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def step(self, params: list[tuple[str, np.ndarray]], grads: list[tuple[str, np.ndarray]]) -> None:
        """Fold the bias corrections into the step size of this step, then update every parameter.

        Parameters
        ----------
        params, grads : list of (str, ndarray)
            As for :meth:`Optimizer.step`.
        """
        t = self.iterations + 1
        b1, b2 = self.beta_1, self.beta_2
        self._alpha = self.learning_rate * np.sqrt(1 - np.power(b2, t)) / (1 - np.power(b1, t))
        super().step(params, grads)

    def _update(self, name, param, grad):
        m = self._slot(self.m, name, param)
        v = self._slot(self.v, name, param)
        m += (grad - m) * (1 - self.beta_1)
        v += (np.square(grad) - v) * (1 - self.beta_2)
        param -= (m * self._alpha) / (np.sqrt(v) + self.epsilon)

    def __repr__(self):
        return (
            f"Adam(learning_rate={self.learning_rate}, beta_1={self.beta_1}, "
            f"beta_2={self.beta_2}, epsilon={self.epsilon})"
        )
