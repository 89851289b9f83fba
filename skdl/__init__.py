"""skdl: deep-learning estimators for scikit-learn, in pure NumPy and SciPy."""

from ._version import __version__
from .convnet import ConvNetClassifier, ConvNetRegressor
from .gaussian import GaussianClassifier
from .linear import LinearRegression, LogisticRegression, SoftmaxClassifier
from .mlp import MLPClassifier, MLPRegressor
from .onnx import to_onnx
from .preprocessing import OneHotSequenceEncoder, TextEncoder
from .recurrent import LSTMClassifier, LSTMRegressor, RNNClassifier, RNNRegressor

__all__ = [
    "ConvNetClassifier",
    "ConvNetRegressor",
    "GaussianClassifier",
    "LSTMClassifier",
    "LSTMRegressor",
    "LinearRegression",
    "LogisticRegression",
    "MLPClassifier",
    "MLPRegressor",
    "OneHotSequenceEncoder",
    "RNNClassifier",
    "RNNRegressor",
    "SoftmaxClassifier",
    "TextEncoder",
    "to_onnx",
]
