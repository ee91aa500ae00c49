"""Tests of nnbook.datasets: synthetic data, splitting, scaling, real data."""

from __future__ import annotations

import numpy as np
import pytest

from nnbook.datasets import (
    DataSplit,
    generate_spiral_data,
    generate_xor_data,
    load_breast_cancer,
    load_digits,
    standardize,
    train_val_split,
)


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(rng=0)


@pytest.fixture(scope="module")
def digits():
    return load_digits(rng=0)


# -- XOR ----------------------------------------------------------------------------------------


def test_xor_labels_follow_the_sign_rule():
    X, Y, y = generate_xor_data(500, rng=3)
    assert X.shape == (500, 2) and Y.shape == (500, 2) and y.shape == (500,)
    assert np.issubdtype(y.dtype, np.integer)
    for (x1, x2), label in zip(X.tolist(), y.tolist()):
        assert label == (1 if (x1 > 0) == (x2 > 0) else 0)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    # both classes are well represented (about half each for standard normal points)
    assert 0.4 < y.mean() < 0.6


def test_xor_is_not_linearly_separable_by_the_axes():
    X, _, y = generate_xor_data(400, rng=0)
    # every quadrant is present, and opposite quadrants share a label
    quadrant = (X[:, 0] > 0).astype(int) * 2 + (X[:, 1] > 0).astype(int)
    assert set(quadrant.tolist()) == {0, 1, 2, 3}
    assert set(y[quadrant == 0]) == set(y[quadrant == 3]) == {1}
    assert set(y[quadrant == 1]) == set(y[quadrant == 2]) == {0}


# -- spirals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, k", [(100, 3), (7, 5), (1, 2)])
def test_spiral_shapes_and_class_counts(n, k):
    X, Y, y = generate_spiral_data(n, k, rng=0)
    assert X.shape == (n * k, 2) and Y.shape == (n * k, k) and y.shape == (n * k,)
    np.testing.assert_array_equal(np.bincount(y, minlength=k), [n] * k)
    np.testing.assert_array_equal(Y, np.eye(k)[y])


def test_spiral_geometry():
    X, _, y = generate_spiral_data(50, 3, noise=0.0, rng=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    # radius grows linearly from 0 to 1 within each class
    for k in range(3):
        np.testing.assert_allclose(radius[y == k], np.linspace(0, 1, 50), atol=1e-12)
    # without noise the angle is linear too: x = r sin t, y = r cos t
    t = np.linspace(4.0, 8.0, 50)
    np.testing.assert_allclose(
        X[y == 1], np.c_[np.linspace(0, 1, 50) * np.sin(t), np.linspace(0, 1, 50) * np.cos(t)], atol=1e-12
    )


# -- reproducibility and the global random state -------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: generate_xor_data(20, rng=rng),
        lambda rng: generate_spiral_data(10, 3, rng=rng),
        lambda rng: train_val_split(np.arange(40.0).reshape(20, 2), np.arange(20) % 2, 0.3, rng=rng),
    ],
    ids=["xor", "spiral", "split"],
)
def test_same_seed_same_output_different_seed_different_output(make):
    a, b, c = make(5), make(5), make(6)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, z) for x, z in zip(a, c))
    # a Generator in the same state gives the same output as its seed
    for x, y in zip(make(np.random.default_rng(5)), a):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: generate_xor_data(20, rng=rng),
        lambda rng: generate_spiral_data(10, 3, rng=rng),
        lambda rng: train_val_split(np.arange(40.0).reshape(20, 2), np.arange(20) % 2, 0.3, rng=rng),
        lambda rng: (load_breast_cancer(rng=rng).X_train,),
    ],
    ids=["xor", "spiral", "split", "cancer"],
)
def test_global_numpy_random_state_is_neither_used_nor_changed(make):
    np.random.seed(1)
    first = make(11)
    state = np.random.get_state()
    np.random.seed(2)
    second = make(11)
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x, y)  # the global seed did not matter
    np.random.seed(1)
    make(11)
    after = np.random.get_state()
    assert after[0] == state[0]
    np.testing.assert_array_equal(after[1], state[1])  # nor did the call advance the global state
    assert after[2:] == state[2:]


def test_default_rng_none_is_reproducible():
    for x, y in zip(generate_xor_data(10), generate_xor_data(10)):
        np.testing.assert_array_equal(x, y)


# -- train_val_split --------------------------------------------------------------------------------


