"""Input layer of the sequence networks: flat rows -> time-major sequences + mask."""

import numpy as np

from .base import Layer


class SequenceInput(Layer):
    r"""Reshape flat rows into time-major sequences and build the padding mask.

    The estimators keep 2-D ``X`` everywhere outside the network (so
    pipelines, ``n_features_in_`` and the estimator checks see ordinary
    tables). A row holds the ``T * d`` values of one sequence, step after step
    (``x[0, :], x[1, :], ...``). With ``lengths=True`` the row starts with one
    extra column: the number of real steps of the sequence; steps at or beyond
    it are padding, masked out by the recurrent layers.

    Output: the pair ``(X, valid)`` with ``X`` of shape ``(T, n, d)`` (time
    major) and ``valid`` a boolean ``(T, n, 1)`` array, or None when every
    step is real.

    Parameters
    ----------
    sequence_shape : tuple of int
        ``(T, d)``: steps and features per step.
    lengths : bool, default=False
        Whether rows start with a length column.
    """

    def __init__(self, sequence_shape, lengths=False):
        self.sequence_shape = tuple(sequence_shape)
        self.lengths = lengths

    def build(self, input_shape, rng, dtype):
        T, d = self.sequence_shape
        expected = T * d + int(self.lengths)
        if tuple(input_shape) != (expected,):
            raise ValueError(f"SequenceInput{self.sequence_shape} expects rows of {expected} "
                             f"values, got input shape {tuple(input_shape)}.")
        return (T, d)

    def forward(self, X, cache=None, rng=None):
        T, d = self.sequence_shape
        n = X.shape[0]
        valid = None
        if self.lengths:
            lengths = X[:, 0]
            X = X[:, 1:]
            steps = np.arange(T, dtype=X.dtype)[:, None]
            mask = steps < lengths[None, :]
            if not mask.all():
                valid = mask[:, :, None]
        Xs = np.ascontiguousarray(X.reshape(n, T, d).transpose(1, 0, 2))
        return Xs, valid

    def backward(self, dY, cache, grads, input_grad=True):
        if not input_grad or dY is None:
            return None
        T, d = self.sequence_shape
        dX = dY.transpose(1, 0, 2).reshape(dY.shape[1], T * d)
        if self.lengths:
            dX = np.hstack([np.zeros((dX.shape[0], 1), dtype=dX.dtype), dX])
        return dX

    def __repr__(self):
        extra = ", lengths=True" if self.lengths else ""
        return f"SequenceInput({self.sequence_shape}{extra})"
