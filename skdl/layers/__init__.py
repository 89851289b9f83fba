"""Layers: each has ``build``, ``forward``, ``backward``, ``params`` and ``grads``."""

from .activation import Activation
from .base import Layer
from .dense import Dense, glorot_uniform
from .dropout import Dropout

__all__ = ["Activation", "Dense", "Dropout", "Layer", "glorot_uniform"]
