"""Tests of skdl.layers.embedding.Embedding."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from reference_layers import train_pass
from skdl.layers.embedding import Embedding
from skdl.layers.recurrent import LSTM
from skdl.utils.gradient_check import numerical_gradient, relative_error


def built(n_tokens=6, dim=3, T=4):
    layer = Embedding(n_tokens, dim)
    assert layer.build((T,), np.random.default_rng(0), np.float64) == (T, dim)
    return layer


def test_lookup_is_one_hot_times_matrix_and_time_major():
    layer = built()
    ids = np.array([[2, 3, 5, 1], [4, 4, 2, 3]], dtype=float)
    Y, valid = layer.forward(ids)
    assert Y.shape == (4, 2, 3) and valid is None
    one_hot = np.eye(6)[ids.astype(int)]                 # (n, T, n_tokens)
    assert_allclose(Y, np.einsum("ntk,kd->tnd", one_hot, layer.parameters()["E"]))


def test_padding_row_is_zero_masked_and_gets_no_gradient():
    layer = built()
    assert_allclose(layer.parameters()["E"][0], 0.0)
    ids = np.array([[2, 3, 0, 0], [4, 0, 0, 0]], dtype=float)
    Y, valid = layer.forward(ids)
    assert valid[:, :, 0].T.tolist() == [[True, True, False, False],
                                         [True, False, False, False]]
    *_, grads, _ = train_pass(layer, ids, np.ones_like(Y))
    assert_allclose(grads["E"][0], 0.0)


def test_unseen_ids_read_as_unknown():
    layer = built(n_tokens=5)
    Y, _ = layer.forward(np.array([[7.0, 4.0, 1.0, 9.0]]))
    assert_allclose(Y[0, 0], layer.parameters()["E"][1])
    assert_allclose(Y[3, 0], layer.parameters()["E"][1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_huge_ids_read_as_unknown_without_overflow(dtype):
    """Ids beyond the integer range (1e19 > 2**63) are the unknown token, not an IndexError."""
    layer = built(n_tokens=5)
    Y, _ = layer.forward(np.array([[1e19, 2.0, 1.8e19, 2.0**63]], dtype=dtype))
    E = layer.parameters()["E"]
    assert_allclose(Y[:, 0], E[[1, 2, 1, 1]])


def test_gradient_is_scatter_add_and_matches_finite_differences():
    layer = built()
    ids = np.array([[2, 3, 2, 5], [2, 0, 4, 4]], dtype=float)
    R = np.random.default_rng(1).standard_normal((4, 2, 3))

    def loss():
        return float(np.sum(layer.forward(ids)[0] * R))

    _, dX, grads, _ = train_pass(layer, ids, R.copy())
    assert dX is None
    analytic = grads["E"]
    numeric = numerical_gradient(loss, layer.parameters()["E"])
    numeric[0] = 0.0                          # padding row is frozen
    assert relative_error(analytic, numeric) < 1e-8
    assert_allclose(analytic[2], R[0, 0] + R[2, 0] + R[0, 1])


def test_embedding_into_lstm_gradient():
    emb, lstm = built(), LSTM(2)
    lstm.build((4, 3), np.random.default_rng(1), np.float64)
    ids = np.array([[2, 3, 0, 0], [5, 4, 1, 2]], dtype=float)
    R = np.random.default_rng(2).standard_normal((2, 2))

    def loss():
        return float(np.sum(lstm.forward(emb.forward(ids)) * R))

    emb_out, _, _, emb_cache = train_pass(emb, ids)
    _, dX, _, _ = train_pass(lstm, emb_out, R.copy())
    grads = {"E": np.zeros_like(emb.parameters()["E"])}
    emb.backward(dX, emb_cache, grads)
    analytic = grads["E"]
    numeric = numerical_gradient(loss, emb.parameters()["E"])
    numeric[0] = 0.0
    assert relative_error(analytic, numeric) < 1e-7


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype(dtype):
    layer = Embedding(4, 2)
    layer.build((3,), np.random.default_rng(0), dtype)
    assert layer.forward(np.array([[1.0, 2.0, 3.0]]))[0].dtype == dtype
