"""Elementwise activation as a layer."""

from ..activations import ACTIVATIONS, DERIVATIVES
from .base import Layer


class Activation(Layer):
    """Apply a hidden activation function elementwise.

    It overwrites its input, so it must follow a layer whose output is a fresh
    array that nothing else keeps (``Dense``, convolutions), never come first.
    The forward cache is the output ``A``; the derivative is computed from it
    (see :mod:`skdl.activations`), in place on the incoming gradient.

    Parameters
    ----------
    name : str
        One of ``"identity"``, ``"logistic"`` (``"sigmoid"``), ``"tanh"``,
        ``"relu"``, ``"leaky_relu"``.
    """

    def __init__(self, name):
        self.name = name

    def forward(self, X, training=False):
        # In place: X is the fresh output of the layer before (a Dense or a
        # convolution never caches its output), so overwriting it saves one
        # allocation and one pass over memory per layer.
        self._A = ACTIVATIONS[self.name](X, out=X)
        return self._A

    def backward(self, dY, input_grad=True):
        if not input_grad:
            return None
        return DERIVATIVES[self.name](self._A, dY)

    def __repr__(self):
        return f"Activation({self.name!r})"
