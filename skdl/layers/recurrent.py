r"""Recurrent layers: Elman and Jordan simple RNNs, LSTM, Bidirectional.

Layout and conventions shared by every layer here:

* Sequences flow between sequence layers **time-major**, as ``(T, n, d)``
  arrays: one time step ``X[t]`` is a contiguous ``(n, d)`` block, so the
  recurrence reads and writes whole blocks without strided copies.
* A sequence input is either such an array or a pair ``(X, valid)`` where
  ``valid`` is None (every step of every sequence is real) or a boolean array
  of shape ``(T, n, 1)`` that is False on padding. The input layers
  (:class:`~skdl.layers.sequence.SequenceInput`,
  :class:`~skdl.layers.embedding.Embedding`) produce the pair.
* **Masking** holds the state on padded steps: where ``valid[t]`` is False,
  :math:`h_t = h_{t-1}` (and :math:`c_t = c_{t-1}`). With padding at the end
  the final state is then the state after the last real step, and a reversed
  layer starts from the zero state at the last real step, so a padded batch
  gives exactly the results of running each sequence alone.
* With ``return_sequences=True`` a layer outputs ``(Y, valid)`` with ``Y`` of
  shape ``(T, n, units)`` (for stacking); otherwise the final state, shape
  ``(n, units)``, ready for a :class:`~skdl.layers.Dense` layer. For a layer
  with ``reverse=True`` the "final" state is the one at time 0.
* Backpropagation through time (BPTT): the backward pass walks the steps in
  reverse order; inside the loop only the work that depends on the
  recurrence is done. Derivative factors are computed ahead of the loop with
  a few large calls (for the LSTM, chunk by chunk of a few steps), and the
  weight gradients after it with one matrix product over all steps.
"""

import copy

import numpy as np

from .base import Layer
from .dense import glorot_uniform


def split_sequence(X):
    """``(values, valid)`` of a sequence input (array or ``(array, valid)`` pair)."""
    if isinstance(X, tuple):
        return X
    return X, None


def orthogonal(n, rng, dtype):
    """A random ``(n, n)`` orthogonal matrix (QR of a Gaussian matrix, signs fixed).

    Orthogonal recurrent weights keep :math:`\\lVert h U \\rVert = \\lVert h \\rVert`
    at initialisation, so gradients through time neither explode nor vanish
    merely because of the initial scale (Saxe et al., 2014).
    """
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    q *= np.sign(np.diag(r))
    return q.astype(dtype)


def lecun_uniform(fan_in, fan_out, rng, dtype):
    r"""Uniform :math:`U(-r, r)`, :math:`r = \sqrt{3 / n_{in}}`: unit-variance outputs.

    Used for the input weights of the recurrent layers: with standardised
    inputs every pre-activation starts with variance 1 whatever the number of
    units. Glorot's rule, which averages fan-in and fan-out, makes the input
    weights of a wide layer on few features (a univariate series into 32
    units) so small that training starts very slowly (measured: R^2 0.45
    against 0.76 after 200 Adam steps on a standardised regression; a default
    ``LSTMRegressor`` on scikit-learn's ``check_regressors_train`` data, R^2
    0.40-0.60 against 0.76-0.82). On many features carrying a weak signal,
    smaller input weights train faster (benchmarks/README.md, LSTM).
    """
    bound = np.sqrt(3.0 / fan_in)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)


