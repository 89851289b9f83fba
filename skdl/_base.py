"""Base classes of the neural estimators: parameters, ``fit`` and prediction.

A concrete estimator writes little more than ``_build_network``: the layers
between the input and the logits. Everything else is here:

``fit`` -> validate parameters -> validate data -> encode targets ->
build the network (first fit) -> :mod:`skdl._training` -> fitted attributes.

Prediction: ``check_is_fitted`` -> ``validate_data(reset=False)`` ->
``network_.forward`` (chunked, pure) -> output activation.
"""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .activations import log_logistic, log_softmax, logistic, softmax
from .callbacks import (EarlyStopping, History, ProgressBar, ProgressLogger, SwitchRecorder,
                        Timer)
from .layers import Dense
from .losses import LOSSES, OUTPUT_ACTIVATION
from .network import Sequential
from .optimizers import make_optimizer
from ._training import Trainer, stop_on_interrupt, train_lbfgs, train_stochastic
from .utils.validation import (
    BOOLEAN,
    Dtype,
    InstanceOf,
    Interval,
    Options,
    check_sample_weight,
    make_generator,
    validate_params,
)

SOLVERS = ("sgd", "adam", "lbfgs", "adagrad", "rmsprop", "swats")

#: Parameters of the optimizer: changing one of them between warm-started
#: fits starts a fresh optimizer; otherwise its state carries over.
_OPTIMIZER_PARAMS = ("solver", "learning_rate", "learning_rate_init", "power_t",
                     "momentum", "nesterovs_momentum", "beta_1", "beta_2",
                     "epsilon", "rho")


def _stochastic_solver(estimator):
    """``partial_fit`` exists only for mini-batch solvers (as in scikit-learn)."""
    if estimator.solver == "lbfgs":
        raise AttributeError(f"partial_fit is not available for solver={estimator.solver!r}; "
                             "use a stochastic solver such as 'sgd' or 'adam'.")
    return True


#: The training parameters every neural estimator shares, with their
#: defaults: scikit-learn's ``MLPClassifier`` names, defaults and meanings,
#: plus ``rho`` and ``dtype``. The one source of these defaults (their docs
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
    "n_iter_no_change": 10, "max_fun": 15000, "rho": 0.9, "dtype": None,
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


