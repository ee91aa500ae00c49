"""Gradient checks: every gradient in nnbook against central differences (float64,
relative error < 1e-7), and the checker itself shown to catch wrong gradients:
the source text's defects 1, 2, 3 and 5 reproduced as small broken variants."""

import numpy as np
import pytest

import nnbook.gradcheck as gradcheck
from nnbook import (
    CrossEntropyLoss,
    Dense,
    GradientCheckResult,
    MSELoss,
    NeuralNetwork,
    check_gradients,
    finite_difference_gradient,
    rel_error,
)
from nnbook.pitfalls import DoubleMeanDense, MSELossOverN, SeedCrossEntropyLoss, ravel_finite_difference_gradient

TOL = 1e-7
ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "linear"]


def jitter_params(net, rng, scale=0.1):
    """Move every parameter off its initial value (biases start at exactly 0,
    which can put a ReLU exactly on its kink)."""
    for _, p in net.parameters():
        p += rng.normal(scale=scale, size=p.shape)


def targets_for(loss, n, k, rng):
    if isinstance(loss, MSELoss):
        return rng.normal(size=(n, k))
    if k == 1:
        return rng.integers(0, 2, size=n)
    return rng.integers(0, k, size=n)


def input_gradient_error(net, X, y, loss):
    """rel_error between dL/dX from backprop and from central differences."""
    X = np.array(X, dtype=np.float64)
    net.compute_loss(X, y, loss)
    if net.uses_fused_output(loss):
        analytic = net.layers[-1].backward_from_z(loss.backward_from_logits())
        for layer in reversed(net.layers[:-1]):
            analytic = layer.backward(analytic)
    else:
        analytic = net.backward(loss.backward())
    numeric = finite_difference_gradient(lambda: net.compute_loss(X, y, loss), X)
    return rel_error(analytic, numeric)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_single_dense_mse(activation):
    rng = np.random.default_rng(1)
    net = NeuralNetwork([3, 4], [activation], rng=rng)
    jitter_params(net, rng)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 4))
    result = check_gradients(net, X, y, MSELoss())
    assert result.passed, result.report()
    assert result.max_error < TOL
    assert input_gradient_error(net, X, y, MSELoss()) < TOL


@pytest.mark.parametrize(
    "loss, output_activation, n_out",
    [
        (MSELoss(), "linear", 3),
        (MSELoss(), "relu", 3),
        (MSELoss(), "sigmoid", 3),
        (MSELoss(), "tanh", 3),
        (MSELoss(), "softmax", 3),
        (MSELoss(), "sigmoid", 1),
        (CrossEntropyLoss(), "softmax", 3),  # fused softmax + categorical CE
        (CrossEntropyLoss(), "softmax", 2),
        (CrossEntropyLoss(), "sigmoid", 1),  # fused sigmoid + binary CE
    ],
    ids=lambda v: getattr(v, "__name__", None) or (type(v).__name__ if not isinstance(v, (str, int)) else str(v)),
)
def test_losses_with_their_output_activations(loss, output_activation, n_out):
    rng = np.random.default_rng(2)
    net = NeuralNetwork([4, 5, n_out], ["tanh", output_activation], rng=rng)
    jitter_params(net, rng)
    X = rng.normal(size=(7, 4))
    y = targets_for(loss, 7, n_out, rng)
    assert net.uses_fused_output(loss) == (isinstance(loss, CrossEntropyLoss))
    result = check_gradients(net, X, y, loss)
    assert result.max_error < TOL, result.report()
    assert input_gradient_error(net, X, y, loss) < TOL


def test_cross_entropy_accepts_one_hot_and_labels_with_same_gradient():
    rng = np.random.default_rng(3)
    net = NeuralNetwork([2, 3], ["softmax"], rng=rng)
    X, labels = rng.normal(size=(5, 2)), np.array([0, 2, 1, 1, 2])
    loss_a = net.compute_gradients(X, labels, CrossEntropyLoss())
    grads_a = [g.copy() for _, g in net.gradients()]
    loss_b = net.compute_gradients(X, np.eye(3)[labels], CrossEntropyLoss())
    assert loss_a == loss_b
    for ga, (_, gb) in zip(grads_a, net.gradients()):
        np.testing.assert_array_equal(ga, gb)
    assert check_gradients(net, X, np.eye(3)[labels], CrossEntropyLoss()).max_error < TOL


