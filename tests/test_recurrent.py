"""Tests of skdl.recurrent estimators and the gradient-clipping hook."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from reference_layers import ref_elman, ref_gru, ref_lstm
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
    assert a.n_features_in_ == 2 and b.n_features_in_ == 14     # per step; columns
    assert_array_equal(a.network_.flat_params, b.network_.flat_params)
    assert_allclose(a.predict_proba(X), b.predict_proba(X.reshape(60, 14)))


def test_univariate_2d_default():
    X, y = sequences(d=1)
    clf = RNNClassifier(**FAST).fit(X[:, :, 0], y)
    assert clf.sequence_shape_ == (7, 1)


@pytest.mark.parametrize("cell", ["elman", "jordan", "lstm", "gru"])
def test_variable_length_list_equals_each_sequence_alone(cell):
    rng = np.random.default_rng(1)
    lengths = [7, 3, 5, 1, 7, 2]
    seqs = [rng.standard_normal((L, 2)) for L in lengths]
    y = np.array([0, 1, 0, 1, 1, 0])
    clf = RNNClassifier(cell=cell, bidirectional=True, recurrent_layer_sizes=(4, 3),
                        max_iter=2, random_state=0).fit(seqs, y)
    assert clf.sequence_shape_ == (7, 2) and clf.n_features_in_ == 2
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


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("Est", [RNNClassifier, LSTMClassifier])
def test_nan_padded_3d_is_the_list_of_sequences(Est, data_format):
    """tslearn/aeon NaN padding at the end: the same model and predictions as the list."""
    rng = np.random.default_rng(2)
    lengths = [6, 3, 9, 4, 9, 1, 5, 7]
    seqs = [rng.standard_normal((L, 3)) for L in lengths]
    padded = np.full((8, 9, 3), np.nan)
    for i, s in enumerate(seqs):
        padded[i, :lengths[i]] = s
    if data_format == "channels_first":
        seqs = [s.T for s in seqs]
        padded = padded.transpose(0, 2, 1)
    before = padded.copy()
    y = np.array([0, 1] * 4)
    kw = dict(FAST, data_format=data_format, bidirectional=True)
    a, b = Est(**kw).fit(seqs, y), Est(**kw).fit(padded, y)
    assert_array_equal(a.network_.flat_params, b.network_.flat_params)
    assert_allclose(a.predict_proba(padded), b.predict_proba(seqs), atol=1e-12)
    assert_array_equal(padded, before)                  # NaN padding never overwritten


@pytest.mark.parametrize("cell, reference", [("elman", ref_elman), ("lstm", ref_lstm),
                                             ("gru", ref_gru)])
def test_predicts_sequences_longer_and_shorter_than_any_seen_in_fit(cell, reference):
    """The network reads any length: its output on 40 steps (fit on at most 6) is the
    reference recurrence over those 40 steps, then the dense output layer."""
    rng = np.random.default_rng(3)
    seqs = [rng.standard_normal((L, 2)) for L in (6, 4, 5, 6)]
    reg = RNNRegressor(cell=cell, **FAST).fit(seqs, [0.5, -1.0, 2.0, 0.0])
    recurrent, dense = reg.network_.layers[1], reg.network_.layers[2]
    for L in (40, 1):
        x = rng.standard_normal((L, 2))
        h = reference(x, recurrent.parameters())[-1]
        expected = h @ dense.parameters()["W"] + dense.parameters()["b"]
        assert_allclose(reg.predict([x]), expected, rtol=1e-10)
        assert_allclose(reg.predict(x[None]), expected, rtol=1e-10)   # 3-D, any length


def test_partial_fit_and_score_on_sequences_of_new_lengths():
    rng = np.random.default_rng(4)

    def batch(n, low, high):
        seqs = [rng.standard_normal((rng.integers(low, high), 2)) for _ in range(n)]
        return seqs, np.array([int(s[0, 0] > 0) for s in seqs])

    clf = RNNClassifier(cell="gru", **FAST)
    first = batch(30, 3, 6)
    clf.partial_fit(*first, classes=[0, 1])
    clf.partial_fit(*batch(30, 10, 20))             # longer than anything before
    clf.partial_fit(np.stack([s[:2] for s in first[0]]), first[1])     # 3-D, shorter
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 3 and clf.sequence_shape_ == (5, 2)
    assert 0.0 <= clf.score(*batch(20, 25, 30)) <= 1.0


def test_lists_of_sequences_in_model_selection_and_early_stopping():
    """scikit-learn's splitters index lists and 3-D arrays; early stopping splits them too."""
    from sklearn.model_selection import cross_val_score
    rng = np.random.default_rng(5)
    seqs = [rng.standard_normal((rng.integers(4, 12), 2)) for _ in range(80)]
    y = np.array([int(s[0, 0] > 0) for s in seqs])
    scores = cross_val_score(RNNClassifier(cell="gru", **FAST), seqs, y, cv=3)
    assert scores.shape == (3,) and np.all((0 <= scores) & (scores <= 1))
    clf = RNNClassifier(early_stopping=True, n_iter_no_change=2, **dict(FAST, max_iter=4))
    clf.fit(seqs, y, sample_weight=np.linspace(0.5, 1.5, 80))
    assert len(clf.validation_scores_) == clf.n_iter_


