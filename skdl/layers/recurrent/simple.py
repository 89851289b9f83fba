r"""Fully connected recurrent layer: Elman and Jordan feedback."""

import numpy as np

from ..base import scratch
from ..dense import glorot_uniform
from .base import Recurrent, lecun_uniform, mask_factors, orthogonal


class SimpleRNN(Recurrent):
    r"""Fully connected recurrent layer with Elman or Jordan feedback.

    **Elman** (feedback of the hidden state):

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
        What is fed back: the hidden state (Elman) or the output (Jordan).
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
        self.regularized = ("W", "U", "V") if feedback == "jordan" else ("W", "U")

    def _build(self, d, rng, dtype):
        H = self.units
        params = {"W": lecun_uniform(d, H, rng, dtype), "U": orthogonal(H, rng, dtype)}
        if self.feedback == "jordan":
            params["V"] = glorot_uniform(H, H, rng, dtype)
        params["b"] = np.zeros(H, dtype=dtype)
        if self.feedback == "jordan":
            params["c"] = np.zeros(H, dtype=dtype)
        self._set_parameters(**params)

    def workspace_size(self):
        # Input projections and states of every step.
        return (2 * self._steps + 2) * self.units

    def _forward(self, X, valid, cache):
        T, n, d = X.shape
        H = self.units
        p = self._params
        # Input projections of all steps in one product, bias included.
        A = scratch(cache, "A", (T, n, H), X.dtype)
        np.dot(X.reshape(T * n, d), p["W"], out=A.reshape(T * n, H))
        A += p["b"]
        # S[0] is the zero state. A returned sequence must be a fresh array,
        # never a work array a later batch overwrites.
        if self.return_sequences:
            S = np.empty((T + 1, n, H), dtype=X.dtype)
        else:
            S = scratch(cache, "S", (T + 1, n, H), X.dtype)
        S[0] = 0.0
        tmp = scratch(cache, "tmp", (n, H), X.dtype)
        U = p["U"]
        jordan = self.feedback == "jordan"
        if jordan:
            V, c = p["V"], p["c"]
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
        if cache is not None:
            cache.update(X=X, A=A, S=S, valid=valid)
        return S[-1].copy(), (S[1:] if self.return_sequences else None)

    def _backward(self, dS, dS_last, cache, grads, input_grad):
        X, A, S, valid = cache["X"], cache["A"], cache["S"], cache["valid"]
        p = self._params
        T, n, d = X.shape
        H = self.units
        dtype = X.dtype
        jordan = self.feedback == "jordan"
        Y = S[1:]
        # Derivative factors of all steps, outside the loop.
        Dy = scratch(cache, "Dy", (T, n, H), dtype)
        np.multiply(Y, Y, out=Dy)
        np.subtract(1.0, Dy, out=Dy)        # tanh' of the fed-back stage
        if valid is not None:
            m, inv = mask_factors(valid, dtype)
            Dy *= m
        if jordan:
            Dh = scratch(cache, "Dh", (T, n, H), dtype)
            np.multiply(A, A, out=Dh)
            np.subtract(1.0, Dh, out=Dh)
            VT = np.ascontiguousarray(p["V"].T)
            dZ = scratch(cache, "dZ", (T, n, H), dtype)
        dA = scratch(cache, "dA", (T, n, H), dtype)
        UT = np.ascontiguousarray(p["U"].T)
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
        np.dot(S[:-1].reshape(T * n, H).T, dA2, out=grads["U"])
        np.dot(X.reshape(T * n, d).T, dA2, out=grads["W"])
        np.sum(dA2, axis=0, out=grads["b"])
        if jordan:
            dZ2 = dZ.reshape(T * n, H)
            np.dot(A.reshape(T * n, H).T, dZ2, out=grads["V"])
            np.sum(dZ2, axis=0, out=grads["c"])
        if not input_grad:
            return None
        return np.dot(dA2, p["W"].T).reshape(T, n, d)

    def __repr__(self):
        base = super().__repr__()
        return base[:-1] + f", feedback={self.feedback!r})"
