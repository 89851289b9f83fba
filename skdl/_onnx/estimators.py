r"""ONNX conversion of whole estimators, registered with skl2onnx.

An estimator's graph is three parts, each a small dispatch:

1. the input: the declared input (2-D rows, or N-D images and sequences,
   float or int64 token ids) becomes the 2-D rows the network reads
   (:data:`INPUT_CONVERTERS`, one function per input adapter class);
2. the scores: the network's logits (:func:`skdl._onnx.layers.convert_network`),
   or the joint log-likelihoods of the Gaussian classifier
   (:data:`SCORERS`, by estimator class);
3. the outputs skl2onnx expects: for a classifier the label and the
   probabilities (after which skl2onnx's parser may add its ``ZipMap``),
   for a regressor the predictions (:data:`REGRESSION_OUTPUTS`, by output
   activation).

The graph computes in the precision of the model: a network's dtype
(float32, or float64 for the linear models and MLPs fitted on float64 data,
whose large weights would lose about 1e-4 of a probability in float32), and
float64 for the Gaussian classifier (its Mahalanobis distances can be large
and close to each other). Inputs and outputs are float32 either way.
"""

import numpy as np
from onnx import TensorProto, helper
from scipy import linalg
from skl2onnx.common.data_types import (DoubleTensorType, FloatTensorType, Int64TensorType,
                                        StringTensorType)

from .._inputs import ImageAdapter, SequenceAdapter, TokenAdapter
from ..gaussian import GaussianClassifier
from ..layers import Embedding
from .graph import ONNX_FLOAT, ContainerBackend, Graph
from .layers import Tensor, convert_network, in_layout

#: The lowest ONNX opset the converters are written for (``Split``,
#: ``Unsqueeze`` and ``ReduceSum`` take their sizes and axes as inputs).
MIN_OPSET = 13

_LOG_2PI = np.log(2.0 * np.pi)


# -------------------------------------------------------------------- input
def image_rows(adapter, g, x):
    """N-D images (or channel-first sequences) as rows, as ``X.reshape(n, -1)``."""
    return g.op("Flatten", x, axis=1)


def sequence_rows(adapter, g, x):
    """``(n, T, d)`` sequences as rows, with the length column of a model fitted on a list."""
    rows = g.op("Flatten", x, axis=1)
    if not adapter.lengths_column:
        return rows
    # Full-length sequences: every row's length is T.
    batch = g.op("Slice", g.op("Shape", rows), g.int64s([0]), g.int64s([1]))
    lengths = g.op("Mul", g.op("ConstantOfShape", g.op("Concat", batch, g.int64s([1]), axis=0),
                               value=_scalar(g, 1.0)), g.weight(adapter.shape[0], "length"))
    return g.op("Concat", lengths, rows, axis=1)


def token_rows(adapter, g, x):
    """``(n, T, 1)`` token ids as ``(n, T)`` rows."""
    return g.op("Flatten", x, axis=1)


#: Input adapter class -> converter of N-D inputs to the 2-D rows the network reads.
INPUT_CONVERTERS = {ImageAdapter: image_rows, SequenceAdapter: sequence_rows,
                    TokenAdapter: token_rows}


def _scalar(g, value):
    """A one-element tensor attribute (``ConstantOfShape``'s value) of the graph's float type."""
    return helper.make_tensor("value", g.float_type, [1], [value])


def network_input(estimator, g, x, rank):
    """The declared input as the network's input rows (cast to the graph's float type).

    Token ids keep their type: the embedding casts them to int64 itself.
    """
    network = estimator.network_
    if not isinstance(network.layers[0], Embedding):
        x = g.op("Cast", x, to=g.float_type)
    adapter = getattr(estimator, "_input", None)
    if rank > 2:
        if adapter is None or type(adapter) not in INPUT_CONVERTERS:
            raise ValueError(f"{type(estimator).__name__} reads 2-D rows; got an input of "
                             f"rank {rank}.")
        x = INPUT_CONVERTERS[type(adapter)](adapter, g, x)
    return Tensor(x, 2)


# ------------------------------------------------------------------- scores
def network_scores(estimator, g, x, rank):
    """The network's logits ``(N, n_outputs)``."""
    logits = convert_network(estimator.network_, g, network_input(estimator, g, x, rank))
    return in_layout(g, logits, None).name


def gaussian_scores(estimator, g, x, rank):
    r"""Joint log-likelihoods :math:`\ln p(x \mid C_k) + \ln P(C_k)`, shape ``(N, K)``.

    With :math:`A_k = L_k^{-\top}` (``L_k`` the Cholesky factor of the
    class covariance), the Mahalanobis distance is
    :math:`\lVert (x - \mu_k) A_k \rVert^2`: one batched product for all
    classes. Diagonal covariances scale by :math:`1/\sigma` instead.
    """
    if rank != 2:
        raise ValueError(f"{type(estimator).__name__} reads 2-D rows; got an input of rank {rank}.")
    means = estimator.means_
    K, d = means.shape
    seen = np.isfinite(estimator._log_prior)
    diff = g.op("Sub", g.op("Unsqueeze", g.op("Cast", x, to=g.float_type), g.int64s([1])),
                g.weight(means, "means"))                                    # (N, K, d)
    if estimator._chol is None:
        inv_std = np.ones((K, d))
        inv_std[seen] = 1.0 / np.sqrt(estimator.covariances_[seen])
        z = g.op("Mul", diff, g.weight(inv_std, "inv_std"))
        maha = g.op("ReduceSum", g.op("Mul", z, z), g.int64s([2]), keepdims=0)
    else:
        chol = np.broadcast_to(estimator._chol, (K, d, d))
        whiten = np.stack([linalg.solve_triangular(chol[k], np.eye(d), lower=True).T
                           if seen[k] else np.eye(d) for k in range(K)])
        z = g.op("MatMul", g.op("Unsqueeze", diff, g.int64s([2])), g.weight(whiten, "whiten"))
        maha = g.op("ReduceSum", g.op("Mul", z, z), g.int64s([2, 3]), keepdims=0)
    offset = -0.5 * (estimator._log_det + d * _LOG_2PI) + estimator._log_prior
    return g.op("Add", g.op("Mul", maha, g.weight(-0.5, "minus_half")), g.weight(offset, "offset"))


