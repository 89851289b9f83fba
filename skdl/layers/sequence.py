"""Input layer of the sequence networks: rows or 3-D arrays -> time-major sequences + mask."""

import numpy as np

from .base import Layer


class SequenceInput(Layer):
    r"""Turn a batch of sequences into time-major steps and a padding mask.

    Accepts two inputs:

    * 2-D rows ``(n, T * d)``, each holding one sequence of the built
      ``sequence_shape`` flattened in C order of its ``data_format`` layout
      (fixed length ``T``);
    * 3-D arrays ``(n, T', d)`` (``"channels_last"``) or ``(n, d, T')``
      (``"channels_first"``) of **any** length ``T'``. Steps that are NaN
      (in every feature: the estimators check this) are padding at the end
      of a shorter sequence, tslearn's and aeon's convention.

    Output: the pair ``(X, valid)`` with ``X`` a fresh time-major ``(T', n,
    d)`` array, padding replaced by zeros, and ``valid`` a boolean ``(T', n,
    1)`` array that is False on padding, or None when every step is real.
    The recurrent layers hold their state on padded steps.

    Parameters
    ----------
    sequence_shape : tuple of int
        ``(T, d)``: steps of the 2-D rows and features per step.
    data_format : {"channels_last", "channels_first"}, default="channels_last"
        Layout of a sample: ``(T, d)`` or ``(d, T)``.
    """

    def __init__(self, sequence_shape, data_format="channels_last"):
        self.sequence_shape = tuple(sequence_shape)
        self.data_format = data_format

    @property
    def _sample_layout(self):
        T, d = self.sequence_shape
        return (T, d) if self.data_format == "channels_last" else (d, T)

    @property
    def _to_time_major(self):
        return (1, 0, 2) if self.data_format == "channels_last" else (2, 0, 1)

    def build(self, input_shape, rng, dtype):
        T, d = self.sequence_shape
        shape = tuple(input_shape)
        if shape not in ((T * d,), self._sample_layout):
            raise ValueError(f"SequenceInput{self.sequence_shape} ({self.data_format}) expects "
                             f"rows of {T * d} values or samples of shape "
                             f"{self._sample_layout}, got input shape {shape}.")
        return (T, d)

    def forward(self, X, cache=None, rng=None):
        n, shape = X.shape[0], X.shape
        if X.ndim == 2:
            X = X.reshape((n,) + self._sample_layout)
        steps = X.transpose(self._to_time_major)
        # Always a copy: the padding is overwritten, and the caller's array
        # (a view of the user's data at inference) must stay untouched.
        Xs = np.empty(steps.shape, dtype=X.dtype)
        np.copyto(Xs, steps)
        if cache is not None:
            cache["input_shape"] = shape
        valid = None
        if Xs.dtype.kind == "f":
            padding = np.isnan(Xs[:, :, 0])
            if padding.any():
                Xs[padding] = 0.0
                valid = ~padding[:, :, None]
        return Xs, valid

    def backward(self, dY, cache, grads, input_grad=True):
        if not input_grad or dY is None:
            return None
        dX = dY.transpose(np.argsort(self._to_time_major))
        return np.ascontiguousarray(dX).reshape(cache["input_shape"])

    def __repr__(self):
        extra = "" if self.data_format == "channels_last" else ", data_format='channels_first'"
        return f"SequenceInput({self.sequence_shape}{extra})"
