"""Finite-difference gradient checks for layers, losses and networks.

Used by the tests: every layer, activation and loss has its analytic gradient
compared with central differences, in float64.
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    r"""Central-difference gradient of the scalar function ``f`` at ``x``.

    :math:`\partial f / \partial x_j \approx (f(x + \epsilon e_j) - f(x - \epsilon e_j)) / 2\epsilon`.
    ``x`` is perturbed in place and restored, so ``f`` may read it through a
    view (a layer parameter, say).

    Parameters
    ----------
    f : callable
        ``f() -> float``, reading ``x``.
    x : ndarray
        The point; C-contiguous, so that its flat view writes through.
    eps : float, default=1e-6
        Step of the differences.

    Returns
    -------
    grad : ndarray of the shape of ``x``, float64
    """
    grad = np.zeros_like(x, dtype=np.float64)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for j in range(flat_x.size):
        original = flat_x[j]
        flat_x[j] = original + eps
        plus = f()
        flat_x[j] = original - eps
        minus = f()
        flat_x[j] = original
        flat_grad[j] = (plus - minus) / (2 * eps)
    return grad


def _values(output):
    """The array of a layer output (sequence layers may return ``(Y, valid)``)."""
    return output[0] if isinstance(output, tuple) else output


def check_layer_gradients(layer, X, rng, valid=None, eps=1e-6, seed=0):
    """Compare a built layer's analytic gradients with finite differences.

    Every pass is a training pass with a fresh cache and a generator seeded
    with ``seed`` (so dropout draws the same mask each time). Uses the scalar
    :math:`L = \\sum Y \\odot R` for a fixed random ``R``, so every output
    element contributes with a different weight.

    Parameters
    ----------
    layer : Layer
        A built layer, float64 parameters.
    X : array-like
        Input batch.
    rng : numpy.random.Generator
        Draws ``R``.
    valid : ndarray or None, default=None
        For sequence layers: the ``(T, n, 1)`` mask passed with ``X``.
    eps : float, default=1e-6
        Step of the differences.
    seed : int, default=0
        Seed of the training-time generator.

    Returns
    -------
    errors : dict
        Maximum relative error for ``"X"`` and for every parameter name.
    """
    # C order: numerical_gradient perturbs x through reshape(-1), which must be a view.
    X = np.array(X, dtype=np.float64, order="C")

    def run():
        cache = {}
        inputs = X.copy() if valid is None else (X.copy(), valid)
        return _values(layer.forward(inputs, cache, np.random.default_rng(seed))), cache

    R = rng.standard_normal(run()[0].shape)

    def scalar():
        return float(np.sum(run()[0] * R))

    _, cache = run()
    grads = {name: np.zeros_like(param) for name, param in layer.parameters().items()}
    analytic = {"X": layer.backward(R.copy(), cache, grads)}
    analytic.update(grads)
    numeric = {"X": numerical_gradient(scalar, X, eps)}
    for name, param in layer.parameters().items():
        numeric[name] = numerical_gradient(scalar, param, eps)
    return {name: relative_error(analytic[name], numeric[name]) for name in analytic}


def relative_error(a, b):
    """``max|a - b| / max(1e-8, max|a| + max|b|)``: scale-free, robust to zeros.

    Parameters
    ----------
    a, b : array-like
        The two gradients.

    Returns
    -------
    error : float
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1e-8, np.max(np.abs(a)) + np.max(np.abs(b))))
