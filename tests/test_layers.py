"""Dense, Activation and Dropout under the layer contract."""

import pickle

import numpy as np
import pytest
import scipy.sparse

from reference_layers import train_pass
from skdl.layers import Activation, Dense, Dropout, glorot_uniform
from skdl.layers.dense import sparse_weight_gradient
from skdl.utils.gradient_check import check_layer_gradients


def test_dense_gradients_match_finite_differences(rng):
    layer = Dense(4)
    layer.build((3,), rng, np.float64)
    errors = check_layer_gradients(layer, rng.standard_normal((5, 3)), rng)
    assert max(errors.values()) < 1e-8, errors


def test_dense_without_bias_gradients(rng):
    layer = Dense(4, use_bias=False)
    layer.build((3,), rng, np.float64)
    assert list(layer.parameters()) == ["W"]
    errors = check_layer_gradients(layer, rng.standard_normal((5, 3)), rng)
    assert max(errors.values()) < 1e-8, errors


def test_dense_forward_is_affine(rng):
    layer = Dense(2)
    assert layer.build((3,), rng, np.float64) == (2,)
    X = rng.standard_normal((4, 3))
    params = layer.parameters()
    np.testing.assert_allclose(layer.forward(X), X @ params["W"] + params["b"])


def test_dense_skips_input_gradient_when_not_needed(rng):
    layer = Dense(2)
    layer.build((3,), rng, np.float64)
    _, dX, grads, _ = train_pass(layer, rng.standard_normal((4, 3)), np.ones((4, 2)),
                                 input_grad=False)
    assert dX is None
    np.testing.assert_allclose(grads["b"], [4.0, 4.0])


SPARSE_KINDS = [scipy.sparse.csr_matrix, scipy.sparse.csc_matrix, scipy.sparse.csr_array,
                scipy.sparse.csc_array]


def _sparse_batch(rng, kind, n=7, d=40, density=0.1, dtype=np.float64):
    dense = rng.standard_normal((n, d)) * (rng.random((n, d)) < density)
    dense[3] = 0.0                                   # an empty row
    return kind(dense.astype(dtype)), dense.astype(dtype)


@pytest.mark.parametrize("kind", SPARSE_KINDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dense_layer_on_sparse_input_equals_the_dense_computation(rng, kind, dtype):
    layer = Dense(5)
    layer.build((40,), rng, dtype)
    X_sparse, X = _sparse_batch(rng, kind, dtype=dtype)
    dY = rng.standard_normal((7, 5)).astype(dtype)
    Y_sparse, _, grads_sparse, cache = train_pass(layer, X_sparse, dY, input_grad=False)
    Y, _, grads, _ = train_pass(layer, X, dY, input_grad=False)
    assert isinstance(Y_sparse, np.ndarray) and Y_sparse.dtype == dtype
    assert scipy.sparse.issparse(cache["X"])          # the batch was not densified
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(Y_sparse, Y, rtol=tolerance, atol=tolerance)
    for name in ("W", "b"):
        np.testing.assert_allclose(grads_sparse[name], grads[name], rtol=tolerance,
                                   atol=tolerance)
    np.testing.assert_allclose(layer.forward(X_sparse), Y, rtol=tolerance, atol=tolerance)


def test_sparse_weight_gradient_writes_zeros_for_unused_columns(rng):
    X_sparse, X = _sparse_batch(rng, scipy.sparse.csr_array, density=0.05)
    dY = rng.standard_normal((7, 3))
    out = np.full((40, 3), np.nan)
    sparse_weight_gradient(X_sparse, dY, out)
    np.testing.assert_allclose(out, X.T @ dY, atol=1e-12)
    unused = ~np.any(X != 0, axis=0)
    assert unused.any() and np.all(out[unused] == 0)
    # 64-bit indices (scipy's large-matrix format) and a batch without a non-zero.
    wide = scipy.sparse.csr_matrix(X_sparse)
    wide.indices, wide.indptr = wide.indices.astype(np.int64), wide.indptr.astype(np.int64)
    np.testing.assert_allclose(sparse_weight_gradient(wide, dY, out), X.T @ dY, atol=1e-12)
    empty = scipy.sparse.csr_matrix((7, 40))
    assert not sparse_weight_gradient(empty, dY, out).any()


@pytest.mark.parametrize("name", ["identity", "logistic", "tanh", "relu", "leaky_relu"])
def test_activation_layer_gradients(rng, name):
    layer = Activation(name)
    layer.build((4,), rng, np.float64)
    X = rng.standard_normal((6, 4))
    X[np.abs(X) < 1e-3] = 0.5              # away from ReLU's kink
    errors = check_layer_gradients(layer, X, rng)
    assert errors["X"] < 1e-7, errors


@pytest.mark.parametrize("layer", [Dense(3), Activation("tanh"), Dropout(0.5)])
def test_inference_writes_nothing_to_the_layer(rng, layer):
    layer.build((4,), rng, np.float64)
    before = pickle.dumps(layer)
    layer.forward(rng.standard_normal((5, 4)))
    assert pickle.dumps(layer) == before


def test_glorot_uniform_bounds_and_reproducibility():
    W = glorot_uniform(300, 200, np.random.default_rng(1), np.float64)
    bound = np.sqrt(6 / 500)
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.95 * bound
    np.testing.assert_array_equal(W, glorot_uniform(300, 200, np.random.default_rng(1), np.float64))


def test_dropout_is_identity_at_prediction(rng):
    layer = Dropout(0.5)
    layer.build((10,), rng, np.float64)
    X = rng.standard_normal((3, 10))
    assert layer.forward(X) is X


def test_inverted_dropout_keeps_the_expected_activation(rng):
    layer = Dropout(0.3)
    layer.build((1000,), rng, np.float64)
    X = np.ones((200, 1000))
    Y, *_ = train_pass(layer, X, rng=rng)
    kept = Y > 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(Y[kept], 1 / 0.7)
    assert Y.mean() == pytest.approx(1.0, abs=0.01)


def test_dropout_backward_uses_the_forward_mask(rng):
    layer = Dropout(0.5)
    layer.build((8,), rng, np.float64)
    X = rng.standard_normal((4, 8))
    Y, dX, _, cache = train_pass(layer, X, np.ones_like(X), rng=rng)
    # dY/dX is the scaled mask, which is Y / X elementwise.
    np.testing.assert_allclose(dX, Y / X)
    assert "mask" in cache and not vars(layer).keys() - {"rate"}


def test_dropout_gradients_match_finite_differences(rng):
    layer = Dropout(0.4)
    layer.build((6,), rng, np.float64)
    errors = check_layer_gradients(layer, rng.standard_normal((5, 6)), rng)
    assert errors["X"] < 1e-8, errors


def test_dropout_equals_classic_scaling_in_expectation(rng):
    # Classic dropout: drop at train time, multiply by q = 1 - p at test
    # time. Inverted dropout: divide by q at train time, identity at test.
    # The test-time outputs differ by exactly the factor q that training
    # compensated for, so the two models agree.
    p, q = 0.4, 0.6
    W = rng.standard_normal((6, 3))
    X = rng.standard_normal((50000, 6))
    masks = rng.random(X.shape) >= p
    classic_train = (X * masks) @ W
    inverted_train = (X * masks / q) @ W
    np.testing.assert_allclose(classic_train.mean(0), (X @ (q * W)).mean(0), atol=0.02)
    np.testing.assert_allclose(inverted_train.mean(0), (X @ W).mean(0), atol=0.03)