class _Recurrent(Layer):
    """Shared plumbing: input unpacking, reversal, output selection, masks.

    Subclasses implement ``_build(d)``, ``_forward(X, valid) -> states``
    (states of shape ``(T + 1, n, units)`` whose entry 0 is the initial zero
    state) and ``_backward(dS, input_grad) -> dX`` with ``dS`` the gradient
    with respect to ``states[1:]``.
    """

    def __init__(self, units, return_sequences=False, reverse=False):
        self.units = units
        self.return_sequences = return_sequences
        self.reverse = reverse

    #: Forward caches and scratch buffers: not part of a pickled model.
    _transient = ("_buffers", "_views", "_X", "_valid", "_A", "_S", "_G", "_Hs", "_Cs", "_TC",
                  "_V", "_IF")

    def __getstate__(self):
        state = self.__dict__.copy()
        for key in self._transient:
            state.pop(key, None)
        return state

    def _buffer(self, name, shape, dtype):
        """Scratch array ``name``, reused across training batches of the same shape.

        Fresh multi-megabyte arrays are mapped from the OS page by page on
        first touch; reusing them saves about a quarter of an LSTM step's time
        (measured: 6.1 -> 4.4 ms forward + backward, 32 x 50 x 64 units). Only
        training passes reuse, so prediction on a large ``X`` leaves no big
        arrays behind.
        """
        if not self._reuse:
            return np.empty(shape, dtype=dtype)
        return self._recent("_buffers", name, lambda buf: buf.shape == shape and buf.dtype == dtype,
                            lambda: np.empty(shape, dtype=dtype))

    def _recent(self, store, name, matches, make):
        """The entry of ``self.<store>[name]`` that ``matches``, else a new one from ``make()``.

        Two entries are kept per name: an epoch's last, smaller batch then
        does not evict the full-size ones (which the next epoch would have to
        re-allocate).
        """
        kept = self.__dict__.setdefault(store, {}).setdefault(name, [])
        for entry in kept:
            if matches(entry):
                return entry
        kept.insert(0, make())
        del kept[2:]
        return kept[0]

    def build(self, input_shape, rng, dtype):
        T, d = input_shape
        self._T = T
        self._build(d, rng, np.dtype(dtype))
        return (T, self.units) if self.return_sequences else (self.units,)

    def forward(self, X, training=False):
        X, valid = split_sequence(X)
        if self.reverse:
            X = X[::-1]
            valid = None if valid is None else valid[::-1]
        X = np.ascontiguousarray(X)
        self._valid = valid
        self._reuse = training
        states = self._forward(X, valid)
        if not self.return_sequences:
            # The final state: after the last real step (masked steps hold it).
            return states[-1].copy()
        Y = states[1:]
        return (Y[::-1] if self.reverse else Y), valid

    def backward(self, dY, input_grad=True):
        if self.return_sequences:
            dS = dY[::-1] if self.reverse else dY
            dS_last = None
        else:
            dS, dS_last = None, dY
        self._reuse = True
        dX = self._backward(dS, dS_last, input_grad)
        if dX is None:
            return None
        return dX[::-1] if self.reverse else dX

    def _states(self, name, T, n, dtype):
        """Zero-started state array (T + 1, n, units); fresh when it is returned."""
        if self.return_sequences:
            S = np.empty((T + 1, n, self.units), dtype=dtype)
        else:
            S = self._buffer(name, (T + 1, n, self.units), dtype)
        S[0] = 0.0
        return S

    @staticmethod
    def _mask_factors(valid, dtype):
        """Float mask ``m`` and its complement ``1 - m`` (shape (T, n, 1))."""
        m = valid.astype(dtype)
        return m, 1.0 - m

    def __repr__(self):
        extra = ", return_sequences=True" if self.return_sequences else ""
        extra += ", reverse=True" if self.reverse else ""
        return f"{type(self).__name__}(units={self.units}{extra})"


