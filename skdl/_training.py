"""The one training loop shared by every neural estimator.

Data flows one way::

    epochs -> batches -> forward -> loss -> backward -> L2 -> optimizer.step
           -> epoch end: history, validation, callbacks (may stop)

L-BFGS replaces the epoch loop by :func:`scipy.optimize.minimize` over the
same objective (:func:`objective`).
"""

import math
import time
import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from .callbacks import EpochLog


def objective(network, loss, X, Y, sample_weight, alpha, training=True):
    r"""Loss and gradient of one batch, L2 penalty included.

    .. math::

        J = \frac{\sum_i w_i \ell_i}{\sum_i w_i}
            + \frac{\alpha}{2 \sum_i w_i} \lVert W \rVert^2

    where :math:`W` are the weights (not the intercepts). Fills
    ``network.flat_grads`` with :math:`\partial J / \partial \theta`.

    Returns
    -------
    value : float
    """
    logits = network.forward(X, training=training)
    value, dlogits = loss(Y, logits, sample_weight)
    network.backward(dlogits)
    if alpha:
        weight_sum = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
        weights = network.flat_params[:network.n_regularized]
        grads = network.flat_grads[:network.n_regularized]
        value += 0.5 * alpha * float(weights @ weights) / weight_sum
        # grads += (alpha / weight_sum) * weights, without a temporary.
        scale = weights.dtype.type(alpha / weight_sum)
        grads += np.multiply(weights, scale, out=network.scratch(weights.size))
    return value


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


def train_stochastic(network, loss, X, Y, sample_weight, *, optimizer, history,
                     alpha, batch_size, shuffle, max_iter, rng, callbacks=(),
                     validate=None, incremental=False, clip_norm=None):
    """Mini-batch training for up to ``max_iter`` epochs.

    Parameters
    ----------
    network : Sequential
    loss : callable
        ``loss(Y, logits, sample_weight) -> (value, dlogits)``.
    X, Y : ndarray
        Training inputs (compute dtype) and encoded targets.
    sample_weight : ndarray or None
    optimizer : Optimizer
    history : History
        Updated in place (loss curve, counters), so warm starts continue it.
    alpha : float
        L2 penalty.
    batch_size : "auto" or int
    shuffle : bool
    max_iter : int
        Epochs to run at most.
    rng : numpy.random.Generator
        Shuffles the samples each epoch.
    callbacks : sequence of Callback
        Called at every epoch end; any of them may stop training.
    validate : callable or None
        ``validate() -> (score, loss)`` on held-out data, once per epoch.
    incremental : bool
        One epoch only (``partial_fit``); no convergence warning.
    clip_norm : float or None
        If set, every batch gradient (penalty included) is rescaled to at most
        this Euclidean norm before the optimizer step (see :func:`clip_gradient`).
    """
    n_samples = X.shape[0]
    batch_size = resolve_batch_size(batch_size, n_samples)
    log = EpochLog(network, optimizer, history, max_iter)
    for callback in callbacks:
        callback.on_train_begin(log)
    # Per-batch hooks cost a Python call per batch: only for those that ask.
    batch_callbacks = [callback for callback in callbacks if callback.wants_batches()]
    n_batches = -(-n_samples // batch_size)
    stopped = False
    reference = None
    for _ in range(max_iter):
        order = rng.permutation(n_samples) if shuffle else None
        accumulated = 0.0
        for start in range(0, n_samples, batch_size):
            if order is None:
                batch = slice(start, start + batch_size)
            else:
                batch = order[start:start + batch_size]
            sw = None if sample_weight is None else sample_weight[batch]
            value = objective(network, loss, X[batch], Y[batch], sw, alpha)
            reference = value if reference is None else reference
            if _has_diverged(value, reference):
                raise _diverged(value, optimizer.learning_rate_init,
                                f"in epoch {history.n_iter + 1}")
            if clip_norm is not None:
                clip_gradient(network.flat_grads, clip_norm)
            optimizer.step([network.flat_params], [network.flat_grads])
            accumulated += value * (min(start + batch_size, n_samples) - start)
            for callback in batch_callbacks:
                callback.on_batch_end(log, start // batch_size, n_batches, value)
        history.n_iter += 1
        history.t += n_samples
        log.epoch = history.n_iter
        log.loss = accumulated / n_samples
        history.loss_curve.append(log.loss)
        if validate is not None:
            log.validation_score, log.validation_loss = validate()
            history.validation_scores.append(log.validation_score)
            history.validation_loss_curve.append(log.validation_loss)
        optimizer.iteration_ends(history.t)
        # Every callback sees every epoch, even when an earlier one stops.
        stops = [callback.on_epoch_end(log) for callback in callbacks]
        if any(stops):
            stopped = True
            break
        if incremental:
            break
    for callback in callbacks:
        callback.on_train_end(log)
    if not stopped and not incremental:
        warnings.warn(
            f"Stochastic Optimizer: Maximum iterations ({max_iter}) reached and "
            "the optimization hasn't converged yet.",
            ConvergenceWarning,
        )
    return history


def train_lbfgs(network, loss, X, Y, sample_weight, *, history, alpha, max_iter,
                max_fun, tol, verbose=False):
    """Full-batch training with scipy's L-BFGS-B on :func:`objective`.

    The objective is evaluated in the network's dtype and handed to scipy in
    float64. ``history.loss_curve`` receives the loss after every iteration.
    """
    def fun(theta):
        network.flat_params[:] = theta
        value = objective(network, loss, X, Y, sample_weight, alpha, training=False)
        if not math.isfinite(value):
            raise ValueError(
                f"The training loss became non-finite ({value}) during L-BFGS; "
                "the features are probably badly scaled (standardise them)."
            )
        return value, network.flat_grads.astype(np.float64)

    def record(intermediate_result):
        history.n_iter += 1
        history.loss_curve.append(float(intermediate_result.fun))
        if verbose:
            print(f"Iteration {history.n_iter}, loss = {intermediate_result.fun:.8f}")

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
    if result.status != 0:
        warnings.warn(
            f"lbfgs failed to converge after {result.nit} iterations "
            f"(status={result.status}): {result.message}. Increase max_iter "
            "(or max_fun) or scale the data.",
            ConvergenceWarning,
        )
    return float(result.fun)
