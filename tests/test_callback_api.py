"""scikit-learn's callback API on skdl's estimators, with scikit-learn's own callbacks.

``ProgressBar`` and ``ScoringMonitor`` come from ``sklearn.callback``
(scikit-learn 1.9+; ``ProgressBar`` also needs rich). A small recorder that
follows the same protocol checks the task tree and the stop request.
"""

import inspect
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdl
from skdl._base import BaseNeuralEstimator
from skdl._callback_api import AVAILABLE

pytestmark = [
    pytest.mark.skipif(not AVAILABLE, reason="scikit-learn < 1.9 has no sklearn.callback"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

NEURAL = [getattr(skdl, name) for name in skdl.__all__
          if inspect.isclass(getattr(skdl, name))
          and issubclass(getattr(skdl, name), BaseNeuralEstimator)]


def _digits(n=400):
    X, y = load_digits(return_X_y=True)
    return X[:n] / 16.0, y[:n]


def _mlp(**params):
    return skdl.MLPClassifier((16,), batch_size=100, random_state=0, **params)


class Recorder:
    """A callback of scikit-learn's protocol that records the tasks it sees."""

    def __init__(self, stop_after=None, wants_estimator=False):
        self.events = []
        self.stop_after = stop_after
        self.wants_estimator = wants_estimator

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def on_fit_task_begin(self, estimator, context):
        self.events.append(("begin", context.task_name, context.task_id, context.max_subtasks))

    def on_fit_task_end(self, estimator, context):
        self.events.append(("end", context.task_name, context.task_id))
        return context.task_name == "epoch" and context.task_id + 1 == self.stop_after

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))


class PropagatedRecorder(Recorder):
    """The same, propagated by meta-estimators to the estimators inside."""

    max_propagation_depth = None


def _epoch_scores(monitor, name):
    rows = monitor.get_logs().data
    return [row[name] for row in rows if row["task_name"] == "epoch"], rows


@pytest.mark.parametrize("Estimator", NEURAL, ids=lambda cls: cls.__name__)
def test_every_neural_estimator_supports_set_callbacks(Estimator):
    from sklearn.callback import ScoringMonitor

    estimator = Estimator()
    assert estimator.set_callbacks(ScoringMonitor(scoring="r2")) is estimator


def test_scoring_monitor_scores_every_epoch_as_if_the_fit_had_stopped_there():
    from sklearn.callback import ScoringMonitor

    X, y = _digits()
    monitor = ScoringMonitor(scoring="accuracy")
    clf = _mlp(max_iter=4).set_callbacks(monitor).fit(X, y)
    scores, rows = _epoch_scores(monitor, "accuracy")
    assert len(scores) == clf.n_iter_ == 4
    assert [row["accuracy"] for row in rows if row["task_name"] == "fit"] == [clf.score(X, y)]
    for epochs, score in enumerate(scores, start=1):
        assert score == _mlp(max_iter=epochs).fit(X, y).score(X, y)


SNAPSHOTS = []


def _keep_snapshot(estimator, X, y):
    """A multi-metric "scorer" that keeps the fitted_estimator it is given."""
    SNAPSHOTS.append(estimator)
    return {"kept": len(SNAPSHOTS)}


def test_each_snapshot_owns_a_copy_of_the_network():
    from sklearn.callback import ScoringMonitor

    X, y = _digits()
    SNAPSHOTS.clear()
    snapshots = SNAPSHOTS
    clf = _mlp(max_iter=3).set_callbacks(ScoringMonitor(scoring=_keep_snapshot)).fit(X, y)
    epochs = snapshots[:3]           # the last one is the fitted estimator itself
    for epoch, snapshot in enumerate(epochs, start=1):
        assert not np.shares_memory(snapshot.network_.flat_params, clf.network_.flat_params)
        assert snapshot.n_iter_ == epoch and len(snapshot.loss_curve_) == epoch
        # Training went on after the snapshot; the snapshot kept the epoch's weights.
        np.testing.assert_array_equal(snapshot.network_.flat_params,
                                      _mlp(max_iter=epoch).fit(X, y).network_.flat_params)
        restored = pickle.loads(pickle.dumps(snapshot))
        np.testing.assert_array_equal(restored.predict_proba(X), snapshot.predict_proba(X))
    assert snapshots[3].network_ is clf.network_


