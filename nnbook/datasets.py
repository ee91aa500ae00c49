"""Data: synthetic problems (XOR, spirals), splitting, scaling, and
scikit-learn's bundled breast-cancer and digits data ready for a network.
One-hot encoding is :func:`nnbook.targets.one_hot`.

Every function that draws random numbers takes ``rng`` (a
``numpy.random.Generator``, an int seed, or ``None`` for seed 0); nothing
touches NumPy's global random state. Nothing is downloaded: scikit-learn ships
both real data sets inside the package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_matrix, as_rng, check_fraction, check_nonnegative, check_positive_int
from .targets import class_labels, one_hot  # one_hot stays importable from here, as chapters did

__all__ = [
    "generate_xor_data",
    "generate_spiral_data",
    "train_val_split",
    "standardize",
    "DataSplit",
    "load_breast_cancer",
    "load_digits",
]


def generate_xor_data(
    n_samples: int = 200, *, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The XOR problem: label 1 where the two coordinates have the same sign.

    Points are standard normal in the plane; the classes are the quadrant
    pairs {x1 x2 > 0} and {x1 x2 <= 0}, which no straight line separates.

    Returns
    -------
    X : ndarray, shape (n_samples, 2)
    y_onehot : ndarray, shape (n_samples, 2)
    y : ndarray of int, shape (n_samples,)

    Parameters
    ----------
    n_samples : int
        The number of points.
    rng : numpy.random.Generator, int or None
        The source of the points. None uses seed 0, so repeated calls draw the same numbers;
        pass a Generator to vary them.

    Examples
    --------
    >>> X, Y, y = generate_xor_data(4, rng=0)
    >>> X.shape, Y.shape, y.shape
    ((4, 2), (4, 2), (4,))
    >>> bool(np.all(y == (X[:, 0] * X[:, 1] > 0)))
    True
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    rng = as_rng(rng)
    X = rng.standard_normal((n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return X, one_hot(y, 2), y


def generate_spiral_data(
    n_samples: int = 100, n_classes: int = 3, *, noise: float = 0.2, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interleaved spirals, ``n_samples`` points per class (CS231n's classic data).

    Class ``k`` has radius growing linearly from 0 to 1 and angle from ``4k``
    to ``4(k + 1)`` radians plus Gaussian noise of standard deviation ``noise``.

    Returns
    -------
    X : ndarray, shape (n_samples * n_classes, 2)
    y_onehot : ndarray, shape (n_samples * n_classes, n_classes)
    y : ndarray of int, shape (n_samples * n_classes,)
        Sorted by class: split with :func:`train_val_split`, never by slicing.

    Parameters
    ----------
    n_samples : int
        Points per class.
    n_classes : int
        The number of spiral arms.
    noise : float
        Standard deviation of the angle's noise, >= 0.
    rng : numpy.random.Generator, int or None
        The source of the noise. None uses seed 0, so repeated calls draw the same numbers;
        pass a Generator to vary them.

    Examples
    --------
    >>> X, Y, y = generate_spiral_data(5, 3, rng=0)
    >>> X.shape, Y.shape, y.tolist()
    ((15, 2), (15, 3), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    >>> float(np.abs(X).max()) <= 1.0  # radii from 0 to 1
    True
    >>> bool(np.array_equal(generate_spiral_data(5, 3)[0], generate_spiral_data(5, 3)[0]))  # rng=None: seed 0
    True
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    n_classes = check_positive_int(n_classes, "n_classes")
    noise = check_nonnegative(noise, "noise")
    rng = as_rng(rng)
    X = np.zeros((n_samples * n_classes, 2))
    y = np.zeros(n_samples * n_classes, dtype=np.int64)
    for k in range(n_classes):
        ix = slice(n_samples * k, n_samples * (k + 1))
        r = np.linspace(0.0, 1.0, n_samples)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), n_samples) + rng.standard_normal(n_samples) * noise
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = k
    return X, one_hot(y, n_classes), y


def train_val_split(
    X: np.ndarray,
    y: np.ndarray,
    val_fraction: float = 0.2,
    *,
    rng: np.random.Generator | int | None = None,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into training and validation sets.

    With ``stratify=True`` (the default) every class keeps its proportion in
    both parts: each class contributes ``round(val_fraction * n_class)`` samples
    to validation (at least one, and never all, when it has two or more).

    Parameters
    ----------
    X : ndarray, shape (N, ...)
    y : ndarray, shape (N,) labels or (N, K) one-hot
    val_fraction : float in (0, 1)
    rng : numpy.random.Generator, int or None
    stratify : bool
        Set ``False`` for regression targets.

    Returns
    -------
    X_train, X_val, y_train, y_val

    Examples
    --------
    >>> X, Y, y = generate_spiral_data(10, 3, rng=0)
    >>> X_tr, X_val, y_tr, y_val = train_val_split(X, y, 0.2, rng=0)
    >>> np.bincount(y_val).tolist(), np.bincount(y_tr).tolist()
    ([2, 2, 2], [8, 8, 8])
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must have the same number of samples, got shapes {X.shape} and {y.shape}")
    val_fraction = check_fraction(val_fraction, "val_fraction", low_inclusive=False)
    n = X.shape[0]
    rng = as_rng(rng)
    if stratify:
        labels = class_labels(y, "y")
        val_idx = []
        for c in np.unique(labels):
            members = rng.permutation(np.flatnonzero(labels == c))
            k = int(round(val_fraction * len(members)))
            if len(members) >= 2:
                k = min(max(k, 1), len(members) - 1)
            val_idx.append(members[:k])
        val_idx = np.concatenate(val_idx)
    else:
        val_idx = rng.permutation(n)[: int(round(val_fraction * n))]
    if len(val_idx) == 0 or len(val_idx) == n:
        raise ValueError(f"val_fraction={val_fraction} leaves an empty part for {n} samples")
    is_val = np.zeros(n, dtype=bool)
    is_val[val_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~is_val))
    val_idx = rng.permutation(np.flatnonzero(is_val))
    return X[train_idx], X[val_idx], y[train_idx], y[val_idx]


def standardize(X_train: np.ndarray, *others: np.ndarray) -> tuple:
    """Scale features to mean 0 and standard deviation 1 using the training set's statistics only.

    Constant features (standard deviation 0, e.g. the blank border pixels of the
    digits) are centred and left unscaled.

    Returns
    -------
    tuple
        The scaled ``X_train``, then each array of ``others`` scaled with the
        same mean and scale, then ``(mean, scale)``.

    Parameters
    ----------
    X_train : array_like, shape (N, d)
        The data whose statistics are used.
    *others : array_like, shape (M, d)
        Further data sets (validation, test), scaled like ``X_train``.

    Examples
    --------
    >>> Xtr, Xte, (mean, scale) = standardize(np.array([[0.0], [2.0]]), np.array([[4.0]]))
    >>> Xtr.ravel().tolist(), Xte.ravel().tolist(), mean.tolist(), scale.tolist()
    ([-1.0, 1.0], [3.0], [1.0], [1.0])
    """
    X_train = as_matrix(X_train, "X_train")
    mean = X_train.mean(axis=0)
    scale = X_train.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    scaled = [(X_train - mean) / scale]
    for i, X in enumerate(others):
        scaled.append((as_matrix(X, f"others[{i}]", n_columns=X_train.shape[1]) - mean) / scale)
    return (*scaled, (mean, scale))


@dataclass
class DataSplit:
    """A train/validation/test split, standardised with the training statistics.

    Labels are integer classes, shape (N,).

    Parameters
    ----------
    X_train, X_val, X_test : ndarray
        The standardised features of each part.
    y_train, y_val, y_test : ndarray of int
        The labels of each part.
    feature_names, target_names : list of str
        The names of the features and of the classes.
    mean, scale : ndarray
        The training statistics used to standardise.

    Examples
    --------
    >>> data = load_breast_cancer()
    >>> data.n_features, data.n_classes, data.X_val.shape
    (30, 2, (114, 30))
    >>> raw = data.X_train * data.scale + data.mean  # the measurements before standardising
    >>> bool((raw >= 0).all())  # sizes, textures, ...: never negative
    True
    """

    X_train: np.ndarray
    X_val: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_val: np.ndarray
    y_test: np.ndarray
    feature_names: list
    target_names: list
    mean: np.ndarray
    scale: np.ndarray

    @property
    def n_features(self) -> int:
        """The number of features (columns of ``X_train``)."""
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        """The number of classes (``len(target_names)``)."""
        return len(self.target_names)


def _split_and_scale(X, y, feature_names, target_names, val_fraction, test_fraction, rng):
    if not (0 < test_fraction < 1 and 0 < val_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError(
            "val_fraction and test_fraction must be positive with a sum below 1, "
            f"got {val_fraction} and {test_fraction}"
        )
    rng = as_rng(rng)
    X_rest, X_test, y_rest, y_test = train_val_split(X, y, test_fraction, rng=rng)
    X_train, X_val, y_train, y_val = train_val_split(X_rest, y_rest, val_fraction / (1 - test_fraction), rng=rng)
    X_train, X_val, X_test, (mean, scale) = standardize(X_train, X_val, X_test)
    return DataSplit(
        X_train,
        X_val,
        X_test,
        y_train,
        y_val,
        y_test,
        [str(f) for f in feature_names],
        [str(t) for t in target_names],
        mean,
        scale,
    )


def load_breast_cancer(
    *, val_fraction: float = 0.2, test_fraction: float = 0.2, rng: np.random.Generator | int | None = None
) -> DataSplit:
    """The Wisconsin diagnostic breast-cancer data (569 biopsies, 30 nuclear features).

    Shipped with scikit-learn (``sklearn.datasets.load_breast_cancer``):
    features of cell nuclei measured on digitised fine-needle aspirate images;
    label 0 = malignant, 1 = benign. Split stratified into train, validation and
    test sets and standardised with the training set's statistics only.

    Parameters
    ----------
    val_fraction, test_fraction : float
        The fractions of the 569 biopsies held out for validation and for testing.
    rng : numpy.random.Generator, int or None
        Drives the split. None uses seed 0, so repeated calls draw the same numbers; pass a
        Generator to vary them.

    Returns
    -------
    DataSplit
        The split, standardised with the training statistics.

    Examples
    --------
    >>> data = load_breast_cancer(rng=0)
    >>> len(data.y_train), len(data.y_val), len(data.y_test), data.n_features
    (342, 114, 113, 30)
    >>> data.target_names  # label 0, label 1, as Python str
    ['malignant', 'benign']
    >>> bool(np.allclose(data.X_train.mean(axis=0), 0.0))  # standardised with the training set's mean
    True
    """
    from sklearn import datasets as skd

    data = skd.load_breast_cancer()
    return _split_and_scale(
        data.data, data.target, data.feature_names, data.target_names, val_fraction, test_fraction, rng
    )


def load_digits(
    *, val_fraction: float = 0.2, test_fraction: float = 0.2, rng: np.random.Generator | int | None = None
) -> DataSplit:
    """Handwritten digits as 8x8 images (1797 samples, 64 pixel features, 10 classes).

    Shipped with scikit-learn (``sklearn.datasets.load_digits``). Split
    stratified into train, validation and test sets and standardised with the
    training set's statistics only (the pixels' original range is 0-16).

    Parameters
    ----------
    val_fraction, test_fraction : float
        The fractions of the 1797 images held out for validation and for testing.
    rng : numpy.random.Generator, int or None
        Drives the split. None uses seed 0, so repeated calls draw the same numbers; pass a
        Generator to vary them.

    Returns
    -------
    DataSplit
        The split, standardised with the training statistics.

    Examples
    --------
    >>> data = load_digits(rng=0)
    >>> data.X_train.shape, data.n_classes
    ((1079, 64), 10)
    >>> len(data.y_train) + len(data.y_val) + len(data.y_test)
    1797
    """
    from sklearn import datasets as skd

    data = skd.load_digits()
    return _split_and_scale(
        data.data, data.target, data.feature_names, data.target_names, val_fraction, test_fraction, rng
    )
