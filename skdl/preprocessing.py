r"""Sequence and text encoders: token indices with padding, and 1-of-N codes.

* :class:`TextEncoder` turns raw strings into padded rows of integer token
  ids from a fitted vocabulary (0 = padding, 1 = unknown word), the input of
  the recurrent estimators with ``embedding_dim``.
* :class:`OneHotSequenceEncoder` turns rows of symbols (token ids, or any
  values) into their 1-of-N codes, step by step: a symbol becomes a vector
  with a single 1 at its own position and 0 elsewhere.
"""

import numbers
import re
from collections import Counter

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._inputs import list_item_ndim
from ._persistence import VersionedState
from .utils.validation import BOOLEAN, InstanceOf, Interval, Options, validate_params

#: Index of the padding token in :class:`TextEncoder` output.
PADDING_INDEX = 0
#: Index of out-of-vocabulary tokens in :class:`TextEncoder` output.
UNKNOWN_INDEX = 1


def _column_values(X, owner):
    """The cells of one column: a Series, a one-column DataFrame or ``(n, 1)`` array, or None.

    What :class:`~sklearn.compose.ColumnTransformer` hands a transformer is
    a Series for a column given by name (``"text"``) and a one-column
    DataFrame for a list of names (``["text"]``). Iterating over a DataFrame
    yields its column names, so it must be unpacked, never listed.
    """
    ndim = getattr(X, "ndim", None)
    if ndim == 2:
        n_columns = X.shape[1]
        if n_columns != 1:
            raise ValueError(f"{owner} reads one column; got {n_columns} columns. Select the "
                             "column, e.g. ColumnTransformer([(\"enc\", "
                             f"{owner}(), \"column\")]).")
        return list(X.iloc[:, 0]) if hasattr(X, "iloc") else list(np.asarray(X)[:, 0])
    if ndim == 1 and hasattr(X, "iloc"):               # a pandas Series
        return list(X)
    return None


def _sequence_cells(X, steps=None):
    """The per-row sequences of a column of sequences or a ragged list; None for a table.

    A list of equal-length sequences is a table, unless fitted ``steps``
    differ from its length.
    """
    if hasattr(X, "iloc") and X.ndim == 1:
        cells = list(X)
    elif getattr(X, "ndim", None) == 2 and X.shape[1] == 1 and (
            hasattr(X, "iloc") or np.asarray(X).dtype == object):
        cells = list(X.iloc[:, 0]) if hasattr(X, "iloc") else list(np.asarray(X)[:, 0])
    elif isinstance(X, (list, tuple)) and list_item_ndim(X) == 1:
        cells = list(X)
        lengths = {len(cell) for cell in cells}
        if len(lengths) == 1 and steps in (None, *lengths):
            return None                  # equal lengths: an ordinary table
    else:
        return None
    if not cells or all(np.ndim(cell) == 0 for cell in cells):
        return None
    return cells


