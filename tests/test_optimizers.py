"""Tests of nnbook.optimizers against independent re-implementations of Keras 3's rules.

The reference implementations below are written from the formulas in the docstrings
of nnbook.optimizers, element by element in plain Python floats (``math``), so they share
no code with the vectorised NumPy implementation. A set of deliberately wrong rules
shows that the comparison would catch a mistake.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnbook import SGD, Adagrad, Adam, AdamW, CosineDecay, ExponentialDecay, RMSprop
from nnbook.gradcheck import rel_error
from nnbook.optimizers import Optimizer

N_STEPS = 20
SHAPES = {"layer1.W": (3, 4), "layer1.b": (3,), "layer2.W": (2, 3)}


# -- independent reference rules (scalar, plain Python floats) --------------------------------


def ref_sgd(w, g, state, t, *, lr, momentum=0.0, nesterov=False, variant=None):
    """One SGD step on a Python float; ``state`` holds the velocity v (starts at 0)."""
    if momentum == 0:
        return w - lr * g
    v = state.get("v", 0.0)
    if variant == "sign_flipped":  # wrong: adds the gradient instead of subtracting it
        v = momentum * v + lr * g
    elif variant == "dampened":  # wrong: PyTorch-style dampening (1 - mu) on the gradient
        v = momentum * v - (1 - momentum) * lr * g
    else:  # v <- mu v - eta g
        v = momentum * v - lr * g
    state["v"] = v
    if nesterov and variant != "nesterov_as_plain":
        return w + (momentum * v - lr * g)  # w <- w + (mu v - eta g)
    return w + v  # w <- w + v


def ref_adam(w, g, state, t, *, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, variant=None):
    """One Adam step (step number t >= 1) on a Python float; ``state`` holds m and v."""
    m = state.get("m", 0.0)
    v = state.get("v", 0.0)
    m = m + (g - m) * (1 - beta_1)  # m <- m + (g - m)(1 - beta_1)
    v = v + (g * g - v) * (1 - beta_2)  # v <- v + (g^2 - v)(1 - beta_2)
    state["m"], state["v"] = m, v
    if variant == "pytorch_epsilon":  # wrong for Keras: epsilon added after bias correction
        m_hat = m / (1 - beta_1**t)
        v_hat = v / (1 - beta_2**t)
        return w - lr * m_hat / (math.sqrt(v_hat) + epsilon)
    if variant == "no_bias_correction":
        return w - lr * m / (math.sqrt(v) + epsilon)
    if variant == "t_from_zero":  # wrong: off-by-one step counter (would divide by 0 at t = 0)
        t = t + 1
    alpha = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)  # alpha_t
    return w - alpha * m / (math.sqrt(v) + epsilon)  # w <- w - alpha_t m / (sqrt(v) + eps)


def ref_adam_textbook(w, g, state, t, *, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Adam as the paper writes it, with the 'epsilon hat' of Keras: a different order of operations."""
    m = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
    v = beta_2 * state.get("v", 0.0) + (1 - beta_2) * g * g
    state["m"], state["v"] = m, v
    m_hat = m / (1 - beta_1**t)
    v_hat = v / (1 - beta_2**t)
    eps_hat = epsilon / math.sqrt(1 - beta_2**t)
    return w - lr * m_hat / (math.sqrt(v_hat) + eps_hat)


def run_reference(rule, params0, grad_seq, **hyper):
    """Apply ``rule`` element by element to every parameter over the gradient sequence."""
    params = {k: v.copy() for k, v in params0.items()}
    states = {k: [{} for _ in range(v.size)] for k, v in params.items()}
    for t, grads in enumerate(grad_seq, start=1):
        for name, p in params.items():
            flat_p, flat_g = p.reshape(-1), grads[name].reshape(-1)
            for i in range(flat_p.size):
                flat_p[i] = rule(float(flat_p[i]), float(flat_g[i]), states[name][i], t, **hyper)
    return params


def run_nnbook(optimizer, params0, grad_seq):
    params = {k: v.copy() for k, v in params0.items()}
    for grads in grad_seq:
        optimizer.step(list(params.items()), [(k, grads[k]) for k in params])
    return params


def max_rel(a: dict, b: dict) -> float:
    return max(rel_error(a[k], b[k]) for k in a)


