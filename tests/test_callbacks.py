import io
import re

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skdl import MLPClassifier
from skdl.callbacks import EarlyStopping, EpochLog, History, ProgressBar, can_redraw
from skdl.schedules import Adaptive, Constant


class _FakeNetwork:
    def __init__(self):
        self.flat_params = np.zeros(2)

    def snapshot(self):
        return self.flat_params.copy()

    def restore(self, snapshot):
        self.flat_params[:] = snapshot


def test_early_stopping_callback_restores_best_validation_weights():
    network, history = _FakeNetwork(), History()
    log = EpochLog(network, None, history, max_iter=10, schedule=Constant().start(0.1, 10))
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


def test_early_stopping_records_each_verdict_and_lets_the_schedule_decide(capsys):
    history = History()
    schedule = Adaptive().start(0.1, 10)
    log = EpochLog(_FakeNetwork(), None, history, max_iter=10, schedule=schedule)
    stopper = EarlyStopping(tol=0.01, n_iter_no_change=1, use_validation=False, verbose=True)
    verdicts, stops = [], []
    for loss in [1.0, 0.5, 0.495, 0.6, 0.7]:
        log.loss = loss
        stops.append(stopper.on_epoch_end(log))
        verdicts.append(log.improved)
    assert verdicts == [True, True, False, False, False]
    # The second epoch without improvement stalls: "adaptive" divides the rate.
    assert stops == [False] * 5 and schedule.rate_ == pytest.approx(0.02)
    assert "Setting learning rate to 0.020000" in capsys.readouterr().out


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _drive(stream, n_batches=10, epochs=2, backend="text"):
    history = History()
    log = EpochLog(network=None, optimizer=None, history=history, max_iter=epochs,
                   n_batches=n_batches)
    bar = ProgressBar(stream=stream, backend=backend, interval=0.0)
    bar.on_train_begin(log)
    for epoch in range(epochs):
        bar.on_epoch_begin(log)
        for batch in range(n_batches):
            bar.on_batch_end(log, batch, n_batches, loss=1.0 / (batch + 1))
        history.n_iter += 1
        log.validation_score = 0.5 + epoch / 10
        bar.on_epoch_end(log)
        bar.write(f"Iteration {history.n_iter}")
    bar.on_train_end(log)
    return stream.getvalue()


def test_progress_bar_draws_epoch_batches_loss_score_and_time_on_a_terminal():
    text = _drive(_Terminal())
    frames = [frame for frame in text.split("\r") if frame.startswith("Epoch")]
    assert len(frames) == 20
    assert frames[9].startswith("Epoch 1/2 [" + "#" * 30 + "] 10/10 loss 0.2929")
    assert frames[10].startswith("Epoch 2/2 [###---")
    # The validation score of the epoch before.
    assert "validation score" not in frames[9] and "validation score 0.5000" in frames[10]
    assert all("elapsed" in f and "left" in f for f in frames)
    # The epoch lines replace the bar (cleared with spaces), on lines of their own.
    assert re.search(r"\r +\rIteration 1\n", text) and re.search(r"\r +\rIteration 2\n", text)
    assert "\033" not in text                 # no ANSI codes: Jupyter shows them as text


def test_progress_bar_with_tqdm():
    pytest.importorskip("tqdm")
    text = _drive(_Terminal(), backend="tqdm")
    frames = [frame for frame in re.split("[\r\n]", text) if frame.startswith("Epoch")]
    assert frames[-1].startswith("Epoch 2/2:")
    assert "10/10" in frames[-1] and "loss 0.2929, validation score 0.5000" in frames[-1]
    assert re.search(r"\[\d\d:\d\d<\d\d:\d\d", frames[-1])     # elapsed<remaining
    assert "Iteration 1\n" in text and "Iteration 2\n" in text


@pytest.mark.parametrize("backend", ["text", "tqdm"])
def test_progress_bar_is_silent_when_not_a_terminal(backend):
    assert _drive(io.StringIO(), backend=backend) == "Iteration 1\nIteration 2\n"


def test_a_jupyter_kernel_stream_counts_as_redrawable():
    kernel_stream = type("OutStream", (io.StringIO,), {"__module__": "ipykernel.iostream"})
    assert can_redraw(kernel_stream()) and can_redraw(_Terminal())
    assert not can_redraw(io.StringIO())


def test_verbose_2_off_a_terminal_prints_only_epoch_lines(capsys):
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    MLPClassifier((5,), batch_size=10, max_iter=2, verbose=2, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "\r" not in out
    assert [line.split(",")[0] for line in out.splitlines() if line.startswith("Iteration")] == \
        ["Iteration 1", "Iteration 2"]
