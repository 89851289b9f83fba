"""``python -m skdl``: train every skdl estimator next to its scikit-learn counterpart.

Each row fits both models on the same split of a dataset bundled with
scikit-learn (standardised inside a pipeline) and prints the test score
(accuracy for classifiers, R^2 for regressors) and the fit time.
"""

import time
import warnings

import numpy as np
from sklearn import datasets, discriminant_analysis, linear_model, naive_bayes, neural_network
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdl


def _load(name):
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    if name == "diabetes":
        y = (y - y.mean()) / y.std()
    return train_test_split(X, y, test_size=0.25, random_state=0)


def _mlp(cls, **kw):
    return cls(hidden_layer_sizes=(64,), max_iter=200, early_stopping=False,
               random_state=0, **kw)


def comparisons():
    """(skdl model, dataset, scikit-learn model) rows; new estimators add theirs here."""
    rows = [
        (skdl.LinearRegression(alpha=1.0), "diabetes", linear_model.Ridge(alpha=1.0)),
        (skdl.LogisticRegression(alpha=1.0), "breast_cancer", linear_model.LogisticRegression(C=1.0)),
        (skdl.SoftmaxClassifier(alpha=1.0), "digits", linear_model.LogisticRegression(C=1.0)),
        (skdl.GaussianClassifier(covariance="shared"), "wine",
         discriminant_analysis.LinearDiscriminantAnalysis()),
        (skdl.GaussianClassifier(covariance="full", reg_covar=1e-2), "wine",
         discriminant_analysis.QuadraticDiscriminantAnalysis(reg_param=1e-2)),
        (skdl.GaussianClassifier(covariance="diagonal"), "wine", naive_bayes.GaussianNB()),
        (_mlp(skdl.MLPClassifier), "digits", _mlp(neural_network.MLPClassifier)),
        (_mlp(skdl.MLPClassifier, dtype=np.float32), "digits", _mlp(neural_network.MLPClassifier)),
        (_mlp(skdl.MLPRegressor, alpha=1.0), "diabetes", _mlp(neural_network.MLPRegressor, alpha=1.0)),
        (skdl.ConvNetClassifier(input_shape=(8, 8), filters=(16, 32), hidden_layer_sizes=(64,),
                                max_iter=30, learning_rate_init=0.003, random_state=0),
         "digits", _mlp(neural_network.MLPClassifier)),
        # Digits read as sequences: 8 rows (time steps) of 8 pixels.
        (skdl.RNNClassifier(input_shape=(8, 8), max_iter=30, learning_rate_init=0.01,
                            random_state=0), "digits", _mlp(neural_network.MLPClassifier)),
        (skdl.LSTMClassifier(input_shape=(8, 8), max_iter=30, learning_rate_init=0.01,
                             random_state=0), "digits", _mlp(neural_network.MLPClassifier)),
        (skdl.RNNClassifier(input_shape=(8, 8), cell="gru", max_iter=30,
                            learning_rate_init=0.01, random_state=0),
         "digits", _mlp(neural_network.MLPClassifier)),
    ]
    return rows


def _fit_score(model, split):
    X_train, X_test, y_train, y_test = split
    pipe = make_pipeline(StandardScaler(), model)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return pipe.score(X_test, y_test), seconds


def _describe(model):
    name = type(model).__name__
    if isinstance(model, skdl.GaussianClassifier):
        return f"{name}({model.covariance!r})"
    if getattr(model, "dtype", None) is np.float32:
        return f"{name}(float32)"
    if getattr(model, "input_shape", None) is not None:
        cell = getattr(model, "cell", "elman")
        return f"{name}{model.input_shape}" + ("" if cell == "elman" else f"({cell!r})")
    return name


def main():
    header = (f"{'skdl estimator':34} {'dataset':14} {'score':>6} {'fit s':>7}   "
              f"{'scikit-learn counterpart':30} {'score':>6} {'fit s':>7}")
    print("Test score (accuracy, or R^2 for regressors) and fit time on a 75/25 split\n")
    print(header)
    print("-" * len(header))
    cache = {}
    for ours, dataset, theirs in comparisons():
        split = cache.setdefault(dataset, _load(dataset))
        our_score, our_time = _fit_score(ours, split)
        their_score, their_time = _fit_score(theirs, split)
        print(f"{_describe(ours):34} {dataset:14} {our_score:6.3f} {our_time:7.3f}   "
              f"{_describe(theirs):30} {their_score:6.3f} {their_time:7.3f}")


if __name__ == "__main__":
    main()