class SimpleRNN(_Recurrent):
    r"""Fully connected recurrent layer with Elman or Jordan feedback.

    **Elman** (feedback of the hidden state, the course's "store the
    intermediate value"):

    .. math::

        h_t = \tanh(x_t W + h_{t-1} U + b), \qquad y_t = h_t .

    **Jordan** (feedback of the layer's *output*): the layer has a hidden
    stage :math:`h_t` and an output stage :math:`y_t`, both of size
    ``units``; what is stored and fed back is the output
    :math:`y_{t-1}`, not the hidden state:

    .. math::

        h_t = \tanh(x_t W + y_{t-1} U + b), \qquad
        y_t = \tanh(h_t V + c).

    In both cases the layer's output, i.e. what a stacked layer or the
    classifier head reads, is :math:`y_t`, and :math:`y_0 = h_0 = 0`.

    Parameters
    ----------
    units : int
        Size of :math:`h_t` (and of :math:`y_t`).
    feedback : {"elman", "jordan"}, default="elman"
    return_sequences : bool, default=False
        Output every :math:`y_t` (shape (T, n, units)) instead of the last.
    reverse : bool, default=False
        Process the sequence from its last step to its first.

    Notes
    -----
    BPTT for Elman, with :math:`a_t` the pre-activation and :math:`g_t` the
    gradient arriving at :math:`h_t` from above:

    .. math::

        \delta_t = (g_t + \delta_{t+1} U^\top) \odot (1 - h_t^2), \quad
        \frac{\partial L}{\partial W} = \sum_t x_t^\top \delta_t, \quad
        \frac{\partial L}{\partial U} = \sum_t h_{t-1}^\top \delta_t .
    """

    def __init__(self, units, feedback="elman", return_sequences=False, reverse=False):
        super().__init__(units, return_sequences, reverse)
        if feedback not in ("elman", "jordan"):
            raise ValueError(f"feedback must be 'elman' or 'jordan', got {feedback!r}.")
        self.feedback = feedback
        if feedback == "jordan":
            self.param_names = ("W", "U", "V", "b", "c")
            self.regularized = ("W", "U", "V")
        else:
            self.param_names = ("W", "U", "b")
            self.regularized = ("W", "U")

    def _build(self, d, rng, dtype):
        H = self.units
        self.W = lecun_uniform(d, H, rng, dtype)
        self.U = orthogonal(H, rng, dtype)
        self.b = np.zeros(H, dtype=dtype)
        if self.feedback == "jordan":
            self.V = glorot_uniform(H, H, rng, dtype)
            self.c = np.zeros(H, dtype=dtype)
        for name in self.param_names:
            setattr(self, "d" + name, np.zeros_like(getattr(self, name)))

    def _forward(self, X, valid):
        T, n, d = X.shape
        H = self.units
        self._X = X
        # Input projections of all steps in one product, bias included.
        A = self._buffer("A", (T, n, H), X.dtype)
        np.dot(X.reshape(T * n, d), self.W, out=A.reshape(T * n, H))
        A += self.b
        S = self._states("S", T, n, X.dtype)         # S[0] is the zero state
        tmp = self._buffer("tmp", (n, H), X.dtype)
        U = self.U
        jordan = self.feedback == "jordan"
        if jordan:
            V, c = self.V, self.c
        for t in range(T):
            np.dot(S[t], U, out=tmp)
            if jordan:
                a = A[t]
                a += tmp
                np.tanh(a, out=a)          # A[t] now holds the hidden stage h_t
                y = S[t + 1]
                np.dot(a, V, out=y)
                y += c
                np.tanh(y, out=y)
            else:
                h = S[t + 1]
                np.add(A[t], tmp, out=h)
                np.tanh(h, out=h)
            if valid is not None:
                np.copyto(S[t + 1], S[t], where=~valid[t])
        self._A, self._S = A, S
        return S

    def _backward(self, dS, dS_last, input_grad):
        X, A, S, valid = self._X, self._A, self._S, self._valid
        T, n, d = X.shape
        H = self.units
        dtype = X.dtype
        jordan = self.feedback == "jordan"
        Y = S[1:]
        # Derivative factors of all steps, outside the loop.
        Dy = self._buffer("Dy", (T, n, H), dtype)
        np.multiply(Y, Y, out=Dy)
        np.subtract(1.0, Dy, out=Dy)        # tanh' of the fed-back stage
        if valid is not None:
            m, inv = self._mask_factors(valid, dtype)
            Dy *= m
        if jordan:
            Dh = self._buffer("Dh", (T, n, H), dtype)
            np.multiply(A, A, out=Dh)
            np.subtract(1.0, Dh, out=Dh)
            VT = np.ascontiguousarray(self.V.T)
            dZ = self._buffer("dZ", (T, n, H), dtype)
        dA = self._buffer("dA", (T, n, H), dtype)
        UT = np.ascontiguousarray(self.U.T)
        g = np.zeros((n, H), dtype=dtype)   # gradient reaching y_t
        carry = np.empty((n, H), dtype=dtype)
        if dS_last is not None:
            g += dS_last
        for t in range(T - 1, -1, -1):
            if dS is not None:
                g += dS[t]
            if valid is not None:
                # Masked rows pass their gradient straight to y_{t-1}.
                np.multiply(g, inv[t], out=carry)
            if jordan:
                dz = dZ[t]
                np.multiply(g, Dy[t], out=dz)
                np.dot(dz, VT, out=dA[t])
                dA[t] *= Dh[t]
            else:
                np.multiply(g, Dy[t], out=dA[t])
            np.dot(dA[t], UT, out=g)
            if valid is not None:
                g += carry
        dA2 = dA.reshape(T * n, H)
        np.dot(S[:-1].reshape(T * n, H).T, dA2, out=self.dU)
        np.dot(X.reshape(T * n, d).T, dA2, out=self.dW)
        np.sum(dA2, axis=0, out=self.db)
        if jordan:
            dZ2 = dZ.reshape(T * n, H)
            np.dot(A.reshape(T * n, H).T, dZ2, out=self.dV)
            np.sum(dZ2, axis=0, out=self.dc)
        if not input_grad:
            return None
        return np.dot(dA2, self.W.T).reshape(T, n, d)

    def __repr__(self):
        base = super().__repr__()
        return base[:-1] + f", feedback={self.feedback!r})"


