"""Weights-only files: exact round trips without pickle, clear errors for files that do not fit."""

import io
import json
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import skdl
import skdl._version
from skdl._weights import FORMAT_VERSION, HEADER_KEY
from skdl.exceptions import InconsistentVersionWarning
from skdl.schedules import CosineAnnealing, StepDecay
from saved_models import TRAINING_CONTROL, assert_same_model, fitted, training_control
from test_base import CASES, _data, _name

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SAVABLE = [case for case in CASES if hasattr(case[0], "save_weights")]


def test_every_estimator_but_the_transformers_has_weights_files():
    without = {type(case[0]).__name__ for case in CASES if case not in SAVABLE}
    assert without == {"OneHotSequenceEncoder", "TextEncoder"}


def _round_trip(model, **params):
    buffer = io.BytesIO()
    model.save_weights(buffer)
    buffer.seek(0)
    fresh = type(model)(**{**model.get_params(deep=False), **params})
    return fresh.load_weights(buffer), buffer


def _refuse(*args, **kwargs):
    raise AssertionError("a weights file was unpickled")


@pytest.mark.parametrize("case", SAVABLE, ids=_name)
def test_load_weights_predicts_bit_identically(case, monkeypatch):
    original, X, y = fitted(case)
    with monkeypatch.context() as patch:
        for name in ("loads", "load", "Unpickler"):     # any unpickling fails
            patch.setattr(pickle, name, _refuse)
        loaded, buffer = _round_trip(original)
    assert_same_model(loaded, original, X, y)
    for name in ("classes_", "n_features_in_", "input_shape_", "sequence_shape_", "loss_curve_"):
        if hasattr(original, name):
            np.testing.assert_array_equal(getattr(loaded, name), getattr(original, name))
            assert type(getattr(loaded, name)) is type(getattr(original, name))
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as data:
        header = json.loads(str(data[HEADER_KEY]))
        assert all(data[key].dtype != object for key in data.files)
    assert header["skdl_version"] == skdl.__version__
    assert header["estimator"] == type(original).__name__


@pytest.mark.parametrize("case", [c for c in SAVABLE if hasattr(c[0], "network_") or
                                  hasattr(c[0], "warm_start")], ids=_name)
def test_a_loaded_model_can_be_fine_tuned(case):
    original, X, y = fitted(case)
    loaded, _ = _round_trip(original, warm_start=True, max_iter=2)
    before = loaded.network_.flat_params.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded.fit(X[:300], y[:300])
    assert loaded.n_iter_ >= 1
    assert not np.array_equal(loaded.network_.flat_params, before)


def test_string_labels_and_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = _data("classes")
    frame = pd.DataFrame(X[:300], columns=[f"pixel{i}" for i in range(64)])
    labels = np.array([f"digit {d}" for d in y[:300]], dtype=object)
    model = skdl.MLPClassifier((8,), max_iter=3, random_state=0).fit(frame, labels)
    loaded, _ = _round_trip(model)
    assert loaded.classes_.dtype == model.classes_.dtype
    assert loaded.feature_names_in_.dtype == model.feature_names_in_.dtype == object
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    np.testing.assert_array_equal(loaded.feature_names_in_, model.feature_names_in_)
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(frame.rename(columns={"pixel0": "other"}))


def test_parameters_are_stored_as_plain_json():
    X, y = _data("classes")
    model = skdl.MLPClassifier((8, 4), max_iter=2, random_state=0, dtype=np.float32,
                               class_weight={0: 2.0, 1: 1.0}).fit(X[:300], y[:300])
    loaded, buffer = _round_trip(model)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as data:
        params = json.loads(str(data[HEADER_KEY]))["params"]
    assert params["class_weight"] == {"__items__": [[0, 2.0], [1, 1.0]]}
    assert params["hidden_layer_sizes"] == [8, 4]
    assert params["dtype"] == "float32"
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def _sequences(n, shortest, longest, d=2, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(rng.integers(shortest, longest + 1), d)) for _ in range(n)]


def _nan_padded(sequences):
    X = np.full((len(sequences), max(len(s) for s in sequences), sequences[0].shape[1]), np.nan)
    for row, seq in zip(X, sequences):
        row[:len(seq)] = seq
    return X


