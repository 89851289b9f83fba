r"""Losses computed from logits.

Each loss has the signature
``loss(Y, Z, sample_weight=None, total_weight=None) -> (value, dZ)`` where
``Z`` are the network's *logits* (the output layer before its output
activation), ``value`` is the weighted sample loss

.. math::

    L = \frac{\sum_i w_i \, \ell(y_i, z_i)}{N}, \qquad
    N = \sum_i w_i \ \text{by default,}

and ``dZ`` is :math:`\partial L / \partial Z`. By default ``value`` is the
weighted mean over the batch. A mini-batch of :math:`b` samples drawn from a
training set whose mean weight is :math:`\bar w` passes
``total_weight`` :math:`= b \bar w` instead: then :math:`L` is an unbiased
estimate of the training set's weighted mean loss, whichever samples (and
weights) the batch happens to hold. Dividing by the batch's own weight sum
would scale down exactly the batches that hold a heavily weighted sample
(the training loop passes ``total_weight`` so). Working on logits lets each loss
use a numerically stable closed form (log-sum-exp, softplus) and fuse the
output activation's derivative into the loss gradient, which for the
canonical pairs is simply "prediction minus target":

====================  ==================  ========================================
loss                  output activation   :math:`\partial \ell / \partial z`
====================  ==================  ========================================
``squared_error``     identity            :math:`(z - y) / K`
``binary_log_loss``   logistic            :math:`\sigma(z) - y`
``log_loss``          softmax             :math:`\mathrm{softmax}(z) - y`
``poisson``           exp (log link)      :math:`e^{z} - y`
====================  ==================  ========================================

(``K`` is the number of outputs: the squared error is averaged over them, as
in scikit-learn's ``MLPRegressor``.)
"""

import numpy as np
from scipy.special import xlogy

from .activations import logistic, softmax

__all__ = [
    "LOSSES",
    "OUTPUT_ACTIVATION",
    "binary_log_loss",
    "log_loss",
    "output_activation",
    "poisson",
    "squared_error",
]


def _weights(n_samples, sample_weight, total_weight, dtype):
    """Per-sample factors ``w_i / N`` as a column (None without weights).

    ``N`` is ``total_weight``, or the sum of the weights when it is None.
    """
    if sample_weight is None:
        return None
    if total_weight is None:
        total_weight = float(np.sum(sample_weight))
    return (sample_weight / total_weight).astype(dtype, copy=False)[:, None]


def _reduce(per_sample, scale, n_samples):
    """Weighted sum of ``per_sample`` losses (``scale`` from `_weights`), or their mean."""
    if scale is None:
        return float(per_sample.sum()) / n_samples
    return float(per_sample @ scale[:, 0])


def _scale_gradient(dZ, scale, n_samples):
    if scale is None:
        dZ /= n_samples
    else:
        dZ *= scale
    return dZ


_PARAMETERS = """\
    Y : ndarray of shape (n_samples, n_outputs)
        Targets.
    Z : ndarray of shape (n_samples, n_outputs)
        Logits.
    sample_weight : ndarray of shape (n_samples,), default=None
        Non-negative sample weights.
    total_weight : float, default=None
        The divisor :math:`N` of the weighted sum; None means the sum of
        ``sample_weight`` (a weighted mean over the batch). Ignored without
        weights (the plain mean).

    Returns
    -------
    value : float
        :math:`\\sum_i w_i \\ell_i / N`.
    dZ : ndarray of shape (n_samples, n_outputs)
        Gradient of ``value`` with respect to ``Z``.
"""


def _shared_doc(function):
    function.__doc__ = function.__doc__.replace("{parameters}", _PARAMETERS)
    return function


@_shared_doc
def squared_error(Y, Z, sample_weight=None, total_weight=None):
    r"""Half the mean squared error, :math:`\ell = \frac{1}{2K}\sum_k (z_k - y_k)^2`.

    The identity output activation makes the predictions the logits.

    Parameters
    ----------
{parameters}"""
    n, k = Z.shape
    scale = _weights(n, sample_weight, total_weight, Z.dtype)
    dZ = Z - Y
    per_sample = np.einsum("ij,ij->i", dZ, dZ) / (2.0 * k)
    dZ /= k
    return _reduce(per_sample, scale, n), _scale_gradient(dZ, scale, n)


