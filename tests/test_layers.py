"""Tests of nnbook.layers: the Dense layer's shapes, maths, initialisation and update."""

from __future__ import annotations

import numpy as np
import pytest

from nnbook.activations import Linear, ReLU, Sigmoid, Softmax, Tanh
from nnbook.gradcheck import finite_difference_gradient, rel_error
from nnbook.layers import INITIALIZERS, Dense, Layer, initial_weights


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


def test_shapes_of_parameters_and_output(rng):
    layer = Dense(5, 3, "tanh", rng=rng)
    assert layer.W.shape == (3, 5)
    assert layer.b.shape == (3,)
    assert layer.params["W"] is layer.W and layer.params["b"] is layer.b
    out = layer.forward(rng.normal(size=(7, 5)))
    assert out.shape == (7, 3)
    assert layer.n_params == 5 * 3 + 3
    np.testing.assert_array_equal(layer.b, 0.0)


def test_forward_matches_explicit_loop(rng):
    layer = Dense(4, 3, "linear", rng=rng)
    layer.params["b"][:] = rng.normal(size=3)
    a_prev = rng.normal(size=(6, 4))
    z = layer.forward(a_prev)
    W, b = layer.W, layer.b
    expected = np.zeros((6, 3))
    for n in range(6):
        for j in range(3):
            expected[n, j] = b[j] + sum(a_prev[n, i] * W[j, i] for i in range(4))
    np.testing.assert_allclose(z, expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(layer.z, expected, rtol=1e-13, atol=1e-15)


def test_forward_applies_the_activation(rng):
    layer = Dense(3, 2, "sigmoid", rng=rng)
    a_prev = rng.normal(size=(4, 3))
    z = a_prev @ layer.W.T + layer.b
    np.testing.assert_allclose(layer.forward(a_prev), 1 / (1 + np.exp(-z)), rtol=1e-14)


def test_grads_keyed_like_params_with_same_shapes(rng):
    layer = Dense(4, 3, "relu", rng=rng)
    assert layer.grads == {}
    layer.forward(rng.normal(size=(5, 4)))
    grad_in = layer.backward(rng.normal(size=(5, 3)))
    assert set(layer.grads) == set(layer.params) == {"W", "b"}
    for key in layer.params:
        assert layer.grads[key].shape == layer.params[key].shape
    assert grad_in.shape == (5, 4)


def test_backward_formulas_against_explicit_sums(rng):
    layer = Dense(3, 2, "linear", rng=rng)
    a_prev = rng.normal(size=(4, 3))
    delta = rng.normal(size=(4, 2))
    layer.forward(a_prev)
    grad_in = layer.backward(delta)
    W = layer.W
    dW = np.array([[sum(delta[n, j] * a_prev[n, i] for n in range(4)) for i in range(3)] for j in range(2)])
    db = np.array([sum(delta[n, j] for n in range(4)) for j in range(2)])
    dA = np.array([[sum(delta[n, j] * W[j, i] for j in range(2)) for i in range(3)] for n in range(4)])
    np.testing.assert_allclose(layer.grads["W"], dW, rtol=1e-13)
    np.testing.assert_allclose(layer.grads["b"], db, rtol=1e-13)
    np.testing.assert_allclose(grad_in, dA, rtol=1e-13)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "linear", "softmax"])
def test_backward_against_finite_differences(activation, rng):
    layer = Dense(4, 3, activation, rng=rng)
    layer.params["b"][:] = rng.normal(size=3) * 0.1
    a_prev = rng.normal(size=(5, 4))
    g = rng.normal(size=(5, 3))

    def f():
        return float(np.sum(g * layer.forward(a_prev)))

    f()
    grad_in = layer.backward(g)
    analytic = {k: v.copy() for k, v in layer.grads.items()}
    for key, param in layer.params.items():
        assert rel_error(analytic[key], finite_difference_gradient(f, param)) < 1e-7
    assert rel_error(grad_in, finite_difference_gradient(f, a_prev)) < 1e-7


