import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier, MLPRegressor

SHARED = dict(hidden_layer_sizes=(12, 7), alpha=0.01, batch_size=32, shuffle=False,
              max_iter=4, tol=0, n_iter_no_change=100)


def _copy_weights(source, target):
    """Put sklearn's fitted weights into our network (views, so in place)."""
    for mine, theirs in zip(target.coefs_ + target.intercepts_, source.coefs_ + source.intercepts_):
        mine[...] = theirs


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
@pytest.mark.parametrize("task", ["multiclass", "binary", "regression"])
def test_training_matches_sklearn_step_for_step(solver, activation, task):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if task == "binary":
        y = (y == 2).astype(int)
    if task == "regression":
        y = X[:, 0] * 0.5 - X[:, 1]
        X = X[:, 1:]
    Sk, Ours = (SkMLPRegressor, MLPRegressor) if task == "regression" else (SkMLPClassifier, MLPClassifier)
    params = dict(SHARED, solver=solver, activation=activation, learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = Sk(random_state=0, **params, max_fun=15000).set_params(max_iter=1).fit(X, y)
        ours = Ours(random_state=0, **params).set_params(max_iter=1).fit(X, y)
        _copy_weights(theirs, ours)
        ours._optimizer = None  # scikit-learn starts a fresh optimizer on each fit
        theirs.set_params(warm_start=True, max_iter=4).fit(X, y)
        ours.set_params(warm_start=True, max_iter=4).fit(X, y)
    for mine, reference in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_[-4:], theirs.loss_curve_[-4:], rtol=1e-10)
    if task != "regression":
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-9)


def test_same_attributes_as_sklearn():
    X, y = load_iris(return_X_y=True)
    ours = MLPClassifier((5,), max_iter=5, random_state=0).fit(X, y)
    theirs = SkMLPClassifier((5,), max_iter=5, random_state=0).fit(X, y)
    for name in ["coefs_", "intercepts_", "loss_", "best_loss_", "loss_curve_", "n_iter_", "t_",
                 "n_layers_", "n_outputs_", "out_activation_", "classes_", "n_features_in_",
                 "validation_scores_", "best_validation_score_"]:
        assert hasattr(ours, name), name
        assert type(getattr(ours, name)) is type(getattr(theirs, name)) or name.endswith("s_")
    assert (ours.n_layers_, ours.n_outputs_, ours.out_activation_, ours.t_) == \
        (theirs.n_layers_, theirs.n_outputs_, theirs.out_activation_, theirs.t_)
    ours_params = MLPClassifier().get_params()
    for name, value in SkMLPClassifier().get_params().items():
        assert ours_params[name] == value, name


