r"""The layer contract shared by every layer.

A layer keeps three kinds of state, and keeps them apart:

* **trainable parameters** (``W``, ``b``, ...): arrays returned by
  :meth:`Layer.parameters`. Inside a :class:`~skdl.network.Sequential` they
  are views into the network's one flat parameter vector, bound by
  :meth:`Layer.bind`, the only method that replaces them.
* **non-trainable state** (a batch normalisation's running statistics):
  arrays returned by :meth:`Layer.state`, which gradients do not train but
  training updates. They are pickled with the model and saved and restored
  with the weights (early stopping, warm starts).
* **per-call caches** (inputs, masks, gate activations, im2col buffers): a
  dict that the *caller* owns and passes to :meth:`Layer.forward` and
  :meth:`Layer.backward`. A fit creates one dict per layer and drops them all
  when it ends, so they are never pickled. At inference no cache is passed
  and a layer allocates its work arrays for the call: prediction writes
  nothing to the layer, which makes it a pure function of the fitted model
  (thread-safe, leaving nothing behind).

Training, with one cache dict and one gradient dict per layer::

    output_shape = layer.build(input_shape, rng, dtype)
    Y = layer.forward(X, cache, rng)          # fills cache
    dX = layer.backward(dY, cache, grads)     # writes grads["W"], grads["b"]

Inference: ``Y = layer.forward(X)``.
"""

import copy

import numpy as np


class Layer:
    """Base class of all layers (see the module docstring for the contract).

    Shapes exclude the batch dimension. A layer never owns an optimizer, and
    after :meth:`build` the only attributes it writes are its parameters (by
    :meth:`bind`) and, while training, its non-trainable state.

    Attributes
    ----------
    regularized : tuple of str
        Names of the parameters the L2 penalty applies to (weights, not
        intercepts).
    """

    regularized = ()

    # ---------------------------------------------------------------- build
    def build(self, input_shape, rng, dtype):
        """Create parameters for inputs of ``input_shape``; return the output shape.

        The base layer has no parameters and keeps the shape.

        Parameters
        ----------
        input_shape : tuple of int
            Shape of one input sample, without the batch dimension.
        rng : numpy.random.Generator
            Generator for the initial parameters.
        dtype : numpy.dtype
            Dtype of the parameters and of the arrays the layer computes.

        Returns
        -------
        output_shape : tuple of int
            Shape of one output sample, without the batch dimension.
        """
        return tuple(input_shape)

    def _set_parameters(self, **arrays):
        """Record the freshly initialised parameters (called by ``build``), in order."""
        self._params = dict(arrays)

    # ---------------------------------------------------------- parameters
    def parameters(self):
        """Trainable parameters by name, in a fixed order.

        Returns
        -------
        params : dict of str to ndarray
            The arrays themselves (not copies). Empty for a layer without
            parameters.
        """
        return self.__dict__.get("_params", {})

    def bind(self, params):
        """Replace the parameters by the given arrays (views of a flat buffer).

        Parameters
        ----------
        params : dict of str to ndarray
            One array per name of :meth:`parameters`, each of the shape of
            the parameter it replaces.
        """
        self._params = {name: params[name] for name in self.parameters()}

    def state(self):
        """Non-trainable state by name (running statistics); empty by default.

        Returns
        -------
        state : dict of str to ndarray
            The arrays themselves: training updates them in place.
        """
        return {}

    def without_arrays(self):
        """A shallow copy whose parameter arrays are dropped, for pickling a network.

        :class:`~skdl.network.Sequential` pickles its flat buffer once and
        re-binds the views after loading; pickling the views too would store
        every weight twice. The layer itself is not modified.

        Returns
        -------
        layer : Layer
            A copy sharing everything but the parameter dict, whose values
            are None.
        """
        stripped = copy.copy(self)
        if "_params" in self.__dict__:
            stripped._params = dict.fromkeys(self._params)
        return stripped

    # ---------------------------------------------------------- computing
    def forward(self, X, cache=None, rng=None):
        r"""Compute the layer's output for the batch ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, \*input_shape)
            A batch of inputs. Some layers (:class:`Activation`) overwrite it.
        cache : dict or None, default=None
            The training cache of this layer, owned by the fit: the layer
            stores in it what :meth:`backward` needs (and may keep work
            arrays there from batch to batch). It arrives holding the batch's
            sample weights under ``"sample_weight"`` (None when unweighted).
            None means inference: nothing is kept anywhere.
        rng : numpy.random.Generator or None, default=None
            Source of training-time randomness (dropout masks).

        Returns
        -------
        Y : ndarray of shape (n_samples, \*output_shape)
            The layer's output for the batch, a fresh array (or a view of
            ``X`` for shape-only layers).
        """
        raise NotImplementedError

    def backward(self, dY, cache, grads, input_grad=True):
        r"""Back-propagate ``dY``: write the parameter gradients, return ``dX``.

        Parameters
        ----------
        dY : ndarray of shape (n_samples, \*output_shape)
            Gradient of the loss with respect to the layer's output. It may be
            overwritten.
        cache : dict
            The cache filled by the matching :meth:`forward` call.
        grads : dict of str to ndarray
            Where to write the gradient of each parameter (same names and
            shapes as :meth:`parameters`); views of the fit's flat gradient.
        input_grad : bool, default=True
            Whether to compute the gradient with respect to the input. The
            first layer with parameters gets False, as nothing needs it.

        Returns
        -------
        dX : ndarray of shape (n_samples, \*input_shape) or None
            Gradient of the loss with respect to the layer's input, or None
            when ``input_grad`` is False.
        """
        raise NotImplementedError

    def workspace_size(self):
        """Elements per sample an inference call allocates besides input and output.

        :class:`~skdl.network.Sequential` sizes its prediction chunks from it,
        so that inference memory stays within a fixed budget whatever the
        number of samples. Valid after :meth:`build`.

        Returns
        -------
        size : int
            0 for layers that need no work arrays.
        """
        return 0

    def __repr__(self):
        return f"{type(self).__name__}()"


