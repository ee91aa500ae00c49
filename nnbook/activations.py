r"""Activation functions and their derivatives.

Each activation is an object with ``forward(z)`` and ``backward(grad_output)``.
``forward`` caches exactly what ``backward`` needs; ``backward`` takes
:math:`\partial L/\partial A` (shape (batch_size, n_units)) and returns
:math:`\partial L/\partial Z` of the same shape, i.e. it applies the
vector-Jacobian product of the activation.

Notation: ``z`` is the pre-activation :math:`Z = A_{prev} W^\top + b`, ``a`` the
activation :math:`A = \sigma(Z)`.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_nonnegative

__all__ = [
    "Activation",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "Linear",
    "LeakyReLU",
    "GELU",
    "ELU",
    "SiLU",
    "ACTIVATIONS",
    "get_activation",
    "sigmoid",
    "softmax",
]


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, exact and warning-free.

    For :math:`z \ge 0` it evaluates :math:`1/(1 + e^{-z})`, for :math:`z < 0` the
    equal form :math:`e^{z}/(1 + e^{z})`, so ``exp`` never overflows.

    Parameters
    ----------
    z : array_like
        Any shape; integers are computed as float64.

    Returns
    -------
    ndarray
        :math:`\sigma(z)`, same shape, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid(np.array([-1e4, 0.0, 1e4])).tolist()
    [0.0, 0.5, 1.0]
    """
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)  # integer input: casting the result back would truncate it to 0/1
    with np.errstate(under="ignore"):  # e^{-|z|} rounding to 0 is the exact float result, not an error
        e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def softmax(z: np.ndarray) -> np.ndarray:
    r"""Row-wise softmax :math:`p_k = e^{z_k} / \sum_j e^{z_j}` of logits of shape (N, K).

    The row maximum is subtracted first. This is exact, not an approximation:
    softmax is invariant to adding a constant to every logit of a row, and after
    the shift every exponent is :math:`\le 0`, so nothing overflows.

    Parameters
    ----------
    z : array_like, shape (N, K)
        Logits, one row per sample.

    Returns
    -------
    ndarray, shape (N, K)
        Rows of probabilities summing to 1.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([[1e4, 0.0]])).tolist()
    [[1.0, 0.0]]
    >>> bool(np.allclose(softmax(np.array([[1.0, 2.0]])), softmax(np.array([[101.0, 102.0]]))))
    True
    """
    z = np.asarray(z)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    with np.errstate(under="ignore"):  # exponents far below 0 round to exactly 0: not an error
        e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


