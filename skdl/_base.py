"""Base classes of the neural estimators: parameters, ``fit`` and prediction.

A concrete estimator writes little more than ``_build_network``: the layers
between the input and the logits. Everything else is here:

``fit`` -> validate parameters -> validate data -> encode targets ->
build the network (first fit) -> :mod:`skdl._training` -> fitted attributes.

Prediction: ``check_is_fitted`` -> ``validate_data(reset=False)`` ->
``network_.forward`` (chunked, pure) -> output activation.
"""

import copy
import numbers
import warnings
from collections import namedtuple

import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import accuracy_score, check_scoring, get_scorer, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from .activations import log_logistic, log_softmax, logistic, softmax
from .callbacks import EarlyStopping, History, ProgressBar, ProgressLogger, SwitchRecorder
from .layers import Dense
from .losses import LOSSES, OUTPUT_ACTIVATION, output_activation
from .network import Sequential
from .optimizers import make_optimizer
from .schedules import SKLEARN_SCHEDULES, LearningRateSchedule, make_schedule
from ._callback_api import CallbackSupportMixin, start_fit_tasks, with_callbacks
from ._training import Trainer, stop_on_interrupt, train_lbfgs, train_stochastic
from ._weights import WeightsMixin
from .utils.validation import (
    BOOLEAN,
    Callable,
    Dtype,
    InstanceOf,
    Interval,
    Options,
    check_sample_weight,
    make_generator,
    validate_params,
)

SOLVERS = ("sgd", "adam", "lbfgs", "adagrad", "rmsprop", "swats")

#: Parameters of the optimizer and of the learning-rate schedule: changing
#: one of them between warm-started fits starts a fresh optimizer (schedule);
#: otherwise its state carries over.
_OPTIMIZER_PARAMS = ("solver", "momentum", "nesterovs_momentum", "beta_1", "beta_2",
                     "epsilon", "rho")
_SCHEDULE_PARAMS = ("solver", "learning_rate", "learning_rate_init", "power_t", "max_iter")

#: Attributes that are not results of a fit (scikit-learn's callbacks and
#: metadata requests): resetting an estimator to unfitted keeps them.
_NOT_FITTED_STATE = ("_skl_callbacks", "_callback_fit_ctx", "_skl_callbacks_to_teardown",
                     "_parent_callback_ctx", "_metadata_request")


#: Rows of a fit: inputs, encoded targets, targets as given, sample weights.
Data = namedtuple("Data", "X Y y sample_weight")


def _labels(labels):
    """Class labels as the user wrote them, for messages: ``['a', 'b']``, ``[0, 1]``.

    (A NumPy array's repr would say ``array([...])`` and its scalars
    ``np.int64(1)``.)
    """
    return repr(np.asarray(labels).tolist())


def _same_labels(a, b):
    """Whether two label arrays hold the same labels in the same order.

    (Compared as Python lists: ``np.array_equal`` of strings and numbers warns
    in older NumPy.)
    """
    return np.asarray(a).tolist() == np.asarray(b).tolist()


def _stochastic_solver(estimator):
    """``partial_fit`` exists only for mini-batch solvers (as in scikit-learn)."""
    if estimator.solver == "lbfgs":
        raise AttributeError(f"partial_fit is not available for solver={estimator.solver!r}; "
                             "use a stochastic solver such as 'sgd' or 'adam'.")
    return True


#: The training parameters every neural estimator shares, with their
#: defaults: scikit-learn's ``MLPClassifier`` names, defaults and meanings,
#: plus ``rho``, ``dtype`` and ``scoring``. The one source of these defaults (their docs
#: are in :mod:`skdl._docs`); each estimator's explicit signature repeats
#: them, as scikit-learn's ``get_params`` requires, and a test keeps every
#: signature in step with this dict (``_default_overrides`` lists the
#: deliberate differences, such as the linear models' ``solver``).
TRAINING_DEFAULTS = {
    "solver": "adam", "alpha": 0.0001, "batch_size": "auto", "learning_rate": "constant",
    "learning_rate_init": 0.001, "power_t": 0.5, "max_iter": 200, "shuffle": True,
    "random_state": None, "tol": 1e-4, "verbose": False, "warm_start": False,
    "momentum": 0.9, "nesterovs_momentum": True, "early_stopping": False,
    "validation_fraction": 0.1, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
    "n_iter_no_change": 10, "max_fun": 15000, "rho": 0.9, "dtype": None, "scoring": None,
}