def test_drop_in_for_sklearn_in_pipeline_and_grid_search():
    X, y = load_digits(return_X_y=True)
    X, y = X[:600], y[:600]
    grid_params = {"mlpclassifier__hidden_layer_sizes": [(16,), (32,)],
                   "mlpclassifier__alpha": [1e-4, 1e-1]}
    scores = {}
    for Estimator in (SkMLPClassifier, MLPClassifier):  # the one-import swap
        pipe = make_pipeline(StandardScaler(), Estimator(max_iter=100, learning_rate_init=0.01,
                                                         random_state=0))
        grid = GridSearchCV(pipe, grid_params, cv=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            grid.fit(X, y)
        scores[Estimator.__module__] = grid.best_score_
        assert set(grid.best_params_) == set(grid_params)
    ours, theirs = scores["skdl.mlp"], scores[SkMLPClassifier.__module__]
    assert ours > theirs - 0.03, scores


def test_multilabel_targets():
    X, Y = make_multilabel_classification(n_samples=200, n_features=10, n_classes=4, random_state=0)
    clf = MLPClassifier((30,), solver="lbfgs", max_iter=300, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic"
    assert clf.predict(X).shape == (200, 4)
    assert clf.predict_proba(X).shape == (200, 4)
    assert clf.score(X, Y) > 0.7


def test_dropout_rates_per_layer_and_reproducibility():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    kw = dict(hidden_layer_sizes=(32, 16), dropout=[0.5, 0.2], max_iter=3, random_state=0)
    a = MLPClassifier(**kw).fit(X, y)
    b = MLPClassifier(**kw).fit(X, y)
    np.testing.assert_array_equal(a.network_.flat_params, b.network_.flat_params)
    rates = [layer.rate for layer in a.network_.layers if type(layer).__name__ == "Dropout"]
    assert rates == [0.5, 0.2]
    no_dropout = MLPClassifier(hidden_layer_sizes=(32, 16), max_iter=3, random_state=0).fit(X, y)
    assert not np.allclose(a.network_.flat_params, no_dropout.network_.flat_params)
    # Predictions are deterministic: dropout is off outside training.
    np.testing.assert_array_equal(a.predict_proba(X), a.predict_proba(X))
    with pytest.raises(ValueError, match="dropout has 1 rates"):
        MLPClassifier((4, 4), dropout=[0.1]).fit(X, y)
    with pytest.raises(ValueError, match="L-BFGS"):
        MLPClassifier((4,), dropout=0.1, solver="lbfgs").fit(X, y)


def test_early_stopping_records_curves_and_keeps_best_weights():
    X, y = load_digits(return_X_y=True)
    clf = MLPClassifier((32,), early_stopping=True, n_iter_no_change=3, max_iter=200,
                        learning_rate_init=0.01, random_state=0).fit(X / 16, y)
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.validation_loss_curve_)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None
    assert clf.n_iter_ < 200


def test_hidden_activations():
    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier((6, 3), activation="relu", max_iter=50, random_state=0).fit(X, y)
    first = clf.hidden_activations(X, layer=0)
    last = clf.hidden_activations(X)
    assert first.shape == (150, 6) and last.shape == (150, 3)
    np.testing.assert_allclose(first, np.maximum(X @ clf.coefs_[0] + clf.intercepts_[0], 0))
    assert np.all(last >= 0)


def test_float32_compute():
    X, y = load_digits(return_X_y=True)
    clf = MLPClassifier((32,), dtype=np.float32, max_iter=30, learning_rate_init=0.01,
                        random_state=0).fit(X / 16, y)
    assert clf.coefs_[0].dtype == np.float32
    # Prediction computes in float64 unless input and model are both float32.
    assert clf.predict_proba(X[:5] / 16).dtype == np.float64
    assert clf.predict_proba((X[:5] / 16).astype(np.float32)).dtype == np.float32
    assert clf.score(X / 16, y) > 0.95
    auto = MLPClassifier((8,), max_iter=2, random_state=0).fit((X / 16).astype(np.float32), y)
    assert auto.coefs_[0].dtype == np.float32


@pytest.mark.parametrize("solver", ["sgd", "adam", "adagrad", "rmsprop", "swats", "lbfgs"])
def test_every_solver_learns_digits(solver):
    X, y = load_digits(return_X_y=True)
    lr = {"sgd": 0.1, "adagrad": 0.05}.get(solver, 0.005)
    clf = MLPClassifier((32,), solver=solver, learning_rate_init=lr, max_iter=40, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[:1200] / 16, y[:1200])
    assert clf.score(X[1200:] / 16, y[1200:]) > 0.9


def test_regressor_multi_output_and_pickle():
    X, Y = make_regression(n_samples=200, n_features=5, n_targets=2, noise=0.1, random_state=0)
    Y = Y / Y.std(axis=0)
    reg = MLPRegressor((20,), solver="lbfgs", max_iter=500, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (200, 2)
    assert reg.score(X, Y) > 0.95
    restored = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(restored.predict(X), reg.predict(X))


def test_warm_start_partial_fit_continue_training():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    clf = MLPClassifier((16,), max_iter=2, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        steps = clf._optimizer.t
        clf.fit(X, y)
    assert clf._optimizer.t == 2 * steps and clf.n_iter_ == 4
    online = MLPClassifier((16,), learning_rate_init=0.01, random_state=0)
    for _ in range(5):
        online.partial_fit(X, y, classes=np.arange(10))
    assert online.n_iter_ == 5 and online.score(X, y) > 0.85
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=np.arange(10))


@pytest.mark.parametrize("params,match", [
    ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes"),
    ({"activation": "softmax"}, "activation"),
    ({"dropout": 1.0}, "dropout"),
])
def test_invalid_mlp_parameters(params, match):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=match):
        MLPClassifier(**params).fit(X, y)
