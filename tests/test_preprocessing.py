"""Tests of skdl.preprocessing: TextEncoder and OneHotSequenceEncoder."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import check_estimator

from skdl.preprocessing import OneHotSequenceEncoder, TextEncoder

TEXTS = ["The cat sat on the mat", "the dog sat", "A dog, a cat!"]


def test_vocabulary_by_frequency_then_alphabet():
    enc = TextEncoder().fit(TEXTS)
    # the x3; a, cat, dog, sat x2; mat, on x1
    assert list(enc.vocabulary_) == ["the", "a", "cat", "dog", "sat", "mat", "on"]
    assert enc.vocabulary_["the"] == 2 and enc.n_tokens_ == 9
    assert enc.max_length_ == 6


def test_transform_pads_unknown_and_truncates():
    enc = TextEncoder(max_length=4).fit(TEXTS)
    ids = enc.transform(["the bird sat", "the cat sat on the mat"])
    assert ids.dtype == np.int64
    v = enc.vocabulary_
    assert_array_equal(ids, [[v["the"], 1, v["sat"], 0],
                             [v["the"], v["cat"], v["sat"], v["on"]]])
    pre = TextEncoder(max_length=2, truncating="pre").fit(TEXTS)
    assert_array_equal(pre.transform(["the cat sat on"]), [[v["sat"], v["on"]]])


def test_min_frequency_and_max_tokens():
    enc = TextEncoder(min_frequency=2).fit(TEXTS)
    assert set(enc.vocabulary_) == {"the", "a", "cat", "dog", "sat"}
    enc = TextEncoder(max_tokens=2).fit(TEXTS)
    assert enc.vocabulary_ == {"the": 2, "a": 3}
    assert enc.transform(["mat"])[0, 0] == 1


def test_inverse_transform_and_lowercase():
    enc = TextEncoder(lowercase=False).fit(["Cat cat"])
    assert set(enc.vocabulary_) == {"Cat", "cat"}
    assert enc.inverse_transform(enc.transform(["cat dog"])) == [["cat", "<unk>"]]


@pytest.mark.parametrize("bad, match", [("just one string", "single string"),
                                        ([1, 2], "expects strings"),
                                        ([], "no texts")])
def test_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        TextEncoder().fit(bad)


def test_bad_parameter_and_not_fitted():
    with pytest.raises(ValueError, match="max_length"):
        TextEncoder(max_length=0).fit(TEXTS)
    with pytest.raises(Exception, match="not fitted"):
        TextEncoder().transform(TEXTS)


def test_text_encoder_pickle_and_clone():
    enc = TextEncoder(max_length=5).fit(TEXTS)
    again = pickle.loads(pickle.dumps(enc))
    assert_array_equal(again.transform(TEXTS), enc.transform(TEXTS))
    assert clone(enc).get_params() == enc.get_params()
    assert enc.get_feature_names_out().tolist() == [f"token_{t}" for t in range(5)]


def test_one_hot_codes_and_roundtrip():
    X = np.array([[2, 3, 0], [3, 3, 4]])
    enc = OneHotSequenceEncoder().fit(X)
    assert_array_equal(enc.categories_, [2, 3, 4])
    assert enc.sequence_shape_ == (3, 3)
    codes = enc.transform(X)
    assert codes.shape == (2, 9)
    assert_array_equal(codes.reshape(2, 3, 3).sum(axis=2), [[1, 1, 0], [1, 1, 1]])
    assert_array_equal(enc.inverse_transform(codes), X)
    assert_array_equal(enc.transform([[9, 2, 0]]).reshape(3, 3), [[0, 0, 0], [1, 0, 0],
                                                                  [0, 0, 0]])
    with pytest.raises(ValueError, match="unknown symbols"):
        OneHotSequenceEncoder(handle_unknown="error").fit(X).transform([[9, 2, 0]])
    everything = OneHotSequenceEncoder(padding_value=None).fit(X)
    assert_array_equal(everything.categories_, [0, 2, 3, 4])


def test_one_hot_leaves_input_untouched_and_rejects_nan():
    X = np.array([[1.0, 2.0], [2.0, 1.0]])
    before = X.copy()
    OneHotSequenceEncoder().fit_transform(X)
    assert_array_equal(X, before)
    with pytest.raises(ValueError, match="NaN"):
        OneHotSequenceEncoder().fit([[1.0, np.nan]])


def test_check_estimator_passes():
    for est in (TextEncoder(), OneHotSequenceEncoder()):
        results = check_estimator(est, on_fail=None)
        assert all(r["status"] != "failed" for r in results), \
            [r["check_name"] for r in results if r["status"] == "failed"]


# ------------------------------------------------ columns, Series, ragged lists
def test_text_encoder_reads_one_column_however_it_comes():
    """A Series, a one-column DataFrame (what ColumnTransformer passes for ["text"]),
    an (n, 1) array: the texts of the column, never the column's name."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"text": TEXTS, "stars": [5, 3, 4]})
    expected = TextEncoder().fit(TEXTS).transform(TEXTS)
    for column in (frame["text"], frame[["text"]], np.array(TEXTS, dtype=object)[:, None]):
        enc = TextEncoder().fit(column)
        assert_array_equal(enc.transform(column), expected)
    with pytest.raises(ValueError, match="reads one column; got 2 columns"):
        TextEncoder().fit(frame)


