"""Input checks shared by the modules of :mod:`nnbook`.

Every public function validates its arguments at the boundary and raises a
``ValueError`` or ``TypeError`` whose message names what was expected and what
came, so that bad input never turns into a silently wrong number.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "DEFAULT_SEED",
    "as_rng",
    "as_matrix",
    "check_positive_int",
    "check_positive_float",
    "check_fraction",
    "class_labels",
    "one_hot",
]

#: Seed used when a function that draws random numbers gets ``rng=None``.
DEFAULT_SEED = 0


def as_rng(rng) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``rng``.

    ``None`` gives a generator seeded with :data:`DEFAULT_SEED` (so results are
    reproducible by default), an integer seeds a new generator, and a
    generator is returned as it is.
    """
    if rng is None:
        return np.random.default_rng(DEFAULT_SEED)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        "rng must be a numpy.random.Generator, an int seed or None, "
        f"got {type(rng).__name__}"
    )


def as_matrix(x, name: str, *, n_columns: int | None = None, dtype=None) -> np.ndarray:
    """Return ``x`` as a finite 2-D float array, or raise a clear error.

    Parameters
    ----------
    x : array_like, shape (batch_size, n_columns)
    name : str
        How the argument is called in the error message.
    n_columns : int, optional
        Required number of columns.
    dtype : numpy dtype, optional
        Floating dtype to cast to; by default float64 unless ``x`` is float32.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a 2-D numeric array, got {type(x).__name__}")
    arr = np.asarray(x)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(f"{name} must be a 2-D numeric array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    expected = f"(batch_size, {n_columns})" if n_columns is not None else "(batch_size, n_features)"
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1:
            hint = " (a single sample x of shape (d,) is passed as x.reshape(1, -1))"
        raise ValueError(
            f"{name} must be a 2-D array of shape {expected}, got shape {arr.shape}{hint}"
        )
    if n_columns is not None and arr.shape[1] != n_columns:
        raise ValueError(
            f"{name} must have shape {expected}, got shape {arr.shape}: "
            f"expected {n_columns} columns, got {arr.shape[1]}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: shape {arr.shape}, expected at least one row")
    if dtype is None:
        dtype = np.float32 if arr.dtype == np.float32 else np.float64
    arr = arr.astype(dtype, copy=False)
    if not np.all(np.isfinite(arr)):
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {n_bad} NaN or infinite value(s); expected finite numbers")
    return arr


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an int, or raise if it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r} ({type(value).__name__})")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def check_positive_float(value, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number > 0.

    A NumPy float is returned unchanged (so ``np.float64`` hyper-parameters keep
    their exact value).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def check_fraction(value, name: str, *, low_inclusive: bool = True) -> float:
    """Return ``value`` if ``0 <= value < 1`` (or ``0 < value < 1``), else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r} ({type(value).__name__})")
    ok = (0 <= value < 1) if low_inclusive else (0 < value < 1)
    if not ok:
        interval = "[0, 1)" if low_inclusive else "(0, 1)"
        raise ValueError(f"{name} must lie in {interval}, got {value}")
    return value


def class_labels(y, name: str = "y", *, n_classes: int | None = None) -> np.ndarray:
    """Return integer class labels of shape (N,) from labels or one-hot rows.

    ``y`` may be integer labels of shape (N,) (floats with integral values are
    accepted) or one-hot / probability rows of shape (N, K), whose arg-max is taken.
    A single column (N, 1) holds binary labels 0/1.
    """
    arr = np.asarray(y)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold class labels, got dtype {arr.dtype}")
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 2:
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values; expected one-hot rows")
        if n_classes is not None and arr.shape[1] != n_classes:
            raise ValueError(
                f"{name} has {arr.shape[1]} columns, expected {n_classes} (one per class)"
            )
        return np.argmax(arr, axis=1)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be labels of shape (N,) or one-hot rows of shape (N, K), got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; expected integer class labels")
    if not np.issubdtype(arr.dtype, np.integer) and arr.dtype != bool:
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integer class labels, got non-integer values such as {arr[arr != np.round(arr)][0]}")
    labels = arr.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"{name} holds a negative class label ({labels.min()}); labels must lie in [0, n_classes)")
    if n_classes is not None and labels.size and labels.max() >= n_classes:
        raise ValueError(
            f"{name} holds class label {labels.max()}, out of range for {n_classes} classes: "
            f"labels must lie in [0, {n_classes - 1}]"
        )
    return labels


def one_hot(labels, n_classes: int | None = None, *, dtype=np.float64) -> np.ndarray:
    """Encode integer labels of shape (N,) as one-hot rows of shape (N, K)."""
    labels = class_labels(labels, "labels", n_classes=n_classes)
    if n_classes is None:
        n_classes = int(labels.max()) + 1 if labels.size else 0
    n_classes = check_positive_int(n_classes, "n_classes")
    out = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    out[np.arange(labels.shape[0]), labels] = 1
    return out
