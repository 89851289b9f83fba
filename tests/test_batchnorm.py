"""BatchNormalization: reference, gradients (weighted too), running statistics, estimators."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits

from reference_layers import ref_batchnorm, train_pass
from skdl import ConvNetClassifier, MLPClassifier, MLPRegressor
from skdl.layers import BatchNormalization
from skdl.network import Sequential
from skdl.utils.gradient_check import check_layer_gradients, numerical_gradient, relative_error

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def built(shape, seed=0):
    layer = BatchNormalization()
    layer.build(shape, None, np.float64)
    rng = np.random.default_rng(seed)
    for param in layer.parameters().values():
        param[...] = rng.standard_normal(param.shape)
    return layer


@pytest.mark.parametrize("shape", [(4,), (3, 5, 2), (6, 3)])
def test_training_pass_matches_the_reference(rng, shape):
    layer = built(shape)
    X = rng.normal(3.0, 2.0, size=(7,) + shape)
    Y, *_ = train_pass(layer, X)
    p = layer.parameters()
    assert_allclose(Y, ref_batchnorm(X, p["gamma"], p["beta"], layer.epsilon), atol=1e-12)


@pytest.mark.parametrize("shape", [(4,), (3, 5, 2)])
def test_gradients_match_finite_differences(rng, shape):
    layer = built(shape)
    errors = check_layer_gradients(layer, rng.normal(1.0, 2.0, size=(6,) + shape), rng)
    assert max(errors.values()) < 1e-7, errors


def test_weighted_statistics_equal_repeated_rows(rng):
    """Weights k act as k copies of a sample (0 removes it), values and gradients."""
    layer = built((3,))
    X = rng.standard_normal((5, 3))
    weights = np.array([2.0, 0.0, 1.0, 3.0, 1.0])
    repeated = np.repeat(X, weights.astype(int), axis=0)
    Y_w = layer.forward(X, {"sample_weight": weights})
    Y_r = layer.forward(repeated, {})
    assert_allclose(np.repeat(Y_w, weights.astype(int), axis=0), Y_r, atol=1e-12)
    # Gradient of sum(w_i * <y_i, R_i>) equals the repeated rows' gradient, summed back.
    R = rng.standard_normal((5, 3))

    def weighted_loss():
        return float(np.sum(weights[:, None] * layer.forward(X, {"sample_weight": weights}) * R))

    cache = {"sample_weight": weights}
    layer.forward(X, cache)
    grads = {name: np.zeros_like(p) for name, p in layer.parameters().items()}
    dX = layer.backward(weights[:, None] * R, cache, grads)
    assert relative_error(dX, numerical_gradient(weighted_loss, X)) < 1e-7
    for name, param in layer.parameters().items():
        assert relative_error(grads[name], numerical_gradient(weighted_loss, param)) < 1e-7


def test_a_batch_of_zero_weights_is_normalised_without_nan_and_not_counted(rng):
    layer = built((3,))
    X = rng.standard_normal((4, 3))
    before = {name: array.copy() for name, array in layer.state().items()}
    cache = {"sample_weight": np.zeros(4)}
    Y = layer.forward(X, cache)
    grads = {name: np.zeros_like(p) for name, p in layer.parameters().items()}
    dX = layer.backward(np.zeros_like(Y), cache, grads)
    assert np.all(np.isfinite(Y)) and np.all(np.isfinite(dX))
    for name, array in layer.state().items():
        np.testing.assert_array_equal(array, before[name])


def test_running_statistics_and_inference(rng):
    layer = BatchNormalization(momentum=0.5)
    layer.build((2,), None, np.float64)
    X = rng.normal([1.0, -2.0], [2.0, 0.5], size=(50, 2))
    train_pass(layer, X)
    state = layer.state()
    assert_allclose(state["running_mean"], 0.5 * X.mean(axis=0))
    assert_allclose(state["running_var"], 0.5 + 0.5 * X.var(axis=0))
    # Inference uses the running statistics, row by row.
    Y = layer.forward(X[:3])
    expected = (X[:3] - state["running_mean"]) / np.sqrt(state["running_var"] + 1e-5)
    assert_allclose(Y, expected, atol=1e-12)
    before = pickle.dumps(layer)
    layer.forward(X)
    assert pickle.dumps(layer) == before


def _digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.mark.parametrize("make", [
    lambda: MLPClassifier((32,), batch_norm=True, max_iter=15, random_state=0),
    lambda: ConvNetClassifier(input_shape=(8, 8), filters=(4,), batch_norm=True, max_iter=10,
                              random_state=0),
])
def test_estimators_train_with_batch_norm_and_pickle_its_state(make):
    X, y = _digits()
    clf = make().fit(X, y)
    assert clf.score(X, y) > 0.9
    norms = clf.network_.layers_of_type(BatchNormalization)
    assert norms and all(np.any(layer.state()["running_mean"] != 0) for layer in norms)
    clone = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))


def test_early_stopping_restores_the_running_statistics_of_the_best_epoch(monkeypatch):
    X, y = _digits()
    clf = MLPClassifier((16,), batch_norm=True, early_stopping=True, n_iter_no_change=2,
                        max_iter=40, learning_rate_init=0.05, tol=0.0, random_state=0)
    snapshots = []
    take = Sequential.snapshot

    def spy(self):
        snapshots.append(take(self))
        return snapshots[-1]

    monkeypatch.setattr(Sequential, "snapshot", spy)
    clf.fit(X, y)
    best_params, best_state = snapshots[-1]
    assert clf.n_iter_ > np.argmax(clf.validation_scores_) + 1   # stopped after the best
    np.testing.assert_array_equal(clf.network_.flat_params, best_params)
    live = [layer.state() for layer in clf.network_.layers]
    for saved, current in zip(best_state, live):
        for name in saved:
            np.testing.assert_array_equal(current[name], saved[name])


def test_warm_start_continues_the_running_statistics():
    X, y = _digits()
    clf = MLPClassifier((16,), batch_norm=True, max_iter=2, warm_start=True, random_state=0)
    clf.fit(X, y)
    norm = clf.network_.layers_of_type(BatchNormalization)[0]
    first = norm.state()["running_mean"].copy()
    clf.fit(X, y)
    second = clf.network_.layers_of_type(BatchNormalization)[0]
    assert second is norm and not np.allclose(second.state()["running_mean"], first)
    cold = MLPClassifier((16,), batch_norm=True, max_iter=4, random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.network_.flat_params, cold.network_.flat_params)
    np.testing.assert_allclose(second.state()["running_var"],
                               cold.network_.layers_of_type(BatchNormalization)[0]
                               .state()["running_var"])


def test_regressor_with_batch_norm():
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, size=(300, 4))
    y = X @ [1.0, -2.0, 0.5, 0.0]
    reg = MLPRegressor((32,), batch_norm=True, max_iter=200, learning_rate_init=0.01,
                       random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.95
