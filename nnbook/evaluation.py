"""Evaluating a binary classifier as a clinical study would: held-out selection and its statistics.

Part E's pathology classifier and its gallery script share everything here.

- The design: :func:`held_out_split` sets a test set aside once; :func:`stratified_folds` cuts
  the rest (the *development* set) into folds; :func:`choose_setting` picks a setting by
  cross-validation on those folds only, so it never sees a test case.
  :func:`fit_network_on_fold` and :func:`fit_logistic_on_fold` fit one candidate on one
  fold, scaled with that fold's training statistics.
- The operating point: :func:`threshold_for_sensitivity` chooses a threshold on validation
  data against a stated sensitivity target.
- Proportions with intervals: :func:`wilson_interval`, :func:`clopper_pearson_interval`,
  :func:`confusion_counts`, :func:`diagnostic_rates`; the predictive values at another
  prevalence, :func:`predictive_values` and :func:`ppv_at_prevalence`.
- Scores: :func:`auc_by_ranks`, :func:`brier_score`, :func:`brier_skill_score`,
  :func:`calibration_slope_intercept`, :func:`calibration_bins`.
- Intervals and comparisons: :func:`bootstrap_interval` (one model's score),
  :func:`paired_bootstrap_difference` (two models on the same test cases), :func:`holm`
  (several comparisons at once) and :func:`corrected_resampled_t` (Nadeau and Bengio's
  correction for resamples whose training sets overlap).

Labels are 0/1 with 1 the positive class (malignant); scores ``p`` are predicted probabilities
of the positive class.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._checks import as_rng, check_fraction, check_positive_int

__all__ = [
    "held_out_split",
    "stratified_folds",
    "Selection",
    "choose_setting",
    "FoldFit",
    "fit_network_on_fold",
    "fit_logistic_on_fold",
    "threshold_for_sensitivity",
    "confusion_counts",
    "wilson_interval",
    "clopper_pearson_interval",
    "diagnostic_rates",
    "predictive_values",
    "ppv_at_prevalence",
    "auc_by_ranks",
    "brier_score",
    "brier_skill_score",
    "calibration_slope_intercept",
    "calibration_bins",
    "bootstrap_interval",
    "paired_bootstrap_difference",
    "holm",
    "corrected_resampled_t",
]


def _binary_labels(y, name: str = "y") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or not np.all((y == 0) | (y == 1)):
        raise ValueError(f"{name} must be a 1-D array of 0/1 labels, got shape {y.shape}")
    return y.astype(np.int64)


def _scores(p, y, name: str = "p") -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.shape != np.shape(y):
        raise ValueError(f"{name} must have the shape of the labels {np.shape(y)}, got {p.shape}")
    return p


# --------------------------------------------------------------------------- the design


def held_out_split(
    y, test_fraction: float = 0.25, *, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Set a test set aside, stratified by class: the indices of the development and test cases.

    Called once, before anything is fitted or chosen; every later choice (scaling, settings,
    early stopping, threshold) uses the development indices only.

    Parameters
    ----------
    y : array_like of 0/1, shape (N,)
        The labels of all cases.
    test_fraction : float in (0, 1)
        Share of each class that goes to the test set (rounded per class).
    rng : numpy.random.Generator, int or None
        Drives the draw (``None``: seeded with 0).

    Returns
    -------
    development, test : ndarray of int
        Sorted, disjoint indices into ``y`` that together cover every case.

    Examples
    --------
    >>> dev, test = held_out_split([0] * 8 + [1] * 4, 0.25, rng=0)
    >>> len(dev), len(test), sorted(set(dev) | set(test)) == list(range(12))
    (9, 3, True)
    """
    y = _binary_labels(y)
    test_fraction = check_fraction(test_fraction, "test_fraction", low_inclusive=False)
    rng = as_rng(rng)
    test = []
    for c in (0, 1):
        members = rng.permutation(np.flatnonzero(y == c))
        test.append(members[: int(round(test_fraction * len(members)))])
    test = np.sort(np.concatenate(test))
    development = np.setdiff1d(np.arange(len(y)), test)
    if len(test) == 0 or len(development) == 0:
        raise ValueError(f"test_fraction={test_fraction} leaves an empty part for {len(y)} cases")
    return development, test


