"""Flatten and Reshape: pure re-indexing, forward and backward."""

import numpy as np
import pytest

from skdl.layers.reshape import Flatten, Reshape
from skdl.utils.gradient_check import check_layer_gradients


def test_flatten_round_trip(rng):
    layer = Flatten()
    assert layer.build((3, 4, 2), None, np.float64) == (24,)
    X = rng.standard_normal((5, 3, 4, 2))
    Y = layer.forward(X)
    np.testing.assert_array_equal(Y, X.reshape(5, 24))
    np.testing.assert_array_equal(layer.backward(Y.copy(), {}, {}), X)
    assert layer.backward(Y, {}, {}, input_grad=False) is None
    assert max(check_layer_gradients(layer, X, rng).values()) < 1e-8


def test_flatten_accepts_non_contiguous_input(rng):
    layer = Flatten()
    layer.build((4, 3), None, np.float64)
    X = rng.standard_normal((2, 3, 4)).transpose(0, 2, 1)
    np.testing.assert_array_equal(layer.forward(X)[1], X[1].ravel())


@pytest.mark.parametrize("target", [(3, 4, 5), (2, 7), (1, 6, 6)])
def test_reshape_channels_first(rng, target):
    size = int(np.prod(target))
    layer = Reshape(target)
    assert layer.build((size,), None, np.float64) == target
    X = rng.standard_normal((3, size))
    Y = layer.forward(X)
    np.testing.assert_array_equal(Y, X.reshape((3,) + target))
    np.testing.assert_array_equal(layer.backward(Y.copy(), {}, {}), X)


def test_reshape_channels_last_moves_the_channel_axis(rng):
    layer = Reshape((3, 4, 5), channels_last=True)
    assert layer.build((60,), None, np.float64) == (4, 5, 3)
    X = rng.standard_normal((2, 60))
    Y = layer.forward(X)
    # Value of channel c at (y, x) is X[n, c*20 + y*5 + x].
    assert Y[1, 2, 3, 1] == X[1, 1 * 20 + 2 * 5 + 3]
    np.testing.assert_array_equal(layer.backward(Y.copy(), {}, {}), X)
    assert max(check_layer_gradients(layer, X, rng).values()) < 1e-8


def test_reshape_size_mismatch_is_an_error():
    with pytest.raises(ValueError, match="Cannot reshape"):
        Reshape((2, 3)).build((7,), None, np.float64)
