"""Convolution layers against plain-loop references and finite differences."""

import itertools
import pickle

import numpy as np
import pytest

from reference_layers import conv1d_reference, conv2d_reference, train_pass
from skdl.layers.conv import Conv1D, Conv2D, conv_output_length
from skdl.utils.gradient_check import check_layer_gradients


def _build_2d(rng, channels, H, W, filters=2, dtype=np.float64, **kwargs):
    layer = Conv2D(filters, **kwargs)
    fmt = kwargs.get("data_format", "channels_first")
    shape = (channels, H, W) if fmt == "channels_first" else (H, W, channels)
    out_shape = layer.build(shape, rng, dtype)
    # Non-zero biases, so the fused bias column is exercised.
    layer.parameters()["b"][...] = rng.standard_normal(filters)
    return layer, out_shape


def _to_layout(X, fmt):
    # check_layer_gradients perturbs its input through reshape(-1): give it a
    # C-contiguous array.
    return X if fmt == "channels_first" else np.ascontiguousarray(np.moveaxis(X, 1, -1))


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel, stride", list(itertools.product([1, 2, 3], [1, 2, 3])))
@pytest.mark.parametrize("channels", [1, 3, 6])
def test_conv2d_forward_matches_reference(rng, padding, kernel, stride, channels):
    # Odd, non-square maps; up to Conv2D.transposed_channels (4) channels use
    # the transposed im2col, six the row (stride 1) or offset (stride > 1) one.
    layer, out_shape = _build_2d(rng, channels, 7, 6, kernel_size=kernel, stride=stride,
                                 padding=padding)
    X = rng.standard_normal((2, channels, 7, 6))
    Y = layer.forward(X)
    expected = conv2d_reference(X, layer.parameters()["W"], layer.parameters()["b"], stride, padding)
    assert Y.shape == (2,) + out_shape == expected.shape
    np.testing.assert_allclose(Y, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fmt", ["channels_first", "channels_last"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel, stride", [(3, 1), (2, 2), ((2, 3), (2, 1)), (3, (1, 2))])
@pytest.mark.parametrize("channels", [1, 2, 5])
def test_conv2d_gradients_match_finite_differences(rng, fmt, padding, kernel, stride, channels):
    layer, _ = _build_2d(rng, channels, 5, 6, kernel_size=kernel, stride=stride,
                         padding=padding, data_format=fmt)
    X = _to_layout(rng.standard_normal((2, channels, 5, 6)), fmt)
    errors = check_layer_gradients(layer, X, rng)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("fmt", ["channels_first", "channels_last"])
def test_conv2d_data_formats_agree(rng, fmt):
    layer, _ = _build_2d(np.random.default_rng(1), 3, 6, 5, kernel_size=3, padding="same",
                         data_format=fmt)
    X = rng.standard_normal((3, 3, 6, 5))
    Y = layer.forward(_to_layout(X, fmt))
    if fmt == "channels_last":
        Y = np.moveaxis(Y, -1, 1)
    np.testing.assert_allclose(Y, conv2d_reference(X, layer.parameters()["W"], layer.parameters()["b"], 1, "same"),
                               atol=1e-12)


def test_each_filter_is_as_deep_as_its_input_and_gives_one_map(rng):
    layer, out_shape = _build_2d(rng, 3, 5, 5, filters=4, kernel_size=3)
    assert layer.parameters()["W"].shape == (3, 3, 3, 4)
    assert out_shape == (4, 3, 3)
    # Filter 0 sees only channel 1: its map is the 2-D correlation of that channel.
    layer.parameters()["W"][...] = 0
    layer.parameters()["b"][...] = 0
    layer.parameters()["W"][1, 1, 1, 0] = 2.0
    X = rng.standard_normal((1, 3, 5, 5))
    np.testing.assert_allclose(layer.forward(X)[0, 0], 2.0 * X[0, 1, 1:4, 1:4])


def test_conv2d_input_gradient_can_be_skipped(rng):
    layer, _ = _build_2d(rng, 2, 5, 5, kernel_size=3)
    X = rng.standard_normal((2, 2, 5, 5))
    dY = rng.standard_normal((2, 2, 3, 3))
    _, dX, grads, _ = train_pass(layer, X, dY.copy())
    _, skipped, grads_skipped, _ = train_pass(layer, X, dY.copy(), input_grad=False)
    assert skipped is None and dX.shape == X.shape
    np.testing.assert_allclose(grads_skipped["W"], grads["W"])


def test_conv2d_gradients_are_written_into_the_given_arrays(rng):
    # A fit hands views of its one flat gradient: they must be written, not rebound.
    layer, _ = _build_2d(rng, 1, 4, 4, kernel_size=2)
    _, _, grads, _ = train_pass(layer, rng.standard_normal((2, 1, 4, 4)), np.ones((2, 2, 3, 3)))
    np.testing.assert_allclose(grads["b"], 18.0)


def test_conv2d_without_bias(rng):
    layer = Conv2D(2, 3, use_bias=False)
    layer.build((2, 5, 5), rng, np.float64)
    assert list(layer.parameters()) == ["W"]
    X = rng.standard_normal((2, 2, 5, 5))
    np.testing.assert_allclose(layer.forward(X),
                               conv2d_reference(X, layer.parameters()["W"], np.zeros(2)),
                               atol=1e-12)
    errors = check_layer_gradients(layer, X, rng)
    assert max(errors.values()) < 1e-7, errors


def test_conv2d_handles_changing_batch_sizes(rng):
    layer, _ = _build_2d(rng, 3, 6, 6, kernel_size=3, padding="same")
    for n in (4, 1, 3, 4, 2, 1):
        X = rng.standard_normal((n, 3, 6, 6))
        np.testing.assert_allclose(layer.forward(X),
                                   conv2d_reference(X, layer.parameters()["W"], layer.parameters()["b"], 1, "same"), atol=1e-12)


