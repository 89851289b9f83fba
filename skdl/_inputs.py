"""Input adapters: the user's images, sequences and token ids as the 2-D tables scikit-learn checks.

Outside the network, every estimator sees ordinary 2-D tables (so pipelines,
``n_features_in_`` and scikit-learn's estimator checks work unchanged); the
network's first layer restores the per-sample shape. An adapter does the
translation for one kind of input:

* :class:`ImageAdapter`: ``(n, H, W)`` / ``(n, C, H, W)`` images, ``(n, C, L)``
  sequences, or 2-D rows with an ``input_shape``, for the ConvNets;
* :class:`SequenceAdapter`: ``(n, T, d)`` arrays, 2-D rows with an
  ``input_shape``, and lists of ``(T_i, d)`` arrays of different lengths,
  for the recurrent networks;
* :class:`TokenAdapter`: integer token ids, padded 2-D or as ragged lists.

An estimator makes a new adapter in its first fit (:meth:`fit` learns what
prediction must check) and keeps it as a fitted attribute; prediction calls
:meth:`transform`, which changes nothing.
"""

import numbers

import numpy as np

from .layers.reshape import Reshape
from .layers.sequence import SequenceInput


def is_positive_int(value):
    """A true int (not a bool) of at least 1."""
    return (isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
            and value >= 1)


class ImageAdapter:
    """N-D images (or channel-first sequences) as flat rows, channels first.

    Parameters
    ----------
    input_shape : tuple of int or None
        The estimator's ``input_shape`` parameter: ``(C, H, W)``, ``(H, W)``
        or ``(C, L)``.
    conv_dim : {None, 1, 2}
        The estimator's ``conv_dim`` parameter.
    owner : str
        Name of the estimator, for error messages.

    Attributes
    ----------
    sample_shape : tuple of int or None
        Per-sample shape of N-D ``X`` in fit (None for 2-D ``X``).
    shape : tuple of int
        The per-sample shape the network reads, channels first, set by
        :meth:`resolve`.
    conv_dim : int
        Dimension of the convolutions, set by :meth:`resolve`.
    """

    def __init__(self, input_shape, conv_dim, owner):
        self.input_shape = None if input_shape is None else tuple(int(d) for d in input_shape)
        self.requested_dim = conv_dim
        self.owner = owner
        self.sample_shape = None

    @staticmethod
    def _as_array(X):
        """N-D arrays and nested lists of them; anything else untouched (validate_data checks)."""
        ndim = getattr(X, "ndim", None)
        if ndim is None and isinstance(X, (list, tuple)):
            try:
                array = np.asarray(X)
            except (ValueError, TypeError):
                return X, None      # ragged or odd input: validate_data gives the error
            if array.ndim >= 3:
                return array, array.ndim
        return X, ndim

    def fit(self, X):
        """Record the sample shape of N-D ``X``; return ``X`` as 2-D rows.

        Parameters
        ----------
        X : array-like
            Training input.

        Returns
        -------
        X2 : array-like
            ``X`` with every sample flattened (a view when possible).
        """
        X, ndim = self._as_array(X)
        if ndim is None or ndim < 3:
            self.sample_shape = None
            return X
        self._check_ndim(X)
        self.sample_shape = tuple(int(d) for d in X.shape[1:])
        return X.reshape(X.shape[0], -1)

    def transform(self, X):
        """Check N-D ``X`` against the fitted shape; return it as 2-D rows.

        Parameters
        ----------
        X : array-like
            Input to predict.

        Returns
        -------
        X2 : array-like
            ``X`` with every sample flattened; the caller's array is never
            modified.
        """
        X, ndim = self._as_array(X)
        if ndim is None or ndim < 3:
            return X
        self._check_ndim(X)
        sample_shape = tuple(int(d) for d in X.shape[1:])
        accepted = {self.shape}
        if len(self.shape) == 3 and self.shape[0] == 1:
            accepted.add(self.shape[1:])
        if sample_shape not in accepted:
            raise ValueError(f"X has samples of shape {sample_shape}, but {self.owner} was "
                             f"fitted on samples of shape {self.shape}.")
        return X.reshape(X.shape[0], -1)

    def _check_ndim(self, X):
        if X.ndim > 4:
            raise ValueError(f"X must be 2-D (n_samples, n_features), or 3-D/4-D images or "
                             f"sequences; got an array of shape {X.shape}.")

    def resolve(self, n_features):
        """Decide the per-sample shape (channels first) and the convolution dimension.

        Parameters
        ----------
        n_features : int
            Columns of the validated 2-D ``X``.

        Returns
        -------
        shape : tuple of int
            ``(C, H, W)`` or ``(C, L)``.
        """
        sample, given = self.sample_shape, self.input_shape
        if given is None and sample is None:
            if self.requested_dim == 2:
                raise ValueError("conv_dim=2 needs input_shape (or N-D X): 2-D X alone is "
                                 "read as one-channel 1-D signals.")
            self.shape, self.conv_dim = (1, n_features), 1
            return self.shape
        shape = given if given is not None else sample
        if len(shape) == 3:
            if self.requested_dim == 1:
                raise ValueError(f"conv_dim=1 needs samples of shape (C, L); got {shape}.")
            canonical, dim = shape, 2
        else:
            dim = self.requested_dim or 2
            canonical = (1,) + shape if dim == 2 else shape
        if given is not None and sample is not None and sample not in (given, canonical):
            raise ValueError(f"X has samples of shape {sample}, which does not match "
                             f"input_shape={given!r}.")
        size = int(np.prod(canonical))
        if size != n_features:
            raise ValueError(f"input_shape={given!r} holds {size} values per sample, "
                             f"but X has {n_features} features.")
        self.shape, self.conv_dim = canonical, dim
        return canonical

    def input_layer(self):
        """The network's first layer: flat rows to channels-last maps."""
        return Reshape(self.shape, channels_last=True)


