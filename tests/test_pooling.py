"""Pooling layers against plain-loop references and finite differences."""

import itertools
import pickle

import numpy as np
import pytest

from reference_layers import pool2d_reference, train_pass
from skdl.layers.pooling import AvgPool1D, AvgPool2D, MaxPool1D, MaxPool2D
from skdl.utils.gradient_check import check_layer_gradients

CASES = [(p, s) for p, s in itertools.product([1, 2, 3, (2, 3)], [None, 1, 2, 3])]


def _layout(X, fmt):
    return X if fmt == "channels_first" else np.ascontiguousarray(np.moveaxis(X, 1, -1))


def _from_layout(Y, fmt):
    return Y if fmt == "channels_first" else np.moveaxis(Y, -1, 1)


@pytest.mark.parametrize("cls, mode", [(MaxPool2D, "max"), (AvgPool2D, "avg")])
@pytest.mark.parametrize("pool, stride", CASES)
@pytest.mark.parametrize("fmt", ["channels_first", "channels_last"])
def test_pool2d_matches_reference_forward_and_backward(rng, cls, mode, pool, stride, fmt):
    # 7 x 8 maps: odd sizes leave trailing rows that no window covers.
    X = rng.standard_normal((2, 3, 7, 8))
    layer = cls(pool, stride, data_format=fmt)
    layer.build(_layout(X, fmt).shape[1:], None, np.float64)
    Y = layer.forward(_layout(X, fmt))
    expected, backward = pool2d_reference(X, pool, stride, mode)
    np.testing.assert_allclose(_from_layout(Y, fmt), expected, atol=1e-12)
    dY = rng.standard_normal(expected.shape)
    Y_train, dX, _, _ = train_pass(layer, _layout(X, fmt), _layout(dY, fmt).copy())
    np.testing.assert_array_equal(Y_train, Y)
    np.testing.assert_allclose(_from_layout(dX, fmt), backward(dY), atol=1e-12)


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
@pytest.mark.parametrize("pool, stride", [(2, None), (3, 2), ((2, 3), 1)])
def test_pool2d_gradients_match_finite_differences(rng, cls, pool, stride):
    layer = cls(pool, stride)
    layer.build((2, 5, 7), None, np.float64)
    errors = check_layer_gradients(layer, rng.standard_normal((2, 2, 5, 7)), rng)
    assert errors["X"] < 1e-7, errors


def test_max_pool_routes_ties_to_the_first_maximum_only(rng):
    # A blank region (all zeros) and integer images give windows of equal
    # values: only one input may receive each window's gradient.
    X = rng.integers(0, 3, size=(2, 2, 6, 6)).astype(np.float64)
    X[0, 0] = 0.0
    layer = MaxPool2D(2)
    layer.build((2, 6, 6), None, np.float64)
    dY = rng.standard_normal((2, 2, 3, 3))
    _, dX, _, _ = train_pass(layer, X, dY.copy())
    _, backward = pool2d_reference(X, 2)
    np.testing.assert_allclose(dX, backward(dY))
    np.testing.assert_allclose(dX[0, 0, ::2, ::2], dY[0, 0])
    np.testing.assert_allclose(dX.sum(axis=(2, 3)), dY.sum(axis=(2, 3)))


def test_max_pool_backward_survives_an_in_place_activation(rng):
    # The next layer may overwrite the returned output (Activation does).
    X = rng.standard_normal((2, 4, 4, 3))
    layer = MaxPool2D(2, data_format="channels_last")
    layer.build((4, 4, 3), None, np.float64)
    Y, expected, _, _ = train_pass(layer, X, np.ones((2, 2, 2, 3)))
    expected = expected.copy()
    cache = {}
    Y = layer.forward(X, cache)
    Y[...] = -7.0
    np.testing.assert_array_equal(layer.backward(np.ones_like(Y), cache, {}), expected)


def test_pooling_keeps_channels_and_leaves_input_untouched(rng):
    X = rng.standard_normal((3, 5, 6, 6))
    before = X.copy()
    layer = MaxPool2D(3)
    assert layer.build((5, 6, 6), None, np.float64) == (5, 2, 2)
    assert layer.forward(X).shape == (3, 5, 2, 2)
    train_pass(layer, X, np.ones((3, 5, 2, 2)))
    np.testing.assert_array_equal(X, before)


def test_pool_larger_than_map_is_an_error():
    with pytest.raises(ValueError, match="larger than its input map"):
        MaxPool2D(3).build((1, 2, 5), None, np.float64)
    with pytest.raises(ValueError, match="larger than its input map"):
        AvgPool1D(4).build((2, 3), None, np.float64)
    with pytest.raises(ValueError, match="pool_size"):
        MaxPool2D(0).build((1, 4, 4), None, np.float64)


def test_pool_keeps_nothing_of_a_call(rng):
    layer = MaxPool2D(2)
    layer.build((1, 4, 4), None, np.float64)
    before = pickle.dumps(layer)
    X = rng.standard_normal((2, 1, 4, 4))
    Y, _, _, cache = train_pass(layer, X, np.ones((2, 1, 2, 2)))
    assert "winner" in cache
    assert pickle.dumps(layer) == before
    np.testing.assert_array_equal(layer.forward(X), Y)


@pytest.mark.parametrize("cls, mode", [(MaxPool1D, "max"), (AvgPool1D, "avg")])
@pytest.mark.parametrize("pool, stride", [(2, None), (3, None), (3, 1), (2, 3), (9, None)])
def test_pool1d_matches_2d_reference_on_height_one_maps(rng, cls, mode, pool, stride):
    X = rng.standard_normal((2, 3, 9))
    layer = cls(pool, stride)
    layer.build((3, 9), None, np.float64)
    expected, backward = pool2d_reference(X[:, :, None, :], (1, pool),
                                          None if stride is None else (1, stride), mode)
    np.testing.assert_allclose(layer.forward(X), expected[:, :, 0], atol=1e-12)
    dY = rng.standard_normal(expected.shape)
    _, dX, _, _ = train_pass(layer, X, dY[:, :, 0].copy())
    np.testing.assert_allclose(dX, backward(dY)[:, :, 0], atol=1e-12)


def test_max_over_time_pooling(rng):
    layer = MaxPool1D(5, data_format="channels_last")
    assert layer.build((5, 4), None, np.float64) == (1, 4)
    X = rng.standard_normal((3, 5, 4))
    np.testing.assert_allclose(layer.forward(X)[:, 0], X.max(axis=1))
    errors = check_layer_gradients(layer, X, rng)
    assert errors["X"] < 1e-7
