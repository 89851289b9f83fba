r"""Linear models trained by gradient descent: regression, logistic, softmax.

Each is a network with a single :class:`~skdl.layers.Dense` layer, trained by
the shared loop of :mod:`skdl._training`. With ``solver="lbfgs"`` they reach
the exact penalised optimum, which is the same as scikit-learn's closed-form
or second-order solvers (see the user guide for the correspondence of
``alpha`` and ``C``).
"""


from sklearn.utils.validation import check_is_fitted

from ._assembly import dense_head
from ._base import BaseNeuralEstimator, NeuralClassifierMixin, NeuralRegressorMixin, store_params
from ._docs import fill_doc
from .utils.validation import CLASS_WEIGHT


class _LinearModel(BaseNeuralEstimator):
    """One dense layer; ``coef_``/``intercept_`` in scikit-learn's layout.

    ``X`` may be a SciPy sparse matrix or array: the layer multiplies the
    sparse rows directly, never densifying them.
    """

    _default_overrides = {"solver": "lbfgs"}
    _accepts_sparse = True
    #: Activation whose initialisation gain the single layer uses (scikit-learn
    #: uses the logistic gain for sigmoid outputs).
    _gain_activation = "identity"

    def _build_network(self, n_features, n_outputs):
        return dense_head((), n_outputs, self._gain_activation, ())

    @property
    def coef_(self):
        """Weights, shape (n_outputs, n_features) (a copy of ``coefs_[0].T``)."""
        check_is_fitted(self)
        return self.coefs_[0].T.copy()

    @property
    def intercept_(self):
        """Intercepts, shape (n_outputs,)."""
        check_is_fitted(self)
        return self.intercepts_[0].copy()


@fill_doc(solver="lbfgs")
class LinearRegression(NeuralRegressorMixin, _LinearModel):
    r"""Linear regression trained by gradient descent, with an L2 penalty.

    The model is :math:`\hat y = X W + b`, fitted by minimising

    .. math::

        J(W, b) = \frac{1}{2}\,\mathrm{mean}\big((y - \hat y)^2\big)
                + \frac{\alpha}{2 n} \lVert W \rVert^2 ,

    the squared error averaged over samples and outputs. The objective is
    convex, so every solver heads for the same optimum; with
    ``solver="lbfgs"`` the fit equals ``sklearn.linear_model.Ridge(alpha)``
    for one output (and ``Ridge(alpha * n_outputs)`` for several, since the
    error is also averaged over outputs).

    Parameters
    ----------
{training_parameters}
    Attributes
    ----------
    coef_ : ndarray of shape (n_outputs, n_features)
        Weights (``coefs_[0].T``).
    intercept_ : ndarray of shape (n_outputs,)
        Intercepts.
{fitted_attributes}
    See Also
    --------
    sklearn.linear_model.Ridge : The closed-form solution of the same objective.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl import LinearRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = 2 * X[:, 0] + 1
    >>> reg = LinearRegression(alpha=0.0, tol=1e-10).fit(X, y)
    >>> np.round(reg.predict([[4.0]]), 3)
    array([9.])
    """

    def __init__(self, *, solver="lbfgs", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype=None, scoring=None):
        store_params(self, locals())


class _LinearClassifier(NeuralClassifierMixin, _LinearModel):
    """A linear classifier: the shared parameters plus ``class_weight``."""

    _gain_activation = "logistic"
    _parameter_constraints = {
        **BaseNeuralEstimator._parameter_constraints,
        "class_weight": CLASS_WEIGHT,
    }

    def __init__(self, *, solver="lbfgs", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype=None, scoring=None,
                 class_weight=None):
        store_params(self, locals())


@fill_doc(solver="lbfgs")
class LogisticRegression(_LinearClassifier):
    r"""Logistic regression trained by gradient descent; one-vs-rest for several classes.

    For two classes the model is :math:`P(y=1 \mid x) = \sigma(w^\top x + b)`
    with the sigmoid :math:`\sigma(z) = 1/(1+e^{-z})`, fitted by minimising
    the mean binary cross-entropy

    .. math::

        J(w, b) = -\frac{1}{n}\sum_i \big[y_i \log \hat y_i
                  + (1-y_i)\log(1-\hat y_i)\big]
                  + \frac{\alpha}{2n}\lVert w \rVert^2 ,

    whose gradient is :math:`\frac{1}{n} X^\top(\hat y - y) + \frac{\alpha}{n} w`.
    With :math:`K > 2` classes, :math:`K` independent sigmoids are trained
    (one class against the rest, the losses summed) and ``predict_proba``
    normalises them to sum to one. With ``solver="lbfgs"`` the binary fit
    equals ``sklearn.linear_model.LogisticRegression(C=1/alpha)``, and the
    multi-class fit equals scikit-learn's one-vs-rest wrapper of it.

    Parameters
    ----------
{training_parameters}{class_weight}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts.
{fitted_attributes}
    See Also
    --------
    SoftmaxClassifier : The multinomial (softmax) model.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdl import LogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), LogisticRegression(alpha=1.0)).fit(X, y)
    >>> round(clf.score(X, y), 2)
    0.99
    """

    _multiclass_loss = "binary_log_loss"


@fill_doc(solver="lbfgs")
class SoftmaxClassifier(_LinearClassifier):
    r"""Softmax (multinomial logistic) regression trained by gradient descent.

    The model is :math:`P(y = k \mid x) = \mathrm{softmax}(W^\top x + b)_k
    = e^{z_k} / \sum_j e^{z_j}`, fitted by minimising the mean categorical
    cross-entropy :math:`-\frac{1}{n}\sum_i \log \hat y_{i, y_i}` plus
    :math:`\frac{\alpha}{2n}\lVert W\rVert^2`. The gradient with respect to
    the logits is simply :math:`\hat Y - Y`. For two classes the softmax
    reduces to a sigmoid of one logit (the other pinned at zero), so the
    binary model is the logistic one. With ``solver="lbfgs"`` the fit equals
    ``sklearn.linear_model.LogisticRegression(C=1/alpha)`` (multinomial).

    Parameters
    ----------
{training_parameters}{class_weight}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts.
{fitted_attributes}
    See Also
    --------
    LogisticRegression : One-vs-rest sigmoids.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdl import SoftmaxClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SoftmaxClassifier(alpha=1.0, max_iter=500).fit(X, y)
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    """

    _multiclass_loss = "log_loss"
