r"""The source text's mistakes, reproduced on purpose as small broken variants.

Part D of the book follows a source text whose code does not work as printed. Each
class or function here reproduces one of its defects as a minimal change to the correct
``nnbook`` code, so that the book (the chapter "Pitfalls that gradient checking
catches") and the tests can show each one being caught, then fixed. **Do not use them
for anything else**: every broken variant here is wrong on purpose.

========  ==========================================  ===========================================
defect    broken variant                              caught by
========  ==========================================  ===========================================
1         :class:`DoubleMeanDense`                    gradient check (every gradient is 1/N)
2         :class:`MSELossOverN`                       gradient check (off by D/2)
3         :class:`SeedCrossEntropyLoss`               gradient check (Jacobian applied twice)
4         :class:`SeedCrossEntropyLoss` (forward)     comparing with the exact loss from logits
5         :func:`ravel_finite_difference_gradient`    a correct backward fails the check
6         :func:`absolute_gradient_check`             passes gradients that are 1/N of the truth
7         :class:`LoopSoftmax`                        correct, but a timing shows the cost
8         :func:`unshuffled_split`                    validation holds one class only
========  ==========================================  ===========================================

Part D also keeps, for its chapters, a few more pieces of the source's code and one more
broken variant (section "Broken variants used by Part D" below): the source's clipped
:func:`source_sigmoid`, its shape test :func:`verify_shapes` (correct, kept because the
chapter runs the source's test), :class:`FusedGradientForgetsN` (a fused cross-entropy
gradient without its :math:`1/N`, caught only by a check on the path training takes), and
the source's gradient-check example :func:`source_gradient_check_example` with
:func:`swap_layers`, which puts a broken layer class into a network without changing its
weights.

One broken layer serves the tests of batch normalisation: :class:`BatchNormWithoutMeanTerm`
(its backward pass forgets the path through the batch mean).

Part C shows three broken variants of its own (section "Broken variants used by Part C"):
:class:`SoftmaxTwiceNetwork` (the fused gradient pushed through the softmax again, Part C's
form of defect 3), :class:`ForgetsTranspose` (a transposed weight gradient) and
:class:`ForgetsActivation` (an activation's derivative left out).
"""

from __future__ import annotations

import numpy as np

from .activations import Softmax
from .layers import Dense
from .losses import CrossEntropyLoss, Loss, MSELoss
from .network import NeuralNetwork
from .normalization import BatchNormalization

__all__ = [
    "DoubleMeanDense",
    "MSELossOverN",
    "SeedCrossEntropyLoss",
    "ravel_finite_difference_gradient",
    "absolute_gradient_check",
    "LoopSoftmax",
    "unshuffled_split",
    "SoftmaxTwiceNetwork",
    "ForgetsTranspose",
    "ForgetsActivation",
    "source_sigmoid",
    "verify_shapes",
    "FusedGradientForgetsN",
    "source_gradient_check_example",
    "swap_layers",
    "BatchNormWithoutMeanTerm",
]


class DoubleMeanDense(Dense):
    r"""Defect 1: the batch mean taken twice.

    The loss's backward already divides by :math:`N`; this layer divides
    :math:`\partial L/\partial W` and :math:`\partial L/\partial b` by :math:`N`
    again, so both are :math:`1/N` of the truth (``dL/dA_prev`` is still right).

    Examples
    --------
    >>> import numpy as np
    >>> layer = DoubleMeanDense(1, 1, "linear")
    >>> _ = layer.forward(np.ones((4, 1)))
    >>> _ = layer.backward(np.ones((4, 1)))
    >>> layer.grads["b"].tolist()            # the sum over the 4 samples is 4
    [1.0]
    """

    def backward_from_z(self, delta):
        grad_a_prev = super().backward_from_z(delta)
        batch_size = delta.shape[0]
        self.grads["W"] = self.grads["W"] / batch_size  # wrong: already averaged in the loss
        self.grads["b"] = self.grads["b"] / batch_size  # wrong: should be a sum over the batch
        return grad_a_prev


