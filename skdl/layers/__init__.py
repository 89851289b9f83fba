"""Layers: each has ``build``, ``forward``, ``backward``, ``params`` and ``grads``."""

from .activation import Activation
from .base import Layer
from .conv import Conv1D, Conv2D
from .dense import Dense, glorot_uniform
from .dropout import Dropout
from .embedding import Embedding
from .pooling import AvgPool1D, AvgPool2D, MaxPool1D, MaxPool2D
from .recurrent import LSTM, Bidirectional, SimpleRNN
from .reshape import Flatten, Reshape
from .sequence import SequenceInput

__all__ = [
    "LSTM",
    "Activation",
    "AvgPool1D",
    "AvgPool2D",
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
