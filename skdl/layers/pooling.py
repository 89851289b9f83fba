r"""Pooling layers: max and average over windows, in 2-D and 1-D.

Pooling shrinks each feature map independently: the
map is cut into windows of ``pool_size`` (stepping by ``stride``, by default
the window size) and each window is replaced by its maximum or its mean. The
number of maps (channels) is unchanged. The output size is
:math:`n_o = \lfloor (n - p)/s \rfloor + 1`; trailing rows that do not fill a
window are dropped, as in PyTorch and Keras.

Implementation. For a :math:`p_h \times p_w` window, the output is the
elementwise maximum (or mean) of :math:`p_h p_w` strided slices of the input,
one per position inside the window, so the work is a handful of whole-array
NumPy calls and never a loop over pixels. Layout is NHWC internally (see
:mod:`skdl.layers.conv`).

Max-pooling backward sends each output gradient to the first (row-major)
position of its window that holds the maximum, like ``argmax``: with ties
(a blank image region gives a window of equal values) only one input
receives the gradient, so the gradient is that of the function, not a
multiple of it. The forward pass records that position per output as a
``uint8`` code while the input is still in cache, so backward never rereads
the (large) input: it is one comparison of the codes and one multiply per
window position.
"""

import numpy as np

from .base import Layer, scratch
from .conv import DATA_FORMATS, _check_option, _pair


def pool_output_length(n, pool, stride):
    r"""Output length :math:`\lfloor (n - p)/s \rfloor + 1` of pooling (< 1: does not fit)."""
    return (n - pool) // stride + 1


class _Pool2D(Layer):
    """Shared geometry and layout handling of the 2-D (and 1-D) pools."""

    def __init__(self, pool_size=2, stride=None, data_format="channels_first"):
        self.pool_size = pool_size
        self.stride = stride
        self.data_format = data_format

    def _config(self):
        _check_option(self.data_format, DATA_FORMATS, "data_format")
        pool = _pair(self.pool_size, "pool_size")
        stride = pool if self.stride is None else _pair(self.stride, "stride")
        return pool, stride

    def _setup(self, in_hwc, pool, stride):
        H, W, C = in_hwc
        Ho, Wo = (pool_output_length(n, p, s) for n, p, s in zip((H, W), pool, stride))
        if Ho < 1 or Wo < 1:
            raise ValueError(
                f"{type(self).__name__}: pool_size {self.pool_size!r} is larger than its "
                f"input map {(H, W) if H > 1 else (W,)}: the output would be empty.")
        self._pool, self._strides = pool, stride
        self._in_hwc, self._out_hwc = (H, W, C), (Ho, Wo, C)
        # A window position (i, j) reads X[:, i::s_h, j::s_w] cut to the output size.
        self._slices = [
            (slice(None), slice(i, i + (Ho - 1) * stride[0] + 1, stride[0]),
             slice(j, j + (Wo - 1) * stride[1] + 1, stride[1]))
            for i in range(pool[0]) for j in range(pool[1])]
        # Windows that neither overlap nor leave rows out tile the input
        # exactly: backward can then write each slice once, without zeroing.
        self._disjoint = stride[0] >= pool[0] and stride[1] >= pool[1]
        self._tiles = (self._disjoint and pool == stride
                       and Ho * stride[0] == H and Wo * stride[1] == W)

    def build(self, input_shape, rng, dtype):
        pool, stride = self._config()
        if len(input_shape) != 3:
            raise ValueError(f"{type(self).__name__} expects 3-D samples; "
                             f"got input_shape={input_shape!r}.")
        if self.data_format == "channels_first":
            C, H, W = input_shape
        else:
            H, W, C = input_shape
        self._setup((H, W, C), pool, stride)
        Ho, Wo, _ = self._out_hwc
        return (C, Ho, Wo) if self.data_format == "channels_first" else (Ho, Wo, C)

    def _to_nhwc(self, X):
        return X.transpose(0, 2, 3, 1) if self.data_format == "channels_first" else X

    def _from_nhwc(self, Y):
        return Y.transpose(0, 3, 1, 2) if self.data_format == "channels_first" else Y

    def forward(self, X, cache=None, rng=None):
        return self._from_nhwc(self._forward_nhwc(self._to_nhwc(X), cache))

    def backward(self, dY, cache, grads, input_grad=True):
        if not input_grad:
            return None
        return self._from_nhwc(self._backward_nhwc(self._to_nhwc(dY), cache))

    def _new_input_grad(self, n, dtype, cache):
        H, W, C = self._in_hwc
        shape = (n, H, W, C)
        if not self._tiles:
            return np.zeros(shape, dtype=dtype)
        # Every element is written: reuse one buffer across batches (a fresh
        # multi-megabyte array costs page faults on every batch). The gradient
        # is consumed by the layer below before the next backward.
        return scratch(cache, "dX", shape, dtype)

    def __repr__(self):
        return f"{type(self).__name__}(pool_size={self.pool_size!r}, stride={self.stride!r})"