class MSELossOverN(MSELoss):
    r"""Defect 2: the forward averages over all :math:`N D` entries, the backward over :math:`N`.

    Returns :math:`(\hat Y - Y)/N` where :math:`2(\hat Y - Y)/(N D)` is right: the two
    agree only when :math:`D = 2`, which is how the mistake hides on two outputs.

    Examples
    --------
    >>> import numpy as np
    >>> loss = MSELossOverN()
    >>> _ = loss.forward(np.array([[1.0, 2.0, 3.0]]), np.zeros((1, 3)))
    >>> loss.backward().tolist()             # right: 2/3 of this, 2 (y_pred - y) / (N D)
    [[1.0, 2.0, 3.0]]
    """

    def backward(self):
        if self.y_pred is None:
            raise RuntimeError("MSELossOverN.backward called before forward")
        return (self.y_pred - self.y_true) / self.y_pred.shape[0]  # wrong: should be 2(.)/(N D)


class SeedCrossEntropyLoss(Loss):
    r"""Defects 3 and 4: the source text's cross-entropy.

    ``forward`` clips the probabilities to :math:`[10^{-10}, 1 - 10^{-10}]` before the log
    (defect 4: the loss it reports is capped near :math:`10 \ln 10 \approx 23.03`), and
    ``backward`` returns the *fused* gradient :math:`(P - Y)/N`, which is
    :math:`\partial L/\partial Z`, not :math:`\partial L/\partial P`. A network then pushes it
    through the softmax's backward again (defect 3). It is deliberately not a
    :class:`~nnbook.losses.CrossEntropyLoss`, so :class:`~nnbook.network.NeuralNetwork`
    treats it like any loss: ``backward`` goes through every activation.

    Examples
    --------
    >>> import numpy as np
    >>> round(SeedCrossEntropyLoss().forward(np.array([[1.0, 0.0]]), np.array([1])), 2)   # the truth: inf
    23.03
    """

    def __init__(self, clip: float = 1e-10):
        self.clip = clip
        self.y_pred = None
        self.y_true = None

    def value(self, y_pred, y_true):
        y_true = np.asarray(y_true)
        if y_true.ndim == 1:
            y_true = np.eye(y_pred.shape[1])[y_true]
        self.y_pred, self.y_true = y_pred, y_true
        clipped = np.clip(y_pred, self.clip, 1 - self.clip)  # defect 4: hides the true loss
        return float(-np.mean(np.sum(y_true * np.log(clipped), axis=1)))

    def backward(self):
        if self.y_pred is None:
            raise RuntimeError("SeedCrossEntropyLoss.backward called before forward")
        return (self.y_pred - self.y_true) / self.y_pred.shape[0]  # defect 3: this is dL/dZ, not dL/dP


def ravel_finite_difference_gradient(f, x, epsilon: float = 1e-5):
    """Defect 5: central differences written through ``x.ravel()``.

    ``ravel`` returns a *copy* when ``x`` is not C-contiguous (e.g. a Fortran-ordered
    or transposed weight matrix): the perturbations never reach ``x``, ``f`` does not
    change, and the "numerical gradient" is all zeros.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.asfortranarray([[1.0, 2.0], [3.0, 4.0]])
    >>> ravel_finite_difference_gradient(lambda: float(np.sum(x**2)), x).tolist()   # should be 2 x
    [[0.0, 0.0], [0.0, 0.0]]
    """
    grad = np.zeros_like(x)
    x_flat = x.ravel()  # a view only when x is C-contiguous
    grad_flat = grad.ravel()
    for i in range(x_flat.size):
        original = x_flat[i]
        x_flat[i] = original + epsilon
        f_plus = f()
        x_flat[i] = original - epsilon
        f_minus = f()
        x_flat[i] = original
        grad_flat[i] = (f_plus - f_minus) / (2 * epsilon)
    return grad


