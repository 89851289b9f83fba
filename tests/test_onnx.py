"""ONNX export: each layer's converter against the layer's own forward, every estimator against
its predict_proba/predict, and skl2onnx pipelines. Skipped without the ``onnx`` extra and
onnxruntime."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdl
from skdl.layers import (GRU, LSTM, Activation, AvgPool1D, AvgPool2D, BatchNormalization,
                         Bidirectional, Conv1D, Conv2D, Dense, Dropout, Embedding, Flatten,
                         MaxPool1D, MaxPool2D, Reshape, SequenceInput, SimpleRNN)
from skdl.network import Sequential
from saved_models import TRAINING_CONTROL, fitted, training_control
from test_base import CASES, _data, _name

try:
    import onnx
    import onnxruntime as ort
    import skl2onnx
    from onnx import TensorProto, helper
except ImportError:          # the optional extra: these tests skip
    onnx = None

needs_onnx = pytest.mark.skipif(onnx is None, reason="needs onnx, skl2onnx and onnxruntime")
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TOLERANCE = 1e-5


def test_import_skdl_imports_no_optional_dependency():
    code = ("import sys, skdl; skdl.to_onnx; "
            "print(sorted(m for m in ('onnx', 'skl2onnx', 'onnxruntime', 'skops') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def _session(model):
    onnx.checker.check_model(model, full_check=True)
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


# ------------------------------------------------------- layer by layer
def _network(layers, input_shape, dtype, seed=0):
    """A built network with random weights and running statistics (not the initial ones)."""
    rng = np.random.default_rng(seed)
    network = Sequential(layers).build(input_shape, rng, dtype)
    network.flat_params[:] = rng.normal(scale=0.5, size=network.flat_params.shape)
    for state in network.state():
        for name, array in state.items():
            array[...] = rng.uniform(0.5, 1.5, size=array.shape) if "var" in name \
                else rng.normal(size=array.shape)
    return network


def _onnx_forward(network, X, input_perm=None):
    """Run the network's converters alone (no skl2onnx) on ``X`` with onnxruntime."""
    from skdl._onnx.graph import Collector, Graph
    from skdl._onnx.layers import Tensor, convert_network, in_layout

    collector = Collector()
    g = Graph(collector, network.dtype)
    out = convert_network(network, g, Tensor("X", X.ndim, input_perm))
    if isinstance(out, Tensor):
        name, ndim = in_layout(g, out, None).name, out.ndim
    else:
        name, ndim = out.name, 3
    elem = g.float_type if X.dtype.kind == "f" else TensorProto.INT64
    graph = collector.graph("layers", [helper.make_tensor_value_info("X", elem, X.shape)],
                            [helper.make_tensor_value_info(name, g.float_type, [None] * ndim)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return _session(model).run(None, {"X": X})[0]


def _images(shape, seed=1):
    return np.random.default_rng(seed).normal(size=shape)


def _padded(lengths, T, d, channels_first=False, seed=1):
    """Sequences ``(n, T, d)`` (or ``(n, d, T)``) of the given lengths, NaN-padded at the end."""
    X = np.random.default_rng(seed).normal(size=(len(lengths), T, d))
    for row, length in zip(X, lengths):
        row[length:] = np.nan
    return X.transpose(0, 2, 1) if channels_first else X


LAYER_CASES = {
    "dense": ([Dense(5)], (7,), _images((6, 7))),
    "dense_no_bias": ([Dense(5, use_bias=False)], (7,), _images((6, 7))),
    "activations": ([Dense(4), Activation("relu"), Dense(4), Activation("tanh"), Dense(4),
                     Activation("logistic"), Dense(4), Activation("leaky_relu"), Dense(4),
                     Activation("identity"), Dropout(0.5)], (3,), _images((6, 3))),
    "batch_norm_dense": ([Dense(4, use_bias=False), BatchNormalization()], (3,),
                         _images((6, 3))),
    "conv2d_nhwc_same_maxpool_flatten": (
        [Reshape((3, 8, 7), channels_last=True),
         Conv2D(4, 3, padding="same", data_format="channels_last"),
         MaxPool2D(2, data_format="channels_last"), Activation("relu"), Flatten(), Dense(3)],
        (168,), _images((5, 168))),
    "conv2d_nhwc_strided_batchnorm_avgpool": (
        [Reshape((2, 9, 8), channels_last=True),
         Conv2D(3, (3, 2), stride=(2, 1), padding="same", data_format="channels_last",
                use_bias=False),
         BatchNormalization(), AvgPool2D((2, 3), stride=(1, 2), data_format="channels_last"),
         Flatten()], (144,), _images((5, 144))),
    "conv2d_nchw_valid": ([Conv2D(4, (2, 3), stride=(1, 2), padding="valid"),
                           MaxPool2D(2, stride=1), AvgPool2D(2)], (2, 7, 9),
                          _images((4, 2, 7, 9))),
    "batch_norm_nhwc": ([BatchNormalization()], (4, 5, 3), _images((4, 4, 5, 3))),
    "reshape_channels_first": ([Reshape((2, 3, 4)), Flatten()], (24,), _images((3, 24))),
    "conv1d": ([Reshape((3, 10), channels_last=True),
                Conv1D(4, 3, padding="same", data_format="channels_last"),
                MaxPool1D(2, data_format="channels_last"),
                Conv1D(2, 2, stride=2, data_format="channels_last"),
                AvgPool1D(2, data_format="channels_last"), Flatten()],
               (30,), _images((4, 30))),
    "conv1d_channels_first": ([Conv1D(4, 3), MaxPool1D(3, stride=1), AvgPool1D(2)], (3, 10),
                              _images((4, 3, 10))),
    "elman": ([SequenceInput((6, 2)), SimpleRNN(4)], (12,), _images((5, 12))),
    "elman_3d": ([SequenceInput((6, 2)), SimpleRNN(4)], (6, 2), _images((5, 6, 2))),
    "jordan_reverse_sequences": ([SequenceInput((6, 2)),
                                  SimpleRNN(4, feedback="jordan", reverse=True,
                                            return_sequences=True), SimpleRNN(3)],
                                 (6, 2), _padded([6, 3, 1, 5, 6], 6, 2)),
    "lstm": ([SequenceInput((6, 2)), LSTM(4)], (12,), _images((5, 12))),
    "lstm_peephole_masked_stacked": ([SequenceInput((6, 2)),
                                      LSTM(4, peephole=True, return_sequences=True),
                                      LSTM(3, peephole=True, reverse=True)],
                                     (6, 2), _padded([6, 2, 1, 4, 6], 6, 2)),
    "bidirectional": ([SequenceInput((6, 2)),
                       Bidirectional(LSTM(4, return_sequences=True)),
                       Bidirectional(SimpleRNN(3, feedback="jordan")), Dense(2)],
                      (6, 2), _padded([6, 3, 1, 5, 2], 6, 2)),
    "bidirectional_sequences_out": ([SequenceInput((5, 1)),
                                     Bidirectional(SimpleRNN(3, return_sequences=True))],
                                    (5, 1), _padded([5, 2, 4], 5, 1)),
    "gru": ([SequenceInput((6, 2)), GRU(4)], (12,), _images((5, 12))),
    "gru_masked_stacked_reverse": ([SequenceInput((6, 2)), GRU(4, return_sequences=True),
                                    GRU(3, reverse=True)], (6, 2), _padded([6, 2, 1, 4, 6], 6, 2)),
    "gru_bidirectional_channels_first": (
        [SequenceInput((7, 3), data_format="channels_first"),
         Bidirectional(GRU(4, return_sequences=True)), Bidirectional(GRU(3)), Dense(2)],
        (3, 7), _padded([7, 3, 1, 5], 7, 3, channels_first=True)),
    # Padding (0) at the end and inside, ids past the vocabulary (read as 1).
    "embedding": ([Embedding(10, 3), LSTM(4)], (7,),
                  np.array([[3, 4, 5, 9, 0, 0, 0], [2, 0, 7, 12, 8, 1, 0],
                            [5, 5, 5, 5, 5, 5, 5]], dtype=float)),
}


@needs_onnx
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_each_layer_converter_reproduces_the_layer_forward(case, dtype):
    layers, input_shape, X = LAYER_CASES[case]
    network = _network(layers, input_shape, dtype)
    X = X.astype(dtype)
    expected = network.forward(X)
    if isinstance(expected, tuple):
        expected = expected[0]              # (values, mask) of a sequence
    got = _onnx_forward(network, X)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE, atol=TOLERANCE)


@needs_onnx
def test_every_layer_class_has_a_converter():
    from skdl._onnx.layers import CONVERTERS
    from skdl.layers import Layer
    from skdl.layers.recurrent import Recurrent

    def concrete(cls):
        abstract = cls.__name__.startswith("_") or cls in (Layer, Recurrent)
        found = set() if abstract else {cls}
        for sub in cls.__subclasses__():
            found |= concrete(sub)
        return found

    missing = [cls.__name__ for cls in concrete(Layer) if cls.__module__.startswith("skdl.")
               and not any(base in CONVERTERS for base in cls.__mro__)]
    assert missing == [], missing


@needs_onnx
def test_every_input_adapter_has_an_input_converter():
    import inspect

    from skdl import _inputs
    from skdl._onnx.estimators import INPUT_CONVERTERS

    adapters = {cls for cls in vars(_inputs).values() if inspect.isclass(cls)
                and cls.__module__ == _inputs.__name__ and hasattr(cls, "transform")}
    assert adapters <= set(INPUT_CONVERTERS), adapters - set(INPUT_CONVERTERS)


# ------------------------------------------------------------- estimators
PREDICTORS = [case for case in CASES if hasattr(case[0], "predict")]


def _run(estimator, X, **kwargs):
    model = skdl.to_onnx(estimator, X[:2], **kwargs)
    session = _session(model)
    return session, session.run(None, {session.get_inputs()[0].name: X})


def assert_matches(estimator, X):
    """onnxruntime's outputs against skdl's on the same (float32 or int64) input."""
    session, outputs = _run(estimator, X)
    if hasattr(estimator, "predict_proba"):
        assert [o.name for o in session.get_outputs()] == ["label", "probabilities"]
        label, proba = outputs
        assert proba.dtype == np.float32
        np.testing.assert_allclose(proba, estimator.predict_proba(X), rtol=0, atol=TOLERANCE)
        np.testing.assert_array_equal(label, estimator.predict(X))
    else:
        assert [o.name for o in session.get_outputs()] == ["variable"]
        expected = estimator.predict(X)
        np.testing.assert_allclose(outputs[0].reshape(expected.shape), expected,
                                   rtol=TOLERANCE, atol=TOLERANCE)


def _float32_or_ids(X):
    return X.astype(np.float32) if X.dtype.kind == "f" else X.astype(np.int64)


@needs_onnx
@pytest.mark.parametrize("case", PREDICTORS, ids=_name)
def test_onnxruntime_reproduces_every_estimator(case):
    estimator, X, _ = fitted(case)
    assert_matches(estimator, _float32_or_ids(X[-300:]))


@needs_onnx
@pytest.mark.parametrize("estimator", [
    skdl.MLPClassifier((8,), max_iter=3, random_state=0, dtype=np.float32),
    skdl.ConvNetClassifier(input_shape=(8, 8), filters=(3,), pooling="avg", max_iter=2,
                           random_state=0, dtype=np.float32),
    skdl.LSTMRegressor(input_shape=(8, 8), recurrent_layer_sizes=4, bidirectional=True,
                       max_iter=2, random_state=0, dtype=np.float32),
    skdl.RNNClassifier(cell="gru", input_shape=(8, 8), recurrent_layer_sizes=4,
                       bidirectional=True, max_iter=2, random_state=0, dtype=np.float32),
    skdl.ConvNetRegressor(input_shape=(8, 8), filters=(3,), batch_norm=True, max_iter=2,
                          random_state=0, dtype=np.float32),
], ids=lambda e: type(e).__name__)
def test_float32_networks(estimator):
    X, y = _data("classes" if hasattr(estimator, "predict_proba") else "regression")
    estimator.fit(X[:300], y[:300])
    assert estimator.network_.dtype == np.float32
    assert_matches(estimator, X[-200:].astype(np.float32))


@needs_onnx
def test_images_and_sequences_as_n_d_input():
    X, y = _data("classes")
    images = X.reshape(-1, 1, 8, 8)
    convnet = skdl.ConvNetClassifier(filters=(3,), max_iter=2, random_state=0).fit(
        images[:300], y[:300])
    assert_matches(convnet, images[-100:].astype(np.float32))
    sequences = X.reshape(-1, 8, 8)
    lstm = skdl.LSTMClassifier(recurrent_layer_sizes=4, max_iter=2, random_state=0).fit(
        sequences[:300], y[:300])
    assert_matches(lstm, sequences[-100:].astype(np.float32))


def _lists(n=120, d=2, seed=0, shortest=2, longest=9):
    rng = np.random.default_rng(seed)
    sequences = [rng.normal(size=(rng.integers(shortest, longest), d)) for _ in range(n)]
    return sequences, np.array([int(s[:, 0].sum() > 0) for s in sequences])


def _nan_padded(sequences, channels_first=False):
    """The list as one float32 array, NaN-padded at the end (tslearn's and aeon's convention)."""
    X = np.full((len(sequences), max(len(s) for s in sequences), sequences[0].shape[1]), np.nan,
                dtype=np.float32)
    for row, seq in zip(X, sequences):
        row[:len(seq)] = seq
    return X.transpose(0, 2, 1) if channels_first else X


@needs_onnx
@pytest.mark.parametrize("cell", ["lstm", "gru", "elman", "jordan"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_sequences_of_any_length_nan_padded(cell, data_format):
    """Fitted on a list of 2..8 steps; the ONNX model reads NaN-padded 3-D arrays of any length."""
    first = data_format == "channels_first"
    train, y = _lists()
    if first:
        train = [s.T for s in train]
    estimator = (skdl.LSTMClassifier(bidirectional=True) if cell == "lstm" else
                 skdl.RNNClassifier(cell=cell, bidirectional=cell == "gru"))
    estimator.set_params(recurrent_layer_sizes=4, max_iter=3, random_state=0,
                         data_format=data_format)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(train, y)
    model = skdl.to_onnx(estimator, train[:3])            # a list sample: any length
    session = _session(model)
    for declared in (model, skdl.to_onnx(estimator)):       # X_sample=None: the same input
        dims = [d.dim_value for d in declared.graph.input[0].type.tensor_type.shape.dim]
        assert dims == ([0, 2, 0] if first else [0, 0, 2])     # 0: dynamic (batch, time)
    for test in (_lists(40, seed=1, shortest=9, longest=15)[0],         # longer than any fit
                 _lists(40, seed=2, shortest=1, longest=4)[0]):          # shorter
        X = _nan_padded(test, first)
        label, proba = session.run(None, {"X": X})
        listed = [s.T for s in test] if first else test
        np.testing.assert_allclose(proba, estimator.predict_proba(listed), atol=TOLERANCE)
        np.testing.assert_array_equal(label, estimator.predict(X))


@needs_onnx
def test_token_sequences_of_any_length():
    rng = np.random.default_rng(0)
    train = [rng.integers(2, 30, size=rng.integers(2, 8)) for _ in range(100)]
    y = np.array([int(s[0] > 15) for s in train])
    estimator = skdl.RNNClassifier(cell="gru", embedding_dim=3, recurrent_layer_sizes=4,
                                   max_iter=3, random_state=0).fit(train, y)
    session = _session(skdl.to_onnx(estimator, train[:2]))
    test = [rng.integers(0, 40, size=rng.integers(1, 12)) for _ in range(30)]  # unseen ids too
    ids = np.zeros((len(test), 11), dtype=np.int64)
    for row, seq in zip(ids, test):
        row[:len(seq)] = seq
    label, proba = session.run(None, {"X": ids})
    np.testing.assert_allclose(proba, estimator.predict_proba(test), atol=TOLERANCE)
    np.testing.assert_array_equal(label, estimator.predict(test))


@needs_onnx
@pytest.mark.parametrize("name", TRAINING_CONTROL)
def test_training_control(name):
    """Early stopping on X_val (best weights restored), a schedule object: export as any model."""
    estimator, X, _ = training_control(name)
    assert_matches(estimator, X[-300:].astype(np.float32))


@needs_onnx
def test_text_pipeline_exports_its_estimator_on_token_ids():
    """TextEncoder tokenises in Python; the network it feeds exports and reads its ids.

    (ONNX has no tokenizer that matches Python's regular expressions: the
    ``com.microsoft`` ``Tokenizer`` of onnxruntime reads ``\\w`` as ASCII,
    so "Über café" would become "ber", "caf". The encoder is not exported.)
    """
    from test_persistence import _texts

    texts, y = _texts()
    pipeline = make_pipeline(skdl.TextEncoder(), skdl.RNNClassifier(
        cell="gru", embedding_dim=4, recurrent_layer_sizes=5, max_iter=5, random_state=0))
    pipeline.fit(texts, y)
    ids = pipeline[0].transform(texts)
    session = _session(skdl.to_onnx(pipeline[-1], ids[:2]))
    label, proba = session.run(None, {"X": ids})
    np.testing.assert_allclose(proba, pipeline.predict_proba(texts), atol=TOLERANCE)
    np.testing.assert_array_equal(label, pipeline.predict(texts))


@needs_onnx
@pytest.mark.parametrize("labels", ["strings", "multilabel", "binary-float"])
def test_class_labels(labels):
    X, y = _data("classes")
    X = X[:400]
    if labels == "strings":
        target = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven",
                           "eight", "nine"])[y[:400]]
    elif labels == "multilabel":
        target = np.stack([y[:400] % 2, y[:400] > 4, y[:400] == 3], axis=1).astype(int)
    else:
        target = (y[:400] > 4).astype(float) * 3.0
    model = skdl.MLPClassifier((8,), max_iter=5, random_state=0).fit(X, target)
    assert_matches(model, X.astype(np.float32))


@needs_onnx
@pytest.mark.parametrize("covariance", ["full", "shared", "diagonal"])
def test_gaussian_classes_without_data_have_probability_zero(covariance):
    X, y = _data("classes")
    model = skdl.GaussianClassifier(covariance, reg_covar=1e-2).partial_fit(
        X[y < 5], y[y < 5], classes=np.arange(10))
    X32 = X[:300].astype(np.float32)
    _, (label, proba) = _run(model, X32)
    assert np.all(proba[:, 5:] == 0)
    np.testing.assert_allclose(proba, model.predict_proba(X32), atol=TOLERANCE)
    np.testing.assert_array_equal(label, model.predict(X32))


@needs_onnx
def test_skl2onnx_converts_pipelines_with_skdl_estimators():
    skdl.onnx.register()
    X, y = _data("classes")
    pipeline = make_pipeline(StandardScaler(), skdl.MLPClassifier((16,), max_iter=5,
                                                                  random_state=0)).fit(X, y)
    X32 = X[-200:].astype(np.float32)
    expected = pipeline.predict_proba(X32)
    # skl2onnx's default: probabilities as a ZipMap (a list of {class: probability}).
    session = _session(skl2onnx.to_onnx(pipeline, X32[:1]))
    label, maps = session.run(None, {session.get_inputs()[0].name: X32})
    np.testing.assert_allclose([[row[k] for k in range(10)] for row in maps], expected,
                               atol=TOLERANCE)
    np.testing.assert_array_equal(label, pipeline.predict(X32))
    session = _session(skl2onnx.to_onnx(pipeline, X32[:1],
                                        options={skdl.MLPClassifier: {"zipmap": False}}))
    label, proba = session.run(None, {session.get_inputs()[0].name: X32})
    np.testing.assert_allclose(proba, expected, atol=TOLERANCE)
    for regressor in (skdl.LinearRegression(alpha=1.0),
                      skdl.MLPRegressor((8,), loss="poisson", max_iter=5, random_state=0),
                      skdl.ConvNetRegressor(input_shape=(8, 8), filters=(2,), max_iter=2,
                                            data_format="channels_last", random_state=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            regression = make_pipeline(StandardScaler(), regressor).fit(X, y.astype(float))
        session = _session(skl2onnx.to_onnx(regression, X32[:1]))
        (prediction,) = session.run(None, {session.get_inputs()[0].name: X32})
        np.testing.assert_allclose(prediction[:, 0], regression.predict(X32), rtol=TOLERANCE,
                                   atol=TOLERANCE)


@needs_onnx
def test_old_opsets_and_ragged_samples_get_clear_errors():
    estimator, X, _ = fitted(PREDICTORS[0])
    with pytest.raises(ValueError, match="opset 13 or later"):
        skdl.to_onnx(estimator, X[:2].astype(np.float32), target_opset=12)
    images = [np.zeros((8, 8)), np.zeros((7, 8))]
    convnet = skdl.ConvNetClassifier(input_shape=(8, 8), filters=(2,), max_iter=1,
                                     random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        convnet.fit(X[:50], np.arange(50) % 2)
    with pytest.raises(ValueError, match="cannot be read as one array.*NaN-padded 3-D"):
        skdl.to_onnx(convnet, images)
