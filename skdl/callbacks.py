"""Hooks of the training loop: history, stopping, progress, scikit-learn's callbacks.

The training loops of the estimators call, for every callback::

    callback.on_train_begin(log)
    callback.on_epoch_begin(log)           # before each epoch (L-BFGS: each iteration)
    callback.on_batch_end(log, batch, n_batches, loss)   # only if overridden
    stop = callback.on_epoch_end(log)      # after each epoch; True stops training
    callback.on_train_end(log)

``log`` is the :class:`EpochLog` of the run: the network, the optimizer, the
schedule and the numbers of the epoch that just ended. These hooks are
skdl's engine; users attach scikit-learn's own callbacks
(``sklearn.callback``) with ``estimator.set_callbacks``, which the
estimators translate into these hooks.
"""

import sys
import time
from dataclasses import dataclass, field

__all__ = [
    "Callback",
    "EarlyStopping",
    "EpochLog",
    "History",
    "ProgressBar",
    "ProgressLogger",
    "SwitchRecorder",
]


@dataclass
class History:
    """Everything a fit records; kept by the estimator across warm starts.

    Parameters
    ----------
    loss_curve : list of float
        Training loss of each epoch (of each iteration for L-BFGS).
    validation_scores : list of float
        Validation score of each epoch, when there is validation data.
    validation_loss_curve : list of float
        Validation loss of each epoch, when there is validation data.
    best_loss : float, default=inf
        Lowest training loss so far.
    best_validation_score : float, default=-inf
        Highest validation score so far.
    no_improvement_count : int, default=0
        Consecutive epochs without improvement (see :class:`EarlyStopping`).
    n_iter : int, default=0
        Epochs (L-BFGS iterations) run so far, over all fits.
    first_epoch_of_fit : int, default=0
        ``n_iter`` when the current (or last) fit began: ``n_iter_`` counts
        the epochs since, as scikit-learn's does.
    t : int, default=0
        Training samples seen so far, over all fits.
    switch_epoch : int or None, default=None
        Epoch in which a switching optimizer changed phase (see
        :class:`SwitchRecorder`), or None.
    learning_rates : list of float
        Learning rate of each epoch of the stochastic solvers.
    epoch_times : list of float
        Wall time in seconds of each epoch (each L-BFGS iteration),
        validation included.
    """

    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    validation_loss_curve: list = field(default_factory=list)
    best_loss: float = float("inf")
    best_validation_score: float = -float("inf")
    no_improvement_count: int = 0
    n_iter: int = 0
    first_epoch_of_fit: int = 0
    t: int = 0
    switch_epoch: int = None
    learning_rates: list = field(default_factory=list)
    epoch_times: list = field(default_factory=list)


@dataclass
class EpochLog:
    """What the callbacks see at the end of an epoch.

    One log serves a whole training run: the loop updates its numbers after
    each epoch.

    Parameters
    ----------
    network : Sequential
        The network being trained.
    optimizer : Optimizer
        Its optimizer.
    history : History
        The record of the fit, updated in place.
    max_iter : int
        Maximum number of epochs of this run (1 for ``partial_fit``).
    schedule : LearningRateSchedule or None, default=None
        The running learning-rate schedule (:mod:`skdl.schedules`).
    n_batches : int, default=0
        Mini-batches per epoch (0 for L-BFGS).
    epoch : int, default=0
        Number of the epoch that just ended, counted over all fits.
    loss : float, default=nan
        Mean training loss of the epoch.
    validation_score : float or None, default=None
        Validation score after the epoch, or None without validation data.
    validation_loss : float or None, default=None
        Validation loss after the epoch, or None without validation data.
    learning_rate : float or None, default=None
        Learning rate of the epoch (None for L-BFGS).
    improved : bool or None, default=None
        Whether the epoch improved the monitored quantity (set by
        :class:`EarlyStopping`; read by the schedule).
    seconds : float, default=0.0
        Wall time of the epoch, validation included.
    """

    network: object
    optimizer: object
    history: History
    max_iter: int
    schedule: object = None
    n_batches: int = 0
    epoch: int = 0
    loss: float = float("nan")
    validation_score: float = None
    validation_loss: float = None
    learning_rate: float = None
    improved: bool = None
    seconds: float = 0.0


class Callback:
    """Base class: override the hooks you need."""

    def on_train_begin(self, log):
        """Before the first epoch of a training run.

        Parameters
        ----------
        log : EpochLog
            The log of the run.
        """

    def on_epoch_begin(self, log):
        """Before each epoch (for L-BFGS: each iteration, reported when it ends).

        Parameters
        ----------
        log : EpochLog
            The log of the run; ``log.learning_rate`` is the rate of the
            epoch about to run, the other numbers are the previous epoch's.
        """

    def on_batch_end(self, log, batch, n_batches, loss):
        """After each mini-batch. The loop only calls callbacks that override it.

        Parameters
        ----------
        log : EpochLog
            The log of the run; its numbers are those of the previous epoch.
        batch : int
            Index of the mini-batch in the epoch, from 0.
        n_batches : int
            Number of mini-batches per epoch.
        loss : float
            Loss of the mini-batch (penalty included), before the update.
        """

    def on_epoch_end(self, log):
        """After each epoch; return True to stop training.

        Parameters
        ----------
        log : EpochLog
            The log of the run, with the numbers of the epoch that just ended.

        Returns
        -------
        stop : bool
            Whether training should stop. Every callback is called, even
            after one has asked to stop.
        """
        return False

    def on_train_end(self, log):
        """After the last epoch of a training run.

        Parameters
        ----------
        log : EpochLog
            The log of the run.
        """

    @classmethod
    def wants_batches(cls):
        """Whether the class overrides :meth:`on_batch_end`.

        Returns
        -------
        bool
            True if the training loop must call :meth:`on_batch_end`.
        """
        return cls.on_batch_end is not Callback.on_batch_end