def absolute_gradient_check(analytic, numerical, tolerance: float = 1e-5) -> bool:
    """Defect 6: accept gradients whose largest *absolute* difference is below ``tolerance``.

    When the gradients themselves are small, a gradient wrong by a factor (say 1/N)
    differs from the truth by less than the tolerance and passes. Compare
    :func:`nnbook.gradcheck.rel_error`.

    Examples
    --------
    >>> import numpy as np
    >>> absolute_gradient_check(np.array([1e-6]), np.array([4e-6]))   # off by a factor 4, passes
    True
    """
    diff = np.abs(np.asarray(analytic) - np.asarray(numerical))
    return bool(np.max(diff) < tolerance)


class LoopSoftmax(Softmax):
    r"""Defect 7: softmax backward with an explicit Jacobian, one sample at a time.

    Correct (it computes :math:`g J` with :math:`J = \operatorname{diag}(p) - p^\top p`),
    but it builds a :math:`K \times K` matrix per sample in a Python loop, where
    :meth:`nnbook.activations.Softmax.backward` needs two vectorised lines.

    Examples
    --------
    >>> import numpy as np
    >>> softmax = LoopSoftmax()
    >>> _ = softmax.forward(np.zeros((1, 2)))
    >>> softmax.backward(np.array([[1.0, 0.0]])).tolist()   # p (g - <g, p>) = 0.5 * [0.5, -0.5]
    [[0.25, -0.25]]
    """

    def backward(self, grad_output):
        p_all = self._cached("a", grad_output)
        grad_z = np.zeros_like(p_all)
        for i in range(p_all.shape[0]):
            p = p_all[i : i + 1, :]  # shape (1, K)
            jacobian = np.diagflat(p) - p.T @ p  # J_ij = p_i (delta_ij - p_j)
            grad_z[i : i + 1, :] = grad_output[i : i + 1, :] @ jacobian
        return grad_z


def unshuffled_split(X, y, train_fraction: float = 0.8):
    """Defect 8: split by slicing, without shuffling.

    On data stored class by class (like :func:`nnbook.datasets.generate_spiral_data`),
    the last rows, and so the whole validation set, belong to the last class.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(10).reshape(5, 2), np.array([0, 0, 1, 1, 1])
    >>> unshuffled_split(X, y)[3].tolist()   # the validation labels: one class
    [1]
    """
    split = int(train_fraction * len(X))
    return X[:split], X[split:], y[:split], y[split:]


# -- Broken variants used by Part C --


class SoftmaxTwiceNetwork(NeuralNetwork):
    r"""The fused gradient pushed through the softmax a second time (Part C's form of defect 3).

    Its backward pass ignores ``from_logits``: it receives the fused
    :math:`\partial L/\partial Z^{(L)} = (P - Y)/N` but starts with the softmax's own
    ``backward``, so the output error signal is multiplied by the softmax Jacobian once too often.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import CrossEntropyLoss
    >>> X, y = np.ones((1, 2)), np.array([1])
    >>> good, bad = NeuralNetwork([2, 2], ["softmax"]), SoftmaxTwiceNetwork([2, 2], ["softmax"])
    >>> _, _ = good.compute_gradients(X, y, CrossEntropyLoss()), bad.compute_gradients(X, y, CrossEntropyLoss())
    >>> good.layers[0].grads["b"].round(3).tolist(), bad.layers[0].grads["b"].round(3).tolist()   # p - y, and less
    ([0.889, -0.889], [0.175, -0.175])
    """

    def backward(self, grad_output, *, from_logits=False, input_grad=True):
        output_layer = self.layers[-1]
        output_layer.forward(output_layer.a_prev)  # the softmax's cache, which the fused path does not fill
        return super().backward(grad_output, input_grad=input_grad)  # wrong: (P - Y)/N is dL/dZ already