def test_2d_rows_stay_fixed_length():
    X, y = sequences()
    rows = RNNClassifier(input_shape=(7, 2), **FAST).fit(X.reshape(60, 14), y)
    with pytest.raises(ValueError, match="14 features"):
        rows.predict(X[:, :5].reshape(60, 10))
    # 3-D input of any length is read by the same network.
    assert_allclose(rows.predict_proba(X), rows.predict_proba(X.reshape(60, 14)))
    assert rows.predict(X[:, :5]).shape == (60,)
    cube = RNNClassifier(**FAST).fit(X, y)
    assert_allclose(cube.predict_proba(list(X)), cube.predict_proba(X))
    with pytest.raises(ValueError, match="fitted on sequences given as a 3-D array"):
        cube.predict(X.reshape(60, 14))
    with pytest.raises(ValueError, match="3 features per step, but RNNClassifier was fitted "
                                         "with 2"):
        cube.predict(np.zeros((2, 7, 3)))


@pytest.mark.parametrize("Est", [RNNClassifier, LSTMRegressor])
def test_data_format_reads_the_ecosystem_layouts(Est):
    """aeon/sktime's (n, d, T), lists of (d, T_i) and channels-first input_shape rows."""
    X, y = sequences()
    last = Est(**FAST).fit(X, y)
    aeon = X.transpose(0, 2, 1).copy()
    kw = dict(FAST, data_format="channels_first")
    for first in (Est(**kw).fit(aeon, y), Est(**kw).fit(list(aeon), y),
                  Est(input_shape=(2, 7), **kw).fit(aeon.reshape(60, 14), y)):
        assert first.sequence_shape_ == (7, 2)
        assert_array_equal(first.network_.flat_params, last.network_.flat_params)
        assert_allclose(first.predict(aeon), last.predict(X))
    # The same array read in the other layout is another model (7 features of 2 steps).
    swapped = Est(**FAST).fit(aeon, y)
    assert swapped.sequence_shape_ == (2, 7) and swapped.n_features_in_ == 7


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
    with pytest.raises(ValueError, match="NaN in some but not all features of step 2"):
        RNNClassifier(**FAST).fit(bad, y)
    bad[3, 2] = np.nan                                   # a whole step, but real ones follow
    with pytest.raises(ValueError, match="NaN inside a sequence: sample 3"):
        RNNClassifier(**FAST).fit(bad, y)
    fitted = RNNClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="NaN inside a sequence"):
        fitted.predict(bad)
    bad[3] = np.nan
    with pytest.raises(ValueError, match="NaN in every step of sample 3"):
        fitted.predict(bad)
    bad[3] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        fitted.predict(bad)
    with pytest.raises(ValueError, match="must hold numbers"):
        fitted.predict([np.array([["a", "b"]])])
    assert_array_equal(X, X_before)
    with pytest.raises(ValueError, match="non-negative integer token"):
        RNNClassifier(embedding_dim=4, **FAST).fit([[1, 2.5], [0, 3]], [0, 1])


@pytest.mark.parametrize("params, match", [
    (dict(cell="hopfield"), "cell"),
    (dict(data_format="channels_middle"), "data_format"),
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


@pytest.mark.parametrize("cell, units, rate", [("lstm", 16, 0.01), ("gru", 16, 0.01)])
def test_gated_cells_remember_the_first_step(cell, units, rate):
    # (8 GRU units learn it from 2 of 3 seeds, 16 from all 4 tried; 16 LSTM
    # units at rate 0.01 reach 0.925-0.965 over seeds 0-3, in float32 as in
    # float64, 8 units 0.83-0.925.)
    X, y = sequences(n=200, T=20, d=1, seed=3)
    clf = RNNClassifier(cell=cell, recurrent_layer_sizes=units, learning_rate_init=rate,
                        max_iter=30, batch_size=32, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9


def test_ragged_univariate_lists_get_a_hint():
    ragged = [np.arange(3.0), np.arange(5.0)]
    with pytest.raises(ValueError, match=r"shape \(T_i, 1\).*s.reshape\(-1, 1\)"):
        RNNClassifier(**FAST).fit(ragged, [0, 1])
    with pytest.raises(ValueError, match=r"\(1, T_i\)"):
        RNNClassifier(data_format="channels_first", **FAST).fit([[1.0, 2.0], [3.0]], [0, 1])
    clf = RNNClassifier(**FAST).fit([s.reshape(-1, 1) for s in ragged], [0, 1])
    assert clf.n_features_in_ == 1


def test_sequences_reset_feature_names_and_declare_three_d_arrays():
    pd = pytest.importorskip("pandas")
    X, y = sequences()
    frame = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(7)])
    clf = RNNClassifier(**FAST).fit(frame, y)
    assert list(clf.feature_names_in_) == list(frame.columns)
    clf.fit(X, y)
    assert not hasattr(clf, "feature_names_in_") and clf.n_features_in_ == 2
    assert clf.__sklearn_tags__().input_tags.three_d_array


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
    # Ids beyond the training vocabulary, however large, are the unknown token 1.
    assert_allclose(clf.predict_proba([[9, 2, 0, 0, 0]]), clf.predict_proba([[1, 2, 0, 0, 0]]))
    assert_allclose(clf.predict_proba(np.array([[1e19, 2, 0, 0, 0]])),
                    clf.predict_proba([[1, 2, 0, 0, 0]]))
    # Lists of any length: longer than the fit's, padded with 0 within the call.
    longer = [rng.integers(1, 6, size=L) for L in (9, 2)]
    assert_allclose(clf.predict_proba(longer),
                    np.vstack([clf.predict_proba([s]) for s in longer]), atol=1e-12)
    with pytest.raises(ValueError, match="embedding needs one row per id"):
        RNNClassifier(embedding_dim=3, **FAST).fit([[2, 3], [2**40, 1]], [0, 1])
