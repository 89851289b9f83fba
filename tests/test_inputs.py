"""Input adapters: tables, images and sequences in both layouts, NaN padding, token ids."""

import numpy as np
import pytest

from skdl._inputs import (ImageAdapter, SequenceAdapter, TokenAdapter, check_padding,
                          pad_sequences, shape_in_order)


def test_image_adapter_flattens_and_checks_shapes():
    adapter = ImageAdapter(None, None, "channels_first", "Est")
    X = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    rows = adapter.fit(X)
    assert rows.shape == (2, 60) and np.shares_memory(rows, X)
    assert adapter.resolve(60) == (3, 4, 5) and adapter.conv_dim == 2
    assert adapter.transform(X).shape == (2, 60)
    with pytest.raises(ValueError, match=r"samples of shape \(3, 5, 4\)"):
        adapter.transform(X.transpose(0, 1, 3, 2))


def test_image_adapter_channels_last_keeps_the_layout():
    adapter = ImageAdapter(None, None, "channels_last", "Est")
    X = np.arange(2 * 4 * 5 * 3, dtype=float).reshape(2, 4, 5, 3)      # (n, H, W, C)
    assert adapter.fit(X).shape == (2, 60)
    assert adapter.resolve(60) == (3, 4, 5)                             # channels first inside
    layer = adapter.input_layer()
    layer.build((60,), None, np.float64)
    np.testing.assert_array_equal(layer.forward(X.reshape(2, 60)), X)  # NHWC, no transpose
    with pytest.raises(ValueError, match=r"fitted on samples of shape \(4, 5, 3\) "
                                         r"\(channels_last\)"):
        adapter.transform(X.transpose(0, 3, 1, 2))
    first = ImageAdapter((4, 5, 3), None, "channels_last", "Est")
    assert first.resolve(60) == (3, 4, 5)


def test_image_adapter_reads_2d_rows_and_one_channel_images():
    adapter = ImageAdapter((4, 5), None, "channels_first", "Est")
    assert adapter.fit(np.zeros((3, 20))).shape == (3, 20)
    assert adapter.resolve(20) == (1, 4, 5)
    assert adapter.transform(np.zeros((2, 4, 5))).shape == (2, 20)
    one_d = ImageAdapter(None, None, "channels_first", "Est")
    one_d.fit(np.zeros((3, 7)))
    assert one_d.resolve(7) == (1, 7) and one_d.conv_dim == 1
    with pytest.raises(ValueError, match="holds 20 values"):
        ImageAdapter((4, 5), None, "channels_first", "Est").resolve(21)


@pytest.mark.parametrize("data_format", ["channels_first", "channels_last"])
def test_image_adapter_pads_1d_sequences_with_zeros_to_the_fitted_length(data_format):
    """For a ConvNet, NaN padding and shorter list items become zeros; length is fixed."""
    def layout(a):                      # (n, C, L) -> the data_format layout
        return a if data_format == "channels_first" else a.transpose(0, 2, 1)

    adapter = ImageAdapter(None, 1, data_format, "Est")
    X = np.arange(2 * 2 * 5, dtype=float).reshape(2, 2, 5)
    adapter.fit(layout(X))
    adapter.resolve(10)
    padded = X.copy()
    padded[1, :, 3:] = np.nan
    zeros = X.copy()
    zeros[1, :, 3:] = 0.0
    expected = layout(zeros).reshape(2, 10)
    np.testing.assert_array_equal(adapter.transform(layout(padded)), expected)
    items = [layout(X[:1])[0], layout(X[1:, :, :3])[0]]
    np.testing.assert_array_equal(adapter.transform(items), expected)
    # Shorter 3-D arrays are padded; longer ones may only carry NaN padding.
    np.testing.assert_array_equal(adapter.transform(layout(X[:, :, :3])),
                                  layout(np.pad(X[:, :, :3], [(0, 0), (0, 0), (0, 2)]))
                                  .reshape(2, 10))
    longer = np.concatenate([padded, np.full((2, 2, 3), np.nan)], axis=2)
    np.testing.assert_array_equal(adapter.transform(layout(longer)), expected)
    with pytest.raises(ValueError, match="reads sequences of 5 steps"):
        adapter.transform(layout(np.zeros((1, 2, 6))))
    inner = X.copy()
    inner[0, :, 1] = np.nan
    with pytest.raises(ValueError, match="NaN inside a sequence"):
        adapter.transform(layout(inner))


