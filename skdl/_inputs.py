"""Input adapters: the user's images, sequences and token ids, checked and shaped for the network.

Two paths lead into a network:

* **2-D tables** (``(n_samples, n_features)`` arrays, DataFrames): every
  estimator sees them as scikit-learn does (``validate_data``: finite
  values, ``n_features_in_``, feature names), so pipelines and
  scikit-learn's estimator checks work unchanged. A table holds samples of a
  fixed shape, flattened in C order: images of ``input_shape``, or
  fixed-length sequences. The network's first layer restores the shape.
* **Sequences** for the recurrent estimators: 3-D arrays and lists of
  per-sample arrays. A recurrent network reads any number of steps, so these
  are not flattened to a fixed width: the adapter checks them itself
  (numbers, the features per step, NaN only as trailing padding) and hands
  the network a 3-D array whose trailing all-NaN steps mark the padding.

Layouts follow Keras's ``data_format``: ``"channels_last"`` reads a
sequence sample as ``(T, d)`` (time, features; images ``(H, W, C)``),
``"channels_first"`` as ``(d, T)`` (images ``(C, H, W)``), the layout of
aeon, sktime and PyTorch. Unequal lengths come as a list of per-sample
arrays (aeon) or padded at the end with NaN (tslearn, aeon).

An estimator makes a new adapter in its first fit (which learns what
prediction must check) and keeps it as a fitted attribute; prediction only
reads it.
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_array

from .layers.reshape import Reshape
from .layers.sequence import SequenceInput

DATA_FORMATS = ("channels_first", "channels_last")

#: Largest vocabulary of the token input: ids pass through the network as
#: floats, and float32 holds every integer up to 2**24 exactly.
MAX_TOKENS = 2**24

#: Rows of a sequence array checked at once for NaN padding (bounded memory).
_CHECK_ELEMENTS = 2**20


def is_positive_int(value):
    """A true int (not a bool) of at least 1."""
    return (isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
            and value >= 1)


def time_axis(data_format):
    """Axis of time in one sequence sample: 0 in ``(T, d)``, 1 in ``(d, T)``."""
    return 0 if data_format == "channels_last" else 1


def list_item_ndim(X):
    """The common number of dimensions of the items of a non-empty list or tuple, else None."""
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return None
    try:
        dims = {np.ndim(item) for item in X}
    except ValueError:             # an item is itself ragged
        return None
    return dims.pop() if len(dims) == 1 else None


def pad_sequences(sequences, data_format, fill, dtype, steps=None):
    """Stack per-sample arrays of different lengths, padded at the end with ``fill``.

    Parameters
    ----------
    sequences : list of ndarray
        Samples ``(T_i, d)`` (``"channels_last"``) or ``(d, T_i)``.
    data_format : {"channels_first", "channels_last"}
    fill : scalar
        Padding value (NaN for values, 0 for token ids).
    dtype : dtype
    steps : int or None, default=None
        Length of the result; None for the longest sample.

    Returns
    -------
    padded : ndarray of shape (n, T, d) or (n, d, T)
    """
    axis = time_axis(data_format)
    lengths = [seq.shape[axis] for seq in sequences]
    T = max(lengths) if steps is None else steps
    sample = list(sequences[0].shape)
    sample[axis] = T
    padded = np.full((len(sequences),) + tuple(sample), fill, dtype=dtype)
    for row, seq, length in zip(padded, sequences, lengths):
        if axis == 0:
            row[:length] = seq
        else:
            row[:, :length] = seq
    return padded


def check_padding(X, data_format, owner):
    """Check that NaN in a 3-D sequence array only marks trailing padding; return the lengths.

    A padded step is NaN in every feature, and every step after it is padded
    too (tslearn's and aeon's convention for sequences of unequal lengths).
    Infinity, NaN in some features of a step, or NaN followed by values is
    an error. Finite arrays are recognised by one summation; others are
    checked in blocks of rows, so the check's memory does not grow with
    ``n``.

    Parameters
    ----------
    X : ndarray of shape (n, T, d) or (n, d, T), float
    data_format : {"channels_first", "channels_last"}
    owner : str
        Name of the estimator, for error messages.

    Returns
    -------
    lengths : ndarray of shape (n,) or None
        Real steps of each sequence; None when ``X`` holds no NaN.
    """
    if np.isfinite(np.sum(X)):
        return None
    feature_axis = 2 if data_format == "channels_last" else 1
    n, T = X.shape[0], X.shape[3 - feature_axis]
    lengths = np.empty(n, dtype=np.intp)
    rows = max(1, _CHECK_ELEMENTS // max(1, X[0].size))
    for start in range(0, n, rows):
        block = X[start:start + rows]
        if np.isinf(block).any():
            raise ValueError(f"Input X contains infinity or a value too large for "
                             f"{X.dtype}; {owner} reads finite values (NaN only as padding).")
        nan = np.isnan(block)
        padded = nan.all(axis=feature_axis)                  # (rows, T)
        partial = nan.any(axis=feature_axis) & ~padded
        resumed = padded[:, :-1] & ~padded[:, 1:]
        for bad, what in ((partial, "NaN in some but not all features of step"),
                          (resumed, "a NaN step before the real step after")):
            if bad.any():
                i, t = np.argwhere(bad)[0]
                raise ValueError(
                    f"Input X contains NaN inside a sequence: sample {start + i} has {what} "
                    f"{t}. NaN only marks padding: whole steps at the end of a sequence "
                    "(tslearn's and aeon's convention for unequal lengths).")
        lengths[start:start + rows] = T - padded.sum(axis=1)
    if (lengths == 0).any():
        raise ValueError(f"Input X contains NaN in every step of sample "
                         f"{int(np.argmin(lengths))}: a sequence needs at least one step.")
    return lengths


def shape_in_order(shape, data_format):
    """A per-sample ``(T, d)`` written in ``data_format`` order, or back (its own inverse)."""
    return tuple(shape) if data_format == "channels_last" else tuple(shape)[::-1]


class ImageAdapter:
    """Fixed-size images and 1-D signals as flat rows; N-D input flattened, layout kept.

    Rows hold one sample in C order of its ``data_format`` layout. For 1-D
    sequences (``conv_dim=1``), trailing NaN steps are padding (tslearn and
    aeon): they are read as zeros, as are the missing steps of shorter
    samples in a list; the length itself is fixed by the fit.

    Parameters
    ----------
    input_shape : tuple of int or None
        The estimator's ``input_shape`` parameter, in ``data_format`` order:
        ``(C, H, W)``, ``(H, W)`` or ``(C, L)`` channels first; ``(H, W,
        C)``, ``(H, W)`` or ``(L, C)`` channels last.
    conv_dim : {None, 1, 2}
        The estimator's ``conv_dim`` parameter.
    data_format : {"channels_first", "channels_last"}
    owner : str
        Name of the estimator, for error messages.

    Attributes
    ----------
    sample_shape : tuple of int or None
        Per-sample shape of N-D ``X`` in fit (None for 2-D ``X``).
    shape : tuple of int
        The per-sample shape, channels first (``(C, H, W)`` or ``(C, L)``),
        set by :meth:`resolve`.
    conv_dim : int
        Dimension of the convolutions, set by :meth:`resolve`.
    """

    def __init__(self, input_shape, conv_dim, data_format, owner):
        self.input_shape = None if input_shape is None else tuple(int(d) for d in input_shape)
        self.requested_dim = conv_dim
        self.data_format = data_format
        self.owner = owner
        self.sample_shape = None

    @property
    def _last(self):
        return self.data_format == "channels_last"

    def _as_array(self, X, steps=None):
        """N-D arrays, lists of 1-D-sequence samples, nested lists; anything else untouched.

        1-D sequences (``conv_dim=1``) are brought to ``steps`` steps when
        given: shorter ones padded with NaN, trailing NaN padding beyond
        ``steps`` dropped; a longer real sequence is an error.
        """
        if self.requested_dim == 1 and list_item_ndim(X) == 2:
            sequences = [np.asarray(seq) for seq in X]
            _check_numeric(sequences)
            _check_same_features(sequences, self.data_format, self.owner)
            longest = max(seq.shape[time_axis(self.data_format)] for seq in sequences)
            self._check_length(longest, steps)
            dtype = np.result_type(np.float32, *sequences)
            return pad_sequences(sequences, self.data_format, np.nan, dtype, steps)
        if getattr(X, "ndim", None) is None and isinstance(X, (list, tuple)):
            try:
                X = np.asarray(X)
            except (ValueError, TypeError):
                return X                # ragged or odd input: validate_data gives the error
            if X.ndim < 3:
                return X
        if self.requested_dim == 1 and steps is not None and getattr(X, "ndim", 0) == 3:
            X = self._to_length(np.asarray(X), steps)
        return X

    def _to_length(self, X, steps):
        """3-D 1-D-sequence samples padded with NaN, or stripped of NaN padding, to ``steps``."""
        axis = 1 + time_axis(self.data_format)
        T = X.shape[axis]
        if T == steps or X.dtype.kind not in "biuf":
            return X
        if T < steps:
            widths = [(0, 0)] * 3
            widths[axis] = (0, steps - T)
            return np.pad(X.astype(np.result_type(np.float32, X.dtype)), widths,
                          constant_values=np.nan)
        lengths = check_padding(X, self.data_format, self.owner) if X.dtype.kind == "f" \
            else None
        self._check_length(T if lengths is None else int(lengths.max()), steps)
        return X[:, :steps] if axis == 1 else X[:, :, :steps]

    def _check_length(self, longest, steps):
        if steps is not None and longest > steps:
            raise ValueError(
                f"{self.owner} reads sequences of {steps} steps (the length of its fit); got "
                f"one of {longest}. Its dense layers have a fixed input size: shorter "
                "sequences are padded with zeros at the end, longer ones must be truncated "
                "or resampled. The recurrent estimators read any length.")

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
        given = self.input_shape
        steps = given[time_axis(self.data_format)] if given and len(given) == 2 else None
        X = self._as_array(X, steps if self.requested_dim == 1 else None)
        if getattr(X, "ndim", 2) < 3:
            self.sample_shape = None
            return X
        self._check_ndim(X)
        self.sample_shape = tuple(int(d) for d in X.shape[1:])
        return self._rows(X)

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
        steps = self.shape[1] if self.conv_dim == 1 else None
        X = self._as_array(X, steps)
        if getattr(X, "ndim", 2) < 3:
            return X
        self._check_ndim(X)
        sample_shape = tuple(int(d) for d in X.shape[1:])
        C, spatial = self.shape[0], self.shape[1:]
        expected = spatial + (C,) if self._last else self.shape
        accepted = {expected}
        if len(self.shape) == 3 and C == 1:
            accepted.add(spatial)
        if sample_shape not in accepted:
            raise ValueError(f"X has samples of shape {sample_shape}, but {self.owner} was "
                             f"fitted on samples of shape {expected} ({self.data_format}).")
        return self._rows(X)

    def _rows(self, X):
        """Flat rows of N-D ``X``; NaN padding of 1-D sequences read as zeros (a copy)."""
        if self.requested_dim == 1 and X.ndim == 3 and X.dtype.kind == "f":
            if check_padding(X, self.data_format, self.owner) is not None:
                X = np.where(np.isnan(X), 0, X)
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
            canonical, dim = _channels_first(shape, self._last), 2
        else:
            dim = self.requested_dim or 2
            canonical = (1,) + shape if dim == 2 else _channels_first(shape, self._last)
        ordered = canonical if not self._last else canonical[1:] + canonical[:1]
        if given is not None and sample is not None and sample not in (given, ordered):
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
        if self._last:
            # Rows already hold (H, W, C) or (L, C) samples: a plain reshape.
            return Reshape(self.shape[1:] + self.shape[:1])
        return Reshape(self.shape, channels_last=True)


def _channels_first(shape, channels_last):
    """A sample shape with its channel axis moved first (it is last with ``channels_last``)."""
    shape = tuple(shape)
    return shape[-1:] + shape[:-1] if channels_last else shape


def _check_numeric(sequences):
    dtype = np.result_type(*sequences)
    if dtype.kind not in "biuf":
        raise ValueError(f"The sequences must hold numbers; got an array of dtype {dtype}.")


def _check_same_features(sequences, data_format, owner):
    axis = 1 - time_axis(data_format)
    dims = {seq.shape[axis] for seq in sequences}
    if len(dims) != 1:
        raise ValueError(f"All sequences given to {owner} must have the same number of "
                         f"features per step ({data_format}: axis {axis} of each sample); "
                         f"got {sorted(dims)}.")


def _ragged_univariate_error(data_format):
    one = "(T_i, 1)" if data_format == "channels_last" else "(1, T_i)"
    reshape = "s.reshape(-1, 1)" if data_format == "channels_last" else "s.reshape(1, -1)"
    return ValueError(
        f"X is a list of 1-D sequences of different lengths. Pass each univariate sequence "
        f"as a 2-D array of shape {one} (data_format={data_format!r}), for example "
        f"[{reshape} for s in X]; a 2-D X of equal-length rows is a table of fixed-length "
        "sequences.")


class SequenceAdapter:
    """Sequences for the recurrent estimators: 2-D tables, 3-D arrays and lists of any length.

    * 2-D ``X``: fixed-length sequences of ``input_shape`` (in
      ``data_format`` order), flattened in C order; without ``input_shape``
      each row is a univariate sequence. Checked by ``validate_data``.
    * 3-D ``X``: ``(n, T, d)`` (``"channels_last"``) or ``(n, d, T)``, any
      ``T``, NaN-padded at the end for unequal lengths.
    * A list of per-sample arrays ``(T_i, d)`` (or ``(d, T_i)``): stacked
      into a NaN-padded 3-D array.

    Sequences (3-D arrays, lists) are checked here, not flattened: any
    length is accepted, as long as the number of features per step is the
    one seen in fit. The network receives the 3-D array itself.

    Parameters
    ----------
    input_shape : tuple of (int, int) or None
        The estimator's ``input_shape`` parameter, in ``data_format`` order.
    data_format : {"channels_first", "channels_last"}
    owner : str
        Name of the estimator, for error messages.

    Attributes
    ----------
    table : bool
        Whether the fit read a 2-D table (then prediction also reads 2-D
        rows; 3-D arrays and lists are accepted always).
    seen_shape : tuple of (int, int) or None
        ``(T, d)`` of the first fit's sequences (the padded length).
    shape : tuple of (int, int)
        ``(T, d)`` the network is built for, set by :meth:`resolve`.
    """

    def __init__(self, input_shape, data_format, owner):
        self.input_shape = None if input_shape is None else tuple(int(v) for v in input_shape)
        self.data_format = data_format
        self.owner = owner
        self.table = True
        self.seen_shape = None

    def reads_sequences(self, X):
        """Whether ``X`` comes as sequences (3-D array, list of samples) rather than a table."""
        if isinstance(X, np.ndarray):
            return X.ndim == 3
        ndim = list_item_ndim(X)
        if ndim == 2:
            return True
        if ndim == 1:                 # unequal 1-D items: an error with a hint, later
            try:
                return len({len(item) for item in X}) > 1
            except TypeError:
                return False
        return ndim is None and isinstance(X, (list, tuple)) and bool(X) and _ragged(X)

    # ---------------------------------------------------------- 2-D tables
    def fit(self, X):
        """Fit on a 2-D table: ``X`` unchanged, for ``validate_data``."""
        self.table, self.seen_shape = True, None
        return X

    def transform(self, X):
        """A 2-D table at prediction: only for models fitted on 2-D tables."""
        if not self.table:
            raise ValueError(
                f"{self.owner} was fitted on sequences given as a 3-D array or a list; pass "
                "them the same way (any length). A 2-D X is read as fixed-length "
                "sequences, which only a model fitted on 2-D X defines.")
        return X

    # ----------------------------------------------------------- sequences
    def fit_sequences(self, X):
        """Check 3-D or list input of the fit and learn its shape; return a 3-D array.

        Parameters
        ----------
        X : ndarray of shape (n, T, d) or (n, d, T), or list of 2-D arrays
            Training sequences, NaN-padded at the end or of different lengths.

        Returns
        -------
        X3 : ndarray
            Float sequences in ``data_format`` layout, NaN-padded.
        """
        X = self._sequences(X)
        self.table = False
        self.seen_shape = shape_in_order(X.shape[1:], self.data_format)
        return X

    def transform_sequences(self, X):
        """Check 3-D or list input against the fit (features per step); return a 3-D array."""
        X = self._sequences(X)
        d = shape_in_order(X.shape[1:], self.data_format)[1]
        if d != self.shape[1]:
            raise ValueError(f"X has {d} features per step, but {self.owner} was fitted "
                             f"with {self.shape[1]} (data_format={self.data_format!r}).")
        return X

    def _sequences(self, X):
        if isinstance(X, (list, tuple)) and not isinstance(X, np.ndarray):
            ndim = list_item_ndim(X)
            if ndim == 1 or (ndim is None and _ragged(X)):
                raise _ragged_univariate_error(self.data_format)
            sequences = [np.asarray(seq) for seq in X]
            _check_numeric(sequences)
            _check_same_features(sequences, self.data_format, self.owner)
            dtype = np.float32 if np.result_type(*sequences) == np.float32 else np.float64
            X = pad_sequences(sequences, self.data_format, np.nan, dtype)
        X = check_array(X, allow_nd=True, dtype=(np.float64, np.float32),
                        ensure_all_finite=False, estimator=self.owner, input_name="X")
        if X.ndim != 3:
            raise ValueError(f"Sequences must be a 3-D array or a list of 2-D arrays; got "
                             f"an array of shape {X.shape}.")
        check_padding(X, self.data_format, self.owner)
        return X

    # ------------------------------------------------------------ network
    def resolve(self, n_features):
        """The ``(T, d)`` the network is built for, checked against ``input_shape``.

        Parameters
        ----------
        n_features : int
            Columns of a 2-D table (ignored for sequences).

        Returns
        -------
        shape : tuple of (int, int)
            Steps and features per step.
        """
        given = (None if self.input_shape is None
                 else shape_in_order(self.input_shape, self.data_format))
        if not self.table:
            shape = self.seen_shape
            if given is not None and given[1] != shape[1]:
                raise ValueError(f"input_shape={self.input_shape} does not match the "
                                 f"sequences in X, of {shape[1]} features per step.")
        else:
            shape = given if given is not None else (n_features, 1)
            if shape[0] * shape[1] != n_features:
                raise ValueError(f"input_shape={self.input_shape} needs "
                                 f"{shape[0] * shape[1]} features per row, but X has "
                                 f"{n_features}.")
        self.shape = shape
        return shape

    def input_layer(self):
        """The network's first layer: rows or 3-D arrays to time-major sequences and a mask."""
        return SequenceInput(self.shape, data_format=self.data_format)


