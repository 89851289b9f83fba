import numpy as np
import pytest

from skdl.layers import Dense, Dropout, glorot_uniform
from skdl.utils.gradient_check import check_layer_gradients


def test_dense_gradients_match_finite_differences(rng):
    layer = Dense(4)
    layer.build((3,), rng, np.float64)
    errors = check_layer_gradients(layer, rng.standard_normal((5, 3)), rng)
    assert max(errors.values()) < 1e-8, errors


def test_dense_forward_is_affine(rng):
    layer = Dense(2)
    assert layer.build((3,), rng, np.float64) == (2,)
    X = rng.standard_normal((4, 3))
    np.testing.assert_allclose(layer.forward(X), X @ layer.W + layer.b)


def test_dense_skips_input_gradient_when_not_needed(rng):
    layer = Dense(2)
    layer.build((3,), rng, np.float64)
    layer.forward(rng.standard_normal((4, 3)))
    assert layer.backward(np.ones((4, 2)), input_grad=False) is None
    np.testing.assert_allclose(layer.db, [4.0, 4.0])


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
    assert layer.forward(X, training=False) is X


def test_inverted_dropout_keeps_the_expected_activation(rng):
    layer = Dropout(0.3)
    layer.build((1000,), rng, np.float64)
    X = np.ones((200, 1000))
    Y = layer.forward(X, training=True)
    kept = Y > 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(Y[kept], 1 / 0.7)
    assert Y.mean() == pytest.approx(1.0, abs=0.01)


def test_dropout_backward_uses_the_forward_mask(rng):
    layer = Dropout(0.5)
    layer.build((8,), rng, np.float64)
    X = rng.standard_normal((4, 8))
    Y = layer.forward(X, training=True)
    dX = layer.backward(np.ones_like(X))
    # dY/dX is the scaled mask, which is Y / X elementwise.
    np.testing.assert_allclose(dX, Y / X)


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