class TextEncoder(VersionedState, TransformerMixin, BaseEstimator):
    r"""Encode texts as padded sequences of integer token ids.

    ``fit`` builds a vocabulary from the training texts: every token seen at
    least ``min_frequency`` times (at most ``max_tokens`` of them, the most
    frequent first, ties alphabetical) gets an id from 2 upwards. ``transform``
    splits each text into tokens, replaces each by its id (1 for a token not
    in the vocabulary) and pads the row with 0 at the end (or truncates it) to
    ``max_length`` ids. The result feeds
    ``LSTMClassifier(embedding_dim=...)``, whose recurrent layers mask the
    padding.

    Parameters
    ----------
    max_length : int or None, default=None
        Length of the output rows. None uses the number of tokens of the
        longest training text.
    min_frequency : int, default=1
        Tokens seen fewer times than this in ``fit`` are unknown.
    max_tokens : int or None, default=None
        Keep at most this many tokens in the vocabulary (the most frequent).
    lowercase : bool, default=True
        Lowercase the texts before splitting them.
    token_pattern : str, default=r"(?u)\b\w+\b"
        Regular expression whose matches are the tokens (every word, one
        letter words included).
    truncating : {"post", "pre"}, default="post"
        Drop the tokens beyond ``max_length`` at the end (``"post"``) or the
        beginning (``"pre"``) of a long text.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Token to id (ids from 2; 0 is padding and 1 unknown).
    max_length_ : int
        Length of the output rows.
    n_tokens_ : int
        ``len(vocabulary_) + 2``: the number of distinct ids.

    See Also
    --------
    OneHotSequenceEncoder : 1-of-N codes of the ids.
    sklearn.feature_extraction.text.CountVectorizer : Bag of words (order lost).

    Examples
    --------
    >>> from skdl.preprocessing import TextEncoder
    >>> enc = TextEncoder().fit(["the cat sat", "the dog"])
    >>> enc.vocabulary_
    {'the': 2, 'cat': 3, 'dog': 4, 'sat': 5}
    >>> enc.transform(["the dog sat", "a cat"])
    array([[2, 4, 5],
           [1, 3, 0]])
    >>> enc.inverse_transform([[1, 3, 0]])
    [['<unk>', 'cat']]
    """

    _parameter_constraints = {
        "max_length": [Options(None), Interval(numbers.Integral, 1, None)],
        "min_frequency": [Interval(numbers.Integral, 1, None)],
        "max_tokens": [Options(None), Interval(numbers.Integral, 1, None)],
        "lowercase": [BOOLEAN],
        "token_pattern": [InstanceOf(str, description="a str")],
        "truncating": [Options("post", "pre")],
    }

    def __init__(self, *, max_length=None, min_frequency=1, max_tokens=None,
                 lowercase=True, token_pattern=r"(?u)\b\w+\b", truncating="post"):
        self.max_length = max_length
        self.min_frequency = min_frequency
        self.max_tokens = max_tokens
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.truncating = truncating

    def _texts(self, X):
        """List the strings of ``X``: an iterable, a Series or one column of a table."""
        if isinstance(X, (str, bytes)):
            raise ValueError("TextEncoder expects an iterable of texts (strings), got a "
                             "single string; wrap it in a list.")
        texts = _column_values(X, "TextEncoder")
        if texts is None:
            texts = list(X)
        if len(texts) == 0:
            raise ValueError("TextEncoder got no texts (0 samples).")
        for text in texts:
            if not isinstance(text, str):
                raise ValueError("TextEncoder expects strings, got an element of type "
                                 f"{type(text).__name__}: {text!r}.")
        return texts

    def _tokenize(self, text):
        if self.lowercase:
            text = text.lower()
        return self._pattern.findall(text)

    def fit(self, X, y=None):
        """Build the vocabulary from the texts ``X``.

        Parameters
        ----------
        X : iterable of str, pandas Series, or one-column DataFrame or array
            The training texts (a list, not a single string), or the one
            column of texts a ``ColumnTransformer`` selects.
        y : None
            Ignored.

        Returns
        -------
        self : TextEncoder
            The fitted encoder.
        """
        validate_params(self)
        texts = self._texts(X)
        self._pattern = re.compile(self.token_pattern)
        tokenized = [self._tokenize(text) for text in texts]
        counts = Counter(token for tokens in tokenized for token in tokens)
        kept = sorted((token for token, c in counts.items() if c >= self.min_frequency),
                      key=lambda token: (-counts[token], token))
        if self.max_tokens is not None:
            kept = kept[:self.max_tokens]
        self.vocabulary_ = {token: index + 2 for index, token in enumerate(kept)}
        self.n_tokens_ = len(self.vocabulary_) + 2
        longest = max(len(tokens) for tokens in tokenized)
        self.max_length_ = self.max_length if self.max_length is not None else max(1, longest)
        return self

    def transform(self, X):
        """Token ids of each text, padded with 0 or truncated to ``max_length_``.

        Parameters
        ----------
        X : iterable of str, pandas Series, or one-column DataFrame or array
            The texts to encode (a list, not a single string).

        Returns
        -------
        ids : ndarray of shape (n_texts, ``max_length_``), dtype int64
            One row per text: the ids of its tokens, 1 for tokens not in the
            vocabulary, then 0 (padding) up to ``max_length_``.
        """
        check_is_fitted(self)
        texts = self._texts(X)
        ids = np.full((len(texts), self.max_length_), PADDING_INDEX, dtype=np.int64)
        vocabulary = self.vocabulary_
        for row, text in zip(ids, texts):
            tokens = [vocabulary.get(token, UNKNOWN_INDEX) for token in self._tokenize(text)]
            if len(tokens) > self.max_length_:
                if self.truncating == "post":
                    tokens = tokens[:self.max_length_]
                else:
                    tokens = tokens[-self.max_length_:]
            row[:len(tokens)] = tokens
        return ids

    def inverse_transform(self, X):
        """Token lists back from ids (padding dropped, unknown as ``"<unk>"``).

        Parameters
        ----------
        X : array-like of shape (n_texts, ``max_length_``)
            Token ids, as returned by :meth:`transform`.

        Returns
        -------
        tokens : list of list of str
            The tokens of each row, in order (lowercased if ``lowercase``);
            ids outside the vocabulary are ``"<unk>"``.
        """
        check_is_fitted(self)
        ids = np.asarray(X)
        if ids.ndim != 2:
            raise ValueError(f"Expected a 2-D array of token ids, got shape {ids.shape}.")
        if ids.dtype.kind not in "biuf" or not np.isfinite(ids).all() or (ids < 0).any() \
                or (ids != np.floor(ids)).any():
            raise ValueError("Token ids must be non-negative integers (0 = padding, "
                             "1 = unknown).")
        words = {index: token for token, index in self.vocabulary_.items()}
        words[UNKNOWN_INDEX] = "<unk>"
        # Ids beyond the vocabulary, however large, are unknown (no int conversion).
        known = ids < self.n_tokens_
        return [[words[int(i)] if ok else "<unk>" for i, ok in zip(row, fine)
                 if i != PADDING_INDEX] for row, fine in zip(ids, known)]

    def get_feature_names_out(self, input_features=None):
        """Output column names: ``token_0, ..., token_{max_length_ - 1}``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored: the input is raw text, which has no feature names.

        Returns
        -------
        names : ndarray of str
            ``max_length_`` names, one per output column (dtype object).
        """
        check_is_fitted(self)
        return np.array([f"token_{t}" for t in range(self.max_length_)], dtype=object)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_pattern", None)          # compiled again on load
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "vocabulary_" in self.__dict__:
            self._pattern = re.compile(self.token_pattern)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags


class OneHotSequenceEncoder(VersionedState, TransformerMixin, BaseEstimator):
    r"""1-of-N encoding of sequences of symbols, step by step.

    Each row of ``X`` is a sequence of ``T`` symbols (token ids or any other
    values). ``fit`` collects the alphabet: the distinct values of ``X``
    except ``padding_value``, sorted (``categories_``, shared by all steps).
    ``transform`` replaces each symbol by its 1-of-N code, a vector of length
    ``N = len(categories_)`` with a 1 at the symbol's position:

    .. math::

        x_t = k\text{-th symbol} \;\mapsto\; e_k = (0, \dots, 0, 1, 0, \dots, 0)

    Padding and symbols unseen in ``fit`` become the zero vector. The output
    row is the ``T`` codes one after the other, ``T * N`` columns, which is
    what ``RNNClassifier(input_shape=(T, N))`` reads.

    Parameters
    ----------
    padding_value : float or None, default=0
        The value that marks padding (coded as zeros, not a symbol). None
        treats every value as a symbol.
    handle_unknown : {"ignore", "error"}, default="ignore"
        Code unseen symbols as zeros, or raise a ``ValueError``.
    dtype : numpy dtype, default=numpy.float64
        Dtype of the output.

    Attributes
    ----------
    categories_ : ndarray of shape (N,)
        The alphabet, sorted.
    n_features_in_ : int
        ``T``, the sequence length.
    sequence_shape_ : tuple of (int, int)
        ``(T, N)``, the ``input_shape`` of a recurrent estimator reading the
        output.

    Examples
    --------
    >>> from skdl.preprocessing import OneHotSequenceEncoder
    >>> enc = OneHotSequenceEncoder().fit([[2, 3, 0], [3, 3, 4]])
    >>> enc.categories_
    array([2, 3, 4])
    >>> enc.transform([[4, 2, 0]])
    array([[0., 0., 1., 1., 0., 0., 0., 0., 0.]])
    """

    _parameter_constraints = {
        "padding_value": [Options(None), Interval(numbers.Real, None, None)],
        "handle_unknown": [Options("ignore", "error")],
        "dtype": [InstanceOf(type, np.dtype, str, description="a numpy dtype")],
    }

    def __init__(self, *, padding_value=0, handle_unknown="ignore", dtype=np.float64):
        self.padding_value = padding_value
        self.handle_unknown = handle_unknown
        self.dtype = dtype

    def _symbol_rows(self, X, steps=None):
        """``X`` as a table of symbols: sequence cells and ragged lists padded at the end.

        A pandas Series of scalars is one column (one step); a Series, a
        one-column DataFrame or ``(n, 1)`` array whose cells are sequences
        (what a ``ColumnTransformer`` passes for a column of id lists), and a
        list of 1-D sequences of different lengths, are padded with
        ``padding_value`` to ``steps`` (the longest, in fit).
        """
        cells = _sequence_cells(X, steps)
        if cells is None:
            return X.to_frame() if hasattr(X, "to_frame") else X
        if self.padding_value is None:
            raise ValueError("Sequences of different lengths are padded with padding_value; "
                             "set one (padding_value=None treats every value as a symbol).")
        sequences = [np.asarray(cell).ravel() for cell in cells]
        longest = max(len(seq) for seq in sequences)
        steps = longest if steps is None else steps
        if longest > steps:
            raise ValueError(f"A sequence has {longest} symbols, more than the {steps} steps "
                             "seen in fit (the width of the codes is fixed).")
        dtype = np.result_type(*sequences, np.asarray(self.padding_value))
        rows = np.full((len(sequences), steps), self.padding_value, dtype=dtype)
        for row, seq in zip(rows, sequences):
            row[:len(seq)] = seq
        return rows

    def fit(self, X, y=None):
        """Collect the alphabet of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, T), pandas Series, or list of sequences
            Sequences of numeric symbols, one per row, padded to length ``T``;
            or one column (Series, one-column DataFrame) whose cells are
            sequences, or a list of sequences of different lengths, padded
            here with ``padding_value``.
        y : None
            Ignored.

        Returns
        -------
        self : OneHotSequenceEncoder
            The fitted encoder.
        """
        validate_params(self)
        X = validate_data(self, self._symbol_rows(X), dtype="numeric")
        if X.dtype.kind not in "biuf":
            raise ValueError(f"OneHotSequenceEncoder expects numeric symbols, got dtype "
                             f"{X.dtype}.")
        values = np.unique(X)
        if self.padding_value is not None:
            values = values[values != self.padding_value]
        self.categories_ = values
        self.sequence_shape_ = (X.shape[1], len(values))
        return self

    def transform(self, X):
        """The 1-of-N codes of every step, concatenated.

        Parameters
        ----------
        X : array-like of shape (n_samples, T), pandas Series, or list of sequences
            Sequences of symbols, of the length ``T`` seen in :meth:`fit`
            (shorter sequences given as cells or lists are padded).

        Returns
        -------
        codes : ndarray of shape (n_samples, ``T * len(categories_)``)
            The codes of the steps one after the other, of dtype ``dtype``;
            padding and unknown symbols (any symbol not seen in fit, however
            large) are all zeros, or an error with ``handle_unknown="error"``.
        """
        check_is_fitted(self)
        X = validate_data(self, self._symbol_rows(X, self.sequence_shape_[0]), dtype="numeric",
                          reset=False)
        n, T = X.shape
        N = len(self.categories_)
        positions = np.searchsorted(self.categories_, X)
        positions = np.minimum(positions, max(N - 1, 0))
        known = (self.categories_[positions] == X) if N else np.zeros(X.shape, bool)
        padding = (X == self.padding_value) if self.padding_value is not None else False
        unknown = ~known & ~padding
        if self.handle_unknown == "error" and unknown.any():
            raise ValueError(f"Found unknown symbols {np.unique(X[unknown]).tolist()[:10]} "
                             "during transform.")
        codes = np.zeros((n, T, N), dtype=self.dtype)
        rows, steps = np.nonzero(known)
        codes[rows, steps, positions[rows, steps]] = 1
        return codes.reshape(n, T * N)

    def inverse_transform(self, X):
        """Symbols back from codes (``padding_value`` where a step is all zeros).

        Parameters
        ----------
        X : array-like of shape (n_samples, ``T * len(categories_)``)
            Codes, as returned by :meth:`transform`. At each step the largest
            positive entry picks the symbol.

        Returns
        -------
        symbols : ndarray of shape (n_samples, T)
            The symbols, of the dtype of ``categories_``.
        """
        check_is_fitted(self)
        T, N = self.sequence_shape_
        codes = np.asarray(X)
        if codes.ndim != 2 or codes.shape[1] != T * N:
            raise ValueError(f"Expected codes of shape (n_samples, {T * N}), got "
                             f"{codes.shape}.")
        codes = codes.reshape(-1, T, N)
        fill = self.padding_value if self.padding_value is not None else 0
        out = np.full(codes.shape[:2], fill, dtype=self.categories_.dtype)
        hot = codes.max(axis=2) > 0
        out[hot] = self.categories_[codes.argmax(axis=2)[hot]]
        return out

    def get_feature_names_out(self, input_features=None):
        """``x{t}_{symbol}`` for every step and symbol.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored: the names are built from the steps and ``categories_``.

        Returns
        -------
        names : ndarray of str
            ``T * len(categories_)`` names, one per output column (dtype
            object), step-major as the columns of :meth:`transform`.
        """
        check_is_fitted(self)
        T = self.sequence_shape_[0]
        return np.array([f"x{t}_{c}" for t in range(T) for c in self.categories_],
                        dtype=object)
