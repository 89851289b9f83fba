r"""Gated recurrent unit, in the "reset after" form of cuDNN and PyTorch."""

import numpy as np

from ..base import recent, scratch
from .base import (Recurrent, backward_buffers, final_and_sequence, lecun_uniform, orthogonal,
                   rolling_inputs, stacked_inputs, stacked_weight_gradient, view_key)


class GRU(Recurrent):
    r"""Gated recurrent unit (Cho et al., 2014) in the "reset after" form.

    Two gates, the reset gate :math:`r_t` and the update gate :math:`z_t`,
    and a candidate state :math:`n_t`:

    .. math::

        r_t &= \sigma(x_t W_r + h_{t-1} U_r + b_r), \\
        z_t &= \sigma(x_t W_z + h_{t-1} U_z + b_z), \\
        n_t &= \tanh\big(x_t W_n + b_n + r_t \odot (h_{t-1} U_n + b_{hn})\big), \\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1},

    with :math:`h_0 = 0`. The update gate interpolates between keeping the
    state (:math:`z_t = 1`) and replacing it by the candidate; the reset gate
    decides how much of the previous state the candidate sees. There is no
    separate memory cell: the state itself is updated additively, which is
    how the gradient survives many steps, as through the LSTM's cell.

    **Variant.** Cho et al. apply the reset gate *before* the recurrent
    product, :math:`(r_t \odot h_{t-1}) U_n`; cuDNN, PyTorch's ``nn.GRU``,
    Keras's ``GRU(reset_after=True)`` (its default) and ONNX's ``GRU`` with
    ``linear_before_reset=1`` apply it *after*, :math:`r_t \odot (h_{t-1} U_n
    + b_{hn})`, as here. The two are different functions; the "reset after"
    form lets all three recurrent products of a step be one product, and
    makes a trained layer exactly transferable to and from those libraries.

    Parameters
    ----------
    units : int
        Size of the state :math:`h_t`.
    return_sequences : bool, default=False
        Output every :math:`h_t` (shape (T, n, units)) instead of the last.
    reverse : bool, default=False
        Process the sequence from its last step to its first.

    Notes
    -----
    **Parameter layout** (``parameters()``; gate blocks in PyTorch's order
    reset, update, new):

    ========  ================  ===================================================
    name      shape             content
    ========  ================  ===================================================
    ``W``     (d, 3 units)      :math:`[W_r \mid W_z \mid W_n]`, input weights
    ``U``     (units, 3 units)  :math:`[U_r \mid U_z \mid U_n]`, recurrent weights
    ``b``     (3 units,)        :math:`[b_r \mid b_z \mid b_n]`, input-side biases
    ``b_hn``  (units,)          :math:`b_{hn}`, the recurrent bias inside the reset
    ========  ================  ===================================================

    In PyTorch's ``nn.GRU`` (one layer, one direction): ``weight_ih_l0 =
    W.T``, ``weight_hh_l0 = U.T``, ``bias_ih_l0 = b`` and ``bias_hh_l0 =
    [0, 0, b_hn]`` (its recurrent biases of :math:`r` and :math:`z` only add
    to the input ones, so skdl keeps their sum in ``b``). In ONNX's ``GRU``
    (``linear_before_reset=1``, gate order update, reset, hidden): ``W`` is
    the input weights transposed with the blocks reordered ``z, r, n``,
    likewise ``R`` from ``U``, and ``B = [b_z, b_r, b_n, 0, 0, b_hn]``.
    Initialisation: LeCun-uniform ``W``, an orthogonal block per gate in
    ``U``, zero biases except :math:`b_z = 1`: the update gate starts
    leaning to keep the state (:math:`z \approx 0.73`), the counterpart of
    the LSTM's forget-gate bias of 1. Measured on the "remember the first of
    20 steps" task of the tests (8 units, Adam, 60 epochs, 3 seeds;
    ``benchmarks/bench_sequences.py init``): test accuracy 0.52, 0.51, 0.65
    with :math:`b_z = 0` (memory halves every step), 0.55, 0.97, 0.99 with
    :math:`b_z = 1`.

    **Speed.** As in :class:`~skdl.layers.recurrent.LSTM`, the layout is
    feature-major and a step is one matrix product,
    :math:`M [h_{t-1}; x_t; 1]`, with :math:`M` the ``(4 units, units + d +
    1)`` matrix whose row blocks give :math:`h_{t-1} U_n + b_{hn}`, the
    halved pre-activations of :math:`r` and :math:`z` (so that
    :math:`\sigma(a) = \tfrac12 \tanh(a/2) + \tfrac12` is one ``tanh``
    call), and :math:`x_t W_n + b_n`. Nine elementwise calls follow. The
    backward pass needs no further product of the inputs: every gradient of
    a step's pre-activations is the state gradient times a factor computed
    ahead of the loop,

    .. math::

        \bar a^n_t = \bar h_t \odot (1 - z_t)(1 - n_t^2), \quad
        \bar a^{hn}_t = \bar a^n_t \odot r_t, \quad
        \bar a^r_t = \bar a^{hn}_t \odot (h_{t-1} U_n + b_{hn})(1 - r_t), \quad
        \bar a^z_t = \bar h_t \odot (h_{t-1} - n_t)\, z_t (1 - z_t),

        \bar h_{t-1} = z_t \odot \bar h_t
            + [\bar a^r_t; \bar a^z_t; \bar a^{hn}_t]\, [U_r; U_z; U_n]^\top
            + (\text{gradient from above}),

    so a backward step is one broadcast multiplication, one product and two
    elementwise calls. Padded steps (masking) hold the state; their factors
    are zero and the state gradient passes through unchanged. The weight
    gradients of all steps are one product after the loop, and prediction of
    the final state keeps two steps of work arrays, whatever the length.
    """

    #: Steps per chunk of the backward pass: the chunk's factors stay in cache.
    backward_chunk = 5

    regularized = ("W", "U")

    def _build(self, d, rng, dtype):
        H = self.units
        self._features = d
        b = np.zeros(3 * H, dtype=dtype)
        b[H:2 * H] = 1.0              # update gate leaning to keep the state at the start
        self._set_parameters(
            W=lecun_uniform(d, 3 * H, rng, dtype),
            U=np.concatenate([orthogonal(H, rng, dtype) for _ in range(3)], axis=1),
            b=b, b_hn=np.zeros(H, dtype=dtype))

    def workspace_size(self):
        H, d, T = self.units, self._features, self._steps
        K = H + d + 1
        if self.return_sequences:
            return (T + 1) * K + 5 * H * T + 2 * H
        return 2 * K + 7 * H                  # two rolling steps (_predict_final)

    # --------------------------------------------------------------- forward
    def _step_matrix(self, dtype, out):
        r"""``M``, rows ``[U_n 0 b_hn; (U_r W_r b_r)/2; (U_z W_z b_z)/2; 0 W_n b_n]``."""
        p = self._params
        H, d = self.units, self._features
        H2, H3 = 2 * H, 3 * H
        U, W, b = p["U"], p["W"], p["b"]
        out[:H, :H] = U[:, H2:].T
        out[:H, H:H + d] = 0.0
        out[:H, H + d] = p["b_hn"]
        np.multiply(U[:, :H2].T, 0.5, out=out[H:H3, :H])
        np.multiply(W[:, :H2].T, 0.5, out=out[H:H3, H:H + d])
        np.multiply(b[:H2], 0.5, out=out[H:H3, H + d])
        out[H3:, :H] = 0.0
        out[H3:, H:H + d] = W[:, H2:].T
        out[H3:, H + d] = b[H2:]
        return out

    def _forward(self, X, valid, cache):
        T, n, d = X.shape
        H = self.units
        K = H + d + 1
        dtype = X.dtype
        if cache is None and not self.return_sequences:
            return self._predict_final(X, valid), None
        V = stacked_inputs(X, H, cache)
        # G[t] = [h_{t-1} U_n + b_hn; r; z; n] after the step; D[t] = h_{t-1} - n_t.
        G = scratch(cache, "G", (T, 4 * H, n), dtype)
        D = scratch(cache, "D", (T, H, n), dtype)
        M = self._step_matrix(dtype, scratch(cache, "M", (4 * H, K), dtype))

        def views():
            return [_step(V[t], G[t], D[t], V[t + 1, :H], H) for t in range(T)]

        steps = recent(cache, "forward_views", view_key(V, G, D), views) \
            if cache is not None else views()
        self._recurrence(steps, M, _pads(valid), scratch(cache, "tmp", (H, n), dtype))
        if cache is not None:
            cache.update(V=V, G=G, D=D, valid=valid)
        return final_and_sequence(V, H, self.return_sequences)

    def _predict_final(self, X, valid):
        """Final state without the history: two steps of work arrays, used in turn."""
        T, n, d = X.shape
        H = self.units
        dtype = X.dtype
        V, inputs = rolling_inputs(X, H)
        G = np.empty((4 * H, n), dtype=dtype)
        D = np.empty((H, n), dtype=dtype)
        pair = [_step(V[k], G, D, V[1 - k, :H], H) for k in (0, 1)]
        steps = [pair[t % 2] for t in range(T)]
        M = self._step_matrix(dtype, np.empty((4 * H, H + d + 1), dtype=dtype))
        self._recurrence(steps, M, _pads(valid), np.empty((H, n), dtype=dtype), inputs)
        return V[T % 2, :H].T.copy()

    @staticmethod
    def _recurrence(steps, M, pads, tmp, inputs=None):
        """The forward recurrence: one product and nine elementwise calls a step.

        ``steps[t]`` are the views of step ``t`` (see :func:`_step`); with
        ``inputs`` (pairs of destination and ``x_t``), each step first copies
        its input into place.
        """
        matmul, add, subtract, multiply, tanh, copyto = (
            np.matmul, np.add, np.subtract, np.multiply, np.tanh, np.copyto)
        # Output arrays are passed positionally: the keyword costs 0.1 us a call.
        for t, (v, g, hn, rz, r, z, new, diff, h_prev, h) in enumerate(steps):
            if inputs is not None:
                copyto(*inputs[t])
            matmul(M, v, g)                 # [h U_n + b_hn; a_r / 2; a_z / 2; x W_n + b_n]
            tanh(rz, rz)
            multiply(rz, 0.5, rz)           # r, z: sigma = tanh / 2 + 1/2
            add(rz, 0.5, rz)
            multiply(r, hn, tmp)            # reset after the product
            add(new, tmp, new)
            tanh(new, new)                  # n
            subtract(h_prev, new, diff)
            multiply(z, diff, tmp)
            add(new, tmp, h)                # h = n + z (h_prev - n)
            if pads is not None:
                copyto(h, h_prev, where=pads[t])

    # -------------------------------------------------------------- backward
    def _factors(self, cache, t0, t1, KF, mask=None):
        """Backward factors of steps t0..t1-1 into ``KF``, rows ``[Kh; Kr; Kz; Kn; Z]``.

        The gradients of the pre-activations ``[h U_n + b_hn; a_r; a_z; x W_n
        + b_n]`` are the state gradient times ``[Kh; Kr; Kz; Kn]``, and ``Z``
        carries it to the previous state directly::

            Kn = (1 - z)(1 - n^2),  Kh = Kn r,  Kr = Kh (h U_n + b_hn)(1 - r),
            Kz = (h_prev - n) z (1 - z),  Z = z.

        ``mask`` is ``(m, 1 - m)`` of the whole pass: on padded steps the four
        factors are 0 and ``Z`` is 1. Without a mask ``Z`` is not written (the
        loop reads ``z`` from the forward's values).
        """
        H = self.units
        H2, H3, H4 = 2 * H, 3 * H, 4 * H
        G, D = cache["G"][t0:t1], cache["D"][t0:t1]
        hn, r, z, new = G[:, :H], G[:, H:H2], G[:, H2:H3], G[:, H3:]
        Kh, Kr, Kz, Kn = KF[:, :H], KF[:, H:H2], KF[:, H2:H3], KF[:, H3:H4]
        np.multiply(new, new, out=Kn)
        np.subtract(1.0, Kn, out=Kn)
        np.subtract(1.0, z, out=Kz)
        np.multiply(Kn, Kz, out=Kn)
        np.multiply(Kz, z, out=Kz)
        np.multiply(Kz, D, out=Kz)
        np.multiply(Kn, r, out=Kh)
        np.subtract(1.0, r, out=Kr)
        np.multiply(Kr, hn, out=Kr)
        np.multiply(Kr, Kh, out=Kr)
        if mask is not None:
            m, inv = mask[0][t0:t1], mask[1][t0:t1]
            KF[:, :H4] *= m
            Z = KF[:, H4:]
            np.multiply(z, m, out=Z)
            Z += inv                                # masked: the state passes through

    def _backward(self, dS, dS_last, cache, grads, input_grad):
        V, G, valid = cache["V"], cache["G"], cache["valid"]
        T = G.shape[0]
        K, n = V.shape[1:]
        H = self.units
        d = K - H - 1
        H2, H3, H4 = 2 * H, 3 * H, 4 * H
        dtype = V.dtype
        chunk, dS, KF, dGc, dG, mask, dh = backward_buffers(
            cache, dS, dS_last, valid, units=H, steps=T, n=n, factor_rows=5 * H,
            max_chunk=self.backward_chunk, dtype=dtype)
        U = self._params["U"]
        # [U_n | U_r | U_z]: the row order of the pre-activations of M.
        Uperm = scratch(cache, "Uperm", (H, H3), dtype)
        Uperm[:, :H] = U[:, H2:]
        Uperm[:, H:] = U[:, :H2]
        tmp = scratch(cache, "dtmp", (H, n), dtype)

        def views():
            per_slot = [(KF[k, :H4].reshape(4, H, n), dGc[k].reshape(4, H, n), dGc[k, :H3],
                         KF[k, H4:]) for k in range(chunk)]
            return per_slot, [G[t, H2:H3] for t in range(T)]

        steps, update = recent(cache, "backward_views", view_key(KF, dGc, G), views)
        matmul, add, multiply = np.matmul, np.add, np.multiply
        for t1 in range(T, 0, -chunk):
            t0 = max(0, t1 - chunk)
            self._factors(cache, t0, t1, KF[:t1 - t0], mask)
            for t in range(t1 - 1, t0 - 1, -1):
                factors, dG_t, dG_rec, Z_t = steps[t - t0]
                if dS is not None:
                    add(dh, dS[t], dh)
                multiply(factors, dh, dG_t)            # all four pre-activation gradients
                multiply(update[t] if mask is None else Z_t, dh, tmp)
                matmul(Uperm, dG_rec, dh)
                add(dh, tmp, dh)                       # -> gradient at h_{t-1}
            np.copyto(dG[:, t0:t1], dGc[:t1 - t0].transpose(1, 0, 2))
        # dG [h_{t-1} | x_t | 1] over the (T n) columns, rows as in M.
        RT, dG2 = stacked_weight_gradient(cache, dG, V)
        dU = grads["U"]
        dU[:, :H2] = RT[H:H3, :H].T
        dU[:, H2:] = RT[:H, :H].T
        grads["W"][...] = RT[H:, H:H + d].T
        grads["b"][...] = RT[H:, H + d]
        grads["b_hn"][...] = RT[:H, H + d]
        if not input_grad:
            return None
        dX = np.dot(self._params["W"], dG2[H:]).reshape(d, T, n)    # [W_r W_z W_n] dG
        return np.ascontiguousarray(dX.transpose(1, 2, 0))


def _pads(valid):
    """Feature-major padding flags ``(T, 1, n)`` of a ``valid`` mask, or None."""
    return None if valid is None else ~valid.transpose(0, 2, 1)


def _step(v, g, diff, h, H):
    """The views one forward step reads and writes.

    ``v`` = [h_{t-1}; x_t; 1], ``g`` = the step's ``[h U_n + b_hn; r; z; n]``,
    ``diff`` = h_{t-1} - n_t, and ``h`` the destination of h_t (in the next
    step's ``v``).
    """
    return (v, g, g[:H], g[H:3 * H], g[H:2 * H], g[2 * H:3 * H], g[3 * H:], diff, v[:H], h)
