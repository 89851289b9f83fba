r"""Recurrent neural network estimators: Elman, Jordan, LSTM and GRU networks.

Sequence-to-value models: a stack of recurrent layers reads the sequence, the
final state of the last one goes through optional dense hidden layers to the
output. See the user guide, "Recurrent networks".

Inputs
------
``X`` may be

* a 2-D array ``(n_samples, T * d)``: fixed-length sequences of
  ``input_shape`` (``(T, d)``, or ``(d, T)`` with
  ``data_format="channels_first"``), each row one sample flattened in C
  order; without ``input_shape`` each row is a univariate sequence
  (``d = 1``). ``n_features_in_`` is the number of columns, as for any
  scikit-learn estimator, and prediction needs the same width;
* a 3-D array ``(n_samples, T, d)`` (``"channels_last"``, the default, as
  Keras and tslearn) or ``(n_samples, d, T)`` (``"channels_first"``, as
  aeon, sktime and PyTorch's ``Conv1d``), of **any** length ``T``: a
  recurrent network reads any number of steps, so prediction, scoring and
  ``partial_fit`` accept sequences longer or shorter than any seen in
  ``fit``. Sequences of unequal lengths are padded at the end with NaN
  (tslearn's and aeon's convention): a step that is NaN in every feature,
  with only such steps after it, is padding, masked by the recurrent layers
  so that each sequence gives exactly the result it would give alone. Any
  other NaN is an error. ``n_features_in_`` is ``d``, the features per step;
* a list of per-sample arrays ``(T_i, d)`` (or ``(d, T_i)``) of any
  lengths, aeon's layout for unequal lengths: the same as the NaN-padded
  3-D array;
* with ``embedding_dim``: integer token ids, a 2-D array ``(n_samples, T)``
  padded with 0 (as :class:`skdl.preprocessing.TextEncoder` produces), or a
  list of 1-D id sequences of any lengths. Id 0 is padding (masked), id 1
  the unknown token; ids above those seen in ``fit`` are read as 1.
"""

import numbers

from sklearn.utils.validation import check_is_fitted, check_X_y, validate_data

from ._assembly import dense_head, dropout_rates, layer_sizes
from ._base import BaseNeuralEstimator, NeuralClassifierMixin, NeuralRegressorMixin, store_params
from ._docs import fill_doc
from ._inputs import (DATA_FORMATS, SequenceAdapter, TokenAdapter, is_positive_int,
                      shape_in_order)
from .activations import HIDDEN_ACTIVATIONS
from .layers.embedding import Embedding
from .layers.recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from .utils.validation import BOOLEAN, CLASS_WEIGHT, InstanceOf, Interval, Options

RNN_PARAMETERS = """\
    input_shape : tuple of (int, int) or None, default=None
        Shape of one sequence of a 2-D ``X`` of ``T * d`` columns, in
        ``data_format`` order: ``(T, d)`` (steps, features per step) or
        ``(d, T)``. None reads 2-D rows as univariate sequences; 3-D input
        and lists of sequences carry their own shape (and any length).
    data_format : {"channels_last", "channels_first"}, default="channels_last"
        Layout of a sequence, with Keras's meaning: ``"channels_last"``
        reads 3-D ``X`` as ``(n_samples, T, d)`` (Keras, tslearn),
        ``"channels_first"`` as ``(n_samples, d, T)`` (aeon, sktime,
        PyTorch's ``Conv1d``); list items and ``input_shape`` follow the
        same order.
%(cell)s    recurrent_layer_sizes : int or tuple of int, default=(32,)
        Units of each stacked recurrent layer, input side first. Every layer
        but the last passes its whole output sequence to the next.
    bidirectional : bool, default=False
        Run every recurrent layer in both directions and concatenate.
    hidden_layer_sizes : tuple of int, default=()
        Dense hidden layers between the final recurrent state and the output.
    activation : {"identity", "logistic", "tanh", "relu", "leaky_relu"}, default="relu"
        Activation of the dense hidden layers.
    embedding_dim : int or None, default=None
        If set, ``X`` holds integer token ids (0 = padding, 1 = unknown) and
        an embedding layer of this size turns them into vectors.
    clip_norm : float or None, default=5.0
        Rescale the gradient of each mini-batch to at most this Euclidean
        norm before the optimizer step (gradient-norm clipping, which keeps
        exploding gradients through time from derailing training). None
        disables it. Not used by ``"lbfgs"``.
    dropout : float or tuple of float, default=0.0
        Dropout rate on the final recurrent state and on each dense hidden
        layer; a tuple gives one rate for each of these
        (``1 + len(hidden_layer_sizes)`` entries).
"""

