"""Activation functions and their derivatives.

Every activation is a pure function ``f(Z, out=None) -> A``. Its derivative
is expressed through the *output* ``A`` (never ``Z``), so a layer only has to
keep one array in its forward cache::

    dZ = derivative(A) * dA

This works because each derivative here is a function of the output:

=============  ==========================  ==============================
name           :math:`f(z)`                :math:`f'(z)` written with A
=============  ==========================  ==============================
identity       :math:`z`                   :math:`1`
logistic       :math:`1 / (1 + e^{-z})`    :math:`A (1 - A)`
tanh           :math:`\\tanh z`             :math:`1 - A^2`
relu           :math:`\\max(0, z)`          :math:`[A > 0]`
leaky_relu     :math:`\\max(a z, z)`        :math:`1` if :math:`A > 0` else :math:`a`
=============  ==========================  ==============================

``softmax`` is only used as an output activation; its gradient is fused into
the cross-entropy loss (see :mod:`skdl.losses`), so it has no derivative here.
"""

import numpy as np

LEAKY_RELU_SLOPE = 0.01


def identity(Z, out=None):
    """Return ``Z`` unchanged (copied into ``out`` when given).

    Parameters
    ----------
    Z : ndarray
        Pre-activations, any shape (usually ``(n_samples, n_units)``).
    out : ndarray, optional
        Array of the same shape and dtype as ``Z`` to copy ``Z`` into. By
        default ``Z`` itself is returned, without a copy.

    Returns
    -------
    A : ndarray
        ``Z`` itself, or ``out`` holding a copy of it.
    """
    if out is None:
        return Z
    np.copyto(out, Z)
    return out


