"""Helpers of the persistence tests: fitted models shared by the test modules, and comparisons.

Each case of ``test_base.CASES`` is fitted once per test session
(:func:`fitted` hands out copies), so the tests of pickle, skops, weights
files and ONNX do not refit the same models.
"""

import pickle
import warnings

import numpy as np

from skdl._base import BaseNeuralEstimator
from test_base import _fitted, _name, _outputs

#: Rows the comparisons predict (the models are fitted on the first 1200).
N_CHECKED = 200

_FITTED = {}


def fitted(case):
    """``(estimator, X, y)``: the case fitted once per session, and a copy of it to change."""
    key = _name(case)
    if key not in _FITTED:
        _FITTED[key] = _fitted(case)
    estimator, X, y = _FITTED[key]
    return pickle.loads(pickle.dumps(estimator)), X, y


def outputs(estimator, X, y):
    """Every inference method's output on the last rows of ``X`` (not fitted on)."""
    return _outputs(estimator, X[-N_CHECKED:], y[-N_CHECKED:])


def assert_same_model(loaded, original, X, y):
    """Identical outputs of every inference method, and parameters still views of one vector."""
    assert type(loaded) is type(original)
    expected, got = outputs(original, X, y), outputs(loaded, X, y)
    assert got.keys() == expected.keys()
    for method, value in expected.items():
        assert np.asarray(got[method]).dtype == np.asarray(value).dtype, method
        np.testing.assert_array_equal(got[method], value, err_msg=method)
    if hasattr(original, "network_"):
        network = loaded.network_
        assert network.flat_params.dtype == original.network_.dtype
        np.testing.assert_array_equal(network.flat_params, original.network_.flat_params)
        for layer in network.layers:
            for name, array in layer.parameters().items():
                assert np.shares_memory(array, network.flat_params), (layer, name)
        for ours, theirs in zip(network.state(), original.network_.state()):
            for name in theirs:
                np.testing.assert_array_equal(ours[name], theirs[name])


def assert_continues_alike(loaded, original, X, y):
    """A warm start (or partial_fit) of the loaded model repeats the original's bit for bit."""
    X, y = X[:N_CHECKED], y[:N_CHECKED]
    if isinstance(original, BaseNeuralEstimator):
        for estimator in (loaded, original):
            estimator.set_params(warm_start=True, max_iter=2)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                estimator.fit(X, y)
        np.testing.assert_array_equal(loaded.network_.flat_params, original.network_.flat_params)
        assert loaded.n_iter_ == original.n_iter_
        assert loaded.loss_curve_ == original.loss_curve_
    elif hasattr(original, "partial_fit"):
        for estimator in (loaded, original):
            estimator.partial_fit(X, y)
        np.testing.assert_array_equal(loaded.predict_proba(X), original.predict_proba(X))
