r"""Shape-only layers: :class:`Flatten` and :class:`Reshape`.

Neither has parameters or changes a value; they only re-index. ``Flatten``
turns the stack of feature maps into one vector per sample so that dense
layers can follow . ``Reshape`` does the opposite
at the network input: estimators take 2-D ``X`` (so that pipelines and
scalers work), and the first layer restores the per-sample image or
sequence shape.
"""

import numpy as np

from .base import Layer


class Flatten(Layer):
    r"""Flatten every sample to a vector: ``(n, d_1, ..., d_k) -> (n, d_1 \cdots d_k)``.

    The order is the memory order of the incoming layout (C order), so after
    channels-last layers the vector is ordered ``(y, x, c)``. A dense layer
    that follows learns its weights in whatever order it is given.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.layers.reshape import Flatten
    >>> layer = Flatten()
    >>> layer.build((2, 3, 4), None, np.float64)
    (24,)
    >>> layer.forward(np.zeros((5, 2, 3, 4))).shape
    (5, 24)
    """

    def build(self, input_shape, rng, dtype):
        self._input_shape = tuple(input_shape)
        return (int(np.prod(input_shape)),)

    def forward(self, X, cache=None, rng=None):
        # A view when X is contiguous (the usual case), a copy otherwise.
        return X.reshape(X.shape[0], -1)

    def backward(self, dY, cache, grads, input_grad=True):
        if not input_grad:
            return None
        return dY.reshape((dY.shape[0],) + self._input_shape)


class Reshape(Layer):
    """Restore per-sample shape ``target_shape`` from flat rows.

    Parameters
    ----------
    target_shape : tuple of int
        Per-sample shape, channels first: ``(C, H, W)`` or ``(C, L)``. The
        flat input rows hold the values in C order of that shape (what
        ``X.reshape(n, -1)`` of channels-first data gives).
    channels_last : bool, default=False
        Output ``(H, W, C)`` (or ``(L, C)``) instead: the channel axis moves
        last, which is the layout the convolution layers compute in. For one
        channel this is free; otherwise it is a strided view that the next
        convolution's im2col reads directly, so no transposed copy is made.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.layers.reshape import Reshape
    >>> layer = Reshape((3, 4, 5), channels_last=True)
    >>> layer.build((60,), None, np.float64)
    (4, 5, 3)
    >>> layer.forward(np.zeros((2, 60))).shape
    (2, 4, 5, 3)
    """

    def __init__(self, target_shape, channels_last=False):
        self.target_shape = target_shape
        self.channels_last = channels_last

    def build(self, input_shape, rng, dtype):
        target = tuple(int(d) for d in self.target_shape)
        if int(np.prod(input_shape)) != int(np.prod(target)):
            raise ValueError(f"Cannot reshape samples of shape {tuple(input_shape)} "
                             f"({int(np.prod(input_shape))} values) to {target} "
                             f"({int(np.prod(target))} values).")
        self._input_shape = tuple(input_shape)
        self._target = target
        if self.channels_last:
            return target[1:] + target[:1]
        return target

    def forward(self, X, cache=None, rng=None):
        Y = X.reshape((X.shape[0],) + self._target)
        return np.moveaxis(Y, 1, -1) if self.channels_last else Y

    def backward(self, dY, cache, grads, input_grad=True):
        if not input_grad:
            return None
        if self.channels_last:
            dY = np.moveaxis(dY, -1, 1)
        return dY.reshape((dY.shape[0],) + self._input_shape)

    def __repr__(self):
        return f"Reshape({self.target_shape!r}, channels_last={self.channels_last})"
