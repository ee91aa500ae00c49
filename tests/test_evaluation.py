"""nnbook.evaluation: the held-out design, the statistics, and that each catches a wrong answer.

THE test of the design is ``test_selection_never_sees_the_test_cases``: the pathology
chapter's selection, run on the real data, touches no test index, and poisoning every test
case (labels flipped, features NaN) changes nothing it computes.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpydoc.validate import validate
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from nnbook import evaluation as ev


def breast_cancer():
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    return data.data, 1 - data.target  # 1 = malignant


# --------------------------------------------------------------------------- the design


def test_held_out_split_is_a_stratified_partition():
    _, y = breast_cancer()
    dev, test = ev.held_out_split(y, 0.25, rng=0)
    assert np.intersect1d(dev, test).size == 0
    assert np.array_equal(np.union1d(dev, test), np.arange(len(y)))
    for c in (0, 1):
        assert abs(np.sum(y[test] == c) - 0.25 * np.sum(y == c)) <= 0.5
    again = ev.held_out_split(y, 0.25, rng=0)
    assert np.array_equal(again[1], test)  # reproducible from its seed


def test_folds_partition_the_development_set_only():
    _, y = breast_cancer()
    dev, test = ev.held_out_split(y, 0.25, rng=0)
    folds = ev.stratified_folds(y, dev, 4, rng=0)
    vals = np.concatenate([val for _, val in folds])
    assert np.array_equal(np.sort(vals), dev)  # each development case validates once
    for train, val in folds:
        assert np.intersect1d(train, val).size == 0
        assert np.array_equal(np.union1d(train, val), dev)
        assert np.intersect1d(np.union1d(train, val), test).size == 0
        assert abs(y[val].mean() - y[dev].mean()) < 0.02  # stratified


def pathology_selection(X, y, folds, settings):
    """The chapter's selection (small budget): one network per setting and fold."""

    def score(setting, train, val):
        hidden, rate = setting
        return ev.fit_network_on_fold(X, y, train, val, hidden, rate, max_epochs=15, patience=3, rng=0).val_loss

    return ev.choose_setting(settings, score, folds)


def test_selection_never_sees_the_test_cases():
    X, y = breast_cancer()
    dev, test = ev.held_out_split(y, 0.25, rng=0)
    folds = ev.stratified_folds(y, dev, 4, rng=0)
    settings = [((8,), 1e-2), ((8,), 3e-2), ((16, 8), 1e-2)]
    choice = pathology_selection(X, y, folds, settings)
    # 1. no index it passed to the models is a test index; it used every development case
    assert np.intersect1d(choice.touched, test).size == 0
    assert np.array_equal(choice.touched, dev)
    # 2. poisoned test cases (labels flipped, features NaN) change nothing it computes
    X_poisoned, y_poisoned = X.copy(), y.copy()
    X_poisoned[test] = np.nan
    y_poisoned[test] = 1 - y_poisoned[test]
    poisoned = pathology_selection(X_poisoned, y_poisoned, folds, settings)
    assert poisoned.best == choice.best
    for setting in settings:
        assert np.array_equal(poisoned.fold_scores[setting], choice.fold_scores[setting])
    # 3. and the check has teeth: a selection that scores on the test cases is caught
    leaky_folds = [(train, np.union1d(val, test[:5])) for train, val in folds]
    leaky = pathology_selection(X, y, leaky_folds, settings[:1])
    assert np.intersect1d(leaky.touched, test).size == 5
    with pytest.raises(ValueError, match="NaN"):  # and it cannot run on the poisoned data
        pathology_selection(X_poisoned, y_poisoned, leaky_folds, settings[:1])


def test_logistic_fit_uses_only_its_fold():
    X, y = breast_cancer()
    dev, test = ev.held_out_split(y, 0.25, rng=0)
    train, val = ev.stratified_folds(y, dev, 4, rng=0)[0]
    fit = ev.fit_logistic_on_fold(X, y, train, val, C=1.0)
    X_poisoned = X.copy()
    X_poisoned[test] = np.nan
    same = ev.fit_logistic_on_fold(X_poisoned, y, train, val, C=1.0)
    assert fit.val_loss == same.val_loss
    assert np.allclose(fit.mean, X[train].mean(axis=0))  # scaled on its training rows


def test_choose_setting_takes_the_lowest_mean_and_first_of_ties():
    folds = [(np.array([0]), np.array([1])), (np.array([1]), np.array([0]))]
    table = {"a": [1.0, 3.0], "b": [2.0, 2.0], "c": [0.0, 5.0]}
    choice = ev.choose_setting(list(table), lambda s, tr, va: table[s][int(va[0] == 0)], folds)
    assert choice.best == "a" and choice.mean_scores == {"a": 2.0, "b": 2.0, "c": 2.5}