def is_sequence_list(X, ndim):
    """True for a non-empty list/tuple whose items all have ``ndim`` dimensions."""
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    try:
        return all(np.ndim(item) == ndim for item in X)
    except ValueError:          # ragged nested lists
        return False


def pad_sequences(sequences, T, d, dtype):
    """Stack ``(T_i, d)`` arrays into zeros of shape (n, T, d) (padding at the end)."""
    padded = np.zeros((len(sequences), T, d), dtype=dtype)
    for row, seq in zip(padded, sequences):
        row[:seq.shape[0]] = seq
    return padded


def _ndim(X):
    """Dimensions of ``X`` without converting array-likes that resist it."""
    if isinstance(X, np.ndarray):
        return X.ndim
    if isinstance(X, (list, tuple)):
        try:
            return np.asarray(X).ndim
        except ValueError:           # ragged: validate_data explains
            return None
    # DataFrames and other array-likes: 2-D tables as far as we are concerned.
    return getattr(X, "ndim", 2)


class SequenceAdapter:
    """Sequences as flat rows: ``(n, T, d)``, 2-D with ``input_shape``, variable-length lists.

    A list of ``(T_i, d)`` arrays of different lengths is padded with zeros
    to the longest (or to ``input_shape[0]``) and a leading column holding
    each length is added, so the table scikit-learn sees is
    ``(n_samples, 1 + T * d)``; the network's
    :class:`~skdl.layers.sequence.SequenceInput` turns the lengths into a
    mask. A model fitted on such a list also accepts 3-D and 2-D
    ``(n, T * d)`` input (full-length sequences) and lists of sequences of at
    most ``T`` steps.

    Parameters
    ----------
    input_shape : tuple of (int, int) or None
        The estimator's ``input_shape`` parameter, ``(T, d)``.
    owner : str
        Name of the estimator, for error messages.

    Attributes
    ----------
    lengths_column : bool
        Whether rows start with a length column (fitted on a list).
    seen_shape : tuple of (int, int) or None
        ``(T, d)`` of the N-D or list input of the fit.
    shape : tuple of (int, int)
        ``(T, d)`` the network reads, set by :meth:`resolve`.
    """

    def __init__(self, input_shape, owner):
        self.input_shape = None if input_shape is None else tuple(int(v) for v in input_shape)
        self.owner = owner
        self.lengths_column = False
        self.seen_shape = None

    def fit(self, X):
        """Learn the sequence shape (and whether lengths vary); return 2-D rows."""
        return self._rows(X, fitting=True)

    def transform(self, X):
        """Check sequences against the fitted shape; return 2-D rows."""
        return self._rows(X, fitting=False)

    def _rows(self, X, fitting):
        if is_sequence_list(X, 2):
            return self._list_rows(X, fitting)
        ndim = _ndim(X)
        if ndim == 3:
            X = np.asarray(X)
            n, T, d = X.shape
            if fitting:
                self.seen_shape = (T, d)
            elif (T, d) != self.shape:
                raise ValueError(f"X has sequences of shape {(T, d)}, but {self.owner} was "
                                 f"fitted on sequences of shape {self.shape}.")
            X = X.reshape(n, T * d)
            ndim = 2
        if not fitting and ndim == 2 and self.lengths_column:
            X = np.asarray(X)
            if X.shape[1] != np.prod(self.shape):
                return X                 # validate_data reports the wrong width
            X = np.hstack([np.full((X.shape[0], 1), self.shape[0], dtype=X.dtype), X])
        return X

    def _list_rows(self, X, fitting):
        sequences = [np.asarray(seq) for seq in X]
        dtype = np.result_type(*sequences)
        if dtype.kind not in "biuf":
            raise ValueError(f"The sequences must hold numbers; got an array of dtype {dtype}.")
        dtype = np.float32 if dtype == np.float32 else np.float64
        dims = {seq.shape[1] for seq in sequences}
        lengths = np.array([seq.shape[0] for seq in sequences])
        if len(dims) != 1:
            raise ValueError(f"All sequences must have the same number of features per step; "
                             f"got {sorted(dims)}.")
        (d,) = dims
        if fitting:
            T = int(lengths.max()) if self.input_shape is None else self.input_shape[0]
            self.seen_shape = (T, d)
            self.lengths_column = True
        else:
            T = self.shape[0]
            if d != self.shape[1]:
                raise ValueError(f"The sequences have {d} features per step, but {self.owner} "
                                 f"was fitted with {self.shape[1]}.")
        if lengths.max() > T:
            raise ValueError(f"A sequence has {lengths.max()} steps, more than the "
                             f"{T} steps the model reads (input_shape or the longest "
                             "training sequence).")
        padded = pad_sequences(sequences, T, d, dtype).reshape(len(sequences), T * d)
        if not self.lengths_column:
            if (lengths != T).any():
                raise ValueError(f"{self.owner} was fitted on sequences of fixed length {T}; "
                                 "variable-length input needs a model fitted on a list of "
                                 "sequences.")
            return padded
        return np.hstack([lengths[:, None].astype(dtype), padded])

    def resolve(self, n_features):
        """The ``(T, d)`` the network reads, checked against ``input_shape`` and the width."""
        if self.seen_shape is not None:
            shape = self.seen_shape
        elif self.input_shape is not None:
            shape = self.input_shape
        else:
            shape = (n_features, 1)
        if self.input_shape is not None and self.input_shape != shape:
            raise ValueError(f"input_shape={self.input_shape} does not match the "
                             f"sequences in X, of shape {shape}.")
        expected = shape[0] * shape[1] + int(self.lengths_column)
        if expected != n_features:
            raise ValueError(f"input_shape={shape} needs {expected} features per row, but X "
                             f"has {n_features}.")
        self.shape = shape
        return shape

    def input_layer(self):
        """The network's first layer: flat rows to time-major sequences and a mask."""
        return SequenceInput(self.shape, lengths=self.lengths_column)


