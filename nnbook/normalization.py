r"""Batch normalisation as a layer, Keras 3's ``keras.layers.BatchNormalization``.

In training each feature is standardised with the mean and variance of the current
mini-batch, then scaled and shifted by the learnable :math:`\gamma` and :math:`\psi`
(Keras's ``gamma`` and ``beta``); moving averages of the batch statistics, updated at
each training step, replace them at inference. The symbols are the book's
(``book/notation.md``, "Regularisation and normalisation").
"""

from __future__ import annotations

import numpy as np

from ._checks import as_matrix, check_dtype, check_fraction, check_grad_shape, check_positive_float, check_positive_int
from .layers import Layer

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    r"""Batch normalisation over the batch axis of inputs of shape (N, n_features).

    **Training** (batch statistics; :math:`\bar a, s^2, \gamma, \psi` of shape
    (n_features,), :math:`A, \hat A, U` of shape (N, n_features)):

    .. math::

        \bar a = \frac1N \sum_n A_{n,:}, \qquad
        s^2 = \frac1N \sum_n (A_{n,:} - \bar a)^2, \qquad
        \hat A = \frac{A - \bar a}{\sqrt{s^2 + \zeta}}, \qquad
        U = \gamma \odot \hat A + \psi

    (the biased variance, divided by :math:`N`, as Keras; :math:`\zeta` is the
    layer's small constant, ``epsilon``, written :math:`\zeta` because :math:`\epsilon`
    is the optimizers' constant; :math:`\psi` is the shift, the parameter ``"beta"``),
    and the moving statistics are updated with Keras' rule, :math:`\mu_{\text{BN}}`
    being ``momentum`` (the fraction of a moving average kept per step):

    .. math::

        \bar a_{\text{mov}} \leftarrow \mu_{\text{BN}}\, \bar a_{\text{mov}} + (1 - \mu_{\text{BN}})\, \bar a, \qquad
        s^2_{\text{mov}} \leftarrow \mu_{\text{BN}}\, s^2_{\text{mov}} + (1 - \mu_{\text{BN}})\, s^2

    starting from :math:`\bar a_{\text{mov}} = 0`, :math:`s^2_{\text{mov}} = 1`.

    **Inference**: :math:`U = \gamma \odot (A - \bar a_{\text{mov}})/\sqrt{s^2_{\text{mov}} + \zeta} + \psi`,
    an affine map of each feature.

    **Backward in training**, with :math:`G = \partial \mathcal{L}/\partial U`; since
    :math:`\bar a` and :math:`s^2` depend on every row, the chain rule through them
    collapses to

    .. math::

        \frac{\partial \mathcal{L}}{\partial \gamma} = \sum_n G_{n,:} \odot \hat A_{n,:}, \qquad
        \frac{\partial \mathcal{L}}{\partial \psi} = \sum_n G_{n,:}, \qquad
        \frac{\partial \mathcal{L}}{\partial A} = \frac{\gamma}{N\sqrt{s^2 + \zeta}} \odot
            \Big(N G - \sum_n G_{n,:} - \hat A \odot \sum_n G_{n,:} \odot \hat A_{n,:}\Big)

    (the middle term comes from :math:`\bar a`, the last from :math:`s^2`). At inference
    the statistics are constants:
    :math:`\partial \mathcal{L}/\partial A = G \odot \gamma/\sqrt{s^2_{\text{mov}} + \zeta}`.

    The layer's ``training`` flag (:attr:`Layer.training <nnbook.layers.Layer.training>`)
    chooses: ``True``, batch statistics (and the moving ones updated); ``False`` (the
    initial value), the moving statistics.

    Parameters
    ----------
    n_features : int
        Number of features (columns) normalised, each on its own.
    momentum : float in [0, 1), default 0.99
        :math:`\mu_{\text{BN}}`, the fraction of the moving averages kept per step.
    epsilon : float > 0, default 1e-3
        :math:`\zeta`, added to the variance.
    dtype : numpy dtype
        ``np.float64`` (default) or ``np.float32``.

    Attributes
    ----------
    params : {"gamma", "beta"}
        Learnable scale :math:`\gamma` (starts at 1) and shift :math:`\psi` (starts at 0),
        shape (n_features,); the keys are Keras's names.
    grads : {"gamma", "beta"}
        Their gradients after :meth:`backward`.
    moving_mean, moving_variance : ndarray, shape (n_features,)
        :math:`\bar a_{\text{mov}}` and :math:`s^2_{\text{mov}}`, used at inference.

    Examples
    --------
    >>> import numpy as np
    >>> bn = BatchNormalization(1, epsilon=1e-12)
    >>> bn.training = True
    >>> bn.forward(np.array([[1.0], [3.0]])).round(9).tolist()     # mean 2, variance 1
    [[-1.0], [1.0]]
    >>> bn.moving_mean.round(12).tolist(), bn.moving_variance.round(12).tolist()   # 0.01 * 2; 0.99 + 0.01 * 1
    ([0.02], [1.0])
    >>> bn.backward(np.array([[1.0], [1.0]])).round(9).tolist()   # a common shift of A changes nothing
    [[0.0], [0.0]]
    """

    def __init__(self, n_features: int, momentum: float = 0.99, epsilon: float = 1e-3, *, dtype=np.float64):
        super().__init__()
        self.n_features = check_positive_int(n_features, "n_features")
        self.momentum = check_fraction(momentum, "momentum")
        self.epsilon = check_positive_float(epsilon, "epsilon")
        self.dtype = dtype = check_dtype(dtype)
        self.params["gamma"] = np.ones(self.n_features, dtype=dtype)
        self.params["beta"] = np.zeros(self.n_features, dtype=dtype)
        self.moving_mean = np.zeros(self.n_features, dtype=dtype)
        self.moving_variance = np.ones(self.n_features, dtype=dtype)
        self._cache = None

    def check_input(self, a_prev) -> np.ndarray:
        """Return ``a_prev`` as a finite array of shape (N, n_features) in the layer's dtype, or raise.

        Parameters
        ----------
        a_prev : array_like, shape (N, n_features)
            An input.

        Returns
        -------
        ndarray, shape (N, n_features)
            The input, as :meth:`forward` takes it.
        """
        return as_matrix(a_prev, "BatchNormalization input", n_columns=self.n_features, dtype=self.dtype)

    def forward(self, a_prev: np.ndarray) -> np.ndarray:
        """Normalise with the batch statistics (training) or the moving ones (inference).

        Parameters
        ----------
        a_prev : ndarray, shape (N, n_features)
            The input A; in training N >= 2.

        Returns
        -------
        ndarray, shape (N, n_features)
            U.
        """
        a = a_prev
        gamma, psi = self.params["gamma"], self.params["beta"]  # psi: the shift, Keras's beta
        if self.training:
            n = a.shape[0]
            if n < 2:
                raise ValueError(
                    "BatchNormalization in training needs a batch of at least 2 samples, got 1: "
                    "the batch variance of one sample is 0 and every output would equal beta"
                )
            mean = a.mean(axis=0)
            variance = np.square(a - mean).mean(axis=0)
            mu_bn = self.momentum
            self.moving_mean[...] = self.moving_mean * mu_bn + mean * (1.0 - mu_bn)
            self.moving_variance[...] = self.moving_variance * mu_bn + variance * (1.0 - mu_bn)
        else:
            mean, variance = self.moving_mean, self.moving_variance
        inv_std = 1.0 / np.sqrt(variance + self.epsilon)
        a_hat = (a - mean) * inv_std
        self._cache = (self.training, a_hat, inv_std)
        return gamma * a_hat + psi

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Fill ``grads["gamma"]`` and ``grads["beta"]``; return dL/dA.

        Parameters
        ----------
        grad_output : ndarray, shape (N, n_features)
            G = dL/dU for the last :meth:`~nnbook.normalization.BatchNormalization.forward`.

        Returns
        -------
        ndarray, shape (N, n_features)
            dL/dA, through the batch statistics in training, not at inference.
        """
        if self._cache is None:
            raise RuntimeError("BatchNormalization.backward called before forward")
        training, a_hat, inv_std = self._cache
        g = check_grad_shape(grad_output, a_hat.shape, "BatchNormalization")
        self.grads["gamma"] = np.sum(g * a_hat, axis=0)
        self.grads["beta"] = np.sum(g, axis=0)
        g_hat = g * self.params["gamma"]  # dL/dA_hat
        if not training:
            return g_hat * inv_std
        n = g.shape[0]
        return (inv_std / n) * (n * g_hat - g_hat.sum(axis=0) - a_hat * np.sum(g_hat * a_hat, axis=0))

    def get_config(self) -> dict:
        """``n_features``, ``momentum``, ``epsilon`` and ``dtype``, as plain Python values.

        Returns
        -------
        dict
            The constructor's arguments.

        Examples
        --------
        >>> BatchNormalization(3).get_config()
        {'n_features': 3, 'momentum': 0.99, 'epsilon': 0.001, 'dtype': 'float64'}
        """
        return {
            "n_features": self.n_features,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "dtype": self.dtype.name,
        }

    def get_state(self) -> dict:
        """Copies of ``gamma`` and ``beta`` and of the moving statistics, which inference uses.

        Returns
        -------
        dict of str to ndarray
            ``gamma``, ``beta``, ``moving_mean``, ``moving_variance``.

        Examples
        --------
        >>> sorted(BatchNormalization(2).get_state())
        ['beta', 'gamma', 'moving_mean', 'moving_variance']
        """
        return {k: a.copy() for k, a in self._state_arrays().items()}

    def _state_arrays(self) -> dict:
        return {**self.params, "moving_mean": self.moving_mean, "moving_variance": self.moving_variance}

    def __repr__(self) -> str:
        return f"BatchNormalization({self.n_features}, momentum={self.momentum}, epsilon={self.epsilon})"
