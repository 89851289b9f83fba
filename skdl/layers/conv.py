r"""Convolution layers: :class:`Conv2D` and :class:`Conv1D`, vectorised by im2col.

A convolution is a fully connected layer with two constraints: each output unit sees only a small window of the input (sparse
connectivity), and every window uses the same weights (weight sharing). With
a filter bank :math:`W` of shape :math:`(k_h, k_w, C, F)` (a filter is as deep
as its input, :math:`C`; each of the :math:`F` filters gives one feature map),

.. math::

    Y[n, y, x, f] = b_f + \sum_{i < k_h} \sum_{j < k_w} \sum_{c < C}
                    X_p[n, s_h y + i, s_w x + j, c] \, W[i, j, c, f],

where :math:`X_p` is the input padded with zeros. *im2col* copies every
window into one row of a matrix :math:`P` of shape
:math:`(N H_o W_o, k_h k_w C)`, after which the whole layer is one matrix
product :math:`Y = P\,W_{2d} + b` and its gradients are two more:

.. math::

    \frac{\partial L}{\partial W_{2d}} = P^\top \delta, \qquad
    \frac{\partial L}{\partial P} = \delta\, W_{2d}^\top ,

followed by *col2im*, which adds every row of :math:`\partial L/\partial P`
back onto the window it came from. For wider inputs the input gradient skips
:math:`\partial L/\partial P` and is a sum over the kernel taps instead,

.. math::

    \frac{\partial L}{\partial X_p}[n, s_h y + i, s_w x + j, :]
    \mathrel{+}= \delta[n, y, x, :]\, W[i, j]^\top ,

one product per tap, :math:`(N H_o W_o, F) \times (F, C)`, added onto the
input positions the tap reads (:meth:`_Plan.input_gradient`).

Layout. The public layout is channels first, ``(C, H, W)`` and ``(C, L)``.
Internally everything is channels last (NHWC): a window's ``(k_w, C)`` block
is then contiguous, the matrix product yields NHWC output directly, and the
row of :math:`P` is ordered ``(i, j, c)`` like ``W``. A network that keeps
NHWC from end to end (``data_format="channels_last"`` on every layer, as
:class:`skdl.convnet.ConvNetClassifier` builds it) never transposes.

Speed (see ``benchmarks/bench_cnn.py``): the work is memory traffic, not
arithmetic, so the layer minimises passes over memory. Per batch shape a fit
builds :math:`P` and its copy tables once (:class:`_Plan`, kept in the
layer's training cache) and reuses them; a prediction builds its own;
:math:`P` is filled by a few slice copies whose inner runs are as long as
the layout allows (one per kernel row of ``k_w * C`` contiguous values for
stride 1; for up to four input channels, :math:`P` is stored transposed so
each kernel offset and channel is one long copy). Zero padding is either
folded into the copies (entries of :math:`P` that read padding are zeroed
once and never rewritten) or comes from a reused zero-bordered buffer.
:math:`P` keeps a constant column of ones, so the bias is fused into the
one matrix product, forward and backward. Where a shape is bound by the
products instead (``benchmarks/bench_layers.py --products``), see
``benchmarks/README.md`` for the fraction of the BLAS peak each reaches.
"""

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .base import Layer, recent

PADDINGS = ("valid", "same")
DATA_FORMATS = ("channels_first", "channels_last")

def conv_output_length(n, kernel, stride, padding):
    r"""Output length and zero padding of a convolution along one axis.

    ``"valid"`` uses no padding: :math:`n_o = \lfloor (n - k)/s \rfloor + 1`.
    ``"same"`` gives :math:`n_o = \lceil n / s \rceil` (so :math:`n_o = n`
    for stride 1) by padding :math:`p = \max((n_o - 1)s + k - n, 0)` zeros,
    :math:`\lfloor p/2 \rfloor` before and the rest after (TensorFlow's rule;
    for an odd kernel and stride 1 it is the symmetric :math:`(k-1)/2`). In
    both cases :math:`n_o = \lfloor (n + p - k)/s \rfloor + 1`.

    Parameters
    ----------
    n, kernel, stride : int
    padding : {"valid", "same"}

    Returns
    -------
    out, pad_before, pad_after : int
        ``out < 1`` means the kernel does not fit (``"valid"`` with
        ``kernel > n``); callers turn that into an error.

    Examples
    --------
    >>> conv_output_length(28, 3, 1, "valid")
    (26, 0, 0)
    >>> conv_output_length(28, 3, 2, "same")
    (14, 0, 1)
    """
    if padding == "valid":
        return (n - kernel) // stride + 1, 0, 0
    out = -(-n // stride)
    total = max((out - 1) * stride + kernel - n, 0)
    return out, total // 2, total - total // 2


def _pair(value, name):
    """An int or a pair of positive ints -> a pair."""
    pair = (value, value) if np.isscalar(value) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                 and v >= 1 for v in pair):
        raise ValueError(f"{name} must be a positive int or a pair of them; got {value!r}.")
    return tuple(int(v) for v in pair)


