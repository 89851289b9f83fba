"""CNN training speed and accuracy: skdl ConvNetClassifier against PyTorch (CPU).

Two networks, the same on both sides (``--shape``):

``mnist`` (the default): 28x28 one-channel images, ::

    valid 3x3 conv 16 -> ReLU -> 2x2 max pool -> valid 3x3 conv 32 -> ReLU
    -> 2x2 max pool -> dense 64 -> ReLU -> dense 10 (softmax)

scikit-learn's 8x8 digits upsampled with ``scipy.ndimage.zoom`` and jittered
(random shifts and noise) to 4,000 training images, 10 epochs; the test
images are the held-out digits, upsampled.

``cifar``: 3x32x32 colour images, ::

    "same" 3x3 conv 32 -> ReLU -> 2x2 max pool -> "same" 3x3 conv 64 -> ReLU
    -> 2x2 max pool -> dense 128 -> ReLU -> dense 10

the same digits upsampled to 32x32 and coloured (each image a random tint of
its three channels, plus noise); 2,000 training images, 3 epochs.

Adam (learning rate 1e-3, no weight decay), batch 64. skdl runs on its
defaults with float64 input arrays, as a user's NumPy data are (the default
``dtype="auto"`` trains these fits in float32); PyTorch trains in float32 on
the same values.

Both fits run in one process, rotating the order each repeat, ``--repeats``
times; the script reports medians: the fit-time ratio skdl / PyTorch, both
test accuracies, and the share of this machine's float32 matrix-product peak
(measured here with a 2048 x 2048 product) that each reaches, counting the
FLOPs of the matrix products of forward and backward passes. A second
measurement alternates *epochs* (skdl ``partial_fit``, then a PyTorch epoch),
which is robust to the load drifting during the run.

skdl is timed with NumPy's BLAS at its default thread count (``skdl``) and,
with ``--blas-threads both``, also limited to one thread (``skdl-1t``). On a
shared, loaded machine OpenBLAS's two threads wait for each other on every
small matrix product and the default can be several times slower.

PyTorch is optional: without it, only skdl is timed.

Usage::

    python benchmarks/bench_cnn.py                  # 28x28 network, 3 repeats
    python benchmarks/bench_cnn.py --shape cifar    # the CIFAR-sized network
    python benchmarks/bench_cnn.py --quick          # a smoke test
    python benchmarks/bench_cnn.py --cpu-time       # one core's work, on a loaded machine
"""

import argparse
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))

from machine import (clock, describe, load, matmul_peak, peer_threads,  # noqa: E402
                     parse_args)

from skdl.convnet import ConvNetClassifier  # noqa: E402

try:
    import torch
except ImportError:  # optional peer
    torch = None

BATCH = 64
N_CLASSES = 10


class Shape:
    """One benchmark network: image size, convolution blocks, dense layer, data size."""

    def __init__(self, side, channels, filters, padding, hidden, n_train, epochs):
        self.side, self.channels, self.filters = side, channels, filters
        self.padding, self.hidden = padding, hidden
        self.n_train, self.epochs = n_train, epochs

    def blocks(self):
        """(input side, input channels, filters) of each convolution block."""
        side, channels = self.side, self.channels
        for filters in self.filters:
            yield side, channels, filters
            side = (side if self.padding == "same" else side - 2) // 2
            channels = filters

    def flat_features(self):
        side = self.side
        for _ in self.filters:
            side = (side if self.padding == "same" else side - 2) // 2
        return side * side * self.filters[-1]


SHAPES = {
    "mnist": Shape(28, 1, (16, 32), "valid", 64, n_train=4000, epochs=10),
    "cifar": Shape(32, 3, (32, 64), "same", 128, n_train=2000, epochs=3),
}