def test_backward_from_z_skips_the_activation(rng):
    layer = Dense(3, 2, "sigmoid", rng=rng)
    a_prev = rng.normal(size=(4, 3))
    layer.forward(a_prev)
    delta = rng.normal(size=(4, 2))
    grad_in = layer.backward_from_z(delta)
    np.testing.assert_allclose(layer.grads["W"], delta.T @ a_prev, rtol=1e-14)
    np.testing.assert_allclose(grad_in, delta @ layer.W, rtol=1e-14)


# -- initialisation ----------------------------------------------------------------------------


def test_default_init_is_he_for_relu():
    fan_in, fan_out = 400, 300
    layer = Dense(fan_in, fan_out, "relu", rng=0)
    assert layer.init == "he"
    W = layer.W
    # N(0, 2/fan_in) over 120 000 draws: sample variance within a few per cent, mean ~ 0
    assert W.var() == pytest.approx(2 / fan_in, rel=0.03)
    assert abs(W.mean()) < 4 * np.sqrt(2 / fan_in / W.size)
    # normal, not uniform: some weights beyond the Glorot limit, and unbounded tails
    assert np.abs(W).max() > 3.5 * np.sqrt(2 / fan_in)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "softmax", "linear", None])
def test_default_init_is_glorot_uniform_otherwise(activation):
    fan_in, fan_out = 300, 200
    layer = Dense(fan_in, fan_out, activation, rng=1)
    assert layer.init == "glorot"
    limit = np.sqrt(6 / (fan_in + fan_out))
    W = layer.W
    assert np.all(np.abs(W) <= limit)
    assert np.abs(W).max() > 0.99 * limit  # fills the interval
    assert W.var() == pytest.approx(limit**2 / 3, rel=0.03)  # variance of U(-r, r) = r^2 / 3
    # uniform: a quarter of the mass in each quarter of the interval
    counts, _ = np.histogram(W, bins=4, range=(-limit, limit))
    np.testing.assert_allclose(counts / W.size, 0.25, atol=0.01)


def test_explicit_init_overrides_the_default():
    he_sigmoid = Dense(400, 300, "sigmoid", init="he", rng=0)
    assert he_sigmoid.init == "he"
    assert he_sigmoid.W.var() == pytest.approx(2 / 400, rel=0.03)
    glorot_relu = Dense(400, 300, "relu", init="glorot", rng=0)
    assert glorot_relu.init == "glorot"
    assert np.all(np.abs(glorot_relu.W) <= np.sqrt(6 / 700))


def test_every_known_initializer_is_accepted_and_listed_when_one_is_unknown():
    for init in INITIALIZERS:
        assert initial_weights(3, 5, init, np.random.default_rng(0)).shape == (3, 5)
        assert Dense(5, 3, init=init, rng=0).init == init
    with pytest.raises(ValueError, match=", ".join(INITIALIZERS)):
        initial_weights(3, 5, "lecun", np.random.default_rng(0))


@pytest.mark.parametrize("bad", ["xavier", "HE", ""])
def test_unknown_init_raises(bad):
    with pytest.raises(ValueError, match=rf"unknown init {bad!r}; choose one of he, glorot"):
        Dense(3, 2, init=bad)


def test_same_seed_same_weights_different_seed_different():
    np.testing.assert_array_equal(Dense(4, 3, rng=7).W, Dense(4, 3, rng=7).W)
    assert not np.array_equal(Dense(4, 3, rng=7).W, Dense(4, 3, rng=8).W)


# -- dtype ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "softmax", "linear"])
def test_float32_end_to_end(activation, rng):
    layer = Dense(4, 3, activation, rng=rng, dtype=np.float32)
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32
    out = layer.forward(rng.normal(size=(5, 4)).astype(np.float32))
    assert out.dtype == np.float32 and layer.z.dtype == np.float32
    grad_in = layer.backward(np.ones((5, 3), dtype=np.float32))
    assert grad_in.dtype == np.float32
    assert layer.grads["W"].dtype == np.float32 and layer.grads["b"].dtype == np.float32
    layer.update(0.1)
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32


def test_float64_is_the_default(rng):
    layer = Dense(2, 2, rng=rng)
    assert layer.W.dtype == np.float64 and layer.dtype == np.float64


# -- update ----------------------------------------------------------------------------------------


