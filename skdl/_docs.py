"""Docstring fragments shared by the estimators (numpydoc sections)."""

TRAINING_PARAMETERS = """\
    solver : {"lbfgs", "sgd", "adam", "adagrad", "rmsprop", "swats"}, default=%(solver)r
        The optimizer. ``"sgd"`` is stochastic gradient descent with (Nesterov)
        momentum, ``"adam"`` Adam, ``"adagrad"`` and ``"rmsprop"`` adapt a step
        per parameter, ``"swats"`` starts as Adam and switches to SGD with
        momentum once the SGD step size implied by Adam's steps settles
        (Keskar & Socher, 2017), and ``"lbfgs"`` is scipy's full-batch
        quasi-Newton L-BFGS-B.
    alpha : float, default=%(alpha)r
        Strength of the L2 penalty. On the whole training set the objective
        is the weighted mean sample loss plus
        ``alpha / (2 * sum(sample_weight)) * ||W||^2`` over the weights (not
        the intercepts), as in scikit-learn's MLP. A mini-batch of ``b``
        samples divides its weighted loss sum and the penalty by ``b`` times
        the training set's mean weight (``b`` without weights, as
        scikit-learn), so that its loss is an unbiased estimate of the
        training set's weighted mean loss, whichever weights it holds.
    batch_size : int or "auto", default="auto"
        Mini-batch size of the stochastic solvers; ``"auto"`` is
        ``min(200, n_samples)``. Ignored by ``"lbfgs"``.
    learning_rate : {"constant", "invscaling", "adaptive"} or LearningRateSchedule, \
default="constant"
        Step-size schedule. scikit-learn's three apply to ``"sgd"``,
        ``"adagrad"`` and ``"rmsprop"``: ``"invscaling"`` uses
        ``learning_rate_init / (t + 1) ** power_t`` with ``t`` the number of
        samples seen; ``"adaptive"`` divides the step by 5 whenever training
        stops improving. Adam and SWATS ignore them, as scikit-learn's Adam
        does. A schedule object from :mod:`skdl.schedules` applies to every
        stochastic solver: ``StepDecay(step_size, factor)``,
        ``CosineAnnealing(period, warmup, min_rate)`` or
        ``ReduceOnPlateau(factor, patience, min_rate)``; its parameters can be
        searched as ``learning_rate__<name>``.
    learning_rate_init : float, default=%(learning_rate_init)r
        Initial step size of the stochastic solvers.
    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.
    max_iter : int, default=%(max_iter)r
        Epochs of the stochastic solvers; iterations of ``"lbfgs"``.
    shuffle : bool, default=True
        Shuffle the samples before every epoch.
    random_state : int, RandomState instance, Generator or None, default=None
        Seeds the one ``numpy.random.Generator`` behind weight
        initialisation, shuffling, the validation split and dropout masks.
        An int gives bit-identical models from identical data.
    tol : float, default=1e-4
        Improvement below which an epoch counts as no progress (and the
        gradient tolerance of ``"lbfgs"``).
    verbose : bool or int, default=False
        ``1`` (or True) prints one line per epoch: loss, validation score and
        loss, seconds. ``2`` also draws a live bar during each epoch (epoch,
        batches done, loss, validation score, elapsed and remaining time) in
        a terminal or a Jupyter notebook: with tqdm when it is installed (the
        ``progress`` extra; a widget in Jupyter), else as a line of text
        redrawn in place.
    warm_start : bool, default=False
        Continue from the previous fit: weights, optimizer state (moments,
        velocities, step count), learning-rate schedule and history are kept.
    momentum : float, default=0.9
        Momentum of ``"sgd"``.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with ``"sgd"``.
    early_stopping : bool, default=False
        Score validation data after every epoch (``scoring``), stop when the
        score stops improving by ``tol`` for ``n_iter_no_change`` epochs, and
        restore the best weights. The validation data are ``X_val, y_val``
        passed to :meth:`fit`, else ``validation_fraction`` of the training
        data held out (stratified for classifiers).
    validation_fraction : float, default=0.1
        Size of the held-out set of ``early_stopping`` (unused when ``fit``
        receives ``X_val, y_val``).
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's (and SWATS's) first and second moment estimates.
    epsilon : float, default=1e-8
        Added to the denominators of Adam, Adagrad, RMSProp and SWATS.
    n_iter_no_change : int or np.inf, default=10
        Epochs without improvement tolerated before stopping; ``np.inf``
        never stops early (every fit runs ``max_iter`` epochs).
    max_fun : int, default=15000
        Maximum number of loss evaluations of ``"lbfgs"``.
    rho : float, default=0.9
        Decay of RMSProp's moving average of squared gradients.
    dtype : {None, "auto", numpy.float32, numpy.float64}, default=%(dtype)r
        Training precision. None follows the input, as scikit-learn does:
        float32 data trains in float32, anything else in float64. ``"auto"``
        also trains float64 data in float32 when the fit runs on mini-batches
        (more samples than ``batch_size``, which ``"auto"`` sets to 200; not
        ``"lbfgs"``), where float32 is up to twice as fast; a full-batch fit
        stays in float64. Prediction computes in float64 unless both the
        input and the model are float32: ``predict_proba`` returns float64
        for float64 input. See the user guide, "float32 or float64".
    scoring : str, callable or None, default=None
        Validation score of ``early_stopping``. None is the estimator's
        ``score`` (accuracy, or R^2 for regressors), ``"loss"`` is minus the
        validation loss, any other string a scikit-learn scorer name
        (``"balanced_accuracy"``, ``"neg_log_loss"``, ...), and a callable a
        scorer ``scorer(estimator, X_val, y_val)`` (it receives the held-out
        rows as the network reads them: 2-D, one row per sample).
"""

