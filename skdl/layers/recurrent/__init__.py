"""Recurrent layers: Elman and Jordan simple RNNs, LSTM, GRU, Bidirectional.

The conventions they share (time-major sequences, masks, reversal) are
described in :mod:`skdl.layers.recurrent.base`.
"""

from .base import Recurrent, lecun_uniform, orthogonal, split_sequence
from .bidirectional import Bidirectional
from .gru import GRU
from .lstm import LSTM
from .simple import SimpleRNN

__all__ = ["GRU", "LSTM", "Bidirectional", "Recurrent", "SimpleRNN", "lecun_uniform",
           "orthogonal", "split_sequence"]
