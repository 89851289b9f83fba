r"""Multilayer perceptrons: drop-in supersets of scikit-learn's MLPs.

The network is ``Dense -> activation [-> Dropout]`` per hidden layer, then a
``Dense`` output layer whose logits go to the loss (softmax, sigmoid or
identity fused into it). Backpropagation is the chain rule applied layer by
layer from the output back:

.. math::

    \delta^{(L)} = \hat Y - Y, \qquad
    \delta^{(l)} = \big(\delta^{(l+1)} W^{(l+1)\top}\big) \odot f'(Z^{(l)}), \qquad
    \frac{\partial J}{\partial W^{(l)}} = A^{(l-1)\top} \delta^{(l)} .
"""

import numbers

import numpy as np

from ._assembly import dense_head, dropout_rates, layer_sizes
from ._base import BaseNeuralEstimator, NeuralClassifierMixin, NeuralRegressorMixin, store_params
from ._docs import fill_doc
from .activations import HIDDEN_ACTIVATIONS
from .layers import Activation
from .utils.validation import BOOLEAN, CLASS_WEIGHT, InstanceOf, Interval, Options


class _BaseMLP(BaseNeuralEstimator):
    """Hidden layers, dropout, batch normalisation, and access to hidden activations."""

    _accepts_sparse = True

    _parameter_constraints = {
        **BaseNeuralEstimator._parameter_constraints,
        "hidden_layer_sizes": [Interval(numbers.Integral, 1, None),
                               InstanceOf(list, tuple, np.ndarray, description="array-like")],
        "activation": [Options(*HIDDEN_ACTIVATIONS)],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left"),
                    InstanceOf(list, tuple, np.ndarray, description="array-like")],
        "batch_norm": [BOOLEAN],
    }

    def _check_params(self):
        sizes = layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")
        dropout_rates(self.dropout, len(sizes), self.solver, "one per hidden layer")

    def _build_network(self, n_features, n_outputs):
        sizes = layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")
        rates = dropout_rates(self.dropout, len(sizes), self.solver, "one per hidden layer")
        return dense_head(sizes, n_outputs, self.activation, rates, batch_norm=self.batch_norm)

    def _set_fitted_attributes(self):
        super()._set_fitted_attributes()
        self.n_layers_ = len(layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")) + 2

    def hidden_activations(self, X, layer=-1):
        """Activations of a hidden layer: the features the network has learned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        layer : int, default=-1
            Index of the hidden layer (0 is the first, -1 the last).

        Returns
        -------
        activations : ndarray of shape (n_samples, hidden_layer_sizes[layer])
            The layer's outputs after its activation (dropout is off).
        """
        X = self._validated_input(X)
        target = self.network_.layers_of_type(Activation)[layer]
        stop = next(i for i, current in enumerate(self.network_.layers) if current is target)
        return self.network_.forward(X, stop=stop + 1)


@fill_doc()
class MLPClassifier(NeuralClassifierMixin, _BaseMLP):
    r"""Multilayer perceptron classifier, a superset of scikit-learn's.

    Same parameters, defaults and fitted attributes as
    ``sklearn.neural_network.MLPClassifier``, plus more solvers (Adagrad,
    RMSProp, SWATS), dropout, ``class_weight``, leaky ReLU, float32 compute,
    a validation loss curve, and :meth:`hidden_activations`.

    Binary targets use one sigmoid output and binary cross-entropy,
    multi-class targets a softmax and categorical cross-entropy, multi-label
    indicator targets one sigmoid per label. A ``y`` of a single class fits,
    as in scikit-learn, and the model then predicts that class.

    ``X`` may be dense or a SciPy sparse matrix or array (CSR, CSC, ...): the
    first layer multiplies the sparse rows directly, in training and in
    prediction, so sparse data is never densified.

    Parameters
    ----------
{mlp_parameters}{training_parameters}{dropout}{batch_norm}{class_weight}
    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels.
    n_layers_ : int
        Number of layers, input and output included.
{fitted_attributes}
    See Also
    --------
    sklearn.neural_network.MLPClassifier : The model this one extends.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from skdl import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    >>> clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=50, random_state=0)
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.95
    True
    """

    _supports_multilabel = True
    _fits_one_class = True
    _parameter_constraints = {
        **_BaseMLP._parameter_constraints,
        "class_weight": CLASS_WEIGHT,
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype=None, scoring=None,
                 dropout=0.0, batch_norm=False, class_weight=None):
        store_params(self, locals())


@fill_doc()
class MLPRegressor(NeuralRegressorMixin, _BaseMLP):
    r"""Multilayer perceptron regressor, a superset of scikit-learn's.

    Same parameters, defaults and fitted attributes as
    ``sklearn.neural_network.MLPRegressor`` (squared error with an identity
    output, or the Poisson deviance with a log link), plus more solvers,
    dropout, leaky ReLU, float32 compute, a validation loss curve and
    :meth:`hidden_activations`. ``X`` may be dense or a SciPy sparse matrix
    or array, never densified (see :class:`MLPClassifier`).

    Parameters
    ----------
{mlp_parameters}    loss : {"squared_error", "poisson"}, default="squared_error"
        The loss, named as in scikit-learn (>= 1.7). ``"squared_error"`` is
        half the mean squared error with an identity output.
        ``"poisson"`` is half the Poisson deviance with a log link: the
        network's output :math:`z` predicts :math:`\mu = e^{z}` (so
        predictions are positive), the loss is
        :math:`y \log(y / \mu) - y + \mu`, and ``y`` must be non-negative.
        Unlike scikit-learn >= 1.7, where ``loss`` is the first positional
        argument, it is keyword-only here, so that
        ``MLPRegressor((32,))`` keeps meaning ``hidden_layer_sizes=(32,)``.
{training_parameters}{dropout}{batch_norm}
    Attributes
    ----------
    n_layers_ : int
        Number of layers, input and output included.
{fitted_attributes}
    See Also
    --------
    sklearn.neural_network.MLPRegressor : The model this one extends.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdl import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = make_pipeline(StandardScaler(),
    ...                     MLPRegressor((32,), solver="lbfgs", alpha=1.0, random_state=0))
    >>> reg.fit(X, y / 100).score(X, y / 100) > 0.5
    True
    """

    _parameter_constraints = {
        **_BaseMLP._parameter_constraints,
        "loss": [Options("squared_error", "poisson")],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, loss="squared_error",
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype=None, scoring=None,
                 dropout=0.0, batch_norm=False):
        store_params(self, locals())

    def _regression_loss(self):
        return self.loss
