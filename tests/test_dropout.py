"""Dropout: identity at inference, inverted scaling in training (mean preserved, keep rate
1 - p), masks reproducible from the generator, and the backward passes a float64 gradient
check with a fixed mask (the check catches a backward without the 1/(1 - p) scaling)."""

from __future__ import annotations

import numpy as np
import pytest

from nnbook import Dropout
from nnbook.gradcheck import finite_difference_gradient, rel_error


def test_inference_is_the_identity_forward_and_backward():
    x = np.random.default_rng(0).normal(size=(5, 4))
    drop = Dropout(0.5, rng=1)
    assert drop.training is False
    np.testing.assert_array_equal(drop.forward(x), x)
    np.testing.assert_array_equal(drop.backward(2 * x), 2 * x)


def test_training_keeps_a_fraction_one_minus_p_and_preserves_the_mean():
    x = np.ones((400, 500))
    drop = Dropout(0.3, rng=2)
    drop.training = True
    out = drop.forward(x)
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.005  # 200 000 draws: standard error 0.001
    np.testing.assert_array_equal(out[kept], 1 / 0.7)
    assert abs(out.mean() - 1.0) < 0.01  # E[A] = A_prev


def test_rate_zero_is_the_identity_in_training():
    x = np.random.default_rng(3).normal(size=(6, 3))
    drop = Dropout(0.0, rng=0)
    drop.training = True
    np.testing.assert_array_equal(drop.forward(x), x)


def test_masks_come_from_the_generator():
    x = np.ones((8, 8))
    a, b = Dropout(0.5, rng=7), Dropout(0.5, rng=7)
    a.training = b.training = True
    first = a.forward(x)
    np.testing.assert_array_equal(first, b.forward(x))  # same seed, same mask
    assert not np.array_equal(first, a.forward(x))  # a new mask at each forward pass


def test_fixed_mask_is_used_until_released():
    x = np.ones((2, 3))
    keep = np.array([[True, False, True], [False, True, True]])
    drop = Dropout(0.5, rng=0)
    drop.training = True
    drop.set_mask(keep)
    np.testing.assert_array_equal(drop.forward(x), 2.0 * keep)
    np.testing.assert_array_equal(drop.forward(x), 2.0 * keep)
    drop.set_mask(None)
    outs = {drop.forward(x).tobytes() for _ in range(20)}
    assert len(outs) > 1  # masks drawn again


def dropout_input_gradient_error(layer, x, g):
    layer.forward(x)
    analytic = layer.backward(g)
    x = x.copy()
    numeric = finite_difference_gradient(lambda: float(np.sum(g * layer.forward(x))), x)
    return rel_error(analytic, numeric)


def test_backward_passes_a_gradient_check_with_a_fixed_mask():
    rng = np.random.default_rng(4)
    x, g = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    drop = Dropout(0.4, rng=5)
    drop.training = True
    drop.set_mask(rng.random((6, 5)) >= 0.4)
    assert dropout_input_gradient_error(drop, x, g) < 1e-7


class UnscaledBackward(Dropout):
    def backward(self, grad_output):  # wrong: the mask without 1/(1 - p)
        return grad_output * (self.mask != 0)


def test_the_check_catches_a_backward_without_the_scaling():
    rng = np.random.default_rng(6)
    x, g = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    drop = UnscaledBackward(0.4, rng=5)
    drop.training = True
    drop.set_mask(rng.random((6, 5)) >= 0.4)
    assert dropout_input_gradient_error(drop, x, g) > 0.1


def test_without_a_fixed_mask_finite_differences_fail():
    """Why the mask must be fixed: each loss evaluation draws a new mask."""
    rng = np.random.default_rng(7)
    x, g = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    drop = Dropout(0.4, rng=5)
    drop.training = True
    assert dropout_input_gradient_error(drop, x, g) > 0.1


def test_no_parameters_and_float32_kept():
    drop = Dropout(0.2, rng=0)
    assert drop.params == {} and drop.grads == {}
    drop.training = True
    assert drop.forward(np.ones((3, 2), dtype=np.float32)).dtype == np.float32
    assert repr(drop) == "Dropout(rate=0.2)"


@pytest.mark.parametrize("training", [False, True])
def test_backward_checks_the_shape(training):
    drop = Dropout(0.2, rng=0)
    drop.training = training
    drop.forward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"grad_output of shape \(3, 2\)"):
        drop.backward(np.ones((2, 3)))
