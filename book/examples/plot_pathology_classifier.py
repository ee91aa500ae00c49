"""
A pathology classifier in Keras
===============================

Fine-needle aspiration takes a few cells from a breast lump with a thin needle; a digitised
image of the cells is then measured. The Wisconsin diagnostic breast-cancer data, shipped with
scikit-learn, holds 569 such cases: for each, 30 numbers describing the cell nuclei in the
image (radius, texture, perimeter, area, smoothness, compactness, concavity, concave points,
symmetry and fractal dimension, each as the mean, the standard error and the worst value over
the nuclei) and the diagnosis, malignant or benign.

This script chooses the width and learning rate of a small network on validation data (with
``nnbook``, which is fast), trains the chosen network in Keras with early stopping, and
evaluates it on a held-out test set against ``nnbook``, logistic regression and a
majority-class baseline, over four random splits: accuracy and ROC AUC with bootstrap
confidence intervals, paired differences between the models, the ROC curve, calibration
(reliability diagram and expected calibration error) and the predictive values at a stated
prevalence.

**This is a teaching example, not a diagnostic tool.** The data is small, comes from one
institution in the early 1990s, and nothing here has been validated for clinical use.

Run it with ``python plot_pathology_classifier.py``; it takes well under half a minute on a laptop.
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
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve

from nnbook import Adam, CrossEntropyLoss, NeuralNetwork, train_network
from nnbook.datasets import load_breast_cancer
from nnbook.plotting import COLORS

SEEDS = [0, 1, 2, 3]  # four different splits and initialisations
HIDDEN_GRID = [(16, 8), (32, 16), (64, 32)]  # the widths of the two hidden layers
LEARNING_RATE_GRID = [3e-3, 1e-2, 3e-2, 1e-1]
BATCH_SIZE = 32
MAX_EPOCHS = 500
PATIENCE = 10  # stop after 10 epochs without a better validation loss
N_RESAMPLES = 2000  # bootstrap resamples of each test set
PREVALENCE = 0.05  # an assumed prevalence of malignancy for the predictive values
rng = np.random.default_rng(2024)  # the bootstrap's generator


# %%
# Data
# ----
# ``load_breast_cancer`` splits the cases, stratified by diagnosis, into 60 % training,
# 20 % validation and 20 % test, and standardises every feature with the mean and standard
# deviation of the *training* set only: the validation and test cases play the part of future
# patients, whose values cannot inform the scaling. scikit-learn codes benign as 1; we predict
# malignancy, so the positive class (1) is malignant.
def load_data(seed):
    data = load_breast_cancer(val_fraction=0.2, test_fraction=0.2, rng=seed)
    X = {"train": data.X_train, "val": data.X_val, "test": data.X_test}
    y = {  # 1 = malignant, 0 = benign
        "train": 1 - data.y_train,
        "val": 1 - data.y_val,
        "test": 1 - data.y_test,
    }
    return X, y


# %%
# Choosing the hyper-parameters on validation data
# ------------------------------------------------
# The network has two hidden ReLU layers and one sigmoid output. Their widths and the
# learning rate of Adam are chosen from a small grid: ``nnbook`` trains every setting on
# every split's training set, with early stopping on its validation set (which also chooses
# the number of epochs), and the setting with the lowest validation loss, averaged over the
# splits, wins. The test sets play no part. The batch size and the patience are fixed.
def train_nnbook(X, y, hidden, learning_rate, seed):
    rng = np.random.default_rng(seed)  # initial weights and batch order
    net = NeuralNetwork([X["train"].shape[1], *hidden, 1], ["relu", "relu", "sigmoid"], rng=rng)
    history = train_network(
        net, X["train"], y["train"], X["val"], y["val"], CrossEntropyLoss(),
        epochs=MAX_EPOCHS, batch_size=BATCH_SIZE, optimizer=Adam(learning_rate),
        patience=PATIENCE, rng=rng, progress=False,
    )  # fmt: skip
    return net, history


def choose_hyperparameters(splits):
    runs, val_loss = {}, {}
    for hidden in HIDDEN_GRID:
        for learning_rate in LEARNING_RATE_GRID:
            setting = (hidden, learning_rate)
            runs[setting] = [train_nnbook(X, y, hidden, learning_rate, seed) for seed, (X, y) in splits.items()]
            val_loss[setting] = np.mean([min(history["val_loss"]) for _, history in runs[setting]])
    best = min(val_loss, key=val_loss.get)
    return best, val_loss, runs[best]


splits = {seed: load_data(seed) for seed in SEEDS}
(HIDDEN, LEARNING_RATE), grid_val_loss, nnbook_fits = choose_hyperparameters(splits)
print(f"chosen on validation data: hidden layers {HIDDEN}, learning rate {LEARNING_RATE:g}")


# %%
# The model in Keras
# ------------------
# The chosen network in Keras: two hidden ReLU layers and **one output unit without an
# activation**: it outputs the logit :math:`z`, the log-odds of malignancy, and the loss
# applies the sigmoid itself (``from_logits=True``), which is exact for any logit. The
# probability is :math:`\sigma(z)`. Accuracy is measured on the logit, so its threshold is 0
# (:math:`\sigma(z) \ge 0.5 \iff z \ge 0`).
def build_model(n_features, hidden=HIDDEN, learning_rate=LEARNING_RATE):
    model = keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dense(hidden[0], activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dense(hidden[1], activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dense(1),  # the logit of malignancy
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)],
    )
    return model


# %%
# Training with early stopping
# ----------------------------
# The training set is fed as a ``tf.data`` pipeline, reshuffled every epoch (in this small
# problem it runs Keras' epochs faster than ``fit`` on NumPy arrays); the validation loss is
# computed after every epoch, and ``EarlyStopping`` ends training when it has not improved for
# ``PATIENCE`` epochs, putting back the weights of the best epoch. Keras is trained once per
# split, with the setting chosen above.
def train(model, X, y, seed):
    train_data = (
        tf.data.Dataset.from_tensor_slices((X["train"], y["train"][:, None]))
        .shuffle(len(X["train"]), seed=seed)
        .batch(BATCH_SIZE)
    )
    val_data = tf.data.Dataset.from_tensor_slices((X["val"], y["val"][:, None]))
    val_data = val_data.batch(len(X["val"]))  # one batch
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)
    history = model.fit(
        train_data,
        validation_data=val_data,
        epochs=MAX_EPOCHS,
        callbacks=[early_stopping],
        shuffle=False,  # the pipeline shuffles
        verbose=0,
    )
    return history.history, early_stopping.best_epoch


# %%
# Evaluation
# ----------
# On the test set, which played no part in training, early stopping or the choice of the
# hyper-parameters: the accuracy at the threshold 0.5, the area under the ROC curve (the
# probability that a random malignant case gets a higher score than a random benign one; it
# does not depend on a threshold) and the confusion matrix, rows the true class and columns
# the predicted one, malignant first. ``auc_by_ranks`` computes the AUC from the ranks of the
# scores (the Mann-Whitney form), for many resamples at once.
def predict_proba(model, X):
    logits = model(X, training=False)
    return np.asarray(keras.ops.sigmoid(logits))[:, 0]  # P(malignant)


def auc_by_ranks(p, y):
    """AUC of scores ``p`` for labels ``y``, shape (n,) or (resamples, n); ties count 1/2."""
    ranks = rankdata(p, axis=-1)  # average ranks for ties, 1 = lowest score
    n1 = np.sum(y == 1, axis=-1)
    n0 = np.sum(y == 0, axis=-1)
    return (np.sum(ranks * (y == 1), axis=-1) - n1 * (n1 + 1) / 2) / (n1 * n0)


def evaluate(p, y):
    predicted = (p >= 0.5).astype(int)
    return {
        "accuracy": float(np.mean(predicted == y)),
        "auc": float(roc_auc_score(y, p)),
        "confusion": confusion_matrix(y, predicted, labels=[1, 0]),
    }


# %%
# Two baselines
# -------------
# The **majority-class baseline** calls every case benign, the more frequent class in the
# training set, whatever its features: its accuracy is the fraction of benign test cases, and
# since it gives every case the same score, its AUC is 0.5. Any model must beat it.
# **Logistic regression** is a network without hidden layers: one sigmoid unit on the 30
# features. scikit-learn's version adds an L2 penalty (``C=1``) and trains on the same
# training cases; it needs no validation set.
def majority_class(X, y):
    return np.full(len(X["test"]), float(np.mean(y["train"]) > 0.5))  # P(malignant): 0 or 1


def logistic_regression(X, y):
    baseline = LogisticRegression(C=1.0, max_iter=1000)
    baseline.fit(X["train"], y["train"])
    return baseline.predict_proba(X["test"])[:, 1]  # P(malignant)


# %%
# Four splits
# -----------
# A test set of a fifth of 569 cases is small: one misclassified case moves the accuracy by
# almost a percentage point. Repeating everything over four seeds (split, initial weights,
# batch order) shows how much of a difference is noise. All models of one seed share its
# split, so their differences can be taken seed by seed.
results = {"Keras": [], "nnbook": [], "logistic regression": [], "majority class": []}
for seed, (net, nnbook_history) in zip(SEEDS, nnbook_fits):
    X, y = splits[seed]
    keras.utils.set_random_seed(seed)  # Keras' initial weights
    model = build_model(X["train"].shape[1])
    history, best_epoch = train(model, X, y, seed)
    predictions = {
        "Keras": predict_proba(model, X["test"]),
        "nnbook": net.predict_proba(X["test"])[:, 1],
        "logistic regression": logistic_regression(X, y),
        "majority class": majority_class(X, y),
    }
    fits = {"Keras": (history, best_epoch), "nnbook": (nnbook_history, nnbook_history["best_epoch"])}
    for name, p in predictions.items():
        run = {"p": p, "y": y["test"]} | evaluate(p, y["test"])
        if name in fits:
            run["history"], run["best_epoch"] = fits[name]
            assert len(run["history"]["val_loss"]) < MAX_EPOCHS  # early stopping ended the run
        results[name].append(run)


# %%
# Paired differences
# ------------------
# The difference in accuracy and in AUC between two models, seed by seed: the split is the
# same, so the difference is not blurred by one model getting an easier test set.
def paired_differences(results, a, b, metric):
    return np.array([ra[metric] - rb[metric] for ra, rb in zip(results[a], results[b])])


PAIRS = [("Keras", "nnbook"), ("Keras", "logistic regression"), ("nnbook", "logistic regression")]


# %%
# Bootstrap confidence intervals
# ------------------------------
# How precisely does one test set of about 113 cases measure a model? The bootstrap resamples the
# test cases with replacement ``N_RESAMPLES`` times, recomputes the metric on each resample,
# and takes the 2.5th and 97.5th percentiles as a 95 % interval. All models are scored on the
# same resamples.
def bootstrap_ci(p, y, rng, n_resamples=N_RESAMPLES, level=0.95):
    idx = rng.integers(0, len(y), size=(n_resamples, len(y)))
    idx = idx[np.ptp(y[idx], axis=1) > 0]  # the AUC needs both classes (drops none in practice)
    accuracy = np.mean((p[idx] >= 0.5) == y[idx], axis=1)
    auc = auc_by_ranks(p[idx], y[idx])
    q = [(1 - level) / 2, (1 + level) / 2]
    return {"accuracy": np.quantile(accuracy, q), "auc": np.quantile(auc, q)}


for seed_index in range(len(SEEDS)):
    state = rng.bit_generator.state  # the same resamples for every model of this seed
    for runs in results.values():
        rng.bit_generator.state = state
        runs[seed_index]["ci"] = bootstrap_ci(runs[seed_index]["p"], runs[seed_index]["y"], rng)


# %%
# Calibration
# -----------
# A classifier is *calibrated* when, among the cases to which it gives a probability near
# :math:`p`, a fraction near :math:`p` is malignant. The reliability diagram bins the test
# predictions of all seeds into ``N_BINS`` bins of equal width and plots, for each bin, the
# fraction of malignant cases against the mean prediction; a calibrated model lies on the
# diagonal. The **expected calibration error** (ECE) is the distance of the points from the
# diagonal, weighted by the fraction of the cases in each bin. Most predictions are close to
# 0 or 1, so the middle bins hold few cases (the bars below count them, on a logarithmic
# scale) and their points are uncertain. The ECE is computed per seed and, in the legend, for
# the predictions of all seeds pooled.
N_BINS = 5


def calibration_bins(p, y, n_bins=N_BINS):
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(p, edges) - 1, 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    mean_p = np.bincount(which, weights=p, minlength=n_bins) / np.maximum(counts, 1)
    frac = np.bincount(which, weights=y, minlength=n_bins) / np.maximum(counts, 1)
    return counts, mean_p, frac


def expected_calibration_error(p, y, n_bins=N_BINS):
    counts, mean_p, frac = calibration_bins(p, y, n_bins)
    return float(np.sum(counts * np.abs(frac - mean_p)) / len(p))


def plot_reliability(predictions, n_bins=N_BINS):
    fig, (ax, ax_counts) = plt.subplots(
        2, 1, figsize=(6, 7), height_ratios=[3, 1], sharex=True, facecolor="white", layout="constrained"
    )
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="calibrated")
    edges = np.linspace(0, 1, n_bins + 1)
    width = (edges[1] - edges[0]) / (len(predictions) + 1)
    for i, (name, (p, y)) in enumerate(predictions.items()):
        counts, mean_p, frac = calibration_bins(p, y, n_bins)
        used = counts > 0
        ece = expected_calibration_error(p, y, n_bins)
        ax.plot(mean_p[used], frac[used], "o-", color=COLORS[i], lw=1.5, label=f"{name} (pooled ECE {ece:.3f})")
        ax_counts.bar(edges[:-1] + (i + 0.5) * width, counts, width=width, align="edge", color=COLORS[i])
    ax.set_ylim(0, 1)
    ax.set_ylabel("fraction of malignant cases")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left")
    ax_counts.set_yscale("log")
    ax_counts.set_ylabel("cases per bin")
    ax_counts.set_xlim(0, 1)
    ax_counts.set_xlabel("predicted probability of malignancy")
    ax_counts.grid(True, alpha=0.3)
    return fig


MODELS = ["Keras", "nnbook", "logistic regression"]  # the majority class has one bin and one point
pooled = {
    name: (np.concatenate([r["p"] for r in results[name]]), np.concatenate([r["y"] for r in results[name]]))
    for name in MODELS
}
for runs in results.values():
    for run in runs:
        run["ece"] = expected_calibration_error(run["p"], run["y"])
fig_reliability = plot_reliability(pooled)


# %%
# The ROC curve
# -------------
# Each threshold on the predicted probability gives one sensitivity (malignant cases caught)
# and one false-positive rate (benign cases called malignant); the ROC curve traces them all,
# and the AUC is the area under it. The dot marks the threshold 0.5. The diagonal is a model
# that cannot tell the classes apart, such as the majority-class baseline. Shown for the
# first split.
def plot_roc(runs_by_model):
    fig, ax = plt.subplots(figsize=(6, 6), facecolor="white", layout="constrained")
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="majority class (AUC 0.5)")
    for i, (name, run) in enumerate(runs_by_model.items()):
        fpr, tpr, _ = roc_curve(run["y"], run["p"])
        ax.plot(fpr, tpr, color=COLORS[i], lw=2, label=f"{name} (AUC {run['auc']:.3f})")
        (tp, fn), (fp, tn) = run["confusion"]
        ax.plot(fp / (fp + tn), tp / (tp + fn), "o", color=COLORS[i], ms=7)
    ax.set_xlabel("false-positive rate (1 - specificity)")
    ax.set_ylabel("sensitivity")
    ax.set_aspect("equal")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    return fig


fig_roc = plot_roc({name: results[name][0] for name in MODELS})


# %%
# Predictive values at a stated prevalence
# ----------------------------------------
# Sensitivity and specificity describe the test; a patient and a doctor need the
# **predictive values**: of the cases called malignant, how many are (PPV), and of those
# called benign, how many are benign (NPV). They depend on the prevalence :math:`\pi`, by
# Bayes' rule. Among these referred cases 37 % are malignant; where malignancy is rarer, the
# same test raises more false alarms per cancer found. ``PREVALENCE`` is an assumed value for
# such a population, not an estimate.
def predictive_values(sensitivity, specificity, prevalence):
    true_pos = sensitivity * prevalence
    false_pos = (1 - specificity) * (1 - prevalence)
    true_neg = specificity * (1 - prevalence)
    false_neg = (1 - sensitivity) * prevalence
    return true_pos / (true_pos + false_pos), true_neg / (true_neg + false_neg)


def pooled_rates(runs):
    (tp, fn), (fp, tn) = sum(run["confusion"] for run in runs)
    return tp / (tp + fn), tn / (tn + fp)  # sensitivity, specificity


# %%
# The results
# -----------
# Mean and standard deviation over the seeds, and the bootstrap interval of the first split.
header = f"{'test accuracy':>16} {'95% CI, seed 0':>15} {'test ROC AUC':>16} {'95% CI, seed 0':>15}"
print(f"{'model':<20} {header} {'ECE':>6}")
for name, runs in results.items():
    acc = np.array([r["accuracy"] for r in runs])
    auc = np.array([r["auc"] for r in runs])
    ece = np.mean([r["ece"] for r in runs])
    ci_acc, ci_auc = runs[0]["ci"]["accuracy"], runs[0]["ci"]["auc"]
    print(
        f"{name:<20} {acc.mean():9.3f} ± {acc.std(ddof=1):.3f} {ci_acc[0]:7.3f}-{ci_acc[1]:.3f}"
        f" {auc.mean():9.3f} ± {auc.std(ddof=1):.3f} {ci_auc[0]:7.3f}-{ci_auc[1]:.3f} {ece:6.3f}"
    )
for a, b in PAIRS:
    for metric in ["accuracy", "auc"]:
        d = paired_differences(results, a, b, metric)
        print(f"{a} - {b}, {metric}: {d.mean():+.3f} ± {d.std(ddof=1):.3f} over the seeds")
for name in MODELS:
    sensitivity, specificity = pooled_rates(results[name])
    ppv, npv = predictive_values(sensitivity, specificity, PREVALENCE)
    print(f"{name}: at a prevalence of {PREVALENCE:.0%}, PPV {ppv:.3f}, NPV {npv:.3f}")

# The claims of the text above, checked: every model beats the majority class, no trained model
# is better than another by more than the seeds' noise, and predictive values fall with the
# prevalence.
majority_accuracy = max(r["accuracy"] for r in results["majority class"])
for name in MODELS:
    assert min(r["accuracy"] for r in results[name]) > majority_accuracy + 0.25
    assert all(r["ci"]["auc"][0] > 0.95 for r in results[name])
for a, b in PAIRS:
    d = paired_differences(results, a, b, "accuracy")
    assert abs(d.mean()) < 3 * d.std(ddof=1) / np.sqrt(len(d)) + 1e-12, (a, b, d)
for name in MODELS:
    sensitivity, specificity = pooled_rates(results[name])
    ppv_low, npv_low = predictive_values(sensitivity, specificity, PREVALENCE)
    ppv_data, npv_data = predictive_values(sensitivity, specificity, np.mean(pooled[name][1]))
    assert ppv_low < ppv_data and npv_low > npv_data


# %%
# Learning curves
# ---------------
# Training and validation loss of Keras on the first split, epoch by epoch; the dotted line
# marks the epoch whose weights early stopping kept.
def plot_learning_curves(history, best_epoch):
    fig, ax = plt.subplots(figsize=(6, 4), facecolor="white", layout="constrained")
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax.plot(epochs, history["loss"], color=COLORS[0], lw=2, label="training loss")
    ax.plot(epochs, history["val_loss"], color=COLORS[1], lw=2, ls="--", label="validation loss")
    ax.axvline(best_epoch + 1, color="0.4", ls=":", label="kept epoch")
    ax.set_xlabel("epoch")
    ax.set_ylabel("binary cross-entropy")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


fig_curves = plot_learning_curves(results["Keras"][0]["history"], results["Keras"][0]["best_epoch"])

# %%
# Run as a script, this file prints its table and shows the four figures in windows.
if __name__ == "__main__":
    plt.show()
