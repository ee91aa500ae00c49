"""
Gradient checking every combination of layers and losses
========================================================

A gradient check compares the gradients that backpropagation computes with central
differences of the loss, parameter by parameter, and accepts a parameter when the two agree
to a relative error below :math:`10^{-7}` (:ref:`part-c-gradient-checking`). The chapters
check a handful of networks, and :ref:`part-d-pitfalls` shows the check catching the source
text's mistakes. This script checks *every* combination ``nnbook`` offers: four hidden
activations, in networks of one and two hidden layers, times the three output/loss pairs
(softmax with cross-entropy, one sigmoid unit with binary cross-entropy, a linear output
with the mean squared error), and draws the worst relative error of each as a table.
"""

# %%
# The combinations
# ----------------
# A check evaluates the loss twice per parameter, so each network is small (3 inputs, 5
# units per hidden layer) and the batch has 6 samples. Inputs, targets and weights are
# random: a generic point, where no pre-activation is exactly 0 and no wrong formula agrees
# with the right one by accident. Everything is float64.
import numpy as np

from nnbook.gradcheck import check_gradients
from nnbook.losses import CrossEntropyLoss, MSELoss
from nnbook.network import NeuralNetwork

rng = np.random.default_rng(0)
HIDDEN = ["relu", "sigmoid", "tanh", "linear"]
OUTPUTS = {  # name: (units, output activation, loss, targets)
    "softmax + CE": (4, "softmax", CrossEntropyLoss(), lambda: rng.integers(0, 4, size=6)),
    "sigmoid + BCE": (1, "sigmoid", CrossEntropyLoss(), lambda: rng.integers(0, 2, size=6)),
    "linear + MSE": (3, "linear", MSELoss(), lambda: rng.normal(size=(6, 3))),
}
DEPTHS = [1, 2]

rows = [f"{act}, {depth} hidden" for depth in DEPTHS for act in HIDDEN]
errors = np.zeros((len(rows), len(OUTPUTS)))
for i, (depth, act) in enumerate((d, a) for d in DEPTHS for a in HIDDEN):
    for j, (units, out, loss, targets) in enumerate(OUTPUTS.values()):
        net = NeuralNetwork([3] + [5] * depth + [units], [act] * depth + [out], rng=rng)
        result = check_gradients(net, rng.normal(size=(6, 3)), targets(), loss)
        errors[i, j] = result.max_error
        assert result.passed, (rows[i], list(OUTPUTS)[j], result.report())
print(f"{len(rows) * len(OUTPUTS)} networks checked; worst relative error {errors.max():.1e}, best {errors.min():.1e}")

# %%
# What the table shows, checked: every combination passes, with a margin of at least an
# order of magnitude below the tolerance. A wrong factor, transpose or sign gives errors of
# order 0.1 to 1 (:ref:`part-d-pitfalls`), so the correct and the wrong are many orders of
# magnitude apart, and the tolerance sits between them.
assert errors.max() < 1e-8

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 5), facecolor="white", layout="constrained")
image = ax.imshow(np.log10(errors), cmap="viridis", vmin=-13, vmax=-7, aspect="auto")
for (i, j), value in np.ndenumerate(errors):
    ax.text(
        j, i, f"{value:.0e}", ha="center", va="center", fontsize=9, color="white" if np.log10(value) < -10 else "black"
    )
ax.set_xticks(range(len(OUTPUTS)), list(OUTPUTS))
ax.set_yticks(range(len(rows)), rows)
ax.set_title("worst relative error of each check (tolerance $10^{-7}$)")
fig.colorbar(image, ax=ax, label="$\\log_{10}$ relative error")
ax.tick_params(length=0)

# %%
# Run as a script, this file prints its numbers and shows the table.
plt.show()
