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

from ._base import BaseNeuralEstimator, NeuralClassifierMixin, NeuralRegressorMixin
from ._docs import fill_doc
from .activations import HIDDEN_ACTIVATIONS
from .layers import Activation, Dense, Dropout
from .utils.validation import CLASS_WEIGHT, InstanceOf, Interval, Options

class _BaseMLP(BaseNeuralEstimator):
    """Hidden layers, dropout, and access to hidden activations."""

    _parameter_constraints = {
        **BaseNeuralEstimator._parameter_constraints,
        "hidden_layer_sizes": [Interval(numbers.Integral, 1, None),
                               InstanceOf(list, tuple, np.ndarray, description="array-like")],
        "activation": [Options(*HIDDEN_ACTIVATIONS)],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left"),
                    InstanceOf(list, tuple, np.ndarray, description="array-like")],
    }

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        return [int(sizes)] if isinstance(sizes, numbers.Integral) else [int(s) for s in sizes]

    def _dropout_rates(self):
        n_hidden = len(self._hidden_sizes())
        if isinstance(self.dropout, numbers.Real):
            return [float(self.dropout)] * n_hidden
        return [float(rate) for rate in self.dropout]

    def _check_params(self):
        sizes = self.hidden_layer_sizes
        if not isinstance(sizes, numbers.Integral):
            if any(not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 1
                   for s in sizes):
                raise ValueError("hidden_layer_sizes must be > 0 integers, "
                                 f"got {sizes!r}.")
        rates = self._dropout_rates()
        if len(rates) != len(self._hidden_sizes()):
            raise ValueError(f"dropout has {len(rates)} rates but there are "
                             f"{len(self._hidden_sizes())} hidden layers.")
        if any(not 0 <= rate < 1 for rate in rates):
            raise ValueError(f"dropout rates must be in [0, 1), got {self.dropout!r}.")
        if self.solver == "lbfgs" and any(rates):
            raise ValueError("dropout makes the loss random, which L-BFGS cannot "
                             "minimise; use a stochastic solver with dropout.")

    def _build_network(self, n_features, n_outputs):
        # scikit-learn's Glorot gain: 2 for logistic units, 6 otherwise.
        gain = 2.0 if self.activation in ("logistic", "sigmoid") else 6.0
        layers = []
        for units, rate in zip(self._hidden_sizes(), self._dropout_rates()):
            layers += [Dense(units, init_gain=gain), Activation(self.activation)]
            if rate > 0:
                layers.append(Dropout(rate))
        layers.append(Dense(n_outputs, init_gain=gain))
        return layers

    def _set_fitted_attributes(self):
        super()._set_fitted_attributes()
        self.n_layers_ = len(self._hidden_sizes()) + 2

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
        for current in self.network_.layers:
            X = current.forward(X, training=False)
            if current is target:
                # Copy: the next layer of a later call could reuse this buffer.
                return X.copy()
        raise AssertionError("the hidden layer is not part of the network")


@fill_doc()
class MLPClassifier(NeuralClassifierMixin, _BaseMLP):
    r"""Multilayer perceptron classifier, a superset of scikit-learn's.

    Same parameters, defaults and fitted attributes as
    ``sklearn.neural_network.MLPClassifier``, plus more solvers (Adagrad,
    RMSProp, SWATS), dropout, ``class_weight``, leaky ReLU, float32 compute,
    a validation loss curve, and :meth:`hidden_activations`.

    Binary targets use one sigmoid output and binary cross-entropy,
    multi-class targets a softmax and categorical cross-entropy, multi-label
    indicator targets one sigmoid per label.

    Parameters
    ----------
{mlp_parameters}{training_parameters}{dropout}{class_weight}
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
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype=None,
                 dropout=0.0, class_weight=None):
        super().__init__(
            solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle,
            random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            rho=rho, dtype=dtype)
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.class_weight = class_weight


@fill_doc()
class MLPRegressor(NeuralRegressorMixin, _BaseMLP):
    r"""Multilayer perceptron regressor, a superset of scikit-learn's.

    Same parameters, defaults and fitted attributes as
    ``sklearn.neural_network.MLPRegressor`` (squared error, identity output),
    plus more solvers, dropout, leaky ReLU, float32 compute, a validation
    loss curve and :meth:`hidden_activations`.

    Parameters
    ----------
{mlp_parameters}{training_parameters}{dropout}
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

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, dtype=None,
                 dropout=0.0):
        super().__init__(
            solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle,
            random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            rho=rho, dtype=dtype)
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
