"""The training loop: shuffled mini-batches, epoch by epoch, with a history of the metrics.

:func:`train_network` validates and encodes its data once, before the first epoch, and then
runs three pieces: :func:`minibatches` (one epoch's shuffled batches), the network's
``batch_step`` on each batch, and :func:`evaluate` (one pass over the validation set, giving
its loss and accuracy); :class:`EarlyStopping` decides when to stop.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator

import numpy as np

from ._checks import as_rng, check_positive_int
from .losses import CrossEntropyLoss, Loss
from .network import CheckedBatch, NeuralNetwork
from .optimizers import Optimizer
from .targets import class_labels

__all__ = ["TrainingDiverged", "train_network", "minibatches", "evaluate", "EarlyStopping"]


class TrainingDiverged(FloatingPointError):
    """Raised when the training loss becomes NaN or infinite.

    Attributes
    ----------
    history : dict
        The history of the epochs completed before the divergence.
    epoch, batch : int
        Where the non-finite loss appeared (0-based).

    Parameters
    ----------
    message : str
        What became non-finite, and where.
    history : dict
        See the attribute.
    epoch, batch : int
        See the attributes.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import MSELoss
    >>> X, y = np.ones((8, 1)) * 1e3, np.zeros((8, 1))      # far too large a step for these inputs
    >>> try:
    ...     train_network(NeuralNetwork([1, 1], learning_rate=1.0), X, y, X, y, MSELoss(), epochs=50)
    ... except TrainingDiverged as err:
    ...     print(err.epoch, len(err.history["train_loss"]), f"{err.history['train_loss'][1]:.0e}")
    23 23 9e+17
    """

    def __init__(self, message: str, history: dict, epoch: int, batch: int) -> None:
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


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Yield the index arrays of one epoch's mini-batches.

    A permutation of ``range(n)`` drawn from ``rng``, cut into slices of ``batch_size``
    (the last one shorter when ``batch_size`` does not divide ``n``).

    Parameters
    ----------
    n : int
        The number of training samples.
    batch_size : int
        Samples per batch.
    rng : numpy.random.Generator
        Draws the permutation.

    Yields
    ------
    ndarray of int
        The indices of one batch.

    Examples
    --------
    >>> import numpy as np
    >>> [len(idx) for idx in minibatches(10, 4, np.random.default_rng(0))]
    [4, 4, 2]
    """
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def evaluate(
    network: NeuralNetwork, batch: CheckedBatch, labels: np.ndarray | None, loss_fn: Loss
) -> tuple[float, float]:
    """Loss and accuracy of ``network`` on checked data, from one forward pass at inference.

    Parameters
    ----------
    network : NeuralNetwork
        The network.
    batch : CheckedBatch
        Inputs and targets as :meth:`~nnbook.network.NeuralNetwork.check_data` returns them.
    labels : ndarray of int, shape (N,), or None
        The class of each sample; ``None`` (not a classifier) gives an accuracy of NaN.
    loss_fn : Loss
        The loss.

    Returns
    -------
    loss, accuracy : float
        The accuracy uses :meth:`~nnbook.network.NeuralNetwork.classes_from_output`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnbook import CrossEntropyLoss
    >>> net, loss = NeuralNetwork([2, 2], ["softmax"]), CrossEntropyLoss()
    >>> batch = net.check_data(np.zeros((4, 2)), [0, 1, 1, 0], loss)
    >>> evaluate(net, batch, np.array([0, 1, 1, 0]), loss)          # all outputs equal: log 2, and class 0
    (0.6931471805599453, 0.5)
    """
    loss = network.batch_loss(batch, loss_fn)
    if labels is None:
        return loss, float("nan")
    return loss, float(np.mean(network.classes_from_output(network.output) == labels))


class EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` epochs; keep the best weights.

    Keras' ``EarlyStopping(patience=..., restore_best_weights=True)`` on ``val_loss``.

    Parameters
    ----------
    patience : int
        Epochs without improvement before stopping.

    Attributes
    ----------
    best_epoch : int or None
        The (0-based) epoch with the lowest validation loss so far.

    Examples
    --------
    >>> from nnbook import NeuralNetwork
    >>> net, stop = NeuralNetwork([1, 1]), EarlyStopping(patience=2)
    >>> [stop.should_stop(net, epoch, loss) for epoch, loss in enumerate([1.0, 0.5, 0.7, 0.6])]
    [False, False, False, True]
    >>> stop.best_epoch
    1
    """

    def __init__(self, patience: int) -> None:
        self.patience = check_positive_int(patience, "patience")
        self.best_loss = math.inf
        self.best_epoch: int | None = None
        self.best_state: dict | None = None

    def should_stop(self, network: NeuralNetwork, epoch: int, val_loss: float) -> bool:
        """Record epoch ``epoch`` (its weights if it is the best so far); True when training should stop.

        Parameters
        ----------
        network : NeuralNetwork
            The network, after the epoch.
        epoch : int
            The epoch, 0-based.
        val_loss : float
            Its validation loss, finite.

        Returns
        -------
        bool
            True when ``patience`` epochs have passed without improvement.
        """
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch = val_loss, epoch
            self.best_state = network.get_state()
            return False
        return epoch - self.best_epoch >= self.patience

    def restore(self, network: NeuralNetwork) -> None:
        """Put the weights of the best epoch back into ``network``.

        Parameters
        ----------
        network : NeuralNetwork
            The network.
        """
        network.set_state(self.best_state)


def _same_length(x_name: str, X, y_name: str, y) -> None:
    n_x = np.shape(X)[0] if np.ndim(X) >= 1 else None
    n_y = np.shape(y)[0] if np.ndim(y) >= 1 else None
    if n_x is None or n_x != n_y:
        raise ValueError(
            f"{x_name} and {y_name} must have the same number of samples, got {x_name} of shape "
            f"{np.shape(X)} and {y_name} of shape {np.shape(y)}"
        )


def train_network(
    network: NeuralNetwork,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    loss_fn: Loss,
    epochs: int = 100,
    batch_size: int = 32,
    optimizer: Optimizer | None = None,
    rng: np.random.Generator | int | None = None,
    verbose: bool = False,
    progress: bool | None = None,
    patience: int | None = None,
) -> dict:
    """Train ``network`` with mini-batches; return the history of losses and accuracies.

    The steps run in training mode (batch statistics, dropout masks), the evaluations
    of the validation set in inference mode. Each epoch shuffles the training set with
    ``rng``, splits it into batches of ``batch_size`` (the last one smaller, see :func:`minibatches`) and
    takes one step on each. The data are checked and encoded once, before the first epoch
    (:meth:`~nnbook.network.NeuralNetwork.check_data`), and each batch of the result goes to
    :meth:`~nnbook.network.NeuralNetwork.batch_step`, the step without the checks.

    Parameters
    ----------
    network : NeuralNetwork
        The network, trained in place.
    X_train : ndarray, shape (N, n_inputs)
        Training inputs.
    y_train : ndarray, shape (N,) labels or (N, K) targets
        Training targets.
    X_val, y_val : ndarray
        Validation data, evaluated after every epoch.
    loss_fn : Loss
        The loss.
    epochs : int
        Number of epochs.
    batch_size : int
        Samples per batch.
    optimizer : Optimizer or None
        ``None``: plain gradient descent with ``network.learning_rate``.
    rng : numpy.random.Generator, int or None
        Drives the shuffling. None uses seed 0, so repeated calls draw the same numbers;
        pass a Generator to vary them.
    verbose : bool
        Print a line every 10 epochs and at the last one.
    progress : bool or None
        Show a tqdm progress bar over the epochs. ``None``: only for runs of
        50 epochs or more when standard error is a terminal.
    patience : int or None
        Early stopping: stop when the validation loss has not improved for
        ``patience`` epochs in a row, and restore the weights of the epoch with the
        lowest validation loss (:class:`EarlyStopping`). ``None`` trains for all ``epochs``.

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
        When a batch loss or the validation loss is NaN or infinite; its ``history``
        attribute holds the epochs completed before.

    Examples
    --------
    >>> from nnbook import CrossEntropyLoss, generate_xor_data, train_val_split
    >>> X, _, y = generate_xor_data(200, rng=0)
    >>> X_train, X_val, y_train, y_val = train_val_split(X, y, rng=0)
    >>> net = NeuralNetwork([2, 8, 2], ["relu", "softmax"], learning_rate=0.1, rng=0)
    >>> history = train_network(net, X_train, y_train, X_val, y_val, CrossEntropyLoss(), epochs=100)
    >>> history["val_acc"][-1] > 0.9
    True
    """
    _same_length("X_train", X_train, "y_train", y_train)
    _same_length("X_val", X_val, "y_val", y_val)
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    stopper = EarlyStopping(patience) if patience is not None else None
    rng = as_rng(rng)
    # check and encode everything once, up front, so a bad label fails before any training
    train, val = network.check_data(X_train, y_train, loss_fn), network.check_data(X_val, y_val, loss_fn)
    n = train.X.shape[0]
    if network.batch_norms and (n == 1 or (n % batch_size == 1 and n > batch_size) or batch_size == 1):
        raise ValueError(
            f"batch normalisation in training needs batches of at least 2 samples, but {n} samples in batches of "
            f"{batch_size} give a batch of 1: choose another batch_size"
        )

    classify = isinstance(loss_fn, CrossEntropyLoss)
    train_labels = val_labels = None
    if classify:
        n_classes = max(2, network.layer_sizes[-1])
        train_labels = class_labels(y_train, "y_train", n_classes=n_classes)
        val_labels = class_labels(y_val, "y_val", n_classes=n_classes)

    history = {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
    if progress is None:
        progress = epochs >= 50 and sys.stderr.isatty()
    epoch_iter = range(epochs)
    if progress:
        from tqdm import tqdm  # text bar everywhere: tqdm.auto would need ipywidgets in Jupyter

        epoch_iter = tqdm(epoch_iter, desc="epochs", unit="epoch")

    # a non-finite loss is reported as TrainingDiverged, never as a NumPy RuntimeWarning
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in epoch_iter:
            total_loss, correct = 0.0, 0
            for batch, idx in enumerate(minibatches(n, batch_size, rng)):
                try:
                    loss = network.batch_step(train.take(idx), loss_fn, optimizer)
                except FloatingPointError as err:
                    raise _diverged(f"a floating-point error ({err})", history, epoch, batch) from err
                if not math.isfinite(loss):
                    raise _diverged(f"the loss became {loss}", history, epoch, batch)
                total_loss += loss * len(idx)
                if classify:
                    correct += int(np.count_nonzero(network.classes_from_output(network.output) == train_labels[idx]))
            try:
                val_loss, val_acc = evaluate(network, val, val_labels, loss_fn)
            except FloatingPointError as err:
                raise _diverged(f"the validation output stopped being finite ({err})", history, epoch, batch) from err
            if not math.isfinite(val_loss):
                raise _diverged(f"the validation loss became {val_loss}", history, epoch, batch)
            history["train_loss"].append(total_loss / n)
            history["val_loss"].append(val_loss)
            history["train_acc"].append(correct / n if classify else float("nan"))
            history["val_acc"].append(val_acc)
            if progress:
                epoch_iter.set_postfix(loss=f"{history['train_loss'][-1]:.4f}", val_loss=f"{val_loss:.4f}")
            if verbose and (epoch % 10 == 0 or epoch == epochs - 1):
                print(
                    f"Epoch {epoch:3d}/{epochs}: train loss = {history['train_loss'][-1]:.4f}, "
                    f"val loss = {history['val_loss'][-1]:.4f}, train acc = {history['train_acc'][-1]:.4f}, "
                    f"val acc = {history['val_acc'][-1]:.4f}"
                )
            if stopper is not None and stopper.should_stop(network, epoch, val_loss):
                break
    if progress:
        epoch_iter.close()
    if stopper is not None:
        stopper.restore(network)
        history["best_epoch"] = stopper.best_epoch
    return history