#: Estimator class -> scores, when they are not a network's logits.
SCORERS = {GaussianClassifier: gaussian_scores}


def precision(estimator):
    """The float dtype the graph computes in: the network's, float64 without a network."""
    network = getattr(estimator, "network_", None)
    return np.float64 if network is None else network.dtype


# ------------------------------------------------------------------ outputs
def output_kind(estimator):
    """How a classifier turns scores into probabilities and labels."""
    if isinstance(estimator, GaussianClassifier) or estimator._loss_name == "log_loss":
        return "softmax"
    if estimator._multilabel:
        return "multilabel"
    return "binary" if len(estimator.classes_) == 2 else "one-vs-rest"


def class_labels(estimator, indices=False):
    """``classes_`` as the int64 or string constants of the label output.

    With ``indices`` (skl2onnx's ``nocl`` option) the labels are the class
    indices ``0, ..., K - 1``.
    """
    classes = np.arange(len(estimator.classes_)) if indices else np.asarray(estimator.classes_)
    if classes.dtype.kind in "biu":
        return classes.astype(np.int64)
    if classes.dtype.kind == "f":
        if not np.array_equal(classes, np.round(classes)):
            raise ValueError("ONNX labels are integers or strings; the classes "
                             f"{classes.tolist()} are neither.")
        return classes.astype(np.int64)
    return classes.astype(str)


def classifier_outputs(estimator, g, scores, indices=False):
    """``(label, probabilities)`` tensor names from the scores, as skdl predicts them."""
    kind = output_kind(estimator)
    if kind == "softmax":
        proba = g.op("Softmax", scores, axis=1)
        index = g.op("ArgMax", scores, axis=1, keepdims=0)
    else:
        positive = g.op("Sigmoid", scores)
        above = g.op("Greater", scores, g.weight(0.0, "zero"))
        if kind == "multilabel":
            return g.op("Cast", above, to=TensorProto.INT64), positive
        if kind == "binary":
            proba = g.op("Concat", g.op("Sub", g.weight(1.0, "one"), positive), positive, axis=1)
            index = g.op("Reshape", g.op("Cast", above, to=TensorProto.INT64), g.int64s([-1]))
        else:       # one-vs-rest: the sigmoids normalised to sum to one
            total = g.op("ReduceSum", positive, g.int64s([1]), keepdims=1)
            proba = g.op("Div", positive, total)
            index = g.op("ArgMax", scores, axis=1, keepdims=0)
    label = g.op("Gather", g.const(class_labels(estimator, indices), "classes"), index, axis=0)
    return label, proba


#: Output activation of a regressor -> its prediction from the logits.
REGRESSION_OUTPUTS = {"identity": lambda g, logits: logits}


def convert(scope, operator, container):
    """skl2onnx converter of every skdl estimator (registered by :func:`register`)."""
    if container.target_opset < MIN_OPSET:
        raise ValueError(f"skdl's ONNX export needs opset {MIN_OPSET} or later; got "
                         f"target_opset={container.target_opset}.")
    estimator = operator.raw_operator
    source = operator.inputs[0]
    g = Graph(ContainerBackend(scope, container), precision(estimator))
    scorer = SCORERS.get(type(estimator), network_scores)
    scores = scorer(estimator, g, source.full_name, len(source.type.shape))
    output_type = ONNX_FLOAT[np.dtype(_output_dtype(source))]
    if len(operator.outputs) == 2:
        indices = container.get_options(estimator, dict(nocl=False))["nocl"]
        label, proba = classifier_outputs(estimator, g, scores, indices)
        results = [label, g.op("Cast", proba, to=output_type)]
    else:
        prediction = REGRESSION_OUTPUTS[estimator.out_activation_](g, scores)
        results = [g.op("Cast", prediction, to=output_type)]
    for name, variable in zip(results, operator.outputs):
        g.backend.add_node("Identity", [name], [variable.full_name])


# ------------------------------------------------------------------- shapes
def _output_dtype(variable):
    """Probabilities and predictions in float64 for a float64 input, float32 otherwise."""
    return np.float64 if isinstance(variable.type, DoubleTensorType) else np.float32


def _float_tensor(variable, shape):
    return (DoubleTensorType if _output_dtype(variable) == np.float64 else FloatTensorType)(shape)


def classifier_shapes(operator):
    """skl2onnx shape calculator: labels ``(N,)`` (``(N, K)`` multi-label), probabilities ``(N, K)``."""
    estimator = operator.raw_operator
    N = operator.inputs[0].get_first_dimension()
    K = len(estimator.classes_)
    if output_kind(estimator) == "multilabel":
        operator.outputs[0].type = Int64TensorType([N, K])
    else:
        indices = operator.scope_inst.get_options(estimator, dict(nocl=False))["nocl"]
        labels = class_labels(estimator, indices)
        label_type = Int64TensorType if labels.dtype == np.int64 else StringTensorType
        operator.outputs[0].type = label_type([N])
    operator.outputs[1].type = _float_tensor(operator.inputs[0], [N, K])


def regressor_shapes(operator):
    """skl2onnx shape calculator: predictions ``(N, n_outputs)``."""
    N = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = _float_tensor(operator.inputs[0],
                                             [N, operator.raw_operator.n_outputs_])