class EarlyStopping(Callback):
    """Stop when the monitored quantity stops improving; keep the best weights.

    Without validation data it monitors the training loss: an epoch counts as
    no improvement when ``loss > best_loss - tol``. With validation data it
    monitors the validation score: no improvement when
    ``score < best_score + tol``. Each epoch's verdict goes to
    ``log.improved`` (a :class:`~skdl.schedules.ReduceOnPlateau` schedule
    reads it). After more than ``n_iter_no_change`` such epochs in a row, the
    schedule decides (:meth:`~skdl.schedules.LearningRateSchedule.stalled`):
    stop, or with ``learning_rate="adaptive"`` divide the rate by 5 and go
    on. This is scikit-learn's MLP rule. With validation data, the weights
    (and running statistics) of the best-scoring epoch are restored at the
    end of training.

    Parameters
    ----------
    tol : float
        Minimum improvement of the monitored quantity for an epoch to count
        as an improvement.
    n_iter_no_change : int
        Number of epochs without improvement tolerated before the schedule
        is asked whether to stop.
    use_validation : bool
        Monitor the validation score (and restore the best weights) rather
        than the training loss.
    verbose : bool, default=False
        Whether to print why training stops or the learning rate changes.

    Attributes
    ----------
    best : tuple or None
        :meth:`~skdl.network.Sequential.snapshot` of the network (parameters
        and non-trainable state) at the best validation score.
    """

    def __init__(self, tol, n_iter_no_change, use_validation, verbose=False):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.use_validation = use_validation
        self.verbose = verbose
        self.best = None

    def on_epoch_end(self, log):
        history = log.history
        if self.use_validation:
            score = log.validation_score
            log.improved = score >= history.best_validation_score + self.tol
            if score > history.best_validation_score:
                history.best_validation_score = score
                self.best = log.network.snapshot()
        else:
            log.improved = log.loss <= history.best_loss - self.tol
        history.best_loss = min(history.best_loss, log.loss)
        history.no_improvement_count = (0 if log.improved
                                        else history.no_improvement_count + 1)
        if history.no_improvement_count <= self.n_iter_no_change:
            return False
        if self.use_validation:
            what = "Validation score did not improve more than"
        else:
            what = "Training loss did not improve more than"
        msg = f"{what} tol={self.tol:f} for {self.n_iter_no_change} consecutive epochs."
        if log.schedule.stalled(msg, self.verbose):
            return True
        history.no_improvement_count = 0
        return False

    def on_train_end(self, log):
        if self.use_validation and self.best is not None:
            log.network.restore(self.best)


class SwitchRecorder(Callback):
    """Record the epoch in which a switching optimizer (SWATS) changed phase."""

    def on_epoch_end(self, log):
        if getattr(log.optimizer, "switched", False) and log.history.switch_epoch is None:
            log.history.switch_epoch = log.epoch
        return False


class ProgressLogger(Callback):
    """Print one line per epoch: epoch, loss, validation score and loss, seconds.

    Parameters
    ----------
    print_fn : callable, default=print
        Called with each line (a str); :meth:`ProgressBar.write` keeps a live
        bar intact.
    """

    def __init__(self, print_fn=print):
        self.print_fn = print_fn

    def on_epoch_end(self, log):
        parts = [f"Iteration {log.history.n_iter}, loss = {log.loss:.8f}"]
        if log.validation_score is not None:
            parts.append(f"validation score = {log.validation_score:.6f}")
            parts.append(f"validation loss = {log.validation_loss:.8f}")
        parts.append(f"{log.seconds:.2f} s")
        self.print_fn(", ".join(parts))
        return False


def can_redraw(stream):
    """Whether ``stream`` shows a line redrawn in place: a terminal or a Jupyter kernel's output.

    Log files and pipes cannot (each redraw would be a new line), so the
    bar stays off there.
    """
    if getattr(stream, "isatty", lambda: False)():
        return True
    return type(stream).__module__.startswith("ipykernel")


def _tqdm_available():
    try:
        import tqdm.auto  # noqa: F401  (the optional ``progress`` extra)
    except ImportError:
        return False
    return True