def scratch(cache, name, shape, dtype):
    """A work array ``name`` of ``shape``: reused across training batches, fresh otherwise.

    In training (``cache`` is the layer's dict) the array is kept in the
    cache and handed out again for a batch of the same shape: a fresh
    multi-megabyte array is mapped from the OS page by page on first touch,
    which costs about a quarter of an LSTM step's time. Two arrays are kept
    per name, so an epoch's smaller last batch does not evict the full-size
    ones. At inference (``cache`` is None) the array is new and belongs to the
    call.

    Parameters
    ----------
    cache : dict or None
        The layer's training cache, or None.
    name : str
        Name of the work array within the layer.
    shape : tuple of int
    dtype : numpy.dtype

    Returns
    -------
    array : ndarray
        Uninitialised.
    """
    if cache is None:
        return np.empty(shape, dtype=dtype)
    kept = cache.setdefault("scratch", {}).setdefault(name, [])
    dtype = np.dtype(dtype)
    for array in kept:
        if array.shape == shape and array.dtype == dtype:
            return array
    kept.insert(0, np.empty(shape, dtype=dtype))
    del kept[2:]
    return kept[0]


def recent(cache, name, key, make):
    """``make()``, memoised in the training cache under ``name`` for the same ``key``.

    Like :func:`scratch` for anything expensive to build per batch shape
    (im2col plans, per-step views); two entries per name. Without a cache the
    value is built for the call.
    """
    if cache is None:
        return make()
    kept = cache.setdefault("recent", {}).setdefault(name, [])
    for entry_key, value in kept:
        if entry_key == key:
            return value
    value = make()
    kept.insert(0, (key, value))
    del kept[2:]
    return value
