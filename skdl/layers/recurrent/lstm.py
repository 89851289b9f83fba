r"""Long short-term memory layer, with optional peephole connections."""

import numpy as np

from ..base import recent, scratch
from .base import (Recurrent, backward_buffers, lecun_uniform, orthogonal,
                   stacked_weight_gradient, view_key)


class LSTM(Recurrent):
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
        Size of the state :math:`h_t` and of the cell :math:`c_t`.
    peephole : bool, default=False
        Add the peephole connections :math:`p_o, p_i, p_f` (parameter ``P``,
        rows in that order).
    return_sequences : bool, default=False
        Output every :math:`h_t` (shape (T, n, units)) instead of the last.
    reverse : bool, default=False
        Process the sequence from its last step to its first.

    Notes
    -----
    Speed. One matrix product per step, :math:`[U; W; b]^\top [h_{t-1}; x_t; 1]`,
    gives all four gates' pre-activations with the input projection and the
    bias. All four gates come from one ``exp``: with the sigmoid rows of a
    copy of the weights negated and the candidate rows scaled by -2, the
    product gives :math:`[-a^o; -a^i; -a^f; -2a^g]`, and
    :math:`1/(1 + e^{z})` of it is :math:`[o; i; f; \sigma(2a^g)]`, with
    :math:`g = \tanh a^g = 2\sigma(2a^g) - 1`. (NumPy's float32 ``exp``
    costs half its ``tanh``: 1.3 against 2.6 ns an element on an AVX2 EPYC,
    where this form takes a step's gates from 24 to 17 us at 64 units and
    from 91 to 56 us at 256; float64 ``tanh`` is not vectorised there, 13 ns
    an element.) The layout is
    feature-major: a step's gate blocks are contiguous ``(units, n)`` arrays,
    so every elementwise call reads and writes contiguous memory (gate slices
    of a batch-major ``(n, 4 units)`` layout are strided and cost 3-4x more
    per call at these sizes). The forget-gate bias starts at 1 (Jozefowicz et
    al., 2015) so that memory is kept early in training.

    BPTT, with :math:`\bar h_t` the total gradient at :math:`h_t` and
    :math:`\bar c_t` the one at :math:`c_t`:

    .. math::

        \delta^o_t &= \bar h_t \odot \tanh(c_t)\, o_t (1 - o_t),\\
        \bar c_t &= \bar c_{t+1} \odot f_{t+1} + \bar h_t \odot o_t (1 - \tanh^2 c_t)
                   + \delta^o_t \odot p_o
                   + \delta^i_{t+1} \odot p_i + \delta^f_{t+1} \odot p_f,\\
        \delta^i_t &= \bar c_t \odot g_t\, i_t (1 - i_t), \quad
        \delta^f_t = \bar c_t \odot c_{t-1} f_t (1 - f_t), \quad
        \delta^g_t = \bar c_t \odot i_t (1 - g_t^2),\\
        \bar h_{t-1} &= (\text{gradient from above}) + \delta_t U^\top .

    Every factor that multiplies :math:`\bar c_t` or :math:`\bar h_t` is
    computed ahead of the loop, a few steps at a time, and the weight
    gradients :math:`\sum_t [h_{t-1}; x_t; 1]\, \delta_t^\top` are one
    matrix product after it.

    Prediction of the final state only keeps two steps of work arrays
    (the pre-activations and states of the current and previous step), so
    its memory does not grow with the sequence length.
    """

    #: Steps per chunk of the backward pass (see :meth:`_backward`).
    backward_chunk = 5

    def __init__(self, units, peephole=False, return_sequences=False, reverse=False):
        super().__init__(units, return_sequences, reverse)
        self.peephole = peephole
        self.regularized = ("W", "U", "P") if peephole else ("W", "U")

    def _build(self, d, rng, dtype):
        H = self.units
        self._features = d
        params = {"W": lecun_uniform(d, 4 * H, rng, dtype),
                  "U": np.concatenate([orthogonal(H, rng, dtype) for _ in range(4)], axis=1)}
        if self.peephole:
            params["P"] = np.zeros((3, H), dtype=dtype)    # rows: p_o, p_i, p_f
        b = np.zeros(4 * H, dtype=dtype)
        b[2 * H:3 * H] = 1.0          # forget gate open at the start
        params["b"] = b
        self._set_parameters(**params)

    def workspace_size(self):
        H, d, T = self.units, self._features, self._steps
        K = H + d + 1
        if self.return_sequences:
            return (T + 1) * (K + 5 * H) + 3 * H * T
        return 2 * (K + 5 * H) + 5 * H          # two rolling steps (_predict_final)

    # --------------------------------------------------------------- forward
    def _gate_matrix(self, dtype, out):
        """``[U; W; b]^T`` scaled for one ``exp``: sigmoid rows by -1, candidate rows by -2.

        Then ``1 / (1 + exp(z))`` of the step's product is ``[o; i; f;
        sigma(2 a_g)]`` (see the class notes).
        """
        p = self._params
        H, d = self.units, self._features
        scale = np.full((4 * H, 1), -1.0, dtype=dtype)
        scale[3 * H:] = -2.0
        # U's rows are 4H values apart, a power of two for the usual sizes:
        # reading its columns for the transpose maps every row to the same
        # cache sets. A row-padded copy first (measured at H = 256, float32:
        # 0.28 ms instead of 0.99 ms; at H = 64, 28 us instead of 76 us).
        staging = np.empty((H, 4 * H + _TRANSPOSE_PAD), dtype=dtype)[:, :4 * H]
        np.copyto(staging, p["U"])
        np.multiply(staging.T, scale, out=out[:, :H])
        np.multiply(p["W"].T, scale, out=out[:, H:H + d])
        np.multiply(p["b"], scale[:, 0], out=out[:, H + d])
        return out

    def _peepholes(self):
        """Negated peephole columns ``(-p_o, -[p_i; p_f])`` for the forward loop, or None."""
        if not self.peephole:
            return None
        negated = -self._params["P"]
        return negated[0][:, None], negated[1:, :, None]

    def _forward(self, X, valid, cache):
        T, n, d = X.shape
        H = self.units
        H4, K = 4 * H, H + d + 1
        dtype = X.dtype
        if cache is None and not self.return_sequences:
            return self._predict_final(X, valid), None
        # V[t] = [h_{t-1}; x_t; 1] (feature-major), so that one product per
        # step, [U; W; b]^T V[t], gives all four gates' pre-activations, the
        # input projection and the bias included. The state h_t is written to
        # V[t + 1, :H]; V[T, H:] is unused.
        V = scratch(cache, "V", (T + 1, K, n), dtype)
        V[0, :H] = 0.0
        np.copyto(V[:T, H:H + d], X.transpose(0, 2, 1))
        V[:T, H + d] = 1.0
        M = self._gate_matrix(dtype, scratch(cache, "M", (H4, K), dtype))
        # G[t] = [o; i; f; g; c_{t-1}]: the scaled pre-activations, turned
        # into gate values in place, followed by the cell state they update,
        # so that [i; f] * [g; c_{t-1}] is one call.
        G = scratch(cache, "G", (T + 1, 5 * H, n), dtype)
        G[0, H4:] = 0.0
        # [i_t g_t; f_t c_{t-1}], the two terms of the cell update, kept
        # because they give backward factors in fewer passes.
        IF = scratch(cache, "IF", (T, 2 * H, n), dtype)
        TC = scratch(cache, "TC", (T, H, n), dtype)
        pads = None if valid is None else ~valid.transpose(0, 2, 1)

        def views():
            return [_step(V[t], G[t], IF[t], TC[t], G[t + 1, H4:], V[t + 1, :H], H)
                    for t in range(T)]

        steps = (recent(cache, "forward_views", view_key(G, V, IF, TC), views)
                 if cache is not None else views())
        self._recurrence(steps, M, pads, scratch(cache, "peek", (2, H, n), dtype))
        if cache is not None:
            cache.update(G=G, V=V, IF=IF, TC=TC, valid=valid)
        final = V[T, :H].T.copy()
        if not self.return_sequences:
            return final, None
        return final, np.ascontiguousarray(V[1:, :H].transpose(0, 2, 1))

    def _predict_final(self, X, valid):
        """Final state without the history: two steps of work arrays, reused in turn."""
        T, n, d = X.shape
        H = self.units
        K = H + d + 1
        dtype = X.dtype
        V = np.empty((2, K, n), dtype=dtype)
        V[0, :H] = 0.0
        V[:, H + d] = 1.0
        G = np.empty((2, 5 * H, n), dtype=dtype)
        G[0, 4 * H:] = 0.0
        IF = np.empty((2 * H, n), dtype=dtype)
        TC = np.empty((H, n), dtype=dtype)
        pair = [_step(V[k], G[k], IF, TC, G[1 - k, 4 * H:], V[1 - k, :H], H) for k in (0, 1)]
        steps = [pair[t % 2] for t in range(T)]
        inputs = [(V[t % 2, H:H + d], x) for t, x in enumerate(X.transpose(0, 2, 1))]
        pads = None if valid is None else ~valid.transpose(0, 2, 1)
        M = self._gate_matrix(dtype, np.empty((4 * H, K), dtype=dtype))
        self._recurrence(steps, M, pads, np.empty((2, H, n), dtype=dtype), inputs)
        return V[T % 2, :H].T.copy()

    def _recurrence(self, steps, M, pads, peek, inputs=None):
        """The forward recurrence: one product and nine elementwise calls a step.

        ``steps[t]`` are the views of step ``t`` (see :func:`_step`); with
        ``inputs`` (pairs of destination and ``x_t``), each step first copies
        its input into place. Peepholes add six calls a step.
        """
        peepholes = self._peepholes()
        if peepholes is not None:
            p_o, p_if = peepholes
            tmp = peek[0]
        matmul, add, subtract, multiply, divide, exp, tanh, copyto = (
            np.matmul, np.add, np.subtract, np.multiply, np.divide, np.exp, np.tanh, np.copyto)
        # Output arrays are passed positionally: the keyword costs 0.1 us a call.
        # exp overflows to inf for very saturated gates, and 1 / (1 + inf) = 0
        # is the right limit.
        with np.errstate(over="ignore"):
            for t, (v, a, s, i_f, g_c, ifc, ig, fc, c, tc, o, h, c_prev, h_prev, ifg, if3,
                    g) in enumerate(steps):
                if inputs is not None:
                    copyto(*inputs[t])
                matmul(M, v, a)             # -[a_o; a_i; a_f; 2 a_g]
                gates = a
                if peepholes is not None:
                    multiply(p_if, c_prev, peek)        # i, f see c_{t-1}
                    add(if3, peek, if3)
                    gates = ifg                         # o waits for c_t
                exp(gates, gates)
                add(gates, 1.0, gates)
                divide(1.0, gates, gates)   # [o; i; f; sigma(2 a_g)]
                multiply(g, 2.0, g)         # g = 2 sigma(2 a_g) - 1 = tanh(a_g)
                subtract(g, 1.0, g)
                multiply(i_f, g_c, ifc)     # [i g; f c_{t-1}] = [i; f] * [g; c_{t-1}]
                add(ig, fc, c)
                if peepholes is not None:
                    multiply(p_o, c, tmp)               # o sees c_t
                    add(o, tmp, o)
                    exp(o, o)
                    add(o, 1.0, o)
                    divide(1.0, o, o)
                tanh(c, tc)
                multiply(o, tc, h)
                if pads is not None:
                    pad = pads[t]
                    copyto(c, c_prev, where=pad)
                    copyto(h, h_prev, where=pad)

    # -------------------------------------------------------------- backward
    def _factors(self, cache, t0, t1, KF, mask=None):
        """Backward factors of steps t0..t1-1 into ``KF``, rows ``[Dc; Ko; Ki; Kf; Kg; F]``.

        Dc takes the hidden gradient to the cell, Ko to the o pre-activation,
        Ki, Kf, Kg the cell gradient to the i, f, g pre-activations, F to
        c_{t-1}::

            Dc = o (1 - tanh^2 c) = o - h tanh c,  Ko = tanh c o (1 - o) = h (1 - o),
            Ki = g i (1 - i) = ig (1 - i),  Kf = c_{t-1} f (1 - f) = fc (1 - f),
            Kg = i (1 - g^2) = i - ig g,  F = f.

        The same with peepholes: they change how the gradients combine in the
        loop, not these derivatives. A few calls over the whole range.
        ``mask`` is ``(m, 1 - m)`` of the whole pass (see
        :func:`~skdl.layers.recurrent.base.mask_factors`); without one F is
        read from the forward's gate values and the last block stays unused.
        """
        H = self.units
        H2, H3, H4, H5 = 2 * H, 3 * H, 4 * H, 5 * H
        G, IF, TC = cache["G"][t0:t1], cache["IF"][t0:t1], cache["TC"][t0:t1]
        Hs = cache["V"][t0 + 1:t1 + 1, :H]
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

    def _backward(self, dS, dS_last, cache, grads, input_grad):
        G, V, valid = cache["G"], cache["V"], cache["valid"]
        T = G.shape[0] - 1
        K, n = V.shape[1:]
        H = self.units
        d = K - H - 1
        H2, H4, H5 = 2 * H, 4 * H, 5 * H
        dtype = V.dtype
        # BPTT in chunks of a few steps, latest first: the chunk's factors
        # and pre-activation gradients stay in the core's cache while the
        # loop reads and writes them (5 steps: 0.4 MB), then the gradients go
        # to dG in one copy. Whole-sequence arrays instead stream every step's
        # blocks from L3 (measured: 0.15 ms more a batch of 32 x 50 x 64).
        chunk, dS, KF, dGc, dG, mask, dh = backward_buffers(
            cache, dS, dS_last, valid, units=H, steps=T, n=n, factor_rows=6 * H,
            max_chunk=self.backward_chunk, dtype=dtype)
        if valid is not None:
            inv = mask[1]
            carry = scratch(cache, "carry", (H, n), dtype)
        U = self._params["U"]
        dc = scratch(cache, "dc", (H, n), dtype)
        tmp = scratch(cache, "dtmp", (H, n), dtype)
        peek = scratch(cache, "dpeek", (2, H, n), dtype)
        dc[...] = 0.0
        if self.peephole:
            P = self._params["P"]
            p_o, p_if = P[0][:, None], P[1:, :, None]

        def views():
            per_slot = [(KF[k, :H], KF[k, H:H2], dGc[k, :H], KF[k, H2:H5].reshape(3, H, n),
                         dGc[k, H:].reshape(3, H, n), KF[k, H5:], dGc[k],
                         dGc[k, H:3 * H].reshape(2, H, n)) for k in range(chunk)]
            return per_slot, [G[t, H2:H2 + H] for t in range(T)]

        steps, forget = recent(cache, "backward_views", view_key(KF, dGc, G), views)
        # Five elementwise calls and one product a step (four more with
        # peepholes). (Fusing them into three broadcast calls over [Dc; Ko]
        # and [Ki; Kf; Kg; F] was measured slower: a broadcast call costs
        # about twice a plain one here.)
        matmul, add, multiply = np.matmul, np.add, np.multiply
        peephole = self.peephole
        for t1 in range(T, 0, -chunk):
            t0 = max(0, t1 - chunk)
            self._factors(cache, t0, t1, KF[:t1 - t0], mask)
            for t in range(t1 - 1, t0 - 1, -1):
                Dc_t, Ko_t, dGo_t, Kifg_t, dGifg_t, Fm_t, dG_t, dGif_t = steps[t - t0]
                if dS is not None:
                    add(dh, dS[t], dh)
                if valid is not None:
                    multiply(dh, inv[t], carry)
                multiply(dh, Dc_t, tmp)
                add(dc, tmp, dc)                           # dc_t
                multiply(Ko_t, dh, dGo_t)
                if peephole:
                    multiply(dGo_t, p_o, tmp)              # c_t feeds the o gate
                    add(dc, tmp, dc)
                multiply(Kifg_t, dc, dGifg_t)
                multiply(dc, forget[t] if valid is None else Fm_t, dc)   # -> dc_{t-1}
                if peephole:
                    multiply(dGif_t, p_if, peek)           # c_{t-1} feeds i and f
                    add(dc, peek[0], dc)
                    add(dc, peek[1], dc)
                matmul(U, dG_t, dh)
                if valid is not None:
                    add(dh, carry, dh)
            np.copyto(dG[:, t0:t1], dGc[:t1 - t0].transpose(1, 0, 2))
        # [dU; dW; db]^T = dG [h_{t-1} | x_t | 1] over the (T n) columns.
        RT, dG2 = stacked_weight_gradient(cache, dG, V)
        grads["U"][...] = RT[:, :H].T
        grads["W"][...] = RT[:, H:H + d].T
        grads["b"][...] = RT[:, H + d]
        if peephole:
            cells = G[:, H4:]                          # c_{t-1} at index t
            dP = grads["P"]
            dP[0] = np.einsum("htn,thn->h", dG[:H], cells[1:])
            dP[1] = np.einsum("htn,thn->h", dG[H:H2], cells[:T])
            dP[2] = np.einsum("htn,thn->h", dG[H2:3 * H], cells[:T])
        if not input_grad:
            return None
        dX = np.dot(self._params["W"], dG2).reshape(d, T, n)     # W dG: (d, T n)
        return np.ascontiguousarray(dX.transpose(1, 2, 0))

    def __repr__(self):
        base = super().__repr__()
        return base[:-1] + (", peephole=True)" if self.peephole else ")")


# Extra values per row of the staging copy of U in LSTM._gate_matrix.
_TRANSPOSE_PAD = 16


def _step(v, g, if_, tc, c, h, H):
    """The views one forward step reads and writes.

    ``v`` = [h_{t-1}; x_t; 1], ``g`` = [o; i; f; g; c_{t-1}] of the step,
    ``if_`` = [i g; f c_{t-1}], ``tc`` = tanh(c_t), and the destinations of
    ``c`` = c_t and ``h`` = h_t (in the next step's ``g`` and ``v``).
    """
    H3, H4 = 3 * H, 4 * H
    return (v, g[:H4], g[:H3], g[H:H3], g[H3:], if_, if_[:H], if_[H:], c, tc, g[:H], h,
            g[H4:], v[:H], g[H:H4], g[H:H3].reshape(2, H, -1), g[H3:H4])