def test_split_is_stratified_shuffled_disjoint_and_complete():
    X, Y, y = generate_spiral_data(100, 3, rng=0)
    # every spiral starts at the origin, so rows repeat across classes: tag each row with its index
    X = np.c_[X, np.arange(len(X))]
    X_tr, X_val, y_tr, y_val = train_val_split(X, y, 0.2, rng=1)
    n_val = np.bincount(y_val, minlength=3)
    n_tr = np.bincount(y_tr, minlength=3)
    # proportions preserved: 0.2 * 100 = 20 per class in validation, within +-1
    assert np.all(np.abs(n_val - 20) <= 1) and np.all(n_tr + n_val == 100)
    # shuffled: the spirals come sorted by class, so a slice would be all class 2 (defect 8)
    assert len(set(y_val.tolist())) == 3
    assert len(set(y_val[:10].tolist())) > 1
    assert len(set(y_tr[:30].tolist())) > 1
    # disjoint and complete
    assert len(X_tr) + len(X_val) == len(X)
    tr_idx, val_idx = X_tr[:, 2].astype(int), X_val[:, 2].astype(int)
    assert set(tr_idx).isdisjoint(val_idx)
    np.testing.assert_array_equal(np.sort(np.r_[tr_idx, val_idx]), np.arange(len(X)))
    # rows stay whole and keep their labels
    np.testing.assert_array_equal(X_tr, X[tr_idx])
    np.testing.assert_array_equal(X_val, X[val_idx])
    np.testing.assert_array_equal(y_tr, y[tr_idx])
    np.testing.assert_array_equal(y_val, y[val_idx])


def test_split_with_unbalanced_classes_keeps_proportions():
    y = np.array([0] * 90 + [1] * 10 + [2] * 50)
    X = np.arange(len(y) * 3, dtype=float).reshape(-1, 3)
    _, X_val, _, y_val = train_val_split(X, y, 0.3, rng=0)
    for c, n_c in zip(range(3), (90, 10, 50)):
        assert abs(np.sum(y_val == c) - 0.3 * n_c) <= 1


def test_split_one_hot_labels_stratified():
    X, Y, y = generate_spiral_data(20, 4, rng=0)
    X_tr, X_val, Y_tr, Y_val = train_val_split(X, Y, 0.25, rng=0)
    assert Y_val.shape[1] == 4
    np.testing.assert_array_equal(np.bincount(Y_val.argmax(axis=1)), [5, 5, 5, 5])


def test_split_small_class_gets_at_least_one_validation_sample_but_not_all():
    y = np.array([0] * 20 + [1] * 2)
    X = np.arange(44.0).reshape(22, 2)
    _, _, y_tr, y_val = train_val_split(X, y, 0.1, rng=0)
    assert np.sum(y_val == 1) == 1 and np.sum(y_tr == 1) == 1


def test_split_without_stratification_for_regression():
    X = np.arange(50.0).reshape(25, 2)
    t = np.linspace(0, 1, 25) ** 2  # continuous targets
    X_tr, X_val, t_tr, t_val = train_val_split(X, t, 0.2, rng=0, stratify=False)
    assert len(X_val) == 5 and len(X_tr) == 20
    np.testing.assert_array_equal(np.sort(np.r_[t_tr, t_val]), t)
    np.testing.assert_array_equal(X_val[:, 0] / 2, np.searchsorted(t, t_val))  # rows and targets stay paired


