"""Input checks shared by the modules of :mod:`nnbook`.

Every public function validates its arguments at the boundary and raises a
``ValueError`` or ``TypeError`` whose message names what was expected and what
came, so that bad input never turns into a silently wrong number.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

__all__ = [
    "DEFAULT_SEED",
    "as_rng",
    "as_matrix",
    "check_positive_int",
    "check_positive_float",
    "check_fraction",
    "check_layer_sizes",
    "check_activations",
    "check_dtype",
    "check_nonnegative",
    "check_bool",
    "check_regularizer",
    "check_weights",
    "check_learning_rate",
    "check_required_rng",
    "check_target_rows",
    "check_target_shape",
    "check_grad_shape",
    "check_layers",
    "CheckedBatch",
    "check_batch",
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
    raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


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
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    if arr.dtype.kind not in "biuf":  # bool, int, unsigned, float
        raise TypeError(f"{name} must be a 2-D numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2 or (n_columns is not None and arr.shape[1] != n_columns) or arr.shape[0] == 0:
        _shape_error(arr, name, n_columns)
    if dtype is None:
        dtype = np.float32 if arr.dtype == np.float32 else np.float64
    arr = arr.astype(dtype, copy=False)
    # a sum is finite only if every entry is (one reduction); if not, count (it may just overflow)
    if not math.isfinite(np.add.reduce(arr, axis=None)) and not np.isfinite(arr).all():
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {n_bad} NaN or infinite value(s); expected finite numbers")
    return arr


def _shape_error(arr: np.ndarray, name: str, n_columns: int | None):
    """Raise the ValueError that says which shape :func:`as_matrix` expected."""
    expected = f"(batch_size, {n_columns})" if n_columns is not None else "(batch_size, n_features)"
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1:
            hint = " (a single sample x of shape (d,) is passed as x.reshape(1, -1))"
        raise ValueError(f"{name} must be a 2-D array of shape {expected}, got shape {arr.shape}{hint}")
    if n_columns is not None and arr.shape[1] != n_columns:
        raise ValueError(
            f"{name} must have shape {expected}, got shape {arr.shape}: "
            f"expected {n_columns} columns, got {arr.shape[1]}"
        )
    raise ValueError(f"{name} is empty: shape {arr.shape}, expected at least one row")


def check_grad_shape(grad, shape: tuple, owner: str) -> np.ndarray:
    """Return ``grad`` as an array if its shape is ``shape`` (the forward output's), else raise ValueError."""
    if type(grad) is not np.ndarray:
        grad = np.asarray(grad)
    if grad.shape != shape:
        raise ValueError(f"{owner}.backward expects grad_output of shape {shape}, got {grad.shape}")
    return grad


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


def check_nonnegative(value, name: str) -> float:
    """Return ``value`` if it is a finite real number >= 0, else raise TypeError or ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def check_bool(value, name: str) -> bool:
    """Return ``value`` as a bool if it is True or False (or a NumPy bool), else raise TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_regularizer(regularizer):
    """Return ``regularizer`` if it is None or a :class:`~nnbook.regularizers.Regularizer`, else raise TypeError."""
    from .regularizers import Regularizer

    if regularizer is not None and not isinstance(regularizer, Regularizer):
        raise TypeError(
            f"kernel_regularizer must be a Regularizer such as nnbook.L2(0.01) or None, got {regularizer!r} "
            f"({type(regularizer).__name__})"
        )
    return regularizer


def check_weights(W, caller: str) -> np.ndarray:
    """Return ``W`` as a finite floating-point array, else raise TypeError or ValueError.

    ``caller`` (such as ``"L2.penalty"``) names the call in the message.
    """
    W = np.asarray(W)
    if W.dtype == object or not np.issubdtype(W.dtype, np.floating):
        raise TypeError(f"{caller} needs a floating-point weight array, got dtype {W.dtype}")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"{caller}: the weights contain NaN or infinite values")
    return W


