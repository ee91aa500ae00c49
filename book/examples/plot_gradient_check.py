"""
Gradient checking catches wrong backward passes
===============================================

A gradient check compares the gradients that backpropagation computes with central
differences of the loss, parameter by parameter, and accepts a parameter when the two agree
to a small relative error. This script checks one correct network and two broken variants,
each with one of the source text's mistakes, and draws the relative errors side by side.

The method, and the relative error :eq:`eq-relative-error` with its tolerance
:math:`10^{-7}`, are explained in :ref:`part-c-gradient-checking`; the mistakes in
:ref:`part-d-pitfalls`. The broken variants come from ``nnbook.pitfalls``, the check is
:func:`~nnbook.gradcheck.check_gradients`.
"""

# %%
# A small network and a small batch
# ---------------------------------
# A check evaluates the loss twice per parameter, so it uses a small network and a few
# samples. Everything is float64: in float32 the round-off of the differences alone would
# give relative errors far above the tolerance.
import numpy as np

from nnbook.datasets import generate_spiral_data
from nnbook.gradcheck import check_gradients
from nnbook.losses import CrossEntropyLoss
from nnbook.network import NeuralNetwork
from nnbook.pitfalls import DoubleMeanDense, SeedCrossEntropyLoss

rng = np.random.default_rng(0)
X_all, _, y_all = generate_spiral_data(20, 3, rng=rng)
batch = rng.choice(len(X_all), size=8, replace=False)
X, y = X_all[batch], y_all[batch]
sizes, activations = [2, 6, 5, 3], ["tanh", "tanh", "softmax"]
net = NeuralNetwork(sizes, activations=activations, rng=rng)
print(net)

# %%
# The three variants
# ------------------
# * **correct**: the network as it is, with :class:`~nnbook.losses.CrossEntropyLoss`.
# * **batch mean taken twice**: every layer replaced by a
#   :class:`~nnbook.pitfalls.DoubleMeanDense` holding the same weights. The loss already
#   averages over the batch; this layer divides :math:`\partial L/\partial W` and
#   :math:`\partial L/\partial b` by :math:`N` once more.
# * **fused gradient pushed through softmax again**: the correct network with
#   :class:`~nnbook.pitfalls.SeedCrossEntropyLoss`, whose ``backward`` returns
#   :math:`(P - Y)/N`. That is already :math:`\partial L/\partial Z` of the output layer, but
#   the network takes it for :math:`\partial L/\partial P` and applies the softmax Jacobian a
#   second time.


def with_double_mean_layers(network):
    """Copy ``network`` with DoubleMeanDense layers and the same weights."""
    broken = NeuralNetwork(network.layer_sizes, activations, rng=0)
    broken.layers = [
        DoubleMeanDense(layer.input_dim, layer.output_dim,
                        layer.activation.name)
        for layer in network.layers
    ]
    pairs = zip(broken.parameters(), network.parameters())
    for (_, new), (_, old) in pairs:
        new[...] = old
    return broken


DOUBLE_MEAN = "batch mean taken twice\n(DoubleMeanDense)"
SOFTMAX_TWICE = "softmax Jacobian applied twice\n(SeedCrossEntropyLoss)"
variants = {  # name: (network, loss)
    "correct": (net, CrossEntropyLoss()),
    DOUBLE_MEAN: (with_double_mean_layers(net), CrossEntropyLoss()),
    SOFTMAX_TWICE: (net, SeedCrossEntropyLoss()),
}
results = {}
for name, (network, loss_fn) in variants.items():
    results[name] = check_gradients(network, X, y, loss_fn)
    print(f"--- {name.replace(chr(10), ' ')}")
    print(results[name].report())

# %%
# The correct network passes with errors many orders of magnitude below the tolerance. The
# double mean scales every gradient by :math:`1/N`, which gives a relative error of
# :math:`(1 - 1/N)/(1 + 1/N)` for every parameter, :math:`7/9` here with :math:`N = 8`. The
# second softmax Jacobian corrupts :math:`\delta` of the output layer, and through it every
# gradient below.
assert results["correct"].passed
for name, result in results.items():
    if name != "correct":
        assert not result.passed, name
double_mean_errors = list(results[DOUBLE_MEAN].errors.values())
assert np.allclose(double_mean_errors, 7 / 9, rtol=1e-6)

# %%
# The figure
# ----------
# One group of bars per parameter, one bar per variant, on a logarithmic scale, with the
# tolerance as a horizontal line: a bar above the line is a failed parameter.
import matplotlib.pyplot as plt

from nnbook.plotting import COLORS

names = list(results["correct"].errors)
x = np.arange(len(names))
width = 0.27
fig, ax = plt.subplots(figsize=(9, 4.8), facecolor="white",
                       layout="constrained")
for i, (variant, result) in enumerate(results.items()):
    errors = [result.errors[name] for name in names]
    ax.bar(x + (i - 1) * width, errors, width, color=COLORS[i],
           label=variant)
tolerance = results["correct"].tolerance
ax.axhline(tolerance, color="black", ls="--", lw=1.2,
           label="tolerance $10^{-7}$")
ax.set_yscale("log")
ax.set_ylim(1e-13, 10)
ax.set_xticks(x, names)
ax.set_xlabel("parameter")
ax.set_ylabel("relative error (analytic vs central differences)")
ax.set_title("Gradient check of a 2-6-5-3 network on 8 samples")
legend = fig.legend(loc="outside lower center", ncols=4, fontsize="small")
ax.grid(True, axis="y", alpha=0.3)

# %%
# Run as a script, this file prints the three reports and shows the figure.
plt.show()