def make_data(shape, n_train, seed=0):
    """Digits upsampled to ``shape.side``, jittered (and tinted for colour), float64."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, random_state=seed, stratify=y)
    side, channels = shape.side, shape.channels
    rng = np.random.default_rng(seed)

    def upsample(rows):
        images = rows.reshape(-1, 8, 8)
        return np.clip(ndimage.zoom(images, (1, side / 8, side / 8), order=1), 0, 1)

    def colour(images):
        if channels == 1:
            return images[:, None]
        tint = rng.uniform(0.3, 1.0, size=(len(images), channels, 1, 1))
        return images[:, None] * tint

    base = upsample(X_train)
    pick = rng.integers(0, len(base), n_train)
    images = base[pick]
    # Jitter: shift each image by up to 2 pixels and add a little noise.
    shifted = np.empty_like(images)
    for k, (dy, dx) in enumerate(rng.integers(-2, 3, size=(n_train, 2))):
        shifted[k] = np.roll(images[k], (dy, dx), axis=(0, 1))
    train = colour(shifted)
    train += 0.05 * rng.standard_normal(train.shape)
    test = colour(upsample(X_test))
    return train.reshape(n_train, -1), y_train[pick], test.reshape(len(test), -1), y_test


def training_flops(shape, n_samples, epochs):
    """FLOPs of the matrix products of forward + backward over the whole fit.

    A product of an (m, k) and a (k, n) matrix costs 2 m k n. Backward costs
    two such products per layer (weight gradient and input gradient) except
    for the first convolution, whose input gradient is never computed.
    """
    per_sample = 0
    for index, (side, channels, filters) in enumerate(shape.blocks()):
        out = side if shape.padding == "same" else side - 2
        cost = 2 * out * out * filters * 9 * channels
        per_sample += cost * (2 if index == 0 else 3)
    per_sample += 3 * 2 * shape.flat_features() * shape.hidden
    per_sample += 3 * 2 * shape.hidden * N_CLASSES
    return per_sample * n_samples * epochs


def make_skdl(shape, epochs, seed):
    return ConvNetClassifier(
        input_shape=(shape.channels, shape.side, shape.side), filters=shape.filters,
        kernel_size=3, padding=shape.padding, pooling="max", pool_size=2,
        hidden_layer_sizes=(shape.hidden,), activation="relu", solver="adam",
        learning_rate_init=1e-3, alpha=0.0, batch_size=BATCH, max_iter=epochs,
        n_iter_no_change=epochs + 1, random_state=seed)


def _timed(fn):
    start = clock()
    fn()
    return clock() - start


def fit_skdl(shape, X, y, X_test, y_test, epochs, seed):
    clf = make_skdl(shape, epochs, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        seconds = _timed(lambda: clf.fit(X, y))
    return seconds, clf.score(X_test, y_test), clf.network_.dtype


def fit_skdl_single_thread(*args, **kwargs):
    with threadpool_limits(limits=1, user_api="blas"):
        return fit_skdl(*args, **kwargs)


def torch_model(shape):
    nn = torch.nn
    padding = 1 if shape.padding == "same" else 0
    layers = []
    for _, channels, filters in shape.blocks():
        layers += [nn.Conv2d(channels, filters, 3, padding=padding), nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(shape.flat_features(), shape.hidden),
                         nn.ReLU(), nn.Linear(shape.hidden, N_CLASSES))


def _images(shape, X):
    """float32 NCHW tensor of flat rows (PyTorch trains in float32)."""
    return torch.from_numpy(X.astype(np.float32)).reshape(
        -1, shape.channels, shape.side, shape.side)


def torch_trainer(shape, X, y, seed):
    """A PyTorch model and a function running one training epoch on it."""
    torch.manual_seed(seed)
    model = torch_model(shape)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    inputs = _images(shape, X)
    targets = torch.from_numpy(y).long()

    def epoch():
        model.train()
        order = torch.randperm(len(inputs), generator=generator)
        for start in range(0, len(inputs), BATCH):
            batch = order[start:start + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(inputs[batch]), targets[batch])
            loss.backward()
            optimizer.step()

    return model, epoch


def torch_accuracy(shape, model, X_test, y_test):
    model.eval()
    with torch.no_grad():
        logits = model(_images(shape, X_test))
    return float((logits.argmax(1).numpy() == y_test).mean())


def fit_torch(shape, X, y, X_test, y_test, epochs, seed):
    model, epoch = torch_trainer(shape, X, y, seed)
    start = clock()
    for _ in range(epochs):
        epoch()
    seconds = clock() - start
    return seconds, torch_accuracy(shape, model, X_test, y_test), "float32"


def interleaved(shape, X, y, X_test, y_test, epochs, seed, single_thread):
    """Epoch-by-epoch alternation (skdl ``partial_fit`` epoch, then a PyTorch
    epoch): load drifts on a shared machine hit both sides nearly equally.
    Returns the total seconds of each and both accuracies."""
    clf = make_skdl(shape, epochs, seed)
    classes = np.unique(y)
    model, epoch = torch_trainer(shape, X, y, seed)
    ours = theirs = 0.0
    for _ in range(epochs):
        with threadpool_limits(limits=1 if single_thread else None, user_api="blas"):
            ours += _timed(lambda: clf.partial_fit(X, y, classes=classes))
        theirs += _timed(epoch)
    return (ours, theirs, clf.score(X_test, y_test),
            torch_accuracy(shape, model, X_test, y_test))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=list(SHAPES), default="mnist")
    parser.add_argument("--quick", action="store_true", help="a quarter of the images, 2 epochs")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--blas-threads", choices=["both", "default", "1"], default="default",
                        help="skdl's BLAS threads: the default, one, or both variants")
    parser.add_argument("--no-interleaved", action="store_true",
                        help="skip the epoch-interleaved measurement")
    args = parse_args(parser)
    shape = SHAPES[args.shape]
    n_train = args.samples or (shape.n_train // 4 if args.quick else shape.n_train)
    epochs = args.epochs or (2 if args.quick else shape.epochs)

    if torch is not None:
        torch.set_num_threads(peer_threads())
    print(describe())
    peak = matmul_peak(np.float32, clock=clock)
    print(f"float32 matmul peak (2048^2, measured now): {peak:.1f} GFLOP/s")
    X, y, X_test, y_test = make_data(shape, n_train)
    side = shape.side
    print(f"\nCNN benchmark '{args.shape}': {n_train} x {shape.channels}x{side}x{side} "
          f"images (float64 arrays), {epochs} epochs, batch {BATCH}, Adam; {len(X_test)} test "
          f"images; median of {args.repeats}")
    if torch is None:
        print("PyTorch is not installed: timing skdl only (pip install torch to compare).")

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
            seconds, accuracy, dtype = fits[name](shape, X, y, X_test, y_test, epochs,
                                                  seed=repeat)
            runs[name].append((seconds, accuracy))
            print(f"  repeat {repeat + 1}: {name:7s} fit {seconds:6.2f} s ({dtype}), "
                  f"test accuracy {accuracy:.3f}", flush=True)

    flops = training_flops(shape, n_train, epochs)
    n_batches = epochs * -(-n_train // BATCH)
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
              "the measured peak")
    if "torch" in runs:
        torch_time, torch_acc = medians["torch"]
        for name in names[:-1]:
            per_repeat = statistics.median(a[0] / b[0] for a, b in zip(runs[name], runs["torch"]))
            print(f"fit-time ratio {name} / torch: {medians[name][0] / torch_time:.2f} "
                  f"(median of per-repeat ratios {per_repeat:.2f}); accuracy difference "
                  f"{100 * (medians[name][1] - torch_acc):+.1f} points")
        if not args.no_interleaved:
            print("\nepoch-interleaved (skdl partial_fit epoch, then a PyTorch epoch):")
            for name in names[:-1]:
                ours, theirs, acc_ours, acc_theirs = interleaved(
                    shape, X, y, X_test, y_test, epochs, seed=0,
                    single_thread=name == "skdl-1t")
                print(f"  {name:7s} {ours:6.2f} s vs torch {theirs:6.2f} s: ratio "
                      f"{ours / theirs:.2f}; accuracy {acc_ours:.3f} vs {acc_theirs:.3f}")
    print(f"\nload average (1 min) at the end: {load():.2f}")


if __name__ == "__main__":
    main()
