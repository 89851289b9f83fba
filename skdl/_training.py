"""The one training loop shared by every neural estimator.

Data flows one way::

    epochs -> batches -> forward -> loss -> backward -> L2 -> optimizer.step
           -> epoch end: history, validation, callbacks (may stop)

L-BFGS replaces the epoch loop by :func:`scipy.optimize.minimize` over the
same objective (:meth:`Trainer.objective`). A :class:`Trainer` holds what a
fit owns (gradients, caches) and is dropped when the fit ends.
"""

import contextlib
import math
import signal
import threading
import time
import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from ._blas_threads import scipy_blas_single_threaded
from .callbacks import EpochLog


# Elements per block of the L2 gradient update (2 MB in float64). Larger
# blocks were faster at every size measured, 4,096 to 262,144 values (fewer
# calls; the passes are not bound by memory there): 151 us against 196 us at
# 32,768 for 234,000 float64 weights. The cap bounds the scratch memory.
_PENALTY_BLOCK = 1 << 18


def add_scaled(target, source, factor, block):
    """``target += factor * source`` in place, through ``block`` a slice at a time.

    Parameters
    ----------
    target : ndarray of shape (n,)
        Updated in place.
    source : ndarray of shape (n,)
    factor : float
    block : ndarray of shape (m,)
        Scratch of the arrays' dtype; its length sets the slice (m >= 1
        unless n == 0). The extra memory is ``m`` values, whatever ``n``.
    """
    size = len(block)
    for start in range(0, len(target), size):
        stop = min(start + size, len(target))
        part = block[:stop - start]
        np.multiply(source[start:stop], factor, out=part)
        np.add(target[start:stop], part, out=target[start:stop])


class Trainer:
    r"""What one fit owns: the gradient, the layers' training caches, the objective.

    A fit creates one, trains with it and drops it, so gradients, cached
    activations and work arrays live exactly as long as the fit; the network
    keeps only what it learned.

    The objective of a batch :math:`B` of :math:`b` samples is its weighted
    loss plus the L2 penalty, both divided by the weight the batch stands
    for:

    .. math::

        J_B = \frac{\sum_{i \in B} w_i \ell_i + \frac{\alpha}{2} \lVert W \rVert^2}
                   {b \, \bar w},
        \qquad \bar w = \frac{1}{n} \sum_{i=1}^{n} w_i ,

    where :math:`W` are the weights (not the intercepts) and :math:`\bar w` is
    the mean weight of the :math:`n` training samples. For a batch drawn
    uniformly, the expected loss term is the training set's weighted mean
    loss :math:`\sum_i w_i \ell_i / \sum_i w_i`, whatever weights the batch
    happens to hold, so mini-batch solvers head for the optimum of the
    full-batch objective. (Dividing by the batch's own weight sum instead
    scales down exactly the batches that hold a heavily weighted sample:
    class weights were under-applied.) On the whole training set,
    :math:`b \bar w = \sum_i w_i` and :math:`J` is scikit-learn's weighted
    objective; without weights :math:`\bar w = 1` and the penalty is
    scikit-learn's :math:`\alpha / 2b`.

    Parameters
    ----------
    network : Sequential
        The built network to train.
    loss : callable
        ``loss(Y, logits, sample_weight, total_weight) -> (value, dlogits)``
        (see :mod:`skdl.losses`).
    alpha : float
        L2 penalty.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        The weights of the whole training set, which give :math:`\bar w`.
        None means unweighted training (or, if batches come with weights
        anyway, each batch normalised by its own weight sum).

    Attributes
    ----------
    flat_grads : ndarray of shape (n_params,)
        Gradient of the last :meth:`objective`, laid out as
        ``network.flat_params``.
    """

    def __init__(self, network, loss, alpha, sample_weight=None):
        self.network = network
        self.loss = loss
        self.alpha = alpha
        self.flat_grads = np.zeros_like(network.flat_params)
        self._grads = network.gradient_views(self.flat_grads)
        self._caches = [{} for _ in network.layers]
        # grads += c * weights block by block through this buffer: no
        # weight-sized temporary (for a wide sparse first layer the weights
        # are hundreds of megabytes), and NumPy only. SciPy's BLAS (axpy) is
        # a second OpenBLAS library with its own thread pool: calling it
        # between NumPy's products left two pools' threads spinning on two
        # cores and made a batch of the LSTM benchmark 3.5x slower.
        self._penalty_block = np.empty(min(_PENALTY_BLOCK, network.n_regularized),
                                       dtype=network.dtype)
        if sample_weight is None:
            self._weight_total = self._n_samples = None
        else:
            self._weight_total = float(np.sum(sample_weight))
            self._n_samples = len(sample_weight)

    def batch_weight(self, n_batch, sample_weight):
        r"""The weight :math:`b \bar w` a batch of ``n_batch`` samples stands for.

        Parameters
        ----------
        n_batch : int
            Samples in the batch.
        sample_weight : ndarray or None
            The batch's weights.

        Returns
        -------
        total : float or None
            ``n_batch`` without weights. For the whole training set it is
            exactly the sum of its weights.
        """
        if sample_weight is None:
            return n_batch
        if self._weight_total is None:
            return float(np.sum(sample_weight))
        return self._weight_total * (n_batch / self._n_samples)

    def objective(self, X, Y, sample_weight, rng=None):
        """Loss of one batch, penalty included; fills :attr:`flat_grads`.

        Parameters
        ----------
        X : ndarray or scipy sparse matrix
            Inputs of the batch (network dtype).
        Y : ndarray
            Encoded targets of the batch.
        sample_weight : ndarray or None
            Per-sample weights of the batch.
        rng : numpy.random.Generator or None
            Training-time randomness (dropout masks).

        Returns
        -------
        value : float
        """
        network = self.network
        # Layers see the batch's raw weights (batch normalisation takes
        # weighted batch statistics); the loss and penalty see what the batch
        # stands for in the training set.
        logits = network.forward(X, self._caches, rng, sample_weight=sample_weight)
        total = self.batch_weight(X.shape[0], sample_weight)
        value, dlogits = self.loss(Y, logits, sample_weight, total)
        network.backward(dlogits, self._caches, self._grads)
        if self.alpha and network.n_regularized:
            weights = network.flat_params[:network.n_regularized]
            grads = self.flat_grads[:network.n_regularized]
            value += 0.5 * self.alpha * float(weights @ weights) / total
            add_scaled(grads, weights, self.alpha / total, self._penalty_block)
        return value