def _check_option(value, options, name):
    if value not in options:
        raise ValueError(f"{name} must be one of {options}; got {value!r}.")


def _offset_slices(n_in, n_out, offset, stride, pad_before):
    """Where kernel offset ``offset`` reads the input along one axis.

    Output position ``o`` reads input position ``o * stride + offset -
    pad_before``. Returns ``(out_slice, in_slice)`` over the positions that
    fall inside the input (the rest read padding, i.e. zeros), or None when
    none do.
    """
    shift = offset - pad_before
    # Smallest o with o*stride + shift >= 0:
    first = max(0, math.ceil(-shift / stride))
    # Largest o with o*stride + shift <= n_in - 1, plus one:
    last = min(n_out, (n_in - 1 - shift) // stride + 1)
    if last <= first:
        return None
    start = first * stride + shift
    return slice(first, last), slice(start, start + (last - first - 1) * stride + 1, stride)


def glorot_uniform_conv(kernel_shape, in_channels, filters, rng, dtype, gain=6.0):
    r"""Glorot uniform weights of shape ``kernel_shape + (in_channels, filters)``.

    The fans of a convolution count the window: :math:`n_{in} = C \prod k`,
    :math:`n_{out} = F \prod k` (Keras's convention), bound
    :math:`\sqrt{g / (n_{in} + n_{out})}`.
    """
    window = int(np.prod(kernel_shape))
    bound = np.sqrt(gain / (window * (in_channels + filters)))
    shape = tuple(kernel_shape) + (in_channels, filters)
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


class _Plan:
    r"""im2col buffers and copy tables for one batch size (built once, reused).

    Three ways to fill the window matrix :math:`P` (``mode``):

    * ``"transposed"``, up to ``Conv2D.transposed_channels`` input channels:
      :math:`P^\top` is stored, and each kernel offset and channel fills one
      of its rows with one slice copy of the image.
    * ``"rows"``, stride 1 along the width: a window's ``(k_w, C)``
      block is one contiguous run of the (padded) NHWC input, so :math:`P` is
      filled by :math:`k_h` copies of ``k_w * C``-long runs. Padding goes
      through a zero-bordered input buffer.
    * ``"offsets"``, any other stride: one slice copy per kernel offset, with
      the padding folded into the slices (entries that read padding stay 0).

    The input gradient: col2im of :math:`\delta W_{2d}^\top` in the
    transposed mode, one product per kernel tap in the other two (see
    :meth:`input_gradient`).
    """

    def __init__(self, layer, n, dtype):
        kh, kw = layer._kernel
        sh, sw = layer._stride
        H, W, C = layer._in_hwc
        Ho, Wo, F = layer._out_hwc
        (pt, pb), (pl, pr) = layer._pad
        K = kh * kw * C
        self.n = n
        # Few input channels: P is stored transposed, (K + 1, n Ho Wo), so that
        # each kernel offset and channel fills one row with long contiguous
        # runs (a channels-last row would be only k_w C values long). BLAS
        # reads P^T without a copy either way.
        self.mode = "transposed" if C <= layer.transposed_channels else (
            "rows" if sw == 1 else "offsets")
        # P with a column of ones (the fused bias). Zero-initialised: entries
        # that read the padding are never written again.
        if self.mode == "transposed":
            self.colsT = np.zeros((K + 1, n * Ho * Wo), dtype=dtype)
            self.colsT[K] = 1
            self.cols = self.colsT.T
        else:
            self.cols = np.zeros((n * Ho * Wo, K + 1), dtype=dtype)
            self.cols[:, K] = 1
        it = self.cols.itemsize
        row = (K + 1) * it
        self.padded = None
        if self.mode == "rows":
            self.padded_shape = (n, H + pt + pb, W + pl + pr, C)
            self.interior = (slice(None), slice(pt, pt + H), slice(pl, pl + W))
            if pt or pb or pl or pr:
                self.padded = np.zeros(self.padded_shape, dtype=dtype)
            # P's columns of kernel row i, as (n, Ho, Wo, kw * C) runs.
            self.row_targets = [
                as_strided(self.cols[:, i * kw * C:], shape=(n, Ho, Wo, kw * C),
                           strides=(Ho * Wo * row, Wo * row, row, it), writeable=True)
                for i in range(kh)]
            self._taps = _kernel_taps(layer)
            self._input_grads = None
            return
        if self.mode == "transposed":
            # (kh, kw, C, n, Ho, Wo) view of the first K rows.
            self.windows = self.colsT[:K].reshape(kh, kw, C, n, Ho, Wo)
        else:
            # (n, Ho, Wo, kh, kw, C) view of the first K columns.
            self.windows = as_strided(
                self.cols, shape=(n, Ho, Wo, kh, kw, C),
                strides=(Ho * Wo * row, Wo * row, row, kw * C * it, C * it, it),
                writeable=True)
        self.copies = []
        for i in range(kh):
            rows = _offset_slices(H, Ho, i, sh, pt)
            if rows is None:
                continue
            for j in range(kw):
                columns = _offset_slices(W, Wo, j, sw, pl)
                if columns is None:
                    continue
                if self.mode == "transposed":
                    # One copy per channel: a channels-first input (what the
                    # network's input Reshape gives) is read in long runs.
                    self.copies += [((i, j, c, slice(None), rows[0], columns[0]),
                                     (slice(None), rows[1], columns[1], c)) for c in range(C)]
                else:
                    self.copies.append(((slice(None), rows[0], columns[0], i, j),
                                        (slice(None), rows[1], columns[1])))
        if self.mode == "offsets":
            self._taps = _kernel_taps(layer)
            self._input_grads = None

    def _source(self, X):
        """The input as a padded NHWC array whose (W, C) axes are contiguous."""
        if self.padded is not None:
            self.padded[self.interior] = X
            return self.padded
        it = X.itemsize
        if (X.shape[3] == 1 or X.strides[3] == it) and X.strides[2] == X.shape[3] * it:
            return X
        return np.ascontiguousarray(X)

    def im2col(self, X, layer):
        if self.mode != "rows":
            for out_index, in_index in self.copies:
                self.windows[out_index] = X[in_index]
            return
        Xp = self._source(X)
        kh, kw = layer._kernel
        sh = layer._stride[0]
        n, _, _, C = Xp.shape
        Ho, Wo, _ = layer._out_hwc
        sn, sy, sx, sc = Xp.strides
        sc = Xp.itemsize if C == 1 else sc      # a lone channel's stride can be anything
        for i in range(kh):
            # Overlapping reads are fine: a strided view whose windows share memory.
            source = as_strided(Xp[:, i:], shape=(n, Ho, Wo, kw * C),
                                strides=(sn, sy * sh, sx, sc))
            np.copyto(self.row_targets[i], source)

    def input_gradient(self, dY2, W, layer):
        r"""The gradient with respect to the layer's input, ``(n, H, W, C)``.

        ``dY2`` is the output gradient as ``(n H_o W_o, F)`` rows and ``W``
        the filters (``(k_h, k_w, C, F)``, or ``(k, C, F)`` for Conv1D).
        With up to four input channels (the transposed mode) it is col2im of
        :math:`\delta W_{2d}^\top`; otherwise one product per kernel tap,
        :math:`T = \delta\, W[i, j]^\top`, added onto the input positions
        the tap reads, padding folded into the slices. The per-tap route
        never builds :math:`\partial L/\partial P` (:math:`k_h k_w` times the
        input): measured in float32, batch 64, it took 6.1 ms instead of
        9.6 ms for a 16 x 16 x 32 input and 64 "same" filters, 3.6 instead of
        10.2 ms for 32 x 32 x 8; with one or three channels col2im stays
        faster (the per-tap products are only ``C`` wide). The returned array
        is reused by the next call (a fit's backward consumes it first).
        """
        if self.mode == "transposed":
            K, F = self.colsT.shape[0] - 1, dY2.shape[1]
            # (K, M) = W2d dY^T: rows of P^T, as they are stored.
            return self._col2im_transposed(W.reshape(K, F) @ dY2.T, layer)
        Ho, Wo, _ = layer._out_hwc
        H, Wd, C = layer._in_hwc
        if self._input_grads is None:
            self._input_grads = (np.empty((self.n, H, Wd, C), dtype=dY2.dtype),
                                 np.empty((self.n * Ho * Wo, C), dtype=dY2.dtype))
        dX, tap = self._input_grads
        dX.fill(0)
        tap_image = tap.reshape(self.n, Ho, Wo, C)
        W = W.reshape(*layer._kernel, C, -1)          # Conv1D keeps (k, C, F)
        for i, j, out_index, in_index in self._taps:
            np.matmul(dY2, W[i, j].T, out=tap)
            dX[in_index] += tap_image[out_index]
        return dX

    def _col2im_transposed(self, dcolsT, layer):
        r"""Adds the rows of :math:`(\partial L/\partial P)^\top` back onto the image."""
        kh, kw = layer._kernel
        H, W, C = layer._in_hwc
        Ho, Wo, _ = layer._out_hwc
        dwin = dcolsT.reshape(kh, kw, C, self.n, Ho, Wo)
        dX = np.zeros((self.n, H, W, C), dtype=dcolsT.dtype)
        for out_index, in_index in self.copies:
            dX[in_index] += dwin[out_index]
        return dX


def _kernel_taps(layer):
    """``(i, j, output slices, input slices)`` of every tap that reads the input.

    Tap ``(i, j)`` of output position ``(y, x)`` reads input position
    ``(s_h y + i - p_t, s_w x + j - p_l)``; the slices keep the positions
    inside the input (the rest read padding).
    """
    kh, kw = layer._kernel
    sh, sw = layer._stride
    H, W, _ = layer._in_hwc
    Ho, Wo, _ = layer._out_hwc
    (pt, _), (pl, _) = layer._pad
    taps = []
    for i in range(kh):
        rows = _offset_slices(H, Ho, i, sh, pt)
        for j in range(kw):
            columns = _offset_slices(W, Wo, j, sw, pl)
            if rows is not None and columns is not None:
                taps.append((i, j, (slice(None), rows[0], columns[0]),
                             (slice(None), rows[1], columns[1])))
    return taps


class Conv2D(Layer):
    r"""2-D convolution of a multi-channel input with a bank of filters.

    Each of the ``filters`` filters is a :math:`k_h \times k_w \times C`
    block of weights, as deep as the input (an RGB filter is 3 deep); sliding
    it over the input and adding its bias yields one feature map, so the
    output has ``filters`` channels:

    .. math::

        Y[f, y, x] = b_f + \sum_{c, i, j} W[i, j, c, f]\,
                     X_p[c,\; s_h y + i,\; s_w x + j] ,

    of spatial size :math:`H_o = \lfloor (H + p_h - k_h)/s_h \rfloor + 1`
    (see :func:`conv_output_length`). Implemented by im2col and one matrix
    product (module docstring).

    Parameters
    ----------
    filters : int
        Number of filters :math:`F` (output channels).
    kernel_size : int or (int, int)
        :math:`(k_h, k_w)`.
    stride : int or (int, int), default=1
    padding : {"valid", "same"}, default="valid"
        ``"valid"``: no padding; ``"same"``: zero padding so that
        :math:`H_o = \lceil H / s_h \rceil`.
    data_format : {"channels_first", "channels_last"}, default="channels_first"
        Layout of inputs and outputs: ``(C, H, W)`` or ``(H, W, C)`` per
        sample. The computation is channels last either way; channels first
        costs a transpose of the output (and of its gradient).
    init_gain : float, default=6.0
        Gain of the Glorot uniform initialisation (see
        :func:`glorot_uniform_conv`). Biases start at zero.
    use_bias : bool, default=True
        Whether the filters have biases (not needed before a batch
        normalisation, whose shift replaces them).

    Notes
    -----
    :meth:`parameters` holds ``W``, the filters of shape ``(k_h, k_w, C, F)``
    (channels last, HWIO: ``W.reshape(-1, F)`` is the equivalent dense weight
    matrix of one window), and ``b``, the biases of shape ``(F,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.layers.conv import Conv2D
    >>> layer = Conv2D(4, 3, padding="same")
    >>> layer.build((3, 8, 8), np.random.default_rng(0), np.float64)
    (4, 8, 8)
    >>> layer.forward(np.zeros((2, 3, 8, 8))).shape
    (2, 4, 8, 8)
    """

    param_names = ("W", "b")
    regularized = ("W",)

    #: Inputs with at most this many channels fill the window matrix
    #: transposed, one long copy per kernel offset and channel (``_Plan``).
    #: Measured (AVX2 EPYC, float32, batch 64, forward + weight gradient, one
    #: thread's CPU time, both layouts interleaved): 3 channels of 32 x 32
    #: from the network's channels-first input, 6.7 against 7.0 ms in rows;
    #: 4 channels of 28 x 28, 4.2-4.3 against 4.5-4.7 ms; 8 channels of
    #: 16 x 16 in NHWC, 2.7-3.1 against 2.5-3.0 ms.
    transposed_channels = 4

    def __init__(self, filters, kernel_size, stride=1, padding="valid",
                 data_format="channels_first", init_gain=6.0, use_bias=True):
        self.filters = filters
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.data_format = data_format
        self.init_gain = init_gain
        self.use_bias = use_bias

    # ------------------------------------------------------------ geometry
    def _check_config(self):
        if not (isinstance(self.filters, (int, np.integer)) and self.filters >= 1):
            raise ValueError(f"filters must be a positive int; got {self.filters!r}.")
        _check_option(self.padding, PADDINGS, "padding")
        _check_option(self.data_format, DATA_FORMATS, "data_format")
        return _pair(self.kernel_size, "kernel_size"), _pair(self.stride, "stride")

    def _setup(self, in_hwc, kernel, stride, rng, dtype, weight_shape):
        """Shared by Conv2D and Conv1D: geometry and parameters."""
        H, W, C = in_hwc
        sizes = [conv_output_length(n, k, s, self.padding)
                 for n, k, s in zip((H, W), kernel, stride)]
        Ho, Wo = sizes[0][0], sizes[1][0]
        if Ho < 1 or Wo < 1:
            raise ValueError(
                f"{type(self).__name__}: kernel_size {self.kernel_size!r} does not fit in an "
                f"input of spatial size {(H, W) if H > 1 or kernel[0] > 1 else (W,)} "
                f"with padding='valid'; use padding='same' or a smaller kernel.")
        self._kernel, self._stride = kernel, stride
        self._pad = (sizes[0][1:], sizes[1][1:])
        self._in_hwc = (H, W, C)
        self._out_hwc = (Ho, Wo, self.filters)
        W = glorot_uniform_conv(weight_shape, C, self.filters, rng, dtype, self.init_gain)
        if self.use_bias:
            self._set_parameters(W=W, b=np.zeros(self.filters, dtype=dtype))
        else:
            self._set_parameters(W=W)

    def build(self, input_shape, rng, dtype):
        kernel, stride = self._check_config()
        if len(input_shape) != 3:
            raise ValueError(f"Conv2D expects 3-D samples; got input_shape={input_shape!r}.")
        if self.data_format == "channels_first":
            C, H, W = input_shape
        else:
            H, W, C = input_shape
        self._setup((H, W, C), kernel, stride, rng, dtype, kernel)
        Ho, Wo, F = self._out_hwc
        return (F, Ho, Wo) if self.data_format == "channels_first" else (Ho, Wo, F)

    def _plan(self, n, dtype, cache):
        """The im2col plan for ``n`` rows of ``dtype``: kept by a fit, built per inference call."""
        return recent(cache, "plan", (n, dtype), lambda: _Plan(self, n, dtype))

    def workspace_size(self):
        Ho, Wo, _ = self._out_hwc
        H, W, C = self._in_hwc
        K = self._kernel[0] * self._kernel[1] * C
        (pt, pb), (pl, pr) = self._pad
        # Window matrix, padded input copy, the product's output.
        return Ho * Wo * (K + 1) + (H + pt + pb) * (W + pl + pr) * C + Ho * Wo * self.filters

    # ----------------------------------------------------- NHWC kernels
    def _to_nhwc(self, X):
        """A (view of the) batch as (n, H, W, C); no copy."""
        return X.transpose(0, 2, 3, 1) if self.data_format == "channels_first" else X

    def _from_nhwc(self, Y):
        return Y.transpose(0, 3, 1, 2) if self.data_format == "channels_first" else Y

    def _forward_nhwc(self, X, cache):
        n = X.shape[0]
        plan = self._plan(n, X.dtype, cache)
        plan.im2col(X, self)
        if cache is not None:
            cache["cols"] = plan.cols
        W = self._params["W"]
        F = self.filters
        K = plan.cols.shape[1] - 1
        # [W; b] as one (K + 1, F) matrix: the bias rides on the ones column.
        Wb = np.empty((K + 1, F), dtype=W.dtype)
        Wb[:K] = W.reshape(K, F)
        Wb[K] = self._params["b"] if self.use_bias else 0.0
        Y = plan.cols @ Wb
        Ho, Wo, _ = self._out_hwc
        return Y.reshape(n, Ho, Wo, F)

    def _backward_nhwc(self, dY, cache, grads, input_grad):
        n = dY.shape[0]
        F = self.filters
        dY2 = dY.reshape(-1, F)
        cols = cache["cols"]
        K = cols.shape[1] - 1
        # One product gives [dW; db]: the ones column sums dY for the bias.
        dWb = cols.T @ dY2
        grads["W"][...] = dWb[:K].reshape(grads["W"].shape)
        if self.use_bias:
            grads["b"][...] = dWb[K]
        if not input_grad:
            return None
        return self._plan(n, dY.dtype, cache).input_gradient(dY2, self._params["W"], self)

    # ----------------------------------------------------------- contract
    def forward(self, X, cache=None, rng=None):
        return self._from_nhwc(self._forward_nhwc(self._to_nhwc(X), cache))

    def backward(self, dY, cache, grads, input_grad=True):
        dX = self._backward_nhwc(self._to_nhwc(dY), cache, grads, input_grad)
        return None if dX is None else self._from_nhwc(dX)

    def __repr__(self):
        return (f"{type(self).__name__}(filters={self.filters}, kernel_size={self.kernel_size!r}, "
                f"stride={self.stride!r}, padding={self.padding!r})")


class Conv1D(Conv2D):
    r"""1-D convolution over sequences of vectors (the text CNN).

    A sample is ``(C, L)``: ``L`` steps (words) of ``C`` features (an
    embedding, one word per column). Each
    filter spans the whole feature width and slides along time only:

    .. math::

        Y[f, t] = b_f + \sum_{i < k} \sum_{c < C} W[i, c, f]\, X_p[c, s t + i].

    It is computed as a :class:`Conv2D` of height 1 (same kernels, same
    im2col), so both share one tested implementation.

    Parameters
    ----------
    filters : int
    kernel_size : int
        Window length :math:`k` in steps.
    stride : int, default=1
    padding : {"valid", "same"}, default="valid"
    data_format : {"channels_first", "channels_last"}, default="channels_first"
        ``(C, L)`` or ``(L, C)`` per sample.
    init_gain : float, default=6.0
    use_bias : bool, default=True

    Notes
    -----
    :meth:`parameters` holds ``W`` of shape ``(k, C, F)`` and ``b`` of
    shape ``(F,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.layers.conv import Conv1D
    >>> layer = Conv1D(6, 3)
    >>> layer.build((50, 10), np.random.default_rng(0), np.float32)
    (6, 8)
    """

    def _check_config(self):
        for name in ("kernel_size", "stride"):
            value = getattr(self, name)
            if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool)
                    and value >= 1):
                raise ValueError(f"{name} must be a positive int; got {value!r}.")
        super()._check_config()
        return (1, int(self.kernel_size)), (1, int(self.stride))

    def build(self, input_shape, rng, dtype):
        kernel, stride = self._check_config()
        if len(input_shape) != 2:
            raise ValueError(f"Conv1D expects 2-D samples; got input_shape={input_shape!r}.")
        if self.data_format == "channels_first":
            C, L = input_shape
        else:
            L, C = input_shape
        self._setup((1, L, C), kernel, stride, rng, dtype, (kernel[1],))
        _, Lo, F = self._out_hwc
        return (F, Lo) if self.data_format == "channels_first" else (Lo, F)

    def _to_nhwc(self, X):
        X = X.transpose(0, 2, 1) if self.data_format == "channels_first" else X
        return X[:, None]

    def _from_nhwc(self, Y):
        Y = Y[:, 0]
        return Y.transpose(0, 2, 1) if self.data_format == "channels_first" else Y
