"""Memory of prediction: the extra peak while ``predict_proba`` runs, and what it keeps.

Each model is fitted for one epoch on a small sample, then predicts on a
large generated input (hundreds of MiB). NumPy reports its allocations to
``tracemalloc``, so the peak counts every array prediction makes: the extra
peak is the highest traced memory during the call minus the memory before it
(the input included, the output excluded); "held" is what is still allocated
after the call once its result is dropped. Pickle sizes are measured before
and after the prediction.

Usage::

    python benchmarks/bench_memory.py              # the inputs below (about 1.5 GB of RAM)
    python benchmarks/bench_memory.py --scale 0.1  # a tenth of the rows
    python benchmarks/bench_memory.py --package skdl_old --path DIR   # another copy of skdl
"""

import argparse
import gc
import importlib
import pickle
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from machine import describe  # noqa: E402

MIB = 2**20


def cases(skdl, scale):
    """(name, estimator, small training X, y, large X) of each measured model."""
    rng = np.random.default_rng(0)

    def rows(n):
        return max(1, int(n * scale))

    def sequences(n, T=200, d=8):
        return rng.standard_normal((n, T, d))

    seq = dict(recurrent_layer_sizes=32, max_iter=1, random_state=0)
    yield ("LSTM 32, 200 x 8 steps", skdl.LSTMClassifier(**seq),
           sequences(300), rng.integers(0, 2, 300), sequences(rows(30_000)))
    yield ("bidirectional LSTM 32", skdl.LSTMClassifier(bidirectional=True, **seq),
           sequences(300), rng.integers(0, 2, 300), sequences(rows(20_000)))
    images = dict(input_shape=(1, 28, 28), filters=(16, 32), hidden_layer_sizes=(64,),
                  max_iter=1, random_state=0)
    yield ("ConvNet 28 x 28, filters 16, 32", skdl.ConvNetClassifier(**images),
           rng.random((300, 784)), rng.integers(0, 10, 300), rng.random((rows(100_000), 784)))
    yield ("MLP 784-256-128", skdl.MLPClassifier((256, 128), max_iter=1, random_state=0),
           rng.random((300, 784)), rng.integers(0, 10, 300), rng.random((rows(100_000), 784)))


def measure(estimator, X):
    """(extra peak MiB, held MiB, seconds, pickle bytes before, after) of predict_proba(X)."""
    before_pickle = len(pickle.dumps(estimator))
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    start = time.perf_counter()
    proba = estimator.predict_proba(X)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    del proba
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return (peak - base) / MIB, held / MIB, seconds, before_pickle, len(pickle.dumps(estimator))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the rows")
    parser.add_argument("--package", default="skdl", help="module to import (default skdl)")
    parser.add_argument("--path", default=None, help="directory to import it from")
    args = parser.parse_args()
    if args.path:
        sys.path.insert(0, args.path)
    skdl = importlib.import_module(args.package)
    print(describe())
    print(f"{args.package} from {skdl.__file__}\n")
    print(f"{'model':34} {'input MiB':>9} {'peak MiB':>9} {'held MiB':>9} {'seconds':>8} "
          f"{'pickle KB before/after':>23}")
    for name, estimator, X_small, y_small, X in cases(skdl, args.scale):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator.fit(X_small, y_small)
        peak, held, seconds, before, after = measure(estimator, X)
        print(f"{name:34} {X.nbytes / MIB:9.0f} {peak:9.0f} {held:9.1f} {seconds:8.2f} "
              f"{before / 1e3:11.0f} / {after / 1e3:<9.0f}")


if __name__ == "__main__":
    main()
