"""ONNX export of skdl estimators (needs the ``onnx`` extra: onnx and skl2onnx).

Imported by :func:`skdl.onnx.to_onnx` and :func:`skdl.onnx.register`, never
by ``import skdl``: it imports onnx and skl2onnx.
"""

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted
from skl2onnx import to_onnx as skl2onnx_to_onnx
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import FloatTensorType, Int64TensorType

from .._inputs import SequenceAdapter, TokenAdapter, shape_in_order, time_axis
from .estimators import classifier_shapes, convert, regressor_shapes

#: skl2onnx options of the classifiers: the parser adds a ZipMap unless
#: zipmap=False; nocl=True outputs class indices instead of labels.
CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False, True]}


def register():
    """Register every skdl classifier and regressor with skl2onnx (idempotent)."""
    import skdl

    for name in skdl.__all__:
        cls = getattr(skdl, name)
        if not isinstance(cls, type):
            continue
        if issubclass(cls, ClassifierMixin):
            update_registered_converter(cls, f"Skdl{name}", classifier_shapes, convert,
                                        options=CLASSIFIER_OPTIONS)
        elif issubclass(cls, RegressorMixin):
            update_registered_converter(cls, f"Skdl{name}", regressor_shapes, convert)


def input_type(estimator, X_sample):
    """The declared ONNX input: float32 (int64 for token ids), of ``X_sample``'s sample shape.

    Without ``X_sample``: the 2-D rows of ``n_features_in_`` columns, or for
    a recurrent model fitted on sequences the 3-D sequences it read. The
    time axis of sequences (3-D arrays, lists, token ids) is dynamic: a
    recurrent model reads any length, NaN-padded at the end.
    """
    adapter = getattr(estimator, "_input", None)
    shape, integer = sample_shape(estimator, adapter, X_sample)
    time = dynamic_time_axis(adapter, len(shape))
    dims = [None] + [None if axis == time else int(size) for axis, size in enumerate(shape)]
    return (Int64TensorType if integer else FloatTensorType)(dims)


def sample_shape(estimator, adapter, X_sample):
    """The per-sample shape of the declared input, and whether it holds integer ids."""
    tokens = isinstance(adapter, TokenAdapter)
    if X_sample is None:
        if isinstance(adapter, SequenceAdapter) and not adapter.table:
            return shape_in_order(adapter.shape, adapter.data_format), False
        if tokens and not adapter.table:
            return (adapter.shape[0],), True
        return (estimator.n_features_in_,), tokens
    if isinstance(adapter, (SequenceAdapter, TokenAdapter)) and \
            isinstance(X_sample, (list, tuple)) and adapter.reads_sequences(X_sample):
        # A list of sequences of any lengths, padded as the estimator pads it.
        return adapter.transform_sequences(X_sample).shape[1:], tokens
    try:
        sample = np.asarray(X_sample)
    except ValueError as error:
        raise ValueError(f"X_sample cannot be read as one array ({error}); ONNX inputs have "
                         "one shape. Pass a padded array (sequences: NaN-padded 3-D), or "
                         "None.") from error
    return sample.shape[1:], sample.dtype.kind in "biu"


def dynamic_time_axis(adapter, ndim):
    """The axis of a sample (without the batch axis) whose length may vary, or None."""
    if isinstance(adapter, SequenceAdapter) and ndim == 2:
        return time_axis(adapter.data_format)
    if isinstance(adapter, TokenAdapter):
        return 0
    return None


def to_onnx(estimator, X_sample=None, *, zipmap=False, target_opset=None):
    """See :func:`skdl.onnx.to_onnx`."""
    check_is_fitted(estimator)
    register()
    options = {id(estimator): {"zipmap": zipmap}} if issubclass(
        type(estimator), ClassifierMixin) else None
    return skl2onnx_to_onnx(estimator, initial_types=[("X", input_type(estimator, X_sample))],
                            target_opset=target_opset, options=options)
