"""The activations beyond the source (LeakyReLU, GELU, ELU, SiLU): values against
independent scalar formulas (Python's ``math``), derivatives against central differences in
float64 (relative error < 1e-7, also inside a network with ``check_gradients``), and each
check shown to catch a wrong derivative."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnbook import ELU, GELU, CrossEntropyLoss, LeakyReLU, NeuralNetwork, SiLU, check_gradients, get_activation
from nnbook.activations import ACTIVATIONS
from nnbook.gradcheck import finite_difference_gradient, rel_error

TOL = 1e-7


def ref_leaky(z, s=0.3):
    return z if z > 0 else s * z


def ref_gelu(z):
    return 0.5 * z * (1 + math.erf(z / math.sqrt(2)))


def ref_elu(z, alpha=1.0):
    return z if z > 0 else alpha * (math.exp(z) - 1)


def ref_silu(z):
    return z / (1 + math.exp(-z))


CASES = {
    "leaky_relu": (LeakyReLU, ref_leaky),
    "leaky_relu-0.05": (lambda: LeakyReLU(0.05), lambda z: ref_leaky(z, 0.05)),
    "gelu": (GELU, ref_gelu),
    "elu": (ELU, ref_elu),
    "elu-2": (lambda: ELU(2.0), lambda z: ref_elu(z, 2.0)),
    "silu": (SiLU, ref_silu),
}


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=2.0, size=(7, 5))
    return z, rng.normal(size=z.shape)


@pytest.mark.parametrize("name", CASES)
def test_values_match_scalar_formulas(name):
    make, ref = CASES[name]
    z, _ = inputs()
    expected = np.vectorize(ref)(z)
    assert np.max(np.abs(make().forward(z) - expected)) < 1e-14 * max(1.0, np.max(np.abs(expected)))


def input_gradient_error(act, z, g):
    """rel_error of backward(g) against central differences of sum(g * forward(z))."""
    act.forward(z)
    analytic = act.backward(g)
    z = z.copy()
    numeric = finite_difference_gradient(lambda: float(np.sum(g * act.forward(z))), z)
    return rel_error(analytic, numeric)


@pytest.mark.parametrize("name", CASES)
def test_derivative_passes_a_float64_gradient_check(name):
    z, g = inputs(1)
    z[np.abs(z) < 1e-3] += 0.01  # keep central differences off the kink of LeakyReLU/ELU
    assert input_gradient_error(CASES[name][0](), z, g) < TOL


class WrongLeaky(LeakyReLU):
    def backward(self, grad_output):  # forgets the slope: ReLU's derivative
        return grad_output * (self.z > 0)


class WrongGELU(GELU):
    def backward(self, grad_output):  # Phi(z) only: forgets z phi(z)
        return grad_output * self._cdf(self.z)


class WrongELU(ELU):
    def backward(self, grad_output):  # e^z without alpha: wrong for alpha != 1
        return grad_output * np.where(self.z > 0, 1.0, np.exp(self.z))


class WrongSiLU(SiLU):
    def backward(self, grad_output):  # sigma(z) only, as if z were a constant
        return grad_output * self.s


@pytest.mark.parametrize(
    "wrong", [WrongLeaky, WrongGELU, lambda: WrongELU(2.0), WrongSiLU], ids=["leaky", "gelu", "elu", "silu"]
)
def test_the_check_catches_a_wrong_derivative(wrong):
    z, g = inputs(2)
    assert input_gradient_error(wrong(), z, g) > 1e-2


@pytest.mark.parametrize("name", ["leaky_relu", "gelu", "elu", "silu"])
def test_network_with_the_activation_passes_check_gradients(name):
    rng = np.random.default_rng(3)
    net = NeuralNetwork([3, 5, 4, 3], [name, name, "softmax"], rng=rng)
    for _, p in net.parameters():
        p += rng.normal(scale=0.1, size=p.shape)  # biases off exactly 0
    result = check_gradients(net, rng.normal(size=(6, 3)), rng.integers(0, 3, 6), CrossEntropyLoss())
    assert result.passed, result.report()
    assert result.max_error < TOL


def test_derivatives_at_zero_follow_tensorflow():
    z = np.zeros((1, 1))
    for act, expected in [(LeakyReLU(), 0.3), (ELU(2.0), 2.0), (GELU(), 0.5), (SiLU(), 0.5)]:
        act.forward(z)
        assert act.backward(np.ones((1, 1)))[0, 0] == expected, act


def test_tails_are_finite_and_exact():
    z = np.array([[-1000.0, -40.0, 40.0, 1000.0]])
    with np.errstate(all="raise"):
        assert GELU().forward(z).tolist() == [[-0.0, -0.0, 40.0, 1000.0]]
        assert SiLU().forward(z)[0, 3] == 1000.0
        assert ELU().forward(z)[0, 0] == -1.0
        g = GELU()
        g.forward(z)
        assert g.backward(np.ones_like(z)).tolist() == [[0.0, 0.0, 1.0, 1.0]]


def test_float32_stays_float32():
    z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    for cls in (LeakyReLU, GELU, ELU, SiLU):
        act = cls()
        assert act.forward(z).dtype == np.float32
        assert act.backward(np.ones_like(z)).dtype == np.float32


def test_registry_names_and_keras_defaults():
    for name, cls in [("leaky_relu", LeakyReLU), ("gelu", GELU), ("elu", ELU), ("silu", SiLU)]:
        assert ACTIVATIONS[name] is cls
        assert type(get_activation(name.upper())) is cls
    assert LeakyReLU().negative_slope == 0.3
    assert ELU().alpha == 1.0
    assert repr(LeakyReLU(0.1)) == "LeakyReLU(negative_slope=0.1)"


def test_leaky_relu_keeps_a_gradient_where_relu_has_none():
    """The point of the leaky variant: a unit whose input is negative on every sample."""
    z = -np.abs(np.random.default_rng(4).normal(size=(10, 3))) - 0.1
    relu, leaky = get_activation("relu"), LeakyReLU()
    relu.forward(z)
    leaky.forward(z)
    assert np.all(relu.backward(np.ones_like(z)) == 0)
    assert np.all(leaky.backward(np.ones_like(z)) == 0.3)