def test_single_dense_layer_against_finite_differences():
    """A Dense layer on its own: f = sum(G * layer.forward(A)) has gradient given by backward(G)."""
    rng = np.random.default_rng(4)
    for activation in ACTIVATIONS:
        layer = Dense(3, 4, activation, rng=rng)
        layer.params["b"][:] = rng.normal(size=4)
        A, G = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))

        def f(layer=layer, A=A, G=G):
            return float(np.sum(G * layer.forward(A)))

        f()
        dA = layer.backward(G)
        assert rel_error(dA, finite_difference_gradient(f, A)) < TOL, activation
        grads = {k: v.copy() for k, v in layer.grads.items()}
        for name, p in layer.params.items():
            assert rel_error(grads[name], finite_difference_gradient(f, p)) < TOL, (activation, name)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("batch_size", [1, 2, 8])
@pytest.mark.parametrize("loss_name", ["mse", "ce"])
def test_whole_networks(depth, batch_size, loss_name):
    rng = np.random.default_rng(100 * depth + batch_size)
    hidden = ["relu", "tanh", "sigmoid"]
    sizes = [3] + [4 + i for i in range(depth - 1)] + [3]
    acts = [hidden[i % 3] for i in range(depth - 1)]
    if loss_name == "mse":
        loss, acts = MSELoss(), acts + ["linear"]
    else:
        loss, acts = CrossEntropyLoss(), acts + ["softmax"]
    net = NeuralNetwork(sizes, acts, rng=rng)
    jitter_params(net, rng)
    X = rng.normal(size=(batch_size, 3))
    y = targets_for(loss, batch_size, 3, rng)
    result = check_gradients(net, X, y, loss)
    assert result.passed, result.report()
    assert set(result.errors) == {name for name, _ in net.parameters()}


def test_check_runs_the_fused_training_path():
    """A bug only in the fused gradient (training's path) fails the check; backward is still right."""

    class ForgotN(CrossEntropyLoss):
        def backward_from_logits(self):
            return self.probs - self.y_true

    rng = np.random.default_rng(5)
    net = NeuralNetwork([2, 3, 2], ["relu", "softmax"], rng=rng)
    X, y = rng.normal(size=(4, 2)), np.array([0, 1, 1, 0])
    result = check_gradients(net, X, y, ForgotN())
    assert not result.passed
    assert 0.5 < result.max_error < 0.7  # gradients N = 4 times too large: |1 - 4| / (1 + 4)
    for name, g in net.gradients():  # the analytic gradients are left in place
        np.testing.assert_array_equal(result.analytic[name], g)
    assert check_gradients(net, X, y, CrossEntropyLoss()).passed


def test_gradient_check_result_report_and_truth():
    result = GradientCheckResult({"layer1.W": 3e-9, "layer1.b": 2e-3}, 1e-7, analytic={}, numerical={})
    assert not result and not result.passed
    assert result.max_error == 2e-3
    lines = result.report().splitlines()
    assert lines[1].split() == ["layer1.W", "3.00e-09", "PASS"]
    assert lines[2].split() == ["layer1.b", "2.00e-03", "FAIL"]
    assert lines[-1] == "gradient mismatch (tolerance 1e-07, worst 2.00e-03)"
    passing = GradientCheckResult({"w": 1e-9}, 1e-7, analytic={}, numerical={})
    assert passing and passing.report().splitlines()[-1].startswith("all gradients match")


def test_float32_network_is_refused():
    net = NeuralNetwork([2, 2], ["linear"], dtype=np.float32)
    with pytest.raises(TypeError, match="float64"):
        check_gradients(net, np.ones((1, 2)), np.ones((1, 2)), MSELoss())


def test_finite_differences_write_through_any_layout():
    x = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    x_t = np.arange(6.0).reshape(3, 2).T  # a non-contiguous view
    for arr in (x, x_t):
        before = arr.copy()
        g = finite_difference_gradient(lambda arr=arr: float(np.sum(arr**3)), arr)
        assert rel_error(g, 3 * before**2) < 1e-9
        np.testing.assert_array_equal(arr, before)  # restored exactly


