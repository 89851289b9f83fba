"""Where a training batch's time goes, layer by layer, and how well its matrix products run.

For each benchmark network (the CNN of ``bench_cnn.py``, the CIFAR-sized CNN,
the LSTMs of ``bench_lstm.py``, the MLP of ``run.py``) the script builds the
estimator's network, then runs training steps (forward with the fit's caches,
loss, backward) on one fixed batch and times every layer's forward and
backward separately. The layers run in network order inside every step, so
all of them see the same machine state; the table reports a low percentile
(``--percentile``, default the 20th) of ``--repeats`` steps, which is stable
on a shared machine where medians drift.

``--products`` also times the matrix products alone with the shapes the
layers use, and prints each one's GFLOP/s as a fraction of the machine's
2048 x 2048 peak: where a layer's time is its products and they run far below
the peak, the layer is bound by the BLAS kernel's efficiency on that shape.

Usage::

    python benchmarks/bench_layers.py                    # every network, float32
    python benchmarks/bench_layers.py cifar --products   # one network, with products
    python benchmarks/bench_layers.py cnn --dtype float64 --repeats 100
    python benchmarks/bench_layers.py --blas-threads 1   # one BLAS thread
    python benchmarks/bench_layers.py --blas-threads 1 --clock cpu

``--clock cpu`` times with the CPU time of the calling thread
(``time.thread_time``) instead of the wall clock: with one BLAS thread it
counts only this process's work, so it stays usable while other jobs load
the machine (it still feels their effect on the caches).
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))

from machine import describe, matmul_peak  # noqa: E402

import skdl  # noqa: E402
from skdl._training import Trainer  # noqa: E402
from skdl.losses import LOSSES  # noqa: E402


CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}


def networks():
    """name -> (estimator factory taking a dtype, X builder taking n, batch rows, products)."""
    rng = np.random.default_rng(0)

    def images(channels, side):
        return lambda n: rng.random((n, channels * side * side))

    def sequences(steps, features):
        return lambda n: rng.standard_normal((n, steps, features))

    def cnn(dtype):
        return skdl.ConvNetClassifier(
            input_shape=(1, 28, 28), filters=(16, 32), padding="valid",
            hidden_layer_sizes=(64,), batch_size=64, max_iter=1, dtype=dtype, random_state=0)

    def cifar(dtype):
        return skdl.ConvNetClassifier(
            input_shape=(3, 32, 32), filters=(32, 64), padding="same",
            hidden_layer_sizes=(128,), batch_size=64, max_iter=1, dtype=dtype, random_state=0)

    def lstm(units):
        return lambda dtype: skdl.LSTMClassifier(
            recurrent_layer_sizes=units, batch_size=32, max_iter=1, dtype=dtype, random_state=0)

    def mlp(dtype):
        return skdl.MLPClassifier((256, 128), batch_size=64, max_iter=1, dtype=dtype,
                                  random_state=0)

    return {
        "cnn": (cnn, images(1, 28), 64, conv_products(64, [(28, 1, 16, "valid"),
                                                           (13, 16, 32, "valid")])),
        "cifar": (cifar, images(3, 32), 64, conv_products(64, [(32, 3, 32, "same"),
                                                              (16, 32, 64, "same")])),
        "lstm": (lstm(64), sequences(50, 8), 32, lstm_products(32, 50, 8, 64)),
        "lstm256": (lstm(256), sequences(50, 8), 32, lstm_products(32, 50, 8, 256)),
        "mlp": (mlp, lambda n: rng.standard_normal((n, 784)), 64,
                dense_products(64, [784, 256, 128, 10])),
    }


def conv_products(n, blocks):
    """(label, A shape, B shape, transposes) of every product of 3x3 conv blocks.

    Each block is ``(input side, channels, filters, padding)``. im2col makes
    ``P`` of shape ``(n Ho Wo, 9 C + 1)``; forward ``P W``, backward ``P^T dY``
    and (except for the first block) ``dY W^T``.
    """
    products = []
    for index, (side, channels, filters, padding) in enumerate(blocks):
        out = side if padding == "same" else side - 2
        M, K = n * out * out, 9 * channels + 1
        products.append((f"conv{index + 1} forward P W", (M, K), (K, filters), ""))
        products.append((f"conv{index + 1} weights P^T dY", (K, M), (M, filters), "A"))
        if index:
            products.append((f"conv{index + 1} input dY W^T", (M, filters), (filters, K - 1), "B"))
    return products


def lstm_products(n, steps, features, units):
    """The LSTM's per-step products (x ``steps``) and its one weight-gradient product."""
    K = units + features + 1
    return [
        (f"forward step [U;W;b]^T V_t (x{steps})", (4 * units, K), (K, n), ""),
        (f"backward step U dG_t (x{steps})", (units, 4 * units), (4 * units, n), ""),
        ("weight gradient dG V^T", (4 * units, steps * n), (steps * n, K), "B"),
    ]


def dense_products(n, sizes):
    products = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        products.append((f"dense{index + 1} forward X W", (n, fan_in), (fan_in, fan_out), ""))
        products.append((f"dense{index + 1} weights X^T dY", (fan_in, n), (n, fan_out), "A"))
        if index:
            products.append((f"dense{index + 1} input dY W^T", (n, fan_out), (fan_out, fan_in),
                             "B"))
    return products


