"""float32 or float64: what float32 training saves, for the rule of ``dtype="auto"``.

The deep models (``ConvNetClassifier``, the RNN and LSTM estimators) default
to ``dtype="auto"``: float64 data trains in float32 when the fit runs on
mini-batches (more samples than one batch), in float64 when the whole
training set is one batch. This script measures both regimes: each estimator
with its default layers is fitted on ``n`` samples (``batch_size="auto"``:
one batch of ``n`` rows an epoch up to 200, then batches of 200), once with
``dtype=np.float32`` and once with ``np.float64``, alternating, and prints
the median fit times, their ratio (float32 / float64), the time float32
saves per epoch, and what ``"auto"`` picks. Last, what predicting float64
input in float64 costs a float32-trained model, next to float32 input and
to one training epoch on the same samples.

Usage::

    python benchmarks/bench_dtype.py                 # every family, about 5 minutes
    python benchmarks/bench_dtype.py --only LSTM     # one family
    python benchmarks/bench_dtype.py --repeats 9 --blas-threads 1
"""

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))

from bench_versions import timed_fit  # noqa: E402
from machine import clock, describe, parse_args  # noqa: E402

import skdl  # noqa: E402
from skdl._base import on_mini_batches  # noqa: E402

ROWS = (10, 30, 100, 200, 1000)


def families():
    """(label, estimator factory taking dtype and epochs, per-sample input shape)."""
    def convnet(**shape):
        return lambda dtype, epochs: skdl.ConvNetClassifier(
            max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1, dtype=dtype,
            random_state=0, **shape)

    def rnn(Estimator, **kw):
        return lambda dtype, epochs: Estimator(
            max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1, dtype=dtype,
            random_state=0, **kw)

    return [
        ("ConvNetClassifier, 1-D signals of 10", convnet(), (10,)),
        ("ConvNetClassifier, 1-D signals of 100", convnet(), (100,)),
        ("ConvNetClassifier, 8x8 images", convnet(input_shape=(8, 8)), (64,)),
        ("ConvNetClassifier, 16x16 images", convnet(input_shape=(16, 16)), (256,)),
        ("ConvNetClassifier, 28x28 images", convnet(input_shape=(28, 28)), (784,)),
        ("RNNClassifier, 10 steps x 1", rnn(skdl.RNNClassifier), (10, 1)),
        ("RNNClassifier, 50 steps x 8", rnn(skdl.RNNClassifier), (50, 8)),
        ("LSTMClassifier, 10 steps x 1", rnn(skdl.LSTMClassifier), (10, 1)),
        ("LSTMClassifier, 20 steps x 3", rnn(skdl.LSTMClassifier), (20, 3)),
        ("LSTMClassifier, 50 steps x 8", rnn(skdl.LSTMClassifier), (50, 8)),
        ("LSTMRegressor, 10 steps x 1", rnn(skdl.LSTMRegressor), (10, 1)),
    ]


def measure(make, shape, rows, repeats, epochs):
    """Median fit times (float32, float64) of ``epochs`` epochs on ``rows`` samples."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows,) + shape)
    y = rng.integers(0, 3, rows)            # class labels, or targets for a regressor
    times = {np.float32: [], np.float64: []}
    timed_fit(make(np.float32, 2), X, y)            # warm-up
    for repeat in range(repeats):
        order = (np.float32, np.float64) if repeat % 2 == 0 else (np.float64, np.float32)
        for dtype in order:
            times[dtype].append(timed_fit(make(dtype, epochs), X, y))
    return statistics.median(times[np.float32]), statistics.median(times[np.float64])


def prediction_cost(repeats):
    """A float32-trained model predicting float64 input (in float64) against float32 input."""
    rng = np.random.default_rng(0)
    models = [
        ("ConvNetClassifier 28x28, filters (16, 32)",
         skdl.ConvNetClassifier(input_shape=(28, 28), filters=(16, 32), max_iter=1,
                                random_state=0), rng.random((2000, 784))),
        ("LSTMClassifier 64 units, 50 steps x 8",
         skdl.LSTMClassifier(recurrent_layer_sizes=64, max_iter=1, random_state=0),
         rng.standard_normal((2000, 50, 8))),
    ]
    print(f"\nprediction of 2,000 samples by a model trained in float32 (median of {repeats}):")
    for label, estimator, X in models:
        y = rng.integers(0, 3, len(X))
        fit = timed_fit(estimator, X, y)
        assert estimator.network_.dtype == np.float32
        X32 = X.astype(np.float32)
        times = {"float64": [], "float32": []}
        for repeat in range(repeats):
            for name, data in (("float64", X), ("float32", X32))[::1 if repeat % 2 else -1]:
                start = clock()
                estimator.predict_proba(data)
                times[name].append(clock() - start)
        f64, f32 = (statistics.median(times[name]) for name in ("float64", "float32"))
        print(f"  {label:42} float64 input {1e3 * f64:7.1f} ms, float32 input {1e3 * f32:7.1f} ms "
              f"(x{f64 / f32:.2f}); one training epoch on them: {1e3 * fit:7.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20, help="epochs per fit")
    parser.add_argument("--only", default="", help="run the families whose label has this")
    parser.add_argument("--blas-threads", type=int, default=None)
    parser.add_argument("--no-prediction", action="store_true",
                        help="skip the prediction-cost measurement")
    args = parse_args(parser)
    print(describe())
    print(f"fits of {args.epochs} epochs, median of {args.repeats}, float32 and float64 "
          "alternating\n")
    print(f"{'estimator (default layers)':40} {'rows':>5} {'float32 ms':>10} {'float64 ms':>10} "
          f"{'ratio':>6} {'saved ms/epoch':>14}  auto")
    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        for label, make, shape in families():
            if args.only not in label:
                continue
            for rows in ROWS:
                f32, f64 = measure(make, shape, rows, args.repeats, args.epochs)
                auto = "float32" if on_mini_batches("adam", "auto", rows) else "float64"
                print(f"{label:40} {rows:5d} {1e3 * f32:10.1f} {1e3 * f64:10.1f} "
                      f"{f32 / f64:6.2f} {1e3 * (f64 - f32) / args.epochs:14.2f}  {auto}",
                      flush=True)
        if not args.no_prediction:
            prediction_cost(args.repeats)


if __name__ == "__main__":
    main()
