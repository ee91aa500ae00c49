"""
A pathology classifier in Keras
===============================

Fine-needle aspiration takes a few cells from a breast lump with a thin needle; a digitised
image of the cells is then measured. The Wisconsin diagnostic breast-cancer data, shipped with
scikit-learn, holds 569 such cases: for each, 30 numbers describing the cell nuclei in the
image and the diagnosis, malignant or benign.

This script follows the design of a clinical evaluation. A quarter of the cases is set aside
as the **test set** before anything else happens. On the rest, the *development set*, four-fold
cross-validation chooses the width and learning rate of a small network (trained with
``nnbook``, which is fast) and the penalty of a logistic regression; the chosen network is then
trained in Keras too, once per fold, and the operating point (the threshold on the predicted
probability) is chosen on the folds' validation cases to reach a sensitivity of 0.95. Only then
is the test set opened: sensitivity, specificity and the predictive values with Wilson
intervals, ROC AUC, the Brier score against the prevalence, calibration slope and intercept,
paired bootstrap differences between the models (one named primary, Holm's adjustment for the
rest), and the positive predictive value at an assumed prevalence of 5 %, with its
uncertainty.

**This is a teaching example, not a diagnostic tool.** The data is small, comes from one
institution in the early 1990s, and nothing here has been validated for clinical use.

Run it with ``python plot_pathology_classifier.py``; it takes about half a minute on a laptop.
"""

# %%
# Setting up
# ----------
# TensorFlow reads its settings from the environment when it is first imported:
# :func:`nnbook.compare.import_keras` sets :data:`nnbook.compare.TENSORFLOW_ENVIRONMENT`
# (start-up messages silenced, oneDNN's reordered sums off) and then imports Keras.
from nnbook.compare import import_keras

keras = import_keras()

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import roc_curve

from nnbook.datasets import standardize
from nnbook.evaluation import (
    auc_by_ranks,
    brier_score,
    brier_skill_score,
    calibration_bins,
    calibration_slope_intercept,
    choose_setting,
    confusion_counts,
    diagnostic_rates,
    fit_logistic_on_fold,
    fit_network_on_fold,
    held_out_split,
    holm,
    paired_bootstrap_difference,
    ppv_at_prevalence,
    stratified_folds,
    threshold_for_sensitivity,
)
from nnbook.plotting import COLORS

TEST_FRACTION, N_FOLDS, SPLIT_SEED = 0.25, 4, 0  # the design, fixed before any result is seen
HIDDEN_GRID = [(16, 8), (32, 16), (64, 32)]  # the widths of the two hidden layers
LEARNING_RATE_GRID = [1e-3, 3e-3, 1e-2, 3e-2]
C_GRID = [0.01, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0]  # logistic regression's inverse L2 penalty
BATCH_SIZE, MAX_EPOCHS, PATIENCE = 32, 500, 10
SENSITIVITY_TARGET = 0.95  # of malignant cases caught, on validation data
PREVALENCE = 0.05  # an assumed prevalence of malignancy for the PPV
N_RESAMPLES = 2000  # paired bootstrap resamples of the test set

# %%
# Set the test set aside, then cut the rest into folds
# ----------------------------------------------------
# scikit-learn codes benign as 1; we predict malignancy, so 1 = malignant. The test indices
# are drawn once, stratified by diagnosis, and from here on only the development indices are
# passed to anything that fits or chooses. Each model scales the features with the mean and
# standard deviation of its own training cases.
data = load_breast_cancer()
X, y = data.data, 1 - data.target
development, test = held_out_split(y, TEST_FRACTION, rng=SPLIT_SEED)
folds = stratified_folds(y, development, N_FOLDS, rng=SPLIT_SEED)
print(f"{len(development)} development cases in {N_FOLDS} folds, {len(test)} test cases set aside")

# %%
# Choose on the development set only
# ----------------------------------
# Every (width, learning rate) is trained on three folds with early stopping on the fourth,
# for each of the four folds; the setting with the lowest validation loss, averaged over the
# folds, wins. Logistic regression, the same network with no hidden layer, gets the same
# treatment for its penalty ``C``. :func:`~nnbook.evaluation.choose_setting` passes the
# scoring function fold indices only; it never receives a test index.
network_fits, logistic_fits = {}, {}


def fold_of(val):
    return next(k for k, (_, v) in enumerate(folds) if np.array_equal(v, val))