@pytest.mark.parametrize("data_format", ["channels_first", "channels_last"])
def test_sequence_adapter_lists_become_nan_padded_arrays(data_format):
    adapter = SequenceAdapter(None, data_format, "Est")
    items = [np.ones((3, 2)), np.full((1, 2), 2.0)]
    if data_format == "channels_first":
        items = [item.T for item in items]
    assert adapter.reads_sequences(items)
    X = adapter.fit_sequences(items)
    assert X.shape == ((2, 3, 2) if data_format == "channels_last" else (2, 2, 3))
    assert shape_in_order(X.shape[1:], data_format) == (3, 2)
    assert np.isnan(X).sum() == 4 and not adapter.table
    assert adapter.resolve(None) == (3, 2) and adapter.seen_shape == (3, 2)
    # Any length at prediction, as long as the features per step match.
    longer = [np.zeros((9, 2)) if data_format == "channels_last" else np.zeros((2, 9))]
    out = adapter.transform_sequences(longer)
    assert shape_in_order(out.shape[1:], data_format) == (9, 2)
    with pytest.raises(ValueError, match="fitted on sequences given as a 3-D array"):
        adapter.transform(np.zeros((2, 6)))


def test_sequence_adapter_tables_and_input_shape():
    adapter = SequenceAdapter(None, "channels_last", "Est")
    assert not adapter.reads_sequences(np.zeros((5, 6)))
    assert not adapter.reads_sequences([[1.0, 2.0], [3.0, 4.0]])     # equal rows: a table
    assert adapter.reads_sequences([[1.0, 2.0], [3.0]])              # ragged: a hint, later
    adapter.fit(np.zeros((5, 6)))
    assert adapter.resolve(6) == (6, 1)
    first = SequenceAdapter((3, 4), "channels_first", "Est")
    first.fit(np.zeros((5, 12)))
    assert first.resolve(12) == (4, 3)                             # (d, T) given: T=4, d=3
    assert first.input_layer().data_format == "channels_first"
    with pytest.raises(ValueError, match="needs 12 features per row"):
        SequenceAdapter((3, 4), "channels_last", "Est").resolve(13)
    with pytest.raises(ValueError, match="does not match"):
        bad = SequenceAdapter((7, 3), "channels_last", "Est")
        bad.fit_sequences(np.zeros((2, 7, 2)))
        bad.resolve(7)


def test_check_padding_accepts_trailing_nan_steps_only():
    X = np.ones((3, 4, 2))
    assert check_padding(X, "channels_last", "Est") is None
    X[1, 2:] = np.nan
    X[2, 1:] = np.nan
    assert check_padding(X, "channels_last", "Est").tolist() == [4, 2, 1]
    assert check_padding(X.transpose(0, 2, 1), "channels_first", "Est").tolist() == [4, 2, 1]
    X[0, 1, 0] = np.nan
    with pytest.raises(ValueError, match="sample 0 has NaN in some but not all features"):
        check_padding(X, "channels_last", "Est")
    X[0, 1] = np.nan
    with pytest.raises(ValueError, match="sample 0 has a NaN step before the real step"):
        check_padding(X, "channels_last", "Est")


def test_token_adapter_sequences_any_length_and_tables():
    adapter = TokenAdapter("Est")
    assert adapter.reads_sequences([[2, 3, 4], [5]]) and adapter.reads_sequences([[2, 3]])
    assert not adapter.reads_sequences(np.array([[2, 3]]))
    ids = adapter.fit_sequences([[2, 3, 4], [5]])
    assert ids.tolist() == [[2, 3, 4], [5, 0, 0]] and adapter.n_tokens == 6
    assert adapter.resolve(3) == (3, 1)
    # Fitted on sequences: any length, and 2-D id arrays read as sequences too.
    assert adapter.transform_sequences([[1, 2, 3, 4, 5], [1]]).shape == (2, 5)
    assert adapter.reads_sequences(np.array([[2, 3]]))
    with pytest.raises(ValueError, match="non-negative integer"):
        adapter.transform_sequences(np.array([[1.5, 2.0, 0.0]]))
    table = TokenAdapter("Est")
    table.fit(np.array([[2, 3], [4, 0]]))
    assert table.n_tokens == 5 and table.resolve(2) == (2, 1)
    with pytest.raises(ValueError, match="embedding needs one row per id"):
        TokenAdapter("Est").fit(np.array([[2, 1e19]]))


def test_pad_sequences():
    padded = pad_sequences([np.ones((2, 1)), np.full((1, 1), 3.0)], "channels_last", 0,
                           np.float64, steps=3)
    assert padded[:, :, 0].tolist() == [[1, 1, 0], [3, 0, 0]]
    first = pad_sequences([np.ones((1, 2)), np.full((1, 1), 3.0)], "channels_first", np.nan,
                          np.float64)
    assert first.shape == (2, 1, 2) and np.isnan(first[1, 0, 1])
