"""Slow, obvious reference implementations the tests compare the layers against.

Each is written from the definition, one sample (and one step) at a time, so
that the vectorised kernels of :mod:`skdl.layers` can be checked against
something a reader verifies by eye. Also: :func:`train_pass`, one training
forward and backward of a layer under the layer contract.
"""

import numpy as np

from skdl.layers.conv import _pair, conv_output_length
from skdl.layers.pooling import pool_output_length


def train_pass(layer, X, dY=None, rng=None, input_grad=True):
    """One training forward (and backward, when ``dY`` is given) of ``layer``.

    Returns ``(Y, dX, grads, cache)``: the output, the input gradient (None
    without ``dY``), the parameter gradients by name and the cache.
    """
    cache = {}
    Y = layer.forward(X, cache, rng)
    grads = {name: np.full_like(param, np.nan) for name, param in layer.parameters().items()}
    dX = None
    if dY is not None:
        dX = layer.backward(dY, cache, grads, input_grad=input_grad)
    return Y, dX, grads, cache


def conv2d_reference(X, W, b, stride=1, padding="valid"):
    """Plain-loop 2-D convolution, channels first: the definition, for tests.

    Parameters
    ----------
    X : ndarray of shape (n, C, H, W)
    W : ndarray of shape (k_h, k_w, C, F)
    b : ndarray of shape (F,)
    stride : int or pair
    padding : {"valid", "same"}

    Returns
    -------
    Y : ndarray of shape (n, F, H_o, W_o)
    """
    n, C, H, Wd = X.shape
    kh, kw, _, F = W.shape
    sh, sw = _pair(stride, "stride")
    Ho, ph, _ = conv_output_length(H, kh, sh, padding)
    Wo, pw, _ = conv_output_length(Wd, kw, sw, padding)
    Y = np.zeros((n, F, Ho, Wo))
    for s in range(n):
        for f in range(F):
            for y in range(Ho):
                for x in range(Wo):
                    total = b[f]
                    for c in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                r, q = y * sh + i - ph, x * sw + j - pw
                                if 0 <= r < H and 0 <= q < Wd:
                                    total += X[s, c, r, q] * W[i, j, c, f]
                    Y[s, f, y, x] = total
    return Y


def conv1d_reference(X, W, b, stride=1, padding="valid"):
    """Plain-loop 1-D convolution of ``X`` (n, C, L) with ``W`` (k, C, F)."""
    n, C, L = X.shape
    k, _, F = W.shape
    Lo, p, _ = conv_output_length(L, k, stride, padding)
    Y = np.zeros((n, F, Lo))
    for s in range(n):
        for f in range(F):
            for t in range(Lo):
                total = b[f]
                for i in range(k):
                    q = t * stride + i - p
                    if 0 <= q < L:
                        total += X[s, :, q] @ W[i, :, f]
                Y[s, f, t] = total
    return Y


def pool2d_reference(X, pool_size, stride=None, mode="max"):
    """Plain-loop pooling of ``X`` (n, C, H, W), for tests.

    Returns ``Y`` and, for ``mode="max"``, a function mapping ``dY`` to ``dX``
    (gradient to the first maximal position of each window, like ``argmax``).
    """
    ph, pw = _pair(pool_size, "pool_size")
    sh, sw = (ph, pw) if stride is None else _pair(stride, "stride")
    n, C, H, W = X.shape
    Ho, Wo = pool_output_length(H, ph, sh), pool_output_length(W, pw, sw)
    Y = np.zeros((n, C, Ho, Wo))
    winners = {}
    for s in range(n):
        for c in range(C):
            for y in range(Ho):
                for x in range(Wo):
                    window = X[s, c, y * sh:y * sh + ph, x * sw:x * sw + pw]
                    if mode == "max":
                        i, j = np.unravel_index(np.argmax(window), window.shape)
                        winners[s, c, y, x] = (y * sh + i, x * sw + j)
                        Y[s, c, y, x] = window[i, j]
                    else:
                        Y[s, c, y, x] = window.mean()

    def backward(dY):
        dX = np.zeros_like(X, dtype=np.float64)
        for (s, c, y, x), (r, q) in winners.items():
            dX[s, c, r, q] += dY[s, c, y, x]
        if mode == "avg":
            for s in range(n):
                for c in range(C):
                    for y in range(Ho):
                        for x in range(Wo):
                            dX[s, c, y * sh:y * sh + ph, x * sw:x * sw + pw] += (
                                dY[s, c, y, x] / (ph * pw))
        return dX

    return Y, backward


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def ref_elman(x, p):
    """Elman RNN over one sequence ``x`` (T, d): the states h_1..h_T."""
    h, out = np.zeros(p["U"].shape[0]), []
    for x_t in x:
        h = np.tanh(x_t @ p["W"] + h @ p["U"] + p["b"])
        out.append(h)
    return np.array(out)


def ref_jordan(x, p):
    """Jordan RNN over one sequence: the outputs y_1..y_T (y fed back)."""
    y, out = np.zeros(p["U"].shape[0]), []
    for x_t in x:
        h = np.tanh(x_t @ p["W"] + y @ p["U"] + p["b"])
        y = np.tanh(h @ p["V"] + p["c"])
        out.append(y)
    return np.array(out)


def ref_lstm(x, p):
    """LSTM (peepholes when ``p`` has ``P``) over one sequence: h_1..h_T."""
    Hn = p["U"].shape[0]
    P = p.get("P", np.zeros((3, Hn)))
    h, c, out = np.zeros(Hn), np.zeros(Hn), []
    for x_t in x:
        a = x_t @ p["W"] + h @ p["U"] + p["b"]
        a_o, a_i, a_f, a_g = np.split(a, 4)
        i = sigmoid(a_i + P[1] * c)
        f = sigmoid(a_f + P[2] * c)
        g = np.tanh(a_g)
        c = f * c + i * g
        o = sigmoid(a_o + P[0] * c)
        h = o * np.tanh(c)
        out.append(h)
    return np.array(out)


def ref_gru(x, p):
    """GRU, "reset after" form (PyTorch's), over one sequence: h_1..h_T.

    ``p`` holds W (d, 3H), U (H, 3H), b (3H,) and b_hn (H,), gate blocks
    in the order reset, update, new.
    """
    Hn = p["U"].shape[0]
    W_r, W_z, W_n = np.split(p["W"], 3, axis=1)
    U_r, U_z, U_n = np.split(p["U"], 3, axis=1)
    b_r, b_z, b_n = np.split(p["b"], 3)
    h, out = np.zeros(Hn), []
    for x_t in x:
        r = sigmoid(x_t @ W_r + h @ U_r + b_r)
        z = sigmoid(x_t @ W_z + h @ U_z + b_z)
        n = np.tanh(x_t @ W_n + b_n + r * (h @ U_n + p["b_hn"]))
        h = (1 - z) * n + z * h
        out.append(h)
    return np.array(out)


def ref_batchnorm(X, gamma, beta, epsilon):
    """Batch normalisation of (n, ..., C) with the batch's own statistics, per channel."""
    C = X.shape[-1]
    Y = np.empty_like(X, dtype=np.float64)
    for c in range(C):
        values = X[..., c]
        mean = values.sum() / values.size
        var = ((values - mean) ** 2).sum() / values.size
        Y[..., c] = gamma[c] * (values - mean) / np.sqrt(var + epsilon) + beta[c]
    return Y
