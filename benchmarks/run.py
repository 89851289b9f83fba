"""Side-by-side benchmarks: skdl against its peers, in one process.

Usage::

    python benchmarks/run.py mlp [--repeats 5] [--quick] [--cpu-time]

Each workload fits skdl and the peer on the same data, alternating, for
``--repeats`` rounds, and reports the median fit time of each, the ratio of
the medians (skdl / peer; below 1 means skdl is faster) and both test
accuracies. Absolute times drift by tens of percent on shared machines, so
only the ratio within one run means much.
"""

import argparse
import os
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.preprocessing import StandardScaler

import skdl

sys.path.insert(0, str(Path(__file__).parent))

from machine import clock, describe, load, peer_threads, parse_args  # noqa: E402


def _timed_fit(model, X, y):
    start = clock()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return clock() - start


def compare(name, make_ours, make_peer, data, repeats, peer_name):
    """Fit both ``repeats`` times, alternating; print medians, ratio, accuracies.

    Repeat ``r`` seeds both models with ``random_state=r``, so the accuracies
    are means over ``repeats`` initialisations rather than one lucky draw.
    """
    X_train, X_test, y_train, y_test = data
    ours_times, peer_times, ours_acc, peer_acc = [], [], [], []
    for seed in range(repeats):
        ours, peer = make_ours(seed), make_peer(seed)
        ours_times.append(_timed_fit(ours, X_train, y_train))
        peer_times.append(_timed_fit(peer, X_train, y_train))
        ours_acc.append(ours.score(X_test, y_test))
        peer_acc.append(peer.score(X_test, y_test))
    ours_median, peer_median = statistics.median(ours_times), statistics.median(peer_times)
    row = {
        "workload": name,
        "skdl_s": ours_median,
        "peer_s": peer_median,
        "ratio": ours_median / peer_median,
        "skdl_acc": statistics.mean(ours_acc),
        "peer_acc": statistics.mean(peer_acc),
        "peer": peer_name,
    }
    print(f"{name:44} skdl {ours_median:7.2f} s  {peer_name} {peer_median:7.2f} s  "
          f"ratio {row['ratio']:.2f}  mean accuracy {row['skdl_acc']:.4f} vs {row['peer_acc']:.4f}",
          flush=True)
    return row


def _split(X, y):
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def mlp_workloads(quick):
    """(name, data, MLP parameters) of the MLP benchmark."""
    X, y = load_digits(return_X_y=True)
    digits = _split(X, y)
    n_large = 4000 if quick else 20000
    X, y = make_classification(n_samples=n_large, n_features=100, n_informative=40,
                               n_classes=5, random_state=0)
    large = _split(X, y)
    n_wide = 1000 if quick else 5000
    X, y = make_classification(n_samples=n_wide, n_features=784, n_informative=50,
                               n_classes=10, n_clusters_per_class=1, class_sep=2.0,
                               random_state=0)
    wide = _split(X, y)
    fixed = dict(solver="adam", tol=0.0, n_iter_no_change=10**6, early_stopping=False)
    digits_epochs, large_epochs, wide_epochs = (10, 2, 2) if quick else (50, 10, 20)
    return [
        (f"digits (100,) batch 200, {digits_epochs} epochs", digits,
         dict(hidden_layer_sizes=(100,), max_iter=digits_epochs, **fixed)),
        (f"{n_large}x100 (256,128) batch 64, {large_epochs} epochs", large,
         dict(hidden_layer_sizes=(256, 128), batch_size=64, max_iter=large_epochs, **fixed)),
        (f"{n_wide}x784 (256,128) batch 64, {wide_epochs} epochs", wide,
         dict(hidden_layer_sizes=(256, 128), batch_size=64, max_iter=wide_epochs, **fixed)),
    ]


def _torch_mlp(params, seed):
    """A PyTorch MLP with the same layers, Adam and batches, behind fit/score."""
    import torch

    class TorchMLP:
        def fit(self, X, y):
            torch.manual_seed(seed)
            sizes = [X.shape[1], *params["hidden_layer_sizes"], int(y.max()) + 1]
            layers = []
            for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
                layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
            self.model = torch.nn.Sequential(*layers[:-1])
            optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3,
                                         weight_decay=0.0)
            Xt = torch.from_numpy(X.astype(np.float32))
            yt = torch.from_numpy(y.astype(np.int64))
            batch = params.get("batch_size", 200)
            generator = torch.Generator().manual_seed(seed)
            for _ in range(params["max_iter"]):
                order = torch.randperm(len(Xt), generator=generator)
                for start in range(0, len(Xt), batch):
                    index = order[start:start + batch]
                    optimizer.zero_grad()
                    loss = torch.nn.functional.cross_entropy(self.model(Xt[index]), yt[index])
                    loss.backward()
                    optimizer.step()
            return self

        def score(self, X, y):
            with torch.no_grad():
                logits = self.model(torch.from_numpy(X.astype(np.float32)))
            return float((logits.argmax(1).numpy() == y).mean())

    return TorchMLP()


def run_mlp(repeats, quick):
    print(describe() + "\n")
    print(f"MLP benchmark: skdl against scikit-learn's MLPClassifier (float64), "
          f"{os.cpu_count()} cores, median of {repeats}\n")
    rows = []
    for name, data, params in mlp_workloads(quick):
        rows.append(compare(f"{name}, skdl float64",
                            lambda seed: skdl.MLPClassifier(random_state=seed, **params),
                            lambda seed: SkMLPClassifier(random_state=seed, **params),
                            data, repeats, "sklearn"))
        rows.append(compare(f"{name}, skdl float32",
                            lambda seed: skdl.MLPClassifier(dtype=np.float32, random_state=seed,
                                                            **params),
                            lambda seed: SkMLPClassifier(random_state=seed, **params),
                            data, repeats, "sklearn"))
    try:
        import torch
    except ImportError:
        print("\nPyTorch is not installed: skipping the PyTorch comparison "
              "(pip install '.[benchmark]').")
        return rows
    torch.set_num_threads(peer_threads(os.cpu_count()))
    print(f"\nAgainst PyTorch {torch.__version__} (CPU, float32, {torch.get_num_threads()} threads)\n")
    for name, data, params in mlp_workloads(quick)[1:]:
        rows.append(compare(f"{name}, skdl float32",
                            lambda seed: skdl.MLPClassifier(dtype=np.float32, random_state=seed,
                                                            **params),
                            lambda seed: _torch_mlp(params, seed), data, repeats, "torch"))
    print(f"\nload average (1 min) at the end: {load():.2f}")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", choices=["mlp"], help="which benchmark to run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parse_args(parser)
    run_mlp(args.repeats, args.quick)


if __name__ == "__main__":
    main()
