"""
Activation functions: how often is the derivative near zero?
============================================================

A unit learns only through its derivative: backpropagation multiplies the error signal by
:math:`\\phi'(z)` at every unit (:ref:`part-c-backpropagation`). Part B draws the activations
and their derivatives (:ref:`part-b-activation-functions`); this script asks how those
derivatives are *distributed* over the units of a layer, and how that changes when the
pre-activations grow, as they do when the weights or the inputs are too large.

It sends a batch through one dense layer whose weights are scaled by a factor :math:`s`, and
measures, for sigmoid, tanh and ReLU, the mean derivative and the fraction of derivatives
below 1 % of the activation's largest slope (a unit that passes on almost nothing). Every
derivative is what the activation's ``backward`` returns for an upstream gradient of ones.
"""

# %%
# One layer, many scales
# ----------------------
# 256 inputs drawn from a standard normal distribution, 256 units with Glorot-scaled weights
# (:func:`~nnbook.layers.initial_weights`), multiplied by :math:`s` from 0.1 to 30.
import numpy as np

from nnbook.activations import ReLU, Sigmoid, Tanh
from nnbook.layers import initial_weights
from nnbook.plotting import COLORS

rng = np.random.default_rng(0)
X = rng.normal(size=(1000, 256))
W = initial_weights(256, 256, "glorot", rng)
scales = np.logspace(-1, np.log10(30), 25)
activations = {"sigmoid": (Sigmoid, 0.25), "tanh": (Tanh, 1.0), "ReLU": (ReLU, 1.0)}  # largest slope

mean_slope = {name: [] for name in activations}
dead = {name: [] for name in activations}
for s in scales:
    Z = X @ (s * W).T
    for name, (make, top) in activations.items():
        act = make()
        act.forward(Z)
        slope = act.backward(np.ones_like(Z))
        mean_slope[name].append(float(slope.mean() / top))
        dead[name].append(float(np.mean(slope < 0.01 * top)))
for name in activations:
    print(
        f"{name:<8} s = 0.1: mean slope {mean_slope[name][0]:.2f} of its largest, "
        f"{dead[name][0]:.0%} near zero;  s = 30: {mean_slope[name][-1]:.2f}, {dead[name][-1]:.0%}"
    )

# %%
# What the numbers show, checked: the sigmoid and tanh pass on less and less as the
# pre-activations grow, because more and more units sit on their flat tails; at
# :math:`s = 30` most of their derivatives are below 1 % of the largest slope. ReLU does not
# saturate: its derivative is 0 or 1, and since scaling :math:`z` does not change its sign,
# the fraction of zeros stays at about one half for every scale. (ReLU's problem is a
# different one: a unit whose pre-activation is negative for *every* input never learns
# again.)
for name in ("sigmoid", "tanh"):
    assert mean_slope[name][0] > 0.9 and mean_slope[name][-1] < 0.2
    assert np.all(np.diff(mean_slope[name]) < 0)  # the mean slope falls with every scale
    assert dead[name][0] == 0 and dead[name][-1] > 0.5
assert max(abs(d - 0.5) for d in dead["ReLU"]) < 0.05
assert max(abs(m - 0.5) for m in mean_slope["ReLU"]) < 0.05

import matplotlib.pyplot as plt

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), facecolor="white", layout="constrained")
for (name, color), ls in zip(zip(activations, COLORS), ["-", "--", ":"]):
    ax1.plot(scales, mean_slope[name], color=color, ls=ls, lw=2, label=name)
    ax2.plot(scales, dead[name], color=color, ls=ls, lw=2, label=name)
ax1.set_ylabel("mean derivative / largest derivative")
ax2.set_ylabel("fraction of derivatives below 1 % of the largest")
for ax in (ax1, ax2):
    ax.set_xscale("log")
    ax.set_xlabel("weight scale $s$ (1 = Glorot)")
    ax.axvline(1.0, color="0.6", lw=1)
    ax.grid(True, alpha=0.3)
    ax.legend()

# %%
# Run as a script, this file prints its numbers and shows the figure.
plt.show()
