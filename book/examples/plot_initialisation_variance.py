"""
Initialisation and the variance of activations through depth
============================================================

Send a batch of random inputs through a stack of 20 dense layers and measure the variance of
the activations after each one. With the right scale of initial weights the variance stays
roughly constant from layer to layer; a scale only a factor of two off in the standard
deviation makes it shrink or grow geometrically, and after 20 layers the signal has vanished
or exploded. The figure compares He and Glorot initialisation with a scale that is too small
and one that is too large, for ReLU and for tanh layers.

The two schemes, :eq:`eq-he-init` and :eq:`eq-glorot-init`, are derived in
:ref:`part-b-initialisation`.
"""

# %%
# Four scales of initial weights
# ------------------------------
# Every weight matrix has shape :math:`(n_l, n_{l-1})` and zero-mean entries. Here every layer
# has :math:`n = 256` units, so the schemes differ only in the variance of the entries:
#
# * **too small**: :math:`\operatorname{Var}(W_{ij}) = 0.5/n`, half He's standard deviation;
# * **Glorot**: :math:`2/(n_{l-1} + n_l) = 1/n`, uniform entries;
# * **He**: :math:`2/n_{l-1} = 2/n`, normal entries;
# * **too large**: :math:`8/n`, twice He's standard deviation.
#
# :func:`~nnbook.layers.initial_weights` draws the He and Glorot matrices; the other two are He
# matrices rescaled.
import numpy as np

from nnbook.layers import Dense, initial_weights

n_units, n_layers, batch_size = 256, 20, 1000
# name: (scheme of initial_weights, factor on the standard deviation)
schemes = {
    "too small (0.5/n)": ("he", 0.5),
    "Glorot (1/n)": ("glorot", 1.0),
    "He (2/n)": ("he", 1.0),
    "too large (8/n)": ("he", 2.0),
}

# %%
# The experiment
# --------------
# For each activation and scheme: a stack of :class:`~nnbook.layers.Dense` layers with fresh
# weights, the same standard normal input of shape (1000, 256), and the variance of every
# layer's output over the batch and the units. The input is layer 0.
rng = np.random.default_rng(0)
X = rng.standard_normal((batch_size, n_units))

variances, saturated = {}, {}
for activation in ("relu", "tanh"):
    for name, (init, factor) in schemes.items():
        layers = [Dense(n_units, n_units, activation)
                  for _ in range(n_layers)]
        for layer in layers:  # replace the default weights
            W = initial_weights(n_units, n_units, init, rng)
            layer.params["W"][...] = factor * W
        a = X
        per_layer = [a.var()]
        for layer in layers:
            a = layer.forward(a)
            per_layer.append(a.var())
        variances[activation, name] = np.array(per_layer)
        # for tanh: the share of units with a derivative 1 - a^2 < 0.02
        saturated[activation, name] = np.mean(np.abs(a) > 0.99)

print(f"variance of the activations after layer {n_layers}:")
print(f"{'scheme':<20}{'ReLU':>12}{'tanh':>12}")
for name in schemes:
    relu, tanh = variances["relu", name][-1], variances["tanh", name][-1]
    print(f"{name:<20}{relu:>12.3g}{tanh:>12.3g}")
print("fraction of tanh units in the last layer with |a| > 0.99:")
for name in schemes:
    print(f"  {name:<20}{saturated['tanh', name]:.3f}")

# %%
# What the numbers mean
# ---------------------
# For ReLU layers, each layer multiplies the mean square of the activations by
# :math:`n \operatorname{Var}(W_{ij}) / 2` (half the pre-activations are zeroed). He's
# :math:`2/n` makes that factor 1; the factors :math:`1/4` and :math:`4` of the other scales
# compound to :math:`4^{\mp 20} \approx 10^{\mp 12}` over 20 layers. Glorot's factor
# :math:`1/2` halves the variance at every layer. He's curve is flat only on average: with a
# finite number of units, each layer's factor is a random number close to 1, and over 20
# layers their product drifts a little, which is nothing next to the other scales.
#
# Tanh is close to the identity near 0, so with small weights the variance shrinks by about the
# same factor at every layer; Glorot's scale keeps it decaying only slowly. With large weights
# the pre-activations are large and tanh saturates: the variance levels off instead of
# growing, since :math:`|a| < 1`, but a large share of the units sit where
# :math:`1 - a^2`, the derivative that backpropagation multiplies by, is almost 0.
assert 0.1 < variances["relu", "He (2/n)"][-1] < 10
assert variances["relu", "too small (0.5/n)"][-1] < 1e-8
assert variances["relu", "too large (8/n)"][-1] > 1e8
assert variances["tanh", "too large (8/n)"][-1] < 1
assert saturated["tanh", "too large (8/n)"] > 0.2

# %%
# The figure
# ----------
import matplotlib.pyplot as plt

from nnbook.plotting import COLORS

fig, axes = plt.subplots(
    1, 2, figsize=(10, 4.5), facecolor="white", layout="constrained"
)
markers = ["v", "s", "o", "^"]
depth = np.arange(n_layers + 1)
for ax, activation in zip(axes, ["relu", "tanh"]):
    for i, name in enumerate(schemes):
        ax.plot(depth, variances[activation, name], marker=markers[i], ms=4,
                lw=1.8, color=COLORS[i], label=name)
axes[0].legend(title=r"$\operatorname{Var}(W_{ij})$", fontsize="small")
for ax, label in zip(axes, ["ReLU", "tanh"]):
    ax.set_yscale("log")
    ax.set_xlabel("layer $l$ (0 = input)")
    ax.set_ylabel("variance of the activations $A^{(l)}$")
    ax.set_title(f"{n_layers} dense layers of {n_units} {label} units")
    ax.set_xticks(range(0, n_layers + 1, 5))
    ax.grid(True, alpha=0.3)

# %%
# Run as a script, this file prints the final variances and shows the figure.
plt.show()
