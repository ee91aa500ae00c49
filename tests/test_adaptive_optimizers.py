"""Adagrad, RMSprop (plain, centred, with momentum) and AdamW against independent
element-by-element re-implementations of the rules in their docstrings (plain Python floats,
``math``), learning-rate schedules in every optimizer, and wrong rules shown to be detected."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_optimizers import N_STEPS, max_rel, replay_problem, run_nnbook, run_reference  # the replay

from nnbook import SGD, Adagrad, Adam, AdamW, CosineDecay, ExponentialDecay, RMSprop
from nnbook.gradcheck import rel_error


def ref_adagrad(w, g, state, t, *, lr, r0=0.1, epsilon=1e-7, variant=None):
    r = state.get("r", r0) + g * g  # r <- r + g^2
    state["r"] = r
    if variant == "epsilon_outside":
        return w - lr * g / (math.sqrt(r) + epsilon)
    return w - lr * g / math.sqrt(r + epsilon)  # w <- w - eta g / sqrt(r + eps)


def ref_rmsprop(w, g, state, t, *, lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, variant=None):
    s = rho * state.get("s", 0.0) + (1 - rho) * g * g  # s <- rho s + (1 - rho) g^2
    state["s"] = s
    if centered:
        gbar = rho * state.get("gbar", 0.0) + (1 - rho) * g  # gbar <- rho gbar + (1 - rho) g
        state["gbar"] = gbar
        d = s - gbar * gbar + epsilon
    else:
        d = s + epsilon
    if variant == "epsilon_outside":
        delta = lr * g / (math.sqrt(d - epsilon) + epsilon)
    elif variant == "no_centering":
        delta = lr * g / math.sqrt(s + epsilon)
    else:
        delta = lr * g / math.sqrt(d)  # Delta = eta g / sqrt(d)
    if momentum > 0:
        u = momentum * state.get("u", 0.0) + delta  # u <- mu u + Delta
        state["u"] = u
        return w - u
    return w - delta


def ref_adamw(w, g, state, t, *, lr, wd=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7, variant=None):
    if variant != "decay_after":
        w = w - w * wd * lr  # decoupled decay first
    if variant == "coupled":
        g = g + wd * w
    m = state.get("m", 0.0)
    v = state.get("v", 0.0)
    m = m + (g - m) * (1 - beta_1)
    v = v + (g * g - v) * (1 - beta_2)
    state["m"], state["v"] = m, v
    eta_hat = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    w = w - eta_hat * m / (math.sqrt(v) + epsilon)
    if variant == "decay_after":
        w = w - w * wd * lr
    return w


@pytest.fixture
def problem():
    return replay_problem(2025)


CASES = [
    ("adagrad", lambda: Adagrad(0.05), ref_adagrad, dict(lr=0.05)),
    (
        "adagrad-custom",
        lambda: Adagrad(0.1, initial_accumulator_value=0.0, epsilon=1e-4),
        ref_adagrad,
        dict(lr=0.1, r0=0.0, epsilon=1e-4),
    ),
    ("rmsprop", lambda: RMSprop(0.01), ref_rmsprop, dict(lr=0.01)),
    ("rmsprop-centered", lambda: RMSprop(0.01, centered=True), ref_rmsprop, dict(lr=0.01, centered=True)),
    ("rmsprop-momentum", lambda: RMSprop(0.01, momentum=0.9), ref_rmsprop, dict(lr=0.01, momentum=0.9)),
    (
        "rmsprop-all",
        lambda: RMSprop(0.01, rho=0.7, momentum=0.5, epsilon=1e-5, centered=True),
        ref_rmsprop,
        dict(lr=0.01, rho=0.7, momentum=0.5, epsilon=1e-5, centered=True),
    ),
    ("adamw", lambda: AdamW(0.01), ref_adamw, dict(lr=0.01)),
    (
        "adamw-strong",
        lambda: AdamW(0.02, weight_decay=0.3, beta_1=0.8, beta_2=0.99, epsilon=1e-5),
        ref_adamw,
        dict(lr=0.02, wd=0.3, beta_1=0.8, beta_2=0.99, epsilon=1e-5),
    ),
]


@pytest.mark.parametrize("name, make, rule, hyper", CASES, ids=[c[0] for c in CASES])
def test_matches_reference(name, make, rule, hyper, problem):
    params0, grad_seq = problem
    opt = make()
    ours = run_nnbook(opt, params0, grad_seq)
    ref = run_reference(rule, params0, grad_seq, **hyper)
    assert max_rel(ours, ref) < 1e-14
    assert opt.iterations == N_STEPS
    assert min(rel_error(ours[k], params0[k]) for k in ours) > 1e-3  # the parameters moved


WRONG = [
    (
        "adagrad epsilon outside sqrt",
        lambda: Adagrad(0.05, epsilon=1e-3),
        ref_adagrad,
        dict(lr=0.05, epsilon=1e-3, variant="epsilon_outside"),
    ),
    ("adagrad accumulator from 0", lambda: Adagrad(0.05), ref_adagrad, dict(lr=0.05, r0=0.0)),
    ("rmsprop epsilon outside sqrt", lambda: RMSprop(0.01), ref_rmsprop, dict(lr=0.01, variant="epsilon_outside")),
    (
        "rmsprop centred as plain",
        lambda: RMSprop(0.01, centered=True),
        ref_rmsprop,
        dict(lr=0.01, centered=True, variant="no_centering"),
    ),
    ("rmsprop momentum ignored", lambda: RMSprop(0.01, momentum=0.9), ref_rmsprop, dict(lr=0.01)),
    (
        "adamw decay after the step",
        lambda: AdamW(0.01, weight_decay=0.1),
        ref_adamw,
        dict(lr=0.01, wd=0.1, variant="decay_after"),
    ),
    ("adamw as coupled L2", lambda: AdamW(0.01, weight_decay=0.1), ref_adamw, dict(lr=0.01, wd=0.1, variant="coupled")),
    ("adamw without decay", lambda: AdamW(0.01, weight_decay=0.1), ref_adamw, dict(lr=0.01, wd=0.0)),
]


@pytest.mark.parametrize("label, make, rule, hyper", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_rule_is_detected(label, make, rule, hyper, problem):
    params0, grad_seq = problem
    assert max_rel(run_nnbook(make(), params0, grad_seq), run_reference(rule, params0, grad_seq, **hyper)) > 1e-10


def test_adamw_with_zero_decay_is_adam(problem):
    params0, grad_seq = problem
    a = run_nnbook(AdamW(0.01, weight_decay=0.0), params0, grad_seq)
    b = run_nnbook(Adam(0.01), params0, grad_seq)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_adamw_decays_every_weight_at_the_same_relative_rate():
    """Zero gradient: only the decay acts, w <- w (1 - alpha eta) per step, whatever w's size."""
    w = np.array([1e-3, 1.0, 1e3])
    opt = AdamW(0.1, weight_decay=0.5)
    for _ in range(10):
        opt.step([("w", w)], [("w", np.zeros(3))])
    np.testing.assert_allclose(w, np.array([1e-3, 1.0, 1e3]) * (1 - 0.05) ** 10, rtol=1e-14)