# --------------------------------------------------------------------------- the threshold


def threshold_reaches_target(p, y, threshold, target):
    """Checker: sensitivity >= target at the threshold, and below it at any higher score."""
    positives = p[y == 1]
    if np.mean(positives >= threshold) < target:
        return False
    higher = positives[positives > threshold]
    return higher.size == 0 or np.mean(positives >= higher.min()) < target


@pytest.mark.parametrize("target", [0.5, 0.9, 0.95, 1.0])
def test_threshold_for_sensitivity_is_the_largest_that_reaches_the_target(target):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    p = 1 / (1 + np.exp(-(2 * y - 1 + rng.normal(size=200))))
    t = ev.threshold_for_sensitivity(p, y, target)
    assert threshold_reaches_target(p, y, t, target)
    # the checker catches a wrong answer: the next lower and next higher scores
    positives = np.sort(p[y == 1])
    i = np.searchsorted(positives, t)
    if i + 1 < len(positives):
        assert not threshold_reaches_target(p, y, positives[i + 1], target)
    if i > 0:
        assert not threshold_reaches_target(p, y, positives[i - 1], target)


# --------------------------------------------------------------------------- intervals


def is_wilson(k, n, interval, level=0.95):
    """Checker: each end solves the score equation |k/n - q| = z sqrt(q (1 - q) / n)."""
    z = stats.norm.ppf((1 + level) / 2)
    for q, end in zip(interval, ["low", "high"]):
        if (end == "low" and k == 0 and q == 0) or (end == "high" and k == n and q == 1):
            continue
        if abs(abs(k / n - q) - z * np.sqrt(q * (1 - q) / n)) > 1e-9:
            return False
    return True


def is_clopper_pearson(k, n, interval, level=0.95):
    """Checker: P(X >= k | low) = alpha/2 and P(X <= k | high) = alpha/2 for X ~ Bin(n, q)."""
    alpha = 1 - level
    low, high = interval
    ok_low = (k == 0 and low == 0) or abs(stats.binom.sf(k - 1, n, low) - alpha / 2) < 1e-9
    ok_high = (k == n and high == 1) or abs(stats.binom.cdf(k, n, high) - alpha / 2) < 1e-9
    return ok_low and ok_high


@pytest.mark.parametrize("k, n", [(0, 10), (3, 10), (10, 10), (47, 53), (89, 89), (152, 159)])
def test_intervals_solve_their_defining_equations(k, n):
    wilson = ev.wilson_interval(k, n)
    exact = ev.clopper_pearson_interval(k, n)
    assert is_wilson(k, n, wilson) and is_clopper_pearson(k, n, exact)
    # each checker catches a wrong answer: the Wald interval, and each other's interval
    p, z = k / n, stats.norm.ppf(0.975)
    wald = (p - z * np.sqrt(p * (1 - p) / n), p + z * np.sqrt(p * (1 - p) / n))
    if 0 < k < n:
        assert not is_wilson(k, n, wald) and not is_clopper_pearson(k, n, wald)
        assert not is_wilson(k, n, exact) and not is_clopper_pearson(k, n, wilson)


def test_diagnostic_rates_count_the_right_cells():
    rates = ev.diagnostic_rates({"tp": 47, "fn": 6, "fp": 1, "tn": 88})
    assert rates["sensitivity"][0] == 47 / 53 and rates["specificity"][0] == 88 / 89
    assert rates["ppv"][0] == 47 / 48 and rates["npv"][0] == 88 / 94
    for estimate, low, high in rates.values():
        assert low < estimate <= high


def test_ppv_interval_covers_at_least_its_level():
    rng = np.random.default_rng(0)
    se, sp, prevalence, n1, n0 = 0.9, 0.97, 0.05, 50, 90
    true_ppv = ev.predictive_values(se, sp, prevalence)[0]
    covered = 0
    for _ in range(400):
        tp, tn = rng.binomial(n1, se), rng.binomial(n0, sp)
        _, low, high = ev.ppv_at_prevalence({"tp": tp, "fn": n1 - tp, "fp": n0 - tn, "tn": tn}, prevalence)
        covered += low <= true_ppv <= high
    assert covered / 400 >= 0.95
    # the point estimate is Bayes' rule on the counted rates; at the data's own prevalence, the count
    counts = {"tp": 45, "fn": 5, "fp": 3, "tn": 87}
    ppv, _, _ = ev.ppv_at_prevalence(counts, 50 / 140)
    assert abs(ppv - 45 / 48) < 1e-12
    # no false positive: the point estimate is 1, and the interval says how little that means
    ppv, low, high = ev.ppv_at_prevalence({"tp": 47, "fn": 6, "fp": 0, "tn": 89}, 0.05)
    assert ppv == 1.0 == high and low < 0.6


