r"""Convolutional network classifier and regressor.

:class:`ConvNetClassifier` and :class:`ConvNetRegressor` stack convolution
blocks (convolution, pooling, activation), flatten the maps and finish with a
multilayer perceptron; they share everything but the output and the loss
(:class:`_BaseConvNet`).
The layers live in :mod:`skdl.layers.conv`, :mod:`skdl.layers.pooling` and
:mod:`skdl.layers.reshape`; training is the shared loop of
:mod:`skdl._training`.
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._assembly import dense_head, dropout_rates, layer_sizes
from ._base import (BaseNeuralEstimator, NeuralClassifierMixin, NeuralRegressorMixin,
                    store_params)
from ._docs import fill_doc
from ._inputs import DATA_FORMATS, ImageAdapter, is_positive_int
from .activations import HIDDEN_ACTIVATIONS
from .layers.activation import Activation
from .layers.batchnorm import BatchNormalization
from .layers.conv import Conv1D, Conv2D, conv_output_length
from .layers.pooling import AvgPool1D, AvgPool2D, MaxPool1D, MaxPool2D, pool_output_length
from .layers.reshape import Flatten
from .utils.validation import BOOLEAN, CLASS_WEIGHT, InstanceOf, Interval, Options

_SIZE = InstanceOf(numbers.Integral, tuple, list, description="an int or a tuple of ints")


def _geometry(value, name, dim):
    """``kernel_size``, ``stride`` or ``pool_size`` as a tuple of ``dim`` positive ints."""
    if dim == 1 and not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an int for a 1-D convolution; got {value!r}.")
    sizes = layer_sizes(value, name, allow_empty=False)
    if len(sizes) == 1:
        sizes = sizes * dim
    if len(sizes) != dim:
        raise ValueError(f"{name} must be an int or a tuple of {dim} ints for a "
                         f"{dim}-D convolution; got {value!r}.")
    return sizes


CONVNET_PARAMETERS = """\
    input_shape : tuple of int or None, default=None
        Per-sample shape in ``data_format`` order: channels first ``(C, H,
        W)`` images, ``(H, W)`` one-channel images, or ``(C, L)`` sequences
        of ``L`` steps with ``C`` features each (with ``conv_dim=1``);
        channels last ``(H, W, C)``, ``(H, W)`` or ``(L, C)``. Then ``X`` may
        be 2-D with ``prod(input_shape)`` columns in that order (so scalers
        and pipelines work) or N-D with samples of that shape. None: the
        shape of N-D ``X`` (``(n, H, W)``, ``(n, C, H, W)`` or ``(n, H, W,
        C)``), and 2-D ``X`` is read as one-channel 1-D signals of length
        ``n_features``.
    data_format : {"channels_first", "channels_last"}, default="channels_first"
        Layout of a sample, with Keras's meaning: ``"channels_first"`` reads
        images as ``(C, H, W)`` and sequences as ``(C, L)`` (PyTorch, aeon,
        sktime), ``"channels_last"`` as ``(H, W, C)`` and ``(L, C)``
        (Keras, tslearn). The default is this estimator's original reading;
        the recurrent estimators default to ``"channels_last"``, the layout
        of Keras and of their original reading.
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
    activation : {"relu", "tanh", "logistic", "sigmoid", "identity", "leaky_relu"}, \
default="relu"
        Activation of the convolution blocks and the hidden dense layers.
    dropout : float or tuple of float, default=0.0
        Dropout rate after each hidden dense layer (one rate for all, or one
        per layer).
{batch_norm}    conv_dim : {None, 1, 2}, default=None
        Dimension of the convolutions. None: 2 for 3-tuple or 2-tuple
        ``input_shape`` and N-D ``X``, 1 for 2-D ``X`` without
        ``input_shape``. Set 1 to read a 2-tuple ``input_shape`` (or 3-D
        ``X``) as sequences, ``(C, L)`` or ``(L, C)``: a text CNN whose
        filters span the whole feature (embedding) width ``C`` and slide
        along time only. 1-D sequences have the length of the fit: trailing
        NaN steps (tslearn's and aeon's padding) and the missing steps of a
        shorter sequence in a list are read as zeros.
