r"""Bidirectional wrapper: a recurrent layer forwards, a copy of it backwards."""

import copy

import numpy as np

from ..base import Layer

#: Prefix of each direction's parameter names in the wrapper.
_PREFIXES = ("fw_", "bw_")


class Bidirectional(Layer):
    r"""Run a recurrent layer forwards and a copy of it backwards; concatenate.

    .. math::

        y_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t]

    so every output sees the whole sequence ("each word knows the whole
    sentence"). Without ``return_sequences`` the output is
    :math:`[\overrightarrow{h}_T ; \overleftarrow{h}_1]`, the final states of
    both directions.

    Parameters
    ----------
    layer : SimpleRNN or LSTM
        The forward-direction layer (``reverse=False``); an unbuilt copy with
        ``reverse=True`` makes the backward direction.

    Notes
    -----
    The wrapper composes its two layers: its :meth:`parameters` are theirs
    under the prefixes ``fw_`` and ``bw_`` (``fw_W``, ``bw_U``...), so that
    :class:`~skdl.network.Sequential` binds them to its flat buffer like any
    layer's, and its training cache holds one cache per direction.
    """

    def __init__(self, layer):
        self.forward_layer = layer
        backward = copy.deepcopy(layer)
        backward.reverse = True
        self.backward_layer = backward

    @property
    def return_sequences(self):
        """Whether the output is the whole sequence (as the wrapped layer's)."""
        return self.forward_layer.return_sequences

    @property
    def units(self):
        """Size of the output: both directions' states."""
        return 2 * self.forward_layer.units

    @property
    def regularized(self):
        return tuple(prefix + name for prefix, layer in zip(_PREFIXES, self._directions())
                     for name in layer.regularized)

    def _directions(self):
        return self.forward_layer, self.backward_layer

    def parameters(self):
        return {prefix + name: array
                for prefix, layer in zip(_PREFIXES, self._directions())
                for name, array in layer.parameters().items()}

    def bind(self, params):
        for prefix, layer in zip(_PREFIXES, self._directions()):
            layer.bind(_unprefixed(params, prefix))

    def __copy__(self):
        """A shallow copy with shallow copies of its two directions.

        A copy is re-bound to other parameters (``Sequential.astype`` binds
        one to a float64 vector to predict from a float32 model); sharing the
        directions would re-bind the original's layers too.
        """
        twin = type(self).__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.forward_layer = copy.copy(self.forward_layer)
        twin.backward_layer = copy.copy(self.backward_layer)
        return twin

    def without_arrays(self):
        stripped = copy.copy(self)
        stripped.forward_layer = self.forward_layer.without_arrays()
        stripped.backward_layer = self.backward_layer.without_arrays()
        return stripped

    def build(self, input_shape, rng, dtype):
        out = self.forward_layer.build(input_shape, rng, dtype)
        self.backward_layer.build(input_shape, rng, dtype)
        return out[:-1] + (2 * out[-1],)

    def workspace_size(self):
        return 2 * self.forward_layer.workspace_size()

    def forward(self, X, cache=None, rng=None):
        caches = (None, None) if cache is None else (
            cache.setdefault("fw", {}), cache.setdefault("bw", {}))
        Yf = self.forward_layer.forward(X, caches[0], rng)
        Yb = self.backward_layer.forward(X, caches[1], rng)
        if not self.return_sequences:
            return np.concatenate([Yf, Yb], axis=-1)
        (Yf, valid), (Yb, _) = Yf, Yb
        return np.concatenate([Yf, Yb], axis=-1), valid

    def backward(self, dY, cache, grads, input_grad=True):
        H = self.forward_layer.units
        dXf = self.forward_layer.backward(dY[..., :H], cache["fw"], _unprefixed(grads, "fw_"),
                                          input_grad)
        dXb = self.backward_layer.backward(dY[..., H:], cache["bw"], _unprefixed(grads, "bw_"),
                                           input_grad)
        if dXf is None:
            return None
        dXf += dXb
        return dXf

    def __repr__(self):
        return f"Bidirectional({self.forward_layer!r})"


def _unprefixed(arrays, prefix):
    """The entries of ``arrays`` whose name starts with ``prefix``, without it."""
    return {name[len(prefix):]: array for name, array in arrays.items()
            if name.startswith(prefix)}
