"""The estimators' shared contract: pure prediction, clean pickles, safe Ctrl-C, one set of defaults.

Prediction is a pure function of the fitted model: it writes nothing (the
pickle stays byte-identical), many threads get exactly the sequential
results, and a model's pickle holds what it learned, never a row of data.
"""

import ast
import inspect
import pickle
import re
import signal
import sys
import threading
import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import skdl
import skdl._training
from skdl._base import TRAINING_DEFAULTS, BaseNeuralEstimator

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(max_iter=3, random_state=0)
SEQ = dict(input_shape=(8, 8), recurrent_layer_sizes=8, **FAST)

# (estimator, kind of data): every public estimator, and the layers' variants.
CASES = [
    (skdl.LinearRegression(alpha=1.0), "regression"),
    (skdl.LogisticRegression(), "classes"),
    (skdl.LogisticRegression(solver="adam", **FAST), "classes"),
    (skdl.SoftmaxClassifier(alpha=1.0), "classes"),
    (skdl.GaussianClassifier(reg_covar=1e-2), "classes"),
    (skdl.GaussianClassifier(covariance="shared"), "classes"),
    (skdl.GaussianClassifier(covariance="diagonal"), "classes"),
    (skdl.MLPClassifier((16,), **FAST), "classes"),
    (skdl.MLPClassifier((16, 8), dropout=0.2, batch_norm=True, **FAST), "classes"),
    (skdl.MLPRegressor((16,), **FAST), "regression"),
    (skdl.MLPRegressor((16,), loss="poisson", **FAST), "counts"),
    (skdl.MLPClassifier((16,), **FAST), "sparse"),
    (skdl.LogisticRegression(), "sparse"),
    (skdl.ConvNetClassifier(input_shape=(8, 8), filters=(4,), **FAST), "classes"),
    (skdl.ConvNetClassifier(input_shape=(8, 8), filters=(3, 4), pooling="avg", stride=(2, 1),
                            batch_norm=True, **FAST), "classes"),
    (skdl.ConvNetClassifier(input_shape=(8, 8, 1), data_format="channels_last", filters=(4,),
                            **FAST), "classes"),
    (skdl.ConvNetRegressor(input_shape=(8, 8), filters=(4,), **FAST), "regression"),
    (skdl.ConvNetRegressor(conv_dim=1, data_format="channels_last", filters=(3,), **FAST),
     "sequences"),
    (skdl.RNNClassifier(**SEQ), "classes"),
    (skdl.RNNClassifier(cell="jordan", bidirectional=True, hidden_layer_sizes=(5,), **SEQ),
     "classes"),
    (skdl.RNNRegressor(**SEQ), "regression"),
    (skdl.RNNClassifier(cell="gru", bidirectional=True, **SEQ), "classes"),
    (skdl.RNNRegressor(cell="gru", **SEQ), "regression"),
    (skdl.RNNClassifier(cell="gru", recurrent_layer_sizes=8, **FAST), "sequences"),
    (skdl.LSTMClassifier(data_format="channels_first", bidirectional=True,
                         recurrent_layer_sizes=8, **FAST), "aeon sequences"),
    (skdl.LSTMClassifier(**SEQ), "classes"),
    (skdl.LSTMClassifier(peephole=True, bidirectional=True, **SEQ), "classes"),
    (skdl.LSTMClassifier(embedding_dim=4, recurrent_layer_sizes=(6, 5), **FAST), "tokens"),
    (skdl.LSTMRegressor(**SEQ), "regression"),
    (skdl.OneHotSequenceEncoder(), "tokens"),
    (skdl.TextEncoder(max_length=12), "texts"),
]

METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "score",
           "hidden_activations", "transform")


def _data(kind):
    X, y = load_digits(return_X_y=True)
    if kind == "tokens":
        return (X + 1).astype(int)[:, :20], y        # token ids 1..17
    if kind == "texts":
        # Each image as a sentence of its pixel values at different positions.
        words = np.array([f"p{v}" for v in range(17)])
        return np.array([" ".join(words[row[[9, 20, 27, 35, 43, 50, 54, 61, 13, 38]]])
                         for row in X.astype(int)]), y
    X = X / 16.0
    if kind == "sparse":
        return scipy.sparse.csr_matrix(X), y
    if kind == "counts":
        return X, (X[:, 20] * 4 + X[:, 43] * 2).round()
    if kind.endswith("sequences"):
        # Digits as 8 steps of 8 pixels, 5 to 8 real steps: NaN-padded at the
        # end, (n, T, d) or aeon's (n, d, T).
        X = X.reshape(-1, 8, 8)
        for i in range(len(X)):
            X[i, 8 - i % 4:] = np.nan
        return (X.transpose(0, 2, 1) if kind.startswith("aeon") else X), y
    return (X, X[:, 20] + X[:, 43] - X[:, 9]) if kind == "regression" else (X, y)