class InterruptRequest:
    """Set by the first Ctrl-C of a fit (see :func:`stop_on_interrupt`)."""

    requested = False


@contextlib.contextmanager
def stop_on_interrupt():
    """Turn Ctrl-C during a fit into a request to stop at the next batch boundary.

    The first ``SIGINT`` only sets the flag this context yields: the training
    loop finishes the batch it is in, records the partial epoch and stops,
    so weights, counters, loss curve and optimizer state agree. A second
    ``SIGINT`` raises ``KeyboardInterrupt`` at once. Signals reach only the
    main thread, so elsewhere (a fit in a worker thread) the flag is never
    set and nothing is installed.

    Yields
    ------
    request : InterruptRequest
    """
    request = InterruptRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return

    def handler(signum, frame):
        if request.requested:
            raise KeyboardInterrupt
        request.requested = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield request
    finally:
        signal.signal(signal.SIGINT, previous)


#: A batch loss this many times above the first batch's (or above 1, when
#: that is larger) means the steps are overshooting: the fit has diverged.
DIVERGENCE_FACTOR = 1e4


def _has_diverged(value, reference):
    return not math.isfinite(value) or value > DIVERGENCE_FACTOR * max(reference, 1.0)


def clip_gradient(grad, clip_norm):
    r"""Rescale ``grad`` in place to Euclidean norm at most ``clip_norm``.

    .. math::

        g \leftarrow g \cdot \min\left(1, \frac{\tau}{\lVert g \rVert}\right)

    The direction is kept; only steps whose gradient exploded are shortened
    (Pascanu et al., 2013). Returns the norm before clipping.
    """
    norm = float(np.sqrt(grad @ grad))
    if norm > clip_norm:
        grad *= clip_norm / norm
    return norm


def _diverged(value, learning_rate, where):
    return ValueError(
        f"The training loss exploded to {value:.4g} {where}: the fit diverged. "
        f"The learning rate (learning_rate_init={learning_rate}) is probably too "
        "large for this data; lower it, or standardise the features."
    )


def resolve_batch_size(batch_size, n_samples):
    """``"auto"`` is ``min(200, n_samples)``; larger values are clipped with a warning."""
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        warnings.warn(
            "Got `batch_size` less than 1 or larger than sample size. "
            "It is going to be clipped"
        )
    return int(np.clip(batch_size, 1, n_samples))


