import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (check_scoring, f1_score, log_loss, make_scorer,
                             mean_absolute_error)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from skdl import (ConvNetClassifier, LogisticRegression, MLPClassifier, MLPRegressor,
                  SoftmaxClassifier)
from skdl._assembly import dense_head
from skdl._training import Trainer, add_scaled, resolve_batch_size
from skdl.losses import LOSSES
from skdl.network import Sequential
from skdl.utils.gradient_check import numerical_gradient, relative_error


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


def _weighted_problem(rng, loss_name, n=60):
    """A small network, data, targets for ``loss_name`` and very uneven weights."""
    X = rng.standard_normal((n, 4))
    if loss_name == "squared_error":
        Y = rng.standard_normal((n, 2))
    elif loss_name == "poisson":
        Y = rng.poisson(2.0, size=(n, 2)).astype(float)
    elif loss_name == "binary_log_loss":
        Y = rng.integers(0, 2, size=(n, 2)).astype(float)
    else:
        Y = np.eye(3)[rng.integers(0, 3, size=n)]
    weights = rng.choice([0.0, 0.5, 1.0, 40.0], size=n, p=[0.2, 0.4, 0.35, 0.05])
    network = Sequential(dense_head((5,), Y.shape[1], "tanh", ())).build((4,), rng)
    return network, X, Y, weights


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_mini_batches_estimate_the_full_weighted_objective_without_bias(rng, loss_name):
    network, X, Y, weights = _weighted_problem(rng, loss_name)
    trainer = Trainer(network, LOSSES[loss_name], alpha=0.0, sample_weight=weights)
    full = trainer.objective(X, Y, weights)
    full_grad = trainer.flat_grads.copy()
    # Each sample lands in one of the equal batches of an epoch: the batches'
    # mean objective and gradient are the full ones, for any weights they hold.
    batches = np.array_split(rng.permutation(len(X)), 6)
    values, grads = [], []
    for batch in batches:
        values.append(trainer.objective(X[batch], Y[batch], weights[batch]))
        grads.append(trainer.flat_grads.copy())
    assert np.mean(values) == pytest.approx(full, rel=1e-12)
    np.testing.assert_allclose(np.mean(grads, axis=0), full_grad, rtol=1e-10, atol=1e-14)
    # Normalising each batch by its own weight sum (the old rule) is biased.
    own = [LOSSES[loss_name](Y[b], network.forward(X[b]), weights[b])[0] for b in batches]
    assert abs(np.mean(own) - full) > 1e-3 * abs(full)


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_batch_objective_gradient_matches_finite_differences(rng, loss_name):
    network, X, Y, weights = _weighted_problem(rng, loss_name)
    trainer = Trainer(network, LOSSES[loss_name], alpha=0.3, sample_weight=weights)
    batch = slice(5, 17)                 # a mini-batch, normalised by the training set

    def objective():
        return trainer.objective(X[batch], Y[batch], weights[batch])

    objective()
    analytic = trainer.flat_grads.copy()
    numeric = numerical_gradient(objective, network.flat_params)
    assert relative_error(analytic, numeric) < 1e-7


@pytest.mark.parametrize("block_size", [1, 4, 7, 10, 64])
def test_add_scaled_matches_axpy_whatever_the_block(rng, block_size):
    # Blocks that divide the length, leave a remainder, equal it or exceed it.
    target, source = rng.standard_normal(10), rng.standard_normal(10)
    expected, source_before = target + 0.25 * source, source.copy()
    add_scaled(target, source, 0.25, np.empty(block_size))
    np.testing.assert_allclose(target, expected, rtol=1e-15)
    np.testing.assert_array_equal(source, source_before)


def test_penalty_gradient_in_blocks_equals_one_block(rng, monkeypatch):
    network, X, Y, weights = _weighted_problem(rng, "log_loss")
    whole = Trainer(network, LOSSES["log_loss"], alpha=0.3, sample_weight=weights)
    whole.objective(X, Y, weights)
    monkeypatch.setattr("skdl._training._PENALTY_BLOCK", 3)
    blocked = Trainer(network, LOSSES["log_loss"], alpha=0.3, sample_weight=weights)
    assert len(blocked._penalty_block) == 3 < network.n_regularized
    blocked.objective(X, Y, weights)
    np.testing.assert_allclose(blocked.flat_grads, whole.flat_grads, rtol=1e-14)