def stratified_folds(
    y, indices, n_folds: int = 4, *, rng: np.random.Generator | int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cut ``indices`` into ``n_folds`` stratified folds: one (training, validation) pair per fold.

    Each case of ``indices`` is in exactly one validation part; fold ``k`` trains on the
    other ``n_folds - 1`` folds. Only ``indices`` appear in the result.

    Parameters
    ----------
    y : array_like of 0/1, shape (N,)
        The labels of all cases (only those at ``indices`` are read).
    indices : array_like of int
        The cases to cut, e.g. the development indices of :func:`held_out_split`.
    n_folds : int
        Number of folds, at least 2.
    rng : numpy.random.Generator, int or None
        Drives the assignment to folds (``None``: seeded with 0).

    Returns
    -------
    list of (ndarray, ndarray)
        ``(train, val)`` indices per fold, each sorted.

    Examples
    --------
    >>> folds = stratified_folds([0, 1] * 6, range(12), 3, rng=0)
    >>> [(len(train), len(val)) for train, val in folds]
    [(8, 4), (8, 4), (8, 4)]
    """
    y = _binary_labels(y)
    indices = np.asarray(indices, dtype=np.int64)
    n_folds = check_positive_int(n_folds, "n_folds")
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2, got {n_folds}")
    rng = as_rng(rng)
    fold_of = np.empty(len(indices), dtype=np.int64)
    for c in (0, 1):
        where = np.flatnonzero(y[indices] == c)
        order = rng.permutation(len(where))
        fold_of[where[order]] = np.arange(len(where)) % n_folds
    return [(np.sort(indices[fold_of != k]), np.sort(indices[fold_of == k])) for k in range(n_folds)]


@dataclass
class Selection:
    """The result of :func:`choose_setting`.

    Parameters
    ----------
    best : hashable
        The setting with the lowest mean validation score.
    mean_scores : dict
        Setting -> validation score averaged over the folds.
    fold_scores : dict
        Setting -> ndarray of the score on each fold (for paired comparisons).
    touched : ndarray of int
        Every index the selection passed to the scoring function: the cases it saw.

    Examples
    --------
    >>> folds = [(np.array([0, 1]), np.array([2])), (np.array([1, 2]), np.array([0]))]
    >>> selection = choose_setting(["a", "b"], lambda s, tr, va: float(s == "b"), folds)
    >>> selection.best, selection.fold_scores["b"].tolist(), selection.touched.tolist()
    ('a', [1.0, 1.0], [0, 1, 2])
    """

    best: Hashable
    mean_scores: dict
    fold_scores: dict
    touched: np.ndarray


def choose_setting(
    settings: Sequence[Hashable],
    score: Callable[[Hashable, np.ndarray, np.ndarray], float],
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
) -> Selection:
    """Choose the setting with the lowest validation score, averaged over the folds.

    The selection sees data only through ``score(setting, train, val)``, called with the
    training and validation indices of each fold: built from development indices
    (:func:`stratified_folds`), it cannot see a test case. The ``touched`` field of the result records
    every index passed, so that a test can prove it.

    Parameters
    ----------
    settings : sequence of hashable
        The candidates (e.g. ``(hidden, learning_rate)`` pairs).
    score : callable
        ``score(setting, train_indices, val_indices) -> float``: fits on the training
        indices and returns a validation loss (lower is better).
    folds : sequence of (ndarray, ndarray)
        ``(train, val)`` index pairs.

    Returns
    -------
    Selection
        The best setting, the mean and per-fold scores of every setting, the indices touched.
        Ties go to the setting listed first.

    Examples
    --------
    >>> folds = [(np.array([0, 1]), np.array([2])), (np.array([1, 2]), np.array([0]))]
    >>> choice = choose_setting([1, 2, 3], lambda s, tr, va: (s - 2) ** 2 + len(va), folds)
    >>> choice.best, choice.mean_scores[1], choice.touched.tolist()
    (2, 2.0, [0, 1, 2])
    """
    if not settings:
        raise ValueError("settings must not be empty")
    fold_scores, touched = {}, set()
    for setting in settings:
        values = []
        for train, val in folds:
            train, val = np.asarray(train), np.asarray(val)
            touched.update(train.tolist())
            touched.update(val.tolist())
            values.append(float(score(setting, train, val)))
        fold_scores[setting] = np.array(values)
    mean_scores = {setting: float(values.mean()) for setting, values in fold_scores.items()}
    best = min(settings, key=mean_scores.__getitem__)
    return Selection(best, mean_scores, fold_scores, np.array(sorted(touched), dtype=np.int64))


@dataclass
class FoldFit:
    """A model fitted on the training indices of one fold, with that fold's scaling.

    Parameters
    ----------
    model : NeuralNetwork or sklearn.linear_model.LogisticRegression
        The fitted model.
    mean, scale : ndarray, shape (d,)
        The standardisation, from the fold's training cases only.
    val_loss : float
        Binary cross-entropy on the fold's validation cases (for a network, at the epoch
        early stopping kept).
    history : dict or None
        The network's training history (:func:`~nnbook.training.train_network`).

    Examples
    --------
    >>> from nnbook import NeuralNetwork
    >>> net = NeuralNetwork([2, 3, 1], ["relu", "sigmoid"], rng=0)
    >>> fit = FoldFit(net, mean=np.array([1.0, 2.0]), scale=np.array([2.0, 4.0]), val_loss=0.5)
    >>> p = fit.predict([[1.0, 2.0], [3.0, 6.0]])  # scaled to [0, 0] and [1, 1] first
    >>> p.shape, bool(np.all((0 < p) & (p < 1)))
    ((2,), True)
    >>> bool(np.allclose(p, net.forward(np.array([[0.0, 0.0], [1.0, 1.0]]))[:, 0]))
    True
    """

    model: object
    mean: np.ndarray
    scale: np.ndarray
    val_loss: float
    history: dict | None = None

    def predict(self, X) -> np.ndarray:
        """Probability of the positive class for raw (unscaled) rows ``X``.

        Parameters
        ----------
        X : array_like, shape (M, d)
            Cases, on the original scale; the fold's scaling is applied here.

        Returns
        -------
        ndarray, shape (M,)
        """
        scaled = (np.asarray(X, dtype=np.float64) - self.mean) / self.scale
        return self.model.predict_proba(scaled)[:, 1]


def _binary_cross_entropy(p, y) -> float:
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def fit_network_on_fold(
    X,
    y,
    train,
    val,
    hidden: Sequence[int],
    learning_rate: float,
    *,
    batch_size: int = 32,
    max_epochs: int = 500,
    patience: int = 10,
    rng: np.random.Generator | int | None = None,
) -> FoldFit:
    """Train a ReLU network with one sigmoid output on one fold, with early stopping.

    Only the rows ``train`` and ``val`` of ``X`` and ``y`` are read. The features are
    standardised with the mean and standard deviation of the ``train`` rows
    (:func:`~nnbook.datasets.standardize`); the network, ``[d, *hidden, 1]`` with He
    initialisation, is trained by :func:`~nnbook.training.train_network` with Adam, binary
    cross-entropy, mini-batches and early stopping on the ``val`` rows, which restores the
    weights of the best epoch.

    Parameters
    ----------
    X : ndarray, shape (N, d)
        All cases, unscaled.
    y : ndarray of 0/1, shape (N,)
        All labels.
    train, val : ndarray of int
        The fold's training and validation indices.
    hidden : sequence of int
        Widths of the hidden ReLU layers.
    learning_rate : float
        Adam's learning rate.
    batch_size, max_epochs, patience : int
        As in :func:`~nnbook.training.train_network`.
    rng : numpy.random.Generator, int or None
        Drives the initial weights and the batch order (``None``: seeded with 0).

    Returns
    -------
    FoldFit

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
    >>> fit = fit_network_on_fold(X, y, np.arange(30), np.arange(30, 40), [4], 0.05, max_epochs=30)
    >>> fit.predict(X[:3]).shape, bool(fit.val_loss < np.log(2))
    ((3,), True)
    """
    from .datasets import standardize
    from .losses import CrossEntropyLoss
    from .network import NeuralNetwork
    from .optimizers import Adam
    from .training import train_network

    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    train, val = np.asarray(train), np.asarray(val)
    rng = as_rng(rng)
    X_train, X_val, (mean, scale) = standardize(X[train], X[val])
    hidden = [int(h) for h in hidden]
    net = NeuralNetwork([X.shape[1], *hidden, 1], ["relu"] * len(hidden) + ["sigmoid"], rng=rng)
    history = train_network(
        net, X_train, y[train], X_val, y[val], CrossEntropyLoss(),
        epochs=max_epochs, batch_size=batch_size, optimizer=Adam(learning_rate),
        patience=patience, rng=rng, progress=False,
    )  # fmt: skip
    fit = FoldFit(net, mean, scale, 0.0, history)
    fit.val_loss = _binary_cross_entropy(fit.predict(X[val]), y[val])
    return fit


def fit_logistic_on_fold(X, y, train, val, C: float) -> FoldFit:
    """Fit L2-penalised logistic regression (scikit-learn, inverse penalty ``C``) on one fold.

    The same network with no hidden layer: one sigmoid unit on the standardised features.
    Only the rows ``train`` (for the fit and the scaling) and ``val`` (for the loss) are read.

    Parameters
    ----------
    X : ndarray, shape (N, d)
        All cases, unscaled.
    y : ndarray of 0/1, shape (N,)
        All labels.
    train, val : ndarray of int
        The fold's training and validation indices.
    C : float
        Inverse strength of the L2 penalty (larger: weaker).

    Returns
    -------
    FoldFit

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
    >>> fit = fit_logistic_on_fold(X, y, np.arange(30), np.arange(30, 40), C=1.0)
    >>> bool(fit.val_loss < np.log(2))
    True
    """
    from sklearn.linear_model import LogisticRegression

    from .datasets import standardize

    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    train, val = np.asarray(train), np.asarray(val)
    X_train, (mean, scale) = standardize(X[train])
    model = LogisticRegression(C=float(C), max_iter=5000).fit(X_train, y[train])
    fit = FoldFit(model, mean, scale, 0.0)
    fit.val_loss = _binary_cross_entropy(fit.predict(X[val]), y[val])
    return fit


def threshold_for_sensitivity(p, y, target: float = 0.95) -> float:
    """The largest threshold whose sensitivity on ``(p, y)`` reaches ``target``.

    A case is called positive when ``p >= threshold``. Choose it on validation data, before
    the test set is opened: chosen on the test set, it would tune the model to the cases that
    are meant to measure it.

    Parameters
    ----------
    p : array_like, shape (N,)
        Predicted probabilities of the positive class.
    y : array_like of 0/1, shape (N,)
        True labels; at least one positive.
    target : float in (0, 1]
        The sensitivity to reach.

    Returns
    -------
    float
        The ``ceil(target * n_pos)``-th highest score of the positive cases: the highest
        threshold at which at least that many of them are called positive.

    Examples
    --------
    >>> threshold_for_sensitivity([0.9, 0.8, 0.3, 0.6, 0.1], [1, 1, 1, 0, 0], target=2 / 3)
    0.8
    >>> threshold_for_sensitivity([0.9, 0.8, 0.3, 0.6, 0.1], [1, 1, 1, 0, 0], target=1.0)
    0.3
    """
    y = _binary_labels(y)
    p = _scores(p, y)
    target = float(target)
    if not 0 < target <= 1:
        raise ValueError(f"target must lie in (0, 1], got {target}")
    positives = np.sort(p[y == 1])[::-1]
    if len(positives) == 0:
        raise ValueError("y has no positive case: the sensitivity is undefined")
    needed = int(np.ceil(target * len(positives) - 1e-12))
    return float(positives[needed - 1])


# --------------------------------------------------------------------------- proportions


def confusion_counts(p, y, threshold: float = 0.5) -> dict[str, int]:
    """Counts of true/false positives and negatives when ``p >= threshold`` is called positive.

    Parameters
    ----------
    p : array_like, shape (N,)
        Predicted probabilities of the positive class.
    y : array_like of 0/1, shape (N,)
        True labels.
    threshold : float
        The operating point.

    Returns
    -------
    dict
        ``tp``, ``fn``, ``fp``, ``tn``.

    Examples
    --------
    >>> confusion_counts([0.9, 0.4, 0.6, 0.1], [1, 1, 0, 0])
    {'tp': 1, 'fn': 1, 'fp': 1, 'tn': 1}
    """
    y = _binary_labels(y)
    called = _scores(p, y) >= threshold
    return {
        "tp": int(np.sum(called & (y == 1))),
        "fn": int(np.sum(~called & (y == 1))),
        "fp": int(np.sum(called & (y == 0))),
        "tn": int(np.sum(~called & (y == 0))),
    }


def _check_counts(k, n) -> tuple[int, int]:
    k, n = int(k), int(n)
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n > 0, got k={k}, n={n}")
    return k, n


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a proportion ``k / n``.

    With :math:`\\hat p = k/n` and :math:`z` the standard normal quantile of
    :math:`(1 + \\text{level})/2`,

    .. math::

        \\frac{\\hat p + z^2/(2n) \\pm z \\sqrt{\\hat p (1 - \\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}.

    Unlike the normal ("Wald") interval and the percentile bootstrap it does not collapse
    to a point at ``k = n`` or ``k = 0``. Wilson (1927), *J. Am. Stat. Assoc.* 22, 209-212.

    Parameters
    ----------
    k : int
        Successes (e.g. malignant cases caught).
    n : int
        Trials (e.g. malignant cases).
    level : float
        Confidence level.

    Returns
    -------
    low, high : float

    Examples
    --------
    >>> low, high = wilson_interval(10, 10)
    >>> round(low, 4), high
    (0.7225, 1.0)
    """
    k, n = _check_counts(k, n)
    z = stats.norm.ppf((1 + check_fraction(level, "level", low_inclusive=False)) / 2)
    p = k / n
    centre = p + z**2 / (2 * n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    denominator = 1 + z**2 / n
    low = 0.0 if k == 0 else float((centre - half) / denominator)
    high = 1.0 if k == n else float((centre + half) / denominator)
    return low, high


def clopper_pearson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval for a proportion ``k / n``, from beta quantiles.

    Its coverage is at least ``level`` for every true proportion (it is conservative).
    Clopper and Pearson (1934), *Biometrika* 26, 404-413.

    Parameters
    ----------
    k : int
        Successes.
    n : int
        Trials.
    level : float
        Confidence level.

    Returns
    -------
    low, high : float
        ``low = Beta(k, n - k + 1).ppf(alpha/2)`` (0 if ``k = 0``),
        ``high = Beta(k + 1, n - k).ppf(1 - alpha/2)`` (1 if ``k = n``).

    Examples
    --------
    >>> low, high = clopper_pearson_interval(10, 10)
    >>> round(low, 4), high
    (0.6915, 1.0)
    """
    k, n = _check_counts(k, n)
    alpha = 1 - check_fraction(level, "level", low_inclusive=False)
    low = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high


def diagnostic_rates(counts: dict[str, int], level: float = 0.95) -> dict[str, tuple[float, float, float]]:
    """Sensitivity, specificity, PPV and NPV, each with its Wilson interval.

    Parameters
    ----------
    counts : dict
        ``tp``, ``fn``, ``fp``, ``tn`` (:func:`confusion_counts`).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    dict
        Name -> ``(estimate, low, high)``. Sensitivity ``tp/(tp+fn)``, specificity
        ``tn/(tn+fp)``, PPV ``tp/(tp+fp)``, NPV ``tn/(tn+fn)``; the predictive values hold
        at the prevalence of the cases counted.

    Examples
    --------
    >>> rates = diagnostic_rates({"tp": 9, "fn": 1, "fp": 2, "tn": 18})
    >>> [round(v, 3) for v in rates["sensitivity"]]
    [0.9, 0.596, 0.982]
    """
    tp, fn, fp, tn = (int(counts[key]) for key in ("tp", "fn", "fp", "tn"))
    rates = {}
    for name, k, n in [
        ("sensitivity", tp, tp + fn),
        ("specificity", tn, tn + fp),
        ("ppv", tp, tp + fp),
        ("npv", tn, tn + fn),
    ]:
        rates[name] = (k / n, *wilson_interval(k, n, level)) if n > 0 else (np.nan, np.nan, np.nan)
    return rates


def predictive_values(sensitivity, specificity, prevalence):
    """PPV and NPV at a given prevalence, by Bayes' rule.

    .. math::

        \\mathrm{PPV} = \\frac{\\mathrm{Se}\\,\\pi}{\\mathrm{Se}\\,\\pi + (1 - \\mathrm{Sp})(1 - \\pi)},
        \\qquad
        \\mathrm{NPV} = \\frac{\\mathrm{Sp}\\,(1 - \\pi)}{\\mathrm{Sp}\\,(1 - \\pi) + (1 - \\mathrm{Se})\\,\\pi}.

    Parameters
    ----------
    sensitivity, specificity : float or ndarray
        Of the test, in [0, 1].
    prevalence : float or ndarray
        Share of positives :math:`\\pi` among the cases tested, in (0, 1).

    Returns
    -------
    ppv, npv : float or ndarray

    Examples
    --------
    >>> ppv, npv = predictive_values(0.9, 0.9, 0.5)
    >>> round(ppv, 12), round(npv, 12)
    (0.9, 0.9)
    >>> round(predictive_values(0.9, 0.9, 0.1)[0], 12)  # rarer disease, lower PPV
    0.5
    """
    true_pos = sensitivity * prevalence
    false_pos = (1 - specificity) * (1 - prevalence)
    true_neg = specificity * (1 - prevalence)
    false_neg = (1 - sensitivity) * prevalence
    return true_pos / (true_pos + false_pos), true_neg / (true_neg + false_neg)


def ppv_at_prevalence(counts: dict[str, int], prevalence: float, level: float = 0.95) -> tuple[float, float, float]:
    """PPV at an assumed prevalence, with an interval from those of sensitivity and specificity.

    The PPV rises with both sensitivity and specificity. The malignant and the benign cases
    are independent samples, so if each of the two Clopper-Pearson intervals, at level
    :math:`\\sqrt{\\text{level}}`, covers its rate, both do with probability at least
    ``level``, and the PPV at their lower (upper) ends is a lower (upper) bound for the PPV:
    a conservative interval that needs no approximation and stays defined when there is no
    false positive. It holds only if sensitivity and specificity carry over to the population
    of that prevalence (the *spectrum* question, which the data cannot answer).

    Parameters
    ----------
    counts : dict
        ``tp``, ``fn``, ``fp``, ``tn`` on the test set.
    prevalence : float in (0, 1)
        The assumed prevalence.
    level : float
        Joint confidence level.

    Returns
    -------
    ppv, low, high : float

    Examples
    --------
    >>> ppv, low, high = ppv_at_prevalence({"tp": 45, "fn": 5, "fp": 5, "tn": 45}, 0.5)
    >>> round(ppv, 3), low < ppv < high
    (0.9, True)
    """
    prevalence = check_fraction(prevalence, "prevalence", low_inclusive=False)
    tp, fn, fp, tn = (int(counts[key]) for key in ("tp", "fn", "fp", "tn"))
    each = float(np.sqrt(level))
    se_low, se_high = clopper_pearson_interval(tp, tp + fn, each)
    sp_low, sp_high = clopper_pearson_interval(tn, tn + fp, each)
    ppv = predictive_values(tp / (tp + fn), tn / (tn + fp), prevalence)[0]
    low = predictive_values(se_low, sp_low, prevalence)[0]
    high = predictive_values(se_high, sp_high, prevalence)[0]
    return float(ppv), float(low), float(high)


# --------------------------------------------------------------------------- scores


def auc_by_ranks(p, y):
    """Area under the ROC curve from the ranks of the scores (Mann-Whitney); ties count 1/2.

    .. math::

        \\mathrm{AUC} = \\frac{R_1 - n_1 (n_1 + 1)/2}{n_1 n_0},

    with :math:`R_1` the sum of the ranks of the :math:`n_1` positives among all scores.

    Parameters
    ----------
    p : array_like, shape (N,) or (R, N)
        Scores; a 2-D array holds ``R`` resamples at once.
    y : array_like of 0/1, same shape as ``p``
        Labels, each row with both classes.

    Returns
    -------
    float or ndarray of shape (R,)

    Examples
    --------
    >>> float(auc_by_ranks(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])))
    0.75
    """
    p, y = np.asarray(p, dtype=np.float64), np.asarray(y)
    ranks = stats.rankdata(p, axis=-1)  # average ranks for ties, 1 = lowest score
    n1 = np.sum(y == 1, axis=-1)
    n0 = np.sum(y == 0, axis=-1)
    return (np.sum(ranks * (y == 1), axis=-1) - n1 * (n1 + 1) / 2) / (n1 * n0)


def brier_score(p, y):
    """Mean squared difference between predicted probability and outcome, :math:`\\frac1N\\sum (p_i - y_i)^2`.

    Parameters
    ----------
    p : array_like, shape (N,) or (R, N)
        Predicted probabilities.
    y : array_like of 0/1, same shape
        Outcomes.

    Returns
    -------
    float or ndarray of shape (R,)

    Examples
    --------
    >>> float(brier_score([1.0, 0.5], [1, 0]))
    0.125
    """
    p, y = np.asarray(p, dtype=np.float64), np.asarray(y)
    return np.mean((p - y) ** 2, axis=-1)


def brier_skill_score(p, y, reference_prevalence: float) -> float:
    """Brier skill score against the prevalence baseline: :math:`1 - B / B_{\\mathrm{ref}}`.

    The reference predicts the same probability, ``reference_prevalence`` (the share of
    positives in the *training* data), for every case: the best a model without features can
    do. 0 means no better than it, 1 a perfect model. (A reference that predicts 0 for every
    case is no model of probability: its Brier score is simply the share of positives.)

    Parameters
    ----------
    p : array_like, shape (N,)
        Predicted probabilities.
    y : array_like of 0/1, shape (N,)
        Outcomes.
    reference_prevalence : float in [0, 1]
        The constant probability of the reference.

    Returns
    -------
    float

    Examples
    --------
    >>> round(brier_skill_score([0.9, 0.1], [1, 0], 0.5), 6)
    0.96
    """
    y = _binary_labels(y)
    reference = brier_score(np.full(len(y), float(reference_prevalence)), y)
    return float(1 - brier_score(_scores(p, y), y) / reference)


def _logit(p, eps: float) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1 - eps)
    return np.log(p) - np.log1p(-p)


def calibration_slope_intercept(p, y, *, eps: float = 1e-12, max_iter: int = 100) -> tuple[float, float]:
    """Calibration slope and intercept (calibration-in-the-large) of predicted probabilities.

    With :math:`\\ell_i = \\operatorname{logit} p_i`, the **slope** :math:`b` is fitted by
    logistic regression :math:`\\operatorname{logit} P(y_i = 1) = a + b\\,\\ell_i`; the
    **intercept** :math:`a_0` by :math:`\\operatorname{logit} P(y_i = 1) = a_0 + \\ell_i`
    (slope fixed at 1). A calibrated model has :math:`b = 1` and :math:`a_0 = 0`; :math:`b < 1`
    means predictions too extreme (overfitting), :math:`a_0 > 0` probabilities too low on
    average. Van Calster et al. (2019), *BMC Medicine* 17, 230. Both by Newton's method.

    Parameters
    ----------
    p : array_like, shape (N,)
        Predicted probabilities, clipped to ``[eps, 1 - eps]`` before the logit.
    y : array_like of 0/1, shape (N,)
        Outcomes, with both classes.
    eps : float
        Clipping of the probabilities. The clip is not neutral: a probability closer than
        ``eps`` to 0 or 1 (a confident float64 model produces them) has its logit capped at
        :math:`\\pm\\log((1 - \\epsilon)/\\epsilon)`, about :math:`\\pm 27.6` for the default,
        which changes the fit when such cases exist (5 of the logistic regression's test
        predictions in the pathology chapter, one of which is exactly 1.0). Some clip is
        needed: a probability that rounds to exactly 0 or 1 has no finite logit.
    max_iter : int
        Newton steps at most.

    Returns
    -------
    slope, intercept : float

    Examples
    --------
    >>> p = np.array([0.2, 0.2, 0.2, 0.2, 0.2, 0.8, 0.8, 0.8, 0.8, 0.8])
    >>> y = np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 1])  # 20 % and 80 % observed: calibrated
    >>> [round(v, 6) + 0.0 for v in calibration_slope_intercept(p, y)]
    [1.0, 0.0]
    """
    y = _binary_labels(y)
    logit = _logit(_scores(p, y), eps)
    if y.min() == y.max():
        raise ValueError("calibration needs both classes in y")
    if logit[y == 0].max() <= logit[y == 1].min() or logit[y == 1].max() <= logit[y == 0].min():
        # complete or quasi-complete separation (touching at one value), in either direction:
        # the maximum-likelihood slope is infinite
        raise ValueError("the classes are (quasi-)separated by p: the calibration slope is not defined")
    design = np.column_stack([np.ones_like(logit), logit])

    def log_likelihood(coef):
        eta = design @ coef
        return float(np.sum(y * eta - np.logaddexp(0, eta)))

    coef = np.array([0.0, 1.0])
    current = log_likelihood(coef)
    for _ in range(max_iter):  # Newton-Raphson for (a, b), halving a step that does not help
        mu = 1 / (1 + np.exp(-np.clip(design @ coef, -700, 700)))
        gradient = design.T @ (y - mu)
        hessian = design.T @ (design * (mu * (1 - mu))[:, None])
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        while log_likelihood(coef + step) < current and np.max(np.abs(step)) > 1e-14:
            step = step / 2
        coef, previous, current = coef + step, current, log_likelihood(coef + step)
        if np.max(np.abs(step)) < 1e-10 or current - previous < 1e-14:
            break
    a0 = 0.0
    for _ in range(max_iter):  # Newton for a0, with the logit as offset (concave in one variable)
        mu = 1 / (1 + np.exp(-np.clip(a0 + logit, -700, 700)))
        step = np.sum(y - mu) / np.sum(mu * (1 - mu))
        a0 += step
        if abs(step) < 1e-12:
            break
    return float(coef[1]), float(a0)


def calibration_bins(p, y, n_bins: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bins of equal width on [0, 1] for a reliability diagram.

    Parameters
    ----------
    p : array_like, shape (N,)
        Predicted probabilities.
    y : array_like of 0/1, shape (N,)
        Outcomes.
    n_bins : int
        Number of bins.

    Returns
    -------
    counts, mean_p, fraction : ndarray of shape (n_bins,)
        Cases per bin, their mean predicted probability and their observed share of
        positives (0 for an empty bin).

    Examples
    --------
    >>> counts, mean_p, frac = calibration_bins([0.1, 0.15, 0.9], [0, 1, 1], n_bins=2)
    >>> counts.tolist(), mean_p.round(3).tolist(), frac.tolist()
    ([2, 1], [0.125, 0.9], [0.5, 1.0])
    """
    y = _binary_labels(y)
    p = _scores(p, y)
    n_bins = check_positive_int(n_bins, "n_bins")
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(p, edges) - 1, 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    mean_p = np.bincount(which, weights=p, minlength=n_bins) / np.maximum(counts, 1)
    fraction = np.bincount(which, weights=y, minlength=n_bins) / np.maximum(counts, 1)
    return counts, mean_p, fraction


