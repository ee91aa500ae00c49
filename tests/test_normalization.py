"""BatchNormalization: batch statistics in training, Keras' moving-average rule, moving
statistics at inference; the compact backward passes float64 gradient checks w.r.t. the input,
gamma and beta in training and in inference mode (relative error < 1e-7), and the check
catches a backward that forgets the path through the batch mean or the batch variance."""

from __future__ import annotations

import numpy as np
import pytest

from nnbook import BatchNormalization
from nnbook.gradcheck import finite_difference_gradient, rel_error
from nnbook.pitfalls import BatchNormWithoutMeanTerm

TOL = 1e-7


def make_layer(n_features=4, seed=0, training=True, **kw):
    rng = np.random.default_rng(seed)
    bn = BatchNormalization(n_features, **kw)
    bn.params["gamma"][:] = rng.uniform(0.5, 2.0, n_features)
    bn.params["beta"][:] = rng.normal(size=n_features)
    bn.moving_mean[:] = rng.normal(size=n_features)
    bn.moving_variance[:] = rng.uniform(0.5, 2.0, n_features)
    bn.training = training
    return bn


def batch(seed=1, n=8, n_features=4):
    rng = np.random.default_rng(seed)
    return rng.normal(loc=1.5, scale=2.0, size=(n, n_features)), rng.normal(size=(n, n_features))


def gradient_errors(bn, x, g):
    """rel_error of dL/dX, dL/dgamma, dL/dbeta for L = sum(g * Y), backward vs central differences."""
    bn.forward(x)
    analytic = {"x": bn.backward(g), "gamma": bn.grads["gamma"].copy(), "beta": bn.grads["beta"].copy()}
    x = x.copy()

    def loss():
        return float(np.sum(g * bn.forward(x)))

    numeric = {
        "x": finite_difference_gradient(loss, x),
        "gamma": finite_difference_gradient(loss, bn.params["gamma"]),
        "beta": finite_difference_gradient(loss, bn.params["beta"]),
    }
    return {k: rel_error(analytic[k], numeric[k]) for k in analytic}


@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
@pytest.mark.parametrize("n", [2, 8, 32])
def test_backward_passes_float64_gradient_checks(training, n):
    errors = gradient_errors(make_layer(training=training), *batch(n=n))
    assert max(errors.values()) < TOL, errors


class WithoutVarianceTerm(BatchNormalization):
    def backward(self, grad_output):
        super().backward(grad_output)
        _, x_hat, inv_std = self._cache
        g_hat = grad_output * self.params["gamma"]
        return inv_std * (g_hat - g_hat.mean(axis=0))


class AsIfInference(BatchNormalization):
    def backward(self, grad_output):  # treats the batch statistics as constants
        super().backward(grad_output)
        return grad_output * self.params["gamma"] * self._cache[2]


@pytest.mark.parametrize(
    "wrong",
    [BatchNormWithoutMeanTerm, WithoutVarianceTerm, AsIfInference],
    ids=["without-mean-term", "without-variance-term", "statistics-as-constants"],
)
def test_the_check_catches_a_wrong_backward(wrong):
    bn = wrong(4)
    ref = make_layer()
    bn.params["gamma"][:], bn.params["beta"][:] = ref.params["gamma"], ref.params["beta"]
    bn.training = True
    errors = gradient_errors(bn, *batch())
    assert errors["x"] > 1e-2, errors
    assert errors["gamma"] < TOL and errors["beta"] < TOL  # the parameter gradients are still right


def test_training_output_is_standardised_then_scaled_and_shifted():
    bn = make_layer()
    x, _ = batch(n=50)
    y = bn.forward(x)
    x_hat = (y - bn.params["beta"]) / bn.params["gamma"]
    np.testing.assert_allclose(x_hat.mean(axis=0), 0.0, atol=1e-14)
    var = x.var(axis=0)
    np.testing.assert_allclose(x_hat.var(axis=0), var / (var + 1e-3), rtol=1e-12)  # biased variance, + epsilon


def test_moving_statistics_follow_keras_rule():
    bn = make_layer(momentum=0.9)
    mean0, var0 = bn.moving_mean.copy(), bn.moving_variance.copy()
    batches = [batch(seed=s)[0] for s in range(5)]
    for x in batches:
        bn.forward(x)
    for x in batches:  # independent: m * old + (1 - m) * batch statistic, biased variance
        mean0 = 0.9 * mean0 + 0.1 * x.mean(axis=0)
        var0 = 0.9 * var0 + 0.1 * x.var(axis=0)
    np.testing.assert_allclose(bn.moving_mean, mean0, rtol=1e-14)
    np.testing.assert_allclose(bn.moving_variance, var0, rtol=1e-14)


def test_inference_uses_the_moving_statistics_and_leaves_them_alone():
    bn = make_layer(training=False)
    x, _ = batch()
    mean, var = bn.moving_mean.copy(), bn.moving_variance.copy()
    y = bn.forward(x)
    expected = bn.params["gamma"] * (x - mean) / np.sqrt(var + bn.epsilon) + bn.params["beta"]
    np.testing.assert_allclose(y, expected, rtol=1e-14)
    np.testing.assert_array_equal(bn.moving_mean, mean)
    np.testing.assert_array_equal(bn.moving_variance, var)
    single = bn.forward(x[:1])  # a batch of one is fine at inference
    np.testing.assert_allclose(single, expected[:1], rtol=1e-14)


def test_defaults_and_parameters_like_dense():
    bn = BatchNormalization(3)
    assert (bn.momentum, bn.epsilon) == (0.99, 1e-3)
    assert set(bn.params) == {"gamma", "beta"} and bn.n_params == 6
    np.testing.assert_array_equal(bn.params["gamma"], 1.0)
    np.testing.assert_array_equal(bn.moving_variance, 1.0)
    assert bn.training is False
    bn.training = True
    bn.forward(np.arange(6.0).reshape(2, 3))
    bn.backward(np.ones((2, 3)))
    assert {k: g.shape for k, g in bn.grads.items()} == {"gamma": (3,), "beta": (3,)}


def test_float32_layer():
    bn = BatchNormalization(2, dtype=np.float32)
    bn.training = True
    y = bn.forward(np.array([[1.0, 2.0], [3.0, 5.0]], dtype=np.float32))
    assert y.dtype == np.float32 and bn.backward(np.ones_like(y)).dtype == np.float32