def network_loss(setting, train, val):
    k = fold_of(val)
    hidden, learning_rate = setting
    network_fits[setting, k] = fit_network_on_fold(
        X, y, train, val, hidden, learning_rate,
        batch_size=BATCH_SIZE, max_epochs=MAX_EPOCHS, patience=PATIENCE, rng=k,
    )  # fmt: skip
    return network_fits[setting, k].val_loss


def logistic_loss(C, train, val):
    logistic_fits[C, fold_of(val)] = fit_logistic_on_fold(X, y, train, val, C)
    return logistic_fits[C, fold_of(val)].val_loss


network_choice = choose_setting([(h, r) for h in HIDDEN_GRID for r in LEARNING_RATE_GRID], network_loss, folds)
logistic_choice = choose_setting(C_GRID, logistic_loss, folds)
HIDDEN, LEARNING_RATE = network_choice.best
C = logistic_choice.best
assert np.intersect1d(network_choice.touched, test).size == 0  # the selection saw no test case
print(f"chosen: hidden layers {HIDDEN}, learning rate {LEARNING_RATE:g}; logistic regression C = {C:g}")


# %%
# The chosen network in Keras
# ---------------------------
# Two hidden ReLU layers and **one output unit without an activation**: it outputs the logit
# of malignancy and the loss applies the sigmoid itself (``from_logits=True``). The training
# set is a ``tf.data`` pipeline reshuffled every epoch; ``EarlyStopping`` watches the
# validation fold and puts back the weights of the best epoch. One Keras network per fold,
# with the fold's own scaling.
def fit_keras_on_fold(train, val, seed):
    X_train, X_val, (mean, scale) = standardize(X[train], X[val])
    keras.utils.set_random_seed(seed)  # Keras' initial weights
    model = keras.Sequential(
        [
            keras.Input(shape=(X.shape[1],)),
            keras.layers.Dense(HIDDEN[0], activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dense(HIDDEN[1], activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dense(1),  # the logit of malignancy
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    train_data = tf.data.Dataset.from_tensor_slices((X_train, y[train][:, None].astype(float)))
    train_data = train_data.shuffle(len(train), seed=seed).batch(BATCH_SIZE)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)
    model.fit(
        train_data, validation_data=(X_val, y[val][:, None].astype(float)),
        epochs=MAX_EPOCHS, callbacks=[stop], shuffle=False, verbose=0,
    )  # fmt: skip

    def predict(rows):  # P(malignant), the sigmoid of the logit taken in float64
        logits = np.asarray(model((rows - mean) / scale, training=False), dtype=np.float64)[:, 0]
        return 1 / (1 + np.exp(-logits))

    return predict


keras_predict = [fit_keras_on_fold(train, val, seed=k) for k, (train, val) in enumerate(folds)]
predictors = {
    "Keras": keras_predict,
    "nnbook": [network_fits[network_choice.best, k].predict for k in range(N_FOLDS)],
    "logistic regression": [logistic_fits[C, k].predict for k in range(N_FOLDS)],
}
MODELS = list(predictors)

# %%
# The operating point, on validation data
# ---------------------------------------
# Each development case was a validation case of exactly one fold; its *out-of-fold*
# prediction comes from the model that did not train on it. The threshold is the largest one
# at which those predictions catch at least 95 % of the malignant development cases.
out_of_fold_y = np.concatenate([y[val] for _, val in folds])
thresholds = {}
for name, predict in predictors.items():
    out_of_fold_p = np.concatenate([predict[k](X[val]) for k, (_, val) in enumerate(folds)])
    thresholds[name] = threshold_for_sensitivity(out_of_fold_p, out_of_fold_y, SENSITIVITY_TARGET)

# %%
# Open the test set
# -----------------
# Each model is the average of its four fold models' probabilities, called malignant at its
# threshold. The Brier skill score compares with the prevalence baseline, a constant
# prediction equal to the share of malignant development cases.
y_test = y[test]
p_test = {name: np.mean([f(X[test]) for f in predict], axis=0) for name, predict in predictors.items()}
prevalence_dev = y[development].mean()
counts = {name: confusion_counts(p_test[name], y_test, thresholds[name]) for name in MODELS}
print(f"\n{len(test)} test cases, {y_test.sum()} malignant; sensitivity target {SENSITIVITY_TARGET:.2f}")
header = ["threshold", "sensitivity (95% CI)", "specificity (95% CI)", "AUC", "Brier skill"]
print(f"{'model':<20} {header[0]:>9} {header[1]:>22} {header[2]:>22} {header[3]:>6} {header[4]:>11}")
for name in MODELS:
    rates = diagnostic_rates(counts[name])
    cells = [f"{rates[r][0]:.3f} ({rates[r][1]:.2f}-{rates[r][2]:.2f})" for r in ("sensitivity", "specificity")]
    auc = auc_by_ranks(p_test[name], y_test)
    skill = brier_skill_score(p_test[name], y_test, prevalence_dev)
    print(f"{name:<20} {thresholds[name]:9.3f} {cells[0]:>22} {cells[1]:>22} {auc:6.3f} {skill:11.3f}")
for name in MODELS:
    rates = diagnostic_rates(counts[name])
    slope, intercept = calibration_slope_intercept(p_test[name], y_test)
    ppv, low, high = ppv_at_prevalence(counts[name], PREVALENCE)
    print(
        f"{name}: PPV {rates['ppv'][0]:.3f}, NPV {rates['npv'][0]:.3f} at the test set's prevalence;"
        f" PPV at {PREVALENCE:.0%} prevalence {ppv:.2f} (95% CI {low:.2f}-{high:.2f});"
        f" calibration slope {slope:.2f}, intercept {intercept:+.2f}"
    )

# %%
# Paired differences
# ------------------
# Two models are compared on the same resamples of the test cases, so that an easy or a hard
# draw of cases, which both share, cancels in the difference. One comparison is named primary
# in advance (nnbook against logistic regression on the Brier score); the p-values of the five
# others get Holm's adjustment for being made together.
PRIMARY = ("nnbook", "logistic regression", "Brier")
comparisons = {}
for a, b in [("Keras", "nnbook"), ("nnbook", "logistic regression"), ("Keras", "logistic regression")]:
    for label, statistic in [("AUC", auc_by_ranks), ("Brier", brier_score)]:
        comparisons[a, b, label] = paired_bootstrap_difference(
            statistic, p_test[a], p_test[b], y_test, n_resamples=N_RESAMPLES, rng=SPLIT_SEED,
            return_p_value=True,
        )  # fmt: skip
secondary = [c for c in comparisons if c != PRIMARY]
adjusted = dict(zip(secondary, holm([comparisons[c][3] for c in secondary])))
for (a, b, label), (d, low, high, p) in comparisons.items():
    note = "primary" if (a, b, label) == PRIMARY else f"Holm-adjusted p {adjusted[a, b, label]:.3f}"
    print(f"{a} - {b}, {label}: {d:+.4f} (95% CI {low:+.4f} to {high:+.4f}), p {p:.3f} ({note})")
    assert low <= d <= high

# The claims of the text above, checked: every model separates the classes far better than
# chance, and none is better than the other two by a margin the test set can resolve: the
# primary interval contains 0 and no secondary comparison survives Holm's adjustment.
_, low, high, _ = comparisons[PRIMARY]
assert low < 0 < high and all(value > 0.05 for value in adjusted.values())
for name in MODELS:
    assert auc_by_ranks(p_test[name], y_test) > 0.95
    assert brier_skill_score(p_test[name], y_test, prevalence_dev) > 0.6


# %%
# ROC curves and calibration
# --------------------------
# Left: the ROC curve of each model on the test set, the dot at the threshold chosen on
# validation data; the dashed line is the sensitivity target. Right: the reliability diagram,
# the observed share of malignant cases against the mean predicted probability in five bins
# of equal width; a calibrated model lies on the diagonal.
fig, (ax_roc, ax_cal) = plt.subplots(1, 2, figsize=(11, 5), facecolor="white", layout="constrained")
ax_roc.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--")
ax_roc.axhline(SENSITIVITY_TARGET, color="0.4", lw=1, ls=":", label="sensitivity target")
ax_cal.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="calibrated")
for i, name in enumerate(MODELS):
    fpr, tpr, _ = roc_curve(y_test, p_test[name])
    ax_roc.plot(fpr, tpr, color=COLORS[i], lw=2, label=name)
    c = counts[name]
    ax_roc.plot(c["fp"] / (c["fp"] + c["tn"]), c["tp"] / (c["tp"] + c["fn"]), "o", color=COLORS[i], ms=8)
    n, mean_p, fraction = calibration_bins(p_test[name], y_test)
    ax_cal.plot(mean_p[n > 0], fraction[n > 0], "o-", color=COLORS[i], label=name)
ax_roc.set(xlabel="false-positive rate (1 - specificity)", ylabel="sensitivity", xlim=(-0.02, 0.5), ylim=(0.5, 1.02))
ax_cal.set(xlabel="predicted probability of malignancy", ylabel="observed share malignant")
for ax in (ax_roc, ax_cal):
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")

# %%
# Run as a script, this file prints its tables and shows the figure in a window.
if __name__ == "__main__":
    plt.show()
