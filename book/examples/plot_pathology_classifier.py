"""
A pathology classifier in Keras
===============================

Fine-needle aspiration takes a few cells from a breast lump with a thin needle; a digitised
image of the cells is then measured. The Wisconsin diagnostic breast-cancer data, shipped with
scikit-learn, holds 569 such cases: for each, 30 numbers describing the cell nuclei in the
image (radius, texture, perimeter, area, smoothness, compactness, concavity, concave points,
symmetry and fractal dimension, each as the mean, the standard error and the worst value over
the nuclei) and the diagnosis, malignant or benign.

This script trains a small Keras network to predict the diagnosis, with early stopping on a
validation set, evaluates it on a held-out test set (accuracy, ROC AUC, confusion matrix,
calibration) and compares it with logistic regression, over five random splits.

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

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import confusion_matrix, roc_auc_score  # noqa: E402

from nnbook.datasets import load_breast_cancer  # noqa: E402
from nnbook.plotting import COLORS  # noqa: E402

SEEDS = [0, 1, 2, 3, 4]  # five different splits and initialisations
LEARNING_RATE = 3e-3
BATCH_SIZE = 32
MAX_EPOCHS = 500
PATIENCE = 10  # stop after 10 epochs without a better validation loss


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
# The model
# ---------
# Thirty inputs, two hidden ReLU layers of 32 and 16 units, and **one output unit without an
# activation**: it outputs the logit :math:`z`, the log-odds of malignancy, and the loss
# applies the sigmoid itself (``from_logits=True``), which is exact for any logit. The
# probability is :math:`\sigma(z)`. Accuracy is measured on the logit, so its threshold is 0
# (:math:`\sigma(z) \ge 0.5 \iff z \ge 0`).
def build_model(n_features):
    model = keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dense(32, activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dense(16, activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dense(1),  # the logit of malignancy
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)],
    )
    return model


# %%
# Training with early stopping
# ----------------------------
# The training set is fed as a ``tf.data`` pipeline, reshuffled every epoch; the validation
# loss is computed after every epoch, and ``EarlyStopping`` ends training when it has not
# improved for ``PATIENCE`` epochs, putting back the weights of the best epoch.
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
# On the test set, which played no part in training or in early stopping: the accuracy at
# the threshold 0.5, the area under the ROC curve (the probability that a random malignant
# case gets a higher score than a random benign one; it does not depend on a threshold) and
# the confusion matrix, rows the true class and columns the predicted one, malignant first.
def predict_proba(model, X):
    logits = model(X, training=False)
    return np.asarray(keras.ops.sigmoid(logits))[:, 0]  # P(malignant)


def evaluate(p, y):
    predicted = (p >= 0.5).astype(int)
    return {
        "accuracy": float(np.mean(predicted == y)),
        "auc": float(roc_auc_score(y, p)),
        "confusion": confusion_matrix(y, predicted, labels=[1, 0]),
    }


# %%
# A baseline
# ----------
# Logistic regression is a network without hidden layers: one sigmoid unit on the 30
# features. scikit-learn's version adds an L2 penalty (``C=1``) and trains on the same
# training cases; it needs no validation set.
def logistic_regression(X, y):
    baseline = LogisticRegression(C=1.0, max_iter=1000)
    baseline.fit(X["train"], y["train"])
    return baseline.predict_proba(X["test"])[:, 1]  # P(malignant)


# %%
# Five splits
# -----------
# A test set of a fifth of 569 cases is small: one misclassified case moves the accuracy by
# almost a percentage point. Repeating everything over five seeds (split, initial weights,
# batch order) shows how much of a difference is noise.
results = {"Keras": [], "logistic regression": []}
for seed in SEEDS:
    keras.utils.set_random_seed(seed)  # Keras' initial weights
    X, y = load_data(seed)
    model = build_model(X["train"].shape[1])
    history, best_epoch = train(model, X, y, seed)
    p = predict_proba(model, X["test"])
    run = {"p": p, "y": y["test"], "history": history, "best_epoch": best_epoch}
    results["Keras"].append(run | evaluate(p, y["test"]))
    p = logistic_regression(X, y)
    results["logistic regression"].append({"p": p, "y": y["test"]} | evaluate(p, y["test"]))

print(f"{'model':<20} {'test accuracy':>16} {'test ROC AUC':>16}")
for name, runs in results.items():
    acc = np.array([r["accuracy"] for r in runs])
    auc = np.array([r["auc"] for r in runs])
    print(f"{name:<20} {acc.mean():9.3f} ± {acc.std(ddof=1):.3f} {auc.mean():9.3f} ± {auc.std(ddof=1):.3f}")
print("Keras, confusion matrix summed over the seeds (rows: true malignant, benign):")
print(sum(r["confusion"] for r in results["Keras"]))


# %%
# Learning curves
# ---------------
# Training and validation loss of the first seed, epoch by epoch; the dotted line marks the
# epoch whose weights early stopping kept.
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
# Calibration
# -----------
# A classifier is *calibrated* when, among the cases to which it gives a probability near
# :math:`p`, a fraction near :math:`p` is malignant. The reliability diagram bins the test
# predictions of all seeds by predicted probability and plots, for each bin, the fraction of
# malignant cases against the mean prediction; a calibrated model lies on the diagonal. Most
# predictions are close to 0 or 1, so the middle bins hold few cases (the bars below count
# them, on a logarithmic scale) and their points are uncertain.
def plot_reliability(predictions, n_bins=5):
    fig, (ax, ax_counts) = plt.subplots(
        2, 1, figsize=(6, 7), height_ratios=[3, 1], sharex=True, facecolor="white", layout="constrained"
    )
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="calibrated")
    edges = np.linspace(0, 1, n_bins + 1)
    width = (edges[1] - edges[0]) / (len(predictions) + 1)
    for i, (name, (p, y)) in enumerate(predictions.items()):
        which = np.clip(np.digitize(p, edges) - 1, 0, n_bins - 1)
        counts = np.bincount(which, minlength=n_bins)
        used = np.flatnonzero(counts)
        mean_p = [p[which == b].mean() for b in used]
        frac = [y[which == b].mean() for b in used]
        ax.plot(mean_p, frac, "o-", color=COLORS[i], lw=1.5, label=name)
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


pooled = {
    name: (np.concatenate([r["p"] for r in runs]), np.concatenate([r["y"] for r in runs]))
    for name, runs in results.items()
}
fig_reliability = plot_reliability(pooled)

# %%
# Run as a script, this file prints its table and shows both figures in windows.
if __name__ == "__main__":
    plt.show()
