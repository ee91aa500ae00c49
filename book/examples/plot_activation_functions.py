"""
Activation functions and their derivatives
==========================================

ReLU, the logistic sigmoid, tanh and softmax, drawn with their derivatives. Every curve is
computed by ``nnbook.activations``: the function by each activation's ``forward``, the
derivative by its ``backward``, the vector-Jacobian product that backpropagation uses. The
script then checks each derivative against central differences of ``forward`` and stops with
an error if one disagrees.

The definitions are in :ref:`part-b-activation-functions`, the derivatives are derived in
:ref:`part-c-gradients-of-activations-and-losses`.
"""

# %%
# The functions on a grid
# -----------------------
# The elementwise activations take a matrix of shape (batch_size, n_units). One column of
# 801 values of :math:`z` in :math:`[-5, 5]` is a batch of 801 samples with one unit each.
import numpy as np

from nnbook.activations import ReLU, Sigmoid, Softmax, Tanh, sigmoid
from nnbook.plotting import COLORS

z = np.linspace(-5.0, 5.0, 801)[:, None]  # shape (801, 1)

# %%
# Derivatives from ``backward``
# -----------------------------
# ``backward(g)`` returns :math:`\partial L/\partial Z` given :math:`g = \partial L/\partial A`.
# An elementwise activation has a diagonal Jacobian, so with :math:`g = 1` the result is the
# derivative :math:`\sigma'(z)` at every point.
#
# Softmax is not elementwise: every output depends on every logit. Applied to the rows
# :math:`[z, 0]`, its first output is :math:`p_1 = e^z / (e^z + e^0)`, which is exactly the
# sigmoid of :math:`z`. With :math:`g = [1, 0]` the vector-Jacobian product picks the row
# :math:`\partial p_1/\partial z_j` of the Jacobian; its first entry is
# :math:`\partial p_1 / \partial z = p_1 (1 - p_1)`.
elementwise = {"ReLU": ReLU(), "sigmoid": Sigmoid(), "tanh": Tanh()}
values, derivatives = {}, {}
for name, activation in elementwise.items():
    values[name] = activation.forward(z)[:, 0]
    derivatives[name] = activation.backward(np.ones_like(z))[:, 0]

softmax_act = Softmax()
logits = np.hstack([z, np.zeros_like(z)])  # rows [z, 0], shape (801, 2)
values["softmax"] = softmax_act.forward(logits)[:, 0]
g = np.tile([1.0, 0.0], (len(z), 1))  # dL/dp = [1, 0]: L = p_1
derivatives["softmax"] = softmax_act.backward(g)[:, 0]
assert np.allclose(values["softmax"], sigmoid(z[:, 0]), rtol=0, atol=1e-15)

# %%
# A check by central differences
# ------------------------------
# The central difference :math:`(\sigma(z + h) - \sigma(z - h))/(2h)` approximates
# :math:`\sigma'(z)` with an error of order :math:`h^2`; with :math:`h = 10^{-5}` it should agree
# with ``backward`` to about :math:`10^{-10}`. ReLU has a kink at :math:`z = 0`, where the
# difference quotient gives :math:`1/2` and ``backward`` the convention 0: the points within
# :math:`h` of the kink are left out of the comparison.
h = 1e-5
forwards = {
    "ReLU": lambda z: ReLU().forward(z),
    "sigmoid": lambda z: Sigmoid().forward(z),
    "tanh": lambda z: Tanh().forward(z),
    "softmax": lambda z: Softmax().forward(np.hstack([z, 0 * z]))[:, :1],
}
away_from_kink = np.abs(z[:, 0]) > h
print("largest |backward - central difference| over the grid:")
for name, f in forwards.items():
    numerical = ((f(z + h) - f(z - h)) / (2 * h))[:, 0]
    mask = away_from_kink if name == "ReLU" else np.ones(len(z), dtype=bool)
    error = np.max(np.abs(derivatives[name][mask] - numerical[mask]))
    print(f"  {name:<8} {error:.1e}")
    assert error < 1e-9, f"{name}: backward disagrees with the differences"

# %%
# The figure
# ----------
# One panel per function: the activation as a solid line, its derivative as a dashed line.
# ReLU's derivative jumps from 0 to 1; the sigmoid's never exceeds :math:`1/4`, tanh's reaches 1
# at :math:`z = 0`, and both vanish where the functions saturate.
import matplotlib.pyplot as plt

titles = {
    "ReLU": r"ReLU: $\max(0, z)$",
    "sigmoid": r"sigmoid: $1/(1 + e^{-z})$",
    "tanh": r"tanh: $\tanh z$",
    "softmax": r"softmax of $[z, 0]$: first output $p_1$",
}
fig, axes = plt.subplots(2, 2, figsize=(9, 7), sharex=True,
                         facecolor="white", layout="constrained")
for ax, name in zip(axes.flat, titles):
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.plot(z[:, 0], values[name], color=COLORS[0], lw=2.2,
            label="function")
    ax.plot(z[:, 0], derivatives[name], color=COLORS[5], lw=2.2, ls="--",
            label="derivative (backward)")
    ax.set_title(titles[name])
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
axes[0, 0].set_ylim(-0.5, 5.2)
axes[1, 0].set_ylim(-1.15, 1.15)
for ax in (axes[0, 1], axes[1, 1]):
    ax.set_ylim(-0.1, 1.1)
for ax in axes[1]:
    ax.set_xlabel("$z$")

# %%
# Run as a script, this file prints the largest discrepancies and shows the figure.
plt.show()
