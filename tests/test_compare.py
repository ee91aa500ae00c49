"""Parity with TensorFlow/Keras in float64: forward, gradients, and 200-step trajectories of
SGD, SGD with momentum and Adam agree to 1e-10; a wrong update rule is caught. The second part
covers the pieces beyond the source: the activation variants, Adagrad, RMSprop and AdamW,
the schedules, L2, dropout and batch normalisation.

Skipped when TensorFlow is not installed; `make test` installs it (the `compare` extra)."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import tensorflow as tf  # noqa: E402

from nnbook import (  # noqa: E402
    ELU,
    GELU,
    L1,
    L1L2,
    L2,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    BatchNormalization,
    CosineDecay,
    CrossEntropyLoss,
    Dropout,
    ExponentialDecay,
    LeakyReLU,
    MSELoss,
    NeuralNetwork,
    RMSprop,
    SiLU,
)
from nnbook.compare import (  # noqa: E402
    compare_forward,
    compare_gradients,
    compare_trajectories,
    compare_with_tensorflow,
    copy_weights_from_keras,
    copy_weights_to_keras,
    import_keras,
    keras_dense_layers,
    keras_loss,
    keras_optimizer,
    keras_parameter_variables,
    keras_schedule,
    keras_targets,
    to_keras,
)
from nnbook.pitfalls import BatchNormWithoutMeanTerm  # noqa: E402

PARITY = 1e-10

# the loss class, not an instance: a loss object keeps state, so every test makes its own
CASES = {
    "softmax-ce": (["relu", "softmax"], CrossEntropyLoss, 3),
    "sigmoid-bce": (["tanh", "sigmoid"], CrossEntropyLoss, 1),
    "linear-mse": (["relu", "linear"], MSELoss, 2),
}


def loss_for(case):
    return CASES[case][1]()


def data(case, rng):
    _, loss_cls, n_out = CASES[case]
    X = rng.normal(size=(48, 4))
    if loss_cls is MSELoss:
        return X, rng.normal(size=(48, n_out))
    return X, rng.integers(0, max(n_out, 2), size=48)


def network(case, seed=0, dtype=np.float64):
    acts, _, n_out = CASES[case]
    return NeuralNetwork([4, 8, 6, n_out], acts[:1] * 2 + acts[1:], rng=seed, dtype=dtype)


@pytest.mark.parametrize("case", CASES)
def test_forward_and_loss_agree(case):
    X, y = data(case, np.random.default_rng(1))
    result = compare_forward(network(case), X, y, loss_for(case))
    assert result["max_output_diff"] < PARITY
    assert result["loss_diff"] < PARITY


@pytest.mark.parametrize("case", CASES)
def test_gradients_agree_with_gradient_tape(case):
    X, y = data(case, np.random.default_rng(2))
    errors = compare_gradients(network(case), X, y, loss_for(case))
    assert len(errors) == 6
    assert max(errors.values()) < PARITY


OPTIMIZERS = {
    "sgd": lambda: SGD(0.05),
    "momentum": lambda: SGD(0.05, momentum=0.9),
    "nesterov": lambda: SGD(0.05, momentum=0.9, nesterov=True),
    "adam": lambda: Adam(0.01),
}


@pytest.mark.slow
@pytest.mark.parametrize("opt", OPTIMIZERS)
@pytest.mark.parametrize("case", ["softmax-ce", "linear-mse"])
def test_trajectories_agree_for_200_steps(case, opt):
    X, y = data(case, np.random.default_rng(3))
    result = compare_trajectories(
        network(case), X, y, loss_for(case), OPTIMIZERS[opt](), steps=200, batch_size=16, rng=4
    )
    assert len(result.loss_nnbook) == 200
    assert result.loss_nnbook[-1] < result.loss_nnbook[0]  # it really trained
    assert result.max_diff < PARITY


class TorchStyleAdam(Adam):
    """Adam with epsilon added after bias-correcting v (PyTorch's form): a different rule."""

    def _update(self, name, param, grad, lr):
        t = self.iterations + 1
        m = self._slot(self.m, name, param)
        v = self._slot(self.v, name, param)
        m += (grad - m) * (1 - self.beta_1)
        v += (grad**2 - v) * (1 - self.beta_2)
        m_hat = m / (1 - self.beta_1**t)
        v_hat = v / (1 - self.beta_2**t)
        param -= lr * m_hat / (np.sqrt(v_hat) + self.epsilon)


class WrongMomentum(SGD):
    """Momentum that forgets to scale the velocity: v = v - lr * g."""

    def _update(self, name, param, grad, lr):
        v = self._slot(self.velocities, name, param)
        v[...] = v - grad * lr
        param += v


@pytest.mark.parametrize("wrong", [TorchStyleAdam(0.01), WrongMomentum(0.05, momentum=0.9)], ids=["adam", "momentum"])
def test_a_wrong_update_rule_is_detected(wrong):
    """Keras gets the rule of the parent class (Adam, SGD); the subclass's rule differs."""
    X, y = data("softmax-ce", np.random.default_rng(5))
    result = compare_trajectories(
        network("softmax-ce"), X, y, CrossEntropyLoss(), wrong, steps=50, batch_size=16, rng=6
    )
    assert result.max_diff > PARITY


def test_float32_agreement_is_much_looser():
    X, y = data("softmax-ce", np.random.default_rng(7))
    result = compare_trajectories(
        network("softmax-ce", dtype=np.float32), X, y, CrossEntropyLoss(), Adam(0.01), steps=50, batch_size=16, rng=8
    )
    assert PARITY < result.max_diff < 1e-3


def test_weights_round_trip():
    net = network("softmax-ce", seed=1)
    model = to_keras(net)
    kernel = keras_dense_layers(model)[0].kernel
    np.testing.assert_array_equal(np.asarray(kernel), net.layers[0].W.T)  # kernel = W^T
    other = network("softmax-ce", seed=2)
    copy_weights_from_keras(model, other)
    for (_, a), (_, b) in zip(net.parameters(), other.parameters()):
        np.testing.assert_array_equal(a, b)


def test_compare_with_tensorflow_is_fair_and_both_learn():
    from nnbook import generate_xor_data, train_val_split

    rng = np.random.default_rng(9)
    X, _, y = generate_xor_data(300, rng=rng)
    X_tr, X_val, y_tr, y_val = train_val_split(X, y, 0.25, rng=rng)
    result = compare_with_tensorflow(X_tr, y_tr, X_val, y_val, [2, 16, 2], epochs=40, learning_rate=0.02, rng=10)
    for side in ("nnbook", "keras"):
        history = result[side]
        assert set(history) == {"train_loss", "val_loss", "train_acc", "val_acc"}
        assert len(history["val_acc"]) == 40
        assert history["val_acc"][-1] > 0.85, side
    # same initial weights and optimizer: the first epoch's losses are close
    assert abs(result["nnbook"]["train_loss"][0] - result["keras"]["train_loss"][0]) < 0.05


def test_compare_with_tensorflow_leaves_numpy_global_state_alone():
    from nnbook import generate_xor_data

    X, _, y = generate_xor_data(40, rng=0)
    before = np.random.get_state()[1].copy()
    compare_with_tensorflow(X[:30], y[:30], X[30:], y[30:], [2, 4, 2], epochs=1, rng=1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_copy_weights_to_keras_refuses_a_model_with_other_layers():
    from nnbook.compare import copy_weights_to_keras

    model = to_keras(NeuralNetwork([4, 8, 3], ["relu", "softmax"], rng=0))
    with pytest.raises(ValueError, match="the Keras model has 2 Dense layers, the network 3"):
        copy_weights_to_keras(NeuralNetwork([4, 8, 6, 3], ["relu", "relu", "softmax"], rng=0), model)
    with pytest.raises(ValueError):  # same number of layers, other shapes: Keras refuses the kernel
        copy_weights_to_keras(NeuralNetwork([4, 5, 3], ["relu", "softmax"], rng=0), model)


# -- Beyond the source: activations, adaptive optimizers, schedules, L2, dropout, batch normalisation ---
# Parity with Keras 3 in float64 for the pieces beyond the source: Adagrad, RMSprop, AdamW,
# the learning-rate schedules, the L2 penalty, the new activations, Dropout and
# BatchNormalization. Each comparison has a twin that feeds a deliberately wrong rule and
# must see a difference above the parity threshold.
#
# Skipped when TensorFlow is not installed; `make test` installs it (the `compare` extra).


keras = import_keras()

BEYOND_PARITY = 1e-10
STEPS = 200


def beyond_data(kind, rng):
    X = rng.normal(size=(48, 4))
    if kind == "mse":
        return X, rng.normal(size=(48, 2))
    return X, rng.integers(0, 3, size=48)


def beyond_network(kind, activation="tanh", seed=0):
    """A 4-8-6-K network; ``activation`` is a name or a factory of Activation instances."""
    hidden = [activation() if callable(activation) else activation for _ in range(2)]
    if kind == "mse":
        return NeuralNetwork([4, 8, 6, 2], hidden + ["linear"], rng=seed)
    return NeuralNetwork([4, 8, 6, 3], hidden + ["softmax"], rng=seed)


LOSSES = {"ce": CrossEntropyLoss(), "mse": MSELoss()}


def trajectory(optimizer, kind="ce", steps=STEPS, activation="tanh", seed=3):
    X, y = beyond_data(kind, np.random.default_rng(seed))
    return compare_trajectories(
        beyond_network(kind, activation), X, y, LOSSES[kind], optimizer, steps=steps, batch_size=16, rng=seed + 1
    )


# -- optimizers ------------------------------------------------------------------------------

ADAPTIVE_OPTIMIZERS = {
    "adagrad": lambda: Adagrad(0.05),
    "rmsprop": lambda: RMSprop(0.005),
    "rmsprop-centered": lambda: RMSprop(0.005, centered=True),
    "rmsprop-momentum": lambda: RMSprop(0.002, momentum=0.9),
    "rmsprop-centered-momentum": lambda: RMSprop(0.002, rho=0.8, momentum=0.5, centered=True),
    "adamw": lambda: AdamW(0.01),
    "adamw-strong-decay": lambda: AdamW(0.01, weight_decay=0.5),
    "sgd-exponential-decay": lambda: SGD(ExponentialDecay(0.1, decay_steps=50, decay_rate=0.5)),
    "adam-cosine-warmup": lambda: Adam(
        CosineDecay(0.0, decay_steps=150, alpha=0.1, warmup_target=0.02, warmup_steps=50)
    ),
    "rmsprop-exponential-staircase": lambda: RMSprop(ExponentialDecay(0.01, 40, 0.7, staircase=True), momentum=0.5),
    "adamw-cosine": lambda: AdamW(CosineDecay(0.01, decay_steps=200), weight_decay=0.1),
}


@pytest.mark.slow
@pytest.mark.parametrize("opt", ADAPTIVE_OPTIMIZERS)
@pytest.mark.parametrize("kind", ["ce", "mse"])
def test_adaptive_trajectories_agree_for_200_steps(kind, opt):
    result = trajectory(ADAPTIVE_OPTIMIZERS[opt](), kind)
    assert len(result.loss_nnbook) == STEPS
    assert result.loss_nnbook[-1] < result.loss_nnbook[0]  # it really trained
    assert result.max_diff < BEYOND_PARITY, result.max_diff


def update_rule_gap(optimizer, steps=STEPS, seed=0):
    """Largest difference after feeding nnbook's and Keras' optimizer the same gradients."""
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (3,)]
    ours = [rng.normal(size=s) for s in shapes]
    theirs = [tf.Variable(p.copy()) for p in ours]
    opt_k = keras_optimizer(optimizer)
    gap = 0.0
    for _ in range(steps):
        grads = [rng.normal(size=s) * rng.choice([0.01, 1.0, 10.0]) for s in shapes]
        optimizer.step([(f"p{i}", p) for i, p in enumerate(ours)], [(f"p{i}", g) for i, g in enumerate(grads)])
        opt_k.apply_gradients([(tf.constant(g), v) for g, v in zip(grads, theirs)])
        gap = max(gap, *(np.max(np.abs(p - v.numpy())) for p, v in zip(ours, theirs)))
    return gap


#: No power function in the rule: nnbook repeats Keras' float64 operations exactly.
BIT_EXACT = {"adagrad", "rmsprop", "rmsprop-centered", "rmsprop-momentum", "rmsprop-centered-momentum"}


@pytest.mark.parametrize("opt", ADAPTIVE_OPTIMIZERS)
def test_update_rules_alone_agree_to_the_last_bit_where_possible(opt):
    """The same gradients into both optimizers, no network: Adagrad and RMSprop agree bit for
    bit over 200 steps. Adam's beta^t and the decay schedules' powers are computed by
    TensorFlow's own pow, which differs from the C library's in the last bit at some steps."""
    gap = update_rule_gap(ADAPTIVE_OPTIMIZERS[opt]())
    if opt in BIT_EXACT:
        assert gap == 0.0
    else:
        assert gap < 1e-15


class RMSpropEpsilonOutside(RMSprop):
    """Wrong for Keras: epsilon added to sqrt(s) (PyTorch's and most texts' form); Keras puts it inside."""

    def _update(self, name, param, grad, lr):
        s = self.velocities.setdefault(name, np.zeros_like(param))
        s[...] = self.rho * s + (1 - self.rho) * grad**2
        param -= lr * grad / (np.sqrt(s) + self.epsilon)


class RMSpropBiasCorrected(RMSprop):
    """Wrong for Keras: divides s by 1 - rho^t as Adam does."""

    def _update(self, name, param, grad, lr):
        s = self.velocities.setdefault(name, np.zeros_like(param))
        s[...] = self.rho * s + (1 - self.rho) * grad**2
        s_hat = s / (1 - self.rho ** (self.iterations + 1))
        param -= lr * grad / np.sqrt(s_hat + self.epsilon)


class AdamWDecayAfterStep(AdamW):
    """Wrong for Keras: the decay is applied after the Adam step."""

    def _update(self, name, param, grad, lr):
        Adam._update(self, name, param, grad, lr)
        param -= param * self.weight_decay * lr


class AdamWAsL2(AdamW):
    """Wrong: weight decay folded into the gradient (coupled L2), so it passes through m and v."""

    def _update(self, name, param, grad, lr):
        Adam._update(self, name, param, grad + self.weight_decay * param, lr)


class AdagradZeroStart(Adagrad):
    """Wrong: the accumulator starts at 0 instead of initial_accumulator_value."""

    def _update(self, name, param, grad, lr):
        acc = self.accumulators.setdefault(name, np.zeros_like(param))
        acc += grad**2
        param -= lr * grad / np.sqrt(acc + self.epsilon)


class ScheduleOneAhead(SGD):
    """Wrong: evaluates the schedule at iterations + 1 (Keras uses the steps taken so far)."""

    def _update(self, name, param, grad, lr):
        param -= grad * self.schedule(self.iterations + 1)  # lr, the value at iterations, unused


WRONG = {
    "rmsprop-epsilon-outside-sqrt": lambda: RMSpropEpsilonOutside(0.005),
    "rmsprop-bias-corrected": lambda: RMSpropBiasCorrected(0.005),
    "adamw-decay-after-step": lambda: AdamWDecayAfterStep(0.01, weight_decay=0.1),
    "adamw-as-coupled-l2": lambda: AdamWAsL2(0.01, weight_decay=0.1),
    "adagrad-accumulator-from-zero": lambda: AdagradZeroStart(0.05),
    "schedule-one-step-ahead": lambda: ScheduleOneAhead(ExponentialDecay(0.1, decay_steps=50, decay_rate=0.5)),
}


@pytest.mark.parametrize("wrong", WRONG)
def test_a_wrong_optimizer_rule_is_detected(wrong):
    """Keras gets the rule of the parent class; the subclass's rule differs."""
    result = trajectory(WRONG[wrong](), "ce", steps=50)
    assert result.max_diff > 1e3 * BEYOND_PARITY, result.max_diff


def test_keras_gets_the_right_classes_and_exact_hyperparameters():
    pairs = {
        "Adagrad": Adagrad(0.05, initial_accumulator_value=0.2, epsilon=1e-6),
        "RMSprop": RMSprop(0.005, rho=0.8, momentum=0.3, epsilon=1e-6, centered=True),
        "AdamW": AdamW(0.01, weight_decay=0.3, beta_1=0.8, beta_2=0.99, epsilon=1e-6),
    }
    for name, opt in pairs.items():
        k = keras_optimizer(opt)
        assert type(k).__name__ == name
        for attr in ("epsilon", "rho", "momentum", "initial_accumulator_value", "beta_1", "beta_2", "weight_decay"):
            if hasattr(opt, attr):
                assert float(getattr(k, attr)) == getattr(opt, attr), (name, attr)
    assert keras_optimizer(RMSprop(centered=True)).centered is True


# -- schedules -------------------------------------------------------------------------------

SCHEDULES = {
    "exponential": lambda: ExponentialDecay(0.1, decay_steps=30, decay_rate=0.8),
    "exponential-staircase": lambda: ExponentialDecay(0.1, decay_steps=30, decay_rate=0.8, staircase=True),
    "cosine": lambda: CosineDecay(0.1, decay_steps=200),
    "cosine-alpha": lambda: CosineDecay(0.1, decay_steps=200, alpha=0.05),
    "cosine-warmup": lambda: CosineDecay(0.001, decay_steps=150, alpha=0.1, warmup_target=0.1, warmup_steps=40),
    "cosine-warmup-from-zero": lambda: CosineDecay(0.0, decay_steps=150, warmup_target=0.1, warmup_steps=40),
}


def schedule_gap(ours, theirs, steps=range(0, 301)):
    return max(abs(float(ours(t)) - float(theirs(t))) for t in steps)


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_values_agree_at_every_step(name):
    ours = SCHEDULES[name]()
    theirs = keras_schedule(ours)
    assert type(theirs).__name__ == type(ours).__name__
    assert schedule_gap(ours, theirs) < 1e-12  # steps 0..300, past the end of every schedule


def test_a_wrong_schedule_is_detected():
    # warm-up that decays from the initial rate instead of the warm-up target
    class DecayFromInitial(CosineDecay):
        def __call__(self, step):
            t = min(float(step), self.decay_steps + self.warmup_steps)
            if t < self.warmup_steps:
                return super().__call__(step)
            return self._decay(t - self.warmup_steps, self.decay_steps, self.initial_learning_rate)

    ours = SCHEDULES["cosine-warmup"]()
    assert schedule_gap(DecayFromInitial(0.001, 150, 0.1, 0.1, 40), keras_schedule(ours)) > 1e-3
    smooth = ExponentialDecay(0.1, 30, 0.8)
    staircase = keras_schedule(ExponentialDecay(0.1, 30, 0.8, staircase=True))
    assert schedule_gap(smooth, staircase) > 1e-3
    # and a Python float makes Keras compute the schedule in float32: visible at 1e-12
    as_python = keras.optimizers.schedules.ExponentialDecay(0.1, 30, 0.8)
    assert schedule_gap(smooth, as_python) > 1e-12


# -- L2 penalty --------------------------------------------------------------------------------


def keras_l2(l2, W):
    """Penalty and its gradient with Keras' L2 on a float64 variable (kernel layout: W.T)."""
    reg = keras.regularizers.L2(l2)
    var = tf.Variable(W.T)
    with tf.GradientTape() as tape:
        value = reg(var)
    return float(value), np.asarray(tape.gradient(value, var)).T


L2_EXACT = float(np.float32(0.01))  # Keras casts l2 to float32 even in a float64 model


def test_l2_penalty_and_gradient_agree():
    W = np.random.default_rng(0).normal(size=(5, 7))
    value, grad = keras_l2(L2_EXACT, W)
    reg = L2(L2_EXACT)
    assert abs(reg.penalty(W) - value) <= BEYOND_PARITY * abs(value)
    assert np.max(np.abs(reg.gradient(W) - grad)) < BEYOND_PARITY


def test_keras_l2_rounds_its_factor_to_float32():
    """With l2 = 0.01 Keras computes float32(0.01) * sum(W^2): a relative gap of ~2e-8,
    exactly the float32 rounding of 0.01."""
    W = np.random.default_rng(1).normal(size=(5, 7))
    value, _ = keras_l2(0.01, W)
    ours = L2(0.01).penalty(W)
    assert abs(ours - value) / value > BEYOND_PARITY
    assert abs(L2(L2_EXACT).penalty(W) - value) <= BEYOND_PARITY * abs(value)


def test_a_wrong_l2_is_detected():
    W = np.random.default_rng(2).normal(size=(5, 7))
    value, grad = keras_l2(L2_EXACT, W)

    class HalfL2(L2):  # the textbook alpha/2 sum W^2: half of Keras' penalty and gradient
        def penalty(self, W):
            return 0.5 * super().penalty(W)

        def gradient(self, W):
            return 0.5 * super().gradient(W)

    half = HalfL2(L2_EXACT)
    assert abs(half.penalty(W) - value) > 0.1 * value
    assert np.max(np.abs(half.gradient(W) - grad)) > 1e-3


def test_l2_in_a_training_loss_matches_keras_kernel_regularizer():
    """One Dense layer with kernel_regularizer=L2: loss and kernel gradient of the regularised
    model equal nnbook's loss + penalty and grads['W'] + gradient(W)."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(20, 4)), rng.normal(size=(20, 2))
    net = NeuralNetwork([4, 2], ["linear"], rng=4)
    reg = L2(L2_EXACT)
    loss = net.compute_gradients(X, y, MSELoss()) + reg.penalty(net.layers[0].W)
    grad_W = net.layers[0].grads["W"] + reg.gradient(net.layers[0].W)

    inputs = keras.Input((4,), dtype="float64")
    dense = keras.layers.Dense(2, dtype="float64", kernel_regularizer=keras.regularizers.L2(L2_EXACT))
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([net.layers[0].W.T.copy(), net.layers[0].b.copy()])
    with tf.GradientTape() as tape:
        value = keras.losses.MeanSquaredError(dtype="float64")(y, model(X, training=True)) + tf.add_n(model.losses)
    g_kernel = np.asarray(tape.gradient(value, dense.kernel))
    assert abs(loss - float(value)) < BEYOND_PARITY
    assert np.max(np.abs(grad_W - g_kernel.T)) < BEYOND_PARITY


# -- activations -------------------------------------------------------------------------------

# TensorFlow's LeakyRelu kernel holds its slope as a float32 attribute, also in float64:
# Keras' 0.3 is float32(0.3) = 0.30000001192092896. Bit-level parity needs that slope.
SLOPE_32 = float(np.float32(0.3))

# TensorFlow's exact GELU is 0.5 x erfc(-x c) with c = cast(0.7071067811865476, float64), and
# that cast goes through float32: c = 0.7071067690849304, also in a float64 model. The function
# below is GELU with that constant; it matches Keras to rounding, and the true GELU stays
# within the bound that a relative change of 1.7e-8 in c allows.
C_32 = float(np.float32(0.7071067811865476))


class GELUWithKerasConstant(GELU):
    @staticmethod
    def _cdf(z):
        from scipy.special import erfc

        return 0.5 * erfc(-z * C_32)

    def backward(self, grad_output):
        z = self._cached("z", grad_output)
        return grad_output * (self._cdf(z) + z * C_32 * np.exp(-((z * C_32) ** 2)) / np.sqrt(np.pi))


KERAS_ACTIVATIONS = {
    "leaky_relu": (lambda: LeakyReLU(SLOPE_32), lambda x: keras.activations.leaky_relu(x, negative_slope=0.3)),
    "leaky_relu-0.25": (lambda: LeakyReLU(0.25), lambda x: keras.activations.leaky_relu(x, negative_slope=0.25)),
    "gelu-keras-constant": (GELUWithKerasConstant, keras.activations.gelu),
    "elu": (ELU, keras.activations.elu),
    "elu-0.5": (lambda: ELU(0.5), lambda x: keras.activations.elu(x, alpha=0.5)),
    "silu": (SiLU, keras.activations.silu),
}


def keras_activation_and_gradient(fn, z, g):
    z_t = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(z_t)
        a = fn(z_t)
    return np.asarray(a), np.asarray(tape.gradient(a, z_t, output_gradients=tf.constant(g)))


def activation_inputs():
    rng = np.random.default_rng(5)
    z = rng.normal(scale=3.0, size=(40, 6))
    z[0, :3] = [0.0, -40.0, 40.0]  # the kink and both tails
    return z, rng.normal(size=z.shape)


@pytest.mark.parametrize("name", KERAS_ACTIVATIONS)
def test_activation_values_and_gradients_agree(name):
    make, fn = KERAS_ACTIVATIONS[name]
    z, g = activation_inputs()
    a_k, grad_k = keras_activation_and_gradient(fn, z, g)
    act = make()
    assert np.max(np.abs(act.forward(z) - a_k)) < BEYOND_PARITY
    assert np.max(np.abs(act.backward(g) - grad_k)) < BEYOND_PARITY


def test_exact_gelu_differs_from_keras_only_by_its_float32_constant():
    z, g = activation_inputs()
    a_k, grad_k = keras_activation_and_gradient(keras.activations.gelu, z, g)
    gelu = GELU()
    gap = np.max(np.abs(gelu.forward(z) - a_k))
    # d gelu / d c = x^2 exp(-x^2 c^2) / sqrt(pi), at most 1 / (e c^2 sqrt(pi)) ~ 0.42 in absolute value
    bound = abs(0.7071067811865476 - C_32) * 0.6
    assert BEYOND_PARITY < gap < bound
    assert np.max(np.abs(gelu.backward(g) - grad_k)) < 10 * bound * np.max(np.abs(g))


def test_keras_layer_default_slope_is_ours_rounded_to_float32():
    z, _ = activation_inputs()
    theirs = np.asarray(keras.layers.LeakyReLU(dtype="float64")(z))  # default negative_slope=0.3
    assert LeakyReLU().negative_slope == keras.layers.LeakyReLU().negative_slope == 0.3
    assert np.max(np.abs(LeakyReLU(SLOPE_32).forward(z) - theirs)) < BEYOND_PARITY
    gap = np.max(np.abs(LeakyReLU().forward(z) - theirs))  # exactly the float32 rounding of the slope
    assert BEYOND_PARITY < gap <= (SLOPE_32 - 0.3) * np.max(np.abs(z)) * (1 + 1e-9)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (LeakyReLU, lambda x: keras.activations.leaky_relu(x)),  # Keras' function defaults to slope 0.2
        (GELU, lambda x: keras.activations.gelu(x, approximate=True)),  # the tanh approximation
        (SiLU, keras.activations.sigmoid),
    ],
    ids=["leaky-slope-0.2", "gelu-tanh-approximation", "silu-vs-sigmoid"],
)
def test_a_wrong_activation_is_detected(ours, theirs):
    z, g = activation_inputs()
    a_k, _ = keras_activation_and_gradient(theirs, z, g)
    assert np.max(np.abs(ours().forward(z) - a_k)) > 1e-4


NETWORK_ACTIVATIONS = {
    "leaky_relu": lambda: LeakyReLU(SLOPE_32),
    "leaky_relu-0.125": lambda: LeakyReLU(0.125),
    "gelu-keras-constant": GELUWithKerasConstant,
    "elu": "elu",
    "elu-0.5": lambda: ELU(0.5),
    "silu": "silu",
}


@pytest.mark.parametrize("name", NETWORK_ACTIVATIONS)
def test_networks_with_new_activations_agree(name):
    activation = NETWORK_ACTIVATIONS[name]
    X, y = beyond_data("ce", np.random.default_rng(6))
    net = beyond_network("ce", activation)
    forward = compare_forward(net, X, y, CrossEntropyLoss())
    assert forward["max_output_diff"] < BEYOND_PARITY and forward["loss_diff"] < BEYOND_PARITY
    assert max(compare_gradients(net, X, y, CrossEntropyLoss()).values()) < BEYOND_PARITY
    result = trajectory(Adam(0.01), "ce", steps=STEPS, activation=activation)
    assert result.max_diff < BEYOND_PARITY


# -- Dropout -----------------------------------------------------------------------------------


def test_dropout_at_inference_is_the_identity_in_both():
    x = np.random.default_rng(7).normal(size=(16, 5))
    ours = Dropout(0.4, rng=0)
    theirs = np.asarray(keras.layers.Dropout(0.4, seed=1, dtype="float64")(x, training=False))
    assert np.array_equal(ours.forward(x), x) and np.array_equal(theirs, x)
    assert np.array_equal(ours.backward(x), x)


def keras_dropout_with_gradient(rate, x, g, seed=2):
    layer = keras.layers.Dropout(rate, seed=seed, dtype="float64")
    x_t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        out = layer(x_t, training=True)
    return np.asarray(out), np.asarray(tape.gradient(out, x_t, output_gradients=tf.constant(g)))


def test_dropout_with_a_shared_mask_agrees():
    """Keras draws the mask; the units it kept become nnbook's fixed mask; outputs and
    gradients then agree."""
    rng = np.random.default_rng(8)
    x, g = rng.normal(size=(32, 6)) + 3.0, rng.normal(size=(32, 6))  # no input is exactly 0
    rate = 0.3
    out_k, grad_k = keras_dropout_with_gradient(rate, x, g)
    keep = out_k != 0
    assert 0.5 < keep.mean() < 0.9  # Keras really dropped units
    ours = Dropout(rate, rng=0)
    ours.training = True
    ours.set_mask(keep)
    assert np.max(np.abs(ours.forward(x) - out_k)) < BEYOND_PARITY
    assert np.max(np.abs(ours.backward(g) - grad_k)) < BEYOND_PARITY


def test_non_inverted_dropout_is_detected():
    rng = np.random.default_rng(9)
    x, g = rng.normal(size=(32, 6)) + 3.0, rng.normal(size=(32, 6))
    out_k, _ = keras_dropout_with_gradient(0.3, x, g)
    keep = out_k != 0
    assert np.max(np.abs(x * keep - out_k)) > 0.1  # mask without the 1/(1 - p) scaling


# -- BatchNormalization ------------------------------------------------------------------------

BN_STEPS = 10


def bn_pair(momentum=0.9, epsilon=1e-3, n_features=5, seed=10):
    rng = np.random.default_rng(seed)
    ours = BatchNormalization(n_features, momentum=momentum, epsilon=epsilon)
    ours.params["gamma"][:] = rng.uniform(0.5, 2.0, n_features)
    ours.params["beta"][:] = rng.normal(size=n_features)
    theirs = keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon, dtype="float64")
    theirs.build((None, n_features))
    theirs.gamma.assign(ours.params["gamma"])
    theirs.beta.assign(ours.params["beta"])
    return ours, theirs


def bn_batches(seed=11, n=BN_STEPS):
    rng = np.random.default_rng(seed)
    return [(rng.normal(loc=2.0, scale=3.0, size=(16, 5)), rng.normal(size=(16, 5))) for _ in range(n)]


def keras_bn_step(layer, x, g, training=True):
    x_t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        y = layer(x_t, training=training)
    dx, dgamma, dbeta = tape.gradient(y, [x_t, layer.gamma, layer.beta], output_gradients=tf.constant(g))
    return np.asarray(y), np.asarray(dx), np.asarray(dgamma), np.asarray(dbeta)


def bn_gaps(ours, theirs, batches, training=True):
    """Largest difference of outputs, gradients (x, gamma, beta) and moving statistics."""
    gaps = {"y": 0.0, "dx": 0.0, "dgamma": 0.0, "dbeta": 0.0, "moving": 0.0}
    ours.training = training
    for x, g in batches:
        y_k, dx_k, dgamma_k, dbeta_k = keras_bn_step(theirs, x, g, training)
        y = ours.forward(x)
        dx = ours.backward(g)
        gaps["y"] = max(gaps["y"], np.max(np.abs(y - y_k)))
        gaps["dx"] = max(gaps["dx"], np.max(np.abs(dx - dx_k)))
        gaps["dgamma"] = max(gaps["dgamma"], np.max(np.abs(ours.grads["gamma"] - dgamma_k)))
        gaps["dbeta"] = max(gaps["dbeta"], np.max(np.abs(ours.grads["beta"] - dbeta_k)))
        gaps["moving"] = max(
            gaps["moving"],
            np.max(np.abs(ours.moving_mean - np.asarray(theirs.moving_mean))),
            np.max(np.abs(ours.moving_variance - np.asarray(theirs.moving_variance))),
        )
    return gaps


@pytest.mark.parametrize("momentum, epsilon", [(0.99, 1e-3), (0.9, 1e-5)], ids=["keras-defaults", "other"])
def test_batch_normalization_training_and_inference_agree(momentum, epsilon):
    ours, theirs = bn_pair(momentum, epsilon)
    train = bn_gaps(ours, theirs, bn_batches())
    assert max(train.values()) < BEYOND_PARITY, train
    assert abs(ours.moving_mean).max() > 0.1  # the moving statistics really moved
    infer = bn_gaps(ours, theirs, bn_batches(seed=12, n=2), training=False)
    assert max(infer.values()) < BEYOND_PARITY, infer


class BNUnbiasedVariance(BatchNormalization):
    """Wrong for Keras: normalises with the unbiased variance (divided by N - 1)."""

    def forward(self, a_prev):
        super().forward(a_prev)  # caches for backward, updates the moving statistics
        mean, var = a_prev.mean(axis=0), a_prev.var(axis=0, ddof=1)
        return self.params["gamma"] * (a_prev - mean) / np.sqrt(var + self.epsilon) + self.params["beta"]


class BNMomentumSwapped(BatchNormalization):
    """Wrong: moving average with the weights swapped (new = m * batch + (1 - m) * old)."""

    def forward(self, a_prev):
        old_mean, old_var = self.moving_mean.copy(), self.moving_variance.copy()
        y = super().forward(a_prev)
        if self.training:
            m = self.momentum
            mean, var = a_prev.mean(axis=0), a_prev.var(axis=0)
            self.moving_mean[...] = old_mean * (1 - m) + mean * m
            self.moving_variance[...] = old_var * (1 - m) + var * m
        return y


@pytest.mark.parametrize(
    "wrong, part",
    [(BNUnbiasedVariance, "y"), (BNMomentumSwapped, "moving"), (BatchNormWithoutMeanTerm, "dx")],
    ids=["unbiased-variance", "momentum-swapped", "backward-without-mean-term"],
)
def test_a_wrong_batch_normalization_is_detected(wrong, part):
    ours, theirs = bn_pair(0.9, 1e-3)
    wrong_layer = wrong(5, momentum=0.9, epsilon=1e-3)
    wrong_layer.params["gamma"][:] = ours.params["gamma"]
    wrong_layer.params["beta"][:] = ours.params["beta"]
    gaps = bn_gaps(wrong_layer, theirs, bn_batches(n=3))
    assert gaps[part] > 1e-4, gaps


# -- the whole network: L2 + batch normalisation + dropout -------------------------------------


def regularised_network(seed=0, *, dropout=None, regularizer=None, bn_class=None):
    """4-8-6-3 (tanh, relu, softmax) with L2 on every kernel and batch normalisation."""
    net = NeuralNetwork(
        [4, 8, 6, 3],
        ["tanh", "relu", "softmax"],
        rng=seed,
        kernel_regularizer=regularizer or L2(L2_EXACT),
        dropout=dropout,
        batch_normalization=True,
    )
    rng = np.random.default_rng(seed + 100)
    for bn in net.batch_norms:  # away from the initial gamma = 1, beta = 0
        bn.params["gamma"][:] = rng.uniform(0.5, 1.5, bn.n_features)
        bn.params["beta"][:] = rng.normal(scale=0.3, size=bn.n_features)
    if bn_class is not None:
        for i, old in enumerate(net.layers):
            if isinstance(old, BatchNormalization):
                net.layers[i] = bn_class(old.n_features)
                net.layers[i].set_state(old.get_state())
    return net


def keras_with_masks(network, masks):
    """The Keras twin of ``network`` with each Dropout replaced by a fixed mask M = K/(1 - p)."""
    dtype = network.dtype.name
    inputs = keras.Input((network.layer_sizes[0],), dtype=dtype)
    x = inputs
    dense = network.dense_layers
    for i, layer in enumerate(dense):
        last = i == len(dense) - 1
        activation = "linear" if last else layer.activation.name
        reg = keras.regularizers.L2(np.float64(layer.kernel_regularizer.l2))
        x = keras.layers.Dense(layer.output_dim, activation=activation, dtype=dtype, kernel_regularizer=reg)(x)
        if not last:
            x = keras.layers.BatchNormalization(dtype=dtype)(x)
            m = tf.constant(masks[i] / (1.0 - network.dropouts[i].rate))
            x = keras.layers.Lambda(lambda t, m=m: t * m, dtype=dtype)(x)
    model = keras.Model(inputs, x)
    copy_weights_to_keras(network, model)
    return model


def network_trajectory(network, optimizer, *, steps=STEPS, model=None, masks=None, seed=7):
    """Train ``network`` and its Keras twin on the same full batch; return the largest gaps.

    With ``masks`` both sides use the same fixed dropout masks (the batch is the whole data
    set, so a mask per unit and sample stays meaningful)."""
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(32, 4)), rng.integers(0, 3, 32)
    loss_fn = CrossEntropyLoss()
    if masks is not None:
        for drop, keep in zip(network.dropouts, masks):
            drop.set_mask(keep)
    model = model if model is not None else to_keras(network)
    loss_k = keras_loss(loss_fn, network)
    opt_k = keras_optimizer(optimizer)
    variables = keras_parameter_variables(model)
    bn_k = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    X_t, y_t = tf.constant(X), tf.constant(keras_targets(y, network, loss_fn))

    @tf.function
    def keras_step():
        with tf.GradientTape() as tape:
            value = loss_k(y_t, model(X_t, training=True)) + tf.add_n(model.losses)
        opt_k.apply_gradients(zip(tape.gradient(value, variables), variables))
        return value

    gaps = {"loss": 0.0, "params": 0.0, "moving": 0.0, "inference": 0.0}
    losses = []
    for _ in range(steps):
        loss = network.train_step(X, y, loss_fn, optimizer)
        losses.append(loss)
        gaps["loss"] = max(gaps["loss"], abs(loss - float(keras_step())))
        for (_, p), v in zip(network.parameters(), variables):
            v = np.asarray(v)
            gaps["params"] = max(gaps["params"], np.max(np.abs(p - (v.T if v.ndim == 2 else v))))
        for bn, k_bn in zip(network.batch_norms, bn_k):
            gaps["moving"] = max(
                gaps["moving"],
                np.max(np.abs(bn.moving_mean - np.asarray(k_bn.moving_mean))),
                np.max(np.abs(bn.moving_variance - np.asarray(k_bn.moving_variance))),
            )
    # inference: moving statistics, no dropout (the fixed-mask Lambda has no inference mode)
    if masks is None:
        gaps["inference"] = max(compare_forward(network, X, y, loss_fn).values())
    return gaps, losses


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_l2_and_batch_norm_network_agrees_for_200_steps(opt):
    # SGD(0.05, momentum=0.9) amplifies the rounding differences of the two implementations
    # (measured: 4e-16 after 50 steps, 1e-8 after 100, 6e-5 after 200, with SGD(0.05) alone
    # 8e-16 after 200): a sensitive trajectory, not a different rule; 0.02 keeps it below 1e-12.
    optimizer = SGD(0.02, momentum=0.9) if opt == "sgd" else Adam(0.005)
    net = regularised_network()
    gaps, losses = network_trajectory(net, optimizer)
    assert losses[-1] < 0.8 * losses[0]  # it really trained
    assert abs(net.batch_norms[0].moving_mean).max() > 0.05  # and the moving statistics moved
    assert max(gaps.values()) < BEYOND_PARITY, gaps


def test_dropout_with_shared_masks_in_training_agrees_for_200_steps():
    rng = np.random.default_rng(3)
    masks = [rng.random((32, n)) >= 0.3 for n in (8, 6)]
    net = regularised_network(dropout=0.3)
    gaps, losses = network_trajectory(net, Adam(0.005), model=keras_with_masks(net, masks), masks=masks)
    assert losses[-1] < 0.8 * losses[0]
    assert max(gaps.values()) < BEYOND_PARITY, gaps


def test_dropout_network_at_inference_agrees_in_outputs_loss_and_gradients():
    """After training (random masks), inference: the Keras Dropout is the identity, the batch
    norms use the moving statistics; gradients of the inference loss via GradientTape."""
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    net = regularised_network(dropout=0.4)
    for _ in range(30):
        net.train_step(X, y, CrossEntropyLoss(), Adam(0.01))
    forward = compare_forward(net, X, y, CrossEntropyLoss())
    assert max(forward.values()) < BEYOND_PARITY, forward
    grads = compare_gradients(net, X, y, CrossEntropyLoss(), training=False)
    assert max(grads.values()) < BEYOND_PARITY, grads
    assert set(grads) == {name for name, _ in net.parameters()}


def test_batch_norm_network_gradients_in_training_agree():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(16, 4)), rng.integers(0, 3, 16)
    grads = compare_gradients(regularised_network(), X, y, CrossEntropyLoss())
    assert max(grads.values()) < BEYOND_PARITY, grads


class L2WithoutTwo(L2):
    def gradient(self, W):
        return self.l2 * W


@pytest.mark.parametrize(
    "wrong, part",
    [
        ({"regularizer": L2WithoutTwo(L2_EXACT)}, "params"),
        ({"bn_class": BatchNormWithoutMeanTerm}, "params"),
        ({"bn_class": BNMomentumSwapped}, "moving"),
    ],
    ids=["l2-gradient-without-2", "bn-backward-without-mean-term", "bn-momentum-swapped"],
)
def test_a_wrong_rule_in_the_network_is_detected(wrong, part):
    net = regularised_network(**wrong)
    model = to_keras(regularised_network())  # the right twin
    gaps, _ = network_trajectory(net, Adam(0.005), steps=20, model=model)
    assert gaps[part] > 1e-6, gaps


def moving_statistics_gap(network, model):
    """Largest difference of the moving means and variances of ``network`` and ``model``."""
    bn_k = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(bn_k) == len(network.batch_norms)
    return max(
        max(
            np.max(np.abs(bn.moving_mean - np.asarray(k.moving_mean))),
            np.max(np.abs(bn.moving_variance - np.asarray(k.moving_variance))),
        )
        for bn, k in zip(network.batch_norms, bn_k)
    )


def trajectory_of_a_regularised_network(net, steps=20):
    X, y = beyond_data("ce", np.random.default_rng(12))
    return compare_trajectories(net, X, y, CrossEntropyLoss(), Adam(0.005), steps=steps, batch_size=16, rng=13), X


def test_compare_trajectories_returns_the_trained_keras_twin():
    """The model of the result took the same steps: its parameters, moving statistics and
    inference outputs are the network's."""
    net = regularised_network()
    result, X = trajectory_of_a_regularised_network(net)
    assert result.max_diff < BEYOND_PARITY
    variables = [np.asarray(v) for v in keras_parameter_variables(result.model)]
    for (name, p), v in zip(net.parameters(), variables):
        assert np.max(np.abs(p - (v.T if v.ndim == 2 else v))) < BEYOND_PARITY, name
    assert abs(net.batch_norms[0].moving_mean).max() > 0.01  # the statistics moved
    assert moving_statistics_gap(net, result.model) < BEYOND_PARITY
    net.forward(X)  # inference: moving statistics
    assert np.max(np.abs(net.layers[-1].z - np.asarray(result.model(X, training=False)))) < BEYOND_PARITY


def test_the_returned_twin_shows_a_wrong_moving_average():
    net = regularised_network(bn_class=BNMomentumSwapped)
    result, X = trajectory_of_a_regularised_network(net)
    assert result.max_diff < BEYOND_PARITY  # training-mode losses and parameters cannot see it ...
    assert moving_statistics_gap(net, result.model) > 1e-4  # ... the moving statistics do


def test_the_keras_twin_has_the_new_layers_and_exact_hyperparameters():
    net = regularised_network(dropout=0.25)
    model = to_keras(net)
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == ["Dense", "BatchNormalization", "Dropout"] * 2 + ["Dense"]
    bn = model.get_layer("bn_0")
    assert (bn.momentum, bn.epsilon) == (0.99, 1e-3)
    assert model.get_layer("dropout_1").rate == 0.25
    assert model.get_layer("dense_0").kernel_regularizer.l2 == L2_EXACT
    assert np.array_equal(np.asarray(bn.gamma), net.batch_norms[0].params["gamma"])


def test_weights_and_moving_statistics_copy_back_from_keras():
    from nnbook.compare import copy_weights_from_keras

    trained = regularised_network(seed=1)
    X = np.random.default_rng(8).normal(size=(16, 4))
    for _ in range(5):
        trained.forward(X, training=True)  # moves the moving statistics
    fresh = regularised_network(seed=2)
    copy_weights_from_keras(to_keras(trained), fresh)
    for (name, a), (_, b) in zip(trained.parameters(), fresh.parameters()):
        assert np.array_equal(a, b), name
    for bn_a, bn_b in zip(trained.batch_norms, fresh.batch_norms):
        assert np.array_equal(bn_a.moving_mean, bn_b.moving_mean)
        assert np.array_equal(bn_a.moving_variance, bn_b.moving_variance)
    with pytest.raises(ValueError, match="BatchNormalization layers"):
        copy_weights_from_keras(to_keras(NeuralNetwork([4, 8, 6, 3], ["tanh", "relu", "softmax"], rng=0)), fresh)


# -- gradient clipping ---------------------------------------------------------------------------

CLIP_PARITY = 1e-12  # relative, over 200 float64 steps

CLIPPED_OPTIMIZERS = {
    "sgd": lambda **c: SGD(0.05, **c),
    "momentum": lambda **c: SGD(0.05, momentum=0.9, **c),
    "adam": lambda **c: Adam(0.01, **c),
    "adamw": lambda **c: AdamW(0.01, weight_decay=0.1, **c),
    "adagrad": lambda **c: Adagrad(0.05, **c),
    "rmsprop": lambda **c: RMSprop(0.005, momentum=0.5, **c),
}
CLIP_ARGUMENTS = {"clipnorm": 0.5, "global_clipnorm": 0.5, "clipvalue": 0.1}


def clipped_trajectory(optimizer, steps=200):
    """200 steps on inputs scaled by 3: the gradients are large enough for the clipping to act."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(48, 4)) * 3, rng.integers(0, 3, size=48)
    net = NeuralNetwork([4, 8, 6, 3], ["relu", "relu", "softmax"], rng=0)
    result = compare_trajectories(net, X, y, CrossEntropyLoss(), optimizer, steps=steps, batch_size=16, rng=4)
    scale = max(np.abs(result.loss_keras).max(), *(np.abs(p).max() for _, p in net.parameters()))
    return result, result.max_diff / scale


@pytest.mark.slow
@pytest.mark.parametrize("clip", CLIP_ARGUMENTS)
@pytest.mark.parametrize("opt", CLIPPED_OPTIMIZERS)
def test_clipped_optimizers_agree_for_200_steps(opt, clip):
    optimizer = CLIPPED_OPTIMIZERS[opt](**{clip: CLIP_ARGUMENTS[clip]})
    result, relative = clipped_trajectory(optimizer)
    assert optimizer.clipped_steps >= 150  # the clipping really acted, in most steps
    assert result.loss_nnbook[-1] < result.loss_nnbook[0]
    assert relative < CLIP_PARITY, relative


def test_keras_gets_the_clipping_argument_exactly():
    for clip, value in {"clipnorm": 0.3, "global_clipnorm": 0.7, "clipvalue": 0.1}.items():
        for make in CLIPPED_OPTIMIZERS.values():
            keras_opt = keras_optimizer(make(**{clip: value}))
            assert getattr(keras_opt, clip) == value and isinstance(getattr(keras_opt, clip), np.float64)
            assert all(getattr(keras_opt, other) is None for other in CLIP_ARGUMENTS if other != clip)


class GlobalNormWherePerVariableAsked(SGD):
    """Wrong: asked for clipnorm (each array), clips all arrays by their joint norm."""

    def _clip(self, grads):
        from nnbook.optimizers import clip_gradients

        return clip_gradients(grads, global_clipnorm=self.clipnorm)[0]


class PerVariableWhereGlobalAsked(Adam):
    """Wrong: asked for global_clipnorm, clips each array by its own norm."""

    def _clip(self, grads):
        from nnbook.optimizers import clip_gradients

        return clip_gradients(grads, clipnorm=self.global_clipnorm)[0]


class ClipValueByScaling(Adagrad):
    """Wrong: asked for clipvalue, scales each array so that its largest entry is at most the value
    (keeps the direction; Keras clips entry by entry)."""

    def _clip(self, grads):
        return [g * (self.clipvalue / max(np.abs(g).max(), self.clipvalue)) for g in grads]


class ClipTheStepNotTheGradient(SGD):
    """Wrong: momentum sees the raw gradient; the clipping is applied to the velocity."""

    def _clip(self, grads):
        return grads  # the gradient is not clipped ...

    def _update(self, name, param, grad, lr):
        v = self._slot(self.velocities, name, param)
        v[...] = v * self.momentum - grad * lr
        norm = np.sqrt(np.sum(v**2))
        v[...] = v * self.clipnorm / max(norm, self.clipnorm)  # ... the velocity is
        param += v


WRONG_CLIPPING = {
    "global-where-per-variable": lambda: GlobalNormWherePerVariableAsked(0.05, clipnorm=0.5),
    "per-variable-where-global": lambda: PerVariableWhereGlobalAsked(0.01, global_clipnorm=0.5),
    "value-by-scaling": lambda: ClipValueByScaling(0.05, clipvalue=0.1),
    "step-clipped-not-gradient": lambda: ClipTheStepNotTheGradient(0.05, momentum=0.9, clipnorm=0.05),
}


@pytest.mark.parametrize("wrong", WRONG_CLIPPING)
def test_a_wrong_clipping_rule_is_detected(wrong):
    """Keras gets the parent's rule with the same argument; the subclass clips otherwise."""
    _, relative = clipped_trajectory(WRONG_CLIPPING[wrong](), steps=50)
    assert relative > 1e3 * CLIP_PARITY, relative


# -- L1 and L1L2 ---------------------------------------------------------------------------------

# Keras casts l1 and l2 to float32 first, as for L2: powers of two are exact in both.
L1_EXACT, L2_FOR_L1L2 = 2.0**-7, 2.0**-6


def l1_trajectory(regularizer, optimizer, steps=200):
    """A 4-8-6-3 network with the penalty on every W, some weights exactly 0 at the start
    (where the subgradient matters), trained next to its Keras twin; relative gap returned."""
    rng = np.random.default_rng(11)
    X, y = rng.normal(size=(48, 4)), rng.integers(0, 3, size=48)
    net = NeuralNetwork([4, 8, 6, 3], ["relu", "relu", "softmax"], rng=0, kernel_regularizer=regularizer)
    for layer in net.layers:
        layer.params["W"][0, :] = 0.0  # one unit's incoming weights start at exactly 0
    result = compare_trajectories(net, X, y, CrossEntropyLoss(), optimizer, steps=steps, batch_size=16, rng=4)
    scale = max(np.abs(result.loss_keras).max(), *(np.abs(p).max() for _, p in net.parameters()))
    return result, result.max_diff / scale


L1_REGULARIZERS = {"l1": lambda: L1(L1_EXACT), "l1l2": lambda: L1L2(L1_EXACT, L2_FOR_L1L2)}


@pytest.mark.slow
@pytest.mark.parametrize("opt", ["sgd", "adam"])
@pytest.mark.parametrize("reg", L1_REGULARIZERS)
def test_l1_networks_agree_for_200_steps(reg, opt):
    optimizer = SGD(0.05) if opt == "sgd" else Adam(0.01)
    result, relative = l1_trajectory(L1_REGULARIZERS[reg](), optimizer)
    assert result.loss_nnbook[-1] < result.loss_nnbook[0]
    assert relative < 1e-12, relative


def test_l1_penalty_and_gradient_at_zero_agree_with_keras():
    W = np.random.default_rng(0).normal(size=(5, 7))
    W[0] = 0.0
    for ours, theirs in [
        (L1(L1_EXACT), keras.regularizers.L1(L1_EXACT)),
        (L1L2(L1_EXACT, L2_FOR_L1L2), keras.regularizers.L1L2(L1_EXACT, L2_FOR_L1L2)),
    ]:
        w = tf.Variable(W)
        with tf.GradientTape() as tape:
            value = theirs(w)
        grad = np.asarray(tape.gradient(value, w))
        assert abs(ours.penalty(W) - float(value)) <= 1e-15 * abs(float(value))
        assert np.max(np.abs(ours.gradient(W) - grad)) < 1e-16
        assert np.all(grad[0] == 0.0)  # TensorFlow's subgradient of |w| at 0 is 0


class HalfL1(L1):
    """Wrong: a factor 1/2, as some texts write the penalty."""

    def penalty(self, W):
        return 0.5 * super().penalty(W)

    def gradient(self, W):
        return 0.5 * super().gradient(W)


class L1SignOneAtZero(L1):
    """Wrong: the subgradient +l1 at w = 0 (np.where(W >= 0, 1, -1)) instead of 0."""

    def gradient(self, W):
        return self.l1 * np.where(W >= 0, 1.0, -1.0)


class L1L2WithoutL1(L1L2):
    """Wrong: L1L2's gradient forgets the L1 part."""

    def gradient(self, W):
        return (2 * self.l2) * W


WRONG_L1 = {
    "half": lambda: HalfL1(L1_EXACT),
    "subgradient-one-at-zero": lambda: L1SignOneAtZero(L1_EXACT),
    "l1l2-gradient-without-l1": lambda: L1L2WithoutL1(L1_EXACT, L2_FOR_L1L2),
}


@pytest.mark.parametrize("wrong", WRONG_L1)
def test_a_wrong_l1_is_detected(wrong):
    """Keras gets the parent's penalty; the subclass's rule differs."""
    _, relative = l1_trajectory(WRONG_L1[wrong](), SGD(0.05), steps=50)
    assert relative > 1e-9, relative


# -- label smoothing -----------------------------------------------------------------------------

SMOOTHING_CASES = {"softmax": (["relu", "relu", "softmax"], 3), "sigmoid": (["tanh", "tanh", "sigmoid"], 1)}


def smoothing_trajectory(loss_fn, case, optimizer, steps=200):
    acts, n_out = SMOOTHING_CASES[case]
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(48, 4)), rng.integers(0, max(n_out, 2), size=48)
    net = NeuralNetwork([4, 8, 6, n_out], acts, rng=0)
    result = compare_trajectories(net, X, y, loss_fn, optimizer, steps=steps, batch_size=16, rng=4)
    scale = max(np.abs(result.loss_keras).max(), *(np.abs(p).max() for _, p in net.parameters()))
    return result, result.max_diff / scale


