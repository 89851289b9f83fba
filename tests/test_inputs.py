"""Input adapters: images, sequences and token ids as 2-D tables, and back to shapes."""

import numpy as np
import pytest

from skdl._inputs import ImageAdapter, SequenceAdapter, TokenAdapter, pad_sequences


def test_image_adapter_flattens_and_checks_shapes():
    adapter = ImageAdapter(None, None, "Est")
    X = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    rows = adapter.fit(X)
    assert rows.shape == (2, 60) and np.shares_memory(rows, X)
    assert adapter.resolve(60) == (3, 4, 5) and adapter.conv_dim == 2
    assert adapter.transform(X).shape == (2, 60)
    with pytest.raises(ValueError, match=r"samples of shape \(3, 5, 4\)"):
        adapter.transform(X.transpose(0, 1, 3, 2))


def test_image_adapter_reads_2d_rows_and_one_channel_images():
    adapter = ImageAdapter((4, 5), None, "Est")
    assert adapter.fit(np.zeros((3, 20))).shape == (3, 20)
    assert adapter.resolve(20) == (1, 4, 5)
    assert adapter.transform(np.zeros((2, 4, 5))).shape == (2, 20)
    one_d = ImageAdapter(None, None, "Est")
    one_d.fit(np.zeros((3, 7)))
    assert one_d.resolve(7) == (1, 7) and one_d.conv_dim == 1
    with pytest.raises(ValueError, match="holds 20 values"):
        ImageAdapter((4, 5), None, "Est").resolve(21)


def test_sequence_adapter_lists_get_a_length_column():
    adapter = SequenceAdapter(None, "Est")
    sequences = [np.ones((3, 2)), np.ones((1, 2))]
    rows = adapter.fit(sequences)
    assert rows.shape == (2, 7) and rows[:, 0].tolist() == [3, 1]
    assert adapter.resolve(7) == (3, 2)
    # A full-length 3-D batch gets the length column too.
    assert adapter.transform(np.ones((4, 3, 2)))[:, 0].tolist() == [3] * 4
    with pytest.raises(ValueError, match="more than the 3 steps"):
        adapter.transform([np.ones((4, 2))])


def test_sequence_adapter_3d_and_2d():
    adapter = SequenceAdapter(None, "Est")
    assert adapter.fit(np.zeros((5, 4, 3))).shape == (5, 12)
    assert adapter.resolve(12) == (4, 3)
    with pytest.raises(ValueError, match="fitted on sequences of shape"):
        adapter.transform(np.zeros((5, 3, 3)))
    flat = SequenceAdapter(None, "Est")
    flat.fit(np.zeros((5, 6)))
    assert flat.resolve(6) == (6, 1)


def test_token_adapter_pads_ragged_lists_and_checks_ids():
    adapter = TokenAdapter("Est")
    ids = adapter.fit([[2, 3, 4], [5]])
    assert ids.tolist() == [[2, 3, 4], [5, 0, 0]] and adapter.n_tokens == 6
    assert adapter.resolve(3) == (3, 1)
    with pytest.raises(ValueError, match="longer than the 3 steps"):
        adapter.transform([[1, 2, 3, 4], [1]])
    with pytest.raises(ValueError, match="non-negative integer"):
        adapter.transform(np.array([[1.5, 2.0, 0.0]]))


def test_pad_sequences():
    padded = pad_sequences([np.ones((2, 1)), np.full((1, 1), 3.0)], 3, 1, np.float64)
    assert padded[:, :, 0].tolist() == [[1, 1, 0], [3, 0, 0]]
