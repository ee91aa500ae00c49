"""
Training a network on XOR: how many hidden units does it need?
==============================================================

The XOR problem is the smallest problem a linear model cannot solve: the two classes sit on
opposite corners of a square. A network with one hidden layer of ReLU units learns it, but
how wide must that layer be? This script trains ``2-n-2`` networks with
:math:`n = 1, 2, 3, 4, 8, 16` hidden units, ten times each with different data, initial
weights and mini-batch orders, and plots the validation accuracy against the width. Then it
draws the decision boundaries of the narrowest networks that do and do not succeed. Run it
with ``python plot_xor_training.py``.

The chapters train one XOR network with the source text's settings
(:ref:`part-d-synthetic-data`, :ref:`part-d-visualisation`); this script asks a question they
do not.
"""

# %%
# Data and one training run
# -------------------------
# Points in the plane, labelled by the XOR of the signs of their coordinates. One generator,
# seeded once, drives the data, the splits, the initial weights and the mini-batch orders of
# all runs, so every run of the script prints the same numbers.
import numpy as np

from nnbook.datasets import generate_xor_data, train_val_split
from nnbook.losses import CrossEntropyLoss
from nnbook.network import NeuralNetwork
from nnbook.optimizers import Adam
from nnbook.plotting import COLORS, plot_decision_boundary
from nnbook.training import train_network

rng = np.random.default_rng(42)
WIDTHS = [1, 2, 3, 4, 8, 16]
N_RUNS = 10


def train_xor(width, rng):
    """Train one 2-width-2 ReLU network on fresh XOR data; return it, its split and history."""
    X, _, y = generate_xor_data(400, rng=rng)
    X_train, X_val, y_train, y_val = train_val_split(X, y, val_fraction=0.25, rng=rng)
    net = NeuralNetwork([2, width, 2], activations=["relu", "softmax"], rng=rng)
    history = train_network(
        net, X_train, y_train, X_val, y_val, CrossEntropyLoss(),
        epochs=60, batch_size=32, optimizer=Adam(0.02), rng=rng, progress=False,
    )  # fmt: skip
    return net, (X_val, y_val), history


# %%
# Every width, ten runs
# ---------------------
# A run "solves" XOR when its validation accuracy exceeds 0.9 (a straight line gets about
# 0.75 at best: it can cut off one quadrant).
accuracy = {width: [] for width in WIDTHS}
examples = {}
for width in WIDTHS:
    for _run in range(N_RUNS):
        net, val, history = train_xor(width, rng)
        accuracy[width].append(history["val_acc"][-1])
        examples.setdefault((width, history["val_acc"][-1] > 0.9), (net, val))
for width in WIDTHS:
    acc = np.array(accuracy[width])
    print(
        f"{width:>2} hidden units: mean {acc.mean():.3f}, worst {acc.min():.3f}, "
        f"solved in {np.sum(acc > 0.9)} of {N_RUNS} runs"
    )

# %%
# What the runs show, checked: one or two units never solve XOR. The output is a linear
# function of the units, so with two units it bends along two lines only, and one of the four
# alternating quadrants always ends up on the wrong side. Three or four units solve it in
# most runs but not all: a unit that starts in a useless place can stay there. With eight
# units or more every run solves it. Width buys reliability as much as accuracy.
solved = {width: int(np.sum(np.array(accuracy[width]) > 0.9)) for width in WIDTHS}
assert solved[1] == solved[2] == 0
assert solved[4] >= N_RUNS // 2
assert solved[8] == solved[16] == N_RUNS
assert np.mean(accuracy[16]) > np.mean(accuracy[2])

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6.5, 4), facecolor="white", layout="constrained")
for i, width in enumerate(WIDTHS):
    ax.scatter(np.full(N_RUNS, i) + np.linspace(-0.15, 0.15, N_RUNS), accuracy[width], color=COLORS[0], s=18, alpha=0.7)
ax.plot(
    range(len(WIDTHS)),
    [np.mean(accuracy[w]) for w in WIDTHS],
    color=COLORS[1],
    lw=2,
    marker="s",
    label="mean of 10 runs",
)
ax.axhline(0.9, color="0.4", ls=":", lw=1)
ax.set_xticks(range(len(WIDTHS)), [str(w) for w in WIDTHS])
ax.set_xlabel("hidden ReLU units")
ax.set_ylabel("validation accuracy")
ax.set_title("XOR, 2-n-2 networks, Adam, 60 epochs")
ax.legend(loc="lower right")
ax.grid(True, alpha=0.3)  # last: a statement that returns None leaves no repr on the page

# %%
# Decision boundaries
# -------------------
# The narrowest width with a failed run and the narrowest with a solved run. A failed
# network has placed its few kinks where they cannot separate the quadrants.
failed_width = min(w for w in WIDTHS if (w, False) in examples)
solved_width = min(w for w in WIDTHS if (w, True) in examples)
fig2, axes = plt.subplots(1, 2, figsize=(10, 4.4), facecolor="white", layout="constrained")
for ax, (width, ok) in zip(axes, [(failed_width, False), (solved_width, True)]):
    net, (X_val, y_val) = examples[width, ok]
    plot_decision_boundary(net, X_val, y_val, ax=ax, title=f"{width} hidden unit(s): {'solved' if ok else 'failed'}")

# %%
# Run as a script, this file prints its numbers and shows both figures in windows; save one
# instead with ``fig.savefig("xor_width.png")``.
plt.show()
