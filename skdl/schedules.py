r"""Learning-rate schedules: the step size of every epoch, defined in one place.

A schedule is a parameter of the estimators (``learning_rate=``): the
strings ``"constant"``, ``"invscaling"`` and ``"adaptive"`` keep
scikit-learn's meaning, and the objects of this module add the schedules of
deep-learning practice::

    MLPClassifier(solver="sgd", learning_rate=StepDecay(step_size=10, factor=0.5))
    MLPClassifier(learning_rate=CosineAnnealing(warmup=5))
    MLPClassifier(learning_rate=ReduceOnPlateau(factor=0.1, patience=5))

The training loop asks the schedule for the rate at the start of every epoch
and hands that number to the optimizer, which sees only a rate. An object
passed as ``learning_rate`` is a specification that fitting never modifies:
:meth:`LearningRateSchedule.start` returns a running copy that holds the
current rate (``rate_``) and lives with the fitted estimator, beside the
optimizer, so that ``warm_start`` and ``partial_fit`` continue it.

With :math:`\eta_0` = ``learning_rate_init`` and :math:`e` the number of
epochs run since the schedule started (from 0):

========================  =====================================================================
schedule                  rate of epoch :math:`e`
========================  =====================================================================
``"constant"``            :math:`\eta_0`
``"invscaling"``          :math:`\eta_0 / (t + 1)^{p}`, :math:`t` = samples seen before the epoch
``"adaptive"``            :math:`\eta_0`, divided by 5 each time training stops improving
:class:`StepDecay`        :math:`\eta_0 \gamma^{\lfloor e / s \rfloor}`
:class:`CosineAnnealing`  linear warm-up, then
                          :math:`\eta_{min} + \frac{1}{2}(\eta_0 - \eta_{min})(1 + \cos \pi u)`
:class:`ReduceOnPlateau`  multiplied by ``factor`` after ``patience`` epochs without improvement
========================  =====================================================================

scikit-learn's three schedules apply to ``"sgd"`` (and here also to
``"adagrad"`` and ``"rmsprop"``); ``"adam"`` and ``"swats"`` ignore them, as
scikit-learn's Adam does. The schedule objects apply to every stochastic
solver.
"""

import copy
import inspect
import math
import numbers

from .utils.validation import Interval, Options, validate_params

__all__ = [
    "Adaptive",
    "Constant",
    "CosineAnnealing",
    "InvScaling",
    "LearningRateSchedule",
    "ReduceOnPlateau",
    "StepDecay",
    "make_schedule",
]