class _TextBar:
    """skdl's own one-line bar, redrawn with a carriage return (no dependency).

    It clears its line with spaces rather than an ANSI erase sequence, which
    Jupyter's output area does not interpret.
    """

    def __init__(self, stream, width):
        self.stream = stream
        self.width = width
        self._drawn = 0

    def start_epoch(self, title, total, status):
        pass

    def show(self, title, done, total, status, elapsed, remaining):
        filled = int(self.width * done / total)
        bar = "#" * filled + "-" * (self.width - filled)
        line = (f"{title} [{bar}] {done}/{total} {status}, "
                f"{elapsed:.1f}s elapsed, {remaining:.1f}s left")
        self.stream.write("\r" + line.ljust(self._drawn))
        self.stream.flush()
        self._drawn = len(line)

    def write(self, line):
        self.close()
        print(line, file=self.stream)

    def close(self):
        if self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()
            self._drawn = 0


class _TqdmBar:
    """A ``tqdm.auto`` bar: a widget in Jupyter (with ipywidgets), text elsewhere."""

    def __init__(self, stream):
        from tqdm.auto import tqdm

        # disable=False: tqdm would switch itself off on a Jupyter stream,
        # which is not a terminal (can_redraw has already decided).
        # smoothing=0: the remaining time comes from the epoch's mean rate.
        self.bar = tqdm(total=1, file=stream, disable=False, leave=False, smoothing=0,
                        unit="batch")
        self.stream = stream

    def start_epoch(self, title, total, status):
        self.bar.set_description_str(title, refresh=False)
        self.bar.set_postfix_str(status, refresh=False)
        self.bar.reset(total=total)          # tqdm times each epoch afresh

    def show(self, title, done, total, status, elapsed, remaining):
        # tqdm computes elapsed and remaining time itself; redraws are
        # already throttled by the caller.
        self.bar.set_description_str(title, refresh=False)
        self.bar.set_postfix_str(status, refresh=False)
        self.bar.n = done
        self.bar.refresh()

    def write(self, line):
        self.bar.write(line, file=self.stream)

    def close(self):
        self.bar.close()


class ProgressBar(Callback):
    """A live bar during each epoch: epoch, batches done, loss, validation score, time left.

    The bar shows the running mean loss of the epoch, the validation score
    of the previous epoch (with validation data), and the elapsed and
    remaining time of the epoch. It is redrawn at most every ``interval``
    seconds, and only where a redraw replaces the line (a terminal or a
    Jupyter notebook); in logs and pipes it stays silent, and the one line
    per epoch of ``verbose=1`` (:class:`ProgressLogger`) is all there is.

    Parameters
    ----------
    stream : file object, default=None
        Where to draw the bar; None means ``sys.stdout`` at training time.
    backend : {"auto", "tqdm", "text"}, default="auto"
        ``"tqdm"`` draws with ``tqdm.auto`` (the ``progress`` extra): a widget
        in Jupyter when ipywidgets is installed, a text bar elsewhere.
        ``"text"`` draws skdl's own bar with carriage returns (no
        dependency). ``"auto"`` uses tqdm when it is installed.
    width : int, default=30
        Characters of the text bar.
    interval : float, default=0.1
        Minimum seconds between redraws.
    """

    def __init__(self, stream=None, backend="auto", width=30, interval=0.1):
        self.stream = stream
        self.backend = backend
        self.width = width
        self.interval = interval
        self._display = None

    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def on_train_begin(self, log):
        out = self._out()
        self._display = None
        if can_redraw(out):
            use_tqdm = self.backend == "tqdm" or (self.backend == "auto" and _tqdm_available())
            self._display = _TqdmBar(out) if use_tqdm else _TextBar(out, self.width)
        self._last_epoch = log.history.n_iter + log.max_iter
        self._score = None

    def _title(self, log):
        return f"Epoch {log.history.n_iter + 1}/{self._last_epoch}"

    def _score_text(self):
        return "" if self._score is None else f"validation score {self._score:.4f}"

    def on_epoch_begin(self, log):
        self._epoch_start = self._last_draw = time.perf_counter()
        self._loss_sum = 0.0
        if self._display is not None:
            self._display.start_epoch(self._title(log), log.n_batches, self._score_text())

    def on_batch_end(self, log, batch, n_batches, loss):
        if self._display is None:
            return
        self._loss_sum += loss
        done = batch + 1
        now = time.perf_counter()
        if done < n_batches and now - self._last_draw < self.interval:
            return
        self._last_draw = now
        elapsed = now - self._epoch_start
        status = ", ".join(filter(None, [f"loss {self._loss_sum / done:.4f}",
                                         self._score_text()]))
        self._display.show(self._title(log), done, n_batches, status, elapsed,
                           elapsed / done * (n_batches - done))

    def on_epoch_end(self, log):
        self._score = log.validation_score
        return False

    def on_train_end(self, log):
        if self._display is not None:
            self._display.close()
            self._display = None

    def write(self, line):
        """Print ``line`` above the bar, which is redrawn below it.

        Parameters
        ----------
        line : str
            The text to print (:class:`ProgressLogger` sends its epoch lines here).
        """
        if self._display is None:
            print(line, file=self._out())
        else:
            self._display.write(line)
