"""How fast is nnbook? Its training step against the same step hand-written in NumPy and in Keras.

Run it with ``make bench`` (or ``python benchmarks/train_step.py``). The measurements live in
the package, :mod:`nnbook.benchmark`, which the performance chapter of Part D imports: this
script and the page are the same code. This file adds the command line and ``--other``, which
times another copy of the package alongside (an older version, say).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from nnbook import benchmark


def load_other_nnbook(path) -> object:
    """Import another copy of the nnbook package (a directory) as ``nnbook_other``, e.g. an older version."""
    spec = importlib.util.spec_from_file_location(
        "nnbook_other", Path(path) / "__init__.py", submodule_search_locations=[str(path)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["nnbook_other"] = module
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-keras", action="store_true", help="skip the Keras contender")
    parser.add_argument("--keras-defaults", action="store_true", help="also time Keras at TensorFlow's defaults")
    parser.add_argument("--repeats", type=int, default=25, help="interleaved repeats (best of)")
    parser.add_argument("--other", metavar="DIR", help="another copy of the nnbook package to time alongside")
    parser.add_argument("--threads", type=int, default=benchmark.THREADS, help="BLAS and TensorFlow threads")
    args = parser.parse_args(argv)
    benchmark.THREADS = args.threads
    other = load_other_nnbook(args.other) if args.other else None
    print(f"same step as the hand-written one: largest difference {benchmark.check_same_step():.1e}")
    # everything NumPy first; TensorFlow (Keras) only at the end, see benchmark.measure_keras
    results = benchmark.measure_steps(keras=False, repeats=args.repeats, other=other)
    epoch = benchmark.measure_epoch(repeats=args.repeats, other=other)
    batching = benchmark.per_sample_vs_batched(repeats=args.repeats)
    softmax = {k: benchmark.softmax_backward_times(k, repeats=args.repeats) for k in (10, 100)}
    keras = {} if args.no_keras else benchmark.measure_keras(results, repeats=args.repeats)
    print(benchmark.table(results, epoch))
    print(f"per-sample loop / batched compute_gradients (64-128-64-10, N=64): {batching:.1f}x")
    for k, t in softmax.items():
        print(
            f"softmax backward, N=256, K={k}: Jacobian loop / vectorised {t['loop / vectorised']:.0f}x, "
            f"vectorised / fused {t['vectorised / fused']:.1f}x"
        )
    if keras:
        print(f"Keras above: {keras['settings']}")
        for dtype, rates in keras["products"].items():
            print(f"TensorFlow products, {dtype}, GFLOP/s: " + ", ".join(f"{k} {v:.0f}" for k, v in rates.items()))
    if args.keras_defaults and not args.no_keras:
        defaults = benchmark.measure_keras_defaults(repeats=min(args.repeats, 10))
        speeds = ", ".join(f"{case} {value:.0f}" for case, value in defaults["samples_per_s"].items())
        print(f"Keras at TensorFlow's defaults ({defaults['settings']}), float32, samples/s: {speeds}")


if __name__ == "__main__":
    main()
