"""Dense, Activation and Dropout under the layer contract."""

import pickle

import numpy as np
import pytest

from reference_layers import train_pass
from skdl.layers import Activation, Dense, Dropout, glorot_uniform
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