@pytest.mark.parametrize("columns", ["text", ["text"]])
def test_text_encoder_in_a_column_transformer_and_pipeline(columns):
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline

    from skdl.recurrent import LSTMClassifier
    texts = ["good fun film", "great good acting", "bad dull film", "awful bad acting"] * 5
    frame = pd.DataFrame({"text": texts, "other": np.arange(20)})
    y = np.array([1, 1, 0, 0] * 5)
    encode = ColumnTransformer([("words", TextEncoder(), columns)])
    assert encode.fit_transform(frame).shape == (20, 3)
    assert encode.get_feature_names_out().tolist() == [f"words__token_{t}" for t in range(3)]
    pipe = make_pipeline(encode, LSTMClassifier(embedding_dim=4, recurrent_layer_sizes=4,
                                                max_iter=30, learning_rate_init=0.05,
                                                random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(frame, y)
    assert pipe.predict(frame).shape == (20,) and pipe.score(frame, y) == 1.0


def test_text_encoder_inverse_transform_out_of_range_ids():
    enc = TextEncoder().fit(TEXTS)
    assert enc.inverse_transform([[2, 1e19, 0, 99]]) == [["the", "<unk>", "<unk>"]]
    for bad in ([[2, -1]], [[2, 1.5]], [[2, np.nan]]):
        with pytest.raises(ValueError, match="non-negative integers"):
            enc.inverse_transform(bad)


def test_one_hot_reads_columns_of_sequences_and_ragged_lists():
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer
    ragged = [[2, 3], [3], [4, 2, 2]]
    padded = np.array([[2, 3, 0], [3, 0, 0], [4, 2, 2]])
    expected = OneHotSequenceEncoder().fit(padded).transform(padded)
    frame = pd.DataFrame({"ids": ragged, "other": [0.5, 1.5, 2.5]})
    for X in (ragged, frame["ids"], frame[["ids"]]):
        enc = OneHotSequenceEncoder().fit(X)
        assert enc.sequence_shape_ == (3, 3)
        assert_array_equal(enc.transform(X), expected)
    ct = ColumnTransformer([("codes", OneHotSequenceEncoder(), ["ids"])])
    assert_array_equal(ct.fit_transform(frame), expected)
    enc = OneHotSequenceEncoder().fit(ragged)
    assert_array_equal(enc.transform([[4]]), [[0, 0, 1, 0, 0, 0, 0, 0, 0]])   # then padding
    with pytest.raises(ValueError, match="more than the 3 steps"):
        enc.transform([[2, 3, 4, 2]])
    with pytest.raises(ValueError, match="padded with padding_value"):
        OneHotSequenceEncoder(padding_value=None).fit(ragged)
    # A Series of single symbols is one step per row.
    assert OneHotSequenceEncoder().fit(pd.Series([2, 3, 2])).sequence_shape_ == (1, 2)


def test_one_hot_out_of_range_symbols_are_unknown_or_an_error():
    enc = OneHotSequenceEncoder().fit([[1, 2], [2, 3]])
    assert_array_equal(enc.transform(np.array([[1e19, 2]])), [[0, 0, 0, 0, 1, 0]])
    with pytest.raises(ValueError, match="unknown symbols"):
        OneHotSequenceEncoder(handle_unknown="error").fit([[1, 2]]).transform([[1e19, 2]])