@pytest.mark.parametrize("estimator", [
    skdl.LSTMClassifier(recurrent_layer_sizes=4, bidirectional=True),
    skdl.RNNClassifier(cell="gru", recurrent_layer_sizes=4, data_format="channels_first"),
    skdl.RNNClassifier(cell="jordan", recurrent_layer_sizes=4, dtype=np.float32),
], ids=lambda e: f"{type(e).__name__}-{e.get_params().get('cell', 'lstm')}")
@pytest.mark.parametrize("given_as", ["list", "nan-padded"])
def test_sequences_of_any_length(estimator, given_as):
    """Fitted on 3..8 steps (a list or NaN-padded), loaded, predicting 1..14 steps bit-identically."""
    first = estimator.data_format == "channels_first"
    layout = (lambda seqs: [s.T for s in seqs]) if first else (lambda seqs: seqs)
    as_array = (lambda seqs: _nan_padded(seqs).transpose(0, 2, 1)) if first else _nan_padded
    train = _sequences(80, 3, 8)
    y = np.array([int(seq[:, 0].sum() > 0) for seq in train])
    X = layout(train) if given_as == "list" else as_array(train)
    model = clone(estimator).set_params(max_iter=3, random_state=0).fit(X, y)
    loaded, _ = _round_trip(model)
    assert loaded.network_.dtype == model.network_.dtype
    assert loaded.sequence_shape_ == model.sequence_shape_
    for test in (_sequences(30, 9, 14, seed=1), _sequences(30, 1, 3, seed=2)):
        for X_test in (layout(test), as_array(test)):
            np.testing.assert_array_equal(loaded.predict_proba(X_test),
                                          model.predict_proba(X_test))


@pytest.mark.parametrize("name", TRAINING_CONTROL)
def test_training_control(name):
    """Early stopping on X_val with scoring, a schedule object: parameters round-trip, state not."""
    original, X, y = training_control(name)
    loaded, buffer = _round_trip(original)
    assert_same_model(loaded, original, X, y)
    assert loaded.learning_rate == original.learning_rate
    assert loaded.scoring == original.scoring
    assert loaded.validation_scores_ == original.validation_scores_
    assert loaded._schedule is None and loaded._optimizer is None        # training state
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as data:
        header = json.loads(str(data[HEADER_KEY]))
    assert not {"_schedule", "_history", "_optimizer", "_rng"} & set(header["fitted"])
    fresh = type(original)(**header_params(header)).load_weights(_saved(original))
    assert_same_model(fresh, original, X, y)


def header_params(header):
    from skdl._codec import from_plain
    return {name: from_plain(value) for name, value in header["params"].items()}


def test_a_schedule_parameter_is_plain_json():
    X, y = _data("classes")
    model = skdl.MLPClassifier((8,), solver="sgd", learning_rate=StepDecay(step_size=2,
                               factor=0.25), max_iter=3, random_state=0).fit(X[:300], y[:300])
    loaded, buffer = _round_trip(model)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as data:
        params = json.loads(str(data[HEADER_KEY]))["params"]
    assert params["learning_rate"] == {"__schedule__": "StepDecay",
                                       "params": {"factor": 0.25, "step_size": 2}}
    assert skdl.MLPClassifier(**header_params({"params": params})).learning_rate == \
        model.learning_rate
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


class _MySchedule(CosineAnnealing):
    """A user's schedule: its code is not in skdl, so a weights file cannot name it."""


def test_schedules_outside_skdl_are_refused():
    model = _mlp().set_params(learning_rate=_MySchedule())
    with pytest.raises(ValueError, match=r"learning_rate=_MySchedule.*cannot be written as "
                                         "JSON.*a schedule of skdl.schedules"):
        model.save_weights(io.BytesIO())

    def rename(header):
        header["params"]["learning_rate"] = {"__schedule__": "LearningRateSchedule",
                                             "params": {}}

    buffer = _rewritten(_saved(_mlp().set_params(learning_rate=StepDecay())),
                        change_header=rename)
    with pytest.raises(ValueError, match="names the schedule 'LearningRateSchedule', which is "
                                         "not one of skdl.schedules'"):
        skdl.MLPClassifier((16,)).load_weights(buffer)


def test_parameters_set_by_scikit_learn_callbacks_stay_with_the_loading_estimator():
    model = _mlp()
    model._metadata_request = "kept"           # not a result of a fit: never in the file
    other = skdl.MLPClassifier((16,))
    other._metadata_request = "mine"
    assert other.load_weights(_saved(model))._metadata_request == "mine"


# ----------------------------------------------------------------- mismatches
def _mlp():
    X, y = _data("classes")
    return skdl.MLPClassifier((16,), max_iter=2, random_state=0).fit(X[:300], y[:300])


