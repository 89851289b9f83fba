"""Network assembly shared by every estimator: the dense head and its checks.

Every neural estimator ends in the same block, built here and only here::

    [Dropout(input_dropout)] -> [Dense -> (BatchNormalization) -> activation
    -> (Dropout)] per hidden layer -> Dense(n_outputs)

with scikit-learn's Glorot gain rule (:func:`init_gain`) on every dense
layer, one validation of the layer sizes (:func:`layer_sizes`) and one of the
dropout rates (:func:`dropout_rates`).
"""

import numbers

import numpy as np

from .layers import Activation, BatchNormalization, Dense, Dropout


def init_gain(activation):
    """scikit-learn's Glorot gain: 2 for logistic units (slope 1/4 at zero), 6 otherwise."""
    return 2.0 if activation in ("logistic", "sigmoid") else 6.0


def layer_sizes(value, name, allow_empty=True):
    """An int or a sequence of positive ints as a tuple of ints, or a clear ValueError.

    Parameters
    ----------
    value : int or sequence of int
        The parameter's value.
    name : str
        The parameter's name, for the message.
    allow_empty : bool, default=True
        Whether an empty sequence (no layer) is allowed.

    Returns
    -------
    sizes : tuple of int
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        value = (value,)
    try:
        sizes = tuple(value)
    except TypeError:
        sizes = None
    if sizes is None or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, (bool, np.bool_)) and s >= 1
            for s in sizes) or (not sizes and not allow_empty):
        what = "a possibly empty" if allow_empty else "a non-empty"
        raise ValueError(f"{name} must be a positive int or {what} tuple of positive ints; "
                         f"got {value!r}.")
    return tuple(int(s) for s in sizes)


def dropout_rates(dropout, n_rates, solver, where):
    """The dropout rate of each of ``n_rates`` places, checked.

    Parameters
    ----------
    dropout : float or sequence of float
        One rate for every place, or one per place.
    n_rates : int
        Number of places a rate applies to.
    solver : str
        The estimator's solver: a non-zero rate with ``"lbfgs"`` is an error,
        since dropout makes the loss random and L-BFGS needs a deterministic one.
    where : str
        What the places are, for the message (e.g. "hidden layer").

    Returns
    -------
    rates : tuple of float
    """
    if isinstance(dropout, numbers.Real) and not isinstance(dropout, (bool, np.bool_)):
        rates = (float(dropout),) * n_rates
    else:
        rates = tuple(dropout)
        if len(rates) != n_rates:
            raise ValueError(f"dropout has {len(rates)} rates but there are {n_rates} "
                             f"places for one ({where}); got {dropout!r}.")
    if not all(isinstance(r, numbers.Real) and not isinstance(r, (bool, np.bool_))
               and 0 <= r < 1 for r in rates):
        raise ValueError(f"dropout rates must be floats in [0, 1), got {dropout!r}.")
    if solver == "lbfgs" and any(rates):
        raise ValueError("dropout makes the loss random, which L-BFGS cannot minimise; "
                         "use a stochastic solver with dropout.")
    return tuple(float(r) for r in rates)


def dense_head(hidden_sizes, n_outputs, activation, rates, *, input_dropout=0.0,
               batch_norm=False):
    """The dense layers from a feature vector to the logits.

    Parameters
    ----------
    hidden_sizes : tuple of int
        Units of each hidden layer (may be empty).
    n_outputs : int
        Units of the output layer (logits).
    activation : str
        Activation of the hidden layers; also sets the initialisation gain.
    rates : tuple of float
        Dropout rate after each hidden layer (0 for none).
    input_dropout : float, default=0.0
        Dropout rate on the head's input.
    batch_norm : bool, default=False
        Normalise each hidden layer's pre-activations (then the dense layer
        has no bias: the normalisation's shift replaces it).

    Returns
    -------
    layers : list of Layer
    """
    gain = init_gain(activation)
    layers = [Dropout(input_dropout)] if input_dropout else []
    for units, rate in zip(hidden_sizes, rates):
        if batch_norm:
            layers += [Dense(units, init_gain=gain, use_bias=False), BatchNormalization()]
        else:
            layers.append(Dense(units, init_gain=gain))
        layers.append(Activation(activation))
        if rate:
            layers.append(Dropout(rate))
    layers.append(Dense(n_outputs, init_gain=gain))
    return layers
