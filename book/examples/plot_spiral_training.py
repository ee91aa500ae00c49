"""
Training a network on three spirals
===================================

Three interleaved spiral arms, one per class, are a classic test for a small classifier: no
straight line separates any two arms, so the network has to bend its decision boundary around
them. This script trains a ``2-64-32-3`` network with two ReLU hidden layers and a softmax
output with Adam, then plots the training history and the decision boundary it learned.

The training loop is explained in :ref:`part-d-training-loop`, the data in
:ref:`part-d-synthetic-data`.
"""

# %%
# Data
# ----
# :func:`~nnbook.datasets.generate_spiral_data` returns the points sorted by class, so the
# split must shuffle: :func:`~nnbook.datasets.train_val_split` does, and by default it is
# stratified, so each class keeps its share in both parts. One generator, seeded once, drives
# the data, the split, the initial weights and the mini-batch order.
import numpy as np

from nnbook.datasets import generate_spiral_data, train_val_split
from nnbook.losses import CrossEntropyLoss
from nnbook.network import NeuralNetwork
from nnbook.optimizers import Adam
from nnbook.plotting import plot_decision_boundary, plot_training_history
from nnbook.training import train_network

rng = np.random.default_rng(0)
X, y_onehot, y = generate_spiral_data(200, 3, noise=0.2, rng=rng)
X_train, X_val, y_train, y_val = train_val_split(X, y, 0.25, rng=rng)
print(f"{len(X_train)} training points, {len(X_val)} validation points")
print("validation points per class:", np.bincount(y_val).tolist())

# %%
# Training
# --------
# Two inputs, 64 and 32 ReLU units, three softmax outputs. With
# :class:`~nnbook.losses.CrossEntropyLoss` the network computes the loss from the logits and
# starts backpropagation from the fused gradient :math:`(P - Y)/N`.
net = NeuralNetwork([2, 64, 32, 3], ["relu", "relu", "softmax"], rng=rng)
print(net.summary())
history = train_network(
    net,
    X_train,
    y_train,
    X_val,
    y_val,
    CrossEntropyLoss(),
    epochs=300,
    batch_size=32,
    optimizer=Adam(0.002),
    rng=rng,
    progress=False,
)
print(f"final training loss:       {history['train_loss'][-1]:.4f}")
print(f"final validation loss:     {history['val_loss'][-1]:.4f}")
print(f"final validation accuracy: {history['val_acc'][-1]:.3f}")

# %%
# Training history
# ----------------
# The loss falls quickly while the network finds the rough arrangement of the arms, then
# slowly as it fits their curved ends. The training curves are averages over each epoch's
# mini-batches as they were seen, the validation curves are measured after each epoch. The
# validation loss levels off well above the training loss, which keeps falling towards 0: the
# network fits its training points almost perfectly, and the gap is what that is worth on
# points it has not seen. The short spikes are epochs in which a step overshot; training
# recovers from them within an epoch or two.
fig_history = plot_training_history(history, "Spirals")

# %%
# Decision boundary
# -----------------
# The predicted class over the plane, with the validation points, which the network never
# trained on, drawn on top.
val_acc = history["val_acc"][-1]
title = f"2-64-32-3 network, validation accuracy {val_acc:.3f}"
# sphinx_gallery_thumbnail_number = 2
fig_boundary = plot_decision_boundary(net, X_val, y_val, title=title)

# %%
# Run as a script, this file prints its numbers and shows both figures.
import matplotlib.pyplot as plt

plt.show()