# -- standardize ------------------------------------------------------------------------------------


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    X_train = rng.normal(loc=5.0, scale=3.0, size=(200, 3))
    X_test = rng.normal(loc=9.0, scale=1.0, size=(50, 3))  # shifted distribution
    Z_train, Z_test, (mean, scale) = standardize(X_train, X_test)
    np.testing.assert_allclose(mean, X_train.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(scale, X_train.std(axis=0), rtol=1e-14)
    np.testing.assert_allclose(Z_train.mean(axis=0), 0, atol=1e-13)
    np.testing.assert_allclose(Z_train.std(axis=0), 1, rtol=1e-13)
    np.testing.assert_allclose(Z_test, (X_test - mean) / scale, rtol=1e-14)
    # the test set is not forced to mean 0: it sits about (9 - 5) / 3 standard deviations away
    assert np.all(Z_test.mean(axis=0) > 1.0)


def test_standardize_constant_feature_is_centred_not_scaled():
    X = np.array([[1.0, 7.0], [3.0, 7.0]])
    Z, (mean, scale) = standardize(X)
    np.testing.assert_array_equal(Z, [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(scale, [1.0, 1.0])
    assert np.all(np.isfinite(Z))


def test_standardize_several_others_keep_order():
    X = np.array([[0.0], [2.0]])
    a, b, c, (mean, scale) = standardize(X, [[4.0]], [[-2.0], [1.0]])
    assert a.ravel().tolist() == [-1.0, 1.0]
    assert b.ravel().tolist() == [3.0] and c.ravel().tolist() == [-3.0, 0.0]


# -- real data ----------------------------------------------------------------------------------


def _check_split(split, n_total, n_features, n_classes, class_counts):
    assert isinstance(split, DataSplit)
    assert split.n_features == n_features and split.n_classes == n_classes
    parts = (split.X_train, split.X_val, split.X_test)
    labels = (split.y_train, split.y_val, split.y_test)
    assert sum(len(X) for X in parts) == n_total
    for X, y in zip(parts, labels):
        assert X.shape == (len(y), n_features)
        assert np.issubdtype(y.dtype, np.integer)
        assert y.min() >= 0 and y.max() < n_classes
    # 60/20/20 of the data, and stratified: each class in each part in proportion, within 1-2
    assert abs(len(split.X_test) - 0.2 * n_total) <= n_classes
    assert abs(len(split.X_val) - 0.2 * n_total) <= n_classes
    for y, frac in zip(labels, (0.6, 0.2, 0.2)):
        counts = np.bincount(y, minlength=n_classes)
        np.testing.assert_allclose(counts, frac * np.asarray(class_counts), atol=2)
    # standardised with the training statistics
    train_std = split.X_train.std(axis=0)
    constant = train_std < 1e-12
    np.testing.assert_allclose(split.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(train_std[~constant], 1, rtol=1e-12)
    np.testing.assert_array_equal(split.X_train[:, constant], 0.0)
    # validation and test sets are scaled with the same numbers, not their own
    assert not np.allclose(split.X_test.mean(axis=0)[~constant], 0, atol=1e-6)
    return constant


def test_load_breast_cancer(cancer):
    # 569 biopsies: 212 malignant (label 0), 357 benign (label 1)
    constant = _check_split(cancer, 569, 30, 2, (212, 357))
    assert not constant.any()
    assert cancer.target_names == ["malignant", "benign"]
    assert len(cancer.feature_names) == 30 and cancer.feature_names[0] == "mean radius"
    assert all(type(name) is str for name in cancer.target_names + cancer.feature_names)  # not np.str_


def test_load_breast_cancer_undoes_to_the_raw_data(cancer):
    from sklearn import datasets as skd

    raw = skd.load_breast_cancer()
    restored = np.vstack([cancer.X_train, cancer.X_val, cancer.X_test]) * cancer.scale + cancer.mean
    # every row of the split is a row of the raw data, each once
    raw_sorted = raw.data[np.lexsort(raw.data.T[::-1])]
    res_sorted = restored[np.lexsort(restored.T[::-1])]
    np.testing.assert_allclose(res_sorted, raw_sorted, rtol=1e-10, atol=1e-10)


def test_load_digits(digits):
    # 1797 images; classes 0..9 with 178, 182, 177, 183, 181, 182, 181, 179, 174, 180 samples
    counts = (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)
    constant = _check_split(digits, 1797, 64, 10, counts)
    assert constant.any()  # blank border pixels (e.g. the top-left corner) are constant
    assert constant[0]
    assert digits.target_names == [str(d) for d in range(10)]
    assert np.all(np.isfinite(digits.X_train)) and np.all(np.isfinite(digits.X_test))


def test_load_digits_fractions_and_seed():
    split = load_digits(val_fraction=0.1, test_fraction=0.3, rng=4)
    assert abs(len(split.y_test) - 0.3 * 1797) <= 10
    assert abs(len(split.y_val) - 0.1 * 1797) <= 10
    again = load_digits(val_fraction=0.1, test_fraction=0.3, rng=4)
    np.testing.assert_array_equal(split.X_train, again.X_train)
    other = load_digits(val_fraction=0.1, test_fraction=0.3, rng=5)
    assert not np.array_equal(split.y_train, other.y_train)


def test_loaders_reject_fractions_summing_to_one_or_more():
    with pytest.raises(ValueError, match="positive with a sum below 1, got 0.5 and 0.5"):
        load_digits(val_fraction=0.5, test_fraction=0.5)