# --------------------------------------------------------------------------- comparisons


def bootstrap_interval(
    statistic: Callable,
    p,
    y,
    *,
    n_resamples: int = 2000,
    level: float = 0.95,
    rng: np.random.Generator | int | None = None,
) -> tuple[float, float, float]:
    """A statistic of one model's scores with a percentile bootstrap interval.

    The cases are drawn with replacement ``n_resamples`` times; resamples with a single class
    are dropped (the AUC, the Brier skill and the calibration need both classes).

    Parameters
    ----------
    statistic : callable
        ``statistic(p, y)``, vectorised: ``p`` and ``y`` of shape (R, N) give shape (R,).
    p : array_like, shape (N,)
        The model's scores.
    y : array_like of 0/1, shape (N,)
        The labels.
    n_resamples : int
        Bootstrap resamples drawn.
    level : float
        Confidence level of the percentile interval.
    rng : numpy.random.Generator, int or None
        Drives the resampling (``None``: seeded with 0).

    Returns
    -------
    estimate, low, high : float
        ``statistic(p, y)`` on all cases, and the percentile interval.

    Examples
    --------
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> auc, low, high = bootstrap_interval(auc_by_ranks, np.array([.1, .2, .7, .3, .8, .9]), y, rng=0)
    >>> round(auc, 4), low <= auc <= high <= 1
    (0.8889, True)
    """
    y = _binary_labels(y)
    p = _scores(p, y)
    rng = as_rng(rng)
    idx = rng.integers(0, len(y), size=(check_positive_int(n_resamples, "n_resamples"), len(y)))
    idx = idx[np.ptp(y[idx], axis=1) > 0]  # both classes in every resample
    alpha = 1 - check_fraction(level, "level", low_inclusive=False)
    low, high = np.quantile(statistic(p[idx], y[idx]), [alpha / 2, 1 - alpha / 2])
    return float(statistic(p, y)), float(low), float(high)


