"""Learning-rate schedules: each one's exact rate sequence, in a fit and against its twins.

scikit-learn's three are checked against scikit-learn's MLP, the others
against PyTorch's schedulers (when torch is installed) and their formulas.
"""

import math
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from skdl import MLPClassifier, SoftmaxClassifier
from skdl.callbacks import EarlyStopping, EpochLog, History
from skdl.schedules import (Adaptive, Constant, CosineAnnealing, InvScaling, ReduceOnPlateau,
                            StepDecay, make_schedule)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, Y = make_classification(n_samples=120, n_features=6, random_state=0)


def _rates(learning_rate, max_iter, solver="sgd", **params):
    clf = SoftmaxClassifier(solver=solver, learning_rate=learning_rate, learning_rate_init=0.1,
                            max_iter=max_iter, batch_size=40, random_state=0, **params)
    return clf.fit(X, Y)


def _stalled_every_epoch(learning_rate, max_iter, solver="sgd", **params):
    """A fit in which no epoch after the first improves by tol (tol is huge)."""
    return _rates(learning_rate, max_iter, solver, tol=1e10, **params)


def test_constant():
    np.testing.assert_array_equal(_rates("constant", 4).learning_rates_, [0.1] * 4)


def test_invscaling_matches_scikit_learn():
    clf = _rates("invscaling", 5, power_t=0.5)
    t = 120 * np.arange(5)
    expected = [0.1] + [0.1 / (n + 1) ** 0.5 for n in t[1:]]
    assert clf.learning_rates_ == expected
    # scikit-learn keeps the rate its next epoch would use.
    sk = SkMLPClassifier((4,), solver="sgd", learning_rate="invscaling", learning_rate_init=0.1,
                         max_iter=5, batch_size=40, random_state=0).fit(X, Y)
    assert sk._optimizer.learning_rate == clf._schedule.rate_ == 0.1 / (5 * 120 + 1) ** 0.5


def test_adaptive_divides_by_5_at_each_stall_like_scikit_learn():
    clf = _stalled_every_epoch("adaptive", 7, n_iter_no_change=1)
    # Epoch 1 improves on infinity; every second epoch after it stalls.
    assert clf.learning_rates_ == [0.1, 0.1, 0.1, 0.1 / 5, 0.1 / 5, 0.1 / 25, 0.1 / 25]
    sk = SkMLPClassifier((4,), solver="sgd", learning_rate="adaptive", learning_rate_init=0.1,
                         max_iter=7, batch_size=40, tol=1e10, n_iter_no_change=1,
                         random_state=0).fit(X, Y)
    assert sk.n_iter_ == clf.n_iter_ == 7
    assert sk._optimizer.learning_rate == pytest.approx(clf._schedule.rate_) == 0.1 / 125


def test_adaptive_stops_once_the_rate_is_tiny():
    schedule = Adaptive().start(1e-5, max_iter=10)
    assert schedule.stalled("", verbose=False) is False and schedule.rate_ == 1e-5 / 5
    assert schedule.stalled("", verbose=False) is False and schedule.rate_ == 1e-5 / 5 / 5
    assert schedule.stalled("", verbose=False) is True


@pytest.mark.parametrize("learning_rate", ["invscaling", "adaptive"])
@pytest.mark.parametrize("solver", ["adam", "swats"])
def test_adam_ignores_scikit_learns_schedules(solver, learning_rate):
    clf = _stalled_every_epoch(learning_rate, 7, solver=solver, n_iter_no_change=1)
    # A constant rate, and the first stall stops training, as with scikit-learn's Adam.
    assert clf.n_iter_ == 3
    assert clf.learning_rates_ == [0.1] * 3
    if solver == "adam":
        sk = SkMLPClassifier((4,), solver="adam", learning_rate=learning_rate,
                             learning_rate_init=0.1, max_iter=7, batch_size=40, tol=1e10,
                             n_iter_no_change=1, random_state=0).fit(X, Y)
        assert sk.n_iter_ == clf.n_iter_


