"""Figures: network diagrams, training histories and decision boundaries.

Every function returns a :class:`matplotlib.figure.Figure` and never calls
``plt.show()``; the caller decides whether to show, save or close it. The figures
are created with pyplot, so Jupyter displays them inline and sphinx-gallery
finds them, like any other matplotlib figure; close them (``plt.close(fig)``)
when you make many. Figures have an
opaque white background and colour-blind-safe colours (Okabe and Ito), so they
read the same on the book's light and dark themes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ._checks import as_matrix
from .targets import class_labels

__all__ = ["COLORS", "draw_network", "plot_training_history", "plot_decision_boundary"]

#: Okabe-Ito colour-blind-safe palette.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def _new_figure(figsize) -> Figure:
    return plt.figure(figsize=figsize, facecolor="white", layout="constrained")


def draw_network(
    layer_sizes, *, ax=None, max_units: int = 6, layer_names=None, highlight=None, title: str | None = None
) -> Figure:
    """A diagram of a dense network: its units as circles, its weights as lines.

    Layers are numbered as in the book: layer 0 is the input, layers 1 to L compute,
    and the weight matrix :math:`W^{(l)}` connects layer :math:`l - 1` to layer
    :math:`l`. Every unit of a layer is connected to every unit of the next.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, the input first: ``[2, 3, 2]`` is 2 inputs, 3 hidden
        units and 2 outputs (a :class:`~nnbook.network.NeuralNetwork`'s ``layer_sizes``).
    ax : matplotlib Axes, optional
        Draw into this Axes; by default a new figure is made.
    max_units : int
        A layer with more units is drawn with its first and last units and a
        vertical ellipsis between them; its size is written below it.
    layer_names : sequence of str, optional
        One caption per layer, drawn below it. By default "input (layer 0)", "layer 1",
        ..., "layer L (output)".
    highlight : tuple of int, optional
        ``(l, j, i)``: draw the weight :math:`W^{(l)}_{ji}` from unit ``i`` of layer
        ``l - 1`` to unit ``j`` of layer ``l`` (units numbered from 1) thick and
        labelled.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the diagram.

    Examples
    --------
    >>> fig = draw_network([2, 3, 2])
    >>> ax = fig.axes[0]
    >>> len(ax.patches)                  # one circle per unit: 2 + 3 + 2
    7
    >>> len(ax.lines)                    # one line per weight: 2*3 + 3*2
    12
    >>> sorted(t.get_text() for t in ax.texts if t.get_text().startswith("$W"))
    ['$W^{(1)}$', '$W^{(2)}$']
    """
    from matplotlib.patches import Circle

    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"layer_sizes needs at least two layers of at least one unit, got {list(layer_sizes)}")
    max_units = max(int(max_units), 3)
    n_layers = len(sizes) - 1
    if layer_names is None:
        layer_names = (
            ["input\n(layer 0)"] + [f"layer {l}" for l in range(1, n_layers)] + [f"layer {n_layers}\n(output)"]
        )
    if len(layer_names) != len(sizes):
        raise ValueError(f"layer_names needs {len(sizes)} entries, got {len(layer_names)}")
    if ax is None:
        fig = _new_figure((1.9 * len(sizes) + 0.6, 0.75 * min(max(sizes), max_units) + 1.6))
        ax = fig.add_subplot()
    else:
        fig = ax.figure

    def shown(n):
        """(unit number from 1, or None for the ellipsis) for each drawn row."""
        if n <= max_units:
            return list(range(1, n + 1))
        head = max_units - 2
        return list(range(1, head + 1)) + [None, n]

    rows = [shown(n) for n in sizes]
    height = max(len(r) for r in rows)
    centres, gaps = [], []  # per layer: {unit: (x, y)}, and the y of its ellipsis
    for l, units in enumerate(rows):
        top = (height - 1) / 2 + (len(units) - 1) / 2
        centres.append({u: (2.0 * l, top - k) for k, u in enumerate(units) if u is not None})
        gaps.append([top - k for k, u in enumerate(units) if u is None])

    radius = 0.22
    for l in range(1, len(sizes)):
        for j, (xj, yj) in centres[l].items():
            for i, (xi, yi) in centres[l - 1].items():
                strong = highlight is not None and tuple(highlight) == (l, j, i)
                ax.plot(
                    [xi + radius, xj - radius],
                    [yi, yj],
                    color=COLORS[5] if strong else "0.6",
                    lw=2.6 if strong else 0.9,
                    zorder=3 if strong else 1,
                )
                if strong:
                    ax.text(
                        (xi + xj) / 2,
                        (yi + yj) / 2 + 0.12,
                        f"$W^{{({l})}}_{{{j}{i}}}$",
                        color=COLORS[5],
                        ha="center",
                        va="bottom",
                        fontsize=12,
                        zorder=4,
                    )
        ax.text(2.0 * l - 1.0, height - 0.25, f"$W^{{({l})}}$", ha="center", va="bottom", fontsize=13)
    colours = [COLORS[4]] + [COLORS[2]] * (n_layers - 1) + [COLORS[1]]
    for l in range(len(sizes)):
        for pos in centres[l].values():
            ax.add_patch(Circle(pos, radius, facecolor=colours[l], edgecolor="0.2", lw=1.2, zorder=2))
        for y in gaps[l]:
            ax.text(2.0 * l, y, "$\\vdots$", ha="center", va="center", fontsize=14)
        caption = layer_names[l] + (f"\n{sizes[l]} units" if sizes[l] > max_units else "")
        ax.text(2.0 * l, -0.55, caption, ha="center", va="top", fontsize=11)
    ax.set_xlim(-0.7, 2.0 * n_layers + 0.7)
    ax.set_ylim(-1.6, height + 0.2)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is not None:
        ax.set_title(title)
    return fig


def plot_training_history(history: dict, title: str = "Training History") -> Figure:
    """Loss and accuracy per epoch, training and validation, side by side.

    Parameters
    ----------
    history : dict
        As returned by :func:`nnbook.training.train_network`: lists
        ``train_loss``, ``val_loss`` and optionally ``train_acc``, ``val_acc``
        (the accuracy panel is left out when they are absent or all NaN).
    title : str

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> history = {"train_loss": [1.1, 0.6, 0.4], "val_loss": [1.2, 0.7, 0.5],
    ...            "train_acc": [0.4, 0.7, 0.9], "val_acc": [0.3, 0.6, 0.8]}
    >>> fig = plot_training_history(history, title="Spirals")
    >>> [ax.get_title() for ax in fig.axes]
    ['Spirals: loss', 'Spirals: accuracy']
    >>> fig.axes[0].lines[1].get_ydata().tolist()  # the validation loss, epoch by epoch
    [1.2, 0.7, 0.5]
    >>> plt.close(fig)
    """
    for key in ("train_loss", "val_loss"):
        if key not in history:
            raise ValueError(f"history needs the key {key!r}, got keys {sorted(history)}")
    has_acc = all(k in history for k in ("train_acc", "val_acc")) and not np.all(
        np.isnan(np.asarray(history["val_acc"], dtype=float))
    )
    fig = _new_figure((11, 4) if has_acc else (5.5, 4))
    axes = fig.subplots(1, 2 if has_acc else 1, squeeze=False)[0]
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    panels = [("loss", "Loss", "train_loss", "val_loss")]
    if has_acc:
        panels.append(("accuracy", "Accuracy", "train_acc", "val_acc"))
    for ax, (what, label, train_key, val_key) in zip(axes, panels):
        ax.plot(epochs, history[train_key], color=COLORS[0], lw=2, label=f"training {what}")
        ax.plot(epochs, history[val_key], color=COLORS[1], lw=2, ls="--", label=f"validation {what}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_title(f"{title}: {what}")
        ax.grid(True, alpha=0.3)
        ax.legend()
    if has_acc:
        axes[1].set_ylim(-0.02, 1.02)  # accuracies lie in [0, 1]
    return fig


def plot_decision_boundary(
    network, X, y, *, ax=None, resolution: int = 200, title: str | None = None, padding: float = 0.5
) -> Figure:
    """Predicted class over the plane, with the data points on top.

    Parameters
    ----------
    network : NeuralNetwork
        A classifier with 2 inputs.
    X : ndarray, shape (N, 2)
    y : ndarray, shape (N,) labels or (N, K) one-hot
    ax : matplotlib Axes, optional
        Draw into this Axes (e.g. one panel of small multiples); by default a
        new figure is made.
    resolution : int
        Grid points per axis.
    title : str, optional
    padding : float
        Margin around the data, in data units.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from nnbook import NeuralNetwork
    >>> from nnbook.datasets import generate_spiral_data
    >>> X, _, y = generate_spiral_data(20, 3, rng=0)
    >>> net = NeuralNetwork([2, 16, 3], ["relu", "softmax"], rng=0)  # untrained: any boundary
    >>> fig = plot_decision_boundary(net, X, y, resolution=50, title="Untrained")
    >>> fig.axes[0].get_title(), len(fig.axes[0].collections) >= 3  # regions, boundary, 3 classes of points
    ('Untrained', True)
    >>> plt.close(fig)
    """
    if network.layer_sizes[0] != 2:
        raise ValueError(f"plot_decision_boundary needs a network with 2 inputs, got {network.layer_sizes[0]}")
    X = as_matrix(X, "X", n_columns=2)
    n_classes = max(2, network.layer_sizes[-1])
    if n_classes > len(COLORS):
        raise ValueError(
            f"plot_decision_boundary draws at most {len(COLORS)} classes (one colour each), "
            f"the network has {n_classes} outputs"
        )
    labels = class_labels(y, "y", n_classes=n_classes)
    if labels.shape[0] != X.shape[0]:
        raise ValueError(f"y has {labels.shape[0]} labels for {X.shape[0]} points")
    if ax is None:
        fig = _new_figure((5, 4.5))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    x_min, y_min = X.min(axis=0) - padding
    x_max, y_max = X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    grid_pred = network.predict_classes(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
    cmap = ListedColormap(COLORS[:n_classes])
    ax.contourf(xx, yy, grid_pred, levels=np.arange(n_classes + 1) - 0.5, cmap=cmap, alpha=0.25)
    ax.contour(xx, yy, grid_pred, levels=np.arange(n_classes) + 0.5, colors="0.3", linewidths=0.8)
    for c in range(n_classes):
        pts = X[labels == c]
        ax.scatter(pts[:, 0], pts[:, 1], s=14, color=COLORS[c], edgecolor="white", linewidth=0.4, label=f"class {c}")
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper right", fontsize="small", framealpha=0.9)
    if title is not None:
        ax.set_title(title)
    return fig
