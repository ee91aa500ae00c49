"""nnbook: a feedforward neural network from scratch in NumPy.

The package the book's chapters import. One module per concept:

- :mod:`nnbook.activations`: ReLU, sigmoid, tanh, softmax, linear
- :mod:`nnbook.layers`: the ``Layer`` interface and the ``Dense`` layer
- :mod:`nnbook.losses`: mean squared error and cross-entropy (with the fused softmax gradient)
- :mod:`nnbook.sequential`: ``Sequential``, a flat list of layers, its parameters and its state (save, load)
- :mod:`nnbook.network`: ``NeuralNetwork``, the seed's interface on top (optional L2, dropout, batch normalisation)
- :mod:`nnbook.optimizers`: SGD (with momentum) and Adam, Keras' exact rules
- :mod:`nnbook.training`: the mini-batch training loop
- :mod:`nnbook.targets`: class labels, one-hot rows, the targets a loss compares with
- :mod:`nnbook.gradcheck`: numerical gradient checking
- :mod:`nnbook.datasets`: XOR, spirals, splits, scikit-learn's bundled data
- :mod:`nnbook.plotting`: training histories and decision boundaries
- :mod:`nnbook.schedules`: learning-rate schedules (exponential, cosine with warm-up)
- :mod:`nnbook.regularizers`: the L2 weight penalty
- :mod:`nnbook.dropout`, :mod:`nnbook.normalization`: the Dropout and BatchNormalization layers
- :mod:`nnbook.evaluation`: a classifier's evaluation (held-out selection, intervals, calibration)
- :mod:`nnbook.benchmark`: the training step timed against hand-written NumPy and Keras
- :mod:`nnbook.pitfalls`, :mod:`nnbook.compare`: the source text's mistakes (Part D), the Keras counterparts (Part E)
"""

from importlib.metadata import PackageNotFoundError, version

from .activations import ELU, GELU, Activation, LeakyReLU, Linear, ReLU, Sigmoid, SiLU, Softmax, Tanh, get_activation
from .datasets import (
    DataSplit,
    generate_spiral_data,
    generate_xor_data,
    load_breast_cancer,
    load_digits,
    one_hot,
    standardize,
    train_val_split,
)
from .dropout import Dropout
from .gradcheck import GradientCheckResult, check_gradients, finite_difference_gradient, numerical_gradient, rel_error
from .layers import Dense, Layer
from .losses import CrossEntropyLoss, Loss, MSELoss
from .network import NeuralNetwork
from .normalization import BatchNormalization
from .optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .regularizers import L1, L1L2, L2
from .schedules import CosineDecay, ExponentialDecay
from .sequential import Sequential
from .training import TrainingDiverged, train_network

try:  # one source: the version in pyproject.toml, through the installed package's metadata
    __version__ = version("nnbook")
except PackageNotFoundError:  # pragma: no cover - imported from a source tree without installing
    __version__ = "0+unknown"

__all__ = [
    "Activation",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "Linear",
    "get_activation",
    "Layer",
    "Dense",
    "Loss",
    "MSELoss",
    "CrossEntropyLoss",
    "NeuralNetwork",
    "Sequential",
    "Optimizer",
    "SGD",
    "Adam",
    "train_network",
    "TrainingDiverged",
    "rel_error",
    "finite_difference_gradient",
    "numerical_gradient",
    "check_gradients",
    "GradientCheckResult",
    "generate_xor_data",
    "generate_spiral_data",
    "train_val_split",
    "one_hot",
    "standardize",
    "load_breast_cancer",
    "load_digits",
    "LeakyReLU",
    "GELU",
    "ELU",
    "SiLU",
    "Adagrad",
    "RMSprop",
    "AdamW",
    "ExponentialDecay",
    "CosineDecay",
    "L2",
    "L1",
    "L1L2",
    "Dropout",
    "BatchNormalization",
    "DataSplit",
]
