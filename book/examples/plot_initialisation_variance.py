"""
Initialisation and the training of a deep network
=================================================

Part B sends a signal through a deep stack of layers and shows it vanish or explode when the
initial weights have the wrong scale (:ref:`part-b-initialisation`). This script asks what
that does to *training*: it trains a deep, narrow ReLU network on the spirals from weights of
four scales, with the same data, the same mini-batches and plain gradient descent, and
plots the training loss per epoch. A run whose loss overflows stops with
:class:`~nnbook.training.TrainingDiverged`; the script keeps it in the legend.

The four scales multiply He's weights (:math:`\\operatorname{Var}[W_{ij}] = 2/n_{l-1}`) by a
factor :math:`s`: 0.25 and 0.5 (too small), 1 (He) and 2 (too large; in standard deviation).
"""

# %%
# Data and network
# ----------------
# 300 spiral points, 8 hidden layers of 32 ReLU units, a softmax output. The same generator
# seed gives every run the same split, the same initial weights (before scaling) and the same
# mini-batch order, so the runs differ in the scale alone.
import numpy as np

from nnbook.datasets import generate_spiral_data, train_val_split
from nnbook.losses import CrossEntropyLoss
from nnbook.network import NeuralNetwork
from nnbook.plotting import COLORS
from nnbook.training import TrainingDiverged, train_network

data_rng = np.random.default_rng(0)
X, _, y = generate_spiral_data(100, 3, rng=data_rng)
X_train, X_val, y_train, y_val = train_val_split(X, y, val_fraction=0.2, rng=data_rng)
SIZES = [2] + [32] * 8 + [3]
SCALES = [0.25, 0.5, 1.0, 2.0]
EPOCHS = 80

histories, diverged = {}, {}
for s in SCALES:
    rng = np.random.default_rng(1)
    net = NeuralNetwork(SIZES, ["relu"] * 8 + ["softmax"], learning_rate=0.05, rng=rng, init="he")
    for layer in net.layers:
        layer.params["W"] *= s
    try:
        histories[s] = train_network(
            net,
            X_train,
            y_train,
            X_val,
            y_val,
            CrossEntropyLoss(),
            epochs=EPOCHS,
            batch_size=32,
            rng=rng,
            progress=False,
        )
    except TrainingDiverged as err:  # keep the epochs before the overflow
        histories[s], diverged[s] = err.history, err.epoch
        print(f"s = {s:<4}: diverged in epoch {err.epoch} (counted from 0)")
        continue
    h = histories[s]
    print(f"s = {s:<4}: final training loss {h['train_loss'][-1]:.3f}, validation accuracy {h['val_acc'][-1]:.3f}")

# %%
# What the runs show, checked. With weights too small the signal, and with it the gradient,
# shrinks in every layer: the loss stays near :math:`\ln 3`, the loss of a uniform guess,
# for all the epochs, and the network predicts one class. With He's scale the same network
# learns the spirals. Twice He's standard deviation makes the signal grow four-fold in
# variance per layer, 65 536-fold over eight layers: the first steps are so large that the
# loss overflows and training stops with :class:`~nnbook.training.TrainingDiverged`. Eight
# layers turn a factor of two into the difference between learning and not.
initial_guess = np.log(3)
small, he = histories[0.25]["train_loss"], histories[1.0]["train_loss"]
assert max(abs(loss - initial_guess) for loss in small) < 0.05
assert histories[0.25]["val_acc"][-1] < 0.5
assert he[-1] < 0.1 and histories[1.0]["val_acc"][-1] > 0.9
assert set(diverged) == {2.0} and diverged[2.0] < 5

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6.5, 4), facecolor="white", layout="constrained")
for (s, h), color, ls in zip(histories.items(), COLORS, ["-", "--", "-", ":"]):
    if s in diverged:
        ax.plot([], [], color=color, ls=ls, label=f"$s = {s}$: diverged in epoch {diverged[s]}")
        continue
    lw = 3 if s == 1.0 else 1.8
    ax.plot(
        np.arange(1, len(h["train_loss"]) + 1),
        h["train_loss"],
        color=color,
        ls=ls,
        lw=lw,
        label=f"$s = {s}$" + (" (He)" if s == 1.0 else ""),
    )
ax.axhline(initial_guess, color="0.5", lw=1, ls=":")
ax.annotate("uniform guess, $\\ln 3$", (EPOCHS * 0.55, initial_guess * 1.05), color="0.35")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (cross-entropy)")
ax.set_title("Spirals, 8 hidden ReLU layers of 32 units, gradient descent")
ax.legend(loc="lower left")
ax.grid(True, alpha=0.3)  # last: a statement that returns None leaves no repr on the page

# %%
# Run as a script, this file prints its numbers and shows the figure.
plt.show()