def test_rmsprop_first_step_by_hand():
    # s = (1 - rho) g^2, step = eta g / sqrt(s + eps) = eta / sqrt(1 - rho) for g >> sqrt(eps)
    w = np.array([0.0])
    RMSprop(0.01, rho=0.9).step([("w", w)], [("w", np.array([5.0]))])
    assert w[0] == pytest.approx(-0.01 * 5.0 / math.sqrt(0.1 * 25 + 1e-7), rel=1e-15)
    assert w[0] == pytest.approx(-0.01 / math.sqrt(0.1), rel=1e-7)


def test_adagrad_steps_shrink_for_a_constant_gradient():
    w, opt, steps = np.array([0.0]), Adagrad(1.0, initial_accumulator_value=0.0, epsilon=1e-12), []
    for _ in range(4):
        before = w[0]
        opt.step([("w", w)], [("w", np.array([2.0]))])
        steps.append(before - w[0])
    np.testing.assert_allclose(steps, [1 / math.sqrt(k) for k in range(1, 5)], rtol=1e-12)  # 2/sqrt(4k)


# -- schedules in optimizers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda lr: SGD(lr),
        lambda lr: SGD(lr, momentum=0.9),
        lambda lr: Adam(lr),
        lambda lr: Adagrad(lr),
        lambda lr: RMSprop(lr, centered=True),
        lambda lr: AdamW(lr),
    ],
    ids=["sgd", "momentum", "adam", "adagrad", "rmsprop", "adamw"],
)
def test_every_optimizer_takes_a_schedule_evaluated_at_the_steps_taken(make, problem):
    """A schedule equals, step by step, the same optimizer whose rate is set by hand to
    schedule(iterations) before each step (Keras' convention: the steps taken so far)."""
    params0, grad_seq = problem
    schedule = ExponentialDecay(0.05, decay_steps=5, decay_rate=0.5)
    scheduled = make(schedule)
    by_hand = make(0.05)
    a = {k: v.copy() for k, v in params0.items()}
    b = {k: v.copy() for k, v in params0.items()}
    for t, grads in enumerate(grad_seq):
        assert scheduled.learning_rate == schedule(t)
        by_hand.learning_rate = schedule(t)
        scheduled.step(list(a.items()), [(k, grads[k]) for k in a])
        by_hand.step(list(b.items()), [(k, grads[k]) for k in b])
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert scheduled.schedule is schedule and by_hand.schedule is None
    # and evaluating at iterations + 1 instead would be a different trajectory
    shifted = make(0.05)
    c = {k: v.copy() for k, v in params0.items()}
    for t, grads in enumerate(grad_seq):
        shifted.learning_rate = schedule(t + 1)
        shifted.step(list(c.items()), [(k, grads[k]) for k in c])
    assert max_rel(a, c) > 1e-6


def test_constant_learning_rate_behaviour_is_unchanged():
    opt = SGD(0.1)
    assert opt.learning_rate == 0.1 and opt.schedule is None
    opt.learning_rate = 0.2
    assert opt.learning_rate == 0.2
    w = np.array([1.0])
    opt.step([("w", w)], [("w", np.array([1.0]))])
    assert w[0] == pytest.approx(0.8)


def test_cosine_warmup_schedule_drives_adam_from_zero():
    schedule = CosineDecay(0.0, decay_steps=10, warmup_target=0.1, warmup_steps=5)
    opt, w = Adam(schedule), np.array([1.0])
    opt.step([("w", w)], [("w", np.array([1.0]))])
    assert w[0] == 1.0  # the first step has rate schedule(0) = 0
    opt.step([("w", w)], [("w", np.array([1.0]))])
    assert w[0] < 1.0


def test_reprs():
    assert repr(Adagrad()) == "Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-07)"
    assert repr(RMSprop()) == "RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07, centered=False)"
    assert repr(AdamW()) == "AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-07)"