def _fitted(case):
    estimator, kind = case
    X, y = _data(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return clone(estimator).fit(X[:1200], y[:1200]), X, y


def _outputs(estimator, X, y):
    """Every inference method's output on ``X``."""
    results = {}
    for method in METHODS:
        if hasattr(estimator, method):
            call = getattr(estimator, method)
            results[method] = call(X, y) if method == "score" else call(X)
    return results


def _name(case):
    return repr(case[0]).replace("\n", "").replace(" ", "")


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_prediction_writes_nothing(case):
    estimator, X, y = _fitted(case)
    before = pickle.dumps(estimator)
    _outputs(estimator, X, y)
    assert pickle.dumps(estimator) == before
    # The pickle drops the parameter views: check that they still are views
    # of the model's own vector (a float32 model predicting float64 input
    # computes with a converted copy, which must not re-bind the model).
    network = getattr(estimator, "network_", None)
    for layer in [] if network is None else network.layers:
        for name, array in layer.parameters().items():
            assert np.shares_memory(array, network.flat_params), (layer, name)


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_threads_reproduce_the_sequential_predictions(case):
    estimator, X, y = _fitted(case)
    # Eight inputs, several of the same size: per-size work arrays (im2col
    # plans, recurrent buffers) would collide if prediction shared any.
    chunks = [X[start:start + size] for start, size in
              zip(range(0, 1600, 200), (200, 200, 37, 200, 1, 37, 200, 64))]
    method = "predict_proba" if hasattr(estimator, "predict_proba") else (
        "transform" if hasattr(estimator, "transform") else "predict")
    expected = [getattr(estimator, method)(chunk) for chunk in chunks]
    results, errors = [None] * len(chunks), []
    start = threading.Barrier(len(chunks))

    def work(i):
        try:
            start.wait()
            for _ in range(5):
                results[i] = getattr(estimator, method)(chunks[i])
                assert np.array_equal(results[i], expected[i])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)      # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(chunks))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_pickle_holds_no_row_of_training_or_predicted_data(case):
    estimator, X, y = _fitted(case)
    _outputs(estimator, X[1200:], y[1200:])
    data = pickle.dumps(estimator)
    if X.dtype.kind == "U":                  # texts: the vocabulary, never a sentence
        assert not any(text.encode() in data for text in X)
        return
    X = X.toarray() if scipy.sparse.issparse(X) else X
    rows = X if X.dtype.kind == "f" else X.astype(np.float64)
    for dtype in (np.float64, np.float32):
        for row in rows.astype(dtype):
            if np.count_nonzero(row) > 3:         # rows of zeros say nothing
                assert row.tobytes() not in data
    if X.dtype.kind == "i":
        for row in X:
            assert row.tobytes() not in data


@pytest.mark.parametrize("case", [c for c in CASES if isinstance(c[0], BaseNeuralEstimator)],
                         ids=_name)
def test_pickle_holds_the_parameters_once_plus_optimizer_state(case):
    estimator, X, y = _fitted(case)
    _outputs(estimator, X, y)
    size = len(pickle.dumps(estimator))
    # Weights once, Adam's two moments (or L-BFGS: nothing), fitted attributes.
    assert size <= 4 * estimator.network_.flat_params.nbytes + 16_000


# ------------------------------------------------------------------ Ctrl-C
def _interrupt_at(monkeypatch, calls, times=1):
    """Send SIGINT from inside the ``calls``-th objective evaluation (``times`` signals)."""
    original = skdl._training.Trainer.objective
    count = [0]

    def objective(self, *args, **kwargs):
        count[0] += 1
        if count[0] == calls:
            for _ in range(times):
                signal.raise_signal(signal.SIGINT)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(skdl._training.Trainer, "objective", objective)
    return count