class EpochRunner:
    """One pass over the training data in mini-batches: what every epoch of a fit repeats.

    Its parameters are those of :func:`train_stochastic`, with ``batch_size``
    resolved to an int, and ``batch_callbacks``: the callbacks whose
    :meth:`~skdl.callbacks.Callback.on_batch_end` runs after every batch.
    It keeps the first batch loss of the fit, which the divergence test
    compares every later batch loss to.
    """

    def __init__(self, trainer, X, Y, sample_weight, *, optimizer, batch_size, shuffle, rng,
                 clip_norm, batch_callbacks, interrupt):
        self.trainer = trainer
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rng = rng
        self.clip_norm = clip_norm
        self.batch_callbacks = batch_callbacks
        self.interrupt = interrupt
        self.n_batches = -(-X.shape[0] // batch_size)
        self.reference = None        # the first batch loss, for the divergence test

    def run(self, log, learning_rate_init):
        """Train one epoch; return ``(mean loss, samples used, interrupted)``.

        Parameters
        ----------
        log : EpochLog
            Passed to the batch callbacks.
        learning_rate_init : float
            Named by the error if the loss explodes.
        """
        trainer, network, optimizer = self.trainer, self.trainer.network, self.optimizer
        X, Y, sample_weight, rng = self.X, self.Y, self.sample_weight, self.rng
        n_samples, batch_size = X.shape[0], self.batch_size
        order = rng.permutation(n_samples) if self.shuffle else None
        accumulated, seen = 0.0, 0
        for start in range(0, n_samples, batch_size):
            batch = slice(start, start + batch_size) if order is None else \
                order[start:start + batch_size]
            sw = None if sample_weight is None else sample_weight[batch]
            value = trainer.objective(X[batch], Y[batch], sw, rng)
            self.reference = value if self.reference is None else self.reference
            if _has_diverged(value, self.reference):
                raise _diverged(value, learning_rate_init, f"in epoch {log.history.n_iter + 1}")
            if self.clip_norm is not None:
                clip_gradient(trainer.flat_grads, self.clip_norm)
            optimizer.step([network.flat_params], [trainer.flat_grads])
            size = min(start + batch_size, n_samples) - start
            accumulated += value * size
            seen += size
            for callback in self.batch_callbacks:
                callback.on_batch_end(log, start // batch_size, self.n_batches, value)
            if self.interrupt is not None and self.interrupt.requested:
                return accumulated / seen, seen, True
        return accumulated / seen, seen, False


def _record_epoch(log, loss, seen, started, validate):
    """Epoch end: counters, loss, validation and time into the history and the log."""
    history = log.history
    history.n_iter += 1
    history.t += seen
    log.epoch, log.loss = history.n_iter, loss
    history.loss_curve.append(loss)
    if validate is not None:
        log.validation_score, log.validation_loss = validate()
        history.validation_scores.append(log.validation_score)
        history.validation_loss_curve.append(log.validation_loss)
    log.seconds = time.perf_counter() - started
    history.epoch_times.append(log.seconds)


def train_stochastic(trainer, X, Y, sample_weight, *, optimizer, schedule, history, batch_size,
                     shuffle, max_iter, rng, callbacks=(), validate=None, incremental=False,
                     clip_norm=None, interrupt=None):
    """Mini-batch training for up to ``max_iter`` epochs.

    Parameters
    ----------
    trainer : Trainer
        The fit's objective, gradient and caches.
    X, Y : ndarray
        Training inputs (compute dtype) and encoded targets.
    sample_weight : ndarray or None
    optimizer : Optimizer
        Receives the schedule's rate at the start of every epoch.
    schedule : LearningRateSchedule
        A started schedule (:mod:`skdl.schedules`), kept across warm starts.
    history : History
        Updated in place (loss curve, counters, rates, times), so warm starts continue it.
    batch_size : "auto" or int
    shuffle : bool
    max_iter : int
        Epochs to run at most.
    rng : numpy.random.Generator
        Shuffles the samples each epoch and draws the dropout masks.
    callbacks : sequence of Callback
        Called at every epoch begin and end; any of them may stop training.
    validate : callable or None
        ``validate() -> (score, loss)`` on held-out data, once per epoch.
    incremental : bool
        One epoch only (``partial_fit``); no convergence warning.
    clip_norm : float or None
        If set, every batch gradient (penalty included) is rescaled to at most
        this Euclidean norm before the optimizer step (see :func:`clip_gradient`).
    interrupt : InterruptRequest or None
        Checked after every batch: when requested, the epoch in progress is
        recorded as it stands (samples seen, mean loss of its batches) and
        training stops with a warning.
    """
    n_samples = X.shape[0]
    # Per-batch hooks cost a Python call per batch: only for those that ask.
    runner = EpochRunner(trainer, X, Y, sample_weight, optimizer=optimizer,
                         batch_size=resolve_batch_size(batch_size, n_samples), shuffle=shuffle,
                         rng=rng, clip_norm=clip_norm, interrupt=interrupt,
                         batch_callbacks=[c for c in callbacks if c.wants_batches()])
    epochs = 1 if incremental else max_iter
    log = EpochLog(trainer.network, optimizer, history, epochs, schedule=schedule,
                   n_batches=runner.n_batches)
    for callback in callbacks:
        callback.on_train_begin(log)
    stopped = interrupted = False
    for _ in range(epochs):
        start = time.perf_counter()
        log.learning_rate = optimizer.learning_rate = schedule.begin_epoch(history.n_iter)
        history.learning_rates.append(log.learning_rate)
        for callback in callbacks:
            callback.on_epoch_begin(log)
        loss, seen, interrupted = runner.run(log, schedule.learning_rate_init_)
        _record_epoch(log, loss, seen, start, validate)
        optimizer.iteration_ends(history.t)
        # Every callback sees every epoch, even when an earlier one stops.
        stops = [callback.on_epoch_end(log) for callback in callbacks]
        schedule.end_epoch(history.t, log.improved)
        # The optimizer holds the next epoch's rate, as scikit-learn's does
        # between fits (its learning_rate after a fit is the one to come).
        optimizer.learning_rate = schedule.begin_epoch(history.n_iter)
        if any(stops) or interrupted:
            stopped = True
            break
    for callback in callbacks:
        callback.on_train_end(log)
    if interrupted:
        warnings.warn(
            f"Training interrupted by the user in epoch {history.n_iter}, after {seen} of its "
            f"{n_samples} samples; the model holds the weights of the last completed batch.",
            UserWarning,
        )
    elif not stopped and not incremental:
        warnings.warn(
            f"Stochastic Optimizer: Maximum iterations ({max_iter}) reached and "
            "the optimization hasn't converged yet.",
            ConvergenceWarning,
        )
    return history


def train_lbfgs(trainer, X, Y, sample_weight, *, history, max_iter, max_fun, tol,
                callbacks=(), verbose=False, interrupt=None):
    """Full-batch training with scipy's L-BFGS-B on :meth:`Trainer.objective`.

    The objective is evaluated in the network's dtype and handed to scipy in
    float64. ``history.loss_curve`` receives the loss after every iteration.
    Each iteration is an epoch for the callbacks: scipy reports it when it
    is done, so its :meth:`~skdl.callbacks.Callback.on_epoch_begin` and
    ``on_epoch_end`` run together, with the network at the new iterate. A
    callback asking to stop, or a requested ``interrupt``, ends the run
    after the current iteration.
    """
    network = trainer.network
    log = EpochLog(network, None, history, max_iter)
    started = time.perf_counter()

    def fun(theta):
        network.flat_params[:] = theta
        value = trainer.objective(X, Y, sample_weight)
        if not math.isfinite(value):
            raise ValueError(
                f"The training loss became non-finite ({value}) during L-BFGS; "
                "the features are probably badly scaled (standardise them)."
            )
        return value, trainer.flat_grads.astype(np.float64)

    def record(intermediate_result):
        nonlocal started
        # The line search may have evaluated other points last: callbacks
        # (a model snapshot) see the iterate itself.
        network.flat_params[:] = intermediate_result.x
        _record_epoch(log, float(intermediate_result.fun), 0, started, None)
        started = time.perf_counter()
        for callback in callbacks:
            callback.on_epoch_begin(log)
        stops = [callback.on_epoch_end(log) for callback in callbacks]
        if any(stops) or (interrupt is not None and interrupt.requested):
            raise StopIteration        # scipy returns the current iterate

    for callback in callbacks:
        callback.on_train_begin(log)
    start = started = time.perf_counter()
    # SciPy's BLAS (L-BFGS-B's vector work) alternating with NumPy's (the
    # objective): one thread on SciPy's side, see skdl._blas_threads.
    with scipy_blas_single_threaded():
        result = scipy.optimize.minimize(
            fun,
            network.flat_params.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=record,
            # ftol as scikit-learn's LogisticRegression: stop on the gradient
            # (gtol=tol), not on scipy's loose default relative-decrease test.
            options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol,
                     "ftol": 64 * np.finfo(float).eps, "maxls": 50},
        )
    network.flat_params[:] = result.x
    history.t += X.shape[0]
    history.best_loss = min(history.best_loss, float(result.fun))
    for callback in callbacks:
        callback.on_train_end(log)
    if verbose:
        print(f"L-BFGS finished in {time.perf_counter() - start:.2f} s: {result.message}")
    if interrupt is not None and interrupt.requested:
        warnings.warn(f"Training interrupted by the user after {result.nit} L-BFGS "
                      "iterations; the model holds the last iterate.", UserWarning)
    elif result.status != 0 and result.status != 99:
        warnings.warn(
            f"lbfgs failed to converge after {result.nit} iterations "
            f"(status={result.status}): {result.message}. Increase max_iter "
            "(or max_fun) or scale the data.",
            ConvergenceWarning,
        )
    return float(result.fun)
