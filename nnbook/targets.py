"""Target encoding: class labels, one-hot rows, and the targets a loss compares with.

The one place where labels are turned into what the losses and metrics use. Training
encodes its targets once, before the first epoch, with :func:`targets`; the public
loss methods call the same functions on every call.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive_int, check_target_rows

__all__ = ["class_labels", "one_hot", "targets"]


def _check_numeric(arr: np.ndarray, name: str, what: str) -> None:
    if arr.dtype.kind not in "biufc":  # bool, int, unsigned, float, complex
        raise TypeError(f"{name} must hold {what}, got dtype {arr.dtype}")


def class_labels(y, name: str = "y", *, n_classes: int | None = None) -> np.ndarray:
    """Return integer class labels of shape (N,) from labels or one-hot rows.

    Parameters
    ----------
    y : array_like
        Integer labels of shape (N,) (floats with integral values are accepted), or
        one-hot / probability rows of shape (N, K), whose arg-max is taken. A single
        column (N, 1) holds binary labels 0/1.
    name : str
        How the argument is called in error messages.
    n_classes : int, optional
        The number of classes K; labels must lie in ``[0, K)``.

    Returns
    -------
    ndarray of int64, shape (N,)

    Examples
    --------
    >>> class_labels([[0.0, 1.0], [1.0, 0.0]]).tolist()
    [1, 0]
    >>> class_labels([0, 3], n_classes=3)
    Traceback (most recent call last):
    ...
    ValueError: y holds class label 3, out of range for 3 classes: labels must lie in [0, 2]
    """
    arr = np.asarray(y)
    _check_numeric(arr, name, "class labels")
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 2:
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values; expected one-hot rows")
        if n_classes is not None and arr.shape[1] != n_classes:
            raise ValueError(f"{name} has {arr.shape[1]} columns, expected {n_classes} (one per class)")
        return np.argmax(arr, axis=1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be labels of shape (N,) or one-hot rows of shape (N, K), got shape {arr.shape}")
    if arr.dtype.kind not in "biu":  # not already integers
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values; expected integer class labels")
        if not np.all(arr == np.round(arr)):
            bad = arr[arr != np.round(arr)][0]
            raise ValueError(f"{name} must hold integer class labels, got non-integer values such as {bad}")
    labels = arr.astype(np.int64, copy=False)
    if labels.size:
        low, high = np.minimum.reduce(labels), np.maximum.reduce(labels)
        if low < 0:
            raise ValueError(f"{name} holds a negative class label ({low}); labels must lie in [0, n_classes)")
        if n_classes is not None and high >= n_classes:
            raise ValueError(
                f"{name} holds class label {high}, out of range for {n_classes} classes: "
                f"labels must lie in [0, {n_classes - 1}]"
            )
    return labels


def one_hot(labels, n_classes: int | None = None, *, dtype=np.float64) -> np.ndarray:
    """Encode integer labels of shape (N,) as one-hot rows of shape (N, K).

    Parameters
    ----------
    labels : array_like
        Class labels, see :func:`class_labels`.
    n_classes : int, optional
        K; by default the largest label plus one.
    dtype : numpy dtype
        Of the result.

    Returns
    -------
    ndarray, shape (N, K)

    Examples
    --------
    >>> one_hot([0, 2, 1]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    >>> one_hot([3], n_classes=3)
    Traceback (most recent call last):
    ...
    ValueError: labels holds class label 3, out of range for 3 classes: labels must lie in [0, 2]
    """
    labels = class_labels(labels, "labels", n_classes=n_classes)
    if n_classes is None:
        n_classes = int(labels.max()) + 1 if labels.size else 0
    return _encode(labels, check_positive_int(n_classes, "n_classes"), dtype)


def _encode(labels: np.ndarray, n_classes: int, dtype) -> np.ndarray:
    return (labels[:, None] == np.arange(n_classes)).astype(dtype)  # row n: 1 in column labels[n]


def targets(y_true, n_rows: int, n_outputs: int, dtype=np.float64) -> np.ndarray:
    """Return ``y_true`` as an (N, K) array of target probabilities for a classifier.

    Labels become one-hot rows; with one output (binary), labels or probabilities of
    class 1 become a column of shape (N, 1).

    Parameters
    ----------
    y_true : array_like
        Labels of shape (N,), one-hot (or soft) rows of shape (N, K), or for one output
        labels 0/1 (or probabilities) of shape (N,) or (N, 1).
    n_rows : int
        N, the number of samples.
    n_outputs : int
        K, the number of outputs of the network (1 for a binary classifier).
    dtype : numpy dtype
        Of the result.

    Returns
    -------
    ndarray, shape (N, K)

    Raises
    ------
    ValueError
        For a wrong length, labels out of range, or rows that are not probability
        distributions.

    Examples
    --------
    >>> targets([2, 0], 2, 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    >>> targets([1, 0], 2, 1).tolist()
    [[1.0], [0.0]]
    """
    arr = np.asarray(y_true)
    _check_numeric(arr, "y_true", "labels or probabilities")
    arr = check_target_rows(arr, n_rows)
    if n_outputs == 1:  # binary: labels or probabilities of class 1, as a column
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.shape[1:] != (1,):
            raise ValueError(
                f"binary cross-entropy (one output) needs y_true of shape ({n_rows},) or ({n_rows}, 1), got {arr.shape}"
            )
        arr = arr.astype(dtype)
        if not np.all((arr >= 0) & (arr <= 1)):  # also False for NaN
            raise ValueError("binary cross-entropy needs y_true in [0, 1] (labels 0/1), got values outside")
        return arr
    if arr.ndim == 1:
        if arr.dtype.kind in "iu":  # integer labels: each row of the encoding holds one 1 iff its label is in range
            Y = _encode(arr, n_outputs, dtype)
            if np.add.reduce(Y, axis=None) == n_rows:
                return Y
        return _encode(class_labels(arr, "y_true", n_classes=n_outputs), n_outputs, dtype)  # checks, messages
    if arr.ndim != 2 or arr.shape[1] != n_outputs:
        raise ValueError(
            f"y_true must be labels of shape ({n_rows},) or one-hot rows of shape "
            f"({n_rows}, {n_outputs}), got {arr.shape}"
        )
    arr = arr.astype(dtype, copy=False)
    # one pass for the common case: every row sums to 1 (False for NaN/inf) and nothing is negative
    if np.maximum.reduce(np.abs(np.add.reduce(arr, axis=1) - 1)) <= 1e-6 and np.minimum.reduce(arr, axis=None) >= 0:
        return arr
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("one-hot y_true rows must be finite and non-negative, got negative or NaN/inf entries")
    sums = arr.sum(axis=1)
    bad = int(np.flatnonzero(np.abs(sums - 1) > 1e-6)[0])
    raise ValueError(f"one-hot y_true rows must sum to 1, row {bad} sums to {sums[bad]:g}")
