"""scikit-learn's own estimator checks on every public estimator, none expected to fail."""

import inspect

from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import skdl

ESTIMATORS = [
    skdl.ConvNetClassifier(),
    skdl.ConvNetClassifier(filters=(4, 4), pooling="avg", batch_norm=True),
    skdl.ConvNetClassifier(data_format="channels_last"),
    skdl.ConvNetRegressor(),
    skdl.GaussianClassifier(),
    skdl.GaussianClassifier(covariance="shared"),
    skdl.GaussianClassifier(covariance="diagonal"),
    skdl.LinearRegression(),
    skdl.LogisticRegression(),
    skdl.SoftmaxClassifier(),
    skdl.MLPClassifier(),
    skdl.MLPClassifier(batch_norm=True),
    skdl.MLPRegressor(),
    skdl.MLPRegressor(batch_norm=True),
    skdl.RNNClassifier(),
    skdl.RNNClassifier(cell="jordan"),
    skdl.RNNClassifier(cell="lstm"),
    skdl.RNNClassifier(cell="gru"),
    skdl.RNNRegressor(),
    skdl.RNNRegressor(cell="gru", data_format="channels_first", bidirectional=True),
    skdl.LSTMClassifier(),
    skdl.LSTMRegressor(),
    skdl.OneHotSequenceEncoder(),
    skdl.TextEncoder(),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_every_public_estimator_is_checked():
    checked = {type(est).__name__ for est in ESTIMATORS}
    public = {name for name in skdl.__all__
              if inspect.isclass(getattr(skdl, name))
              and issubclass(getattr(skdl, name), BaseEstimator)}
    assert public == checked, public ^ checked
