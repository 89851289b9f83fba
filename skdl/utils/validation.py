"""Parameter constraints and input checks shared by the estimators.

Estimators declare ``_parameter_constraints``: a dict from parameter name to
a list of accepted kinds (any match passes), in the spirit of scikit-learn's
own declarations. :func:`validate_params` checks them at the start of ``fit``
and raises one clear ``ValueError`` naming the parameter, its value and what
it may be.
"""

import numbers

import numpy as np


class Interval:
    """Numbers of ``kind`` (``numbers.Integral`` or ``numbers.Real``) in a range.

    Parameters
    ----------
    kind : type
    left, right : float or None
        Bounds; None means unbounded.
    closed : {"both", "left", "right", "neither"}
    """

    def __init__(self, kind, left, right, closed="both"):
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def accepts(self, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, self.kind):
            return False
        if self.left is not None:
            if value < self.left or (value == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if value > self.right or (value == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self):
        kind = "an int" if self.kind is numbers.Integral else "a float"
        lo = "-inf" if self.left is None else self.left
        hi = "inf" if self.right is None else self.right
        left_bracket = "[" if self.closed in ("both", "left") and self.left is not None else "("
        right_bracket = "]" if self.closed in ("both", "right") and self.right is not None else ")"
        return f"{kind} in the range {left_bracket}{lo}, {hi}{right_bracket}"


class Options:
    """One of a fixed set of values: strings, None, or special floats such as ``np.inf``."""

    def __init__(self, *values):
        self.values = values

    def accepts(self, value):
        return any(value is option or _equals(value, option) for option in self.values)

    def __str__(self):
        return "one of " + ", ".join(repr(v) for v in self.values)


def _equals(value, option):
    """``value == option`` between values of the same kind (a string is no number)."""
    if isinstance(option, str):
        return isinstance(value, str) and value == option
    if isinstance(option, float):
        return (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
                and value == option)
    return False


class InstanceOf:
    """Any instance of the given types (booleans are not integers here)."""

    def __init__(self, *types, description=None):
        self.types = types
        self.description = description

    def accepts(self, value):
        return isinstance(value, self.types)

    def __str__(self):
        return self.description or "an instance of " + " or ".join(t.__name__ for t in self.types)


class Dtype:
    """``numpy.float32`` or ``numpy.float64``, given as a type, dtype or string."""

    def accepts(self, value):
        try:
            return np.dtype(value) in (np.dtype(np.float32), np.dtype(np.float64))
        except TypeError:
            return False

    def __str__(self):
        return "numpy.float32 or numpy.float64"


class Callable:
    def accepts(self, value):
        return callable(value)

    def __str__(self):
        return "a callable"


BOOLEAN = InstanceOf(bool, np.bool_, description="a bool")

#: The ``class_weight`` parameter of every classifier: None, "balanced" or a dict.
CLASS_WEIGHT = [Options(None, "balanced"), InstanceOf(dict, description="a dict")]


def validate_params(estimator):
    """Check every declared parameter of ``estimator``; raise ValueError on the first bad one."""
    params = estimator.get_params(deep=False)
    for name, constraints in estimator._parameter_constraints.items():
        value = params[name]
        if not any(constraint.accepts(value) for constraint in constraints):
            allowed = " or ".join(str(c) for c in constraints)
            raise ValueError(
                f"The {name!r} parameter of {type(estimator).__name__} must be "
                f"{allowed}. Got {value!r} instead."
            )


def check_sample_weight(sample_weight, n_samples, dtype):
    """Validate ``sample_weight`` into a new 1-D float array (never a view of the input).

    Raises
    ------
    ValueError
        Wrong shape or length, non-finite or negative values, or all zero.
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        return np.full(n_samples, sample_weight, dtype=dtype)
    weights = np.array(sample_weight, dtype=dtype, copy=True)
    if weights.ndim != 1:
        raise ValueError(f"Sample weights must be 1D array or scalar, got shape {weights.shape}.")
    if weights.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == ({weights.shape[0]},), expected ({n_samples},)!"
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError("Sample weights must be finite.")
    if np.any(weights < 0):
        raise ValueError("Negative values in sample_weight are not allowed.")
    if not np.any(weights > 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights


def make_generator(random_state):
    """A ``numpy.random.Generator`` from a ``random_state`` parameter.

    ``None`` gives fresh entropy, an int a fixed seed, a ``RandomState`` a
    seed drawn from it (so a shared RandomState still drives reproducible
    fits), and a ``Generator`` is used as it is.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(random_state)
