r"""Numerical gradient checking: central differences and the relative error.

The check compares the gradients that :meth:`~nnbook.network.NeuralNetwork.compute_gradients`
fills in (the exact path training takes) with central differences of the loss,

.. math:: \frac{\partial L}{\partial \theta_i} \approx
          \frac{L(\theta + h e_i) - L(\theta - h e_i)}{2h},

whose truncation error is :math:`O(h^2)`, in float64, and accepts a parameter
only when the relative error

.. math:: \operatorname{rel}(a, b) = \frac{\lVert a - b\rVert}{\max(\varepsilon, \lVert a\rVert + \lVert b\rVert)}

is below a tolerance (default :math:`10^{-7}`). An absolute difference would
let a gradient that is wrong by a constant factor pass when the gradients are small.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .losses import Loss
from .network import NeuralNetwork

__all__ = ["rel_error", "finite_difference_gradient", "numerical_gradient", "GradientCheckResult", "check_gradients"]


def rel_error(a, b, eps: float = 1e-12) -> float:
    r"""Relative error :math:`\lVert a - b\rVert / \max(\varepsilon, \lVert a\rVert + \lVert b\rVert)`.

    Norms are Euclidean over all entries; 0 means identical, 1 means unrelated
    (for example one of the two is zero), and a gradient off by a factor
    :math:`c` gives :math:`|1 - c| / (1 + c)`.

    Parameters
    ----------
    a, b : array_like
        Arrays of the same shape.
    eps : float
        The floor of the denominator, so that two zero arrays give 0, not NaN.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> rel_error([1.0, 2.0], [1.0, 2.0])
    0.0
    >>> rel_error([1.0], [0.0])
    1.0
    >>> round(rel_error([2.0], [1.0]), 6)        # off by a factor 2: 1/3
    0.333333
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs arrays of the same shape, got {a.shape} and {b.shape}")
    num = np.linalg.norm(a - b)
    den = max(eps, np.linalg.norm(a) + np.linalg.norm(b))
    return float(num / den)


