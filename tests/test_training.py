import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skdl import MLPClassifier, SoftmaxClassifier
from skdl._training import resolve_batch_size


def test_batch_size_auto_and_clipping():
    assert resolve_batch_size("auto", 1000) == 200
    assert resolve_batch_size("auto", 50) == 50
    with pytest.warns(UserWarning, match="clipped"):
        assert resolve_batch_size(500, 100) == 100


def test_loss_curve_and_iteration_counts():
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    clf = SoftmaxClassifier(solver="sgd", learning_rate_init=0.1, max_iter=15,
                            tol=0, n_iter_no_change=100, batch_size=40, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.n_iter_ == 15 and len(clf.loss_curve_) == 15
    assert clf.t_ == 15 * 120
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.loss_ == clf.loss_curve_[-1]


def test_training_stops_when_the_loss_stops_improving():
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    clf = SoftmaxClassifier(solver="adam", learning_rate_init=0.1, max_iter=1000,
                            tol=1e-3, n_iter_no_change=3, random_state=0).fit(X, y)
    assert clf.n_iter_ < 1000
    # Stopped after more than n_iter_no_change epochs, each no better than
    # the best loss before it by tol.
    curve = clf.loss_curve_
    n = len(curve)
    assert all(curve[i] > min(curve[:i]) - 1e-3 for i in range(n - 4, n))
    assert not all(curve[i] > min(curve[:i]) - 1e-3 for i in range(n - 5, n))


def test_diverging_fit_names_the_learning_rate():
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    X = X * 1e3
    X_before = X.copy()
    clf = MLPClassifier(hidden_layer_sizes=(20,), solver="sgd", learning_rate_init=1e6,
                        activation="identity", random_state=0, max_iter=100,
                        n_iter_no_change=100)
    with pytest.raises(ValueError, match="learning_rate_init=1000000.0"):
        clf.fit(X, y)
    np.testing.assert_array_equal(X, X_before)


def test_verbose_prints_one_line_per_epoch(capsys):
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    SoftmaxClassifier(solver="adam", max_iter=3, verbose=True, early_stopping=True,
                      n_iter_no_change=50, random_state=0).fit(X, y)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("Iteration")]
    assert len(lines) == 3
    assert "loss = " in lines[0] and "validation score = " in lines[0] and lines[0].endswith(" s")
