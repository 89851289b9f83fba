"""Epoch-end hooks of the training loop: history, stopping, progress.

The training loop of the estimators calls, for every callback::

    callback.on_train_begin(log)
    callback.on_batch_end(log, batch, n_batches, loss)   # only if overridden
    stop = callback.on_epoch_end(log)      # after each epoch; True stops training
    callback.on_train_end(log)

``log`` is the :class:`EpochLog` of the run: the network, the optimizer and
the numbers of the epoch that just ended.
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
    "Timer",
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
    t : int, default=0
        Training samples seen so far, over all fits.
    switch_epoch : int or None, default=None
        Epoch in which a switching optimizer changed phase (see
        :class:`SwitchRecorder`), or None.
    """

    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    validation_loss_curve: list = field(default_factory=list)
    best_loss: float = float("inf")
    best_validation_score: float = -float("inf")
    no_improvement_count: int = 0
    n_iter: int = 0
    t: int = 0
    switch_epoch: int = None


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
        Maximum number of epochs of this run.
    epoch : int, default=0
        Number of the epoch that just ended, counted over all fits.
    loss : float, default=nan
        Mean training loss of the epoch.
    validation_score : float or None, default=None
        Validation score after the epoch, or None without validation data.
    validation_loss : float or None, default=None
        Validation loss after the epoch, or None without validation data.
    seconds : float, default=0.0
        Wall time of the epoch (set by :class:`Timer`).
    """

    network: object
    optimizer: object
    history: History
    max_iter: int
    epoch: int = 0
    loss: float = float("nan")
    validation_score: float = None
    validation_loss: float = None
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
    ``score < best_score + tol``. After more than ``n_iter_no_change`` such
    epochs in a row, the optimizer decides (:meth:`Optimizer.trigger_stopping`):
    stop, or with ``learning_rate="adaptive"`` divide the step by 5 and go on.
    This is scikit-learn's MLP rule. With validation data, the weights (and
    running statistics) of the best-scoring epoch are restored at the end of
    training.

    Parameters
    ----------
    tol : float
        Minimum improvement of the monitored quantity for an epoch to count
        as an improvement.
    n_iter_no_change : int
        Number of epochs without improvement tolerated before the optimizer
        is asked to stop.
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
            improved = score >= history.best_validation_score + self.tol
            if score > history.best_validation_score:
                history.best_validation_score = score
                self.best = log.network.snapshot()
        else:
            improved = log.loss <= history.best_loss - self.tol
        history.best_loss = min(history.best_loss, log.loss)
        history.no_improvement_count = 0 if improved else history.no_improvement_count + 1
        if history.no_improvement_count <= self.n_iter_no_change:
            return False
        if self.use_validation:
            what = "Validation score did not improve more than"
        else:
            what = "Training loss did not improve more than"
        msg = f"{what} tol={self.tol:f} for {self.n_iter_no_change} consecutive epochs."
        if log.optimizer.trigger_stopping(msg, self.verbose):
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
        Called with each line (a str).
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


class Timer(Callback):
    """Measure the wall time of each epoch into ``log.seconds``."""

    def on_train_begin(self, log):
        self._start = time.perf_counter()

    def on_epoch_end(self, log):
        now = time.perf_counter()
        log.seconds = now - self._start
        self._start = now
        return False


class ProgressBar(Callback):
    """A live per-epoch bar on a terminal: batches done, loss, elapsed and remaining time.

    Redrawn in place with a carriage return at most every ``interval``
    seconds, and silent when ``stream`` is not a terminal (logs, pipes,
    notebooks capturing output), so ``verbose=2`` never floods a file.

    Parameters
    ----------
    stream : file object, default=None
        Where to draw the bar; None means ``sys.stdout`` at training time.
    width : int, default=30
        Characters of the bar itself.
    interval : float, default=0.1
        Minimum seconds between redraws.
    """

    def __init__(self, stream=None, width=30, interval=0.1):
        self.stream = stream
        self.width = width
        self.interval = interval

    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def on_train_begin(self, log):
        out = self._out()
        self.active = bool(getattr(out, "isatty", lambda: False)())
        self._epoch_start = self._last_draw = time.perf_counter()
        self._loss_sum = 0.0

    def on_batch_end(self, log, batch, n_batches, loss):
        if not self.active:
            return
        now = time.perf_counter()
        if batch == 0:
            self._epoch_start, self._loss_sum = now, 0.0
        self._loss_sum += loss
        done = batch + 1
        if done < n_batches and now - self._last_draw < self.interval:
            return
        self._last_draw = now
        elapsed = now - self._epoch_start
        remaining = elapsed / done * (n_batches - done)
        filled = int(self.width * done / n_batches)
        bar = "#" * filled + "-" * (self.width - filled)
        self._out().write(
            f"\rEpoch {log.history.n_iter + 1} [{bar}] {done}/{n_batches} "
            f"loss {self._loss_sum / done:.4f} {elapsed:.1f}s elapsed, {remaining:.1f}s left"
        )
        self._out().flush()

    def on_epoch_end(self, log):
        if self.active:
            # Clear the bar so the per-epoch line of ProgressLogger starts clean.
            self._out().write("\r\033[K")
            self._out().flush()
        return False