def test_conv2d_float32_matches_float64(rng):
    layer64, _ = _build_2d(np.random.default_rng(3), 2, 9, 9, kernel_size=3)
    layer32, _ = _build_2d(np.random.default_rng(3), 2, 9, 9, kernel_size=3, dtype=np.float32)
    layer32.parameters()["b"][...] = layer64.parameters()["b"]
    X = rng.standard_normal((4, 2, 9, 9))
    Y32 = layer32.forward(X.astype(np.float32))
    assert Y32.dtype == np.float32
    np.testing.assert_allclose(Y32, layer64.forward(X), rtol=1e-4, atol=1e-5)


def test_conv2d_leaves_its_input_untouched(rng):
    layer, _ = _build_2d(rng, 2, 5, 5, kernel_size=3, padding="same")
    X = rng.standard_normal((2, 2, 5, 5))
    X_before = X.copy()
    train_pass(layer, X, np.ones((2, 2, 5, 5)))
    np.testing.assert_array_equal(X, X_before)


def test_conv2d_keeps_im2col_buffers_in_the_training_cache_only(rng):
    layer, _ = _build_2d(rng, 2, 5, 5, kernel_size=3)
    X = rng.standard_normal((2, 2, 5, 5))
    before = pickle.dumps(layer)
    Y = layer.forward(X)
    _, _, _, cache = train_pass(layer, X, np.ones_like(Y))
    assert "cols" in cache and cache["recent"]["plan"]
    assert pickle.dumps(layer) == before
    # A second training batch of the same size reuses the cached plan.
    plan = cache["recent"]["plan"][0][1]
    layer.forward(X, cache)
    assert cache["recent"]["plan"][0][1] is plan


@pytest.mark.parametrize("n, k, s, padding, expected", [
    (28, 3, 1, "valid", 26), (28, 3, 1, "same", 28), (7, 3, 2, "valid", 3),
    (7, 3, 2, "same", 4), (5, 5, 1, "valid", 1), (4, 5, 1, "valid", 0), (1, 3, 1, "same", 1),
])
def test_output_length_formula(n, k, s, padding, expected):
    out, before, after = conv_output_length(n, k, s, padding)
    assert out == expected
    # out = floor((n + p - k) / s) + 1 with p the total padding.
    if out >= 1:
        assert out == (n + before + after - k) // s + 1


def test_conv2d_rejects_bad_configurations(rng):
    with pytest.raises(ValueError, match="does not fit"):
        Conv2D(2, 5).build((1, 4, 4), rng, np.float64)
    with pytest.raises(ValueError, match="padding"):
        Conv2D(2, 3, padding="full").build((1, 4, 4), rng, np.float64)
    with pytest.raises(ValueError, match="kernel_size"):
        Conv2D(2, 0).build((1, 4, 4), rng, np.float64)
    with pytest.raises(ValueError, match="filters"):
        Conv2D(0, 3).build((1, 4, 4), rng, np.float64)
    with pytest.raises(ValueError, match="3-D"):
        Conv2D(2, 3).build((4, 4), rng, np.float64)


# ----------------------------------------------------------------------- 1-D
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel, stride", list(itertools.product([1, 2, 4], [1, 2, 3])))
@pytest.mark.parametrize("channels", [4, 6])
def test_conv1d_forward_matches_reference(rng, padding, kernel, stride, channels):
    layer = Conv1D(3, kernel, stride, padding)
    out_shape = layer.build((channels, 9), rng, np.float64)
    layer.parameters()["b"][...] = rng.standard_normal(3)
    X = rng.standard_normal((2, channels, 9))
    Y = layer.forward(X)
    assert Y.shape == (2,) + out_shape
    np.testing.assert_allclose(Y, conv1d_reference(X, layer.parameters()["W"], layer.parameters()["b"], stride, padding),
                               atol=1e-12)


@pytest.mark.parametrize("fmt", ["channels_first", "channels_last"])
@pytest.mark.parametrize("kernel, stride, padding", [(3, 1, "valid"), (2, 2, "same"),
                                                     (3, 2, "valid"), (1, 1, "same")])
@pytest.mark.parametrize("channels", [3, 5])
def test_conv1d_gradients_match_finite_differences(rng, fmt, kernel, stride, padding, channels):
    layer = Conv1D(2, kernel, stride, padding, data_format=fmt)
    layer.build((channels, 7) if fmt == "channels_first" else (7, channels), rng, np.float64)
    layer.parameters()["b"][...] = rng.standard_normal(2)
    X = rng.standard_normal((2, channels, 7))
    if fmt == "channels_last":
        X = np.ascontiguousarray(X.transpose(0, 2, 1))
    errors = check_layer_gradients(layer, X, rng)
    assert max(errors.values()) < 1e-7, errors


def test_conv1d_filter_spans_the_embedding_width(rng):
    # Text CNN: 5 words of a 4-dimensional embedding, filters of 2 words.
    layer = Conv1D(3, 2)
    assert layer.build((4, 5), rng, np.float64) == (3, 4)
    assert layer.parameters()["W"].shape == (2, 4, 3)
    X = rng.standard_normal((1, 4, 5))
    Y = layer.forward(X)
    window = X[0, :, 1:3]  # words 1 and 2, all embedding dimensions
    np.testing.assert_allclose(Y[0, :, 1], np.einsum("ck,kcf->f", window, layer.parameters()["W"]) + layer.parameters()["b"])


def test_conv1d_rejects_pairs(rng):
    with pytest.raises(ValueError, match="kernel_size"):
        Conv1D(2, (1, 3)).build((2, 8), rng, np.float64)
