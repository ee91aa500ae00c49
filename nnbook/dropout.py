r"""Inverted dropout as a layer, Keras 3's ``keras.layers.Dropout``.

In training each unit is dropped with probability :math:`r` (the rate), and the kept
ones are scaled by :math:`1/(1 - r)`, so the expected output equals the input and
nothing needs rescaling at inference, where the layer is the identity.
"""

from __future__ import annotations

import json

import numpy as np

from ._checks import check_fraction, check_grad_shape, check_required_rng
from .layers import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    r"""Inverted dropout: a random mask in training, the identity at inference.

    In training, with rate :math:`r` and a keep-mask :math:`R` of independent
    :math:`\mathrm{Bernoulli}(1 - r)` entries, drawn anew at each forward pass, and
    :math:`G = \partial \mathcal{L}/\partial A`,

    .. math:: A = A_{\text{prev}} \odot \frac{R}{1 - r}, \qquad
              \frac{\partial \mathcal{L}}{\partial A_{\text{prev}}} = G \odot \frac{R}{1 - r}

    with :math:`A_{\text{prev}}, A` of shape (batch_size, n_units);
    :math:`\mathbb E[A] = A_{\text{prev}}`. At inference :math:`A = A_{\text{prev}}` and
    the gradient passes unchanged. A unit is kept when its number drawn uniformly from
    :math:`[0, 1)` is at least :math:`r` (TensorFlow's rule; its masks come from its own
    generator, so only the rule, not the draws, is shared).

    The layer has no parameters (``params`` and ``grads`` are empty).

    Parameters
    ----------
    rate : float in [0, 1)
        The probability :math:`r` of dropping a unit.
    rng : numpy.random.Generator or int
        Source of the masks (keyword, required: two layers must not share a
        default seed and hence their masks; there is no ``None``).

    Attributes
    ----------
    mask : ndarray or None
        The scaled mask :math:`R/(1 - r)` of the last training forward pass.
    fixed_mask : ndarray of bool or None
        The keep-mask fixed by :meth:`set_mask`, or None (a new mask each pass).

    Examples
    --------
    >>> import numpy as np
    >>> drop = Dropout(0.5, rng=0)
    >>> x = np.ones((2, 4))
    >>> bool(np.array_equal(drop.forward(x), x))            # inference: identity
    True
    >>> drop.training = True
    >>> drop.set_mask(np.array([[1, 0, 1, 0], [0, 0, 1, 1]], dtype=bool))
    >>> drop.forward(x).tolist()                            # kept units scaled by 1/(1 - 0.5)
    [[2.0, 0.0, 2.0, 0.0], [0.0, 0.0, 2.0, 2.0]]
    >>> drop.backward(np.full((2, 4), 0.5)).tolist()        # the same mask on the way back
    [[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 1.0]]
    """

    def __init__(self, rate: float, *, rng):
        super().__init__()
        self.rate = check_fraction(rate, "rate")
        self.rng = check_required_rng(rng, "Dropout")
        self.mask = None
        self.fixed_mask = None
        self._forward_training = None
        self._shape = None

    def set_mask(self, keep) -> None:
        """Fix the keep-mask used by every training forward pass (``None``: draw again).

        Parameters
        ----------
        keep : array_like of bool, shape (batch_size, n_units), or None
            ``True`` where a unit is kept (the mask :math:`R`). For gradient checks: finite differences
            need the same mask in every evaluation of the loss.
        """
        if keep is None:
            self.fixed_mask = None
            return
        keep = np.asarray(keep)
        if keep.dtype != bool:
            raise TypeError(f"the keep-mask must be boolean, got dtype {keep.dtype}")
        if keep.ndim != 2:
            raise ValueError(f"the keep-mask must have shape (batch_size, n_units), got {keep.shape}")
        self.fixed_mask = keep.copy()

    def forward(self, a_prev: np.ndarray) -> np.ndarray:
        """Return :math:`A_{\\text{prev}} \\odot R/(1 - r)` in training, ``a_prev`` itself at inference.

        Parameters
        ----------
        a_prev : ndarray, shape (batch_size, n_units)

        Returns
        -------
        ndarray, shape (batch_size, n_units)
        """
        self._forward_training = self.training
        self._shape = a_prev.shape
        if not self.training:
            return a_prev
        if self.fixed_mask is not None:
            if self.fixed_mask.shape != a_prev.shape:
                raise ValueError(f"the fixed keep-mask has shape {self.fixed_mask.shape}, the input {a_prev.shape}")
            keep = self.fixed_mask
        else:
            keep = self.rng.random(a_prev.shape) >= self.rate
        self.mask = keep.astype(a_prev.dtype) * (1.0 / (1.0 - self.rate))
        return a_prev * self.mask

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Return dL/dA_prev: ``grad_output`` times the mask of the last forward pass.

        Parameters
        ----------
        grad_output : ndarray, shape (batch_size, n_units)
            dL/dA for the last :meth:`~nnbook.dropout.Dropout.forward`.

        Returns
        -------
        ndarray, shape (batch_size, n_units)
            dL/dA_prev: ``grad_output * mask`` in training, ``grad_output`` at inference.
        """
        if self._forward_training is None:
            raise RuntimeError("Dropout.backward called before forward")
        grad_output = check_grad_shape(grad_output, self._shape, "Dropout")
        if not self._forward_training:
            return grad_output
        return grad_output * self.mask

    def get_config(self) -> dict:
        """``{"rate": r}``; the generator's state is part of :meth:`get_state`.

        Returns
        -------
        dict
            The constructor's arguments but ``rng``.

        Examples
        --------
        >>> Dropout(0.5, rng=0).get_config()
        {'rate': 0.5}
        """
        return {"rate": self.rate}

    @classmethod
    def from_config(cls, config: dict) -> Dropout:
        """A new Dropout layer from :meth:`get_config`'s dict, its generator seeded with 0 until :meth:`set_state`.

        Parameters
        ----------
        config : dict
            ``{"rate": r}``.

        Returns
        -------
        Dropout
            The layer.
        """
        return cls(config["rate"], rng=0)

    def get_state(self) -> dict:
        """The state of the mask generator, so that a reloaded layer draws the masks this one would draw next.

        Returns
        -------
        dict
            ``{"rng": ...}``, the bit generator's state as JSON text in a 0-d string array.

        Examples
        --------
        >>> a, b = Dropout(0.5, rng=1), Dropout(0.5, rng=2)
        >>> b.set_state(a.get_state())
        >>> bool(a.rng.random() == b.rng.random())
        True
        """
        return {"rng": np.array(json.dumps(self.rng.bit_generator.state))}

    def set_state(self, state: dict) -> None:
        """Restore the mask generator from :meth:`get_state`.

        Parameters
        ----------
        state : dict
            ``{"rng": ...}`` as :meth:`get_state` returns it.
        """
        if set(state) != {"rng"}:
            raise ValueError(f"Dropout: state has keys {sorted(state)}, expected ['rng']")
        self.rng.bit_generator.state = json.loads(str(state["rng"]))

    def __repr__(self) -> str:
        return f"Dropout(rate={self.rate})"