def test_ctrl_c_stops_at_a_batch_boundary_with_a_consistent_model(monkeypatch):
    X, y = _data("classes")
    clf = skdl.MLPClassifier((16,), batch_size=100, max_iter=5, random_state=0)
    _interrupt_at(monkeypatch, calls=18 + 5)      # epoch 2, batch 5
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X, y)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2
    assert clf.t_ == len(X) + 5 * 100
    assert clf._optimizer.t == 23                 # every completed batch, no other
    proba = clf.predict_proba(X)
    assert np.all(np.isfinite(proba))
    monkeypatch.undo()
    refit = clf.fit(X, y).network_.flat_params.copy()
    fresh = clone(clf).fit(X, y).network_.flat_params
    np.testing.assert_array_equal(refit, fresh)


def test_ctrl_c_during_lbfgs_keeps_the_last_iterate(monkeypatch):
    X, y = _data("classes")
    clf = skdl.LogisticRegression(max_iter=100, random_state=0)
    _interrupt_at(monkeypatch, calls=6)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X, y)
    assert 1 <= clf.n_iter_ < 100 and len(clf.loss_curve_) == clf.n_iter_
    assert clf.score(X, y) > 0.5


def test_second_ctrl_c_aborts_and_leaves_an_unfitted_estimator(monkeypatch):
    X, y = _data("classes")
    clf = skdl.MLPClassifier((16,), batch_size=100, max_iter=5, random_state=0)
    _interrupt_at(monkeypatch, calls=3, times=2)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    assert clf.get_params() == clone(clf).get_params()


def test_interrupted_partial_fit_continues(monkeypatch):
    X, y = _data("classes")
    clf = skdl.MLPClassifier((16,), batch_size=100, random_state=0)
    clf.partial_fit(X, y, classes=np.unique(y))
    _interrupt_at(monkeypatch, calls=4)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.partial_fit(X, y)
    assert clf.t_ == len(X) + 4 * 100 and clf.n_iter_ == 1 and len(clf.loss_curve_) == 2
    monkeypatch.undo()
    clf.partial_fit(X, y)
    assert len(clf.loss_curve_) == 3 and clf.t_ == 2 * len(X) + 400


# --------------------------------------------------------- one set of defaults
NEURAL = [getattr(skdl, name) for name in skdl.__all__
          if inspect.isclass(getattr(skdl, name))
          and issubclass(getattr(skdl, name), BaseNeuralEstimator)]


def test_every_neural_estimator_is_checked_for_defaults():
    assert len(NEURAL) >= 9


@pytest.mark.parametrize("Estimator", NEURAL, ids=lambda cls: cls.__name__)
def test_constructors_share_the_training_defaults(Estimator):
    signature = inspect.signature(Estimator.__init__).parameters
    expected = {**TRAINING_DEFAULTS, **Estimator._default_overrides}
    for name, default in expected.items():
        assert name in signature, name
        assert signature[name].default == default, (name, signature[name].default, default)


@pytest.mark.parametrize("Estimator", NEURAL, ids=lambda cls: cls.__name__)
def test_docstrings_document_every_parameter_with_its_default(Estimator):
    doc = Estimator.__doc__
    for name, parameter in inspect.signature(Estimator.__init__).parameters.items():
        if name == "self":
            continue
        lines = [line for line in doc.splitlines()
                 if re.match(rf"    (\w+, )*{name}(, \w+)* : ", line)]
        assert lines, f"{Estimator.__name__} does not document {name}"
        documented = re.search(r"default=(.*)$", lines[0])
        if documented and "," not in lines[0].split(" : ")[0]:
            assert ast.literal_eval(documented.group(1)) == parameter.default, (name, lines[0])


# ------------------------------------------------------------ sparse input
@pytest.mark.parametrize("Estimator", [cls for cls in NEURAL if not cls._accepts_sparse]
                         + [skdl.GaussianClassifier], ids=lambda cls: cls.__name__)
def test_estimators_without_sparse_support_say_so(Estimator):
    X, y = _data("classes")
    X_sparse = scipy.sparse.csr_array(X[:50])
    with pytest.raises(TypeError, match="Sparse data was passed for X, but .*dense"):
        Estimator().fit(X_sparse, y[:50])
    assert not Estimator().__sklearn_tags__().input_tags.sparse
