r"""Convolutional network classifier.

:class:`ConvNetClassifier` stacks convolution blocks (convolution, pooling,
activation), flattens the maps and finishes with a multilayer perceptron.
The layers live in :mod:`skdl.layers.conv`, :mod:`skdl.layers.pooling` and
:mod:`skdl.layers.reshape`; training is the shared loop of
:mod:`skdl._training`.
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import BaseNeuralEstimator, NeuralClassifierMixin
from ._docs import fill_doc
from .activations import HIDDEN_ACTIVATIONS
from .layers.activation import Activation
from .layers.conv import Conv1D, Conv2D, conv_output_length
from .layers.dense import Dense
from .layers.dropout import Dropout
from .layers.pooling import AvgPool1D, AvgPool2D, MaxPool1D, MaxPool2D, pool_output_length
from .layers.reshape import Flatten, Reshape
from .utils.validation import CLASS_WEIGHT, InstanceOf, Interval, Options

#: Samples per forward pass at prediction time: im2col memory grows with the
#: batch, so large inputs are predicted in chunks of this many samples.
PREDICT_CHUNK = 512

_SIZE = InstanceOf(numbers.Integral, tuple, list, description="an int or a tuple of ints")


def _is_positive_int(value):
    return (isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
            and value >= 1)


def _as_tuple(value, name, length, allow_empty=False):
    """An int or a sequence of positive ints -> a tuple (ints repeated ``length`` times)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        value = (value,) * (length or 1)
    value = tuple(value)
    if not all(_is_positive_int(v) for v in value) or (not value and not allow_empty):
        raise ValueError(f"{name} must be {'a' if not allow_empty else 'a possibly empty'} "
                         f"tuple of positive ints; got {value!r}.")
    if length and len(value) != length:
        raise ValueError(f"{name} must be an int or a tuple of {length} ints for a "
                         f"{length}-D convolution; got {value!r}.")
    return tuple(int(v) for v in value)


