"""ONNX export of an LSTM and a GRU: skdl's ``Scan`` graph against onnxruntime's fused operators.

``skdl.to_onnx`` exports recurrent layers as an ONNX ``Scan`` whose body is
one step of the cell (exact masking, every cell the same way). This script
measures what that costs at serving time: an ``LSTMClassifier`` and an
``RNNClassifier(cell="gru")`` (one layer of 64 units on 50-step sequences of
8 features, float32, as in ``bench_lstm.py``) are exported by
``skdl.to_onnx``, and the same weights are written by hand into a graph with
onnxruntime's fused ``LSTM`` operator (gates reordered from skdl's output,
input, forget, candidate to ONNX's input, output, forget, cell) or ``GRU``
operator (``linear_before_reset=1``; skdl's reset, update, new to ONNX's
update, reset, hidden). For each cell the two graphs and skdl's own ``predict_proba`` run on
the same batches, alternating, in one process; the script prints the median
times, their ratios, and how far the probabilities are apart.

Usage::

    python benchmarks/bench_onnx.py            # batch of 2,000, 15 repeats
    python benchmarks/bench_onnx.py --quick    # batch of 500, 5 repeats
    python benchmarks/bench_onnx.py --cells gru
"""

import argparse
import os
import statistics
import time
import warnings

import numpy as np

from bench_lstm import UNITS, make_data
from machine import describe


def native_graph(clf, op_type, weights, **attrs):
    """The classifier's network as ONNX ``op_type`` + ``Gemm`` + ``Softmax`` (no masking).

    ``weights`` are the recurrent operator's ``W``, ``R`` and ``B`` in ONNX's
    gate order.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    cell, dense = clf.network_.layers[1], clf.network_.layers[-1]
    T, d = clf.sequence_shape_
    arrays = dict(weights, dense_W=dense.parameters()["W"], dense_b=dense.parameters()["b"])
    initializers = [numpy_helper.from_array(np.asarray(a, dtype=np.float32), name)
                    for name, a in arrays.items()]
    nodes = [
        helper.make_node("Transpose", ["X"], ["time_major"], perm=[1, 0, 2]),
        helper.make_node(op_type, ["time_major", "W", "R", "B"], ["", "h"],
                         hidden_size=cell.units, **attrs),
        helper.make_node("Squeeze", ["h"], ["state"], axes=[0]),
        helper.make_node("Gemm", ["state", "dense_W", "dense_b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, f"native_{op_type}",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, T, d])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, None])],
        initializers)
    return onnx.helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])


def _blocks(matrix, order, H):
    """Column blocks of ``matrix`` (``H`` wide) in ``order``, transposed to ONNX's rows."""
    return np.concatenate([matrix[:, k * H:(k + 1) * H] for k in order], axis=1).T


def native_lstm_graph(clf):
    """The LSTM with onnxruntime's fused ``LSTM``: skdl's o, i, f, g -> ONNX's i, o, f, c."""
    p = clf.network_.layers[1].parameters()
    H = clf.network_.layers[1].units
    order = (1, 0, 2, 3)
    bias = np.concatenate([_blocks(p["b"][None], order, H)[:, 0], np.zeros(4 * H)])
    return native_graph(clf, "LSTM", {"W": _blocks(p["W"], order, H)[None],
                                      "R": _blocks(p["U"], order, H)[None], "B": bias[None]})


def native_gru_graph(clf):
    """The GRU with onnxruntime's fused ``GRU`` (``linear_before_reset=1``, skdl's "reset after").

    skdl's r, z, n -> ONNX's z, r, h; ``B = [b_z, b_r, b_n, 0, 0, b_hn]``.
    """
    p = clf.network_.layers[1].parameters()
    H = clf.network_.layers[1].units
    order = (1, 0, 2)
    bias = np.concatenate([_blocks(p["b"][None], order, H)[:, 0], np.zeros(2 * H), p["b_hn"]])
    return native_graph(clf, "GRU", {"W": _blocks(p["W"], order, H)[None],
                                     "R": _blocks(p["U"], order, H)[None], "B": bias[None]},
                        linear_before_reset=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru"], choices=["lstm", "gru"])
    args = parser.parse_args()
    n, repeats = (500, 5) if args.quick else (2000, 15)
    print(describe())
    X, y = make_data(n)
    for cell in args.cells:
        compare(cell, X.astype(np.float32), y, repeats)


def compare(cell, X, y, repeats):
    """Time skdl, its ``Scan`` export and the fused operator on the same ``(n, T, d)`` batch."""
    import onnxruntime as ort

    from skdl import LSTMClassifier, RNNClassifier, to_onnx

    estimator = (LSTMClassifier() if cell == "lstm" else RNNClassifier(cell="gru"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = estimator.set_params(recurrent_layer_sizes=UNITS, max_iter=1, random_state=0,
                                   dtype=np.float32).fit(X, y)

    def session(model):
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS", 2))
        return ort.InferenceSession(model.SerializeToString(), options,
                                    providers=["CPUExecutionProvider"])

    op = cell.upper()
    scan = session(to_onnx(clf, X[:1]))
    native = session({"lstm": native_lstm_graph, "gru": native_gru_graph}[cell](clf))
    runs = {"skdl predict_proba": lambda: clf.predict_proba(X),
            "ONNX Scan (skdl.to_onnx)": lambda: scan.run(None, {"X": X})[1],
            f"ONNX {op} operator": lambda: native.run(None, {"X": X})[0]}
    expected = runs["skdl predict_proba"]()
    for name, run in runs.items():
        print(f"{name:<26} max |probability - skdl's| = {np.abs(run() - expected).max():.1e}")
    times = {name: [] for name in runs}
    for _ in range(repeats):                    # alternate, so drifts hit all three alike
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{len(X)} sequences of {X.shape[1]} steps x {X.shape[2]} features, {op} "
          f"{UNITS} units, float32; median of {repeats}; load average {os.getloadavg()[0]:.1f}")
    for name, value in medians.items():
        ratio = value / medians[f"ONNX {op} operator"]
        print(f"  {name:<26} {1e3 * value:8.1f} ms   {ratio:.2f}x the {op} operator")
    print()


if __name__ == "__main__":
    main()
