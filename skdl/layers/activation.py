"""Elementwise activation as a layer."""

from ..activations import ACTIVATIONS, DERIVATIVES
from .base import Layer


class Activation(Layer):
    """Apply a hidden activation function elementwise.

    It overwrites its input, so it must follow a layer whose output is a fresh
    array that nothing else keeps (``Dense``, convolutions, pooling, batch
    normalisation), never come first. The training cache is the output ``A``;
    the derivative is computed from it (see :mod:`skdl.activations`), in
    place on the incoming gradient.

    Parameters
    ----------
    name : str
        One of ``"identity"``, ``"logistic"`` (``"sigmoid"``), ``"tanh"``,
        ``"relu"``, ``"leaky_relu"``.
    """

    def __init__(self, name):
        self.name = name

    def forward(self, X, cache=None, rng=None):
        # In place: X is the fresh output of the layer before, created for
        # this call, so overwriting it saves one allocation and one pass
        # over memory per layer.
        A = ACTIVATIONS[self.name](X, out=X)
        if cache is not None:
            cache["A"] = A
        return A

    def backward(self, dY, cache, grads, input_grad=True):
        if not input_grad:
            return None
        return DERIVATIVES[self.name](cache["A"], dY)

    def __repr__(self):
        return f"Activation({self.name!r})"
