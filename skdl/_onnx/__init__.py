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
    """The declared ONNX input: float32 rows (or samples of ``X_sample``'s shape), int64 ids."""
    if X_sample is None:
        return FloatTensorType([None, estimator.n_features_in_])
    if isinstance(X_sample, (list, tuple)) and len(X_sample) and np.ndim(X_sample[0]) >= 1 \
            and len({np.shape(item) for item in X_sample}) > 1:
        raise ValueError("X_sample is a list of sequences of different lengths; ONNX inputs "
                         "have one shape. Pass the padded 2-D rows the model reads "
                         "([length, x_1, ..., x_T]), or None.")
    sample = np.asarray(X_sample)
    shape = [None] + list(sample.shape[1:])
    return (Int64TensorType if sample.dtype.kind in "biu" else FloatTensorType)(shape)


def to_onnx(estimator, X_sample=None, *, zipmap=False, target_opset=None):
    """See :func:`skdl.onnx.to_onnx`."""
    check_is_fitted(estimator)
    register()
    options = {id(estimator): {"zipmap": zipmap}} if issubclass(
        type(estimator), ClassifierMixin) else None
    return skl2onnx_to_onnx(estimator, initial_types=[("X", input_type(estimator, X_sample))],
                            target_opset=target_opset, options=options)