def replay_problem(seed: int):
    """Initial parameters of SHAPES and N_STEPS gradients of varied sizes, some changing sign
    from step to step: the input of :func:`run_reference` and :func:`run_nnbook`."""
    rng = np.random.default_rng(seed)
    params0 = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    grad_seq = [
        {k: rng.normal(size=s) * rng.choice([0.1, 1.0, 3.0]) for k, s in SHAPES.items()} for _ in range(N_STEPS)
    ]
    return params0, grad_seq


@pytest.fixture
def problem():
    return replay_problem(2024)


CASES = [
    ("sgd", lambda: SGD(0.05), ref_sgd, dict(lr=0.05)),
    ("momentum", lambda: SGD(0.05, momentum=0.9), ref_sgd, dict(lr=0.05, momentum=0.9)),
    ("nesterov", lambda: SGD(0.03, momentum=0.8, nesterov=True), ref_sgd, dict(lr=0.03, momentum=0.8, nesterov=True)),
    ("adam", lambda: Adam(0.01), ref_adam, dict(lr=0.01)),
    (
        "adam_custom",
        lambda: Adam(0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-5),
        ref_adam,
        dict(lr=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-5),
    ),
]


@pytest.mark.parametrize("name, make, rule, hyper", CASES, ids=[c[0] for c in CASES])
def test_matches_reference_step_by_step(name, make, rule, hyper, problem):
    params0, grad_seq = problem
    opt = make()
    ours = {k: v.copy() for k, v in params0.items()}
    ref_states = {k: [{} for _ in range(v.size)] for k, v in params0.items()}
    ref = {k: v.copy() for k, v in params0.items()}
    for t, grads in enumerate(grad_seq, start=1):
        opt.step(list(ours.items()), [(k, grads[k]) for k in ours])
        for k, p in ref.items():
            flat_p, flat_g = p.reshape(-1), grads[k].reshape(-1)
            for i in range(flat_p.size):
                flat_p[i] = rule(float(flat_p[i]), float(flat_g[i]), ref_states[k][i], t, **hyper)
        # every step, every parameter: equal to rounding error. Relative error of the whole
        # array (nnbook.gradcheck.rel_error): an entry that crosses 0 has no meaningful
        # entry-wise relative error. (beta**t itself may differ by an ulp between np.power
        # and Python's **, so bit-for-bit equality is not expected.)
        for k in ours:
            assert rel_error(ours[k], ref[k]) < 1e-15, f"step {t}, {k}"
            np.testing.assert_allclose(ours[k], ref[k], rtol=0, atol=1e-15 * np.abs(ref[k]).max())
        assert opt.iterations == t
    # the parameters did move (the comparison is not between two untouched copies)
    assert min(rel_error(ours[k], params0[k]) for k in ours) > 1e-3


def test_adam_matches_the_textbook_form(problem):
    params0, grad_seq = problem
    ours = run_nnbook(Adam(0.01), params0, grad_seq)
    ref = run_reference(ref_adam_textbook, params0, grad_seq, lr=0.01)
    assert max_rel(ours, ref) < 1e-13


WRONG = [
    (
        "momentum sign flipped",
        lambda: SGD(0.05, momentum=0.9),
        ref_sgd,
        dict(lr=0.05, momentum=0.9, variant="sign_flipped"),
    ),
    ("momentum dampened", lambda: SGD(0.05, momentum=0.9), ref_sgd, dict(lr=0.05, momentum=0.9, variant="dampened")),
    (
        "nesterov as plain momentum",
        lambda: SGD(0.03, momentum=0.8, nesterov=True),
        ref_sgd,
        dict(lr=0.03, momentum=0.8, nesterov=True, variant="nesterov_as_plain"),
    ),
    (
        "plain momentum as nesterov",
        lambda: SGD(0.03, momentum=0.8),
        ref_sgd,
        dict(lr=0.03, momentum=0.8, nesterov=True),
    ),
    ("adam pytorch epsilon", lambda: Adam(0.01), ref_adam, dict(lr=0.01, variant="pytorch_epsilon")),
    ("adam no bias correction", lambda: Adam(0.01), ref_adam, dict(lr=0.01, variant="no_bias_correction")),
    ("adam step counter off by one", lambda: Adam(0.01), ref_adam, dict(lr=0.01, variant="t_from_zero")),
    ("adam paper epsilon 1e-8", lambda: Adam(0.01), ref_adam, dict(lr=0.01, epsilon=1e-8)),
]


