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
        """Create parameters for inputs of ``input_shape``; return the output shape.

        The base layer has no parameters and keeps the shape.

        Parameters
        ----------
        input_shape : tuple of int
            Shape of one input sample, without the batch dimension.
        rng : numpy.random.Generator
            Generator for the initial parameters (and, for dropout, the masks).
        dtype : numpy.dtype
            Dtype of the parameters and of the arrays the layer computes.

        Returns
        -------
        output_shape : tuple of int
            Shape of one output sample, without the batch dimension.
        """
        return tuple(input_shape)

    def forward(self, X, training=False):
        r"""Compute the layer's output for the batch ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, \*input_shape)
            A batch of inputs. Some layers (:class:`Activation`) overwrite it.
        training : bool, default=False
            Whether this is a training pass (dropout is only active then).

        Returns
        -------
        Y : ndarray of shape (n_samples, \*output_shape)
            The layer's output for the batch.
        """
        raise NotImplementedError

    def backward(self, dY, input_grad=True):
        r"""Back-propagate ``dY``: fill the parameter gradients, return ``dX``.

        Uses the cache of the last :meth:`forward` call.

        Parameters
        ----------
        dY : ndarray of shape (n_samples, \*output_shape)
            Gradient of the loss with respect to the layer's output. It may be
            overwritten.
        input_grad : bool, default=True
            Whether to compute the gradient with respect to the input. The
            first layer of a network passes False, as nothing needs it.

        Returns
        -------
        dX : ndarray of shape (n_samples, \*input_shape) or None
            Gradient of the loss with respect to the layer's input, or None
            when ``input_grad`` is False.
        """
        raise NotImplementedError

    def params(self):
        """Trainable parameters, in ``param_names`` order.

        Returns
        -------
        params : list of ndarray
            The parameter arrays themselves (not copies).
        """
        return [getattr(self, name) for name in self.param_names]

    def grads(self):
        """Gradients of the parameters, in the same order as :meth:`params`.

        Returns
        -------
        grads : list of ndarray
            The arrays ``backward`` fills, each of its parameter's shape.
        """
        return [getattr(self, "d" + name) for name in self.param_names]

    def bind(self, params, grads):
        """Replace parameters and gradients by the given arrays (views).

        Parameters
        ----------
        params : sequence of ndarray
            New parameter arrays, in ``param_names`` order, each of the shape
            of the parameter it replaces.
        grads : sequence of ndarray
            New gradient arrays, in the same order and shapes.
        """
        for name, param, grad in zip(self.param_names, params, grads):
            setattr(self, name, param)
            setattr(self, "d" + name, grad)

    def __repr__(self):
        return f"{type(self).__name__}()"