class BaseNeuralEstimator(BaseEstimator):
    """Shared training parameters and the fit/predict machinery.

    The parameters have the names, defaults and meanings of scikit-learn's
    ``MLPClassifier`` (:data:`TRAINING_DEFAULTS`); ``rho`` and ``dtype`` are
    additions (see the subclasses' docstrings for the full list).
    """

    #: Defaults of this estimator that differ from :data:`TRAINING_DEFAULTS`.
    _default_overrides = {}

    _parameter_constraints = {
        "solver": [Options(*SOLVERS)],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "batch_size": [Options("auto"), Interval(numbers.Integral, 1, None)],
        "learning_rate": [Options("constant", "invscaling", "adaptive")],
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
        "n_iter_no_change": [Interval(numbers.Integral, 1, None)],
        "max_fun": [Interval(numbers.Integral, 1, None)],
        "rho": [Interval(numbers.Real, 0, 1, closed="left")],
        "dtype": [Options(None, "auto"), Dtype()],
    }

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
        if reset:
            self._input = self._make_input_adapter()
            return X if self._input is None else self._input.fit(X)
        return X if self._input is None else self._input.transform(X)

    # ------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; the loss is their weighted mean.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        validate_params(self)
        self._check_params()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first = not (hasattr(self, "network_") and (incremental or self.warm_start))
        X, y = self._validate_training_data(X, y, reset=first)
        Y = self._encode_targets(y, first=first, incremental=incremental, classes=classes)
        sample_weight = self._training_sample_weight(sample_weight, y, X.shape[0])
        if first:
            self._initialize(X, Y)
        dtype = self.network_.dtype
        X = X.astype(dtype, copy=False)
        Y = Y.astype(dtype, copy=False)
        if sample_weight is not None:
            sample_weight = sample_weight.astype(dtype)
        # Gradients and caches live in the trainer, for this fit only.
        trainer = Trainer(self.network_, LOSSES[self._loss_name], self.alpha)
        with stop_on_interrupt() as interrupt:
            try:
                if self.solver == "lbfgs":
                    self.loss_ = train_lbfgs(
                        trainer, X, Y, sample_weight, history=self._history,
                        max_iter=self.max_iter, max_fun=self.max_fun, tol=self.tol,
                        verbose=bool(self.verbose), interrupt=interrupt)
                else:
                    self._train_stochastic(trainer, X, Y, y, sample_weight, incremental,
                                           interrupt)
            except KeyboardInterrupt:
                # A second Ctrl-C stops wherever the fit is, possibly inside an
                # update: the weights cannot be trusted, so the model is reset.
                self._forget_fit()
                raise
        self._set_fitted_attributes()
        return self

    def _forget_fit(self):
        """Remove every fitted attribute: back to an unfitted estimator."""
        params = self.get_params(deep=False)
        for name in list(vars(self)):
            if name not in params:
                delattr(self, name)

    def _validate_training_data(self, X, y, reset):
        X = self._prepare_input(X, reset)
        return validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32),
                             multi_output=self._multi_output, y_numeric=self._y_numeric)

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
        float64), and cheap next to training: a model trained in float32
        predicts float64 input in float64, so its outputs have float64's
        rounding (sample-order invariant to about 1e-15) and dtype.
        """
        return np.result_type(X.dtype, self.network_.dtype)

    def _initialize(self, X, Y):
        """First fit: the generator, the network, a fresh history."""
        self._rng = make_generator(self.random_state)
        n_outputs = Y.shape[1]
        layers = self._build_network(X.shape[1], n_outputs)
        self.network_ = Sequential(layers).build((X.shape[1],), self._rng, self._compute_dtype(X))
        self._history = History()
        self._optimizer = None
        self._optimizer_signature = None

    def _get_optimizer(self):
        """The optimizer, kept across warm starts unless its parameters changed."""
        signature = tuple(getattr(self, name) for name in _OPTIMIZER_PARAMS)
        if self._optimizer is None or signature != self._optimizer_signature:
            self._optimizer = make_optimizer(self.solver, self.get_params(deep=False))
            self._optimizer_signature = signature
        return self._optimizer

    def _train_stochastic(self, trainer, X, Y, y, sample_weight, incremental, interrupt):
        validate = None
        use_validation = self.early_stopping and not incremental
        if use_validation:
            X, Y, y, sample_weight, validate = self._split_validation(X, Y, y, sample_weight)
        callbacks = [Timer(), SwitchRecorder(),
                     EarlyStopping(self.tol, self.n_iter_no_change, use_validation,
                                   bool(self.verbose))]
        if self.verbose:
            callbacks.append(ProgressLogger())
        if self.verbose >= 2:
            callbacks.insert(0, ProgressBar())
        train_stochastic(
            trainer, X, Y, sample_weight, optimizer=self._get_optimizer(),
            history=self._history, batch_size=self.batch_size, shuffle=self.shuffle,
            max_iter=self.max_iter, rng=self._rng, callbacks=callbacks, validate=validate,
            incremental=incremental, clip_norm=self._clip_norm, interrupt=interrupt)
        self.loss_ = self._history.loss_curve[-1]

    def _split_validation(self, X, Y, y, sample_weight):
        """Hold out ``validation_fraction`` (stratified for classifiers) for early stopping."""
        stratify = y if self._stratify_validation() else None
        arrays = [X, Y, y] + ([] if sample_weight is None else [sample_weight])
        seed = int(self._rng.integers(np.iinfo(np.int32).max))
        parts = train_test_split(*arrays, test_size=self.validation_fraction,
                                 random_state=seed, stratify=stratify)
        X_train, X_val, Y_train, Y_val, y_train, y_val = parts[:6]
        sw_train, sw_val = (parts[6], parts[7]) if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError("The validation set is too small. Increase "
                             "'validation_fraction' or the size of your dataset.")
        loss = LOSSES[self._loss_name]

        def validate():
            logits = self.network_.forward(X_val)
            score = self._score_logits(logits, y_val, sw_val)
            return score, loss(Y_val, logits, sw_val)[0]

        return X_train, Y_train, y_train, sw_train, validate

    def _stratify_validation(self):
        return False

    def _training_sample_weight(self, sample_weight, y, n_samples):
        return check_sample_weight(sample_weight, n_samples, np.float64)

    def _set_fitted_attributes(self):
        history = self._history
        self.n_iter_ = history.n_iter
        self.t_ = history.t
        self.loss_curve_ = list(history.loss_curve)
        self.n_outputs_ = self.network_.output_shape[0]
        self.out_activation_ = OUTPUT_ACTIVATION[self._loss_name]
        if self.early_stopping and self.solver != "lbfgs":
            self.validation_scores_ = list(history.validation_scores)
            self.validation_loss_curve_ = list(history.validation_loss_curve)
            self.best_validation_score_ = history.best_validation_score
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.validation_loss_curve_ = None
            self.best_validation_score_ = None
            self.best_loss_ = history.best_loss
        if self.solver == "swats":
            self.switch_epoch_ = history.switch_epoch

    # ------------------------------------------------------------ prediction
    def _validated_input(self, X):
        """``X`` checked against the fit (the network casts it chunk by chunk)."""
        check_is_fitted(self)
        X = self._prepare_input(X, reset=False)
        return validate_data(self, X, reset=False, dtype=(np.float64, np.float32))

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
        """Bias vectors of the dense layers, ``intercepts_[i]`` of shape (fan_out,)."""
        return [layer.parameters()["b"] for layer in self.network_.layers_of_type(Dense)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
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

    @property
    def _multi_output(self):
        return self._supports_multilabel

    @available_if(_stochastic_solver)
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
        if first:
            if incremental and classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            binarizer = LabelBinarizer()
            binarizer.fit(y if classes is None else np.asarray(classes))
            n_classes = len(binarizer.classes_)
            if n_classes < 2 and binarizer.y_type_ != "multilabel-indicator":
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    f"the data, but the data contains only 1 class: {binarizer.classes_[0]!r}.")
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
            self._multilabel = binarizer.y_type_ == "multilabel-indicator"
            if self._multilabel or n_classes == 2:
                self._loss_name = "binary_log_loss"
            else:
                self._loss_name = self._multiclass_loss
        else:
            self._check_known_classes(y, incremental)
        return self._label_binarizer.transform(y).astype(np.float64)

    def _check_known_classes(self, y, incremental):
        if self._multilabel:
            return
        labels = np.unique(y)
        if incremental:
            unknown = np.setdiff1d(labels, self.classes_)
            if unknown.size:
                raise ValueError(f"y contains labels {unknown.tolist()} that were not in "
                                 f"classes={self.classes_.tolist()} of the first partial_fit call.")
        elif not np.array_equal(labels, self.classes_):
            raise ValueError("warm_start can only be used where `y` has the same classes "
                             "as in the previous call to fit. Previously got "
                             f"{self.classes_}, `y` has {labels}")

    def _training_sample_weight(self, sample_weight, y, n_samples):
        sample_weight = check_sample_weight(sample_weight, n_samples, np.float64)
        class_weight = getattr(self, "class_weight", None)
        if class_weight is None:
            return sample_weight
        if self._multilabel:
            raise ValueError("class_weight is not supported for multi-label targets.")
        weights = compute_sample_weight(class_weight, y)
        return weights if sample_weight is None else weights * sample_weight

    def _stratify_validation(self):
        return not self._multilabel

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
        logits = self._logits(X)
        if self._loss_name == "log_loss":
            return softmax(logits)
        proba = logistic(logits)
        if self._is_binary():
            return np.hstack([1.0 - proba, proba])
        if not self._multilabel:
            # One-vs-rest: normalise the independent sigmoids to sum to one.
            proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably from the logits.

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
    """Target handling of the neural regressors: identity output, squared error."""

    _multi_output = True
    _y_numeric = True
    _loss_name = "squared_error"

    @available_if(_stochastic_solver)
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
        if not first and Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs but the model was fitted "
                             f"with {self.n_outputs_}.")
        return Y.astype(np.float64, copy=False)

    def _score_logits(self, logits, y, sample_weight):
        prediction = logits[:, 0] if y.ndim == 1 else logits
        return r2_score(y, prediction, sample_weight=sample_weight)

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
        logits = self._logits(X)
        return logits[:, 0].copy() if logits.shape[1] == 1 else logits

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
