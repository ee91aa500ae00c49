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

import math

import numpy as np

from . import _npz, schedules
from ._checks import (
    check_bool,
    check_clipping,
    check_fraction,
    check_learning_rate,
    check_nonnegative,
    check_positive_float,
)
from .schedules import LearningRateSchedule

__all__ = ["Optimizer", "SGD", "Adam", "Adagrad", "RMSprop", "AdamW", "clip_gradients"]


def clip_gradients(grads, *, clipnorm=None, clipvalue=None, global_clipnorm=None) -> tuple[list, bool]:
    r"""The gradients clipped as Keras 3's optimizers clip them, and whether anything changed.

    With :math:`g_j` the gradient of the :math:`j`-th parameter array:

    .. math::

        \text{clipnorm} = c_{\text{norm}}:&\quad g_j \leftarrow
            \frac{g_j\, c_{\text{norm}}}{\max(\lVert g_j\rVert, c_{\text{norm}})} \\
        \text{global clipnorm} = c_{\text{norm}}:&\quad g_j \leftarrow
            g_j\, c_{\text{norm}} \min\Big(\frac{1}{\lVert g\rVert}, \frac{1}{c_{\text{norm}}}\Big),
            \quad \lVert g\rVert^2 = \sum_j \lVert g_j\rVert^2 \\
        \text{clipvalue} = c_{\text{val}}:&\quad g_j \leftarrow \min(\max(g_j, -c_{\text{val}}), c_{\text{val}})

    (norms are Euclidean over all entries; the last rule is elementwise). The first two
    keep each gradient's direction, the third does not. Written operation for operation as
    Keras does (``tf.clip_by_norm``, ``clip_by_global_norm``, ``tf.clip_by_value``).

    Parameters
    ----------
    grads : list of ndarray
    clipnorm, clipvalue, global_clipnorm : float > 0 or None
        At most one of them.

    Returns
    -------
    clipped : list of ndarray
        New arrays (``grads`` is left alone); ``grads`` itself when no argument is set.
    active : bool
        Whether the clipping changed the direction or length of some gradient (a norm above
        the threshold, or an entry outside :math:`[-c_{\text{val}}, c_{\text{val}}]`).

    Examples
    --------
    >>> import numpy as np
    >>> g = [np.array([3.0, 4.0]), np.array([0.5])]          # norms 5 and 0.5
    >>> clipped, active = clip_gradients(g, clipnorm=1.0)    # each array to norm at most 1
    >>> [c.round(6).tolist() for c in clipped], active
    ([[0.6, 0.8], [0.5]], True)
    >>> clipped, _ = clip_gradients(g, global_clipnorm=1.0)  # all together: joint norm 5.025
    >>> [c.round(6).tolist() for c in clipped]
    [[0.597022, 0.79603], [0.099504]]
    >>> clip_gradients(g, clipvalue=1.0)[0][0].tolist()       # entry by entry: direction changes
    [1.0, 1.0]
    """
    check_clipping(clipnorm, clipvalue, global_clipnorm)
    if clipnorm is not None:
        clipped, active = [], False
        for g in grads:
            l2sum = np.sum(np.square(g))
            norm = np.sqrt(l2sum) if l2sum > 0 else l2sum
            active = active or bool(norm > clipnorm)
            clipped.append((g * clipnorm) / np.maximum(norm, clipnorm))  # tf.clip_by_norm
        return clipped, active
    if global_clipnorm is not None:
        norm = np.sqrt(np.sum([np.sum(np.square(g)) for g in grads]))
        c = global_clipnorm
        with np.errstate(divide="ignore"):
            scale = c * np.minimum(1.0 / norm, 1.0 / c) + (norm - norm)  # NaN for a non-finite norm, as Keras
        return [g * scale for g in grads], bool(norm > c)
    if clipvalue is not None:
        v = clipvalue
        return [np.clip(g, -v, v) for g in grads], any(bool(np.any(np.abs(g) > v)) for g in grads)
    return list(grads), False


