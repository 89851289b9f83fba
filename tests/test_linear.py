import pickle

import joblib
import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.linear_model import Ridge
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

from skdl import LinearRegression, LogisticRegression, SoftmaxClassifier

TIGHT = dict(solver="lbfgs", tol=1e-10, max_iter=10000)


def _standardised(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("alpha", [0.1, 1.0, 10.0])
def test_linear_regression_reaches_ridge(alpha):
    X, y = _standardised(load_diabetes)
    y = (y - y.mean()) / y.std()
    ours = LinearRegression(alpha=alpha, **TIGHT).fit(X, y)
    ridge = Ridge(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), ridge.predict(X), atol=1e-4)
    np.testing.assert_allclose(ours.coef_.ravel(), ridge.coef_, atol=1e-4)


@pytest.mark.parametrize("alpha", [0.1, 1.0])
def test_logistic_regression_reaches_sklearn_binary(alpha):
    X, y = _standardised(load_breast_cancer)
    ours = LogisticRegression(alpha=alpha, **TIGHT).fit(X, y)
    ref = SkLogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-3)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-2)


def test_logistic_regression_multiclass_is_one_vs_rest():
    X, y = _standardised(load_wine)
    ours = LogisticRegression(alpha=1.0, **TIGHT).fit(X, y)
    ref = OneVsRestClassifier(SkLogisticRegression(C=1.0, tol=1e-12, max_iter=10000)).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-3)
    np.testing.assert_allclose(np.exp(ours.predict_log_proba(X)), ours.predict_proba(X), rtol=1e-10)


@pytest.mark.parametrize("alpha", [0.1, 1.0])
def test_softmax_classifier_reaches_multinomial_sklearn(alpha):
    X, y = _standardised(load_wine)
    ours = SoftmaxClassifier(alpha=alpha, **TIGHT).fit(X, y)
    ref = SkLogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-3)


def test_softmax_binary_is_the_logistic_model():
    X, y = _standardised(load_breast_cancer)
    soft = SoftmaxClassifier(alpha=1.0, **TIGHT).fit(X, y)
    logit = LogisticRegression(alpha=1.0, **TIGHT).fit(X, y)
    np.testing.assert_allclose(soft.predict_proba(X), logit.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("solver", ["sgd", "adam", "adagrad", "rmsprop", "swats"])
def test_every_stochastic_solver_approaches_the_optimum(solver):
    X, y = _standardised(load_wine)
    exact = SoftmaxClassifier(alpha=1.0, **TIGHT).fit(X, y)
    lr = {"sgd": 0.05, "adagrad": 0.1}.get(solver, 0.01)
    clf = SoftmaxClassifier(alpha=1.0, solver=solver, learning_rate_init=lr, max_iter=300,
                            tol=1e-6, n_iter_no_change=20, random_state=0).fit(X, y)
    assert clf.loss_ < exact.loss_ + 0.02
    assert clf.score(X, y) >= 0.97


def test_sample_weight_equals_repetition():
    X, y = _standardised(load_iris)
    weights = np.random.default_rng(0).integers(0, 3, size=len(y))
    weighted = SoftmaxClassifier(alpha=1.0, **TIGHT).fit(X, y, sample_weight=weights)
    repeated = SoftmaxClassifier(alpha=1.0, **TIGHT).fit(np.repeat(X, weights, axis=0),
                                                         np.repeat(y, weights))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-6)


def test_class_weight_balanced_equals_explicit_sample_weight():
    X, y = _standardised(load_breast_cancer)
    counts = np.bincount(y)
    sw = (len(y) / (2 * counts))[y]
    balanced = LogisticRegression(alpha=1.0, class_weight="balanced", **TIGHT).fit(X, y)
    explicit = LogisticRegression(alpha=1.0, **TIGHT).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(balanced.predict_proba(X), explicit.predict_proba(X), atol=1e-5)
    heavy = LogisticRegression(alpha=1.0, class_weight={0: 10.0, 1: 1.0}, **TIGHT).fit(X, y)
    plain = LogisticRegression(alpha=1.0, **TIGHT).fit(X, y)
    assert (heavy.predict(X) == 0).sum() > (plain.predict(X) == 0).sum()


