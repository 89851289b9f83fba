"""Fully connected layer."""

import numpy as np

from .base import Layer


def glorot_uniform(fan_in, fan_out, rng, dtype, gain=6.0):
    r"""Glorot (Xavier) uniform initialisation.

    Draws from :math:`U(-r, r)` with :math:`r = \sqrt{g / (n_{in} + n_{out})}`.
    ``gain=6`` is Glorot & Bengio's choice for tanh/ReLU-like units; scikit-learn
    uses ``gain=2`` for logistic units, whose slope at zero is 1/4.

    Parameters
    ----------
    fan_in : int
        Number of inputs of the layer.
    fan_out : int
        Number of outputs of the layer.
    rng : numpy.random.Generator
        The generator to draw from.
    dtype : numpy.dtype
        Dtype of the result.
    gain : float, default=6.0
        The gain :math:`g`.

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out)
        The initial weights.
    """
    bound = np.sqrt(gain / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)


class Dense(Layer):
    r"""Affine layer :math:`Y = X W + b`.

    Parameters
    ----------
    units : int
        Number of output units.
    init_gain : float, default=6.0
        Gain of the Glorot uniform initialisation (see :func:`glorot_uniform`).
        Both ``W`` and ``b`` are drawn from it, as in scikit-learn's MLP.

    Notes
    -----
    Backward, with :math:`\delta = \partial L / \partial Y`:

    .. math::

        \frac{\partial L}{\partial W} = X^\top \delta, \quad
        \frac{\partial L}{\partial b} = \textstyle\sum_i \delta_i, \quad
        \frac{\partial L}{\partial X} = \delta W^\top.
    """

    param_names = ("W", "b")
    regularized = ("W",)

    def __init__(self, units, init_gain=6.0):
        self.units = units
        self.init_gain = init_gain

    def build(self, input_shape, rng, dtype):
        (fan_in,) = input_shape
        bound = np.sqrt(self.init_gain / (fan_in + self.units))
        self.W = glorot_uniform(fan_in, self.units, rng, dtype, self.init_gain)
        self.b = rng.uniform(-bound, bound, size=self.units).astype(dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        return (self.units,)

    def forward(self, X, training=False):
        self._X = X
        Y = X @ self.W
        Y += self.b
        return Y

    def backward(self, dY, input_grad=True):
        np.dot(self._X.T, dY, out=self.dW)
        np.sum(dY, axis=0, out=self.db)
        return dY @ self.W.T if input_grad else None

    def __repr__(self):
        return f"Dense(units={self.units})"
