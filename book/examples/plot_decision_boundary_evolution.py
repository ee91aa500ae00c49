"""
How a decision boundary evolves during training
===============================================

A network does not learn the spirals all at once. This script trains one ``2-64-32-3``
network on three spiral arms and draws its decision boundary after 0, 5, 20, 50, 100 and 300
epochs, as small multiples. Training continues between the snapshots: the same network, the
same optimizer (so Adam keeps its moment estimates) and the same random generator.

More pictures of learning are in :ref:`part-d-visualisation`.
"""

# %%
# Data and network
# ----------------
import numpy as np

from nnbook.datasets import generate_spiral_data, train_val_split
from nnbook.losses import CrossEntropyLoss
from nnbook.network import NeuralNetwork
from nnbook.optimizers import Adam
from nnbook.plotting import plot_decision_boundary
from nnbook.training import train_network

rng = np.random.default_rng(0)
X, y_onehot, y = generate_spiral_data(200, 3, noise=0.2, rng=rng)
X_train, X_val, y_train, y_val = train_val_split(X, y, 0.25, rng=rng)
net = NeuralNetwork([2, 64, 32, 3], ["relu", "relu", "softmax"], rng=rng)
loss_fn = CrossEntropyLoss()
optimizer = Adam(0.001)

# %%
# Training in stages
# ------------------
# Each call to :func:`~nnbook.training.train_network` runs the epochs up to the next
# snapshot; :func:`~nnbook.plotting.plot_decision_boundary` then draws into one panel of a
# 2 x 3 grid, through its ``ax`` argument.
import matplotlib.pyplot as plt

snapshots = [0, 5, 20, 50, 100, 300]
fig, axes = plt.subplots(2, 3, figsize=(10.5, 7.4), sharex=True, sharey=True, facecolor="white", layout="constrained")
done, accuracies = 0, []
print(f"{'epochs':>6}  {'val loss':>8}  {'val acc':>7}")
for ax, epochs in zip(axes.flat, snapshots):
    if epochs > done:
        train_network(
            net,
            X_train,
            y_train,
            X_val,
            y_val,
            loss_fn,
            epochs=epochs - done,
            batch_size=32,
            optimizer=optimizer,
            rng=rng,
            progress=False,
        )
        done = epochs
    val_loss = net.compute_loss(X_val, y_val, loss_fn)
    val_acc = net.accuracy(X_val, y_val)
    accuracies.append(val_acc)
    print(f"{epochs:>6}  {val_loss:>8.4f}  {val_acc:>7.3f}")
    plot_decision_boundary(
        net, X_train, y_train, ax=ax, resolution=150, title=f"after {epochs} epochs: accuracy {val_acc:.2f}"
    )
    if ax is not axes.flat[0]:
        ax.get_legend().remove()  # one legend is enough
for ax in axes[0]:
    ax.set_xlabel("")
for ax in axes[:, 1:].flat:
    ax.set_ylabel("")

# %%
# The panels show the training points; each title gives the accuracy on the validation points
# at that moment. At epoch 0 the randomly initialised network cuts the plane into regions with
# straight edges that ignore the data. After 5 epochs the plane is divided into three wedges
# that meet near the centre, where the arms begin; by epoch 20 the edges bend to follow the
# arms, and the later epochs mostly refine the boundary where points of different classes lie
# closest together, at the centre and between the arms.
assert accuracies[-1] > 0.9 and accuracies[-1] > accuracies[0] + 0.4
plt.show()