"""

CONVNET_ATTRIBUTES = """\
    input_shape_ : tuple of int
        Per-sample shape used, channels first whatever ``data_format``:
        ``(C, H, W)`` or ``(C, L)``.
    conv_coefs_ : list of ndarray
        Filters of each convolution block, shape ``(k_h, k_w, C_in, F)``
        (2-D) or ``(k, C_in, F)`` (1-D): ``conv_coefs_[i][..., f]`` is
        filter ``f``. Views of ``network_``.
    conv_intercepts_ : list of ndarray
        Biases of each convolution block, shape ``(F,)``.
"""

CONVNET_NOTES = """\
    ``network_.layers`` holds the layers: an input
    :class:`~skdl.layers.reshape.Reshape` to channels-last, then per block a
    :class:`~skdl.layers.conv.Conv2D` (or ``Conv1D``), the pooling and an
    :class:`~skdl.layers.activation.Activation`, a
    :class:`~skdl.layers.reshape.Flatten`, and dense layers (whose weights
    are ``coefs_``/``intercepts_``). Computation is channels last (NHWC)
    throughout; the flattened vector is ordered ``(y, x, channel)``.
"""


def convnet_fill_doc(cls):
    """``fill_doc`` plus the ConvNet parameter, attribute and notes sections."""
    cls.__doc__ = (cls.__doc__.replace("{convnet_parameters}", CONVNET_PARAMETERS)
                   .replace("{convnet_attributes}", CONVNET_ATTRIBUTES)
                   .replace("{convnet_notes}", CONVNET_NOTES))
    return fill_doc(solver="adam")(cls)


class _BaseConvNet(BaseNeuralEstimator):
    """Parameters, input handling and network of the convolutional estimators."""

    #: Deep models without a scikit-learn twin train in float32 where it pays.
    _default_overrides = {"dtype": "auto"}

    _parameter_constraints = {
        **BaseNeuralEstimator._parameter_constraints,
        "input_shape": [Options(None), InstanceOf(tuple, list, description="a tuple")],
        "data_format": [Options(*DATA_FORMATS)],
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
        "batch_norm": [BOOLEAN],
        "conv_dim": [Options(None), Interval(numbers.Integral, 1, 2)],
    }

    # ------------------------------------------------------------ parameters
    def _check_params(self):
        if self.input_shape is not None:
            shape = tuple(self.input_shape)
            if len(shape) not in (2, 3) or not all(is_positive_int(d) for d in shape):
                raise ValueError("input_shape must be None or a tuple of 2 or 3 positive "
                                 "ints in data_format order, (C, H, W), (H, W) or (C, L) "
                                 f"(channels first); got {self.input_shape!r}.")
            if len(shape) == 3 and self.conv_dim == 1:
                raise ValueError(f"conv_dim=1 needs a 2-tuple input_shape, (C, L) or (L, C); "
                                 f"got {self.input_shape!r}.")
        layer_sizes(self.filters, "filters", allow_empty=False)
        for name in ("kernel_size", "stride", "pool_size"):
            value = getattr(self, name)
            _geometry(value, name, 1 if isinstance(value, numbers.Integral) else 2)
        self._dropout_rates()

    def _dropout_rates(self):
        hidden = layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")
        return dropout_rates(self.dropout, len(hidden), self.solver, "one per hidden layer")

    def _make_input_adapter(self):
        return ImageAdapter(self.input_shape, self.conv_dim, self.data_format,
                            type(self).__name__)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # --------------------------------------------------------------- network
    def _build_network(self, n_features, n_outputs):
        canonical = self._input.resolve(n_features)
        dim = self._input.conv_dim
        self.input_shape_ = canonical
        spatial = canonical[1:]
        kernel, stride, pool = (_geometry(getattr(self, name), name, dim)
                                for name in ("kernel_size", "stride", "pool_size"))
        conv_cls = Conv2D if dim == 2 else Conv1D
        pool_cls = {("max", 2): MaxPool2D, ("avg", 2): AvgPool2D,
                    ("max", 1): MaxPool1D, ("avg", 1): AvgPool1D}.get((self.pooling, dim))
        unpack = (lambda t: t) if dim == 2 else (lambda t: t[0])
        layers = [self._input.input_layer()]
        for block, n_filters in enumerate(layer_sizes(self.filters, "filters")):
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
            layers.append(conv_cls(n_filters, unpack(kernel), unpack(stride), self.padding,
                                   data_format="channels_last", use_bias=not self.batch_norm))
            if self.batch_norm:
                layers.append(BatchNormalization())
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
        hidden = layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")
        return layers + dense_head(hidden, n_outputs, self.activation, self._dropout_rates(),
                                   batch_norm=self.batch_norm)

    @property
    def conv_coefs_(self):
        """Filters of the convolution blocks (views of ``network_``)."""
        check_is_fitted(self)
        return [layer.parameters()["W"] for layer in self.network_.layers_of_type(Conv2D)]

    @property
    def conv_intercepts_(self):
        """Biases of the convolution blocks (views of ``network_``); zeros with batch_norm."""
        check_is_fitted(self)
        return [layer.parameters().get("b", np.zeros(layer.filters, dtype=self.network_.dtype))
                for layer in self.network_.layers_of_type(Conv2D)]


@convnet_fill_doc
class ConvNetClassifier(NeuralClassifierMixin, _BaseConvNet):
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
{convnet_parameters}{training_parameters}{class_weight}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
{convnet_attributes}{fitted_attributes}
    See Also
    --------
    skdl.ConvNetRegressor : The same network with a linear output.
    skdl.MLPClassifier : The dense network without convolutions.

    Notes
    -----
{convnet_notes}
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
        **_BaseConvNet._parameter_constraints,
        "class_weight": CLASS_WEIGHT,
    }

    def __init__(self, *, input_shape=None, data_format="channels_first", filters=(8,),
                 kernel_size=3, stride=1, padding="same", pooling="max", pool_size=2,
                 hidden_layer_sizes=(64,),
                 activation="relu", dropout=0.0, batch_norm=False, conv_dim=None,
                 solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype="auto", scoring=None,
                 class_weight=None):
        store_params(self, locals())


@convnet_fill_doc
class ConvNetRegressor(NeuralRegressorMixin, _BaseConvNet):
    r"""Convolutional neural network regressor (2-D images or 1-D sequences).

    The network of :class:`ConvNetClassifier`, convolution blocks, a
    flattening and dense hidden layers, with a linear output trained on the
    squared error (one output unit per target):

    .. math::

        x \to [\mathrm{conv} \to \mathrm{pool} \to g]^{B} \to \mathrm{flatten}
          \to [\mathrm{dense} \to g]^{D} \to \mathrm{dense}

    Parameters
    ----------
{convnet_parameters}{training_parameters}
    Attributes
    ----------
{convnet_attributes}{fitted_attributes}
    See Also
    --------
    skdl.ConvNetClassifier : The same network with a softmax output.
    skdl.MLPRegressor : The dense network without convolutions.

    Notes
    -----
{convnet_notes}
    Examples
    --------
    >>> import numpy as np
    >>> from skdl.convnet import ConvNetRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 2, 24))      # 300 signals, 2 channels, 24 steps
    >>> y = X[:, 0, 5:8].sum(axis=1) - X[:, 1, 15:18].sum(axis=1)
    >>> reg = ConvNetRegressor(conv_dim=1, filters=(8,), learning_rate_init=0.01,
    ...                        max_iter=100, random_state=0).fit(X, y)
    >>> reg.input_shape_, reg.conv_coefs_[0].shape
    ((2, 24), (3, 2, 8))
    >>> reg.score(X, y) > 0.9
    True
    """

    def __init__(self, *, input_shape=None, data_format="channels_first", filters=(8,),
                 kernel_size=3, stride=1, padding="same", pooling="max", pool_size=2,
                 hidden_layer_sizes=(64,),
                 activation="relu", dropout=0.0, batch_norm=False, conv_dim=None,
                 solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype="auto", scoring=None):
        store_params(self, locals())