def check_learning_rate(value):
    """Return ``value`` if it is a finite number > 0 or a :mod:`~nnbook.schedules` schedule, else raise.

    A bare function is refused with a TypeError (a schedule is a ``LearningRateSchedule``).
    """
    from .schedules import LearningRateSchedule

    if isinstance(value, LearningRateSchedule):
        return value
    if callable(value):
        raise TypeError(
            f"learning_rate must be a positive number or a schedule from nnbook.schedules, got {type(value).__name__}"
        )
    return check_positive_float(value, "learning_rate")


def check_required_rng(rng, owner: str) -> np.random.Generator:
    """Return :func:`as_rng` of ``rng`` for ``owner``, which needs one given: ``None`` raises TypeError."""
    if rng is None:
        raise TypeError(f"{owner} needs rng: a numpy.random.Generator or an int seed, got None")
    return as_rng(rng)


def check_target_rows(y_true, n_rows: int) -> np.ndarray:
    """Return ``y_true`` as an array with ``n_rows`` rows (one per sample), else raise ValueError."""
    arr = np.asarray(y_true)
    if arr.ndim == 0 or arr.shape[0] != n_rows:
        raise ValueError(f"y_true must have one row per sample: expected length {n_rows}, got shape {arr.shape}")
    return arr


def check_target_shape(y_true, shape: tuple, owner: str) -> np.ndarray:
    """Return ``y_true`` as an array of shape ``shape`` (N, D); shape (N,) becomes (N, 1) when D = 1.

    Raises ValueError naming ``owner`` (such as ``"MSELoss"``) for any other shape.
    """
    arr = np.asarray(y_true)
    if arr.ndim == 1 and shape[1:] == (1,):
        arr = arr[:, None]
    if arr.shape != shape:
        raise ValueError(f"{owner}: y_true must have the shape of y_pred {shape}, got {arr.shape}")
    return arr


def check_fraction(value, name: str, *, low_inclusive: bool = True) -> float:
    """Return ``value`` if ``0 <= value < 1`` (or ``0 < value < 1``), else raise.

    The messages name the interval that applies: ``[0, 1)`` or, with
    ``low_inclusive=False``, the open interval ``(0, 1)``.
    """
    interval = "[0, 1)" if low_inclusive else "(0, 1)"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in {interval}, got {value!r} ({type(value).__name__})")
    ok = (0 <= value < 1) if low_inclusive else (0 < value < 1)
    if not ok:
        raise ValueError(f"{name} must lie in {interval}, got {value}")
    return value


def check_layer_sizes(layer_sizes) -> list[int]:
    """Return ``layer_sizes`` as a list of at least two positive ints, or raise."""
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
        raise TypeError(f"layer_sizes must be a list of positive ints, got {type(layer_sizes).__name__}")
    if len(layer_sizes) < 2:
        raise ValueError(f"layer_sizes needs at least an input and an output size, got {list(layer_sizes)}")
    return [check_positive_int(s, f"layer_sizes[{i}]") for i, s in enumerate(layer_sizes)]


def check_activations(activations, sizes: list[int]) -> list:
    """Return one activation object per layer for a network of layer sizes ``sizes``, or raise.

    ``None`` gives ReLU for the hidden layers and linear for the output layer. Each layer
    needs its own instance (activations cache their input), and a softmax output needs
    at least two units.
    """
    from .activations import Softmax, get_activation

    n_layers = len(sizes) - 1
    if activations is None:
        activations = ["relu"] * (n_layers - 1) + ["linear"]
    elif isinstance(activations, (str, bytes)) or not hasattr(activations, "__len__"):
        raise TypeError(f"activations must be a list with one activation per layer, got {type(activations).__name__}")
    if len(activations) != n_layers:
        raise ValueError(
            f"activations must have one entry per layer: {n_layers} layer(s) for "
            f"layer_sizes {sizes}, got {len(activations)}"
        )
    acts = [get_activation(a) for a in activations]
    if len({id(a) for a in acts}) != len(acts):
        raise ValueError(
            "the same Activation instance is used for two layers; it caches its input, "
            "so give each layer its own (e.g. [ReLU(), ReLU()] or names)"
        )
    if isinstance(acts[-1], Softmax) and sizes[-1] < 2:
        raise ValueError("a softmax output needs at least 2 units: softmax of one number is always 1")
    return acts


