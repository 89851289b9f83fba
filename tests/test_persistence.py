"""Saving models with pickle, joblib and skops: bit-exact round trips, trusted types, versions.

Every estimator of ``test_base.CASES`` (one per public estimator and the
layers' variants) goes through each route and must predict exactly as before,
keep its parameters as views of the network's flat vector, and continue a
warm-started fit exactly as the original does.
"""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

import skdl
import skdl._version
from skdl.exceptions import InconsistentVersionWarning
from skdl.utils import trusted_types
from saved_models import (TRAINING_CONTROL, assert_continues_alike, assert_same_model, fitted,
                          training_control)
from test_base import CASES, _data, _name

try:
    import skops.io as sio
except ImportError:          # the test extra: the skops tests skip
    sio = None


def _why_no_skops():
    """Why skops cannot save skdl models here, or None."""
    if sio is None:
        return "needs skops"
    try:
        # A fitted model holds a NumPy Generator; skops reads its bit
        # generator's seed_seq, which NumPy has only since 1.25.
        sio.dumps(np.random.default_rng(0))
    except AttributeError as error:
        return f"skops cannot save a NumPy Generator with NumPy {np.__version__} ({error})"
    return None


needs_skops = pytest.mark.skipif(_why_no_skops() is not None, reason=str(_why_no_skops()))

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# ------------------------------------------------------------------ skops
@needs_skops
@pytest.mark.parametrize("case", CASES, ids=_name)
def test_skops_round_trip_is_exact_with_the_trusted_types(case):
    original, X, y = fitted(case)
    data = sio.dumps(original)
    untrusted = sio.get_untrusted_types(data=data)
    assert set(untrusted) <= set(trusted_types()), set(untrusted) - set(trusted_types())
    loaded = sio.loads(data, trusted=trusted_types())
    assert_same_model(loaded, original, X, y)
    assert_continues_alike(loaded, original, X, y)


@needs_skops
@pytest.mark.parametrize("name", TRAINING_CONTROL)
def test_skops_round_trip_of_training_control(name):
    """Early stopping on X_val, a schedule object: the running schedule and history load too."""
    original, X, y = training_control(name)
    data = sio.dumps(original)
    assert set(sio.get_untrusted_types(data=data)) <= set(trusted_types())
    loaded = sio.loads(data, trusted=trusted_types())
    assert loaded.learning_rate == original.learning_rate
    assert loaded._schedule.rate_ == original._schedule.rate_
    assert loaded.validation_scores_ == original.validation_scores_
    assert_same_model(loaded, original, X, y)
    assert_continues_alike(loaded, original, X, y)


def test_every_schedule_class_is_trusted():
    from skdl import schedules

    for name in schedules.__all__:
        obj = getattr(schedules, name)
        if isinstance(obj, type):
            assert f"skdl.schedules.{name}" in trusted_types()


@needs_skops
def test_skops_refuses_skdl_types_that_are_not_trusted():
    original, _, _ = fitted(CASES[0])
    with pytest.raises(Exception, match="Untrusted types"):
        sio.loads(sio.dumps(original))


def _texts(n=120, seed=0):
    rng = np.random.default_rng(seed)
    good, bad = ["great", "fine", "good", "nice"], ["awful", "poor", "bad", "dull"]
    words = ["the", "film", "was", "plot", "acting", "and", "very"]
    y = rng.integers(0, 2, n)
    texts = [" ".join(rng.choice(words, rng.integers(2, 7)).tolist()
                      + [rng.choice(good if label else bad)]) for label in y]
    return texts, np.where(y == 1, "positive", "negative")


@pytest.mark.parametrize("route", [pytest.param("skops", marks=needs_skops), "pickle"])
def test_text_pipeline_round_trip(route):
    texts, y = _texts()
    model = make_pipeline(skdl.TextEncoder(), skdl.LSTMClassifier(
        embedding_dim=4, recurrent_layer_sizes=6, max_iter=5, random_state=0)).fit(texts, y)
    if route == "skops":
        loaded = sio.loads(sio.dumps(model), trusted=trusted_types())
    else:
        loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(texts), model.predict(texts))
    np.testing.assert_array_equal(loaded.predict_proba(texts), model.predict_proba(texts))
    assert loaded[0].transform(["the film was great"]).tolist() == \
        model[0].transform(["the film was great"]).tolist()


def test_trusted_types_are_skdl_types_and_numpy_dtype_only():
    names = trusted_types()
    assert names == sorted(set(names))
    assert all(name.startswith("skdl.") or name == "numpy.dtype" for name in names)
    for public in skdl.__all__:
        obj = getattr(skdl, public)
        if isinstance(obj, type):
            assert f"{obj.__module__}.{obj.__name__}" in names


# --------------------------------------------------------- pickle and joblib
@pytest.mark.parametrize("case", CASES, ids=_name)
def test_pickle_and_joblib_round_trips_are_exact(case):
    original, X, y = fitted(case)
    buffer = io.BytesIO()
    joblib.dump(original, buffer)
    buffer.seek(0)
    for loaded in (pickle.loads(pickle.dumps(original)), joblib.load(buffer)):
        assert_same_model(loaded, original, X, y)


# ------------------------------------------------------------------ versions
def _saved_by(version, monkeypatch, save):
    """What ``save()`` writes while skdl pretends to be ``version``."""
    with monkeypatch.context() as patch:
        patch.setattr(skdl._version, "__version__", version)
        return save()


def _small_models():
    X, y = _data("classes")
    texts, labels = _texts(30)
    return [skdl.MLPClassifier((4,), max_iter=2, random_state=0).fit(X[:200], y[:200]),
            skdl.GaussianClassifier("diagonal").fit(X[:200], y[:200]),
            skdl.TextEncoder().fit(texts)]


@pytest.mark.parametrize("route", ["pickle", pytest.param("skops", marks=needs_skops)])
def test_loading_a_model_saved_by_another_version_warns(route, monkeypatch):
    for model in _small_models():
        if route == "pickle":
            data = _saved_by("0.0.1", monkeypatch, lambda: pickle.dumps(model))
            load = pickle.loads
        else:
            data = _saved_by("0.0.1", monkeypatch, lambda: sio.dumps(model))
            load = lambda data: sio.loads(data, trusted=trusted_types())  # noqa: E731
        with pytest.warns(InconsistentVersionWarning, match="saved by skdl 0.0.1") as record:
            load(data)
        warning = record[0].message
        assert warning.estimator_name == type(model).__name__
        assert warning.original_skdl_version == "0.0.1"
        assert warning.current_skdl_version == skdl.__version__


@needs_skops
def test_loading_with_the_same_version_is_silent():
    for model in _small_models():
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            pickle.loads(pickle.dumps(model))
            sio.loads(sio.dumps(model), trusted=trusted_types())


def test_a_pickle_without_a_version_warns_unknown():
    model = _small_models()[0]
    state = model.__getstate__()
    del state["_skdl_version"]
    restored = type(model).__new__(type(model))
    with pytest.warns(InconsistentVersionWarning, match="saved by skdl unknown"):
        restored.__setstate__(state)
    assert "_skdl_version" not in vars(restored)


def test_the_version_tag_is_not_an_attribute():
    model = _small_models()[0]
    assert "_skdl_version" in model.__getstate__()
    assert "_skdl_version" not in vars(model)
    assert "_skdl_version" not in vars(pickle.loads(pickle.dumps(model)))
