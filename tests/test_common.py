"""scikit-learn's own estimator checks on every public estimator, none expected to fail."""

import inspect

import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.utils.estimator_checks import parametrize_with_checks

import skdl

ESTIMATORS = [
    skdl.GaussianClassifier(),
    skdl.GaussianClassifier(covariance="shared"),
    skdl.GaussianClassifier(covariance="diagonal"),
    skdl.LinearRegression(),
    skdl.LogisticRegression(),
    skdl.SoftmaxClassifier(),
    skdl.MLPClassifier(),
    skdl.MLPRegressor(),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_every_public_estimator_is_checked():
    checked = {type(est).__name__ for est in ESTIMATORS}
    public = {name for name in skdl.__all__
              if inspect.isclass(getattr(skdl, name))
              and (is_classifier(getattr(skdl, name)()) or is_regressor(getattr(skdl, name)()))}
    assert public <= checked, public - checked
