"""Generative classification with one Gaussian per class.

The model is fitted in closed form (maximum likelihood), so there is no
training loop here: ``fit`` computes per-class sufficient statistics, and
``partial_fit`` merges them exactly across batches.
"""

import numbers

import numpy as np
from scipy import linalg
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._weights import WeightsMixin

__all__ = ["GaussianClassifier"]

_COVARIANCE_TYPES = ("full", "shared", "diagonal")
_EPS = np.finfo(np.float64).eps
_LOG_2PI = np.log(2.0 * np.pi)

# Every attribute that fit/partial_fit set; a new fit starts by removing them,
# so a failed fit leaves an unfitted estimator rather than a mixed state.
_FITTED_ATTRIBUTES = (
    "classes_", "n_features_in_", "feature_names_in_", "means_", "covariances_",
    "priors_", "class_count_", "_stats", "_chol", "_log_det", "_log_prior",
    "_coef", "_intercept",
)


class GaussianClassifier(WeightsMixin, ClassifierMixin, BaseEstimator):
    r"""Generative classifier with one Gaussian density per class.

    Each class :math:`C_k` is modelled by a multivariate normal density
    :math:`p(x \mid C_k) = \mathcal{N}(x;\, \mu_k, \Sigma_k)` whose mean and
    covariance are the maximum-likelihood estimates on the samples of that
    class; a prediction is the posterior given by Bayes' rule,

    .. math::

        P(C_k \mid x) = \frac{p(x \mid C_k)\, P(C_k)}
                             {\sum_j p(x \mid C_j)\, P(C_j)},

    computed in log space (log-sum-exp) with Cholesky factors of the
    covariances, never their explicit inverses.

    Parameters
    ----------
    covariance : {"full", "shared", "diagonal"}, default="full"
        Form of the class covariances.

        - ``"full"``: one full covariance per class, quadratic decision
          boundaries (quadratic discriminant analysis).
        - ``"shared"``: one covariance for all classes, the class covariances
          averaged with weights :math:`n_k / n`. The quadratic terms cancel
          and the boundary is linear (linear discriminant analysis); the
          model then exposes ``coef_`` and ``intercept_``.
        - ``"diagonal"``: per-class variances only, i.e. features independent
          given the class (Gaussian naive Bayes).

    priors : array-like of shape (n_classes,), default=None
        Prior probabilities :math:`P(C_k)` in the order of ``classes_``;
        non-negative and summing to 1 (checked with ``numpy.isclose``, as
        scikit-learn's ``GaussianNB`` does). ``None`` uses the (weighted)
        class frequencies of the training data.

    reg_covar : float, default=1e-6
        Non-negative regularisation added to the diagonal of every covariance
        (all three modes), in units of each feature's variance:

        .. math::

            \Sigma_k \leftarrow \Sigma_k + \operatorname{diag}(\epsilon),
            \qquad \epsilon_j = \texttt{reg\_covar} \cdot s_j^2,

        where :math:`s_j^2` is the (weighted, :math:`1/n`) variance of
        feature :math:`j` over the whole training set, or 1 for a feature
        that is constant there (as ``StandardScaler`` treats it). This is the
        same as adding ``reg_covar`` times the identity to the covariance of
        standardised features, so predictions do not change when a feature is
        rescaled (measured in km or in mm). The default 1e-6 is negligible
        next to the unit variance of a standardised feature (it moves
        log-likelihoods by about one part in a million) yet it bounds the
        smallest eigenvalue of the standardised covariance away from zero, so
        a class with fewer samples than features, or a feature that is
        constant within a class, still gives a usable, positive definite
        covariance. It is the default of ``GaussianMixture.reg_covar``,
        applied here in standardised rather than raw units. With
        ``reg_covar=0`` a singular covariance raises a ``ValueError``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of features seen during fit. Defined only when `X` has feature
        names that are all strings.

    means_ : ndarray of shape (n_classes, n_features)
        Maximum-likelihood class means :math:`\mu_k`.

    covariances_ : ndarray
        Covariances used for prediction, ``reg_covar`` included. The shape
        depends on ``covariance`` (as in ``GaussianMixture``):

        - ``"full"``: (n_classes, n_features, n_features)
        - ``"shared"``: (n_features, n_features)
        - ``"diagonal"``: (n_classes, n_features)

    priors_ : ndarray of shape (n_classes,)
        Class priors :math:`P(C_k)` used by Bayes' rule.

    class_count_ : ndarray of shape (n_classes,)
        Sum of the sample weights of each class (the number of samples when
        no weights are given).

    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Only with ``covariance="shared"``: weights of the linear decision
        function (see :attr:`coef_`).

    intercept_ : ndarray of shape (1,) or (n_classes,)
        Only with ``covariance="shared"``: biases of the linear decision
        function (see :attr:`intercept_`).

    See Also
    --------
    sklearn.discriminant_analysis.LinearDiscriminantAnalysis : ``"shared"``.
    sklearn.discriminant_analysis.QuadraticDiscriminantAnalysis : ``"full"``.
    sklearn.naive_bayes.GaussianNB : ``"diagonal"``.

    Notes
    -----
    With :math:`w_i` the sample weights (1 by default) and
    :math:`n_k = \sum_{i \in C_k} w_i`, the estimates are

    .. math::

        \mu_k = \frac{1}{n_k} \sum_{i \in C_k} w_i x_i, \qquad
        \Sigma_k = \frac{1}{n_k} \sum_{i \in C_k}
                   w_i (x_i - \mu_k)(x_i - \mu_k)^\top, \qquad
        \Sigma = \sum_k \frac{n_k}{n} \Sigma_k .

    For two classes the posterior is a sigmoid of the log-odds,
    :math:`P(C_1 \mid x) = \sigma(z)` with
    :math:`z = \ln \frac{p(x \mid C_1) P(C_1)}{p(x \mid C_0) P(C_0)}`. With
    a shared covariance the terms :math:`x^\top \Sigma^{-1} x` cancel and
    :math:`z = w^\top x + b` with :math:`w = \Sigma^{-1}(\mu_1 - \mu_0)`.

    Classes given to ``partial_fit`` that have not received any (weighted)
    sample yet have probability 0 and are never predicted; their rows of
    ``means_`` and ``covariances_`` are zero.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import expit
    >>> from skdl.gaussian import GaussianClassifier
    >>> X = np.array([[-1., -1.], [-2., -1.], [-3., -2.],
    ...               [1., 1.], [2., 1.], [3., 2.]])
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> clf = GaussianClassifier("shared").fit(X, y)
    >>> clf.predict([[-0.8, -1.0], [2.5, 1.5]])
    array([0, 1])
    >>> clf.coef_.shape
    (1, 2)
    >>> z = X @ clf.coef_.ravel() + clf.intercept_
    >>> bool(np.allclose(clf.predict_proba(X)[:, 1], expit(z)))
    True
    >>> GaussianClassifier("diagonal").fit(X, y).covariances_.shape
    (2, 2)
    """

    def __init__(self, covariance="full", *, priors=None, reg_covar=1e-6):
        self.covariance = covariance
        self.priors = priors
        self.reg_covar = reg_covar

    # ------------------------------------------------------------------ fit

    def fit(self, X, y, sample_weight=None):
        """Fit one Gaussian per class by maximum likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels; at least two distinct classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; an integer weight is equivalent to
            repeating the sample that many times.

        Returns
        -------
        self : GaussianClassifier
            Fitted estimator.
        """
        self._check_params()
        self._reset()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        return self._update(X, y, np.unique(y), sample_weight, first_call=True)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the model with one batch of samples.

        The per-class sufficient statistics (weight sums, weighted means and
        weighted scatter matrices) are merged exactly (Chan et al.'s
        pairwise update), so fitting batch by batch gives the same model as
        one call to :meth:`fit` on all the data, up to rounding.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training batch.
        y : array-like of shape (n_samples,)
            Class labels of the batch; each must be one of ``classes``.
        classes : array-like of shape (n_classes,), default=None
            All the classes that can appear. Required on the first call,
            optional (and then must be the same) afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : GaussianClassifier
            Updated estimator.
        """
        self._check_params()
        first_call = not hasattr(self, "_stats")
        if first_call:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            self._reset()
        X, y = validate_data(self, X, y, dtype=np.float64, reset=first_call)
        check_classification_targets(y)
        if first_call:
            classes = np.unique(np.asarray(classes))
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise ValueError(
                f"classes={classes!r} differs from the classes of the first "
                f"partial_fit call, {self.classes_!r}."
            )
        else:
            classes = self.classes_
        return self._update(X, y, classes, sample_weight, first_call)

    def _update(self, X, y, classes, sample_weight, first_call):
        """Merge one validated batch into the statistics and refit.

        Everything is computed into local variables and assigned at the end,
        so a failing call (bad priors, singular covariance) changes nothing.
        """
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples from at least two "
                f"classes; got {len(classes)} class ({classes!r})."
            )
        unknown = ~np.isin(y, classes)
        if np.any(unknown):
            raise ValueError(
                f"y contains labels {np.unique(y[unknown])!r} that are not in "
                f"classes {classes!r}."
            )
        weights = _check_sample_weight(sample_weight, X.shape[0])
        # Diagonal statistics cannot give a full covariance later, so the
        # kind of scatter kept is fixed by the first call.
        if first_call:
            diagonal = self.covariance == "diagonal"
        else:
            diagonal = self._stats["scatter"].ndim == 2
            if diagonal and self.covariance != "diagonal":
                raise ValueError(
                    "The first partial_fit call used covariance='diagonal', "
                    "which keeps only per-feature variances; a full or shared "
                    "covariance needs fit to start over."
                )
        with np.errstate(over="ignore", invalid="ignore"):
            # Overflow is reported by _estimate with a clearer message.
            batch = _batch_stats(X, np.searchsorted(classes, y), weights,
                                 len(classes), diagonal)
            stats = batch if first_call else _merge_stats(self._stats, batch)
        fitted = self._estimate(stats, classes)
        fitted["classes_"] = classes
        fitted["_stats"] = stats
        for name, value in fitted.items():
            setattr(self, name, value)
        return self

    def _estimate(self, stats, classes):
        """Turn sufficient statistics into the fitted attributes (a dict)."""
        weight, mean = stats["weight"], stats["mean"]
        if not weight.sum() > 0:
            raise ValueError(
                "The sum of the sample weights is zero; at least one sample "
                "needs a non-zero weight."
            )
        if not (np.all(np.isfinite(stats["scatter"])) and np.all(np.isfinite(mean))):
            raise ValueError(
                "The class covariances overflowed (values too large for "
                "float64); rescale the features."
            )
        seen = weight > 0
        priors, log_prior = self._priors(weight, seen)
        cov = _ml_covariances(stats)
        reg = self.reg_covar * _feature_scale(stats)
        fitted = dict(
            means_=mean.copy(), priors_=priors, class_count_=weight.copy(),
            _log_prior=log_prior, _coef=None, _intercept=None,
        )
        if self.covariance == "diagonal":
            var = np.where(seen[:, None], _diag(cov) + reg, 0.0)
            bad = seen[:, None] & ~(var > 0)
            if np.any(bad):
                k = np.flatnonzero(bad.any(axis=1))[0]
                which = f"class {_label(classes[k])}"
                raise ValueError(_not_pd_message(which, self.reg_covar))
            log_det = np.log(np.where(seen[:, None], var, 1.0)).sum(axis=1)
            fitted.update(covariances_=var, _chol=None, _log_det=log_det)
        elif self.covariance == "shared":
            # Average of the class covariances with weights n_k / n.
            shared = np.tensordot(weight / weight.sum(), cov, axes=1) + np.diag(reg)
            chol = _cholesky(shared, "all classes", self.reg_covar)
            coef, intercept = _linear_boundary(chol, mean, log_prior, seen)
            fitted.update(
                covariances_=shared, _chol=chol,
                _log_det=np.full(len(classes), _log_det(chol)),
                _coef=coef, _intercept=intercept,
            )
        else:
            cov[seen] += np.diag(reg)
            chol = np.zeros_like(cov)
            log_det = np.zeros(len(classes))
            for k in np.flatnonzero(seen):
                which = f"class {_label(classes[k])}"
                chol[k] = _cholesky(cov[k], which, self.reg_covar)
                log_det[k] = _log_det(chol[k])
            fitted.update(covariances_=cov, _chol=chol, _log_det=log_det)
        return fitted

    def _priors(self, weight, seen):
        """Priors and their logs; -inf for classes that cannot be predicted."""
        if self.priors is None:
            priors = weight / weight.sum()
        else:
            priors = _check_priors(self.priors, len(weight))
        with np.errstate(divide="ignore"):
            # A class without data, or with prior 0, is never predicted.
            log_prior = np.where(seen, np.log(priors), -np.inf)
        if not np.any(np.isfinite(log_prior)):
            raise ValueError(
                "Every class with training data has prior 0; priors must give "
                "a positive probability to at least one class seen in y."
            )
        return priors, log_prior

    # ---------------------------------------------------------- prediction

    def _joint_log_likelihood(self, X):
        """``ln p(x | C_k) + ln P(C_k)`` for every sample and class."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        n_features = X.shape[1]
        jll = np.full((X.shape[0], len(self.classes_)), -np.inf)
        for k in np.flatnonzero(np.isfinite(self._log_prior)):
            diff = X - self.means_[k]
            if self._chol is None:  # diagonal: no factorisation needed
                maha = np.sum(diff**2 / self.covariances_[k], axis=1)
            else:
                chol = self._chol if self._chol.ndim == 2 else self._chol[k]
                # ||L^{-1}(x - mu)||^2 = (x - mu)^T Sigma^{-1} (x - mu)
                z = linalg.solve_triangular(chol, diff.T, lower=True,
                                            check_finite=False)
                maha = np.sum(z**2, axis=0)
            jll[:, k] = (-0.5 * (maha + self._log_det[k] + n_features * _LOG_2PI)
                         + self._log_prior[k])
        return jll

    def decision_function(self, X):
        r"""Log-odds (two classes) or joint log-likelihoods (more classes).

        For two classes, the log-odds of ``classes_[1]``, scikit-learn's
        convention:

        .. math::

            z(x) = \ln \frac{p(x \mid C_1) P(C_1)}{p(x \mid C_0) P(C_0)},
            \qquad P(C_1 \mid x) = \sigma(z(x)).

        For more classes, the joint log-likelihoods
        :math:`\ln p(x \mid C_k) + \ln P(C_k)`, whose softmax is
        :meth:`predict_proba` and whose argmax is :meth:`predict`. (They
        differ from the log-posteriors by :math:`\ln p(x)`, the same for all
        classes of a sample, and keep the density information.)

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Decision values.
        """
        jll = self._joint_log_likelihood(X)
        if jll.shape[1] == 2:
            return jll[:, 1] - jll[:, 0]
        return jll

    def predict_log_proba(self, X):
        r"""Log-posteriors :math:`\ln P(C_k \mid x)` by Bayes' rule.

        .. math::

            \ln P(C_k \mid x) = \ln p(x \mid C_k) + \ln P(C_k)
            - \operatorname{logsumexp}_j \bigl(\ln p(x \mid C_j) + \ln P(C_j)\bigr)

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        jll = self._joint_log_likelihood(X)
        return jll - logsumexp(jll, axis=1, keepdims=True)

    def predict_proba(self, X):
        """Posterior probabilities :math:`P(C_k \\mid x)` by Bayes' rule.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; rows sum to 1.
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, taken from ``classes_``.
        """
        jll = self._joint_log_likelihood(X)  # checks fitted before classes_
        return self.classes_[np.argmax(jll, axis=1)]

    # ------------------------------------------------------ linear boundary

    @property
    def coef_(self):
        r"""Weights of the linear decision function (``covariance="shared"``).

        With :math:`w_k = \Sigma^{-1}\mu_k`, shape (n_classes, n_features)
        for more than two classes, and :math:`w_1 - w_0` with shape
        (1, n_features) for two classes, so that
        ``predict_proba(X)[:, 1] == expit(X @ coef_.ravel() + intercept_)``
        (two classes) and ``predict_proba(X) == softmax(X @ coef_.T +
        intercept_)`` (more classes). Raises ``AttributeError`` for the other
        covariance types, whose boundaries are not linear.
        """
        return self._linear_attribute("_coef", "coef_")

    @property
    def intercept_(self):
        r"""Biases of the linear decision function (``covariance="shared"``).

        :math:`b_k = -\tfrac12 \mu_k^\top \Sigma^{-1} \mu_k + \ln P(C_k)`,
        shape (n_classes,), or :math:`b_1 - b_0` with shape (1,) for two
        classes. A class that cannot be predicted (no data or prior 0) has
        :math:`b_k = -\infty`.
        """
        return self._linear_attribute("_intercept", "intercept_")

    def _linear_attribute(self, private, public):
        value = getattr(self, private, None)
        if value is None:
            raise AttributeError(
                f"{public} is only available after fitting with "
                f"covariance='shared', the case with a linear decision boundary."
            )
        return value

    # ------------------------------------------------------------- helpers

    def _check_params(self):
        if not (isinstance(self.covariance, str)
                and self.covariance in _COVARIANCE_TYPES):
            raise ValueError(
                f"covariance must be one of {_COVARIANCE_TYPES}; "
                f"got {self.covariance!r}."
            )
        reg = self.reg_covar
        if (not isinstance(reg, numbers.Real) or isinstance(reg, bool)
                or not np.isfinite(reg) or reg < 0):
            raise ValueError(
                f"reg_covar must be a finite, non-negative number; got {reg!r}."
            )

    def _reset(self):
        for name in _FITTED_ATTRIBUTES:
            self.__dict__.pop(name, None)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_stats")


# ---------------------------------------------------------------- functions


def _check_sample_weight(sample_weight, n_samples):
    """Validated float64 weights: 1-D, length n_samples, finite, >= 0."""
    if sample_weight is None:
        return np.ones(n_samples)
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError("sample_weight must be an array of numbers.") from exc
    if weights.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},) like y; "
            f"got {weights.shape}."
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError("sample_weight must be finite (no NaN or inf).")
    if np.any(weights < 0):
        raise ValueError("sample_weight must be non-negative.")
    return weights


def _check_priors(priors, n_classes):
    try:
        priors = np.asarray(priors, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError("priors must be an array of numbers.") from exc
    if priors.shape != (n_classes,):
        raise ValueError(
            f"priors must have one entry per class, shape ({n_classes},); "
            f"got shape {priors.shape}."
        )
    if not np.all(np.isfinite(priors)) or np.any(priors < 0):
        raise ValueError(f"priors must be finite and non-negative; got {priors}.")
    if not np.isclose(priors.sum(), 1.0):
        raise ValueError(f"priors must sum to 1; they sum to {priors.sum()}.")
    return priors


def _batch_stats(X, y_index, weights, n_classes, diagonal):
    """Per-class rows, weight sums, weighted means and weighted scatter."""
    n_features = X.shape[1]
    n_rows = np.bincount(y_index, minlength=n_classes)
    weight = np.bincount(y_index, weights=weights, minlength=n_classes)
    mean = np.zeros((n_classes, n_features))
    shape = (n_classes, n_features) if diagonal else (n_classes, n_features, n_features)
    scatter = np.zeros(shape)
    for k in np.flatnonzero(weight > 0):
        in_class = y_index == k
        Xk, wk = X[in_class], weights[in_class]
        mean[k] = wk @ Xk / weight[k]
        # Centre first: a scatter from raw sums of x x^T loses every digit
        # when the mean is large compared to the spread.
        centred = Xk - mean[k]
        if diagonal:
            scatter[k] = wk @ centred**2
        else:
            scatter[k] = (centred.T * wk) @ centred
    return dict(n_rows=n_rows, weight=weight, mean=mean, scatter=scatter)


def _merge_stats(a, b):
    """Exact pairwise merge of two sets of statistics (Chan et al., 1979)."""
    weight = a["weight"] + b["weight"]
    safe = np.where(weight > 0, weight, 1.0)
    delta = b["mean"] - a["mean"]
    mean = a["mean"] + delta * (b["weight"] / safe)[:, None]
    between = a["weight"] * b["weight"] / safe
    if a["scatter"].ndim == 2:
        correction = between[:, None] * delta**2
    else:
        correction = between[:, None, None] * delta[:, :, None] * delta[:, None, :]
    return dict(
        n_rows=a["n_rows"] + b["n_rows"], weight=weight, mean=mean,
        scatter=a["scatter"] + b["scatter"] + correction,
    )


def _diag(scatter):
    """Per-class diagonal of full (K, d, d) or diagonal (K, d) scatter."""
    return scatter if scatter.ndim == 2 else np.diagonal(scatter, axis1=1, axis2=2)


def _ml_covariances(stats):
    """Class covariances with the 1/n_k normaliser; zero for unseen classes.

    Features whose variance within a class is only rounding noise (constant
    features) get an exact zero variance and covariance, so that with
    reg_covar=0 the Cholesky reports them instead of factorising noise.
    """
    weight, scatter = stats["weight"], stats["scatter"]
    seen = weight > 0
    denominator = np.where(seen, weight, 1.0).reshape((-1,) + (1,) * (scatter.ndim - 1))
    cov = scatter / denominator
    varying = seen[:, None] & ~_is_constant(_diag(cov), stats["mean"],
                                            stats["n_rows"][:, None])
    if cov.ndim == 2:
        return np.where(varying, cov, 0.0)
    return np.where(varying[:, :, None] & varying[:, None, :], cov, 0.0)


def _is_constant(var, mean, n_rows):
    """True where a variance is only rounding noise.

    The bound is the one scikit-learn's StandardScaler uses: summing n
    values of size |mean| leaves an error of about n * eps * |mean|.
    """
    return var <= n_rows * _EPS * var + (n_rows * _EPS * mean) ** 2


def _feature_scale(stats):
    """Total per-feature variance of the training set, 1 if constant.

    Computed from the class statistics (within-class plus between-class
    scatter) so that fit and partial_fit regularise identically.
    """
    weight, mean = stats["weight"], stats["mean"]
    total = weight.sum()
    grand_mean = weight @ mean / total
    scatter = _diag(stats["scatter"]).sum(axis=0) + weight @ (mean - grand_mean) ** 2
    var = scatter / total
    constant = _is_constant(var, grand_mean, stats["n_rows"].sum())
    return np.where(constant, 1.0, var)


def _label(value):
    """repr of a class label without the numpy type (1, not np.int64(1))."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _not_pd_message(which, reg_covar):
    return (
        f"The covariance of {which} is not positive definite (a feature "
        f"is constant within the class, or features are collinear, or there "
        f"are fewer samples than features), with reg_covar={reg_covar}. "
        f"Increase reg_covar or remove constant and collinear features."
    )


def _cholesky(cov, which, reg_covar):
    """Lower Cholesky factor, or a clear ValueError if cov is not PD."""
    try:
        return linalg.cholesky(cov, lower=True, check_finite=False)
    except linalg.LinAlgError as exc:
        raise ValueError(_not_pd_message(which, reg_covar)) from exc


def _log_det(chol):
    """ln |Sigma| from its Cholesky factor L: 2 * sum(ln diag L)."""
    return 2.0 * np.sum(np.log(np.diagonal(chol)))


def _linear_boundary(chol, means, log_prior, seen):
    """coef_ and intercept_ of the shared-covariance model.

    ln p(x|C_k) + ln P(C_k) = w_k^T x + b_k + (terms equal for every class),
    with w_k = Sigma^{-1} mu_k and b_k = -mu_k^T Sigma^{-1} mu_k / 2 + ln P(C_k).
    """
    coef = linalg.cho_solve((chol, True), means.T, check_finite=False).T
    coef[~seen] = 0.0
    intercept = -0.5 * np.sum(means * coef, axis=1) + log_prior
    if len(means) == 2:  # binary: log-odds of class 1, like scikit-learn
        return (coef[1] - coef[0])[None, :], np.array([intercept[1] - intercept[0]])
    return coef, intercept