def _saved(model):
    buffer = io.BytesIO()
    model.save_weights(buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize("params, match", [
    (dict(hidden_layer_sizes=(32,)), r"layer 0 is Dense\(.*units=16.*W \(64, 16\).*units=32"
                                     r".*W \(64, 32\).*hidden_layer_sizes=\[16\] in the file, "
                                     r"\[32\] here"),
    (dict(activation="tanh"), r"layer 1 is Activation\(name=relu\).*Activation\(name=tanh\)"),
    (dict(batch_norm=True), r"layer 0 is Dense.*batch_norm=False in the file, True here"),
    (dict(dtype=np.float32), r"computes in float64 in the file, in float32"),
])
def test_a_file_that_does_not_fit_gets_a_clear_error(params, match):
    model = _mlp()
    other = skdl.MLPClassifier(**{**model.get_params(), **params})
    with pytest.raises(ValueError, match=match):
        other.load_weights(_saved(model))


def test_a_failed_load_leaves_the_estimator_unchanged():
    model = _mlp()
    X, _ = _data("classes")
    other = skdl.MLPClassifier((32,), max_iter=2, random_state=1).fit(X[:100], _data("classes")[1][:100])
    before = pickle.dumps(other)
    with pytest.raises(ValueError, match="does not fit"):
        other.load_weights(_saved(model))
    assert pickle.dumps(other) == before


def test_differences_that_do_not_change_the_network_are_accepted():
    model = _mlp()
    loaded = skdl.MLPClassifier((16,), max_iter=50, alpha=1.0, verbose=True).load_weights(
        _saved(model))
    X, _ = _data("classes")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_another_estimator_class_is_refused():
    with pytest.raises(ValueError, match="holds the weights of a MLPClassifier, not of a "
                                         "MLPRegressor"):
        skdl.MLPRegressor((16,)).load_weights(_saved(_mlp()))


def test_gaussian_classifier_needs_the_same_parameters():
    X, y = _data("classes")
    model = skdl.GaussianClassifier("shared").fit(X, y)
    with pytest.raises(ValueError, match="covariance='shared' in the file, 'full' here"):
        skdl.GaussianClassifier("full").load_weights(_saved(model))


def test_an_input_of_another_shape_is_refused():
    X, y = _data("classes")
    model = skdl.ConvNetClassifier(input_shape=(8, 8), filters=(2,), max_iter=1,
                                   random_state=0).fit(X[:100], y[:100])
    with pytest.raises(ValueError, match=r"configure _input .*ImageAdapter.* Parameters that "
                                         r"differ: input_shape=\[8, 8\] in the file, "
                                         r"\[4, 16\] here"):
        skdl.ConvNetClassifier(input_shape=(4, 16), filters=(2,)).load_weights(_saved(model))


def test_parameters_that_json_cannot_hold_are_refused_at_saving():
    model = _mlp().set_params(random_state=np.random.RandomState(0))
    with pytest.raises(ValueError, match=r"random_state=RandomState.*cannot be written as JSON"):
        model.save_weights(io.BytesIO())


def test_an_unfitted_estimator_cannot_be_saved():
    with pytest.raises(NotFittedError):
        skdl.MLPClassifier().save_weights(io.BytesIO())


def test_a_file_that_is_not_a_weights_file():
    buffer = io.BytesIO()
    np.savez(buffer, weights=np.zeros(3))
    buffer.seek(0)
    with pytest.raises(ValueError, match="not an skdl weights file"):
        skdl.MLPClassifier().load_weights(buffer)


def _rewritten(buffer, change_header=None, change_arrays=None):
    with np.load(buffer, allow_pickle=False) as data:
        header = json.loads(str(data[HEADER_KEY]))
        arrays = {key: data[key] for key in data.files if key != HEADER_KEY}
    if change_header:
        change_header(header)
    if change_arrays:
        change_arrays(arrays)
    out = io.BytesIO()
    np.savez(out, **{HEADER_KEY: np.array(json.dumps(header))}, **arrays)
    out.seek(0)
    return out


def test_weights_of_the_wrong_size_are_refused():
    def shorten(arrays):
        arrays["network/flat_params"] = arrays["network/flat_params"][:-1]

    with pytest.raises(ValueError, match="'network/flat_params' is float64 of shape"):
        skdl.MLPClassifier((16,)).load_weights(_rewritten(_saved(_mlp()), change_arrays=shorten))


def test_a_file_whose_attributes_replace_the_network_is_refused():
    def tamper(header):
        header["fitted"]["network_"] = "not a network"

    with pytest.raises(ValueError, match="corrupt: its fitted attributes include 'network_'"):
        skdl.MLPClassifier((16,)).load_weights(_rewritten(_saved(_mlp()), change_header=tamper))


# ------------------------------------------------------------------ versions
def test_a_file_of_another_skdl_version_warns(monkeypatch):
    model = _mlp()
    with monkeypatch.context() as patch:
        patch.setattr(skdl._version, "__version__", "0.0.1")
        buffer = _saved(model)
    with pytest.warns(InconsistentVersionWarning, match="saved by skdl 0.0.1"):
        loaded = skdl.MLPClassifier((16,)).load_weights(buffer)
    X, _ = _data("classes")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_a_file_of_the_same_version_loads_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        skdl.MLPClassifier((16,)).load_weights(_saved(_mlp()))


def test_a_newer_format_is_refused_with_a_clear_error():
    def newer(header):
        header["format_version"] = FORMAT_VERSION + 1
        header["skdl_version"] = "9.0"

    buffer = _rewritten(_saved(_mlp()), change_header=newer)
    with pytest.raises(ValueError, match=r"written by skdl 9.0 in weights format 2; skdl .* "
                                         r"reads formats up to 1. Upgrade skdl"):
        skdl.MLPClassifier((16,)).load_weights(buffer)