def paired_bootstrap_difference(
    statistic: Callable,
    p_a,
    p_b,
    y,
    *,
    n_resamples: int = 2000,
    level: float = 0.95,
    rng: np.random.Generator | int | None = None,
    return_p_value: bool = False,
) -> tuple[float, ...]:
    """Difference of a statistic between two models scored on the same cases, with a paired interval.

    Each resample draws the test cases with replacement *once* and scores both models on
    them, so what the two share (an easy or a hard draw of cases) cancels in the difference.
    Compare two models by this interval, not by whether their separate intervals overlap.

    Parameters
    ----------
    statistic : callable
        ``statistic(p, y)``, vectorised: ``p`` and ``y`` of shape (R, N) give shape (R,)
        (e.g. :func:`auc_by_ranks`, :func:`brier_score`).
    p_a, p_b : array_like, shape (N,)
        The two models' scores on the same cases.
    y : array_like of 0/1, shape (N,)
        The labels.
    n_resamples : int
        Bootstrap resamples (those with a single class are redrawn out: dropped).
    level : float
        Confidence level of the percentile interval.
    rng : numpy.random.Generator, int or None
        Drives the resampling (``None``: seeded with 0).
    return_p_value : bool
        Also return the two-sided bootstrap p-value of "no difference",
        :math:`\\min(1, 2\\min(P^*(d \\le 0), P^*(d \\ge 0)))` over the resampled differences
        :math:`d`: the smallest :math:`1 - \text{level}` at which the percentile interval
        excludes 0 (to adjust for several comparisons with :func:`holm`).

    Returns
    -------
    difference, low, high : float
        ``statistic(p_a) - statistic(p_b)`` on all cases, and the percentile interval.
    p_value : float
        Only with ``return_p_value=True``.

    Examples
    --------
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> d, low, high = paired_bootstrap_difference(
    ...     auc_by_ranks, np.array([.1, .2, .3, .7, .8, .9]), np.array([.1, .5, .3, .4, .8, .9]), y, rng=0)
    >>> round(d, 4), low <= d <= high
    (0.1111, True)
    """
    y = _binary_labels(y)
    p_a, p_b = _scores(p_a, y, "p_a"), _scores(p_b, y, "p_b")
    rng = as_rng(rng)
    idx = rng.integers(0, len(y), size=(check_positive_int(n_resamples, "n_resamples"), len(y)))
    idx = idx[np.ptp(y[idx], axis=1) > 0]  # both classes in every resample
    diffs = statistic(p_a[idx], y[idx]) - statistic(p_b[idx], y[idx])
    alpha = 1 - check_fraction(level, "level", low_inclusive=False)
    low, high = np.quantile(diffs, [alpha / 2, 1 - alpha / 2])
    difference = float(statistic(p_a, y) - statistic(p_b, y))
    if return_p_value:
        p_value = min(1.0, 2 * min(np.mean(diffs <= 0), np.mean(diffs >= 0)))
        return difference, float(low), float(high), float(p_value)
    return difference, float(low), float(high)


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment of p-values for several comparisons made together.

    Sort the :math:`m` p-values, :math:`p_{(1)} \\le \\dots \\le p_{(m)}`; the adjusted value
    of the :math:`j`-th is :math:`\\max_{i \\le j} \\min(1, (m - i + 1)\\,p_{(i)})`. Rejecting
    every hypothesis whose adjusted p-value is at most :math:`\\alpha` keeps the probability of
    any false rejection at most :math:`\\alpha`, whatever the dependence between the tests
    (Holm 1979, *Scandinavian Journal of Statistics* 6, 65-70). It is never less powerful than
    Bonferroni's :math:`m\\,p_i`.

    Parameters
    ----------
    p_values : array_like, shape (m,)
        Unadjusted p-values, in any order.

    Returns
    -------
    numpy.ndarray, shape (m,)
        The adjusted p-values, in the order given.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(6).tolist()  # 3 x 0.01; max(2 x 0.03, .); max(0.06, 1 x 0.04)
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError("p_values must be a non-empty 1-D array of values in [0, 1]")
    order = np.argsort(p, kind="stable")
    m = len(p)
    stepped = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
    adjusted = np.empty(m)
    adjusted[order] = stepped
    return adjusted