CELL_PARAMETER = """\
    cell : {"elman", "jordan", "lstm", "gru"}, default="elman"
        The recurrent unit: Elman (hidden state fed back), Jordan (output fed
        back), LSTM, or GRU (gated recurrent unit, PyTorch's "reset after"
        form). See :class:`skdl.layers.recurrent.SimpleRNN`,
        :class:`skdl.layers.recurrent.LSTM` and
        :class:`skdl.layers.recurrent.GRU`.
"""

PEEPHOLE_PARAMETER = """\
    peephole : bool, default=False
        Add peephole connections: the cell state feeds the gates.
"""


def rnn_fill_doc(cell_doc):
    """``fill_doc`` plus the recurrent parameter section."""
    def decorate(cls):
        cls.__doc__ = cls.__doc__.replace(
            "{rnn_parameters}", RNN_PARAMETERS % {"cell": cell_doc})
        return fill_doc(solver="adam")(cls)
    return decorate


class _BaseRNN(BaseNeuralEstimator):
    """Network construction and input handling of the recurrent estimators."""

    _parameter_constraints = {
        **BaseNeuralEstimator._parameter_constraints,
        "input_shape": [Options(None), InstanceOf(tuple, list, description="a tuple (T, d)")],
        "data_format": [Options(*DATA_FORMATS)],
        "recurrent_layer_sizes": [Interval(numbers.Integral, 1, None),
                                  InstanceOf(tuple, list, description="a tuple of int")],
        "bidirectional": [BOOLEAN],
        "hidden_layer_sizes": [InstanceOf(tuple, list, description="a tuple of int")],
        "activation": [Options(*HIDDEN_ACTIVATIONS)],
        "embedding_dim": [Options(None), Interval(numbers.Integral, 1, None)],
        "clip_norm": [Options(None), Interval(numbers.Real, 0, None, closed="neither")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left"),
                    InstanceOf(tuple, list, description="a tuple of float")],
    }

    #: Deep models without a scikit-learn twin train in float32 where it pays.
    _default_overrides = {"dtype": "auto"}

    #: The cell of the LSTM estimators (they have no ``cell`` parameter).
    _fixed_cell = None

    # --------------------------------------------------------------- params
    @property
    def _cell(self):
        return self._fixed_cell or self.cell

    @property
    def _clip_norm(self):
        """Read by the shared training loop: gradient-norm clipping threshold."""
        return self.clip_norm

    def _dropout_rates(self):
        hidden = layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")
        return dropout_rates(self.dropout, 1 + len(hidden), self.solver,
                             "the recurrent output and each hidden layer")

    def _check_params(self):
        layer_sizes(self.recurrent_layer_sizes, "recurrent_layer_sizes", allow_empty=False)
        if self.input_shape is not None:
            shape = tuple(self.input_shape)
            if len(shape) != 2 or not all(is_positive_int(v) for v in shape):
                raise ValueError("input_shape must be a pair (T, d) of positive ints, got "
                                 f"{self.input_shape!r}.")
            if self.embedding_dim is not None and shape_in_order(shape, self.data_format)[1] != 1:
                raise ValueError("With embedding_dim, each step is one token id: input_shape "
                                 f"must be (T, 1), got {self.input_shape!r}.")
        self._dropout_rates()

    # --------------------------------------------------------------- inputs
    def _make_input_adapter(self):
        if self.embedding_dim is not None:
            return TokenAdapter(type(self).__name__)
        return SequenceAdapter(self.input_shape, self.data_format, type(self).__name__)

    def _validate_training_data(self, X, y, reset):
        """2-D tables through ``validate_data``; 3-D arrays and lists of any length here.

        Sequences are not flattened to a fixed width: the adapter checks them
        (numbers, features per step, NaN only as trailing padding), scikit-learn
        checks ``y`` and the feature names, and ``n_features_in_`` is the
        number of features per step.
        """
        adapter = self._make_input_adapter() if reset else self._input
        if not adapter.reads_sequences(X):
            return super()._validate_training_data(X, y, reset)
        if reset:
            self._input = adapter
            X = self._input.fit_sequences(X)
        else:
            X = self._input.transform_sequences(X)
        X, y = check_X_y(X, y, allow_nd=True, dtype=None, ensure_all_finite=False,
                         multi_output=self._multi_output, y_numeric=self._y_numeric,
                         estimator=self)
        validate_data(self, X, reset=reset, skip_check_array=True, ensure_2d=False)
        if reset:
            self.n_features_in_ = 1 if X.ndim == 2 else self._input.seen_shape[1]
        return X, y

    def _validated_input(self, X):
        check_is_fitted(self)
        if not self._input.reads_sequences(X):
            return super()._validated_input(X)
        X = self._input.transform_sequences(X)
        validate_data(self, X, reset=False, skip_check_array=True, ensure_2d=False)
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # -------------------------------------------------------------- network
    def _make_cell(self, units, return_sequences):
        if self._cell == "lstm":
            return LSTM(units, peephole=getattr(self, "peephole", False),
                        return_sequences=return_sequences)
        if self._cell == "gru":
            return GRU(units, return_sequences=return_sequences)
        return SimpleRNN(units, feedback=self._cell, return_sequences=return_sequences)

    def _build_network(self, n_features, n_outputs):
        self.sequence_shape_ = self._input.resolve(n_features)
        if self.embedding_dim is not None:
            layers = [Embedding(self._input.n_tokens, self.embedding_dim)]
        else:
            layers = [self._input.input_layer()]
        sizes = layer_sizes(self.recurrent_layer_sizes, "recurrent_layer_sizes")
        for k, units in enumerate(sizes):
            # Sequential.backward skips the input gradient of the first layer
            # with parameters: the first recurrent layer, or the Embedding.
            cell = self._make_cell(units, k < len(sizes) - 1)
            layers.append(Bidirectional(cell) if self.bidirectional else cell)
        rates = self._dropout_rates()
        hidden = layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")
        return layers + dense_head(hidden, n_outputs, self.activation, rates[1:],
                                   input_dropout=rates[0])