@pytest.mark.parametrize("Estimator", [LinearRegression, LogisticRegression, SoftmaxClassifier])
def test_same_random_state_gives_identical_model(Estimator):
    X, y = _standardised(load_wine)
    a = Estimator(solver="adam", max_iter=5, random_state=3).fit(X, y)
    b = Estimator(solver="adam", max_iter=5, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.network_.flat_params, b.network_.flat_params)


@pytest.mark.parametrize("Estimator", [LinearRegression, LogisticRegression, SoftmaxClassifier])
def test_pickle_and_joblib_round_trips(Estimator, tmp_path):
    X, y = _standardised(load_wine)
    est = Estimator(alpha=1.0).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    joblib.dump(est, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    for other in (restored, loaded):
        np.testing.assert_array_equal(other.predict(X), est.predict(X))
        np.testing.assert_array_equal(other.coef_, est.coef_)


def test_warm_start_and_partial_fit_keep_the_optimizer_state():
    X, y = _standardised(load_wine)
    clf = SoftmaxClassifier(solver="adam", max_iter=3, warm_start=True, random_state=0,
                            n_iter_no_change=100).fit(X, y)
    optimizer = clf._optimizer
    steps = optimizer.t
    clf.fit(X, y)
    assert clf._optimizer is optimizer and optimizer.t == 2 * steps
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 6     # n_iter_: the last fit

    # Continuing with warm_start equals training longer in one go.
    once = SoftmaxClassifier(solver="adam", max_iter=6, random_state=0, n_iter_no_change=100)
    np.testing.assert_allclose(once.fit(X, y).network_.flat_params, clf.network_.flat_params)

    stream = SoftmaxClassifier(solver="sgd", random_state=0, learning_rate_init=0.05)
    for chunk in np.array_split(np.arange(len(y)), 4):
        stream.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
    assert stream._optimizer.t == 4 and stream.n_iter_ == 1 and len(stream.loss_curve_) == 4
    assert stream.score(X, y) > 0.8


def test_partial_fit_needs_classes_and_rejects_unknown_labels():
    X, y = _standardised(load_iris)
    clf = LogisticRegression(solver="sgd")
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1])
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X, y)
    assert not hasattr(LogisticRegression(), "partial_fit")  # lbfgs has none


def test_string_labels_and_decision_function_shapes():
    X, y = _standardised(load_iris)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = SoftmaxClassifier(alpha=1.0).fit(X, names)
    assert set(clf.predict(X)) <= set(names)
    assert clf.decision_function(X).shape == (150, 3)
    binary = LogisticRegression().fit(X[y < 2], names[y < 2])
    assert binary.decision_function(X).shape == (150,)
    assert binary.coef_.shape == (1, 4) and binary.intercept_.shape == (1,)


BAD_PARAMS = [
    ({"alpha": -1.0}, "alpha"),
    ({"solver": "newton"}, "solver"),
    ({"learning_rate_init": 0.0}, "learning_rate_init"),
    ({"max_iter": 0}, "max_iter"),
    ({"batch_size": 0}, "batch_size"),
    ({"learning_rate": "cosine"}, "learning_rate"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"beta_1": 1.0}, "beta_1"),
    ({"dtype": np.int32}, "dtype"),
    ({"momentum": 1.5}, "momentum"),
]


@pytest.mark.parametrize("Estimator", [LinearRegression, LogisticRegression, SoftmaxClassifier])
@pytest.mark.parametrize("params,name", BAD_PARAMS)
def test_invalid_parameters_raise_clear_errors(Estimator, params, name):
    X, y = _standardised(load_iris)
    with pytest.raises(ValueError, match=f"'{name}' parameter of {Estimator.__name__}"):
        Estimator(**params).fit(X, y)


@pytest.mark.parametrize("Estimator", [LinearRegression, LogisticRegression, SoftmaxClassifier])
def test_bad_input_raises_and_leaves_inputs_untouched(Estimator):
    X, y = _standardised(load_iris)
    X, y = X.copy(), y.copy()
    for bad, match in [(np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X), "NaN"),
                       (np.where(np.arange(X.size).reshape(X.shape) == 7, np.inf, X), "infinity"),
                       (X[:0], "0 sample"),
                       (X.astype(str).astype(object) + "x", "convert")]:
        before = bad.copy()
        with pytest.raises(ValueError, match=match):
            Estimator().fit(bad, y[:len(bad)])
        np.testing.assert_array_equal(bad, before)
    est = Estimator().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :3])
    sw = np.ones(len(y))
    sw[0] = -1
    with pytest.raises(ValueError, match="Negative"):
        Estimator().fit(X, y, sample_weight=sw)
    assert sw[0] == -1


