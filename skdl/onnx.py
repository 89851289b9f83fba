"""Export skdl estimators to ONNX, to serve them without Python (optional ``onnx`` extra).

``pip install "skdl[onnx]"`` installs onnx and skl2onnx; onnxruntime runs the
exported models. Nothing here imports them until a function is called, so
``import skdl`` stays free of them.

* :func:`to_onnx` exports a fitted estimator.
* :func:`register` makes skl2onnx aware of skdl's estimators, so that
  ``skl2onnx.to_onnx`` converts pipelines that contain them
  (``to_onnx`` registers them too).
"""

__all__ = ["register", "to_onnx"]


def _converters():
    """The converters module, or an ImportError that says which extra to install."""
    try:
        from . import _onnx
    except ImportError as error:
        raise ImportError(f"ONNX export needs onnx and skl2onnx ({error}): "
                          'pip install "skdl[onnx]".') from error
    return _onnx


def to_onnx(estimator, X_sample=None, *, zipmap=False, target_opset=None):
    """Export a fitted skdl estimator to an ONNX model.

    Every estimator converts: the linear models, the Gaussian classifier,
    MLPs (Poisson regression included), ConvNets (classifiers and
    regressors, both ``data_format`` layouts; convolutions, max and average
    pooling, batch normalisation), Elman, Jordan, LSTM and GRU networks
    (peepholes, bidirectional, stacked, token embeddings, sequences of any
    length). The model reads what ``predict`` reads, of ``X_sample``'s
    sample shape and type (by default float32 rows of ``n_features_in_``
    columns, or the 3-D sequences of a recurrent model fitted on them; int64
    for token ids; N-D for images) and computes in the model's precision. Classifiers output
    ``label`` and ``probabilities`` (as skl2onnx's classifiers; a ``ZipMap``
    of the probabilities with ``zipmap=True``), regressors ``variable``.
    onnxruntime reproduces ``predict`` and ``predict_proba`` to about 1e-6
    (tested to 1e-5 on every estimator). Recurrent layers become an ONNX
    ``Scan`` over time that holds the state on padded steps as skdl does.

    Recurrent models read 3-D sequences in their ``data_format`` with a
    dynamic time axis: any length, trailing all-NaN steps marking the end of
    a shorter sequence, as ``predict`` reads them (token ids: ``(n, T)`` of
    any ``T``, padded with 0).

    Parameters
    ----------
    estimator : estimator
        A fitted skdl classifier or regressor.
    X_sample : array-like, list of sequences or None, default=None
        A few samples, for the input's shape and dtype (integers: int64 token
        ids); a list of sequences of different lengths is padded as the
        estimator pads it. None: float32 rows of ``n_features_in_`` columns,
        or the 3-D sequences a recurrent model was fitted on.
    zipmap : bool or "columns", default=False
        skl2onnx's option for classifiers: False outputs the probabilities
        as an ``(N, n_classes)`` tensor; True as a list of dicts (skl2onnx's
        default); "columns" as one output per class.
    target_opset : int or None, default=None
        ONNX opset of the model (13 or later); None: the latest skl2onnx
        was tested with.

    Returns
    -------
    model : onnx.ModelProto
        The ONNX model; ``model.SerializeToString()`` is the file content.

    Raises
    ------
    ImportError
        Without onnx and skl2onnx (``pip install "skdl[onnx]"``).

    Examples
    --------
    Served with onnxruntime::

        import onnxruntime as ort
        from skdl import to_onnx

        model = to_onnx(clf, X[:1])
        session = ort.InferenceSession(model.SerializeToString())
        label, proba = session.run(None, {"X": X.astype("float32")})
    """
    return _converters().to_onnx(estimator, X_sample, zipmap=zipmap, target_opset=target_opset)


def register():
    """Register skdl's classifiers and regressors with skl2onnx.

    After this call ``skl2onnx.to_onnx`` converts pipelines with skdl
    estimators in them, for instance
    ``make_pipeline(StandardScaler(), MLPClassifier())``. Calling it again
    does nothing new.

    Examples
    --------
    ::

        import skl2onnx
        import skdl.onnx

        skdl.onnx.register()
        onx = skl2onnx.to_onnx(pipeline, X[:1].astype("float32"))
    """
    _converters().register()