def finite_difference_gradient(f, x: np.ndarray, epsilon: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f()`` with respect to ``x``.

    ``x`` is perturbed **in place**, one entry at a time, through its own
    indices (``x[i] += h``), which is correct for any memory layout: writing
    through ``x.ravel()`` would modify a copy when ``x`` is not C-contiguous
    (the source text's defect 5). Each entry is restored exactly afterwards.

    Parameters
    ----------
    f : callable
        Takes no argument and returns a float that depends on ``x``.
    x : ndarray of float64
    epsilon : float
        The step ``h``.

    Returns
    -------
    ndarray, same shape as ``x``

    Examples
    --------
    >>> import numpy as np
    >>> x = np.asfortranarray([[1.0, 2.0], [3.0, 4.0]])
    >>> g = finite_difference_gradient(lambda: float(np.sum(x ** 2)), x)
    >>> bool(np.allclose(g, 2 * x))
    True
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(
            "finite differences need a float64 ndarray to perturb in place, got "
            f"{type(x).__name__} of dtype {getattr(x, 'dtype', None)}"
        )
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + epsilon
        f_plus = f()
        x[idx] = original - epsilon
        f_minus = f()
        x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2 * epsilon)
    return grad


def numerical_gradient(
    network: NeuralNetwork, X: np.ndarray, y: np.ndarray, loss_fn: Loss, epsilon: float = 1e-5, *, training: bool = True
) -> dict:
    """Central-difference gradients of the loss for every parameter of ``network``.

    The loss is evaluated with ``network.compute_gradients``, which runs
    ``batch_gradients``, the method every training step runs, so the check covers the
    fused softmax + cross-entropy path too; each evaluation also runs a backward pass.

    Parameters
    ----------
    network : NeuralNetwork
        A float64 network; its parameters are perturbed in place and restored.
    X, y : array_like
        A batch and its targets.
    loss_fn : Loss
        The loss.
    epsilon : float
        The step ``h``.
    training : bool
        The mode of the network's passes (see :meth:`~nnbook.network.NeuralNetwork.forward`);
        with dropout in training, fix the masks first (:meth:`~nnbook.dropout.Dropout.set_mask`).

    Returns
    -------
    dict of str to ndarray
        Keyed like ``network.parameters()`` (``"layer1.W"``, ...).

    Examples
    --------
    >>> from nnbook import CrossEntropyLoss, NeuralNetwork
    >>> net = NeuralNetwork([2, 3, 2], ["tanh", "softmax"], rng=0)
    >>> X, y = np.array([[0.5, -1.0], [1.5, 0.2]]), np.array([0, 1])
    >>> numerical = numerical_gradient(net, X, y, CrossEntropyLoss())
    >>> list(numerical) == [name for name, _ in net.parameters()]  # one array per parameter
    True
    >>> loss = net.compute_gradients(X, y, CrossEntropyLoss())  # backpropagation, for comparison
    >>> max(rel_error(numerical[name], g) for name, g in net.gradients()) < 1e-8
    True
    """
    return {
        name: finite_difference_gradient(
            lambda: network.compute_gradients(X, y, loss_fn, training=training), p, epsilon
        )
        for name, p in network.parameters()
    }


@dataclass
class GradientCheckResult:
    """Outcome of :func:`check_gradients`.

    Attributes
    ----------
    errors : dict of str to float
        Relative error per parameter.
    tolerance : float
    analytic, numerical : dict of str to ndarray
        The two gradients compared.

    Parameters
    ----------
    errors : dict of str to float
        See the attributes.
    tolerance : float
        See the attributes.
    analytic, numerical : dict of str to ndarray
        See the attributes.

    Examples
    --------
    >>> result = GradientCheckResult({"W": 3e-9, "b": 2e-4}, 1e-7, analytic={}, numerical={})
    >>> result.passed, result.max_error  # b fails the tolerance
    (False, 0.0002)
    >>> bool(GradientCheckResult({"W": 3e-9}, 1e-7, analytic={}, numerical={}))
    True
    """

    errors: dict
    tolerance: float
    analytic: dict = field(repr=False)
    numerical: dict = field(repr=False)

    @property
    def max_error(self) -> float:
        """The largest relative error over all parameters."""
        return max(self.errors.values())

    @property
    def passed(self) -> bool:
        """True when every parameter's relative error is below the tolerance."""
        return all(e < self.tolerance for e in self.errors.values())

    def __bool__(self) -> bool:
        return self.passed

    def report(self) -> str:
        """A table of the relative error per parameter with PASS/FAIL.

        Returns
        -------
        str
            One line per parameter, then the verdict.
        """
        width = max(len(k) for k in self.errors)
        lines = [f"{'parameter':<{width}}  relative error"]
        for name, err in self.errors.items():
            lines.append(f"{name:<{width}}  {err:.2e}  {'PASS' if err < self.tolerance else 'FAIL'}")
        verdict = "all gradients match" if self.passed else "gradient mismatch"
        lines.append(f"{verdict} (tolerance {self.tolerance:.0e}, worst {self.max_error:.2e})")
        return "\n".join(lines)


def check_gradients(
    network: NeuralNetwork,
    X: np.ndarray,
    y: np.ndarray,
    loss_fn: Loss,
    epsilon: float = 1e-5,
    tolerance: float = 1e-7,
    *,
    training: bool = True,
) -> GradientCheckResult:
    """Compare backpropagation with central differences for every parameter.

    The check runs in training mode by default, the mode training differentiates. There,
    batch normalisation uses the batch statistics, a function of the batch that the finite
    differences see as well; each dropout layer without a fixed mask gets the mask of the
    first pass fixed for the duration of the check (then draws again), so every evaluation of
    the loss sees the same function. The moving statistics of batch normalisation, which the
    passes update, are restored afterwards.

    Parameters
    ----------
    network : NeuralNetwork
        Must be float64 (``dtype=np.float64``): in float32 the round-off of the
        differences alone gives relative errors of about 1e-2 at the default step,
        and still about 1e-6 at the best step, ten times the default tolerance
        (the float32 sweep of the book's gradient-checking chapter measures both).
    X, y : ndarray
        A small batch.
    loss_fn : Loss
    epsilon : float
        Finite-difference step.
    tolerance : float
        A parameter passes when its :func:`rel_error` is below this.
    training : bool
        Check the training-mode gradient (default) or the inference-mode one.

    Returns
    -------
    GradientCheckResult
        Truthy when every parameter passes; ``.report()`` prints the table.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import NeuralNetwork, CrossEntropyLoss
    >>> rng = np.random.default_rng(0)
    >>> net = NeuralNetwork([3, 4, 2], activations=["tanh", "softmax"], rng=rng)
    >>> result = check_gradients(net, rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1]), CrossEntropyLoss())
    >>> result.passed, result.max_error < 1e-7
    (True, True)
    """
    for name, p in network.parameters():
        if p.dtype != np.float64:
            raise TypeError(
                f"gradient checks need float64 parameters, {name} is {p.dtype}: build the network with dtype=np.float64"
            )
    state = network.get_state()  # the passes update the moving statistics of batch normalisation
    fixed = []
    try:
        network.compute_gradients(X, y, loss_fn, training=training)
        if training:
            for drop in network.dropouts:
                if drop.fixed_mask is None:  # keep the mask just drawn
                    drop.set_mask(drop.mask > 0)
                    fixed.append(drop)
        analytic = {name: g.copy() for name, g in network.gradients()}
        numerical = numerical_gradient(network, X, y, loss_fn, epsilon, training=training)
        network.compute_gradients(X, y, loss_fn, training=training)  # leave the analytic gradients in place
    finally:
        for drop in fixed:
            drop.set_mask(None)
        network.set_state(state)
    errors = {name: rel_error(analytic[name], numerical[name]) for name in analytic}
    return GradientCheckResult(errors, tolerance, analytic, numerical)