def test_lbfgs_runs_scipys_blas_on_one_thread(monkeypatch):
    # L-BFGS-B's BLAS alternating with NumPy's: see skdl._blas_threads.
    from threadpoolctl import threadpool_info, threadpool_limits

    from skdl._blas_threads import foreign_blas_paths

    foreign = foreign_blas_paths(threadpool_info())
    if not foreign:
        pytest.skip("NumPy and SciPy share one BLAS here (or it is not recognised)")
    seen, objective = [], Trainer.objective

    def spy(self, *args, **kwargs):
        seen.append({pool["filepath"]: pool["num_threads"] for pool in threadpool_info()})
        return objective(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "objective", spy)
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    with threadpool_limits(limits=2, user_api="blas"):
        MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=5).fit(X, y)
        after = {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()}
    assert seen and all(counts[path] == 1 for counts in seen for path in foreign)
    assert all(after[path] == 2 for path in foreign)


def test_full_batch_objective_is_the_weighted_mean_plus_penalty(rng):
    network, X, Y, weights = _weighted_problem(rng, "log_loss")
    trainer = Trainer(network, LOSSES["log_loss"], alpha=0.3, sample_weight=weights)
    value = trainer.objective(X, Y, weights)
    W = network.flat_params[:network.n_regularized]
    mean_loss = LOSSES["log_loss"](Y, network.forward(X), weights)[0]
    assert value == pytest.approx(mean_loss + 0.15 * (W @ W) / weights.sum(), rel=1e-12)
    # Without weights, scikit-learn's mini-batch rule: penalty alpha / (2 * batch size).
    plain = Trainer(network, LOSSES["log_loss"], alpha=0.3)
    unweighted = LOSSES["log_loss"](Y[:10], network.forward(X[:10]))[0]
    assert plain.objective(X[:10], Y[:10], None) == pytest.approx(
        unweighted + 0.15 * (W @ W) / 10, rel=1e-12)


def test_minibatch_adam_reaches_the_lbfgs_optimum_with_class_weights():
    # The imbalanced problem of issue 13: 19,960 : 40 samples, class_weight=
    # "balanced" (weights 0.5 and 250), batches of 200. Normalising each batch
    # by its own weight sum scaled down the batches holding a minority sample:
    # Adam ended at intercept -2.34 against the optimum's -1.33.
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (19960, 2)), rng.normal(1, 1, (40, 2))])
    y = np.r_[np.zeros(19960, int), np.ones(40, int)]
    exact = LogisticRegression(class_weight="balanced", tol=1e-8, random_state=0).fit(X, y)
    adam = LogisticRegression(solver="adam", class_weight="balanced", batch_size=200,
                              learning_rate_init=0.01, max_iter=40, tol=0, random_state=0,
                              n_iter_no_change=1000)
    with pytest.warns(ConvergenceWarning):
        adam.fit(X, y)
    np.testing.assert_allclose(adam.intercept_, exact.intercept_, atol=0.1)
    np.testing.assert_allclose(adam.coef_, exact.coef_, atol=0.1)
    weights = compute_sample_weight("balanced", y)
    objective = [log_loss(y, model.predict_proba(X), sample_weight=weights)
                 for model in (adam, exact)]
    assert objective[0] < objective[1] * 1.002
    X_test = np.vstack([rng.normal(0, 1, (2000, 2)), rng.normal(1, 1, (2000, 2))])
    assert abs(adam.predict(X_test).mean() - exact.predict(X_test).mean()) < 0.02
# ------------------------------------------------------------ the history
def test_history_records_the_rate_and_time_of_every_epoch():
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    clf = MLPClassifier((5,), solver="sgd", learning_rate="invscaling", max_iter=4,
                        random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert len(clf.learning_rates_) == len(clf.epoch_times_) == clf.n_iter_ == 4
    assert clf.learning_rates_[0] == 0.001 > clf.learning_rates_[1]
    assert all(seconds > 0 for seconds in clf.epoch_times_)
    lbfgs = SoftmaxClassifier(max_iter=5).fit(X, y)
    assert lbfgs.learning_rates_ is None and len(lbfgs.epoch_times_) == lbfgs.n_iter_


# ------------------------------------------------- explicit validation data
def _split_digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return X[:600], y[:600], X[600:900], y[600:900]


def _stopper(**params):
    params = {"early_stopping": True, "max_iter": 8, "n_iter_no_change": 50, **params}
    return MLPClassifier((16,), random_state=0, **params)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_early_stopping_on_explicit_validation_data():
    X, y, X_val, y_val = _split_digits()
    clf = _stopper().fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.t_ == 8 * len(X)                   # no row held out of the training data
    assert len(clf.validation_scores_) == len(clf.validation_loss_curve_) == 8
    # The best epoch's weights are restored: its score is the model's score on X_val.
    assert clf.score(X_val, y_val) == max(clf.validation_scores_)
    weights = np.where(y_val < 5, 3.0, 1.0)
    weighted = _stopper().fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=weights)
    assert weighted.score(X_val, y_val, sample_weight=weights) == \
        max(weighted.validation_scores_)
    assert weighted.validation_scores_ != clf.validation_scores_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("scoring", ["balanced_accuracy", make_scorer(f1_score, average="macro")])
