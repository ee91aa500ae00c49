"""
Training a network on three spirals: how much data does it need?
================================================================

Three interleaved spiral arms, one per class, are a classic test for a small classifier: no
straight line separates any two arms, so the network has to bend its decision boundary around
them. The chapters train the source text's spiral network on 240 points
(:ref:`part-d-synthetic-data`, :ref:`part-d-visualisation`). This script asks how the result
depends on the amount of training data: it trains the same ``2-64-32-3`` network on 30 to 960
training points, twice each, measures every network on the same large validation set,
and draws the learning curve and the decision boundaries of the smallest and the largest
training set.
"""

# %%
# Data
# ----
# One large draw of spirals is split once into a validation set of 300 points and a pool of
# training points; each training set is a stratified random subset of the pool.
# :func:`~nnbook.datasets.generate_spiral_data` returns the points sorted by class, so every
# split must shuffle: :func:`~nnbook.datasets.train_val_split` does, and by default it is
# stratified. One generator, seeded once, drives the data, the splits, the initial weights
# and the mini-batch orders.
import numpy as np

from nnbook.datasets import generate_spiral_data, train_val_split
from nnbook.losses import CrossEntropyLoss
from nnbook.network import NeuralNetwork
from nnbook.optimizers import Adam
from nnbook.plotting import COLORS, plot_decision_boundary
from nnbook.training import train_network

rng = np.random.default_rng(0)
X, _, y = generate_spiral_data(228, 3, noise=0.3, rng=rng)  # 684 points
X_pool, X_val, y_pool, y_val = train_val_split(X, y, val_fraction=300 / len(X), rng=rng)
print(f"{len(X_pool)} points in the training pool, {len(X_val)} validation points")

SIZES = [12, 24, 48, 96, 192, 384]
N_RUNS = 2

# %%
# Training
# --------
# Two inputs, 64 and 32 ReLU units, three softmax outputs, Adam. Every network takes the
# same number of steps (about 400 mini-batches of 32), whatever the size of its training set,
# so that small sets are not simply trained for less time.
results = {size: [] for size in SIZES}
nets = {}
for size in SIZES:
    for _run in range(N_RUNS):
        if size < len(X_pool):
            X_tr, _, y_tr, _ = train_val_split(X_pool, y_pool, val_fraction=1 - size / len(X_pool), rng=rng)
        else:
            X_tr, y_tr = X_pool, y_pool
        net = NeuralNetwork([2, 64, 32, 3], ["relu", "relu", "softmax"], rng=rng)
        epochs = int(np.ceil(400 / np.ceil(len(X_tr) / 32)))
        history = train_network(
            net, X_tr, y_tr, X_val, y_val, CrossEntropyLoss(),
            epochs=epochs, batch_size=32, optimizer=Adam(0.005), rng=rng, progress=False,
        )  # fmt: skip
        train_acc = float(np.mean(net.predict_classes(X_tr) == y_tr))
        results[size].append((train_acc, history["val_acc"][-1]))
        nets.setdefault(size, (net, X_tr, y_tr))
for size in SIZES:
    train_acc, val_acc = np.mean(results[size], axis=0)
    print(f"{size:>4} training points: training accuracy {train_acc:.3f}, validation accuracy {val_acc:.3f}")

# %%
# The learning curve
# ------------------
# With 12 points the network fits its training set almost perfectly and is poor on new
# points: the gap between the two curves is overfitting. More data closes the gap, mostly by
# raising the validation accuracy. These claims are checked:
train_mean = np.array([np.mean([r[0] for r in results[s]]) for s in SIZES])
val_mean = np.array([np.mean([r[1] for r in results[s]]) for s in SIZES])
gap = train_mean - val_mean
assert train_mean[0] > 0.9 and gap[0] > 0.1  # small set: fitted, but does not generalise
assert val_mean[-1] > val_mean[0] + 0.1  # more data, better validation accuracy
assert gap[-1] < gap[0] / 2  # and a smaller gap
assert val_mean[-1] > 0.85

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6.5, 4), facecolor="white", layout="constrained")
ax.plot(SIZES, train_mean, color=COLORS[0], lw=2, marker="o", label="training accuracy")
ax.plot(SIZES, val_mean, color=COLORS[1], lw=2, ls="--", marker="s", label="validation accuracy")
for size in SIZES:
    ax.scatter([size] * N_RUNS, [r[1] for r in results[size]], color=COLORS[1], s=12, alpha=0.6)
ax.set_xscale("log")
ax.set_xticks(SIZES, [str(s) for s in SIZES])
ax.set_xlabel("training points")
ax.set_ylabel("accuracy (mean of 2 runs; dots: single runs)")
ax.set_title("Spirals, 2-64-32-3, the same number of steps for every size")
ax.legend(loc="lower right")
ax.grid(True, alpha=0.3)  # last: a statement that returns None leaves no repr on the page

# %%
# Decision boundaries
# -------------------
# The first network trained on 12 points and the first trained on 384, each drawn with its
# own training points. With 12 points the boundary passes every training point but takes
# shortcuts between the arms where no point constrains it.
# sphinx_gallery_thumbnail_number = 2
fig2, axes = plt.subplots(1, 2, figsize=(10, 4.4), facecolor="white", layout="constrained")
for ax, size in zip(axes, (SIZES[0], SIZES[-1])):
    net, X_tr, y_tr = nets[size]
    val_acc = float(np.mean(net.predict_classes(X_val) == y_val))
    plot_decision_boundary(net, X_tr, y_tr, ax=ax, title=f"{size} training points, validation accuracy {val_acc:.2f}")

# %%
# Run as a script, this file prints its numbers and shows both figures.
plt.show()