class MaxPool2D(_Pool2D):
    r"""Max pooling: each window of each map is replaced by its maximum.

    .. math::

        Y[c, y, x] = \max_{i < p_h,\, j < p_w} X[c,\, s_h y + i,\, s_w x + j]

    The gradient flows only to the (first) maximal input of each window.

    Parameters
    ----------
    pool_size : int or (int, int), default=2
    stride : int, (int, int) or None, default=None
        None means ``pool_size`` (non-overlapping windows).
    data_format : {"channels_first", "channels_last"}, default="channels_first"

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.layers.pooling import MaxPool2D
    >>> layer = MaxPool2D(2)
    >>> layer.build((1, 4, 4), None, np.float64)
    (1, 2, 2)
    >>> layer.forward(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    def _forward_nhwc(self, X, cache):
        first, *rest = self._slices
        Y = X[first].copy()
        if cache is None:
            # Inference: the maximum only.
            for index in rest:
                np.maximum(Y, X[index], out=Y)
            return Y
        # winner[o] = index of the first window position holding the maximum
        # (argmax semantics). Positions are scanned in order and a later one
        # wins only when strictly greater, so ties stay with the first. Kept
        # as uint8 (positions < 256) so that backward never rereads X.
        winner = np.zeros(Y.shape, dtype=np.uint8 if len(self._slices) < 256 else np.intp)
        greater = np.empty(Y.shape, dtype=bool)
        for k, index in enumerate(rest, start=1):
            candidate = X[index]
            np.greater(candidate, Y, out=greater)
            # Later positions have larger k, so max() records the newest winner.
            np.maximum(winner, greater * winner.dtype.type(k), out=winner)
            np.maximum(Y, candidate, out=Y)
        cache["winner"] = winner
        return Y

    def _backward_nhwc(self, dY, cache):
        winner = cache["winner"]
        dX = self._new_input_grad(dY.shape[0], dY.dtype, cache)
        is_max = np.empty(winner.shape, dtype=bool)
        for k, index in enumerate(self._slices):
            np.equal(winner, k, out=is_max)
            if self._disjoint:
                np.multiply(dY, is_max, out=dX[index])
            else:
                dX[index] += dY * is_max
        return dX


class AvgPool2D(_Pool2D):
    r"""Average pooling: each window of each map is replaced by its mean.

    .. math::

        Y[c, y, x] = \frac{1}{p_h p_w} \sum_{i < p_h,\, j < p_w}
                     X[c,\, s_h y + i,\, s_w x + j]

    Every input of a window receives :math:`1/(p_h p_w)` of its gradient.

    Parameters
    ----------
    pool_size : int or (int, int), default=2
    stride : int, (int, int) or None, default=None
    data_format : {"channels_first", "channels_last"}, default="channels_first"

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.layers.pooling import AvgPool2D
    >>> layer = AvgPool2D(2)
    >>> layer.build((1, 2, 4), None, np.float64)
    (1, 1, 2)
    >>> layer.forward(np.arange(8.0).reshape(1, 1, 2, 4))[0, 0]
    array([[2.5, 4.5]])
    """

    def _forward_nhwc(self, X, cache):
        first, *rest = self._slices
        Y = X[first].copy()
        for index in rest:
            Y += X[index]
        Y *= Y.dtype.type(1.0 / len(self._slices))
        return Y

    def _backward_nhwc(self, dY, cache):
        share = dY * dY.dtype.type(1.0 / len(self._slices))
        dX = self._new_input_grad(share.shape[0], share.dtype, cache)
        for index in self._slices:
            if self._disjoint:
                dX[index] = share
            else:
                dX[index] += share
        return dX


class _Pool1D:
    """A 1-D pool is the 2-D one on maps of height 1."""

    def _config(self):
        _check_option(self.data_format, DATA_FORMATS, "data_format")
        for name in ("pool_size", "stride"):
            value = getattr(self, name)
            if value is None and name == "stride":
                continue
            if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool)
                    and value >= 1):
                raise ValueError(f"{name} must be a positive int; got {value!r}.")
        pool = int(self.pool_size)
        stride = pool if self.stride is None else int(self.stride)
        return (1, pool), (1, stride)

    def build(self, input_shape, rng, dtype):
        pool, stride = self._config()
        if len(input_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects 2-D samples; "
                             f"got input_shape={input_shape!r}.")
        if self.data_format == "channels_first":
            C, L = input_shape
        else:
            L, C = input_shape
        self._setup((1, L, C), pool, stride)
        _, Lo, _ = self._out_hwc
        return (C, Lo) if self.data_format == "channels_first" else (Lo, C)

    def _to_nhwc(self, X):
        X = X.transpose(0, 2, 1) if self.data_format == "channels_first" else X
        return X[:, None]

    def _from_nhwc(self, Y):
        Y = Y[:, 0]
        return Y.transpose(0, 2, 1) if self.data_format == "channels_first" else Y


class MaxPool1D(_Pool1D, MaxPool2D):
    r"""Max pooling along time of ``(C, L)`` sequences (channels first).

    :math:`Y[c, t] = \max_{i < p} X[c, s t + i]`. With ``pool_size`` equal
    to the sequence length this is the max-over-time pooling of the text CNN.

    Parameters
    ----------
    pool_size : int, default=2
    stride : int or None, default=None
        None means ``pool_size``.
    data_format : {"channels_first", "channels_last"}, default="channels_first"

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.layers.pooling import MaxPool1D
    >>> layer = MaxPool1D(3)
    >>> layer.build((1, 6), None, np.float64)
    (1, 2)
    >>> layer.forward(np.array([[[1.0, 5.0, 2.0, 0.0, 3.0, 1.0]]]))
    array([[[5., 3.]]])
    """


class AvgPool1D(_Pool1D, AvgPool2D):
    r"""Average pooling along time of ``(C, L)`` sequences (channels first).

    :math:`Y[c, t] = \frac{1}{p} \sum_{i < p} X[c, s t + i]`.

    Parameters
    ----------
    pool_size : int, default=2
    stride : int or None, default=None
    data_format : {"channels_first", "channels_last"}, default="channels_first"

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.layers.pooling import AvgPool1D
    >>> layer = AvgPool1D(2)
    >>> layer.build((1, 4), None, np.float64)
    (1, 2)
    >>> layer.forward(np.array([[[1.0, 3.0, 2.0, 4.0]]]))
    array([[[2., 3.]]])
    """