# --------------------------------------------------------------------------- scores


def test_auc_by_ranks_matches_scikit_learn_and_pairs():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 60)
    p = np.round(rng.random(60), 1)  # with ties
    pairs = np.mean((p[y == 1][:, None] > p[y == 0]) + 0.5 * (p[y == 1][:, None] == p[y == 0]))
    assert abs(ev.auc_by_ranks(p, y) - roc_auc_score(y, p)) < 1e-12
    assert abs(ev.auc_by_ranks(p, y) - pairs) < 1e-12
    batch = ev.auc_by_ranks(np.stack([p, 1 - p]), np.stack([y, y]))
    assert np.allclose(batch, [pairs, 1 - pairs])


def test_brier_skill_against_the_prevalence():
    y = np.array([1, 0, 0, 0])
    assert ev.brier_skill_score(np.full(4, 0.25), y, 0.25) == 0.0  # the reference itself
    assert ev.brier_skill_score(y.astype(float), y, 0.25) == 1.0  # perfect
    # the "predict 0" reference would call a useless constant forecast skilful
    assert ev.brier_score(np.zeros(4), y) == 0.25 > ev.brier_score(np.full(4, 0.25), y)


def test_calibration_slope_and_intercept_match_a_logistic_fit():
    rng = np.random.default_rng(0)
    logit = rng.normal(0, 2, 3000)
    y = rng.random(3000) < 1 / (1 + np.exp(-logit))  # calibrated by construction
    p = 1 / (1 + np.exp(-logit))
    slope, intercept = ev.calibration_slope_intercept(p, y.astype(int))
    assert abs(slope - 1) < 0.1 and abs(intercept) < 0.1
    # too extreme predictions (logits doubled) give a slope of about 1/2
    assert abs(ev.calibration_slope_intercept(1 / (1 + np.exp(-2 * logit)), y.astype(int))[0] - 0.5) < 0.05
    # the slope is scikit-learn's unpenalised logistic regression on the logit
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(logit[:, None], y)
    assert abs(slope - reference.coef_[0, 0]) < 1e-6
    # the intercept makes the mean prediction equal the observed rate (the score equation)
    assert abs(np.mean(1 / (1 + np.exp(-(intercept + logit)))) - y.mean()) < 1e-10


def test_calibration_refuses_separated_classes():
    with pytest.raises(ValueError, match="separated"):
        ev.calibration_slope_intercept(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1]))
    # quasi-complete separation: the classes touch at one value; the slope is still infinite
    with pytest.raises(ValueError, match="separated"):
        ev.calibration_slope_intercept(np.array([0.1, 0.5, 0.5, 0.9]), np.array([0, 0, 1, 1]))
    # separation the other way round (positives lowest): the slope is minus infinity
    with pytest.raises(ValueError, match="separated"):
        ev.calibration_slope_intercept(np.array([0.1, 0.5, 0.5, 0.9]), np.array([1, 1, 0, 0]))
    # one overlap is enough for a finite slope
    slope, _ = ev.calibration_slope_intercept(np.array([0.1, 0.6, 0.5, 0.9]), np.array([0, 0, 1, 1]))
    assert np.isfinite(slope)


# --------------------------------------------------------------------------- comparisons


def test_paired_bootstrap_is_narrower_than_unpaired_for_correlated_models():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 150)
    shared = rng.normal(size=150)
    p_a = 1 / (1 + np.exp(-(3 * (2 * y - 1) + shared + 0.3 * rng.normal(size=150))))
    p_b = 1 / (1 + np.exp(-(3 * (2 * y - 1) + shared + 0.3 * rng.normal(size=150))))
    d, low, high = ev.paired_bootstrap_difference(ev.brier_score, p_a, p_b, y, rng=0)
    assert low <= d <= high
    assert abs(d - (ev.brier_score(p_a, y) - ev.brier_score(p_b, y))) < 1e-15
    # the unpaired interval (independent resamples) is wider: pairing cancels what is shared
    idx_a = np.random.default_rng(1).integers(0, 150, (2000, 150))
    idx_b = np.random.default_rng(2).integers(0, 150, (2000, 150))
    unpaired = ev.brier_score(p_a[idx_a], y[idx_a]) - ev.brier_score(p_b[idx_b], y[idx_b])
    assert high - low < 0.5 * np.subtract(*np.quantile(unpaired, [0.975, 0.025]))
    # identical models differ by exactly 0 on every resample
    assert ev.paired_bootstrap_difference(ev.auc_by_ranks, p_a, p_a, y, rng=0) == (0.0, 0.0, 0.0)