class TokenAdapter:
    """Integer token ids: a padded 2-D array ``(n, T)`` or a ragged list of 1-D sequences.

    Id 0 is padding (masked by the recurrent layers), id 1 the unknown token;
    ids above those seen in fit are read as 1 by the embedding.

    Parameters
    ----------
    owner : str
        Name of the estimator, for error messages.

    Attributes
    ----------
    n_tokens : int
        Vocabulary size the embedding needs (largest id in fit + 1, at least 2).
    shape : tuple of (int, int)
        ``(T, 1)``, set by :meth:`resolve`.
    """

    def __init__(self, owner):
        self.owner = owner

    def fit(self, X):
        """Pad a ragged list, check the ids and learn the vocabulary size."""
        return self._ids(X, fitting=True)

    def transform(self, X):
        """Pad a ragged list to the fitted length and check the ids."""
        return self._ids(X, fitting=False)

    def _ids(self, X, fitting):
        if is_sequence_list(X, 1):
            sequences = [np.asarray(seq) for seq in X]
            if len({len(seq) for seq in sequences}) > 1:
                longest = max(len(seq) for seq in sequences)
                T = longest if fitting else self.shape[0]
                if longest > T:
                    raise ValueError(f"A token sequence is longer than the {T} steps the "
                                     "model was fitted on.")
                dtype = np.result_type(*sequences)
                if dtype.kind not in "biuf":
                    raise ValueError(f"Token ids must be integers; got dtype {dtype}.")
                X = pad_sequences([seq[:, None] for seq in sequences], T, 1, dtype)[:, :, 0]
        try:
            ids = np.asarray(X)
        except ValueError:
            return X
        if ids.dtype.kind in "biuf" and ids.size:
            finite = ids[np.isfinite(ids)] if ids.dtype.kind == "f" else ids
            if (finite < 0).any() or (finite != np.floor(finite)).any():
                raise ValueError("With embedding_dim, X must hold non-negative integer token "
                                 "ids (0 = padding, 1 = unknown).")
            if fitting:
                self.n_tokens = max(2, int(finite.max()) + 1 if finite.size else 2)
            if ids.ndim == 3 and ids.shape[2] == 1:
                return ids[:, :, 0]
        return X

    def resolve(self, n_features):
        """``(T, 1)``: one token id a step."""
        self.shape = (n_features, 1)
        return self.shape
