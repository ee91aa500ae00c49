r"""Learning-rate schedules, Keras 3's formulas operation for operation.

A schedule is called on the step number :math:`t = 0, 1, 2, \dots` (the number of
updates taken so far) and returns the learning rate :math:`\eta_t` of the next
update. Every optimizer of :mod:`nnbook.optimizers` accepts a schedule wherever it
accepts a learning rate, and evaluates it at its ``iterations`` before each step, as
Keras does (``optimizer.learning_rate`` is then the rate of the coming step).

The arithmetic follows ``keras/src/optimizers/schedules/learning_rate_schedule.py``
in float64, so each value agrees with ``keras.optimizers.schedules`` to rounding
error when Keras gets the hyper-parameters as ``np.float64`` (a Python float makes
Keras compute the schedule in float32).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._checks import check_positive_float, check_positive_int

__all__ = ["LearningRateSchedule", "ExponentialDecay", "CosineDecay"]


def _check_step(step) -> np.float64:
    """The step number as a float64, or a clear error for anything but an integer >= 0."""
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise TypeError(f"step must be an integer >= 0, got {step!r} ({type(step).__name__})")
    if step < 0:
        raise ValueError(f"step must be an integer >= 0, got {step}")
    return np.float64(step)


def _check_nonnegative(value, name: str):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


class LearningRateSchedule:
    """Base class: a schedule maps the step number ``t`` (int >= 0) to a learning rate.

    Subclasses implement ``__call__(step)``; an optimizer given a schedule as its learning
    rate calls it with its step count before every update.

    Examples
    --------
    A constant rate that halves once, after 100 steps:

    >>> class StepDown(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return np.float64(0.1 if step < 100 else 0.05)
    >>> schedule = StepDown()
    >>> float(schedule(0)), float(schedule(99)), float(schedule(100))
    (0.1, 0.1, 0.05)
    """

    def __call__(self, step: int) -> np.float64:
        raise NotImplementedError


class ExponentialDecay(LearningRateSchedule):
    r"""Exponential decay, Keras 3's ``keras.optimizers.schedules.ExponentialDecay``.

    .. math:: \eta_t = \eta_0\, q^{\,t / T}
              \qquad(\text{staircase: } \eta_t = \eta_0\, q^{\lfloor t / T \rfloor})

    with :math:`\eta_0` = ``initial_learning_rate``, :math:`q` = ``decay_rate``,
    :math:`T` = ``decay_steps``: the rate is multiplied by :math:`q` every
    :math:`T` steps (smoothly, or at once with ``staircase=True``).

    Parameters
    ----------
    initial_learning_rate : float > 0
    decay_steps : int > 0
    decay_rate : float > 0
    staircase : bool, default False

    Examples
    --------
    >>> s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> float(s(0)), float(s(10)), float(s(20))          # halved every 10 steps
    (0.1, 0.05, 0.025)
    >>> round(float(s(5)), 12)                            # 0.1 * 0.5 ** 0.5
    0.070710678119
    >>> float(ExponentialDecay(0.1, 10, 0.5, staircase=True)(19))
    0.05
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False):
        self.initial_learning_rate = check_positive_float(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = check_positive_int(decay_steps, "decay_steps")
        self.decay_rate = check_positive_float(decay_rate, "decay_rate")
        if not isinstance(staircase, bool):
            raise TypeError(f"staircase must be True or False, got {staircase!r}")
        self.staircase = staircase

    def __call__(self, step: int) -> np.float64:
        t = _check_step(step)
        p = t / np.float64(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return np.float64(self.initial_learning_rate) * np.power(np.float64(self.decay_rate), p)

    def __repr__(self) -> str:
        return (
            f"ExponentialDecay(initial_learning_rate={self.initial_learning_rate}, decay_steps={self.decay_steps}, "
            f"decay_rate={self.decay_rate}, staircase={self.staircase})"
        )


class CosineDecay(LearningRateSchedule):
    r"""Cosine decay with optional linear warm-up, Keras 3's ``keras.optimizers.schedules.CosineDecay``.

    Without warm-up (``warmup_target=None``), with :math:`\eta_0` =
    ``initial_learning_rate``, :math:`T` = ``decay_steps`` and the final rate
    :math:`\eta_{\min} = ` ``alpha`` :math:`\cdot\, \eta_0` (``alpha`` is the final rate
    as a fraction of the initial one):

    .. math:: \eta_t = \eta_{\min} + (\eta_0 - \eta_{\min})\,\tfrac12\big(1 + \cos(\pi \min(t, T)/T)\big).

    With warm-up to :math:`\eta_w` = ``warmup_target`` over :math:`T_w` =
    ``warmup_steps`` steps, :math:`t` is first clipped to :math:`T_w + T`, the final
    rate is :math:`\eta_{\min} = ` ``alpha`` :math:`\cdot\, \eta_w`, and

    .. math:: \eta_t = \begin{cases}
              \eta_0 + (\eta_w - \eta_0)\, t/T_w & t < T_w \\
              \eta_{\min} + (\eta_w - \eta_{\min})\,\tfrac12\big(1 + \cos(\pi (t - T_w)/T)\big) & t \ge T_w
              \end{cases}

    (the decay phase lasts :math:`T` steps after the warm-up, as in Keras, which
    computes :math:`\eta_w \big((1 - \text{alpha})\, c + \text{alpha}\big)` for the
    cosine factor :math:`c`, the same number).

    Parameters
    ----------
    initial_learning_rate : float
        > 0; may be 0 when a warm-up starts from it.
    decay_steps : int > 0
    alpha : float in [0, 1], default 0.0
    warmup_target : float > 0 or None
    warmup_steps : int >= 0, default 0

    Examples
    --------
    >>> s = CosineDecay(0.1, decay_steps=100)
    >>> float(s(0)), round(float(s(50)), 12), float(s(100)), float(s(1000))
    (0.1, 0.05, 0.0, 0.0)
    >>> w = CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)
    >>> round(float(w(5)), 12), float(w(10))             # half-way up the ramp; the top
    (0.05, 0.1)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ):
        if warmup_target is None:
            self.initial_learning_rate = check_positive_float(initial_learning_rate, "initial_learning_rate")
        else:
            self.initial_learning_rate = _check_nonnegative(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = check_positive_int(decay_steps, "decay_steps")
        alpha = _check_nonnegative(alpha, "alpha")
        if alpha > 1:
            raise ValueError(f"alpha must lie in [0, 1] (the final rate as a fraction of the initial one), got {alpha}")
        self.alpha = alpha
        self.warmup_target = None if warmup_target is None else check_positive_float(warmup_target, "warmup_target")
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, numbers.Integral) or warmup_steps < 0:
            raise ValueError(f"warmup_steps must be an integer >= 0, got {warmup_steps!r}")
        self.warmup_steps = int(warmup_steps)

    def _decay(self, t, decay_steps, decay_from_lr):
        completed_fraction = t / decay_steps
        cosine_decayed = 0.5 * (1.0 + np.cos(np.float64(math.pi) * completed_fraction))
        decayed = (1 - self.alpha) * cosine_decayed + self.alpha
        return np.float64(decay_from_lr) * decayed

    def __call__(self, step: int) -> np.float64:
        t = _check_step(step)
        decay_steps = np.float64(self.decay_steps)
        if self.warmup_target is None:
            return self._decay(min(t, decay_steps), decay_steps, self.initial_learning_rate)
        warmup_steps = np.float64(self.warmup_steps)
        t = min(t, decay_steps + warmup_steps)
        if t < warmup_steps:
            completed_fraction = t / warmup_steps
            total_step_delta = np.float64(self.warmup_target) - np.float64(self.initial_learning_rate)
            return total_step_delta * completed_fraction + np.float64(self.initial_learning_rate)
        return self._decay(t - warmup_steps, decay_steps, self.warmup_target)

    def __repr__(self) -> str:
        return (
            f"CosineDecay(initial_learning_rate={self.initial_learning_rate}, decay_steps={self.decay_steps}, "
            f"alpha={self.alpha}, warmup_target={self.warmup_target}, warmup_steps={self.warmup_steps})"
        )
