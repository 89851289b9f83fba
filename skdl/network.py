"""A stack of layers trained as one function."""

import copy

import numpy as np

#: Bytes of work arrays a prediction may hold at once (besides its input and
#: output): large inputs are run through the network in chunks of rows sized
#: to this budget, so prediction memory does not grow with the number of rows.
INFERENCE_BUDGET = 64 * 2**20


class Sequential:
    """Layers applied one after another.

    After :meth:`build`, every trainable parameter of every layer is a view
    into one flat vector :attr:`flat_params`. Optimizers and L-BFGS then work
    on one array, which keeps the number of NumPy calls per update
    independent of the depth of the network. Weights that the L2 penalty
    applies to come first, so the penalty is one dot product over
    ``flat_params[:n_regularized]``.

    The network holds what the model has learned, nothing else: the
    parameters (once, in the flat vector) and the layers' non-trainable state.
    Gradients and training caches belong to a fit (the training loop creates
    them and passes them to :meth:`forward` and :meth:`backward`);
    :meth:`forward` without caches is a pure function of the parameters.

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
    n_regularized : int
        Length of the leading block of ``flat_params`` that holds weights.
    input_shape, output_shape : tuple
        Per-sample shapes, without the batch dimension.
    dtype : numpy.dtype
        Compute precision of the parameters and of every batch.
    """

    def __init__(self, layers):
        self.layers = list(layers)

    # ---------------------------------------------------------------- build
    def build(self, input_shape, rng, dtype=np.float64):
        """Build every layer for per-sample ``input_shape`` and bind them to the flat buffer.

        Parameters
        ----------
        input_shape : tuple of int
            Shape of one input sample, without the batch dimension.
        rng : numpy.random.Generator
            The generator for weight initialisation.
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
        work = 0
        for layer in self.layers:
            in_size = int(np.prod(shape))
            shape = layer.build(shape, rng, self.dtype)
            work = max(work, in_size + int(np.prod(shape)) + layer.workspace_size())
        self.output_shape = tuple(shape)
        self._work_per_sample = work
        self._layout = self._make_layout()
        total = sum(size for _, _, _, size, _ in self._layout)
        self.flat_params = np.empty(total, dtype=self.dtype)
        for layer_index, name, start, size, _ in self._layout:
            self.flat_params[start:start + size] = self.layers[layer_index].parameters()[name].ravel()
        self._bind()
        self._first_trainable = next(
            (index for index, layer in enumerate(self.layers) if layer.parameters()), 0)
        return self

    def _make_layout(self):
        """(layer index, name, offset, size, shape) of every parameter, weights first."""
        entries = []
        for regularized_pass in (True, False):
            for index, layer in enumerate(self.layers):
                for name, array in layer.parameters().items():
                    if (name in layer.regularized) == regularized_pass:
                        entries.append((index, name, array.shape))
        layout, offset = [], 0
        self.n_regularized = 0
        for index, name, shape in entries:
            size = int(np.prod(shape))
            layout.append((index, name, offset, size, shape))
            if name in self.layers[index].regularized:
                self.n_regularized = offset + size
            offset += size
        return layout

    def _views(self, flat):
        """Per-layer dicts of views of ``flat`` (parameters or gradients), by the layout."""
        views = [{} for _ in self.layers]
        for layer_index, name, start, size, shape in self._layout:
            views[layer_index][name] = flat[start:start + size].reshape(shape)
        return views

    def _bind(self):
        """Point every layer's parameters at views of :attr:`flat_params`."""
        for layer, views in zip(self.layers, self._views(self.flat_params)):
            if views:
                layer.bind(views)

    def __getstate__(self):
        # The flat vector holds every parameter once; the layers' views would
        # be pickled as independent copies, so copies of the layers without
        # them are pickled instead (the live layers are not touched, which
        # keeps pickling safe while other threads predict).
        state = self.__dict__.copy()
        state["layers"] = [layer.without_arrays() for layer in self.layers]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "_layout" in state:
            self._bind()

    # ----------------------------------------------------------- the model
    def gradient_views(self, flat_grads):
        """Views of a flat gradient vector, one dict per layer, for :meth:`backward`.

        Parameters
        ----------
        flat_grads : ndarray of shape (n_params,)
            A gradient vector laid out as :attr:`flat_params` (owned by a fit).

        Returns
        -------
        grads : list of dict
            For each layer, its parameter names to views of ``flat_grads``.
        """
        return self._views(flat_grads)

    def state(self):
        """Non-trainable state of every layer.

        Returns
        -------
        state : list of dict
            Each layer's :meth:`~skdl.layers.Layer.state` (the live arrays).
        """
        return [layer.state() for layer in self.layers]

    def snapshot(self):
        """A copy of everything the network has learned: parameters and state.

        Returns
        -------
        snapshot : tuple
            ``(flat_params copy, state copies)``, for :meth:`restore`.
        """
        return (self.flat_params.copy(),
                [{name: array.copy() for name, array in state.items()}
                 for state in self.state()])

    def restore(self, snapshot):
        """Put back the parameters and state of a :meth:`snapshot`, in place.

        Parameters
        ----------
        snapshot : tuple
            A value returned by :meth:`snapshot` of this network.
        """
        flat, states = snapshot
        self.flat_params[:] = flat
        for live, saved in zip(self.state(), states):
            for name, array in saved.items():
                live[name][...] = array

    # ------------------------------------------------------------ computing
    def astype(self, dtype):
        """This network computing in ``dtype``: itself, or a converted copy for one prediction.

        The copy holds its own converted parameter vector and shallow copies
        of the layers bound to it (their non-trainable state is shared and
        only read), so this network is not touched: a float32-trained model
        can predict in float64 from many threads at once.

        Parameters
        ----------
        dtype : dtype
            The compute precision wanted.

        Returns
        -------
        network : Sequential
            ``self`` when it already computes in ``dtype``.
        """
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        twin = copy.copy(self)
        twin.dtype = dtype
        twin.flat_params = self.flat_params.astype(dtype)
        twin.layers = [copy.copy(layer) for layer in self.layers]
        twin._bind()
        return twin

    def forward(self, X, caches=None, rng=None, stop=None, sample_weight=None, dtype=None):
        r"""Logits for the batch ``X`` (per-sample shape ``input_shape``).

        Parameters
        ----------
        X : ndarray of shape (n_samples, \*input_shape)
            A batch of inputs. In training it must already have the network's
            dtype; at inference each chunk is cast as it is read, so the
            input is never copied whole.
        caches : list of dict or None, default=None
            One training cache per layer, owned by the fit, which
            :meth:`backward` reads. None means inference: the layers keep
            nothing, and rows are processed in chunks sized to
            :data:`INFERENCE_BUDGET`.
        rng : numpy.random.Generator or None, default=None
            Training-time randomness (dropout masks).
        stop : int or None, default=None
            Return the output of layer ``stop - 1`` instead of the logits
            (inference only).
        sample_weight : ndarray of shape (n_samples,) or None, default=None
            Training only: the batch's sample weights, handed to every layer
            in its cache (``cache["sample_weight"]``) for layers whose
            computation depends on them (weighted batch statistics).
        dtype : dtype or None, default=None
            Inference only: compute in this precision instead of the
            network's (see :meth:`astype`); the estimators predict in float64
            from float32-trained weights this way.

        Returns
        -------
        Z : ndarray of shape (n_samples, \*output_shape)
            The logits: the output layer before its output activation.
        """
        layers = self.layers if stop is None else self.layers[:stop]
        if caches is not None:
            for layer, cache in zip(layers, caches):
                cache["sample_weight"] = sample_weight
                X = layer.forward(X, cache, rng)
            return X
        if dtype is not None and np.dtype(dtype) != self.dtype:
            network = self.astype(dtype)
            return network.forward(X, stop=stop)
        n = X.shape[0]
        rows = self.chunk_rows(X)
        output = None
        for start in range(0, n, rows):
            Y = X[start:start + rows]
            if Y.dtype != self.dtype:
                Y = Y.astype(self.dtype)
            for layer in layers:
                Y = layer.forward(Y)
            if rows >= n:
                return Y
            if output is None:
                output = np.empty((n,) + Y.shape[1:], dtype=Y.dtype)
            output[start:start + rows] = Y
        return output

    def chunk_rows(self, X):
        """Rows per inference chunk of ``X``: the work arrays stay within the budget.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...)
            The input batch.

        Returns
        -------
        rows : int
            At least 1.
        """
        per_sample = int(np.prod(X.shape[1:])) if X.ndim > 1 else 1
        # Longer sequences than built for scale the work with them.
        scale = max(1.0, per_sample / max(1, int(np.prod(self.input_shape))))
        bytes_per_row = self.dtype.itemsize * self._work_per_sample * scale
        return max(1, int(INFERENCE_BUDGET // bytes_per_row))

    def backward(self, dY, caches, grads):
        r"""Back-propagate the loss gradient ``dY`` through every layer.

        Back-propagation stops at the first layer with parameters, which
        skips its input gradient: nothing below it needs one (layers before
        it, such as an input ``Reshape``, have no parameters). For a first
        convolution this saves a whole col2im.

        Parameters
        ----------
        dY : ndarray of shape (n_samples, \*output_shape)
            Gradient of the loss with respect to the logits of the last
            training :meth:`forward` call. It may be overwritten.
        caches : list of dict
            The caches that forward call filled.
        grads : list of dict
            Where each layer writes its parameter gradients
            (:meth:`gradient_views` of the fit's flat gradient).
        """
        first = self._first_trainable
        for index in range(len(self.layers) - 1, first - 1, -1):
            dY = self.layers[index].backward(dY, caches[index], grads[index],
                                             input_grad=index > first)

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
