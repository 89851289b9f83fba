"""Memory and time of an MLP trained on a large sparse (TF-IDF-like) matrix.

The data: ``rows x features`` with ``density`` non-zeros (by default 20,000 x
200,000 at 0.05%: 100 non-zeros a row, 2 million in all, 24 MiB as CSR;
densified it would take 32 GB), rows L2-normalised like TF-IDF, binary
labels from a hidden linear model. Each estimator trains for ``--epochs``
epochs of Adam with batches of 200 and then predicts the training rows.

Every run is a separate process, so its numbers are its own: "traced peak"
is the highest memory that ``tracemalloc`` saw during ``fit`` minus what was
allocated before it (NumPy and SciPy report their arrays to it), "max RSS"
the process's peak resident memory (``getrusage``) over the whole run, data
and interpreter included, next to its peak before ``fit`` (making the data).

Usage::

    python benchmarks/bench_sparse.py                        # skdl float64 and float32, scikit-learn
    python benchmarks/bench_sparse.py --rows 2000 --no-peer  # a quick look
"""

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings

import numpy as np

from machine import describe

MIB = 2**20


def tfidf_like(rows, features, density, seed=0):
    """A CSR matrix with exactly ``density * features`` non-zeros a row, rows of unit L2 norm.

    Words are drawn with a long tail (the probability of the word of rank
    ``r`` falls like ``1 / (r + 20)``, Zipf's law), without repeats in a
    row; values are exponential, as term counts times inverse document
    frequencies roughly are.
    """
    import scipy.sparse
    from sklearn.preprocessing import normalize

    rng = np.random.default_rng(seed)
    per_row = max(1, int(round(density * features)))
    draws = per_row + per_row // 2 + 20                 # enough to find per_row distinct
    offset = 20.0
    ranks = offset * ((features + offset) / offset) ** rng.random((rows, draws)) - offset
    words = rng.permutation(features)[ranks.astype(np.int64)]
    # Keep the first per_row distinct words of each row, in the order drawn.
    order = np.argsort(words, axis=1, kind="stable")
    sorted_words = np.take_along_axis(words, order, axis=1)
    repeat = np.zeros_like(sorted_words, dtype=bool)
    repeat[:, 1:] = sorted_words[:, 1:] == sorted_words[:, :-1]
    first_seen = np.where(repeat, draws, order)         # a repeat goes last
    keep = np.sort(first_seen, axis=1)[:, :per_row]
    if np.any(keep >= draws):
        raise RuntimeError("too few distinct words drawn; raise `draws`")
    columns = np.take_along_axis(words, keep, axis=1)
    values = rng.exponential(1.0, size=(rows, per_row))
    indptr = np.arange(0, rows * per_row + 1, per_row)
    X = scipy.sparse.csr_matrix((values.ravel(), columns.ravel(), indptr),
                                shape=(rows, features))
    X.sort_indices()
    X = normalize(X)
    signal = X @ rng.standard_normal(features)
    y = (signal > np.median(signal)).astype(int)
    return X, y


def child(args):
    """One estimator in this process: print its numbers as one JSON line."""
    X, y = tfidf_like(args.rows, args.features, args.density)
    dtype = np.dtype(args.dtype)
    X = X.astype(dtype)
    if args.package == "skdl":
        from skdl import MLPClassifier
        model = MLPClassifier((args.hidden,), dtype=dtype, max_iter=args.epochs,
                              learning_rate_init=0.01, random_state=0)
    else:
        from sklearn.neural_network import MLPClassifier
        model = MLPClassifier((args.hidden,), max_iter=args.epochs, learning_rate_init=0.01,
                              random_state=0)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    fit_seconds = time.perf_counter() - start
    fit_peak = (tracemalloc.get_traced_memory()[1] - before) / MIB
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    accuracy = float(np.mean(model.predict(X) == y))
    predict_seconds = time.perf_counter() - start
    predict_peak = (tracemalloc.get_traced_memory()[1] - before) / MIB
    tracemalloc.stop()
    print(json.dumps({
        "package": args.package, "dtype": dtype.name, "fit_s": fit_seconds,
        "fit_traced_peak_mib": fit_peak, "predict_s": predict_seconds,
        "predict_traced_peak_mib": predict_peak, "train_accuracy": accuracy,
        "rss_before_fit_mib": rss_before,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "data_mib": (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / MIB,
        "parameters": int(sum(c.size for c in model.coefs_) + sum(b.size for b in
                                                                  model.intercepts_)),
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=200_000)
    parser.add_argument("--density", type=float, default=0.0005)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--no-peer", action="store_true", help="skip scikit-learn")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--package", default="skdl", help=argparse.SUPPRESS)
    parser.add_argument("--dtype", default="float64", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print(describe())
    print(f"X: {args.rows:,} x {args.features:,}, density {args.density:.4%}; densified "
          f"float64 it would take {args.rows * args.features * 8 / 1e9:.1f} GB; "
          f"MLP ({args.hidden},), Adam, batches of 200, {args.epochs} epoch(s)")
    runs = [("skdl", "float64"), ("skdl", "float32")]
    if not args.no_peer:
        runs.append(("sklearn", "float64"))
    common = [f"--rows={args.rows}", f"--features={args.features}",
              f"--density={args.density}", f"--hidden={args.hidden}",
              f"--epochs={args.epochs}"]
    print("| package | dtype | fit | traced peak in fit | max RSS (peak before fit) | predict "
          "| traced peak in predict | train accuracy |")
    print("|---|---|---|---|---|---|---|---|")
    for package, dtype in runs:
        output = subprocess.run(
            [sys.executable, __file__, "--child", f"--package={package}", f"--dtype={dtype}",
             *common], check=True, capture_output=True, text=True).stdout
        r = json.loads(output.strip().splitlines()[-1])
        print(f"| {package} | {dtype} | {r['fit_s']:.1f} s | {r['fit_traced_peak_mib']:,.0f} MiB "
              f"| {r['max_rss_mib']:,.0f} MiB ({r['rss_before_fit_mib']:,.0f}) "
              f"| {r['predict_s']:.2f} s | {r['predict_traced_peak_mib']:,.0f} MiB "
              f"| {r['train_accuracy']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
