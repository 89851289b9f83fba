"""Warnings and errors specific to skdl."""

__all__ = ["InconsistentVersionWarning"]


class InconsistentVersionWarning(UserWarning):
    """A model saved by one version of skdl is loaded by another.

    Raised when a pickle, a ``joblib`` file, a skops file or a weights file
    (:meth:`~skdl.MLPClassifier.save_weights`) written by another skdl
    version is loaded: the layers' arithmetic or the meaning of a fitted
    attribute may have changed between the two versions, so the loaded model
    may not predict what it predicted when it was saved. It mirrors
    scikit-learn's ``sklearn.exceptions.InconsistentVersionWarning``, which
    scikit-learn raises for its own version (for instance for the
    ``LabelBinarizer`` inside a classifier).

    Parameters
    ----------
    estimator_name : str
        Class name of the loaded estimator.
    current_skdl_version : str
        The running skdl version.
    original_skdl_version : str
        The version that saved the model (``"unknown"`` for files written
        before skdl recorded its version).

    Examples
    --------
    >>> import warnings
    >>> from skdl.exceptions import InconsistentVersionWarning
    >>> warning = InconsistentVersionWarning(estimator_name="MLPClassifier",
    ...     current_skdl_version="0.2.0", original_skdl_version="0.1.0")
    >>> print(warning)                                   # doctest: +ELLIPSIS
    Loading MLPClassifier saved by skdl 0.1.0 with skdl 0.2.0: ...
    """

    def __init__(self, *, estimator_name, current_skdl_version, original_skdl_version):
        self.estimator_name = estimator_name
        self.current_skdl_version = current_skdl_version
        self.original_skdl_version = original_skdl_version

    def __str__(self):
        return (f"Loading {self.estimator_name} saved by skdl {self.original_skdl_version} "
                f"with skdl {self.current_skdl_version}: it may predict differently or fail. "
                "Check its predictions on known data, or retrain it with this version.")
