"""CNN training speed and accuracy: skdl ConvNetClassifier against PyTorch (CPU).

The same network on both sides::

    valid 3x3 conv 16 -> ReLU -> 2x2 max pool -> valid 3x3 conv 32 -> ReLU
    -> 2x2 max pool -> dense 64 -> ReLU -> dense 10 (softmax)

Adam (learning rate 1e-3, no weight decay), batch 64, a fixed number of
epochs, float32, on 28x28 images: scikit-learn's 8x8 digits upsampled with
``scipy.ndimage.zoom`` and jittered (random shifts and noise) to 4,000
training images; the test images are the held-out digits, upsampled.

Both fits run in one process, alternating, ``--repeats`` times; the script
reports medians: the fit-time ratio skdl / PyTorch, both test accuracies, and
the share of this machine's float32 matrix-product peak (measured here with a
2048 x 2048 product) that skdl's training reaches, counting the FLOPs of the
matrix products of forward and backward passes.

PyTorch is optional: without it, only skdl is timed.

skdl is timed twice per repeat: with NumPy's BLAS at its default thread count
(``skdl``) and limited to one thread with ``threadpoolctl`` (``skdl-1t``).
On a shared, loaded machine OpenBLAS's two threads wait for each other on
every small matrix product and the default can be several times slower;
``--blas-threads default`` or ``1`` times only one of them.

Usage::

    python benchmarks/bench_cnn.py            # 4,000 images, 10 epochs, 3 repeats
    python benchmarks/bench_cnn.py --quick    # 1,000 images, 2 epochs
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from skdl.convnet import ConvNetClassifier

try:
    import torch
except ImportError:  # optional peer
    torch = None

SIZE = 28
FILTERS = (16, 32)
HIDDEN = 64
N_CLASSES = 10
#: float32 matmul peak of this class of machine on a quiet moment
#: (/work/shared/PERFORMANCE.md); the in-run measurement drops under load.
REFERENCE_PEAK = 114.0


def make_data(n_train, seed=0):
    """Digits upsampled to 28x28; training set jittered to ``n_train`` images."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, random_state=seed, stratify=y)

    def upsample(rows):
        images = rows.reshape(-1, 8, 8)
        return np.clip(ndimage.zoom(images, (1, SIZE / 8, SIZE / 8), order=1), 0, 1)

    rng = np.random.default_rng(seed)
    base = upsample(X_train)
    pick = rng.integers(0, len(base), n_train)
    images = base[pick]
    # Jitter: shift each image by up to 2 pixels and add a little noise.
    shifted = np.empty_like(images)
    for k, (dy, dx) in enumerate(rng.integers(-2, 3, size=(n_train, 2))):
        shifted[k] = np.roll(images[k], (dy, dx), axis=(0, 1))
    shifted += 0.05 * rng.standard_normal(shifted.shape)
    X_big = shifted.reshape(n_train, -1).astype(np.float32)
    X_test = upsample(X_test).reshape(len(X_test), -1).astype(np.float32)
    return X_big, y_train[pick], X_test, y_test


def training_flops(n_samples, epochs):
    """FLOPs of the matrix products of forward + backward over the whole fit.

    A product of an (m, k) and a (k, n) matrix costs 2 m k n. Backward costs
    two such products per layer (weight gradient and input gradient) except
    for the first convolution, whose input gradient is never computed.
    """
    side, channels, forward, first = SIZE, 1, [], True
    for filters in FILTERS:
        side -= 2  # valid 3x3
        cost = 2 * side * side * filters * 9 * channels
        forward.append((cost, first))
        first = False
        side //= 2  # 2x2 pool
        channels = filters
    forward.append((2 * side * side * channels * HIDDEN, False))
    forward.append((2 * HIDDEN * N_CLASSES, False))
    per_sample = sum(cost * (2 if first else 3) for cost, first in forward)
    return per_sample * n_samples * epochs


