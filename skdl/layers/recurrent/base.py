r"""What every recurrent layer shares: sequence conventions, initialisers, the base class.

Conventions of the recurrent layers:

* Sequences flow between sequence layers **time-major**, as ``(T, n, d)``
  arrays: one time step ``X[t]`` is a contiguous ``(n, d)`` block, so the
  recurrence reads and writes whole blocks without strided copies.
* A sequence input is either such an array or a pair ``(X, valid)`` where
  ``valid`` is None (every step of every sequence is real) or a boolean array
  of shape ``(T, n, 1)`` that is False on padding. The input layers
  (:class:`~skdl.layers.sequence.SequenceInput`,
  :class:`~skdl.layers.embedding.Embedding`) produce the pair.
* **Masking** holds the state on padded steps: where ``valid[t]`` is False,
  :math:`h_t = h_{t-1}` (and :math:`c_t = c_{t-1}`). With padding at the end
  the final state is then the state after the last real step, and a reversed
  layer starts from the zero state at the last real step, so a padded batch
  gives exactly the results of running each sequence alone.
* With ``return_sequences=True`` a layer outputs ``(Y, valid)`` with ``Y`` of
  shape ``(T, n, units)`` (for stacking); otherwise the final state, shape
  ``(n, units)``, ready for a :class:`~skdl.layers.Dense` layer. For a layer
  with ``reverse=True`` the "final" state is the one at time 0.
* Backpropagation through time (BPTT): the backward pass walks the steps in
  reverse order; inside the loop only the work that depends on the
  recurrence is done. Derivative factors are computed ahead of the loop with
  a few large calls, and the weight gradients after it with one matrix
  product over all steps.
"""

import numpy as np

from ..base import Layer, scratch


def split_sequence(X):
    """``(values, valid)`` of a sequence input (array or ``(array, valid)`` pair)."""
    if isinstance(X, tuple):
        return X
    return X, None


def orthogonal(n, rng, dtype):
    """A random ``(n, n)`` orthogonal matrix (QR of a Gaussian matrix, signs fixed).

    Orthogonal recurrent weights keep :math:`\\lVert h U \\rVert = \\lVert h \\rVert`
    at initialisation, so gradients through time neither explode nor vanish
    merely because of the initial scale (Saxe et al., 2014).
    """
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    q *= np.sign(np.diag(r))
    return q.astype(dtype)


def lecun_uniform(fan_in, fan_out, rng, dtype):
    r"""Uniform :math:`U(-r, r)`, :math:`r = \sqrt{3 / n_{in}}`: unit-variance outputs.

    Used for the input weights of the recurrent layers: with standardised
    inputs every pre-activation starts with variance 1 whatever the number of
    units. Glorot's rule, which averages fan-in and fan-out, makes the input
    weights of a wide layer on few features (a univariate series into 32
    units) so small that training starts very slowly (measured: R^2 0.45
    against 0.76 after 200 Adam steps on a standardised regression; a default
    ``LSTMRegressor`` on scikit-learn's ``check_regressors_train`` data, R^2
    0.40-0.60 against 0.76-0.82). On many features carrying a weak signal,
    smaller input weights train faster (benchmarks/README.md, LSTM).
    """
    bound = np.sqrt(3.0 / fan_in)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)


def stacked_inputs(X, H, cache):
    """``V`` of shape (T + 1, H + d + 1, n), feature-major: ``V[t] = [h_{t-1}; x_t; 1]``.

    The gated layers compute a step's pre-activations with one product
    ``M V[t]`` (input projection and bias included) and write the state
    ``h_t`` into ``V[t + 1, :H]``; ``h_0 = 0``. ``V[T, H:]`` is unused. A
    work array of the training cache (see :func:`~skdl.layers.base.scratch`).
    """
    T, n, d = X.shape
    V = scratch(cache, "V", (T + 1, H + d + 1, n), X.dtype)
    V[0, :H] = 0.0
    np.copyto(V[:T, H:H + d], X.transpose(0, 2, 1))
    V[:T, H + d] = 1.0
    return V


def rolling_inputs(X, H):
    """Two steps of :func:`stacked_inputs`, used in turn, and each step's input copy.

    For predicting a final state with memory that does not grow with the
    length: step ``t`` reads ``V[t % 2]`` and writes ``h_t`` to
    ``V[1 - t % 2, :H]``; ``copies[t]`` is ``(destination, x_t)``.
    """
    _, n, d = X.shape
    V = np.empty((2, H + d + 1, n), dtype=X.dtype)
    V[0, :H] = 0.0
    V[:, H + d] = 1.0
    copies = [(V[t % 2, H:H + d], x) for t, x in enumerate(X.transpose(0, 2, 1))]
    return V, copies


def final_and_sequence(V, H, return_sequences):
    """The ``(final, sequence)`` outputs of a layer from its :func:`stacked_inputs` ``V``."""
    final = V[-1, :H].T.copy()
    if not return_sequences:
        return final, None
    return final, np.ascontiguousarray(V[1:, :H].transpose(0, 2, 1))


def view_key(*arrays):
    """Key of per-step views cached with :func:`~skdl.layers.base.recent`: the arrays' ids."""
    return tuple(id(a) for a in arrays)


def mask_factors(valid, dtype):
    """Float mask ``m`` and its complement ``1 - m`` of a boolean ``valid`` array."""
    m = valid.astype(dtype)
    return m, 1.0 - m