def built(make, X_of, batch, dtype):
    """The fitted estimator's network, a trainer like the fit's, one batch in its dtype."""
    X = X_of(max(batch, 200))
    y = np.arange(len(X)) % 10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = make(dtype).fit(X, y)
    network = estimator.network_
    trainer = Trainer(network, LOSSES[estimator._loss_name], 0.0)
    trainer.optimizer = estimator._get_optimizer()
    Y = estimator._label_binarizer.transform(y[:batch]).astype(network.dtype)
    return network, trainer, X[:batch].astype(network.dtype), Y


def time_layers(network, trainer, X, Y, repeats, percentile, clock):
    """Per layer (name, forward s, backward s), the optimizer step's and the step's seconds."""
    layers, caches, grads = network.layers, trainer._caches, trainer._grads
    first = network._first_trainable
    n_layers = len(layers)
    forward = np.zeros((repeats, n_layers))
    backward = np.zeros((repeats, n_layers))
    steps = np.zeros(repeats)
    optimizer = np.zeros(repeats)
    for r in range(-3, repeats):                   # three warm-up steps
        step = clock()
        A = X
        for k, (layer, cache) in enumerate(zip(layers, caches)):
            cache["sample_weight"] = None
            start = clock()
            A = layer.forward(A, cache)
            forward[r, k] = clock() - start
        _, dA = trainer.loss(Y, A, None)
        for k in range(n_layers - 1, first - 1, -1):
            start = clock()
            dA = layers[k].backward(dA, caches[k], grads[k], input_grad=k > first)
            backward[r, k] = clock() - start
        start = clock()
        trainer.optimizer.step([network.flat_params], [trainer.flat_grads])
        optimizer[r] = clock() - start
        steps[r] = clock() - step
    rows = [(repr(layer), np.percentile(forward[:, k], percentile),
             np.percentile(backward[:, k], percentile)) for k, layer in enumerate(layers)]
    return rows, np.percentile(optimizer, percentile), np.percentile(steps, percentile)


def time_products(products, dtype, repeats, percentile, peak, clock):
    """(label, shape, ms, GFLOP/s, fraction of ``peak``) of each product alone."""
    rng = np.random.default_rng(0)
    rows = []
    for label, a_shape, b_shape, transposed in products:
        # Lay the operands out as the layers do: "A" means A is the
        # transpose of a C-contiguous array, "B" likewise for B.
        A = rng.random(a_shape[::-1]).astype(dtype).T if "A" in transposed \
            else rng.random(a_shape).astype(dtype)
        B = rng.random(b_shape[::-1]).astype(dtype).T if "B" in transposed \
            else rng.random(b_shape).astype(dtype)
        out = np.empty((a_shape[0], b_shape[1]), dtype=dtype)
        np.matmul(A, B, out)
        times = []
        for _ in range(repeats):
            start = clock()
            np.matmul(A, B, out)
            times.append(clock() - start)
        seconds = np.percentile(times, percentile)
        flops = 2 * a_shape[0] * a_shape[1] * b_shape[1]
        rate = flops / seconds / 1e9
        rows.append((label, f"{a_shape} @ {b_shape}", seconds, rate, rate / peak))
    return rows


def report(name, args):
    make, X_of, batch, products = networks()[name]
    dtype = np.dtype(args.dtype)
    network, trainer, X, Y = built(make, X_of, batch, dtype)
    clock = CLOCKS[args.clock]
    rows, update, step = time_layers(network, trainer, X, Y, args.repeats, args.percentile,
                                     clock)
    print(f"\n{name}: batch {batch}, {dtype.name}, {args.percentile:.0f}th percentile of "
          f"{args.repeats} training steps (ms, {args.clock} clock)")
    print(f"  {'layer':54} {'forward':>8} {'backward':>9}")
    for label, fwd, bwd in rows:
        print(f"  {label[:54]:54} {1e3 * fwd:8.3f} {1e3 * bwd:9.3f}")
    total_f = sum(f for _, f, _ in rows)
    total_b = sum(b for _, _, b in rows)
    print(f"  {'sum of layers':54} {1e3 * total_f:8.3f} {1e3 * total_b:9.3f}")
    print(f"  optimizer step ({type(trainer.optimizer).__name__}, "
          f"{network.flat_params.size:,} parameters): {1e3 * update:.3f} ms")
    print(f"  whole step (layers, loss, optimizer): {1e3 * step:.3f} ms")
    if args.products:
        peak = matmul_peak(dtype, clock=clock)
        print(f"  matrix products alone ({dtype.name} peak 2048^2 now: {peak:.0f} GFLOP/s)")
        total = 0.0
        for label, shapes, seconds, rate, share in time_products(
                products, dtype, max(20, args.repeats // 2), args.percentile, peak, clock):
            count = 50 if "(x50)" in label else 1
            total += count * seconds
            print(f"    {label:38} {shapes:32} {1e3 * seconds:7.3f} ms "
                  f"{rate:6.1f} GFLOP/s = {100 * share:3.0f}% of peak")
        print(f"  products of one step: {1e3 * total:.2f} ms of the {1e3 * step:.2f} ms step")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=None,
                        help="networks: cnn, cifar, lstm, lstm256, mlp (default: all)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--percentile", type=float, default=20)
    parser.add_argument("--products", action="store_true", help="also time the products alone")
    parser.add_argument("--blas-threads", type=int, default=None)
    parser.add_argument("--clock", choices=list(CLOCKS), default="wall",
                        help="wall clock, or the thread's CPU time (with --blas-threads 1)")
    args = parser.parse_args()
    print(describe())
    names = args.names or list(networks())
    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        for name in names:
            report(name, args)


if __name__ == "__main__":
    main()