@pytest.mark.slow
@pytest.mark.parametrize("opt", ["sgd", "adam"])
@pytest.mark.parametrize("eps", [0.1, 0.3])
@pytest.mark.parametrize("case", SMOOTHING_CASES)
def test_label_smoothing_agrees_for_200_steps(case, eps, opt):
    optimizer = SGD(0.1) if opt == "sgd" else Adam(0.01)
    result, relative = smoothing_trajectory(CrossEntropyLoss(label_smoothing=eps), case, optimizer)
    assert result.loss_nnbook[-1] < result.loss_nnbook[0]
    assert relative < 1e-12, relative


def test_keras_gets_the_label_smoothing():
    for n_out, name in [(3, "CategoricalCrossentropy"), (1, "BinaryCrossentropy")]:
        net = NeuralNetwork([2, n_out], ["softmax" if n_out > 1 else "sigmoid"], rng=0)
        loss = keras_loss(CrossEntropyLoss(label_smoothing=0.2), net)
        assert type(loss).__name__ == name and loss.label_smoothing == 0.2 and loss.from_logits


class SmoothingOverOtherClasses(CrossEntropyLoss):
    """Wrong: the true class gets 1 - eps, the K - 1 others eps / (K - 1) (Keras: + eps / K for all)."""

    def smoothed(self, Y):
        eps, K = self.label_smoothing, max(Y.shape[1], 2)
        if Y.shape[1] == 1:
            return Y * (1 - eps) + (1 - Y) * eps
        return Y * (1 - eps) + (1 - Y) * eps / (K - 1)


class SmoothedLossUnsmoothedGradient(CrossEntropyLoss):
    """Wrong: the loss uses Y~, the fused gradient forgets it, (P - Y)/N."""

    def value_from_logits(self, logits, Y):
        self.raw = Y
        return super().value_from_logits(logits, Y)

    def backward_from_logits(self):
        return (self.probs - self.raw) / self.probs.shape[0]


WRONG_SMOOTHING = {
    "eps-over-k-minus-1-softmax": (lambda: SmoothingOverOtherClasses(label_smoothing=0.2), "softmax"),
    "eps-over-k-minus-1-sigmoid": (lambda: SmoothingOverOtherClasses(label_smoothing=0.2), "sigmoid"),
    "fused-gradient-unsmoothed": (lambda: SmoothedLossUnsmoothedGradient(label_smoothing=0.2), "softmax"),
}


@pytest.mark.parametrize("wrong", WRONG_SMOOTHING)
def test_a_wrong_label_smoothing_is_detected(wrong):
    make, case = WRONG_SMOOTHING[wrong]
    _, relative = smoothing_trajectory(make(), case, SGD(0.1), steps=50)
    assert relative > 1e-6, relative
