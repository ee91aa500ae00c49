"""Tests of nnbook.activations: values, numerical safety, derivatives, lookup."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from nnbook import ELU, GELU, CrossEntropyLoss, LeakyReLU, NeuralNetwork, SiLU, check_gradients
from nnbook.activations import (
    ACTIVATIONS,
    Activation,
    Linear,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    get_activation,
    sigmoid,
    softmax,
)
from nnbook.gradcheck import finite_difference_gradient, rel_error

ALL_CLASSES = [ReLU, Sigmoid, Tanh, Softmax, Linear]


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# -- forward values against independent formulas ---------------------------------------------


def test_sigmoid_matches_textbook_formula_at_moderate_z(rng):
    z = rng.uniform(-30, 30, size=(7, 5))
    expected = np.array([[1.0 / (1.0 + math.exp(-v)) for v in row] for row in z])
    np.testing.assert_allclose(sigmoid(z), expected, rtol=1e-14, atol=0)
    np.testing.assert_allclose(Sigmoid().forward(z), expected, rtol=1e-14, atol=0)


def test_sigmoid_symmetry_and_known_points():
    z = np.linspace(-20, 20, 41)
    np.testing.assert_allclose(sigmoid(z) + sigmoid(-z), 1.0, rtol=0, atol=1e-15)
    assert sigmoid(np.array([0.0]))[0] == 0.5
    # sigma(log 3) = 3/4 exactly in real numbers
    assert sigmoid(np.array([math.log(3.0)]))[0] == pytest.approx(0.75, abs=1e-15)


def test_sigmoid_of_integer_input_is_not_truncated():
    # integers are promoted to float: sigma(1) = e/(1+e), not int(0.73) = 0
    out = sigmoid(np.array([[0, 1, -1]]))
    assert np.issubdtype(out.dtype, np.floating)
    np.testing.assert_allclose(out, [[0.5, math.e / (1 + math.e), 1 / (1 + math.e)]], rtol=1e-15)


def test_tanh_relu_linear_forward(rng):
    z = rng.normal(size=(4, 6)) * 3
    np.testing.assert_allclose(
        Tanh().forward(z), (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)), rtol=1e-13, atol=1e-15
    )
    relu_expected = np.array([[v if v > 0 else 0.0 for v in row] for row in z])
    np.testing.assert_array_equal(ReLU().forward(z), relu_expected)
    np.testing.assert_array_equal(Linear().forward(z), z)


def test_softmax_rows_are_distributions_matching_formula(rng):
    z = rng.normal(size=(8, 5)) * 4
    p = softmax(z)
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p, expected, rtol=1e-13)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert np.all(p > 0)
    # known value: softmax([0, log 3]) = [1/4, 3/4]
    np.testing.assert_allclose(softmax(np.array([[0.0, math.log(3.0)]])), [[0.25, 0.75]], atol=1e-15)


def test_softmax_is_invariant_to_a_shift_per_row(rng):
    z = rng.normal(size=(6, 4))
    shift = rng.uniform(-500, 500, size=(6, 1))
    np.testing.assert_allclose(softmax(z + shift), softmax(z), rtol=1e-11, atol=1e-15)


def test_softmax_preserves_order_and_uniform_for_equal_logits():
    p = softmax(np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]]))
    assert p[0, 0] < p[0, 1] < p[0, 2]
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=1e-15)


# -- exact and warning-free at extreme inputs -------------------------------------------------


def test_sigmoid_exact_and_silent_at_extreme_z():
    z = np.array([-1e4, -800.0, 0.0, 800.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            out = sigmoid(z)
            out_layer = Sigmoid().forward(z.reshape(1, -1))
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.5, 1.0, 1.0])
    np.testing.assert_array_equal(out_layer[0], out)
    assert np.all(np.isfinite(out))


def test_sigmoid_keeps_float32():
    z = np.array([-1e4, 0.0, 1e4], dtype=np.float32)
    with np.errstate(all="raise"):
        out = sigmoid(z)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([0.0, 0.5, 1.0], dtype=np.float32))


def test_softmax_exact_and_silent_at_extreme_z():
    z = np.array([[1e4, 0.0], [0.0, 1e4], [-1e4, 0.0], [1e4, 1e4], [-1e4, -1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            p = softmax(z)
            p_layer = Softmax().forward(z)
    np.testing.assert_array_equal(p, [[1, 0], [0, 1], [0, 1], [0.5, 0.5], [0.5, 0.5]])
    np.testing.assert_array_equal(p_layer, p)


def test_tanh_silent_at_extreme_z():
    with np.errstate(all="raise"):
        out = Tanh().forward(np.array([[-1e4, 1e4]]))
    np.testing.assert_array_equal(out, [[-1.0, 1.0]])


# -- derivatives: VJP against central differences ----------------------------------------------


def _random_z(cls, rng, shape=(5, 4)):
    z = rng.normal(size=shape) * 2
    if cls is ReLU:
        # keep away from the kink at 0, where the central difference is not the derivative
        z = np.where(np.abs(z) < 0.1, z + np.sign(z + 1e-300) * 0.2, z)
    return z


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_backward_is_the_vjp_checked_by_finite_differences(cls, rng):
    z = _random_z(cls, rng)
    g = rng.normal(size=z.shape)
    act = cls()
    act.forward(z)
    analytic = act.backward(g)

    probe = cls()  # a separate instance so the finite differences do not disturb the cache
    numeric = finite_difference_gradient(lambda: float(np.sum(g * probe.forward(z))), z)

    assert analytic.shape == z.shape
    assert rel_error(analytic, numeric) < 1e-7
    # the checker is not vacuous: a gradient off by a factor 2 is far outside the tolerance
    assert rel_error(2 * analytic, numeric) > 0.1


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_backward_against_closed_form_derivative(cls, rng):
    z = _random_z(cls, rng, (3, 4))
    g = rng.normal(size=z.shape)
    act = cls()
    act.forward(z)
    got = act.backward(g)
    if cls is ReLU:
        expected = g * np.where(z > 0, 1.0, 0.0)
    elif cls is Sigmoid:
        s = 1.0 / (1.0 + np.exp(-z))
        expected = g * s * (1.0 - s)
    elif cls is Tanh:
        expected = g / np.cosh(z) ** 2
    elif cls is Linear:
        expected = g
    else:  # Softmax: explicit Jacobian product, below
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        expected = np.einsum("nij,ni->nj", _softmax_jacobians(p), g)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def _softmax_jacobians(p):
    """J[n, i, j] = dp_i/dz_j = p_i (delta_ij - p_j), built entry by entry."""
    n, k = p.shape
    J = np.empty((n, k, k))
    for s in range(n):
        for i in range(k):
            for j in range(k):
                J[s, i, j] = p[s, i] * ((1.0 if i == j else 0.0) - p[s, j])
    return J


def test_softmax_backward_equals_explicit_jacobian_product(rng):
    z = rng.normal(size=(6, 5)) * 3
    g = rng.normal(size=z.shape)
    sm = Softmax()
    p = sm.forward(z)
    J = _softmax_jacobians(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))
    # dL/dz_j = sum_i g_i dp_i/dz_j, sample by sample
    expected = np.stack([J[s].T @ g[s] for s in range(z.shape[0])])
    np.testing.assert_allclose(sm.backward(g), expected, rtol=1e-12, atol=1e-15)
    # a constant shift of the upstream gradient changes nothing (the rows of J sum to 0)
    np.testing.assert_allclose(sm.backward(g + 7.0), sm.backward(g), atol=1e-13)
    assert p.shape == z.shape


def test_relu_derivative_at_zero_is_zero():
    relu = ReLU()
    relu.forward(np.array([[0.0, -0.0, 1e-300, -1e-300]]))
    np.testing.assert_array_equal(relu.backward(np.ones((1, 4))), [[0.0, 0.0, 1.0, 0.0]])


def test_sigmoid_derivative_at_zero_is_one_quarter():
    s = Sigmoid()
    s.forward(np.zeros((1, 1)))
    assert s.backward(np.ones((1, 1)))[0, 0] == 0.25


# -- lookup --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, cls",
    [
        ("relu", ReLU),
        ("ReLU", ReLU),
        ("RELU", ReLU),
        (" sigmoid ", Sigmoid),
        ("Tanh", Tanh),
        ("SOFTMAX", Softmax),
        ("linear", Linear),
    ],
)
def test_get_activation_by_name_case_insensitive(name, cls):
    act = get_activation(name)
    assert type(act) is cls


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_get_activation_by_class_gives_a_fresh_instance(cls):
    a, b = get_activation(cls), get_activation(cls)
    assert type(a) is cls and type(b) is cls
    assert a is not b


def test_get_activation_instance_is_returned_as_is_and_none_is_linear():
    relu = ReLU()
    assert get_activation(relu) is relu
    assert type(get_activation(None)) is Linear


def test_every_activation_class_of_the_module_is_found_by_its_name():
    """A class added to nnbook.activations but not to the registry fails here."""
    import inspect

    import nnbook.activations as module

    classes = [
        c for _, c in inspect.getmembers(module, inspect.isclass) if issubclass(c, Activation) and c is not Activation
    ]
    assert classes
    for cls in classes:
        assert type(get_activation(cls.name.upper())) is cls, cls


def test_get_activation_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown activation 'rleu'; choose one of relu, sigmoid"):
        get_activation("rleu")


@pytest.mark.parametrize("bad", [3, 1.5, ["relu"], np.tanh, int])
def test_get_activation_wrong_type(bad):
    with pytest.raises(TypeError, match=r"activation must be a name .*got"):
        get_activation(bad)


# -- misuse of backward ----------------------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_backward_before_forward_raises(cls):
    with pytest.raises(RuntimeError, match=rf"{cls.__name__}\.backward called before forward"):
        cls().backward(np.ones((2, 3)))


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_backward_shape_mismatch_raises(cls):
    act = cls()
    act.forward(np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"grad_output must have the shape of the forward output \(2, 3\), got \(3, 2\)"
    ):
        act.backward(np.ones((3, 2)))


def test_base_class_is_abstract():
    with pytest.raises(NotImplementedError):
        Activation().forward(np.zeros((1, 1)))
    with pytest.raises(NotImplementedError):
        Activation().backward(np.zeros((1, 1)))


# -- LeakyReLU, GELU, ELU, SiLU ---------------------------------------------------------------------
# The activations beyond the source (LeakyReLU, GELU, ELU, SiLU): values against
# independent scalar formulas (Python's ``math``), derivatives against central differences in
# float64 (relative error < 1e-7, also inside a network with ``check_gradients``), and each
# check shown to catch a wrong derivative.


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
