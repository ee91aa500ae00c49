"""
Sweeping the learning rate: SGD and Adam
========================================

The learning rate is often the hyper-parameter that matters most. This script trains the same
small network on XOR with plain stochastic gradient descent and with Adam, at eleven learning rates
spread evenly on a logarithmic scale from 0.001 to 100, and plots the final loss and accuracy
against the rate, then the loss curves of a few runs, diverged ones included.

A run whose loss overflows stops with :class:`~nnbook.training.TrainingDiverged`; the script
catches the exception and keeps the run in the figures instead of leaving it out. The
stability limit of gradient descent is derived in :ref:`part-c-gradient-descent`, Adam in
:ref:`part-c-momentum-and-adam`.
"""

# %%
# The problem
# -----------
# XOR, 300 training and 100 validation points. The network is ``2-16-2`` with tanh hidden
# units and two linear outputs, trained with the mean squared error against the one-hot
# targets. For this loss, with the hidden layer fixed, the loss is a quadratic function of the
# output layer's weights, and gradient descent on a quadratic has a sharp stability limit:
# above it, each step overshoots the minimum by more than the last, and the loss grows
# geometrically until it overflows.
import numpy as np

from nnbook.datasets import generate_xor_data, train_val_split
from nnbook.losses import MSELoss
from nnbook.network import NeuralNetwork
from nnbook.optimizers import SGD, Adam
from nnbook.training import TrainingDiverged, train_network

rng = np.random.default_rng(0)
X, y_onehot, y = generate_xor_data(400, rng=rng)
X_train, X_val, y_train, y_val = train_val_split(X, y_onehot, 0.25, rng=rng)

# %%
# The sweep
# ---------
# Every run starts from the same initial weights and sees the mini-batches in the same order
# (a generator seeded with 1 for each run), so the learning rate and the optimizer are the only
# differences. 100 epochs, batches of 32. A run that diverges keeps the history of the epochs
# it completed, which :class:`~nnbook.training.TrainingDiverged` carries.
learning_rates = np.logspace(-3, 2, 11)
optimizers = {"SGD": SGD, "Adam": Adam}


def new_network():
    """The network every run starts from: the same initial weights."""
    init_rng = np.random.default_rng(1)
    return NeuralNetwork([2, 16, 2], ["tanh", "linear"], rng=init_rng)


runs = {}  # (optimizer name, learning rate) -> what happened
for opt_name, make_optimizer in optimizers.items():
    for lr in learning_rates:
        net = new_network()
        try:
            history = train_network(
                net,
                X_train,
                y_train,
                X_val,
                y_val,
                MSELoss(),
                epochs=100,
                batch_size=32,
                optimizer=make_optimizer(lr),
                rng=np.random.default_rng(1),
                progress=False,
            )
        except TrainingDiverged as error:
            runs[opt_name, lr] = dict(diverged=True, epoch=error.epoch, history=error.history)
        else:
            runs[opt_name, lr] = dict(
                diverged=False, history=history, loss=history["train_loss"][-1], val_acc=net.accuracy(X_val, y_val)
            )


def rates(opt_name, diverged):
    """The learning rates at which opt_name diverged (or did not)."""
    return [lr for lr in learning_rates if runs[opt_name, lr]["diverged"] == diverged]


initial_loss = new_network().compute_loss(X_train, y_train, MSELoss())
print(f"training loss of the untrained network: {initial_loss:.4f}")
print(f"{'learning rate':>13}  {'SGD':>26}  {'Adam':>26}")
for lr in learning_rates:
    cells = []
    for opt_name in optimizers:
        run = runs[opt_name, lr]
        if run["diverged"]:
            cells.append(f"diverged in epoch {run['epoch'] + 1}")
        else:
            cells.append(f"loss {run['loss']:.4f}, acc {run['val_acc']:.2f}")
    print(f"{lr:>13.4g}  {cells[0]:>26}  {cells[1]:>26}")

# %%
# Final loss and accuracy against the learning rate
# -------------------------------------------------
# Crosses on the top edge of each panel mark runs that diverged: they have no final loss. The
# dotted lines are the loss of the untrained network and the accuracy of guessing.
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from nnbook.plotting import COLORS

fig_sweep, (ax_loss, ax_acc) = plt.subplots(
    1, 2, figsize=(11, 4.3), sharex=True, facecolor="white", layout="constrained"
)
styles = {"SGD": (COLORS[0], "o"), "Adam": (COLORS[1], "s")}
for opt_name, (color, marker) in styles.items():
    done = rates(opt_name, diverged=False)
    style = dict(marker=marker, color=color, lw=1.8, label=opt_name)
    ax_loss.plot(done, [runs[opt_name, lr]["loss"] for lr in done], **style)
    ax_acc.plot(done, [runs[opt_name, lr]["val_acc"] for lr in done], **style)
