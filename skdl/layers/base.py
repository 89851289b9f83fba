"""The layer contract shared by every layer."""


class Layer:
    """Base class of all layers.

    A layer is built once for an input shape, then alternates ``forward`` and
    ``backward``::

        output_shape = layer.build(input_shape, rng, dtype)
        Y = layer.forward(X, training=True)     # caches what backward needs
        dX = layer.backward(dY)                 # fills layer.grads()

    Shapes exclude the batch dimension. A layer keeps one forward cache (the
    last batch) and never owns an optimizer. Parameters are named by
    ``param_names``; the gradient of parameter ``W`` lives in attribute
    ``dW``. :class:`skdl.network.Sequential` rebinds both to views of one flat
    buffer so that an optimizer updates every parameter with a few NumPy calls.

    Attributes
    ----------
    param_names : tuple of str
        Names of the trainable parameters, in a fixed order.
    regularized : tuple of str
        The subset of ``param_names`` the L2 penalty applies to (weights, not
        intercepts).
    """

    param_names = ()
    regularized = ()

    def build(self, input_shape, rng, dtype):
        """Create parameters for inputs of ``input_shape``; return the output shape."""
        return tuple(input_shape)

    def forward(self, X, training=False):
        """Compute the layer's output for the batch ``X``."""
        raise NotImplementedError

    def backward(self, dY, input_grad=True):
        """Back-propagate ``dY``: fill the parameter gradients, return ``dX``.

        ``dY`` may be overwritten. With ``input_grad=False`` (the first layer
        of a network) the input gradient is not computed and None is returned.
        """
        raise NotImplementedError

    def params(self):
        """Trainable parameters, in ``param_names`` order."""
        return [getattr(self, name) for name in self.param_names]

    def grads(self):
        """Gradients of the parameters, in the same order as :meth:`params`."""
        return [getattr(self, "d" + name) for name in self.param_names]

    def bind(self, params, grads):
        """Replace parameters and gradients by the given arrays (views)."""
        for name, param, grad in zip(self.param_names, params, grads):
            setattr(self, name, param)
            setattr(self, "d" + name, grad)

    def __repr__(self):
        return f"{type(self).__name__}()"
