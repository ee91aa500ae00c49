"""Tests of nnbook.plotting: figures are returned, never shown."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnbook.datasets import generate_spiral_data, generate_xor_data  # noqa: E402
from nnbook.network import NeuralNetwork  # noqa: E402
from nnbook.plotting import COLORS, draw_network, plot_decision_boundary, plot_training_history  # noqa: E402


@pytest.fixture(autouse=True)
def no_show(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("nnbook.plotting must not call plt.show()")

    monkeypatch.setattr(plt, "show", fail)
    monkeypatch.setattr(Figure, "show", fail)
    yield
    plt.close("all")


def _history(n_epochs=5, with_acc=True, nan_acc=False):
    h = {"train_loss": list(np.linspace(1.0, 0.2, n_epochs)), "val_loss": list(np.linspace(1.1, 0.3, n_epochs))}
    if with_acc:
        acc = [float("nan")] * n_epochs if nan_acc else list(np.linspace(0.5, 0.9, n_epochs))
        h["train_acc"], h["val_acc"] = acc, list(acc)
    return h


def _line_data(ax):
    return [line.get_ydata() for line in ax.get_lines()]


def test_training_history_returns_figure_with_two_panels():
    h = _history()
    fig = plot_training_history(h, title="Run")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    np.testing.assert_array_equal(_line_data(loss_ax)[0], h["train_loss"])
    np.testing.assert_array_equal(_line_data(loss_ax)[1], h["val_loss"])
    np.testing.assert_array_equal(_line_data(acc_ax)[1], h["val_acc"])
    np.testing.assert_array_equal(loss_ax.get_lines()[0].get_xdata(), [1, 2, 3, 4, 5])  # epochs from 1
    assert loss_ax.get_title() == "Run: loss" and acc_ax.get_title() == "Run: accuracy"
    assert acc_ax.get_ylim()[1] == pytest.approx(1.02)
    fig.canvas.draw()  # it renders


@pytest.mark.parametrize("kind", ["nan", "absent"])
def test_accuracy_panel_dropped_without_accuracies(kind):
    h = _history(with_acc=(kind == "nan"), nan_acc=True)
    fig = plot_training_history(h)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1
    assert fig.axes[0].get_ylabel() == "Loss"
    fig.canvas.draw()


def test_training_history_needs_the_loss_keys():
    with pytest.raises(ValueError, match=r"history needs the key 'val_loss', got keys \['train_loss'\]"):
        plot_training_history({"train_loss": [1.0]})


def test_training_history_white_background():
    fig = plot_training_history(_history())
    assert to_hex(fig.get_facecolor()) == "#ffffff"


@pytest.fixture
def xor_net():
    return NeuralNetwork([2, 4, 2], activations=["tanh", "softmax"], rng=0)


def test_decision_boundary_with_integer_labels(xor_net):
    X, Y, y = generate_xor_data(40, rng=0)
    fig = plot_decision_boundary(xor_net, X, y, resolution=30, title="XOR")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_title() == "XOR"
    # one scatter per class with that class's points
    scatters = [
        c
        for c in ax.collections
        if c.get_offsets().shape[1:] == (2,) and len(c.get_offsets()) > 0 and c.get_label().startswith("class")
    ]
    assert [s.get_label() for s in scatters] == ["class 0", "class 1"]
    np.testing.assert_array_equal(scatters[0].get_offsets(), X[y == 0])
    np.testing.assert_array_equal(scatters[1].get_offsets(), X[y == 1])
    # the view covers the data plus the padding
    assert ax.get_xlim() == pytest.approx((X[:, 0].min() - 0.5, X[:, 0].max() + 0.5))
    fig.canvas.draw()


def test_decision_boundary_one_hot_labels_give_the_same_picture(xor_net):
    X, Y, y = generate_xor_data(40, rng=0)
    fig_int = plot_decision_boundary(xor_net, X, y, resolution=20)
    fig_hot = plot_decision_boundary(xor_net, X, Y, resolution=20)
    pts_int = [c.get_offsets() for c in fig_int.axes[0].collections if c.get_label().startswith("class")]
    pts_hot = [c.get_offsets() for c in fig_hot.axes[0].collections if c.get_label().startswith("class")]
    assert len(pts_int) == len(pts_hot) == 2
    for a, b in zip(pts_int, pts_hot):
        np.testing.assert_array_equal(a, b)


def test_decision_boundary_into_given_axes_and_binary_sigmoid_net():
    net = NeuralNetwork([2, 3, 1], activations=["relu", "sigmoid"], rng=0)
    X, _, y = generate_xor_data(30, rng=1)
    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    out = plot_decision_boundary(net, X, y, ax=ax2, resolution=15)
    assert out is fig
    assert len(ax2.collections) > 0 and len(ax1.collections) == 0


def test_decision_boundary_three_classes_uses_palette():
    net = NeuralNetwork([2, 5, 3], activations=["relu", "softmax"], rng=0)
    X, _, y = generate_spiral_data(10, 3, rng=0)
    fig = plot_decision_boundary(net, X, y, resolution=15)
    colors = [to_hex(c.get_facecolor()[0]) for c in fig.axes[0].collections if c.get_label().startswith("class")]
    assert colors == [c.lower() for c in COLORS[:3]]


@pytest.mark.parametrize("n_inputs", [1, 3])
def test_decision_boundary_rejects_non_2d_networks(n_inputs):
    net = NeuralNetwork([n_inputs, 3, 2], activations=["relu", "softmax"], rng=0)
    X = np.zeros((4, n_inputs))
    with pytest.raises(ValueError, match=rf"needs a network with 2 inputs, got {n_inputs}"):
        plot_decision_boundary(net, X, [0, 1, 0, 1])


def test_decision_boundary_rejects_bad_data(xor_net):
    with pytest.raises(ValueError, match=r"X must have shape \(batch_size, 2\), got shape \(4, 3\)"):
        plot_decision_boundary(xor_net, np.zeros((4, 3)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="y has 3 labels for 4 points"):
        plot_decision_boundary(xor_net, np.zeros((4, 2)), [0, 1, 0])
    with pytest.raises(ValueError, match="out of range for 2 classes"):
        plot_decision_boundary(xor_net, np.zeros((4, 2)), [0, 1, 2, 1])


def test_decision_boundary_rejects_more_classes_than_colours():
    net = NeuralNetwork([2, 4, 10], activations=["relu", "softmax"], rng=0)
    with pytest.raises(ValueError, match=r"at most 8 classes .*the network has 10 outputs"):
        plot_decision_boundary(net, np.zeros((10, 2)), np.arange(10), resolution=5)


def test_draw_network_numbers_layers_from_one():
    fig = draw_network([2, 3, 2], highlight=(1, 2, 1))
    ax = fig.axes[0]
    assert len(ax.patches) == 2 + 3 + 2  # one circle per unit
    assert len(ax.lines) == 2 * 3 + 3 * 2  # one line per weight
    texts = [t.get_text() for t in ax.texts]
    assert "$W^{(1)}$" in texts and "$W^{(2)}$" in texts and "$W^{(0)}$" not in texts
    assert "$W^{(1)}_{21}$" in texts  # the highlighted weight, from input 1 to unit 2
    assert max(line.get_linewidth() for line in ax.lines) > 2  # drawn thick
    assert "layer 2\n(output)" in texts
    fig.canvas.draw()


def test_draw_network_abbreviates_wide_layers():
    fig = draw_network([784, 128, 10], max_units=6)
    ax = fig.axes[0]
    assert len(ax.patches) == 3 * 5  # four units and the last of each layer
    assert sum(t.get_text() == "$\\vdots$" for t in ax.texts) == 3
    assert any("784 units" in t.get_text() for t in ax.texts)


def test_draw_network_into_given_axes_and_bad_input():
    fig, ax = plt.subplots()
    assert draw_network([2, 2, 1], ax=ax) is fig
    with pytest.raises(ValueError, match="at least two layers"):
        draw_network([3])
    with pytest.raises(ValueError, match="layer_names"):
        draw_network([2, 1], layer_names=["x"])
