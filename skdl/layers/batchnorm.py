r"""Batch normalisation (Ioffe & Szegedy, 2015)."""

import numpy as np

from .base import Layer


class BatchNormalization(Layer):
    r"""Normalise each feature (or channel) over the batch, then scale and shift.

    For dense features ``(n, d)`` the statistics run over the batch; for
    channels-last maps ``(n, H, W, C)`` or sequences ``(n, L, C)`` over the
    batch and every position, one mean and variance per channel. In
    training, with the batch mean :math:`\mu_B` and (biased) variance
    :math:`\sigma_B^2`,

    .. math::

        \hat x = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \qquad
        y = \gamma \odot \hat x + \beta,

    and the running statistics move towards the batch's:
    :math:`\mu \leftarrow (1 - m)\,\mu + m\,\mu_B`,
    :math:`\sigma^2 \leftarrow (1 - m)\,\sigma^2 + m\,\sigma_B^2`. At
    inference the running statistics replace the batch's, so a prediction
    depends on its own sample only: :math:`y = \gamma (x - \mu) /
    \sqrt{\sigma^2 + \epsilon} + \beta`. Momentum 0.1 and
    :math:`\epsilon = 10^{-5}` as PyTorch; the running variance is the
    biased batch variance, as Keras keeps it (PyTorch rescales it by
    :math:`N / (N - 1)`, which has no meaning for weighted batches).

    With sample weights (the training loop passes each batch's in the cache)
    the batch mean and variance are weighted, so that a weight of :math:`k`
    is exactly :math:`k` copies of the sample and a weight of 0 removes it,
    as for the loss.

    Parameters
    ----------
    momentum : float, default=0.1
        Weight :math:`m` of each batch in the running statistics.
    epsilon : float, default=1e-5
        Added to the variance.

    Notes
    -----
    :meth:`parameters` holds ``gamma`` and ``beta`` (trained, not penalised
    by L2); :meth:`state` holds ``running_mean`` and ``running_var``
    (non-trainable: updated by training, saved and restored with the
    weights). Backward, with :math:`\delta = \partial L / \partial y` and
    sums over the :math:`N` values of a feature:

    .. math::

        \frac{\partial L}{\partial \beta} = \sum \delta, \quad
        \frac{\partial L}{\partial \gamma} = \sum \delta \odot \hat x, \quad
        \frac{\partial L}{\partial x} = \frac{\gamma}{\sqrt{\sigma_B^2 + \epsilon}}
            \Big(\delta - \frac{1}{N}\frac{\partial L}{\partial \beta}
            - \frac{\hat x}{N} \frac{\partial L}{\partial \gamma}\Big).

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.layers import BatchNormalization
    >>> layer = BatchNormalization()
    >>> layer.build((3,), None, np.float64)
    (3,)
    >>> X = np.random.default_rng(0).normal(5.0, 2.0, size=(100, 3))
    >>> Y = layer.forward(X, cache={})
    >>> np.allclose(Y.mean(axis=0), 0) and np.allclose(Y.std(axis=0), 1, atol=1e-3)
    True
    >>> layer.state()["running_mean"].round(2)      # one step of 0.1 towards the mean 5
    array([0.48, 0.5 , 0.5 ])
    """

    regularized = ()

    def __init__(self, momentum=0.1, epsilon=1e-5):
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape, rng, dtype):
        channels = input_shape[-1]
        self._set_parameters(gamma=np.ones(channels, dtype=dtype),
                             beta=np.zeros(channels, dtype=dtype))
        self._state = {"running_mean": np.zeros(channels, dtype=dtype),
                       "running_var": np.ones(channels, dtype=dtype)}
        return tuple(input_shape)

    def state(self):
        return self._state

    def forward(self, X, cache=None, rng=None):
        gamma, beta = self._params["gamma"], self._params["beta"]
        if cache is None:
            # y = x * scale + shift with the running statistics folded in.
            scale = gamma / np.sqrt(self._state["running_var"] + self.epsilon)
            shift = beta - self._state["running_mean"] * scale
            Y = X * scale
            Y += shift
            return Y
        C = X.shape[-1]
        X2 = X.reshape(-1, C)           # one row per position; a view of fresh layer outputs
        sample_weight = cache.get("sample_weight")
        share = self._shares(sample_weight, X2.shape[0], X.dtype)
        mean = X2.mean(axis=0) if share is None else share @ X2
        xhat = X2 - mean
        if share is None:
            var = np.einsum("ic,ic->c", xhat, xhat) / X2.shape[0]
        else:
            var = np.einsum("i,ic,ic->c", share, xhat, xhat)
        inv_std = 1.0 / np.sqrt(var + X.dtype.type(self.epsilon))
        xhat *= inv_std
        if sample_weight is None or share is not None:
            # A batch whose weights are all zero counts for nothing.
            self._update_running(mean, var)
        cache.update(xhat=xhat, inv_std=inv_std, share=share)
        Y = xhat * gamma
        Y += beta
        return Y.reshape(X.shape)

    @staticmethod
    def _shares(sample_weight, rows, dtype):
        """Each row's weight over the total (None without weights, or if they are all 0).

        With sample weights the batch statistics are weighted means, so that
        a weight of k is exactly k copies of the sample (and 0 removes it),
        as for the loss. For maps, every position of a sample carries its
        sample's weight. A batch of zero weights has no weighted statistics:
        it is normalised with its plain ones (its loss and gradients are zero
        anyway).
        """
        if sample_weight is None:
            return None
        positions = rows // len(sample_weight)
        share = np.repeat(sample_weight.astype(dtype, copy=False), positions)
        total = share.sum()
        if total == 0:
            return None
        share /= total
        return share

    def _update_running(self, mean, var):
        m = self.momentum
        for name, batch in (("running_mean", mean), ("running_var", var)):
            running = self._state[name]
            running *= 1.0 - m
            running += m * batch

    def backward(self, dY, cache, grads, input_grad=True):
        xhat, inv_std, share = cache["xhat"], cache["inv_std"], cache["share"]
        dY2 = dY.reshape(xhat.shape)
        dbeta = np.sum(dY2, axis=0, out=grads["beta"])
        dgamma = np.einsum("ic,ic->c", dY2, xhat, out=grads["gamma"])
        if not input_grad:
            return None
        # dX = gamma / s (dY - share (dbeta + xhat dgamma)), share = w_i / sum(w)
        # (1 / N without weights).
        dX = xhat * dgamma
        dX += dbeta
        if share is None:
            dX *= dX.dtype.type(1.0 / xhat.shape[0])
        else:
            dX *= share[:, None]
        np.subtract(dY2, dX, out=dX)
        dX *= self._params["gamma"] * inv_std
        return dX.reshape(dY.shape)

    def __repr__(self):
        return f"BatchNormalization(momentum={self.momentum}, epsilon={self.epsilon})"