@_shared_doc
def binary_log_loss(Y, Z, sample_weight=None, total_weight=None):
    r"""Binary cross-entropy of independent sigmoid outputs, from logits.

    With :math:`p = \sigma(z)` the per-output loss
    :math:`-y \log p - (1-y) \log(1-p)` simplifies to the stable
    :math:`\max(z, 0) - y z + \log(1 + e^{-|z|})`, summed over outputs
    (one column per independent binary problem, targets in {0, 1}).
    Its gradient is :math:`\sigma(z) - y`.

    Parameters
    ----------
{parameters}"""
    n = Z.shape[0]
    scale = _weights(n, sample_weight, total_weight, Z.dtype)
    elementwise = np.maximum(Z, 0.0) - Y * Z + np.log1p(np.exp(-np.abs(Z)))
    per_sample = elementwise.sum(axis=1)
    dZ = logistic(Z)
    dZ -= Y
    return _reduce(per_sample, scale, n), _scale_gradient(dZ, scale, n)


@_shared_doc
def log_loss(Y, Z, sample_weight=None, total_weight=None):
    r"""Categorical cross-entropy of a softmax output, from logits.

    With one-hot (or probability) targets whose rows sum to one, the
    per-sample loss :math:`-\sum_k y_k \log \mathrm{softmax}(z)_k` equals
    :math:`\log \sum_j e^{z_j} - \sum_k y_k z_k`, evaluated with the row
    maximum subtracted (log-sum-exp). The gradient is
    :math:`\mathrm{softmax}(z) - y`.

    Parameters
    ----------
{parameters}"""
    n = Z.shape[0]
    scale = _weights(n, sample_weight, total_weight, Z.dtype)
    z_max = Z.max(axis=1, keepdims=True)
    dZ = np.subtract(Z, z_max)
    np.exp(dZ, out=dZ)
    sum_exp = dZ.sum(axis=1, keepdims=True)
    log_sum_exp = np.log(sum_exp[:, 0]) + z_max[:, 0]
    per_sample = log_sum_exp - np.einsum("ij,ij->i", Y, Z)
    dZ /= sum_exp
    dZ -= Y
    return _reduce(per_sample, scale, n), _scale_gradient(dZ, scale, n)


@_shared_doc
def poisson(Y, Z, sample_weight=None, total_weight=None):
    r"""Half the Poisson deviance with a log link, from logits.

    The prediction is :math:`\mu = e^{z}` (so it is always positive) and the
    per-output loss is half the Poisson deviance,

    .. math::

        \ell = y \log\frac{y}{\mu} - y + \mu
              = e^{z} - y z + (y \log y - y),

    summed over outputs, as scikit-learn's ``MLPRegressor(loss="poisson")``.
    It is zero for a perfect prediction; the last term does not depend on
    the model. The gradient with respect to the logit is :math:`e^{z} - y`.
    Targets must be non-negative.

    Parameters
    ----------
{parameters}"""
    n = Z.shape[0]
    scale = _weights(n, sample_weight, total_weight, Z.dtype)
    with np.errstate(over="ignore"):
        dZ = np.exp(Z)
    elementwise = dZ - Y * Z + (xlogy(Y, Y) - Y)
    per_sample = elementwise.sum(axis=1)
    dZ -= Y
    return _reduce(per_sample, scale, n), _scale_gradient(dZ, scale, n)


LOSSES = {
    "squared_error": squared_error,
    "binary_log_loss": binary_log_loss,
    "log_loss": log_loss,
    "poisson": poisson,
}

#: The output activation whose derivative each loss has fused in.
OUTPUT_ACTIVATION = {
    "squared_error": "identity",
    "binary_log_loss": "logistic",
    "log_loss": "softmax",
    "poisson": "exp",
}


def output_activation(loss_name, Z):
    """Apply the output activation that belongs to ``loss_name`` to logits.

    Parameters
    ----------
    loss_name : {"squared_error", "binary_log_loss", "log_loss", "poisson"}
        The loss the network was trained with (a key of :data:`OUTPUT_ACTIVATION`).
    Z : ndarray of shape (n_samples, n_outputs)
        Logits, the output of the network.

    Returns
    -------
    output : ndarray of shape (n_samples, n_outputs)
        ``softmax(Z)`` for ``"log_loss"``, ``logistic(Z)`` for
        ``"binary_log_loss"``, ``exp(Z)`` for ``"poisson"`` (new arrays),
        ``Z`` itself for ``"squared_error"``.
    """
    if loss_name == "log_loss":
        return softmax(Z)
    if loss_name == "binary_log_loss":
        return logistic(Z)
    if loss_name == "poisson":
        return np.exp(Z)
    return Z