class LSTM(_Recurrent):
    r"""Long short-term memory layer, optionally with peephole connections.

    Four gates from one matrix product per step. With
    :math:`a_t = x_t W + h_{t-1} U + b` split into four blocks of ``units``
    columns, in the order output, input, forget, candidate:

    .. math::

        o_t = \sigma(a^o_t + p_o \odot c_t), \quad
        i_t = \sigma(a^i_t + p_i \odot c_{t-1}), \quad
        f_t = \sigma(a^f_t + p_f \odot c_{t-1}), \quad
        g_t = \tanh(a^g_t),

        c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad
        h_t = o_t \odot \tanh(c_t).

    The peephole vectors :math:`p_i, p_f, p_o` (Gers & Schmidhuber, 2000)
    let the gates see the cell state; without ``peephole`` they are zero and
    absent. The input gate decides what enters the memory cell, the forget
    gate whether the cell keeps its content, the output gate whether the cell
    is read out. :math:`h_0 = c_0 = 0`.

    Parameters
    ----------
    units : int
    peephole : bool, default=False
    return_sequences, reverse : see :class:`SimpleRNN`.

    Notes
    -----
    Speed. One matrix product per step, :math:`[U; W; b]^\top [h_{t-1}; x_t; 1]`,
    gives all four gates' pre-activations with the input projection and the
    bias. The sigmoids are computed as :math:`\sigma(x) = \tfrac12\tanh(x/2)
    + \tfrac12`: the halving is folded into a copy of the weights, so one
    ``tanh`` call evaluates all four gates of a step. The forget-gate
    bias starts at 1 (Jozefowicz et al., 2015) so that memory is kept early
    in training.

    BPTT, with :math:`\bar h_t` the total gradient at :math:`h_t` and
    :math:`\bar c_t` the one at :math:`c_t` (without peepholes):

    .. math::

        \bar c_t &= \bar c_{t+1} \odot f_{t+1} + \bar h_t \odot o_t (1 - \tanh^2 c_t),\\
        \delta^o_t &= \bar h_t \odot \tanh(c_t)\, o_t (1 - o_t), \quad
        \delta^i_t = \bar c_t \odot g_t\, i_t (1 - i_t),\\
        \delta^f_t &= \bar c_t \odot c_{t-1} f_t (1 - f_t), \quad
        \delta^g_t = \bar c_t \odot i_t (1 - g_t^2),\\
        \bar h_{t-1} &= (\text{gradient from above}) + \delta_t U^\top .

    Every factor that multiplies :math:`\bar c_t` or :math:`\bar h_t` is
    computed ahead of the loop, a few steps at a time, and the weight
    gradients :math:`\sum_t [h_{t-1}; x_t; 1]\, \delta_t^\top` are one
    matrix product after it.
    """

    def __init__(self, units, peephole=False, return_sequences=False, reverse=False):
        super().__init__(units, return_sequences, reverse)
        self.peephole = peephole
        if peephole:
            self.param_names = ("W", "U", "P", "b")
            self.regularized = ("W", "U", "P")
        else:
            self.param_names = ("W", "U", "b")
            self.regularized = ("W", "U")

    def _build(self, d, rng, dtype):
        H = self.units
        self.W = lecun_uniform(d, 4 * H, rng, dtype)
        self.U = np.concatenate([orthogonal(H, rng, dtype) for _ in range(4)], axis=1)
        self.b = np.zeros(4 * H, dtype=dtype)
        self.b[2 * H:3 * H] = 1.0          # forget gate open at the start
        if self.peephole:
            self.P = np.zeros((3, H), dtype=dtype)   # rows: p_o, p_i, p_f
        for name in self.param_names:
            setattr(self, "d" + name, np.zeros_like(getattr(self, name)))
        # 1/2 on the three sigmoid gates: sigma(x) = tanh(x / 2) / 2 + 1 / 2.
        self._half = np.ones(4 * H, dtype=dtype)
        self._half[:3 * H] = 0.5

    # ------------------------------------------------- fast path (no peephole)
    # Feature-major layout: step t's pre-activations are a block G[t] whose
    # gate blocks G[t, :H], G[t, H:2H]... are contiguous (H, n) arrays, and
    # the states are (H, n) blocks, so every elementwise call reads and
    # writes contiguous memory (gate slices of the batch-major (n, 4H)
    # layout are strided and cost 3-4x more per call at these sizes).

    #: Steps per chunk of the backward pass (see :meth:`_backward_fast`).
    backward_chunk = 5

    def forward(self, X, training=False):
        if self.peephole:
            return super().forward(X, training)
        X, valid = split_sequence(X)
        if self.reverse:
            X = X[::-1]
            valid = None if valid is None else valid[::-1]
        self._valid = valid
        self._reuse = training
        Hs = self._forward_fast(X, valid)
        if not self.return_sequences:
            return Hs[-1].T.copy()
        Y = Hs[1:].transpose(0, 2, 1)
        Y = np.ascontiguousarray(Y[::-1] if self.reverse else Y)
        return Y, valid

    def backward(self, dY, input_grad=True):
        if self.peephole:
            return super().backward(dY, input_grad)
        self._reuse = True
        if self.return_sequences:
            dS = dY[::-1] if self.reverse else dY
            dX = self._backward_fast(dS.transpose(0, 2, 1), None, input_grad)
        else:
            dX = self._backward_fast(None, dY.T, input_grad)
        if dX is None:
            return None
        return dX[::-1] if self.reverse else dX

    def _forward_fast(self, X, valid):
        T, n, d = X.shape
        H = self.units
        H4, K = 4 * H, H + d + 1
        dtype = X.dtype
        half = self._half.astype(dtype, copy=False)
        self._X = X
        # V[t] = [h_{t-1}; x_t; 1] (feature-major), so that one product per
        # step, [U; W; b]^T V[t], gives all four gates' pre-activations, the
        # input projection and the bias included. The state h_t is written to
        # V[t + 1, :H]; V[T, H:] is unused.
        V = self._buffer("V", (T + 1, K, n), dtype)
        V[0, :H] = 0.0
        np.copyto(V[:T, H:H + d], X.transpose(0, 2, 1))
        V[:T, H + d] = 1.0
        # [U; W; b]^T with the sigmoid rows halved: sigma(x) = tanh(x/2)/2 + 1/2.
        M = self._buffer("M", (H4, K), dtype)
        np.multiply(self.U.T, half[:, None], out=M[:, :H])
        np.multiply(self.W.T, half[:, None], out=M[:, H:H + d])
        np.multiply(self.b, half, out=M[:, H + d])
        # G[t] = [o; i; f; g; c_{t-1}]: the halved pre-activations, turned
        # into gate values in place, followed by the cell state they update,
        # so that [i; f] * [g; c_{t-1}] is one call.
        G = self._buffer("G", (T + 1, 5 * H, n), dtype)
        G[0, H4:] = 0.0
        # [i_t g_t; f_t c_{t-1}], the two terms of the cell update, kept
        # because they give backward factors in fewer passes.
        IF = self._buffer("IF", (T, 2 * H, n), dtype)
        TC = self._buffer("TC", (T, H, n), dtype)
        pads = None if valid is None else ~valid.transpose(0, 2, 1)
        self._recurrence(G, V, IF, TC, M, pads)
        self._G, self._V, self._IF, self._TC = G, V, IF, TC
        return V[:, :H]

    def _step_views(self, kind, arrays, build):
        """Per-step views of ``arrays`` made by ``build()``, cached while the arrays are reused.

        Slicing a step's blocks out of the big arrays costs 0.1-0.2 us a view,
        with about 15 views a step (0.12 ms of a 1.1 ms forward pass).
        Training batches reuse the same buffers, so their views are made once.
        """
        key = tuple(id(a) for a in arrays)
        # An entry holds its arrays, so their ids cannot be reused meanwhile.
        return self._recent("_views", kind, lambda entry: entry[0] == key,
                            lambda: (key, build(), arrays))[1]

    def _recurrence(self, G, V, IF, TC, M, pads):
        """The forward recurrence: one product and seven elementwise calls a step."""
        T = IF.shape[0]
        H = TC.shape[1]
        H3, H4 = 3 * H, 4 * H

        def views():
            return [(V[t], G[t, :H4], G[t, :H3], G[t, H:H3], G[t, H3:], IF[t],
                     IF[t, :H], IF[t, H:], G[t + 1, H4:], TC[t], G[t, :H], V[t + 1, :H])
                    for t in range(T)]

        steps = self._step_views("forward", (G, V, IF, TC), views)
        matmul, add, multiply, tanh, copyto = np.matmul, np.add, np.multiply, np.tanh, np.copyto
        # Output arrays are passed positionally: the keyword costs 0.1 us a call.
        for t, (v, a, s, i_f, g_c, ifc, ig, fc, c, tc, o, h) in enumerate(steps):
            matmul(M, v, a)                 # [U; W; b]^T [h_{t-1}; x_t; 1]
            tanh(a, a)
            multiply(s, 0.5, s)             # o, i, f: sigma = tanh / 2 + 1/2
            add(s, 0.5, s)
            multiply(i_f, g_c, ifc)         # [i g; f c_{t-1}] = [i; f] * [g; c_{t-1}]
            add(ig, fc, c)
            tanh(c, tc)
            multiply(o, tc, h)
            if pads is not None:
                pad = pads[t]
                copyto(c, G[t, H4:], where=pad)
                copyto(h, V[t, :H], where=pad)

    def _factors(self, t0, t1, KF, mask=None):
        """Backward factors of steps t0..t1-1 into ``KF``, rows ``[Dc; Ko; Ki; Kf; Kg; F]``.

        Dc takes the hidden gradient to the cell, Ko to the o pre-activation,
        Ki, Kf, Kg the cell gradient to the i, f, g pre-activations, F to
        c_{t-1}::

            Dc = o (1 - tanh^2 c) = o - h tanh c,  Ko = tanh c o (1 - o) = h (1 - o),
            Ki = g i (1 - i) = ig (1 - i),  Kf = c_{t-1} f (1 - f) = fc (1 - f),
            Kg = i (1 - g^2) = i - ig g,  F = f.

        A few calls over the whole range. ``mask`` is ``(m, 1 - m)`` of the
        whole pass (see :meth:`_mask_factors`); without one F is read from the
        forward's gate values and the last block stays unused.
        """
        H = self.units
        H2, H3, H4, H5 = 2 * H, 3 * H, 4 * H, 5 * H
        G, IF, TC = self._G[t0:t1], self._IF[t0:t1], self._TC[t0:t1]
        Hs = self._V[t0 + 1:t1 + 1, :H]
        np.subtract(1.0, G[:, :H3], out=KF[:, H:H4])
        np.multiply(KF[:, H:H2], Hs, out=KF[:, H:H2])
        np.multiply(KF[:, H2:H4], IF, out=KF[:, H2:H4])
        Kg = KF[:, H4:H5]
        np.multiply(IF[:, :H], G[:, H3:H4], out=Kg)
        np.subtract(G[:, H:H2], Kg, out=Kg)
        Dc = KF[:, :H]
        np.multiply(Hs, TC, out=Dc)
        np.subtract(G[:, :H], Dc, out=Dc)
        if mask is not None:
            m, inv = mask[0][t0:t1], mask[1][t0:t1]
            F = KF[:, H5:]
            np.multiply(G[:, H2:H3], m, out=F)
            F += inv                                # masked: the cell passes through
            KF[:, :H5] *= m

    def _backward_fast(self, dS, dS_last, input_grad):
        X, G, V, valid = self._X, self._G, self._V, self._valid
        T, n, d = X.shape
        H = self.units
        H2, H4, H5, K = 2 * H, 4 * H, 5 * H, H + d + 1
        dtype = V.dtype
        # BPTT in chunks of a few steps, latest first: the chunk's factors
        # and pre-activation gradients stay in the core's cache while the
        # loop reads and writes them (5 steps: 0.4 MB), then the gradients go
        # to dG in one copy. Whole-sequence arrays instead stream every step's
        # blocks from L3 (measured: 0.15 ms more a batch of 32 x 50 x 64).
        chunk = max(1, min(self.backward_chunk, T))
        KF = self._buffer("KF", (chunk, 6 * H, n), dtype)
        dGc = self._buffer("dGc", (chunk, H4, n), dtype)
        # dG[:, t] = gradient of step t's pre-activations. Steps are the
        # middle axis so that the weight gradient over every step and
        # sequence is one product on a 2-D view (4H, T n).
        dG = self._buffer("dG", (H4, T, n), dtype)
        mask = None
        if valid is not None:
            mask = self._mask_factors(valid.transpose(0, 2, 1), dtype)
            inv = mask[1]
            carry = self._buffer("carry", (H, n), dtype)
        U = self.U
        dh = self._buffer("dh", (H, n), dtype)
        dc = self._buffer("dc", (H, n), dtype)
        tmp = self._buffer("dtmp", (H, n), dtype)
        dc[...] = 0.0
        if dS_last is not None:
            np.copyto(dh, dS_last)
        else:
            dh[...] = 0.0

        def views():
            per_slot = [(KF[k, :H], KF[k, H:H2], dGc[k, :H], KF[k, H2:H5].reshape(3, H, n),
                         dGc[k, H:].reshape(3, H, n), KF[k, H5:], dGc[k]) for k in range(chunk)]
            return per_slot, [G[t, H2:H2 + H] for t in range(T)]

        steps, forget = self._step_views("backward", (KF, dGc, G), views)
        # Five elementwise calls and one product a step. (Fusing them into
        # three broadcast calls over [Dc; Ko] and [Ki; Kf; Kg; F] was measured
        # slower: a broadcast call costs about twice a plain one here.)
        matmul, add, multiply = np.matmul, np.add, np.multiply
        for t1 in range(T, 0, -chunk):
            t0 = max(0, t1 - chunk)
            self._factors(t0, t1, KF[:t1 - t0], mask)
            for t in range(t1 - 1, t0 - 1, -1):
                Dc_t, Ko_t, dGo_t, Kifg_t, dGifg_t, Fm_t, dG_t = steps[t - t0]
                if dS is not None:
                    add(dh, dS[t], dh)
                if valid is not None:
                    multiply(dh, inv[t], carry)
                multiply(dh, Dc_t, tmp)
                add(dc, tmp, dc)                           # dc_t
                multiply(Ko_t, dh, dGo_t)
                multiply(Kifg_t, dc, dGifg_t)
                multiply(dc, forget[t] if valid is None else Fm_t, dc)   # -> dc_{t-1}
                matmul(U, dG_t, dh)
                if valid is not None:
                    add(dh, carry, dh)
            np.copyto(dG[:, t0:t1], dGc[:t1 - t0].transpose(1, 0, 2))
        # Weight gradients of all steps and sequences in one product:
        # [dU; dW; db]^T = dG [h_{t-1} | x_t | 1] over the (T n) columns.
        Vs = self._buffer("Vs", (K, T, n), dtype)
        np.copyto(Vs, V[:T].transpose(1, 0, 2))
        dG2 = dG.reshape(H4, T * n)
        RT = self._buffer("RT", (H4, K), dtype)
        np.dot(dG2, Vs.reshape(K, T * n).T, out=RT)
        self.dU[...] = RT[:, :H].T
        self.dW[...] = RT[:, H:H + d].T
        self.db[...] = RT[:, H + d]
        if not input_grad:
            return None
        dX = np.dot(self.W, dG2).reshape(d, T, n)           # W dG: (d, T n)
        return np.ascontiguousarray(dX.transpose(1, 2, 0))

    # ------------------------------------------- peephole path (batch-major)
    # Through _Recurrent.forward/backward: states (T + 1, n, units).
    def _forward(self, X, valid):
        T, n, d = X.shape
        H = self.units
        dtype = X.dtype
        self._X = X
        half = self._half.astype(dtype, copy=False)
        # Halved sigmoid pre-activations of all steps: one product, bias folded.
        G = self._buffer("G", (T, n, 4 * H), dtype)
        np.dot(X.reshape(T * n, d), self.W * half, out=G.reshape(T * n, 4 * H))
        G += self.b * half
        U = self.U * half
        Hs = self._states("Hs", T, n, dtype)
        Cs = self._buffer("Cs", (T + 1, n, H), dtype)
        Cs[0] = 0.0
        TC = self._buffer("TC", (T, n, H), dtype)
        Z = self._buffer("Z", (n, 4 * H), dtype)
        self._forward_peephole(G, Hs, Cs, TC, Z, U, valid)
        self._G, self._Hs, self._Cs, self._TC = G, Hs, Cs, TC
        return Hs

    def _forward_peephole(self, G, Hs, Cs, TC, Z, U, valid):
        T, n, _ = G.shape
        H = self.units
        Ph = 0.5 * self.P                       # halved like the pre-activations
        tmp = np.empty((n, H), dtype=G.dtype)
        peek = np.empty((n, 2, H), dtype=G.dtype)
        for t in range(T):
            a = G[t]
            np.dot(Hs[t], U, out=Z)
            a += Z
            np.multiply(Cs[t][:, None, :], Ph[1:], out=peek)
            a[:, H:3 * H] += peek.reshape(n, 2 * H)
            rest = a[:, H:]
            np.tanh(rest, out=rest)
            s = a[:, H:3 * H]
            s *= 0.5
            s += 0.5
            c = Cs[t + 1]
            np.multiply(a[:, 2 * H:3 * H], Cs[t], out=c)
            np.multiply(a[:, H:2 * H], a[:, 3 * H:], out=tmp)
            c += tmp
            o = a[:, :H]
            np.multiply(c, Ph[0], out=tmp)
            o += tmp
            np.tanh(o, out=o)
            o *= 0.5
            o += 0.5
            np.tanh(c, out=TC[t])
            np.multiply(o, TC[t], out=Hs[t + 1])
            if valid is not None:
                pad = ~valid[t]
                np.copyto(c, Cs[t], where=pad)
                np.copyto(Hs[t + 1], Hs[t], where=pad)

    # --------------------------------------------------------------- backward
    def _backward(self, dS, dS_last, input_grad):
        X, G, Hs, Cs, TC, valid = self._X, self._G, self._Hs, self._Cs, self._TC, self._valid
        T, n, d = X.shape
        H = self.units
        dtype = X.dtype
        O, I, F, Gc = (G[..., k * H:(k + 1) * H] for k in range(4))
        # Factors multiplying the cell gradient (i, f, g blocks) or the hidden
        # gradient (o block), for all steps at once.
        K = self._buffer("K", (T, n, 4 * H), dtype)
        np.subtract(1.0, G[..., :3 * H], out=K[..., :3 * H])
        K[..., :3 * H] *= G[..., :3 * H]            # sigma' = s (1 - s)
        K[..., :H] *= TC                            # o: tanh(c_t)
        K[..., H:2 * H] *= Gc                       # i: g_t
        K[..., 2 * H:3 * H] *= Cs[:-1]             # f: c_{t-1}
        np.multiply(Gc, Gc, out=K[..., 3 * H:])
        np.subtract(1.0, K[..., 3 * H:], out=K[..., 3 * H:])
        K[..., 3 * H:] *= I                         # g: i_t (1 - g^2)
        Dc = self._buffer("Dc", (T, n, H), dtype)
        np.multiply(TC, TC, out=Dc)
        np.subtract(1.0, Dc, out=Dc)
        Dc *= O                                     # dh -> dc: o (1 - tanh^2 c)
        Fc = F                                      # dc_{t-1} = dc_t f_t
        if valid is not None:
            m, inv = self._mask_factors(valid, dtype)
            K *= m
            Dc *= m
            Fc = F * m
            Fc += inv                               # masked: the cell passes through
        if self.peephole:
            P = self.P
            Do = K[..., :H].copy()                  # dc from the o gate peephole
            Do *= P[0]
        dG = self._buffer("dG", (T, n, 4 * H), dtype)
        K4 = K.reshape(T, n, 4, H)
        dG4 = dG.reshape(T, n, 4, H)
        UT = np.ascontiguousarray(self.U.T)
        dh = np.zeros((n, H), dtype=dtype)
        dc = np.zeros((n, H), dtype=dtype)
        dc3 = dc[:, None, :]
        tmp = np.empty((n, H), dtype=dtype)
        carry = np.empty((n, H), dtype=dtype)
        if dS_last is not None:
            dh += dS_last
        for t in range(T - 1, -1, -1):
            if dS is not None:
                dh += dS[t]
            if valid is not None:
                np.multiply(dh, inv[t], out=carry)
            np.multiply(dh, Dc[t], out=tmp)
            dc += tmp
            np.multiply(K4[t, :, 0], dh, out=dG4[t, :, 0])
            if self.peephole:
                np.multiply(Do[t], dh, out=tmp)      # d o-preact * p_o
                dc += tmp
            np.multiply(K4[t, :, 1:], dc3, out=dG4[t, :, 1:])
            dc *= Fc[t]
            if self.peephole:
                np.multiply(dG4[t, :, 1], P[1], out=tmp)
                dc += tmp
                np.multiply(dG4[t, :, 2], P[2], out=tmp)
                dc += tmp
            np.dot(dG[t], UT, out=dh)
            if valid is not None:
                dh += carry
        dG2 = dG.reshape(T * n, 4 * H)
        np.dot(Hs[:-1].reshape(T * n, H).T, dG2, out=self.dU)
        np.dot(X.reshape(T * n, d).T, dG2, out=self.dW)
        np.sum(dG2, axis=0, out=self.db)
        if self.peephole:
            self.dP[0] = np.einsum("tnh,tnh->h", dG[..., :H], Cs[1:])
            self.dP[1] = np.einsum("tnh,tnh->h", dG[..., H:2 * H], Cs[:-1])
            self.dP[2] = np.einsum("tnh,tnh->h", dG[..., 2 * H:3 * H], Cs[:-1])
        if not input_grad:
            return None
        return np.dot(dG2, self.W.T).reshape(T, n, d)

    def __repr__(self):
        base = super().__repr__()
        return base[:-1] + (", peephole=True)" if self.peephole else ")")