class LearningRateSchedule:
    """Base class: a schedule's parameters and the three moments it can act.

    A subclass declares its parameters in ``__init__`` (stored unchanged, as
    scikit-learn's estimators do, so ``get_params``, ``set_params``,
    ``clone`` and grid searches over ``learning_rate__<name>`` work) and
    overrides the hooks it needs. The hooks run on the copy returned by
    :meth:`start`, never on the estimator's parameter.

    Attributes
    ----------
    rate_ : float
        The current rate (on a started copy).
    learning_rate_init_ : float
        :math:`\\eta_0` of the run (on a started copy).
    max_iter_ : int
        The estimator's ``max_iter`` (on a started copy).
    first_epoch_ : int
        The estimator's epoch count when the schedule started: epochs are
        counted from there.
    """

    _parameter_constraints = {}

    #: Whether ``"adam"`` and ``"swats"`` ignore the schedule (scikit-learn's three).
    ignored_by_adam = False

    # ------------------------------------------------------------ parameters
    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(name for name in signature.parameters if name != "self")

    def get_params(self, deep=True):
        """The schedule's parameters, as scikit-learn's estimators give theirs.

        Parameters
        ----------
        deep : bool, default=True
            Unused (a schedule has no nested objects); kept for scikit-learn.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set parameters (what ``estimator.set_params(learning_rate__factor=...)`` calls).

        Parameters
        ----------
        **params : dict
            New values of existing parameters.

        Returns
        -------
        self : LearningRateSchedule
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for {type(self).__name__}; "
                                 f"valid parameters are {valid}.")
            setattr(self, name, value)
        return self

    def __repr__(self):
        args = ", ".join(f"{name}={value!r}" for name, value in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        # Equal parameters make the same schedule: a warm start keeps it running.
        return type(self) is type(other) and self.get_params() == other.get_params()

    __hash__ = None

    # ------------------------------------------------------------------- run
    def start(self, learning_rate_init, max_iter, first_epoch=0):
        """A running copy of this schedule, at :math:`\\eta_0`.

        Parameters
        ----------
        learning_rate_init : float
            The initial rate :math:`\\eta_0`.
        max_iter : int
            The estimator's ``max_iter`` (the default cosine period).
        first_epoch : int, default=0
            The estimator's epoch count now; :meth:`begin_epoch` counts from it.

        Returns
        -------
        running : LearningRateSchedule
            A copy with ``rate_`` and the counters of the run; ``self`` is unchanged.
        """
        validate_params(self)
        running = copy.copy(self)
        running.learning_rate_init_ = float(learning_rate_init)
        running.max_iter_ = int(max_iter)
        running.first_epoch_ = int(first_epoch)
        running.rate_ = float(learning_rate_init)
        running._prepare_run()
        return running

    def _prepare_run(self):
        """Set up the counters of a run and check what needs ``max_iter``; raise ValueError."""

    def begin_epoch(self, epoch):
        """The rate of the epoch about to run.

        Parameters
        ----------
        epoch : int
            The estimator's epoch count (epochs run before this one, over all fits).

        Returns
        -------
        rate : float
        """
        return self.rate_

    def end_epoch(self, samples_seen, improved):
        """After an epoch: update the rate from the training record.

        Parameters
        ----------
        samples_seen : int
            Training samples seen so far, over all fits (``t_``).
        improved : bool or None
            Whether the epoch improved the monitored quantity (the validation
            score with early stopping, else the training loss) by at least
            ``tol``; None when nothing is monitored.
        """

    def stalled(self, message, verbose):
        """Training has not improved for ``n_iter_no_change`` epochs: stop, or lower the rate.

        Parameters
        ----------
        message : str
            Why training stopped improving; printed when ``verbose``.
        verbose : bool
            Whether to print ``message`` and the decision.

        Returns
        -------
        stop : bool
            True to stop training (the default), False to go on.
        """
        if verbose:
            print(message + " Stopping.")
        return True


class Constant(LearningRateSchedule):
    """``learning_rate="constant"``: :math:`\\eta_0` throughout (scikit-learn's)."""

    ignored_by_adam = True

    def __init__(self):
        pass


class InvScaling(LearningRateSchedule):
    r"""``learning_rate="invscaling"``: :math:`\eta = \eta_0 / (t + 1)^{p}` (scikit-learn's).

    After each epoch the rate becomes :math:`\eta_0 / (t + 1)^p`, where
    :math:`t` counts the training samples seen so far; the first epoch runs
    at :math:`\eta_0`.

    Parameters
    ----------
    power_t : float, default=0.5
        The exponent :math:`p` (the estimator's ``power_t``).
    """

    ignored_by_adam = True
    _parameter_constraints = {"power_t": [Interval(numbers.Real, 0, None, closed="left")]}

    def __init__(self, power_t=0.5):
        self.power_t = power_t

    def end_epoch(self, samples_seen, improved):
        self.rate_ = self.learning_rate_init_ / (samples_seen + 1) ** self.power_t


class Adaptive(LearningRateSchedule):
    """``learning_rate="adaptive"``: :math:`\\eta_0` until training stalls, then divided by 5.

    Where training would stop (``n_iter_no_change`` epochs without
    improvement, see the estimator's ``tol``), the rate is divided by 5 and
    training goes on; it stops once the rate is at most ``1e-6``. This is
    scikit-learn's MLP schedule.
    """

    ignored_by_adam = True

    def __init__(self):
        pass

    def stalled(self, message, verbose):
        if self.rate_ <= 1e-6:
            if verbose:
                print(message + " Learning rate too small. Stopping.")
            return True
        self.rate_ /= 5.0
        if verbose:
            print(message + f" Setting learning rate to {self.rate_:f}")
        return False


class StepDecay(LearningRateSchedule):
    r"""Multiply the rate by ``factor`` every ``step_size`` epochs.

    .. math::

        \eta_e = \eta_0 \, \gamma^{\lfloor e / s \rfloor}

    with :math:`\gamma` = ``factor`` and :math:`s` = ``step_size``: PyTorch's
    ``StepLR`` stepped once per epoch.

    Parameters
    ----------
    step_size : int, default=10
        Epochs between two decays.
    factor : float in (0, 1], default=0.5
        Multiplier :math:`\gamma` of each decay.

    Examples
    --------
    >>> from skdl.schedules import StepDecay
    >>> schedule = StepDecay(step_size=2, factor=0.5).start(0.1, max_iter=6)
    >>> [schedule.begin_epoch(e) for e in range(6)]
    [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    """

    _parameter_constraints = {
        "step_size": [Interval(numbers.Integral, 1, None)],
        "factor": [Interval(numbers.Real, 0, 1, closed="right")],
    }

    def __init__(self, step_size=10, factor=0.5):
        self.step_size = step_size
        self.factor = factor

    def begin_epoch(self, epoch):
        decays = (epoch - self.first_epoch_) // self.step_size
        self.rate_ = self.learning_rate_init_ * self.factor ** decays
        return self.rate_


class CosineAnnealing(LearningRateSchedule):
    r"""Linear warm-up, then a half cosine from :math:`\eta_0` down to ``min_rate``.

    With :math:`W` = ``warmup`` and :math:`P` = ``period`` epochs,

    .. math::

        \eta_e = \begin{cases}
            \eta_0 \, \dfrac{e + 1}{W} & e < W, \\[1ex]
            \eta_{min} + \tfrac{1}{2}(\eta_0 - \eta_{min})
                \left(1 + \cos \dfrac{\pi (e - W)}{P - W}\right) & W \le e < P, \\[1ex]
            \eta_{min} & e \ge P.
        \end{cases}

    Without warm-up this is PyTorch's ``CosineAnnealingLR`` with
    ``T_max = period`` stepped once per epoch (Loshchilov & Hutter, 2017, a
    single cycle); after the period the rate stays at ``min_rate``. The
    warm-up starts small steps while Adam's moment estimates and batch
    statistics settle (Goyal et al., 2017).

    Parameters
    ----------
    period : int or None, default=None
        Epochs :math:`P` from the start to the end of the decay, warm-up
        included; None uses the estimator's ``max_iter``.
    warmup : int, default=0
        Epochs :math:`W` of linear warm-up; must be less than the period.
    min_rate : float, default=0.0
        The final rate :math:`\eta_{min}`.

    Examples
    --------
    >>> from skdl.schedules import CosineAnnealing
    >>> schedule = CosineAnnealing(warmup=2).start(0.1, max_iter=6)
    >>> [round(schedule.begin_epoch(e), 4) for e in range(7)]
    [0.05, 0.1, 0.1, 0.0854, 0.05, 0.0146, 0.0]
    """

    _parameter_constraints = {
        "period": [Options(None), Interval(numbers.Integral, 1, None)],
        "warmup": [Interval(numbers.Integral, 0, None)],
        "min_rate": [Interval(numbers.Real, 0, None, closed="left")],
    }

    def __init__(self, period=None, warmup=0, min_rate=0.0):
        self.period = period
        self.warmup = warmup
        self.min_rate = min_rate

    def _period(self):
        return self.max_iter_ if self.period is None else self.period

    def _prepare_run(self):
        if self.warmup >= self._period():
            raise ValueError(f"CosineAnnealing: warmup={self.warmup} must be less than the "
                             f"period ({self._period()} epochs).")

    def begin_epoch(self, epoch):
        e = epoch - self.first_epoch_
        if e < self.warmup:
            self.rate_ = self.learning_rate_init_ * (e + 1) / self.warmup
            return self.rate_
        progress = min(1.0, (e - self.warmup) / (self._period() - self.warmup))
        span = self.learning_rate_init_ - self.min_rate
        self.rate_ = self.min_rate + 0.5 * span * (1.0 + math.cos(math.pi * progress))
        return self.rate_


class ReduceOnPlateau(LearningRateSchedule):
    r"""Multiply the rate by ``factor`` when training stops improving for ``patience`` epochs.

    An epoch improves when the quantity that early stopping watches gets
    better by at least the estimator's ``tol`` (the validation score with
    ``early_stopping=True``, the training loss otherwise). After more than
    ``patience`` epochs in a row without improvement,

    .. math::

        \eta \leftarrow \max(\gamma \eta, \eta_{min}),

    and the count starts again (PyTorch's ``ReduceLROnPlateau`` with an
    absolute threshold and no cooldown, Keras's ``ReduceLROnPlateau``).
    Training still stops after ``n_iter_no_change`` epochs without
    improvement, so ``patience`` should be smaller than ``n_iter_no_change``.

    Parameters
    ----------
    factor : float in (0, 1), default=0.1
        Multiplier :math:`\gamma` of each reduction.
    patience : int, default=5
        Epochs without improvement tolerated before a reduction.
    min_rate : float, default=0.0
        Lower bound :math:`\eta_{min}` of the rate.

    Examples
    --------
    >>> from skdl.schedules import ReduceOnPlateau
    >>> schedule = ReduceOnPlateau(factor=0.5, patience=1).start(0.1, max_iter=10)
    >>> rates = []
    >>> for improved in [True, False, False, True, False, False, False]:
    ...     rates.append(schedule.begin_epoch(len(rates)))
    ...     schedule.end_epoch(0, improved)
    >>> rates
    [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]
    """

    _parameter_constraints = {
        "factor": [Interval(numbers.Real, 0, 1, closed="neither")],
        "patience": [Interval(numbers.Integral, 0, None)],
        "min_rate": [Interval(numbers.Real, 0, None, closed="left")],
    }

    def __init__(self, factor=0.1, patience=5, min_rate=0.0):
        self.factor = factor
        self.patience = patience
        self.min_rate = min_rate

    def _prepare_run(self):
        self.bad_epochs_ = 0

    def end_epoch(self, samples_seen, improved):
        if improved is None:
            return
        self.bad_epochs_ = 0 if improved else self.bad_epochs_ + 1
        if self.bad_epochs_ > self.patience:
            self.rate_ = max(self.rate_ * self.factor, self.min_rate)
            self.bad_epochs_ = 0


#: scikit-learn's names of its three schedules.
SKLEARN_SCHEDULES = ("constant", "invscaling", "adaptive")


def make_schedule(learning_rate, *, power_t, solver):
    """The schedule an estimator's parameters ask for (not started).

    Parameters
    ----------
    learning_rate : {"constant", "invscaling", "adaptive"} or LearningRateSchedule
        The estimator's ``learning_rate``.
    power_t : float
        The estimator's ``power_t`` (for ``"invscaling"``).
    solver : str
        The estimator's ``solver``: ``"adam"`` and ``"swats"`` ignore
        scikit-learn's three schedules, as scikit-learn's Adam does.

    Returns
    -------
    schedule : LearningRateSchedule
        ``learning_rate`` itself when it is a schedule object (to be started,
        which copies it), else the schedule named by the string.
    """
    if isinstance(learning_rate, str):
        learning_rate = {"constant": Constant(), "invscaling": InvScaling(power_t),
                         "adaptive": Adaptive()}[learning_rate]
    if learning_rate.ignored_by_adam and solver in ("adam", "swats"):
        return Constant()
    return learning_rate