class ForgetsTranspose(Dense):
    r"""A weight gradient written :math:`A_{\text{prev}}^\top \delta` instead of :math:`\delta^\top A_{\text{prev}}`.

    For a square layer (``input_dim == output_dim``) the shapes still match, so nothing
    crashes; the gradient is the transpose of the truth.

    Examples
    --------
    >>> import numpy as np
    >>> layer = ForgetsTranspose(2, 2, "linear")
    >>> _ = layer.forward(np.array([[1.0, 2.0]]))
    >>> _ = layer.backward(np.array([[1.0, 0.0]]))
    >>> layer.grads["W"].tolist()            # right: delta^T a_prev = [[1, 2], [0, 0]]
    [[1.0, 0.0], [2.0, 0.0]]
    """

    def backward_from_z(self, delta):
        grad_input = super().backward_from_z(delta)
        self.grads["W"] = self.a_prev.T @ delta  # wrong: should be delta.T @ a_prev
        return grad_input


class ForgetsActivation(Dense):
    r"""A backward pass that skips the activation's derivative.

    It treats the incoming :math:`\partial L/\partial A` as if it were
    :math:`\delta = \partial L/\partial Z`.

    Examples
    --------
    >>> import numpy as np
    >>> layer = ForgetsActivation(1, 1, "sigmoid")
    >>> _ = layer.forward(np.zeros((1, 1)))
    >>> _ = layer.backward(np.ones((1, 1)))
    >>> layer.grads["b"].tolist()            # right: sigma'(0) = 0.25
    [1.0]
    """

    def backward(self, grad_output):
        return self.backward_from_z(grad_output)  # wrong: skips self.activation.backward


# -- Broken variants used by Part D --


def source_sigmoid(z):
    r"""The source text's sigmoid: ``1 / (1 + exp(-clip(z, -500, 500)))``.

    The clip changes the input instead of the formula: every :math:`z < -500` is treated
    as :math:`-500` (so :math:`\sigma(-600)` comes out :math:`e^{100}` times too large), and
    it was tuned for float64 only: in float32, :math:`e^{-z}` overflows for
    :math:`z < -88.7`, far inside the clip. Compare :func:`nnbook.activations.sigmoid`.

    Examples
    --------
    >>> from nnbook.activations import sigmoid
    >>> f"{source_sigmoid(-600.0) / sigmoid(-600.0):.1e}"   # e^100 times too large
    '2.7e+43'
    """
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


def verify_shapes(layer, batch_size: int, rng) -> dict:
    """The source's shape test of a dense layer, with a generator and without the prints.

    Runs ``forward`` and ``backward`` on random data and asserts the shape of every
    result: the output ``(N, n_out)``, ``dA_prev`` ``(N, n_in)``, ``dW`` and ``db`` the
    shapes of ``W`` and ``b``. Returns the shapes. (Correct; kept here with the source's
    other code because the chapter runs the source's test as printed.)

    Examples
    --------
    >>> verify_shapes(Dense(10, 5, "relu"), batch_size=32, rng=0)["dW"]
    (5, 10)
    """
    rng = np.random.default_rng(rng)
    x = rng.normal(size=(batch_size, layer.input_dim))
    output = layer.forward(x)
    grad_output = rng.normal(size=(batch_size, layer.output_dim))
    grad_input = layer.backward(grad_output)
    shapes = {
        "input": x.shape,
        "output": output.shape,
        "dA_prev": grad_input.shape,
        "dW": layer.grads["W"].shape,
        "db": layer.grads["b"].shape,
    }
    assert shapes["output"] == (batch_size, layer.output_dim), "forward pass shape mismatch"
    assert shapes["dA_prev"] == (batch_size, layer.input_dim), "backward pass shape mismatch"
    assert shapes["dW"] == layer.params["W"].shape == (layer.output_dim, layer.input_dim), "dW shape mismatch"
    assert shapes["db"] == layer.params["b"].shape == (layer.output_dim,), "db shape mismatch"
    return shapes


