"""Learning-rate schedules against their formulas written independently (Python's ``math``),
with their limits (start, end, warm-up top) and wrong variants detected."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnbook.schedules import CosineDecay, ExponentialDecay, LearningRateSchedule

STEPS = range(0, 401)


def ref_exponential(t, lr0, T, r, staircase=False):
    p = t // T if staircase else t / T
    return lr0 * r**p


def ref_cosine(t, lr0, T, alpha=0.0, target=None, W=0):
    if target is None:
        t = min(t, T)
        return lr0 * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * t / T)) + alpha)
    t = min(t, T + W)
    if t < W:
        return lr0 + (target - lr0) * t / W
    return target * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * (t - W) / T)) + alpha)


def gap(schedule, ref):
    return max(abs(float(schedule(t)) - ref(t)) for t in STEPS)


EXPONENTIAL = [(0.1, 30, 0.8, False), (0.1, 30, 0.8, True), (1.0, 1, 0.99, False), (0.01, 7, 1.5, True)]


@pytest.mark.parametrize("lr0, T, r, staircase", EXPONENTIAL)
def test_exponential_decay_matches_its_formula(lr0, T, r, staircase):
    s = ExponentialDecay(lr0, T, r, staircase=staircase)
    assert gap(s, lambda t: ref_exponential(t, lr0, T, r, staircase)) < 1e-14 * max(1.0, lr0 * r ** (400 / T))
    assert float(s(0)) == lr0


COSINE = [
    dict(lr0=0.1, T=200),
    dict(lr0=0.1, T=200, alpha=0.1),
    dict(lr0=0.001, T=150, alpha=0.05, target=0.1, W=40),
    dict(lr0=0.0, T=100, target=0.05, W=10),
]


@pytest.mark.parametrize("kw", COSINE, ids=[str(i) for i in range(len(COSINE))])
def test_cosine_decay_matches_its_formula(kw):
    s = CosineDecay(
        kw["lr0"], kw["T"], alpha=kw.get("alpha", 0.0), warmup_target=kw.get("target"), warmup_steps=kw.get("W", 0)
    )
    assert gap(s, lambda t: ref_cosine(t, **kw)) < 1e-15


def test_cosine_limits():
    s = CosineDecay(0.2, decay_steps=100, alpha=0.25)
    assert float(s(0)) == 0.2
    assert float(s(100)) == pytest.approx(0.05, abs=1e-17)  # alpha * lr0
    assert float(s(10_000)) == float(s(100))  # stays at the floor
    w = CosineDecay(0.0, decay_steps=100, warmup_target=0.4, warmup_steps=20)
    values = [float(w(t)) for t in range(0, 121)]
    assert values[0] == 0.0 and values[20] == 0.4
    assert np.all(np.diff(values[:21]) > 0) and np.all(np.diff(values[20:]) < 0)
    np.testing.assert_allclose(np.diff(values[:21]), 0.02, rtol=1e-12)  # linear ramp


def test_wrong_variants_are_detected():
    # decay phase measured from step 0 instead of the end of the warm-up
    s = CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=20)
    assert (
        gap(s, lambda t: ref_cosine(t, 0.0, 100, 0.0, 0.1, 0) if t >= 20 else ref_cosine(t, 0.0, 100, 0.0, 0.1, 20))
        > 1e-3
    )
    # decay from the initial rate instead of the warm-up target
    s2 = CosineDecay(0.01, decay_steps=100, warmup_target=0.1, warmup_steps=20)
    assert gap(s2, lambda t: ref_cosine(t, 0.01, 100, 0.0, 0.1, 20)) < 1e-15
    assert (
        gap(
            s2, lambda t: ref_cosine(min(t, 120) - 20, 0.01, 100) if t >= 20 else ref_cosine(t, 0.01, 100, 0.0, 0.1, 20)
        )
        > 1e-2
    )
    e = ExponentialDecay(0.1, 30, 0.8)
    assert gap(e, lambda t: ref_exponential(t, 0.1, 30, 0.8, staircase=True)) > 1e-3
    assert gap(e, lambda t: 0.1 * 0.8 ** (t / 30 + 1 / 30)) > 1e-5  # one step ahead


def test_values_are_float64_and_schedules_are_schedules():
    for s in (ExponentialDecay(0.1, 10, 0.5), CosineDecay(0.1, 10)):
        assert isinstance(s, LearningRateSchedule)
        assert isinstance(s(3), np.float64)
        assert "decay_steps=10" in repr(s)