def matmul_peak(n=2048, repeats=3):
    """float32 GFLOP/s of an n x n matrix product (best of ``repeats``)."""
    rng = np.random.default_rng(0)
    A = rng.random((n, n), dtype=np.float32)
    B = rng.random((n, n), dtype=np.float32)
    A @ B
    best = min(_timed(lambda: A @ B) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def fit_skdl_single_thread(X, y, X_test, y_test, epochs, seed):
    with threadpool_limits(limits=1, user_api="blas"):
        return fit_skdl(X, y, X_test, y_test, epochs, seed)


def fit_skdl(X, y, X_test, y_test, epochs, seed):
    clf = make_skdl(epochs, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        seconds = _timed(lambda: clf.fit(X, y))
    return seconds, clf.score(X_test, y_test)


def make_skdl(epochs, seed):
    return ConvNetClassifier(
        input_shape=(1, SIZE, SIZE), filters=FILTERS, kernel_size=3, padding="valid",
        pooling="max", pool_size=2, hidden_layer_sizes=(HIDDEN,), activation="relu",
        solver="adam", learning_rate_init=1e-3, alpha=0.0, batch_size=64,
        max_iter=epochs, n_iter_no_change=epochs + 1, dtype=np.float32, random_state=seed)


def torch_trainer(X, y, seed):
    """A PyTorch model and a function running one training epoch on it."""
    torch.manual_seed(seed)
    nn = torch.nn
    side = ((SIZE - 2) // 2 - 2) // 2
    model = nn.Sequential(
        nn.Conv2d(1, FILTERS[0], 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(FILTERS[0], FILTERS[1], 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(FILTERS[1] * side * side, HIDDEN), nn.ReLU(),
        nn.Linear(HIDDEN, N_CLASSES))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.from_numpy(X).reshape(-1, 1, SIZE, SIZE)
    targets = torch.from_numpy(y).long()

    def epoch():
        model.train()
        order = torch.randperm(len(inputs), generator=generator)
        for start in range(0, len(inputs), 64):
            batch = order[start:start + 64]
            optimizer.zero_grad()
            loss = loss_fn(model(inputs[batch]), targets[batch])
            loss.backward()
            optimizer.step()

    return model, epoch


def torch_accuracy(model, X_test, y_test):
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(X_test).reshape(-1, 1, SIZE, SIZE))
    return float((logits.argmax(1).numpy() == y_test).mean())


def fit_torch(X, y, X_test, y_test, epochs, seed):
    def train():
        model, epoch = torch_trainer(X, y, seed)
        for _ in range(epochs):
            epoch()
        return model

    start = time.perf_counter()
    model = train()
    seconds = time.perf_counter() - start
    return seconds, torch_accuracy(model, X_test, y_test)


def interleaved(X, y, X_test, y_test, epochs, seed, single_thread):
    """Epoch-by-epoch alternation (skdl ``partial_fit`` epoch, then a PyTorch
    epoch): load drifts on a shared machine hit both sides nearly equally.
    Returns the total seconds of each and both accuracies."""
    clf = make_skdl(epochs, seed)
    classes = np.unique(y)
    model, epoch = torch_trainer(X, y, seed)
    ours = theirs = 0.0
    for _ in range(epochs):
        if single_thread:
            with threadpool_limits(limits=1, user_api="blas"):
                ours += _timed(lambda: clf.partial_fit(X, y, classes=classes))
        else:
            ours += _timed(lambda: clf.partial_fit(X, y, classes=classes))
        theirs += _timed(epoch)
    return ours, theirs, clf.score(X_test, y_test), torch_accuracy(model, X_test, y_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 images, 2 epochs")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--blas-threads", choices=["both", "default", "1"], default="both",
                        help="skdl's BLAS threads: the default, one, or both variants")
    args = parser.parse_args()
    n_train = args.samples or (1000 if args.quick else 4000)
    epochs = args.epochs or (2 if args.quick else 10)

    X, y, X_test, y_test = make_data(n_train)
    print(f"CNN benchmark: {n_train} x {SIZE}x{SIZE} images, {epochs} epochs, batch 64, "
          f"Adam, float32; {len(X_test)} test images; median of {args.repeats}")
    if torch is None:
        print("PyTorch is not installed: timing skdl only "
              "(pip install torch to compare).")
    else:
        torch.set_num_threads(2)
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    peak = matmul_peak()
    print(f"float32 matmul peak (2048^2): {peak:.1f} GFLOP/s")

    fits = {"skdl": fit_skdl, "skdl-1t": fit_skdl_single_thread, "torch": fit_torch}
    names = {"both": ["skdl", "skdl-1t"], "default": ["skdl"], "1": ["skdl-1t"]}[
        args.blas_threads]
    if torch is not None:
        names.append("torch")
    runs = {name: [] for name in names}
    for repeat in range(args.repeats):
        # Rotate the order so that drifting machine load hits every variant.
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            seconds, accuracy = fits[name](X, y, X_test, y_test, epochs, seed=repeat)
            runs[name].append((seconds, accuracy))
            print(f"  repeat {repeat + 1}: {name:7s} fit {seconds:6.2f} s, "
                  f"test accuracy {accuracy:.3f}", flush=True)

    flops = training_flops(n_train, epochs)
    n_batches = epochs * -(-n_train // 64)
    print()
    print(f"training work: {flops / 1e9:.0f} GFLOP of matrix products "
          f"(floor at the measured peak: {flops / 1e9 / peak:.2f} s)")
    medians = {}
    for name in names:
        seconds = statistics.median(s for s, _ in runs[name])
        accuracy = statistics.median(a for _, a in runs[name])
        medians[name] = seconds, accuracy
        rate = flops / seconds / 1e9
        print(f"{name:7s}: fit {seconds:6.2f} s ({1e3 * seconds / n_batches:5.1f} ms a batch), "
              f"accuracy {accuracy:.3f}, {rate:5.1f} GFLOP/s = {100 * rate / peak:.0f}% of "
              f"the measured peak ({100 * rate / REFERENCE_PEAK:.0f}% of the quiet-machine "
              f"{REFERENCE_PEAK:.0f} GFLOP/s)")
    if "torch" in runs:
        torch_time, torch_accuracy = medians["torch"]
        for name in names[:-1]:
            per_repeat = statistics.median(a[0] / b[0] for a, b in zip(runs[name], runs["torch"]))
            print(f"fit-time ratio {name} / torch: {medians[name][0] / torch_time:.2f} "
                  f"(median of per-repeat ratios {per_repeat:.2f}); accuracy difference "
                  f"{100 * (medians[name][1] - torch_accuracy):+.1f} points")
        print("\nepoch-interleaved (skdl partial_fit epoch, then a PyTorch epoch):")
        for name in names[:-1]:
            ours, theirs, acc_ours, acc_theirs = interleaved(
                X, y, X_test, y_test, epochs, seed=0, single_thread=name == "skdl-1t")
            print(f"  {name:7s} {ours:6.2f} s vs torch {theirs:6.2f} s: ratio "
                  f"{ours / theirs:.2f}; accuracy {acc_ours:.3f} vs {acc_theirs:.3f}")


if __name__ == "__main__":
    main()