@fill_doc(solver="adam")
class ConvNetClassifier(NeuralClassifierMixin, BaseNeuralEstimator):
    r"""Convolutional neural network classifier (2-D images or 1-D sequences).

    The network is ``len(filters)`` convolution blocks, a flattening, dense
    hidden layers and an output layer:

    .. math::

        x \to [\mathrm{conv} \to \mathrm{pool} \to g]^{B} \to \mathrm{flatten}
          \to [\mathrm{dense} \to g]^{D} \to \mathrm{dense} \to
          \mathrm{softmax}

    where :math:`g` is ``activation``. A convolution is a dense layer whose
    units see only a small window of the input (sparse) and share their
    weights across positions; a filter is as deep as its input (3 deep for
    an RGB image) and each filter yields one feature map. A valid
    convolution of an :math:`n`-long axis with kernel :math:`k`, stride
    :math:`s` and padding :math:`p` has :math:`\lfloor (n + p - k)/s
    \rfloor + 1` outputs; pooling with window and step :math:`q` leaves
    :math:`\lfloor n / q \rfloor`.

    Max pooling is applied before the activation: every hidden activation is
    non-decreasing, so :math:`\max g(x) = g(\max x)` and the network is the
    same function as conv -> activation -> pool, with the activation
    computed on a map :math:`q^2` times smaller. Average pooling follows the
    activation, as usual.

    Parameters
    ----------
    input_shape : tuple of int or None, default=None
        Per-sample shape, channels first: ``(C, H, W)`` images, ``(H, W)``
        one-channel images, or ``(C, L)`` sequences of ``L`` steps with ``C``
        features each (with ``conv_dim=1``). Then ``X`` may be 2-D with
        ``prod(input_shape)`` columns in that order (so scalers and pipelines
        work) or N-D with samples of that shape. None: the shape of N-D
        ``X`` (``(n, H, W)`` or ``(n, C, H, W)``), and 2-D ``X`` is read as
        one-channel 1-D signals of length ``n_features``.
    filters : tuple of int, default=(8,)
        Number of filters of each convolution block (one block per entry).
    kernel_size : int or tuple of int, default=3
        Kernel side (2-D: an int or ``(k_h, k_w)``; 1-D: an int).
    stride : int or tuple of int, default=1
        Step of the convolutions.
    padding : {"same", "valid"}, default="same"
        ``"same"`` zero-pads so that a stride-1 convolution keeps the map
        size; ``"valid"`` does not pad. A valid kernel larger than its map is
        an error at fit.
    pooling : {"max", "avg"} or None, default="max"
        Pooling after each convolution; None for none.
    pool_size : int or tuple of int, default=2
        Pooling window and step. A map smaller than the window is pooled
        whole (the window is clipped to the map), so pooling never shrinks a
        map below one position; it is how tiny inputs (a 1-feature signal)
        still fit.
    hidden_layer_sizes : tuple of int, default=(64,)
        Dense hidden layers after the flattening (may be empty).
    activation : {"relu", "tanh", "logistic", "sigmoid", "identity", "leaky_relu"}, default="relu"
        Activation of the convolution blocks and the hidden dense layers.
    dropout : float or tuple of float, default=0.0
        Dropout rate after each hidden dense layer (one rate for all, or one
        per layer).
    conv_dim : {None, 1, 2}, default=None
        Dimension of the convolutions. None: 2 for 3-tuple or 2-tuple
        ``input_shape`` and N-D ``X``, 1 for 2-D ``X`` without
        ``input_shape``. Set 1 to read a 2-tuple ``input_shape`` (or 3-D
        ``X``) as ``(C, L)`` sequences: a text CNN whose filters span the
        whole feature (embedding) width ``C`` and slide along time only.
{training_parameters}{class_weight}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    input_shape_ : tuple of int
        Per-sample shape used, channels first: ``(C, H, W)`` or ``(C, L)``.
    conv_coefs_ : list of ndarray
        Filters of each convolution block, shape ``(k_h, k_w, C_in, F)``
        (2-D) or ``(k, C_in, F)`` (1-D): ``conv_coefs_[i][..., f]`` is
        filter ``f``. Views of ``network_``.
    conv_intercepts_ : list of ndarray
        Biases of each convolution block, shape ``(F,)``.
{fitted_attributes}
    See Also
    --------
    sklearn.neural_network.MLPClassifier : the dense network without convolutions.

    Notes
    -----
    ``network_.layers`` holds the layers: an input
    :class:`~skdl.layers.reshape.Reshape` to channels-last, then per block a
    :class:`~skdl.layers.conv.Conv2D` (or ``Conv1D``), the pooling and an
    :class:`~skdl.layers.activation.Activation`, a
    :class:`~skdl.layers.reshape.Flatten`, and dense layers (whose weights
    are ``coefs_``/``intercepts_``). Computation is channels last (NHWC)
    throughout; the flattened vector is ordered ``(y, x, channel)``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from skdl.convnet import ConvNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    >>> clf = ConvNetClassifier(input_shape=(8, 8), filters=(8,), max_iter=30,
    ...                         random_state=0).fit(X_train, y_train)
    >>> clf.input_shape_, clf.conv_coefs_[0].shape
    ((1, 8, 8), (3, 3, 1, 8))
    >>> clf.score(X_test, y_test) > 0.9
    True
    """

    _parameter_constraints = {
        **BaseNeuralEstimator._parameter_constraints,
        "input_shape": [Options(None), InstanceOf(tuple, list, description="a tuple")],
        "filters": [_SIZE],
        "kernel_size": [_SIZE],
        "stride": [_SIZE],
        "padding": [Options("valid", "same")],
        "pooling": [Options("max", "avg", None)],
        "pool_size": [_SIZE],
        "hidden_layer_sizes": [_SIZE],
        "activation": [Options(*HIDDEN_ACTIVATIONS)],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left"),
                    InstanceOf(tuple, list, description="a tuple of floats")],
        "conv_dim": [Options(None), Interval(numbers.Integral, 1, 2)],
        "class_weight": CLASS_WEIGHT,
    }

    def __init__(self, *, input_shape=None, filters=(8,), kernel_size=3, stride=1,
                 padding="same", pooling="max", pool_size=2, hidden_layer_sizes=(64,),
                 activation="relu", dropout=0.0, conv_dim=None,
                 solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype=None,
                 class_weight=None):
        super().__init__(
            solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle,
            random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            rho=rho, dtype=dtype)
        self.input_shape = input_shape
        self.filters = filters
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.pooling = pooling
        self.pool_size = pool_size
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.conv_dim = conv_dim
        self.class_weight = class_weight

    # ------------------------------------------------------------ parameters
    def _check_params(self):
        if self.input_shape is not None:
            shape = tuple(self.input_shape)
            if len(shape) not in (2, 3) or not all(_is_positive_int(d) for d in shape):
                raise ValueError("input_shape must be None or a tuple of 2 or 3 positive "
                                 f"ints, (C, H, W), (H, W) or (C, L); got {self.input_shape!r}.")
            if len(shape) == 3 and self.conv_dim == 1:
                raise ValueError(f"conv_dim=1 needs a 2-tuple input_shape (C, L); "
                                 f"got {self.input_shape!r}.")
        _as_tuple(self.filters, "filters", None)
        _as_tuple(self.hidden_layer_sizes, "hidden_layer_sizes", None, allow_empty=True)
        for name in ("kernel_size", "stride", "pool_size"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral):
                _as_tuple(value, name, 2)
            elif not _is_positive_int(value):
                raise ValueError(f"{name} must be a positive int; got {value!r}.")
        self._dropout_rates()

    def _dropout_rates(self):
        n_hidden = len(_as_tuple(self.hidden_layer_sizes, "hidden_layer_sizes", None,
                                 allow_empty=True))
        if isinstance(self.dropout, numbers.Real):
            return (float(self.dropout),) * n_hidden
        rates = tuple(self.dropout)
        if len(rates) != n_hidden or not all(
                isinstance(r, numbers.Real) and not isinstance(r, bool) and 0 <= r < 1
                for r in rates):
            raise ValueError(f"dropout must be a float in [0, 1) or one such rate per hidden "
                             f"layer ({n_hidden}); got {self.dropout!r}.")
        return tuple(float(r) for r in rates)

    # ----------------------------------------------------------------- input
    def _prepare_input(self, X, reset):
        """Flatten N-D ``X`` (images, sequences) to 2-D rows; check its sample shape."""
        ndim = getattr(X, "ndim", None)
        if ndim is None and isinstance(X, (list, tuple)):
            try:
                array = np.asarray(X)
            except (ValueError, TypeError):
                return X  # ragged or odd input: validate_data gives the error
            if array.ndim >= 3:
                X, ndim = array, array.ndim
        if ndim is None or ndim < 3:
            if reset:
                self._fit_sample_shape = None
            return X
        if ndim > 4:
            raise ValueError(f"X must be 2-D (n_samples, n_features), or 3-D/4-D images or "
                             f"sequences; got an array of shape {X.shape}.")
        sample_shape = tuple(int(d) for d in X.shape[1:])
        if reset:
            self._fit_sample_shape = sample_shape
        else:
            check_is_fitted(self)
            expected = self.input_shape_
            accepted = {expected}
            if len(expected) == 3 and expected[0] == 1:
                accepted.add(expected[1:])
            if sample_shape not in accepted:
                raise ValueError(f"X has samples of shape {sample_shape}, but "
                                 f"{type(self).__name__} was fitted on samples of shape "
                                 f"{expected}.")
        # A view for contiguous input; the caller's array is never modified.
        return X.reshape(X.shape[0], -1)

    def _resolve_input_shape(self, n_features):
        """The per-sample shape, channels first, and the convolution dimension."""
        sample = getattr(self, "_fit_sample_shape", None)
        given = None if self.input_shape is None else tuple(int(d) for d in self.input_shape)
        if given is None and sample is None:
            if self.conv_dim == 2:
                raise ValueError("conv_dim=2 needs input_shape (or N-D X): 2-D X alone is "
                                 "read as one-channel 1-D signals.")
            return (1, n_features), 1
        shape = given if given is not None else sample
        if len(shape) == 3:
            if self.conv_dim == 1:
                raise ValueError(f"conv_dim=1 needs samples of shape (C, L); got {shape}.")
            canonical, dim = shape, 2
        else:
            dim = self.conv_dim or 2
            canonical = (1,) + shape if dim == 2 else shape
        if given is not None and sample is not None and sample not in (given, canonical):
            raise ValueError(f"X has samples of shape {sample}, which does not match "
                             f"input_shape={self.input_shape!r}.")
        size = int(np.prod(canonical))
        if size != n_features:
            raise ValueError(f"input_shape={self.input_shape!r} holds {size} values per sample, "
                             f"but X has {n_features} features.")
        return canonical, dim

    # --------------------------------------------------------------- network
    def _build_network(self, n_features, n_outputs):
        canonical, dim = self._resolve_input_shape(n_features)
        self.input_shape_ = canonical
        self._conv_dim = dim
        spatial = canonical[1:]
        size = 2 if dim == 2 else 1

        def geometry(name):
            value = getattr(self, name)
            if dim == 1 and not isinstance(value, numbers.Integral):
                raise ValueError(f"{name} must be an int for a 1-D convolution; got {value!r}.")
            return _as_tuple(value, name, size)

        kernel, stride, pool = geometry("kernel_size"), geometry("stride"), geometry("pool_size")
        conv_cls = Conv2D if dim == 2 else Conv1D
        pool_cls = {("max", 2): MaxPool2D, ("avg", 2): AvgPool2D,
                    ("max", 1): MaxPool1D, ("avg", 1): AvgPool1D}.get((self.pooling, dim))
        unpack = (lambda t: t) if dim == 2 else (lambda t: t[0])
        layers = [Reshape(canonical, channels_last=True)]
        for block, n_filters in enumerate(_as_tuple(self.filters, "filters", None)):
            out = tuple(conv_output_length(n, k, s, self.padding)[0]
                        for n, k, s in zip(spatial, kernel, stride))
            if min(out) < 1:
                raise ValueError(
                    f"Convolution block {block + 1}: its input maps have size {spatial}, "
                    f"smaller than kernel_size={self.kernel_size!r} with padding='valid', "
                    "so the output would be empty. Use padding='same', a smaller "
                    "kernel_size, fewer blocks or a smaller pool_size.")
            # Sequential.backward stops at the first convolution: only the
            # input Reshape precedes it, so its input gradient is skipped.
            conv = conv_cls(n_filters, unpack(kernel), unpack(stride), self.padding,
                            data_format="channels_last")
            layers.append(conv)
            spatial = out
            if pool_cls is None:
                layers.append(Activation(self.activation))
                continue
            window = tuple(min(q, n) for q, n in zip(pool, spatial))
            pool_layer = pool_cls(unpack(window), data_format="channels_last")
            spatial = tuple(pool_output_length(n, q, q) for n, q in zip(spatial, window))
            if self.pooling == "max":
                layers += [pool_layer, Activation(self.activation)]
            else:
                layers += [Activation(self.activation), pool_layer]
        layers.append(Flatten())
        gain = 2.0 if self.activation in ("logistic", "sigmoid") else 6.0
        hidden = _as_tuple(self.hidden_layer_sizes, "hidden_layer_sizes", None, allow_empty=True)
        for units, rate in zip(hidden, self._dropout_rates()):
            layers += [Dense(units, init_gain=gain), Activation(self.activation)]
            if rate > 0:
                layers.append(Dropout(rate))
        layers.append(Dense(n_outputs, init_gain=gain))
        return layers

    # ------------------------------------------------------------ prediction
    def _logits(self, X):
        """Logits in chunks of ``PREDICT_CHUNK`` samples, bounding im2col memory."""
        check_is_fitted(self)
        X = self._prepare_input(X, reset=False)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        X = X.astype(self.network_.dtype, copy=False)
        if X.shape[0] <= PREDICT_CHUNK:
            return self.network_.forward(X, training=False)
        return np.concatenate([self.network_.forward(X[start:start + PREDICT_CHUNK])
                               for start in range(0, X.shape[0], PREDICT_CHUNK)])

    @property
    def conv_coefs_(self):
        """Filters of the convolution blocks (views of ``network_``)."""
        check_is_fitted(self)
        return [layer.W for layer in self.network_.layers_of_type(Conv2D)]

    @property
    def conv_intercepts_(self):
        """Biases of the convolution blocks (views of ``network_``)."""
        check_is_fitted(self)
        return [layer.b for layer in self.network_.layers_of_type(Conv2D)]
