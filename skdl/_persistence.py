"""Saved models record the skdl version that wrote them; loading under another one warns.

Pickles, ``joblib`` files and skops files all store an estimator through
``__getstate__`` and rebuild it through ``__setstate__`` (skops calls them
too), so one mixin covers the three: it adds ``_skdl_version`` to the state
and, on loading, compares it with the running version and warns with
:class:`skdl.exceptions.InconsistentVersionWarning`, as scikit-learn does for
its own estimators. Weights files (:mod:`skdl._weights`) record the version
in their header and warn through :func:`check_version` too.
"""

import warnings

from . import _version
from .exceptions import InconsistentVersionWarning

#: Key of the skdl version in a pickled state.
VERSION_KEY = "_skdl_version"

#: Version reported for states saved before skdl recorded its version.
UNKNOWN_VERSION = "unknown"


def check_version(original_version, estimator_name):
    """Warn when a model saved by skdl ``original_version`` is loaded by another version.

    Parameters
    ----------
    original_version : str
        The version recorded in the saved model.
    estimator_name : str
        The class name of the model, for the message.
    """
    current = _version.__version__
    if original_version != current:
        warnings.warn(InconsistentVersionWarning(
            estimator_name=estimator_name, current_skdl_version=current,
            original_skdl_version=original_version), stacklevel=3)


class VersionedState:
    """Mixin: tag the pickled state with the skdl version and check it when loading.

    Put it before ``BaseEstimator`` in the bases, so that it wraps
    scikit-learn's own ``__getstate__``/``__setstate__``.
    """

    def __getstate__(self):
        # A new dict: the default state may be the instance's own __dict__.
        return dict(super().__getstate__(), **{VERSION_KEY: _version.__version__})

    def __setstate__(self, state):
        state = dict(state)
        check_version(state.pop(VERSION_KEY, UNKNOWN_VERSION), type(self).__name__)
        super().__setstate__(state)