def test_rel_error_is_relative_not_absolute():
    tiny = np.array([1e-9, -2e-9])
    assert rel_error(tiny, tiny / 5) == pytest.approx(4 / 6)  # |1 - 1/5| / (1 + 1/5)
    assert rel_error(tiny, tiny) == 0.0


# --- the checker catches wrong gradients: the source text's defects -----------------


def _network_with(layer_cls, rng):
    net = NeuralNetwork([3, 4, 2], ["tanh", "linear"], rng=rng)
    old = net.layers
    net.layers = [layer_cls(l.input_dim, l.output_dim, l.activation, rng=rng) for l in old]
    return net


def test_catches_defect_1_double_batch_mean():
    rng = np.random.default_rng(6)
    net = _network_with(DoubleMeanDense, rng)
    N = 5
    result = check_gradients(net, rng.normal(size=(N, 3)), rng.normal(size=(N, 2)), MSELoss())
    assert not result.passed
    # every gradient is 1/N of the truth: rel_error = (1 - 1/N) / (1 + 1/N)
    for err in result.errors.values():
        assert err == pytest.approx((1 - 1 / N) / (1 + 1 / N), rel=1e-6)


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_catches_defect_2_mse_gradient_over_n_only(n_outputs):
    """The wrong gradient is (D/2) times the true one, so rel_error = |1 - D/2| / (1 + D/2).

    (With exactly D = 2 outputs the two formulas coincide, which is how the defect hides.)"""
    rng = np.random.default_rng(8)
    net = NeuralNetwork([3, 4, n_outputs], ["tanh", "linear"], rng=rng)
    X, y = rng.normal(size=(4, 3)), rng.normal(size=(4, n_outputs))
    assert check_gradients(net, X, y, MSELoss()).passed
    result = check_gradients(net, X, y, MSELossOverN())
    assert not result.passed
    factor = n_outputs / 2
    for err in result.errors.values():
        assert err == pytest.approx(abs(1 - factor) / (1 + factor), rel=1e-6)


def test_catches_defect_3_softmax_jacobian_applied_twice():
    rng = np.random.default_rng(9)
    net = NeuralNetwork([3, 4, 3], ["relu", "softmax"], rng=rng)
    jitter_params(net, rng)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 3, size=5)
    assert check_gradients(net, X, y, CrossEntropyLoss()).passed
    # The seed's loss returns (P - Y)/N as if it were dL/dP; the network applies the
    # softmax's backward to it again.
    result = check_gradients(net, X, y, SeedCrossEntropyLoss())
    assert not result.passed
    assert result.max_error > 0.1


def test_defect_3_example_from_the_text():
    """z = [10, 0], y = [0, 1]: the true dL/dz is +-0.99995, the doubled one about +-9e-5."""
    loss = CrossEntropyLoss()
    loss.forward_from_logits(np.array([[10.0, 0.0]]), np.array([1]))
    fused = loss.backward_from_logits()
    p1 = 1 / (1 + np.exp(-10.0))
    np.testing.assert_allclose(fused, [[p1, -p1]], rtol=1e-12)
    from nnbook import Softmax

    sm = Softmax()
    sm.forward(np.array([[10.0, 0.0]]))
    doubled = sm.backward(fused)
    assert np.all(np.abs(doubled) < 1e-4)


def test_catches_defect_5_ravel_on_fortran_ordered_weights(monkeypatch):
    rng = np.random.default_rng(10)
    net = NeuralNetwork([3, 4, 2], ["tanh", "linear"], rng=rng)
    for layer in net.layers:
        layer.params["W"] = np.asfortranarray(layer.params["W"])
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    assert check_gradients(net, X, y, MSELoss()).passed  # correct differences: any layout
    monkeypatch.setattr(gradcheck, "finite_difference_gradient", ravel_finite_difference_gradient)
    broken = check_gradients(net, X, y, MSELoss())
    assert not broken.passed
    for name, err in broken.errors.items():
        if name.endswith(".W"):
            assert err == 1.0  # the "numerical gradient" was all zeros
            assert not np.any(broken.numerical[name])
