"""
Classifying handwritten digits
==============================

Scikit-learn ships a small set of handwritten digits: 1797 grey-level images of 8 x 8
pixels, each labelled 0 to 9. No download is needed. This script trains a ``64-128-10``
network on them with Adam and early stopping, reports its accuracy on a held-out test set,
shows what the first layer's units respond to, and draws the confusion matrix.

The training loop and its early stopping are explained in :ref:`part-d-training-loop`.
"""

# %%
# Data
# ----
# :func:`~nnbook.datasets.load_digits` splits the images, stratified, into training,
# validation and test sets (60/20/20 by default) and standardises every pixel with the
# training set's mean and standard deviation only. Each image is one row of 64 pixels.
import numpy as np

from nnbook.datasets import load_digits
from nnbook.losses import CrossEntropyLoss
from nnbook.network import NeuralNetwork
from nnbook.optimizers import Adam
from nnbook.plotting import plot_training_history
from nnbook.training import train_network

rng = np.random.default_rng(0)
data = load_digits(rng=rng)
print("training", data.X_train.shape, "validation", data.X_val.shape, "test", data.X_test.shape)

# %%
# Training with early stopping
# ----------------------------
# 64 inputs, 128 ReLU units, 10 softmax outputs. With ``patience=10``,
# :func:`~nnbook.training.train_network` stops when the validation loss has not improved for 10
# epochs and restores the weights of the best epoch. The test set plays no part in training or
# in choosing when to stop.
net = NeuralNetwork([64, 128, 10], activations=["relu", "softmax"], rng=rng)
W1_initial = net.layers[0].W.copy()  # kept to show what training changed
history = train_network(
    net,
    data.X_train,
    data.y_train,
    data.X_val,
    data.y_val,
    CrossEntropyLoss(),
    epochs=200,
    batch_size=32,
    optimizer=Adam(1e-3),
    rng=rng,
    progress=False,
    patience=10,
)
best = history["best_epoch"]
print(f"stopped after {len(history['val_loss'])} epochs, kept the weights of epoch {best + 1}")
print(f"validation accuracy at that epoch: {history['val_acc'][best]:.4f}")
test_accuracy = net.accuracy(data.X_test, data.y_test)
print(f"test accuracy: {test_accuracy:.4f} on {len(data.y_test)} images")
fig_history = plot_training_history(history, "Digits")

# %%
# What the first layer looks at
# -----------------------------
# Row :math:`i` of the first weight matrix :math:`W^{(1)}`, of shape (128, 64), holds the 64
# weights with which unit :math:`i` sums the pixels. Reshaped to 8 x 8, it is an image of the
# pattern that excites the unit most: red pixels push its pre-activation up, blue ones down.
# Each image has its own symmetric colour scale.
#
# The trained weights (upper grid) still carry much of their random initial values, which hide
# the pattern. The change that training made, :math:`W^{(1)}_{\text{trained}} -
# W^{(1)}_{\text{initial}}` (lower grid, same units), shows it: blobs and strokes, mostly in
# the centre of the image, where the digits differ.
import matplotlib.pyplot as plt

W1 = net.layers[0].W
change = W1 - W1_initial
print(f"norm of the initial W1: {np.linalg.norm(W1_initial):.2f}, of its change: {np.linalg.norm(change):.2f}")
centre = np.zeros((8, 8), dtype=bool)
centre[2:6, 2:6] = True
# mean |change| per pixel, over the 128 units
mean_change = np.abs(change).mean(axis=0).reshape(8, 8)
print("mean |change| of a weight:")
print(f"  16 central pixels: {mean_change[centre].mean():.4f}")
print(f"  the other pixels:  {mean_change[~centre].mean():.4f}")
assert mean_change[centre].mean() > mean_change[~centre].mean()
n_shown = 16
fig_weights = plt.figure(figsize=(9, 5.6), facecolor="white", layout="constrained")
panels = [(W1, "trained first-layer weights"), (change, "change during training (trained - initial)")]
for subfig, (weights, title) in zip(fig_weights.subfigures(2, 1), panels):
    axes = subfig.subplots(2, n_shown // 2)
    for unit, ax in enumerate(axes.flat):
        image = weights[unit].reshape(8, 8)
        limit = np.abs(image).max()
        ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"unit {unit}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    subfig.suptitle(f"{title}, units 0-{n_shown - 1}, as 8 x 8 images")

# %%
# A few pixels on the edge of the frame are 0 in every training image, so after
# standardisation they are always exactly 0: they never contribute to a gradient, and their
# weights keep their initial values. In the lower grid they are white.
constant_pixels = np.flatnonzero(np.all(data.X_train == 0, axis=0))
print("pixels constant in the training set:", constant_pixels.tolist())
assert np.all(change[:, constant_pixels] == 0)

# %%
# Confusion matrix
# ----------------
# Entry :math:`(i, j)` counts the test images of digit :math:`i` that the network classified as
# :math:`j`; the diagonal holds the correct answers, and empty cells are 0.
y_pred = net.predict_classes(data.X_test)
n_classes = data.n_classes
confusion = np.zeros((n_classes, n_classes), dtype=int)
np.add.at(confusion, (data.y_test, y_pred), 1)
assert confusion.sum() == len(data.y_test)
assert np.isclose(np.trace(confusion) / confusion.sum(), test_accuracy)
wrong = [(confusion[i, j], i, j) for i in range(n_classes) for j in range(n_classes) if i != j and confusion[i, j] > 0]
wrong.sort(reverse=True)  # most frequent first
print("misclassified test images (true -> predicted: count):")
items = [f"{i}->{j}: {count}" for count, i, j in wrong]
for k in range(0, len(items), 6):  # six to a line
    print("  " + ", ".join(items[k : k + 6]))

# sphinx_gallery_thumbnail_number = 3
fig_confusion, ax = plt.subplots(figsize=(6, 5.4), facecolor="white", layout="constrained")
image = ax.imshow(confusion, cmap="Blues")
for i in range(n_classes):
    for j in range(n_classes):
        if confusion[i, j]:
            dark = confusion[i, j] > confusion.max() / 2
            ax.text(j, i, confusion[i, j], ha="center", va="center", color="white" if dark else "black")
ax.set_xticks(range(n_classes), data.target_names)
ax.set_yticks(range(n_classes), data.target_names)
ax.set_xlabel("predicted digit")
ax.set_ylabel("true digit")
ax.set_title(f"Test set confusion matrix (accuracy {test_accuracy:.3f})")
colorbar = fig_confusion.colorbar(image, ax=ax, label="test images")

# %%
# Run as a script, this file prints its numbers and shows the three figures.
plt.show()
