"""Tests of skdl.layers.recurrent: reference loops, BPTT gradient checks, masking.

The references (tests/reference_layers.py) are deliberately naive: one
sequence at a time, one step at a time, written from the equations in the
docstrings.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose

from reference_layers import ref_elman, ref_gru, ref_jordan, ref_lstm, train_pass
from skdl.layers import Dense
from skdl.layers.recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from skdl.layers.sequence import SequenceInput
from skdl.network import Sequential
from skdl.utils.gradient_check import check_layer_gradients, numerical_gradient, relative_error

T, N, D, H = 6, 4, 3, 5

CELLS = {
    "elman": (lambda **kw: SimpleRNN(H, **kw), ref_elman),
    "jordan": (lambda **kw: SimpleRNN(H, feedback="jordan", **kw), ref_jordan),
    "lstm": (lambda **kw: LSTM(H, **kw), ref_lstm),
    "peephole": (lambda **kw: LSTM(H, peephole=True, **kw), ref_lstm),
    "gru": (lambda **kw: GRU(H, **kw), ref_gru),
}


def built(cell, seed=0, dtype=np.float64, steps=T, **kw):
    layer = CELLS[cell][0](**kw)
    layer.build((steps, D), np.random.default_rng(seed), dtype)
    rng = np.random.default_rng(seed + 100)
    for param in layer.parameters().values():   # non-trivial values everywhere (biases too)
        param[...] = 0.5 * rng.standard_normal(param.shape)
    return layer


def params(layer):
    return layer.parameters()


def data(seed=1, n=N):
    return np.random.default_rng(seed).standard_normal((T, n, D))


def lengths_mask(lengths):
    return (np.arange(T)[:, None] < np.asarray(lengths)[None, :])[:, :, None]


def output_values(out):
    return out[0] if isinstance(out, tuple) else out


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


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("sequences", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_inference_equals_the_training_pass_and_writes_nothing(cell, sequences, masked):
    """Prediction (no cache; for the LSTM's final state, two rolling steps of
    work arrays) gives the training pass's outputs and leaves the layer as it was."""
    layer = built(cell, return_sequences=sequences)
    X = (data(), lengths_mask([6, 3, 1, 5]) if masked else None)
    before = pickle.dumps(layer)
    predicted = output_values(layer.forward(X))
    trained, *_ = train_pass(layer, X)
    assert_allclose(predicted, output_values(trained), rtol=1e-13, atol=1e-13)
    assert pickle.dumps(layer) == before


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
def test_float32_close_to_float64(cell):
    X = data()
    y64 = built(cell).forward(X)
    layer32 = built(cell, dtype=np.float32)
    y32, *_ = train_pass(layer32, X.astype(np.float32))
    assert y32.dtype == np.float32
    assert_allclose(y32, y64, atol=1e-5)


