"""The training loop: shuffled mini-batches, epoch by epoch, with a history of the metrics."""

from __future__ import annotations

import sys

import numpy as np

from ._checks import as_rng, check_positive_int, class_labels
from .losses import CrossEntropyLoss

__all__ = ["TrainingDiverged", "train_network"]


class TrainingDiverged(FloatingPointError):
    """Raised when the training loss becomes NaN or infinite.

    Attributes
    ----------
    history : dict
        The history of the epochs completed before the divergence.
    epoch, batch : int
        Where the non-finite loss appeared (0-based).
    """

    def __init__(self, message: str, history: dict, epoch: int, batch: int):
        super().__init__(message)
        self.history = history
        self.epoch = epoch
        self.batch = batch


def _diverged(what: str, history: dict, epoch: int, batch: int) -> TrainingDiverged:
    return TrainingDiverged(
        f"training diverged: {what} at epoch {epoch}, batch {batch}; lower the learning rate "
        "(the history of the completed epochs is in .history)",
        history,
        epoch,
        batch,
    )


def train_network(
    network,
    X_train,
    y_train,
    X_val,
    y_val,
    loss_fn,
    epochs: int = 100,
    batch_size: int = 32,
    optimizer=None,
    rng=None,
    verbose: bool = False,
    progress: bool | None = None,
    patience: int | None = None,
) -> dict:
    """Train ``network`` with mini-batches; return the history of losses and accuracies.

    Each epoch shuffles the training set with ``rng``, splits it into batches of
    ``batch_size`` (the last one smaller) and calls
    ``network.train_step(X_batch, y_batch, loss_fn, optimizer)`` on each.

    Parameters
    ----------
    network : NeuralNetwork
    X_train : ndarray, shape (N, n_inputs)
    y_train : ndarray, shape (N,) labels or (N, K) targets
    X_val, y_val : ndarray
        Validation data, evaluated after every epoch.
    loss_fn : Loss
    epochs : int
    batch_size : int
    optimizer : Optimizer or None
        ``None``: plain gradient descent with ``network.learning_rate``.
    rng : numpy.random.Generator, int or None
        Drives the shuffling (``None``: seeded with 0).
    verbose : bool
        Print a line every 10 epochs and at the last one.
    progress : bool or None
        Show a tqdm progress bar over the epochs. ``None``: only for runs of
        50 epochs or more when standard error is a terminal.

    patience : int or None
        Early stopping: stop when the validation loss has not improved for
        ``patience`` epochs in a row, and restore the weights of the epoch with the
        lowest validation loss (Keras' ``EarlyStopping(patience=...,
        restore_best_weights=True)``). ``None`` trains for all ``epochs``.

    Returns
    -------
    dict
        ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc``: one float per epoch.
        As in Keras' ``fit``, ``train_loss`` and ``train_acc`` are averaged over the
        epoch's batches as they were seen (weighted by batch size), and the
        validation metrics are computed after the epoch. Accuracies are only
        defined for :class:`~nnbook.losses.CrossEntropyLoss`; for other losses
        they are NaN. With early stopping the lists stop at the last epoch run,
        and ``history["best_epoch"]`` is the (0-based) epoch whose weights were kept.

    Raises
    ------
    TrainingDiverged
        When a batch loss is NaN or infinite; its ``history`` attribute holds
        the epochs completed before.
    """
    X_train = np.asarray(X_train)
    X_val = np.asarray(X_val)
    for x_name, X, y_name, y in (("X_train", X_train, "y_train", y_train), ("X_val", X_val, "y_val", y_val)):
        n_x = X.shape[0] if X.ndim >= 1 else None
        n_y = np.shape(y)[0] if np.ndim(y) >= 1 else None
        if n_x is None or n_x != n_y:
            raise ValueError(
                f"{x_name} and {y_name} must have the same number of samples, got {x_name} of shape "
                f"{X.shape} and {y_name} of shape {np.shape(y)}"
            )
    epochs = check_positive_int(epochs, "epochs")
    if patience is not None:
        patience = check_positive_int(patience, "patience")
    batch_size = check_positive_int(batch_size, "batch_size")
    rng = as_rng(rng)
    y_train = np.asarray(y_train)
    n = X_train.shape[0]
    # validate everything once, up front, so a bad label fails before any training
    network.compute_loss(X_train, y_train, loss_fn)
    network.compute_loss(X_val, y_val, loss_fn)

    classify = isinstance(loss_fn, CrossEntropyLoss)
    if classify:
        n_classes = max(2, network.layer_sizes[-1])
        train_labels = class_labels(y_train, "y_train", n_classes=n_classes)

    history = {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
    if progress is None:
        progress = epochs >= 50 and sys.stderr.isatty()
    epoch_iter = range(epochs)
    if progress:
        from tqdm import tqdm  # text bar everywhere: tqdm.auto would need ipywidgets in Jupyter

        epoch_iter = tqdm(epoch_iter, desc="epochs", unit="epoch")

    best_loss, best_params, best_epoch = np.inf, None, None
    for epoch in epoch_iter:
        order = rng.permutation(n)
        total_loss, correct = 0.0, 0
        for batch, start in enumerate(range(0, n, batch_size)):
            idx = order[start : start + batch_size]
            try:
                with np.errstate(over="ignore", invalid="ignore"):
                    loss = network.train_step(X_train[idx], y_train[idx], loss_fn, optimizer)
            except FloatingPointError as err:  # the network's output overflowed first
                raise _diverged(f"the network's output stopped being finite ({err})", history, epoch, batch) from err
            if not np.isfinite(loss):
                raise _diverged(f"the loss became {loss}", history, epoch, batch)
            total_loss += loss * len(idx)
            if classify:
                correct += int(np.sum(network.classes_from_output(network.output) == train_labels[idx]))
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                val_loss = network.compute_loss(X_val, y_val, loss_fn)
        except FloatingPointError as err:  # the last update overflowed the weights
            raise _diverged(f"the validation output stopped being finite ({err})", history, epoch, batch) from err
        history["train_loss"].append(total_loss / n)
        history["val_loss"].append(float(val_loss))
        history["train_acc"].append(correct / n if classify else float("nan"))
        history["val_acc"].append(network.accuracy(X_val, y_val) if classify else float("nan"))
        if progress:
            epoch_iter.set_postfix(loss=f"{history['train_loss'][-1]:.4f}", val_loss=f"{val_loss:.4f}")
        if verbose and (epoch % 10 == 0 or epoch == epochs - 1):
            print(
                f"Epoch {epoch:3d}/{epochs}: train loss = {history['train_loss'][-1]:.4f}, "
                f"val loss = {history['val_loss'][-1]:.4f}, train acc = {history['train_acc'][-1]:.4f}, "
                f"val acc = {history['val_acc'][-1]:.4f}"
            )
        if patience is not None:
            if val_loss < best_loss:
                best_loss, best_epoch = val_loss, epoch
                best_params = [p.copy() for _, p in network.parameters()]
            elif epoch - best_epoch >= patience:
                break
    if progress:
        epoch_iter.close()
    if patience is not None and best_params is not None:
        for (_, p), best in zip(network.parameters(), best_params):
            p[...] = best
        history["best_epoch"] = best_epoch
    return history
