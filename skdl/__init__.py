"""skdl: deep-learning estimators for scikit-learn, in pure NumPy and SciPy."""

from .gaussian import GaussianClassifier
from .linear import LinearRegression, LogisticRegression, SoftmaxClassifier
from .mlp import MLPClassifier, MLPRegressor

__version__ = "0.1.0.dev0"

__all__ = [
    "GaussianClassifier",
    "LinearRegression",
    "LogisticRegression",
    "MLPClassifier",
    "MLPRegressor",
    "SoftmaxClassifier",
]
