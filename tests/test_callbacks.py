import io

import numpy as np
from sklearn.datasets import make_classification

from skdl import MLPClassifier
from skdl.callbacks import EarlyStopping, EpochLog, History, ProgressBar


class _FakeNetwork:
    def __init__(self):
        self.flat_params = np.zeros(2)

    def snapshot(self):
        return self.flat_params.copy()

    def restore(self, snapshot):
        self.flat_params[:] = snapshot


class _FakeOptimizer:
    def trigger_stopping(self, msg, verbose):
        return True


def test_early_stopping_callback_restores_best_validation_weights():
    network, history = _FakeNetwork(), History()
    log = EpochLog(network, _FakeOptimizer(), history, max_iter=10)
    stopper = EarlyStopping(tol=0.0, n_iter_no_change=1, use_validation=True)
    stops = []
    for epoch, score in enumerate([0.5, 0.9, 0.8, 0.7]):
        network.flat_params[:] = epoch
        log.validation_score, log.loss = score, 1.0
        stops.append(stopper.on_epoch_end(log))
    assert stops == [False, False, False, True]
    stopper.on_train_end(log)
    np.testing.assert_array_equal(network.flat_params, [1.0, 1.0])
    assert history.best_validation_score == 0.9


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _drive(stream, n_batches=10, epochs=2):
    history = History()
    log = EpochLog(network=None, optimizer=None, history=history, max_iter=epochs)
    bar = ProgressBar(stream=stream, interval=0.0)
    bar.on_train_begin(log)
    for _ in range(epochs):
        for batch in range(n_batches):
            bar.on_batch_end(log, batch, n_batches, loss=1.0 / (batch + 1))
        history.n_iter += 1
        bar.on_epoch_end(log)
    return stream.getvalue()


def test_progress_bar_draws_batches_loss_and_time_on_a_terminal():
    text = _drive(_Terminal())
    frames = [frame for frame in text.split("\r") if frame.startswith("Epoch")]
    assert len(frames) == 20
    assert frames[9].startswith("Epoch 1 [" + "#" * 30 + "] 10/10")
    assert frames[10].startswith("Epoch 2 [###---")
    assert all("loss" in f and "elapsed" in f and "left" in f for f in frames)


def test_progress_bar_is_silent_when_not_a_terminal():
    assert _drive(io.StringIO()) == ""


def test_verbose_2_off_a_terminal_prints_only_epoch_lines(capsys):
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    MLPClassifier((5,), batch_size=10, max_iter=2, verbose=2, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "\r" not in out
    assert [line.split(",")[0] for line in out.splitlines() if line.startswith("Iteration")] == \
        ["Iteration 1", "Iteration 2"]