def check_dtype(dtype) -> np.dtype:
    """Return ``dtype`` as a NumPy dtype if it is float32 or float64, else raise."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def check_layers(layers) -> list:
    """Return ``layers`` as a list if they can form a network, else raise TypeError or ValueError.

    A network's layers are :class:`~nnbook.layers.Layer` instances, each used once, the first
    and the last :class:`~nnbook.layers.Dense`; each layer's width matches the one before
    (a Dense layer's ``input_dim``, a batch normalisation's ``n_features``), and every Dense
    layer has the first one's dtype and its own activation instance.
    """
    from .layers import Dense, Layer

    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a list of Layer objects, got {type(layers).__name__}")
    layers = list(layers)
    bad = [layer for layer in layers if not isinstance(layer, Layer)]
    if bad:
        raise TypeError(f"layers must be Layer objects such as Dense(2, 3), got {bad[0]!r}")
    if not layers or not isinstance(layers[0], Dense) or not isinstance(layers[-1], Dense):
        raise ValueError("a network's first and last layers must be Dense layers")
    if len({id(layer) for layer in layers}) != len(layers):
        raise ValueError("the same layer object appears twice; it caches its input, so give each place its own")
    dense = [layer for layer in layers if isinstance(layer, Dense)]
    if len({id(layer.activation) for layer in dense}) != len(dense):
        raise ValueError("the same Activation instance is used for two layers; it caches its input")
    width, dtype = layers[0].input_dim, layers[0].dtype
    for i, layer in enumerate(layers):
        expected = getattr(layer, "input_dim", getattr(layer, "n_features", width))
        if expected != width:
            raise ValueError(f"layers[{i}] ({layer!r}) takes {expected} inputs, the layer before gives {width}")
        width = getattr(layer, "output_dim", width)
        if getattr(layer, "dtype", dtype) != dtype:
            raise ValueError(f"layers[{i}] has dtype {layer.dtype}, the first layer {dtype}: use one dtype")
    return layers


class CheckedBatch(NamedTuple):
    """Inputs ``X`` of shape (N, n_inputs) and targets ``Y`` checked and encoded by :func:`check_batch`.

    The only argument a network's unchecked methods accept
    (:meth:`~nnbook.network.NeuralNetwork.batch_loss`, ...), so that raw labels cannot reach them.
    """

    X: np.ndarray
    Y: np.ndarray

    def take(self, idx) -> CheckedBatch:
        """The samples ``idx`` (an index array or a slice), still checked."""
        return CheckedBatch(self.X[idx], self.Y[idx])


def check_batch(X, y, loss_fn, n_inputs: int, n_outputs: int, dtype) -> CheckedBatch:
    """``X`` as a finite (N, n_inputs) matrix of ``dtype``, ``y`` encoded by ``loss_fn.targets``.

    The check of a network's data (:meth:`~nnbook.network.NeuralNetwork.check_data`).
    """
    X = as_matrix(X, "X", n_columns=n_inputs, dtype=dtype)
    return CheckedBatch(X, loss_fn.targets(y, X.shape[0], n_outputs, dtype))


def check_clipping(clipnorm, clipvalue, global_clipnorm) -> dict:
    """The gradient-clipping arguments of an optimizer that are set, as a dict, or raise TypeError or ValueError.

    Each is None or a finite number > 0, and at most one is set (as in Keras, which
    raises a ValueError when two are given; Keras silently ignores a value <= 0, nnbook refuses it).
    """
    given = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
    for name, value in given.items():
        if value is not None:
            check_positive_float(value, name)
    if sum(value is not None for value in given.values()) > 1:
        raise ValueError(
            "only one of clipnorm, clipvalue and global_clipnorm can be set, got "
            + ", ".join(f"{name}={value}" for name, value in given.items())
        )
    return {name: value for name, value in given.items() if value is not None}


def check_label_smoothing(value) -> float:
    """Return ``value`` if it is a real number in [0, 1), else raise TypeError or ValueError.

    0 is no smoothing; 1 would replace every target by the uniform distribution, which
    carries no label at all (Keras accepts it, nnbook refuses it).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"label_smoothing must be a number in [0, 1), got {value!r} ({type(value).__name__})")
    if not 0 <= value < 1:
        raise ValueError(f"label_smoothing must lie in [0, 1), got {value}")
    return value