ax_loss.axhline(initial_loss, color="0.5", ls=":", lw=1.2)
ax_loss.text(100, initial_loss * 1.15, "untrained network", color="0.4", ha="right")
ax_loss.set_xscale("log")
ax_loss.set_yscale("log")
ax_loss.set_ylim(top=10 * max(ax_loss.get_ylim()[1], initial_loss))
ax_loss.set_ylabel("training loss after 100 epochs (MSE)")
ax_loss.set_title("Final training loss")
ax_acc.axhline(0.5, color="0.5", ls=":", lw=1.2)
ax_acc.text(1e-3, 0.51, "chance", color="0.4", va="bottom")
ax_acc.set_ylim(0.3, 1.0)
ax_acc.set_ylabel("validation accuracy after 100 epochs")
ax_acc.set_title("Final validation accuracy")

crosses = Line2D([], [], ls="", marker="x", color="0.3", ms=9, mew=2.5, label="diverged")
for ax, legend_place in [(ax_loss, "upper left"), (ax_acc, "lower left")]:
    for opt_name, (color, _) in styles.items():
        diverged = rates(opt_name, diverged=True)
        top = np.full(len(diverged), ax.get_ylim()[1])
        if diverged:
            ax.plot(diverged, top, "x", color=color, ms=10, mew=2.5, clip_on=False)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=[*handles, crosses], loc=legend_place, fontsize="small")
    ax.set_xlabel(r"learning rate $\eta$")
    ax.grid(True, alpha=0.3)

# %%
# Three regimes appear. At the smallest rates SGD's steps are too small to get far in 100
# epochs; Adam, whose step size is set by the learning rate rather than by the size of the
# gradient, gets much further at the same rates. In the middle both optimizers reach a low
# loss. At the largest rates SGD diverges. Adam never overflows, because each of its steps
# moves a weight by at most about the learning rate, but it does not learn either: at the
# rates where SGD diverged, its final loss is above that of the untrained network.
sgd_diverged = rates("SGD", diverged=True)
assert len(sgd_diverged) >= 2
assert sgd_diverged == list(learning_rates[-len(sgd_diverged) :])
assert not rates("Adam", diverged=True)
assert all(runs["Adam", lr]["loss"] > initial_loss for lr in sgd_diverged)
for lr in learning_rates[:3]:
    assert runs["SGD", lr]["loss"] > 1.5 * runs["Adam", lr]["loss"]

# %%
# Loss curves
# -----------
# The training loss per epoch for a few rates of each optimizer. In the left two panels: a
# rate that is too small, the best of the sweep, and the largest that does not diverge (SGD)
# or a too large one (Adam). The right panel is SGD at the smallest rate that diverged, with
# the logarithm of the loss on the vertical axis: a straight line, the loss multiplied by
# about the same factor every epoch, until it exceeds the largest float64 number. The cross
# marks the epoch in which :class:`~nnbook.training.TrainingDiverged` was raised.
fig_curves, axes = plt.subplots(1, 3, figsize=(12, 4.3), facecolor="white", layout="constrained")


def best_rate(opt_name):
    """The rate with the lowest final loss among the runs that finished."""
    return min(rates(opt_name, diverged=False), key=lambda lr: runs[opt_name, lr]["loss"])


shown = {
    "SGD": [learning_rates[1], best_rate("SGD"), max(rates("SGD", diverged=False))],
    "Adam": [learning_rates[0], best_rate("Adam"), sgd_diverged[0]],
}
for ax, (opt_name, lrs) in zip(axes, shown.items()):
    for color, lr in zip([COLORS[4], COLORS[2], COLORS[5]], lrs):
        losses = runs[opt_name, lr]["history"]["train_loss"]
        epochs = np.arange(1, len(losses) + 1)
        ax.plot(epochs, losses, color=color, lw=2, label=rf"$\eta$ = {lr:.3g}")
    ax.set_yscale("log")
    ax.set_ylabel("training loss (MSE)")
    ax.set_title(f"{opt_name}: training loss per epoch")
    ax.legend(fontsize="small")

run = runs["SGD", sgd_diverged[0]]
log_losses = np.log10(run["history"]["train_loss"])
log_max = np.log10(np.finfo(np.float64).max)
ax = axes[2]
ax.plot(
    np.arange(1, len(log_losses) + 1),
    log_losses,
    "o-",
    color=COLORS[5],
    lw=2,
    ms=4,
    label=rf"$\eta$ = {sgd_diverged[0]:.3g}",
)
ax.plot(run["epoch"] + 1, log_max, "x", color=COLORS[5], ms=11, mew=2.5, label="overflow: TrainingDiverged")
ax.axhline(log_max, color="0.5", ls=":", lw=1.2)
ax.text(0.5, log_max - 4, "largest float64", color="0.4", va="top")
ax.set_ylim(-5, 330)
ax.set_xlim(0, run["epoch"] + 2)
ax.set_ylabel(r"$\log_{10}$ of the training loss")
ax.set_title(f"SGD, diverged in epoch {run['epoch'] + 1}")
ax.legend(loc="lower right", fontsize="small")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.grid(True, alpha=0.3)

# %%
# Run as a script, this file prints the table of runs and shows both figures.
plt.show()