class FusedGradientForgetsN(CrossEntropyLoss):
    r"""A bug in the fused gradient: :math:`P - Y` instead of :math:`(P - Y)/N`.

    Training goes through :meth:`backward_from_logits`; ``backward`` (the gradient with
    respect to the probabilities) is still right. A gradient check that computed its
    gradients through ``backward`` would pass this loss; one through
    :meth:`~nnbook.network.NeuralNetwork.compute_gradients`, the path training takes,
    catches it.

    Examples
    --------
    >>> import numpy as np
    >>> loss = FusedGradientForgetsN()
    >>> _ = loss.forward_from_logits(np.zeros((4, 2)), np.array([0, 1, 0, 1]))
    >>> loss.backward_from_logits()[0].tolist()   # P - Y, not (P - Y)/4
    [-0.5, 0.5]
    """

    def backward_from_logits(self):
        return self.probs - self.y_true  # wrong: the batch mean's 1/N is missing


def source_gradient_check_example(seed: int = 42):
    """The source's gradient-check example: a 4-8-3 ReLU/softmax network and 5 samples.

    Returns ``(network, X, Y)`` with random inputs and random one-hot targets, all drawn
    from one generator seeded with ``seed``.

    Examples
    --------
    >>> net, X, Y = source_gradient_check_example()
    >>> net.layer_sizes, X.shape, Y.sum(axis=1).tolist()
    ([4, 8, 3], (5, 4), [1.0, 1.0, 1.0, 1.0, 1.0])
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(5, 4))
    Y = np.eye(3)[rng.integers(0, 3, size=5)]
    network = NeuralNetwork([4, 8, 3], activations=["relu", "softmax"], rng=rng)
    return network, X, Y


def swap_layers(network, layer_class):
    """Replace every layer of ``network`` by ``layer_class``, keeping sizes, activations and weights.

    The broken and the correct network then compute the same function and differ only in
    their backward pass. Returns ``network`` (changed in place).

    Examples
    --------
    >>> import numpy as np
    >>> net = NeuralNetwork([2, 3, 1], ["relu", "linear"], rng=0)
    >>> X = np.ones((2, 2))
    >>> before = net.predict(X)
    >>> broken = swap_layers(net, DoubleMeanDense)
    >>> type(broken.layers[0]).__name__, bool(np.array_equal(broken.predict(X), before))
    ('DoubleMeanDense', True)
    """
    for i, old in enumerate(network.layers):
        if isinstance(old, Dense):
            new = layer_class(old.input_dim, old.output_dim, old.activation.name, dtype=old.dtype)
            new.set_state(old.get_state())
            network.layers[i] = new
    return network


class BatchNormWithoutMeanTerm(BatchNormalization):
    r"""Batch normalisation whose training backward forgets the path through the batch mean.

    It returns :math:`\frac{\gamma}{N\sqrt{s^2 + \zeta}} \odot (N G - \hat A \odot \sum_n G_{n,:} \odot \hat A_{n,:})`,
    without the term :math:`-\sum_n G_{n,:}`: the gradient below the layer is wrong in
    training, right at inference (where the statistics are constants).

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import BatchNormalization
    >>> wrong, right = BatchNormWithoutMeanTerm(1), BatchNormalization(1)
    >>> wrong.training = right.training = True
    >>> x = np.array([[1.0], [3.0]])
    >>> _, _ = wrong.forward(x), right.forward(x)
    >>> wrong.backward(np.ones((2, 1))).round(3).tolist(), right.backward(np.ones((2, 1))).round(3).tolist()
    ([[1.0], [1.0]], [[0.0], [0.0]])
    """

    def backward(self, grad_output):
        grad_input = super().backward(grad_output)
        training, a_hat, inv_std = self._cache
        if not training:
            return grad_input
        g_hat = grad_output * self.params["gamma"]
        n = g_hat.shape[0]
        return (inv_std / n) * (n * g_hat - a_hat * np.sum(g_hat * a_hat, axis=0))  # wrong: - sum_n g_hat missing
