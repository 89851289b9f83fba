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


def check_layer_gradients(layer, X, rng, training=False, eps=1e-6):
    """Compare a built layer's analytic gradients with finite differences.

    Uses the scalar :math:`L = \\sum Y \\odot R` for a fixed random ``R`` so
    every output element contributes with a different weight.

    Returns
    -------
    errors : dict
        Maximum relative error for ``"X"`` and for every parameter name.
    """
    # C order: numerical_gradient perturbs x through reshape(-1), which must be a view.
    X = np.array(X, dtype=np.float64, order="C")
    R = rng.standard_normal(np.shape(layer.forward(X.copy(), training)))

    def scalar():
        return float(np.sum(layer.forward(X.copy(), training) * R))

    layer.forward(X.copy(), training)
    dX = layer.backward(R.copy())
    analytic = {"X": dX}
    analytic.update({name: g.copy() for name, g in zip(layer.param_names, layer.grads())})
    numeric = {"X": numerical_gradient(scalar, X, eps)}
    for name, param in zip(layer.param_names, layer.params()):
        numeric[name] = numerical_gradient(scalar, param, eps)
    return {name: relative_error(analytic[name], numeric[name]) for name in analytic}


def relative_error(a, b):
    """``max|a - b| / max(1e-8, max|a| + max|b|)``: scale-free, robust to zeros."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1e-8, np.max(np.abs(a)) + np.max(np.abs(b))))
