"""Tests of skdl.layers.recurrent: reference loops, BPTT gradient checks, masking.

The reference implementations below are deliberately naive: one sequence at
a time, one step at a time, written from the equations in the docstrings.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skdl.layers import Dense
from skdl.layers.recurrent import LSTM, Bidirectional, SimpleRNN
from skdl.layers.sequence import SequenceInput
from skdl.network import Sequential
from skdl.utils.gradient_check import numerical_gradient, relative_error

T, N, D, H = 6, 4, 3, 5


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ------------------------------------------------------------ references
def ref_elman(x, p):
    h, out = np.zeros(p["U"].shape[0]), []
    for x_t in x:
        h = np.tanh(x_t @ p["W"] + h @ p["U"] + p["b"])
        out.append(h)
    return np.array(out)


def ref_jordan(x, p):
    y, out = np.zeros(p["U"].shape[0]), []
    for x_t in x:
        h = np.tanh(x_t @ p["W"] + y @ p["U"] + p["b"])
        y = np.tanh(h @ p["V"] + p["c"])
        out.append(y)
    return np.array(out)


def ref_lstm(x, p):
    Hn = p["U"].shape[0]
    P = p.get("P", np.zeros((3, Hn)))
    h, c, out = np.zeros(Hn), np.zeros(Hn), []
    for x_t in x:
        a = x_t @ p["W"] + h @ p["U"] + p["b"]
        a_o, a_i, a_f, a_g = np.split(a, 4)
        i = sigmoid(a_i + P[1] * c)
        f = sigmoid(a_f + P[2] * c)
        g = np.tanh(a_g)
        c = f * c + i * g
        o = sigmoid(a_o + P[0] * c)
        h = o * np.tanh(c)
        out.append(h)
    return np.array(out)


CELLS = {
    "elman": (lambda **kw: SimpleRNN(H, **kw), ref_elman),
    "jordan": (lambda **kw: SimpleRNN(H, feedback="jordan", **kw), ref_jordan),
    "lstm": (lambda **kw: LSTM(H, **kw), ref_lstm),
    "peephole": (lambda **kw: LSTM(H, peephole=True, **kw), ref_lstm),
}


def built(cell, seed=0, dtype=np.float64, **kw):
    layer = CELLS[cell][0](**kw)
    layer.build((T, D), np.random.default_rng(seed), dtype)
    rng = np.random.default_rng(seed + 100)
    for name in layer.param_names:       # non-trivial values everywhere (biases too)
        param = getattr(layer, name)
        param[...] = 0.5 * rng.standard_normal(param.shape)
    return layer


def params(layer):
    return {name: getattr(layer, name) for name in layer.param_names}


def data(seed=1, n=N):
    return np.random.default_rng(seed).standard_normal((T, n, D))


def lengths_mask(lengths):
    return (np.arange(T)[:, None] < np.asarray(lengths)[None, :])[:, :, None]


# -------------------------------------------------------------- forward
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("reverse", [False, True])
def test_forward_matches_reference(cell, reverse):
    layer = built(cell, return_sequences=True, reverse=reverse)
    X = data()
    Y, valid = layer.forward(X)
    assert valid is None and Y.shape == (T, N, H)
    for i in range(N):
        x = X[:, i]
        ref = CELLS[cell][1](x[::-1] if reverse else x, params(layer))
        assert_allclose(Y[:, i], ref[::-1] if reverse else ref, rtol=1e-12, atol=1e-12)
    last = built(cell, reverse=reverse).forward(X)
    assert_allclose(last, Y[0] if reverse else Y[-1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", ["elman", "lstm"])
def test_float32_close_to_float64(cell):
    X = data()
    y64 = built(cell).forward(X)
    layer32 = built(cell, dtype=np.float32)
    y32 = layer32.forward(X.astype(np.float32), training=True)
    assert y32.dtype == np.float32
    assert_allclose(y32, y64, atol=1e-5)


# ------------------------------------------------------------- gradients
def check_gradients(layer, X, valid, seed=0):
    """Relative errors of dX and every parameter gradient against central differences."""
    sequences = layer.return_sequences
    out = layer.forward((X, valid), training=True)
    Y = out[0] if sequences else out
    R = np.random.default_rng(seed).standard_normal(Y.shape)

    def loss():
        out = layer.forward((X, valid), training=True)
        return float(np.sum((out[0] if sequences else out) * R))

    layer.forward((X, valid), training=True)
    dX = layer.backward(R.copy())
    errors = {"X": relative_error(dX, numerical_gradient(loss, X))}
    analytic = {name: getattr(layer, "d" + name).copy() for name in layer.param_names}
    for name in layer.param_names:
        errors[name] = relative_error(analytic[name],
                                      numerical_gradient(loss, getattr(layer, name)))
    return errors


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("sequences", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_bptt_gradients(cell, sequences, masked):
    layer = built(cell, return_sequences=sequences)
    valid = lengths_mask([6, 3, 1, 5]) if masked else None
    errors = check_gradients(layer, data(), valid)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("cell", ["jordan", "peephole"])
def test_bptt_gradients_reverse(cell):
    layer = built(cell, return_sequences=True, reverse=True)
    errors = check_gradients(layer, data(), lengths_mask([2, 6, 4, 6]))
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("cell", CELLS)
def test_no_input_gradient_when_reading_data(cell):
    layer = built(cell)
    layer.forward(data(), training=True)
    assert layer.backward(np.ones((N, H)), input_grad=False) is None
    assert np.any(layer.dW != 0)


# --------------------------------------------------------------- masking
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("reverse", [False, True])
def test_masked_batch_equals_each_sequence_alone(cell, reverse):
    lengths = [6, 2, 4, 1]
    X = data()
    for i, L in enumerate(lengths):
        X[L:, i] = 99.0          # garbage in the padding must not leak anywhere
    layer = built(cell, return_sequences=True, reverse=reverse)
    Y, _ = layer.forward((X, lengths_mask(lengths)))
    last_layer = built(cell, reverse=reverse)
    last = last_layer.forward((X, lengths_mask(lengths)), training=True)
    R = np.random.default_rng(3).standard_normal((N, H))
    last_layer.backward(R.copy())
    batch_grads = {n: getattr(last_layer, "d" + n).copy() for n in last_layer.param_names}
    summed = {n: 0.0 for n in last_layer.param_names}
    for i, L in enumerate(lengths):
        ref = CELLS[cell][1](X[:L, i][::-1] if reverse else X[:L, i], params(layer))
        if reverse:
            ref = ref[::-1]
            assert_allclose(Y[:L, i], ref, atol=1e-12)
            assert_allclose(last[i], ref[0], atol=1e-12)
        else:
            assert_allclose(Y[:L, i], ref, atol=1e-12)
            assert_allclose(last[i], ref[-1], atol=1e-12)
        alone = built(cell, reverse=reverse)
        alone.build((L, D), np.random.default_rng(0), np.float64)
        for name in alone.param_names:
            getattr(alone, name)[...] = getattr(last_layer, name)
        alone._T = L
        alone.forward(np.ascontiguousarray(X[:L, i:i + 1]), training=True)
        alone.backward(R[i:i + 1].copy())
        for name in alone.param_names:
            summed[name] = summed[name] + getattr(alone, "d" + name)
    for name in batch_grads:
        assert_allclose(batch_grads[name], summed[name], atol=1e-12)


def test_sequence_input_lengths_column():
    layer = SequenceInput((3, 2), lengths=True)
    assert layer.build((7,), None, np.float64) == (3, 2)
    rows = np.array([[3, 1, 2, 3, 4, 5, 6], [1, 7, 8, 0, 0, 0, 0]], dtype=float)
    X, valid = layer.forward(rows)
    assert X.shape == (3, 2, 2)
    assert_allclose(X[:, 0], [[1, 2], [3, 4], [5, 6]])
    assert valid[:, :, 0].tolist() == [[True, True], [True, False], [True, False]]
    full = SequenceInput((3, 2), lengths=True).forward(rows[:1])
    assert full[1] is None                       # no padding: the fast path
    with pytest.raises(ValueError, match="expects rows of 7"):
        SequenceInput((3, 2), lengths=True).build((6,), None, np.float64)


# ------------------------------------------------- bidirectional, stacking
@pytest.mark.parametrize("sequences", [False, True])
def test_bidirectional_concatenates_both_directions(sequences):
    bi = Bidirectional(LSTM(H, return_sequences=sequences))
    assert bi.build((T, D), np.random.default_rng(0), np.float64) == (
        (T, 2 * H) if sequences else (2 * H,))
    X = data()
    out = bi.forward(X)
    Y = out[0] if sequences else out
    fw = ref_lstm(X[:, 0], params(bi.forward_layer))
    bw = ref_lstm(X[::-1, 0], params(bi.backward_layer))[::-1]
    if sequences:
        assert_allclose(Y[:, 0], np.hstack([fw, bw]), atol=1e-12)
    else:
        assert_allclose(Y[0], np.hstack([fw[-1], bw[0]]), atol=1e-12)
    errors = check_gradients(bi, X, lengths_mask([6, 5, 2, 6]))
    assert max(errors.values()) < 1e-7, errors


def network(layers, dtype=np.float64):
    return Sequential(layers).build((T * D,), np.random.default_rng(0), dtype)


def test_stacked_bidirectional_network_gradient_and_pickle():
    net = network([SequenceInput((T, D)),
                   Bidirectional(SimpleRNN(4, feedback="jordan", return_sequences=True)),
                   LSTM(3, peephole=True), Dense(2)])
    assert "fw_W" in net.layers[1].param_names and "dbw_U" not in net.layers[1].__dict__
    # Parameters of the inner layers are views of the flat buffer.
    assert np.shares_memory(net.layers[1].forward_layer.W, net.flat_params)
    assert np.shares_memory(net.layers[1].backward_layer.dU, net.flat_grads)
    rng = np.random.default_rng(5)
    X = rng.standard_normal((N, T * D))
    R = rng.standard_normal((N, 2))

    def loss():
        return float(np.sum(net.forward(X, training=True) * R))

    net.forward(X, training=True)
    net.backward(R.copy())
    analytic = net.flat_grads.copy()
    numeric = numerical_gradient(loss, net.flat_params)
    assert relative_error(analytic, numeric) < 1e-7
    clone = pickle.loads(pickle.dumps(net))
    assert_allclose(clone.forward(X), net.forward(X))
    clone.flat_params[0] += 1.0                   # views re-created after loading
    assert clone.layers[1].forward_layer.W.ravel()[0] == clone.flat_params[0]


def test_training_buffers_do_not_corrupt_outputs():
    layer = built("lstm", return_sequences=True)
    X1, X2 = data(1), data(2)
    Y1, _ = layer.forward(X1, training=True)
    kept = Y1.copy()
    layer.forward(X2, training=True)
    assert_allclose(Y1, kept)        # returned sequences are never recycled buffers


def test_invalid_feedback():
    with pytest.raises(ValueError, match="feedback"):
        SimpleRNN(3, feedback="hopfield")


# ------------------------------------------- LSTM fast path (feature-major)
def test_lstm_bptt_gradients_reverse():
    layer = built("lstm", return_sequences=True, reverse=True)
    errors = check_gradients(layer, data(), lengths_mask([2, 6, 4, 6]))
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("sequences", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_lstm_matches_peephole_path_with_zero_peepholes(sequences, reverse, masked):
    """The plain LSTM (feature-major) and the peephole code (batch-major) with
    P = 0 compute the same function: same outputs, gradients and input gradient."""
    kw = dict(return_sequences=sequences, reverse=reverse)
    fast, slow = built("lstm", **kw), built("peephole", **kw)
    for name in fast.param_names:
        getattr(slow, name)[...] = getattr(fast, name)
    slow.P[...] = 0.0
    X = data()
    valid = lengths_mask([6, 3, 1, 5]) if masked else None
    out_fast = fast.forward((X, valid), training=True)
    out_slow = slow.forward((X, valid), training=True)
    Yf, Ys = (out_fast[0], out_slow[0]) if sequences else (out_fast, out_slow)
    assert_allclose(Yf, Ys, rtol=1e-12, atol=1e-12)
    R = np.random.default_rng(5).standard_normal(Yf.shape)
    dXf, dXs = fast.backward(R.copy()), slow.backward(R.copy())
    assert_allclose(dXf, dXs, rtol=1e-10, atol=1e-12)
    for name in fast.param_names:
        assert_allclose(getattr(fast, "d" + name), getattr(slow, "d" + name),
                        rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("chunk", [1, 2, 4, 100])
@pytest.mark.parametrize("masked", [False, True])
def test_lstm_backward_chunks_give_the_same_gradients(chunk, masked):
    """BPTT in chunks of any length (T = 6: ragged last chunks, or one chunk)
    gives the gradients of the one-chunk pass."""
    def gradients(chunk):
        layer = built("lstm", return_sequences=True)
        layer.backward_chunk = chunk
        valid = lengths_mask([6, 3, 1, 5]) if masked else None
        Y, _ = layer.forward((data(), valid), training=True)
        dX = layer.backward(np.random.default_rng(7).standard_normal(Y.shape))
        return [dX] + [getattr(layer, "d" + name) for name in layer.param_names]

    for got, expected in zip(gradients(chunk), gradients(T)):
        assert_allclose(got, expected, rtol=1e-12, atol=1e-13)


def test_lstm_float32_never_upcasts():
    """Every cached array, output and gradient of a float32 layer stays float32."""
    layer = built("lstm", dtype=np.float32, return_sequences=True)
    X = data().astype(np.float32)
    Y, _ = layer.forward((X, lengths_mask([6, 3, 1, 5])), training=True)
    dX = layer.backward(np.ones_like(Y))
    assert Y.dtype == np.float32 and dX.dtype == np.float32
    for name in layer.param_names:
        assert getattr(layer, "d" + name).dtype == np.float32
    for name, kept in layer._buffers.items():
        assert all(buf.dtype == np.float32 for buf in kept), name


def test_lstm_training_buffers_are_reused():
    """Training passes of the same shape reuse the layer's scratch arrays."""
    layer = built("lstm", dtype=np.float32)
    X = data().astype(np.float32)
    layer.forward(X, training=True)
    layer.backward(np.ones((N, H), dtype=np.float32))
    first = {name: kept[0] for name, kept in layer._buffers.items()}
    layer.forward(X, training=True)
    layer.backward(np.ones((N, H), dtype=np.float32))
    assert all(layer._buffers[name][0] is buf for name, buf in first.items())


def test_lstm_smaller_last_batch_keeps_full_size_buffers():
    """An epoch's smaller last batch does not evict the full-size scratch arrays."""
    layer = built("lstm", dtype=np.float32)
    X = data().astype(np.float32)
    dY = np.ones((N, H), dtype=np.float32)

    def train(X, dY):
        layer.forward(X, training=True)
        layer.backward(dY)
        return layer.dU.copy()

    full = train(X, dY)
    first = {name: kept[0] for name, kept in layer._buffers.items()}
    train(X[:, :2], dY[:2])
    assert_allclose(train(X, dY), full, rtol=1e-6)
    assert all(any(buf is first[name] for buf in kept) for name, kept in layer._buffers.items()
               if name in first)


def test_lstm_prediction_output_is_not_a_buffer():
    """Outputs are fresh arrays: a later batch does not overwrite them."""
    for sequences in (False, True):
        layer = built("lstm", return_sequences=sequences)
        out1 = layer.forward(data(1), training=True)
        Y1 = out1[0] if sequences else out1
        kept = Y1.copy()
        layer.forward(data(2), training=True)
        assert np.array_equal(Y1, kept)