_DIRECTIONS = {"fw_": "forward_layer", "bw_": "backward_layer"}


class Bidirectional(Layer):
    r"""Run a recurrent layer forwards and a copy of it backwards; concatenate.

    .. math::

        y_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t]

    so every output sees the whole sequence (the course's "each word knows the
    whole sentence"). Without ``return_sequences`` the output is
    :math:`[\overrightarrow{h}_T ; \overleftarrow{h}_1]`, the final states of
    both directions.

    Parameters
    ----------
    layer : SimpleRNN or LSTM
        The forward-direction layer (``reverse=False``); an unbuilt copy with
        ``reverse=True`` makes the backward direction.

    Notes
    -----
    The parameters of the two inner layers appear here under the prefixes
    ``fw_`` and ``bw_`` (``fw_W``, ``bw_U``...), so that
    :class:`~skdl.network.Sequential` can bind them to its flat buffers like
    any layer's.
    """

    def __init__(self, layer):
        self.forward_layer = layer
        backward = copy.deepcopy(layer)
        backward.reverse = True
        self.backward_layer = backward

    @property
    def return_sequences(self):
        return self.forward_layer.return_sequences

    @property
    def units(self):
        return 2 * self.forward_layer.units

    @property
    def param_names(self):
        return tuple(p + name for p, attr in _DIRECTIONS.items()
                     for name in getattr(self, attr).param_names)

    @property
    def regularized(self):
        return tuple(p + name for p, attr in _DIRECTIONS.items()
                     for name in getattr(self, attr).regularized)

    def _route(self, name):
        """(inner layer, inner attribute) for ``fw_W``, ``dbw_U``... else None."""
        grad = name.startswith("d") and name[1:4] in _DIRECTIONS
        key = name[1:] if grad else name
        attr = _DIRECTIONS.get(key[:3])
        if attr is None or attr not in self.__dict__:
            return None
        return self.__dict__[attr], ("d" if grad else "") + key[3:]

    def __getattr__(self, name):
        # Only reached when normal lookup fails (prefixed parameter names).
        route = self._route(name) if not name.startswith("__") else None
        if route is None:
            raise AttributeError(name)
        return getattr(*route)

    def __setattr__(self, name, value):
        route = self._route(name)
        if route is None:
            object.__setattr__(self, name, value)
        else:
            setattr(route[0], route[1], value)

    def build(self, input_shape, rng, dtype):
        out = self.forward_layer.build(input_shape, rng, dtype)
        self.backward_layer.build(input_shape, rng, dtype)
        return out[:-1] + (2 * out[-1],)

    def forward(self, X, training=False):
        Yf = self.forward_layer.forward(X, training)
        Yb = self.backward_layer.forward(X, training)
        if not self.return_sequences:
            return np.concatenate([Yf, Yb], axis=-1)
        (Yf, valid), (Yb, _) = Yf, Yb
        return np.concatenate([Yf, Yb], axis=-1), valid

    def backward(self, dY, input_grad=True):
        H = self.forward_layer.units
        dXf = self.forward_layer.backward(dY[..., :H], input_grad)
        dXb = self.backward_layer.backward(dY[..., H:], input_grad)
        if dXf is None:
            return None
        dXf += dXb
        return dXf

    def __repr__(self):
        return f"Bidirectional({self.forward_layer!r})"