def test_early_stopping_scoring(scoring):
    X, y, X_val, y_val = _split_digits()
    clf = _stopper(scoring=scoring).fit(X, y, X_val=X_val, y_val=y_val)
    scorer = check_scoring(clf, scoring)
    assert scorer(clf, X_val, y_val) == max(clf.validation_scores_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_early_stopping_on_the_validation_loss_and_for_regressors():
    X, y, X_val, y_val = _split_digits()
    clf = _stopper(scoring="loss").fit(X, y, X_val=X_val, y_val=y_val)
    np.testing.assert_array_equal(clf.validation_scores_, -np.array(clf.validation_loss_curve_))
    reg = MLPRegressor((16,), early_stopping=True, max_iter=5, scoring="neg_mean_absolute_error",
                       random_state=0).fit(X, y * 0.1, X_val=X_val, y_val=y_val * 0.1)
    assert -mean_absolute_error(y_val * 0.1, reg.predict(X_val)) == \
        pytest.approx(max(reg.validation_scores_), rel=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_validation_images_go_through_the_input_adapter():
    X, y, X_val, y_val = _split_digits()
    images, val_images = X.reshape(-1, 8, 8), X_val.reshape(-1, 8, 8)
    clf = ConvNetClassifier(filters=(4,), early_stopping=True, max_iter=3, scoring="accuracy",
                            n_iter_no_change=50, random_state=0)
    clf.fit(images, y, X_val=val_images, y_val=y_val)
    assert clf.score(val_images, y_val) == max(clf.validation_scores_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pipeline_transforms_x_val_with_transform_input():
    X, y, X_val, y_val = _split_digits()
    X, X_val = X * 16 + 3, X_val * 16 + 3            # unscaled features
    with config_context(enable_metadata_routing=True):
        pipe = Pipeline([("scale", StandardScaler()),
                         ("mlp", _stopper().set_fit_request(X_val=True, y_val=True))],
                        transform_input=["X_val"])
        pipe.fit(X, y, X_val=X_val, y_val=y_val)
    scaler = StandardScaler().fit(X)
    alone = _stopper().fit(scaler.transform(X), y, X_val=scaler.transform(X_val), y_val=y_val)
    assert pipe[-1].validation_scores_ == alone.validation_scores_


@pytest.mark.parametrize("kwargs, params, match", [
    ({"X_val": "X"}, {}, "X_val is provided, but y_val was not provided"),
    ({"y_val": "y"}, {}, "y_val is provided, but X_val was not provided"),
    ({"sample_weight_val": "w"}, {}, "sample_weight_val is provided, but X_val and y_val"),
    ({"X_val": "X", "y_val": "y"}, {"early_stopping": False}, "early_stopping is False"),
    ({"X_val": "X", "y_val": "y"}, {"solver": "lbfgs"}, "solver='lbfgs' does not do"),
    ({"X_val": "X5", "y_val": "y"}, {}, "X has 5 features, but MLPClassifier is expecting 64"),
    ({"X_val": "X", "y_val": "y11"}, {}, r"y_val contains labels \[11\] that are not in"),
    ({"X_val": "X", "y_val": "y"}, {"scoring": "no_such_score"}, "not a valid scoring value"),
])
def test_bad_validation_requests_are_refused(kwargs, params, match):
    X, y, X_val, y_val = _split_digits()
    values = {"X": X_val, "X5": X_val[:, :5], "y": y_val, "y11": np.where(y_val == 3, 11, y_val),
              "w": np.ones(len(y_val))}
    given = {name: values[value] for name, value in kwargs.items()}
    copies = {name: value.copy() for name, value in given.items()}
    clf = _stopper(**params)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y, **given)
    for name, value in given.items():
        np.testing.assert_array_equal(value, copies[name])      # untouched
    assert not hasattr(clf, "network_")                         # and no model left behind