@rnn_fill_doc(CELL_PARAMETER)
class RNNClassifier(NeuralClassifierMixin, _BaseRNN):
    r"""Recurrent network classifier: Elman, Jordan or LSTM cells.

    Reads each sequence :math:`x_1, \dots, x_T` with a stack of recurrent
    layers, for the Elman cell

    .. math::

        h_t = \tanh(x_t W + h_{t-1} U + b),

    and classifies the final state :math:`h_T` with a softmax (or sigmoid)
    output layer, trained by backpropagation through time with gradient-norm
    clipping.

    Parameters
    ----------
{rnn_parameters}{training_parameters}{class_weight}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    sequence_shape_ : tuple of (int, int)
        ``(T, d)``, steps and features per step whatever ``data_format``:
        the fixed length of 2-D rows, or the (padded) length of the first
        fit's sequences. 3-D and list input may have any length.
{fitted_attributes}
    See Also
    --------
    LSTMClassifier : The same with LSTM cells (and peepholes).

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.recurrent import RNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 10))        # 200 univariate sequences
    >>> y = (X[:, -3:].sum(axis=1) > 0).astype(int)
    >>> clf = RNNClassifier(recurrent_layer_sizes=8, learning_rate_init=0.01,
    ...                     max_iter=100, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    def __init__(self, *, input_shape=None, data_format="channels_last", cell="elman",
                 recurrent_layer_sizes=(32,), bidirectional=False, hidden_layer_sizes=(),
                 activation="relu", embedding_dim=None, clip_norm=5.0, dropout=0.0, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype="auto", scoring=None,
                 class_weight=None):
        store_params(self, locals())

    _parameter_constraints = {
        **_BaseRNN._parameter_constraints,
        "cell": [Options("elman", "jordan", "lstm", "gru")],
        "class_weight": CLASS_WEIGHT,
    }


@rnn_fill_doc(PEEPHOLE_PARAMETER)
class LSTMClassifier(NeuralClassifierMixin, _BaseRNN):
    r"""LSTM network classifier.

    Each recurrent layer is a long short-term memory
    (:class:`skdl.layers.recurrent.LSTM`): gates decide what enters the
    memory cell :math:`c_t`, what it keeps and what it outputs,

    .. math::

        c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad
        h_t = o_t \odot \tanh(c_t),

    so information can survive many steps, where a simple RNN's fades. The
    final state :math:`h_T` of the last layer is classified by a softmax (or
    sigmoid) output layer.

    Parameters
    ----------
{rnn_parameters}{training_parameters}{class_weight}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    sequence_shape_ : tuple of (int, int)
        ``(T, d)``, steps and features per step whatever ``data_format``:
        the fixed length of 2-D rows, or the (padded) length of the first
        fit's sequences. 3-D and list input may have any length.
{fitted_attributes}
    See Also
    --------
    RNNClassifier : Elman and Jordan cells.
    skdl.preprocessing.TextEncoder : Text to token ids for ``embedding_dim``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.recurrent import LSTMClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 12, 2))    # 200 sequences, 12 steps, 2 features
    >>> y = (X[:, 0, 0] > 0).astype(int)         # decided by the first step
    >>> clf = LSTMClassifier(recurrent_layer_sizes=16, learning_rate_init=0.01,
    ...                      max_iter=60, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    _fixed_cell = "lstm"

    def __init__(self, *, input_shape=None, data_format="channels_last", peephole=False,
                 recurrent_layer_sizes=(32,), bidirectional=False, hidden_layer_sizes=(),
                 activation="relu", embedding_dim=None, clip_norm=5.0, dropout=0.0,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype="auto", scoring=None,
                 class_weight=None):
        store_params(self, locals())

    _parameter_constraints = {
        **_BaseRNN._parameter_constraints,
        "peephole": [BOOLEAN],
        "class_weight": CLASS_WEIGHT,
    }


@rnn_fill_doc(CELL_PARAMETER)
class RNNRegressor(NeuralRegressorMixin, _BaseRNN):
    r"""Recurrent network regressor (sequence to value): Elman, Jordan or LSTM cells.

    The final state of the recurrent stack goes through optional dense layers
    to a linear output, trained on the squared error by backpropagation
    through time with gradient-norm clipping.

    Parameters
    ----------
{rnn_parameters}{training_parameters}
    Attributes
    ----------
    sequence_shape_ : tuple of (int, int)
        ``(T, d)``, steps and features per step whatever ``data_format``:
        the fixed length of 2-D rows, or the (padded) length of the first
        fit's sequences. 3-D and list input may have any length.
{fitted_attributes}
    See Also
    --------
    LSTMRegressor : The same with LSTM cells.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.recurrent import RNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(300, 8))     # univariate sequences
    >>> y = X[:, -1] - 0.5 * X[:, -2]
    >>> reg = RNNRegressor(recurrent_layer_sizes=8, learning_rate_init=0.01,
    ...                    max_iter=150, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """

    def __init__(self, *, input_shape=None, data_format="channels_last", cell="elman",
                 recurrent_layer_sizes=(32,), bidirectional=False, hidden_layer_sizes=(),
                 activation="relu", embedding_dim=None, clip_norm=5.0, dropout=0.0, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype="auto", scoring=None):
        store_params(self, locals())

    _parameter_constraints = {
        **_BaseRNN._parameter_constraints,
        "cell": [Options("elman", "jordan", "lstm", "gru")],
    }


@rnn_fill_doc(PEEPHOLE_PARAMETER)
class LSTMRegressor(NeuralRegressorMixin, _BaseRNN):
    r"""LSTM network regressor (sequence to value).

    :class:`LSTMClassifier`'s network with a linear output trained on the
    squared error.

    Parameters
    ----------
{rnn_parameters}{training_parameters}
    Attributes
    ----------
    sequence_shape_ : tuple of (int, int)
        ``(T, d)``, steps and features per step whatever ``data_format``:
        the fixed length of 2-D rows, or the (padded) length of the first
        fit's sequences. 3-D and list input may have any length.
{fitted_attributes}
    See Also
    --------
    RNNRegressor : Elman and Jordan cells.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.recurrent import LSTMRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(300, 10, 1))
    >>> y = X[:, 0, 0]                            # remember the first value
    >>> reg = LSTMRegressor(recurrent_layer_sizes=16, learning_rate_init=0.01,
    ...                     max_iter=100, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """

    _fixed_cell = "lstm"

    def __init__(self, *, input_shape=None, data_format="channels_last", peephole=False,
                 recurrent_layer_sizes=(32,), bidirectional=False, hidden_layer_sizes=(),
                 activation="relu", embedding_dim=None, clip_norm=5.0, dropout=0.0,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype="auto", scoring=None):
        store_params(self, locals())

    _parameter_constraints = {
        **_BaseRNN._parameter_constraints,
        "peephole": [BOOLEAN],
    }
