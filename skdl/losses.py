r"""Losses computed from logits.

Each loss has the signature ``loss(Y, Z, sample_weight=None) -> (value, dZ)``
where ``Z`` are the network's *logits* (the output layer before its output
activation), ``value`` is the weighted mean sample loss

.. math::

    L = \frac{\sum_i w_i \, \ell(y_i, z_i)}{\sum_i w_i}

and ``dZ`` is :math:`\partial L / \partial Z`. Working on logits lets each loss
use a numerically stable closed form (log-sum-exp, softplus) and fuse the
output activation's derivative into the loss gradient, which for the
canonical pairs is simply "prediction minus target":

====================  ==================  ========================================
loss                  output activation   :math:`\partial \ell / \partial z`
====================  ==================  ========================================
``squared_error``     identity            :math:`(z - y) / K`
``binary_log_loss``   logistic            :math:`\sigma(z) - y`
``log_loss``          softmax             :math:`\mathrm{softmax}(z) - y`
====================  ==================  ========================================

(``K`` is the number of outputs: the squared error is averaged over them, as
in scikit-learn's ``MLPRegressor``.)
"""

import numpy as np

from .activations import logistic, softmax

__all__ = [
    "LOSSES",
    "OUTPUT_ACTIVATION",
    "binary_log_loss",
    "log_loss",
    "output_activation",
    "squared_error",
]


def _weights(n_samples, sample_weight, dtype):
    """Per-sample factors ``w_i / sum(w)`` as a column, and the weight sum."""
    if sample_weight is None:
        return None, float(n_samples)
    total = float(np.sum(sample_weight))
    return (sample_weight / total).astype(dtype, copy=False)[:, None], total


def _reduce(per_sample, scale, n_samples):
    """Weighted mean of ``per_sample`` losses (``scale`` from `_weights`)."""
    if scale is None:
        return float(per_sample.sum()) / n_samples
    return float(per_sample @ scale[:, 0])


def _scale_gradient(dZ, scale, n_samples):
    if scale is None:
        dZ /= n_samples
    else:
        dZ *= scale
    return dZ


def squared_error(Y, Z, sample_weight=None):
    r"""Half the mean squared error, :math:`\ell = \frac{1}{2K}\sum_k (z_k - y_k)^2`.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        Targets.
    Z : ndarray of shape (n_samples, n_outputs)
        Predictions (the identity output activation makes them the logits).
    sample_weight : ndarray of shape (n_samples,), default=None
        Non-negative sample weights.

    Returns
    -------
    value : float
        :math:`\sum_i w_i \ell_i / \sum_i w_i`.
    dZ : ndarray of shape (n_samples, n_outputs)
        Gradient of ``value`` with respect to ``Z``.
    """
    n, k = Z.shape
    scale, _ = _weights(n, sample_weight, Z.dtype)
    dZ = Z - Y
    per_sample = np.einsum("ij,ij->i", dZ, dZ) / (2.0 * k)
    dZ /= k
    return _reduce(per_sample, scale, n), _scale_gradient(dZ, scale, n)


def binary_log_loss(Y, Z, sample_weight=None):
    r"""Binary cross-entropy of independent sigmoid outputs, from logits.

    With :math:`p = \sigma(z)` the per-output loss
    :math:`-y \log p - (1-y) \log(1-p)` simplifies to the stable
    :math:`\max(z, 0) - y z + \log(1 + e^{-|z|})`, summed over outputs.
    Its gradient is :math:`\sigma(z) - y`.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        Targets in {0, 1} (one column per independent binary problem).
    Z : ndarray of shape (n_samples, n_outputs)
        Logits.
    sample_weight : ndarray of shape (n_samples,), default=None
        Non-negative sample weights.

    Returns
    -------
    value : float
        :math:`\sum_i w_i \ell_i / \sum_i w_i`, the weighted mean over samples
        of the per-sample loss (summed over outputs).
    dZ : ndarray of shape (n_samples, n_outputs)
        Gradient of ``value`` with respect to the logits ``Z``.
    """
    n = Z.shape[0]
    scale, _ = _weights(n, sample_weight, Z.dtype)
    elementwise = np.maximum(Z, 0.0) - Y * Z + np.log1p(np.exp(-np.abs(Z)))
    per_sample = elementwise.sum(axis=1)
    dZ = logistic(Z)
    dZ -= Y
    return _reduce(per_sample, scale, n), _scale_gradient(dZ, scale, n)


def log_loss(Y, Z, sample_weight=None):
    r"""Categorical cross-entropy of a softmax output, from logits.

    With one-hot targets the per-sample loss
    :math:`-\sum_k y_k \log \mathrm{softmax}(z)_k` equals
    :math:`\log \sum_j e^{z_j} - \sum_k y_k z_k`, evaluated with the row
    maximum subtracted (log-sum-exp). The gradient is
    :math:`\mathrm{softmax}(z) - y`.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_classes)
        One-hot (or probability) targets whose rows sum to one.
    Z : ndarray of shape (n_samples, n_classes)
        Logits.
    sample_weight : ndarray of shape (n_samples,), default=None
        Non-negative sample weights.

    Returns
    -------
    value : float
        :math:`\sum_i w_i \ell_i / \sum_i w_i`, the weighted mean
        cross-entropy over samples.
    dZ : ndarray of shape (n_samples, n_classes)
        Gradient of ``value`` with respect to the logits ``Z``.
    """
    n = Z.shape[0]
    scale, _ = _weights(n, sample_weight, Z.dtype)
    z_max = Z.max(axis=1, keepdims=True)
    dZ = np.subtract(Z, z_max)
    np.exp(dZ, out=dZ)
    sum_exp = dZ.sum(axis=1, keepdims=True)
    log_sum_exp = np.log(sum_exp[:, 0]) + z_max[:, 0]
    per_sample = log_sum_exp - np.einsum("ij,ij->i", Y, Z)
    dZ /= sum_exp
    dZ -= Y
    return _reduce(per_sample, scale, n), _scale_gradient(dZ, scale, n)


LOSSES = {
    "squared_error": squared_error,
    "binary_log_loss": binary_log_loss,
    "log_loss": log_loss,
}

#: The output activation whose derivative each loss has fused in.
OUTPUT_ACTIVATION = {
    "squared_error": "identity",
    "binary_log_loss": "logistic",
    "log_loss": "softmax",
}


def output_activation(loss_name, Z):
    """Apply the output activation that belongs to ``loss_name`` to logits.

    Parameters
    ----------
    loss_name : {"squared_error", "binary_log_loss", "log_loss"}
        The loss the network was trained with (a key of :data:`OUTPUT_ACTIVATION`).
    Z : ndarray of shape (n_samples, n_outputs)
        Logits, the output of the network.

    Returns
    -------
    output : ndarray of shape (n_samples, n_outputs)
        ``softmax(Z)`` for ``"log_loss"``, ``logistic(Z)`` for
        ``"binary_log_loss"`` (new arrays), ``Z`` itself for
        ``"squared_error"``.
    """
    if loss_name == "log_loss":
        return softmax(Z)
    if loss_name == "binary_log_loss":
        return logistic(Z)
    return Z
