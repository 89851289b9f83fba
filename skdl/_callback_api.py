"""scikit-learn's callback API (``sklearn.callback``, scikit-learn 1.9+) for skdl's estimators.

scikit-learn 1.9 describes a fit as a tree of tasks. Callbacks such as
``sklearn.callback.ProgressBar`` and ``ScoringMonitor`` are attached with
``estimator.set_callbacks(...)`` (or to a ``GridSearchCV`` or ``Pipeline``,
which propagates them to the estimators inside) and are called at the
beginning and end of every task. For an skdl estimator::

    fit (or partial_fit)            one task, max_subtasks = max_iter (1 for partial_fit)
      epoch 0, epoch 1, ...         one subtask per epoch ("iteration" with L-BFGS)

When an epoch ends, a callback that asks for ``fitted_estimator`` gets a copy
of the estimator whose network is a *copy* of the network being trained, made
only then (the hook arguments are evaluated lazily): the snapshot can be
scored, kept or pickled while training goes on, and never changes with it.
A callback that returns True from ``on_fit_task_end`` stops training after
that epoch, like early stopping.

With scikit-learn 1.6-1.8 there is no ``sklearn.callback``: the estimators
then have no ``set_callbacks`` and fit exactly as before.
"""

from .callbacks import Callback

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:   # scikit-learn < 1.9: no callback API
    AVAILABLE = False

    class CallbackSupportMixin:
        """Stands in for ``sklearn.callback.CallbackSupportMixin`` where it does not exist."""

    def with_callbacks(method):
        """Stands in for ``sklearn.callback.with_callbacks``: the method, unchanged."""
        return method
else:
    AVAILABLE = True

__all__ = ["AVAILABLE", "CallbackSupportMixin", "FitTasks", "start_fit_tasks", "with_callbacks"]


class FitTasks(Callback):
    """A fit and its epochs as tasks of scikit-learn's callback API.

    Made when training starts (the data are valid by then): it opens the
    fit's task, then the training loop's hooks open and close one subtask
    per epoch; :meth:`finish` closes the fit's task once the fitted
    attributes are set. The teardown of the callbacks is the job of
    ``with_callbacks`` around ``fit`` and ``partial_fit``.

    Parameters
    ----------
    estimator : BaseNeuralEstimator
        The estimator being fitted.
    X, y : array-like
        The training data as the user passed them (what a callback scores).
    sample_weight : array-like or None
        Passed to the callbacks as metadata.
    task_name : {"fit", "partial_fit"}
        Name of the fit's task.
    subtask_name : {"epoch", "iteration"}
        Name of each subtask.
    max_subtasks : int
        Epochs this fit may run.
    snapshot : callable
        ``snapshot() -> dict`` of fitted attributes with a copy of the
        network; called only when a callback needs ``fitted_estimator``.
    """

    def __init__(self, estimator, X, y, sample_weight, *, task_name, subtask_name,
                 max_subtasks, snapshot):
        self.estimator = estimator
        self.X, self.y = X, y
        self.metadata = {} if sample_weight is None else {"sample_weight": sample_weight}
        self.subtask_name = subtask_name
        self.snapshot = snapshot
        self.context = estimator._init_callback_context(task_name=task_name,
                                                        max_subtasks=max_subtasks)
        self.context.call_on_fit_task_begin(**self._arguments())
        self._epoch = None

    def _arguments(self):
        return {"estimator": self.estimator, "X": self.X, "y": self.y, "metadata": self.metadata}

    def on_epoch_begin(self, log):
        self._epoch = self.context.subcontext(task_name=self.subtask_name)
        self._epoch.call_on_fit_task_begin(**self._arguments())

    def on_epoch_end(self, log):
        # A callable: scikit-learn calls it only if a hook asks for fitted_estimator.
        return self._epoch.call_on_fit_task_end(**self._arguments(),
                                                reconstruction_attributes=self.snapshot)

    def finish(self):
        """Close the fit's task; the estimator itself is the fitted estimator now."""
        self.context.call_on_fit_task_end(**self._arguments(), reconstruction_attributes={})


def start_fit_tasks(estimator, X, y, sample_weight, *, incremental, max_iter, lbfgs):
    """The :class:`FitTasks` of a fit, or None where scikit-learn has no callback API.

    Parameters
    ----------
    estimator : BaseNeuralEstimator
    X, y, sample_weight : array-like
        The fit's arguments, as the user passed them.
    incremental : bool
        A ``partial_fit`` call (one epoch).
    max_iter : int
        The estimator's ``max_iter``.
    lbfgs : bool
        Whether the solver is L-BFGS (subtasks are its iterations).

    Returns
    -------
    tasks : FitTasks or None
        None without the API, or when the estimator has no callbacks and no
        meta-estimator passed it a context (then no one could observe the
        tasks, and skipping them saves their bookkeeping in every epoch).
    """
    if not AVAILABLE:
        return None
    if not getattr(estimator, "_skl_callbacks", None) and \
            not hasattr(estimator, "_parent_callback_ctx"):
        return None     # no callback here, no meta-estimator above: nobody to report to
    return FitTasks(estimator, X, y, sample_weight,
                    task_name="partial_fit" if incremental else "fit",
                    subtask_name="iteration" if lbfgs else "epoch",
                    max_subtasks=1 if incremental else max_iter,
                    snapshot=estimator._fitted_snapshot)
