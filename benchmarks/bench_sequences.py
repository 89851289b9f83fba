"""Sequence models against PyTorch on the CPU: the GRU, and series of varying lengths.

Two suites, each fitting skdl and PyTorch on the same data in one
process (both train in float32), the fits alternating, medians of the repeats, PyTorch with 2
threads; skdl's BLAS at its default thread count.

``gru``: ``RNNClassifier(cell="gru")`` against ``nn.GRU`` on the LSTM
benchmark's task (``bench_lstm.py``: 8-feature sequences of 50 steps, the
class of 4 set by a weak shift of two features in steps 10-29): one GRU
layer of 64 units, last state -> linear, Adam (lr 3e-3), batch 32. Both
start from zero biases except the update gate's, 1 (skdl's initialisation);
PyTorch keeps its own weights, and a third fit gives it weights drawn by
skdl's rules, to separate the initialisation from the training. Then one
batch of the layer alone (forward + backward, 32 x 50 x 64), the two
libraries interleaved, percentiles of many calls.

``lengths``: generated multivariate series whose lengths vary by a factor 2
(aeon's layout, a list of ``(3, T_i)`` arrays): the class (of 4) is the
frequency (slow or fast) of an oscillation in channels 0 and 1 and the sign
of their coupling, under noise. Training series have 40-80 steps; two test
sets, 40-80 steps and 80-160 steps (longer than any training series). Three
models, each against its PyTorch twin:

* LSTM and GRU (32 units, last state -> linear): skdl reads the list as it
  is (NaN padding, masked); PyTorch packs the padded batch
  (``pack_padded_sequence``), which is the same computation;
* a 1-D ConvNet (conv 16 x 5 -> max pool 2 -> conv 32 x 5 -> max pool 2 ->
  dense 64, "same" padding): its dense layer reads a fixed length, so both
  libraries get every series zero-padded at the end to 80 steps, and the
  longer test series cut to their first 80 steps.

``init``: the GRU's update-gate bias at initialisation, 0 against 1, on the
"remember the first step" task of the tests (skdl only).

Usage::

    python benchmarks/bench_sequences.py gru [--quick]
    python benchmarks/bench_sequences.py lengths [--quick]
    python benchmarks/bench_sequences.py init
"""

import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np

from bench_lstm import make_data as make_fixed_length_data
from machine import describe

CHANNELS, N_CLASSES = 3, 4


# ----------------------------------------------------------------- the data
def make_series(n_samples, low, high, rng):
    """Series in aeon's layout: a list of ``(3, T_i)`` float32 arrays, ``T_i`` in [low, high].

    Class ``k``: frequency 0.05 (k even) or 0.11 (k odd) cycles a step in
    channels 0 and 1, channel 1 following channel 0 (k < 2) or its negative
    (k >= 2); noise of standard deviation 0.8 everywhere, channel 2 noise only.
    """
    lengths = rng.integers(low, high + 1, n_samples)
    y = rng.integers(0, N_CLASSES, n_samples)
    series = []
    for length, label in zip(lengths, y):
        t = np.arange(length)
        phase = rng.uniform(0, 2 * np.pi)
        wave = np.sin(2 * np.pi * (0.05 if label % 2 == 0 else 0.11) * t + phase)
        sign = 1.0 if label < 2 else -1.0
        x = 0.8 * rng.standard_normal((CHANNELS, length))
        x[0] += wave
        x[1] += sign * np.roll(wave, 2)
        series.append(x.astype(np.float32))
    return series, y


def fixed_length(series, length):
    """``(n, C, length)``: series zero-padded at the end or cut to ``length`` steps."""
    out = np.zeros((len(series), CHANNELS, length), dtype=np.float32)
    for row, x in zip(out, series):
        keep = min(length, x.shape[1])
        row[:, :keep] = x[:, :keep]
    return out


def padded_batch_first(series):
    """``(n, T_max, C)`` zero-padded and the lengths, for PyTorch's packed sequences."""
    lengths = np.array([x.shape[1] for x in series])
    out = np.zeros((len(series), lengths.max(), CHANNELS), dtype=np.float32)
    for row, x in zip(out, series):
        row[:x.shape[1]] = x.T
    return out, lengths


