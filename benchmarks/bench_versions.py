"""Two copies of skdl side by side: fit times of the benchmark workloads, one process.

For checking that a change to the engine does not slow training: put the
other version in a directory under another package name (for example
``git show REV:skdl`` exported as ``DIR/skdl_old``) and compare::

    python benchmarks/bench_versions.py --other skdl_old --path DIR [--repeats 5]

The workloads are those of ``run.py mlp`` (the 20,000 x 100 MLP),
``bench_cnn.py`` and ``bench_lstm.py``, with fewer epochs; the fits
alternate between the two versions and the ratio of medians is printed
(current / other: below 1 means the current code is faster). Every fit
pins ``dtype=np.float32``, so that the engines are compared, not their
default precisions.
"""

import argparse
import importlib
import os
import statistics
import sys
import warnings

import numpy as np
from sklearn.datasets import make_classification

sys.path.insert(0, os.path.dirname(__file__))

import bench_cnn  # noqa: E402
import bench_lstm  # noqa: E402
from machine import clock, describe, parse_args  # noqa: E402


def workloads():
    """(name, estimator factory taking the package, X, y)."""
    X, y = make_classification(n_samples=20000, n_features=100, n_informative=40,
                               n_classes=5, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    mlp = dict(hidden_layer_sizes=(256, 128), batch_size=64, max_iter=3, solver="adam",
               tol=0.0, n_iter_no_change=10**6, dtype=np.float32, random_state=0)
    yield "MLP 20,000 x 100, (256, 128), 3 epochs", lambda m: m.MLPClassifier(**mlp), X, y
    shape = bench_cnn.SHAPES["mnist"]
    X_img, y_img, _, _ = bench_cnn.make_data(shape, 4000)
    cnn = dict(input_shape=(1, shape.side, shape.side), filters=shape.filters,
               padding=shape.padding, hidden_layer_sizes=(shape.hidden,), alpha=0.0,
               batch_size=64, max_iter=3, n_iter_no_change=10, dtype=np.float32,
               random_state=0)
    yield "CNN of bench_cnn.py, 3 epochs", lambda m: m.ConvNetClassifier(**cnn), X_img, y_img
    X_seq, y_seq = bench_lstm.make_data(2000)
    lstm = dict(recurrent_layer_sizes=bench_lstm.UNITS, batch_size=bench_lstm.BATCH,
                learning_rate_init=bench_lstm.LR, max_iter=3, tol=0.0, n_iter_no_change=10,
                dtype=np.float32, random_state=0)
    yield "LSTM of bench_lstm.py, 3 epochs", lambda m: m.LSTMClassifier(**lstm), X_seq, y_seq


def timed_fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = clock()
        estimator.fit(X, y)
    return clock() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", required=True, help="package name of the other version")
    parser.add_argument("--path", required=True, help="directory holding it")
    parser.add_argument("--repeats", type=int, default=5)
    args = parse_args(parser)
    sys.path.insert(0, args.path)
    current = importlib.import_module("skdl")
    other = importlib.import_module(args.other)
    print(describe())
    print(f"current: {current.__file__}\nother:   {other.__file__}\n")
    for name, make, X, y in workloads():
        times = {"current": [], "other": []}
        for repeat in range(args.repeats):
            order = [("current", current), ("other", other)]
            for label, package in (order if repeat % 2 == 0 else order[::-1]):
                times[label].append(timed_fit(make(package), X, y))
        now, before = statistics.median(times["current"]), statistics.median(times["other"])
        print(f"{name:42} current {now:6.2f} s  other {before:6.2f} s  ratio {now / before:.3f}")


if __name__ == "__main__":
    main()
