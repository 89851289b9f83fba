"""Tests for skdl.gaussian.GaussianClassifier.

The reference models are scikit-learn's LDA, QDA and GaussianNB, and an
explicit Bayes-rule computation with scipy.stats.multivariate_normal.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, logsumexp, softmax
from scipy.stats import multivariate_normal
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.discriminant_analysis import (
    LinearDiscriminantAnalysis,
    QuadraticDiscriminantAnalysis,
)
from sklearn.exceptions import NotFittedError
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler

from skdl.gaussian import GaussianClassifier

MODES = ["full", "shared", "diagonal"]
PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _reference_joint_log_likelihood(X, y, covariance, priors=None):
    """ln p(x|C_k) + ln P(C_k) from the textbook formulas, no reg_covar."""
    classes = np.unique(y)
    if priors is None:
        priors = np.array([np.mean(y == c) for c in classes])
    covs = [np.cov(X[y == c].T, bias=True) for c in classes]  # 1/n_k normaliser
    if covariance == "shared":
        shared = sum(p * c for p, c in zip(np.bincount(np.searchsorted(classes, y))
                                              / len(y), covs))
        covs = [shared] * len(classes)
    elif covariance == "diagonal":
        covs = [np.diag(np.diag(c)) for c in covs]
    return np.column_stack([
        multivariate_normal(X[y == c].mean(axis=0), cov).logpdf(X) + np.log(p)
        for c, cov, p in zip(classes, covs, priors)
    ])


# ------------------------------------------------------------------ parity


def test_shared_matches_lda(wine):
    X, y = wine
    ours = GaussianClassifier("shared", reg_covar=0).fit(X, y).predict_proba(X)
    lda = LinearDiscriminantAnalysis(solver="lsqr").fit(X, y).predict_proba(X)
    assert np.abs(ours - lda).max() < 1e-8


def test_diagonal_matches_gaussian_nb(wine):
    X, y = wine
    ours = GaussianClassifier("diagonal", reg_covar=0).fit(X, y).predict_proba(X)
    gnb = GaussianNB(var_smoothing=0).fit(X, y).predict_proba(X)
    assert np.abs(ours - gnb).max() < 1e-8


@pytest.mark.parametrize("covariance", MODES)
def test_matches_explicit_bayes_rule(wine, covariance):
    X, y = wine
    clf = GaussianClassifier(covariance, reg_covar=0).fit(X, y)
    jll = _reference_joint_log_likelihood(X, y, covariance)
    proba = np.exp(jll - logsumexp(jll, axis=1, keepdims=True))
    assert np.abs(clf.predict_proba(X) - proba).max() < 1e-8
    # Multi-class decision_function is the joint log-likelihood.
    assert_allclose(clf.decision_function(X), jll, rtol=1e-10)


def test_full_matches_qda_with_ml_normaliser(wine):
    X, y = wine
    qda = QuadraticDiscriminantAnalysis(reg_param=0, store_covariance=True).fit(X, y)
    # QDA stores 1/n_k covariances in recent scikit-learn and 1/(n_k - 1)
    # ones in older releases; rescale its eigenvalues to the ML normaliser
    # when needed so that both versions compare the same model.
    for k, c in enumerate(qda.classes_):
        ratio = qda.covariance_[k][0, 0] / np.var(X[y == c, 0])
        n_k = np.sum(y == c)
        assert np.isclose(ratio, 1.0) or np.isclose(ratio, n_k / (n_k - 1))
        qda.scalings_[k] = qda.scalings_[k] / ratio
    ours = GaussianClassifier("full", reg_covar=0).fit(X, y)
    assert np.abs(ours.predict_proba(X) - qda.predict_proba(X)).max() < 1e-8


@pytest.mark.parametrize("covariance", MODES)
def test_maximum_likelihood_estimates(wine, covariance):
    X, y = wine
    clf = GaussianClassifier(covariance, reg_covar=0).fit(X, y)
    counts = np.bincount(y)
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert_allclose(clf.class_count_, counts)
    assert_allclose(clf.priors_, counts / len(y))
    assert_allclose(clf.means_, [X[y == k].mean(axis=0) for k in range(3)])
    ml = np.array([np.cov(X[y == k].T, bias=True) for k in range(3)])
    expected = {
        "full": ml,
        "shared": np.tensordot(counts / len(y), ml, axes=1),
        "diagonal": np.diagonal(ml, axis1=1, axis2=2),
    }[covariance]
    assert clf.covariances_.shape == expected.shape
    assert_allclose(clf.covariances_, expected, atol=1e-12)


# --------------------------------------------------------------- reg_covar


@pytest.mark.parametrize("covariance", MODES)
def test_reg_covar_is_scaled_by_feature_variance(wine, covariance):
    X, y = wine
    X = X * np.arange(1, X.shape[1] + 1)  # features of different scales
    X = np.column_stack([X, np.full(len(X), 5.0)])  # and one constant feature
    plain = GaussianClassifier(covariance, reg_covar=0.0)
    # reg_covar=0 cannot fit the constant feature; compare on the others.
    reg = GaussianClassifier(covariance, reg_covar=0.01).fit(X, y)
    plain.fit(X[:, :-1], y)
    expected = 0.01 * np.append(X[:, :-1].var(axis=0), 1.0)  # 1 for constant
    if covariance == "diagonal":
        added = reg.covariances_[:, :-1] - plain.covariances_
        assert_allclose(reg.covariances_[:, -1], 0.01)
        assert_allclose(added, np.tile(expected[:-1], (3, 1)), rtol=1e-10)
    else:
        added = reg.covariances_[..., :-1, :-1] - plain.covariances_
        assert_allclose(added, np.broadcast_to(np.diag(expected[:-1]), added.shape),
                        rtol=1e-10, atol=1e-12)
        assert_allclose(reg.covariances_[..., -1, -1], 0.01)


@pytest.mark.parametrize("covariance", MODES)
def test_predictions_do_not_depend_on_feature_units(wine, covariance):
    X, y = wine
    scale = np.logspace(-3, 3, X.shape[1])
    a = GaussianClassifier(covariance).fit(X, y).predict_proba(X)
    b = GaussianClassifier(covariance).fit(X * scale, y).predict_proba(X * scale)
    assert_allclose(a, b, atol=1e-10)


@pytest.mark.parametrize("covariance", MODES)
def test_predictions_do_not_depend_on_offset(wine, covariance):
    # Scatter is accumulated from centred data; raw sums of x x^T would lose
    # the within-class spread under a large offset.
    X, y = wine
    a = GaussianClassifier(covariance).fit(X, y).predict_proba(X)
    b = GaussianClassifier(covariance).fit(X + 1e6, y).predict_proba(X + 1e6)
    assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("covariance", MODES)
def test_singular_covariance_raises_unless_regularised(wine, covariance):
    X, y = wine
    # 3.7 is not exactly representable: the class variance of this feature is
    # rounding noise, not an exact zero, and must still be reported.
    X = np.column_stack([X, np.full(len(X), 3.7)])
    X_before = X.copy()
    clf = GaussianClassifier(covariance).fit(X, y)
    with pytest.raises(ValueError, match="not positive definite.*reg_covar"):
        clf.set_params(reg_covar=0).fit(X, y)
    assert_array_equal(X, X_before)
    with pytest.raises(NotFittedError):  # a failed fit leaves no stale model
        clf.predict(X)
    proba = clf.set_params(reg_covar=1e-6).fit(X, y).predict_proba(X)
    assert np.all(np.isfinite(proba))
    # The constant feature carries no information about the class.
    expected = GaussianClassifier(covariance).fit(X[:, :-1], y).predict_proba(X[:, :-1])
    assert_allclose(proba, expected, atol=1e-10)


def test_fewer_samples_than_features_needs_reg_covar():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 20))
    y = np.repeat([0, 1], 6)
    with pytest.raises(ValueError, match="not positive definite"):
        GaussianClassifier("full", reg_covar=0).fit(X, y)
    clf = GaussianClassifier("full").fit(X, y)
    assert clf.score(X, y) == 1.0
    assert np.all(np.isfinite(clf.predict_log_proba(X)))


# --------------------------------------------------------- linear boundary


def test_binary_shared_is_a_sigmoid_of_a_linear_function(cancer):
    X, y = cancer
    clf = GaussianClassifier("shared").fit(X, y)
    assert clf.coef_.shape == (1, X.shape[1]) and clf.intercept_.shape == (1,)
    z = X @ clf.coef_.ravel() + clf.intercept_
    assert_allclose(clf.predict_proba(X)[:, 1], expit(z), rtol=1e-10, atol=1e-14)
    assert_allclose(clf.decision_function(X), z, rtol=1e-9, atol=1e-9)
    assert clf.decision_function(X).shape == (len(X),)
    assert_array_equal(clf.predict(X), (z > 0).astype(int))


def test_multiclass_shared_is_a_softmax_of_linear_functions(wine):
    X, y = wine
    clf = GaussianClassifier("shared").fit(X, y)
    assert clf.coef_.shape == (3, X.shape[1]) and clf.intercept_.shape == (3,)
    logits = X @ clf.coef_.T + clf.intercept_
    assert_allclose(clf.predict_proba(X), softmax(logits, axis=1), atol=1e-12)


def test_coef_formula(wine):
    X, y = wine
    clf = GaussianClassifier("shared").fit(X, y)
    precision = np.linalg.inv(clf.covariances_)
    w = clf.means_ @ precision
    b = -0.5 * np.sum(w * clf.means_, axis=1) + np.log(clf.priors_)
    assert_allclose(clf.coef_, w, rtol=1e-8)
    assert_allclose(clf.intercept_, b, rtol=1e-8)


@pytest.mark.parametrize("covariance", ["full", "diagonal"])
def test_coef_only_for_shared(wine, covariance):
    X, y = wine
    clf = GaussianClassifier("shared").fit(X, y)
    assert hasattr(clf, "coef_")
    clf.set_params(covariance=covariance).fit(X, y)
    for name in ("coef_", "intercept_"):
        assert not hasattr(clf, name)
        with pytest.raises(AttributeError, match="covariance='shared'"):
            getattr(clf, name)
    assert not hasattr(GaussianClassifier("shared"), "coef_")  # unfitted


# ----------------------------------------------------- weights and streaming


def _assert_same_model(a, b):
    assert_array_equal(a.classes_, b.classes_)
    for name in ("class_count_", "priors_", "means_", "covariances_"):
        assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("covariance", MODES)
def test_partial_fit_in_chunks_equals_fit(wine, covariance):
    X, y = wine
    order = np.argsort(y, kind="stable")  # sorted: early chunks miss classes
    X, y = X[order], y[order]
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    full = GaussianClassifier(covariance).fit(X, y, sample_weight=w)
    stream = GaussianClassifier(covariance)
    for chunk in np.array_split(np.arange(len(y)), 7):
        stream.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2],
                           sample_weight=w[chunk])
    _assert_same_model(full, stream)
    assert_allclose(stream.predict_proba(X), full.predict_proba(X), atol=1e-10)


def test_partial_fit_after_fit_continues(wine):
    X, y = wine
    first = np.random.default_rng(0).permutation(len(y))[:100]
    rest = np.setdiff1d(np.arange(len(y)), first)
    a = GaussianClassifier().fit(X[first], y[first]).partial_fit(X[rest], y[rest])
    _assert_same_model(a, GaussianClassifier().fit(X, y))


def test_classes_not_seen_yet_get_zero_probability(wine):
    X, y = wine
    clf = GaussianClassifier("shared").partial_fit(
        X[y != 2], y[y != 2], classes=[0, 1, 2])
    proba = clf.predict_proba(X)
    assert_array_equal(proba[:, 2], 0.0)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert not np.any(clf.predict(X) == 2)


def test_partial_fit_argument_errors(wine):
    X, y = wine
    with pytest.raises(ValueError, match="classes must be passed"):
        GaussianClassifier().partial_fit(X, y)
    clf = GaussianClassifier().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X, y + 1)
    with pytest.raises(ValueError, match="expecting 13 features"):
        clf.partial_fit(X[:, :5], y)
    diag = GaussianClassifier("diagonal").partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="fit to start over"):
        diag.set_params(covariance="full").partial_fit(X, y)


def test_failed_partial_fit_changes_nothing(wine):
    X, y = wine
    clf = GaussianClassifier("full").partial_fit(X, y, classes=[0, 1, 2])
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match="overflowed"):
        clf.partial_fit(X * 1e200, y)
    with pytest.raises(ValueError, match="one entry per class"):
        clf.set_params(priors=[0.5, 0.5]).partial_fit(X, y)
    clf.set_params(priors=None)
    assert_array_equal(clf.predict_proba(X), before)
    assert_allclose(clf.class_count_, np.bincount(y))


@pytest.mark.parametrize("covariance", MODES)
def test_integer_sample_weight_equals_repeating_rows(wine, covariance):
    X, y = wine
    w = np.random.default_rng(1).integers(0, 4, size=len(y))
    weighted = GaussianClassifier(covariance).fit(X, y, sample_weight=w)
    repeated = GaussianClassifier(covariance).fit(np.repeat(X, w, axis=0),
                                                  np.repeat(y, w))
    _assert_same_model(weighted, repeated)
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-10)


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (np.ones(5), "shape"),
        (-np.ones(178), "non-negative"),
        (np.full(178, np.nan), "finite"),
        (np.zeros(178), "weights is zero"),
        (["a"] * 178, "numbers"),
    ],
)
def test_bad_sample_weight(wine, sample_weight, match):
    X, y = wine
    with pytest.raises(ValueError, match=match):
        GaussianClassifier().fit(X, y, sample_weight=sample_weight)


# ------------------------------------------------------------------ priors


@pytest.mark.parametrize("covariance", MODES)
def test_priors_enter_bayes_rule(wine, covariance):
    X, y = wine
    priors = np.array([0.6, 0.3, 0.1])
    clf = GaussianClassifier(covariance, priors=priors, reg_covar=0).fit(X, y)
    assert_array_equal(clf.priors_, priors)
    jll = _reference_joint_log_likelihood(X, y, covariance, priors=priors)
    assert_allclose(clf.predict_log_proba(X),
                    jll - logsumexp(jll, axis=1, keepdims=True), atol=1e-8)
    default = GaussianClassifier(covariance, reg_covar=0).fit(X, y)
    assert np.abs(clf.predict_proba(X) - default.predict_proba(X)).max() > 1e-3
    # A class with prior 0 is never predicted.
    zero = GaussianClassifier(covariance, priors=[0.5, 0.5, 0.0]).fit(X, y)
    assert_array_equal(zero.predict_proba(X)[:, 2], 0.0)


# -------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "params, match",
    [
        ({"covariance": "tied"}, "covariance must be one of"),
        ({"covariance": None}, "covariance must be one of"),
        ({"reg_covar": -1e-3}, "reg_covar must be"),
        ({"reg_covar": np.nan}, "reg_covar must be"),
        ({"reg_covar": "small"}, "reg_covar must be"),
        ({"priors": [0.5, 0.5]}, "one entry per class"),
        ({"priors": [1.2, -0.1, -0.1]}, "non-negative"),
        ({"priors": [0.2, 0.2, 0.2]}, "sum to 1"),
    ],
)
def test_invalid_parameters(wine, params, match):
    X, y = wine
    X = X.copy()
    X_before = X.copy()
    clf = GaussianClassifier(**params)
    assert clf.get_params()[next(iter(params))] is next(iter(params.values()))
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    assert_array_equal(X, X_before)


def _with(X, i, value):
    X = X.astype(object if isinstance(value, str) else float)
    X[0, i] = value
    return X


@pytest.mark.parametrize(
    "make_X, match",
    [
        (lambda X: _with(X, 0, np.nan), "NaN"),
        (lambda X: _with(X, 1, np.inf), "infinity"),
        (lambda X: _with(X, 2, "abc"), "could not convert"),
        (lambda X: X[:0], "0 sample"),
    ],
)
def test_bad_training_data(wine, make_X, match):
    X, y = wine
    X = make_X(X)
    X_before = X.copy()
    with pytest.raises(ValueError, match=match):
        GaussianClassifier().fit(X, y[: len(X)])
    assert_array_equal(X, X_before)


def test_one_class_or_continuous_target(wine):
    X, y = wine
    with pytest.raises(ValueError, match="at least two classes; got 1 class"):
        GaussianClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Unknown label type"):
        GaussianClassifier().fit(X, X[:, 0])


def test_bad_prediction_data(wine):
    X, y = wine
    clf = GaussianClassifier().fit(X, y)
    with pytest.raises(ValueError, match="expecting 13 features"):
        clf.predict(X[:, :5])
    X_nan = _with(X, 0, np.nan)
    X_before = X_nan.copy()
    for method in PREDICT_METHODS:
        with pytest.raises(ValueError, match="NaN"):
            getattr(clf, method)(X_nan)
    assert_array_equal(X_nan, X_before)


def test_unfitted_raises(wine):
    X, _ = wine
    for method in PREDICT_METHODS:
        with pytest.raises(NotFittedError):
            getattr(GaussianClassifier(), method)(X)


# ------------------------------------------------------------- misc / API


@pytest.mark.parametrize("covariance", MODES)
def test_methods_agree_and_labels_are_kept(wine, covariance):
    X, y = wine
    labels = np.array(["barolo", "grignolino", "barbera"])[y]
    clf = GaussianClassifier(covariance).fit(X, labels)
    proba = clf.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_allclose(np.log(proba), clf.predict_log_proba(X), atol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[np.argmax(proba, axis=1)])
    assert_array_equal(
        clf.predict(X), clf.classes_[np.argmax(clf.decision_function(X), axis=1)])
    assert clf.score(X, labels) > 0.95


@pytest.mark.parametrize("covariance", MODES)
def test_pickle_round_trip(wine, covariance):
    X, y = wine
    clf = GaussianClassifier(covariance).fit(X, y)
    clone = pickle.loads(pickle.dumps(clf))
    assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))
    assert_array_equal(clone.decision_function(X), clf.decision_function(X))
