"""LSTMClassifier against PyTorch ``nn.LSTM`` on the CPU: fit time and accuracy.

Same network (one LSTM layer of ``--units`` units, 64 by default, last
hidden state -> linear layer), same optimizer (Adam, learning rate ``LR``),
batch 32, same generated multivariate sequences, one process, the fits
alternating, median of the repeats. PyTorch runs with 2 threads in float32;
skdl on its defaults with the float64 arrays a NumPy user has (the default
``dtype="auto"`` trains these mini-batch fits in float32). Both start with
zero biases except a forget-gate bias of 1 (skdl's default); weights keep
each library's own initialisation. A third fit runs PyTorch with skdl's
weight initialisation, to separate the effect of the initialisation on the
accuracy from that of the training.

The task: 8-feature Gaussian sequences of 50 steps; the class (of 4) is the
sign pattern of a small shift of features 0 and 1 during steps 10-29, so the
model has to integrate weak evidence over 20 steps and carry it for 20 more.

Usage::

    python benchmarks/bench_lstm.py               # 64 units, 2,000 sequences, 5 repeats
    python benchmarks/bench_lstm.py --units 256   # the bigger shape (3 epochs)
    python benchmarks/bench_lstm.py --quick       # 600 sequences, 3 repeats
    python benchmarks/bench_lstm.py --cpu-time    # one core's work, on a loaded machine
"""

import argparse
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from machine import clock, describe, load, peer_threads, parse_args  # noqa: E402

UNITS, BATCH, LR = 64, 32, 3e-3
SAME_INIT = "torch, skdl's init"


def make_data(n_samples, n_steps=50, n_features=8, seed=0):
    """Sequences whose class is set by features 0 and 1 in steps 10-29."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_steps, n_features)).astype(np.float32)
    y = rng.integers(0, 4, n_samples)
    signs = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=np.float32)
    X[:, 10:30, :2] += 0.5 * signs[y][:, None, :]
    # Drawn in float32 (the values of the earlier records), handed out as
    # the float64 arrays a NumPy user has.
    return X.astype(np.float64), y


def fit_skdl(X, y, epochs, seed, units=UNITS):
    from skdl.recurrent import LSTMClassifier

    clf = LSTMClassifier(recurrent_layer_sizes=units, batch_size=BATCH,
                         learning_rate_init=LR, max_iter=epochs, tol=0.0,
                         n_iter_no_change=epochs + 1, random_state=seed)
    start = clock()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    return clock() - start, clf.predict


def fit_torch(X, y, epochs, seed, init="torch", units=UNITS):
    """PyTorch's fit; ``init="skdl"`` draws the weights by skdl's rules."""
    import torch
    from torch import nn

    torch.manual_seed(seed)

    class Net(nn.Module):
        def __init__(self, d, k):
            super().__init__()
            self.lstm = nn.LSTM(d, units, batch_first=True)
            self.out = nn.Linear(units, k)

        def forward(self, x):
            _, (h, _) = self.lstm(x)
            return self.out(h[-1])

    n_classes = int(y.max()) + 1
    net = Net(X.shape[2], n_classes)
    with torch.no_grad():
        # skdl's bias initialisation: zeros, forget gate at 1 (PyTorch's gate
        # order is i, f, g, o). Without it PyTorch stays at chance on this
        # task within 5 epochs (measured: 0.25-0.28 test accuracy).
        net.lstm.bias_ih_l0.zero_()
        net.lstm.bias_hh_l0.zero_()
        net.lstm.bias_ih_l0[units:2 * units] = 1.0
        if init == "skdl":
            # LeCun-uniform input weights, an orthogonal block per gate.
            bound = np.sqrt(3.0 / X.shape[2])
            net.lstm.weight_ih_l0.uniform_(-bound, bound)
            for k in range(4):
                nn.init.orthogonal_(net.lstm.weight_hh_l0[k * units:(k + 1) * units])
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X.astype(np.float32)), torch.from_numpy(y.astype(np.int64))
    gen = torch.Generator().manual_seed(seed)
    start = clock()
    for _ in range(epochs):
        order = torch.randperm(len(Xt), generator=gen)
        for i in range(0, len(Xt), BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            loss = loss_fn(net(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    elapsed = clock() - start

    def predict(Xp):
        with torch.no_grad():
            return net(torch.from_numpy(Xp.astype(np.float32))).argmax(1).numpy()

    return elapsed, predict


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run (a few seconds)")
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    args = parse_args(parser, argv)
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed (pip install torch): nothing to compare against.")
        return 0
    torch.set_num_threads(peer_threads())
    n_train, repeats, epochs = (600, 3, 3) if args.quick else (
        (2000, 5, 5) if args.units <= 64 else (2000, 3, 3))
    repeats = args.repeats or repeats
    epochs = args.epochs or epochs
    units = args.units
    X, y = make_data(n_train + 1000)
    X_train, y_train, X_test, y_test = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    print(describe())
    print(f"\nLSTM {units} -> linear, Adam(lr={LR}), batch {BATCH}, {epochs} epochs, "
          f"{n_train} x {X.shape[1]} steps x {X.shape[2]} features (float64 arrays; skdl on "
          f"its defaults, PyTorch in float32); median of {repeats}")
    runners = {"skdl": lambda *a, **k: fit_skdl(*a, **k, units=units),
               "torch": lambda *a, **k: fit_torch(*a, **k, units=units),
               SAME_INIT: lambda *a, **k: fit_torch(*a, **k, init="skdl", units=units)}
    times = {name: [] for name in runners}
    accs = {name: [] for name in runners}
    for rep in range(repeats):
        names = list(runners)
        order = names if rep % 2 == 0 else names[::-1]
        for name in order:
            elapsed, predict = runners[name](X_train, y_train, epochs, seed=rep)
            times[name].append(elapsed)
            accs[name].append(float(np.mean(predict(X_test) == y_test)))
            print(f"  repeat {rep}: {name:18s} {elapsed:6.2f} s  test accuracy {accs[name][-1]:.3f}")
    med = {k: statistics.median(v) for k, v in times.items()}
    acc = {k: statistics.median(v) for k, v in accs.items()}
    ratios = [a / b for a, b in zip(times["skdl"], times["torch"])]
    print(f"median fit time: skdl {med['skdl']:.2f} s, torch {med['torch']:.2f} s "
          f"(with skdl's init {med[SAME_INIT]:.2f} s), "
          f"ratio skdl/torch = {med['skdl'] / med['torch']:.2f} "
          f"(median of per-repeat ratios {statistics.median(ratios):.2f})")
    print(f"median test accuracy: skdl {acc['skdl']:.3f}, torch {acc['torch']:.3f}, "
          f"torch with skdl's init {acc[SAME_INIT]:.3f}")
    n_batches = epochs * -(-n_train // BATCH)
    print(f"per batch: skdl {1e3 * med['skdl'] / n_batches:.2f} ms, torch "
          f"{1e3 * med['torch'] / n_batches:.2f} ms; load average (1 min) at the end: "
          f"{load():.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