def test_one_class_is_a_clear_error():
    X, _ = _standardised(load_iris)
    with pytest.raises(ValueError, match="at least 2 classes"):
        LogisticRegression().fit(X, np.zeros(len(X)))


@pytest.mark.parametrize("Estimator", [LinearRegression, SoftmaxClassifier])
def test_diverging_learning_rate_is_a_clear_error(Estimator):
    X, y = _standardised(load_wine)
    X_before = X.copy()
    est = Estimator(solver="sgd", learning_rate_init=1e4, momentum=0.0, max_iter=500,
                    n_iter_no_change=500, random_state=0)
    with pytest.raises(ValueError, match="learning_rate_init=10000.0"):
        est.fit(X * 100, y)
    np.testing.assert_array_equal(X, X_before)


def _sparse_problem(classification):
    """Standardised wine with about 60% of its values set to zero."""
    X, y = _standardised(load_wine)
    X = np.where(np.abs(X) < 0.8, 0.0, X)
    return X, (y if classification else X[:, 0] - 2 * X[:, 5] + 0.1 * y)


@pytest.mark.parametrize("kind", [scipy.sparse.csr_matrix, scipy.sparse.csc_array,
                                  scipy.sparse.coo_array])
@pytest.mark.parametrize("Estimator", [LinearRegression, LogisticRegression, SoftmaxClassifier])
def test_sparse_input_reaches_the_dense_optimum(Estimator, kind):
    X, y = _sparse_problem(Estimator is not LinearRegression)
    dense = Estimator(alpha=1.0, **TIGHT).fit(X, y)
    sparse = Estimator(alpha=1.0, **TIGHT).fit(kind(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-5)
    # (A softmax's intercepts are unique only up to a common shift.)
    method = "predict" if Estimator is LinearRegression else "predict_proba"
    np.testing.assert_allclose(getattr(sparse, method)(kind(X)), getattr(dense, method)(X),
                               atol=1e-6)


@pytest.mark.parametrize("Estimator", [LogisticRegression, SoftmaxClassifier])
def test_sparse_input_is_left_untouched(Estimator):
    X, y = _sparse_problem(classification=True)
    X_sparse = scipy.sparse.csr_matrix(X)
    # Unsorted column indices within rows: nothing may sort them in place.
    for row in range(X_sparse.shape[0]):
        start, stop = X_sparse.indptr[row], X_sparse.indptr[row + 1]
        X_sparse.indices[start:stop] = X_sparse.indices[start:stop][::-1].copy()
        X_sparse.data[start:stop] = X_sparse.data[start:stop][::-1].copy()
    X_sparse.has_sorted_indices = False
    before = [array.copy() for array in (X_sparse.data, X_sparse.indices, X_sparse.indptr)]
    model = Estimator(solver="adam", batch_size=32, max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X_sparse, y)
    model.predict_proba(X_sparse)
    for array, saved in zip((X_sparse.data, X_sparse.indices, X_sparse.indptr), before):
        np.testing.assert_array_equal(array, saved)
    np.testing.assert_array_equal(X_sparse.toarray(), X)


def test_sparse_linear_regression_equals_ridge_and_trains_in_mini_batches():
    X, y = _sparse_problem(classification=False)
    X_sparse = scipy.sparse.csr_array(X)
    ridge = Ridge(alpha=1.0).fit(X, y)                  # exact (its sparse solvers iterate)
    ours = LinearRegression(alpha=1.0, **TIGHT).fit(X_sparse, y)
    np.testing.assert_allclose(ours.coef_.ravel(), ridge.coef_, atol=1e-5)
    adam = LinearRegression(alpha=1.0, solver="adam", learning_rate_init=0.01, batch_size=32,
                            max_iter=500, tol=1e-6, n_iter_no_change=20,
                            random_state=0).fit(X_sparse, y)
    assert adam.score(X_sparse, y) > ridge.score(X, y) - 0.01