@pytest.mark.parametrize("label, make, rule, hyper", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_rule_is_detected(label, make, rule, hyper, problem):
    params0, grad_seq = problem
    ours = run_nnbook(make(), params0, grad_seq)
    wrong = run_reference(rule, params0, grad_seq, **hyper)
    assert max_rel(ours, wrong) > 1e-10, label


def test_pytorch_epsilon_differs_by_about_epsilon_but_detectably():
    # one step, one weight: Keras adds eps to sqrt(v) = sqrt(1 - beta_2)|g|, PyTorch to |g|
    g, lr, eps = 1.0, 0.1, 1e-7
    w = np.array([0.0])
    Adam(lr, epsilon=eps).step([("w", w)], [("w", np.array([g]))])
    keras = -lr * g / (g + eps / math.sqrt(1 - 0.999))
    pytorch = -lr * g / (g + eps)
    assert w[0] == pytest.approx(keras, rel=1e-14)
    assert abs(w[0] - pytorch) > 1e-7 * lr  # about lr * 3e-6
    assert abs(w[0] - pytorch) < 1e-5 * lr


# -- hand-computed steps ---------------------------------------------------------------------------


def test_sgd_momentum_by_hand():
    w, opt = np.array([1.0]), SGD(0.1, momentum=0.9)
    opt.step([("w", w)], [("w", np.array([1.0]))])  # v = -0.1
    assert w[0] == pytest.approx(0.9, abs=1e-15)
    opt.step([("w", w)], [("w", np.array([1.0]))])  # v = 0.9 * -0.1 - 0.1 = -0.19
    assert w[0] == pytest.approx(0.71, abs=1e-15)
    opt.step([("w", w)], [("w", np.array([0.0]))])  # v = -0.171, no gradient but still moving
    assert w[0] == pytest.approx(0.539, abs=1e-15)


def test_nesterov_by_hand():
    w, opt = np.array([1.0]), SGD(0.1, momentum=0.5, nesterov=True)
    opt.step([("w", w)], [("w", np.array([2.0]))])  # v = -0.2, w += 0.5 * -0.2 - 0.2
    assert w[0] == pytest.approx(0.7, abs=1e-15)


def test_plain_sgd_by_hand():
    w, b = np.array([[1.0, -2.0]]), np.array([0.5])
    SGD(0.5).step([("w", w), ("b", b)], [("w", np.array([[2.0, -2.0]])), ("b", np.array([1.0]))])
    np.testing.assert_array_equal(w, [[0.0, -1.0]])
    np.testing.assert_array_equal(b, [0.0])


def test_adam_first_step_moves_by_about_the_learning_rate():
    for g in (4.0, -0.01, 1e3):
        w = np.array([1.0])
        Adam(0.1).step([("w", w)], [("w", np.array([g]))])
        expected = 1.0 - 0.1 * math.copysign(1.0, g) / (1 + 1e-7 / (math.sqrt(1 - 0.999) * abs(g)))
        assert w[0] == pytest.approx(expected, rel=1e-15)


# -- state per parameter name -----------------------------------------------------------------------


def test_sgd_state_is_kept_per_parameter_name():
    opt = SGD(0.1, momentum=0.9)
    a = np.array([1.0, 2.0])
    g = np.array([1.0, -1.0])
    for _ in range(3):
        opt.step([("a", a)], [("a", g)])
    assert set(opt.velocities) == {"a"}
    # a parameter seen for the first time starts with zero velocity,
    # whatever the optimizer did to the others
    b = np.array([1.0, 2.0])
    opt.step([("a", a), ("b", b)], [("a", g), ("b", g)])
    assert set(opt.velocities) == {"a", "b"}
    np.testing.assert_allclose(b, [1.0 - 0.1, 2.0 + 0.1], rtol=1e-15)
    np.testing.assert_allclose(opt.velocities["b"], -0.1 * g, rtol=1e-15)
    assert not np.allclose(opt.velocities["a"], opt.velocities["b"])


def test_state_follows_the_name_not_the_position_or_object():
    opt = SGD(0.1, momentum=0.9)
    a, b = np.zeros(1), np.zeros(1)
    opt.step([("a", a), ("b", b)], [("a", np.array([1.0])), ("b", np.array([-1.0]))])
    # reversed order: each name keeps its velocity
    opt.step([("b", b), ("a", a)], [("b", np.array([0.0])), ("a", np.array([0.0]))])
    assert a[0] == pytest.approx(-0.1 + 0.9 * -0.1, abs=1e-15)
    assert b[0] == pytest.approx(0.1 + 0.9 * 0.1, abs=1e-15)


def test_adam_state_per_name_and_global_step_count():
    opt = Adam(0.1)
    a = np.array([1.0])
    opt.step([("a", a)], [("a", np.array([2.0]))])
    b = np.array([1.0])
    opt.step([("a", a), ("b", b)], [("a", np.array([2.0])), ("b", np.array([2.0]))])
    assert set(opt.m) == set(opt.v) == {"a", "b"}
    # b's moments start from zero ...
    assert opt.m["b"][0] == pytest.approx(0.1 * 2.0, rel=1e-15)
    assert opt.v["b"][0] == pytest.approx(0.001 * 4.0, rel=1e-15)
    assert opt.m["a"][0] == pytest.approx(0.2 + (2.0 - 0.2) * 0.1, rel=1e-15)
    # ... but the bias correction uses the optimizer's step count t = 2 (as in Keras)
    alpha = 0.1 * math.sqrt(1 - 0.999**2) / (1 - 0.9**2)
    assert b[0] == pytest.approx(1.0 - alpha * 0.2 / (math.sqrt(0.004) + 1e-7), rel=1e-15)
    assert opt.iterations == 2


def test_parameters_are_updated_in_place():
    w = np.ones((2, 2))
    w_id = id(w)
    Adam().step([("w", w)], [("w", np.ones((2, 2)))])
    assert id(w) == w_id and np.all(w < 1)


def test_float32_parameters_stay_float32():
    for opt in (SGD(0.1), SGD(0.1, momentum=0.9), Adam(0.1)):
        w = np.ones(3, dtype=np.float32)
        opt.step([("w", w)], [("w", np.ones(3, dtype=np.float32))])
        assert w.dtype == np.float32 and np.all(w < 1)


# -- misuse --------------------------------------------------------------------------------------------


def test_step_rejects_misaligned_lists():
    opt = SGD(0.1)
    with pytest.raises(ValueError, match="got 2 parameters but 1 gradients"):
        opt.step([("a", np.zeros(1)), ("b", np.zeros(1))], [("a", np.zeros(1))])
    with pytest.raises(ValueError, match="parameter 'a' is paired with the gradient of 'b'"):
        opt.step([("a", np.zeros(1))], [("b", np.zeros(1))])
    with pytest.raises(ValueError, match=r"gradient of 'a' has shape \(2,\), parameter has \(1,\)"):
        opt.step([("a", np.zeros(1))], [("a", np.zeros(2))])
    assert opt.iterations == 0


def test_parameter_changing_shape_is_rejected():
    opt = SGD(0.1, momentum=0.9)
    opt.step([("a", np.zeros(2))], [("a", np.ones(2))])
    with pytest.raises(ValueError, match=r"parameter 'a' changed shape from \(2,\) to \(3,\)"):
        opt.step([("a", np.zeros(3))], [("a", np.ones(3))])


def test_nesterov_needs_momentum_and_a_bool():
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        SGD(0.1, nesterov=True)
    with pytest.raises(TypeError, match="nesterov must be True or False, got 1"):
        SGD(0.1, momentum=0.9, nesterov=1)


def test_base_optimizer_is_abstract():
    with pytest.raises(NotImplementedError):
        Optimizer(0.1).step([("a", np.zeros(1))], [("a", np.zeros(1))])


def test_reprs():
    assert repr(SGD(0.1, momentum=0.5)) == "SGD(learning_rate=0.1, momentum=0.5, nesterov=False)"
    assert repr(Adam()) == "Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07)"


# -- Adagrad, RMSprop, AdamW ------------------------------------------------------------------------
# Adagrad, RMSprop (plain, centred, with momentum) and AdamW against independent
# element-by-element re-implementations of the rules in their docstrings (plain Python floats,
# ``math``), learning-rate schedules in every optimizer, and wrong rules shown to be detected.


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
def adaptive_problem():
    return replay_problem(2025)


ADAPTIVE_CASES = [
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


@pytest.mark.parametrize("name, make, rule, hyper", ADAPTIVE_CASES, ids=[c[0] for c in ADAPTIVE_CASES])
def test_matches_reference(name, make, rule, hyper, adaptive_problem):
    params0, grad_seq = adaptive_problem
    opt = make()
    ours = run_nnbook(opt, params0, grad_seq)
    ref = run_reference(rule, params0, grad_seq, **hyper)
    assert max_rel(ours, ref) < 1e-14
    assert opt.iterations == N_STEPS
    assert min(rel_error(ours[k], params0[k]) for k in ours) > 1e-3  # the parameters moved


ADAPTIVE_WRONG = [
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


@pytest.mark.parametrize("label, make, rule, hyper", ADAPTIVE_WRONG, ids=[w[0] for w in ADAPTIVE_WRONG])
def test_a_wrong_adaptive_rule_is_detected(label, make, rule, hyper, adaptive_problem):
    params0, grad_seq = adaptive_problem
    assert max_rel(run_nnbook(make(), params0, grad_seq), run_reference(rule, params0, grad_seq, **hyper)) > 1e-10


def test_adamw_with_zero_decay_is_adam(adaptive_problem):
    params0, grad_seq = adaptive_problem
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
def test_every_optimizer_takes_a_schedule_evaluated_at_the_steps_taken(make, adaptive_problem):
    """A schedule equals, step by step, the same optimizer whose rate is set by hand to
    schedule(iterations) before each step (Keras' convention: the steps taken so far)."""
    params0, grad_seq = adaptive_problem
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


def test_adaptive_reprs():
    assert repr(Adagrad()) == "Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-07)"
    assert repr(RMSprop()) == "RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07, centered=False)"
    assert repr(AdamW()) == "AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-07)"


# -- the learning rate of a step, and the state of an optimizer ----------------------------------


class RecordingSchedule(ExponentialDecay):
    """ExponentialDecay that records the steps it is evaluated at."""

    def __init__(self):
        super().__init__(0.1, decay_steps=10, decay_rate=0.5)
        self.steps = []

    def __call__(self, step):
        self.steps.append(step)
        return super().__call__(step)


@pytest.mark.parametrize("make", [SGD, lambda lr: SGD(lr, momentum=0.9), Adam, Adagrad, RMSprop, AdamW])
def test_every_optimizer_evaluates_its_schedule_once_per_step(make):
    schedule = RecordingSchedule()
    optimizer = make(schedule)
    params = [(f"p{i}", np.ones(3)) for i in range(4)]
    for _ in range(3):
        optimizer.step(params, [(name, np.full(3, 0.5)) for name, _ in params])
    assert schedule.steps == [0, 1, 2]


@pytest.mark.parametrize(
    "optimizer",
    [SGD(0.1, momentum=0.9, nesterov=True), Adam(0.01), Adagrad(0.05), RMSprop(0.01, momentum=0.5, centered=True),
     AdamW(0.01, weight_decay=0.1), Adam(ExponentialDecay(0.1, decay_steps=5, decay_rate=0.5))],
    ids=["sgd", "adam", "adagrad", "rmsprop", "adamw", "adam-schedule"],
)  # fmt: skip
def test_a_saved_optimizer_continues_exactly(optimizer, tmp_path):
    rng = np.random.default_rng(0)
    params = [("w", rng.normal(size=(3, 2))), ("b", rng.normal(size=3))]
    grads = [[(name, rng.normal(size=p.shape)) for name, p in params] for _ in range(6)]
    for g in grads[:3]:
        optimizer.step(params, g)
    optimizer.save(tmp_path / "opt.npz")
    again = Optimizer.load(tmp_path / "opt.npz")
    assert repr(again) == repr(optimizer) and again.iterations == 3
    copies = [(name, p.copy()) for name, p in params]
    for g in grads[3:]:
        optimizer.step(params, g)
        again.step(copies, g)
    for (_, a), (_, b) in zip(params, copies):
        np.testing.assert_array_equal(a, b)


# -- gradient clipping (Keras's clipnorm, clipvalue, global_clipnorm) ---------------------------


def ref_clip(grads, *, clipnorm=None, clipvalue=None, global_clipnorm=None):
    """Clipping written from the formulas, entry by entry in plain Python floats."""
    flat = [[float(x) for x in np.ravel(g)] for g in grads]
    if clipnorm is not None:
        out = []
        for entries in flat:
            norm = math.sqrt(sum(x * x for x in entries))
            out.append([x * clipnorm / max(norm, clipnorm) for x in entries])
    elif global_clipnorm is not None:
        norm = math.sqrt(sum(x * x for entries in flat for x in entries))
        out = [[x * global_clipnorm / max(norm, global_clipnorm) for x in entries] for entries in flat]
    else:
        out = [[min(max(x, -clipvalue), clipvalue) for x in entries] for entries in flat]
    return [np.reshape(o, np.shape(g)) for o, g in zip(out, grads)]


CLIPPING = [{"clipnorm": 1.0}, {"global_clipnorm": 1.0}, {"clipvalue": 0.3}]


@pytest.mark.parametrize("clip", CLIPPING, ids=lambda c: next(iter(c)))
def test_clip_gradients_matches_the_formulas(clip):
    from nnbook.optimizers import clip_gradients

    rng = np.random.default_rng(0)
    for scale in (0.01, 1.0, 10.0):
        grads = [rng.normal(size=s) * scale for s in SHAPES.values()]
        before = [g.copy() for g in grads]
        clipped, active = clip_gradients(grads, **clip)
        assert all(np.array_equal(g, b) for g, b in zip(grads, before))  # the input is left alone
        for c, r in zip(clipped, ref_clip(grads, **clip)):
            assert rel_error(c, r) < 1e-14
        assert active == (scale > 0.01)  # only the smallest gradients pass unchanged


def test_clipping_by_norm_keeps_the_direction_and_by_value_does_not():
    from nnbook.optimizers import clip_gradients

    g = [np.array([3.0, 4.0]), np.array([0.0, 12.0])]
    per_var, _ = clip_gradients(g, clipnorm=1.0)
    assert [float(np.linalg.norm(c)) for c in per_var] == pytest.approx([1.0, 1.0])
    total, _ = clip_gradients(g, global_clipnorm=1.0)
    assert np.sqrt(sum(np.sum(c**2) for c in total)) == pytest.approx(1.0)
    assert total[0] / g[0] == pytest.approx(total[1][1] / g[1][1])  # one common factor
    by_value, _ = clip_gradients(g, clipvalue=1.0)
    assert by_value[0].tolist() == [1.0, 1.0]  # the direction changed
    zero, active = clip_gradients([np.zeros(3)], clipnorm=1.0)  # a zero gradient stays zero
    assert zero[0].tolist() == [0.0, 0.0, 0.0] and not active


@pytest.mark.parametrize("clip", CLIPPING, ids=lambda c: next(iter(c)))
@pytest.mark.parametrize(
    "make",
    [
        lambda **c: SGD(0.1, **c),
        lambda **c: SGD(0.1, momentum=0.9, **c),
        lambda **c: Adam(0.1, **c),
        lambda **c: AdamW(0.1, weight_decay=0.1, **c),
        lambda **c: Adagrad(0.1, **c),
        lambda **c: RMSprop(0.1, momentum=0.5, **c),
    ],
    ids=["sgd", "momentum", "adam", "adamw", "adagrad", "rmsprop"],
)
def test_every_optimizer_clips_before_its_rule(make, clip):
    """An optimizer with clipping equals the same optimizer without it fed the clipped gradients."""
    from nnbook.optimizers import clip_gradients

    rng = np.random.default_rng(1)
    clipped_opt, plain_opt = make(**clip), make()
    ours = {n: rng.normal(size=s) for n, s in SHAPES.items()}
    theirs = {n: p.copy() for n, p in ours.items()}
    for _ in range(N_STEPS):
        grads = [(n, rng.normal(size=s) * 5) for n, s in SHAPES.items()]
        clipped_opt.step(list(ours.items()), grads)
        clipped, _ = clip_gradients([g for _, g in grads], **clip)
        plain_opt.step(list(theirs.items()), [(n, g) for (n, _), g in zip(grads, clipped)])
    assert all(np.array_equal(ours[n], theirs[n]) for n in SHAPES)
    assert clipped_opt.clipped_steps == N_STEPS


def test_clipping_shows_in_repr_config_and_survives_save(tmp_path):
    opt = Adam(0.1, clipnorm=1.0)
    assert repr(opt) == "Adam(learning_rate=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-07, clipnorm=1.0)"
    assert opt.get_config()["clipnorm"] == 1.0 and "clipvalue" not in opt.get_config()
    opt.save(tmp_path / "adam.npz")
    again = Optimizer.load(tmp_path / "adam.npz")
    assert repr(again) == repr(opt) and again.clipnorm == 1.0
    assert repr(SGD(0.1, global_clipnorm=2.0)).endswith("nesterov=False, global_clipnorm=2.0)")
