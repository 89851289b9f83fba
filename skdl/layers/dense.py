"""Fully connected layer."""

import numpy as np
import scipy.sparse

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
    use_bias : bool, default=True
        Whether the layer has the intercept ``b``. A layer followed by batch
        normalisation needs none: the normalisation subtracts the batch mean,
        so ``b`` would have no effect (and a zero gradient).

    Notes
    -----
    Backward, with :math:`\delta = \partial L / \partial Y`:

    .. math::

        \frac{\partial L}{\partial W} = X^\top \delta, \quad
        \frac{\partial L}{\partial b} = \textstyle\sum_i \delta_i, \quad
        \frac{\partial L}{\partial X} = \delta W^\top.

    ``X`` may be a SciPy sparse matrix or array (as the first layer of a
    network): the forward product is sparse times dense, and the weight
    gradient :math:`X^\top \delta` is formed from the non-zeros only (see
    :func:`sparse_weight_gradient`), so the input is never densified.
    """

    regularized = ("W",)

    def __init__(self, units, init_gain=6.0, use_bias=True):
        self.units = units
        self.init_gain = init_gain
        self.use_bias = use_bias

    def build(self, input_shape, rng, dtype):
        (fan_in,) = input_shape
        bound = np.sqrt(self.init_gain / (fan_in + self.units))
        W = glorot_uniform(fan_in, self.units, rng, dtype, self.init_gain)
        if self.use_bias:
            self._set_parameters(W=W, b=rng.uniform(-bound, bound, size=self.units).astype(dtype))
        else:
            self._set_parameters(W=W)
        return (self.units,)

    def forward(self, X, cache=None, rng=None):
        if cache is not None:
            cache["X"] = X
        params = self._params
        Y = X @ params["W"]
        if self.use_bias:
            Y += params["b"]
        return Y

    def backward(self, dY, cache, grads, input_grad=True):
        X = cache["X"]
        if scipy.sparse.issparse(X):
            sparse_weight_gradient(X, dY, out=grads["W"])
        else:
            np.dot(X.T, dY, out=grads["W"])
        if self.use_bias:
            np.sum(dY, axis=0, out=grads["b"])
        return dY @ self._params["W"].T if input_grad else None

    def __repr__(self):
        return f"Dense(units={self.units}{'' if self.use_bias else ', use_bias=False'})"


def sparse_weight_gradient(X, dY, out):
    r"""``out[...] = X.T @ dY`` for a sparse batch ``X``, touching only its columns.

    A mini-batch of sparse rows (text, one-hot features) uses few of the
    columns: a batch of 200 TF-IDF rows may touch 20,000 of 200,000 features.
    Only the rows of :math:`X^\top \delta` for those columns can be non-zero,
    so the batch is re-indexed onto its used columns, multiplied there, and
    scattered into ``out`` (whose other rows are zeroed). SciPy's own
    ``X.T @ dY`` would allocate and fill a dense ``(n_features, units)``
    result on every batch.

    Parameters
    ----------
    X : scipy sparse matrix or array of shape (n_samples, n_features)
        The batch.
    dY : ndarray of shape (n_samples, units)
        Gradient with respect to the layer's output.
    out : ndarray of shape (n_features, units)
        Where the gradient is written.

    Returns
    -------
    out : ndarray of shape (n_features, units)
    """
    X = X.tocsr()
    used, compact = np.unique(X.indices, return_inverse=True)
    X_used = scipy.sparse.csr_matrix((X.data, compact.ravel(), X.indptr),
                                     shape=(X.shape[0], used.size))
    out.fill(0)
    out[used] = X_used.T @ dY
    return out
