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

    Parameters
    ----------
    rate : float in [0, 1)
        Probability of dropping a unit.
    """

    def __init__(self, rate):
        self.rate = rate

    def build(self, input_shape, rng, dtype):
        # The network's one Generator: masks are reproducible from random_state.
        self._rng = rng
        return tuple(input_shape)

    def forward(self, X, training=False):
        if not training or self.rate == 0:
            self._mask = None
            return X
        keep = 1.0 - self.rate
        mask = self._rng.random(X.shape, dtype=X.dtype) < keep
        self._mask = mask.astype(X.dtype) / X.dtype.type(keep)
        return X * self._mask

    def backward(self, dY, input_grad=True):
        if not input_grad:
            return None
        if self._mask is None:
            return dY
        dY *= self._mask
        return dY

    def __repr__(self):
        return f"Dropout(rate={self.rate})"
