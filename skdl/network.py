"""A stack of layers trained as one function."""

import numpy as np


class Sequential:
    """Layers applied one after another.

    After :meth:`build`, every parameter of every layer is a view into one
    flat vector :attr:`flat_params`, and every gradient a view into
    :attr:`flat_grads`. Optimizers and L-BFGS then work on one array, which
    keeps the number of NumPy calls per update independent of the depth of
    the network. Weights that the L2 penalty applies to come first, so the
    penalty is one dot product over ``flat_params[:n_regularized]``.

    Parameters
    ----------
    layers : list of Layer
        The layers, input first. The network outputs logits: the output
        activation is fused into the loss (see :mod:`skdl.losses`).

    Attributes
    ----------
    flat_params : ndarray of shape (n_params,)
        Every parameter of every layer, weights first; the layers' parameters
        are views of it.
    flat_grads : ndarray of shape (n_params,)
        The gradients, laid out as ``flat_params``; filled by :meth:`backward`.
    n_regularized : int
        Length of the leading block of ``flat_params`` that holds weights.
    input_shape, output_shape : tuple
        Per-sample shapes, without the batch dimension.
    """

    def __init__(self, layers):
        self.layers = list(layers)

    def build(self, input_shape, rng, dtype=np.float64):
        """Build every layer for per-sample ``input_shape`` and bind them to flat buffers.

        Parameters
        ----------
        input_shape : tuple of int
            Shape of one input sample, without the batch dimension.
        rng : numpy.random.Generator
            The one generator for weight initialisation and dropout masks.
        dtype : dtype, default=np.float64
            Compute precision.

        Returns
        -------
        self : Sequential
            The network, built.
        """
        self.dtype = np.dtype(dtype)
        self.input_shape = tuple(input_shape)
        shape = self.input_shape
        for layer in self.layers:
            shape = layer.build(shape, rng, self.dtype)
        self.output_shape = tuple(shape)
        self._layout = self._make_layout()
        total = sum(size for _, _, _, size, _ in self._layout)
        self.flat_params = np.empty(total, dtype=self.dtype)
        self.flat_grads = np.zeros(total, dtype=self.dtype)
        for layer_index, name, start, size, shape in self._layout:
            layer = self.layers[layer_index]
            self.flat_params[start:start + size] = getattr(layer, name).ravel()
        self._bind()
        return self

    def _make_layout(self):
        """(layer index, name, offset, size, shape) of every parameter, weights first."""
        entries = []
        for regularized_pass in (True, False):
            for index, layer in enumerate(self.layers):
                for name in layer.param_names:
                    if (name in layer.regularized) == regularized_pass:
                        entries.append((index, name, getattr(layer, name).shape))
        layout, offset = [], 0
        self.n_regularized = 0
        for index, name, shape in entries:
            size = int(np.prod(shape))
            layout.append((index, name, offset, size, shape))
            if name in self.layers[index].regularized:
                self.n_regularized = offset + size
            offset += size
        return layout

    def scratch(self, size):
        """A reusable 1-D work buffer of the network's dtype, ``size`` long.

        The buffer is kept and grown as needed, so its content is overwritten
        by the next call: it is scratch space, not storage.

        Parameters
        ----------
        size : int
            Number of elements needed.

        Returns
        -------
        buffer : ndarray of shape (size,)
            A view of the network's work buffer, uninitialised.
        """
        buffer = getattr(self, "_scratch", None)
        if buffer is None or buffer.size < size:
            buffer = self._scratch = np.empty(size, dtype=self.dtype)
        return buffer[:size]

    def _bind(self):
        """Point every layer's parameters and gradients at the flat buffers."""
        for layer_index, name, start, size, shape in self._layout:
            layer = self.layers[layer_index]
            setattr(layer, name, self.flat_params[start:start + size].reshape(shape))
            setattr(layer, "d" + name, self.flat_grads[start:start + size].reshape(shape))

    def __setstate__(self, state):
        # Pickle stores views as independent copies; re-create the sharing.
        self.__dict__.update(state)
        if "_layout" in state:
            self._bind()

    def forward(self, X, training=False):
        r"""Logits for the batch ``X`` (per-sample shape ``input_shape``).

        Parameters
        ----------
        X : ndarray of shape (n_samples, \*input_shape)
            A batch of inputs, of the network's dtype.
        training : bool, default=False
            Whether this is a training pass (dropout is only active then).
            Each layer caches what its ``backward`` needs.

        Returns
        -------
        Z : ndarray of shape (n_samples, \*output_shape)
            The logits: the output layer before its output activation.
        """
        for layer in self.layers:
            X = layer.forward(X, training)
        return X

    def backward(self, dY):
        r"""Back-propagate the loss gradient ``dY`` through every layer.

        Fills :attr:`flat_grads`. Back-propagation stops at the first layer
        with parameters, which skips its input gradient: nothing below it
        needs one (layers before it, such as an input ``Reshape``, have no
        parameters). For a first convolution this saves a whole col2im.

        Parameters
        ----------
        dY : ndarray of shape (n_samples, \*output_shape)
            Gradient of the loss with respect to the logits of the last
            :meth:`forward` call. It may be overwritten.

        Returns
        -------
        flat_grads : ndarray of shape (n_params,)
            :attr:`flat_grads`, the gradient of every parameter.
        """
        first = self._first_trainable()
        for index in range(len(self.layers) - 1, first - 1, -1):
            dY = self.layers[index].backward(dY, input_grad=index > first)
        return self.flat_grads

    def _first_trainable(self):
        """Index of the first layer with parameters (0 if there is none)."""
        for index, layer in enumerate(self.layers):
            if layer.param_names:
                return index
        return 0

    def params(self):
        """All parameters, layer by layer, as views of :attr:`flat_params`.

        Returns
        -------
        params : list of ndarray
            Each layer's :meth:`~skdl.layers.Layer.params`, input layer first.
        """
        return [p for layer in self.layers for p in layer.params()]

    def grads(self):
        """All gradients, in the same order as :meth:`params`.

        Returns
        -------
        grads : list of ndarray
            Views of :attr:`flat_grads`, each of its parameter's shape.
        """
        return [g for layer in self.layers for g in layer.grads()]

    def layers_of_type(self, cls):
        """The layers that are instances of ``cls``, input first.

        Parameters
        ----------
        cls : type or tuple of type
            The layer class(es) to select, as for :func:`isinstance`.

        Returns
        -------
        layers : list of Layer
            The matching layers, in network order.
        """
        return [layer for layer in self.layers if isinstance(layer, cls)]

    def __repr__(self):
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Sequential([{inner}])"
