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
from scipy.linalg import blas
from sklearn.exceptions import ConvergenceWarning

from .callbacks import EpochLog


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
        # grads += c * weights in one pass and no temporary (BLAS axpy writes
        # into a contiguous array of its dtype): for a wide sparse first layer
        # the weights are hundreds of megabytes.
        self._axpy = blas.get_blas_funcs("axpy", dtype=network.dtype)
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
            self._axpy(weights, grads, a=self.alpha / total)     # in place
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


def train_stochastic(trainer, X, Y, sample_weight, *, optimizer, history, batch_size,
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
    history : History
        Updated in place (loss curve, counters), so warm starts continue it.
    batch_size : "auto" or int
    shuffle : bool
    max_iter : int
        Epochs to run at most.
    rng : numpy.random.Generator
        Shuffles the samples each epoch and draws the dropout masks.
    callbacks : sequence of Callback
        Called at every epoch end; any of them may stop training.
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
    network = trainer.network
    n_samples = X.shape[0]
    batch_size = resolve_batch_size(batch_size, n_samples)
    log = EpochLog(network, optimizer, history, max_iter)
    for callback in callbacks:
        callback.on_train_begin(log)
    # Per-batch hooks cost a Python call per batch: only for those that ask.
    batch_callbacks = [callback for callback in callbacks if callback.wants_batches()]
    n_batches = -(-n_samples // batch_size)
    stopped = interrupted = False
    reference = None
    for _ in range(max_iter):
        order = rng.permutation(n_samples) if shuffle else None
        accumulated, seen = 0.0, 0
        for start in range(0, n_samples, batch_size):
            if order is None:
                batch = slice(start, start + batch_size)
            else:
                batch = order[start:start + batch_size]
            sw = None if sample_weight is None else sample_weight[batch]
            value = trainer.objective(X[batch], Y[batch], sw, rng)
            reference = value if reference is None else reference
            if _has_diverged(value, reference):
                raise _diverged(value, optimizer.learning_rate_init,
                                f"in epoch {history.n_iter + 1}")
            if clip_norm is not None:
                clip_gradient(trainer.flat_grads, clip_norm)
            optimizer.step([network.flat_params], [trainer.flat_grads])
            size = min(start + batch_size, n_samples) - start
            accumulated += value * size
            seen += size
            for callback in batch_callbacks:
                callback.on_batch_end(log, start // batch_size, n_batches, value)
            if interrupt is not None and interrupt.requested:
                interrupted = True
                break
        history.n_iter += 1
        history.t += seen
        log.epoch = history.n_iter
        log.loss = accumulated / seen
        history.loss_curve.append(log.loss)
        if validate is not None:
            log.validation_score, log.validation_loss = validate()
            history.validation_scores.append(log.validation_score)
            history.validation_loss_curve.append(log.validation_loss)
        optimizer.iteration_ends(history.t)
        # Every callback sees every epoch, even when an earlier one stops.
        stops = [callback.on_epoch_end(log) for callback in callbacks]
        if any(stops) or interrupted:
            stopped = True
            break
        if incremental:
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
                verbose=False, interrupt=None):
    """Full-batch training with scipy's L-BFGS-B on :meth:`Trainer.objective`.

    The objective is evaluated in the network's dtype and handed to scipy in
    float64. ``history.loss_curve`` receives the loss after every iteration.
    A requested ``interrupt`` ends the run after the current iteration.
    """
    network = trainer.network

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
        history.n_iter += 1
        history.loss_curve.append(float(intermediate_result.fun))
        if verbose:
            print(f"Iteration {history.n_iter}, loss = {intermediate_result.fun:.8f}")
        if interrupt is not None and interrupt.requested:
            raise StopIteration        # scipy returns the current iterate

    start = time.perf_counter()
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
    if verbose:
        print(f"L-BFGS finished in {time.perf_counter() - start:.2f} s: {result.message}")
    if interrupt is not None and interrupt.requested:
        warnings.warn(f"Training interrupted by the user after {result.nit} L-BFGS "
                      "iterations; the model holds the last iterate.", UserWarning)
    elif result.status != 0:
        warnings.warn(
            f"lbfgs failed to converge after {result.nit} iterations "
            f"(status={result.status}): {result.message}. Increase max_iter "
            "(or max_fun) or scale the data.",
            ConvergenceWarning,
        )
    return float(result.fun)
