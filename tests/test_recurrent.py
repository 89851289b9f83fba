"""Tests of skdl.recurrent estimators and the gradient-clipping hook."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skdl._training import clip_gradient
from skdl.layers.recurrent import LSTM, Bidirectional, SimpleRNN
from skdl.preprocessing import TextEncoder
from skdl.recurrent import LSTMClassifier, LSTMRegressor, RNNClassifier, RNNRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(recurrent_layer_sizes=6, max_iter=3, random_state=0)


def sequences(n=60, T=7, d=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, d))
    y = (X[:, 0, 0] > 0).astype(int)
    return X, y


@pytest.mark.parametrize("Est", [RNNClassifier, LSTMClassifier])
def test_3d_2d_and_input_shape_are_the_same_model(Est):
    X, y = sequences()
    a = Est(**FAST).fit(X, y)
    b = Est(input_shape=(7, 2), **FAST).fit(X.reshape(60, 14), y)
    assert a.sequence_shape_ == b.sequence_shape_ == (7, 2)
    assert a.n_features_in_ == 14
    assert_array_equal(a.network_.flat_params, b.network_.flat_params)
    assert_allclose(a.predict_proba(X), b.predict_proba(X.reshape(60, 14)))


def test_univariate_2d_default():
    X, y = sequences(d=1)
    clf = RNNClassifier(**FAST).fit(X[:, :, 0], y)
    assert clf.sequence_shape_ == (7, 1)


@pytest.mark.parametrize("cell", ["elman", "jordan", "lstm"])
def test_variable_length_list_equals_each_sequence_alone(cell):
    rng = np.random.default_rng(1)
    lengths = [7, 3, 5, 1, 7, 2]
    seqs = [rng.standard_normal((L, 2)) for L in lengths]
    y = np.array([0, 1, 0, 1, 1, 0])
    clf = RNNClassifier(cell=cell, bidirectional=True, recurrent_layer_sizes=(4, 3),
                        max_iter=2, random_state=0).fit(seqs, y)
    assert clf.sequence_shape_ == (7, 2) and clf.n_features_in_ == 15
    batch = clf.predict_proba(seqs)
    alone = np.vstack([clf.predict_proba([s]) for s in seqs])
    assert_allclose(batch, alone, atol=1e-12)
    # The same sequences zero-padded *without* a mask give different results.
    padded = np.zeros((6, 7, 2))
    for i, s in enumerate(seqs):
        padded[i, :len(s)] = s
    unmasked = clf.predict_proba(padded)
    assert_allclose(unmasked[[0, 4]], batch[[0, 4]], atol=1e-12)    # full length
    assert not np.allclose(unmasked[1], batch[1])
    with pytest.raises(ValueError, match="more than the 7 steps"):
        clf.predict([rng.standard_normal((8, 2))])


def test_list_on_fixed_length_model_errors():
    X, y = sequences()
    clf = RNNClassifier(**FAST).fit(X, y)
    assert_allclose(clf.predict_proba(list(X)), clf.predict_proba(X))
    with pytest.raises(ValueError, match="fixed length 7"):
        clf.predict([X[0, :3]])
    with pytest.raises(ValueError, match=r"shape \(5, 2\)"):
        clf.predict(X[:, :5])


def test_bad_inputs_raise_and_leave_data_untouched():
    X, y = sequences()
    X_before = X.copy()
    with pytest.raises(ValueError, match="needs 15 features"):
        RNNClassifier(input_shape=(5, 3), **FAST).fit(X.reshape(60, 14), y)
    with pytest.raises(ValueError, match="does not match"):
        RNNClassifier(input_shape=(7, 3), **FAST).fit(X, y)
    with pytest.raises(ValueError, match="same number of features"):
        RNNClassifier(**FAST).fit([X[0], X[1][:, :1]], y[:2])
    bad = X.copy()
    bad[3, 2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        RNNClassifier(**FAST).fit(bad, y)
    assert_array_equal(X, X_before)
    with pytest.raises(ValueError, match="non-negative integer token"):
        RNNClassifier(embedding_dim=4, **FAST).fit([[1, 2.5], [0, 3]], [0, 1])


@pytest.mark.parametrize("params, match", [
    (dict(cell="gru"), "cell"),
    (dict(recurrent_layer_sizes=()), "recurrent_layer_sizes"),
    (dict(recurrent_layer_sizes=(4, 0)), "recurrent_layer_sizes"),
    (dict(hidden_layer_sizes=(3, -1)), "hidden_layer_sizes"),
    (dict(input_shape=(7,)), "input_shape"),
    (dict(clip_norm=0.0), "clip_norm"),
    (dict(dropout=(0.1, 0.2)), "dropout"),
    (dict(embedding_dim=0), "embedding_dim"),
])
def test_invalid_parameters(params, match):
    X, y = sequences()
    with pytest.raises(ValueError, match=match):
        RNNClassifier(**{**FAST, **params}).fit(X, y)


@pytest.mark.parametrize("Est", [RNNClassifier, LSTMClassifier, RNNRegressor, LSTMRegressor])
def test_reproducible_and_picklable(Est):
    X, y = sequences()
    kw = dict(FAST, bidirectional=True, hidden_layer_sizes=(4,), dropout=0.2)
    a, b = Est(**kw).fit(X, y), Est(**kw).fit(X, y)
    assert_array_equal(a.network_.flat_params, b.network_.flat_params)
    again = pickle.loads(pickle.dumps(a))
    assert_array_equal(again.predict(X), a.predict(X))


def test_network_structure():
    clf = LSTMClassifier(recurrent_layer_sizes=(5, 4), bidirectional=True, peephole=True,
                         hidden_layer_sizes=(3,), max_iter=1, random_state=0)
    clf.fit(*sequences())
    layers = clf.network_.layers
    assert isinstance(layers[1], Bidirectional) and layers[1].return_sequences
    assert isinstance(layers[2].forward_layer, LSTM) and layers[2].forward_layer.peephole
    assert not layers[2].return_sequences
    assert [W.shape for W in clf.coefs_] == [(8, 3), (3, 1)]
    rnn = RNNClassifier(cell="jordan", max_iter=1, random_state=0).fit(*sequences())
    assert rnn.network_.layers[1].feedback == "jordan"
    assert isinstance(rnn.network_.layers[1], SimpleRNN)


def test_lstm_remembers_first_step():
    X, y = sequences(n=200, T=20, d=1, seed=3)
    clf = LSTMClassifier(recurrent_layer_sizes=8, learning_rate_init=0.005, max_iter=30,
                         batch_size=32, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9


def test_regressor_multi_output_and_float32():
    X, _ = sequences()
    Y = np.c_[X[:, -1, 0], X[:, 0, 1]]
    reg = LSTMRegressor(**FAST).fit(X.astype(np.float32), Y)
    assert reg.predict(X).shape == (60, 2)
    assert reg.network_.dtype == np.float32


def test_auto_dtype_and_float64_predictions_of_a_float32_model():
    X, _ = sequences(n=300)
    Y = np.c_[X[:, -1, 0], X[:, 0, 1]]
    reg = LSTMRegressor(**FAST).fit(X, Y)           # 300 rows > one batch of 200
    assert reg.dtype == "auto" and reg.network_.dtype == np.float32
    predicted = reg.predict(X)
    assert predicted.dtype == np.float64             # as scikit-learn's regressors
    order = np.random.default_rng(0).permutation(len(X))
    assert_allclose(reg.predict(X[order]), predicted[order], rtol=0, atol=1e-12)
    assert reg.predict(X.astype(np.float32)).dtype == np.float32
    assert LSTMRegressor(**FAST).fit(X[:200], Y[:200]).network_.dtype == np.float64
    assert RNNClassifier(dtype=np.float64, **FAST).fit(X, Y[:, 0] > 0).network_.dtype == np.float64


# ------------------------------------------------------------ clipping
def test_clip_gradient():
    g = np.array([3.0, 4.0])
    assert clip_gradient(g, 10.0) == 5.0
    assert_allclose(g, [3.0, 4.0])                 # small gradients are untouched
    assert clip_gradient(g, 1.0) == 5.0
    assert_allclose(g, [0.6, 0.8])                 # same direction, norm 1


def test_clip_norm_changes_training_only_when_gradients_are_large():
    X, y = sequences()
    kw = dict(FAST, learning_rate_init=0.05, solver="sgd", max_iter=2)
    tight = RNNClassifier(clip_norm=1e-3, **kw).fit(X, y)
    off = RNNClassifier(clip_norm=None, **kw).fit(X, y)
    loose = RNNClassifier(clip_norm=1e6, **kw).fit(X, y)
    assert_array_equal(off.network_.flat_params, loose.network_.flat_params)
    # With a tiny threshold every SGD step has length lr * 1e-3: weights barely move.
    start = RNNClassifier(**dict(kw, max_iter=1, learning_rate_init=1e-12)).fit(X, y)
    moved_tight = np.abs(tight.network_.flat_params - start.network_.flat_params).max()
    moved_off = np.abs(off.network_.flat_params - start.network_.flat_params).max()
    assert moved_tight < 2 * 2 * 0.05 * 1e-3 + 1e-9 < moved_off


# ------------------------------------------------------ text pipelines
TEXT_POS = ["good fun film", "great good acting", "fun and great", "loved it good"]
TEXT_NEG = ["bad dull film", "awful bad acting", "dull and awful", "hated it bad"]


def text_data(repeat=6):
    texts = (TEXT_POS + TEXT_NEG) * repeat
    y = np.array(([1] * 4 + [0] * 4) * repeat)
    return texts, y


def test_text_pipeline_and_grid_search():
    texts, y = text_data()
    pipe = make_pipeline(TextEncoder(), LSTMClassifier(embedding_dim=8, recurrent_layer_sizes=8,
                                                       learning_rate_init=0.05, max_iter=15,
                                                       random_state=0))
    pipe.fit(texts, y)
    assert pipe.score(texts, y) == 1.0
    assert_array_equal(pipe.predict(["good great fun", "awful and dull", "unseen words bad"]),
                       [1, 0, 0])
    search = GridSearchCV(pipe, {"lstmclassifier__recurrent_layer_sizes": [4, 8]}, cv=2)
    search.fit(texts, y)
    assert search.best_score_ > 0.9


def test_token_lists_padded_and_masked():
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 6, size=L) for L in (3, 5, 2, 5)]
    clf = RNNClassifier(embedding_dim=3, **FAST).fit(seqs, [0, 1, 0, 1])
    assert clf.sequence_shape_ == (5, 1)
    batch = clf.predict_proba(seqs)
    alone = np.vstack([clf.predict_proba([np.r_[s, np.zeros(5 - len(s), int)]]) for s in seqs])
    assert_allclose(batch, alone, atol=1e-12)
    # Ids beyond the training vocabulary are the unknown token 1.
    assert_allclose(clf.predict_proba([[9, 2, 0, 0, 0]]), clf.predict_proba([[1, 2, 0, 0, 0]]))