def logistic(Z, out=None):
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`.

    Computed from ``np.exp``, which is faster than ``scipy.special.expit`` on
    this class of machine. It is exact at the extremes: for very negative
    ``z``, :math:`e^{-z}` overflows to ``inf`` and :math:`1/(1+\infty) = 0`,
    the correct limit; for very positive ``z`` it underflows to 0 and gives 1.

    Parameters
    ----------
    Z : ndarray
        Pre-activations, any shape (usually ``(n_samples, n_units)``).
    out : ndarray, optional
        Array of the same shape and dtype as ``Z`` to write the result into;
        may be ``Z`` itself. By default a new array is allocated.

    Returns
    -------
    A : ndarray
        Values in [0, 1], same shape and dtype as ``Z`` (``out`` when given).

    Examples
    --------
    >>> import numpy as np
    >>> logistic(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    out = np.negative(Z, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def tanh(Z, out=None):
    """Hyperbolic tangent :math:`\\tanh z`, elementwise.

    Parameters
    ----------
    Z : ndarray
        Pre-activations, any shape (usually ``(n_samples, n_units)``).
    out : ndarray, optional
        Array of the same shape and dtype as ``Z`` to write the result into;
        may be ``Z`` itself. By default a new array is allocated.

    Returns
    -------
    A : ndarray
        Values in [-1, 1], same shape and dtype as ``Z`` (``out`` when given).
    """
    return np.tanh(Z, out=out)


def relu(Z, out=None):
    r"""Rectified linear unit :math:`\max(0, z)`, elementwise.

    Parameters
    ----------
    Z : ndarray
        Pre-activations, any shape (usually ``(n_samples, n_units)``).
    out : ndarray, optional
        Array of the same shape and dtype as ``Z`` to write the result into;
        may be ``Z`` itself. By default a new array is allocated.

    Returns
    -------
    A : ndarray
        Non-negative activations, same shape and dtype as ``Z`` (``out``
        when given).
    """
    return np.maximum(Z, 0.0, out=out)


def leaky_relu(Z, out=None):
    r"""Leaky ReLU :math:`\max(a z, z)` with slope ``a = 0.01`` for ``z < 0``.

    Parameters
    ----------
    Z : ndarray
        Pre-activations, any shape (usually ``(n_samples, n_units)``).
    out : ndarray, optional
        Array of the same shape and dtype as ``Z`` to write the result into;
        may be ``Z`` itself. By default a new array is allocated.

    Returns
    -------
    A : ndarray
        The activations, same shape and dtype as ``Z`` (``out`` when given).
    """
    return np.maximum(Z, LEAKY_RELU_SLOPE * Z, out=out)


def softmax(Z, out=None):
    r"""Row-wise softmax :math:`e^{z_k} / \sum_j e^{z_j}`.

    The row maximum is subtracted first (log-sum-exp trick), so no exponent
    can overflow; the result is unchanged because softmax is shift invariant.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)
        Logits, one row per sample.
    out : ndarray of shape (n_samples, n_classes), optional
        Array to write the result into; may be ``Z`` itself. By default a new
        array is allocated.

    Returns
    -------
    P : ndarray of shape (n_samples, n_classes)
        Probabilities: non-negative rows that sum to one (``out`` when given).

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([[1000.0, 1000.0]]))
    array([[0.5, 0.5]])
    """
    out = np.subtract(Z, Z.max(axis=1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out


def log_softmax(Z):
    r"""Row-wise :math:`z_k - \log \sum_j e^{z_j}`, stable for any ``Z``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)
        Logits, one row per sample.

    Returns
    -------
    log_P : ndarray of shape (n_samples, n_classes)
        Logarithms of the softmax probabilities (a new array).
    """
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def log_logistic(Z):
    r"""Elementwise :math:`\log \sigma(z) = -\log(1 + e^{-z})`, stable.

    Parameters
    ----------
    Z : ndarray
        Logits, any shape.

    Returns
    -------
    log_A : ndarray
        Logarithms of the logistic sigmoid of ``Z``, same shape (a new array).
    """
    return -np.logaddexp(0.0, -Z)


def identity_derivative(A, dA):
    """Multiply ``dA`` in place by the identity's derivative (1).

    Parameters
    ----------
    A : ndarray
        Output of the activation in the forward pass (unused).
    dA : ndarray
        Gradient of the loss with respect to ``A``.

    Returns
    -------
    dZ : ndarray
        Gradient of the loss with respect to the pre-activations: ``dA``
        itself, unchanged.
    """
    return dA


def logistic_derivative(A, dA):
    """Multiply ``dA`` in place by :math:`A (1 - A)`.

    Parameters
    ----------
    A : ndarray
        Output of the activation in the forward pass (the layer's cache).
    dA : ndarray
        Gradient of the loss with respect to ``A``, same shape; overwritten.

    Returns
    -------
    dZ : ndarray
        Gradient of the loss with respect to the pre-activations: ``dA``
        itself, updated in place.
    """
    dA *= A
    dA *= 1.0 - A
    return dA


def tanh_derivative(A, dA):
    """Multiply ``dA`` in place by :math:`1 - A^2`.

    Parameters
    ----------
    A : ndarray
        Output of the activation in the forward pass (the layer's cache).
    dA : ndarray
        Gradient of the loss with respect to ``A``, same shape; overwritten.

    Returns
    -------
    dZ : ndarray
        Gradient of the loss with respect to the pre-activations: ``dA``
        itself, updated in place.
    """
    dA *= 1.0 - A * A
    return dA


def relu_derivative(A, dA):
    """Zero ``dA`` in place where the unit was inactive.

    Parameters
    ----------
    A : ndarray
        Output of the activation in the forward pass (the layer's cache).
    dA : ndarray
        Gradient of the loss with respect to ``A``, same shape; overwritten.

    Returns
    -------
    dZ : ndarray
        Gradient of the loss with respect to the pre-activations: ``dA``
        itself, updated in place.
    """
    dA *= A > 0
    return dA


def leaky_relu_derivative(A, dA):
    """Scale ``dA`` in place by the slope where the unit was negative.

    Parameters
    ----------
    A : ndarray
        Output of the activation in the forward pass (the layer's cache).
    dA : ndarray
        Gradient of the loss with respect to ``A``, same shape; overwritten.

    Returns
    -------
    dZ : ndarray
        Gradient of the loss with respect to the pre-activations: ``dA``
        itself, updated in place.
    """
    dA *= np.where(A > 0, 1.0, LEAKY_RELU_SLOPE).astype(dA.dtype, copy=False)
    return dA


ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "sigmoid": logistic,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "softmax": softmax,
}

DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": logistic_derivative,
    "sigmoid": logistic_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
}

#: Names accepted as the ``activation`` parameter of hidden layers.
HIDDEN_ACTIVATIONS = ("identity", "logistic", "sigmoid", "tanh", "relu", "leaky_relu")