class Optimizer:
    r"""Base class: :meth:`step` applies one update; ``iterations`` counts them.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule
        The step size :math:`\eta`, > 0, or a schedule from :mod:`nnbook.schedules`
        evaluated at ``iterations``, once per step.
    clipnorm, clipvalue, global_clipnorm : float > 0 or None
        Gradient clipping as Keras's optimizer arguments of the same names (at most one):
        each step first clips the gradients with :func:`clip_gradients`, before the update
        rule (and its momentum or moments) sees them. ``clipped_steps`` counts the steps
        in which the clipping changed something.

    Examples
    --------
    >>> import numpy as np
    >>> class SignDescent(Optimizer):              # theta <- theta - eta sign(g)
    ...     def _update(self, name, param, grad, lr):
    ...         param -= lr * np.sign(grad)
    >>> w, opt = np.array([1.0, 1.0]), SignDescent(0.5)
    >>> opt.step([("w", w)], [("w", np.array([3.0, -0.1]))])
    >>> w.tolist(), opt.iterations
    ([0.5, 1.5], 1)
    """

    def __init__(self, learning_rate, *, clipnorm=None, clipvalue=None, global_clipnorm=None):
        self.learning_rate = learning_rate  # a float > 0 or a schedule: see the property below
        self._clipping = check_clipping(clipnorm, clipvalue, global_clipnorm)
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.iterations = 0
        self.clipped_steps = 0

    @property
    def learning_rate(self):
        """The learning rate of the coming step.

        The float given, or the :mod:`~nnbook.schedules` schedule evaluated at
        ``iterations`` (the number of steps taken so far), as Keras does.
        """
        lr = self._learning_rate
        return lr(self.iterations) if isinstance(lr, LearningRateSchedule) else lr

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._learning_rate = check_learning_rate(value)

    @property
    def schedule(self) -> LearningRateSchedule | None:
        """The learning-rate schedule, or ``None`` for a constant learning rate."""
        lr = self._learning_rate
        return lr if isinstance(lr, LearningRateSchedule) else None

    def step(self, params: list[tuple[str, np.ndarray]], grads: list[tuple[str, np.ndarray]]) -> None:
        """Update every parameter in place from its gradient.

        The learning rate (a schedule's value at ``iterations``) is evaluated once per step.

        Parameters
        ----------
        params, grads : list of (str, ndarray)
            Aligned lists, as returned by ``NeuralNetwork.parameters()`` and
            ``NeuralNetwork.gradients()``.
        """
        if len(params) != len(grads):
            raise ValueError(f"got {len(params)} parameters but {len(grads)} gradients")
        for (name, p), (gname, g) in zip(params, grads):
            if name != gname:
                raise ValueError(f"parameter {name!r} is paired with the gradient of {gname!r}")
            if g is None:
                raise RuntimeError(f"no gradient for parameter {name!r}: run a backward pass before the update")
            if p.shape != g.shape:
                raise ValueError(f"gradient of {name!r} has shape {g.shape}, parameter has {p.shape}")
        arrays = [g for _, g in grads]
        if self._clipping:  # only the arguments that are set
            arrays = self._clip(arrays)  # before the rule, as Keras
        lr = self.learning_rate
        for (name, p), g in zip(params, arrays):
            self._update(name, p, g, lr)
        self.iterations += 1

    def _clip(self, grads: list[np.ndarray]) -> list[np.ndarray]:
        """The step's gradients clipped by the optimizer's argument (:func:`clip_gradients`), counted
        in ``clipped_steps`` when the clipping changed something."""
        clipped, active = clip_gradients(grads, **self._clipping)
        self.clipped_steps += active
        return clipped

    def _update(self, name: str, param: np.ndarray, grad: np.ndarray, lr) -> None:
        raise NotImplementedError

    #: The names of the dicts that hold the optimizer's per-parameter state (its slots).
    slot_names: tuple[str, ...] = ()

    def get_config(self) -> dict:
        """The class name and the constructor's arguments, as plain Python values.

        Returns
        -------
        dict
            ``{"class": ..., "learning_rate": ..., ...}``; a schedule as its own config.

        Examples
        --------
        >>> SGD(0.1, momentum=0.9).get_config()
        {'class': 'SGD', 'learning_rate': 0.1, 'momentum': 0.9, 'nesterov': False}
        """
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = {"class": type(lr).__name__, **{k: v for k, v in vars(lr).items() if not k.startswith("_")}}
        return {"class": type(self).__name__, "learning_rate": lr, **self._hyperparameters(), **self._clipping}

    def _hyperparameters(self) -> dict:
        return {}

    def _clip_repr(self) -> str:
        """``", clipnorm=1.0"`` for the argument set, or ``""``."""
        return "".join(f", {name}={value}" for name, value in self._clipping.items())

    def get_state(self) -> dict:
        """Copies of the slots (``"velocities/layer1.W"``, ...) and the step count ``"iterations"``.

        Returns
        -------
        dict of str to ndarray
            What :meth:`set_state` restores.

        Examples
        --------
        >>> import numpy as np
        >>> opt = SGD(0.1, momentum=0.9)
        >>> opt.step([("w", np.zeros(2))], [("w", np.ones(2))])
        >>> sorted(opt.get_state())
        ['iterations', 'velocities/w']
        """
        state = {"iterations": np.array(self.iterations)}
        for slot in self.slot_names:
            state.update({f"{slot}/{name}": a.copy() for name, a in getattr(self, slot).items()})
        return state

    def set_state(self, state: dict) -> None:
        """Restore the slots and the step count from :meth:`get_state`.

        Parameters
        ----------
        state : dict of str to ndarray
            As :meth:`get_state` returns it.
        """
        state = dict(state)
        self.iterations = int(state.pop("iterations"))
        for slot in self.slot_names:
            getattr(self, slot).clear()
        for key, value in state.items():
            slot, _, name = key.partition("/")
            if slot not in self.slot_names:
                raise ValueError(
                    f"{type(self).__name__} has no slot {slot!r} (its slots: {', '.join(self.slot_names)})"
                )
            getattr(self, slot)[name] = np.array(value)

    def save(self, path) -> None:
        """Write the configuration and the state to an ``.npz`` file (arrays and JSON text, no pickle).

        Parameters
        ----------
        path : str or path-like
            The file.
        """
        _npz.write(path, self.get_config(), self.get_state())

    @staticmethod
    def load(path) -> Optimizer:
        """The optimizer saved by :meth:`save`: same class, hyper-parameters, slots and step count.

        Parameters
        ----------
        path : str or path-like
            The file.

        Returns
        -------
        Optimizer
            Ready to continue where the saved one stopped.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> opt = Adam(0.1)
        >>> opt.step([("w", np.zeros(2))], [("w", np.ones(2))])
        >>> path = os.path.join(tempfile.mkdtemp(), "adam.npz")
        >>> opt.save(path)
        >>> again = Optimizer.load(path)
        >>> again, again.iterations, again.m["w"].round(12).tolist()
        (Adam(learning_rate=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-07), 1, [0.1, 0.1])
        """
        config, state = _npz.read(path)
        kwargs = dict(config)
        cls = OPTIMIZERS[kwargs.pop("class")]
        lr = kwargs.pop("learning_rate")
        if isinstance(lr, dict):
            lr = dict(lr)
            lr = getattr(schedules, lr.pop("class"))(**lr)
        optimizer = cls(lr, **kwargs)
        optimizer.set_state(state)
        return optimizer

    def _slot(self, store: dict, name: str, like: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """The state of parameter ``name`` in ``store``, created as ``fill`` in the shape of ``like``."""
        if name not in store:
            store[name] = np.full_like(like, fill)
        elif store[name].shape != like.shape:
            raise ValueError(f"parameter {name!r} changed shape from {store[name].shape} to {like.shape}")
        return store[name]


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum.

    With :math:`\eta` the learning rate, :math:`\mu` the momentum, :math:`g` the gradient
    and :math:`\Delta` the velocity (the change of :math:`\theta` in a step):

    .. math::

        \mu = 0:&\quad \theta \leftarrow \theta - \eta g \\
        \mu > 0:&\quad \Delta \leftarrow \mu \Delta - \eta g, \qquad
        \theta \leftarrow \theta + \Delta \quad\text{(Nesterov: }
        \theta \leftarrow \theta + \mu \Delta - \eta g\text{, with the new } \Delta\text{)}

    with :math:`\Delta = 0` at the start: Keras 3's ``keras.optimizers.SGD``.

    Parameters
    ----------
    learning_rate : float
        :math:`\eta`.
    momentum : float in [0, 1)
        :math:`\mu`.
    nesterov : bool
        Nesterov's form of momentum.
    clipnorm, clipvalue, global_clipnorm : float > 0 or None
        Gradient clipping, at most one (see :class:`Optimizer` and :func:`clip_gradients`).

    Examples
    --------
    >>> import numpy as np
    >>> w, opt = np.array([1.0]), SGD(0.1, momentum=0.9)
    >>> opt.step([("w", w)], [("w", np.array([1.0]))]); w.tolist()      # Delta = -0.1
    [0.9]
    >>> opt.step([("w", w)], [("w", np.array([1.0]))]); w.round(12).tolist()   # Delta = -0.19
    [0.71]
    """

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        *,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
    ) -> None:
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        self.momentum = check_fraction(momentum, "momentum")
        nesterov = check_bool(nesterov, "nesterov")
        if nesterov and momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0")
        self.nesterov = nesterov
        self.velocities: dict[str, np.ndarray] = {}

    slot_names = ("velocities",)

    def _hyperparameters(self):
        return {"momentum": self.momentum, "nesterov": self.nesterov}

    def _update(self, name, param, grad, lr):
        mu = self.momentum
        if mu == 0:
            param -= grad * lr  # theta <- theta - eta g, written as Keras writes it
            return
        v = self._slot(self.velocities, name, param)
        v[...] = v * mu - grad * lr
        if self.nesterov:
            param += v * mu - grad * lr
        else:
            param += v

    def __repr__(self):
        return (
            f"SGD(learning_rate={self.learning_rate}, momentum={self.momentum}, "
            f"nesterov={self.nesterov}{self._clip_repr()})"
        )


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2015) as Keras 3 computes it.

    At step :math:`t = 1, 2, \dots`, with :math:`m = v = 0` at the start:

    .. math::

        \hat\eta_t &= \eta\,\frac{\sqrt{1 - \beta_2^{\,t}}}{1 - \beta_1^{\,t}} \\
        m &\leftarrow m + (g - m)(1 - \beta_1) \\
        v &\leftarrow v + (g^2 - v)(1 - \beta_2) \\
        \theta &\leftarrow \theta - \frac{\hat\eta_t\, m}{\sqrt{v} + \epsilon}

    The bias corrections are folded into :math:`\hat\eta_t`, so :math:`\epsilon` is
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
    clipnorm, clipvalue, global_clipnorm : float > 0 or None
        Gradient clipping, at most one (see :class:`Optimizer` and :func:`clip_gradients`).

    Examples
    --------
    >>> import numpy as np
    >>> w, opt = np.array([1.0]), Adam(0.1)
    >>> opt.step([("w", w)], [("w", np.array([4.0]))])
    >>> w.round(6).tolist()          # the first step moves by almost exactly the learning rate
    [0.9]
    """

    def __init__(
        self,
        learning_rate: float = 1e-3,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        *,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
    ) -> None:
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        self.beta_1 = check_fraction(beta_1, "beta_1", low_inclusive=False)
        self.beta_2 = check_fraction(beta_2, "beta_2", low_inclusive=False)
        self.epsilon = check_positive_float(epsilon, "epsilon")
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    slot_names = ("m", "v")

    def _hyperparameters(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}

    def _update(self, name, param, grad, lr):
        t = self.iterations + 1  # the bias corrections, folded into the step size of step t
        eta_hat = lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        m = self._slot(self.m, name, param)
        v = self._slot(self.v, name, param)
        m += (grad - m) * (1 - self.beta_1)
        v += (np.square(grad) - v) * (1 - self.beta_2)
        param -= (m * eta_hat) / (np.sqrt(v) + self.epsilon)

    def __repr__(self):
        return (
            f"Adam(learning_rate={self.learning_rate}, beta_1={self.beta_1}, "
            f"beta_2={self.beta_2}, epsilon={self.epsilon}{self._clip_repr()})"
        )


# -- The adaptive family beyond the source: Adagrad, RMSprop, AdamW (Keras 3's rules) --------------


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011) as Keras 3 computes it.

    Each entry's step is divided by the root of the sum of all its past squared
    gradients. With the accumulator :math:`v = v_0` (``initial_accumulator_value``) at
    the start:

    .. math::

        v &\leftarrow v + g^2 \\
        \theta &\leftarrow \theta - \frac{\eta\, g}{\sqrt{v + \epsilon}}

    elementwise. Keras puts :math:`\epsilon` *inside* the square root, as in
    :class:`RMSprop` (:class:`Adam` adds it to :math:`\sqrt v`). The accumulator only
    grows, so the steps shrink for good: Adagrad suits convex problems and sparse
    gradients more than long non-convex runs.

    Parameters
    ----------
    learning_rate : float or schedule, default 1e-3
    initial_accumulator_value : float >= 0, default 0.1
    epsilon : float > 0, default 1e-7
    clipnorm, clipvalue, global_clipnorm : float > 0 or None
        Gradient clipping, at most one (see :class:`Optimizer` and :func:`clip_gradients`).

    Examples
    --------
    >>> import numpy as np
    >>> w, opt = np.array([1.0]), Adagrad(0.1, initial_accumulator_value=0.0, epsilon=1e-12)
    >>> opt.step([("w", w)], [("w", np.array([3.0]))]); w.round(9).tolist()   # 1 - 0.1 * 3/sqrt(9)
    [0.9]
    >>> opt.step([("w", w)], [("w", np.array([4.0]))]); w.round(9).tolist()   # - 0.1 * 4/sqrt(9 + 16)
    [0.82]
    """

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        *,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
    ):
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        self.initial_accumulator_value = check_nonnegative(initial_accumulator_value, "initial_accumulator_value")
        self.epsilon = check_positive_float(epsilon, "epsilon")
        self.accumulators: dict[str, np.ndarray] = {}

    slot_names = ("accumulators",)

    def _hyperparameters(self):
        return {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}

    def _update(self, name, param, grad, lr):
        acc = self._slot(self.accumulators, name, param, self.initial_accumulator_value)
        acc += np.square(grad)
        param -= (lr * grad) / np.sqrt(acc + self.epsilon)

    def __repr__(self):
        return (
            f"Adagrad(learning_rate={self.learning_rate}, "
            f"initial_accumulator_value={self.initial_accumulator_value}, epsilon={self.epsilon}{self._clip_repr()})"
        )


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, 2012) as Keras 3 computes it, optionally centred and with momentum.

    With :math:`v = 0` (and :math:`\bar g = 0`, :math:`\Delta = 0`) at the start,
    :math:`\rho` the decay and :math:`\mu` the momentum:

    .. math::

        v &\leftarrow \rho\, v + (1 - \rho)\, g^2 \\
        \text{centred:}\quad \bar g &\leftarrow \rho\, \bar g + (1 - \rho)\, g, \qquad
            d = v - \bar g^{\,2} + \epsilon \\
        \text{otherwise:}\quad d &= v + \epsilon \\
        \mu = 0:\quad \theta &\leftarrow \theta - \frac{\eta\, g}{\sqrt{d}} \\
        \mu > 0:\quad \Delta &\leftarrow \mu\, \Delta - \frac{\eta\, g}{\sqrt{d}}, \qquad
            \theta \leftarrow \theta + \Delta

    elementwise (Keras keeps :math:`-\Delta` as its ``momentums``).
    :math:`\epsilon` is inside the square root (Adam adds it outside),
    and there is no bias correction: :math:`v` starts at 0, so the first steps are
    larger than :math:`\eta` (the first one is :math:`\eta/\sqrt{1 - \rho}` for
    :math:`|g| \gg \sqrt\epsilon`).

    Parameters
    ----------
    learning_rate : float or schedule, default 1e-3
    rho : float in [0, 1), default 0.9
    momentum : float in [0, 1), default 0.0
    epsilon : float > 0, default 1e-7
    centered : bool, default False
        Divide by the root of the estimated *variance* :math:`v - \bar g^2` of the
        gradient instead of its second moment :math:`v`.
    clipnorm, clipvalue, global_clipnorm : float > 0 or None
        Gradient clipping, at most one (see :class:`Optimizer` and :func:`clip_gradients`).

    Examples
    --------
    >>> import numpy as np
    >>> w, opt = np.array([1.0]), RMSprop(0.1, rho=0.75, epsilon=1e-12)
    >>> opt.step([("w", w)], [("w", np.array([2.0]))])   # v = 0.25 * 4 = 1: step 0.1 * 2 / 1
    >>> w.round(9).tolist()
    [0.8]
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        *,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
    ):
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        self.rho = check_fraction(rho, "rho")
        self.momentum = check_fraction(momentum, "momentum")
        self.epsilon = check_positive_float(epsilon, "epsilon")
        self.centered = check_bool(centered, "centered")
        self.velocities: dict[str, np.ndarray] = {}  # v, the moving mean of g^2 (Keras' "velocity")
        self.momentums: dict[str, np.ndarray] = {}  # -Delta, with momentum
        self.average_gradients: dict[str, np.ndarray] = {}  # g bar

    slot_names = ("velocities", "momentums", "average_gradients")

    def _hyperparameters(self):
        return {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon, "centered": self.centered}

    def _update(self, name, param, grad, lr):
        rho = self.rho
        v = self._slot(self.velocities, name, param)
        v *= rho
        v += (1 - rho) * np.square(grad)
        if self.centered:
            g_bar = self._slot(self.average_gradients, name, param)
            g_bar *= rho
            g_bar += (1 - rho) * grad
            denominator = v - np.square(g_bar) + self.epsilon
        else:
            denominator = v + self.epsilon
        increment = (lr * grad) / np.sqrt(denominator)
        if self.momentum > 0:
            minus_delta = self._slot(self.momentums, name, param)  # Keras keeps -Delta
            minus_delta *= self.momentum
            minus_delta += increment
            param -= minus_delta
        else:
            param -= increment

    def __repr__(self):
        return (
            f"RMSprop(learning_rate={self.learning_rate}, rho={self.rho}, momentum={self.momentum}, "
            f"epsilon={self.epsilon}, centered={self.centered}{self._clip_repr()})"
        )


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019) as Keras 3 computes it.

    At each step, *before* the Adam update of :class:`Adam` (same :math:`m, v,
    \hat\eta_t`), every parameter is shrunk towards 0 with the weight decay
    :math:`\alpha_{\text{wd}}` (``weight_decay``):

    .. math::

        \theta &\leftarrow \theta - \theta\,\alpha_{\text{wd}}\,\eta \\
        \theta &\leftarrow \theta - \frac{\hat\eta_t\, m}{\sqrt{v} + \epsilon},
        \qquad \hat\eta_t = \eta\,\frac{\sqrt{1 - \beta_2^{\,t}}}{1 - \beta_1^{\,t}}

    with :math:`m, v` updated from the gradient :math:`g` of the loss alone. Unlike
    an L2 penalty :math:`\alpha \sum W^2` added to the loss, the decay does not pass
    through :math:`m` and :math:`v`, so it is not divided by :math:`\sqrt v`: every
    weight decays at the same relative rate :math:`\alpha_{\text{wd}}\eta` per step
    (under plain gradient descent, :math:`\alpha_{\text{wd}} = 2\alpha` would be the
    L2 penalty of strength :math:`\alpha`). As in Keras
    (without ``exclude_from_weight_decay``), the biases decay too.

    Parameters
    ----------
    learning_rate : float or schedule, default 1e-3
    weight_decay : float >= 0, default 0.004
    beta_1, beta_2, epsilon
        As :class:`Adam`.
    clipnorm, clipvalue, global_clipnorm : float > 0 or None
        Gradient clipping, at most one (see :class:`Optimizer` and :func:`clip_gradients`).

    Examples
    --------
    >>> import numpy as np
    >>> w, opt = np.array([2.0]), AdamW(0.1, weight_decay=0.5)
    >>> opt.step([("w", w)], [("w", np.array([0.0]))])   # zero gradient: only the decay, 2 - 2*0.5*0.1
    >>> w.tolist()
    [1.9]
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        *,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
    ):
        super().__init__(
            learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
        )
        self.weight_decay = check_nonnegative(weight_decay, "weight_decay")

    def _hyperparameters(self):
        return {"weight_decay": self.weight_decay, **super()._hyperparameters()}

    def _update(self, name, param, grad, lr):
        param -= param * self.weight_decay * lr  # decoupled decay first, as Keras
        super()._update(name, param, grad, lr)

    def __repr__(self):
        return (
            f"AdamW(learning_rate={self.learning_rate}, weight_decay={self.weight_decay}, beta_1={self.beta_1}, "
            f"beta_2={self.beta_2}, epsilon={self.epsilon}{self._clip_repr()})"
        )


#: The optimizers :meth:`Optimizer.load` rebuilds, by class name.
OPTIMIZERS = {cls.__name__: cls for cls in (SGD, Adam, Adagrad, RMSprop, AdamW)}
