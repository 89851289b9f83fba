import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import load_digits, load_iris, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor
from sklearn.model_selection import GridSearchCV, train_test_split
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
    assert clf._optimizer.t == 2 * steps
    # n_iter_ counts the last fit (scikit-learn's rule); the loss curve goes on.
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 4
    online = MLPClassifier((16,), learning_rate_init=0.01, random_state=0)
    for _ in range(5):
        online.partial_fit(X, y, classes=np.arange(10))
    assert online.n_iter_ == 1 and len(online.loss_curve_) == 5
    assert online.score(X, y) > 0.85
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


# ------------------------------------------------------------- sparse input
SPARSE_KINDS = [scipy.sparse.csr_matrix, scipy.sparse.csc_matrix, scipy.sparse.csr_array,
                scipy.sparse.csc_array]


def _sparse_digits():
    X, y = load_digits(return_X_y=True)
    X = X[:500] / 16
    X[X < 0.3] = 0.0                                   # about half the values are zero
    return X, y[:500]


@pytest.mark.parametrize("kind", SPARSE_KINDS)
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_sparse_input_trains_and_predicts_as_dense(kind, Estimator):
    X, y = _sparse_digits()
    target = y if Estimator is MLPClassifier else X[:, 20] - X[:, 43]
    params = dict(hidden_layer_sizes=(16,), max_iter=5, batch_size=64, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = Estimator(**params).fit(X, target)
        sparse = Estimator(**params).fit(kind(X), target)
    # The same steps from the same start: equal up to the order of the sums.
    np.testing.assert_allclose(sparse.network_.flat_params, dense.network_.flat_params,
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sparse.predict(kind(X)), sparse.predict(X), rtol=1e-12)
    if Estimator is MLPClassifier:
        np.testing.assert_array_equal(sparse.predict(kind(X)), dense.predict(X))
        np.testing.assert_allclose(sparse.predict_proba(kind(X)), dense.predict_proba(X),
                                   rtol=1e-8, atol=1e-12)


def test_sparse_input_with_early_stopping_float32_and_lbfgs():
    X, y = _sparse_digits()
    X_sparse = scipy.sparse.csr_array(X.astype(np.float32))
    clf = MLPClassifier((16,), early_stopping=True, learning_rate_init=0.01, max_iter=30,
                        random_state=0).fit(X_sparse, y)
    assert clf.coefs_[0].dtype == np.float32 and len(clf.validation_scores_) == clf.n_iter_
    assert clf.score(X_sparse, y) > 0.85
    np.testing.assert_allclose(clf.hidden_activations(X_sparse), clf.hidden_activations(X),
                               rtol=1e-5, atol=1e-5)
    # L-BFGS on sparse and dense data: both converge (rounding makes the paths
    # differ, not the optimum).
    reg = MLPRegressor((8,), solver="lbfgs", alpha=1.0, max_iter=2000, tol=1e-10,
                       random_state=0)
    target = X[:, 20] - X[:, 43]
    dense = reg.fit(X, target).predict(X)
    dense_loss = reg.loss_
    sparse = reg.fit(scipy.sparse.csc_matrix(X), target).predict(X)
    assert reg.loss_ == pytest.approx(dense_loss, rel=1e-6)
    np.testing.assert_allclose(sparse, dense, atol=1e-3)


def test_sparse_prediction_runs_in_chunks_of_rows(monkeypatch):
    import skdl.network
    X, y = _sparse_digits()
    clf = MLPClassifier((16,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(scipy.sparse.csr_matrix(X), y)
    whole = clf.predict_proba(scipy.sparse.csr_matrix(X))
    # A budget of a few rows: each chunk is a slice of sparse rows, cast on its own.
    monkeypatch.setattr(skdl.network, "INFERENCE_BUDGET", 3 * 8 * (64 + 16 + 10))
    assert clf.network_.chunk_rows(X) == 3
    chunked = clf.predict_proba(scipy.sparse.csr_matrix(X.astype(np.float32)))
    np.testing.assert_allclose(chunked, whole, rtol=1e-6)


# ----------------------------------------------------------- Poisson loss
def test_poisson_regressor_has_a_log_link():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(300, 3))
    y = rng.poisson(np.exp(X @ [1.0, -0.5, 0.3] + 0.5))
    glm = PoissonRegressor(alpha=0, tol=1e-10).fit(X, y)
    # No hidden layer: one identity unit between input and output is a GLM.
    mlp = MLPRegressor((1,), loss="poisson", activation="identity", alpha=0, solver="lbfgs",
                       tol=1e-10, max_iter=1000, random_state=0).fit(X, y)
    assert mlp.out_activation_ == "exp"
    np.testing.assert_allclose(mlp.predict(X), glm.predict(X), rtol=1e-5)
    # Mini-batches and a hidden layer: positive predictions, a falling loss.
    deep = MLPRegressor((16,), loss="poisson", learning_rate_init=0.01, max_iter=50,
                        random_state=0).fit(X, y)
    assert np.all(deep.predict(X) > 0) and deep.loss_curve_[-1] < deep.loss_curve_[0]
    with pytest.raises(ValueError, match="negative"):
        MLPRegressor(loss="poisson").fit(X, y - 1.0)
    with pytest.raises(ValueError, match="'loss' parameter"):
        MLPRegressor(loss="absolute_error").fit(X, y)


# ------------------------------------------------- scikit-learn's semantics
def test_one_class_fits_and_predicts_that_class():
    X, _ = load_iris(return_X_y=True)
    y = np.full(len(X), "setosa")
    clf = MLPClassifier((4,), early_stopping=True, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert list(clf.classes_) == ["setosa"]
    assert np.all(clf.predict(X) == "setosa")
    np.testing.assert_array_equal(clf.predict_proba(X), np.ones((len(X), 1)))
    np.testing.assert_array_equal(clf.predict_log_proba(X), np.zeros((len(X), 1)))


def test_partial_fit_classes_as_scikit_learn():
    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier((8,), learning_rate_init=0.05, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[2, 1, 0])     # class 2 not seen yet
    clf.partial_fit(X, y, classes=[0, 1, 2])                   # the same classes, any order
    with pytest.raises(ValueError, match=r"classes=\[1, 2, 3\] is not the same.*\[0, 1, 2\]"):
        clf.partial_fit(X, y, classes=[1, 2, 3])
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes"):
        clf.partial_fit(X[:2], [0, 7])
    for _ in range(30):
        clf.partial_fit(X, y)
    assert clf.score(X[y == 2], y[y == 2]) > 0.8               # the unseen class, learned
    # Multi-label targets: classes= names the columns.
    X_ml, Y_ml = make_multilabel_classification(n_samples=60, n_classes=4, random_state=0)
    multilabel = MLPClassifier((8,), random_state=0).partial_fit(X_ml, Y_ml, classes=range(4))
    assert multilabel.predict(X_ml).shape == (60, 4)
    with pytest.raises(ValueError, match="column indices"):
        MLPClassifier().partial_fit(X_ml, Y_ml, classes=["a", "b", "c", "d"])


def test_errors_name_the_users_labels():
    X, y = load_iris(return_X_y=True)
    from skdl import LogisticRegression
    with pytest.raises(ValueError, match="only 1 class: 'setosa'"):
        LogisticRegression().fit(X, np.full(len(X), "setosa"))
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = MLPClassifier((4,), random_state=0).partial_fit(X, names, classes=np.unique(names))
    with pytest.raises(ValueError, match=r"labels \['rose'\] that are not in classes="
                                         r"\['setosa', 'versicolor', 'virginica'\]"):
        clf.partial_fit(X[:1], ["rose"])
    # Early stopping splits binary targets as scikit-learn's MLP does: the same
    # message (scikit-learn 1.9's names the class: ['True'], 1.6's does not).
    binary = ["no", "no", "no", "yes"]
    with pytest.raises(ValueError) as ours:
        MLPClassifier(early_stopping=True).fit(X[:4], binary)
    with pytest.raises(ValueError) as theirs:
        SkMLPClassifier(early_stopping=True).fit(X[:4], binary)
    assert str(ours.value) == str(theirs.value)
    # Other targets are split on the user's labels: the splitter's own message.
    three = np.array(["a"] * 5 + ["b"] * 5 + ["c"])
    with pytest.raises(ValueError) as ours:
        MLPClassifier(early_stopping=True).fit(X[:11], three)
    with pytest.raises(ValueError) as split:
        train_test_split(X[:11], three, test_size=0.1, stratify=three)
    assert str(ours.value) == str(split.value)


def test_n_iter_counts_the_last_fit_and_warm_starts_warn():
    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier((4,), solver="sgd", warm_start=True, max_iter=3,
                        n_iter_no_change=np.inf, random_state=0)
    for max_iter in (3, 5):
        with pytest.warns(ConvergenceWarning):
            clf.set_params(max_iter=max_iter).fit(X, y)
        assert clf.n_iter_ == max_iter
    assert len(clf.loss_curve_) == 8 and clf.t_ == 8 * len(X)
    with pytest.raises(ValueError, match="n_iter_no_change"):
        MLPClassifier(n_iter_no_change=2.5).fit(X, y)


def test_log_proba_agrees_with_proba_when_probabilities_saturate():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    clf = MLPClassifier((2,), activation="identity", max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1], [0, 0, 0]]))
    # Logits far beyond where the sigmoid rounds to 1.0 (and to 0.0 below).
    clf.coefs_[1][...] = [[40.0, 50.0, -1000.0], [0.0, 0.0, 0.0]]
    clf.coefs_[0][...] = [[1.0, 0.0]]
    clf.intercepts_[0][...] = 1.0
    clf.intercepts_[1][...] = 0.0
    proba, log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    assert np.all(proba[:, :2] == 1.0) and np.all(proba[:, 2] == 0.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), log_proba.argmax(axis=1))
    np.testing.assert_array_equal(log_proba[:, :2], 0.0)
    # Where a probability underflowed to 0, its logarithm is still exact.
    np.testing.assert_allclose(log_proba[:, 2], -1000.0 * (X[:, 0] + 1.0), rtol=1e-12)