# -------------------------------------------------------------------- skdl
def fit_skdl(model, X, y):
    """Fit an skdl estimator; return the fit time and its predict."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return time.perf_counter() - start, model.predict


def skdl_rnn(cell, units, epochs, seed, data_format="channels_first", lr=3e-3):
    from skdl import RNNClassifier
    return RNNClassifier(cell=cell, recurrent_layer_sizes=units, data_format=data_format,
                         batch_size=32, learning_rate_init=lr, max_iter=epochs, tol=0.0,
                         n_iter_no_change=epochs + 1, random_state=seed, dtype=np.float32)


def skdl_convnet(epochs, seed, lr=3e-3):
    from skdl import ConvNetClassifier
    return ConvNetClassifier(conv_dim=1, filters=(16, 32), kernel_size=5, padding="same",
                             pooling="max", pool_size=2, hidden_layer_sizes=(64,),
                             batch_size=32, learning_rate_init=lr, max_iter=epochs, tol=0.0,
                             n_iter_no_change=epochs + 1, random_state=seed,
                             dtype=np.float32)


# ----------------------------------------------------------------- PyTorch
def torch_rnn(cell, n_features, units):
    """``nn.LSTM``/``nn.GRU`` -> last state -> linear, with skdl's gate biases."""
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(n_features, units,
                                                               batch_first=True)
            self.out = nn.Linear(units, N_CLASSES)

        def forward(self, x, lengths=None):
            if lengths is not None:
                x = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True,
                                                      enforce_sorted=False)
            _, state = self.rnn(x)
            h = state[0] if cell == "lstm" else state
            return self.out(h[-1])

    net = Net()
    with torch.no_grad():
        # skdl's biases: zero, except the LSTM's forget gate (PyTorch's second
        # block of i, f, g, o) and the GRU's update gate (second of r, z, n) at 1.
        net.rnn.bias_ih_l0.zero_()
        net.rnn.bias_hh_l0.zero_()
        net.rnn.bias_ih_l0[units:2 * units] = 1.0
    return net


def copy_skdl_gru_init(gru, n_features, units, seed):
    """Draw a GRU layer's initial weights by skdl's rules and put them into ``nn.GRU``.

    The mapping of ``skdl.layers.recurrent.GRU``'s docstring: ``weight_ih =
    W.T``, ``weight_hh = U.T``, ``bias_ih = b``, ``bias_hh = [0, 0, b_hn]``.
    """
    import torch

    from skdl.layers.recurrent import GRU
    layer = GRU(units)
    layer.build((1, n_features), np.random.default_rng(seed), np.float32)
    p = layer.parameters()
    with torch.no_grad():
        gru.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(p["W"].T)))
        gru.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(p["U"].T)))
        gru.bias_ih_l0.copy_(torch.from_numpy(p["b"]))
        gru.bias_hh_l0.zero_()
        gru.bias_hh_l0[2 * units:] = torch.from_numpy(p["b_hn"])