@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop"])
def test_step_decay(solver):
    clf = _rates(StepDecay(step_size=3, factor=0.5), 10, solver=solver)
    assert clf.learning_rates_ == [0.1 * 0.5 ** (e // 3) for e in range(10)]


def test_cosine_annealing_with_warmup():
    clf = _rates(CosineAnnealing(warmup=3, min_rate=0.01), 10, solver="adam")
    warmup = [0.1 * (e + 1) / 3 for e in range(3)]
    decay = [0.01 + 0.5 * (0.1 - 0.01) * (1 + math.cos(math.pi * (e - 3) / 7))
             for e in range(3, 10)]
    assert clf.learning_rates_ == warmup + decay


def test_cosine_annealing_period_and_floor():
    schedule = CosineAnnealing(period=4).start(0.2, max_iter=100)
    rates = [schedule.begin_epoch(e) for e in range(7)]
    np.testing.assert_allclose(rates, [0.2, 0.2 * (1 + math.sqrt(0.5)) / 2, 0.1,
                                       0.2 * (1 - math.sqrt(0.5)) / 2, 0.0, 0.0, 0.0],
                               atol=1e-17)


def test_reduce_on_plateau_in_a_fit():
    clf = _stalled_every_epoch(ReduceOnPlateau(factor=0.5, patience=2), 10,
                               n_iter_no_change=100)
    # Improves in epoch 1, then the rate halves after every third epoch without.
    assert clf.learning_rates_ == [0.1] * 4 + [0.05] * 3 + [0.025] * 3


def test_reduce_on_plateau_min_rate_and_validation_score():
    clf = _stalled_every_epoch(ReduceOnPlateau(factor=0.1, patience=0, min_rate=0.002), 5,
                               n_iter_no_change=100, early_stopping=True)
    assert clf.learning_rates_ == [0.1, 0.1, 0.1 * 0.1, 0.002, 0.002]
    assert len(clf.validation_scores_) == 5


def _torch_rates(make_scheduler, epochs, losses=None):
    torch = pytest.importorskip("torch")
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=0.1)
    scheduler = make_scheduler(torch.optim.lr_scheduler, optimizer)
    rates = []
    for epoch in range(epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step(*([] if losses is None else [losses[epoch]]))
    return rates


def test_step_decay_matches_pytorch_step_lr():
    expected = _torch_rates(lambda s, opt: s.StepLR(opt, step_size=4, gamma=0.3), 13)
    schedule = StepDecay(step_size=4, factor=0.3).start(0.1, max_iter=13)
    np.testing.assert_allclose([schedule.begin_epoch(e) for e in range(13)], expected,
                               rtol=1e-14)


def test_cosine_annealing_matches_pytorch_without_warmup():
    expected = _torch_rates(lambda s, opt: s.CosineAnnealingLR(opt, T_max=9, eta_min=0.01), 9)
    schedule = CosineAnnealing(min_rate=0.01).start(0.1, max_iter=9)
    np.testing.assert_allclose([schedule.begin_epoch(e) for e in range(9)], expected,
                               rtol=1e-12)


def test_reduce_on_plateau_matches_pytorch():
    # Each loss either beats every earlier one by more than tol or is no
    # better than the best: the two definitions of improvement then agree.
    losses = [1.0, 0.8, 0.85, 0.9, 0.81, 0.7, 0.75, 0.75, 0.76, 0.77, 0.5, 0.6, 0.6, 0.6, 0.6]
    expected = _torch_rates(
        lambda s, opt: s.ReduceLROnPlateau(opt, factor=0.5, patience=1, threshold=0.01,
                                           threshold_mode="abs", min_lr=0.02), 15, losses)
    schedule = ReduceOnPlateau(factor=0.5, patience=1, min_rate=0.02).start(0.1, max_iter=15)
    log = EpochLog(None, None, History(), 15, schedule=schedule)
    monitor = EarlyStopping(tol=0.01, n_iter_no_change=100, use_validation=False)
    rates = []
    for epoch, loss in enumerate(losses):
        rates.append(schedule.begin_epoch(epoch))
        log.loss = loss
        monitor.on_epoch_end(log)
        schedule.end_epoch(0, log.improved)
    np.testing.assert_allclose(rates, expected, rtol=1e-15)
    assert min(rates) == 0.02


def test_warm_start_continues_the_schedule_and_a_new_one_restarts():
    clf = _rates(StepDecay(step_size=2, factor=0.5), 3, warm_start=True)
    clf.fit(X, Y)
    assert clf.learning_rates_ == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    clf.set_params(learning_rate__factor=0.1).fit(X, Y)       # changed: starts again
    assert clf.learning_rates_[6:] == [0.1, 0.1, 0.1 * 0.1]


def test_partial_fit_counts_its_epochs():
    clf = SoftmaxClassifier(solver="sgd", learning_rate=StepDecay(step_size=1, factor=0.5),
                            learning_rate_init=0.1, random_state=0)
    for _ in range(3):
        clf.partial_fit(X, Y, classes=[0, 1])
    assert clf.learning_rates_ == [0.1, 0.05, 0.025]


def test_a_schedule_is_a_parameter_that_fitting_never_changes():
    schedule = ReduceOnPlateau(patience=1)
    clf = _stalled_every_epoch(schedule, 6, n_iter_no_change=100)
    assert clf.learning_rate is schedule and vars(schedule) == vars(ReduceOnPlateau(patience=1))
    assert clf._schedule is not schedule and clf._schedule.rate_ < 0.1
    cloned = clone(clf)
    assert cloned.learning_rate == schedule and cloned.learning_rate is not schedule
    assert clf.get_params()["learning_rate__patience"] == 1


def test_grid_search_over_schedule_parameters():
    search = GridSearchCV(SoftmaxClassifier(solver="sgd", learning_rate=StepDecay(), max_iter=4,
                                            random_state=0),
                          {"learning_rate__factor": [0.1, 0.9]}, cv=2).fit(X, Y)
    assert search.best_estimator_.learning_rate.factor in (0.1, 0.9)
    assert set(search.cv_results_["param_learning_rate__factor"]) == {0.1, 0.9}


@pytest.mark.parametrize("schedule, match", [
    (StepDecay(step_size=0), "'step_size' parameter of StepDecay must be an int"),
    (StepDecay(factor=1.5), "'factor' parameter of StepDecay"),
    (CosineAnnealing(warmup=-1), "'warmup' parameter of CosineAnnealing"),
    (ReduceOnPlateau(factor=1.0), "'factor' parameter of ReduceOnPlateau"),
    ("cosine", "'learning_rate' parameter of MLPClassifier must be one of 'constant'"),
])
def test_bad_schedules_are_refused_before_fitting(schedule, match):
    clf = MLPClassifier((4,), learning_rate=schedule, max_iter=2)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, Y)
    assert not hasattr(clf, "network_")


def test_warmup_must_end_within_the_period():
    with pytest.raises(ValueError, match="warmup=5 must be less than the period"):
        _rates(CosineAnnealing(warmup=5), 5)


def test_make_schedule_names_and_objects():
    assert make_schedule("invscaling", power_t=0.25, solver="sgd") == InvScaling(0.25)
    assert make_schedule("adaptive", power_t=0.5, solver="adam") == Constant()
    step = StepDecay(2)
    assert make_schedule(step, power_t=0.5, solver="adam") is step
    assert repr(step) == "StepDecay(factor=0.5, step_size=2)"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ValueError, match="Invalid parameter 'gamma'"):
            step.set_params(gamma=0.1)