def on_mini_batches(solver, batch_size, n_samples):
    """Whether a fit of ``n_samples`` draws several random mini-batches an epoch.

    L-BFGS and a training set no larger than one batch (``batch_size="auto"``
    is 200 rows) are full-batch: deterministic gradient descent on the whole
    data. ``dtype="auto"`` trains in float32 only on mini-batches: their
    random draw already moves the model far more than float32 rounding,
    while a full-batch fit keeps float64's exactness (a weighted sample
    equals repeated ones to 1e-7, as scikit-learn checks).
    """
    if solver == "lbfgs":
        return False
    return n_samples > (200 if batch_size == "auto" else batch_size)


def store_params(estimator, arguments):
    """Keep every constructor argument as an attribute, unchanged (scikit-learn's rule).

    Each estimator's ``__init__`` is ``store_params(self, locals())``: the
    signature is the contract, and validation happens in ``fit``.
    """
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class BaseNeuralEstimator(CallbackSupportMixin, WeightsMixin, BaseEstimator):
    """Shared training parameters and the fit/predict machinery.

    The parameters have the names, defaults and meanings of scikit-learn's
    ``MLPClassifier`` (:data:`TRAINING_DEFAULTS`); ``rho``, ``dtype`` and
    ``scoring`` are additions (see the subclasses' docstrings for the full
    list). With scikit-learn 1.9+, ``set_callbacks`` attaches scikit-learn's
    callbacks (see :mod:`skdl._callback_api`).
    """

    #: Defaults of this estimator that differ from :data:`TRAINING_DEFAULTS`.
    _default_overrides = {}

    _parameter_constraints = {
        "solver": [Options(*SOLVERS)],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "batch_size": [Options("auto"), Interval(numbers.Integral, 1, None)],
        "learning_rate": [Options(*SKLEARN_SCHEDULES),
                          InstanceOf(LearningRateSchedule,
                                     description="a skdl.schedules.LearningRateSchedule")],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "power_t": [Interval(numbers.Real, 0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None)],
        "shuffle": [BOOLEAN],
        "random_state": [Options(None), Interval(numbers.Integral, 0, 2**32 - 1),
                         InstanceOf(np.random.RandomState, np.random.Generator)],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "verbose": [BOOLEAN, Interval(numbers.Integral, 0, None)],
        "warm_start": [BOOLEAN],
        "momentum": [Interval(numbers.Real, 0, 1)],
        "nesterovs_momentum": [BOOLEAN],
        "early_stopping": [BOOLEAN],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "beta_1": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_2": [Interval(numbers.Real, 0, 1, closed="left")],
        "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None), Options(np.inf)],
        "max_fun": [Interval(numbers.Integral, 1, None)],
        "rho": [Interval(numbers.Real, 0, 1, closed="left")],
        "dtype": [Options(None, "auto"), Dtype()],
        "scoring": [Options(None), InstanceOf(str, description="a str"), Callable()],
    }

    #: Whether ``X`` may be a SciPy sparse matrix or array (CSR, CSC, ...): the
    #: estimators whose first layer is a Dense layer, which multiplies the
    #: sparse rows directly (:class:`skdl.layers.Dense`). Never densified.
    _accepts_sparse = False

    #: Gradient-norm clipping threshold of the stochastic solvers (None: off).
    #: Estimators with a ``clip_norm`` parameter override it with a property.
    _clip_norm = None

    # ----------------------------------------------------------------- hooks
    def _build_network(self, n_features, n_outputs):
        """The layers from the input to the logits (a list of Layer)."""
        raise NotImplementedError

    def _check_params(self):
        """Model-specific parameter checks beyond the declared constraints."""

    def _make_input_adapter(self):
        """The adapter of the user's ``X`` (see :mod:`skdl._inputs`); None for tables."""
        return None

    def _prepare_input(self, X, reset):
        """Turn the user's ``X`` into the 2-D array that ``validate_data`` checks.

        Estimators that accept N-D inputs (images, sequences) flatten them
        with an input adapter and let the first layer of the network restore
        the shape, so that pipelines, ``n_features_in_`` and the estimator
        checks see 2-D data. ``reset`` is True in a first fit, which makes a
        new adapter; later calls only read it.
        """
        if scipy.sparse.issparse(X) and not self._accepts_sparse:
            raise TypeError(
                f"Sparse data was passed for X, but {type(self).__name__} needs dense "
                "data (only the linear models and MLPs accept sparse input). Use "
                "X.toarray() to convert to a dense numpy array.")
        if reset:
            self._input = self._make_input_adapter()
            return X if self._input is None else self._input.fit(X)
        return X if self._input is None else self._input.transform(X)

    # ------------------------------------------------------------------- fit
    @with_callbacks
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Fit the model to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; the loss is their weighted mean.
        X_val : array-like of shape (n_val, n_features), default=None
            Validation data for early stopping (needs ``early_stopping=True``),
            used instead of holding out ``validation_fraction`` of ``X``. In a
            ``Pipeline``, ``X_val`` is transformed like ``X`` with
            ``Pipeline(..., transform_input=["X_val"])`` (metadata routing).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples in the validation score and loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False,
                         validation=(X_val, y_val, sample_weight_val))

    def _fit(self, X, y, sample_weight, *, incremental, classes=None,
             validation=(None, None, None)):
        validate_params(self)
        self._check_params()
        self._check_training_request(incremental, *validation)
        first = not (hasattr(self, "network_") and (incremental or self.warm_start))
        given = (X, y, sample_weight)        # what scikit-learn's callbacks see
        X, y = self._validate_training_data(X, y, reset=first)
        Y = self._encode_targets(y, first=first, incremental=incremental, classes=classes)
        sample_weight = self._training_sample_weight(sample_weight, y, X.shape[0])
        if first:
            self._initialize(X, Y)
        self._history.first_epoch_of_fit = self._history.n_iter
        try:
            # After the network: input adapters resolve their shapes when it is built.
            held_out = self._validation_set(*validation, n_outputs=Y.shape[1])
        except Exception:
            if first:
                self._forget_fit()      # a first fit that fails leaves no model behind
            raise
        data = self._in_network_dtype(Data(X, Y, y, sample_weight))
        held_out = None if held_out is None else self._in_network_dtype(held_out)
        tasks = start_fit_tasks(self, *given, incremental=incremental, max_iter=self.max_iter,
                                lbfgs=self.solver == "lbfgs")
        extra = [] if tasks is None else [tasks]
        with stop_on_interrupt() as interrupt:
            try:
                if self.solver == "lbfgs":
                    self.loss_ = train_lbfgs(
                        self._trainer(data.sample_weight), data.X, data.Y, data.sample_weight,
                        history=self._history, max_iter=self.max_iter, max_fun=self.max_fun,
                        tol=self.tol, callbacks=self._progress_callbacks() + extra,
                        verbose=bool(self.verbose), interrupt=interrupt)
                else:
                    self._train_stochastic(data, held_out, incremental, interrupt, extra)
            except KeyboardInterrupt:
                # A second Ctrl-C stops wherever the fit is, possibly inside an
                # update: the weights cannot be trusted, so the model is reset.
                self._forget_fit()
                raise
        self._set_fitted_attributes()
        if tasks is not None:
            tasks.finish()
        return self

    def _trainer(self, sample_weight):
        """This fit's gradients, caches and objective, weighted by its training set."""
        return Trainer(self.network_, LOSSES[self._loss_name], self.alpha, sample_weight)

    def _check_training_request(self, incremental, X_val, y_val, sample_weight_val):
        """What the declared constraints cannot say: scorer names, schedules, validation data.

        The rules for ``X_val``/``y_val`` are HistGradientBoosting's (1.9).
        """
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        if isinstance(self.learning_rate, LearningRateSchedule):
            validate_params(self.learning_rate)
        if isinstance(self.scoring, str) and self.scoring != "loss":
            get_scorer(self.scoring)       # a clear ValueError for an unknown name
        if X_val is None and y_val is None:
            if sample_weight_val is not None:
                raise ValueError("sample_weight_val is provided, but X_val and y_val were not.")
            return
        if y_val is None:
            raise ValueError("X_val is provided, but y_val was not provided.")
        if X_val is None:
            raise ValueError("y_val is provided, but X_val was not provided.")
        if not self.early_stopping:
            raise ValueError("X_val and y_val are passed to fit while at the same time "
                             "early_stopping is False. When passing X_val and y_val to fit, "
                             "early_stopping should be set to True.")
        if self.solver == "lbfgs":
            raise ValueError("X_val and y_val serve early stopping, which solver='lbfgs' "
                             "does not do; use a stochastic solver such as 'adam'.")

    def _validation_set(self, X_val, y_val, sample_weight_val, n_outputs):
        """The explicit validation :class:`Data`, checked against the training data, or None."""
        if X_val is None:
            return None
        X_val, y_val = self._validate_training_data(X_val, y_val, reset=False)
        Y_val = self._encode_validation_targets(y_val, n_outputs)
        sample_weight_val = check_sample_weight(sample_weight_val, X_val.shape[0], np.float64)
        return Data(X_val, Y_val, y_val, sample_weight_val)

    def _in_network_dtype(self, data):
        dtype = self.network_.dtype
        weights = None if data.sample_weight is None else data.sample_weight.astype(dtype)
        return data._replace(X=data.X.astype(dtype, copy=False),
                             Y=data.Y.astype(dtype, copy=False), sample_weight=weights)

    def _forget_fit(self):
        """Remove every fitted attribute: back to an unfitted estimator."""
        params = self.get_params(deep=False)
        for name in list(vars(self)):
            if name not in params and name not in _NOT_FITTED_STATE:
                delattr(self, name)

    def _validate_training_data(self, X, y, reset):
        X = self._prepare_input(X, reset)
        return validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32),
                             accept_sparse=self._sparse_format(),
                             multi_output=self._multi_output, y_numeric=self._y_numeric)

    def _sparse_format(self):
        """``accept_sparse`` of ``validate_data``: CSR, the format that slices rows cheaply.

        Any other sparse format (CSC, COO, ...) is converted to CSR, a copy of
        the non-zeros only.
        """
        return "csr" if self._accepts_sparse else False

    # ------------------------------------------------------------- precision
    # The dtype rule, in one place (user guide, "float32 or float64"): ``dtype`` sets
    # the training precision; prediction computes in float64 unless both the
    # input and the model are float32.
    def _compute_dtype(self, X):
        """Training precision of a first fit on the validated ``X``.

        None follows the input (scikit-learn's rule: float32 data trains in
        float32, anything else in float64); ``"auto"`` also trains float64
        data in float32 when the fit runs on mini-batches (see
        :func:`on_mini_batches`); a dtype is used as given.
        """
        if self.dtype is None:
            return X.dtype
        if isinstance(self.dtype, str) and self.dtype == "auto":
            stochastic = on_mini_batches(self.solver, self.batch_size, X.shape[0])
            return np.dtype(np.float32 if X.dtype == np.float32 or stochastic else np.float64)
        return np.dtype(self.dtype)

    def _prediction_dtype(self, X):
        """Prediction precision: float64 unless the input and the model are both float32.

        As scikit-learn's MLP (whose float32 weights meet float64 input in
        float64): a model trained in float32 predicts float64 input in
        float64, so its outputs have float64's rounding (sample-order
        invariant to about 1e-15) and dtype. Not always cheap: float64
        ``exp`` and ``tanh`` make an LSTM's float64 prediction cost about 3
        times its float32 one (docs/user_guide/precision.md).
        """
        return np.result_type(X.dtype, self.network_.dtype)

    def _initialize(self, X, Y):
        """First fit: a fresh training state, then the network."""
        self._reset_training_state()
        n_outputs = Y.shape[1]
        layers = self._build_network(X.shape[1], n_outputs)
        # The per-sample shape: 2-D rows, or the 3-D sequences of a recurrent fit.
        self.network_ = Sequential(layers).build(X.shape[1:], self._rng, self._compute_dtype(X))

    def _reset_training_state(self):
        """The generator, history and optimizer of a first fit (or of weights loaded from a file)."""
        self._rng = make_generator(self.random_state)
        self._history = History()
        self._optimizer = self._optimizer_signature = None
        self._schedule = self._schedule_signature = None

    def _kept_unless_changed(self, attribute, params, make):
        """``self.<attribute>``, made anew by ``make()`` when one of ``params`` changed.

        The optimizer and the schedule carry their state across warm starts
        and ``partial_fit`` calls; changing one of their parameters restarts them.
        """
        # Copies: a schedule object changed in place by set_params must differ.
        signature = tuple(copy.copy(getattr(self, name)) for name in params)
        current = getattr(self, attribute)
        if current is None or signature != getattr(self, attribute + "_signature"):
            setattr(self, attribute, make())
            setattr(self, attribute + "_signature", signature)
        return getattr(self, attribute)

    def _get_optimizer(self):
        """The optimizer, kept across warm starts unless its parameters changed."""
        return self._kept_unless_changed(
            "_optimizer", _OPTIMIZER_PARAMS,
            lambda: make_optimizer(self.solver, self.get_params(deep=False)))

    def _get_schedule(self):
        """The running learning-rate schedule, kept across warm starts like the optimizer."""
        def start():
            schedule = make_schedule(self.learning_rate, power_t=self.power_t, solver=self.solver)
            return schedule.start(self.learning_rate_init, self.max_iter,
                                  first_epoch=self._history.n_iter)
        return self._kept_unless_changed("_schedule", _SCHEDULE_PARAMS, start)

    def _train_stochastic(self, data, held_out, incremental, interrupt, extra):
        if held_out is None and self.early_stopping and not incremental:
            data, held_out = self._split_validation(data)
        # Batches are normalised by the weight of the rows actually trained on.
        trainer = self._trainer(data.sample_weight)
        validate = None if held_out is None else self._validation_monitor(held_out)
        callbacks = self._progress_callbacks() + [
            SwitchRecorder(),
            EarlyStopping(self.tol, self.n_iter_no_change, validate is not None,
                          bool(self.verbose)),
        ] + extra
        train_stochastic(
            trainer, data.X, data.Y, data.sample_weight, optimizer=self._get_optimizer(),
            schedule=self._get_schedule(), history=self._history, batch_size=self.batch_size,
            shuffle=self.shuffle, max_iter=self.max_iter, rng=self._rng, callbacks=callbacks,
            validate=validate, incremental=incremental, clip_norm=self._clip_norm,
            interrupt=interrupt)
        self.loss_ = self._history.loss_curve[-1]

    def _progress_callbacks(self):
        """``verbose=1``: a line per epoch; ``verbose=2``: and a live bar (stochastic solvers)."""
        if not self.verbose:
            return []
        if self.verbose >= 2 and self.solver != "lbfgs":
            bar = ProgressBar()
            return [bar, ProgressLogger(print_fn=bar.write)]
        return [ProgressLogger()]

    def _split_validation(self, data):
        """Hold out ``validation_fraction`` (stratified for classifiers) for early stopping.

        Returns
        -------
        train, held_out : Data
        """
        stratify = self._stratification_labels(data.y, data.Y)
        arrays = [array for array in data if array is not None]
        seed = int(self._rng.integers(np.iinfo(np.int32).max))
        parts = train_test_split(*arrays, test_size=self.validation_fraction,
                                 random_state=seed, stratify=stratify)
        if data.sample_weight is None:
            parts += [None, None]
        train, held_out = Data(*parts[0::2]), Data(*parts[1::2])
        if held_out.X.shape[0] < 2:
            raise ValueError("The validation set is too small. Increase "
                             "'validation_fraction' or the size of your dataset.")
        return train, held_out

    def _validation_monitor(self, held_out):
        """``validate() -> (score, loss)`` on the held-out :class:`Data`, after each epoch.

        The score is ``scoring``'s: by default accuracy or R^2 from the
        logits; ``"loss"`` is minus the validation loss; a scorer name or
        callable is called as ``scorer(estimator, X_val, y_val)`` on the
        estimator as it stands, with ``X_val`` as the network reads it (2-D rows).
        """
        loss = LOSSES[self._loss_name]
        scorer = None if self.scoring in (None, "loss") else check_scoring(self, self.scoring)
        weights = {} if held_out.sample_weight is None else {
            "sample_weight": held_out.sample_weight}

        def validate():
            logits = self.network_.forward(held_out.X)
            value = loss(held_out.Y, logits, held_out.sample_weight)[0]
            if scorer is not None:
                score = float(scorer(self._reading_prepared_rows(), held_out.X, held_out.y,
                                     **weights))
            elif self.scoring == "loss":
                score = -value
            else:
                score = self._score_logits(logits, held_out.y, held_out.sample_weight)
            return score, value

        return validate

    def _reading_prepared_rows(self):
        """A shallow copy that predicts from 2-D rows as the network reads them (no adapter)."""
        view = copy.copy(self)
        view._input = None
        view.__dict__.pop("feature_names_in_", None)
        return view

    def _stratification_labels(self, y, Y):
        """What the validation split is stratified on (None: not stratified)."""
        return None

    def _training_sample_weight(self, sample_weight, y, n_samples):
        return check_sample_weight(sample_weight, n_samples, np.float64)

    def _set_fitted_attributes(self):
        for name, value in self._fitted_attributes().items():
            setattr(self, name, value)

    def _fitted_attributes(self):
        """The fitted attributes that the training record determines (copies)."""
        history = self._history
        stochastic = self.solver != "lbfgs"
        validated = self.early_stopping and stochastic
        attributes = {
            # As in scikit-learn: the epochs (L-BFGS iterations) of this call,
            # while t_ and loss_curve_ continue across warm starts.
            "n_iter_": history.n_iter - history.first_epoch_of_fit,
            "t_": history.t,
            "loss_curve_": list(history.loss_curve),
            "n_outputs_": self.network_.output_shape[0],
            "out_activation_": OUTPUT_ACTIVATION[self._loss_name],
            "learning_rates_": list(history.learning_rates) if stochastic else None,
            "epoch_times_": list(history.epoch_times),
            "validation_scores_": list(history.validation_scores) if validated else None,
            "validation_loss_curve_": (list(history.validation_loss_curve) if validated
                                       else None),
            "best_validation_score_": history.best_validation_score if validated else None,
            "best_loss_": None if validated else history.best_loss,
        }
        if self.solver == "swats":
            attributes["switch_epoch_"] = history.switch_epoch
        return attributes

    def _fitted_snapshot(self):
        """Fitted attributes of the model as it stands, with a copy of its network.

        What scikit-learn's callbacks receive as ``fitted_estimator`` during a
        fit (set on a shallow copy of the estimator): the network is copied,
        so the snapshot never changes with the network being trained.
        """
        attributes = self._fitted_attributes()
        attributes["network_"] = copy.deepcopy(self.network_)
        attributes["loss_"] = self._history.loss_curve[-1]
        return attributes

    @property
    def _no_improvement_count(self):
        """Epochs in a row without improvement at the end of the last fit.

        The name of scikit-learn's MLP attribute, read by code written for it.
        """
        return self._history.no_improvement_count

    # ------------------------------------------------------------ prediction
    def _validated_input(self, X):
        """``X`` checked against the fit (the network casts it chunk by chunk)."""
        check_is_fitted(self)
        X = self._prepare_input(X, reset=False)
        return validate_data(self, X, reset=False, dtype=(np.float64, np.float32),
                             accept_sparse=self._sparse_format())

    def _logits(self, X):
        """Validated ``X`` through the trained network: a pure, chunked inference."""
        X = self._validated_input(X)      # first: it raises NotFittedError
        return self.network_.forward(X, dtype=self._prediction_dtype(X))

    @property
    def coefs_(self):
        """Weight matrices of the dense layers, ``coefs_[i]`` of shape (fan_in, fan_out).

        Views of the trained network: writing into them changes the model.
        """
        return [layer.parameters()["W"] for layer in self.network_.layers_of_type(Dense)]

    @property
    def intercepts_(self):
        """Bias vectors of the dense layers, ``intercepts_[i]`` of shape (fan_out,).

        Zeros for a layer followed by batch normalisation, which has no bias.
        """
        return [layer.parameters().get("b", np.zeros(layer.units, dtype=self.network_.dtype))
                for layer in self.network_.layers_of_type(Dense)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self._accepts_sparse
        return tags


class NeuralClassifierMixin(ClassifierMixin):
    """Target encoding and probability outputs of the neural classifiers.

    Binary problems use one sigmoid output, multi-label problems one sigmoid
    per label, multi-class problems ``_multiclass_loss``: a softmax
    (``"log_loss"``) or one-vs-rest sigmoids (``"binary_log_loss"``).
    """

    _multiclass_loss = "log_loss"
    _supports_multilabel = False
    _y_numeric = False
    #: Whether a ``y`` of one class fits (scikit-learn's MLP does: it then
    #: predicts that class) or is an error (its linear models refuse it).
    _fits_one_class = False

    @property
    def _multi_output(self):
        return self._supports_multilabel

    @available_if(_stochastic_solver)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Run one epoch over ``(X, y)``, continuing from the current state.

        Only available with a stochastic solver (not ``"lbfgs"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data of this call.
        y : array-like of shape (n_samples,)
            Class labels of this call.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.
        classes : array-like of shape (n_classes,), default=None
            All the classes that can occur; required on the first call.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _validate_training_data(self, X, y, reset):
        X, y = super()._validate_training_data(X, y, reset)
        if self._supports_multilabel and y.ndim == 2 and y.shape[1] == 1:
            warnings.warn("A column-vector y was passed when a 1d array was expected. "
                          "Please change the shape of y to (n_samples, ), for example "
                          "using ravel().", DataConversionWarning)
            y = y[:, 0]
        return X, y

    def _encode_targets(self, y, *, first, incremental, classes):
        check_classification_targets(y)
        if incremental:
            self._check_partial_fit_classes(classes, first)
        if first:
            self._fit_label_binarizer(y, classes)
        if not first or classes is not None:
            self._check_known_classes(y, incremental)
        return self._label_binarizer.transform(y).astype(np.float64)

    def _check_partial_fit_classes(self, classes, first):
        """``classes=`` of ``partial_fit``: required on the first call, unchanged later."""
        if classes is None:
            if first:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            return
        if not first and not _same_labels(unique_labels(classes), self.classes_):
            raise ValueError(f"classes={_labels(unique_labels(classes))} is not the same as "
                             f"on the previous call to partial_fit, which was "
                             f"{_labels(self.classes_)}.")

    def _fit_label_binarizer(self, y, classes):
        """First fit: the classes, the output layer's encoding and the loss.

        The classes are ``classes`` when given (``partial_fit``) and those of
        ``y`` otherwise; a multi-label indicator ``y`` gives its columns.
        """
        multilabel = y.ndim == 2
        binarizer = LabelBinarizer()
        binarizer.fit(y if classes is None or multilabel else np.asarray(classes))
        if multilabel and classes is not None and not _same_labels(
                unique_labels(classes), binarizer.classes_):
            raise ValueError(f"For a multi-label y of {y.shape[1]} columns, classes must be "
                             f"the column indices {_labels(binarizer.classes_)}; got "
                             f"{_labels(unique_labels(classes))}.")
        n_classes = len(binarizer.classes_)
        if n_classes < 2 and not multilabel and not self._fits_one_class:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                f"but the data contains only 1 class: {binarizer.classes_.tolist()[0]!r}.")
        self._label_binarizer = binarizer
        self.classes_ = binarizer.classes_
        self._multilabel = multilabel
        if multilabel or n_classes <= 2:
            self._loss_name = "binary_log_loss"
        else:
            self._loss_name = self._multiclass_loss

    def _check_known_classes(self, y, incremental):
        if self._multilabel:
            return
        labels = np.unique(y)
        if incremental:
            unknown = np.setdiff1d(labels, self.classes_)
            if unknown.size:
                raise ValueError(f"y contains labels {_labels(unknown)} that are not in "
                                 f"classes={_labels(self.classes_)} of the first "
                                 "partial_fit call.")
        elif not np.array_equal(labels, self.classes_):
            raise ValueError("warm_start can only be used where `y` has the same classes "
                             "as in the previous call to fit. Previously got "
                             f"{self.classes_}, `y` has {labels}")

    def _encode_validation_targets(self, y_val, n_outputs):
        check_classification_targets(y_val)
        if not self._multilabel:
            unknown = np.setdiff1d(np.unique(y_val), self.classes_)
            if unknown.size:
                raise ValueError(f"y_val contains labels {unknown.tolist()} that are not in "
                                 f"the training classes {self.classes_.tolist()}.")
        return self._label_binarizer.transform(y_val).astype(np.float64)

    def _training_sample_weight(self, sample_weight, y, n_samples):
        sample_weight = check_sample_weight(sample_weight, n_samples, np.float64)
        class_weight = getattr(self, "class_weight", None)
        if class_weight is None:
            return sample_weight
        if self._multilabel:
            raise ValueError("class_weight is not supported for multi-label targets.")
        weights = compute_sample_weight(class_weight, y)
        return weights if sample_weight is None else weights * sample_weight

    def _stratification_labels(self, y, Y):
        """Classes are stratified in the validation split, as in scikit-learn.

        A single sigmoid output (binary or one-class targets) is stratified on
        its encoded column, as scikit-learn does, so that a class too small to
        split is reported in scikit-learn's words (``['True']`` for the
        positive class); other single-label targets on the user's labels;
        multi-label targets are not stratified.
        """
        if self._multilabel:
            return None
        return Y.astype(bool) if Y.shape[1] == 1 else y

    def _score_logits(self, logits, y, sample_weight):
        return accuracy_score(y, self._predict_from_logits(logits), sample_weight=sample_weight)

    def _is_binary(self):
        return not self._multilabel and len(self.classes_) == 2

    def _predict_from_logits(self, logits):
        if self._multilabel:
            return (logits > 0).astype(int)
        if self._is_binary():
            return self.classes_[(logits[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(logits, axis=1)]

    def decision_function(self, X):
        """Logits of the model: log-odds of the positive class for binary problems.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The logits (before the sigmoid or softmax).
        """
        logits = self._logits(X)
        return logits[:, 0].copy() if self._is_binary() else logits

    def predict(self, X):
        """Predict class labels (an indicator matrix for multi-label targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Predicted labels.
        """
        return self._predict_from_logits(self._logits(X))

    def predict_proba(self, X):
        """Probability of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``. For multi-label targets, the
            independent probability of each label.
        """
        return self._proba_from_logits(self._logits(X))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        It is ``np.log(predict_proba(X))`` wherever that probability is a
        normal float, so the two agree on every comparison (the most likely
        class even when probabilities saturate at 1.0, as scikit-learn's
        tests require); where a probability underflowed to 0 (or to a
        subnormal) it is computed in log space from the logits instead, so it
        stays finite and exact rather than ``-inf``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        logits = self._logits(X)
        proba = self._proba_from_logits(logits)
        underflow = proba < np.finfo(proba.dtype).tiny
        with np.errstate(divide="ignore"):
            log_proba = np.log(proba, out=proba)
        if underflow.any():
            log_proba[underflow] = self._log_proba_from_logits(logits)[underflow]
        return log_proba

    def _proba_from_logits(self, logits):
        if self._loss_name == "log_loss":
            return softmax(logits)
        proba = logistic(logits)
        if self._is_binary():
            return np.hstack([1.0 - proba, proba])
        if not self._multilabel:
            # One-vs-rest: normalise the independent sigmoids to sum to one.
            proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def _log_proba_from_logits(self, logits):
        """Log-probabilities computed stably in log space (log-sum-exp, log-sigmoid)."""
        if self._loss_name == "log_loss":
            return log_softmax(logits)
        if self._is_binary():
            return np.hstack([log_logistic(-logits), log_logistic(logits)])
        log_proba = log_logistic(logits)
        if not self._multilabel:
            log_proba -= np.logaddexp.reduce(log_proba, axis=1, keepdims=True)
        return log_proba

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = self._supports_multilabel
        return tags


class NeuralRegressorMixin(RegressorMixin):
    """Target handling of the neural regressors: squared error (identity output) by default."""

    _multi_output = True
    _y_numeric = True
    _loss_name = "squared_error"

    def _regression_loss(self):
        """The loss a first fit trains with (``MLPRegressor`` has a ``loss`` parameter)."""
        return "squared_error"

    @available_if(_stochastic_solver)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over ``(X, y)``, continuing from the current state.

        Only available with a stochastic solver (not ``"lbfgs"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data of this call.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets of this call.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _encode_targets(self, y, *, first, incremental, classes):
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if first:
            self._loss_name = self._regression_loss()
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs but the model was fitted "
                             f"with {self.n_outputs_}.")
        if self._loss_name == "poisson" and np.any(Y < 0):
            raise ValueError("Some value(s) of y are negative which is not allowed "
                             "for Poisson regression (loss='poisson').")
        return Y.astype(np.float64, copy=False)

    def _predict_from_logits(self, logits):
        """The prediction: the output activation of the loss (exp for Poisson) on the logits."""
        prediction = output_activation(self._loss_name, logits)
        return prediction[:, 0].copy() if prediction.shape[1] == 1 else prediction
    def _encode_validation_targets(self, y_val, n_outputs):
        Y_val = y_val.reshape(-1, 1) if y_val.ndim == 1 else y_val
        if Y_val.shape[1] != n_outputs:
            raise ValueError(f"y_val has {Y_val.shape[1]} outputs but y has {n_outputs}.")
        return Y_val.astype(np.float64, copy=False)

    def _score_logits(self, logits, y, sample_weight):
        return r2_score(y, self._predict_from_logits(logits), sample_weight=sample_weight)

    def predict(self, X):
        """Predict targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted targets.
        """
        return self._predict_from_logits(self._logits(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = self._regression_loss() == "poisson"
        return tags
