"""Function calls per training step, counted by cProfile: nnbook against the hand-written NumPy step.

A count does not depend on the machine (a timing does): run it with
``python benchmarks/call_counts.py``. The step is a direct
``net.train_step(X, Y, CrossEntropyLoss(), optimizer=SGD(0.01))`` on a 2-64-32-3 ReLU/softmax
network, a batch of 32 with one-hot targets, and the same step written by hand
(:class:`nnbook.benchmark.HandWrittenNetwork`).
"""

from __future__ import annotations

import cProfile
import pstats

import numpy as np

from nnbook import SGD, CrossEntropyLoss, NeuralNetwork
from nnbook.benchmark import HandWrittenNetwork, make_batch

SIZES, BATCH, STEPS = (2, 64, 32, 3), 32, 100


def calls_per_step(step, steps: int = STEPS) -> float:
    """Function calls (primitive and recursive, as cProfile counts them) per call of ``step``."""
    step()  # warm up: first-call imports and caches are not part of a step
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(steps):
        step()
    profile.disable()
    stats = pstats.Stats(profile)
    return (stats.total_calls - 1) / steps  # minus the call of profile.disable


def main() -> None:
    net = NeuralNetwork(list(SIZES), ["relu", "relu", "softmax"], rng=0)
    hand = HandWrittenNetwork.like(net)
    X, _, Y = make_batch(SIZES, BATCH, np.float64)
    loss, optimizer = CrossEntropyLoss(), SGD(0.01)
    ours = calls_per_step(lambda: net.train_step(X, Y, loss, optimizer=optimizer))
    theirs = calls_per_step(lambda: hand.step(X, Y))
    print(f"function calls per step, {'-'.join(map(str, SIZES))}/B{BATCH}, one-hot targets:")
    print(f"  nnbook train_step(optimizer=SGD): {ours:.0f}")
    print(f"  hand-written NumPy step:          {theirs:.0f}")
    print(f"  ratio:                            {ours / theirs:.1f}")


if __name__ == "__main__":
    main()
