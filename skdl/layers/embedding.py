r"""Embedding of integer token sequences."""

import numpy as np

from .base import Layer


class Embedding(Layer):
    r"""Look up a learned vector for every token of a sequence.

    Token :math:`k` becomes row :math:`k` of the matrix :math:`E`
    (``n_tokens`` :math:`\times` ``dim``). This equals multiplying its 1-of-N
    (one-hot) code by :math:`E`, :math:`e_k^\top E`, without building the
    one-hot vector: a dense, learned, low-dimensional code replacing a sparse
    ``n_tokens``-dimensional one.

    Input rows are token ids (stored as floats, as the estimators pass them),
    shape ``(n, T)``. Output: the pair ``(X, valid)``, ``X`` time-major of
    shape ``(T, n, dim)`` and ``valid`` the boolean ``(T, n, 1)`` mask that is
    False on ``padding_index`` (None when there is no padding in the batch).

    Parameters
    ----------
    n_tokens : int
        Vocabulary size; ids ``>= n_tokens`` (unseen in training) are read as
        ``unknown_index``.
    dim : int
        Size of each embedding vector.
    padding_index : int, default=0
        Id of padding. Its row stays zero and receives no gradient.
    unknown_index : int, default=1
        Id that out-of-range ids are mapped to.

    Notes
    -----
    The gradient of row :math:`k` is the sum of the output gradients at every
    position holding token :math:`k`: :math:`\partial L / \partial E_k =
    \sum_{(t, i): x_{it} = k} \partial L / \partial y_{ti}` (a scatter-add).
    """

    regularized = ("E",)

    def __init__(self, n_tokens, dim, padding_index=0, unknown_index=1):
        self.n_tokens = n_tokens
        self.dim = dim
        self.padding_index = padding_index
        self.unknown_index = unknown_index

    def build(self, input_shape, rng, dtype):
        (T,) = input_shape
        # Unit-scale rows (std 1/sqrt(dim) per entry): inputs of the next
        # layer start at the scale its initialisation assumes.
        E = (rng.standard_normal((self.n_tokens, self.dim)) / np.sqrt(self.dim)).astype(dtype)
        E[self.padding_index] = 0.0
        self._set_parameters(E=E)
        return (T, self.dim)

    def forward(self, X, cache=None, rng=None):
        # Time-major (T, n). Unseen ids become the unknown id before the cast
        # to integers, so that any id, however large, is safe.
        ids = np.where(X.T < self.n_tokens, X.T, self.unknown_index).astype(np.intp)
        if cache is not None:
            cache["ids"] = ids
        mask = ids != self.padding_index
        valid = None if mask.all() else mask[:, :, None]
        return self._params["E"][ids], valid

    def backward(self, dY, cache, grads, input_grad=True):
        dE = grads["E"]
        dE[...] = 0.0
        np.add.at(dE, cache["ids"], dY)
        dE[self.padding_index] = 0.0
        return None

    def __repr__(self):
        return f"Embedding(n_tokens={self.n_tokens}, dim={self.dim})"
