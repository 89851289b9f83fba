"""Inverted dropout."""

from .base import Layer


class Dropout(Layer):
    r"""Inverted dropout with drop probability ``rate``.

    At training time each unit is kept with probability :math:`q = 1 - p` and
    the kept units are scaled by :math:`1/q`:

    .. math::

        Y = X \odot M / q, \qquad M_{ij} \sim \mathrm{Bernoulli}(q).

    At prediction time the layer is the identity. Since
    :math:`\mathbb{E}[Y] = X`, this is the same model as classic dropout, which
    drops units while training and multiplies the outgoing weights by
    :math:`q` at test time; scaling during training instead leaves prediction
    untouched.

    The masks are drawn from the ``rng`` the training loop passes to
    :meth:`forward` (the estimator's one generator), so they are reproducible
    from ``random_state``; the layer keeps neither the generator nor the masks.

    Parameters
    ----------
    rate : float in [0, 1)
        Probability of dropping a unit.
    """

    def __init__(self, rate):
        self.rate = rate

    def forward(self, X, cache=None, rng=None):
        if cache is None or self.rate == 0:
            if cache is not None:
                cache["mask"] = None
            return X
        keep = 1.0 - self.rate
        mask = rng.random(X.shape, dtype=X.dtype) < keep
        scaled_mask = mask.astype(X.dtype)
        scaled_mask /= X.dtype.type(keep)
        cache["mask"] = scaled_mask
        return X * scaled_mask

    def backward(self, dY, cache, grads, input_grad=True):
        if not input_grad:
            return None
        if cache["mask"] is None:
            return dY
        dY *= cache["mask"]
        return dY

    def __repr__(self):
        return f"Dropout(rate={self.rate})"