def test_the_snapshot_is_made_only_when_a_callback_asks_for_it(monkeypatch):
    X, y = _digits()
    calls = []
    original = BaseNeuralEstimator._fitted_snapshot

    def counting(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(BaseNeuralEstimator, "_fitted_snapshot", counting)
    _mlp(max_iter=3).set_callbacks(Recorder()).fit(X, y)
    assert calls == []


def test_task_tree_one_subtask_per_epoch_and_teardown():
    X, y = _digits()
    recorder = Recorder()
    clf = _mlp(max_iter=3).set_callbacks(recorder).fit(X, y)
    assert recorder.events == [
        ("setup", "fit"), ("begin", "fit", 0, 3),
        ("begin", "epoch", 0, 0), ("end", "epoch", 0),
        ("begin", "epoch", 1, 0), ("end", "epoch", 1),
        ("begin", "epoch", 2, 0), ("end", "epoch", 2),
        ("end", "fit", 0), ("teardown", "fit"),
    ]
    assert not hasattr(clf, "_callback_fit_ctx")       # torn down, not pickled


def test_lbfgs_reports_each_iteration():
    X, y = _digits()
    recorder = Recorder()
    clf = skdl.LogisticRegression(max_iter=7).set_callbacks(recorder).fit(X, y)
    iterations = [event for event in recorder.events if event[:2] == ("end", "iteration")]
    assert len(iterations) == clf.n_iter_ == 7
    assert ("begin", "fit", 0, 7) in recorder.events


def test_partial_fit_is_a_task_with_one_epoch():
    X, y = _digits()
    recorder = Recorder()
    clf = _mlp().set_callbacks(recorder)
    clf.partial_fit(X, y, classes=np.arange(10))
    clf.partial_fit(X, y)
    assert recorder.events.count(("begin", "partial_fit", 0, 1)) == 2
    assert recorder.events.count(("end", "epoch", 0)) == 2


def test_a_callback_can_stop_training():
    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = _mlp(max_iter=10).set_callbacks(Recorder(stop_after=3)).fit(X, y)
    assert clf.n_iter_ == 3


def test_callbacks_survive_a_second_ctrl_c(monkeypatch):
    """The estimator is reset, but the callbacks are still torn down (and kept)."""
    import signal

    import skdl._training

    X, y = _digits()
    original = skdl._training.Trainer.objective

    def objective(self, *args, **kwargs):
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(skdl._training.Trainer, "objective", objective)
    recorder = Recorder()
    clf = _mlp(max_iter=3).set_callbacks(recorder)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert recorder.events[-1] == ("teardown", "fit")
    assert clf._skl_callbacks == [recorder] and not hasattr(clf, "n_iter_")


def test_grid_search_propagates_callbacks_to_each_skdl_fit():
    X, y = _digits()
    recorder = PropagatedRecorder()
    search = GridSearchCV(_mlp(max_iter=2), {"alpha": [1e-4, 1e-2]}, cv=2)
    search.set_callbacks(recorder).fit(X, y)
    fits = [event for event in recorder.events if event[:2] == ("begin", "fit")]
    epochs = [event for event in recorder.events if event[:2] == ("end", "epoch")]
    # GridSearchCV's own fit task, then 2 candidates x 2 splits + the refit.
    assert len(fits) == 1 + 5 and len(epochs) == 5 * 2


def test_scoring_monitor_hears_from_fits_in_worker_processes():
    from sklearn.callback import ScoringMonitor

    X, y = _digits()
    monitor = ScoringMonitor(scoring="accuracy")
    GridSearchCV(_mlp(max_iter=2).set_callbacks(monitor), {"alpha": [1e-4, 1e-2]}, cv=2,
                 n_jobs=2).fit(X, y)
    epochs = [row for log in monitor.get_logs(select="all") for row in log.data
              if row["task_name"] == "epoch"]
    assert len(epochs) == 5 * 2          # 4 fits in loky workers and the refit, 2 epochs each


def test_scoring_monitor_on_a_pipeline_step():
    from sklearn.callback import ScoringMonitor

    X, y = _digits()
    monitor = ScoringMonitor(scoring="accuracy")
    pipe = make_pipeline(StandardScaler(), _mlp(max_iter=3).set_callbacks(monitor)).fit(X, y)
    log = monitor.get_logs()
    assert log.estimator_name == "Pipeline"        # the step's tasks hang under the pipeline's
    scores, _ = _epoch_scores(monitor, "accuracy")
    assert len(scores) == 3 and scores[-1] == pipe.score(X, y)


@pytest.mark.parametrize("meta", ["grid_search", "pipeline"])
def test_scikit_learns_progress_bar(meta, capsys):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    X, y = _digits()
    if meta == "pipeline":
        model = make_pipeline(StandardScaler(), _mlp(max_iter=3))
    else:
        model = GridSearchCV(_mlp(max_iter=3), {"alpha": [1e-4, 1e-2]}, cv=2)
    model.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(X, y)
    out = capsys.readouterr().out
    assert "MLPClassifier - fit" in out and "100%" in out


def test_skdl_works_without_sklearn_callback():
    """scikit-learn 1.6-1.8 have no sklearn.callback: skdl imports, fits, has no set_callbacks."""
    code = (
        "import sys\n"
        "import sklearn.metrics, sklearn.model_selection, sklearn.pipeline  # noqa\n"
        "sys.modules['sklearn.callback'] = None   # from here on, as on scikit-learn < 1.9\n"
        "import numpy as np, skdl\n"
        "from skdl._callback_api import AVAILABLE\n"
        "X = np.random.default_rng(0).normal(size=(60, 3)); y = (X[:, 0] > 0).astype(int)\n"
        "clf = skdl.MLPClassifier((4,), max_iter=3, random_state=0).fit(X, y)\n"
        "clf.partial_fit(X, y)\n"
        "print(AVAILABLE, hasattr(clf, 'set_callbacks'), clf.n_iter_)\n"
    )
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", code],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # n_iter_ counts the epochs of the last call (partial_fit: one), as scikit-learn's.
    assert result.stdout.split() == ["False", "False", "1"]