class Activation:
    """Base class of activation functions.

    Subclasses implement :meth:`forward` (caching what the derivative needs) and
    :meth:`backward` (the vector-Jacobian product).

    Examples
    --------
    >>> import numpy as np
    >>> class Square(Activation):                  # sigma(z) = z^2, sigma'(z) = 2 z
    ...     def forward(self, z):
    ...         self.z = z
    ...         return z**2
    ...     def backward(self, grad_output):
    ...         return grad_output * 2 * self.z
    >>> f = Square()
    >>> f(np.array([[3.0]])).tolist(), f.backward(np.array([[1.0]])).tolist()
    ([[9.0]], [[6.0]])
    """

    #: Name under which :func:`get_activation` finds the class.
    name = "activation"

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Apply the activation to ``z`` of shape (batch_size, n_units).

        Parameters
        ----------
        z : ndarray, shape (batch_size, n_units)
            The pre-activation :math:`Z`.

        Returns
        -------
        ndarray, shape (batch_size, n_units)
            The activation :math:`A`.
        """
        raise NotImplementedError

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        r"""Return dL/dz given dL/da of shape (batch_size, n_units).

        Parameters
        ----------
        grad_output : ndarray, shape (batch_size, n_units)
            :math:`\partial L/\partial A` for the last :meth:`~nnbook.activations.Activation.forward`.

        Returns
        -------
        ndarray, shape (batch_size, n_units)
            :math:`\partial L/\partial Z`.
        """
        raise NotImplementedError

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.forward(z)

    def get_config(self) -> dict:
        """The name and the arguments that rebuild this activation: ``get_activation(name)(**rest)``.

        Returns
        -------
        dict
            ``{"name": ...}`` plus the constructor's arguments, if any.

        Examples
        --------
        >>> LeakyReLU(0.1).get_config()
        {'name': 'leaky_relu', 'negative_slope': 0.1}
        """
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _cached(self, attr: str, grad_output: np.ndarray) -> np.ndarray:
        """Return the cached array ``attr``, checking ``grad_output`` matches it."""
        cached = getattr(self, attr, None)
        if cached is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward: nothing is cached")
        grad_output = np.asarray(grad_output)
        if grad_output.shape != cached.shape:
            raise ValueError(
                f"{type(self).__name__}.backward: grad_output must have the shape of the "
                f"forward output {cached.shape}, got {grad_output.shape}"
            )
        return cached


class ReLU(Activation):
    r"""Rectified linear unit.

    .. math:: \sigma(z) = \max(0, z), \qquad \sigma'(z) = [z > 0]

    The derivative at exactly :math:`z = 0` is taken as 0 (as in TensorFlow).

    Examples
    --------
    >>> import numpy as np
    >>> relu = ReLU()
    >>> relu.forward(np.array([[-2.0, 0.0, 3.0]])).tolist()
    [[0.0, 0.0, 3.0]]
    >>> relu.backward(np.ones((1, 3))).tolist()
    [[0.0, 0.0, 1.0]]
    """

    name = "relu"

    def __init__(self) -> None:
        self.z = None

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.z = z
        return np.maximum(z, 0)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        z = self._cached("z", grad_output)
        return grad_output * (z > 0)  # dL/dz = dL/da * [z > 0]


class Sigmoid(Activation):
    r"""Logistic sigmoid.

    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad \sigma'(z) = \sigma(z)\,(1 - \sigma(z))

    The derivative is computed from the cached output :math:`a = \sigma(z)`.
    Exact and warning-free for any finite ``z`` (see :func:`sigmoid`).

    Examples
    --------
    >>> import numpy as np
    >>> s = Sigmoid()
    >>> s.forward(np.array([[0.0]])).tolist()
    [[0.5]]
    >>> s.backward(np.array([[1.0]])).tolist()   # sigma'(0) = 0.5 * 0.5
    [[0.25]]
    """

    name = "sigmoid"

    def __init__(self) -> None:
        self.a = None

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.a = sigmoid(z)
        return self.a

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        a = self._cached("a", grad_output)
        return grad_output * a * (1 - a)


class Tanh(Activation):
    r"""Hyperbolic tangent.

    .. math:: \sigma(z) = \tanh z, \qquad \sigma'(z) = 1 - \tanh^2 z = 1 - a^2

    Examples
    --------
    >>> import numpy as np
    >>> t = Tanh()
    >>> t.forward(np.array([[0.0]])).tolist()
    [[0.0]]
    >>> t.backward(np.array([[2.0]])).tolist()   # 2 * (1 - 0**2)
    [[2.0]]
    """

    name = "tanh"

    def __init__(self) -> None:
        self.a = None

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.a = np.tanh(z)
        return self.a

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        a = self._cached("a", grad_output)
        return grad_output * (1 - a * a)


class Softmax(Activation):
    r"""Softmax over the last axis (the classes) of logits of shape (N, K).

    .. math:: p_k = \frac{e^{z_k}}{\sum_j e^{z_j}}, \qquad
              \frac{\partial p_i}{\partial z_j} = p_i(\delta_{ij} - p_j)

    :meth:`backward` applies the Jacobian without building it: for each row,

    .. math:: \frac{\partial L}{\partial z} = p \odot \Big(g - \sum_k g_k p_k\Big),
              \qquad g = \frac{\partial L}{\partial p},

    which costs O(K) per sample instead of the O(K^2) of an explicit Jacobian.
    When softmax feeds :class:`~nnbook.losses.CrossEntropyLoss`, the network uses
    the fused gradient instead (see :meth:`nnbook.losses.CrossEntropyLoss.backward_from_logits`).

    Examples
    --------
    >>> import numpy as np
    >>> sm = Softmax()
    >>> p = sm.forward(np.array([[0.0, np.log(3.0)]]))
    >>> p.round(12).tolist()
    [[0.25, 0.75]]
    >>> sm.backward(np.array([[1.0, 1.0]])).round(12).tolist()   # shifting every p by 1 changes nothing
    [[0.0, 0.0]]
    """

    name = "softmax"

    def __init__(self) -> None:
        self.a = None

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.a = softmax(z)
        return self.a

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        p = self._cached("a", grad_output)
        # vector-Jacobian product: (g - <g, p>) * p, row by row, vectorised
        return p * (grad_output - np.sum(grad_output * p, axis=-1, keepdims=True))


class Linear(Activation):
    r"""Identity activation, :math:`\sigma(z) = z`, :math:`\sigma'(z) = 1`.

    Examples
    --------
    >>> import numpy as np
    >>> Linear().forward(np.array([[-1.5, 2.0]])).tolist()
    [[-1.5, 2.0]]
    """

    name = "linear"

    def __init__(self) -> None:
        self.z = None

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.z = z
        return z

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._cached("z", grad_output)
        return grad_output


#: The activations :func:`get_activation` knows, by name.
ACTIVATIONS = {cls.name: cls for cls in (ReLU, Sigmoid, Tanh, Softmax, Linear)}


def get_activation(name_or_instance) -> Activation:
    """Return an activation object from a name, a class or an instance.

    Parameters
    ----------
    name_or_instance : str, Activation subclass, Activation or None
        A name from :data:`ACTIVATIONS` (case-insensitive), ``None`` for
        :class:`Linear`, an :class:`Activation` subclass (instantiated), or an
        instance (returned as it is).

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    TypeError
        For anything that is not a name, class or instance of :class:`Activation`.

    Returns
    -------
    Activation
        A new instance for a name or class; the instance itself otherwise.

    Examples
    --------
    >>> get_activation("ReLU")
    ReLU()
    >>> get_activation("rleu")
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'rleu'; choose one of relu, sigmoid, tanh, softmax, linear, leaky_relu, ...
    """
    if name_or_instance is None:
        return Linear()
    if isinstance(name_or_instance, Activation):
        return name_or_instance
    if isinstance(name_or_instance, type) and issubclass(name_or_instance, Activation):
        if name_or_instance is Activation:
            raise TypeError("Activation is the abstract base class; choose one of " + ", ".join(ACTIVATIONS))
        return name_or_instance()
    if isinstance(name_or_instance, str):
        key = name_or_instance.strip().lower()
        if key not in ACTIVATIONS:
            raise ValueError(f"unknown activation {name_or_instance!r}; choose one of {', '.join(ACTIVATIONS)}")
        return ACTIVATIONS[key]()
    raise TypeError(
        "activation must be a name (one of "
        f"{', '.join(ACTIVATIONS)}), an Activation or None, got {type(name_or_instance).__name__}"
    )


# -- Activations beyond the source: leaky and smooth variants of ReLU (Keras 3 names and defaults) --


class LeakyReLU(Activation):
    r"""Leaky rectified linear unit, Keras 3's ``keras.layers.LeakyReLU``.

    With slope :math:`s` (``negative_slope``) for negative inputs:

    .. math:: \phi(z) = \begin{cases} z & z > 0 \\ s\,z & z \le 0 \end{cases}, \qquad
              \phi'(z) = \begin{cases} 1 & z > 0 \\ s & z \le 0 \end{cases}

    elementwise on ``z`` of shape (batch_size, n_units). The derivative at exactly
    :math:`z = 0` is taken as :math:`s` (TensorFlow's choice, as ReLU'(0) = 0).
    A negative input keeps a gradient :math:`s` instead of 0, so a unit whose
    pre-activation is negative on every sample still learns.

    Parameters
    ----------
    negative_slope : float >= 0, default 0.3
        Keras 3's default for the ``LeakyReLU`` layer (the function
        ``keras.activations.leaky_relu`` defaults to 0.2). TensorFlow's kernel
        holds the slope as a float32 attribute, so Keras computes with
        ``float32(0.3) = 0.30000001192092896`` even in a float64 model (a relative
        difference of 4e-8); ``LeakyReLU(float(np.float32(0.3)))`` reproduces it
        to rounding.

    Examples
    --------
    >>> import numpy as np
    >>> f = LeakyReLU()
    >>> f.forward(np.array([[-2.0, 0.0, 3.0]])).tolist()      # -2 * 0.3 = -0.6
    [[-0.6, 0.0, 3.0]]
    >>> f.backward(np.ones((1, 3))).tolist()
    [[0.3, 0.3, 1.0]]
    """

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.3):
        self.negative_slope = check_nonnegative(negative_slope, "negative_slope")
        self.z = None

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.z = z
        return np.where(z > 0, z, z * self.negative_slope)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        z = self._cached("z", grad_output)
        return grad_output * np.where(z > 0, 1.0, self.negative_slope).astype(z.dtype, copy=False)

    def get_config(self) -> dict:
        return {"name": self.name, "negative_slope": self.negative_slope}

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"


class GELU(Activation):
    r"""Gaussian error linear unit, exact form (Keras' ``gelu`` with ``approximate=False``).

    With :math:`\Phi` the standard normal distribution function and
    :math:`\varphi(z) = e^{-z^2/2}/\sqrt{2\pi}` its density:

    .. math:: \phi(z) = z\,\Phi(z) = \frac{z}{2}\Big(1 + \operatorname{erf}\frac{z}{\sqrt 2}\Big),
              \qquad \phi'(z) = \Phi(z) + z\,\varphi(z)

    elementwise on ``z`` of shape (batch_size, n_units). :math:`\Phi` is evaluated
    as :math:`\tfrac12\operatorname{erfc}(-z/\sqrt 2)` (``scipy.special.erfc``,
    as TensorFlow does), which equals the erf form and keeps full relative
    accuracy for large negative :math:`z`. In a float64 model Keras multiplies by
    :math:`1/\sqrt 2` rounded to float32 (``0.7071067690849304``, the constant goes
    through float32 on its way to float64), which moves its values from the exact
    function by up to about 5e-9.

    Examples
    --------
    >>> import numpy as np
    >>> f = GELU()
    >>> f.forward(np.array([[0.0, 1.0]])).round(6).tolist()   # 1 * Phi(1) = 0.841345
    [[0.0, 0.841345]]
    >>> f.backward(np.ones((1, 2))).round(6).tolist()        # Phi(0) = 0.5; Phi(1) + phi(1)
    [[0.5, 1.083315]]
    """

    name = "gelu"

    def __init__(self):
        self.z = None

    @staticmethod
    def _cdf(z: np.ndarray) -> np.ndarray:
        from scipy.special import erfc  # scipy is installed with scikit-learn

        return 0.5 * erfc(-z * 0.7071067811865476)

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.z = z
        return z * self._cdf(z)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        z = self._cached("z", grad_output)
        with np.errstate(under="ignore"):  # e^{-z^2/2} rounding to 0 is exact enough
            density = np.exp(-0.5 * z * z) * 0.3989422804014327  # 1/sqrt(2 pi), a Python float: float32 stays float32
        return grad_output * (self._cdf(z) + z * density)


class ELU(Activation):
    r"""Exponential linear unit (Clevert et al., 2016), Keras' ``elu``.

    .. math:: \phi(z) = \begin{cases} z & z > 0 \\ \alpha\,(e^{z} - 1) & z \le 0 \end{cases},
              \qquad \phi'(z) = \begin{cases} 1 & z > 0 \\ \alpha\,e^{z} = \phi(z) + \alpha & z \le 0 \end{cases}

    elementwise on ``z`` of shape (batch_size, n_units); :math:`e^z - 1` is
    computed with ``expm1`` (exact near 0). The derivative at :math:`z = 0` is
    :math:`\alpha` (TensorFlow's). Here :math:`\alpha` is the ELU's own constant
    (Keras' argument name), not the L2 strength.

    Parameters
    ----------
    alpha : float >= 0, default 1.0

    Examples
    --------
    >>> import numpy as np
    >>> f = ELU()
    >>> f.forward(np.array([[np.log(0.5), 2.0]])).round(12).tolist()   # e^{ln 0.5} - 1
    [[-0.5, 2.0]]
    >>> f.backward(np.ones((1, 2))).round(12).tolist()                # e^{ln 0.5}; 1
    [[0.5, 1.0]]
    """

    name = "elu"

    def __init__(self, alpha: float = 1.0):
        self.alpha = check_nonnegative(alpha, "alpha")
        self.z = None

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.z = z
        with np.errstate(over="ignore"):  # expm1 of large positive z is discarded by where
            return np.where(z > 0, z, self.alpha * np.expm1(z))

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        z = self._cached("z", grad_output)
        with np.errstate(over="ignore"):
            return grad_output * np.where(z > 0, 1.0, self.alpha * np.exp(z))

    def get_config(self) -> dict:
        return {"name": self.name, "alpha": self.alpha}

    def __repr__(self) -> str:
        return f"ELU(alpha={self.alpha})"


class SiLU(Activation):
    r"""Sigmoid linear unit (swish), Keras' ``silu``.

    .. math:: \phi(z) = z\,\sigma(z), \qquad
              \phi'(z) = \sigma(z)\,\big(1 + z\,(1 - \sigma(z))\big)

    elementwise on ``z`` of shape (batch_size, n_units), with :math:`\sigma` the
    logistic sigmoid (:func:`sigmoid`, exact and warning-free).

    Examples
    --------
    >>> import numpy as np
    >>> f = SiLU()
    >>> f.forward(np.array([[0.0, 2.0]])).round(6).tolist()   # 2 / (1 + e^-2)
    [[0.0, 1.761594]]
    >>> f.backward(np.ones((1, 2))).round(6).tolist()        # sigma(0) = 0.5 at 0
    [[0.5, 1.090784]]
    """

    name = "silu"

    def __init__(self):
        self.z = None
        self.s = None

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.z = z
        self.s = sigmoid(z)
        return z * self.s

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        z = self._cached("z", grad_output)
        s = self.s
        return grad_output * (s * (1 + z * (1 - s)))


ACTIVATIONS.update({cls.name: cls for cls in (LeakyReLU, GELU, ELU, SiLU)})