def backward_buffers(cache, dS, dS_last, valid, *, units, steps, n, factor_rows, max_chunk,
                     dtype):
    """The setup both gated cells' BPTT share: layouts, scratch arrays, state gradient.

    Parameters
    ----------
    cache : dict
        The layer's training cache (scratch arrays are kept there).
    dS : ndarray of shape (T, n, H) or None
        Gradient of the returned sequence, if any.
    dS_last : ndarray of shape (n, H) or None
        Gradient of the final state.
    valid : ndarray of shape (T, n, 1) or None
        Which steps are real (padding is False).
    units, steps, n : int
        H, T and the batch size.
    factor_rows : int
        Rows of a step's backward factors (6H for the LSTM, 5H for the GRU).
    max_chunk : int
        Steps per chunk asked for (the layer's ``backward_chunk``).
    dtype : numpy.dtype

    Returns
    -------
    chunk : int
        Steps per chunk: ``max_chunk``, at most ``steps``, at least 1.
    dS : ndarray of shape (T, H, n) or None
        Feature-major view.
    KF : ndarray of shape (chunk, factor_rows, n)
        A chunk's backward factors.
    dGc : ndarray of shape (chunk, 4H, n)
        A chunk's pre-activation gradients, as the loop writes them.
    dG : ndarray of shape (4H, T, n)
        Every step's pre-activation gradients, steps on the middle axis so
        that the weight gradient of all steps is one product on a 2-D view.
    mask : tuple of ndarray or None
        :func:`mask_factors` of the feature-major ``valid``.
    dh : ndarray of shape (H, n)
        The hidden-state gradient, starting at ``dS_last``.
    """
    H = units
    chunk = max(1, min(max_chunk, steps))
    if dS is not None:
        dS = dS.transpose(0, 2, 1)
    KF = scratch(cache, "KF", (chunk, factor_rows, n), dtype)
    dGc = scratch(cache, "dGc", (chunk, 4 * H, n), dtype)
    dG = scratch(cache, "dG", (4 * H, steps, n), dtype)
    mask = None if valid is None else mask_factors(valid.transpose(0, 2, 1), dtype)
    dh = scratch(cache, "dh", (H, n), dtype)
    if dS_last is not None:
        np.copyto(dh, dS_last.T)
    else:
        dh[...] = 0.0
    return chunk, dS, KF, dGc, dG, mask, dh


def stacked_weight_gradient(cache, dG, V):
    """The gradient of the stacked weights, all steps and sequences in one product.

    ``RT = dG [v_t]^T`` summed over the ``T n`` columns, where ``v_t`` is
    step ``t``'s column of inputs to the gate product (``V[t]``, e.g.
    ``[h_{t-1}; x_t; 1]``).

    Parameters
    ----------
    cache : dict
        The layer's training cache (scratch arrays are kept there).
    dG : ndarray of shape (R, T, n)
        Every step's pre-activation gradients (:func:`backward_buffers`).
    V : ndarray of shape (T + 1 or more, K, n)
        The forward pass's stacked inputs, step-major.

    Returns
    -------
    RT : ndarray of shape (R, K)
    dG2 : ndarray of shape (R, T n)
        ``dG`` as the 2-D view the product read (for the input gradient).
    """
    R, T, n = dG.shape
    K = V.shape[1]
    Vs = scratch(cache, "Vs", (K, T, n), dG.dtype)
    np.copyto(Vs, V[:T].transpose(1, 0, 2))
    dG2 = dG.reshape(R, T * n)
    RT = scratch(cache, "RT", (R, K), dG.dtype)
    np.dot(dG2, Vs.reshape(K, T * n).T, out=RT)
    return RT, dG2


class Recurrent(Layer):
    """Shared plumbing of the recurrent layers: input unpacking, reversal, output selection.

    Subclasses implement ``_build(d, rng, dtype)``,
    ``_forward(X, valid, cache) -> (final, sequence)`` on time-major input in
    processing order (``sequence`` of shape ``(T, n, units)`` only when
    ``return_sequences``, else None; both fresh arrays), and
    ``_backward(dS, dS_last, cache, grads, input_grad) -> dX`` with ``dS``
    the gradient with respect to the output sequence (or None) and
    ``dS_last`` the one with respect to the final state (or None).

    Parameters
    ----------
    units : int
        Size of the state.
    return_sequences : bool, default=False
        Output every step's state (shape (T, n, units)) instead of the last.
    reverse : bool, default=False
        Process the sequence from its last step to its first.
    """

    def __init__(self, units, return_sequences=False, reverse=False):
        self.units = units
        self.return_sequences = return_sequences
        self.reverse = reverse

    def build(self, input_shape, rng, dtype):
        T, d = input_shape
        self._steps = T
        self._build(d, rng, np.dtype(dtype))
        return (T, self.units) if self.return_sequences else (self.units,)

    def forward(self, X, cache=None, rng=None):
        X, valid = split_sequence(X)
        run_X, run_valid = X, valid
        if self.reverse:
            run_X = X[::-1]
            run_valid = None if valid is None else valid[::-1]
        final, sequence = self._forward(run_X, run_valid, cache)
        if not self.return_sequences:
            return final
        return (sequence[::-1] if self.reverse else sequence), valid

    def backward(self, dY, cache, grads, input_grad=True):
        if self.return_sequences:
            dS, dS_last = (dY[::-1] if self.reverse else dY), None
        else:
            dS, dS_last = None, dY
        dX = self._backward(dS, dS_last, cache, grads, input_grad)
        if dX is None:
            return None
        return dX[::-1] if self.reverse else dX

    def __repr__(self):
        extra = ", return_sequences=True" if self.return_sequences else ""
        extra += ", reverse=True" if self.reverse else ""
        return f"{type(self).__name__}(units={self.units}{extra})"
