"""Layers: each has ``build``, ``parameters``, ``state``, ``forward`` and ``backward``.

See :mod:`skdl.layers.base` for the contract.
"""

from .activation import Activation
from .base import Layer
from .batchnorm import BatchNormalization
from .conv import Conv1D, Conv2D
from .dense import Dense, glorot_uniform
from .dropout import Dropout
from .embedding import Embedding
from .pooling import AvgPool1D, AvgPool2D, MaxPool1D, MaxPool2D
from .recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from .reshape import Flatten, Reshape
from .sequence import SequenceInput

__all__ = [
    "GRU",
    "LSTM",
    "Activation",
    "AvgPool1D",
    "AvgPool2D",
    "BatchNormalization",
    "Bidirectional",
    "Conv1D",
    "Conv2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "Layer",
    "MaxPool1D",
    "MaxPool2D",
    "Reshape",
    "SequenceInput",
    "SimpleRNN",
    "glorot_uniform",
]
