"""ONNX export of an LSTM: skdl's ``Scan`` graph against onnxruntime's ``LSTM`` operator.

``skdl.to_onnx`` exports recurrent layers as an ONNX ``Scan`` whose body is
one step of the cell (exact masking, every cell the same way). This script
measures what that costs at serving time: an ``LSTMClassifier`` (one layer of
64 units on 50-step sequences of 8 features, float32, as in
``bench_lstm.py``) is exported by ``skdl.to_onnx``, and the same weights are
written by hand into a graph with onnxruntime's fused ``LSTM`` operator (gates
reordered from skdl's output, input, forget, candidate to ONNX's input,
output, forget, cell). The two graphs and skdl's own ``predict_proba`` run on
the same batches, alternating, in one process; the script prints the median
times, their ratios, and how far the probabilities are apart.

Usage::

    python benchmarks/bench_onnx.py            # batch of 2,000, 15 repeats
    python benchmarks/bench_onnx.py --quick    # batch of 500, 5 repeats
"""

import argparse
import os
import statistics
import time
import warnings

import numpy as np

from bench_lstm import UNITS, make_data


def native_lstm_graph(clf):
    """The classifier's network as ONNX ``LSTM`` + ``Gemm`` + ``Softmax`` (no masking)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    lstm, dense = clf.network_.layers[1], clf.network_.layers[-1]
    p = lstm.parameters()
    H = lstm.units
    o, i, f, g = (slice(k * H, (k + 1) * H) for k in range(4))

    def onnx_order(matrix):                 # skdl's columns o, i, f, g -> ONNX's rows i, o, f, c
        return np.concatenate([matrix[:, i], matrix[:, o], matrix[:, f], matrix[:, g]], 1).T

    T, d = clf.sequence_shape_
    weights = [numpy_helper.from_array(a.astype(np.float32), name) for name, a in [
        ("W", onnx_order(p["W"])[None]), ("R", onnx_order(p["U"])[None]),
        ("B", np.concatenate([onnx_order(p["b"][None])[:, 0], np.zeros(4 * H)])[None]),
        ("dense_W", dense.parameters()["W"]), ("dense_b", dense.parameters()["b"])]]
    weights.append(numpy_helper.from_array(np.array([-1, T, d], dtype=np.int64), "shape"))
    nodes = [
        helper.make_node("Reshape", ["X", "shape"], ["steps"]),
        helper.make_node("Transpose", ["steps"], ["time_major"], perm=[1, 0, 2]),
        helper.make_node("LSTM", ["time_major", "W", "R", "B"], ["", "h"], hidden_size=H),
        helper.make_node("Squeeze", ["h"], ["state"], axes=[0]),
        helper.make_node("Gemm", ["state", "dense_W", "dense_b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "native_lstm", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, T * d])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, None])], weights)
    return onnx.helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, repeats = (500, 5) if args.quick else (2000, 15)

    import onnxruntime as ort

    from skdl import LSTMClassifier, to_onnx

    X, y = make_data(n)
    rows = X.reshape(len(X), -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = LSTMClassifier(recurrent_layer_sizes=UNITS, max_iter=1, random_state=0,
                             dtype=np.float32).fit(rows, y)

    def session(model):
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS", 2))
        return ort.InferenceSession(model.SerializeToString(), options,
                                    providers=["CPUExecutionProvider"])

    scan = session(to_onnx(clf, rows[:1]))
    native = session(native_lstm_graph(clf))
    runs = {"skdl predict_proba": lambda: clf.predict_proba(rows),
            "ONNX Scan (skdl.to_onnx)": lambda: scan.run(None, {"X": rows})[1],
            "ONNX LSTM operator": lambda: native.run(None, {"X": rows})[0]}
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
    print(f"\n{n} sequences of {X.shape[1]} steps x {X.shape[2]} features, LSTM {UNITS} units, "
          f"float32; median of {repeats}; load average {os.getloadavg()[0]:.1f}")
    for name, value in medians.items():
        ratio = value / medians["ONNX LSTM operator"]
        print(f"  {name:<26} {1e3 * value:8.1f} ms   {ratio:.2f}x the LSTM operator")


if __name__ == "__main__":
    main()