def test_bootstrap_p_value_matches_the_percentile_interval():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 120)
    p_a = np.clip(0.8 * y + 0.1 + 0.15 * rng.normal(size=120), 0, 1)
    p_b = np.clip(p_a + 0.1 * rng.normal(size=120), 0, 1)  # close: p about 0.04
    d, low, high, p = ev.paired_bootstrap_difference(ev.brier_score, p_a, p_b, y, rng=0, return_p_value=True)
    assert (d, low, high) == ev.paired_bootstrap_difference(ev.brier_score, p_a, p_b, y, rng=0)
    assert 0.01 < p < 0.2
    # the interval at level 1 - p just reaches 0; a slightly wider one contains it
    for level, contains in [(1 - p * 1.02, False), (1 - p * 0.98, True)]:
        _, lo, hi = ev.paired_bootstrap_difference(ev.brier_score, p_a, p_b, y, rng=0, level=level)
        assert (lo <= 0 <= hi) == contains, (p, level, lo, hi)


def test_bootstrap_interval_covers_its_estimate():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 100)
    p = np.clip(0.5 * y + 0.25 + 0.2 * rng.normal(size=100), 0, 1)
    auc, low, high = ev.bootstrap_interval(ev.auc_by_ranks, p, y, rng=0)
    assert auc == ev.auc_by_ranks(p, y) and low < auc < high < 1


def _holm_rejections(p, alpha):
    """Holm's procedure, by its definition: step down the sorted p-values."""
    rejected, m = set(), len(p)
    for step, i in enumerate(np.argsort(p, kind="stable")):
        if p[i] > alpha / (m - step):
            break
        rejected.add(int(i))
    return rejected


@pytest.mark.parametrize("seed", range(5))
def test_holm_adjusted_values_reproduce_the_step_down_procedure(seed):
    p = np.random.default_rng(seed).uniform(0, 0.1, 6) ** 1.5
    adjusted = ev.holm(p)
    assert np.all(adjusted >= p) and np.all(adjusted <= 1)
    for alpha in np.linspace(0.001, 0.2, 400):
        assert {int(i) for i in np.flatnonzero(adjusted <= alpha)} == _holm_rejections(p, alpha)


def test_holm_catches_a_wrong_adjustment():
    # Bonferroni (m p) and a step-down without the running maximum both fail the definition
    p = np.array([0.01, 0.04, 0.03])
    bonferroni = np.minimum(1, 3 * p)
    order = np.argsort(p)
    no_maximum = np.empty(3)
    no_maximum[order] = (3 - np.arange(3)) * p[order]
    assert not np.allclose(ev.holm(p), bonferroni) and not np.allclose(ev.holm(p), no_maximum)
    for wrong in (bonferroni, no_maximum):
        assert any({int(i) for i in np.flatnonzero(wrong <= a)} != _holm_rejections(p, a)
                   for a in np.linspace(0.001, 0.2, 400))  # fmt: skip


def test_corrected_resampled_t_is_wider_than_the_naive_one():
    d = np.array([0.004, -0.001, 0.003, 0.002])
    mean, se, low, high = ev.corrected_resampled_t(d, 320, 107)
    naive = d.std(ddof=1) / 2
    assert abs(se - d.std(ddof=1) * np.sqrt(1 / 4 + 107 / 320)) < 1e-15
    assert se > 1.5 * naive  # four overlapping folds: the naive standard error is too small
    t = stats.t.ppf(0.975, 3)
    assert abs(high - low - 2 * t * se) < 1e-15 and abs(mean - d.mean()) < 1e-15


# --------------------------------------------------------------------------- docs and input


@pytest.mark.parametrize("name", ev.__all__)
def test_docstrings_are_valid_numpydoc(name):
    obj = getattr(ev, name)
    report = validate(f"nnbook.evaluation.{name}")
    codes = {code for code, _ in report["errors"]} & {"GL08", "SS01", "PR01", "PR02", "PR03", "RT01"}
    if isinstance(obj, type):
        codes -= {"RT01"}
    assert not codes, (name, report["errors"])
    assert "Examples" in (obj.__doc__ or "") or isinstance(obj, type)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ev.held_out_split([0, 1, 2]), "0/1 labels"),
        (lambda: ev.stratified_folds([0, 1], [0, 1], 1), "at least 2"),
        (lambda: ev.threshold_for_sensitivity([0.1, 0.2], [0, 0]), "no positive"),
        (lambda: ev.threshold_for_sensitivity([0.1, 0.2], [0, 1], 1.5), r"\(0, 1\]"),
        (lambda: ev.wilson_interval(5, 3), "0 <= k <= n"),
        (lambda: ev.confusion_counts([0.1], [0, 1]), "shape"),
        (lambda: ev.corrected_resampled_t([1.0], 10, 5), "at least 2"),
        (lambda: ev.choose_setting([], lambda *a: 0.0, []), "empty"),
        (lambda: ev.holm([0.5, 1.5]), r"\[0, 1\]"),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()
