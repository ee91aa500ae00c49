"""
Training a network on XOR
=========================

The XOR problem is the smallest problem a linear model cannot solve: the two classes sit
on opposite corners of a square. A network with one hidden layer of ReLU units learns it.

This script generates the data, trains a ``2-16-2`` network with Adam and plots the
training history and the decision boundary it learned. Run it with
``python plot_xor_training.py``.
"""

# %%
# Data
# ----
# Points in the plane, labelled by the XOR of the signs of their coordinates. One
# generator, seeded once, drives the data, the split, the initial weights and the
# mini-batch order, so every run prints the same numbers.
import numpy as np

from nnbook.datasets import generate_xor_data, train_val_split
from nnbook.losses import CrossEntropyLoss
from nnbook.network import NeuralNetwork
from nnbook.optimizers import Adam
from nnbook.plotting import plot_decision_boundary, plot_training_history
from nnbook.training import train_network

rng = np.random.default_rng(42)
X, y_onehot, y = generate_xor_data(400, rng=rng)
X_train, X_val, y_train, y_val = train_val_split(
    X, y_onehot, val_fraction=0.25, rng=rng
)
print(f"{len(X_train)} training points, {len(X_val)} validation points")

# %%
# Training
# --------
# Two inputs, sixteen ReLU units, two softmax outputs, cross-entropy loss.
net = NeuralNetwork([2, 16, 2], activations=["relu", "softmax"], rng=rng)
history = train_network(
    net,
    X_train,
    y_train,
    X_val,
    y_val,
    CrossEntropyLoss(),
    epochs=200,
    batch_size=32,
    optimizer=Adam(0.01),
    rng=rng,
    verbose=False,
    progress=False,
)
print(f"final validation accuracy: {history['val_acc'][-1]:.3f}")

# %%
# Training history
# ----------------
# Loss and accuracy on the training and validation sets after every epoch.
fig_history = plot_training_history(history, "XOR")

# %%
# Decision boundary
# -----------------
# The network's predicted class over the plane, with the validation points on top.
fig_boundary = plot_decision_boundary(net, X_val, y_val)

# %%
# Run as a script, this file prints its numbers and shows both figures in windows;
# save one instead with ``fig_boundary.savefig("xor_boundary.png")``.
import matplotlib.pyplot as plt

plt.show()