# ------------------------------------------------------------- gradients
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("sequences", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_bptt_gradients(cell, sequences, masked):
    layer = built(cell, return_sequences=sequences)
    valid = lengths_mask([6, 3, 1, 5]) if masked else None
    errors = check_layer_gradients(layer, data(), np.random.default_rng(0), valid=valid)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("cell", ["jordan", "lstm", "peephole", "gru"])
def test_bptt_gradients_reverse(cell):
    layer = built(cell, return_sequences=True, reverse=True)
    errors = check_layer_gradients(layer, data(), np.random.default_rng(0),
                                   valid=lengths_mask([2, 6, 4, 6]))
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("cell", CELLS)
def test_no_input_gradient_when_reading_data(cell):
    layer = built(cell)
    _, dX, grads, _ = train_pass(layer, data(), np.ones((N, H)), input_grad=False)
    assert dX is None
    assert np.any(grads["W"] != 0)


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
    R = np.random.default_rng(3).standard_normal((N, H))
    last, _, batch_grads, _ = train_pass(last_layer, (X, lengths_mask(lengths)), R.copy())
    summed = {name: 0.0 for name in batch_grads}
    for i, L in enumerate(lengths):
        ref = CELLS[cell][1](X[:L, i][::-1] if reverse else X[:L, i], params(layer))
        if reverse:
            ref = ref[::-1]
            assert_allclose(Y[:L, i], ref, atol=1e-12)
            assert_allclose(last[i], ref[0], atol=1e-12)
        else:
            assert_allclose(Y[:L, i], ref, atol=1e-12)
            assert_allclose(last[i], ref[-1], atol=1e-12)
        alone = built(cell, reverse=reverse, steps=L)
        for name, param in alone.parameters().items():
            param[...] = last_layer.parameters()[name]
        _, _, grads, _ = train_pass(alone, np.ascontiguousarray(X[:L, i:i + 1]),
                                    R[i:i + 1].copy())
        for name in summed:
            summed[name] = summed[name] + grads[name]
    for name in batch_grads:
        assert_allclose(batch_grads[name], summed[name], atol=1e-12)


def test_sequence_input_rows_and_any_length_with_nan_padding():
    layer = SequenceInput((3, 2))
    assert layer.build((6,), None, np.float64) == (3, 2)
    rows = np.array([[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]], dtype=float)
    X, valid = layer.forward(rows)
    assert X.shape == (3, 2, 2) and valid is None          # no padding: the fast path
    assert_allclose(X[:, 0], [[1, 2], [3, 4], [5, 6]])
    # 3-D input of another length; trailing NaN steps are padding, read as zeros.
    seqs = np.full((2, 5, 2), np.nan)
    seqs[0] = np.arange(10).reshape(5, 2)
    seqs[1, :2] = [[1, 1], [2, 2]]
    before = seqs.copy()
    X, valid = layer.forward(seqs)
    assert X.shape == (5, 2, 2) and not np.isnan(X).any()
    assert valid[:, :, 0].T.tolist() == [[True] * 5, [True, True, False, False, False]]
    assert_allclose(X[2:, 1], 0.0)
    np.testing.assert_array_equal(seqs, before)            # the caller's array is untouched
    with pytest.raises(ValueError, match="expects rows of 6"):
        SequenceInput((3, 2)).build((7,), None, np.float64)


def test_sequence_input_channels_first_is_the_transposed_layout():
    first, last = SequenceInput((4, 3), "channels_first"), SequenceInput((4, 3))
    assert first.build((3, 4), None, np.float64) == last.build((4, 3), None, np.float64)
    X = np.random.default_rng(0).standard_normal((5, 4, 3))
    X[1, 2:] = np.nan
    for data in (X, X[:, :2]):                          # any length
        A, valid_a = last.forward(data)
        B, valid_b = first.forward(np.ascontiguousarray(data.transpose(0, 2, 1)))
        np.testing.assert_array_equal(A, B)
        np.testing.assert_array_equal(valid_a, valid_b)
    # 2-D rows hold (d, T) samples in C order.
    rows = np.ascontiguousarray(X[[0]].transpose(0, 2, 1)).reshape(1, 12)
    np.testing.assert_array_equal(first.forward(rows)[0], last.forward(X[[0]])[0])
    cache = {}
    Y, _ = first.forward(rows, cache)
    np.testing.assert_array_equal(first.backward(Y, cache, {}), rows)


# ------------------------------------------------- bidirectional, stacking
@pytest.mark.parametrize("sequences", [False, True])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_bidirectional_concatenates_both_directions(sequences, cell):
    make, reference = CELLS[cell]
    bi = Bidirectional(make(return_sequences=sequences))
    assert bi.build((T, D), np.random.default_rng(0), np.float64) == (
        (T, 2 * H) if sequences else (2 * H,))
    X = data()
    Y = output_values(bi.forward(X))
    fw = reference(X[:, 0], params(bi.forward_layer))
    bw = reference(X[::-1, 0], params(bi.backward_layer))[::-1]
    if sequences:
        assert_allclose(Y[:, 0], np.hstack([fw, bw]), atol=1e-12)
    else:
        assert_allclose(Y[0], np.hstack([fw[-1], bw[0]]), atol=1e-12)
    errors = check_layer_gradients(bi, X, np.random.default_rng(0),
                                   valid=lengths_mask([6, 5, 2, 6]))
    assert max(errors.values()) < 1e-7, errors


def test_bidirectional_composes_its_layers_parameters():
    bi = Bidirectional(SimpleRNN(4, feedback="jordan"))
    bi.build((T, D), np.random.default_rng(0), np.float64)
    assert list(bi.parameters()) == ["fw_W", "fw_U", "fw_V", "fw_b", "fw_c",
                                     "bw_W", "bw_U", "bw_V", "bw_b", "bw_c"]
    assert bi.regularized == ("fw_W", "fw_U", "fw_V", "bw_W", "bw_U", "bw_V")
    assert bi.parameters()["bw_U"] is bi.backward_layer.parameters()["U"]


def network(layers, dtype=np.float64):
    return Sequential(layers).build((T * D,), np.random.default_rng(0), dtype)


def test_stacked_bidirectional_network_gradient_and_pickle():
    net = network([SequenceInput((T, D)),
                   Bidirectional(SimpleRNN(4, feedback="jordan", return_sequences=True)),
                   LSTM(3, peephole=True), Dense(2)])
    # Parameters of the inner layers are views of the flat buffer.
    assert np.shares_memory(net.layers[1].forward_layer.parameters()["W"], net.flat_params)
    rng = np.random.default_rng(5)
    X = rng.standard_normal((N, T * D))
    R = rng.standard_normal((N, 2))
    flat_grads = np.zeros_like(net.flat_params)
    grads = net.gradient_views(flat_grads)

    def loss():
        caches = [{} for _ in net.layers]
        return float(np.sum(net.forward(X, caches) * R)), caches

    _, caches = loss()
    net.backward(R.copy(), caches, grads)
    numeric = numerical_gradient(lambda: loss()[0], net.flat_params)
    assert relative_error(flat_grads, numeric) < 1e-7
    clone = pickle.loads(pickle.dumps(net))
    assert_allclose(clone.forward(X), net.forward(X))
    clone.flat_params[0] += 1.0                   # views re-created after loading
    inner = clone.layers[1].forward_layer.parameters()["W"]
    assert np.shares_memory(inner, clone.flat_params)


def test_training_outputs_are_never_recycled_buffers():
    layer = built("lstm", return_sequences=True)
    cache = {}
    Y1, _ = layer.forward(data(1), cache)
    kept = Y1.copy()
    layer.forward(data(2), cache)
    assert_allclose(Y1, kept)


def test_invalid_feedback():
    with pytest.raises(ValueError, match="feedback"):
        SimpleRNN(3, feedback="hopfield")


# --------------------------------------------------------------- the LSTM
@pytest.mark.parametrize("sequences", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_lstm_with_zero_peepholes_is_the_plain_lstm(sequences, reverse, masked):
    """Peepholes are an option of the one LSTM: with P = 0 it computes the
    plain LSTM's function, outputs, gradients and input gradient."""
    kw = dict(return_sequences=sequences, reverse=reverse)
    plain, peep = built("lstm", **kw), built("peephole", **kw)
    for name, param in plain.parameters().items():
        peep.parameters()[name][...] = param
    peep.parameters()["P"][...] = 0.0
    X = (data(), lengths_mask([6, 3, 1, 5]) if masked else None)
    R = np.random.default_rng(5).standard_normal((T, N, H) if sequences else (N, H))
    Yp, dXp, gp, _ = train_pass(plain, X, R.copy())
    Yq, dXq, gq, _ = train_pass(peep, X, R.copy())
    assert_allclose(output_values(Yp), output_values(Yq), rtol=1e-12, atol=1e-12)
    assert_allclose(dXp, dXq, rtol=1e-10, atol=1e-12)
    for name in gp:
        assert_allclose(gp[name], gq[name], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("chunk", [1, 2, 4, 100])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("cell", ["lstm", "peephole", "gru"])
def test_gated_backward_chunks_give_the_same_gradients(chunk, masked, cell):
    """BPTT in chunks of any length (T = 6: ragged last chunks, or one chunk)
    gives the gradients of the one-chunk pass."""
    def gradients(chunk):
        layer = built(cell, return_sequences=True)
        layer.backward_chunk = chunk
        valid = lengths_mask([6, 3, 1, 5]) if masked else None
        dY = np.random.default_rng(7).standard_normal((T, N, H))
        _, dX, grads, _ = train_pass(layer, (data(), valid), dY)
        return [dX] + list(grads.values())

    for got, expected in zip(gradients(chunk), gradients(T)):
        assert_allclose(got, expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("cell", ["peephole", "gru"])
def test_gated_float32_never_upcasts(cell):
    """Every cached array, output and gradient of a float32 layer stays float32."""
    layer = built(cell, dtype=np.float32, return_sequences=True)
    X = data().astype(np.float32)
    Y, dX, grads, cache = train_pass(layer, (X, lengths_mask([6, 3, 1, 5])),
                                     np.ones((T, N, H), dtype=np.float32))
    assert Y[0].dtype == np.float32 and dX.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())
    for name, kept in cache["scratch"].items():
        assert all(buf.dtype == np.float32 for buf in kept), name


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_training_buffers_are_reused_within_a_fit(cell):
    """Training passes of the same shape reuse the work arrays of the fit's cache."""
    layer = built(cell, dtype=np.float32)
    X = data().astype(np.float32)
    dY = np.ones((N, H), dtype=np.float32)
    cache, grads = {}, {name: np.zeros_like(p) for name, p in layer.parameters().items()}
    layer.forward(X, cache)
    layer.backward(dY, cache, grads)
    first = {name: kept[0] for name, kept in cache["scratch"].items()}
    layer.forward(X, cache)
    layer.backward(dY, cache, grads)
    assert all(cache["scratch"][name][0] is buf for name, buf in first.items())


def test_lstm_smaller_last_batch_keeps_full_size_buffers():
    """An epoch's smaller last batch does not evict the full-size work arrays."""
    layer = built("lstm", dtype=np.float32)
    X = data().astype(np.float32)
    dY = np.ones((N, H), dtype=np.float32)
    cache, grads = {}, {name: np.zeros_like(p) for name, p in layer.parameters().items()}

    def train(X, dY):
        layer.forward(X, cache)
        layer.backward(dY, cache, grads)
        return grads["U"].copy()

    full = train(X, dY)
    first = {name: kept[0] for name, kept in cache["scratch"].items()}
    train(X[:, :2], dY[:2])
    assert_allclose(train(X, dY), full, rtol=1e-6)
    assert all(any(buf is first[name] for buf in kept)
               for name, kept in cache["scratch"].items() if name in first)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_prediction_memory_does_not_grow_with_the_length(cell):
    """The final state is predicted with two steps of work arrays."""
    short, long = built(cell, steps=10), built(cell, steps=1000)
    assert short.workspace_size() == long.workspace_size()
    sequences = built(cell, steps=1000, return_sequences=True)
    assert sequences.workspace_size() > 100 * short.workspace_size()


# ----------------------------------------------------------------- the GRU
def test_gru_matches_pytorch_with_the_documented_layout():
    """The docstring's mapping to ``nn.GRU`` (the "reset after" form) is exact."""
    torch = pytest.importorskip("torch")
    layer = built("gru", return_sequences=True)
    p = params(layer)
    gru = torch.nn.GRU(D, H, batch_first=False, dtype=torch.float64)
    with torch.no_grad():
        gru.weight_ih_l0.copy_(torch.from_numpy(p["W"].T.copy()))
        gru.weight_hh_l0.copy_(torch.from_numpy(p["U"].T.copy()))
        gru.bias_ih_l0.copy_(torch.from_numpy(p["b"]))
        gru.bias_hh_l0.copy_(torch.from_numpy(np.r_[np.zeros(2 * H), p["b_hn"]]))
        expected, _ = gru(torch.from_numpy(data()))
    Y, _ = layer.forward(data())
    assert_allclose(Y, expected.numpy(), rtol=1e-12, atol=1e-12)


def test_gru_parameters_and_gate_extremes():
    layer = built("gru")
    assert {name: a.shape for name, a in params(layer).items()} == {
        "W": (D, 3 * H), "U": (H, 3 * H), "b": (3 * H,), "b_hn": (H,)}
    assert layer.regularized == ("W", "U")
    # Update gate shut open (z = 1): the state never leaves h_0 = 0.
    params(layer)["b"][H:2 * H] = 60.0
    assert_allclose(layer.forward(data()), 0.0, atol=1e-12)
    # Update gate closed (z = 0) and reset gate closed (r = 0): h_t = tanh(x_t W_n + b_n).
    params(layer)["b"][:2 * H] = -60.0
    X = data()
    p = params(layer)
    assert_allclose(layer.forward(X), np.tanh(X[-1] @ p["W"][:, 2 * H:] + p["b"][2 * H:]),
                    atol=1e-12)