def corrected_resampled_t(
    differences, n_train: int, n_val: int, level: float = 0.95
) -> tuple[float, float, float, float]:
    """Mean of per-fold differences with Nadeau and Bengio's corrected standard error.

    The folds of a cross-validation share most of their training cases, so their results are
    correlated, and the naive standard error :math:`s/\\sqrt{J}` of :math:`J` of them is too
    small. Nadeau and Bengio (2003, *Machine Learning* 52, 239-281) replace
    :math:`1/J` by :math:`1/J + n_{\\mathrm{val}}/n_{\\mathrm{train}}`:

    .. math::

        \\mathrm{se} = s \\sqrt{\\frac1J + \\frac{n_{\\mathrm{val}}}{n_{\\mathrm{train}}}},

    with a :math:`t` distribution on :math:`J - 1` degrees of freedom for the interval.
    The correction was derived for :math:`J` independent random train/test re-splits; applied
    to the :math:`J` folds of one cross-validation, as here, it is a heuristic (better than
    the naive standard error, with no exact guarantee).

    Parameters
    ----------
    differences : array_like, shape (J,)
        One difference per fold (e.g. the validation losses of two settings), at least 2.
    n_train, n_val : int
        Training and validation cases per fold.
    level : float
        Confidence level.

    Returns
    -------
    mean, se, low, high : float
        The mean difference, its corrected standard error and the t interval.

    Examples
    --------
    >>> mean, se, low, high = corrected_resampled_t([1.0, 2.0, 3.0, 2.0], 300, 100)
    >>> mean, round(se, 4), round(float(np.std([1, 2, 3, 2], ddof=1) / 2), 4)  # naive se: 0.4082
    (2.0, 0.6236, 0.4082)
    """
    d = np.asarray(differences, dtype=np.float64)
    if d.ndim != 1 or len(d) < 2:
        raise ValueError(f"differences must be 1-D with at least 2 values, got shape {d.shape}")
    n_train, n_val = check_positive_int(n_train, "n_train"), check_positive_int(n_val, "n_val")
    mean = float(d.mean())
    se = float(d.std(ddof=1) * np.sqrt(1 / len(d) + n_val / n_train))
    t = stats.t.ppf((1 + check_fraction(level, "level", low_inclusive=False)) / 2, len(d) - 1)
    return mean, se, mean - t * se, mean + t * se