FITTED_ATTRIBUTES = """\
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features, when ``X`` had string column names.
    coefs_ : list of ndarray
        Weight matrices of the dense layers (views of ``network_``).
    intercepts_ : list of ndarray
        Bias vectors of the dense layers.
    loss_ : float
        Training objective at the end of fitting (penalty included).
    loss_curve_ : list of float
        Training objective after each epoch (each L-BFGS iteration).
    best_loss_ : float or None
        Lowest training loss seen; None with ``early_stopping``.
    validation_scores_ : list of float or None
        Validation score (``scoring``) after each epoch (``early_stopping``).
    validation_loss_curve_ : list of float or None
        Mean loss (without penalty) on the held-out set after each epoch.
    best_validation_score_ : float or None
        Best validation score (``early_stopping``).
    learning_rates_ : list of float or None
        Learning rate of each epoch (None for ``"lbfgs"``).
    epoch_times_ : list of float
        Wall time in seconds of each epoch (each L-BFGS iteration),
        validation included.
    n_iter_ : int
        Epochs (L-BFGS iterations for ``"lbfgs"``) run by the last call to
        ``fit`` or ``partial_fit``, as in scikit-learn.
    t_ : int
        Training samples seen, across warm starts and ``partial_fit`` calls
        (``loss_curve_`` continues across them too).
    n_outputs_ : int
        Number of output units.
    out_activation_ : str
        Output activation: ``"identity"``, ``"logistic"``, ``"softmax"`` or
        ``"exp"`` (the Poisson loss's log link).
    network_ : skdl.network.Sequential
        The trained network.
    switch_epoch_ : int or None
        Only with ``solver="swats"``: the epoch in which Adam switched to SGD
        (None if it never did).
"""


def training_parameters(**defaults):
    """The shared parameter section with this estimator's defaults filled in."""
    values = {"solver": "adam", "alpha": 0.0001, "learning_rate_init": 0.001, "max_iter": 200,
              "dtype": None}
    values.update(defaults)
    return TRAINING_PARAMETERS % values


MLP_PARAMETERS = """\
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units of the ith hidden layer.
    activation : {"identity", "logistic", "sigmoid", "tanh", "relu", "leaky_relu"}, \
default="relu"
        Activation of the hidden layers (``"sigmoid"`` is ``"logistic"``;
        ``"leaky_relu"`` has slope 0.01 for negative inputs).
"""

DROPOUT_PARAMETER = """\
    dropout : float or sequence of float, default=0.0
        Inverted-dropout rate after each hidden layer: one rate for all, or
        one per hidden layer. Units are dropped with this probability while
        training and the survivors scaled by ``1 / (1 - rate)``, so prediction
        needs no rescaling. Not available with ``solver="lbfgs"``.
"""


BATCH_NORM_PARAMETER = """\
    batch_norm : bool, default=False
        Batch normalisation of every hidden layer's pre-activations (before
        the activation): each unit is standardised over the mini-batch in
        training and with running statistics at prediction, then scaled and
        shifted by learned parameters (see
        :class:`skdl.layers.BatchNormalization`). The dense or convolution
        layer before it then has no bias.
"""


CLASS_WEIGHT = """\
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight``.
        ``"balanced"`` uses ``n_samples / (n_classes * np.bincount(y))``.
"""


def fill_doc(**defaults):
    """Class decorator filling the shared docstring sections.

    Replaces ``{training_parameters}`` (with this estimator's defaults:
    ``defaults``, then the class's ``_default_overrides``), ``{class_weight}``,
    ``{fitted_attributes}``, and the MLP sections ``{mlp_parameters}``,
    ``{dropout}`` and ``{batch_norm}``.
    """
    def decorate(cls):
        values = {**defaults, **getattr(cls, "_default_overrides", {})}
        cls.__doc__ = (cls.__doc__
                       .replace("{mlp_parameters}", MLP_PARAMETERS)
                       .replace("{dropout}", DROPOUT_PARAMETER)
                       .replace("{batch_norm}", BATCH_NORM_PARAMETER)
                       .replace("{training_parameters}", training_parameters(**values))
                       .replace("{class_weight}", CLASS_WEIGHT)
                       .replace("{fitted_attributes}", FITTED_ATTRIBUTES))
        return cls
    return decorate