def _ragged(X):
    """Whether nested lists fail to form one array (their items differ in length)."""
    try:
        np.asarray(X)
    except ValueError:
        return True
    return False


class TokenAdapter:
    """Integer token ids: a padded 2-D table ``(n, T)``, or sequences of any length.

    Id 0 is padding (masked by the recurrent layers), id 1 the unknown token;
    ids above those seen in fit are read as 1 by the embedding. Sequences are
    a list of 1-D id sequences or a 3-D array ``(n, T, 1)``; a list is padded
    with 0 at the end to its longest sequence, whatever the length seen in
    fit.

    Parameters
    ----------
    owner : str
        Name of the estimator, for error messages.

    Attributes
    ----------
    n_tokens : int
        Vocabulary size the embedding needs (largest id in fit + 1, at least 2).
    table : bool
        Whether the fit read a 2-D table.
    shape : tuple of (int, int)
        ``(T, 1)``, set by :meth:`resolve`.
    """

    def __init__(self, owner):
        self.owner = owner
        self.table = True

    def reads_sequences(self, X):
        """Whether ``X`` comes as sequences (list of 1-D id sequences, 3-D array).

        A model fitted on sequences reads a 2-D array of ids as sequences too
        (each row padded with 0), of any width.
        """
        if isinstance(X, np.ndarray):
            return X.ndim == 3 or (X.ndim == 2 and not self.table)
        if list_item_ndim(X) == 1 or (isinstance(X, (list, tuple)) and bool(X)
                                      and list_item_ndim(X) is None and _ragged(X)):
            return True
        return not self.table and getattr(X, "ndim", None) == 2

    def fit(self, X):
        """Check the ids of a 2-D table and learn the vocabulary size."""
        self.table = True
        self._learn(self._check_ids(X))
        return X

    def transform(self, X):
        """Check the ids of a 2-D table."""
        self._check_ids(X)
        return X

    def fit_sequences(self, X):
        """Pad id sequences with 0, check them and learn the vocabulary; return 2-D ids."""
        ids = self._padded(X)
        self.table = False
        self.seen_steps = ids.shape[1]
        self._learn(ids)
        return ids

    def transform_sequences(self, X):
        """Pad id sequences of any length with 0 and check them; return 2-D ids."""
        return self._padded(X)

    def _padded(self, X):
        if getattr(X, "ndim", None) == 2:
            ids = X
        elif isinstance(X, np.ndarray):
            if X.shape[2:] != (1,):
                raise ValueError(f"Token ids as a 3-D array must have shape (n, T, 1); got "
                                 f"{X.shape}.")
            ids = X[:, :, 0]
        else:
            if list_item_ndim(X) != 1:
                raise ValueError("Token ids as a list must be 1-D sequences of ids.")
            sequences = [np.asarray(seq)[:, None] for seq in X]
            _check_numeric(sequences)
            ids = pad_sequences(sequences, "channels_last", 0, np.result_type(*sequences))
            ids = ids[:, :, 0]
        # Floats, as 2-D tables reach the network (validate_data's dtype).
        ids = check_array(ids, dtype=(np.float64, np.float32), ensure_all_finite=False,
                          estimator=self.owner, input_name="X")
        self._check_ids(ids)
        return ids

    def _check_ids(self, X):
        try:
            ids = np.asarray(X)
        except ValueError:
            return None              # validate_data explains
        if ids.dtype.kind not in "biuf" or not ids.size:
            return None
        finite = ids[np.isfinite(ids)] if ids.dtype.kind == "f" else ids
        if finite.size != ids.size and not self.table:
            raise ValueError("Input X contains NaN or infinity: token ids must be "
                             "non-negative integers (0 = padding, 1 = unknown).")
        if (finite < 0).any() or (finite != np.floor(finite)).any():
            raise ValueError("With embedding_dim, X must hold non-negative integer token "
                             "ids (0 = padding, 1 = unknown).")
        return finite

    def _learn(self, ids):
        largest = int(ids.max()) if ids is not None and ids.size else 1
        if largest >= MAX_TOKENS:
            raise ValueError(
                f"The token ids go up to {largest}: an embedding needs one row per id up to "
                f"the largest (at most {MAX_TOKENS}). Number the vocabulary densely from 2 "
                "upwards (skdl.preprocessing.TextEncoder does).")
        self.n_tokens = max(2, largest + 1)

    def resolve(self, n_features):
        """``(T, 1)``: one token id a step (``T`` of the table, or of the fit's sequences)."""
        self.shape = ((n_features if self.table else self.seen_steps), 1)
        return self.shape