def test_update_is_plain_gradient_descent(rng):
    layer = Dense(3, 2, "tanh", rng=rng)
    layer.forward(rng.normal(size=(4, 3)))
    layer.backward(rng.normal(size=(4, 2)))
    before = {k: v.copy() for k, v in layer.params.items()}
    W_obj = layer.W
    layer.update(0.25)
    for key in layer.params:
        np.testing.assert_allclose(layer.params[key], before[key] - 0.25 * layer.grads[key], rtol=1e-15)
    assert layer.W is W_obj  # in place


def test_update_before_backward_raises(rng):
    with pytest.raises(RuntimeError, match=r"no gradient for parameter 'W'"):
        Dense(3, 2, rng=rng).update(0.1)


def test_update_rejects_bad_learning_rate(rng):
    layer = Dense(3, 2, rng=rng)
    with pytest.raises(ValueError, match=r"learning_rate must be a finite number > 0, got -0.1"):
        layer.update(-0.1)


def test_fortran_ordered_weights_still_work(rng):
    layer = Dense(4, 3, "tanh", rng=rng)
    layer.params["W"] = np.asfortranarray(layer.params["W"])
    assert not layer.W.flags.c_contiguous
    a_prev = rng.normal(size=(5, 4))
    g = rng.normal(size=(5, 3))
    out = layer.forward(a_prev)
    np.testing.assert_allclose(out, np.tanh(a_prev @ np.ascontiguousarray(layer.W).T), rtol=1e-14)
    layer.backward(g)
    analytic = layer.grads["W"].copy()

    def f():
        return float(np.sum(g * layer.forward(a_prev)))

    # finite differences perturb the Fortran array in place, through its own indices
    numeric = finite_difference_gradient(f, layer.params["W"])
    assert rel_error(analytic, numeric) < 1e-7
    before = layer.W.copy()
    layer.update(0.5)
    np.testing.assert_allclose(layer.W, before - 0.5 * analytic, rtol=1e-15)
    assert layer.W.flags.f_contiguous


# -- misuse ----------------------------------------------------------------------------------------


def test_forward_wrong_input_shape(rng):
    layer = Dense(4, 3, rng=rng)
    with pytest.raises(ValueError, match=r"a_prev must have shape \(batch_size, 4\), got shape \(5, 3\)"):
        layer(np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"a_prev must be a 2-D array of shape \(batch_size, 4\), got shape \(4,\)"):
        layer(np.ones(4))


def test_backward_before_forward_and_wrong_shape(rng):
    layer = Dense(4, 3, rng=rng)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.ones((2, 3)))
    layer.forward(np.ones((2, 4)))
    with pytest.raises(
        ValueError, match=r"grad_output must have the shape of the forward output \(2, 3\), got \(2, 4\)"
    ):
        layer.backward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"Dense.backward expects grad_output of shape \(2, 3\), got \(3, 3\)"):
        layer.backward_from_z(np.ones((3, 3)))


@pytest.mark.parametrize("dtype", [np.int32, np.float16, np.complex128])
def test_dtype_must_be_float32_or_float64(dtype):
    with pytest.raises(ValueError, match="dtype must be float32 or float64, got"):
        Dense(2, 2, dtype=dtype)


def test_dimensions_must_be_positive_ints():
    with pytest.raises(ValueError, match="input_dim must be a positive integer, got 0"):
        Dense(0, 2)
    with pytest.raises(TypeError, match=r"output_dim must be a positive integer, got 2.0 \(float\)"):
        Dense(2, 2.0)


def test_repr_and_activation_objects():
    layer = Dense(3, 2, Tanh)
    assert repr(layer) == "Dense(3, 2, activation='tanh')"
    assert isinstance(Dense(3, 2).activation, Linear)
    assert isinstance(Dense(3, 2, "relu").activation, ReLU)
    assert isinstance(Dense(3, 2, Sigmoid()).activation, Sigmoid)
    assert isinstance(Dense(3, 2, "softmax").activation, Softmax)


def test_layer_base_class_is_abstract():
    with pytest.raises(NotImplementedError):
        Layer().forward(np.zeros((1, 1)))
    with pytest.raises(NotImplementedError):
        Layer().backward(np.zeros((1, 1)))
