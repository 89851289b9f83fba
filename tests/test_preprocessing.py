"""Tests of skdl.preprocessing: TextEncoder and OneHotSequenceEncoder."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
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
