r"""Layers: the :class:`Layer` interface and the fully connected :class:`Dense` layer.

A layer holds its parameters in ``params`` and, after :meth:`Layer.backward`,
the gradient of the loss with respect to each of them in ``grads``, keyed alike
and of the same shapes. ``forward`` caches exactly what ``backward`` needs.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_matrix, as_rng, check_bool, check_dtype, check_grad_shape, check_positive_int, check_regularizer
from .activations import ACTIVATIONS, Activation, ReLU, get_activation
from .regularizers import regularizer_from_config

__all__ = ["Layer", "Dense", "INITIALIZERS", "initial_weights"]

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
        The source of the random numbers (a Generator; the layers that call this
        take ``rng=None``, meaning seed 0).
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


class Layer:
    """Base class of layers: ``forward`` caches what ``backward`` needs.

    Calling a layer, ``layer(a_prev)``, checks the input (:meth:`check_input`) and runs
    :meth:`forward`; a network checks its inputs once and calls ``forward`` directly.

    Attributes
    ----------
    params : dict of str to ndarray
        The layer's parameters (e.g. ``"W"``, ``"b"``).
    grads : dict of str to ndarray
        dL/d(param) for each entry of ``params``, same keys and shapes, filled
        by :meth:`backward`.
    training : bool
        The mode of the next :meth:`forward`: ``True`` in a training step, ``False``
        (the initial value) at inference. Only layers that behave differently in the
        two modes (dropout, batch normalisation) look at it.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Dense(1, 1, activation="linear")
    >>> layer.params["W"][:] = 2.0
    >>> _ = layer.forward(np.array([[1.0]]))
    >>> _ = layer.backward(np.array([[3.0]]))        # dL/dW = 3 * 1
    >>> layer.update(0.1)                           # W - 0.1 * 3
    >>> layer.W.tolist(), layer.n_params
    ([[1.7]], 2)
    """

    #: A penalty on the layer's weights (only :class:`Dense` takes one).
    kernel_regularizer = None
    #: Whether :meth:`backward` computes dL/d(input); a network's first layer skips it in a
    #: training step, since nothing learns from dL/dX (PyTorch's ``needs_input_grad``).
    needs_input_grad = True

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._training = False

    @property
    def training(self) -> bool:
        """The mode of the next :meth:`forward`: True in training, False at inference."""
        return self._training

    @training.setter
    def training(self, value: bool) -> None:
        self._training = check_bool(value, f"{type(self).__name__}.training")

    @property
    def n_params(self) -> int:
        """Number of trainable numbers (the entries of ``params``)."""
        return sum(p.size for p in self.params.values())

    def __call__(self, a_prev) -> np.ndarray:
        return self.forward(self.check_input(a_prev))

    def check_input(self, a_prev) -> np.ndarray:
        """Return ``a_prev`` as a finite 2-D float array, or raise a clear error.

        Parameters
        ----------
        a_prev : array_like, shape (batch_size, input_dim)
            An input of the layer.

        Returns
        -------
        ndarray, shape (batch_size, input_dim)
            The input, as :meth:`forward` takes it.
        """
        return as_matrix(a_prev, f"{type(self).__name__} input")

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
        """One step of plain gradient descent on every parameter: the rule of :class:`~nnbook.optimizers.SGD`.

        Parameters
        ----------
        learning_rate : float
            The step size, > 0.
        """
        from .optimizers import SGD  # optimizers does not import layers: no cycle

        SGD(learning_rate).step(list(self.params.items()), [(k, self.grads.get(k)) for k in self.params])

    def get_config(self) -> dict:
        """The constructor's arguments (plain Python values) that rebuild this layer's architecture.

        Returns
        -------
        dict
            Keyword arguments of the layer's class.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot be saved: it has no get_config")

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        """A new layer of this class from :meth:`get_config`'s dict (fresh weights; see :meth:`set_state`).

        Parameters
        ----------
        config : dict
            As :meth:`get_config` returns it.

        Returns
        -------
        Layer
            The layer.
        """
        return cls(**config)

    def get_state(self) -> dict:
        """Copies of everything the layer learns or updates: its parameters (and, in subclasses, statistics).

        Returns
        -------
        dict of str to ndarray
            Keyed like ``params``.
        """
        return {k: p.copy() for k, p in self.params.items()}

    def set_state(self, state: dict) -> None:
        """Write ``state`` (from :meth:`get_state`) into the layer, in place.

        Parameters
        ----------
        state : dict of str to ndarray
            The same keys and shapes as :meth:`get_state` returns.
        """
        mine = self._state_arrays()
        if set(state) != set(mine):
            raise ValueError(f"{type(self).__name__}: state has keys {sorted(state)}, expected {sorted(mine)}")
        for key, value in state.items():
            value = np.asarray(value)
            if value.shape != mine[key].shape:
                raise ValueError(f"{type(self).__name__}: {key} has shape {value.shape}, expected {mine[key].shape}")
            mine[key][...] = value

    def _state_arrays(self) -> dict:
        return self.params


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
        Source of the initial weights. None uses seed 0, so repeated calls draw the
        same numbers; pass a Generator to vary them.
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
        self.kernel_regularizer = check_regularizer(kernel_regularizer)
        self.input_dim = check_positive_int(input_dim, "input_dim")
        self.output_dim = check_positive_int(output_dim, "output_dim")
        self.activation: Activation = get_activation(activation)
        self.dtype = dtype = check_dtype(dtype)
        if init is None:
            init = "he" if isinstance(self.activation, ReLU) else "glorot"
        self.init = init
        self.params["W"] = initial_weights(self.output_dim, self.input_dim, init, as_rng(rng), dtype)
        self.params["b"] = np.zeros(self.output_dim, dtype=dtype)
        self.a_prev = self.z = self._a = None

    @property
    def W(self) -> np.ndarray:
        """The weight matrix, shape (output_dim, input_dim)."""
        return self.params["W"]

    @property
    def b(self) -> np.ndarray:
        """The bias vector, shape (output_dim,)."""
        return self.params["b"]

    def check_input(self, a_prev) -> np.ndarray:  # Layer.check_input, with this layer's width and dtype
        return as_matrix(a_prev, "a_prev", n_columns=self.input_dim, dtype=self.dtype)

    @property
    def a(self) -> np.ndarray | None:
        r"""The output :math:`A = \sigma(Z)` of the last forward pass, shape (batch_size, output_dim).

        After :meth:`forward_to_z` it is computed from :math:`Z` when first asked for.
        """
        if self._a is None and self.z is not None:
            self._a = self.activation.forward(self.z)
        return self._a

    def forward(self, a_prev: np.ndarray) -> np.ndarray:
        r"""Forward pass: return :math:`A = \sigma(A_{prev} W^\top + b)`.

        Parameters
        ----------
        a_prev : ndarray, shape (batch_size, input_dim)
            The input.

        Returns
        -------
        ndarray, shape (batch_size, output_dim)
            :math:`A`.
        """
        self._a = self.activation.forward(self.forward_to_z(a_prev))
        return self._a

    def forward_to_z(self, a_prev: np.ndarray) -> np.ndarray:
        r"""The affine map alone: return :math:`Z = A_{prev} W^\top + b`, the activation not applied.

        For a loss that applies the output activation itself (the fused softmax +
        cross-entropy); :meth:`backward_from_z` is its way back.

        Parameters
        ----------
        a_prev : ndarray, shape (batch_size, input_dim)
            The input.

        Returns
        -------
        ndarray, shape (batch_size, output_dim)
            :math:`Z`.
        """
        self.a_prev, self._a = a_prev, None
        self.z = a_prev @ self.params["W"].T + self.params["b"]  # Z = A_prev W^T + b
        return self.z

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Backward pass from dL/dA: through the activation, then the affine map.

        Parameters
        ----------
        grad_output : ndarray, shape (batch_size, output_dim)
            dL/dA for this layer's output.

        Returns
        -------
        ndarray, shape (batch_size, input_dim)
            dL/dA_prev.
        """
        return self.backward_from_z(self.activation.backward(grad_output))

    def backward_from_z(self, delta: np.ndarray) -> np.ndarray:
        r"""Backward pass from :math:`\delta = \partial L/\partial Z`, the activation skipped.

        Used directly when the activation's derivative has already been folded
        into :math:`\delta` (the fused softmax + cross-entropy gradient).

        Parameters
        ----------
        delta : ndarray, shape (batch_size, output_dim)
            :math:`\partial L/\partial Z` for this layer.

        Returns
        -------
        ndarray, shape (batch_size, input_dim), or None
            :math:`\partial L/\partial A_{prev} = \delta W` (None when ``needs_input_grad`` is false).
        """
        if self.z is None:
            raise RuntimeError("Dense.backward called before forward")
        delta = check_grad_shape(delta, self.z.shape, "Dense")
        self.grads["W"] = delta.T @ self.a_prev  # dL/dW = delta^T A_prev
        if self.kernel_regularizer is not None:  # the penalty's gradient, dOmega/dW
            self.grads["W"] += self.kernel_regularizer.gradient(self.params["W"])
        self.grads["b"] = delta.sum(axis=0)  # dL/db = sum over the batch of delta
        return delta @ self.params["W"] if self.needs_input_grad else None  # dL/dA_prev = delta W

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

    def get_config(self) -> dict:
        """``input_dim``, ``output_dim``, the activation's config, ``init``, ``dtype``, the regularizer's strength.

        Returns
        -------
        dict
            Plain Python values (JSON-able).

        Examples
        --------
        >>> Dense(2, 3, "relu").get_config()["activation"]
        {'name': 'relu'}
        """
        reg = self.kernel_regularizer
        return {
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "activation": self.activation.get_config(),
            "init": self.init,
            "dtype": self.dtype.name,
            "kernel_regularizer": None if reg is None else reg.get_config(),
        }

    @classmethod
    def from_config(cls, config: dict) -> Dense:
        """A new Dense layer from :meth:`get_config`'s dict (fresh weights; see :meth:`Layer.set_state`).

        Parameters
        ----------
        config : dict
            As :meth:`get_config` returns it.

        Returns
        -------
        Dense
            The layer.

        Examples
        --------
        >>> Dense.from_config(Dense(2, 3, "tanh").get_config())
        Dense(2, 3, activation='tanh')
        """
        config = dict(config)
        activation = dict(config.pop("activation"))
        reg = config.pop("kernel_regularizer")
        return cls(
            **config,
            activation=ACTIVATIONS[activation.pop("name")](**activation),
            kernel_regularizer=None if reg is None else regularizer_from_config(reg),
        )

    def __repr__(self) -> str:
        reg = "" if self.kernel_regularizer is None else f", kernel_regularizer={self.kernel_regularizer!r}"
        return f"Dense({self.input_dim}, {self.output_dim}, activation={self.activation.name!r}{reg})"