def torch_convnet(length):
    from torch import nn
    flat = 32 * (length // 4)
    return nn.Sequential(
        nn.Conv1d(CHANNELS, 16, 5, padding="same"), nn.ReLU(), nn.MaxPool1d(2),
        nn.Conv1d(16, 32, 5, padding="same"), nn.ReLU(), nn.MaxPool1d(2),
        nn.Flatten(), nn.Linear(flat, 64), nn.ReLU(), nn.Linear(64, N_CLASSES))


def fit_torch(net, X, y, epochs, seed, lengths=None, lr=3e-3, batch=32):
    """Adam on cross-entropy, shuffled mini-batches; return the fit time and a predict."""
    import torch

    torch.manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    # PyTorch trains in float32 whatever the arrays (skdl's default does too).
    Xt, yt = torch.from_numpy(X.astype(np.float32)), torch.from_numpy(y.astype(np.int64))
    lt = None if lengths is None else torch.from_numpy(lengths)
    gen = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(Xt), generator=gen)
        for i in range(0, len(Xt), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            if lt is None:
                logits = net(Xt[idx])
            else:
                # Each batch trimmed to its longest sequence, as packing needs.
                longest = int(lt[idx].max())
                logits = net(Xt[idx, :longest], lt[idx])
            loss_fn(logits, yt[idx]).backward()
            opt.step()
    elapsed = time.perf_counter() - start

    def predict(X_new, lengths_new=None):
        with torch.no_grad():
            args = (torch.from_numpy(X_new.astype(np.float32)),) + (
                () if lengths_new is None else (torch.from_numpy(lengths_new),))
            return net(*args).argmax(1).numpy()

    return elapsed, predict


# ---------------------------------------------------------------- reporting
def alternate(runners, repeats, report):
    """Run every runner once a repeat, in alternating order; ``report(name, result)``."""
    results = {name: [] for name in runners}
    for rep in range(repeats):
        names = list(runners) if rep % 2 == 0 else list(runners)[::-1]
        for name in names:
            results[name].append(runners[name](rep))
            report(rep, name, results[name][-1])
    return results


def summary(results, pairs):
    """Median fit times, ratios and median accuracies of (skdl, torch) pairs."""
    for ours, theirs in pairs:
        t_ours = statistics.median(r["time"] for r in results[ours])
        t_theirs = statistics.median(r["time"] for r in results[theirs])
        per_repeat = statistics.median(a["time"] / b["time"]
                                       for a, b in zip(results[ours], results[theirs]))
        line = (f"{ours:14s} {t_ours:6.2f} s | {theirs:14s} {t_theirs:6.2f} s | ratio "
                f"{t_ours / t_theirs:.2f} (per-repeat median {per_repeat:.2f})")
        for key in [k for k in results[ours][0] if k.startswith("acc")]:
            line += (f" | {key} {statistics.median(r[key] for r in results[ours]):.3f} / "
                     f"{statistics.median(r[key] for r in results[theirs]):.3f}")
        print(line)


# ------------------------------------------------------------------ suites
def gru_suite(quick):
    """The GRU on bench_lstm's task, then one batch of the layer alone."""
    n_train, repeats, epochs = (600, 3, 3) if quick else (2000, 5, 5)
    X, y = make_fixed_length_data(n_train + 1000)
    X_train, y_train, X_test, y_test = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    print(f"GRU 64 -> linear, Adam(lr=3e-3), batch 32, {epochs} epochs, {n_train} x "
          f"{X.shape[1]} steps x {X.shape[2]} features (float64 arrays: skdl on its defaults "
          f"and PyTorch both train in float32)")

    def run_skdl(rep):
        model = skdl_rnn("gru", 64, epochs, rep, data_format="channels_last")
        elapsed, predict = fit_skdl(model, X_train, y_train)
        return {"time": elapsed, "acc": float(np.mean(predict(X_test) == y_test))}

    def torch_runner(same_init):
        def run(rep):
            import torch
            torch.manual_seed(rep)
            net = torch_rnn("gru", X.shape[2], 64)
            if same_init:
                copy_skdl_gru_init(net.rnn, X.shape[2], 64, rep)
            elapsed, predict = fit_torch(net, X_train, y_train, epochs, rep)
            return {"time": elapsed, "acc": float(np.mean(predict(X_test) == y_test))}
        return run

    runners = {"skdl GRU": run_skdl, "torch GRU": torch_runner(False),
               "torch, skdl init": torch_runner(True)}
    results = alternate(runners, repeats,
                        lambda rep, name, r: print(f"  repeat {rep}: {name:16s} "
                                                   f"{r['time']:6.2f} s  acc {r['acc']:.3f}",
                                                   flush=True))
    summary(results, [("skdl GRU", "torch GRU"), ("skdl GRU", "torch, skdl init")])
    layer_alone(300 if not quick else 60)


def layer_alone(calls):
    """Forward + backward of one batch (32 x 50 x 64, float32), skdl and nn.GRU interleaved."""
    import torch

    from skdl.layers.recurrent import GRU
    T, n, d, H = 50, 32, 8, 64
    rng = np.random.default_rng(0)
    X = rng.standard_normal((T, n, d)).astype(np.float32)
    dY = rng.standard_normal((n, H)).astype(np.float32)
    layer = GRU(H)
    layer.build((T, d), np.random.default_rng(0), np.float32)
    cache = {}
    grads = {name: np.zeros_like(p) for name, p in layer.parameters().items()}
    net = torch.nn.GRU(d, H)
    Xt, dYt = torch.from_numpy(X), torch.from_numpy(dY)

    def ours():
        layer.forward(X, cache)
        layer.backward(dY.copy(), cache, grads, input_grad=False)

    def theirs():
        net.zero_grad()
        _, h = net(Xt)
        (h[0] * dYt).sum().backward()

    def ours_forward():
        layer.forward(X, cache)

    times = {"skdl": [], "torch": [], "skdl forward": []}
    fns = {"skdl": ours, "torch": theirs, "skdl forward": ours_forward}
    for fn in fns.values():
        fn()
    for _ in range(calls):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    print(f"GRU layer alone, one batch {n} x {T} steps x {H} units (forward + backward), "
          f"{calls} interleaved calls, ms (20th percentile / median):")
    for name, values in times.items():
        print(f"  {name:13s} {np.percentile(values, 20) * 1e3:6.3f} / "
              f"{np.median(values) * 1e3:6.3f}")


def lengths_suite(quick):
    """LSTM, GRU and 1-D ConvNet on series of varying lengths; longer test series."""
    n_train, repeats, epochs = (600, 3, 4) if quick else (1500, 5, 12)
    rng = np.random.default_rng(0)
    train, y_train = make_series(n_train, 40, 80, rng)
    same, y_same = make_series(1000, 40, 80, rng)
    longer, y_longer = make_series(1000, 80, 160, rng)
    print(f"{n_train} training series of 40-80 steps x {CHANNELS} channels (aeon's layout), "
          f"{N_CLASSES} classes; test: 1000 of 40-80 steps, 1000 of 80-160 steps; "
          f"Adam(lr=3e-3), batch 32, {epochs} epochs, float32")
    padded, lengths = padded_batch_first(train)
    tests = {"acc 40-80": (same, y_same), "acc 80-160": (longer, y_longer)}

    def scores(predict_series):
        return {key: float(np.mean(predict_series(series) == labels))
                for key, (series, labels) in tests.items()}

    def skdl_rnn_runner(cell):
        def run(rep):
            elapsed, predict = fit_skdl(skdl_rnn(cell, 32, epochs, rep), train, y_train)
            return {"time": elapsed, **scores(predict)}
        return run

    def torch_rnn_runner(cell):
        def run(rep):
            import torch
            torch.manual_seed(rep)
            elapsed, predict = fit_torch(torch_rnn(cell, CHANNELS, 32), padded, y_train,
                                         epochs, rep, lengths=lengths)
            return {"time": elapsed,
                    **scores(lambda s: predict(*padded_batch_first(s)))}
        return run

    def skdl_cnn(rep):
        elapsed, predict = fit_skdl(skdl_convnet(epochs, rep), fixed_length(train, 80),
                                    y_train)
        return {"time": elapsed, **scores(lambda s: predict(fixed_length(s, 80)))}

    def torch_cnn(rep):
        import torch
        torch.manual_seed(rep)
        elapsed, predict = fit_torch(torch_convnet(80), fixed_length(train, 80), y_train,
                                     epochs, rep)
        return {"time": elapsed, **scores(lambda s: predict(fixed_length(s, 80)))}

    runners = {"skdl LSTM": skdl_rnn_runner("lstm"), "torch LSTM": torch_rnn_runner("lstm"),
               "skdl GRU": skdl_rnn_runner("gru"), "torch GRU": torch_rnn_runner("gru"),
               "skdl ConvNet": skdl_cnn, "torch ConvNet": torch_cnn}

    def report(rep, name, r):
        accs = "  ".join(f"{k} {v:.3f}" for k, v in r.items() if k.startswith("acc"))
        print(f"  repeat {rep}: {name:13s} {r['time']:6.2f} s  {accs}", flush=True)

    results = alternate(runners, repeats, report)
    summary(results, [("skdl LSTM", "torch LSTM"), ("skdl GRU", "torch GRU"),
                      ("skdl ConvNet", "torch ConvNet")])


def init_suite(quick):
    """The GRU's update-gate bias at initialisation: 0 (Keras) against 1 (skdl).

    The task of ``tests/test_recurrent.py``: remember the sign of the first
    of 20 univariate steps. 8 units, Adam (lr 0.01), batch 32, 60 epochs;
    test accuracy on 500 new sequences, for 3 seeds. skdl only.
    """
    from skdl import RNNClassifier
    from skdl.layers.recurrent import GRU

    rng = np.random.default_rng(3)
    X, X_test = rng.standard_normal((200, 20, 1)), rng.standard_normal((500, 20, 1))
    y, y_test = (X[:, 0, 0] > 0).astype(int), (X_test[:, 0, 0] > 0).astype(int)
    build = GRU._build
    epochs, seeds = (20, 2) if quick else (60, 3)
    for bias in (0.0, 1.0):
        def _build(self, d, rng, dtype, bias=bias):
            build(self, d, rng, dtype)
            self.parameters()["b"][self.units:2 * self.units] = bias
        GRU._build = _build
        accs = []
        for seed in range(seeds):
            clf = RNNClassifier(cell="gru", recurrent_layer_sizes=8, learning_rate_init=0.01,
                                max_iter=epochs, batch_size=32, random_state=seed)
            fit_skdl(clf, X, y)
            accs.append(clf.score(X_test, y_test))
        print(f"update-gate bias {bias}: test accuracy " + ", ".join(f"{a:.3f}" for a in accs))
    GRU._build = build


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", choices=["gru", "lengths", "init"])
    parser.add_argument("--quick", action="store_true", help="small run (a minute or two)")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed (pip install torch): nothing to compare against.")
        return 0
    torch.set_num_threads(2)
    print(describe())
    {"gru": gru_suite, "lengths": lengths_suite, "init": init_suite}[args.suite](args.quick)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
