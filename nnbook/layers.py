r"""Layers: the :class:`Layer` interface and the fully connected :class:`Dense` layer.

A layer holds its parameters in ``params`` and, after :meth:`Layer.backward`,
the gradient of the loss with respect to each of them in ``grads``, keyed alike
and of the same shapes. ``forward`` caches exactly what ``backward`` needs.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_matrix, as_rng, check_dtype, check_positive_float, check_positive_int
from .activations import Activation, ReLU, get_activation
from .regularizers import Regularizer

__all__ = ["Layer", "Dense", "INITIALIZERS", "initial_weights", "gradient_descent"]

#: Weight initialisation schemes known to :class:`Dense`.
INITIALIZERS = ("he", "glorot")


def initial_weights(
    output_dim: int, input_dim: int, init: str, rng: np.random.Generator, dtype=np.float64
) -> np.ndarray:
    r"""Draw a weight matrix of shape (output_dim, input_dim).

    ``"he"``
        :math:`W_{ij} \sim \mathcal N(0, 2/n_{in})`, keeps the variance of ReLU
        activations constant through depth (He et al., 2015).
    ``"glorot"``
        :math:`W_{ij} \sim \mathcal U(-r, r)` with :math:`r = \sqrt{6/(n_{in} + n_{out})}`,
        variance :math:`2/(n_{in} + n_{out})`, for sigmoid, tanh, softmax and linear
        units (Glorot and Bengio, 2010; Keras' default ``glorot_uniform``).

    Parameters
    ----------
    output_dim, input_dim : int
        The shape of ``W``: :math:`n_{out}` and :math:`n_{in}`.
    init : {"he", "glorot"}
        The scheme.
    rng : numpy.random.Generator
        The source of the random numbers.
    dtype : numpy dtype
        Of the result.

    Returns
    -------
    ndarray, shape (output_dim, input_dim)
        The weights.

    Examples
    --------
    >>> import numpy as np
    >>> W = initial_weights(200, 100, "he", np.random.default_rng(0))
    >>> W.shape, bool(abs(W.var() - 2 / 100) < 0.002)
    ((200, 100), True)
    """
    if init == "he":
        return (rng.standard_normal((output_dim, input_dim)) * np.sqrt(2.0 / input_dim)).astype(dtype)
    if init == "glorot":
        limit = np.sqrt(6.0 / (input_dim + output_dim))
        return rng.uniform(-limit, limit, size=(output_dim, input_dim)).astype(dtype)
    raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITIALIZERS)}")


def gradient_descent(param: np.ndarray, grad: np.ndarray, learning_rate: float) -> None:
    r"""The gradient-descent rule :math:`\theta \leftarrow \theta - \eta g`, in place.

    The one implementation of the rule: :meth:`Layer.update`,
    :meth:`nnbook.network.NeuralNetwork.update` and :class:`nnbook.optimizers.SGD` without
    momentum all call it. Written as Keras writes it (``grad * learning_rate``, then subtracted).

    Parameters
    ----------
    param : ndarray
        The parameter, updated in place.
    grad : ndarray
        Its gradient, same shape.
    learning_rate : float
        :math:`\eta`.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, 2.0])
    >>> gradient_descent(w, np.array([10.0, -10.0]), 0.1)
    >>> w.tolist()
    [0.0, 3.0]
    """
    param -= grad * learning_rate


class Layer:
    """Base class of layers.

    Attributes
    ----------
    params : dict of str to ndarray
        The layer's parameters (e.g. ``"W"``, ``"b"``).
    grads : dict of str to ndarray
        dL/d(param) for each entry of ``params``, same keys and shapes, filled
        by :meth:`backward`.
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, a_prev: np.ndarray) -> np.ndarray:
        """Return the layer's output for an input of shape (batch_size, input_dim).

        Parameters
        ----------
        a_prev : ndarray, shape (batch_size, input_dim)
            The input.

        Returns
        -------
        ndarray, shape (batch_size, output_dim)
            The output.
        """
        raise NotImplementedError

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Given dL/d(output), fill ``grads`` and return dL/d(input).

        Parameters
        ----------
        grad_output : ndarray, shape (batch_size, output_dim)
            dL/d(output) of the last :meth:`forward`.

        Returns
        -------
        ndarray, shape (batch_size, input_dim)
            dL/d(input).
        """
        raise NotImplementedError

    def update(self, learning_rate: float) -> None:
        """Plain gradient descent on every parameter (:func:`gradient_descent`).

        Parameters
        ----------
        learning_rate : float
            The step size, > 0.
        """
        learning_rate = check_positive_float(learning_rate, "learning_rate")
        for key, param in self.params.items():
            if key not in self.grads:
                raise RuntimeError(f"no gradient for parameter {key!r}: call backward before update")
            gradient_descent(param, self.grads[key], learning_rate)


class Dense(Layer):
    r"""Fully connected layer.

    .. math:: Z = A_{prev} W^\top + b, \qquad A = \sigma(Z)

    with ``W`` of shape (output_dim, input_dim), ``b`` of shape (output_dim,),
    ``A_prev`` of shape (batch_size, input_dim) and ``Z, A`` of shape
    (batch_size, output_dim); ``b`` is broadcast over the rows.

    Backward, with :math:`\delta = \partial L/\partial Z` (the loss being already
    averaged over the batch, so no further 1/N here):

    .. math:: \frac{\partial L}{\partial W} = \delta^\top A_{prev}, \qquad
              \frac{\partial L}{\partial b} = \sum_{n} \delta_{n,:}, \qquad
              \frac{\partial L}{\partial A_{prev}} = \delta W

    Parameters
    ----------
    input_dim, output_dim : int
        Number of inputs and of units.
    activation : str, Activation or None
        Applied after the affine map; ``None`` means linear.
    init : {"he", "glorot"} or None
        Weight initialisation (see :func:`initial_weights`). ``None`` picks
        ``"he"`` for ReLU and ``"glorot"`` for every other activation.
    rng : numpy.random.Generator, int or None
        Source of the initial weights (``None``: a generator seeded with 0).
    dtype : numpy dtype
        ``np.float64`` (default; what gradient checks use) or ``np.float32``.
    kernel_regularizer : Regularizer or None
        A penalty on ``W`` (not on ``b``), e.g. :class:`~nnbook.regularizers.L2`, as Keras'
        ``Dense(kernel_regularizer=...)``: :meth:`backward_from_z` adds its gradient to
        ``grads["W"]`` and :meth:`regularization_loss` gives the penalty, which
        :class:`~nnbook.network.NeuralNetwork` adds to the loss.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Dense(2, 1, activation="linear")
    >>> layer.params["W"][:] = [[1.0, -1.0]]
    >>> layer.params["b"][:] = [0.5]
    >>> layer.forward(np.array([[3.0, 1.0]])).tolist()     # 3 - 1 + 0.5
    [[2.5]]
    >>> _ = layer.backward(np.array([[1.0]]))
    >>> layer.grads["W"].tolist(), layer.grads["b"].tolist()
    ([[3.0, 1.0]], [1.0])
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        activation=None,
        *,
        init: str | None = None,
        rng: np.random.Generator | int | None = None,
        dtype=np.float64,
        kernel_regularizer=None,
    ) -> None:
        super().__init__()
        self.kernel_regularizer = _check_regularizer(kernel_regularizer)
        self.input_dim = check_positive_int(input_dim, "input_dim")
        self.output_dim = check_positive_int(output_dim, "output_dim")
        self.activation: Activation = get_activation(activation)
        self.dtype = dtype = check_dtype(dtype)
        if init is None:
            init = "he" if isinstance(self.activation, ReLU) else "glorot"
        self.init = init
        self.params["W"] = initial_weights(self.output_dim, self.input_dim, init, as_rng(rng), dtype)
        self.params["b"] = np.zeros(self.output_dim, dtype=dtype)
        self.a_prev = None
        self.z = None
        self.a = None

    @property
    def W(self) -> np.ndarray:
        """The weight matrix, shape (output_dim, input_dim)."""
        return self.params["W"]

    @property
    def b(self) -> np.ndarray:
        """The bias vector, shape (output_dim,)."""
        return self.params["b"]

    @property
    def n_params(self) -> int:
        """Number of trainable numbers: output_dim * input_dim + output_dim."""
        return sum(p.size for p in self.params.values())

    def forward(self, a_prev: np.ndarray, *, check_input: bool = True, activate: bool = True) -> np.ndarray:
        """Forward pass: return :math:`A = \\sigma(A_{prev} W^\\top + b)`.

        Parameters
        ----------
        a_prev : ndarray, shape (batch_size, input_dim)
            The input; NaN or infinite entries are rejected.
        check_input : bool
            ``False`` skips the checks of ``a_prev`` (shape, finiteness, dtype), for a
            caller that has validated it already (:class:`~nnbook.network.NeuralNetwork`).
        activate : bool
            ``False`` stops at :math:`Z` and returns it, for a loss that computes the
            activation itself (the fused softmax + cross-entropy).

        Returns
        -------
        ndarray, shape (batch_size, output_dim)
            :math:`A` (or :math:`Z` when ``activate`` is false).
        """
        if check_input:
            a_prev = self._check_input(a_prev)
        self.a_prev = a_prev
        self.z = a_prev @ self.params["W"].T + self.params["b"]  # Z = A_prev W^T + b
        if not activate:
            return self.z
        self.a = self.activation.forward(self.z)
        return self.a

    def _check_input(self, a_prev) -> np.ndarray:
        shape = np.shape(a_prev)
        if len(shape) != 2 or shape[1] != self.input_dim:
            raise ValueError(
                f"Dense({self.input_dim}, {self.output_dim}) expects input of shape "
                f"(batch_size, {self.input_dim}), got {shape}"
            )
        return as_matrix(a_prev, "a_prev", dtype=self.dtype)

    def backward(self, grad_output: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Backward pass from dL/dA: through the activation, then the affine map.

        Parameters
        ----------
        grad_output : ndarray, shape (batch_size, output_dim)
            dL/dA for this layer's output.
        input_grad : bool
            ``False`` skips dL/dA_prev (see :meth:`~nnbook.layers.Dense.backward_from_z`).

        Returns
        -------
        ndarray, shape (batch_size, input_dim), or None
            dL/dA_prev (None when ``input_grad`` is false).
        """
        if self.a is None:
            raise RuntimeError("Dense.backward called before forward")
        grad_output = np.asarray(grad_output)
        if grad_output.shape != self.a.shape:
            raise ValueError(
                f"Dense({self.input_dim}, {self.output_dim}).backward expects grad_output of shape "
                f"{self.a.shape}, got {grad_output.shape}"
            )
        delta = self.activation.backward(grad_output)
        if input_grad:
            return self.backward_from_z(delta)
        return self.backward_from_z(delta, input_grad=False)

    def backward_from_z(self, delta: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        r"""Backward pass from :math:`\delta = \partial L/\partial Z`, skipping the activation.

        Used directly when the activation's derivative has already been folded
        into :math:`\delta` (the fused softmax + cross-entropy gradient).

        Parameters
        ----------
        delta : ndarray, shape (batch_size, output_dim)
            :math:`\partial L/\partial Z` for this layer.
        input_grad : bool
            ``False`` skips :math:`\partial L/\partial A_{prev}`: the network's first layer
            does not need it, since nothing is learned from :math:`\partial L/\partial X`.

        Returns
        -------
        ndarray, shape (batch_size, input_dim), or None
            :math:`\partial L/\partial A_{prev} = \delta W` (None when ``input_grad`` is false).
        """
        if self.a_prev is None:
            raise RuntimeError("Dense.backward called before forward")
        delta = np.asarray(delta)
        if delta.shape != self.z.shape:
            raise ValueError(
                f"Dense({self.input_dim}, {self.output_dim}): delta must have shape {self.z.shape}, got {delta.shape}"
            )
        self.grads["W"] = delta.T @ self.a_prev  # dL/dW = delta^T A_prev
        if self.kernel_regularizer is not None:  # the penalty's gradient, dOmega/dW
            self.grads["W"] += self.kernel_regularizer.gradient(self.params["W"])
        self.grads["b"] = delta.sum(axis=0)  # dL/db = sum over the batch of delta
        if not input_grad:
            return None
        return delta @ self.params["W"]  # dL/dA_prev = delta W

    def regularization_loss(self) -> float:
        """The penalty of ``kernel_regularizer`` on ``W`` (0.0 without one).

        Returns
        -------
        float
            Added to the loss by :class:`~nnbook.network.NeuralNetwork`.
        """
        if self.kernel_regularizer is None:
            return 0.0
        try:
            return self.kernel_regularizer.penalty(self.params["W"])
        except ValueError as err:  # NaN/inf weights: the weights have diverged
            raise FloatingPointError(f"the weights of {self!r} are not finite: they have diverged ({err})") from err

    def __repr__(self) -> str:
        reg = "" if self.kernel_regularizer is None else f", kernel_regularizer={self.kernel_regularizer!r}"
        return f"Dense({self.input_dim}, {self.output_dim}, activation={self.activation.name!r}{reg})"


def _check_regularizer(regularizer):
    """Return ``regularizer`` if it is None or a :class:`~nnbook.regularizers.Regularizer`, else raise TypeError.

    Parameters
    ----------
    regularizer : Regularizer or None
        The candidate.

    Returns
    -------
    Regularizer or None
        ``regularizer`` itself.
    """
    if regularizer is not None and not isinstance(regularizer, Regularizer):
        raise TypeError(
            f"kernel_regularizer must be a Regularizer such as nnbook.L2(0.01) or None, got {regularizer!r} "
            f"({type(regularizer).__name__})"
        )
    return regularizer
